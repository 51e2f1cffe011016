/*
 * cmd_log.c - armistice log: create a log, append to it, read it, prove
 * from it and audit it (log.h does the work; this file parses arguments
 * and prints).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_key.h"
#include "cli/cli_logcopy.h"
#include "cli/cli_replay.h"
#include "armistice/agreement.h"
#include "armistice/b64.h"
#include "armistice/bundle.h"
#include "armistice/ckpt.h"
#include "armistice/engine.h"
#include "armistice/entry.h"
#include "armistice/hash.h"
#include "armistice/log.h"
#include "armistice/note.h"
#include "armistice/tproof.h"
#include "armistice/witness.h"
#include "armistice/common.h"

/* --lines reads at most this many bytes of entries before committing. */
#define LINES_BATCH_BYTES (64u << 20)

static const char log_usage[] =
    "usage: armistice log init DIR --origin ORIGIN --key LOG.key\n"
    "       armistice log append DIR [--key LOG.key] [--lines [--batch N]] [--zones ZDIR]\n"
    "                                [--json] [FILE...]\n"
    "       armistice log checkpoint DIR [--json]\n"
    "       armistice log get DIR INDEX [--json]\n"
    "       armistice log prove DIR INDEX [--size N] [--json]\n"
    "       armistice log consistency DIR OLD NEW [--json]\n"
    "       armistice log verify DIR [--key VKEY] [--since CHECKPOINT_FILE] [--zones ZDIR]\n"
    "                            [--no-quorum] [--json]\n"
    "       armistice log reindex DIR\n"
    "       armistice log export LOG DIR [--json]\n"
    "       armistice log import DIR LOG [--json]\n"
    "\n"
    "DIR or LOG may be a postgresql:// URI: the log in that database\n"
    "(docs/postgres.md).\n"
    "\n"
    "init         creates an empty log in DIR (C2SP tlog-tiles layout) signed by\n"
    "             LOG.key, whose name should be ORIGIN\n"
    "append       appends each FILE (or standard input) as one entry, or with\n"
    "             --lines each line of them; prints each index once durable.\n"
    "             The same bytes appended again get their first index back\n"
    "checkpoint   prints the latest public checkpoint\n"
    "get          prints entry INDEX\n"
    "prove        prints an inclusion proof of INDEX as a c2sp.org/tlog-proof@v1,\n"
    "             pinned to the published checkpoint of size N (default: latest)\n"
    "consistency  prints the RFC 9162 consistency proof from size OLD to NEW\n"
    "reindex      rebuilds the SQLite index from the entry bundles\n"
    "export       copies LOG to the directory DIR (tlog-tiles), incrementally\n"
    "import       copies the directory log DIR into LOG, incrementally\n"
    "verify       recomputes every tile and the root from the entries, checks\n"
    "             the checkpoint signatures and consistency with an older one;\n"
    "             when entry 0 is an agreement, says which of its witnesses\n"
    "             cosigned the public checkpoint and whether their quorum is met\n"
    "             (not met: exit 1)\n"
    "\n"
    "  --key K      init/append: the log's signer key file (append: default, the\n"
    "               one recorded by init); verify: the log's verifier key\n"
    "               (a key file, an encrypted key file or a pkcs11: URI;\n"
    "               armistice-key(1))\n"
    "  --origin O   init: the checkpoint origin line\n"
    "  --lines      append: one entry per line (newline not included, empty\n"
    "               lines skipped), committed in large durable batches\n"
    "  --batch N    append --lines: commit every N entries (default 65536)\n"
    "  --size N     prove: the tree size of the checkpoint to pin the proof to\n"
    "  --since F    verify: a checkpoint seen before, which the log must extend\n"
    "  --zones Z    verify, append: the agreement's zone files (default\n"
    "               DIR/zones), needed to open entry 0\n"
    "  --no-quorum  verify: report the witness quorum but do not fail on it, for\n"
    "               a log built locally that no witness has seen yet (before\n"
    "               'armistice serve' publishes it through its witnesses)\n"
    "  --json       print the result as JSON\n"
    "\n"
    "exit status: 0 ok, 1 verification failed, 2 usage, 3 input refused,\n"
    "4 system error (also: the log is locked by another writer), 5 not found.\n";

static const struct option log_opts_long[] = {
    {"key", required_argument, NULL, 'k'},
    {"origin", required_argument, NULL, 'o'},
    {"size", required_argument, NULL, 's'},
    {"since", required_argument, NULL, 'S'},
    {"lines", no_argument, NULL, 'l'},
    {"batch", required_argument, NULL, 'b'},
    {"json", no_argument, NULL, 'j'},
    {"zones", required_argument, NULL, 'z'},
    {"no-quorum", no_argument, NULL, 'Q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

struct log_args {
	const char *key, *origin, *since, *zones;
	const char *size, *batch;
	int lines, json, no_quorum;
	char **pos; /* positional arguments after the verb */
	int npos;
};

/* Parses the options of one verb; returns -1 to go on, else an exit status. */
static int
parse_args(int argc, char **argv, struct log_args *a)
{
	int c;

	memset(a, 0, sizeof(*a));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "k:o:s:S:lb:jz:Qh", log_opts_long, NULL)) != -1) {
		switch (c) {
		case 'k': a->key = optarg; break;
		case 'o': a->origin = optarg; break;
		case 's': a->size = optarg; break;
		case 'S': a->since = optarg; break;
		case 'l': a->lines = 1; break;
		case 'b': a->batch = optarg; break;
		case 'j': a->json = 1; break;
		case 'z': a->zones = optarg; break;
		case 'Q': a->no_quorum = 1; break;
		case 'h': fputs(log_usage, stdout); return 0;
		default:
			return cli_usage_error("log", "unknown option or missing argument '%s'",
			                       argv[optind - 1]);
		}
	}
	a->pos = argv + optind;
	a->npos = argc - optind;
	return -1;
}

