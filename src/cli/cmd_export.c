/*
 * cmd_export.c - armistice export DIR: the log's contents as tables
 * (export.h; docs/export.md is the data dictionary):
 *
 *   armistice export DIR|URL --table T [--format F] [--output FILE]
 *   armistice export DIR|URL --output ODIR [--format F]
 *
 * From a URL (a served log, or any static copy of one) the log is first
 * audited as `verify URL` audits it (cli_audit.h: the checkpoint's
 * signature, every bundle and tile, the witness quorum, the pinned trust
 * roots in the auditor's state); the export then reads only the entries
 * that audit verified, by their leaf hashes.
 *
 * The log is replayed the way `status` replays it (cli_replay.h), with the
 * same --at, --index, --now and --zones, so an export and `status --json`
 * of the same log and options agree. The scores table replays the log once
 * more as of the end of each calendar year (the agreement's time zone).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/cli_audit.h"
#include "cli/cli_replay.h"
#include "armistice/engine.h"
#include "armistice/entry.h"
#include "armistice/export.h"
#include "armistice/log.h"
#include "armistice/logclock.h"
#include "armistice/note.h"

static const char export_usage[] =
    "usage: armistice export DIR|URL --table TABLE [--format FMT] [--output FILE]\n"
    "       armistice export DIR|URL --output ODIR [--format FMT]\n"
    "                        [--at TIME | --index N] [--now TIME] [--zones ZDIR]\n"
    "                        [--state SDIR] [--agreement ID | --trust FILE]\n"
    "\n"
    "Replays the log in DIR, or served at URL, and writes its contents as\n"
    "tables a spreadsheet,\n"
    "R, Python or a GIS loads without code (docs/export.md lists every\n"
    "column):\n"
    "  commitments  one row per commitment: status, strength, due, effective\n"
    "  changes      every status change of every commitment\n"
    "  incidents    every incident: time, kind, actor, position, zones,\n"
    "               distance to the reference line, status\n"
    "  entries      every entry: index, kind, author, claimed time, the time\n"
    "               the log sequenced it (its clock), leaf digest\n"
    "  actors       each actor's record\n"
    "  scores       Peace Accords Matrix implementation scores (0-3) per\n"
    "               commitment and calendar year (docs/rules.md)\n"
    "  yearly       per year, the percentage of commitments fully implemented\n"
    "\n"
    "  --table T     one table, to standard output or --output FILE\n"
    "  --output P    with --table, the file to write; without, a directory\n"
    "                (created if missing) that gets every table as\n"
    "                <table>.<format>\n"
    "  --format F    csv (RFC 4180, UTF-8, header row; default), ndjson (one\n"
    "                JSON object per line) or geojson (incidents with a\n"
    "                position, RFC 7946)\n"
    "  --at TIME     as of TIME (RFC 3339 or POSIX seconds), as in status\n"
    "  --index N     as of the first N entries of the log\n"
    "  --now TIME    the moment for overdue flags and the last scored year\n"
    "                (default: --at, else the clock)\n"
    "  --zones ZDIR  directory of the agreement's zone files (default DIR/zones;\n"
    "                for a URL, the server's /zone/<id>)\n"
    "\n"
    "From a URL the log is audited first, as `armistice verify URL` does\n"
    "(checkpoint signature, every bundle and tile, witness quorum, the trust\n"
    "roots pinned in SDIR), and only the entries it verified are exported:\n"
    "  --state SDIR     the auditor's state (default $ARMISTICE_STATE, else\n"
    "                   $HOME/.armistice/verify)\n"
    "  --agreement ID   pin the agreement (hex SHA-256) before the first visit\n"
    "  --trust FILE     pin from a file (agreement id, YAML or trust record)\n"
    "\n"
    "exit status: 0 ok, 1 a signature, root, tile, quorum or pin does not\n"
    "verify, 2 usage, 3 the log breaks a rule, is malformed, or shows a\n"
    "rollback or split view, 4 system error, 5 not found.\n";

static const struct option export_opts[] = {
    {"table", required_argument, NULL, 't'},
    {"format", required_argument, NULL, 'f'},
    {"output", required_argument, NULL, 'o'},
    {"at", required_argument, NULL, 'a'},
    {"index", required_argument, NULL, 'i'},
    {"now", required_argument, NULL, 'n'},
    {"zones", required_argument, NULL, 'z'},
    {"state", required_argument, NULL, 'S'},
    {"agreement", required_argument, NULL, 'A'},
    {"trust", required_argument, NULL, 'T'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Tables are built in memory, at most this much each. */
