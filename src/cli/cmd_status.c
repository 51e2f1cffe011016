/*
 * cmd_status.c - the state engine's read commands, all replays of the log
 * in DIR (docs/state-json.md, docs/rules.md):
 *
 *   armistice status DIR [--at TIME | --index N] [--json]
 *   armistice timeline DIR [--at TIME | --index N] [--json]
 *   armistice show DIR ID [--at TIME | --index N] [--json]
 *   armistice graph DIR [--at TIME | --index N]
 *
 * "now" (what is overdue, how many days) is --at TIME, or --now TIME, or
 * the clock; the engine itself never reads the clock. --index N replays
 * the first N entries (the log as a checkpoint of size N showed it).
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/cli_replay.h"
#include "armistice/engine.h"
#include "armistice/entry.h"
#include "armistice/log.h"
#include "armistice/common.h"

static const char status_usage[] =
    "usage: armistice status DIR [--at TIME | --index N] [--now TIME] [--zones ZDIR] [--lang TAG]\n"
    "                        [--json]\n"
    "       armistice timeline DIR [--at TIME | --index N] [--zones ZDIR] [--json]\n"
    "       armistice show DIR ID [--at TIME | --index N] [--now TIME] [--zones ZDIR] [--lang "
    "TAG]\n"
    "                        [--json]\n"
    "       armistice graph DIR [--at TIME | --index N] [--now TIME] [--zones ZDIR]\n"
    "\n"
    "Replays the log in DIR through the state engine and reports:\n"
    "  status    progress (step N of M), days since the last confirmed\n"
    "            provocation, what is open, who waits on whom, what is\n"
    "            overdue, reversals, each party's record\n"
    "  timeline  every entry with the status changes it caused\n"
    "  show      one commitment (ID) or one entry (an index)\n"
    "  graph     the commitments and their requirements as Graphviz DOT\n"
    "\n"
    "  --at TIME     as of TIME (RFC 3339, POSIX seconds, or a date YYYY-MM-DD:\n"
    "                the end of that day in the agreement's time zone): only\n"
    "                what had happened by then, and TIME is now\n"
    "  --index N     as of the first N entries of the log\n"
    "  --now TIME    the moment for overdue and day counts (default: the clock;\n"
    "                a date is the end of that day)\n"
    "  --zones ZDIR  directory of the agreement's zone files (default DIR/zones)\n"
    "  --lang TAG    the agreement's title, phase names and commitment texts in\n"
    "                language TAG (\"ko\") where the agreement gives them, else\n"
    "                its default language (docs/agreement.md)\n"
    "  --json        the state as JSON (docs/state-json.md)\n"
    "\n"
    "exit status: 0 ok, 1 a signature does not verify, 2 usage, 3 the log\n"
    "breaks a rule or is malformed, 4 system error, 5 not found.\n";

static const struct option status_opts[] = {
    {"at", required_argument, NULL, 'a'},  {"index", required_argument, NULL, 'i'},
    {"now", required_argument, NULL, 'n'}, {"zones", required_argument, NULL, 'z'},
    {"json", no_argument, NULL, 'j'},      {"lang", required_argument, NULL, 'l'},
    {"help", no_argument, NULL, 'h'},      {NULL, 0, NULL, 0},
};

struct view {
	const char *cmd;
	const char *dir;
	const char *id; /* show */
	const char *zones;
	char zbuf[4096];
	struct cli_at at_in; /* --at as typed (a date waits for the agreement's zone) */
	struct cli_at now_in;
	bool have_now;
	int64_t at; /* ENGINE_NO_TIME: everything */
	int64_t now;
	uint64_t index; /* UINT64_MAX: everything */
	int json;
	const char *lang; /* --lang, or NULL: the default language */
	struct cli_replay r;
	struct log *l;
	/* timeline */
	bool timeline;
	size_t nprinted;
	struct buf amend_diff; /* what the amendment being listed changes (agreement_diff) */
};

/* ---------------------------------------------------------------- load */

static const char *
cname(const struct engine *eng, size_t c)
{
	return engine_agreement(eng)->commitments[c].id;
}

static const char *
aname(const struct engine *eng, size_t a)
{
	return engine_agreement(eng)->actors[a].id;
}

/*
 * The calendar date of t in the agreement's time zone (the zone the parties
 * count days in), "-" for no time. Text output only; JSON stays in UTC.
 */
static int32_t day_tz;

static void
day_of(int64_t t, char out[11])
{
	char full[21];

	if (t == ENGINE_NO_TIME) {
		memcpy(out, "-", 2);
		return;
	}
	engine_time_utc(t + day_tz, full);
	memcpy(out, full, 10); /* YYYY-MM-DD */
	out[10] = '\0';
}

/* A due time is the first second after the due day: show that day. */
static void
due_day(int64_t t, char out[11])
{
	day_of(t == ENGINE_NO_TIME ? t : t - 1, out);
}

