/*
 * store_follow.c - a read-only store that serves only what it verified
 * (store_follow.h): the incremental form of log_verify()'s audit, kept
 * between polls, and the reads that check bytes against it.
 *
 * The verified state is the right edge of the tree (merkle_edge) plus, per
 * hash level, the hashes of the tile being filled (what log_verify() keeps
 * while it walks the log), so a poll costs the new entries only: each new
 * entry is hashed from its bundle, pushed up the levels, and every tile it
 * completes or extends is compared with the stored tile (tlog-tiles
 * v0.1.0: a tile's hashes are the tree's nodes at that level).
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "armistice/store_follow.h"
#include "armistice/bundle.h"
#include "armistice/ckpt.h"
#include "armistice/hash.h"
#include "armistice/merkle.h"
#include "armistice/tiles.h"
#include "armistice/common.h"

#define FOLLOW_LEVELS 64
#define COL_BUNDLES 0 /* column 0: entry bundles; 1 + L: hash level L */
#define NCOLS (FOLLOW_LEVELS + 1)
#define NOTE_MAX (64u * 1024) /* as the log reads a checkpoint note */

/* SHA-256 of each verified full tile of one column, by tile index. */
struct digests {
	uint8_t (*d)[HASH_SIZE];
	size_t n, cap;
};

/* What a poll verifies and then swaps in whole. */
struct fstate {
	uint64_t size;
	uint8_t root[HASH_SIZE];
	struct merkle_edge edge;
	uint8_t cur[FOLLOW_LEVELS][TILE_WIDTH][HASH_SIZE]; /* the tile being filled */
	unsigned cnt[FOLLOW_LEVELS];
	uint64_t tn[FOLLOW_LEVELS];
	struct buf part[NCOLS];    /* the partial tile of each column at size */
	struct digests add[NCOLS]; /* full tiles verified by this poll (scratch only) */
};

struct follow {
	struct store *under, *audit;
	struct note_verifier key;
	char origin[CKPT_ORIGIN_MAX + 1];
	pthread_rwlock_t lk; /* st, dig, note */
	pthread_mutex_t pollmu;
	struct fstate *st, *scratch;
	struct digests dig[NCOLS];
	struct buf note;
	struct buf bb, tb; /* poll buffers (pollmu) */
	struct bundle_entry ent[TILE_WIDTH];
};

static const struct store_ops follow_ops;

static struct follow *
fo(struct store *s)
{
	return s->impl;
}

bool
store_is_follow(const struct store *s)
{
	return s != NULL && s->ops == &follow_ops;
}

static int
dig_push(struct digests *d, const uint8_t h[HASH_SIZE], struct arm_err *e)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		void *p = realloc(d->d, cap * sizeof(*d->d));
		if (p == NULL)
			return arm_err_set(e, ARM_ENOMEM, "out of memory following the log");
		d->d = p;
		d->cap = cap;
	}
	memcpy(d->d[d->n++], h, HASH_SIZE);
	return ARM_OK;
}

static void
fstate_init(struct fstate *f)
{
	size_t i;

	memset(f, 0, sizeof(*f));
	merkle_edge_init(&f->edge);
	hash_sha256(f->root, "", 0); /* the empty tree (tlog-checkpoint §1.2) */
	for (i = 0; i < NCOLS; i++)
		buf_init(&f->part[i], SIZE_MAX);
}

/* Copies the verified part of src into dst (buffers reused). */
static int
fstate_copy(struct fstate *dst, const struct fstate *src, struct arm_err *e)
{
	size_t i;

	dst->size = src->size;
	memcpy(dst->root, src->root, HASH_SIZE);
	dst->edge = src->edge;
	memcpy(dst->cur, src->cur, sizeof(src->cur));
	memcpy(dst->cnt, src->cnt, sizeof(src->cnt));
	memcpy(dst->tn, src->tn, sizeof(src->tn));
	for (i = 0; i < NCOLS; i++) {
		buf_reset(&dst->part[i]);
		ARM_TRY(buf_append(&dst->part[i], src->part[i].data, src->part[i].len, e));
		dst->add[i].n = 0;
	}
	return ARM_OK;
}

static void
fstate_free(struct fstate *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < NCOLS; i++) {
		buf_release(&f->part[i]);
		free(f->add[i].d);
	}
	free(f);
}

