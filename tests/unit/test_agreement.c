/*
 * test_agreement.c - the agreement parser: the valid pilot agreement loads
 * with every reference resolved, and every validation rule has a refusing
 * case (a mutation of the pilot that must fail naming the rule and a
 * line:column) and an accepting twin (a nearby mutation that must load).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "harness.h"
#include "armistice/agreement.h"
#include "armistice/common.h"

#define PILOT "tests/data/agreements/pilot.yaml"

static char *pilot;
static size_t pilot_len;

/* Reads zone files beside the pilot agreement. */
static int
read_zone(void *ctx, const char *rel, struct buf *out, struct arm_err *e)
{
	char path[512];
	char *p;
	size_t n;
	int rc;

	(void)ctx;
	snprintf(path, sizeof(path), "tests/data/agreements/%s", rel);
	p = slurp(path, &n);
	if (p == NULL)
		return arm_err_set(e, ARM_ENOTFOUND, "no file \"%s\"", rel);
	rc = buf_append(out, p, n, e);
	free(p);
	return rc;
}

/* src with the first `from` replaced by `to`; NULL if from is absent. */
static char *
mutate_in(const char *src, const char *from, const char *to)
{
	const char *at = src ? strstr(src, from) : NULL;
	size_t fl = strlen(from), tl = strlen(to), sl = src ? strlen(src) : 0, n;
	char *out;

	if (at == NULL)
		return NULL;
	n = sl - fl + tl;
	out = malloc(n + 1);
	if (out == NULL)
		return NULL;
	memcpy(out, src, (size_t)(at - src));
	memcpy(out + (at - src), to, tl);
	memcpy(out + (at - src) + tl, at + fl, sl - (size_t)(at - src) - fl);
	out[n] = '\0';
	return out;
}

/* pilot with the first `from` replaced by `to`; NULL if from is absent. */
static char *
mutate(const char *from, const char *to)
{
	return mutate_in(pilot, from, to);
}

/*
 * Parses pilot with one replacement. want_rule NULL: must load. Otherwise
 * it must fail, and diags must hold "pilot.yaml:L:C: <rule>:".
 */
static void
expect(const char *name, const char *from, const char *to, const char *want_rule)
{
	struct agreement a;
	struct arm_err e = {ARM_OK, ""};
	struct buf diags = BUF_INIT(1 << 16);
	char *text = mutate(from, to);
	char pat[128], why[ARM_ERR_MAX + 256];
	int rc;

	if (text == NULL) {
		case_result(name, 0, "mutation source not found in pilot.yaml");
		return;
	}
	rc = agreement_parse(&a, (const uint8_t *)text, strlen(text), "pilot.yaml", read_zone, NULL,
	                     &diags, &e);
	if (want_rule == NULL) {
		snprintf(why, sizeof(why), "refused: %s", e.msg);
		case_result(name, rc == ARM_OK && a.ncommitments > 0, why);
	} else {
		const char *hit;
		snprintf(pat, sizeof(pat), ": %s: ", want_rule);
		hit = diags.data ? strstr((const char *)diags.data, pat) : NULL;
		snprintf(why, sizeof(why), "rc %d, diags: %.300s", rc,
		         diags.data ? (const char *)diags.data : "(none)");
		/* the rule, with a real place before it: pilot.yaml:L:C */
		case_result(name,
		            rc != ARM_OK && hit != NULL && a.ncommitments == 0 && a.yaml == NULL &&
		                strncmp((const char *)diags.data, "pilot.yaml:", 11) == 0,
		            why);
	}
	agreement_release(&a);
	buf_release(&diags);
	free(text);
}

