/*
 * test_ckpt.c - C2SP tlog-checkpoint v1.0.0: the spec's example parsed and
 * formatted byte for byte, one refusal per strictness rule, and ckpt_open()
 * with a tampered twin for each way a checkpoint can be wrong.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "armistice/ckpt.h"
#include "armistice/note.h"
#include "armistice/common.h"
#include "harness.h"

static const char sofa[] = "example.com/behind-the-sofa\n"
                           "20852163\n"
                           "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
#define ROOT "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="
#define EMPTY_ROOT "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" /* SHA-256("") */

static void
test_spec_example(void)
{
	struct arm_err e;
	struct ckpt c;
	struct buf b = BUF_INIT(4096);

	CHECKM(ckpt_parse(&c, sofa, strlen(sofa), &e) == ARM_OK, e.msg);
	CHECK(strcmp(c.origin, "example.com/behind-the-sofa") == 0);
	CHECK(c.size == 20852163 && c.ext_len == 0);
	CHECK(c.root[0] == 0x0a && c.root[1] == 0xc5 && c.root[31] == 0x62);
	CHECK(ckpt_format(&c, &b, &e) == ARM_OK);
	CHECK(b.len == strlen(sofa) && memcmp(b.data, sofa, b.len) == 0);
	buf_release(&b);
}

static void
test_accepts(void)
{
	static const char *good[] = {
	    "o\n0\n" EMPTY_ROOT "\n",
	    "o\n1\n" ROOT "\n",
	    "o\n9223372036854775807\n" ROOT "\n",
	    "o\n5\n" ROOT "\next one\n\xc3\xa8xt two\n",
	    "origin with spaces+plus\n5\n" ROOT "\n", /* clients MUST NOT assume URL form */
	};
	struct arm_err e;
	struct ckpt c;
	struct buf b = BUF_INIT(4096);
	size_t i;

	for (i = 0; i < ARM_ARRAY_LEN(good); i++) {
		CHECKM(ckpt_parse(&c, good[i], strlen(good[i]), &e) == ARM_OK, good[i]);
		buf_reset(&b);
		CHECK(ckpt_format(&c, &b, &e) == ARM_OK);
		CHECKM(b.len == strlen(good[i]) && memcmp(b.data, good[i], b.len) == 0, good[i]);
	}
	CHECK(ckpt_parse(&c, good[3], strlen(good[3]), &e) == ARM_OK);
	CHECK(c.ext_len == 17 && strcmp(c.ext, "ext one\n\xc3\xa8xt two\n") == 0);
	CHECK(ckpt_parse(&c, good[2], strlen(good[2]), &e) == ARM_OK &&
	      c.size == 9223372036854775807u);
	buf_release(&b);
}

static void
test_refuses(void)
{
	static const struct {
		const char *why;
		const char *text;
	} bad[] = {
	    {"leading zero", "o\n020852163\n" ROOT "\n"},
	    {"zero zero", "o\n00\n" EMPTY_ROOT "\n"},
	    {"plus sign", "o\n+5\n" ROOT "\n"},
	    {"minus", "o\n-5\n" ROOT "\n"},
	    {"space in size", "o\n 5\n" ROOT "\n"},
	    {"hex size", "o\n0x5\n" ROOT "\n"},
	    {"size 2^63", "o\n9223372036854775808\n" ROOT "\n"},
	    {"size 2^64", "o\n18446744073709551616\n" ROOT "\n"},
	    {"20 digits", "o\n99999999999999999999\n" ROOT "\n"},
	    {"43 chars", "o\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n"},
	    {"45 chars", "o\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I==\n"},
	    {"padding bits", "o\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n"},
	    {"url alphabet", "o\n5\nCsUYapGGPo4dkMgIAUqom_Xajj7h2fB2MPA3j2jxq2I=\n"},
	    {"non-ascii in b64", "o\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq\xc3\xa9=\n"},
	    {"31 bytes", "o\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxqw==\n"},
	    {"empty origin", "\n5\n" ROOT "\n"},
	    {"two lines", "o\n5\n"},
	    {"no final newline", "o\n5\n" ROOT},
	    {"empty size", "o\n\n" ROOT "\n"},
	    {"empty ext line", "o\n5\n" ROOT "\n\n"},
	    {"empty ext between", "o\n5\n" ROOT "\na\n\nb\n"},
	    {"ext no newline", "o\n5\n" ROOT "\nabc"},
	    {"CR", "o\r\n5\n" ROOT "\n"},
	    {"CR in root line", "o\n5\n" ROOT "\r\n"},
	    {"tab in origin", "o\tx\n5\n" ROOT "\n"},
	    {"bad utf-8", "o\xc0\xaf\n5\n" ROOT "\n"},
	    {"empty tree, other root", "o\n0\n" ROOT "\n"},
	    {"empty", ""},
	};
	struct arm_err e;
	struct ckpt c;
	size_t i;

	for (i = 0; i < ARM_ARRAY_LEN(bad); i++)
		CHECKM(ckpt_parse(&c, bad[i].text, strlen(bad[i].text), &e) == ARM_ESYNTAX,
		       bad[i].why);
	CHECK(ckpt_parse(&c, bad[0].text, strlen(bad[0].text), &e) == ARM_ESYNTAX);
	CHECKM(strstr(e.msg, "line 2") && strstr(e.msg, "020852163"), e.msg);
	CHECK(c.size == 0 && c.origin[0] == '\0');
	{
		char big[400];
		memset(big, 'o', 300);
		memcpy(big + 300, "\n5\n" ROOT "\n", 48 + 1);
		CHECK(ckpt_parse(&c, big, strlen(big), &e) == ARM_ELIMIT);
	}
}

