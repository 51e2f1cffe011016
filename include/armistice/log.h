/*
 * log.h - the log: a sequencer that turns entries into durable, signed
 * C2SP tlog-tiles state, and the reads, proofs and checks on it.
 *
 * Write path (one writer per log, store.h lock):
 *
 *   entries -> [dedupe by leaf hash] -> [rules hook, in order] -> batch
 *     -> bundles + tiles written durable (store write_batch)
 *     -> commit record = new log-signed checkpoint (store write_commit)
 *        ... the entries are now acknowledged ...
 *     -> publish: DIR/checkpoint = commit checkpoint + cosignature lines
 *
 * The commit record is the single commit point. The public checkpoint is
 * never ahead of it, and lags it while a server waits for its witnesses
 * (C2SP tlog-witness: publish only what a quorum cosigned). Every new
 * checkpoint extends the tree of the previous commit record, so the log
 * never signs a checkpoint inconsistent with one it signed before
 * (tlog-checkpoint v1.0.0 §"Signing"), and it never prunes (tlog-tiles:
 * the minimum index stays 0).
 *
 * Recovery at open (writer): temporary files are discarded, tiles and
 * bundles beyond the commit record are removed (they are rewritten by the
 * batch that commits them), a public checkpoint that is not a prefix of the
 * commit record is an error, and the SQLite index is brought to the commit
 * record's size.
 *
 * Threads: log_add() may be called from many threads at once; concurrent
 * calls share one batch, one set of fsyncs and one checkpoint (group
 * commit: callers that arrive while a batch is being committed form the
 * next one; the batch size follows the load: a pool is flushed once it
 * holds as many entries as the last batch had, at opts.batch_max entries,
 * once no new entry came for a millisecond, or opts.batch_ms after its
 * first entry; a lone caller does not wait). log_append_many()
 * sequences a whole batch at once. The reads (log_get, log_prove, ...) are safe from any thread,
 * also while appends run. A struct log is returned to the caller and freed with log_close().
 */
#ifndef ARMISTICE_LOG_H
#define ARMISTICE_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "ckpt.h"
#include "err.h"
#include "hash.h"
#include "merkle.h"
#include "note.h"
#include "store.h"
#include "tiles.h"
#include "tproof.h"

struct log;

#define LOG_BATCH_DEFAULT 256   /* entries per pool flush (log_add) */
#define LOG_BATCH_MS_DEFAULT 50 /* longest pool flush delay (log_add) */
#define LOG_BATCH_MAX 65536     /* entries per commit (log_append_many) */

/*
 * The rules hook. check() is called once per new entry, in log order, with
 * the index the entry will get, before anything of the batch is written.
 * A non-zero return (ARM_ERULE with the rule's message, by convention)
 * refuses that entry only: it gets no index and the following entries
 * move up. Duplicates of an entry already in the log are not checked
 * again. check() runs on the sequencer with its lock held: it must not
 * call back into the log.
 *
 * done() (optional) is called after each batch with the new committed size
 * and ARM_OK, or with the old size and the error if the batch failed and
 * nothing was written: a rules engine that advanced its state in check()
 * must then forget every entry it accepted since its last done(ARM_OK).
 */
struct log_hooks {
	void *ctx;
	int (*check)(void *ctx, uint64_t index, const uint8_t *entry, size_t len,
	             struct arm_err *e);
	void (*done)(void *ctx, uint64_t size, int rc);
	/*
	 * The log clock (logclock.h), optional. Before the first new entry of
	 * a batch the sequencer calls clock() with the index the clock leaf
	 * will get and its own time (UTC seconds); clock() appends the clock
	 * text to text (or nothing: no clock leaf for this batch, e.g. before
	 * the agreement). The log signs it with its key, passes the signed
	 * leaf through check() like any entry, and puts it first in the
	 * batch. If no entry of the batch is then accepted, the clock leaf is
	 * dropped and retract() is told (the clock leaf at index was never
	 * appended): a batch is never only a clock.
	 */
	int (*clock)(void *ctx, uint64_t index, int64_t now, struct buf *text, struct arm_err *e);
	void (*retract)(void *ctx, uint64_t index);
};

struct log_opts {
	bool writer; /* take the lock, recover, allow appends */
	const struct note_signer
	    *key;           /* log key (borrowed for the log's life); writers that append */
	unsigned batch_max; /* 0: LOG_BATCH_DEFAULT */
	unsigned batch_ms;  /* 0: LOG_BATCH_MS_DEFAULT */
	/*
	 * false (the CLI): every commit publishes the log-signed checkpoint at
	 * once. true (a server with witnesses): the public checkpoint moves
	 * only through log_publish().
	 */
	bool manual_publish;
	struct log_hooks hooks;
	struct store *store; /* NULL: the directory store on dir; else consumed */
};

