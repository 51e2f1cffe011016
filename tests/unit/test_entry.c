/*
 * test_entry.c - canonical entries: every kind round-trips byte for byte
 * (format(parse(b)) == b), every refusal names its rule and line, and
 * entry_open / entry_open_agreement accept what the right keys signed and
 * refuse each tampered twin.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "harness.h"
#include "armistice/agreement.h"
#include "armistice/entry.h"
#include "armistice/note.h"
#include "armistice/common.h"

#define PILOT "tests/data/agreements/pilot.yaml"

static struct agreement pilot;
static char pilot_hex[2 * HASH_SIZE + 1];

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

static int
load_signer(const char *name, struct note_signer *s)
{
	char path[256];
	size_t n;
	char *k;
	struct arm_err e;
	int rc;

	snprintf(path, sizeof(path), "tests/data/keys/%s.key", name);
	k = slurp(path, &n);
	if (k == NULL)
		return -1;
	while (n > 0 && k[n - 1] == '\n')
		n--;
	rc = note_signer_parse(s, k, n, &e);
	sodium_memzero(k, n);
	free(k);
	return rc;
}

/* text with "AGR" replaced by the pilot's id */
static char *
with_id(const char *text)
{
	const char *at = strstr(text, "AGR");
	size_t n = strlen(text);
	char *out = malloc(n + 2 * HASH_SIZE + 1);

	if (out == NULL)
		return NULL;
	if (at == NULL) {
		memcpy(out, text, n + 1);
		return out;
	}
	memcpy(out, text, (size_t)(at - text));
	memcpy(out + (at - text), pilot_hex, 2 * HASH_SIZE);
	memcpy(out + (at - text) + 2 * HASH_SIZE, at + 3, n - (size_t)(at - text) - 3 + 1);
	return out;
}

#define HEAD "armistice/entry/v1\n"

/* Canonical entries of every kind but agreement/amend (tested below). */
static const char *const good[] = {
    HEAD "kind: claim\nagreement: AGR\nauthor: north\nseq: 1\ntime: 2018-11-20T10:00:00+09:00\n"
         "commitment: gp-north\nevidence: sha256:"
         "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae "
         "https://example.org/gp-11.jpg\ntext: Ten posts destroyed, one kept as a memorial.\n",
    HEAD "kind: attest\nagreement: AGR\nauthor: south\nseq: 7\ntime: 2018-12-12T16:30:00+09:00\n"
         "commitment: gp-north\nverdict: verified\nmethod: on-site\n",
    HEAD "kind: attest\nagreement: AGR\nauthor: nnsc\nseq: 1\ntime: 2018-12-12T07:30:00Z\n"
         "commitment: gp-north\nverdict: refuted\nmethod: imagery\nreason: post 3 still stands\n"
         "reason: trench visible\n",
    HEAD "kind: incident\nagreement: AGR\nauthor: south\nseq: 2\ntime: 2019-01-02T08:00:00+09:00\n"
         "type: gunfire\noccurred: 2019-01-01T23:10:00+09:00\nlat: 37.9560123\nlon: 126.677\n"
         "actor: north\ntext: Four rounds across the line near post 12.\n",
    HEAD "kind: incident\nagreement: AGR\nauthor: press\nseq: 1\ntime: 2019-01-02T08:00:00-05:00\n"
         "type: mine-accident\noccurred: 2019-01-01T00:00:00Z\nlat: -0.5\nlon: -180\n"
         "text: Reported by the pool.\n",
    HEAD "kind: incident\nagreement: AGR\nauthor: press\nseq: 2\ntime: 2019-01-02T08:00:00Z\n"
         "type: gunfire\noccurred: 2019-01-01T00:00:00Z\ntext: Position not known.\n",
    HEAD "kind: finding\nagreement: AGR\nauthor: nnsc\nseq: 2\ntime: 2019-01-05T12:00:00+09:00\n"
         "incident: south/2\nverdict: confirmed\nmethod: investigation\nactor: north\n"
         "reason: shell casings recovered\n",
    HEAD "kind: progress\nagreement: AGR\nauthor: south\nseq: 3\ntime: 2019-02-01T09:00:00+09:00\n"
         "commitment: jsa-demilitarize\nquantity: area-demined\nvalue: 0.125\nunit: km2\n",
    HEAD "kind: progress\nagreement: AGR\nauthor: north\nseq: 2\ntime: 2019-02-01T09:00:00+09:00\n"
         "commitment: remains\nquantity: remains-recovered\nvalue: 55\nunit: sets\n",
    HEAD "kind: withdraw\nagreement: AGR\nauthor: north\nseq: 3\ntime: 2019-03-01T09:00:00+09:00\n"
         "commitment: remains\nreason: talks suspended\n",
    HEAD "kind: statement\nagreement: AGR\nauthor: press\nseq: 3\ntime: 2019-03-01T09:00:00+09:00\n"
         "text: Both delegations left Panmunjom without a joint statement.\n",
};

