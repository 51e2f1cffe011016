/*
 * test_tiles.c - tiles.c and bundle.c: tlog-tiles v0.1.0 paths (and
 * their strict parse), the 70,000-entry layout, tile_append against a
 * from-scratch computation, proofs served from tiles against in-memory
 * proofs, and the 8-entry bundle and tile of tlog-formats.md §1.5.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "armistice/bundle.h"
#include "armistice/hash.h"
#include "armistice/merkle.h"
#include "armistice/tiles.h"
#include "armistice/common.h"
#include "harness.h"

/* ---- an in-memory tile store: the widest tile seen per (level, n) ---- */

#define STORE_MAX 4096

struct mstore {
	struct {
		int level;
		uint64_t n;
		unsigned width;
		uint8_t data[TILE_WIDTH * HASH_SIZE];
	} * t;
	size_t nt;
	/* checks made by the reader and the emitter */
	uint64_t size; /* reader: the tree size the tiles are read for */
	int edge_only; /* reader: only right-edge partial tiles of size */
	unsigned reads, bad_reads;
	unsigned emits, bad_emits;
	uint64_t app_old, app_new; /* emitter: the append in progress */
	int short_read;            /* reader: return one byte too few */
};

static long
ms_find(const struct mstore *s, int level, uint64_t n)
{
	for (size_t i = 0; i < s->nt; i++)
		if (s->t[i].level == level && s->t[i].n == n)
			return (long)i;
	return -1;
}

static int
ms_read(void *ctx, const struct tile *t, struct buf *out, struct arm_err *e)
{
	struct mstore *s = ctx;
	long i = ms_find(s, t->level, t->n);
	struct tile want;

	s->reads++;
	if (!tile_for_size(t->level, t->n, s->size, &want) || want.width != t->width)
		s->bad_reads++;
	if (s->edge_only &&
	    (t->width == TILE_WIDTH || t->level < 0 || t->n != s->size >> (8 * (t->level + 1))))
		s->bad_reads++;
	if (i < 0 || s->t[i].width < t->width)
		return arm_err_set(e, ARM_ENOTFOUND, "test store: no tile %d/%llu width %u",
		                   t->level, (unsigned long long)t->n, t->width);
	/* A wider tile serves a narrower one as a prefix. */
	return buf_append(out, s->t[i].data, (size_t)t->width * HASH_SIZE - (s->short_read ? 1 : 0),
	                  e);
}

static int
ms_emit(void *ctx, const struct tile *t, const uint8_t *data, size_t len, struct arm_err *e)
{
	struct mstore *s = ctx;
	long i = ms_find(s, t->level, t->n);
	uint64_t lo, hi;

	s->emits++;
	if (len != (size_t)t->width * HASH_SIZE || t->level < 0 || t->level > 7)
		return arm_err_set(e, ARM_EUSAGE, "test store: bad emit");
	/* Only new or grown tiles, each holding at least one new hash. */
	lo = s->app_old >> (8 * t->level);
	hi = s->app_new >> (8 * t->level);
	if (t->n * TILE_WIDTH + t->width <= lo || t->n * TILE_WIDTH >= hi)
		s->bad_emits++;
	if (i >= 0 && s->t[i].width >= t->width)
		s->bad_emits++;
	if (i < 0) {
		if (s->nt == STORE_MAX)
			return arm_err_set(e, ARM_ELIMIT, "test store full");
		i = (long)s->nt++;
		s->t[i].level = t->level;
		s->t[i].n = t->n;
	} else if (memcmp(s->t[i].data, data, (size_t)s->t[i].width * HASH_SIZE) != 0) {
		s->bad_emits++; /* a grown tile must keep its old hashes */
	}
	s->t[i].width = t->width;
	memcpy(s->t[i].data, data, len);
	return ARM_OK;
}

static void
ms_init(struct mstore *s)
{
	memset(s, 0, sizeof(*s));
	s->t = calloc(STORE_MAX, sizeof(*s->t));
}

static void
ms_free(struct mstore *s)
{
	free(s->t);
	s->t = NULL;
}

/* ---- paths ---- */

