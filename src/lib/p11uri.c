/* p11uri.c - PKCS#11 URIs (RFC 7512); see p11uri.h. */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "armistice/note.h"
#include "armistice/p11uri.h"
#include "armistice/common.h"

bool
p11uri_is(const char *s)
{
	return strncasecmp(s, "pkcs11:", 7) == 0;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Percent-decodes v[0..n) into out (cap bytes, NUL added when text).
 * RFC 7512 §2.3: values are pchar sequences; anything outside printable
 * ASCII must be escaped, and a NUL byte is refused in text values.
 */
static int
decode(const char *v, size_t n, uint8_t *out, size_t cap, bool text, size_t *olen)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		int c = (unsigned char)v[i];
		if (c == '%') {
			int h, l;
			if (n - i < 3)
				return -1;
			h = hexval(v[i + 1]);
			l = hexval(v[i + 2]);
			if (h < 0 || l < 0)
				return -1;
			c = h * 16 + l;
			i += 2;
			if (text && c == 0)
				return -1;
		} else if (c <= 0x20 || c >= 0x7f || c == '"' || c == '<' || c == '>' ||
		           c == '\\' || c == '^' || c == '`' || c == '{' || c == '|' || c == '}' ||
		           c == '#') {
			return -1;
		}
		if (o >= cap) /* text: out has one more byte, for the NUL */
			return -1;
		out[o++] = (uint8_t)c;
	}
	if (text)
		out[o] = '\0';
	*olen = o;
	return 0;
}

struct attr {
	const char *name;
	unsigned bit;
};

static const struct attr path_attrs[] = {
    {"token", P11URI_TOKEN},     {"manufacturer", P11URI_MANUFACTURER},
    {"model", P11URI_MODEL},     {"serial", P11URI_SERIAL},
    {"slot-id", P11URI_SLOT_ID}, {"object", P11URI_OBJECT},
    {"id", P11URI_ID},           {"type", P11URI_TYPE},
};
static const struct attr query_attrs[] = {
    {"module-path", P11URI_MODULE_PATH},
    {"pin-source", P11URI_PIN_SOURCE},
    {"pin-value", P11URI_PIN_VALUE},
    {"x-note-type", P11URI_NOTE_TYPE},
};

static unsigned
lookup(const struct attr *t, size_t nt, const char *k, size_t kl)
{
	size_t i;

	for (i = 0; i < nt; i++)
		if (strlen(t[i].name) == kl && memcmp(t[i].name, k, kl) == 0)
			return t[i].bit;
	return 0;
}

/* Stores one decoded attribute value; bit names it. */
static int
set_attr(struct p11uri *u, unsigned bit, const char *v, size_t vl, const char *k, size_t kl,
         struct arm_err *e)
{
	uint8_t tmp[P11URI_PATH_MAX];
	size_t l = 0;
	char *dst = NULL;
	size_t cap = 0;

