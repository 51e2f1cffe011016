/*
 * cmd_report.c - armistice report LOG --from D --to D: a period's report
 * as one self-contained HTML file (report.h, docs/report.md), and with
 * --pdf the same document printed by headless Chromium.
 *
 * The log is replayed as of the period's end exactly as `status --at END`
 * replays it (cli_replay.h), so the report's numbers are status's. Nothing
 * is written until the whole document is built; files are written beside
 * their destination and renamed into place.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_replay.h"
#include "armistice/engine.h"
#include "armistice/log.h"
#include "armistice/report.h"

static const char report_usage[] =
    "usage: armistice report LOG --from DATE --to DATE [--output FILE] [--pdf FILE]\n"
    "                        [--by month|week] [--zones ZDIR]\n"
    "\n"
    "Writes the report of a period as one self-contained HTML file (inline\n"
    "CSS and SVG, no script, no external resource): commitments by status at\n"
    "the end of the period, status changes, amendments and entries in the\n"
    "period, its incidents on a map and in a chart, what is overdue at its\n"
    "end and who waits on whom (docs/report.md). The numbers are those of\n"
    "`armistice status LOG --at TO --json`.\n"
    "\n"
    "  --from DATE   first day of the period (YYYY-MM-DD in the agreement's\n"
    "                time zone, or an RFC 3339 time)\n"
    "  --to DATE     last day of the period (a date: to its last second)\n"
    "  -o, --output FILE  the HTML file (default: standard output, unless --pdf)\n"
    "  --pdf FILE    also print the report to FILE as PDF with headless\n"
    "                Chromium ($ARMISTICE_CHROMIUM, else chromium or\n"
    "                chromium-browser on PATH), offline\n"
    "  --by UNIT     the chart's bars: month (default) or week\n"
    "  --zones ZDIR  directory of the agreement's zone files (default LOG/zones)\n"
    "\n"
    "exit status: 0 ok, 1 a signature does not verify, 2 usage (a bad date,\n"
    "a period that ends before it starts), 3 the log breaks a rule, 4 system\n"
    "error (Chromium failed), 5 not found.\n";

static const struct option report_opts[] = {
    {"from", required_argument, NULL, 'f'},   {"to", required_argument, NULL, 't'},
    {"output", required_argument, NULL, 'o'}, {"pdf", required_argument, NULL, 'p'},
    {"by", required_argument, NULL, 'b'},     {"zones", required_argument, NULL, 'z'},
    {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
};

#define REPORT_OUT_MAX (256u << 20)
/* Chromium gets this long to print; a hung browser is killed. */
#define REPORT_PDF_SECONDS 120

struct rep {
	struct cli_replay r;
	struct report rep;
	struct cli_at from, to;
	struct report_period p;
	bool ready; /* report_init() done (after entry 0) */
};

static int
scan(void *ctx, uint64_t index, const uint8_t *note, size_t len, struct arm_err *e)
{
	struct rep *x = ctx;

	ARM_TRY(cli_replay_apply(&x->r, index, note, len, e));
	if (!x->ready) {
		/* A date is a day of the agreement's zone: known once entry 0 is read. */
		const struct agreement *a = engine_agreement(x->r.eng);
		x->p.to = cli_replay_at_resolve(&x->to, a);
		x->p.from = cli_replay_at_resolve(&x->from, a);
		if (x->from.date)
			x->p.from -= 86399; /* the first second of that day */
		ARM_TRY(report_init(&x->rep, &x->p, e));
		x->ready = true;
	}
	return report_note(&x->rep, index, note, len, e);
}

