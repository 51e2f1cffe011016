/*
 * note.h - C2SP signed-note v1.0.0: notes, signatures, verifier keys and
 * signer keys, for Ed25519 (key type 0x01) and, through cosig.h, Ed25519
 * cosignatures (type 0x04, C2SP tlog-cosignature v1.0.1).
 *
 * A note is UTF-8 text ending in "\n", a blank line, then one or more
 * signature lines "— <name> <base64(keyid[4] || sig)>\n". The signed text
 * runs up to the last "\n\n" (signed-note §"Format").
 *
 * Ownership: struct note owns its text and signature array; note_release()
 * frees them. struct note_signer holds its secret key in sodium_malloc()
 * memory, wiped and freed by note_signer_release(), or a handle on an
 * external key (note_signer_external()) that release closes. Verifier keys are plain
 * values. Every function here is pure (no I/O) except key generation, which
 * reads the system RNG through libsodium.
 */
#ifndef ARMISTICE_NOTE_H
#define ARMISTICE_NOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

#define NOTE_KEY_ED25519 0x01
#define NOTE_KEY_COSIG_V1 0x04 /* C2SP tlog-cosignature v1.0.1 */

#define NOTE_NAME_MAX 255        /* key names longer than this are refused */
#define NOTE_SIG_MAX 2432        /* decoded signature bytes after the key id */
#define NOTE_MAX_SIGS 100        /* Go's note.Open also caps at 100 */
#define NOTE_MAX_SIZE (1u << 20) /* default cap on a whole note */

struct note_sig {
	char name[NOTE_NAME_MAX + 1];
	uint32_t key_id;
	uint8_t sig[NOTE_SIG_MAX]; /* the signature bytes after the key id */
	size_t sig_len;
};

struct note {
	char *text; /* owned, NUL-terminated; includes its final "\n" */
	size_t text_len;
	struct note_sig *sigs; /* owned array */
	size_t nsigs;
};

struct note_verifier {
	char name[NOTE_NAME_MAX + 1];
	uint32_t key_id;
	uint8_t type; /* NOTE_KEY_ED25519 or NOTE_KEY_COSIG_V1 */
	uint8_t pk[32];
};

/*
 * A signer whose secret is elsewhere (a PKCS#11 token): sign() writes the
 * 64-byte Ed25519 signature of msg[0..len) into sig, or fails with one
 * line in e; it must be safe to call from several threads at once (serve
 * signs from its publisher thread). release() frees ctx. The backend
 * never sees anything but the bytes to sign.
 */
struct note_signer_ops {
	const char *kind; /* for messages: "pkcs11" */
	int (*sign)(void *ctx, const uint8_t *msg, size_t len, uint8_t sig[64], struct arm_err *e);
	void (*release)(void *ctx);
};

/*
 * A signer is either an in-memory Ed25519 key (sk set) or an external one
 * (ops and ctx set, sk NULL); every signature goes through
 * note_signer_sign(), so note, cosig, log and witness do not know which.
 */
struct note_signer {
	char name[NOTE_NAME_MAX + 1];
	uint32_t key_id;
	uint8_t type;
	uint8_t pk[32];
	uint8_t *sk; /* 64-byte libsodium secret key in sodium_malloc memory */
	const struct note_signer_ops *ops; /* external signer, or NULL */
	void *ctx;                         /* owned by ops */
};

/* Result for one verifier key after note_verify(). */
struct note_check {
	bool ok;            /* a signature by this key verified */
	uint64_t timestamp; /* cosignature time (type 0x04), else 0 */
};

/*
 * Key ID = SHA-256(name || 0x0A || type || pk)[:4], big-endian
 * (signed-note v1.0.0 §"Signatures"). name is a NUL-terminated valid key
 * name; if a name longer than NOTE_NAME_MAX cannot be allocated for, 0.
 */
uint32_t note_key_id(const char *name, uint8_t type, const uint8_t pk[32]);

/* Is name a valid key name: non-empty, <= NOTE_NAME_MAX, no space, no '+'. */
bool note_name_valid(const char *name, size_t len);

/*
 * Parses msg[0..len) as a signed note (borrowed; nothing is kept). Refuses
 * with ARM_ELIMIT past max bytes (0 means NOTE_MAX_SIZE) and ARM_ESYNTAX (naming the rule and the
 * byte offset or line) for: invalid UTF-8, control characters other than "\n", no blank line before
 * the signatures, a malformed signature line, more than NOTE_MAX_SIGS lines.
 * On success *n owns copies of everything; on failure *n is empty.
 */
int note_parse(struct note *n, const uint8_t *msg, size_t len, size_t max,
               struct arm_err *e) ARM_MUST_CHECK;
void note_release(struct note *n);

/*
 * Checks text as note text: ends in "\n", valid UTF-8, no control
 * characters but "\n". Used before signing anything.
 */
int note_text_valid(const char *text, size_t len, struct arm_err *e) ARM_MUST_CHECK;

