/*
 * tiles.c - see tiles.h. C2SP tlog-tiles v0.1.0 paths, which tiles a tree
 * has, a merkle_src over tiles, and the tiles an append writes.
 *
 * Inside a tile the complete aligned subtrees form a small perfect tree:
 * tile (L, t) of width w holds hashes at tree level 8L; the subtree hashes
 * at levels 8L+1 .. 8L+7 are computed from it (w>>j of them at level 8L+j),
 * so any subtree hash of the tree comes from exactly one tile.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "armistice/tiles.h"
#include "armistice/common.h"

#define TILE_BYTES (TILE_WIDTH * HASH_SIZE)
#define TILE_NODES (2 * TILE_WIDTH - 1) /* 256 + 128 + ... + 1 */
#define TILE_CACHE_SLOTS 64
#define TILE_GROUPS_MAX 7 /* 2^64 - 1 has 20 decimal digits: 7 groups of 3 */

/* Offset of in-tile level j (0..8) in a TILE_NODES array. */
static unsigned
node_off(unsigned j)
{
	return 2 * TILE_WIDTH - (2 * TILE_WIDTH >> j);
}

/* Writes a printable copy of p[0..len) for quoting in an error message. */
static void
quote(char *out, size_t cap, const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len && i + 1 < cap; i++)
		out[i] = (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"') ? p[i] : '?';
	out[i] = '\0';
}

int
tile_path(const struct tile *t, char *out, size_t cap, struct arm_err *e)
{
	char buf[TILE_PATH_MAX + 16];
	unsigned g[TILE_GROUPS_MAX];
	unsigned ng = 0;
	uint64_t n = t->n;
	size_t len;
	int k;

	if (t->level < TILE_LEVEL_ENTRIES || t->level > 63 || t->width < 1 || t->width > TILE_WIDTH)
		return arm_err_set(e, ARM_EUSAGE, "tile path: level %d width %u is not a tile",
		                   t->level, t->width);
	do {
		g[ng++] = (unsigned)(n % 1000);
		n /= 1000;
	} while (n > 0);
	if (t->level == TILE_LEVEL_ENTRIES)
		k = snprintf(buf, sizeof(buf), "tile/entries/");
	else
		k = snprintf(buf, sizeof(buf), "tile/%d/", t->level);
	len = (size_t)k;
	/* tlog-tiles: 3-digit groups, all but the last prefixed "x". */
	while (ng-- > 1)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "x%03u/", g[ng]);
	len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%03u", g[0]);
	if (t->width < TILE_WIDTH)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, ".p/%u", t->width);
	if (len + 1 > cap)
		return arm_err_set(e, ARM_EUSAGE, "tile path: %zu bytes do not fit in %zu", len + 1,
		                   cap);
	memcpy(out, buf, len + 1);
	return ARM_OK;
}

