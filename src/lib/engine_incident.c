/*
 * engine_incident.c - incidents and places: the incident map, findings and
 * the arbiter's verdicts, standing obligations (violations, thresholds,
 * duties to protect) and the breaches they cause. See docs/rules.md.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine_int.h"

/* --------------------------------------------------------- incident map */

static size_t
inc_hash_of(size_t author, uint64_t seq, size_t cap)
{
	uint64_t h = ((uint64_t)author * 0x9E3779B97F4A7C15ULL) ^ (seq * 0xC2B2AE3D27D4EB4FULL);
	h ^= h >> 29;
	return (size_t)(h & (cap - 1));
}

static size_t
inc_find(const struct engine *eng, size_t author, uint64_t seq)
{
	size_t h, n;

	if (eng->inc_hcap == 0)
		return AGREEMENT_NONE;
	h = inc_hash_of(author, seq, eng->inc_hcap);
	for (n = 0; n < eng->inc_hcap; n++) {
		size_t v = eng->inc_hash[h];
		if (v == 0)
			return AGREEMENT_NONE;
		if (eng->inc[v - 1].author == author && eng->inc[v - 1].seq == seq)
			return v - 1;
		h = (h + 1) & (eng->inc_hcap - 1);
	}
	return AGREEMENT_NONE;
}

void
eng_inc_hash_put(size_t *tab, size_t cap, const struct incident *inc, size_t i)
{
	size_t h = inc_hash_of(inc->author, inc->seq, cap);

	while (tab[h] != 0)
		h = (h + 1) & (cap - 1);
	tab[h] = i + 1;
}

/* Room for one more incident, before the state changes. */
static int
inc_reserve(struct engine *eng, struct arm_err *e)
{
	size_t i;

	if (eng->ninc + 1 > eng->capinc) {
		size_t ncap = eng->capinc ? eng->capinc * 2 : 64;
		struct incident *p = realloc(eng->inc, ncap * sizeof(*p));
		if (p == NULL)
			return arm_err_set(e, ARM_ENOMEM, "out of memory recording incidents");
		eng->inc = p;
		eng->capinc = ncap;
	}
	if ((eng->ninc + 1) * 2 > eng->inc_hcap) {
		size_t ncap = eng->inc_hcap ? eng->inc_hcap * 2 : 128;
		size_t *t = calloc(ncap, sizeof(*t));
		if (t == NULL)
			return arm_err_set(e, ARM_ENOMEM, "out of memory indexing incidents");
		for (i = 0; i < eng->ninc; i++)
			eng_inc_hash_put(t, ncap, &eng->inc[i], i);
		free(eng->inc_hash);
		eng->inc_hash = t;
		eng->inc_hcap = ncap;
	}
	return ARM_OK;
}

/*
 * Applies the breaches an incident causes on first confirmation: every
 * standing commitment in force (kept) whose breached_by lists the
 * incident's kind, that the alleged actor owns, in force when it occurred,
 * and (if the commitment names zones) inside one of them. Zone answers are
 * gathered before anything changes, so a geometry failure changes nothing.
 */
static int
collect_breaches(struct engine *eng, const struct incident *inc, size_t *out, size_t *nout,
                 struct arm_err *e)
{
	const struct agreement *a = &eng->a;
	size_t c, z, n = 0;

	*nout = 0;
	if (inc->kind == AGREEMENT_NONE)
		return ARM_OK;
	for (c = 0; c < a->ncommitments; c++) {
		const struct agreement_commitment *cm = &a->commitments[c];
		const struct cstate *s = &eng->cs[c];
		bool inside;

		if (!cm->standing.standing ||
		    !eng_in_list(cm->standing.breached_by, cm->standing.nbreached_by, inc->kind))
			continue;
		/* A duty to protect is breached whoever the perpetrator; else an owner must be
		 * alleged. */
		if (!cm->standing.protect && (inc->actor == AGREEMENT_NONE ||
		                              eng_owner_slot(cm, inc->actor) == AGREEMENT_NONE))
			continue;
		if (s->status != ENGINE_KEPT && s->status != ENGINE_BREACHED)
			continue;
		if (s->effective == ENGINE_NO_TIME || inc->occurred < s->effective)
			continue;
		if (cm->standing.nzones > 0) {
			inside = false;
			if (!inc->has_pos || eng->opts.geo == NULL ||
			    eng->opts.geo->in_zone == NULL)
				continue;
			for (z = 0; z < cm->standing.nzones && !inside; z++)
				ARM_TRY(eng->opts.geo->in_zone(
				    eng->opts.geo->ctx, a, cm->standing.zones[z],
				    (double)inc->lat_e7 / 1e7, (double)inc->lon_e7 / 1e7, &inside,
				    e));
			if (!inside)
				continue;
		}
		out[n++] = c;
	}
	*nout = n;
	return ARM_OK;
}

