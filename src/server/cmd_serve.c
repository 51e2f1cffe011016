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
#include <getopt.h>

#include "server/serve.h"

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
    "  --tile-cache MIB    memory for full tiles kept as prepared answers\n"
    "                      (default 64; 0: every tile read from the store)\n"
    "  --user USER         started as root: after binding and reading the key, run\n"
    "                      as USER (DIR must belong to it), no capabilities, no new\n"
    "                      privileges, files limited to DIR and ZDIR (Landlock)\n"
    "  --group GROUP       with --user: the group (default: the user's)\n"
    "  --standby           DIR is a postgresql:// log whose writer lock another\n"
    "                      serve holds: serve as a front end meanwhile (reads\n"
    "                      verified against the tiles, POST /add forwarded to\n"
    "                      the sequencer), try the lock twice a second and take\n"
    "                      over when that serve goes (docs/postgres.md)\n"
    "  --advertise URL     a database log's sequencer: the URL where front ends\n"
    "                      forward submissions (default: the listening address)\n"
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
    {"advertise", required_argument, NULL, 1009},
    {"tile-cache", required_argument, NULL, 1010},
    HTTPD_LIMIT_OPTIONS,
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

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

/* ---- front ends (frontend.h) ---- */

/* A submission checked against the front end's state before it is forwarded. */
static int
serve_fe_check(void *ctx, const uint8_t *entry, size_t len, struct arm_err *e)
{
	struct serve *s = ctx;
	int rc;

	/* Entry 0 decides what the log is; a plain log has no rules: the sequencer decides. */
	if (log_size(s->log) == 0 || serve_kind_of(s) != SERVE_AGREEMENT)
		return ARM_OK;
	/* A follow that failed half-way left the engine stale: replay it. */
	if (engine_stale(s->hook->eng))
		ARM_TRY(serve_rebuild_hook(s, e));
	/* The engine's own size: the follower may have moved the log ahead of it. */
	pthread_rwlock_rdlock(&s->hooklk);
	rc = frontend_rules(s->hook->eng, s->zones, &s->key, engine_size(s->hook->eng), entry, len,
	                    e);
	pthread_rwlock_unlock(&s->hooklk);
	return rc;
}

/* The follower moved: the front end's rules engine takes the new entries. */
static void
serve_fe_moved(void *ctx, uint64_t size)
{
	struct serve *s = ctx;
	struct arm_err e;

	if (serve_kind_of(s) != SERVE_AGREEMENT)
		return;
	pthread_rwlock_wrlock(&s->hooklk);
	if (engine_size(s->hook->eng) < size && log_scan(s->log, engine_size(s->hook->eng), size,
	                                                 cli_replay_apply, s->hook, &e) != ARM_OK) {
		fprintf(stderr, "armistice serve: front end: rules engine: %s\n", e.msg);
		engine_log_done(s->hook->eng, engine_size(s->hook->eng), ARM_EIO);
	}
	pthread_rwlock_unlock(&s->hooklk);
}

/*
 * The writer log; or, with --standby on a database whose writer lock
 * another serve holds, a front end over a reader log until it gets the lock.
 */
static int
serve_open(struct serve *s, struct log_opts *lo, const struct log_config *cfg, bool standby,
           struct store **wst, struct arm_err *e)
{
	struct frontend_opts fo;
	int rc;

	/* A database log's own store, kept to advertise the sequencer's URL on. */
	*wst = NULL;
	if (s->db && lo->store == NULL &&
	    (rc = store_pg_open(&lo->store, s->dir, false, e)) != ARM_OK)
		return rc;
	*wst = lo->store;
	rc = log_open(&s->log, s->dir, lo, e);
	lo->store = NULL; /* consumed, also on failure */
	if (rc != ARM_OK)
		*wst = NULL;
	if (rc != ARM_EBUSY || !standby || !s->db)
		return rc;
	fprintf(stderr, "armistice serve: standby: %s; serving as a front end until it goes\n",
	        e->msg);
	memset(&fo, 0, sizeof(fo));
	fo.conninfo = s->dir;
	fo.vkey = &cfg->vkey;
	fo.origin = cfg->origin;
	fo.check = serve_fe_check;
	fo.moved = serve_fe_moved;
	fo.ctx = s;
	return frontend_open(&s->fe, &s->log, &fo, e);
}

