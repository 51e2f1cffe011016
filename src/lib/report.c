/*
 * report.c - a period's report as one self-contained HTML document
 * (report.h, docs/report.md): the document, its summary and its tables.
 * The map and the chart are in report_svg.c.
 *
 * Every number is read from the engine replayed as of the period's end,
 * through the queries `status --json` uses (engine_commitment_view(),
 * engine_calm(), engine_progress(), engine_wait_chain(),
 * engine_waiting_on()) and export.h's placing of incidents: nothing is
 * computed a second way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "armistice/agreement.h"
#include "armistice/common.h"
#include "armistice/entry.h"
#include "armistice/export.h"
#include "armistice/hash.h"
#include "armistice/logclock.h"
#include "armistice/note.h"
#include "report_int.h"

/* ------------------------------------------------------------ helpers */

int
report_esc(struct buf *b, const char *s, struct arm_err *e)
{
	const char *run = s;

	if (s == NULL)
		return ARM_OK;
	for (; *s; s++) {
		const char *rep;
		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		ARM_TRY(buf_append(b, run, (size_t)(s - run), e));
		ARM_TRY(buf_puts(b, rep, e));
		run = s + 1;
	}
	return buf_append(b, run, (size_t)(s - run), e);
}

/* The first n characters of t's local time "YYYY-MM-DDTHH:MM:SS", or "-". */
static void
local_text(int64_t t, int32_t tz, char *out, size_t n)
{
	char full[21];

	if (t == ENGINE_NO_TIME) {
		memcpy(out, "-", 2);
		return;
	}
	engine_time_utc(t + tz, full);
	memcpy(out, full, n);
	out[n] = '\0';
	if (n > 10)
		out[10] = ' ';
}

void
report_day(int64_t t, int32_t tz, char out[11])
{
	local_text(t, tz, out, 10);
}

void
report_minute(int64_t t, int32_t tz, char out[17])
{
	local_text(t, tz, out, 16);
}

static bool
in_period(const struct report *r, int64_t t)
{
	return t != ENGINE_NO_TIME && t >= r->p.from && t <= r->p.to;
}

static const char *
cname(const struct agreement *a, size_t c)
{
	return a->commitments[c].id;
}

/* "UTC+09:00" */
static void
tz_name(int32_t off, char out[16])
{
	int32_t a = off < 0 ? -off : off;

	snprintf(out, 16, "UTC%c%02d:%02d", off < 0 ? '-' : '+', (int)(a / 3600),
	         (int)(a % 3600 / 60));
}

/* ------------------------------------------------------------ entries */

int
report_init(struct report *r, const struct report_period *p, struct arm_err *e)
{
	memset(r, 0, sizeof(*r));
	r->p = *p;
	if (p->from > p->to)
		return arm_err_set(e, ARM_EUSAGE, "report: the period ends before it starts");
	return ARM_OK;
}

void
report_release(struct report *r)
{
	free(r->rows);
	r->rows = NULL;
	r->nrows = r->cap = 0;
}

static void
copy_id(char *dst, size_t cap, const char *s)
{
	snprintf(dst, cap, "%s", s != NULL ? s : "");
}

