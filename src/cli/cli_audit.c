/* cli_audit.c - see cli_audit.h: one audit round, in the order that lets
 * nothing be used before its signature is checked. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/cli_audit.h"
#include "armistice/bundle.h"
#include "armistice/engine.h"
#include "armistice/entry.h"
#include "armistice/httpc.h"
#include "armistice/logclock.h"
#include "armistice/merkle.h"
#include "armistice/tiles.h"
#include "armistice/witness.h"
#include "armistice/common.h"

static int
bad(struct arm_err *e)
{
	if (e != NULL)
		e->rc = ARM_EVERIFY;
	return ARM_EVERIFY;
}

void
cli_audit_init(struct cli_audit *au)
{
	memset(au, 0, sizeof(*au));
	buf_init(&au->last, NOTE_MAX_SIZE);
	buf_init(&au->ck, NOTE_MAX_SIZE);
}

static void
keep_release(struct cli_audit *au)
{
	size_t i;

	for (i = 0; i < au->nkeep; i++)
		buf_release(&au->keep[i]);
	free(au->keep);
	free(au->keep_idx);
	au->keep = NULL;
	au->keep_idx = NULL;
	au->nkeep = 0;
}

void
cli_audit_release(struct cli_audit *au)
{
	if (au->rp_open)
		cli_replay_release(&au->rp);
	au->rp_open = false;
	keep_release(au);
	note_release(&au->n);
	buf_release(&au->ck);
	buf_release(&au->last);
	free(au->leaves);
	au->leaves = NULL;
}

struct engine *
cli_audit_engine(const struct cli_audit *au)
{
	return au->rp_open ? au->rp.eng : NULL;
}

int
cli_audit_fetch(const struct cli_audit *au, const char *rel, struct buf *out, struct arm_err *e)
{
	struct buf url = BUF_INIT(8192);
	struct httpc_resp r;
	int rc;

	buf_reset(out);
	if (!au->http) {
		ARM_TRY(buf_printf(&url, e, "%s/%s", au->base, rel));
		rc = cli_read_file((const char *)url.data, out, e);
		buf_release(&url);
		return rc;
	}
	httpc_resp_init(&r, out->max);
	if ((rc = httpc_url(&url, au->base, rel, e)) != ARM_OK ||
	    (rc = httpc_request("GET", (const char *)url.data, NULL, 0, NULL, 30000, &r, e)) !=
	        ARM_OK)
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

/* ---- zone files: local directory, or /zone/<id> checked by digest ---- */

/*
 * Notes the "zone: <id> sha256:<hex>" header lines of an agreement or amend
 * entry, in order. agreement_parse() asks for the file zones in the
 * agreement's order and `init`/`sign` write the zone lines in that same
 * order (entry_agreement_text()), so the k-th file asked for is the k-th
 * line's zone. Whatever comes back is hashed and compared with the digest
 * of the line naming that zone (entry_check_zones()), so a wrong file or
 * a wrong order fails, naming the zone; it is never accepted.
 */
static void
zone_prepare(struct cli_audit *au, const uint8_t *note, size_t len)
{
	const char *p = (const char *)note, *end = p + len, *nl;

	au->nzone_ids = 0;
	au->zone_next = 0;
	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL && nl != p) {
		if ((size_t)(nl - p) > 6 && memcmp(p, "zone: ", 6) == 0 &&
		    au->nzone_ids < CLI_AUDIT_ZONE_LINES) {
			const char *id = p + 6, *sp = memchr(id, ' ', (size_t)(nl - id));
			size_t n = sp != NULL ? (size_t)(sp - id) : (size_t)(nl - id);
			if (n <= AGREEMENT_ID_MAX) {
				memcpy(au->zone_ids[au->nzone_ids], id, n);
				au->zone_ids[au->nzone_ids][n] = '\0';
				au->nzone_ids++;
			}
		}
		p = nl + 1;
	}
}

static int
zone_fetch(void *ctx, const char *rel, struct buf *out, struct arm_err *e)
{
	struct cli_audit *au = ctx;
	char path[16 + AGREEMENT_ID_MAX];
	const char *id;
	int rc;

	if (au->zone_next >= au->nzone_ids)
		return arm_err_set(e, ARM_ENOTFOUND,
		                   "zone file '%s': the entry has no zone line for it", rel);
	id = au->zone_ids[au->zone_next++];
	if (!agreement_id_valid(id, strlen(id)))
		return arm_err_set(e, ARM_ESYNTAX, "zone line '%s' is not a zone id", id);
	snprintf(path, sizeof(path), "zone/%s", id);
	if ((rc = cli_audit_fetch(au, path, out, e)) != ARM_OK)
		arm_err_prefix(e, "zone '%s' (file '%s')", id, rel);
	return rc;
}

int
cli_audit_zone_fetch(void *ctx, const char *rel, struct buf *out, struct arm_err *e)
{
	return zone_fetch(ctx, rel, out, e);
}

static int
zone_read(void *ctx, const char *rel, struct buf *out, struct arm_err *e)
{
	struct cli_audit *au = ctx;

	if (au->zones != NULL)
		return cli_replay_read_zone(&au->rp, rel, out, e);
	return zone_fetch(ctx, rel, out, e);
}

/*
 * Zone files of a --trust agreement: only its log section matters here (the
 * agreement id covers the YAML bytes; the log's entry 0 pins the zone
 * digests), so a zone file that is not beside it reads as an empty
 * collection. A `sha256:` stated in the YAML then fails, and the file
 * pins the id alone.
 */
static int
trust_zone(void *ctx, const char *rel, struct buf *out, struct arm_err *e)
{
	static const char empty[] = "{\"type\":\"GeometryCollection\",\"geometries\":[]}";

	if (agreement_read_dir(ctx, rel, out, e) == ARM_OK)
		return ARM_OK;
	buf_reset(out);
	return buf_puts(out, empty, e);
}

