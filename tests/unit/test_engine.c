/*
 * test_engine.c - the state engine: every rule refuses what it must and
 * accepts what it must, the status machine, reversals, the day counts
 * against hand-counted dates, as-of evaluation and byte-identical JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "harness.h"
#include "armistice/engine.h"
#include "armistice/hash.h"
#include "armistice/note.h"
#include "armistice/common.h"

/* Scripted steps name only the fields they use; the rest are zero. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

/* ------------------------------------------------------------ fixture */

static const char *const actor_ids[] = {"south", "north", "us", "nnsc", "monitor"};
static const char *const actor_roles[] = {"party", "party", "party", "verifier", "monitor"};
static char vkeys[5][512];
static char logvkey[512];

static void
make_keys(void)
{
	struct arm_err e;
	struct note_signer s;
	struct note_verifier v;
	struct buf b = BUF_INIT(4096);
	size_t i;

	for (i = 0; i <= ARM_ARRAY_LEN(actor_ids); i++) {
		const char *name = i < ARM_ARRAY_LEN(actor_ids) ? actor_ids[i] : "log.example";
		if (note_signer_generate(&s, name, NOTE_KEY_ED25519, &e) != ARM_OK) {
			printf("not ok - keygen: %s\n", e.msg);
			exit(1);
		}
		note_signer_verifier(&s, &v);
		buf_reset(&b);
		if (note_verifier_format(&v, &b, &e) != ARM_OK) {
			printf("not ok - vkey: %s\n", e.msg);
			exit(1);
		}
		snprintf(i < ARM_ARRAY_LEN(actor_ids) ? vkeys[i] : logvkey, 512, "%s",
		         (const char *)b.data);
		note_signer_release(&s);
	}
	buf_release(&b);
}

/* The test agreement; inclusive and title vary for the counting and amendment tests. */
static void
agreement_yaml(struct buf *b, bool inclusive, const char *title, const char *tz)
{
	struct arm_err e;
	size_t i;
	int rc = ARM_OK;

	rc |= buf_printf(b, &e,
	                 "armistice: agreement/v1\n"
	                 "name: test\n"
	                 "title: %s\n"
	                 "timezone: \"%s\"\n"
	                 "counting: {inclusive: %s}\n"
	                 "log:\n  origin: log.example\n  key: %s\n  quorum: none\n"
	                 "actors:\n",
	                 title, tz, inclusive ? "true" : "false", logvkey);
	for (i = 0; i < ARM_ARRAY_LEN(actor_ids); i++)
		rc |= buf_printf(b, &e,
		                 "  - {id: %s, name: %s (demo key), role: %s, keys: [\"%s\"]}\n",
		                 actor_ids[i], actor_ids[i], actor_roles[i], vkeys[i]);
	rc |= buf_puts(
	    b,
	    "phases:\n  - {id: p1, name: Confidence}\n  - {id: p2, name: Denuclearization}\n"
	    "incident_kinds:\n"
	    "  - {id: launch, name: Missile launch, provocation: true}\n"
	    "  - {id: gunfire, name: Gunfire, provocation: true}\n"
	    "  - {id: accident, name: Accident, provocation: false}\n"
	    "zones:\n"
	    "  - id: buffer\n    name: Buffer zone\n"
	    "    geometry: {type: Polygon, coordinates: [[[126.0, 38.0], [129.0, 38.0], "
	    "[129.0, 39.0], [126.0, 39.0], [126.0, 38.0]]]}\n"
	    "commitments:\n"
	    "  - {id: loudspeakers, owners: [south, north], phase: p1, text: Stop broadcasts., "
	    "verify: none}\n"
	    "  - {id: remains, owner: north, phase: p1, text: Return remains., "
	    "verify: {by: [nnsc], quorum: 1, method: forensic}, due: 2018-08-01}\n"
	    "  - {id: sohae, owner: north, phase: p1, text: Dismantle the stand., "
	    "together: g1, verify: {by: [nnsc], quorum: 1, method: imagery}}\n"
	    "  - {id: exercise, owner: us, phase: p1, text: Suspend the exercise., "
	    "together: g1, verify: {by: [nnsc], quorum: 1}}\n"
	    "  - {id: yongbyon, owner: north, phase: p2, text: Dismantle Yongbyon., "
	    "requires: [sohae, exercise], verify: {by: [nnsc], quorum: 1}, "
	    "due: {after: sohae, days: 20}}\n"
	    "  - {id: gp, owners: [south, north], phase: p1, text: Withdraw guard posts., "
	    "verify: {mutual: true, method: on-site}}\n"
	    "  - {id: moratorium, owner: north, phase: p1, text: No missile tests., "
	    "standing: {breached_by: [launch]}}\n"
	    "  - {id: no-fire, owners: [south, north], phase: p1, text: No fire in the "
	    "buffer zone., standing: {breached_by: [gunfire], zones: [buffer]}}\n",
	    &e);
	if (rc != ARM_OK) {
		printf("not ok - yaml: %s\n", e.msg);
		exit(1);
	}
}

/* Zone question for the tests: inside the buffer iff 38 <= lat <= 39. */
static int
fake_in_zone(void *ctx, const struct agreement *a, size_t zone, double lat, double lon,
             bool *inside, struct arm_err *e)
{
	(void)ctx;
	(void)a;
	(void)zone;
	(void)lon;
	(void)e;
	*inside = lat >= 38.0 && lat <= 39.0;
	return ARM_OK;
}
static const struct engine_geo fake_geo = {fake_in_zone, NULL};

static int64_t
T(const char *s)
{
	struct entry_time t;
	struct arm_err e;

	if (entry_time_parse(&t, s, strlen(s), &e) != ARM_OK) {
		printf("not ok - time '%s': %s\n", s, e.msg);
		exit(1);
	}
	return t.t;
}

/* A scripted entry (string fields borrowed from literals, never released). */
struct step {
	enum entry_kind kind;
	const char *author;
	uint64_t seq;
	const char *time;
	const char *commitment;
	enum entry_verdict verdict;
	enum agreement_method method;
	const char *type;     /* incident kind */
	const char *occurred; /* incident */
	const char *actor;    /* incident alleged actor */
	int lat;              /* incident, whole degrees; 0 = no position */
	const char *inc_author;
	uint64_t inc_seq;
};

static void
mk(struct entry *en, const struct engine *eng, const struct step *s)
{
	const struct agreement *a = engine_agreement(eng);

	memset(en, 0, sizeof(*en));
	en->kind = s->kind;
	if (a != NULL)
		memcpy(en->agreement, a->id, HASH_SIZE);
	en->author = (char *)(uintptr_t)s->author;
	en->seq = s->seq;
	if (s->time) {
		en->has_time = true;
		en->time.t = T(s->time);
	}
	en->commitment = (char *)(uintptr_t)s->commitment;
	en->verdict = s->verdict;
	en->method = s->method;
	en->type = (char *)(uintptr_t)s->type;
	if (s->occurred) {
		en->has_occurred = true;
		en->occurred.t = T(s->occurred);
	}
	en->actor = (char *)(uintptr_t)s->actor;
	if (s->lat) {
		en->has_position = true;
		en->lat_e7 = (int64_t)s->lat * 10000000;
		en->lon_e7 = 1270000000;
	}
	if (s->inc_author) {
		en->has_incident = true;
		snprintf(en->incident.author, sizeof(en->incident.author), "%s", s->inc_author);
		en->incident.seq = s->inc_seq;
	}
}

