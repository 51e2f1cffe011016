/*
 * test_note.c - C2SP signed-note v1.0.0: the spec's example, Go's
 * sumdb/note signing vector byte for byte, real vkeys, and one negative
 * case per strictness rule, each verification with a tampered twin.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "armistice/note.h"
#include "armistice/common.h"
#include "harness.h"

/* signed-note v1.0.0 §"Verifier keys", Example. */
static const char spec_vkey[] =
    "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
static const char spec_note[] =
    "This is an example message.\n"
    "\n"
    "\xe2\x80\x94 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZ"
    "XsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";

/* golang.org/x/mod/sumdb/note package documentation. */
static const char neumann_skey[] =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
static const char neumann_vkey[] =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
static const char neumann_text[] = "If you think cryptography is the answer to your problem,\n"
                                   "then you don't know what your problem is.\n";
static const char neumann_note[] =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
    "\n"
    "\xe2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfq"
    "dngotpRZb6KE6RyyBwJnAM=\n";

/* golang/mod gosumcheck/main.go. */
static const char sumdb_vkey[] =
    "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8";

/* signed-note v1.0.0 §Note: text with an empty line and non-ASCII letters. */
static const char quasimodo_note[] = "Ognuno sta solo sul cuor della terra\n"
                                     "trafitto da un raggio di sole:\n"
                                     "\n"
                                     "ed \xc3\xa8 subito sera.\n"
                                     "\n"
                                     "\xe2\x80\x94 quasimodo.example/salvatore "
                                     "NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJK"
                                     "ONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n";

static int
parse_str(struct note *n, const char *s, struct arm_err *e)
{
	return note_parse(n, (const uint8_t *)s, strlen(s), 0, e);
}

/* Parses s (must succeed) and verifies it with one vkey; returns the rc. */
static int
verify_with(const char *s, const char *vkey, struct arm_err *e)
{
	struct note n;
	struct note_verifier v;
	struct note_check chk;
	int rc;

	rc = note_verifier_parse(&v, vkey, strlen(vkey), e);
	if (rc != ARM_OK)
		return rc;
	rc = parse_str(&n, s, e);
	if (rc != ARM_OK)
		return rc;
	rc = note_verify(&n, &v, 1, &chk, e);
	if (rc == ARM_OK && !chk.ok)
		rc = ARM_EUSAGE;
	note_release(&n);
	return rc;
}

static char *
dup_flip(const char *s, size_t at, char to)
{
	char *d = strdup(s);
	d[at] = to;
	return d;
}

static void
test_spec_example(void)
{
	struct arm_err e;
	struct note n;
	struct note_verifier v;
	struct buf b = BUF_INIT(4096);
	char *t;
	size_t at;

	CHECKM(verify_with(spec_note, spec_vkey, &e) == ARM_OK, e.msg);
	CHECK(parse_str(&n, spec_note, &e) == ARM_OK);
	CHECK(n.nsigs == 1 && n.sigs[0].key_id == 0x530d903a && n.sigs[0].sig_len == 64);
	CHECK(n.text_len == 28 && strcmp(n.text, "This is an example message.\n") == 0);
	CHECK(strcmp(n.sigs[0].name, "example.com/foo") == 0);
	CHECK(note_format(&n, &b, &e) == ARM_OK);
	CHECK(b.len == strlen(spec_note) && memcmp(b.data, spec_note, b.len) == 0);
	note_release(&n);
	buf_release(&b);

	/* Tampered twins: the text, the signature, the key. */
	t = dup_flip(spec_note, 0, 't');
	CHECK(verify_with(t, spec_vkey, &e) == ARM_EVERIFY);
	free(t);
	at = strlen(spec_note) - 10;
	t = dup_flip(spec_note, at, spec_note[at] == 'A' ? 'B' : 'A');
	CHECK(verify_with(t, spec_vkey, &e) == ARM_EVERIFY);
	free(t);
	CHECK(note_verifier_parse(&v, spec_vkey, strlen(spec_vkey), &e) == ARM_OK);
	v.pk[5] ^= 1;
	CHECK(parse_str(&n, spec_note, &e) == ARM_OK);
	CHECK(note_verify(&n, &v, 1, NULL, &e) == ARM_EVERIFY);
	CHECK(strstr(e.msg, "example.com/foo+530d903a") != NULL);
	note_release(&n);
	/* A flipped key byte in the vkey text: its key ID no longer matches. */
	t = dup_flip(spec_vkey, strlen(spec_vkey) - 3, 'X');
	CHECK(note_verifier_parse(&v, t, strlen(t), &e) == ARM_ESYNTAX);
	CHECKM(strstr(e.msg, "does not match") != NULL, e.msg);
	free(t);
}

