/*
 * bench.h - what every benchmark shares. Rates are measured in CPU time of
 * the measuring thread (CLOCK_THREAD_CPUTIME_ID) wherever the work is
 * CPU-bound, so that other processes on a shared machine do not skew the
 * ratio against the raw limit measured in the same run; durable writes
 * are measured in wall time (bench_wall_now), since waiting for the disk
 * is the cost.
 */
#ifndef ARMISTICE_BENCH_H
#define ARMISTICE_BENCH_H

#include <time.h>

static inline double
bench_cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline double
bench_wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
