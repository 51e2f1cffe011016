/*
 * test_alloc_fail.c - every allocation libarmistice makes can fail.
 *
 * As SQLite's and curl's test suites do: run an operation once counting
 * the allocations it makes, then again and again with the Nth one failing,
 * for N = 1, 2, ... until a run makes fewer than N allocations (it never
 * reached the failure, so it must have succeeded). Each failed run must
 * return a clean error (ARM_ENOMEM, or another code with a message;
 * never a crash), free everything it allocated, and, for the log, leave
 * every file byte for byte as it was and the log verifying.
 *
 * Which allocations: the test is linked with the linker's --wrap for
 * malloc, calloc, realloc, strdup and strndup (Makefile, the rule for
 * this binary only), which redirects the calls made by libarmistice.a
 * (and this file) to the __wrap_ functions below and leaves the shared
 * libraries' own allocations (libfyaml, GEOS, SQLite, OpenSSL, libsodium,
 * libc's stdio) alone. Those libraries are not under test here: see
 * docs/deploy.md "Allocation failures" for what is known of each.
 *
 * Leaks are found without a sanitizer: every block handed out while the
 * fault is armed is recorded and crossed off when freed (free is wrapped
 * too); after the operation has cleaned up, nothing may remain. Under
 * ASan (make SANITIZE=address) LeakSanitizer checks the same at exit.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "armistice/agreement.h"
#include "armistice/ckpt.h"
#include "armistice/csv.h"
#include "armistice/engine.h"
#include "armistice/entry.h"
#include "armistice/geo.h"
#include "armistice/hash.h"
#include "armistice/log.h"
#include "armistice/note.h"
#include "armistice/tproof.h"
#include "armistice/witness.h"
#include "armistice/common.h"
#include "harness.h"

/* ---- the allocator under test ---- */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void __real_free(void *p);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
void __wrap_free(void *p);

static int armed;             /* count (and fail) allocations */
static unsigned long count;   /* allocations seen while armed */
static unsigned long fail_at; /* 0: never; else the count that fails */
static int failed;            /* the planned failure happened */

/* Blocks handed out while armed and not yet freed (open addressing). */
#define LIVE_SLOTS (1u << 18)
static void *live[LIVE_SLOTS];
static unsigned long nlive;
static int live_full;

static size_t
live_slot(const void *p)
{
	uintptr_t h = (uintptr_t)p;
	h ^= h >> 17;
	h *= (uintptr_t)0x9e3779b97f4a7c15ull;
	return (size_t)(h >> 7) & (LIVE_SLOTS - 1);
}

static void
live_add(void *p)
{
	size_t i = live_slot(p);

	if (nlive >= LIVE_SLOTS / 2) {
		live_full = 1;
		return;
	}
	while (live[i] != NULL && live[i] != (void *)1)
		i = (i + 1) & (LIVE_SLOTS - 1);
	live[i] = p;
	nlive++;
}

static void
live_del(void *p)
{
	size_t i = live_slot(p);

	/* (void *)1 marks a deleted slot so that probing goes on past it. */
	while (live[i] != NULL) {
		if (live[i] == p) {
			live[i] = (void *)1;
			nlive--;
			return;
		}
		i = (i + 1) & (LIVE_SLOTS - 1);
	}
}

static void
live_clear(void)
{
	memset(live, 0, sizeof(live));
	nlive = 0;
	live_full = 0;
}

/* Whether this allocation is the one to fail. */
static int
alloc_fails(void)
{
	if (!armed)
		return 0;
	count++;
	if (fail_at != 0 && count == fail_at) {
		failed = 1;
		return 1;
	}
	return 0;
}

void *
__wrap_malloc(size_t n)
{
	void *p;
	if (alloc_fails())
		return NULL;
	p = __real_malloc(n);
	if (p != NULL && armed)
		live_add(p);
	return p;
}

void *
__wrap_calloc(size_t n, size_t m)
{
	void *p;
	if (alloc_fails())
		return NULL;
	p = __real_calloc(n, m);
	if (p != NULL && armed)
		live_add(p);
	return p;
}

void *
__wrap_realloc(void *old, size_t n)
{
	void *p;
	if (alloc_fails())
		return NULL; /* old stays valid, as realloc(3) says */
	p = __real_realloc(old, n);
	if (p != NULL) {
		if (old != NULL)
			live_del(old);
		if (armed)
			live_add(p);
	}
	return p;
}

char *
__wrap_strdup(const char *s)
{
	char *p;
	if (alloc_fails())
		return NULL;
	p = __real_strdup(s);
	if (p != NULL && armed)
		live_add(p);
	return p;
}

