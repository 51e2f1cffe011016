/*
 * store_pg.c - the PostgreSQL store (store_pg.h): the tlog-tiles layout,
 * the commit record and the config in three tables, one transaction per
 * commit, an advisory lock for the writer.
 *
 * Every statement is sent with PQexecParams() and binary bytea parameters,
 * never with values spliced into SQL text. The bytes are the same bytes
 * the directory store writes, so "armistice log export" can copy them out
 * unchanged (tlog-tiles v0.1.0 layout).
 */
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "armistice/store_pg.h"
#include "armistice/common.h"
#include "armistice/banned.h"

#define NAME_CAP 512

struct store_pg {
	PGconn *c;
	char *conninfo;
	char name[NAME_CAP]; /* redacted, for messages */
	pthread_mutex_t mu;  /* one statement at a time on c */
	bool locked;         /* this session holds the writer lock */
	bool in_tx;
	int listen_pid; /* the backend that LISTENs, 0 if none */
	/* The commit record this writer last read or wrote: the CAS's "old". */
	uint8_t *last;
	size_t last_len;
	bool have_last;
};

static struct store_pg *
pg_of(struct store *s)
{
	return s->impl;
}

bool
store_pg_is_url(const char *name)
{
	return name != NULL &&
	       (strncmp(name, "postgresql://", 13) == 0 || strncmp(name, "postgres://", 11) == 0);
}

void
store_pg_redact(const char *ci, char *out, size_t cap)
{
	const char *p, *at, *colon, *pw;
	size_t n;

	if (cap == 0)
		return;
	snprintf(out, cap, "%s", ci);
	if (store_pg_is_url(ci)) {
		/* scheme://user:password@host... */
		p = strstr(ci, "://") + 3;
		at = strchr(p, '@');
		colon = strchr(p, ':');
		if (at != NULL && colon != NULL && colon < at) {
			n = (size_t)(colon - ci) + 1;
			snprintf(out, cap, "%.*s***%s", (int)n, ci, at);
		}
	}
	/* password=... as a URI parameter or a key=value word. */
	if ((pw = strstr(out, "password=")) != NULL) {
		char tail[NAME_CAP];
		const char *end = pw + 9;
		while (*end != '\0' && *end != '&' && *end != ' ')
			end++;
		snprintf(tail, sizeof(tail), "%s", end);
		n = (size_t)(pw - out) + 9;
		if (n + 3 < cap)
			snprintf(out + n, cap - n, "***%s", tail);
	}
}

/* libpq's message without its trailing newline, into buf. */
static const char *
pq_msg(PGconn *c, char *buf, size_t cap)
{
	size_t n;

	snprintf(buf, cap, "%s", c ? PQerrorMessage(c) : "out of memory");
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	for (char *q = buf; *q; q++)
		if (*q == '\n')
			*q = ' ';
	return buf;
}

static int take_lock(struct store_pg *p, struct arm_err *e);

/*
 * A lost connection is reset once, outside a transaction only: inside one
 * the transaction is gone and the caller must hear of it. A writer takes
 * its lock again; if someone else took it meanwhile, ARM_EBUSY.
 */
static int
ensure_conn(struct store_pg *p, struct arm_err *e)
{
	char m[400];

	if (PQstatus(p->c) == CONNECTION_OK)
		return ARM_OK;
	PQreset(p->c);
	if (PQstatus(p->c) != CONNECTION_OK)
		return arm_err_set(e, ARM_EIO, "log '%s': cannot reach the database: %s", p->name,
		                   pq_msg(p->c, m, sizeof(m)));
	if (p->locked) {
		p->locked = false;
		return take_lock(p, e);
	}
	return ARM_OK;
}

/*
 * Runs sql with n parameters (vals[i] of lens[i] bytes; binary when
 * bin[i]) and results in binary when binres. *out (may be NULL) gets the
 * result, which the caller PQclear()s.
 */
static int
run(struct store_pg *p, const char *what, const char *sql, int n, const char *const *vals,
    const int *lens, const int *bin, int binres, PGresult **out, struct arm_err *e)
{
	PGresult *r;
	ExecStatusType st;
	char m[400];
	int tries;

	if (out != NULL)
		*out = NULL;
	for (tries = 0; tries < 2; tries++) {
		if (!p->in_tx)
			ARM_TRY(ensure_conn(p, e));
		r = PQexecParams(p->c, sql, n, NULL, vals, lens, bin, binres);
		st = PQresultStatus(r);
		if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
			if (out != NULL)
				*out = r;
			else
				PQclear(r);
			return ARM_OK;
		}
		PQclear(r);
		/* Retry once on a fresh connection, never inside a transaction. */
		if (PQstatus(p->c) == CONNECTION_OK || p->in_tx)
			break;
	}
	return arm_err_set(e, ARM_EIO, "log '%s': cannot %s: %s", p->name, what,
	                   pq_msg(p->c, m, sizeof(m)));
}

