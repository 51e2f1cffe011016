/*
 * test_geo.c - places against the LSIB MDL and DMZ, with the checks in
 * korea-record.md §C (facts marked "recalled" there are approximate, so
 * the tolerances here are a few hundred metres).
 */
#include <stdlib.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "armistice/agreement.h"
#include "armistice/geo.h"
#include "armistice/common.h"
#include "harness.h"

#define LSIB "examples/korea-2018/data/dmz-lsib.geojson"

static struct buf lsib = BUF_INIT(8u << 20);

static bool
near(double got, double want, double tol)
{
	return fabs(got - want) <= tol;
}

static struct geo_map *
load(void)
{
	struct geo_map *m = NULL;
	struct arm_err e;

	if (geo_map_new(&m, &e) != ARM_OK)
		return NULL;
	if (geo_map_load_lines(m, (const char *)lsib.data, lsib.len, &e) != ARM_OK) {
		printf("# %s\n", e.msg);
		geo_map_free(m);
		return NULL;
	}
	return m;
}

static void
test_length_and_samples(void)
{
	/* korea-record.md §C: the MDL sampled every 20 km of arc, west to east. */
	static const double table[][3] = {
	    {0, 37.8429, 126.6903},     {20, 37.9629, 126.7291},  {40, 38.0675, 126.8651},
	    {60, 38.1745, 126.9663},    {80, 38.2856, 127.0982},  {100, 38.3239, 127.2869},
	    {120, 38.3109, 127.4787},   {140, 38.3231, 127.6683}, {160, 38.3049, 127.8275},
	    {180, 38.3158, 128.0223},   {200, 38.3732, 128.1922}, {220, 38.4945, 128.3035},
	    {237.5, 38.6183, 128.3604},
	};
	struct geo_map *m = load();
	struct arm_err e;
	size_t i;

	CHECK(m != NULL);
	if (m == NULL)
		return;
	CHECKM(near(geo_mdl_length_km(m), 237.5, 0.3), "LSIB MDL length ~237.5 km");
	for (i = 0; i < ARM_ARRAY_LEN(table); i++) {
		double lat, lon;
		struct geo_place p;

		CHECK(geo_mdl_point(m, table[i][0], &lat, &lon, &e) == ARM_OK);
		CHECK(near(lat, table[i][1], 0.0015) && near(lon, table[i][2], 0.0015));
		CHECK(geo_locate(m, table[i][1], table[i][2], &p, &e) == ARM_OK);
		CHECK(p.mdl_km < 0.1 && near(p.arc_km, table[i][0], 0.3));
		CHECK(p.in_dmz);
	}
	geo_map_free(m);
}

static void
test_landmarks(void)
{
	struct geo_map *m = load();
	struct geo_place p;
	struct arm_err e;

	CHECK(m != NULL);
	if (m == NULL)
		return;
	/* JSA / Panmunjom: on the line, arc ~14.6 km. */
	CHECK(geo_locate(m, 37.9558, 126.6767, &p, &e) == ARM_OK);
	CHECK(near(p.mdl_km, 0.02, 0.05));
	CHECK(near(p.arc_km, 14.6, 0.3));
	CHECK(p.in_dmz);
	/* Kaesong liaison office (recalled position): ~3.8 km north. */
	CHECK(geo_locate(m, 37.93, 126.63, &p, &e) == ARM_OK);
	CHECK(p.side == 1 && near(p.mdl_km, 3.8, 0.4) && !p.in_dmz);
	/* Goseong Unification Observatory (recalled): ~3.4 km south. */
	CHECK(geo_locate(m, 38.585, 128.37, &p, &e) == ARM_OK);
	CHECK(p.side == -1 && near(p.mdl_km, 3.4, 0.4) && !p.in_dmz);
	CHECK(!p.beyond_end);
	/* Out at sea east of the MDL's east end: the side is an extrapolation. */
	CHECK(geo_locate(m, 38.70, 128.70, &p, &e) == ARM_OK);
	CHECK(p.beyond_end && !p.in_dmz);
	/* Far away: Pyongyang north, Seoul south; neither in the DMZ. */
	CHECK(geo_locate(m, 39.03, 125.75, &p, &e) == ARM_OK);
	CHECK(p.side == 1 && p.mdl_km > 100 && !p.in_dmz);
	CHECK(geo_locate(m, 37.57, 126.98, &p, &e) == ARM_OK);
	CHECK(p.side == -1 && near(p.mdl_km, 40, 15) && !p.in_dmz);
	geo_map_free(m);
}

