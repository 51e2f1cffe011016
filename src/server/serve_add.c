/*
 * serve_add.c - POST /add: the submission queue's callbacks (submitq.h),
 * the receipt once the entry is in a cosigned checkpoint, and the 202
 * answer with what the operator can do about missing witnesses.
 */
#include "server/serve.h"

/*
 * A batch that failed to commit leaves the hook engine stale (engine.h):
 * it holds entries that were never written. Replay the committed log into
 * a fresh engine, with no append in flight.
 */
int
serve_rebuild_hook(struct serve *s, struct arm_err *e)
{
	struct cli_replay *fresh;
	int rc = ARM_OK;

	pthread_rwlock_wrlock(&s->hooklk);
	if (!engine_stale(s->hook->eng))
		goto out; /* another request rebuilt it first */
	/* On the heap: the engine keeps pointers into its cli_replay. */
	if ((fresh = calloc(1, sizeof(*fresh))) == NULL) {
		rc = arm_err_set(e, ARM_ENOMEM, "out of memory rebuilding the rules engine");
		goto out;
	}
	if ((rc = cli_replay_init(fresh, s->zones, ENGINE_NO_TIME, true, e)) != ARM_OK) {
		free(fresh);
		goto out;
	}
	if ((rc = cli_replay_scan(fresh, s->log, 0, log_size(s->log), cli_replay_apply, fresh,
	                          e)) != ARM_OK) {
		cli_replay_release(fresh);
		free(fresh);
		arm_err_prefix(e, "rebuilding the rules engine");
		goto out;
	}
	cli_replay_release(s->hook);
	free(s->hook);
	s->hook = fresh;
	fprintf(stderr, "armistice serve: rules engine rebuilt at size %" PRIu64 "\n",
	        log_size(s->log));
out:
	pthread_rwlock_unlock(&s->hooklk);
	return rc;
}

/* A receipt shows the sequencing time where the log keeps a clock (logclock.h). */
int
serve_sequenced(struct serve *s, struct tproof *p, struct arm_err *e)
{
	int rc = log_prove_sequenced(s->log, p, e);

	return rc == ARM_ENOTFOUND ? ARM_OK : rc;
}

/*
 * Appending courtesy text to an answer: a failure (out of memory, past the
 * body's limit) only shortens the text, so it is not reported.
 */