static int
take_lock(struct store_pg *p, struct arm_err *e)
{
	static const char *try_sql = "SELECT pg_try_advisory_lock(1095912777, 1)";
	static const char *who_sql =
	    "SELECT coalesce(a.application_name, ''), l.pid FROM pg_locks l "
	    "LEFT JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' "
	    "AND l.granted AND l.classid = 1095912777 AND l.objid = 1 AND l.objsubid = 2 "
	    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())";
	PGresult *r;
	bool got;
	char who[160] = "unknown";

	ARM_TRY(run(p, "take the writer lock", try_sql, 0, NULL, NULL, NULL, 0, &r, e));
	got = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	if (got) {
		p->locked = true;
		return ARM_OK;
	}
	if (run(p, "find the lock holder", who_sql, 0, NULL, NULL, NULL, 0, &r, NULL) == ARM_OK) {
		if (PQntuples(r) >= 1)
			snprintf(who, sizeof(who), "%s, backend %s", PQgetvalue(r, 0, 0),
			         PQgetvalue(r, 0, 1));
		PQclear(r);
	}
	return arm_err_set(e, ARM_EBUSY, "log '%s' is locked by another writer (%s)", p->name, who);
}

/* ---- paths (store_path_ok(), the rule of every store) and names ---- */

static int
meta_ok(const char *name, struct arm_err *e)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > 32)
		goto bad;
	for (i = 0; i < n; i++)
		if (name[i] < 'a' || name[i] > 'z')
			goto bad;
	return ARM_OK;
bad:
	return arm_err_set(e, ARM_EUSAGE, "'%.40s' is not a store record name", name);
}

/* ---- statements ---- */

static const char *const SQL_UPSERT = "INSERT INTO armistice_files (path, data) VALUES ($1, $2) "
                                      "ON CONFLICT (path) DO UPDATE SET data = EXCLUDED.data";

static int
upsert_file(struct store_pg *p, const char *path, const uint8_t *data, size_t len,
            struct arm_err *e)
{
	const char *v[2] = {path, (const char *)data};
	int l[2] = {0, (int)len}, b[2] = {0, 1};

	ARM_TRY(store_path_ok(path, e));
	if (len > (size_t)INT32_MAX)
		return arm_err_set(e, ARM_ELIMIT, "store file '%s' is too large", path);
	return run(p, "write a file", SQL_UPSERT, 2, v, l, b, 0, NULL, e);
}

/*
 * The tree size on the second line of a checkpoint note
 * (tlog-checkpoint v1.0.0); false if the text does not have one.
 */
static bool
note_size(const uint8_t *d, size_t len, char out[21])
{
	size_t i = 0, n = 0;

	while (i < len && d[i] != '\n')
		i++;
	for (i++; i < len && d[i] >= '0' && d[i] <= '9' && n < 20; i++)
		out[n++] = (char)d[i];
	out[n] = '\0';
	return n > 0 && i < len && d[i] == '\n';
}

static const char *const SQL_HISTORY_TABLE =
    "CREATE TABLE IF NOT EXISTS armistice_checkpoints (size bigint PRIMARY KEY, "
    "note bytea NOT NULL)";

/*
 * The public checkpoint, and the same note kept by its size: proofs
 * pinned to an earlier published size (log_checkpoint_at()) find it
 * there, as the directory store's index keeps them. A later publication
 * at the same size (more cosignatures) replaces it.
 */
static int
publish_note(struct store_pg *p, const uint8_t *data, size_t len, struct arm_err *e)
{
	char size[21];
	const char *v[2] = {size, (const char *)data};
	int l[2] = {0, (int)len}, b[2] = {0, 1};

	ARM_TRY(upsert_file(p, "checkpoint", data, len, e));
	/* Front ends listening wake at once (delivered when the transaction commits). */
	ARM_TRY(run(p, "notify the front ends", "NOTIFY armistice_checkpoint", 0, NULL, NULL, NULL,
	            0, NULL, e));
	/* The store keeps bytes; only what reads as a checkpoint gets a size. */
	if (!note_size(data, len, size))
		return ARM_OK;
	return run(p, "keep the checkpoint",
	           "INSERT INTO armistice_checkpoints (size, note) VALUES ($1::bigint, $2) "
	           "ON CONFLICT (size) DO UPDATE SET note = EXCLUDED.note",
	           2, v, l, b, 0, NULL, e);
}

