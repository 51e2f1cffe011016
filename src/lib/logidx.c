/*
 * logidx.c - the log's SQLite index; see logidx.h.
 *
 * The index is a cache of the entry bundles plus the history of published
 * checkpoints, so it trades durability for speed (WAL, synchronous=NORMAL):
 * a lost tail is re-indexed from the bundles when the log opens.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "armistice/logidx.h"
#include "armistice/common.h"

struct logidx {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *find;
	sqlite3_stmt *ins;
	sqlite3_stmt *setsize;
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v INTEGER NOT NULL);"
    "INSERT OR IGNORE INTO meta(k, v) VALUES('size', 0);"
    "CREATE TABLE IF NOT EXISTS leaves(hash BLOB PRIMARY KEY, idx INTEGER NOT NULL)"
    " WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS checkpoints(size INTEGER PRIMARY KEY, note BLOB NOT NULL);";

static int
db_err(struct logidx *x, struct arm_err *e, const char *what)
{
	return arm_err_set(e, ARM_EIO, "index '%s': %s: %s", x->path, what,
	                   x->db ? sqlite3_errmsg(x->db) : "cannot open");
}

static int
exec(struct logidx *x, const char *sql, struct arm_err *e)
{
	if (sqlite3_exec(x->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_err(x, e, sql);
	return ARM_OK;
}

void
logidx_close(struct logidx *x)
{
	if (x == NULL)
		return;
	sqlite3_finalize(x->find);
	sqlite3_finalize(x->ins);
	sqlite3_finalize(x->setsize);
	sqlite3_close(x->db);
	free(x->path);
	free(x);
}

int
logidx_open(struct logidx **out, const char *path, bool write, struct arm_err *e)
{
	struct logidx *x;
	int flags = write ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
	int rc = ARM_OK;

	*out = NULL;
	if ((x = calloc(1, sizeof(*x))) == NULL || (x->path = strdup(path)) == NULL) {
		free(x);
		return arm_err_set(e, ARM_ENOMEM, "out of memory opening index '%s'", path);
	}
	if (sqlite3_open_v2(path, &x->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		rc = db_err(x, e, "open");
		if (!write && sqlite3_errcode(x->db) == SQLITE_CANTOPEN)
			rc = arm_err_set(e, ARM_ENOTFOUND, "index '%s' is missing", path);
		goto out;
	}
	sqlite3_busy_timeout(x->db, 5000);
	if (write) {
		/*
		 * A big page cache and mmap: dedupe looks up random hashes, and a
		 * miss costs a read per lookup.
		 */
		if ((rc = exec(x, "PRAGMA journal_mode=WAL", e)) != ARM_OK ||
		    (rc = exec(x, "PRAGMA cache_size=-65536", e)) != ARM_OK ||
		    (rc = exec(x, "PRAGMA mmap_size=1073741824", e)) != ARM_OK ||
		    (rc = exec(x, "PRAGMA synchronous=NORMAL", e)) != ARM_OK ||
		    (rc = exec(x, schema, e)) != ARM_OK)
			goto out;
	}
	if (sqlite3_prepare_v2(x->db, "SELECT idx FROM leaves WHERE hash = ?1", -1, &x->find,
	                       NULL) != SQLITE_OK) {
		rc = db_err(x, e, "prepare lookup");
		goto out;
	}
	if (write &&
	    (sqlite3_prepare_v2(x->db, "INSERT OR IGNORE INTO leaves(hash, idx) VALUES(?1, ?2)", -1,
	                        &x->ins, NULL) != SQLITE_OK ||
	     sqlite3_prepare_v2(x->db, "UPDATE meta SET v = ?1 WHERE k = 'size'", -1, &x->setsize,
	                        NULL) != SQLITE_OK)) {
		rc = db_err(x, e, "prepare insert");
		goto out;
	}
out:
	if (rc != ARM_OK) {
		logidx_close(x);
		return rc;
	}
	*out = x;
	return ARM_OK;
}

int
logidx_size(struct logidx *x, uint64_t *size, struct arm_err *e)
{
	sqlite3_stmt *st = NULL;
	int rc = ARM_OK;

	if (sqlite3_prepare_v2(x->db, "SELECT v FROM meta WHERE k = 'size'", -1, &st, NULL) !=
	    SQLITE_OK)
		return db_err(x, e, "read size");
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) >= 0)
		*size = (uint64_t)sqlite3_column_int64(st, 0);
	else
		rc = db_err(x, e, "read size");
	sqlite3_finalize(st);
	return rc;
}

int
logidx_find(struct logidx *x, const uint8_t leaf[HASH_SIZE], uint64_t *index, struct arm_err *e)
{
	int r, rc;

	sqlite3_reset(x->find);
	sqlite3_bind_blob(x->find, 1, leaf, HASH_SIZE, SQLITE_STATIC);
	r = sqlite3_step(x->find);
	if (r == SQLITE_ROW) {
		*index = (uint64_t)sqlite3_column_int64(x->find, 0);
		rc = ARM_OK;
	} else if (r == SQLITE_DONE) {
		rc = ARM_ENOTFOUND; /* the common case: no message needed */
		if (e != NULL) {
			e->rc = ARM_ENOTFOUND;
			e->msg[0] = '\0';
		}
	} else {
		rc = db_err(x, e, "lookup");
	}
	sqlite3_reset(x->find);
	return rc;
}

