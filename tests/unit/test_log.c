/*
 * test_log.c - the sequencer: appends against the RFC 9162 / tlog-tiles
 * vectors, dedupe, the rules hook, group commit from threads, publishing
 * with cosignatures, recovery from a crashed batch, collection of
 * superseded partial tiles, proofs and the audit with tampered twins.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "armistice/b64.h"
#include "armistice/ckpt.h"
#include "armistice/cosig.h"
#include "armistice/hash.h"
#include "armistice/log.h"
#include "armistice/merkle.h"
#include "armistice/note.h"
#include "armistice/common.h"
#include "harness.h"

#define ORIGIN "example.org/armistice-test-log"

static char tmpdir[256];
static struct note_signer key;

static void
rmtree(const char *d)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", d);
}

static void
newdir(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", tmpdir, name);
	rmtree(out);
}

static struct log *
open_w(const char *dir, const struct log_opts *extra)
{
	struct log_opts o;
	struct log *l = NULL;
	struct arm_err e = {0};

	memset(&o, 0, sizeof(o));
	if (extra != NULL)
		o = *extra;
	o.writer = true;
	o.key = &key;
	CHECKM(log_open(&l, dir, &o, &e) == ARM_OK, e.msg);
	return l;
}

static int
read_file(const char *dir, const char *rel, struct buf *b)
{
	char p[600];
	FILE *f;
	uint8_t chunk[4096];
	size_t n;
	struct arm_err e;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	buf_reset(b);
	if ((f = fopen(p, "rb")) == NULL)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(b, chunk, n, &e) != ARM_OK)
			break;
	fclose(f);
	return 0;
}

static void
flip_byte(const char *dir, const char *rel, long off)
{
	char p[600];
	int fd;
	uint8_t c;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	fd = open(p, O_RDWR);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK(pread(fd, &c, 1, off) == 1);
	c ^= 0x01;
	CHECK(pwrite(fd, &c, 1, off) == 1);
	close(fd);
}

static const char *vec_hex[8] = {"",
                                 "00",
                                 "10",
                                 "2021",
                                 "3031",
                                 "40414243",
                                 "5051525354555657",
                                 "606162636465666768696a6b6c6d6e6f"};

static void
test_vectors(void)
{
	char dir[400];
	struct log *l;
	struct arm_err e = {0};
	uint8_t data[8][16], root[HASH_SIZE], want[HASH_SIZE];
	const uint8_t *ents[8];
	size_t lens[8], i;
	struct log_result res[8];
	struct buf b = BUF_INIT(1 << 20);
	uint8_t bundle[64];

	newdir(dir, sizeof(dir), "vectors");
	CHECKM(log_create(dir, ORIGIN, &key, NULL, &e) == ARM_OK, e.msg);
	CHECK(log_create(dir, ORIGIN, &key, NULL, &e) == ARM_ECONFLICT);
	l = open_w(dir, NULL);
	if (l == NULL)
		return;
	CHECK(log_size(l) == 0 && log_published_size(l) == 0);
	for (i = 0; i < 8; i++) {
		lens[i] = harness_unhex(vec_hex[i], data[i], sizeof(data[i]));
		ents[i] = data[i];
	}
	CHECKM(log_append_many(l, ents, lens, 8, res, &e) == ARM_OK, e.msg);
	for (i = 0; i < 8; i++)
		CHECK(res[i].err.rc == ARM_OK && res[i].index == i && !res[i].dup);
	CHECK(log_size(l) == 8 && log_published_size(l) == 8);
	/* RFC 9162 root of the 8 standard leaves (tlog-formats.md §2.3). */
	harness_unhex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328", want, 32);
	CHECKM(log_root(l, 8, root, &e) == ARM_OK, e.msg);
	CHECK_EQ_MEM(root, want, HASH_SIZE);
	harness_unhex("ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c", want, 32);
	CHECK(log_root(l, 7, root, &e) == ARM_OK);
	CHECK_EQ_MEM(root, want, HASH_SIZE);
	/* The self-derived bundle vector of tlog-formats.md §1.5. */
	CHECK(harness_unhex("00000001000001100002202100023031000440414243000850515253545556570010"
	                    "606162636465666768696a6b6c6d6e6f",
	                    bundle, sizeof(bundle)) == 50);
	CHECK(read_file(dir, "tile/entries/000.p/8", &b) == 0 && b.len == 50 &&
	      memcmp(b.data, bundle, 50) == 0);
	CHECK(read_file(dir, "tile/0/000.p/8", &b) == 0 && b.len == 256);
	{
		uint8_t h[HASH_SIZE];
		hash_sha256(h, b.data, b.len);
		CHECK(h[0] == 0xae && h[1] == 0xa2 && h[2] == 0xf1 && h[3] == 0xbb);
	}
	/* The public checkpoint opens with the log key and carries the root. */
	{
		struct ckpt c;
		struct note n = {0};
		struct note_verifier v;
		note_signer_verifier(&key, &v);
		buf_reset(&b);
		CHECK(log_checkpoint(l, &b, &e) == ARM_OK);
		CHECKM(ckpt_open(b.data, b.len, &v, ORIGIN, &c, &n, &e) == ARM_OK, e.msg);
		CHECK(c.size == 8);
		harness_unhex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
		              want, 32);
		CHECK_EQ_MEM(c.root, want, HASH_SIZE);
		note_release(&n);
	}
	/* get returns each entry's bytes. */
	for (i = 0; i < 8; i++) {
		buf_reset(&b);
		CHECK(log_get(l, i, &b, &e) == ARM_OK && b.len == lens[i] &&
		      memcmp(b.data ? b.data : (uint8_t *)"", data[i], lens[i]) == 0);
	}
	CHECK(log_get(l, 8, &b, &e) == ARM_ENOTFOUND);
	log_close(l);
	buf_release(&b);
}

