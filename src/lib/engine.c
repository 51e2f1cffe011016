/*
 * engine.c - the deterministic state engine; see engine.h and docs/rules.md.
 *
 * Shape: every entry is first checked against the rules without touching
 * the state (check_*), and only then turned into commitment events that
 * the status table dispatches: handlers[status][event]. A handler mutates
 * one commitment's record; recompute() then derives statuses again for
 * that commitment, its `together` partners and its dependents, and every
 * status that moved is recorded in the commitment's history. No clock, no
 * I/O: zone membership comes through opts.geo.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "armistice/engine.h"
#include "armistice/log.h"
#include "armistice/logclock.h"
#include "armistice/common.h"

/* An arbiter's verdict on an incident (docs/rules.md "Who decides"). */
enum { ARB_NONE = 0, ARB_CONFIRMED, ARB_DISMISSED };

/* One arbiter member's latest finding on one incident (rare: a side table). */
struct arbfinding {
	size_t inc;    /* incident index */
	size_t member; /* actor index */
	bool confirmed;
	uint64_t index; /* log index of the finding */
};

/* Verdict slots, one per actor, per commitment. */
enum {
	V_NONE = 0,
	V_OK,      /* verified with at least the policy's method */
	V_WEAK,    /* verified, but with a weaker method than the policy asks */
	V_REFUTED, /* refuted: the commitment is disputed while it stands */
};

/* Events a commitment can receive (the columns of the status table). */
enum ev { EV_CLAIM = 0, EV_ATTEST, EV_WITHDRAW, EV_PROGRESS, EV_BREACH, EV_N };

struct cstate {
	enum engine_status status;
	bool withdrawn;
	bool breached;
	uint8_t *claimed; /* per actor index */
	size_t nclaims;
	int64_t claimed_at;
	uint8_t *verdict;      /* per actor index, V_* */
	uint8_t *vmethod;      /* per actor index, enum agreement_method */
	int64_t verified_at;   /* when the policy was last met */
	int64_t effective;     /* latched when it first became done/kept */
	int64_t reinstated_at; /* amendment that reinstated it after a withdrawal */
	size_t nreversals, nbreaches;
	uint64_t last_index;
	struct engine_event *hist;
	size_t nhist, caphist;
	struct engine_progress_item *prog; /* strings owned (malloc) */
	size_t nprog;
	uint8_t arb_last; /* the latest arbiter member's verdict (V_OK/V_WEAK/V_REFUTED), V_NONE */
	int64_t *qsum;    /* quantity: per actor, the sum of its progress values (millionths) */
	struct engine_due_change *duehist; /* amendments that changed its due rule */
	size_t nduehist;
	/* Standing: incidents that violate it (log order) and how many stand confirmed. */
	size_t *viol;
	size_t nviol, capviol, nviol_confirmed;
};

struct incident {
	uint64_t index;
	size_t author;
	uint64_t seq;
	size_t kind;
	size_t actor;
	int64_t occurred;
	int64_t lat_e7, lon_e7;
	bool has_pos;
	bool confirmed; /* current: the arbiter's verdict, else the latest finder's (docs/rules.md)
	                 */
	bool dismissed;
	bool fconfirmed; /* the latest finder's verdict, or reported by a finder */
	bool fdismissed;
	uint8_t arb; /* ARB_NONE, ARB_CONFIRMED, ARB_DISMISSED: the arbiter's verdict */
	/*
	 * The standing commitments it violates (matched at first
	 * confirmation): vcpool[vc .. vc + nvc) of the engine. One pool, not
	 * a malloc per incident: most incidents violate one or none.
	 */
	uint32_t vc;
	uint32_t nvc;
	bool breach_done; /* its breaches were applied (first confirmation) */
	size_t nbreached;
	int64_t logged; /* the log's time when it was sequenced, or ENGINE_NO_TIME */
	bool backdated; /* dated earlier than the log's time by more than the tolerance */
};

struct engine {
	struct engine_opts opts;
	struct agreement a;
	bool have_agreement;
	bool frozen; /* as-of: an amendment dated after the horizon was reached */
	/*
	 * As of a moment before an amendment: the latest agreement dated after
	 * the horizon. It changes no state; the entries after it name it and
	 * are signed by its keys, so they are still checked against it.
	 */
	struct agreement pending;
	bool have_pending;
	uint64_t ncounted; /* entries at or before the horizon (all without one) */
	bool last_counted; /* the last entry applied was at or before the horizon */
	bool stale;        /* log_hooks done() reported a failed batch */
	uint64_t size;     /* entries applied */

	struct cstate *cs;
	size_t ncs;
	size_t **rdeps; /* per commitment: commitments that require it */
	size_t *nrdeps;

	uint64_t *last_seq;  /* per actor */
	size_t *nauthored;   /* per actor */
	size_t *nclaims_by;  /* per actor: accepted claims */
	size_t *nattests_by; /* per actor: attestations and findings */

	struct incident *inc;
	size_t ninc, capinc;
	size_t *vcpool; /* incident -> violated commitments (struct incident vc) */
	size_t nvcpool, capvcpool;
	struct engine_amendment *amends; /* amendments applied, with what they changed */
	size_t namends, capamends;
	struct arbfinding *arbf; /* the arbiter members' latest findings */
	size_t narbf, caparbf;
	size_t *inc_hash; /* open addressing: incident index + 1, 0 = empty */
	size_t inc_hcap;

	struct engine_change *chg;
	size_t nchg, capchg;

	size_t *work; /* recompute() worklist, ncs long */
	uint8_t *inwork;
	size_t *blist; /* collect_breaches() result, ncs long */
	size_t nwork;
	bool oom; /* a history record could not be stored */

	/* The log clock (logclock.h): the latest clock leaf before the next entry. */
	int64_t log_time; /* ENGINE_NO_TIME before the first clock leaf */
	uint64_t log_time_index;
	int64_t prev_log_time; /* before the latest clock leaf, for engine_log_retract() */
	uint64_t prev_log_index;
	size_t nclocks;
	size_t nbackdated;  /* entries flagged backdated */
	bool cur_backdated; /* the entry being applied */
	/* The log clock as of the horizon: the latest clock leaf dated at or before it. */
	int64_t asof_log_time;
	uint64_t asof_log_index;
	size_t asof_nclocks;
};

/* ---------------------------------------------------------------- names */

static const char *const status_names[ENGINE_NSTATUS] = {
    "pending", "open", "claimed", "disputed", "verified",
    "held",    "done", "kept",    "breached", "withdrawn",
};

const char *
engine_status_name(enum engine_status s)
{
	if ((unsigned)s >= ENGINE_NSTATUS)
		return "unknown";
	return status_names[s];
}

bool
engine_status_done(enum engine_status s)
{
	return s == ENGINE_DONE || s == ENGINE_KEPT;
}

static bool
status_verified_like(enum engine_status s)
{
	return s == ENGINE_VERIFIED || s == ENGINE_HELD || s == ENGINE_DONE || s == ENGINE_KEPT;
}

static bool
is_reversal(enum engine_status from, enum engine_status to)
{
	return status_verified_like(from) &&
	       (to == ENGINE_DISPUTED || to == ENGINE_WITHDRAWN || to == ENGINE_BREACHED);
}

int
engine_strength(enum agreement_method best)
{
	switch (best) {
	case AGREEMENT_METHOD_NONE: return 0;
	case AGREEMENT_METHOD_SELF:
	case AGREEMENT_METHOD_MEDIA: return 1;
	case AGREEMENT_METHOD_IMAGERY:
	case AGREEMENT_METHOD_ON_SITE: return 2;
	case AGREEMENT_METHOD_MUTUAL:
	case AGREEMENT_METHOD_TRILATERAL:
	case AGREEMENT_METHOD_FORENSIC:
	case AGREEMENT_METHOD_INVESTIGATION: return 3;
	default: return 0;
	}
}