int
report_note(struct report *r, uint64_t index, const uint8_t *note, size_t len, struct arm_err *e)
{
	struct entry en;
	struct report_row *row;
	uint8_t leaf[HASH_SIZE];
	char hex[2 * HASH_SIZE + 1];
	int64_t t;
	int rc = ARM_OK;

	if (index == 0 || logclock_is(note, len))
		return ARM_OK;
	ARM_TRY(entry_parse_note(&en, note, len, e));
	t = engine_entry_time(&en);
	if (!in_period(r, t))
		goto out;
	if (r->nrows == r->cap) {
		size_t nc = r->cap ? 2 * r->cap : 64;
		struct report_row *nr;
		if (r->nrows >= REPORT_ROWS_MAX) {
			rc =
			    arm_err_set(e, ARM_ELIMIT, "report: more than %d entries in the period",
			                REPORT_ROWS_MAX);
			goto out;
		}
		if ((nr = realloc(r->rows, nc * sizeof(*nr))) == NULL) {
			rc = arm_err_set(e, ARM_ENOMEM, "report: out of memory");
			goto out;
		}
		r->rows = nr;
		r->cap = nc;
	}
	row = &r->rows[r->nrows++];
	row->index = index;
	row->time = t;
	copy_id(row->kind, sizeof(row->kind), entry_kind_name(en.kind));
	copy_id(row->author, sizeof(row->author), en.author);
	copy_id(row->about, sizeof(row->about), en.commitment ? en.commitment : en.type);
	/* RFC 9162 §2.1.1: the leaf hash `armistice log prove` proves. */
	hash_leaf(leaf, note, len);
	hash_hex(hex, leaf);
	memcpy(row->digest, hex, 16);
	row->digest[16] = '\0';
out:
	entry_release(&en);
	return rc;
}

/* ----------------------------------------------------------- document */

static const char report_css[] =
    "body{font:15px/1.45 system-ui,sans-serif;color:#1b1b1b;max-width:60rem;margin:1.5rem auto;"
    "padding:0 1rem}\n"
    "h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.2rem;border-bottom:2px solid #345;"
    "padding-bottom:.15rem;margin-top:2rem}h3{font-size:1rem}\n"
    "table{border-collapse:collapse;margin:.5rem 0 1rem;width:100%}caption{text-align:left;"
    "font-weight:600;padding:.2rem 0}\n"
    "th,td{border:1px solid #bbb;padding:.2rem .4rem;text-align:left;vertical-align:top}"
    "th{background:#eef1f5}td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
    ".cards{display:flex;flex-wrap:wrap;gap:.6rem}.card{border:1px solid #bbb;padding:.4rem .7rem;"
    "min-width:9rem}.card .big{font-size:1.6rem;font-weight:700}\n"
    ".muted{color:#555}.rev{color:#a00;font-weight:600}code{font-size:.9em}\n"
    "svg{max-width:100%;height:auto;border:1px solid #ccc;background:#fcfcfa}\n"
    "ul.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.3rem 1rem}"
    ".sw{display:inline-block;width:.9em;height:.9em;margin-right:.3em;border:1px solid #555;"
    "vertical-align:-.1em}\n"
    "@media print{body{margin:0;max-width:none;font-size:11pt}h2{break-after:avoid}"
    "table,svg,figure{break-inside:avoid}a{color:inherit}}\n"
    "@page{size:A4;margin:16mm}\n";

static int
head(const struct report *r, const struct agreement *a, struct buf *b, struct arm_err *e)
{
	char from[11], to[11];

	report_day(r->p.from, a->tz_offset, from);
	report_day(r->p.to, a->tz_offset, to);
	ARM_TRY(
	    buf_puts(b,
	             "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	             "<meta name=\"generator\" content=\"armistice report\">\n<title>",
	             e));
	ARM_TRY(report_esc(b, a->name, e));
	ARM_TRY(buf_printf(b, e, ": report %s to %s</title>\n<style>\n", from, to));
	ARM_TRY(buf_puts(b, report_css, e));
	return buf_puts(b, "</style>\n</head>\n<body>\n", e);
}