struct hook_ctx {
	int checks, dones;
	uint64_t last_index, done_size;
	int done_rc;
};

static int
refuse_bad(void *ctx, uint64_t index, const uint8_t *entry, size_t len, struct arm_err *e)
{
	struct hook_ctx *h = ctx;

	h->checks++;
	h->last_index = index;
	if (len >= 3 && memcmp(entry, "bad", 3) == 0)
		return arm_err_set(e, ARM_ERULE, "rule 'no-bad': entry %llu starts with 'bad'",
		                   (unsigned long long)index);
	return ARM_OK;
}

static void
on_done(void *ctx, uint64_t size, int rc)
{
	struct hook_ctx *h = ctx;

	h->dones++;
	h->done_size = size;
	h->done_rc = rc;
}

static void
test_dedupe_and_rules(void)
{
	char dir[400];
	struct log *l;
	struct log_opts o;
	struct hook_ctx h = {0};
	struct arm_err e = {0};
	const char *txt[6] = {"alpha", "bad one", "beta", "alpha", "gamma", "beta"};
	const uint8_t *ents[6];
	size_t lens[6], i;
	struct log_result res[6];
	uint64_t at = 0;
	bool dup = false;

	newdir(dir, sizeof(dir), "rules");
	CHECKM(log_create(dir, ORIGIN, &key, NULL, &e) == ARM_OK, e.msg);
	memset(&o, 0, sizeof(o));
	o.hooks.ctx = &h;
	o.hooks.check = refuse_bad;
	o.hooks.done = on_done;
	l = open_w(dir, &o);
	if (l == NULL)
		return;
	for (i = 0; i < 6; i++) {
		ents[i] = (const uint8_t *)txt[i];
		lens[i] = strlen(txt[i]);
	}
	CHECKM(log_append_many(l, ents, lens, 6, res, &e) == ARM_OK, e.msg);
	CHECK(res[0].err.rc == ARM_OK && res[0].index == 0);
	CHECK(res[1].err.rc == ARM_ERULE);
	CHECKM(strstr(res[1].err.msg, "rule 'no-bad'") != NULL, res[1].err.msg);
	CHECK(res[2].err.rc == ARM_OK && res[2].index == 1); /* moved up */
	CHECK(res[3].err.rc == ARM_OK && res[3].index == 0 && res[3].dup);
	CHECK(res[4].err.rc == ARM_OK && res[4].index == 2 && !res[4].dup);
	CHECK(res[5].err.rc == ARM_OK && res[5].index == 1 && res[5].dup);
	CHECK(log_size(l) == 3);
	CHECK(h.checks == 4); /* alpha, bad, beta, gamma: duplicates are not re-checked */
	CHECK(h.dones == 1 && h.done_size == 3 && h.done_rc == ARM_OK);
	/* Appending the same bytes in a later batch gives the first index back. */
	CHECK(log_add(l, (const uint8_t *)"gamma", 5, &at, &dup, &e) == ARM_OK && at == 2 && dup);
	CHECK(log_find(l, (const uint8_t *)"beta", 4, &at, &e) == ARM_OK && at == 1);
	CHECK(log_find(l, (const uint8_t *)"delta", 5, &at, &e) == ARM_ENOTFOUND);
	/* A refusal through log_add is the rule's error. */
	CHECK(log_add(l, (const uint8_t *)"bad two", 7, &at, &dup, &e) == ARM_ERULE);
	CHECKM(strstr(e.msg, "no-bad") != NULL, e.msg);
	CHECK(log_size(l) == 3);
	/* An entry over 65535 bytes is refused alone. */
	{
		static uint8_t big[70000];
		const uint8_t *two[2] = {big, (const uint8_t *)"delta"};
		size_t tl[2] = {sizeof(big), 5};
		struct log_result r2[2];
		CHECK(log_append_many(l, two, tl, 2, r2, &e) == ARM_OK);
		CHECK(r2[0].err.rc == ARM_ELIMIT && r2[1].err.rc == ARM_OK && r2[1].index == 3);
	}
	log_close(l);

	/* Reopened, the dedupe survives (the index) and so does the tree. */
	l = open_w(dir, NULL);
	if (l == NULL)
		return;
	CHECK(log_size(l) == 4);
	CHECK(log_add(l, (const uint8_t *)"alpha", 5, &at, &dup, &e) == ARM_OK && at == 0 && dup);
	/* A second writer is refused while the first holds the log. */
	{
		struct log *l2 = NULL;
		struct log_opts w = {0};
		w.writer = true;
		w.key = &key;
		CHECK(log_open(&l2, dir, &w, &e) == ARM_EBUSY);
		CHECKM(strstr(e.msg, "is locked by another writer (pid ") != NULL, e.msg);
		/* Readers never take the lock. */
		CHECKM(log_open(&l2, dir, NULL, &e) == ARM_OK, e.msg);
		if (l2 != NULL)
			CHECK(log_size(l2) == 4);
		log_close(l2);
	}
	log_close(l);
}

