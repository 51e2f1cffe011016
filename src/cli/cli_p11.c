/* cli_p11.c - signer keys in a PKCS#11 token; see cli_p11.h and docs/keys.md. */
#define CRYPTOKI_GNU 1 /* p11-kit's pkcs11.h: ck_* names, no renaming macros */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <p11-kit/pkcs11.h>
#include <sodium.h>

#include "cli/cli_key.h"
#include "cli/cli_p11.h"
#include "armistice/p11uri.h"
#include "armistice/common.h"

/* DER of the curve OID 1.3.101.112 (id-Ed25519, RFC 8410): CKA_EC_PARAMS. */
static const uint8_t ed25519_oid[] = {0x06, 0x03, 0x2b, 0x65, 0x70};
/* PKCS#11 3.0 also allows the curve name as a PrintableString. */
static const uint8_t ed25519_name[] = {0x13, 0x0c, 'e', 'd', 'w', 'a', 'r',
                                       'd',  's',  '2', '5', '5', '1', '9'};

/*
 * Loaded modules, shared by every signer of this process: C_Initialize
 * may run once per module, and C_Finalize only when its last user goes.
 */
#define P11_MODULES_MAX 8
struct p11_module {
	char path[P11URI_PATH_MAX];
	void *dl;
	struct ck_function_list *f;
	unsigned refs;
};
static struct p11_module modules[P11_MODULES_MAX];
static pthread_mutex_t modules_mu = PTHREAD_MUTEX_INITIALIZER;

struct p11_signer {
	struct p11_module *m;
	ck_session_handle_t sess;
	ck_object_handle_t key;
	pthread_mutex_t mu; /* a session serves one call at a time */
};

/* A short name for the commonest return values, for messages. */
static const char *
rv_name(ck_rv_t rv)
{
	switch (rv) {
	case CKR_OK: return "CKR_OK";
	case CKR_PIN_INCORRECT: return "CKR_PIN_INCORRECT";
	case CKR_PIN_LOCKED: return "CKR_PIN_LOCKED";
	case CKR_PIN_LEN_RANGE: return "CKR_PIN_LEN_RANGE";
	case CKR_MECHANISM_INVALID: return "CKR_MECHANISM_INVALID";
	case CKR_KEY_TYPE_INCONSISTENT: return "CKR_KEY_TYPE_INCONSISTENT";
	case CKR_DEVICE_REMOVED: return "CKR_DEVICE_REMOVED";
	case CKR_TOKEN_NOT_PRESENT: return "CKR_TOKEN_NOT_PRESENT";
	case CKR_SESSION_HANDLE_INVALID: return "CKR_SESSION_HANDLE_INVALID";
	case CKR_USER_NOT_LOGGED_IN: return "CKR_USER_NOT_LOGGED_IN";
	case CKR_ATTRIBUTE_VALUE_INVALID: return "CKR_ATTRIBUTE_VALUE_INVALID";
	case CKR_TEMPLATE_INCONSISTENT: return "CKR_TEMPLATE_INCONSISTENT";
	case CKR_CURVE_NOT_SUPPORTED: return "CKR_CURVE_NOT_SUPPORTED";
	case CKR_GENERAL_ERROR: return "CKR_GENERAL_ERROR";
	case CKR_FUNCTION_FAILED: return "CKR_FUNCTION_FAILED";
	default: return "CKR_?";
	}
}

static int
p11_fail(struct arm_err *e, enum arm_rc rc, const char *what, ck_rv_t rv)
{
	return arm_err_set(e, rc, "pkcs11: %s failed: %s (0x%lx)", what, rv_name(rv),
	                   (unsigned long)rv);
}

static void
module_put(struct p11_module *m)
{
	pthread_mutex_lock(&modules_mu);
	if (m->refs > 0 && --m->refs == 0) {
		m->f->C_Finalize(NULL);
		/*
		 * The library stays mapped (no dlclose): modules leave thread
		 * destructors and atexit handlers behind that would run in
		 * unmapped code, and a later dlopen of the same path returns
		 * the same handle anyway.
		 */
		memset(m, 0, sizeof(*m));
	}
	pthread_mutex_unlock(&modules_mu);
}