static int
intro(const struct report *r, const struct engine *eng, struct buf *b, struct arm_err *e)
{
	const struct agreement *a = engine_agreement(eng);
	char from[11], to[11], tz[16], end[26], hex[2 * HASH_SIZE + 1];

	report_day(r->p.from, a->tz_offset, from);
	report_day(r->p.to, a->tz_offset, to);
	tz_name(a->tz_offset, tz);
	engine_time_local(r->p.to, a->tz_offset, end);
	agreement_id_hex(a, hex);
	ARM_TRY(buf_puts(b, "<header>\n<h1>", e));
	ARM_TRY(report_esc(b, a->title, e));
	ARM_TRY(buf_printf(b, e,
	                   "</h1>\n<p>Report for the period <strong id=\"period\">%s to %s</strong>"
	                   ". Dates and times are in the agreement's time zone, %s.</p>\n",
	                   from, to, tz));
	ARM_TRY(buf_printf(b, e, "<p class=\"muted\">Agreement <code>%.16s&hellip;</code> (", hex));
	ARM_TRY(report_esc(b, a->name, e));
	ARM_TRY(buf_printf(b, e,
	                   "). Every number is the state engine's replay of the log as of %s: "
	                   "%llu of its entries count by then. Anyone can check them with "
	                   "<code>armistice status LOG --at %s --json</code>",
	                   end, (unsigned long long)engine_counted(eng), end));
	if (r->p.source != NULL) {
		ARM_TRY(buf_puts(b, "; made from <code>", e));
		ARM_TRY(report_esc(b, r->p.source, e));
		ARM_TRY(buf_puts(b, "</code>", e));
	}
	return buf_puts(b, ".</p>\n</header>\n", e);
}

static int
card(struct buf *b, const char *id, const char *label, const char *value, struct arm_err *e)
{
	return buf_printf(b, e,
	                  "<div class=\"card\"><div class=\"big\" id=\"%s\">%s</div>%s</div>\n", id,
	                  value, label);
}

static size_t
count_changes(const struct report *r, const struct engine *eng)
{
	const struct agreement *a = engine_agreement(eng);
	size_t c, i, n = 0;

	for (c = 0; c < a->ncommitments; c++) {
		struct engine_cview cv;
		if (engine_commitment_view(eng, c, r->p.to, &cv) != ARM_OK)
			continue;
		for (i = 0; i < cv.nhistory; i++)
			n += in_period(r, cv.history[i].time);
	}
	return n;
}

static size_t
count_incidents(const struct report *r, const struct engine *eng)
{
	size_t i, n = 0;

	for (i = 0; i < engine_nincidents(eng); i++) {
		struct engine_incident inc;
		engine_incident(eng, i, &inc);
		n += in_period(r, inc.occurred);
	}
	return n;
}

static int
summary_cards(const struct report *r, const struct engine *eng, struct buf *b, struct arm_err *e)
{
	const struct agreement *a = engine_agreement(eng);
	struct engine_calm calm;
	size_t done, total, c, overdue = 0;
	char v[64], day[11];

	engine_progress(eng, AGREEMENT_NONE, &done, &total);
	for (c = 0; c < a->ncommitments; c++) {
		struct engine_cview cv;
		ARM_TRY(engine_commitment_view(eng, c, r->p.to, &cv));
		overdue += cv.overdue;
	}
	ARM_TRY(engine_calm(eng, r->p.to, &calm, e));
	ARM_TRY(buf_puts(b, "<div class=\"cards\">\n", e));
	snprintf(v, sizeof(v), "%zu of %zu", done, total);
	ARM_TRY(card(b, "n-progress", "commitments done or kept", v, e));
	snprintf(v, sizeof(v), "%zu", overdue);
	ARM_TRY(card(b, "n-overdue", "overdue at the end of the period", v, e));
	snprintf(v, sizeof(v), "%zu", count_incidents(r, eng));
	ARM_TRY(card(b, "n-incidents", "incidents in the period", v, e));
	snprintf(v, sizeof(v), "%zu", count_changes(r, eng));
	ARM_TRY(card(b, "n-changes", "status changes in the period", v, e));
	snprintf(v, sizeof(v), "%zu", r->nrows);
	ARM_TRY(card(b, "n-entries", "entries in the period", v, e));
	if (calm.found) {
		snprintf(v, sizeof(v), "%lld", (long long)calm.days);
		ARM_TRY(buf_puts(b, "<div class=\"card\"><div class=\"big\" id=\"n-calm\">", e));
		report_day(calm.occurred, a->tz_offset, day);
		ARM_TRY(buf_printf(b, e,
		                   "%s</div>days without a confirmed provocation at the end of the "
		                   "period (since %s, ",
		                   v, day));
		ARM_TRY(report_esc(b, calm.type, e));
		ARM_TRY(buf_printf(b, e, ", entry %llu; %s)</div>\n",
		                   (unsigned long long)calm.index,
		                   a->inclusive ? "inclusive" : "exclusive"));
	} else {
		ARM_TRY(card(b, "n-calm", "no confirmed provocation in the log", "none", e));
	}
	return buf_puts(b, "</div>\n", e);
}

