/*
 * agreement.h - the agreement, written as data (armistice-agreement(5),
 * docs/agreement.md).
 *
 * An agreement is a YAML document (JSON is YAML too) that a negotiator's
 * staff writes by hand: actors and their keys, the log and its witness
 * quorum, phases, incident kinds, zones and commitments. Its id is the
 * SHA-256 of the YAML bytes exactly as given, so every party signs the same
 * bytes; zone geometry kept in files beside the agreement is bound to it by
 * digest (the agreement entry lists one "zone:" line per file, entry.h).
 *
 * Loading is all-or-nothing: agreement_parse() validates everything and
 * reports every problem at once, one line each, "FILE:LINE:COL: rule:
 * message", into a caller-provided buffer. On failure the struct is empty.
 *
 * Cross references (owners, requires, verify.by, ...) are resolved to
 * indices into the agreement's arrays, so the state engine never compares
 * strings. AGREEMENT_NONE marks "no index".
 *
 * Ownership: struct agreement owns everything it points to (including a
 * copy of the YAML bytes and of each zone's GeoJSON); agreement_release()
 * frees it all and is NULL-safe. Lookups return borrowed pointers that live
 * as long as the agreement.
 */
#ifndef ARMISTICE_AGREEMENT_H
#define ARMISTICE_AGREEMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "hash.h"
#include "note.h"

#define AGREEMENT_NONE ((size_t)-1)

/*
 * The YAML must fit, with the entry header and one signature per party,
 * in one log entry (C2SP tlog-tiles bundles: u16 length, 65,535 bytes).
 */
#define AGREEMENT_MAX_SIZE 60000u
#define AGREEMENT_ZONE_FILE_MAX (1u << 20) /* one zone GeoJSON file */
#define AGREEMENT_ID_MAX 64                /* actor/commitment/... ids */
#define AGREEMENT_MAX_ITEMS 4096           /* per list (actors, commitments...) */
#define AGREEMENT_MAX_KEYS 8               /* verifier keys per actor */

enum agreement_role {
	AGREEMENT_PARTY = 1,
	AGREEMENT_VERIFIER,
	AGREEMENT_MONITOR,
};

/*
 * Verification methods, weakest to strongest (DESIGN.md §3). The numeric
 * order is the strength order: a policy demanding ON_SITE is met by
 * ON_SITE, MUTUAL, ... INVESTIGATION.
 */
enum agreement_method {
	AGREEMENT_METHOD_NONE = 0, /* not stated / no minimum */
	AGREEMENT_METHOD_SELF,
	AGREEMENT_METHOD_MEDIA,
	AGREEMENT_METHOD_IMAGERY,
	AGREEMENT_METHOD_ON_SITE,
	AGREEMENT_METHOD_MUTUAL,
	AGREEMENT_METHOD_TRILATERAL,
	AGREEMENT_METHOD_FORENSIC,
	AGREEMENT_METHOD_INVESTIGATION,
};

enum agreement_verify_kind {
	AGREEMENT_VERIFY_NONE = 0, /* verify: none - a claim is enough */
	AGREEMENT_VERIFY_BY,       /* verify: {by: [...], quorum: N} */
	AGREEMENT_VERIFY_MUTUAL,   /* verify: {mutual: true}: each owner by the others */
};

enum agreement_due_kind {
	AGREEMENT_DUE_NONE = 0,
	AGREEMENT_DUE_DATE,  /* due: "YYYY-MM-DD" */
	AGREEMENT_DUE_AFTER, /* due: {after: commitment, days: N} or {after: commitment, hours: N}
	                      */
	AGREEMENT_DUE_DDAY,  /* due: "D+N" (days) or "D+Nh" (hours) after the agreement's effective
	                        moment */
};

/* Where a node was in the YAML, 1-based, for messages about it. */
struct agreement_mark {
	uint32_t line;
	uint32_t col;
};

/*
 * Human text in several languages (docs/agreement.md "Texts in several
 * languages"): a name or text written as a map of language tags,
 * `name: {en: ..., ko: ...}`. The plain string field beside it (name,
 * title, text) always holds the agreement's default language, so every
 * reader that knows one language keeps working; n == 0 means the text
 * was written as a plain string.
 */
#define AGREEMENT_LANG_MAX 35   /* bytes of a language tag (RFC 5646 4.4.1) */
#define AGREEMENT_TEXT_LANGS 16 /* languages per text */
#define AGREEMENT_TEXT_MAX 8192 /* bytes of one language's text */