static struct engine *
new_engine(bool inclusive, const char *tz, int64_t asof)
{
	struct engine_opts o;
	struct engine *eng;
	struct agreement a;
	struct arm_err e;
	struct buf y = BUF_INIT(1 << 20);

	engine_opts_init(&o);
	o.geo = &fake_geo;
	o.asof_time = asof;
	agreement_yaml(&y, inclusive, "Test agreement", tz);
	agreement_init(&a);
	if (agreement_parse(&a, y.data, y.len, "test.yaml", NULL, NULL, NULL, &e) != ARM_OK ||
	    engine_new(&eng, &o, &e) != ARM_OK || engine_set_agreement(eng, &a, 0, &e) != ARM_OK) {
		printf("not ok - engine setup: %s\n", e.msg);
		exit(1);
	}
	agreement_release(&a);
	buf_release(&y);
	return eng;
}

/* Applies a step at the next index; returns the rc and leaves the message in *e. */
static int
step(struct engine *eng, const struct step *s, struct arm_err *e)
{
	struct entry en;

	mk(&en, eng, s);
	arm_err_clear(e);
	return engine_apply(eng, &en, engine_size(eng), e);
}

#define ACCEPT(eng, ...)                                                                           \
	do {                                                                                       \
		struct step s_ = {__VA_ARGS__};                                                    \
		struct arm_err e_;                                                                 \
		int rc_ = step((eng), &s_, &e_);                                                   \
		CHECKM(rc_ == ARM_OK, e_.msg);                                                     \
	} while (0)

/* Refused with the named rule, and the state JSON is unchanged. */
#define REFUSE(eng, rule, ...)                                                                     \
	do {                                                                                       \
		struct step s_ = {__VA_ARGS__};                                                    \
		struct arm_err e_;                                                                 \
		char *before_ = state_of((eng));                                                   \
		uint64_t size_ = engine_size((eng));                                               \
		int rc_ = step((eng), &s_, &e_);                                                   \
		char *after_ = state_of((eng));                                                    \
		CHECKM(rc_ == ARM_ERULE, e_.msg);                                                  \
		CHECKM(strncmp(e_.msg, "rule " rule ":", strlen("rule " rule ":")) == 0, e_.msg);  \
		CHECK(engine_size((eng)) == size_);                                                \
		CHECK(strcmp(before_, after_) == 0);                                               \
		free(before_);                                                                     \
		free(after_);                                                                      \
	} while (0)

static int64_t state_now;

static char *
state_of(const struct engine *eng)
{
	struct buf b = BUF_INIT(16 << 20);
	struct arm_err e;

	if (engine_state_json(eng, state_now, &b, &e) != ARM_OK) {
		printf("not ok - state json: %s\n", e.msg);
		exit(1);
	}
	return (char *)buf_detach(&b, NULL);
}

static enum engine_status
st(const struct engine *eng, const char *id)
{
	struct engine_cview v;
	size_t c = agreement_commitment_index(engine_agreement(eng), id);

	if (engine_commitment_view(eng, c, state_now, &v) != ARM_OK)
		return ENGINE_NSTATUS;
	return v.status;
}

static struct engine_cview
view(const struct engine *eng, const char *id, int64_t now)
{
	struct engine_cview v;
	size_t c = agreement_commitment_index(engine_agreement(eng), id);

	memset(&v, 0, sizeof(v));
	if (engine_commitment_view(eng, c, now, &v) != ARM_OK)
		v.status = ENGINE_NSTATUS;
	return v;
}

#define CL ENTRY_CLAIM
#define AT ENTRY_ATTEST
#define WD ENTRY_WITHDRAW
#define IN ENTRY_INCIDENT
#define FI ENTRY_FINDING

/* ------------------------------------------------------------ rules */

static void
test_agreement_first(void)
{
	struct engine *eng;
	struct engine_opts o;
	struct arm_err e;
	struct entry en;
	struct step s = {CL, "north", 1, "2018-05-01T00:00:00Z", "remains", 0, 0, 0, 0, 0, 0, 0, 0};

	engine_opts_init(&o);
	CHECK(engine_new(&eng, &o, &e) == ARM_OK);
	mk(&en, eng, &s);
	CHECK(engine_apply(eng, &en, 0, &e) == ARM_ERULE);
	CHECKM(strstr(e.msg, "rule agreement-first") != NULL, e.msg);
	engine_free(eng);

	eng = new_engine(false, "+09:00", ENGINE_NO_TIME);
	memset(&en, 0, sizeof(en));
	en.kind = ENTRY_AGREEMENT;
	CHECK(engine_apply(eng, &en, 1, &e) == ARM_ERULE);
	CHECKM(strstr(e.msg, "rule agreement-first") != NULL, e.msg);
	engine_free(eng);
}

static void
test_author_and_seq(void)
{
	struct engine *eng = new_engine(false, "+09:00", ENGINE_NO_TIME);

	state_now = T("2018-06-01T00:00:00Z");
	REFUSE(eng, "author-known", CL, "nobody", 1, "2018-05-01T00:00:00Z", "loudspeakers");
	ACCEPT(eng, CL, "south", 1, "2018-05-01T00:00:00Z", "loudspeakers");
	/* replayed and duplicated: the same seq again */
	REFUSE(eng, "seq-order", ENTRY_STATEMENT, "south", 1, "2018-05-02T00:00:00Z");
	/* reordered: skipping ahead */
	REFUSE(eng, "seq-order", ENTRY_STATEMENT, "south", 3, "2018-05-02T00:00:00Z");
	ACCEPT(eng, ENTRY_STATEMENT, "south", 2, "2018-05-02T00:00:00Z");
	/* seq is per author */
	ACCEPT(eng, ENTRY_STATEMENT, "north", 1, "2018-05-02T00:00:00Z");
	engine_free(eng);
}

static void
test_agreement_id(void)
{
	struct engine *eng = new_engine(false, "+09:00", ENGINE_NO_TIME);
	struct step s = {
	    ENTRY_STATEMENT, "south", 1, "2018-05-01T00:00:00Z", 0, 0, 0, 0, 0, 0, 0, 0, 0};
	struct entry en;
	struct arm_err e;

	mk(&en, eng, &s);
	en.agreement[0] ^= 1;
	CHECK(engine_apply(eng, &en, 1, &e) == ARM_ERULE);
	CHECKM(strstr(e.msg, "rule agreement-id") != NULL, e.msg);
	en.agreement[0] ^= 1;
	CHECK(engine_apply(eng, &en, 1, &e) == ARM_OK);
	engine_free(eng);
}