static void
test_neumann_vector(void)
{
	struct arm_err e;
	struct note_signer s;
	struct note_verifier v;
	const struct note_signer *list[1];
	struct buf b = BUF_INIT(4096);

	CHECKM(note_signer_parse(&s, neumann_skey, strlen(neumann_skey), &e) == ARM_OK, e.msg);
	CHECK(s.key_id == 0xc74f20a3 && s.type == NOTE_KEY_ED25519);
	CHECK(sodium_is_zero(s.pk, 32) == 0);
	list[0] = &s;
	CHECKM(note_sign(neumann_text, strlen(neumann_text), list, 1, &b, &e) == ARM_OK, e.msg);
	CHECK(b.len == strlen(neumann_note) && memcmp(b.data, neumann_note, b.len) == 0);
	buf_reset(&b);
	CHECK(note_signer_format(&s, &b, &e) == ARM_OK);
	CHECK(b.len == strlen(neumann_skey) && memcmp(b.data, neumann_skey, b.len) == 0);
	sodium_memzero(b.data, b.len);
	buf_reset(&b);
	note_signer_verifier(&s, &v);
	CHECK(note_verifier_format(&v, &b, &e) == ARM_OK);
	CHECK(strcmp((char *)b.data, neumann_vkey) == 0);
	CHECKM(verify_with(neumann_note, neumann_vkey, &e) == ARM_OK, e.msg);
	/* A signer key whose hex ID is wrong is refused, without quoting the seed. */
	{
		char *t = dup_flip(neumann_skey, 26, '0');
		struct note_signer s2;
		CHECK(note_signer_parse(&s2, t, strlen(t), &e) == ARM_ESYNTAX);
		CHECK(strstr(e.msg, "AYEK") == NULL && s2.sk == NULL);
		free(t);
		t = dup_flip(neumann_skey, 3, 'X');
		CHECK(note_signer_parse(&s2, t, strlen(t), &e) == ARM_ESYNTAX);
		free(t);
	}
	note_signer_release(&s);
	CHECK(s.sk == NULL);
	note_signer_release(&s); /* NULL-safe twice */
	buf_release(&b);
}

static void
test_vkeys(void)
{
	struct arm_err e;
	struct note_verifier v;
	struct buf b = BUF_INIT(1024);
	static const char *bad[] = {
	    "sum.golang.org+033de0ae",                                               /* two parts */
	    "sum.golang.org+033DE0AE+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8",  /* uppercase */
	    "sum.golang.org+33de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8",   /* 7 hex */
	    "sum.golang.org+033de0af+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8",  /* wrong ID */
	    "sum golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8",  /* space */
	    "+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8",                /* empty */
	    "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn",   /* 43 */
	    "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8=", /* 45 */
	    "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8\n",
	    "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn9",  /* other key */
	    "sum.golang.org+033de0ae+Ac4zctda0e5eza-HJyk9SxEdh+s3Ux18htTTAD8OuAn8",  /* url */
	    "example.com/foo+530d903a+AukyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", /* type 2 */
	    "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuA\xc3\xa9", /* é */
	};
	size_t i;

	CHECKM(note_verifier_parse(&v, sumdb_vkey, strlen(sumdb_vkey), &e) == ARM_OK, e.msg);
	CHECK(v.key_id == 0x033de0ae && v.type == NOTE_KEY_ED25519);
	CHECK(note_key_id("sum.golang.org", NOTE_KEY_ED25519, v.pk) == 0x033de0ae);
	CHECK(note_key_id("sum.golang.org", NOTE_KEY_COSIG_V1, v.pk) != 0x033de0ae);
	CHECK(note_verifier_format(&v, &b, &e) == ARM_OK);
	CHECK(strcmp((char *)b.data, sumdb_vkey) == 0);
	for (i = 0; i < ARM_ARRAY_LEN(bad); i++)
		CHECKM(note_verifier_parse(&v, bad[i], strlen(bad[i]), &e) == ARM_ESYNTAX, bad[i]);
	/* The message names the rule. */
	CHECK(note_verifier_parse(&v, bad[3], strlen(bad[3]), &e) == ARM_ESYNTAX);
	CHECKM(strstr(e.msg, "033de0af") && strstr(e.msg, "does not match"), e.msg);
	buf_release(&b);
}

