/*
 * test_cosig.c - C2SP tlog-cosignature v1.0.1 (Ed25519, type 0x04): the
 * spec's example decoded, the self-derived vector of tlog-formats.md §1.3
 * byte for byte, and note_verify() reporting each cosigner's timestamp.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "armistice/ckpt.h"
#include "armistice/cosig.h"
#include "armistice/note.h"
#include "armistice/common.h"
#include "harness.h"

/* tlog-cosignature.md at tlog-cosignature/v1.0.1, the example. */
static const char sofa_body[] = "example.com/behind-the-sofa\n"
                                "20852163\n"
                                "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
static const char sofa_note[] =
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    "\n"
    "\xe2\x80\x94 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URY"
    "N7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
    "\xe2\x80\x94 witness.example.com/w1 "
    "jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9d"
    "lrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n";

/*
 * Self-derived (tlog-formats.md §1.3): the PeterNeumann seed of Go's
 * sumdb/note example as a type 0x04 cosigner key named witness.example/w1.
 * "BIEK..." is "AYEK..." with the type byte 0x01 changed to 0x04.
 */
static const char w1_skey[] =
    "PRIVATE+KEY+witness.example/w1+cc9a7044+BIEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
static const char w1_vkey[] =
    "witness.example/w1+cc9a7044+BBpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
static const char w1_line[] = "\xe2\x80\x94 witness.example/w1 "
                              "zJpwRAAAAABkGFDLJeR//pqzhnEKVvEm2wWbh2RJ6oru5+cUUfm5X9NnlaGr8aS"
                              "H9QE5RVZD4QGlxl2F5UpVIIi94p178KLfqPPsAA==\n";
#define SOFA_TS 1679315147u

static void
test_spec_example_decodes(void)
{
	struct arm_err e;
	struct note n;
	uint64_t ts = 0;
	int i;

	CHECKM(note_parse(&n, (const uint8_t *)sofa_note, strlen(sofa_note), 0, &e) == ARM_OK,
	       e.msg);
	CHECK(n.nsigs == 2);
	CHECK(n.text_len == strlen(sofa_body) && memcmp(n.text, sofa_body, n.text_len) == 0);
	CHECK(strcmp(n.sigs[1].name, "witness.example.com/w1") == 0);
	CHECK(n.sigs[1].key_id == 0x8d66cf3f);
	CHECK(n.sigs[1].sig_len == 72);
	for (i = 0; i < 8; i++)
		ts = ts << 8 | n.sigs[1].sig[i];
	CHECK(ts == SOFA_TS);
	CHECK(n.sigs[0].key_id == 0x033de0ae && n.sigs[0].sig_len == 64);
	note_release(&n);
}

static void
test_self_derived_vector(void)
{
	struct arm_err e;
	struct note_signer s;
	struct note_verifier v, v2;
	struct buf b = BUF_INIT(4096);

	CHECKM(note_signer_parse(&s, w1_skey, strlen(w1_skey), &e) == ARM_OK, e.msg);
	CHECK(s.type == NOTE_KEY_COSIG_V1 && s.key_id == 0xcc9a7044);
	note_signer_verifier(&s, &v);
	CHECK(note_verifier_format(&v, &b, &e) == ARM_OK);
	CHECK(strcmp((char *)b.data, w1_vkey) == 0);
	CHECK(note_verifier_parse(&v2, w1_vkey, strlen(w1_vkey), &e) == ARM_OK);
	CHECK(memcmp(&v, &v2, sizeof(v)) == 0);
	buf_reset(&b);
	CHECKM(cosig_sign(&s, SOFA_TS, sofa_body, strlen(sofa_body), &b, &e) == ARM_OK, e.msg);
	CHECK(b.len == strlen(w1_line) && memcmp(b.data, w1_line, b.len) == 0);
	/* Round trip of the signer key text. */
	buf_reset(&b);
	CHECK(note_signer_format(&s, &b, &e) == ARM_OK);
	CHECK(strcmp((char *)b.data, w1_skey) == 0);
	sodium_memzero(b.data, b.len);
	/* Refusals: a note key cannot cosign, nor a timestamp past 2^63-1, nor a non-checkpoint. */
	buf_reset(&b);
	CHECK(cosig_sign(&s, (uint64_t)1 << 63, sofa_body, strlen(sofa_body), &b, &e) ==
	      ARM_EUSAGE);
	CHECK(cosig_sign(&s, SOFA_TS, "hello\n", 6, &b, &e) == ARM_ESYNTAX);
	CHECK(b.len == 0);
	note_signer_release(&s);
	buf_release(&b);
}

/* The sofa checkpoint with the log's line and our w1 cosignature. */
static char *
cosigned_note(void)
{
	static const char *logline;
	size_t n1, n2;
	char *m;

	logline = strstr(sofa_note, "\xe2\x80\x94 witness.example.com");
	n1 = (size_t)(logline - sofa_note);
	n2 = strlen(w1_line);
	m = malloc(n1 + n2 + 1);
	memcpy(m, sofa_note, n1);
	memcpy(m + n1, w1_line, n2 + 1);
	return m;
}

static int
verify_cosigned(const char *msg, const struct note_verifier *keys, size_t nkeys,
                struct note_check *chk, struct arm_err *e)
{
	struct note n;
	int rc = note_parse(&n, (const uint8_t *)msg, strlen(msg), 0, e);

