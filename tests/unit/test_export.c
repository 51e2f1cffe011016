/*
 * test_export.c - export.h: CSV that the project's own RFC 4180 reader
 * (csv.h) reads back field for field, quoting and the formula guard,
 * NDJSON escapes, GeoJSON refused for a table without positions, the
 * calendar-year arithmetic and the PAM score mapping (docs/rules.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "armistice/agreement.h"
#include "armistice/csv.h"
#include "armistice/engine.h"
#include "armistice/export.h"

/* A two-party agreement whose texts need quoting (demo keys). */
static const char yaml[] =
    "armistice: agreement/v1\n"
    "name: quoting\n"
    "title: Quoting test\n"
    "timezone: \"+09:00\"\n"
    "log:\n"
    "  origin: demo.armistice.example/quoting\n"
    "  key: demo-log+93869de2+AY/mia9aa3v067qFtdKbI3eAoMsB7LpR9ygqXZBmEq2U\n"
    "  witnesses:\n"
    "    - {id: w-south, key: "
    "demo-w-south+0f2db5b9+BAZMH0Zs3rOasfxYAjdYQ8WDb/Z5S/4OqyJQapqTbXrF}\n"
    "  groups:\n"
    "    - {id: all, threshold: all, members: [w-south]}\n"
    "  quorum: all\n"
    "actors:\n"
    "  - id: south\n"
    "    name: 'Southern party, \"the South\"'\n"
    "    role: party\n"
    "    keys: [demo-south+d1a43b68+AbIJX4YJHAfWZ9w8fOX/aVLxq97+do0RmiNIJTIga4My]\n"
    "  - id: north\n"
    "    name: \"=HYPERLINK(\\\"http://x\\\")\"\n"
    "    role: party\n"
    "    keys: [demo-north+854bc0e4+Acq09B+QrHtZJBMdrNJHvA0ZodU2cC7sjDFtoUkVjtbj]\n"
    "phases:\n"
    "  - {id: p1, name: One}\n"
    "commitments:\n"
    "  - id: two-lines\n"
    "    owners: [south, north]\n"
    "    phase: p1\n"
    "    text: \"first line,\\nsecond \\\"quoted\\\" line\"\n"
    "    verify: none\n"
    "    due: 2018-12-31\n";

static struct engine *
new_engine(void)
{
	struct engine_opts o;
	struct engine *eng = NULL;
	struct agreement a;
	struct arm_err e;

	engine_opts_init(&o);
	agreement_init(&a);
	if (agreement_parse(&a, (const uint8_t *)yaml, strlen(yaml), "q.yaml", NULL, NULL, NULL,
	                    &e) != ARM_OK ||
	    engine_new(&eng, &o, &e) != ARM_OK || engine_set_agreement(eng, &a, 0, &e) != ARM_OK) {
		printf("not ok - engine setup: %s\n", e.msg);
		exit(1);
	}
	agreement_release(&a);
	return eng;
}

static void
test_csv_reads_back(void)
{
	struct engine *eng = new_engine();
	struct buf out = BUF_INIT(1 << 20);
	struct export_w w;
	struct csv_reader r;
	struct csv_record rec;
	struct arm_err e;
	bool done = false;
	const struct export_col *cols;
	size_t ncols = export_columns(EXPORT_ACTORS, &cols);
	int name;

	CHECK(export_w_init(&w, EXPORT_ACTORS, EXPORT_CSV, &out, &e) == ARM_OK);
	CHECK(export_actors(&w, eng, 0, &e) == ARM_OK);
	CHECK(export_w_finish(&w, &e) == ARM_OK);
	CHECK(csv_reader_init(&r, out.data, out.len, &e) == ARM_OK);
	CHECK(csv_next(&r, &rec, &done, &e) == ARM_OK && !done);
	CHECK(rec.nfields == ncols);
	name = csv_find(&rec, "name");
	CHECK(name == 1);
	CHECK(csv_next(&r, &rec, &done, &e) == ARM_OK && !done);
	CHECK(rec.nfields == ncols);
	CHECK(strcmp(rec.field[0], "south") == 0);
	CHECK(strcmp(rec.field[1], "Southern party, \"the South\"") == 0);
	CHECK(strcmp(rec.field[2], "party") == 0);
	CHECK(csv_next(&r, &rec, &done, &e) == ARM_OK && !done);
	/* The formula guard: a leading apostrophe, the rest as written. */
	CHECK(strcmp(rec.field[1], "'=HYPERLINK(\"http://x\")") == 0);
	CHECK(csv_next(&r, &rec, &done, &e) == ARM_OK && done);
	csv_reader_release(&r);
	/* RFC 4180: every record ends in CRLF. */
	CHECK(out.len > 2 && memcmp(out.data + out.len - 2, "\r\n", 2) == 0);

	buf_reset(&out);
	CHECK(export_w_init(&w, EXPORT_COMMITMENTS, EXPORT_CSV, &out, &e) == ARM_OK);
	CHECK(export_commitments(&w, eng, 0, &e) == ARM_OK);
	CHECK(export_w_finish(&w, &e) == ARM_OK);
	CHECK(csv_reader_init(&r, out.data, out.len, &e) == ARM_OK);
	CHECK(csv_next(&r, &rec, &done, &e) == ARM_OK && !done);
	{
		int text = csv_find(&rec, "text"), owners = csv_find(&rec, "owners"),
		    due = csv_find(&rec, "due");
		CHECK(text >= 0 && owners >= 0 && due >= 0);
		CHECK(csv_next(&r, &rec, &done, &e) == ARM_OK && !done);
		CHECK(text >= 0 &&
		      strcmp(rec.field[text], "first line,\nsecond \"quoted\" line") == 0);
		CHECK(owners >= 0 && strcmp(rec.field[owners], "south;north") == 0);
		/* Due 2018-12-31 in +09:00: the first second after that day, in UTC. */
		CHECK(due >= 0 && strcmp(rec.field[due], "2018-12-31T15:00:00Z") == 0);
	}
	csv_reader_release(&r);
	buf_release(&out);
	engine_free(eng);
}