static void
test_names(void)
{
	CHECK(note_name_valid("example.com/foo", 15));
	CHECK(note_name_valid("\xc3\xa8", 2));
	CHECK(!note_name_valid("", 0));
	CHECK(!note_name_valid("a+b", 3));
	CHECK(!note_name_valid("a b", 3));
	CHECK(!note_name_valid("a\tb", 3));
	CHECK(!note_name_valid("a\xc2\xa0"
	                       "b",
	                       4)); /* NBSP */
	CHECK(!note_name_valid("a\xe3\x80\x80"
	                       "b",
	                       5)); /* ideographic space */
	CHECK(!note_name_valid("a\xe2\x80\x83"
	                       "b",
	                       5));              /* em space */
	CHECK(!note_name_valid("a\xc0\xaf", 3)); /* overlong */
	CHECK(!note_name_valid("a\x01", 2));
	{
		char longname[NOTE_NAME_MAX + 2];
		memset(longname, 'a', sizeof(longname));
		CHECK(note_name_valid(longname, NOTE_NAME_MAX));
		CHECK(!note_name_valid(longname, NOTE_NAME_MAX + 1));
	}
}

/* Each case must be refused by note_parse with the given code. */
static void
test_parse_refuses(void)
{
	static const struct {
		const char *why;
		const char *msg;
		size_t len; /* 0: strlen */
	} bad[] = {
	    {"no blank line", "text\n\xe2\x80\x94 a AAAAAAAA\n", 0},
	    {"no signatures", "text\n\n", 0},
	    {"no final newline", "text\n\n\xe2\x80\x94 a AAAAAAAA", 0},
	    {"blank after sigs", "text\n\n\xe2\x80\x94 a AAAAAAAA\n\n", 0},
	    {"hyphen not em dash", "text\n\n- a AAAAAAAA\n", 0},
	    {"no space after dash",
	     "text\n\n\xe2\x80\x94"
	     "a AAAAAAAA\n",
	     0},
	    {"no signature field", "text\n\n\xe2\x80\x94 a\n", 0},
	    {"empty name", "text\n\n\xe2\x80\x94  AAAAAAAA\n", 0},
	    {"plus in name", "text\n\n\xe2\x80\x94 a+b AAAAAAAA\n", 0},
	    {"two spaces", "text\n\n\xe2\x80\x94 a  AAAAAAAA\n", 0},
	    {"trailing space", "text\n\n\xe2\x80\x94 a AAAAAAAA \n", 0},
	    {"short sig", "text\n\n\xe2\x80\x94 a AAAAAA==\n", 0},
	    {"unpadded b64", "text\n\n\xe2\x80\x94 a AAAAAAA\n", 0},
	    {"noncanonical b64", "text\n\n\xe2\x80\x94 a AAAAAAB=\n", 0},
	    {"url b64", "text\n\n\xe2\x80\x94 a AAAAAA-_\n", 0},
	    /* libsodium 1.0.18 alone would decode bytes >= 0x80 (found by fuzz_note) */
	    {"non-ascii in b64", "text\n\n\xe2\x80\x94 a AAAAAA\xc3\xa9\n", 0},
	    {"CR", "text\r\n\n\xe2\x80\x94 a AAAAAAAA\n", 0},
	    {"CR in sig", "text\n\n\xe2\x80\x94 a AAAAAAAA\r\n", 0},
	    {"tab", "te\txt\n\n\xe2\x80\x94 a AAAAAAAA\n", 0},
	    {"NUL", "te\0xt\n\n\xe2\x80\x94 a AAAAAAAA\n", 22},
	    {"ESC", "te\x1bxt\n\n\xe2\x80\x94 a AAAAAAAA\n", 0},
	    {"bad byte", "te\xffxt\n\n\xe2\x80\x94 a AAAAAAAA\n", 0},
	    {"continuation", "te\x80xt\n\n\xe2\x80\x94 a AAAAAAAA\n", 0},
	    {"overlong /", "te\xc0\xafxt\n\n\xe2\x80\x94 a AAAAAAAA\n", 0},
	    {"overlong 3", "te\xe0\x80\xafxt\n\n\xe2\x80\x94 a AAAAAAAA\n", 0},
	    {"overlong 4", "te\xf0\x80\x80\xafxt\n\n\xe2\x80\x94 a AAAAAAAA\n", 0},
	    {"surrogate", "te\xed\xa0\x80xt\n\n\xe2\x80\x94 a AAAAAAAA\n", 0},
	    {"above 10FFFF", "te\xf4\x90\x80\x80xt\n\n\xe2\x80\x94 a AAAAAAAA\n", 0},
	    {"truncated", "te\xe2\x80xt\n\n\xe2\x80\x94 a AAAAAAAA\n", 0},
	    {"truncated at end", "text\n\n\xe2\x80\x94 a AAAAAAAA\n\xe2", 0},
	};
	size_t i;
	struct note n;
	struct arm_err e;

	for (i = 0; i < ARM_ARRAY_LEN(bad); i++) {
		size_t len = bad[i].len ? bad[i].len : strlen(bad[i].msg);
		int rc = note_parse(&n, (const uint8_t *)bad[i].msg, len, 0, &e);
		CHECKM(rc == ARM_ESYNTAX, bad[i].why);
		CHECK(n.text == NULL && n.sigs == NULL && n.nsigs == 0);
	}
	/* The message names the rule and the place. */
	CHECK(parse_str(&n, "ok\nte\xed\xa0\x80xt\n\n\xe2\x80\x94 a AAAAAAAA\n", &e) ==
	      ARM_ESYNTAX);
	CHECKM(strstr(e.msg, "surrogate") && strstr(e.msg, "byte 5") && strstr(e.msg, "line 2"),
	       e.msg);
	CHECK(parse_str(&n, "text\r\n\n\xe2\x80\x94 a AAAAAAAA\n", &e) == ARM_ESYNTAX);
	CHECKM(strstr(e.msg, "0x0d") && strstr(e.msg, "byte 4"), e.msg);
	/* Size cap. */
	CHECK(note_parse(&n, (const uint8_t *)spec_note, strlen(spec_note), 10, &e) == ARM_ELIMIT);
}