static void
test_roundtrip(void)
{
	size_t i;

	for (i = 0; i < ARM_ARRAY_LEN(good); i++) {
		char *t = with_id(good[i]);
		struct entry en, back;
		struct arm_err e = {ARM_OK, ""};
		struct buf out = BUF_INIT(ENTRY_MAX_SIZE);
		char name[64], why[ARM_ERR_MAX + 64];
		int ok;

		snprintf(name, sizeof(name), "roundtrip good[%zu]", i);
		if (t == NULL)
			continue;
		ok = entry_parse(&en, (const uint8_t *)t, strlen(t), &e) == ARM_OK;
		snprintf(why, sizeof(why), "parse: %s", e.msg);
		if (ok) {
			ok = entry_format(&en, &out, &e) == ARM_OK;
			snprintf(why, sizeof(why), "format: %s", e.msg);
		}
		if (ok) {
			ok = out.len == strlen(t) && memcmp(out.data, t, out.len) == 0;
			snprintf(why, sizeof(why), "format differs: %.200s",
			         (const char *)out.data);
		}
		if (ok) {
			ok = entry_check_refs(&en, &pilot, &e) == ARM_OK;
			snprintf(why, sizeof(why), "refs: %s", e.msg);
		}
		/* parse(format(x)) == x, through a second parse */
		if (ok) {
			ok = entry_parse(&back, out.data, out.len, &e) == ARM_OK &&
			     back.kind == en.kind && back.seq == en.seq &&
			     back.time.t == en.time.t && back.lat_e7 == en.lat_e7 &&
			     back.nreasons == en.nreasons;
			entry_release(&back);
		}
		case_result(name, ok, why);
		entry_release(&en);
		buf_release(&out);
		free(t);
	}
}