/* Millionths as "4,280" or "12.5" (thousands separated, no floating point). */
static void
micro_text(int64_t v, char out[32])
{
	char digits[24], frac[8];
	int n, i, o = 0, f = 6;

	n = snprintf(digits, sizeof(digits), "%lld", (long long)(v / 1000000));
	for (i = 0; i < n && o < 26; i++) {
		out[o++] = digits[i];
		if ((n - i - 1) % 3 == 0 && i < n - 1)
			out[o++] = ',';
	}
	snprintf(frac, sizeof(frac), "%06lld", (long long)(v % 1000000));
	while (f > 0 && frac[f - 1] == '0')
		f--;
	frac[f] = '\0';
	snprintf(out + o, (size_t)(32 - o), "%s%s", f ? "." : "", frac);
}

/* Parses the entry of a log note for display; false if it does not parse. */
static bool
parse_note(const uint8_t *note, size_t len, struct entry *en)
{
	struct note n;
	struct arm_err e;
	bool ok;

	entry_init(en);
	if (note_parse(&n, note, len, ENTRY_MAX_SIZE, &e) != ARM_OK)
		return false;
	ok = entry_parse(en, (const uint8_t *)n.text, n.text_len, &e) == ARM_OK;
	note_release(&n);
	return ok;
}

static void
timeline_line(struct view *v, uint64_t index, const uint8_t *note, size_t len)
{
	const struct engine *eng = v->r.eng;
	const struct engine_change *ch;
	struct entry en;
	size_t n, i;
	char day[11];

	if (!parse_note(note, len, &en))
		return;
	day_tz = engine_agreement(eng)->tz_offset;
	if (en.kind == ENTRY_AGREEMENT) {
		printf("%6llu  %-10s  agreement  %s\n", (unsigned long long)index, "-",
		       engine_agreement(eng)->title);
		entry_release(&en);
		return;
	}
	day_of(en.kind == ENTRY_INCIDENT && en.has_occurred ? en.occurred.t : en.time.t, day);
	printf("%6llu  %s  %-9s %-10s", (unsigned long long)index, day, entry_kind_name(en.kind),
	       en.author ? en.author : "(parties)");
	if (en.commitment)
		printf(" %s", en.commitment);
	if (en.kind == ENTRY_ATTEST || en.kind == ENTRY_FINDING)
		printf(" %s (%s)", entry_verdict_name(en.verdict),
		       agreement_method_name(en.method));
	if (en.kind == ENTRY_INCIDENT)
		printf(" %s%s%s", en.type ? en.type : "?", en.actor ? " by " : "",
		       en.actor ? en.actor : "");
	if (en.kind == ENTRY_FINDING)
		printf(" on %s/%llu", en.incident.author, (unsigned long long)en.incident.seq);
	if (en.kind == ENTRY_PROGRESS)
		printf(" %s = %s %s", en.quantity, en.value, en.unit ? en.unit : "");
	n = engine_changes(eng, &ch);
	for (i = 0; i < n; i++)
		printf("%s %s: %s -> %s%s", i ? ";" : "  =>", cname(eng, ch[i].commitment),
		       engine_status_name(ch[i].from), engine_status_name(ch[i].to),
		       ch[i].reversal ? " (REVERSAL)" : "");
	printf("\n");
	if (en.kind == ENTRY_AMEND && v->amend_diff.len > 0) {
		/* what the amendment changed, one line each, indented */
		const char *p = (const char *)v->amend_diff.data, *q;
		while ((q = memchr(p, '\n',
		                   v->amend_diff.len -
		                       (size_t)(p - (const char *)v->amend_diff.data))) != NULL) {
			printf("%8s%.*s\n", "", (int)(q - p), p);
			p = q + 1;
		}
	}
	entry_release(&en);
}

static void
timeline_json(struct view *v, uint64_t index, const uint8_t *note, size_t len)
{
	const struct engine *eng = v->r.eng;
	const struct engine_change *ch;
	struct entry en;
	size_t n, i;
	char t[21];

	if (!parse_note(note, len, &en))
		return;
	printf("%s{\"index\":%llu,\"kind\":\"%s\"", v->nprinted++ ? "," : "",
	       (unsigned long long)index, entry_kind_name(en.kind));
	if (en.author) {
		printf(",\"author\":");
		cli_json_str(stdout, en.author, strlen(en.author));
		printf(",\"seq\":%llu", (unsigned long long)en.seq);
	}
	if (en.has_time) {
		engine_time_utc(en.time.t, t);
		printf(",\"time\":\"%s\"", t);
	}
	if (en.commitment) {
		printf(",\"commitment\":");
		cli_json_str(stdout, en.commitment, strlen(en.commitment));
	}
	printf(",\"changes\":[");
	n = engine_changes(eng, &ch);
	for (i = 0; i < n; i++)
		printf("%s{\"commitment\":\"%s\",\"from\":\"%s\",\"to\":\"%s\",\"reversal\":%s}",
		       i ? "," : "", cname(eng, ch[i].commitment), engine_status_name(ch[i].from),
		       engine_status_name(ch[i].to), ch[i].reversal ? "true" : "false");
	printf("]");
	if (en.kind == ENTRY_AMEND) {
		/* the semantic diff, one string per change (agreement_diff) */
		const char *p = (const char *)v->amend_diff.data, *q;
		bool first = true;
		printf(",\"amended\":[");
		while (p != NULL &&
		       (q = memchr(p, '\n',
		                   v->amend_diff.len -
		                       (size_t)(p - (const char *)v->amend_diff.data))) != NULL) {
			printf("%s", first ? "" : ",");
			cli_json_str(stdout, p, (size_t)(q - p));
			first = false;
			p = q + 1;
		}
		printf("]");
	}
	printf("}");
	entry_release(&en);
}