static void
test_owner_only(void)
{
	struct engine *eng = new_engine(false, "+09:00", ENGINE_NO_TIME);

	REFUSE(eng, "owner-only", CL, "south", 1, "2018-07-27T00:00:00Z", "remains");
	REFUSE(eng, "owner-only", CL, "nnsc", 1, "2018-07-27T00:00:00Z", "remains");
	ACCEPT(eng, CL, "north", 1, "2018-07-27T00:00:00Z", "remains");
	REFUSE(eng, "owner-only", WD, "south", 1, "2018-07-28T00:00:00Z", "remains");
	CHECK(st(eng, "remains") == ENGINE_CLAIMED);
	engine_free(eng);
}

static void
test_verifier_only(void)
{
	struct engine *eng = new_engine(false, "+09:00", ENGINE_NO_TIME);

	ACCEPT(eng, CL, "north", 1, "2018-07-27T00:00:00Z", "remains");
	REFUSE(eng, "verifier-only", AT, "south", 1, "2018-08-01T00:00:00Z", "remains",
	       ENTRY_VERIFIED, AGREEMENT_METHOD_FORENSIC);
	REFUSE(eng, "verifier-only", AT, "monitor", 1, "2018-08-01T00:00:00Z", "remains",
	       ENTRY_VERIFIED, AGREEMENT_METHOD_FORENSIC);
	ACCEPT(eng, AT, "nnsc", 1, "2018-08-01T00:00:00Z", "remains", ENTRY_VERIFIED,
	       AGREEMENT_METHOD_FORENSIC);
	CHECK(st(eng, "remains") == ENGINE_DONE);
	/* findings: verifiers only */
	ACCEPT(eng, IN, "monitor", 1, "2019-05-04T12:00:00Z", 0, 0, 0, "launch",
	       "2019-05-04T09:06:00+09:00", "north");
	REFUSE(eng, "verifier-only", FI, "south", 1, "2019-05-05T00:00:00Z", 0, ENTRY_CONFIRMED,
	       AGREEMENT_METHOD_IMAGERY, 0, 0, 0, 0, "monitor", 1);
	ACCEPT(eng, FI, "nnsc", 2, "2019-05-05T00:00:00Z", 0, ENTRY_CONFIRMED,
	       AGREEMENT_METHOD_IMAGERY, 0, 0, 0, 0, "monitor", 1);
	engine_free(eng);
}

static void
test_requires_done(void)
{
	struct engine *eng = new_engine(false, "+09:00", ENGINE_NO_TIME);

	CHECK(st(eng, "yongbyon") == ENGINE_PENDING);
	REFUSE(eng, "requires-done", CL, "north", 1, "2018-07-01T00:00:00Z", "yongbyon");
	ACCEPT(eng, CL, "north", 1, "2018-07-22T00:00:00Z", "sohae");
	ACCEPT(eng, AT, "nnsc", 1, "2018-07-23T00:00:00Z", "sohae", ENTRY_VERIFIED,
	       AGREEMENT_METHOD_IMAGERY);
	CHECK(st(eng, "sohae") == ENGINE_HELD);
	REFUSE(eng, "requires-done", CL, "north", 2, "2018-07-24T00:00:00Z", "yongbyon");
	ACCEPT(eng, CL, "us", 1, "2018-06-19T00:00:00Z", "exercise");
	ACCEPT(eng, AT, "nnsc", 2, "2018-08-20T00:00:00Z", "exercise", ENTRY_VERIFIED,
	       AGREEMENT_METHOD_MEDIA);
	CHECK(st(eng, "sohae") == ENGINE_DONE);
	CHECK(st(eng, "exercise") == ENGINE_DONE);
	CHECK(st(eng, "yongbyon") == ENGINE_OPEN);
	/* the together group takes effect when its last member is verified */
	CHECK(view(eng, "sohae", 0).effective == T("2018-08-20T00:00:00Z"));
	/* time-order: a claim dated before its requirement took effect */
	REFUSE(eng, "time-order", CL, "north", 2, "2018-08-01T00:00:00Z", "yongbyon");
	ACCEPT(eng, CL, "north", 2, "2018-09-01T00:00:00Z", "yongbyon");
	engine_free(eng);
}

static void
test_attest_rules(void)
{
	struct engine *eng = new_engine(false, "+09:00", ENGINE_NO_TIME);
	struct engine_cview v;

	ACCEPT(eng, CL, "south", 1, "2018-11-30T00:00:00Z", "gp");
	REFUSE(eng, "attest-after-claim", AT, "north", 1, "2018-12-12T00:00:00Z", "gp",
	       ENTRY_VERIFIED, AGREEMENT_METHOD_MUTUAL);
	REFUSE(eng, "claim-once", CL, "south", 2, "2018-11-30T00:00:00Z", "gp");
	ACCEPT(eng, CL, "north", 1, "2018-11-30T00:00:00Z", "gp");
	CHECK(st(eng, "gp") == ENGINE_CLAIMED);
	REFUSE(eng, "time-order", AT, "north", 2, "2018-11-01T00:00:00Z", "gp", ENTRY_VERIFIED,
	       AGREEMENT_METHOD_MUTUAL);
	REFUSE(eng, "verifier-only", AT, "us", 1, "2018-12-12T00:00:00Z", "gp", ENTRY_VERIFIED,
	       AGREEMENT_METHOD_MUTUAL);
	ACCEPT(eng, AT, "south", 2, "2018-12-12T10:00:00Z", "gp", ENTRY_VERIFIED,
	       AGREEMENT_METHOD_MUTUAL);
	/* media is weaker than the on-site minimum: recorded, does not count */
	ACCEPT(eng, AT, "north", 2, "2018-12-12T11:00:00Z", "gp", ENTRY_VERIFIED,
	       AGREEMENT_METHOD_MEDIA);
	CHECK(st(eng, "gp") == ENGINE_CLAIMED);
	ACCEPT(eng, AT, "north", 3, "2018-12-12T17:00:00Z", "gp", ENTRY_VERIFIED,
	       AGREEMENT_METHOD_MUTUAL);
	CHECK(st(eng, "gp") == ENGINE_DONE);
	v = view(eng, "gp", 0);
	CHECK(v.strength == 3);
	CHECK(v.best == AGREEMENT_METHOD_MUTUAL);
	engine_free(eng);
}

