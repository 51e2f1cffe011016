/*
 * geo.h - places: the Military Demarcation Line, the DMZ and agreed zones
 * (DESIGN.md §5 "Places"), with the GEOS C API (reentrant _r functions).
 *
 * A struct geo_map holds the MDL as a polyline walked west to east, the
 * DMZ as the polygon between its northern and southern boundary lines
 * (armistice Art. I ¶1: 2 km each side), and named zones. geo_locate()
 * places a WGS-84 point against them:
 *
 *  - the reference line: the MDL of the LSIB lines document, or the line
 *    the agreement names (reference_line, docs/agreement.md), which then
 *    replaces the MDL for everything below, band zones included.
 *  - distance to the line: computed with GEOS (GEOSProject, GEOSDistance)
 *    in a spherical azimuthal equidistant projection (geo_aeqd_*, radius
 *    GEO_EARTH_KM) centred on the middle of the line's extent. Why that
 *    projection: it is true to distance and bearing from its centre and
 *    its scale error grows only with the square of the distance from it
 *    (k = c / sin c, c the angular distance), the same in every direction,
 *    so one projection serves a line of any direction; a transverse
 *    Mercator is as good along its central meridian but would have to be
 *    turned to follow an east-west line such as the MDL. Error bound: a
 *    distance measured in the projection differs from the great-circle
 *    (haversine) distance to the same nearest point by at most about
 *    c^2/6 of it, c the angular distance of the farther point from the
 *    centre: for the MDL (~240 km long) and a point 50 km off it, c is
 *    below 170 km / 6371 km and the error below 0.012 % (6 m at 50 km),
 *    far less than the LSIB line's own simplification (hundreds of
 *    metres). There is one computation: geo_locate(), the band zones, the
 *    state's signed distance and the exports all use this one (the
 *    earlier local-frame search followed by haversine is gone).
 *  - side: walking the line west to east (by its end points), a point on
 *    the left is side +1 (north of the MDL; korea-record.md §C), on the
 *    right -1, by GEOSOrientationIndex against the segment holding the
 *    nearest point; at a vertex the two adjacent segments decide together,
 *    so corners do not flip the side; past either end the end segment is
 *    extended (a point beyond the end gets the side of that extension,
 *    and beyond_end says so). Within 1 m of the line: side 0.
 *  - signed distance: the agreement names its positive side by compass
 *    (north, south, east, west); geo_map_line_sign() turns that into +1
 *    or -1 times the side above, from the line's end-to-end direction.
 *  - arc position: haversine length from the west end along the polyline
 *    to the nearest point, in km (the LSIB line measures about 237.5 km).
 *  - DMZ and zones: point-in-polygon in longitude/latitude, because RFC
 *    7946 §3.1.1 draws GeoJSON edges as straight lines in that space; a
 *    point on a boundary counts as inside (GEOS "covers").
 *
 * Zones are GeoJSON (RFC 7946): a Polygon or MultiPolygon, a Feature with
 * one, or a FeatureCollection of them. A zone defined by distance from the
 * MDL (the CMA's 5 km ground buffer, its no-fly bands) is a Feature with a
 * null geometry and the foreign members (RFC 7946 §6.1) in its properties:
 *   "armistice:mdl_within_km": N        (required, > 0)
 *   "armistice:arc_from_km": A, "armistice:arc_to_km": B   (optional)
 *   "armistice:side": "north" | "south"                   (optional)
 * so that "within 40 km of the MDL east of marker 0646" is a zone without
 * an invented polygon. A zone whose GeoJSON is the LSIB lines document
 * (geo_map_load_lines()) is the DMZ itself, and loads the MDL if the map
 * has none yet.
 *
 * Ownership and threads: the map owns its GEOS context handle and every
 * geometry; geo_map_free() releases all of it and is NULL-safe. A map may
 * be used by one thread at a time (a GEOS context handle is not shared).
 * Input text is borrowed and copied where kept. No I/O: callers read files.
 */
#ifndef ARMISTICE_GEO_H
#define ARMISTICE_GEO_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "err.h"