static int
begin(struct store_pg *p, struct arm_err *e)
{
	ARM_TRY(run(p, "begin a transaction", "BEGIN", 0, NULL, NULL, NULL, 0, NULL, e));
	p->in_tx = true;
	return ARM_OK;
}

static void
rollback(struct store_pg *p)
{
	PGresult *r;

	if (!p->in_tx)
		return;
	p->in_tx = false;
	if (PQstatus(p->c) == CONNECTION_OK) {
		r = PQexec(p->c, "ROLLBACK");
		PQclear(r);
	}
}

/*
 * COMMIT. ARM_OK: the server acknowledged it. On failure *unknown is true
 * when the connection broke, so the outcome is not known from here.
 */
static int
commit_tx(struct store_pg *p, bool *unknown, struct arm_err *e)
{
	PGresult *r;
	char m[400];
	int ok;

	*unknown = false;
	r = PQexec(p->c, "COMMIT");
	ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	p->in_tx = false;
	if (ok)
		return ARM_OK;
	*unknown = PQstatus(p->c) != CONNECTION_OK;
	return arm_err_set(e, ARM_EIO, "log '%s': cannot commit: %s", p->name,
	                   pq_msg(p->c, m, sizeof(m)));
}

static int
set_last(struct store_pg *p, const uint8_t *data, size_t len, struct arm_err *e)
{
	uint8_t *n = malloc(len ? len : 1);

	if (n == NULL)
		return arm_err_set(e, ARM_ENOMEM, "out of memory");
	memcpy(n, data, len);
	free(p->last);
	p->last = n;
	p->last_len = len;
	p->have_last = true;
	return ARM_OK;
}

/*
 * The compare-and-set on the commit record: from the record this writer
 * last saw to rec. Zero rows means someone else moved it: ARM_ECONFLICT.
 */
static int
cas_commit(struct store_pg *p, const uint8_t *rec, size_t len, struct arm_err *e)
{
	PGresult *r;
	int rows;

	if (!p->locked)
		return arm_err_set(e, ARM_EUSAGE,
		                   "log '%s': writing the commit record needs the "
		                   "writer lock",
		                   p->name);
	if (p->have_last) {
		const char *v[2] = {(const char *)rec, (const char *)p->last};
		int l[2] = {(int)len, (int)p->last_len}, b[2] = {1, 1};
		ARM_TRY(run(p, "move the commit record",
		            "UPDATE armistice_commit SET rec = $1 WHERE one AND rec = $2", 2, v, l,
		            b, 0, &r, e));
	} else {
		const char *v[1] = {(const char *)rec};
		int l[1] = {(int)len}, b[1] = {1};
		ARM_TRY(run(p, "write the first commit record",
		            "INSERT INTO armistice_commit (one, rec) VALUES (true, $1) "
		            "ON CONFLICT DO NOTHING",
		            1, v, l, b, 0, &r, e));
	}
	rows = strcmp(PQcmdTuples(r), "1") == 0 ? 1 : 0;
	PQclear(r);
	if (rows != 1)
		return arm_err_set(e, ARM_ECONFLICT,
		                   "log '%s': the commit record is not the one this writer last "
		                   "wrote (another writer moved it); not committing",
		                   p->name);
	return ARM_OK;
}

/* Reads one bytea cell (binary result) into out; ARM_ENOTFOUND if no row. */
static int
read_cell(struct store_pg *p, const char *what, const char *sql, const char *arg, struct buf *out,
          struct arm_err *e)
{
	PGresult *r;
	const char *v[1] = {arg};
	int rc;

	ARM_TRY(run(p, what, sql, arg ? 1 : 0, arg ? v : NULL, NULL, NULL, 1, &r, e));
	if (PQntuples(r) == 0) {
		PQclear(r);
		return ARM_ENOTFOUND;
	}
	rc = buf_append(out, PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0), e);
	PQclear(r);
	return rc;
}

/* ---- the vtable ---- */