/*
 * Reads the tile at (level, n) as it stands in a tree of size into out:
 * its partial file, or the same bytes cut from a wider version when the
 * sequencer has moved on and replaced it (store_read_tile()).
 */
static int
read_exact(struct follow *f, int level, uint64_t n, uint64_t size, struct tile *t, struct buf *out,
           struct arm_err *e)
{
	if (!tile_for_size(level, n, size, t))
		return arm_err_set(e, ARM_EUSAGE, "no tile %d/%" PRIu64 " at size %" PRIu64, level,
		                   n, size);
	buf_reset(out);
	return store_read_tile(f->audit, t, out, e);
}

/* Compares the stored tile (level, n) of width w with the computed hashes. */
static int
check_tile(struct follow *f, struct fstate *x, int level, uint64_t size, struct arm_err *e)
{
	struct tile t;
	char path[TILE_PATH_MAX];
	unsigned w = x->cnt[level];

	ARM_TRY(read_exact(f, level, x->tn[level], size, &t, &f->tb, e));
	if (tile_path(&t, path, sizeof(path), NULL) != ARM_OK)
		path[0] = '\0';
	if (t.width != w || f->tb.len != (size_t)w * HASH_SIZE ||
	    memcmp(f->tb.data, x->cur[level], f->tb.len) != 0)
		return arm_err_set(
		    e, ARM_EVERIFY,
		    "tile '%s' does not match the entries of the tree of size %" PRIu64, path,
		    size);
	return ARM_OK;
}

/* MTH of one full tile's 256 hashes (RFC 9162 §2.1.1). */
static void
tile_mth(uint8_t (*h)[HASH_SIZE], uint8_t out[HASH_SIZE])
{
	uint8_t a[TILE_WIDTH / 2][HASH_SIZE];
	unsigned n, i;

	for (i = 0; i < TILE_WIDTH / 2; i++)
		hash_node(a[i], h[2 * i], h[2 * i + 1]);
	for (n = TILE_WIDTH / 2; n > 1; n /= 2)
		for (i = 0; i < n / 2; i++)
			hash_node(a[i], a[2 * i], a[2 * i + 1]);
	memcpy(out, a[0], HASH_SIZE);
}

/* A node hash at level completes a slot; full tiles are checked and carried up. */
static int
push(struct follow *f, struct fstate *x, int level, const uint8_t h[HASH_SIZE], uint64_t size,
     struct arm_err *e)
{
	uint8_t up[HASH_SIZE], d[HASH_SIZE];

	memcpy(x->cur[level][x->cnt[level]++], h, HASH_SIZE);
	if (x->cnt[level] < TILE_WIDTH)
		return ARM_OK;
	ARM_TRY(check_tile(f, x, level, size, e));
	hash_sha256(d, x->cur[level], sizeof(x->cur[level]));
	ARM_TRY(dig_push(&x->add[1 + level], d, e));
	tile_mth(x->cur[level], up);
	x->cnt[level] = 0;
	x->tn[level]++;
	if (level + 1 >= FOLLOW_LEVELS)
		return ARM_OK;
	return push(f, x, level + 1, up, size, e);
}

/* One entry bundle of the tree of size: new entries pushed, old ones compared. */
static int
take_bundle(struct follow *f, struct fstate *x, uint64_t n, uint64_t size, struct arm_err *e)
{
	struct tile t;
	uint8_t h[HASH_SIZE];
	unsigned i;

	ARM_TRY(read_exact(f, TILE_LEVEL_ENTRIES, n, size, &t, &f->bb, e));
	ARM_TRY(bundle_parse(f->bb.data, f->bb.len, t.width, f->ent, e));
	for (i = 0; i < t.width; i++) {
		uint64_t idx = n * TILE_WIDTH + i;
		hash_leaf(h, f->ent[i].data, f->ent[i].len);
		if (idx < x->size) {
			/* Verified before (the old partial bundle): it must not change. */
			if (memcmp(h, x->cur[0][i], HASH_SIZE) != 0)
				return arm_err_set(
				    e, ARM_EVERIFY,
				    "entry %" PRIu64 " changed after it was verified", idx);
			continue;
		}
		merkle_edge_push(&x->edge, h);
		ARM_TRY(push(f, x, 0, h, size, e));
	}
	buf_reset(&x->part[COL_BUNDLES]);
	if (t.width == TILE_WIDTH) {
		hash_sha256(h, f->bb.data, f->bb.len);
		return dig_push(&x->add[COL_BUNDLES], h, e);
	}
	return buf_append(&x->part[COL_BUNDLES], f->bb.data, f->bb.len, e);
}

