/*
 * p11uri.h - PKCS#11 URIs (RFC 7512) naming a signer key in a token:
 *
 *   pkcs11:token=T;object=K?module-path=/usr/lib/softhsm/libsofthsm2.so
 *          &pin-source=file:/etc/armistice/pin
 *
 * Path attributes understood (RFC 7512 §2.3): token, manufacturer, model,
 * serial, slot-id (select the token), object, id, type (select the key;
 * type must be "private"). Query attributes: module-path (required: which
 * PKCS#11 library to load), pin-source ("file:PATH" or a bare path, §2.4),
 * pin-value, and the vendor attribute x-note-type ("log", the default, or
 * "cosigner": the signed-note key type, 0x01 or 0x04, which the token does
 * not record). Any other attribute, a repeated one, a malformed
 * percent-escape or a value over its PKCS#11 length is refused: a URI that
 * might select another key than the one meant must not select any.
 *
 * Ownership: struct p11uri is a plain value. The parser is pure and
 * bounded (P11URI_MAX bytes).
 */
#ifndef ARMISTICE_P11URI_H
#define ARMISTICE_P11URI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

#define P11URI_MAX 8192
#define P11URI_PATH_MAX 4096

enum {
	P11URI_TOKEN = 1 << 0,
	P11URI_MANUFACTURER = 1 << 1,
	P11URI_MODEL = 1 << 2,
	P11URI_SERIAL = 1 << 3,
	P11URI_SLOT_ID = 1 << 4,
	P11URI_OBJECT = 1 << 5,
	P11URI_ID = 1 << 6,
	P11URI_TYPE = 1 << 7,
	P11URI_MODULE_PATH = 1 << 8,
	P11URI_PIN_SOURCE = 1 << 9,
	P11URI_PIN_VALUE = 1 << 10,
	P11URI_NOTE_TYPE = 1 << 11,
};

struct p11uri {
	unsigned have;         /* P11URI_* bits of the attributes present */
	char token[33];        /* CK_TOKEN_INFO.label, at most 32 bytes */
	char manufacturer[33]; /* CK_TOKEN_INFO.manufacturerID */
	char model[17];        /* CK_TOKEN_INFO.model */
	char serial[17];       /* CK_TOKEN_INFO.serialNumber */
	uint64_t slot_id;
	char object[256]; /* CKA_LABEL, which is also the signed-note key name */
	uint8_t id[128];  /* CKA_ID */
	size_t id_len;
	char module_path[P11URI_PATH_MAX];
	char pin_source[P11URI_PATH_MAX]; /* the path, "file:" removed */
	char pin_value[256];
	uint8_t note_type; /* 0x01 (default) or 0x04 */
};

/* Does s start with "pkcs11:" (case-insensitive scheme, RFC 3986 §3.1)? */
bool p11uri_is(const char *s);

/*
 * Parses s[0..len); a URI that names no object (a token, for keygen) is
 * valid here, and the signer refuses it. ARM_ESYNTAX naming the attribute for the refusals
 * above; ARM_ELIMIT past P11URI_MAX. On failure *u is zeroed.
 */
int p11uri_parse(struct p11uri *u, const char *s, size_t len, struct arm_err *e) ARM_MUST_CHECK;

/*
 * Appends the URI of u (attributes in a fixed order, values
 * percent-encoded outside RFC 3986 unreserved characters and '/' in
 * paths); p11uri_parse of the result gives u back.
 */
int p11uri_format(const struct p11uri *u, struct buf *out, struct arm_err *e) ARM_MUST_CHECK;

#endif