static int
module_get(const char *path, struct p11_module **out, struct arm_err *e)
{
	struct ck_c_initialize_args args;
	ck_rv_t (*getfl)(struct ck_function_list **);
	struct p11_module *m = NULL;
	ck_rv_t rv;
	size_t i;
	int rc = ARM_OK;

	pthread_mutex_lock(&modules_mu);
	for (i = 0; i < P11_MODULES_MAX; i++)
		if (modules[i].refs > 0 && strcmp(modules[i].path, path) == 0) {
			modules[i].refs++;
			*out = &modules[i];
			pthread_mutex_unlock(&modules_mu);
			return ARM_OK;
		}
	for (i = 0; i < P11_MODULES_MAX && m == NULL; i++)
		if (modules[i].refs == 0)
			m = &modules[i];
	if (m == NULL) {
		rc = arm_err_set(e, ARM_ELIMIT, "pkcs11: more than %d modules in one process",
		                 P11_MODULES_MAX);
		goto out;
	}
	m->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (m->dl == NULL) {
		rc = arm_err_set(e, ARM_ENOTFOUND, "pkcs11: cannot load module '%s': %s", path,
		                 dlerror());
		goto out;
	}
	*(void **)&getfl = dlsym(m->dl, "C_GetFunctionList");
	if (getfl == NULL || (rv = getfl(&m->f)) != CKR_OK || m->f == NULL) {
		rc = arm_err_set(e, ARM_EIO,
		                 "pkcs11: '%s' is not a PKCS#11 module (no C_GetFunctionList)",
		                 path);
		dlclose(m->dl);
		goto out;
	}
	/* The process has threads (serve): let the module use OS locking. */
	memset(&args, 0, sizeof(args));
	args.flags = CKF_OS_LOCKING_OK;
	rv = m->f->C_Initialize(&args);
	if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		rc = p11_fail(e, ARM_EIO, "C_Initialize", rv);
		dlclose(m->dl);
		goto out;
	}
	snprintf(m->path, sizeof(m->path), "%s", path);
	m->refs = 1;
	*out = m;
out:
	if (rc != ARM_OK && m != NULL)
		memset(m, 0, sizeof(*m));
	pthread_mutex_unlock(&modules_mu);
	return rc;
}

/* Does the space-padded PKCS#11 field f[0..n) equal want (RFC 7512 §2.3)? */
static bool
field_eq(const unsigned char *f, size_t n, const char *want)
{
	size_t l = n, wl = strlen(want);

	while (l > 0 && f[l - 1] == ' ')
		l--;
	return l == wl && memcmp(f, want, l) == 0;
}