char *
__wrap_strndup(const char *s, size_t n)
{
	char *p;
	if (alloc_fails())
		return NULL;
	p = __real_strndup(s, n);
	if (p != NULL && armed)
		live_add(p);
	return p;
}

void
__wrap_free(void *p)
{
	if (p != NULL)
		live_del(p);
	__real_free(p);
}

/* ---- the walk ---- */

/*
 * One operation: run(ctx) does the work with allocations armed and
 * returns its rc with e set; cleanup(ctx) frees what a successful run
 * kept (unarmed); check(ctx, rc, n) checks what must hold after each run
 * (the result on success, the log unchanged on failure) and frees the
 * result; then nothing allocated during the run may be left.
 */
struct op {
	const char *name;
	int (*run)(void *ctx, struct arm_err *e);
	void (*cleanup)(void *ctx);
	void (*check)(void *ctx, int rc, unsigned long n);
	void *ctx;
};

static void
walk(const struct op *op)
{
	unsigned long n, total = 0, clean = 0, other = 0, survived = 0;
	int ok = 1, fails_before = harness_fail;
	char name[160];

	snprintf(name, sizeof(name), "alloc_fail %s", op->name);
	harness_test = name;
	for (n = 1;; n++) {
		struct arm_err e;
		int rc;

		arm_err_clear(&e);
		live_clear();
		count = 0;
		failed = 0;
		fail_at = n;
		armed = 1;
		rc = op->run(op->ctx, &e);
		armed = 0;
		op->cleanup(op->ctx);
		if (op->check != NULL)
			op->check(op->ctx, rc, n); /* frees what it checked */
		if (live_full || nlive != 0) {
			printf("not ok - %s: %lu block(s) leaked with allocation %lu failing (rc "
			       "%d: %s)\n",
			       name, nlive, n, rc, e.msg);
			harness_fail++;
			ok = 0;
		}
		if (!failed) {
			/* The run made fewer than n allocations: it must have succeeded. */
			total = count;
			if (rc != ARM_OK) {
				printf("not ok - %s: fails (%s) without an allocation failing\n",
				       name, e.msg);
				harness_fail++;
				ok = 0;
			}
			break;
		}
		if (rc == ARM_OK) {
			survived++; /* an allocation that may fail (a cache, a hint) */
		} else if (rc == ARM_ENOMEM) {
			clean++;
		} else {
			other++;
		}
		if (rc != ARM_OK && e.msg[0] == '\0') {
			printf(
			    "not ok - %s: allocation %lu failing gives rc %d without a message\n",
			    name, n, rc);
			harness_fail++;
			ok = 0;
		}
		if (n > 200000) {
			printf("not ok - %s: more than 200000 allocations\n", name);
			harness_fail++;
			return;
		}
	}
	fail_at = 0;
	printf("# %s: %lu allocations; failing each: %lu out of memory, %lu another error, %lu "
	       "still succeeded\n",
	       op->name, total, clean, other, survived);
	ok = ok && harness_fail == fails_before; /* and every check() passed */
	if (ok)
		printf("ok - %s\n", name);
	else
		printf("not ok - %s\n", name);
	if (ok)
		harness_pass++;
}

/* ---- fixtures: the pilot agreement and signed entries ---- */

#define TOP_KEYS "tests/data/keys/"
#define TOP_AGR "tests/data/agreements/"

static struct buf yaml = BUF_INIT(1 << 20);
static struct buf zone = BUF_INIT(1 << 20);
static struct buf notes[10];
static size_t nnotes;
static struct note_signer signers[4]; /* south, north, nnsc, log */
static char origin[] = "demo.armistice.example/gp-pilot";
static struct buf ckpt_note = BUF_INIT(1 << 16);
static struct note_verifier logvkey;

static int
slurp_into(const char *path, struct buf *b)
{
	FILE *f = fopen(path, "rb");
	char tmp[4096];
	size_t got;
	struct arm_err e;

	if (f == NULL)
		return -1;
	while ((got = fread(tmp, 1, sizeof(tmp), f)) > 0)
		if (buf_append(b, tmp, got, &e) != ARM_OK) {
			fclose(f);
			return -1;
		}
	fclose(f);
	return 0;
}

static int
fixture_read_zone(void *ctx, const char *rel, struct buf *out, struct arm_err *e)
{
	(void)ctx;
	if (strcmp(rel, "zones/jsa-buffer.geojson") != 0)
		return arm_err_set(e, ARM_ENOTFOUND, "zone file '%s': not in the fixture", rel);
	return buf_append(out, zone.data, zone.len, e);
}

