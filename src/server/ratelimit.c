/* ratelimit.c - see ratelimit.h. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "server/ratelimit.h"

#define RLIMIT_PROBE 8 /* slots looked at per address */

struct rlimit_slot {
	bool used;
	uint8_t key[8]; /* IPv4 address, or the /64 of an IPv6 one */
	uint8_t klen;
	double tokens;
	double stamp; /* when tokens was last brought up to date */
};

struct rlimit {
	pthread_mutex_t mu;
	double rate, burst;
	size_t nslots; /* a power of two */
	struct rlimit_slot *slots;
	struct rlimit_slot overflow;
};

int
rlimit_new(struct rlimit **out, double rate, double burst, size_t slots, struct arm_err *e)
{
	struct rlimit *r;
	size_t n = 1;

	*out = NULL;
	if (!(rate > 0) || !(burst >= 1) || slots == 0 || slots > ((size_t)1 << 24))
		return arm_err_set(e, ARM_EUSAGE,
		                   "rate limit: rate > 0, burst >= 1, 1..2^24 addresses");
	while (n < slots)
		n <<= 1;
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->slots = calloc(n, sizeof(*r->slots))) == NULL) {
		free(r);
		return arm_err_set(e, ARM_ENOMEM, "out of memory for the rate-limit table");
	}
	r->rate = rate;
	r->burst = burst;
	r->nslots = n;
	r->overflow.used = true;
	r->overflow.tokens = burst;
	pthread_mutex_init(&r->mu, NULL);
	*out = r;
	return ARM_OK;
}

void
rlimit_free(struct rlimit *r)
{
	if (r == NULL)
		return;
	pthread_mutex_destroy(&r->mu);
	free(r->slots);
	free(r);
}

/* FNV-1a: the key is not secret, and the overflow bucket bounds collisions' harm. */
static size_t
rlimit_hash(const uint8_t *k, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= k[i];
		h *= 0x100000001b3ULL;
	}
	return (size_t)(h ^ (h >> 32));
}

static void
rlimit_refill(const struct rlimit *r, struct rlimit_slot *s, double now)
{
	if (now > s->stamp) {
		s->tokens += (now - s->stamp) * r->rate;
		if (s->tokens > r->burst)
			s->tokens = r->burst;
	}
	s->stamp = now;
}

bool
rlimit_take(struct rlimit *r, const uint8_t *addr, size_t len, double now, unsigned *retry_s)
{
	uint8_t key[8];
	size_t klen = len == 16 ? 8 : (len < 8 ? len : 8), h, i;
	struct rlimit_slot *s = NULL, *free_slot = NULL;
	bool ok;

	memset(key, 0, sizeof(key));
	memcpy(key, addr, klen);
	pthread_mutex_lock(&r->mu);
	h = rlimit_hash(key, klen);
	for (i = 0; i < RLIMIT_PROBE; i++) {
		struct rlimit_slot *t = &r->slots[(h + i) & (r->nslots - 1)];
		if (t->used && t->klen == klen && memcmp(t->key, key, klen) == 0) {
			s = t;
			break;
		}
		if (free_slot == NULL) {
			if (!t->used) {
				free_slot = t;
			} else {
				/* A bucket that has refilled holds nothing a new one would not. */
				rlimit_refill(r, t, now);
				if (t->tokens >= r->burst)
					free_slot = t;
			}
		}
	}
	if (s == NULL && free_slot != NULL) {
		s = free_slot;
		s->used = true;
		memcpy(s->key, key, sizeof(key));
		s->klen = (uint8_t)klen;
		s->tokens = r->burst;
		s->stamp = now;
	}
	if (s == NULL)
		s = &r->overflow;
	rlimit_refill(r, s, now);
	ok = s->tokens >= 1;
	if (ok) {
		s->tokens -= 1;
	} else if (retry_s != NULL) {
		double w = ceil((1 - s->tokens) / r->rate);
		*retry_s = w < 1 ? 1 : (w > 86400 ? 86400 : (unsigned)w);
	}
	pthread_mutex_unlock(&r->mu);
	return ok;
}
