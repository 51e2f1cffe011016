/*
 * engine_query.c - queries on the state: commitment views, who waits on
 * whom, days of calm, incidents and per-actor records. Read-only.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine_int.h"

/* -------------------------------------------------------------- queries */

static int64_t
due_of(const struct engine *eng, size_t c)
{
	const struct agreement_due *d = &eng->a.commitments[c].due;
	int64_t from = ENGINE_NO_TIME;

	/* docs/rules.md "Schedules": by the end of day N, or N hours to the second. */
	if (d->kind == AGREEMENT_DUE_AFTER && d->after < eng->ncs)
		from = eng->cs[d->after].effective;
	return agreement_due_deadline(&eng->a, d, from);
}

static bool
is_overdue(const struct engine *eng, size_t c, int64_t now, int64_t due)
{
	enum engine_status s = eng->cs[c].status;

	if (due == ENGINE_NO_TIME || now < due)
		return false;
	return !(engine_status_done(s) || s == ENGINE_BREACHED || s == ENGINE_WITHDRAWN);
}

int
engine_commitment_view(const struct engine *eng, size_t c, int64_t now, struct engine_cview *out)
{
	const struct cstate *s;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (!eng->have_agreement || c >= eng->ncs)
		return ARM_ENOTFOUND;
	s = &eng->cs[c];
	out->idx = c;
	out->status = s->status;
	out->due = due_of(eng, c);
	out->overdue = is_overdue(eng, c, now, out->due);
	out->effective = s->effective;
	out->late = out->due != ENGINE_NO_TIME && s->effective != ENGINE_NO_TIME &&
	            s->effective >= out->due;
	out->claimed_at = s->claimed_at;
	out->best = AGREEMENT_METHOD_NONE;
	for (i = 0; i < eng->a.nactors; i++) {
		if (s->verdict[i] == V_OK || s->verdict[i] == V_WEAK) {
			if (s->vmethod[i] > out->best)
				out->best = (enum agreement_method)s->vmethod[i];
		}
		if (s->verdict[i] == V_REFUTED)
			out->nrefuted++;
	}
	out->strength = engine_strength(out->best);
	out->nclaims = s->nclaims;
	out->nverified = eng_count_ok(eng, c);
	out->nreversals = s->nreversals;
	out->nbreaches = s->nbreaches;
	out->last_index = s->last_index;
	out->history = s->hist;
	out->nhistory = s->nhist;
	out->nviolations = s->nviol_confirmed;
	out->violations = s->viol;
	out->nviolations_listed = s->nviol;
	return ARM_OK;
}

bool
engine_claimed_by(const struct engine *eng, size_t c, size_t o)
{
	const struct agreement_commitment *cm;

	if (c >= eng->ncs)
		return false;
	cm = &eng->a.commitments[c];
	return o < cm->nowners && eng->cs[c].claimed[cm->owners[o]];
}

void
engine_progress(const struct engine *eng, size_t phase, size_t *done, size_t *total)
{
	size_t c;

	*done = *total = 0;
	for (c = 0; c < eng->ncs; c++) {
		if (phase != AGREEMENT_NONE && eng->a.commitments[c].phase != phase)
			continue;
		(*total)++;
		*done += engine_status_done(eng->cs[c].status);
	}
}

size_t
engine_wait_chain(const struct engine *eng, size_t c, size_t *chain, size_t max)
{
	size_t n = 0, guard;

	if (c >= eng->ncs || max == 0 || engine_status_done(eng->cs[c].status))
		return 0;
	chain[n++] = c;
	for (guard = 0; guard < eng->ncs && n < max; guard++) {
		const struct agreement_commitment *cm = &eng->a.commitments[c];
		size_t i, next = AGREEMENT_NONE;
		/* A held commitment waits on the first partner not yet verified. */
		if (eng->cs[c].status == ENGINE_HELD && cm->together != AGREEMENT_NONE) {
			const struct agreement_together *g = &eng->a.togethers[cm->together];
			for (i = 0; i < g->nmembers; i++)
				if (!eng_status_verified_like(eng->cs[g->members[i]].status)) {
					next = g->members[i];
					break;
				}
			if (next == AGREEMENT_NONE)
				break;
			chain[n++] = next;
			c = next;
			continue;
		}
		/* Only a commitment that cannot move yet waits on its requirements. */
		if (eng->cs[c].status != ENGINE_PENDING && eng->cs[c].status != ENGINE_VERIFIED)
			break;
		for (i = 0; i < cm->nrequires; i++)
			if (!engine_status_done(eng->cs[cm->requires[i]].status)) {
				next = cm->requires[i];
				break;
			}
		if (next == AGREEMENT_NONE)
			break;
		chain[n++] = next;
		c = next;
	}
	return n;
}