void
engine_time_utc(int64_t t, char out[21])
{
	struct tm tm;
	time_t tt = (time_t)t;

	out[0] = '\0';
	if (t == ENGINE_NO_TIME || gmtime_r(&tt, &tm) == NULL)
		return;
	if (strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		out[0] = '\0';
}

void
engine_time_local(int64_t t, int32_t offset, char out[26])
{
	char u[21];
	int32_t a = offset < 0 ? -offset : offset;

	out[0] = '\0';
	if (t == ENGINE_NO_TIME)
		return;
	engine_time_utc(t + offset, u);
	if (u[0] == '\0')
		return;
	if (offset == 0) {
		memcpy(out, u, 21);
		return;
	}
	u[19] = '\0'; /* drop the Z */
	snprintf(out, 26, "%.19s%c%02d:%02d", u, offset < 0 ? '-' : '+', (int)(a / 3600 % 24),
	         (int)(a % 3600 / 60));
}

/* ------------------------------------------------------------ lifecycle */

void
engine_opts_init(struct engine_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->asof_time = ENGINE_NO_TIME;
	o->verify_sigs = true;
}

int
engine_new(struct engine **out, const struct engine_opts *opts, struct arm_err *e)
{
	struct engine *eng = calloc(1, sizeof(*eng));

	*out = NULL;
	if (eng == NULL)
		return arm_err_set(e, ARM_ENOMEM, "out of memory creating the state engine");
	if (opts != NULL)
		eng->opts = *opts;
	else
		engine_opts_init(&eng->opts);
	agreement_init(&eng->a);
	eng->log_time = ENGINE_NO_TIME;
	eng->prev_log_time = ENGINE_NO_TIME;
	eng->asof_log_time = ENGINE_NO_TIME;
	agreement_init(&eng->pending);
	*out = eng;
	return ARM_OK;
}

/* The progress strings are owned but typed const for the borrowed view. */
static void
free_str(const char *p)
{
	free((void *)(uintptr_t)p);
}

static void
cstate_release(struct cstate *c)
{
	size_t i;

	free(c->claimed);
	free(c->verdict);
	free(c->vmethod);
	free(c->hist);
	free(c->viol);
	free(c->qsum);
	free(c->duehist);
	for (i = 0; i < c->nprog; i++) {
		free_str(c->prog[i].quantity);
		free_str(c->prog[i].value);
		free_str(c->prog[i].unit);
	}
	free(c->prog);
	memset(c, 0, sizeof(*c));
}

static void
free_tables(struct engine *eng)
{
	size_t i;

	for (i = 0; i < eng->ncs; i++) {
		cstate_release(&eng->cs[i]);
		free(eng->rdeps[i]);
	}
	free(eng->cs);
	free(eng->rdeps);
	free(eng->nrdeps);
	free(eng->last_seq);
	free(eng->nauthored);
	free(eng->nclaims_by);
	free(eng->nattests_by);
	eng->cs = NULL;
	eng->rdeps = NULL;
	eng->nrdeps = NULL;
	eng->last_seq = NULL;
	eng->nauthored = eng->nclaims_by = eng->nattests_by = NULL;
	eng->ncs = 0;
}

/* Sizes the scratch arrays for n commitments; on failure the old ones stay. */
static int
size_work(struct engine *eng, size_t n, struct arm_err *e)
{
	size_t *w, *b;
	uint8_t *f;

	if (n == 0)
		n = 1;
	if ((w = realloc(eng->work, n * sizeof(*w))) == NULL)
		goto oom;
	eng->work = w;
	if ((b = realloc(eng->blist, n * sizeof(*b))) == NULL)
		goto oom;
	eng->blist = b;
	if ((f = realloc(eng->inwork, n)) == NULL)
		goto oom;
	memset(f, 0, n);
	eng->inwork = f;
	eng->nwork = 0;
	return ARM_OK;
oom:
	return arm_err_set(e, ARM_ENOMEM, "out of memory sizing the engine for %zu commitments", n);
}

void
engine_free(struct engine *eng)
{
	if (eng == NULL)
		return;
	free_tables(eng);
	free(eng->work);
	free(eng->inwork);
	free(eng->blist);
	free(eng->vcpool);
	for (size_t i = 0; i < eng->namends; i++)
		free_str(eng->amends[i].changes);
	free(eng->amends);
	free(eng->inc);
	free(eng->arbf);
	free(eng->inc_hash);
	free(eng->chg);
	agreement_release(&eng->a);
	agreement_release(&eng->pending);
	free(eng);
}

const struct agreement *
engine_agreement(const struct engine *eng)
{
	return eng->have_agreement ? &eng->a : NULL;
}

uint64_t
engine_size(const struct engine *eng)
{
	return eng->size;
}

bool
engine_stale(const struct engine *eng)
{
	return eng->stale;
}

size_t
engine_changes(const struct engine *eng, const struct engine_change **out)
{
	*out = eng->chg;
	return eng->nchg;
}

/* Allocates per-commitment and per-actor tables for agreement a (not yet installed). */
static int
alloc_tables(const struct agreement *a, struct cstate **cs_out, size_t ***rdeps_out,
             size_t **nrdeps_out, struct arm_err *e)
{
	struct cstate *cs = calloc(a->ncommitments ? a->ncommitments : 1, sizeof(*cs));
	size_t **rdeps = calloc(a->ncommitments ? a->ncommitments : 1, sizeof(*rdeps));
	size_t *nrdeps = calloc(a->ncommitments ? a->ncommitments : 1, sizeof(*nrdeps));
	size_t i, j, na = a->nactors ? a->nactors : 1;

	if (cs == NULL || rdeps == NULL || nrdeps == NULL)
		goto oom;
	for (i = 0; i < a->ncommitments; i++) {
		cs[i].claimed = calloc(na, 1);
		cs[i].verdict = calloc(na, 1);
		cs[i].vmethod = calloc(na, 1);
		if (cs[i].claimed == NULL || cs[i].verdict == NULL || cs[i].vmethod == NULL)
			goto oom;
		if (a->commitments[i].qty_target > 0 &&
		    (cs[i].qsum = calloc(na, sizeof(int64_t))) == NULL)
			goto oom;
		cs[i].claimed_at = cs[i].verified_at = cs[i].effective = ENGINE_NO_TIME;
		cs[i].reinstated_at = ENGINE_NO_TIME;
		cs[i].last_index = ENGINE_NO_INDEX;
		for (j = 0; j < a->commitments[i].nrequires; j++)
			nrdeps[a->commitments[i].requires[j]]++;
	}
	for (i = 0; i < a->ncommitments; i++) {
		if (nrdeps[i] > 0 && (rdeps[i] = calloc(nrdeps[i], sizeof(size_t))) == NULL)
			goto oom;
		nrdeps[i] = 0;
	}
	for (i = 0; i < a->ncommitments; i++)
		for (j = 0; j < a->commitments[i].nrequires; j++) {
			size_t r = a->commitments[i].requires[j];
			rdeps[r][nrdeps[r]++] = i;
		}
	*cs_out = cs;
	*rdeps_out = rdeps;
	*nrdeps_out = nrdeps;
	return ARM_OK;
oom:
	if (cs != NULL)
		for (i = 0; i < a->ncommitments; i++)
			cstate_release(&cs[i]);
	if (rdeps != NULL)
		for (i = 0; i < a->ncommitments; i++)
			free(rdeps[i]);
	free(cs);
	free(rdeps);
	free(nrdeps);
	return arm_err_set(e, ARM_ENOMEM, "out of memory sizing the state for %zu commitments",
	                   a->ncommitments);
}

/* ----------------------------------------------------- status derivation */

static bool
reqs_met(const struct engine *eng, size_t c)
{
	const struct agreement_commitment *cm = &eng->a.commitments[c];
	size_t i;

	for (i = 0; i < cm->nrequires; i++)
		if (!engine_status_done(eng->cs[cm->requires[i]].status))
			return false;
	return true;
}

static bool
all_claimed(const struct engine *eng, size_t c)
{
	return eng->cs[c].nclaims == eng->a.commitments[c].nowners;
}

/*
 * The arbiter's verdict on commitment c from its members' latest
 * attestations: V_OK when a quorum verified and fewer refuted, V_REFUTED
 * the other way, the latest member's verdict when both reach the quorum,
 * V_NONE otherwise or with no arbiter (docs/rules.md "Who decides").
 */
static uint8_t
arbiter_verdict(const struct engine *eng, size_t c)
{
	const struct agreement_arbiter *ar = &eng->a.arbiter;
	const struct cstate *s = &eng->cs[c];
	size_t i, nv = 0, nr = 0;

	if (ar->nby == 0 || s->arb_last == V_NONE)
		return V_NONE;
	for (i = 0; i < ar->nby; i++) {
		uint8_t v = s->verdict[ar->by[i]];
		nv += v == V_OK || v == V_WEAK;
		nr += v == V_REFUTED;
	}
	if (nv >= ar->quorum && nr >= ar->quorum)
		return s->arb_last == V_REFUTED ? V_REFUTED : V_OK;
	if (nv >= ar->quorum)
		return V_OK;
	if (nr >= ar->quorum)
		return V_REFUTED;
	return V_NONE;
}

/* Disputed: the arbiter refuted it, or, with no arbiter's verdict, any refutation stands. */
static bool
any_refuted(const struct engine *eng, size_t c)
{
	size_t i;
	uint8_t arb = arbiter_verdict(eng, c);

	if (arb != V_NONE)
		return arb == V_REFUTED;
	for (i = 0; i < eng->a.nactors; i++)
		if (eng->cs[c].verdict[i] == V_REFUTED)
			return true;
	return false;
}

static size_t
count_ok(const struct engine *eng, size_t c)
{
	size_t i, n = 0;

	for (i = 0; i < eng->a.nactors; i++)
		n += eng->cs[c].verdict[i] == V_OK;
	return n;
}

/*
 * The verification policy (DESIGN.md §3 `verify`): by = a quorum of the
 * listed verifiers, each with at least the minimum method; mutual = every
 * owner attested (so each owner is verified by the others); none = the
 * claims suffice.
 */
static bool
policy_met(const struct engine *eng, size_t c)
{
	const struct agreement_commitment *cm = &eng->a.commitments[c];
	const struct cstate *s = &eng->cs[c];
	size_t i, n = 0;

	if (!all_claimed(eng, c) || any_refuted(eng, c))
		return false;
	/* The arbiter's verification settles the claim whatever the policy (docs/rules.md). */
	if (arbiter_verdict(eng, c) == V_OK)
		return true;
	switch (cm->verify.kind) {
	case AGREEMENT_VERIFY_NONE: return true;
	case AGREEMENT_VERIFY_BY:
		for (i = 0; i < cm->verify.nby; i++)
			n += s->verdict[cm->verify.by[i]] == V_OK;
		return n >= cm->verify.quorum;
	case AGREEMENT_VERIFY_MUTUAL:
		for (i = 0; i < cm->nowners; i++)
			if (s->verdict[cm->owners[i]] != V_OK)
				return false;
		return cm->nowners >= 2;
	default: return false;
	}
}

/* Every member of c's together group has its policy met and stands. */
static bool
group_ready(const struct engine *eng, size_t c, int64_t *when)
{
	const struct agreement_commitment *cm = &eng->a.commitments[c];
	const struct agreement_together *g;
	int64_t t = eng->cs[c].verified_at;
	size_t i;

	if (cm->together == AGREEMENT_NONE) {
		*when = t;
		return true;
	}
	g = &eng->a.togethers[cm->together];
	for (i = 0; i < g->nmembers; i++) {
		size_t m = g->members[i];
		if (eng->cs[m].withdrawn || !policy_met(eng, m))
			return false;
		if (eng->cs[m].effective == ENGINE_NO_TIME && !reqs_met(eng, m))
			return false;
		if (eng->cs[m].verified_at > t)
			t = eng->cs[m].verified_at;
	}
	*when = t;
	return true;
}

static enum engine_status
derive(const struct engine *eng, size_t c, int64_t *effective)
{
	const struct agreement_commitment *cm = &eng->a.commitments[c];
	const struct cstate *s = &eng->cs[c];
	bool standing = cm->standing.standing;
	int64_t when;

	*effective = s->effective;
	if (s->withdrawn)
		return ENGINE_WITHDRAWN;
	if (standing && s->breached)
		return ENGINE_BREACHED;
	if (cm->tranche_of != AGREEMENT_NONE) {
		/* A tranche is done when enough is verified (docs/rules.md "Quantities and
		 * tranches"). */
		if (s->effective != ENGINE_NO_TIME)
			return ENGINE_DONE;
		if (!reqs_met(eng, c))
			return ENGINE_PENDING;
		if (s->verified_at == ENGINE_NO_TIME)
			return ENGINE_OPEN;
		*effective = s->verified_at;
		return ENGINE_DONE;
	}
	if (!all_claimed(eng, c))
		return reqs_met(eng, c) ? ENGINE_OPEN : ENGINE_PENDING;
	if (any_refuted(eng, c))
		return ENGINE_DISPUTED;
	if (!policy_met(eng, c))
		return ENGINE_CLAIMED;
	if (s->effective != ENGINE_NO_TIME)
		return standing ? ENGINE_KEPT : ENGINE_DONE;
	/* Verified, but a requirement was reversed since the claim. */
	if (!reqs_met(eng, c))
		return ENGINE_VERIFIED;
	if (!group_ready(eng, c, &when))
		return ENGINE_HELD;
	*effective = when;
	return standing ? ENGINE_KEPT : ENGINE_DONE;
}

static bool
grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t ncap;
	void *q;

	if (need <= *cap)
		return true;
	ncap = *cap ? *cap * 2 : 4;
	while (ncap < need)
		ncap *= 2;
	if ((q = realloc(*p, ncap * elem)) == NULL)
		return false;
	*p = q;
	*cap = ncap;
	return true;
}

/*
 * Records a status move in the commitment's history and the change list.
 * Growth can fail only after the rules accepted the entry; then the state
 * can no longer be trusted, so the engine turns stale (engine.h) and the
 * apply reports ARM_ENOMEM.
 */
