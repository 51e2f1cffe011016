/*
 * cmd_serve.c - armistice serve: the log's HTTP server.
 *
 *   GET  /checkpoint                 C2SP tlog-tiles v0.1.0, the public
 *                                    checkpoint with its cosignatures
 *   GET  /tile/<L>/<N>[.p/<W>]       hash tiles          (immutable)
 *   GET  /tile/entries/<N>[.p/<W>]   entry bundles       (immutable)
 *   POST /add                        a signed entry; answers once durable
 *   GET  /entry/<index>              one entry (the signed note)
 *   GET  /proof/<index>              a c2sp.org/tlog-proof@v1 receipt
 *   GET  /agreement                  the agreement (YAML of entry 0)
 *   GET  /state[?index=N][&at=T][&now=T]   the state JSON (engine.h)
 *
 * Write path: POST /add -> log_add() (group commit: concurrent
 * submissions share a batch, its fsyncs and its commit record) -> the
 * publisher thread asks the agreement's witnesses to cosign the new commit
 * checkpoint (C2SP tlog-witness v1.0.0) and publishes it only when their
 * quorum (agreement log.quorum) has -> the handler answers with the
 * entry's index as a tlog-proof pinned to that cosigned checkpoint. A
 * published checkpoint therefore always carries the quorum's
 * cosignatures. If the quorum cannot be reached in time the entry is
 * still durable: the answer is 202 with its index, and publication is
 * retried every second.
 *
 * Reads never build a filesystem path from request text: tile paths go
 * through tile_parse_path() (strict) and are re-made with tile_path().
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "server/webasset.h"
#include "cli/cli_key.h"
#include "cli/cli_replay.h"
#include "armistice/agreement.h"
#include "armistice/bundle.h"
#include "armistice/engine.h"
#include "armistice/entry.h"
#include "armistice/httpd.h"
#include "armistice/log.h"
#include "armistice/tiles.h"
#include "armistice/tproof.h"
#include "armistice/witness.h"
#include "armistice/common.h"

#define SERVE_MAX_WITNESSES 64
/* The largest body that can be an entry: a tlog-tiles bundle's u16 length. */
#define SERVE_MAX_BODY BUNDLE_ENTRY_MAX

static const char serve_usage[] =
	"usage: armistice serve DIR [--listen ADDR:PORT] [--key KEY] [--witness ID=URL]...\n"
	"                       [--zones ZDIR] [--wait-ms MS] [--batch-ms MS]\n"
	"                       [--max-conns N] [--max-conns-per-ip N] [--head-timeout S]\n"
	"                       [--body-timeout S] [--idle-timeout S]\n"
	"\n"
	"Serves the log in DIR over HTTP: the C2SP tlog-tiles read API\n"
	"(/checkpoint, /tile/...), POST /add for signed entries, /entry/N,\n"
	"/proof/N, /agreement, /state, /zone/ID and the dashboard at /. A\n"
	"checkpoint is published only once the witness quorum named in the\n"
	"agreement has cosigned it (C2SP tlog-witness).\n"
	"\n"
	"  --listen ADDR:PORT  where to listen (default 127.0.0.1:8080; port 0 picks one)\n"
	"  --key KEY           the log's signer key file (default: the one DIR's\n"
	"                      config names)\n"
	"  --witness ID=URL    where the agreement's witness ID listens; repeatable\n"
	"  --zones ZDIR        directory of the agreement's zone files (default DIR/zones)\n"
	"  --wait-ms MS        how long POST /add waits for the cosigned checkpoint\n"
	"                      before answering 202 (default 10000)\n"
	"  --batch-ms MS       how long the sequencer gathers a batch (default 50)\n"
	"%s"
	"\n"
	"Stops on SIGTERM or SIGINT: no new connections, requests in flight\n"
	"finish; every acknowledged entry is already durable. One access-log line\n"
	"per request (Combined Log Format) on standard error.\n"
	"\n"
	"exit status: 0 stopped cleanly, 2 usage, 3 input refused,\n"
	"4 system error (log locked, cannot listen), 5 not found.\n";

