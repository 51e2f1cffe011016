/*
 * test_sigmemo.c - a memo of checked signatures (sigmemo.h) only ever
 * spares the Ed25519 computation for the exact key, signature and text
 * already checked: every changed byte, another key, or a thread without
 * the memo is verified as before, and a bad signature never enters it.
 */
#include <pthread.h>
#include <sodium.h>

#include "armistice/buf.h"
#include "armistice/note.h"
#include "armistice/sigmemo.h"
#include "harness.h"

static struct note_signer signer, other;
static struct note_verifier vkey, vother;

/* A signed note of text by signer, parsed. */
static void
signed_note(const char *text, struct buf *b, struct note *n)
{
	const struct note_signer *s = &signer;
	struct arm_err e;

	buf_init(b, 1 << 16);
	CHECKM(note_sign(text, strlen(text), &s, 1, b, &e) == ARM_OK, e.msg);
	CHECKM(note_parse(n, b->data, b->len, 1 << 16, &e) == ARM_OK, e.msg);
}

static void
test_exact_triple_only(void)
{
	struct sigmemo m;
	struct sigmemo_item it;
	struct buf b;
	struct note n;
	char *t2;

	signed_note("armistice/entry/v1\nkind: statement\n", &b, &n);
	sigmemo_init(&m);
	CHECK(sigmemo_check(vkey.pk, n.sigs[0].sig, n.sigs[0].sig_len, n.text, n.text_len, &it));
	CHECK(sigmemo_add(&m, &it));
	sigmemo_use(&m);
	CHECK(sigmemo_known(vkey.pk, n.sigs[0].sig, 64, n.text, n.text_len));
	/* Tampered twins: one byte of the text, of the signature, another key, a shorter text. */
	t2 = strdup(n.text);
	t2[5] ^= 1;
	CHECK(!sigmemo_known(vkey.pk, n.sigs[0].sig, 64, t2, n.text_len));
	n.sigs[0].sig[3] ^= 1;
	CHECK(!sigmemo_known(vkey.pk, n.sigs[0].sig, 64, n.text, n.text_len));
	n.sigs[0].sig[3] ^= 1;
	CHECK(!sigmemo_known(vother.pk, n.sigs[0].sig, 64, n.text, n.text_len));
	CHECK(!sigmemo_known(vkey.pk, n.sigs[0].sig, 64, n.text, n.text_len - 1));
	sigmemo_use(NULL);
	CHECK(!sigmemo_known(vkey.pk, n.sigs[0].sig, 64, n.text, n.text_len));
	free(t2);
	note_release(&n);
	buf_release(&b);
	sigmemo_release(&m);
}

static void
test_bad_signature_never_kept(void)
{
	struct sigmemo_item it;
	struct buf b;
	struct note n;

	signed_note("some text\n", &b, &n);
	n.sigs[0].sig[10] ^= 0x80;
	CHECK(!sigmemo_check(vkey.pk, n.sigs[0].sig, n.sigs[0].sig_len, n.text, n.text_len, &it));
	CHECK(!sigmemo_check(vother.pk, n.sigs[0].sig, n.sigs[0].sig_len, n.text, n.text_len, &it));
	note_release(&n);
	buf_release(&b);
}

/*
 * note_verify with the memo installed: the memo's note passes; a note
 * with the same signature over other text is refused as without a memo.
 */
static void
test_note_verify_with_memo(void)
{
	struct sigmemo m;
	struct sigmemo_item it;
	struct note_check chk[1];
	struct arm_err e;
	struct buf b, b2;
	struct note n, forged;

	signed_note("first text\n", &b, &n);
	signed_note("other text\n", &b2, &forged);
	sigmemo_init(&m);
	CHECK(sigmemo_check(vkey.pk, n.sigs[0].sig, 64, n.text, n.text_len, &it));
	CHECK(sigmemo_add(&m, &it));
	/* Graft the memo's signature onto the other text. */
	memcpy(forged.sigs[0].sig, n.sigs[0].sig, 64);
	sigmemo_use(&m);
	CHECKM(note_verify(&n, &vkey, 1, chk, &e) == ARM_OK && chk[0].ok, e.msg);
	CHECK(note_verify(&forged, &vkey, 1, chk, &e) == ARM_EVERIFY);
	sigmemo_use(NULL);
	CHECK(note_verify(&forged, &vkey, 1, chk, &e) == ARM_EVERIFY);
	CHECKM(note_verify(&n, &vkey, 1, chk, &e) == ARM_OK, e.msg);
	note_release(&n);
	note_release(&forged);
	buf_release(&b);
	buf_release(&b2);
	sigmemo_release(&m);
}

static void *
other_thread(void *arg)
{
	const struct sigmemo_item *it = arg;

	/* The memo is the installing thread's only. */
	return sigmemo_known(it->pk, it->sig, 64, it->text, it->text_len) ? (void *)1 : NULL;
}

static void
test_thread_local(void)
{
	struct sigmemo m;
	struct sigmemo_item it;
	struct buf b;
	struct note n;
	pthread_t t;
	void *got = (void *)1;

	signed_note("thread text\n", &b, &n);
	sigmemo_init(&m);
	CHECK(sigmemo_check(vkey.pk, n.sigs[0].sig, 64, n.text, n.text_len, &it));
	CHECK(sigmemo_add(&m, &it));
	sigmemo_use(&m);
	CHECK(pthread_create(&t, NULL, other_thread, &it) == 0);
	pthread_join(t, &got);
	CHECK(got == NULL);
	CHECK(sigmemo_known(vkey.pk, n.sigs[0].sig, 64, n.text, n.text_len));
	sigmemo_use(NULL);
	note_release(&n);
	buf_release(&b);
	sigmemo_release(&m);
}

int
main(void)
{
	struct arm_err e;

	if (sodium_init() < 0)
		return 1;
	if (note_signer_generate(&signer, "memo.example/a", NOTE_KEY_ED25519, &e) != ARM_OK ||
	    note_signer_generate(&other, "memo.example/a", NOTE_KEY_ED25519, &e) != ARM_OK)
		return 1;
	note_signer_verifier(&signer, &vkey);
	note_signer_verifier(&other, &vother);
	RUN(test_exact_triple_only);
	RUN(test_bad_signature_never_kept);
	RUN(test_note_verify_with_memo);
	RUN(test_thread_local);
	note_signer_release(&signer);
	note_signer_release(&other);
	return HARNESS_DONE();
}
