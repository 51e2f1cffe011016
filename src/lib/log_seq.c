/*
 * log_seq.c - the sequencer: batches through the rules hook, the clock
 * leaf, tiles and bundles, one commit point (the commit record) with as
 * few barriers as keep kill -9 safe, group commit for concurrent callers,
 * and publishing the public checkpoint. docs/architecture.md "The log".
 */
#include "log_int.h"

/* ---------------------------------------------------------------- */
/* the sequencer                                                     */

struct fileset {
	struct store_file *f;
	char **paths;
	uint8_t **datas;
	size_t n, cap;
};

static void
fileset_release(struct fileset *fs)
{
	size_t i;

	for (i = 0; i < fs->n; i++) {
		free(fs->paths[i]);
		free(fs->datas[i]);
	}
	free(fs->f);
	free(fs->paths);
	free(fs->datas);
	memset(fs, 0, sizeof(*fs));
}

static int
fileset_add(struct fileset *fs, const struct tile *t, const uint8_t *data, size_t len,
            struct arm_err *e)
{
	char p[TILE_PATH_MAX];

	ARM_TRY(tile_path(t, p, sizeof(p), e));
	if (fs->n == fs->cap) {
		size_t nc = fs->cap ? fs->cap * 2 : 16;
		struct store_file *nf = realloc(fs->f, nc * sizeof(*nf));
		char **np;
		uint8_t **nd;
		if (nf == NULL)
			return arm_err_set(e, ARM_ENOMEM, "out of memory building a batch");
		fs->f = nf;
		if ((np = realloc(fs->paths, nc * sizeof(*np))) == NULL)
			return arm_err_set(e, ARM_ENOMEM, "out of memory building a batch");
		fs->paths = np;
		if ((nd = realloc(fs->datas, nc * sizeof(*nd))) == NULL)
			return arm_err_set(e, ARM_ENOMEM, "out of memory building a batch");
		fs->datas = nd;
		fs->cap = nc;
	}
	fs->paths[fs->n] = strdup(p);
	fs->datas[fs->n] = malloc(len ? len : 1);
	if (fs->paths[fs->n] == NULL || fs->datas[fs->n] == NULL) {
		free(fs->paths[fs->n]);
		free(fs->datas[fs->n]);
		return arm_err_set(e, ARM_ENOMEM, "out of memory building a batch");
	}
	memcpy(fs->datas[fs->n], data, len);
	fs->f[fs->n].path = fs->paths[fs->n];
	fs->f[fs->n].data = fs->datas[fs->n];
	fs->f[fs->n].len = len;
	fs->n++;
	return ARM_OK;
}

static int
emit_cb(void *ctx, const struct tile *t, const uint8_t *data, size_t len, struct arm_err *e)
{
	return fileset_add(ctx, t, data, len, e);
}

/* Open-addressing set of the batch's leaf hashes, for in-batch dedupe. */
struct hset {
	uint32_t *slot; /* 1 + position in leaves, 0 = empty */
	size_t mask;
};

static int
hset_init(struct hset *h, size_t n, struct arm_err *e)
{
	size_t cap = 16;

	while (cap < n * 2)
		cap *= 2;
	h->mask = cap - 1;
	if ((h->slot = calloc(cap, sizeof(*h->slot))) == NULL)
		return arm_err_set(e, ARM_ENOMEM, "out of memory deduplicating a batch");
	return ARM_OK;
}

/* The position of leaf in the set, or -1. */
static long
hset_find(const struct hset *h, const uint8_t (*leaves)[HASH_SIZE], const uint8_t *leaf)
{
	size_t i;
	uint64_t k;

	memcpy(&k, leaf, sizeof(k));
	for (i = (size_t)k & h->mask; h->slot[i] != 0; i = (i + 1) & h->mask)
		if (memcmp(leaves[h->slot[i] - 1], leaf, HASH_SIZE) == 0)
			return (long)(h->slot[i] - 1);
	return -1;
}

/* Adds leaves[pos], which hset_find() did not find. */
static void
hset_add(struct hset *h, const uint8_t (*leaves)[HASH_SIZE], uint32_t pos)
{
	size_t i;
	uint64_t k;

	memcpy(&k, leaves[pos], sizeof(k));
	for (i = (size_t)k & h->mask; h->slot[i] != 0; i = (i + 1) & h->mask)
		;
	h->slot[i] = pos + 1;
}

