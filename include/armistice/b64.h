/*
 * b64.h - RFC 4648 section 4 base64 (standard alphabet, padded), strict.
 *
 * Signed notes, checkpoints and cosignatures all use this encoding
 * (C2SP signed-note v1.0.0). Decoding is strict: no whitespace, no missing
 * padding, no trailing garbage, and (where the caller says so) an exact
 * decoded length, so that one value has exactly one encoding.
 */
#ifndef ARMISTICE_B64_H
#define ARMISTICE_B64_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

/* Characters needed to encode n bytes, without the NUL. */
#define B64_ENCLEN(n) ((((n) + 2) / 3) * 4)

/* Appends the encoding of p[0..n) to out. */
int b64_encode(struct buf *out, const void *p, size_t n, struct arm_err *e) ARM_MUST_CHECK;

/*
 * Decodes s[0..slen) into out (capacity outcap) and sets *outlen. Fails with
 * ARM_ESYNTAX on any non-canonical input, including non-zero padding bits.
 * The message names "base64" and what was wrong; callers prefix the place.
 */
int b64_decode(const char *s, size_t slen, uint8_t *out, size_t outcap, size_t *outlen,
               struct arm_err *e) ARM_MUST_CHECK;

/*
 * The same rules, in constant time (libsodium's decoder), for secret
 * material: a signer key's seed.
 */
int b64_decode_secret(const char *s, size_t slen, uint8_t *out, size_t outcap, size_t *outlen,
                      struct arm_err *e) ARM_MUST_CHECK;

#endif