static void
test_fields(void)
{
	struct entry en;
	struct arm_err e = {ARM_OK, ""};
	char *t = with_id(good[3]);

	CHECK(t != NULL);
	if (t == NULL)
		return;
	CHECKM(entry_parse(&en, (const uint8_t *)t, strlen(t), &e) == ARM_OK, e.msg);
	CHECK(en.kind == ENTRY_INCIDENT);
	CHECK(strcmp(en.author, "south") == 0 && en.seq == 2);
	/* 2019-01-02T08:00:00+09:00 = 2018-01-01T23:00:00Z */
	CHECK(en.time.t == 1546383600 && en.time.offset == 9 * 3600);
	CHECK(en.has_occurred && en.occurred.t == 1546351800);
	CHECK(en.has_position && en.lat_e7 == 379560123 && en.lon_e7 == 1266770000);
	CHECK(entry_lat(&en) > 37.956 && entry_lat(&en) < 37.9561);
	CHECK(strcmp(en.type, "gunfire") == 0 && strcmp(en.actor, "north") == 0);
	CHECK(memcmp(en.agreement, pilot.id, HASH_SIZE) == 0);
	entry_release(&en);
	free(t);

	t = with_id(good[6]);
	CHECK(t != NULL && entry_parse(&en, (const uint8_t *)t, strlen(t), &e) == ARM_OK);
	CHECK(en.has_incident && strcmp(en.incident.author, "south") == 0 && en.incident.seq == 2);
	CHECK(en.verdict == ENTRY_CONFIRMED && en.method == AGREEMENT_METHOD_INVESTIGATION);
	entry_release(&en);
	free(t);

	t = with_id(good[7]);
	CHECK(t != NULL && entry_parse(&en, (const uint8_t *)t, strlen(t), &e) == ARM_OK);
	CHECK(en.value_num == 0.125 && strcmp(en.value, "0.125") == 0 &&
	      strcmp(en.unit, "km2") == 0);
	entry_release(&en);
	free(t);

	t = with_id(good[0]);
	CHECK(t != NULL && entry_parse(&en, (const uint8_t *)t, strlen(t), &e) == ARM_OK);
	CHECK(en.nevidence == 1 &&
	      strcmp(en.evidence[0].uri, "https://example.org/gp-11.jpg") == 0);
	CHECK(en.evidence[0].sha256[0] == 0x2c && en.evidence[0].sha256[31] == 0xae);
	entry_release(&en);
	entry_release(&en);
	free(t);
}

/* base good[1] (an attest) with `from` replaced by `to`: must fail with rule */
static void
refuse(const char *name, int base, const char *from, const char *to, const char *rule)
{
	char *t = with_id(good[base]);
	char *m = NULL, why[ARM_ERR_MAX + 64];
	const char *at;
	struct entry en;
	struct arm_err e = {ARM_OK, ""};
	int rc;

	at = t ? strstr(t, from) : NULL;
	if (at == NULL) {
		case_result(name, 0, "mutation source not found");
		free(t);
		return;
	}
	m = malloc(strlen(t) + strlen(to) + 1);
	if (m == NULL) {
		free(t);
		return;
	}
	memcpy(m, t, (size_t)(at - t));
	memcpy(m + (at - t), to, strlen(to));
	memcpy(m + (at - t) + strlen(to), at + strlen(from), strlen(at + strlen(from)) + 1);
	rc = entry_parse(&en, (const uint8_t *)m, strlen(m), &e);
	snprintf(why, sizeof(why), "rc %d: %s", rc, e.msg);
	if (rule == NULL)
		case_result(name, rc == ARM_OK, why);
	else
		case_result(name,
		            rc != ARM_OK && strstr(e.msg, rule) != NULL &&
		                (strstr(e.msg, "line ") != NULL || strstr(e.msg, "byte") != NULL ||
		                 strstr(e.msg, "entry") != NULL) &&
		                en.author == NULL,
		            why);
	entry_release(&en);
	free(m);
	free(t);
}

