/* statecache.c - see statecache.h. */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_replay.h"
#include "armistice/httpd.h"
#include "server/statecache.h"
#include "armistice/engine.h"
#include "armistice/logclock.h"
#include "armistice/entry.h"
#include "armistice/note.h"
#include "armistice/common.h"

/* A copy of the replay after the first `size` entries. */
struct scopy {
	uint64_t size;
	int64_t maxt; /* latest event time of entries [1, size), ENGINE_NO_TIME if none */
	struct engine *eng;
	size_t bytes;  /* engine_footprint() when taken */
	unsigned refs; /* requests answering from it */
	bool dropped;  /* out of the list; freed by the last reference */
};

struct sanswer {
	bool valid;
	uint64_t size;
	int64_t at, now;
	uint64_t used; /* LRU clock */
	struct buf body;
};

struct scache {
	struct log *log;
	const char *zones;
	struct scache_opts o;
	pthread_mutex_t mu;

	struct scopy **v; /* by size, ascending */
	size_t n, cap;
	size_t bytes;
	uint64_t every; /* current spacing: o.every doubled as the budget asks */

	/* The one replay that goes forward and leaves copies behind it. */
	struct cli_replay *bld;
	uint64_t bld_size;
	int64_t bld_maxt;
	int bld_rc; /* an error from inside the scan callback */

	struct sanswer *ans;
	size_t ans_bytes;
	uint64_t clock;

	uint64_t requests, replayed, max_index, hits;

	/* Replays running at once (each holds a copy of the state): at most max_active. */
	pthread_cond_t slot;
	unsigned active, max_active;
};

void
scache_opts_init(struct scache_opts *o)
{
	o->every = 256;
	o->mem_bytes = (size_t)64 << 20;
	o->answers = 32;
	o->answer_bytes = (size_t)16 << 20;
	o->max_active = 4;
}

int
scache_new(struct scache **out, struct log *log, const char *zones, const struct scache_opts *o,
           struct arm_err *e)
{
	struct scache *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (c == NULL)
		return arm_err_set(e, ARM_ENOMEM, "out of memory for the state cache");
	c->log = log;
	c->zones = zones;
	c->o = *o;
	c->every = o->every;
	if (o->answers > 0 && (c->ans = calloc(o->answers, sizeof(*c->ans))) == NULL) {
		free(c);
		return arm_err_set(e, ARM_ENOMEM, "out of memory for the state cache");
	}
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->slot, NULL);
	c->max_active = o->max_active > 0 ? o->max_active : 1;
	*out = c;
	return ARM_OK;
}

static void
scache_copy_free(struct scopy *p)
{
	engine_free(p->eng);
	free(p);
}

static void
scache_builder_drop(struct scache *c)
{
	if (c->bld != NULL) {
		cli_replay_release(c->bld);
		free(c->bld);
	}
	c->bld = NULL;
	c->bld_size = 0;
	c->bld_maxt = ENGINE_NO_TIME;
}

void
scache_free(struct scache *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++)
		scache_copy_free(c->v[i]); /* no request is in flight when the server stops */
	free(c->v);
	scache_builder_drop(c);
	for (i = 0; c->ans != NULL && i < c->o.answers; i++)
		buf_release(&c->ans[i].body);
	free(c->ans);
	pthread_cond_destroy(&c->slot);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

/* Drops every other copy until the copies fit the budget (mu held). */
static void
scache_fit(struct scache *c)
{
	size_t i, k;

	while (c->bytes > c->o.mem_bytes && c->n > 1) {
		c->every *= 2;
		for (i = 0, k = 0; i < c->n; i++) {
			struct scopy *p = c->v[i];
			if (p->size % c->every == 0) {
				c->v[k++] = p;
				continue;
			}
			c->bytes -= p->bytes;
			if (p->refs == 0)
				scache_copy_free(p);
			else
				p->dropped = true;
		}
		c->n = k;
	}
}

/* Keeps a copy of the builder's engine at its size (mu held). */
static int
scache_keep(struct scache *c, struct arm_err *e)
{
	struct engine_opts eo;
	struct scopy *p;

	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 16;
		struct scopy **nv = realloc(c->v, ncap * sizeof(*nv));
		if (nv == NULL)
			return arm_err_set(e, ARM_ENOMEM, "out of memory keeping a state copy");
		c->v = nv;
		c->cap = ncap;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return arm_err_set(e, ARM_ENOMEM, "out of memory keeping a state copy");
	/* A kept copy is never applied to: it needs no geometry and no files. */
	engine_opts_init(&eo);
	eo.verify_sigs = false;
	if (engine_clone(&p->eng, c->bld->eng, &eo, e) != ARM_OK) {
		free(p);
		return e->rc;
	}
	p->size = c->bld_size;
	p->maxt = c->bld_maxt;
	p->bytes = engine_footprint(p->eng);
	c->v[c->n++] = p;
	c->bytes += p->bytes;
	scache_fit(c);
	return ARM_OK;
}