static void
test_path_examples(void)
{
	static const struct {
		int level;
		uint64_t n;
		unsigned w;
		const char *path;
	} ex[] = {
	    {0, 1234067, 256, "tile/0/x001/x234/067"},
	    {0, 1000, 256, "tile/0/x001/000"},
	    {0, 5, 256, "tile/0/005"},
	    {1, 0, 17, "tile/1/000.p/17"},
	    {TILE_LEVEL_ENTRIES, 0, 8, "tile/entries/000.p/8"},
	    {TILE_LEVEL_ENTRIES, 1234067, 255, "tile/entries/x001/x234/067.p/255"},
	    {63, UINT64_MAX, 1, "tile/63/x018/x446/x744/x073/x709/x551/615.p/1"},
	    {2, 999, 256, "tile/2/999"},
	    {0, 1000000, 256, "tile/0/x001/x000/000"},
	};
	char buf[TILE_PATH_MAX];
	struct arm_err e;

	for (size_t i = 0; i < ARM_ARRAY_LEN(ex); i++) {
		struct tile t = {ex[i].level, ex[i].n, ex[i].w}, back;

		CHECKM(tile_path(&t, buf, sizeof(buf), &e) == ARM_OK, e.msg);
		CHECKM(strcmp(buf, ex[i].path) == 0, buf);
		CHECKM(tile_parse_path(ex[i].path, strlen(ex[i].path), &back, &e) == ARM_OK, e.msg);
		CHECK(back.level == t.level && back.n == t.n && back.width == t.width);
	}
	{
		/* The longest path there is fits TILE_PATH_MAX; one byte short does not. */
		struct tile t = {TILE_LEVEL_ENTRIES, UINT64_MAX, 255};
		size_t need;

		CHECK(tile_path(&t, buf, sizeof(buf), &e) == ARM_OK);
		need = strlen(buf) + 1;
		CHECK(need < TILE_PATH_MAX);
		CHECK(tile_path(&t, buf, need, &e) == ARM_OK);
		CHECK(tile_path(&t, buf, need - 1, &e) == ARM_EUSAGE);
	}
	{
		struct tile bad[] = {{0, 1, 0}, {0, 1, 257}, {64, 1, 256}, {-2, 1, 256}};

		for (size_t i = 0; i < ARM_ARRAY_LEN(bad); i++)
			CHECK(tile_path(&bad[i], buf, sizeof(buf), &e) == ARM_EUSAGE);
	}
	/* The length bounds the parse: no NUL needed, bytes after len ignored. */
	{
		struct tile t;

		CHECK(tile_parse_path("tile/0/005XYZ", 10, &t, &e) == ARM_OK && t.n == 5);
		CHECK(tile_parse_path("tile/0/005.p/12", 14, &t, &e) == ARM_OK && t.width == 1);
	}
}

static void
test_path_round_trip(void)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	unsigned bad = 0;
	char buf[TILE_PATH_MAX];
	struct arm_err e;

	for (int i = 0; i < 20000; i++) {
		struct tile t, back;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		t.level = (int)(x % 65) - 1;
		t.n = x >> (x % 64);
		t.width = (unsigned)((x >> 8) % 256) + 1;
		if (tile_path(&t, buf, sizeof(buf), &e) != ARM_OK ||
		    tile_parse_path(buf, strlen(buf), &back, &e) != ARM_OK ||
		    back.level != t.level || back.n != t.n || back.width != t.width)
			bad++;
	}
	CHECK(bad == 0);
}