int
lg_idx_lookup(struct log *l, const uint8_t leaf[HASH_SIZE], uint64_t *index, struct arm_err *e)
{
	int rc;

	if (l->idx == NULL)
		return ARM_ENOTFOUND;
	lg_lock(&l->idx_mu);
	rc = logidx_find(l->idx, leaf, index, e);
	lg_unlock(&l->idx_mu);
	return rc;
}

/*
 * Builds the entry bundles of leaves [old, old + k): the committed partial
 * bundle at the edge is read back and extended, then each bundle that is
 * new or grows is added to files.
 */
static int
build_bundles(struct log *l, uint64_t old, const uint8_t *const *ents, const size_t *lens, size_t k,
              struct fileset *files, struct arm_err *e)
{
	struct buf b = BUF_INIT(SIZE_MAX);
	struct bundle_entry *parsed = NULL;
	struct tile t;
	char path[TILE_PATH_MAX];
	uint64_t n = old / TILE_WIDTH;
	unsigned w = (unsigned)(old % TILE_WIDTH);
	size_t i;
	int rc = ARM_OK;

	if (w > 0) {
		if ((rc = lg_read_tile_at(l, TILE_LEVEL_ENTRIES, n, old, true, &t, path, &b, e)) !=
		    ARM_OK)
			goto out;
		/* The committed edge bundle must hold exactly w entries. */
		if ((parsed = malloc(256 * sizeof(*parsed))) == NULL) {
			rc = arm_err_set(e, ARM_ENOMEM, "out of memory reading '%s'", path);
			goto out;
		}
		if ((rc = bundle_parse(b.data, b.len, w, parsed, e)) != ARM_OK) {
			arm_err_prefix(e, "log '%s': entry bundle '%s'", l->dir, path);
			goto out;
		}
	}
	for (i = 0; i < k; i++) {
		if ((rc = bundle_append(&b, ents[i], lens[i], e)) != ARM_OK)
			goto out;
		if (++w == TILE_WIDTH) {
			t.level = TILE_LEVEL_ENTRIES;
			t.n = n;
			t.width = TILE_WIDTH;
			if ((rc = fileset_add(files, &t, b.data, b.len, e)) != ARM_OK)
				goto out;
			buf_reset(&b);
			n++;
			w = 0;
		}
	}
	if (w > 0) {
		t.level = TILE_LEVEL_ENTRIES;
		t.n = n;
		t.width = w;
		rc = fileset_add(files, &t, b.data, b.len, e);
	}
out:
	free(parsed);
	buf_release(&b);
	return rc;
}

/* Reads tiles from the batch being built, else from the store. */
struct overlay {
	struct log *l;
	const struct fileset *files;
};

static int
overlay_read(void *ctx, const struct tile *t, struct buf *out, struct arm_err *e)
{
	struct overlay *o = ctx;
	char p[TILE_PATH_MAX];
	size_t i;

	ARM_TRY(tile_path(t, p, sizeof(p), e));
	for (i = 0; i < o->files->n; i++)
		if (strcmp(o->files->paths[i], p) == 0)
			return buf_append(out, o->files->datas[i], o->files->f[i].len, e);
	return lg_tile_read_cb(o->l, t, out, e);
}

/*
 * Before signing, the new tree is checked against the tiles of the batch
 * (over the committed ones): its root recomputed from them, and a
 * consistency proof from the committed tree verified, so that no bug
 * upstream can make the log sign a checkpoint inconsistent with one it
 * signed before.
 */
static int
check_extends(struct log *l, const struct fileset *files, uint64_t old,
              const uint8_t old_root[HASH_SIZE], uint64_t new_size,
              const uint8_t new_root[HASH_SIZE], struct arm_err *e)
{
	struct overlay ov = {l, files};
	struct tile_reader r = {&ov, overlay_read};
	struct tile_src ts;
	struct merkle_src src;
	uint8_t proof[MERKLE_MAX_PROOF][HASH_SIZE], root[HASH_SIZE];
	size_t np = 0;
	int rc;

	ARM_TRY(tile_src_init(&ts, &r, new_size, &src, e));
	rc = merkle_root(&src, new_size, root, e);
	if (rc == ARM_OK && memcmp(root, new_root, HASH_SIZE) != 0)
		rc = arm_err_set(e, ARM_EVERIFY,
		                 "log '%s': the tiles for size %" PRIu64
		                 " do not give the computed root; not signing",
		                 l->dir, new_size);
	if (rc == ARM_OK && old > 0) {
		rc = merkle_prove_consistency(&src, old, new_size, proof, &np, e);
		if (rc == ARM_OK)
			rc = merkle_verify_consistency(old, new_size, old_root, new_root,
			                               (const uint8_t(*)[HASH_SIZE])proof, np, e);
		if (rc != ARM_OK)
			arm_err_prefix(e,
			               "log '%s': size %" PRIu64 " would not extend size %" PRIu64
			               "; not signing",
			               l->dir, new_size, old);
	}
	tile_src_release(&ts);
	return rc;
}