int
cli_audit_setup(struct cli_audit *au, const char *base, const char *sdir, const char *agreement_hex,
                const char *trust_file, struct arm_err *e)
{
	const char *home;
	int i;

	if (agreement_hex != NULL && trust_file != NULL)
		return arm_err_set(e, ARM_EUSAGE, "give --agreement or --trust, not both");
	au->base = base;
	au->http = strncmp(base, "http://", 7) == 0 || strncmp(base, "https://", 8) == 0;
	if (sdir != NULL)
		snprintf(au->sdir_buf, sizeof(au->sdir_buf), "%s", sdir);
	else if (getenv("ARMISTICE_STATE") != NULL)
		snprintf(au->sdir_buf, sizeof(au->sdir_buf), "%s", getenv("ARMISTICE_STATE"));
	else if ((home = getenv("HOME")) != NULL)
		snprintf(au->sdir_buf, sizeof(au->sdir_buf), "%s/.armistice/verify", home);
	else
		return arm_err_set(e, ARM_EUSAGE, "no --state and no HOME");
	au->sdir = au->sdir_buf;
	if (agreement_hex != NULL) {
		if (strlen(agreement_hex) != 2 * HASH_SIZE ||
		    strspn(agreement_hex, "0123456789abcdef") != 2 * HASH_SIZE)
			return arm_err_set(e, ARM_EUSAGE,
			                   "--agreement takes 64 lowercase hex digits");
		for (i = 0; i < HASH_SIZE; i++) {
			unsigned v;
			if (sscanf(agreement_hex + 2 * i, "%2x", &v) != 1)
				return arm_err_set(e, ARM_EUSAGE,
				                   "--agreement takes 64 lowercase hex digits");
			au->pin_id[i] = (uint8_t)v;
		}
		au->pin_set = true;
		au->pin_what = "--agreement";
	} else if (trust_file != NULL) {
		snprintf(au->what_buf, sizeof(au->what_buf), "--trust %s", trust_file);
		au->pin_what = au->what_buf;
		return cli_audit_pin_file(au, trust_file, e);
	}
	return ARM_OK;
}

int
cli_audit_pin_file(struct cli_audit *au, const char *path, struct arm_err *e)
{
	struct buf b = BUF_INIT(AGREEMENT_MAX_SIZE);
	struct agreement a;
	enum trust_pin_kind k;
	char dir[4096], *slash;
	int rc;

	if ((rc = cli_read_file(path, &b, e)) == ARM_OK &&
	    (rc = trust_pin_parse(b.data, b.len, &k, au->pin_id, &au->pin_roots, e)) == ARM_OK) {
		au->pin_set = true;
		au->have_pin_roots = k == TRUST_PIN_RECORD;
		if (k == TRUST_PIN_YAML) {
			/* The log key is known before the first checkpoint is read. */
			snprintf(dir, sizeof(dir), "%s", path);
			slash = strrchr(dir, '/');
			if (slash != NULL)
				*slash = '\0';
			else
				snprintf(dir, sizeof(dir), ".");
			if (agreement_parse(&a, b.data, b.len, path, trust_zone, dir, NULL, NULL) ==
			    ARM_OK) {
				memset(&au->pin_roots, 0, sizeof(au->pin_roots));
				if (trust_from_agreement(&au->pin_roots, &a, &a, 0, NULL) == ARM_OK)
					au->have_pin_roots = true;
				agreement_release(&a);
			}
		}
	} else {
		arm_err_prefix(e, "--trust %s", path);
	}
	buf_release(&b);
	return rc;
}

/* ---- state ---- */

int
cli_audit_open(struct cli_audit *au, struct arm_err *e)
{
	int rc;

	ARM_TRY(trust_log_dir(au->sdir, au->base, au->logdir, sizeof(au->logdir), e));
	rc = trust_load(au->logdir, &au->pinned, e);
	if (rc == ARM_OK)
		au->have_pinned = true;
	else if (rc != ARM_ENOTFOUND)
		return rc;
	arm_err_clear(e);
	if (au->have_pinned && au->pin_set && memcmp(au->pinned.agreement, au->pin_id, HASH_SIZE)) {
		char hx[2 * HASH_SIZE + 1], hy[2 * HASH_SIZE + 1];
		hash_hex(hx, au->pinned.agreement);
		hash_hex(hy, au->pin_id);
		return arm_err_set(
		    e, ARM_EVERIFY,
		    "trust: the state pins agreement %s for %s, %s pins %s; audit with "
		    "another --state to start over",
		    hx, au->base, au->pin_what, hy);
	}
	rc = trust_read_file(au->logdir, "checkpoint", &au->last, e);
	if (rc == ARM_ENOTFOUND) {
		arm_err_clear(e);
		return ARM_OK;
	}
	if (rc != ARM_OK)
		return rc;
	if (!au->have_pinned)
		return arm_err_set(e, ARM_ESYNTAX, "%s: a checkpoint without a trust record",
		                   au->logdir);
	au->have_last = true;
	return ARM_OK;
}

/* Opens the stored last checkpoint with the pinned key (it is our own file). */
static int
open_last(struct cli_audit *au, struct arm_err *e)
{
	struct note n = {0};
	int rc;

	if (!au->have_last)
		return ARM_OK;
	rc = ckpt_open(au->last.data, au->last.len, &au->pinned.log_key, au->pinned.origin,
	               &au->lastc, &n, e);
	note_release(&n);
	if (rc != ARM_OK)
		arm_err_prefix(e, "%s/checkpoint", au->logdir);
	return rc;
}

/* Does note n carry a signature line by key k (name and key id)? */
static bool
signed_by(const struct note *n, const struct note_verifier *k)
{
	size_t i;

	for (i = 0; i < n->nsigs; i++)
		if (n->sigs[i].key_id == k->key_id && strcmp(n->sigs[i].name, k->name) == 0)
			return true;
	return false;
}

static int
check_sig(struct cli_audit *au, const struct note_verifier *k, const char *origin,
          struct arm_err *e)
{
	struct note_check chk;

	if (note_verify(&au->n, k, 1, &chk, e) != ARM_OK) {
		arm_err_prefix(e, "checkpoint: signature invalid (log key %s+%08x)", k->name,
		               (unsigned)k->key_id);
		return bad(e);
	}
	if (strcmp(au->c.origin, origin) != 0)
		return arm_err_set(
		    e, ARM_EVERIFY,
		    "checkpoint: origin '%s' is not the log's origin '%s' (signed by its "
		    "key, but for another log)",
		    au->c.origin, origin);
	return ARM_OK;
}

/* Entry 0 without using the checkpoint's size: /entry/0, else bundle 0. */
static int
first_entry(struct cli_audit *au, struct buf *out, struct arm_err *e)
{
	struct tile t;
	char rel[TILE_PATH_MAX];
	struct buf b = BUF_INIT(256u * (BUNDLE_ENTRY_MAX + 2));
	struct bundle_entry ents[256];
	int rc;

	if (au->http) {
		rc = cli_audit_fetch(au, "entry/0", out, e);
		if (rc != ARM_ENOTFOUND)
			return rc;
		arm_err_clear(e);
	}
	/*
	 * A static copy of the log has no /entry/0: its first bundle's name
	 * depends on the (not yet verified) size. A size that was altered
	 * names a bundle that is not there, and that is reported as the
	 * signature that cannot be checked, not as a missing file.
	 */
	if (!tile_for_size(TILE_LEVEL_ENTRIES, 0, au->c.size, &t))
		return arm_err_set(e, ARM_EVERIFY, "checkpoint: empty log");
	if ((rc = tile_path(&t, rel, sizeof(rel), e)) != ARM_OK)
		goto out;
	if ((rc = cli_audit_fetch(au, rel, &b, e)) != ARM_OK ||
	    (rc = bundle_parse(b.data, b.len, t.width, ents, e)) != ARM_OK) {
		arm_err_prefix(
		    e,
		    "checkpoint: signature cannot be checked: the log key is named by "
		    "entry 0, and the first entry bundle for the checkpoint's size %" PRIu64
		    " is not there (a size that was altered?); pin the agreement with "
		    "--trust to check the signature first",
		    au->c.size);
		rc = bad(e);
		goto out;
	}
	rc = buf_append(out, ents[0].data, ents[0].len, e);
out:
	buf_release(&b);
	return rc;
}

