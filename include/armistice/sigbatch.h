/*
 * sigbatch.h - the Ed25519 signatures of a batch of signed notes checked
 * ahead of the rules, on every core, into a signature memo (sigmemo.h) so
 * that the rules' own check (note_verify() in the engine, one entry after
 * another) finds the answer instead of computing it again.
 *
 * Why: checking a signature costs about 40 us, the rules a few, and the
 * entries of a batch are independent until the rules see them (issue 12
 * item 4). The rules stay single-threaded and in log order; only the pure
 * function verify(key, text, signature) is computed ahead.
 *
 * The memo keeps only signatures that verified (sigmemo_check()), matched
 * on key, signature bytes and signed text. A signature that failed, a key
 * the batch was not given (an amendment's new key, entry 0) or a note that
 * did not parse is not kept, and the rules check it themselves and say
 * why it fails, exactly as without a batch. So the result of a replay,
 * its errors included, is the same whatever the number of threads.
 *
 * Use: sigbatch_run() over the notes with the keys that may sign them
 * (sigbatch_agreement_keys()), then sigmemo_use(&sb.memo) on the thread
 * that applies the rules, and sigmemo_use(NULL) before the notes go.
 *
 * Ownership: struct sigbatch is the caller's (zero it, or
 * sigbatch_release() it); its memo points into the notes (not copied).
 * Its arrays are reused from one run to the next. One run at a time; the
 * thread that uses the memo only reads it.
 */
#ifndef ARMISTICE_SIGBATCH_H
#define ARMISTICE_SIGBATCH_H

#include <stddef.h>
#include <stdint.h>

#include "armistice/agreement.h"
#include "armistice/err.h"
#include "armistice/note.h"
#include "armistice/sigmemo.h"

struct sigbatch {
	struct sigmemo memo;        /* the signatures that verified, indexed */
	struct note_verifier *keys; /* a copy of the run's keys */
	size_t nkeys, capkeys;
};

/*
 * Every Ed25519 signature of notes[0..n) by one of keys[0..nkeys) checked
 * on `threads` threads (0: parfor_threads(), parfor.h); those that verify
 * replace what the memo held, in note order. Errors are only ARM_ENOMEM
 * and ARM_ELIMIT: a bad note or a bad signature is not an error here.
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

/* Empties the memo (keeps the memory). */
void sigbatch_clear(struct sigbatch *sb);
void sigbatch_release(struct sigbatch *sb);

#endif
