/*
 * ckpt.h - C2SP tlog-checkpoint v1.0.0: the body of a log's signed note.
 *
 *   <origin>\n<tree size>\n<base64 root hash>\n[<extension line>\n]...
 *
 * Parsed strictly: a non-empty origin, a decimal size with no leading zeros
 * ("0" only for the empty tree), exactly 44 base64 characters decoding to
 * 32 bytes, non-empty extension lines, no control characters.
 * Pure; struct ckpt is a plain value (no pointers).
 */
#ifndef ARMISTICE_CKPT_H
#define ARMISTICE_CKPT_H

#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "hash.h"
#include "note.h"

#define CKPT_ORIGIN_MAX 255
#define CKPT_EXT_MAX 1024 /* bytes of extension lines kept */

struct ckpt {
	char origin[CKPT_ORIGIN_MAX + 1];
	uint64_t size;
	uint8_t root[HASH_SIZE];
	char ext[CKPT_EXT_MAX + 1]; /* extension lines, each ending "\n"; usually "" */
	size_t ext_len;
};

/*
 * Parses text[0..len) (borrowed) into *c. Also refuses a size above 2^63-1
 * (Go's tlog uses int64), an origin over CKPT_ORIGIN_MAX or extension lines
 * over CKPT_EXT_MAX bytes (ARM_ELIMIT), and a size-0 tree whose root is not
 * SHA-256("") (RFC 9162 §2.1.1). On failure *c is zeroed.
 */
int ckpt_parse(struct ckpt *c, const char *text, size_t len, struct arm_err *e) ARM_MUST_CHECK;
/*
 * Appends the body for *c. What it writes must parse back to *c, so an
 * origin or extension that would not (a newline, a control character, a
 * missing final newline) is refused and out is left unchanged.
 */
int ckpt_format(const struct ckpt *c, struct buf *out, struct arm_err *e) ARM_MUST_CHECK;

/*
 * Parses msg as a signed note, verifies it with the log key (type 0x01) and
 * parses its text as a checkpoint whose origin must equal want_origin
 * (NULL: any; a different origin is ARM_EVERIFY). logkey must be type 0x01
 * (ARM_EUSAGE otherwise). On success *n holds the note (caller releases
 * it) so that cosignatures can be checked against witness keys with
 * note_verify(); on failure *n and *c are empty.
 */
int ckpt_open(const uint8_t *msg, size_t len, const struct note_verifier *logkey,
              const char *want_origin, struct ckpt *c, struct note *n,
              struct arm_err *e) ARM_MUST_CHECK;

#endif