/*
 * write_commit() failed. If the rename went through and only the directory
 * sync failed, the new record is in place (durable or not): put the old
 * one back, so that the batch's files can go. If that fails too, the new
 * record may stand, and the files it names must stay; the writer stops
 * and the next open recovers from whichever record is on disk.
 */
static int
commit_rollback(struct log *l, const struct buf *note)
{
	struct buf cur = BUF_INIT(CKPT_NOTE_MAX);
	struct arm_err ignore;
	int rc = ARM_OK;

	if (l->st->ops->read_commit(l->st, &cur, &ignore) == ARM_OK && cur.len == note->len &&
	    memcmp(cur.data, note->data, cur.len) == 0) {
		lg_lock(&l->mu);
		rc = l->st->ops->write_commit(l->st, l->commit.data, l->commit.len, &ignore);
		lg_unlock(&l->mu);
		if (rc != ARM_OK)
			l->broken = true;
	}
	buf_release(&cur);
	return rc;
}

static void
undo_files(struct log *l, const struct fileset *files)
{
	struct arm_err ignore;

	if (files->n > 0)
		(void)l->st->ops->remove(l->st, (const char *const *)files->paths, files->n,
		                         &ignore);
}

/*
 * The batch's clock leaf (logclock.h), signed with the log's key, in out
 * (left empty when the hook gives no text). The time is the sequencer's:
 * the hook keeps it from going backwards.
 */
static int
clock_leaf(struct log *l, uint64_t index, struct buf *out, struct arm_err *e)
{
	struct buf text = BUF_INIT(LOGCLOCK_TEXT_MAX);
	const struct note_signer *k = l->key;
	int rc;

	buf_reset(out);
	rc = l->opts.hooks.clock(l->opts.hooks.ctx, index, (int64_t)time(NULL), &text, e);
	if (rc == ARM_OK && text.len > 0)
		rc = note_sign((const char *)text.data, text.len, &k, 1, out, e);
	buf_release(&text);
	return rc;
}

/* Where commit_batch() goes after the store's own transaction. */
enum commit_next { NEXT_OUT, NEXT_UNDO, NEXT_INDEX };

/*
 * A store with a transaction (store_pg): files, the commit point and, unless
 * publishing is manual, the public checkpoint in one call (store.h).
 */
static enum commit_next
commit_in_store(struct log *l, const struct fileset *files, const struct buf *note, uint64_t size,
                const uint8_t new_root[HASH_SIZE], bool *published, int *rc, struct arm_err *e)
{
	/* Files, commit point and (auto) publish in one store call. */
	enum store_stage stage = STORE_STAGE_NONE;
	bool pub = !l->opts.manual_publish, had;
	uint64_t prev;

	if (pub)
		lg_lock(&l->pub_mu); /* no publish of an older checkpoint may overtake */
	lg_lock(&l->mu);
	prev = l->pub_size;
	had = l->have_pub;
	lg_unlock(&l->mu);
	*rc = l->st->ops->commit(l->st, files->f, files->n, note->data, note->len,
	                         pub ? note->data : NULL, note->len, &stage, e);
	if (stage == STORE_STAGE_NONE || stage == STORE_STAGE_MAYBE) {
		if (pub)
			lg_unlock(&l->pub_mu);
		if (stage == STORE_STAGE_MAYBE && commit_rollback(l, note) != ARM_OK)
			return NEXT_OUT; /* the new record may stand: its files must stay */
		return NEXT_UNDO;
	}
	lg_lock(&l->mu);
	if (stage == STORE_STAGE_RECORD && pub)
		l->pub_err = *e; /* committed; the publish is retried */
	buf_reset(&l->commit);
	*rc = buf_append(&l->commit, note->data, note->len, e);
	l->size = size;
	memcpy(l->root, new_root, HASH_SIZE);
	lg_unlock(&l->mu);
	if (stage == STORE_STAGE_ALL && pub) {
		struct arm_err pe;
		*published = true;
		if (lg_after_publish(l, size, prev, had, note, &pe) != ARM_OK) {
			lg_lock(&l->mu);
			l->pub_err = pe;
			lg_unlock(&l->mu);
		} else {
			lg_lock(&l->mu);
			arm_err_clear(&l->pub_err);
			lg_unlock(&l->mu);
		}
	}
	if (pub)
		lg_unlock(&l->pub_mu);
	return *rc != ARM_OK ? NEXT_OUT : NEXT_INDEX;
}