int
eng_cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/*
 * Does standing commitment c meet its breach threshold with the
 * violations confirmed now (docs/rules.md "Standing obligations")? No
 * threshold: one confirmed violation. {violations: N, days: D}: N of them
 * occurred within D calendar days (day numbers in the agreement's zone,
 * last minus first < D).
 */
static bool
standing_met(struct engine *eng, size_t c)
{
	const struct agreement_standing *st = &eng->a.commitments[c].standing;
	const struct cstate *s = &eng->cs[c];
	size_t need = st->violations > 1 ? st->violations : 1, i, k = 0;
	int64_t *days;
	bool met = false;

	if (s->nviol_confirmed < need)
		return false;
	if (need == 1)
		return true;
	if ((days = malloc(s->nviol_confirmed * sizeof(*days))) == NULL) {
		eng->oom = true;
		return false;
	}
	for (i = 0; i < s->nviol; i++)
		if (eng->inc[s->viol[i]].confirmed && k < s->nviol_confirmed)
			days[k++] = agreement_day(&eng->a, eng->inc[s->viol[i]].occurred);
	qsort(days, k, sizeof(*days), eng_cmp_i64);
	for (i = 0; i + need <= k && !met; i++)
		met = days[i + need - 1] - days[i] < st->days;
	free(days);
	return met;
}

/*
 * One confirmed violation more (or, with dir < 0, one overturned) of
 * standing commitment c: a breach when the threshold is met (each further
 * confirmed violation of a breached one counts as before), the breach
 * withdrawn when the finding behind it is overturned and the threshold
 * is no longer met. Never refuses.
 */
static void
standing_update(struct engine *eng, size_t c, int dir, const struct entry *en, uint64_t index,
                int64_t t)
{
	struct cstate *s = &eng->cs[c];

	if (dir > 0) {
		s->nviol_confirmed++;
		if (standing_met(eng, c)) {
			struct evctx x = {eng, en, index, c, AGREEMENT_NONE, t, true, NULL};
			(void)eng_dispatch(&x, EV_BREACH); /* breach handlers never refuse */
		}
	} else {
		if (s->nviol_confirmed > 0)
			s->nviol_confirmed--;
		if (s->breached && !standing_met(eng, c))
			s->breached = false; /* the breach withdrawn: the history keeps both */
	}
	eng_recompute(eng, c, index, t);
	s->last_index = index;
}

/* Records the violations found by collect_breaches() and applies them; never refuses. */
static void
apply_breaches(struct engine *eng, struct incident *inc, const size_t *list, size_t n,
               const struct entry *en, uint64_t index, int64_t t)
{
	size_t i;

	if (n > 0 &&
	    (eng->nvcpool + n > UINT32_MAX ||
	     !eng_grow((void **)&eng->vcpool, &eng->capvcpool, eng->nvcpool + n, sizeof(size_t)))) {
		eng->oom = true;
		return;
	}
	inc->vc = (uint32_t)eng->nvcpool;
	eng->nvcpool += n;
	for (i = 0; i < n; i++) {
		struct cstate *s = &eng->cs[list[i]];
		if (!eng_grow((void **)&s->viol, &s->capviol, s->nviol + 1, sizeof(size_t))) {
			eng->oom = true;
			return;
		}
		s->viol[s->nviol++] = (size_t)(inc - eng->inc);
		eng->vcpool[inc->vc + inc->nvc++] = list[i];
		standing_update(eng, list[i], +1, en, index, t);
	}
	inc->nbreached += n;
	inc->breach_done = true;
}

/* An incident whose violations were recorded changed its verdict. */
static void
violations_changed(struct engine *eng, struct incident *inc, bool was, const struct entry *en,
                   uint64_t index, int64_t t)
{
	size_t i;

	if (!inc->breach_done || was == inc->confirmed)
		return;
	for (i = 0; i < inc->nvc; i++)
		if (eng->vcpool[inc->vc + i] < eng->ncs)
			standing_update(eng, eng->vcpool[inc->vc + i], inc->confirmed ? +1 : -1, en,
			                index, t);
}

