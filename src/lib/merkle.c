/*
 * merkle.c - see merkle.h. RFC 9162 §2.1 Merkle Tree Hash, PATH
 * (§2.1.3.1), PROOF/SUBPROOF (§2.1.4.1) and the two verification
 * algorithms (§2.1.3.2, §2.1.4.2), transcribed step by step.
 *
 * Generation asks the merkle_src only for complete, aligned subtrees; an
 * incomplete subtree D[start:end) is split the way MTH splits it (k = the
 * largest power of two smaller than its size), so each proof element costs
 * at most log2(size) source lookups and no more node hashes than MTH needs.
 */
#include <stdint.h>
#include <string.h>

#include "armistice/merkle.h"
#include "armistice/common.h"

/* Largest power of two strictly smaller than n (n >= 2). */
static uint64_t
split_point(uint64_t n)
{
	uint64_t k = 1;

	while (k << 1 < n)
		k <<= 1;
	return k;
}

/*
 * MTH(D[start:end)) for 0 <= start < end <= tree size, where start is a
 * multiple of the largest power of two not exceeding end - start (true of
 * every range PATH and SUBPROOF visit). The range is the complete
 * subtrees of end - start's set bits, largest first; fold them right to
 * left as MTH does.
 */
static int
range_hash(const struct merkle_src *src, uint64_t start, uint64_t end, uint8_t out[HASH_SIZE],
           struct arm_err *e)
{
	uint8_t parts[64][HASH_SIZE];
	unsigned np = 0;
	uint64_t at = start;
	uint64_t n = end - start;

	for (unsigned level = 64; level-- > 0;) {
		if (((n >> level) & 1) == 0)
			continue;
		ARM_TRY(src->hash(src->ctx, level, at >> level, parts[np], e));
		np++;
		at += (uint64_t)1 << level;
	}
	if (np == 0)
		return arm_err_set(e, ARM_EUSAGE, "merkle: empty range at leaf %llu",
		                   (unsigned long long)start);
	memcpy(out, parts[np - 1], HASH_SIZE);
	while (np-- > 1)
		hash_node(out, parts[np - 1], out);
	return ARM_OK;
}

int
merkle_root(const struct merkle_src *src, uint64_t size, uint8_t out[HASH_SIZE], struct arm_err *e)
{
	if (size == 0) {
		/* RFC 9162 §2.1.1: the hash of an empty list is SHA-256(""). */
		hash_sha256(out, "", 0);
		return ARM_OK;
	}
	return range_hash(src, 0, size, out, e);
}

/*
 * RFC 9162 §2.1.3.1:
 *   PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n])   for m < k
 *   PATH(m, D[n]) = PATH(m - k, D[k:n]) : MTH(D[0:k]) for m >= k
 * Walked from the root down; elements are stored leaf-side first, so the
 * element found at depth d goes to position (depth of the leaf - 1 - d).
 */
int
merkle_prove_inclusion(const struct merkle_src *src, uint64_t index, uint64_t size,
                       uint8_t proof[MERKLE_MAX_PROOF][HASH_SIZE], size_t *nproof,
                       struct arm_err *e)
{
	uint8_t tmp[MERKLE_MAX_PROOF][HASH_SIZE];
	uint64_t lo = 0, hi = size, m = index;
	size_t d = 0;

	*nproof = 0;
	if (index >= size)
		return arm_err_set(e, ARM_EUSAGE,
		                   "merkle: inclusion proof for index %llu in a tree of size %llu",
		                   (unsigned long long)index, (unsigned long long)size);
	while (hi - lo > 1) {
		uint64_t k = split_point(hi - lo);

		if (d >= MERKLE_MAX_PROOF)
			return arm_err_set(e, ARM_EUSAGE, "merkle: inclusion proof longer than %d",
			                   MERKLE_MAX_PROOF);
		if (m - lo < k) {
			ARM_TRY(range_hash(src, lo + k, hi, tmp[d], e));
			hi = lo + k;
		} else {
			ARM_TRY(range_hash(src, lo, lo + k, tmp[d], e));
			lo += k;
		}
		d++;
	}
	for (size_t i = 0; i < d; i++)
		memcpy(proof[i], tmp[d - 1 - i], HASH_SIZE);
	*nproof = d;
	return ARM_OK;
}