static void
test_ndjson_and_geojson(void)
{
	struct engine *eng = new_engine();
	struct buf out = BUF_INIT(1 << 20);
	struct export_w w;
	struct arm_err e;

	CHECK(export_w_init(&w, EXPORT_COMMITMENTS, EXPORT_NDJSON, &out, &e) == ARM_OK);
	CHECK(export_commitments(&w, eng, 0, &e) == ARM_OK);
	CHECK(export_w_finish(&w, &e) == ARM_OK);
	CHECK(buf_puts(&out, "", &e) == ARM_OK);
	CHECK(strstr((char *)out.data, "\"text\":\"first line,\\nsecond \\\"quoted\\\" line\"") !=
	      NULL);
	CHECK(strstr((char *)out.data, "\"owners\":[\"south\",\"north\"]") != NULL);
	CHECK(strstr((char *)out.data, "\"effective\":null") != NULL);
	CHECK(out.data[out.len - 1] == '\n' &&
	      memchr(out.data, '\n', out.len) == out.data + out.len - 1);

	buf_reset(&out);
	CHECK(export_w_init(&w, EXPORT_ACTORS, EXPORT_GEOJSON, &out, &e) == ARM_EUSAGE);
	export_w_release(&w);
	buf_reset(&out);
	CHECK(export_w_init(&w, EXPORT_INCIDENTS, EXPORT_GEOJSON, &out, &e) == ARM_OK);
	CHECK(export_incidents(&w, eng, NULL, &e) == ARM_OK);
	CHECK(export_w_finish(&w, &e) == ARM_OK);
	CHECK(out.len == strlen("{\"type\":\"FeatureCollection\",\"features\":[]}\n") &&
	      memcmp(out.data, "{\"type\":\"FeatureCollection\",\"features\":[]}\n", out.len) == 0);
	buf_release(&out);
	engine_free(eng);
}

static void
test_years(void)
{
	/* 2018-01-01T00:00:00+09:00 is 2017-12-31T15:00:00Z = 1514732400. */
	CHECK(export_year_start(2018, 9 * 3600) == 1514732400);
	CHECK(export_year_start(1970, 0) == 0);
	CHECK(export_year_start(2001, 0) == 978307200);
	CHECK(export_year_start(2025, 0) == 1735689600);
	CHECK(export_year_of(1514732400, 9 * 3600) == 2018);
	CHECK(export_year_of(1514732399, 9 * 3600) == 2017);
	CHECK(export_year_of(1514732400, 0) == 2017);
}

static void
test_pam(void)
{
	struct export_year_view v;
	const char *why;

	memset(&v, 0, sizeof(v));
	v.status = ENGINE_PENDING;
	CHECK(export_pam_score(&v, &why) == 0);
	v.status = ENGINE_OPEN;
	CHECK(export_pam_score(&v, &why) == 0 && strcmp(why, "not initiated") == 0);
	v.nclaims = 1;
	CHECK(export_pam_score(&v, &why) == 1);
	v.status = ENGINE_CLAIMED;
	CHECK(export_pam_score(&v, &why) == 1);
	v.nverified = 1;
	CHECK(export_pam_score(&v, &why) == 2);
	v.status = ENGINE_DISPUTED;
	CHECK(export_pam_score(&v, &why) == 1);
	v.status = ENGINE_DONE;
	v.best = AGREEMENT_METHOD_ON_SITE;
	CHECK(export_pam_score(&v, &why) == 3 && strcmp(why, "verified") == 0);
	v.best = AGREEMENT_METHOD_SELF;
	CHECK(export_pam_score(&v, &why) == 2);
	v.best = AGREEMENT_METHOD_MEDIA;
	CHECK(export_pam_score(&v, &why) == 3);
	v.reversals_year = 1;
	CHECK(export_pam_score(&v, &why) == 2 && strcmp(why, "reversed during the year") == 0);
	v.reversals_year = 0;
	v.status = ENGINE_KEPT;
	v.standing = true;
	CHECK(export_pam_score(&v, &why) == 3 && strcmp(why, "kept") == 0);
	v.breaches_year = 1;
	CHECK(export_pam_score(&v, &why) == 2);
	v.status = ENGINE_BREACHED;
	CHECK(export_pam_score(&v, &why) == 1);
	v.status = ENGINE_WITHDRAWN;
	CHECK(export_pam_score(&v, &why) == 0 && strcmp(why, "withdrawn") == 0);
}

static void
test_names(void)
{
	enum export_table t;
	enum export_format f;
	struct arm_err e;
	size_t i;

	for (i = 0; i < EXPORT_NTABLES; i++) {
		CHECK(export_table_parse(export_table_name((enum export_table)i), &t, &e) ==
		      ARM_OK);
		CHECK(t == (enum export_table)i);
	}
	CHECK(export_table_parse("Commitments", &t, &e) == ARM_EUSAGE);
	CHECK(export_format_parse("geojson", &f, &e) == ARM_OK && f == EXPORT_GEOJSON);
	CHECK(export_format_parse("json", &f, &e) == ARM_EUSAGE);
}

int
main(void)
{
	RUN(test_csv_reads_back);
	RUN(test_ndjson_and_geojson);
	RUN(test_years);
	RUN(test_pam);
	RUN(test_names);
	return HARNESS_DONE();
}
