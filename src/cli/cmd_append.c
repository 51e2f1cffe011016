/*
 * cmd_append.c - armistice append DIR SIGNED...: appends signed entries to
 * a log through the agreement's rules (docs/rules.md).
 *
 * All or nothing: the committed log is replayed into the state engine,
 * then every new entry is checked in order (signatures against the
 * agreement's keys, then the rules); the first refusal prints one line
 * naming the rule and the entry and nothing is written. Only then are the
 * entries handed to the log, whose rules hook lets through exactly the
 * entries that were checked, at the indices they were checked for.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_key.h"
#include "cli/cli_replay.h"
#include "armistice/engine.h"
#include "armistice/entry.h"
#include "armistice/log.h"
#include "armistice/logclock.h"
#include "armistice/note.h"
#include "armistice/common.h"

static const char append_usage[] =
    "usage: armistice append DIR SIGNED... [--key LOG.key] [--zones ZDIR] [--json]\n"
    "\n"
    "Appends signed entries (files, or - for standard input) to the log in\n"
    "DIR, in order, after checking each against the agreement's rules. A\n"
    "refused entry gets one line naming the rule and the entry, and nothing\n"
    "is written.\n"
    "\n"
    "  --key LOG.key   the log's signer key (default: the one DIR records)\n"
    "                  (a key file, an encrypted key file or a pkcs11: URI;\n"
    "                  armistice-key(1))\n"
    "  --zones ZDIR    directory of the agreement's zone files (default DIR/zones)\n"
    "  --json          one JSON object per appended entry\n"
    "\n"
    "exit status: 0 appended, 1 a signature does not verify, 2 usage, 3 refused\n"
    "by a rule or malformed, 4 system error, 5 not found.\n";

static const struct option append_opts[] = {
    {"key", required_argument, NULL, 'k'},
    {"zones", required_argument, NULL, 'z'},
    {"json", no_argument, NULL, 'j'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

struct pending {
	const uint8_t **ents;
	size_t *lens;
	size_t n;
	uint64_t base; /* index of ents[0] */
	bool conflict;
	/* The batch's clock leaf (logclock.h) at base - 1, as the dry run made it. */
	struct buf clock_text, clock_note;
};

/*
 * The log's rules hook during the write: the entries were checked by the
 * dry run, so the same bytes at the same index pass and anything else is
 * a conflict (the log moved under us, which the writer lock prevents).
 */
static int
append_check(void *ctx, uint64_t index, const uint8_t *entry, size_t len, struct arm_err *e)
{
	struct pending *p = ctx;
	uint64_t k = index - p->base;

	if (p->clock_note.len > 0 && index + 1 == p->base && len == p->clock_note.len &&
	    memcmp(entry, p->clock_note.data, len) == 0)
		return ARM_OK;

	if (index < p->base || k >= p->n || p->lens[k] != len ||
	    memcmp(p->ents[k], entry, len) != 0) {
		p->conflict = true;
		return arm_err_set(e, ARM_ECONFLICT,
		                   "entry %llu was not checked against the rules: refused",
		                   (unsigned long long)index);
	}
	return ARM_OK;
}

/* The log's clock hook: exactly the clock text the dry run checked. */
static int
append_clock(void *ctx, uint64_t index, int64_t now, struct buf *text, struct arm_err *e)
{
	struct pending *p = ctx;

	(void)now;
	if (p->clock_text.len == 0)
		return ARM_OK;
	if (index + 1 != p->base) {
		p->conflict = true;
		return arm_err_set(e, ARM_ECONFLICT, "the log clock leaf moved to %llu: refused",
		                   (unsigned long long)index);
	}
	return buf_append(text, p->clock_text.data, p->clock_text.len, e);
}

static void
append_retract(void *ctx, uint64_t index)
{
	struct pending *p = ctx;

	(void)index;
	p->conflict = true;
}