/* Strict decimal: digits only, no sign, no leading zeros, fits in 63 bits. */
static int
parse_u64(const char *what, const char *s, uint64_t *v)
{
	char *end;
	unsigned long long x;

	if (s[0] < '0' || s[0] > '9' || (s[0] == '0' && s[1] != '\0'))
		return cli_usage_error("log", "%s '%s' is not a decimal number", what, s);
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || x > INT64_MAX)
		return cli_usage_error("log", "%s '%s' is not a decimal number", what, s);
	*v = x;
	return -1;
}

static void
print_b64_json(FILE *f, const uint8_t *p, size_t n)
{
	struct buf b = BUF_INIT(SIZE_MAX);
	struct arm_err e;

	if (b64_encode(&b, p, n, &e) == ARM_OK)
		cli_json_str(f, (const char *)b.data, b.len);
	else
		fputs("null", f);
	buf_release(&b);
}

static void
print_hex_json(FILE *f, const uint8_t h[HASH_SIZE])
{
	char hex[2 * HASH_SIZE + 1];

	hash_hex(hex, h);
	fprintf(f, "\"%s\"", hex);
}

/* ---- init ---- */

static int
log_init(struct log_args *a)
{
	struct note_signer s;
	struct arm_err e = {0};
	int rc;

	if (a->npos != 1)
		return cli_usage_error("log", "init wants exactly one DIR");
	if (a->origin == NULL || a->key == NULL)
		return cli_usage_error("log", "init needs --origin ORIGIN and --key LOG.key");
	if ((rc = cli_key_signer(a->key, &s, &e)) != ARM_OK)
		return cli_fail(&e);
	if (strcmp(s.name, a->origin) != 0)
		fprintf(stderr,
		        "armistice: note: key name '%s' differs from origin '%s' "
		        "(tlog-checkpoint: the key name SHOULD be the origin)\n",
		        s.name, a->origin);
	rc = log_create(a->pos[0], a->origin, &s, a->key, &e);
	note_signer_release(&s);
	if (rc != ARM_OK)
		return cli_fail(&e);
	if (a->json) {
		printf("{\"dir\":");
		cli_json_str(stdout, a->pos[0], strlen(a->pos[0]));
		printf(",\"origin\":");
		cli_json_str(stdout, a->origin, strlen(a->origin));
		printf(",\"size\":0}\n");
	} else {
		printf("created log '%s' (origin %s, size 0)\n", a->pos[0], a->origin);
	}
	return 0;
}

/* ---- opening ---- */

static int
open_writer(const char *dir, const char *keyarg, struct note_signer *s, struct log **l,
            struct arm_err *e)
{
	struct log_config cfg;
	struct log_opts o;
	const char *kp = keyarg;

	memset(&o, 0, sizeof(o));
	ARM_TRY(log_config_read(dir, &cfg, e));
	if (kp == NULL) {
		if (cfg.key_path[0] == '\0')
			return arm_err_set(e, ARM_EUSAGE,
			                   "log '%s' records no key file: give --key LOG.key", dir);
		kp = cfg.key_path;
	}
	ARM_TRY(cli_key_signer(kp, s, e));
	o.writer = true;
	o.key = s;
	return log_open(l, dir, &o, e);
}

/* ---- append ---- */

/* Does this entry look like an armistice entry (a signed note of one)? */
static bool
is_armistice_entry(const uint8_t *p, size_t n)
{
	size_t m = sizeof(ENTRY_MAGIC) - 1;

	return n > m && memcmp(p, ENTRY_MAGIC, m) == 0 && p[m] == '\n';
}

/*
 * A log whose entry 0 is an armistice entry holds an agreement: every
 * append then goes through the agreement's rules, in order, before
 * anything is written (the engine as the log's rules hook, after a replay
 * of the committed entries). Other logs are plain transparency logs.
 */
static int
rules_hook(struct log *l, const char *dir, const char *zdir, struct cli_replay *r,
           struct arm_err *e)
{
	struct buf first = BUF_INIT(BUNDLE_ENTRY_MAX);
	struct log_hooks h;
	char zones[4200];
	struct stat sb;
	int rc;

	if (log_size(l) == 0)
		return ARM_OK;
	if ((rc = log_get(l, 0, &first, e)) != ARM_OK)
		goto out;
	if (!is_armistice_entry(first.data, first.len))
		goto out;
	/* A database log has no directory beside it: --zones names them. */
	snprintf(zones, sizeof(zones), "%s", zdir ? zdir : "");
	if (zdir == NULL)
		snprintf(zones, sizeof(zones), "%s/zones", dir);
	if ((rc = cli_replay_init(r, stat(zones, &sb) == 0 ? zones : NULL, ENGINE_NO_TIME, false,
	                          e)) != ARM_OK)
		goto out;
	if ((rc = log_scan(l, 0, log_size(l), cli_replay_apply, r, e)) != ARM_OK) {
		arm_err_prefix(e, "replaying the agreement log '%s'", dir);
		goto out;
	}
	engine_log_hooks(r->eng, &h);
	log_set_hooks(l, &h);
out:
	buf_release(&first);
	return rc;
}

struct appender {
	struct log *l;
	int json;
	int first_json;
	int worst; /* exit status of the first refused entry */
	uint64_t n_ok, n_dup, n_bad;
	size_t batch; /* --lines: entries per commit */
	/* the pending batch */
	const uint8_t **ents;
	size_t *lens;
	char **srcs; /* for messages: "FILE" or "FILE:LINE" */
	size_t n, cap, bytes;
	struct buf store; /* bytes of --lines entries (pointers are offsets until flush) */
};

