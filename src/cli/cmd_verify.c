/*
 * cmd_verify.c - armistice verify: what a party runs to audit a log, over
 * HTTP (a server's tlog-tiles read API) or on a directory.
 *
 *  1. the checkpoint: its log signature by the key the agreement names,
 *     and the agreement's witness quorum among its cosignatures
 *     (C2SP tlog-checkpoint v1.0.0, tlog-cosignature v1.0.1);
 *  2. every entry bundle: the leaf hashes (RFC 9162 §2.1.1) give the
 *     checkpoint's root, and every hash tile served equals the one
 *     recomputed from the leaves (C2SP tlog-tiles v0.1.0);
 *  3. consistency with the last checkpoint this party saw (kept in a state
 *     directory) or with --since: the tree at that size has that root;
 *  4. the replay: every entry passes the rules, and the state equals the
 *     server's GET /state for the same size and the same `now`.
 *
 * Entry 0 is the agreement signed by every party; its id is pinned in the
 * state directory on first use (or given with --agreement), so a log that
 * swaps the agreement, and with it the keys, is refused.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/cli_replay.h"
#include "armistice/agreement.h"
#include "armistice/bundle.h"
#include "armistice/ckpt.h"
#include "armistice/engine.h"
#include "armistice/entry.h"
#include "armistice/httpc.h"
#include "armistice/merkle.h"
#include "armistice/tiles.h"
#include "armistice/witness.h"
#include "armistice/common.h"

static const char verify_usage[] =
	"usage: armistice verify URL|DIR [--since CHECKPOINT] [--state SDIR]\n"
	"                        [--agreement ID] [--now TIME] [--zones ZDIR] [--json]\n"
	"\n"
	"Audits a log: checks the checkpoint's log signature and the witness\n"
	"quorum named in the agreement (entry 0), fetches every entry bundle and\n"
	"hash tile and recomputes the tree, checks consistency with the last\n"
	"checkpoint seen (kept in SDIR) or with --since, replays every entry\n"
	"through the rules, and, for a URL, compares the state with the\n"
	"server's /state. The checkpoint is remembered only if all of it passes.\n"
	"\n"
	"  --since FILE     a checkpoint seen before (signed note) to check against\n"
	"  --state SDIR     where the last checkpoint seen is kept\n"
	"                   (default $ARMISTICE_STATE, else $HOME/.armistice/verify)\n"
	"  --agreement ID   the agreement id (hex SHA-256) the log must carry\n"
	"  --now TIME       the time for overdue flags (RFC 3339 or POSIX seconds)\n"
	"  --zones ZDIR     directory of the agreement's zone files\n"
	"  --json           print the result as JSON\n"
	"\n"
	"exit status: 0 the log checks out, 1 verification failed (what and\n"
	"where on standard error), 2 usage, 3 input refused (a fork: inconsistent\n"
	"with a checkpoint seen before), 4 system error, 5 not found.\n";

static const struct option verify_opts[] = {
	{"since", required_argument, NULL, 's'},
	{"state", required_argument, NULL, 'S'},
	{"agreement", required_argument, NULL, 'a'},
	{"now", required_argument, NULL, 'n'},
	{"zones", required_argument, NULL, 'z'},
	{"json", no_argument, NULL, 'j'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* Marks an error found in the log as a verification failure (exit 1). */
static int
verify_bad(struct arm_err *e)
{
	if (e != NULL)
		e->rc = ARM_EVERIFY;
	return ARM_EVERIFY;
}

struct vsrc {
	const char *base;
	bool http;
};

/* Fetches rel (a literal or a path made by tile_path()) from the log. */
static int
vfetch(const struct vsrc *v, const char *rel, struct buf *out, struct arm_err *e)
{
	struct buf url = BUF_INIT(8192);
	struct httpc_resp r;
	int rc;

	buf_reset(out);
	if (!v->http) {
		ARM_TRY(buf_printf(&url, e, "%s/%s", v->base, rel));
		rc = cli_read_file((const char *)url.data, out, e);
		buf_release(&url);
		return rc;
	}
	httpc_resp_init(&r, out->max);
	if ((rc = httpc_url(&url, v->base, rel, e)) != ARM_OK ||
	    (rc = httpc_request("GET", (const char *)url.data, NULL, 0, NULL, 30000, &r, e)) != ARM_OK)
		goto out;
	if (r.status != 200) {
		rc = arm_err_set(e, r.status == 404 ? ARM_ENOTFOUND : ARM_EIO, "GET %s: status %ld",
		                 (const char *)url.data, r.status);
		goto out;
	}
	rc = buf_append(out, r.body.data, r.body.len, e);
out:
	httpc_resp_release(&r);
	buf_release(&url);
	return rc;
}