static void
test_pilot_loads(void)
{
	struct agreement a;
	struct arm_err e = {ARM_OK, ""};
	struct buf diags = BUF_INIT(1 << 16);
	const struct agreement_commitment *c;
	size_t parties[8];
	uint8_t id[HASH_SIZE];
	bool ok[3];

	CHECKM(agreement_load(&a, PILOT, &diags, &e) == ARM_OK, e.msg);
	hash_sha256(id, pilot, pilot_len);
	CHECK(memcmp(a.id, id, HASH_SIZE) == 0);
	CHECK(a.tz_offset == 9 * 3600);
	CHECK(!a.inclusive);
	CHECK(a.nactors == 4 && a.nphases == 2 && a.nkinds == 2 && a.nzones == 2);
	CHECK(agreement_parties(&a, parties, 8) == 2 && parties[0] == 0 && parties[1] == 1);
	CHECK(a.actors[2].role == AGREEMENT_VERIFIER && a.actors[3].role == AGREEMENT_MONITOR);
	CHECK(strcmp(a.actors[0].keys[0].name, "demo-south") == 0);
	CHECK(a.log.nwitnesses == 3 && a.log.ngroups == 3 && a.log.quorum_group == 2);
	CHECK(a.log.witnesses[0].key.type == NOTE_KEY_COSIG_V1);
	ok[0] = true, ok[1] = true, ok[2] = false;
	CHECK(!agreement_quorum_met(&a, ok)); /* no neutral */
	ok[2] = true;
	CHECK(agreement_quorum_met(&a, ok));
	ok[1] = false;
	CHECK(!agreement_quorum_met(&a, ok)); /* parties group is all */
	{
		char rule[64];
		agreement_quorum_describe(&a, rule, sizeof(rule));
		CHECKM(strcmp(rule, "group both = 2 of [parties, neutrals]") == 0, rule);
		agreement_quorum_describe(&a, rule, 12); /* truncated, still a C string */
		CHECKM(strcmp(rule, "group both ") == 0, rule);
		a.log.quorum_group = AGREEMENT_NONE, a.log.quorum_n = 2;
		agreement_quorum_describe(&a, rule, sizeof(rule));
		CHECKM(strcmp(rule, "2 of the 3 witnesses") == 0, rule);
		a.log.quorum_n = 0;
		agreement_quorum_describe(&a, rule, sizeof(rule));
		CHECKM(strcmp(rule, "none") == 0, rule);
		a.log.quorum_group = 2;
	}
	CHECK(a.kinds[0].provocation && !a.kinds[1].provocation);
	CHECK(a.zones[0].file != NULL && a.zones[0].geojson != NULL);
	CHECK(a.zones[1].file == NULL && strstr(a.zones[1].geojson, "\"Point\"") != NULL);

	c = agreement_commitment(&a, "gp-north");
	CHECK(c != NULL && c->nowners == 1 && c->owners[0] == 1);
	CHECK(c != NULL && c->verify.kind == AGREEMENT_VERIFY_BY && c->verify.nby == 2 &&
	      c->verify.quorum == 2 && c->verify.method == AGREEMENT_METHOD_ON_SITE);
	CHECK(c != NULL && c->together != AGREEMENT_NONE &&
	      strcmp(a.togethers[c->together].id, "gp-pilot") == 0 &&
	      a.togethers[c->together].nmembers == 2);
	/* 2018-12-31 ends at 2019-01-01T00:00+09:00 = 2018-12-31T15:00Z */
	CHECK(c != NULL && c->due.kind == AGREEMENT_DUE_DATE && c->due.deadline == 1546268400);
	c = agreement_commitment(&a, "no-fire");
	CHECK(c != NULL && c->standing.standing && c->standing.nbreached_by == 1 &&
	      c->standing.breached_by[0] == 0 && c->standing.nzones == 1 &&
	      c->standing.zones[0] == 0);
	CHECK(c != NULL && c->verify.kind == AGREEMENT_VERIFY_NONE && c->nowners == 2);
	c = agreement_commitment(&a, "jsa-demilitarize");
	CHECK(c != NULL && c->nrequires == 2 && c->requires[0] == 0 && c->requires[1] == 1);
	CHECK(c != NULL && c->verify.kind == AGREEMENT_VERIFY_MUTUAL &&
	      c->verify.method == AGREEMENT_METHOD_TRILATERAL);
	CHECK(c != NULL && c->due.kind == AGREEMENT_DUE_AFTER && c->due.after == 1 &&
	      c->due.days == 20);
	CHECK(c != NULL && c->area != NULL && c->phase == 1);
	CHECK(agreement_is_owner(c, 0) && agreement_is_owner(c, 1) && !agreement_is_owner(c, 2));
	/* topological order: each commitment after what it requires */
	CHECK(a.topo != NULL);
	if (a.topo != NULL) {
		size_t pos[8], i;
		for (i = 0; i < a.ncommitments; i++)
			pos[a.topo[i]] = i;
		CHECK(pos[3] > pos[0] && pos[3] > pos[1] && pos[4] > pos[3]);
	}
	CHECK(agreement_actor_index(&a, "nnsc") == 2);
	CHECK(agreement_actor_index(&a, "nobody") == AGREEMENT_NONE);
	CHECK(agreement_kind_index(&a, "mine-accident") == 1);
	CHECK(agreement_zone_index(&a, "panmunjom") == 1);
	CHECK(agreement_phase_index(&a, "p2") == 1);
	CHECK(diags.len == 0);
	agreement_release(&a);
	agreement_release(&a); /* twice is harmless */
	buf_release(&diags);
}

static void
test_day_counting(void)
{
	struct agreement a;
	int32_t y, m, d, off;

	agreement_init(&a);
	a.tz_offset = 9 * 3600;
	/* 2017-11-29 03:17 KST launch (2017-11-28T18:17Z) and 2018-07-21 KST */
	CHECK(agreement_day(&a, 1511893020) == agreement_days_from_civil(2017, 11, 29));
	CHECK(agreement_days_from_civil(2018, 7, 21) - agreement_days_from_civil(2017, 11, 29) ==
	      234);
	CHECK(agreement_days_from_civil(1970, 1, 1) == 0);
	CHECK(agreement_day(&a, -1 - 9 * 3600) == -1);
	CHECK(agreement_date_parse("2020-02-29", 10, &y, &m, &d) == 0 && d == 29);
	CHECK(agreement_date_parse("2019-02-29", 10, &y, &m, &d) != 0);
	CHECK(agreement_date_parse("2019-13-01", 10, &y, &m, &d) != 0);
	CHECK(agreement_date_parse("2019-1-01", 9, &y, &m, &d) != 0);
	CHECK(agreement_offset_parse("-05:30", 6, &off) == 0 && off == -(5 * 3600 + 1800));
	CHECK(agreement_offset_parse("+9:00", 5, &off) != 0);
	CHECK(agreement_offset_parse("Z", 1, &off) == 0 && off == 0);
	CHECK(agreement_method_name(AGREEMENT_METHOD_ON_SITE)[0] == 'o');
	{
		enum agreement_method mm;
		CHECK(agreement_method_parse("investigation", &mm) == 0 &&
		      mm == AGREEMENT_METHOD_INVESTIGATION);
		CHECK(agreement_method_parse("none", &mm) != 0);
		CHECK(agreement_method_parse("On-site", &mm) != 0);
	}
}

