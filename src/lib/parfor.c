/* parfor.c - see parfor.h. */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "armistice/parfor.h"

unsigned
parfor_threads(void)
{
	const char *s = getenv("ARMISTICE_THREADS");
	long n;

	if (s != NULL && *s != '\0') {
		char *end;
		n = strtol(s, &end, 10);
		if (*end == '\0' && n >= 1)
			return n > PARFOR_MAX_THREADS ? PARFOR_MAX_THREADS : (unsigned)n;
	}
	n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		return 1;
	return n > PARFOR_MAX_THREADS ? PARFOR_MAX_THREADS : (unsigned)n;
}

struct share {
	parfor_fn fn;
	void *ctx;
	size_t lo, hi;
	unsigned t;
};

static void *
share_run(void *arg)
{
	struct share *s = arg;

	s->fn(s->ctx, s->lo, s->hi, s->t);
	return NULL;
}

unsigned
parfor(size_t n, unsigned threads, parfor_fn fn, void *ctx)
{
	struct share sh[PARFOR_MAX_THREADS];
	pthread_t tid[PARFOR_MAX_THREADS];
	unsigned k = threads ? threads : parfor_threads(), t, started = 0;

	if (k > PARFOR_MAX_THREADS)
		k = PARFOR_MAX_THREADS;
	if (k > n)
		k = (unsigned)n;
	if (k == 0)
		return 0;
	for (t = 0; t < k; t++) {
		sh[t].fn = fn;
		sh[t].ctx = ctx;
		sh[t].lo = n * t / k;
		sh[t].hi = n * (t + 1) / k;
		sh[t].t = t;
	}
	for (t = 1; t < k; t++) {
		if (pthread_create(&tid[t], NULL, share_run, &sh[t]) != 0)
			break;
		started = t;
	}
	share_run(&sh[0]);
	for (t = started + 1; t < k; t++)
		share_run(&sh[t]);
	for (t = 1; t <= started; t++)
		pthread_join(tid[t], NULL);
	return k;
}