static void
pin_mismatch(struct cli_audit *au, const uint8_t seen_a0[HASH_SIZE], const struct agreement *in,
             struct arm_err *e)
{
	struct trust_roots seen;
	struct buf d = BUF_INIT(4096);
	char hx[2 * HASH_SIZE + 1], hy[2 * HASH_SIZE + 1], ts[21];
	const struct trust_roots *p = au->have_pinned      ? &au->pinned
	                              : au->have_pin_roots ? &au->pin_roots
	                                                   : NULL;

	memset(&seen, 0, sizeof(seen));
	hash_hex(hx, seen_a0);
	if (p != NULL && trust_from_agreement(&seen, in, in, 0, NULL) == ARM_OK &&
	    (memcpy(seen.agreement, seen_a0, HASH_SIZE), true) && trust_diff(p, &seen, &d) > 0 &&
	    buf_append(&d, "", 1, NULL) == ARM_OK) {
		engine_time_utc(p->pinned, ts);
		arm_err_set(
		    e, ARM_EVERIFY,
		    "trust: the log at %s is not the log pinned %s%s: %s; a change of agreement "
		    "comes only by an amendment in the same log",
		    au->base, au->have_pinned ? "on " : "by ", au->have_pinned ? ts : au->pin_what,
		    (const char *)d.data);
	} else {
		hash_hex(hy, au->pin_id);
		arm_err_set(e, ARM_EVERIFY,
		            "trust: entry 0 is agreement %s, not the pinned %s (%s): another log",
		            hx, hy, au->pin_what != NULL ? au->pin_what : "state");
	}
	buf_release(&d);
}

/* The agreement entry 0 must be, if anything pins it. */
static bool
pin_known(const struct cli_audit *au, uint8_t out[HASH_SIZE])
{
	if (au->have_pinned)
		memcpy(out, au->pinned.agreement, HASH_SIZE);
	else if (au->pin_set)
		memcpy(out, au->pin_id, HASH_SIZE);
	else
		return false;
	return true;
}

static int
grow_leaves(struct cli_audit *au, uint64_t n, struct arm_err *e)
{
	void *p;

	if (n <= au->capleaves)
		return ARM_OK;
	/* Bound it by what a host can hold (128 GiB of hashes). */
	if (n > ((uint64_t)1 << 32))
		return arm_err_set(e, ARM_ELIMIT,
		                   "checkpoint size %" PRIu64 " is more than this "
		                   "auditor holds in memory",
		                   n);
	if (n < 2 * au->capleaves && 2 * au->capleaves <= ((uint64_t)1 << 32))
		n = 2 * au->capleaves;
	p = realloc(au->leaves, (size_t)n * HASH_SIZE);
	if (p == NULL)
		return arm_err_set(e, ARM_ENOMEM, "out of memory for %" PRIu64 " leaf hashes", n);
	au->leaves = p;
	au->capleaves = n;
	return ARM_OK;
}

static int
bundle_get(struct cli_audit *au, const struct tile *t, struct buf *b, bool *cached,
           struct arm_err *e)
{
	char rel[TILE_PATH_MAX], name[64];
	int rc;

	*cached = false;
	if (au->cache && t->width == TILE_WIDTH) {
		snprintf(name, sizeof(name), "bundles/%" PRIu64, t->n);
		rc = trust_read_file(au->logdir, name, b, e);
		if (rc == ARM_OK) {
			*cached = true;
			return ARM_OK;
		}
		arm_err_clear(e);
	}
	ARM_TRY(tile_path(t, rel, sizeof(rel), e));
	return cli_audit_fetch(au, rel, b, e);
}

static int
check_tiles(struct cli_audit *au, uint64_t from, struct arm_err *e)
{
	struct merkle_mem mm;
	struct merkle_src src;
	struct buf b = BUF_INIT(TILE_WIDTH * HASH_SIZE);
	uint8_t h[HASH_SIZE];
	char rel[TILE_PATH_MAX];
	unsigned l, levels = tile_levels(au->c.size), i;
	uint64_t n, span;
	struct tile t;
	int rc = ARM_OK;

	merkle_mem_src(&mm, (const uint8_t(*)[HASH_SIZE])au->leaves, au->c.size, &src);
	for (l = 0, span = TILE_WIDTH; l < levels; l++, span *= TILE_WIDTH) {
		/* Only tiles that cover a leaf at or past `from` can be new. */
		for (n = from / span; tile_for_size((int)l, n, au->c.size, &t); n++) {
			if ((rc = tile_path(&t, rel, sizeof(rel), e)) != ARM_OK ||
			    (rc = cli_audit_fetch(au, rel, &b, e)) != ARM_OK)
				goto out;
			if (b.len != (size_t)t.width * HASH_SIZE) {
				rc = arm_err_set(e, ARM_EVERIFY, "%s: %zu bytes, not %u hashes",
				                 rel, b.len, t.width);
				goto out;
			}
			for (i = 0; i < t.width; i++) {
				if ((rc = src.hash(src.ctx, l * TILE_HEIGHT, n * TILE_WIDTH + i, h,
				                   e)) != ARM_OK)
					goto out;
				if (memcmp(h, b.data + (size_t)i * HASH_SIZE, HASH_SIZE) != 0) {
					rc = arm_err_set(
					    e, ARM_EVERIFY,
					    "%s: hash %u differs from the one the entries give",
					    rel, i);
					goto out;
				}
			}
			au->tiles++;
		}
		if (span > au->c.size)
			break;
	}
out:
	buf_release(&b);
	return rc;
}