/* Every rule: refused where it applies, accepted just beside it. */
static void
test_rules(void)
{
	/* yaml-syntax */
	expect("yaml-syntax refused", "  - {id: p1, name: Confidence building}",
	       "  - {id: p1, name: Confidence building", "yaml-syntax");
	expect("yaml-syntax twin", "name: Confidence building}", "name: \"Confidence building\"}",
	       NULL);
	/* duplicate mapping key is a YAML error too */
	expect("duplicate yaml key refused", "name: gp-pilot\n", "name: gp-pilot\nname: other\n",
	       "yaml-syntax");
	/* yaml-alias / yaml-tag */
	expect("yaml-alias refused", "phase: p2\n    category: humanitarian",
	       "phase: &ph p2\n    category: humanitarian", "yaml-alias");
	expect("yaml-tag refused", "title: Guard-post", "title: !!str Guard-post", "yaml-tag");
	/* agreement-bytes: no tabs or CR (signed-note text) */
	expect("agreement-bytes tab refused", "# A small", "#\tA small", "agreement-bytes");
	expect("agreement-bytes CR refused", "name: gp-pilot\n", "name: gp-pilot\r\n",
	       "agreement-bytes");
	expect("agreement-bytes twin (spaces)", "# A small", "#  A small", NULL);
	/* wrong-type */
	expect("wrong-type refused", "counting: {inclusive: false}", "counting: [false]",
	       "wrong-type");
	expect("wrong-type twin", "counting: {inclusive: false}", "counting: {inclusive: true}",
	       NULL);
	/* unknown-key */
	expect("unknown-key refused", "    requires: [gp-south, gp-north]",
	       "    requries: [gp-south, gp-north]", "unknown-key");
	/* missing-key */
	expect("unknown-key twin (known key)", "    category: humanitarian\n",
	       "    category: humanitarian\n    area: {type: Point, coordinates: [126.6, 37.9]}\n",
	       NULL);
	expect("missing-key text refused",
	       "    text: Return the remains of soldiers missing from the war.\n", "",
	       "missing-key");
	expect("missing-key version refused", "armistice: agreement/v1\n", "", "missing-key");
	/* bad-value */
	expect("bad-value role refused", "role: monitor", "role: observer", "bad-value");
	expect("bad-value version refused", "agreement/v1", "agreement/v2", "bad-value");
	expect("bad-value method refused", "method: trilateral", "method: trilateralish",
	       "bad-value");
	expect("bad-value method twin", "method: trilateral", "method: investigation", NULL);
	expect("bad-value provocation refused", "provocation: true", "provocation: yes",
	       "bad-value");
	/* bad-id */
	expect("bad-id refused", "id: remains", "id: Remains", "bad-id");
	expect("bad-id twin", "id: remains\n", "id: remains-2\n", NULL);
	/* duplicate-id */
	expect("duplicate-id refused", "id: remains", "id: gp-south", "duplicate-id");
	expect("duplicate-id phase refused", "{id: p2, name", "{id: p1, name", "duplicate-id");
	/* duplicate-key: one key, one actor */
	{
		char *k = NULL;
		const char *at = strstr(pilot, "keys: [demo-north+");
		if (at != NULL) {
			const char *end = strchr(at, ']');
			k = malloc((size_t)(end - at) + 2);
			if (k != NULL) {
				memcpy(k, at, (size_t)(end - at) + 1);
				k[end - at + 1] = '\0';
			}
		}
		CHECK(k != NULL);
		if (k != NULL) {
			char *from = strstr(pilot, "keys: [demo-nnsc+");
			if (from != NULL) {
				char src[256];
				const char *end = strchr(from, ']');
				snprintf(src, sizeof(src), "%.*s", (int)(end - from + 1), from);
				expect("duplicate-key refused", src, k, "duplicate-key");
			}
			free(k);
		}
	}
	/* unknown-id */
	expect("unknown-id requires refused", "requires: [gp-south, gp-north]",
	       "requires: [gp-south, gp-nort]", "unknown-id");
	expect("unknown-id verify by refused", "by: [north, nnsc]", "by: [north, iaea]",
	       "unknown-id");
	expect("unknown-id phase refused", "phase: p2\n    category: military",
	       "phase: p3\n    category: military", "unknown-id");
	expect("unknown-id breached_by refused", "breached_by: [gunfire]",
	       "breached_by: [shelling]", "unknown-id");
	expect("unknown-id zone refused", "zones: [jsa]", "zones: [nll]", "unknown-id");
	expect("unknown-id quorum group refused", "quorum: both", "quorum: everyone", "unknown-id");
	expect("forward requires twin", "    standing: {breached_by",
	       "    requires: [remains]\n    standing: {breached_by", NULL);
	/*
	 * Any actor may own a commitment (a mission's own tasks); owner-not-party
	 * is gone, and an owner must still be an actor.
	 */
	expect("a verifier owns a mission task", "owner: north\n    phase: p2",
	       "owner: nnsc\n    phase: p2", NULL);
	expect("an owner that is no actor refused", "owner: north\n    phase: p2",
	       "owner: unc\n    phase: p2", "unknown-id");
	/* requires-cycle */
	expect("requires-cycle refused", "    together: gp-pilot\n    verify: {by: [north, nnsc]",
	       "    together: gp-pilot\n    requires: [remains]\n    verify: {by: [north, nnsc]",
	       "requires-cycle");
	expect("requires-cycle self refused", "requires: [jsa-demilitarize]", "requires: [remains]",
	       "requires-cycle");
	/* together-single / together-requires */
	expect("together-single refused", "    together: gp-pilot\n    verify: {by: [south",
	       "    together: gp-pilot-2\n    verify: {by: [south", "together-single");
	expect("together-requires refused", "    together: gp-pilot\n    verify: {by: [south",
	       "    together: gp-pilot\n    requires: [gp-south]\n    verify: {by: [south",
	       "together-requires");
	expect("together-requires twin (other requirement)",
	       "    together: gp-pilot\n    verify: {by: [south",
	       "    together: gp-pilot\n    requires: [no-fire]\n    verify: {by: [south", NULL);
	/* quorum-too-large / quorum-zero */
	expect("quorum-too-large refused", "by: [north, nnsc], quorum: 2",
	       "by: [north, nnsc], quorum: 3", "quorum-too-large");
	expect("quorum-too-large twin", "by: [north, nnsc], quorum: 2",
	       "by: [north, nnsc], quorum: 1", NULL);
	expect("quorum-zero refused", "by: [north, nnsc], quorum: 2",
	       "by: [north, nnsc], quorum: 0", "quorum-zero");
	expect("group threshold too large refused", "threshold: any", "threshold: 2",
	       "quorum-too-large");
	expect("log quorum too large refused", "quorum: both", "quorum: 4", "quorum-too-large");
	expect("log quorum number twin", "quorum: both", "quorum: 3", NULL);
	expect("log quorum none twin", "quorum: both", "quorum: none", NULL);
	/* group-order (tlog-policy: define before use) */
	expect("group-order refused", "members: [parties, neutrals]}",
	       "members: [parties, later]}\n    - {id: later, threshold: any, members: [w-nnsc]}",
	       "group-order");
	/* verify-missing */
	expect("verify-missing refused", "    verify: none\n", "", "verify-missing");
	/* mutual-needs-owners */
	expect("mutual-needs-owners refused",
	       "verify: {by: [south, nnsc], quorum: 2, method: on-site}",
	       "verify: {mutual: true, method: on-site}", "mutual-needs-owners");
	/* key-invalid / key-type */
	expect("key-invalid refused", "keys: [demo-press+", "keys: [demo-press+00000000",
	       "key-invalid");
	expect("key-type refused", "key: demo-log+",
	       "key: demo-w-south+0f2db5b9+BAZMH0Zs3rOasfxYAjdYQ8WDb/Z5S/4OqyJQapqTbXrF\n  old: "
	       "demo-log+",
	       "unknown-key");
	{
		/* a cosigner key where an Ed25519 note key belongs */
		const char *at = strstr(pilot, "keys: [demo-press+");
		if (at != NULL) {
			char src[256];
			snprintf(src, sizeof(src), "%.*s", (int)(strchr(at, ']') - at + 1), at);
			expect(
			    "key-type refused", src,
			    "keys: "
			    "[demo-w-south+0f2db5b9+BAZMH0Zs3rOasfxYAjdYQ8WDb/Z5S/4OqyJQapqTbXrF]",
			    "key-type");
		}
	}
	/* date-invalid */
	expect("date-invalid refused", "due: 2018-12-31", "due: 2018-02-30", "date-invalid");
	expect("date-invalid twin", "due: 2018-12-31", "due: 2020-02-29", NULL);
	expect("date-invalid format refused", "due: 2018-12-31", "due: 31/12/2018", "date-invalid");
	/* timezone-invalid */
	expect("timezone-invalid refused", "timezone: \"+09:00\"", "timezone: Asia/Seoul",
	       "timezone-invalid");
	expect("timezone twin", "timezone: \"+09:00\"", "timezone: \"Z\"", NULL);
	/* zone-file-path / zone-file / zone-digest / zone-geojson */
	expect("zone-file-path refused", "file: zones/jsa-buffer.geojson", "file: ../pilot.yaml",
	       "zone-file-path");
	expect("zone-file-path absolute refused", "file: zones/jsa-buffer.geojson",
	       "file: /etc/passwd", "zone-file-path");
	expect("zone-file refused", "file: zones/jsa-buffer.geojson", "file: zones/missing.geojson",
	       "zone-file");
	expect("zone-digest refused", "file: zones/jsa-buffer.geojson}",
	       "file: zones/jsa-buffer.geojson, sha256: "
	       "0000000000000000000000000000000000000000000000000000000000000000}",
	       "zone-digest");
	expect("zone-geojson refused", "geometry: {type: Point,", "geometry: {type: Pointy,",
	       "zone-geojson");
	expect("zone-geojson file refused", "file: zones/jsa-buffer.geojson", "file: pilot.yaml",
	       "zone-geojson");
	/* limit */
	expect("limit keys refused", "keys: [demo-press+",
	       "keys: [a+1+2, b+1+2, c+1+2, d+1+2, e+1+2, f+1+2, g+1+2, h+1+2, demo-press+",
	       "limit");
	/* no-party */
	expect("an owner made a verifier still owns", "    role: party\n    keys: [demo-south+",
	       "    role: verifier\n    keys: [demo-south+", NULL);
	/* arbiter and findings (docs/rules.md "Who decides") */
	expect("arbiter one actor", "commitments:\n", "arbiter: nnsc\ncommitments:\n", NULL);
	expect("arbiter 2 of 3", "commitments:\n",
	       "arbiter: {by: [nnsc, south, north], quorum: 2}\ncommitments:\n", NULL);
	expect("arbiter quorum-too-large refused", "commitments:\n",
	       "arbiter: {by: [nnsc, south], quorum: 3}\ncommitments:\n", "quorum-too-large");
	expect("arbiter quorum-zero refused", "commitments:\n",
	       "arbiter: {by: [nnsc], quorum: 0}\ncommitments:\n", "quorum-zero");
	expect("arbiter unknown-id refused", "commitments:\n", "arbiter: unc\ncommitments:\n",
	       "unknown-id");
	expect("arbiter duplicate-id refused", "commitments:\n",
	       "arbiter: {by: [nnsc, nnsc]}\ncommitments:\n", "duplicate-id");
	expect("findings by", "commitments:\n", "findings: {by: [nnsc, press]}\ncommitments:\n",
	       NULL);
	expect("findings by nobody refused", "commitments:\n", "findings: {by: []}\ncommitments:\n",
	       "missing-key");
	expect("findings unknown key refused", "commitments:\n",
	       "findings: {by: [nnsc], who: [press]}\ncommitments:\n", "unknown-key");
	{
		/* every actor a verifier: no party at all */
		char *save = pilot, *t1, *t2;
		size_t slen = pilot_len;
		t1 = mutate("    role: party\n    keys: [demo-south+",
		            "    role: verifier\n    keys: [demo-south+");
		if (t1 != NULL) {
			pilot = t1;
			pilot_len = strlen(t1);
			t2 = mutate("    role: party\n    keys: [demo-north+",
			            "    role: monitor\n    keys: [demo-north+");
			pilot = save;
			pilot_len = slen;
			if (t2 != NULL) {
				struct agreement a;
				struct arm_err e = {ARM_OK, ""};
				struct buf d = BUF_INIT(1 << 16);
				int rc = agreement_parse(&a, (const uint8_t *)t2, strlen(t2),
				                         "pilot.yaml", read_zone, NULL, &d, &e);
				case_result("no-party refused (no party at all)",
				            rc != ARM_OK && d.data != NULL &&
				                strstr((const char *)d.data, ": no-party: ") !=
				                    NULL,
				            d.data ? (const char *)d.data : e.msg);
				buf_release(&d);
				free(t2);
			}
			free(t1);
		}
	}
	/* twins: the pilot itself holds the accepted form of these rules */
	expect("yaml-alias/yaml-tag twin (plain scalars)", "phase: p2\n    category: humanitarian",
	       "phase: \"p2\"\n    category: humanitarian", NULL);
	expect("duplicate-id twin (distinct ids)", "id: remains", "id: remains-returned", NULL);
	expect("requires-cycle twin (chain)", "requires: [jsa-demilitarize]",
	       "requires: [jsa-demilitarize, gp-south]", NULL);
	expect("together-single twin (three members)", "    text: Cease all hostile acts",
	       "    together: gp-pilot\n    verify: none\n    text: Cease all hostile acts", NULL);
	expect("quorum-zero twin (quorum 1)", "by: [north, nnsc], quorum: 2",
	       "by: [north, nnsc], quorum: 1", NULL);
	expect("verify-missing twin (standing needs none)",
	       "    standing: {breached_by: [gunfire], zones: [jsa]}",
	       "    standing: {breached_by: [gunfire]}", NULL);
	expect("mutual-needs-owners twin (two owners)",
	       "verify: {mutual: true, method: trilateral}", "verify: {mutual: true}", NULL);
	expect("key-type twin (Ed25519 key)", "keys: [demo-press+",
	       "keys: [demo-stranger+6a609831+AXS388sQDKTjl5EMV2bU3Ztr2bUrKDT1dys1hl4emN+7, "
	       "demo-press+",
	       NULL);
	expect("zone-file-path dot component refused", "file: zones/jsa-buffer.geojson",
	       "file: ./zones/jsa-buffer.geojson", "zone-file-path");
	expect("zone-geojson twin (Polygon inline)",
	       "geometry: {type: Point, coordinates: [126.677, 37.956]}",
	       "geometry: {type: Polygon, coordinates: [[[126.6, 37.9], [126.7, 37.9], [126.7, "
	       "38.0], [126.6, 37.9]]]}",
	       NULL);
	expect("group-order twin (earlier group)", "members: [parties, neutrals]}",
	       "members: [neutrals, parties]}", NULL);
	expect("limit twin (two keys)", "keys: [demo-press+",
	       "keys: [demo-stranger+6a609831+AXS388sQDKTjl5EMV2bU3Ztr2bUrKDT1dys1hl4emN+7, "
	       "demo-press+",
	       NULL);
	expect("duplicate-key twin (distinct keys)", "keys: [demo-nnsc+",
	       "keys: [demo-stranger+6a609831+AXS388sQDKTjl5EMV2bU3Ztr2bUrKDT1dys1hl4emN+7, "
	       "demo-nnsc+",
	       NULL);
	expect("agreement-bytes twin (UTF-8 text)", "title: Guard-post pilot withdrawal (demo)",
	       "title: \"Guard-post pilot withdrawal \u2014 \uc548\ub155 (demo)\"", NULL);
}