static void
test_arrowhead_straddles(void)
{
	/* CMA annex 3 corners (korea-record.md §C), D°M'S" converted. */
	static const double north[][2] = {
	    {38 + 17 / 60.0 + 35 / 3600.0, 127 + 5 / 60.0 + 22 / 3600.0},
	    {38 + 18 / 60.0 + 23 / 3600.0, 127 + 6 / 60.0 + 52 / 3600.0},
	};
	static const double south[][2] = {
	    {38 + 16 / 60.0 + 38 / 3600.0, 127 + 6 / 60.0 + 4 / 3600.0},
	    {38 + 17 / 60.0 + 26 / 3600.0, 127 + 7 / 60.0 + 33 / 3600.0},
	};
	struct geo_map *m = load();
	struct geo_place p;
	struct arm_err e;
	size_t i;

	CHECK(m != NULL);
	if (m == NULL)
		return;
	for (i = 0; i < 2; i++) {
		CHECK(geo_locate(m, north[i][0], north[i][1], &p, &e) == ARM_OK);
		CHECK(p.side == 1 && p.mdl_km > 0.55 && p.mdl_km < 1.15);
		CHECK(p.arc_km > 78.5 && p.arc_km < 83.5 && p.in_dmz);
		CHECK(geo_locate(m, south[i][0], south[i][1], &p, &e) == ARM_OK);
		CHECK(p.side == -1 && p.mdl_km > 0.55 && p.mdl_km < 1.15);
		CHECK(p.arc_km > 78.5 && p.arc_km < 83.5 && p.in_dmz);
	}
	geo_map_free(m);
}

static const char arrowhead_zone[] =
    "{\"type\":\"Feature\",\"properties\":{\"name\":\"Arrowhead\"},\"geometry\":"
    "{\"type\":\"Polygon\",\"coordinates\":[[[127.089444,38.293056],[127.114444,38.306389],"
    "[127.125833,38.290556],[127.101111,38.277222],[127.089444,38.293056]]]}}";

static void
test_zones(void)
{
	static const char ground[] = "{\"type\":\"Feature\",\"geometry\":null,\"properties\":"
	                             "{\"armistice:mdl_within_km\":5}}";
	static const char east_north[] =
	    "{\"type\":\"Feature\",\"geometry\":null,\"properties\":{\"armistice:mdl_within_km\":"
	    "40,\"armistice:arc_from_km\":120,\"armistice:side\":\"north\"}}";
	struct geo_map *m = load();
	struct arm_err e;
	size_t idx = 99;
	bool in = true;

	CHECK(m != NULL);
	if (m == NULL)
		return;
	CHECK(geo_map_add_zone(m, "arrowhead", arrowhead_zone, strlen(arrowhead_zone), &idx, &e) ==
	      ARM_OK);
	CHECK(idx == 0);
	CHECK(geo_map_add_zone(m, "ground-buffer", ground, strlen(ground), &idx, &e) == ARM_OK);
	CHECK(geo_map_add_zone(m, "nofly-east-n", east_north, strlen(east_north), NULL, &e) ==
	      ARM_OK);
	CHECK(geo_zone_count(m) == 3 && geo_zone_index(m, "ground-buffer") == 1);
	CHECK(geo_zone_index(m, "nope") == (size_t)-1);
	CHECK(strcmp(geo_zone_id(m, 2), "nofly-east-n") == 0 && geo_zone_id(m, 3) == NULL);
	/* the middle of the Arrowhead site, and Seoul */
	CHECK(geo_in_zone(m, 0, 38.2918, 127.1076, &in, &e) == ARM_OK && in);
	CHECK(geo_in_zone(m, 0, 37.57, 126.98, &in, &e) == ARM_OK && !in);
	/* Kaesong is within 5 km of the MDL; Seoul is not. */
	CHECK(geo_in_zone(m, 1, 37.93, 126.63, &in, &e) == ARM_OK && in);
	CHECK(geo_in_zone(m, 1, 37.57, 126.98, &in, &e) == ARM_OK && !in);
	/* east band, north side only: 20 km north at arc ~180 yes; Goseong (south) no */
	CHECK(geo_in_zone(m, 2, 38.50, 128.00, &in, &e) == ARM_OK && in);
	CHECK(geo_in_zone(m, 2, 38.585, 128.37, &in, &e) == ARM_OK && !in);
	/* west of arc 120 is outside this band even when north of the line */
	CHECK(geo_in_zone(m, 2, 38.10, 126.70, &in, &e) == ARM_OK && !in);
	CHECK(geo_in_zone(m, 7, 38.0, 127.0, &in, &e) == ARM_ENOTFOUND);
	/* the lines document as a zone is the DMZ */
	CHECK(geo_map_add_zone(m, "dmz", (const char *)lsib.data, lsib.len, &idx, &e) == ARM_OK);
	CHECK(idx == 3);
	CHECK(geo_in_zone(m, 3, 37.9558, 126.6767, &in, &e) == ARM_OK && in);
	CHECK(geo_in_zone(m, 3, 37.93, 126.63, &in, &e) == ARM_OK && !in);
	CHECK(geo_in_zone(m, 0, 91.0, 127.0, &in, &e) == ARM_ESYNTAX);
	geo_map_free(m);
}

