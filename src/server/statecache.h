/*
 * statecache.h - bounded-cost answers to GET /state?index=N and ?at=T.
 *
 * A full replay per request makes one request cost the whole log (at a
 * few thousand entries a handful of clients fill every core). The cache
 * keeps copies of the engine (engine_clone()) every `every` entries of the
 * log, built once by one replay that advances as requests ask for later
 * sizes, and answers a request from the nearest copy at or below it:
 *
 *   ?index=N  the copy at the largest multiple of `every` <= N, advanced
 *             by at most every-1 entries (a copy at exactly N renders
 *             without one);
 *   ?at=T     the largest copy whose entries are all dated at or before T
 *             (it holds what a replay with horizon T would hold at that
 *             size: engine_clone()), given the horizon, advanced to the
 *             published size. In a log whose entries come roughly in time
 *             order that is the copy just before T; a T before most of
 *             the log costs the entries after it, which the rate limit
 *             (ratelimit.h) bounds per client.
 *
 * Copies are kept within a memory budget: when their footprint
 * (engine_footprint()) passes it, `every` doubles and every other copy is
 * dropped, so memory stays bounded and the cost of a request grows only
 * with the log's size over the budget. Entries of a log never change, so
 * a copy at size k stays right as the log grows, and the bytes are those
 * of a full replay (engine_state_json(), the same code as status --json).
 *
 * A small cache of recent answers (key: index, at, now) serves repeated
 * questions, such as a dashboard's slider, without any replay.
 *
 * Threads: every call may run concurrently; one mutex guards the copies,
 * the builder and the answers. Building copies holds it (one replay at a
 * time); answering from a copy does not (a reference keeps it alive), but
 * at most max_active answers are computed at once, each on its own copy
 * of the state, so that many slow questions wait instead of holding a
 * copy each (memory) and every core (CPU).
 *
 * Ownership: struct scache is returned by scache_new() and freed by
 * scache_free() (NULL-safe); the log and the zones path are borrowed and
 * must outlive it.
 */
#ifndef ARMISTICE_SERVER_STATECACHE_H
#define ARMISTICE_SERVER_STATECACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "armistice/buf.h"
#include "armistice/err.h"
#include "armistice/log.h"

struct scache;

struct scache_opts {
	uint64_t every;      /* a copy every this many entries; 0: none, every request replays */
	size_t mem_bytes;    /* budget for the copies */
	size_t answers;      /* recent answers kept; 0: none */
	size_t answer_bytes; /* budget for the kept answers */
	unsigned max_active; /* answers computed at once (each holds a copy); others wait */
};

/* Defaults: a copy every 256 entries, 64 MiB, 32 answers within 16 MiB, 4 at once. */
void scache_opts_init(struct scache_opts *o);

int scache_new(struct scache **out, struct log *log, const char *zones, const struct scache_opts *o,
               struct arm_err *e) ARM_MUST_CHECK;
void scache_free(struct scache *c);

/*
 * Appends to out the state JSON of the first `size` entries (size <= the
 * published size) as of `at` (ENGINE_NO_TIME: no horizon), rendered at
 * `now`: the bytes of engine_state_json() after a full replay.
 */
int scache_state(struct scache *c, uint64_t size, int64_t at, int64_t now, struct buf *out,
                 struct arm_err *e) ARM_MUST_CHECK;

/*
 * Calls use(uctx, engine, e) once with the first `size` entries replayed
 * as of `at`, from the nearest copy as scache_state() does (one of the
 * max_active slots held meanwhile); returns what use returned. The engine
 * is borrowed for the call only. GET /scores asks this for the end of
 * each year (scores.h).
 */
struct engine;
int scache_with(struct scache *c, uint64_t size, int64_t at,
                int (*use)(void *uctx, const struct engine *eng, struct arm_err *e), void *uctx,
                struct arm_err *e) ARM_MUST_CHECK;

/* For tests and benchmarks: copies kept, their spacing now, entries replayed so far. */
struct scache_stats {
	size_t copies;
	uint64_t every;
	size_t bytes;
	uint64_t requests;  /* answered */
	uint64_t replayed;  /* entries applied to answer requests (not to build copies) */
	uint64_t max_index; /* the most one ?index= request applied */
	uint64_t hits;      /* answers served from the answer cache */
};
void scache_stats(struct scache *c, struct scache_stats *st);

struct cli_at;
struct httpd_resp;

/*
 * The ?at= and ?now= of an as-of request (GET /state, GET /scores), each
 * NULL when absent, parsed as the CLI parses --at and --now
 * (cli_replay_at_parse). false after answering 400 naming the parameter.
 */
bool scache_at_params(const char *qa, const char *qn, struct cli_at *at, struct cli_at *now,
                      struct httpd_resp *rs);

#endif
