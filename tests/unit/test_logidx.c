/* test_logidx.c - the SQLite index and the directory store underneath the log. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "armistice/hash.h"
#include "armistice/logidx.h"
#include "armistice/store.h"
#include "armistice/common.h"
#include "harness.h"

static char tmpdir[256];

static void
mktmp(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "%s/armistice-logidx.XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		exit(2);
	}
}

static void
rmtree(const char *d)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", d);
}

static void
test_index_roundtrip(void)
{
	struct logidx *x = NULL;
	struct arm_err e = {0};
	uint8_t leaves[10][HASH_SIZE];
	uint64_t size = 99, at = 0;
	char path[400];
	int i;

	snprintf(path, sizeof(path), "%s/index.db", tmpdir);
	CHECKM(logidx_open(&x, path, true, &e) == ARM_OK, e.msg);
	if (x == NULL)
		return;
	CHECK(logidx_size(x, &size, &e) == ARM_OK && size == 0);
	for (i = 0; i < 10; i++) {
		uint8_t b = (uint8_t)i;
		hash_leaf(leaves[i], &b, 1);
	}
	CHECKM(logidx_add(x, 0, (const uint8_t(*)[HASH_SIZE])leaves, 6, &e) == ARM_OK, e.msg);
	CHECK(logidx_size(x, &size, &e) == ARM_OK && size == 6);
	CHECK(logidx_find(x, leaves[4], &at, &e) == ARM_OK && at == 4);
	CHECK(logidx_find(x, leaves[7], &at, &e) == ARM_ENOTFOUND);
	/* Adding from the wrong index is refused: the index never has holes. */
	CHECK(logidx_add(x, 5, (const uint8_t(*)[HASH_SIZE])leaves + 6, 4, &e) == ARM_ECONFLICT);
	CHECKM(strstr(e.msg, "holds 6 entries") != NULL, e.msg);
	/* A repeated leaf keeps its first index. */
	memcpy(leaves[6], leaves[2], HASH_SIZE);
	CHECKM(logidx_add(x, 6, (const uint8_t(*)[HASH_SIZE])leaves + 6, 4, &e) == ARM_OK, e.msg);
	CHECK(logidx_find(x, leaves[2], &at, &e) == ARM_OK && at == 2);
	CHECK(logidx_find(x, leaves[9], &at, &e) == ARM_OK && at == 9);
	CHECK(logidx_truncate(x, 8, &e) == ARM_OK);
	CHECK(logidx_size(x, &size, &e) == ARM_OK && size == 8);
	CHECK(logidx_find(x, leaves[9], &at, &e) == ARM_ENOTFOUND);
	CHECK(logidx_find(x, leaves[7], &at, &e) == ARM_OK && at == 7);
	logidx_close(x);

	/* Reopened read-only, the contents are there and writes are refused. */
	x = NULL;
	CHECKM(logidx_open(&x, path, false, &e) == ARM_OK, e.msg);
	if (x == NULL)
		return;
	CHECK(logidx_find(x, leaves[7], &at, &e) == ARM_OK && at == 7);
	CHECK(logidx_add(x, 8, (const uint8_t(*)[HASH_SIZE])leaves, 1, &e) == ARM_EUSAGE);
	logidx_close(x);
}

static void
test_index_checkpoints(void)
{
	struct logidx *x = NULL;
	struct arm_err e = {0};
	struct buf b = BUF_INIT(1 << 16);
	char path[400];

	snprintf(path, sizeof(path), "%s/ck.db", tmpdir);
	CHECKM(logidx_open(&x, path, true, &e) == ARM_OK, e.msg);
	if (x == NULL)
		return;
	CHECK(logidx_put_checkpoint(x, 5, (const uint8_t *)"five\n", 5, &e) == ARM_OK);
	CHECK(logidx_put_checkpoint(x, 9, (const uint8_t *)"nine\n", 5, &e) == ARM_OK);
	CHECK(logidx_get_checkpoint(x, 5, &b, &e) == ARM_OK && b.len == 5 &&
	      memcmp(b.data, "five\n", 5) == 0);
	buf_reset(&b);
	CHECK(logidx_get_checkpoint(x, 7, &b, &e) == ARM_ENOTFOUND);
	CHECKM(strstr(e.msg, "size 7") != NULL, e.msg);
	CHECK(logidx_db(x) != NULL);
	buf_release(&b);
	logidx_close(x);
	CHECK(logidx_open(&x, "/nonexistent-dir/x.db", false, &e) != ARM_OK);
}

