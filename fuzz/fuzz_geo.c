/*
 * fuzz_geo.c - the GeoJSON readers of the places module on arbitrary
 * bytes: as the MDL/DMZ lines document and as a zone (polygon or MDL band).
 * Whatever is accepted must answer a point query without failing. The
 * checks agreements run when read (geo_check_zone, geo_check_geojson)
 * agree with what the map accepts: a zone the map adds passes the check,
 * and a zone the check refuses the map refuses with the same message.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "armistice/geo.h"
#include "armistice/common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct geo_map *m = NULL;
	struct geo_place p;
	struct arm_err e, ce;
	size_t idx;
	bool in;
	int rc, crc;

	if (geo_map_new(&m, &e) != ARM_OK)
		return 0;
	if (geo_map_load_lines(m, (const char *)data, size, &e) == ARM_OK) {
		if (geo_locate(m, 38.0, 127.0, &p, &e) != ARM_OK || p.mdl_km < 0)
			abort();
	}
	rc = geo_map_add_zone(m, "z", (const char *)data, size, &idx, &e);
	crc = geo_check_zone("z", (const char *)data, size, &ce);
	if (rc == ARM_OK) {
		if (crc != ARM_OK)
			abort(); /* the map takes a zone the agreement check refuses */
		if (geo_in_zone(m, idx, 38.0, 127.0, &in, &e) != ARM_OK && e.rc != ARM_EUSAGE &&
		    e.rc != ARM_EIO)
			abort();
	} else if (crc != ARM_OK && rc != ARM_EUSAGE && (rc != crc || strcmp(e.msg, ce.msg) != 0)) {
		/* EUSAGE: a band zone and no MDL in this map, which the check does not need. */
		abort(); /* refused for another reason than the check gives */
	}
	(void)geo_check_geojson("zone 'z'", (const char *)data, size, &ce);
	geo_map_free(m);
	return 0;
}