/* The entries a batch keeps (batch_accept). */
struct batch_keep {
	uint8_t (*leaves)[HASH_SIZE];
	struct hset *hs;
	const uint8_t **acc;
	size_t *acclen, *accpos;
	struct buf *clock;
	size_t k;
};

/*
 * What a batch keeps, in order: its clock leaf first (logclock.h), then
 * each entry that is not too long, not in the log or the batch already
 * (res[i].dup with its index) and passes the rules hook (else res[i].err).
 * leaves/acc/acclen/accpos get the kept ones, *kout how many.
 */
static int
batch_accept(struct log *l, uint64_t old, const uint8_t *const *ents, const size_t *lens, size_t n,
             const uint8_t (*hashes)[HASH_SIZE], const uint64_t *seen_at, const bool *seen,
             struct batch_keep *bk, struct log_result *res, struct arm_err *e)
{
	uint8_t h[HASH_SIZE];
	size_t i, k = 0;
	bool clocked = false;
	int rc;

	for (i = 0; i < n; i++) {
		long prev;

		memset(&res[i], 0, sizeof(res[i]));
		if (lens[i] > BUNDLE_ENTRY_MAX) {
			arm_err_set(
			    &res[i].err, ARM_ELIMIT,
			    "entry is %zu bytes; a tlog-tiles entry bundle holds at most 65535",
			    lens[i]);
			continue;
		}
		memcpy(h, hashes[i], HASH_SIZE);
		if (seen[i] && seen_at[i] < old) {
			res[i].index = seen_at[i];
			res[i].dup = true;
			continue;
		}
		prev = hset_find(bk->hs, (const uint8_t(*)[HASH_SIZE])bk->leaves, h);
		if (prev >= 0) {
			res[i].index = old + (uint64_t)prev;
			res[i].dup = true;
			continue;
		}
		if (k == 0 && !clocked && l->opts.hooks.clock != NULL) {
			clocked = true;
			if ((rc = clock_leaf(l, old, bk->clock, e)) != ARM_OK)
				return rc;
			if (bk->clock->len > 0 && l->opts.hooks.check != NULL &&
			    (rc = l->opts.hooks.check(l->opts.hooks.ctx, old, bk->clock->data,
			                              bk->clock->len, e)) != ARM_OK) {
				arm_err_prefix(e, "log clock leaf %" PRIu64, old);
				return rc;
			}
			if (bk->clock->len > 0) {
				hash_leaf(bk->leaves[0], bk->clock->data, bk->clock->len);
				hset_add(bk->hs, (const uint8_t(*)[HASH_SIZE])bk->leaves, 0);
				bk->acc[0] = bk->clock->data;
				bk->acclen[0] = bk->clock->len;
				bk->accpos[0] = SIZE_MAX;
				k = 1;
			}
		}
		if (l->opts.hooks.check != NULL) {
			int crc = l->opts.hooks.check(l->opts.hooks.ctx, old + k, ents[i], lens[i],
			                              &res[i].err);
			if (crc != ARM_OK) {
				res[i].err.rc = crc;
				continue;
			}
		}
		memcpy(bk->leaves[k], h, HASH_SIZE);
		hset_add(bk->hs, (const uint8_t(*)[HASH_SIZE])bk->leaves, (uint32_t)k);
		res[i].index = old + k;
		bk->acc[k] = ents[i];
		bk->acclen[k] = lens[i];
		bk->accpos[k] = i;
		k++;
	}
	bk->k = k;
	return ARM_OK;
}

/*
 * One durable batch, with l->seq held: dedupe, rules, bundles and tiles,
 * write, check, sign, commit; then index, hooks and (auto) publish.
 * n <= LOG_BATCH_MAX. res[i] says what became of ents[i].
 */