/* The one slot whose token matches u. */
static int
find_slot(struct p11_module *m, const struct p11uri *u, ck_slot_id_t *slot, struct arm_err *e)
{
	ck_slot_id_t *slots;
	unsigned long n = 0, i, found = 0;
	ck_rv_t rv;

	rv = m->f->C_GetSlotList(1, NULL, &n);
	if (rv != CKR_OK)
		return p11_fail(e, ARM_EIO, "C_GetSlotList", rv);
	if (n == 0)
		return arm_err_set(e, ARM_ENOTFOUND, "pkcs11: module '%s' has no token", m->path);
	if (n > 1024)
		n = 1024;
	slots = calloc(n, sizeof(*slots));
	if (slots == NULL)
		return arm_err_set(e, ARM_ENOMEM, "pkcs11: out of memory");
	rv = m->f->C_GetSlotList(1, slots, &n);
	if (rv != CKR_OK) {
		free(slots);
		return p11_fail(e, ARM_EIO, "C_GetSlotList", rv);
	}
	for (i = 0; i < n; i++) {
		struct ck_token_info ti;
		if ((u->have & P11URI_SLOT_ID) && slots[i] != u->slot_id)
			continue;
		if (m->f->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
			continue;
		if ((u->have & P11URI_TOKEN) && !field_eq(ti.label, sizeof(ti.label), u->token))
			continue;
		if ((u->have & P11URI_MANUFACTURER) &&
		    !field_eq(ti.manufacturer_id, sizeof(ti.manufacturer_id), u->manufacturer))
			continue;
		if ((u->have & P11URI_MODEL) && !field_eq(ti.model, sizeof(ti.model), u->model))
			continue;
		if ((u->have & P11URI_SERIAL) &&
		    !field_eq(ti.serial_number, sizeof(ti.serial_number), u->serial))
			continue;
		if (found++ == 0)
			*slot = slots[i];
	}
	free(slots);
	if (found == 0)
		return arm_err_set(e, ARM_ENOTFOUND, "pkcs11: no token matches the uri (token=%s)",
		                   u->have & P11URI_TOKEN ? u->token : "any");
	if (found > 1)
		return arm_err_set(
		    e, ARM_ECONFLICT,
		    "pkcs11: %lu tokens match the uri: name one with token=, serial= "
		    "or slot-id=",
		    found);
	return ARM_OK;
}

/* The PIN, into sodium_malloc memory (*pin freed by the caller with sodium_free). */
static int
get_pin(const struct p11uri *u, char **pin, size_t *len, struct arm_err *e)
{
	char prompt[128];

	if (u->have & P11URI_PIN_VALUE) {
		*len = strlen(u->pin_value);
		*pin = sodium_malloc(*len + 1);
		if (*pin == NULL)
			return arm_err_set(e, ARM_ENOMEM, "pkcs11: sodium_malloc failed");
		memcpy(*pin, u->pin_value, *len + 1);
		return ARM_OK;
	}
	if (u->have & P11URI_PIN_SOURCE) {
		size_t l;
		ARM_TRY(cli_key_read_private("pin file", u->pin_source, 256, pin, &l, e));
		/* One line: a final newline is not part of the PIN. */
		if (l > 0 && (*pin)[l - 1] == '\n')
			(*pin)[--l] = '\0';
		if (l > 0 && (*pin)[l - 1] == '\r')
			(*pin)[--l] = '\0';
		*len = l;
		return ARM_OK;
	}
	snprintf(prompt, sizeof(prompt),
	         "PIN for token %s: ", u->have & P11URI_TOKEN ? u->token : "(pkcs11)");
	return cli_key_prompt(prompt, pin, len, e);
}

static int
open_session(struct p11_module *m, const struct p11uri *u, bool rw, ck_session_handle_t *sess,
             struct arm_err *e)
{
	ck_slot_id_t slot = 0;
	char *pin = NULL;
	size_t pl = 0;
	ck_rv_t rv;
	int rc;

	ARM_TRY(find_slot(m, u, &slot, e));
	rv = m->f->C_OpenSession(slot, CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0), NULL, NULL,
	                         sess);
	if (rv != CKR_OK)
		return p11_fail(e, ARM_EIO, "C_OpenSession", rv);
	if ((rc = get_pin(u, &pin, &pl, e)) != ARM_OK) {
		m->f->C_CloseSession(*sess);
		return rc;
	}
	rv = m->f->C_Login(*sess, CKU_USER, (unsigned char *)pin, pl);
	sodium_free(pin);
	if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
		m->f->C_CloseSession(*sess);
		if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LEN_RANGE)
			return arm_err_set(e, ARM_EVERIFY, "pkcs11: the token refused the PIN (%s)",
			                   rv_name(rv));
		return p11_fail(e, rv == CKR_PIN_LOCKED ? ARM_EVERIFY : ARM_EIO, "C_Login", rv);
	}
	return ARM_OK;
}

/* Up to 2 objects of class cls matching the label and id of u; *n how many. */
static int
find_objects(struct p11_module *m, ck_session_handle_t sess, ck_object_class_t cls,
             const char *label, const uint8_t *id, size_t idl, ck_object_handle_t out[2],
             unsigned long *n, struct arm_err *e)
{
	ck_key_type_t kt = CKK_EC_EDWARDS;
	struct ck_attribute t[4];
	unsigned long nt = 0;
	ck_rv_t rv;

	t[nt++] = (struct ck_attribute){CKA_CLASS, &cls, sizeof(cls)};
	t[nt++] = (struct ck_attribute){CKA_KEY_TYPE, &kt, sizeof(kt)};
	if (label != NULL)
		t[nt++] = (struct ck_attribute){CKA_LABEL, (void *)label, strlen(label)};
	if (id != NULL)
		t[nt++] = (struct ck_attribute){CKA_ID, (void *)id, idl};
	rv = m->f->C_FindObjectsInit(sess, t, nt);
	if (rv != CKR_OK)
		return p11_fail(e, ARM_EIO, "C_FindObjectsInit", rv);
	rv = m->f->C_FindObjects(sess, out, 2, n);
	m->f->C_FindObjectsFinal(sess);
	if (rv != CKR_OK)
		return p11_fail(e, ARM_EIO, "C_FindObjects", rv);
	return ARM_OK;
}

