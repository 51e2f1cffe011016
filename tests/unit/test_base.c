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

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	RUN(test_buf_limit);
	RUN(test_b64_strict);
	RUN(test_read_fd);
	RUN(test_exit_codes);
	return HARNESS_DONE();
}
