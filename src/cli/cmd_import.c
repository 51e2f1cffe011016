/*
 * cmd_import.c - armistice import incidents: a CSV of incidents becomes
 * signed incident entries, appended through the agreement's rules.
 *
 * All or nothing: every row is checked (CSV syntax, columns, date, kind),
 * then every entry is signed and applied to a replay of the log in a
 * scratch engine; only if all of them pass are they appended, in one
 * commit. A bad row is reported by its physical line number and nothing
 * is written.
 *
 * Positions: a row has no coordinates in the formats this reads (the CSIS
 * Beyond Parallel table has none), so the entries carry no lat/lon rather
 * than an invented point; the engine then never places them inside a zone.
 */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_key.h"
#include "cli/cli_replay.h"
#include "armistice/agreement.h"
#include "armistice/csv.h"
#include "armistice/engine.h"
#include "armistice/entry.h"
#include "armistice/hash.h"
#include "armistice/importmap.h"
#include "armistice/log.h"
#include "armistice/logclock.h"
#include "armistice/note.h"
#include "armistice/parfor.h"
#include "armistice/sigbatch.h"
#include "armistice/common.h"

#define IMPORT_MAP_MAX 64
#define IMPORT_ROWS_MAX 100000
#define IMPORT_REPORT_MAX 20 /* bad rows listed before "and N more" */

static const char import_usage[] =
    "usage: armistice import incidents DIR CSV --key KEY [--log-key LOGKEY]\n"
    "           [--zones ZDIR] [--charset utf-8|latin-1|mac-roman] [--kind TYPE=KIND]...\n"
    "           [--event TEXT=KIND]... [--actor ID] [--time now|occurred|TIME]\n"
    "           [--from DATE] [--to DATE] [--dry-run] [--json]\n"
    "       armistice import incidents DIR CSV --map MAPFILE --key KEY [--log-key LOGKEY]\n"
    "           [--zones ZDIR] [--charset CS] [--actor ID] [--time WHEN]\n"
    "           [--from DATE] [--to DATE] [--dry-run] [--json]\n"
    "\n"
    "Turns each row of CSV into an incident entry signed with KEY (the key of\n"
    "an actor of the agreement in the log DIR) and appends them, oldest first,\n"
    "through the agreement's rules. Nothing is written unless every row is\n"
    "good: bad rows are reported by line number. Rows already in the log (an\n"
    "incident of the same kind, day and text) are skipped and counted.\n"
    "\n"
    "Columns (by header name): date (YYYY-MM-DD, a day in the agreement's\n"
    "timezone), type, event, and optionally description and media. The text\n"
    "of an entry is \"EVENT: DESCRIPTION (source: MEDIA)\". Rows carry no\n"
    "position, so none is written.\n"
    "\n"
    "With --map, CSV is an ACLED-style export (event_date, event_type,\n"
    "sub_event_type, actor1, actor2, latitude, longitude, notes, source) or a\n"
    "UCDP GED-style one (date_start, date_end, type_of_violence, side_a,\n"
    "side_b, latitude, longitude, best, source_article), as MAPFILE's `format`\n"
    "line says; MAPFILE maps their categories and actors to the agreement's\n"
    "incident kinds and actors (docs/import.md). Rows keep their positions.\n"
    "\n"
    "  --map MAPFILE      the dataset mapping file\n"
    "  --key KEY          signer key file of the reporting actor\n"
    "  --log-key LOGKEY   the log's signer key (default: the one the log records)\n"
    "                     (a key file, an encrypted key file or a pkcs11: URI;\n"
    "                     armistice-key(1))\n"
    "  --zones ZDIR       directory of the agreement's zone files (default DIR/zones)\n"
    "  --charset CS       encoding of CSV (default utf-8; the CSIS table is mac-roman)\n"
    "  --kind TYPE=KIND   incident kind for rows whose type is TYPE; without one,\n"
    "                     the type lowercased with '-' for other characters\n"
    "  --event TEXT=KIND  kind for rows whose event contains TEXT (ASCII case\n"
    "                     ignored); checked before --kind, first match wins\n"
    "  --actor ID         the alleged actor of every row\n"
    "  --time WHEN        report time: now (default), occurred (the row's day),\n"
    "                     or an RFC 3339 time\n"
    "  --from, --to DATE  import only rows dated in [from, to]\n"
    "  --dry-run          check and sign everything, append nothing\n"
    "  --json             print the result as JSON\n"
    "\n"
    "exit status: 0 ok, 1 verification failed, 2 usage, 3 input refused,\n"
    "4 system error, 5 not found.\n";