/* Parses pilot with one replacement; the struct stays loaded (caller releases). */
static int
load_mutated(struct agreement *a, const char *from, const char *to)
{
	struct arm_err e;
	char *text = mutate(from, to);
	int rc;

	if (text == NULL)
		return -1;
	rc = agreement_parse(a, (const uint8_t *)text, strlen(text), "pilot.yaml", read_zone, NULL,
	                     NULL, &e);
	free(text);
	return rc;
}

static int64_t
utc(int y, int m, int d, int hh, int mi, int ss)
{
	return agreement_days_from_civil(y, m, d) * 86400 + hh * 3600 + mi * 60 + ss;
}

/*
 * Schedules (docs/rules.md "Schedules"): the effective moment, D+N met by
 * the end of day N in the agreement's zone (D-day is day 0), D+Nh to the
 * second, relative deadlines the same; every spelling refused at its place.
 */
static void
test_schedules(void)
{
	struct agreement a;
	const struct agreement_commitment *cm;
	char rule[96];
	size_t gs;

	/* effective 2018-09-19 (KST): D+90 is met by the end of 18 December 2018 KST */
	CHECK(load_mutated(&a, "counting: {inclusive: false}\n",
	                   "counting: {inclusive: false}\neffective: \"2018-09-19\"\n") == ARM_OK);
	CHECK(a.has_effective && a.effective == utc(2018, 9, 18, 15, 0, 0));
	agreement_release(&a);
	CHECK(load_mutated(&a, "    due: 2018-12-31\n  - id: gp-north",
	                   "    due: D+90\n  - id: gp-north") != ARM_OK); /* no effective: */
	{
		char *t1 = mutate("counting: {inclusive: false}\n",
		                  "counting: {inclusive: false}\neffective: \"2018-09-19\"\n");
		char *t2 = mutate_in(t1, "    due: 2018-12-31\n  - id: gp-north",
		                     "    due: D+90\n  - id: gp-north");
		struct arm_err e;
		CHECK(t2 != NULL);
		if (t2 != NULL) {
			CHECK(agreement_parse(&a, (const uint8_t *)t2, strlen(t2), "pilot.yaml",
			                      read_zone, NULL, NULL, &e) == ARM_OK);
			gs = agreement_commitment_index(&a, "gp-south");
			cm = &a.commitments[gs];
			CHECK(cm->due.kind == AGREEMENT_DUE_DDAY && cm->due.days == 90);
			/* day 90 is 2018-12-18; it ends at 2018-12-18T24:00+09:00 = 15:00Z */
			CHECK(cm->due.deadline == utc(2018, 12, 18, 15, 0, 0));
			CHECK(agreement_due_deadline(&a, &cm->due, INT64_MIN) ==
			      utc(2018, 12, 18, 15, 0, 0));
			agreement_due_describe(&a, &cm->due, rule, sizeof(rule));
			CHECKM(strcmp(rule, "D+90") == 0, rule);
			agreement_release(&a);
		}
		free(t1);
		free(t2);
	}
	/* the 1953 armistice: effective 22:00 KST, 12 hours after signing; D+72h to the second */
	{
		static const char eff[] =
		    "counting: {inclusive: false}\neffective: \"1953-07-27T22:00:00+09:00\"\n";
		char *t1 = mutate("counting: {inclusive: false}\n", eff);
		char *t2 = mutate_in(t1, "    due: 2018-12-31\n  - id: gp-north",
		                     "    due: D+72h\n  - id: gp-north");
		struct arm_err e;
		CHECK(t2 != NULL);
		if (t2 != NULL) {
			CHECK(agreement_parse(&a, (const uint8_t *)t2, strlen(t2), "pilot.yaml",
			                      read_zone, NULL, NULL, &e) == ARM_OK);
			CHECK(a.effective == utc(1953, 7, 27, 13, 0, 0));
			cm = &a.commitments[agreement_commitment_index(&a, "gp-south")];
			CHECK(cm->due.deadline ==
			      utc(1953, 7, 30, 13, 0, 0)); /* 30 July 22:00 KST */
			agreement_due_describe(&a, &cm->due, rule, sizeof(rule));
			CHECKM(strcmp(rule, "D+72h") == 0, rule);
			agreement_release(&a);
		}
		free(t1);
		free(t2);
	}
	/* relative: 20 days after gp-north, met by the end of day 20 */
	CHECK(load_mutated(&a, "x-never-there", "") == -1);
	CHECK(load_mutated(&a, "due: {after: gp-north, days: 20}",
	                   "due: {after: gp-north, days: 20}") == ARM_OK);
	cm = &a.commitments[agreement_commitment_index(&a, "jsa-demilitarize")];
	/* gp-north took effect 2018-12-12 17:00 KST: day 20 is 1 January 2019, ends 15:00Z */
	CHECK(agreement_due_deadline(&a, &cm->due, utc(2018, 12, 12, 8, 0, 0)) ==
	      utc(2019, 1, 1, 15, 0, 0));
	/* took effect at 00:00 KST: still the end of day 20, not its first second */
	CHECK(agreement_due_deadline(&a, &cm->due, utc(2018, 12, 11, 15, 0, 0)) ==
	      utc(2019, 1, 1, 15, 0, 0));
	CHECK(agreement_due_deadline(&a, &cm->due, INT64_MIN) == INT64_MIN);
	agreement_due_describe(&a, &cm->due, rule, sizeof(rule));
	CHECKM(strcmp(rule, "20 days after gp-north") == 0, rule);
	agreement_release(&a);
	CHECK(load_mutated(&a, "due: {after: gp-north, days: 20}",
	                   "due: {after: gp-north, hours: 72}") == ARM_OK);
	cm = &a.commitments[agreement_commitment_index(&a, "jsa-demilitarize")];
	CHECK(agreement_due_deadline(&a, &cm->due, utc(2018, 12, 12, 8, 0, 0)) ==
	      utc(2018, 12, 15, 8, 0, 0));
	agreement_release(&a);

	/* refusals, each at its place with its rule */
	expect("effective-invalid refused", "counting: {inclusive: false}\n",
	       "counting: {inclusive: false}\neffective: \"2018-09-31\"\n", "effective-invalid");
	expect("effective-invalid (no offset) refused", "counting: {inclusive: false}\n",
	       "counting: {inclusive: false}\neffective: \"1953-07-27T22:00:00\"\n",
	       "effective-invalid");
	expect("effective twin (a time with its offset)", "counting: {inclusive: false}\n",
	       "counting: {inclusive: false}\neffective: \"1953-07-27T22:00:00+09:00\"\n", NULL);
	expect("due-dday without effective refused", "    due: 2018-12-31\n  - id: gp-north",
	       "    due: D+90\n  - id: gp-north", "due-dday");
	expect("due-dday malformed refused", "    due: 2018-12-31\n  - id: gp-north",
	       "    due: D+9x\n  - id: gp-north", "due-dday");
	expect("due-dday too far refused", "    due: 2018-12-31\n  - id: gp-north",
	       "    due: D+99999\n  - id: gp-north", "due-dday");
	expect("due-after-unit both refused", "due: {after: gp-north, days: 20}",
	       "due: {after: gp-north, days: 20, hours: 3}", "due-after-unit");
	expect("due-after-unit neither refused", "due: {after: gp-north, days: 20}",
	       "due: {after: gp-north}", "due-after-unit");
	expect("due-after-unit twin (hours)", "due: {after: gp-north, days: 20}",
	       "due: {after: gp-north, hours: 72}", NULL);
}

