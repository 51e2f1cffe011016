/*
 * export.h - the log's contents as tables a researcher loads without code
 * (docs/export.md is the data dictionary of every column):
 *
 *   commitments  one row per commitment, its status now
 *   changes      every status change of every commitment
 *   incidents    every incident entry, with its position and zones
 *   entries      every entry of the log, clock leaves included
 *   actors       one row per actor: its record
 *   scores       Peace Accords Matrix implementation scores, one row per
 *                commitment and calendar year (PAM's long layout)
 *   yearly       per year, the share of commitments fully implemented
 *
 * Formats: CSV (RFC 4180: a header row, CRLF record ends, fields with a
 * comma, quote or line break quoted, quotes doubled; UTF-8 as the log is),
 * newline-delimited JSON (one object per row, keys in column order), and
 * GeoJSON (RFC 7946: a FeatureCollection of Point features, one per row
 * that has a position; the other columns are the properties). Times are
 * ISO 8601 / RFC 3339 in UTC ("2018-09-19T00:00:00Z"); a missing value is
 * an empty CSV field or JSON null.
 *
 * Spreadsheets run a cell that starts with = + - @ as a formula (OWASP
 * "CSV injection"), and entry text is written by any signer: a CSV text
 * field starting with one of those (or a tab or CR) gets a leading
 * apostrophe. Numbers and times are never changed; NDJSON and GeoJSON
 * carry the text as it is.
 *
 * The implementation score mapping (export_pam_score()) is in docs/rules.md
 * "Implementation scores".
 *
 * Everything here is pure: the caller replays the log (engine.h) and hands
 * in the engine, a struct export_w writes rows into a struct buf. No I/O,
 * no clock. Ownership: struct export_w borrows its buf; export_w_finish()
 * closes the document (the GeoJSON collection).
 */
#ifndef ARMISTICE_EXPORT_H
#define ARMISTICE_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "engine.h"
#include "err.h"
#include "geo.h"

enum export_format { EXPORT_CSV, EXPORT_NDJSON, EXPORT_GEOJSON };

enum export_table {
	EXPORT_COMMITMENTS,
	EXPORT_CHANGES,
	EXPORT_INCIDENTS,
	EXPORT_ENTRIES,
	EXPORT_ACTORS,
	EXPORT_SCORES,
	EXPORT_YEARLY,
	EXPORT_NTABLES
};

enum export_type { EXPORT_STR, EXPORT_INT, EXPORT_TIME, EXPORT_BOOL, EXPORT_NUM, EXPORT_LIST };

struct export_col {
	const char *name;
	enum export_type type;
};

/* "commitments", ...; the file name stem. */
const char *export_table_name(enum export_table t);
int export_table_parse(const char *s, enum export_table *t, struct arm_err *e) ARM_MUST_CHECK;
/* "csv", "ndjson", "geojson"; also the file name extension. */
const char *export_format_name(enum export_format f);
int export_format_parse(const char *s, enum export_format *f, struct arm_err *e) ARM_MUST_CHECK;
/* Does the table have a position (can be written as GeoJSON)? */
bool export_table_geo(enum export_table t);
/* The table's columns, in order. */
size_t export_columns(enum export_table t, const struct export_col **cols);

struct export_w {
	enum export_format fmt;
	enum export_table table;
	struct buf *out; /* borrowed */
	const struct export_col *cols;
	size_t ncols;
	size_t col;     /* next column of the current row */
	size_t nrows;   /* rows written (GeoJSON: features) */
	struct buf row; /* owned: the current row until it ends */
	bool has_pos;   /* the current row's position (GeoJSON) */
	int64_t lat_e7, lon_e7;
};

/*
 * Starts a table: the CSV header row or the GeoJSON collection's head.
 * ARM_EUSAGE for GeoJSON of a table without positions.
 */
int export_w_init(struct export_w *w, enum export_table t, enum export_format f, struct buf *out,
                  struct arm_err *e) ARM_MUST_CHECK;
/* Ends the document (GeoJSON: closes the collection) and frees the row. */
int export_w_finish(struct export_w *w, struct arm_err *e) ARM_MUST_CHECK;
void export_w_release(struct export_w *w);

/*
 * The table built from an engine that replayed the log. now decides
 * overdue. Incidents' zones and signed distance to the reference line
 * are the engine's (engine_incident(), computed once when each was
 * applied: one computation for the state JSON and the exports); map is
 * no longer read and may be NULL.
 */
int export_commitments(struct export_w *w, const struct engine *eng, int64_t now,
                       struct arm_err *e) ARM_MUST_CHECK;
int export_changes(struct export_w *w, const struct engine *eng, struct arm_err *e) ARM_MUST_CHECK;
int export_incidents(struct export_w *w, const struct engine *eng, struct geo_map *map,
                     struct arm_err *e) ARM_MUST_CHECK;
/*
 * Where an incident lies (the incidents table's zones, line_km and side),
 * as the engine placed it when it was applied (engine_incident(): one
 * computation for the state JSON, the exports and the report): the
 * agreement's zones that hold its position, and its signed distance to
 * the reference line (placed false without a position or a line). zones[]
 * borrow the agreement's ids.
 */