static int
scan_apply(void *ctx, uint64_t index, const uint8_t *entry, size_t len, struct arm_err *e)
{
	struct view *v = ctx;

	buf_reset(&v->amend_diff);
	if (v->timeline && index > 0 && engine_agreement(v->r.eng) != NULL) {
		/* An amendment: what it changes, against the agreement it replaces. */
		struct entry en;
		if (parse_note(entry, len, &en)) {
			if (en.kind == ENTRY_AMEND && en.body != NULL) {
				struct agreement na;
				struct arm_err de;
				size_t nch;
				if (agreement_parse(&na, en.body, en.body_len, "amendment",
				                    cli_replay_read_zone, &v->r, NULL,
				                    &de) == ARM_OK) {
					if (agreement_diff(engine_agreement(v->r.eng), &na,
					                   &v->amend_diff, &nch, &de) != ARM_OK)
						buf_reset(&v->amend_diff);
					agreement_release(&na);
				}
			}
			entry_release(&en);
		}
	}
	ARM_TRY(cli_replay_apply(&v->r, index, entry, len, e));
	/* As of a moment: only the entries that count by then (docs/rules.md). */
	if (v->timeline && engine_last_counted(v->r.eng)) {
		if (v->json)
			timeline_json(v, index, entry, len);
		else
			timeline_line(v, index, entry, len);
	}
	return ARM_OK;
}

/* See cli.h: DIR/zones, where `armistice init` copies the zone files, if it exists. */
const char *
cli_zones_default(const char *dir, char *buf, size_t cap)
{
	FILE *f;

	if ((size_t)snprintf(buf, cap, "%s/zones/.", dir) >= cap)
		return NULL;
	if ((f = fopen(buf, "r")) == NULL)
		return NULL;
	fclose(f);
	buf[strlen(buf) - 2] = '\0';
	return buf;
}

static int
load(struct view *v, struct arm_err *e)
{
	uint64_t size, upto;

	if (v->zones == NULL)
		v->zones = cli_zones_default(v->dir, v->zbuf, sizeof(v->zbuf));
	ARM_TRY(log_open(&v->l, v->dir, NULL, e));
	size = log_size(v->l);
	upto = v->index < size ? v->index : size;
	if (v->index != UINT64_MAX && v->index > size)
		return arm_err_set(e, ARM_ENOTFOUND, "--index %llu: the log holds %llu entries",
		                   (unsigned long long)v->index, (unsigned long long)size);
	ARM_TRY(cli_replay_init(&v->r, v->zones, ENGINE_NO_TIME, true, e));
	ARM_TRY(cli_replay_set_at(&v->r, &v->at_in, e));
	if (upto > 100000)
		fprintf(stderr, "armistice: replaying %llu entries\n", (unsigned long long)upto);
	if (upto == 0)
		return arm_err_set(e, ARM_ENOTFOUND, "log '%s' holds no agreement yet", v->dir);
	ARM_TRY(cli_replay_scan(&v->r, v->l, 0, upto, scan_apply, v, e));
	day_tz = engine_agreement(v->r.eng)->tz_offset;
	v->at = v->r.asof;
	/* now: --now, else the --at moment, else the clock; a date ends in the agreement's zone. */
	if (v->have_now)
		v->now = cli_replay_at_resolve(&v->now_in, engine_agreement(v->r.eng));
	else if (v->at != ENGINE_NO_TIME)
		v->now = v->at;
	return ARM_OK;
}

/* -------------------------------------------------------------- status */

/* "claim by north, south": who must act on an open commitment. */
static void
print_waiting(const struct engine *eng, size_t c)
{
	size_t who[64], k, i;

	k = engine_waiting_on(eng, c, who, ARM_ARRAY_LEN(who));
	printf(" claim by");
	for (i = 0; i < k; i++)
		printf("%s %s", i ? "," : "", aname(eng, who[i]));
}

static void
print_chain(const struct engine *eng, size_t c)
{
	size_t chain[64], who[64], n, k, i;

	n = engine_wait_chain(eng, c, chain, ARM_ARRAY_LEN(chain));
	for (i = 0; i < n; i++) {
		struct engine_cview cv;
		if (engine_commitment_view(eng, chain[i], 0, &cv) != ARM_OK)
			return;
		printf("%s%s (%s)", i ? " needs " : "", cname(eng, chain[i]),
		       engine_status_name(cv.status));
	}
	k = engine_waiting_on(eng, c, who, ARM_ARRAY_LEN(who));
	if (k > 0) {
		printf(": waiting on ");
		for (i = 0; i < k; i++)
			printf("%s%s", i ? ", " : "", aname(eng, who[i]));
	}
}

static const char *
what_they_do(enum engine_status s)
{
	switch (s) {
	case ENGINE_OPEN: return "to claim";
	case ENGINE_CLAIMED: return "to verify";
	case ENGINE_DISPUTED: return "to resolve a refutation";
	case ENGINE_WITHDRAWN: return "to amend the agreement";
	case ENGINE_PENDING:
	case ENGINE_VERIFIED:
	case ENGINE_HELD:
	case ENGINE_DONE:
	case ENGINE_KEPT:
	case ENGINE_BREACHED:
	default: return "";
	}
}