static int
app_flush(struct appender *ap, struct arm_err *e)
{
	struct log_result *res;
	size_t i;
	int rc;

	if (ap->n == 0)
		return ARM_OK;
	/* An agreement log starts with 'armistice init', which checks it. */
	if (log_size(ap->l) == 0 && is_armistice_entry(ap->ents[0], ap->lens[0]))
		return arm_err_set(
		    e, ARM_ERULE,
		    "%s would be entry 0, the agreement: start an agreement log with "
		    "'armistice init'",
		    ap->srcs[0]);
	if ((res = calloc(ap->n, sizeof(*res))) == NULL)
		return arm_err_set(e, ARM_ENOMEM, "out of memory for %zu results", ap->n);
	rc = log_append_many(ap->l, ap->ents, ap->lens, ap->n, res, e);
	for (i = 0; i < ap->n; i++) {
		if (res[i].err.rc != ARM_OK) {
			if (rc == ARM_OK) {
				fprintf(stderr, "armistice: entry %s refused: %s\n", ap->srcs[i],
				        res[i].err.msg[0] ? res[i].err.msg
				                          : arm_rc_name(res[i].err.rc));
				if (ap->worst == 0)
					ap->worst = arm_rc_exit(res[i].err.rc);
				ap->n_bad++;
			}
			if (ap->json && rc == ARM_OK) {
				printf("%s{\"source\":", ap->first_json ? "" : ",");
				cli_json_str(stdout, ap->srcs[i], strlen(ap->srcs[i]));
				printf(",\"error\":\"%s\",\"message\":",
				       arm_rc_name(res[i].err.rc));
				cli_json_str(stdout, res[i].err.msg, strlen(res[i].err.msg));
				printf("}");
				ap->first_json = 0;
			}
			continue;
		}
		if (res[i].dup)
			ap->n_dup++;
		else
			ap->n_ok++;
		if (ap->json) {
			printf("%s{\"source\":", ap->first_json ? "" : ",");
			cli_json_str(stdout, ap->srcs[i], strlen(ap->srcs[i]));
			printf(",\"index\":%" PRIu64 ",\"dup\":%s}", res[i].index,
			       res[i].dup ? "true" : "false");
			ap->first_json = 0;
		} else {
			printf("%" PRIu64 "\t%s%s\n", res[i].index, ap->srcs[i],
			       res[i].dup ? "\t(already in the log)" : "");
		}
	}
	fflush(stdout);
	free(res);
	for (i = 0; i < ap->n; i++)
		free(ap->srcs[i]);
	ap->n = 0;
	ap->bytes = 0;
	buf_reset(&ap->store);
	return rc;
}

static int
app_add(struct appender *ap, const uint8_t *p, size_t len, const char *src, struct arm_err *e)
{
	if (ap->n == ap->cap) {
		size_t nc = ap->cap ? ap->cap * 2 : 256;
		const uint8_t **ne = realloc(ap->ents, nc * sizeof(*ne));
		size_t *nl;
		char **ns;
		if (ne == NULL)
			return arm_err_set(e, ARM_ENOMEM, "out of memory");
		ap->ents = ne;
		if ((nl = realloc(ap->lens, nc * sizeof(*nl))) == NULL)
			return arm_err_set(e, ARM_ENOMEM, "out of memory");
		ap->lens = nl;
		if ((ns = realloc(ap->srcs, nc * sizeof(*ns))) == NULL)
			return arm_err_set(e, ARM_ENOMEM, "out of memory");
		ap->srcs = ns;
		ap->cap = nc;
	}
	if ((ap->srcs[ap->n] = strdup(src)) == NULL)
		return arm_err_set(e, ARM_ENOMEM, "out of memory");
	ap->ents[ap->n] = p;
	ap->lens[ap->n] = len;
	ap->n++;
	ap->bytes += len;
	return ARM_OK;
}

/*
 * --lines: one entry per line of f. Lines are copied into one arena per
 * batch (so pointers stay valid until the batch is committed), and a batch
 * is committed every LOG_BATCH_MAX entries or LINES_BATCH_BYTES bytes.
 */
static int
append_lines(struct appender *ap, FILE *f, const char *name, struct arm_err *e)
{
	char *line = NULL;
	size_t cap = 0, i;
	ssize_t got;
	uint64_t lineno = 0;
	int rc = ARM_OK;
	char src[4200];
	/* Offsets into the arena; turned into pointers at flush time. */
	size_t *offs = NULL, noffs = 0, capoffs = 0, first = ap->n;

	while ((got = getline(&line, &cap, f)) >= 0) {
		size_t len = (size_t)got;
		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			len--;
		if (len == 0)
			continue;
		if (len > BUNDLE_ENTRY_MAX) {
			rc = arm_err_set(e, ARM_ELIMIT,
			                 "%s:%" PRIu64
			                 ": line is %zu bytes; an entry is at most 65535",
			                 name, lineno, len);
			break;
		}
		if (noffs == capoffs) {
			size_t nc = capoffs ? capoffs * 2 : 1024;
			size_t *no = realloc(offs, nc * sizeof(*no));
			if (no == NULL) {
				rc = arm_err_set(e, ARM_ENOMEM, "out of memory");
				break;
			}
			offs = no;
			capoffs = nc;
		}
		offs[noffs++] = ap->store.len;
		if ((rc = buf_append(&ap->store, line, len, e)) != ARM_OK)
			break;
		snprintf(src, sizeof(src), "%s:%" PRIu64, name, lineno);
		if ((rc = app_add(ap, NULL, len, src, e)) != ARM_OK)
			break;
		if (ap->n >= ap->batch || ap->store.len >= LINES_BATCH_BYTES) {
			for (i = 0; i < noffs; i++)
				ap->ents[first + i] = ap->store.data + offs[i];
			noffs = 0;
			first = 0;
			if ((rc = app_flush(ap, e)) != ARM_OK)
				break;
		}
	}
	if (rc == ARM_OK && ferror(f))
		rc = arm_err_set(e, ARM_EIO, "cannot read '%s': %s", name, strerror(errno));
	if (rc == ARM_OK) {
		for (i = 0; i < noffs; i++)
			ap->ents[first + i] = ap->store.data + offs[i];
	} else {
		/* Nothing that was not yet committed goes in. */
		for (i = 0; i < ap->n; i++)
			free(ap->srcs[i]);
		ap->n = 0;
		buf_reset(&ap->store);
	}
	free(offs);
	free(line);
	return rc;
}

