/*
 * test_store_follow.c - the front end's follower store (store_follow.h)
 * over a directory log: it follows appends, serves exactly the bytes of
 * the log's tree, and (tampered twins) refuses a changed full tile, a
 * changed entry of the verified edge, a checkpoint signed by another key
 * and one that goes back, each time staying at the size it verified.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "armistice/log.h"
#include "armistice/note.h"
#include "armistice/store.h"
#include "armistice/store_follow.h"
#include "armistice/common.h"
#include "harness.h"

#define ORIGIN "example.org/armistice-follow"

static char tmpdir[256];
static struct note_signer key;

static void
append(const char *dir, unsigned from, unsigned n)
{
	struct log_opts o = {.writer = true, .key = &key};
	struct log *l;
	struct arm_err e = {0};
	struct log_result *res = calloc(n, sizeof(*res));
	const uint8_t **ents = calloc(n, sizeof(*ents));
	size_t *lens = calloc(n, sizeof(*lens));
	char(*txt)[32] = calloc(n, sizeof(*txt));
	unsigned i;

	CHECKM(log_open(&l, dir, &o, &e) == ARM_OK, e.msg);
	for (i = 0; i < n; i++) {
		snprintf(txt[i], sizeof(txt[i]), "follow entry %u", from + i);
		ents[i] = (const uint8_t *)txt[i];
		lens[i] = strlen(txt[i]);
	}
	CHECKM(log_append_many(l, ents, lens, n, res, &e) == ARM_OK, e.msg);
	log_close(l);
	free(res);
	free(ents);
	free(lens);
	free(txt);
}

/* A follower over two stores of dir; NULL on failure (e says why). */
static struct store *
follow(const char *dir, const struct note_verifier *vk, struct arm_err *e)
{
	struct store *under = NULL, *audit = NULL, *f = NULL;

	if (store_fs_open(&under, dir, false, e) != ARM_OK)
		return NULL;
	if (store_fs_open(&audit, dir, false, e) != ARM_OK) {
		store_close(under);
		return NULL;
	}
	if (store_follow_open(&f, under, audit, vk, ORIGIN, e) != ARM_OK)
		return NULL;
	return f;
}

static int
read_file(const char *path, struct buf *out)
{
	FILE *f = fopen(path, "rb");
	char tmp[4096];
	size_t n;

	if (f == NULL)
		return -1;
	buf_reset(out);
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		if (buf_append(out, tmp, n, NULL) != ARM_OK)
			break;
	fclose(f);
	return 0;
}

static void
write_file(const char *path, const struct buf *b)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL)
		return;
	if (fwrite(b->data, 1, b->len, f) != b->len)
		printf("# short write to %s\n", path);
	fclose(f);
}

/* Does the follower serve rel with the bytes of dir/rel? */
static bool
same_as_file(struct store *f, const char *dir, const char *rel)
{
	struct buf a = BUF_INIT(1 << 24), b = BUF_INIT(1 << 24);
	char p[600];
	bool same;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	same = read_file(p, &b) == 0 && f->ops->read(f, rel, &a, NULL) == ARM_OK &&
	       a.len == b.len && memcmp(a.data, b.data, a.len) == 0;
	buf_release(&a);
	buf_release(&b);
	return same;
}