/* When the log last sequenced an entry, and how many entries are backdated. */
static void
status_clock(const struct view *v, const struct engine *eng, const struct agreement *a)
{
	uint64_t ci;
	size_t nclocks, nb = engine_nbackdated(eng);
	int64_t lt = engine_log_time(eng, &ci, &nclocks);
	char lts[26];

	if (lt == ENGINE_NO_TIME && v->at != ENGINE_NO_TIME) {
		printf("log clock: no clock leaf dated by then\n");
	} else if (lt == ENGINE_NO_TIME) {
		printf("log clock: none (the log does not record when it sequenced "
		       "entries)\n");
	} else {
		engine_time_local(lt, a->tz_offset, lts);
		printf("log clock: last sequenced at %s (entry %llu)\n", lts,
		       (unsigned long long)ci);
	}
	if (nb > 0) {
		int64_t bd = a->log.clock_backdate;
		if (bd % 86400 == 0)
			printf("  %zu entr%s dated more than %lld day%s before the log "
			       "sequenced them "
			       "(backdated)\n",
			       nb, nb == 1 ? "y" : "ies", (long long)(bd / 86400),
			       bd == 86400 ? "" : "s");
		else
			printf("  %zu entr%s dated more than %llds before the log "
			       "sequenced them "
			       "(backdated)\n",
			       nb, nb == 1 ? "y" : "ies", (long long)bd);
	}
}

/* The title, the agreement and entries counted, D-day, the log clock. */
static void
status_header(const struct view *v, const struct engine *eng, const struct agreement *a)
{
	char hex[2 * HASH_SIZE + 1], t[26];

	agreement_id_hex(a, hex);
	engine_time_local(v->now, a->tz_offset, t);
	printf("%s\n", agreement_text_in(&a->titles, a->title, v->lang));
	if (v->at != ENGINE_NO_TIME)
		printf("agreement %.16s..., %llu of %llu entries by then, as of %s (--at)\n", hex,
		       (unsigned long long)engine_counted(eng),
		       (unsigned long long)engine_size(eng), t);
	else
		printf("agreement %.16s..., %llu entries, as of %s\n", hex,
		       (unsigned long long)engine_size(eng), t);
	if (a->has_effective) {
		char eff[26];
		int64_t day = agreement_day(a, v->now) - agreement_day(a, a->effective);
		engine_time_local(a->effective, a->tz_offset, eff);
		printf("in effect since %s (D-day); now is D%s%lld\n", eff, day < 0 ? "" : "+",
		       (long long)day);
	}
	status_clock(v, eng, a);
	printf("\n");
}

/* Steps done of all, and per phase. */
static void
status_progress(const struct view *v, const struct engine *eng, const struct agreement *a)
{
	size_t done, total, i;

	engine_progress(eng, AGREEMENT_NONE, &done, &total);
	printf("Progress: step %zu of %zu done or kept\n", done, total);
	for (i = 0; i < a->nphases; i++) {
		engine_progress(eng, i, &done, &total);
		printf("  %-28s %zu of %zu\n",
		       agreement_text_in(&a->phases[i].names, a->phases[i].name, v->lang), done,
		       total);
	}
}

/*
 * Days without a confirmed provocation. False, with *ret the exit code of
 * cli_fail, if they cannot be counted.
 */
static bool
status_calm(const struct view *v, const struct engine *eng, int *ret)
{
	struct engine_calm calm;
	struct arm_err err;
	int32_t off;
	char tz[16];

	if (engine_calm(eng, v->now, &calm, &err) != ARM_OK) {
		*ret = cli_fail(&err);
		return false;
	}
	off = calm.tz_offset < 0 ? -calm.tz_offset : calm.tz_offset;
	snprintf(tz, sizeof(tz), "UTC%c%02d:%02d", calm.tz_offset < 0 ? '-' : '+',
	         (int)(off / 3600), (int)(off % 3600 / 60));
	if (calm.found) {
		char local[21];
		engine_time_utc(calm.occurred + calm.tz_offset, local);
		local[10] = '\0';
		printf("\n%lld days without a confirmed provocation (%s, %s) since %s %s "
		       "(entry %llu)\n",
		       (long long)calm.days, tz, calm.inclusive ? "inclusive" : "exclusive", local,
		       calm.type, (unsigned long long)calm.index);
		if (calm.longest_gap >= 0)
			printf("  %zu confirmed provocations; the longest calm between two "
			       "was %lld days\n",
			       calm.confirmed, (long long)calm.longest_gap);
	} else {
		printf("\nNo confirmed provocation in the log (days counted in %s, %s)\n", tz,
		       calm.inclusive ? "inclusive" : "exclusive");
	}
	return true;
}