static size_t
add_unique(size_t *out, size_t n, size_t max, size_t x)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (out[i] == x)
			return n;
	if (n < max)
		out[n++] = x;
	return n;
}

static int
cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

size_t
engine_waiting_on(const struct engine *eng, size_t c, size_t *out, size_t max)
{
	const struct agreement_commitment *cm;
	const struct cstate *s;
	size_t n = 0, i;

	if (c >= eng->ncs)
		return 0;
	cm = &eng->a.commitments[c];
	s = &eng->cs[c];
	switch (s->status) {
	case ENGINE_PENDING:
	case ENGINE_VERIFIED: {
		size_t chain[64];
		size_t k = engine_wait_chain(eng, c, chain, ARM_ARRAY_LEN(chain));
		if (k > 1 && chain[k - 1] != c)
			return engine_waiting_on(eng, chain[k - 1], out, max);
		break;
	}
	case ENGINE_OPEN:
		for (i = 0; i < cm->nowners; i++)
			if (!s->claimed[cm->owners[i]])
				n = add_unique(out, n, max, cm->owners[i]);
		break;
	case ENGINE_CLAIMED:
		if (cm->verify.kind == AGREEMENT_VERIFY_BY) {
			for (i = 0; i < cm->verify.nby; i++)
				if (s->verdict[cm->verify.by[i]] != V_OK)
					n = add_unique(out, n, max, cm->verify.by[i]);
		} else if (cm->verify.kind == AGREEMENT_VERIFY_MUTUAL) {
			for (i = 0; i < cm->nowners; i++)
				if (s->verdict[cm->owners[i]] != V_OK)
					n = add_unique(out, n, max, cm->owners[i]);
		}
		break;
	case ENGINE_DISPUTED:
		for (i = 0; i < eng->a.nactors; i++)
			if (s->verdict[i] == V_REFUTED)
				n = add_unique(out, n, max, i);
		break;
	case ENGINE_HELD: {
		const struct agreement_together *g = &eng->a.togethers[cm->together];
		for (i = 0; i < g->nmembers; i++) {
			size_t m = g->members[i], tmp[64], k, j;
			if (m == c || eng->cs[m].status == ENGINE_HELD)
				continue;
			k = engine_waiting_on(eng, m, tmp, ARM_ARRAY_LEN(tmp));
			for (j = 0; j < k; j++)
				n = add_unique(out, n, max, tmp[j]);
		}
		break;
	}
	case ENGINE_WITHDRAWN:
		for (i = 0; i < eng->a.nactors; i++)
			if (eng->a.actors[i].role == AGREEMENT_PARTY)
				n = add_unique(out, n, max, i);
		break;
	case ENGINE_DONE:
	case ENGINE_KEPT:
	case ENGINE_BREACHED:
	default: break;
	}
	qsort(out, n, sizeof(*out), cmp_size);
	return n;
}

/* Local calendar day number of instant t in a zone offset seconds east of UTC. */
static int64_t
local_day(int64_t t, int32_t offset)
{
	int64_t s = t + offset;
	int64_t d = s / 86400;

	if (s % 86400 < 0)
		d--;
	return d;
}

int64_t
engine_count_days(const struct engine *eng, int64_t from, int64_t to)
{
	int64_t n = local_day(to, eng->a.tz_offset) - local_day(from, eng->a.tz_offset);

	return eng->a.inclusive ? n + 1 : n;
}

