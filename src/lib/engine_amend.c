/*
 * engine_amend.c - amendments: the new agreement an amendment entry names,
 * how commitments and actors carry over, and what it changed (the
 * semantic diff in engine_amendment). See docs/rules.md "Amendments".
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine_int.h"

/* ------------------------------------------------------------ amendment */

int
eng_parse_amendment(struct engine *eng, const struct entry *en, uint64_t index,
                    struct agreement *na, struct arm_err *e)
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

/* The deadline history moves with the commitment, and this amendment's move is added. */
static void
carry_due_history(struct engine *eng, const struct agreement *na, size_t old, size_t i,
                  struct cstate *o, struct cstate *n, uint64_t index)
{
	char f[112], g[112];

	n->duehist = o->duehist;
	n->nduehist = o->nduehist;
	o->duehist = NULL;
	o->nduehist = 0;
	agreement_due_describe(&eng->a, &eng->a.commitments[old].due, f, sizeof(f));
	agreement_due_describe(na, &na->commitments[i].due, g, sizeof(g));
	if (strcmp(f, g) != 0) {
		struct engine_due_change *h = realloc(n->duehist, (n->nduehist + 1) * sizeof(*h));
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

/*
 * Commitment old of the agreement in force becomes commitment i of na (its
 * record n): status, history, progress, deadlines, and unless it was
 * withdrawn its claims, verdicts, quantities and violations, actors
 * remapped by id.
 */
static void
carry_commitment(struct engine *eng, const struct agreement *na, size_t old, size_t i,
                 struct cstate *n, uint64_t index, int64_t t)
{
	struct cstate *o = &eng->cs[old];
	size_t j;

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
	carry_due_history(eng, na, old, i, o, n, index);
	if (o->withdrawn) {
		n->reinstated_at = t;
		return;
	}
	if (o->qsum != NULL && n->qsum != NULL)
		for (j = 0; j < eng->a.nactors; j++) {
			size_t k = remap_actor(&eng->a, na, j);
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
		size_t k = remap_actor(&eng->a, na, j);
		if (k == AGREEMENT_NONE)
			continue;
		if (o->claimed[j] && agreement_is_owner(&na->commitments[i], k)) {
			n->claimed[k] = 1;
			n->nclaims++;
		}
		n->verdict[k] = o->verdict[j];
		n->vmethod[k] = o->vmethod[j];
	}
}

/* Incidents and findings name kinds, actors, commitments and zones of na, by id. */
static void
remap_incidents(struct engine *eng, const struct agreement *nap)
{
	size_t i;

	/* Incidents: kinds and actors by id. */
	for (i = 0; i < eng->ninc; i++) {
		struct incident *inc = &eng->inc[i];
		size_t k = inc->kind < eng->a.nkinds
		               ? agreement_kind_index(nap, eng->a.kinds[inc->kind].id)
		               : AGREEMENT_NONE;
		inc->kind = k;
		inc->author = remap_actor(&eng->a, nap, inc->author);
		inc->actor = remap_actor(&eng->a, nap, inc->actor);
	}
	for (i = 0; i < eng->narbf; i++)
		eng->arbf[i].member = remap_actor(&eng->a, nap, eng->arbf[i].member);
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
			        ? agreement_commitment_index(nap, eng->a.commitments[vc[k]].id)
			        : AGREEMENT_NONE;
			if (nc != AGREEMENT_NONE)
				vc[m++] = nc;
		}
		inc->nvc = (uint32_t)m;
	}
	/* Places: zones by id (a zone the amendment drops leaves the list); not re-measured. */
	for (i = 0; i < eng->ninc; i++) {
		struct incident *inc = &eng->inc[i];
		uint16_t *zp;
		size_t k, m = 0;
		if (inc->nzc == 0)
			continue; /* zpool may be NULL: no pointer arithmetic on it */
		zp = eng->zpool + inc->zc;
		for (k = 0; k < inc->nzc; k++) {
			size_t nz = zp[k] < eng->a.nzones
			                ? agreement_zone_index(nap, eng->a.zones[zp[k]].id)
			                : AGREEMENT_NONE;
			if (nz != AGREEMENT_NONE)
				zp[m++] = (uint16_t)nz;
		}
		inc->nzc = (uint16_t)m;
	}
	if (eng->inc_hcap > 0) {
		memset(eng->inc_hash, 0, eng->inc_hcap * sizeof(size_t));
		for (i = 0; i < eng->ninc; i++)
			eng_inc_hash_put(eng->inc_hash, eng->inc_hcap, &eng->inc[i], i);
	}
}

