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
	sigmemo_init(m);
}

void
sigmemo_clear(struct sigmemo *m)
{
	m->n = 0;
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

	if (m == NULL || siglen != crypto_sign_BYTES)
		return false;
	/* A batch holds a few hundred: a scan on the signature's first bytes is enough. */
	for (i = 0; i < m->n; i++) {
		const struct sigmemo_item *it = &m->v[i];
		if (memcmp(it->sig, sig, 8) == 0 && it->text_len == len &&
		    memcmp(it->sig, sig, sizeof(it->sig)) == 0 &&
		    memcmp(it->pk, pk, sizeof(it->pk)) == 0 && memcmp(it->text, text, len) == 0)
			return true;
	}
	return false;
}
