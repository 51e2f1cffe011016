/*
 * log_audit.c - log verify: every tile and bundle read back (in large
 * batches, hashed on every core) and checked against the signed
 * checkpoint, the index rebuilt on request.
 */
#include "log_int.h"

/* ---------------------------------------------------------------- */
/* audit                                                             */

/* MTH of 256 hashes: the root of one full tile. */
static void
tile_root(uint8_t (*h)[HASH_SIZE], uint8_t out[HASH_SIZE])
{
	uint8_t a[128][HASH_SIZE], b[64][HASH_SIZE];
	uint8_t(*src)[HASH_SIZE] = a, (*dst)[HASH_SIZE] = b, (*t)[HASH_SIZE];
	unsigned n, i;

	for (i = 0; i < 128; i++)
		hash_node(a[i], h[2 * i], h[2 * i + 1]);
	for (n = 128; n > 1; n /= 2) {
		for (i = 0; i < n / 2; i++)
			hash_node(dst[i], src[2 * i], src[2 * i + 1]);
		t = src;
		src = dst;
		dst = t;
	}
	memcpy(out, src[0], HASH_SIZE);
}

struct audit {
	struct log *l;
	uint64_t size;
	struct buf tb;
	uint8_t (*lvl)[256][HASH_SIZE]; /* per level: the hashes of its current tile */
	unsigned cnt[64];
	uint64_t tn[64]; /* per level: index of the current tile */
	bool bad_tile;   /* first mismatch between entries and tiles */
	char bad_path[TILE_PATH_MAX];
	unsigned bad_i;
	uint64_t bad_entry; /* when at level 0 */
	int bad_level;
	uint64_t tiles;
};

/* Compares the computed hashes of (level, n) at width w with its tile. */
static int
audit_tile(struct audit *a, int level, uint64_t n, unsigned w, struct arm_err *e)
{
	struct tile t;
	char path[TILE_PATH_MAX];
	unsigned i;
	int rc;

	if ((rc = lg_read_tile_at(a->l, level, n, a->size, true, &t, path, &a->tb, e)) != ARM_OK) {
		if (rc == ARM_ENOTFOUND)
			arm_err_set(e, ARM_ENOTFOUND, "log '%s': tile '%s' is missing", a->l->dir,
			            path);
		return rc;
	}
	a->tiles++;
	if (t.width != w)
		return arm_err_set(e, ARM_EVERIFY, "log '%s': tile '%s' has width %u, want %u",
		                   a->l->dir, path, t.width, w);
	if (a->tb.len != (size_t)w * HASH_SIZE)
		return arm_err_set(e, ARM_EVERIFY, "log '%s': tile '%s' is %s: %zu bytes, want %zu",
		                   a->l->dir, path,
		                   a->tb.len < (size_t)w * HASH_SIZE ? "truncated" : "too long",
		                   a->tb.len, (size_t)w * HASH_SIZE);
	if (a->bad_tile)
		return ARM_OK;
	for (i = 0; i < w; i++) {
		if (memcmp(a->tb.data + (size_t)i * HASH_SIZE, a->lvl[level][i], HASH_SIZE) == 0)
			continue;
		a->bad_tile = true;
		snprintf(a->bad_path, sizeof(a->bad_path), "%s", path);
		a->bad_i = i;
		a->bad_level = level;
		a->bad_entry = n * TILE_WIDTH + i;
		break;
	}
	return ARM_OK;
}

/* A hash completes slot cnt[level]; full tiles are checked and carried up. */
static int
audit_push(struct audit *a, int level, const uint8_t h[HASH_SIZE], struct arm_err *e)
{
	uint8_t up[HASH_SIZE];

	memcpy(a->lvl[level][a->cnt[level]++], h, HASH_SIZE);
	if (a->cnt[level] < TILE_WIDTH)
		return ARM_OK;
	ARM_TRY(audit_tile(a, level, a->tn[level], TILE_WIDTH, e));
	tile_root(a->lvl[level], up);
	a->cnt[level] = 0;
	a->tn[level]++;
	if (level + 1 >= 64)
		return ARM_OK;
	return audit_push(a, level + 1, up, e);
}

/* A full level-0 tile whose leaves and root were computed ahead (audit_hash). */
static int
audit_push_tile0(struct audit *a, const uint8_t (*leaves)[HASH_SIZE], const uint8_t root[HASH_SIZE],
                 struct arm_err *e)
{
	memcpy(a->lvl[0], leaves, TILE_WIDTH * HASH_SIZE);
	a->cnt[0] = TILE_WIDTH;
	ARM_TRY(audit_tile(a, 0, a->tn[0], TILE_WIDTH, e));
	a->cnt[0] = 0;
	a->tn[0]++;
	return audit_push(a, 1, root, e);
}