static int
pg_read(struct store *s, const char *path, struct buf *out, struct arm_err *e)
{
	struct store_pg *p = pg_of(s);
	int rc;

	ARM_TRY(store_path_ok(path, e));
	pthread_mutex_lock(&p->mu);
	rc = read_cell(p, "read a file", "SELECT data FROM armistice_files WHERE path = $1", path,
	               out, e);
	pthread_mutex_unlock(&p->mu);
	if (rc == ARM_ENOTFOUND)
		return arm_err_set(e, ARM_ENOTFOUND, "'%s/%s' is missing", p->name, path);
	return rc;
}

static int
write_files(struct store_pg *p, const struct store_file *f, size_t n, struct arm_err *e)
{
	size_t i;

	for (i = 0; i < n; i++)
		ARM_TRY(upsert_file(p, f[i].path, f[i].data, f[i].len, e));
	return ARM_OK;
}

static int
pg_write_batch(struct store *s, const struct store_file *files, size_t n, struct arm_err *e)
{
	struct store_pg *p = pg_of(s);
	bool unknown;
	int rc;

	pthread_mutex_lock(&p->mu);
	if ((rc = begin(p, e)) == ARM_OK) {
		if ((rc = write_files(p, files, n, e)) == ARM_OK)
			rc = commit_tx(p, &unknown, e);
		else
			rollback(p);
	}
	pthread_mutex_unlock(&p->mu);
	return rc;
}

/*
 * After a COMMIT whose answer was lost: reconnect and look. The record is
 * either the new one (committed) or the old one (not).
 */
static enum store_stage
settle(struct store_pg *p, const uint8_t *rec, size_t len)
{
	struct buf b = BUF_INIT(1 << 20);
	enum store_stage st = STORE_STAGE_MAYBE;

	if (ensure_conn(p, NULL) == ARM_OK &&
	    read_cell(p, "read the commit record", "SELECT rec FROM armistice_commit WHERE one",
	              NULL, &b, NULL) == ARM_OK) {
		if (b.len == len && memcmp(b.data, rec, len) == 0)
			st = STORE_STAGE_ALL;
		else if (p->have_last && b.len == p->last_len &&
		         memcmp(b.data, p->last, b.len) == 0)
			st = STORE_STAGE_NONE;
	}
	buf_release(&b);
	return st;
}

/*
 * One append as one transaction: the batch's files, the compare-and-set
 * on the commit record and the public checkpoint, then COMMIT, the single
 * commit point. Nothing of it is visible, to readers or after a crash,
 * until the server acknowledges the COMMIT.
 */
static int
pg_commit(struct store *s, const struct store_file *files, size_t n, const uint8_t *rec,
          size_t rec_len, const uint8_t *pub, size_t pub_len, enum store_stage *stage,
          struct arm_err *e)
{
	struct store_pg *p = pg_of(s);
	bool unknown = false;
	int rc;

	*stage = STORE_STAGE_NONE;
	pthread_mutex_lock(&p->mu);
	if ((rc = begin(p, e)) != ARM_OK)
		goto out;
	if ((rc = write_files(p, files, n, e)) != ARM_OK ||
	    (rc = cas_commit(p, rec, rec_len, e)) != ARM_OK ||
	    (pub != NULL && (rc = publish_note(p, pub, pub_len, e)) != ARM_OK)) {
		rollback(p);
		goto out;
	}
	if ((rc = commit_tx(p, &unknown, e)) != ARM_OK) {
		if (unknown && (*stage = settle(p, rec, rec_len)) == STORE_STAGE_ALL)
			rc = ARM_OK;
		if (*stage != STORE_STAGE_ALL)
			goto out;
	}
	*stage = STORE_STAGE_ALL;
	rc = set_last(p, rec, rec_len, e);
out:
	pthread_mutex_unlock(&p->mu);
	return rc;
}

/*
 * Removes files beyond the commit record. Only the writer that still owns
 * the record may: a failed commit is followed by the sequencer removing
 * its batch's paths, and a stale writer must not delete what the writer
 * that moved the record committed under the same names. The check and the
 * deletes are one transaction that locks the record row.
 */