static void
test_refusals(void)
{
	static const char bowtie[] = "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,1],[1,0],"
	                             "[0,1],[0,0]]]}";
	static const char line[] = "{\"type\":\"LineString\",\"coordinates\":[[0,0],[1,1]]}";
	static const char band_no_km[] = "{\"type\":\"Feature\",\"geometry\":null,\"properties\":"
	                                 "{\"armistice:mdl_within_km\":-1}}";
	static const char no_mdl[] = "{\"type\":\"FeatureCollection\",\"features\":[]}";
	static const char band[] = "{\"type\":\"Feature\",\"geometry\":null,\"properties\":"
	                           "{\"armistice:mdl_within_km\":5}}";
	struct geo_map *m = load(), *empty = NULL;
	struct geo_place p;
	struct arm_err e;

	CHECK(m != NULL);
	if (m == NULL)
		return;
	CHECK(geo_map_add_zone(m, "bowtie", bowtie, strlen(bowtie), NULL, &e) == ARM_ESYNTAX);
	CHECKM(strstr(e.msg, "zone 'bowtie': invalid geometry: Self-intersection") != NULL, e.msg);
	CHECK(geo_map_add_zone(m, "line", line, strlen(line), NULL, &e) == ARM_ESYNTAX);
	CHECK(geo_map_add_zone(m, "band", band_no_km, strlen(band_no_km), NULL, &e) == ARM_ESYNTAX);
	CHECK(geo_map_add_zone(m, "junk", "{]", 2, NULL, &e) == ARM_ESYNTAX);
	/* libfyaml loops forever on this; it must never reach it (fuzz_geo). */
	CHECK(geo_map_add_zone(m, "hang", "%\xf6\xf6", 3, NULL, &e) == ARM_ESYNTAX);
	CHECK(geo_map_add_zone(m, "latin1", "{\"name\":\"\xe9\"}", 12, NULL, &e) == ARM_ESYNTAX);
	CHECKM(strstr(e.msg, "byte 0xe9 at offset 9 is not UTF-8") != NULL, e.msg);
	CHECK(geo_map_add_zone(m, "a", arrowhead_zone, strlen(arrowhead_zone), NULL, &e) == ARM_OK);
	CHECK(geo_map_add_zone(m, "a", arrowhead_zone, strlen(arrowhead_zone), NULL, &e) ==
	      ARM_ECONFLICT);
	CHECK(geo_zone_count(m) == 1);
	CHECK(geo_locate(m, NAN, 127.0, &p, &e) == ARM_ESYNTAX);
	CHECK(geo_map_load_lines(m, (const char *)lsib.data, lsib.len, &e) == ARM_ECONFLICT);
	geo_map_free(m);

	CHECK(geo_map_new(&empty, &e) == ARM_OK);
	CHECK(geo_locate(empty, 38.0, 127.0, &p, &e) == ARM_EUSAGE);
	CHECK(geo_map_add_zone(empty, "b", band, strlen(band), NULL, &e) == ARM_EUSAGE);
	CHECK(geo_map_load_lines(empty, no_mdl, strlen(no_mdl), &e) == ARM_ENOTFOUND);
	CHECK(geo_map_load_lines(empty, "[1,", 3, &e) == ARM_ESYNTAX);
	geo_map_free(empty);
	geo_map_free(NULL);
}

/* What libfyaml is never given (it crashes or loops on these). */
static void
test_json_check(void)
{
	struct arm_err e;
	const char *good = "{\"type\":\"Point\",\"name\":\"a\\tb \\\"q\\\" %\"}";
	const char *tab = "{\"type\":\"Po\tint\"}";
	const char *nl = "{\"type\":\"Po\nint\"}";
	const char *pct = "{\"type\":\n%YAML 1.2\n\"Point\"}";

	CHECKM(geo_json_check((const uint8_t *)good, strlen(good), &e) == ARM_OK, e.msg);
	CHECK(geo_json_check((const uint8_t *)tab, strlen(tab), &e) == ARM_ESYNTAX);
	CHECK(strstr(e.msg, "control character 0x09") != NULL);
	CHECK(geo_json_check((const uint8_t *)nl, strlen(nl), &e) == ARM_ESYNTAX);
	CHECK(geo_json_check((const uint8_t *)pct, strlen(pct), &e) == ARM_ESYNTAX);
	CHECK(strstr(e.msg, "'%'") != NULL);
	CHECK(geo_json_check((const uint8_t *)"[1]", 3, &e) == ARM_ESYNTAX);
	/* A single-quoted scalar crashed libfyaml's error display (fuzz_geo), so did a backtick. */
	CHECK(geo_json_check((const uint8_t *)"{\"a\":'x'}", 9, &e) == ARM_ESYNTAX);
	CHECKM(strstr(e.msg, "byte 0x27 at offset 5 is not JSON outside a string") != NULL, e.msg);
	CHECK(geo_json_check((const uint8_t *)"{\"a\":`1}", 8, &e) == ARM_ESYNTAX);
	CHECKM(strstr(e.msg, "byte 0x60 at offset 5") != NULL, e.msg);
	CHECKM(geo_json_check((const uint8_t *)"{\"a\":\"it's\"}", 11, &e) == ARM_OK, e.msg);
}

