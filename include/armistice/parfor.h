/*
 * parfor.h - a loop over [0, n) cut into contiguous shares, one per
 * thread (pthreads), for work whose items are independent: checking or
 * making signatures (sigbatch.h, `import`), hashing bundles (`log
 * verify`). The caller's thread takes the first share.
 *
 * Determinism: share t is always [n*t/k, n*(t+1)/k) for k threads, and
 * fn learns t, so a caller that keeps one result slot per item (or per
 * share, merged in share order) gets the same answer for any k.
 *
 * Ownership: nothing is allocated; ctx is the caller's and is shared by
 * every thread (fn must only write what its share owns).
 */
#ifndef ARMISTICE_PARFOR_H
#define ARMISTICE_PARFOR_H

#include <stddef.h>

/* The most threads parfor_threads() gives, whatever the machine. */
#define PARFOR_MAX_THREADS 64

typedef void (*parfor_fn)(void *ctx, size_t lo, size_t hi, unsigned t);

/*
 * The threads to use: $ARMISTICE_THREADS if set (1 to
 * PARFOR_MAX_THREADS), else the processors online.
 */
unsigned parfor_threads(void);

/*
 * fn over [0, n) on k = min(threads, n) shares (threads 0:
 * parfor_threads()); returns the number of shares k (fn was called with
 * t in [0, k)). A thread that cannot start has its share run on the
 * caller's thread: the work is always done.
 */
unsigned parfor(size_t n, unsigned threads, parfor_fn fn, void *ctx);

#endif
