/*
 * frontend.c - a `serve` that is not the sequencer (frontend.h): the
 * follower thread, forwarding POST /add to the sequencer in the lease row,
 * and the hand-over of the writer lock.
 *
 * Why forwarding and not a queue table: an entry is acknowledged only by
 * the sequencer's answer, which it gives after the COMMIT of the batch
 * holding the entry (store_pg.h). A front end passes that answer back and
 * says nothing of its own, so "acknowledged" means "committed" through a
 * front end exactly as at the sequencer; a sequencer killed mid-request
 * leaves the client with a 503 and an entry that is either committed or
 * not, and resubmitting it is answered from the log's deduplication
 * (never a second index). A queue table would add a second durable place
 * an entry can be in before it is sequenced, and with it a state
 * ("queued, not sequenced") that a receipt cannot describe.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "server/frontend.h"
#include "cli/cli_replay.h"
#include "armistice/ckpt.h"
#include "armistice/httpc.h"
#include "armistice/tproof.h"
#include "armistice/store_follow.h"
#include "armistice/store_pg.h"
#include "armistice/common.h"

#define FE_POLL_MS 100
#define FE_LOCK_EVERY 5          /* polls between tries of the writer lock */
#define FE_FORWARD_MS 30000      /* the sequencer waits up to --wait-ms for witnesses */
#define FE_ANSWER_MAX (1u << 20) /* a receipt or a refusal is far smaller */

struct frontend {
	struct frontend_opts o;
	struct log *log;      /* the reader (owned by the caller) */
	struct store *follow; /* inside log (borrowed) */
	struct store *lockst; /* lock attempts and the lease row (follower thread) */
	struct store *listen; /* LISTEN armistice_checkpoint (follower thread) */
	pthread_t thr;
	bool started;
	pthread_mutex_t mu; /* the fields below */
	bool stop, took;
	struct store *locked; /* lockst once it holds the writer lock */
	char seq_url[512];    /* the sequencer's URL, "" if none */
	char last_err[ARM_ERR_MAX];
};

int
frontend_open(struct frontend **out, struct log **log, const struct frontend_opts *o,
              struct arm_err *e)
{
	struct store *under = NULL, *audit = NULL, *follow = NULL;
	struct log_opts lo;
	struct frontend *f;
	int rc;

	*out = NULL;
	*log = NULL;
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return arm_err_set(e, ARM_ENOMEM, "out of memory starting a front end");
	f->o = *o;
	pthread_mutex_init(&f->mu, NULL);
	if ((rc = store_pg_open(&under, o->conninfo, false, e)) != ARM_OK ||
	    (rc = store_pg_open(&audit, o->conninfo, false, e)) != ARM_OK ||
	    (rc = store_pg_open(&f->lockst, o->conninfo, false, e)) != ARM_OK ||
	    (rc = store_pg_open(&f->listen, o->conninfo, false, e)) != ARM_OK) {
		store_close(under);
		goto fail;
	}
	rc = store_follow_open(&follow, under, audit, o->vkey, o->origin, e);
	under = audit = NULL; /* consumed */
	if (rc != ARM_OK)
		goto fail;
	memset(&lo, 0, sizeof(lo));
	lo.store = follow;
	if ((rc = log_open(&f->log, o->conninfo, &lo, e)) != ARM_OK)
		goto fail; /* the log closed the follower */
	f->follow = follow;
	*out = f;
	*log = f->log;
	return ARM_OK;
fail:
	store_close(audit);
	frontend_close(f);
	return rc;
}

/* One look at the lease row and one try of the writer lock. */
static void
fe_lease(struct frontend *f)
{
	char url[512] = "";
	struct arm_err e;
	bool got;

	if (store_pg_sequencer(f->lockst, url, sizeof(url), &e) != ARM_OK)
		url[0] = '\0';
	got = f->lockst->ops->lock(f->lockst, &e) == ARM_OK;
	pthread_mutex_lock(&f->mu);
	snprintf(f->seq_url, sizeof(f->seq_url), "%s", url);
	if (got) {
		f->took = true;
		f->locked = f->lockst;
		f->lockst = NULL;
	}
	pthread_mutex_unlock(&f->mu);
}

