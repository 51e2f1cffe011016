/*
 * bench_replay.c - state-engine replay rate on a generated history, with
 * and without signature checks, against libsodium's raw Ed25519 verify
 * rate measured in the same run; and the engine's memory per entry.
 *
 * The history: an agreement with 4 parties, 2 verifiers, a monitor, 400
 * commitments in chains of five (`requires`) and 10 standing ones; every
 * commitment claimed and verified, then progress reports, statements,
 * incident reports by the monitor and a verifier's finding on each (the
 * findings confirm, so standing commitments are breached), 1,000,000
 * entries in all, each a canonical entry (entry_format) in a signed note.
 *
 * Signing a million entries would take longer than a bench should, so the
 * first SIGNED entries carry real signatures and the rest a well-formed
 * signature line copied from their author's earlier entry (valid base64,
 * right key id, wrong signature). The replay without signatures parses
 * the note and the entry and applies the rules to all 1,000,000; the
 * replay with signatures (entry_open: signature, then rules) runs on the
 * SIGNED validly signed ones. Times are CPU time of this thread (the
 * machine is shared), best of ROUNDS.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "armistice/agreement.h"
#include "armistice/engine.h"
#include "armistice/entry.h"
#include "armistice/note.h"
#include "armistice/parfor.h"
#include "armistice/sigbatch.h"
#include "bench.h"
#include "armistice/common.h"

#define TOTAL 1000000u
#define SIGNED 50000u
#define NCOMMIT 400u
#define NSTANDING 10u
#define ROUNDS 2

static void
die(const char *what, const struct arm_err *e)
{
	fprintf(stderr, "bench_replay: %s: %s\n", what, e ? e->msg : "");
	exit(1);
}

enum { P0, P1, P2, P3, V0, V1, M0, NACT };
static const char *const ids[NACT] = {"p0", "p1", "p2", "p3", "v0", "v1", "m0"};
static const char *const roles[NACT] = {"party",    "party",    "party",  "party",
                                        "verifier", "verifier", "monitor"};
static struct note_signer signers[NACT];
static char sigline[NACT][256]; /* a well-formed signature line per author */
static uint64_t seqs[NACT];

static void
make_agreement(struct buf *y, const char *logvkey)
{
	struct arm_err e;
	struct note_verifier v;
	struct buf k = BUF_INIT(1024);
	unsigned i;

	if (buf_printf(y, &e,
	               "armistice: agreement/v1\nname: bench\ntitle: Replay benchmark (generated)\n"
	               "timezone: \"+09:00\"\nlog:\n  origin: bench.example\n  key: %s\n"
	               "  quorum: none\nactors:\n",
	               logvkey) != ARM_OK)
		die("yaml", &e);
	for (i = 0; i < NACT; i++) {
		note_signer_verifier(&signers[i], &v);
		buf_reset(&k);
		if (note_verifier_format(&v, &k, &e) != ARM_OK ||
		    buf_printf(y, &e,
		               "  - {id: %s, name: %s (bench key), role: %s, keys: [\"%s\"]}\n",
		               ids[i], ids[i], roles[i], (const char *)k.data) != ARM_OK)
			die("yaml actors", &e);
	}
	if (buf_puts(y,
	             "phases:\n  - {id: a, name: A}\n  - {id: b, name: B}\n"
	             "incident_kinds:\n  - {id: launch, name: Launch, provocation: true}\n"
	             "commitments:\n",
	             &e) != ARM_OK)
		die("yaml", &e);
	for (i = 0; i < NCOMMIT; i++) {
		if (buf_printf(y, &e, "  - {id: c%u, owner: p%u, phase: %s, text: Step %u.", i,
		               i % 4, i < NCOMMIT / 2 ? "a" : "b", i) != ARM_OK)
			die("yaml", &e);
		if (i % 5 != 0 && buf_printf(y, &e, ", requires: [c%u]", i - 1) != ARM_OK)
			die("yaml", &e);
		if (buf_puts(y, ", verify: {by: [v0, v1], quorum: 1, method: imagery}}\n", &e) !=
		    ARM_OK)
			die("yaml", &e);
	}
	for (i = 0; i < NSTANDING; i++)
		if (buf_printf(y, &e,
		               "  - {id: s%u, owner: p%u, phase: a, text: No launches., "
		               "standing: {breached_by: [launch]}}\n",
		               i, i % 4) != ARM_OK)
			die("yaml", &e);
	buf_release(&k);
}

/* The history, contiguous: offsets into one buffer. */
struct hist {
	struct buf all;
	size_t *off, *len;
	size_t n;
};

