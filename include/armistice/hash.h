/*
 * hash.h - SHA-256 and the RFC 9162 tree hashes.
 *
 * The backend (OpenSSL or libsodium) is chosen by the numbers that
 * `make bench` prints (docs/performance.md): OpenSSL's EVP, about three
 * times libsodium here because it uses SHA-NI. Both give identical bytes.
 * No failure: SHA-256 of any input always succeeds. Thread-safe; each
 * thread allocates one EVP context on its first hash, freed at its exit.
 * out may alias an input (hash_node(r, p, r) is fine).
 */
#ifndef ARMISTICE_HASH_H
#define ARMISTICE_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define HASH_SIZE 32

void hash_sha256(uint8_t out[HASH_SIZE], const void *p, size_t n);

/* RFC 9162 §2.1.1: leaf hash = SHA-256(0x00 || entry). */
void hash_leaf(uint8_t out[HASH_SIZE], const void *entry, size_t n);

/* RFC 9162 §2.1.1: interior node = SHA-256(0x01 || left || right). */
void hash_node(uint8_t out[HASH_SIZE], const uint8_t left[HASH_SIZE],
               const uint8_t right[HASH_SIZE]);

/* Name of the backend in use, for bench output and `armistice version`. */
const char *hash_backend(void);

/*
 * Selects "openssl" or "libsodium" for every later hash in the process.
 * For bench/bench_hash.c, which measures both; the library never calls it.
 * ARM_EUSAGE for another name or if OpenSSL has no SHA-256.
 */
int hash_set_backend(const char *name, struct arm_err *e) ARM_MUST_CHECK;

/* Lowercase hex of a hash into out (65 bytes with the NUL). */
void hash_hex(char out[2 * HASH_SIZE + 1], const uint8_t h[HASH_SIZE]);

#endif