static const struct option import_opts[] = {
    {"key", required_argument, NULL, 'k'},
    {"log-key", required_argument, NULL, 'l'},
    {"zones", required_argument, NULL, 'z'},
    {"charset", required_argument, NULL, 'c'},
    {"kind", required_argument, NULL, 'K'},
    {"event", required_argument, NULL, 'E'},
    {"actor", required_argument, NULL, 'a'},
    {"time", required_argument, NULL, 't'},
    {"from", required_argument, NULL, 'f'},
    {"to", required_argument, NULL, 'T'},
    {"dry-run", no_argument, NULL, 'n'},
    {"json", no_argument, NULL, 'j'},
    {"map", required_argument, NULL, 'M'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

struct map {
	const char *from; /* borrowed from argv, up to '=' */
	size_t from_len;
	const char *kind;
};

struct import_args {
	const char *dir, *csv, *key, *log_key, *zones, *actor, *when, *from, *to, *map;
	char zones_buf[4096];
	enum csv_charset cs;
	struct map kinds[IMPORT_MAP_MAX], events[IMPORT_MAP_MAX];
	size_t nkinds, nevents;
	int dry_run, json;
};

/* One good row, before signing. */
struct row {
	size_t line;
	char date[11];
	size_t kind;  /* index into the agreement's incident kinds */
	char *text;   /* owned */
	size_t actor; /* alleged actor (--map), or AGREEMENT_NONE */
	bool has_pos;
	int64_t lat_e7, lon_e7;
};

static int
add_map(struct map *m, size_t *n, const char *arg, const char *opt)
{
	const char *eq = strrchr(arg, '=');

	if (eq == NULL || eq == arg || eq[1] == '\0')
		return cli_usage_error("import", "%s wants TEXT=KIND, not '%s'", opt, arg);
	if (*n == IMPORT_MAP_MAX)
		return cli_usage_error("import", "more than %d %s options", IMPORT_MAP_MAX, opt);
	m[*n].from = arg;
	m[*n].from_len = (size_t)(eq - arg);
	m[*n].kind = eq + 1;
	(*n)++;
	return -1;
}

/* "YYYY-MM-DD" with digits in place; the calendar check comes with the time. */
static bool
date_shape(const char *s, size_t n)
{
	size_t i;

	if (n != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* Returns -1 to go on, else the exit status. */
static int
parse_args(int argc, char **argv, struct import_args *a)
{
	struct arm_err e;
	int c, rc;

	memset(a, 0, sizeof(*a));
	a->cs = CSV_UTF8;
	a->when = "now";
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "k:h", import_opts, NULL)) != -1) {
		switch (c) {
		case 'k': a->key = optarg; break;
		case 'l': a->log_key = optarg; break;
		case 'z': a->zones = optarg; break;
		case 'c':
			if (csv_charset_parse(optarg, &a->cs, &e) != ARM_OK)
				return cli_usage_error("import", "%s", e.msg);
			break;
		case 'K':
			if ((rc = add_map(a->kinds, &a->nkinds, optarg, "--kind")) >= 0)
				return rc;
			break;
		case 'E':
			if ((rc = add_map(a->events, &a->nevents, optarg, "--event")) >= 0)
				return rc;
			break;
		case 'a': a->actor = optarg; break;
		case 't': a->when = optarg; break;
		case 'f': a->from = optarg; break;
		case 'T': a->to = optarg; break;
		case 'n': a->dry_run = 1; break;
		case 'j': a->json = 1; break;
		case 'M': a->map = optarg; break;
		case 'h': fputs(import_usage, stdout); return 0;
		default:
			return cli_usage_error("import", "unknown option or missing argument '%s'",
			                       argv[optind - 1]);
		}
	}
	if (argc - optind != 3 || strcmp(argv[optind], "incidents") != 0)
		return cli_usage_error("import", "want 'incidents DIR CSV'");
	a->dir = argv[optind + 1];
	a->csv = argv[optind + 2];
	if (a->key == NULL)
		return cli_usage_error("import", "--key KEY is required");
	if (a->zones == NULL) {
		if ((size_t)snprintf(a->zones_buf, sizeof(a->zones_buf), "%s/zones", a->dir) >=
		    sizeof(a->zones_buf))
			return cli_usage_error("import", "DIR is too long");
		a->zones = a->zones_buf;
	}
	if (a->map && (a->nkinds > 0 || a->nevents > 0))
		return cli_usage_error("import", "--map replaces --kind and --event");
	if ((a->from && !date_shape(a->from, strlen(a->from))) ||
	    (a->to && !date_shape(a->to, strlen(a->to))))
		return cli_usage_error("import", "--from and --to want YYYY-MM-DD");
	return -1;
}

static bool
contains_ci(const char *hay, size_t hn, const char *needle, size_t nn)
{
	size_t i, j;

	for (i = 0; i + nn <= hn; i++) {
		for (j = 0; j < nn; j++)
			if (tolower((unsigned char)hay[i + j]) != tolower((unsigned char)needle[j]))
				break;
		if (j == nn)
			return true;
	}
	return false;
}

/* The kind id for a row, from --event, --kind, or the slug of its type. */
static void
row_kind(const struct import_args *a, const char *type, size_t tn, const char *event, size_t en,
         char *out, size_t cap)
{
	size_t i, k = 0;

	for (i = 0; i < a->nevents; i++)
		if (contains_ci(event, en, a->events[i].from, a->events[i].from_len)) {
			snprintf(out, cap, "%s", a->events[i].kind);
			return;
		}
	for (i = 0; i < a->nkinds; i++)
		if (a->kinds[i].from_len == tn && memcmp(a->kinds[i].from, type, tn) == 0) {
			snprintf(out, cap, "%s", a->kinds[i].kind);
			return;
		}
	for (i = 0; i < tn && k + 1 < cap; i++) {
		unsigned char ch = (unsigned char)type[i];

		if (isalnum(ch))
			out[k++] = (char)tolower(ch);
		else if (k > 0 && out[k - 1] != '-')
			out[k++] = '-';
	}
	while (k > 0 && out[k - 1] == '-')
		k--;
	out[k] = '\0';
}

/*
 * Appends s[0..n) with every run of ASCII whitespace (line breaks inside
 * quoted fields included) as one space: an entry value is one line.
 */
static int
put_squeezed(struct buf *b, const char *s, size_t n, struct arm_err *e)
{
	size_t i;
	bool space = b->len > 0;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\v' ||
		    ch == '\f') {
			space = true;
			continue;
		}
		if (ch < 0x20 || ch == 0x7f)
			continue; /* other control characters carry nothing a reader can see */
		if (space && b->len > 0)
			ARM_TRY(buf_append(b, " ", 1, e));
		space = false;
		ARM_TRY(buf_append(b, &ch, 1, e));
	}
	return ARM_OK;
}

static int
row_text(const struct csv_record *r, int ev, int de, int me, struct buf *t, struct arm_err *e)
{
	ARM_TRY(put_squeezed(t, r->field[ev], r->len[ev], e));
	if (de >= 0 && r->len[de] > 0) {
		ARM_TRY(buf_append(t, ":", 1, e));
		ARM_TRY(put_squeezed(t, r->field[de], r->len[de], e));
	}
	if (me >= 0 && r->len[me] > 0) {
		size_t before;

		ARM_TRY(buf_puts(t, " (source:", e));
		before = t->len;
		ARM_TRY(put_squeezed(t, r->field[me], r->len[me], e));
		if (t->len == before)
			t->len -= 9; /* the source was only blanks */
		else
			ARM_TRY(buf_append(t, ")", 1, e));
		t->data[t->len] = '\0';
	}
	return ARM_OK;
}

struct reader {
	struct buf text; /* the CSV as UTF-8 */
	struct row *rows;
	size_t nrows;
	size_t skipped; /* outside --from/--to */
	size_t bad;
	struct buf report; /* one line per bad row */
};

static void
reader_release(struct reader *rd)
{
	size_t i;

	for (i = 0; i < rd->nrows; i++)
		free(rd->rows[i].text);
	free(rd->rows);
	buf_release(&rd->text);
	buf_release(&rd->report);
}

static void
bad_row(struct reader *rd, size_t line, const char *what)
{
	struct arm_err e;

	rd->bad++;
	if (rd->bad > IMPORT_REPORT_MAX)
		return;
	/* The report is capped; a full buffer only shortens it. */
	if (buf_printf(&rd->report, &e, "line %zu: %s\n", line, what) != ARM_OK)
		return;
}