/* Says a follower error once, not on every poll. */
static void
fe_complain(struct frontend *f, const struct arm_err *e)
{
	if (strcmp(f->last_err, e->msg) == 0)
		return;
	snprintf(f->last_err, sizeof(f->last_err), "%s", e->msg);
	fprintf(stderr, "armistice serve: front end: %s\n", e->msg);
}

static void *
fe_run(void *arg)
{
	struct frontend *f = arg;
	struct arm_err e;
	unsigned tick = 0;
	bool moved, stop;
	int rc;

	for (;;) {
		pthread_mutex_lock(&f->mu);
		stop = f->stop || f->took;
		pthread_mutex_unlock(&f->mu);
		if (stop)
			break;
		rc = store_follow_poll(f->follow, &moved, &e);
		if (rc == ARM_OK && moved && (rc = log_refresh(f->log, &e)) == ARM_OK &&
		    f->o.moved != NULL)
			f->o.moved(f->o.ctx, log_published_size(f->log));
		/* A tile replaced between two reads is normal: the next poll sees why. */
		if (rc != ARM_OK && rc != ARM_ENOTFOUND)
			fe_complain(f, &e);
		else if (rc == ARM_OK)
			f->last_err[0] = '\0';
		if (tick++ % FE_LOCK_EVERY == 0)
			fe_lease(f);
		/* Woken by the sequencer's NOTIFY, or polls again after FE_POLL_MS. */
		if (store_pg_wait_checkpoint(f->listen, FE_POLL_MS, &moved, &e) != ARM_OK)
			usleep(FE_POLL_MS * 1000);
	}
	return NULL;
}

int
frontend_start(struct frontend *f, struct arm_err *e)
{
	fe_lease(f); /* the sequencer's URL before the first request */
	if (pthread_create(&f->thr, NULL, fe_run, f) != 0)
		return arm_err_set(e, ARM_EIO, "cannot start the front end's follower thread");
	f->started = true;
	return ARM_OK;
}

int
frontend_wait(struct frontend *f, struct store **locked)
{
	struct timespec ts = {0, 100 * 1000 * 1000};
	sigset_t set;
	int sig;

	*locked = NULL;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	for (;;) {
		sig = sigtimedwait(&set, NULL, &ts);
		if (sig > 0)
			return sig;
		pthread_mutex_lock(&f->mu);
		if (f->took) {
			*locked = f->locked;
			f->locked = NULL;
			pthread_mutex_unlock(&f->mu);
			return 0;
		}
		pthread_mutex_unlock(&f->mu);
	}
}

int
frontend_rules(const struct engine *eng, const char *zones, const struct note_signer *key,
               uint64_t size, const uint8_t *entry, size_t len, struct arm_err *e)
{
	struct cli_replay r;
	struct buf clock = BUF_INIT(1 << 16);
	int rc;

	memset(&r, 0, sizeof(r));
	if ((rc = cli_replay_init_from(&r, zones, ENGINE_NO_TIME, eng, e)) != ARM_OK)
		goto out;
	/* The sequencer puts a clock leaf first in each batch (log.h struct log_hooks). */
	if ((rc = cli_replay_clock(&r, size, key, &clock, e)) != ARM_OK)
		goto out;
	rc = engine_log_check(r.eng, size + (clock.len > 0 ? 1 : 0), entry, len, e);
out:
	cli_replay_release(&r);
	buf_release(&clock);
	return rc;
}

/*
 * A 200 from the sequencer is passed on only if it is a receipt for this
 * entry in this log: a tlog-proof whose checkpoint the log key signs,
 * with this origin, that includes the entry (tlog-proof "Verifying"). A
 * lease row pointing elsewhere cannot make a front end hand out a receipt
 * that does not prove the entry.
 */
