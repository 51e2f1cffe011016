/* tilecache.c - see tilecache.h. */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "server/tilecache.h"

/* A probe this long finds a free slot in a table kept under 3/4 full. */
#define TCACHE_PROBE 64

struct tcache_slot {
	_Atomic(uint64_t) key; /* 0: free; else tcache_key() */
	_Atomic(const struct httpd_fixed *) val;
};

struct tcache {
	size_t mask;
	size_t budget;
	atomic_size_t bytes;
	atomic_size_t tiles;
	struct tcache_slot *slots;
};

/* Level + 1 (entries: 64 + 1) in the top 7 bits, the index below: never 0. */
static uint64_t
tcache_key(const struct tile *t)
{
	uint64_t lv = t->level == TILE_LEVEL_ENTRIES ? 64 : (uint64_t)t->level;

	return ((lv + 1) << 57) | (t->n & ((UINT64_C(1) << 57) - 1));
}

static size_t
tcache_hash(uint64_t k)
{
	k ^= k >> 33;
	k *= UINT64_C(0xff51afd7ed558ccd);
	k ^= k >> 33;
	return (size_t)k;
}

int
tcache_new(struct tcache **out, size_t slots, size_t budget, struct arm_err *e)
{
	struct tcache *c;
	size_t n = 64;

	*out = NULL;
	while (n < slots + slots / 3 && n < ((size_t)1 << 30))
		n <<= 1;
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->slots = calloc(n, sizeof(*c->slots))) == NULL) {
		free(c);
		return arm_err_set(e, ARM_ENOMEM, "out of memory for the tile cache");
	}
	c->mask = n - 1;
	c->budget = budget;
	atomic_init(&c->bytes, 0);
	atomic_init(&c->tiles, 0);
	*out = c;
	return ARM_OK;
}

void
tcache_free(struct tcache *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i <= c->mask; i++)
		httpd_fixed_free((struct httpd_fixed *)atomic_load(&c->slots[i].val));
	free(c->slots);
	free(c);
}

const struct httpd_fixed *
tcache_get(struct tcache *c, const struct tile *t)
{
	uint64_t k = tcache_key(t), got;
	size_t i, h = tcache_hash(k);

	if (t->width != 256)
		return NULL;
	for (i = 0; i < TCACHE_PROBE; i++) {
		struct tcache_slot *s = &c->slots[(h + i) & c->mask];
		if ((got = atomic_load_explicit(&s->key, memory_order_acquire)) == 0)
			return NULL;
		if (got == k)
			return atomic_load_explicit(&s->val, memory_order_acquire);
	}
	return NULL;
}

const struct httpd_fixed *
tcache_put(struct tcache *c, const struct tile *t, const void *bytes, size_t len, const char *ctype,
           const char *cache)
{
	uint64_t k = tcache_key(t), want;
	size_t i, h = tcache_hash(k);
	struct httpd_fixed *f;
	const struct httpd_fixed *none = NULL;

	if (t->width != 256 || atomic_load(&c->bytes) + len > c->budget ||
	    (atomic_load(&c->tiles) + 1) * 4 > (c->mask + 1) * 3)
		return NULL;
	if ((f = httpd_fixed_new(bytes, len, ctype, cache)) == NULL)
		return NULL;
	for (i = 0; i < TCACHE_PROBE; i++) {
		struct tcache_slot *s = &c->slots[(h + i) & c->mask];
		want = 0;
		if (!atomic_compare_exchange_strong(&s->key, &want, k) && want != k)
			continue; /* another tile's slot */
		/* Ours now (or already ours): the first value stored wins. */
		if (atomic_compare_exchange_strong(&s->val, &none, f)) {
			atomic_fetch_add(&c->bytes, len);
			atomic_fetch_add(&c->tiles, 1);
			return f;
		}
		httpd_fixed_free(f);
		return none; /* another thread's copy, the same bytes */
	}
	httpd_fixed_free(f);
	return NULL;
}

void
tcache_stats(const struct tcache *c, size_t *tiles, size_t *bytes)
{
	*tiles = atomic_load(&((struct tcache *)c)->tiles);
	*bytes = atomic_load(&((struct tcache *)c)->bytes);
}

/* Tiles larger than this are sent from the store (an entry bundle of big entries). */
#define TCACHE_TILE_MAX (1u << 20)

const struct httpd_fixed *
tcache_keep(struct tcache *c, const struct tile *t, struct httpd_resp *rs)
{
	const struct httpd_fixed *f = NULL;
	uint8_t *b;
	size_t got = 0;
	ssize_t r;

	if (t->width != 256 || rs->status != 200)
		return NULL;
	if (rs->fd < 0) {
		/* A database log: the bytes are already in the body. */
		f = tcache_put(c, t, rs->body.data ? rs->body.data : (void *)"", rs->body.len,
		               rs->ctype, rs->cache);
	} else if (rs->fd_len <= TCACHE_TILE_MAX && (b = malloc(rs->fd_len + 1)) != NULL) {
		while (got < rs->fd_len &&
		       ((r = pread(rs->fd, b + got, rs->fd_len - got, (off_t)got)) > 0 ||
		        (r < 0 && errno == EINTR)))
			got += r > 0 ? (size_t)r : 0;
		if (got == rs->fd_len)
			f = tcache_put(c, t, b, got, rs->ctype, rs->cache);
		free(b);
	}
	if (f != NULL) {
		if (rs->fd >= 0)
			close(rs->fd);
		rs->fd = -1;
		buf_reset(&rs->body);
		rs->fixed = f;
	}
	return f;
}
