/*
 * entry.h - canonical signed entries (armistice-entry(5), docs/entries.md).
 *
 * An entry is UTF-8 text: first line "armistice/entry/v1", then one
 * "key: value" line per field in a fixed global order (below), each kind
 * allowing some keys and requiring others. The agreement and amend kinds
 * then carry a blank line and the agreement YAML as the body. The entry is
 * the text of a C2SP signed note (signed-note v1.0.0) signed by its
 * author's key (by every party for agreement and amend); the whole signed
 * note is the log entry, at most 65,535 bytes (C2SP tlog-tiles bundles).
 *
 * Key order:  kind, agreement, author, seq, time, commitment, incident,
 *             verdict, method, type, occurred, lat, lon, actor, quantity,
 *             value, unit, zone*, reason*, evidence*, text
 * (* = repeatable, consecutive). Kinds and their keys:
 *   agreement  kind agreement zone* text?            + body (agreement YAML)
 *   amend      kind agreement time zone* text?       + body (new agreement YAML)
 *   claim      kind agreement author seq time commitment evidence* text?
 *   attest     ... commitment verdict(verified|refuted) method reason* evidence* text?
 *              (refuted needs >= 1 reason)
 *   incident   ... type occurred lat lon actor? evidence* text
 *   finding    ... incident(author/seq) verdict(confirmed|dismissed) method
 *                  actor? reason* evidence* text?
 *   progress   ... commitment quantity value unit evidence* text?
 *   withdraw   ... commitment reason* evidence* text?
 *   statement  ... commitment? evidence* text
 * Refused, with the line and the rule: unknown, duplicate or out-of-order
 * keys, keys the kind does not allow, missing required keys, trailing
 * spaces, CR, tabs, empty values, non-canonical numbers and times.
 *
 * Ownership: struct entry owns its strings and arrays (entry_release()
 * frees them, NULL-safe); NULL means "absent". entry_parse() is pure and
 * bounded; entry_open() also verifies signatures, pure too.
 */
#ifndef ARMISTICE_ENTRY_H
#define ARMISTICE_ENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agreement.h"
#include "buf.h"
#include "err.h"
#include "hash.h"
#include "note.h"

#define ENTRY_MAGIC "armistice/entry/v1"
#define ENTRY_MAX_SIZE 65535u /* whole signed note: one tlog-tiles bundle entry */
#define ENTRY_VALUE_MAX 4096u /* one header value, text included */
#define ENTRY_MAX_REPEAT 64   /* reason, evidence and zone lines, each */

enum entry_kind {
	ENTRY_NONE = 0,
	ENTRY_AGREEMENT,
	ENTRY_AMEND,
	ENTRY_CLAIM,
	ENTRY_ATTEST,
	ENTRY_INCIDENT,
	ENTRY_FINDING,
	ENTRY_PROGRESS,
	ENTRY_WITHDRAW,
	ENTRY_STATEMENT,
};

enum entry_verdict {
	ENTRY_VERDICT_NONE = 0,
	ENTRY_VERIFIED,  /* attest */
	ENTRY_REFUTED,   /* attest */
	ENTRY_CONFIRMED, /* finding */
	ENTRY_DISMISSED, /* finding */
};

/*
 * RFC 3339 date-time with seconds and an offset ("Z" for UTC, else
 * "+HH:MM"/"-HH:MM"; "+00:00" and fractions are refused as non-canonical).
 */
struct entry_time {
	int64_t t;      /* seconds since the epoch, UTC */
	int32_t offset; /* seconds east of UTC as written */
};

/* Another entry, named by its author and that author's seq. */
struct entry_ref {
	char author[AGREEMENT_ID_MAX + 1];
	uint64_t seq;
};

/* "evidence: sha256:<64 hex> [uri]" */
struct entry_evidence {
	uint8_t sha256[HASH_SIZE];
	char *uri; /* NULL if none */
};

/* "zone: <zone id> sha256:<64 hex>": a zone file bound to the agreement. */
struct entry_zone {
	char id[AGREEMENT_ID_MAX + 1];
	uint8_t sha256[HASH_SIZE];
};

struct entry {
	enum entry_kind kind;
	uint8_t agreement[HASH_SIZE]; /* the agreement in force (for agreement: its own id) */
	char *author;                 /* actor id; NULL for agreement and amend */
	uint64_t seq;                 /* per author, from 1; 0 for agreement/amend */
	bool has_time;
	struct entry_time time; /* when the author signed it */

	char *commitment; /* commitment id */
	bool has_incident;
	struct entry_ref incident; /* finding: the incident entry */
	enum entry_verdict verdict;
	enum agreement_method method;
	char *type; /* incident kind id */
	bool has_occurred;
	struct entry_time occurred; /* when the incident happened */
	bool has_position;
	int64_t lat_e7, lon_e7; /* WGS-84 degrees x 1e7 */
	char *actor;            /* incident: alleged actor; finding: responsible */
	char *quantity;         /* progress: what is measured, an id */
	char *value;            /* progress: canonical decimal text, >= 0 */
	double value_num;
	char *unit;