/*
 * A log_scan_fn for the builder: applies an entry as engine_apply_note()
 * does for a replay without signatures, and keeps its event time.
 */
static int
scache_build_apply(void *ctx, uint64_t index, const uint8_t *entry, size_t len, struct arm_err *e)
{
	struct scache *c = ctx;
	struct note n;
	struct entry en;
	int rc;

	if (index == 0) {
		rc = engine_apply_note(c->bld->eng, index, entry, len, e);
	} else if (logclock_is(entry, len)) {
		/*
		 * A clock leaf (logclock.h) is dated too: as of a moment, the
		 * log's time and the clock counts are those of the leaves dated
		 * at or before it, so a copy is sound for ?at=T only if its
		 * clock leaves are too (and, with log.clock.deadlines: log,
		 * entries take the clock's time as their own).
		 */
		rc = engine_apply_note(c->bld->eng, index, entry, len, e);
		if (rc == ARM_OK) {
			int64_t t = engine_log_time(c->bld->eng, NULL, NULL);
			if (c->bld_maxt == ENGINE_NO_TIME || t > c->bld_maxt)
				c->bld_maxt = t;
		}
	} else {
		entry_init(&en);
		rc = note_parse(&n, entry, len, ENTRY_MAX_SIZE, e);
		if (rc == ARM_OK) {
			rc = entry_parse(&en, (const uint8_t *)n.text, n.text_len, e);
			note_release(&n);
		}
		if (rc != ARM_OK) {
			arm_err_prefix(e, "entry %llu", (unsigned long long)index);
		} else {
			int64_t t = engine_entry_time(&en);
			rc = engine_apply(c->bld->eng, &en, index, e);
			if (rc == ARM_OK && t != ENGINE_NO_TIME &&
			    (c->bld_maxt == ENGINE_NO_TIME || t > c->bld_maxt))
				c->bld_maxt = t;
		}
		entry_release(&en);
	}
	if (rc != ARM_OK)
		return rc;
	c->bld_size = index + 1;
	if (c->every > 0 && c->bld_size % c->every == 0 &&
	    (c->n == 0 || c->v[c->n - 1]->size < c->bld_size))
		return scache_keep(c, e);
	return ARM_OK;
}

/* Advances the builder to `to` entries, leaving copies behind (mu held). */
static int
scache_build(struct scache *c, uint64_t to, struct arm_err *e)
{
	int rc;

	if (c->bld == NULL) {
		/* From the last copy if there is one (after an error), else from entry 0. */
		const struct scopy *last = c->n > 0 ? c->v[c->n - 1] : NULL;
		if ((c->bld = calloc(1, sizeof(*c->bld))) == NULL)
			return arm_err_set(e, ARM_ENOMEM, "out of memory for the state replay");
		rc = last != NULL
		         ? cli_replay_init_from(c->bld, c->zones, ENGINE_NO_TIME, last->eng, e)
		         : cli_replay_init(c->bld, c->zones, ENGINE_NO_TIME, false, e);
		if (rc != ARM_OK) {
			free(c->bld);
			c->bld = NULL;
			return rc;
		}
		c->bld_size = last != NULL ? last->size : 0;
		c->bld_maxt = last != NULL ? last->maxt : ENGINE_NO_TIME;
	}
	if (to <= c->bld_size)
		return ARM_OK;
	if ((rc = log_scan(c->log, c->bld_size, to, scache_build_apply, c, e)) != ARM_OK) {
		/* Part of the range may be applied: start again from the last copy's end next time.
		 */
		scache_builder_drop(c);
		return rc;
	}
	return ARM_OK;
}

static struct sanswer *
scache_answer_find(struct scache *c, uint64_t size, int64_t at, int64_t now)
{
	size_t i;

	for (i = 0; c->ans != NULL && i < c->o.answers; i++) {
		struct sanswer *a = &c->ans[i];
		if (a->valid && a->size == size && a->at == at && a->now == now)
			return a;
	}
	return NULL;
}

/* Keeps an answer, dropping the least recently used ones to fit (mu held). */
static void
scache_answer_put(struct scache *c, uint64_t size, int64_t at, int64_t now, const uint8_t *p,
                  size_t len)
{
	struct sanswer *slot = NULL;
	struct arm_err e;
	size_t i;

	if (c->ans == NULL || len > c->o.answer_bytes ||
	    scache_answer_find(c, size, at, now) != NULL)
		return;
	for (;;) {
		struct sanswer *lru = NULL;
		slot = NULL;
		for (i = 0; i < c->o.answers; i++) {
			struct sanswer *a = &c->ans[i];
			if (!a->valid) {
				if (slot == NULL)
					slot = a;
			} else if (lru == NULL || a->used < lru->used) {
				lru = a;
			}
		}
		if (slot != NULL && c->ans_bytes + len <= c->o.answer_bytes)
			break;
		if (lru == NULL)
			return;
		c->ans_bytes -= lru->body.len;
		buf_release(&lru->body);
		lru->valid = false;
	}
	buf_init(&slot->body, len + 1);
	if (buf_append(&slot->body, p, len, &e) != ARM_OK) {
		buf_release(&slot->body);
		return;
	}
	slot->valid = true;
	slot->size = size;
	slot->at = at;
	slot->now = now;
	slot->used = ++c->clock;
	c->ans_bytes += len;
}