/*
 * Where an incident with a position lies (engine_geo place): the zones it
 * falls in, kept in zpool, and its signed distance to the reference line.
 * Asked before anything changes, so a geometry failure changes nothing.
 */
static int
place_incident(struct engine *eng, struct incident *inc, struct arm_err *e)
{
	const struct agreement *a = &eng->a;
	const struct engine_geo *g = eng->opts.geo;
	bool *in, has_line = false;
	int64_t line_m = 0;
	size_t z, n = 0;
	int rc;

	if (!inc->has_pos || g == NULL || g->place == NULL ||
	    (a->nzones == 0 && a->line.positive == AGREEMENT_SIDE_NONE))
		return ARM_OK;
	if ((in = calloc(a->nzones + 1, sizeof(*in))) == NULL)
		return arm_err_set(e, ARM_ENOMEM, "out of memory placing an incident");
	rc = g->place(g->ctx, a, (double)inc->lat_e7 / 1e7, (double)inc->lon_e7 / 1e7, in,
	              &has_line, &line_m, e);
	for (z = 0; rc == ARM_OK && z < a->nzones; z++)
		n += in[z];
	if (rc == ARM_OK && n > 0 &&
	    (eng->nzpool + n > UINT32_MAX ||
	     !eng_grow((void **)&eng->zpool, &eng->capzpool, eng->nzpool + n, sizeof(uint16_t))))
		rc = arm_err_set(e, ARM_ENOMEM, "out of memory placing an incident");
	if (rc == ARM_OK) {
		inc->zc = (uint32_t)eng->nzpool;
		inc->nzc = (uint16_t)n;
		for (z = 0; z < a->nzones; z++)
			if (in[z])
				eng->zpool[eng->nzpool++] = (uint16_t)z;
		/* |distance| < 20,038 km, the half circumference: fits 32 bits in metres. */
		inc->has_line = has_line && line_m > INT32_MIN && line_m < INT32_MAX;
		inc->line_m = inc->has_line ? (int32_t)line_m : 0;
	}
	free(in);
	return rc;
}

int
eng_apply_incident(struct engine *eng, const struct entry *en, uint64_t index, size_t author,
                   struct arm_err *e)
{
	struct incident inc;
	size_t kind, actor = AGREEMENT_NONE;
	size_t n = 0;

	kind = en->type ? agreement_kind_index(&eng->a, en->type) : AGREEMENT_NONE;
	if (kind == AGREEMENT_NONE)
		return RULE(e, "kind-known", "no incident kind '%s' in the agreement",
		            en->type ? en->type : "");
	if (en->actor != NULL &&
	    (actor = agreement_actor_index(&eng->a, en->actor)) == AGREEMENT_NONE)
		return RULE(e, "actor-known", "no actor '%s' in the agreement", en->actor);
	memset(&inc, 0, sizeof(inc));
	inc.index = index;
	inc.author = author;
	inc.seq = en->seq;
	inc.kind = kind;
	inc.actor = actor;
	inc.occurred = en->occurred.t;
	inc.has_pos = en->has_position;
	inc.lat_e7 = en->lat_e7;
	inc.lon_e7 = en->lon_e7;
	inc.logged = eng->log_time;
	inc.backdated = eng->cur_backdated;
	/* A finder's own report is its finding (docs/rules.md, "confirmed"). */
	inc.confirmed = agreement_is_finder(&eng->a, author);
	inc.fconfirmed = inc.confirmed;
	ARM_TRY(inc_reserve(eng, e));
	/* The geometry answers before anything changes. */
	if (inc.confirmed)
		ARM_TRY(collect_breaches(eng, &inc, eng->blist, &n, e));
	ARM_TRY(place_incident(eng, &inc, e));
	eng->inc[eng->ninc] = inc;
	eng_inc_hash_put(eng->inc_hash, eng->inc_hcap, &eng->inc[eng->ninc], eng->ninc);
	eng->ninc++;
	if (inc.confirmed) {
		eng->nattests_by[author]++;
		apply_breaches(eng, &eng->inc[eng->ninc - 1], eng->blist, n, en, index,
		               en->occurred.t);
	}
	return ARM_OK;
}

static int
arbf_reserve(struct engine *eng, struct arm_err *e)
{
	if (eng->a.arbiter.nby == 0)
		return ARM_OK;
	if (!eng_grow((void **)&eng->arbf, &eng->caparbf, eng->narbf + 1, sizeof(*eng->arbf)))
		return arm_err_set(e, ARM_ENOMEM, "out of memory recording an arbiter's finding");
	return ARM_OK;
}