/*
 * RFC 9162 §2.1.4.1:
 *   PROOF(m, D[n]) = SUBPROOF(m, D[n], true)
 *   SUBPROOF(m, D[m], true)  = {}
 *   SUBPROOF(m, D[m], false) = {MTH(D[m])}
 *   m <= k: SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
 *   m > k:  SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
 * Elements are found root-side first and stored innermost first.
 */
int
merkle_prove_consistency(const struct merkle_src *src, uint64_t old, uint64_t new_size,
                         uint8_t proof[MERKLE_MAX_PROOF][HASH_SIZE], size_t *nproof,
                         struct arm_err *e)
{
	uint8_t tmp[MERKLE_MAX_PROOF + 1][HASH_SIZE];
	uint64_t lo = 0, hi = new_size, m = old;
	size_t d = 0;
	int b = 1;

	*nproof = 0;
	if (old == 0 || old > new_size)
		return arm_err_set(e, ARM_EUSAGE,
		                   "merkle: consistency proof from size %llu to size %llu",
		                   (unsigned long long)old, (unsigned long long)new_size);
	while (m != hi) {
		uint64_t k = split_point(hi - lo);

		if (d >= MERKLE_MAX_PROOF)
			return arm_err_set(e, ARM_EUSAGE,
			                   "merkle: consistency proof longer than %d",
			                   MERKLE_MAX_PROOF);
		if (m - lo <= k) {
			ARM_TRY(range_hash(src, lo + k, hi, tmp[d], e));
			hi = lo + k;
		} else {
			ARM_TRY(range_hash(src, lo, lo + k, tmp[d], e));
			lo += k;
			b = 0;
		}
		d++;
	}
	if (!b) {
		if (d >= MERKLE_MAX_PROOF)
			return arm_err_set(e, ARM_EUSAGE,
			                   "merkle: consistency proof longer than %d",
			                   MERKLE_MAX_PROOF);
		ARM_TRY(range_hash(src, lo, hi, tmp[d], e));
		d++;
	}
	for (size_t i = 0; i < d; i++)
		memcpy(proof[i], tmp[d - 1 - i], HASH_SIZE);
	*nproof = d;
	return ARM_OK;
}

/* RFC 9162 §2.1.3.2, steps 1-4 (tlog-formats.md §2.1). */
int
merkle_verify_inclusion(const uint8_t leaf[HASH_SIZE], uint64_t index, uint64_t size,
                        const uint8_t root[HASH_SIZE], const uint8_t proof[][HASH_SIZE],
                        size_t nproof, struct arm_err *e)
{
	uint8_t r[HASH_SIZE];
	uint64_t fn, sn;

	/* 1. If leaf_index >= tree_size, fail. */
	if (index >= size)
		return arm_err_set(e, ARM_EVERIFY,
		                   "inclusion proof: index %llu is not below tree size %llu",
		                   (unsigned long long)index, (unsigned long long)size);
	/* 2. fn = leaf_index, sn = tree_size - 1, r = hash. */
	fn = index;
	sn = size - 1;
	memcpy(r, leaf, HASH_SIZE);
	/* 3. For each value p in the inclusion_path array: */
	for (size_t i = 0; i < nproof; i++) {
		/* a. If sn is 0, stop the iteration and fail the proof verification. */
		if (sn == 0)
			return arm_err_set(
			    e, ARM_EVERIFY,
			    "inclusion proof: too long: %zu hashes, index %llu in size %llu "
			    "needs %zu",
			    nproof, (unsigned long long)index, (unsigned long long)size, i);
		if ((fn & 1) || fn == sn) {
			/* b. r = HASH(0x01 || p || r); shift until LSB(fn) set or fn 0. */
			hash_node(r, proof[i], r);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			/* Otherwise: r = HASH(0x01 || r || p). */
			hash_node(r, r, proof[i]);
		}
		/* c. Finally, right-shift both fn and sn one time. */
		fn >>= 1;
		sn >>= 1;
	}
	/* 4. Compare: sn must be 0 and r must equal the root. */
	if (sn != 0)
		return arm_err_set(
		    e, ARM_EVERIFY,
		    "inclusion proof: too short: %zu hashes for index %llu in size %llu", nproof,
		    (unsigned long long)index, (unsigned long long)size);
	if (memcmp(r, root, HASH_SIZE) != 0) {
		char want[2 * HASH_SIZE + 1], got[2 * HASH_SIZE + 1];

		hash_hex(want, root);
		hash_hex(got, r);
		return arm_err_set(e, ARM_EVERIFY,
		                   "inclusion proof: index %llu in size %llu computes root %s, "
		                   "not the checkpoint root %s",
		                   (unsigned long long)index, (unsigned long long)size, got, want);
	}
	return ARM_OK;
}