/*
 * The audit reads AUDIT_GROUP bundles, then hashes their leaves and each
 * full bundle's level-0 tile root on every core (parfor.h): the entries
 * are independent, and these hashes are most of an audit's work (issue
 * 12 item 5). What depends on order (the right edge, the tiles above,
 * the checks) stays on this thread, in entry order.
 */
#define AUDIT_GROUP 64

struct audit_bundle {
	struct buf b;
	struct bundle_entry ent[TILE_WIDTH];
	unsigned w;
	char path[TILE_PATH_MAX];
	uint8_t leaves[TILE_WIDTH][HASH_SIZE];
	uint8_t root[HASH_SIZE]; /* of the level-0 tile, when w is TILE_WIDTH */
};

static void
audit_hash(void *ctx, size_t lo, size_t hi, unsigned t)
{
	struct audit_bundle *g = ctx;
	size_t j;
	unsigned i;

	(void)t;
	for (j = lo; j < hi; j++) {
		for (i = 0; i < g[j].w; i++)
			hash_leaf(g[j].leaves[i], g[j].ent[i].data, g[j].ent[i].len);
		if (g[j].w == TILE_WIDTH)
			tile_root(g[j].leaves, g[j].root);
	}
}

/* Reads and parses bundles from n on, up to AUDIT_GROUP; *got of them. */
static int
audit_read(struct log *l, uint64_t n, uint64_t S, struct audit_bundle *g, size_t *got,
           struct arm_err *e)
{
	int rc;

	for (*got = 0; *got < AUDIT_GROUP && (n + *got) * TILE_WIDTH < S; (*got)++) {
		struct audit_bundle *x = &g[*got];
		struct tile t;
		uint64_t k = n + *got;
		if ((rc = lg_read_tile_at(l, TILE_LEVEL_ENTRIES, k, S, true, &t, x->path, &x->b,
		                          e)) != ARM_OK) {
			if (rc == ARM_ENOTFOUND)
				arm_err_set(e, ARM_ENOTFOUND,
				            "log '%s': entry bundle '%s' is missing", l->dir,
				            x->path);
			return rc;
		}
		if ((rc = bundle_parse(x->b.data, x->b.len, t.width, x->ent, e)) != ARM_OK) {
			arm_err_prefix(
			    e, "log '%s': entry bundle '%s' (entries %" PRIu64 "-%" PRIu64 ")",
			    l->dir, x->path, k * TILE_WIDTH, k * TILE_WIDTH + t.width - 1);
			return rc;
		}
		x->w = t.width;
	}
	return ARM_OK;
}

static void
hex8(char out[17], const uint8_t h[HASH_SIZE])
{
	char full[2 * HASH_SIZE + 1];

	hash_hex(full, h);
	memcpy(out, full, 16);
	out[16] = '\0';
}

/*
 * One bundle's leaves (hashed by audit_hash) into the right edge and the
 * tiles, in entry order, with each check whose size falls in it.
 */
static int
audit_bundle_check(struct audit *a, const struct audit_bundle *x, uint64_t n,
                   struct merkle_edge *edge, const uint64_t *checks_at,
                   const uint8_t *const *checks_root, const char *const *checks_what,
                   unsigned nchecks, struct log_verify_report *r, struct arm_err *e)
{
	uint8_t root[HASH_SIZE];
	bool whole = x->w == TILE_WIDTH;
	unsigned i, c;

	r->bundles++;
	/* A check inside the bundle needs the edge leaf by leaf there. */
	for (c = 0; c < nchecks; c++)
		if (checks_at[c] > edge->size && checks_at[c] < edge->size + x->w)
			whole = false;
	for (i = 0; i < (whole ? 1u : x->w); i++) {
		if (whole) {
			merkle_edge_push_subtree(edge, x->root, 8);
			r->entries += TILE_WIDTH;
		} else {
			merkle_edge_push(edge, x->leaves[i]);
			r->entries++;
		}
		for (c = 0; c < nchecks; c++) {
			if (edge->size != checks_at[c])
				continue;
			merkle_edge_root(edge, root);
			if (memcmp(root, checks_root[c], HASH_SIZE) != 0)
				return arm_err_set(
				    e, ARM_EVERIFY,
				    "log '%s' is not consistent with %s: its first %" PRIu64
				    " entries do not give that checkpoint's root",
				    a->l->dir, checks_what[c], checks_at[c]);
		}
	}
	if (x->w == TILE_WIDTH)
		return audit_push_tile0(a, (const uint8_t(*)[HASH_SIZE])x->leaves, x->root, e);
	for (i = 0; i < x->w; i++)
		ARM_TRY(audit_push(a, 0, x->leaves[i], e));
	return audit_tile(a, 0, n, x->w, e);
}