static void
test_path_negatives(void)
{
	static const char *neg[] = {
	    "",
	    "tile",
	    "tile/",
	    "tile/0",
	    "tile/0/",
	    "/tile/0/005",
	    "tiles/0/005",
	    "TILE/0/005",
	    "tile/0/../005",
	    "tile/../0/005",
	    "tile/0/%2e%2e/005",
	    "tile/%2e/005",
	    "tile/0/./005",
	    "tile/00/005",
	    "tile/01/005",
	    "tile/000/005",
	    "tile/64/005",
	    "tile/99/005",
	    "tile/100/005",
	    "tile/-1/005",
	    "tile/+1/005",
	    "tile/ 0/005",
	    "tile//005",
	    "tile/0//005",
	    "tile/0/5",
	    "tile/0/05",
	    "tile/0/0005",
	    "tile/0/00a",
	    "tile/0/001/234",
	    "tile/0/x001/x234",
	    "tile/0/x001/234/",
	    "tile/0/005/",
	    "tile/0/x001",
	    "tile/0/x001/",
	    "tile/0/x001//234",
	    "tile/0/X001/234",
	    "tile/0/x01/234",
	    "tile/0/x1/234",
	    "tile/0/x0001/234",
	    "tile/0/x000/005",
	    "tile/0/x000/x001/005",
	    "tile/0/xx001/005",
	    "tile/0/x001/x234/67",
	    "tile/0/x018/x446/x744/x073/x709/x551/616",
	    "tile/0/x001/x018/x446/x744/x073/x709/x551/615",
	    "tile/0/x001/x001/x001/x001/x001/x001/x001/001",
	    "tile/0/005.p/0",
	    "tile/0/005.p/256",
	    "tile/0/005.p/999",
	    "tile/0/005.p/1000",
	    "tile/entries/005.p/256",
	    "tile/0/005.p/",
	    "tile/0/005.p",
	    "tile/0/005.",
	    "tile/0/005.p/08",
	    "tile/0/005.p/008",
	    "tile/0/005.p/1x",
	    "tile/0/005.p/1/",
	    "tile/0/005.p/-1",
	    "tile/0/005.p/+1",
	    "tile/0/005.q/1",
	    "tile/0/005p/1",
	    "tile/0/005.p/1.p/1",
	    "tile/entries",
	    "tile/entries/",
	    "tile/entries005",
	    "tile/entries/x001",
	    "tile/entries/../005",
	    "tile/entry/005",
	    "tile/data/005",
	    "tile/8/0/005",
	    "tile/0/005?x=1",
	    "tile/0/005#",
	    "tile/0/005 ",
	    "tile/0/005\n",
	    "tile/0/005\\",
	    "tile/0\\005",
	};
	struct arm_err e;
	struct tile t;

	for (size_t i = 0; i < ARM_ARRAY_LEN(neg); i++) {
		int rc = tile_parse_path(neg[i], strlen(neg[i]), &t, &e);

		CHECKM(rc == ARM_ESYNTAX, neg[i]);
		if (rc == ARM_ESYNTAX)
			CHECKM(strstr(e.msg, "tile path: ") == e.msg &&
			           strstr(e.msg, "at byte ") != NULL,
			       e.msg);
	}
	/* An embedded NUL inside len is a byte like any other: refused. */
	CHECK(tile_parse_path("tile/0/005\0", 11, &t, &e) == ARM_ESYNTAX);
	CHECK(tile_parse_path("tile/0\0/005", 11, &t, &e) == ARM_ESYNTAX);
	/* Overlong: refused on length before anything else. */
	{
		char longp[512];

		memset(longp, 'x', sizeof(longp));
		memcpy(longp, "tile/0/", 7);
		CHECK(tile_parse_path(longp, sizeof(longp), &t, &e) == ARM_ESYNTAX);
		CHECKM(strstr(e.msg, "too long") != NULL, e.msg);
		CHECK(tile_parse_path(longp, TILE_PATH_MAX, &t, &e) == ARM_ESYNTAX);
	}
	/* A quoted subject never carries control bytes into the message. */
	CHECK(tile_parse_path("tile/0/\x01\x1b[2J", 12, &t, &e) == ARM_ESYNTAX);
	CHECK(strchr(e.msg, '\x1b') == NULL && strchr(e.msg, '\x01') == NULL);
	/* Positive edges of the same rules. */
	CHECK(tile_parse_path("tile/63/000", 11, &t, &e) == ARM_OK && t.level == 63);
	CHECK(tile_parse_path("tile/10/000", 11, &t, &e) == ARM_OK && t.level == 10);
	CHECK(tile_parse_path("tile/0/000.p/255", 16, &t, &e) == ARM_OK && t.width == 255);
	CHECK(tile_parse_path("tile/0/x001/000", 15, &t, &e) == ARM_OK && t.n == 1000);
}

/* ---- layout ---- */

static void
count_tiles(int level, uint64_t size, unsigned *full, unsigned *partial, unsigned *pw)
{
	struct tile t;

	*full = *partial = *pw = 0;
	for (uint64_t n = 0; n < 100000 && tile_for_size(level, n, size, &t); n++) {
		if (t.width == TILE_WIDTH) {
			(*full)++;
		} else {
			(*partial)++;
			*pw = t.width;
		}
	}
}

static void
test_layout_70000(void)
{
	unsigned f, p, w;
	struct tile t;

	count_tiles(0, 70000, &f, &p, &w);
	CHECK(f == 273 && p == 1 && w == 112);
	count_tiles(TILE_LEVEL_ENTRIES, 70000, &f, &p, &w);
	CHECK(f == 273 && p == 1 && w == 112);
	count_tiles(1, 70000, &f, &p, &w);
	CHECK(f == 1 && p == 1 && w == 17);
	count_tiles(2, 70000, &f, &p, &w);
	CHECK(f == 0 && p == 1 && w == 1);
	count_tiles(3, 70000, &f, &p, &w);
	CHECK(f == 0 && p == 0);
	CHECK(tile_levels(70000) == 3);
	/* tlog-tiles: size 256 is a full level-0 tile and a level-1 .p/1. */
	count_tiles(0, 256, &f, &p, &w);
	CHECK(f == 1 && p == 0);
	count_tiles(1, 256, &f, &p, &w);
	CHECK(f == 0 && p == 1 && w == 1);
	CHECK(tile_levels(0) == 0 && tile_levels(1) == 1 && tile_levels(255) == 1);
	CHECK(tile_levels(256) == 2 && tile_levels(65535) == 2 && tile_levels(65536) == 3);
	CHECK(tile_levels(UINT64_MAX) == 8);
	CHECK(!tile_for_size(0, 0, 0, &t));
	CHECK(!tile_for_size(7, 0, UINT64_MAX >> 8, &t));
	CHECK(tile_for_size(7, 0, UINT64_MAX, &t) && t.width == 255);
	CHECK(!tile_for_size(8, 0, UINT64_MAX, &t));
	CHECK(!tile_for_size(63, 0, UINT64_MAX, &t));
	CHECK(!tile_for_size(64, 0, UINT64_MAX, &t));
	CHECK(!tile_for_size(-2, 0, UINT64_MAX, &t));
	CHECK(tile_for_size(0, 272, 70000, &t) && t.width == 256);
	CHECK(tile_for_size(0, 273, 70000, &t) && t.width == 112);
	CHECK(!tile_for_size(0, 274, 70000, &t));
}