/* The tree of the leaves held is consistent with checkpoint note prev. */
static int
consistent(struct cli_audit *au, const uint8_t *prev, size_t len, const struct note_verifier *k,
           const char *what, struct arm_err *e)
{
	struct note pn = {0};
	struct ckpt pc;
	struct merkle_mem mm;
	struct merkle_src src;
	uint8_t root[HASH_SIZE];
	char hx[2 * HASH_SIZE + 1];
	int rc;

	if ((rc = ckpt_open(prev, len, k, NULL, &pc, &pn, e)) != ARM_OK) {
		arm_err_prefix(e, "%s", what);
		goto out;
	}
	if (strcmp(pc.origin, au->c.origin) != 0) {
		rc = arm_err_set(e, ARM_EUSAGE, "%s is for origin '%s', not '%s'", what, pc.origin,
		                 au->c.origin);
		goto out;
	}
	au->since_size = pc.size;
	if (pc.size > au->c.size) {
		rc = arm_err_set(e, ARM_ECONFLICT,
		                 "rollback: the log shows size %" PRIu64
		                 ", smaller than the %" PRIu64 " of %s",
		                 au->c.size, pc.size, what);
		goto out;
	}
	merkle_mem_src(&mm, (const uint8_t(*)[HASH_SIZE])au->leaves, au->c.size, &src);
	if ((rc = merkle_root(&src, pc.size, root, e)) != ARM_OK)
		goto out;
	if (memcmp(root, pc.root, HASH_SIZE) != 0) {
		hash_hex(hx, root);
		rc = arm_err_set(e, ARM_ECONFLICT,
		                 "split view: the log's first %" PRIu64
		                 " entries have root %s, not the "
		                 "root of %s: the log showed another history before",
		                 pc.size, hx, what);
	}
out:
	note_release(&pn);
	return rc;
}

static int
quorum(struct cli_audit *au, const struct agreement *a, struct arm_err *e)
{
	bool ok[TRUST_MAX_WITNESSES];
	size_t i, j, one, nw = a->log.nwitnesses, n = 0;
	char unknown[256] = "";

	if (nw > TRUST_MAX_WITNESSES)
		return arm_err_set(e, ARM_ELIMIT, "more than %d witnesses", TRUST_MAX_WITNESSES);
	au->cosigs = 0;
	au->cosigners[0] = '\0';
	for (i = 0; i < nw; i++) {
		if (witness_count_cosigs(&au->n, &a->log.witnesses[i].key, 1, &one, e) != ARM_OK) {
			arm_err_prefix(e, "checkpoint");
			return bad(e);
		}
		ok[i] = one > 0;
		au->cosigs += one;
		if (ok[i])
			n += (size_t)snprintf(au->cosigners + n,
			                      n < sizeof(au->cosigners) ? sizeof(au->cosigners) - n
			                                                : 0,
			                      "%s%s", n ? ", " : "", a->log.witnesses[i].id);
		if (n >= sizeof(au->cosigners))
			n = sizeof(au->cosigners) - 1;
	}
	/* Name cosignatures by keys the agreement does not list. */
	for (j = 0, n = 0; j < au->n.nsigs; j++) {
		bool known = strcmp(au->n.sigs[j].name, a->log.key.name) == 0;
		for (i = 0; i < nw && !known; i++)
			known = strcmp(au->n.sigs[j].name, a->log.witnesses[i].key.name) == 0 &&
			        au->n.sigs[j].key_id == a->log.witnesses[i].key.key_id;
		if (!known && n < sizeof(unknown))
			n += (size_t)snprintf(unknown + n, sizeof(unknown) - n, "%s%s+%08x",
			                      n ? ", " : "", au->n.sigs[j].name,
			                      (unsigned)au->n.sigs[j].key_id);
	}
	if (!agreement_quorum_met(a, ok))
		return arm_err_set(
		    e, ARM_EVERIFY,
		    "checkpoint size %" PRIu64 " lacks the witness quorum: %zu of %zu "
		    "witnesses cosigned (%s)%s%s",
		    au->c.size, au->cosigs, nw, au->cosigners[0] ? au->cosigners : "none",
		    unknown[0] ? "; signatures by keys the agreement does not name: " : "",
		    unknown);
	return ARM_OK;
}

/*
 * The log clock against the witnesses' clocks (docs/formats.md "The log
 * clock"): a witness cosigns a checkpoint after the batches in it were
 * sequenced, so the latest clock leaf in the tree cannot be later than
 * the latest cosignature time (type 0x04 timestamps) by more than the
 * agreement's clock tolerance. An operator whose clock runs ahead (to
 * make honest reports look backdated, or to let far-future entries in)
 * is caught here.
 */
static int
clock_bound(struct cli_audit *au, const struct agreement *a, struct arm_err *e)
{
	uint64_t ci, latest = 0;
	int64_t lt = engine_log_time(au->rp.eng, &ci, NULL);
	char t1[21], t2[21];
	size_t i;

	if (lt == ENGINE_NO_TIME)
		return ARM_OK;
	for (i = 0; i < a->log.nwitnesses; i++) {
		struct note_check chk = {false, 0};
		struct arm_err ig;
		if (note_verify(&au->n, &a->log.witnesses[i].key, 1, &chk, &ig) == ARM_OK &&
		    chk.ok && chk.timestamp > latest)
			latest = chk.timestamp;
	}
	if (latest == 0 || latest > (uint64_t)INT64_MAX)
		return ARM_OK; /* no witness: nothing to compare with */
	if (lt <= (int64_t)latest + a->log.clock_future)
		return ARM_OK;
	engine_time_utc(lt, t1);
	engine_time_utc((int64_t)latest, t2);
	return arm_err_set(e, ARM_EVERIFY,
	                   "log clock: entry %" PRIu64 " says the log sequenced at %s, later than "
	                   "every witness cosignature of checkpoint size %" PRIu64
	                   " (latest %s) by more than the %llds the agreement allows: the "
	                   "operator's clock runs ahead",
	                   ci, t1, au->c.size, t2, (long long)a->log.clock_future);
}

/*
 * After a rollback or split view by a checkpoint the pinned key signed:
 * if entry 0 is another agreement, that is the finding to report (the
 * operator replaced the log), not the size. The size is verified here.
 */
static int
entry0_changed(struct cli_audit *au, struct arm_err *e)
{
	struct buf e0 = BUF_INIT(BUNDLE_ENTRY_MAX);
	struct entry en;
	struct agreement a;
	struct arm_err ign;
	int rc = ARM_OK;

	if (first_entry(au, &e0, &ign) != ARM_OK)
		goto out;
	zone_prepare(au, e0.data, e0.len);
	if (au->zones != NULL)
		snprintf(au->rp.zones, sizeof(au->rp.zones), "%s", au->zones);
	if (entry_open_agreement(&en, &a, e0.data, e0.len, "entry 0", zone_read, au, NULL, &ign) !=
	    ARM_OK) {
		entry_release(&en);
		goto out;
	}
	entry_release(&en);
	if (memcmp(a.id, au->pinned.agreement, HASH_SIZE) != 0) {
		pin_mismatch(au, a.id, &a, e);
		rc = ARM_EVERIFY;
	}
	agreement_release(&a);
out:
	buf_release(&e0);
	return rc;
}

/*
 * What one round carries from step to step: the agreement read from
 * entry 0 when nothing pinned the key, the bundles fetched this round
 * (bundles[b - first_b], nbund of them initialised), and whether the
 * signature check waits for the replay (an amendment may rotate the key).
 */