struct agreement_text {
	char tag[AGREEMENT_LANG_MAX + 1]; /* as written, e.g. "ko", "zh-Hant" */
	char *text;                       /* UTF-8, owned */
};

struct agreement_texts {
	struct agreement_text *v; /* in document order */
	size_t n;
};

struct agreement_actor {
	char *id; /* [a-z0-9-]+ */
	char *name;
	struct agreement_texts names;
	enum agreement_role role;
	struct note_verifier keys[AGREEMENT_MAX_KEYS]; /* Ed25519 (type 0x01) */
	size_t nkeys;                                  /* >= 1 */
	struct agreement_mark mark;
};

/* A log witness: a cosigner key (C2SP tlog-cosignature v1.0.1, type 0x04). */
struct agreement_witness {
	char *id;
	struct note_verifier key;
	struct agreement_mark mark;
};

/*
 * A quorum group in the spirit of C2SP tlog-policy ("group <name>
 * {all|any|k} <members>"). Members are witnesses or earlier groups, both as
 * indices into one space: i < nwitnesses is witness i, otherwise group
 * i - nwitnesses. threshold is k (all = nmembers, any = 1).
 */
struct agreement_group {
	char *id;
	size_t threshold;
	size_t *members;
	size_t nmembers;
	struct agreement_mark mark;
};

struct agreement_log {
	char *origin;             /* checkpoint origin line, C2SP tlog-checkpoint */
	struct note_verifier key; /* the log's Ed25519 key (type 0x01) */
	struct agreement_witness *witnesses;
	size_t nwitnesses;
	struct agreement_group *groups;
	size_t ngroups;
	/*
	 * The quorum: group index (quorum: <group id>), or AGREEMENT_NONE with
	 * quorum_n witnesses of all (quorum: N). quorum_n == 0 with no group
	 * means "quorum: none" (no witness needed, for tests and drafts).
	 */
	size_t quorum_group;
	size_t quorum_n;
	/*
	 * The log clock (logclock.h; log.clock in docs/agreement.md). The
	 * tolerances apply wherever the log records its time; clock (the
	 * section was written) also makes that time required.
	 */
	bool clock;
	int64_t clock_future;   /* s: refuse an entry dated later than the log's time + this */
	int64_t clock_backdate; /* s: flag an entry dated earlier than the log's time - this; -1
	                           never */
	bool clock_deadlines;   /* judge deadlines and lateness on the log's time */
};

#define AGREEMENT_CLOCK_FUTURE 600      /* 10 minutes of clock skew */
#define AGREEMENT_CLOCK_BACKDATE 259200 /* 3 days: a report written in the field */

struct agreement_phase {
	char *id;
	char *name;
	struct agreement_texts names;
	struct agreement_mark mark;
};

struct agreement_incident_kind {
	char *id;
	char *name;
	struct agreement_texts names;
	bool provocation; /* counts for "days without a provocation" */
	struct agreement_mark mark;
};

struct agreement_zone {
	char *id;
	char *name;
	struct agreement_texts names;
	char *file;    /* relative path beside the agreement, or NULL if inline */
	char *geojson; /* the GeoJSON text (file bytes, or the inline node as JSON) */
	size_t geojson_len;
	uint8_t digest[HASH_SIZE]; /* SHA-256 of the file bytes (file zones only) */
	struct agreement_mark mark;
};

/* A compass side of a reference line (reference_line.positive). */
enum agreement_side {
	AGREEMENT_SIDE_NONE = 0, /* no reference line */
	AGREEMENT_SIDE_NORTH,
	AGREEMENT_SIDE_SOUTH,
	AGREEMENT_SIDE_EAST,
	AGREEMENT_SIDE_WEST,
};

/*
 * reference_line (docs/agreement.md "Places"): the line incidents are
 * measured from (the MDL, a line of contact), held by one of the zones,
 * and the compass side on which distances are positive (geo.h says how
 * the side of a point is found). positive == AGREEMENT_SIDE_NONE: none.
 */
struct agreement_line {
	char *name;
	size_t zone;                  /* zone index holding the line */
	enum agreement_side positive; /* the side where distances are > 0 */
	size_t party;                 /* actor on the positive side, or AGREEMENT_NONE */
	struct agreement_mark mark;
};