static int
path_err(struct arm_err *e, const char *p, size_t len, size_t at, const char *rule)
{
	char q[TILE_PATH_MAX];

	quote(q, sizeof(q), p, len);
	return arm_err_set(e, ARM_ESYNTAX,
	                   "tile path: %s at byte %zu in \"%s\" (tlog-tiles v0.1.0)", rule, at, q);
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int
tile_parse_path(const char *p, size_t len, struct tile *t, struct arm_err *e)
{
	static const char pre[] = "tile/";
	static const char ent[] = "entries/";
	size_t i = sizeof(pre) - 1;
	unsigned ng = 0;
	uint64_t n = 0;

	memset(t, 0, sizeof(*t));
	if (len >= TILE_PATH_MAX)
		return path_err(e, p, TILE_PATH_MAX - 1, TILE_PATH_MAX - 1, "path too long");
	if (len < i || memcmp(p, pre, i) != 0)
		return path_err(e, p, len, 0, "does not start with \"tile/\"");
	/* <L>: "entries", or 0..63 in decimal with no leading zeros. */
	if (len - i >= sizeof(ent) - 1 && memcmp(p + i, ent, sizeof(ent) - 1) == 0) {
		t->level = TILE_LEVEL_ENTRIES;
		i += sizeof(ent) - 1;
	} else {
		size_t s = i;
		int l = 0;

		while (i < len && is_digit(p[i]) && i - s < 3)
			l = l * 10 + (p[i++] - '0');
		if (i == s)
			return path_err(e, p, len, i, "level is not a decimal number");
		if (i - s > 1 && p[s] == '0')
			return path_err(e, p, len, s, "level has a leading zero");
		if (l > 63)
			return path_err(e, p, len, s, "level is above 63");
		if (i >= len || p[i] != '/')
			return path_err(e, p, len, i, "level is not followed by \"/\"");
		t->level = l;
		i++;
	}
	/* <N>: groups "xDDD/" then a last group "DDD". */
	for (;;) {
		int x = 0;
		unsigned g;

		if (i < len && p[i] == 'x') {
			x = 1;
			i++;
		}
		if (len - i < 3 || !is_digit(p[i]) || !is_digit(p[i + 1]) || !is_digit(p[i + 2]))
			return path_err(e, p, len, i, "index group is not exactly 3 digits");
		g = (unsigned)((p[i] - '0') * 100 + (p[i + 1] - '0') * 10 + (p[i + 2] - '0'));
		if (++ng > TILE_GROUPS_MAX || n > (UINT64_MAX - g) / 1000)
			return path_err(e, p, len, i, "index does not fit in 64 bits");
		if (x && ng == 1 && g == 0)
			return path_err(e, p, len, i, "index has a leading zero group");
		n = n * 1000 + g;
		i += 3;
		if (!x) {
			if (i < len && is_digit(p[i]))
				return path_err(e, p, len, i,
				                "index group is not exactly 3 digits");
			break;
		}
		if (i >= len || p[i] != '/')
			return path_err(e, p, len, i, "\"x\" group is not followed by \"/\"");
		i++;
	}
	t->n = n;
	t->width = TILE_WIDTH;
	if (i == len)
		return ARM_OK;
	/* ".p/<W>": W in 1..255 with no leading zeros. */
	if (len - i < 4 || memcmp(p + i, ".p/", 3) != 0) {
		memset(t, 0, sizeof(*t));
		return path_err(e, p, len, i, "trailing bytes after the index");
	}
	i += 3;
	{
		size_t s = i;
		unsigned w = 0;

		while (i < len && is_digit(p[i]) && i - s < 4)
			w = w * 10 + (unsigned)(p[i++] - '0');
		if (i < len || i == s || (i - s > 1 && p[s] == '0') || w < 1 || w > 255) {
			memset(t, 0, sizeof(*t));
			return path_err(e, p, len, s,
			                "partial width is not 1..255 without leading zeros");
		}
		t->width = w;
	}
	return ARM_OK;
}

bool
tile_for_size(int level, uint64_t n, uint64_t size, struct tile *t)
{
	unsigned sh;
	uint64_t count, full;
	unsigned w;

	if (level < TILE_LEVEL_ENTRIES || level > 63)
		return false;
	sh = level == TILE_LEVEL_ENTRIES ? 0 : 8u * (unsigned)level;
	if (sh >= 64)
		return false;
	count = size >> sh; /* complete hashes at tree level sh */
	full = count / TILE_WIDTH;
	w = (unsigned)(count % TILE_WIDTH);
	t->level = level;
	t->n = n;
	if (n < full)
		t->width = TILE_WIDTH;
	else if (n == full && w > 0)
		t->width = w; /* floor(s / 256^l) mod 256 */
	else
		return false;
	return true;
}

unsigned
tile_levels(uint64_t size)
{
	unsigned l = 0;

	while (l < 8 && (size >> (8 * l)) != 0)
		l++;
	return l;
}

/* Fills the in-tile levels 1..8 above the w hashes at level 0. */
static void
tile_build(uint8_t (*nodes)[HASH_SIZE], unsigned w)
{
	for (unsigned j = 1; j <= TILE_HEIGHT; j++) {
		uint8_t(*lo)[HASH_SIZE] = nodes + node_off(j - 1);
		uint8_t(*hi)[HASH_SIZE] = nodes + node_off(j);

		for (unsigned i = 0; i < (w >> j); i++)
			hash_node(hi[i], lo[2 * i], lo[2 * i + 1]);
	}
}

/* Reads tile t through r into out, which must then hold width hashes. */
static int
tile_read(const struct tile_reader *r, const struct tile *t, struct buf *io, struct arm_err *e)
{
	char path[TILE_PATH_MAX];

	buf_reset(io);
	ARM_TRY(r->read(r->ctx, t, io, e));
	if (io->len != (size_t)t->width * HASH_SIZE) {
		if (tile_path(t, path, sizeof(path), NULL) != ARM_OK)
			path[0] = '\0';
		return arm_err_set(e, ARM_ESYNTAX, "tile %s: %zu bytes, want %u hashes of 32 bytes",
		                   path, io->len, t->width);
	}
	return ARM_OK;
}

struct tile_cache_slot {
	int used;
	int level;
	uint64_t n;
	unsigned width;
	uint64_t stamp;
	uint8_t (*nodes)[HASH_SIZE]; /* TILE_NODES hashes, owned */
};

struct tile_cache {
	struct tile_cache_slot slot[TILE_CACHE_SLOTS];
	uint64_t clock;
	struct buf io;
};

static int
cache_get(struct tile_src *ts, int level, uint64_t n, struct tile_cache_slot **out,
          struct arm_err *e)
{
	struct tile_cache *c = ts->cache;
	struct tile_cache_slot *victim = &c->slot[0];
	struct tile t;

	c->clock++;
	for (unsigned i = 0; i < TILE_CACHE_SLOTS; i++) {
		struct tile_cache_slot *s = &c->slot[i];

		if (s->used && s->level == level && s->n == n) {
			s->stamp = c->clock;
			*out = s;
			return ARM_OK;
		}
		if (!s->used || (victim->used && s->stamp < victim->stamp))
			victim = s;
	}
	if (!tile_for_size(level, n, ts->size, &t))
		return arm_err_set(e, ARM_ENOTFOUND,
		                   "tile: no tile %llu at level %d in a tree of size %llu",
		                   (unsigned long long)n, level, (unsigned long long)ts->size);
	ARM_TRY(tile_read(ts->r, &t, &c->io, e));
	if (victim->nodes == NULL) {
		victim->nodes = malloc(TILE_NODES * HASH_SIZE);
		if (victim->nodes == NULL)
			return arm_err_set(e, ARM_ENOMEM, "tile: out of memory for the tile cache");
	}
	victim->used = 0;
	memcpy(victim->nodes, c->io.data, c->io.len);
	tile_build(victim->nodes, t.width);
	victim->used = 1;
	victim->level = level;
	victim->n = n;
	victim->width = t.width;
	victim->stamp = c->clock;
	*out = victim;
	return ARM_OK;
}

/*
 * merkle_src callback: the subtree of 2^k leaves at index n is in-tile
 * level k % 8 of the tile at level k / 8 that holds hash (n << k%8).
 */
static int
tile_src_hash(void *ctx, unsigned k, uint64_t n, uint8_t out[HASH_SIZE], struct arm_err *e)
{
	struct tile_src *ts = ctx;
	struct tile_cache_slot *s = NULL;
	unsigned l, j;
	uint64_t idx;

	if (k >= 64 || n >= (ts->size >> k))
		return arm_err_set(e, ARM_EUSAGE,
		                   "tile: subtree at level %u index %llu is not inside size %llu",
		                   k, (unsigned long long)n, (unsigned long long)ts->size);
	l = k / TILE_HEIGHT;
	j = k % TILE_HEIGHT;
	idx = n << j; /* index of its first hash at level 8l */
	ARM_TRY(cache_get(ts, (int)l, idx / TILE_WIDTH, &s, e));
	memcpy(out, s->nodes[node_off(j) + (idx % TILE_WIDTH >> j)], HASH_SIZE);
	return ARM_OK;
}

int
tile_src_init(struct tile_src *ts, const struct tile_reader *r, uint64_t size,
              struct merkle_src *src, struct arm_err *e)
{
	ts->r = r;
	ts->size = size;
	ts->cache = calloc(1, sizeof(*ts->cache));
	if (ts->cache == NULL)
		return arm_err_set(e, ARM_ENOMEM, "tile: out of memory for the tile cache");
	buf_init(&ts->cache->io, TILE_BYTES);
	src->ctx = ts;
	src->hash = tile_src_hash;
	return ARM_OK;
}

void
tile_src_release(struct tile_src *ts)
{
	if (ts == NULL || ts->cache == NULL)
		return;
	for (unsigned i = 0; i < TILE_CACHE_SLOTS; i++)
		free(ts->cache->slot[i].nodes);
	buf_release(&ts->cache->io);
	free(ts->cache);
	ts->cache = NULL;
}

/* MTH of 2^j consecutive hashes (j <= 8), aligned. */
static void
block_hash(const uint8_t (*h)[HASH_SIZE], unsigned count, uint8_t out[HASH_SIZE])
{
	struct merkle_edge m;

	if (count == 1) {
		memcpy(out, h[0], HASH_SIZE);
		return;
	}
	merkle_edge_init(&m);
	for (unsigned i = 0; i < count; i++)
		merkle_edge_push(&m, h[i]);
	memcpy(out, m.h[0], HASH_SIZE);
}

int
tile_append(const struct tile_reader *r, uint64_t old, const uint8_t (*leaves)[HASH_SIZE],
            uint64_t n, tile_emit_fn emit, void *emit_ctx, uint8_t new_root[HASH_SIZE],
            struct arm_err *e)
{
	/* parts[l][*]: the complete subtrees of the new tree inside level l's partial tile. */
	uint8_t parts[8][TILE_HEIGHT][HASH_SIZE];
	unsigned nparts[8] = {0};
	struct buf io = BUF_INIT(TILE_BYTES);
	const uint8_t(*fresh)[HASH_SIZE] = leaves; /* new hashes at this level */
	uint8_t(*cur)[HASH_SIZE] = NULL;
	uint8_t(*up)[HASH_SIZE] = NULL;
	uint8_t(*prev_up)[HASH_SIZE] = NULL;
	uint64_t nfresh = n, size;
	unsigned l;
	int rc = ARM_OK;

	if (n > UINT64_MAX - old)
		return arm_err_set(e, ARM_EUSAGE,
		                   "tile: appending %llu leaves to size %llu overflows",
		                   (unsigned long long)n, (unsigned long long)old);
	size = old + n;
	for (l = 0; l < 8 && (size >> (8 * l)) != 0; l++) {
		uint64_t oc = old >> (8 * l), nc = size >> (8 * l);
		unsigned w0 = (unsigned)(oc % TILE_WIDTH), wf = (unsigned)(nc % TILE_WIDTH);
		uint64_t base = oc - w0, total = nc - base, nfull = total / TILE_WIDTH;
		uint64_t at;

		/* The existing right-edge partial tile: grown below, or kept for the root. */
		cur = malloc((total > 0 ? total : 1) * HASH_SIZE);
		up = nfull > 0 ? malloc(nfull * HASH_SIZE) : NULL;
		if (cur == NULL || (nfull > 0 && up == NULL)) {
			rc = arm_err_set(e, ARM_ENOMEM, "tile: out of memory appending %llu leaves",
			                 (unsigned long long)n);
			goto out;
		}
		if (w0 > 0) {
			struct tile t = {(int)l, oc / TILE_WIDTH, w0};

			if ((rc = tile_read(r, &t, &io, e)) != ARM_OK)
				goto out;
			memcpy(cur, io.data, io.len);
		}
		if (nfresh > 0)
			memcpy(cur + w0, fresh, nfresh * HASH_SIZE);
		/* Emit every tile holding a new hash, full or partial, left to right. */
		for (at = 0; nfresh > 0 && at < total; at += TILE_WIDTH) {
			struct tile t = {
			    (int)l, (base + at) / TILE_WIDTH,
			    (unsigned)(total - at < TILE_WIDTH ? total - at : TILE_WIDTH)};

			if ((rc = emit(emit_ctx, &t, cur[at], (size_t)t.width * HASH_SIZE, e)) !=
			    ARM_OK)
				goto out;
		}
		/*
		 * Each tile that is full now was not before (it is in cur), so its
		 * root is a new hash one tile level up. Partial tiles never are.
		 */
		for (uint64_t i = 0; i < nfull; i++)
			block_hash((const uint8_t(*)[HASH_SIZE])cur[i * TILE_WIDTH], TILE_WIDTH,
			           up[i]);
		/* The new tree's complete subtrees inside the final partial tile. */
		at = total - wf;
		for (unsigned j = TILE_HEIGHT; j-- > 0;) {
			if (!(wf & (1u << j)))
				continue;
			block_hash((const uint8_t(*)[HASH_SIZE])cur[at], 1u << j,
			           parts[l][nparts[l]++]);
			at += 1u << j;
		}
		free(cur);
		cur = NULL;
		free(prev_up);
		prev_up = up;
		fresh = (const uint8_t(*)[HASH_SIZE])up;
		nfresh = nfull;
		up = NULL;
	}
	/* RFC 9162 §2.1.1 MTH from the subtrees, largest first, folded from the right. */
	if (size == 0) {
		hash_sha256(new_root, "", 0);
	} else {
		int first = 1;

		for (unsigned k = 0; k < l; k++)
			for (unsigned i = nparts[k]; i-- > 0;) {
				if (first)
					memcpy(new_root, parts[k][i], HASH_SIZE);
				else
					hash_node(new_root, parts[k][i], new_root);
				first = 0;
			}
	}
out:
	free(cur);
	free(up);
	free(prev_up);
	buf_release(&io);
	return rc;
}
