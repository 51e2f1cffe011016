/*
 * store_pg.h - the PostgreSQL store: a log in a database, so that several
 * front ends on several machines share it and the database's own
 * replication and failover keep it (docs/postgres.md).
 *
 * Everything the directory store keeps in files lives in tables of
 * the database the connection string names (one log per database, or per
 * schema with "?options=-csearch_path%3Dname"):
 *
 *   armistice_files   (path text, data bytea)  the tlog-tiles layout,
 *                     "checkpoint" included
 *   armistice_commit  one row: the commit record (log-signed checkpoint)
 *   armistice_meta    (name text, data bytea)  "config": origin, vkey and
 *                     the key's path
 *   armistice_checkpoints (size, note)  every checkpoint made public, by
 *                     size (the store op read_checkpoint())
 *   armistice_sequencer  the lease row: the lock holder's URL for front
 *                     ends (store_pg_advertise(), store_pg_sequencer())
 *
 * The single commit point is one transaction: commit() writes the batch's
 * tiles and bundles, moves the commit record with a compare-and-set
 * against the record this writer last wrote (UPDATE ... WHERE rec = old),
 * and replaces the public checkpoint, then COMMITs; ARM_OK only after the
 * server acknowledged the COMMIT, which is as durable as the server's
 * synchronous_commit promises. An uncommitted transaction leaves nothing,
 * so recovery has nothing to discard.
 *
 * The writer lock is a session-level advisory lock of that database,
 * pg_try_advisory_lock(STORE_PG_LOCK_CLASS, 1), held for the connection's
 * life. If the connection is lost the server drops the lock; the store
 * reconnects once, takes the lock again or returns ARM_EBUSY, and the
 * compare-and-set refuses a commit if another writer moved the record
 * meanwhile (ARM_ECONFLICT). Calls are serialised on one connection (a
 * mutex), so a store is safe from any thread.
 */
#ifndef ARMISTICE_STORE_PG_H
#define ARMISTICE_STORE_PG_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "store.h"

/* 'ARMI': the first key of the writer's advisory lock. */
#define STORE_PG_LOCK_CLASS 0x41524d49

/* True if name is a PostgreSQL URI ("postgresql://" or "postgres://"). */
bool store_pg_is_url(const char *name);

/*
 * Copies conninfo to out with any password replaced by "***", for
 * messages (a connection string is not a secret, its password is).
 */
void store_pg_redact(const char *conninfo, char *out, size_t cap);

/*
 * Connects to conninfo (a libpq URI or key=value string). With create the
 * tables are made if missing; without, a database without them is
 * ARM_ENOTFOUND "not a log". A server that cannot be reached is ARM_EIO
 * with libpq's reason. The result is returned to the caller, who frees it
 * with store_close().
 */
int store_pg_open(struct store **out, const char *conninfo, bool create,
                  struct arm_err *e) ARM_MUST_CHECK;

/*
 * Opens name as a store: a PostgreSQL URI goes to store_pg_open(), any
 * other name is a directory (store_fs_open()).
 */
int store_open_any(struct store **out, const char *name, bool create,
                   struct arm_err *e) ARM_MUST_CHECK;

/*
 * The sequencer's lease row (table armistice_sequencer): the writer lock
 * holder records the URL where it takes submissions, with its session's
 * backend pid; store_pg_sequencer() returns that URL only while that
 * session still holds the writer lock, ARM_ENOTFOUND otherwise (no
 * sequencer, or one that has not advertised yet). advertise needs the
 * lock (ARM_EUSAGE).
 */
int store_pg_advertise(struct store *s, const char *url, struct arm_err *e) ARM_MUST_CHECK;
int store_pg_sequencer(struct store *s, char *url, size_t cap, struct arm_err *e) ARM_MUST_CHECK;

/*
 * Waits at most ms for a new public checkpoint: every publication sends
 * NOTIFY armistice_checkpoint in its transaction, and this session
 * LISTENs (again after a reconnection). *notified says whether one came;
 * a front end polls anyway when none does (a notification is a hint, the
 * checkpoint row is the truth). ARM_EIO if the connection is lost.
 */
int store_pg_wait_checkpoint(struct store *s, int ms, bool *notified,
                             struct arm_err *e) ARM_MUST_CHECK;

/* For tests: the backend pid of the store's connection, 0 if none. */
int store_pg_backend_pid(struct store *s);

#endif
