/* sigmemo.c - see include/armistice/sigmemo.h. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "armistice/sigmemo.h"

static _Thread_local const struct sigmemo *sigmemo_cur;

void
sigmemo_init(struct sigmemo *m)
{
	memset(m, 0, sizeof(*m));
}

void
sigmemo_release(struct sigmemo *m)
{
	free(m->v);
	free(m->slot);
	sigmemo_init(m);
}

void
sigmemo_clear(struct sigmemo *m)
{
	m->n = 0;
	m->nindexed = 0;
}

/* An Ed25519 signature starts with R, a curve point of a secret nonce: uniform enough. */
static size_t
sig_slot(const uint8_t *sig, size_t nslot)
{
	uint64_t h;

	memcpy(&h, sig, sizeof(h));
	return (size_t)(h ^ (h >> 29)) & (nslot - 1);
}

bool
sigmemo_index(struct sigmemo *m)
{
	size_t want = 16, i;

	m->nindexed = 0;
	while (want < 2 * m->n)
		want *= 2;
	if (m->n >= UINT32_MAX / 2)
		return false;
	if (want > m->nslot) {
		uint32_t *ns = realloc(m->slot, want * sizeof(*ns));
		if (ns == NULL)
			return false;
		m->slot = ns;
		m->nslot = want;
	}
	memset(m->slot, 0, m->nslot * sizeof(*m->slot));
	for (i = 0; i < m->n; i++) {
		size_t at = sig_slot(m->v[i].sig, m->nslot);
		while (m->slot[at] != 0)
			at = (at + 1) & (m->nslot - 1);
		m->slot[at] = (uint32_t)(i + 1);
	}
	m->nindexed = m->n;
	return true;
}

static bool
same(const struct sigmemo_item *it, const uint8_t pk[32], const uint8_t *sig, const char *text,
     size_t len)
{
	return memcmp(it->sig, sig, 8) == 0 && it->text_len == len &&
	       memcmp(it->sig, sig, sizeof(it->sig)) == 0 &&
	       memcmp(it->pk, pk, sizeof(it->pk)) == 0 && memcmp(it->text, text, len) == 0;
}

bool
sigmemo_check(const uint8_t pk[32], const uint8_t *sig, size_t siglen, const char *text, size_t len,
              struct sigmemo_item *out)
{
	if (siglen != crypto_sign_BYTES ||
	    crypto_sign_verify_detached(sig, (const unsigned char *)text, len, pk) != 0)
		return false;
	memcpy(out->pk, pk, sizeof(out->pk));
	memcpy(out->sig, sig, sizeof(out->sig));
	out->text = text;
	out->text_len = len;
	return true;
}

bool
sigmemo_add(struct sigmemo *m, const struct sigmemo_item *it)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 64;
		struct sigmemo_item *v = realloc(m->v, cap * sizeof(*v));
		if (v == NULL)
			return false;
		m->v = v;
		m->cap = cap;
	}
	m->v[m->n++] = *it;
	return true;
}

void
sigmemo_use(const struct sigmemo *m)
{
	sigmemo_cur = m;
}

bool
sigmemo_known(const uint8_t pk[32], const uint8_t *sig, size_t siglen, const char *text, size_t len)
{
	const struct sigmemo *m = sigmemo_cur;
	size_t i;

	if (m == NULL || siglen != crypto_sign_BYTES || m->n == 0)
		return false;
	if (m->nindexed == m->n && m->slot != NULL) {
		for (i = sig_slot(sig, m->nslot); m->slot[i] != 0; i = (i + 1) & (m->nslot - 1))
			if (same(&m->v[m->slot[i] - 1], pk, sig, text, len))
				return true;
		return false;
	}
	/* A server's batch holds a few hundred: a scan on the signature's first bytes. */
	for (i = 0; i < m->n; i++)
		if (same(&m->v[i], pk, sig, text, len))
			return true;
	return false;
}