static void
sign_into(struct buf *out, const char *text, const struct note_signer *s1,
          const struct note_signer *s2)
{
	const struct note_signer *ss[2] = {s1, s2};
	struct arm_err e;

	buf_init(out, 1 << 20);
	if (note_sign(text, strlen(text), ss, s2 ? 2 : 1, out, &e) != ARM_OK) {
		printf("not ok - fixture: sign: %s\n", e.msg);
		exit(1);
	}
}

static void
fixtures(void)
{
	static const char *const keys[] = {"demo-south.key", "demo-north.key", "demo-nnsc.key",
	                                   "demo-log.key"};
	char aid[2 * HASH_SIZE + 1], zid[2 * HASH_SIZE + 1], text[1 << 16];
	uint8_t h[HASH_SIZE];
	struct buf b = BUF_INIT(4096), body = BUF_INIT(1 << 20);
	struct arm_err e;
	size_t i;

	for (i = 0; i < 4; i++) {
		char path[256];
		buf_reset(&b);
		snprintf(path, sizeof(path), TOP_KEYS "%s", keys[i]);
		if (slurp_into(path, &b) != 0 || b.len == 0 ||
		    note_signer_parse(&signers[i], (const char *)b.data,
		                      b.len - (b.data[b.len - 1] == '\n'), &e) != ARM_OK) {
			printf("not ok - fixture: key %s (run from the top directory)\n", path);
			exit(1);
		}
	}
	note_signer_verifier(&signers[3], &logvkey);
	if (slurp_into(TOP_AGR "pilot.yaml", &yaml) != 0 ||
	    slurp_into(TOP_AGR "zones/jsa-buffer.geojson", &zone) != 0) {
		printf("not ok - fixture: pilot agreement (run from the top directory)\n");
		exit(1);
	}
	hash_sha256(h, yaml.data, yaml.len);
	for (i = 0; i < HASH_SIZE; i++)
		snprintf(aid + 2 * i, 3, "%02x", h[i]);
	hash_sha256(h, zone.data, zone.len);
	for (i = 0; i < HASH_SIZE; i++)
		snprintf(zid + 2 * i, 3, "%02x", h[i]);

	snprintf(text, sizeof(text),
	         "armistice/entry/v1\nkind: agreement\nagreement: %s\nzone: jsa sha256:%s\n\n%s",
	         aid, zid, (const char *)yaml.data);
	sign_into(&notes[nnotes++], text, &signers[0], &signers[1]);
#define ENTRY(signer, ...)                                                                         \
	do {                                                                                       \
		snprintf(text, sizeof(text), "armistice/entry/v1\n" __VA_ARGS__);                  \
		sign_into(&notes[nnotes++], text, &signers[signer], NULL);                         \
	} while (0)
	ENTRY(0,
	      "kind: claim\nagreement: %s\nauthor: south\nseq: 1\ntime: 2018-11-30T09:00:00+09:00\n"
	      "commitment: gp-south\ntext: Eleven guard posts withdrawn and destroyed.\n",
	      aid);
	ENTRY(1,
	      "kind: claim\nagreement: %s\nauthor: north\nseq: 1\ntime: 2018-11-30T10:00:00+09:00\n"
	      "commitment: gp-north\ntext: Eleven guard posts withdrawn and destroyed.\n",
	      aid);
	ENTRY(2,
	      "kind: attest\nagreement: %s\nauthor: nnsc\nseq: 1\ntime: 2018-12-12T15:00:00+09:00\n"
	      "commitment: gp-south\nverdict: verified\nmethod: on-site\n",
	      aid);
	ENTRY(
	    1,
	    "kind: attest\nagreement: %s\nauthor: north\nseq: 2\ntime: 2018-12-12T16:00:00+09:00\n"
	    "commitment: gp-south\nverdict: verified\nmethod: on-site\n",
	    aid);
	/* An incident inside the JSA zone: the standing commitment's geometry is checked. */
	ENTRY(0,
	      "kind: incident\nagreement: %s\nauthor: south\nseq: 2\ntime: "
	      "2019-01-02T08:00:00+09:00\n"
	      "type: gunfire\noccurred: 2019-01-01T23:10:00+09:00\nlat: 37.956\nlon: 126.677\n"
	      "actor: north\ntext: Four rounds across the line.\n",
	      aid);
	/* A verifier confirms it: the days of calm count from it (engine_calm). */
	ENTRY(
	    2,
	    "kind: finding\nagreement: %s\nauthor: nnsc\nseq: 2\ntime: 2019-01-03T10:00:00+09:00\n"
	    "incident: south/2\nverdict: confirmed\nmethod: on-site\n",
	    aid);
#undef ENTRY
	/* A log-signed checkpoint for ckpt_open. */
	snprintf(text, sizeof(text), "%s\n7\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
	         origin);
	{
		const struct note_signer *ss[1] = {&signers[3]};
		if (note_sign(text, strlen(text), ss, 1, &ckpt_note, &e) != ARM_OK) {
			printf("not ok - fixture: checkpoint: %s\n", e.msg);
			exit(1);
		}
	}
	buf_release(&b);
	buf_release(&body);
}