/* Checks every row and keeps the good ones; rows are judged all at once. */
static int
read_rows(const struct import_args *a, const struct agreement *ag, struct reader *rd,
          struct arm_err *e)
{
	struct buf raw = BUF_INIT(CSV_INPUT_MAX);
	struct csv_reader r;
	struct csv_record rec;
	bool done = false;
	int dt, ty, ev, de, me, rc;
	size_t width;
	char kind[AGREEMENT_ID_MAX + 2];
	char msg[400];

	rc = cli_read_file(a->csv, &raw, e);
	if (rc == ARM_OK)
		rc = csv_to_utf8(raw.data, raw.len, a->cs, &rd->text, e);
	buf_release(&raw);
	if (rc != ARM_OK) {
		arm_err_prefix(e, "'%s'", a->csv);
		return rc;
	}
	ARM_TRY(csv_reader_init(&r, rd->text.data, rd->text.len, e));
	if ((rc = csv_next(&r, &rec, &done, e)) != ARM_OK || done) {
		if (rc == ARM_OK)
			rc = arm_err_set(e, ARM_ESYNTAX, "no header line");
		goto out;
	}
	dt = csv_find(&rec, "date");
	ty = csv_find(&rec, "type");
	ev = csv_find(&rec, "event");
	de = csv_find(&rec, "description");
	me = csv_find(&rec, "media");
	width = rec.nfields;
	if (dt < 0 || ty < 0 || ev < 0) {
		rc = arm_err_set(
		    e, ARM_ESYNTAX,
		    "line %zu: the header lacks the '%s' column (want date, type, event)", rec.line,
		    dt < 0   ? "date"
		    : ty < 0 ? "type"
		             : "event");
		goto out;
	}
	for (;;) {
		struct buf t = BUF_INIT(ENTRY_VALUE_MAX);
		struct arm_err te;
		struct row *nr;

		if ((rc = csv_next(&r, &rec, &done, e)) != ARM_OK || done)
			break;
		if (rd->nrows + rd->bad == IMPORT_ROWS_MAX) {
			rc = arm_err_set(e, ARM_ELIMIT, "line %zu: more than %d rows", rec.line,
			                 IMPORT_ROWS_MAX);
			break;
		}
		if (rec.nfields != width) {
			snprintf(msg, sizeof(msg), "%zu fields where the header has %zu",
			         rec.nfields, width);
			bad_row(rd, rec.line, msg);
			continue;
		}
		if (!date_shape(rec.field[dt], rec.len[dt])) {
			snprintf(msg, sizeof(msg), "date '%.*s' is not YYYY-MM-DD",
			         (int)(rec.len[dt] > 40 ? 40 : rec.len[dt]), rec.field[dt]);
			bad_row(rd, rec.line, msg);
			continue;
		}
		if ((a->from && strncmp(rec.field[dt], a->from, 10) < 0) ||
		    (a->to && strncmp(rec.field[dt], a->to, 10) > 0)) {
			rd->skipped++;
			continue;
		}
		row_kind(a, rec.field[ty], rec.len[ty], rec.field[ev], rec.len[ev], kind,
		         sizeof(kind));
		if (agreement_kind_index(ag, kind) == AGREEMENT_NONE) {
			snprintf(msg, sizeof(msg),
			         "type '%.*s' (event '%.*s') maps to '%s', no incident kind of the "
			         "agreement (use --kind or --event)",
			         (int)(rec.len[ty] > 60 ? 60 : rec.len[ty]), rec.field[ty],
			         (int)(rec.len[ev] > 60 ? 60 : rec.len[ev]), rec.field[ev], kind);
			bad_row(rd, rec.line, msg);
			continue;
		}
		if (rec.len[ev] == 0) {
			bad_row(rd, rec.line, "the event column is empty");
			continue;
		}
		if (row_text(&rec, ev, de, me, &t, &te) != ARM_OK) {
			buf_release(&t);
			bad_row(rd, rec.line, "the text is longer than an entry value allows");
			continue;
		}
		nr = realloc(rd->rows, (rd->nrows + 1) * sizeof(*nr));
		if (nr == NULL) {
			buf_release(&t);
			rc = arm_err_set(e, ARM_ENOMEM, "out of memory reading rows");
			break;
		}
		rd->rows = nr;
		nr = &rd->rows[rd->nrows++];
		nr->actor = AGREEMENT_NONE;
		nr->has_pos = false;
		nr->line = rec.line;
		memcpy(nr->date, rec.field[dt], 10);
		nr->date[10] = '\0';
		nr->kind = agreement_kind_index(ag, kind);
		nr->text = (char *)buf_detach(&t, NULL);
		if (nr->text == NULL) {
			rd->nrows--;
			rc = arm_err_set(e, ARM_ENOMEM, "out of memory reading rows");
			break;
		}
	}
out:
	csv_reader_release(&r);
	if (rc != ARM_OK)
		arm_err_prefix(e, "'%s'", a->csv);
	return rc;
}

/* ---- ACLED- and UCDP GED-style tables through a mapping file (importmap.h) ---- */

static const char *const month_names[12] = {"January",   "February", "March",    "April",
                                            "May",       "June",     "July",     "August",
                                            "September", "October",  "November", "December"};

/*
 * A row's date as YYYY-MM-DD: "2019-05-04" (ACLED's API, UCDP), with an
 * optional " HH:MM:SS[.fff]" after it (UCDP GED's CSV), or "4 May 2019" /
 * "04 May 2019" (ACLED's export tool). The calendar check comes later.
 */
static bool
dataset_date(const char *s, size_t n, char out[11])
{
	size_t i, d = 0, k;

	if (n >= 10 && date_shape(s, 10) && (n == 10 || s[10] == ' ' || s[10] == 'T')) {
		memcpy(out, s, 10);
		out[10] = '\0';
		return true;
	}
	for (i = 0; i < n && i < 2 && isdigit((unsigned char)s[i]); i++)
		d = d * 10 + (size_t)(s[i] - '0');
	if (i == 0 || d == 0 || d > 31 || i >= n || s[i] != ' ')
		return false;
	i++;
	for (k = 0; k < 12; k++) {
		size_t ml = strlen(month_names[k]);
		if (n - i > ml && memcmp(s + i, month_names[k], ml) == 0 && s[i + ml] == ' ')
			break;
	}
	if (k == 12)
		return false;
	i += strlen(month_names[k]) + 1;
	if (n - i != 4 || !isdigit((unsigned char)s[i]) || !isdigit((unsigned char)s[i + 1]) ||
	    !isdigit((unsigned char)s[i + 2]) || !isdigit((unsigned char)s[i + 3]))
		return false;
	snprintf(out, 11, "%.4s-%02zu-%02zu", s + i, k + 1, d);
	return true;
}