/* RFC 9162 §2.1.4.2, steps 1-6 (tlog-formats.md §2.2). */
int
merkle_verify_consistency(uint64_t old, uint64_t new_size, const uint8_t old_root[HASH_SIZE],
                          const uint8_t new_root[HASH_SIZE], const uint8_t proof[][HASH_SIZE],
                          size_t nproof, struct arm_err *e)
{
	uint8_t fr[HASH_SIZE], sr[HASH_SIZE];
	uint64_t fn, sn;
	size_t i;

	if (old > new_size)
		return arm_err_set(e, ARM_EVERIFY,
		                   "consistency proof: old size %llu is larger than new size %llu",
		                   (unsigned long long)old, (unsigned long long)new_size);
	if (old == 0) {
		uint8_t empty[HASH_SIZE];

		/*
		 * Every tree extends the empty tree (tlog-witness "old 0"), so
		 * there is nothing to prove and a proof would be garbage; but the
		 * old root must be the one root a size-0 tree has, SHA-256("").
		 */
		if (nproof != 0)
			return arm_err_set(e, ARM_EVERIFY,
			                   "consistency proof: %zu hashes from size 0, want none",
			                   nproof);
		hash_sha256(empty, "", 0);
		if (memcmp(old_root, empty, HASH_SIZE) != 0)
			return arm_err_set(e, ARM_EVERIFY,
			                   "consistency proof: old size 0 with a root that is not "
			                   "SHA-256(\"\") (RFC 9162 §2.1.1)");
		if (new_size == 0 && memcmp(new_root, empty, HASH_SIZE) != 0)
			return arm_err_set(e, ARM_EVERIFY,
			                   "consistency proof: new size 0 with a root that is not "
			                   "SHA-256(\"\") (RFC 9162 §2.1.1)");
		return ARM_OK;
	}
	if (old == new_size) {
		/* Equal sizes: nothing to prove; the trees must be the same. */
		if (nproof != 0)
			return arm_err_set(
			    e, ARM_EVERIFY,
			    "consistency proof: %zu hashes for equal sizes %llu, want none", nproof,
			    (unsigned long long)old);
		if (memcmp(old_root, new_root, HASH_SIZE) != 0)
			return arm_err_set(e, ARM_EVERIFY,
			                   "consistency proof: two different roots for size %llu",
			                   (unsigned long long)old);
		return ARM_OK;
	}
	/* 1. If consistency_path is an empty array, stop and fail. */
	if (nproof == 0)
		return arm_err_set(e, ARM_EVERIFY,
		                   "consistency proof: empty proof from size %llu to %llu",
		                   (unsigned long long)old, (unsigned long long)new_size);
	/*
	 * 2. If first is an exact power of 2, then prepend first_hash to the
	 * consistency_path array. (Done without copying: path[0] is old_root
	 * and the loop starts at the proof's first element.)
	 */
	/* 3. fn = first - 1, sn = second - 1; while LSB(fn) shift both. */
	fn = old - 1;
	sn = new_size - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	/* 4. fr = sr = consistency_path[0]. */
	if ((old & (old - 1)) == 0) {
		memcpy(fr, old_root, HASH_SIZE);
		i = 0;
	} else {
		memcpy(fr, proof[0], HASH_SIZE);
		i = 1;
	}
	memcpy(sr, fr, HASH_SIZE);
	/* 5. For each subsequent value c in the consistency_path array: */
	for (; i < nproof; i++) {
		/* a. If sn is 0, stop the iteration and fail the proof verification. */
		if (sn == 0)
			return arm_err_set(
			    e, ARM_EVERIFY,
			    "consistency proof: too long: %zu hashes from size %llu to %llu",
			    nproof, (unsigned long long)old, (unsigned long long)new_size);
		if ((fn & 1) || fn == sn) {
			/* b. fr = HASH(0x01 || c || fr), sr = HASH(0x01 || c || sr). */
			hash_node(fr, proof[i], fr);
			hash_node(sr, proof[i], sr);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			/* Otherwise: sr = HASH(0x01 || sr || c). */
			hash_node(sr, sr, proof[i]);
		}
		/* c. Finally, right-shift both fn and sn one time. */
		fn >>= 1;
		sn >>= 1;
	}
	/* 6. fr == first_hash, sr == second_hash and sn == 0. */
	if (sn != 0)
		return arm_err_set(
		    e, ARM_EVERIFY,
		    "consistency proof: too short: %zu hashes from size %llu to %llu", nproof,
		    (unsigned long long)old, (unsigned long long)new_size);
	if (memcmp(fr, old_root, HASH_SIZE) != 0)
		return arm_err_set(
		    e, ARM_EVERIFY,
		    "consistency proof: does not reproduce the old root of size %llu",
		    (unsigned long long)old);
	if (memcmp(sr, new_root, HASH_SIZE) != 0)
		return arm_err_set(
		    e, ARM_EVERIFY,
		    "consistency proof: does not reproduce the new root of size %llu",
		    (unsigned long long)new_size);
	return ARM_OK;
}