/* Builds "text\n\n" then k signature lines by distinct unknown names. */
static void
make_many(struct buf *b, size_t k)
{
	struct arm_err e;
	size_t i;

	buf_reset(b);
	CHECK(buf_puts(b, "text\n\n", &e) == ARM_OK);
	for (i = 0; i < k; i++)
		CHECK(buf_printf(b, &e, "\xe2\x80\x94 k%zu AAAAAAAA\n", i) == ARM_OK);
}

static void
test_parse_accepts(void)
{
	struct note n;
	struct arm_err e;
	struct buf b = BUF_INIT(1 << 16);

	/* The text runs to the LAST blank line and keeps its own empty lines. */
	CHECKM(parse_str(&n, quasimodo_note, &e) == ARM_OK, e.msg);
	CHECK(n.nsigs == 1 && n.sigs[0].sig_len == 64);
	CHECK(n.text_len ==
	      strlen(quasimodo_note) - 1 - strlen(strstr(quasimodo_note, "\xe2\x80\x94")));
	{
		static const char tail[] = "sole:\n\ned \xc3\xa8 subito sera.\n";
		size_t tl = strlen(tail);
		CHECK(n.text_len > tl && memcmp(n.text + n.text_len - tl, tail, tl) == 0);
	}
	CHECK(note_format(&n, &b, &e) == ARM_OK);
	CHECK(b.len == strlen(quasimodo_note) && memcmp(b.data, quasimodo_note, b.len) == 0);
	note_release(&n);
	/* Text that itself ends in blank lines. */
	CHECK(parse_str(&n, "a\n\n\n\xe2\x80\x94 a AAAAAAAA\n", &e) == ARM_OK);
	CHECK(n.text_len == 3 && memcmp(n.text, "a\n\n", 3) == 0);
	note_release(&n);
	/* 16 signatures MUST be accepted, 100 are, 101 are not. */
	make_many(&b, 16);
	CHECK(note_parse(&n, b.data, b.len, 0, &e) == ARM_OK && n.nsigs == 16);
	note_release(&n);
	make_many(&b, 100);
	CHECKM(note_parse(&n, b.data, b.len, 0, &e) == ARM_OK && n.nsigs == 100, e.msg);
	note_release(&n);
	make_many(&b, 101);
	CHECK(note_parse(&n, b.data, b.len, 0, &e) == ARM_ESYNTAX);
	CHECKM(strstr(e.msg, "101") != NULL, e.msg);
	buf_release(&b);
}

