/* cli_replay.c - see cli_replay.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/cli_replay.h"
#include "armistice/entry.h"
#include "armistice/logclock.h"
#include "armistice/common.h"

int
cli_replay_read_zone(void *ctx, const char *rel, struct buf *out, struct arm_err *e)
{
	struct cli_replay *r = ctx;
	char path[8192];

	if (r->zones[0] == '\0' && r->fetch != NULL)
		return r->fetch(r->fetch_ctx, rel, out, e);
	if (r->zones[0] == '\0')
		return arm_err_set(e, ARM_ENOTFOUND, "zone file '%s': no zone directory given",
		                   rel);
	if (rel[0] == '/' || strstr(rel, "..") != NULL)
		return arm_err_set(e, ARM_ESYNTAX,
		                   "zone file '%s': must be a relative path without '..'", rel);
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", r->zones, rel) >= sizeof(path))
		return arm_err_set(e, ARM_EUSAGE, "zone file path too long: '%s'", rel);
	return cli_read_file(path, out, e);
}

/* Both set-ups: the engine's options point into r, so r must not move. */
static int
cli_replay_setup(struct cli_replay *r, const char *zones_dir, int64_t asof, bool verify_sigs,
                 const struct engine *from, struct arm_err *e)
{
	struct engine_opts o;
	int rc;

	memset(r, 0, sizeof(*r));
	r->asof = asof;
	r->verify = verify_sigs;
	r->at.t = ENGINE_NO_TIME;
	if (zones_dir != NULL)
		snprintf(r->zones, sizeof(r->zones), "%s", zones_dir);
	ARM_TRY(geo_map_new(&r->map, e));
	r->geo.in_zone = geo_engine_in_zone;
	r->geo.place = geo_engine_place;
	r->geo.ctx = r->map;
	engine_opts_init(&o);
	o.asof_time = asof;
	o.verify_sigs = verify_sigs;
	o.geo = &r->geo;
	o.read_file = cli_replay_read_zone;
	o.read_ctx = r;
	rc = from != NULL ? engine_clone(&r->eng, from, &o, e) : engine_new(&r->eng, &o, e);
	if (rc != ARM_OK) {
		geo_map_free(r->map);
		r->map = NULL;
		return rc;
	}
	return ARM_OK;
}

int
cli_replay_init(struct cli_replay *r, const char *zones_dir, int64_t asof, bool verify_sigs,
                struct arm_err *e)
{
	return cli_replay_setup(r, zones_dir, asof, verify_sigs, NULL, e);
}

int
cli_replay_init_from(struct cli_replay *r, const char *zones_dir, int64_t asof,
                     const struct engine *from, struct arm_err *e)
{
	return cli_replay_setup(r, zones_dir, asof, false, from, e);
}

void
cli_replay_release(struct cli_replay *r)
{
	if (r == NULL)
		return;
	engine_free(r->eng);
	geo_map_free(r->map);
	sigbatch_release(&r->sb);
	r->eng = NULL;
	r->map = NULL;
}

int
cli_replay_precheck(struct cli_replay *r, const uint8_t *const *notes, const size_t *lens, size_t n,
                    struct arm_err *e)
{
	const struct agreement *a = engine_agreement(r->eng);
	struct note_verifier *keys = NULL;
	size_t nkeys = 0, cap = 0;
	int rc;

	sigbatch_clear(&r->sb);
	if (!r->verify || a == NULL || n == 0)
		return ARM_OK;
	rc = sigbatch_agreement_keys(a, &keys, &nkeys, &cap, e);
	if (rc == ARM_OK)
		rc = sigbatch_run(&r->sb, notes, lens, n, keys, nkeys, 0, e);
	free(keys);
	return rc;
}

/* Entries per chunk: enough that starting threads costs nothing (~0.3 s of checks). */
#define SCAN_CHUNK 4096

struct scan {
	struct cli_replay *r;
	log_scan_fn fn;
	void *ctx;
	struct buf arena; /* the chunk's entries, back to back */
	size_t off[SCAN_CHUNK], len[SCAN_CHUNK];
	const uint8_t *ptr[SCAN_CHUNK];
	uint64_t first;
	size_t n;
};

static int
scan_flush(struct scan *s, struct arm_err *e)
{
	const struct agreement *a = engine_agreement(s->r->eng);
	size_t i, k = 0;
	int rc = ARM_OK;

	if (s->n == 0)
		return ARM_OK;
	for (i = 0; i < s->n; i++)
		s->ptr[i] = s->arena.data + s->off[i];
	/* Entry 0 brings the agreement whose keys sign the rest. */
	if (a == NULL) {
		ARM_TRY(s->fn(s->ctx, s->first, s->ptr[0], s->len[0], e));
		k = 1;
		a = engine_agreement(s->r->eng);
	}
	if (a != NULL && k < s->n)
		ARM_TRY(cli_replay_precheck(s->r, s->ptr + k, s->len + k, s->n - k, e));
	sigmemo_use(&s->r->sb.memo);
	for (i = k; i < s->n && rc == ARM_OK; i++)
		rc = s->fn(s->ctx, s->first + i, s->ptr[i], s->len[i], e);
	sigmemo_use(NULL);
	sigbatch_clear(&s->r->sb);
	s->n = 0;
	buf_reset(&s->arena);
	return rc;
}

