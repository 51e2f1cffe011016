/*
 * engine.h - the deterministic state engine: state = f(agreement, entries).
 *
 * The engine replays signed entries (entry.h) against the agreement
 * (agreement.h) in log order and keeps, for every commitment, its status
 * (DESIGN.md §3): pending, open, claimed, disputed, verified, held, done,
 * kept or breached (standing commitments), withdrawn, plus an overdue flag
 * evaluated against an explicit `now` that the caller passes. There is no
 * clock and no I/O inside: two parties that replay the same log get the
 * same state, byte for byte (engine_state_json()).
 *
 * Every entry passes the rules (docs/rules.md) before it changes anything.
 * engine_apply() refuses with ARM_ERULE and one line
 * "rule <name>: entry <index> (<kind> by <author> seq <n>): ..." and leaves
 * the state exactly as it was. The status machine is a table of
 * (status, event) -> handler (src/lib/engine.c), each handler pure.
 *
 * As of a past moment: open the engine with opts.asof_time set (or call
 * engine_set_asof() right after entry 0, when the moment depends on the
 * agreement's time zone) and replay the whole log; entries whose event
 * time (an incident's `occurred`, else `time`) is later are still
 * sequence-checked but change nothing, and the replay stops changing state
 * at the first amendment dated later. What follows that amendment names
 * the later agreement: it is still checked (agreement id, signatures
 * against the later agreement's keys, amendment bodies), never applied.
 * The `time-order` rule (an entry is never dated before what it depends
 * on) makes this filter sound. As of a log index N: replay entries [0, N).
 *
 * Places: standing commitments limited to zones ask opts.geo whether an
 * incident's position lies in a zone, through a function pointer, so the
 * engine stays pure and needs no GEOS (src/lib/geo.c provides one).
 *
 * Ownership: struct engine is opaque, returned to the caller by
 * engine_new() and freed by engine_free() (NULL-safe). It owns its
 * agreement (the one of entry 0, or the latest amendment). Pointers it
 * returns are borrowed and valid until the next engine_apply*() or
 * engine_free().
 */
#ifndef ARMISTICE_ENGINE_H
#define ARMISTICE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agreement.h"
#include "buf.h"
#include "entry.h"
#include "err.h"

struct engine; /* opaque */

#define ENGINE_NO_TIME INT64_MIN
#define ENGINE_NO_INDEX UINT64_MAX

enum engine_status {
	ENGINE_PENDING = 0, /* a `requires` is not done yet */
	ENGINE_OPEN,        /* may be claimed; some owners may have claimed */
	ENGINE_CLAIMED,     /* every owner claimed; verification not complete */
	ENGINE_DISPUTED,    /* a refuting attestation is outstanding */
	ENGINE_VERIFIED,    /* verification policy met (no `together` group) */
	ENGINE_HELD,        /* verified, a `together` partner is not yet */
	ENGINE_DONE,        /* verified and every `together` partner verified */
	ENGINE_KEPT,        /* standing commitment in force, not breached */
	ENGINE_BREACHED, /* standing: its confirmed violations meet its threshold (docs/rules.md) */
	ENGINE_WITHDRAWN, /* withdrawn by an owner; claims need an amendment */
	ENGINE_NSTATUS
};

/* "pending", "open", ...; stable, used in JSON. */
const char *engine_status_name(enum engine_status s);

/* Does s count as done for `requires` and for progress ("step N of M")? */
bool engine_status_done(enum engine_status s);

/*
 * Zone membership for a point, answered by the geometry module. inside is
 * set to whether (lat, lon) in WGS-84 degrees lies in zone `zone` (an
 * index into a->zones). Must be pure and deterministic.
 */
struct engine_geo {
	int (*in_zone)(void *ctx, const struct agreement *a, size_t zone, double lat, double lon,
	               bool *inside, struct arm_err *e);
	void *ctx;
	/*
	 * Places (docs/rules.md "Places"), may be NULL: for each zone of a,
	 * whether (lat, lon) lies in it (in_zone[0..a->nzones)), and if a
	 * names a reference line, *has_line and the signed distance to it in
	 * metres (geo_engine_place() in geo.h). Asked once per incident with
	 * a position, when it is applied, against the agreement then in force.
	 * Last, so that {in_zone, ctx} initializers leave it NULL.
	 */
	int (*place)(void *ctx, const struct agreement *a, double lat, double lon, bool *in_zone,
	             bool *has_line, int64_t *line_m, struct arm_err *e);
};