struct round {
	struct buf e0, prev;
	struct buf *bundles;
	size_t bcap;
	uint64_t first_b, nb, nbund, old;
	struct agreement cand;
	bool have_cand, deferred;
	const struct note_verifier *key;
	const char *origin;
	uint8_t e0leaf[HASH_SIZE];
};

/* 1. Parse the checkpoint served now into au->ck, au->n and au->c. */
static int
round_parse(struct cli_audit *au, struct arm_err *e)
{
	int rc;

	note_release(&au->n);
	if ((rc = cli_audit_fetch(au, "checkpoint", &au->ck, e)) != ARM_OK) {
		arm_err_prefix(e, "checkpoint");
		return rc;
	}
	if ((rc = note_parse(&au->n, au->ck.data, au->ck.len, NOTE_MAX_SIZE, e)) != ARM_OK ||
	    (rc = ckpt_parse(&au->c, au->n.text, au->n.text_len, e)) != ARM_OK) {
		arm_err_prefix(e, "checkpoint");
		return bad(e);
	}
	return ARM_OK;
}

/*
 * With nothing pinned, entry 0 (the agreement) names the log key: read
 * it as the candidate, held until the tree shows it is entry 0.
 */
static int
round_candidate(struct cli_audit *au, struct round *r, struct arm_err *e)
{
	struct entry en;
	int rc;

	if ((rc = first_entry(au, &r->e0, e)) != ARM_OK)
		return rc;
	zone_prepare(au, r->e0.data, r->e0.len);
	if (au->zones != NULL)
		snprintf(au->rp.zones, sizeof(au->rp.zones), "%s", au->zones);
	rc = entry_open_agreement(&en, &r->cand, r->e0.data, r->e0.len, "entry 0", zone_read, au,
	                          NULL, e);
	entry_release(&en);
	if (rc != ARM_OK) {
		arm_err_prefix(e, "entry 0 (the agreement)");
		return bad(e);
	}
	r->have_cand = true;
	hash_leaf(r->e0leaf, r->e0.data, r->e0.len);
	if (au->pin_set && memcmp(r->cand.id, au->pin_id, HASH_SIZE) != 0) {
		pin_mismatch(au, r->cand.id, &r->cand, e);
		return ARM_EVERIFY;
	}
	r->key = &r->cand.log.key;
	r->origin = r->cand.log.origin;
	return ARM_OK;
}

/* 2. The signature, with a key known before the size is used. */
static int
round_signature(struct cli_audit *au, struct round *r, struct arm_err *e)
{
	int rc;

	if (au->have_pinned) {
		r->key = &au->pinned.log_key;
		r->origin = au->pinned.origin;
	} else if (au->have_pin_roots) {
		r->key = &au->pin_roots.log_key;
		r->origin = au->pin_roots.origin;
	} else if ((rc = round_candidate(au, r, e)) != ARM_OK) {
		return rc;
	}
	if (signed_by(&au->n, r->key)) {
		if ((rc = check_sig(au, r->key, r->origin, e)) != ARM_OK)
			return rc;
	} else {
		/* Perhaps an amendment rotated the log key: decided after the replay. */
		r->deferred = true;
	}
	if (au->c.size == 0)
		return arm_err_set(e, ARM_ENOTFOUND,
		                   "the log is empty: no agreement to audit against");
	return ARM_OK;
}

/*
 * 3. Rollback, and nothing new: against the last checkpoint verified.
 * Nothing new sets au->unchanged, which ends the round there.
 */
static int
round_rollback(struct cli_audit *au, const struct round *r, struct arm_err *e)
{
	char hx[2 * HASH_SIZE + 1], hy[2 * HASH_SIZE + 1];
	int rc;

	if (!au->have_last || r->deferred)
		return ARM_OK;
	if ((au->c.size < au->lastc.size || (au->c.size == au->lastc.size &&
	                                     memcmp(au->c.root, au->lastc.root, HASH_SIZE) != 0)) &&
	    (rc = entry0_changed(au, e)) != ARM_OK)
		return rc;
	if (au->c.size < au->lastc.size)
		return arm_err_set(e, ARM_ECONFLICT,
		                   "rollback: the log shows size %" PRIu64
		                   ", smaller than the %" PRIu64
		                   " verified before (state %s/checkpoint)",
		                   au->c.size, au->lastc.size, au->logdir);
	if (au->c.size == au->lastc.size && memcmp(au->c.root, au->lastc.root, HASH_SIZE) != 0) {
		hash_hex(hx, au->c.root);
		hash_hex(hy, au->lastc.root);
		return arm_err_set(e, ARM_ECONFLICT,
		                   "split view: the log shows root %s at size %" PRIu64
		                   ", and showed root %s at that size before",
		                   hx, au->c.size, hy);
	}
	if (au->c.size == au->nleaves && au->ck.len == au->last.len &&
	    memcmp(au->ck.data, au->last.data, au->ck.len) == 0)
		au->unchanged = true;
	return ARM_OK;
}

/*
 * Room for one more bundle: the round's array and the ones kept for the
 * cache grow together, doubling.
 */
static int
round_grow(struct cli_audit *au, struct round *r, struct arm_err *e)
{
	size_t nc = r->bcap ? 2 * r->bcap : 4;
	void *p1 = realloc(r->bundles, nc * sizeof(*r->bundles));
	if (p1 != NULL)
		r->bundles = p1;
	void *p2 = p1 ? realloc(au->keep, nc * sizeof(*au->keep)) : NULL;
	if (p2 != NULL)
		au->keep = p2;
	void *p3 = p2 ? realloc(au->keep_idx, nc * sizeof(*au->keep_idx)) : NULL;
	if (p3 == NULL)
		return arm_err_set(e, ARM_ENOMEM, "out of memory for %zu entry bundles", nc);
	au->keep_idx = p3;
	r->bcap = nc;
	return ARM_OK;
}

/*
 * The leaves of bundle b: those seen before must hash the same (else a
 * split view), the new ones are recorded, and entry 0 must be the one
 * served at /entry/0 when that named the key.
 */
static int
round_leaves(struct cli_audit *au, const struct round *r, uint64_t b,
             const struct bundle_entry *ents, unsigned width, struct arm_err *e)
{
	uint64_t idx;
	unsigned i;

	for (i = 0; i < width; i++) {
		uint8_t h[HASH_SIZE];
		idx = b * TILE_WIDTH + i;
		hash_leaf(h, ents[i].data, ents[i].len);
		if (idx < au->nleaves) {
			if (memcmp(h, au->leaves[idx], HASH_SIZE) != 0)
				return arm_err_set(e, ARM_ECONFLICT,
				                   "split view: entry %" PRIu64
				                   " differs from the entry "
				                   "seen at that index before",
				                   idx);
			continue;
		}
		memcpy(au->leaves[idx], h, HASH_SIZE);
		if (idx == 0 && r->have_cand && memcmp(h, r->e0leaf, HASH_SIZE) != 0)
			return arm_err_set(e, ARM_EVERIFY,
			                   "entry 0 served at /entry/0 is not entry 0 of the tree");
	}
	return ARM_OK;
}