void
merkle_edge_init(struct merkle_edge *m)
{
	memset(m, 0, sizeof(*m));
}

/*
 * Adding one leaf is binary addition: each set low bit of size is a
 * complete subtree of the same height as the carry, so they merge.
 */
void
merkle_edge_push(struct merkle_edge *m, const uint8_t leaf[HASH_SIZE])
{
	merkle_edge_push_subtree(m, leaf, 0); /* a leaf is a subtree of height 0 */
}

void
merkle_edge_push_subtree(struct merkle_edge *m, const uint8_t root[HASH_SIZE], unsigned height)
{
	uint8_t c[HASH_SIZE];
	uint64_t s = m->size >> height;

	memcpy(c, root, HASH_SIZE);
	while (s & 1) {
		hash_node(c, m->h[m->n - 1], c);
		m->n--;
		s >>= 1;
	}
	memcpy(m->h[m->n], c, HASH_SIZE);
	m->n++;
	m->size += (uint64_t)1 << height;
}

void
merkle_edge_root(const struct merkle_edge *m, uint8_t out[HASH_SIZE])
{
	if (m->n == 0) {
		hash_sha256(out, "", 0);
		return;
	}
	memcpy(out, m->h[m->n - 1], HASH_SIZE);
	for (unsigned i = m->n - 1; i-- > 0;)
		hash_node(out, m->h[i], out);
}

static int
mem_hash(void *ctx, unsigned level, uint64_t n, uint8_t out[HASH_SIZE], struct arm_err *e)
{
	const struct merkle_mem *m = ctx;
	struct merkle_edge edge;
	uint64_t start, count;

	if (level >= 64 || n > (m->n >> level) || (n << level) + ((uint64_t)1 << level) > m->n)
		return arm_err_set(
		    e, ARM_ENOTFOUND,
		    "merkle: no complete subtree at level %u index %llu in %llu leaves", level,
		    (unsigned long long)n, (unsigned long long)m->n);
	start = n << level;
	count = (uint64_t)1 << level;
	if (count == 1) {
		memcpy(out, m->leaves[start], HASH_SIZE);
		return ARM_OK;
	}
	merkle_edge_init(&edge);
	for (uint64_t i = 0; i < count; i++)
		merkle_edge_push(&edge, m->leaves[start + i]);
	memcpy(out, edge.h[0], HASH_SIZE);
	return ARM_OK;
}

void
merkle_mem_src(struct merkle_mem *m, const uint8_t (*leaves)[HASH_SIZE], uint64_t n,
               struct merkle_src *src)
{
	m->leaves = leaves;
	m->n = n;
	src->ctx = m;
	src->hash = mem_hash;
}
