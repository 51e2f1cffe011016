/* test_trust.c - trust.h: the auditor's pinned roots, their record format,
 * the differences they name, and the state directory's files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "armistice/agreement.h"
#include "armistice/trust.h"
#include "harness.h"
#include "armistice/common.h"

#define PILOT "tests/data/agreements/pilot.yaml"

static struct agreement pilot;

static void
roots_of_pilot(struct trust_roots *r)
{
	struct arm_err e;

	memset(r, 0, sizeof(*r));
	snprintf(r->url, sizeof(r->url), "http://127.0.0.1:8080");
	r->pinned = 1764547200; /* 2025-12-01T00:00:00Z */
	CHECK(trust_from_agreement(r, &pilot, &pilot, 7, &e) == ARM_OK);
}

static void
test_roundtrip(void)
{
	struct trust_roots r, back;
	struct buf b = BUF_INIT(TRUST_MAX_SIZE), b2 = BUF_INIT(TRUST_MAX_SIZE);
	struct arm_err e;

	roots_of_pilot(&r);
	CHECK(r.nwitnesses == 3);
	CHECK(r.ngroups == 3);
	CHECK(strcmp(r.quorum, "group both") == 0);
	CHECK(strcmp(r.groups[0].spec, "2 w-south w-north") == 0);
	CHECK(strcmp(r.groups[2].spec, "2 parties neutrals") == 0);
	CHECK(trust_format(&r, &b, &e) == ARM_OK);
	CHECKM(trust_parse(&back, b.data, b.len, &e) == ARM_OK, e.msg);
	CHECK(trust_format(&back, &b2, &e) == ARM_OK);
	CHECK(b.len == b2.len && memcmp(b.data, b2.data, b.len) == 0);
	CHECK(trust_diff(&r, &back, NULL) == 0);
	CHECK(back.pinned == r.pinned && back.size == 7);
	CHECK(strstr((const char *)b.data, "pinned 2025-12-01T00:00:00Z\n") != NULL);
	buf_release(&b);
	buf_release(&b2);
}

/* Every line of a good record, changed or dropped, is refused. */
static void
test_refusals(void)
{
	struct trust_roots r, back;
	struct buf b = BUF_INIT(TRUST_MAX_SIZE);
	struct arm_err e;
	char *txt, *p;
	size_t i, n;
	static const char *const edits[][2] = {
	    {"armistice/trust/v1\n", "armistice/trust/v2\n"},
	    {"\nsize 7\n", "\nsize 07\n"},
	    {"\nsize 7\n", "\nsize -7\n"},
	    {"\npinned 2025-12-01T00:00:00Z\n", "\npinned 2025-13-01T00:00:00Z\n"},
	    {"\npinned 2025-12-01T00:00:00Z\n", "\npinned 2025-12-01 00:00:00\n"},
	    {"\nquorum group both\n", "\nquorum some\n"},
	    {"\nquorum group both\n", "\nquorum group both\nquorum none\n"},
	    {"\nurl http://127.0.0.1:8080\n", "\nurl http://a b\n"},
	    {"\nwitness w-south ", "\nwitness W-SOUTH "},
	    {"\nagreement ", "\nagreement 0"},
	    {"\nlog-key demo", "\nlog-key xdemo"},
	};

	roots_of_pilot(&r);
	CHECK(trust_format(&r, &b, &e) == ARM_OK);
	n = b.len;
	txt = malloc(n + 64);
	for (i = 0; i < ARM_ARRAY_LEN(edits); i++) {
		char *out = malloc(n + 64);
		size_t ol = strlen(edits[i][0]), nl = strlen(edits[i][1]);
		memcpy(txt, b.data, n);
		txt[n] = '\0';
		p = strstr(txt, edits[i][0]);
		CHECKM(p != NULL, edits[i][0]);
		if (p == NULL) {
			free(out);
			continue;
		}
		memcpy(out, txt, (size_t)(p - txt));
		memcpy(out + (p - txt), edits[i][1], nl);
		memcpy(out + (p - txt) + nl, p + ol, n - (size_t)(p - txt) - ol);
		CHECKM(trust_parse(&back, (uint8_t *)out, n - ol + nl, &e) != ARM_OK, edits[i][1]);
		free(out);
	}
	/* A truncated record and one with a line dropped. */
	CHECK(trust_parse(&back, b.data, n - 1, &e) == ARM_ESYNTAX);
	memcpy(txt, b.data, n);
	txt[n] = '\0';
	p = strstr(txt, "\nin-force ");
	if (p != NULL) {
		char *q = strchr(p + 1, '\n');
		memmove(p, q, strlen(q) + 1);
		CHECK(trust_parse(&back, (uint8_t *)txt, strlen(txt), &e) == ARM_ESYNTAX);
		CHECK(strstr(e.msg, "in-force") != NULL);
	}
	CHECK(trust_parse(&back, (const uint8_t *)"", 0, &e) == ARM_ESYNTAX);
	free(txt);
	buf_release(&b);
}