/* export_use_fn-like: the state JSON of eng into out (ctx). */
struct scache_render {
	int64_t now;
	struct buf *out;
};

static int
scache_render_state(void *ctx, const struct engine *eng, struct arm_err *e)
{
	struct scache_render *r = ctx;
	return engine_state_json(eng, r->now, r->out, e);
}

int
scache_with(struct scache *c, uint64_t size, int64_t at,
            int (*use)(void *uctx, const struct engine *eng, struct arm_err *e), void *uctx,
            struct arm_err *e)
{
	struct scopy *from = NULL;
	struct cli_replay *r = NULL;
	size_t i;
	uint64_t first = 0;
	int rc = ARM_OK;

	pthread_mutex_lock(&c->mu);
	if (c->every > 0 && (rc = scache_build(c, size / c->every * c->every, e)) != ARM_OK) {
		pthread_mutex_unlock(&c->mu);
		return rc;
	}
	/* Wait for a replay slot: memory and CPU for answers stay bounded. */
	while (c->active >= c->max_active)
		pthread_cond_wait(&c->slot, &c->mu);
	c->active++;
	for (i = c->n; i > 0; i--) {
		struct scopy *p = c->v[i - 1];
		if (p->size <= size &&
		    (at == ENGINE_NO_TIME || p->maxt == ENGINE_NO_TIME || p->maxt <= at)) {
			from = p;
			from->refs++;
			break;
		}
	}
	pthread_mutex_unlock(&c->mu);

	first = from != NULL ? from->size : 0;
	if (from != NULL && from->size == size) {
		/* Every entry of the copy is within the horizon: it is the answer. */
		rc = use(uctx, from->eng, e);
	} else {
		if ((r = calloc(1, sizeof(*r))) == NULL) {
			rc = arm_err_set(e, ARM_ENOMEM, "out of memory for a state replay");
			goto done;
		}
		rc = from != NULL ? cli_replay_init_from(r, c->zones, at, from->eng, e)
		                  : cli_replay_init(r, c->zones, at, false, e);
		if (rc != ARM_OK) {
			free(r);
			r = NULL;
			goto done;
		}
		if ((rc = log_scan(c->log, first, size, cli_replay_apply, r, e)) == ARM_OK)
			rc = use(uctx, r->eng, e);
	}
done:
	if (r != NULL) {
		cli_replay_release(r);
		free(r);
	}
	pthread_mutex_lock(&c->mu);
	c->active--;
	pthread_cond_signal(&c->slot);
	if (rc == ARM_OK) {
		c->requests++;
		c->replayed += size - first;
		if (at == ENGINE_NO_TIME && size - first > c->max_index)
			c->max_index = size - first;
	}
	if (from != NULL && --from->refs == 0 && from->dropped)
		scache_copy_free(from);
	pthread_mutex_unlock(&c->mu);
	return rc;
}

int
scache_state(struct scache *c, uint64_t size, int64_t at, int64_t now, struct buf *out,
             struct arm_err *e)
{
	struct scache_render rd = {now, out};
	struct sanswer *a;
	size_t start = out->len;
	int rc;

	pthread_mutex_lock(&c->mu);
	if ((a = scache_answer_find(c, size, at, now)) != NULL) {
		a->used = ++c->clock;
		c->hits++;
		c->requests++;
		rc = buf_append(out, a->body.data, a->body.len, e);
		pthread_mutex_unlock(&c->mu);
		return rc;
	}
	pthread_mutex_unlock(&c->mu);
	if ((rc = scache_with(c, size, at, scache_render_state, &rd, e)) != ARM_OK)
		return rc;
	pthread_mutex_lock(&c->mu);
	scache_answer_put(c, size, at, now, out->data + start, out->len - start);
	pthread_mutex_unlock(&c->mu);
	return ARM_OK;
}

void
scache_stats(struct scache *c, struct scache_stats *st)
{
	pthread_mutex_lock(&c->mu);
	st->copies = c->n;
	st->every = c->every;
	st->bytes = c->bytes;
	st->requests = c->requests;
	st->replayed = c->replayed;
	st->max_index = c->max_index;
	st->hits = c->hits;
	pthread_mutex_unlock(&c->mu);
}

bool
scache_at_params(const char *qa, const char *qn, struct cli_at *at, struct cli_at *now,
                 struct httpd_resp *rs)
{
	struct arm_err e;

	if (qa != NULL && cli_replay_at_parse(qa, at, &e) != ARM_OK) {
		httpd_text(rs, 400, "at: %s", e.msg);
		return false;
	}
	if (qn != NULL && cli_replay_at_parse(qn, now, &e) != ARM_OK) {
		httpd_text(rs, 400, "now: %s", e.msg);
		return false;
	}
	return true;
}
