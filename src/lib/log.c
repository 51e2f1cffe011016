/*
 * log.c - a log's config, signing, creation, opening with recovery, and
 * closing; the sequencer, reads and audit are in log_seq.c, log_read.c and
 * log_audit.c (log_int.h). See log.h for the contract and
 * docs/architecture.md ("The log") for why.
 */
#include "log_int.h"

/* ---------------------------------------------------------------- */
/* small helpers                                                     */

void
lg_lock(pthread_mutex_t *m)
{
	(void)pthread_mutex_lock(m);
}

void
lg_unlock(pthread_mutex_t *m)
{
	(void)pthread_mutex_unlock(m);
}

/*
 * Reads tile t. A partial tile that was never written (the tree had that
 * size only inside a batch) or was collected is served from the full tile
 * or a wider partial one: tiles only grow, so a prefix of a wider tile is
 * the narrower tile (tlog-tiles: clients may fetch the full tile instead).
 */
int
lg_tile_read_cb(void *ctx, const struct tile *t, struct buf *out, struct arm_err *e)
{
	struct log *l = ctx;
	char p[TILE_PATH_MAX];
	int rc = store_read_tile(l->st, t, out, e);

	if (rc == ARM_ENOTFOUND && tile_path(t, p, sizeof(p), NULL) == ARM_OK)
		arm_err_set(e, ARM_ENOTFOUND, "'%s/%s' is missing", l->dir, p);
	return rc;
}

void
log_tile_reader(struct log *l, struct tile_reader *r)
{
	r->ctx = l;
	r->read = lg_tile_read_cb;
}

/*
 * Reads the tile at (level, n) as it stands in a tree of size: exactly that
 * file (the audit), or else also from a wider tile (lg_tile_read_cb()).
 */
int
lg_read_tile_at(struct log *l, int level, uint64_t n, uint64_t size, bool exact, struct tile *t,
                char path[TILE_PATH_MAX], struct buf *out, struct arm_err *e)
{
	if (!tile_for_size(level, n, size, t))
		return arm_err_set(e, ARM_EUSAGE,
		                   "no tile %d/%" PRIu64 " in a tree of size %" PRIu64, level, n,
		                   size);
	ARM_TRY(tile_path(t, path, TILE_PATH_MAX, e));
	buf_reset(out);
	if (!exact)
		return lg_tile_read_cb(l, t, out, e);
	return l->st->ops->read(l->st, path, out, e);
}

/* Parses a checkpoint note without checking signatures (readers). */
int
lg_parse_ckpt_note(const uint8_t *msg, size_t len, struct ckpt *c, struct arm_err *e)
{
	struct note n = {0};
	int rc;

	ARM_TRY(note_parse(&n, msg, len, CKPT_NOTE_MAX, e));
	rc = ckpt_parse(c, n.text, n.text_len, e);
	note_release(&n);
	return rc;
}

int
lg_open_ckpt(struct log *l, const uint8_t *msg, size_t len, const struct note_verifier *key,
             struct ckpt *c, struct arm_err *e)
{
	struct note n = {0};
	int rc;

	if (key == NULL)
		return lg_parse_ckpt_note(msg, len, c, e);
	rc = ckpt_open(msg, len, key, l->have_cfg ? l->cfg.origin : NULL, c, &n, e);
	note_release(&n);
	return rc;
}

/* ---------------------------------------------------------------- */
/* config                                                            */

static bool origin_valid(const char *o);