/* geo_map_add_zone and geo_check_zone both refuse text, naming want in e.msg. */
static void
refused(const char *text, size_t len, enum arm_rc rc, const char *want)
{
	struct geo_map *m = NULL;
	struct arm_err e, e2;
	size_t idx;

	CHECK(geo_map_new(&m, &e) == ARM_OK);
	if (m == NULL)
		return;
	CHECKM(geo_map_add_zone(m, "z", text, len, &idx, &e) == (int)rc, e.msg);
	CHECKM(strstr(e.msg, want) != NULL, e.msg);
	CHECK(geo_zone_count(m) == 0);
	CHECKM(geo_check_zone("z", text, len, &e2) == (int)rc, e2.msg);
	CHECKM(strcmp(e.msg, e2.msg) == 0, e2.msg);
	geo_map_free(m);
}

#define REFUSED(text, rc, want) refused((text), strlen(text), (rc), (want))

/*
 * Hostile zone geometry (issue 9): each is refused when read with the
 * member's JSON path, never handed to GEOS to crash on. The first is the
 * input that crashed append and serve in GEOS 3.11's GeoJSON reader (an
 * empty position), as fuzz_geo found it.
 */
static void
test_hostile_zones(void)
{
	static const char crash[] =
	    "{\"type\": \"Feature\",\n \"properties\": {\"name\": \"Arrowhead\"},\n"
	    " \"geometry\": {\"type\": \"Polygon\", \"coordinates\": [[\n"
	    "  [127.089444, 38.293056], [127.114444, 38.306389], []]]}}\n";
	static const char empty_pos[] = "{\"type\":\"Polygon\",\"coordinates\":[[[126,37],[127,37],"
	                                "[127,38],[],[126,37]]]}";
	struct buf big = BUF_INIT(64u << 20);
	struct arm_err e;
	size_t i;

	REFUSED(crash, ARM_ESYNTAX, "zone 'z': at geometry.coordinates[0]: a linear ring has 3");
	REFUSED(empty_pos, ARM_ESYNTAX,
	        "zone 'z': at coordinates[0][3]: a position has 0 numbers (RFC 7946");
	REFUSED("{\"type\":\"Polygon\",\"coordinates\":[[[126,37],[127,37],[127,38],[126]]]}",
	        ARM_ESYNTAX, "at coordinates[0][3]: a position has 1 numbers");
	REFUSED(
	    "{\"type\":\"Polygon\",\"coordinates\":[[[126,37,0,0],[127,37],[127,38],[126,37]]]}",
	    ARM_ESYNTAX, "at coordinates[0][0]: a position has 4 numbers");
	/* Not finite, out of range, not numbers. */
	REFUSED("{\"type\":\"Polygon\",\"coordinates\":[[[126,37],[127,37],[1e999,38],[126,37]]]}",
	        ARM_ESYNTAX, "at coordinates[0][2]: longitude and latitude must be finite");
	REFUSED("{\"type\":\"Polygon\",\"coordinates\":[[[126,37],[127,37],[.nan,38],[126,37]]]}",
	        ARM_ESYNTAX, "at coordinates[0][2]: longitude and latitude must be finite");
	/* YAML's infinity is not JSON: refused before any parser sees it. */
	REFUSED("{\"type\":\"Polygon\",\"coordinates\":[[[126,37],[127,37],[-.inf,38],[126,37]]]}",
	        ARM_ESYNTAX, "is not JSON outside a string");
	REFUSED(
	    "{\"type\":\"Polygon\",\"coordinates\":[[[126,37],[127,37],[127,38,1e400],[126,37]]]}",
	    ARM_ESYNTAX, "at coordinates[0][2]: altitude must be a finite number");
	REFUSED(
	    "{\"type\":\"Polygon\",\"coordinates\":[[[126,37],[127,37],[\"127\",38],[126,37]]]}",
	    ARM_ESYNTAX, "at coordinates[0][2]: longitude and latitude must be finite");
	REFUSED("{\"type\":\"Polygon\",\"coordinates\":[[[126,37],[127,37],[127,91],[126,37]]]}",
	        ARM_ESYNTAX, "at coordinates[0][2]: (127, 91) is outside");
	REFUSED("{\"type\":\"Polygon\",\"coordinates\":[[[126,37],[127,37],[[127],38],[126,37]]]}",
	        ARM_ESYNTAX, "at coordinates[0][2]: longitude and latitude must be finite");
	/* Rings: unclosed, too short, empty; polygons without rings. */
	REFUSED("{\"type\":\"Polygon\",\"coordinates\":[[[126,37],[127,37],[127,38],[126,38]]]}",
	        ARM_ESYNTAX, "at coordinates[0]: the ring is not closed");
	REFUSED("{\"type\":\"Polygon\",\"coordinates\":[[[126,37],[127,37],[126,37]]]}",
	        ARM_ESYNTAX, "at coordinates[0]: a linear ring has 3 positions (want 4 or more)");
	REFUSED("{\"type\":\"Polygon\",\"coordinates\":[[]]}", ARM_ESYNTAX,
	        "at coordinates[0]: a linear ring has 0 positions");
	REFUSED("{\"type\":\"Polygon\",\"coordinates\":[]}", ARM_ESYNTAX,
	        "at coordinates: a Polygon needs its exterior ring");
	REFUSED("{\"type\":\"Polygon\",\"coordinates\":[[[126,37],[127,37],[127,38],[126,37]],[]]}",
	        ARM_ESYNTAX, "at coordinates[1]: a linear ring has 0 positions");
	REFUSED("{\"type\":\"Polygon\"}", ARM_ESYNTAX, "at coordinates: a Polygon's coordinates");
	REFUSED("{\"type\":\"Polygon\",\"coordinates\":\"x\"}", ARM_ESYNTAX,
	        "at coordinates: a Polygon's coordinates must be an array of rings");
	REFUSED("{\"type\":\"MultiPolygon\",\"coordinates\":[[]]}", ARM_ESYNTAX,
	        "at coordinates[0]: a Polygon needs its exterior ring");
	/* GEOS validity: self-intersection, a hole outside its shell, a spike. */
	REFUSED("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}",
	        ARM_ESYNTAX, "invalid geometry: Self-intersection[0.5 0.5]");
	REFUSED("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,1],[0,0]],"
	        "[[5,5],[6,5],[6,6],[5,5]]]}",
	        ARM_ESYNTAX, "invalid geometry: Hole lies outside shell");
	REFUSED("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,0],[0,0]]]}", ARM_ESYNTAX,
	        "invalid geometry: Too few points");
	REFUSED("{\"type\":\"MultiPolygon\",\"coordinates\":[[[[0,0],[2,0],[2,2],[0,2],[0,0]]],"
	        "[[[1,1],[3,1],[3,3],[1,3],[1,1]]]]}",
	        ARM_ESYNTAX, "invalid geometry: Self-intersection");
	/* Wrong types. */
	REFUSED("{\"type\":\"Circle\",\"coordinates\":[0,0]}", ARM_ESYNTAX,
	        "\"Circle\" is not a GeoJSON type");
	REFUSED("{\"coordinates\":[0,0]}", ARM_ESYNTAX, "the object has no \"type\" string");
	REFUSED("{\"type\":\"Point\",\"coordinates\":[126,37]}", ARM_ESYNTAX,
	        "geometry must be a Polygon or MultiPolygon");
	REFUSED("{\"type\":\"Feature\",\"geometry\":null}", ARM_ESYNTAX,
	        "geometry must be a Polygon or MultiPolygon");
	REFUSED("{\"type\":\"Feature\"}", ARM_ESYNTAX, "a Feature needs a \"geometry\" member");
	REFUSED("{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Polygon\","
	        "\"coordinates\":[[[0,0],[1,0],[1,1],[0,0]]]}]}",
	        ARM_ESYNTAX, "features must all be Features");
	REFUSED("{\"type\":\"GeometryCollection\",\"geometries\":[{\"type\":\"GeometryCollection\","
	        "\"geometries\":[{\"type\":\"GeometryCollection\",\"geometries\":[{\"type\":"
	        "\"GeometryCollection\",\"geometries\":[]}]}]}]}",
	        ARM_ELIMIT, "collections nested deeper than 2");
	REFUSED("{\"type\":\"GeometryCollection\",\"geometries\":[]}", ARM_ESYNTAX,
	        "geometry must be a Polygon or MultiPolygon");

	/* Deeply nested arrays never reach the parser. */
	CHECK(buf_puts(&big, "{\"type\":\"Polygon\",\"coordinates\":", &e) == ARM_OK);
	for (i = 0; i < 100000; i++)
		CHECK(buf_puts(&big, "[", &e) == ARM_OK);
	refused((const char *)big.data, big.len, ARM_ELIMIT, "nested deeper than 32 at offset");
	big.len = 0;
	/* 100,001 positions: over the vertex limit, refused before GEOS. */
	CHECK(buf_puts(&big, "{\"type\":\"Polygon\",\"coordinates\":[[", &e) == ARM_OK);
	for (i = 0; i <= GEO_MAX_VERTICES; i++)
		CHECK(buf_puts(&big, i ? ",[1,1]" : "[1,1]", &e) == ARM_OK);
	CHECK(buf_puts(&big, "]]}", &e) == ARM_OK);
	refused((const char *)big.data, big.len, ARM_ELIMIT, "more than 100000 positions");
	big.len = 0;
	/* A million vertices: over the byte limit before anything is parsed. */
	CHECK(buf_puts(&big, "{\"type\":\"Polygon\",\"coordinates\":[[", &e) == ARM_OK);
	for (i = 0; i < 1000000; i++)
		CHECK(buf_puts(&big, i ? ",[126.5,37.5]" : "[126.5,37.5]", &e) == ARM_OK);
	CHECK(buf_puts(&big, "]]}", &e) == ARM_OK);
	refused((const char *)big.data, big.len, ARM_ELIMIT, "over the 4194304-byte limit");
	big.len = 0;
	/* 10,001 holes (each a valid ring): over the parts limit. */
	CHECK(buf_puts(&big,
	               "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[9,0],[9,9],[0,9],[0,0]]",
	               &e) == ARM_OK);
	for (i = 0; i < GEO_MAX_PARTS; i++)
		CHECK(buf_puts(&big, ",[[1,1],[1,2],[2,2],[1,1]]", &e) == ARM_OK);
	CHECK(buf_puts(&big, "]}", &e) == ARM_OK);
	refused((const char *)big.data, big.len, ARM_ELIMIT, "more than 10000 rings");
	buf_release(&big);
}