	if (u->have & bit)
		return arm_err_set(e, ARM_ESYNTAX,
		                   "pkcs11 uri: attribute \"%.*s\" given twice (RFC 7512 §2.3)",
		                   (int)kl, k);
	u->have |= bit;
	switch (bit) {
	case P11URI_TOKEN: dst = u->token, cap = sizeof(u->token); break;
	case P11URI_MANUFACTURER: dst = u->manufacturer, cap = sizeof(u->manufacturer); break;
	case P11URI_MODEL: dst = u->model, cap = sizeof(u->model); break;
	case P11URI_SERIAL: dst = u->serial, cap = sizeof(u->serial); break;
	case P11URI_OBJECT: dst = u->object, cap = sizeof(u->object); break;
	case P11URI_MODULE_PATH: dst = u->module_path, cap = sizeof(u->module_path); break;
	case P11URI_PIN_VALUE: dst = u->pin_value, cap = sizeof(u->pin_value); break;
	case P11URI_ID:
		if (decode(v, vl, u->id, sizeof(u->id), false, &u->id_len) != 0 || u->id_len == 0)
			return arm_err_set(e, ARM_ESYNTAX,
			                   "pkcs11 uri: id must be 1..%zu percent-encoded bytes",
			                   sizeof(u->id));
		return ARM_OK;
	default: break;
	}
	if (dst != NULL) {
		if (decode(v, vl, (uint8_t *)dst, cap - 1, true, &l) != 0 || l == 0)
			return arm_err_set(
			    e, ARM_ESYNTAX,
			    "pkcs11 uri: \"%.*s\" must be 1..%zu bytes, printable or "
			    "percent-encoded, without NUL",
			    (int)kl, k, cap - 1);
		if (bit == P11URI_MODULE_PATH && dst[0] != '/')
			return arm_err_set(e, ARM_ESYNTAX,
			                   "pkcs11 uri: module-path must be an absolute path");
		return ARM_OK;
	}
	if (decode(v, vl, tmp, sizeof(tmp) - 1, true, &l) != 0 || l == 0)
		return arm_err_set(e, ARM_ESYNTAX, "pkcs11 uri: \"%.*s\": malformed value", (int)kl,
		                   k);
	switch (bit) {
	case P11URI_SLOT_ID: {
		uint64_t x = 0;
		size_t i;
		if (l > 19 || (l > 1 && tmp[0] == '0'))
			return arm_err_set(e, ARM_ESYNTAX, "pkcs11 uri: slot-id must be a decimal");
		for (i = 0; i < l; i++) {
			if (tmp[i] < '0' || tmp[i] > '9')
				return arm_err_set(e, ARM_ESYNTAX,
				                   "pkcs11 uri: slot-id must be a decimal");
			x = x * 10 + (uint64_t)(tmp[i] - '0');
		}
		u->slot_id = x;
		return ARM_OK;
	}
	case P11URI_TYPE:
		if (strcmp((char *)tmp, "private") != 0)
			return arm_err_set(e, ARM_ESYNTAX,
			                   "pkcs11 uri: type must be \"private\" for a signer key");
		return ARM_OK;
	case P11URI_PIN_SOURCE: {
		const char *p = (const char *)tmp;
		/*
		 * RFC 7512 §2.4: a pin-source is a URI; what armistice reads is a
		 * local file, "file:/abs", "file:///abs" (RFC 8089, empty
		 * authority) or "/abs". A host, a relative path or another scheme
		 * is refused: a service must not read its PIN from wherever its
		 * working directory happens to be.
		 */
		if (strncmp(p, "file:", 5) == 0)
			p += 5;
		if (strncmp(p, "///", 3) == 0)
			p += 2;
		if (p[0] != '/' || p[1] == '/')
			return arm_err_set(e, ARM_ESYNTAX,
			                   "pkcs11 uri: pin-source must be file:/ABSOLUTE/PATH");
		memcpy(u->pin_source, p, strlen(p) + 1);
		return ARM_OK;
	}
	case P11URI_NOTE_TYPE:
		if (strcmp((char *)tmp, "log") == 0 || strcmp((char *)tmp, "ed25519") == 0)
			u->note_type = NOTE_KEY_ED25519;
		else if (strcmp((char *)tmp, "cosigner") == 0)
			u->note_type = NOTE_KEY_COSIG_V1;
		else
			return arm_err_set(e, ARM_ESYNTAX,
			                   "pkcs11 uri: x-note-type is \"log\" or \"cosigner\"");
		return ARM_OK;
	default: return arm_err_set(e, ARM_ESYNTAX, "pkcs11 uri: internal: unknown attribute");
	}
}

/* Parses the ';'- or '&'-separated list s[0..n) of k=v against table t. */
static int
parse_list(struct p11uri *u, const char *s, size_t n, char sep, const struct attr *t, size_t nt,
           const char *part, struct arm_err *e)
{
	size_t i = 0;

	while (i < n) {
		const char *a = s + i, *end, *eq;
		size_t al;
		unsigned bit;

		end = memchr(a, sep, n - i);
		al = end ? (size_t)(end - a) : n - i;
		eq = memchr(a, '=', al);
		if (eq == NULL || eq == a)
			return arm_err_set(e, ARM_ESYNTAX,
			                   "pkcs11 uri: %s attribute \"%.*s\" is not name=value",
			                   part, (int)(al > 64 ? 64 : al), a);
		bit = lookup(t, nt, a, (size_t)(eq - a));
		if (bit == 0)
			return arm_err_set(e, ARM_ESYNTAX,
			                   "pkcs11 uri: %s attribute \"%.*s\" is not one armistice "
			                   "understands (docs/keys.md)",
			                   part,
			                   (int)((size_t)(eq - a) > 64 ? 64 : (size_t)(eq - a)), a);
		ARM_TRY(
		    set_attr(u, bit, eq + 1, al - (size_t)(eq - a) - 1, a, (size_t)(eq - a), e));
		i += al + (end ? 1 : 0);
		if (end != NULL && i == n)
			return arm_err_set(e, ARM_ESYNTAX, "pkcs11 uri: %s ends in '%c'", part,
			                   sep);
	}
	return ARM_OK;
}