int
log_config_parse(const char *text, size_t len, struct log_config *c, struct arm_err *e)
{
	const char *p = text, *end = text + len;
	bool have_origin = false, have_vkey = false;
	unsigned line = 0;

	memset(c, 0, sizeof(*c));
	if (memchr(text, '\0', len) != NULL)
		return arm_err_set(e, ARM_ESYNTAX, "config: NUL byte at offset %zu",
		                   (size_t)((const char *)memchr(text, '\0', len) - text));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *sp;
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		line++;
		sp = memchr(p, ' ', n);
		if (sp == NULL)
			return arm_err_set(e, ARM_ESYNTAX, "config:%u: want 'key value'", line);
		{
			size_t kl = (size_t)(sp - p), vl = n - kl - 1;
			if (kl == 6 && memcmp(p, "origin", 6) == 0) {
				if (vl == 0 || vl > CKPT_ORIGIN_MAX)
					return arm_err_set(e, ARM_ESYNTAX, "config:%u: bad origin",
					                   line);
				memcpy(c->origin, sp + 1, vl);
				c->origin[vl] = '\0';
				if (!origin_valid(c->origin))
					return arm_err_set(
					    e, ARM_ESYNTAX,
					    "config:%u: origin '%.100s' has a space, '+' or "
					    "control character",
					    line, c->origin);
				have_origin = true;
			} else if (kl == 4 && memcmp(p, "vkey", 4) == 0) {
				ARM_TRY(note_verifier_parse(&c->vkey, sp + 1, vl, e));
				have_vkey = true;
			} else if (kl == 3 && memcmp(p, "key", 3) == 0) {
				if (vl >= sizeof(c->key_path))
					return arm_err_set(e, ARM_ELIMIT,
					                   "config:%u: key path too long", line);
				memcpy(c->key_path, sp + 1, vl);
				c->key_path[vl] = '\0';
			}
			/* Unknown keys are kept for later versions: ignored here. */
		}
		p += n + (nl != NULL);
	}
	if (!have_origin || !have_vkey)
		return arm_err_set(e, ARM_ESYNTAX, "config: needs 'origin' and 'vkey' lines");
	return ARM_OK;
}

static int
config_load(struct store *st, struct log_config *c, struct arm_err *e)
{
	struct buf b = BUF_INIT(CONFIG_MAX);
	int rc;

	if ((rc = st->ops->read_meta(st, "config", &b, e)) == ARM_OK)
		rc = log_config_parse((const char *)b.data, b.len, c, e);
	buf_release(&b);
	return rc;
}

int
log_config_read(const char *dir, struct log_config *c, struct arm_err *e)
{
	struct store *st = NULL;
	int rc;

	ARM_TRY(store_open_any(&st, dir, false, e));
	rc = config_load(st, c, e);
	if (rc != ARM_OK)
		arm_err_prefix(e, "log '%s'", dir);
	store_close(st);
	return rc;
}

/* ---------------------------------------------------------------- */
/* signing                                                           */

int
lg_sign_checkpoint(const struct note_signer *key, const char *origin, uint64_t size,
                   const uint8_t root[HASH_SIZE], struct buf *out, struct arm_err *e)
{
	struct ckpt c;
	struct buf text = BUF_INIT(CKPT_NOTE_MAX);
	const struct note_signer *signers[1] = {key};
	int rc;

	memset(&c, 0, sizeof(c));
	snprintf(c.origin, sizeof(c.origin), "%s", origin);
	c.size = size;
	memcpy(c.root, root, HASH_SIZE);
	if ((rc = ckpt_format(&c, &text, e)) == ARM_OK)
		rc = note_sign((const char *)text.data, text.len, signers, 1, out, e);
	buf_release(&text);
	return rc;
}

static bool
origin_valid(const char *o)
{
	size_t i, n = strlen(o);

	if (n == 0 || n > CKPT_ORIGIN_MAX)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)o[i] < 0x21 || o[i] == '+' || o[i] == 0x7f)
			return false;
	return true;
}

int
log_create(const char *dir, const char *origin, const struct note_signer *key, const char *key_path,
           struct arm_err *e)
{
	struct store *st = NULL;
	struct buf b = BUF_INIT(CKPT_NOTE_MAX);
	struct buf cfg = BUF_INIT(CONFIG_MAX);
	struct logidx *idx = NULL;
	struct note_verifier v;
	uint8_t empty[HASH_SIZE];
	char idxpath[4200];
	int rc;

