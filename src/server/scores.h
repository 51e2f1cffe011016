/*
 * scores.h - GET /scores[?at=T][&now=T]: the Peace Accords Matrix
 * implementation scores of the served agreement log as JSON (docs/http.md
 * "/scores"), the numbers of `armistice export --table scores` and
 * `--table yearly` (export.h export_scores(), one function for both).
 *
 * Each scored year is the log as of the end of that year, asked of the
 * state cache (statecache.h scache_with()), so a request costs what a few
 * /state?at= requests cost; the server rate-limits it like them. The
 * first scored year is that of the earliest entry about a commitment,
 * found by reading each published entry once (entries never change, so
 * the scan resumes where it stopped).
 *
 * Threads: scores_answer() may run concurrently; a mutex guards the scan.
 * Ownership: scores_new() returns a struct the caller frees with
 * scores_free() (NULL-safe); the log and the cache are borrowed and must
 * outlive it.
 */
#ifndef ARMISTICE_SERVER_SCORES_H
#define ARMISTICE_SERVER_SCORES_H

#include "armistice/agreement.h"
#include "armistice/httpd.h"
#include "armistice/log.h"
#include "server/statecache.h"

struct scores;

int scores_new(struct scores **out, struct log *log, struct scache *sc,
               struct arm_err *e) ARM_MUST_CHECK;
void scores_free(struct scores *s);

/*
 * Answers GET /scores for the first `size` (published) entries: 200 with
 * {"agreement":..., "scores":[rows], "yearly":[rows]} (the rows are the
 * NDJSON objects of the export tables), or 400 for a bad at or now. agr
 * (entry 0) resolves a plain date, as for /state.
 */
void scores_answer(struct scores *s, const struct agreement *agr, uint64_t size,
                   const struct httpd_req *rq, struct httpd_resp *rs);

#endif