/* Verifies x (a copy of the verified state) forward to the checkpoint c. */
static int
advance(struct follow *f, struct fstate *x, const struct ckpt *c, struct arm_err *e)
{
	uint64_t n;
	int level;

	for (n = x->size / TILE_WIDTH; n * TILE_WIDTH < c->size; n++)
		ARM_TRY(take_bundle(f, x, n, c->size, e));
	merkle_edge_root(&x->edge, x->root);
	if (memcmp(x->root, c->root, HASH_SIZE) != 0)
		return arm_err_set(e, ARM_EVERIFY,
		                   "the entries of the tree of size %" PRIu64
		                   " do not give its checkpoint's root",
		                   c->size);
	/* The partial tiles at the right edge, kept as verified. */
	for (level = 0; level < FOLLOW_LEVELS; level++) {
		buf_reset(&x->part[1 + level]);
		if (x->cnt[level] == 0)
			continue;
		ARM_TRY(check_tile(f, x, level, c->size, e));
		ARM_TRY(buf_append(&x->part[1 + level], f->tb.data, f->tb.len, e));
	}
	x->size = c->size;
	return ARM_OK;
}

/* Swaps x in as the verified state, with the checkpoint note nb. */
static int
swap_in(struct follow *f, struct fstate *x, const struct buf *nb, struct arm_err *e)
{
	struct fstate *old;
	size_t i, j;
	int rc = ARM_OK;

	pthread_rwlock_wrlock(&f->lk);
	for (i = 0; i < NCOLS && rc == ARM_OK; i++)
		for (j = 0; j < x->add[i].n && rc == ARM_OK; j++)
			rc = dig_push(&f->dig[i], x->add[i].d[j], e);
	buf_reset(&f->note);
	if (rc == ARM_OK)
		rc = buf_append(&f->note, nb->data, nb->len, e);
	if (rc == ARM_OK) {
		old = f->st;
		f->st = x;
		f->scratch = old;
	}
	pthread_rwlock_unlock(&f->lk);
	return rc;
}

int
store_follow_poll(struct store *s, bool *moved, struct arm_err *e)
{
	struct follow *f = fo(s);
	struct buf nb = BUF_INIT(NOTE_MAX);
	struct ckpt c;
	struct note n;
	uint64_t have;
	bool same;
	int rc;

	if (moved != NULL)
		*moved = false;
	pthread_mutex_lock(&f->pollmu);
	if ((rc = f->audit->ops->read(f->audit, "checkpoint", &nb, e)) != ARM_OK)
		goto out;
	if ((rc = ckpt_open(nb.data, nb.len, &f->key, f->origin, &c, &n, e)) != ARM_OK) {
		arm_err_prefix(e, "the log's checkpoint");
		goto out;
	}
	note_release(&n);
	/* Only the poller (pollmu) changes f->st: no rwlock needed to look. */
	have = f->st->size;
	same = f->note.len == nb.len && memcmp(f->note.data, nb.data, nb.len) == 0;
	if (same || (rc = fstate_copy(f->scratch, f->st, e)) != ARM_OK)
		goto out;
	if (c.size < have) {
		rc = arm_err_set(e, ARM_EVERIFY,
		                 "the log's checkpoint went back from size %" PRIu64 " to %" PRIu64
		                 "; still serving %" PRIu64,
		                 have, c.size, have);
		goto out;
	}
	if (c.size == have && memcmp(c.root, f->scratch->root, HASH_SIZE) != 0) {
		rc = arm_err_set(
		    e, ARM_EVERIFY,
		    "the log's checkpoint has another root at the verified size %" PRIu64
		    " (a fork); still serving the verified one",
		    have);
		goto out;
	}
	if (c.size > have && (rc = advance(f, f->scratch, &c, e)) != ARM_OK) {
		if (rc != ARM_ENOTFOUND)
			arm_err_prefix(e, "following to size %" PRIu64 "; still serving %" PRIu64,
			               c.size, have);
		goto out;
	}
	if ((rc = swap_in(f, f->scratch, &nb, e)) == ARM_OK && moved != NULL)
		*moved = true;
out:
	pthread_mutex_unlock(&f->pollmu);
	buf_release(&nb);
	return rc;
}