/* The commitments open now, then who waits on whom. */
static void
status_open_and_waits(const struct view *v, const struct engine *eng, const struct agreement *a)
{
	struct engine_cview cv;
	size_t c, n;
	char d[11];

	printf("\nOpen now (may be claimed):\n");
	for (c = 0, n = 0; c < a->ncommitments; c++) {
		if (engine_commitment_view(eng, c, v->now, &cv) != ARM_OK ||
		    cv.status != ENGINE_OPEN)
			continue;
		due_day(cv.due, d);
		printf("  %-24s", cname(eng, c));
		print_waiting(eng, c);
		printf("%s%s%s\n", cv.due != ENGINE_NO_TIME ? ", due " : "",
		       cv.due != ENGINE_NO_TIME ? d : "", cv.overdue ? "  OVERDUE" : "");
		n++;
	}
	if (n == 0)
		printf("  (none)\n");

	printf("\nWho waits on whom:\n");
	for (c = 0, n = 0; c < a->ncommitments; c++) {
		if (engine_commitment_view(eng, c, v->now, &cv) != ARM_OK)
			continue;
		if (cv.status == ENGINE_OPEN || engine_status_done(cv.status) ||
		    cv.status == ENGINE_BREACHED)
			continue;
		printf("  ");
		print_chain(eng, c);
		if (cv.status != ENGINE_PENDING && cv.status != ENGINE_HELD)
			printf(" %s", what_they_do(cv.status));
		printf("\n");
		n++;
	}
	if (n == 0)
		printf("  (nobody)\n");
}

/* The commitments overdue, then every reversal (the history keeps both). */
static void
status_overdue_and_reversals(const struct view *v, const struct engine *eng,
                             const struct agreement *a)
{
	struct engine_cview cv;
	size_t c, i, n;
	char d[11];

	printf("\nOverdue:\n");
	for (c = 0, n = 0; c < a->ncommitments; c++) {
		if (engine_commitment_view(eng, c, v->now, &cv) != ARM_OK || !cv.overdue)
			continue;
		due_day(cv.due, d);
		printf("  %-24s %-10s due %s\n", cname(eng, c), engine_status_name(cv.status), d);
		n++;
	}
	if (n == 0)
		printf("  (none)\n");

	printf("\nReversals (the history keeps both):\n");
	for (c = 0, n = 0; c < a->ncommitments; c++) {
		if (engine_commitment_view(eng, c, v->now, &cv) != ARM_OK)
			continue;
		for (i = 0; i < cv.nhistory; i++) {
			if (!cv.history[i].reversal)
				continue;
			day_of(cv.history[i].time, d);
			printf("  %-24s %s -> %s on %s (entry %llu)\n", cname(eng, c),
			       engine_status_name(cv.history[i].from),
			       engine_status_name(cv.history[i].to), d,
			       (unsigned long long)cv.history[i].index);
			n++;
		}
	}
	if (n == 0)
		printf("  (none)\n");
}

/* Each actor's record, then the table of commitments. */
static void
status_records(const struct view *v, const struct engine *eng, const struct agreement *a)
{
	struct engine_cview cv;
	size_t c, i;
	char d[11];

	printf("\nRecords:\n");
	for (i = 0; i < a->nactors; i++) {
		struct engine_record r;
		engine_record(eng, i, v->now, &r);
		if (a->actors[i].role == AGREEMENT_PARTY)
			printf("  %-12s party     owns %zu, done %zu, overdue %zu, disputed %zu, "
			       "withdrawn %zu, "
			       "breaches %zu, reversals %zu, confirmed incidents alleged %zu\n",
			       a->actors[i].id, r.owned, r.done, r.overdue, r.disputed, r.withdrawn,
			       r.breaches, r.reversals, r.incidents_alleged);
		else
			printf("  %-12s %-9s attestations and findings %zu, entries %zu\n",
			       a->actors[i].id, agreement_role_name(a->actors[i].role), r.attests,
			       r.entries);
	}

	printf("\nCommitments:\n");
	printf("  %-24s %-10s %-8s %-13s %s\n", "id", "status", "strength", "verified by", "due");
	for (c = 0; c < a->ncommitments; c++) {
		if (engine_commitment_view(eng, c, v->now, &cv) != ARM_OK)
			continue;
		due_day(cv.due, d);
		printf("  %-24s %-10s %d/3      %-13s %s%s%s\n", cname(eng, c),
		       engine_status_name(cv.status), cv.strength,
		       cv.best == AGREEMENT_METHOD_NONE ? "-" : agreement_method_name(cv.best),
		       cv.due != ENGINE_NO_TIME ? d : "-", cv.overdue ? " OVERDUE" : "",
		       cv.late ? " (late)" : "");
	}
}

static int
status_text(struct view *v)
{
	const struct engine *eng = v->r.eng;
	const struct agreement *a = engine_agreement(eng);
	int ret;

	status_header(v, eng, a);
	status_progress(v, eng, a);
	if (!status_calm(v, eng, &ret))
		return ret;
	status_open_and_waits(v, eng, a);
	status_overdue_and_reversals(v, eng, a);
	status_records(v, eng, a);
	return 0;
}

/* ---------------------------------------------------------------- show */

/*
 * The deadline: each amendment that moved it, then the date with its rule
 * (an hours rule is met to the second; a day rule by the end of the day).
 */