static int
log_append_cmd(struct log_args *a)
{
	struct appender ap;
	struct note_signer s;
	struct cli_replay replay;
	struct arm_err e = {0};
	struct buf *files = NULL;
	int i, nfiles, rc = ARM_OK;

	memset(&ap, 0, sizeof(ap));
	memset(&replay, 0, sizeof(replay));
	memset(&s, 0, sizeof(s));
	buf_init(&ap.store, SIZE_MAX);
	if (a->npos < 1)
		return cli_usage_error("log", "append wants DIR [FILE...]");
	if ((rc = open_writer(a->pos[0], a->key, &s, &ap.l, &e)) != ARM_OK) {
		note_signer_release(&s);
		return cli_fail(&e);
	}
	if ((rc = rules_hook(ap.l, a->pos[0], a->zones, &replay, &e)) != ARM_OK) {
		log_close(ap.l);
		cli_replay_release(&replay);
		note_signer_release(&s);
		return cli_fail(&e);
	}
	ap.json = a->json;
	ap.first_json = 1;
	ap.batch = LOG_BATCH_MAX;
	if (a->batch != NULL) {
		uint64_t v = 0;
		if ((rc = parse_u64("--batch", a->batch, &v)) >= 0 || v == 0 || v > LOG_BATCH_MAX) {
			log_close(ap.l);
			cli_replay_release(&replay);
			note_signer_release(&s);
			return rc >= 0 ? rc
			               : cli_usage_error("log", "--batch is 1..%d", LOG_BATCH_MAX);
		}
		ap.batch = (size_t)v;
		rc = ARM_OK;
	}
	nfiles = a->npos - 1;
	if (ap.json)
		printf("{\"entries\":[");
	if (a->lines) {
		for (i = 0; i < (nfiles ? nfiles : 1) && rc == ARM_OK; i++) {
			const char *name = nfiles ? a->pos[1 + i] : "-";
			FILE *f = strcmp(name, "-") == 0 ? stdin : fopen(name, "rb");
			if (f == NULL) {
				rc = arm_err_set(&e, errno == ENOENT ? ARM_ENOTFOUND : ARM_EIO,
				                 "cannot open '%s': %s", name, strerror(errno));
				break;
			}
			rc = append_lines(&ap, f, strcmp(name, "-") == 0 ? "stdin" : name, &e);
			if (f != stdin)
				fclose(f);
		}
	} else {
		int n = nfiles ? nfiles : 1;
		if ((files = calloc((size_t)n, sizeof(*files))) == NULL) {
			rc = arm_err_set(&e, ARM_ENOMEM, "out of memory");
		}
		for (i = 0; i < n && rc == ARM_OK; i++) {
			const char *name = nfiles ? a->pos[1 + i] : "-";
			buf_init(&files[i], BUNDLE_ENTRY_MAX);
			if ((rc = cli_read_file(name, &files[i], &e)) != ARM_OK) {
				if (e.rc == ARM_ELIMIT)
					arm_err_set(&e, ARM_ELIMIT,
					            "'%s' is larger than 65535 bytes, the most an "
					            "entry can be",
					            name);
				break;
			}
			rc = app_add(&ap, files[i].data ? files[i].data : (const uint8_t *)"",
			             files[i].len, strcmp(name, "-") == 0 ? "stdin" : name, &e);
		}
	}
	if (rc == ARM_OK)
		rc = app_flush(&ap, &e);
	if (ap.json)
		printf("],\"size\":%" PRIu64 "}\n", log_size(ap.l));
	else if (a->lines)
		fprintf(stderr,
		        "appended %" PRIu64 " new, %" PRIu64 " already present, %" PRIu64
		        " refused; log size %" PRIu64 "\n",
		        ap.n_ok, ap.n_dup, ap.n_bad, log_size(ap.l));
	if (files != NULL) {
		for (i = 0; i < (nfiles ? nfiles : 1); i++)
			buf_release(&files[i]);
		free(files);
	}
	for (size_t j = 0; j < ap.n; j++)
		free(ap.srcs[j]);
	free(ap.ents);
	free(ap.lens);
	free(ap.srcs);
	buf_release(&ap.store);
	log_close(ap.l);
	cli_replay_release(&replay);
	note_signer_release(&s);
	if (rc != ARM_OK)
		return cli_fail(&e);
	return ap.worst;
}

/* ---- readers ---- */

static int
open_reader(const char *dir, struct log **l, struct arm_err *e)
{
	return log_open(l, dir, NULL, e);
}