static void
test_refusals(void)
{
	refuse("bad magic", 1, "armistice/entry/v1", "armistice/entry/v2", "magic");
	refuse("unknown key", 1, "method: on-site\n", "method: on-site\ncolour: red\n",
	       "unknown-key");
	refuse("duplicate key", 1, "seq: 7\n", "seq: 7\nseq: 8\n", "duplicate-key");
	refuse("key order", 1, "seq: 7\ntime: 2018-12-12T16:30:00+09:00\n",
	       "time: 2018-12-12T16:30:00+09:00\nseq: 7\n", "key-order");
	refuse("kind not first", 1, "kind: attest\nagreement: ", "agreement: ", "key-order");
	refuse("key not allowed for kind", 1, "method: on-site\n", "method: on-site\nunit: km2\n",
	       "key-not-allowed");
	refuse("repeatable keys must be consecutive", 2, "reason: trench visible\n",
	       "reason: trench visible\ntext: x\nreason: again\n", "key-order");
	refuse("trailing space", 1, "seq: 7\n", "seq: 7 \n", "trailing-space");
	refuse("CR refused", 1, "seq: 7\n", "seq: 7\r\n", "control");
	refuse("tab refused", 1, "seq: 7\n", "seq:\t7\n", "control");
	refuse("empty value", 1, "seq: 7\n", "seq: \n", "");
	refuse("two spaces after colon", 1, "seq: 7\n", "seq:  7\n", "empty-value");
	refuse("no space after colon", 1, "seq: 7\n", "seq:7\n", "syntax");
	refuse("missing required key", 1, "method: on-site\n", "", "missing-key");
	refuse("seq leading zero", 1, "seq: 7\n", "seq: 07\n", "bad-value");
	refuse("seq zero", 1, "seq: 7\n", "seq: 0\n", "bad-value");
	refuse("seq too large", 1, "seq: 7\n", "seq: 99999999999999999999\n", "bad-value");
	refuse("time +00:00 not canonical", 1, "+09:00\ncommitment", "+00:00\ncommitment",
	       "time-canonical");
	refuse("time with fraction", 1, "16:30:00+09:00", "16:30:00.5+09:00", "offset");
	refuse("time leap second", 1, "16:30:00+09:00", "16:30:60+09:00", "time");
	refuse("time bad date", 1, "2018-12-12T", "2018-02-30T", "time");
	refuse("time lowercase t", 1, "2018-12-12T", "2018-12-12t", "time");
	refuse("verdict wrong for kind", 1, "verdict: verified", "verdict: confirmed", "bad-value");
	refuse("method unknown", 1, "method: on-site", "method: onsite", "bad-value");
	refuse("refuted needs a reason", 1, "verdict: verified", "verdict: refuted", "missing-key");
	refuse("refuted with reason twin", 1, "verdict: verified\nmethod: on-site\n",
	       "verdict: refuted\nmethod: on-site\nreason: no access\n", NULL);
	refuse("agreement id uppercase", 1, "agreement: ", "agreement: A", "bad-value");
	refuse("author bad id", 1, "author: south", "author: South", "bad-id");
	refuse("lat trailing zero", 3, "lat: 37.9560123", "lat: 37.95601230", "bad-value");
	refuse("lat out of range", 3, "lat: 37.9560123", "lat: 90.5", "bad-value");
	refuse("lat leading zero", 3, "lat: 37.9560123", "lat: 037.9", "bad-value");
	refuse("lat plus sign", 3, "lat: 37.9560123", "lat: +37.9", "bad-value");
	refuse("lat minus zero", 4, "lat: -0.5", "lat: -0", "bad-value");
	refuse("lat too precise", 3, "lat: 37.9560123", "lat: 37.95601234", "bad-value");
	refuse("lat without lon", 3, "lon: 126.677\n", "", "missing-key");
	refuse("value negative", 7, "value: 0.125", "value: -0.125", "bad-value");
	refuse("value with too many digits (found by fuzzing: overflow)", 7, "value: 0.125",
	       "value: 37444444444444444444444", "bad-value");
	refuse("lat with too many digits", 3, "lat: 37.9560123", "lat: 3744444444444444444444.1",
	       "bad-value");
	refuse("value trailing dot", 7, "value: 0.125", "value: 1.", "bad-value");
	refuse("incident ref without seq", 6, "incident: south/2", "incident: south", "bad-value");
	refuse("evidence uppercase hex", 0, "sha256:2c26", "sha256:2C26", "bad-value");
	refuse("evidence short hash", 0, "sha256:2c26b46b", "sha256:2c26b4", "bad-value");
	refuse("evidence uri with space", 0, "gp-11.jpg", "gp 11.jpg", "bad-value");
	refuse("text leading space", 0, "text: Ten", "text:  Ten", "empty-value");
	refuse("blank line in a claim", 0, "text: Ten", "\ntext: Ten", "blank-line");
	refuse("kind unknown", 1, "kind: attest", "kind: rumour", "bad-value");
	refuse("no final newline", 1, "on-site\n", "on-site", "newline");
}