/*
 * The log's settings in DIR/.armistice/config ("key value" lines):
 *   origin <origin>        the checkpoint origin line
 *   vkey <verifier key>    the log's public key (signed-note vkey form)
 *   key <path>             where the log's signer key file lives (never
 *                          copied into DIR, which is published as is)
 */
struct log_config {
	char origin[CKPT_ORIGIN_MAX + 1];
	struct note_verifier vkey;
	char key_path[4096]; /* "" if not recorded */
};

/*
 * Creates an empty log in dir (created if missing; refused with
 * ARM_ECONFLICT if it already holds a log): the config, a commit record and
 * public checkpoint for size 0 (root SHA-256(""), tlog-checkpoint §1.2),
 * signed by key. Entry 0 is left for the agreement, which its engine
 * appends through log_append_many(). key_path may be NULL.
 */
int log_create(const char *dir, const char *origin, const struct note_signer *key,
               const char *key_path, struct arm_err *e) ARM_MUST_CHECK;

int log_config_read(const char *dir, struct log_config *c, struct arm_err *e) ARM_MUST_CHECK;
/* Parses config text (pure, bounded by len; fuzzed): needs origin and vkey. */
int log_config_parse(const char *text, size_t len, struct log_config *c,
                     struct arm_err *e) ARM_MUST_CHECK;

/*
 * Opens the log in dir. Writers get ARM_EBUSY "log 'DIR' is locked by
 * another writer (pid N)" if another process writes it, run recovery, and
 * check that opts->key matches the config's vkey (ARM_EVERIFY otherwise).
 * opts may be NULL (a reader). *out is returned to the caller.
 */
int log_open(struct log **out, const char *dir, const struct log_opts *opts,
             struct arm_err *e) ARM_MUST_CHECK;

/*
 * Replaces the rules hook (h is copied; NULL removes it), e.g. once the
 * caller has replayed the committed entries into its engine. Waits for a
 * batch in progress.
 */
void log_set_hooks(struct log *l, const struct log_hooks *h);

/* Flushes nothing (every acknowledged entry is already durable); NULL-safe. */
void log_close(struct log *l);

/* Result for one entry of log_append_many(). */
struct log_result {
	uint64_t index;     /* valid when err.rc == ARM_OK */
	bool dup;           /* the same bytes were already at index */
	struct arm_err err; /* why the entry was refused (rules hook, size) */
};

/*
 * Appends entries[i] (lens[i] bytes, 1..65535, borrowed) for i < n and
 * fills res[i]. Commits once per LOG_BATCH_MAX entries and returns once
 * they are durable and committed. ARM_OK means the batch is committed and
 * each res[i] says what became of its entry; any other return means
 * nothing of the failed commit was written (earlier commits of the same
 * call stay, as res[] shows: entries of the failed commit have
 * err.rc != ARM_OK).
 */
int log_append_many(struct log *l, const uint8_t *const *entries, const size_t *lens, size_t n,
                    struct log_result *res, struct arm_err *e) ARM_MUST_CHECK;

/*
 * Appends one entry from any thread and returns once it is durable
 * (group commit with concurrent callers). *index is its index, or the
 * index of the identical entry already in the log (*dup true; dup may be
 * NULL). A rules refusal is returned as that rule's error.
 */
int log_add(struct log *l, const uint8_t *entry, size_t len, uint64_t *index, bool *dup,
            struct arm_err *e) ARM_MUST_CHECK;

/*
 * Readers: reads the commit record and the public checkpoint again, so a
 * reader follows a log another process writes (a front end over
 * store_follow.h). The writer gets ARM_EUSAGE.
 */
int log_refresh(struct log *l, struct arm_err *e) ARM_MUST_CHECK;

/* The committed tree size (the commit record's). */
uint64_t log_size(struct log *l);
/* The size of the public checkpoint. */
uint64_t log_published_size(struct log *l);
const char *log_origin(const struct log *l);
const struct note_verifier *log_vkey(const struct log *l);

/* Appends the commit record (the latest log-signed checkpoint note). */
int log_commit_checkpoint(struct log *l, struct buf *out, struct arm_err *e) ARM_MUST_CHECK;
/* Appends the public checkpoint (with any cosignatures). */
int log_checkpoint(struct log *l, struct buf *out, struct arm_err *e) ARM_MUST_CHECK;
/* Appends the published checkpoint of exactly size; ARM_ENOTFOUND if none was. */
int log_checkpoint_at(struct log *l, uint64_t size, struct buf *out,
                      struct arm_err *e) ARM_MUST_CHECK;

/*
 * Publishing (writer). cosign gets the commit checkpoint note (log-signed)
 * and appends cosignature lines ("— name base64\n", C2SP
 * tlog-cosignature) to sigs; it runs without the sequencer lock, so
 * appends go on meanwhile. NULL publishes the log signature alone. The
 * public checkpoint is then replaced atomically unless it is already at
 * that size or larger. Returns the published size in *size (may be NULL).
 */
