/*
 * export.c - tables of a replayed log as CSV, NDJSON and GeoJSON (export.h,
 * docs/export.md), and the Peace Accords Matrix implementation scores
 * (docs/rules.md "Implementation scores").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "armistice/export.h"
#include "armistice/agreement.h"
#include "armistice/common.h"
#include "armistice/entry.h"
#include "armistice/geo.h"
#include "armistice/hash.h"
#include "armistice/logclock.h"
#include "armistice/note.h"

/* A row holds at most one entry's or commitment's text and a few ids. */
#define EXPORT_ROW_MAX (4u << 20)

/* ------------------------------------------------------------- columns */

static const struct export_col cols_commitments[] = {
    {"id", EXPORT_STR},          {"phase", EXPORT_STR},      {"category", EXPORT_STR},
    {"owners", EXPORT_LIST},     {"standing", EXPORT_BOOL},  {"status", EXPORT_STR},
    {"strength", EXPORT_INT},    {"method", EXPORT_STR},     {"overdue", EXPORT_BOOL},
    {"late", EXPORT_BOOL},       {"due", EXPORT_TIME},       {"effective", EXPORT_TIME},
    {"claimed_at", EXPORT_TIME}, {"claims", EXPORT_INT},     {"verifications", EXPORT_INT},
    {"refutations", EXPORT_INT}, {"reversals", EXPORT_INT},  {"breaches", EXPORT_INT},
    {"requires", EXPORT_LIST},   {"last_index", EXPORT_INT}, {"text", EXPORT_STR},
};

static const struct export_col cols_changes[] = {
    {"commitment", EXPORT_STR}, {"index", EXPORT_INT},      {"time", EXPORT_TIME},
    {"logged", EXPORT_TIME},    {"backdated", EXPORT_BOOL}, {"from", EXPORT_STR},
    {"to", EXPORT_STR},         {"reversal", EXPORT_BOOL},
};

static const struct export_col cols_incidents[] = {
    {"index", EXPORT_INT},   {"author", EXPORT_STR},     {"seq", EXPORT_INT},
    {"kind", EXPORT_STR},    {"actor", EXPORT_STR},      {"occurred", EXPORT_TIME},
    {"logged", EXPORT_TIME}, {"backdated", EXPORT_BOOL}, {"lat", EXPORT_NUM},
    {"lon", EXPORT_NUM},     {"zones", EXPORT_LIST},     {"line_km", EXPORT_NUM},
    {"side", EXPORT_STR},    {"status", EXPORT_STR},     {"breached", EXPORT_INT},
};

static const struct export_col cols_entries[] = {
    {"index", EXPORT_INT},         {"kind", EXPORT_STR},       {"author", EXPORT_STR},
    {"seq", EXPORT_INT},           {"time", EXPORT_TIME},      {"occurred", EXPORT_TIME},
    {"logged", EXPORT_TIME},       {"backdated", EXPORT_BOOL}, {"commitment", EXPORT_STR},
    {"incident_kind", EXPORT_STR}, {"digest", EXPORT_STR},
};

static const struct export_col cols_actors[] = {
    {"id", EXPORT_STR},
    {"name", EXPORT_STR},
    {"role", EXPORT_STR},
    {"owned", EXPORT_INT},
    {"done", EXPORT_INT},
    {"claims", EXPORT_INT},
    {"disputed", EXPORT_INT},
    {"withdrawn", EXPORT_INT},
    {"overdue", EXPORT_INT},
    {"breaches", EXPORT_INT},
    {"reversals", EXPORT_INT},
    {"attestations", EXPORT_INT},
    {"incidents_alleged", EXPORT_INT},
    {"entries", EXPORT_INT},
};

/* PAM's long layout (agreement, provision, year, score), then why. */
static const struct export_col cols_scores[] = {
    {"agreement", EXPORT_STR}, {"provision", EXPORT_STR}, {"year", EXPORT_INT},
    {"score", EXPORT_INT},     {"status", EXPORT_STR},    {"strength", EXPORT_INT},
    {"reason", EXPORT_STR},
};

static const struct export_col cols_yearly[] = {
    {"agreement", EXPORT_STR},     {"year", EXPORT_INT},         {"provisions", EXPORT_INT},
    {"full", EXPORT_INT},          {"percent_full", EXPORT_NUM}, {"score_sum", EXPORT_INT},
    {"percent_score", EXPORT_NUM},
};