/* Writes b to path through path.tmp and a rename: all or nothing. */
static int
write_atomic(const char *path, const struct buf *b, struct arm_err *e)
{
	char tmp[4200];
	FILE *f;
	bool bad;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return arm_err_set(e, ARM_EUSAGE, "%s: path too long", path);
	if ((f = fopen(tmp, "wb")) == NULL)
		return arm_err_set(e, ARM_EIO, "%s: %s", tmp, strerror(errno));
	bad = b->len > 0 && fwrite(b->data, 1, b->len, f) != b->len;
	if (fclose(f) != 0)
		bad = true;
	if (bad || rename(tmp, path) != 0) {
		unlink(tmp);
		return arm_err_set(e, ARM_EIO, "%s: write failed", path);
	}
	return ARM_OK;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

/* The page, the PDF and the profile Chromium leaves: the whole private directory. */
static void
rm_tree(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Runs Chromium on html (a file) to print pdf; waits at most REPORT_PDF_SECONDS. */
static int
run_chromium(const char *dir, const char *html, const char *pdf, struct arm_err *e)
{
	const char *env = getenv("ARMISTICE_CHROMIUM");
	const char *names[] = {env, "chromium", "chromium-browser"};
	char prof[4200], out[4200], url[4200];
	int status = 0, waited;
	size_t i;
	pid_t pid;

	snprintf(prof, sizeof(prof), "--user-data-dir=%s/profile", dir);
	snprintf(out, sizeof(out), "--print-to-pdf=%s", pdf);
	snprintf(url, sizeof(url), "file://%s", html);
	if ((pid = fork()) < 0)
		return arm_err_set(e, ARM_EIO, "report: fork: %s", strerror(errno));
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		/*
		 * The page is our own file with no script and no external
		 * resource; the flags keep Chromium off the network and out of
		 * any profile (a fresh one in dir). No sandbox: it fails as root
		 * and in most containers, and the page is ours (docs/report.md).
		 */
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (names[i] != NULL && names[i][0] != '\0')
				execlp(names[i], names[i], "--headless", "--no-sandbox",
				       "--disable-gpu", "--disable-quic", "--no-first-run",
				       "--disable-background-networking",
				       "--disable-component-update", "--disable-sync",
				       "--disable-extensions", "--no-pdf-header-footer", prof, out,
				       url, (char *)NULL);
		_exit(127);
	}
	for (waited = 0; waited < REPORT_PDF_SECONDS * 10; waited++) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			return arm_err_set(e, ARM_EIO, "report: waitpid: %s", strerror(errno));
		usleep(100000);
	}
	if (waited >= REPORT_PDF_SECONDS * 10) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return arm_err_set(e, ARM_EIO, "report: Chromium did not print within %ds",
		                   REPORT_PDF_SECONDS);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return arm_err_set(e, ARM_EIO,
		                   "report: --pdf needs Chromium (chromium not found; set "
		                   "ARMISTICE_CHROMIUM)");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return arm_err_set(e, ARM_EIO, "report: Chromium failed (status %d)", status);
	return ARM_OK;
}

/* Prints html to pdf_path: a private directory for the page, the profile and the PDF. */
static int
print_pdf(const struct buf *html, const char *pdf_path, struct arm_err *e)
{
	const char *tmp = getenv("TMPDIR");
	char dir[3100], page[3200], pdf[3200];
	struct buf got = BUF_INIT(REPORT_OUT_MAX);
	int rc;

	if (tmp == NULL || tmp[0] != '/' || strlen(tmp) > 3000)
		tmp = "/tmp";
	snprintf(dir, sizeof(dir), "%s/armistice-report.XXXXXX", tmp);
	if (mkdtemp(dir) == NULL)
		return arm_err_set(e, ARM_EIO, "report: mkdtemp: %s", strerror(errno));
	snprintf(page, sizeof(page), "%s/report.html", dir);
	snprintf(pdf, sizeof(pdf), "%s/report.pdf", dir);
	rc = write_atomic(page, html, e);
	if (rc == ARM_OK)
		rc = run_chromium(dir, page, pdf, e);
	if (rc == ARM_OK)
		rc = cli_read_file(pdf, &got, e);
	if (rc == ARM_OK && (got.len < 5 || memcmp(got.data, "%PDF-", 5) != 0))
		rc = arm_err_set(e, ARM_EIO, "report: Chromium wrote no PDF");
	if (rc == ARM_OK)
		rc = write_atomic(pdf_path, &got, e);
	buf_release(&got);
	rm_tree(dir);
	return rc;
}