typedef int (*log_cosign_fn)(void *ctx, const uint8_t *ckpt, size_t len, struct buf *sigs,
                             struct arm_err *e);
int log_publish(struct log *l, log_cosign_fn cosign, void *ctx, uint64_t *size,
                struct arm_err *e) ARM_MUST_CHECK;

/*
 * Without manual_publish, every commit publishes; a publish that fails
 * (after the commit, so the entries stay) is retried by the next batch and
 * at open. ARM_OK if the public checkpoint is current, else the error of
 * the failed publish.
 */
int log_publish_status(struct log *l, struct arm_err *e) ARM_MUST_CHECK;

/* Appends entry index (committed) to out; ARM_ENOTFOUND past the size. */
int log_get(struct log *l, uint64_t index, struct buf *out, struct arm_err *e) ARM_MUST_CHECK;

/* Index of the identical entry, or ARM_ENOTFOUND. */
int log_find(struct log *l, const uint8_t *entry, size_t len, uint64_t *index,
             struct arm_err *e) ARM_MUST_CHECK;

/*
 * Calls fn for entries [from, to) in order (to <= log_size), reading each
 * bundle once: the engine's replay. A non-zero return from fn stops the
 * scan and is returned.
 */
typedef int (*log_scan_fn)(void *ctx, uint64_t index, const uint8_t *entry, size_t len,
                           struct arm_err *e);
int log_scan(struct log *l, uint64_t from, uint64_t to, log_scan_fn fn, void *ctx,
             struct arm_err *e) ARM_MUST_CHECK;

/* Reads one file of the public layout ("checkpoint", "tile/..."). */
int log_read_file(struct log *l, const char *path, struct buf *out,
                  struct arm_err *e) ARM_MUST_CHECK;
/* A tile_reader over the log's store (valid while l is open). */
void log_tile_reader(struct log *l, struct tile_reader *r);

/*
 * An inclusion proof of index pinned to the published checkpoint of
 * exactly size (0: the current public checkpoint), as a C2SP tlog-proof.
 * p is returned to the caller (tproof_release()).
 */
int log_prove(struct log *l, uint64_t index, uint64_t size, struct tproof *p,
              struct arm_err *e) ARM_MUST_CHECK;

/*
 * Adds the sequencing time to a receipt made by log_prove(): the latest
 * clock leaf (logclock.h) before p->index, found within the LOG_BATCH_MAX
 * entries a batch can hold, with its inclusion proof in p's checkpoint,
 * as p's extra data (logclock_receipt_format()). ARM_ENOTFOUND (p
 * unchanged) when no clock leaf precedes the entry in that span: a log
 * without a clock, or entry 0.
 */
int log_prove_sequenced(struct log *l, struct tproof *p, struct arm_err *e) ARM_MUST_CHECK;

/* RFC 9162 §2.1.4.1 PROOF(old, D[new]) from tiles; new <= log_size(). */
int log_consistency(struct log *l, uint64_t old, uint64_t new_size,
                    uint8_t proof[MERKLE_MAX_PROOF][HASH_SIZE], size_t *nproof,
                    struct arm_err *e) ARM_MUST_CHECK;

/* Root of size new_size (<= log_size) from tiles (not authenticated). */
int log_root(struct log *l, uint64_t size, uint8_t root[HASH_SIZE],
             struct arm_err *e) ARM_MUST_CHECK;

/*
 * Full audit, read-only: every entry bundle is parsed, every leaf and every
 * hash tile of the checkpoint's tree is recomputed and compared byte for
 * byte, the root is compared with the public checkpoint (and the commit
 * record, when present and larger) whose signatures are checked with key
 * (NULL: the config's vkey). With since (a signed checkpoint note from
 * earlier), the tree at since's size must have since's root: the log is
 * consistent with it. Fails with ARM_EVERIFY (or ARM_ENOTFOUND for a
 * missing file) naming the first bad entry, tile or signature.
 */
struct log_verify_opts {
	const struct note_verifier *key; /* borrowed, may be NULL */
	const uint8_t *since;            /* borrowed, may be NULL */
	size_t since_len;
	/* Progress callback (may be NULL): entries done out of total. */
	void (*progress)(void *ctx, uint64_t done, uint64_t total);
	void *progress_ctx;
};
struct log_verify_report {
	uint64_t size; /* verified tree size */
	uint8_t root[HASH_SIZE];
	uint64_t entries;    /* entries hashed */
	uint64_t tiles;      /* hash tiles compared */
	uint64_t bundles;    /* bundles parsed */
	uint64_t since_size; /* size of the since checkpoint, if any */
};
int log_verify(struct log *l, const struct log_verify_opts *o, struct log_verify_report *r,
               struct arm_err *e) ARM_MUST_CHECK;

/*
 * Rebuilds the SQLite index from the entry bundles (writer, so that no
 * append races it). Published checkpoints recorded there are kept.
 */
int log_reindex(struct log *l, struct arm_err *e) ARM_MUST_CHECK;

#endif