/*
 * Verifies n against keys[0..nkeys), filling checks[0..nkeys).
 * signed-note §"Verifying": signatures by unknown (name, key ID) pairs are
 * ignored; a signature whose name and ID match a known key MUST verify, or
 * the whole note is refused (ARM_EVERIFY naming the key); if no known key
 * verifies, the note is refused (ARM_EVERIFY). Type 0x04 keys verify
 * cosignatures over the note text as a checkpoint (cosig.h). As Go's
 * note.Open: two signatures by the same known key refuse the note
 * (ARM_EVERIFY), and the same (name, key ID) twice in keys is ARM_EUSAGE.
 * checks may be NULL; otherwise checks[i] says whether keys[i] verified
 * and, for a cosigner, at what time. n and keys are borrowed.
 */
int note_verify(const struct note *n, const struct note_verifier *keys, size_t nkeys,
                struct note_check *checks, struct arm_err *e) ARM_MUST_CHECK;

/* Appends the full serialization of n (text, blank line, sig lines). */
int note_format(const struct note *n, struct buf *out, struct arm_err *e) ARM_MUST_CHECK;

/*
 * Appends one signature line "— name base64(key_id || sig)\n" for a
 * parsed or freshly made signature. Refuses (ARM_EUSAGE) an invalid name or
 * a signature length outside 1..NOTE_SIG_MAX. On failure out is unchanged.
 */
int note_sig_format(const struct note_sig *s, struct buf *out, struct arm_err *e) ARM_MUST_CHECK;

/*
 * Appends one signature line "— name base64\n" by s over text (type 0x01
 * only; cosignatures go through cosig_sign()). text must pass
 * note_text_valid().
 */
int note_sign_line(const struct note_signer *s, const char *text, size_t len, struct buf *line,
                   struct arm_err *e) ARM_MUST_CHECK;

/* Appends text, "\n", and one signature line per signer. */
int note_sign(const char *text, size_t len, const struct note_signer *const *signers,
              size_t nsigners, struct buf *out, struct arm_err *e) ARM_MUST_CHECK;

/*
 * Verifier key string "name+hex8+base64(type || pk)"; split on the first
 * two '+' (the base64 may contain '+'). Strict: the key ID must be 8
 * lowercase hex digits and equal the ID recomputed from name, type and key;
 * the type must be 0x01 or 0x04; no surrounding whitespace or newline.
 */
int note_verifier_parse(struct note_verifier *v, const char *vkey, size_t len,
                        struct arm_err *e) ARM_MUST_CHECK;
int note_verifier_format(const struct note_verifier *v, struct buf *out,
                         struct arm_err *e) ARM_MUST_CHECK;

/*
 * Signer key string "PRIVATE+KEY+name+hex8+base64(type || seed32)", as Go's
 * note.NewSigner reads and note.GenerateKey writes (type 0x01; 0x04 for
 * cosigner keys, as transparency-dev's witness keys). The hex key ID must
 * match the derived public key. *s is overwritten; on success s->sk is new
 * sodium_malloc memory that note_signer_release() wipes and frees; on
 * failure *s is empty. Error text never quotes key material.
 * note_signer_format() reserves the space in out before writing the seed,
 * so no reallocation copies it: the caller must wipe out (sodium_memzero)
 * before releasing it.
 */
int note_signer_parse(struct note_signer *s, const char *skey, size_t len,
                      struct arm_err *e) ARM_MUST_CHECK;
int note_signer_format(const struct note_signer *s, struct buf *out,
                       struct arm_err *e) ARM_MUST_CHECK;
/*
 * The signer key line of s (as note_signer_format, without a newline) in
 * new sodium_malloc memory, NUL-terminated: *line, *len. The caller
 * releases it with sodium_free(), which wipes it. No ordinary heap memory
 * ever holds the line.
 */
int note_signer_format_secret(const struct note_signer *s, char **line, size_t *len,
                              struct arm_err *e) ARM_MUST_CHECK;
/* A fresh key of the given type (0x01 or 0x04) from the system RNG. */
int note_signer_generate(struct note_signer *s, const char *name, uint8_t type,
                         struct arm_err *e) ARM_MUST_CHECK;
void note_signer_verifier(const struct note_signer *s, struct note_verifier *v);

/*
 * Makes *s an external signer named name (a valid key name), of type 0x01
 * or 0x04, for public key pk; it takes ctx (released through ops even on
 * failure).
 */
int note_signer_external(struct note_signer *s, const char *name, uint8_t type,
                         const uint8_t pk[32], const struct note_signer_ops *ops, void *ctx,
                         struct arm_err *e) ARM_MUST_CHECK;

/*
 * The Ed25519 signature of msg[0..len) by s, whichever kind it is. An
 * external signer's signature is verified against s->pk before it is
 * returned (ARM_EVERIFY if not): a token holding another key, or a faulty
 * one, cannot publish a signature that nobody can check.
 */
int note_signer_sign(const struct note_signer *s, const uint8_t *msg, size_t len, uint8_t sig[64],
                     struct arm_err *e) ARM_MUST_CHECK;

/* Does s hold a key it can sign with (in memory or external)? */
bool note_signer_ready(const struct note_signer *s);
void note_signer_release(struct note_signer *s);

#endif