static void
test_verify_rules(void)
{
	struct arm_err e;
	struct note_signer a, bsig, c;
	struct note_verifier va, vb, vc, keys[3];
	struct note_check chk[3];
	const struct note_signer *list[2];
	struct buf out = BUF_INIT(1 << 16);
	struct note n;
	char *t;

	CHECK(note_signer_generate(&a, "a.example/log", NOTE_KEY_ED25519, &e) == ARM_OK);
	CHECK(note_signer_generate(&bsig, "b.example/party", NOTE_KEY_ED25519, &e) == ARM_OK);
	CHECK(note_signer_generate(&c, "c.example/other", NOTE_KEY_ED25519, &e) == ARM_OK);
	CHECK(note_signer_generate(&c, "bad name", NOTE_KEY_ED25519, &e) == ARM_EUSAGE);
	CHECK(note_signer_generate(&c, "c.example/other", NOTE_KEY_ED25519, &e) == ARM_OK);
	note_signer_verifier(&a, &va);
	note_signer_verifier(&bsig, &vb);
	note_signer_verifier(&c, &vc);
	list[0] = &a;
	list[1] = &bsig;
	CHECK(note_sign("entry\n", 6, list, 2, &out, &e) == ARM_OK);
	CHECK(parse_str(&n, (char *)out.data, &e) == ARM_OK && n.nsigs == 2);

	/* Both known: both checked. */
	keys[0] = va;
	keys[1] = vb;
	CHECKM(note_verify(&n, keys, 2, chk, &e) == ARM_OK, e.msg);
	CHECK(chk[0].ok && chk[1].ok && chk[0].timestamp == 0);
	/* One known, one unknown: the unknown one is ignored. */
	keys[1] = vc;
	CHECK(note_verify(&n, keys, 2, chk, &e) == ARM_OK);
	CHECK(chk[0].ok && !chk[1].ok);
	/* No known key: refused. */
	CHECK(note_verify(&n, &vc, 1, chk, &e) == ARM_EVERIFY);
	CHECKM(strstr(e.msg, "no signature") != NULL, e.msg);
	CHECK(note_verify(&n, NULL, 0, NULL, &e) == ARM_EVERIFY);
	/* Same name, other ID (or other name, same ID): unknown, ignored. */
	keys[0] = va;
	keys[0].key_id ^= 1;
	keys[1] = vb;
	CHECK(note_verify(&n, keys, 2, chk, &e) == ARM_OK && !chk[0].ok && chk[1].ok);
	keys[0] = va;
	memcpy(keys[0].name, "z.example/log", 14);
	CHECK(note_verify(&n, keys, 2, chk, &e) == ARM_OK && !chk[0].ok && chk[1].ok);
	/* A known key whose signature fails rejects the whole note. */
	keys[0] = va;
	keys[0].pk[0] ^= 0x40;
	CHECK(note_verify(&n, keys, 2, chk, &e) == ARM_EVERIFY);
	CHECKM(strstr(e.msg, "a.example/log") && strstr(e.msg, "whole note"), e.msg);
	/* Ambiguous key list. */
	keys[0] = va;
	keys[1] = va;
	CHECK(note_verify(&n, keys, 2, chk, &e) == ARM_EUSAGE);
	note_release(&n);

	/* Tampered text under two good keys. */
	t = dup_flip((char *)out.data, 0, 'E');
	CHECK(parse_str(&n, t, &e) == ARM_OK);
	keys[0] = va;
	keys[1] = vb;
	CHECK(note_verify(&n, keys, 2, chk, &e) == ARM_EVERIFY);
	note_release(&n);
	free(t);

	/* The same known signature twice is refused, as Go's note.Open does. */
	{
		char line[256];
		const char *l0 = strstr((char *)out.data, "\xe2\x80\x94 a.example");
		size_t ll = (size_t)(strchr(l0, '\n') + 1 - l0);
		memcpy(line, l0, ll); /* out may move when it grows */
		CHECK(buf_append(&out, line, ll, &e) == ARM_OK);
		CHECK(parse_str(&n, (char *)out.data, &e) == ARM_OK && n.nsigs == 3);
		CHECK(note_verify(&n, &va, 1, chk, &e) == ARM_EVERIFY);
		CHECKM(strstr(e.msg, "two signatures") != NULL, e.msg);
		CHECK(note_verify(&n, &vb, 1, chk, &e) == ARM_OK); /* unknown duplicates pass */
		note_release(&n);
	}

	/* Signing refuses bad text and cosigner keys. */
	buf_reset(&out);
	CHECK(note_sign("no newline", 10, list, 1, &out, &e) == ARM_ESYNTAX && out.len == 0);
	CHECK(note_sign("cr\r\n", 4, list, 1, &out, &e) == ARM_ESYNTAX && out.len == 0);
	CHECK(note_sign("x\n", 2, list, 0, &out, &e) == ARM_EUSAGE);
	note_signer_release(&c);
	CHECK(note_signer_generate(&c, "w.example", NOTE_KEY_COSIG_V1, &e) == ARM_OK);
	list[0] = &c;
	CHECK(note_sign("x\n", 2, list, 1, &out, &e) == ARM_EUSAGE && out.len == 0);
	CHECK(note_signer_generate(&c, "w.example", 0x02, &e) == ARM_ESYNTAX);

	note_signer_release(&a);
	note_signer_release(&bsig);
	note_signer_release(&c);
	buf_release(&out);
}

