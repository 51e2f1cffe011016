/*
 * test_sigbatch.c - signatures checked ahead on several threads
 * (sigbatch.h, into an indexed sigmemo.h) and the loop that shares the
 * work (parfor.h): a remembered answer is used only for the very key,
 * signature and text that verified;
 * a bad signature, a changed text or an unknown key is not remembered, so
 * note_verify() still refuses them; the same for any thread count.
 */
#include <sodium.h>

#include "armistice/parfor.h"
#include "armistice/sigbatch.h"
#include "harness.h"

#define N 40

static struct note_signer key, other;
static struct buf notes[N];
static const uint8_t *ptr[N];
static size_t lens[N];

static void
make_notes(void)
{
	const struct note_signer *sp[1] = {&key};
	struct arm_err e = {0};
	char text[64];
	int i;

	for (i = 0; i < N; i++) {
		buf_init(&notes[i], 4096);
		snprintf(text, sizeof(text), "entry %d\n", i);
		if (i == 7)
			sp[0] = &other; /* signed by a key the batch is not given */
		CHECKM(note_sign(text, strlen(text), sp, 1, &notes[i], &e) == ARM_OK, e.msg);
		sp[0] = &key;
		ptr[i] = notes[i].data;
		lens[i] = notes[i].len;
	}
	/* Note 3: one base64 character inside its signature changed (a bad signature). */
	notes[3].data[notes[3].len - 20] = notes[3].data[notes[3].len - 20] == 'A' ? 'B' : 'A';
}

/* note_verify() of note i with the batch's key, with or without the batch. */
static int
verify(int i, const struct note_verifier *v)
{
	struct note n;
	struct arm_err e = {0};
	int rc;

	if (note_parse(&n, ptr[i], lens[i], 0, &e) != ARM_OK)
		return -1;
	rc = note_verify(&n, v, 1, NULL, &e);
	note_release(&n);
	return rc;
}

static bool
known(int i)
{
	struct note n;
	struct arm_err e = {0};
	bool k;

	if (note_parse(&n, ptr[i], lens[i], 0, &e) != ARM_OK || n.nsigs != 1)
		return false;
	k = sigmemo_known(key.pk, n.sigs[0].sig, n.sigs[0].sig_len, n.text, n.text_len);
	note_release(&n);
	return k;
}

static void
test_sigbatch_remembers_only_good(void)
{
	struct sigbatch sb;
	struct note_verifier v;
	struct arm_err e = {0};
	unsigned threads;
	size_t first = 0;

	memset(&sb, 0, sizeof(sb));
	note_signer_verifier(&key, &v);
	for (threads = 1; threads <= 5; threads++) {
		CHECKM(sigbatch_run(&sb, ptr, lens, N, &v, 1, threads, &e) == ARM_OK, e.msg);
		/* All but the bad signature and the other key's note. */
		CHECK(sb.memo.n == N - 2 && sb.memo.nindexed == sb.memo.n);
		if (threads == 1)
			first = sb.memo.n;
		CHECK(sb.memo.n == first);
		CHECK(!known(0)); /* not in use on this thread yet */
		sigmemo_use(&sb.memo);
		CHECK(known(0) && known(N - 1) && !known(3) && !known(7));
		CHECK(verify(0, &v) == ARM_OK);
		CHECK(verify(3, &v) == ARM_EVERIFY); /* still refused with the batch in use */
		sigmemo_use(NULL);
		CHECK(verify(3, &v) == ARM_EVERIFY);
	}
	sigbatch_release(&sb);
}

/* The tampered twin: a good signature over a changed text is not taken. */
static void
test_sigbatch_text_compared(void)
{
	struct sigbatch sb;
	struct note_verifier v;
	struct arm_err e = {0};
	struct buf twin = BUF_INIT(4096);
	const uint8_t *tp[1];
	size_t tl[1];

	memset(&sb, 0, sizeof(sb));
	note_signer_verifier(&key, &v);
	CHECKM(sigbatch_run(&sb, ptr, lens, N, &v, 1, 2, &e) == ARM_OK, e.msg);
	/* Note 1 with its text's digit changed, the signature line kept. */
	CHECK(buf_append(&twin, notes[1].data, notes[1].len, &e) == ARM_OK);
	twin.data[6] = '9';
	tp[0] = twin.data;
	tl[0] = twin.len;
	sigmemo_use(&sb.memo);
	{
		struct note n;
		CHECK(note_parse(&n, tp[0], tl[0], 0, &e) == ARM_OK);
		CHECK(!sigmemo_known(key.pk, n.sigs[0].sig, 64, n.text, n.text_len));
		CHECK(note_verify(&n, &v, 1, NULL, &e) == ARM_EVERIFY);
		/* The right text under another public key is not taken either. */
		note_release(&n);
		CHECK(note_parse(&n, ptr[1], lens[1], 0, &e) == ARM_OK);
		CHECK(sigmemo_known(key.pk, n.sigs[0].sig, 64, n.text, n.text_len));
		CHECK(!sigmemo_known(other.pk, n.sigs[0].sig, 64, n.text, n.text_len));
		note_release(&n);
	}
	/* A triple added after the index is found by the scan, and so are the others. */
	{
		struct note n;
		struct sigmemo_item it;
		CHECK(note_parse(&n, ptr[7], lens[7], 0, &e) == ARM_OK);
		CHECK(sigmemo_check(other.pk, n.sigs[0].sig, n.sigs[0].sig_len, n.text, n.text_len,
		                    &it));
		CHECK(sigmemo_add(&sb.memo, &it) && sb.memo.nindexed != sb.memo.n);
		CHECK(sigmemo_known(other.pk, n.sigs[0].sig, 64, n.text, n.text_len));
		CHECK(known(0) && known(N - 1) && !known(3));
		note_release(&n);
	}
	sigmemo_use(NULL);
	buf_release(&twin);
	sigbatch_release(&sb);
}

static unsigned seen[1000];

static void
count(void *ctx, size_t lo, size_t hi, unsigned t)
{
	size_t i;

	(void)ctx;
	(void)t;
	for (i = lo; i < hi; i++)
		seen[i]++;
}

static void
test_parfor_each_once(void)
{
	unsigned threads, i;
	bool once;

	for (threads = 1; threads <= 7; threads++) {
		memset(seen, 0, sizeof(seen));
		CHECK(parfor(1000, threads, count, NULL) == threads);
		once = true;
		for (i = 0; i < 1000; i++)
			once = once && seen[i] == 1;
		CHECK(once);
	}
	CHECK(parfor(0, 4, count, NULL) == 0);
	CHECK(parfor(2, 8, count, NULL) == 2); /* never more shares than items */
}

int
main(void)
{
	struct arm_err e = {0};
	int i;

	if (sodium_init() < 0)
		return 2;
	if (note_signer_generate(&key, "sigbatch.test", NOTE_KEY_ED25519, &e) != ARM_OK ||
	    note_signer_generate(&other, "sigbatch.test", NOTE_KEY_ED25519, &e) != ARM_OK) {
		printf("not ok - keygen: %s\n", e.msg);
		return 1;
	}
	make_notes();
	RUN(test_sigbatch_remembers_only_good);
	RUN(test_sigbatch_text_compared);
	RUN(test_parfor_each_once);
	for (i = 0; i < N; i++)
		buf_release(&notes[i]);
	note_signer_release(&key);
	note_signer_release(&other);
	return HARNESS_DONE();
}