struct vctx {
	struct vsrc src;
	const char *since, *state, *pin, *zones;
	int64_t now;
	int json;

	struct buf ck;       /* the checkpoint note */
	struct note n;
	struct ckpt c;
	uint8_t (*leaves)[HASH_SIZE];
	struct agreement a;
	bool have_a;
	struct cli_replay rp;
	uint64_t tiles, bundles;
	size_t cosigs;
	uint64_t since_size;
	bool state_checked;
	char sdir[4096];
};

static int
verify_entries(struct vctx *v, struct arm_err *e)
{
	struct buf b = BUF_INIT(256u * (BUNDLE_ENTRY_MAX + 2));
	struct bundle_entry ents[256];
	struct tile t;
	char rel[TILE_PATH_MAX];
	uint64_t n, idx = 0, nb = (v->c.size + 255) / 256;
	unsigned i;
	int rc = ARM_OK;

	if ((v->leaves = calloc(v->c.size ? v->c.size : 1, HASH_SIZE)) == NULL)
		return arm_err_set(e, ARM_ENOMEM, "out of memory for %" PRIu64 " leaf hashes", v->c.size);
	for (n = 0; n < nb; n++) {
		if (!tile_for_size(TILE_LEVEL_ENTRIES, n, v->c.size, &t)) {
			rc = arm_err_set(e, ARM_EUSAGE, "no entry bundle %" PRIu64, n);
			goto out;
		}
		if ((rc = tile_path(&t, rel, sizeof(rel), e)) != ARM_OK ||
		    (rc = vfetch(&v->src, rel, &b, e)) != ARM_OK)
			goto out;
		if ((rc = bundle_parse(b.data, b.len, t.width, ents, e)) != ARM_OK) {
			arm_err_prefix(e, "%s", rel);
			rc = verify_bad(e);
			goto out;
		}
		v->bundles++;
		for (i = 0; i < t.width; i++, idx++) {
			hash_leaf(v->leaves[idx], ents[i].data, ents[i].len);
			if (idx == 0) {
				struct entry en;
				entry_init(&en);
				agreement_init(&v->a);
				struct cli_replay tmp;
				memset(&tmp, 0, sizeof(tmp));
				snprintf(tmp.zones, sizeof(tmp.zones), "%s", v->zones ? v->zones : "");
				rc = entry_open_agreement(&en, &v->a, ents[i].data, ents[i].len, "entry 0",
				                          cli_replay_read_zone, &tmp, NULL, e);
				entry_release(&en);
				if (rc != ARM_OK) {
					arm_err_prefix(e, "entry 0 (the agreement)");
					rc = verify_bad(e);
					goto out;
				}
				v->have_a = true;
			}
			if ((rc = cli_replay_apply(&v->rp, idx, ents[i].data, ents[i].len, e)) != ARM_OK) {
				arm_err_prefix(e, "replay of entry %" PRIu64 " (%s)", idx, rel);
				rc = verify_bad(e);
				goto out;
			}
		}
		if (!v->json && (n % 64 == 63 || n + 1 == nb))
			fprintf(stderr, "armistice verify: %" PRIu64 " of %" PRIu64 " entries\n", idx,
			        v->c.size);
	}
out:
	buf_release(&b);
	return rc;
}

