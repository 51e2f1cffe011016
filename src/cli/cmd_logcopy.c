/*
 * cmd_logcopy.c - armistice log export / import: copies a log from one
 * store to another (a directory, a postgresql:// database), incrementally.
 *
 * The copy is the sequencer's own commit protocol run by hand on the
 * target: it takes the target's writer lock, checks that the target's
 * commit record (if any) is a prefix of the source's tree (same origin and
 * key, same root at its size: a copy never rewrites history), writes the
 * tiles and bundles the target lacks (full tiles are immutable, so one
 * that is present is skipped), and then moves the target's commit record
 * and public checkpoint to the source's in one store commit. A copy that
 * is interrupted leaves the target at its old commit record. The bytes
 * are the source's bytes (tlog-tiles v0.1.0), so the result has the same
 * root, the same signed checkpoint and verifies with `log verify`.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_logcopy.h"
#include "armistice/ckpt.h"
#include "armistice/log.h"
#include "armistice/note.h"
#include "armistice/store.h"
#include "armistice/store_pg.h"
#include "armistice/tiles.h"
#include "armistice/common.h"
#include "armistice/banned.h"

/* Files are written in chunks of about this many bytes before the commit. */
#define COPY_CHUNK_BYTES (32u << 20)
/* A checkpoint note with its cosignatures (log.c keeps the same bound). */
#define COPY_NOTE_MAX (64u * 1024)

struct copy_report {
	uint64_t from_size; /* the target's size before */
	uint64_t size;      /* after */
	uint64_t files;     /* tiles and bundles written */
	uint64_t skipped;   /* full tiles already there */
};

struct chunk {
	struct store_file *f;
	char (*paths)[TILE_PATH_MAX];
	struct buf *data;
	size_t n, cap, bytes;
};

static void
chunk_reset(struct chunk *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		buf_release(&c->data[i]);
	c->n = 0;
	c->bytes = 0;
}

static void
chunk_release(struct chunk *c)
{
	chunk_reset(c);
	free(c->f);
	free(c->paths);
	free(c->data);
}

static int
chunk_add(struct chunk *c, struct log *l, const char *path, struct arm_err *e)
{
	if (c->n == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 64;
		struct store_file *f = realloc(c->f, nc * sizeof(*f));
		char(*p)[TILE_PATH_MAX];
		struct buf *d;
		if (f != NULL)
			c->f = f;
		p = realloc(c->paths, nc * sizeof(*p));
		if (p != NULL)
			c->paths = p;
		d = realloc(c->data, nc * sizeof(*d));
		if (d != NULL)
			c->data = d;
		if (f == NULL || p == NULL || d == NULL)
			return arm_err_set(e, ARM_ENOMEM, "out of memory copying '%s'", path);
		c->cap = nc;
	}
	snprintf(c->paths[c->n], TILE_PATH_MAX, "%s", path);
	buf_init(&c->data[c->n], (size_t)1 << 25); /* a bundle: 256 entries of 65535 bytes */
	ARM_TRY(log_read_file(l, path, &c->data[c->n], e));
	c->bytes += c->data[c->n].len;
	c->n++;
	return ARM_OK;
}

static void
chunk_files(struct chunk *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		c->f[i].path = c->paths[i];
		c->f[i].data = c->data[i].data;
		c->f[i].len = c->data[i].len;
	}
}

/* The config text log_create() writes, from the source's config. */
static int
config_text(const struct log_config *cfg, struct buf *out, struct arm_err *e)
{
	ARM_TRY(buf_printf(out, e, "origin %s\nvkey ", cfg->origin));
	ARM_TRY(note_verifier_format(&cfg->vkey, out, e));
	ARM_TRY(buf_puts(out, "\n", e));
	if (cfg->key_path[0] != '\0')
		ARM_TRY(buf_printf(out, e, "key %s\n", cfg->key_path));
	return ARM_OK;
}

/*
 * The target as it stands: empty (its config is written), or a prefix of
 * the source (*tsize set). Anything else is refused.
 */