#define GEO_INPUT_MAX (4u << 20) /* bytes of GeoJSON accepted per document */
#define GEO_MAX_VERTICES 100000  /* per line or polygon document */
#define GEO_MAX_PARTS 10000      /* rings, polygons and geometries per document */
#define GEO_MAX_NEST 2           /* collections within collections (RFC 7946 §3.1.8) */
#define GEO_MAX_DEPTH 32         /* JSON arrays and objects within each other */
#define GEO_MAX_ZONES 256
#define GEO_ZONE_ID_MAX 64
#define GEO_EARTH_KM 6371.0088 /* IUGG mean Earth radius */

struct geo_map; /* opaque: holds GEOS handles */

/* The spherical azimuthal equidistant projection (above): x east, y north, km. */
struct geo_aeqd {
	double lat0, lon0, sin0, cos0;
};
void geo_aeqd_init(struct geo_aeqd *p, double lat0, double lon0);
void geo_aeqd_fwd(const struct geo_aeqd *p, double lat, double lon, double *x, double *y);
void geo_aeqd_inv(const struct geo_aeqd *p, double x, double y, double *lat, double *lon);

struct geo_place {
	double mdl_km;             /* distance to the line (above), km, >= 0 */
	int side;                  /* +1 north, -1 south, 0 on the line (< 1 m) */
	double arc_km;             /* along the MDL from its west end, km */
	double near_lat, near_lon; /* the nearest point of the MDL */
	bool in_dmz;
	bool beyond_end; /* nearest point is an end of the MDL: side is extrapolated */
};

/*
 * Makes the line in GeoJSON text (a LineString, a Feature with one, or the
 * LSIB lines document, whose MDL it takes) the map's reference line,
 * replacing any other; the same text again changes nothing.
 */
int geo_map_set_line(struct geo_map *m, const char *geojson, size_t len,
                     struct arm_err *e) ARM_MUST_CHECK;

/*
 * +1 if the compass side `positive` (enum agreement_side) is the line's
 * side +1, -1 if it is side -1, 0 if there is no line or the line runs
 * within 45 degrees of that side's axis from end to end (a line running
 * almost north-south has no north side).
 */
int geo_map_line_sign(const struct geo_map *m, int positive);

/*
 * Checks a reference line when the agreement is read: it reads as above
 * and has a `positive` side (geo_map_line_sign() != 0). label starts the
 * messages.
 */
int geo_check_line(const char *label, const char *geojson, size_t len, int positive,
                   struct arm_err *e) ARM_MUST_CHECK;

/* Returns a new empty map in *out (free with geo_map_free). */
int geo_map_new(struct geo_map **out, struct arm_err *e) ARM_MUST_CHECK;
void geo_map_free(struct geo_map *m);

/*
 * Loads the MDL and DMZ lines from an LSIB-form FeatureCollection (as in
 * examples/korea-2018/data/dmz-lsib.geojson): the LineString whose
 * DISCLAIME1 is "Military Demarcation Line", and the two whose DISCLAIME1
 * is "DMZ" with COUNTRY_NA "North Korea" / "South Korea". Line direction
 * in the file does not matter. ARM_ESYNTAX names the feature index and
 * what is wrong; ARM_ENOTFOUND if one of the three lines is missing.
 */
int geo_map_load_lines(struct geo_map *m, const char *geojson, size_t len,
                       struct arm_err *e) ARM_MUST_CHECK;

/*
 * Adds zone `id` from GeoJSON text (see above). Band zones need the MDL
 * loaded first. Returns ARM_ECONFLICT for a duplicate id. *index (may be
 * NULL) gets the zone's index, in order of addition.
 */
int geo_map_add_zone(struct geo_map *m, const char *id, const char *geojson, size_t len,
                     size_t *index, struct arm_err *e) ARM_MUST_CHECK;

size_t geo_zone_count(const struct geo_map *m);
/* Index of zone id, or (size_t)-1. */
size_t geo_zone_index(const struct geo_map *m, const char *id);
const char *geo_zone_id(const struct geo_map *m, size_t index);

/*
 * Places (lat, lon) in degrees against the MDL and DMZ. ARM_EUSAGE if the
 * lines are not loaded; ARM_ESYNTAX if lat/lon are out of range or not
 * finite.
 */
int geo_locate(const struct geo_map *m, double lat, double lon, struct geo_place *p,
               struct arm_err *e) ARM_MUST_CHECK;

/*
 * Is (lat, lon) inside zone `index`? The state engine calls this through
 * a function pointer (ctx = the map) to decide whether an incident falls
 * inside the zones of a standing commitment.
 */