struct names {
	char seen[8][32];
	int n;
};

static int
collect(void *ctx, const char *name)
{
	struct names *ns = ctx;

	if (ns->n < 8)
		snprintf(ns->seen[ns->n++], 32, "%s", name);
	return 0;
}

static void
test_store_fs(void)
{
	struct store *s = NULL, *s2 = NULL;
	struct arm_err e = {0};
	struct buf b = BUF_INIT(1 << 20);
	struct store_file f[2] = {
	    {"tile/0/000.p/3", (const uint8_t *)"abc", 3},
	    {"tile/entries/x001/000", (const uint8_t *)"defg", 4},
	};
	struct names ns = {0};
	const char *rm[1] = {"tile/0/000.p/3"};
	char dir[400], p[600];
	struct stat sb;

	snprintf(dir, sizeof(dir), "%s/store", tmpdir);
	CHECK(store_fs_open(&s, dir, false, &e) == ARM_ENOTFOUND);
	CHECKM(store_fs_open(&s, dir, true, &e) == ARM_OK, e.msg);
	if (s == NULL)
		return;
	CHECK(strcmp(store_fs_dir(s), dir) == 0);
	CHECKM(s->ops->write_batch(s, f, 2, &e) == ARM_OK, e.msg);
	CHECK(s->ops->read(s, "tile/entries/x001/000", &b, &e) == ARM_OK && b.len == 4 &&
	      memcmp(b.data, "defg", 4) == 0);
	buf_reset(&b);
	CHECK(s->ops->read(s, "tile/0/000.p/4", &b, &e) == ARM_ENOTFOUND);
	CHECKM(strstr(e.msg, "tile/0/000.p/4") != NULL, e.msg);
	/* Paths that leave the layout are refused, private files too. */
	CHECK(s->ops->read(s, "../etc/passwd", &b, &e) == ARM_EUSAGE);
	CHECK(s->ops->read(s, ".armistice/commit", &b, &e) == ARM_EUSAGE);
	CHECK(s->ops->read(s, "/etc/passwd", &b, &e) == ARM_EUSAGE);
	CHECK(s->ops->read(s, "tile//0", &b, &e) == ARM_EUSAGE);
	CHECK(s->ops->list(s, "tile/0/000.p", collect, &ns, &e) == ARM_OK && ns.n == 1 &&
	      strcmp(ns.seen[0], "3") == 0);
	CHECK(s->ops->remove(s, rm, 1, &e) == ARM_OK);
	snprintf(p, sizeof(p), "%s/tile/0/000.p", dir);
	CHECK(stat(p, &sb) != 0);                      /* the emptied .p directory went too */
	CHECK(s->ops->remove(s, rm, 1, &e) == ARM_OK); /* missing is fine */

	/* Commit record and meta records. */
	buf_reset(&b);
	CHECK(s->ops->read_commit(s, &b, &e) == ARM_ENOTFOUND);
	CHECK(s->ops->write_commit(s, (const uint8_t *)"c1\n", 3, &e) == ARM_OK);
	CHECK(s->ops->read_commit(s, &b, &e) == ARM_OK && b.len == 3);
	buf_reset(&b);
	CHECK(s->ops->write_meta(s, "config", (const uint8_t *)"x y\n", 4, &e) == ARM_OK);
	CHECK(s->ops->read_meta(s, "config", &b, &e) == ARM_OK && b.len == 4);
	CHECK(s->ops->write_meta(s, "../x", (const uint8_t *)"", 0, &e) == ARM_EUSAGE);
	CHECK(s->ops->write_meta(s, "commit", (const uint8_t *)"", 0, &e) == ARM_EUSAGE);
	CHECK(s->ops->publish(s, (const uint8_t *)"pub\n", 4, &e) == ARM_OK);
	buf_reset(&b);
	CHECK(s->ops->read(s, "checkpoint", &b, &e) == ARM_OK && b.len == 4);

	/* One writer: the second lock names the first one's pid. */
	CHECKM(s->ops->lock(s, &e) == ARM_OK, e.msg);
	CHECK(store_fs_open(&s2, dir, false, &e) == ARM_OK);
	if (s2 != NULL) {
		char want[64];
		CHECK(s2->ops->lock(s2, &e) == ARM_EBUSY);
		snprintf(want, sizeof(want), "(pid %ld)", (long)getpid());
		CHECKM(strstr(e.msg, want) != NULL && strstr(e.msg, "locked by another writer"),
		       e.msg);
		CHECK(s2->ops->recover(s2, &e) == ARM_EUSAGE); /* recovery needs the lock */
		store_close(s2);
	}
	/* Recovery empties the temporary directory. */
	snprintf(p, sizeof(p), "%s/.armistice/tmp/stale.1", dir);
	{
		int fd = open(p, O_CREAT | O_WRONLY, 0644);
		CHECK(fd >= 0);
		if (fd >= 0)
			close(fd);
	}
	CHECK(s->ops->recover(s, &e) == ARM_OK);
	CHECK(stat(p, &sb) != 0 && errno == ENOENT);
	store_close(s);
	/* The lock died with its holder. */
	s = NULL;
	CHECK(store_fs_open(&s, dir, false, &e) == ARM_OK);
	if (s != NULL)
		CHECKM(s->ops->lock(s, &e) == ARM_OK, e.msg);
	store_close(s);
	buf_release(&b);
}