static int
commit_batch(struct log *l, const uint8_t *const *ents, const size_t *lens, size_t n,
             struct log_result *res, struct arm_err *e)
{
	uint8_t(*leaves)[HASH_SIZE] = NULL, (*hashes)[HASH_SIZE] = NULL;
	uint64_t *seen_at = NULL;
	bool *seen = NULL;
	const uint8_t **acc = NULL;
	size_t *acclen = NULL, *accpos = NULL;
	struct fileset files = {0};
	struct hset hs = {0};
	struct buf note = BUF_INIT(CKPT_NOTE_MAX);
	struct buf clock = BUF_INIT(LOGCLOCK_NOTE_MAX);
	struct tile_reader r;
	uint8_t old_root[HASH_SIZE], new_root[HASH_SIZE];
	uint64_t old;
	size_t i, k = 0;
	bool published = false;
	int rc = ARM_OK;

	if (!l->writer || l->key == NULL)
		return arm_err_set(e, ARM_EUSAGE, "log '%s' is not open for appending with its key",
		                   l->dir);
	if (l->broken)
		return arm_err_set(e, ARM_EIO,
		                   "log '%s': a failed commit could not be rolled back; reopen the "
		                   "log to recover",
		                   l->dir);
	memset(res, 0, n * sizeof(*res));
	lg_lock(&l->mu);
	old = l->size;
	memcpy(old_root, l->root, HASH_SIZE);
	lg_unlock(&l->mu);
	/* n + 1: the batch's clock leaf comes first (logclock.h). */
	leaves = malloc((n + 1) * sizeof(*leaves));
	acc = malloc((n + 1) * sizeof(*acc));
	acclen = malloc((n + 1) * sizeof(*acclen));
	accpos = malloc((n + 1) * sizeof(*accpos));
	if (leaves == NULL || acc == NULL || acclen == NULL || accpos == NULL) {
		rc = arm_err_set(e, ARM_ENOMEM, "out of memory for a batch of %zu entries", n);
		goto out;
	}
	if ((rc = hset_init(&hs, n + 1, e)) != ARM_OK)
		goto out;
	/* The index lags only after an index write failed: repair it first. */
	if (l->idx_stale) {
		lg_lock(&l->idx_mu);
		rc = lg_index_catch_up(l, old, e);
		lg_unlock(&l->idx_mu);
		if (rc != ARM_OK)
			goto out;
		l->idx_stale = false;
	}
	/* Every leaf hash first, then one index lookup for the whole batch. */
	hashes = malloc((n ? n : 1) * sizeof(*hashes));
	seen_at = malloc((n ? n : 1) * sizeof(*seen_at));
	seen = calloc(n ? n : 1, sizeof(*seen));
	if (hashes == NULL || seen_at == NULL || seen == NULL) {
		rc = arm_err_set(e, ARM_ENOMEM, "out of memory for a batch of %zu entries", n);
		goto out;
	}
	for (i = 0; i < n; i++)
		hash_leaf(hashes[i], ents[i], lens[i] > BUNDLE_ENTRY_MAX ? 0 : lens[i]);
	if (l->idx != NULL) {
		lg_lock(&l->idx_mu);
		rc = logidx_find_many(l->idx, (const uint8_t(*)[HASH_SIZE])hashes, n, seen_at, seen,
		                      e);
		lg_unlock(&l->idx_mu);
		if (rc != ARM_OK)
			goto out;
	}
	{
		struct batch_keep bk = {leaves, &hs, acc, acclen, accpos, &clock, 0};
		if ((rc = batch_accept(l, old, ents, lens, n, (const uint8_t(*)[HASH_SIZE])hashes,
		                       seen_at, seen, &bk, res, e)) != ARM_OK)
			goto out;
		k = bk.k;
	}
	if (k == 1 && clock.len > 0) {
		/* Every entry was refused: no batch of a clock alone. */
		if (l->opts.hooks.retract != NULL)
			l->opts.hooks.retract(l->opts.hooks.ctx, old);
		k = 0;
	}
	if (k == 0)
		goto out;
	if ((rc = build_bundles(l, old, acc, acclen, k, &files, e)) != ARM_OK)
		goto out;
	log_tile_reader(l, &r);
	if ((rc = tile_append(&r, old, (const uint8_t(*)[HASH_SIZE])leaves, k, emit_cb, &files,
	                      new_root, e)) != ARM_OK)
		goto out;
	if ((rc = check_extends(l, &files, old, old_root, old + k, new_root, e)) != ARM_OK)
		goto out;
	if ((rc = lg_sign_checkpoint(l->key, l->cfg.origin, old + k, new_root, &note, e)) != ARM_OK)
		goto out;
	if (l->st->ops->commit != NULL) {
		switch (commit_in_store(l, &files, &note, old + k, new_root, &published, &rc, e)) {
		case NEXT_OUT: goto out;
		case NEXT_UNDO: goto undo;
		case NEXT_INDEX: goto index;
		}
	}
	if ((rc = l->st->ops->write_batch(l->st, files.f, files.n, e)) != ARM_OK)
		goto undo;
	/* The commit point. */
	if ((rc = l->st->ops->write_commit(l->st, note.data, note.len, e)) != ARM_OK) {
		if (commit_rollback(l, &note) != ARM_OK)
			goto out; /* the new record may stand: its files must stay */
		goto undo;
	}
	lg_lock(&l->mu);
	buf_reset(&l->commit);
	rc = buf_append(&l->commit, note.data, note.len, e);
	l->size = old + k;
	memcpy(l->root, new_root, HASH_SIZE);
	lg_unlock(&l->mu);
	if (rc != ARM_OK)
		goto out;
index : {
	/* A failure here is repaired by the next batch's catch-up. */
	struct arm_err ie;
	lg_lock(&l->idx_mu);
	if (l->idx != NULL &&
	    logidx_add(l->idx, old, (const uint8_t(*)[HASH_SIZE])leaves, k, &ie) != ARM_OK)
		l->idx_stale = true;
	lg_unlock(&l->idx_mu);
}
	goto out;
undo:
	undo_files(l, &files);
out:
	if (rc != ARM_OK) {
		for (i = 0; i < k; i++) {
			struct log_result *x;
			if (accpos[i] == SIZE_MAX)
				continue; /* the clock leaf */
			x = &res[accpos[i]];
			x->err = e ? *e : (struct arm_err){.rc = rc};
			x->err.rc = rc;
		}
		/* Entries deduplicated against this batch share its fate. */
		for (i = 0; i < n; i++)
			if (res[i].dup && res[i].index >= old && res[i].err.rc == ARM_OK) {
				res[i].err = e ? *e : (struct arm_err){.rc = rc};
				res[i].err.rc = rc;
			}
	}
	if (l->opts.hooks.done != NULL && (k > 0 || rc != ARM_OK))
		l->opts.hooks.done(l->opts.hooks.ctx, rc == ARM_OK ? old + k : old, rc);
	if (rc == ARM_OK && k > 0 && !l->opts.manual_publish && !published) {
		/*
		 * The entries are committed: a failed publish does not undo them.
		 * It is retried by the next batch and at open; log_publish_status()
		 * tells.
		 */
		struct arm_err pe;
		arm_err_clear(&pe);
		(void)lg_publish_auto(l, &pe);
	}
	free(hs.slot);
	fileset_release(&files);
	buf_release(&note);
	buf_release(&clock);
	free(leaves);
	free(hashes);
	free(seen_at);
	free(seen);
	free(acc);
	free(acclen);
	free(accpos);
	return rc;
}