static int64_t t_base;

static void
add_entry(struct hist *h, struct entry *en, int author, const uint8_t *agid, bool sign)
{
	struct arm_err e;
	struct buf text = BUF_INIT(ENTRY_MAX_SIZE);
	const struct note_signer *s = &signers[author];
	size_t start = h->all.len;

	memcpy(en->agreement, agid, HASH_SIZE);
	en->author = (char *)(uintptr_t)ids[author];
	en->seq = ++seqs[author];
	en->has_time = true;
	en->time.t = t_base + (int64_t)h->n * 60;
	en->time.offset = 0;
	if (entry_format(en, &text, &e) != ARM_OK)
		die("entry_format", &e);
	if (sign || sigline[author][0] == '\0') {
		if (note_sign((const char *)text.data, text.len, &s, 1, &h->all, &e) != ARM_OK)
			die("note_sign", &e);
		if (sigline[author][0] == '\0') {
			const char *p = (const char *)h->all.data + start + text.len + 1;
			size_t l = h->all.len - (start + text.len + 1);
			if (l >= sizeof(sigline[author]))
				die("signature line too long", NULL);
			memcpy(sigline[author], p, l);
			sigline[author][l] = '\0';
		}
	} else {
		if (buf_append(&h->all, text.data, text.len, &e) != ARM_OK ||
		    buf_puts(&h->all, "\n", &e) != ARM_OK ||
		    buf_puts(&h->all, sigline[author], &e) != ARM_OK)
			die("append", &e);
	}
	h->off[h->n] = start;
	h->len[h->n] = h->all.len - start;
	h->n++;
	buf_release(&text);
}

static void
generate(struct hist *h, const uint8_t *agid)
{
	struct entry en;
	char cid[16], txt[64], val[24];
	unsigned i;
	uint64_t last_inc = 0;

	h->off = calloc(TOTAL, sizeof(size_t));
	h->len = calloc(TOTAL, sizeof(size_t));
	if (h->off == NULL || h->len == NULL)
		die("out of memory", NULL);
	buf_init(&h->all, (size_t)1 << 34);
	for (i = 0; i < NSTANDING; i++) {
		memset(&en, 0, sizeof(en));
		en.kind = ENTRY_CLAIM;
		snprintf(cid, sizeof(cid), "s%u", i);
		en.commitment = cid;
		add_entry(h, &en, (int)(i % 4), agid, h->n < SIGNED);
	}
	for (i = 0; i < NCOMMIT; i++) {
		memset(&en, 0, sizeof(en));
		en.kind = ENTRY_CLAIM;
		snprintf(cid, sizeof(cid), "c%u", i);
		en.commitment = cid;
		add_entry(h, &en, (int)(i % 4), agid, h->n < SIGNED);
		memset(&en, 0, sizeof(en));
		en.kind = ENTRY_ATTEST;
		en.commitment = cid;
		en.verdict = ENTRY_VERIFIED;
		en.method = AGREEMENT_METHOD_IMAGERY;
		add_entry(h, &en, V0 + (int)(i % 2), agid, h->n < SIGNED);
	}
	for (i = 0; h->n < TOTAL; i++) {
		unsigned k = i % 10;
		memset(&en, 0, sizeof(en));
		snprintf(cid, sizeof(cid), "c%u", i % NCOMMIT);
		if (k < 4) {
			en.kind = ENTRY_PROGRESS;
			en.commitment = cid;
			en.quantity = (char *)(uintptr_t) "area";
			snprintf(val, sizeof(val), "%u", i);
			en.value = val;
			en.unit = (char *)(uintptr_t) "km2";
			add_entry(h, &en, (int)((i % NCOMMIT) % 4), agid, h->n < SIGNED);
		} else if (k < 6) {
			en.kind = ENTRY_STATEMENT;
			snprintf(txt, sizeof(txt), "Statement number %u.", i);
			en.text = txt;
			add_entry(h, &en, (int)(i % 4), agid, h->n < SIGNED);
		} else if (k < 8 || last_inc == 0) {
			en.kind = ENTRY_INCIDENT;
			en.type = (char *)(uintptr_t) "launch";
			en.has_occurred = true;
			en.occurred.t = t_base + (int64_t)h->n * 60 - 30;
			en.has_position = true;
			en.lat_e7 = 380000000 + (int64_t)(i % 1000) * 1000;
			en.lon_e7 = 1270000000;
			en.actor = (char *)(uintptr_t)ids[i % 4];
			snprintf(txt, sizeof(txt), "Launch number %u.", i);
			en.text = txt;
			add_entry(h, &en, M0, agid, h->n < SIGNED);
			last_inc = seqs[M0];
		} else {
			en.kind = ENTRY_FINDING;
			en.has_incident = true;
			snprintf(en.incident.author, sizeof(en.incident.author), "m0");
			en.incident.seq = last_inc;
			en.verdict = ENTRY_CONFIRMED;
			en.method = AGREEMENT_METHOD_IMAGERY;
			add_entry(h, &en, V1, agid, h->n < SIGNED);
			last_inc = 0;
		}
	}
}