/* ---- appends ---- */

#define N_APP 70000
#define N_LEAVES (N_APP + 4096) /* appends past N_APP in test_append_touches */

static uint8_t (*app_leaves)[HASH_SIZE];

static void
leaves_init(void)
{
	app_leaves = malloc((size_t)N_LEAVES * HASH_SIZE);
	for (uint32_t i = 0; i < N_LEAVES; i++) {
		uint8_t d[4] = {(uint8_t)(i >> 24), (uint8_t)(i >> 16), (uint8_t)(i >> 8),
		                (uint8_t)i};

		hash_leaf(app_leaves[i], d, sizeof(d));
	}
}

/*
 * The tiles of a tree of size `size`, computed from scratch by the
 * definition (tile n at level l holds MTH of leaves [(n*256+i)*256^l, ...))
 * with merkle_mem, which shares no code with tiles.c, into a fresh store.
 */
static void
reference_tiles(struct mstore *ref, uint64_t size)
{
	struct merkle_mem mm;
	struct merkle_src src;
	struct arm_err e;

	merkle_mem_src(&mm, (const uint8_t(*)[HASH_SIZE])app_leaves, size, &src);
	for (int l = 0; l < (int)tile_levels(size); l++) {
		struct tile t;

		for (uint64_t n = 0; tile_for_size(l, n, size, &t); n++) {
			size_t i = ref->nt++;

			ref->t[i].level = l;
			ref->t[i].n = n;
			ref->t[i].width = t.width;
			for (unsigned k = 0; k < t.width; k++)
				if (src.hash(src.ctx, 8u * (unsigned)l, n * TILE_WIDTH + k,
				             &ref->t[i].data[k * HASH_SIZE], &e) != ARM_OK)
					ref->t[i].width = 0; /* shows up as a mismatch */
		}
	}
}

static int
same_tiles(const struct mstore *a, const struct mstore *b)
{
	if (a->nt != b->nt)
		return 0;
	for (size_t i = 0; i < a->nt; i++) {
		long j = ms_find(b, a->t[i].level, a->t[i].n);

		if (j < 0 || b->t[j].width != a->t[i].width ||
		    memcmp(a->t[i].data, b->t[j].data, (size_t)a->t[i].width * HASH_SIZE) != 0)
			return 0;
	}
	return 1;
}

static struct mstore ref_store; /* reference tiles of N_APP leaves */

static void
test_append_random_batches(void)
{
	struct mstore s, scratch;
	struct merkle_edge edge;
	struct arm_err e;
	uint64_t size = 0, x = 12345;
	unsigned batches = 0, bad_root = 0, bad_edge = 0;

	ms_init(&s);
	ms_init(&scratch);
	merkle_edge_init(&edge);
	while (size < N_APP) {
		uint8_t root[HASH_SIZE], want[HASH_SIZE];
		uint64_t n;
		unsigned reads0 = s.reads;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* Mostly 1..4096, sometimes 1 or one short of a tile boundary. */
		n = x % 8 == 0 ? 1 : x % 8 == 1 ? 256 - size % 256 - 1 : x % 4096 + 1;
		if (n == 0)
			n = 1;
		if (n > N_APP - size)
			n = N_APP - size;
		s.size = size;
		s.edge_only = 1;
		s.app_old = size;
		s.app_new = size + n;
		CHECKM(tile_append(&(struct tile_reader){&s, ms_read}, size,
		                   (const uint8_t(*)[HASH_SIZE])app_leaves + size, n, ms_emit, &s,
		                   root, &e) == ARM_OK,
		       e.msg);
		CHECK(s.reads - reads0 <= tile_levels(size));
		for (uint64_t i = size; i < size + n; i++)
			merkle_edge_push(&edge, app_leaves[i]);
		merkle_edge_root(&edge, want);
		bad_root += memcmp(root, want, HASH_SIZE) != 0;
		size += n;
		batches++;
		/* The right edge as it stands equals the reference's prefix. */
		for (int l = 0; l < (int)tile_levels(size); l++) {
			struct tile t;
			uint64_t tn = size >> (8 * (l + 1));
			long a, b;

			if (!tile_for_size(l, tn, size, &t))
				continue;
			a = ms_find(&s, l, tn);
			b = ms_find(&ref_store, l, tn);
			if (a < 0 || b < 0 || s.t[a].width != t.width ||
			    memcmp(s.t[a].data, ref_store.t[b].data, (size_t)t.width * HASH_SIZE) !=
			        0)
				bad_edge++;
		}
	}
	CHECK(batches > 20);
	CHECK(bad_root == 0);
	CHECK(bad_edge == 0);
	CHECK(s.bad_reads == 0);
	CHECK(s.bad_emits == 0);
	CHECKM(same_tiles(&s, &ref_store), "tiles from random batches differ from the reference");
	/* All at once from empty gives the same bytes, and reads nothing. */
	{
		uint8_t root[HASH_SIZE], want[HASH_SIZE];

		scratch.app_old = 0;
		scratch.app_new = N_APP;
		CHECK(tile_append(&(struct tile_reader){&scratch, ms_read}, 0,
		                  (const uint8_t(*)[HASH_SIZE])app_leaves, N_APP, ms_emit, &scratch,
		                  root, &e) == ARM_OK);
		CHECK(scratch.reads == 0 && scratch.bad_emits == 0);
		CHECK(same_tiles(&scratch, &ref_store));
		merkle_edge_root(&edge, want);
		CHECK_EQ_MEM(root, want, HASH_SIZE);
	}
	/* An append of 0 leaves emits nothing and gives the current root. */
	{
		uint8_t root[HASH_SIZE], want[HASH_SIZE];
		unsigned emits = s.emits;

		s.size = N_APP;
		CHECK(tile_append(&(struct tile_reader){&s, ms_read}, N_APP, NULL, 0, ms_emit, &s,
		                  root, &e) == ARM_OK);
		CHECK(s.emits == emits);
		merkle_edge_root(&edge, want);
		CHECK_EQ_MEM(root, want, HASH_SIZE);
	}
	ms_free(&s);
	ms_free(&scratch);
}

