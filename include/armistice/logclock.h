/*
 * logclock.h - the log clock: the log's own record of when it sequenced
 * each entry, as signed leaves of the tree (docs/formats.md "Log clock").
 *
 * Entries carry the time their author claims (entry.h `time`), and an
 * author can claim anything. The sequencer therefore puts one clock leaf
 * at the start of every batch of an agreement log, before the batch's
 * first entry: a signed note by the log's own key whose text is
 *
 *   armistice/clock/v1
 *   origin: <the log's checkpoint origin>
 *   index: <this leaf's index>
 *   time: <RFC 3339 UTC, seconds, "Z">
 *
 * The entries that follow it, up to the next clock leaf, were sequenced at
 * or after that time. Because the clock is a leaf, it is hashed into the
 * tree like any entry: the witnesses' cosignatures pin it, the C2SP tile
 * and bundle formats stay exactly as they are, and an operator cannot
 * re-date a batch later without forking the log. The index line binds a
 * clock leaf to its position (an old clock leaf submitted again is
 * refused), the origin line to one log (a key may sign several).
 *
 * The rules that use the clock (refuse a far-future entry, flag a
 * backdated one, judge deadlines on the log's time) live in the engine
 * (engine.h, docs/rules.md "The log clock").
 *
 * Everything here is pure and bounded; struct logclock is a plain value.
 */
#ifndef ARMISTICE_LOGCLOCK_H
#define ARMISTICE_LOGCLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "note.h"

#define LOGCLOCK_MAGIC "armistice/clock/v1"
#define LOGCLOCK_TEXT_MAX 512 /* origin (<= 255) plus three short lines */
#define LOGCLOCK_NOTE_MAX 1024

struct logclock {
	char origin[NOTE_NAME_MAX + 1];
	uint64_t index;
	int64_t time; /* UTC seconds */
};

/* Does this signed note's text start with LOGCLOCK_MAGIC "\n"? (cheap, no parse) */
bool logclock_is(const uint8_t *note, size_t len);

/*
 * Parses clock text (the note text, ending in "\n") strictly: the four
 * lines in order, the origin as in a checkpoint, the index in canonical
 * decimal, the time as RFC 3339 UTC with seconds and "Z" within
 * 1970..9999. ARM_ESYNTAX names the line and the rule.
 */
int logclock_parse(struct logclock *c, const char *text, size_t len,
                   struct arm_err *e) ARM_MUST_CHECK;

/* Appends the canonical text of c (so logclock_parse(format(c)) == c). */
int logclock_format(const struct logclock *c, struct buf *out, struct arm_err *e) ARM_MUST_CHECK;

/*
 * Opens a clock leaf: parses the signed note, checks a signature by key
 * (the log's key, from the agreement) when key is not NULL, and parses
 * the text. ARM_EVERIFY names the key when the signature is missing or
 * bad; nothing is kept from note.
 */
int logclock_open(struct logclock *c, const uint8_t *note, size_t len,
                  const struct note_verifier *key, struct arm_err *e) ARM_MUST_CHECK;

/*
 * A receipt's sequencing time. A tlog-proof receipt (tproof.h) may carry
 * opaque "extra" data; armistice puts there the latest clock leaf before
 * the entry and its inclusion proof in the same checkpoint:
 *
 *   armistice/receipt-clock/v1\n
 *   index <clock leaf index>\n
 *   <base64 hash>\n ...        its inclusion path, sibling first
 *   \n
 *   <the clock leaf: a signed note by the log key>
 *
 * so that the receipt alone shows, offline, that the entry was sequenced
 * at or after that time (clock leaves only move forward and come before
 * the entries they date). The witnesses' cosignature timestamps on the
 * checkpoint bound it from above.
 */
#define LOGCLOCK_RECEIPT_MAGIC "armistice/receipt-clock/v1"

int logclock_receipt_format(uint64_t index, const uint8_t (*path)[32], size_t npath,
                            const uint8_t *note, size_t len, struct buf *out,
                            struct arm_err *e) ARM_MUST_CHECK;

/*
 * Checks receipt extra data for the entry at entry_index in the tree of
 * tree_size with root: the clock leaf comes before the entry, is included
 * in that tree, is signed by key (the log's key) and names its own index.
 * *c is the clock on success. ARM_ESYNTAX for malformed data, ARM_EVERIFY
 * for a proof or signature that does not check.
 */
int logclock_receipt_verify(const uint8_t *extra, size_t len, uint64_t entry_index,
                            uint64_t tree_size, const uint8_t root[32],
                            const struct note_verifier *key, struct logclock *c,
                            struct arm_err *e) ARM_MUST_CHECK;

#endif
