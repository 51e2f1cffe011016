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
 *   GET  /scores[?at=T][&now=T]      implementation scores (scores.h)
 *
 * Write path: POST /add -> the submission queue (submitq.h: signatures
 * checked on every core, one sequencer appending whole batches through
 * the rules with log_append_many(), sharing fsyncs and a commit record;
 * no thread waits for an answer) -> the publisher thread asks the agreement's witnesses to cosign
 * the new commit checkpoint (C2SP tlog-witness v1.0.0) and publishes it only when their quorum
 * (agreement log.quorum) has -> the handler answers with the entry's index as a tlog-proof pinned
 * to that cosigned checkpoint. A published checkpoint therefore always carries the quorum's
 * cosignatures. If the quorum cannot be reached in time the entry is
 * still durable: the answer is 202 with its index, and publication is
 * retried every second.
 *
 * Any log can be served. Entry 0 decides what it is: an agreement makes
 * it an agreement log (rules, witnesses, /state); anything else makes it
 * a plain transparency log, served with the tile API, /checkpoint,
 * /entry, /proof and POST /add with no rules, published under the log's
 * signature alone (no agreement names witness keys), and no /state. An
 * empty log becomes one or the other with its first entry.
 *
 * Reads never build a filesystem path from request text: tile paths go
 * through tile_parse_path() (strict) and are re-made with tile_path().
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "server/webasset.h"
#include "server/sandbox.h"
#include "cli/cli_key.h"
#include "cli/cli_replay.h"
#include "server/ratelimit.h"
#include "server/scores.h"
#include "server/statecache.h"
#include "server/tilecache.h"
#include "server/submitq.h"
#include "server/receipt.h"
#include "server/witset.h"
#include "armistice/store_pg.h"
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
    "                       [--user USER [--group GROUP]]\n"
    "                       [--max-conns N] [--max-conns-per-ip N] [--head-timeout S]\n"
    "                       [--body-timeout S] [--idle-timeout S]\n"
    "\n"
    "Serves the log in DIR over HTTP: the C2SP tlog-tiles read API\n"
    "(/checkpoint, /tile/...), POST /add for signed entries, /entry/N,\n"
    "/proof/N, /agreement, /state, /scores, /zone/ID and the dashboard at /. A\n"
    "checkpoint is published only once the witness quorum named in the\n"
    "agreement has cosigned it (C2SP tlog-witness). A log whose entry 0 is not\n"
    "an agreement (armistice log init) is served as a plain log: no rules, no\n"
    "witnesses, no /state. At start-up one line on standard error names each\n"
    "witness of the agreement with no --witness, and says whether the quorum\n"
    "can be met by those configured. After an amendment that changes the\n"
    "witnesses or the quorum, the checkpoints that hold it are cosigned by the\n"
    "new set (one line on standard error says what changed and which witness\n"
    "has no --witness): give --witness for future witnesses at start-up.\n"
    "\n"
    "  --listen ADDR:PORT  where to listen (default 127.0.0.1:8080; port 0 picks one)\n"
    "  --key KEY           the log's signer key file (default: the one DIR's\n"
    "                      config names)\n"
    "                      (a key file, an encrypted key file or a pkcs11: URI;\n"
    "                      armistice-key(1))\n"
    "  --witness ID=URL    where witness ID listens (of the agreement or of a\n"
    "                      later amendment); repeatable\n"
    "  --zones ZDIR        directory of the agreement's zone files (default DIR/zones)\n"
    "  --wait-ms MS        how long POST /add waits for the cosigned checkpoint\n"
    "                      before answering 202 (default 10000)\n"
    "  --batch-ms MS       how long the sequencer gathers a batch (default 50)\n"
    "  --state-every N     keep a copy of the state every N entries, so that\n"
    "                      GET /state?index= replays at most N-1 entries\n"
    "                      (default 256; 0: replay from entry 0 every time)\n"
    "  --state-mem MIB     memory for those copies; past it they thin out\n"
    "                      (default 64)\n"
    "  --rate R            per client address, R costly requests per second\n"
    "                      (/state?index=, ?at=, ?now=, /scores, /proof/N,\n"
    "                      /zone/ID); past\n"
    "                      the burst: 429 with Retry-After (default 10; 0: no limit)\n"
    "  --rate-burst N      how many at once before the rate applies (default 40)\n"
    "  --add-rate R        per client address, R POST /add per second past the\n"
    "                      burst, then 429 (default 200; 0: no limit)\n"
    "  --add-burst N       POST /add at once before the rate applies (default 1000)\n"
    "  --rate-table N      client addresses tracked (default 4096; IPv6 by /64)\n"
    "  --user USER         started as root: after binding and reading the key, run\n"
    "                      as USER (DIR must belong to it), no capabilities, no new\n"
    "                      privileges, files limited to DIR and ZDIR (Landlock)\n"
    "  --group GROUP       with --user: the group (default: the user's)\n"
    "  --standby           DIR is a postgresql:// log whose writer lock another\n"
    "                      serve holds: wait for it (checked twice a second) and\n"
    "                      take over when that serve goes (docs/postgres.md)\n"
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
    {"state-every", required_argument, NULL, 1001},
    {"state-mem", required_argument, NULL, 1002},
    {"rate", required_argument, NULL, 1003},
    {"rate-burst", required_argument, NULL, 1004},
    {"rate-table", required_argument, NULL, 1005},
    {"add-rate", required_argument, NULL, 1007},
    {"add-burst", required_argument, NULL, 1008},
    {"user", required_argument, NULL, 'u'},
    {"group", required_argument, NULL, 'g'},
    {"standby", no_argument, NULL, 1006},
    HTTPD_LIMIT_OPTIONS,
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