enum { C_DATE, C_TYPE, C_SUB, C_ACT1, C_ACT2, C_LAT, C_LON, C_NOTES, C_SRC, C_END, C_N };

static const char *const acled_cols[C_N] = {"event_date", "event_type", "sub_event_type", "actor1",
                                            "actor2",     "latitude",   "longitude",      "notes",
                                            "source",     NULL};
static const char *const ucdp_cols[C_N] = {
    "date_start", "type_of_violence", "best", "side_a",         "side_b",
    "latitude",   "longitude",        NULL,   "source_article", "date_end"};

static void
bad_col(struct reader *rd, const struct csv_record *rec, int col, const char *cname,
        const char *fmt, size_t vl)
{
	char msg[400];

	snprintf(msg, sizeof(msg), "col %d (%s): %s '%.*s'", col + 1, cname, fmt,
	         (int)(vl > 60 ? 60 : vl), rec->field[col]);
	bad_row(rd, rec->line, msg);
}

/* Appends prefix, then s[0..n) squeezed (put_squeezed()) with no space before it. */
static int
put_after(struct buf *b, const char *prefix, const char *s, size_t n, struct arm_err *e)
{
	struct buf w = BUF_INIT(ENTRY_VALUE_MAX);
	int rc = put_squeezed(&w, s, n, e);

	if (rc == ARM_OK)
		rc = buf_puts(b, prefix, e);
	if (rc == ARM_OK)
		rc = buf_append(b, w.data, w.len, e);
	buf_release(&w);
	return rc;
}

static int
dataset_text(enum importmap_format f, const struct csv_record *r, const int *c, struct buf *t,
             struct arm_err *e)
{
	bool a1 = r->len[c[C_ACT1]] > 0, a2 = c[C_ACT2] >= 0 && r->len[c[C_ACT2]] > 0;

	if (f == IMPORTMAP_ACLED) {
		ARM_TRY(put_after(t, "", r->field[c[C_TYPE]], r->len[c[C_TYPE]], e));
		if (c[C_SUB] >= 0 && r->len[c[C_SUB]] > 0)
			ARM_TRY(put_after(t, " / ", r->field[c[C_SUB]], r->len[c[C_SUB]], e));
	} else {
		ARM_TRY(put_after(t, "UCDP type_of_violence ", r->field[c[C_TYPE]],
		                  r->len[c[C_TYPE]], e));
	}
	if (a1 || a2) {
		ARM_TRY(put_after(t, " (", r->field[c[C_ACT1]], r->len[c[C_ACT1]], e));
		if (a2)
			ARM_TRY(put_after(t, a1 ? " vs " : "", r->field[c[C_ACT2]],
			                  r->len[c[C_ACT2]], e));
		ARM_TRY(buf_puts(t, ")", e));
	}
	if (f == IMPORTMAP_ACLED && c[C_NOTES] >= 0 && r->len[c[C_NOTES]] > 0)
		ARM_TRY(put_after(t, ": ", r->field[c[C_NOTES]], r->len[c[C_NOTES]], e));
	if (f == IMPORTMAP_UCDP) {
		if (c[C_SUB] >= 0 && r->len[c[C_SUB]] > 0) {
			ARM_TRY(put_after(t, ": best estimate ", r->field[c[C_SUB]],
			                  r->len[c[C_SUB]], e));
			ARM_TRY(buf_puts(t, " deaths", e));
		}
		if (c[C_END] >= 0 && r->len[c[C_END]] >= 10 &&
		    memcmp(r->field[c[C_END]], r->field[c[C_DATE]], 10) != 0)
			ARM_TRY(put_after(t, ", until ", r->field[c[C_END]], 10, e));
	}
	if (c[C_SRC] >= 0 && r->len[c[C_SRC]] > 0) {
		ARM_TRY(put_after(t, " (source: ", r->field[c[C_SRC]], r->len[c[C_SRC]], e));
		ARM_TRY(buf_puts(t, ")", e));
	}
	return ARM_OK;
}

/* The kind rule for a row: ACLED "type/sub" first, then "type"; UCDP its type. */
static const struct importmap_rule *
dataset_kind(const struct importmap *m, const struct csv_record *r, const int *c)
{
	const struct importmap_rule *k = NULL;

	if (m->format == IMPORTMAP_ACLED && c[C_SUB] >= 0 && r->len[c[C_SUB]] > 0) {
		char key[2 * CSV_FIELD_MAX + 2];
		size_t n = r->len[c[C_TYPE]], n2 = r->len[c[C_SUB]];
		memcpy(key, r->field[c[C_TYPE]], n);
		key[n] = '/';
		memcpy(key + n + 1, r->field[c[C_SUB]], n2);
		k = importmap_find(m, IMPORTMAP_KIND, key, n + 1 + n2);
	}
	if (k == NULL)
		k = importmap_find(m, IMPORTMAP_KIND, r->field[c[C_TYPE]], r->len[c[C_TYPE]]);
	return k;
}

