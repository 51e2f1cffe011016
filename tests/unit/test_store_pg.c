/*
 * test_store_pg.c - the PostgreSQL store against a real server.
 *
 * Needs ARMISTICE_PG_URL naming an empty database on a private cluster;
 * tests/cli/t1200-log-postgres.sh starts one and runs this binary. Run
 * alone (make check) it says "# skip" and claims nothing.
 */
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "armistice/store.h"
#include "armistice/store_pg.h"
#include "harness.h"

static const char *url;

static PGconn *
raw(void)
{
	PGconn *c = PQconnectdb(url);
	CHECKM(PQstatus(c) == CONNECTION_OK, PQerrorMessage(c));
	return c;
}

static void
sql(PGconn *c, const char *q)
{
	PGresult *r = PQexec(c, q);
	ExecStatusType st = PQresultStatus(r);
	CHECKM(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK, PQerrorMessage(c));
	PQclear(r);
}

static bool
same(const struct buf *b, const char *s)
{
	return b->len == strlen(s) && memcmp(b->data, s, b->len) == 0;
}

static int
count_cb(void *ctx, const char *name)
{
	(void)name;
	(*(int *)ctx)++;
	return 0;
}

static void
test_redact(void)
{
	char out[256];

	store_pg_redact("postgresql://u:s3cret@db.example/log", out, sizeof(out));
	CHECKM(strcmp(out, "postgresql://u:***@db.example/log") == 0, out);
	store_pg_redact("postgres://db/log?password=s3cret&sslmode=require", out, sizeof(out));
	CHECKM(strcmp(out, "postgres://db/log?password=***&sslmode=require") == 0, out);
	CHECK(store_pg_is_url("postgresql://x"));
	CHECK(store_pg_is_url("postgres://x"));
	CHECK(!store_pg_is_url("/var/lib/log"));
}

static void
test_not_a_log(void)
{
	struct store *s = NULL;
	struct arm_err e;

	CHECKM(store_pg_open(&s, url, false, &e) == ARM_ENOTFOUND, e.msg);
	CHECK(strstr(e.msg, "not a log") != NULL);
	CHECK(s == NULL);
}