static int
fe_check_receipt(struct frontend *f, const uint8_t *body, size_t blen, const uint8_t *entry,
                 size_t len, struct arm_err *e)
{
	struct tproof p;
	struct ckpt c;
	struct note n;
	int rc;

	ARM_TRY(tproof_parse(&p, body, blen, TPROOF_MAX_SIZE, e));
	rc = tproof_verify(&p, entry, len, f->o.vkey, &c, &n, e);
	tproof_release(&p);
	if (rc != ARM_OK)
		return rc;
	note_release(&n);
	if (strcmp(c.origin, f->o.origin) != 0)
		return arm_err_set(e, ARM_EVERIFY,
		                   "its checkpoint is of log '%.100s', not '%.100s'", c.origin,
		                   f->o.origin);
	return ARM_OK;
}

/* A static Content-Type for the sequencer's answer (httpd_resp wants one). */
static const char *
fe_ctype(const char *ct)
{
	if (strncmp(ct, "application/json", 16) == 0)
		return "application/json";
	return "text/plain; charset=utf-8";
}

void
frontend_add(struct frontend *f, const struct httpd_req *rq, struct httpd_resp *rs)
{
	struct httpc_resp r;
	struct buf url = BUF_INIT(1024);
	struct arm_err e;
	char base[512];
	uint64_t have;

	if (rq->body_len == 0) {
		httpd_text(rs, 400, "empty body: POST /add takes one signed entry");
		return;
	}
	/*
	 * Refused here only if the log does not hold it already: a client
	 * resubmitting after a 503 must get the index the entry has.
	 */
	if (f->o.check != NULL && f->o.check(f->o.ctx, rq->body, rq->body_len, &e) != ARM_OK &&
	    log_find(f->log, rq->body, rq->body_len, &have, NULL) != ARM_OK) {
		httpd_text(rs, httpd_status_for(e.rc), "%s", e.msg);
		return;
	}
	pthread_mutex_lock(&f->mu);
	snprintf(base, sizeof(base), "%s", f->seq_url);
	pthread_mutex_unlock(&f->mu);
	if (base[0] == '\0') {
		httpd_text(rs, 503,
		           "no sequencer for this log right now (one is taking over): not "
		           "acknowledged; submit again in a second");
		rs->retry_after = 1;
		return;
	}
	httpc_resp_init(&r, FE_ANSWER_MAX);
	if (httpc_url(&url, base, "add", &e) != ARM_OK ||
	    httpc_request("POST", (const char *)url.data, rq->body, rq->body_len,
	                  "text/plain; charset=utf-8", FE_FORWARD_MS, &r, &e) != ARM_OK) {
		httpd_text(rs, 503,
		           "the sequencer did not answer (%s): not acknowledged; submit again, the "
		           "log answers an entry it already has with its index",
		           e.msg);
		rs->retry_after = 1;
	} else if (r.status == 200 && fe_check_receipt(f, r.body.data, r.body.len, rq->body,
	                                               rq->body_len, &e) != ARM_OK) {
		httpd_text(rs, 502,
		           "the sequencer at %s answered with no receipt for this entry (%s): not "
		           "acknowledged",
		           base, e.msg);
	} else {
		buf_reset(&rs->body);
		if (buf_append(&rs->body, r.body.data, r.body.len, &e) != ARM_OK) {
			httpd_text(rs, 500, "%s", e.msg);
		} else {
			rs->status = (int)r.status;
			rs->ctype = fe_ctype(r.ctype);
			rs->cache = "no-store";
		}
	}
	httpc_resp_release(&r);
	buf_release(&url);
}

void
frontend_close(struct frontend *f)
{
	if (f == NULL)
		return;
	if (f->started) {
		pthread_mutex_lock(&f->mu);
		f->stop = true;
		pthread_mutex_unlock(&f->mu);
		pthread_join(f->thr, NULL);
	}
	store_close(f->lockst);
	store_close(f->listen);
	store_close(f->locked); /* a lock nobody took over */
	pthread_mutex_destroy(&f->mu);
	free(f);
}