/* Which tiles one append touches, at the boundaries that matter. */
static void
test_append_touches(void)
{
	static const struct {
		uint64_t old, n;
		unsigned reads, emits;
	} c[] = {
	    {70000, 1, 3, 1},    /* L0 .p/112 -> .p/113; reads L0, L1, L2 partials */
	    {70143, 1, 3, 2},    /* L0 tile 273 fills; L1 .p/17 -> .p/18 */
	    {65535, 1, 2, 3},    /* fills L0 and L1; L2 .p/1 appears */
	    {0, 1, 0, 1},        /* the first leaf */
	    {255, 1, 1, 2},      /* full L0 tile 0 and L1 .p/1 */
	    {256, 256, 1, 2},    /* L0 tile 1 (full), L1 .p/1 -> .p/2 */
	    {69000, 1000, 3, 6}, /* L0 .p/136 fills, 3 more full and .p/112; L1 .p/13 -> .p/17 */
	};
	struct arm_err e;

	for (size_t i = 0; i < ARM_ARRAY_LEN(c); i++) {
		struct mstore s;
		uint8_t root[HASH_SIZE], want[HASH_SIZE];
		struct merkle_edge edge;

		ms_init(&s);
		/* Seed the store with the reference tiles of size old. */
		reference_tiles(&s, c[i].old);
		s.size = c[i].old;
		s.edge_only = 1;
		s.app_old = c[i].old;
		s.app_new = c[i].old + c[i].n;
		CHECKM(tile_append(&(struct tile_reader){&s, ms_read}, c[i].old,
		                   (const uint8_t(*)[HASH_SIZE])app_leaves + c[i].old, c[i].n,
		                   ms_emit, &s, root, &e) == ARM_OK,
		       e.msg);
		CHECK(s.reads == c[i].reads && s.bad_reads == 0);
		CHECK(s.emits == c[i].emits && s.bad_emits == 0);
		merkle_edge_init(&edge);
		for (uint64_t k = 0; k < c[i].old + c[i].n; k++)
			merkle_edge_push(&edge, app_leaves[k]);
		merkle_edge_root(&edge, want);
		CHECK_EQ_MEM(root, want, HASH_SIZE);
		ms_free(&s);
	}
}

/* A reader that makes up tiles, for a tree far larger than the test could build. */
struct fake {
	uint64_t size;
	unsigned reads, bad, emits;
	unsigned emitted[8];
};

static int
fake_read(void *ctx, const struct tile *t, struct buf *out, struct arm_err *e)
{
	struct fake *f = ctx;
	uint8_t h[HASH_SIZE];

	f->reads++;
	if (t->level < 0 || t->width == TILE_WIDTH || t->n != f->size >> (8 * (t->level + 1)) ||
	    t->width != ((f->size >> (8 * t->level)) & 255))
		f->bad++;
	for (unsigned i = 0; i < t->width; i++) {
		uint64_t k = ((uint64_t)t->level << 56) ^ (t->n * TILE_WIDTH + i);

		hash_sha256(h, &k, sizeof(k));
		ARM_TRY(buf_append(out, h, HASH_SIZE, e));
	}
	return ARM_OK;
}