static void
test_withdraw_and_amend(void)
{
	struct engine *eng = new_engine(false, "+09:00", ENGINE_NO_TIME);
	struct buf y = BUF_INIT(1 << 20);
	struct entry en;
	struct arm_err e;
	struct step s = {ENTRY_AMEND, 0, 0, "2021-01-01T00:00:00Z", 0, 0, 0, 0, 0, 0, 0, 0, 0};
	struct engine_cview v;

	state_now = T("2022-01-01T00:00:00Z");
	ACCEPT(eng, CL, "north", 1, "2018-07-22T00:00:00Z", "sohae");
	ACCEPT(eng, CL, "us", 1, "2018-06-19T00:00:00Z", "exercise");
	ACCEPT(eng, AT, "nnsc", 1, "2018-07-23T00:00:00Z", "sohae", ENTRY_VERIFIED,
	       AGREEMENT_METHOD_IMAGERY);
	ACCEPT(eng, AT, "nnsc", 2, "2018-07-23T00:00:00Z", "exercise", ENTRY_VERIFIED,
	       AGREEMENT_METHOD_MEDIA);
	CHECK(st(eng, "sohae") == ENGINE_DONE);
	/* Sohae rebuilt, 2019: a reversal the history keeps */
	REFUSE(eng, "owner-only", WD, "us", 2, "2019-03-06T00:00:00Z", "sohae");
	REFUSE(eng, "time-order", WD, "north", 2, "2018-07-01T00:00:00Z", "sohae");
	ACCEPT(eng, WD, "north", 2, "2019-03-06T00:00:00Z", "sohae");
	CHECK(st(eng, "sohae") == ENGINE_WITHDRAWN);
	CHECK(st(eng, "exercise") == ENGINE_DONE);
	v = view(eng, "sohae", state_now);
	CHECK(v.nreversals == 1);
	CHECK(v.nhistory >= 3);
	CHECK(v.nhistory > 0 && v.history[v.nhistory - 1].reversal);
	CHECK(v.nhistory > 0 && v.history[v.nhistory - 1].to == ENGINE_WITHDRAWN);
	REFUSE(eng, "withdrawn-needs-amendment", CL, "north", 3, "2019-04-01T00:00:00Z", "sohae");
	REFUSE(eng, "withdrawn-needs-amendment", WD, "north", 3, "2019-04-01T00:00:00Z", "sohae");
	/* the amendment (same commitments, new title) reinstates it */
	agreement_yaml(&y, false, "Test agreement, amended", "+09:00");
	mk(&en, eng, &s);
	en.body = y.data;
	en.body_len = y.len;
	hash_sha256(en.body_id, y.data, y.len);
	CHECKM(engine_apply(eng, &en, engine_size(eng), &e) == ARM_OK, e.msg);
	CHECK(strcmp(engine_agreement(eng)->title, "Test agreement, amended") == 0);
	CHECK(st(eng, "sohae") == ENGINE_OPEN);
	CHECK(st(eng, "exercise") == ENGINE_DONE);
	/* entries now name the amended agreement; seq carries over */
	REFUSE(eng, "time-order", CL, "north", 3, "2020-06-01T00:00:00Z", "sohae");
	ACCEPT(eng, CL, "north", 3, "2021-02-01T00:00:00Z", "sohae");
	CHECK(st(eng, "sohae") == ENGINE_CLAIMED);
	v = view(eng, "sohae", state_now);
	CHECK(v.nreversals == 1);
	buf_release(&y);
	engine_free(eng);
}

static void
test_times(void)
{
	struct engine *eng = new_engine(false, "+09:00", ENGINE_NO_TIME);

	REFUSE(eng, "time-wellformed", IN, "monitor", 1, "2017-11-28T00:00:00Z", 0, 0, 0, "launch",
	       "2017-11-29T03:17:00+09:00", "north");
	REFUSE(eng, "time-wellformed", ENTRY_STATEMENT, "monitor", 1, NULL);
	ACCEPT(eng, IN, "monitor", 1, "2017-11-29T12:00:00Z", 0, 0, 0, "launch",
	       "2017-11-29T03:17:00+09:00", "north");
	REFUSE(eng, "time-order", FI, "nnsc", 1, "2017-11-28T00:00:00Z", 0, ENTRY_CONFIRMED,
	       AGREEMENT_METHOD_IMAGERY, 0, 0, 0, 0, "monitor", 1);
	engine_free(eng);
}

static void
test_references(void)
{
	struct engine *eng = new_engine(false, "+09:00", ENGINE_NO_TIME);

	REFUSE(eng, "commitment-known", CL, "north", 1, "2018-07-27T00:00:00Z", "no-such");
	REFUSE(eng, "kind-known", IN, "monitor", 1, "2018-01-01T00:00:00Z", 0, 0, 0, "alien",
	       "2018-01-01T00:00:00Z", "north");
	REFUSE(eng, "actor-known", IN, "monitor", 1, "2018-01-01T00:00:00Z", 0, 0, 0, "launch",
	       "2018-01-01T00:00:00Z", "mars");
	REFUSE(eng, "incident-known", FI, "nnsc", 1, "2018-01-02T00:00:00Z", 0, ENTRY_CONFIRMED,
	       AGREEMENT_METHOD_IMAGERY, 0, 0, 0, 0, "monitor", 1);
	ACCEPT(eng, IN, "monitor", 1, "2018-01-01T00:00:00Z", 0, 0, 0, "launch",
	       "2018-01-01T00:00:00Z", "north");
	ACCEPT(eng, FI, "nnsc", 1, "2018-01-02T00:00:00Z", 0, ENTRY_CONFIRMED,
	       AGREEMENT_METHOD_IMAGERY, 0, 0, 0, 0, "monitor", 1);
	engine_free(eng);
}

/* -------------------------------------------------------- status machine */

static void
test_joint_claim(void)
{
	struct engine *eng = new_engine(false, "+09:00", ENGINE_NO_TIME);
	size_t who[8], n;
	size_t c = agreement_commitment_index(engine_agreement(eng), "loudspeakers");

	ACCEPT(eng, CL, "south", 1, "2018-05-01T00:00:00Z", "loudspeakers");
	CHECK(st(eng, "loudspeakers") == ENGINE_OPEN);
	n = engine_waiting_on(eng, c, who, 8);
	CHECK(n == 1 && who[0] == agreement_actor_index(engine_agreement(eng), "north"));
	ACCEPT(eng, CL, "north", 1, "2018-05-01T00:00:00Z", "loudspeakers");
	CHECK(st(eng, "loudspeakers") == ENGINE_DONE);
	CHECK(view(eng, "loudspeakers", 0).strength == 0);
	engine_free(eng);
}

static void
test_dispute(void)
{
	struct engine *eng = new_engine(false, "+09:00", ENGINE_NO_TIME);
	struct engine_cview v;

	ACCEPT(eng, CL, "north", 1, "2018-07-27T00:00:00Z", "remains");
	ACCEPT(eng, AT, "nnsc", 1, "2018-08-01T00:00:00Z", "remains", ENTRY_REFUTED,
	       AGREEMENT_METHOD_FORENSIC);
	CHECK(st(eng, "remains") == ENGINE_DISPUTED);
	ACCEPT(eng, AT, "nnsc", 2, "2018-08-02T00:00:00Z", "remains", ENTRY_VERIFIED,
	       AGREEMENT_METHOD_FORENSIC);
	CHECK(st(eng, "remains") == ENGINE_DONE);
	/* a refutation after done is a reversal */
	ACCEPT(eng, AT, "nnsc", 3, "2018-09-01T00:00:00Z", "remains", ENTRY_REFUTED,
	       AGREEMENT_METHOD_FORENSIC);
	v = view(eng, "remains", 0);
	CHECK(v.status == ENGINE_DISPUTED);
	CHECK(v.nreversals == 1);
	engine_free(eng);
}