static struct engine *
fresh(const struct buf *yaml, bool verify)
{
	struct engine_opts o;
	struct engine *eng;
	struct agreement a;
	struct arm_err e;

	engine_opts_init(&o);
	o.verify_sigs = verify;
	agreement_init(&a);
	if (agreement_parse(&a, yaml->data, yaml->len, "bench", NULL, NULL, NULL, &e) != ARM_OK ||
	    engine_new(&eng, &o, &e) != ARM_OK || engine_set_agreement(eng, &a, 0, &e) != ARM_OK)
		die("engine", &e);
	agreement_release(&a);
	return eng;
}

/* Replays entries [0, n) of h; returns CPU seconds; *mem = heap growth. */
static double
replay(const struct hist *h, size_t n, const struct buf *yaml, bool verify, size_t *mem,
       struct engine **keep)
{
	struct engine *eng;
	struct arm_err e;
	struct mallinfo2 m0, m1;
	double t0, t;
	size_t i;

	m0 = mallinfo2();
	eng = fresh(yaml, verify);
	t0 = bench_cpu_now();
	for (i = 0; i < n; i++)
		if (engine_apply_note(eng, i + 1, h->all.data + h->off[i], h->len[i], &e) != ARM_OK)
			die("replay", &e);
	t = bench_cpu_now() - t0;
	m1 = mallinfo2();
	/* uordblks: in-use heap; hblkhd: large blocks in their own mmap */
	if (mem != NULL)
		*mem = m1.uordblks + m1.hblkhd > m0.uordblks + m0.hblkhd
		           ? (m1.uordblks + m1.hblkhd) - (m0.uordblks + m0.hblkhd)
		           : 0;
	if (keep != NULL)
		*keep = eng;
	else
		engine_free(eng);
	return t;
}

static double
raw_verify_rate(const struct hist *h, size_t n)
{
	struct note nt;
	struct arm_err e;
	uint8_t pk[crypto_sign_PUBLICKEYBYTES];
	double t0, t;
	size_t i, done = 0;
	struct {
		const uint8_t *msg;
		size_t len;
		uint8_t sig[64];
		const uint8_t *pk;
	} *jobs = calloc(n, sizeof(*jobs));

	(void)pk;
	if (jobs == NULL)
		die("out of memory", NULL);
	/* Pre-parse so that only crypto_sign_verify_detached is timed. */
	for (i = 0; i < n; i++) {
		int a;
		if (note_parse(&nt, h->all.data + h->off[i], h->len[i], 0, &e) != ARM_OK ||
		    nt.nsigs != 1)
			die("note_parse", &e);
		for (a = 0; a < NACT; a++)
			if (strcmp(nt.sigs[0].name, signers[a].name) == 0)
				jobs[i].pk = signers[a].pk;
		memcpy(jobs[i].sig, nt.sigs[0].sig, 64);
		jobs[i].msg = h->all.data + h->off[i]; /* the text is the note's prefix */
		jobs[i].len = nt.text_len;
		note_release(&nt);
	}
	t0 = bench_cpu_now();
	do {
		for (i = 0; i < n && i < 4096; i++, done++)
			if (crypto_sign_verify_detached(jobs[i].sig, jobs[i].msg, jobs[i].len,
			                                jobs[i].pk) != 0)
				die("raw verify failed", NULL);
		t = bench_cpu_now() - t0;
	} while (t < 1.0);
	free(jobs);
	return (double)done / t;
}

/* Raw verify on every thread: the jobs of raw_verify_rate, shared out by parfor. */
struct rawjob {
	const struct hist *h;
	const uint8_t *const *msg;
	const size_t *tlen;
	const uint8_t (*sig)[64];
	const uint8_t *const *pk;
};

static void
raw_share(void *ctx, size_t lo, size_t hi, unsigned t)
{
	const struct rawjob *j = ctx;
	size_t i;

	(void)t;
	for (i = lo; i < hi; i++)
		if (crypto_sign_verify_detached(j->sig[i], j->msg[i], j->tlen[i], j->pk[i]) != 0)
			die("raw verify failed", NULL);
}