static void
test_wrong_key(void)
{
	char dir[400];
	struct note_signer other;
	struct log *l = NULL;
	struct log_opts o = {0};
	struct arm_err e = {0};

	newdir(dir, sizeof(dir), "wrongkey");
	CHECKM(log_create(dir, ORIGIN, &key, NULL, &e) == ARM_OK, e.msg);
	CHECK(note_signer_generate(&other, ORIGIN, NOTE_KEY_ED25519, &e) == ARM_OK);
	o.writer = true;
	o.key = &other;
	CHECK(log_open(&l, dir, &o, &e) == ARM_EVERIFY);
	CHECKM(strstr(e.msg, "is not the key of log") != NULL, e.msg);
	note_signer_release(&other);
	CHECK(log_create(dir, "bad origin", &key, NULL, &e) == ARM_EUSAGE);
	CHECK(log_open(&l, "/nonexistent/armistice", NULL, &e) == ARM_ENOTFOUND);
}

/* Appends entries "<tag>-<i>" for i < n in batches of per. */
static void
fill(struct log *l, const char *tag, unsigned from, unsigned n, unsigned per)
{
	char(*txt)[32] = calloc(per, sizeof(*txt));
	const uint8_t **ents = calloc(per, sizeof(*ents));
	size_t *lens = calloc(per, sizeof(*lens));
	struct log_result *res = calloc(per, sizeof(*res));
	struct arm_err e = {0};
	unsigned i, j;

	for (i = from; i < from + n; i += per) {
		unsigned m = from + n - i < per ? from + n - i : per;
		for (j = 0; j < m; j++) {
			snprintf(txt[j], sizeof(txt[j]), "%s-%u", tag, i + j);
			ents[j] = (const uint8_t *)txt[j];
			lens[j] = strlen(txt[j]);
		}
		if (log_append_many(l, ents, lens, m, res, &e) != ARM_OK) {
			CHECKM(0, e.msg);
			break;
		}
	}
	free(txt);
	free(ents);
	free(lens);
	free(res);
}