int
log_append_many(struct log *l, const uint8_t *const *entries, const size_t *lens, size_t n,
                struct log_result *res, struct arm_err *e)
{
	size_t off = 0, i;
	int rc = ARM_OK;

	lg_lock(&l->seq);
	while (off < n) {
		size_t m = n - off > LOG_BATCH_ENTRIES ? LOG_BATCH_ENTRIES : n - off;
		if ((rc = commit_batch(l, entries + off, lens + off, m, res + off, e)) != ARM_OK)
			break;
		off += m;
	}
	lg_unlock(&l->seq);
	if (rc != ARM_OK)
		for (i = off; i < n; i++)
			if (res[i].err.rc == ARM_OK) {
				res[i].err = e ? *e : (struct arm_err){.rc = rc};
				res[i].err.rc = rc;
			}
	return rc;
}

/*
 * The leader's wait before it commits the pool. The batch size adapts to
 * the load: the callers of the last batch are expected back (a server's
 * submitters, each with its next entry), so the leader waits for as many
 * as that batch had, and is woken once, by the caller that completes
 * that number, instead of by every arrival. It commits earlier when the
 * pool stops growing for a millisecond (the load fell), at batch_max,
 * and at batch_ms in all. A lone caller (last batch of one) pays nothing.
 */
static void
leader_wait(struct log *l)
{
	struct timespec until;
	unsigned waited = 0;
	size_t before;

	l->want = l->last < 1 ? 1 : l->last > l->opts.batch_max ? l->opts.batch_max : l->last;
	while (l->npool < l->want && waited < l->opts.batch_ms) {
		before = l->npool;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (l->npool < l->want &&
		       pthread_cond_timedwait(&l->cv_pool, &l->mu, &until) != ETIMEDOUT)
			;
		waited++;
		if (l->npool == before)
			break;
	}
	l->want = 0;
}

