/*
 * geo_line.h - private to geo.c and geo_line.c: a reference line (the
 * MDL, a line of contact) and where a point lies against it, measured
 * with GEOS in an azimuthal equidistant projection centred on the line's
 * extent (geo.h says why and how exact).
 *
 * Ownership: a struct geo_line owns its arrays and its projected GEOS
 * line; geo_line_release() frees them with the map's GEOS handle.
 */
#ifndef ARMISTICE_GEO_LINE_H
#define ARMISTICE_GEO_LINE_H

#include <stddef.h>

#include <geos_c.h>

#include "armistice/geo.h"

struct geo_line {
	double *lat, *lon; /* owned, west to east (by the end points) */
	double *cum;       /* cum[i] = haversine km from vertex 0 to vertex i */
	size_t n;
	/* The projection (geo_aeqd_*) and the line in it, km: set by geo_line_project(). */
	struct geo_aeqd proj;
	double *x, *y, *pcum; /* projected vertices, projected km from vertex 0 */
	GEOSGeometry *g;      /* projected LineString */
};

/* Frees everything l owns (h: the GEOS handle that made l->g); l is zeroed. */
void geo_line_release(GEOSContextHandle_t h, struct geo_line *l);

/* Orients l west to east (by its end points) and fills the arc lengths. */
void geo_line_west_to_east(struct geo_line *l);

/*
 * Projects l (oriented, with n >= 2) into the azimuthal equidistant
 * projection centred on the middle of its extent and builds its GEOS
 * line. msg is the map's last GEOS message, for errors.
 */
int geo_line_project(GEOSContextHandle_t h, struct geo_line *l, const char *msg,
                     struct arm_err *e) ARM_MUST_CHECK;

/*
 * Fills p's line fields (mdl_km, side, arc_km, near_lat/lon, beyond_end)
 * for (lat, lon), which the caller checked is a WGS-84 position.
 */
int geo_line_locate(GEOSContextHandle_t h, const struct geo_line *l, double lat, double lon,
                    struct geo_place *p, const char *msg, struct arm_err *e) ARM_MUST_CHECK;

/*
 * The sign of the positive side (agreement.h enum agreement_side): +1 if
 * it is the left of the west-to-east walk (geo_place.side +1), -1 if the
 * right, 0 if the line's end-to-end direction runs within 45 degrees of
 * that compass axis (a line running almost north-south has no north side).
 */
int geo_line_sign(const struct geo_line *l, int positive);

#endif