static int
pg_remove(struct store *s, const char *const *paths, size_t n, struct arm_err *e)
{
	struct store_pg *p = pg_of(s);
	PGresult *r;
	size_t i;
	bool unknown;
	int rc;

	for (i = 0; i < n; i++)
		ARM_TRY(store_path_ok(paths[i], e));
	if (n == 0)
		return ARM_OK;
	pthread_mutex_lock(&p->mu);
	if (!p->locked) {
		rc = arm_err_set(e, ARM_EUSAGE, "log '%s': removing files needs the writer lock",
		                 p->name);
		goto out;
	}
	if ((rc = begin(p, e)) != ARM_OK)
		goto out;
	if (p->have_last) {
		const char *v[1] = {(const char *)p->last};
		int l[1] = {(int)p->last_len}, b[1] = {1};
		rc = run(p, "check the commit record",
		         "SELECT 1 FROM armistice_commit WHERE one AND rec = $1 FOR UPDATE", 1, v,
		         l, b, 0, &r, e);
		if (rc == ARM_OK) {
			if (PQntuples(r) != 1)
				rc = arm_err_set(
				    e, ARM_ECONFLICT,
				    "log '%s': the commit record is not the one this writer "
				    "last wrote; not removing files",
				    p->name);
			PQclear(r);
		}
	}
	for (i = 0; i < n && rc == ARM_OK; i++) {
		const char *v[1] = {paths[i]};
		rc = run(p, "remove a file", "DELETE FROM armistice_files WHERE path = $1", 1, v,
		         NULL, NULL, 0, NULL, e);
	}
	if (rc == ARM_OK)
		rc = commit_tx(p, &unknown, e);
	else
		rollback(p);
out:
	pthread_mutex_unlock(&p->mu);
	return rc;
}

static int
pg_list(struct store *s, const char *dir, store_list_fn fn, void *ctx, struct arm_err *e)
{
	struct store_pg *p = pg_of(s);
	const char *v[1] = {dir};
	PGresult *r;
	int i, rc;

	ARM_TRY(store_path_ok(dir, e));
	pthread_mutex_lock(&p->mu);
	rc = run(p, "list files",
	         "SELECT DISTINCT split_part(substr(path, length($1) + 2), '/', 1) "
	         "FROM armistice_files WHERE starts_with(path, $1 || '/')",
	         1, v, NULL, NULL, 0, &r, e);
	pthread_mutex_unlock(&p->mu);
	if (rc != ARM_OK)
		return rc;
	for (i = 0; i < PQntuples(r) && rc == 0; i++)
		rc = fn(ctx, PQgetvalue(r, i, 0));
	PQclear(r);
	return rc;
}

static int
pg_read_commit(struct store *s, struct buf *out, struct arm_err *e)
{
	struct store_pg *p = pg_of(s);
	size_t start = out->len;
	int rc;

	pthread_mutex_lock(&p->mu);
	rc = read_cell(p, "read the commit record", "SELECT rec FROM armistice_commit WHERE one",
	               NULL, out, e);
	/* The writer's first look after taking the lock is the CAS's base. */
	if (rc == ARM_OK && p->locked && !p->have_last)
		rc = set_last(p, out->data + start, out->len - start, e);
	pthread_mutex_unlock(&p->mu);
	if (rc == ARM_ENOTFOUND)
		return arm_err_set(e, ARM_ENOTFOUND, "log '%s' has no commit record", p->name);
	return rc;
}

static int
pg_write_commit(struct store *s, const uint8_t *data, size_t len, struct arm_err *e)
{
	struct store_pg *p = pg_of(s);
	int rc;

	pthread_mutex_lock(&p->mu);
	rc = cas_commit(p, data, len, e);
	if (rc == ARM_OK)
		rc = set_last(p, data, len, e);
	pthread_mutex_unlock(&p->mu);
	return rc;
}

static int
pg_read_meta(struct store *s, const char *name, struct buf *out, struct arm_err *e)
{
	struct store_pg *p = pg_of(s);
	int rc;

	ARM_TRY(meta_ok(name, e));
	pthread_mutex_lock(&p->mu);
	rc = read_cell(p, "read a record", "SELECT data FROM armistice_meta WHERE name = $1", name,
	               out, e);
	pthread_mutex_unlock(&p->mu);
	if (rc == ARM_ENOTFOUND)
		return arm_err_set(e, ARM_ENOTFOUND, "log '%s' has no %s record", p->name, name);
	return rc;
}