/* ---- the parsers ---- */

static struct note pnote;
static int
run_note(void *ctx, struct arm_err *e)
{
	(void)ctx;
	memset(&pnote, 0, sizeof(pnote));
	return note_parse(&pnote, notes[0].data, notes[0].len, 0, e);
}
static void
clean_note(void *ctx)
{
	(void)ctx;
	note_release(&pnote);
}

static struct entry pentry;
static int
run_entry(void *ctx, struct arm_err *e)
{
	struct note n;
	int rc;
	const struct buf *src = ctx;

	/* The unsigned text of a signed entry: up to the blank line. */
	memset(&n, 0, sizeof(n));
	entry_init(&pentry);
	if ((rc = note_parse(&n, src->data, src->len, 0, e)) != ARM_OK)
		return rc;
	rc = entry_parse(&pentry, (const uint8_t *)n.text, n.text_len, e);
	note_release(&n);
	return rc;
}
static void
clean_entry(void *ctx)
{
	(void)ctx;
	entry_release(&pentry);
}

static struct ckpt pckpt;
static struct note pcknote;
static int
run_ckpt(void *ctx, struct arm_err *e)
{
	(void)ctx;
	memset(&pcknote, 0, sizeof(pcknote));
	return ckpt_open(ckpt_note.data, ckpt_note.len, &logvkey, origin, &pckpt, &pcknote, e);
}
static void
clean_ckpt(void *ctx)
{
	(void)ctx;
	note_release(&pcknote);
}

static struct agreement pagr;
static int
run_agreement(void *ctx, struct arm_err *e)
{
	struct buf diags = BUF_INIT(1 << 16);
	int rc;

	(void)ctx;
	agreement_init(&pagr);
	rc = agreement_parse(&pagr, yaml.data, yaml.len, "pilot.yaml", fixture_read_zone, NULL,
	                     &diags, e);
	buf_release(&diags);
	return rc;
}
static void
clean_agreement(void *ctx)
{
	(void)ctx;
	agreement_release(&pagr);
}

/* ---- the engine: a replay of the agreement and entries ---- */

static char *state_want;
static struct buf state_got = BUF_INIT(1 << 22);

static int
run_engine(void *ctx, struct arm_err *e)
{
	struct engine_opts o;
	struct engine_geo g;
	struct geo_map *map = NULL;
	struct engine *eng = NULL;
	int rc;
	size_t i;

	(void)ctx;
	buf_release(&state_got);
	if ((rc = geo_map_new(&map, e)) != ARM_OK)
		return rc;
	g.in_zone = geo_engine_in_zone;
	g.ctx = map;
	g.place = geo_engine_place;
	engine_opts_init(&o);
	o.geo = &g;
	o.read_file = fixture_read_zone;
	if ((rc = engine_new(&eng, &o, e)) != ARM_OK)
		goto out;
	for (i = 0; i < nnotes; i++)
		if ((rc = engine_apply_note(eng, i, notes[i].data, notes[i].len, e)) != ARM_OK)
			goto out;
	rc = engine_state_json(eng, 1548979200 /* 2019-02-01 */, &state_got, e);
out:
	engine_free(eng);
	geo_map_free(map);
	return rc;
}
static void
clean_engine(void *ctx)
{
	(void)ctx;
}
static void
check_engine(void *ctx, int rc, unsigned long n)
{
	(void)ctx;
	if (rc == ARM_OK && state_want != NULL &&
	    (state_got.len != strlen(state_want) ||
	     memcmp(state_got.data, state_want, state_got.len))) {
		printf(
		    "not ok - alloc_fail engine: allocation %lu failing changes the state JSON\n",
		    n);
		harness_fail++;
	}
	buf_release(&state_got);
}

/* ---- one append to a log ---- */

static char logdir[300];

#define SNAP_MAX 256
struct snap {
	char name[SNAP_MAX][160];
	uint8_t h[SNAP_MAX][HASH_SIZE];
	int n;
};
static struct snap before, after;

