/*
 * sigmemo.h - Ed25519 signatures already checked, so that a server can
 * check the signatures of many submissions on every core before its
 * single sequencer thread runs the rules, without the rules checking them
 * a second time.
 *
 * A memo holds (public key, signature, signed text) triples whose check
 * passed (sigmemo_check() does the check and keeps the triple). A thread
 * that installs a memo (sigmemo_use()) has note_verify() skip the Ed25519
 * computation for a signature whose key, signature bytes and whole signed
 * text are the same as one in the memo: Ed25519 verification is a pure
 * function of the three, so the answer is the one already computed. Which
 * keys must sign, and every other rule, is decided as before; a
 * signature not in the memo is verified as before; a memo never makes a
 * bad signature pass.
 *
 * Threads: a memo is filled by one thread at a time (the caller
 * serialises), then read by the thread that installed it. Ownership: the
 * memo holds pointers to the signed texts (borrowed: they must outlive
 * its use); sigmemo_release() frees its array.
 */
#ifndef ARMISTICE_SIGMEMO_H
#define ARMISTICE_SIGMEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sigmemo_item {
	uint8_t pk[32];
	uint8_t sig[64];
	const char *text; /* borrowed */
	size_t text_len;
};

struct sigmemo {
	struct sigmemo_item *v;
	size_t n, cap;
	/* sigmemo_index(): open addressing over v by signature bytes (0: empty). */
	uint32_t *slot;
	size_t nslot, nindexed; /* the index is used while nindexed == n */
};

void sigmemo_init(struct sigmemo *m);
void sigmemo_release(struct sigmemo *m);
void sigmemo_clear(struct sigmemo *m);

/*
 * Checks Ed25519 signature sig (siglen bytes) by pk over text[0..len);
 * true if it verifies. The triple is returned in *out for sigmemo_add().
 */
bool sigmemo_check(const uint8_t pk[32], const uint8_t *sig, size_t siglen, const char *text,
                   size_t len, struct sigmemo_item *out);
/* Keeps a checked triple; false if out of memory (nothing lost but time). */
bool sigmemo_add(struct sigmemo *m, const struct sigmemo_item *it);

/*
 * Indexes the memo's triples so that sigmemo_known() finds one in
 * constant time instead of a scan (a replay's batch holds thousands);
 * false if out of memory (the scan still answers). sigmemo_add() after it
 * drops back to the scan until the next sigmemo_index().
 */
bool sigmemo_index(struct sigmemo *m);

/* Installs m (or NULL) as the calling thread's memo for note_verify(). */
void sigmemo_use(const struct sigmemo *m);
/* Is the triple in the calling thread's memo? (note.c) */
bool sigmemo_known(const uint8_t pk[32], const uint8_t *sig, size_t siglen, const char *text,
                   size_t len);

#endif