static int
verify_checkpoint_sigs(struct vctx *v, struct arm_err *e)
{
	struct note_check chk;
	bool ok[256];
	size_t i, nw = v->a.log.nwitnesses, one;
	char idhex[2 * HASH_SIZE + 1];

	if (strcmp(v->c.origin, v->a.log.origin) != 0)
		return arm_err_set(e, ARM_EVERIFY, "checkpoint origin '%s' is not the agreement's log '%s'",
		                   v->c.origin, v->a.log.origin);
	if (note_verify(&v->n, &v->a.log.key, 1, &chk, e) != ARM_OK) {
		arm_err_prefix(e, "checkpoint log signature");
		return verify_bad(e);
	}
	if (nw > ARM_ARRAY_LEN(ok))
		return arm_err_set(e, ARM_ELIMIT, "more than %zu witnesses", ARM_ARRAY_LEN(ok));
	v->cosigs = 0;
	for (i = 0; i < nw; i++) {
		if (witness_count_cosigs(&v->n, &v->a.log.witnesses[i].key, 1, &one, e) != ARM_OK) {
			arm_err_prefix(e, "checkpoint");
			return verify_bad(e);
		}
		ok[i] = one > 0;
		v->cosigs += one;
	}
	if (!agreement_quorum_met(&v->a, ok))
		return arm_err_set(e, ARM_EVERIFY,
		                   "checkpoint size %" PRIu64 " lacks the witness quorum: %zu of %zu "
		                   "witnesses cosigned",
		                   v->c.size, v->cosigs, nw);
	if (v->pin != NULL) {
		agreement_id_hex(&v->a, idhex);
		if (strcmp(idhex, v->pin) != 0)
			return arm_err_set(e, ARM_EVERIFY, "entry 0 is agreement %s, not the pinned %s", idhex,
			                   v->pin);
	}
	return ARM_OK;
}

static int
verify_tree(struct vctx *v, struct arm_err *e)
{
	struct merkle_mem mm;
	struct merkle_src src;
	struct buf b = BUF_INIT(TILE_WIDTH * HASH_SIZE);
	uint8_t root[HASH_SIZE], h[HASH_SIZE];
	char rel[TILE_PATH_MAX], hx[2 * HASH_SIZE + 1], hy[2 * HASH_SIZE + 1];
	unsigned l, levels = tile_levels(v->c.size), i;
	uint64_t n;
	struct tile t;
	int rc = ARM_OK;

	merkle_mem_src(&mm, (const uint8_t(*)[HASH_SIZE])v->leaves, v->c.size, &src);
	ARM_TRY(merkle_root(&src, v->c.size, root, e));
	if (memcmp(root, v->c.root, HASH_SIZE) != 0) {
		hash_hex(hx, root);
		hash_hex(hy, v->c.root);
		return arm_err_set(e, ARM_EVERIFY,
		                   "the %" PRIu64 " entries hash to root %s, the checkpoint says %s",
		                   v->c.size, hx, hy);
	}
	for (l = 0; l < levels; l++) {
		for (n = 0; tile_for_size((int)l, n, v->c.size, &t); n++) {
			if ((rc = tile_path(&t, rel, sizeof(rel), e)) != ARM_OK ||
			    (rc = vfetch(&v->src, rel, &b, e)) != ARM_OK)
				goto out;
			if (b.len != (size_t)t.width * HASH_SIZE) {
				rc = arm_err_set(e, ARM_EVERIFY, "%s: %zu bytes, not %u hashes", rel, b.len,
				                 t.width);
				goto out;
			}
			for (i = 0; i < t.width; i++) {
				if ((rc = src.hash(src.ctx, l * TILE_HEIGHT, n * TILE_WIDTH + i, h, e)) != ARM_OK)
					goto out;
				if (memcmp(h, b.data + (size_t)i * HASH_SIZE, HASH_SIZE) != 0) {
					rc = arm_err_set(e, ARM_EVERIFY,
					                 "%s: hash %u differs from the one the entries give", rel, i);
					goto out;
				}
			}
			v->tiles++;
		}
	}
out:
	buf_release(&b);
	return rc;
}

/* Checks the tree against an earlier checkpoint note (already signed by the log). */
static int
verify_consistent(struct vctx *v, const struct buf *prev, const char *what, struct arm_err *e)
{
	struct note pn = {0};
	struct ckpt pc;
	struct note_check chk;
	struct merkle_mem mm;
	struct merkle_src src;
	uint8_t root[HASH_SIZE];
	char hx[2 * HASH_SIZE + 1];
	int rc;

	if ((rc = note_parse(&pn, prev->data, prev->len, NOTE_MAX_SIZE, e)) != ARM_OK ||
	    (rc = ckpt_parse(&pc, pn.text, pn.text_len, e)) != ARM_OK) {
		arm_err_prefix(e, "%s", what);
		goto out;
	}
	if (note_verify(&pn, &v->a.log.key, 1, &chk, e) != ARM_OK) {
		arm_err_prefix(e, "%s: log signature", what);
		rc = verify_bad(e);
		goto out;
	}
	if (strcmp(pc.origin, v->c.origin) != 0) {
		rc = arm_err_set(e, ARM_EUSAGE, "%s is for origin '%s', not '%s'", what, pc.origin,
		                 v->c.origin);
		goto out;
	}
	v->since_size = pc.size;
	if (pc.size > v->c.size) {
		rc = arm_err_set(e, ARM_ECONFLICT,
		                 "rollback: the log shows size %" PRIu64 ", smaller than the %" PRIu64
		                 " of %s", v->c.size, pc.size, what);
		goto out;
	}
	merkle_mem_src(&mm, (const uint8_t(*)[HASH_SIZE])v->leaves, v->c.size, &src);
	if ((rc = merkle_root(&src, pc.size, root, e)) != ARM_OK)
		goto out;
	if (memcmp(root, pc.root, HASH_SIZE) != 0) {
		hash_hex(hx, root);
		rc = arm_err_set(e, ARM_ECONFLICT,
		                 "fork: the log's first %" PRIu64 " entries have root %s, not the root of "
		                 "%s", pc.size, hx, what);
	}
out:
	note_release(&pn);
	return rc;
}

