/*
 * fuzz_engine.c - the state engine against arbitrary entry sequences.
 * The input is entries separated by blank lines; each that parses
 * (entry_parse) is given the agreement's id and applied in order to an
 * engine holding a fixed agreement (the pilot of tests/data, demo keys,
 * zones inline). Properties: no crash or leak; a refused entry leaves the
 * state JSON byte-identical and the size unchanged; every incident's
 * places name zones of the agreement; the JSON of the final
 * state is the same when produced twice; queries run on every commitment.
 * Each input runs twice: the whole history, and as of a moment inside it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "armistice/engine.h"
#include "armistice/common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char yaml[] =
    "armistice: agreement/v1\n"
    "name: fuzz\n"
    "title: Fuzz agreement (demo keys)\n"
    "timezone: \"+09:00\"\n"
    "effective: \"2018-09-19T10:00:00+09:00\"\n"
    "arbiter: {by: [nnsc, press], quorum: 1}\n"
    "findings: {by: [nnsc, south]}\n"
    "log:\n"
    "  origin: demo.armistice.example/fuzz\n"
    "  key: demo-log+93869de2+AY/mia9aa3v067qFtdKbI3eAoMsB7LpR9ygqXZBmEq2U\n"
    "  quorum: none\n"
    "actors:\n"
    "  - {id: south, name: South (demo key), role: party, keys: "
    "[demo-south+d1a43b68+AbIJX4YJHAfWZ9w8fOX/aVLxq97+do0RmiNIJTIga4My]}\n"
    "  - {id: north, name: North (demo key), role: party, keys: "
    "[demo-north+854bc0e4+Acq09B+QrHtZJBMdrNJHvA0ZodU2cC7sjDFtoUkVjtbj]}\n"
    "  - {id: nnsc, name: Commission (demo key), role: verifier, keys: "
    "[demo-nnsc+495bfc6f+AQISEgXUUa+u+s0KAAjo0bNO5rwqb+9fQhOR3KsWo98Q]}\n"
    "  - {id: press, name: Press (demo key), role: monitor, keys: "
    "[demo-press+11ca1042+AYyj6LRfhseogzVAWAU/mRxunSusRfWRB6nKM8xUd1IE]}\n"
    "phases:\n  - {id: p1, name: One}\n  - {id: p2, name: Two}\n"
    "incident_kinds:\n  - {id: gunfire, name: Gunfire, provocation: true}\n"
    "  - {id: accident, name: Accident, provocation: false}\n"
    "zones:\n  - id: jsa\n    name: JSA\n"
    "    geometry: {type: Polygon, coordinates: [[[126.0, 37.0], [127.0, 37.0], [127.0, 38.0], "
    "[126.0, 38.0], [126.0, 37.0]]]}\n"
    "  - {id: loc, name: Line, geometry: {type: LineString, coordinates: [[126.0, 37.5], "
    "[127.0, 37.5]]}}\n"
    "reference_line: {name: Line, zone: loc, positive: north, party: north}\n"
    "commitments:\n"
    "  - {id: gp-south, owner: south, phase: p1, text: GP south., together: gp, verify: {by: "
    "[north, nnsc], quorum: 2, method: on-site}, due: 2018-12-31}\n"
    "  - {id: gp-north, owner: north, phase: p1, text: GP north., together: gp, verify: {by: "
    "[south, nnsc], quorum: 1}}\n"
    "  - {id: no-fire, owners: [south, north], phase: p1, text: No fire., standing: {breached_by: "
    "[gunfire], zones: [jsa]}}\n"
    "  - {id: jsa, owners: [south, north], phase: p2, text: JSA., requires: [gp-south, gp-north], "
    "verify: {mutual: true, method: trilateral}, due: {after: gp-north, days: 20}}\n"
    "  - {id: remains, owner: north, phase: p2, text: Remains., requires: [jsa], verify: none}\n"
    "  - {id: hold, owners: [south, north], phase: p1, text: Hold., standing: {breached_by: "
    "[gunfire], threshold: {violations: 2, days: 10}}}\n"
    "  - {id: protect, owner: south, phase: p1, text: Protect., standing: {breached_by: "
    "[accident], protect: true}}\n"
    "  - {id: weapons, owner: north, phase: p1, text: Weapons., quantity: {target: 7132, unit: "
    "weapons}, verify: {by: [nnsc, south], quorum: 1}}\n"
    "  - {id: weapons-30, owner: north, phase: p1, text: 30 %., tranche: {of: weapons, percent: "
    "30}, due: D+90}\n"
    "  - {id: office, owner: nnsc, phase: p1, text: Mission task., verify: none, due: D+90}\n"
    "  - {id: caches, owner: press, phase: p2, text: Mission task., requires: [office], verify: "
    "{by: [south], quorum: 1}, due: {after: office, hours: 72}}\n";

static int
in_zone(void *ctx, const struct agreement *a, size_t zone, double lat, double lon, bool *inside,
        struct arm_err *e)
{
	(void)ctx;
	(void)a;
	(void)zone;
	(void)e;
	*inside = lat >= 37.0 && lat <= 38.0 && lon >= 126.0 && lon <= 127.0;
	return ARM_OK;
}

/*
 * Places without GEOS: zone jsa by its box, the line at 37.5 N (about 111
 * km a degree), so the engine's place bookkeeping is what is exercised.
 */