uint64_t
store_follow_size(struct store *s)
{
	struct follow *f = fo(s);
	uint64_t n;

	pthread_rwlock_rdlock(&f->lk);
	n = f->st->size;
	pthread_rwlock_unlock(&f->lk);
	return n;
}

/* ---- reads (rdlock held by the caller) ---- */

/* Is data[0..len) the verified tile, or a prefix of it (narrower width)? */
static int
check_bytes(struct follow *f, const struct tile *t, const struct tile *have, const uint8_t *data,
            size_t len, const char *path, struct arm_err *e)
{
	size_t col = t->level == TILE_LEVEL_ENTRIES ? COL_BUNDLES : 1 + (size_t)t->level;
	struct buf full = BUF_INIT(SIZE_MAX);
	const struct buf *v;
	uint8_t d[HASH_SIZE];
	char fp[TILE_PATH_MAX];
	int rc = ARM_OK;

	if (have->width < TILE_WIDTH) {
		v = &f->st->part[col];
	} else {
		if (have->n >= f->dig[col].n)
			return arm_err_set(e, ARM_EVERIFY, "'%s' was not verified", path);
		if (t->width == TILE_WIDTH) {
			hash_sha256(d, data, len);
			if (memcmp(d, f->dig[col].d[have->n], HASH_SIZE) != 0)
				return arm_err_set(e, ARM_EVERIFY,
				                   "'%s' in the database is not the tile verified",
				                   path);
			return ARM_OK;
		}
		/* A narrower partial of a full tile: a prefix of the verified full tile. */
		if ((rc = tile_path(have, fp, sizeof(fp), e)) != ARM_OK ||
		    (rc = f->under->ops->read(f->under, fp, &full, e)) != ARM_OK)
			goto out;
		hash_sha256(d, full.data, full.len);
		if (memcmp(d, f->dig[col].d[have->n], HASH_SIZE) != 0) {
			rc = arm_err_set(e, ARM_EVERIFY,
			                 "'%s' in the database is not the tile verified", fp);
			goto out;
		}
		v = &full;
	}
	if (len > v->len || memcmp(data, v->data, len) != 0)
		rc = arm_err_set(e, ARM_EVERIFY, "'%s' in the database is not the tile verified",
		                 path);
out:
	buf_release(&full);
	return rc;
}

static int
fo_read_tile(struct follow *f, const char *path, struct buf *out, struct arm_err *e)
{
	struct tile t, have;
	size_t col, start = out->len;
	int rc;

	ARM_TRY(tile_parse_path(path, strlen(path), &t, e));
	if (!tile_for_size(t.level, t.n, f->st->size, &have) || t.width > have.width)
		return arm_err_set(e, ARM_ENOTFOUND,
		                   "'%s' is not in the verified tree of size %" PRIu64, path,
		                   f->st->size);
	col = t.level == TILE_LEVEL_ENTRIES ? COL_BUNDLES : 1 + (size_t)t.level;
	/* The edge: served from the bytes verified (the sequencer may drop them). */
	if (have.width < TILE_WIDTH && t.width == have.width)
		return buf_append(out, f->st->part[col].data, f->st->part[col].len, e);
	ARM_TRY(f->under->ops->read(f->under, path, out, e));
	rc = check_bytes(f, &t, &have, out->data + start, out->len - start, path, e);
	if (rc != ARM_OK)
		out->len = start;
	return rc;
}

static int
fo_read(struct store *s, const char *path, struct buf *out, struct arm_err *e)
{
	struct follow *f = fo(s);
	int rc;

	pthread_rwlock_rdlock(&f->lk);
	if (strcmp(path, "checkpoint") == 0)
		rc = buf_append(out, f->note.data, f->note.len, e);
	else
		rc = fo_read_tile(f, path, out, e);
	pthread_rwlock_unlock(&f->lk);
	return rc;
}

static int
fo_read_commit(struct store *s, struct buf *out, struct arm_err *e)
{
	return fo_read(s, "checkpoint", out, e);
}

