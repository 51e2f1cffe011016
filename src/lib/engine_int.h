/*
 * engine_int.h - the engine's private state, shared by its files:
 *   engine.c           lifecycle, agreement, apply, log hooks, copies
 *   engine_status.c    statuses: derivation, the status table, claims,
 *                      attestations, withdrawals, quantities
 *   engine_incident.c  incidents and places: the incident map, findings,
 *                      arbiters' verdicts, standing obligations, breaches
 *   engine_amend.c     amendments: the new agreement, remapping, diffs
 *   engine_query.c     queries: views, waits, calm, records
 * Not installed; nothing outside src/lib/engine*.c includes it. Every
 * function declared here has the engine's contract (engine.h): no clock,
 * no I/O, errors as values.
 */
#ifndef ARMISTICE_ENGINE_INT_H
#define ARMISTICE_ENGINE_INT_H

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
	/* Places (engine_geo place): zpool[zc .. zc + nzc) and the signed distance, m. */
	bool has_line;
	uint16_t nzc;
	uint32_t zc;
	int32_t line_m;
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
	uint16_t *zpool; /* incident -> zones it falls in (struct incident zc) */
	size_t nzpool, capzpool;
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

/* The status handlers' context. */
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

/* Rule failures (docs/rules.md): "rule NAME: entry N (...): what". */
#define RULE(e, name, ...) eng_rule_fail((e), (name), en, index, __VA_ARGS__)
/* The same inside a status handler or event context. */
#define XRULE(x, name, ...) eng_rule_fail((x)->e, (name), (x)->en, (x)->index, __VA_ARGS__)

int eng_rule_fail(struct arm_err *e, const char *rule, const struct entry *en, uint64_t index,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* engine.c */
void eng_free_str(const char *p);
void eng_cstate_release(struct cstate *c);
void eng_free_tables(struct engine *eng);
int eng_size_work(struct engine *eng, size_t n, struct arm_err *e);
int eng_alloc_tables(const struct agreement *a, struct cstate **cs_out, size_t ***rdeps_out,
                     size_t **nrdeps_out, struct arm_err *e);
int eng_time_after(const struct entry *en, uint64_t index, int64_t t, int64_t dep, const char *what,
                   struct arm_err *e);
size_t eng_owner_slot(const struct agreement_commitment *cm, size_t actor);
bool eng_in_list(const size_t *l, size_t n, size_t x);

/* engine_status.c */
bool eng_status_verified_like(enum engine_status s);
size_t eng_count_ok(const struct engine *eng, size_t c);
enum engine_status eng_derive(const struct engine *eng, size_t c, int64_t *effective);
bool eng_grow(void **p, size_t *cap, size_t need, size_t elem);
void eng_record(struct engine *eng, size_t c, enum engine_status from, enum engine_status to,
                uint64_t index, int64_t t);
void eng_recompute(struct engine *eng, size_t c0, uint64_t index, int64_t t);
void eng_initial_statuses(struct engine *eng);
int eng_dispatch(struct evctx *x, enum ev ev);
int eng_lookup_commitment(struct engine *eng, const struct entry *en, uint64_t index, size_t *c,
                          struct arm_err *e);
int eng_run_event(struct evctx *x, enum ev ev);
int eng_apply_claim(struct evctx *x);
int eng_apply_withdraw(struct evctx *x);
int eng_apply_attest(struct evctx *x);
void eng_tranches_update(struct engine *eng, size_t c, uint64_t index, int64_t t);

/* engine_incident.c */
void eng_inc_hash_put(size_t *tab, size_t cap, const struct incident *inc, size_t i);
int eng_cmp_i64(const void *a, const void *b);
int eng_apply_incident(struct engine *eng, const struct entry *en, uint64_t index, size_t author,
                       struct arm_err *e);
int eng_apply_finding(struct engine *eng, const struct entry *en, uint64_t index, size_t author,
                      int64_t t, struct arm_err *e);

/* engine_amend.c */
int eng_parse_amendment(struct engine *eng, const struct entry *en, uint64_t index,
                        struct agreement *na, struct arm_err *e);
int eng_apply_amend(struct engine *eng, const struct entry *en, uint64_t index, int64_t t,
                    struct arm_err *e);

#endif /* ARMISTICE_ENGINE_INT_H */