/* the digest pinned in the YAML matches the file: loads */
static void
test_zone_digest_pinned(void)
{
	uint8_t d[HASH_SIZE];
	char hex[2 * HASH_SIZE + 1], to[256];
	size_t n;
	char *z = slurp("tests/data/agreements/zones/jsa-buffer.geojson", &n);

	CHECK(z != NULL);
	if (z == NULL)
		return;
	hash_sha256(d, z, n);
	hash_hex(hex, d);
	snprintf(to, sizeof(to), "file: zones/jsa-buffer.geojson, sha256: %s}", hex);
	expect("zone-digest twin (correct digest)", "file: zones/jsa-buffer.geojson}", to, NULL);
	free(z);
}

/* All problems are reported at once, each on its own line. */
static void
test_all_problems(void)
{
	struct agreement a;
	struct arm_err e = {ARM_OK, ""};
	struct buf diags = BUF_INIT(1 << 16);
	char *t1 = mutate("role: monitor", "role: observer");
	char *t2 = NULL;
	size_t lines = 0, i;

	CHECK(t1 != NULL);
	if (t1 == NULL)
		return;
	{
		char *save = pilot;
		size_t slen = pilot_len;
		pilot = t1;
		pilot_len = strlen(t1);
		t2 = mutate("due: 2018-12-31", "due: 2018-12-32");
		pilot = save;
		pilot_len = slen;
	}
	CHECK(t2 != NULL);
	if (t2 != NULL) {
		CHECK(agreement_parse(&a, (const uint8_t *)t2, strlen(t2), "x.yaml", read_zone,
		                      NULL, &diags, &e) != ARM_OK);
		for (i = 0; i < diags.len; i++)
			lines += diags.data[i] == '\n';
		CHECKM(lines == 2, (const char *)diags.data);
		CHECK(strstr(e.msg, "2 problems") != NULL);
		CHECK(strstr((const char *)diags.data, "x.yaml:35:11: bad-value:") != NULL);
		CHECK(strstr((const char *)diags.data, ": date-invalid:") != NULL);
	}
	free(t1);
	free(t2);
	buf_release(&diags);
}

