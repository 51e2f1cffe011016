/*
 * test_logclock.c - the log clock: the clock leaf's exact bytes, its
 * strict parser (every refusal names its line), the signature check and
 * its tampered twins, and the engine's clock rules (clock-missing,
 * clock-future, clock-index, clock-order, clock-origin, clock-signed,
 * the backdated flag and the retraction of a dropped clock leaf).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "harness.h"
#include "armistice/engine.h"
#include "armistice/logclock.h"
#include "armistice/note.h"
#include "armistice/common.h"

static struct note_signer logkey, otherkey, party;
static char logvkey[512], partyvkey[512];

static void
gen(struct note_signer *s, const char *name, char *vk)
{
	struct arm_err e;
	struct note_verifier v;
	struct buf b = BUF_INIT(1024);

	if (note_signer_generate(s, name, NOTE_KEY_ED25519, &e) != ARM_OK) {
		printf("not ok - keygen: %s\n", e.msg);
		exit(1);
	}
	if (vk != NULL) {
		note_signer_verifier(s, &v);
		if (note_verifier_format(&v, &b, &e) != ARM_OK) {
			printf("not ok - vkey: %s\n", e.msg);
			exit(1);
		}
		snprintf(vk, 512, "%s", (const char *)b.data);
	}
	buf_release(&b);
}

/* 2018-11-30T00:00:00Z */
#define T0 1543536000

static void
test_format_golden(void)
{
	static const char want[] = "armistice/clock/v1\n"
	                           "origin: log.example/korea\n"
	                           "index: 276\n"
	                           "time: 2018-11-30T00:00:00Z\n";
	struct logclock c = {"log.example/korea", 276, T0}, back;
	struct buf b = BUF_INIT(LOGCLOCK_TEXT_MAX);
	struct arm_err e;

	CHECKM(logclock_format(&c, &b, &e) == ARM_OK, e.msg);
	CHECK(b.len == sizeof(want) - 1 && memcmp(b.data, want, b.len) == 0);
	CHECKM(logclock_parse(&back, (const char *)b.data, b.len, &e) == ARM_OK, e.msg);
	CHECK(strcmp(back.origin, c.origin) == 0 && back.index == 276 && back.time == T0);
	/* Out of range values are refused rather than written. */
	c.time = -1;
	buf_reset(&b);
	CHECK(logclock_format(&c, &b, &e) == ARM_EUSAGE);
	c.time = T0;
	snprintf(c.origin, sizeof(c.origin), "has space");
	CHECK(logclock_format(&c, &b, &e) == ARM_EUSAGE);
	buf_release(&b);
}

static void
test_parse_strict(void)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
	    {"armistice/clock/v2\norigin: o\nindex: 1\ntime: 2018-11-30T00:00:00Z\n", "line 1"},
	    {"armistice/clock/v1\nindex: 1\ntime: 2018-11-30T00:00:00Z\n", "line 2"},
	    {"armistice/clock/v1\norigin: a b\nindex: 1\ntime: 2018-11-30T00:00:00Z\n", "line 2"},
	    {"armistice/clock/v1\norigin: a+b\nindex: 1\ntime: 2018-11-30T00:00:00Z\n", "line 2"},
	    {"armistice/clock/v1\norigin: o\nindex: 01\ntime: 2018-11-30T00:00:00Z\n", "line 3"},
	    {"armistice/clock/v1\norigin: o\nindex: -1\ntime: 2018-11-30T00:00:00Z\n", "line 3"},
	    {"armistice/clock/v1\norigin: o\nindex: 99999999999999999999\ntime: "
	     "2018-11-30T00:00:00Z\n",
	     "line 3"},
	    {"armistice/clock/v1\norigin: o\nindex: 1\ntime: 2018-11-30T09:00:00+09:00\n",
	     "line 4"},
	    {"armistice/clock/v1\norigin: o\nindex: 1\ntime: 2018-11-30T00:00Z\n", "line 4"},
	    {"armistice/clock/v1\norigin: o\nindex: 1\ntime: 1969-12-31T23:59:59Z\n", "line 4"},
	    {"armistice/clock/v1\norigin: o\nindex: 1\ntime: 2018-11-30T00:00:00Z", "line 4"},
	    {"armistice/clock/v1\norigin: o\nindex: 1\ntime: 2018-11-30T00:00:00Z\nx: y\n",
	     "line 5"},
	    {"armistice/clock/v1\norigin: o\ntime: 2018-11-30T00:00:00Z\nindex: 1\n", "line 3"},
	    {"armistice/clock/v1\norigin:  o\nindex: 1\ntime: 2018-11-30T00:00:00Z\n", "line 2"},
	};
	struct logclock c;
	struct arm_err e;
	size_t i;

	for (i = 0; i < ARM_ARRAY_LEN(bad); i++) {
		int rc = logclock_parse(&c, bad[i].text, strlen(bad[i].text), &e);
		CHECKM(rc == ARM_ESYNTAX, bad[i].text);
		CHECKM(strstr(e.msg, bad[i].want) != NULL, e.msg);
	}
	CHECK(!logclock_is((const uint8_t *)"armistice/entry/v1\n", 19));
	CHECK(logclock_is((const uint8_t *)"armistice/clock/v1\n", 19));
	CHECK(!logclock_is((const uint8_t *)"armistice/clock/v1", 18));
}