static void
test_append_read_cas_lock(void)
{
	struct store *a = NULL, *b = NULL;
	struct arm_err e;
	struct buf got = BUF_INIT(1 << 20);
	enum store_stage st;
	struct store_file f[2] = {
	    {"tile/0/000", (const uint8_t *)"hashes-0", 8},
	    {"tile/entries/000.p/3", (const uint8_t *)"\0\1a\0\1b\0\1c", 9},
	};
	struct store_file g[1] = {{"tile/0/001", (const uint8_t *)"later", 5}};
	int n = 0, rc = ARM_EBUSY;
	PGconn *c;

	CHECKM(store_pg_open(&a, url, true, &e) == ARM_OK, e.msg);
	CHECKM(store_pg_open(&b, url, false, &e) == ARM_OK, e.msg);
	if (a == NULL || b == NULL)
		goto out;
	CHECKM(a->ops->lock(a, &e) == ARM_OK, e.msg);
	CHECKM(a->ops->recover(a, &e) == ARM_OK, e.msg);
	/* Another connection is refused the lock, with a reason. */
	CHECK(b->ops->lock(b, &e) == ARM_EBUSY);
	CHECKM(strstr(e.msg, "locked by another writer (armistice pid") != NULL, e.msg);
	CHECK(b->ops->recover(b, &e) == ARM_EUSAGE);
	CHECK(b->ops->write_commit(b, (const uint8_t *)"x", 1, &e) == ARM_EUSAGE);

	CHECK(a->ops->read_commit(a, &got, &e) == ARM_ENOTFOUND);
	CHECKM(a->ops->write_commit(a, (const uint8_t *)"rec0", 4, &e) == ARM_OK, e.msg);
	CHECKM(a->ops->write_meta(a, "config", (const uint8_t *)"origin o\n", 9, &e) == ARM_OK,
	       e.msg);
	CHECK(a->ops->write_meta(a, "no-such", (const uint8_t *)"x", 1, &e) == ARM_EUSAGE);

	/* One commit: files, record and checkpoint together. */
	CHECKM(a->ops->commit(a, f, 2, (const uint8_t *)"rec1", 4, (const uint8_t *)"pub1", 4, &st,
	                      &e) == ARM_OK,
	       e.msg);
	CHECK(st == STORE_STAGE_ALL);
	buf_reset(&got);
	CHECKM(b->ops->read(b, "tile/entries/000.p/3", &got, &e) == ARM_OK, e.msg);
	CHECK(got.len == 9 && memcmp(got.data, f[1].data, 9) == 0);
	buf_reset(&got);
	CHECK(b->ops->read_commit(b, &got, &e) == ARM_OK && same(&got, "rec1"));
	buf_reset(&got);
	CHECK(b->ops->read(b, "checkpoint", &got, &e) == ARM_OK && same(&got, "pub1"));
	buf_reset(&got);
	CHECK(b->ops->read_meta(b, "config", &got, &e) == ARM_OK && same(&got, "origin o\n"));
	buf_reset(&got);
	CHECK(b->ops->read(b, "tile/0/009", &got, &e) == ARM_ENOTFOUND);
	CHECK(b->ops->read(b, "../etc/passwd", &got, &e) == ARM_EUSAGE);
	CHECKM(b->ops->list(b, "tile", count_cb, &n, &e) == ARM_OK, e.msg);
	CHECK(n == 2); /* "0" and "entries" */

	/* Someone else moves the record: the CAS refuses and nothing is written. */
	c = raw();
	sql(c, "UPDATE armistice_commit SET rec = 'moved'::bytea");
	CHECK(a->ops->commit(a, g, 1, (const uint8_t *)"rec2", 4, NULL, 0, &st, &e) ==
	      ARM_ECONFLICT);
	CHECKM(strstr(e.msg, "another writer moved it") != NULL, e.msg);
	CHECK(st == STORE_STAGE_NONE);
	buf_reset(&got);
	CHECK(b->ops->read(b, "tile/0/001", &got, &e) == ARM_ENOTFOUND);
	/* ... and the stale writer cannot remove what the other one committed. */
	{
		const char *gone[1] = {"tile/0/000"};
		CHECK(a->ops->remove(a, gone, 1, &e) == ARM_ECONFLICT);
		buf_reset(&got);
		CHECK(b->ops->read(b, "tile/0/000", &got, &e) == ARM_OK && same(&got, "hashes-0"));
		CHECK(b->ops->remove(b, gone, 1, &e) == ARM_EUSAGE); /* not the writer */
	}
	sql(c, "UPDATE armistice_commit SET rec = 'rec1'::bytea");

	/* The writer's session is killed: it reconnects and retakes the lock. */
	{
		char q[128];
		snprintf(q, sizeof(q), "SELECT pg_terminate_backend(%d)", store_pg_backend_pid(a));
		sql(c, q);
	}
	buf_reset(&got);
	CHECKM(a->ops->read_commit(a, &got, &e) == ARM_OK && same(&got, "rec1"), e.msg);
	CHECKM(a->ops->commit(a, g, 1, (const uint8_t *)"rec2", 4, NULL, 0, &st, &e) == ARM_OK,
	       e.msg);
	buf_reset(&got);
	CHECK(b->ops->read_commit(b, &got, &e) == ARM_OK && same(&got, "rec2"));
	CHECK(b->ops->lock(b, &e) == ARM_EBUSY);
	PQfinish(c);

	/* The lock goes with the writer's session. */
	store_close(a);
	a = NULL;
	/* The server ends the session a moment after the client hangs up. */
	for (int i = 0; i < 100; i++) {
		if ((rc = b->ops->lock(b, &e)) != ARM_EBUSY)
			break;
		usleep(50 * 1000);
	}
	CHECKM(rc == ARM_OK, e.msg);
out:
	buf_release(&got);
	store_close(a);
	store_close(b);
}

static void
test_bad_url(void)
{
	struct store *s = NULL;
	struct arm_err e;

	CHECK(store_pg_open(&s, "postgresql://u:pw@/x?host=/nonexistent-dir&connect_timeout=2",
	                    false, &e) == ARM_EIO);
	CHECKM(strstr(e.msg, "cannot connect") != NULL && strstr(e.msg, ":pw@") == NULL, e.msg);
}

int
main(void)
{
	url = getenv("ARMISTICE_PG_URL");
	RUN(test_redact);
	if (url == NULL || *url == '\0') {
		printf("# skip test_store_pg: ARMISTICE_PG_URL not set "
		       "(tests/cli/t1200-log-postgres.sh runs it on a private cluster)\n");
		return HARNESS_DONE();
	}
	RUN(test_not_a_log);
	RUN(test_append_read_cas_lock);
	RUN(test_bad_url);
	return HARNESS_DONE();
}