/* What serve_open() and the start-up built on the log, undone for a takeover. */
static int
serve_unload(struct serve *s, struct arm_err *e)
{
	frontend_close(s->fe);
	s->fe = NULL;
	scores_free(s->scores);
	s->scores = NULL;
	scache_free(s->sc);
	s->sc = NULL;
	tcache_free(s->tc);
	s->tc = NULL;
	witset_release(&s->wset);
	if (s->have_live)
		cli_replay_release(&s->live);
	s->have_live = false;
	if (s->have_agr)
		agreement_release(&s->agr);
	s->have_agr = false;
	s->kind = s->kind_seen = s->hook_kind = SERVE_EMPTY;
	log_close(s->log);
	s->log = NULL;
	cli_replay_release(s->hook);
	memset(s->hook, 0, sizeof(*s->hook));
	return cli_replay_init(s->hook, s->zones, ENGINE_NO_TIME, true, e);
}

/*
 * A front end runs until a signal (*takeover false) or until it holds the
 * writer lock (*takeover true, *locked the store holding it): its HTTP
 * server h is stopped and what it built on the reader log undone.
 */
static int
serve_frontend_run(struct serve *s, struct httpd *h, const char *url, struct store **locked,
                   bool *takeover, struct arm_err *e)
{
	int rc;

	*takeover = false;
	if ((rc = frontend_start(s->fe, e)) != ARM_OK) {
		httpd_stop(h);
		return rc;
	}
	fprintf(stderr,
	        "armistice serve: front end of log '%s' (%s) size %" PRIu64
	        " at %s/: reads verified here, submissions forwarded to the sequencer\n",
	        s->dir, log_origin(s->log), log_published_size(s->log), url);
	rc = frontend_wait(s->fe, locked);
	httpd_stop(h);
	if (rc != 0) {
		fprintf(stderr, "armistice serve: signal %d, stopped\n", rc);
		return ARM_OK;
	}
	ARM_TRY(serve_unload(s, e));
	fprintf(stderr, "armistice serve: standby: took over the writer lock\n");
	*takeover = true;
	return ARM_OK;
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

/* What the command line asks for, beyond struct serve's own fields. */
struct serve_args {
	const char *listen, *keyf, *user, *group, *advertise;
	bool standby;
	long batch_ms, state_every, state_mib, rate, rate_burst, rate_table, add_rate, add_burst;
	long tile_mib;
	struct httpd_opts o;
};

/* The options into s and a; -1 to go on, else the exit status. */
static int
serve_parse_args(int argc, char **argv, struct serve *s, struct serve_args *a)
{
	int c, rc;

	memset(a, 0, sizeof(*a));
	a->listen = "127.0.0.1:8080";
	a->state_every = 256;
	a->state_mib = 64;
	a->rate = 10;
	a->rate_burst = 40;
	a->rate_table = 4096;
	a->add_rate = 200;
	a->add_burst = 1000;
	a->tile_mib = 64;
	s->wait_ms = 10000;
	s->argc = argc;
	s->argv = argv;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", serve_opts, NULL)) != -1) {
		switch (c) {
		case 'L': a->listen = optarg; break;
		case 'k': a->keyf = optarg; break;
		case 'z': s->zones = optarg; break;
		case 'w': {
			const char *eq = strchr(optarg, '=');
			if (eq == NULL || eq == optarg || s->nwurls == SERVE_MAX_WITNESSES)
				return cli_usage_error("serve", "--witness takes ID=URL, not '%s'",
				                       optarg);
			s->wurls[s->nwurls].id = optarg;
			s->wurls[s->nwurls].idlen = (size_t)(eq - optarg);
			s->wurls[s->nwurls].url = eq + 1;
			s->nwurls++;
			break;
		}
		case 'W':
			if (serve_parse_long(optarg, 0, 600000, &s->wait_ms) != 0)
				return cli_usage_error("serve", "--wait-ms takes 0..600000");
			break;
		case 'b':
			if (serve_parse_long(optarg, 1, 10000, &a->batch_ms) != 0)
				return cli_usage_error("serve", "--batch-ms takes 1..10000");
			break;
		case 1001:
			if (serve_parse_long(optarg, 0, 1L << 30, &a->state_every) != 0)
				return cli_usage_error("serve", "--state-every takes 0..2^30");
			break;
		case 1002:
			if (serve_parse_long(optarg, 1, 1L << 20, &a->state_mib) != 0)
				return cli_usage_error("serve", "--state-mem takes 1..2^20 (MiB)");
			break;
		case 1003:
			if (serve_parse_long(optarg, 0, 1000000, &a->rate) != 0)
				return cli_usage_error("serve",
				                       "--rate takes 0..1000000 per second");
			break;
		case 1004:
			if (serve_parse_long(optarg, 1, 1000000, &a->rate_burst) != 0)
				return cli_usage_error("serve", "--rate-burst takes 1..1000000");
			break;
		case 1005:
			if (serve_parse_long(optarg, 1, 1L << 24, &a->rate_table) != 0)
				return cli_usage_error("serve", "--rate-table takes 1..2^24");
			break;
		case 1007:
			if (serve_parse_long(optarg, 0, 1000000, &a->add_rate) != 0)
				return cli_usage_error("serve",
				                       "--add-rate takes 0..1000000 per second");
			break;
		case 1008:
			if (serve_parse_long(optarg, 1, 1000000, &a->add_burst) != 0)
				return cli_usage_error("serve", "--add-burst takes 1..1000000");
			break;
		case 'u': a->user = optarg; break;
		case 1006: a->standby = true; break;
		case 1009: a->advertise = optarg; break;
		case 1010:
			if (serve_parse_long(optarg, 0, 1L << 16, &a->tile_mib) != 0)
				return cli_usage_error("serve",
				                       "--tile-cache takes 0..65536 (MiB)");
			break;
		case 'g': a->group = optarg; break;
		case 'h': printf(serve_usage, httpd_limits_usage); return 0; /* --help */
		default:
			if ((rc = httpd_limit_opt(&a->o, c, optarg)) < 0)
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
	s->dir = argv[optind];
	s->db = store_pg_is_url(s->dir); /* a database log: no directory to guard */
	if (s->zones == NULL && !s->db) {
		/* armistice init copies the agreement's zone files to DIR/zones. */
		static char zdir[4096];
		snprintf(zdir, sizeof(zdir), "%s/zones", s->dir);
		s->zones = zdir;
	}
	return -1;
}

/*
 * Before any log is opened: the config, the key, the listening socket
 * (*lfd), the sandbox entered (sandbox.h: check as the user, read the key
 * and bind, then drop), the rules hook's engine. On failure nothing is
 * left open.
 */
static int
serve_prepare(struct serve *s, const struct serve_args *a, struct log_config *cfg, int *lfd,
              struct arm_err *e)
{
	static struct sandbox sb;
	struct stat zst;

	*lfd = -1;
	ARM_TRY(log_config_read(s->dir, cfg, e));
	if (a->keyf == NULL && cfg->key_path[0] == '\0')
		return arm_err_set(e, ARM_EUSAGE, "no --key and '%s' names no key file", s->dir);
	if (sandbox_user(&sb, "serve", a->user, a->group, e) != ARM_OK ||
	    (!s->db && sandbox_check(&sb, s->dir, SANDBOX_RW, e) != ARM_OK) ||
	    (s->zones != NULL && stat(s->zones, &zst) == 0 &&
	     sandbox_check(&sb, s->zones, SANDBOX_RO, e) != ARM_OK))
		return e->rc;
	ARM_TRY(cli_key_signer(a->keyf ? a->keyf : cfg->key_path, &s->key, e));
	if (s->key.ops != NULL)
		sandbox_external_key(&sb);
	if (sandbox_listen(a->listen, lfd, e) != ARM_OK ||
	    (!s->db && sandbox_allow(&sb, s->dir, SANDBOX_RW, true, e) != ARM_OK) ||
	    (s->zones != NULL && sandbox_allow(&sb, s->zones, SANDBOX_RO, false, e) != ARM_OK) ||
	    sandbox_allow_http_client(&sb, e) != ARM_OK || sandbox_enter(&sb, e) != ARM_OK)
		goto fail;
	sandbox_report(&sb, stderr);
	if ((s->hook = calloc(1, sizeof(*s->hook))) == NULL) {
		arm_err_set(e, ARM_ENOMEM, "out of memory");
		goto fail;
	}
	if (cli_replay_init(s->hook, s->zones, ENGINE_NO_TIME, true, e) != ARM_OK) {
		free(s->hook);
		s->hook = NULL;
		goto fail;
	}
	return ARM_OK;
fail:
	if (*lfd >= 0)
		close(*lfd);
	*lfd = -1;
	note_signer_release(&s->key);
	return e->rc;
}

/*
 * The log opened (as the sequencer, or as a front end: serve_open) and
 * what is built on it: the state cache, scores, tile cache, witness set,
 * entry 0, the rules engine replayed, and for the sequencer the
 * submission queue and its receipts. serve_unload() undoes it.
 */
static int
serve_load(struct serve *s, const struct serve_args *a, struct log_opts *lo,
           const struct log_config *cfg, struct store **wst, struct arm_err *e)
{
	struct scache_opts sco;
	struct submitq_ops sqo = {s,
	                          serve_sq_append,
	                          serve_sq_keys,
	                          serve_sq_committed,
	                          serve_receipt,
	                          serve_sq_late,
	                          serve_sq_wait_ms};

	/*
	 * A standby serves as a front end (frontend.h) while another serve
	 * holds the log's advisory lock; the server drops it when that
	 * session ends (store_pg.h), and the front end takes it over.
	 */
	ARM_TRY(serve_open(s, lo, cfg, a->standby, wst, e));
	scache_opts_init(&sco);
	sco.every = (uint64_t)a->state_every;
	sco.mem_bytes = (size_t)a->state_mib << 20;
	ARM_TRY(scache_new(&s->sc, s->log, s->zones, &sco, e));
	ARM_TRY(scores_new(&s->scores, s->log, s->sc, e));
	ARM_TRY(tcache_new(&s->tc, 65536, (size_t)a->tile_mib << 20, e));
	witset_init(&s->wset);
	/*
	 * Entry 0 says what the log is; for an agreement, the start-up lines
	 * about its witnesses are printed here (serve_match_witnesses).
	 */
	if (serve_load_agreement(s, e) != ARM_OK) {
		arm_err_prefix(e, "log '%s': entry 0", s->dir);
		return e->rc;
	}
	s->hook_kind = s->kind;
	/* The rules engine of an agreement log starts from every committed entry. */
	if (s->kind != SERVE_PLAIN && cli_replay_scan(s->hook, s->log, 0, log_size(s->log),
	                                              cli_replay_apply, s->hook, e) != ARM_OK) {
		arm_err_prefix(e, "replaying '%s'", s->dir);
		return e->rc;
	}
	if (s->kind == SERVE_PLAIN)
		fprintf(stderr,
		        "armistice serve: log '%s' is a plain log (entry 0 is not an "
		        "agreement): no rules, no witnesses, no /state\n",
		        s->dir);
	/* the sequencer's; a front end forwards (serve_add) */
	if (s->fe == NULL) {
		ARM_TRY(rcpt_new(&s->rcpt, s->log, e));
		ARM_TRY(submitq_new(&s->sq, &sqo, serve_ncpu(), e));
		/*
		 * What is already published answers at once: after a takeover
		 * clients resubmit entries the old sequencer committed and
		 * published, and nothing new may be published for a while.
		 */
		submitq_published(s->sq, log_published_size(s->log));
	}
	return ARM_OK;
}

/* The sequencer runs until a signal: publisher thread, advertisement, drain. */
static int
serve_run(struct serve *s, struct httpd *h, const char *url, const char *advertise,
          struct store *wst, struct arm_err *e)
{
	int sig;

	if (pthread_create(&s->pubthr, NULL, serve_publisher, s) != 0) {
		httpd_stop(h);
		return arm_err_set(e, ARM_EIO, "cannot start the publisher thread");
	}
	/* Front ends forward submissions to the URL in the lease row. */
	if (wst != NULL && store_pg_advertise(wst, advertise ? advertise : url, e) != ARM_OK)
		fprintf(stderr, "armistice serve: front ends cannot forward to this server: %s\n",
		        e->msg);
	fprintf(stderr, "armistice serve: log '%s' (%s) size %" PRIu64 " listening on %s/\n",
	        s->dir, log_origin(s->log), log_size(s->log), url);
	sig = httpd_wait_signal();
	fprintf(stderr, "armistice serve: signal %d, draining\n", sig);
	httpd_stop(h);
	pthread_mutex_lock(&s->pubmu);
	s->stop = true;
	pthread_cond_broadcast(&s->pubcv);
	pthread_mutex_unlock(&s->pubmu);
	pthread_join(s->pubthr, NULL);
	fprintf(stderr, "armistice serve: stopped at size %" PRIu64 ", published %" PRIu64 "\n",
	        log_size(s->log), log_published_size(s->log));
	{
		struct scache_stats st;
		scache_stats(s->sc, &st);
		fprintf(stderr,
		        "armistice serve: /state?index=,?at=: %" PRIu64 " answers, %" PRIu64
		        " from recent answers, %" PRIu64 " entries replayed (at most %" PRIu64
		        " for one ?index=); %zu copies every %" PRIu64 " entries, %zu KiB\n",
		        st.requests, st.hits, st.replayed, st.max_index, st.copies, st.every,
		        st.bytes >> 10);
	}
	return ARM_OK;
}

/* Everything cmd_serve() built, released (the log closed last but one). */
static void
serve_release(struct serve *s)
{
	submitq_stop(s->sq); /* nothing appends after this */
	frontend_close(s->fe);
	log_close(s->log);
	if (s->have_agr)
		agreement_release(&s->agr);
	witset_release(&s->wset);
	if (s->hook != NULL)
		cli_replay_release(s->hook);
	free(s->hook);
	if (s->have_live)
		cli_replay_release(&s->live);
	scores_free(s->scores);
	scache_free(s->sc);
	rlimit_free(s->rl);
	rlimit_free(s->rl_add);
	submitq_free(s->sq);
	rcpt_free(s->rcpt);
	tcache_free(s->tc);
	note_signer_release(&s->key);
}

int
cmd_serve(int argc, char **argv)
{
	static struct serve s; /* large; one per process */
	static struct serve_args a;
	struct store *wst = NULL;
	struct log_config cfg;
	struct log_opts lo;
	struct httpd *h = NULL;
	struct arm_err e;
	char url[128];
	int lfd = -1, rc, ret = 0;

	memset(&s, 0, sizeof(s));
	if ((ret = serve_parse_args(argc, argv, &s, &a)) >= 0)
		return ret;
	ret = 0;
	if (serve_prepare(&s, &a, &cfg, &lfd, &e) != ARM_OK)
		return e.rc == ARM_EUSAGE ? cli_usage_error("serve", "%s", e.msg) : cli_fail(&e);
	memset(&lo, 0, sizeof(lo));
	lo.writer = true;
	lo.key = &s.key;
	lo.batch_ms = (unsigned)a.batch_ms;
	lo.manual_publish = true;
	lo.hooks.ctx = &s;
	lo.hooks.check = serve_hook_check;
	lo.hooks.done = serve_hook_done;
	lo.hooks.clock = serve_hook_clock;
	lo.hooks.retract = serve_hook_retract;
	pthread_mutex_init(&s.agrmu, NULL);
	pthread_mutex_init(&s.kindmu, NULL);
	pthread_mutex_init(&s.livemu, NULL);
	pthread_rwlock_init(&s.hooklk, NULL);
	pthread_mutex_init(&s.pubmu, NULL);
	pthread_cond_init(&s.pubcv, NULL);
	if ((a.rate > 0 && (rc = rlimit_new(&s.rl, (double)a.rate, (double)a.rate_burst,
	                                    (size_t)a.rate_table, &e)) != ARM_OK) ||
	    (a.add_rate > 0 && (rc = rlimit_new(&s.rl_add, (double)a.add_rate, (double)a.add_burst,
	                                        (size_t)a.rate_table, &e)) != ARM_OK))
		goto fail;
	for (;;) {
		bool takeover = false;
		struct httpd_opts o = a.o;

		if ((rc = serve_load(&s, &a, &lo, &cfg, &wst, &e)) != ARM_OK)
			goto fail;
		o.name = "serve";
		o.listen = a.listen;
		o.max_body = SERVE_MAX_BODY;
		o.handler = serve_handle;
		o.fast = serve_fast;
		o.drain = serve_drain;
		o.pool = serve_ncpu();
		o.workers = 2 * o.pool < 4 ? 4 : 2 * o.pool;
		o.ctx = &s;
		/* A front end's server stops at a takeover; the socket stays for the next. */
		o.listen_fd = s.fe != NULL ? dup(lfd) : lfd;
		if (s.fe == NULL)
			lfd = -1; /* the daemon's now */
		if ((rc = httpd_start(&h, &o, &e)) != ARM_OK)
			goto fail;
		httpd_base_url(h, url, sizeof(url));
		if (s.fe == NULL)
			break;
		if ((rc = serve_frontend_run(&s, h, url, &lo.store, &takeover, &e)) != ARM_OK ||
		    !takeover)
			goto fail;
	}
	rc = serve_run(&s, h, url, a.advertise, wst, &e);
fail:
	if (lfd >= 0)
		close(lfd);
	if (rc != ARM_OK)
		ret = cli_fail(&e);
	serve_release(&s);
	return ret;
}
