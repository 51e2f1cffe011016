/*
 * scores.c - GET /scores (scores.h, docs/http.md).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "armistice/export.h"
#include "cli/cli_replay.h"
#include "server/scores.h"

/* The two tables of one answer, at most this much each. */
#define SCORES_OUT_MAX (64u << 20)

struct scores {
	struct log *log;
	struct scache *sc;
	pthread_mutex_t mu;
	uint64_t scanned; /* entries read for `first` */
	int64_t first;    /* earliest event time of an entry about a commitment */
};

int
scores_new(struct scores **out, struct log *log, struct scache *sc, struct arm_err *e)
{
	struct scores *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return arm_err_set(e, ARM_ENOMEM, "out of memory for /scores");
	s->log = log;
	s->sc = sc;
	s->first = ENGINE_NO_TIME;
	pthread_mutex_init(&s->mu, NULL);
	*out = s;
	return ARM_OK;
}

void
scores_free(struct scores *s)
{
	if (s == NULL)
		return;
	pthread_mutex_destroy(&s->mu);
	free(s);
}

static int
scan_first(void *ctx, uint64_t index, const uint8_t *note, size_t len, struct arm_err *e)
{
	struct scores *s = ctx;
	int64_t t = export_commitment_time(index, note, len);

	(void)e;
	if (t != ENGINE_NO_TIME && (s->first == ENGINE_NO_TIME || t < s->first))
		s->first = t;
	s->scanned = index + 1;
	return ARM_OK;
}

/* The earliest commitment entry time among the first size entries. */
static int
scores_first(struct scores *s, uint64_t size, int64_t *first, struct arm_err *e)
{
	int rc = ARM_OK;

	pthread_mutex_lock(&s->mu);
	if (size > s->scanned)
		rc = log_scan(s->log, s->scanned, size, scan_first, s, e);
	*first = s->first;
	pthread_mutex_unlock(&s->mu);
	return rc;
}

/* export_engine_fn over the state cache. */
struct with_cache {
	struct scache *sc;
	uint64_t size;
};

static int
with_cache(void *ctx, int64_t asof, export_use_fn use, void *uctx, struct arm_err *e)
{
	struct with_cache *w = ctx;
	return scache_with(w->sc, w->size, asof, use, uctx, e);
}

/* The agreement in force as of at: its commitments and zone decide the years. */
struct head {
	size_t nc;
	int32_t tz;
};

static int
head_use(void *uctx, const struct engine *eng, struct arm_err *e)
{
	struct head *h = uctx;
	const struct agreement *a = engine_agreement(eng);

	if (a == NULL)
		return arm_err_set(e, ARM_ENOTFOUND, "no agreement: the log is empty");
	h->nc = a->ncommitments;
	h->tz = a->tz_offset;
	return ARM_OK;
}

/* ,"key":[row,row,...] from NDJSON lines. */
static int
rows_json(struct buf *out, const char *key, const struct buf *nd, struct arm_err *e)
{
	size_t i, start = 0;
	bool any = false;

	ARM_TRY(buf_printf(out, e, ",\"%s\":[", key));
	for (i = 0; i < nd->len; i++) {
		if (nd->data[i] != '\n')
			continue;
		if (i > start) {
			ARM_TRY(buf_puts(out, any ? "," : "", e));
			ARM_TRY(buf_append(out, nd->data + start, i - start, e));
			any = true;
		}
		start = i + 1;
	}
	return buf_puts(out, "]", e);
}

static int
scores_json(struct scores *s, uint64_t size, int64_t at, int64_t now, struct buf *out,
            struct arm_err *e)
{
	struct buf sc = BUF_INIT(SCORES_OUT_MAX), yr = BUF_INIT(SCORES_OUT_MAX);
	struct with_cache w = {s->sc, size};
	struct head h = {0, 0};
	struct export_w ws, wy;
	int64_t first;
	int rc;

	memset(&ws, 0, sizeof(ws));
	memset(&wy, 0, sizeof(wy));
	if ((rc = scores_first(s, size, &first, e)) == ARM_OK &&
	    (rc = scache_with(s->sc, size, at, head_use, &h, e)) == ARM_OK &&
	    (rc = export_w_init(&ws, EXPORT_SCORES, EXPORT_NDJSON, &sc, e)) == ARM_OK &&
	    (rc = export_w_init(&wy, EXPORT_YEARLY, EXPORT_NDJSON, &yr, e)) == ARM_OK &&
	    (rc = export_scores(&ws, &wy, h.nc, h.tz, first, now, at, with_cache, &w, e)) ==
	        ARM_OK &&
	    (rc = export_w_finish(&ws, e)) == ARM_OK && (rc = export_w_finish(&wy, e)) == ARM_OK &&
	    (rc = buf_printf(out, e, "{\"schema\":\"armistice/scores/v1\",\"entries\":%llu",
	                     (unsigned long long)size)) == ARM_OK &&
	    (rc = rows_json(out, "yearly", &yr, e)) == ARM_OK &&
	    (rc = rows_json(out, "scores", &sc, e)) == ARM_OK)
		rc = buf_puts(out, "}\n", e);
	export_w_release(&ws);
	export_w_release(&wy);
	buf_release(&sc);
	buf_release(&yr);
	return rc;
}

void
scores_answer(struct scores *s, const struct agreement *agr, uint64_t size,
              const struct httpd_req *rq, struct httpd_resp *rs)
{
	const char *qa = httpd_query(rq, "at"), *qn = httpd_query(rq, "now");
	struct cli_at at = {.t = ENGINE_NO_TIME}, atnow = {.t = ENGINE_NO_TIME};
	int64_t at_t = ENGINE_NO_TIME, now = (int64_t)time(NULL);
	struct arm_err e;

	if (!scache_at_params(qa, qn, &at, &atnow, rs))
		return;
	/* As for /state and export: now is ?now=, else ?at=, else the clock. */
	if (qa != NULL)
		now = at_t = cli_replay_at_resolve(&at, agr);
	if (qn != NULL)
		now = cli_replay_at_resolve(&atnow, agr);
	buf_reset(&rs->body);
	if (scores_json(s, size, at_t, now, &rs->body, &e) != ARM_OK) {
		buf_reset(&rs->body);
		httpd_text(rs, httpd_status_for(e.rc), "%s", e.msg);
		return;
	}
	rs->status = 200;
	rs->ctype = "application/json";
	rs->cache = "no-cache";
}