static int
log_checkpoint_cmd(struct log_args *a)
{
	struct log *l = NULL;
	struct buf b = BUF_INIT(1 << 20);
	struct arm_err e = {0};
	struct ckpt c;
	struct note n = {0};
	int rc;

	if (a->npos != 1)
		return cli_usage_error("log", "checkpoint wants exactly one DIR");
	if ((rc = open_reader(a->pos[0], &l, &e)) != ARM_OK)
		return cli_fail(&e);
	if ((rc = log_checkpoint(l, &b, &e)) != ARM_OK)
		goto out;
	if (!a->json) {
		fwrite(b.data, 1, b.len, stdout);
		goto out;
	}
	if ((rc = note_parse(&n, b.data, b.len, 1 << 20, &e)) != ARM_OK ||
	    (rc = ckpt_parse(&c, n.text, n.text_len, &e)) != ARM_OK)
		goto out;
	printf("{\"origin\":");
	cli_json_str(stdout, c.origin, strlen(c.origin));
	printf(",\"size\":%" PRIu64 ",\"root\":", c.size);
	print_b64_json(stdout, c.root, HASH_SIZE);
	printf(",\"signatures\":[");
	for (size_t i = 0; i < n.nsigs; i++) {
		printf("%s", i ? "," : "");
		cli_json_str(stdout, n.sigs[i].name, strlen(n.sigs[i].name));
	}
	printf("],\"note\":");
	cli_json_str(stdout, (const char *)b.data, b.len);
	printf("}\n");
out:
	note_release(&n);
	buf_release(&b);
	log_close(l);
	return rc == ARM_OK ? 0 : cli_fail(&e);
}

static int
log_get_cmd(struct log_args *a)
{
	struct log *l = NULL;
	struct buf b = BUF_INIT(SIZE_MAX);
	struct arm_err e = {0};
	uint64_t idx;
	int rc;

	if (a->npos != 2)
		return cli_usage_error("log", "get wants DIR INDEX");
	if ((rc = parse_u64("INDEX", a->pos[1], &idx)) >= 0)
		return rc;
	if ((rc = open_reader(a->pos[0], &l, &e)) != ARM_OK)
		return cli_fail(&e);
	if ((rc = log_get(l, idx, &b, &e)) == ARM_OK) {
		if (a->json) {
			uint8_t h[HASH_SIZE];
			hash_leaf(h, b.data, b.len);
			printf("{\"index\":%" PRIu64 ",\"leaf_hash\":", idx);
			print_hex_json(stdout, h);
			printf(",\"length\":%zu,\"entry_base64\":", b.len);
			print_b64_json(stdout, b.data, b.len);
			printf("}\n");
		} else {
			fwrite(b.data, 1, b.len, stdout);
		}
	}
	buf_release(&b);
	log_close(l);
	return rc == ARM_OK ? 0 : cli_fail(&e);
}

static int
log_prove_cmd(struct log_args *a)
{
	struct log *l = NULL;
	struct tproof p;
	struct buf b = BUF_INIT(TPROOF_MAX_SIZE);
	struct arm_err e = {0};
	uint64_t idx, size = 0;
	int rc;

	memset(&p, 0, sizeof(p));
	if (a->npos != 2)
		return cli_usage_error("log", "prove wants DIR INDEX");
	if ((rc = parse_u64("INDEX", a->pos[1], &idx)) >= 0)
		return rc;
	if (a->size != NULL) {
		if ((rc = parse_u64("--size", a->size, &size)) >= 0)
			return rc;
		if (size == 0)
			return cli_usage_error("log", "--size must be at least 1");
	}
	if ((rc = open_reader(a->pos[0], &l, &e)) != ARM_OK)
		return cli_fail(&e);
	if ((rc = log_prove(l, idx, size, &p, &e)) != ARM_OK)
		goto out;
	/* The receipt carries the entry's sequencing time where the log keeps a clock. */
	if ((rc = log_prove_sequenced(l, &p, &e)) != ARM_OK && rc != ARM_ENOTFOUND)
		goto out;
	if ((rc = tproof_format(&p, &b, &e)) != ARM_OK)
		goto out;
	if (a->json) {
		struct ckpt c;
		struct note n = {0};
		if (note_parse(&n, p.checkpoint, p.checkpoint_len, 1 << 20, &e) == ARM_OK &&
		    ckpt_parse(&c, n.text, n.text_len, &e) == ARM_OK)
			size = c.size;
		note_release(&n);
		printf("{\"index\":%" PRIu64 ",\"size\":%" PRIu64 ",\"path\":[", idx, size);
		for (size_t i = 0; i < p.npath; i++) {
			printf("%s", i ? "," : "");
			print_b64_json(stdout, p.path[i], HASH_SIZE);
		}
		printf("],\"checkpoint\":");
		cli_json_str(stdout, (const char *)p.checkpoint, p.checkpoint_len);
		printf(",\"tlog_proof\":");
		cli_json_str(stdout, (const char *)b.data, b.len);
		printf("}\n");
	} else {
		fwrite(b.data, 1, b.len, stdout);
	}
out:
	tproof_release(&p);
	buf_release(&b);
	log_close(l);
	return rc == ARM_OK ? 0 : cli_fail(&e);
}

static int
log_consistency_cmd(struct log_args *a)
{
	struct log *l = NULL;
	struct arm_err e = {0};
	uint8_t proof[MERKLE_MAX_PROOF][HASH_SIZE];
	size_t np = 0, i;
	uint64_t old, nw;
	int rc;

	if (a->npos != 3)
		return cli_usage_error("log", "consistency wants DIR OLD NEW");
	if ((rc = parse_u64("OLD", a->pos[1], &old)) >= 0 ||
	    (rc = parse_u64("NEW", a->pos[2], &nw)) >= 0)
		return rc;
	if (old > nw)
		return cli_usage_error("log", "OLD (%" PRIu64 ") is larger than NEW (%" PRIu64 ")",
		                       old, nw);
	if ((rc = open_reader(a->pos[0], &l, &e)) != ARM_OK)
		return cli_fail(&e);
	if (nw > log_size(l)) {
		rc = arm_err_set(&e, ARM_ENOTFOUND, "log '%s' has size %" PRIu64 ", not %" PRIu64,
		                 a->pos[0], log_size(l), nw);
		goto out;
	}
	if ((rc = log_consistency(l, old, nw, proof, &np, &e)) != ARM_OK)
		goto out;
	if (a->json)
		printf("{\"old\":%" PRIu64 ",\"new\":%" PRIu64 ",\"proof\":[", old, nw);
	for (i = 0; i < np; i++) {
		if (a->json) {
			printf("%s", i ? "," : "");
			print_b64_json(stdout, proof[i], HASH_SIZE);
		} else {
			struct buf b = BUF_INIT(64);
			if (b64_encode(&b, proof[i], HASH_SIZE, &e) == ARM_OK)
				printf("%s\n", (const char *)b.data);
			buf_release(&b);
		}
	}
	if (a->json)
		printf("]}\n");
out:
	log_close(l);
	return rc == ARM_OK ? 0 : cli_fail(&e);
}