	struct entry_zone *zones;
	size_t nzones;
	char **reasons;
	size_t nreasons;
	struct entry_evidence *evidence;
	size_t nevidence;
	char *text;

	uint8_t *body; /* agreement/amend: the agreement YAML */
	size_t body_len;
	uint8_t body_id[HASH_SIZE]; /* SHA-256 of the body */
};

void entry_init(struct entry *en);
void entry_release(struct entry *en);

/*
 * Parses the unsigned entry text[0..len) (the note text, ending in "\n").
 * ARM_ESYNTAX naming the line and the rule for anything non-canonical;
 * ARM_ELIMIT past ENTRY_MAX_SIZE. For kind agreement the `agreement:` value
 * must equal the SHA-256 of the body. On failure *en is empty.
 */
int entry_parse(struct entry *en, const uint8_t *text, size_t len,
                struct arm_err *e) ARM_MUST_CHECK;

/*
 * The entry of a log leaf (a signed note, note[0..len)), parsed with
 * entry_parse() and its signatures NOT checked: for readers of a log whose
 * replay already checked them (exports, reports). en is initialised here;
 * on failure it is empty.
 */
int entry_parse_note(struct entry *en, const uint8_t *note, size_t len,
                     struct arm_err *e) ARM_MUST_CHECK;

/*
 * Appends the canonical text of en to out (ending in "\n", no signatures),
 * so that entry_parse(entry_format(x)) == x and entry_format(entry_parse(b))
 * == b. Refuses (ARM_EUSAGE) a struct that would not parse back.
 */
int entry_format(const struct entry *en, struct buf *out, struct arm_err *e) ARM_MUST_CHECK;

/*
 * Opens a signed note as an entry of agreement a: parses the note and its
 * text, checks that en->agreement is a's id (except for kind agreement, see
 * entry_open_agreement), that the author is an actor of a, and that a
 * signature by one of the author's keys verifies (signed-note §"Verifying":
 * a bad signature by a known key refuses the whole note). agreement and
 * amend entries need a valid signature from every party of a (for amend:
 * of the agreement in force). ARM_EVERIFY names the missing or bad signer.
 * On success *en owns the parsed entry.
 */
int entry_open(struct entry *en, const uint8_t *note, size_t len, const struct agreement *a,
               struct arm_err *e) ARM_MUST_CHECK;

/*
 * Opens the log's first entry: parses the signed note, parses the body as
 * the agreement (zone files through read_file, each checked against its
 * "zone:" digest line, every file zone listed exactly once), and checks a
 * signature by every party the agreement itself names. On success *en and
 * *a are filled; on failure both are empty and diags holds any agreement
 * problems.
 */
int entry_open_agreement(struct entry *en, struct agreement *a, const uint8_t *note, size_t len,
                         const char *fname, agreement_read_fn read_file, void *ctx,
                         struct buf *diags, struct arm_err *e) ARM_MUST_CHECK;

/*
 * For an agreement or amend entry en whose body parsed as a: its zone
 * lines name every file zone of a exactly once, with the SHA-256 of the
 * file that was read, and nothing else (ARM_EVERIFY / ARM_ERULE naming
 * the zone). entry_open_agreement() calls it for entry 0; the engine calls
 * it for an amendment after parsing the body.
 */
int entry_check_zones(const struct entry *en, const struct agreement *a,
                      struct arm_err *e) ARM_MUST_CHECK;

/*
 * Builds the unsigned agreement entry for a: header (kind, agreement id,
 * one zone line per file zone, in zone order) and the YAML as the body.
 * Deterministic, so each party builds and signs the same bytes.
 */
int entry_agreement_text(const struct agreement *a, struct buf *out,
                         struct arm_err *e) ARM_MUST_CHECK;

/*
 * The same for an amendment (armistice amend): kind amend, the id of the
 * agreement in force, the time t, the new agreement na's zone lines and
 * YAML as the body. Every party signs these bytes.
 */
int entry_amend_text(const struct agreement *na, const uint8_t in_force[HASH_SIZE],
                     const struct entry_time *t, struct buf *out, struct arm_err *e) ARM_MUST_CHECK;

/*
 * Checks an entry's references against agreement a: commitment, incident
 * kind, actor and zone ids exist, the author is an actor, and the method
 * is stated where the kind needs one. Pure; ARM_ERULE names the key.
 * (Sequencing, status and who-may-do-what are the state engine's rules.)
 */
int entry_check_refs(const struct entry *en, const struct agreement *a,
                     struct arm_err *e) ARM_MUST_CHECK;

/* "claim", "attest", ...; NULL for an unknown kind. */
const char *entry_kind_name(enum entry_kind k);
enum entry_kind entry_kind_parse(const char *s);
const char *entry_verdict_name(enum entry_verdict v);

/* Time helpers: parse/format RFC 3339 as described at struct entry_time. */
int entry_time_parse(struct entry_time *t, const char *s, size_t len,
                     struct arm_err *e) ARM_MUST_CHECK;
int entry_time_format(const struct entry_time *t, struct buf *out,
                      struct arm_err *e) ARM_MUST_CHECK;

/* Position in degrees, for the geometry module. */
double entry_lat(const struct entry *en);
double entry_lon(const struct entry *en);

#endif