static int
verify_state_json(struct vctx *v, struct arm_err *e)
{
	struct buf mine = BUF_INIT(64u << 20), theirs = BUF_INIT(64u << 20);
	char rel[128];
	size_t i;
	int rc;

	if ((rc = engine_state_json(v->rp.eng, v->now, &mine, e)) != ARM_OK)
		goto out;
	if (!v->src.http)
		goto out;
	snprintf(rel, sizeof(rel), "state?index=%" PRIu64 "&now=%" PRId64, v->c.size, v->now);
	if ((rc = vfetch(&v->src, rel, &theirs, e)) != ARM_OK)
		goto out;
	v->state_checked = true;
	if (mine.len != theirs.len || memcmp(mine.data, theirs.data, mine.len) != 0) {
		for (i = 0; i < mine.len && i < theirs.len && mine.data[i] == theirs.data[i]; i++)
			;
		rc = arm_err_set(e, ARM_EVERIFY,
		                 "the server's /state for size %" PRIu64 " differs from the replay at "
		                 "byte %zu (server %zu bytes, replay %zu)",
		                 v->c.size, i, theirs.len, mine.len);
	}
out:
	buf_release(&mine);
	buf_release(&theirs);
	return rc;
}

static int
verify_mkdirs(const char *p, struct arm_err *e)
{
	char tmp[4096];
	size_t i;

	snprintf(tmp, sizeof(tmp), "%s", p);
	for (i = 1; tmp[i]; i++) {
		if (tmp[i] != '/')
			continue;
		tmp[i] = '\0';
		if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
			return arm_err_set(e, ARM_EIO, "cannot create '%s': %s", tmp, strerror(errno));
		tmp[i] = '/';
	}
	if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
		return arm_err_set(e, ARM_EIO, "cannot create '%s': %s", tmp, strerror(errno));
	return ARM_OK;
}

static int
verify_run(struct vctx *v, struct arm_err *e)
{
	struct buf prev = BUF_INIT(NOTE_MAX_SIZE);
	char name[2 * HASH_SIZE + 16], path[8192];
	uint8_t oh[HASH_SIZE];
	int rc;

	if ((rc = vfetch(&v->src, "checkpoint", &v->ck, e)) != ARM_OK)
		goto out;
	if ((rc = note_parse(&v->n, v->ck.data, v->ck.len, NOTE_MAX_SIZE, e)) != ARM_OK ||
	    (rc = ckpt_parse(&v->c, v->n.text, v->n.text_len, e)) != ARM_OK) {
		arm_err_prefix(e, "checkpoint");
		goto out;
	}
	if (v->c.size == 0) {
		rc = arm_err_set(e, ARM_ENOTFOUND, "the log is empty: no agreement to audit against");
		goto out;
	}
	if ((rc = cli_replay_init(&v->rp, v->zones, ENGINE_NO_TIME, true, e)) != ARM_OK ||
	    (rc = verify_entries(v, e)) != ARM_OK || (rc = verify_checkpoint_sigs(v, e)) != ARM_OK ||
	    (rc = verify_tree(v, e)) != ARM_OK)
		goto out;
	hash_sha256(oh, v->c.origin, strlen(v->c.origin));
	hash_hex(name, oh);
	snprintf(path, sizeof(path), "%s/%s", v->sdir, name);
	if (v->since != NULL) {
		if ((rc = cli_read_file(v->since, &prev, e)) != ARM_OK ||
		    (rc = verify_consistent(v, &prev, v->since, e)) != ARM_OK)
			goto out;
	}
	buf_reset(&prev);
	rc = cli_read_file(path, &prev, e);
	if (rc == ARM_OK) {
		if ((rc = verify_consistent(v, &prev, "the last checkpoint seen", e)) != ARM_OK)
			goto out;
	} else if (rc == ARM_ENOTFOUND) {
		arm_err_clear(e);
	} else {
		goto out;
	}
	if ((rc = verify_state_json(v, e)) != ARM_OK)
		goto out;
	/* Everything checked out: remember this checkpoint. */
	if ((rc = verify_mkdirs(v->sdir, e)) != ARM_OK ||
	    (rc = witness_write_atomic(v->sdir, name, v->ck.data, v->ck.len, e)) != ARM_OK)
		goto out;
out:
	buf_release(&prev);
	return rc;
}