struct engine_opts {
	/* Event-time horizon (UTC seconds), or ENGINE_NO_TIME for all. */
	int64_t asof_time;
	/*
	 * engine_apply_note(): check each entry's signatures (entry_open) or
	 * trust the log and only parse (a replay of a log that log_verify()
	 * already checked). Appends always check.
	 */
	bool verify_sigs;
	const struct engine_geo *geo; /* borrowed; NULL: zone-limited breaches never match */
	agreement_read_fn read_file;  /* zone files of entry 0 and amendments; may be NULL */
	void *read_ctx;
	const char *fname; /* agreement name in messages, may be NULL */
};

/* Defaults: no horizon, verify_sigs true, no geo, no zone files. */
void engine_opts_init(struct engine_opts *o);

/*
 * Creates an engine with no agreement yet (entry 0 loads it). opts is
 * copied (the pointers in it stay borrowed). *out returned to the caller.
 */
int engine_new(struct engine **out, const struct engine_opts *opts,
               struct arm_err *e) ARM_MUST_CHECK;
void engine_free(struct engine *eng);

/*
 * Loads the agreement directly (tests, and callers that already opened
 * entry 0 with entry_open_agreement()). a is consumed: its contents move
 * into the engine and *a is left empty. index is the log index (0).
 */
int engine_set_agreement(struct engine *eng, struct agreement *a, uint64_t index,
                         struct arm_err *e) ARM_MUST_CHECK;

/* The agreement in force, or NULL before entry 0. Borrowed. */
const struct agreement *engine_agreement(const struct engine *eng);

/* Entries applied so far (the next expected index). */
uint64_t engine_size(const struct engine *eng);

/*
 * The as-of moment, set after entry 0 and before any other entry (a date
 * typed as a day ends at midnight in the agreement's zone, known only once
 * entry 0 is read). ARM_EUSAGE later.
 */
int engine_set_asof(struct engine *eng, int64_t t, struct arm_err *e) ARM_MUST_CHECK;

/*
 * Entries that count as of the moment: the agreement, clock leaves dated
 * at or before it, entries whose event time is at or before it (all of
 * them without a moment). engine_last_counted(): did the last entry
 * applied count (a timeline as of a moment lists only those)?
 */
uint64_t engine_counted(const struct engine *eng);
/* The as-of moment, or ENGINE_NO_TIME. */
int64_t engine_asof(const struct engine *eng);
bool engine_last_counted(const struct engine *eng);

/*
 * Applies one parsed entry at log index `index` (must equal
 * engine_size()). The entry's signatures are the caller's business
 * (entry_open()). ARM_ERULE (or ARM_ESYNTAX for an amendment body that
 * does not parse, ARM_ENOMEM) with the state unchanged on refusal.
 */
int engine_apply(struct engine *eng, const struct entry *en, uint64_t index,
                 struct arm_err *e) ARM_MUST_CHECK;

/*
 * Applies one log entry (a signed note, borrowed): entry 0 is opened as
 * the agreement, later ones with entry_open() against the agreement in
 * force (or only parsed, if !opts.verify_sigs), then engine_apply().
 */
int engine_apply_note(struct engine *eng, uint64_t index, const uint8_t *note, size_t len,
                      struct arm_err *e) ARM_MUST_CHECK;

/*
 * The log's rules hook (log.h struct log_hooks): ctx is a struct engine
 * that already holds every committed entry. check() applies the entry
 * with signatures checked whatever opts.verify_sigs says. done() with a
 * failed batch marks the engine stale: every later check() refuses with
 * ARM_ECONFLICT until the caller replays the log into a fresh engine.
 */
int engine_log_check(void *ctx, uint64_t index, const uint8_t *entry, size_t len,
                     struct arm_err *e);
void engine_log_done(void *ctx, uint64_t size, int rc);
bool engine_stale(const struct engine *eng);

