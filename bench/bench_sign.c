/*
 * bench_sign.c - Ed25519 signing and verification through the signed-note
 * layer (note_sign, note_parse + note_verify, cosig_sign) against
 * libsodium's raw crypto_sign_detached / crypto_sign_verify_detached on
 * the same bytes, measured in the same run. The ratio column says what the
 * note layer (UTF-8 checks, base64, line framing, allocation, the
 * cosignature message) costs on top of the signature itself.
 *
 * The machine is shared, so each row alternates the layer and the raw
 * call for BENCH_ROUNDS rounds of BENCH_SECONDS each and keeps the best
 * rate of each: interference only ever slows a round down. The whole table
 * takes about 15 s.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "armistice/cosig.h"
#include "armistice/note.h"
#include "bench.h"
#include "armistice/common.h"

#define BENCH_SECONDS 0.25
#define BENCH_ROUNDS 4

/* A job is one operation; it returns non-zero on failure. */
typedef int (*bench_fn)(void *);

/* Operations per second of fn, run in batches until BENCH_SECONDS pass. */
static double
rate(bench_fn fn, void *arg)
{
	double t0 = bench_cpu_now(), t;
	unsigned long n = 0;
	int i;

	do {
		for (i = 0; i < 64; i++)
			if (fn(arg) != 0) {
				fprintf(stderr, "bench_sign: an operation failed\n");
				exit(1);
			}
		n += 64;
		t = bench_cpu_now() - t0;
	} while (t < BENCH_SECONDS);
	return (double)n / t;
}

struct job {
	const char *text; /* the message: entry text or checkpoint body */
	size_t len;
	const uint8_t *note; /* the signed note */
	size_t note_len;
	struct note parsed;
	struct note_signer *signer;
	struct note_verifier *key;
	uint8_t sig[crypto_sign_BYTES];
	struct buf out;
};

static int
raw_sign(void *p)
{
	struct job *j = p;
	return crypto_sign_detached(j->sig, NULL, (const uint8_t *)j->text, j->len, j->signer->sk);
}

static int
raw_verify(void *p)
{
	struct job *j = p;
	return crypto_sign_verify_detached(j->sig, (const uint8_t *)j->text, j->len, j->key->pk);
}

static int
layer_sign(void *p)
{
	struct job *j = p;
	const struct note_signer *list[1] = {j->signer};

	buf_reset(&j->out);
	return note_sign(j->text, j->len, list, 1, &j->out, NULL);
}

static int
layer_cosign(void *p)
{
	struct job *j = p;

	buf_reset(&j->out);
	return cosig_sign(j->signer, 1679315147, j->text, j->len, &j->out, NULL);
}

static int
layer_verify(void *p)
{
	struct job *j = p;
	struct note_check chk;

	return note_verify(&j->parsed, j->key, 1, &chk, NULL);
}

static int
layer_open(void *p)
{
	struct job *j = p;
	struct note n;
	struct note_check chk;
	int rc = note_parse(&n, j->note, j->note_len, 0, NULL);

	if (rc == ARM_OK)
		rc = note_verify(&n, j->key, 1, &chk, NULL);
	note_release(&n);
	return rc;
}

static void
row(const char *what, bench_fn layer_fn, void *layer_arg, bench_fn raw_fn, void *raw_arg)
{
	double layer = 0, raw = 0, r;
	int i;

	for (i = 0; i < BENCH_ROUNDS; i++) {
		r = rate(layer_fn, layer_arg);
		layer = r > layer ? r : layer;
		r = rate(raw_fn, raw_arg);
		raw = r > raw ? r : raw;
	}
	printf("| %s | %.0f | %.0f | %.2f |\n", what, layer, raw, layer / raw);
}