#define EXPORT_OUT_MAX (1024u << 20)

struct ex {
	const char *dir, *zones;
	char zbuf[4096];
	int64_t at, now;
	uint64_t upto;
	struct log *l;
	struct cli_audit *au; /* a URL: the audit that verified the entries */
	struct cli_replay r;
	bool want_entries;
	struct export_w ew;
	struct buf entries;
	int64_t first; /* earliest event time of an entry about a commitment */
};

static int
scan(void *ctx, uint64_t index, const uint8_t *note, size_t len, struct arm_err *e)
{
	struct ex *x = ctx;
	size_t nb = x->r.eng ? engine_nbackdated(x->r.eng) : 0;

	ARM_TRY(cli_replay_apply(&x->r, index, note, len, e));
	if (x->want_entries)
		ARM_TRY(export_entry(&x->ew, x->r.eng, index, note, len,
		                     engine_nbackdated(x->r.eng) > nb, x->at, e));
	{
		int64_t t = export_commitment_time(index, note, len);
		if (t != ENGINE_NO_TIME && (x->first == ENGINE_NO_TIME || t < x->first))
			x->first = t;
	}
	return ARM_OK;
}

/* Entries [0, upto): from the directory, or those the audit of the URL verified. */
static int
scan_all(struct ex *x, log_scan_fn fn, void *ctx, struct arm_err *e)
{
	if (x->au != NULL)
		return cli_audit_scan(x->au, 0, x->upto, fn, ctx, e);
	return log_scan(x->l, 0, x->upto, fn, ctx, e);
}

/* A replay set up for the source: zone files from ZDIR, or from the URL's /zone/<id>. */
static int
replay_init(struct ex *x, struct cli_replay *r, int64_t asof, bool verify, struct arm_err *e)
{
	ARM_TRY(cli_replay_init(r, x->zones, asof, verify, e));
	if (x->au != NULL && x->zones == NULL) {
		r->fetch = cli_audit_zone_fetch;
		r->fetch_ctx = x->au;
	}
	return ARM_OK;
}

/* One replay of entries [0, upto) with horizon asof into r. */
static int
replay(struct ex *x, struct cli_replay *r, int64_t asof, bool verify, struct arm_err *e)
{
	ARM_TRY(replay_init(x, r, asof, verify, e));
	if (x->au == NULL) /* a local log: its signatures on every core first */
		return cli_replay_scan(r, x->l, 0, x->upto, cli_replay_apply, r, e);
	return scan_all(x, cli_replay_apply, r, e);
}

/* export_engine_fn: a fresh replay of the log with horizon asof. */
static int
with_replay(void *ctx, int64_t asof, export_use_fn use, void *uctx, struct arm_err *e)
{
	struct ex *x = ctx;
	struct cli_replay r;
	int rc;

	memset(&r, 0, sizeof(r));
	/* The first replay checked the signatures; these only re-read. */
	rc = replay(x, &r, asof, false, e);
	if (rc == ARM_OK && r.eng != NULL)
		rc = use(uctx, r.eng, e);
	cli_replay_release(&r);
	return rc;
}

static int
scores(struct ex *x, struct buf *sc, struct buf *yr, enum export_format fmt, struct arm_err *e)
{
	const struct agreement *a = engine_agreement(x->r.eng);
	struct export_w ws, wy;
	int rc;

	memset(&ws, 0, sizeof(ws));
	memset(&wy, 0, sizeof(wy));
	if ((rc = export_w_init(&ws, EXPORT_SCORES, fmt, sc, e)) == ARM_OK &&
	    (rc = export_w_init(&wy, EXPORT_YEARLY, fmt, yr, e)) == ARM_OK &&
	    (rc = export_scores(&ws, &wy, a->ncommitments, a->tz_offset, x->first, x->now, x->at,
	                        with_replay, x, e)) == ARM_OK &&
	    (rc = export_w_finish(&ws, e)) == ARM_OK)
		rc = export_w_finish(&wy, e);
	export_w_release(&ws);
	export_w_release(&wy);
	return rc;
}