static int
parse_day(const char *opt, const char *s, struct cli_at *at)
{
	struct arm_err e;

	if (cli_replay_at_parse(s, at, &e) != ARM_OK)
		return cli_usage_error("report", "%s: %s", opt, e.msg);
	return 0;
}

int
cmd_report(int argc, char **argv)
{
	struct rep x;
	struct arm_err e = {0};
	struct buf out = BUF_INIT(REPORT_OUT_MAX);
	const char *output = NULL, *pdf = NULL, *zones = NULL;
	char zbuf[4096];
	bool have_from = false, have_to = false;
	struct log *l = NULL;
	int c, ret = 0;

	memset(&x, 0, sizeof(x));
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:", report_opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if ((ret = parse_day("--from", optarg, &x.from)) != 0)
				return ret;
			have_from = true;
			break;
		case 't':
			if ((ret = parse_day("--to", optarg, &x.to)) != 0)
				return ret;
			have_to = true;
			break;
		case 'o': output = optarg; break;
		case 'p': pdf = optarg; break;
		case 'b':
			if (strcmp(optarg, "month") == 0)
				x.p.bin = REPORT_MONTH;
			else if (strcmp(optarg, "week") == 0)
				x.p.bin = REPORT_WEEK;
			else
				return cli_usage_error("report", "--by: month or week, not '%s'",
				                       optarg);
			break;
		case 'z': zones = optarg; break;
		case 'h': fputs(report_usage, stdout); return 0;
		default: return cli_usage_error("report", "unknown option");
		}
	}
	if (argc - optind != 1)
		return cli_usage_error("report", "wants one LOG directory");
	if (!have_from || !have_to)
		return cli_usage_error("report", "wants --from and --to");
	if (x.from.date && x.to.date &&
	    (x.from.y != x.to.y   ? x.from.y > x.to.y
	     : x.from.m != x.to.m ? x.from.m > x.to.m
	                          : x.from.d > x.to.d))
		return cli_usage_error(
		    "report", "--from %04d-%02d-%02d is after --to %04d-%02d-%02d", (int)x.from.y,
		    (int)x.from.m, (int)x.from.d, (int)x.to.y, (int)x.to.m, (int)x.to.d);
	x.p.source = argv[optind];
	if (zones == NULL)
		zones = cli_zones_default(argv[optind], zbuf, sizeof(zbuf));

	if (log_open(&l, argv[optind], NULL, &e) != ARM_OK)
		goto fail;
	if (log_size(l) == 0) {
		arm_err_set(&e, ARM_ENOTFOUND, "log '%s' holds no agreement yet", argv[optind]);
		goto fail;
	}
	if (cli_replay_init(&x.r, zones, ENGINE_NO_TIME, true, &e) != ARM_OK ||
	    cli_replay_set_at(&x.r, &x.to, &e) != ARM_OK ||
	    log_scan(l, 0, log_size(l), scan, &x, &e) != ARM_OK ||
	    report_html(&x.rep, x.r.eng, x.r.map, &out, &e) != ARM_OK)
		goto fail;
	if (pdf != NULL && print_pdf(&out, pdf, &e) != ARM_OK)
		goto fail;
	if (output != NULL) {
		if (write_atomic(output, &out, &e) != ARM_OK)
			goto fail;
	} else if (pdf == NULL && fwrite(out.data, 1, out.len, stdout) != out.len) {
		arm_err_set(&e, ARM_EIO, "standard output: write failed");
		goto fail;
	}
	goto out;
fail:
	ret = e.rc == ARM_EUSAGE ? cli_usage_error("report", "%s", e.msg) : cli_fail(&e);
out:
	report_release(&x.rep);
	cli_replay_release(&x.r);
	log_close(l);
	buf_release(&out);
	return ret;
}