/* Signs j->text with s (note or cosigner key) and parses the result into j. */
static int
prepare(struct job *j, struct note_signer *s, struct note_verifier *v, struct arm_err *e)
{
	const struct note_signer *list[1] = {s};
	struct buf tmp = BUF_INIT(1 << 16);
	int rc;

	j->signer = s;
	j->key = v;
	buf_init(&j->out, 1 << 16);
	if (s->type == NOTE_KEY_COSIG_V1) {
		rc = buf_append(&tmp, j->text, j->len, e);
		if (rc == ARM_OK)
			rc = buf_append(&tmp, "\n", 1, e);
		if (rc == ARM_OK)
			rc = cosig_sign(s, 1679315147, j->text, j->len, &tmp, e);
	} else {
		rc = note_sign(j->text, j->len, list, 1, &tmp, e);
	}
	if (rc != ARM_OK)
		return rc;
	j->note = buf_detach(&tmp, &j->note_len);
	ARM_TRY(note_parse(&j->parsed, j->note, j->note_len, 0, e));
	return crypto_sign_detached(j->sig, NULL, (const uint8_t *)j->text, j->len, s->sk) == 0
	           ? ARM_OK
	           : arm_err_set(e, ARM_EIO, "raw sign failed");
}

int
main(void)
{
	static const char ckpt_body[] = "armistice.example/korea-2018\n"
	                                "1000000\n"
	                                "Tj67H3tHjc/nH7YxYxUZo7yhLJrvyhYSv85ME6hiZNQ=\n";
	char entry[301];
	struct note_signer party, log, witness;
	struct note_verifier vparty, vlog, vwitness;
	struct job je, jc, jw;
	struct arm_err e;
	size_t i;

	if (sodium_init() < 0)
		return 4;
	/* A 300-byte entry: printable ASCII lines, as an armistice/entry/v1 body would be. */
	for (i = 0; i < 300; i++)
		entry[i] = (i % 60 == 59) ? '\n' : (char)('a' + i % 26);
	entry[299] = '\n';
	entry[300] = '\0';
	if (note_signer_generate(&party, "bench.example/demo-party", NOTE_KEY_ED25519, &e) ||
	    note_signer_generate(&log, "armistice.example/korea-2018", NOTE_KEY_ED25519, &e) ||
	    note_signer_generate(&witness, "bench.example/demo-witness", NOTE_KEY_COSIG_V1, &e)) {
		fprintf(stderr, "bench_sign: %s\n", e.msg);
		return 4;
	}
	note_signer_verifier(&party, &vparty);
	note_signer_verifier(&log, &vlog);
	note_signer_verifier(&witness, &vwitness);
	memset(&je, 0, sizeof(je));
	memset(&jc, 0, sizeof(jc));
	memset(&jw, 0, sizeof(jw));
	je.text = entry;
	je.len = 300;
	jc.text = jw.text = ckpt_body;
	jc.len = jw.len = strlen(ckpt_body);
	if (prepare(&je, &party, &vparty, &e) || prepare(&jc, &log, &vlog, &e) ||
	    prepare(&jw, &witness, &vwitness, &e)) {
		fprintf(stderr, "bench_sign: %s\n", e.msg);
		return 4;
	}

	printf("## Signed notes: Ed25519 through the note layer vs raw libsodium (%s)\n\n",
	       sodium_version_string());
	printf("| operation | note layer ops/s | raw libsodium ops/s | ratio |\n");
	printf("|---|---:|---:|---:|\n");
	row("sign 300-byte entry (note_sign)", layer_sign, &je, raw_sign, &je);
	row("verify 300-byte entry (note_verify, parsed)", layer_verify, &je, raw_verify, &je);
	row("parse + verify 300-byte entry", layer_open, &je, raw_verify, &je);
	row("sign checkpoint (note_sign)", layer_sign, &jc, raw_sign, &jc);
	row("parse + verify checkpoint", layer_open, &jc, raw_verify, &jc);
	row("cosign checkpoint (cosig_sign, type 0x04)", layer_cosign, &jw, raw_sign, &jc);
	row("parse + verify cosignature", layer_open, &jw, raw_verify, &jc);
	printf("\nRates are per second of this thread's CPU time, best of %d rounds. ",
	       BENCH_ROUNDS);
	printf("ratio = note layer rate / raw rate on the same bytes, same run "
	       "(1.00 = the layer costs nothing; cosignature rows compare with raw "
	       "Ed25519 over the bare checkpoint body).\n");

	note_release(&je.parsed);
	note_release(&jc.parsed);
	note_release(&jw.parsed);
	free((void *)je.note);
	free((void *)jc.note);
	free((void *)jw.note);
	buf_release(&je.out);
	buf_release(&jc.out);
	buf_release(&jw.out);
	note_signer_release(&party);
	note_signer_release(&log);
	note_signer_release(&witness);
	return 0;
}