static void
snap_walk(struct snap *s, const char *root, const char *rel)
{
	char p[800], sub[400];
	DIR *d;
	struct dirent *de;
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if ((d = opendir(p)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    strcmp(de->d_name, "lock") == 0 || strncmp(de->d_name, "index.db", 8) == 0)
			continue; /* the lock, and the index SQLite rebuilds on demand */
		snprintf(sub, sizeof(sub), "%s%s%s", rel, rel[0] ? "/" : "", de->d_name);
		snprintf(p, sizeof(p), "%s/%s", root, sub);
		if (lstat(p, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			snap_walk(s, root, sub);
		} else if (s->n < SNAP_MAX) {
			struct buf b = BUF_INIT(1 << 24);
			(void)slurp_into(p, &b);
			snprintf(s->name[s->n], sizeof(s->name[0]), "%.150s", sub);
			hash_sha256(s->h[s->n], b.data, b.len);
			s->n++;
			buf_release(&b);
		}
	}
	closedir(d);
}

static int
snap_find(const struct snap *s, const char *name)
{
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->name[i], name) == 0)
			return i;
	return -1;
}

static int
snap_same(const struct snap *a, const struct snap *b, char *why, size_t cap)
{
	int i, j;

	for (i = 0; i < a->n; i++) {
		j = snap_find(b, a->name[i]);
		if (j < 0 || memcmp(a->h[i], b->h[j], HASH_SIZE) != 0) {
			snprintf(why, cap, "%s %s", a->name[i], j < 0 ? "removed" : "changed");
			return 0;
		}
	}
	for (i = 0; i < b->n; i++)
		if (snap_find(a, b->name[i]) < 0) {
			snprintf(why, cap, "%s added", b->name[i]);
			return 0;
		}
	return 1;
}

static uint64_t log_want; /* the size before the append */

static int
run_log(void *ctx, struct arm_err *e)
{
	struct log_opts o;
	struct log *l = NULL;
	struct log_result res[2];
	const uint8_t *ents[2];
	size_t lens[2];
	int rc;

	(void)ctx;
	memset(&o, 0, sizeof(o));
	o.writer = true;
	o.key = &signers[3];
	ents[0] = notes[4].data;
	lens[0] = notes[4].len;
	ents[1] = notes[5].data;
	lens[1] = notes[5].len;
	if ((rc = log_open(&l, logdir, &o, e)) != ARM_OK)
		return rc;
	rc = log_append_many(l, ents, lens, 2, res, e);
	log_close(l);
	return rc;
}
static int
replay_cb(void *ctx, uint64_t index, const uint8_t *entry, size_t len, struct arm_err *e)
{
	return engine_apply_note(ctx, index, entry, len, e);
}

/* As serve does: replay the log into the rules engine, then append through it. */
static int
run_log_rules(void *ctx, struct arm_err *e)
{
	struct log_opts o;
	struct log *l = NULL;
	struct engine_opts eo;
	struct engine_geo g;
	struct geo_map *map = NULL;
	struct engine *eng = NULL;
	struct log_result res[1];
	const uint8_t *ents[1];
	size_t lens[1];
	int rc;

	(void)ctx;
	if ((rc = geo_map_new(&map, e)) != ARM_OK)
		return rc;
	g.in_zone = geo_engine_in_zone;
	g.ctx = map;
	g.place = geo_engine_place;
	engine_opts_init(&eo);
	eo.geo = &g;
	eo.read_file = fixture_read_zone;
	if ((rc = engine_new(&eng, &eo, e)) != ARM_OK)
		goto out;
	memset(&o, 0, sizeof(o));
	o.writer = true;
	o.key = &signers[3];
	o.hooks.ctx = eng;
	o.hooks.check = engine_log_check;
	o.hooks.done = engine_log_done;
	/* One entry: the incident, whose zone the rules check with GEOS. */
	ents[0] = notes[5].data;
	lens[0] = notes[5].len;
	if ((rc = log_open(&l, logdir, &o, e)) != ARM_OK)
		goto out;
	if ((rc = log_scan(l, 0, log_size(l), replay_cb, eng, e)) != ARM_OK)
		goto out;
	rc = log_append_many(l, ents, lens, 1, res, e);
	/* A refused entry (the rules hook failed) is returned in res[], not as rc. */
	if (rc == ARM_OK && res[0].err.rc != ARM_OK) {
		*e = res[0].err;
		rc = e->rc;
	}
out:
	log_close(l);
	engine_free(eng);
	geo_map_free(map);
	return rc;
}