int geo_in_zone(const struct geo_map *m, size_t index, double lat, double lon, bool *inside,
                struct arm_err *e) ARM_MUST_CHECK;

/*
 * The engine's zone question (engine.h struct engine_geo): ctx is a
 * struct geo_map, zone an index into a->zones. Zones are added to the map
 * from the agreement on first use (the LSIB lines zone first, whatever its
 * place in the list, so band zones can measure from the MDL); a zone id
 * whose GeoJSON differs from what the map holds (an amendment redrew it) is
 * read again and replaces the old drawing.
 * Deterministic: the same agreement and point give the same answer.
 */
struct agreement;
int geo_engine_in_zone(void *ctx, const struct agreement *a, size_t zone, double lat, double lon,
                       bool *inside, struct arm_err *e);

/*
 * The engine's places question (engine.h struct engine_geo place): for
 * each zone of a, whether (lat, lon) lies in it (in_zone[0..a->nzones));
 * a zone that is not an area holds no point. If a names a reference line:
 * *has_line and the signed distance in metres, positive on the side the
 * agreement names (0 within a metre of the line, or exactly on the
 * extension of an end segment). Zones and the line redrawn by an
 * amendment are read again. Deterministic.
 */
int geo_engine_place(void *ctx, const struct agreement *a, double lat, double lon, bool *in_zone,
                     bool *has_line, int64_t *line_m, struct arm_err *e);

/*
 * A zone defined by distance to the MDL (a band, see above): its width in
 * km, its arc range along the MDL (-inf/+inf when not limited) and side
 * (+1 north, -1 south, 0 both). false for any other zone or index.
 */
bool geo_zone_band(const struct geo_map *m, size_t index, double *within_km, double *arc_from_km,
                   double *arc_to_km, int *side);

/* Length of the loaded MDL in km (haversine along the polyline); 0 if none. */
double geo_mdl_length_km(const struct geo_map *m);

/* The point at arc km from the west end of the MDL (clamped to the line). */
int geo_mdl_point(const struct geo_map *m, double arc_km, double *lat, double *lon,
                  struct arm_err *e) ARM_MUST_CHECK;

/* Great-circle distance in km between two points in degrees (haversine). */
double geo_haversine_km(double lat1, double lon1, double lat2, double lon2);

/*
 * Checks text before it is parsed as GeoJSON: valid UTF-8, a JSON object,
 * no raw control character inside a string (RFC 8259 §7), no line
 * starting with '%', no single quote outside a string and at most
 * GEO_MAX_DEPTH levels of nesting. libfyaml 0.7.12 crashes or loops on
 * the first three, and a parser may recurse per level;
 * every GeoJSON parse (zones in agreements, the MDL lines) checks first.
 */
int geo_json_check(const uint8_t *p, size_t n, struct arm_err *e) ARM_MUST_CHECK;

/*
 * Checks GeoJSON when it is read (an agreement's zones and commitment
 * areas, before anything is signed or replayed), so that nothing signed
 * can fail later inside GEOS. Coordinates are read here, not by GEOS's
 * GeoJSON reader: every position is 2 or 3 finite numbers within WGS-84
 * range, lines have 2 or more positions, rings 4 or more and are closed,
 * the document holds at most GEO_MAX_VERTICES positions, GEO_MAX_PARTS
 * rings and geometries, GEO_MAX_NEST levels of collections and
 * GEO_MAX_DEPTH levels of JSON nesting, and the geometry is valid to GEOS
 * (GEOSisValid; the message gives GEOS's reason, e.g. a self-intersection
 * and where). Messages name the member by JSON path, e.g.
 * "zone 'jsa': at geometry.coordinates[0][2]: a position has 0 numbers".
 *
 * geo_check_zone() is what geo_map_add_zone() accepts (a polygonal
 * geometry, a band Feature, or the LSIB lines document), without needing
 * the MDL for a band; geo_check_geojson() accepts any RFC 7946 object
 * (label, e.g. "zone 'panmunjom'", starts its messages).
 */
int geo_check_zone(const char *id, const char *geojson, size_t len,
                   struct arm_err *e) ARM_MUST_CHECK;
int geo_check_geojson(const char *label, const char *geojson, size_t len,
                      struct arm_err *e) ARM_MUST_CHECK;

#endif
