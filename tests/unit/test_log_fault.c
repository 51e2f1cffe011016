/*
 * test_log_fault.c - fault injection under the log: the nth write, fsync
 * or rename of an append fails, or the disk is full. The append must fail
 * with a clear error and leave the log valid and byte-for-byte unchanged
 * (or, if the fault hit after the commit point, succeed with the public
 * checkpoint published later), and the next append must work.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "armistice/hash.h"
#include "armistice/log.h"
#include "armistice/merkle.h"
#include "armistice/note.h"
#include "armistice/store.h"
#include "armistice/common.h"
#include "harness.h"

#define ORIGIN "example.org/armistice-fault-log"
#define BATCH_MAX 1100 /* over 8 files per batch: the syncfs() path */

static char tmpdir[256];
static struct note_signer key;

/* Hashes of every file of the public layout and the commit record. */
#define SNAP_MAX 2048

struct snap_item {
	char name[120];
	uint8_t h[HASH_SIZE];
};

struct snap {
	struct snap_item it[SNAP_MAX];
	int n;
};

static void
snap_walk(struct snap *s, const char *root, const char *rel)
{
	char p[600], sub[400];
	DIR *d;
	struct dirent *de;
	struct stat sb;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if ((d = opendir(p)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s%s%s", rel, rel[0] ? "/" : "", de->d_name);
		snprintf(p, sizeof(p), "%s/%s", root, sub);
		if (stat(p, &sb) != 0)
			continue;
		if (S_ISDIR(sb.st_mode)) {
			snap_walk(s, root, sub);
		} else if (s->n < SNAP_MAX) {
			FILE *f = fopen(p, "rb");
			uint8_t *buf = malloc((size_t)sb.st_size + 1);
			size_t got = f && buf ? fread(buf, 1, (size_t)sb.st_size, f) : 0;
			snprintf(s->it[s->n].name, sizeof(s->it[0].name), "%.110s", sub);
			hash_sha256(s->it[s->n].h, buf, got);
			s->n++;
			free(buf);
			if (f)
				fclose(f);
		}
	}
	closedir(d);
}

static int
snap_cmp(const void *a, const void *b)
{
	return strcmp(((const struct snap_item *)a)->name, ((const struct snap_item *)b)->name);
}

static void
snap_take(struct snap *s, const char *dir)
{
	const char *fixed[2] = {"checkpoint", ".armistice/commit"};
	char p[600];
	int i;

	memset(s, 0, sizeof(*s));
	snap_walk(s, dir, "tile");
	for (i = 0; i < 2 && s->n < SNAP_MAX; i++) {
		FILE *f;
		uint8_t buf[4096];
		size_t got;
		snprintf(p, sizeof(p), "%s/%s", dir, fixed[i]);
		if ((f = fopen(p, "rb")) == NULL)
			continue;
		got = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		snprintf(s->it[s->n].name, sizeof(s->it[0].name), "%s", fixed[i]);
		hash_sha256(s->it[s->n].h, buf, got);
		s->n++;
	}
	/* Order independent of readdir. */
	qsort(s->it, (size_t)s->n, sizeof(s->it[0]), snap_cmp);
}

static int
snap_equal(const struct snap *a, const struct snap *b)
{
	return a->n < SNAP_MAX && a->n == b->n &&
	       memcmp(a->it, b->it, (size_t)a->n * sizeof(a->it[0])) == 0;
}

static struct log *
open_w(const char *dir)
{
	struct log_opts o = {0};
	struct log *l = NULL;
	struct arm_err e = {0};

	o.writer = true;
	o.key = &key;
	CHECKM(log_open(&l, dir, &o, &e) == ARM_OK, e.msg);
	return l;
}

static void
verify_dir(const char *dir, uint64_t want_size)
{
	struct log *r = NULL;
	struct arm_err e = {0};
	struct log_verify_report rep;

	CHECKM(log_open(&r, dir, NULL, &e) == ARM_OK, e.msg);
	if (r == NULL)
		return;
	CHECKM(log_verify(r, NULL, &rep, &e) == ARM_OK, e.msg);
	CHECK(rep.size == want_size);
	log_close(r);
}

/* The entries of round r: batch distinct strings. */
static char txt[BATCH_MAX][48];
static const uint8_t *ents[BATCH_MAX];
static size_t lens[BATCH_MAX];
static unsigned batch = 250;

static void
make_round(unsigned r)
{
	unsigned i;

	for (i = 0; i < batch; i++) {
		snprintf(txt[i], sizeof(txt[i]), "fault round %u entry %u", r, i);
		ents[i] = (const uint8_t *)txt[i];
		lens[i] = strlen(txt[i]);
	}
}

/* All leaves appended so far, to check the final root independently. */
static uint8_t (*all)[HASH_SIZE];
static uint64_t nall;

static void
remember_round(void)
{
	unsigned i;

	for (i = 0; i < batch; i++)
		hash_leaf(all[nall++], ents[i], lens[i]);
}

static void
run_kind(const char *dir, enum store_fault kind, const char *want, unsigned *round,
         int *faults_seen)
{
	static struct log_result res[BATCH_MAX];
	struct arm_err e = {0};
	unsigned nth;

	static struct snap before, after;

	for (nth = 1; nth <= 64; nth++) {
		struct log *l = open_w(dir);
		uint64_t size;
		unsigned seen;
		int rc;

		if (l == NULL)
			return;
		size = log_size(l);
		snap_take(&before, dir);
		make_round(*round);
		store_fs_fault_inject(kind, nth);
		rc = log_append_many(l, ents, lens, batch, res, &e);
		seen = store_fs_fault_count(kind);
		store_fs_fault_inject(STORE_FAULT_NONE, 0);
		if (rc != ARM_OK) {
			(*faults_seen)++;
			CHECK(rc == ARM_EIO);
			CHECKM(strstr(e.msg, want) != NULL && strstr(e.msg, dir) != NULL, e.msg);
			CHECK(res[0].err.rc == ARM_EIO);
			CHECK(log_size(l) == size);
			snap_take(&after, dir);
			CHECKM(snap_equal(&before, &after), "a failed append changed the log");
			verify_dir(dir, size);
			/* The same writer goes on: the retry commits. */
			CHECKM(log_append_many(l, ents, lens, batch, res, &e) == ARM_OK, e.msg);
			CHECK(res[0].index == size && !res[0].dup);
			remember_round();
			log_close(l);
			verify_dir(dir, size + batch);
		} else {
			remember_round();
			CHECK(log_size(l) == size + batch);
			if (seen >= nth) {
				/* The fault hit after the commit point: the entries stand. */
				(*faults_seen)++;
				if (log_publish_status(l, &e) != ARM_OK) {
					CHECKM(strstr(e.msg, want) != NULL, e.msg);
				} else {
					/* The publish failed and its immediate retry worked. */
					CHECK(log_published_size(l) == log_size(l));
				}
				log_close(l);
				verify_dir(dir, size + batch);
				l = open_w(dir); /* publishes what was committed */
				if (l != NULL)
					CHECK(log_published_size(l) == size + batch);
				log_close(l);
			} else {
				log_close(l);
				(*round)++;
				return; /* nth is past the last operation of an append */
			}
		}
		(*round)++;
	}
	CHECKM(0, "more than 64 operations in one append");
}

static void
test_faults(void)
{
	char dir[400];
	struct arm_err e = {0};
	struct {
		enum store_fault kind;
		const char *want;
	} kinds[] = {
	    {STORE_FAULT_WRITE, "Input/output error"},
	    {STORE_FAULT_FSYNC, "Input/output error"},
	    {STORE_FAULT_RENAME, "Input/output error"},
	    {STORE_FAULT_ENOSPC, "No space left on device"},
	};
	unsigned round = 0, i;

	snprintf(dir, sizeof(dir), "%s/log", tmpdir);
	CHECKM(log_create(dir, ORIGIN, &key, NULL, &e) == ARM_OK, e.msg);
	all = calloc(6 * 64 * 2 * BATCH_MAX, sizeof(*all));
	if (all == NULL)
		return;
	for (i = 0; i < ARM_ARRAY_LEN(kinds); i++) {
		int seen = 0;
		batch = 250;
		run_kind(dir, kinds[i].kind, kinds[i].want, &round, &seen);
		printf("# %s: %d appends of %u hit by the fault\n", kinds[i].want, seen, batch);
		/* Each kind happens at least once per append (a file, the commit record). */
		CHECKM(seen >= 2, kinds[i].want);
	}
	/* Batches of many files are synced with syncfs(): fault that path too. */
	for (i = 1; i < ARM_ARRAY_LEN(kinds); i += 2) {
		int seen = 0;
		batch = BATCH_MAX;
		run_kind(dir, kinds[i].kind, kinds[i].want, &round, &seen);
		printf("# %s: %d appends of %u hit by the fault\n", kinds[i].want, seen, batch);
		CHECKM(seen >= 2, kinds[i].want);
	}
	/* The log that survived every fault has exactly the expected tree. */
	{
		struct log *l = open_w(dir);
		struct merkle_mem mm;
		struct merkle_src src;
		uint8_t want[HASH_SIZE], got[HASH_SIZE];
		if (l == NULL)
			return;
		CHECK(log_size(l) == nall);
		merkle_mem_src(&mm, (const uint8_t(*)[HASH_SIZE])all, nall, &src);
		CHECK(merkle_root(&src, nall, want, &e) == ARM_OK);
		CHECK(log_root(l, nall, got, &e) == ARM_OK);
		CHECK_EQ_MEM(want, got, HASH_SIZE);
		log_close(l);
	}
	free(all);
}

int
main(void)
{
	struct arm_err e = {0};

	if (sodium_init() < 0)
		return 2;
	if (harness_tmpdir(tmpdir, sizeof(tmpdir), "armistice-fault") != 0)
		return 2;
	if (note_signer_generate(&key, ORIGIN, NOTE_KEY_ED25519, &e) != ARM_OK) {
		printf("not ok - keygen: %s\n", e.msg);
		return 1;
	}
	RUN(test_faults);
	note_signer_release(&key);
	return harness_rmtree(tmpdir) == 0 ? HARNESS_DONE() : 1;
}