/* A signed clock leaf for origin/index/time by s, into out. */
static void
signed_clock(const struct note_signer *s, const char *origin, uint64_t index, int64_t t,
             struct buf *out)
{
	struct logclock c;
	struct buf text = BUF_INIT(LOGCLOCK_TEXT_MAX);
	struct arm_err e;

	memset(&c, 0, sizeof(c));
	snprintf(c.origin, sizeof(c.origin), "%s", origin);
	c.index = index;
	c.time = t;
	buf_reset(out);
	if (logclock_format(&c, &text, &e) != ARM_OK ||
	    note_sign((const char *)text.data, text.len, &s, 1, out, &e) != ARM_OK) {
		printf("not ok - signed_clock: %s\n", e.msg);
		exit(1);
	}
	buf_release(&text);
}

static void
test_open_and_tampered(void)
{
	struct buf b = BUF_INIT(LOGCLOCK_NOTE_MAX);
	struct note_verifier lv, ov;
	struct logclock c;
	struct arm_err e;
	uint8_t *p;

	note_signer_verifier(&logkey, &lv);
	note_signer_verifier(&otherkey, &ov);
	signed_clock(&logkey, "log.example", 7, T0, &b);
	CHECKM(logclock_open(&c, b.data, b.len, &lv, &e) == ARM_OK, e.msg);
	CHECK(c.index == 7 && c.time == T0);
	CHECK(logclock_open(&c, b.data, b.len, &ov, &e) == ARM_EVERIFY);
	/* Tampered twin: one digit of the time changed. */
	p = (uint8_t *)strstr((char *)b.data, "2018-11-30");
	CHECK(p != NULL);
	if (p != NULL) {
		p[3] = '9'; /* 2019: still a valid time */
		CHECK(logclock_open(&c, b.data, b.len, &lv, &e) == ARM_EVERIFY);
		CHECKM(strstr(e.msg, "log key") != NULL, e.msg);
		p[3] = '8';
		p[9] = '1'; /* 30 -> 31 November: an edit that breaks the date reads as a bad
		               signature */
		CHECK(logclock_open(&c, b.data, b.len, &lv, &e) == ARM_EVERIFY);
	}
	buf_release(&b);
}

static struct engine *
clock_engine(const char *clock_yaml)
{
	struct engine_opts o;
	struct engine *eng;
	struct agreement a;
	struct arm_err e;
	struct buf y = BUF_INIT(1 << 16);

	if (buf_printf(
	        &y, &e,
	        "armistice: agreement/v1\nname: clock\ntitle: Clock test\n"
	        "timezone: \"+00:00\"\ncounting: {inclusive: false}\n"
	        "log:\n  origin: log.example\n  key: %s\n  quorum: none\n%s"
	        "actors:\n  - {id: south, name: South (demo key), role: party, keys: [\"%s\"]}\n"
	        "phases:\n  - {id: p1, name: One}\n"
	        "commitments:\n  - {id: talk, owner: south, phase: p1, text: Talk., "
	        "verify: none, due: 2018-12-31}\n",
	        logvkey, clock_yaml, partyvkey) != ARM_OK) {
		printf("not ok - yaml: %s\n", e.msg);
		exit(1);
	}
	engine_opts_init(&o);
	agreement_init(&a);
	if (agreement_parse(&a, y.data, y.len, "clock.yaml", NULL, NULL, NULL, &e) != ARM_OK ||
	    engine_new(&eng, &o, &e) != ARM_OK || engine_set_agreement(eng, &a, 0, &e) != ARM_OK) {
		printf("not ok - engine setup: %s\n", e.msg);
		exit(1);
	}
	agreement_release(&a);
	buf_release(&y);
	return eng;
}