struct serve_wurl {
	const char *id;
	size_t idlen;
	const char *url;
};

/* What entry 0 makes of the log (serve.h comment at the top). */
enum serve_kind {
	SERVE_EMPTY = 0, /* no entry 0 yet */
	SERVE_AGREEMENT,
	SERVE_PLAIN,
};

/*
 * One witness as the last publication attempt left it, for the 202
 * answer: copied out under pubmu so that POST /add never needs agrmu.
 */
enum serve_wstate {
	SERVE_W_UNASKED = 0, /* no attempt yet */
	SERVE_W_NO_URL,      /* the agreement names it, no --witness gives its URL */
	SERVE_W_COSIGNED,
	SERVE_W_NO_ANSWER, /* unreachable, or no answer in time */
	SERVE_W_REFUSED,   /* it answered, and refused (its message kept) */
};

struct serve_wstat {
	char id[AGREEMENT_ID_MAX + 1];
	char key[NOTE_NAME_MAX + 1];
	char url[512];
	enum serve_wstate st;
	char msg[300];
};

struct serve {
	const char *dir;
	bool db; /* dir is a postgresql:// URI (store_pg.h) */
	const char *zones;
	struct log *log;
	struct note_signer key;
	struct cli_replay *hook; /* the rules hook's engine (owned), used by the sequencer only */
	/*
	 * Every append holds this for reading; rebuilding a stale hook
	 * engine (after a batch failed to commit) holds it for writing, so
	 * no check() runs while the engine is replaced.
	 */
	pthread_rwlock_t hooklk;

	struct serve_wurl wurls[SERVE_MAX_WITNESSES];
	size_t nwurls;
	int argc; /* the command line, to say what to run */
	char **argv;

	/* Sequencer only (rules hook): what the entries checked so far make of the log. */
	enum serve_kind hook_kind;

	/* Entry 0, for the quorum policy and GET /agreement (publisher lock). */
	pthread_mutex_t agrmu;
	struct agreement agr;
	bool have_agr;
	/* The witnesses and quorum in force at the size being published (witset.h). */
	struct witset wset;
	enum serve_kind kind; /* known once entry 0 is committed (agrmu) */
	/*
	 * A copy of kind for requests, so that GET /state never waits on agrmu,
	 * which the publisher holds while it asks the witnesses (kindmu).
	 */
	pthread_mutex_t kindmu;
	enum serve_kind kind_seen;
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
	/* The witnesses as the last attempt left them (pubmu). */
	struct serve_wstat wstat[SERVE_MAX_WITNESSES];
	size_t nwstat;
	char rule[256];       /* the quorum rule in words */
	bool quorum_possible; /* can the configured witnesses meet it at all? */
	size_t last_got;      /* how many cosigned at the last attempt */
	uint64_t last_size;   /* the checkpoint size of the last attempt (0: none yet) */

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