/* JSON is YAML too: a generated agreement loads the same way. */
static void
test_json(void)
{
	struct agreement a;
	struct arm_err e = {ARM_OK, ""};

	CHECKM(agreement_load(&a, "tests/data/agreements/min.json", NULL, &e) == ARM_OK, e.msg);
	CHECK(a.ncommitments == 1 && a.nactors == 1 && a.tz_offset == 9 * 3600);
	CHECK(a.log.quorum_n == 0 && a.log.quorum_group == AGREEMENT_NONE);
	CHECK(a.commitments[0].verify.kind == AGREEMENT_VERIFY_NONE);
	agreement_release(&a);
	CHECK(agreement_load(&a, "tests/data/agreements/no-such.json", NULL, &e) == ARM_ENOTFOUND);
}

static void
test_limits(void)
{
	struct agreement a;
	struct arm_err e = {ARM_OK, ""};
	size_t n = AGREEMENT_MAX_SIZE + 1;
	char *big = malloc(n);

	CHECK(big != NULL);
	if (big == NULL)
		return;
	memset(big, '#', n);
	big[n - 1] = '\n';
	CHECK(agreement_parse(&a, (const uint8_t *)big, n, "big.yaml", NULL, NULL, NULL, &e) ==
	      ARM_ELIMIT);
	CHECK(agreement_parse(&a, (const uint8_t *)"", 0, "empty.yaml", NULL, NULL, NULL, &e) ==
	      ARM_ESYNTAX);
	/* no reader: file zones cannot load */
	CHECK(agreement_parse(&a, (const uint8_t *)pilot, pilot_len, "p.yaml", NULL, NULL, NULL,
	                      &e) != ARM_OK);
	CHECK(strstr(e.msg, "zone-file") != NULL);
	/* deep nesting is bounded */
	{
		size_t depth = 5000, i, k = 0;
		char *deep = malloc(depth * 2 + 64);
		if (deep != NULL) {
			k += (size_t)snprintf(deep, 64, "armistice: ");
			for (i = 0; i < depth; i++)
				deep[k++] = '[';
			for (i = 0; i < depth; i++)
				deep[k++] = ']';
			deep[k++] = '\n';
			CHECK(agreement_parse(&a, (const uint8_t *)deep, k, "deep.yaml", NULL, NULL,
			                      NULL, &e) != ARM_OK);
			free(deep);
		}
	}
	free(big);
}

