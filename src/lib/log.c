/*
 * log.c - the sequencer and the reads, proofs and audit of a log; see
 * log.h for the contract and docs/architecture.md ("The log") for why.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "armistice/bundle.h"
#include "armistice/ckpt.h"
#include "armistice/hash.h"
#include "armistice/log.h"
#include "armistice/store_pg.h"
#include "armistice/logclock.h"
#include "armistice/logidx.h"
#include "armistice/merkle.h"
#include "armistice/parfor.h"
#include "armistice/note.h"
#include "armistice/store.h"
#include "armistice/tiles.h"
#include "armistice/tproof.h"
#include "armistice/common.h"

#define CKPT_NOTE_MAX (64u * 1024)
#define CONFIG_MAX 16384

/*
 * Submitted entries per commit: one leaf of the LOG_BATCH_MAX that a
 * commit may write (and recovery clears) is kept for the batch's clock
 * leaf (logclock.h).
 */
#define LOG_BATCH_ENTRIES (LOG_BATCH_MAX - 1)

struct add_slot {
	const uint8_t *entry;
	size_t len;
	struct log_result res;
	int rc; /* the batch's fate */
	bool done;
	bool lead; /* handed the leader's role (hand_over) */
	sem_t sem; /* posted when done or lead is set */
};

struct log {
	char *dir;
	struct store *st;
	bool writer;
	const struct note_signer *key;
	struct log_opts opts;
	struct log_config cfg;
	bool have_cfg;

	pthread_mutex_t idx_mu; /* the SQLite connection is one thread's at a time */
	struct logidx *idx;     /* NULL for a reader without an index */
	bool idx_stale;         /* an index write failed; caught up before the next batch */
	bool broken;            /* a failed commit could not be rolled back: reopen */
	struct arm_err pub_err; /* why the last automatic publish failed */

	pthread_mutex_t seq;    /* one batch (or publish of the log) at a time */
	pthread_mutex_t pub_mu; /* one publish at a time */
	pthread_mutex_t mu;     /* the fields below */
	pthread_cond_t cv_pool; /* the pool grew (the leader waits here) */
	uint64_t size;          /* committed */
	uint8_t root[HASH_SIZE];
	struct buf commit; /* the commit record: log-signed checkpoint note */
	uint64_t pub_size;
	uint8_t pub_root[HASH_SIZE]; /* as read at open */
	bool have_pub;
	uint64_t gc_lo; /* partial tiles below this size were collected */
	struct add_slot **pool;
	size_t npool, cappool;
	bool leader;
	size_t want; /* the pool size the leader waits for (leader_wait) */
	size_t last; /* entries in the last group batch: the load's measure */
};

/* ---------------------------------------------------------------- */
/* small helpers                                                     */

static void
lock(pthread_mutex_t *m)
{
	(void)pthread_mutex_lock(m);
}

static void
unlock(pthread_mutex_t *m)
{
	(void)pthread_mutex_unlock(m);
}

/*
 * Reads tile t. A partial tile that was never written (the tree had that
 * size only inside a batch) or was collected is served from the full tile
 * or a wider partial one: tiles only grow, so a prefix of a wider tile is
 * the narrower tile (tlog-tiles: clients may fetch the full tile instead).
 */
static int
tile_read_cb(void *ctx, const struct tile *t, struct buf *out, struct arm_err *e)
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
	r->read = tile_read_cb;
}

static int tile_read_cb(void *ctx, const struct tile *t, struct buf *out, struct arm_err *e);

/*
 * Reads the tile at (level, n) as it stands in a tree of size: exactly that
 * file (the audit), or else also from a wider tile (tile_read_cb()).
 */
static int
read_tile_at(struct log *l, int level, uint64_t n, uint64_t size, bool exact, struct tile *t,
             char path[TILE_PATH_MAX], struct buf *out, struct arm_err *e)
{
	if (!tile_for_size(level, n, size, t))
		return arm_err_set(e, ARM_EUSAGE,
		                   "no tile %d/%" PRIu64 " in a tree of size %" PRIu64, level, n,
		                   size);
	ARM_TRY(tile_path(t, path, TILE_PATH_MAX, e));
	buf_reset(out);
	if (!exact)
		return tile_read_cb(l, t, out, e);
	return l->st->ops->read(l->st, path, out, e);
}