static void
record(struct engine *eng, size_t c, enum engine_status from, enum engine_status to, uint64_t index,
       int64_t t)
{
	struct cstate *s = &eng->cs[c];
	bool rev = is_reversal(from, to);

	if (!grow((void **)&s->hist, &s->caphist, s->nhist + 1, sizeof(*s->hist)) ||
	    !grow((void **)&eng->chg, &eng->capchg, eng->nchg + 1, sizeof(*eng->chg))) {
		eng->oom = true;
		return;
	}
	s->hist[s->nhist].index = index;
	s->hist[s->nhist].time = t;
	s->hist[s->nhist].from = from;
	s->hist[s->nhist].to = to;
	s->hist[s->nhist].reversal = rev;
	s->hist[s->nhist].logged = eng->log_time;
	s->hist[s->nhist].backdated = eng->cur_backdated;
	s->nhist++;
	eng->chg[eng->nchg].commitment = c;
	eng->chg[eng->nchg].from = from;
	eng->chg[eng->nchg].to = to;
	eng->chg[eng->nchg].reversal = rev;
	eng->nchg++;
	if (rev)
		s->nreversals++;
	s->last_index = index;
}

static void
push_work(struct engine *eng, size_t c)
{
	if (eng->inwork[c])
		return;
	eng->inwork[c] = 1;
	eng->work[eng->nwork++] = c;
}

/*
 * Re-derives the status of c and, when it moved, of everything whose
 * status depends on it: together partners and commitments that require it.
 * A worklist with a membership flag holds each commitment at most once;
 * the guard bounds the loop even if statuses were to oscillate.
 */
static void
recompute(struct engine *eng, size_t c0, uint64_t index, int64_t t)
{
	size_t i, guard = 0, limit = 8 * eng->ncs + 64;

	push_work(eng, c0);
	while (eng->nwork > 0) {
		size_t c = eng->work[--eng->nwork];
		struct cstate *s = &eng->cs[c];
		const struct agreement_commitment *cm = &eng->a.commitments[c];
		int64_t eff;
		enum engine_status ns;

		eng->inwork[c] = 0;
		if (guard++ > limit)
			continue; /* drain without work: cannot happen on an acyclic graph */
		ns = derive(eng, c, &eff);
		if (ns == s->status && (eff == s->effective || !engine_status_done(ns)))
			continue;
		if (ns != s->status)
			record(eng, c, s->status, ns, index, t);
		s->status = ns;
		if (engine_status_done(ns) && s->effective == ENGINE_NO_TIME)
			s->effective = eff;
		if (cm->together != AGREEMENT_NONE) {
			const struct agreement_together *g = &eng->a.togethers[cm->together];
			for (i = 0; i < g->nmembers; i++)
				if (g->members[i] != c)
					push_work(eng, g->members[i]);
		}
		for (i = 0; i < eng->nrdeps[c]; i++)
			push_work(eng, eng->rdeps[c][i]);
	}
}

/* Initial statuses: pending/open from the requires graph, in topological order. */
static void
initial_statuses(struct engine *eng)
{
	size_t k;

	for (k = 0; k < eng->a.ncommitments; k++) {
		size_t c = eng->a.topo ? eng->a.topo[k] : k;
		int64_t eff;
		eng->cs[c].status = derive(eng, c, &eff);
	}
}

/* ------------------------------------------------------------ agreement */

int
engine_set_agreement(struct engine *eng, struct agreement *a, uint64_t index, struct arm_err *e)
{
	struct cstate *cs;
	size_t **rdeps, *nrdeps;
	size_t na;

	if (eng->have_agreement)
		return arm_err_set(e, ARM_ERULE,
		                   "rule agreement-first: entry %llu: the log already holds an "
		                   "agreement; change it with an amendment",
		                   (unsigned long long)index);
	if (index != 0 || eng->size != 0)
		return arm_err_set(
		    e, ARM_ERULE, "rule agreement-first: entry %llu: the agreement must be entry 0",
		    (unsigned long long)index);
	ARM_TRY(size_work(eng, a->ncommitments, e));
	ARM_TRY(alloc_tables(a, &cs, &rdeps, &nrdeps, e));
	na = a->nactors ? a->nactors : 1;
	eng->last_seq = calloc(na, sizeof(uint64_t));
	eng->nauthored = calloc(na, sizeof(size_t));
	eng->nclaims_by = calloc(na, sizeof(size_t));
	eng->nattests_by = calloc(na, sizeof(size_t));
	eng->cs = cs;
	eng->rdeps = rdeps;
	eng->nrdeps = nrdeps;
	eng->ncs = a->ncommitments;
	if (eng->last_seq == NULL || eng->nauthored == NULL || eng->nclaims_by == NULL ||
	    eng->nattests_by == NULL) {
		free_tables(eng);
		return arm_err_set(e, ARM_ENOMEM, "out of memory loading the agreement");
	}
	eng->a = *a; /* moves ownership */
	agreement_init(a);
	eng->have_agreement = true;
	initial_statuses(eng);
	eng->nchg = 0;
	eng->size = 1;
	eng->ncounted = 1;
	eng->last_counted = true;
	return ARM_OK;
}

int
engine_set_asof(struct engine *eng, int64_t t, struct arm_err *e)
{
	if (eng->size > 1)
		return arm_err_set(
		    e, ARM_EUSAGE,
		    "engine: the as-of moment is set before any entry after the agreement "
		    "(%llu applied)",
		    (unsigned long long)eng->size);
	eng->opts.asof_time = t;
	return ARM_OK;
}

uint64_t
engine_counted(const struct engine *eng)
{
	return eng->ncounted;
}

size_t
engine_amendments(const struct engine *eng, const struct engine_amendment **out)
{
	*out = eng->amends;
	return eng->namends;
}

size_t
engine_due_history(const struct engine *eng, size_t c, const struct engine_due_change **out)
{
	*out = NULL;
	if (c >= eng->ncs)
		return 0;
	*out = eng->cs[c].duehist;
	return eng->cs[c].nduehist;
}

int64_t
engine_asof(const struct engine *eng)
{
	return eng->opts.asof_time;
}

bool
engine_last_counted(const struct engine *eng)
{
	return eng->last_counted;
}

/* --------------------------------------------------------------- rules */

/* Formats "entry N (kind by author seq S)" for rule messages. */
static void
entry_name(const struct entry *en, uint64_t index, char *out, size_t cap)
{
	const char *k = entry_kind_name(en->kind);

	if (en->author != NULL)
		snprintf(out, cap, "entry %llu (%s by %s seq %llu)", (unsigned long long)index,
		         k ? k : "?", en->author, (unsigned long long)en->seq);
	else
		snprintf(out, cap, "entry %llu (%s)", (unsigned long long)index, k ? k : "?");
}

#define RULE(e, name, ...) rule_fail((e), (name), en, index, __VA_ARGS__)
/* The same inside a status handler or event context. */
#define XRULE(x, name, ...) rule_fail((x)->e, (name), (x)->en, (x)->index, __VA_ARGS__)

static int rule_fail(struct arm_err *e, const char *rule, const struct entry *en, uint64_t index,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int
rule_fail(struct arm_err *e, const char *rule, const struct entry *en, uint64_t index,
          const char *fmt, ...)
{
	char who[160], what[320];
	va_list ap;

	entry_name(en, index, who, sizeof(who));
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return arm_err_set(e, ARM_ERULE, "rule %s: %s: %s", rule, who, what);
}

static int64_t
event_time(const struct entry *en)
{
	if (en->kind == ENTRY_INCIDENT && en->has_occurred)
		return en->occurred.t;
	return en->has_time ? en->time.t : ENGINE_NO_TIME;
}

/* 1900-01-01T00:00:00Z .. 9999-12-31T23:59:59Z */
#define TIME_MIN (-2208988800LL)
#define TIME_MAX (253402300799LL)

static int
check_times(const struct entry *en, uint64_t index, struct arm_err *e)
{
	char a[21], b[21];

	if (!en->has_time)
		return RULE(e, "time-wellformed", "no time");
	if (en->time.t < TIME_MIN || en->time.t > TIME_MAX)
		return RULE(e, "time-wellformed", "time %lld is outside 1900..9999",
		            (long long)en->time.t);
	if (en->kind == ENTRY_INCIDENT) {
		if (!en->has_occurred)
			return RULE(e, "time-wellformed", "an incident needs 'occurred'");
		if (en->occurred.t < TIME_MIN || en->occurred.t > TIME_MAX)
			return RULE(e, "time-wellformed", "occurred %lld is outside 1900..9999",
			            (long long)en->occurred.t);
		if (en->occurred.t > en->time.t) {
			engine_time_utc(en->occurred.t, a);
			engine_time_utc(en->time.t, b);
			return RULE(e, "time-wellformed",
			            "occurred %s is after the report's own time %s", a, b);
		}
	}
	return ARM_OK;
}

static int
time_after(const struct entry *en, uint64_t index, int64_t t, int64_t dep, const char *what,
           struct arm_err *e)
{
	char a[21], b[21];

	if (dep == ENGINE_NO_TIME || t >= dep)
		return ARM_OK;
	engine_time_utc(t, a);
	engine_time_utc(dep, b);
	return RULE(e, "time-order", "dated %s, before %s at %s", a, what, b);
}

/*
 * The log clock rules (docs/rules.md "The log clock"). With the log's time
 * known (a clock leaf came before), an entry may not be dated later than
 * it by more than log.clock.future: once in the log, a far-future claim
 * could never be attested or refuted (time-order). One dated earlier than
 * it by more than log.clock.backdate is accepted (reports are written
 * after the fact) but flagged. An agreement that writes log.clock needs
 * the log's time for every entry.
 */
static int
check_clock(struct engine *eng, const struct entry *en, uint64_t index, struct arm_err *e)
{
	const struct agreement_log *l = &eng->a.log;
	char a[21], b[21];

	eng->cur_backdated = false;
	if (eng->log_time == ENGINE_NO_TIME) {
		if (l->clock)
			return RULE(
			    e, "clock-missing",
			    "the agreement requires the log's time (log.clock) and no clock leaf "
			    "precedes this entry: append through armistice append or serve");
		return ARM_OK;
	}
	if (en->time.t > eng->log_time + l->clock_future) {
		engine_time_utc(en->time.t, a);
		engine_time_utc(eng->log_time, b);
		return RULE(e, "clock-future",
		            "dated %s, later than the log's time %s by more than the %llds the "
		            "agreement allows (log.clock.future)",
		            a, b, (long long)l->clock_future);
	}
	eng->cur_backdated =
	    l->clock_backdate >= 0 && en->time.t < eng->log_time - l->clock_backdate;
	return ARM_OK;
}

static size_t
owner_slot(const struct agreement_commitment *cm, size_t actor)
{
	size_t i;

	for (i = 0; i < cm->nowners; i++)
		if (cm->owners[i] == actor)
			return i;
	return AGREEMENT_NONE;
}

static bool
in_list(const size_t *l, size_t n, size_t x)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (l[i] == x)
			return true;
	return false;
}

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

static void
inc_hash_put(size_t *tab, size_t cap, const struct incident *inc, size_t i)
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
			inc_hash_put(t, ncap, &eng->inc[i], i);
		free(eng->inc_hash);
		eng->inc_hash = t;
		eng->inc_hcap = ncap;
	}
	return ARM_OK;
}

/* ------------------------------------------------------ status handlers */

/*
 * One event for one commitment. The checks that need the commitment's
 * status live in the handlers, which either refuse (state untouched) or
 * change the record; recompute() derives the new status afterwards.
 */
