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

int ckpt_parse(struct ckpt *c, const char *text, size_t len, struct arm_err *e) ARM_MUST_CHECK;
int ckpt_format(const struct ckpt *c, struct buf *out, struct arm_err *e) ARM_MUST_CHECK;

/*
 * Parses msg as a signed note, verifies it with the log key (type 0x01) and
 * parses its text as a checkpoint whose origin must equal want_origin
 * (NULL: any). On success *n holds the note (caller releases it) so that
 * cosignatures can be checked against witness keys.
 */
int ckpt_open(const uint8_t *msg, size_t len, const struct note_verifier *logkey,
              const char *want_origin, struct ckpt *c, struct note *n,
              struct arm_err *e) ARM_MUST_CHECK;

#endif
