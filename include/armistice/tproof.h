/*
 * tproof.h - offline inclusion proofs in the C2SP tlog-proof form
 * (c2sp.org/tlog-proof@v1), so that a party can carry an entry with the
 * proof and the (cosigned) checkpoint it is pinned to:
 *
 *   c2sp.org/tlog-proof@v1\n
 *   [extra <base64>\n]
 *   index <n>\n
 *   <base64 hash>\n ...        inclusion path, sibling first
 *   \n
 *   <signed checkpoint note, with its cosignatures>
 *
 * struct tproof owns its checkpoint bytes and extra data; tproof_release().
 */
#ifndef ARMISTICE_TPROOF_H
#define ARMISTICE_TPROOF_H

#include <stdint.h>

#include "buf.h"
#include "ckpt.h"
#include "err.h"
#include "merkle.h"
#include "note.h"

#define TPROOF_MAX_SIZE (1u << 20)

struct tproof {
	uint64_t index;
	uint8_t path[MERKLE_MAX_PROOF][HASH_SIZE];
	size_t npath;
	uint8_t *extra; /* owned, may be NULL */
	size_t extra_len;
	uint8_t *checkpoint; /* owned: the signed checkpoint note bytes */
	size_t checkpoint_len;
};

/*
 * Parses msg[0..len) strictly (ARM_ELIMIT past max or TPROOF_MAX_SIZE):
 * the exact first line, optional non-empty canonical base64 extra, index
 * with no leading zeroes, at most MERKLE_MAX_PROOF 44-character hashes, an
 * empty line, and a checkpoint that parses as a signed note with a
 * tlog-checkpoint body (signatures are checked by tproof_verify()). On
 * success *p owns copies; on failure *p is empty. Formats back byte for byte.
 */
int tproof_parse(struct tproof *p, const uint8_t *msg, size_t len, size_t max,
                 struct arm_err *e) ARM_MUST_CHECK;
/* Appends the proof to out; on failure out is as it was. */
int tproof_format(const struct tproof *p, struct buf *out, struct arm_err *e) ARM_MUST_CHECK;

/*
 * Verifies that entry is at p->index in the checkpoint, which the log key
 * signs (tlog-proof "Verifying", steps 1, 2 and 4). On success *c is the
 * checkpoint and *n its note (for checking cosignatures against a witness
 * policy, step 3); the caller releases *n and checks c->origin against the
 * origin it expects. On failure *n is empty.
 */
int tproof_verify(const struct tproof *p, const uint8_t *entry, size_t len,
                  const struct note_verifier *logkey, struct ckpt *c, struct note *n,
                  struct arm_err *e) ARM_MUST_CHECK;

void tproof_release(struct tproof *p);

#endif
