/*
 * log_read.c - reads of a log: sizes and checkpoints, entries by index or
 * by content, roots, consistency and inclusion proofs, receipts with the
 * log clock (logclock.h).
 */
#include "log_int.h"

/* ---------------------------------------------------------------- */
/* reads                                                             */

uint64_t
log_size(struct log *l)
{
	uint64_t s;

	lg_lock(&l->mu);
	s = l->size;
	lg_unlock(&l->mu);
	return s;
}

int
log_refresh(struct log *l, struct arm_err *e)
{
	int rc;

	if (l->writer)
		return arm_err_set(e, ARM_EUSAGE, "log '%s': the writer does not refresh", l->dir);
	lg_lock(&l->mu);
	rc = lg_load_state(l, e);
	lg_unlock(&l->mu);
	return rc;
}

uint64_t
log_published_size(struct log *l)
{
	uint64_t s;

	lg_lock(&l->mu);
	s = l->pub_size;
	lg_unlock(&l->mu);
	return s;
}

const char *
log_origin(const struct log *l)
{
	return l->have_cfg ? l->cfg.origin : NULL;
}

const struct note_verifier *
log_vkey(const struct log *l)
{
	return l->have_cfg ? &l->cfg.vkey : NULL;
}

int
log_commit_checkpoint(struct log *l, struct buf *out, struct arm_err *e)
{
	int rc;

	lg_lock(&l->mu);
	rc = buf_append(out, l->commit.data, l->commit.len, e);
	lg_unlock(&l->mu);
	return rc;
}

int
log_checkpoint(struct log *l, struct buf *out, struct arm_err *e)
{
	return l->st->ops->read(l->st, "checkpoint", out, e);
}

int
log_checkpoint_at(struct log *l, uint64_t size, struct buf *out, struct arm_err *e)
{
	struct buf cur = BUF_INIT(CKPT_NOTE_MAX);
	struct ckpt c;
	int rc;

	/* The current public checkpoint answers without the index. */
	if ((rc = log_checkpoint(l, &cur, e)) == ARM_OK &&
	    lg_parse_ckpt_note(cur.data, cur.len, &c, e) == ARM_OK && c.size == size) {
		rc = buf_append(out, cur.data, cur.len, e);
		buf_release(&cur);
		return rc;
	}
	buf_release(&cur);
	if (l->st->ops->read_checkpoint != NULL)
		return l->st->ops->read_checkpoint(l->st, size, out, e);
	if (l->idx == NULL)
		return arm_err_set(e, ARM_ENOTFOUND,
		                   "log '%s' has no index of earlier checkpoints, and the current "
		                   "one is not of size %" PRIu64,
		                   l->dir, size);
	lg_lock(&l->idx_mu);
	rc = logidx_get_checkpoint(l->idx, size, out, e);
	lg_unlock(&l->idx_mu);
	if (rc == ARM_ENOTFOUND)
		arm_err_set(e, ARM_ENOTFOUND,
		            "log '%s' published no checkpoint of size %" PRIu64
		            " (current size %" PRIu64 ")",
		            l->dir, size, log_published_size(l));
	return rc;
}

int
lg_scan_bundles(struct log *l, uint64_t from, uint64_t to, uint64_t size, log_scan_fn fn, void *ctx,
                struct arm_err *e)
{
	struct buf b = BUF_INIT(SIZE_MAX);
	struct bundle_entry *ent = NULL;
	char path[TILE_PATH_MAX];
	struct tile t;
	uint64_t n;
	int rc = ARM_OK;

	if (from >= to)
		return ARM_OK;
	if ((ent = malloc(256 * sizeof(*ent))) == NULL)
		return arm_err_set(e, ARM_ENOMEM, "out of memory reading bundles");
	for (n = from / TILE_WIDTH; n * TILE_WIDTH < to; n++) {
		uint64_t i;
		if ((rc = lg_read_tile_at(l, TILE_LEVEL_ENTRIES, n, size, false, &t, path, &b,
		                          e)) != ARM_OK)
			break;
		if ((rc = bundle_parse(b.data, b.len, t.width, ent, e)) != ARM_OK) {
			arm_err_prefix(e, "log '%s': entry bundle '%s'", l->dir, path);
			break;
		}
		for (i = 0; i < t.width; i++) {
			uint64_t idx = n * TILE_WIDTH + i;
			if (idx < from || idx >= to)
				continue;
			if ((rc = fn(ctx, idx, ent[i].data, ent[i].len, e)) != ARM_OK)
				goto out;
		}
	}
out:
	free(ent);
	buf_release(&b);
	return rc;
}

