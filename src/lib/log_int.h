/*
 * log_int.h - the log's private state, shared by its files:
 *   log.c        helpers, config, signing, create, open, recovery, close
 *   log_seq.c    the sequencer (batches, group commit, the commit point)
 *                and publishing
 *   log_read.c   reads: sizes, checkpoints, entries, roots, proofs
 *   log_audit.c  log verify: every tile and bundle against the checkpoint
 * Not installed. Internal functions shared between the files are lg_.
 */
#ifndef ARMISTICE_LOG_INT_H
#define ARMISTICE_LOG_INT_H

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "armistice/bundle.h"
#include "armistice/ckpt.h"
#include "armistice/hash.h"
#include "armistice/log.h"
#include "armistice/store_pg.h"
#include "armistice/logclock.h"
#include "armistice/logidx.h"
#include "armistice/merkle.h"
#include "armistice/parfor.h"
#include "armistice/note.h"
#include "armistice/store.h"
#include "armistice/tiles.h"
#include "armistice/tproof.h"
#include "armistice/common.h"

#define CKPT_NOTE_MAX (64u * 1024)
#define CONFIG_MAX 16384

/*
 * Submitted entries per commit: one leaf of the LOG_BATCH_MAX that a
 * commit may write (and recovery clears) is kept for the batch's clock
 * leaf (logclock.h).
 */
#define LOG_BATCH_ENTRIES (LOG_BATCH_MAX - 1)

struct add_slot {
	const uint8_t *entry;
	size_t len;
	struct log_result res;
	int rc; /* the batch's fate */
	bool done;
	bool lead; /* handed the leader's role (hand_over) */
	sem_t sem; /* posted when done or lead is set */
};

struct log {
	char *dir;
	struct store *st;
	bool writer;
	const struct note_signer *key;
	struct log_opts opts;
	struct log_config cfg;
	bool have_cfg;

	pthread_mutex_t idx_mu; /* the SQLite connection is one thread's at a time */
	struct logidx *idx;     /* NULL for a reader without an index */
	bool idx_stale;         /* an index write failed; caught up before the next batch */
	bool broken;            /* a failed commit could not be rolled back: reopen */
	struct arm_err pub_err; /* why the last automatic publish failed */

	pthread_mutex_t seq;    /* one batch (or publish of the log) at a time */
	pthread_mutex_t pub_mu; /* one publish at a time */
	pthread_mutex_t mu;     /* the fields below */
	pthread_cond_t cv_pool; /* the pool grew (the leader waits here) */
	uint64_t size;          /* committed */
	uint8_t root[HASH_SIZE];
	struct buf commit; /* the commit record: log-signed checkpoint note */
	uint64_t pub_size;
	uint8_t pub_root[HASH_SIZE]; /* as read at open */
	bool have_pub;
	uint64_t gc_lo; /* partial tiles below this size were collected */
	struct add_slot **pool;
	size_t npool, cappool;
	bool leader;
	size_t want; /* the pool size the leader waits for (leader_wait) */
	size_t last; /* entries in the last group batch: the load's measure */
};

/* log.c */
void lg_lock(pthread_mutex_t *m);
void lg_unlock(pthread_mutex_t *m);
int lg_tile_read_cb(void *ctx, const struct tile *t, struct buf *out, struct arm_err *e);
int lg_read_tile_at(struct log *l, int level, uint64_t n, uint64_t size, bool exact, struct tile *t,
                    char path[TILE_PATH_MAX], struct buf *out, struct arm_err *e);
int lg_parse_ckpt_note(const uint8_t *msg, size_t len, struct ckpt *c, struct arm_err *e);
int lg_open_ckpt(struct log *l, const uint8_t *msg, size_t len, const struct note_verifier *key,
                 struct ckpt *c, struct arm_err *e);
int lg_sign_checkpoint(const struct note_signer *key, const char *origin, uint64_t size,
                       const uint8_t root[HASH_SIZE], struct buf *out, struct arm_err *e);
int lg_collect_partials(struct log *l, uint64_t from, uint64_t upto, struct arm_err *e);
int lg_index_catch_up(struct log *l, uint64_t size, struct arm_err *e);
int lg_load_state(struct log *l, struct arm_err *e);

/* log_seq.c */
int lg_idx_lookup(struct log *l, const uint8_t leaf[HASH_SIZE], uint64_t *index, struct arm_err *e);
int lg_after_publish(struct log *l, uint64_t at, uint64_t prev, bool had, const struct buf *note,
                     struct arm_err *e);
int lg_publish_auto(struct log *l, struct arm_err *e);

/* log_read.c */
int lg_scan_bundles(struct log *l, uint64_t from, uint64_t to, uint64_t size, log_scan_fn fn,
                    void *ctx, struct arm_err *e);

#endif /* ARMISTICE_LOG_INT_H */
