/*
 * fuzz_geo_outline.c - the outline reader (geo_outline.h) on arbitrary
 * bytes, not only on GeoJSON that passed geo_check_zone(). Invariants
 * checked: every part has at least two positions; a closed part has at
 * least four and ends where it starts; no more than GEO_MAX_VERTICES
 * positions are handed out in all.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "armistice/geo.h"
#include "armistice/geo_outline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
part(void *ctx, const double *lonlat, size_t n, bool closed, struct arm_err *e)
{
	size_t *total = ctx;

	(void)e;
	if (n < 2 ||
	    (closed && (n < 4 || lonlat[0] != lonlat[2 * n - 2] || lonlat[1] != lonlat[2 * n - 1])))
		abort();
	*total += n;
	if (*total > GEO_MAX_VERTICES)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arm_err e;
	size_t total = 0;

	(void)geo_outline((const char *)data, size, part, &total, &e);
	return 0;
}