static void
verify_progress(void *ctx, uint64_t done, uint64_t total)
{
	uint64_t *next = ctx;

	/* Progress only for long runs, about every quarter million entries. */
	if (total < (1u << 18) || (done < *next && done != total))
		return;
	fprintf(stderr, "verified %" PRIu64 " of %" PRIu64 " entries\n", done, total);
	*next = done + (1u << 18);
}

/*
 * The witness quorum of a verified log (C2SP tlog-witness: a checkpoint is
 * published only once the agreement's quorum has cosigned it). Entry 0
 * decides which rule applies: an agreement names its witnesses' cosigner
 * keys and the quorum (agreement.h, log.quorum); any other log is a plain
 * transparency log and has no quorum rule.
 */
enum quorum_kind {
	QUORUM_EMPTY, /* no entry 0 yet */
	QUORUM_PLAIN, /* entry 0 is not an agreement */
	QUORUM_NONE,  /* the agreement says quorum: none */
	QUORUM_RULE,  /* the agreement names a quorum */
};

struct quorum {
	enum quorum_kind kind;
	struct agreement a;
	bool have_a;
	uint64_t size; /* the public checkpoint's size */
	bool cosigned[256];
	size_t nw, got;
	bool met;
	char rule[200];
};

/*
 * Checks the cosignatures of the public checkpoint against the witness
 * keys that entry 0 names. The checkpoint is read again here: it must be
 * signed by key and be a prefix of the tree log_verify() just recomputed
 * (a server may publish meanwhile; its tiles only grow).
 */
static int
log_quorum(struct log *l, const char *dir, const char *zones, const struct note_verifier *key,
           const struct log_verify_report *r, struct quorum *q, struct arm_err *e)
{
	struct buf first = BUF_INIT(BUNDLE_ENTRY_MAX), ck = BUF_INIT(1 << 20);
	struct entry en;
	struct note n = {0};
	struct note_check chk;
	struct ckpt c;
	uint8_t root[HASH_SIZE];
	char zdir[4200];
	size_t i, one;
	int rc = ARM_OK;

	entry_init(&en);
	if (r->size == 0) {
		q->kind = QUORUM_EMPTY;
		goto out;
	}
	if ((rc = log_get(l, 0, &first, e)) != ARM_OK)
		goto out;
	if (!is_armistice_entry(first.data, first.len)) {
		q->kind = QUORUM_PLAIN;
		goto out;
	}
	if (zones == NULL) {
		snprintf(zdir, sizeof(zdir), "%s/zones", dir);
		zones = zdir;
	}
	agreement_init(&q->a);
	if ((rc = entry_open_agreement(&en, &q->a, first.data, first.len, "entry 0",
	                               agreement_read_dir, (void *)zones, NULL, e)) != ARM_OK) {
		arm_err_prefix(e, "entry 0 (the agreement, which names the witnesses)");
		if (rc == ARM_ENOTFOUND) {
			char why[ARM_ERR_MAX];
			snprintf(why, sizeof(why), "%s",
			         e->msg); /* e->msg cannot be its own argument */
			arm_err_set(e, ARM_ENOTFOUND, "%s; give its zone files with --zones ZDIR",
			            why);
		}
		goto out;
	}
	q->have_a = true;
	agreement_quorum_describe(&q->a, q->rule, sizeof(q->rule));
	q->nw = q->a.log.nwitnesses;
	if (q->nw > ARM_ARRAY_LEN(q->cosigned)) {
		rc = arm_err_set(e, ARM_ELIMIT, "the agreement names %zu witnesses, more than %zu",
		                 q->nw, ARM_ARRAY_LEN(q->cosigned));
		goto out;
	}
	if ((rc = log_checkpoint(l, &ck, e)) != ARM_OK)
		goto out;
	if ((rc = note_parse(&n, ck.data, ck.len, 1 << 20, e)) != ARM_OK ||
	    (rc = ckpt_parse(&c, n.text, n.text_len, e)) != ARM_OK) {
		arm_err_prefix(e, "log '%s': checkpoint", dir);
		rc = e->rc = ARM_EVERIFY;
		goto out;
	}
	if ((rc = note_verify(&n, key, 1, &chk, e)) != ARM_OK) {
		arm_err_prefix(e, "log '%s': checkpoint", dir);
		goto out;
	}
	if (c.size > r->size) {
		rc = arm_err_set(e, ARM_EIO,
		                 "log '%s': the public checkpoint grew to size %" PRIu64
		                 " while it was verified (a server is publishing): run again",
		                 dir, c.size);
		goto out;
	}
	if ((rc = log_root(l, c.size, root, e)) != ARM_OK)
		goto out;
	if (memcmp(root, c.root, HASH_SIZE) != 0) {
		rc = arm_err_set(e, ARM_EVERIFY,
		                 "log '%s': the public checkpoint of size %" PRIu64
		                 " is not a prefix of the verified tree",
		                 dir, c.size);
		goto out;
	}
	if (strcmp(c.origin, q->a.log.origin) != 0) {
		rc = arm_err_set(e, ARM_EVERIFY,
		                 "log '%s': checkpoint origin '%s' is not the log '%s' "
		                 "that the agreement names",
		                 dir, c.origin, q->a.log.origin);
		goto out;
	}
	if (key->key_id != q->a.log.key.key_id || memcmp(key->pk, q->a.log.key.pk, 32) != 0) {
		rc = arm_err_set(e, ARM_EVERIFY,
		                 "log '%s': the log key '%s+%08" PRIx32
		                 "' is not the key '%s+%08" PRIx32 "' that the agreement names",
		                 dir, key->name, key->key_id, q->a.log.key.name,
		                 q->a.log.key.key_id);
		goto out;
	}
	q->size = c.size;
	for (i = 0; i < q->nw; i++) {
		/* A known witness key with a bad cosignature refuses the checkpoint. */
		if ((rc = witness_count_cosigs(&n, &q->a.log.witnesses[i].key, 1, &one, e)) !=
		    ARM_OK) {
			arm_err_prefix(e, "log '%s': checkpoint of size %" PRIu64 ", witness %s",
			               dir, c.size, q->a.log.witnesses[i].id);
			rc = e->rc = ARM_EVERIFY;
			goto out;
		}
		q->cosigned[i] = one > 0;
		q->got += q->cosigned[i];
	}
	if (q->a.log.quorum_group == AGREEMENT_NONE && q->a.log.quorum_n == 0) {
		q->kind = QUORUM_NONE;
		q->met = true;
	} else {
		q->kind = QUORUM_RULE;
		q->met = agreement_quorum_met(&q->a, q->cosigned);
	}
out:
	note_release(&n);
	entry_release(&en);
	buf_release(&first);
	buf_release(&ck);
	return rc;
}