static int
build(struct ex *x, enum export_table t, enum export_format fmt, struct buf *out, struct arm_err *e)
{
	struct export_w w;
	int rc;

	if (t == EXPORT_ENTRIES)
		return buf_append(out, x->entries.data, x->entries.len, e);
	if (t == EXPORT_SCORES || t == EXPORT_YEARLY) {
		struct buf other = BUF_INIT(EXPORT_OUT_MAX);
		rc = t == EXPORT_SCORES ? scores(x, out, &other, fmt, e)
		                        : scores(x, &other, out, fmt, e);
		buf_release(&other);
		return rc;
	}
	ARM_TRY(export_w_init(&w, t, fmt, out, e));
	switch (t) {
	case EXPORT_COMMITMENTS: rc = export_commitments(&w, x->r.eng, x->now, e); break;
	case EXPORT_CHANGES: rc = export_changes(&w, x->r.eng, e); break;
	case EXPORT_INCIDENTS: rc = export_incidents(&w, x->r.eng, x->r.map, e); break;
	case EXPORT_ACTORS: rc = export_actors(&w, x->r.eng, x->now, e); break;
	case EXPORT_ENTRIES:
	case EXPORT_SCORES:
	case EXPORT_YEARLY:
	case EXPORT_NTABLES:
	default: rc = arm_err_set(e, ARM_EUSAGE, "export: table %d", (int)t); break;
	}
	if (rc == ARM_OK)
		return export_w_finish(&w, e);
	export_w_release(&w);
	return rc;
}

static int
write_file(const char *path, const struct buf *b, struct arm_err *e)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL)
		return arm_err_set(e, ARM_EIO, "%s: %s", path, strerror(errno));
	bool bad = b->len > 0 && fwrite(b->data, 1, b->len, f) != b->len;

	/* fclose() always runs: it flushes, and may be what fails. */
	if (fclose(f) != 0)
		bad = true;
	if (bad)
		return arm_err_set(e, ARM_EIO, "%s: write failed", path);
	return ARM_OK;
}

/* One table to standard output or --output FILE, or every table into the directory --output. */
static int
write_out(struct ex *x, enum export_table table, enum export_format fmt, const char *output,
          struct buf *out, struct arm_err *e)
{
	size_t t;

	if (table != EXPORT_NTABLES) {
		ARM_TRY(build(x, table, fmt, out, e));
		if (output != NULL)
			return write_file(output, out, e);
		if (out->len > 0 && fwrite(out->data, 1, out->len, stdout) != out->len)
			return arm_err_set(e, ARM_EIO, "standard output: write failed");
		return ARM_OK;
	}
	if (mkdir(output, 0777) != 0 && errno != EEXIST)
		return arm_err_set(e, ARM_EIO, "%s: %s", output, strerror(errno));
	for (t = 0; t < EXPORT_NTABLES; t++) {
		char path[4200];
		if (fmt == EXPORT_GEOJSON && !export_table_geo((enum export_table)t))
			continue;
		buf_reset(out);
		ARM_TRY(build(x, (enum export_table)t, fmt, out, e));
		if ((size_t)snprintf(path, sizeof(path), "%s/%s.%s", output,
		                     export_table_name((enum export_table)t),
		                     export_format_name(fmt)) >= sizeof(path))
			return arm_err_set(e, ARM_EUSAGE, "--output: path too long");
		ARM_TRY(write_file(path, out, e));
	}
	return ARM_OK;
}

/* --state, --agreement, --trust: the audit of a URL (as `verify URL`). */
struct src_opts {
	const char *state, *agreement, *trust;
};