/* geo_check_geojson: any RFC 7946 object, checked the same way. */
static void
test_check_geojson(void)
{
	static const char *const good[] = {
	    "{\"type\":\"Point\",\"coordinates\":[126.677,37.956]}",
	    "{\"type\":\"Point\",\"coordinates\":[126.677,37.956,12.5]}",
	    "{\"type\":\"LineString\",\"coordinates\":[[126,37],[127,38]]}",
	    "{\"type\":\"MultiPoint\",\"coordinates\":[[126,37],[127,38]]}",
	    "{\"type\":\"MultiLineString\",\"coordinates\":[[[126,37],[127,38]]]}",
	    "{\"type\":\"Feature\",\"geometry\":null,\"properties\":{}}",
	    "{\"type\":\"FeatureCollection\",\"features\":[]}",
	    ("{\"type\":\"GeometryCollection\",\"geometries\":[{\"type\":\"Point\","
	     "\"coordinates\":[1,2]}]}"),
	};
	static const char *const bad[][2] = {
	    {"{\"type\":\"Point\",\"coordinates\":[]}", "at coordinates: a position has 0"},
	    {"{\"type\":\"Point\"}", "at coordinates: a position must be an array"},
	    {"{\"type\":\"LineString\",\"coordinates\":[[126,37]]}", "a line has 1 positions"},
	    {"{\"type\":\"LineString\",\"coordinates\":[[126,37],[]]}", "at coordinates[1]: a pos"},
	    {"{\"type\":\"MultiPoint\",\"coordinates\":[[126,37],[]]}", "at coordinates[1]: a pos"},
	    {"{\"type\":\"MultiLineString\",\"coordinates\":[[]]}",
	     "at coordinates[0]: a line has 0"},
	    {"{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"geometry\":"
	     "{\"type\":\"Point\",\"coordinates\":[200,0]}}]}",
	     "at features[0].geometry.coordinates: (200, 0) is outside"},
	    {"{\"type\":\"FeatureCollection\",\"features\":{}}", "at features: want an array"},
	    {"[]", "must be a JSON object"},
	};
	static const char band5[] = "{\"type\":\"Feature\",\"geometry\":null,\"properties\":"
	                            "{\"armistice:mdl_within_km\":5}}";
	static const char band0[] = "{\"type\":\"Feature\",\"geometry\":null,\"properties\":"
	                            "{\"armistice:mdl_within_km\":0}}";
	struct arm_err e;
	size_t i;

	for (i = 0; i < ARM_ARRAY_LEN(good); i++)
		CHECKM(geo_check_geojson("zone 'p'", good[i], strlen(good[i]), &e) == ARM_OK,
		       e.msg);
	for (i = 0; i < ARM_ARRAY_LEN(bad); i++) {
		CHECKM(geo_check_geojson("zone 'p'", bad[i][0], strlen(bad[i][0]), &e) != ARM_OK,
		       bad[i][0]);
		CHECKM(strstr(e.msg, bad[i][1]) != NULL && strstr(e.msg, "zone 'p'") != NULL,
		       e.msg);
	}
	/* A band zone is checked without the MDL; a bad band is still refused. */
	CHECKM(geo_check_zone("b", band5, strlen(band5), &e) == ARM_OK, e.msg);
	CHECK(geo_check_zone("b", band0, strlen(band0), &e) == ARM_ESYNTAX);
	CHECKM(geo_check_zone("d", (const char *)lsib.data, lsib.len, &e) == ARM_OK, e.msg);
	CHECKM(geo_check_zone("a", arrowhead_zone, strlen(arrowhead_zone), &e) == ARM_OK, e.msg);
}