	/* GET /state?index=, ?at=: from kept copies (statecache.h). */
	struct scache *sc;
	/* GET /scores: implementation scores over the same copies (scores.h). */
	struct scores *scores;
	/* Costly requests, and POST /add, per client address (ratelimit.h); NULL: no limit. */
	struct rlimit *rl, *rl_add;
	/* Full tiles of the published tree, kept as prepared answers (tilecache.h). */
	struct tcache *tc;
	/* POST /add: checks on every core, one sequencer, answers together (submitq.h). */
	struct submitq *sq;
	struct rcpt *rcpt; /* the receipts it answers with (receipt.h) */
};

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
static bool
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
static void
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
static int
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
static enum serve_kind
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

	if (s->db) {
		/* A database log: the bytes come from the store (log_read_file). */
		struct arm_err e;
		buf_reset(&rs->body);
		if (log_read_file(s->log, rel, &rs->body, &e) != ARM_OK) {
			buf_reset(&rs->body);
			httpd_text(rs, e.rc == ARM_ENOTFOUND ? 404 : 500, "'%s': %s", rel, e.msg);
			return;
		}
		rs->status = 200;
		rs->ctype = ctype;
		rs->cache = cache;
		return;
	}
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
		httpd_text(rs, 404, "tile '%s' is not in the published tree of size %" PRIu64, p,
		           pub);
		return;
	}
	if (t.width == 256 && (rs->fixed = tcache_get(s->tc, &t)) != NULL) {
		rs->status = 200;
		return;
	}
	if (tile_path(&t, rel, sizeof(rel), &e) != ARM_OK) {
		serve_fail(rs, &e);
		return;
	}
	serve_file(s, rel, "application/octet-stream", "public, max-age=31536000, immutable", rs);
	tcache_keep(s->tc, &t, rs);
}

/*
 * Answered on the event loop (httpd.h): tiles, the checkpoint and the
 * dashboard, read from memory or sent with sendfile. Everything else may
 * block (a replay, a database read, POST /add) and goes to a worker.
 */
