/*
 * cmd_proof.c - armistice proof: offline checks a party can make by hand.
 *
 *   verify       a receipt (c2sp.org/tlog-proof@v1): the entry is at the
 *                index in a checkpoint the log key signs, cosigned by a
 *                quorum of the given witnesses.
 *   consistency  RFC 9162 §2.1.4.2: the tree of the old checkpoint is a
 *                prefix of the tree of the new one, both signed by the log.
 *
 * Nothing here reads the log: everything comes from the files given.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_key.h"
#include "armistice/b64.h"
#include "armistice/bundle.h"
#include "armistice/ckpt.h"
#include "armistice/engine.h"
#include "armistice/logclock.h"
#include "armistice/merkle.h"
#include "armistice/note.h"
#include "armistice/tproof.h"
#include "armistice/common.h"

#define PROOF_WITNESS_MAX 64 /* tlog-policy: support at least 32 */
/* A consistency proof: at most 64 lines of 44 base64 characters and "\n". */
#define PROOF_CONS_MAX (MERKLE_MAX_PROOF * 45)

static const char proof_usage[] =
    "usage: armistice proof verify --key LOG.pub [--witness VKEY]... [--quorum N]\n"
    "                             [--origin ORIGIN] [--json] ENTRY PROOF.tlog-proof\n"
    "       armistice proof consistency --key LOG.pub [--origin ORIGIN] [--json]\n"
    "                             OLD_CHECKPOINT NEW_CHECKPOINT PROOF\n"
    "\n"
    "verify       checks an offline receipt (c2sp.org/tlog-proof@v1): ENTRY (the\n"
    "             entry's exact bytes, \"-\" for standard input) is at the proof's\n"
    "             index in the checkpoint it carries, the log key signs that\n"
    "             checkpoint, and at least N of the witness keys cosign it\n"
    "             (C2SP tlog-cosignature; N defaults to every --witness given).\n"
    "consistency  checks that the tree of OLD_CHECKPOINT is a prefix of the tree\n"
    "             of NEW_CHECKPOINT (RFC 9162 2.1.4), both signed by the log key,\n"
    "             with PROOF holding one base64 hash per line.\n"
    "\n"
    "  --key LOG.pub     the log's verifier key (a file or the key string)\n"
    "  --witness VKEY    a witness cosigner key (repeatable)\n"
    "  --quorum N        cosignatures required (0..number of --witness)\n"
    "  --origin ORIGIN   require this checkpoint origin\n"
    "  --json            print the result as JSON\n"
    "\n"
    "exit status: 0 ok, 1 verification failed, 2 usage, 3 input refused,\n"
    "4 system error, 5 not found.\n";

static const struct option proof_opts[] = {
    {"key", required_argument, NULL, 'k'},
    {"witness", required_argument, NULL, 'w'},
    {"quorum", required_argument, NULL, 'q'},
    {"origin", required_argument, NULL, 'o'},
    {"json", no_argument, NULL, 'j'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

struct proof_args {
	const char *key;
	const char *witness[PROOF_WITNESS_MAX];
	size_t nwitness;
	long quorum; /* -1: every witness */
	const char *origin;
	int json;
	char **files;
	int nfiles;
};

/* Returns -1 to go on, else the exit status. */
static int
proof_parse_args(const char *verb, int argc, char **argv, int want_files, struct proof_args *a)
{
	char *end;
	int c;

	memset(a, 0, sizeof(*a));
	a->quorum = -1;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "k:w:q:o:jh", proof_opts, NULL)) != -1) {
		switch (c) {
		case 'k': a->key = optarg; break;
		case 'w':
			if (a->nwitness == PROOF_WITNESS_MAX)
				return cli_usage_error("proof", "more than %d --witness options",
				                       PROOF_WITNESS_MAX);
			a->witness[a->nwitness++] = optarg;
			break;
		case 'q':
			a->quorum = strtol(optarg, &end, 10);
			if (end == optarg || *end != '\0' || a->quorum < 0 || optarg[0] == '+' ||
			    (optarg[0] == '0' && optarg[1] != '\0'))
				return cli_usage_error("proof", "--quorum '%s' is not a count",
				                       optarg);
			break;
		case 'o': a->origin = optarg; break;
		case 'j': a->json = 1; break;
		case 'h': fputs(proof_usage, stdout); return 0;
		default:
			return cli_usage_error("proof", "unknown option or missing argument '%s'",
			                       argv[optind - 1]);
		}
	}
	if (a->key == NULL)
		return cli_usage_error("proof", "%s needs --key LOG.pub", verb);
	if (argc - optind != want_files)
		return cli_usage_error("proof", "%s takes %d files, got %d", verb, want_files,
		                       argc - optind);
	if (a->quorum > (long)a->nwitness)
		return cli_usage_error("proof",
		                       "--quorum %ld is more than the %zu witness keys given",
		                       a->quorum, a->nwitness);
	if (a->quorum < 0)
		a->quorum = (long)a->nwitness;
	a->files = argv + optind;
	a->nfiles = want_files;
	return -1;
}

