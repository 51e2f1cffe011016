/*
 * engine_status.c - statuses: how a commitment's status is derived from
 * its record, the status table (handlers[status][event]) that turns claims,
 * attestations, withdrawals, progress and breaches into changes of that
 * record, and quantities. See engine.h, engine_int.h and docs/rules.md.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine_int.h"

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

bool
eng_status_verified_like(enum engine_status s)
{
	return s == ENGINE_VERIFIED || s == ENGINE_HELD || s == ENGINE_DONE || s == ENGINE_KEPT;
}

static bool
is_reversal(enum engine_status from, enum engine_status to)
{
	return eng_status_verified_like(from) &&
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

size_t
eng_count_ok(const struct engine *eng, size_t c)
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

enum engine_status
eng_derive(const struct engine *eng, size_t c, int64_t *effective)
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

bool
eng_grow(void **p, size_t *cap, size_t need, size_t elem)
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
void
eng_record(struct engine *eng, size_t c, enum engine_status from, enum engine_status to,
           uint64_t index, int64_t t)
{
	struct cstate *s = &eng->cs[c];
	bool rev = is_reversal(from, to);

	if (!eng_grow((void **)&s->hist, &s->caphist, s->nhist + 1, sizeof(*s->hist)) ||
	    !eng_grow((void **)&eng->chg, &eng->capchg, eng->nchg + 1, sizeof(*eng->chg))) {
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
void
eng_recompute(struct engine *eng, size_t c0, uint64_t index, int64_t t)
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
		ns = eng_derive(eng, c, &eff);
		if (ns == s->status && (eff == s->effective || !engine_status_done(ns)))
			continue;
		if (ns != s->status)
			eng_record(eng, c, s->status, ns, index, t);
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
void
eng_initial_statuses(struct engine *eng)
{
	size_t k;

	for (k = 0; k < eng->a.ncommitments; k++) {
		size_t c = eng->a.topo ? eng->a.topo[k] : k;
		int64_t eff;
		eng->cs[c].status = eng_derive(eng, c, &eff);
	}
}

/* ------------------------------------------------------ status handlers */

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
		ARM_TRY(eng_time_after(en, index, x->t, eng->cs[cm->requires[i]].effective,
		                       "its requirement took effect", x->e));
	ARM_TRY(eng_time_after(en, index, x->t, s->reinstated_at,
	                       "the amendment that reinstated it", x->e));
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

	ARM_TRY(eng_time_after(en, index, x->t, s->claimed_at, "the claim it attests", x->e));
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

	ARM_TRY(eng_time_after(en, index, x->t, s->effective, "it took effect", x->e));
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
		eng_free_str(p->value);
		eng_free_str(p->unit);
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

int
eng_dispatch(struct evctx *x, enum ev ev)
{
	enum engine_status st = x->eng->cs[x->c].status;

	if ((unsigned)st >= ENGINE_NSTATUS || (unsigned)ev >= EV_N || handlers[st][ev] == NULL)
		return arm_err_set(x->e, ARM_EUSAGE, "engine: no handler for status %d event %d",
		                   (int)st, (int)ev);
	return handlers[st][ev](x);
}

/* ------------------------------------------------------------- kinds */

int
eng_lookup_commitment(struct engine *eng, const struct entry *en, uint64_t index, size_t *c,
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
int
eng_run_event(struct evctx *x, enum ev ev)
{
	bool was;
	int rc;

	x->apply = false;
	if ((rc = eng_dispatch(x, ev)) != ARM_OK)
		return rc;
	x->apply = true;
	was = policy_met(x->eng, x->c);
	if ((rc = eng_dispatch(x, ev)) != ARM_OK)
		return rc;
	/* verified_at: when the policy was last met (claims for verify: none). */
	if (!was && policy_met(x->eng, x->c))
		x->eng->cs[x->c].verified_at = x->t;
	eng_recompute(x->eng, x->c, x->index, x->t);
	x->eng->cs[x->c].last_index = x->index;
	return ARM_OK;
}

int
eng_apply_claim(struct evctx *x)
{
	const struct agreement_commitment *cm = &x->eng->a.commitments[x->c];
	const struct entry *en = x->en;

	if (eng_owner_slot(cm, x->author) == AGREEMENT_NONE)
		return XRULE(x, "owner-only", "'%s' is not an owner of '%s'", en->author, cm->id);
	return eng_run_event(x, EV_CLAIM);
}

int
eng_apply_withdraw(struct evctx *x)
{
	const struct agreement_commitment *cm = &x->eng->a.commitments[x->c];
	const struct entry *en = x->en;

	if (eng_owner_slot(cm, x->author) == AGREEMENT_NONE)
		return XRULE(x, "owner-only", "'%s' is not an owner of '%s' and cannot withdraw it",
		             en->author, cm->id);
	return eng_run_event(x, EV_WITHDRAW);
}

int
eng_apply_attest(struct evctx *x)
{
	const struct agreement *a = &x->eng->a;
	const struct agreement_commitment *cm = &a->commitments[x->c];
	const struct entry *en = x->en;
	bool listed;

	switch (cm->verify.kind) {
	case AGREEMENT_VERIFY_BY:
		listed = eng_in_list(cm->verify.by, cm->verify.nby, x->author) ||
		         agreement_is_arbiter(a, x->author);
		break;
	case AGREEMENT_VERIFY_MUTUAL:
		listed = eng_owner_slot(cm, x->author) != AGREEMENT_NONE ||
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
	return eng_run_event(x, EV_ATTEST);
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
	return eng_cmp_i64(b, a);
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
void
eng_tranches_update(struct engine *eng, size_t c, uint64_t index, int64_t t)
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
		eng_recompute(eng, k, index, t);
		eng->cs[k].last_index = index;
	}
}