static int
check_target(struct store *d, struct log *l, const struct log_config *cfg, const char *dst,
             uint64_t *tsize, struct arm_err *e)
{
	struct buf rec = BUF_INIT(COPY_NOTE_MAX), text = BUF_INIT(1 << 16);
	struct log_config tc;
	struct ckpt c;
	struct note n = {0};
	uint8_t root[HASH_SIZE];
	int rc;

	*tsize = 0;
	rc = d->ops->read_commit(d, &rec, e);
	if (rc == ARM_ENOTFOUND) {
		if ((rc = config_text(cfg, &text, e)) == ARM_OK)
			rc = d->ops->write_meta(d, "config", text.data, text.len, e);
		goto out;
	}
	if (rc != ARM_OK)
		goto out;
	if ((rc = d->ops->read_meta(d, "config", &text, e)) != ARM_OK ||
	    (rc = log_config_parse((const char *)text.data, text.len, &tc, e)) != ARM_OK)
		goto out;
	if (strcmp(tc.origin, cfg->origin) != 0 || tc.vkey.key_id != cfg->vkey.key_id ||
	    memcmp(tc.vkey.pk, cfg->vkey.pk, sizeof(tc.vkey.pk)) != 0) {
		rc = arm_err_set(e, ARM_ECONFLICT,
		                 "'%s' holds another log (origin %s), not a copy of %s", dst,
		                 tc.origin, cfg->origin);
		goto out;
	}
	if ((rc = ckpt_open(rec.data, rec.len, &cfg->vkey, cfg->origin, &c, &n, e)) != ARM_OK) {
		arm_err_prefix(e, "commit record of '%s'", dst);
		goto out;
	}
	if (c.size > log_size(l)) {
		rc = arm_err_set(e, ARM_ECONFLICT,
		                 "'%s' is ahead of the source (size %" PRIu64 " > %" PRIu64
		                 "); not copying backwards",
		                 dst, c.size, log_size(l));
		goto out;
	}
	if ((rc = log_root(l, c.size, root, e)) != ARM_OK)
		goto out;
	if (memcmp(root, c.root, HASH_SIZE) != 0) {
		rc = arm_err_set(e, ARM_ECONFLICT,
		                 "'%s' at size %" PRIu64 " has another root than the source: the "
		                 "two logs forked; not copying",
		                 dst, c.size);
		goto out;
	}
	*tsize = c.size;
out:
	note_release(&n);
	buf_release(&rec);
	buf_release(&text);
	return rc;
}

static int
copy_log(const char *src, const char *dst, struct copy_report *r, struct arm_err *e)
{
	struct log *l = NULL, *check = NULL;
	struct store *d = NULL;
	struct log_config cfg;
	struct buf rec = BUF_INIT(COPY_NOTE_MAX), pub = BUF_INIT(COPY_NOTE_MAX);
	struct chunk ch = {0};
	struct log_opts o;
	enum store_stage stage;
	uint64_t size, tsize = 0, n;
	int level, rc;

	memset(r, 0, sizeof(*r));
	if (strcmp(src, dst) == 0)
		return arm_err_set(e, ARM_EUSAGE, "source and target are the same log");
	ARM_TRY(log_config_read(src, &cfg, e));
	ARM_TRY(log_open(&l, src, NULL, e));
	size = log_size(l);
	if ((rc = log_commit_checkpoint(l, &rec, e)) != ARM_OK ||
	    (rc = log_checkpoint(l, &pub, e)) != ARM_OK)
		goto out;
	if ((rc = store_open_any(&d, dst, true, e)) != ARM_OK)
		goto out;
	if ((rc = d->ops->lock(d, e)) != ARM_OK || (rc = d->ops->recover(d, e)) != ARM_OK ||
	    (rc = check_target(d, l, &cfg, dst, &tsize, e)) != ARM_OK)
		goto out;
	r->from_size = tsize;
	/* Every tile and bundle of the source's tree the target lacks. */
	for (level = TILE_LEVEL_ENTRIES; level < 64; level++) {
		struct tile t, had;
		char path[TILE_PATH_MAX];

		if (level >= 0 && (size >> (TILE_HEIGHT * level)) == 0)
			break;
		for (n = 0; tile_for_size(level, n, size, &t); n++) {
			if (tile_for_size(level, n, tsize, &had) && had.width == t.width) {
				r->skipped++; /* the same tile, immutable: already there */
				continue;
			}
			if ((rc = tile_path(&t, path, sizeof(path), e)) != ARM_OK ||
			    (rc = chunk_add(&ch, l, path, e)) != ARM_OK)
				goto out;
			r->files++;
			if (ch.bytes >= COPY_CHUNK_BYTES) {
				chunk_files(&ch);
				if ((rc = d->ops->write_batch(d, ch.f, ch.n, e)) != ARM_OK)
					goto out;
				chunk_reset(&ch);
			}
		}
	}
	/* The commit point: the last files, the commit record, the checkpoint. */
	chunk_files(&ch);
	if (d->ops->commit != NULL) {
		rc = d->ops->commit(d, ch.f, ch.n, rec.data, rec.len, pub.data, pub.len, &stage, e);
	} else if ((rc = d->ops->write_batch(d, ch.f, ch.n, e)) == ARM_OK &&
	           (rc = d->ops->write_commit(d, rec.data, rec.len, e)) == ARM_OK) {
		rc = d->ops->publish(d, pub.data, pub.len, e);
	}
	if (rc != ARM_OK)
		goto out;
	store_close(d);
	d = NULL;
	/* Opening the copy as its writer builds its index and checks it whole. */
	memset(&o, 0, sizeof(o));
	o.writer = true;
	if ((rc = log_open(&check, dst, &o, e)) != ARM_OK)
		goto out;
	if (log_size(check) != size) {
		rc = arm_err_set(e, ARM_EIO, "'%s' opened at size %" PRIu64 ", not %" PRIu64, dst,
		                 log_size(check), size);
		goto out;
	}
	r->size = size;
out:
	log_close(check);
	chunk_release(&ch);
	store_close(d);
	log_close(l);
	buf_release(&rec);
	buf_release(&pub);
	return rc;
}