static int
summary(const struct report *r, const struct engine *eng, struct buf *b, struct arm_err *e)
{
	const struct agreement *a = engine_agreement(eng);
	size_t per[ENGINE_NSTATUS] = {0}, s, c, i, done, total;
	char to[11];

	report_day(r->p.to, a->tz_offset, to);
	for (c = 0; c < a->ncommitments; c++) {
		struct engine_cview cv;
		ARM_TRY(engine_commitment_view(eng, c, r->p.to, &cv));
		per[cv.status]++;
	}
	ARM_TRY(buf_puts(b, "<section id=\"summary\">\n<h2>At the end of the period</h2>\n", e));
	ARM_TRY(summary_cards(r, eng, b, e));
	ARM_TRY(buf_printf(b, e,
	                   "<table>\n<caption>Commitments by status on %s</caption>\n"
	                   "<thead><tr><th scope=\"col\">Status</th><th scope=\"col\">"
	                   "Commitments</th></tr></thead>\n<tbody>\n",
	                   to));
	for (s = 0; s < ENGINE_NSTATUS; s++)
		ARM_TRY(
		    buf_printf(b, e,
		               "<tr><th scope=\"row\">%s</th><td class=\"n\" id=\"n-%s\">%zu</td>"
		               "</tr>\n",
		               engine_status_name((enum engine_status)s),
		               engine_status_name((enum engine_status)s), per[s]));
	ARM_TRY(buf_printf(b, e,
	                   "</tbody>\n<tfoot><tr><th scope=\"row\">all</th><td class=\"n\" "
	                   "id=\"n-commitments\">%zu</td></tr></tfoot>\n</table>\n",
	                   a->ncommitments));
	ARM_TRY(buf_puts(b,
	                 "<table>\n<caption>Progress by phase (done or kept)</caption>\n<thead><tr>"
	                 "<th scope=\"col\">Phase</th><th scope=\"col\">Done or kept</th>"
	                 "<th scope=\"col\">Commitments</th></tr></thead>\n<tbody>\n",
	                 e));
	for (i = 0; i < a->nphases; i++) {
		engine_progress(eng, i, &done, &total);
		ARM_TRY(buf_puts(b, "<tr><th scope=\"row\">", e));
		ARM_TRY(report_esc(b, a->phases[i].name, e));
		ARM_TRY(buf_printf(b, e,
		                   "</th><td class=\"n\">%zu</td><td class=\"n\">%zu</td></tr>\n",
		                   done, total));
	}
	return buf_puts(b, "</tbody>\n</table>\n</section>\n", e);
}

/* ------------------------------------------------------- what changed */

struct change_ref {
	uint64_t index;
	size_t c, h;
};

static int
cmp_change(const void *x, const void *y)
{
	const struct change_ref *p = x, *q = y;

	if (p->index != q->index)
		return p->index < q->index ? -1 : 1;
	return p->c < q->c ? -1 : p->c > q->c;
}

