/*
 * tiles.h - C2SP tlog-tiles v0.1.0: tile coordinates and paths, which
 * tiles a tree of a given size has, proofs served from tiles, and the tiles
 * that an append writes.
 *
 *   tile/<L>/<N>[.p/<W>]        hash tiles, L = 0..63, 256 hashes when full
 *   tile/entries/<N>[.p/<W>]    entry bundles (bundle.h)
 *
 * N is written in zero-padded 3-digit groups, all but the last prefixed
 * "x" (1234067 -> x001/x234/067). W is 1..255 and appears only on partial
 * tiles. Hash tile n at level l holds MTH of leaves
 * [(n*256+i)*256^l, (n*256+i+1)*256^l) for i < W.
 * Partial tiles are never hashed into the level above.
 */
#ifndef ARMISTICE_TILES_H
#define ARMISTICE_TILES_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "hash.h"
#include "merkle.h"

#define TILE_HEIGHT 8
#define TILE_WIDTH 256
#define TILE_LEVEL_ENTRIES (-1)
#define TILE_PATH_MAX 96 /* longest path for L <= 63 and N < 2^64, with NUL */

struct tile {
	int level;      /* 0..63, or TILE_LEVEL_ENTRIES */
	uint64_t n;     /* tile index at that level */
	unsigned width; /* 1..256; 256 is a full tile (no .p/W suffix) */
};

/* Writes the path (no leading "/") into out; ARM_EUSAGE if out is short. */
int tile_path(const struct tile *t, char *out, size_t cap, struct arm_err *e) ARM_MUST_CHECK;

/*
 * Parses a path "tile/..." strictly: no leading zeros in L, every group
 * exactly 3 digits, "x" on all groups but the last, W in 1..255, nothing
 * else (no "..", no empty elements, no trailing "/"). Pure and bounded.
 */
int tile_parse_path(const char *p, size_t len, struct tile *t, struct arm_err *e) ARM_MUST_CHECK;

/*
 * The tile at level (or TILE_LEVEL_ENTRIES) and index n as it stands in a
 * tree of the given size: width 256 if full, the partial width otherwise,
 * or false if that tile does not exist (yet) for this size.
 */
bool tile_for_size(int level, uint64_t n, uint64_t size, struct tile *t);

/* Number of hash levels with at least one tile for a tree of size. */
unsigned tile_levels(uint64_t size);

/*
 * Reads a tile's bytes (hash tiles: width*32 bytes; bundles: the bundle),
 * appending them to out. A store that keeps only the widest version of a
 * tile may serve the first width*32 bytes of it: hashes never change once
 * written, a tile only grows.
 */
struct tile_reader {
	void *ctx;
	int (*read)(void *ctx, const struct tile *t, struct buf *out, struct arm_err *e);
};

/*
 * A merkle_src over tiles of a tree of size `size`. The subtree of 2^k
 * leaves comes from the one tile at level k/8 that covers it; levels in
 * between are computed inside that tile (its in-tile tree is built once).
 * Up to 64 tiles are cached (owned by the tile_src; tile_src_release()
 * frees them, and is NULL-safe and idempotent). r is borrowed and must
 * outlive the tile_src. Only tiles that exist at `size` are read. Hashes
 * are not authenticated here: check merkle_root() against a signed
 * checkpoint. Not thread-safe: one tile_src per thread.
 */
struct tile_src {
	const struct tile_reader *r;
	uint64_t size;
	struct tile_cache *cache; /* private */
};
int tile_src_init(struct tile_src *ts, const struct tile_reader *r, uint64_t size,
                  struct merkle_src *src, struct arm_err *e) ARM_MUST_CHECK;
void tile_src_release(struct tile_src *ts);

/*
 * Appending leaves [old, old + n) (leaf hashes, borrowed) to a tree of
 * size old: reads through r only the right-edge partial tiles of the old
 * tree (at most one per level, tile_levels(old) in all), and calls emit
 * once per hash tile that is new or grows (in order of level, then
 * index), with its bytes (borrowed for the call). Sets new_root to the
 * root of size old + n; n may be 0. Entry bundles are the caller's
 * (bundle.h). Pure apart from r and emit; memory is O(n) hashes. The tiles
 * read are not authenticated: a log checks its root against its last
 * checkpoint (or trusts its own store).
 */
typedef int (*tile_emit_fn)(void *ctx, const struct tile *t, const uint8_t *data, size_t len,
                            struct arm_err *e);
int tile_append(const struct tile_reader *r, uint64_t old, const uint8_t (*leaves)[HASH_SIZE],
                uint64_t n, tile_emit_fn emit, void *emit_ctx, uint8_t new_root[HASH_SIZE],
                struct arm_err *e) ARM_MUST_CHECK;

#endif