static void
test_follow(void)
{
	struct note_verifier vk;
	struct note_signer other;
	struct store *f;
	struct arm_err e = {0};
	struct buf b = BUF_INIT(1 << 24), saved = BUF_INIT(1 << 24);
	char dir[300], p[600];
	bool moved = false;
	int rc;

	snprintf(dir, sizeof(dir), "%s/log", tmpdir);
	CHECKM(note_signer_generate(&key, ORIGIN, NOTE_KEY_ED25519, &e) == ARM_OK, e.msg);
	note_signer_verifier(&key, &vk);
	CHECKM(log_create(dir, ORIGIN, &key, NULL, &e) == ARM_OK, e.msg);
	append(dir, 0, 300);
	CHECKM((f = follow(dir, &vk, &e)) != NULL, e.msg);
	if (f == NULL)
		goto out;
	CHECK(store_follow_size(f) == 300);
	CHECK(same_as_file(f, dir, "checkpoint"));
	CHECK(same_as_file(f, dir, "tile/0/000"));
	CHECK(same_as_file(f, dir, "tile/entries/000"));
	CHECK(same_as_file(f, dir, "tile/0/001.p/44"));
	CHECK(same_as_file(f, dir, "tile/entries/001.p/44"));
	CHECK(f->ops->read(f, "tile/0/001.p/45", &b, NULL) == ARM_ENOTFOUND);
	CHECK(f->ops->write_commit(f, (const uint8_t *)"x", 1, NULL) == ARM_EUSAGE);

	/* It follows: a new batch verified and served. */
	append(dir, 300, 250);
	CHECKM(store_follow_poll(f, &moved, &e) == ARM_OK && moved, e.msg);
	CHECK(store_follow_size(f) == 550);
	CHECK(same_as_file(f, dir, "tile/0/001"));
	CHECK(same_as_file(f, dir, "tile/0/002.p/38"));
	CHECK(same_as_file(f, dir, "checkpoint"));
	CHECKM(store_follow_poll(f, &moved, &e) == ARM_OK && !moved, e.msg);

	/* Tampered twin: a full tile changed under it is not served. */
	snprintf(p, sizeof(p), "%s/tile/entries/000", dir);
	CHECK(read_file(p, &saved) == 0);
	buf_reset(&b);
	CHECK(buf_append(&b, saved.data, saved.len, NULL) == ARM_OK);
	b.data[5] ^= 1;
	write_file(p, &b);
	buf_reset(&b);
	CHECK(f->ops->read(f, "tile/entries/000", &b, &e) == ARM_EVERIFY);
	CHECK(strstr(e.msg, "not the tile verified") != NULL);
	write_file(p, &saved);
	CHECK(same_as_file(f, dir, "tile/entries/000"));

	/* A checkpoint signed by another key: refused, the verified size stays. */
	snprintf(p, sizeof(p), "%s/checkpoint", dir);
	CHECK(read_file(p, &saved) == 0);
	CHECK(note_signer_generate(&other, ORIGIN, NOTE_KEY_ED25519, &e) == ARM_OK);
	{
		/* Another key's checkpoint with the same origin. */
		char d2[300];
		snprintf(d2, sizeof(d2), "%s/other", tmpdir);
		CHECK(log_create(d2, ORIGIN, &other, NULL, &e) == ARM_OK);
		snprintf(p, sizeof(p), "%s/checkpoint", d2);
		CHECK(read_file(p, &b) == 0);
		snprintf(p, sizeof(p), "%s/checkpoint", dir);
		write_file(p, &b);
	}
	rc = store_follow_poll(f, &moved, &e);
	CHECK(rc == ARM_EVERIFY && !moved);
	CHECK(store_follow_size(f) == 550);
	write_file(p, &saved);

	/* A checkpoint that goes back (the log's own, of size 300): refused. */
	snprintf(p, sizeof(p), "%s/rollback", tmpdir);
	CHECKM(log_create(p, ORIGIN, &key, NULL, &e) == ARM_OK, e.msg);
	append(p, 0, 300);
	{
		char cp[700];
		snprintf(cp, sizeof(cp), "%s/checkpoint", p);
		CHECK(read_file(cp, &b) == 0);
		snprintf(cp, sizeof(cp), "%s/checkpoint", dir);
		write_file(cp, &b);
		rc = store_follow_poll(f, &moved, &e);
		CHECK(rc == ARM_EVERIFY && strstr(e.msg, "went back") != NULL);
		CHECK(store_follow_size(f) == 550);
		write_file(cp, &saved);
	}
	/*
	 * The next edge bundle with an entry verified before changed (entry
	 * 512), then with a new one changed (559): both refused.
	 */
	append(dir, 550, 10);
	snprintf(p, sizeof(p), "%s/tile/entries/002.p/48", dir);
	CHECK(read_file(p, &b) == 0);
	b.data[5] ^= 1;
	write_file(p, &b);
	rc = store_follow_poll(f, &moved, &e);
	CHECKM(rc == ARM_EVERIFY && strstr(e.msg, "entry 512 changed") != NULL, e.msg);
	b.data[5] ^= 1;
	b.data[b.len - 3] ^= 1;
	write_file(p, &b);
	rc = store_follow_poll(f, &moved, &e);
	CHECK(rc == ARM_EVERIFY && strstr(e.msg, "root") != NULL);
	CHECK(!moved && store_follow_size(f) == 550);
	b.data[b.len - 3] ^= 1;
	write_file(p, &b);
	CHECKM(store_follow_poll(f, &moved, &e) == ARM_OK && moved, e.msg);
	CHECK(store_follow_size(f) == 560);
	note_signer_release(&other);
	store_close(f);
out:
	note_signer_release(&key);
	buf_release(&b);
	buf_release(&saved);
}

int
main(void)
{
	if (sodium_init() < 0 || harness_tmpdir(tmpdir, sizeof(tmpdir), "armistice-follow") != 0)
		return 2;
	RUN(test_follow);
	return harness_rmtree(tmpdir) == 0 ? HARNESS_DONE() : 1;
}