static int
read_rows_dataset(const struct import_args *a, const struct agreement *ag,
                  const struct importmap *m, struct reader *rd, struct arm_err *e)
{
	const char *const *names = m->format == IMPORTMAP_ACLED ? acled_cols : ucdp_cols;
	struct buf raw = BUF_INIT(CSV_INPUT_MAX);
	struct csv_reader r;
	struct csv_record rec;
	bool done = false;
	int c[C_N], rc, i;
	size_t width;

	rc = cli_read_file(a->csv, &raw, e);
	if (rc == ARM_OK)
		rc = csv_to_utf8(raw.data, raw.len, a->cs, &rd->text, e);
	buf_release(&raw);
	if (rc != ARM_OK) {
		arm_err_prefix(e, "'%s'", a->csv);
		return rc;
	}
	ARM_TRY(csv_reader_init(&r, rd->text.data, rd->text.len, e));
	if ((rc = csv_next(&r, &rec, &done, e)) != ARM_OK || done) {
		if (rc == ARM_OK)
			rc = arm_err_set(e, ARM_ESYNTAX, "no header line");
		goto out;
	}
	for (i = 0; i < C_N; i++) {
		c[i] = names[i] ? csv_find(&rec, names[i]) : -1;
		/* Required: the date, the category, the first actor and the position columns. */
		if (names[i] && c[i] < 0 &&
		    (i == C_DATE || i == C_TYPE || i == C_ACT1 || i == C_LAT || i == C_LON)) {
			rc = arm_err_set(e, ARM_ESYNTAX,
			                 "line %zu: the header lacks the '%s' column (%s)",
			                 rec.line, names[i], importmap_format_name(m->format));
			goto out;
		}
	}
	width = rec.nfields;
	for (;;) {
		struct buf t = BUF_INIT(ENTRY_VALUE_MAX);
		struct arm_err te;
		const struct importmap_rule *kr, *ar;
		struct row *nr, row;

		if ((rc = csv_next(&r, &rec, &done, e)) != ARM_OK || done)
			break;
		if (rd->nrows + rd->bad == IMPORT_ROWS_MAX) {
			rc = arm_err_set(e, ARM_ELIMIT, "line %zu: more than %d rows", rec.line,
			                 IMPORT_ROWS_MAX);
			break;
		}
		if (rec.nfields != width) {
			char msg[100];
			snprintf(msg, sizeof(msg), "%zu fields where the header has %zu",
			         rec.nfields, width);
			bad_row(rd, rec.line, msg);
			continue;
		}
		memset(&row, 0, sizeof(row));
		row.line = rec.line;
		row.actor = AGREEMENT_NONE;
		if (!dataset_date(rec.field[c[C_DATE]], rec.len[c[C_DATE]], row.date)) {
			bad_col(rd, &rec, c[C_DATE], names[C_DATE],
			        "not a date (YYYY-MM-DD or D Month YYYY):", rec.len[c[C_DATE]]);
			continue;
		}
		if ((a->from && strcmp(row.date, a->from) < 0) ||
		    (a->to && strcmp(row.date, a->to) > 0)) {
			rd->skipped++;
			continue;
		}
		if ((kr = dataset_kind(m, &rec, c)) == NULL) {
			bad_col(rd, &rec, c[C_TYPE], names[C_TYPE], "no kind rule in the map for",
			        rec.len[c[C_TYPE]]);
			continue;
		}
		row.kind = agreement_kind_index(ag, kr->id);
		ar = importmap_find(m, IMPORTMAP_ACTOR, rec.field[c[C_ACT1]], rec.len[c[C_ACT1]]);
		if (ar != NULL)
			row.actor = agreement_actor_index(ag, ar->id);
		else if (a->actor != NULL)
			row.actor = agreement_actor_index(ag, a->actor);
		if (rec.len[c[C_LAT]] > 0 || rec.len[c[C_LON]] > 0) {
			if (!importmap_deg_e7(rec.field[c[C_LAT]], rec.len[c[C_LAT]], true,
			                      &row.lat_e7)) {
				bad_col(rd, &rec, c[C_LAT], names[C_LAT],
				        "not a latitude in degrees:", rec.len[c[C_LAT]]);
				continue;
			}
			if (!importmap_deg_e7(rec.field[c[C_LON]], rec.len[c[C_LON]], false,
			                      &row.lon_e7)) {
				bad_col(rd, &rec, c[C_LON], names[C_LON],
				        "not a longitude in degrees:", rec.len[c[C_LON]]);
				continue;
			}
			row.has_pos = true;
		}
		if (dataset_text(m->format, &rec, c, &t, &te) != ARM_OK) {
			buf_release(&t);
			bad_row(rd, rec.line, "the text is longer than an entry value allows");
			continue;
		}
		if (rd->nrows % 1024 == 0) {
			nr = realloc(rd->rows, (rd->nrows + 1024) * sizeof(*nr));
			if (nr == NULL) {
				buf_release(&t);
				rc = arm_err_set(e, ARM_ENOMEM, "out of memory reading rows");
				break;
			}
			rd->rows = nr;
		}
		row.text = (char *)buf_detach(&t, NULL);
		if (row.text == NULL) {
			rc = arm_err_set(e, ARM_ENOMEM, "out of memory reading rows");
			break;
		}
		rd->rows[rd->nrows++] = row;
	}
out:
	csv_reader_release(&r);
	if (rc != ARM_OK)
		arm_err_prefix(e, "'%s'", a->csv);
	return rc;
}

/* Oldest first; rows of one day keep their order in the file. */
static int
row_cmp(const void *x, const void *y)
{
	const struct row *a = x, *b = y;
	int c = strcmp(a->date, b->date);

	if (c != 0)
		return c;
	return a->line < b->line ? -1 : a->line > b->line;
}

/* "+09:00" or "Z" for an offset in seconds (agreement.c keeps it under a day). */
static void
tz_text(int32_t off, char out[16])
{
	unsigned a = (unsigned)(off < 0 ? -(int64_t)off : off) % 86400u;

	if (off == 0)
		snprintf(out, 16, "Z");
	else
		snprintf(out, 16, "%c%02u:%02u", off < 0 ? '-' : '+', a / 3600u, a % 3600u / 60u);
}

/* The author: the actor one of whose keys is the signer's. */
static size_t
author_of(const struct agreement *ag, const struct note_signer *s)
{
	size_t i, k;

	for (i = 0; i < ag->nactors; i++)
		for (k = 0; k < ag->actors[i].nkeys; k++) {
			const struct note_verifier *v = &ag->actors[i].keys[k];
			if (v->key_id == s->key_id && memcmp(v->pk, s->pk, 32) == 0 &&
			    strcmp(v->name, s->name) == 0)
				return i;
		}
	return AGREEMENT_NONE;
}

/*
 * Incidents already in the log, by SHA-256 of "type\n occurred\n text", so
 * that importing the same table again adds nothing (the rows are skipped
 * and counted) instead of recording every incident twice.
 */
struct seen {
	uint8_t (*h)[HASH_SIZE];
	size_t n, cap;
};

static void
incident_key(const char *type, int64_t occurred, const char *text, uint8_t out[HASH_SIZE])
{
	struct buf b = BUF_INIT(ENTRY_MAX_SIZE);
	struct arm_err e;

	if (buf_printf(&b, &e, "%s\n%lld\n%s", type, (long long)occurred, text) == ARM_OK)
		hash_sha256(out, b.data, b.len);
	else
		memset(out, 0, HASH_SIZE); /* cannot happen below the entry size */
	buf_release(&b);
}