	if (!origin_valid(origin))
		return arm_err_set(e, ARM_EUSAGE,
		                   "origin '%.300s' is not a checkpoint origin (tlog-checkpoint: "
		                   "non-empty, no spaces, no '+')",
		                   origin);
	if (key == NULL || key->type != NOTE_KEY_ED25519)
		return arm_err_set(e, ARM_EUSAGE,
		                   "a log key must be an Ed25519 signer key (type 0x01)");
	ARM_TRY(store_open_any(&st, dir, true, e));
	if ((rc = st->ops->lock(st, e)) != ARM_OK)
		goto out;
	if ((rc = st->ops->read_commit(st, &b, e)) == ARM_OK) {
		rc = arm_err_set(e, ARM_ECONFLICT, "'%s' already holds a log", dir);
		goto out;
	}
	if (rc != ARM_ENOTFOUND)
		goto out;
	buf_reset(&b);
	if ((rc = st->ops->recover(st, e)) != ARM_OK)
		goto out;
	note_signer_verifier(key, &v);
	if ((rc = buf_printf(&cfg, e, "origin %s\nvkey ", origin)) != ARM_OK ||
	    (rc = note_verifier_format(&v, &cfg, e)) != ARM_OK ||
	    (rc = buf_puts(&cfg, "\n", e)) != ARM_OK)
		goto out;
	if (key_path != NULL && key_path[0] != '\0') {
		char *abs = realpath(key_path, NULL);
		rc = buf_printf(&cfg, e, "key %s\n", abs ? abs : key_path);
		free(abs);
		if (rc != ARM_OK)
			goto out;
	}
	if ((rc = st->ops->write_meta(st, "config", cfg.data, cfg.len, e)) != ARM_OK)
		goto out;
	/* tlog-checkpoint v1.0.0: the empty tree's root is SHA-256(""). */
	hash_sha256(empty, "", 0);
	if ((rc = lg_sign_checkpoint(key, origin, 0, empty, &b, e)) != ARM_OK)
		goto out;
	if ((rc = st->ops->write_commit(st, b.data, b.len, e)) != ARM_OK)
		goto out;
	if ((rc = st->ops->publish(st, b.data, b.len, e)) != ARM_OK)
		goto out;
	if (store_fs_dir(st) == NULL)
		goto out; /* other stores keep no index file */
	snprintf(idxpath, sizeof(idxpath), "%s/.armistice/index.db", dir);
	if ((rc = logidx_open(&idx, idxpath, true, e)) != ARM_OK)
		goto out;
	rc = logidx_put_checkpoint(idx, 0, b.data, b.len, e);
out:
	logidx_close(idx);
	buf_release(&b);
	buf_release(&cfg);
	store_close(st);
	return rc;
}

/* ---------------------------------------------------------------- */
/* open, recovery, close                                             */

void
log_close(struct log *l)
{
	if (l == NULL)
		return;
	logidx_close(l->idx);
	store_close(l->st);
	buf_release(&l->commit);
	free(l->pool);
	pthread_mutex_destroy(&l->idx_mu);
	pthread_mutex_destroy(&l->seq);
	pthread_mutex_destroy(&l->pub_mu);
	pthread_mutex_destroy(&l->mu);
	pthread_cond_destroy(&l->cv_pool);
	free(l->dir);
	free(l);
}

struct drop_ctx {
	struct log *l;
	const char *dir;
	unsigned keep_upto; /* widths <= keep_upto stay (when below) */
	bool below;         /* drop widths < keep_upto instead of > */
	int rc;
	struct arm_err *e;
};

static int
drop_cb(void *ctx, const char *name)
{
	struct drop_ctx *d = ctx;
	char *end;
	unsigned long w;
	char p[TILE_PATH_MAX + 8];
	const char *paths[1];

	errno = 0;
	w = strtoul(name, &end, 10);
	if (errno != 0 || *end != '\0' || name[0] == '0' || w == 0 || w > 255)
		return 0; /* not ours: leave it */
	if (d->below ? w >= d->keep_upto : w <= d->keep_upto)
		return 0;
	snprintf(p, sizeof(p), "%s/%lu", d->dir, w);
	paths[0] = p;
	d->rc = d->l->st->ops->remove(d->l->st, paths, 1, d->e);
	return d->rc;
}

/*
 * Removes partial tiles of (level, n): widths above keep (recovery: beyond
 * the commit record) or, with below, widths under keep (collection of
 * superseded partials).
 */
static int
drop_partials(struct log *l, int level, uint64_t n, unsigned keep, bool below, struct arm_err *e)
{
	char dir[TILE_PATH_MAX];
	struct drop_ctx d = {l, dir, keep, below, ARM_OK, e};
	int rc;

	ARM_TRY(store_partial_dir(level, n, dir, e));
	rc = l->st->ops->list(l->st, dir, drop_cb, &d, e);
	return rc != ARM_OK ? rc : d.rc;
}

