/*
 * engine.c - the deterministic state engine; see engine.h and docs/rules.md.
 *
 * Shape: every entry is first checked against the rules without touching
 * the state (check_*), and only then turned into commitment events that
 * the status table dispatches: handlers[status][event]. A handler mutates
 * one commitment's record; eng_recompute() then derives statuses again for
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

#include "engine_int.h"

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
void
eng_free_str(const char *p)
{
	free((void *)(uintptr_t)p);
}

void
eng_cstate_release(struct cstate *c)
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
		eng_free_str(c->prog[i].quantity);
		eng_free_str(c->prog[i].value);
		eng_free_str(c->prog[i].unit);
	}
	free(c->prog);
	memset(c, 0, sizeof(*c));
}

void
eng_free_tables(struct engine *eng)
{
	size_t i;

	for (i = 0; i < eng->ncs; i++) {
		eng_cstate_release(&eng->cs[i]);
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
int
eng_size_work(struct engine *eng, size_t n, struct arm_err *e)
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
	eng_free_tables(eng);
	free(eng->work);
	free(eng->inwork);
	free(eng->blist);
	free(eng->vcpool);
	free(eng->zpool);
	for (size_t i = 0; i < eng->namends; i++)
		eng_free_str(eng->amends[i].changes);
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
int
eng_alloc_tables(const struct agreement *a, struct cstate **cs_out, size_t ***rdeps_out,
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
			eng_cstate_release(&cs[i]);
	if (rdeps != NULL)
		for (i = 0; i < a->ncommitments; i++)
			free(rdeps[i]);
	free(cs);
	free(rdeps);
	free(nrdeps);
	return arm_err_set(e, ARM_ENOMEM, "out of memory sizing the state for %zu commitments",
	                   a->ncommitments);
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
	ARM_TRY(eng_size_work(eng, a->ncommitments, e));
	ARM_TRY(eng_alloc_tables(a, &cs, &rdeps, &nrdeps, e));
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
		eng_free_tables(eng);
		return arm_err_set(e, ARM_ENOMEM, "out of memory loading the agreement");
	}
	eng->a = *a; /* moves ownership */
	agreement_init(a);
	eng->have_agreement = true;
	eng_initial_statuses(eng);
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

int
eng_rule_fail(struct arm_err *e, const char *rule, const struct entry *en, uint64_t index,
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

int
eng_time_after(const struct entry *en, uint64_t index, int64_t t, int64_t dep, const char *what,
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

size_t
eng_owner_slot(const struct agreement_commitment *cm, size_t actor)
{
	size_t i;

	for (i = 0; i < cm->nowners; i++)
		if (cm->owners[i] == actor)
			return i;
	return AGREEMENT_NONE;
}

bool
eng_in_list(const size_t *l, size_t n, size_t x)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (l[i] == x)
			return true;
	return false;
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
	ARM_TRY(eng_parse_amendment(eng, en, index, &na, e));
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
		ARM_TRY(eng_apply_amend(eng, en, index, t, e));
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
			if ((rc = eng_lookup_commitment(eng, en, index, &c, e)) == ARM_OK) {
				x.c = c;
				rc = eng_apply_claim(&x);
			}
			break;
		case ENTRY_ATTEST:
			if ((rc = eng_lookup_commitment(eng, en, index, &c, e)) == ARM_OK) {
				x.c = c;
				rc = eng_apply_attest(&x);
			}
			break;
		case ENTRY_WITHDRAW:
			if ((rc = eng_lookup_commitment(eng, en, index, &c, e)) == ARM_OK) {
				x.c = c;
				rc = eng_apply_withdraw(&x);
			}
			break;
		case ENTRY_PROGRESS:
			if (en->quantity == NULL || en->value == NULL)
				rc = RULE(e, "progress-quantity",
				          "a progress report names a quantity and value");
			else if ((rc = eng_lookup_commitment(eng, en, index, &c, e)) == ARM_OK) {
				x.c = c;
				rc = eng_run_event(&x, EV_PROGRESS);
				if (rc == ARM_OK && eng->cs[c].qsum != NULL)
					eng_tranches_update(eng, c, index, t);
			}
			break;
		case ENTRY_INCIDENT: rc = eng_apply_incident(eng, en, index, author, e); break;
		case ENTRY_FINDING: rc = eng_apply_finding(eng, en, index, author, t, e); break;
		case ENTRY_STATEMENT:
			if (en->commitment != NULL)
				rc = eng_lookup_commitment(eng, en, index, &c, e);
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
	if ((rc = eng_size_work(d, src->ncs, e)) != ARM_OK) {
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
		d->ncs = 0; /* so that eng_free_tables() does not walk missing arrays */
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
	if (ok && src->nzpool > 0) {
		if ((d->zpool = clone_mem(src->zpool, src->nzpool, sizeof(*d->zpool), &ok)) != NULL)
			d->nzpool = d->capzpool = src->nzpool;
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
		engine_free(d); /* eng_free_tables() walks ncs entries, each NULL-safe */
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
	n += eng->capzpool * sizeof(uint16_t);
	n += eng->capchg * sizeof(struct engine_change);
	return n;
}

int64_t
engine_entry_time(const struct entry *en)
{
	return event_time(en);
}