/*
 * An agreement that holds the crashing zone (as a log written before the
 * check could): the engine's zone question answers an error, not a crash.
 */
static void
test_engine_bad_zone(void)
{
	static char crash[] = "{\"type\":\"Polygon\",\"coordinates\":[[[126,37],[127,37],[127,38],"
	                      "[],[126,37]]]}";
	struct agreement a;
	struct agreement_zone z;
	struct geo_map *m = NULL;
	struct arm_err e;
	bool in = true;

	memset(&a, 0, sizeof(a));
	memset(&z, 0, sizeof(z));
	z.id = "jsa";
	z.geojson = crash;
	z.geojson_len = strlen(crash);
	a.zones = &z;
	a.nzones = 1;
	CHECK(geo_map_new(&m, &e) == ARM_OK);
	if (m == NULL)
		return;
	CHECK(geo_engine_in_zone(m, &a, 0, 37.5, 126.5, &in, &e) == ARM_ESYNTAX);
	CHECKM(strstr(e.msg, "zone 'jsa': at coordinates[0][3]: a position has 0 numbers") != NULL,
	       e.msg);
	CHECK(!in);
	/* Asked again (the next incident): the same answer, nothing half-added. */
	CHECK(geo_engine_in_zone(m, &a, 0, 37.5, 126.5, &in, &e) == ARM_ESYNTAX);
	CHECK(geo_zone_count(m) == 0);
	geo_map_free(m);
}