int
engine_calm(const struct engine *eng, int64_t now, struct engine_calm *out, struct arm_err *e)
{
	size_t i, last = AGREEMENT_NONE;
	int64_t prev = ENGINE_NO_TIME;

	memset(out, 0, sizeof(*out));
	out->tz_offset = eng->a.tz_offset;
	out->inclusive = eng->a.inclusive;
	out->longest_gap = -1;
	out->index = ENGINE_NO_INDEX;
	out->occurred = ENGINE_NO_TIME;
	/*
	 * Incidents arrive in log order, not time order (historical imports),
	 * so walk them in order of occurrence through a sorted index.
	 */
	{
		size_t *ord = NULL, n = 0;
		if (eng->ninc > 0 && (ord = malloc(eng->ninc * sizeof(*ord))) == NULL)
			/* Not a day count from half the incidents: a wrong "days of calm" is worse.
			 */
			return arm_err_set(e, ARM_ENOMEM, "out of memory ordering %zu incidents",
			                   eng->ninc);
		for (i = 0; i < eng->ninc; i++) {
			const struct incident *inc = &eng->inc[i];
			if (!inc->confirmed || inc->kind == AGREEMENT_NONE ||
			    !eng->a.kinds[inc->kind].provocation || inc->occurred > now)
				continue;
			ord[n++] = i;
		}
		/* insertion sort by (occurred, index): stable and deterministic */
		for (i = 1; i < n; i++) {
			size_t v = ord[i], j = i;
			while (j > 0 && (eng->inc[ord[j - 1]].occurred > eng->inc[v].occurred ||
			                 (eng->inc[ord[j - 1]].occurred == eng->inc[v].occurred &&
			                  eng->inc[ord[j - 1]].index > eng->inc[v].index))) {
				ord[j] = ord[j - 1];
				j--;
			}
			ord[j] = v;
		}
		for (i = 0; i < n; i++) {
			const struct incident *inc = &eng->inc[ord[i]];
			if (prev != ENGINE_NO_TIME) {
				int64_t gap = engine_count_days(eng, prev, inc->occurred);
				if (gap > out->longest_gap)
					out->longest_gap = gap;
			}
			prev = inc->occurred;
			last = ord[i];
		}
		out->confirmed = n;
		free(ord);
	}
	if (last == AGREEMENT_NONE)
		return ARM_OK;
	out->found = true;
	out->index = eng->inc[last].index;
	out->occurred = eng->inc[last].occurred;
	out->type = eng->a.kinds[eng->inc[last].kind].id;
	out->days = engine_count_days(eng, out->occurred, now);
	return ARM_OK;
}

size_t
engine_nincidents(const struct engine *eng)
{
	return eng->ninc;
}

void
engine_km_text(int64_t m, char out[24])
{
	uint64_t a = m < 0 ? (uint64_t)(-(m + 1)) + 1 : (uint64_t)m;

	snprintf(out, 24, "%s%llu.%03llu", m < 0 ? "-" : "", (unsigned long long)(a / 1000),
	         (unsigned long long)(a % 1000));
}

void
engine_incident(const struct engine *eng, size_t i, struct engine_incident *out)
{
	const struct incident *inc;

	memset(out, 0, sizeof(*out));
	if (i >= eng->ninc)
		return;
	inc = &eng->inc[i];
	out->index = inc->index;
	out->author = inc->author;
	out->seq = inc->seq;
	out->kind = inc->kind;
	out->actor = inc->actor;
	out->occurred = inc->occurred;
	out->confirmed = inc->confirmed;
	out->dismissed = inc->dismissed;
	out->nbreached = inc->nbreached;
	out->has_pos = inc->has_pos;
	out->lat_e7 = inc->lat_e7;
	out->lon_e7 = inc->lon_e7;
	out->logged = inc->logged;
	out->backdated = inc->backdated;
	out->zones = inc->nzc ? eng->zpool + inc->zc : NULL;
	out->nzones = inc->nzc;
	out->has_line = inc->has_line;
	out->line_m = inc->line_m;
}

void
engine_record(const struct engine *eng, size_t actor, int64_t now, struct engine_record *out)
{
	size_t c, i;

	memset(out, 0, sizeof(*out));
	if (!eng->have_agreement || actor >= eng->a.nactors)
		return;
	for (c = 0; c < eng->ncs; c++) {
		const struct agreement_commitment *cm = &eng->a.commitments[c];
		const struct cstate *s = &eng->cs[c];
		if (!agreement_is_owner(cm, actor))
			continue;
		out->owned++;
		out->done += engine_status_done(s->status);
		out->disputed += s->status == ENGINE_DISPUTED;
		out->withdrawn += s->status == ENGINE_WITHDRAWN;
		out->overdue += is_overdue(eng, c, now, due_of(eng, c));
		out->breaches += s->nbreaches;
		out->reversals += s->nreversals;
	}
	for (i = 0; i < eng->ninc; i++)
		if (eng->inc[i].actor == actor && eng->inc[i].confirmed &&
		    eng->inc[i].occurred <= now)
			out->incidents_alleged++;
	out->claims = eng->nclaims_by[actor];
	out->attests = eng->nattests_by[actor];
	out->entries = eng->nauthored[actor];
}

size_t
engine_progress_items(const struct engine *eng, size_t c, const struct engine_progress_item **out)
{
	if (c >= eng->ncs) {
		*out = NULL;
		return 0;
	}
	*out = eng->cs[c].prog;
	return eng->cs[c].nprog;
}