static void
clean_log(void *ctx)
{
	(void)ctx;
}
static void
check_log(void *ctx, int rc, unsigned long n)
{
	struct log *r = NULL;
	struct log_verify_report rep;
	struct arm_err e;
	char why[300];

	arm_err_clear(&e);
	if (log_open(&r, logdir, NULL, &e) != ARM_OK || log_verify(r, NULL, &rep, &e) != ARM_OK) {
		printf("not ok - alloc_fail log: allocation %lu failing leaves a log that does not "
		       "verify: %s\n",
		       n, e.msg);
		harness_fail++;
	} else if (rep.size != (rc == ARM_OK ? log_want + *(const int *)ctx : log_want)) {
		printf("not ok - alloc_fail log: allocation %lu failing (rc %d) leaves size %llu\n",
		       n, rc, (unsigned long long)rep.size);
		harness_fail++;
	}
	log_close(r);
	if (rc == ARM_OK)
		return;
	memset(&after, 0, sizeof(after));
	snap_walk(&after, logdir, "");
	if (!snap_same(&before, &after, why, sizeof(why))) {
		printf("not ok - alloc_fail log: allocation %lu failing changes the log: %s\n", n,
		       why);
		harness_fail++;
	}
}

static char tmproot[200];

static void rm_rf(const char *path);

/* A fresh log of 4 entries (notes 0..3) for each log operation. */
static void
log_setup(void)
{
	struct log_opts o;
	struct log *l = NULL;
	struct log_result res[4];
	const uint8_t *ents[4];
	size_t lens[4];
	struct arm_err e;
	static int seq;

	snprintf(logdir, sizeof(logdir), "%s/log%d", tmproot, seq++);
	memset(&o, 0, sizeof(o));
	o.writer = true;
	o.key = &signers[3];
	for (int i = 0; i < 4; i++) {
		ents[i] = notes[i].data;
		lens[i] = notes[i].len;
	}
	if (log_create(logdir, origin, &signers[3], NULL, &e) != ARM_OK ||
	    log_open(&l, logdir, &o, &e) != ARM_OK ||
	    log_append_many(l, ents, lens, 4, res, &e) != ARM_OK) {
		printf("not ok - log setup: %s\n", e.msg);
		exit(1);
	}
	log_close(l);
	log_want = 4;
	memset(&before, 0, sizeof(before));
	snap_walk(&before, logdir, "");
}

/* ---- the server's path: log_add with the rules, then log_publish ---- */

static int
run_log_add(void *ctx, struct arm_err *e)
{
	struct log_opts o;
	struct log *l = NULL;
	struct engine_opts eo;
	struct engine_geo g;
	struct geo_map *map = NULL;
	struct engine *eng = NULL;
	uint64_t index;
	bool dup;
	int rc;

	(void)ctx;
	if ((rc = geo_map_new(&map, e)) != ARM_OK)
		return rc;
	g.in_zone = geo_engine_in_zone;
	g.ctx = map;
	g.place = geo_engine_place;
	engine_opts_init(&eo);
	eo.geo = &g;
	eo.read_file = fixture_read_zone;
	if ((rc = engine_new(&eng, &eo, e)) != ARM_OK)
		goto out;
	memset(&o, 0, sizeof(o));
	o.writer = true;
	o.key = &signers[3];
	o.batch_ms = 1;
	o.manual_publish = true; /* serve publishes once witnesses cosign */
	o.hooks.ctx = eng;
	o.hooks.check = engine_log_check;
	o.hooks.done = engine_log_done;
	if ((rc = log_open(&l, logdir, &o, e)) != ARM_OK)
		goto out;
	if ((rc = log_scan(l, 0, log_size(l), replay_cb, eng, e)) != ARM_OK)
		goto out;
	rc = log_add(l, notes[5].data, notes[5].len, &index, &dup, e);
out:
	log_close(l);
	engine_free(eng);
	geo_map_free(map);
	return rc;
}

/* A cosigner that adds one (fake) cosignature line, as a witness would. */
static int
fake_cosign(void *ctx, const uint8_t *ckpt, size_t len, struct buf *sigs, struct arm_err *e)
{
	(void)ctx;
	(void)ckpt;
	(void)len;
	return buf_puts(
	    sigs, "— witness.example AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
	    e);
}

static int
run_publish(void *ctx, struct arm_err *e)
{
	struct log_opts o;
	struct log *l = NULL;
	uint64_t size = 0;
	int rc;

	(void)ctx;
	memset(&o, 0, sizeof(o));
	o.writer = true;
	o.key = &signers[3];
	o.manual_publish = true;
	if ((rc = log_open(&l, logdir, &o, e)) != ARM_OK)
		return rc;
	rc = log_publish(l, fake_cosign, NULL, &size, e);
	log_close(l);
	return rc;
}