static void
root_b64(const uint8_t root[HASH_SIZE], char out[B64_ENCLEN(HASH_SIZE) + 1])
{
	struct buf b = BUF_INIT(64);

	out[0] = '\0';
	if (b64_encode(&b, root, HASH_SIZE, NULL) == ARM_OK && b.len < B64_ENCLEN(HASH_SIZE) + 1)
		memcpy(out, b.data, b.len + 1);
	buf_release(&b);
}

/*
 * Checks the cosignatures on checkpoint note n: keys[0] is the log key,
 * keys[1..] the witnesses. signed-note v1.0.0: a bad signature by any
 * given key refuses the note. Then at least quorum witnesses must have
 * cosigned (C2SP tlog-witness: a client trusts a checkpoint only with a
 * quorum of cosignatures).
 */
static int
check_quorum(const struct note *n, const struct note_verifier *keys, size_t nkeys,
             struct note_check *checks, long quorum, size_t *ncosigned, struct arm_err *e)
{
	size_t i;

	*ncosigned = 0;
	ARM_TRY(note_verify(n, keys, nkeys, checks, e));
	for (i = 1; i < nkeys; i++)
		if (checks[i].ok)
			(*ncosigned)++;
	if ((long)*ncosigned < quorum)
		return arm_err_set(e, ARM_EVERIFY,
		                   "checkpoint is cosigned by %zu of the %zu witness keys given, "
		                   "quorum is %ld",
		                   *ncosigned, nkeys - 1, quorum);
	return ARM_OK;
}

/* What proof verify found: the proof, its checkpoint, the cosignatures, the clock. */
struct proof_found {
	struct note_verifier keys[1 + PROOF_WITNESS_MAX]; /* the log's, then the witnesses' */
	struct note_check checks[1 + PROOF_WITNESS_MAX];
	struct tproof p;
	struct ckpt c;
	struct note n;
	size_t ncos;
	struct logclock clk;
	bool have_clk, have_proof;
	uint64_t cos_min; /* the earliest cosignature time, UINT64_MAX: none */
};

/*
 * The proof in pf for the entry: its inclusion under a checkpoint signed
 * by keys[0] (of --origin if given), the witness quorum, and the clock leaf
 * of the receipt if any. Errors are prefixed with the proof's file name.
 */
static int
proof_check(const struct proof_args *a, const struct buf *entry, const struct buf *pf,
            struct proof_found *f, struct arm_err *e)
{
	int rc = tproof_parse(&f->p, pf->data, pf->len, TPROOF_MAX_SIZE, e);