static void
print_entry_json(const char *src, uint64_t index, bool dup, const uint8_t *note, size_t len)
{
	struct note n;
	struct entry en;
	struct arm_err e;

	printf("{\"file\":");
	cli_json_str(stdout, src, strlen(src));
	printf(",\"index\":%llu,\"duplicate\":%s", (unsigned long long)index,
	       dup ? "true" : "false");
	entry_init(&en);
	if (note_parse(&n, note, len, ENTRY_MAX_SIZE, &e) == ARM_OK) {
		if (entry_parse(&en, (const uint8_t *)n.text, n.text_len, &e) == ARM_OK) {
			printf(",\"kind\":\"%s\"", entry_kind_name(en.kind));
			if (en.author != NULL) {
				printf(",\"author\":");
				cli_json_str(stdout, en.author, strlen(en.author));
				printf(",\"seq\":%llu", (unsigned long long)en.seq);
			}
		}
		note_release(&n);
	}
	entry_release(&en);
	printf("}\n");
}

/*
 * Every entry named in srcs read into files (p->ents and p->lens point
 * into them) before anything is opened: a missing file writes nothing.
 */
static int
read_entries(char **srcs, size_t n, struct buf *files, struct pending *p, struct arm_err *e)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		buf_init(&files[i], ENTRY_MAX_SIZE);
		if ((rc = cli_read_file(srcs[i], &files[i], e)) != ARM_OK)
			return rc;
		p->ents[i] = files[i].data ? files[i].data : (const uint8_t *)"";
		p->lens[i] = files[i].len;
	}
	p->n = n;
	return ARM_OK;
}

/*
 * The log's writer, signing with --key or the key file its config names,
 * with the hooks that hold the write to what the dry run checked.
 */
static int
open_writer(const char *dir, const char *keyarg, struct note_signer *s, struct pending *p,
            struct log **l, struct arm_err *e)
{
	struct log_config cfg;
	struct log_opts o;

	ARM_TRY(log_config_read(dir, &cfg, e));
	if (keyarg == NULL && cfg.key_path[0] == '\0')
		return arm_err_set(e, ARM_EUSAGE,
		                   "log '%s' records no key file: give --key LOG.key", dir);
	ARM_TRY(cli_key_signer(keyarg ? keyarg : cfg.key_path, s, e));
	memset(&o, 0, sizeof(o));
	o.writer = true;
	o.key = s;
	o.hooks.ctx = p;
	o.hooks.check = append_check;
	o.hooks.clock = append_clock;
	o.hooks.retract = append_retract;
	return log_open(l, dir, &o, e);
}

/*
 * The committed log replayed into r; it was checked when it was written,
 * so without signatures. p->base is its size.
 */
static int
replay_committed(struct log *l, const char *dir, const char *zones, struct cli_replay *r,
                 struct pending *p, struct arm_err *e)
{
	int rc;

	ARM_TRY(cli_replay_init(r, zones, ENGINE_NO_TIME, false, e));
	p->base = log_size(l);
	if (p->base > 100000)
		fprintf(stderr, "armistice: replaying %llu entries\n", (unsigned long long)p->base);
	if ((rc = log_scan(l, 0, p->base, cli_replay_apply, r, e)) != ARM_OK) {
		arm_err_prefix(e, "replaying '%s'", dir);
		return rc;
	}
	return ARM_OK;
}

/*
 * Dry run: the batch's clock leaf as the sequencer will put it first,
 * then every new entry through signatures and rules, in order.
 */
static int
dry_run(struct cli_replay *r, const struct note_signer *s, struct pending *p, char **srcs,
        struct arm_err *e)
{
	size_t i;
	int rc;

	ARM_TRY(cli_replay_clock(r, p->base, s, &p->clock_note, e));
	if (p->clock_note.len > 0) {
		struct note cn;
		ARM_TRY(note_parse(&cn, p->clock_note.data, p->clock_note.len, 0, e));
		rc = buf_append(&p->clock_text, cn.text, cn.text_len, e);
		note_release(&cn);
		if (rc != ARM_OK)
			return rc;
		p->base++;
	}
	for (i = 0; i < p->n; i++) {
		if ((rc = engine_log_check(r->eng, p->base + i, p->ents[i], p->lens[i], e)) !=
		    ARM_OK) {
			arm_err_prefix(e, "'%s' refused, nothing written", srcs[i]);
			return rc;
		}
	}
	return ARM_OK;
}