/* "w-rok, w-dprk" for the witnesses whose cosigned flag is want. */
static void
quorum_names(FILE *f, const struct quorum *q, bool want)
{
	size_t i;
	int k = 0;

	for (i = 0; i < q->nw; i++)
		if (q->cosigned[i] == want)
			fprintf(f, "%s%s", k++ ? ", " : "", q->a.log.witnesses[i].id);
	if (k == 0)
		fputs("none", f);
}

static void
quorum_text(FILE *f, const struct quorum *q, bool enforced)
{
	switch (q->kind) {
	case QUORUM_EMPTY:
		fprintf(
		    f,
		    "witness quorum: no rule (the log is empty: no agreement names witnesses)\n");
		return;
	case QUORUM_PLAIN:
		fprintf(f,
		        "witness quorum: no rule (a plain log: entry 0 is not an agreement, so no "
		        "witnesses are named)\n");
		return;
	case QUORUM_NONE:
		fprintf(
		    f,
		    "witness quorum: none required (the agreement says quorum: none); %zu of %zu "
		    "witnesses cosigned the checkpoint of size %" PRIu64 "\n",
		    q->got, q->nw, q->size);
		return;
	case QUORUM_RULE: break;
	}
	fprintf(f,
	        "witness quorum: %zu of %zu cosigned: %s (rule: %s; checkpoint size %" PRIu64
	        "; cosigned: ",
	        q->got, q->nw, q->met ? "met" : "NOT MET", q->rule, q->size);
	quorum_names(f, q, true);
	fputs("; missing: ", f);
	quorum_names(f, q, false);
	fprintf(f, ")%s\n", !q->met && !enforced ? "; not enforced (--no-quorum)" : "");
}

static void
quorum_json(FILE *f, const struct quorum *q, bool enforced)
{
	static const char *const kinds[] = {"empty", "plain", "none", "rule"};
	size_t i;

	fprintf(f, "{\"kind\":\"%s\"", kinds[q->kind]);
	if (q->kind == QUORUM_NONE || q->kind == QUORUM_RULE) {
		fprintf(f, ",\"rule\":");
		cli_json_str(f, q->rule, strlen(q->rule));
		fprintf(f, ",\"size\":%" PRIu64 ",\"witnesses\":[", q->size);
		for (i = 0; i < q->nw; i++) {
			fprintf(f, "%s{\"id\":", i ? "," : "");
			cli_json_str(f, q->a.log.witnesses[i].id, strlen(q->a.log.witnesses[i].id));
			fprintf(f, ",\"key\":");
			cli_json_str(f, q->a.log.witnesses[i].key.name,
			             strlen(q->a.log.witnesses[i].key.name));
			fprintf(f, ",\"key_id\":\"%08" PRIx32 "\",\"cosigned\":%s}",
			        q->a.log.witnesses[i].key.key_id,
			        q->cosigned[i] ? "true" : "false");
		}
		fprintf(f, "],\"cosigned\":%zu,\"of\":%zu", q->got, q->nw);
	}
	fprintf(f, ",\"met\":%s,\"enforced\":%s}",
	        q->kind == QUORUM_RULE ? (q->met ? "true" : "false")
	                               : (q->kind == QUORUM_NONE ? "true" : "null"),
	        enforced ? "true" : "false");
}