static int
changes_table(const struct report *r, const struct engine *eng, struct buf *b, struct arm_err *e)
{
	const struct agreement *a = engine_agreement(eng);
	size_t n = count_changes(r, eng), k = 0, c, i;
	struct change_ref *refs;
	int rc = ARM_OK;

	ARM_TRY(buf_puts(b, "<h3>Status changes</h3>\n", e));
	if (n == 0)
		return buf_puts(b, "<p>No commitment changed status in the period.</p>\n", e);
	if ((refs = calloc(n, sizeof(*refs))) == NULL)
		return arm_err_set(e, ARM_ENOMEM, "report: out of memory");
	for (c = 0; c < a->ncommitments && k < n; c++) {
		struct engine_cview cv;
		if (engine_commitment_view(eng, c, r->p.to, &cv) != ARM_OK)
			continue;
		for (i = 0; i < cv.nhistory && k < n; i++)
			if (in_period(r, cv.history[i].time))
				refs[k++] = (struct change_ref){cv.history[i].index, c, i};
	}
	qsort(refs, k, sizeof(*refs), cmp_change);
	rc = buf_puts(b,
	              "<table id=\"changes\">\n<caption>Status changes in the period, in log order"
	              "</caption>\n<thead><tr><th scope=\"col\">Date</th><th scope=\"col\">"
	              "Commitment</th><th scope=\"col\">From</th><th scope=\"col\">To</th>"
	              "<th scope=\"col\">Entry</th></tr></thead>\n<tbody>\n",
	              e);
	for (i = 0; rc == ARM_OK && i < k; i++) {
		struct engine_cview cv;
		const struct engine_event *ev;
		char day[11];
		if ((rc = engine_commitment_view(eng, refs[i].c, r->p.to, &cv)) != ARM_OK)
			break;
		ev = &cv.history[refs[i].h];
		report_day(ev->time, a->tz_offset, day);
		rc = buf_printf(b, e,
		                "<tr><td>%s</td><td>%s</td><td>%s</td><td%s>%s%s</td><td "
		                "class=\"n\">%llu</td></tr>\n",
		                day, cname(a, refs[i].c), engine_status_name(ev->from),
		                ev->reversal ? " class=\"rev\"" : "", engine_status_name(ev->to),
		                ev->reversal ? " (reversal)" : "", (unsigned long long)ev->index);
	}
	free(refs);
	if (rc != ARM_OK)
		return rc;
	return buf_puts(b, "</tbody>\n</table>\n", e);
}

static int
amendments(const struct report *r, const struct engine *eng, struct buf *b, struct arm_err *e)
{
	const struct agreement *a = engine_agreement(eng);
	const struct engine_amendment *am;
	size_t n = engine_amendments(eng, &am), i, shown = 0;

	ARM_TRY(buf_puts(b, "<h3>Amendments</h3>\n", e));
	for (i = 0; i < n; i++) {
		char day[11];
		const char *p, *q, *end;
		if (!in_period(r, am[i].time))
			continue;
		report_day(am[i].time, a->tz_offset, day);
		ARM_TRY(buf_printf(b, e, "<p>%s, entry %llu:</p>\n<ul>\n", day,
		                   (unsigned long long)am[i].index));
		p = am[i].changes;
		end = p ? p + am[i].len : NULL;
		while (p != NULL && p < end && (q = memchr(p, '\n', (size_t)(end - p))) != NULL) {
			char line[512];
			snprintf(line, sizeof(line), "%.*s", (int)(q - p), p);
			ARM_TRY(buf_puts(b, "<li>", e));
			ARM_TRY(report_esc(b, line, e));
			ARM_TRY(buf_puts(b, "</li>\n", e));
			p = q + 1;
		}
		ARM_TRY(buf_puts(b, "</ul>\n", e));
		shown++;
	}
	ARM_TRY(buf_printf(b, e,
	                   "<p class=\"muted\"><span id=\"n-amendments\">%zu</span> "
	                   "amendment%s in the period.</p>\n",
	                   shown, shown == 1 ? "" : "s"));
	return ARM_OK;
}