#define EXPORT_PLACE_ZONES 256
struct export_place {
	const char *zones[EXPORT_PLACE_ZONES];
	size_t nzones;
	bool placed;
	int64_t line_m;   /* signed metres, positive on the agreement's positive side */
	char km[24];      /* line_m as km with three decimals ("-1.274") */
	const char *side; /* compass name of its side ("north"), "line", or NULL if not placed */
};
void export_incident_place(const struct agreement *a, const struct engine_incident *inc,
                           struct export_place *out);
/* "confirmed", "dismissed" or "reported" (the incidents table's status). */
const char *export_incident_status(const struct engine_incident *inc);
/* Degrees x 1e7 as exact decimal text with 7 places (no floating point). */
void export_deg_e7(int64_t v, char out[24]);

int export_actors(struct export_w *w, const struct engine *eng, int64_t now,
                  struct arm_err *e) ARM_MUST_CHECK;

/*
 * One row of the entries table for the log entry note[0..len) at index,
 * called right after the engine applied it (the log's time is then the
 * time this entry was sequenced). backdated: the apply flagged it. An
 * entry whose event time (engine_entry_time(); a clock leaf's time) is
 * after asof (ENGINE_NO_TIME: no horizon) writes no row.
 */
int export_entry(struct export_w *w, const struct engine *eng, uint64_t index, const uint8_t *note,
                 size_t len, bool backdated, int64_t asof, struct arm_err *e) ARM_MUST_CHECK;

/* ---- Peace Accords Matrix implementation scores (docs/rules.md) ---- */

/*
 * What a commitment looked like at the end of a calendar year, and what
 * happened to it during that year.
 */
struct export_year_view {
	enum engine_status status;
	int strength;               /* engine_strength() of the best standing verification */
	enum agreement_method best; /* that verification's method */
	size_t nclaims;             /* owners who had claimed */
	size_t nverified;           /* verifications counting toward the policy */
	bool standing;
	size_t breaches_year;  /* breaches during the year */
	size_t reversals_year; /* reversals (withdrawal, refutation, breach) during the year */
};

/*
 * The PAM score 0..3 of one commitment for one year, and a short reason
 * (a static string naming the rule of docs/rules.md that decided it).
 */
int export_pam_score(const struct export_year_view *v, const char **reason);

/*
 * The year (in the agreement's time zone) of instant t, and the first
 * instant (UTC seconds) of January 1 of year y in that zone.
 */
int32_t export_year_of(int64_t t, int32_t tz_offset);
int64_t export_year_start(int32_t y, int32_t tz_offset);

/*
 * Rows of the scores table for one year from the engine replayed as of
 * the end of that year (asof = export_year_start(year + 1) - 1). prev
 * holds, per commitment, the breach and reversal counts at the end of the
 * year before (zeros for the first year) and is updated; nfull gets the
 * commitments scored 3, sum the sum of the scores. The agreement column is the agreement's name.
 */
struct export_counts {
	size_t breaches, reversals;
};
int export_scores_year(struct export_w *w, const struct engine *eng, int32_t year,
                       struct export_counts *prev, size_t nprev, size_t *nfull, size_t *sum,
                       struct arm_err *e) ARM_MUST_CHECK;
/*
 * One row of the yearly table: n commitments, nfull of them scored 3, sum
 * their scores (PAM's aggregate: sum / 3n).
 */
int export_yearly_row(struct export_w *w, const struct engine *eng, int32_t year, size_t n,
                      size_t nfull, size_t sum, struct arm_err *e) ARM_MUST_CHECK;

/* Scored years at most (the span from the first commitment entry to now). */
#define EXPORT_YEARS_MAX 200

/*
 * The event time of log entry `index` if it is an entry about a
 * commitment (scores start with implementation, not with the incident
 * history before it), else ENGINE_NO_TIME. The scored years run from the
 * year of the earliest such time over the log to the year of now.
 */
int64_t export_commitment_time(uint64_t index, const uint8_t *note, size_t len);

/*
 * How the scores get an engine replayed with a horizon: the command line
 * replays the log, the server asks its state cache (statecache.h). It
 * calls use(uctx, engine, e) once with the first entries of the log
 * replayed as of asof, and returns what use returned.
 */
typedef int (*export_use_fn)(void *uctx, const struct engine *eng, struct arm_err *e);
typedef int (*export_engine_fn)(void *ctx, int64_t asof, export_use_fn use, void *uctx,
                                struct arm_err *e);

/*
 * The scores and yearly tables (rows into ws and wy, not finished) of an
 * agreement of nc commitments in time zone tz: for each year from the
 * year of first (ENGINE_NO_TIME: the year of now) to the year of now, the
 * log as of the end of that year (no later than now, nor than at unless
 * ENGINE_NO_TIME). A year whose agreement has another number of
 * commitments (an amendment) writes no rows. One function, so `armistice
 * export` and GET /scores give the same numbers.
 */
int export_scores(struct export_w *ws, struct export_w *wy, size_t nc, int32_t tz, int64_t first,
                  int64_t now, int64_t at, export_engine_fn with, void *ctx,
                  struct arm_err *e) ARM_MUST_CHECK;

#endif
