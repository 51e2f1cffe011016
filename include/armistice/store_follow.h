/*
 * store_follow.h - a read-only store that serves only what it verified:
 * the store under a front end that is not the sequencer (docs/postgres.md
 * "Several front ends").
 *
 * It sits over two stores of one log (normally two PostgreSQL connections):
 * `under` answers the reads of requests, `audit` is read by
 * store_follow_poll(), which follows the log as it grows. A poll reads the
 * public checkpoint, checks the log's signature on it (tlog-checkpoint
 * v1.0.0), reads every entry bundle and hash tile the new entries touch
 * (tlog-tiles v0.1.0), hashes the entries (RFC 9162 §2.1.1), recomputes
 * the tiles and the root, and only when all of it matches the signed root
 * does the store move to that checkpoint. A checkpoint that goes back,
 * forks (another root at a verified size) or does not match its tiles is
 * refused with ARM_EVERIFY and the store stays where it was.
 *
 * What a read returns, for a verified tree of size S:
 *   "checkpoint", the commit record   the verified checkpoint note
 *   a full tile or bundle below S      the bytes of `under`, only if their
 *                                      SHA-256 is the one verified (kept:
 *                                      32 bytes per tile)
 *   the partial tiles at S             the verified bytes, kept in memory
 *                                      (the sequencer may collect them)
 *   a narrower partial tile            the bytes of `under`, only if they
 *                                      are a prefix of the verified tile
 *   anything beyond S                  ARM_ENOTFOUND
 * Writes, the lock and removals are refused (ARM_EUSAGE): a front end
 * never writes the log.
 *
 * Threads: reads from any thread while one thread polls (a rwlock guards
 * the verified state; a poll verifies without holding it and swaps at the
 * end). Ownership: store_follow_open() consumes under and audit (closed
 * by store_close() of the result, also on failure); key is copied.
 */
#ifndef ARMISTICE_STORE_FOLLOW_H
#define ARMISTICE_STORE_FOLLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "note.h"
#include "store.h"

/*
 * Opens the follower and verifies the log from entry 0 to its current
 * public checkpoint (origin must match; key is the log's verifier key).
 */
int store_follow_open(struct store **out, struct store *under, struct store *audit,
                      const struct note_verifier *key, const char *origin,
                      struct arm_err *e) ARM_MUST_CHECK;

/*
 * Reads the public checkpoint of `audit`; if it moved, verifies the new
 * entries and tiles and moves to it. *moved (may be NULL) says whether it
 * did. ARM_ENOTFOUND when a tile went missing meanwhile (the sequencer
 * replaced a partial tile: poll again); ARM_EVERIFY for a checkpoint that
 * does not verify (the store stays at its verified size).
 */
int store_follow_poll(struct store *s, bool *moved, struct arm_err *e) ARM_MUST_CHECK;

/* The verified tree size. */
uint64_t store_follow_size(struct store *s);

/* True if s is a follower (store_follow_open()). */
bool store_is_follow(const struct store *s);

#endif