static void
test_overdue(void)
{
	struct engine *eng = new_engine(false, "+09:00", ENGINE_NO_TIME);
	struct engine_cview v;

	/* due 2018-08-01 in UTC+09:00: the deadline is 2018-08-01T15:00:00Z */
	v = view(eng, "remains", T("2018-08-01T14:59:59Z"));
	CHECK(!v.overdue);
	v = view(eng, "remains", T("2018-08-01T15:00:00Z"));
	CHECK(v.overdue);
	/* relative due: 20 days after sohae takes effect; unknown before */
	CHECK(view(eng, "yongbyon", T("2030-01-01T00:00:00Z")).due == ENGINE_NO_TIME);
	ACCEPT(eng, CL, "north", 1, "2018-07-22T00:00:00Z", "sohae");
	ACCEPT(eng, CL, "us", 1, "2018-06-19T00:00:00Z", "exercise");
	ACCEPT(eng, AT, "nnsc", 1, "2018-07-23T00:00:00Z", "sohae", ENTRY_VERIFIED,
	       AGREEMENT_METHOD_IMAGERY);
	ACCEPT(eng, AT, "nnsc", 2, "2018-07-23T00:00:00Z", "exercise", ENTRY_VERIFIED,
	       AGREEMENT_METHOD_MEDIA);
	/*
	 * sohae took effect 2018-07-23 09:00 KST (day 0): "20 days after" is
	 * met by the end of day 20, 12 August KST (docs/rules.md "Schedules";
	 * this test once expected 20 x 86,400 s to the second, the bug).
	 */
	v = view(eng, "yongbyon", T("2018-08-12T14:59:59Z"));
	CHECK(v.due == T("2018-08-12T15:00:00Z"));
	CHECK(!v.overdue);
	CHECK(view(eng, "yongbyon", T("2018-08-12T15:00:00Z")).overdue);
	/* done late: not overdue any more, but late */
	ACCEPT(eng, CL, "north", 2, "2018-08-02T00:00:00Z", "remains");
	ACCEPT(eng, AT, "nnsc", 3, "2018-08-03T00:00:00Z", "remains", ENTRY_VERIFIED,
	       AGREEMENT_METHOD_FORENSIC);
	v = view(eng, "remains", T("2019-01-01T00:00:00Z"));
	CHECK(!v.overdue);
	CHECK(v.late);
	engine_free(eng);
}

static void
test_standing(void)
{
	struct engine *eng = new_engine(false, "+09:00", ENGINE_NO_TIME);
	struct engine_cview v;

	/* a launch before the moratorium took effect breaches nothing */
	ACCEPT(eng, IN, "nnsc", 1, "2017-11-29T12:00:00Z", 0, 0, 0, "launch",
	       "2017-11-29T03:17:00+09:00", "north");
	CHECK(st(eng, "moratorium") == ENGINE_OPEN);
	ACCEPT(eng, CL, "north", 1, "2018-04-21T00:00:00+09:00", "moratorium");
	CHECK(st(eng, "moratorium") == ENGINE_KEPT);
	/* reported by a monitor: not confirmed, no breach */
	ACCEPT(eng, IN, "monitor", 1, "2019-05-04T12:00:00Z", 0, 0, 0, "launch",
	       "2019-05-04T09:06:00+09:00", "north");
	CHECK(st(eng, "moratorium") == ENGINE_KEPT);
	/* an incident alleging another actor does not breach north's commitment */
	ACCEPT(eng, IN, "nnsc", 2, "2019-05-05T00:00:00Z", 0, 0, 0, "launch",
	       "2019-05-04T10:00:00Z", "us");
	CHECK(st(eng, "moratorium") == ENGINE_KEPT);
	/* confirmed by a verifier's finding: breached, a reversal */
	ACCEPT(eng, FI, "nnsc", 3, "2019-05-05T00:00:00Z", 0, ENTRY_CONFIRMED,
	       AGREEMENT_METHOD_IMAGERY, 0, 0, 0, 0, "monitor", 1);
	v = view(eng, "moratorium", 0);
	CHECK(v.status == ENGINE_BREACHED);
	CHECK(v.nbreaches == 1);
	CHECK(v.nreversals == 1);
	REFUSE(eng, "claim-once", CL, "north", 2, "2019-06-01T00:00:00Z", "moratorium");
	engine_free(eng);
}

static void
test_zones(void)
{
	struct engine *eng = new_engine(false, "+09:00", ENGINE_NO_TIME);

	ACCEPT(eng, CL, "south", 1, "2018-11-01T00:00:00+09:00", "no-fire");
	ACCEPT(eng, CL, "north", 1, "2018-11-01T00:00:00+09:00", "no-fire");
	CHECK(st(eng, "no-fire") == ENGINE_KEPT);
	/* outside the zone: no breach */
	ACCEPT(eng, IN, "nnsc", 1, "2019-01-01T00:00:00Z", 0, 0, 0, "gunfire",
	       "2019-01-01T00:00:00Z", "north", 37);
	CHECK(st(eng, "no-fire") == ENGINE_KEPT);
	/* no position: a zone-limited commitment cannot be placed, no breach */
	ACCEPT(eng, IN, "nnsc", 2, "2019-01-02T00:00:00Z", 0, 0, 0, "gunfire",
	       "2019-01-02T00:00:00Z", "north");
	CHECK(st(eng, "no-fire") == ENGINE_KEPT);
	ACCEPT(eng, IN, "nnsc", 3, "2019-11-23T12:00:00Z", 0, 0, 0, "gunfire",
	       "2019-11-23T00:00:00Z", "north", 38);
	CHECK(st(eng, "no-fire") == ENGINE_BREACHED);
	engine_free(eng);
}

/* ------------------------------------------------------------- counting */

static void
calm_case(bool inclusive, const char *tz, const char *now, int64_t want)
{
	struct engine *eng = new_engine(inclusive, tz, ENGINE_NO_TIME);
	struct engine_calm c;

	/* Hwasong-15, 29 Nov 2017 03:17 KST, reported and confirmed by a verifier */
	ACCEPT(eng, IN, "nnsc", 1, "2017-11-29T12:00:00Z", 0, 0, 0, "launch",
	       "2017-11-29T03:17:00+09:00", "north");
	/* a non-provocation later does not reset the count */
	ACCEPT(eng, IN, "nnsc", 2, "2018-03-01T12:00:00Z", 0, 0, 0, "accident",
	       "2018-03-01T00:00:00Z", "south");
	/* an unconfirmed (monitor) launch report does not either */
	ACCEPT(eng, IN, "monitor", 1, "2018-04-01T12:00:00Z", 0, 0, 0, "launch",
	       "2018-04-01T00:00:00Z", "north");
	CHECK(engine_calm(eng, T(now), &c, NULL) == ARM_OK);
	CHECK(c.found);
	CHECKM(c.days == want, now);
	CHECK(c.inclusive == inclusive);
	CHECK(c.confirmed == 1);
	CHECK(c.type != NULL && strcmp(c.type, "launch") == 0);
	engine_free(eng);
}