static void
show_due(const struct engine *eng, size_t c, const struct engine_cview *cv)
{
	const struct agreement *a = engine_agreement(eng);
	const struct agreement_commitment *cm = &a->commitments[c];
	const struct engine_due_change *dh;
	size_t i, nd = engine_due_history(eng, c, &dh);
	char rule[AGREEMENT_ID_MAX + 48], tl[26], d[11];

	/* "due 2018-12-31, extended to 2019-06-30 by entry 4" */
	for (i = 0; i < nd; i++)
		printf("  due was    %s, changed to %s by entry %llu (an amendment)\n", dh[i].from,
		       dh[i].to, (unsigned long long)dh[i].index);
	if (cv->due == ENGINE_NO_TIME && cm->due.kind == AGREEMENT_DUE_NONE)
		return;
	agreement_due_describe(a, &cm->due, rule, sizeof(rule));
	due_day(cv->due, d);
	if (cv->due != ENGINE_NO_TIME && cm->due.hours >= 0 &&
	    (cm->due.kind == AGREEMENT_DUE_DDAY || cm->due.kind == AGREEMENT_DUE_AFTER)) {
		engine_time_local(cv->due, a->tz_offset, tl);
		printf("  due        %s (%s)\n", tl, rule);
	} else if (cv->due != ENGINE_NO_TIME && cm->due.kind != AGREEMENT_DUE_DATE) {
		printf("  due        %s, by the end of the day (%s)\n", d, rule);
	} else if (cv->due != ENGINE_NO_TIME) {
		printf("  due        %s\n", d);
	} else {
		printf("  due        %s (not yet known)\n", rule);
	}
}

/* A quantity's progress: verified of the target, and what waits for verification. */
static void
show_quantity(const struct engine *eng, size_t c, const struct engine_cview *cv)
{
	const struct agreement_commitment *cm = &engine_agreement(eng)->commitments[c];
	int64_t rep, ver, un;
	char t1[32], t2[32], t3[32];
	size_t i;

	engine_quantity(eng, c, &rep, &ver);
	un = rep > ver ? rep - ver : 0;
	micro_text(ver, t1);
	micro_text(cm->qty_target, t2);
	micro_text(un, t3);
	printf("  quantity   %s of %s %s (%lld %%)", t1, t2, cm->qty_unit,
	       (long long)((ver > cm->qty_target ? cm->qty_target : ver) / (cm->qty_target / 100)));
	if (cm->verify.kind == AGREEMENT_VERIFY_BY) {
		printf(", verified by");
		for (i = 0; i < cm->verify.nby; i++)
			printf("%s %s", i ? "," : "", aname(eng, cm->verify.by[i]));
	}
	if (un > 0)
		printf("; %s more reported, %s", t3,
		       cv->status == ENGINE_DISPUTED ? "disputed" : "not yet verified");
	printf("\n");
}

/* A standing obligation's violations: the count, the threshold, each incident. */
static void
show_violations(const struct engine *eng, const struct agreement_commitment *cm,
                const struct engine_cview *cv)
{
	size_t i;
	char d[11];

	printf("  violations %zu confirmed", cv->nviolations);
	if (cm->standing.violations > 0)
		printf(" (breached at %zu within %lld days)", cm->standing.violations,
		       (long long)cm->standing.days);
	if (cm->standing.protect)
		printf(", a duty to protect (whoever the perpetrator)");
	if (cv->status == ENGINE_KEPT)
		printf(": kept, %zu violation%s", cv->nviolations, cv->nviolations == 1 ? "" : "s");
	printf("\n");
	for (i = 0; i < cv->nviolations_listed; i++) {
		struct engine_incident inc;
		engine_incident(eng, cv->violations[i], &inc);
		day_of(inc.occurred, d);
		printf("    entry %-6llu %s  %s\n", (unsigned long long)inc.index, d,
		       inc.confirmed ? "confirmed" : "overturned");
	}
}

/* The progress items reported, then the status history. */
static void
show_history(const struct engine *eng, size_t c, const struct engine_cview *cv)
{
	const struct engine_progress_item *pi;
	size_t i, n = engine_progress_items(eng, c, &pi);
	char d[11];

	for (i = 0; i < n; i++)
		printf("  progress   %s = %s %s (entry %llu)\n", pi[i].quantity, pi[i].value,
		       pi[i].unit, (unsigned long long)pi[i].index);
	printf("  history\n");
	for (i = 0; i < cv->nhistory; i++) {
		day_of(cv->history[i].time, d);
		printf("    entry %-6llu %s  %s -> %s%s\n",
		       (unsigned long long)cv->history[i].index, d,
		       engine_status_name(cv->history[i].from),
		       engine_status_name(cv->history[i].to),
		       cv->history[i].reversal ? "  REVERSAL" : "");
	}
	if (cv->nhistory == 0)
		printf("    (no change since the agreement)\n");
}