/* Agreement entries: id = sha256(body), zone lines, parties' signatures. */
static void
test_agreement_entry(void)
{
	struct buf text = BUF_INIT(ENTRY_MAX_SIZE), note = BUF_INIT(ENTRY_MAX_SIZE);
	struct note_signer south, north, nnsc;
	struct entry en;
	struct agreement a;
	struct arm_err e = {ARM_OK, ""};
	char hex[2 * HASH_SIZE + 1];
	int have;

	have = load_signer("demo-south", &south) == 0 && load_signer("demo-north", &north) == 0 &&
	       load_signer("demo-nnsc", &nnsc) == 0;
	CHECK(have);
	if (!have)
		return;
	CHECKM(entry_agreement_text(&pilot, &text, &e) == ARM_OK, e.msg);
	hash_hex(hex, pilot.zones[0].digest);
	CHECK(strncmp((const char *)text.data, HEAD "kind: agreement\nagreement: ", 46) == 0);
	CHECK(strstr((const char *)text.data, hex) != NULL);
	CHECK(strstr((const char *)text.data, "zone: jsa sha256:") != NULL);
	CHECK(strstr((const char *)text.data, "zone: panmunjom") == NULL); /* inline: no file */
	CHECKM(entry_parse(&en, text.data, text.len, &e) == ARM_OK, e.msg);
	CHECK(en.kind == ENTRY_AGREEMENT && en.body_len == pilot.yaml_len &&
	      memcmp(en.body_id, pilot.id, HASH_SIZE) == 0 && en.nzones == 1);
	entry_release(&en);

	/* both parties sign: opens */
	{
		const struct note_signer *both[2] = {&south, &north};
		CHECK(note_sign((const char *)text.data, text.len, both, 2, &note, &e) == ARM_OK);
		CHECKM(entry_open_agreement(&en, &a, note.data, note.len, "entry0", read_zone, NULL,
		                            NULL, &e) == ARM_OK,
		       e.msg);
		CHECK(a.ncommitments == 5 && en.kind == ENTRY_AGREEMENT);
		entry_release(&en);
		agreement_release(&a);
		/* entry_open with the agreement already loaded */
		CHECKM(entry_open(&en, note.data, note.len, &pilot, &e) == ARM_OK, e.msg);
		entry_release(&en);
		/* tampered twin: one byte of the body changed */
		{
			char *p = strstr((char *)note.data, "Guard-post pilot");
			CHECK(p != NULL);
			if (p != NULL) {
				p[0] = 'g';
				CHECK(entry_open_agreement(&en, &a, note.data, note.len, "entry0",
				                           read_zone, NULL, NULL, &e) != ARM_OK);
				CHECK(a.yaml == NULL && en.body == NULL);
				p[0] = 'G';
			}
		}
		buf_reset(&note);
	}
	/* one party only: refused, naming the missing party */
	{
		const struct note_signer *one[2] = {&south, &nnsc};
		CHECK(note_sign((const char *)text.data, text.len, one, 2, &note, &e) == ARM_OK);
		CHECK(entry_open_agreement(&en, &a, note.data, note.len, "entry0", read_zone, NULL,
		                           NULL, &e) == ARM_EVERIFY);
		CHECKM(strstr(e.msg, "party-signature") != NULL &&
		           strstr(e.msg, "\"north\"") != NULL,
		       e.msg);
		buf_reset(&note);
	}
	/* a zone file that changed after signing: refused */
	{
		const struct note_signer *both[2] = {&south, &north};
		char *z = strstr((char *)text.data, "zone: jsa sha256:");
		CHECK(z != NULL);
		if (z != NULL) {
			z[17] = z[17] == '0' ? '1' : '0';
			CHECK(note_sign((const char *)text.data, text.len, both, 2, &note, &e) ==
			      ARM_OK);
			CHECK(entry_open_agreement(&en, &a, note.data, note.len, "entry0",
			                           read_zone, NULL, NULL, &e) == ARM_EVERIFY);
			CHECKM(strstr(e.msg, "zone-digest") != NULL, e.msg);
		}
	}
	note_signer_release(&south);
	note_signer_release(&north);
	note_signer_release(&nnsc);
	buf_release(&text);
	buf_release(&note);
}