/* Wall seconds to verify the first n signatures on `threads` threads. */
static double
raw_parallel_seconds(const struct hist *h, size_t n, unsigned threads)
{
	const uint8_t **msg = calloc(n, sizeof(*msg)), **pk = calloc(n, sizeof(*pk));
	size_t *tlen = calloc(n, sizeof(*tlen));
	uint8_t(*sig)[64] = calloc(n, sizeof(*sig));
	struct rawjob j;
	struct note nt;
	struct arm_err e;
	double t0, t;
	size_t i;
	int a;

	if (msg == NULL || pk == NULL || tlen == NULL || sig == NULL)
		die("out of memory", NULL);
	for (i = 0; i < n; i++) {
		if (note_parse(&nt, h->all.data + h->off[i], h->len[i], 0, &e) != ARM_OK ||
		    nt.nsigs != 1)
			die("note_parse", &e);
		for (a = 0; a < NACT; a++)
			if (strcmp(nt.sigs[0].name, signers[a].name) == 0)
				pk[i] = signers[a].pk;
		memcpy(sig[i], nt.sigs[0].sig, 64);
		msg[i] = h->all.data + h->off[i];
		tlen[i] = nt.text_len;
		note_release(&nt);
	}
	j = (struct rawjob){h, msg, tlen, (const uint8_t(*)[64])sig, pk};
	t0 = bench_wall_now();
	parfor(n, threads, raw_share, &j);
	t = bench_wall_now() - t0;
	free(msg);
	free(pk);
	free(tlen);
	free(sig);
	return t;
}

/*
 * Wall seconds to replay [0, n) with signatures, each chunk's signatures
 * checked ahead on `threads` threads (sigbatch.h), the rules in order on
 * this thread: what `armistice status` and `verify` do (cli_replay_scan).
 */
static double
replay_parallel_seconds(const struct hist *h, size_t n, const struct buf *yaml, unsigned threads)
{
	enum { CHUNK = 4096 };
	struct engine *eng = fresh(yaml, true);
	struct sigbatch sb;
	struct note_verifier *keys = NULL;
	size_t nkeys = 0, cap = 0, i, k;
	const uint8_t **ptr = calloc(n, sizeof(*ptr));
	struct arm_err e;
	double t0, t;

	memset(&sb, 0, sizeof(sb));
	if (ptr == NULL)
		die("out of memory", NULL);
	for (i = 0; i < n; i++)
		ptr[i] = h->all.data + h->off[i];
	if (sigbatch_agreement_keys(engine_agreement(eng), &keys, &nkeys, &cap, &e) != ARM_OK)
		die("keys", &e);
	t0 = bench_wall_now();
	for (i = 0; i < n; i += CHUNK) {
		size_t m = n - i < CHUNK ? n - i : CHUNK;
		if (sigbatch_run(&sb, ptr + i, h->len + i, m, keys, nkeys, threads, &e) != ARM_OK)
			die("sigbatch", &e);
		sigmemo_use(&sb.memo);
		for (k = i; k < i + m; k++)
			if (engine_apply_note(eng, k + 1, ptr[k], h->len[k], &e) != ARM_OK)
				die("parallel replay", &e);
		sigmemo_use(NULL);
	}
	t = bench_wall_now() - t0;
	sigbatch_release(&sb);
	free(keys);
	free(ptr);
	engine_free(eng);
	return t;
}