static int
fake_emit(void *ctx, const struct tile *t, const uint8_t *data, size_t len, struct arm_err *e)
{
	struct fake *f = ctx;

	(void)data;
	(void)e;
	f->emits++;
	if (t->level >= 0 && t->level < 8 && len == (size_t)t->width * HASH_SIZE)
		f->emitted[t->level]++;
	return ARM_OK;
}

static void
test_append_big_tree(void)
{
	/* 5,000,000 + 4,000 leaves: L0 .p/?, L1 .p/?, L2 .p/76; append 4096. */
	struct fake f = {5004000, 0, 0, 0, {0}};
	uint8_t root[HASH_SIZE];
	struct arm_err e;
	uint64_t old = f.size, n = 4096, nw = old + n;

	CHECKM(tile_append(&(struct tile_reader){&f, fake_read}, old,
	                   (const uint8_t(*)[HASH_SIZE])app_leaves, n, fake_emit, &f, root,
	                   &e) == ARM_OK,
	       e.msg);
	CHECK(f.bad == 0);
	CHECK(f.reads == tile_levels(old));
	/* L0: tiles from old/256 to (new-1)/256; L1: from old>>16 to (new>>8 - 1)>>8. */
	CHECK(f.emitted[0] == (nw - 1) / 256 - old / 256 + 1);
	CHECK(f.emitted[1] == 1);
	CHECK(f.emitted[2] == 0 && f.emitted[3] == 0);
	CHECK(f.emits == f.emitted[0] + f.emitted[1]);
}

static void
test_append_errors(void)
{
	struct mstore s;
	uint8_t root[HASH_SIZE];
	struct arm_err e;

	ms_init(&s);
	reference_tiles(&s, 1000);
	s.size = 1000;
	s.app_old = 1000;
	s.app_new = 1001;
	s.short_read = 1;
	CHECK(tile_append(&(struct tile_reader){&s, ms_read}, 1000,
	                  (const uint8_t(*)[HASH_SIZE])app_leaves, 1, ms_emit, &s, root,
	                  &e) == ARM_ESYNTAX);
	CHECKM(strstr(e.msg, "tile tile/0/003.p/232: 7423 bytes") != NULL, e.msg);
	CHECK(s.emits == 0);
	s.short_read = 0;
	/* A missing right-edge tile: the reader's error comes through. */
	CHECK(tile_append(&(struct tile_reader){&s, ms_read}, 1500,
	                  (const uint8_t(*)[HASH_SIZE])app_leaves, 1, ms_emit, &s, root,
	                  &e) == ARM_ENOTFOUND);
	CHECK(tile_append(&(struct tile_reader){&s, ms_read}, UINT64_MAX,
	                  (const uint8_t(*)[HASH_SIZE])app_leaves, 1, ms_emit, &s, root,
	                  &e) == ARM_EUSAGE);
	ms_free(&s);
}

/* ---- proofs from tiles ---- */

/* Named, not a compound literal: a tile_src keeps the reader pointer. */
static const struct tile_reader ref_reader = {&ref_store, ms_read};

/*
 * Every complete subtree of the N_APP-leaf tree, level by level, by plain
 * pairing: an in-memory source as cheap as a lookup, sharing no code with
 * tiles.c (merkle_mem would rehash 2^level leaves per lookup).
 */
static uint8_t (*lv[18])[HASH_SIZE];

static void
lv_init(void)
{
	lv[0] = app_leaves;
	for (unsigned j = 1; j < 18; j++) {
		uint64_t c = (uint64_t)N_APP >> j;

		lv[j] = malloc((c > 0 ? c : 1) * HASH_SIZE);
		for (uint64_t i = 0; i < c; i++)
			hash_node(lv[j][i], lv[j - 1][2 * i], lv[j - 1][2 * i + 1]);
	}
}

static int
lv_hash(void *ctx, unsigned level, uint64_t n, uint8_t out[HASH_SIZE], struct arm_err *e)
{
	uint64_t size = *(const uint64_t *)ctx;

	if (level >= 18 || n >= (size >> level))
		return arm_err_set(e, ARM_EUSAGE, "lv: no subtree %u/%llu", level,
		                   (unsigned long long)n);
	memcpy(out, lv[level][n], HASH_SIZE);
	return ARM_OK;
}