static void
test_open(void)
{
	struct note_signer south, stranger, north;
	struct buf note = BUF_INIT(ENTRY_MAX_SIZE);
	struct entry en;
	struct arm_err e = {ARM_OK, ""};
	char *t = with_id(good[1]); /* by south */
	const struct note_signer *one[1];
	int have;

	have = t != NULL && load_signer("demo-south", &south) == 0 &&
	       load_signer("demo-stranger", &stranger) == 0 &&
	       load_signer("demo-north", &north) == 0;
	CHECK(have);
	if (!have) {
		free(t);
		return;
	}
	one[0] = &south;
	CHECK(note_sign(t, strlen(t), one, 1, &note, &e) == ARM_OK);
	CHECKM(entry_open(&en, note.data, note.len, &pilot, &e) == ARM_OK, e.msg);
	CHECK(en.kind == ENTRY_ATTEST && strcmp(en.author, "south") == 0);
	entry_release(&en);
	/* tampered twin: the verdict changed after signing */
	{
		char *p = strstr((char *)note.data, "verdict: verified");
		CHECK(p != NULL);
		if (p != NULL) {
			memcpy(p + 9, "refuted\nreason: x",
			       8); /* same length: "verified" -> "refuted\n" */
			CHECK(entry_open(&en, note.data, note.len, &pilot, &e) != ARM_OK);
		}
	}
	/* signed by a key the agreement does not know */
	buf_reset(&note);
	one[0] = &stranger;
	CHECK(note_sign(t, strlen(t), one, 1, &note, &e) == ARM_OK);
	CHECK(entry_open(&en, note.data, note.len, &pilot, &e) == ARM_EVERIFY);
	/* signed by another actor than the author */
	buf_reset(&note);
	one[0] = &north;
	CHECK(note_sign(t, strlen(t), one, 1, &note, &e) == ARM_OK);
	CHECK(entry_open(&en, note.data, note.len, &pilot, &e) == ARM_EVERIFY);
	CHECKM(strstr(e.msg, "\"south\"") != NULL, e.msg);
	free(t);
	/* for another agreement */
	t = with_id(good[1]);
	if (t != NULL) {
		char *p = strstr(t, "agreement: ") + 11;
		p[0] = p[0] == '0' ? '1' : '0';
		buf_reset(&note);
		one[0] = &south;
		CHECK(note_sign(t, strlen(t), one, 1, &note, &e) == ARM_OK);
		CHECK(entry_open(&en, note.data, note.len, &pilot, &e) == ARM_ERULE);
		CHECKM(strstr(e.msg, "wrong-agreement") != NULL, e.msg);
	}
	free(t);
	/* author who is not an actor */
	t = with_id(good[1]);
	if (t != NULL) {
		char *p = strstr(t, "author: south");
		memcpy(p + 8, "sowth", 5);
		buf_reset(&note);
		CHECK(note_sign(t, strlen(t), one, 1, &note, &e) == ARM_OK);
		CHECK(entry_open(&en, note.data, note.len, &pilot, &e) == ARM_ERULE);
	}
	free(t);
	note_signer_release(&south);
	note_signer_release(&stranger);
	note_signer_release(&north);
	buf_release(&note);
}

