/*
 * witset.h - the witness set and quorum in force at a checkpoint size, for
 * `serve` (issue 10: the server follows witness changes made by an
 * amendment).
 *
 * A checkpoint of size N commits to entries 0..N-1, so the agreement in
 * force for it is entry 0 as amended by every amendment among them, in
 * log order (docs/rules.md "Amendments"; the auditor checks the same in
 * cli_audit.c, quorum()). witset_advance() reads the entries it has not
 * seen up to N, and for each amendment opens it against the agreement in
 * force (every party's signature, as the rules hook did when it was
 * sequenced) and parses its agreement (zone files through read_file).
 *
 * Ownership: a struct witset owns the latest amended agreement;
 * witset_release() frees it. Not thread-safe: the publisher calls it with
 * its agreement lock held.
 */
#ifndef ARMISTICE_WITSET_H
#define ARMISTICE_WITSET_H

#include <stdbool.h>
#include <stdint.h>

#include "armistice/agreement.h"
#include "armistice/err.h"
#include "armistice/log.h"

struct witset {
	struct agreement a; /* the latest amendment's agreement; valid if have */
	bool have;
	uint64_t scanned; /* entries [0, scanned) have been read */
	uint64_t index;   /* the log index of that amendment */
};

void witset_init(struct witset *w);
void witset_release(struct witset *w);

/* The agreement in force after the entries read so far: the latest amendment's, else a0. */
const struct agreement *witset_agreement(const struct witset *w, const struct agreement *a0);

/*
 * Reads entries [w->scanned, size) of l (entry 0 is a0, already loaded).
 * *changed is set if an amendment among them changed the witnesses or the
 * quorum; then what (witset_describe()) says how, in one line. ARM_* from
 * reading or a refused amendment (the log stays as it was: no new set).
 */
int witset_advance(struct witset *w, struct log *l, const struct agreement *a0, uint64_t size,
                   agreement_read_fn read_file, void *rctx, bool *changed, char *what, size_t cap,
                   struct arm_err *e) ARM_MUST_CHECK;

/* Do a and b name the same witnesses (ids and keys) and the same quorum? */
bool witset_same(const struct agreement *a, const struct agreement *b);

#endif