static void
test_generate_roundtrip(void)
{
	struct arm_err e;
	struct note_signer s, s2;
	struct note_verifier v, v2;
	struct buf b = BUF_INIT(1024), vb = BUF_INIT(1024);

	CHECK(note_signer_generate(&s, "armistice.example/demo-key", NOTE_KEY_ED25519, &e) ==
	      ARM_OK);
	CHECK(note_signer_format(&s, &b, &e) == ARM_OK);
	CHECK(note_signer_parse(&s2, (char *)b.data, b.len, &e) == ARM_OK);
	CHECK(s2.key_id == s.key_id && memcmp(s2.pk, s.pk, 32) == 0);
	CHECK(sodium_memcmp(s2.sk, s.sk, crypto_sign_SECRETKEYBYTES) == 0);
	note_signer_verifier(&s, &v);
	CHECK(note_verifier_format(&v, &vb, &e) == ARM_OK);
	CHECK(note_verifier_parse(&v2, (char *)vb.data, vb.len, &e) == ARM_OK);
	CHECK(memcmp(&v, &v2, sizeof(v)) == 0);
	sodium_memzero(b.data, b.len);
	note_signer_release(&s);
	note_signer_release(&s2);
	buf_release(&b);
	buf_release(&vb);
}

/*
 * The text check reads eight bytes at a time where it can: on ASCII text
 * it must take exactly printable bytes (0x20 to 0x7f) and newlines, at
 * every position and alignment. 200,000 random strings against the rule
 * written out byte by byte.
 */
static void
test_text_check_words(void)
{
	static const uint8_t alphabet[] = {'a',  ' ',  '~',  0x7f, '\n', '\t',
	                                   0x00, 0x1f, 0x0b, 0x20, '0'};
	uint8_t t[40];
	unsigned r, i, bad = 0;

	for (r = 0; r < 200000; r++) {
		size_t n = 1 + randombytes_uniform(sizeof(t) - 1);
		bool want = true, got;
		t[n - 1] = '\n'; /* a note's text ends in a newline */
		for (i = 0; i + 1 < n; i++) {
			/* Mostly plain bytes, so whole plain words are common. */
			uint32_t k = randombytes_uniform(64);
			t[i] = alphabet[k < 5 ? k : k < 60 ? 0 : 5 + k % 6];
			want = want && ((t[i] >= 0x20 && t[i] <= 0x7f) || t[i] == '\n');
		}
		got = note_text_valid((const char *)t, n, NULL) == ARM_OK;
		bad += got != want;
	}
	CHECKM(bad == 0, "the word-at-a-time text check disagrees with the rule");
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	RUN(test_spec_example);
	RUN(test_neumann_vector);
	RUN(test_vkeys);
	RUN(test_names);
	RUN(test_parse_refuses);
	RUN(test_parse_accepts);
	RUN(test_verify_rules);
	RUN(test_generate_roundtrip);
	RUN(test_text_check_words);
	return HARNESS_DONE();
}
