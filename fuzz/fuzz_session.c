/*
 * fuzz_session.c - a whole agreement and a sequence of entries with
 * positions through the state engine and the real places module (GEOS):
 * the path an incident takes from `append` or `POST /add` to a breach.
 *
 * Input: agreement YAML, a line "--8<--", then entries separated by blank
 * lines (at most 64). The agreement is parsed with a zone-file reader that
 * knows zones/poly.geojson (a polygon) and zones/lines.geojson (a small
 * MDL and DMZ lines document, so band zones can be measured); each entry
 * that parses is given the agreement's id and applied in order, and every
 * incident's position is also asked of every zone directly.
 *
 * Properties: no crash, leak or sanitizer report (an agreement that
 * parses must never fail inside GEOS later); a refused entry leaves the
 * state JSON byte-identical and the size unchanged; no allocation failure
 * or stale engine; the whole sequence run again on a fresh engine and a
 * fresh map gives the same final state JSON (zone answers are
 * deterministic).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "armistice/agreement.h"
#include "armistice/engine.h"
#include "armistice/entry.h"
#include "armistice/geo.h"
#include "armistice/common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ENTRIES 64

static const char poly[] =
    "{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
    "[[[126.6,37.9],[126.8,37.9],[126.8,38.0],[126.6,38.0],[126.6,37.9]]]}}\n";

/* An MDL from 126E to 128E with DMZ lines 2 km (0.018 deg) either side. */
static const char lines[] =
    "{\"type\":\"FeatureCollection\",\"features\":["
    "{\"type\":\"Feature\",\"properties\":{\"DISCLAIME1\":\"Military Demarcation Line\"},"
    "\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[126.0,37.8],[127.0,38.3],"
    "[128.0,38.6]]}},"
    "{\"type\":\"Feature\",\"properties\":{\"DISCLAIME1\":\"DMZ\",\"COUNTRY_NA\":\"North Korea\"},"
    "\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[126.0,37.818],[127.0,38.318],"
    "[128.0,38.618]]}},"
    "{\"type\":\"Feature\",\"properties\":{\"DISCLAIME1\":\"DMZ\",\"COUNTRY_NA\":\"South Korea\"},"
    "\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[126.0,37.782],[127.0,38.282],"
    "[128.0,38.582]]}}]}\n";

static int
read_zone(void *ctx, const char *rel, struct buf *out, struct arm_err *e)
{
	(void)ctx;
	if (strcmp(rel, "zones/poly.geojson") == 0)
		return buf_append(out, poly, sizeof(poly) - 1, e);
	if (strcmp(rel, "zones/lines.geojson") == 0)
		return buf_append(out, lines, sizeof(lines) - 1, e);
	return arm_err_set(e, ARM_ENOTFOUND, "no zone file '%s'", rel);
}

static char *
state(const struct engine *eng, int64_t now)
{
	struct buf b = BUF_INIT(1 << 24);
	struct arm_err e;

	if (engine_state_json(eng, now, &b, &e) != ARM_OK)
		abort();
	return (char *)buf_detach(&b, NULL);
}

/* Every zone of a, asked directly about (lat, lon): an answer or an error, no crash. */
static void
ask_zones(struct geo_map *m, const struct agreement *a, const struct entry *en)
{
	struct arm_err e;
	size_t z;
	bool in;

	if (!en->has_position)
		return;
	for (z = 0; z < a->nzones; z++)
		if (geo_engine_in_zone(m, a, z, (double)en->lat_e7 / 1e7, (double)en->lon_e7 / 1e7,
		                       &in, &e) != ARM_OK &&
		    e.rc == ARM_ENOMEM)
			abort();
}

/*
 * Runs the entries through a fresh engine and map; returns the final
 * state JSON (malloc'd), or NULL if the agreement does not load.
 */
static char *
run(const uint8_t *ag, size_t aglen, const uint8_t *data, size_t size, bool probe)
{
	const int64_t now = 1546300800; /* 2019-01-01T00:00:00Z */
	struct engine_geo geo = {0};
	struct engine_opts o;
	struct engine *eng = NULL;
	struct geo_map *m = NULL, *probe_map = NULL;
	struct agreement a;
	struct arm_err e;
	size_t pos = 0;
	char *out = NULL;

	agreement_init(&a);
	if (agreement_parse(&a, ag, aglen, "fuzz", read_zone, NULL, NULL, &e) != ARM_OK)
		return NULL;
	if (geo_map_new(&m, &e) != ARM_OK || (probe && geo_map_new(&probe_map, &e) != ARM_OK))
		abort();
	geo.in_zone = geo_engine_in_zone;
	geo.place = geo_engine_place; /* zones and the reference line, as cli_replay.c */
	geo.ctx = m;
	engine_opts_init(&o);
	o.geo = &geo;
	o.read_file = read_zone;
	if (engine_new(&eng, &o, &e) != ARM_OK)
		abort();
	if (engine_set_agreement(eng, &a, 0, &e) != ARM_OK) {
		/* An agreement that parses but the engine refuses: nothing more to run. */
		agreement_release(&a);
		goto out;
	}
	agreement_release(&a);
	while (pos < size && engine_size(eng) < MAX_ENTRIES) {
		const uint8_t *end = memmem(data + pos, size - pos, "\n\n", 2);
		size_t len = end ? (size_t)(end - (data + pos)) + 1 : size - pos;
		uint8_t *chunk = malloc(len ? len : 1);
		struct entry en;

		if (chunk == NULL)
			break;
		memcpy(chunk, data + pos, len);
		pos += len + (end ? 1 : 0);
		if (entry_parse(&en, chunk, len, &e) == ARM_OK) {
			uint64_t before = engine_size(eng);
			char *pre = state(eng, now);

			memcpy(en.agreement, engine_agreement(eng)->id, HASH_SIZE);
			if (probe)
				ask_zones(probe_map, engine_agreement(eng), &en);
			if (engine_apply(eng, &en, before, &e) != ARM_OK) {
				char *post = state(eng, now);

				if (e.rc == ARM_ENOMEM || engine_stale(eng))
					abort();
				if (engine_size(eng) != before || strcmp(pre, post) != 0)
					abort(); /* a refusal changed the state */
				free(post);
			}
			free(pre);
			entry_release(&en);
		}
		free(chunk);
	}
	out = state(eng, now);
out:
	engine_free(eng);
	geo_map_free(m);
	geo_map_free(probe_map);
	return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char sep[] = "\n--8<--\n";
	const uint8_t *cut = memmem(data, size, sep, sizeof(sep) - 1);
	size_t aglen = cut ? (size_t)(cut - data) + 1 : size;
	size_t rest = cut ? aglen - 1 + sizeof(sep) - 1 : size;
	char *s1, *s2;

	s1 = run(data, aglen, data + rest, size - rest, true);
	if (s1 == NULL)
		return 0;
	s2 = run(data, aglen, data + rest, size - rest, false);
	if (s2 == NULL || strcmp(s1, s2) != 0)
		abort(); /* the same agreement and entries gave another state */
	free(s1);
	free(s2);
	return 0;
}