int
log_scan(struct log *l, uint64_t from, uint64_t to, log_scan_fn fn, void *ctx, struct arm_err *e)
{
	uint64_t size = log_size(l);

	if (to > size || from > to)
		return arm_err_set(e, ARM_EUSAGE,
		                   "entries [%" PRIu64 ", %" PRIu64
		                   ") are not in log '%s' of size %" PRIu64,
		                   from, to, l->dir, size);
	return lg_scan_bundles(l, from, to, size, fn, ctx, e);
}

static int
get_cb(void *ctx, uint64_t index, const uint8_t *entry, size_t len, struct arm_err *e)
{
	(void)index;
	return buf_append(ctx, entry, len, e);
}

int
log_get(struct log *l, uint64_t index, struct buf *out, struct arm_err *e)
{
	uint64_t size = log_size(l);

	if (index >= size)
		return arm_err_set(e, ARM_ENOTFOUND,
		                   "no entry %" PRIu64 " in log '%s' (size %" PRIu64 ")", index,
		                   l->dir, size);
	return lg_scan_bundles(l, index, index + 1, size, get_cb, out, e);
}

struct find_ctx {
	uint8_t want[HASH_SIZE];
	uint64_t at;
	bool found;
};

static int
find_cb(void *ctx, uint64_t index, const uint8_t *entry, size_t len, struct arm_err *e)
{
	struct find_ctx *f = ctx;
	uint8_t h[HASH_SIZE];

	(void)e;
	hash_leaf(h, entry, len);
	if (memcmp(h, f->want, HASH_SIZE) != 0)
		return ARM_OK;
	f->at = index;
	f->found = true;
	return -1; /* stop */
}

int
log_find(struct log *l, const uint8_t *entry, size_t len, uint64_t *index, struct arm_err *e)
{
	struct find_ctx f;
	uint64_t size = log_size(l), have = 0;
	int rc;

	memset(&f, 0, sizeof(f));
	hash_leaf(f.want, entry, len);
	rc = lg_idx_lookup(l, f.want, index, e);
	if (rc == ARM_OK && *index < size)
		return ARM_OK;
	if (rc != ARM_OK && rc != ARM_ENOTFOUND)
		return rc;
	/* Without an index, or past its end, scan the bundles. */
	if (l->idx != NULL) {
		lg_lock(&l->idx_mu);
		rc = logidx_size(l->idx, &have, e);
		lg_unlock(&l->idx_mu);
		if (rc != ARM_OK)
			have = 0;
		if (have > size)
			have = size;
	}
	rc = lg_scan_bundles(l, have, size, size, find_cb, &f, e);
	if (f.found) {
		*index = f.at;
		return ARM_OK;
	}
	if (rc != ARM_OK)
		return rc;
	return arm_err_set(e, ARM_ENOTFOUND, "entry not in log '%s'", l->dir);
}

int
log_read_file(struct log *l, const char *path, struct buf *out, struct arm_err *e)
{
	return l->st->ops->read(l->st, path, out, e);
}

int
log_root(struct log *l, uint64_t size, uint8_t root[HASH_SIZE], struct arm_err *e)
{
	struct tile_reader r;
	struct tile_src ts;
	struct merkle_src src;
	int rc;

	if (size > log_size(l))
		return arm_err_set(e, ARM_EUSAGE, "log '%s' has no tree of size %" PRIu64, l->dir,
		                   size);
	log_tile_reader(l, &r);
	ARM_TRY(tile_src_init(&ts, &r, size, &src, e));
	rc = merkle_root(&src, size, root, e);
	tile_src_release(&ts);
	return rc;
}

int
log_consistency(struct log *l, uint64_t old, uint64_t new_size,
                uint8_t proof[MERKLE_MAX_PROOF][HASH_SIZE], size_t *nproof, struct arm_err *e)
{
	struct tile_reader r;
	struct tile_src ts;
	struct merkle_src src;
	int rc;

	if (new_size > log_size(l) || old > new_size)
		return arm_err_set(e, ARM_EUSAGE,
		                   "no consistency proof from size %" PRIu64 " to %" PRIu64
		                   " in log '%s' of size %" PRIu64,
		                   old, new_size, l->dir, log_size(l));
	*nproof = 0;
	if (old == 0 || old == new_size)
		return ARM_OK; /* RFC 9162 §2.1.4: the empty proof */
	log_tile_reader(l, &r);
	ARM_TRY(tile_src_init(&ts, &r, new_size, &src, e));
	rc = merkle_prove_consistency(&src, old, new_size, proof, nproof, e);
	tile_src_release(&ts);
	return rc;
}