/* Whatever happened, the log verifies; a failure changed no file. */
static void
check_log_any(void *ctx, int rc, unsigned long n)
{
	struct log *r = NULL;
	struct log_verify_report rep;
	struct arm_err e;
	char why[300];
	const char *name = ctx;

	arm_err_clear(&e);
	if (log_open(&r, logdir, NULL, &e) != ARM_OK || log_verify(r, NULL, &rep, &e) != ARM_OK) {
		printf("not ok - alloc_fail %s: allocation %lu failing leaves a log that does not "
		       "verify: %s\n",
		       name, n, e.msg);
		harness_fail++;
	}
	log_close(r);
	if (rc == ARM_OK) {
		memset(&before, 0, sizeof(before));
		snap_walk(&before, logdir, ""); /* the next operation starts from here */
		return;
	}
	memset(&after, 0, sizeof(after));
	snap_walk(&after, logdir, "");
	if (!snap_same(&before, &after, why, sizeof(why))) {
		printf("not ok - alloc_fail %s: allocation %lu failing changes the log: %s\n", name,
		       n, why);
		harness_fail++;
	}
}

/* ---- a receipt: tproof_parse and tproof_verify ---- */

static struct buf receipt = BUF_INIT(1 << 16);

static int
run_tproof(void *ctx, struct arm_err *e)
{
	struct tproof p;
	struct ckpt c;
	struct note n;
	int rc;

	(void)ctx;
	memset(&p, 0, sizeof(p));
	memset(&n, 0, sizeof(n));
	if ((rc = tproof_parse(&p, receipt.data, receipt.len, TPROOF_MAX_SIZE, e)) != ARM_OK)
		return rc;
	rc = tproof_verify(&p, notes[2].data, notes[2].len, &logvkey, &c, &n, e);
	note_release(&n);
	tproof_release(&p);
	return rc;
}

static void
receipt_setup(void)
{
	struct log *l = NULL;
	struct tproof p;
	struct arm_err e;

	memset(&p, 0, sizeof(p));
	if (log_open(&l, logdir, NULL, &e) != ARM_OK ||
	    log_prove(l, 2, log_size(l), &p, &e) != ARM_OK ||
	    tproof_format(&p, &receipt, &e) != ARM_OK) {
		printf("not ok - receipt setup: %s\n", e.msg);
		exit(1);
	}
	tproof_release(&p);
	log_close(l);
}

/* ---- an incident import: csv_to_utf8 and the reader ---- */

static const char csv_latin1[] =
    "date,type,lat,lon,text\r\n"
    "2019-01-01,gunfire,37.956,126.677,\"Tir \xe0 la ligne, \"\"4\"\"\"\r\n"
    "2019-01-02,mine-accident,37.9,126.7,Mine\r\n";

static int
run_csv(void *ctx, struct arm_err *e)
{
	struct buf u = BUF_INIT(1 << 16);
	struct csv_reader r;
	struct csv_record rec;
	bool done = false;
	int rc;

	(void)ctx;
	memset(&r, 0, sizeof(r));
	if ((rc = csv_to_utf8((const uint8_t *)csv_latin1, sizeof(csv_latin1) - 1, CSV_LATIN1, &u,
	                      e)) != ARM_OK)
		goto out;
	if ((rc = csv_reader_init(&r, u.data, u.len, e)) != ARM_OK)
		goto out;
	while (rc == ARM_OK && !done)
		rc = csv_next(&r, &rec, &done, e);
out:
	csv_reader_release(&r);
	buf_release(&u);
	return rc;
}

static void
clean_none(void *ctx)
{
	(void)ctx;
}

/* ---- a witness cosigning the log's checkpoint ---- */

static char wdir[400];
static struct buf wbody = BUF_INIT(1 << 16);
static struct witness_reply wrep;
static struct note_signer wkey;
static struct snap wbefore;

static int
run_witness(void *ctx, struct arm_err *e)
{
	struct witness w;
	const char *origins[1] = {origin};
	int rc;

	(void)ctx;
	witness_reply_init(&wrep);
	if ((rc = witness_open(&w, wdir, &wkey, &logvkey, origins, 1, e)) != ARM_OK)
		return rc;
	rc = witness_add_checkpoint(&w, wbody.data, wbody.len, 1700000000, &wrep, e);
	witness_close(&w);
	return rc;
}
static void
clean_witness(void *ctx)
{
	(void)ctx;
}
static void
check_witness(void *ctx, int rc, unsigned long n)
{
	struct snap now;
	char why[300];

	(void)ctx;
	if (rc == ARM_OK && wrep.status != 200) {
		/* Out of memory must not be told to the log as a bad checkpoint. */
		printf("not ok - alloc_fail witness: allocation %lu failing answers %d: %s\n", n,
		       wrep.status, wrep.body.data ? (const char *)wrep.body.data : "");
		harness_fail++;
	}
	witness_reply_release(&wrep);
	if (rc == ARM_OK)
		return;
	memset(&now, 0, sizeof(now));
	snap_walk(&now, wdir, "");
	if (!snap_same(&wbefore, &now, why, sizeof(why))) {
		printf(
		    "not ok - alloc_fail witness: allocation %lu failing changes its state: %s\n",
		    n, why);
		harness_fail++;
	}
}