static int
pg_write_meta(struct store *s, const char *name, const uint8_t *data, size_t len, struct arm_err *e)
{
	struct store_pg *p = pg_of(s);
	const char *v[2] = {name, (const char *)data};
	int l[2] = {0, (int)len}, b[2] = {0, 1};
	int rc;

	ARM_TRY(meta_ok(name, e));
	pthread_mutex_lock(&p->mu);
	rc = run(p, "write a record",
	         "INSERT INTO armistice_meta (name, data) VALUES ($1, $2) "
	         "ON CONFLICT (name) DO UPDATE SET data = EXCLUDED.data",
	         2, v, l, b, 0, NULL, e);
	pthread_mutex_unlock(&p->mu);
	return rc;
}

static int
pg_publish(struct store *s, const uint8_t *data, size_t len, struct arm_err *e)
{
	struct store_pg *p = pg_of(s);
	int rc;

	pthread_mutex_lock(&p->mu);
	rc = publish_note(p, data, len, e);
	pthread_mutex_unlock(&p->mu);
	return rc;
}

static int
pg_lock(struct store *s, struct arm_err *e)
{
	struct store_pg *p = pg_of(s);
	int rc = ARM_OK;

	pthread_mutex_lock(&p->mu);
	if (!p->locked) {
		p->have_last = false; /* the next read_commit is the new base */
		rc = take_lock(p, e);
		/* Logs made before the checkpoint history get its table here. */
		if (rc == ARM_OK)
			rc = run(p, "create the checkpoint history", SQL_HISTORY_TABLE, 0, NULL,
			         NULL, NULL, 0, NULL, e);
	}
	pthread_mutex_unlock(&p->mu);
	return rc;
}

/* An uncommitted transaction leaves nothing: there is nothing to discard. */
static int
pg_recover(struct store *s, struct arm_err *e)
{
	struct store_pg *p = pg_of(s);

	if (!p->locked)
		return arm_err_set(e, ARM_EUSAGE, "recovery of '%s' needs the writer lock",
		                   p->name);
	return ARM_OK;
}

static int
pg_read_checkpoint(struct store *s, uint64_t size, struct buf *out, struct arm_err *e)
{
	struct store_pg *p = pg_of(s);
	char n[24];
	const char *v[1] = {n};
	PGresult *r;
	int rc;

	snprintf(n, sizeof(n), "%llu", (unsigned long long)size);
	pthread_mutex_lock(&p->mu);
	rc = run(p, "look for the checkpoint history",
	         "SELECT to_regclass('armistice_checkpoints')", 0, NULL, NULL, NULL, 0, &r, e);
	if (rc == ARM_OK) {
		rc = PQntuples(r) == 1 && !PQgetisnull(r, 0, 0) ? ARM_OK : ARM_ENOTFOUND;
		PQclear(r);
	}
	if (rc == ARM_OK)
		rc = run(p, "read a published checkpoint",
		         "SELECT note FROM armistice_checkpoints WHERE size = $1::bigint", 1, v,
		         NULL, NULL, 1, &r, e);
	if (rc == ARM_OK) {
		rc = PQntuples(r) == 1
		         ? buf_append(out, PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0), e)
		         : ARM_ENOTFOUND;
		PQclear(r);
	}
	pthread_mutex_unlock(&p->mu);
	if (rc == ARM_ENOTFOUND)
		arm_err_set(e, ARM_ENOTFOUND, "log '%s' published no checkpoint of size %s",
		            p->name, n);
	return rc;
}

static void
pg_close(struct store *s)
{
	struct store_pg *p = pg_of(s);

	/*
	 * The server releases a session's locks only once its backend has
	 * noticed the hang-up, a moment after PQfinish() returns; a writer
	 * that closes and reopens (armistice init) would find its own lock.
	 * Released here first, synchronously.
	 */
	if (p->c != NULL && p->locked && PQstatus(p->c) == CONNECTION_OK)
		PQclear(PQexec(p->c, "SELECT pg_advisory_unlock(1095912777, 1)"));
	if (p->c != NULL)
		PQfinish(p->c); /* the session ends: the advisory lock goes with it */
	pthread_mutex_destroy(&p->mu);
	free(p->conninfo);
	free(p->last);
	free(p);
	free(s);
}

static const struct store_ops pg_ops = {
    .name = "pg",
    .read = pg_read,
    .write_batch = pg_write_batch,
    .remove = pg_remove,
    .list = pg_list,
    .read_commit = pg_read_commit,
    .write_commit = pg_write_commit,
    .read_meta = pg_read_meta,
    .write_meta = pg_write_meta,
    .commit = pg_commit,
    .publish = pg_publish,
    .lock = pg_lock,
    .recover = pg_recover,
    .read_checkpoint = pg_read_checkpoint,
    .close = pg_close,
};