static int
drop_full(struct log *l, int level, uint64_t n, struct arm_err *e)
{
	struct tile t = {level, n, TILE_WIDTH};
	char p[TILE_PATH_MAX];
	const char *paths[1] = {p};

	ARM_TRY(tile_path(&t, p, sizeof(p), e));
	return l->st->ops->remove(l->st, paths, 1, e);
}

/* Level index for shifting: the entries level is level 0's geometry. */
static unsigned
geo_level(int level)
{
	return level < 0 ? 0u : (unsigned)level;
}

/*
 * Recovery: removes every tile and bundle that lies beyond the commit
 * record. One commit writes at most LOG_BATCH_MAX entries past it, so the
 * files a crashed batch can have left are within that span.
 */
static int
drop_beyond(struct log *l, uint64_t c, struct arm_err *e)
{
	int level;

	for (level = TILE_LEVEL_ENTRIES; level < 64; level++) {
		unsigned g = geo_level(level);
		uint64_t at = g * 8 >= 64 ? 0 : c >> (8 * g);
		uint64_t hi = g * 8 >= 64 ? 0 : (c + LOG_BATCH_MAX) >> (8 * g);
		uint64_t n, n_edge = at >> 8;
		unsigned w = (unsigned)(at & 255);

		if (level > 0 && hi == 0)
			break; /* no batch can reach this level */
		for (n = n_edge; n <= (hi >> 8); n++) {
			ARM_TRY(drop_partials(l, level, n, n == n_edge ? w : 0, false, e));
			ARM_TRY(drop_full(l, level, n, e));
		}
	}
	return ARM_OK;
}

/*
 * Collects partial tiles superseded before size upto (the previously
 * published size): nobody reads them once a later checkpoint is public
 * for a while, and they are most of a small-batch log's bytes otherwise.
 */
int
lg_collect_partials(struct log *l, uint64_t from, uint64_t upto, struct arm_err *e)
{
	int level;

	if (upto <= from)
		return ARM_OK;
	for (level = TILE_LEVEL_ENTRIES; level < 64; level++) {
		unsigned g = geo_level(level);
		uint64_t at = upto >> (8 * g), lo = from >> (8 * g), n;

		if (g * 8 >= 64 || at == 0)
			break;
		for (n = lo >> 8; n <= (at >> 8); n++) {
			bool full = n < (at >> 8);
			unsigned w = full ? 256u : (unsigned)(at & 255);
			if (w == 0)
				continue;
			ARM_TRY(drop_partials(l, level, n, w, true, e));
		}
	}
	return ARM_OK;
}

struct idx_fill {
	struct log *l;
	uint8_t (*leaves)[HASH_SIZE];
	size_t n;
	uint64_t first;
};

static int
idx_fill_flush(struct idx_fill *f, struct arm_err *e)
{
	int rc;

	if (f->n == 0)
		return ARM_OK;
	rc = logidx_add(f->l->idx, f->first, (const uint8_t(*)[HASH_SIZE])f->leaves, f->n, e);
	f->first += f->n;
	f->n = 0;
	return rc;
}

static int
idx_fill_cb(void *ctx, uint64_t index, const uint8_t *entry, size_t len, struct arm_err *e)
{
	struct idx_fill *f = ctx;

	(void)index;
	hash_leaf(f->leaves[f->n++], entry, len);
	if (f->n == 4096)
		return idx_fill_flush(f, e);
	return ARM_OK;
}

/* Brings the index to size (caller holds idx_mu). */
int
lg_index_catch_up(struct log *l, uint64_t size, struct arm_err *e)
{
	struct idx_fill f = {l, NULL, 0, 0};
	uint64_t have = 0;
	int rc;

	if (l->idx == NULL)
		return ARM_OK;
	ARM_TRY(logidx_size(l->idx, &have, e));
	if (have > size)
		return logidx_truncate(l->idx, size, e);
	if (have == size)
		return ARM_OK;
	if ((f.leaves = malloc(4096 * sizeof(*f.leaves))) == NULL)
		return arm_err_set(e, ARM_ENOMEM, "out of memory indexing '%s'", l->dir);
	f.first = have;
	rc = lg_scan_bundles(l, have, size, size, idx_fill_cb, &f, e);
	if (rc == ARM_OK)
		rc = idx_fill_flush(&f, e);
	free(f.leaves);
	return rc;
}

