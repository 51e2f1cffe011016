/*
 * merkle.h - RFC 9162 §2.1 Merkle trees: roots, inclusion and consistency
 * proofs, generated from any source of subtree hashes and verified.
 *
 * A struct merkle_src answers "the hash of the complete, aligned subtree of
 * 2^level leaves starting at leaf (n << level)". Tiles answer that directly
 * for levels that are multiples of 8 and cheaply for the others; an
 * in-memory array of leaf hashes answers it for tests and benchmarks.
 * Proof generation asks only for subtrees that lie wholly inside the tree.
 *
 * Verification follows RFC 9162 §2.1.3.2 and §2.1.4.2 exactly, including
 * prepending the first root when the old size is a power of two.
 * Ownership: callers own all arrays; nothing here allocates except
 * merkle_mem, which merkle_mem_release() frees.
 */
#ifndef ARMISTICE_MERKLE_H
#define ARMISTICE_MERKLE_H

#include <stdint.h>

#include "err.h"
#include "hash.h"

#define MERKLE_MAX_PROOF 64

struct merkle_src {
	void *ctx;
	int (*hash)(void *ctx, unsigned level, uint64_t n, uint8_t out[HASH_SIZE],
	            struct arm_err *e);
};

/* MTH of the first size leaves; size 0 gives SHA-256(""). */
int merkle_root(const struct merkle_src *src, uint64_t size, uint8_t out[HASH_SIZE],
                struct arm_err *e) ARM_MUST_CHECK;

/* RFC 9162 §2.1.3.1 PATH(index, D[size]). ARM_EUSAGE if index >= size. */
int merkle_prove_inclusion(const struct merkle_src *src, uint64_t index, uint64_t size,
                           uint8_t proof[MERKLE_MAX_PROOF][HASH_SIZE], size_t *nproof,
                           struct arm_err *e) ARM_MUST_CHECK;

/* RFC 9162 §2.1.4.1 PROOF(old, D[new]). ARM_EUSAGE unless 0 < old <= new. */
int merkle_prove_consistency(const struct merkle_src *src, uint64_t old, uint64_t new_size,
                             uint8_t proof[MERKLE_MAX_PROOF][HASH_SIZE], size_t *nproof,
                             struct arm_err *e) ARM_MUST_CHECK;

/* ARM_OK or ARM_EVERIFY with a message that says which check failed. */
int merkle_verify_inclusion(const uint8_t leaf[HASH_SIZE], uint64_t index, uint64_t size,
                            const uint8_t root[HASH_SIZE], const uint8_t proof[][HASH_SIZE],
                            size_t nproof, struct arm_err *e) ARM_MUST_CHECK;

/*
 * old == new: the proof must be empty and the roots equal. old == 0: the
 * proof must be empty and old_root must be SHA-256("") (the tlog-witness
 * "old 0" case; transparency-dev/merkle refuses every old == 0 instead).
 */
int merkle_verify_consistency(uint64_t old, uint64_t new_size, const uint8_t old_root[HASH_SIZE],
                              const uint8_t new_root[HASH_SIZE], const uint8_t proof[][HASH_SIZE],
                              size_t nproof, struct arm_err *e) ARM_MUST_CHECK;

/*
 * The right edge of a growing tree (a compact range from leaf 0): the
 * roots of its maximal complete subtrees, largest first. Appending a leaf
 * is O(log n); the root of the current size is O(log n).
 */
struct merkle_edge {
	uint64_t size;
	uint8_t h[MERKLE_MAX_PROOF][HASH_SIZE]; /* h[i]: subtree of the i-th set bit, high to low */
	unsigned n;
};
void merkle_edge_init(struct merkle_edge *m);
void merkle_edge_push(struct merkle_edge *m, const uint8_t leaf[HASH_SIZE]);
/*
 * Appends a complete subtree of 2^height leaves by its root, the same as
 * pushing its leaves one by one; m's size must be a multiple of 2^height.
 */
void merkle_edge_push_subtree(struct merkle_edge *m, const uint8_t root[HASH_SIZE],
                              unsigned height);
void merkle_edge_root(const struct merkle_edge *m, uint8_t out[HASH_SIZE]);

/*
 * A merkle_src over an in-memory array of leaf hashes (borrowed). Each
 * lookup rehashes the 2^level leaves below it: for tests and small trees.
 */
struct merkle_mem {
	const uint8_t (*leaves)[HASH_SIZE];
	uint64_t n;
};
void merkle_mem_src(struct merkle_mem *m, const uint8_t (*leaves)[HASH_SIZE], uint64_t n,
                    struct merkle_src *src);

#endif