static void serve_bprintf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
serve_bprintf(struct buf *b, const char *fmt, ...)
{
	char tmp[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (buf_puts(b, tmp, NULL) != ARM_OK)
		return;
}

static void
serve_bputs(struct buf *b, const char *str)
{
	if (buf_puts(b, str, NULL) != ARM_OK)
		return;
}

/* A JSON string into b (RFC 8259 escapes); errors only lose the courtesy text. */
static void
serve_json_str(struct buf *b, const char *p)
{
	const unsigned char *u = (const unsigned char *)p;

	serve_bputs(b, "\"");
	for (; *u; u++) {
		if (*u == '"' || *u == '\\')
			serve_bprintf(b, "\\%c", *u);
		else if (*u < 0x20)
			serve_bprintf(b, "\\u%04x", *u);
		else
			serve_bprintf(b, "%c", *u);
	}
	serve_bputs(b, "\"");
}

/*
 * The command line this server runs with (the log directory first), and a
 * --witness for each witness of the agreement that has none (pubmu held).
 */
static void
serve_cmdline(struct serve *s, struct buf *out)
{
	size_t i;
	int j;

	/*
	 * The answer goes to whoever submitted: the path of the log's secret
	 * key file stays out of it (the operator knows it).
	 */
	serve_bprintf(out, "armistice serve %s", s->dir);
	for (j = 1; j < s->argc; j++) {
		if (s->argv[j] == s->dir)
			continue;
		if (strcmp(s->argv[j], "--key") == 0 && j + 1 < s->argc) {
			serve_bputs(out, " --key LOG.key");
			j++;
		} else if (strncmp(s->argv[j], "--key=", 6) == 0) {
			serve_bputs(out, " --key LOG.key");
		} else {
			serve_bprintf(out, " %s", s->argv[j]);
		}
	}
	for (i = 0; i < s->nwstat; i++)
		if (s->wstat[i].st == SERVE_W_NO_URL)
			serve_bprintf(out, " --witness %s=http://HOST:PORT", s->wstat[i].id);
}

/* How a witness is started for this log, to quote in advice. */
static void
serve_witness_cmd(struct serve *s, const struct serve_wstat *ws, const char *listen,
                  struct buf *out)
{
	struct buf vk = BUF_INIT(256);

	if (log_vkey(s->log) == NULL || note_verifier_format(log_vkey(s->log), &vk, NULL) != ARM_OK)
		buf_reset(&vk);
	serve_bprintf(out,
	              "armistice witness --key <the cosigner key of %s> --state DIR --log %s=%s "
	              "--listen %s",
	              ws->key, log_origin(s->log),
	              vk.len ? (const char *)vk.data : "<this log's public key>", listen);
	buf_release(&vk);
}

/* What to run so that witness ws can cosign (pubmu held). */
static void
serve_wadvice(struct serve *s, const struct serve_wstat *ws, struct buf *out)
{
	const char *hp = strstr(ws->url, "://");

	switch (ws->st) {
	case SERVE_W_NO_URL:
		serve_bprintf(out, "start witness %s (", ws->id);
		serve_witness_cmd(s, ws, "HOST:PORT", out);
		serve_bputs(out, ") and restart this server as: ");
		serve_cmdline(s, out);
		break;
	case SERVE_W_NO_ANSWER:
		serve_bprintf(out, "check that witness %s runs and listens at %s (", ws->id,
		              ws->url);
		serve_witness_cmd(s, ws, hp ? hp + 3 : ws->url, out);
		serve_bputs(out, ")");
		break;
	case SERVE_W_REFUSED:
		serve_bprintf(out,
		              "witness %s refuses to cosign: read its message; a witness "
		              "that saw another history keeps the checkpoint it refused "
		              "as evidence in its state directory",
		              ws->id);
		break;
	default: break;
	}
}

/*
 * The 202 answer (pubmu held): the entry is durable, its checkpoint not
 * yet cosigned by the quorum. It says which witnesses did not cosign at
 * the last attempt and what to run, as text or, when the client asks for
 * JSON (Accept: application/json), as one JSON object.
 */
void
serve_add_202(struct serve *s, const struct httpd_req *rq, struct httpd_resp *rs, uint64_t index)
{
	static const char *const names[] = {"not-asked-yet", "not-configured", "cosigned",
	                                    "no-answer", "refused"};
	const char *accept = httpd_header(rq, "Accept");
	bool json = accept != NULL && strstr(accept, "application/json") != NULL;
	struct buf *b = &rs->body;
	struct buf adv = BUF_INIT(4096);
	size_t i;

	buf_reset(b);
	rs->status = 202;
	rs->cache = "no-store";
	if (json) {
		rs->ctype = "application/json";
		serve_bprintf(b,
		              "{\"index\":%" PRIu64 ",\"durable\":true,\"published\":false,"
		              "\"published_size\":%" PRIu64 ",\"quorum\":",
		              index, log_published_size(s->log));
		if (s->nwstat == 0) {
			serve_bputs(b, "null,\"witnesses\":[]");
		} else {
			serve_bputs(b, "{\"rule\":");
			serve_json_str(b, s->rule);
			serve_bprintf(b,
			              ",\"possible\":%s,\"attempt_size\":%" PRIu64
			              ",\"cosigned\":%zu,\"of\":%zu},\"witnesses\":[",
			              s->quorum_possible ? "true" : "false", s->last_size,
			              s->last_got, s->nwstat);
			for (i = 0; i < s->nwstat; i++) {
				const struct serve_wstat *ws = &s->wstat[i];
				serve_bprintf(b, "%s{\"id\":", i ? "," : "");
				serve_json_str(b, ws->id);
				serve_bputs(b, ",\"url\":");
				if (ws->url[0])
					serve_json_str(b, ws->url);
				else
					serve_bputs(b, "null");
				serve_bprintf(b, ",\"status\":\"%s\",\"message\":", names[ws->st]);
				serve_json_str(b, ws->msg);
				serve_bputs(b, ",\"run\":");
				buf_reset(&adv);
				serve_wadvice(s, ws, &adv);
				if (adv.len > 0)
					serve_json_str(b, (const char *)adv.data);
				else
					serve_bputs(b, "null");
				serve_bputs(b, "}");
			}
			serve_bputs(b, "]");
		}
		serve_bputs(b, ",\"message\":");
		serve_json_str(b, s->pub_err[0] ? s->pub_err : "still waiting for the witnesses");
		serve_bputs(b, "}\n");
		buf_release(&adv);
		return;
	}
	rs->ctype = "text/plain; charset=utf-8";
	serve_bprintf(b,
	              "entry %" PRIu64 " is durable but not yet in a cosigned checkpoint: ", index);
	if (s->nwstat == 0) {
		serve_bprintf(b, "%s\n",
		              s->pub_err[0] ? s->pub_err : "still waiting for the witnesses");
		return;
	}
	if (s->last_size == 0)
		serve_bprintf(b, "the witnesses have not answered yet; the quorum (%s) %s\n",
		              s->rule,
		              s->quorum_possible ? "can be met by the witnesses configured"
		                                 : "cannot be met by the witnesses configured");
	else
		serve_bprintf(b,
		              "the witness quorum (%s) was not met: %zu of %zu witnesses "
		              "cosigned the checkpoint of size %" PRIu64 "\n",
		              s->rule, s->last_got, s->nwstat, s->last_size);
	for (i = 0; i < s->nwstat; i++) {
		const struct serve_wstat *ws = &s->wstat[i];
		if (ws->st == SERVE_W_COSIGNED || ws->st == SERVE_W_UNASKED)
			continue;
		serve_bprintf(b, "witness %s: %s%s%s\n  what to do: ", ws->id, names[ws->st],
		              ws->msg[0] ? ": " : "", ws->msg);
		serve_wadvice(s, ws, b);
		serve_bputs(b, "\n");
	}
	serve_bprintf(b,
	              "the server asks again every second; once the quorum cosigns, the "
	              "entry's receipt is at /proof/%" PRIu64 "\n",
	              index);
	buf_release(&adv);
}

/* The answer to POST /add once entry index is published: its receipt (submitq.h). */
void
serve_receipt(void *ctx, uint64_t index, struct httpd_resp *rs)
{
	struct serve *s = ctx;
	struct arm_err e;

	if (rcpt_build(s->rcpt, index, &rs->body, &e) != ARM_OK) {
		buf_reset(&rs->body);
		serve_fail(rs, &e);
		return;
	}
	rs->status = 200;
	rs->ctype = "text/plain; charset=utf-8";
	rs->cache = "no-store";
}

/*
 * POST /add answers once its entry is durable and in a cosigned
 * checkpoint, or with 202 after --wait-ms; the wait holds no thread: the
 * request is deferred to the submission queue, which checks signatures on
 * every core and sequences batches on one thread (serve_sq_* below).
 */
void
serve_add(struct serve *s, const struct httpd_req *rq, struct httpd_resp *rs)
{
	struct httpd_later *l;

	/* A front end checks and forwards (frontend.h); the sequencer queues. */
	if (s->fe != NULL) {
		frontend_add(s->fe, rq, rs);
		return;
	}
	if (rq->body_len == 0) {
		httpd_text(rs, 400, "empty body: POST /add takes one signed entry");
		return;
	}
	if ((l = httpd_defer(rq)) == NULL) {
		httpd_text(rs, 503, "out of memory: try again");
		rs->retry_after = 1;
		return;
	}
	submitq_push(s->sq, l);
}

/* The sequencer's append: the rules engine rebuilt first if a failed batch left it stale. */
int
serve_sq_append(void *ctx, const uint8_t *const *entries, const size_t *lens, size_t n,
                struct log_result *res, struct arm_err *e)
{
	struct serve *s = ctx;
	size_t i;
	int rc;

	if (engine_stale(s->hook->eng) && (rc = serve_rebuild_hook(s, e)) != ARM_OK) {
		for (i = 0; i < n; i++)
			res[i].err = *e;
		return rc;
	}
	pthread_rwlock_rdlock(&s->hooklk);
	rc = log_append_many(s->log, entries, lens, n, res, e);
	pthread_rwlock_unlock(&s->hooklk);
	return rc;
}

/* The actors' keys of the agreement in force (sequencer thread, like the hook). */
size_t
serve_sq_keys(void *ctx, struct note_verifier *out, size_t cap)
{
	struct serve *s = ctx;
	const struct agreement *a;
	size_t i, k, n = 0;

	if (s->hook_kind != SERVE_AGREEMENT || (a = engine_agreement(s->hook->eng)) == NULL)
		return 0;
	for (i = 0; i < a->nactors; i++)
		for (k = 0; k < a->actors[i].nkeys && n < cap; k++)
			out[n++] = a->actors[i].keys[k];
	return n;
}

void
serve_sq_committed(void *ctx)
{
	struct serve *s = ctx;

	pthread_mutex_lock(&s->pubmu);
	s->want = true;
	pthread_cond_broadcast(&s->pubcv);
	pthread_mutex_unlock(&s->pubmu);
}

void
serve_sq_late(void *ctx, const struct httpd_req *rq, uint64_t index, struct httpd_resp *rs)
{
	struct serve *s = ctx;

	pthread_mutex_lock(&s->pubmu);
	serve_add_202(s, rq, rs, index);
	pthread_mutex_unlock(&s->pubmu);
}

/* Waiting cannot help when the configured witnesses cannot meet the quorum at all. */
long
serve_sq_wait_ms(void *ctx)
{
	struct serve *s = ctx;
	long ms;

	pthread_mutex_lock(&s->pubmu);
	ms = s->nwstat > 0 && !s->quorum_possible ? 0 : s->wait_ms;
	pthread_mutex_unlock(&s->pubmu);
	return ms;
}

void
serve_drain(void *ctx)
{
	submitq_stop(((struct serve *)ctx)->sq);
}
