/*
 * serve_read.c - the reads: tiles (prepared answers for full tiles),
 * entries and proofs, /agreement, /zone/ID, /state, the dashboard; the
 * router (serve_handle) and the per-address rate limits.
 */
#include "server/serve.h"

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

void
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
bool
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
	if (!scache_at_params(qa, qn, &at, &atnow, rs))
		return;
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

void
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