static void
witness_setup(void)
{
	struct buf b = BUF_INIT(4096), ck = BUF_INIT(1 << 16);
	char path[400];
	struct arm_err e;
	struct witness w;
	const char *origins[1] = {origin};

	snprintf(wdir, sizeof(wdir), "%s/witness", tmproot);
	snprintf(path, sizeof(path), "%s/checkpoint", logdir);
	if (slurp_into(TOP_KEYS "demo-w-south.key", &b) != 0 || b.len == 0 ||
	    note_signer_parse(&wkey, (const char *)b.data, b.len - (b.data[b.len - 1] == '\n'),
	                      &e) != ARM_OK ||
	    slurp_into(path, &ck) != 0 ||
	    witness_req_format(0, NULL, 0, ck.data, ck.len, &wbody, &e) != ARM_OK ||
	    witness_open(&w, wdir, &wkey, &logvkey, origins, 1, &e) != ARM_OK) {
		printf("not ok - witness setup\n");
		exit(1);
	}
	witness_close(&w);
	memset(&wbefore, 0, sizeof(wbefore));
	snap_walk(&wbefore, wdir, "");
	buf_release(&b);
	buf_release(&ck);
}

static void
rm_rf(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	char p[700];

	if (d == NULL) {
		unlink(path);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, de->d_name);
		rm_rf(p);
	}
	closedir(d);
	rmdir(path);
}

int
main(void)
{
	static int one = 1, two = 2; /* entries each log operation appends */
	struct op ops[] = {
	    {"note_parse", run_note, clean_note, NULL, NULL},
	    {"entry_parse (claim)", run_entry, clean_entry, NULL, &notes[1]},
	    {"entry_parse (incident)", run_entry, clean_entry, NULL, &notes[5]},
	    {"ckpt_open", run_ckpt, clean_ckpt, NULL, NULL},
	    {"agreement_parse", run_agreement, clean_agreement, NULL, NULL},
	    {"engine replay", run_engine, clean_engine, check_engine, NULL},
	    {"log append", run_log, clean_log, check_log, &two},
	    {"log append through the rules", run_log_rules, clean_log, check_log, &one},
	    {"witness add-checkpoint", run_witness, clean_witness, check_witness, NULL},
	    {"log_add as serve does", run_log_add, clean_none, check_log_any, "log_add"},
	    {"log_publish with a cosignature", run_publish, clean_none, check_log_any, "publish"},
	    {"tproof parse and verify", run_tproof, clean_none, NULL, NULL},
	    {"csv import (latin-1)", run_csv, clean_none, NULL, NULL},
	};
	char tmpl[] = "/tmp/armistice-allocfail.XXXXXX";
	struct arm_err e;
	size_t i;

	fixtures();
	/* The expected state, computed once with nothing failing. */
	if (run_engine(NULL, &e) != ARM_OK) {
		printf("not ok - engine replay without failures: %s\n", e.msg);
		return 1;
	}
	state_want = (char *)buf_detach(&state_got, NULL);
	if (mkdtemp(tmpl) == NULL) {
		printf("not ok - mkdtemp\n");
		return 1;
	}
	snprintf(tmproot, sizeof(tmproot), "%s", tmpl);
	for (i = 0; i < ARM_ARRAY_LEN(ops); i++) {
		if (ops[i].run == run_log || ops[i].run == run_log_rules ||
		    ops[i].run == run_log_add)
			log_setup();
		if (ops[i].run == run_tproof)
			receipt_setup();
		if (ops[i].run == run_witness)
			witness_setup();
		walk(&ops[i]);
	}
	free(state_want);
	for (i = 0; i < nnotes; i++)
		buf_release(&notes[i]);
	for (i = 0; i < 4; i++)
		note_signer_release(&signers[i]);
	buf_release(&yaml);
	buf_release(&zone);
	buf_release(&ckpt_note);
	note_signer_release(&wkey);
	buf_release(&wbody);
	buf_release(&receipt);
	rm_rf(tmproot);
	return HARNESS_DONE();
}