	f->have_proof = rc == ARM_OK;
	if (rc == ARM_OK)
		rc = tproof_verify(&f->p, entry->data, entry->len, &f->keys[0], &f->c, &f->n, e);
	if (rc == ARM_OK && a->origin != NULL && strcmp(f->c.origin, a->origin) != 0)
		rc = arm_err_set(e, ARM_EVERIFY,
		                 "checkpoint origin \"%.200s\" is not the expected \"%.200s\"",
		                 f->c.origin, a->origin);
	if (rc == ARM_OK)
		rc = check_quorum(&f->n, f->keys, 1 + a->nwitness, f->checks, a->quorum, &f->ncos,
		                  e);
	/* The sequencing time (logclock.h): the clock leaf must check too. */
	if (rc == ARM_OK && f->p.extra_len > 0) {
		rc = logclock_receipt_verify(f->p.extra, f->p.extra_len, f->p.index, f->c.size,
		                             f->c.root, &f->keys[0], &f->clk, e);
		f->have_clk = rc == ARM_OK;
		/* An edited receipt fails verification, whatever the edit made of it. */
		if (rc != ARM_OK)
			rc = e->rc = ARM_EVERIFY;
	}
	if (rc != ARM_OK)
		arm_err_prefix(e, "'%s'", a->files[1]);
	return rc;
}

/* --json: the verified proof as one object. */
static void
proof_print_json(const struct proof_args *a, const struct proof_found *f, const char *root)
{
	char ts[21];
	size_t i;

	printf("{\"ok\":true,\"index\":%" PRIu64 ",\"origin\":", f->p.index);
	cli_json_str(stdout, f->c.origin, strlen(f->c.origin));
	printf(",\"size\":%" PRIu64 ",\"root\":\"%s\",\"quorum\":%ld,\"witnesses\":[", f->c.size,
	       root, a->quorum);
	for (i = 0; i < a->nwitness; i++) {
		printf("%s{\"name\":", i ? "," : "");
		cli_json_str(stdout, f->keys[1 + i].name, strlen(f->keys[1 + i].name));
		printf(",\"key_id\":\"%08x\",\"cosigned\":%s", (unsigned)f->keys[1 + i].key_id,
		       f->checks[1 + i].ok ? "true" : "false");
		if (f->checks[1 + i].ok)
			printf(",\"time\":%" PRIu64, f->checks[1 + i].timestamp);
		printf("}");
	}
	printf("]");
	if (f->have_clk) {
		engine_time_utc(f->clk.time, ts);
		printf(",\"sequenced\":{\"after\":\"%s\",\"clock_index\":%" PRIu64 ",\"before\":",
		       ts, f->clk.index);
		if (f->cos_min != UINT64_MAX) {
			engine_time_utc((int64_t)f->cos_min, ts);
			printf("\"%s\"}", ts);
		} else {
			printf("null}");
		}
	}
	printf("}\n");
}

/* The verified proof as text: the entry, when it was sequenced, each witness. */
static void
proof_print_text(const struct proof_args *a, const struct proof_found *f, const char *root)
{
	char ts[21];
	size_t i;

	printf("ok: entry %" PRIu64 " of %s, checkpoint size %" PRIu64 " root %s\n", f->p.index,
	       f->c.origin, f->c.size, root);
	if (f->have_clk) {
		engine_time_utc(f->clk.time, ts);
		printf("sequenced at or after %s (the log's clock, entry %" PRIu64 ")", ts,
		       f->clk.index);
		if (f->cos_min != UINT64_MAX) {
			engine_time_utc((int64_t)f->cos_min, ts);
			printf(" and before %s (the earliest cosignature)", ts);
		}
		printf("\n");
	}
	for (i = 0; i < a->nwitness; i++) {
		printf("%s %s+%08x", f->checks[1 + i].ok ? "cosigned" : "absent  ",
		       f->keys[1 + i].name, (unsigned)f->keys[1 + i].key_id);
		if (f->checks[1 + i].ok)
			printf(" time %" PRIu64, f->checks[1 + i].timestamp);
		printf("\n");
	}
	if (a->nwitness > 0)
		printf("quorum %ld: %zu of %zu witnesses cosigned\n", a->quorum, f->ncos,
		       a->nwitness);
}

