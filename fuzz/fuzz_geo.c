/*
 * fuzz_geo.c - the GeoJSON readers of the places module on arbitrary
 * bytes: as the MDL/DMZ lines document and as a zone (polygon or MDL band).
 * Whatever is accepted must answer a point query without failing.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "armistice/geo.h"
#include "armistice/common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct geo_map *m = NULL;
	struct geo_place p;
	struct arm_err e;
	size_t idx;
	bool in;

	if (geo_map_new(&m, &e) != ARM_OK)
		return 0;
	if (geo_map_load_lines(m, (const char *)data, size, &e) == ARM_OK) {
		if (geo_locate(m, 38.0, 127.0, &p, &e) != ARM_OK || p.mdl_km < 0)
			abort();
	}
	if (geo_map_add_zone(m, "z", (const char *)data, size, &idx, &e) == ARM_OK) {
		if (geo_in_zone(m, idx, 38.0, 127.0, &in, &e) != ARM_OK &&
		    e.rc != ARM_EUSAGE && e.rc != ARM_EIO)
			abort();
	}
	geo_map_free(m);
	return 0;
}