static int
entries_table(const struct report *r, const struct engine *eng, struct buf *b, struct arm_err *e)
{
	const struct agreement *a = engine_agreement(eng);
	size_t i;

	ARM_TRY(buf_puts(b, "<h3>Entries</h3>\n", e));
	if (r->nrows == 0)
		return buf_puts(b, "<p>No entry is dated in the period.</p>\n", e);
	ARM_TRY(buf_puts(b,
	                 "<table id=\"entries\">\n<caption>Entries dated in the period (an "
	                 "incident by when it occurred), in log order</caption>\n<thead><tr>"
	                 "<th scope=\"col\">Entry</th><th scope=\"col\">Date</th><th scope=\"col\">"
	                 "Kind</th><th scope=\"col\">Author</th><th scope=\"col\">About</th>"
	                 "<th scope=\"col\">Leaf hash</th></tr></thead>\n<tbody>\n",
	                 e));
	for (i = 0; i < r->nrows; i++) {
		const struct report_row *w = &r->rows[i];
		char t[17];
		report_minute(w->time, a->tz_offset, t);
		ARM_TRY(buf_printf(b, e, "<tr><td class=\"n\">%llu</td><td>%s</td><td>%s</td><td>",
		                   (unsigned long long)w->index, t, w->kind));
		ARM_TRY(report_esc(b, w->author, e));
		ARM_TRY(buf_puts(b, "</td><td>", e));
		ARM_TRY(report_esc(b, w->about, e));
		ARM_TRY(
		    buf_printf(b, e, "</td><td><code>%s&hellip;</code></td></tr>\n", w->digest));
	}
	return buf_puts(b, "</tbody>\n</table>\n", e);
}

/* ---------------------------------------------------------- incidents */

static int
incidents_table(const struct report *r, const struct engine *eng, struct buf *b, struct arm_err *e)
{
	const struct agreement *a = engine_agreement(eng);
	struct export_place place;
	size_t i, k, n = 0;

	for (i = 0; i < engine_nincidents(eng); i++) {
		struct engine_incident inc;
		char t[17], lat[24], lon[24];

		engine_incident(eng, i, &inc);
		if (!in_period(r, inc.occurred))
			continue;
		if (n++ == 0)
			ARM_TRY(buf_puts(
			    b,
			    "<table id=\"incidents\">\n<caption>Incidents that occurred in the "
			    "period (numbers as on the map)</caption>\n<thead><tr><th "
			    "scope=\"col\">"
			    "No.</th><th scope=\"col\">Occurred</th><th scope=\"col\">Kind</th>"
			    "<th scope=\"col\">Alleged actor</th><th scope=\"col\">Reported by</th>"
			    "<th scope=\"col\">Position</th><th scope=\"col\">Zones</th>"
			    "<th scope=\"col\">Reference line</th><th scope=\"col\">Status</th>"
			    "<th scope=\"col\">Entry</th></tr></thead>\n<tbody>\n",
			    e));
		export_incident_place(a, &inc, &place);
		report_minute(inc.occurred, a->tz_offset, t);
		ARM_TRY(buf_printf(b, e, "<tr><td class=\"n\">%zu</td><td>%s</td><td>", n, t));
		ARM_TRY(report_esc(
		    b, a->kinds[inc.kind].name ? a->kinds[inc.kind].name : a->kinds[inc.kind].id,
		    e));
		ARM_TRY(buf_printf(b, e, "</td><td>%s</td><td>%s</td><td>",
		                   inc.actor == AGREEMENT_NONE ? "-" : a->actors[inc.actor].id,
		                   a->actors[inc.author].id));
		if (inc.has_pos) {
			export_deg_e7(inc.lat_e7, lat);
			export_deg_e7(inc.lon_e7, lon);
			ARM_TRY(buf_printf(b, e, "%s, %s", lat, lon));
		} else {
			ARM_TRY(buf_puts(b, "not given", e));
		}
		ARM_TRY(buf_puts(b, "</td><td>", e));
		for (k = 0; k < place.nzones; k++)
			ARM_TRY(buf_printf(b, e, "%s%s", k ? ", " : "", place.zones[k]));
		ARM_TRY(buf_puts(b, "</td><td>", e));
		if (place.placed)
			ARM_TRY(buf_printf(b, e, "%s km, %s side", place.km, place.side));
		ARM_TRY(buf_printf(b, e, "</td><td>%s</td><td class=\"n\">%llu</td></tr>\n",
		                   export_incident_status(&inc), (unsigned long long)inc.index));
	}
	if (n == 0)
		return buf_puts(b, "<p>No incident occurred in the period.</p>\n", e);
	return buf_puts(b, "</tbody>\n</table>\n", e);
}