int
p11uri_parse(struct p11uri *u, const char *s, size_t len, struct arm_err *e)
{
	const char *q;
	size_t pl;
	int rc;

	memset(u, 0, sizeof(*u));
	if (len > P11URI_MAX)
		return arm_err_set(e, ARM_ELIMIT, "pkcs11 uri: longer than %d bytes", P11URI_MAX);
	if (len < 7 || strncasecmp(s, "pkcs11:", 7) != 0)
		return arm_err_set(e, ARM_ESYNTAX, "pkcs11 uri: does not start with \"pkcs11:\"");
	s += 7;
	len -= 7;
	if (memchr(s, '#', len) != NULL) {
		rc = arm_err_set(e, ARM_ESYNTAX, "pkcs11 uri: a fragment ('#') is not allowed");
		goto fail;
	}
	q = memchr(s, '?', len);
	pl = q ? (size_t)(q - s) : len;
	rc = parse_list(u, s, pl, ';', path_attrs, ARM_ARRAY_LEN(path_attrs), "path", e);
	if (rc == ARM_OK && q != NULL)
		rc = parse_list(u, q + 1, len - pl - 1, '&', query_attrs,
		                ARM_ARRAY_LEN(query_attrs), "query", e);
	if (rc == ARM_OK && !(u->have & P11URI_MODULE_PATH))
		rc = arm_err_set(e, ARM_ESYNTAX,
		                 "pkcs11 uri: no module-path: say which PKCS#11 library to load, "
		                 "e.g. ?module-path=/usr/lib/softhsm/libsofthsm2.so");
	if (rc == ARM_OK && (u->have & P11URI_PIN_SOURCE) && (u->have & P11URI_PIN_VALUE))
		rc = arm_err_set(e, ARM_ESYNTAX, "pkcs11 uri: pin-source and pin-value both given");
	if (rc != ARM_OK)
		goto fail;
	if (u->note_type == 0)
		u->note_type = NOTE_KEY_ED25519;
	return ARM_OK;
fail:
	memset(u, 0, sizeof(*u));
	return rc;
}

/* Appends v[0..n) percent-encoded; '/' kept where slash is true. */
static int
encode(struct buf *out, const uint8_t *v, size_t n, bool slash, struct arm_err *e)
{
	static const char hx[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < n; i++) {
		uint8_t c = v[i];
		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' ||
		    (slash && c == '/')) {
			ARM_TRY(buf_append(out, &c, 1, e));
		} else {
			char t[3] = {'%', hx[c >> 4], hx[c & 15]};
			ARM_TRY(buf_append(out, t, 3, e));
		}
	}
	return ARM_OK;
}

static int
put(struct buf *out, bool *first, char sep, const char *k, const void *v, size_t n, bool slash,
    struct arm_err *e)
{
	if (!*first)
		ARM_TRY(buf_append(out, &sep, 1, e));
	*first = false;
	ARM_TRY(buf_printf(out, e, "%s=", k));
	return encode(out, v, n, slash, e);
}

int
p11uri_format(const struct p11uri *u, struct buf *out, struct arm_err *e)
{
	size_t old = out->len;
	bool first = true;
	char num[24];
	int rc = buf_puts(out, "pkcs11:", e);

#define PUT_S(bit, k, f, sep, sl)                                                                  \
	if (rc == ARM_OK && (u->have & (bit)))                                                     \
	rc = put(out, &first, sep, k, u->f, strlen(u->f), sl, e)
	PUT_S(P11URI_TOKEN, "token", token, ';', false);
	PUT_S(P11URI_MANUFACTURER, "manufacturer", manufacturer, ';', false);
	PUT_S(P11URI_MODEL, "model", model, ';', false);
	PUT_S(P11URI_SERIAL, "serial", serial, ';', false);
	if (rc == ARM_OK && (u->have & P11URI_SLOT_ID)) {
		snprintf(num, sizeof(num), "%" PRIu64, u->slot_id);
		rc = put(out, &first, ';', "slot-id", num, strlen(num), false, e);
	}
	PUT_S(P11URI_OBJECT, "object", object, ';', false);
	if (rc == ARM_OK && (u->have & P11URI_ID))
		rc = put(out, &first, ';', "id", u->id, u->id_len, false, e);
	if (rc == ARM_OK && (u->have & P11URI_TYPE))
		rc = put(out, &first, ';', "type", "private", 7, false, e);
	first = true;
	if (rc == ARM_OK)
		rc = buf_puts(out, "?", e);
	PUT_S(P11URI_MODULE_PATH, "module-path", module_path, '&', true);
	if (rc == ARM_OK && (u->have & P11URI_PIN_SOURCE)) {
		rc = put(out, &first, '&', "pin-source", "", 0, true, e);
		if (rc == ARM_OK)
			rc = buf_puts(out, "file:", e);
		if (rc == ARM_OK)
			rc = encode(out, (const uint8_t *)u->pin_source, strlen(u->pin_source),
			            true, e);
	}
	PUT_S(P11URI_PIN_VALUE, "pin-value", pin_value, '&', false);
	if (rc == ARM_OK && (u->have & P11URI_NOTE_TYPE) && u->note_type == NOTE_KEY_COSIG_V1)
		rc = put(out, &first, '&', "x-note-type", "cosigner", 8, false, e);
#undef PUT_S
	if (rc != ARM_OK && out->data != NULL) {
		out->len = old;
		out->data[old] = '\0';
	}
	return rc;
}
