/*
 * fuzz_tilepath.c - tile_parse_path() (C2SP tlog-tiles v0.1.0 paths).
 * Properties: the parser never reads past size; an accepted path formats
 * back to the identical bytes (one spelling per tile); tile_for_size()
 * and tile_levels() agree on the parsed tile.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "armistice/tiles.h"
#include "armistice/common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *p = malloc(size ? size : 1); /* exact size: ASan sees any over-read */
	char out[TILE_PATH_MAX];
	struct arm_err e;
	struct tile t, f;

	if (p == NULL)
		return 0;
	memcpy(p, data, size);
	if (tile_parse_path(p, size, &t, &e) == ARM_OK) {
		if (tile_path(&t, out, sizeof(out), &e) != ARM_OK || strlen(out) != size ||
		    memcmp(out, p, size) != 0)
			abort();
		if (t.level < TILE_LEVEL_ENTRIES || t.level > 63 || t.width < 1 || t.width > 256)
			abort();
		/* A tree one leaf past this tile's first hash has it, and tile_levels knows. */
		if (t.level >= 0 && t.level < 7 && t.n < (UINT64_MAX >> (8 * (t.level + 1))) >> 1) {
			uint64_t s = (t.n * TILE_WIDTH + t.width) << (8 * t.level);

			if (!tile_for_size(t.level, t.n, s, &f) || f.width != t.width ||
			    tile_levels(s) <= (unsigned)t.level)
				abort();
		}
	} else if (e.rc != ARM_ESYNTAX || e.msg[0] == '\0') {
		abort();
	}
	free(p);
	return 0;
}