static void
test_store_faults(void)
{
	struct store *s = NULL;
	struct arm_err e = {0};
	struct buf b = BUF_INIT(1 << 20);
	struct store_file f[1] = {{"tile/0/001", (const uint8_t *)"zz", 2}};
	enum store_fault kinds[] = {STORE_FAULT_WRITE, STORE_FAULT_FSYNC, STORE_FAULT_RENAME,
	                            STORE_FAULT_ENOSPC};
	const char *want[] = {"Input/output error", "Input/output error", "Input/output error",
	                      "No space left on device"};
	char dir[400];
	size_t i;

	snprintf(dir, sizeof(dir), "%s/faults", tmpdir);
	CHECKM(store_fs_open(&s, dir, true, &e) == ARM_OK, e.msg);
	if (s == NULL)
		return;
	for (i = 0; i < ARM_ARRAY_LEN(kinds); i++) {
		store_fs_fault_inject(kinds[i], 1);
		CHECK(s->ops->write_batch(s, f, 1, &e) == ARM_EIO);
		CHECKM(strstr(e.msg, want[i]) != NULL, e.msg);
		buf_reset(&b);
		CHECK(s->ops->read(s, "tile/0/001", &b, &e) == ARM_ENOTFOUND);
		CHECK(store_fs_fault_count(kinds[i]) >= 1);
	}
	store_fs_fault_inject(STORE_FAULT_NONE, 0);
	CHECK(s->ops->write_batch(s, f, 1, &e) == ARM_OK);
	store_close(s);
	buf_release(&b);
}

int
main(void)
{
	mktmp();
	RUN(test_index_roundtrip);
	RUN(test_index_checkpoints);
	RUN(test_store_fs);
	RUN(test_store_faults);
	rmtree(tmpdir);
	return HARNESS_DONE();
}
