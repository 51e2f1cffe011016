/*
 * tilecache.h - full tiles and full entry bundles of the published tree,
 * kept in memory as prepared answers (httpd_fixed), so that a tile GET
 * costs one lookup and one send: no open, stat, sendfile and close per
 * request, and no header built.
 *
 * Only what never changes is kept: a full tile (width 256) of a published
 * tree is immutable (C2SP tlog-tiles v0.1.0, "full tiles ... never
 * change"); partial tiles are collected once a later checkpoint covers
 * them (log.h), and the checkpoint moves, so both are read from the store
 * on every request as before. The caller checks that the tile is in the
 * published tree before asking.
 *
 * Bounded: entries are never evicted (an immutable tile stays right), and
 * once `budget` bytes are kept nothing more is added (those tiles are
 * sent from the store with sendfile, as before). Lookups take no lock
 * (open addressing over atomic pointers); additions race safely (the
 * loser frees its copy).
 *
 * Threads: any. Ownership: tcache_new() returns the cache; tcache_free()
 * frees it and every answer in it, only once no request can use them
 * (after httpd_stop()). Answers returned are borrowed until then.
 */
#ifndef ARMISTICE_SERVER_TILECACHE_H
#define ARMISTICE_SERVER_TILECACHE_H

#include <stddef.h>

#include "armistice/err.h"
#include "armistice/httpd.h"
#include "armistice/tiles.h"

struct tcache;

/* slots: how many tiles at most (rounded up to a power of two); budget: bytes. */
int tcache_new(struct tcache **out, size_t slots, size_t budget, struct arm_err *e) ARM_MUST_CHECK;
void tcache_free(struct tcache *c);

/* The kept answer for full tile t, or NULL. */
const struct httpd_fixed *tcache_get(struct tcache *c, const struct tile *t);

/*
 * Keeps bytes (copied) as the answer for full tile t and returns it (or
 * the copy another thread kept first); NULL past the budget or the slots,
 * or if t is not full.
 */
const struct httpd_fixed *tcache_put(struct tcache *c, const struct tile *t, const void *bytes,
                                     size_t len, const char *ctype, const char *cache);

/*
 * rs is the answer just read from the store for full tile t (status 200,
 * an fd or a body): keeps its bytes and turns rs into the kept answer
 * (rs->fixed; its fd closed). NULL (rs unchanged) if it is not kept.
 */
const struct httpd_fixed *tcache_keep(struct tcache *c, const struct tile *t,
                                      struct httpd_resp *rs);

/* How many tiles and bytes are kept. */
void tcache_stats(const struct tcache *c, size_t *tiles, size_t *bytes);

#endif