/* ----------------------------------------------- overdue, waits on whom */

static int
actor_list(struct buf *b, const struct agreement *a, const size_t *who, size_t n, struct arm_err *e)
{
	size_t i;

	for (i = 0; i < n; i++)
		ARM_TRY(buf_printf(b, e, "%s%s", i ? ", " : "", a->actors[who[i]].id));
	return ARM_OK;
}

static int
overdue_table(const struct report *r, const struct engine *eng, struct buf *b, struct arm_err *e)
{
	const struct agreement *a = engine_agreement(eng);
	size_t c, n = 0, who[64], k;

	ARM_TRY(buf_puts(b, "<section id=\"overdue\">\n<h2>Overdue at the end of the period</h2>\n",
	                 e));
	for (c = 0; c < a->ncommitments; c++) {
		struct engine_cview cv;
		char due[11];
		ARM_TRY(engine_commitment_view(eng, c, r->p.to, &cv));
		if (!cv.overdue)
			continue;
		if (n++ == 0)
			ARM_TRY(buf_puts(
			    b,
			    "<table>\n<caption>Commitments due and not done</caption>\n"
			    "<thead><tr><th scope=\"col\">Commitment</th><th scope=\"col\">"
			    "Owners</th><th scope=\"col\">Due</th><th scope=\"col\">Days "
			    "overdue</th><th scope=\"col\">Status</th><th scope=\"col\">"
			    "Waiting on</th></tr></thead>\n<tbody>\n",
			    e));
		/* A due time is the first second after the due day: show that day. */
		report_day(cv.due - 1, a->tz_offset, due);
		ARM_TRY(buf_printf(b, e, "<tr><th scope=\"row\">%s</th><td>", cname(a, c)));
		ARM_TRY(actor_list(b, a, a->commitments[c].owners, a->commitments[c].nowners, e));
		ARM_TRY(buf_printf(b, e, "</td><td>%s</td><td class=\"n\">%lld</td><td>%s</td><td>",
		                   due, (long long)engine_count_days(eng, cv.due - 1, r->p.to),
		                   engine_status_name(cv.status)));
		k = engine_waiting_on(eng, c, who, ARM_ARRAY_LEN(who));
		ARM_TRY(actor_list(b, a, who, k, e));
		ARM_TRY(buf_puts(b, "</td></tr>\n", e));
	}
	if (n == 0)
		ARM_TRY(buf_puts(b, "<p>Nothing is overdue at the end of the period.</p>\n", e));
	else
		ARM_TRY(buf_puts(b, "</tbody>\n</table>\n", e));
	return buf_puts(b, "</section>\n", e);
}

static const char *
to_do(enum engine_status s)
{
	switch (s) {
	case ENGINE_OPEN: return "claim";
	case ENGINE_CLAIMED: return "verify";
	case ENGINE_DISPUTED: return "resolve a refutation";
	case ENGINE_WITHDRAWN: return "amend the agreement";
	case ENGINE_PENDING: return "finish what it requires";
	case ENGINE_HELD: return "verify its partners";
	case ENGINE_VERIFIED:
	case ENGINE_DONE:
	case ENGINE_KEPT:
	case ENGINE_BREACHED:
	case ENGINE_NSTATUS:
	default: return "";
	}
}

