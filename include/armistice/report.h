/*
 * report.h - a period's report as one self-contained HTML document: what
 * changed in the period (status changes, amendments, entries), incidents
 * with a map and a chart, what is overdue at the end of the period and
 * who waits on whom (docs/report.md). The kind of document a mission
 * publishes each month: one file, no external resource (the CSS is
 * inline, the map and chart are inline SVG with a title and a
 * description, no script), printable, tables with headers.
 *
 * Every number comes from the state engine replayed as of the period's
 * end, through the same queries as `status --json` (engine_state_json())
 * and `export` (export.h: the incidents' zones and places), so the report
 * and `status --json --at END` agree by construction. Key numbers carry an
 * id (docs/report.md lists them) so a script can read them back.
 *
 * Use: report_init(), then report_note() on every log entry right after
 * the engine applied it (the entries of the period are kept), then
 * report_html() with the engine and the geometry map of the replay.
 *
 * Pure: no I/O, no clock (the period and the source's name are given).
 * Ownership: struct report owns the rows it keeps; report_release() frees
 * them (NULL-safe on a zeroed struct). The engine and map are borrowed.
 */
#ifndef ARMISTICE_REPORT_H
#define ARMISTICE_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "engine.h"
#include "err.h"
#include "geo.h"

/* Entries of one period kept for the report (a larger period is refused). */
#define REPORT_ROWS_MAX 200000

enum report_bin { REPORT_MONTH, REPORT_WEEK };

struct report_period {
	int64_t from, to;    /* first and last second of the period (UTC), from <= to */
	enum report_bin bin; /* the chart's bars: calendar months or weeks (Monday) */
	const char *source;  /* what the report was made from (a directory or URL), shown */
};

/* One entry of the period. */
struct report_row {
	uint64_t index;
	int64_t time; /* its event time (engine_entry_time()) */
	char kind[16];
	char author[72];
	char about[72];  /* the commitment, or an incident's kind */
	char digest[17]; /* the first 16 hex digits of its leaf hash */
};

struct report {
	struct report_period p;
	struct report_row *rows;
	size_t nrows, cap;
};

/* ARM_EUSAGE if from > to. */
int report_init(struct report *r, const struct report_period *p, struct arm_err *e) ARM_MUST_CHECK;
void report_release(struct report *r);

/*
 * The log entry note[0..len) at index: kept when its event time lies in
 * the period. Clock leaves and entry 0 (the agreement) are not entries
 * of a period. ARM_ELIMIT past REPORT_ROWS_MAX.
 */
int report_note(struct report *r, uint64_t index, const uint8_t *note, size_t len,
                struct arm_err *e) ARM_MUST_CHECK;

/*
 * The whole HTML document into out. eng replayed the log as of the
 * period's end; map (may be NULL) is the replay's geometry map, which
 * places incidents and draws nothing by itself (zones are drawn from the
 * agreement's GeoJSON, geo_outline.h).
 */
int report_html(const struct report *r, const struct engine *eng, struct geo_map *map,
                struct buf *out, struct arm_err *e) ARM_MUST_CHECK;

#endif