/* Fetch bundle b, keep it for the cache when full and new, check its leaves. */
static int
round_bundle(struct cli_audit *au, struct round *r, uint64_t b, struct arm_err *e)
{
	struct bundle_entry ents[256];
	struct buf *bb;
	struct tile t;
	bool cached;
	uint64_t upto = (b + 1) * TILE_WIDTH < au->c.size ? (b + 1) * TILE_WIDTH : au->c.size;
	int rc;

	if (b - r->first_b == r->bcap && (rc = round_grow(au, r, e)) != ARM_OK)
		return rc;
	if ((rc = grow_leaves(au, upto, e)) != ARM_OK)
		return rc;
	bb = &r->bundles[b - r->first_b];
	buf_init(bb, 256u * (BUNDLE_ENTRY_MAX + 2));
	r->nbund++;
	if (!tile_for_size(TILE_LEVEL_ENTRIES, b, au->c.size, &t))
		return arm_err_set(e, ARM_EUSAGE, "no entry bundle %" PRIu64, b);
	if ((rc = bundle_get(au, &t, bb, &cached, e)) != ARM_OK) {
		if (r->deferred) {
			arm_err_prefix(e,
			               "checkpoint: no signature by the log key %s+%08x, and the "
			               "entries that could show an amendment changing it cannot be "
			               "read",
			               r->key->name, (unsigned)r->key->key_id);
			rc = bad(e);
		}
		return rc;
	}
	if ((rc = bundle_parse(bb->data, bb->len, t.width, ents, e)) != ARM_OK) {
		arm_err_prefix(e, "entry bundle %" PRIu64, b);
		return bad(e);
	}
	if (!cached)
		au->bundles++;
	if (!cached && au->cache && t.width == TILE_WIDTH) {
		au->keep[au->nkeep] = *bb;
		au->keep_idx[au->nkeep++] = b;
		buf_init(bb, 0);
		bb = &au->keep[au->nkeep - 1];
		if ((rc = bundle_parse(bb->data, bb->len, t.width, ents, e)) != ARM_OK)
			return rc;
	}
	return round_leaves(au, r, b, ents, t.width, e);
}

/* 4. The entries: what is new, and the partial bundle again. */
static int
round_fetch(struct cli_audit *au, struct round *r, struct arm_err *e)
{
	uint64_t b;
	int rc;

	if (au->c.size < au->nleaves)
		return arm_err_set(e, ARM_ECONFLICT,
		                   "rollback: the log shows size %" PRIu64
		                   ", smaller than the %" PRIu64 " entries seen before",
		                   au->c.size, au->nleaves);
	r->first_b = au->nleaves / TILE_WIDTH;
	r->nb = (au->c.size + TILE_WIDTH - 1) / TILE_WIDTH;
	keep_release(au);
	/*
	 * Memory grows bundle by bundle, never from the size alone: a size
	 * that no bundles back ends at the first one missing, not in a huge
	 * allocation.
	 */
	for (b = r->first_b; b < r->nb; b++)
		if ((rc = round_bundle(au, r, b, e)) != ARM_OK)
			return rc;
	return ARM_OK;
}

/*
 * The root, before anything in the entries is believed; then the tiles,
 * the last checkpoint as a prefix when the leaves were rebuilt here, and
 * the --since checkpoint read for step 5.
 */
static int
round_root(struct cli_audit *au, struct round *r, struct arm_err *e)
{
	uint8_t root[HASH_SIZE];
	char hx[2 * HASH_SIZE + 1], hy[2 * HASH_SIZE + 1];
	struct merkle_mem mm;
	struct merkle_src src;
	int rc;

	merkle_mem_src(&mm, (const uint8_t(*)[HASH_SIZE])au->leaves, au->c.size, &src);
	if ((rc = merkle_root(&src, au->c.size, root, e)) != ARM_OK)
		return rc;
	if (memcmp(root, au->c.root, HASH_SIZE) != 0) {
		hash_hex(hx, root);
		hash_hex(hy, au->c.root);
		return arm_err_set(
		    e, r->old == 0 || r->deferred ? ARM_EVERIFY : ARM_ECONFLICT,
		    "the %" PRIu64 " entries hash to root %s, the checkpoint says %s%s", au->c.size,
		    hx, hy,
		    r->old > 0 ? " (split view: the entries seen before do not lead to it)" : "");
	}
	if ((rc = check_tiles(au, r->old, e)) != ARM_OK)
		return rc;
	au->nleaves = au->c.size;
	if (!au->rp_open && !r->deferred) {
		/* The leaves were rebuilt here: the last checkpoint must be a prefix. */
		if (au->have_last &&
		    (rc = consistent(au, au->last.data, au->last.len, &au->pinned.log_key,
		                     "the last checkpoint verified", e)) != ARM_OK)
			return rc;
	}
	if (au->since != NULL && !au->rp_open) {
		if ((rc = cli_read_file(au->since, &r->prev, e)) != ARM_OK)
			return rc;
	}
	return ARM_OK;
}

/*
 * Entry 0 was applied: its agreement must be the pinned one. Keep its id
 * (the pinned roots name it) and a description (name, parties) for reports.
 */
static int
round_entry0(struct cli_audit *au, struct arm_err *e)
{
	const struct agreement *a = engine_agreement(au->rp.eng);
	uint8_t pin[HASH_SIZE];
	size_t parties[64], np, k, n;

	if (pin_known(au, pin) && memcmp(a->id, pin, HASH_SIZE) != 0) {
		pin_mismatch(au, a->id, a, e);
		return ARM_EVERIFY;
	}
	memcpy(au->a0_id, a->id, HASH_SIZE);
	n = (size_t)snprintf(au->a0_desc, sizeof(au->a0_desc), "'%s'", a->name);
	np = agreement_parties(a, parties, ARM_ARRAY_LEN(parties));
	for (k = 0; k < np && n < sizeof(au->a0_desc); k++)
		n += (size_t)snprintf(au->a0_desc + n, sizeof(au->a0_desc) - n, "%s%s",
		                      k ? ", " : "; signed by ", a->actors[parties[k]].id);
	au->have_a0 = true;
	return ARM_OK;
}