int
logidx_find_many(struct logidx *x, const uint8_t (*leaves)[HASH_SIZE], size_t n, uint64_t *index,
                 bool *found, struct arm_err *e)
{
	size_t i;
	int rc = ARM_OK;

	/* One read transaction: no lock round trip per lookup. */
	ARM_TRY(exec(x, "BEGIN", e));
	for (i = 0; i < n; i++) {
		rc = logidx_find(x, leaves[i], &index[i], e);
		found[i] = rc == ARM_OK;
		if (rc == ARM_ENOTFOUND)
			rc = ARM_OK;
		if (rc != ARM_OK)
			break;
	}
	if (exec(x, "COMMIT", rc == ARM_OK ? e : NULL) != ARM_OK && rc == ARM_OK)
		rc = ARM_EIO;
	return rc;
}

static int
set_size(struct logidx *x, uint64_t size, struct arm_err *e)
{
	int r;

	sqlite3_reset(x->setsize);
	sqlite3_bind_int64(x->setsize, 1, (sqlite3_int64)size);
	r = sqlite3_step(x->setsize);
	sqlite3_reset(x->setsize);
	return r == SQLITE_DONE ? ARM_OK : db_err(x, e, "update size");
}

int
logidx_add(struct logidx *x, uint64_t first, const uint8_t (*leaves)[HASH_SIZE], size_t n,
           struct arm_err *e)
{
	uint64_t have = 0;
	size_t i;
	int rc;

	if (x->ins == NULL)
		return arm_err_set(e, ARM_EUSAGE, "index '%s' is open read-only", x->path);
	ARM_TRY(logidx_size(x, &have, e));
	if (have != first)
		return arm_err_set(e, ARM_ECONFLICT,
		                   "index '%s' holds %llu entries, cannot add from index %llu",
		                   x->path, (unsigned long long)have, (unsigned long long)first);
	ARM_TRY(exec(x, "BEGIN", e));
	for (i = 0; i < n; i++) {
		sqlite3_reset(x->ins);
		sqlite3_bind_blob(x->ins, 1, leaves[i], HASH_SIZE, SQLITE_STATIC);
		sqlite3_bind_int64(x->ins, 2, (sqlite3_int64)(first + i));
		if (sqlite3_step(x->ins) != SQLITE_DONE) {
			rc = db_err(x, e, "insert");
			sqlite3_reset(x->ins);
			(void)exec(x, "ROLLBACK", NULL);
			return rc;
		}
	}
	sqlite3_reset(x->ins);
	if ((rc = set_size(x, first + n, e)) != ARM_OK || (rc = exec(x, "COMMIT", e)) != ARM_OK) {
		(void)exec(x, "ROLLBACK", NULL);
		return rc;
	}
	return ARM_OK;
}

int
logidx_truncate(struct logidx *x, uint64_t size, struct arm_err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (x->ins == NULL)
		return arm_err_set(e, ARM_EUSAGE, "index '%s' is open read-only", x->path);
	ARM_TRY(exec(x, "BEGIN", e));
	if (sqlite3_prepare_v2(x->db, "DELETE FROM leaves WHERE idx >= ?1", -1, &st, NULL) !=
	    SQLITE_OK) {
		rc = db_err(x, e, "truncate");
		goto fail;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = db_err(x, e, "truncate");
		goto fail;
	}
	sqlite3_finalize(st);
	st = NULL;
	if ((rc = set_size(x, size, e)) != ARM_OK || (rc = exec(x, "COMMIT", e)) != ARM_OK)
		goto fail;
	return ARM_OK;
fail:
	sqlite3_finalize(st);
	(void)exec(x, "ROLLBACK", NULL);
	return rc;
}

int
logidx_put_checkpoint(struct logidx *x, uint64_t size, const uint8_t *note, size_t len,
                      struct arm_err *e)
{
	sqlite3_stmt *st = NULL;
	int r;

	if (sqlite3_prepare_v2(x->db,
	                       "INSERT OR REPLACE INTO checkpoints(size, note) VALUES(?1, ?2)", -1,
	                       &st, NULL) != SQLITE_OK)
		return db_err(x, e, "record checkpoint");
	sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
	sqlite3_bind_blob(st, 2, note, (int)len, SQLITE_STATIC);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? ARM_OK : db_err(x, e, "record checkpoint");
}

int
logidx_get_checkpoint(struct logidx *x, uint64_t size, struct buf *out, struct arm_err *e)
{
	sqlite3_stmt *st = NULL;
	int r, rc;

	if (sqlite3_prepare_v2(x->db, "SELECT note FROM checkpoints WHERE size = ?1", -1, &st,
	                       NULL) != SQLITE_OK)
		return db_err(x, e, "read checkpoint");
	sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		rc = buf_append(out, sqlite3_column_blob(st, 0),
		                (size_t)sqlite3_column_bytes(st, 0), e);
	else if (r == SQLITE_DONE)
		rc = arm_err_set(e, ARM_ENOTFOUND, "no checkpoint of size %llu was published",
		                 (unsigned long long)size);
	else
		rc = db_err(x, e, "read checkpoint");
	sqlite3_finalize(st);
	return rc;
}

struct sqlite3 *
logidx_db(struct logidx *x)
{
	return x->db;
}