/*
 * A hostile agreement reached libfyaml 0.7.12's own error formatting
 * (fy_diag_error_atom_display) and crashed it: an unclosed single-quoted
 * scalar spanning lines (the GeoJSON crash inputs of fuzz_geo, as YAML).
 * Errors are now collected and the message built here: one yaml-syntax
 * problem with its place. Twin: the same bytes with the quote closed
 * parse as YAML (and are refused by the agreement's rules instead).
 */
static void
test_libfyaml_error_display(void)
{
	static const char *const files[] = {
	    "fuzz/regress/agreement/libfyaml-error-excerpt-flow-scalar.yaml",
	    "fuzz/regress/agreement/libfyaml-single-quote-error-display.yaml",
	};
	static const char twin[] = "armistice: agreement/v1\nname: 'a\n  b'\n";
	static const char open_q[] = "armistice: agreement/v1\nname: 'a\n  b\n";
	struct agreement a;
	struct arm_err e = {ARM_OK, ""};
	size_t i, n;

	for (i = 0; i < ARM_ARRAY_LEN(files); i++) {
		char *y = slurp(files[i], &n);

		CHECKM(y != NULL, files[i]);
		if (y == NULL)
			continue;
		CHECK(agreement_parse(&a, (const uint8_t *)y, n, "h.yaml", NULL, NULL, NULL, &e) ==
		      ARM_ESYNTAX);
		CHECKM(
		    strstr(e.msg, "h.yaml:1:") != NULL &&
		        strstr(e.msg, "yaml-syntax: single-quoted scalar without closing quote") !=
		            NULL,
		    e.msg);
		free(y);
	}
	CHECK(agreement_parse(&a, (const uint8_t *)open_q, strlen(open_q), "o.yaml", NULL, NULL,
	                      NULL, &e) == ARM_ESYNTAX);
	CHECKM(strstr(e.msg, "o.yaml:3:") != NULL || strstr(e.msg, "o.yaml:2:") != NULL, e.msg);
	CHECK(agreement_parse(&a, (const uint8_t *)twin, strlen(twin), "t.yaml", NULL, NULL, NULL,
	                      &e) != ARM_OK);
	CHECKM(strstr(e.msg, "yaml-syntax") == NULL, e.msg);
}