/* Apply the entries of bundle b not applied yet to the replay. */
static int
round_apply(struct cli_audit *au, const struct round *r, uint64_t b, struct arm_err *e)
{
	struct bundle_entry ents[256];
	const uint8_t *eptr[256];
	size_t elen[256], nck;
	struct buf *bb = &r->bundles[b - r->first_b];
	struct tile t;
	uint64_t idx;
	size_t kk;
	unsigned i;
	int rc;

	for (kk = 0; kk < au->nkeep; kk++)
		if (au->keep_idx[kk] == b)
			bb = &au->keep[kk];
	if (b < r->first_b)
		/* Cannot happen: entries are applied as soon as they are verified. */
		return arm_err_set(e, ARM_EUSAGE, "replay behind the fetched bundles");
	(void)tile_for_size(TILE_LEVEL_ENTRIES, b, au->c.size, &t);
	if ((rc = bundle_parse(bb->data, bb->len, t.width, ents, e)) != ARM_OK)
		return rc;
	/* The bundle's signatures on every core; the rules in order below. */
	for (i = 0, nck = 0; i < t.width; i++)
		if (b * TILE_WIDTH + i >= au->applied) {
			eptr[nck] = ents[i].data;
			elen[nck++] = ents[i].len;
		}
	if ((rc = cli_replay_precheck(&au->rp, eptr, elen, nck, e)) != ARM_OK)
		return rc;
	sigmemo_use(&au->rp.sb.memo);
	for (i = 0; i < t.width && rc == ARM_OK; i++) {
		idx = b * TILE_WIDTH + i;
		if (idx < au->applied)
			continue;
		zone_prepare(au, ents[i].data, ents[i].len);
		if ((rc = cli_replay_apply(&au->rp, idx, ents[i].data, ents[i].len, e)) != ARM_OK) {
			arm_err_prefix(e, "rule break: replay of entry %" PRIu64, idx);
			rc = bad(e);
			au->broken = true;
			break;
		}
		au->applied = idx + 1;
		au->broken = true; /* until the round passes */
		if (idx == 0)
			rc = round_entry0(au, e);
	}
	sigmemo_use(NULL); /* before the bundle it points into goes */
	sigbatch_clear(&au->rp.sb);
	return rc;
}

/* 5. The rules, entry 0 checked against the pin first. */
static int
round_replay(struct cli_audit *au, const struct round *r, struct arm_err *e)
{
	uint64_t b;
	int rc;

	if (!au->rp_open) {
		if ((rc = cli_replay_init(&au->rp, au->zones, ENGINE_NO_TIME, true, e)) != ARM_OK)
			return rc;
		au->rp_open = true;
		au->rp.fetch = zone_fetch;
		au->rp.fetch_ctx = au;
		au->applied = 0;
	}
	for (b = au->applied / TILE_WIDTH; b < r->nb; b++)
		if ((rc = round_apply(au, r, b, e)) != ARM_OK)
			return rc;
	return ARM_OK;
}

/*
 * The signature again with the key in force (an amendment may rotate it),
 * then the last checkpoint and the --since one as prefixes of this tree.
 */
static int
round_key_in_force(struct cli_audit *au, const struct round *r, const struct agreement *inforce,
                   struct arm_err *e)
{
	uint8_t pin[HASH_SIZE];
	int rc;

	if (r->deferred || !signed_by(&au->n, &inforce->log.key)) {
		if (!signed_by(&au->n, &inforce->log.key)) {
			if (pin_known(au, pin) && au->have_a0 &&
			    memcmp(au->a0_id, pin, HASH_SIZE) != 0) {
				pin_mismatch(au, au->a0_id, inforce, e);
				return ARM_EVERIFY;
			}
			return arm_err_set(
			    e, ARM_EVERIFY,
			    "checkpoint: signature invalid: no signature by the log key %s+%08x "
			    "that the agreement in force names%s",
			    inforce->log.key.name, (unsigned)inforce->log.key.key_id,
			    au->have_pinned ? " (and none by the pinned key)" : "");
		}
	}
	if ((rc = check_sig(au, &inforce->log.key, inforce->log.origin, e)) != ARM_OK)
		return rc;
	if (au->have_last && r->deferred &&
	    (rc = consistent(au, au->last.data, au->last.len, &au->pinned.log_key,
	                     "the last checkpoint verified", e)) != ARM_OK)
		return rc;
	if (r->prev.len > 0) {
		const struct note_verifier *k = &inforce->log.key;
		struct note tmpn = {0};
		if (note_parse(&tmpn, r->prev.data, r->prev.len, NOTE_MAX_SIZE, NULL) == ARM_OK &&
		    !signed_by(&tmpn, k) && au->have_pinned)
			k = &au->pinned.log_key;
		note_release(&tmpn);
		if ((rc = consistent(au, r->prev.data, r->prev.len, k, au->since, e)) != ARM_OK)
			return rc;
	}
	return ARM_OK;
}

/*
 * 7. The roots: changed only by an amendment (au->amended, described in
 * au->amend_note); another entry 0 is a pin mismatch.
 */
static int
round_roots(struct cli_audit *au, const struct agreement *inforce, struct arm_err *e)
{
	struct trust_roots seen;
	struct buf d = BUF_INIT(4096);
	int rc;

	if (!au->have_pinned) {
		au->first_visit = true;
		return ARM_OK;
	}
	seen = au->pinned;
	if ((rc = trust_from_agreement(&seen, inforce, inforce, au->c.size, e)) != ARM_OK) {
		buf_release(&d);
		return rc;
	}
	memcpy(seen.agreement, au->a0_id, HASH_SIZE);
	if (trust_diff(&au->pinned, &seen, &d) > 0) {
		if (memcmp(seen.agreement, au->pinned.agreement, HASH_SIZE) != 0) {
			buf_release(&d);
			pin_mismatch(au, au->a0_id, inforce, e);
			return ARM_EVERIFY;
		}
		/* Same entry 0, a consistent tree: only amendments can do this. */
		au->amended = true;
		snprintf(au->amend_note, sizeof(au->amend_note), "%.*s", (int)d.len,
		         (const char *)d.data);
	}
	buf_release(&d);
	return ARM_OK;
}

int
cli_audit_round(struct cli_audit *au, struct arm_err *e)
{
	struct round r = {.e0 = BUF_INIT(BUNDLE_ENTRY_MAX), .prev = BUF_INIT(NOTE_MAX_SIZE)};
	const struct agreement *inforce;
	uint64_t b;
	int rc;

	r.old = au->nleaves;
	agreement_init(&r.cand);
	if (au->broken)
		return arm_err_set(e, ARM_EUSAGE,
		                   "an earlier round failed after changing the replay");
	au->bundles = au->tiles = 0;
	au->unchanged = au->amended = au->first_visit = false;
	au->amend_note[0] = '\0';
	au->prev_size = au->have_last ? au->lastc.size : 0;
	if ((rc = open_last(au, e)) != ARM_OK)
		goto out;
	au->prev_size = au->have_last ? au->lastc.size : 0;

	if ((rc = round_parse(au, e)) != ARM_OK || (rc = round_signature(au, &r, e)) != ARM_OK ||
	    (rc = round_rollback(au, &r, e)) != ARM_OK || au->unchanged)
		goto out;
	if ((rc = round_fetch(au, &r, e)) != ARM_OK || (rc = round_root(au, &r, e)) != ARM_OK ||
	    (rc = round_replay(au, &r, e)) != ARM_OK)
		goto out;
	/* Every new full bundle is kept: a restart fetches only what is new. */
	inforce = engine_agreement(au->rp.eng);
	if ((rc = round_key_in_force(au, &r, inforce, e)) != ARM_OK)
		goto out;

	/* 6. The witness quorum of the agreement in force, and the log clock against it. */
	if ((rc = quorum(au, inforce, e)) != ARM_OK)
		goto out;
	if ((rc = clock_bound(au, inforce, e)) != ARM_OK)
		goto out;

	if ((rc = round_roots(au, inforce, e)) != ARM_OK)
		goto out;
	rc = ARM_OK;
	au->broken = false;
out:
	if (rc != ARM_OK && e != NULL && e->rc == ARM_OK)
		e->rc = rc;
	for (b = 0; b < r.nbund; b++)
		buf_release(&r.bundles[b]);
	free(r.bundles);
	if (r.have_cand)
		agreement_release(&r.cand);
	if (rc != ARM_OK && r.old < au->nleaves)
		au->nleaves = r.old;
	buf_release(&r.e0);
	buf_release(&r.prev);
	return rc;
}