static int
place(void *ctx, const struct agreement *a, double lat, double lon, bool *in, bool *has_line,
      int64_t *line_m, struct arm_err *e)
{
	size_t z;

	for (z = 0; z < a->nzones; z++)
		if (in_zone(ctx, a, z, lat, lon, &in[z], e) != ARM_OK)
			return ARM_EIO;
	if (a->nzones > 1)
		in[1] = false; /* the line holds no point */
	*has_line = a->line.positive != AGREEMENT_SIDE_NONE;
	*line_m = *has_line ? (int64_t)((lat - 37.5) * 111195.0) : 0;
	return ARM_OK;
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

static void
run(const uint8_t *data, size_t size, int64_t asof)
{
	static const struct engine_geo geo = {in_zone, NULL, place};
	const int64_t now = 1546300800; /* 2019-01-01T00:00:00Z */
	struct engine_opts o;
	struct engine *eng;
	struct agreement a;
	struct arm_err e;
	size_t pos = 0, c, namend = 0;
	char *s1, *s2;

	engine_opts_init(&o);
	o.geo = &geo;
	agreement_init(&a);
	if (agreement_parse(&a, (const uint8_t *)yaml, sizeof(yaml) - 1, "fuzz", NULL, NULL, NULL,
	                    &e) != ARM_OK ||
	    engine_new(&eng, &o, &e) != ARM_OK)
		abort();
	if (engine_set_agreement(eng, &a, 0, &e) != ARM_OK ||
	    engine_set_asof(eng, asof, &e) != ARM_OK)
		abort();
	agreement_release(&a);
	while (pos < size && engine_size(eng) < 64) {
		const uint8_t *end = memmem(data + pos, size - pos, "\n\n", 2);
		size_t len = end ? (size_t)(end - (data + pos)) + 1 : size - pos;
		uint8_t *chunk = malloc(len ? len : 1);
		struct entry en;

		if (chunk == NULL)
			break;
		memcpy(chunk, data + pos, len);
		pos += len + (end ? 1 : 0);
		/*
		 * Blank lines split the input, so an amend entry arrives without
		 * its body: it gets the agreement with a deadline moved and a
		 * title per amendment (amendments, as-of horizons before and after
		 * them and the state carried over are all exercised).
		 */
		if (len > 30 && memcmp(chunk, "armistice/entry/v1\nkind: amend\n", 30) == 0) {
			static const char from[] = "due: D+90}", to[] = "due: D+99}";
			const char *at = strstr(yaml, from);
			size_t pre = (size_t)(at - yaml), n = len + 1 + sizeof(yaml) - 1;
			uint8_t *c2 = malloc(n);
			if (c2 != NULL) {
				memcpy(c2, chunk, len);
				c2[len] = '\n';
				memcpy(c2 + len + 1, yaml, sizeof(yaml) - 1);
				memcpy(c2 + len + 1 + pre, to, sizeof(to) - 1);
				c2[len + 1 + (size_t)(strstr(yaml, "Fuzz agreement") - yaml)] =
				    (uint8_t)('A' + namend++ % 26);
				free(chunk);
				chunk = c2;
				len = n;
			}
		}
		if (entry_parse(&en, chunk, len, &e) == ARM_OK) {
			uint64_t before = engine_size(eng);
			char *pre = state(eng, now);
			memcpy(en.agreement, engine_agreement(eng)->id, HASH_SIZE);
			if (en.kind == ENTRY_AMEND)
				hash_sha256(en.body_id, en.body, en.body_len);
			if (engine_counted(eng) > engine_size(eng))
				abort();
			if (engine_apply(eng, &en, before, &e) != ARM_OK) {
				char *post = state(eng, now);
				if (e.rc == ARM_ENOMEM || engine_stale(eng))
					abort(); /* no allocation failures here: a stale engine is a
					            bug */
				if (engine_size(eng) != before || strcmp(pre, post) != 0)
					abort(); /* a refusal changed the state */
				free(post);
			}
			free(pre);
			entry_release(&en);
		}
		free(chunk);
	}
	s1 = state(eng, now);
	s2 = state(eng, now);
	if (strcmp(s1, s2) != 0)
		abort();
	for (c = 0; c < engine_nincidents(eng); c++) {
		struct engine_incident inc;
		size_t z;
		engine_incident(eng, c, &inc);
		if ((inc.nzones > 0 || inc.has_line) && !inc.has_pos)
			abort(); /* places only for a position */
		for (z = 0; z < inc.nzones; z++)
			if (inc.zones[z] >= engine_agreement(eng)->nzones)
				abort();
	}
	for (c = 0; c < engine_agreement(eng)->ncommitments; c++) {
		size_t chain[16], who[16];
		(void)engine_wait_chain(eng, c, chain, 16);
		(void)engine_waiting_on(eng, c, who, 16);
	}
	free(s1);
	free(s2);
	engine_free(eng);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The whole history, and as of a moment inside it (docs/rules.md). */
	run(data, size, ENGINE_NO_TIME);
	run(data, size, 1530403200); /* 2018-07-01T00:00:00Z */
	return 0;
}
