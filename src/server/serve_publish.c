/*
 * serve_publish.c - publishing: which witnesses are in force, asking them
 * to cosign (C2SP tlog-witness v1.0.0) and the publisher thread that makes
 * a checkpoint public once their quorum has (agreement log.quorum).
 */
#include "server/serve.h"

/* ---- publishing ---- */

static bool
serve_quorum_none(const struct agreement *a)
{
	return a->log.quorum_group == AGREEMENT_NONE && a->log.quorum_n == 0;
}

static bool
serve_quorum_none_or_met(const struct agreement *a, const bool *ok)
{
	return serve_quorum_none(a) || agreement_quorum_met(a, ok);
}

/* Is this entry an armistice entry (then, as entry 0, the agreement)? */
bool
serve_is_armistice(const uint8_t *p, size_t n)
{
	size_t m = sizeof(ENTRY_MAGIC) - 1;

	return n > m && memcmp(p, ENTRY_MAGIC, m) == 0 && p[m] == '\n';
}

/*
 * Matches the agreement's witnesses with the --witness options and says,
 * one line each on stderr, what cannot work: a witness with no URL, a
 * --witness the agreement does not name, a quorum the configured
 * witnesses cannot meet. Fills the 202 snapshot (wstat) with who is
 * configured. Called when entry 0 is first loaded, and quietly (say false)
 * when an amendment changes the witnesses (agrmu held).
 */
void
serve_match_witnesses(struct serve *s, bool say)
{
	const struct agreement *wa = witset_agreement(&s->wset, &s->agr);
	const struct agreement_log *al = &wa->log;
	size_t i, j,
	    nw = al->nwitnesses < SERVE_MAX_WITNESSES ? al->nwitnesses : SERVE_MAX_WITNESSES;
	size_t nurl = 0;
	bool named;

	agreement_quorum_describe(wa, s->rule, sizeof(s->rule));
	pthread_mutex_lock(&s->pubmu);
	for (i = 0; i < nw; i++) {
		const struct agreement_witness *w = &al->witnesses[i];
		struct serve_wstat *ws = &s->wstat[i];
		memset(&s->peers[i], 0, sizeof(s->peers[i]));
		s->peers[i].key = w->key;
		s->peer_has_url[i] = false;
		for (j = 0; j < s->nwurls; j++) {
			if (strlen(w->id) == s->wurls[j].idlen &&
			    memcmp(w->id, s->wurls[j].id, s->wurls[j].idlen) == 0) {
				snprintf(s->peers[i].url, sizeof(s->peers[i].url), "%s",
				         s->wurls[j].url);
				s->peer_has_url[i] = true;
			}
		}
		memset(ws, 0, sizeof(*ws));
		snprintf(ws->id, sizeof(ws->id), "%s", w->id);
		snprintf(ws->key, sizeof(ws->key), "%s", w->key.name);
		snprintf(ws->url, sizeof(ws->url), "%s", s->peers[i].url);
		ws->st = s->peer_has_url[i] ? SERVE_W_UNASKED : SERVE_W_NO_URL;
		nurl += s->peer_has_url[i];
		if (!s->peer_has_url[i] && say)
			fprintf(stderr,
			        "armistice serve: witness %s (key %s) has no --witness %s=URL: it "
			        "will not be asked to cosign\n",
			        w->id, w->key.name, w->id);
	}
	s->nwstat = nw;
	s->quorum_possible = serve_quorum_none_or_met(wa, s->peer_has_url);
	pthread_mutex_unlock(&s->pubmu);
	for (j = 0; j < s->nwurls && say; j++) {
		for (named = false, i = 0; i < nw && !named; i++)
			named = strlen(al->witnesses[i].id) == s->wurls[j].idlen &&
			        memcmp(al->witnesses[i].id, s->wurls[j].id, s->wurls[j].idlen) == 0;
		if (!named)
			fprintf(
			    stderr,
			    "armistice serve: --witness %.*s=%s: the agreement names no witness "
			    "'%.*s': not asked unless an amendment names it\n",
			    (int)s->wurls[j].idlen, s->wurls[j].id, s->wurls[j].url,
			    (int)s->wurls[j].idlen, s->wurls[j].id);
	}
	if (!say)
		return;
	if (serve_quorum_none(wa))
		fprintf(stderr, "armistice serve: the agreement says quorum: none: checkpoints are "
		                "published with the log's signature alone\n");
	else if (!s->quorum_possible)
		fprintf(stderr,
		        "armistice serve: the witness quorum (%s) cannot be met by the %zu of %zu "
		        "witnesses configured: no new checkpoint will be published until the "
		        "missing ones run and this server is restarted with --witness ID=URL "
		        "for each\n",
		        s->rule, nurl, nw);
	else
		fprintf(stderr,
		        "armistice serve: the witness quorum (%s) can be met by the %zu of %zu "
		        "witnesses configured\n",
		        s->rule, nurl, nw);
}