struct agreement_verify {
	enum agreement_verify_kind kind;
	size_t *by; /* actor indices (VERIFY_BY) */
	size_t nby;
	size_t quorum;                /* how many of by must verify; 1 <= quorum <= nby */
	enum agreement_method method; /* minimum method, or METHOD_NONE */
};

struct agreement_due {
	enum agreement_due_kind kind;
	/*
	 * DUE_DATE: the date in the agreement's counting zone, and deadline =
	 * the first second after that day ends there (UTC epoch seconds), so a
	 * commitment is overdue at time t iff t >= deadline and not yet done.
	 * DUE_DDAY: deadline computed the same way from the effective moment
	 * (docs/rules.md "Schedules"): "D+N" is met by the end of day N, the
	 * day of the effective moment being day 0; "D+Nh" is met N hours
	 * after the effective moment, to the second.
	 */
	int32_t year, month, day;
	int64_t deadline;
	/*
	 * DUE_AFTER: due by the end of the `days`-th day after the day
	 * commitment `after` took effect (days >= 0, hours < 0), or `hours`
	 * hours after it took effect, to the second (hours >= 0, days < 0).
	 * DUE_DDAY: the same two numbers, after the effective moment.
	 */
	size_t after;
	int64_t days;
	int64_t hours;
};

struct agreement_standing {
	bool standing;       /* an ongoing obligation: kept or breached */
	size_t *breached_by; /* incident kind indices */
	size_t nbreached_by;
	size_t *zones; /* zone indices; 0 zones = anywhere */
	size_t nzones;
	/*
	 * threshold: {violations: N, days: D}: breached once N confirmed
	 * violations occurred within D days (calendar days in the agreement's
	 * zone, docs/rules.md "Standing obligations"); 0: the first breaches.
	 */
	size_t violations;
	int64_t days;
	/* protect: true: a duty to protect, breached whoever the perpetrator (any actor or none).
	 */
	bool protect;
};

struct agreement_commitment {
	char *id;
	size_t *owners; /* actor indices, >= 1, all parties */
	size_t nowners;
	size_t phase;   /* phase index */
	char *category; /* free word, may be NULL */
	char *text;
	struct agreement_texts texts;
	size_t *requires; /* commitment indices; acyclic */
	size_t nrequires;
	size_t together; /* together-group index, or AGREEMENT_NONE */
	struct agreement_verify verify;
	struct agreement_due due;
	struct agreement_standing standing;
	char *area; /* optional GeoJSON as JSON text, or NULL */
	size_t area_len;
	/*
	 * quantity: {target: N, unit: ID}: progress entries in that unit
	 * accumulate (docs/rules.md "Quantities and tranches"). qty_target in
	 * millionths (the entry value's precision); 0: no quantity.
	 */
	int64_t qty_target;
	char *qty_unit;
	/* tranche: {of: commitment, percent: P}: done once P % of of's target is verified. */
	size_t tranche_of;   /* commitment index, or AGREEMENT_NONE */
	int64_t tranche_pct; /* 1..100 */
	struct agreement_mark tranche_mark;
	struct agreement_mark mark;
};

/* A simultaneity group: its members take effect only when all are verified. */
struct agreement_together {
	char *id;
	size_t *members; /* commitment indices, in document order */
	size_t nmembers;
};

/*
 * Who decides (docs/rules.md "Who decides"): an arbiter of one actor or a
 * k-of-n group (a tripartite mechanism) whose finding settles a disputed
 * claim or incident; nby == 0: no arbiter.
 */
struct agreement_arbiter {
	size_t *by; /* actor indices */
	size_t nby;
	size_t quorum; /* 1 <= quorum <= nby */
};

struct agreement {
	uint8_t id[HASH_SIZE]; /* SHA-256 of yaml[0..yaml_len) */
	uint8_t *yaml;         /* owned copy of the bytes as given */
	size_t yaml_len;
	char *file; /* name used in messages */

	char *name; /* short name, [a-z0-9-]+ */
	char *title;
	struct agreement_texts titles;
	/* `language:`, the default language of every text (default "en"). */
	char lang[AGREEMENT_LANG_MAX + 1];
	int32_t tz_offset; /* seconds east of UTC: the day-counting zone */
	bool inclusive;    /* counting: {inclusive: true} */
	/*
	 * The effective moment (D-day, `effective:`): a date (its first
	 * second in the agreement's zone) or an RFC 3339 time. D+N deadlines
	 * count from it. has_effective false: none declared.
	 */
	bool has_effective;
	int64_t effective;
	struct agreement_arbiter arbiter;
	/*
	 * findings: {by: [...]}: whose findings (and own incident reports)
	 * confirm an incident. has_finders false: every actor with role
	 * verifier. Arbiter members always may.
	 */
	bool has_finders;
	size_t *finders;
	size_t nfinders;