static const struct {
	const char *name;
	const struct export_col *cols;
	size_t ncols;
} tables[EXPORT_NTABLES] = {
    [EXPORT_COMMITMENTS] = {"commitments", cols_commitments, ARM_ARRAY_LEN(cols_commitments)},
    [EXPORT_CHANGES] = {"changes", cols_changes, ARM_ARRAY_LEN(cols_changes)},
    [EXPORT_INCIDENTS] = {"incidents", cols_incidents, ARM_ARRAY_LEN(cols_incidents)},
    [EXPORT_ENTRIES] = {"entries", cols_entries, ARM_ARRAY_LEN(cols_entries)},
    [EXPORT_ACTORS] = {"actors", cols_actors, ARM_ARRAY_LEN(cols_actors)},
    [EXPORT_SCORES] = {"scores", cols_scores, ARM_ARRAY_LEN(cols_scores)},
    [EXPORT_YEARLY] = {"yearly", cols_yearly, ARM_ARRAY_LEN(cols_yearly)},
};

static const char *const format_names[] = {"csv", "ndjson", "geojson"};

const char *
export_table_name(enum export_table t)
{
	return t < EXPORT_NTABLES ? tables[t].name : "?";
}

int
export_table_parse(const char *s, enum export_table *t, struct arm_err *e)
{
	size_t i;

	for (i = 0; i < EXPORT_NTABLES; i++)
		if (strcmp(s, tables[i].name) == 0) {
			*t = (enum export_table)i;
			return ARM_OK;
		}
	return arm_err_set(
	    e, ARM_EUSAGE,
	    "no table '%.64s' (commitments, changes, incidents, entries, actors, scores, "
	    "yearly)",
	    s);
}

const char *
export_format_name(enum export_format f)
{
	return (size_t)f < ARM_ARRAY_LEN(format_names) ? format_names[f] : "?";
}

int
export_format_parse(const char *s, enum export_format *f, struct arm_err *e)
{
	size_t i;

	for (i = 0; i < ARM_ARRAY_LEN(format_names); i++)
		if (strcmp(s, format_names[i]) == 0) {
			*f = (enum export_format)i;
			return ARM_OK;
		}
	return arm_err_set(e, ARM_EUSAGE, "no format '%.64s' (csv, ndjson, geojson)", s);
}

bool
export_table_geo(enum export_table t)
{
	return t == EXPORT_INCIDENTS;
}

size_t
export_columns(enum export_table t, const struct export_col **cols)
{
	*cols = tables[t].cols;
	return tables[t].ncols;
}

/* -------------------------------------------------------------- writer */

int
export_w_init(struct export_w *w, enum export_table t, enum export_format f, struct buf *out,
              struct arm_err *e)
{
	size_t i;

	memset(w, 0, sizeof(*w));
	buf_init(&w->row, EXPORT_ROW_MAX);
	w->fmt = f;
	w->table = t;
	w->out = out;
	w->ncols = export_columns(t, &w->cols);
	if (f == EXPORT_GEOJSON && !export_table_geo(t))
		return arm_err_set(e, ARM_EUSAGE, "table %s has no positions: no GeoJSON of it",
		                   export_table_name(t));
	if (f == EXPORT_CSV) {
		for (i = 0; i < w->ncols; i++) {
			ARM_TRY(buf_puts(out, i ? "," : "", e));
			ARM_TRY(buf_puts(out, w->cols[i].name, e));
		}
		return buf_puts(out, "\r\n", e); /* RFC 4180 §2 rule 1: CRLF */
	}
	if (f == EXPORT_GEOJSON)
		return buf_puts(out, "{\"type\":\"FeatureCollection\",\"features\":[", e);
	return ARM_OK;
}

int
export_w_finish(struct export_w *w, struct arm_err *e)
{
	int rc = ARM_OK;

	if (w->fmt == EXPORT_GEOJSON)
		rc = buf_puts(w->out, w->nrows ? "\n]}\n" : "]}\n", e);
	buf_release(&w->row);
	return rc;
}

void
export_w_release(struct export_w *w)
{
	buf_release(&w->row);
}

static void
row_begin(struct export_w *w)
{
	buf_reset(&w->row);
	w->col = 0;
	w->has_pos = false;
}

/* JSON string literal (RFC 8259 §7): quotes, backslash and controls escaped. */
static int
json_str(struct buf *b, const char *s, size_t n, struct arm_err *e)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;

	ARM_TRY(buf_puts(b, "\"", e));
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[7];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		ARM_TRY(buf_append(b, s + run, i - run, e));
		run = i + 1;
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			ARM_TRY(buf_append(b, esc, 2, e));
		} else if (c == '\n') {
			ARM_TRY(buf_puts(b, "\\n", e));
		} else {
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			ARM_TRY(buf_append(b, esc, 6, e));
		}
	}
	ARM_TRY(buf_append(b, s + run, n - run, e));
	return buf_puts(b, "\"", e);
}

