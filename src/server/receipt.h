/*
 * receipt.h - the receipts POST /add answers with (a c2sp.org/tlog-proof
 * of the entry pinned to the current published checkpoint, with its
 * sequencing time where the log keeps a clock), built for many entries
 * at once without checking the log's signature on the same checkpoint for
 * each: log_prove() and log_prove_sequenced() each open the checkpoint
 * and verify it, two Ed25519 checks per receipt, more than the entry's
 * own signature check, and log_prove_sequenced() verifies the batch's
 * clock leaf again for each receipt. This keeps the current public
 * checkpoint and the clock leaves its receipts carried (up to 16 per
 * checkpoint), each with its log signature checked once (sigmemo.h), and
 * installs that memo while a receipt is built, so those checks are spared
 * for exactly those bytes; everything else (the proofs and their
 * verification) is done as before.
 *
 * Threads: rcpt_build() from any thread. Ownership: rcpt_new() returns
 * the builder (the log is borrowed and must outlive it); rcpt_free()
 * frees it (NULL-safe).
 */
#ifndef ARMISTICE_SERVER_RECEIPT_H
#define ARMISTICE_SERVER_RECEIPT_H

#include <stdint.h>

#include "armistice/buf.h"
#include "armistice/err.h"
#include "armistice/log.h"

struct rcpt;

int rcpt_new(struct rcpt **out, struct log *l, struct arm_err *e) ARM_MUST_CHECK;
void rcpt_free(struct rcpt *r);

/* Appends the receipt of published entry index to out. */
int rcpt_build(struct rcpt *r, uint64_t index, struct buf *out, struct arm_err *e) ARM_MUST_CHECK;

#endif
