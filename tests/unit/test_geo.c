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
		{0, 37.8429, 126.6903},    {20, 37.9629, 126.7291},   {40, 38.0675, 126.8651},
		{60, 38.1745, 126.9663},   {80, 38.2856, 127.0982},   {100, 38.3239, 127.2869},
		{120, 38.3109, 127.4787},  {140, 38.3231, 127.6683},  {160, 38.3049, 127.8275},
		{180, 38.3158, 128.0223},  {200, 38.3732, 128.1922},  {220, 38.4945, 128.3035},
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
	CHECKM(strstr(e.msg, "zone 'bowtie': invalid polygon") != NULL, e.msg);
	CHECK(geo_map_add_zone(m, "line", line, strlen(line), NULL, &e) == ARM_ESYNTAX);
	CHECK(geo_map_add_zone(m, "band", band_no_km, strlen(band_no_km), NULL, &e) ==
	      ARM_ESYNTAX);
	CHECK(geo_map_add_zone(m, "junk", "{]", 2, NULL, &e) == ARM_ESYNTAX);
	/* libfyaml loops forever on this; it must never reach it (fuzz_geo). */
	CHECK(geo_map_add_zone(m, "hang", "%\xf6\xf6", 3, NULL, &e) == ARM_ESYNTAX);
	CHECK(geo_map_add_zone(m, "latin1", "{\"name\":\"\xe9\"}", 12, NULL, &e) == ARM_ESYNTAX);
	CHECKM(strstr(e.msg, "byte 0xe9 at offset 9 is not UTF-8") != NULL, e.msg);
	CHECK(geo_map_add_zone(m, "a", arrowhead_zone, strlen(arrowhead_zone), NULL, &e) ==
	      ARM_OK);
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
	buf_release(&lsib);
	return HARNESS_DONE();
}