/* The planar distance in km between two points near each other (equirectangular at their mean). */
static double
planar_km(double lat1, double lon1, double lat2, double lon2)
{
	double k = GEO_EARTH_KM * M_PI / 180.0;
	double dx = (lon2 - lon1) * k * cos((lat1 + lat2) / 2 * M_PI / 180.0);

	return hypot(dx, (lat2 - lat1) * k);
}

static void
test_aeqd(void)
{
	struct geo_aeqd p;
	double x, y, lat, lon;

	geo_aeqd_init(&p, 38.2, 127.5);
	geo_aeqd_fwd(&p, 38.2, 127.5, &x, &y);
	CHECK(fabs(x) < 1e-9 && fabs(y) < 1e-9);
	/* True distance from the centre, both ways. */
	geo_aeqd_fwd(&p, 37.57, 126.98, &x, &y);
	CHECK(near(hypot(x, y), geo_haversine_km(38.2, 127.5, 37.57, 126.98), 1e-6));
	geo_aeqd_inv(&p, x, y, &lat, &lon);
	CHECK(near(lat, 37.57, 1e-9) && near(lon, 126.98, 1e-9));
	geo_aeqd_fwd(&p, 38.0, 128.0, &x, &y);
	CHECK(x > 0 && y < 0); /* east and south of the centre */
}

/*
 * Signed distances to a short straight line, against a planar formula
 * computed here (10 km lines: the planar answer is within a few metres).
 */
static void
test_signed_line(void)
{
	static const char we[] =
	    "{\"type\":\"LineString\",\"coordinates\":[[127.1,38.0],[127.0,38.0]]}";
	static const char sn[] =
	    "{\"type\":\"Feature\",\"properties\":{},\"geometry\":"
	    "{\"type\":\"LineString\",\"coordinates\":[[127.0,38.0],[127.0,38.1]]}}";
	static const double pts[][3] = {
	    /* lat, lon, +1 north / -1 south */
	    {38.01, 127.05, 1},
	    {37.98, 127.03, -1},
	    {38.002, 127.099, 1},
	    {37.9, 127.01, -1},
	};
	struct geo_map *m = NULL;
	struct geo_place p;
	struct arm_err e;
	size_t i;

	CHECK(geo_map_new(&m, &e) == ARM_OK);
	if (m == NULL)
		return;
	CHECK(geo_map_line_sign(m, AGREEMENT_SIDE_NORTH) == 0); /* no line yet */
	/* Drawn east to west: the map walks it west to east all the same. */
	CHECKM(geo_map_set_line(m, we, strlen(we), &e) == ARM_OK, e.msg);
	CHECK(geo_map_line_sign(m, AGREEMENT_SIDE_NORTH) == 1);
	CHECK(geo_map_line_sign(m, AGREEMENT_SIDE_SOUTH) == -1);
	CHECK(geo_map_line_sign(m, AGREEMENT_SIDE_EAST) == 0); /* an east-west line has no east */
	for (i = 0; i < ARM_ARRAY_LEN(pts); i++) {
		double want = planar_km(pts[i][0], pts[i][1], 38.0, pts[i][1]);

		CHECK(geo_locate(m, pts[i][0], pts[i][1], &p, &e) == ARM_OK);
		CHECKM(p.side == (int)pts[i][2] && near(p.mdl_km, want, 0.005) && !p.beyond_end,
		       "side and planar distance");
		/* the chord bows ~1 m north of the parallel halfway along */
		CHECK(near(p.near_lon, pts[i][1], 1e-4) && near(p.near_lat, 38.0, 3e-5));
	}
	/* Beyond the east end: distance to the end, side from the end segment extended. */
	CHECK(geo_locate(m, 38.005, 127.2, &p, &e) == ARM_OK);
	CHECK(p.beyond_end && p.side == 1 &&
	      near(p.mdl_km, planar_km(38.005, 127.2, 38.0, 127.1), 0.005));
	CHECK(geo_locate(m, 37.99, 126.9, &p, &e) == ARM_OK);
	CHECK(p.beyond_end && p.side == -1);
	CHECK(geo_locate(m, 38.0, 127.1, &p, &e) == ARM_OK && p.side == 0 && p.mdl_km < 0.001);
	/* A north-south line (a Feature): east is the right of its west-to-east walk. */
	CHECKM(geo_map_set_line(m, sn, strlen(sn), &e) == ARM_OK, e.msg);
	CHECK(geo_map_line_sign(m, AGREEMENT_SIDE_NORTH) == 0);
	CHECK(geo_locate(m, 38.05, 127.01, &p, &e) == ARM_OK);
	CHECK(p.side * geo_map_line_sign(m, AGREEMENT_SIDE_EAST) == 1 &&
	      near(p.mdl_km, planar_km(38.05, 127.01, 38.05, 127.0), 0.005));
	CHECK(geo_locate(m, 38.05, 126.98, &p, &e) == ARM_OK);
	CHECK(p.side * geo_map_line_sign(m, AGREEMENT_SIDE_WEST) == 1);
	geo_map_free(m);
	/* geo_check_line: the side must be across the line. */
	CHECK(geo_check_line("line", we, strlen(we), AGREEMENT_SIDE_SOUTH, &e) == ARM_OK);
	CHECK(geo_check_line("line", sn, strlen(sn), AGREEMENT_SIDE_NORTH, &e) == ARM_ERULE);
	CHECKM(strstr(e.msg, "name the side across it (east or west)") != NULL, e.msg);
	CHECK(geo_check_line("line", arrowhead_zone, strlen(arrowhead_zone), AGREEMENT_SIDE_NORTH,
	                     &e) == ARM_ESYNTAX);
}