static int
seen_add(void *ctx, uint64_t index, const uint8_t *note, size_t len, struct arm_err *e)
{
	struct seen *sn = ctx;
	struct note n;
	struct entry en;
	int rc;

	if (index == 0 || logclock_is(note, len))
		return ARM_OK; /* the agreement, a clock leaf */
	memset(&n, 0, sizeof(n));
	entry_init(&en);
	if ((rc = note_parse(&n, note, len, ENTRY_MAX_SIZE, e)) == ARM_OK)
		rc = entry_parse(&en, (const uint8_t *)n.text, n.text_len, e);
	if (rc == ARM_OK && en.kind == ENTRY_INCIDENT && en.type && en.text && en.has_occurred) {
		if (sn->n == sn->cap) {
			size_t nc = sn->cap ? sn->cap * 2 : 256;
			void *p = realloc(sn->h, nc * sizeof(*sn->h));
			if (p == NULL)
				rc = arm_err_set(e, ARM_ENOMEM, "out of memory listing incidents");
			else
				sn->h = p, sn->cap = nc;
		}
		if (rc == ARM_OK)
			incident_key(en.type, en.occurred.t, en.text, sn->h[sn->n++]);
	}
	if (rc != ARM_OK)
		arm_err_prefix(e, "log entry %llu", (unsigned long long)index);
	entry_release(&en);
	note_release(&n);
	return rc;
}

static int
key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, HASH_SIZE);
}

static bool
seen_has(const struct seen *sn, const uint8_t key[HASH_SIZE])
{
	return sn->n > 0 && bsearch(key, sn->h, sn->n, sizeof(*sn->h), key_cmp) != NULL;
}

/* The row's occurred time, as the entry will carry it. */
static int
row_occurred(const struct agreement *ag, const struct row *rw, struct entry_time *t,
             struct arm_err *e)
{
	char tz[16], occ[48];

	tz_text(ag->tz_offset, tz);
	snprintf(occ, sizeof(occ), "%sT00:00:00%s", rw->date, tz);
	if (entry_time_parse(t, occ, strlen(occ), e) != ARM_OK) {
		arm_err_prefix(e, "line %zu: date '%s'", rw->line, rw->date);
		return e->rc;
	}
	return ARM_OK;
}

/* Whether the log already holds this row's incident (same kind, day, text). */
static int
row_dup(const struct agreement *ag, const struct row *rw, const struct seen *sn, bool *dup,
        struct arm_err *e)
{
	struct entry_time t;
	uint8_t key[HASH_SIZE];

	ARM_TRY(row_occurred(ag, rw, &t, e));
	incident_key(ag->kinds[rw->kind].id, t.t, rw->text, key);
	*dup = seen_has(sn, key);
	return ARM_OK;
}

/* Builds and signs the entry for row; appends the signed note to out. */
static int
sign_row(const struct import_args *a, const struct agreement *ag, const struct row *rw,
         size_t author, uint64_t seq, int64_t now, const struct note_signer *s, struct buf *out,
         struct arm_err *e)
{
	struct entry en;
	struct buf text = BUF_INIT(ENTRY_MAX_SIZE);
	const struct note_signer *sp[1] = {s};
	const char *act;
	int rc;

	entry_init(&en);
	en.kind = ENTRY_INCIDENT;
	memcpy(en.agreement, ag->id, HASH_SIZE);
	en.seq = seq;
	en.has_occurred = true;
	en.has_time = true;
	if ((rc = row_occurred(ag, rw, &en.occurred, e)) != ARM_OK)
		goto out;
	if (strcmp(a->when, "occurred") == 0) {
		en.time = en.occurred;
	} else if (strcmp(a->when, "now") == 0) {
		en.time.t = now;
		en.time.offset = ag->tz_offset;
	} else if ((rc = entry_time_parse(&en.time, a->when, strlen(a->when), e)) != ARM_OK) {
		goto out;
	}
	en.author = strdup(ag->actors[author].id);
	en.type = strdup(ag->kinds[rw->kind].id);
	en.text = strdup(rw->text);
	act = rw->actor != AGREEMENT_NONE ? ag->actors[rw->actor].id : a->actor;
	en.actor = act ? strdup(act) : NULL;
	if (rw->has_pos) {
		en.has_position = true;
		en.lat_e7 = rw->lat_e7;
		en.lon_e7 = rw->lon_e7;
	}
	if (en.author == NULL || en.type == NULL || en.text == NULL || (act && en.actor == NULL)) {
		rc = arm_err_set(e, ARM_ENOMEM, "out of memory building entries");
		goto out;
	}
	rc = entry_format(&en, &text, e);
	if (rc == ARM_OK)
		rc = note_sign((const char *)text.data, text.len, sp, 1, out, e);
	if (rc != ARM_OK)
		arm_err_prefix(e, "line %zu", rw->line);
out:
	entry_release(&en);
	buf_release(&text);
	return rc;
}

struct batch {
	uint8_t **notes;
	size_t *lens;
	size_t *row; /* the row each note was made from */
	size_t n;
};

static void
batch_release(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		free(b->notes[i]);
	free(b->notes);
	free(b->lens);
	free(b->row);
	memset(b, 0, sizeof(*b));
}

/*
 * Signing on every core (parfor.h): once the rows already in the log are
 * set aside, each row's seq number is known, and the rows are independent.
 * Note k is always row b->row[k] with seq seq0 + k, whatever the number of
 * threads; a failure is reported for the first failing row.
 */
struct sign_job {
	const struct import_args *a;
	const struct agreement *ag;
	const struct reader *rd;
	const struct note_signer *ks;
	struct batch *b;
	size_t author;
	uint64_t seq0;
	int64_t now;
	size_t bad[PARFOR_MAX_THREADS]; /* each share's first failing note, or SIZE_MAX */
	struct arm_err err[PARFOR_MAX_THREADS];
};

static void
sign_share(void *ctx, size_t lo, size_t hi, unsigned t)
{
	struct sign_job *j = ctx;
	size_t k;

	j->bad[t] = SIZE_MAX;
	for (k = lo; k < hi; k++) {
		struct buf note = BUF_INIT(ENTRY_MAX_SIZE);
		if (sign_row(j->a, j->ag, &j->rd->rows[j->b->row[k]], j->author, j->seq0 + k,
		             j->now, j->ks, &note, &j->err[t]) != ARM_OK) {
			buf_release(&note);
			j->bad[t] = k;
			return;
		}
		j->b->notes[k] = buf_detach(&note, &j->b->lens[k]);
	}
}

static int
sign_rows(const struct import_args *a, const struct agreement *ag, const struct reader *rd,
          const struct seen *sn, size_t author, uint64_t seq0, const struct note_signer *ks,
          struct batch *b, size_t *dups, struct arm_err *e)
{
	struct sign_job *j;
	unsigned k, t;
	size_t i;
	int rc = ARM_OK;