static int
statement(struct engine *eng, uint64_t seq, int64_t t, struct arm_err *e)
{
	struct entry en;

	memset(&en, 0, sizeof(en));
	en.kind = ENTRY_STATEMENT;
	memcpy(en.agreement, engine_agreement(eng)->id, HASH_SIZE);
	en.author = (char *)(uintptr_t) "south";
	en.seq = seq;
	en.has_time = true;
	en.time.t = t;
	en.text = (char *)(uintptr_t) "said";
	arm_err_clear(e);
	return engine_apply(eng, &en, engine_size(eng), e);
}

static int
clock_at(struct engine *eng, const struct note_signer *s, const char *origin, uint64_t index,
         int64_t t, struct arm_err *e)
{
	struct buf b = BUF_INIT(LOGCLOCK_NOTE_MAX);
	int rc;

	signed_clock(s, origin, index, t, &b);
	arm_err_clear(e);
	rc = engine_apply_note(eng, engine_size(eng), b.data, b.len, e);
	buf_release(&b);
	return rc;
}

static void
test_engine_rules(void)
{
	struct engine *eng = clock_engine("  clock: {future: 10m, backdate: 1d}\n");
	struct arm_err e;
	uint64_t ci;
	size_t n;

	/* log.clock written: no entry without the log's time. */
	CHECK(statement(eng, 1, T0, &e) == ARM_ERULE);
	CHECKM(strstr(e.msg, "rule clock-missing") != NULL, e.msg);
	CHECK(engine_size(eng) == 1);
	CHECKM(clock_at(eng, &logkey, "log.example", 1, T0, &e) == ARM_OK, e.msg);
	CHECK(engine_log_time(eng, &ci, &n) == T0 && ci == 1 && n == 1);
	/* clock-future: the tolerance is inclusive. */
	CHECK(statement(eng, 1, T0 + 601, &e) == ARM_ERULE);
	CHECKM(strstr(e.msg, "rule clock-future") != NULL, e.msg);
	CHECKM(statement(eng, 1, T0 + 600, &e) == ARM_OK, e.msg);
	CHECK(engine_nbackdated(eng) == 0);
	/* backdated beyond one day: accepted and counted. */
	CHECKM(statement(eng, 2, T0 - 86401, &e) == ARM_OK, e.msg);
	CHECK(engine_nbackdated(eng) == 1);
	CHECKM(statement(eng, 3, T0 - 86400, &e) == ARM_OK, e.msg);
	CHECK(engine_nbackdated(eng) == 1);
	/* Clock leaves: wrong index, going back, other origin, other key. */
	CHECK(clock_at(eng, &logkey, "log.example", 1, T0 + 60, &e) == ARM_ERULE);
	CHECKM(strstr(e.msg, "rule clock-index") != NULL, e.msg);
	CHECK(clock_at(eng, &logkey, "log.example", engine_size(eng), T0 - 1, &e) == ARM_ERULE);
	CHECKM(strstr(e.msg, "rule clock-order") != NULL, e.msg);
	CHECK(clock_at(eng, &logkey, "other.example", engine_size(eng), T0 + 60, &e) == ARM_ERULE);
	CHECKM(strstr(e.msg, "rule clock-origin") != NULL, e.msg);
	CHECK(clock_at(eng, &otherkey, "log.example", engine_size(eng), T0 + 60, &e) ==
	      ARM_EVERIFY);
	CHECKM(strstr(e.msg, "clock-signed") != NULL, e.msg);
	n = (size_t)engine_size(eng);
	CHECKM(clock_at(eng, &logkey, "log.example", n, T0 + 3600, &e) == ARM_OK, e.msg);
	CHECK(engine_log_time(eng, NULL, NULL) == T0 + 3600);
	/* A dropped clock leaf is forgotten: time and size go back. */
	engine_log_retract(eng, n);
	CHECK(engine_log_time(eng, &ci, NULL) == T0 && ci == 1 && engine_size(eng) == n);
	CHECK(!engine_stale(eng));
	/* Retracting anything else is a bug in the caller: the state goes stale. */
	engine_log_retract(eng, n + 5);
	CHECK(engine_stale(eng));
	engine_free(eng);
}