/* Reads attribute a of object o into buf (cap bytes); *len its length. */
static int
get_attr(struct p11_module *m, ck_session_handle_t sess, ck_object_handle_t o,
         ck_attribute_type_t a, void *buf, size_t cap, size_t *len, const char *what,
         struct arm_err *e)
{
	struct ck_attribute t = {a, buf, cap};
	ck_rv_t rv = m->f->C_GetAttributeValue(sess, o, &t, 1);

	if (rv != CKR_OK || t.value_len == (unsigned long)-1 || t.value_len > cap)
		return arm_err_set(e, ARM_EIO, "pkcs11: cannot read the key's %s (%s)", what,
		                   rv_name(rv));
	*len = t.value_len;
	return ARM_OK;
}

/* The 32-byte Ed25519 public key of public key object o. */
static int
read_pk(struct p11_module *m, ck_session_handle_t sess, ck_object_handle_t o, uint8_t pk[32],
        struct arm_err *e)
{
	uint8_t b[128];
	size_t l = 0;

	ARM_TRY(get_attr(m, sess, o, CKA_EC_PARAMS, b, sizeof(b), &l, "CKA_EC_PARAMS", e));
	if (!(l == sizeof(ed25519_oid) && memcmp(b, ed25519_oid, l) == 0) &&
	    !(l == sizeof(ed25519_name) && memcmp(b, ed25519_name, l) == 0))
		return arm_err_set(
		    e, ARM_ESYNTAX,
		    "pkcs11: the key is an Edwards key but not Ed25519 (CKA_EC_PARAMS)");
	ARM_TRY(get_attr(m, sess, o, CKA_EC_POINT, b, sizeof(b), &l, "CKA_EC_POINT", e));
	/* PKCS#11 3.0 §2.3.5: a DER OCTET STRING; some tokens give the raw 32 bytes. */
	if (l == 34 && b[0] == 0x04 && b[1] == 32)
		memcpy(pk, b + 2, 32);
	else if (l == 32)
		memcpy(pk, b, 32);
	else
		return arm_err_set(e, ARM_ESYNTAX,
		                   "pkcs11: CKA_EC_POINT is not a 32-byte Ed25519 public key");
	return ARM_OK;
}

static int
p11_sign(void *ctx, const uint8_t *msg, size_t len, uint8_t sig[64], struct arm_err *e)
{
	struct p11_signer *p = ctx;
	struct ck_mechanism mech = {CKM_EDDSA, NULL, 0};
	unsigned long sl = 64;
	ck_rv_t rv;

	pthread_mutex_lock(&p->mu);
	rv = p->m->f->C_SignInit(p->sess, &mech, p->key);
	if (rv == CKR_OK)
		rv = p->m->f->C_Sign(p->sess, (unsigned char *)msg, len, sig, &sl);
	pthread_mutex_unlock(&p->mu);
	if (rv != CKR_OK)
		return p11_fail(e, ARM_EIO, "C_Sign (CKM_EDDSA)", rv);
	if (sl != 64)
		return arm_err_set(e, ARM_EIO, "pkcs11: the token returned a %lu-byte signature",
		                   sl);
	return ARM_OK;
}