/* RFC 4180 §2 rules 6 and 7: quote a field with a comma, quote or line break. */
static int
csv_field(struct buf *b, const char *s, size_t n, bool text, struct arm_err *e)
{
	size_t i, run = 0;
	bool quote = false;

	for (i = 0; i < n; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
			quote = true;
	/* A cell a spreadsheet would run as a formula (export.h). */
	if (text && n > 0 && strchr("=+-@\t\r", s[0]) != NULL) {
		quote = true;
		ARM_TRY(buf_puts(b, "\"'", e));
	} else if (quote) {
		ARM_TRY(buf_puts(b, "\"", e));
	}
	if (!quote)
		return buf_append(b, s, n, e);
	for (i = 0; i < n; i++) {
		if (s[i] != '"')
			continue;
		ARM_TRY(buf_append(b, s + run, i + 1 - run, e));
		ARM_TRY(buf_puts(b, "\"", e));
		run = i + 1;
	}
	ARM_TRY(buf_append(b, s + run, n - run, e));
	return buf_puts(b, "\"", e);
}

/* The separator and (JSON) key of the next column, checking its type. */
static int
field_head(struct export_w *w, enum export_type t, struct arm_err *e)
{
	if (w->col >= w->ncols || w->cols[w->col].type != t)
		return arm_err_set(e, ARM_EUSAGE, "export: table %s column %zu is not of that type",
		                   export_table_name(w->table), w->col);
	if (w->col > 0)
		ARM_TRY(buf_puts(&w->row, ",", e));
	if (w->fmt != EXPORT_CSV) {
		ARM_TRY(json_str(&w->row, w->cols[w->col].name, strlen(w->cols[w->col].name), e));
		ARM_TRY(buf_puts(&w->row, ":", e));
	}
	w->col++;
	return ARM_OK;
}

static int
field_null(struct export_w *w, enum export_type t, struct arm_err *e)
{
	ARM_TRY(field_head(w, t, e));
	return w->fmt == EXPORT_CSV ? ARM_OK : buf_puts(&w->row, "null", e);
}

static int
f_str(struct export_w *w, const char *s, struct arm_err *e)
{
	if (s == NULL)
		return field_null(w, EXPORT_STR, e);
	ARM_TRY(field_head(w, EXPORT_STR, e));
	if (w->fmt == EXPORT_CSV)
		return csv_field(&w->row, s, strlen(s), true, e);
	return json_str(&w->row, s, strlen(s), e);
}

static int
f_int(struct export_w *w, int64_t v, struct arm_err *e)
{
	ARM_TRY(field_head(w, EXPORT_INT, e));
	return buf_printf(&w->row, e, "%lld", (long long)v);
}

/* Unsigned counts and indices; ENGINE_NO_INDEX is no value. */
static int
f_uint(struct export_w *w, uint64_t v, struct arm_err *e)
{
	if (v == ENGINE_NO_INDEX)
		return field_null(w, EXPORT_INT, e);
	ARM_TRY(field_head(w, EXPORT_INT, e));
	return buf_printf(&w->row, e, "%llu", (unsigned long long)v);
}

static int
f_time(struct export_w *w, int64_t t, struct arm_err *e)
{
	char s[21];

	if (t == ENGINE_NO_TIME)
		return field_null(w, EXPORT_TIME, e);
	ARM_TRY(field_head(w, EXPORT_TIME, e));
	engine_time_utc(t, s);
	return buf_printf(&w->row, e, w->fmt == EXPORT_CSV ? "%s" : "\"%s\"", s);
}

static int
f_bool(struct export_w *w, bool v, struct arm_err *e)
{
	ARM_TRY(field_head(w, EXPORT_BOOL, e));
	return buf_puts(&w->row, v ? "true" : "false", e);
}

/* A number already written as decimal text (no quoting needed), or NULL. */
static int
f_num(struct export_w *w, const char *s, struct arm_err *e)
{
	if (s == NULL)
		return field_null(w, EXPORT_NUM, e);
	ARM_TRY(field_head(w, EXPORT_NUM, e));
	return buf_puts(&w->row, s, e);
}

/* Ids ([a-z0-9-]+): ';'-joined in CSV, an array in JSON. */
static int
f_list(struct export_w *w, const char *const *items, size_t n, struct arm_err *e)
{
	size_t i;

	ARM_TRY(field_head(w, EXPORT_LIST, e));
	if (w->fmt != EXPORT_CSV)
		ARM_TRY(buf_puts(&w->row, "[", e));
	for (i = 0; i < n; i++) {
		if (i > 0)
			ARM_TRY(buf_puts(&w->row, w->fmt == EXPORT_CSV ? ";" : ",", e));
		if (w->fmt == EXPORT_CSV)
			ARM_TRY(csv_field(&w->row, items[i], strlen(items[i]), false, e));
		else
			ARM_TRY(json_str(&w->row, items[i], strlen(items[i]), e));
	}
	return w->fmt == EXPORT_CSV ? ARM_OK : buf_puts(&w->row, "]", e);
}

/* Degrees x 1e7 as exact decimal text, 7 places (no floating point). */
void
export_deg_e7(int64_t v, char out[24])
{
	uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	snprintf(out, 24, "%s%llu.%07llu", v < 0 ? "-" : "", (unsigned long long)(a / 10000000u),
	         (unsigned long long)(a % 10000000u));
}

static int
row_end(struct export_w *w, struct arm_err *e)
{
	char lat[24], lon[24];

	if (w->col != w->ncols)
		return arm_err_set(e, ARM_EUSAGE, "export: table %s row has %zu of %zu columns",
		                   export_table_name(w->table), w->col, w->ncols);
	switch (w->fmt) {
	case EXPORT_CSV:
		ARM_TRY(buf_append(w->out, w->row.data, w->row.len, e));
		ARM_TRY(buf_puts(w->out, "\r\n", e));
		break;
	case EXPORT_NDJSON:
		ARM_TRY(buf_puts(w->out, "{", e));
		ARM_TRY(buf_append(w->out, w->row.data, w->row.len, e));
		ARM_TRY(buf_puts(w->out, "}\n", e));
		break;
	case EXPORT_GEOJSON:
		if (!w->has_pos)
			return ARM_OK; /* nothing to draw */
		export_deg_e7(w->lat_e7, lat);
		export_deg_e7(w->lon_e7, lon);
		/* RFC 7946 §3.1.1: longitude first. */
		ARM_TRY(buf_printf(w->out, e,
		                   "%s\n{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\","
		                   "\"coordinates\":[%s,%s]},\"properties\":{",
		                   w->nrows ? "," : "", lon, lat));
		ARM_TRY(buf_append(w->out, w->row.data, w->row.len, e));
		ARM_TRY(buf_puts(w->out, "}}", e));
		break;
	}
	w->nrows++;
	return ARM_OK;
}

/* -------------------------------------------------------------- tables */

#define LIST_MAX 256

int
export_commitments(struct export_w *w, const struct engine *eng, int64_t now, struct arm_err *e)
{
	const struct agreement *a = engine_agreement(eng);
	const char *items[LIST_MAX];
	size_t c, i, n;

	for (c = 0; c < a->ncommitments; c++) {
		const struct agreement_commitment *cm = &a->commitments[c];
		struct engine_cview cv;
		if (engine_commitment_view(eng, c, now, &cv) != ARM_OK)
			return arm_err_set(e, ARM_EUSAGE, "export: no commitment %zu", c);
		row_begin(w);
		ARM_TRY(f_str(w, cm->id, e));
		ARM_TRY(f_str(w, a->phases[cm->phase].id, e));
		ARM_TRY(f_str(w, cm->category, e));
		for (i = 0, n = 0; i < cm->nowners && n < LIST_MAX; i++)
			items[n++] = a->actors[cm->owners[i]].id;
		ARM_TRY(f_list(w, items, n, e));
		ARM_TRY(f_bool(w, cm->standing.standing, e));
		ARM_TRY(f_str(w, engine_status_name(cv.status), e));
		ARM_TRY(f_int(w, cv.strength, e));
		ARM_TRY(f_str(
		    w, cv.best == AGREEMENT_METHOD_NONE ? NULL : agreement_method_name(cv.best),
		    e));
		ARM_TRY(f_bool(w, cv.overdue, e));
		ARM_TRY(f_bool(w, cv.late, e));
		ARM_TRY(f_time(w, cv.due, e));
		ARM_TRY(f_time(w, cv.effective, e));
		ARM_TRY(f_time(w, cv.claimed_at, e));
		ARM_TRY(f_uint(w, cv.nclaims, e));
		ARM_TRY(f_uint(w, cv.nverified, e));
		ARM_TRY(f_uint(w, cv.nrefuted, e));
		ARM_TRY(f_uint(w, cv.nreversals, e));
		ARM_TRY(f_uint(w, cv.nbreaches, e));
		for (i = 0, n = 0; i < cm->nrequires && n < LIST_MAX; i++)
			items[n++] = a->commitments[cm->requires[i]].id;
		ARM_TRY(f_list(w, items, n, e));
		ARM_TRY(f_uint(w, cv.last_index, e));
		ARM_TRY(f_str(w, cm->text, e));
		ARM_TRY(row_end(w, e));
	}
	return ARM_OK;
}

int
export_changes(struct export_w *w, const struct engine *eng, struct arm_err *e)
{
	const struct agreement *a = engine_agreement(eng);
	size_t c, i;

	/* Agreement order, then log order within a commitment (its history). */
	for (c = 0; c < a->ncommitments; c++) {
		struct engine_cview cv;
		if (engine_commitment_view(eng, c, 0, &cv) != ARM_OK)
			return arm_err_set(e, ARM_EUSAGE, "export: no commitment %zu", c);
		for (i = 0; i < cv.nhistory; i++) {
			const struct engine_event *ev = &cv.history[i];
			row_begin(w);
			ARM_TRY(f_str(w, a->commitments[c].id, e));
			ARM_TRY(f_uint(w, ev->index, e));
			ARM_TRY(f_time(w, ev->time, e));
			ARM_TRY(f_time(w, ev->logged, e));
			ARM_TRY(f_bool(w, ev->backdated, e));
			ARM_TRY(f_str(w, engine_status_name(ev->from), e));
			ARM_TRY(f_str(w, engine_status_name(ev->to), e));
			ARM_TRY(f_bool(w, ev->reversal, e));
			ARM_TRY(row_end(w, e));
		}
	}
	return ARM_OK;
}

/* The compass name of side sign (+1 the agreement's positive side, -1 the other, 0 on it). */
static const char *
side_name(const struct agreement *a, int sign)
{
	static const enum agreement_side opposite[] = {
	    AGREEMENT_SIDE_NONE, AGREEMENT_SIDE_SOUTH, AGREEMENT_SIDE_NORTH,
	    AGREEMENT_SIDE_WEST, AGREEMENT_SIDE_EAST,
	};

	if (sign == 0)
		return "line";
	return agreement_side_name(sign > 0 ? a->line.positive : opposite[a->line.positive]);
}

/* From the engine (engine_incident), computed once when the incident was applied. */
void
export_incident_place(const struct agreement *a, const struct engine_incident *inc,
                      struct export_place *out)
{
	size_t z;

	out->nzones = 0;
	for (z = 0; z < inc->nzones && out->nzones < EXPORT_PLACE_ZONES; z++)
		if (inc->zones[z] < a->nzones)
			out->zones[out->nzones++] = a->zones[inc->zones[z]].id;
	out->placed = inc->has_line;
	out->line_m = inc->line_m;
	engine_km_text(inc->line_m, out->km);
	out->side = inc->has_line ? side_name(a, (inc->line_m > 0) - (inc->line_m < 0)) : NULL;
}

const char *
export_incident_status(const struct engine_incident *inc)
{
	return inc->dismissed ? "dismissed" : inc->confirmed ? "confirmed" : "reported";
}

int
export_incidents(struct export_w *w, const struct engine *eng, struct geo_map *map,
                 struct arm_err *e)
{
	const struct agreement *a = engine_agreement(eng);
	struct export_place place;
	size_t i;

	/* Places come from the engine (engine_incident), computed once when applied. */
	(void)map;
	for (i = 0; i < engine_nincidents(eng); i++) {
		struct engine_incident inc;
		char lat[24], lon[24];

		engine_incident(eng, i, &inc);
		export_incident_place(a, &inc, &place);
		row_begin(w);
		w->has_pos = inc.has_pos;
		w->lat_e7 = inc.lat_e7;
		w->lon_e7 = inc.lon_e7;
		ARM_TRY(f_uint(w, inc.index, e));
		ARM_TRY(f_str(w, a->actors[inc.author].id, e));
		ARM_TRY(f_uint(w, inc.seq, e));
		ARM_TRY(f_str(w, a->kinds[inc.kind].id, e));
		ARM_TRY(f_str(w, inc.actor == AGREEMENT_NONE ? NULL : a->actors[inc.actor].id, e));
		ARM_TRY(f_time(w, inc.occurred, e));
		ARM_TRY(f_time(w, inc.logged, e));
		ARM_TRY(f_bool(w, inc.backdated, e));
		export_deg_e7(inc.lat_e7, lat);
		export_deg_e7(inc.lon_e7, lon);
		ARM_TRY(f_num(w, inc.has_pos ? lat : NULL, e));
		ARM_TRY(f_num(w, inc.has_pos ? lon : NULL, e));
		ARM_TRY(f_list(w, place.zones, place.nzones, e));
		/* Whole metres as km with three decimals, as in the state JSON. */
		ARM_TRY(f_num(w, place.placed ? place.km : NULL, e));
		ARM_TRY(f_str(w, place.side, e));
		ARM_TRY(f_str(w, export_incident_status(&inc), e));
		ARM_TRY(f_uint(w, inc.nbreached, e));
		ARM_TRY(row_end(w, e));
	}
	return ARM_OK;
}

int
export_actors(struct export_w *w, const struct engine *eng, int64_t now, struct arm_err *e)
{
	const struct agreement *a = engine_agreement(eng);
	size_t i;

	for (i = 0; i < a->nactors; i++) {
		struct engine_record r;
		engine_record(eng, i, now, &r);
		row_begin(w);
		ARM_TRY(f_str(w, a->actors[i].id, e));
		ARM_TRY(f_str(w, a->actors[i].name, e));
		ARM_TRY(f_str(w, agreement_role_name(a->actors[i].role), e));
		ARM_TRY(f_uint(w, r.owned, e));
		ARM_TRY(f_uint(w, r.done, e));
		ARM_TRY(f_uint(w, r.claims, e));
		ARM_TRY(f_uint(w, r.disputed, e));
		ARM_TRY(f_uint(w, r.withdrawn, e));
		ARM_TRY(f_uint(w, r.overdue, e));
		ARM_TRY(f_uint(w, r.breaches, e));
		ARM_TRY(f_uint(w, r.reversals, e));
		ARM_TRY(f_uint(w, r.attests, e));
		ARM_TRY(f_uint(w, r.incidents_alleged, e));
		ARM_TRY(f_uint(w, r.entries, e));
		ARM_TRY(row_end(w, e));
	}
	return ARM_OK;
}

int
export_entry(struct export_w *w, const struct engine *eng, uint64_t index, const uint8_t *note,
             size_t len, bool backdated, int64_t asof, struct arm_err *e)
{
	uint8_t leaf[HASH_SIZE];
	char hex[2 * HASH_SIZE + 1];
	uint64_t ci;
	size_t nclocks;
	int64_t logged = engine_log_time(eng, &ci, &nclocks);
	struct entry en;
	int rc = ARM_OK;

	/* RFC 9162 §2.1.1: the leaf hash the tree and the checkpoints commit to. */
	hash_leaf(leaf, note, len);
	hash_hex(hex, leaf);
	row_begin(w);
	ARM_TRY(f_uint(w, index, e));
	if (logclock_is(note, len)) {
		struct logclock c;
		/* The engine already checked its signature when it applied it. */
		ARM_TRY(logclock_open(&c, note, len, NULL, e));
		if (asof != ENGINE_NO_TIME && c.time > asof)
			return ARM_OK;
		ARM_TRY(f_str(w, "clock", e));
		ARM_TRY(f_str(w, NULL, e));
		ARM_TRY(f_uint(w, ENGINE_NO_INDEX, e));
		ARM_TRY(f_time(w, c.time, e));
		ARM_TRY(f_time(w, ENGINE_NO_TIME, e));
		ARM_TRY(f_time(w, logged, e));
		ARM_TRY(f_bool(w, false, e));
		ARM_TRY(f_str(w, NULL, e));
		ARM_TRY(f_str(w, NULL, e));
		ARM_TRY(f_str(w, hex, e));
		return row_end(w, e);
	}
	ARM_TRY(entry_parse_note(&en, note, len, e));
	if (asof != ENGINE_NO_TIME && engine_entry_time(&en) != ENGINE_NO_TIME &&
	    engine_entry_time(&en) > asof)
		goto out; /* not yet happened as of --at */
	if ((rc = f_str(w, entry_kind_name(en.kind), e)) != ARM_OK ||
	    (rc = f_str(w, en.author, e)) != ARM_OK ||
	    (rc = f_uint(w, en.author ? en.seq : ENGINE_NO_INDEX, e)) != ARM_OK ||
	    (rc = f_time(w, en.has_time ? en.time.t : ENGINE_NO_TIME, e)) != ARM_OK ||
	    (rc = f_time(w, en.has_occurred ? en.occurred.t : ENGINE_NO_TIME, e)) != ARM_OK ||
	    (rc = f_time(w, logged, e)) != ARM_OK || (rc = f_bool(w, backdated, e)) != ARM_OK ||
	    (rc = f_str(w, en.commitment, e)) != ARM_OK || (rc = f_str(w, en.type, e)) != ARM_OK ||
	    (rc = f_str(w, hex, e)) != ARM_OK)
		goto out;
	rc = row_end(w, e);
out:
	entry_release(&en);
	return rc;
}

/* ------------------------------------------------------ PAM scores */

/*
 * docs/rules.md "Implementation scores" says why each case scores what it
 * does, against the Peace Accords Matrix's definitions of its 0-3 scale.
 */
int
export_pam_score(const struct export_year_view *v, const char **reason)
{
	int s;

	switch (v->status) {
	case ENGINE_DONE:
	case ENGINE_KEPT:
	case ENGINE_VERIFIED:
	case ENGINE_HELD:
		/* Only the owner's own word for it: not yet independently shown. */
		if (!v->standing && v->best == AGREEMENT_METHOD_SELF) {
			s = 2;
			*reason = "verified by self-report only";
		} else {
			s = 3;
			*reason = v->standing ? "kept" : "verified";
		}
		/* Undone and redone within the year: not full for that year. */
		if (s == 3 && (v->breaches_year > 0 || v->reversals_year > 0)) {
			s = 2;
			*reason = v->breaches_year > 0 ? "breached during the year"
			                               : "reversed during the year";
		}
		return s;
	case ENGINE_CLAIMED:
		*reason = v->nverified > 0 ? "claimed, partly verified" : "claimed, not verified";
		return v->nverified > 0 ? 2 : 1;
	case ENGINE_DISPUTED: *reason = "claimed, disputed"; return 1;
	case ENGINE_BREACHED: *reason = "breached"; return 1;
	case ENGINE_OPEN:
		*reason = v->nclaims > 0 ? "claimed by some owners" : "not initiated";
		return v->nclaims > 0 ? 1 : 0;
	case ENGINE_WITHDRAWN: *reason = "withdrawn"; return 0;
	case ENGINE_PENDING:
	case ENGINE_NSTATUS:
	default: *reason = "waiting on a requirement"; return 0;
	}
}

static bool
leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 1970-01-01 to January 1 of year y (proleptic Gregorian). */
static int64_t
days_to_year(int64_t y)
{
	int64_t d = 0, i;

	if (y >= 1970)
		for (i = 1970; i < y; i++)
			d += leap(i) ? 366 : 365;
	else
		for (i = y; i < 1970; i++)
			d -= leap(i) ? 366 : 365;
	return d;
}

int64_t
export_year_start(int32_t y, int32_t tz_offset)
{
	return days_to_year(y) * 86400 - tz_offset;
}

int32_t
export_year_of(int64_t t, int32_t tz_offset)
{
	char s[21];
	int32_t y = 0;
	size_t i;

	engine_time_utc(t + tz_offset, s);
	for (i = 0; i < 4; i++)
		y = y * 10 + (s[i] - '0');
	return y;
}

int
export_scores_year(struct export_w *w, const struct engine *eng, int32_t year,
                   struct export_counts *prev, size_t nprev, size_t *nfull, size_t *sum,
                   struct arm_err *e)
{
	const struct agreement *a = engine_agreement(eng);
	int64_t end = export_year_start(year + 1, a->tz_offset) - 1;
	size_t c;

	*nfull = 0;
	*sum = 0;
	for (c = 0; c < a->ncommitments; c++) {
		struct engine_cview cv;
		struct export_year_view yv;
		const char *why;
		int s;

		if (engine_commitment_view(eng, c, end, &cv) != ARM_OK)
			return arm_err_set(e, ARM_EUSAGE, "export: no commitment %zu", c);
		memset(&yv, 0, sizeof(yv));
		yv.status = cv.status;
		yv.strength = cv.strength;
		yv.best = cv.best;
		yv.nclaims = cv.nclaims;
		yv.nverified = cv.nverified;
		yv.standing = a->commitments[c].standing.standing;
		if (c < nprev) {
			yv.breaches_year =
			    cv.nbreaches -
			    (cv.nbreaches >= prev[c].breaches ? prev[c].breaches : 0);
			yv.reversals_year =
			    cv.nreversals -
			    (cv.nreversals >= prev[c].reversals ? prev[c].reversals : 0);
			prev[c].breaches = cv.nbreaches;
			prev[c].reversals = cv.nreversals;
		}
		s = export_pam_score(&yv, &why);
		if (s == 3)
			(*nfull)++;
		*sum += (size_t)s;
		row_begin(w);
		ARM_TRY(f_str(w, a->name, e));
		ARM_TRY(f_str(w, a->commitments[c].id, e));
		ARM_TRY(f_int(w, year, e));
		ARM_TRY(f_int(w, s, e));
		ARM_TRY(f_str(w, engine_status_name(cv.status), e));
		ARM_TRY(f_int(w, cv.strength, e));
		ARM_TRY(f_str(w, why, e));
		ARM_TRY(row_end(w, e));
	}
	return ARM_OK;
}

/* 100 * num / den with one decimal, rounded half up, from integers only. */
static void
percent(uint64_t num, uint64_t den, char out[32])
{
	uint64_t tenths = (num * 2000u + den) / (2u * den);

	snprintf(out, 32, "%llu.%llu", (unsigned long long)(tenths / 10),
	         (unsigned long long)(tenths % 10));
}

int
export_yearly_row(struct export_w *w, const struct engine *eng, int32_t year, size_t n,
                  size_t nfull, size_t sum, struct arm_err *e)
{
	char pf[32], ps[32];

	if (n > 0) {
		percent(nfull, n, pf);
		percent(sum, 3u * (uint64_t)n, ps);
	}
	row_begin(w);
	ARM_TRY(f_str(w, engine_agreement(eng)->name, e));
	ARM_TRY(f_int(w, year, e));
	ARM_TRY(f_uint(w, n, e));
	ARM_TRY(f_uint(w, nfull, e));
	ARM_TRY(f_num(w, n ? pf : NULL, e));
	ARM_TRY(f_uint(w, sum, e));
	ARM_TRY(f_num(w, n ? ps : NULL, e));
	return row_end(w, e);
}

int64_t
export_commitment_time(uint64_t index, const uint8_t *note, size_t len)
{
	struct note n;
	struct entry en;
	struct arm_err pe;
	int64_t t = ENGINE_NO_TIME;

	if (index == 0 || logclock_is(note, len))
		return ENGINE_NO_TIME;
	if (note_parse(&n, note, len, ENTRY_MAX_SIZE, &pe) != ARM_OK)
		return ENGINE_NO_TIME;
	entry_init(&en);
	if (entry_parse(&en, (const uint8_t *)n.text, n.text_len, &pe) == ARM_OK) {
		if (en.commitment != NULL)
			t = engine_entry_time(&en);
		entry_release(&en);
	}
	note_release(&n);
	return t;
}

/* One year's rows, from the engine the caller's `with` replayed. */
struct scores_year {
	struct export_w *ws, *wy;
	int32_t year;
	size_t nc;
	struct export_counts *prev;
};

static int
scores_year_use(void *uctx, const struct engine *eng, struct arm_err *e)
{
	struct scores_year *sy = uctx;
	size_t nfull = 0, sum = 0;

	if (engine_agreement(eng) == NULL || engine_agreement(eng)->ncommitments != sy->nc)
		return ARM_OK;
	ARM_TRY(export_scores_year(sy->ws, eng, sy->year, sy->prev, sy->nc, &nfull, &sum, e));
	return export_yearly_row(sy->wy, eng, sy->year, sy->nc, nfull, sum, e);
}

int
export_scores(struct export_w *ws, struct export_w *wy, size_t nc, int32_t tz, int64_t first,
              int64_t now, int64_t at, export_engine_fn with, void *ctx, struct arm_err *e)
{
	struct scores_year sy = {ws, wy, 0, nc, NULL};
	int32_t y0, y1;
	int rc = ARM_OK;

	y1 = export_year_of(now, tz);
	y0 = first != ENGINE_NO_TIME ? export_year_of(first, tz) : y1;
	if (y0 > y1)
		y0 = y1;
	if (y1 - y0 >= EXPORT_YEARS_MAX)
		return arm_err_set(e, ARM_ELIMIT, "export: %d years to score, at most %d",
		                   y1 - y0 + 1, EXPORT_YEARS_MAX);
	if ((sy.prev = calloc(nc ? nc : 1, sizeof(*sy.prev))) == NULL)
		return arm_err_set(e, ARM_ENOMEM, "export: out of memory");
	for (sy.year = y0; sy.year <= y1 && rc == ARM_OK; sy.year++) {
		int64_t end = export_year_start(sy.year + 1, tz) - 1;

		if (end > now)
			end = now;
		if (at != ENGINE_NO_TIME && end > at)
			end = at;
		rc = with(ctx, end, scores_year_use, &sy, e);
	}
	free(sy.prev);
	return rc;
}
