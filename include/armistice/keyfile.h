/*
 * keyfile.h - encrypted signer key files, format armistice/encrypted-key/v1
 * (docs/keys.md): a signer key line (note.h, "PRIVATE+KEY+...") sealed
 * with a key derived from a passphrase.
 *
 *   armistice/encrypted-key/v1
 *   verifier: <verifier key of the sealed key: name+hex8+base64>
 *   kdf: argon2id13
 *   opslimit: <decimal, 1..KEYFILE_OPS_MAX>
 *   memlimit: <decimal bytes, KEYFILE_MEM_MIN..KEYFILE_MEM_MAX>
 *   salt: <base64, 16 bytes>
 *   nonce: <base64, 24 bytes>
 *   secretbox: <base64, 16-byte tag || ciphertext of the key line>
 *
 * Exactly these eight lines in this order, each ending in "\n", nothing
 * else. The key is crypto_pwhash (Argon2id v1.3) of the passphrase with
 * salt, opslimit and memlimit; the box is crypto_secretbox
 * (XSalsa20-Poly1305). Every header field is bound: changing a KDF field
 * changes the derived key and the tag fails; the verifier line is compared
 * with the key found inside. The verifier line is in clear so that one can
 * tell which key a file holds without its passphrase.
 *
 * Ownership: struct keyfile is a plain value (no pointers). keyfile_parse
 * is pure and bounded; keyfile_seal/keyfile_open do no I/O but read the
 * RNG (seal) and allocate up to memlimit bytes (Argon2). The passphrase,
 * the derived key and the plaintext live only in sodium_malloc memory
 * that is wiped before return, except the plaintext handed to the caller.
 */
#ifndef ARMISTICE_KEYFILE_H
#define ARMISTICE_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "note.h"

#define KEYFILE_HEADER "armistice/encrypted-key/v1"
#define KEYFILE_MAX 2048      /* a whole file; longer is refused */
#define KEYFILE_SALT 16       /* crypto_pwhash_SALTBYTES */
#define KEYFILE_NONCE 24      /* crypto_secretbox_NONCEBYTES */
#define KEYFILE_TAG 16        /* crypto_secretbox_MACBYTES */
#define KEYFILE_PLAIN_MAX 512 /* a signer key line is at most this */
#define KEYFILE_OPS_MAX 16
#define KEYFILE_MEM_MIN 8192u              /* crypto_pwhash_MEMLIMIT_MIN */
#define KEYFILE_MEM_MAX (1024u * 1048576u) /* 1 GiB: a file cannot ask more */
#define KEYFILE_PASS_MAX 1024              /* longest passphrase accepted */

struct keyfile {
	struct note_verifier verifier;
	uint64_t opslimit;
	uint64_t memlimit;
	uint8_t salt[KEYFILE_SALT];
	uint8_t nonce[KEYFILE_NONCE];
	uint8_t box[KEYFILE_TAG + KEYFILE_PLAIN_MAX];
	size_t box_len; /* KEYFILE_TAG + length of the sealed key line */
};

/* Does text[0..len) start with the header line (an encrypted key file)? */
int keyfile_is_encrypted(const char *text, size_t len);

/*
 * Parses text[0..len) (borrowed). Refuses with ARM_ELIMIT past
 * KEYFILE_MAX and ARM_ESYNTAX naming the line for anything but the exact
 * format above: missing or reordered lines, a field out of range, base64
 * that is not canonical (RFC 4648 §4) or of the wrong length, a verifier
 * key that does not parse, a trailing byte. On failure *kf is zeroed.
 */
int keyfile_parse(struct keyfile *kf, const char *text, size_t len,
                  struct arm_err *e) ARM_MUST_CHECK;

/* Appends the file text of kf to out. */
int keyfile_format(const struct keyfile *kf, struct buf *out, struct arm_err *e) ARM_MUST_CHECK;

/*
 * Seals the key of s (an in-memory signer) under pass[0..plen) with a
 * fresh salt and nonce and the given cost (0, 0: libsodium's INTERACTIVE
 * limits, Argon2id with 64 MiB and 2 passes).
 */
int keyfile_seal(struct keyfile *kf, const struct note_signer *s, const char *pass, size_t plen,
                 uint64_t opslimit, uint64_t memlimit, struct arm_err *e) ARM_MUST_CHECK;

/*
 * Opens kf with pass[0..plen) into *s (a new in-memory signer, as
 * note_signer_parse). A wrong passphrase and an altered file look the
 * same to the tag: ARM_EVERIFY, "wrong passphrase or the file was
 * altered". A key inside that is not the one the verifier line names is
 * ARM_EVERIFY too. On failure *s is empty.
 */
int keyfile_open(const struct keyfile *kf, const char *pass, size_t plen, struct note_signer *s,
                 struct arm_err *e) ARM_MUST_CHECK;

#endif