static int
proof_verify_cmd(int argc, char **argv)
{
	struct proof_found f;
	struct buf entry = BUF_INIT(BUNDLE_ENTRY_MAX), pf = BUF_INIT(TPROOF_MAX_SIZE);
	struct arm_err e = {ARM_OK, ""};
	struct proof_args a;
	char root[B64_ENCLEN(HASH_SIZE) + 1];
	size_t i;
	int rc, status;

	if ((status = proof_parse_args("verify", argc, argv, 2, &a)) >= 0)
		return status;
	memset(&f, 0, sizeof(f));
	f.cos_min = UINT64_MAX;
	rc = cli_key_verifier(a.key, &f.keys[0], &e);
	for (i = 0; rc == ARM_OK && i < a.nwitness; i++)
		rc = cli_key_verifier(a.witness[i], &f.keys[1 + i], &e);
	if (rc == ARM_OK)
		rc = cli_read_file(a.files[0], &entry, &e);
	if (rc == ARM_OK)
		rc = cli_read_file(a.files[1], &pf, &e);
	if (rc == ARM_OK)
		rc = proof_check(&a, &entry, &pf, &f, &e);
	if (rc != ARM_OK) {
		status = cli_fail_json(&e, a.json);
		goto out;
	}
	root_b64(f.c.root, root);
	for (i = 0; i < a.nwitness; i++)
		if (f.checks[1 + i].ok && f.checks[1 + i].timestamp < f.cos_min)
			f.cos_min = f.checks[1 + i].timestamp;
	if (a.json)
		proof_print_json(&a, &f, root);
	else
		proof_print_text(&a, &f, root);
	status = fflush(stdout) == 0 ? 0 : 4;
out:
	note_release(&f.n);
	if (f.have_proof)
		tproof_release(&f.p);
	buf_release(&entry);
	buf_release(&pf);
	return status;
}

/*
 * Parses a consistency proof: one canonical base64 SHA-256 hash per line,
 * each ending in "\n" (the form of the proof lines of a C2SP tlog-witness
 * add-checkpoint request). An empty file is the empty proof.
 */
static int
parse_hash_lines(const uint8_t *d, size_t len, uint8_t proof[MERKLE_MAX_PROOF][HASH_SIZE],
                 size_t *n, struct arm_err *e)
{
	size_t off = 0, line = 0, end, got;

	*n = 0;
	while (off < len) {
		line++;
		for (end = off; end < len && d[end] != '\n'; end++)
			;
		if (end == len)
			return arm_err_set(e, ARM_ESYNTAX, "line %zu: does not end in a newline",
			                   line);
		if (*n == MERKLE_MAX_PROOF)
			return arm_err_set(e, ARM_ELIMIT, "line %zu: more than %d proof hashes",
			                   line, MERKLE_MAX_PROOF);
		if (end - off != B64_ENCLEN(HASH_SIZE) ||
		    b64_decode((const char *)d + off, end - off, proof[*n], HASH_SIZE, &got,
		               NULL) != ARM_OK ||
		    got != HASH_SIZE)
			return arm_err_set(e, ARM_ESYNTAX,
			                   "line %zu: \"%.60s\" is not a base64 SHA-256 hash "
			                   "(44 characters)",
			                   line, (const char *)d + off);
		(*n)++;
		off = end + 1;
	}
	return ARM_OK;
}

static int
open_checkpoint(const char *path, const struct note_verifier *key, const char *origin,
                struct ckpt *c, struct arm_err *e)
{
	struct buf b = BUF_INIT(NOTE_MAX_SIZE);
	struct note n = {NULL, 0, NULL, 0};
	int rc;

	rc = cli_read_file(path, &b, e);
	if (rc == ARM_OK) {
		rc = ckpt_open(b.data, b.len, key, origin, c, &n, e);
		if (rc != ARM_OK)
			arm_err_prefix(e, "'%s'", path);
	}
	note_release(&n);
	buf_release(&b);
	return rc;
}

