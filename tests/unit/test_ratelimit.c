/*
 * test_ratelimit.c - the per-address token bucket of `serve`
 * (src/server/ratelimit.c, compiled in here: it lives beside the server,
 * outside libarmistice). Time is passed in, so nothing here sleeps.
 */
#include "../../src/server/ratelimit.c"
#include "harness.h"

static const uint8_t a1[4] = {127, 0, 0, 1}, a2[4] = {127, 0, 0, 2};

static struct rlimit *
mk(double rate, double burst, size_t slots)
{
	struct rlimit *r = NULL;
	struct arm_err e;

	if (rlimit_new(&r, rate, burst, slots, &e) != ARM_OK) {
		printf("not ok - rlimit_new: %s\n", e.msg);
		exit(1);
	}
	return r;
}

static void
test_burst_then_rate(void)
{
	struct rlimit *r = mk(2, 5, 64);
	unsigned retry = 0;
	int i, n = 0;

	for (i = 0; i < 5; i++)
		n += rlimit_take(r, a1, 4, 100.0, &retry);
	CHECK(n == 5);
	CHECK(!rlimit_take(r, a1, 4, 100.0, &retry));
	CHECK(retry == 1); /* one token at 2/s: half a second, rounded up */
	CHECK(rlimit_take(r, a2, 4, 100.0, &retry)); /* another address has its own bucket */
	CHECK(!rlimit_take(r, a1, 4, 100.2, &retry));
	CHECK(rlimit_take(r, a1, 4, 100.6, &retry)); /* 0.6 s at 2/s: one token back */
	CHECK(!rlimit_take(r, a1, 4, 100.6, &retry));
	/* long idle: back to the burst, not more */
	for (i = 0, n = 0; i < 10; i++)
		n += rlimit_take(r, a1, 4, 1000.0, &retry);
	CHECK(n == 5);
	rlimit_free(r);
}

static void
test_retry_after(void)
{
	struct rlimit *r = mk(0.1, 1, 16);
	unsigned retry = 0;

	CHECK(rlimit_take(r, a1, 4, 0.0, &retry));
	CHECK(!rlimit_take(r, a1, 4, 0.0, &retry));
	CHECK(retry == 10);
	CHECK(!rlimit_take(r, a1, 4, 5.0, &retry));
	CHECK(retry == 5);
	rlimit_free(r);
}

static void
test_ipv6_by_64(void)
{
	struct rlimit *r = mk(1, 2, 64);
	uint8_t x[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1}, y[16];
	unsigned retry;

	memcpy(y, x, 16);
	y[15] = 0x77; /* same /64, another host */
	CHECK(rlimit_take(r, x, 16, 0.0, &retry));
	CHECK(rlimit_take(r, y, 16, 0.0, &retry));
	CHECK(!rlimit_take(r, x, 16, 0.0, &retry));
	y[7] = 2; /* another /64 */
	CHECK(rlimit_take(r, y, 16, 0.0, &retry));
	rlimit_free(r);
}

static void
test_table_full(void)
{
	/* 8 slots, one probe window: every slot busy, new addresses share one bucket. */
	struct rlimit *r = mk(1, 3, 8);
	uint8_t a[4] = {10, 0, 0, 0};
	unsigned retry;
	int i, served = 0;

	for (i = 0; i < 8; i++) {
		a[3] = (uint8_t)i;
		CHECK(rlimit_take(r, a, 4, 0.0, &retry)); /* each now below its burst: busy */
	}
	for (i = 8; i < 40; i++) {
		a[3] = (uint8_t)i;
		served += rlimit_take(r, a, 4, 0.0, &retry);
	}
	CHECK(served == 3); /* the probe window covers all 8 slots: only the overflow bucket */
	/* the addresses counted first keep their counts: 10.0.0.0 has 2 left, then none */
	a[3] = 0;
	CHECK(rlimit_take(r, a, 4, 0.0, &retry));
	CHECK(rlimit_take(r, a, 4, 0.0, &retry));
	CHECK(!rlimit_take(r, a, 4, 0.0, &retry));
	/* once refilled, slots are free again for new addresses */
	a[3] = 200;
	CHECK(rlimit_take(r, a, 4, 100.0, &retry));
	CHECK(rlimit_take(r, a, 4, 100.0, &retry));
	CHECK(rlimit_take(r, a, 4, 100.0, &retry));
	CHECK(!rlimit_take(r, a, 4, 100.0, &retry));
	rlimit_free(r);
}

static void
test_bad_options(void)
{
	struct rlimit *r = NULL;
	struct arm_err e;

	CHECK(rlimit_new(&r, 0, 5, 16, &e) == ARM_EUSAGE && r == NULL);
	CHECK(rlimit_new(&r, 1, 0.5, 16, &e) == ARM_EUSAGE && r == NULL);
	CHECK(rlimit_new(&r, 1, 5, 0, &e) == ARM_EUSAGE && r == NULL);
}

int
main(void)
{
	RUN(test_burst_then_rate);
	RUN(test_retry_after);
	RUN(test_ipv6_by_64);
	RUN(test_table_full);
	RUN(test_bad_options);
	return HARNESS_DONE();
}