/* Parses a checkpoint note without checking signatures (readers). */
static int
parse_ckpt_note(const uint8_t *msg, size_t len, struct ckpt *c, struct arm_err *e)
{
	struct note n = {0};
	int rc;

	ARM_TRY(note_parse(&n, msg, len, CKPT_NOTE_MAX, e));
	rc = ckpt_parse(c, n.text, n.text_len, e);
	note_release(&n);
	return rc;
}

static int
open_ckpt(struct log *l, const uint8_t *msg, size_t len, const struct note_verifier *key,
          struct ckpt *c, struct arm_err *e)
{
	struct note n = {0};
	int rc;

	if (key == NULL)
		return parse_ckpt_note(msg, len, c, e);
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

static int
sign_checkpoint(const struct note_signer *key, const char *origin, uint64_t size,
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
	if ((rc = sign_checkpoint(key, origin, 0, empty, &b, e)) != ARM_OK)
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
static int
collect_partials(struct log *l, uint64_t from, uint64_t upto, struct arm_err *e)
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

static int scan_bundles(struct log *l, uint64_t from, uint64_t to, uint64_t size, log_scan_fn fn,
                        void *ctx, struct arm_err *e);
static int log_publish_auto(struct log *l, struct arm_err *e);
static int after_publish(struct log *l, uint64_t at, uint64_t prev, bool had,
                         const struct buf *note, struct arm_err *e);

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
static int
index_catch_up(struct log *l, uint64_t size, struct arm_err *e)
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
	rc = scan_bundles(l, have, size, size, idx_fill_cb, &f, e);
	if (rc == ARM_OK)
		rc = idx_fill_flush(&f, e);
	free(f.leaves);
	return rc;
}

static int
load_state(struct log *l, struct arm_err *e)
{
	struct buf pub = BUF_INIT(CKPT_NOTE_MAX);
	struct ckpt c = {0}, p = {0};
	const struct note_verifier *key = l->have_cfg ? &l->cfg.vkey : NULL;
	int rc;

	buf_reset(&l->commit);
	rc = l->st->ops->read_commit(l->st, &l->commit, e);
	if (rc == ARM_OK) {
		if ((rc = open_ckpt(l, l->commit.data, l->commit.len, key, &c, e)) != ARM_OK) {
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
		if ((rc = open_ckpt(l, pub.data, pub.len, key, &p, e)) != ARM_OK) {
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
	if ((rc = load_state(l, e)) != ARM_OK)
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
		if ((rc = index_catch_up(l, l->size, e)) != ARM_OK)
			goto out;
		l->gc_lo = l->pub_size;
		if (!l->opts.manual_publish && (!l->have_pub || l->pub_size < l->size)) {
			/* A crash between commit and publish: publish now. */
			if ((rc = log_publish_auto(l, e)) != ARM_OK)
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
	lock(&l->seq);
	if (h != NULL)
		l->opts.hooks = *h;
	else
		memset(&l->opts.hooks, 0, sizeof(l->opts.hooks));
	unlock(&l->seq);
}

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

static int
idx_lookup(struct log *l, const uint8_t leaf[HASH_SIZE], uint64_t *index, struct arm_err *e)
{
	int rc;

	if (l->idx == NULL)
		return ARM_ENOTFOUND;
	lock(&l->idx_mu);
	rc = logidx_find(l->idx, leaf, index, e);
	unlock(&l->idx_mu);
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
		if ((rc = read_tile_at(l, TILE_LEVEL_ENTRIES, n, old, true, &t, path, &b, e)) !=
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
	return tile_read_cb(o->l, t, out, e);
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
		lock(&l->mu);
		rc = l->st->ops->write_commit(l->st, l->commit.data, l->commit.len, &ignore);
		unlock(&l->mu);
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
	uint8_t old_root[HASH_SIZE], new_root[HASH_SIZE], h[HASH_SIZE];
	uint64_t old;
	size_t i, k = 0;
	bool published = false, clocked = false;
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
	lock(&l->mu);
	old = l->size;
	memcpy(old_root, l->root, HASH_SIZE);
	unlock(&l->mu);
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
		lock(&l->idx_mu);
		rc = index_catch_up(l, old, e);
		unlock(&l->idx_mu);
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
		lock(&l->idx_mu);
		rc = logidx_find_many(l->idx, (const uint8_t(*)[HASH_SIZE])hashes, n, seen_at, seen,
		                      e);
		unlock(&l->idx_mu);
		if (rc != ARM_OK)
			goto out;
	}
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
		prev = hset_find(&hs, (const uint8_t(*)[HASH_SIZE])leaves, h);
		if (prev >= 0) {
			res[i].index = old + (uint64_t)prev;
			res[i].dup = true;
			continue;
		}
		if (k == 0 && !clocked && l->opts.hooks.clock != NULL) {
			clocked = true;
			if ((rc = clock_leaf(l, old, &clock, e)) != ARM_OK)
				goto out;
			if (clock.len > 0 && l->opts.hooks.check != NULL &&
			    (rc = l->opts.hooks.check(l->opts.hooks.ctx, old, clock.data, clock.len,
			                              e)) != ARM_OK) {
				arm_err_prefix(e, "log clock leaf %" PRIu64, old);
				goto out;
			}
			if (clock.len > 0) {
				hash_leaf(leaves[0], clock.data, clock.len);
				hset_add(&hs, (const uint8_t(*)[HASH_SIZE])leaves, 0);
				acc[0] = clock.data;
				acclen[0] = clock.len;
				accpos[0] = SIZE_MAX;
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
		memcpy(leaves[k], h, HASH_SIZE);
		hset_add(&hs, (const uint8_t(*)[HASH_SIZE])leaves, (uint32_t)k);
		res[i].index = old + k;
		acc[k] = ents[i];
		acclen[k] = lens[i];
		accpos[k] = i;
		k++;
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
	if ((rc = sign_checkpoint(l->key, l->cfg.origin, old + k, new_root, &note, e)) != ARM_OK)
		goto out;
	if (l->st->ops->commit != NULL) {
		/* Files, commit point and (auto) publish in one store call. */
		enum store_stage stage = STORE_STAGE_NONE;
		bool pub = !l->opts.manual_publish, had;
		uint64_t prev;

		if (pub)
			lock(&l->pub_mu); /* no publish of an older checkpoint may overtake */
		lock(&l->mu);
		prev = l->pub_size;
		had = l->have_pub;
		unlock(&l->mu);
		rc = l->st->ops->commit(l->st, files.f, files.n, note.data, note.len,
		                        pub ? note.data : NULL, note.len, &stage, e);
		if (stage == STORE_STAGE_NONE || stage == STORE_STAGE_MAYBE) {
			if (pub)
				unlock(&l->pub_mu);
			if (stage == STORE_STAGE_MAYBE && commit_rollback(l, &note) != ARM_OK)
				goto out; /* the new record may stand: its files must stay */
			goto undo;
		}
		lock(&l->mu);
		if (stage == STORE_STAGE_RECORD && pub)
			l->pub_err = *e; /* committed; the publish is retried */
		buf_reset(&l->commit);
		rc = buf_append(&l->commit, note.data, note.len, e);
		l->size = old + k;
		memcpy(l->root, new_root, HASH_SIZE);
		unlock(&l->mu);
		if (stage == STORE_STAGE_ALL && pub) {
			struct arm_err pe;
			published = true;
			if (after_publish(l, old + k, prev, had, &note, &pe) != ARM_OK) {
				lock(&l->mu);
				l->pub_err = pe;
				unlock(&l->mu);
			} else {
				lock(&l->mu);
				arm_err_clear(&l->pub_err);
				unlock(&l->mu);
			}
		}
		if (pub)
			unlock(&l->pub_mu);
		if (rc != ARM_OK)
			goto out;
		goto index;
	}
	if ((rc = l->st->ops->write_batch(l->st, files.f, files.n, e)) != ARM_OK)
		goto undo;
	/* The commit point. */
	if ((rc = l->st->ops->write_commit(l->st, note.data, note.len, e)) != ARM_OK) {
		if (commit_rollback(l, &note) != ARM_OK)
			goto out; /* the new record may stand: its files must stay */
		goto undo;
	}
	lock(&l->mu);
	buf_reset(&l->commit);
	rc = buf_append(&l->commit, note.data, note.len, e);
	l->size = old + k;
	memcpy(l->root, new_root, HASH_SIZE);
	unlock(&l->mu);
	if (rc != ARM_OK)
		goto out;
index : {
	/* A failure here is repaired by the next batch's catch-up. */
	struct arm_err ie;
	lock(&l->idx_mu);
	if (l->idx != NULL &&
	    logidx_add(l->idx, old, (const uint8_t(*)[HASH_SIZE])leaves, k, &ie) != ARM_OK)
		l->idx_stale = true;
	unlock(&l->idx_mu);
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
		(void)log_publish_auto(l, &pe);
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

	lock(&l->seq);
	while (off < n) {
		size_t m = n - off > LOG_BATCH_ENTRIES ? LOG_BATCH_ENTRIES : n - off;
		if ((rc = commit_batch(l, entries + off, lens + off, m, res + off, e)) != ARM_OK)
			break;
		off += m;
	}
	unlock(&l->seq);
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
	unlock(&l->mu);
	for (i = 0; i < m; i++) {
		ents[i] = take[i]->entry;
		lens[i] = take[i]->len;
	}
	arm_err_clear(&be);
	lock(&l->seq);
	rc = commit_batch(l, ents, lens, m, res, &be);
	unlock(&l->seq);
	lock(&l->mu);
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
	unlock(&l->mu);
	for (i = 0; i < m; i++)
		if (take[i] != me)
			sem_post(&take[i]->sem); /* gone once posted: not touched again */
	lock(&l->mu);
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
	lock(&l->mu);
	if (l->npool == l->cappool) {
		size_t nc = l->cappool ? l->cappool * 2 : 64;
		struct add_slot **np = realloc(l->pool, nc * sizeof(*np));
		if (np == NULL) {
			unlock(&l->mu);
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
		unlock(&l->mu);
		while (sem_wait(&me.sem) != 0 && errno == EINTR)
			;
		if (me.done)
			goto done; /* set before the post, which orders it */
		lock(&l->mu);
	}
	while (!me.done) {
		l->leader = true;
		if (lead_batch(l, &me) != ARM_OK) {
			unlock(&l->mu);
			sem_destroy(&me.sem);
			return arm_err_set(e, ARM_ENOMEM, "out of memory committing a batch");
		}
	}
	unlock(&l->mu);
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
static int
after_publish(struct log *l, uint64_t at, uint64_t prev, bool had, const struct buf *note,
              struct arm_err *e)
{
	int rc = ARM_OK;

	lock(&l->mu);
	l->pub_size = at;
	l->have_pub = true;
	unlock(&l->mu);
	lock(&l->idx_mu);
	if (l->idx != NULL &&
	    (rc = logidx_put_checkpoint(l->idx, at, note->data, note->len, e)) != ARM_OK)
		arm_err_prefix(e, "checkpoint of size %" PRIu64 " published, but", at);
	unlock(&l->idx_mu);
	if (rc != ARM_OK)
		return rc;
	if (had && prev > l->gc_lo) {
		ARM_TRY(collect_partials(l, l->gc_lo, prev, e));
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
	lock(&l->pub_mu);
	lock(&l->mu);
	at = l->size;
	prev = l->pub_size;
	had = l->have_pub;
	rc = buf_append(&note, l->commit.data, l->commit.len, e);
	unlock(&l->mu);
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
	rc = after_publish(l, at, prev, had, &note, e);
out:
	unlock(&l->pub_mu);
	if (rc == ARM_OK && size != NULL)
		*size = at;
	buf_release(&note);
	buf_release(&sigs);
	return rc;
}

static int
log_publish_auto(struct log *l, struct arm_err *e)
{
	int rc = log_publish(l, NULL, NULL, NULL, e);

	lock(&l->mu);
	if (rc == ARM_OK)
		arm_err_clear(&l->pub_err);
	else
		l->pub_err = *e;
	unlock(&l->mu);
	return rc;
}

int
log_publish_status(struct log *l, struct arm_err *e)
{
	int rc = ARM_OK;

	lock(&l->mu);
	if (l->pub_err.rc != ARM_OK && l->pub_size < l->size) {
		rc = l->pub_err.rc;
		if (e != NULL)
			*e = l->pub_err;
	}
	unlock(&l->mu);
	return rc;
}

/* ---------------------------------------------------------------- */
/* reads                                                             */

uint64_t
log_size(struct log *l)
{
	uint64_t s;

	lock(&l->mu);
	s = l->size;
	unlock(&l->mu);
	return s;
}

int
log_refresh(struct log *l, struct arm_err *e)
{
	int rc;

	if (l->writer)
		return arm_err_set(e, ARM_EUSAGE, "log '%s': the writer does not refresh", l->dir);
	lock(&l->mu);
	rc = load_state(l, e);
	unlock(&l->mu);
	return rc;
}

uint64_t
log_published_size(struct log *l)
{
	uint64_t s;

	lock(&l->mu);
	s = l->pub_size;
	unlock(&l->mu);
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

	lock(&l->mu);
	rc = buf_append(out, l->commit.data, l->commit.len, e);
	unlock(&l->mu);
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
	    parse_ckpt_note(cur.data, cur.len, &c, e) == ARM_OK && c.size == size) {
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
	lock(&l->idx_mu);
	rc = logidx_get_checkpoint(l->idx, size, out, e);
	unlock(&l->idx_mu);
	if (rc == ARM_ENOTFOUND)
		arm_err_set(e, ARM_ENOTFOUND,
		            "log '%s' published no checkpoint of size %" PRIu64
		            " (current size %" PRIu64 ")",
		            l->dir, size, log_published_size(l));
	return rc;
}

static int
scan_bundles(struct log *l, uint64_t from, uint64_t to, uint64_t size, log_scan_fn fn, void *ctx,
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
		if ((rc = read_tile_at(l, TILE_LEVEL_ENTRIES, n, size, false, &t, path, &b, e)) !=
		    ARM_OK)
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
	return scan_bundles(l, from, to, size, fn, ctx, e);
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
	return scan_bundles(l, index, index + 1, size, get_cb, out, e);
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
	rc = idx_lookup(l, f.want, index, e);
	if (rc == ARM_OK && *index < size)
		return ARM_OK;
	if (rc != ARM_OK && rc != ARM_ENOTFOUND)
		return rc;
	/* Without an index, or past its end, scan the bundles. */
	if (l->idx != NULL) {
		lock(&l->idx_mu);
		rc = logidx_size(l->idx, &have, e);
		unlock(&l->idx_mu);
		if (rc != ARM_OK)
			have = 0;
		if (have > size)
			have = size;
	}
	rc = scan_bundles(l, have, size, size, find_cb, &f, e);
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
	if ((rc = parse_ckpt_note(ck.data, ck.len, &c, e)) != ARM_OK)
		goto out;
	log_tile_reader(l, &r);
	if ((rc = tile_src_init(&ts, &r, size, &src, e)) != ARM_OK)
		goto out;
	have_ts = true;
	if ((rc = merkle_prove_inclusion(&src, index, size, p->path, &p->npath, e)) != ARM_OK)
		goto out;
	/* Never hand out a proof that does not check: verify it first. */
	if ((rc = scan_bundles(l, index, index + 1, size, get_cb, &ent, e)) != ARM_OK)
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
		if ((rc = scan_bundles(l, lo, hi, c.size, last_clock_cb, &lc, e)) != ARM_OK)
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

	if ((rc = read_tile_at(a->l, level, n, a->size, true, &t, path, &a->tb, e)) != ARM_OK) {
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
		if ((rc = read_tile_at(l, TILE_LEVEL_ENTRIES, k, S, true, &t, x->path, &x->b, e)) !=
		    ARM_OK) {
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
	if ((rc = open_ckpt(l, pubb.data, pubb.len, key, &pub, e)) != ARM_OK) {
		arm_err_prefix(e, "log '%s': checkpoint", l->dir);
		goto out;
	}
	target = &pub;
	rc = l->st->ops->read_commit(l->st, &comb, e);
	if (rc == ARM_OK) {
		if ((rc = open_ckpt(l, comb.data, comb.len, key, &com, e)) != ARM_OK) {
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
		if ((rc = open_ckpt(l, o->since, o->since_len, key, &since, e)) != ARM_OK) {
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
	lock(&l->seq);
	lock(&l->idx_mu);
	rc = logidx_truncate(l->idx, 0, e);
	if (rc == ARM_OK)
		rc = index_catch_up(l, log_size(l), e);
	unlock(&l->idx_mu);
	unlock(&l->seq);
	return rc;
}