int
log_prove(struct log *l, uint64_t index, uint64_t size, struct tproof *p, struct arm_err *e)
{
	struct buf ck = BUF_INIT(CKPT_NOTE_MAX);
	struct buf ent = BUF_INIT(SIZE_MAX);
	struct tile_reader r;
	struct tile_src ts;
	struct merkle_src src;
	struct ckpt c;
	uint8_t leaf[HASH_SIZE];
	bool have_ts = false;
	int rc;

	memset(p, 0, sizeof(*p));
	if (size == 0)
		size = log_published_size(l);
	if (index >= size) {
		rc = arm_err_set(e, ARM_ENOTFOUND,
		                 "entry %" PRIu64 " is not in the tree of size %" PRIu64
		                 " of log '%s'",
		                 index, size, l->dir);
		goto out;
	}
	if ((rc = log_checkpoint_at(l, size, &ck, e)) != ARM_OK)
		goto out;
	if ((rc = lg_parse_ckpt_note(ck.data, ck.len, &c, e)) != ARM_OK)
		goto out;
	log_tile_reader(l, &r);
	if ((rc = tile_src_init(&ts, &r, size, &src, e)) != ARM_OK)
		goto out;
	have_ts = true;
	if ((rc = merkle_prove_inclusion(&src, index, size, p->path, &p->npath, e)) != ARM_OK)
		goto out;
	/* Never hand out a proof that does not check: verify it first. */
	if ((rc = lg_scan_bundles(l, index, index + 1, size, get_cb, &ent, e)) != ARM_OK)
		goto out;
	hash_leaf(leaf, ent.data, ent.len);
	if ((rc = merkle_verify_inclusion(leaf, index, size, c.root,
	                                  (const uint8_t(*)[HASH_SIZE])p->path, p->npath, e)) !=
	    ARM_OK) {
		arm_err_prefix(e, "log '%s': proof of entry %" PRIu64 " against its checkpoint",
		               l->dir, index);
		goto out;
	}
	p->index = index;
	p->checkpoint_len = ck.len;
	p->checkpoint = buf_detach(&ck, &p->checkpoint_len);
out:
	if (have_ts)
		tile_src_release(&ts);
	buf_release(&ck);
	buf_release(&ent);
	if (rc != ARM_OK)
		tproof_release(p);
	return rc;
}

struct last_clock {
	bool found;
	uint64_t index;
	struct buf note;
};

static int
last_clock_cb(void *ctx, uint64_t index, const uint8_t *entry, size_t len, struct arm_err *e)
{
	struct last_clock *lc = ctx;

	if (!logclock_is(entry, len))
		return ARM_OK;
	lc->found = true;
	lc->index = index;
	buf_reset(&lc->note);
	return buf_append(&lc->note, entry, len, e);
}

int
log_prove_sequenced(struct log *l, struct tproof *p, struct arm_err *e)
{
	struct last_clock lc = {false, 0, BUF_INIT(LOGCLOCK_NOTE_MAX)};
	uint8_t path[MERKLE_MAX_PROOF][HASH_SIZE];
	size_t npath;
	struct buf extra = BUF_INIT(1 << 16);
	struct tile_reader r;
	struct tile_src ts;
	struct merkle_src src;
	struct ckpt c;
	struct note n;
	uint64_t hi = p->index, lo, floor;
	int rc;

	if ((rc = ckpt_open(p->checkpoint, p->checkpoint_len, &l->cfg.vkey, NULL, &c, &n, e)) !=
	    ARM_OK)
		return rc;
	note_release(&n);
	/* Backwards a bundle at a time: the clock leaf starts the entry's batch. */
	floor = p->index > LOG_BATCH_MAX ? p->index - LOG_BATCH_MAX : 0;
	while (!lc.found && hi > floor) {
		lo = hi > floor + 256 ? hi - 256 : floor;
		if ((rc = lg_scan_bundles(l, lo, hi, c.size, last_clock_cb, &lc, e)) != ARM_OK)
			goto out;
		hi = lo;
	}
	if (!lc.found) {
		rc = arm_err_set(e, ARM_ENOTFOUND, "no clock leaf before entry %" PRIu64, p->index);
		goto out;
	}
	log_tile_reader(l, &r);
	if ((rc = tile_src_init(&ts, &r, c.size, &src, e)) != ARM_OK)
		goto out;
	rc = merkle_prove_inclusion(&src, lc.index, c.size, path, &npath, e);
	tile_src_release(&ts);
	if (rc == ARM_OK)
		rc = logclock_receipt_format(lc.index, (const uint8_t(*)[32])path, npath,
		                             lc.note.data, lc.note.len, &extra, e);
	if (rc != ARM_OK)
		goto out;
	{
		/* Never hand out what does not check. */
		struct logclock k;
		if ((rc = logclock_receipt_verify(extra.data, extra.len, p->index, c.size, c.root,
		                                  &l->cfg.vkey, &k, e)) != ARM_OK)
			goto out;
	}
	free(p->extra);
	p->extra = buf_detach(&extra, &p->extra_len);
out:
	buf_release(&lc.note);
	buf_release(&extra);
	return rc;
}
