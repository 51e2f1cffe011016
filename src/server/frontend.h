/*
 * frontend.h - a `serve` that is not the sequencer of its PostgreSQL log:
 * it serves every read from what it verified and forwards checked
 * submissions to the sequencer (docs/postgres.md "Several front ends").
 *
 *   reads        a reader log (log.h) over store_follow.h: tiles, bundles,
 *                the checkpoint, entries, proofs and /state come from the
 *                database, each byte checked against the tree the front end
 *                verified; a follower thread reads the public checkpoint
 *                when the sequencer's NOTIFY says it moved (at least every
 *                100 ms) and moves only once the new entries and tiles give
 *                its signed root.
 *   submissions  checked against the front end's state (the caller's check
 *                hook: signature and agreement rules), then POSTed to the
 *                URL in the sequencer's lease row (store_pg_sequencer());
 *                the sequencer's answer (its receipt) is passed back as is.
 *                No answer from the sequencer is a 503 with Retry-After:
 *                not acknowledged, and safe to resubmit (the log answers a
 *                duplicate with the index it already has).
 *   takeover     the same thread tries the writer lock twice a second; once
 *                it has it, frontend_wait() returns and hands the locked
 *                store to the caller, who opens the writer log on it.
 *
 * Threads: frontend_add() from any request thread; the hooks run on the
 * follower thread. Ownership: frontend_open() returns the front end and
 * the reader log to the caller; frontend_close() stops the thread and
 * frees the front end, not the log (log_close() after it).
 */
#ifndef ARMISTICE_SERVER_FRONTEND_H
#define ARMISTICE_SERVER_FRONTEND_H

#include <stdint.h>

#include "armistice/engine.h"
#include "armistice/err.h"
#include "armistice/httpd.h"
#include "armistice/log.h"
#include "armistice/note.h"
#include "armistice/store.h"

struct frontend;

struct frontend_opts {
	const char *conninfo; /* the log's postgresql:// URI (borrowed) */
	const struct note_verifier *vkey;
	const char *origin;
	/* A submission's check against the front end's state (ARM_OK: forward it). */
	int (*check)(void *ctx, const uint8_t *entry, size_t len, struct arm_err *e);
	/* The reader log moved to size (follower thread). */
	void (*moved)(void *ctx, uint64_t size);
	void *ctx;
};

/*
 * Connects (four sessions: reads, the follower's audit, the lock and lease
 * row, LISTEN), verifies the log from entry 0 and opens *log.
 */
int frontend_open(struct frontend **out, struct log **log, const struct frontend_opts *o,
                  struct arm_err *e) ARM_MUST_CHECK;

/* Starts the follower thread (after the HTTP server, so it inherits its signal mask). */
int frontend_start(struct frontend *f, struct arm_err *e) ARM_MUST_CHECK;

/*
 * Waits for SIGTERM or SIGINT (returns the signal) or for the writer lock
 * (returns 0 and *locked, a store holding it, for log_opts.store).
 */
int frontend_wait(struct frontend *f, struct store **locked);

/* POST /add on a front end: check, forward, pass the answer back. */
void frontend_add(struct frontend *f, const struct httpd_req *rq, struct httpd_resp *rs);

/*
 * The agreement rules of a submission against eng (the committed entries
 * up to size), as the sequencer will apply them: a copy of eng, the clock
 * leaf the sequencer would put first (signed with key), then the entry.
 */
int frontend_rules(const struct engine *eng, const char *zones, const struct note_signer *key,
                   uint64_t size, const uint8_t *entry, size_t len,
                   struct arm_err *e) ARM_MUST_CHECK;

/* Stops the thread and frees f (NULL-safe); the log stays open. */
void frontend_close(struct frontend *f);

#endif