static void
test_tile_proofs(void)
{
	static const uint64_t sizes[] = {1, 2, 255, 256, 257, 65535, 65536, 65537, 69999, 70000};
	struct arm_err e;
	unsigned bad = 0, n = 0;
	uint64_t x = 777;

	for (size_t si = 0; si < ARM_ARRAY_LEN(sizes); si++) {
		uint64_t size = sizes[si];
		struct tile_src ts;
		struct merkle_src tsrc, msrc = {&size, lv_hash};
		uint8_t a[HASH_SIZE], b[HASH_SIZE];

		ref_store.size = size;
		ref_store.edge_only = 0;
		ref_store.bad_reads = 0;
		CHECK(tile_src_init(&ts, &ref_reader, size, &tsrc, &e) == ARM_OK);
		CHECKM(merkle_root(&tsrc, size, a, &e) == ARM_OK, e.msg);
		CHECK(merkle_root(&msrc, size, b, &e) == ARM_OK);
		CHECK_EQ_MEM(a, b, HASH_SIZE);
		for (int k = 0; k < 200; k++) {
			uint8_t p1[MERKLE_MAX_PROOF][HASH_SIZE], p2[MERKLE_MAX_PROOF][HASH_SIZE];
			size_t n1 = 0, n2 = 0;
			uint64_t i, old;

			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			i = k == 0 ? 0 : k == 1 ? size - 1 : x % size;
			old = k == 2 ? size : i + 1;
			if (merkle_prove_inclusion(&tsrc, i, size, p1, &n1, &e) != ARM_OK ||
			    merkle_prove_inclusion(&msrc, i, size, p2, &n2, &e) != ARM_OK ||
			    n1 != n2 || memcmp(p1, p2, n1 * HASH_SIZE) != 0 ||
			    merkle_verify_inclusion(app_leaves[i], i, size, b,
			                            (const uint8_t(*)[HASH_SIZE])p1, n1,
			                            &e) != ARM_OK)
				bad++;
			if (merkle_prove_consistency(&tsrc, old, size, p1, &n1, &e) != ARM_OK ||
			    merkle_prove_consistency(&msrc, old, size, p2, &n2, &e) != ARM_OK ||
			    n1 != n2 || memcmp(p1, p2, n1 * HASH_SIZE) != 0)
				bad++;
			n++;
		}
		CHECK(ref_store.bad_reads == 0); /* only tiles that exist at this size */
		/* Subtrees outside the tree are refused, not read. */
		CHECK(tsrc.hash(tsrc.ctx, 0, size, a, &e) == ARM_EUSAGE);
		CHECK(tsrc.hash(tsrc.ctx, 64, 0, a, &e) == ARM_EUSAGE);
		tile_src_release(&ts);
		tile_src_release(&ts); /* NULL-safe twice */
	}
	CHECK(n == 2000);
	CHECK(bad == 0);
}

/* Tile hashes are what the reader gives: a changed tile changes the root. */
static void
test_tile_src_tampered(void)
{
	struct tile_src ts;
	struct merkle_src src;
	struct arm_err e;
	uint8_t a[HASH_SIZE], b[HASH_SIZE];
	long i = ms_find(&ref_store, 1, 1); /* L1 .p/17: the root of 70000 reads it */

	ref_store.size = 70000;
	CHECK(tile_src_init(&ts, &ref_reader, 70000, &src, &e) == ARM_OK);
	CHECK(merkle_root(&src, 70000, a, &e) == ARM_OK);
	tile_src_release(&ts);
	CHECK(i >= 0);
	if (i < 0)
		return;
	ref_store.t[i].data[100] ^= 1;
	CHECK(tile_src_init(&ts, &ref_reader, 70000, &src, &e) == ARM_OK);
	CHECK(merkle_root(&src, 70000, b, &e) == ARM_OK);
	CHECK(memcmp(a, b, HASH_SIZE) != 0);
	tile_src_release(&ts);
	ref_store.t[i].data[100] ^= 1;
	/* A short tile is refused with its path. */
	ref_store.short_read = 1;
	CHECK(tile_src_init(&ts, &ref_reader, 70000, &src, &e) == ARM_OK);
	CHECK(merkle_root(&src, 70000, b, &e) == ARM_ESYNTAX);
	CHECKM(strstr(e.msg, "tile tile/") != NULL, e.msg);
	tile_src_release(&ts);
	ref_store.short_read = 0;
}

/* ---- bundles: tlog-formats.md §1.5 ---- */