static int
save_bundles(struct cli_audit *au, struct arm_err *e)
{
	char dir[4200], name[64];
	size_t i;

	snprintf(dir, sizeof(dir), "%s/bundles", au->logdir);
	ARM_TRY(trust_mkdirs(dir, e));
	for (i = 0; i < au->nkeep; i++) {
		snprintf(name, sizeof(name), "%" PRIu64, au->keep_idx[i]);
		ARM_TRY(witness_write_atomic(dir, name, au->keep[i].data, au->keep[i].len, e));
	}
	keep_release(au);
	return ARM_OK;
}

int
cli_audit_scan(struct cli_audit *au, uint64_t from, uint64_t to,
               int (*fn)(void *ctx, uint64_t index, const uint8_t *entry, size_t len,
                         struct arm_err *e),
               void *ctx, struct arm_err *e)
{
	struct buf bb = BUF_INIT(256u * (BUNDLE_ENTRY_MAX + 2));
	struct bundle_entry ents[256];
	struct tile t;
	uint64_t b, idx;
	unsigned i;
	bool cached;
	int rc = ARM_OK;

	if (to > au->nleaves || from > to)
		return arm_err_set(e, ARM_EUSAGE,
		                   "entries %" PRIu64 "..%" PRIu64 ": the audit verified %" PRIu64,
		                   from, to, au->nleaves);
	for (b = from / TILE_WIDTH; rc == ARM_OK && b * TILE_WIDTH < to; b++) {
		if (!tile_for_size(TILE_LEVEL_ENTRIES, b, au->nleaves, &t)) {
			rc = arm_err_set(e, ARM_EUSAGE, "no entry bundle %" PRIu64, b);
			break;
		}
		buf_reset(&bb);
		if ((rc = bundle_get(au, &t, &bb, &cached, e)) != ARM_OK)
			break;
		if ((rc = bundle_parse(bb.data, bb.len, t.width, ents, e)) != ARM_OK) {
			arm_err_prefix(e, "entry bundle %" PRIu64, b);
			rc = bad(e);
			break;
		}
		for (i = 0; rc == ARM_OK && i < t.width; i++) {
			uint8_t h[HASH_SIZE];
			idx = b * TILE_WIDTH + i;
			if (idx < from || idx >= to)
				continue;
			/* Only what the round verified: the same bytes, by their leaf hash. */
			hash_leaf(h, ents[i].data, ents[i].len);
			if (memcmp(h, au->leaves[idx], HASH_SIZE) != 0) {
				rc = arm_err_set(
				    e, ARM_ECONFLICT,
				    "split view: entry %" PRIu64
				    " served now differs from the one the audit verified",
				    idx);
				break;
			}
			zone_prepare(au, ents[i].data, ents[i].len);
			rc = fn(ctx, idx, ents[i].data, ents[i].len, e);
		}
	}
	buf_release(&bb);
	return rc;
}

int
cli_audit_save(struct cli_audit *au, int64_t now, struct arm_err *e)
{
	struct trust_roots r;

	if (au->unchanged)
		return ARM_OK;
	if (au->have_pinned) {
		r = au->pinned;
	} else {
		memset(&r, 0, sizeof(r));
		snprintf(r.url, sizeof(r.url), "%s", au->base);
		r.pinned = now;
	}
	ARM_TRY(trust_from_agreement(&r, engine_agreement(au->rp.eng), engine_agreement(au->rp.eng),
	                             au->c.size, e));
	memcpy(r.agreement, au->a0_id, HASH_SIZE);
	ARM_TRY(trust_save(au->logdir, &r, e));
	ARM_TRY(witness_write_atomic(au->logdir, "checkpoint", au->ck.data, au->ck.len, e));
	if (au->cache)
		ARM_TRY(save_bundles(au, e));
	au->pinned = r;
	au->have_pinned = true;
	buf_reset(&au->last);
	ARM_TRY(buf_append(&au->last, au->ck.data, au->ck.len, e));
	au->have_last = true;
	au->lastc = au->c;
	return ARM_OK;
}

void
cli_audit_print_pinned(const struct cli_audit *au, FILE *f)
{
	const struct trust_roots *r = &au->pinned;
	char hx[2 * HASH_SIZE + 1];
	struct buf k = BUF_INIT(1024);
	size_t i;

	hash_hex(hx, r->agreement);
	fprintf(f, "armistice: FIRST VISIT to %s: pinned (trust on first use%s%s):\n", au->base,
	        au->pin_set ? "; agreement given by " : "", au->pin_set ? au->pin_what : "");
	fprintf(f, "  agreement  %s  (entry 0, %s)\n", hx, au->a0_desc);
	if (note_verifier_format(&r->log_key, &k, NULL) == ARM_OK)
		fprintf(f, "  log        %s\n  log key    %.*s\n", r->origin, (int)k.len,
		        (const char *)k.data);
	for (i = 0; i < r->nwitnesses; i++) {
		buf_reset(&k);
		if (note_verifier_format(&r->witnesses[i].key, &k, NULL) == ARM_OK)
			fprintf(f, "  witness    %-10s %.*s\n", r->witnesses[i].id, (int)k.len,
			        (const char *)k.data);
	}
	for (i = 0; i < r->ngroups; i++)
		fprintf(f, "  group      %-10s %s\n", r->groups[i].id, r->groups[i].spec);
	fprintf(f, "  quorum     %s\n", r->quorum);
	fprintf(f,
	        "Check the agreement id with a party out of band (sha256sum of the agreement\n"
	        "YAML they signed) before relying on this audit. Later runs refuse any other\n"
	        "agreement, log key or witness set at this URL unless an amendment signed by\n"
	        "the parties changes it. The record: %s/trust\n",
	        au->logdir);
	buf_release(&k);
}