static void
test_format_refuses(void)
{
	struct entry en;
	struct buf out = BUF_INIT(ENTRY_MAX_SIZE);
	struct arm_err e = {ARM_OK, ""};
	char reason[] = "two\nlines";
	char *reasons[1] = {reason};

	entry_init(&en);
	en.kind = ENTRY_CLAIM;
	CHECK(entry_format(&en, &out, &e) == ARM_EUSAGE); /* no author */
	en.author = "south";
	en.seq = 1;
	en.has_time = true;
	en.time.t = 1546383600;
	en.time.offset = 9 * 3600;
	en.commitment = "gp-south";
	CHECKM(entry_format(&en, &out, &e) == ARM_OK, e.msg);
	en.unit = "km2"; /* not allowed in a claim */
	CHECK(entry_format(&en, &out, &e) == ARM_EUSAGE);
	en.unit = NULL;
	en.kind = ENTRY_WITHDRAW;
	en.reasons = reasons;
	en.nreasons = 1;
	CHECK(entry_format(&en, &out, &e) != ARM_OK); /* a newline has no canonical form */
	en.commitment = "Gp";
	en.nreasons = 0;
	CHECK(entry_format(&en, &out, &e) != ARM_OK);
	en.kind = (enum entry_kind)99;
	CHECK(entry_format(&en, &out, &e) == ARM_EUSAGE);
	buf_release(&out);
	/* the struct borrowed static strings: nothing to release */
}

static void
test_time(void)
{
	struct entry_time t;
	struct arm_err e;
	struct buf b = BUF_INIT(64);

	CHECK(entry_time_parse(&t, "1970-01-01T00:00:00Z", 20, &e) == ARM_OK && t.t == 0);
	CHECK(entry_time_parse(&t, "1969-12-31T23:59:59-01:00", 25, &e) == ARM_OK && t.t == 3599);
	CHECK(entry_time_format(&t, &b, &e) == ARM_OK &&
	      strcmp((const char *)b.data, "1969-12-31T23:59:59-01:00") == 0);
	buf_reset(&b);
	CHECK(entry_time_parse(&t, "2017-11-29T03:17:00+09:00", 25, &e) == ARM_OK &&
	      t.t == 1511893020);
	CHECK(entry_time_format(&t, &b, &e) == ARM_OK &&
	      strcmp((const char *)b.data, "2017-11-29T03:17:00+09:00") == 0);
	CHECK(entry_time_parse(&t, "2017-11-29T03:17:00+0900", 24, &e) != ARM_OK);
	CHECK(entry_time_parse(&t, "2017-11-29 03:17:00Z", 20, &e) != ARM_OK);
	CHECK(entry_time_parse(&t, "2017-11-29T03:17:00-00:00", 25, &e) != ARM_OK);
	buf_release(&b);
	CHECK(strcmp(entry_kind_name(ENTRY_FINDING), "finding") == 0);
	CHECK(entry_kind_parse("withdraw") == ENTRY_WITHDRAW &&
	      entry_kind_parse("x") == ENTRY_NONE);
	CHECK(entry_kind_name((enum entry_kind)42) == NULL);
}

static void
test_limits(void)
{
	struct entry en;
	struct arm_err e;
	size_t n = ENTRY_MAX_SIZE + 1;
	char *big = malloc(n);

	CHECK(big != NULL);
	if (big == NULL)
		return;
	memset(big, 'a', n);
	big[n - 1] = '\n';
	CHECK(entry_parse(&en, (const uint8_t *)big, n, &e) == ARM_ELIMIT);
	CHECK(entry_parse(&en, (const uint8_t *)"", 0, &e) != ARM_OK);
	CHECK(entry_parse(&en, (const uint8_t *)HEAD, strlen(HEAD), &e) != ARM_OK);
	free(big);
}

int
main(void)
{
	struct arm_err e = {ARM_OK, ""};

	if (sodium_init() < 0)
		return 1;
	if (agreement_load(&pilot, PILOT, NULL, &e) != ARM_OK) {
		printf("not ok - load %s: %s\n", PILOT, e.msg);
		return 1;
	}
	agreement_id_hex(&pilot, pilot_hex);
	test_roundtrip();
	RUN(test_fields);
	test_refusals();
	RUN(test_agreement_entry);
	RUN(test_open);
	RUN(test_format_refuses);
	RUN(test_time);
	RUN(test_limits);
	agreement_release(&pilot);
	return HARNESS_DONE();
}