/*
 * The end of a leader's term (l->mu held): the next pooled caller leads
 * (woken alone, l->leader stays set so no arrival takes over), or, with
 * the pool empty, the next arrival does.
 */
static void
hand_over(struct log *l)
{
	if (l->npool == 0) {
		l->leader = false;
		return;
	}
	l->pool[0]->lead = true;
	sem_post(&l->pool[0]->sem);
}

/*
 * One batch by the leader (l->mu held on entry and return): up to
 * LOG_BATCH_ENTRIES pooled entries committed, each caller's result set and
 * the caller woken on its own semaphore, so that only the callers of this
 * batch wake, without a herd on l->mu.
 */
static int
lead_batch(struct log *l, struct add_slot *me)
{
	struct add_slot **take;
	const uint8_t **ents;
	size_t *lens, m, i;
	struct log_result *res;
	struct arm_err be;
	int rc;

	leader_wait(l);
	m = l->npool > LOG_BATCH_ENTRIES ? LOG_BATCH_ENTRIES : l->npool;
	/* Callers that came during the wait count as load too. */
	l->last = l->npool;
	take = malloc(m * sizeof(*take));
	ents = malloc(m * sizeof(*ents));
	lens = malloc(m * sizeof(*lens));
	res = calloc(m, sizeof(*res));
	if (take == NULL || ents == NULL || lens == NULL || res == NULL) {
		free(take);
		free(ents);
		free(lens);
		free(res);
		for (i = 0; i < l->npool; i++)
			if (l->pool[i] == me) {
				memmove(l->pool + i, l->pool + i + 1,
				        (l->npool - i - 1) * sizeof(*l->pool));
				l->npool--;
				break;
			}
		hand_over(l);
		return ARM_ENOMEM;
	}
	memcpy(take, l->pool, m * sizeof(*take));
	memmove(l->pool, l->pool + m, (l->npool - m) * sizeof(*l->pool));
	l->npool -= m;
	lg_unlock(&l->mu);
	for (i = 0; i < m; i++) {
		ents[i] = take[i]->entry;
		lens[i] = take[i]->len;
	}
	arm_err_clear(&be);
	lg_lock(&l->seq);
	rc = commit_batch(l, ents, lens, m, res, &be);
	lg_unlock(&l->seq);
	lg_lock(&l->mu);
	for (i = 0; i < m; i++) {
		struct add_slot *x = take[i];
		x->res = res[i];
		if (rc != ARM_OK && res[i].err.rc == ARM_OK)
			x->res.err = be;
		x->done = true;
	}
	if (me->done)
		hand_over(l);
	/*
	 * Woken outside the mutex: a caller whose entry is done returns
	 * without taking it (its semaphore orders the reads), so the wake-ups
	 * neither wait for this loop's end nor pile up on l->mu.
	 */
	lg_unlock(&l->mu);
	for (i = 0; i < m; i++)
		if (take[i] != me)
			sem_post(&take[i]->sem); /* gone once posted: not touched again */
	lg_lock(&l->mu);
	free(take);
	free(ents);
	free(lens);
	free(res);
	return ARM_OK;
}

int
log_add(struct log *l, const uint8_t *entry, size_t len, uint64_t *index, bool *dup,
        struct arm_err *e)
{
	struct add_slot me;

