/*
 * cli_replay.h - an engine set up for replaying a log the way the server's
 * GET /state and `armistice verify` both do, so that the two produce the
 * same state JSON for the same entries and the same `now`: places through
 * the geometry module (geo.h), zone files read from one directory.
 *
 * Ownership: struct cli_replay owns its engine, geometry map and
 * signature batch; cli_replay_release() frees them (NULL-safe on a
 * zeroed struct).
 */
#ifndef ARMISTICE_CLI_REPLAY_H
#define ARMISTICE_CLI_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "armistice/buf.h"
#include "armistice/engine.h"
#include "armistice/err.h"
#include "armistice/geo.h"
#include "armistice/log.h"
#include "armistice/note.h"
#include "armistice/sigbatch.h"

/*
 * A moment as typed (--at, --now, ?at=): RFC 3339, POSIX seconds, or a
 * plain date YYYY-MM-DD, which means the end of that day (its last
 * second) in the agreement's time zone, known only once entry 0 is read.
 */
struct cli_at {
	bool date;
	int32_t y, m, d;
	int64_t t; /* the moment (not a date), or ENGINE_NO_TIME */
};

struct cli_replay {
	struct engine *eng;
	struct geo_map *map;
	struct engine_geo geo;
	char zones[4096]; /* directory of zone files; "" for none */
	/*
	 * Where zone files come from when there is no directory (zones ""):
	 * an agreement_read_fn and its context, e.g. `verify` fetching
	 * /zone/<id> from the server (cli_audit.h). NULL: none.
	 */
	agreement_read_fn fetch;
	void *fetch_ctx;
	struct cli_at at;   /* a date to resolve after entry 0 (cli_replay_set_at) */
	int64_t asof;       /* the as-of moment, resolved; ENGINE_NO_TIME for none */
	bool verify;        /* the engine checks signatures */
	struct sigbatch sb; /* cli_replay_scan(): a chunk's signatures checked ahead */
};

/*
 * Sets up an engine. zones_dir (may be NULL) is where `file:` zones of the
 * agreement are read, by relative path without "..". asof is the event-time
 * horizon (ENGINE_NO_TIME for all). verify_sigs as in engine_opts.
 */
int cli_replay_init(struct cli_replay *r, const char *zones_dir, int64_t asof, bool verify_sigs,
                    struct arm_err *e) ARM_MUST_CHECK;
/*
 * The same set-up, with the engine a copy of `from` (engine_clone(): the
 * caller keeps `from` and vouches for asof as engine_clone() says) and
 * signatures not checked (a replay of entries the log already holds).
 */
int cli_replay_init_from(struct cli_replay *r, const char *zones_dir, int64_t asof,
                         const struct engine *from, struct arm_err *e) ARM_MUST_CHECK;
void cli_replay_release(struct cli_replay *r);

/* An agreement_read_fn (ctx = struct cli_replay): a zone file under r->zones. */
int cli_replay_read_zone(void *ctx, const char *rel, struct buf *out, struct arm_err *e);

/*
 * log_scan() of [from, to) calling fn(ctx, ...) on each entry in order,
 * as cli_replay_apply() or a caller's function that calls it would be;
 * when r's engine checks signatures, the entries go by chunks whose
 * signatures are first checked on every core (sigbatch.h,
 * $ARMISTICE_THREADS), so fn's rules find them checked. Same result,
 * errors included, as log_scan().
 */
int cli_replay_scan(struct cli_replay *r, struct log *l, uint64_t from, uint64_t to, log_scan_fn fn,
                    void *ctx, struct arm_err *e) ARM_MUST_CHECK;

/*
 * The signatures of notes[0..n) checked on every core with the keys of
 * r's agreement, into r->sb (a no-op when r does not check signatures or
 * has no agreement yet). The caller applies them with
 * sigmemo_use(&r->sb.memo) in force, and sigmemo_use(NULL) before the
 * notes go away (sigbatch.h).
 */
int cli_replay_precheck(struct cli_replay *r, const uint8_t *const *notes, const size_t *lens,
                        size_t n, struct arm_err *e) ARM_MUST_CHECK;

/* A log_scan_fn (ctx = struct cli_replay) that applies each entry. */
int cli_replay_apply(void *ctx, uint64_t index, const uint8_t *entry, size_t len,
                     struct arm_err *e);

/*
 * For a dry run that must see what the sequencer will append: the signed
 * clock leaf (logclock.h) at index for the current time, made with the
 * log's key and applied to r's engine. note is left empty when the engine
 * takes no clock (no agreement yet).
 */
int cli_replay_clock(struct cli_replay *r, uint64_t index, const struct note_signer *logkey,
                     struct buf *note, struct arm_err *e) ARM_MUST_CHECK;

/* Parses an RFC 3339 time or POSIX seconds into *t. */
int cli_replay_time(const char *s, int64_t *t, struct arm_err *e) ARM_MUST_CHECK;

/* Parses a moment as typed (struct cli_at); ARM_EUSAGE with the reason. */
int cli_replay_at_parse(const char *s, struct cli_at *at, struct arm_err *e) ARM_MUST_CHECK;

/* The moment at stands for under agreement a (a date: its last second in a's zone). */
int64_t cli_replay_at_resolve(const struct cli_at *at, const struct agreement *a);

/*
 * Replays as of at (before any entry is applied): a moment at once, a
 * date once entry 0 gives the time zone. r->asof holds the moment after
 * entry 0.
 */
int cli_replay_set_at(struct cli_replay *r, const struct cli_at *at,
                      struct arm_err *e) ARM_MUST_CHECK;

#endif
