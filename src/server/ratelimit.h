/*
 * ratelimit.h - a token bucket per client address for the requests that
 * cost the server work (a state replay, a proof), so that one address
 * cannot take every core: each address may make `burst` such requests at
 * once and `rate` per second after that; past it the server answers 429
 * with Retry-After (RFC 6585 §4) before doing any of the work.
 *
 * Addresses: an IPv4 address is one client; an IPv6 address counts by its
 * /64 (RFC 4291 §2.5.4: one host or one subnet usually holds a whole /64,
 * so counting each of its 2^64 addresses would be no limit).
 *
 * The table is bounded (`slots` addresses, open addressing with a short
 * probe). An entry whose bucket has refilled is as good as a new one and
 * is reused, so an idle address costs nothing. When every slot in reach
 * is busy, the new address shares one overflow bucket with every other
 * address in that position: many addresses at once cannot push a busy
 * address out to reset its own count, and at worst they limit each
 * other, never the addresses already counted.
 *
 * Threads: rlimit_take() may be called concurrently (one mutex).
 * Ownership: rlimit_new() returns the table, rlimit_free() frees it
 * (NULL-safe).
 */
#ifndef ARMISTICE_SERVER_RATELIMIT_H
#define ARMISTICE_SERVER_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "armistice/err.h"

struct rlimit;

/* rate > 0 requests per second, burst >= 1, slots >= 1 (rounded up to a power of two). */
int rlimit_new(struct rlimit **out, double rate, double burst, size_t slots,
               struct arm_err *e) ARM_MUST_CHECK;
void rlimit_free(struct rlimit *r);

/*
 * Takes one token for the address (4 bytes IPv4, 16 bytes IPv6) at time
 * now (seconds, monotonic). Returns true if the request may go on; false
 * with *retry_s the whole seconds (>= 1) until a token is back.
 */
bool rlimit_take(struct rlimit *r, const uint8_t *addr, size_t len, double now, unsigned *retry_s);

#endif