/*
 * The log clock (logclock.h). engine_log_clock() is the log's clock hook:
 * the text of the clock leaf at index for the sequencer's time now, never
 * earlier than the clock before it (nothing before the agreement).
 * engine_log_retract() forgets the clock leaf at index that its batch
 * dropped (no entry accepted). engine_log_hooks() fills h with check,
 * done, clock and retract on eng: what a writer passes to log_open().
 *
 * Replayed, a clock leaf (a signed note whose text starts
 * "armistice/clock/v1") must be signed by the agreement's log key (when
 * opts.verify_sigs), name its log's origin and its own index, and not go
 * back in time (rules clock-signed, clock-origin, clock-index,
 * clock-order). It changes no commitment; it sets the log's time that the
 * entries after it are judged by (rules clock-missing, clock-future; the
 * backdated flag; log.clock.deadlines).
 */
struct log_hooks;
int engine_log_clock(void *ctx, uint64_t index, int64_t now, struct buf *text, struct arm_err *e);
void engine_log_retract(void *ctx, uint64_t index);
void engine_log_hooks(struct engine *eng, struct log_hooks *h);

/*
 * The log's time (ENGINE_NO_TIME before any clock leaf), its leaf's index
 * and the clock leaves seen; as of a moment, only the leaves dated by then.
 */
int64_t engine_log_time(const struct engine *eng, uint64_t *index, size_t *nclocks);
/* Entries flagged backdated (dated before the log's time by more than log.clock.backdate). */
size_t engine_nbackdated(const struct engine *eng);

/* ---- what the last successful apply changed (for timelines) ---- */

struct engine_change {
	size_t commitment; /* index in the agreement in force */
	enum engine_status from, to;
	bool reversal; /* a done/kept step undone (withdraw, refute, breach) */
};
/* Borrowed array of the changes made by the last engine_apply*(). */
size_t engine_changes(const struct engine *eng, const struct engine_change **out);

/* ---- queries; `now` (UTC seconds) only decides overdue and day counts ---- */

/* One status change in a commitment's history. */
struct engine_event {
	uint64_t index; /* log index of the entry that caused it */
	int64_t time;   /* that entry's event time */
	enum engine_status from, to;
	bool reversal;
	int64_t logged; /* the log's time when it was sequenced, or ENGINE_NO_TIME */
	bool backdated; /* the entry was flagged backdated (log.clock.backdate) */
};

struct engine_cview {
	size_t idx; /* commitment index in the agreement in force */
	enum engine_status status;
	bool overdue;               /* now >= due and not done/kept/breached/withdrawn */
	bool late;                  /* took effect after its due time */
	int64_t due;                /* UTC seconds, or ENGINE_NO_TIME (none or not yet known) */
	int64_t effective;          /* when it took effect (done/kept), or ENGINE_NO_TIME */
	int64_t claimed_at;         /* when the last owner claimed, or ENGINE_NO_TIME */
	int strength;               /* 0..3, see engine_strength() */
	enum agreement_method best; /* strongest method of a standing `verified` attestation */
	size_t nclaims;             /* owners who have claimed */
	size_t nverified;           /* attestations counting toward the policy */
	size_t nrefuted;            /* outstanding refutations */
	size_t nreversals;
	size_t nbreaches;
	uint64_t last_index;                /* last entry that touched it, or ENGINE_NO_INDEX */
	const struct engine_event *history; /* borrowed, in log order */
	size_t nhistory;
	/*
	 * Standing: the incidents that violate it (engine_incident() indices,
	 * log order, borrowed), confirmed or overturned since, and how many
	 * stand confirmed (docs/rules.md "Standing obligations").
	 */
	size_t nviolations;
	const size_t *violations;
	size_t nviolations_listed;
};

int engine_commitment_view(const struct engine *eng, size_t c, int64_t now,
                           struct engine_cview *out) ARM_MUST_CHECK;

/* Has owner slot `o` (index into c->owners) claimed commitment c? */
bool engine_claimed_by(const struct engine *eng, size_t c, size_t o);