static void
test_days_since_provocation(void)
{
	/* DESIGN.md §3: 2017-11-29 to 2018-07-21 is 234 days exclusive, 235 inclusive */
	calm_case(false, "+09:00", "2018-07-21T12:00:00+09:00", 234);
	calm_case(true, "+09:00", "2018-07-21T12:00:00+09:00", 235);
	/* Aspen was 21 July in the US, already 22 July in Korea: 235 exclusive in KST */
	calm_case(false, "+09:00", "2018-07-21T18:00:00-06:00", 235);
	/* the launch was still 28 Nov in UTC: counted in UTC the same moment gives 235 */
	calm_case(false, "Z", "2018-07-21T12:00:00Z", 235);
	/* korea-record.md: Stratfor's 521 days to 4 May 2019 */
	calm_case(false, "+09:00", "2019-05-04T09:00:00+09:00", 521);
}

static void
test_calm_dismissed_and_gap(void)
{
	struct engine *eng = new_engine(false, "+09:00", ENGINE_NO_TIME);
	struct engine_calm c;

	ACCEPT(eng, IN, "nnsc", 1, "2017-11-29T12:00:00Z", 0, 0, 0, "launch",
	       "2017-11-29T03:17:00+09:00", "north");
	ACCEPT(eng, IN, "monitor", 1, "2019-05-04T12:00:00Z", 0, 0, 0, "launch",
	       "2019-05-04T09:06:00+09:00", "north");
	ACCEPT(eng, FI, "nnsc", 2, "2019-05-05T00:00:00Z", 0, ENTRY_CONFIRMED,
	       AGREEMENT_METHOD_IMAGERY, 0, 0, 0, 0, "monitor", 1);
	CHECK(engine_calm(eng, T("2019-05-10T00:00:00Z"), &c, NULL) == ARM_OK);
	CHECK(c.found && c.days == 6 && c.confirmed == 2);
	CHECK(c.longest_gap == 521);
	/* as of before the second launch it is not counted (occurred > now) */
	CHECK(engine_calm(eng, T("2019-05-03T00:00:00Z"), &c, NULL) == ARM_OK);
	CHECK(c.confirmed == 1);
	ACCEPT(eng, FI, "nnsc", 3, "2019-05-06T00:00:00Z", 0, ENTRY_DISMISSED,
	       AGREEMENT_METHOD_IMAGERY, 0, 0, 0, 0, "monitor", 1);
	CHECK(engine_calm(eng, T("2019-05-10T00:00:00Z"), &c, NULL) == ARM_OK);
	CHECK(c.confirmed == 1 && c.days == 527);
	engine_free(eng);
}

/* ------------------------------------------------- replay and as-of time */

static const struct step script[] = {
    {IN, "nnsc", 1, "2017-11-29T12:00:00Z", 0, 0, 0, "launch", "2017-11-29T03:17:00+09:00", "north",
     0, 0, 0},
    {CL, "south", 1, "2018-05-01T00:00:00Z", "loudspeakers", 0, 0, 0, 0, 0, 0, 0, 0},
    {CL, "north", 1, "2018-05-01T00:00:00Z", "loudspeakers", 0, 0, 0, 0, 0, 0, 0, 0},
    {CL, "north", 2, "2018-04-21T00:00:00+09:00", "moratorium", 0, 0, 0, 0, 0, 0, 0, 0},
    {CL, "us", 1, "2018-06-19T00:00:00Z", "exercise", 0, 0, 0, 0, 0, 0, 0, 0},
    {CL, "north", 3, "2018-07-22T00:00:00Z", "sohae", 0, 0, 0, 0, 0, 0, 0, 0},
    {AT, "nnsc", 2, "2018-07-23T00:00:00Z", "sohae", ENTRY_VERIFIED, AGREEMENT_METHOD_IMAGERY, 0, 0,
     0, 0, 0, 0},
    {CL, "north", 4, "2018-07-27T00:00:00Z", "remains", 0, 0, 0, 0, 0, 0, 0, 0},
    {AT, "nnsc", 3, "2018-08-01T00:00:00Z", "exercise", ENTRY_VERIFIED, AGREEMENT_METHOD_MEDIA, 0,
     0, 0, 0, 0, 0},
    {AT, "nnsc", 4, "2018-08-01T00:00:00Z", "remains", ENTRY_VERIFIED, AGREEMENT_METHOD_FORENSIC, 0,
     0, 0, 0, 0, 0},
    {WD, "north", 5, "2019-03-06T00:00:00Z", "sohae", 0, 0, 0, 0, 0, 0, 0, 0},
    {IN, "monitor", 1, "2019-05-04T12:00:00Z", 0, 0, 0, "launch", "2019-05-04T09:06:00+09:00",
     "north", 0, 0, 0},
    {FI, "nnsc", 5, "2019-05-05T00:00:00Z", 0, ENTRY_CONFIRMED, AGREEMENT_METHOD_IMAGERY, 0, 0, 0,
     0, "monitor", 1},
};

static struct engine *
replay(int64_t asof, size_t upto)
{
	struct engine *eng = new_engine(false, "+09:00", asof);
	size_t i;

	for (i = 0; i < upto && i < ARM_ARRAY_LEN(script); i++)
		ACCEPT(eng, script[i].kind, script[i].author, script[i].seq, script[i].time,
		       script[i].commitment, script[i].verdict, script[i].method, script[i].type,
		       script[i].occurred, script[i].actor, script[i].lat, script[i].inc_author,
		       script[i].inc_seq);
	return eng;
}

static void
test_replay_deterministic(void)
{
	struct engine *a = replay(ENGINE_NO_TIME, 100), *b = replay(ENGINE_NO_TIME, 100);
	char *ja, *jb;

	state_now = T("2020-01-01T00:00:00Z");
	ja = state_of(a);
	jb = state_of(b);
	CHECK(strcmp(ja, jb) == 0);
	CHECK(strstr(ja, "\"schema\":\"armistice/state/v1\"") != NULL);
	CHECK(strstr(ja, "\"days\":242") != NULL); /* 2019-05-04 to 2020-01-01 (KST dates) */
	CHECK(st(a, "sohae") == ENGINE_WITHDRAWN);
	CHECK(st(a, "moratorium") == ENGINE_BREACHED);
	free(ja);
	free(jb);
	engine_free(a);
	engine_free(b);
}

static void
test_asof(void)
{
	/* as of 21 July 2018: sohae claimed, not yet verified; moratorium kept */
	struct engine *t = replay(T("2018-07-21T23:59:59+09:00"), 100);
	struct engine *full = replay(ENGINE_NO_TIME, 100);
	struct engine *idx = replay(ENGINE_NO_TIME, 7);
	struct engine_calm c;
	size_t done, total;

	CHECK(engine_size(t) == engine_size(full));
	CHECK(st(t, "sohae") == ENGINE_OPEN);
	CHECK(st(t, "moratorium") == ENGINE_KEPT);
	CHECK(st(t, "loudspeakers") == ENGINE_DONE);
	CHECK(engine_calm(t, T("2018-07-21T12:00:00+09:00"), &c, NULL) == ARM_OK);
	CHECK(c.found && c.days == 234);
	engine_progress(t, AGREEMENT_NONE, &done, &total);
	CHECK(done == 2 && total == 8);
	/* as of index 7 (entries 0..6 of the script after the agreement) */
	CHECK(st(idx, "sohae") == ENGINE_HELD);
	CHECK(st(idx, "remains") == ENGINE_OPEN);
	CHECK(st(full, "remains") == ENGINE_DONE);
	engine_free(t);
	engine_free(full);
	engine_free(idx);
}