static void
p11_release(void *ctx)
{
	struct p11_signer *p = ctx;

	if (p == NULL)
		return;
	p->m->f->C_CloseSession(p->sess);
	module_put(p->m);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

static const struct note_signer_ops p11_ops = {"pkcs11", p11_sign, p11_release};

static int find_pk(struct p11_module *m, ck_session_handle_t sess, ck_object_handle_t priv,
                   char label[NOTE_NAME_MAX + 1], uint8_t pk[32], struct arm_err *e);

/*
 * Makes *s from the private key priv and its public twin. Takes sess and
 * the module reference: the signer releases them, or this does on failure.
 */
static int
make_signer(struct p11_module *m, ck_session_handle_t sess, ck_object_handle_t priv,
            const struct p11uri *u, struct note_signer *s, struct arm_err *e)
{
	struct p11_signer *p;
	uint8_t pk[32];
	char label[NOTE_NAME_MAX + 1];
	int rc = find_pk(m, sess, priv, label, pk, e);

	if (rc == ARM_OK && (p = calloc(1, sizeof(*p))) == NULL)
		rc = arm_err_set(e, ARM_ENOMEM, "pkcs11: out of memory");
	if (rc != ARM_OK) {
		m->f->C_CloseSession(sess);
		module_put(m);
		return rc;
	}
	p->m = m;
	p->sess = sess;
	p->key = priv;
	pthread_mutex_init(&p->mu, NULL);
	return note_signer_external(s, label, u->note_type, pk, &p11_ops, p, e);
}

/* The label (the note key name) and public key of private key priv. */
static int
find_pk(struct p11_module *m, ck_session_handle_t sess, ck_object_handle_t priv,
        char label[NOTE_NAME_MAX + 1], uint8_t pk[32], struct arm_err *e)
{
	uint8_t id[128];
	size_t ll = 0, idl = 0;
	ck_object_handle_t pub[2];
	unsigned long n = 0;

	ARM_TRY(get_attr(m, sess, priv, CKA_LABEL, label, NOTE_NAME_MAX, &ll, "CKA_LABEL", e));
	label[ll] = '\0';
	if (!note_name_valid(label, ll))
		return arm_err_set(e, ARM_ESYNTAX,
		                   "pkcs11: the key's label \"%s\" is not a valid signed-note key "
		                   "name (no spaces, no '+')",
		                   label);
	if (get_attr(m, sess, priv, CKA_ID, id, sizeof(id), &idl, "CKA_ID", e) != ARM_OK)
		idl = 0;
	ARM_TRY(find_objects(m, sess, CKO_PUBLIC_KEY, label, idl ? id : NULL, idl, pub, &n, e));
	if (n != 1)
		return arm_err_set(
		    e, n == 0 ? ARM_ENOTFOUND : ARM_ECONFLICT,
		    "pkcs11: %s public key object with label \"%s\" beside the private "
		    "key",
		    n == 0 ? "no" : "more than one", label);
	return read_pk(m, sess, pub[0], pk, e);
}

int
cli_p11_signer(const char *uri, struct note_signer *s, struct arm_err *e)
{
	struct p11uri u;
	struct p11_module *m;
	ck_session_handle_t sess;
	ck_object_handle_t priv[2];
	unsigned long n = 0;
	int rc;

	memset(s, 0, sizeof(*s));
	ARM_TRY(p11uri_parse(&u, uri, strlen(uri), e));
	if (!(u.have & (P11URI_OBJECT | P11URI_ID)))
		return arm_err_set(e, ARM_EUSAGE,
		                   "pkcs11 uri names no key: give object=LABEL (and/or id=)");
	ARM_TRY(module_get(u.module_path, &m, e));
	if ((rc = open_session(m, &u, false, &sess, e)) != ARM_OK) {
		module_put(m);
		return rc;
	}
	rc = find_objects(m, sess, CKO_PRIVATE_KEY, u.have & P11URI_OBJECT ? u.object : NULL,
	                  u.have & P11URI_ID ? u.id : NULL, u.id_len, priv, &n, e);
	if (rc == ARM_OK && n != 1)
		rc = arm_err_set(e, n == 0 ? ARM_ENOTFOUND : ARM_ECONFLICT,
		                 "pkcs11: %s Ed25519 private key matches object=%s in the token",
		                 n == 0 ? "no" : "more than one",
		                 u.have & P11URI_OBJECT ? u.object : "(any)");
	if (rc == ARM_OK) {
		/* make_signer hands sess and m to the signer, which releases them. */
		rc = make_signer(m, sess, priv[0], &u, s, e);
		memset(&u, 0, sizeof(u));
		return rc;
	}
	m->f->C_CloseSession(sess);
	module_put(m);
	memset(&u, 0, sizeof(u));
	return rc;
}

int
cli_p11_keygen(const char *uri, const char *name, uint8_t type, struct note_signer *s,
               struct buf *uri_out, struct arm_err *e)
{
	struct p11uri u;
	struct p11_module *m;
	ck_session_handle_t sess;
	ck_object_handle_t found[2], pub, priv;
	unsigned long n = 0;
	struct ck_mechanism mech = {CKM_EC_EDWARDS_KEY_PAIR_GEN, NULL, 0};
	unsigned char yes = 1, no = 0;
	uint8_t id[16];
	ck_rv_t rv;
	int rc;

	memset(s, 0, sizeof(*s));
	ARM_TRY(p11uri_parse(&u, uri, strlen(uri), e));
	if ((u.have & P11URI_OBJECT) && strcmp(u.object, name) != 0)
		return arm_err_set(
		    e, ARM_EUSAGE,
		    "keygen: the uri's object=%s differs from NAME %s (the label is the "
		    "key name)",
		    u.object, name);
	if (u.have & P11URI_ID)
		return arm_err_set(e, ARM_EUSAGE,
		                   "keygen: the uri must not give id= (keygen picks it)");
	snprintf(u.object, sizeof(u.object), "%s", name);
	u.have |= P11URI_OBJECT;
	u.note_type = type;
	if (type == NOTE_KEY_COSIG_V1)
		u.have |= P11URI_NOTE_TYPE;
	ARM_TRY(module_get(u.module_path, &m, e));
	if ((rc = open_session(m, &u, true, &sess, e)) != ARM_OK) {
		module_put(m);
		return rc;
	}
	rc = find_objects(m, sess, CKO_PRIVATE_KEY, name, NULL, 0, found, &n, e);
	if (rc == ARM_OK && n != 0)
		rc = arm_err_set(
		    e, ARM_ECONFLICT,
		    "keygen: the token already holds a key labelled \"%s\"; keygen never "
		    "replaces a key",
		    name);
	if (rc == ARM_OK) {
		ck_object_class_t pubc = CKO_PUBLIC_KEY, privc = CKO_PRIVATE_KEY;
		ck_key_type_t kt = CKK_EC_EDWARDS;
		struct ck_attribute pt[] = {
		    {CKA_CLASS, &pubc, sizeof(pubc)},
		    {CKA_KEY_TYPE, &kt, sizeof(kt)},
		    {CKA_TOKEN, &yes, 1},
		    {CKA_VERIFY, &yes, 1},
		    {CKA_EC_PARAMS, (void *)ed25519_oid, sizeof(ed25519_oid)},
		    {CKA_LABEL, (void *)name, strlen(name)},
		    {CKA_ID, id, sizeof(id)},
		};
		/* The secret never leaves the token: sensitive, never extractable. */
		struct ck_attribute st[] = {
		    {CKA_CLASS, &privc, sizeof(privc)},
		    {CKA_KEY_TYPE, &kt, sizeof(kt)},
		    {CKA_TOKEN, &yes, 1},
		    {CKA_PRIVATE, &yes, 1},
		    {CKA_SENSITIVE, &yes, 1},
		    {CKA_EXTRACTABLE, &no, 1},
		    {CKA_SIGN, &yes, 1},
		    {CKA_LABEL, (void *)name, strlen(name)},
		    {CKA_ID, id, sizeof(id)},
		};
		randombytes_buf(id, sizeof(id));
		rv = m->f->C_GenerateKeyPair(sess, &mech, pt, ARM_ARRAY_LEN(pt), st,
		                             ARM_ARRAY_LEN(st), &pub, &priv);
		if (rv != CKR_OK)
			rc = p11_fail(e, ARM_EIO,
			              "C_GenerateKeyPair (CKM_EC_EDWARDS_KEY_PAIR_GEN, Ed25519)",
			              rv);
	}
	if (rc != ARM_OK) {
		m->f->C_CloseSession(sess);
		module_put(m);
		return rc;
	}
	rc = make_signer(m, sess, priv, &u, s, e);
	if (rc == ARM_OK)
		rc = p11uri_format(&u, uri_out, e);
	if (rc != ARM_OK)
		note_signer_release(s);
	return rc;
}