/*
 * Verification strength in the spirit of the Peace Accords Matrix 0-3,
 * from the strongest method verified (docs/state-json.md): 0 nothing
 * verified; 1 self or media; 2 imagery or on-site; 3 mutual, trilateral,
 * forensic or investigation.
 */
int engine_strength(enum agreement_method best);

/* Step N of M: commitments done or kept, of all (phase AGREEMENT_NONE) or one phase. */
void engine_progress(const struct engine *eng, size_t phase, size_t *done, size_t *total);

/*
 * Who waits on whom. For a commitment that is not done, follows the first
 * unmet `requires` (agreement order) down to the first commitment whose
 * own requirements are met; chain[0] = c, chain[n-1] = that blocker.
 * Returns the chain length (<= max; 0 if c is done/kept).
 */
size_t engine_wait_chain(const struct engine *eng, size_t c, size_t *chain, size_t max);

/*
 * The actors a not-done commitment waits on, into out (actor indices,
 * agreement order, deduplicated): owners who have not claimed (open),
 * listed verifiers who have not attested (claimed), the refuters
 * (disputed), the together partners' blockers (held), every party
 * (withdrawn: an amendment). Returns the count (<= max).
 */
size_t engine_waiting_on(const struct engine *eng, size_t c, size_t *out, size_t max);

/*
 * Days since the last confirmed provocation as of now. An incident of a
 * kind with `provocation: true` is confirmed when the latest finding on it
 * by a verifier confirms it, or, with no finding, when a verifier reported
 * it; a dismissal un-confirms. Incidents reported by parties or monitors
 * count only once a verifier's finding confirms them. Days are counted
 * between calendar dates in the agreement's time zone, exclusive (date
 * difference) unless the agreement says inclusive (+1).
 */
struct engine_calm {
	bool found; /* a confirmed provocation at or before now */
	int64_t days;
	uint64_t index;   /* the incident entry */
	int64_t occurred; /* its time (UTC seconds) */
	const char *type; /* its incident kind id (borrowed) */
	int32_t tz_offset;
	bool inclusive;
	size_t confirmed;    /* confirmed provocations at or before now */
	int64_t longest_gap; /* longest gap (same counting) between two of them, -1 if < 2 */
};
/* ARM_ENOMEM (out zeroed) if the sort index cannot be allocated. */
int engine_calm(const struct engine *eng, int64_t now, struct engine_calm *out,
                struct arm_err *e) ARM_MUST_CHECK;

/* Days between two instants by the agreement's counting rule. */
int64_t engine_count_days(const struct engine *eng, int64_t from, int64_t to);

/* One incident as the engine sees it. */
struct engine_incident {
	uint64_t index;
	size_t author; /* actor index */
	uint64_t seq;
	size_t kind;  /* incident kind index */
	size_t actor; /* alleged actor index, or AGREEMENT_NONE */
	int64_t occurred;
	bool confirmed;
	bool dismissed;
	size_t nbreached;       /* standing commitments it breached */
	bool has_pos;           /* the entry gave a position */
	int64_t lat_e7, lon_e7; /* WGS-84 degrees x 1e7, as written in the entry */
	int64_t logged;         /* the log's time when it was sequenced, or ENGINE_NO_TIME */
	bool backdated;         /* reported (time) long before it was sequenced */
	/*
	 * Places, computed when it was applied (engine_geo place): the zones
	 * it falls in (indices into the agreement's zones, in its order; borrowed
	 * from the engine until its next apply) and, if the agreement names a
	 * reference line, the signed distance to it in metres.
	 */
	const uint16_t *zones;
	size_t nzones;
	bool has_line;
	int64_t line_m;
};
size_t engine_nincidents(const struct engine *eng);
/* Signed whole metres as km with three decimals ("-1.274") into out[24], no floating point. */
void engine_km_text(int64_t m, char out[24]);
void engine_incident(const struct engine *eng, size_t i, struct engine_incident *out);