/*
 * Loads entry 0 once it is committed: an agreement (kept for the quorum,
 * GET /agreement and /zone) or, for any other entry, a plain log.
 */
int
serve_load_agreement(struct serve *s, struct arm_err *e)
{
	struct buf note = BUF_INIT(BUNDLE_ENTRY_MAX + 1);
	struct entry en;
	struct cli_replay tmp;
	size_t j;
	int rc;

	if (s->kind != SERVE_EMPTY || log_size(s->log) == 0)
		return ARM_OK;
	entry_init(&en);
	memset(&tmp, 0, sizeof(tmp));
	snprintf(tmp.zones, sizeof(tmp.zones), "%s", s->zones ? s->zones : "");
	if ((rc = log_get(s->log, 0, &note, e)) != ARM_OK)
		goto out;
	if (!serve_is_armistice(note.data, note.len)) {
		s->kind = SERVE_PLAIN;
		for (j = 0; j < s->nwurls; j++)
			fprintf(stderr,
			        "armistice serve: --witness %.*s: ignored: log '%s' is a plain log "
			        "(entry 0 is not an agreement), which names no witness keys; its "
			        "checkpoints are published with the log's signature alone\n",
			        (int)s->wurls[j].idlen, s->wurls[j].id, s->dir);
		goto out;
	}
	/* Zone files come through the same reader as the engine's. */
	agreement_init(&s->agr);
	if ((rc = entry_open_agreement(&en, &s->agr, note.data, note.len, "entry 0",
	                               cli_replay_read_zone, &tmp, NULL, e)) != ARM_OK)
		goto out;
	if (s->agr.log.nwitnesses > SERVE_MAX_WITNESSES) {
		agreement_release(&s->agr);
		rc = arm_err_set(e, ARM_ELIMIT,
		                 "the agreement names %zu witnesses; serve asks at most %d",
		                 s->agr.log.nwitnesses, SERVE_MAX_WITNESSES);
		goto out;
	}
	s->have_agr = true;
	s->kind = SERVE_AGREEMENT;
	serve_match_witnesses(s, true);
out:
	entry_release(&en);
	buf_release(&note);
	return rc;
}

/* The log's kind for a request: known once entry 0 is committed. */
enum serve_kind
serve_kind_of(struct serve *s)
{
	struct arm_err e;
	enum serve_kind k;

	pthread_mutex_lock(&s->kindmu);
	k = s->kind_seen;
	pthread_mutex_unlock(&s->kindmu);
	if (k != SERVE_EMPTY)
		return k; /* entry 0 never changes */
	pthread_mutex_lock(&s->agrmu);
	if (serve_load_agreement(s, &e) != ARM_OK)
		fprintf(stderr, "armistice serve: %s\n", e.msg);
	k = s->kind;
	pthread_mutex_unlock(&s->agrmu);
	pthread_mutex_lock(&s->kindmu);
	s->kind_seen = k;
	pthread_mutex_unlock(&s->kindmu);
	return k;
}

/*
 * Follows amendments that change the witnesses or the quorum (witset.h):
 * a checkpoint of `size` is cosigned by the set in force at that size. One
 * line on stderr says what changed, which witness has no --witness URL
 * and whether the quorum can be met (agrmu held).
 */