static int
fo_list(struct store *s, const char *dir, store_list_fn fn, void *ctx, struct arm_err *e)
{
	struct follow *f = fo(s);

	/* Names only: whatever is then read goes through fo_read(). */
	return f->under->ops->list(f->under, dir, fn, ctx, e);
}

static int
fo_read_meta(struct store *s, const char *name, struct buf *out, struct arm_err *e)
{
	struct follow *f = fo(s);

	return f->under->ops->read_meta(f->under, name, out, e);
}

static int
fo_refuse(struct arm_err *e)
{
	return arm_err_set(e, ARM_EUSAGE, "a front end that follows the log does not write it");
}

static int
fo_write_batch(struct store *s, const struct store_file *files, size_t n, struct arm_err *e)
{
	(void)s, (void)files, (void)n;
	return fo_refuse(e);
}

static int
fo_remove(struct store *s, const char *const *paths, size_t n, struct arm_err *e)
{
	(void)s, (void)paths, (void)n;
	return fo_refuse(e);
}

static int
fo_write_commit(struct store *s, const uint8_t *d, size_t len, struct arm_err *e)
{
	(void)s, (void)d, (void)len;
	return fo_refuse(e);
}

static int
fo_write_meta(struct store *s, const char *name, const uint8_t *d, size_t len, struct arm_err *e)
{
	(void)s, (void)name, (void)d, (void)len;
	return fo_refuse(e);
}

static int
fo_publish(struct store *s, const uint8_t *d, size_t len, struct arm_err *e)
{
	(void)s, (void)d, (void)len;
	return fo_refuse(e);
}

static int
fo_lock(struct store *s, struct arm_err *e)
{
	(void)s;
	return fo_refuse(e);
}

static void
fo_close(struct store *s)
{
	struct follow *f = fo(s);
	size_t i;

	store_close(f->under);
	store_close(f->audit);
	fstate_free(f->st);
	fstate_free(f->scratch);
	for (i = 0; i < NCOLS; i++)
		free(f->dig[i].d);
	buf_release(&f->note);
	buf_release(&f->bb);
	buf_release(&f->tb);
	pthread_rwlock_destroy(&f->lk);
	pthread_mutex_destroy(&f->pollmu);
	free(f);
	free(s);
}

static const struct store_ops follow_ops = {
    .name = "follow",
    .read = fo_read,
    .write_batch = fo_write_batch,
    .remove = fo_remove,
    .list = fo_list,
    .read_commit = fo_read_commit,
    .write_commit = fo_write_commit,
    .read_meta = fo_read_meta,
    .write_meta = fo_write_meta,
    .commit = NULL,
    .publish = fo_publish,
    .lock = fo_lock,
    .recover = fo_lock,
    .close = fo_close,
};

int
store_follow_open(struct store **out, struct store *under, struct store *audit,
                  const struct note_verifier *key, const char *origin, struct arm_err *e)
{
	struct store *s;
	struct follow *f;
	int rc;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	f = calloc(1, sizeof(*f));
	if (s == NULL || f == NULL || (f->st = malloc(sizeof(*f->st))) == NULL ||
	    (f->scratch = malloc(sizeof(*f->scratch))) == NULL) {
		if (f != NULL) {
			free(f->st);
			free(f);
		}
		free(s);
		store_close(under);
		store_close(audit);
		return arm_err_set(e, ARM_ENOMEM, "out of memory opening a front end's store");
	}
	s->ops = &follow_ops;
	s->impl = f;
	f->under = under;
	f->audit = audit;
	f->key = *key;
	snprintf(f->origin, sizeof(f->origin), "%s", origin);
	pthread_rwlock_init(&f->lk, NULL);
	pthread_mutex_init(&f->pollmu, NULL);
	fstate_init(f->st);
	fstate_init(f->scratch);
	buf_init(&f->note, NOTE_MAX);
	buf_init(&f->bb, SIZE_MAX);
	buf_init(&f->tb, SIZE_MAX);
	/* The first poll verifies from entry 0; a tile replaced meanwhile: again. */
	for (int i = 0; i < 5; i++)
		if ((rc = store_follow_poll(s, NULL, e)) != ARM_ENOTFOUND)
			break;
	if (rc != ARM_OK) {
		store_close(s);
		return rc;
	}
	*out = s;
	return ARM_OK;
}
