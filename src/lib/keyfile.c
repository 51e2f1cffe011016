/* keyfile.c - encrypted signer key files; see keyfile.h and docs/keys.md. */
#include <inttypes.h>
#include <string.h>

#include <sodium.h>

#include "armistice/b64.h"
#include "armistice/keyfile.h"
#include "armistice/common.h"

/* The field names in file order; line 1 is the header. */
enum { F_VERIFIER, F_KDF, F_OPS, F_MEM, F_SALT, F_NONCE, F_BOX, F_COUNT };
static const char *const field_name[F_COUNT] = {
    "verifier", "kdf", "opslimit", "memlimit", "salt", "nonce", "secretbox",
};

int
keyfile_is_encrypted(const char *text, size_t len)
{
	size_t hl = sizeof(KEYFILE_HEADER) - 1;

	return len > hl && memcmp(text, KEYFILE_HEADER, hl) == 0 && text[hl] == '\n';
}

/* A decimal in [lo, hi] without sign, leading zero or anything else. */
static int
parse_dec(const char *p, size_t n, uint64_t lo, uint64_t hi, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;

	if (n == 0 || n > 20 || (n > 1 && p[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		if (x > (UINT64_MAX - (uint64_t)(p[i] - '0')) / 10)
			return -1;
		x = x * 10 + (uint64_t)(p[i] - '0');
	}
	if (x < lo || x > hi)
		return -1;
	*v = x;
	return 0;
}

/* Decodes exactly want bytes (want == 0: 1..cap bytes) of canonical base64. */
static int
parse_b64(const char *p, size_t n, uint8_t *out, size_t cap, size_t want, size_t *got)
{
	struct arm_err be;
	size_t l = 0;

	if (b64_decode(p, n, out, cap, &l, &be) != ARM_OK)
		return -1;
	if ((want != 0 && l != want) || l == 0)
		return -1;
	*got = l;
	return 0;
}

/* The value v (vl bytes) of field f, on line lineno, into kf. */
static int
parse_field(struct keyfile *kf, size_t f, const char *v, size_t vl, size_t lineno,
            struct arm_err *e)
{
	size_t got = 0;

	switch (f) {
	case F_VERIFIER: {
		struct arm_err ve;
		if (note_verifier_parse(&kf->verifier, v, vl, &ve) != ARM_OK)
			return arm_err_set(e, ARM_ESYNTAX, "encrypted key: line %zu: %s", lineno,
			                   ve.msg);
		break;
	}
	case F_KDF:
		if (vl != 10 || memcmp(v, "argon2id13", 10) != 0)
			return arm_err_set(e, ARM_ESYNTAX,
			                   "encrypted key: line %zu: kdf must be \"argon2id13\"",
			                   lineno);
		break;
	case F_OPS:
		if (parse_dec(v, vl, 1, KEYFILE_OPS_MAX, &kf->opslimit) != 0)
			return arm_err_set(
			    e, ARM_ESYNTAX,
			    "encrypted key: line %zu: opslimit must be a decimal in 1..%d", lineno,
			    KEYFILE_OPS_MAX);
		break;
	case F_MEM:
		if (parse_dec(v, vl, KEYFILE_MEM_MIN, KEYFILE_MEM_MAX, &kf->memlimit) != 0)
			return arm_err_set(e, ARM_ESYNTAX,
			                   "encrypted key: line %zu: memlimit must be a decimal in "
			                   "%u..%u bytes",
			                   lineno, KEYFILE_MEM_MIN, KEYFILE_MEM_MAX);
		break;
	case F_SALT:
		if (parse_b64(v, vl, kf->salt, sizeof(kf->salt), KEYFILE_SALT, &got) != 0)
			return arm_err_set(
			    e, ARM_ESYNTAX,
			    "encrypted key: line %zu: salt must be %d bytes of base64", lineno,
			    KEYFILE_SALT);
		break;
	case F_NONCE:
		if (parse_b64(v, vl, kf->nonce, sizeof(kf->nonce), KEYFILE_NONCE, &got) != 0)
			return arm_err_set(
			    e, ARM_ESYNTAX,
			    "encrypted key: line %zu: nonce must be %d bytes of base64", lineno,
			    KEYFILE_NONCE);
		break;
	case F_BOX:
		if (parse_b64(v, vl, kf->box, sizeof(kf->box), 0, &got) != 0 || got <= KEYFILE_TAG)
			return arm_err_set(
			    e, ARM_ESYNTAX,
			    "encrypted key: line %zu: secretbox must be %d..%d bytes of "
			    "base64",
			    lineno, KEYFILE_TAG + 1, KEYFILE_TAG + KEYFILE_PLAIN_MAX);
		kf->box_len = got;
		break;
	}
	return ARM_OK;
}

int
keyfile_parse(struct keyfile *kf, const char *text, size_t len, struct arm_err *e)
{
	size_t off, lineno, f;
	int rc = ARM_OK;

	memset(kf, 0, sizeof(*kf));
	if (len > KEYFILE_MAX)
		return arm_err_set(e, ARM_ELIMIT, "encrypted key: file is larger than %d bytes",
		                   KEYFILE_MAX);
	if (!keyfile_is_encrypted(text, len))
		return arm_err_set(e, ARM_ESYNTAX, "encrypted key: line 1 is not \"%s\"",
		                   KEYFILE_HEADER);
	off = sizeof(KEYFILE_HEADER);
	for (f = 0, lineno = 2; f < F_COUNT; f++, lineno++) {
		const char *line = text + off, *nl;
		size_t ll, nlen = strlen(field_name[f]);

		nl = memchr(line, '\n', len - off);
		if (nl == NULL) {
			rc = arm_err_set(
			    e, ARM_ESYNTAX,
			    "encrypted key: line %zu: missing (want \"%s: ...\" ending in "
			    "a newline)",
			    lineno, field_name[f]);
			goto fail;
		}
		ll = (size_t)(nl - line);
		if (ll < nlen + 2 || memcmp(line, field_name[f], nlen) != 0 || line[nlen] != ':' ||
		    line[nlen + 1] != ' ') {
			rc = arm_err_set(e, ARM_ESYNTAX, "encrypted key: line %zu: want \"%s: \"",
			                 lineno, field_name[f]);
			goto fail;
		}
		if ((rc = parse_field(kf, f, line + nlen + 2, ll - nlen - 2, lineno, e)) != ARM_OK)
			goto fail;
		off += ll + 1;
	}
	if (off != len) {
		rc = arm_err_set(e, ARM_ESYNTAX,
		                 "encrypted key: line %zu: text after the secretbox line", lineno);
		goto fail;
	}
	return ARM_OK;
fail:
	memset(kf, 0, sizeof(*kf));
	return rc;
}

int
keyfile_format(const struct keyfile *kf, struct buf *out, struct arm_err *e)
{
	size_t old = out->len;
	int rc;

	rc = buf_printf(out, e, "%s\nverifier: ", KEYFILE_HEADER);
	if (rc == ARM_OK)
		rc = note_verifier_format(&kf->verifier, out, e);
	if (rc == ARM_OK)
		rc = buf_printf(out, e,
		                "\nkdf: argon2id13\nopslimit: %" PRIu64 "\nmemlimit: %" PRIu64
		                "\nsalt: ",
		                kf->opslimit, kf->memlimit);
	if (rc == ARM_OK)
		rc = b64_encode(out, kf->salt, sizeof(kf->salt), e);
	if (rc == ARM_OK)
		rc = buf_puts(out, "\nnonce: ", e);
	if (rc == ARM_OK)
		rc = b64_encode(out, kf->nonce, sizeof(kf->nonce), e);
	if (rc == ARM_OK)
		rc = buf_puts(out, "\nsecretbox: ", e);
	if (rc == ARM_OK)
		rc = b64_encode(out, kf->box, kf->box_len, e);
	if (rc == ARM_OK)
		rc = buf_puts(out, "\n", e);
	if (rc != ARM_OK && out->data != NULL) {
		out->len = old;
		out->data[old] = '\0';
	}
	return rc;
}

/* The secretbox key from the passphrase, into sodium_malloc memory. */
static int
derive(uint8_t **key, const struct keyfile *kf, const char *pass, size_t plen, struct arm_err *e)
{
	if (sodium_init() < 0)
		return arm_err_set(e, ARM_EIO, "encrypted key: libsodium failed to initialise");
	if (plen == 0 || plen > KEYFILE_PASS_MAX)
		return arm_err_set(e, ARM_EUSAGE,
		                   "encrypted key: the passphrase must be 1..%d bytes",
		                   KEYFILE_PASS_MAX);
	*key = sodium_malloc(crypto_secretbox_KEYBYTES);
	if (*key == NULL)
		return arm_err_set(e, ARM_ENOMEM, "encrypted key: sodium_malloc failed");
	if (crypto_pwhash(*key, crypto_secretbox_KEYBYTES, pass, plen, kf->salt,
	                  (unsigned long long)kf->opslimit, (size_t)kf->memlimit,
	                  crypto_pwhash_ALG_ARGON2ID13) != 0) {
		sodium_free(*key);
		*key = NULL;
		return arm_err_set(e, ARM_ENOMEM,
		                   "encrypted key: Argon2id could not get %" PRIu64
		                   " bytes of memory",
		                   kf->memlimit);
	}
	return ARM_OK;
}

int
keyfile_seal(struct keyfile *kf, const struct note_signer *s, const char *pass, size_t plen,
             uint64_t opslimit, uint64_t memlimit, struct arm_err *e)
{
	uint8_t *key = NULL;
	char *line = NULL;
	size_t ll = 0;
	int rc;

	memset(kf, 0, sizeof(*kf));
	if (s->sk == NULL)
		return arm_err_set(e, ARM_EUSAGE,
		                   "encrypted key: only a key held in memory can be sealed");
	kf->opslimit = opslimit ? opslimit : crypto_pwhash_OPSLIMIT_INTERACTIVE;
	kf->memlimit = memlimit ? memlimit : crypto_pwhash_MEMLIMIT_INTERACTIVE;
	if (kf->opslimit > KEYFILE_OPS_MAX || kf->memlimit < KEYFILE_MEM_MIN ||
	    kf->memlimit > KEYFILE_MEM_MAX)
		return arm_err_set(e, ARM_EUSAGE,
		                   "encrypted key: cost outside the format's limits");
	note_signer_verifier(s, &kf->verifier);
	if (sodium_init() < 0)
		return arm_err_set(e, ARM_EIO, "encrypted key: libsodium failed to initialise");
	randombytes_buf(kf->salt, sizeof(kf->salt));
	randombytes_buf(kf->nonce, sizeof(kf->nonce));
	ARM_TRY(derive(&key, kf, pass, plen, e));
	/* The key line lives in sodium_malloc memory only. */
	rc = note_signer_format_secret(s, &line, &ll, e);
	if (rc == ARM_OK && ll > KEYFILE_PLAIN_MAX)
		rc = arm_err_set(e, ARM_ELIMIT, "encrypted key: key line longer than %d bytes",
		                 KEYFILE_PLAIN_MAX);
	if (rc == ARM_OK &&
	    crypto_secretbox_easy(kf->box, (const uint8_t *)line, ll, kf->nonce, key) != 0)
		rc = arm_err_set(e, ARM_EIO, "encrypted key: libsodium refused to seal");
	if (rc == ARM_OK)
		kf->box_len = KEYFILE_TAG + ll;
	sodium_free(line); /* wipes, NULL-safe */
	sodium_free(key);
	if (rc != ARM_OK)
		memset(kf, 0, sizeof(*kf));
	return rc;
}

int
keyfile_open(const struct keyfile *kf, const char *pass, size_t plen, struct note_signer *s,
             struct arm_err *e)
{
	uint8_t *key = NULL, *plain;
	size_t pl;
	int rc;

	memset(s, 0, sizeof(*s));
	if (kf->box_len <= KEYFILE_TAG || kf->box_len > sizeof(kf->box))
		return arm_err_set(e, ARM_EUSAGE, "encrypted key: no sealed key");
	pl = kf->box_len - KEYFILE_TAG;
	ARM_TRY(derive(&key, kf, pass, plen, e));
	plain = sodium_malloc(pl);
	if (plain == NULL) {
		sodium_free(key);
		return arm_err_set(e, ARM_ENOMEM, "encrypted key: sodium_malloc failed");
	}
	if (crypto_secretbox_open_easy(plain, kf->box, kf->box_len, kf->nonce, key) != 0) {
		rc = arm_err_set(
		    e, ARM_EVERIFY,
		    "encrypted key for \"%s\": wrong passphrase or the file was altered",
		    kf->verifier.name);
	} else {
		rc = note_signer_parse(s, (const char *)plain, pl, e);
		if (rc == ARM_OK &&
		    (s->type != kf->verifier.type || s->key_id != kf->verifier.key_id ||
		     strcmp(s->name, kf->verifier.name) != 0 ||
		     sodium_memcmp(s->pk, kf->verifier.pk, sizeof(s->pk)) != 0)) {
			note_signer_release(s);
			rc = arm_err_set(
			    e, ARM_EVERIFY,
			    "encrypted key for \"%s\": the sealed key is not the one the "
			    "verifier line names (the file was altered)",
			    kf->verifier.name);
		}
	}
	sodium_free(plain);
	sodium_free(key);
	return rc;
}