static void
test_engine_clock_hook(void)
{
	struct engine *eng = clock_engine("");
	struct buf text = BUF_INIT(LOGCLOCK_TEXT_MAX);
	struct logclock c;
	struct arm_err e;

	/* No log.clock: entries without the log's time are fine (old logs). */
	CHECKM(statement(eng, 1, T0, &e) == ARM_OK, e.msg);
	CHECKM(clock_at(eng, &logkey, "log.example", 2, T0 + 100, &e) == ARM_OK, e.msg);
	/* The hook never writes a time before the last clock leaf. */
	CHECKM(engine_log_clock(eng, 3, T0, &text, &e) == ARM_OK, e.msg);
	CHECKM(logclock_parse(&c, (const char *)text.data, text.len, &e) == ARM_OK, e.msg);
	CHECK(c.time == T0 + 100 && c.index == 3 && strcmp(c.origin, "log.example") == 0);
	buf_reset(&text);
	CHECKM(engine_log_clock(eng, 3, T0 + 500, &text, &e) == ARM_OK, e.msg);
	CHECKM(logclock_parse(&c, (const char *)text.data, text.len, &e) == ARM_OK, e.msg);
	CHECK(c.time == T0 + 500);
	/* Default tolerances apply once the log keeps a clock. */
	CHECK(statement(eng, 2, T0 + 100 + AGREEMENT_CLOCK_FUTURE + 1, &e) == ARM_ERULE);
	CHECKM(statement(eng, 2, T0 + 100 - AGREEMENT_CLOCK_BACKDATE - 1, &e) == ARM_OK, e.msg);
	CHECK(engine_nbackdated(eng) == 1);
	buf_release(&text);
	engine_free(eng);
}

static void
test_agreement_clock_section(void)
{
	static const char *const bad[] = {
	    "  clock: {future: 10}\n",           "  clock: {future: 10x}\n",
	    "  clock: {future: 400d}\n",         "  clock: {future: none}\n",
	    "  clock: {deadlines: sometimes}\n", "  clock: {tolerance: 1h}\n",
	};
	struct agreement a;
	struct arm_err e;
	struct buf y = BUF_INIT(1 << 16);
	size_t i;

	for (i = 0; i < ARM_ARRAY_LEN(bad); i++) {
		buf_reset(&y);
		if (buf_printf(&y, &e,
		               "armistice: agreement/v1\nname: c\ntitle: C\ntimezone: \"+00:00\"\n"
		               "counting: {inclusive: false}\n"
		               "log:\n  origin: log.example\n  key: %s\n  quorum: none\n%s"
		               "actors:\n  - {id: south, name: S, role: party, keys: [\"%s\"]}\n"
		               "phases:\n  - {id: p1, name: One}\ncommitments: []\n",
		               logvkey, bad[i], partyvkey) != ARM_OK)
			exit(1);
		agreement_init(&a);
		CHECKM(agreement_parse(&a, y.data, y.len, "c.yaml", NULL, NULL, NULL, &e) != ARM_OK,
		       bad[i]);
		CHECKM(strstr(e.msg, "c.yaml:") != NULL, e.msg);
		agreement_release(&a);
	}
	buf_release(&y);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	gen(&logkey, "log.example", logvkey);
	gen(&otherkey, "log.example", NULL);
	gen(&party, "south", partyvkey);
	RUN(test_format_golden);
	RUN(test_parse_strict);
	RUN(test_open_and_tampered);
	RUN(test_engine_rules);
	RUN(test_engine_clock_hook);
	RUN(test_agreement_clock_section);
	note_signer_release(&logkey);
	note_signer_release(&otherkey);
	note_signer_release(&party);
	return HARNESS_DONE();
}