static int
waits_table(const struct report *r, const struct engine *eng, struct buf *b, struct arm_err *e)
{
	const struct agreement *a = engine_agreement(eng);
	size_t c, i, n, k, chain[64], who[64], rows = 0;

	ARM_TRY(buf_puts(b, "<section id=\"waits\">\n<h2>Who waits on whom</h2>\n", e));
	for (c = 0; c < a->ncommitments; c++) {
		struct engine_cview cv;
		ARM_TRY(engine_commitment_view(eng, c, r->p.to, &cv));
		if (engine_status_done(cv.status) || cv.status == ENGINE_BREACHED)
			continue;
		if (rows++ == 0)
			ARM_TRY(buf_puts(
			    b,
			    "<table id=\"waits-table\">\n<caption>Every commitment not "
			    "done: what it needs first, and who must act</caption>\n"
			    "<thead><tr><th scope=\"col\">Commitment</th><th scope=\"col\">"
			    "Status</th><th scope=\"col\">Needs first</th><th scope=\"col\">"
			    "Waiting on</th><th scope=\"col\">To</th></tr></thead>\n"
			    "<tbody>\n",
			    e));
		ARM_TRY(buf_printf(b, e, "<tr><th scope=\"row\">%s</th><td>%s</td><td>",
		                   cname(a, c), engine_status_name(cv.status)));
		n = engine_wait_chain(eng, c, chain, ARM_ARRAY_LEN(chain));
		for (i = 1; i < n; i++) {
			struct engine_cview wv;
			ARM_TRY(engine_commitment_view(eng, chain[i], r->p.to, &wv));
			ARM_TRY(buf_printf(b, e, "%s%s (%s)", i > 1 ? " &rarr; " : "",
			                   cname(a, chain[i]), engine_status_name(wv.status)));
		}
		ARM_TRY(buf_puts(b, "</td><td>", e));
		k = engine_waiting_on(eng, c, who, ARM_ARRAY_LEN(who));
		ARM_TRY(actor_list(b, a, who, k, e));
		ARM_TRY(buf_printf(b, e, "</td><td>%s</td></tr>\n", to_do(cv.status)));
	}
	if (rows == 0)
		ARM_TRY(buf_puts(b, "<p>Every commitment is done, kept or breached.</p>\n", e));
	else
		ARM_TRY(buf_puts(b, "</tbody>\n</table>\n", e));
	return buf_puts(b, "</section>\n", e);
}

int
report_html(const struct report *r, const struct engine *eng, struct geo_map *map, struct buf *out,
            struct arm_err *e)
{
	const struct agreement *a = engine_agreement(eng);

	(void)map; /* places come from the engine (export_incident_place) */
	if (a == NULL)
		return arm_err_set(e, ARM_ENOTFOUND, "report: no agreement: the log is empty");
	ARM_TRY(head(r, a, out, e));
	ARM_TRY(intro(r, eng, out, e));
	ARM_TRY(summary(r, eng, out, e));
	ARM_TRY(
	    buf_puts(out, "<section id=\"changed\">\n<h2>What changed in the period</h2>\n", e));
	ARM_TRY(changes_table(r, eng, out, e));
	ARM_TRY(amendments(r, eng, out, e));
	ARM_TRY(entries_table(r, eng, out, e));
	ARM_TRY(buf_puts(
	    out, "</section>\n<section id=\"incidents-section\">\n<h2>Incidents</h2>\n", e));
	ARM_TRY(incidents_table(r, eng, out, e));
	ARM_TRY(report_map(r, eng, out, e));
	ARM_TRY(report_chart(r, eng, out, e));
	ARM_TRY(buf_puts(out, "</section>\n", e));
	ARM_TRY(overdue_table(r, eng, out, e));
	ARM_TRY(waits_table(r, eng, out, e));
	return buf_puts(out,
	                "<footer><p class=\"muted\">Made by <code>armistice report</code> from the "
	                "signed entries of the log; the leaf hashes identify each entry "
	                "(<code>armistice log prove</code> proves it is in the log).</p></footer>\n"
	                "</body>\n</html>\n",
	                e);
}