static int
serve_follow_witnesses(struct serve *s, uint64_t size, struct arm_err *e)
{
	struct cli_replay tmp;
	char what[700], miss[400] = "";
	size_t i, n = 0;
	bool changed;

	memset(&tmp, 0, sizeof(tmp));
	snprintf(tmp.zones, sizeof(tmp.zones), "%s", s->zones ? s->zones : "");
	ARM_TRY(witset_advance(&s->wset, s->log, &s->agr, size, cli_replay_read_zone, &tmp,
	                       &changed, what, sizeof(what), e));
	if (!changed)
		return ARM_OK;
	if (s->wset.a.log.nwitnesses > SERVE_MAX_WITNESSES)
		return arm_err_set(e, ARM_ELIMIT,
		                   "the amendment names %zu witnesses; serve asks at "
		                   "most %d",
		                   s->wset.a.log.nwitnesses, SERVE_MAX_WITNESSES);
	serve_match_witnesses(s, false);
	for (i = 0; i < s->nwstat && n < sizeof(miss); i++)
		if (!s->peer_has_url[i])
			n += (size_t)snprintf(miss + n, sizeof(miss) - n, "%s%s", n ? ", " : "",
			                      s->wstat[i].id);
	fprintf(stderr, "armistice serve: %s; %s%s; the quorum %s be met\n", what,
	        n ? "no --witness URL for " : "every witness has a --witness URL", miss,
	        s->quorum_possible ? "can" : "cannot");
	return ARM_OK;
}

/* One witness request, run on its own thread so the witnesses are asked at once. */
struct serve_ask {
	pthread_t thr;
	bool started;
	struct witness_peer *peer;
	const uint8_t *ck;
	size_t len;
	const struct ckpt *c;
	const struct merkle_src *src;
	struct buf line;
	struct arm_err err;
	int rc;
};

static void *
serve_ask_run(void *arg)
{
	struct serve_ask *a = arg;

	a->rc = witness_peer_cosign(a->peer, a->ck, a->len, a->c, a->src, 5000, &a->line, &a->err);
	return NULL;
}

/*
 * log_cosign_fn: asks every witness with a URL, all at once, then checks
 * the quorum. The tile source is shared: tile_src caches what it read, so
 * its reads are serialized by computing the proofs before the threads
 * start (witness_peer_cosign computes them lazily, so the cache is warmed
 * by a first proof from size 0 here).
 */
static int
serve_cosign(void *ctx, const uint8_t *ck, size_t len, struct buf *sigs, struct arm_err *e)
{
	struct serve *s = ctx;
	struct note n = {0};
	struct ckpt c;
	struct tile_reader tr;
	struct tile_src ts[SERVE_MAX_WITNESSES];
	struct merkle_src src[SERVE_MAX_WITNESSES];
	struct serve_ask ask[SERVE_MAX_WITNESSES];
	bool ok[SERVE_MAX_WITNESSES];
	struct buf why = BUF_INIT(4096);
	const struct agreement *wa;
	size_t i, nw, got = 0;
	int rc;

	memset(ts, 0, sizeof(ts));
	memset(ask, 0, sizeof(ask));
	memset(ok, 0, sizeof(ok));
	if ((rc = note_parse(&n, ck, len, NOTE_MAX_SIZE, e)) != ARM_OK ||
	    (rc = ckpt_parse(&c, n.text, n.text_len, e)) != ARM_OK ||
	    (rc = serve_follow_witnesses(s, c.size, e)) != ARM_OK)
		goto out;
	wa = witset_agreement(&s->wset, &s->agr);
	nw = wa->log.nwitnesses < SERVE_MAX_WITNESSES ? wa->log.nwitnesses : SERVE_MAX_WITNESSES;
	log_tile_reader(s->log, &tr);
	for (i = 0; i < nw; i++) {
		ok[i] = false;
		buf_init(&ask[i].line, 4096);
		if (!s->peer_has_url[i])
			continue;
		/* Each thread gets its own tile source: their caches are not shared. */
		if ((rc = tile_src_init(&ts[i], &tr, c.size, &src[i], e)) != ARM_OK)
			goto join;
		ask[i].peer = &s->peers[i];
		ask[i].ck = ck;
		ask[i].len = len;
		ask[i].c = &c;
		ask[i].src = &src[i];
		if (pthread_create(&ask[i].thr, NULL, serve_ask_run, &ask[i]) == 0)
			ask[i].started = true;
		else
			serve_ask_run(&ask[i]);
	}
join:
	for (i = 0; i < nw; i++) {
		if (ask[i].started)
			pthread_join(ask[i].thr, NULL);
		if (ask[i].peer == NULL)
			continue;
		if (ask[i].rc == ARM_OK) {
			if (buf_append(sigs, ask[i].line.data, ask[i].line.len, e) != ARM_OK)
				rc = ARM_ENOMEM;
			ok[i] = true;
			got++;
		} else if (buf_printf(&why, NULL, "; %s: %s", wa->log.witnesses[i].id,
		                      ask[i].err.msg) != ARM_OK) {
			buf_reset(&why); /* the reason is a courtesy; the count is what matters */
		}
	}
	/* What each witness did, for the 202 answers (serve_add_202). */
	pthread_mutex_lock(&s->pubmu);
	for (i = 0; i < nw && i < s->nwstat; i++) {
		struct serve_wstat *ws = &s->wstat[i];
		if (!s->peer_has_url[i]) {
			ws->st = SERVE_W_NO_URL;
			ws->msg[0] = '\0';
		} else if (ok[i]) {
			ws->st = SERVE_W_COSIGNED;
			ws->msg[0] = '\0';
		} else {
			ws->st = ask[i].rc == ARM_ECONFLICT ? SERVE_W_REFUSED : SERVE_W_NO_ANSWER;
			snprintf(ws->msg, sizeof(ws->msg), "%s", ask[i].err.msg);
		}
	}
	s->last_got = got;
	s->last_size = c.size;
	pthread_mutex_unlock(&s->pubmu);
	if (rc == ARM_OK && !serve_quorum_none_or_met(wa, ok))
		rc = arm_err_set(e, ARM_EVERIFY,
		                 "witness quorum not met for size %" PRIu64
		                 ": %zu of %zu cosigned%s",
		                 c.size, got, nw, why.data ? (const char *)why.data : "");
out:
	for (i = 0; i < SERVE_MAX_WITNESSES; i++) {
		tile_src_release(&ts[i]);
		buf_release(&ask[i].line);
	}
	note_release(&n);
	buf_release(&why);
	return rc;
}