int
lg_load_state(struct log *l, struct arm_err *e)
{
	struct buf pub = BUF_INIT(CKPT_NOTE_MAX);
	struct ckpt c = {0}, p = {0};
	const struct note_verifier *key = l->have_cfg ? &l->cfg.vkey : NULL;
	int rc;

	buf_reset(&l->commit);
	rc = l->st->ops->read_commit(l->st, &l->commit, e);
	if (rc == ARM_OK) {
		if ((rc = lg_open_ckpt(l, l->commit.data, l->commit.len, key, &c, e)) != ARM_OK) {
			arm_err_prefix(e, "commit record of log '%s'", l->dir);
			goto out;
		}
		l->size = c.size;
		memcpy(l->root, c.root, HASH_SIZE);
	} else if (rc != ARM_ENOTFOUND || l->writer) {
		if (rc == ARM_ENOTFOUND)
			rc = arm_err_set(
			    e, ARM_ENOTFOUND,
			    "'%s' is not a log (no commit record; run 'armistice log init')",
			    l->dir);
		goto out;
	}
	rc = l->st->ops->read(l->st, "checkpoint", &pub, e);
	if (rc == ARM_OK) {
		if ((rc = lg_open_ckpt(l, pub.data, pub.len, key, &p, e)) != ARM_OK) {
			arm_err_prefix(e, "checkpoint of log '%s'", l->dir);
			goto out;
		}
		l->pub_size = p.size;
		l->have_pub = true;
		if (l->commit.len == 0) { /* a mirror: the public checkpoint is all there is */
			l->size = p.size;
			memcpy(l->root, p.root, HASH_SIZE);
			if ((rc = buf_append(&l->commit, pub.data, pub.len, e)) != ARM_OK)
				goto out;
		} else if (p.size > l->size) {
			rc = arm_err_set(e, ARM_ECONFLICT,
			                 "log '%s': public checkpoint (size %" PRIu64
			                 ") is ahead of the commit record (size %" PRIu64 ")",
			                 l->dir, p.size, l->size);
			goto out;
		} else if (p.size == l->size && memcmp(p.root, l->root, HASH_SIZE) != 0) {
			rc = arm_err_set(
			    e, ARM_ECONFLICT,
			    "log '%s': public checkpoint and commit record differ at size %" PRIu64,
			    l->dir, p.size);
			goto out;
		}
	} else if (rc == ARM_ENOTFOUND && l->commit.len > 0) {
		l->have_pub = false; /* a crash between the first commit and publish */
		l->pub_size = 0;
		rc = ARM_OK;
	} else {
		if (rc == ARM_ENOTFOUND)
			rc = arm_err_set(e, ARM_ENOTFOUND, "'%s' is not a log (no checkpoint)",
			                 l->dir);
		goto out;
	}
	memcpy(l->pub_root, p.root, HASH_SIZE);
out:
	buf_release(&pub);
	return rc;
}

static int
open_index(struct log *l, struct arm_err *e)
{
	const char *d = store_fs_dir(l->st);
	char path[4200];
	struct arm_err ignore;
	int rc;

	if (d == NULL) {
		/* Other stores: a writer's index in memory, rebuilt at open (dedupe). */
		if (!l->writer)
			return ARM_OK;
		return logidx_open(&l->idx, ":memory:", true, e);
	}
	snprintf(path, sizeof(path), "%s/.armistice/index.db", d);
	rc = logidx_open(&l->idx, path, l->writer, l->writer ? e : &ignore);
	if (!l->writer && rc != ARM_OK) {
		l->idx = NULL; /* a mirror or a fresh copy: scan instead */
		return ARM_OK;
	}
	return rc;
}

static bool
same_key(const struct note_verifier *a, const struct note_verifier *b)
{
	return a->key_id == b->key_id && a->type == b->type && strcmp(a->name, b->name) == 0 &&
	       memcmp(a->pk, b->pk, sizeof(a->pk)) == 0;
}