	struct agreement_log log;
	struct agreement_actor *actors;
	size_t nactors;
	struct agreement_phase *phases;
	size_t nphases;
	struct agreement_incident_kind *kinds;
	size_t nkinds;
	struct agreement_zone *zones;
	size_t nzones;
	struct agreement_line line; /* the reference line, if positive != AGREEMENT_SIDE_NONE */
	struct agreement_commitment *commitments; /* in document order */
	size_t ncommitments;
	struct agreement_together *togethers;
	size_t ntogethers;
	size_t *topo; /* commitment indices, each after its requires */
};

/*
 * Reads a zone file named in the agreement (path relative to the
 * agreement) into out. Returns ARM_ENOTFOUND if there is no such file.
 * The parser calls it once per `file:` zone; ctx is passed through.
 */
typedef int (*agreement_read_fn)(void *ctx, const char *relpath, struct buf *out,
                                 struct arm_err *e);

void agreement_init(struct agreement *a);
void agreement_release(struct agreement *a);

/*
 * Parses and validates yaml[0..len). fname names the document in messages.
 * read_file (may be NULL: then any `file:` zone is an error) supplies zone
 * files. Every problem found is appended to diags (if not NULL) as one
 * line "FILE:LINE:COL: rule: message\n"; e gets the first problem and the
 * count. Returns ARM_ESYNTAX/ARM_ERULE/ARM_ELIMIT, *a left empty, on any
 * problem. Pure apart from read_file.
 */
int agreement_parse(struct agreement *a, const uint8_t *yaml, size_t len, const char *fname,
                    agreement_read_fn read_file, void *ctx, struct buf *diags,
                    struct arm_err *e) ARM_MUST_CHECK;

/*
 * Reads the agreement at path and its zone files (relative to the
 * agreement's directory; no absolute paths, no "..") and parses it.
 */
int agreement_load(struct agreement *a, const char *path, struct buf *diags,
                   struct arm_err *e) ARM_MUST_CHECK;

/*
 * An agreement_read_fn for zone files under a directory: ctx is the
 * directory's path (const char *). Refuses absolute paths, "..", and a
 * symlink as the file itself; reads at most AGREEMENT_ZONE_FILE_MAX bytes
 * (the caller's out->max).
 */
int agreement_read_dir(void *dir, const char *relpath, struct buf *out, struct arm_err *e);

/* Lookups by id; AGREEMENT_NONE if absent. */
size_t agreement_actor_index(const struct agreement *a, const char *id);
size_t agreement_commitment_index(const struct agreement *a, const char *id);
size_t agreement_phase_index(const struct agreement *a, const char *id);
size_t agreement_kind_index(const struct agreement *a, const char *id);
size_t agreement_zone_index(const struct agreement *a, const char *id);

/* Borrowed pointer or NULL. */
const struct agreement_actor *agreement_actor(const struct agreement *a, const char *id);
const struct agreement_commitment *agreement_commitment(const struct agreement *a, const char *id);

/* Indices of the parties (role party), in document order; returns count. */
size_t agreement_parties(const struct agreement *a, size_t *out, size_t max);

/* Is actor a member of the arbiter? May actor make findings on incidents? */
bool agreement_is_arbiter(const struct agreement *a, size_t actor);
bool agreement_is_finder(const struct agreement *a, size_t actor);
/* The same without the arbiter: findings.by, else role verifier. */
bool agreement_finds_by_role(const struct agreement *a, size_t actor);

/* Is actor index `actor` an owner of commitment c? */
bool agreement_is_owner(const struct agreement_commitment *c, size_t actor);

/* Is (name, key_id) a signed-note key of one of a's parties? */
bool agreement_is_party_key(const struct agreement *a, const char *name, uint32_t key_id);

/*
 * Is witness_ok[0..nwitnesses) (which witnesses cosigned) enough for the
 * log's quorum policy?
 */
bool agreement_quorum_met(const struct agreement *a, const bool *witness_ok);

/*
 * The log's quorum rule in words, for messages: "none", "3 of the 4
 * witnesses" or "group both = 2 of [parties, neutrals]" (truncated to cap).
 */