int
store_pg_wait_checkpoint(struct store *s, int ms, bool *notified, struct arm_err *e)
{
	struct store_pg *p;
	struct pollfd pfd;
	PGnotify *n;
	char m[400];
	int rc = ARM_OK;

	*notified = false;
	if (s == NULL || s->ops != &pg_ops)
		return arm_err_set(e, ARM_EUSAGE, "only a database log notifies");
	p = pg_of(s);
	pthread_mutex_lock(&p->mu);
	/* LISTEN on every (re)connection: a reset session listens to nothing. */
	if (PQstatus(p->c) != CONNECTION_OK || p->listen_pid != PQbackendPID(p->c)) {
		rc = run(p, "listen for checkpoints", "LISTEN armistice_checkpoint", 0, NULL, NULL,
		         NULL, 0, NULL, e);
		if (rc == ARM_OK)
			p->listen_pid = PQbackendPID(p->c);
	}
	pthread_mutex_unlock(&p->mu);
	if (rc != ARM_OK)
		return rc;
	pfd.fd = PQsocket(p->c);
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (pfd.fd >= 0 && poll(&pfd, 1, ms) < 0)
		return ARM_OK; /* a signal: the caller polls anyway */
	pthread_mutex_lock(&p->mu);
	if (PQconsumeInput(p->c) == 0)
		rc = arm_err_set(e, ARM_EIO, "log '%s': listening: %s", p->name,
		                 pq_msg(p->c, m, sizeof(m)));
	while ((n = PQnotifies(p->c)) != NULL) {
		*notified = true;
		PQfreemem(n);
	}
	pthread_mutex_unlock(&p->mu);
	return rc;
}

int
store_pg_backend_pid(struct store *s)
{
	if (s == NULL || s->ops != &pg_ops)
		return 0;
	return PQbackendPID(pg_of(s)->c);
}

/*
 * The sequencer's lease row: the URL where the lock holder takes
 * submissions, with the backend pid of its locked session. A reader
 * believes the row only while that backend holds the writer lock
 * (pg_locks), so a dead sequencer's row is never used (docs/postgres.md).
 */
static const char *const SQL_LEASE_TABLE =
    "CREATE TABLE IF NOT EXISTS armistice_sequencer (one boolean PRIMARY KEY DEFAULT true "
    "CHECK (one), url text NOT NULL, backend integer NOT NULL, "
    "since timestamptz NOT NULL DEFAULT now())";

int
store_pg_advertise(struct store *s, const char *url, struct arm_err *e)
{
	struct store_pg *p;
	const char *v[1] = {url};
	int rc;

	if (s == NULL || s->ops != &pg_ops)
		return arm_err_set(e, ARM_EUSAGE, "only a database log has a sequencer lease");
	p = pg_of(s);
	pthread_mutex_lock(&p->mu);
	if (!p->locked)
		rc = arm_err_set(e, ARM_EUSAGE, "log '%s': advertising needs the writer lock",
		                 p->name);
	else if ((rc = run(p, "create the sequencer table", SQL_LEASE_TABLE, 0, NULL, NULL, NULL, 0,
	                   NULL, e)) == ARM_OK)
		rc = run(p, "advertise the sequencer",
		         "INSERT INTO armistice_sequencer (one, url, backend) "
		         "VALUES (true, $1, pg_backend_pid()) ON CONFLICT (one) DO UPDATE SET "
		         "url = EXCLUDED.url, backend = EXCLUDED.backend, since = now()",
		         1, v, NULL, NULL, 0, NULL, e);
	pthread_mutex_unlock(&p->mu);
	return rc;
}