static void
test_bundle_vector(void)
{
	static const char *leaves[8] = {"",
	                                "00",
	                                "10",
	                                "2021",
	                                "3031",
	                                "40414243",
	                                "5051525354555657",
	                                "606162636465666768696a6b6c6d6e6f"};
	static const char *want_hex =
	    "00000001000001100002202100023031000440414243000850515253545556"
	    "570010606162636465666768696a6b6c6d6e6f";
	uint8_t want[64], tile[8 * HASH_SIZE], h[HASH_SIZE];
	struct buf b = BUF_INIT(1 << 20);
	struct bundle_entry ent[256];
	struct arm_err e;
	char hex[2 * HASH_SIZE + 1], path[TILE_PATH_MAX];
	size_t wl = harness_unhex(want_hex, want, sizeof(want));
	struct tile t;

	CHECK(wl == 50);
	for (int i = 0; i < 8; i++) {
		uint8_t d[16];
		size_t n = harness_unhex(leaves[i], d, sizeof(d));

		CHECK(bundle_append(&b, d, n, &e) == ARM_OK);
		hash_leaf(tile + i * HASH_SIZE, d, n);
	}
	CHECK(b.len == 50 && memcmp(b.data, want, 50) == 0);
	CHECK(tile_for_size(TILE_LEVEL_ENTRIES, 0, 8, &t) &&
	      tile_path(&t, path, sizeof(path), &e) == ARM_OK);
	CHECK(strcmp(path, "tile/entries/000.p/8") == 0);
	CHECK(tile_for_size(0, 0, 8, &t) && tile_path(&t, path, sizeof(path), &e) == ARM_OK);
	CHECK(strcmp(path, "tile/0/000.p/8") == 0);
	hash_sha256(h, tile, sizeof(tile));
	hash_hex(hex, h);
	CHECKM(strncmp(hex, "aea2f1bb", 8) == 0 && strcmp(hex + 60, "8f10") == 0, hex);
	/* tile_append from empty writes that tile. */
	{
		struct mstore s;
		uint8_t root[HASH_SIZE];
		char rh[2 * HASH_SIZE + 1];

		ms_init(&s);
		s.app_new = 8;
		CHECK(tile_append(&(struct tile_reader){&s, ms_read}, 0,
		                  (const uint8_t(*)[HASH_SIZE])tile, 8, ms_emit, &s, root,
		                  &e) == ARM_OK);
		CHECK(s.nt == 1 && s.t[0].level == 0 && s.t[0].width == 8 &&
		      memcmp(s.t[0].data, tile, sizeof(tile)) == 0);
		hash_hex(rh, root);
		CHECK(strcmp(rh,
		             "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328") ==
		      0);
		ms_free(&s);
	}
	/* Parse back, and the malformed twins. */
	CHECK(bundle_parse(b.data, b.len, 8, ent, &e) == ARM_OK);
	CHECK(ent[0].len == 0 && ent[7].len == 16 && ent[7].data == b.data + 34);
	CHECK(ent[3].len == 2 && memcmp(ent[3].data, "\x20\x21", 2) == 0);
	CHECK(bundle_parse(b.data, b.len, 7, ent, &e) == ARM_ESYNTAX);
	CHECKM(strstr(e.msg, "trailing bytes at byte 32") != NULL, e.msg);
	CHECK(bundle_parse(b.data, b.len, 9, ent, &e) == ARM_ESYNTAX);
	CHECKM(strstr(e.msg, "entry 8: truncated length prefix at byte 50") != NULL, e.msg);
	CHECK(bundle_parse(b.data, b.len - 1, 8, ent, &e) == ARM_ESYNTAX);
	CHECKM(strstr(e.msg, "entry 7: 16 bytes declared at byte 32, only 15 left") != NULL, e.msg);
	CHECK(bundle_parse(b.data, 1, 1, ent, &e) == ARM_ESYNTAX);
	CHECK(bundle_parse(b.data, 0, 1, ent, &e) == ARM_ESYNTAX);
	CHECK(bundle_parse(b.data, b.len, 0, ent, &e) == ARM_EUSAGE);
	CHECK(bundle_parse(b.data, b.len, 257, ent, &e) == ARM_EUSAGE);
	buf_release(&b);
	/* The u16 limit: 65,535 bytes fit, 65,536 do not. */
	{
		uint8_t *big = calloc(1, 65536);

		CHECK(bundle_append(&b, big, 65535, &e) == ARM_OK);
		CHECK(b.len == 65537 && b.data[0] == 0xff && b.data[1] == 0xff);
		CHECK(bundle_parse(b.data, b.len, 1, ent, &e) == ARM_OK && ent[0].len == 65535);
		CHECK(bundle_append(&b, big, 65536, &e) == ARM_ELIMIT);
		CHECK(b.len == 65537);
		free(big);
		buf_release(&b);
	}
	/* 256 empty entries: a full bundle. */
	{
		for (int i = 0; i < 256; i++)
			CHECK(bundle_append(&b, NULL, 0, &e) == ARM_OK);
		CHECK(b.len == 512 && bundle_parse(b.data, b.len, 256, ent, &e) == ARM_OK);
		buf_release(&b);
	}
}

int
main(void)
{
	leaves_init();
	ms_init(&ref_store);
	reference_tiles(&ref_store, N_APP);
	RUN(test_path_examples);
	RUN(test_path_round_trip);
	RUN(test_path_negatives);
	RUN(test_layout_70000);
	RUN(test_append_random_batches);
	RUN(test_append_touches);
	RUN(test_append_big_tree);
	RUN(test_append_errors);
	lv_init();
	RUN(test_tile_proofs);
	RUN(test_tile_src_tampered);
	RUN(test_bundle_vector);
	ms_free(&ref_store);
	for (unsigned j = 1; j < 18; j++)
		free(lv[j]);
	free(app_leaves);
	return HARNESS_DONE();
}