static const struct option serve_opts[] = {
	{"listen", required_argument, NULL, 'L'},
	{"key", required_argument, NULL, 'k'},
	{"witness", required_argument, NULL, 'w'},
	{"zones", required_argument, NULL, 'z'},
	{"wait-ms", required_argument, NULL, 'W'},
	{"batch-ms", required_argument, NULL, 'b'},
	HTTPD_LIMIT_OPTIONS,
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

struct serve_wurl {
	const char *id;
	size_t idlen;
	const char *url;
};

struct serve {
	const char *dir;
	const char *zones;
	struct log *log;
	struct note_signer key;
	struct cli_replay *hook; /* the rules hook's engine (owned), used by the sequencer only */
	/*
	 * Every log_add() holds this for reading; rebuilding a stale hook
	 * engine (after a batch failed to commit) holds it for writing, so
	 * no check() runs while the engine is replaced.
	 */
	pthread_rwlock_t hooklk;

	struct serve_wurl wurls[SERVE_MAX_WITNESSES];
	size_t nwurls;

	/* Entry 0, for the quorum policy and GET /agreement (publisher lock). */
	pthread_mutex_t agrmu;
	struct agreement agr;
	bool have_agr;
	struct witness_peer peers[SERVE_MAX_WITNESSES];
	bool peer_has_url[SERVE_MAX_WITNESSES];

	/* The publisher thread. */
	pthread_mutex_t pubmu;
	pthread_cond_t pubcv; /* signalled on new commits and on publication */
	pthread_t pubthr;
	bool stop;
	bool want;
	char pub_err[ARM_ERR_MAX];
	long wait_ms;

	/*
	 * GET /state of the published tree (no ?index, no ?at), the question
	 * a dashboard asks every few seconds: an engine kept replayed to
	 * live_size and advanced by the entries published since, so a request
	 * costs the new entries plus the JSON, not a replay of the whole log.
	 * Only the entries and `now` decide the state, so the bytes are those
	 * of a fresh replay (t5050 compares them with status --json).
	 */
	pthread_mutex_t livemu;
	struct cli_replay live;
	bool have_live;
	uint64_t live_size;
};

/* ---- publishing ---- */

static int
serve_load_agreement(struct serve *s, struct arm_err *e)
{
	struct buf note = BUF_INIT(BUNDLE_ENTRY_MAX + 1);
	struct entry en;
	struct cli_replay tmp;
	size_t i, j;
	int rc;

	if (s->have_agr || log_size(s->log) == 0)
		return ARM_OK;
	entry_init(&en);
	memset(&tmp, 0, sizeof(tmp));
	snprintf(tmp.zones, sizeof(tmp.zones), "%s", s->zones ? s->zones : "");
	if ((rc = log_get(s->log, 0, &note, e)) != ARM_OK)
		goto out;
	/* Zone files come through the same reader as the engine's. */
	agreement_init(&s->agr);
	if ((rc = entry_open_agreement(&en, &s->agr, note.data, note.len, "entry 0",
	                               cli_replay_read_zone, &tmp, NULL, e)) != ARM_OK)
		goto out;
	for (i = 0; i < s->agr.log.nwitnesses && i < SERVE_MAX_WITNESSES; i++) {
		const struct agreement_witness *w = &s->agr.log.witnesses[i];
		memset(&s->peers[i], 0, sizeof(s->peers[i]));
		s->peers[i].key = w->key;
		s->peer_has_url[i] = false;
		for (j = 0; j < s->nwurls; j++) {
			if (strlen(w->id) == s->wurls[j].idlen &&
			    memcmp(w->id, s->wurls[j].id, s->wurls[j].idlen) == 0) {
				snprintf(s->peers[i].url, sizeof(s->peers[i].url), "%s", s->wurls[j].url);
				s->peer_has_url[i] = true;
			}
		}
		if (!s->peer_has_url[i])
			fprintf(stderr, "armistice serve: no --witness %s=URL: witness '%s' will not be asked\n",
			        w->id, w->id);
	}
	s->have_agr = true;
out:
	entry_release(&en);
	buf_release(&note);
	return rc;
}

static bool
serve_quorum_none(const struct agreement *a)
{
	return a->log.quorum_group == AGREEMENT_NONE && a->log.quorum_n == 0;
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
	size_t i, nw = s->agr.log.nwitnesses, got = 0;
	int rc;

	memset(ts, 0, sizeof(ts));
	memset(ask, 0, sizeof(ask));
	if (nw > SERVE_MAX_WITNESSES)
		nw = SERVE_MAX_WITNESSES;
	if ((rc = note_parse(&n, ck, len, NOTE_MAX_SIZE, e)) != ARM_OK ||
	    (rc = ckpt_parse(&c, n.text, n.text_len, e)) != ARM_OK)
		goto out;
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
		} else if (buf_printf(&why, NULL, "; %s: %s", s->agr.log.witnesses[i].id,
		                      ask[i].err.msg) != ARM_OK) {
			buf_reset(&why); /* the reason is a courtesy; the count is what matters */
		}
	}
	if (rc == ARM_OK && !agreement_quorum_met(&s->agr, ok))
		rc = arm_err_set(e, ARM_EVERIFY,
		                 "witness quorum not met for size %" PRIu64 ": %zu of %zu cosigned%s",
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
	if (!s->have_agr || serve_quorum_none(&s->agr))
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

static void *
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
		while (!s->stop && !s->want && pthread_cond_timedwait(&s->pubcv, &s->pubmu, &ts) == 0)
			;
	}
	pthread_mutex_unlock(&s->pubmu);
	return NULL;
}