static int
show_commitment(struct view *v, size_t c)
{
	const struct engine *eng = v->r.eng;
	const struct agreement *a = engine_agreement(eng);
	const struct agreement_commitment *cm = &a->commitments[c];
	struct engine_cview cv;
	size_t i;
	char d[11];

	if (engine_commitment_view(eng, c, v->now, &cv) != ARM_OK)
		return 5;
	printf("%s: %s\n", cm->id, agreement_text_in(&cm->texts, cm->text, v->lang));
	printf("  phase      %s (%s)\n", a->phases[cm->phase].id,
	       agreement_text_in(&a->phases[cm->phase].names, a->phases[cm->phase].name, v->lang));
	printf("  owners    ");
	for (i = 0; i < cm->nowners; i++)
		printf(" %s%s", aname(eng, cm->owners[i]),
		       engine_claimed_by(eng, c, i) ? " (claimed)" : "");
	printf("\n  status     %s%s%s\n", engine_status_name(cv.status),
	       cv.overdue ? ", OVERDUE" : "", cv.late ? ", late" : "");
	if (cm->nrequires) {
		printf("  requires  ");
		for (i = 0; i < cm->nrequires; i++)
			printf(" %s", cname(eng, cm->requires[i]));
		printf("\n");
	}
	if (cm->together != AGREEMENT_NONE)
		printf("  together   %s\n", a->togethers[cm->together].id);
	show_due(eng, c, &cv);
	if (cv.effective != ENGINE_NO_TIME) {
		day_of(cv.effective, d);
		printf("  effective  %s\n", d);
	}
	printf("  strength   %d of 3 (%s), %zu verification(s) counting, %zu refutation(s)\n",
	       cv.strength,
	       cv.best == AGREEMENT_METHOD_NONE ? "nothing verified"
	                                        : agreement_method_name(cv.best),
	       cv.nverified, cv.nrefuted);
	if (!engine_status_done(cv.status) && cv.status != ENGINE_BREACHED) {
		printf("  waits      ");
		print_chain(eng, c);
		printf("\n");
	}
	if (cm->qty_target > 0)
		show_quantity(eng, c, &cv);
	if (cm->tranche_of != AGREEMENT_NONE)
		printf("  tranche    %lld %% of %s, verified\n", (long long)cm->tranche_pct,
		       cname(eng, cm->tranche_of));
	if (cm->standing.standing)
		show_violations(eng, cm, &cv);
	show_history(eng, c, &cv);
	return 0;
}

static int
show_entry(struct view *v, uint64_t index, struct arm_err *e)
{
	struct buf b = BUF_INIT(ENTRY_MAX_SIZE + 16);
	int rc;

	if ((rc = log_get(v->l, index, &b, e)) != ARM_OK) {
		buf_release(&b);
		return cli_fail(e);
	}
	printf("entry %llu, %zu bytes\n", (unsigned long long)index, b.len);
	fwrite(b.data, 1, b.len, stdout);
	buf_release(&b);
	return 0;
}

/* --------------------------------------------------------------- graph */

static const char *
dot_color(enum engine_status s)
{
	switch (s) {
	case ENGINE_DONE:
	case ENGINE_KEPT: return "palegreen";
	case ENGINE_VERIFIED:
	case ENGINE_HELD: return "lightblue";
	case ENGINE_CLAIMED: return "khaki";
	case ENGINE_OPEN: return "white";
	case ENGINE_PENDING: return "lightgrey";
	case ENGINE_DISPUTED: return "orange";
	case ENGINE_BREACHED:
	case ENGINE_WITHDRAWN: return "salmon";
	default: return "white";
	}
}

static int
graph_dot(struct view *v)
{
	const struct engine *eng = v->r.eng;
	const struct agreement *a = engine_agreement(eng);
	struct engine_cview cv;
	size_t c, i, g;

	printf("digraph \"%s\" {\n  rankdir=LR;\n  node [shape=box, style=filled, "
	       "fontname=\"Helvetica\"];\n",
	       a->name);
	for (c = 0; c < a->ncommitments; c++) {
		if (engine_commitment_view(eng, c, v->now, &cv) != ARM_OK)
			continue;
		printf("  \"%s\" [label=\"%s\\n%s%s\", fillcolor=%s%s];\n", cname(eng, c),
		       cname(eng, c), engine_status_name(cv.status), cv.overdue ? " (overdue)" : "",
		       dot_color(cv.status),
		       a->commitments[c].standing.standing ? ", shape=octagon" : "");
	}
	for (c = 0; c < a->ncommitments; c++)
		for (i = 0; i < a->commitments[c].nrequires; i++)
			printf("  \"%s\" -> \"%s\";\n", cname(eng, a->commitments[c].requires[i]),
			       cname(eng, c));
	for (g = 0; g < a->ntogethers; g++) {
		printf("  subgraph \"cluster_%s\" {\n    label=\"together: %s\"; style=dashed;\n",
		       a->togethers[g].id, a->togethers[g].id);
		for (i = 0; i < a->togethers[g].nmembers; i++)
			printf("    \"%s\";\n", cname(eng, a->togethers[g].members[i]));
		printf("  }\n");
	}
	printf("}\n");
	return 0;
}

/* ---------------------------------------------------------------- main */

/*
 * The options and operands into v. -1 to go on; else the exit code to
 * return (0 after --help, 2 for a usage error).
 */
