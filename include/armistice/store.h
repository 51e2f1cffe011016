/*
 * store.h - where a log keeps its bytes: the storage interface under the
 * sequencer (log.h).
 *
 * A store holds three kinds of things:
 *
 *   files       the public C2SP tlog-tiles layout: "checkpoint",
 *               "tile/<L>/<N>[.p/<W>]", "tile/entries/<N>[.p/<W>]"
 *               (tlog-tiles v0.1.0). Tiles and bundles are immutable once a
 *               commit record covers them.
 *   commit      the log's private commit record: its latest log-signed
 *               checkpoint note. Replacing it is the single commit point of
 *               an append; nothing is "in the log" until it is.
 *   lock        one writer per log.
 *
 * The interface is a small vtable so that a PostgreSQL store (many front
 * ends on one shared database) can be added beside the directory store
 * without touching the sequencer. Its contract, which every store keeps:
 *
 *   - write_batch() returns ARM_OK only once every file of the batch is
 *     durable (a later crash or power loss keeps it). Files are replaced
 *     whole, never seen half-written. The batch need not be atomic as a
 *     whole: files beyond the commit record are unreferenced until the
 *     commit record moves, and the sequencer rewrites or discards them.
 *   - write_commit() is atomic and durable: after a crash, read_commit()
 *     returns either the old or the new record, whole.
 *   - publish() replaces the public "checkpoint" atomically and durably.
 *   - read() of a missing file is ARM_ENOTFOUND, with the path in the text.
 *
 * Paths are relative, '/'-separated, made by tile_path() or the literal
 * "checkpoint"; stores refuse anything else (no "..", no absolute path).
 * Ownership: struct store is owned by whoever opened it and freed with
 * store_close(); buffers passed in are borrowed for the call only.
 */
#ifndef ARMISTICE_STORE_H
#define ARMISTICE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

struct store;

struct store_file {
	const char *path;    /* relative, e.g. "tile/0/x001/234.p/7" (borrowed) */
	const uint8_t *data; /* borrowed */
	size_t len;
};

/* How far a commit() got. */
enum store_stage {
	STORE_STAGE_NONE,   /* the commit record is the old one: nothing committed */
	STORE_STAGE_MAYBE,  /* the new record is in place, not known durable */
	STORE_STAGE_RECORD, /* committed; the public checkpoint was not replaced */
	STORE_STAGE_ALL,    /* committed and published */
};

/* Called by list() once per name found; return non-zero to stop. */
typedef int (*store_list_fn)(void *ctx, const char *name);

struct store_ops {
	const char *name; /* "fs", later "pg" */
	/* Appends the bytes of path to out. */
	int (*read)(struct store *s, const char *path, struct buf *out, struct arm_err *e);
	/* Makes every file of files[0..n) durable, each replaced whole. */
	int (*write_batch)(struct store *s, const struct store_file *files, size_t n,
	                   struct arm_err *e);
	/* Removes files that no commit record references (missing is fine). */
	int (*remove)(struct store *s, const char *const *paths, size_t n, struct arm_err *e);
	/* Lists the names directly inside directory dir ("" for none found). */
	int (*list)(struct store *s, const char *dir, store_list_fn fn, void *ctx,
	            struct arm_err *e);
	/* Appends the commit record to out; ARM_ENOTFOUND before the first. */
	int (*read_commit)(struct store *s, struct buf *out, struct arm_err *e);
	/* Replaces the commit record atomically and durably. */
	int (*write_commit)(struct store *s, const uint8_t *data, size_t len, struct arm_err *e);
	/*
	 * Small private records by name ([a-z]+, e.g. "config"): read appends
	 * (ARM_ENOTFOUND if absent); write replaces atomically and durably.
	 */
	int (*read_meta)(struct store *s, const char *name, struct buf *out, struct arm_err *e);
	int (*write_meta)(struct store *s, const char *name, const uint8_t *data, size_t len,
	                  struct arm_err *e);
	/*
	 * Optional (NULL: the log uses write_batch, write_commit and publish).
	 * One append's commit with as few durability barriers as the store
	 * can manage, in this order: files durable; then the commit record
	 * rec replaced atomically and durably; then, if pub is not NULL, the
	 * public checkpoint. *stage says how far it got, also on failure.
	 */
	int (*commit)(struct store *s, const struct store_file *files, size_t n, const uint8_t *rec,
	              size_t rec_len, const uint8_t *pub, size_t pub_len, enum store_stage *stage,
	              struct arm_err *e);
	/* Replaces the public checkpoint atomically and durably. */
	int (*publish)(struct store *s, const uint8_t *data, size_t len, struct arm_err *e);
	/*
	 * Takes the writer lock for the store's lifetime. ARM_EBUSY with
	 * "log 'DIR' is locked by another writer (pid N)" if someone has it.
	 */
	int (*lock)(struct store *s, struct arm_err *e);
	/*
	 * Discards what a crashed writer left that no file path can name
	 * (temporary files). Called by the writer after lock().
	 */
	int (*recover)(struct store *s, struct arm_err *e);
	/*
	 * Optional (NULL: the log's own index keeps them): appends the public
	 * checkpoint published at size; ARM_ENOTFOUND if none was. A store
	 * that has it keeps every note publish() or commit() made public.
	 */
	int (*read_checkpoint)(struct store *s, uint64_t size, struct buf *out, struct arm_err *e);
	void (*close)(struct store *s);
};