	for (i = 0; i < rd->nrows; i++) {
		bool dup = false;
		ARM_TRY(row_dup(ag, &rd->rows[i], sn, &dup, e));
		if (dup)
			(*dups)++;
		else
			b->row[b->n++] = i;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return arm_err_set(e, ARM_ENOMEM, "out of memory");
	*j = (struct sign_job){a, ag, rd, ks, b, author, seq0, (int64_t)time(NULL), {0}, {{0}}};
	/* A token (PKCS#11) signs one request at a time. */
	k = parfor(b->n, ks->sk != NULL ? 0 : 1, sign_share, j);
	for (t = 0; t < k; t++)
		if (j->bad[t] != SIZE_MAX) {
			*e = j->err[t];
			rc = e->rc;
			break;
		}
	free(j);
	return rc;
}

/* Every signature of the batch checked on every core ahead of the rules. */
static int
precheck(const struct cli_replay *hook, const struct batch *b, struct sigbatch *sb,
         struct arm_err *e)
{
	struct note_verifier *keys = NULL;
	size_t nkeys = 0, cap = 0;
	int rc;

	rc = sigbatch_agreement_keys(engine_agreement(hook->eng), &keys, &nkeys, &cap, e);
	if (rc == ARM_OK)
		rc = sigbatch_run(sb, (const uint8_t *const *)b->notes, b->lens, b->n, keys, nkeys,
		                  0, e);
	free(keys);
	return rc;
}

static int
open_log(const struct import_args *a, struct note_signer *ls, struct cli_replay *hook,
         struct log **l, struct arm_err *e)
{
	struct log_config cfg;
	struct log_opts o;
	const char *kp = a->log_key;