/* ------------------------------------------------------------- copies */

static struct engine *
clone_of(const struct engine *src, const struct engine_opts *o)
{
	struct engine *c = NULL;
	struct arm_err e;

	if (engine_clone(&c, src, o, &e) != ARM_OK) {
		printf("not ok - engine_clone: %s\n", e.msg);
		exit(1);
	}
	return c;
}

/* Both engines give the same JSON; frees nothing. */
static bool
same_state(const struct engine *a, const struct engine *b)
{
	char *ja = state_of(a), *jb = state_of(b);
	bool same = strcmp(ja, jb) == 0 && engine_size(a) == engine_size(b);

	free(ja);
	free(jb);
	return same;
}

static void
apply_script(struct engine *eng, size_t from)
{
	size_t i;

	for (i = from; i < ARM_ARRAY_LEN(script); i++)
		ACCEPT(eng, script[i].kind, script[i].author, script[i].seq, script[i].time,
		       script[i].commitment, script[i].verdict, script[i].method, script[i].type,
		       script[i].occurred, script[i].actor, script[i].lat, script[i].inc_author,
		       script[i].inc_seq);
}

static void
test_clone(void)
{
	size_t k, nsteps = ARM_ARRAY_LEN(script);
	struct engine_opts o;
	int64_t horizon = T("2018-07-21T23:59:59+09:00");
	struct engine *want = replay(horizon, 100);

	state_now = T("2020-01-01T00:00:00Z");
	/* A copy at every prefix: same state, and the same after the rest of the script. */
	for (k = 0; k <= nsteps; k++) {
		struct engine *a = replay(ENGINE_NO_TIME, k), *c = clone_of(a, NULL);
		CHECK(same_state(a, c));
		apply_script(a, k);
		apply_script(c, k);
		CHECK(same_state(a, c));
		engine_free(c);
		/* a copy of a copy, and the original freed first: nothing is shared */
		c = clone_of(a, NULL);
		engine_free(a);
		a = clone_of(c, NULL);
		engine_free(c);
		c = replay(ENGINE_NO_TIME, nsteps);
		CHECK(same_state(a, c));
		engine_free(a);
		engine_free(c);
	}
	/*
	 * A copy given an as-of horizon that every entry it holds is within
	 * continues as a replay with that horizon would (statecache.h).
	 */
	engine_opts_init(&o);
	o.geo = &fake_geo;
	o.asof_time = horizon;
	for (k = 0; k <= 5; k++) { /* script[5] is dated after the horizon */
		struct engine *a = replay(ENGINE_NO_TIME, k), *c = clone_of(a, &o);
		apply_script(c, k);
		CHECKM(same_state(c, want), "as-of copy");
		engine_free(a);
		engine_free(c);
	}
	engine_free(want);
}

static void
test_clone_amended(void)
{
	struct engine *eng = new_engine(false, "+09:00", ENGINE_NO_TIME), *before, *after;
	struct buf y = BUF_INIT(1 << 20);
	struct entry en;
	struct arm_err e;
	struct step s = {ENTRY_AMEND, 0, 0, "2021-01-01T00:00:00Z", 0, 0, 0, 0, 0, 0, 0, 0, 0};

	state_now = T("2022-01-01T00:00:00Z");
	ACCEPT(eng, CL, "north", 1, "2018-07-22T00:00:00Z", "sohae");
	ACCEPT(eng, AT, "nnsc", 1, "2018-07-23T00:00:00Z", "sohae", ENTRY_VERIFIED,
	       AGREEMENT_METHOD_IMAGERY);
	ACCEPT(eng, WD, "north", 2, "2019-03-06T00:00:00Z", "sohae");
	before = clone_of(eng, NULL);
	agreement_yaml(&y, false, "Test agreement, amended", "+09:00");
	mk(&en, eng, &s);
	en.body = y.data;
	en.body_len = y.len;
	hash_sha256(en.body_id, y.data, y.len);
	/* the amendment applied to the original and to a copy taken before it */
	CHECKM(engine_apply(eng, &en, engine_size(eng), &e) == ARM_OK, e.msg);
	CHECKM(engine_apply(before, &en, engine_size(before), &e) == ARM_OK, e.msg);
	CHECK(same_state(eng, before));
	/* a copy of the amended engine holds the amended agreement */
	after = clone_of(eng, NULL);
	CHECK(strcmp(engine_agreement(after)->title, "Test agreement, amended") == 0);
	CHECK(memcmp(engine_agreement(after)->id, engine_agreement(eng)->id, HASH_SIZE) == 0);
	ACCEPT(eng, CL, "north", 3, "2021-02-01T00:00:00Z", "sohae");
	ACCEPT(after, CL, "north", 3, "2021-02-01T00:00:00Z", "sohae");
	ACCEPT(before, CL, "north", 3, "2021-02-01T00:00:00Z", "sohae");
	CHECK(st(after, "sohae") == ENGINE_CLAIMED);
	CHECK(same_state(eng, after));
	CHECK(same_state(eng, before));
	/* the twin: one more entry on one side, and the states differ */
	ACCEPT(after, AT, "nnsc", 2, "2021-02-02T00:00:00Z", "sohae", ENTRY_VERIFIED,
	       AGREEMENT_METHOD_IMAGERY);
	CHECK(!same_state(eng, after));
	CHECK(engine_footprint(eng) > sizeof(void *));
	buf_release(&y);
	engine_free(eng);
	engine_free(before);
	engine_free(after);
}

/*
 * As of a moment before an amendment: the amendment and what follows it
 * (naming the new agreement) are checked but change nothing; an entry
 * naming neither agreement is still refused; engine_set_asof() after
 * entry 0; the counts are as of the moment.
 */
static void
amend_at(struct engine *eng, const char *title, const char *time, struct arm_err *e, int *rc)
{
	struct buf y = BUF_INIT(1 << 20);
	struct entry en;
	struct step s = {ENTRY_AMEND, 0, 0, time, 0, 0, 0, 0, 0, 0, 0, 0, 0};

	agreement_yaml(&y, false, title, "+09:00");
	mk(&en, eng, &s);
	en.body = y.data;
	en.body_len = y.len;
	hash_sha256(en.body_id, y.data, y.len);
	*rc = engine_apply(eng, &en, engine_size(eng), e);
	buf_release(&y);
}