/* ---- handlers ---- */

/* Strict decimal with no leading zeros. */
static int
serve_u64(const char *p, uint64_t *v)
{
	uint64_t x = 0;
	size_t i, n = strlen(p);

	if (n == 0 || n > 19 || (n > 1 && p[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		x = x * 10 + (uint64_t)(p[i] - '0');
	}
	*v = x;
	return 0;
}

static void
serve_fail(struct httpd_resp *rs, const struct arm_err *e)
{
	httpd_text(rs, httpd_status_for(e->rc), "%s", e->msg);
}

static void
serve_file(struct serve *s, const char *rel, const char *ctype, const char *cache,
           struct httpd_resp *rs)
{
	char path[8192];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", s->dir, rel);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		httpd_text(rs, errno == ENOENT ? 404 : 500, "'%s': %s", rel, strerror(errno));
		return;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		httpd_text(rs, 404, "'%s': not a file", rel);
		return;
	}
	rs->status = 200;
	rs->ctype = ctype;
	rs->cache = cache;
	rs->fd = fd;
	rs->fd_len = (uint64_t)st.st_size;
}

static void
serve_tile(struct serve *s, const struct httpd_req *rq, struct httpd_resp *rs)
{
	struct tile t, have;
	struct arm_err e;
	char rel[TILE_PATH_MAX];
	const char *p = rq->raw_uri + 1;
	uint64_t pub = log_published_size(s->log);

	/*
	 * The raw URI, not the decoded path: "%2e%2e" or "%2f" never reach
	 * the parser as anything but bytes it refuses. No query is allowed.
	 */
	if (strlen(p) > TILE_PATH_MAX) {
		httpd_text(rs, 400, "tile path longer than %d bytes", TILE_PATH_MAX);
		return;
	}
	if (tile_parse_path(p, strlen(p), &t, &e) != ARM_OK) {
		httpd_text(rs, 400, "%s", e.msg);
		return;
	}
	/* Only tiles of the published tree, at a width it has reached. */
	if (!tile_for_size(t.level, t.n, pub, &have) || t.width > have.width) {
		httpd_text(rs, 404, "tile '%s' is not in the published tree of size %" PRIu64, p, pub);
		return;
	}
	if (tile_path(&t, rel, sizeof(rel), &e) != ARM_OK) {
		serve_fail(rs, &e);
		return;
	}
	serve_file(s, rel, "application/octet-stream", "public, max-age=31536000, immutable", rs);
}

/*
 * A batch that failed to commit leaves the hook engine stale (engine.h):
 * it holds entries that were never written. Replay the committed log into
 * a fresh engine, with no append in flight.
 */
static int
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
	if ((rc = log_scan(s->log, 0, log_size(s->log), cli_replay_apply, fresh, e)) != ARM_OK) {
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

static void
serve_add(struct serve *s, const struct httpd_req *rq, struct httpd_resp *rs)
{
	struct arm_err e;
	struct tproof p;
	struct timespec ts;
	uint64_t index = 0;
	bool dup = false, published;
	int rc;

	memset(&p, 0, sizeof(p));
	if (rq->body_len == 0) {
		httpd_text(rs, 400, "empty body: POST /add takes one signed entry");
		return;
	}
	if (engine_stale(s->hook->eng) && (rc = serve_rebuild_hook(s, &e)) != ARM_OK) {
		serve_fail(rs, &e);
		return;
	}
	pthread_rwlock_rdlock(&s->hooklk);
	rc = log_add(s->log, rq->body, rq->body_len, &index, &dup, &e);
	pthread_rwlock_unlock(&s->hooklk);
	if (rc != ARM_OK) {
		serve_fail(rs, &e);
		return;
	}
	pthread_mutex_lock(&s->pubmu);
	s->want = true;
	pthread_cond_broadcast(&s->pubcv);
	serve_deadline(&ts, s->wait_ms);
	while (!s->stop && log_published_size(s->log) <= index &&
	       pthread_cond_timedwait(&s->pubcv, &s->pubmu, &ts) == 0)
		;
	published = log_published_size(s->log) > index;
	if (!published) {
		httpd_text(rs, 202, "entry %" PRIu64 " is durable but not yet in a cosigned checkpoint: %s",
		           index, s->pub_err[0] ? s->pub_err : "still waiting for the witnesses");
		pthread_mutex_unlock(&s->pubmu);
		return;
	}
	pthread_mutex_unlock(&s->pubmu);
	if ((rc = log_prove(s->log, index, 0, &p, &e)) != ARM_OK) {
		serve_fail(rs, &e);
		return;
	}
	buf_reset(&rs->body);
	if (tproof_format(&p, &rs->body, &e) != ARM_OK) {
		tproof_release(&p);
		serve_fail(rs, &e);
		return;
	}
	tproof_release(&p);
	rs->status = 200;
	rs->ctype = "text/plain; charset=utf-8";
	rs->cache = "no-store";
}

static void
serve_entry(struct serve *s, const char *arg, bool proof, struct httpd_resp *rs)
{
	struct arm_err e;
	uint64_t index;
	struct tproof p;

	if (serve_u64(arg, &index) != 0) {
		httpd_text(rs, 400, "entry index '%.40s' is not a canonical decimal", arg);
		return;
	}
	if (index >= log_published_size(s->log)) {
		httpd_text(rs, 404, "no entry %" PRIu64 " in the published tree of size %" PRIu64, index,
		           log_published_size(s->log));
		return;
	}
	buf_reset(&rs->body);
	if (!proof) {
		if (log_get(s->log, index, &rs->body, &e) != ARM_OK) {
			serve_fail(rs, &e);
			return;
		}
		rs->cache = "public, max-age=31536000, immutable";
	} else {
		memset(&p, 0, sizeof(p));
		if (log_prove(s->log, index, 0, &p, &e) != ARM_OK ||
		    tproof_format(&p, &rs->body, &e) != ARM_OK) {
			tproof_release(&p);
			serve_fail(rs, &e);
			return;
		}
		tproof_release(&p);
		rs->cache = "no-cache";
	}
	rs->status = 200;
	rs->ctype = "text/plain; charset=utf-8";
}

static void
serve_agreement(struct serve *s, struct httpd_resp *rs)
{
	struct arm_err e;

	pthread_mutex_lock(&s->agrmu);
	if (serve_load_agreement(s, &e) != ARM_OK) {
		pthread_mutex_unlock(&s->agrmu);
		serve_fail(rs, &e);
		return;
	}
	if (!s->have_agr || log_published_size(s->log) == 0) {
		pthread_mutex_unlock(&s->agrmu);
		httpd_text(rs, 404, "the log has no agreement yet");
		return;
	}
	buf_reset(&rs->body);
	if (buf_append(&rs->body, s->agr.yaml, s->agr.yaml_len, &e) != ARM_OK) {
		pthread_mutex_unlock(&s->agrmu);
		serve_fail(rs, &e);
		return;
	}
	pthread_mutex_unlock(&s->agrmu);
	rs->status = 200;
	rs->ctype = "application/yaml; charset=utf-8";
	rs->cache = "no-cache";
}

/*
 * GET /zone/<id>: the GeoJSON of an agreed zone, as entry 0 pins it (its
 * digest is in the agreement entry, checked when the agreement loaded), so
 * the dashboard's map draws exactly the zones the engine decides with.
 */
static void
serve_zone(struct serve *s, const char *id, struct httpd_resp *rs)
{
	struct arm_err e;
	size_t i;

	pthread_mutex_lock(&s->agrmu);
	if (serve_load_agreement(s, &e) != ARM_OK) {
		pthread_mutex_unlock(&s->agrmu);
		serve_fail(rs, &e);
		return;
	}
	for (i = 0; s->have_agr && i < s->agr.nzones; i++)
		if (strcmp(s->agr.zones[i].id, id) == 0 && s->agr.zones[i].geojson != NULL)
			break;
	if (!s->have_agr || i == s->agr.nzones) {
		pthread_mutex_unlock(&s->agrmu);
		httpd_text(rs, 404, "no zone '%.64s' in the agreement", id);
		return;
	}
	buf_reset(&rs->body);
	if (buf_puts(&rs->body, s->agr.zones[i].geojson, &e) != ARM_OK) {
		pthread_mutex_unlock(&s->agrmu);
		serve_fail(rs, &e);
		return;
	}
	pthread_mutex_unlock(&s->agrmu);
	rs->status = 200;
	rs->ctype = "application/geo+json";
	rs->cache = "no-cache";
}

/* GET / and /dashboard/<file>: the dashboard compiled into the binary. */
static void
serve_dashboard(const char *name, struct httpd_resp *rs)
{
	const struct webasset *w = webasset_find(name);
	struct arm_err e;

	if (w == NULL) {
		httpd_text(rs, 404, "no dashboard file '%.64s'", name);
		return;
	}
	buf_reset(&rs->body);
	if (buf_append(&rs->body, w->data, w->len, &e) != ARM_OK) {
		serve_fail(rs, &e);
		return;
	}
	rs->status = 200;
	rs->ctype = w->type;
	rs->cache = "no-cache";
}

/* The state of the first `size` entries from the kept engine (see livemu). */
static void
serve_state_live(struct serve *s, uint64_t size, int64_t now, struct httpd_resp *rs)
{
	struct arm_err e;
	int rc = ARM_OK;

	pthread_mutex_lock(&s->livemu);
	if (!s->have_live || size < s->live_size) {
		if (s->have_live)
			cli_replay_release(&s->live);
		s->have_live = false;
		memset(&s->live, 0, sizeof(s->live));
		if ((rc = cli_replay_init(&s->live, s->zones, ENGINE_NO_TIME, false, &e)) != ARM_OK)
			goto out;
		s->have_live = true;
		s->live_size = 0;
	}
	if (size > s->live_size &&
	    (rc = log_scan(s->log, s->live_size, size, cli_replay_apply, &s->live, &e)) != ARM_OK) {
		/* Part of the range may have been applied: start over next time. */
		cli_replay_release(&s->live);
		s->have_live = false;
		goto out;
	}
	s->live_size = size;
	buf_reset(&rs->body);
	rc = engine_state_json(s->live.eng, now, &rs->body, &e);
out:
	pthread_mutex_unlock(&s->livemu);
	if (rc != ARM_OK) {
		serve_fail(rs, &e);
		return;
	}
	rs->status = 200;
	rs->ctype = "application/json";
	rs->cache = "no-cache";
}

static void
serve_state(struct serve *s, const struct httpd_req *rq, struct httpd_resp *rs)
{
	struct cli_replay r;
	struct arm_err e;
	const char *qi = httpd_query(rq, "index"), *qa = httpd_query(rq, "at"),
	           *qn = httpd_query(rq, "now");
	uint64_t index = log_published_size(s->log);
	int64_t at = ENGINE_NO_TIME, now = (int64_t)time(NULL);

	if (qi != NULL && (serve_u64(qi, &index) != 0 || index > log_published_size(s->log))) {
		httpd_text(rs, qi && serve_u64(qi, &index) == 0 ? 404 : 400,
		           "index '%.40s' is not a size of the published tree (0..%" PRIu64 ")", qi,
		           log_published_size(s->log));
		return;
	}
	if (qa != NULL) {
		if (cli_replay_time(qa, &at, &e) != ARM_OK) {
			httpd_text(rs, 400, "at: %s", e.msg);
			return;
		}
		now = at;
	}
	if (qn != NULL && cli_replay_time(qn, &now, &e) != ARM_OK) {
		httpd_text(rs, 400, "now: %s", e.msg);
		return;
	}
	if (at == ENGINE_NO_TIME && index == log_published_size(s->log)) {
		serve_state_live(s, index, now, rs);
		return;
	}
	if (cli_replay_init(&r, s->zones, at, false, &e) != ARM_OK) {
		serve_fail(rs, &e);
		return;
	}
	buf_reset(&rs->body);
	if (log_scan(s->log, 0, index, cli_replay_apply, &r, &e) != ARM_OK ||
	    engine_state_json(r.eng, now, &rs->body, &e) != ARM_OK) {
		cli_replay_release(&r);
		serve_fail(rs, &e);
		return;
	}
	cli_replay_release(&r);
	rs->status = 200;
	rs->ctype = "application/json";
	rs->cache = "no-cache";
}

static void
serve_handle(void *ctx, const struct httpd_req *rq, struct httpd_resp *rs)
{
	struct serve *s = ctx;
	bool get = strcmp(rq->method, "GET") == 0 || strcmp(rq->method, "HEAD") == 0;
	const char *path = rq->path;

	if (strcmp(path, "/add") == 0) {
		if (strcmp(rq->method, "POST") != 0)
			httpd_text(rs, 405, "/add takes POST");
		else
			serve_add(s, rq, rs);
		return;
	}
	if (!get) {
		httpd_text(rs, 405, "method %s not allowed on '%.100s'", rq->method, path);
		return;
	}
	if (strcmp(path, "/checkpoint") == 0) {
		/* tlog-tiles: the checkpoint may be cached for a few seconds only. */
		serve_file(s, "checkpoint", "text/plain; charset=utf-8", "public, max-age=2", rs);
	} else if (strncmp(path, "/tile/", 6) == 0) {
		serve_tile(s, rq, rs);
	} else if (strncmp(path, "/entry/", 7) == 0) {
		serve_entry(s, path + 7, false, rs);
	} else if (strncmp(path, "/proof/", 7) == 0) {
		serve_entry(s, path + 7, true, rs);
	} else if (strcmp(path, "/agreement") == 0) {
		serve_agreement(s, rs);
	} else if (strcmp(path, "/state") == 0) {
		serve_state(s, rq, rs);
	} else if (strncmp(path, "/zone/", 6) == 0) {
		serve_zone(s, path + 6, rs);
	} else if (strcmp(path, "/") == 0 || strcmp(path, "/dashboard/") == 0) {
		serve_dashboard("index.html", rs);
	} else if (strncmp(path, "/dashboard/", 11) == 0) {
		serve_dashboard(path + 11, rs);
	} else {
		httpd_text(rs, 404, "no such resource '%.100s'", path);
	}
}

/* ---- the command ---- */

static int
serve_hook_check(void *ctx, uint64_t index, const uint8_t *entry, size_t len, struct arm_err *e)
{
	struct serve *s = ctx;

	return engine_log_check(s->hook->eng, index, entry, len, e);
}

static void
serve_hook_done(void *ctx, uint64_t size, int rc)
{
	struct serve *s = ctx;

	engine_log_done(s->hook->eng, size, rc);
}

static int
serve_parse_long(const char *arg, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno != 0 || *end != '\0' || end == arg || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int
cmd_serve(int argc, char **argv)
{
	static struct serve s; /* large; one per process */
	const char *listen = "127.0.0.1:8080", *keyf = NULL;
	struct log_config cfg;
	struct log_opts lo;
	struct httpd *h = NULL;
	struct httpd_opts o;
	struct arm_err e;
	long batch_ms = 0;
	char url[128];
	int c, rc, ret = 0, started = 0;

	memset(&s, 0, sizeof(s));
	memset(&o, 0, sizeof(o));
	s.wait_ms = 10000;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", serve_opts, NULL)) != -1) {
		switch (c) {
		case 'L': listen = optarg; break;
		case 'k': keyf = optarg; break;
		case 'z': s.zones = optarg; break;
		case 'w': {
			const char *eq = strchr(optarg, '=');
			if (eq == NULL || eq == optarg || s.nwurls == SERVE_MAX_WITNESSES)
				return cli_usage_error("serve", "--witness takes ID=URL, not '%s'", optarg);
			s.wurls[s.nwurls].id = optarg;
			s.wurls[s.nwurls].idlen = (size_t)(eq - optarg);
			s.wurls[s.nwurls].url = eq + 1;
			s.nwurls++;
			break;
		}
		case 'W':
			if (serve_parse_long(optarg, 0, 600000, &s.wait_ms) != 0)
				return cli_usage_error("serve", "--wait-ms takes 0..600000");
			break;
		case 'b':
			if (serve_parse_long(optarg, 1, 10000, &batch_ms) != 0)
				return cli_usage_error("serve", "--batch-ms takes 1..10000");
			break;
		case 'h': printf(serve_usage, httpd_limits_usage); return 0;
		default:
			if ((rc = httpd_limit_opt(&o, c, optarg)) < 0)
				return cli_usage_error("serve", "bad value '%s' for a connection limit "
				                       "(see --help)", optarg);
			if (rc == 0)
				return cli_usage_error("serve", "unknown option");
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error("serve", "one log directory is required");
	s.dir = argv[optind];
	if (s.zones == NULL) {
		/* armistice init copies the agreement's zone files to DIR/zones. */
		static char zdir[4096];
		snprintf(zdir, sizeof(zdir), "%s/zones", s.dir);
		s.zones = zdir;
	}
	if (log_config_read(s.dir, &cfg, &e) != ARM_OK)
		return cli_fail(&e);
	if (keyf == NULL && cfg.key_path[0] == '\0')
		return cli_usage_error("serve", "no --key and '%s' names no key file", s.dir);
	if (cli_key_signer(keyf ? keyf : cfg.key_path, &s.key, &e) != ARM_OK)
		return cli_fail(&e);
	if ((s.hook = calloc(1, sizeof(*s.hook))) == NULL) {
		note_signer_release(&s.key);
		arm_err_set(&e, ARM_ENOMEM, "out of memory");
		return cli_fail(&e);
	}
	if (cli_replay_init(s.hook, s.zones, ENGINE_NO_TIME, true, &e) != ARM_OK) {
		free(s.hook);
		note_signer_release(&s.key);
		return cli_fail(&e);
	}
	memset(&lo, 0, sizeof(lo));
	lo.writer = true;
	lo.key = &s.key;
	lo.batch_ms = (unsigned)batch_ms;
	lo.manual_publish = true;
	lo.hooks.ctx = &s;
	lo.hooks.check = serve_hook_check;
	lo.hooks.done = serve_hook_done;
	if ((rc = log_open(&s.log, s.dir, &lo, &e)) != ARM_OK)
		goto fail;
	/* The rules engine starts from every committed entry. */
	if ((rc = log_scan(s.log, 0, log_size(s.log), cli_replay_apply, s.hook, &e)) != ARM_OK) {
		arm_err_prefix(&e, "replaying '%s'", s.dir);
		goto fail;
	}
	pthread_mutex_init(&s.agrmu, NULL);
	pthread_mutex_init(&s.livemu, NULL);
	pthread_rwlock_init(&s.hooklk, NULL);
	pthread_mutex_init(&s.pubmu, NULL);
	pthread_cond_init(&s.pubcv, NULL);
	o.name = "serve";
	o.listen = listen;
	o.max_body = SERVE_MAX_BODY;
	o.handler = serve_handle;
	o.ctx = &s;
	if ((rc = httpd_start(&h, &o, &e)) != ARM_OK)
		goto fail;
	if (pthread_create(&s.pubthr, NULL, serve_publisher, &s) != 0) {
		rc = arm_err_set(&e, ARM_EIO, "cannot start the publisher thread");
		httpd_stop(h);
		goto fail;
	}
	started = 1;
	httpd_base_url(h, url, sizeof(url));
	fprintf(stderr, "armistice serve: log '%s' (%s) size %" PRIu64 " listening on %s/\n", s.dir,
	        log_origin(s.log), log_size(s.log), url);
	rc = httpd_wait_signal();
	fprintf(stderr, "armistice serve: signal %d, draining\n", rc);
	httpd_stop(h);
	pthread_mutex_lock(&s.pubmu);
	s.stop = true;
	pthread_cond_broadcast(&s.pubcv);
	pthread_mutex_unlock(&s.pubmu);
	pthread_join(s.pubthr, NULL);
	fprintf(stderr, "armistice serve: stopped at size %" PRIu64 ", published %" PRIu64 "\n",
	        log_size(s.log), log_published_size(s.log));
	rc = ARM_OK;
fail:
	if (rc != ARM_OK)
		ret = cli_fail(&e);
	if (started || s.log != NULL) {
		log_close(s.log);
	}
	if (s.have_agr)
		agreement_release(&s.agr);
	cli_replay_release(s.hook);
	free(s.hook);
	if (s.have_live)
		cli_replay_release(&s.live);
	note_signer_release(&s.key);
	return ret;
}
