/*
 * sigbatch.h - the Ed25519 signatures of a batch of signed notes checked
 * ahead of the rules, on every core, and remembered so that the rules'
 * own check (note_verify() in the engine, one entry after another) finds
 * the answer instead of computing it again.
 *
 * Why: checking a signature costs about 60 us, the rules about 5 us, and
 * the entries of a batch are independent until the rules see them
 * (issue 12 item 4). The rules stay single-threaded and in log order; only
 * the pure function verify(key, text, signature) is computed ahead.
 *
 * What is remembered is only a signature that verified: the public key,
 * the 64 signature bytes and the signed text, compared byte for byte
 * before a remembered answer is used (sigbatch_known()). A signature that
 * failed, a key the batch was not given (an amendment's new key, entry 0)
 * or a note that did not parse is simply not remembered, and the rules
 * check it themselves and say why it fails, exactly as without a batch.
 * So the result of a replay, its errors included, is the same whatever
 * the number of threads, and the same as without sigbatch.
 *
 * Use: sigbatch_run() over the notes with the keys that may sign them
 * (sigbatch_agreement_keys()), then sigbatch_use() on the thread that
 * applies the rules, for as long as it applies these notes.
 *
 * Ownership: struct sigbatch is the caller's (zero it, or
 * sigbatch_release() it); it copies nothing of the notes: it points into
 * them, so they must outlive every sigbatch_known() that may consult it.
 * Its arrays are reused from one run to the next (no allocation per note
 * once they have grown). Not thread-safe: one run at a time; the thread
 * that uses it only reads it.
 */
#ifndef ARMISTICE_SIGBATCH_H
#define ARMISTICE_SIGBATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "armistice/agreement.h"
#include "armistice/err.h"
#include "armistice/note.h"

struct sigbatch_rec {
	const uint8_t *text; /* the signed text: the note's first len bytes */
	size_t len;
	uint8_t pk[32];
	uint8_t sig[64];
};

struct sigbatch {
	struct sigbatch_rec *rec; /* the signatures that verified */
	size_t nrec, caprec;
	uint32_t *slot; /* open addressing over rec, by the signature's bytes */
	size_t nslot;
	struct note_verifier *keys; /* a copy of the run's keys */
	size_t nkeys, capkeys;
};

/*
 * Every Ed25519 signature of notes[0..n) by one of keys[0..nkeys) checked
 * on `threads` threads (0: parfor_threads(), parfor.h); those that verify are
 * remembered, replacing what the last run remembered. Errors are only
 * ARM_ENOMEM and a thread that could not start (ARM_EIO): a bad note or
 * a bad signature is not an error here (see above).
 */
int sigbatch_run(struct sigbatch *sb, const uint8_t *const *notes, const size_t *lens, size_t n,
                 const struct note_verifier *keys, size_t nkeys, unsigned threads,
                 struct arm_err *e) ARM_MUST_CHECK;

/*
 * The keys that may sign an agreement's entries: every actor's, and the
 * log's (its clock leaves), appended to *keys (grown with realloc).
 */
int sigbatch_agreement_keys(const struct agreement *a, struct note_verifier **keys, size_t *n,
                            size_t *cap, struct arm_err *e) ARM_MUST_CHECK;

/* Forgets what the last run remembered (keeps the memory). */
void sigbatch_clear(struct sigbatch *sb);
void sigbatch_release(struct sigbatch *sb);

/*
 * Makes sb the batch that note_verify() consults on the calling thread
 * (NULL: none); returns the one it replaces, for the caller to restore.
 */
const struct sigbatch *sigbatch_use(const struct sigbatch *sb);

/*
 * True if the calling thread's batch holds a signature sig by pk over
 * exactly text[0..len), which then verified; false otherwise (the caller
 * verifies it). Called by note_verify().
 */
bool sigbatch_known(const uint8_t pk[32], const uint8_t sig[64], const char *text, size_t len);

#endif
