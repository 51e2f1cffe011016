/*
 * test_importmap.c - importmap.h: the dataset mapping file parses strictly
 * with NAME:LINE errors naming the rule, finds rules by exact source, and
 * reads decimal degrees exactly.
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "armistice/importmap.h"

static int
parse(struct importmap *m, const char *s, struct arm_err *e)
{
	return importmap_parse(m, "map.txt", (const uint8_t *)s, strlen(s), e);
}

static void
test_good(void)
{
	struct importmap m;
	struct arm_err e;
	const struct importmap_rule *r;
	const char *s =
	    "# ACLED to the pilot\n"
	    "format acled\n"
	    "\n"
	    "kind Battles => gunfire\r\n"
	    "kind Explosions/Remote violence/Shelling/artillery/missile attack => artillery\n"
	    "kind A => B => c-1\n"
	    "actor Military Forces of North Korea (2011-) => north   \n";

	CHECK(parse(&m, s, &e) == ARM_OK);
	CHECK(m.format == IMPORTMAP_ACLED && m.nrules == 4);
	r = importmap_find(&m, IMPORTMAP_KIND, "Battles", 7);
	CHECK(r != NULL && strcmp(r->id, "gunfire") == 0 && r->line == 4);
	r = importmap_find(&m, IMPORTMAP_KIND, "A => B", 6);
	CHECK(r != NULL && strcmp(r->id, "c-1") == 0);
	r = importmap_find(&m, IMPORTMAP_ACTOR, "Military Forces of North Korea (2011-)", 38);
	CHECK(r != NULL && strcmp(r->id, "north") == 0 && r->line == 7);
	CHECK(importmap_find(&m, IMPORTMAP_ACTOR, "Battles", 7) == NULL);
	CHECK(importmap_find(&m, IMPORTMAP_KIND, "battles", 7) == NULL);
	importmap_release(&m);
	CHECK(parse(&m, "format ucdp\nkind 1 => gunfire\n", &e) == ARM_OK &&
	      m.format == IMPORTMAP_UCDP);
	importmap_release(&m);
}

static void
test_bad(void)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
	    {"kind Battles => gunfire\n", "map.txt:1: format-first"},
	    {"", "map.txt: format-first"},
	    {"format acled\nformat ucdp\n", "map.txt:2: format-once"},
	    {"format gdelt\n", "map.txt:1: format-known"},
	    {"format acled\nkinds Battles => gunfire\n", "map.txt:2: directive"},
	    {"format acled\nkind Battles -> gunfire\n", "map.txt:2: arrow"},
	    {"format acled\nkind\n", "map.txt:2: arrow"},
	    {"format acled\nkind  => gunfire\n", "map.txt:2: source"},
	    {"format acled\nkind Battles => Gunfire\n", "map.txt:2: id"},
	    {"format acled\nkind Battles => \n", "map.txt:2: arrow"},
	    {"format acled\nkind Battles => a\nkind Battles => b\n", "map.txt:3: duplicate"},
	    {"format acled\nactor X\001 => a\n", "map.txt:2:8: control"},
	    {"format acled\nactor \xff => a\n", "map.txt:2:7: utf-8"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct importmap m;
		struct arm_err e;
		char name[64];
		int rc = parse(&m, cases[i].text, &e);
		snprintf(name, sizeof(name), "bad map %zu", i);
		case_result(name,
		            rc != ARM_OK &&
		                strncmp(e.msg, cases[i].want, strlen(cases[i].want)) == 0 &&
		                m.nrules == 0 && m.rules == NULL,
		            rc == ARM_OK ? "accepted" : e.msg);
	}
}

static void
test_limits(void)
{
	static char big[IMPORTMAP_LINE_MAX + 64];
	struct importmap m;
	struct arm_err e;

	memset(big, 'x', sizeof(big) - 1);
	memcpy(big, "format acled\nkind ", 18);
	CHECK(parse(&m, big, &e) == ARM_ELIMIT && strstr(e.msg, "line-max") != NULL);
}

static void
test_degrees(void)
{
	int64_t v;

	CHECK(importmap_deg_e7("37.956", 6, true, &v) && v == 379560000);
	CHECK(importmap_deg_e7("-126.5", 6, false, &v) && v == -1265000000);
	CHECK(importmap_deg_e7("+0.0000001", 10, true, &v) && v == 1);
	CHECK(importmap_deg_e7("90", 2, true, &v) && v == 900000000);
	CHECK(!importmap_deg_e7("90.0000001", 10, true, &v));
	CHECK(importmap_deg_e7("180", 3, false, &v));
	CHECK(!importmap_deg_e7("180.5", 5, false, &v));
	CHECK(!importmap_deg_e7("1.23456789", 10, true, &v));
	CHECK(!importmap_deg_e7("", 0, true, &v));
	CHECK(!importmap_deg_e7("1.", 2, true, &v));
	CHECK(!importmap_deg_e7(".5", 2, true, &v));
	CHECK(!importmap_deg_e7("1e1", 3, true, &v));
	CHECK(!importmap_deg_e7("1000", 4, false, &v));
	CHECK(!importmap_deg_e7(" 1", 2, true, &v));
}

int
main(void)
{
	RUN(test_good);
	test_bad();
	RUN(test_limits);
	RUN(test_degrees);
	return HARNESS_DONE();
}