void agreement_quorum_describe(const struct agreement *a, char *out, size_t cap);

/*
 * What an amendment changes, as a semantic diff (docs/agreement.md
 * "Amendments"): one line per change, appended to out, e.g.
 *   "commitment gp-north: due moved from 2018-12-31 to 2019-06-30"
 *   "commitment liaison added" / "commitment sohae removed"
 *   "commitment gp-south: verifiers changed from [north, nnsc] quorum 2 to [nnsc] quorum 1"
 *   "zone jsa redrawn", "witnesses changed: added w-unc; removed w-north"
 *   "log quorum changed from ... to ...", "arbiter changed", "effective moved from X to Y"
 * Nothing when the two say the same. *nchanges counts the lines.
 */
int agreement_diff(const struct agreement *from, const struct agreement *to, struct buf *out,
                   size_t *nchanges, struct arm_err *e) ARM_MUST_CHECK;

/* Names and parsers for the enums ("on-site", "party", ...). */
const char *agreement_method_name(enum agreement_method m);
int agreement_method_parse(const char *s, enum agreement_method *m); /* 0 ok, -1 */
const char *agreement_role_name(enum agreement_role r);
const char *agreement_side_name(enum agreement_side s); /* "north", ...; "" for none */

/*
 * Is s[0..len) a language tag as the agreement accepts it: BCP 47 (RFC
 * 5646) in its common shape, a 2-3 letter lowercase language subtag, then
 * subtags of 1-8 letters or digits joined by '-', at most
 * AGREEMENT_LANG_MAX bytes ("en", "ko", "zh-Hant", "en-GB", "es-419").
 */
bool agreement_lang_valid(const char *s, size_t len);

/*
 * The text of t in language lang (tags compared without case), else
 * dflt (the default-language string beside t). Borrowed.
 */
const char *agreement_text_in(const struct agreement_texts *t, const char *dflt, const char *lang);

/* Do a and b give the same languages with the same texts (in any order)? */
bool agreement_texts_same(const struct agreement_texts *a, const struct agreement_texts *b);

void agreement_texts_release(struct agreement_texts *t);

/* Lowercase hex of the agreement id (65 bytes with NUL). */
void agreement_id_hex(const struct agreement *a, char out[2 * HASH_SIZE + 1]);

/* Is s a valid id: 1..AGREEMENT_ID_MAX of [a-z0-9-], not starting with '-'. */
bool agreement_id_valid(const char *s, size_t len);

/*
 * Day counting (DESIGN.md §3 "Counting rules are stated"). agreement_day()
 * is the day number (days since 1970-01-01) of UTC time t in the
 * agreement's counting zone; "days since" between two events is the
 * difference of their day numbers, plus one if a->inclusive.
 */
int64_t agreement_day(const struct agreement *a, int64_t t);
/* Proleptic Gregorian day number of y-m-d (1970-01-01 is 0). */
int64_t agreement_days_from_civil(int64_t y, int64_t m, int64_t d);
int agreement_days_in_month(int64_t y, int64_t m); /* 0 for a bad month */
/* "YYYY-MM-DD" (year >= 1900, a real day): 0 ok, -1 otherwise. */
int agreement_date_parse(const char *s, size_t len, int32_t *y, int32_t *m, int32_t *d);
/*
 * The deadline of a due rule that does not depend on another commitment's
 * taking effect (DUE_DATE, DUE_DDAY), or of DUE_AFTER once `after` took
 * effect at `from`; INT64_MIN for none or not yet known. One function so
 * that the engine and the documents agree on "by the end of day N".
 */
int64_t agreement_due_deadline(const struct agreement *a, const struct agreement_due *d,
                               int64_t from);
/* The due rule in words: "2018-12-31", "D+90", "D+72h", "20 days after gp-north". */
void agreement_due_describe(const struct agreement *a, const struct agreement_due *d, char *out,
                            size_t cap);
/* "HH:MM:SS" (no leap second): 0 ok, -1 otherwise. */
int agreement_clock_parse(const char *s, size_t len, int *hh, int *mi, int *ss);
/* Strict decimal: digits only, no leading zeros, <= max. */
bool agreement_uint_parse(const char *s, size_t len, uint64_t max, uint64_t *out);
/* "Z" or "+HH:MM"/"-HH:MM" into seconds east of UTC: 0 ok, -1 otherwise. */
int agreement_offset_parse(const char *s, size_t len, int32_t *offset);

#endif