int
cmd_verify(int argc, char **argv)
{
	static struct vctx v;
	struct arm_err e;
	char hx[2 * HASH_SIZE + 1], idhex[2 * HASH_SIZE + 1];
	const char *home;
	int c, rc;

	memset(&v, 0, sizeof(v));
	v.now = (int64_t)time(NULL);
	optind = 1;
	while ((c = getopt_long(argc, argv, "", verify_opts, NULL)) != -1) {
		switch (c) {
		case 's': v.since = optarg; break;
		case 'S': v.state = optarg; break;
		case 'a':
			if (strlen(optarg) != 64 || strspn(optarg, "0123456789abcdef") != 64)
				return cli_usage_error("verify", "--agreement takes 64 lowercase hex digits");
			v.pin = optarg;
			break;
		case 'n':
			if (cli_replay_time(optarg, &v.now, &e) != ARM_OK)
				return cli_usage_error("verify", "--now: %s", e.msg);
			break;
		case 'z': v.zones = optarg; break;
		case 'j': v.json = 1; break;
		case 'h': fputs(verify_usage, stdout); return 0;
		default: return cli_usage_error("verify", "unknown option");
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error("verify", "one URL or log directory is required");
	v.src.base = argv[optind];
	v.src.http = strncmp(v.src.base, "http://", 7) == 0 || strncmp(v.src.base, "https://", 8) == 0;
	if (v.state != NULL)
		snprintf(v.sdir, sizeof(v.sdir), "%s", v.state);
	else if (getenv("ARMISTICE_STATE") != NULL)
		snprintf(v.sdir, sizeof(v.sdir), "%s", getenv("ARMISTICE_STATE"));
	else if ((home = getenv("HOME")) != NULL)
		snprintf(v.sdir, sizeof(v.sdir), "%s/.armistice/verify", home);
	else
		return cli_usage_error("verify", "no --state and no HOME");
	buf_init(&v.ck, NOTE_MAX_SIZE);
	rc = verify_run(&v, &e);
	if (rc == ARM_OK) {
		hash_hex(hx, v.c.root);
		agreement_id_hex(&v.a, idhex);
		if (v.json) {
			printf("{\"ok\":true,\"origin\":");
			cli_json_str(stdout, v.c.origin, strlen(v.c.origin));
			printf(",\"size\":%" PRIu64 ",\"root\":\"%s\",\"agreement\":\"%s\",\"cosignatures\":%zu,"
			       "\"bundles\":%" PRIu64 ",\"tiles\":%" PRIu64 ",\"since\":%" PRIu64
			       ",\"state_compared\":%s}\n",
			       v.c.size, hx, idhex, v.cosigs, v.bundles, v.tiles, v.since_size,
			       v.state_checked ? "true" : "false");
		} else {
			printf("ok: %s size %" PRIu64 " root %s\n", v.c.origin, v.c.size, hx);
			printf("agreement %s; %zu witness cosignatures meet the quorum\n", idhex, v.cosigs);
			printf("%" PRIu64 " bundles and %" PRIu64 " hash tiles recomputed; consistent with "
			       "size %" PRIu64 "; state %s\n",
			       v.bundles, v.tiles, v.since_size,
			       v.state_checked ? "equals the server's /state" : "replayed");
		}
	}
	cli_replay_release(&v.rp);
	if (v.have_a)
		agreement_release(&v.a);
	note_release(&v.n);
	free(v.leaves);
	buf_release(&v.ck);
	if (rc != ARM_OK)
		return cli_fail_json(&e, v.json);
	return 0;
}