/*
 * The projected distance against the great-circle (haversine) distance to
 * the same nearest point, on the MDL: within the bound geo.h states
 * (c^2/6 of the distance, c the angular distance from the centre; under
 * 0.02 % here), so the two never disagree by more than metres.
 */
static void
test_projection_bound(void)
{
	struct geo_map *m = load();
	struct geo_place p;
	struct arm_err e;
	double lat, lon, worst = 0;

	CHECK(m != NULL);
	if (m == NULL)
		return;
	for (lat = 37.3; lat <= 39.2; lat += 0.1)
		for (lon = 126.2; lon <= 128.9; lon += 0.1) {
			double h;

			if (geo_locate(m, lat, lon, &p, &e) != ARM_OK) {
				CHECK(0);
				continue;
			}
			h = geo_haversine_km(lat, lon, p.near_lat, p.near_lon);
			if (p.mdl_km > 0.001 && fabs(p.mdl_km - h) / p.mdl_km > worst)
				worst = fabs(p.mdl_km - h) / p.mdl_km;
		}
	printf("# worst relative difference projected vs haversine: %.2e\n", worst);
	CHECKM(worst < 2e-4, "projected distance within 0.02 % of haversine");
	geo_map_free(m);
}

/*
 * The engine's places question on an agreement whose reference line is a
 * LineString zone: the line zone holds no point, the polygon does, and the
 * signed distance follows the side the agreement names.
 */
static void
test_engine_place(void)
{
	static char line[] =
	    "{\"type\":\"LineString\",\"coordinates\":[[127.0,38.0],[127.1,38.0]]}";
	static char box[] = "{\"type\":\"Polygon\",\"coordinates\":[[[127.0,38.0],[127.1,38.0],"
	                    "[127.1,38.1],[127.0,38.1],[127.0,38.0]]]}";
	struct agreement a;
	struct agreement_zone z[2];
	struct geo_map *m = NULL;
	struct arm_err e;
	bool in[2] = {true, true}, has = false;
	int64_t lm = 0;

	memset(&a, 0, sizeof(a));
	memset(z, 0, sizeof(z));
	z[0].id = "loc";
	z[0].geojson = line;
	z[0].geojson_len = strlen(line);
	z[1].id = "box";
	z[1].geojson = box;
	z[1].geojson_len = strlen(box);
	a.zones = z;
	a.nzones = 2;
	CHECK(geo_map_new(&m, &e) == ARM_OK);
	if (m == NULL)
		return;
	/* No reference line: zones only. */
	CHECK(geo_engine_place(m, &a, 38.01, 127.05, in, &has, &lm, &e) == ARM_OK);
	CHECK(!in[0] && in[1] && !has);
	a.line.zone = 0;
	a.line.positive = AGREEMENT_SIDE_SOUTH;
	CHECKM(geo_engine_place(m, &a, 38.01, 127.05, in, &has, &lm, &e) == ARM_OK, e.msg);
	CHECK(has &&
	      llabs(lm + (int64_t)llround(planar_km(38.01, 127.05, 38.0, 127.05) * 1000)) <= 5);
	a.line.positive = AGREEMENT_SIDE_NORTH;
	CHECK(geo_engine_place(m, &a, 37.99, 127.05, in, &has, &lm, &e) == ARM_OK);
	CHECK(has && !in[1] && lm < -1100 && lm > -1125);
	CHECK(geo_engine_place(m, &a, 91, 127.05, in, &has, &lm, &e) == ARM_ESYNTAX);
	geo_map_free(m);
}

int
main(void)
{
	FILE *f = fopen(LSIB, "rb");
	char chunk[8192];
	size_t n;
	struct arm_err e;

	if (f == NULL) {
		printf("not ok - test_geo: cannot open %s\n", LSIB);
		return 1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(&lsib, chunk, n, &e) != ARM_OK)
			break;
	fclose(f);
	RUN(test_length_and_samples);
	RUN(test_landmarks);
	RUN(test_arrowhead_straddles);
	RUN(test_zones);
	RUN(test_refusals);
	RUN(test_json_check);
	RUN(test_hostile_zones);
	RUN(test_check_geojson);
	RUN(test_engine_bad_zone);
	RUN(test_aeqd);
	RUN(test_signed_line);
	RUN(test_projection_bound);
	RUN(test_engine_place);
	buf_release(&lsib);
	return HARNESS_DONE();
}
