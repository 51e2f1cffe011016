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

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "armistice/note.h"

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

/* Reads an unencrypted signer key file (the demo keys); exits on error. */
static inline void
bench_read_signer(const char *path, struct note_signer *s)
{
	char text[1024];
	struct arm_err e;
	size_t n;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "bench: cannot read %s\n", path);
		exit(1);
	}
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' '))
		n--;
	text[n] = '\0';
	if (note_signer_parse(s, text, n, &e) != ARM_OK) {
		fprintf(stderr, "bench: %s: %s\n", path, e.msg);
		exit(1);
	}
}

#endif