int
log_verify(struct log *l, const struct log_verify_opts *o, struct log_verify_report *r,
           struct arm_err *e)
{
	struct log_verify_opts none = {0};
	const struct note_verifier *key;
	struct buf pubb = BUF_INIT(CKPT_NOTE_MAX), comb = BUF_INIT(CKPT_NOTE_MAX);
	struct audit_bundle *grp = NULL;
	size_t ng = 0, j;
	struct audit a;
	struct merkle_edge *edge = NULL;
	struct ckpt pub = {0}, com = {0}, since = {0}, *target;
	bool have_com = false;
	uint64_t n, S, checks_at[2];
	const uint8_t *checks_root[2];
	const char *checks_what[2];
	unsigned nchecks = 0, lv;
	uint8_t root[HASH_SIZE];
	int rc;

	if (o == NULL)
		o = &none;
	memset(r, 0, sizeof(*r));
	memset(&a, 0, sizeof(a));
	buf_init(&a.tb, SIZE_MAX);
	key = o->key ? o->key : log_vkey(l);
	if (key == NULL)
		return arm_err_set(
		    e, ARM_EUSAGE,
		    "log '%s' has no config naming its key: give the log's public key", l->dir);
	/* 1. Signatures: the public checkpoint, and the commit record if any. */
	if ((rc = l->st->ops->read(l->st, "checkpoint", &pubb, e)) != ARM_OK)
		goto out;
	if ((rc = lg_open_ckpt(l, pubb.data, pubb.len, key, &pub, e)) != ARM_OK) {
		arm_err_prefix(e, "log '%s': checkpoint", l->dir);
		goto out;
	}
	target = &pub;
	rc = l->st->ops->read_commit(l->st, &comb, e);
	if (rc == ARM_OK) {
		if ((rc = lg_open_ckpt(l, comb.data, comb.len, key, &com, e)) != ARM_OK) {
			arm_err_prefix(e, "log '%s': commit record", l->dir);
			goto out;
		}
		have_com = true;
		if (com.size < pub.size) {
			rc = arm_err_set(e, ARM_EVERIFY,
			                 "log '%s': checkpoint (size %" PRIu64
			                 ") is ahead of the commit record (size %" PRIu64 ")",
			                 l->dir, pub.size, com.size);
			goto out;
		}
		target = &com;
	} else if (rc != ARM_ENOTFOUND) {
		goto out;
	}
	rc = ARM_OK;
	S = target->size;
	if (have_com && pub.size < S) {
		checks_at[nchecks] = pub.size;
		checks_root[nchecks] = pub.root;
		checks_what[nchecks++] = "the public checkpoint";
	}
	if (o->since != NULL) {
		if ((rc = lg_open_ckpt(l, o->since, o->since_len, key, &since, e)) != ARM_OK) {
			arm_err_prefix(e, "older checkpoint");
			goto out;
		}
		r->since_size = since.size;
		if (since.size > S) {
			rc = arm_err_set(e, ARM_EVERIFY,
			                 "log '%s' (size %" PRIu64 ") is smaller than the older "
			                 "checkpoint (size %" PRIu64 "): it lost entries",
			                 l->dir, S, since.size);
			goto out;
		}
		checks_at[nchecks] = since.size;
		checks_root[nchecks] = since.root;
		checks_what[nchecks++] = "the older checkpoint";
	}
	/* 2. Every entry hashed, every tile recomputed. */
	a.l = l;
	a.size = S;
	if ((a.lvl = malloc(64 * sizeof(*a.lvl))) == NULL ||
	    (grp = calloc(AUDIT_GROUP, sizeof(*grp))) == NULL ||
	    (edge = malloc(sizeof(*edge))) == NULL) {
		rc = arm_err_set(e, ARM_ENOMEM, "out of memory verifying log '%s'", l->dir);
		goto out;
	}
	for (j = 0; j < AUDIT_GROUP; j++)
		buf_init(&grp[j].b, SIZE_MAX);
	merkle_edge_init(edge);
	for (n = 0; n * TILE_WIDTH < S; n += ng) {
		struct arm_err re = {ARM_OK, ""};
		size_t k;
		/* A read error is reported after the bundles before it are checked. */
		int rrc = audit_read(l, n, S, grp, &ng, &re);
		parfor(ng, 0, audit_hash, grp);
		for (k = 0; k < ng; k++) {
			if ((rc = audit_bundle_check(&a, &grp[k], n + k, edge, checks_at,
			                             checks_root, checks_what, nchecks, r, e)) !=
			    ARM_OK)
				goto out;
			if (o->progress != NULL)
				o->progress(o->progress_ctx, r->entries, S);
		}
		if (rrc != ARM_OK) {
			if (e != NULL)
				*e = re;
			rc = rrc;
			goto out;
		}
	}
	/* The partial tiles above level 0 at the right edge. */
	for (lv = 1; lv < 64; lv++)
		if (a.cnt[lv] > 0 &&
		    (rc = audit_tile(&a, (int)lv, a.tn[lv], a.cnt[lv], e)) != ARM_OK)
			goto out;
	for (n = 0; n < nchecks; n++)
		if (checks_at[n] == 0) {
			uint8_t empty[HASH_SIZE];
			hash_sha256(empty, "", 0);
			if (memcmp(empty, checks_root[n], HASH_SIZE) != 0) {
				rc = arm_err_set(e, ARM_EVERIFY,
				                 "%s has size 0 but not the empty tree's root",
				                 checks_what[n]);
				goto out;
			}
		}
	/* 3. The root, and which side is wrong if it does not match. */
	if (S == 0)
		hash_sha256(root, "", 0);
	else
		merkle_edge_root(edge, root);
	memcpy(r->root, root, HASH_SIZE);
	r->size = S;
	r->tiles = a.tiles;
	if (memcmp(root, target->root, HASH_SIZE) == 0) {
		if (a.bad_tile)
			rc = arm_err_set(
			    e, ARM_EVERIFY,
			    "log '%s': tile '%s' is corrupt: hash %u does not match the "
			    "entries (which do match the signed root)",
			    l->dir, a.bad_path, a.bad_i);
		goto out;
	}
	{
		char want[17], got[17];
		uint8_t troot[HASH_SIZE];
		struct arm_err te;
		hex8(want, target->root);
		hex8(got, root);
		if (a.bad_tile && a.bad_level == 0 && log_root(l, S, troot, &te) == ARM_OK &&
		    memcmp(troot, target->root, HASH_SIZE) == 0) {
			char bpath[TILE_PATH_MAX];
			struct tile t;
			if (!tile_for_size(TILE_LEVEL_ENTRIES, a.bad_entry / TILE_WIDTH, S, &t) ||
			    tile_path(&t, bpath, sizeof(bpath), &te) != ARM_OK)
				snprintf(bpath, sizeof(bpath), "?");
			rc = arm_err_set(
			    e, ARM_EVERIFY,
			    "log '%s': entry %" PRIu64 " in bundle '%s' is corrupt: its "
			    "leaf hash differs from tile '%s', which matches the signed root",
			    l->dir, a.bad_entry, bpath, a.bad_path);
		} else if (a.bad_tile) {
			rc = arm_err_set(
			    e, ARM_EVERIFY,
			    "log '%s': root %s... recomputed from the entries is not the "
			    "signed root %s...; first difference at tile '%s' hash %u",
			    l->dir, got, want, a.bad_path, a.bad_i);
		} else {
			rc = arm_err_set(
			    e, ARM_EVERIFY,
			    "log '%s': root %s... recomputed from the entries and tiles is "
			    "not the signed root %s... of size %" PRIu64,
			    l->dir, got, want, S);
		}
	}
out:
	free(a.lvl);
	for (j = 0; grp != NULL && j < AUDIT_GROUP; j++)
		buf_release(&grp[j].b);
	free(grp);
	free(edge);
	buf_release(&a.tb);
	buf_release(&pubb);
	buf_release(&comb);
	return rc;
}

int
log_reindex(struct log *l, struct arm_err *e)
{
	int rc;

	if (!l->writer || l->idx == NULL)
		return arm_err_set(e, ARM_EUSAGE, "reindexing log '%s' needs the writer lock",
		                   l->dir);
	lg_lock(&l->seq);
	lg_lock(&l->idx_mu);
	rc = logidx_truncate(l->idx, 0, e);
	if (rc == ARM_OK)
		rc = lg_index_catch_up(l, log_size(l), e);
	lg_unlock(&l->idx_mu);
	lg_unlock(&l->seq);
	return rc;
}
