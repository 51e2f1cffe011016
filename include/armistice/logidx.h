/*
 * logidx.h - the log's SQLite index, DIR/.armistice/index.db: entry leaf
 * hash to index (dedupe, lookup), the published checkpoints by size (for
 * proofs pinned to a named size), and room for what the engine needs.
 *
 * Everything but the checkpoint history can be rebuilt from the entry
 * bundles (log_reindex()), so the index is written without fsync
 * (WAL, synchronous=NORMAL): the tiles and the commit record are the
 * truth, and at open the log brings the index to the commit record's size.
 * The engine may keep its own tables in the same database (logidx_db());
 * they too must be rebuildable from the entries.
 *
 * Ownership: struct logidx is returned to the caller and freed with
 * logidx_close(); arrays passed in are borrowed.
 */
#ifndef ARMISTICE_LOGIDX_H
#define ARMISTICE_LOGIDX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "hash.h"

struct logidx;
struct sqlite3;

/* Opens (creating when write is true) the index at path. */
int logidx_open(struct logidx **out, const char *path, bool write,
                struct arm_err *e) ARM_MUST_CHECK;
void logidx_close(struct logidx *x);

/* Number of entries indexed: leaves [0, *size) are in the index. */
int logidx_size(struct logidx *x, uint64_t *size, struct arm_err *e) ARM_MUST_CHECK;

/* The first index whose leaf hash is leaf, or ARM_ENOTFOUND. */
int logidx_find(struct logidx *x, const uint8_t leaf[HASH_SIZE], uint64_t *index,
                struct arm_err *e) ARM_MUST_CHECK;

/*
 * logidx_find() for leaves[0..n) in one read transaction: found[i] says
 * whether index[i] was set.
 */
int logidx_find_many(struct logidx *x, const uint8_t (*leaves)[HASH_SIZE], size_t n,
                     uint64_t *index, bool *found, struct arm_err *e) ARM_MUST_CHECK;

/*
 * Indexes leaves[0..n) as entries first..first+n-1 in one transaction;
 * first must equal the indexed size. A leaf already present keeps its
 * first index.
 */
int logidx_add(struct logidx *x, uint64_t first, const uint8_t (*leaves)[HASH_SIZE], size_t n,
               struct arm_err *e) ARM_MUST_CHECK;

/* Forgets entries at index >= size (recovery after a lost batch). */
int logidx_truncate(struct logidx *x, uint64_t size, struct arm_err *e) ARM_MUST_CHECK;

/* Records a published checkpoint note of the given tree size. */
int logidx_put_checkpoint(struct logidx *x, uint64_t size, const uint8_t *note, size_t len,
                          struct arm_err *e) ARM_MUST_CHECK;
/* Appends the checkpoint note of exactly size; ARM_ENOTFOUND if none. */
int logidx_get_checkpoint(struct logidx *x, uint64_t size, struct buf *out,
                          struct arm_err *e) ARM_MUST_CHECK;

/* The database handle (borrowed), for the engine's own tables. */
struct sqlite3 *logidx_db(struct logidx *x);

#endif