/*
 * A finding by `author` on incident i, into *inc (the incident itself when
 * store, else a copy to test what it would do). Precedence (docs/rules.md
 * "Who decides"): the arbiter's verdict, once a quorum of its members'
 * latest findings agree (the latest of them when both verdicts reach it);
 * else the latest finding by a finder; else the finder's own report.
 */
static void
finding_verdict(struct engine *eng, size_t i, struct incident *inc, size_t author, bool confirmed,
                uint64_t index, bool store)
{
	const struct agreement_arbiter *ar = &eng->a.arbiter;
	size_t k, nc = 0, nd = 0, slot = AGREEMENT_NONE;
	bool latest = confirmed;

	if (agreement_finds_by_role(&eng->a, author) || !agreement_is_arbiter(&eng->a, author)) {
		inc->fconfirmed = confirmed;
		inc->fdismissed = !confirmed;
	}
	if (agreement_is_arbiter(&eng->a, author)) {
		for (k = 0; k < eng->narbf; k++)
			if (eng->arbf[k].inc == i && eng->arbf[k].member == author)
				slot = k;
		for (k = 0; k < eng->narbf; k++) {
			bool c;
			if (eng->arbf[k].inc != i)
				continue;
			c = k == slot ? confirmed : eng->arbf[k].confirmed;
			nc += c;
			nd += !c;
		}
		if (slot == AGREEMENT_NONE) {
			nc += confirmed;
			nd += !confirmed;
		}
		if (nc >= ar->quorum && nd >= ar->quorum)
			inc->arb = latest ? ARB_CONFIRMED : ARB_DISMISSED;
		else if (nc >= ar->quorum)
			inc->arb = ARB_CONFIRMED;
		else if (nd >= ar->quorum)
			inc->arb = ARB_DISMISSED;
		else
			inc->arb = ARB_NONE;
		if (store) {
			if (slot == AGREEMENT_NONE) {
				slot = eng->narbf++; /* reserved by arbf_reserve() */
				eng->arbf[slot].inc = i;
				eng->arbf[slot].member = author;
			}
			eng->arbf[slot].confirmed = confirmed;
			eng->arbf[slot].index = index;
		}
	}
	if (inc->arb != ARB_NONE) {
		inc->confirmed = inc->arb == ARB_CONFIRMED;
		inc->dismissed = !inc->confirmed;
	} else {
		inc->confirmed = inc->fconfirmed;
		inc->dismissed = inc->fdismissed;
	}
}

int
eng_apply_finding(struct engine *eng, const struct entry *en, uint64_t index, size_t author,
                  int64_t t, struct arm_err *e)
{
	size_t ia, i, n = 0;
	struct incident *inc, probe;
	bool was;

	if (!agreement_is_finder(&eng->a, author))
		return RULE(e, "verifier-only", "'%s' may not make findings (%s, or the arbiter)",
		            en->author,
		            eng->a.has_finders ? "the agreement's findings.by" : "only verifiers");
	if (!en->has_incident)
		return RULE(e, "incident-known", "a finding names its incident (author/seq)");
	ia = agreement_actor_index(&eng->a, en->incident.author);
	i = ia == AGREEMENT_NONE ? AGREEMENT_NONE : inc_find(eng, ia, en->incident.seq);
	if (i == AGREEMENT_NONE)
		return RULE(e, "incident-known", "no incident '%s/%llu' in the log",
		            en->incident.author, (unsigned long long)en->incident.seq);
	inc = &eng->inc[i];
	ARM_TRY(eng_time_after(en, index, t, inc->occurred, "the incident it finds on", e));
	if (en->verdict != ENTRY_CONFIRMED && en->verdict != ENTRY_DISMISSED)
		return RULE(e, "finding-verdict", "a finding says confirmed or dismissed");
	probe = *inc;
	ARM_TRY(arbf_reserve(eng, e));
	finding_verdict(eng, i, &probe, author, en->verdict == ENTRY_CONFIRMED, index, false);
	if (probe.confirmed && !probe.breach_done)
		ARM_TRY(collect_breaches(eng, &probe, eng->blist, &n, e));
	was = inc->confirmed;
	finding_verdict(eng, i, inc, author, en->verdict == ENTRY_CONFIRMED, index, true);
	if (inc->confirmed && !inc->breach_done)
		apply_breaches(eng, inc, eng->blist, n, en, index, t);
	else
		violations_changed(eng, inc, was, en, index, t);
	eng->nattests_by[author]++;
	return ARM_OK;
}