/* What became of each entry; the exit code of the first refused, else 0. */
static int
report_appended(const struct log_result *res, const struct pending *p, char **srcs, int json)
{
	int ret = 0;
	size_t i;

	for (i = 0; i < p->n; i++) {
		if (res[i].err.rc != ARM_OK) {
			fprintf(stderr, "armistice: '%s': %s\n", srcs[i], res[i].err.msg);
			if (ret == 0)
				ret = arm_rc_exit(res[i].err.rc);
			continue;
		}
		if (json)
			print_entry_json(srcs[i], res[i].index, res[i].dup, p->ents[i], p->lens[i]);
		else
			printf("appended '%s' as entry %llu%s\n", srcs[i],
			       (unsigned long long)res[i].index,
			       res[i].dup ? " (already in the log)" : "");
	}
	return ret;
}

int
cmd_append(int argc, char **argv)
{
	const char *keyarg = NULL, *zones = NULL, *dir;
	char zbuf[4096], **srcs;
	int json = 0, c, rc, ret = 0;
	struct arm_err e = {0};
	struct cli_replay r;
	struct note_signer s;
	struct log *l = NULL;
	struct pending p;
	struct buf *files = NULL;
	struct log_result *res = NULL;
	size_t i, n;

	memset(&r, 0, sizeof(r));
	memset(&s, 0, sizeof(s));
	memset(&p, 0, sizeof(p));
	buf_init(&p.clock_text, LOGCLOCK_TEXT_MAX);
	buf_init(&p.clock_note, LOGCLOCK_NOTE_MAX);
	optind = 1;
	while ((c = getopt_long(argc, argv, "", append_opts, NULL)) != -1) {
		switch (c) {
		case 'k': keyarg = optarg; break;
		case 'z': zones = optarg; break;
		case 'j': json = 1; break;
		case 'h': fputs(append_usage, stdout); return 0;
		default: return cli_usage_error("append", "unknown option");
		}
	}
	if (argc - optind < 2)
		return cli_usage_error("append", "wants DIR and at least one SIGNED entry");
	dir = argv[optind];
	srcs = argv + optind + 1;
	n = (size_t)(argc - optind - 1);
	if (zones == NULL)
		zones = cli_zones_default(dir, zbuf, sizeof(zbuf));

	files = calloc(n, sizeof(*files));
	p.ents = calloc(n, sizeof(*p.ents));
	p.lens = calloc(n, sizeof(*p.lens));
	res = calloc(n, sizeof(*res));
	if (files == NULL || p.ents == NULL || p.lens == NULL || res == NULL) {
		rc = arm_err_set(&e, ARM_ENOMEM, "out of memory for %zu entries", n);
		goto fail;
	}
	if ((rc = read_entries(srcs, n, files, &p, &e)) != ARM_OK ||
	    (rc = open_writer(dir, keyarg, &s, &p, &l, &e)) != ARM_OK ||
	    (rc = replay_committed(l, dir, zones, &r, &p, &e)) != ARM_OK ||
	    (rc = dry_run(&r, &s, &p, srcs, &e)) != ARM_OK ||
	    (rc = log_append_many(l, p.ents, p.lens, n, res, &e)) != ARM_OK)
		goto fail;
	ret = report_appended(res, &p, srcs, json);
	goto out;
fail:
	ret = cli_fail(&e);
out:
	log_close(l);
	cli_replay_release(&r);
	note_signer_release(&s);
	buf_release(&p.clock_text);
	buf_release(&p.clock_note);
	if (files != NULL)
		for (i = 0; i < n; i++)
			buf_release(&files[i]);
	free(files);
	free(p.ents);
	free(p.lens);
	free(res);
	return ret;
}