int
log_open(struct log **out, const char *dir, const struct log_opts *opts, struct arm_err *e)
{
	struct log *l;
	char shown[512];
	int rc;

	*out = NULL;
	/* A connection string is shown without its password. */
	if (store_pg_is_url(dir))
		store_pg_redact(dir, shown, sizeof(shown));
	if ((l = calloc(1, sizeof(*l))) == NULL ||
	    (l->dir = strdup(store_pg_is_url(dir) ? shown : dir)) == NULL) {
		free(l);
		return arm_err_set(e, ARM_ENOMEM, "out of memory opening a log");
	}
	if (opts != NULL)
		l->opts = *opts;
	l->writer = l->opts.writer;
	l->key = l->opts.key;
	if (l->opts.batch_max == 0)
		l->opts.batch_max = LOG_BATCH_DEFAULT;
	if (l->opts.batch_max > LOG_BATCH_ENTRIES)
		l->opts.batch_max = LOG_BATCH_ENTRIES;
	if (l->opts.batch_ms == 0)
		l->opts.batch_ms = LOG_BATCH_MS_DEFAULT;
	buf_init(&l->commit, CKPT_NOTE_MAX);
	pthread_mutex_init(&l->idx_mu, NULL);
	pthread_mutex_init(&l->seq, NULL);
	pthread_mutex_init(&l->pub_mu, NULL);
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv_pool, NULL);
	if (l->opts.store != NULL) {
		l->st = l->opts.store;
	} else if ((rc = store_open_any(&l->st, dir, false, e)) != ARM_OK) {
		goto out;
	}
	rc = config_load(l->st, &l->cfg, e);
	if (rc == ARM_OK) {
		l->have_cfg = true;
	} else if (rc != ARM_ENOTFOUND || l->writer) {
		arm_err_prefix(e, "log '%s'", dir);
		goto out;
	}
	if (l->writer) {
		if (l->key != NULL) {
			struct note_verifier v;
			note_signer_verifier(l->key, &v);
			if (!same_key(&v, &l->cfg.vkey)) {
				rc = arm_err_set(
				    e, ARM_EVERIFY,
				    "key '%s+%08" PRIx32 "' is not the key of log '%s' "
				    "('%s+%08" PRIx32 "')",
				    v.name, v.key_id, dir, l->cfg.vkey.name, l->cfg.vkey.key_id);
				goto out;
			}
		}
		if ((rc = l->st->ops->lock(l->st, e)) != ARM_OK ||
		    (rc = l->st->ops->recover(l->st, e)) != ARM_OK)
			goto out;
	}
	if ((rc = lg_load_state(l, e)) != ARM_OK)
		goto out;
	if (l->writer && (rc = drop_beyond(l, l->size, e)) != ARM_OK)
		goto out;
	if (l->writer && l->have_pub && l->pub_size < l->size) {
		uint8_t r[HASH_SIZE];
		/* The public checkpoint must be a prefix of the committed tree. */
		if ((rc = log_root(l, l->pub_size, r, e)) != ARM_OK)
			goto out;
		if (memcmp(r, l->pub_root, HASH_SIZE) != 0) {
			rc = arm_err_set(e, ARM_ECONFLICT,
			                 "log '%s': public checkpoint (size %" PRIu64
			                 ") is not a prefix of the commit record",
			                 l->dir, l->pub_size);
			goto out;
		}
	}
	if ((rc = open_index(l, e)) != ARM_OK)
		goto out;
	if (l->writer) {
		if ((rc = lg_index_catch_up(l, l->size, e)) != ARM_OK)
			goto out;
		l->gc_lo = l->pub_size;
		if (!l->opts.manual_publish && (!l->have_pub || l->pub_size < l->size)) {
			/* A crash between commit and publish: publish now. */
			if ((rc = lg_publish_auto(l, e)) != ARM_OK)
				goto out;
		}
	}
out:
	if (rc != ARM_OK) {
		if (l->st == l->opts.store)
			l->opts.store = NULL;
		log_close(l);
		return rc;
	}
	*out = l;
	return ARM_OK;
}

void
log_set_hooks(struct log *l, const struct log_hooks *h)
{
	lg_lock(&l->seq);
	if (h != NULL)
		l->opts.hooks = *h;
	else
		memset(&l->opts.hooks, 0, sizeof(l->opts.hooks));
	lg_unlock(&l->seq);
}