static int
count_dir(const char *dir, const char *rel)
{
	char p[600];
	DIR *d;
	struct dirent *de;
	int n = 0;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	if ((d = opendir(p)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void
test_proofs_and_verify(void)
{
	char dir[400];
	struct log *l, *r = NULL;
	struct arm_err e = {0};
	struct log_verify_report rep;
	struct log_verify_opts vo = {0};
	struct buf old = BUF_INIT(1 << 16), b = BUF_INIT(1 << 20);
	uint8_t proof[MERKLE_MAX_PROOF][HASH_SIZE], r1[HASH_SIZE], r2[HASH_SIZE];
	size_t np = 0;
	uint64_t idx[] = {0, 1, 255, 256, 299, 599, 600};
	size_t i;

	newdir(dir, sizeof(dir), "proofs");
	CHECKM(log_create(dir, ORIGIN, &key, NULL, &e) == ARM_OK, e.msg);
	l = open_w(dir, NULL);
	if (l == NULL)
		return;
	fill(l, "p", 0, 300, 37);
	CHECK(log_checkpoint(l, &old, &e) == ARM_OK);
	fill(l, "p", 300, 70001 - 300, 4099);
	CHECK(log_size(l) == 70001);
	/* Superseded partial tiles are collected: a handful stay, not one per batch. */
	CHECKM(count_dir(dir, "tile/0/273.p") <= 2, "partials of the edge tile");
	CHECK(count_dir(dir, "tile/0/000.p") == 0);
	CHECK(count_dir(dir, "tile/entries/000.p") == 0);
	/* The tlog-tiles example geometry at s = 70,000 (+1). */
	CHECK(read_file(dir, "tile/1/000", &b) == 0 && b.len == 8192);
	CHECK(read_file(dir, "tile/1/001.p/17", &b) == 0 && b.len == 17 * 32);
	CHECK(read_file(dir, "tile/2/000.p/1", &b) == 0 && b.len == 32);
	CHECK(read_file(dir, "tile/0/273.p/113", &b) == 0 && b.len == 113 * 32);
	log_close(l);

	CHECKM(log_open(&r, dir, NULL, &e) == ARM_OK, e.msg);
	if (r == NULL)
		return;
	for (i = 0; i < ARM_ARRAY_LEN(idx); i++) {
		struct tproof p;
		struct ckpt c;
		struct note n = {0};
		struct note_verifier v;
		uint8_t leaf[HASH_SIZE];
		buf_reset(&b);
		CHECKM(log_prove(r, idx[i], 0, &p, &e) == ARM_OK, e.msg);
		CHECK(log_get(r, idx[i], &b, &e) == ARM_OK);
		hash_leaf(leaf, b.data, b.len);
		note_signer_verifier(&key, &v);
		CHECK(ckpt_open(p.checkpoint, p.checkpoint_len, &v, ORIGIN, &c, &n, &e) == ARM_OK);
		CHECK(c.size == 70001 && p.index == idx[i]);
		CHECKM(merkle_verify_inclusion(leaf, idx[i], c.size, c.root,
		                               (const uint8_t(*)[HASH_SIZE])p.path, p.npath,
		                               &e) == ARM_OK,
		       e.msg);
		note_release(&n);
		tproof_release(&p);
	}
	/* Pinned to an earlier published size. */
	{
		struct tproof p;
		CHECKM(log_prove(r, 5, 300, &p, &e) == ARM_OK, e.msg);
		CHECK(p.checkpoint_len == old.len && memcmp(p.checkpoint, old.data, old.len) == 0);
		tproof_release(&p);
		CHECK(log_prove(r, 5, 301, &p, &e) == ARM_ENOTFOUND);
		CHECKM(strstr(e.msg, "no checkpoint of size 301") != NULL, e.msg);
		CHECK(log_prove(r, 70001, 0, &p, &e) == ARM_ENOTFOUND);
	}
	/* Consistency from the old checkpoint to now, verified. */
	CHECKM(log_consistency(r, 300, 70001, proof, &np, &e) == ARM_OK, e.msg);
	CHECK(log_root(r, 300, r1, &e) == ARM_OK && log_root(r, 70001, r2, &e) == ARM_OK);
	CHECKM(merkle_verify_consistency(300, 70001, r1, r2, (const uint8_t(*)[HASH_SIZE])proof, np,
	                                 &e) == ARM_OK,
	       e.msg);
	CHECK(log_consistency(r, 300, 70002, proof, &np, &e) == ARM_EUSAGE);

	/* The full audit, with the older checkpoint. */
	vo.since = old.data;
	vo.since_len = old.len;
	CHECKM(log_verify(r, &vo, &rep, &e) == ARM_OK, e.msg);
	CHECK(rep.size == 70001 && rep.entries == 70001 && rep.since_size == 300);
	CHECK(rep.tiles > 274);
	log_close(r);

	/* Tampered twins: each names what is wrong. */
	{
		struct {
			const char *file;
			long off;
			const char *want;
		} t[] = {
		    {"tile/entries/001", 40, "entry 261"},
		    {"tile/0/005", 100, "tile 'tile/0/005' is corrupt"},
		    {"tile/1/000", 8000, "tile/1/000"},
		    {"checkpoint", 60, "checkpoint"},
		};
		for (i = 0; i < ARM_ARRAY_LEN(t); i++) {
			flip_byte(dir, t[i].file, t[i].off);
			r = NULL;
			if (log_open(&r, dir, NULL, &e) == ARM_OK) {
				CHECK(log_verify(r, NULL, &rep, &e) != ARM_OK);
				log_close(r);
			}
			CHECKM(strstr(e.msg, t[i].want) != NULL, e.msg);
			flip_byte(dir, t[i].file, t[i].off);
		}
		/* Untampered again: it verifies. */
		r = NULL;
		CHECK(log_open(&r, dir, NULL, &e) == ARM_OK);
		if (r != NULL)
			CHECKM(log_verify(r, NULL, &rep, &e) == ARM_OK, e.msg);
		log_close(r);
	}
	/* A truncated tile and a missing bundle. */
	{
		char p[600];
		struct stat sb;
		snprintf(p, sizeof(p), "%s/tile/0/010", dir);
		CHECK(stat(p, &sb) == 0 && truncate(p, 8000) == 0);
		r = NULL;
		CHECK(log_open(&r, dir, NULL, &e) == ARM_OK);
		if (r != NULL) {
			CHECK(log_verify(r, NULL, &rep, &e) == ARM_EVERIFY);
			CHECKM(strstr(e.msg, "tile/0/010' is truncated") != NULL, e.msg);
			log_close(r);
		}
		snprintf(p, sizeof(p), "%s/tile/entries/007", dir);
		CHECK(unlink(p) == 0);
		r = NULL;
		CHECK(log_open(&r, dir, NULL, &e) == ARM_OK);
		if (r != NULL) {
			CHECK(log_verify(r, NULL, &rep, &e) == ARM_ENOTFOUND);
			CHECKM(strstr(e.msg, "tile/entries/007' is missing") != NULL, e.msg);
			log_close(r);
		}
	}
	buf_release(&old);
	buf_release(&b);
}

struct thr {
	struct log *l;
	int id, n;
	uint64_t idx[64];
	int fails;
};

static void *
adder(void *arg)
{
	struct thr *t = arg;
	struct arm_err e;
	char txt[64];
	int i;

	for (i = 0; i < t->n; i++) {
		bool dup;
		snprintf(txt, sizeof(txt), "thread %d entry %d", t->id, i);
		if (log_add(t->l, (const uint8_t *)txt, strlen(txt), &t->idx[i], &dup, &e) !=
		        ARM_OK ||
		    dup)
			t->fails++;
	}
	return NULL;
}

static void
test_group_commit(void)
{
	char dir[400];
	struct log *l;
	struct log_opts o = {0};
	struct hook_ctx h = {0};
	struct arm_err e = {0};
	struct thr th[6];
	pthread_t pt[6];
	struct buf b = BUF_INIT(1 << 16);
	int i, j, total = 0;

	newdir(dir, sizeof(dir), "group");
	CHECKM(log_create(dir, ORIGIN, &key, NULL, &e) == ARM_OK, e.msg);
	o.batch_max = 16;
	o.batch_ms = 20;
	o.hooks.ctx = &h;
	o.hooks.done = on_done;
	l = open_w(dir, &o);
	if (l == NULL)
		return;
	for (i = 0; i < 6; i++) {
		th[i].l = l;
		th[i].id = i;
		th[i].n = 40;
		th[i].fails = 0;
		pthread_create(&pt[i], NULL, adder, &th[i]);
	}
	for (i = 0; i < 6; i++) {
		pthread_join(pt[i], NULL);
		CHECK(th[i].fails == 0);
		total += th[i].n;
	}
	CHECK(log_size(l) == (uint64_t)total);
	/* Concurrent callers shared batches: fewer commits than entries. */
	CHECKM(h.dones < total, "one commit per entry");
	/* Every acknowledged index holds that caller's bytes. */
	for (i = 0; i < 6; i++)
		for (j = 0; j < th[i].n; j += 7) {
			char txt[64];
			snprintf(txt, sizeof(txt), "thread %d entry %d", i, j);
			buf_reset(&b);
			CHECK(log_get(l, th[i].idx[j], &b, &e) == ARM_OK && b.len == strlen(txt) &&
			      memcmp(b.data, txt, b.len) == 0);
		}
	{
		struct log_verify_report rep;
		CHECKM(log_verify(l, NULL, &rep, &e) == ARM_OK, e.msg);
	}
	log_close(l);
	buf_release(&b);
}

static struct note_signer witness;

static int
cosign_cb(void *ctx, const uint8_t *ck, size_t len, struct buf *sigs, struct arm_err *e)
{
	struct note n = {0};
	int rc;

	(*(int *)ctx)++;
	ARM_TRY(note_parse(&n, ck, len, 1 << 16, e));
	rc = cosig_sign(&witness, 1700000000, n.text, n.text_len, sigs, e);
	note_release(&n);
	return rc;
}

static void
test_manual_publish(void)
{
	char dir[400];
	struct log *l;
	struct log_opts o = {0};
	struct arm_err e = {0};
	struct buf b = BUF_INIT(1 << 16);
	uint64_t at = 0;
	int calls = 0;

	newdir(dir, sizeof(dir), "publish");
	CHECKM(log_create(dir, ORIGIN, &key, NULL, &e) == ARM_OK, e.msg);
	CHECK(note_signer_generate(&witness, "witness.example/w1", NOTE_KEY_COSIG_V1, &e) ==
	      ARM_OK);
	o.manual_publish = true;
	l = open_w(dir, &o);
	if (l == NULL)
		return;
	fill(l, "m", 0, 10, 10);
	/* Committed and acknowledged, not yet public. */
	CHECK(log_size(l) == 10 && log_published_size(l) == 0);
	CHECK(log_publish_status(l, &e) == ARM_OK);
	CHECK(log_commit_checkpoint(l, &b, &e) == ARM_OK && strstr((char *)b.data, "\n10\n"));
	CHECKM(log_publish(l, cosign_cb, &calls, &at, &e) == ARM_OK, e.msg);
	CHECK(at == 10 && calls == 1 && log_published_size(l) == 10);
	buf_reset(&b);
	CHECK(log_checkpoint(l, &b, &e) == ARM_OK);
	CHECK(strstr((char *)b.data, "\xe2\x80\x94 witness.example/w1 ") != NULL);
	CHECK(strstr((char *)b.data, "\xe2\x80\x94 " ORIGIN " ") != NULL);
	/* Nothing new: no second cosigning round. */
	CHECK(log_publish(l, cosign_cb, &calls, &at, &e) == ARM_OK && calls == 1 && at == 10);
	/* A cosigner that fails leaves the public checkpoint where it was. */
	fill(l, "m", 10, 5, 5);
	log_close(l);
	/* Reopened in manual mode, the lagging public checkpoint stays put... */
	l = open_w(dir, &o);
	if (l == NULL)
		return;
	CHECK(log_size(l) == 15 && log_published_size(l) == 10);
	{
		struct log_verify_report rep;
		CHECKM(log_verify(l, NULL, &rep, &e) == ARM_OK, e.msg);
		CHECK(rep.size == 15);
	}
	log_close(l);
	/* ...and in automatic mode it is published at open. */
	l = open_w(dir, NULL);
	if (l == NULL)
		return;
	CHECK(log_published_size(l) == 15);
	log_close(l);
	note_signer_release(&witness);
	buf_release(&b);
}

static void
write_file(const char *dir, const char *rel, const void *p, size_t n)
{
	char path[600], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (slash = strchr(path + strlen(dir) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "wb");
	CHECK(f != NULL);
	if (f == NULL)
		return;
	fwrite(p, 1, n, f);
	fclose(f);
}

static int
exists(const char *dir, const char *rel)
{
	char p[600];
	struct stat sb;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	return stat(p, &sb) == 0;
}

static void
test_recovery(void)
{
	char dir[400];
	struct log *l;
	struct arm_err e = {0};
	struct buf commit = BUF_INIT(1 << 16), b = BUF_INIT(1 << 16);
	struct log_verify_report rep;
	static uint8_t junk[8192];

	newdir(dir, sizeof(dir), "recovery");
	CHECKM(log_create(dir, ORIGIN, &key, NULL, &e) == ARM_OK, e.msg);
	l = open_w(dir, NULL);
	if (l == NULL)
		return;
	fill(l, "r", 0, 300, 300);
	log_close(l);
	/* What a writer killed mid-batch leaves: files beyond the commit record. */
	memset(junk, 0x5a, sizeof(junk));
	write_file(dir, "tile/0/001.p/200", junk, 200 * 32);
	write_file(dir, "tile/0/001", junk, 8192);
	write_file(dir, "tile/0/002.p/3", junk, 96);
	write_file(dir, "tile/entries/001.p/200", junk, 500);
	write_file(dir, "tile/1/000.p/2", junk, 64);
	write_file(dir, ".armistice/tmp/123.4", junk, 10);
	l = open_w(dir, NULL);
	if (l == NULL)
		return;
	CHECK(!exists(dir, "tile/0/001.p/200") && !exists(dir, "tile/0/001") &&
	      !exists(dir, "tile/0/002.p/3") && !exists(dir, "tile/entries/001.p/200") &&
	      !exists(dir, "tile/1/000.p/2") && !exists(dir, ".armistice/tmp/123.4"));
	CHECK(exists(dir, "tile/0/001.p/44") && exists(dir, "tile/1/000.p/1"));
	CHECK(log_size(l) == 300);
	fill(l, "r", 300, 300, 300);
	CHECKM(log_verify(l, NULL, &rep, &e) == ARM_OK, e.msg);
	log_close(l);

	/* A public checkpoint ahead of the commit record is refused. */
	CHECK(read_file(dir, ".armistice/commit", &commit) == 0);
	l = open_w(dir, NULL);
	if (l == NULL)
		return;
	fill(l, "r", 600, 10, 10);
	log_close(l);
	write_file(dir, ".armistice/commit", commit.data, commit.len);
	l = NULL;
	{
		struct log_opts o = {0};
		o.writer = true;
		o.key = &key;
		CHECK(log_open(&l, dir, &o, &e) == ARM_ECONFLICT);
		CHECKM(strstr(e.msg, "is ahead of the commit record") != NULL, e.msg);
	}
	/* A signed public checkpoint that is not a prefix of the tree is refused. */
	{
		struct ckpt c;
		struct buf text = BUF_INIT(1 << 16), note = BUF_INIT(1 << 16);
		const struct note_signer *signers[1] = {&key};
		struct log_opts o = {0};
		CHECK(read_file(dir, "checkpoint", &b) == 0);
		write_file(dir, ".armistice/commit", b.data, b.len); /* back in step */
		memset(&c, 0, sizeof(c));
		snprintf(c.origin, sizeof(c.origin), "%s", ORIGIN);
		c.size = 5;
		memset(c.root, 0x42, sizeof(c.root));
		CHECK(ckpt_format(&c, &text, &e) == ARM_OK);
		CHECK(note_sign((const char *)text.data, text.len, signers, 1, &note, &e) ==
		      ARM_OK);
		write_file(dir, "checkpoint", note.data, note.len);
		o.writer = true;
		o.key = &key;
		l = NULL;
		CHECK(log_open(&l, dir, &o, &e) == ARM_ECONFLICT);
		CHECKM(strstr(e.msg, "is not a prefix of the commit record") != NULL, e.msg);
		write_file(dir, "checkpoint", b.data, b.len);
		buf_release(&text);
		buf_release(&note);
	}
	/* A lost index is rebuilt at open; reindex rebuilds it on demand. */
	{
		char p[600];
		uint64_t at = 0;
		snprintf(p, sizeof(p), "%s/.armistice/index.db", dir);
		unlink(p);
		snprintf(p, sizeof(p), "%s/.armistice/index.db-wal", dir);
		unlink(p);
		snprintf(p, sizeof(p), "%s/.armistice/index.db-shm", dir);
		unlink(p);
		l = open_w(dir, NULL);
		if (l == NULL)
			return;
		CHECK(log_find(l, (const uint8_t *)"r-599", 5, &at, &e) == ARM_OK && at == 599);
		CHECK(log_reindex(l, &e) == ARM_OK);
		CHECK(log_find(l, (const uint8_t *)"r-7", 3, &at, &e) == ARM_OK && at == 7);
		log_close(l);
	}
	buf_release(&commit);
	buf_release(&b);
}

int
main(void)
{
	struct arm_err e = {0};

	if (sodium_init() < 0)
		return 2;
	if (harness_tmpdir(tmpdir, sizeof(tmpdir), "armistice-log") != 0)
		return 2;
	if (note_signer_generate(&key, ORIGIN, NOTE_KEY_ED25519, &e) != ARM_OK) {
		printf("not ok - keygen: %s\n", e.msg);
		return 1;
	}
	RUN(test_vectors);
	RUN(test_dedupe_and_rules);
	RUN(test_wrong_key);
	RUN(test_proofs_and_verify);
	RUN(test_group_commit);
	RUN(test_manual_publish);
	RUN(test_recovery);
	note_signer_release(&key);
	rmtree(tmpdir);
	return HARNESS_DONE();
}