static int
scan_add(void *ctx, uint64_t index, const uint8_t *entry, size_t len, struct arm_err *e)
{
	struct scan *s = ctx;

	if (s->n == 0)
		s->first = index;
	s->off[s->n] = s->arena.len;
	s->len[s->n] = len;
	ARM_TRY(buf_append(&s->arena, entry, len, e));
	if (++s->n == SCAN_CHUNK)
		return scan_flush(s, e);
	return ARM_OK;
}

int
cli_replay_scan(struct cli_replay *r, struct log *l, uint64_t from, uint64_t to, log_scan_fn fn,
                void *ctx, struct arm_err *e)
{
	struct scan *s;
	int rc;

	if (!r->verify)
		return log_scan(l, from, to, fn, ctx, e);
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return arm_err_set(e, ARM_ENOMEM, "replay: out of memory");
	s->r = r;
	s->fn = fn;
	s->ctx = ctx;
	buf_init(&s->arena, (size_t)SCAN_CHUNK * ENTRY_MAX_SIZE);
	rc = log_scan(l, from, to, scan_add, s, e);
	if (rc == ARM_OK) {
		rc = scan_flush(s, e);
	} else if (s->n > 0) {
		/* What was read before a failed read is applied first, as log_scan() would. */
		struct arm_err fe = {ARM_OK, ""};
		if (scan_flush(s, &fe) != ARM_OK && e != NULL)
			*e = fe;
		rc = e != NULL ? (int)e->rc : rc;
	}
	buf_release(&s->arena);
	free(s);
	return rc;
}

int
cli_replay_apply(void *ctx, uint64_t index, const uint8_t *entry, size_t len, struct arm_err *e)
{
	struct cli_replay *r = ctx;

	ARM_TRY(engine_apply_note(r->eng, index, entry, len, e));
	if (index == 0 && r->at.date) {
		r->asof = cli_replay_at_resolve(&r->at, engine_agreement(r->eng));
		r->at.date = false;
		return engine_set_asof(r->eng, r->asof, e);
	}
	return ARM_OK;
}

int
cli_replay_at_parse(const char *s, struct cli_at *at, struct arm_err *e)
{
	memset(at, 0, sizeof(*at));
	at->t = ENGINE_NO_TIME;
	if (strlen(s) == 10 && agreement_date_parse(s, 10, &at->y, &at->m, &at->d) == 0) {
		at->date = true;
		return ARM_OK;
	}
	if (cli_replay_time(s, &at->t, e) != ARM_OK)
		return arm_err_set(
		    e, ARM_EUSAGE,
		    "time '%s' is not a date (YYYY-MM-DD), RFC 3339 or POSIX seconds", s);
	return ARM_OK;
}

int64_t
cli_replay_at_resolve(const struct cli_at *at, const struct agreement *a)
{
	if (!at->date)
		return at->t;
	/* The last second of that day where the parties count days (docs/rules.md). */
	return (agreement_days_from_civil(at->y, at->m, at->d) + 1) * 86400 - 1 -
	       (a != NULL ? a->tz_offset : 0);
}

int
cli_replay_set_at(struct cli_replay *r, const struct cli_at *at, struct arm_err *e)
{
	if (engine_size(r->eng) > 0)
		return arm_err_set(e, ARM_EUSAGE, "the as-of moment is set before the replay");
	if (at->date) {
		r->at = *at;
		return ARM_OK;
	}
	r->asof = at->t;
	return engine_set_asof(r->eng, at->t, e);
}

int
cli_replay_time(const char *s, int64_t *t, struct arm_err *e)
{
	struct entry_time et;
	char *end;
	long long v;

	if (s[0] >= '0' && s[0] <= '9' && strchr(s, '-') == NULL) {
		errno = 0;
		v = strtoll(s, &end, 10);
		if (errno != 0 || *end != '\0')
			return arm_err_set(e, ARM_EUSAGE,
			                   "time '%s' is not POSIX seconds or RFC 3339", s);
		*t = (int64_t)v;
		return ARM_OK;
	}
	ARM_TRY(entry_time_parse(&et, s, strlen(s), e));
	*t = et.t;
	return ARM_OK;
}

int
cli_replay_clock(struct cli_replay *r, uint64_t index, const struct note_signer *logkey,
                 struct buf *note, struct arm_err *e)
{
	struct buf text = BUF_INIT(LOGCLOCK_TEXT_MAX);
	int rc;

	buf_reset(note);
	rc = engine_log_clock(r->eng, index, (int64_t)time(NULL), &text, e);
	if (rc == ARM_OK && text.len > 0)
		rc = note_sign((const char *)text.data, text.len, &logkey, 1, note, e);
	if (rc == ARM_OK && note->len > 0)
		rc = engine_log_check(r->eng, index, note->data, note->len, e);
	buf_release(&text);
	return rc;
}