	if (rc != ARM_OK)
		return rc;
	rc = note_verify(&n, keys, nkeys, chk, e);
	note_release(&n);
	return rc;
}

static void
test_note_verify_cosig(void)
{
	struct arm_err e;
	struct note_verifier v, keys[2];
	struct note_check chk[2];
	char *m = cosigned_note();
	char *t;
	size_t at;

	CHECK(note_verifier_parse(&v, w1_vkey, strlen(w1_vkey), &e) == ARM_OK);
	/* The log's signature is by an unknown key: ignored; w1 verifies with its time. */
	CHECKM(verify_cosigned(m, &v, 1, chk, &e) == ARM_OK, e.msg);
	CHECK(chk[0].ok && chk[0].timestamp == SOFA_TS);

	/* The same key as type 0x01 has another key ID: the cosignature is unknown to it. */
	keys[0] = v;
	keys[0].type = NOTE_KEY_ED25519;
	keys[0].key_id = note_key_id(v.name, NOTE_KEY_ED25519, v.pk);
	CHECK(verify_cosigned(m, keys, 1, chk, &e) == ARM_EVERIFY);

	/* Tampered twins: the checkpoint body, the timestamp, the signature, the key. */
	t = strdup(m);
	t[30] = t[30] == '5' ? '6' : '5'; /* a digit of the tree size */
	CHECK(verify_cosigned(t, &v, 1, chk, &e) == ARM_EVERIFY);
	CHECKM(strstr(e.msg, "witness.example/w1") != NULL, e.msg);
	free(t);
	t = strdup(m);
	at = (size_t)(strstr(t, "zJpwRAAAAABkGFDL") - t) + 12; /* inside the timestamp */
	t[at] = 'E';
	CHECK(verify_cosigned(t, &v, 1, chk, &e) == ARM_EVERIFY);
	free(t);
	t = strdup(m);
	at = strlen(t) - 8;
	t[at] = t[at] == 'A' ? 'B' : 'A';
	CHECK(verify_cosigned(t, &v, 1, chk, &e) == ARM_EVERIFY);
	free(t);
	keys[0] = v;
	keys[0].pk[1] ^= 0x10;
	CHECK(verify_cosigned(m, keys, 1, chk, &e) == ARM_EVERIFY);
	free(m);

	/* A known cosigner whose signature is not 72 bytes rejects the note. */
	{
		static const char short_sig[] =
		    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/"
		    "Xajj7h2fB2MPA3j2jxq2I=\n\n"
		    "\xe2\x80\x94 witness.example/w1 zJpwRAAAAABk\n";
		CHECK(verify_cosigned(short_sig, &v, 1, chk, &e) == ARM_EVERIFY);
		CHECKM(strstr(e.msg, "72") != NULL, e.msg);
	}
}

static void
test_cosig_verify_direct(void)
{
	struct arm_err e;
	struct note_signer s, log;
	struct note_verifier v;
	struct note n;
	struct buf b = BUF_INIT(4096);
	uint64_t ts = 1;
	const struct note_signer *list[1];

	CHECK(note_signer_generate(&s, "w.example/party-a", NOTE_KEY_COSIG_V1, &e) == ARM_OK);
	CHECK(note_signer_generate(&log, "example.com/behind-the-sofa", NOTE_KEY_ED25519, &e) ==
	      ARM_OK);
	note_signer_verifier(&s, &v);
	list[0] = &log;
	CHECK(note_sign(sofa_body, strlen(sofa_body), list, 1, &b, &e) == ARM_OK);
	/* The largest allowed timestamp round-trips. */
	CHECK(cosig_sign(&s, (uint64_t)INT64_MAX, sofa_body, strlen(sofa_body), &b, &e) == ARM_OK);
	CHECK(note_parse(&n, b.data, b.len, 0, &e) == ARM_OK && n.nsigs == 2);
	CHECKM(cosig_verify(&v, &n.sigs[1], n.text, n.text_len, &ts, &e) == ARM_OK, e.msg);
	CHECK(ts == (uint64_t)INT64_MAX);
	/* A timestamp with the top bit set is refused even before the signature check. */
	n.sigs[1].sig[0] |= 0x80;
	CHECK(cosig_verify(&v, &n.sigs[1], n.text, n.text_len, &ts, &e) == ARM_ESYNTAX && ts == 0);
	n.sigs[1].sig[0] &= 0x7f;
	/* Checked against the wrong signature line or a note key. */
	CHECK(cosig_verify(&v, &n.sigs[0], n.text, n.text_len, &ts, &e) == ARM_EUSAGE);
	v.type = NOTE_KEY_ED25519;
	CHECK(cosig_verify(&v, &n.sigs[1], n.text, n.text_len, &ts, &e) == ARM_EUSAGE);
	note_release(&n);
	/* A note key cannot cosign. */
	CHECK(cosig_sign(&log, 5, sofa_body, strlen(sofa_body), &b, &e) == ARM_EUSAGE);
	note_signer_release(&s);
	note_signer_release(&log);
	buf_release(&b);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	RUN(test_spec_example_decodes);
	RUN(test_self_derived_vector);
	RUN(test_note_verify_cosig);
	RUN(test_cosig_verify_direct);
	return HARNESS_DONE();
}