int
store_pg_sequencer(struct store *s, char *url, size_t cap, struct arm_err *e)
{
	static const char *sql =
	    "SELECT s.url FROM armistice_sequencer s JOIN pg_locks l ON l.pid = s.backend "
	    "AND l.locktype = 'advisory' AND l.granted AND l.classid = 1095912777 "
	    "AND l.objid = 1 AND l.objsubid = 2 AND l.database = "
	    "(SELECT oid FROM pg_database WHERE datname = current_database()) WHERE s.one";
	struct store_pg *p;
	PGresult *r;
	int rc;

	if (s == NULL || s->ops != &pg_ops)
		return arm_err_set(e, ARM_EUSAGE, "only a database log has a sequencer lease");
	p = pg_of(s);
	pthread_mutex_lock(&p->mu);
	rc = run(p, "look for the sequencer table", "SELECT to_regclass('armistice_sequencer')", 0,
	         NULL, NULL, NULL, 0, &r, e);
	if (rc == ARM_OK) {
		bool none = PQntuples(r) != 1 || PQgetisnull(r, 0, 0);
		PQclear(r);
		if (none)
			rc = ARM_ENOTFOUND;
		else
			rc = run(p, "find the sequencer", sql, 0, NULL, NULL, NULL, 0, &r, e);
	}
	if (rc == ARM_OK) {
		if (PQntuples(r) == 1 && (size_t)PQgetlength(r, 0, 0) < cap)
			snprintf(url, cap, "%s", PQgetvalue(r, 0, 0));
		else
			rc = ARM_ENOTFOUND;
		PQclear(r);
	}
	pthread_mutex_unlock(&p->mu);
	if (rc == ARM_ENOTFOUND)
		arm_err_set(e, ARM_ENOTFOUND,
		            "log '%s' has no sequencer right now (no writer lock holder has "
		            "advertised a URL)",
		            p->name);
	return rc;
}

static const char *const SQL_SCHEMA =
    "CREATE TABLE IF NOT EXISTS armistice_files (path text PRIMARY KEY, data bytea NOT NULL);"
    "CREATE TABLE IF NOT EXISTS armistice_commit (one boolean PRIMARY KEY DEFAULT true "
    "CHECK (one), rec bytea NOT NULL);"
    "CREATE TABLE IF NOT EXISTS armistice_meta (name text PRIMARY KEY, data bytea NOT NULL);"
    "CREATE TABLE IF NOT EXISTS armistice_checkpoints (size bigint PRIMARY KEY, "
    "note bytea NOT NULL);";

/* "relation already exists, skipping" and the like are not for the user. */
static void
quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

int
store_pg_open(struct store **out, const char *conninfo, bool create, struct arm_err *e)
{
	/* connect_timeout first: the connection string may override it. */
	const char *keys[] = {"connect_timeout", "dbname", "fallback_application_name", NULL};
	char app[64], m[400];
	const char *vals[4] = {"10", conninfo, app, NULL};
	struct store *s;
	struct store_pg *p;
	PGresult *r;
	int rc = ARM_OK;

	*out = NULL;
	snprintf(app, sizeof(app), "armistice pid %ld", (long)getpid());
	s = calloc(1, sizeof(*s));
	p = calloc(1, sizeof(*p));
	if (s == NULL || p == NULL || (p->conninfo = strdup(conninfo)) == NULL) {
		free(s);
		free(p);
		return arm_err_set(e, ARM_ENOMEM, "out of memory opening a database log");
	}
	s->ops = &pg_ops;
	s->impl = p;
	pthread_mutex_init(&p->mu, NULL);
	store_pg_redact(conninfo, p->name, sizeof(p->name));
	p->c = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(p->c) != CONNECTION_OK) {
		rc = arm_err_set(e, ARM_EIO, "log '%s': cannot connect: %s", p->name,
		                 pq_msg(p->c, m, sizeof(m)));
		goto out;
	}
	PQsetNoticeProcessor(p->c, quiet, NULL);
	if (create) {
		r = PQexec(p->c, SQL_SCHEMA);
		if (PQresultStatus(r) != PGRES_COMMAND_OK)
			rc = arm_err_set(e, ARM_EIO, "log '%s': cannot create the tables: %s",
			                 p->name, pq_msg(p->c, m, sizeof(m)));
		PQclear(r);
		goto out;
	}
	if ((rc = run(p, "look for the log's tables", "SELECT to_regclass('armistice_commit')", 0,
	              NULL, NULL, NULL, 0, &r, e)) != ARM_OK)
		goto out;
	if (PQntuples(r) != 1 || PQgetisnull(r, 0, 0))
		rc = arm_err_set(
		    e, ARM_ENOTFOUND,
		    "'%s' is not a log (no armistice tables; run 'armistice log init')", p->name);
	PQclear(r);
out:
	if (rc != ARM_OK) {
		store_close(s);
		return rc;
	}
	*out = s;
	return ARM_OK;
}

int
store_open_any(struct store **out, const char *name, bool create, struct arm_err *e)
{
	if (store_pg_is_url(name))
		return store_pg_open(out, name, create, e);
	return store_fs_open(out, name, create, e);
}
