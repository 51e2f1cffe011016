/* test_base.c - err, buf and b64. */
#include <stdlib.h>
#include <sodium.h>
#include <string.h>
#include <unistd.h>

#include "armistice/b64.h"
#include "armistice/common.h"
#include "harness.h"

static void
test_buf_limit(void)
{
	struct buf b = BUF_INIT(8);
	struct arm_err e;

	CHECK(buf_append(&b, "12345678", 8, &e) == ARM_OK);
	CHECK(b.len == 8 && b.data[8] == '\0');
	CHECK(buf_append(&b, "9", 1, &e) == ARM_ELIMIT);
	CHECK(b.len == 8);
	buf_release(&b);
	buf_release(&b); /* NULL-safe twice */
}

static void
test_b64_strict(void)
{
	uint8_t out[64];
	size_t n = 0;
	struct arm_err e;
	struct buf b = BUF_INIT(1024);

	CHECK(b64_decode("AQID", 4, out, sizeof(out), &n, &e) == ARM_OK && n == 3);
	CHECK(b64_decode("AQI=", 4, out, sizeof(out), &n, &e) == ARM_OK && n == 2);
	/* non-zero padding bits: "AQJ=" decodes to the same bytes as "AQI=" */
	CHECK(b64_decode("AQJ=", 4, out, sizeof(out), &n, &e) == ARM_ESYNTAX);
	CHECK(b64_decode("AQI", 3, out, sizeof(out), &n, &e) == ARM_ESYNTAX);
	CHECK(b64_decode("AQ I", 4, out, sizeof(out), &n, &e) == ARM_ESYNTAX);
	CHECK(b64_decode("AQ-_", 4, out, sizeof(out), &n, &e) == ARM_ESYNTAX);
	CHECK(b64_decode("", 0, out, sizeof(out), &n, &e) == ARM_ESYNTAX);
	/* libsodium 1.0.18 maps some bytes >= 0x80 to values; we refuse them */
	CHECK(b64_decode("AQ\xc3\x80", 4, out, sizeof(out), &n, &e) == ARM_ESYNTAX);
	CHECK(b64_decode("AQI\x80", 4, out, sizeof(out), &n, &e) == ARM_ESYNTAX);
	CHECK(b64_encode(&b, "\x01\x02", 2, &e) == ARM_OK);
	CHECK(b.len == 4 && memcmp(b.data, "AQI=", 4) == 0);
	buf_release(&b);
}

static void
test_read_fd(void)
{
	struct buf small = BUF_INIT(10), big = BUF_INIT(100);
	struct arm_err e;
	int p[2];

	CHECK(pipe(p) == 0);
	CHECK(write(p[1], "0123456789abcdefghij", 20) == 20);
	close(p[1]);
	CHECK(buf_read_fd(&small, p[0], "pipe", &e) == ARM_ELIMIT);
	CHECK(strstr(e.msg, "'pipe'") != NULL);
	close(p[0]);
	CHECK(pipe(p) == 0);
	CHECK(write(p[1], "0123456789abcdefghij", 20) == 20);
	close(p[1]);
	CHECK(buf_read_fd(&big, p[0], "pipe", &e) == ARM_OK);
	CHECK(big.len == 20 && memcmp(big.data, "0123456789abcdefghij", 20) == 0);
	close(p[0]);
	buf_release(&small);
	buf_release(&big);
}

static void
test_exit_codes(void)
{
	CHECK(arm_rc_exit(ARM_OK) == 0);
	CHECK(arm_rc_exit(ARM_EVERIFY) == 1);
	CHECK(arm_rc_exit(ARM_EUSAGE) == 2);
	CHECK(arm_rc_exit(ARM_ERULE) == 3);
	CHECK(strcmp(arm_rc_name(ARM_ERULE), "rule") == 0);
}
/*
 * The table decoder (public data) and libsodium's constant-time one
 * (secrets) take and refuse exactly the same spellings and give the same
 * bytes: 200,000 random strings over the alphabet and '=', and every
 * 4-character group.
 */
static void
test_b64_decoders_agree(void)
{
	static const char alpha[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
	char s[16];
	uint8_t a[16], b[16];
	size_t la, lb, len, i, k, disagree = 0;
	struct arm_err ea, eb;

	for (k = 0; k < 200000; k++) {
		len = 4 * (1 + randombytes_uniform(3));
		for (i = 0; i < len; i++) {
			/* bias toward '=' near the end so that padding cases come up */
			uint32_t r = randombytes_uniform(i + 2 >= len ? 70 : 65);
			s[i] = r >= 64 ? '=' : alpha[r];
		}
		memset(a, 0, sizeof(a));
		memset(b, 0, sizeof(b));
		int ra = b64_decode(s, len, a, sizeof(a), &la, &ea);
		int rb = b64_decode_secret(s, len, b, sizeof(b), &lb, &eb);
		if (ra != rb || (ra == ARM_OK && (la != lb || memcmp(a, b, la) != 0)))
			disagree++;
	}
	CHECK(disagree == 0);
	/* A short output buffer is refused by both. */
	CHECK(b64_decode("AAAAAAAA", 8, a, 5, &la, &ea) != ARM_OK);
	CHECK(b64_decode_secret("AAAAAAAA", 8, b, 5, &lb, &eb) != ARM_OK);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	RUN(test_buf_limit);
	RUN(test_b64_strict);
	RUN(test_b64_decoders_agree);
	RUN(test_read_fd);
	RUN(test_exit_codes);
	return HARNESS_DONE();
}