static void
test_diff(void)
{
	struct trust_roots a, s;
	struct buf out = BUF_INIT(8192);
	struct note_signer k;
	struct arm_err e;

	roots_of_pilot(&a);
	s = a;
	CHECK(trust_diff(&a, &s, &out) == 0 && out.len == 0);
	/* Another witness key for w-north, the quorum loosened, entry 0 changed. */
	CHECK(note_signer_generate(&k, "w-north-evil", NOTE_KEY_COSIG_V1, &e) == ARM_OK);
	note_signer_verifier(&k, &s.witnesses[1].key);
	note_signer_release(&k);
	snprintf(s.quorum, sizeof(s.quorum), "none");
	s.agreement[0] ^= 1;
	CHECK(trust_diff(&a, &s, &out) == 3);
	CHECK(out.len > 0);
	{
		char *txt = strndup((const char *)out.data, out.len);
		CHECKM(strstr(txt, "witness 'w-north' key is w-north-evil+") != NULL, txt);
		CHECKM(strstr(txt, "witness quorum is 'none', pinned 'group both'") != NULL, txt);
		CHECKM(strstr(txt, "agreement (entry 0)") != NULL, txt);
		free(txt);
	}
	/* A witness dropped and one added. */
	s = a;
	snprintf(s.witnesses[2].id, sizeof(s.witnesses[2].id), "w-other");
	buf_reset(&out);
	CHECK(trust_diff(&a, &s, &out) == 2);
	buf_release(&out);
}

static void
test_pin_file(void)
{
	enum trust_pin_kind k;
	uint8_t id[HASH_SIZE], want[HASH_SIZE];
	struct trust_roots r, back;
	struct buf b = BUF_INIT(TRUST_MAX_SIZE);
	char hx[2 * HASH_SIZE + 2];
	struct arm_err e;

	hash_hex(hx, pilot.id);
	CHECK(trust_pin_parse((uint8_t *)hx, 64, &k, id, NULL, &e) == ARM_OK && k == TRUST_PIN_ID);
	CHECK(memcmp(id, pilot.id, HASH_SIZE) == 0);
	hx[64] = '\n';
	hx[65] = '\0';
	CHECK(trust_pin_parse((uint8_t *)hx, 65, &k, id, NULL, &e) == ARM_OK && k == TRUST_PIN_ID);
	CHECK(trust_pin_parse(pilot.yaml, pilot.yaml_len, &k, id, NULL, &e) == ARM_OK &&
	      k == TRUST_PIN_YAML);
	CHECK(memcmp(id, pilot.id, HASH_SIZE) == 0);
	roots_of_pilot(&r);
	CHECK(trust_format(&r, &b, &e) == ARM_OK);
	CHECK(trust_pin_parse(b.data, b.len, &k, id, &back, &e) == ARM_OK && k == TRUST_PIN_RECORD);
	CHECK(memcmp(id, pilot.id, HASH_SIZE) == 0 && trust_diff(&r, &back, NULL) == 0);
	/* A record that does not parse is refused, not taken as YAML. */
	CHECK(trust_pin_parse(b.data, b.len - 2, &k, id, &back, &e) == ARM_ESYNTAX);
	CHECK(trust_pin_parse((const uint8_t *)"", 0, &k, id, NULL, &e) == ARM_ESYNTAX);
	/* Uppercase hex is not an id: it is taken as YAML bytes. */
	hash_hex(hx, want);
	memset(hx, 'A', 64);
	hx[64] = '\0';
	CHECK(trust_pin_parse((uint8_t *)hx, 64, &k, id, NULL, &e) == ARM_OK &&
	      k == TRUST_PIN_YAML);
	buf_release(&b);
}

static void
test_state_dir(void)
{
	char tmpl[] = "/tmp/armistice-trust.XXXXXX", dir[4096], dir2[4096], path[4200];
	struct trust_roots r, back;
	struct buf b = BUF_INIT(1024);
	struct stat st;
	struct arm_err e;

	CHECK(mkdtemp(tmpl) != NULL);
	CHECK(trust_log_dir(tmpl, "http://x.example/log/", dir, sizeof(dir), &e) == ARM_OK);
	CHECK(trust_log_dir(tmpl, "http://x.example/log", dir2, sizeof(dir2), &e) == ARM_OK);
	CHECK(strcmp(dir, dir2) == 0); /* a trailing '/' names the same log */
	CHECK(trust_log_dir(tmpl, "http://y.example/log", dir2, sizeof(dir2), &e) == ARM_OK);
	CHECK(strcmp(dir, dir2) != 0);
	CHECK(trust_load(dir, &back, &e) == ARM_ENOTFOUND);
	roots_of_pilot(&r);
	CHECKM(trust_save(dir, &r, &e) == ARM_OK, e.msg);
	CHECKM(trust_load(dir, &back, &e) == ARM_OK, e.msg);
	CHECK(trust_diff(&r, &back, NULL) == 0 && back.size == r.size);
	snprintf(path, sizeof(path), "%s/trust", dir);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700);
	snprintf(path, sizeof(path), "%s/.trust.tmp", dir);
	CHECK(access(path, F_OK) != 0); /* no temp file left behind */
	/* A damaged record names the file. */
	snprintf(path, sizeof(path), "%s/trust", dir);
	{
		FILE *f = fopen(path, "a");
		fputs("extra line\n", f);
		fclose(f);
	}
	CHECK(trust_load(dir, &back, &e) == ARM_ESYNTAX && strstr(e.msg, "/trust") != NULL);
	CHECK(trust_read_file(dir, "checkpoint", &b, &e) == ARM_ENOTFOUND);
	unlink(path);
	rmdir(dir);
	snprintf(path, sizeof(path), "%s/logs", tmpl);
	rmdir(path);
	rmdir(tmpl);
	buf_release(&b);
}

int
main(void)
{
	struct arm_err e;

	if (sodium_init() < 0)
		return 1;
	if (agreement_load(&pilot, PILOT, NULL, &e) != ARM_OK) {
		printf("not ok - cannot load %s: %s\n", PILOT, e.msg);
		return 1;
	}
	RUN(test_roundtrip);
	RUN(test_refusals);
	RUN(test_diff);
	RUN(test_pin_file);
	RUN(test_state_dir);
	agreement_release(&pilot);
	return HARNESS_DONE();
}