struct store {
	const struct store_ops *ops;
	void *impl; /* the store's own state */
};

/* NULL-safe; releases the lock if held. */
void store_close(struct store *s);

/*
 * The paths a store accepts, whatever its backend: relative, non-empty
 * segments of [A-Za-z0-9._-], none starting with '.' (nothing can leave
 * the log or reach its private files), under 4096 bytes. ARM_EUSAGE
 * naming the path otherwise.
 */
int store_path_ok(const char *p, struct arm_err *e) ARM_MUST_CHECK;

/*
 * Reads tile t (tiles.h) from s into out (appended): the file of its
 * path, or, for a partial tile that was never written or was collected,
 * the first t->width hashes or entries of the full tile or of the
 * narrowest wider partial one (src/lib/store_tile.c). ARM_ENOTFOUND if
 * none is there.
 */
struct tile;
int store_read_tile(struct store *s, const struct tile *t, struct buf *out,
                    struct arm_err *e) ARM_MUST_CHECK;
/* The "tile/<L>/<N>.p" directory of tile (level, n), into out (96 bytes). */
int store_partial_dir(int level, uint64_t n, char out[96], struct arm_err *e) ARM_MUST_CHECK;

/*
 * The directory store (src/lib/store_fs.c). dir holds the tlog-tiles
 * layout; DIR/.armistice/ holds the private state:
 *
 *   .armistice/commit    the commit record (temp, fsync, rename, fsync dir)
 *   .armistice/<name>    meta records ("config")
 *   .armistice/lock      flock()ed by the writer; holds its pid as text
 *   .armistice/tmp/      temporary files, renamed into place
 *
 * Every file is written to .armistice/tmp/, fsync()ed, rename()d into
 * place, and then each destination directory is fsync()ed once per batch
 * (Tessera POSIX, Sunlight). The directory must exist; store_fs_open()
 * creates .armistice/ and tile/ when create is true and refuses a
 * directory without .armistice/ otherwise (ARM_ENOTFOUND, "not a log").
 * The result is returned to the caller, who frees it with store_close().
 */
int store_fs_open(struct store **out, const char *dir, bool create,
                  struct arm_err *e) ARM_MUST_CHECK;

/* The directory a store_fs was opened on (borrowed), NULL for others. */
const char *store_fs_dir(const struct store *s);

/*
 * Test-only fault injection, process-wide: the nth (1-based) operation of
 * the given kind from now on fails, once. kind 0 disarms all faults.
 * ENOSPC makes the nth write() report a full disk. The failure is real as
 * far as the store can tell (it takes its error path and cleans up); the
 * hook exists so that tests/unit/test_log_fault.c can prove that a failed
 * append leaves the log valid and unchanged.
 */
enum store_fault {
	STORE_FAULT_NONE = 0,
	STORE_FAULT_WRITE,  /* write() fails with EIO */
	STORE_FAULT_FSYNC,  /* fsync() fails with EIO */
	STORE_FAULT_RENAME, /* rename() fails with EIO */
	STORE_FAULT_ENOSPC, /* write() fails with ENOSPC */
};
void store_fs_fault_inject(enum store_fault kind, unsigned nth);
/* How many operations of kind were attempted since the last inject (tests). */
unsigned store_fs_fault_count(enum store_fault kind);

#endif