/* A party's record (any actor index). */
struct engine_record {
	size_t owned;             /* commitments it owns */
	size_t done;              /* of those, done or kept */
	size_t claims;            /* claims it made (accepted) */
	size_t disputed;          /* its commitments disputed now */
	size_t withdrawn;         /* its commitments withdrawn now */
	size_t overdue;           /* its commitments overdue now */
	size_t breaches;          /* breaches of its standing commitments */
	size_t reversals;         /* reversals of its commitments */
	size_t attests;           /* attestations and findings it signed */
	size_t incidents_alleged; /* confirmed incidents alleging it */
	size_t entries;           /* entries it authored */
};
void engine_record(const struct engine *eng, size_t actor, int64_t now, struct engine_record *out);

/*
 * Commitment c's quantity in millionths (docs/rules.md "Quantities and
 * tranches"): what its owners reported in all, and how much of it is
 * verified. Both 0 for a commitment without a quantity.
 */
void engine_quantity(const struct engine *eng, size_t c, int64_t *reported, int64_t *verified);

/*
 * The amendments applied (as of the moment), log order, each with what it
 * changed: agreement_diff() lines, "\n"-terminated, borrowed.
 */
struct engine_amendment {
	uint64_t index;
	int64_t time;
	size_t nchanges;
	const char *changes; /* NULL when nothing changed */
	size_t len;
};
size_t engine_amendments(const struct engine *eng, const struct engine_amendment **out);

/*
 * Deadline history: each amendment that changed commitment c's due rule,
 * in log order ("due 2018-12-31, extended to 2019-06-30 by entry 4").
 */
struct engine_due_change {
	uint64_t index; /* the amendment */
	char from[112]; /* agreement_due_describe() before ("none" if none) */
	char to[112];   /* and after */
};
size_t engine_due_history(const struct engine *eng, size_t c, const struct engine_due_change **out);

/* Latest progress values of commitment c (one per quantity). */
struct engine_progress_item {
	const char *quantity, *value, *unit; /* borrowed */
	uint64_t index;
};
size_t engine_progress_items(const struct engine *eng, size_t c,
                             const struct engine_progress_item **out);

/*
 * The whole state as JSON (docs/state-json.md): agreement order, fixed key
 * order, integers only, times as RFC 3339 UTC, no clock: the same log and
 * the same now give the same bytes. Appends to out.
 */
int engine_state_json(const struct engine *eng, int64_t now, struct buf *out,
                      struct arm_err *e) ARM_MUST_CHECK;

/* RFC 3339 UTC ("2018-07-21T00:00:00Z") into out[21]; "" for ENGINE_NO_TIME. */
void engine_time_utc(int64_t t, char out[21]);
/*
 * RFC 3339 in a fixed offset (seconds east of UTC), for people:
 * "2018-07-21T23:59:59+09:00" into out[26] ("Z" for offset 0); "" for
 * ENGINE_NO_TIME.
 */
void engine_time_local(int64_t t, int32_t offset, char out[26]);

/* ---- copies (snapshots of a replay, e.g. for GET /state?index=N) ---- */

/*
 * A deep copy of src in *out (returned to the caller, engine_free()):
 * applying the same entries to the copy and to src, or asking either the
 * same query, gives the same results (engine_state_json() bytes included).
 * src is only read, so copies may be taken of one engine from several
 * threads at once while nobody applies to it. The agreement is parsed
 * again from the bytes src holds (no file is read), so a copy costs about
 * one agreement parse plus the size of the state.
 *
 * opts replaces the copy's options (NULL: src's); its pointers are
 * borrowed as for engine_new(). Giving a different asof_time is sound
 * only when no entry src applied is dated after the new horizon, nor was
 * skipped by src's (the copy then holds what a replay with the new
 * horizon would hold): the caller checks that, e.g. by keeping the latest
 * event time of the entries it applied.
 */
int engine_clone(struct engine **out, const struct engine *src, const struct engine_opts *opts,
                 struct arm_err *e) ARM_MUST_CHECK;

/*
 * The event time the as-of horizon compares (an incident's `occurred`,
 * else `time`; ENGINE_NO_TIME if the entry has none), so a caller can
 * keep the latest one of the entries it applied (see engine_clone()).
 */
int64_t engine_entry_time(const struct entry *en);

/* About how many bytes of memory eng holds (for budgets of kept copies). */
size_t engine_footprint(const struct engine *eng);

#endif