struct evctx {
	struct engine *eng;
	const struct entry *en;
	uint64_t index;
	size_t c;
	size_t author;
	int64_t t;
	bool apply; /* false: check only */
	struct arm_err *e;
};

typedef int (*handler_fn)(struct evctx *x);

static int
h_refuse_requires(struct evctx *x)
{
	const struct agreement *a = &x->eng->a;
	const struct agreement_commitment *cm = &a->commitments[x->c];
	size_t i;

	for (i = 0; i < cm->nrequires; i++) {
		size_t r = cm->requires[i];
		if (!engine_status_done(x->eng->cs[r].status))
			return XRULE(
			    x, "requires-done", "'%s' requires '%s', which is %s, not done", cm->id,
			    a->commitments[r].id, engine_status_name(x->eng->cs[r].status));
	}
	return XRULE(x, "requires-done", "'%s' is not open", cm->id);
}

static int
h_refuse_not_claimed(struct evctx *x)
{
	const struct agreement_commitment *cm = &x->eng->a.commitments[x->c];

	return XRULE(
	    x, "attest-after-claim",
	    "'%s' is %s: every owner must claim it before it is attested (%zu of %zu claimed)",
	    cm->id, engine_status_name(x->eng->cs[x->c].status), x->eng->cs[x->c].nclaims,
	    cm->nowners);
}

static int
h_refuse_withdrawn(struct evctx *x)
{
	const struct agreement_commitment *cm = &x->eng->a.commitments[x->c];
	const struct entry *en = x->en;

	if (en->kind == ENTRY_CLAIM)
		return XRULE(x, "withdrawn-needs-amendment",
		             "'%s' was withdrawn; it can be claimed again only after an amendment "
		             "signed by every party",
		             cm->id);
	if (en->kind == ENTRY_WITHDRAW)
		return XRULE(x, "withdrawn-needs-amendment", "'%s' is already withdrawn", cm->id);
	return XRULE(x, "withdrawn-needs-amendment", "'%s' is withdrawn", cm->id);
}

static int
h_refuse_claim_again(struct evctx *x)
{
	const struct agreement_commitment *cm = &x->eng->a.commitments[x->c];
	const struct entry *en = x->en;

	return XRULE(x, "claim-once", "'%s' has already claimed '%s' (status %s)", en->author,
	             cm->id, engine_status_name(x->eng->cs[x->c].status));
}

static int
h_claim(struct evctx *x)
{
	struct engine *eng = x->eng;
	const struct agreement_commitment *cm = &eng->a.commitments[x->c];
	struct cstate *s = &eng->cs[x->c];
	const struct entry *en = x->en;
	uint64_t index = x->index;
	size_t i;

	if (s->claimed[x->author])
		return h_refuse_claim_again(x);
	if (s->status == ENGINE_PENDING)
		return h_refuse_requires(x);
	for (i = 0; i < cm->nrequires; i++)
		ARM_TRY(time_after(en, index, x->t, eng->cs[cm->requires[i]].effective,
		                   "its requirement took effect", x->e));
	ARM_TRY(time_after(en, index, x->t, s->reinstated_at, "the amendment that reinstated it",
	                   x->e));
	if (!x->apply)
		return ARM_OK;
	s->claimed[x->author] = 1;
	s->nclaims++;
	if (s->nclaims == cm->nowners)
		s->claimed_at = x->t;
	eng->nclaims_by[x->author]++;
	return ARM_OK;
}

static int
h_attest(struct evctx *x)
{
	struct engine *eng = x->eng;
	const struct agreement_commitment *cm = &eng->a.commitments[x->c];
	struct cstate *s = &eng->cs[x->c];
	const struct entry *en = x->en;
	uint64_t index = x->index;
	uint8_t v;

	ARM_TRY(time_after(en, index, x->t, s->claimed_at, "the claim it attests", x->e));
	if (en->verdict == ENTRY_REFUTED)
		v = V_REFUTED;
	else if (en->verdict == ENTRY_VERIFIED)
		v = (cm->verify.method == AGREEMENT_METHOD_NONE || en->method >= cm->verify.method)
		        ? V_OK
		        : V_WEAK;
	else
		return XRULE(x, "attest-verdict", "an attestation says verified or refuted");
	if (!x->apply)
		return ARM_OK;
	s->verdict[x->author] = v;
	s->vmethod[x->author] = (uint8_t)en->method;
	if (agreement_is_arbiter(&eng->a, x->author))
		s->arb_last = v;
	eng->nattests_by[x->author]++;
	return ARM_OK;
}

static int
h_withdraw(struct evctx *x)
{
	struct cstate *s = &x->eng->cs[x->c];
	const struct entry *en = x->en;
	uint64_t index = x->index;

	ARM_TRY(time_after(en, index, x->t, s->effective, "it took effect", x->e));
	if (!x->apply)
		return ARM_OK;
	s->withdrawn = true;
	return ARM_OK;
}

static int64_t value_micro(const char *s);

static int
h_progress(struct evctx *x)
{
	struct cstate *s = &x->eng->cs[x->c];
	const struct entry *en = x->en;
	struct engine_progress_item *p = NULL;
	size_t i;

	for (i = 0; i < s->nprog; i++)
		if (strcmp(s->prog[i].quantity, en->quantity) == 0)
			p = &s->prog[i];
	if (s->qsum != NULL) {
		const struct agreement_commitment *cm = &x->eng->a.commitments[x->c];
		int64_t v = value_micro(en->value);
		if (en->unit == NULL || strcmp(en->unit, cm->qty_unit) != 0)
			return XRULE(x, "progress-unit", "'%s' counts %s, not %s", cm->id,
			             cm->qty_unit, en->unit ? en->unit : "(no unit)");
		if (v < 0 || s->qsum[x->author] > INT64_MAX / 2 - v)
			return XRULE(x, "progress-quantity", "value '%s' cannot be added up",
			             en->value);
		if (x->apply)
			s->qsum[x->author] += v;
	}
	if (!x->apply)
		return ARM_OK;
	if (p == NULL) {
		struct engine_progress_item *np = realloc(s->prog, (s->nprog + 1) * sizeof(*np));
		if (np == NULL)
			return arm_err_set(x->e, ARM_ENOMEM, "out of memory recording progress");
		s->prog = np;
		p = &s->prog[s->nprog];
		memset(p, 0, sizeof(*p));
		if ((p->quantity = strdup(en->quantity)) == NULL)
			return arm_err_set(x->e, ARM_ENOMEM, "out of memory recording progress");
		s->nprog++;
	}
	{
		char *v = strdup(en->value), *u = strdup(en->unit ? en->unit : "");
		if (v == NULL || u == NULL) {
			free(v);
			free(u);
			return arm_err_set(x->e, ARM_ENOMEM, "out of memory recording progress");
		}
		free_str(p->value);
		free_str(p->unit);
		p->value = v;
		p->unit = u;
	}
	p->index = x->index;
	s->last_index = x->index;
	return ARM_OK;
}

static int
h_breach(struct evctx *x)
{
	struct cstate *s = &x->eng->cs[x->c];

	if (!x->apply)
		return ARM_OK;
	s->breached = true;
	s->nbreaches++;
	return ARM_OK;
}

static int
h_breach_again(struct evctx *x)
{
	if (x->apply)
		x->eng->cs[x->c].nbreaches++;
	return ARM_OK;
}

/* A breaching incident before the commitment is in force changes nothing. */
static int
h_ignore(struct evctx *x)
{
	(void)x;
	return ARM_OK;
}

/*
 * The status machine as data (style-anchors guideline 10): rows are the
 * current status, columns the event. NULL never occurs: every cell names
 * a handler, refusals included.
 */
static const handler_fn handlers[ENGINE_NSTATUS][EV_N] = {
    /*                  CLAIM                 ATTEST                 WITHDRAW            PROGRESS
       BREACH */
    [ENGINE_PENDING] = {h_refuse_requires, h_refuse_not_claimed, h_withdraw, h_progress, h_ignore},
    [ENGINE_OPEN] = {h_claim, h_refuse_not_claimed, h_withdraw, h_progress, h_ignore},
    [ENGINE_CLAIMED] = {h_refuse_claim_again, h_attest, h_withdraw, h_progress, h_ignore},
    [ENGINE_DISPUTED] = {h_refuse_claim_again, h_attest, h_withdraw, h_progress, h_ignore},
    [ENGINE_VERIFIED] = {h_refuse_claim_again, h_attest, h_withdraw, h_progress, h_ignore},
    [ENGINE_HELD] = {h_refuse_claim_again, h_attest, h_withdraw, h_progress, h_ignore},
    [ENGINE_DONE] = {h_refuse_claim_again, h_attest, h_withdraw, h_progress, h_ignore},
    [ENGINE_KEPT] = {h_refuse_claim_again, h_attest, h_withdraw, h_progress, h_breach},
    [ENGINE_BREACHED] = {h_refuse_claim_again, h_attest, h_withdraw, h_progress, h_breach_again},
    [ENGINE_WITHDRAWN] = {h_refuse_withdrawn, h_refuse_withdrawn, h_refuse_withdrawn,
                          h_refuse_withdrawn, h_ignore},
};

static int
dispatch(struct evctx *x, enum ev ev)
{
	enum engine_status st = x->eng->cs[x->c].status;

	if ((unsigned)st >= ENGINE_NSTATUS || (unsigned)ev >= EV_N || handlers[st][ev] == NULL)
		return arm_err_set(x->e, ARM_EUSAGE, "engine: no handler for status %d event %d",
		                   (int)st, (int)ev);
	return handlers[st][ev](x);
}

/* ------------------------------------------------------------- kinds */

static int
lookup_commitment(struct engine *eng, const struct entry *en, uint64_t index, size_t *c,
                  struct arm_err *e)
{
	if (en->commitment == NULL)
		return RULE(e, "commitment-known", "no commitment named");
	*c = agreement_commitment_index(&eng->a, en->commitment);
	if (*c == AGREEMENT_NONE)
		return RULE(e, "commitment-known", "no commitment '%s' in the agreement",
		            en->commitment);
	return ARM_OK;
}

/* Runs the event through the table twice: check, then apply. */
static int
run_event(struct evctx *x, enum ev ev)
{
	bool was;
	int rc;

	x->apply = false;
	if ((rc = dispatch(x, ev)) != ARM_OK)
		return rc;
	x->apply = true;
	was = policy_met(x->eng, x->c);
	if ((rc = dispatch(x, ev)) != ARM_OK)
		return rc;
	/* verified_at: when the policy was last met (claims for verify: none). */
	if (!was && policy_met(x->eng, x->c))
		x->eng->cs[x->c].verified_at = x->t;
	recompute(x->eng, x->c, x->index, x->t);
	x->eng->cs[x->c].last_index = x->index;
	return ARM_OK;
}

static int
apply_claim(struct evctx *x)
{
	const struct agreement_commitment *cm = &x->eng->a.commitments[x->c];
	const struct entry *en = x->en;

	if (owner_slot(cm, x->author) == AGREEMENT_NONE)
		return XRULE(x, "owner-only", "'%s' is not an owner of '%s'", en->author, cm->id);
	return run_event(x, EV_CLAIM);
}