static bool
serve_fast(void *ctx, const struct httpd_req *rq)
{
	struct serve *s = ctx;

	if (strcmp(rq->method, "GET") != 0 && strcmp(rq->method, "HEAD") != 0)
		return false;
	if (strcmp(rq->path, "/") == 0 || strncmp(rq->path, "/dashboard/", 11) == 0)
		return true;
	return !s->db &&
	       (strncmp(rq->path, "/tile/", 6) == 0 || strcmp(rq->path, "/checkpoint") == 0);
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
static int
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
static void
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
static void
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
static void
serve_add(struct serve *s, const struct httpd_req *rq, struct httpd_resp *rs)
{
	struct httpd_later *l;

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
static int
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
static size_t
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

static void
serve_sq_committed(void *ctx)
{
	struct serve *s = ctx;

	pthread_mutex_lock(&s->pubmu);
	s->want = true;
	pthread_cond_broadcast(&s->pubcv);
	pthread_mutex_unlock(&s->pubmu);
}

static void
serve_sq_late(void *ctx, const struct httpd_req *rq, uint64_t index, struct httpd_resp *rs)
{
	struct serve *s = ctx;

	pthread_mutex_lock(&s->pubmu);
	serve_add_202(s, rq, rs, index);
	pthread_mutex_unlock(&s->pubmu);
}

/* Waiting cannot help when the configured witnesses cannot meet the quorum at all. */
static long
serve_sq_wait_ms(void *ctx)
{
	struct serve *s = ctx;
	long ms;

	pthread_mutex_lock(&s->pubmu);
	ms = s->nwstat > 0 && !s->quorum_possible ? 0 : s->wait_ms;
	pthread_mutex_unlock(&s->pubmu);
	return ms;
}

static void
serve_drain(void *ctx)
{
	submitq_stop(((struct serve *)ctx)->sq);
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
		httpd_text(rs, 404, "no entry %" PRIu64 " in the published tree of size %" PRIu64,
		           index, log_published_size(s->log));
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
		    serve_sequenced(s, &p, &e) != ARM_OK ||
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
		if (s->kind == SERVE_PLAIN)
			httpd_text(rs, 404, "log '%s' is a plain log: entry 0 is not an agreement",
			           log_origin(s->log));
		else
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
	struct arm_err e;
	const char *qi = httpd_query(rq, "index"), *qa = httpd_query(rq, "at"),
	           *qn = httpd_query(rq, "now");
	uint64_t index = log_published_size(s->log);
	int64_t now = (int64_t)time(NULL);
	struct cli_at at = {.t = ENGINE_NO_TIME}, atnow = {.t = ENGINE_NO_TIME};
	int rc;

	if (qi != NULL && (serve_u64(qi, &index) != 0 || index > log_published_size(s->log))) {
		httpd_text(rs, qi && serve_u64(qi, &index) == 0 ? 404 : 400,
		           "index '%.40s' is not a size of the published tree (0..%" PRIu64 ")", qi,
		           log_published_size(s->log));
		return;
	}
	/* A plain date is the end of that day in the agreement's zone (cli_replay.h). */
	if (qa != NULL && cli_replay_at_parse(qa, &at, &e) != ARM_OK) {
		httpd_text(rs, 400, "at: %s", e.msg);
		return;
	}
	if (qn != NULL && cli_replay_at_parse(qn, &atnow, &e) != ARM_OK) {
		httpd_text(rs, 400, "now: %s", e.msg);
		return;
	}
	if (qa == NULL && index == log_published_size(s->log)) {
		if (qn != NULL && atnow.date) {
			/* the agreement's zone is needed: replay like an as-of request */
		} else {
			serve_state_live(s, index, qn != NULL ? atnow.t : now, rs);
			return;
		}
	}
	buf_reset(&rs->body);
	{
		/* Dates resolve in entry 0's time zone, as the command line's --at. */
		int64_t at_t = qa != NULL ? cli_replay_at_resolve(&at, &s->agr) : ENGINE_NO_TIME;
		if (qn != NULL)
			now = cli_replay_at_resolve(&atnow, &s->agr);
		else if (at_t != ENGINE_NO_TIME)
			now = at_t;
		rc = scache_state(s->sc, index, at_t, now, &rs->body, &e);
	}
	if (rc != ARM_OK) {
		serve_fail(rs, &e);
		return;
	}
	rs->status = 200;
	rs->ctype = "application/json";
	rs->cache = "no-cache";
}

/*
 * Requests that make the server replay, compute or read much (a state
 * other than the kept live one, a proof, a zone file) take a token from
 * the client's bucket in rl first, and POST /add from its own bucket in
 * rl_add; false when it is empty (429 filled in).
 */
static bool
serve_rate_ok(struct serve *s, const struct httpd_req *rq, struct httpd_resp *rs)
{
	const char *path = rq->path;
	struct rlimit *rl = s->rl;
	struct timespec ts;
	uint8_t addr[16];
	size_t alen;
	unsigned retry = 1;

	if (strcmp(path, "/add") == 0)
		rl = s->rl_add;
	else if (!(strncmp(path, "/proof/", 7) == 0 || strncmp(path, "/zone/", 6) == 0 ||
	           strcmp(path, "/scores") == 0 ||
	           (strcmp(path, "/state") == 0 &&
	            (httpd_query(rq, "index") != NULL || httpd_query(rq, "at") != NULL ||
	             httpd_query(rq, "now") != NULL))))
		return true;
	if (rl == NULL || httpd_peer(rq, addr, &alen) != 0)
		return true; /* no limit, or not a network client */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (rlimit_take(rl, addr, alen, (double)ts.tv_sec + (double)ts.tv_nsec / 1e9, &retry))
		return true;
	httpd_text(rs, 429, "too many requests from this address for '%.100s'; retry after %u s",
	           path, retry);
	rs->retry_after = retry;
	return false;
}

static void
serve_handle(void *ctx, const struct httpd_req *rq, struct httpd_resp *rs)
{
	struct serve *s = ctx;
	bool get = strcmp(rq->method, "GET") == 0 || strcmp(rq->method, "HEAD") == 0;
	const char *path = rq->path;

	if ((get || strcmp(path, "/add") == 0) && !serve_rate_ok(s, rq, rs))
		return;

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
	} else if ((strcmp(path, "/state") == 0 || strcmp(path, "/scores") == 0) &&
	           serve_kind_of(s) == SERVE_PLAIN) {
		httpd_text(rs, 404,
		           "no %s: log '%s' is a plain log (entry 0 is not an agreement), so "
		           "there is no state to replay; it serves /checkpoint, /tile/..., "
		           "/entry/N and /proof/N",
		           path, log_origin(s->log));
	} else if (strcmp(path, "/state") == 0) {
		serve_state(s, rq, rs);
	} else if (strcmp(path, "/scores") == 0) {
		scores_answer(s->scores, &s->agr, log_published_size(s->log), rq, rs);
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

/*
 * The rules hook. Entry 0 decides: an armistice entry starts an agreement
 * log and every entry goes through the engine; anything else starts a
 * plain log, which has no rules. Both run on the sequencer only.
 */
static int
serve_hook_check(void *ctx, uint64_t index, const uint8_t *entry, size_t len, struct arm_err *e)
{
	struct serve *s = ctx;

	if (index == 0)
		s->hook_kind = serve_is_armistice(entry, len) ? SERVE_AGREEMENT : SERVE_PLAIN;
	if (s->hook_kind == SERVE_PLAIN)
		return ARM_OK;
	return engine_log_check(s->hook->eng, index, entry, len, e);
}

static void
serve_hook_done(void *ctx, uint64_t size, int rc)
{
	struct serve *s = ctx;

	if (size == 0)
		s->hook_kind = SERVE_EMPTY; /* the batch with entry 0 failed: undecided again */
	if (s->hook_kind != SERVE_PLAIN)
		engine_log_done(s->hook->eng, size, rc);
}

static int
serve_hook_clock(void *ctx, uint64_t index, int64_t now, struct buf *text, struct arm_err *e)
{
	struct serve *s = ctx;

	if (s->hook_kind != SERVE_AGREEMENT)
		return ARM_OK; /* a plain log keeps no clock; none before entry 0 */
	return engine_log_clock(s->hook->eng, index, now, text, e);
}

static void
serve_hook_retract(void *ctx, uint64_t index)
{
	struct serve *s = ctx;

	if (s->hook_kind == SERVE_AGREEMENT)
		engine_log_retract(s->hook->eng, index);
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

/* Event-loop threads: one per core the process may run on. */
static unsigned
serve_ncpu(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 64 ? 64 : (unsigned)n;
}

int
cmd_serve(int argc, char **argv)
{
	static struct serve s; /* large; one per process */
	const char *listen = "127.0.0.1:8080", *keyf = NULL;
	const char *user = NULL, *group = NULL;
	bool standby = false, waited = false;
	static struct sandbox sb;
	struct stat zst;
	int lfd = -1;
	struct log_config cfg;
	struct log_opts lo;
	struct httpd *h = NULL;
	struct httpd_opts o;
	struct arm_err e;
	long batch_ms = 0, state_every = 256, state_mib = 64, rate = 10, rate_burst = 40,
	     rate_table = 4096, add_rate = 200, add_burst = 1000;
	struct scache_opts sco;
	char url[128];
	int c, rc, ret = 0, started = 0;

	memset(&s, 0, sizeof(s));
	memset(&o, 0, sizeof(o));
	s.wait_ms = 10000;
	s.argc = argc;
	s.argv = argv;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", serve_opts, NULL)) != -1) {
		switch (c) {
		case 'L': listen = optarg; break;
		case 'k': keyf = optarg; break;
		case 'z': s.zones = optarg; break;
		case 'w': {
			const char *eq = strchr(optarg, '=');
			if (eq == NULL || eq == optarg || s.nwurls == SERVE_MAX_WITNESSES)
				return cli_usage_error("serve", "--witness takes ID=URL, not '%s'",
				                       optarg);
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
		case 1001:
			if (serve_parse_long(optarg, 0, 1L << 30, &state_every) != 0)
				return cli_usage_error("serve", "--state-every takes 0..2^30");
			break;
		case 1002:
			if (serve_parse_long(optarg, 1, 1L << 20, &state_mib) != 0)
				return cli_usage_error("serve", "--state-mem takes 1..2^20 (MiB)");
			break;
		case 1003:
			if (serve_parse_long(optarg, 0, 1000000, &rate) != 0)
				return cli_usage_error("serve",
				                       "--rate takes 0..1000000 per second");
			break;
		case 1004:
			if (serve_parse_long(optarg, 1, 1000000, &rate_burst) != 0)
				return cli_usage_error("serve", "--rate-burst takes 1..1000000");
			break;
		case 1005:
			if (serve_parse_long(optarg, 1, 1L << 24, &rate_table) != 0)
				return cli_usage_error("serve", "--rate-table takes 1..2^24");
			break;
		case 1007:
			if (serve_parse_long(optarg, 0, 1000000, &add_rate) != 0)
				return cli_usage_error("serve",
				                       "--add-rate takes 0..1000000 per second");
			break;
		case 1008:
			if (serve_parse_long(optarg, 1, 1000000, &add_burst) != 0)
				return cli_usage_error("serve", "--add-burst takes 1..1000000");
			break;
		case 'u': user = optarg; break;
		case 1006: standby = true; break;
		case 'g': group = optarg; break;
		case 'h': printf(serve_usage, httpd_limits_usage); return 0;
		default:
			if ((rc = httpd_limit_opt(&o, c, optarg)) < 0)
				return cli_usage_error("serve",
				                       "bad value '%s' for a connection limit "
				                       "(see --help)",
				                       optarg);
			if (rc == 0)
				return cli_usage_error("serve", "unknown option");
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error("serve", "one log directory is required");
	s.dir = argv[optind];
	s.db = store_pg_is_url(s.dir); /* a database log: no directory to guard */
	if (s.zones == NULL && !s.db) {
		/* armistice init copies the agreement's zone files to DIR/zones. */
		static char zdir[4096];
		snprintf(zdir, sizeof(zdir), "%s/zones", s.dir);
		s.zones = zdir;
	}
	if (log_config_read(s.dir, &cfg, &e) != ARM_OK)
		return cli_fail(&e);
	if (keyf == NULL && cfg.key_path[0] == '\0')
		return cli_usage_error("serve", "no --key and '%s' names no key file", s.dir);
	/* sandbox.h: check as the user, read the key and bind, then drop. */
	if (sandbox_user(&sb, "serve", user, group, &e) != ARM_OK ||
	    (!s.db && sandbox_check(&sb, s.dir, SANDBOX_RW, &e) != ARM_OK) ||
	    (s.zones != NULL && stat(s.zones, &zst) == 0 &&
	     sandbox_check(&sb, s.zones, SANDBOX_RO, &e) != ARM_OK))
		return cli_fail(&e);
	if (cli_key_signer(keyf ? keyf : cfg.key_path, &s.key, &e) != ARM_OK)
		return cli_fail(&e);
	if (s.key.ops != NULL)
		sandbox_external_key(&sb);
	if (sandbox_listen(listen, &lfd, &e) != ARM_OK ||
	    (!s.db && sandbox_allow(&sb, s.dir, SANDBOX_RW, true, &e) != ARM_OK) ||
	    (s.zones != NULL && sandbox_allow(&sb, s.zones, SANDBOX_RO, false, &e) != ARM_OK) ||
	    sandbox_allow_http_client(&sb, &e) != ARM_OK || sandbox_enter(&sb, &e) != ARM_OK) {
		if (lfd >= 0)
			close(lfd);
		note_signer_release(&s.key);
		return cli_fail(&e);
	}
	sandbox_report(&sb, stderr);
	if ((s.hook = calloc(1, sizeof(*s.hook))) == NULL) {
		close(lfd);
		note_signer_release(&s.key);
		arm_err_set(&e, ARM_ENOMEM, "out of memory");
		return cli_fail(&e);
	}
	if (cli_replay_init(s.hook, s.zones, ENGINE_NO_TIME, true, &e) != ARM_OK) {
		close(lfd);
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
	lo.hooks.clock = serve_hook_clock;
	lo.hooks.retract = serve_hook_retract;
	/*
	 * A standby front end waits for the sequencer's advisory lock; the
	 * server drops it when that session ends (store_pg.h), so a dead
	 * sequencer is replaced within a poll of its session's end.
	 */
	while ((rc = log_open(&s.log, s.dir, &lo, &e)) == ARM_EBUSY && standby && s.db) {
		if (!waited)
			fprintf(stderr, "armistice serve: standby: %s; waiting for it\n", e.msg);
		waited = true;
		usleep(500 * 1000);
	}
	if (rc != ARM_OK)
		goto fail;
	if (waited)
		fprintf(stderr, "armistice serve: standby: took over the writer lock\n");
	scache_opts_init(&sco);
	sco.every = (uint64_t)state_every;
	sco.mem_bytes = (size_t)state_mib << 20;
	if ((rc = scache_new(&s.sc, s.log, s.zones, &sco, &e)) != ARM_OK ||
	    (rc = scores_new(&s.scores, s.log, s.sc, &e)) != ARM_OK ||
	    (rate > 0 && (rc = rlimit_new(&s.rl, (double)rate, (double)rate_burst,
	                                  (size_t)rate_table, &e)) != ARM_OK) ||
	    (add_rate > 0 && (rc = rlimit_new(&s.rl_add, (double)add_rate, (double)add_burst,
	                                      (size_t)rate_table, &e)) != ARM_OK) ||
	    (rc = tcache_new(&s.tc, 65536, (size_t)64 << 20, &e)) != ARM_OK)
		goto fail;
	witset_init(&s.wset);
	pthread_mutex_init(&s.agrmu, NULL);
	pthread_mutex_init(&s.kindmu, NULL);
	pthread_mutex_init(&s.livemu, NULL);
	pthread_rwlock_init(&s.hooklk, NULL);
	pthread_mutex_init(&s.pubmu, NULL);
	pthread_cond_init(&s.pubcv, NULL);
	/*
	 * Entry 0 says what the log is; for an agreement, the start-up lines
	 * about its witnesses are printed here (serve_match_witnesses).
	 */
	if ((rc = serve_load_agreement(&s, &e)) != ARM_OK) {
		arm_err_prefix(&e, "log '%s': entry 0", s.dir);
		goto fail;
	}
	s.hook_kind = s.kind;
	/* The rules engine of an agreement log starts from every committed entry. */
	if (s.kind != SERVE_PLAIN &&
	    (rc = cli_replay_scan(s.hook, s.log, 0, log_size(s.log), cli_replay_apply, s.hook,
	                          &e)) != ARM_OK) {
		arm_err_prefix(&e, "replaying '%s'", s.dir);
		goto fail;
	}
	if (s.kind == SERVE_PLAIN)
		fprintf(stderr,
		        "armistice serve: log '%s' is a plain log (entry 0 is not an "
		        "agreement): no rules, no witnesses, no /state\n",
		        s.dir);
	{
		struct submitq_ops sqo = {&s,
		                          serve_sq_append,
		                          serve_sq_keys,
		                          serve_sq_committed,
		                          serve_receipt,
		                          serve_sq_late,
		                          serve_sq_wait_ms};
		if ((rc = rcpt_new(&s.rcpt, s.log, &e)) != ARM_OK ||
		    (rc = submitq_new(&s.sq, &sqo, serve_ncpu(), &e)) != ARM_OK)
			goto fail;
	}
	o.name = "serve";
	o.listen = listen;
	o.max_body = SERVE_MAX_BODY;
	o.handler = serve_handle;
	o.fast = serve_fast;
	o.drain = serve_drain;
	o.pool = serve_ncpu();
	o.workers = 2 * o.pool < 4 ? 4 : 2 * o.pool;
	o.ctx = &s;
	o.listen_fd = lfd;
	lfd = -1; /* the daemon's now */
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
	{
		struct scache_stats st;
		scache_stats(s.sc, &st);
		fprintf(stderr,
		        "armistice serve: /state?index=,?at=: %" PRIu64 " answers, %" PRIu64
		        " from recent answers, %" PRIu64 " entries replayed (at most %" PRIu64
		        " for one ?index=); %zu copies every %" PRIu64 " entries, %zu KiB\n",
		        st.requests, st.hits, st.replayed, st.max_index, st.copies, st.every,
		        st.bytes >> 10);
	}
	rc = ARM_OK;
fail:
	if (lfd >= 0)
		close(lfd);
	if (rc != ARM_OK)
		ret = cli_fail(&e);
	submitq_stop(s.sq); /* nothing appends after this */
	if (started || s.log != NULL) {
		log_close(s.log);
	}
	if (s.have_agr)
		agreement_release(&s.agr);
	witset_release(&s.wset);
	cli_replay_release(s.hook);
	free(s.hook);
	if (s.have_live)
		cli_replay_release(&s.live);
	scores_free(s.scores);
	scache_free(s.sc);
	rlimit_free(s.rl);
	rlimit_free(s.rl_add);
	submitq_free(s.sq);
	rcpt_free(s.rcpt);
	tcache_free(s.tc);
	note_signer_release(&s.key);
	return ret;
}
