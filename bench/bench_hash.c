/*
 * bench_hash.c - raw SHA-256 throughput of libsodium (crypto_hash_sha256,
 * portable C) and OpenSSL (EVP, which uses the SHA-NI instructions when
 * the CPU has them) on 64-byte and 1 KiB inputs, and RFC 9162 leaf and
 * node hashes per second through hash_leaf()/hash_node() with each
 * backend, as a ratio of the raw rate of the same library on 64 bytes
 * (a node hash is 65 bytes, a short leaf about as long).
 *
 * The backend that hashes nodes faster is the default in hash.c; this
 * prints which one wins on this machine. Times are CPU time of this
 * thread (the machine is shared), best of ROUNDS runs of ~0.25 s each.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Only to show what EVP's dispatch costs; the library itself uses EVP. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <sodium.h>

#include "armistice/hash.h"
#include "bench.h"
#include "armistice/common.h"

#define ROUNDS 3
#define SLICE 0.25 /* seconds of CPU per round */
#define BATCH 4096

static void
die(const char *what)
{
	fprintf(stderr, "bench_hash: %s\n", what);
	exit(1);
}

enum kind { RAW_SODIUM, RAW_OPENSSL, RAW_OPENSSL_LOW, OUR_LEAF, OUR_NODE };

static EVP_MD *md;
static EVP_MD_CTX *mctx;
static uint8_t sink[HASH_SIZE];

static void
run_batch(enum kind k, const uint8_t *in, size_t n)
{
	uint8_t out[HASH_SIZE];
	unsigned int ol;

	for (int i = 0; i < BATCH; i++) {
		switch (k) {
		case RAW_SODIUM: crypto_hash_sha256(out, in, n); break;
		case RAW_OPENSSL:
			if (EVP_DigestInit_ex2(mctx, md, NULL) != 1 ||
			    EVP_DigestUpdate(mctx, in, n) != 1 ||
			    EVP_DigestFinal_ex(mctx, out, &ol) != 1)
				die("openssl digest failed");
			break;
		case RAW_OPENSSL_LOW: {
			SHA256_CTX c;

			if (SHA256_Init(&c) != 1 || SHA256_Update(&c, in, n) != 1 ||
			    SHA256_Final(out, &c) != 1)
				die("openssl SHA256_* failed");
			break;
		}
		case OUR_LEAF: hash_leaf(out, in, n); break;
		case OUR_NODE:
		default: hash_node(out, in, in + HASH_SIZE); break;
		}
		sink[i % HASH_SIZE] ^= out[0];
	}
}

/* Operations per CPU second, best of ROUNDS. */
static double
rate(enum kind k, const uint8_t *in, size_t n)
{
	double best = 0;

	for (int r = 0; r < ROUNDS; r++) {
		double t0 = bench_cpu_now(), t;
		unsigned long ops = 0;

		do {
			run_batch(k, in, n);
			ops += BATCH;
			t = bench_cpu_now() - t0;
		} while (t < SLICE);
		if (ops / t > best)
			best = ops / t;
	}
	return best;
}

static int
cpu_has_sha_ni(void)
{
	char line[4096];
	FILE *f = fopen("/proc/cpuinfo", "r");
	int found = 0;

	if (f == NULL)
		return -1;
	while (!found && fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "flags", 5) == 0 && strstr(line, " sha_ni") != NULL)
			found = 1;
	fclose(f);
	return found;
}

int
main(void)
{
	static uint8_t in[1024];
	struct arm_err e;
	double raw64[2], raw1k[2], leaf[2], node[2], low64;
	const char *names[2] = {"libsodium", "openssl"};
	int sha_ni = cpu_has_sha_ni();
	int best;

	if (sodium_init() < 0)
		die("sodium_init failed");
	md = EVP_MD_fetch(NULL, "SHA256", NULL);
	mctx = EVP_MD_CTX_new();
	if (md == NULL || mctx == NULL)
		die("no OpenSSL SHA-256");
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 31 + 7);

	raw64[0] = rate(RAW_SODIUM, in, 64);
	raw64[1] = rate(RAW_OPENSSL, in, 64);
	low64 = rate(RAW_OPENSSL_LOW, in, 64);
	raw1k[0] = rate(RAW_SODIUM, in, 1024);
	raw1k[1] = rate(RAW_OPENSSL, in, 1024);
	for (int b = 0; b < 2; b++) {
		if (hash_set_backend(names[b], &e) != ARM_OK)
			die(e.msg);
		leaf[b] = rate(OUR_LEAF, in, 63); /* 0x00 || 63 bytes: 64 bytes hashed */
		node[b] = rate(OUR_NODE, in, 0);
	}
	best = node[1] >= node[0] ? 1 : 0;
	if (hash_set_backend(names[best], &e) != ARM_OK)
		die(e.msg);

	printf("## SHA-256 and RFC 9162 tree hashes (CPU sha_ni: %s, %s)\n\n",
	       sha_ni < 0 ? "unknown"
	       : sha_ni   ? "yes"
	                  : "no",
	       OpenSSL_version(OPENSSL_VERSION));
	printf("| library | raw 64 B (MB/s) | raw 64 B (hashes/s) | raw 1 KiB (MB/s) | "
	       "hash_leaf 63 B (/s) | hash_node (/s) | node / raw 64 B |\n");
	printf("|---|---:|---:|---:|---:|---:|---:|\n");
	for (int b = 0; b < 2; b++)
		printf("| %s | %.0f | %.0f | %.0f | %.0f | %.0f | %.2f |\n", names[b],
		       raw64[b] * 64 / 1e6, raw64[b], raw1k[b] * 1024 / 1e6, leaf[b], node[b],
		       node[b] / raw64[b]);
	printf("\nfaster for node hashes: %s (%.2fx the other); the library default is %s%s\n",
	       names[best], node[best] / node[1 - best], "openssl",
	       best == 1 ? "" : " -- NOT the faster one on this machine");
	printf("our node hashes/s vs the fastest raw 64-byte rate: %.2f\n",
	       node[best] / (raw64[0] > raw64[1] ? raw64[0] : raw64[1]));
	printf("openssl low-level SHA256_Init/Update/Final (deprecated in 3.0, not used): "
	       "%.0f hashes/s on 64 B, %.2fx EVP\n",
	       low64, low64 / raw64[1]);
	EVP_MD_CTX_free(mctx);
	EVP_MD_free(md);
	return sink[0] == 0x5a && sink[1] == 0xa5 ? 0 : 0;
}