static int
parse_args(struct view *v, const char *cmd, bool show, int argc, char **argv, struct arm_err *e)
{
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", status_opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (cli_replay_at_parse(optarg, &v->at_in, e) != ARM_OK)
				return cli_usage_error(cmd, "--at: %s", e->msg);
			break;
		case 'i': {
			char *end;
			unsigned long long x;
			if (optarg[0] < '0' || optarg[0] > '9')
				return cli_usage_error(cmd, "--index takes a number");
			x = strtoull(optarg, &end, 10);
			if (*end != '\0' || x == ULLONG_MAX)
				return cli_usage_error(cmd, "--index takes a number, not '%s'",
				                       optarg);
			v->index = x;
			break;
		}
		case 'n':
			if (cli_replay_at_parse(optarg, &v->now_in, e) != ARM_OK)
				return cli_usage_error(cmd, "--now: %s", e->msg);
			v->have_now = true;
			break;
		case 'z': v->zones = optarg; break;
		case 'j': v->json = 1; break;
		case 'l':
			if (!agreement_lang_valid(optarg, strlen(optarg)))
				return cli_usage_error(cmd, "--lang: '%s' is not a language tag",
				                       optarg);
			v->lang = optarg;
			break;
		case 'h': fputs(status_usage, stdout); return 0;
		default: return cli_usage_error(cmd, "unknown option");
		}
	}
	if (argc - optind != (show ? 2 : 1))
		return cli_usage_error(cmd, show ? "wants DIR and ID" : "wants one DIR");
	v->dir = argv[optind];
	if (show)
		v->id = argv[optind + 1];
	return -1;
}

/*
 * show --json: the state's object for commitment v->id, cut from the
 * whole state at its matching bracket (strings skipped while counting).
 */
static int
show_json(struct view *v, struct buf *b, struct arm_err *e)
{
	char key[AGREEMENT_ID_MAX + 16];
	const char *p, *q;
	int depth = 0;

	if (engine_state_json(v->r.eng, v->now, b, e) != ARM_OK)
		return cli_fail(e);
	snprintf(key, sizeof(key), "{\"id\":\"%s\",\"phase\"", v->id);
	p = strstr((const char *)b->data, key);
	for (q = p; q != NULL && *q; q++) {
		if (*q == '"') { /* skip strings */
			for (q++; *q && *q != '"'; q++)
				if (*q == '\\' && q[1])
					q++;
			continue;
		}
		if (*q == '{' || *q == '[')
			depth++;
		if ((*q == '}' || *q == ']') && --depth == 0)
			break;
	}
	if (p == NULL || q == NULL || *q == '\0') {
		e->rc = ARM_ENOTFOUND;
		snprintf(e->msg, sizeof(e->msg), "no commitment '%s' in the state", v->id);
		return cli_fail(e);
	}
	fwrite(p, 1, (size_t)(q - p + 1), stdout);
	printf("\n");
	return 0;
}

/* show DIR ID: a commitment (as text or --json), or an entry by its index. */
static int
show_id(struct view *v, const char *cmd, struct buf *b, struct arm_err *e)
{
	size_t ci = agreement_commitment_index(engine_agreement(v->r.eng), v->id);

	if (ci != AGREEMENT_NONE && !v->json)
		return show_commitment(v, ci);
	if (ci != AGREEMENT_NONE)
		return show_json(v, b, e);
	if (v->id[0] >= '0' && v->id[0] <= '9') {
		char *end;
		unsigned long long x = strtoull(v->id, &end, 10);
		if (*end != '\0')
			return cli_usage_error(cmd, "ID is a commitment id or an entry index");
		return show_entry(v, x, e);
	}
	e->rc = ARM_ENOTFOUND;
	snprintf(e->msg, sizeof(e->msg), "no commitment '%s' in the agreement", v->id);
	return cli_fail(e);
}

static int
run(const char *cmd, int argc, char **argv)
{
	struct view v;
	struct arm_err e = {0};
	struct buf b = BUF_INIT(256u << 20);
	int ret;
	bool show = strcmp(cmd, "show") == 0;

	memset(&v, 0, sizeof(v));
	v.amend_diff = (struct buf)BUF_INIT(1 << 20);
	v.cmd = cmd;
	v.at = ENGINE_NO_TIME;
	v.at_in.t = ENGINE_NO_TIME;
	v.index = UINT64_MAX;
	v.timeline = strcmp(cmd, "timeline") == 0;
	if ((ret = parse_args(&v, cmd, show, argc, argv, &e)) >= 0)
		return ret;
	ret = 0;
	v.now = (int64_t)time(NULL);
	if (v.timeline && v.json)
		printf("[");
	if (load(&v, &e) != ARM_OK) {
		if (v.timeline && v.json)
			printf("]\n");
		ret = cli_fail(&e);
		goto out;
	}
	if (v.timeline) {
		if (v.json)
			printf("]\n");
	} else if (strcmp(cmd, "graph") == 0) {
		ret = graph_dot(&v);
	} else if (show) {
		ret = show_id(&v, cmd, &b, &e);
	} else if (v.json) {
		if (engine_state_json(v.r.eng, v.now, &b, &e) != ARM_OK) {
			ret = cli_fail(&e);
			goto out;
		}
		fwrite(b.data, 1, b.len, stdout);
	} else {
		ret = status_text(&v);
	}
out:
	buf_release(&b);
	buf_release(&v.amend_diff);
	cli_replay_release(&v.r);
	log_close(v.l);
	return ret;
}

int
cmd_status(int argc, char **argv)
{
	return run("status", argc, argv);
}

int
cmd_timeline(int argc, char **argv)
{
	return run("timeline", argc, argv);
}

int
cmd_show(int argc, char **argv)
{
	return run("show", argc, argv);
}

int
cmd_graph(int argc, char **argv)
{
	return run("graph", argc, argv);
}