static int
proof_consistency_cmd(int argc, char **argv)
{
	uint8_t proof[MERKLE_MAX_PROOF][HASH_SIZE];
	struct buf pf = BUF_INIT(PROOF_CONS_MAX + 1);
	struct arm_err e = {ARM_OK, ""};
	struct note_verifier key;
	struct ckpt old_c, new_c;
	struct proof_args a;
	char oroot[B64_ENCLEN(HASH_SIZE) + 1], nroot[B64_ENCLEN(HASH_SIZE) + 1];
	size_t np = 0;
	int rc, status;

	if ((status = proof_parse_args("consistency", argc, argv, 3, &a)) >= 0)
		return status;
	if (a.nwitness > 0)
		return cli_usage_error("proof", "consistency takes no --witness or --quorum");
	rc = cli_key_verifier(a.key, &key, &e);
	if (rc == ARM_OK)
		rc = open_checkpoint(a.files[0], &key, a.origin, &old_c, &e);
	/* Both trees must be of the same log: the new origin must be the old one. */
	if (rc == ARM_OK)
		rc = open_checkpoint(a.files[1], &key, old_c.origin, &new_c, &e);
	if (rc == ARM_OK) {
		rc = cli_read_file(a.files[2], &pf, &e);
		if (rc == ARM_OK) {
			rc = parse_hash_lines(pf.data, pf.len, proof, &np, &e);
			if (rc != ARM_OK)
				arm_err_prefix(&e, "consistency proof '%s'", a.files[2]);
		}
	}
	if (rc == ARM_OK && old_c.size > new_c.size)
		rc = arm_err_set(&e, ARM_EVERIFY,
		                 "old checkpoint '%s' has size %" PRIu64 ", larger than the new "
		                 "'%s' (%" PRIu64 "): a log never shrinks (are they swapped?)",
		                 a.files[0], old_c.size, a.files[1], new_c.size);
	if (rc == ARM_OK) {
		rc = merkle_verify_consistency(old_c.size, new_c.size, old_c.root, new_c.root,
		                               (const uint8_t(*)[HASH_SIZE])proof, np, &e);
		if (rc != ARM_OK)
			arm_err_prefix(&e, "'%s' (size %" PRIu64 ") -> '%s' (size %" PRIu64 ")",
			               a.files[0], old_c.size, a.files[1], new_c.size);
	}
	if (rc != ARM_OK) {
		status = cli_fail_json(&e, a.json);
		goto out;
	}
	root_b64(old_c.root, oroot);
	root_b64(new_c.root, nroot);
	if (a.json) {
		printf("{\"ok\":true,\"origin\":");
		cli_json_str(stdout, new_c.origin, strlen(new_c.origin));
		printf(",\"old\":{\"size\":%" PRIu64 ",\"root\":\"%s\"},\"new\":{\"size\":%" PRIu64
		       ",\"root\":\"%s\"},\"proof_hashes\":%zu}\n",
		       old_c.size, oroot, new_c.size, nroot, np);
	} else {
		printf("ok: %s size %" PRIu64 " (%s) is a prefix of size %" PRIu64 " (%s)\n",
		       new_c.origin, old_c.size, oroot, new_c.size, nroot);
	}
	status = fflush(stdout) == 0 ? 0 : 4;
out:
	buf_release(&pf);
	return status;
}

int
cmd_proof(int argc, char **argv)
{
	if (argc < 2) {
		fputs(proof_usage, stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(proof_usage, stdout);
		return 0;
	}
	if (strcmp(argv[1], "verify") == 0)
		return proof_verify_cmd(argc - 1, argv + 1);
	if (strcmp(argv[1], "consistency") == 0)
		return proof_consistency_cmd(argc - 1, argv + 1);
	return cli_usage_error("proof", "unknown subcommand '%s' (verify, consistency)", argv[1]);
}