static int
log_verify_cmd(struct log_args *a)
{
	struct log *l = NULL;
	struct log_verify_opts o;
	struct log_verify_report r;
	struct note_verifier v;
	struct quorum q;
	struct buf since = BUF_INIT(1 << 20);
	struct arm_err e = {0};
	uint64_t next = 1u << 18;
	char hex[2 * HASH_SIZE + 1];
	bool tree_ok = false, have_q = false;
	int rc;

	memset(&o, 0, sizeof(o));
	memset(&q, 0, sizeof(q));
	if (a->npos != 1)
		return cli_usage_error("log", "verify wants exactly one DIR");
	if (a->key != NULL) {
		if ((rc = cli_key_verifier(a->key, &v, &e)) != ARM_OK)
			return cli_fail(&e);
		o.key = &v;
	}
	if (a->since != NULL) {
		if ((rc = cli_read_file(a->since, &since, &e)) != ARM_OK)
			return cli_fail(&e);
		o.since = since.data;
		o.since_len = since.len;
	}
	o.progress = verify_progress;
	o.progress_ctx = &next;
	if ((rc = open_reader(a->pos[0], &l, &e)) != ARM_OK) {
		buf_release(&since);
		if (rc == ARM_ESYNTAX || rc == ARM_EVERIFY) {
			/* A damaged checkpoint or commit record is a failed verification. */
			e.rc = ARM_EVERIFY;
		}
		return cli_fail(&e);
	}
	rc = log_verify(l, &o, &r, &e);
	if (rc == ARM_ESYNTAX || rc == ARM_ELIMIT || rc == ARM_ENOTFOUND)
		e.rc = rc = ARM_EVERIFY; /* damaged bytes in the log: verification failed */
	if (rc == ARM_OK) {
		tree_ok = true;
		rc = log_quorum(l, a->pos[0], a->zones, o.key ? o.key : log_vkey(l), &r, &q, &e);
		if (rc == ARM_OK) {
			have_q = true;
			if (q.kind == QUORUM_RULE && !q.met && !a->no_quorum)
				rc = arm_err_set(
				    &e, ARM_EVERIFY,
				    "log '%s': the public checkpoint of size %" PRIu64
				    " lacks the witness quorum (%s): %zu of %zu witnesses "
				    "cosigned; serve it with the agreement's witnesses to publish "
				    "a cosigned checkpoint, or check a log not yet published with "
				    "--no-quorum",
				    a->pos[0], q.size, q.rule, q.got, q.nw);
		}
	}
	if (a->json) {
		printf("{\"dir\":");
		cli_json_str(stdout, a->pos[0], strlen(a->pos[0]));
		printf(",\"ok\":%s", rc == ARM_OK ? "true" : "false");
		if (tree_ok) {
			printf(",\"size\":%" PRIu64 ",\"root\":", r.size);
			print_hex_json(stdout, r.root);
			printf(",\"entries\":%" PRIu64 ",\"bundles\":%" PRIu64
			       ",\"tiles\":%" PRIu64,
			       r.entries, r.bundles, r.tiles);
			if (a->since != NULL)
				printf(",\"consistent_with_size\":%" PRIu64, r.since_size);
		}
		if (have_q) {
			printf(",\"quorum\":");
			quorum_json(stdout, &q, !a->no_quorum);
		}
		if (rc != ARM_OK) {
			printf(",\"error\":\"%s\",\"message\":", arm_rc_name(e.rc));
			cli_json_str(stdout, e.msg, strlen(e.msg));
		}
		printf("}\n");
	} else if (tree_ok) {
		hash_hex(hex, r.root);
		printf("log '%s' %s: %" PRIu64 " entries in %" PRIu64 " bundles, %" PRIu64
		       " tiles, root %s; checkpoint signature good",
		       a->pos[0], rc == ARM_OK ? "verified" : "tree verified", r.entries, r.bundles,
		       r.tiles, hex);
		if (a->since != NULL)
			printf("; consistent with the checkpoint of size %" PRIu64, r.since_size);
		printf("\n");
		if (have_q)
			quorum_text(stdout, &q, !a->no_quorum);
	}
	if (q.have_a)
		agreement_release(&q.a);
	buf_release(&since);
	log_close(l);
	return rc == ARM_OK ? 0 : cli_fail(&e);
}

static int
log_reindex_cmd(struct log_args *a)
{
	struct log *l = NULL;
	struct log_opts o;
	struct arm_err e = {0};
	int rc;

	if (a->npos != 1)
		return cli_usage_error("log", "reindex wants exactly one DIR");
	memset(&o, 0, sizeof(o));
	o.writer = true;
	o.manual_publish = true; /* reindexing never publishes */
	if ((rc = log_open(&l, a->pos[0], &o, &e)) != ARM_OK)
		return cli_fail(&e);
	if ((rc = log_reindex(l, &e)) == ARM_OK) {
		if (a->json)
			printf("{\"size\":%" PRIu64 "}\n", log_size(l));
		else
			printf("reindexed %" PRIu64 " entries of log '%s'\n", log_size(l),
			       a->pos[0]);
	}
	log_close(l);
	return rc == ARM_OK ? 0 : cli_fail(&e);
}

int
cmd_log(int argc, char **argv)
{
	static const struct {
		const char *verb;
		int (*fn)(struct log_args *a);
	} verbs[] = {
	    {"init", log_init},
	    {"append", log_append_cmd},
	    {"checkpoint", log_checkpoint_cmd},
	    {"get", log_get_cmd},
	    {"prove", log_prove_cmd},
	    {"consistency", log_consistency_cmd},
	    {"verify", log_verify_cmd},
	    {"reindex", log_reindex_cmd},
	};
	struct log_args a;
	size_t i;
	int rc;

	if (argc < 2)
		return cli_usage_error("log",
		                       "missing subcommand (init, append, checkpoint, get, "
		                       "prove, consistency, verify, reindex, export, import)");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(log_usage, stdout);
		return 0;
	}
	if (strcmp(argv[1], "export") == 0 || strcmp(argv[1], "import") == 0)
		return cmd_log_copy(argc - 1, argv + 1);
	for (i = 0; i < ARM_ARRAY_LEN(verbs); i++) {
		if (strcmp(argv[1], verbs[i].verb) != 0)
			continue;
		if ((rc = parse_args(argc - 1, argv + 1, &a)) >= 0)
			return rc;
		return verbs[i].fn(&a);
	}
	return cli_usage_error("log", "unknown subcommand '%s'", argv[1]);
}