int
main(void)
{
	struct arm_err e;
	struct note_signer logk;
	struct note_verifier lv;
	struct buf yaml = BUF_INIT(1 << 22), lk = BUF_INIT(1024), js = BUF_INIT((size_t)1 << 30);
	struct agreement a;
	struct hist h;
	struct engine *eng = NULL;
	double raw, tn = 1e9, ts = 1e9, tn_small = 1e9, tj, t0, gen, tpar = 1e9, traw = 1e9;
	unsigned threads = parfor_threads();
	size_t mem = 0, r;
	int i;

	if (sodium_init() < 0)
		return 1;
	t_base = 1546300800; /* 2019-01-01T00:00:00Z */
	for (i = 0; i < NACT; i++)
		if (note_signer_generate(&signers[i], ids[i], NOTE_KEY_ED25519, &e) != ARM_OK)
			die("keygen", &e);
	if (note_signer_generate(&logk, "bench.example", NOTE_KEY_ED25519, &e) != ARM_OK)
		die("keygen", &e);
	note_signer_verifier(&logk, &lv);
	if (note_verifier_format(&lv, &lk, &e) != ARM_OK)
		die("vkey", &e);
	make_agreement(&yaml, (const char *)lk.data);
	agreement_init(&a);
	if (agreement_parse(&a, yaml.data, yaml.len, "bench", NULL, NULL, NULL, &e) != ARM_OK)
		die("agreement", &e);
	memset(&h, 0, sizeof(h));
	t0 = bench_cpu_now();
	generate(&h, a.id);
	gen = bench_cpu_now() - t0;
	agreement_release(&a);

	raw = raw_verify_rate(&h, SIGNED);
	/* The whole history once (it dominates the run), then the small rows. */
	tn = replay(&h, TOTAL, &yaml, false, &mem, &eng);
	for (r = 0; r < ROUNDS; r++) {
		double t;
		t = replay(&h, SIGNED, &yaml, true, NULL, NULL);
		ts = t < ts ? t : ts;
		t = replay(&h, SIGNED, &yaml, false, NULL, NULL);
		tn_small = t < tn_small ? t : tn_small;
		/* Both cores: the replay and its limit, rounds interleaved (wall time). */
		t = raw_parallel_seconds(&h, SIGNED, threads);
		traw = t < traw ? t : traw;
		t = replay_parallel_seconds(&h, SIGNED, &yaml, threads);
		tpar = t < tpar ? t : tpar;
	}
	t0 = bench_cpu_now();
	if (engine_state_json(eng, t_base + (int64_t)TOTAL * 60, &js, &e) != ARM_OK)
		die("state json", &e);
	tj = bench_cpu_now() - t0;

	printf("## State engine replay (bench/bench_replay.c)\n\n");
	printf("Generated history: %u entries (%zu MB of signed notes, %.1f s to generate), "
	       "%u commitments in chains of five plus %u standing, 4 parties, 2 verifiers, "
	       "a monitor. CPU time of one thread; the %u-entry rows best of %d.\n\n",
	       TOTAL, h.all.len >> 20, gen, NCOMMIT, NSTANDING, SIGNED, ROUNDS);
	printf("| replay | entries | seconds | entries/s | ratio to raw Ed25519 verify |\n");
	printf("|---|---:|---:|---:|---:|\n");
	printf("| raw `crypto_sign_verify_detached` (libsodium) | %u | - | %.0f | 1.00 |\n", SIGNED,
	       raw);
	printf("| signatures + parse + rules (`entry_open`, `engine_apply`) | %u | %.2f | %.0f | "
	       "%.2f |\n",
	       SIGNED, ts, SIGNED / ts, (SIGNED / ts) / raw);
	printf("\nOn %u threads (wall time, best of %d; the machine's other work counts):\n\n",
	       threads, ROUNDS);
	printf("| replay | entries | seconds | entries/s | ratio to raw verify on %u threads |\n",
	       threads);
	printf("|---|---:|---:|---:|---:|\n");
	printf("| raw verify, %u threads (parfor) | %u | %.2f | %.0f | 1.00 |\n", threads, SIGNED,
	       traw, SIGNED / traw);
	printf("| signatures checked ahead on %u threads (sigbatch), rules in order on one | %u | "
	       "%.2f | %.0f | %.2f |\n\n",
	       threads, SIGNED, tpar, SIGNED / tpar, traw / tpar);
	printf("| replay | entries | seconds | entries/s | ratio to raw Ed25519 verify |\n");
	printf("|---|---:|---:|---:|---:|\n");
	printf("| parse + rules, no signatures, same entries | %u | %.2f | %.0f | %.2f |\n", SIGNED,
	       tn_small, SIGNED / tn_small, (SIGNED / tn_small) / raw);
	printf("| parse + rules, no signatures, whole history | %u | %.2f | %.0f | %.2f |\n", TOTAL,
	       tn, TOTAL / tn, (TOTAL / tn) / raw);
	printf("\nEngine memory after the %u-entry replay: %.1f MB, %.1f bytes per entry "
	       "(%zu incidents kept; statements and progress keep no per-entry state).\n",
	       TOTAL, (double)mem / 1048576.0, (double)mem / TOTAL, engine_nincidents(eng));
	printf("State JSON of the result: %zu bytes in %.3f s.\n", js.len, tj);
	engine_free(eng);
	buf_release(&js);
	buf_release(&yaml);
	buf_release(&lk);
	buf_release(&h.all);
	free(h.off);
	free(h.len);
	for (i = 0; i < NACT; i++)
		note_signer_release(&signers[i]);
	note_signer_release(&logk);
	return 0;
}
