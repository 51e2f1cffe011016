/*
 * cosig.h - C2SP tlog-cosignature v1.0.1, Ed25519 (key type 0x04).
 *
 * Signature bytes = keyID(4) || timestamp u64 big-endian || Ed25519 sig(64).
 * Signed message = "cosignature/v1\n" || "time <ts>\n" || checkpoint body.
 * Pure functions, no allocation beyond the caller's buffer.
 */
#ifndef ARMISTICE_COSIG_H
#define ARMISTICE_COSIG_H

#include <stdint.h>

#include "note.h"

/*
 * Appends "— name base64\n" cosigning body (a checkpoint note text) at ts.
 * s must be a type 0x04 key (ARM_EUSAGE otherwise), ts at most 2^63-1
 * (ARM_EUSAGE), and body must parse as a checkpoint (ckpt_parse's
 * ARM_ESYNTAX otherwise). line is unchanged on failure.
 */
int cosig_sign(const struct note_signer *s, uint64_t ts, const char *body, size_t len,
               struct buf *line, struct arm_err *e) ARM_MUST_CHECK;

/*
 * Verifies one parsed signature sig by cosigner key v over body and sets
 * *ts. ARM_EVERIFY if it does not verify, ARM_ESYNTAX if sig is not 72
 * bytes or the timestamp exceeds 2^63-1, ARM_EUSAGE if v is not a type
 * 0x04 key or sig is not by v (name and key ID). *ts is 0 unless ARM_OK.
 */
int cosig_verify(const struct note_verifier *v, const struct note_sig *sig, const char *body,
                 size_t len, uint64_t *ts, struct arm_err *e) ARM_MUST_CHECK;

#endif