static void
test_format_refuses(void)
{
	struct arm_err e;
	struct ckpt c;
	struct buf b = BUF_INIT(4096);

	CHECK(ckpt_parse(&c, sofa, strlen(sofa), &e) == ARM_OK);
	memcpy(c.origin, "a\nb", 4);
	CHECK(ckpt_format(&c, &b, &e) != ARM_OK && b.len == 0);
	CHECK(ckpt_parse(&c, sofa, strlen(sofa), &e) == ARM_OK);
	c.origin[0] = '\0';
	CHECK(ckpt_format(&c, &b, &e) != ARM_OK && b.len == 0);
	CHECK(ckpt_parse(&c, sofa, strlen(sofa), &e) == ARM_OK);
	memcpy(c.ext, "no newline", 11);
	c.ext_len = 10;
	CHECK(ckpt_format(&c, &b, &e) != ARM_OK && b.len == 0);
	CHECK(ckpt_parse(&c, sofa, strlen(sofa), &e) == ARM_OK);
	c.size = 0;
	CHECK(ckpt_format(&c, &b, &e) == ARM_ESYNTAX && b.len == 0);
	buf_release(&b);
}

static void
test_open(void)
{
	struct arm_err e;
	struct note_signer log, other;
	struct note_verifier vlog, vother;
	const struct note_signer *list[2];
	struct buf b = BUF_INIT(4096);
	struct ckpt c;
	struct note n;
	char *t;

	CHECK(note_signer_generate(&log, "example.com/behind-the-sofa", NOTE_KEY_ED25519, &e) ==
	      ARM_OK);
	CHECK(note_signer_generate(&other, "other.example/log", NOTE_KEY_ED25519, &e) == ARM_OK);
	note_signer_verifier(&log, &vlog);
	note_signer_verifier(&other, &vother);
	list[0] = &log;
	CHECK(note_sign(sofa, strlen(sofa), list, 1, &b, &e) == ARM_OK);
	CHECKM(ckpt_open(b.data, b.len, &vlog, "example.com/behind-the-sofa", &c, &n, &e) == ARM_OK,
	       e.msg);
	CHECK(c.size == 20852163 && n.nsigs == 1);
	note_release(&n);
	CHECK(ckpt_open(b.data, b.len, &vlog, NULL, &c, &n, &e) == ARM_OK);
	note_release(&n);
	/* Wrong origin, wrong key, tampered size: refused and nothing kept. */
	CHECK(ckpt_open(b.data, b.len, &vlog, "example.com/elsewhere", &c, &n, &e) == ARM_EVERIFY);
	CHECK(n.text == NULL && c.size == 0);
	CHECK(ckpt_open(b.data, b.len, &vother, NULL, &c, &n, &e) == ARM_EVERIFY);
	t = strndup((char *)b.data, b.len);
	t[30] = '9';
	CHECK(ckpt_open((uint8_t *)t, b.len, &vlog, NULL, &c, &n, &e) == ARM_EVERIFY);
	free(t);
	/* Signed but not a checkpoint. */
	buf_reset(&b);
	CHECK(note_sign("o\n007\n" ROOT "\n", strlen("o\n007\n" ROOT "\n"), list, 1, &b, &e) ==
	      ARM_OK);
	CHECK(ckpt_open(b.data, b.len, &vlog, NULL, &c, &n, &e) == ARM_ESYNTAX);
	CHECK(n.text == NULL);
	/* A cosigner key is not a log key. */
	vother.type = NOTE_KEY_COSIG_V1;
	CHECK(ckpt_open(b.data, b.len, &vother, NULL, &c, &n, &e) == ARM_EUSAGE);
	note_signer_release(&log);
	note_signer_release(&other);
	buf_release(&b);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	RUN(test_spec_example);
	RUN(test_accepts);
	RUN(test_refuses);
	RUN(test_format_refuses);
	RUN(test_open);
	return HARNESS_DONE();
}