static int
apply_withdraw(struct evctx *x)
{
	const struct agreement_commitment *cm = &x->eng->a.commitments[x->c];
	const struct entry *en = x->en;

	if (owner_slot(cm, x->author) == AGREEMENT_NONE)
		return XRULE(x, "owner-only", "'%s' is not an owner of '%s' and cannot withdraw it",
		             en->author, cm->id);
	return run_event(x, EV_WITHDRAW);
}

static int
apply_attest(struct evctx *x)
{
	const struct agreement *a = &x->eng->a;
	const struct agreement_commitment *cm = &a->commitments[x->c];
	const struct entry *en = x->en;
	bool listed;

	switch (cm->verify.kind) {
	case AGREEMENT_VERIFY_BY:
		listed = in_list(cm->verify.by, cm->verify.nby, x->author) ||
		         agreement_is_arbiter(a, x->author);
		break;
	case AGREEMENT_VERIFY_MUTUAL:
		listed = owner_slot(cm, x->author) != AGREEMENT_NONE ||
		         agreement_is_arbiter(a, x->author);
		break;
	case AGREEMENT_VERIFY_NONE:
		/* Nobody is required; a verifier may still add (or dispute) strength. */
		listed = a->actors[x->author].role == AGREEMENT_VERIFIER ||
		         agreement_is_arbiter(a, x->author);
		break;
	default: listed = false; break;
	}
	if (!listed)
		return XRULE(x, "verifier-only", "'%s' is not a listed verifier of '%s'",
		             en->author, cm->id);
	if (en->method == AGREEMENT_METHOD_NONE)
		return XRULE(x, "attest-method", "an attestation names its method");
	return run_event(x, EV_ATTEST);
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
		    !in_list(cm->standing.breached_by, cm->standing.nbreached_by, inc->kind))
			continue;
		/* A duty to protect is breached whoever the perpetrator; else an owner must be
		 * alleged. */
		if (!cm->standing.protect &&
		    (inc->actor == AGREEMENT_NONE || owner_slot(cm, inc->actor) == AGREEMENT_NONE))
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

static int
cmp_i64(const void *a, const void *b)
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
	qsort(days, k, sizeof(*days), cmp_i64);
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
			(void)dispatch(&x, EV_BREACH); /* breach handlers never refuse */
		}
	} else {
		if (s->nviol_confirmed > 0)
			s->nviol_confirmed--;
		if (s->breached && !standing_met(eng, c))
			s->breached = false; /* the breach withdrawn: the history keeps both */
	}
	recompute(eng, c, index, t);
	s->last_index = index;
}