static bool
is_url(const char *s)
{
	return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

/*
 * Opens the log: the directory, or the URL audited first (cli_audit.h),
 * its entries then read through the audit. x->upto is set.
 */
static int
open_source(struct ex *x, struct cli_audit *au, const struct src_opts *o, uint64_t index,
            struct arm_err *e)
{
	uint64_t size;

	if (is_url(x->dir)) {
		cli_audit_init(au);
		au->cache = true;
		au->zones = x->zones;
		ARM_TRY(cli_audit_setup(au, x->dir, o->state, o->agreement, o->trust, e));
		x->au = au;
		ARM_TRY(cli_audit_open(au, e));
		ARM_TRY(cli_audit_round(au, e));
		size = au->c.size;
	} else {
		if (o->state != NULL || o->agreement != NULL || o->trust != NULL)
			return arm_err_set(e, ARM_EUSAGE,
			                   "--state, --agreement and --trust are for a URL");
		if (x->zones == NULL)
			x->zones = cli_zones_default(x->dir, x->zbuf, sizeof(x->zbuf));
		ARM_TRY(log_open(&x->l, x->dir, NULL, e));
		size = log_size(x->l);
	}
	if (index != UINT64_MAX && index > size)
		return arm_err_set(e, ARM_ENOTFOUND, "--index %llu: the log holds %llu entries",
		                   (unsigned long long)index, (unsigned long long)size);
	x->upto = index < size ? index : size;
	if (x->upto == 0)
		return arm_err_set(e, ARM_ENOTFOUND, "log '%s' holds no agreement yet", x->dir);
	return ARM_OK;
}

/* After the export: what the audit of a URL verified goes into the auditor's state. */
static int
close_source(struct ex *x, struct arm_err *e)
{
	if (x->au == NULL)
		return ARM_OK;
	ARM_TRY(cli_audit_save(x->au, (int64_t)time(NULL), e));
	if (x->au->first_visit)
		cli_audit_print_pinned(x->au, stderr);
	return ARM_OK;
}

int
cmd_export(int argc, char **argv)
{
	static struct cli_audit au;
	struct src_opts so = {NULL, NULL, NULL};
	struct ex x;
	struct arm_err e = {0};
	struct buf out = BUF_INIT(EXPORT_OUT_MAX);
	enum export_table table = EXPORT_NTABLES;
	enum export_format fmt = EXPORT_CSV;
	const char *output = NULL;
	bool have_now = false;
	uint64_t index = UINT64_MAX;
	int c, ret = 0;

	memset(&x, 0, sizeof(x));
	x.at = ENGINE_NO_TIME;
	x.first = ENGINE_NO_TIME;
	buf_init(&x.entries, EXPORT_OUT_MAX);
	optind = 1;
	while ((c = getopt_long(argc, argv, "", export_opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (export_table_parse(optarg, &table, &e) != ARM_OK)
				return cli_usage_error("export", "--table: %s", e.msg);
			break;
		case 'f':
			if (export_format_parse(optarg, &fmt, &e) != ARM_OK)
				return cli_usage_error("export", "--format: %s", e.msg);
			break;
		case 'o': output = optarg; break;
		case 'a':
			if (cli_replay_time(optarg, &x.at, &e) != ARM_OK)
				return cli_usage_error("export", "--at: %s", e.msg);
			break;
		case 'i': {
			char *end;
			unsigned long long v;
			if (optarg[0] < '0' || optarg[0] > '9')
				return cli_usage_error("export", "--index takes a number");
			errno = 0;
			v = strtoull(optarg, &end, 10);
			if (*end != '\0' || errno != 0 || v == ULLONG_MAX)
				return cli_usage_error("export", "--index takes a number, not '%s'",
				                       optarg);
			index = v;
			break;
		}
		case 'n':
			if (cli_replay_time(optarg, &x.now, &e) != ARM_OK)
				return cli_usage_error("export", "--now: %s", e.msg);
			have_now = true;
			break;
		case 'z': x.zones = optarg; break;
		case 'S': so.state = optarg; break;
		case 'A': so.agreement = optarg; break;
		case 'T': so.trust = optarg; break;
		case 'h': fputs(export_usage, stdout); return 0;
		default: return cli_usage_error("export", "unknown option");
		}
	}
	if (argc - optind != 1)
		return cli_usage_error("export", "wants one DIR or URL");
	if (table == EXPORT_NTABLES && output == NULL)
		return cli_usage_error("export", "wants --table, or --output ODIR for every table");
	if (table != EXPORT_NTABLES && fmt == EXPORT_GEOJSON && !export_table_geo(table))
		return cli_usage_error("export",
		                       "only the incidents table has positions (GeoJSON)");
	x.dir = argv[optind];
	if (!have_now)
		x.now = x.at != ENGINE_NO_TIME ? x.at : (int64_t)time(NULL);
	x.want_entries = table == EXPORT_NTABLES ? fmt != EXPORT_GEOJSON : table == EXPORT_ENTRIES;

	if (open_source(&x, &au, &so, index, &e) != ARM_OK)
		goto fail;
	if (replay_init(&x, &x.r, x.at, true, &e) != ARM_OK)
		goto fail;
	if (x.want_entries && export_w_init(&x.ew, EXPORT_ENTRIES, fmt, &x.entries, &e) != ARM_OK)
		goto fail;
	if (scan_all(&x, scan, &x, &e) != ARM_OK)
		goto fail;
	if (x.want_entries && export_w_finish(&x.ew, &e) != ARM_OK)
		goto fail;

	if (write_out(&x, table, fmt, output, &out, &e) != ARM_OK)
		goto fail;
	if (close_source(&x, &e) != ARM_OK)
		goto fail;
	goto out;
fail:
	ret = e.rc == ARM_EUSAGE ? cli_usage_error("export", "%s", e.msg) : cli_fail(&e);
out:
	if (x.au != NULL)
		cli_audit_release(x.au);
	export_w_release(&x.ew);
	buf_release(&x.entries);
	buf_release(&out);
	cli_replay_release(&x.r);
	log_close(x.l);
	return ret;
}