static const char copy_usage[] =
    "usage: armistice log export LOG DIR [--json]\n"
    "       armistice log import DIR LOG [--json]\n"
    "\n"
    "export copies the log LOG (a directory or a postgresql:// URI) to the\n"
    "directory DIR in the C2SP tlog-tiles layout, ready for nginx or a CDN;\n"
    "import copies the directory log DIR into LOG (e.g. a postgresql:// URI).\n"
    "Both are incremental: a target that already holds an earlier state of\n"
    "the same log gets only the tiles and bundles it lacks; a target that\n"
    "holds another log, or a fork of this one, is refused. The copy has the\n"
    "same root and the same signed checkpoint, and the target moves to it\n"
    "in one commit (an interrupted copy leaves the target as it was).\n"
    "\n"
    "  --json   print the result as JSON\n"
    "\n"
    "exit status: 0 ok, 2 usage, 3 refused (another log, a fork, a target\n"
    "ahead of the source), 4 system error (also: the target is locked by a\n"
    "writer), 5 not found.\n";

int
cmd_log_copy(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *verb = argv[0];
	struct copy_report r;
	struct arm_err e;
	int json = 0, c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'h': fputs(copy_usage, stdout); return 0;
		default: return cli_usage_error("log", "unknown option for log %s", verb);
		}
	}
	if (argc - optind != 2)
		return cli_usage_error("log", "log %s takes a source and a target", verb);
	if (strcmp(verb, "export") == 0 && store_pg_is_url(argv[optind + 1]))
		return cli_usage_error("log", "log export writes a directory; use 'log import' to "
		                              "copy into a database");
	if (copy_log(argv[optind], argv[optind + 1], &r, &e) != ARM_OK)
		return cli_fail_json(&e, json);
	if (json) {
		printf("{\"size\":%" PRIu64 ",\"from_size\":%" PRIu64 ",\"files\":%" PRIu64
		       ",\"skipped\":%" PRIu64 "}\n",
		       r.size, r.from_size, r.files, r.skipped);
	} else {
		char shown[512];
		store_pg_redact(argv[optind + 1], shown, sizeof(shown));
		printf("copied log to '%s': size %" PRIu64 " (was %" PRIu64 "), %" PRIu64
		       " files written, %" PRIu64 " already there\n",
		       shown, r.size, r.from_size, r.files, r.skipped);
	}
	return 0;
}
