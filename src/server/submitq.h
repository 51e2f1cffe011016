/*
 * submitq.h - POST /add for many authors at once: signatures checked on
 * every core, the rules and the append on one sequencer thread, one
 * witness round for all that a batch committed, and the answers released
 * together, without a thread waiting for any of them.
 *
 *   handler: httpd_defer() + submitq_push()          (no waiting)
 *     -> check workers (one per core): parse the note and the entry,
 *        check each signature by a key the agreement in force names
 *        (sigmemo.h); nothing is refused here, a note that fails any of
 *        it goes on unchanged and the rules refuse it with their message
 *     -> sequencer (one thread): takes every checked submission waiting
 *        (a batch), puts an author's entries in seq order, appends the
 *        batch through the rules with the memo installed (the rules skip
 *        the Ed25519 checks already made, nothing else) and commits it
 *        durably (ops.append), then asks for publication (ops.committed)
 *     -> the publisher's one witness round covers the batch, and
 *        submitq_published() releases every entry below the published
 *        size: the check workers build the receipts (ops.receipt) and
 *        answer; an entry not published within ops.wait_ms() gets the
 *        202 answer (ops.late), as a blocking POST /add did.
 *
 * An entry that skips ahead of its author's seq (rule seq-order) may only
 * be early: its author's previous entry can be in flight on another
 * connection. It is held (out of the batch, nothing written) and tried
 * again with the next batch, for SUBMITQ_HOLD_MS at most; then it gets
 * the rule's refusal.
 *
 * Threads: submitq_push() and submitq_published() from any thread; the
 * ops are called from the sequencer (append, keys, committed) and the
 * check workers (receipt, late, wait_ms). Ownership: submitq_new()
 * returns the queue; submitq_stop() answers everything still queued
 * (503 before the append, the 202 answer after it) and joins the
 * threads; submitq_free() frees it (NULL-safe).
 */
#ifndef ARMISTICE_SERVER_SUBMITQ_H
#define ARMISTICE_SERVER_SUBMITQ_H

#include <stddef.h>
#include <stdint.h>

#include "armistice/err.h"
#include "armistice/httpd.h"
#include "armistice/log.h"
#include "armistice/note.h"

#define SUBMITQ_HOLD_MS 2000
#define SUBMITQ_BATCH_MAX 4096
#define SUBMITQ_KEYS_MAX 1024

struct submitq_ops {
	void *ctx;
	/* Appends entries[0..n) in order (log_append_many() through the rules). */
	int (*append)(void *ctx, const uint8_t *const *entries, const size_t *lens, size_t n,
	              struct log_result *res, struct arm_err *e);
	/* The Ed25519 keys that may sign entries now (at most cap); after each batch. */
	size_t (*keys)(void *ctx, struct note_verifier *out, size_t cap);
	/* A batch committed: time to ask the witnesses. */
	void (*committed)(void *ctx);
	/* The answer for entry index, published: its receipt. */
	void (*receipt)(void *ctx, uint64_t index, struct httpd_resp *rs);
	/* The answer for entry index, durable but not published in time. */
	void (*late)(void *ctx, const struct httpd_req *rq, uint64_t index, struct httpd_resp *rs);
	/* How long an entry may wait for publication (ms), read at its commit. */
	long (*wait_ms)(void *ctx);
};

struct submitq;

int submitq_new(struct submitq **out, const struct submitq_ops *ops, unsigned workers,
                struct arm_err *e) ARM_MUST_CHECK;
/* Takes the deferred request (its body is the entry); answers it later, always. */
void submitq_push(struct submitq *q, struct httpd_later *l);
/* The public checkpoint now has size entries. */
void submitq_published(struct submitq *q, uint64_t size);
void submitq_stop(struct submitq *q);
void submitq_free(struct submitq *q);

#endif