	ARM_TRY(log_config_read(a->dir, &cfg, e));
	if (kp == NULL) {
		if (cfg.key_path[0] == '\0')
			return arm_err_set(e, ARM_EUSAGE,
			                   "log '%s' records no key file: give --log-key LOG.key",
			                   a->dir);
		kp = cfg.key_path;
	}
	ARM_TRY(cli_key_signer(kp, ls, e));
	memset(&o, 0, sizeof(o));
	o.writer = true;
	o.key = ls;
	o.batch_max = LOG_BATCH_MAX;
	engine_log_hooks(hook->eng, &o.hooks);
	return log_open(l, a->dir, &o, e);
}

static void
print_result(const struct import_args *a, const char *author, size_t n, uint64_t seq0,
             uint64_t idx0, const struct reader *rd, size_t dups, uint64_t size)
{
	if (a->json) {
		printf("{\"imported\":%zu,\"dry_run\":%s,\"author\":", a->dry_run ? 0 : n,
		       a->dry_run ? "true" : "false");
		cli_json_str(stdout, author, strlen(author));
		printf(",\"checked\":%zu,\"skipped\":%zu,\"already\":%zu,\"first_seq\":%llu,\"last_"
		       "seq\":%llu,"
		       "\"first_index\":%llu,\"last_index\":%llu,\"log_size\":%llu}\n",
		       n, rd->skipped, dups, (unsigned long long)seq0,
		       (unsigned long long)(n ? seq0 + n - 1 : seq0), (unsigned long long)idx0,
		       (unsigned long long)(n ? idx0 + n - 1 : idx0), (unsigned long long)size);
		return;
	}
	if (a->dry_run)
		printf("checked %zu incidents from %s (nothing written, dry run)\n", n, a->csv);
	else if (n == 0)
		printf("no rows to import from %s\n", a->csv);
	else
		printf(
		    "imported %zu incidents from %s as %s seq %llu..%llu, log entries %llu..%llu\n",
		    n, a->csv, author, (unsigned long long)seq0, (unsigned long long)(seq0 + n - 1),
		    (unsigned long long)idx0, (unsigned long long)(idx0 + n - 1));
	if (rd->skipped)
		printf("skipped %zu rows outside --from/--to\n", rd->skipped);
	if (dups)
		printf("skipped %zu rows already in the log (same kind, day and text)\n", dups);
}

/* A progress bar on a terminal (stderr only, and only when it is a tty). */
static void
progress(uint64_t done, uint64_t total)
{
	char bar[41];
	size_t k = total ? (size_t)(done * 40 / total) : 40;

	memset(bar, '#', k);
	memset(bar + k, '.', 40 - k);
	bar[40] = '\0';
	fprintf(stderr, "\rsigning and checking [%s] %llu/%llu", bar, (unsigned long long)done,
	        (unsigned long long)total);
	fflush(stderr);
}

static int
import_incidents(const struct import_args *a)
{
	struct arm_err e = {ARM_OK, ""};
	struct note_signer ks, ls;
	struct cli_replay hook, scratch;
	struct reader rd;
	struct batch b;
	struct sigbatch sb;
	struct log *l = NULL;
	struct log_result *res = NULL;
	const struct agreement *ag;
	struct engine_record er;
	struct seen sn = {NULL, 0, 0};
	struct importmap map;
	bool bar = isatty(STDERR_FILENO) && !a->json;
	uint64_t size = 0, size0 = 0, seq0 = 0, i;
	size_t dups = 0;
	size_t author;
	int rc;

	memset(&ks, 0, sizeof(ks));
	memset(&ls, 0, sizeof(ls));
	memset(&hook, 0, sizeof(hook));
	memset(&scratch, 0, sizeof(scratch));
	memset(&rd, 0, sizeof(rd));
	memset(&b, 0, sizeof(b));
	memset(&sb, 0, sizeof(sb));
	memset(&map, 0, sizeof(map));
	buf_init(&rd.text, CSV_INPUT_MAX * 2);
	buf_init(&rd.report, 16384);

	/* The hook engine checks the real append; the scratch one the dry run. */
	if ((rc = cli_key_signer(a->key, &ks, &e)) != ARM_OK ||
	    (rc = cli_replay_init(&hook, a->zones, ENGINE_NO_TIME, true, &e)) != ARM_OK ||
	    (rc = cli_replay_init(&scratch, a->zones, ENGINE_NO_TIME, false, &e)) != ARM_OK ||
	    (rc = open_log(a, &ls, &hook, &l, &e)) != ARM_OK)
		goto out;
	size = size0 = log_size(l);
	if (size == 0) {
		rc = arm_err_set(&e, ARM_ENOTFOUND,
		                 "log '%s' is empty: it needs its agreement first (armistice init)",
		                 a->dir);
		goto out;
	}
	if ((rc = cli_replay_scan(&hook, l, 0, size, cli_replay_apply, &hook, &e)) != ARM_OK ||
	    (rc = log_scan(l, 0, size, cli_replay_apply, &scratch, &e)) != ARM_OK ||
	    (rc = log_scan(l, 0, size, seen_add, &sn, &e)) != ARM_OK)
		goto out;
	if (sn.n > 0)
		qsort(sn.h, sn.n, sizeof(*sn.h), key_cmp);
	ag = engine_agreement(hook.eng);
	if ((author = author_of(ag, &ks)) == AGREEMENT_NONE) {
		rc = arm_err_set(&e, ARM_ERULE,
		                 "key '%s' (%08x) is not a key of any actor of the agreement",
		                 ks.name, (unsigned)ks.key_id);
		goto out;
	}
	if (a->actor && agreement_actor_index(ag, a->actor) == AGREEMENT_NONE) {
		rc = arm_err_set(&e, ARM_ERULE, "--actor '%s' is not an actor of the agreement",
		                 a->actor);
		goto out;
	}
	if (a->map != NULL) {
		struct buf mb = BUF_INIT(IMPORTMAP_FILE_MAX);
		size_t k;
		rc = cli_read_file(a->map, &mb, &e);
		if (rc == ARM_OK)
			rc = importmap_parse(&map, a->map, mb.data, mb.len, &e);
		buf_release(&mb);
		if (rc != ARM_OK)
			goto out;
		/* Every id the map names must be the agreement's, said at its line. */
		for (k = 0; k < map.nrules; k++) {
			const struct importmap_rule *mr = &map.rules[k];
			bool kind = mr->what == IMPORTMAP_KIND;
			if ((kind ? agreement_kind_index(ag, mr->id)
			          : agreement_actor_index(ag, mr->id)) == AGREEMENT_NONE) {
				rc = arm_err_set(&e, ARM_ESYNTAX,
				                 "%s:%zu: %s-known: '%s' is no %s of the agreement",
				                 a->map, mr->line, kind ? "kind" : "actor", mr->id,
				                 kind ? "incident kind" : "actor");
				goto out;
			}
		}
		rc = read_rows_dataset(a, ag, &map, &rd, &e);
	} else {
		rc = read_rows(a, ag, &rd, &e);
	}
	if (rc != ARM_OK)
		goto out;
	if (rd.bad > 0) {
		fputs((const char *)rd.report.data, stderr);
		if (rd.bad > IMPORT_REPORT_MAX)
			fprintf(stderr, "... and %zu more bad rows\n", rd.bad - IMPORT_REPORT_MAX);
		rc = arm_err_set(&e, ARM_ESYNTAX, "%zu bad rows in '%s': nothing imported", rd.bad,
		                 a->csv);
		goto out;
	}
	qsort(rd.rows, rd.nrows, sizeof(*rd.rows), row_cmp);
	engine_record(hook.eng, author, 0, &er);
	seq0 = (uint64_t)er.entries + 1;
	b.notes = calloc(rd.nrows + 1, sizeof(*b.notes));
	b.lens = calloc(rd.nrows + 1, sizeof(*b.lens));
	b.row = calloc(rd.nrows + 1, sizeof(*b.row));
	res = calloc(rd.nrows + 1, sizeof(*res));
	if (b.notes == NULL || b.lens == NULL || b.row == NULL || res == NULL) {
		rc = arm_err_set(&e, ARM_ENOMEM, "out of memory");
		goto out;
	}
	if (rd.nrows > 100 && !bar)
		fprintf(stderr, "armistice import: signing and checking %zu incidents\n", rd.nrows);
	/* The dry run sees the clock leaf that the sequencer puts first. */
	{
		struct buf cn = BUF_INIT(LOGCLOCK_NOTE_MAX);
		rc = cli_replay_clock(&scratch, size, &ls, &cn, &e);
		if (cn.len > 0)
			size0 = size + 1;
		buf_release(&cn);
		if (rc != ARM_OK)
			goto out;
	}
	if ((rc = sign_rows(a, ag, &rd, &sn, author, seq0, &ks, &b, &dups, &e)) != ARM_OK)
		goto out;
	for (i = 0; i < b.n; i++) {
		/* The dry run: the rules, in order, on the scratch engine. */
		rc = engine_apply_note(scratch.eng, size0 + i, b.notes[i], b.lens[i], &e);
		if (rc != ARM_OK) {
			arm_err_prefix(&e, "line %zu", rd.rows[b.row[i]].line);
			goto out;
		}
		if (bar && (i % 512 == 0 || i + 1 == b.n))
			progress(i + 1, b.n);
	}
	if (bar)
		fputs(rd.nrows > 0 ? "\n" : "", stderr);
	if (!a->dry_run && b.n > 0) {
		rc = precheck(&hook, &b, &sb, &e);
		if (rc == ARM_OK) {
			sigmemo_use(&sb.memo);
			rc = log_append_many(l, (const uint8_t *const *)b.notes, b.lens, b.n, res,
			                     &e);
			sigmemo_use(NULL);
		}
		for (i = 0; rc == ARM_OK && i < b.n; i++)
			if (res[i].err.rc != ARM_OK || res[i].dup) {
				/* The dry run passed, so only a concurrent writer gets here. */
				e = res[i].err;
				rc = res[i].dup ? arm_err_set(&e, ARM_ECONFLICT,
				                              "the same entry is already at %llu",
				                              (unsigned long long)res[i].index)
				                : (int)e.rc;
				arm_err_prefix(&e,
				               "entry %llu of the batch, after the dry run passed",
				               (unsigned long long)i);
			}
		if (rc != ARM_OK)
			goto out;
	}
	print_result(a, ag->actors[author].id, b.n, seq0,
	             !a->dry_run && b.n > 0 ? res[0].index : size0, &rd, dups,
	             a->dry_run ? size : log_size(l));
out:
	log_close(l);
	free(res);
	batch_release(&b);
	sigbatch_release(&sb);
	reader_release(&rd);
	importmap_release(&map);
	free(sn.h);
	cli_replay_release(&hook);
	cli_replay_release(&scratch);
	note_signer_release(&ks);
	note_signer_release(&ls);
	return rc == ARM_OK ? 0 : cli_fail(&e);
}

int
cmd_import(int argc, char **argv)
{
	struct import_args a;
	int rc;

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(import_usage, stdout);
		return 0;
	}
	if ((rc = parse_args(argc, argv, &a)) >= 0)
		return rc;
	return import_incidents(&a);
}
