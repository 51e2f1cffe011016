/*
 * geo_outline.h - the outlines of a GeoJSON document, for drawing: every
 * LineString and every ring of a Polygon (RFC 7946 §3.1.4, §3.1.6), in
 * document order, as arrays of longitude/latitude pairs (§3.1.1: longitude
 * first). A zone or the MDL lines document (geo.h) is drawn from these;
 * points (a Point's single position) are not parts and are skipped.
 *
 * The reader only walks the "coordinates" members of text that already
 * passed geo_check_zone() or geo_check_geojson() (valid UTF-8 JSON, depth
 * and vertex bounds), so it needs no JSON library and no GEOS. It is still
 * bounded by itself: at most GEO_MAX_DEPTH levels of arrays and
 * GEO_MAX_VERTICES positions per document, else ARM_ELIMIT; text that is
 * not JSON is ARM_ESYNTAX with the byte offset.
 *
 * Pure: no I/O. Ownership: the pairs handed to the callback are borrowed
 * and valid during the call only.
 */
#ifndef ARMISTICE_GEO_OUTLINE_H
#define ARMISTICE_GEO_OUTLINE_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/*
 * One part: n positions, lonlat[2*i] the longitude and lonlat[2*i+1] the
 * latitude of the i-th; closed when it is a ring (first == last, n >= 4).
 * A non-zero return stops the walk and is returned by geo_outline().
 */
typedef int (*geo_outline_fn)(void *ctx, const double *lonlat, size_t n, bool closed,
                              struct arm_err *e);

int geo_outline(const char *geojson, size_t len, geo_outline_fn fn, void *ctx,
                struct arm_err *e) ARM_MUST_CHECK;

#endif