/* Records the violations found by collect_breaches() and applies them; never refuses. */
static void
apply_breaches(struct engine *eng, struct incident *inc, const size_t *list, size_t n,
               const struct entry *en, uint64_t index, int64_t t)
{
	size_t i;

	if (n > 0 && (eng->nvcpool + n > UINT32_MAX || !grow((void **)&eng->vcpool, &eng->capvcpool,
	                                                     eng->nvcpool + n, sizeof(size_t)))) {
		eng->oom = true;
		return;
	}
	inc->vc = (uint32_t)eng->nvcpool;
	eng->nvcpool += n;
	for (i = 0; i < n; i++) {
		struct cstate *s = &eng->cs[list[i]];
		if (!grow((void **)&s->viol, &s->capviol, s->nviol + 1, sizeof(size_t))) {
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

static int
apply_incident(struct engine *eng, const struct entry *en, uint64_t index, size_t author,
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
	eng->inc[eng->ninc] = inc;
	inc_hash_put(eng->inc_hash, eng->inc_hcap, &eng->inc[eng->ninc], eng->ninc);
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
	if (!grow((void **)&eng->arbf, &eng->caparbf, eng->narbf + 1, sizeof(*eng->arbf)))
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

static int
apply_finding(struct engine *eng, const struct entry *en, uint64_t index, size_t author, int64_t t,
              struct arm_err *e)
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
	ARM_TRY(time_after(en, index, t, inc->occurred, "the incident it finds on", e));
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

/* ------------------------------------------------------------ amendment */

static int
parse_amendment(struct engine *eng, const struct entry *en, uint64_t index, struct agreement *na,
                struct arm_err *e)
{
	int rc;

	if (en->body == NULL || en->body_len == 0)
		return RULE(e, "amend-body", "an amendment carries the new agreement");
	rc = agreement_parse(na, en->body, en->body_len,
	                     eng->opts.fname ? eng->opts.fname : "amendment", eng->opts.read_file,
	                     eng->opts.read_ctx, NULL, e);
	/* Zone files are bound to the amendment by its signed "zone:" lines, as for entry 0. */
	if (rc == ARM_OK && (rc = entry_check_zones(en, na, e)) != ARM_OK)
		agreement_release(na);
	if (rc != ARM_OK)
		arm_err_prefix(e, "entry %llu (amend)", (unsigned long long)index);
	return rc;
}

static size_t
remap_actor(const struct agreement *from, const struct agreement *to, size_t i)
{
	if (i == AGREEMENT_NONE || i >= from->nactors)
		return AGREEMENT_NONE;
	return agreement_actor_index(to, from->actors[i].id);
}

/*
 * Installs the amended agreement. State carries over by id: a commitment
 * kept in the amendment keeps its record; one that was withdrawn is
 * reinstated (every party signed an agreement that still holds it), so it
 * may be claimed again; commitments the amendment drops leave the state
 * (their history stays in the log). Sequence numbers carry over by actor id.
 */
static int
apply_amend(struct engine *eng, const struct entry *en, uint64_t index, int64_t t,
            struct arm_err *e)
{
	struct agreement na;
	struct cstate *cs = NULL;
	size_t **rdeps = NULL, *nrdeps = NULL;
	size_t nna, i, j;
	uint64_t *seq = NULL;
	size_t *c1 = NULL, *c2 = NULL, *c3 = NULL, nch = 0;
	struct buf dbuf = BUF_INIT(1 << 20);
	int rc;

	agreement_init(&na);
	ARM_TRY(parse_amendment(eng, en, index, &na, e));
	if (memcmp(na.id, en->body_id, HASH_SIZE) != 0) {
		agreement_release(&na);
		return RULE(e, "amend-body", "the body's digest is not the new agreement's id");
	}
	/* What it changes, kept for the state (docs/state-json.md amendments). */
	if ((rc = agreement_diff(&eng->a, &na, &dbuf, &nch, e)) != ARM_OK ||
	    !grow((void **)&eng->amends, &eng->capamends, eng->namends + 1, sizeof(*eng->amends))) {
		buf_release(&dbuf);
		agreement_release(&na);
		return rc != ARM_OK
		           ? rc
		           : arm_err_set(e, ARM_ENOMEM, "out of memory applying an amendment");
	}
	if ((rc = alloc_tables(&na, &cs, &rdeps, &nrdeps, e)) != ARM_OK) {
		buf_release(&dbuf);
		agreement_release(&na);
		return rc;
	}
	nna = na.nactors ? na.nactors : 1;
	seq = calloc(nna, sizeof(*seq));
	c1 = calloc(nna, sizeof(*c1));
	c2 = calloc(nna, sizeof(*c2));
	c3 = calloc(nna, sizeof(*c3));
	if (seq == NULL || c1 == NULL || c2 == NULL || c3 == NULL) {
		rc = arm_err_set(e, ARM_ENOMEM, "out of memory applying an amendment");
		goto fail;
	}
	if ((rc = size_work(eng, na.ncommitments > eng->ncs ? na.ncommitments : eng->ncs, e)) !=
	    ARM_OK)
		goto fail;
	for (i = 0; i < eng->a.nactors; i++) {
		size_t k = remap_actor(&eng->a, &na, i);
		if (k == AGREEMENT_NONE)
			continue;
		seq[k] = eng->last_seq[i];
		c1[k] = eng->nauthored[i];
		c2[k] = eng->nclaims_by[i];
		c3[k] = eng->nattests_by[i];
	}
	for (i = 0; i < na.ncommitments; i++) {
		size_t old = agreement_commitment_index(&eng->a, na.commitments[i].id);
		struct cstate *o, *n = &cs[i];
		if (old == AGREEMENT_NONE)
			continue;
		o = &eng->cs[old];
		n->status = o->status;
		n->last_index = o->last_index;
		n->nreversals = o->nreversals;
		n->nbreaches = o->nbreaches;
		/* Move history and progress. */
		n->hist = o->hist;
		n->nhist = o->nhist;
		n->caphist = o->caphist;
		n->prog = o->prog;
		n->nprog = o->nprog;
		o->hist = NULL;
		o->nhist = o->caphist = 0;
		o->prog = NULL;
		o->nprog = 0;
		{
			/* the deadline history: kept, and this amendment's move added */
			char f[112], g[112];
			n->duehist = o->duehist;
			n->nduehist = o->nduehist;
			o->duehist = NULL;
			o->nduehist = 0;
			agreement_due_describe(&eng->a, &eng->a.commitments[old].due, f, sizeof(f));
			agreement_due_describe(&na, &na.commitments[i].due, g, sizeof(g));
			if (strcmp(f, g) != 0) {
				struct engine_due_change *h =
				    realloc(n->duehist, (n->nduehist + 1) * sizeof(*h));
				if (h == NULL) {
					eng->oom = true;
				} else {
					n->duehist = h;
					h[n->nduehist].index = index;
					memcpy(h[n->nduehist].from, f, sizeof(f));
					memcpy(h[n->nduehist].to, g, sizeof(g));
					n->nduehist++;
				}
			}
		}
		if (o->withdrawn) {
			n->reinstated_at = t;
			continue;
		}
		if (o->qsum != NULL && n->qsum != NULL)
			for (j = 0; j < eng->a.nactors; j++) {
				size_t k = remap_actor(&eng->a, &na, j);
				if (k != AGREEMENT_NONE)
					n->qsum[k] = o->qsum[j];
			}
		n->viol = o->viol;
		n->nviol = o->nviol;
		n->capviol = o->capviol;
		n->nviol_confirmed = o->nviol_confirmed;
		o->viol = NULL;
		o->nviol = o->capviol = o->nviol_confirmed = 0;
		n->breached = o->breached;
		n->arb_last = o->arb_last;
		n->claimed_at = o->claimed_at;
		n->verified_at = o->verified_at;
		n->effective = o->effective;
		n->reinstated_at = o->reinstated_at;
		for (j = 0; j < eng->a.nactors; j++) {
			size_t k = remap_actor(&eng->a, &na, j);
			if (k == AGREEMENT_NONE)
				continue;
			if (o->claimed[j] && agreement_is_owner(&na.commitments[i], k)) {
				n->claimed[k] = 1;
				n->nclaims++;
			}
			n->verdict[k] = o->verdict[j];
			n->vmethod[k] = o->vmethod[j];
		}
	}
	/* Incidents: kinds and actors by id. */
	for (i = 0; i < eng->ninc; i++) {
		struct incident *inc = &eng->inc[i];
		size_t k = inc->kind < eng->a.nkinds
		               ? agreement_kind_index(&na, eng->a.kinds[inc->kind].id)
		               : AGREEMENT_NONE;
		inc->kind = k;
		inc->author = remap_actor(&eng->a, &na, inc->author);
		inc->actor = remap_actor(&eng->a, &na, inc->actor);
	}
	for (i = 0; i < eng->narbf; i++)
		eng->arbf[i].member = remap_actor(&eng->a, &na, eng->arbf[i].member);
	/* Violations: commitments by id; one the amendment drops leaves the list. */
	for (i = 0; i < eng->ninc; i++) {
		struct incident *inc = &eng->inc[i];
		size_t k, m = 0, *vc;
		if (inc->nvc == 0)
			continue;
		vc = eng->vcpool + inc->vc;
		for (k = 0; k < inc->nvc; k++) {
			size_t nc =
			    vc[k] < eng->a.ncommitments
			        ? agreement_commitment_index(&na, eng->a.commitments[vc[k]].id)
			        : AGREEMENT_NONE;
			if (nc != AGREEMENT_NONE)
				vc[m++] = nc;
		}
		inc->nvc = (uint32_t)m;
	}
	if (eng->inc_hcap > 0) {
		memset(eng->inc_hash, 0, eng->inc_hcap * sizeof(size_t));
		for (i = 0; i < eng->ninc; i++)
			inc_hash_put(eng->inc_hash, eng->inc_hcap, &eng->inc[i], i);
	}
	{
		struct engine_amendment *am = &eng->amends[eng->namends++];
		am->index = index;
		am->time = t;
		am->nchanges = nch;
		am->changes = (const char *)buf_detach(&dbuf, &am->len);
	}
	free_tables(eng);
	agreement_release(&eng->a);
	eng->a = na;
	eng->cs = cs;
	eng->rdeps = rdeps;
	eng->nrdeps = nrdeps;
	eng->ncs = na.ncommitments;
	eng->last_seq = seq;
	eng->nauthored = c1;
	eng->nclaims_by = c2;
	eng->nattests_by = c3;
	/* Statuses again, in dependency order; moves are history. */
	{
		size_t k;
		for (k = 0; k < eng->a.ncommitments; k++) {
			size_t c = eng->a.topo ? eng->a.topo[k] : k;
			int64_t eff;
			enum engine_status ns = derive(eng, c, &eff);
			if (cs[c].nhist == 0 && cs[c].last_index == ENGINE_NO_INDEX) {
				cs[c].status = ns; /* new commitment: starts here */
				continue;
			}
			if (ns != cs[c].status) {
				record(eng, c, cs[c].status, ns, index, t);
				cs[c].status = ns;
			}
			if (engine_status_done(ns) && cs[c].effective == ENGINE_NO_TIME)
				cs[c].effective = eff;
		}
	}
	return ARM_OK;
fail:
	for (i = 0; i < na.ncommitments; i++) {
		cstate_release(&cs[i]);
		free(rdeps[i]);
	}
	free(cs);
	free(rdeps);
	free(nrdeps);
	free(seq);
	free(c1);
	free(c2);
	free(c3);
	buf_release(&dbuf);
	agreement_release(&na);
	return rc;
}

/* ------------------------------------------------------------ quantities */

/* A canonical entry value (<= 12 digits, <= 6 decimals) in millionths; -1 if not one. */
static int64_t
value_micro(const char *s)
{
	int64_t v = 0, f = 0;
	int nd = 0, nf = 0;

	if (s == NULL)
		return -1;
	for (; *s >= '0' && *s <= '9'; s++, nd++)
		v = v * 10 + (*s - '0');
	if (nd == 0 || nd > 12)
		return -1;
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++, nf++)
			if (nf < 6)
				f = f * 10 + (*s - '0');
	if (*s != '\0' || nf > 6)
		return -1;
	for (; nf < 6; nf++)
		f *= 10;
	return v * 1000000 + f;
}

static int
cmp_i64_desc(const void *a, const void *b)
{
	return cmp_i64(b, a);
}

/*
 * Commitment c's quantity, in millionths: reported = the sum of its owners'
 * progress; verified = the amount that at least `quorum` of its verifiers
 * (or the arbiter's members, as many as its quorum) each reported;
 * with verify: none or mutual, what the owners reported.
 */
void
engine_quantity(const struct engine *eng, size_t c, int64_t *reported, int64_t *verified)
{
	const struct agreement *a = &eng->a;
	const struct agreement_commitment *cm = &a->commitments[c];
	const struct cstate *s = &eng->cs[c];
	int64_t buf[64], *sums = buf, best = 0;
	size_t i, n = 0;

	*reported = *verified = 0;
	if (c >= eng->ncs || s->qsum == NULL)
		return;
	for (i = 0; i < cm->nowners; i++)
		*reported += s->qsum[cm->owners[i]];
	if (cm->verify.kind != AGREEMENT_VERIFY_BY) {
		*verified = *reported;
		return;
	}
	if (cm->verify.nby > ARM_ARRAY_LEN(buf) &&
	    (sums = malloc(cm->verify.nby * sizeof(*sums))) == NULL)
		return; /* nothing counts as verified without memory to count it */
	for (i = 0; i < cm->verify.nby; i++)
		sums[n++] = s->qsum[cm->verify.by[i]];
	qsort(sums, n, sizeof(*sums), cmp_i64_desc);
	if (cm->verify.quorum >= 1 && cm->verify.quorum <= n)
		best = sums[cm->verify.quorum - 1];
	if (sums != buf)
		free(sums);
	if (a->arbiter.nby > 0) {
		int64_t ab[64];
		size_t k = 0;
		for (i = 0; i < a->arbiter.nby && k < ARM_ARRAY_LEN(ab); i++)
			ab[k++] = s->qsum[a->arbiter.by[i]];
		qsort(ab, k, sizeof(*ab), cmp_i64_desc);
		if (a->arbiter.quorum >= 1 && a->arbiter.quorum <= k &&
		    ab[a->arbiter.quorum - 1] > best)
			best = ab[a->arbiter.quorum - 1];
	}
	*verified = best;
}

/* The verified amount a tranche needs: percent of the target, rounded up. */
static int64_t
tranche_need(const struct agreement *a, const struct agreement_commitment *cm)
{
	int64_t t = a->commitments[cm->tranche_of].qty_target;

	return (t / 100) * cm->tranche_pct + ((t % 100) * cm->tranche_pct + 99) / 100;
}

/* After progress on c: every tranche of c whose threshold is now verified takes effect. */
static void
tranches_update(struct engine *eng, size_t c, uint64_t index, int64_t t)
{
	int64_t rep, ver;
	size_t k;

	engine_quantity(eng, c, &rep, &ver);
	for (k = 0; k < eng->a.ncommitments; k++) {
		const struct agreement_commitment *cm = &eng->a.commitments[k];
		if (cm->tranche_of != c || eng->cs[k].verified_at != ENGINE_NO_TIME)
			continue;
		if (ver < tranche_need(&eng->a, cm))
			continue;
		eng->cs[k].verified_at = t;
		recompute(eng, k, index, t);
		eng->cs[k].last_index = index;
	}
}

/*
 * An amendment dated after the as-of horizon: parsed and checked like any
 * (its body is the agreement its digest names), kept as the agreement the
 * entries after it are checked against, and nothing else.
 */
static int
follow_pending(struct engine *eng, const struct entry *en, uint64_t index, struct arm_err *e)
{
	struct agreement na;

	agreement_init(&na);
	ARM_TRY(parse_amendment(eng, en, index, &na, e));
	if (memcmp(na.id, en->body_id, HASH_SIZE) != 0) {
		agreement_release(&na);
		return RULE(e, "amend-body", "the body's digest is not the new agreement's id");
	}
	agreement_release(&eng->pending);
	eng->pending = na;
	eng->have_pending = true;
	return ARM_OK;
}

/* ---------------------------------------------------------------- apply */

static int
apply_inner(struct engine *eng, const struct entry *en, uint64_t index, struct arm_err *e)
{
	size_t author = AGREEMENT_NONE, c;
	int64_t t;
	int rc = ARM_OK;
	bool skip;

	if (index != eng->size)
		return arm_err_set(e, ARM_EUSAGE,
		                   "engine: entry %llu applied out of order (expected %llu)",
		                   (unsigned long long)index, (unsigned long long)eng->size);
	if (en->kind == ENTRY_AGREEMENT) {
		struct agreement a;
		if (eng->have_agreement || index != 0)
			return RULE(
			    e, "agreement-first",
			    "the log already holds an agreement; change it with an amendment");
		agreement_init(&a);
		if (en->body == NULL)
			return RULE(e, "agreement-first",
			            "the agreement entry carries no agreement");
		ARM_TRY(agreement_parse(&a, en->body, en->body_len,
		                        eng->opts.fname ? eng->opts.fname : "agreement",
		                        eng->opts.read_file, eng->opts.read_ctx, NULL, e));
		rc = entry_check_zones(en, &a, e);
		if (rc == ARM_OK)
			rc = engine_set_agreement(eng, &a, index, e);
		agreement_release(&a);
		return rc;
	}
	if (!eng->have_agreement)
		return RULE(e, "agreement-first", "entry 0 must be the agreement");
	if (eng->frozen) {
		/*
		 * As of a moment before an amendment: what follows it was written
		 * under the later agreement. It names that agreement and its
		 * signatures were checked against its keys (engine_apply_note());
		 * further amendments are parsed and followed the same way, so
		 * every --at gives a state, whatever amendments come after.
		 */
		if (memcmp(en->agreement, eng->pending.id, HASH_SIZE) != 0) {
			char want[2 * HASH_SIZE + 1];
			agreement_id_hex(&eng->pending, want);
			return RULE(e, "agreement-id",
			            "it names another agreement than the one in force (%.16s...)",
			            want);
		}
		if (en->kind == ENTRY_AMEND)
			ARM_TRY(follow_pending(eng, en, index, e));
		eng->last_counted = false;
		eng->size++;
		return ARM_OK;
	}
	if (memcmp(en->agreement, eng->a.id, HASH_SIZE) != 0) {
		char want[2 * HASH_SIZE + 1];
		agreement_id_hex(&eng->a, want);
		return RULE(e, "agreement-id",
		            "it names another agreement than the one in force (%.16s...)", want);
	}
	ARM_TRY(check_times(en, index, e));
	ARM_TRY(check_clock(eng, en, index, e));
	t = event_time(en);
	/* log.clock deadlines: log (docs/rules.md): steps take effect when sequenced. */
	if (eng->a.log.clock_deadlines && eng->log_time != ENGINE_NO_TIME &&
	    en->kind != ENTRY_INCIDENT)
		t = eng->log_time;
	if (en->kind == ENTRY_AMEND) {
		if (eng->opts.asof_time != ENGINE_NO_TIME && t > eng->opts.asof_time) {
			ARM_TRY(follow_pending(eng, en, index, e));
			eng->frozen = true;
			eng->last_counted = false;
			eng->size++;
			return ARM_OK;
		}
		ARM_TRY(apply_amend(eng, en, index, t, e));
		eng->last_counted = true;
		eng->ncounted++;
		eng->size++;
		return ARM_OK;
	}
	if (en->author == NULL ||
	    (author = agreement_actor_index(&eng->a, en->author)) == AGREEMENT_NONE)
		return RULE(e, "author-known", "'%s' is not an actor of the agreement",
		            en->author ? en->author : "");
	if (en->seq != eng->last_seq[author] + 1) {
		if (en->seq <= eng->last_seq[author])
			return RULE(e, "seq-order",
			            "seq %llu was already used by '%s' (last %llu): a replayed or "
			            "duplicated entry",
			            (unsigned long long)en->seq, en->author,
			            (unsigned long long)eng->last_seq[author]);
		return RULE(e, "seq-order", "seq %llu skips ahead: '%s' is at %llu, expected %llu",
		            (unsigned long long)en->seq, en->author,
		            (unsigned long long)eng->last_seq[author],
		            (unsigned long long)eng->last_seq[author] + 1);
	}
	skip = eng->opts.asof_time != ENGINE_NO_TIME && t > eng->opts.asof_time;
	if (!skip) {
		struct evctx x = {eng, en, index, 0, author, t, false, e};
		switch (en->kind) {
		case ENTRY_CLAIM:
			if ((rc = lookup_commitment(eng, en, index, &c, e)) == ARM_OK) {
				x.c = c;
				rc = apply_claim(&x);
			}
			break;
		case ENTRY_ATTEST:
			if ((rc = lookup_commitment(eng, en, index, &c, e)) == ARM_OK) {
				x.c = c;
				rc = apply_attest(&x);
			}
			break;
		case ENTRY_WITHDRAW:
			if ((rc = lookup_commitment(eng, en, index, &c, e)) == ARM_OK) {
				x.c = c;
				rc = apply_withdraw(&x);
			}
			break;
		case ENTRY_PROGRESS:
			if (en->quantity == NULL || en->value == NULL)
				rc = RULE(e, "progress-quantity",
				          "a progress report names a quantity and value");
			else if ((rc = lookup_commitment(eng, en, index, &c, e)) == ARM_OK) {
				x.c = c;
				rc = run_event(&x, EV_PROGRESS);
				if (rc == ARM_OK && eng->cs[c].qsum != NULL)
					tranches_update(eng, c, index, t);
			}
			break;
		case ENTRY_INCIDENT: rc = apply_incident(eng, en, index, author, e); break;
		case ENTRY_FINDING: rc = apply_finding(eng, en, index, author, t, e); break;
		case ENTRY_STATEMENT:
			if (en->commitment != NULL)
				rc = lookup_commitment(eng, en, index, &c, e);
			break;
		default:
			rc = RULE(e, "entry-kind", "kind %d cannot be appended", (int)en->kind);
			break;
		}
		if (rc != ARM_OK)
			return rc;
	}
	eng->last_seq[author] = en->seq;
	/* As of a moment, only what happened by then counts (docs/state-json.md). */
	eng->last_counted = !skip;
	if (!skip) {
		eng->nauthored[author]++;
		if (eng->cur_backdated)
			eng->nbackdated++;
		eng->ncounted++;
	}
	eng->size++;
	return ARM_OK;
}

int
engine_apply(struct engine *eng, const struct entry *en, uint64_t index, struct arm_err *e)
{
	int rc;

	eng->nchg = 0;
	if (eng->stale)
		return arm_err_set(
		    e, ARM_ECONFLICT,
		    "engine: entry %llu: the state is out of date (a failed batch or "
		    "allocation); replay the log",
		    (unsigned long long)index);
	rc = apply_inner(eng, en, index, e);
	if (eng->oom) {
		eng->stale = true;
		return arm_err_set(e, ARM_ENOMEM,
		                   "engine: entry %llu: out of memory recording history; the state "
		                   "must be replayed",
		                   (unsigned long long)index);
	}
	return rc;
}

/*
 * A clock leaf (logclock.h): signed by the log key the agreement names
 * (unless the caller trusts an audited log), for this log's origin, at
 * its own index, and never earlier than the clock before it.
 */
static int
apply_clock(struct engine *eng, uint64_t index, const uint8_t *note, size_t len, struct arm_err *e)
{
	struct logclock c;
	char a[21], b[21];
	int rc;

	if (eng->stale)
		return arm_err_set(e, ARM_ECONFLICT,
		                   "engine: entry %llu: the state is out of date; replay the log",
		                   (unsigned long long)index);
	if (index != eng->size)
		return arm_err_set(e, ARM_EUSAGE,
		                   "engine: entry %llu applied out of order (expected %llu)",
		                   (unsigned long long)index, (unsigned long long)eng->size);
	rc = logclock_open(
	    &c, note, len,
	    eng->opts.verify_sigs ? &(eng->have_pending ? &eng->pending : &eng->a)->log.key : NULL,
	    e);
	if (rc != ARM_OK) {
		arm_err_prefix(e, "rule clock-signed: entry %llu", (unsigned long long)index);
		return rc == ARM_EVERIFY ? ARM_EVERIFY : ARM_ERULE;
	}
	if (eng->a.log.origin == NULL ||
	    (strcmp(c.origin, eng->a.log.origin) != 0 &&
	     !(eng->have_pending && strcmp(c.origin, eng->pending.log.origin) == 0)))
		return arm_err_set(
		    e, ARM_ERULE,
		    "rule clock-origin: entry %llu: a clock of log \"%.80s\", not of "
		    "this agreement's log \"%.80s\"",
		    (unsigned long long)index, c.origin,
		    eng->a.log.origin ? eng->a.log.origin : "");
	if (c.index != index)
		return arm_err_set(
		    e, ARM_ERULE,
		    "rule clock-index: entry %llu: a clock leaf written for index %llu "
		    "(a replayed clock)",
		    (unsigned long long)index, (unsigned long long)c.index);
	if (eng->log_time != ENGINE_NO_TIME && c.time < eng->log_time) {
		engine_time_utc(c.time, a);
		engine_time_utc(eng->log_time, b);
		return arm_err_set(
		    e, ARM_ERULE,
		    "rule clock-order: entry %llu: the log's time %s goes back before %s "
		    "(entry %llu)",
		    (unsigned long long)index, a, b, (unsigned long long)eng->log_time_index);
	}
	eng->prev_log_time = eng->log_time;
	eng->prev_log_index = eng->log_time_index;
	eng->log_time = c.time;
	eng->log_time_index = index;
	eng->nclocks++;
	eng->last_counted = eng->opts.asof_time == ENGINE_NO_TIME || c.time <= eng->opts.asof_time;
	if (eng->last_counted) {
		eng->asof_log_time = c.time;
		eng->asof_log_index = index;
		eng->asof_nclocks++;
		eng->ncounted++;
	}
	eng->size++;
	return ARM_OK;
}

int
engine_apply_note(struct engine *eng, uint64_t index, const uint8_t *note, size_t len,
                  struct arm_err *e)
{
	struct entry en;
	int rc;

	entry_init(&en);
	eng->nchg = 0;
	if (eng->have_agreement && logclock_is(note, len))
		return apply_clock(eng, index, note, len, e);
	if (index == 0 && !eng->have_agreement) {
		struct agreement a;
		agreement_init(&a);
		rc = entry_open_agreement(&en, &a, note, len,
		                          eng->opts.fname ? eng->opts.fname : "agreement",
		                          eng->opts.read_file, eng->opts.read_ctx, NULL, e);
		if (rc == ARM_OK)
			rc = engine_set_agreement(eng, &a, index, e);
		agreement_release(&a);
		entry_release(&en);
		return rc;
	}
	if (!eng->have_agreement)
		return arm_err_set(
		    e, ARM_ERULE, "rule agreement-first: entry %llu: entry 0 must be the agreement",
		    (unsigned long long)index);
	if (eng->opts.verify_sigs) {
		/* After an amendment beyond the as-of horizon, its keys sign what follows. */
		rc = entry_open(&en, note, len, eng->have_pending ? &eng->pending : &eng->a, e);
	} else {
		struct note n;
		rc = note_parse(&n, note, len, ENTRY_MAX_SIZE, e);
		if (rc == ARM_OK) {
			rc = entry_parse(&en, (const uint8_t *)n.text, n.text_len, e);
			note_release(&n);
		}
	}
	if (rc != ARM_OK) {
		arm_err_prefix(e, "entry %llu", (unsigned long long)index);
		entry_release(&en);
		return rc;
	}
	rc = engine_apply(eng, &en, index, e);
	entry_release(&en);
	return rc;
}

int
engine_log_check(void *ctx, uint64_t index, const uint8_t *entry, size_t len, struct arm_err *e)
{
	struct engine *eng = ctx;
	bool v = eng->opts.verify_sigs;
	int rc;

	eng->opts.verify_sigs = true;
	rc = engine_apply_note(eng, index, entry, len, e);
	eng->opts.verify_sigs = v;
	return rc;
}

int
engine_log_clock(void *ctx, uint64_t index, int64_t now, struct buf *text, struct arm_err *e)
{
	struct engine *eng = ctx;
	struct logclock c;

	if (!eng->have_agreement || eng->a.log.origin == NULL)
		return ARM_OK; /* entry 0 first: no clock before the agreement */
	memset(&c, 0, sizeof(c));
	if (strlen(eng->a.log.origin) >= sizeof(c.origin))
		return arm_err_set(e, ARM_EUSAGE, "log origin too long for a clock leaf");
	memcpy(c.origin, eng->a.log.origin, strlen(eng->a.log.origin) + 1);
	c.index = index;
	/* The log's time never goes back, whatever the system clock does. */
	c.time = eng->log_time != ENGINE_NO_TIME && now < eng->log_time ? eng->log_time : now;
	return logclock_format(&c, text, e);
}

void
engine_log_retract(void *ctx, uint64_t index)
{
	struct engine *eng = ctx;

	if (eng->size != index + 1 || eng->log_time_index != index || eng->nclocks == 0) {
		eng->stale = true;
		return;
	}
	eng->log_time = eng->prev_log_time;
	eng->log_time_index = eng->prev_log_index;
	eng->prev_log_time = ENGINE_NO_TIME;
	eng->nclocks--;
	eng->size--;
	if (eng->opts.asof_time == ENGINE_NO_TIME) {
		eng->asof_log_time = eng->log_time;
		eng->asof_log_index = eng->log_time_index;
		eng->asof_nclocks = eng->nclocks;
		eng->ncounted--;
	}
}

void
engine_log_hooks(struct engine *eng, struct log_hooks *h)
{
	memset(h, 0, sizeof(*h));
	h->ctx = eng;
	h->check = engine_log_check;
	h->done = engine_log_done;
	h->clock = engine_log_clock;
	h->retract = engine_log_retract;
}

int64_t
engine_log_time(const struct engine *eng, uint64_t *index, size_t *nclocks)
{
	/* As of a moment: the clock leaves dated by then (the same without a horizon). */
	if (index != NULL)
		*index = eng->asof_log_index;
	if (nclocks != NULL)
		*nclocks = eng->asof_nclocks;
	return eng->asof_log_time;
}

size_t
engine_nbackdated(const struct engine *eng)
{
	return eng->nbackdated;
}

void
engine_log_done(void *ctx, uint64_t size, int rc)
{
	struct engine *eng = ctx;

	if (rc != ARM_OK || size != eng->size)
		eng->stale = true;
}

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
	out->nverified = count_ok(eng, c);
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
				if (!status_verified_like(eng->cs[g->members[i]].status)) {
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

/* ---------------------------------------------------------------- copies */

/*
 * The copy's agreement is parsed again from the bytes the original was
 * parsed from (agreement.yaml, owned, and each file zone's GeoJSON, kept
 * as the file's bytes): agreement_parse() is a function of those bytes,
 * so the copy is the same agreement without a deep-copy routine that would
 * have to follow every field of agreement.h. Zone files are served from
 * the original, never read from disk again.
 */
static int
clone_read_zone(void *ctx, const char *rel, struct buf *out, struct arm_err *e)
{
	const struct agreement *src = ctx;
	size_t i;

	for (i = 0; i < src->nzones; i++) {
		const struct agreement_zone *z = &src->zones[i];
		if (z->file != NULL && z->geojson != NULL && strcmp(z->file, rel) == 0)
			return buf_append(out, z->geojson, z->geojson_len, e);
	}
	return arm_err_set(e, ARM_ENOTFOUND, "engine_clone: zone file '%s' is not in the agreement",
	                   rel);
}

static void *
clone_mem(const void *p, size_t n, size_t elem, bool *ok)
{
	void *q;

	if (p == NULL || n == 0)
		return NULL;
	if ((q = malloc(n * elem)) == NULL) {
		*ok = false;
		return NULL;
	}
	memcpy(q, p, n * elem);
	return q;
}

static char *
clone_str(const char *s, bool *ok)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*ok = false;
	return d;
}

static bool
clone_cstate(struct cstate *d, const struct cstate *s, size_t na)
{
	bool ok = true;
	size_t i;

	*d = *s;
	d->claimed = d->verdict = d->vmethod = NULL;
	d->hist = NULL;
	d->prog = NULL;
	d->caphist = d->nprog = 0;
	d->nhist = 0;
	/* Nothing of s stays in d before it is copied: a failure frees d alone. */
	d->qsum = NULL;
	d->duehist = NULL;
	d->nduehist = 0;
	d->viol = NULL;
	d->nviol = d->capviol = 0;
	if ((d->claimed = clone_mem(s->claimed, na, 1, &ok)) == NULL ||
	    (d->verdict = clone_mem(s->verdict, na, 1, &ok)) == NULL ||
	    (d->vmethod = clone_mem(s->vmethod, na, 1, &ok)) == NULL)
		return false;
	if (s->nhist > 0) {
		if ((d->hist = clone_mem(s->hist, s->nhist, sizeof(*s->hist), &ok)) == NULL)
			return false;
		d->nhist = d->caphist = s->nhist;
	}
	if (s->nprog > 0) {
		if ((d->prog = calloc(s->nprog, sizeof(*d->prog))) == NULL)
			return false;
		d->nprog = s->nprog;
		for (i = 0; i < s->nprog; i++) {
			d->prog[i].index = s->prog[i].index;
			d->prog[i].quantity = clone_str(s->prog[i].quantity, &ok);
			d->prog[i].value = clone_str(s->prog[i].value, &ok);
			d->prog[i].unit = clone_str(s->prog[i].unit, &ok);
		}
	}
	if (s->qsum != NULL && (d->qsum = clone_mem(s->qsum, na, sizeof(*s->qsum), &ok)) == NULL)
		return false;
	if (s->nduehist > 0) {
		if ((d->duehist = clone_mem(s->duehist, s->nduehist, sizeof(*s->duehist), &ok)) ==
		    NULL)
			return false;
		d->nduehist = s->nduehist;
	}
	if (s->nviol > 0) {
		if ((d->viol = clone_mem(s->viol, s->nviol, sizeof(*s->viol), &ok)) == NULL)
			return false;
		d->nviol = d->capviol = s->nviol;
	}
	return ok;
}

int
engine_clone(struct engine **out, const struct engine *src, const struct engine_opts *opts,
             struct arm_err *e)
{
	struct engine *d;
	size_t i, na;
	bool ok = true;
	int rc;

	*out = NULL;
	if (src->nwork != 0)
		return arm_err_set(e, ARM_EUSAGE,
		                   "engine_clone: the engine is in the middle of an apply");
	ARM_TRY(engine_new(&d, opts != NULL ? opts : &src->opts, e));
	d->frozen = src->frozen;
	d->stale = src->stale;
	d->oom = src->oom;
	d->size = src->size;
	d->log_time = src->log_time;
	d->log_time_index = src->log_time_index;
	d->prev_log_time = src->prev_log_time;
	d->prev_log_index = src->prev_log_index;
	d->nclocks = src->nclocks;
	d->nbackdated = src->nbackdated;
	d->asof_log_time = src->asof_log_time;
	d->asof_log_index = src->asof_log_index;
	d->asof_nclocks = src->asof_nclocks;
	d->ncounted = src->ncounted;
	d->last_counted = src->last_counted;
	if (!src->have_agreement) {
		*out = d;
		return ARM_OK;
	}
	if ((rc = agreement_parse(&d->a, src->a.yaml, src->a.yaml_len, src->a.file, clone_read_zone,
	                          (void *)(uintptr_t)&src->a, NULL, e)) != ARM_OK) {
		arm_err_prefix(e, "engine_clone");
		engine_free(d);
		return rc;
	}
	d->have_agreement = true;
	if (memcmp(d->a.id, src->a.id, HASH_SIZE) != 0 || d->a.ncommitments != src->ncs ||
	    d->a.nactors != src->a.nactors) {
		engine_free(d);
		return arm_err_set(e, ARM_EVERIFY,
		                   "engine_clone: the agreement did not parse the same");
	}
	if ((rc = size_work(d, src->ncs, e)) != ARM_OK) {
		engine_free(d);
		return rc;
	}
	na = src->a.nactors ? src->a.nactors : 1;
	d->ncs = src->ncs;
	d->cs = calloc(d->ncs ? d->ncs : 1, sizeof(*d->cs));
	d->rdeps = calloc(d->ncs ? d->ncs : 1, sizeof(*d->rdeps));
	d->nrdeps = clone_mem(src->nrdeps, d->ncs ? d->ncs : 1, sizeof(*d->nrdeps), &ok);
	d->last_seq = clone_mem(src->last_seq, na, sizeof(*d->last_seq), &ok);
	d->nauthored = clone_mem(src->nauthored, na, sizeof(*d->nauthored), &ok);
	d->nclaims_by = clone_mem(src->nclaims_by, na, sizeof(*d->nclaims_by), &ok);
	d->nattests_by = clone_mem(src->nattests_by, na, sizeof(*d->nattests_by), &ok);
	if (d->cs == NULL || d->rdeps == NULL || d->nrdeps == NULL || d->last_seq == NULL ||
	    d->nauthored == NULL || d->nclaims_by == NULL || d->nattests_by == NULL)
		ok = false;
	if (d->cs == NULL || d->rdeps == NULL)
		d->ncs = 0; /* so that free_tables() does not walk missing arrays */
	for (i = 0; ok && i < d->ncs; i++) {
		if (!clone_cstate(&d->cs[i], &src->cs[i], na))
			ok = false;
		else if (src->nrdeps[i] > 0 &&
		         (d->rdeps[i] = clone_mem(src->rdeps[i], src->nrdeps[i], sizeof(size_t),
		                                  &ok)) == NULL)
			ok = false;
	}
	if (ok && src->capinc > 0) {
		if ((d->inc = malloc(src->capinc * sizeof(*d->inc))) == NULL)
			ok = false;
		else if (src->ninc > 0)
			memcpy(d->inc, src->inc, src->ninc * sizeof(*d->inc));
		d->ninc = src->ninc;
		d->capinc = src->capinc;
	}
	if (ok && src->inc_hcap > 0) {
		if ((d->inc_hash = clone_mem(src->inc_hash, src->inc_hcap, sizeof(size_t), &ok)) !=
		    NULL)
			d->inc_hcap = src->inc_hcap;
	}
	if (ok && src->nchg > 0) {
		if ((d->chg = clone_mem(src->chg, src->nchg, sizeof(*d->chg), &ok)) != NULL)
			d->nchg = d->capchg = src->nchg;
	}
	if (ok && src->nvcpool > 0) {
		if ((d->vcpool = clone_mem(src->vcpool, src->nvcpool, sizeof(*d->vcpool), &ok)) !=
		    NULL)
			d->nvcpool = d->capvcpool = src->nvcpool;
	}
	if (ok && src->narbf > 0) {
		if ((d->arbf = clone_mem(src->arbf, src->narbf, sizeof(*d->arbf), &ok)) != NULL)
			d->narbf = d->caparbf = src->narbf;
	}
	if (ok && src->namends > 0) {
		if ((d->amends = calloc(src->namends, sizeof(*d->amends))) == NULL) {
			ok = false;
		} else {
			d->capamends = src->namends;
			for (i = 0; i < src->namends; i++) {
				char *c = NULL;
				d->amends[i] = src->amends[i];
				d->amends[i].changes = NULL;
				if (src->amends[i].changes != NULL) {
					if ((c = malloc(src->amends[i].len + 1)) == NULL) {
						ok = false;
						break;
					}
					memcpy(c, src->amends[i].changes, src->amends[i].len);
					c[src->amends[i].len] = '\0';
				}
				d->amends[i].changes = c;
				d->namends = i + 1;
			}
		}
	}
	if (ok && src->have_pending) {
		/* A later agreement followed (not applied) as of a moment before it. */
		if ((rc = agreement_parse(&d->pending, src->pending.yaml, src->pending.yaml_len,
		                          src->pending.file, clone_read_zone,
		                          (void *)(uintptr_t)&src->pending, NULL, e)) != ARM_OK) {
			arm_err_prefix(e, "engine_clone: the pending amendment");
			engine_free(d);
			return rc;
		}
		d->have_pending = true;
	}
	if (!ok) {
		engine_free(d); /* free_tables() walks ncs entries, each NULL-safe */
		return arm_err_set(e, ARM_ENOMEM, "engine_clone: out of memory copying the state");
	}
	*out = d;
	return ARM_OK;
}

size_t
engine_footprint(const struct engine *eng)
{
	size_t n = sizeof(*eng), na, i;

	if (!eng->have_agreement)
		return n;
	na = eng->a.nactors ? eng->a.nactors : 1;
	/* The parsed agreement: its bytes and the structs made from them. */
	n += eng->a.yaml_len * 4;
	for (i = 0; i < eng->a.nzones; i++)
		n += eng->a.zones[i].geojson_len;
	n += eng->ncs * (sizeof(struct cstate) + 3 * na + sizeof(size_t) * 2);
	for (i = 0; i < eng->ncs; i++) {
		n += eng->cs[i].caphist * sizeof(struct engine_event);
		n += eng->cs[i].nprog * (sizeof(struct engine_progress_item) + 64);
		n += eng->nrdeps[i] * sizeof(size_t);
	}
	n += na * 4 * sizeof(uint64_t);
	n += eng->capinc * sizeof(struct incident) + eng->inc_hcap * sizeof(size_t);
	n += eng->capchg * sizeof(struct engine_change);
	return n;
}

int64_t
engine_entry_time(const struct entry *en)
{
	return event_time(en);
}