static void
test_asof_amendments(void)
{
	struct engine *eng = new_engine(false, "+09:00", ENGINE_NO_TIME);
	struct buf y = BUF_INIT(1 << 20);
	uint8_t old_id[HASH_SIZE], new_id[HASH_SIZE];
	struct arm_err e;
	struct entry en;
	struct step s = {CL, "north", 2, "2019-02-01T00:00:00Z", "sohae", 0, 0, 0, 0, 0, 0, 0, 0};
	int rc;
	char t[26];

	CHECK(engine_set_asof(eng, T("2018-12-01T00:00:00Z"), &e) == ARM_OK);
	CHECK(engine_asof(eng) == T("2018-12-01T00:00:00Z"));
	state_now = T("2018-12-01T00:00:00Z");
	memcpy(old_id, engine_agreement(eng)->id, HASH_SIZE);
	ACCEPT(eng, CL, "north", 1, "2018-07-22T00:00:00Z", "sohae");
	CHECK(engine_last_counted(eng));
	CHECK(engine_set_asof(eng, ENGINE_NO_TIME, &e) == ARM_EUSAGE);
	amend_at(eng, "Test agreement, amended", "2019-01-01T00:00:00Z", &e, &rc);
	CHECKM(rc == ARM_OK, e.msg);
	CHECK(!engine_last_counted(eng));
	/* the state is still the original agreement's */
	CHECK(memcmp(engine_agreement(eng)->id, old_id, HASH_SIZE) == 0);
	CHECK(strcmp(engine_agreement(eng)->title, "Test agreement") == 0);
	/* entries after it name the new agreement: accepted, not counted */
	agreement_yaml(&y, false, "Test agreement, amended", "+09:00");
	hash_sha256(new_id, y.data, y.len);
	mk(&en, eng, &s);
	memcpy(en.agreement, new_id, HASH_SIZE);
	CHECKM(engine_apply(eng, &en, engine_size(eng), &e) == ARM_OK, e.msg);
	CHECK(!engine_last_counted(eng));
	CHECK(st(eng, "sohae") == ENGINE_CLAIMED);
	/* one naming the old agreement after the amendment: refused */
	s.seq = 3;
	mk(&en, eng, &s);
	CHECK(engine_apply(eng, &en, engine_size(eng), &e) == ARM_ERULE);
	CHECKM(strncmp(e.msg, "rule agreement-id:", 18) == 0, e.msg);
	/* a second amendment, signed under the first: followed */
	memset(&en, 0, sizeof(en));
	{
		struct buf y2 = BUF_INIT(1 << 20);
		agreement_yaml(&y2, false, "Test agreement, amended twice", "+09:00");
		en.kind = ENTRY_AMEND;
		memcpy(en.agreement, new_id, HASH_SIZE);
		en.has_time = true;
		en.time.t = T("2020-01-01T00:00:00Z");
		en.body = y2.data;
		en.body_len = y2.len;
		hash_sha256(en.body_id, y2.data, y2.len);
		CHECKM(engine_apply(eng, &en, engine_size(eng), &e) == ARM_OK, e.msg);
		/* a body that is not the agreement its digest names: refused */
		en.time.t = T("2020-02-01T00:00:00Z");
		memcpy(en.agreement, en.body_id, HASH_SIZE);
		en.body_id[0] ^= 1;
		CHECK(engine_apply(eng, &en, engine_size(eng), &e) == ARM_ERULE);
		CHECKM(strstr(e.msg, "rule amend-body") != NULL, e.msg);
		buf_release(&y2);
	}
	CHECK(engine_counted(eng) == 2);
	CHECK(engine_size(eng) == 5);
	{
		struct engine_record r;
		engine_record(eng, agreement_actor_index(engine_agreement(eng), "north"), state_now,
		              &r);
		CHECK(r.entries == 1);
	}
	engine_time_local(T("2018-07-21T14:59:59Z"), 9 * 3600, t);
	CHECKM(strcmp(t, "2018-07-21T23:59:59+09:00") == 0, t);
	engine_time_local(T("2018-07-21T14:59:59Z"), -(3 * 3600 + 1800), t);
	CHECKM(strcmp(t, "2018-07-21T11:29:59-03:30") == 0, t);
	engine_time_local(T("2018-07-21T14:59:59Z"), 0, t);
	CHECKM(strcmp(t, "2018-07-21T14:59:59Z") == 0, t);
	buf_release(&y);
	engine_free(eng);
}

static void
test_wait_chain(void)
{
	struct engine *eng = new_engine(false, "+09:00", ENGINE_NO_TIME);
	const struct agreement *a = engine_agreement(eng);
	size_t chain[8], who[8], n;
	size_t yb = agreement_commitment_index(a, "yongbyon");

	n = engine_wait_chain(eng, yb, chain, 8);
	CHECK(n == 2 && chain[0] == yb && chain[1] == agreement_commitment_index(a, "sohae"));
	n = engine_waiting_on(eng, yb, who, 8);
	CHECK(n == 1 && who[0] == agreement_actor_index(a, "north"));
	ACCEPT(eng, CL, "north", 1, "2018-07-22T00:00:00Z", "sohae");
	ACCEPT(eng, AT, "nnsc", 1, "2018-07-23T00:00:00Z", "sohae", ENTRY_VERIFIED,
	       AGREEMENT_METHOD_IMAGERY);
	/* sohae is held: it waits on the exercise's owner */
	n = engine_waiting_on(eng, agreement_commitment_index(a, "sohae"), who, 8);
	CHECK(n == 1 && who[0] == agreement_actor_index(a, "us"));
	n = engine_wait_chain(eng, yb, chain, 8);
	CHECK(n == 3 && chain[1] == agreement_commitment_index(a, "sohae") &&
	      chain[2] == agreement_commitment_index(a, "exercise"));
	engine_free(eng);
}

static void
test_strength_mapping(void)
{
	CHECK(engine_strength(AGREEMENT_METHOD_NONE) == 0);
	CHECK(engine_strength(AGREEMENT_METHOD_SELF) == 1);
	CHECK(engine_strength(AGREEMENT_METHOD_MEDIA) == 1);
	CHECK(engine_strength(AGREEMENT_METHOD_IMAGERY) == 2);
	CHECK(engine_strength(AGREEMENT_METHOD_ON_SITE) == 2);
	CHECK(engine_strength(AGREEMENT_METHOD_MUTUAL) == 3);
	CHECK(engine_strength(AGREEMENT_METHOD_INVESTIGATION) == 3);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	make_keys();
	RUN(test_agreement_first);
	RUN(test_author_and_seq);
	RUN(test_agreement_id);
	RUN(test_owner_only);
	RUN(test_verifier_only);
	RUN(test_requires_done);
	RUN(test_attest_rules);
	RUN(test_withdraw_and_amend);
	RUN(test_times);
	RUN(test_references);
	RUN(test_joint_claim);
	RUN(test_dispute);
	RUN(test_overdue);
	RUN(test_standing);
	RUN(test_zones);
	RUN(test_days_since_provocation);
	RUN(test_calm_dismissed_and_gap);
	RUN(test_replay_deterministic);
	RUN(test_asof);
	RUN(test_asof_amendments);
	RUN(test_clone);
	RUN(test_clone_amended);
	RUN(test_wait_chain);
	RUN(test_strength_mapping);
	return HARNESS_DONE();
}
