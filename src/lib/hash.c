/*
 * hash.c - see hash.h. SHA-256 through OpenSSL's EVP (which uses the
 * SHA-NI instructions where the CPU has them) or through libsodium (portable
 * C). Both give identical bytes; the default is the one `make bench`
 * measured faster on 65-byte node inputs (docs/performance.md).
 *
 * Each thread keeps one EVP_MD_CTX, so a hash costs no allocation and no
 * algorithm fetch; the context is freed by a pthread key destructor when
 * the thread ends. If EVP ever fails (it should not: the context and the
 * fetched digest already exist), the call falls back to libsodium, which
 * cannot fail, so hash_* keep their no-failure contract.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "armistice/hash.h"
#include "armistice/common.h"

enum hash_impl { HASH_IMPL_OPENSSL, HASH_IMPL_SODIUM };

/* The default, chosen by bench/bench_hash.c (docs/performance.md). */
static _Atomic int hash_impl = HASH_IMPL_OPENSSL;

static pthread_once_t hash_once = PTHREAD_ONCE_INIT;
static pthread_key_t hash_key;
static EVP_MD *hash_md; /* fetched once, lives for the process */
static _Thread_local EVP_MD_CTX *hash_ctx;

/* Runs in the exiting thread, so it can forget that thread's pointer too. */
static void
hash_ctx_free(void *p)
{
	if (p == hash_ctx)
		hash_ctx = NULL;
	EVP_MD_CTX_free(p);
}

static void
hash_init_once(void)
{
	if (pthread_key_create(&hash_key, hash_ctx_free) != 0)
		return; /* hash_md stays NULL: every call uses libsodium */
	hash_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static EVP_MD_CTX *
hash_thread_ctx(void)
{
	if (hash_ctx != NULL)
		return hash_ctx;
	if (pthread_once(&hash_once, hash_init_once) != 0 || hash_md == NULL)
		return NULL;
	hash_ctx = EVP_MD_CTX_new();
	if (hash_ctx == NULL)
		return NULL;
	/* Registered so the destructor frees it when the thread exits. */
	if (pthread_setspecific(hash_key, hash_ctx) != 0) {
		EVP_MD_CTX_free(hash_ctx);
		hash_ctx = NULL;
	}
	return hash_ctx;
}

/* Hashes the concatenation of up to three pieces. */
static void
hash_parts(uint8_t out[HASH_SIZE], const void *a, size_t an, const void *b, size_t bn,
           const void *c, size_t cn)
{
	crypto_hash_sha256_state st;

	if (atomic_load_explicit(&hash_impl, memory_order_relaxed) == HASH_IMPL_OPENSSL) {
		EVP_MD_CTX *ctx = hash_thread_ctx();
		unsigned int len = 0;

		if (ctx != NULL && EVP_DigestInit_ex2(ctx, hash_md, NULL) == 1 &&
		    EVP_DigestUpdate(ctx, a, an) == 1 &&
		    (bn == 0 || EVP_DigestUpdate(ctx, b, bn) == 1) &&
		    (cn == 0 || EVP_DigestUpdate(ctx, c, cn) == 1) &&
		    EVP_DigestFinal_ex(ctx, out, &len) == 1 && len == HASH_SIZE)
			return;
	}
	/* libsodium's SHA-256 functions always return 0. */
	(void)crypto_hash_sha256_init(&st);
	(void)crypto_hash_sha256_update(&st, a, an);
	if (bn != 0)
		(void)crypto_hash_sha256_update(&st, b, bn);
	if (cn != 0)
		(void)crypto_hash_sha256_update(&st, c, cn);
	(void)crypto_hash_sha256_final(&st, out);
}

void
hash_sha256(uint8_t out[HASH_SIZE], const void *p, size_t n)
{
	hash_parts(out, p, n, NULL, 0, NULL, 0);
}

void
hash_leaf(uint8_t out[HASH_SIZE], const void *entry, size_t n)
{
	static const uint8_t prefix = 0x00; /* RFC 9162 §2.1.1 leaf prefix */

	hash_parts(out, &prefix, 1, entry, n, NULL, 0);
}

void
hash_node(uint8_t out[HASH_SIZE], const uint8_t left[HASH_SIZE], const uint8_t right[HASH_SIZE])
{
	uint8_t in[1 + 2 * HASH_SIZE];

	/* RFC 9162 §2.1.1: one 65-byte update is cheaper than three. */
	in[0] = 0x01;
	memcpy(in + 1, left, HASH_SIZE);
	memcpy(in + 1 + HASH_SIZE, right, HASH_SIZE);
	hash_parts(out, in, sizeof(in), NULL, 0, NULL, 0);
}

const char *
hash_backend(void)
{
	return atomic_load_explicit(&hash_impl, memory_order_relaxed) == HASH_IMPL_OPENSSL
	           ? "openssl"
	           : "libsodium";
}

int
hash_set_backend(const char *name, struct arm_err *e)
{
	if (name != NULL && strcmp(name, "openssl") == 0) {
		if (hash_thread_ctx() == NULL)
			return arm_err_set(e, ARM_EUSAGE,
			                   "hash: backend \"openssl\" has no usable sha256 digest");
		atomic_store(&hash_impl, HASH_IMPL_OPENSSL);
		return ARM_OK;
	}
	if (name != NULL && strcmp(name, "libsodium") == 0) {
		atomic_store(&hash_impl, HASH_IMPL_SODIUM);
		return ARM_OK;
	}
	return arm_err_set(e, ARM_EUSAGE,
	                   "hash: unknown backend \"%s\" (want \"openssl\" or \"libsodium\")",
	                   name != NULL ? name : "");
}

void
hash_hex(char out[2 * HASH_SIZE + 1], const uint8_t h[HASH_SIZE])
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < HASH_SIZE; i++) {
		out[2 * i] = digits[h[i] >> 4];
		out[2 * i + 1] = digits[h[i] & 0x0f];
	}
	out[2 * HASH_SIZE] = '\0';
}
