/*
 * store_tile.c - reading one tile of the tlog-tiles layout from any store
 * (store.h store_read_tile()): the file itself, or, for a partial tile
 * that was never written or was collected, the same bytes cut from the
 * full tile or a wider partial one. Tiles only grow (tlog-tiles v0.1.0:
 * a narrower partial tile is a prefix of any wider version, and clients
 * may fetch the full tile instead), so the cut is the narrower tile.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "armistice/store.h"
#include "armistice/hash.h"
#include "armistice/tiles.h"
#include "armistice/common.h"

int
store_partial_dir(int level, uint64_t n, char out[TILE_PATH_MAX], struct arm_err *e)
{
	struct tile t = {level, n, 1};
	char *slash;

	ARM_TRY(tile_path(&t, out, TILE_PATH_MAX, e));
	slash = strrchr(out, '/');
	*slash = '\0'; /* drop "/1" */
	return ARM_OK;
}

struct wider {
	unsigned want, best;
};

/* The narrowest partial width above want among the names listed. */
static int
wider_cb(void *ctx, const char *name)
{
	struct wider *w = ctx;
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(name, &end, 10);
	if (errno == 0 && *end == '\0' && name[0] != '0' && v > w->want && v < 256 &&
	    (w->best == 0 || v < w->best))
		w->best = (unsigned)v;
	return 0;
}

/* Keeps the first w entries of a bundle (or w hashes of a hash tile). */
static int
trim_tile(const struct tile *t, size_t start, struct buf *out, struct arm_err *e)
{
	size_t off = start;
	unsigned i;

	if (t->level != TILE_LEVEL_ENTRIES) {
		if (out->len - start < (size_t)t->width * HASH_SIZE)
			return arm_err_set(e, ARM_EVERIFY,
			                   "tile %d/%" PRIu64 " is shorter than %u hashes",
			                   t->level, t->n, t->width);
		out->len = start + (size_t)t->width * HASH_SIZE;
		return ARM_OK;
	}
	for (i = 0; i < t->width; i++) {
		if (out->len - off < 2)
			return arm_err_set(e, ARM_ESYNTAX,
			                   "entry bundle %" PRIu64 " ends inside entry %u", t->n,
			                   i);
		off += 2 + ((size_t)out->data[off] << 8 | out->data[off + 1]);
		if (off > out->len)
			return arm_err_set(e, ARM_ESYNTAX,
			                   "entry bundle %" PRIu64 " ends inside entry %u", t->n,
			                   i);
	}
	out->len = off;
	return ARM_OK;
}

int
store_read_tile(struct store *s, const struct tile *t, struct buf *out, struct arm_err *e)
{
	char p[TILE_PATH_MAX], dir[TILE_PATH_MAX];
	struct tile full = *t;
	struct wider w = {t->width, 0};
	size_t start = out->len;
	int rc;

	ARM_TRY(tile_path(t, p, sizeof(p), e));
	rc = s->ops->read(s, p, out, e);
	if (rc != ARM_ENOTFOUND || t->width >= TILE_WIDTH)
		return rc;
	out->len = start;
	full.width = TILE_WIDTH;
	ARM_TRY(tile_path(&full, dir, sizeof(dir), e));
	rc = s->ops->read(s, dir, out, e);
	if (rc == ARM_ENOTFOUND) {
		out->len = start;
		ARM_TRY(store_partial_dir(t->level, t->n, dir, e));
		ARM_TRY(s->ops->list(s, dir, wider_cb, &w, e));
		if (w.best == 0)
			return arm_err_set(e, ARM_ENOTFOUND, "'%s' is missing", p);
		full.width = w.best;
		ARM_TRY(tile_path(&full, dir, sizeof(dir), e));
		rc = s->ops->read(s, dir, out, e);
	}
	if (rc != ARM_OK)
		return rc;
	return trim_tile(t, start, out, e);
}