/* Language tags (agreement_text.c) and the lookup with fallback. */
static void
test_lang(void)
{
	static const char *const good[] = {"en",    "ko",     "haw",        "zh-Hant",
	                                   "en-GB", "es-419", "sr-Latn-RS", "de-CH-1901"};
	static const char *const bad[] = {"",    "e",     "EN",     "Ko",    "english",
	                                  "en-", "-en",   "en--GB", "en_GB", "ko-abcdefghi",
	                                  "k1",  "en GB", "en-G!"};
	struct agreement_text v[2] = {{"en", (char *)"Demilitarized Zone"},
	                              {"ko", (char *)"비무장지대"}};
	struct agreement_texts t = {v, 2}, none = {NULL, 0};
	char longtag[64];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECKM(agreement_lang_valid(good[i], strlen(good[i])), good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECKM(!agreement_lang_valid(bad[i], strlen(bad[i])), bad[i]);
	/* 36 bytes of valid subtags: over RFC 5646's 35 */
	snprintf(longtag, sizeof(longtag), "en-%s-%s-%s-%s", "aaaaaaaa", "bbbbbbbb", "cccccccc",
	         "dddddd");
	CHECK(strlen(longtag) == 36 && !agreement_lang_valid(longtag, strlen(longtag)));
	longtag[35] = '\0';
	CHECK(agreement_lang_valid(longtag, 35));
	CHECK(strcmp(agreement_text_in(&t, "x", "ko"), "비무장지대") == 0);
	CHECK(strcmp(agreement_text_in(&t, "x", "KO"), "비무장지대") == 0);
	CHECK(strcmp(agreement_text_in(&t, "x", "ja"), "x") == 0);
	CHECK(strcmp(agreement_text_in(&none, "x", "ko"), "x") == 0);
	CHECK(strcmp(agreement_text_in(&t, "x", NULL), "x") == 0);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	pilot = slurp(PILOT, &pilot_len);
	if (pilot == NULL) {
		printf("not ok - cannot read %s\n", PILOT);
		return 1;
	}
	RUN(test_pilot_loads);
	RUN(test_lang);
	RUN(test_day_counting);
	test_rules();
	RUN(test_schedules);
	RUN(test_zone_digest_pinned);
	RUN(test_all_problems);
	RUN(test_json);
	RUN(test_limits);
	RUN(test_libfyaml_error_display);
	free(pilot);
	return HARNESS_DONE();
}
