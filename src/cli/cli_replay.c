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
	r->eng = NULL;
	r->map = NULL;
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