/* Statuses derived again under the new agreement, in dependency order; moves are history. */
static void
rederive(struct engine *eng, uint64_t index, int64_t t)
{
	struct cstate *cs = eng->cs;
	size_t k;

	for (k = 0; k < eng->a.ncommitments; k++) {
		size_t c = eng->a.topo ? eng->a.topo[k] : k;
		int64_t eff;
		enum engine_status ns = eng_derive(eng, c, &eff);
		if (cs[c].nhist == 0 && cs[c].last_index == ENGINE_NO_INDEX) {
			cs[c].status = ns; /* new commitment: starts here */
			continue;
		}
		if (ns != cs[c].status) {
			eng_record(eng, c, cs[c].status, ns, index, t);
			cs[c].status = ns;
		}
		if (engine_status_done(ns) && cs[c].effective == ENGINE_NO_TIME)
			cs[c].effective = eff;
	}
}

/*
 * Installs the amended agreement. State carries over by id: a commitment
 * kept in the amendment keeps its record; one that was withdrawn is
 * reinstated (every party signed an agreement that still holds it), so it
 * may be claimed again; commitments the amendment drops leave the state
 * (their history stays in the log). Sequence numbers carry over by actor id.
 */
int
eng_apply_amend(struct engine *eng, const struct entry *en, uint64_t index, int64_t t,
                struct arm_err *e)
{
	struct agreement na;
	struct cstate *cs = NULL;
	size_t **rdeps = NULL, *nrdeps = NULL;
	size_t nna, i;
	uint64_t *seq = NULL;
	size_t *c1 = NULL, *c2 = NULL, *c3 = NULL, nch = 0;
	struct buf dbuf = BUF_INIT(1 << 20);
	int rc;

	agreement_init(&na);
	ARM_TRY(eng_parse_amendment(eng, en, index, &na, e));
	if (memcmp(na.id, en->body_id, HASH_SIZE) != 0) {
		agreement_release(&na);
		return RULE(e, "amend-body", "the body's digest is not the new agreement's id");
	}
	/* What it changes, kept for the state (docs/state-json.md amendments). */
	if ((rc = agreement_diff(&eng->a, &na, &dbuf, &nch, e)) != ARM_OK ||
	    !eng_grow((void **)&eng->amends, &eng->capamends, eng->namends + 1,
	              sizeof(*eng->amends))) {
		buf_release(&dbuf);
		agreement_release(&na);
		return rc != ARM_OK
		           ? rc
		           : arm_err_set(e, ARM_ENOMEM, "out of memory applying an amendment");
	}
	if ((rc = eng_alloc_tables(&na, &cs, &rdeps, &nrdeps, e)) != ARM_OK) {
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
	if ((rc = eng_size_work(eng, na.ncommitments > eng->ncs ? na.ncommitments : eng->ncs, e)) !=
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
		if (old != AGREEMENT_NONE)
			carry_commitment(eng, &na, old, i, &cs[i], index, t);
	}
	remap_incidents(eng, &na);
	{
		struct engine_amendment *am = &eng->amends[eng->namends++];
		am->index = index;
		am->time = t;
		am->nchanges = nch;
		am->changes = (const char *)buf_detach(&dbuf, &am->len);
	}
	eng_free_tables(eng);
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
	rederive(eng, index, t);
	return ARM_OK;
fail:
	for (i = 0; i < na.ncommitments; i++) {
		eng_cstate_release(&cs[i]);
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