static int
serve_publish(struct serve *s, struct arm_err *e)
{
	uint64_t size;

	ARM_TRY(serve_load_agreement(s, e));
	if (s->have_agr)
		ARM_TRY(serve_follow_witnesses(s, log_size(s->log), e));
	if (!s->have_agr || serve_quorum_none(witset_agreement(&s->wset, &s->agr)))
		return log_publish(s->log, NULL, NULL, &size, e);
	return log_publish(s->log, serve_cosign, s, &size, e);
}

static void
serve_deadline(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

void *
serve_publisher(void *arg)
{
	struct serve *s = arg;
	struct arm_err e;
	struct timespec ts;
	int rc;

	pthread_mutex_lock(&s->pubmu);
	while (!s->stop) {
		if (log_size(s->log) > log_published_size(s->log)) {
			s->want = false;
			pthread_mutex_unlock(&s->pubmu);
			pthread_mutex_lock(&s->agrmu);
			rc = serve_publish(s, &e);
			pthread_mutex_unlock(&s->agrmu);
			pthread_mutex_lock(&s->pubmu);
			if (rc != ARM_OK) {
				if (strcmp(s->pub_err, e.msg) != 0)
					fprintf(stderr, "armistice serve: publish: %s\n", e.msg);
				snprintf(s->pub_err, sizeof(s->pub_err), "%s", e.msg);
			} else {
				s->pub_err[0] = '\0';
			}
			pthread_cond_broadcast(&s->pubcv);
			submitq_published(s->sq, log_published_size(s->log));
			if (rc == ARM_OK)
				continue;
			/* Back off a second before asking the witnesses again. */
			serve_deadline(&ts, 1000);
			while (!s->stop && !s->want &&
			       pthread_cond_timedwait(&s->pubcv, &s->pubmu, &ts) == 0)
				;
			continue;
		}
		/* Nothing to publish: sleep until an append asks, or a second passes. */
		s->want = false;
		serve_deadline(&ts, 1000);
		while (!s->stop && !s->want &&
		       pthread_cond_timedwait(&s->pubcv, &s->pubmu, &ts) == 0)
			;
	}
	pthread_mutex_unlock(&s->pubmu);
	return NULL;
}