	memset(&me, 0, sizeof(me));
	me.entry = entry;
	me.len = len;
	if (sem_init(&me.sem, 0, 0) != 0)
		return arm_err_set(e, ARM_EIO, "cannot make a semaphore to wait for a batch");
	lg_lock(&l->mu);
	if (l->npool == l->cappool) {
		size_t nc = l->cappool ? l->cappool * 2 : 64;
		struct add_slot **np = realloc(l->pool, nc * sizeof(*np));
		if (np == NULL) {
			lg_unlock(&l->mu);
			sem_destroy(&me.sem);
			return arm_err_set(e, ARM_ENOMEM, "out of memory queueing an entry");
		}
		l->pool = np;
		l->cappool = nc;
	}
	l->pool[l->npool++] = &me;
	if (l->leader && l->npool == l->want)
		pthread_cond_signal(&l->cv_pool); /* only the leader waits for the pool */
	if (l->leader) {
		/* Woken when the entry is done, or to lead the next batch. */
		lg_unlock(&l->mu);
		while (sem_wait(&me.sem) != 0 && errno == EINTR)
			;
		if (me.done)
			goto done; /* set before the post, which orders it */
		lg_lock(&l->mu);
	}
	while (!me.done) {
		l->leader = true;
		if (lead_batch(l, &me) != ARM_OK) {
			lg_unlock(&l->mu);
			sem_destroy(&me.sem);
			return arm_err_set(e, ARM_ENOMEM, "out of memory committing a batch");
		}
	}
	lg_unlock(&l->mu);
done:
	sem_destroy(&me.sem);
	if (me.res.err.rc != ARM_OK) {
		if (e != NULL)
			*e = me.res.err;
		return me.res.err.rc;
	}
	*index = me.res.index;
	if (dup != NULL)
		*dup = me.res.dup;
	return ARM_OK;
}

/* ---------------------------------------------------------------- */
/* publishing                                                        */

/*
 * The bookkeeping of a publish of size at (pub_mu held): the published
 * size, the checkpoint history in the index, and the collection of
 * partial tiles older than the previously published checkpoint prev.
 */
int
lg_after_publish(struct log *l, uint64_t at, uint64_t prev, bool had, const struct buf *note,
                 struct arm_err *e)
{
	int rc = ARM_OK;

	lg_lock(&l->mu);
	l->pub_size = at;
	l->have_pub = true;
	lg_unlock(&l->mu);
	lg_lock(&l->idx_mu);
	if (l->idx != NULL &&
	    (rc = logidx_put_checkpoint(l->idx, at, note->data, note->len, e)) != ARM_OK)
		arm_err_prefix(e, "checkpoint of size %" PRIu64 " published, but", at);
	lg_unlock(&l->idx_mu);
	if (rc != ARM_OK)
		return rc;
	if (had && prev > l->gc_lo) {
		ARM_TRY(lg_collect_partials(l, l->gc_lo, prev, e));
		l->gc_lo = prev;
	}
	return ARM_OK;
}

int
log_publish(struct log *l, log_cosign_fn cosign, void *ctx, uint64_t *size, struct arm_err *e)
{
	struct buf note = BUF_INIT(CKPT_NOTE_MAX);
	struct buf sigs = BUF_INIT(CKPT_NOTE_MAX);
	uint64_t at, prev;
	bool had;
	int rc;

	if (!l->writer)
		return arm_err_set(e, ARM_EUSAGE, "log '%s' is open read-only", l->dir);
	lg_lock(&l->pub_mu);
	lg_lock(&l->mu);
	at = l->size;
	prev = l->pub_size;
	had = l->have_pub;
	rc = buf_append(&note, l->commit.data, l->commit.len, e);
	lg_unlock(&l->mu);
	if (rc != ARM_OK)
		goto out;
	if (had && prev >= at) {
		at = prev;
		goto out;
	}
	if (cosign != NULL && (rc = cosign(ctx, note.data, note.len, &sigs, e)) != ARM_OK)
		goto out;
	if (sigs.len > 0 && (rc = buf_append(&note, sigs.data, sigs.len, e)) != ARM_OK)
		goto out;
	if ((rc = l->st->ops->publish(l->st, note.data, note.len, e)) != ARM_OK)
		goto out;
	rc = lg_after_publish(l, at, prev, had, &note, e);
out:
	lg_unlock(&l->pub_mu);
	if (rc == ARM_OK && size != NULL)
		*size = at;
	buf_release(&note);
	buf_release(&sigs);
	return rc;
}

int
lg_publish_auto(struct log *l, struct arm_err *e)
{
	int rc = log_publish(l, NULL, NULL, NULL, e);

	lg_lock(&l->mu);
	if (rc == ARM_OK)
		arm_err_clear(&l->pub_err);
	else
		l->pub_err = *e;
	lg_unlock(&l->mu);
	return rc;
}

int
log_publish_status(struct log *l, struct arm_err *e)
{
	int rc = ARM_OK;

	lg_lock(&l->mu);
	if (l->pub_err.rc != ARM_OK && l->pub_size < l->size) {
		rc = l->pub_err.rc;
		if (e != NULL)
			*e = l->pub_err;
	}
	lg_unlock(&l->mu);
	return rc;
}
