/* httpd.c - see include/armistice/httpd.h. libmicrohttpd 0.9.7x. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "armistice/httpd.h"
#include "armistice/httpframe.h"
#include "armistice/common.h"

/*
 * One connection, from libmicrohttpd's STARTED notification to its CLOSED
 * one. fr is fed by the recv() below, in the connection's own thread;
 * phase and since are read by the reaper.
 */
struct httpd_conn {
	struct httpd *h;
	int fd;
	struct httpframe fr;
	atomic_int phase;      /* enum httpframe_phase, as of the last read */
	atomic_llong since_ms; /* when that phase (or that request) began */
	bool refused;          /* fr refused the stream: answer 400 and close */
	atomic_bool cut;       /* the reaper cut it at a deadline */
	char addr[INET6_ADDRSTRLEN];
	struct httpd_conn *prev, *next; /* h->conns, under h->connmu */
};

struct httpd {
	struct MHD_Daemon *d;
	struct httpd_opts o;
	atomic_uint inflight;  /* requests between first byte and completion */
	pthread_mutex_t logmu; /* one access-log line at a time */
	/*
	 * connmu guards conns and nconns, and every shutdown() the reaper
	 * makes: a connection leaves conns (CLOSED notification, under connmu)
	 * before libmicrohttpd closes its fd, so the reaper never shuts down
	 * a descriptor that has been closed and handed to someone else.
	 */
	pthread_mutex_t connmu;
	pthread_cond_t reapcv;
	struct httpd_conn *conns;
	unsigned nconns;
	bool reaper_stop;
	pthread_t reaper;
	int lfd;
	unsigned port;
	char host[INET6_ADDRSTRLEN + 2]; /* as given, with brackets for IPv6 */
	/* pool mode: the slow lane, requests waiting for a worker (jobmu) */
	pthread_mutex_t jobmu;
	pthread_cond_t jobcv;
	struct httpd_rctx *jobs, *jobs_tail;
	bool jobs_stop;
	pthread_t *workers;
	unsigned nworkers;
};

struct httpd_fixed {
	struct MHD_Response *r;
	size_t len;
	unsigned char bytes[];
};

/* Per request: what the access log needs and the body being read. */
struct httpd_rctx {
	char *raw_uri;
	char method[16];
	char version[16];
	struct buf body;
	struct timespec start;
	int status;
	uint64_t bytes;
	bool too_big;
	bool answered;
	bool counted;
	/*
	 * An answer given off the event loop (pool mode). The connection is
	 * suspended from the hand-over until the answer is ready; gate counts
	 * what must happen before it is resumed: the handler's return, and,
	 * when it deferred, httpd_finish().
	 */
	struct httpd *h;
	struct MHD_Connection *conn;
	struct httpd_req rq;
	struct httpd_resp resp;
	atomic_int gate;
	bool deferred;
	bool suspended; /* suspended by us, not yet resumed */
	atomic_bool ready;
	struct httpd_rctx *next_job;
};

static const char HTTPD_TEXT[] = "text/plain; charset=utf-8";

void
httpd_text(struct httpd_resp *rs, int status, const char *fmt, ...)
{
	va_list ap;
	char line[ARM_ERR_MAX + 64];

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	rs->status = status;
	rs->ctype = HTTPD_TEXT;
	rs->cache = "no-store";
	buf_reset(&rs->body);
	if (buf_printf(&rs->body, NULL, "%s\n", line) != ARM_OK)
		rs->status = 500;
}

int
httpd_status_for(enum arm_rc rc)
{
	switch (rc) {
	case ARM_OK: return 200;
	case ARM_ESYNTAX: return 400;
	case ARM_EVERIFY: return 403;
	case ARM_ERULE: return 422;
	case ARM_ELIMIT: return 413;
	case ARM_ENOTFOUND: return 404;
	case ARM_ECONFLICT: return 409;
	case ARM_EUSAGE: return 400;
	case ARM_EBUSY: return 503;
	case ARM_EIO:
	case ARM_ENOMEM:
	default: return 500;
	}
}

const char *
httpd_query(const struct httpd_req *r, const char *key)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *
httpd_header(const struct httpd_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

int
httpd_parse_listen(const char *s, void *ss, size_t *slen, struct arm_err *e)
{
	char host[128];
	const char *colon, *h0, *h1;
	char *end;
	unsigned long port;
	struct sockaddr_in *a4 = ss;
	struct sockaddr_in6 *a6 = ss;

	memset(ss, 0, sizeof(struct sockaddr_storage));
	if (s[0] == '[') {
		h0 = s + 1;
		if ((h1 = strchr(s, ']')) == NULL || h1[1] != ':')
			goto bad;
		colon = h1 + 1;
	} else {
		h0 = s;
		if ((colon = strrchr(s, ':')) == NULL)
			goto bad;
		h1 = colon;
	}
	if ((size_t)(h1 - h0) >= sizeof(host) || h1 == h0)
		goto bad;
	memcpy(host, h0, (size_t)(h1 - h0));
	host[h1 - h0] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || end == colon + 1 || port > 65535 || colon[1] == '-' ||
	    colon[1] == '+')
		goto bad;
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		*slen = sizeof(*a4);
		return ARM_OK;
	}
	if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*slen = sizeof(*a6);
		return ARM_OK;
	}
bad:
	return arm_err_set(e, ARM_EUSAGE,
	                   "listen address '%s' is not HOST:PORT with a numeric host "
	                   "(e.g. 127.0.0.1:8080)",
	                   s);
}

/*
 * An access-log line, built in memory and written with one write: stderr
 * is unbuffered, and a line written piece by piece costs a system call
 * per piece (about 30 per request).
 */
struct httpd_line {
	char b[3072];
	size_t n;
};

static void httpd_line_add(struct httpd_line *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
httpd_line_add(struct httpd_line *l, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (l->n >= sizeof(l->b) - 1)
		return;
	va_start(ap, fmt);
	k = vsnprintf(l->b + l->n, sizeof(l->b) - l->n, fmt, ap);
	va_end(ap);
	if (k > 0)
		l->n = l->n + (size_t)k < sizeof(l->b) - 1 ? l->n + (size_t)k : sizeof(l->b) - 1;
}

/* Appends s with quotes, backslashes and controls escaped (truncated to fit). */
static void
httpd_line_str(struct httpd_line *l, const char *s)
{
	for (; s != NULL && *s && l->n < sizeof(l->b) - 8; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			httpd_line_add(l, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			httpd_line_add(l, "\\x%02x", c);
		else
			l->b[l->n++] = (char)c;
	}
	l->b[l->n] = '\0';
}

static void
httpd_line_emit(struct httpd *h, struct httpd_line *l)
{
	FILE *f = h->o.log ? h->o.log : stderr;

	l->b[l->n < sizeof(l->b) - 1 ? l->n++ : sizeof(l->b) - 2] = '\n';
	pthread_mutex_lock(&h->logmu);
	fwrite(l->b, 1, l->n, f);
	fflush(f);
	pthread_mutex_unlock(&h->logmu);
}

static long long
httpd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One access-log line for a connection refused or cut before a request could be logged. */
static void
httpd_log_conn(struct httpd *h, const struct httpd_conn *c, int status, long long ms,
               const char *tag, const char *why)
{
	struct httpd_line l = {.n = 0};
	char when[64];
	struct tm tm;
	time_t t = time(NULL);

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%d/%b/%Y:%H:%M:%S +0000", &tm);
	httpd_line_add(&l, "%s - - [%s] \"-\" %d 0 \"-\" \"-\" %lldms %s", c->addr, when, status,
	               ms, tag);
	if (why != NULL) {
		httpd_line_add(&l, ": ");
		httpd_line_str(&l, why);
	}
	httpd_line_emit(h, &l);
}

/*
 * The framing check sits under libmicrohttpd's reads. libmicrohttpd 0.9.75
 * reads a connection with recv(fd, buf, len, 0) through the dynamic
 * linker, so this definition of recv() in the program is the one it calls
 * (ELF symbol interposition); every other caller (libcurl, ...) passes
 * straight through to the kernel. A descriptor is in httpd_fdmap from the
 * STARTED notification to the CLOSED one, which libmicrohttpd sends
 * before it closes the descriptor. If a future libmicrohttpd read some
 * other way, no byte would pass the check and httpd_access() refuses
 * every request (fail closed) instead of serving unchecked ones.
 */
struct httpd_fdmap {
	size_t n;
	_Atomic(struct httpd_conn *) *c;
};
static _Atomic(struct httpd_fdmap *) httpd_fdmap;

static struct httpd_conn *
httpd_fd_conn(int fd)
{
	struct httpd_fdmap *m = atomic_load_explicit(&httpd_fdmap, memory_order_acquire);

	if (m == NULL || fd < 0 || (size_t)fd >= m->n)
		return NULL;
	return atomic_load_explicit(&m->c[fd], memory_order_acquire);
}

static void
httpd_fd_set(int fd, struct httpd_conn *c)
{
	struct httpd_fdmap *m = atomic_load_explicit(&httpd_fdmap, memory_order_acquire);

	if (m != NULL && fd >= 0 && (size_t)fd < m->n)
		atomic_store_explicit(&m->c[fd], c, memory_order_release);
}

/* Answers 400 with the broken rule, then ends the stream (RFC 9112 §6.1, §6.3). */
static void
httpd_refuse(struct httpd_conn *c)
{
	char msg[512];
	int n, body;

	body = (int)strlen(c->fr.why) + 1;
	n = snprintf(
	    msg, sizeof(msg),
	    "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Connection: close\r\nCache-Control: no-store\r\nContent-Length: %d\r\n\r\n%s\n",
	    body, c->fr.why);
	if (n > 0 && (size_t)n < sizeof(msg) &&
	    send(c->fd, msg, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		(void)0; /* the client is gone: nothing more to tell it */
	shutdown(c->fd, SHUT_WR);
	httpd_log_conn(c->h, c, 400, 0, "refused", c->fr.why);
}

ssize_t
recv(int fd, void *buf, size_t len, int flags)
{
	struct httpd_conn *c = flags == 0 && len > 0 ? httpd_fd_conn(fd) : NULL;
	enum httpframe_phase before;
	uint64_t reqs;
	ssize_t r;
	size_t ok;

	if (c == NULL)
		return recvfrom(fd, buf, len, flags, NULL, NULL);
	if (c->refused) {
		/* The bytes before the refused request have been answered. */
		httpd_refuse(c);
		return 0;
	}
	r = recvfrom(fd, buf, len, 0, NULL, NULL);
	if (r <= 0)
		return r;
	before = c->fr.phase;
	reqs = c->fr.requests;
	ok = httpframe_feed(&c->fr, buf, (size_t)r);
	if (c->fr.phase != before || c->fr.requests != reqs)
		atomic_store(&c->since_ms, httpd_now_ms());
	atomic_store(&c->phase, (int)c->fr.phase);
	if (c->fr.phase != HTTPFRAME_BAD)
		return r;
	/*
	 * Hand over only what precedes the refused byte, so a request before
	 * it is still answered and the refused one is never complete. Reading
	 * is shut: the socket stays readable, so libmicrohttpd comes back for
	 * more once it has answered what it has, and gets the 400 and the end.
	 */
	c->refused = true;
	shutdown(fd, SHUT_RD);
	if (ok > 0)
		return (ssize_t)ok;
	httpd_refuse(c);
	return 0;
}

static void
httpd_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
             enum MHD_ConnectionNotificationCode code)
{
	struct httpd *h = cls;
	struct httpd_conn *c = *socket_context;
	const union MHD_ConnectionInfo *ci;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		if ((c = calloc(1, sizeof(*c))) == NULL)
			return; /* never in httpd_fdmap: httpd_access refuses its requests */
		c->h = h;
		ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		c->fd = ci != NULL ? ci->connect_fd : -1;
		snprintf(c->addr, sizeof(c->addr), "-");
		ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		if (ci != NULL && ci->client_addr != NULL) {
			const struct sockaddr *sa = ci->client_addr;
			if (sa->sa_family == AF_INET)
				inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
				          c->addr, sizeof(c->addr));
			else if (sa->sa_family == AF_INET6)
				inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr,
				          c->addr, sizeof(c->addr));
		}
		httpframe_init(&c->fr);
		atomic_init(&c->phase, HTTPFRAME_IDLE);
		atomic_init(&c->since_ms, httpd_now_ms());
		atomic_init(&c->cut, false);
		pthread_mutex_lock(&h->connmu);
		c->next = h->conns;
		if (h->conns != NULL)
			h->conns->prev = c;
		h->conns = c;
		h->nconns++;
		pthread_mutex_unlock(&h->connmu);
		httpd_fd_set(c->fd, c);
		*socket_context = c;
		return;
	}
	if (c == NULL)
		return;
	/* CLOSED: libmicrohttpd closes the descriptor after this returns. */
	pthread_mutex_lock(&h->connmu);
	httpd_fd_set(c->fd, NULL);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		h->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	h->nconns--;
	pthread_mutex_unlock(&h->connmu);
	*socket_context = NULL;
	free(c);
}

/*
 * The reaper: a request head must arrive within head_s of its first byte
 * and a body within body_s of the end of its head, however the bytes are
 * spaced (the idle timeout alone is reset by every byte). When three
 * quarters of max_conns are taken, both limits drop to HTTPD_PRESSURE_MS,
 * so clients still reading a request make room for new ones. Requests
 * being answered (a POST /add waiting for its cosignatures) are never cut.
 */
#define HTTPD_PRESSURE_MS 2000
#define HTTPD_REAP_MS 100

static void *
httpd_reaper(void *arg)
{
	struct httpd *h = arg;
	struct httpd_conn *c;
	struct timespec ts;
	long long now, head_ms, body_ms, limit;
	bool pressure;
	int ph;

	pthread_mutex_lock(&h->connmu);
	while (!h->reaper_stop) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += HTTPD_REAP_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&h->reapcv, &h->connmu, &ts);
		now = httpd_now_ms();
		pressure = (unsigned long)h->nconns * 4 >= (unsigned long)h->o.max_conns * 3;
		head_ms = (long long)h->o.head_s * 1000;
		body_ms = (long long)h->o.body_s * 1000;
		if (pressure) {
			head_ms = head_ms < HTTPD_PRESSURE_MS ? head_ms : HTTPD_PRESSURE_MS;
			body_ms = body_ms < HTTPD_PRESSURE_MS ? body_ms : HTTPD_PRESSURE_MS;
		}
		for (c = h->conns; c != NULL; c = c->next) {
			ph = atomic_load(&c->phase);
			limit = ph == HTTPFRAME_HEAD ? head_ms : ph == HTTPFRAME_BODY ? body_ms : 0;
			if (limit == 0 || atomic_load(&c->cut) ||
			    now - atomic_load(&c->since_ms) <= limit)
				continue;
			atomic_store(&c->cut, true);
			/* Wakes the connection's thread: its next read sees the end. */
			shutdown(c->fd, SHUT_RDWR);
			httpd_log_conn(h, c, 408, now - atomic_load(&c->since_ms),
			               ph == HTTPFRAME_HEAD ? "head-deadline" : "body-deadline",
			               NULL);
		}
	}
	pthread_mutex_unlock(&h->connmu);
	return NULL;
}

static void *
httpd_uri_log(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct httpd *h = cls;
	struct httpd_rctx *rc = calloc(1, sizeof(*rc));

	(void)conn;
	if (rc == NULL)
		return NULL;
	rc->raw_uri = strdup(uri ? uri : "");
	buf_init(&rc->body, h->o.max_body);
	rc->h = h;
	httpd_resp_init(&rc->resp);
	clock_gettime(CLOCK_MONOTONIC, &rc->start);
	atomic_fetch_add(&h->inflight, 1);
	rc->counted = true;
	return rc;
}

static void
httpd_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                enum MHD_RequestTerminationCode toe)
{
	struct httpd *h = cls;
	struct httpd_rctx *rc = *con_cls;
	const union MHD_ConnectionInfo *ci;
	struct httpd_conn *hc;
	char addr[INET6_ADDRSTRLEN] = "-", when[64];
	const char *ref, *ua;
	struct timespec now;
	struct tm tm;
	time_t t;
	struct httpd_line l = {.n = 0};
	long ms;

	if (rc == NULL)
		return;
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	hc = ci != NULL ? ci->socket_context : NULL;
	if (hc != NULL && (hc->refused || atomic_load(&hc->cut)) && !rc->answered)
		goto done; /* its line was written when it was refused or cut */
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci != NULL && ci->client_addr != NULL) {
		const struct sockaddr *sa = ci->client_addr;
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, addr,
			          sizeof(addr));
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, addr,
			          sizeof(addr));
	}
	t = time(NULL);
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%d/%b/%Y:%H:%M:%S +0000", &tm);
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long)((now.tv_sec - rc->start.tv_sec) * 1000 +
	            (now.tv_nsec - rc->start.tv_nsec) / 1000000);
	ref = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_REFERER);
	ua = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_USER_AGENT);
	/* Combined Log Format, plus the duration in ms and how the request ended. */
	httpd_line_add(&l, "%s - - [%s] \"", addr, when);
	httpd_line_str(&l, rc->method[0] ? rc->method : "-");
	httpd_line_add(&l, " ");
	httpd_line_str(&l, rc->raw_uri);
	httpd_line_add(&l, " ");
	httpd_line_str(&l, rc->version[0] ? rc->version : "-");
	httpd_line_add(&l, "\" %d %" PRIu64 " \"",
	               rc->status ? rc->status
	                          : (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? 200 : 499),
	               rc->bytes);
	httpd_line_str(&l, ref ? ref : "-");
	httpd_line_add(&l, "\" \"");
	httpd_line_str(&l, ua ? ua : "-");
	httpd_line_add(&l, "\" %ldms%s", ms,
	               toe == MHD_REQUEST_TERMINATED_COMPLETED_OK      ? ""
	               : toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ? " timeout"
	                                                               : " aborted");
	httpd_line_emit(h, &l);
done:
	if (rc->counted)
		atomic_fetch_sub(&h->inflight, 1);
	buf_release(&rc->resp.body);
	if (rc->resp.fd >= 0)
		close(rc->resp.fd);
	buf_release(&rc->body);
	free(rc->raw_uri);
	free(rc);
	*con_cls = NULL;
}

static enum MHD_Result
httpd_queue(struct httpd *h, struct MHD_Connection *conn, struct httpd_rctx *rc,
            struct httpd_resp *rs, const char *method)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	(void)h;
	if (rs->fixed != NULL) {
		/* Prepared once with its headers; MHD counts its users. */
		if (rs->fd >= 0)
			close(rs->fd);
		rs->fd = -1;
		rc->bytes = strcmp(method, "HEAD") == 0 ? 0 : rs->fixed->len;
		rc->status = 200;
		rc->answered = true;
		return MHD_queue_response(conn, MHD_HTTP_OK, rs->fixed->r);
	}
	if (rs->fd >= 0) {
		r = MHD_create_response_from_fd64(rs->fd_len, rs->fd);
		if (r == NULL)
			close(rs->fd);
		rc->bytes = rs->fd_len;
	} else {
		r = MHD_create_response_from_buffer(rs->body.len,
		                                    rs->body.data ? rs->body.data : (void *)"",
		                                    MHD_RESPMEM_MUST_COPY);
		rc->bytes = rs->body.len;
	}
	rs->fd = -1;
	if (r == NULL)
		return MHD_NO;
	if (strcmp(method, "HEAD") == 0)
		rc->bytes = 0;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	                        rs->ctype ? rs->ctype : HTTPD_TEXT);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	/* The read API is public: any dashboard or auditor may fetch it. */
	MHD_add_response_header(r, MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_ORIGIN, "*");
	if (rs->cache != NULL)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, rs->cache);
	if (rs->retry_after > 0) {
		char ra[16];
		snprintf(ra, sizeof(ra), "%u", rs->retry_after);
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, ra);
	}
	rc->status = rs->status;
	rc->answered = true;
	ret = MHD_queue_response(conn, (unsigned)rs->status, r);
	MHD_destroy_response(r);
	return ret;
}

/* Is a Content-Length value unparseable or over max? */
static bool
httpd_too_long(const char *cl, size_t max)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(cl, &end, 10);
	return errno != 0 || *end != '\0' || end == cl || n > max;
}

void
httpd_resp_init(struct httpd_resp *rs)
{
	memset(rs, 0, sizeof(*rs));
	rs->status = 500;
	rs->fd = -1;
	buf_init(&rs->body, 1u << 24);
}

/* Frees what an answer holds (its body and fd); rs is empty afterwards. */
static void
httpd_resp_drop(struct httpd_resp *rs)
{
	buf_release(&rs->body);
	if (rs->fd >= 0)
		close(rs->fd);
	rs->fd = -1;
}

struct httpd_fixed *
httpd_fixed_new(const void *bytes, size_t len, const char *ctype, const char *cache)
{
	struct httpd_fixed *f = malloc(sizeof(*f) + (len ? len : 1));

	if (f == NULL)
		return NULL;
	memcpy(f->bytes, bytes, len);
	f->len = len;
	f->r = MHD_create_response_from_buffer(len, f->bytes, MHD_RESPMEM_PERSISTENT);
	if (f->r == NULL) {
		free(f);
		return NULL;
	}
	MHD_add_response_header(f->r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype ? ctype : HTTPD_TEXT);
	MHD_add_response_header(f->r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(f->r, MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_ORIGIN, "*");
	if (cache != NULL)
		MHD_add_response_header(f->r, MHD_HTTP_HEADER_CACHE_CONTROL, cache);
	return f;
}

size_t
httpd_fixed_size(const struct httpd_fixed *f)
{
	return f->len;
}

void
httpd_fixed_free(struct httpd_fixed *f)
{
	if (f == NULL)
		return;
	MHD_destroy_response(f->r);
	free(f);
}

/* Lets libmicrohttpd send the answer now in rc->resp: once per request. */
static void
httpd_wake(struct httpd_rctx *rc)
{
	atomic_store(&rc->ready, true);
	rc->suspended = false;
	MHD_resume_connection(rc->conn);
}

struct httpd_later *
httpd_defer(const struct httpd_req *rq)
{
	struct httpd_rctx *rc = rq->priv;

	if (rc == NULL || rc->h->o.pool == 0 || rc->deferred)
		return NULL;
	rc->deferred = true;
	atomic_fetch_add(&rc->gate, 1);
	if (!rc->suspended) {
		/* On the event loop: suspended before anyone may finish it. */
		rc->suspended = true;
		MHD_suspend_connection(rc->conn);
	}
	return (struct httpd_later *)rc;
}

const struct httpd_req *
httpd_later_req(const struct httpd_later *l)
{
	return &((const struct httpd_rctx *)l)->rq;
}

void
httpd_finish(struct httpd_later *l, struct httpd_resp *rs)
{
	struct httpd_rctx *rc = (struct httpd_rctx *)l;

	rc->resp = *rs;
	if (atomic_fetch_sub(&rc->gate, 1) == 1)
		httpd_wake(rc);
}

/*
 * Runs the handler for rc (on the event loop or a worker). Returns true
 * if rc->resp holds the answer to send now; false if it was deferred
 * (httpd_finish() sends it).
 */
static bool
httpd_run(struct httpd *h, struct httpd_rctx *rc)
{
	struct httpd_resp rs;

	httpd_resp_init(&rs);
	atomic_store(&rc->gate, 1);
	h->o.handler(h->o.ctx, &rc->rq, &rs);
	if (!rc->deferred) {
		rc->resp = rs;
		return true;
	}
	httpd_resp_drop(&rs);
	/* The answer may already be there: then the handler's return releases it. */
	if (atomic_fetch_sub(&rc->gate, 1) == 1)
		httpd_wake(rc);
	return false;
}

/* The slow lane: workers run handlers of suspended connections. */
static void *
httpd_worker(void *arg)
{
	struct httpd *h = arg;
	struct httpd_rctx *rc;

	pthread_mutex_lock(&h->jobmu);
	for (;;) {
		while (h->jobs == NULL && !h->jobs_stop)
			pthread_cond_wait(&h->jobcv, &h->jobmu);
		if ((rc = h->jobs) == NULL)
			break;
		if ((h->jobs = rc->next_job) == NULL)
			h->jobs_tail = NULL;
		pthread_mutex_unlock(&h->jobmu);
		if (httpd_run(h, rc))
			httpd_wake(rc);
		pthread_mutex_lock(&h->jobmu);
	}
	pthread_mutex_unlock(&h->jobmu);
	return NULL;
}

static void
httpd_hand_over(struct httpd *h, struct httpd_rctx *rc)
{
	rc->suspended = true;
	MHD_suspend_connection(rc->conn);
	rc->next_job = NULL;
	pthread_mutex_lock(&h->jobmu);
	if (h->jobs_tail != NULL)
		h->jobs_tail->next_job = rc;
	else
		h->jobs = rc;
	h->jobs_tail = rc;
	pthread_cond_signal(&h->jobcv);
	pthread_mutex_unlock(&h->jobmu);
}

/* The first call of a request: the framing check's word, the method, an early 413. */
static enum MHD_Result
httpd_head(struct httpd *h, struct MHD_Connection *conn, struct httpd_rctx *rc, const char *method,
           const char *version)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	const struct httpd_conn *hc = ci != NULL ? ci->socket_context : NULL;
	struct httpd_resp rs;
	enum MHD_Result ret;
	const char *cl;

	if (hc == NULL || hc->fr.requests == 0) {
		/* No byte of this request passed the framing check (see recv()). */
		fprintf(stderr, "armistice %s: request not seen by the framing check; refused\n",
		        h->o.name);
		return MHD_NO;
	}
	/* The first call brings only the headers; the body follows. */
	snprintf(rc->method, sizeof(rc->method), "%s", method);
	snprintf(rc->version, sizeof(rc->version), "%s", version);
	cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl == NULL || !httpd_too_long(cl, h->o.max_body))
		return MHD_YES;
	/* Refused from the header, before a byte of the body is read. */
	httpd_resp_init(&rs);
	httpd_text(&rs, 413, "request body larger than %zu bytes", h->o.max_body);
	ret = httpd_queue(h, conn, rc, &rs, method);
	httpd_resp_drop(&rs);
	return ret;
}

static enum MHD_Result
httpd_access(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
             const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct httpd *h = cls;
	struct httpd_rctx *rc = *con_cls;
	struct httpd_resp rs;
	enum MHD_Result ret;

	if (rc == NULL)
		return MHD_NO;
	if (rc->method[0] == '\0')
		return httpd_head(h, conn, rc, method, version);
	if (*upload_data_size > 0) {
		if (!rc->too_big &&
		    buf_append(&rc->body, upload_data, *upload_data_size, NULL) != ARM_OK) {
			rc->too_big = true;
			buf_release(&rc->body);
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (rc->answered)
		return MHD_YES;
	if (atomic_load(&rc->ready)) {
		/* Answered off the event loop; the connection has been resumed. */
		atomic_store(&rc->ready, false);
		ret = httpd_queue(h, conn, rc, &rc->resp, method);
		httpd_resp_drop(&rc->resp);
		return ret;
	}
	if (rc->suspended)
		return MHD_YES; /* not answered yet */
	if (rc->too_big) {
		httpd_resp_init(&rs);
		httpd_text(&rs, 413, "request body larger than %zu bytes", h->o.max_body);
		ret = httpd_queue(h, conn, rc, &rs, method);
		httpd_resp_drop(&rs);
		return ret;
	}
	if (rc->body.data == NULL && buf_append(&rc->body, "", 0, NULL) != ARM_OK)
		return MHD_NO;
	rc->conn = conn;
	rc->rq.method = method;
	rc->rq.path = url;
	rc->rq.raw_uri = rc->raw_uri;
	rc->rq.body = rc->body.data;
	rc->rq.body_len = rc->body.len;
	rc->rq.conn = conn;
	rc->rq.priv = rc;
	if (h->o.pool > 0 && (h->o.fast == NULL || !h->o.fast(h->o.ctx, &rc->rq))) {
		httpd_hand_over(h, rc);
		return MHD_YES;
	}
	if (!httpd_run(h, rc))
		return MHD_YES; /* deferred: suspended in httpd_defer() */
	ret = httpd_queue(h, conn, rc, &rc->resp, method);
	httpd_resp_drop(&rc->resp);
	return ret;
}

const char httpd_limits_usage[] =
    "  --max-conns N       simultaneous connections (default 1024)\n"
    "  --max-conns-per-ip N  connections from one client address (default 64)\n"
    "  --head-timeout S    a request head must arrive within S seconds of its\n"
    "                      first byte, however slowly it trickles (default 10)\n"
    "  --body-timeout S    a request body must arrive within S seconds of its\n"
    "                      head (default 30)\n"
    "  --idle-timeout S    close a connection silent for S seconds (default 10)\n";

int
httpd_limit_opt(struct httpd_opts *o, int c, const char *arg)
{
	unsigned *dst;
	unsigned long lo = 1, hi = 3600, v;
	char *end;

	switch (c) {
	case HTTPD_OPT_MAX_CONNS:
		dst = &o->max_conns;
		hi = 65536;
		break;
	case HTTPD_OPT_MAX_PER_IP:
		dst = &o->max_per_ip;
		hi = 65536;
		break;
	case HTTPD_OPT_HEAD_TIMEOUT: dst = &o->head_s; break;
	case HTTPD_OPT_BODY_TIMEOUT: dst = &o->body_s; break;
	case HTTPD_OPT_IDLE_TIMEOUT: dst = &o->idle_s; break;
	default: return 0;
	}
	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno != 0 || *end != '\0' || end == arg || arg[0] == '-' || arg[0] == '+' || v < lo ||
	    v > hi)
		return -1;
	*dst = (unsigned)v;
	return 1;
}

/*
 * Binds the listening socket here rather than in libmicrohttpd, so that a
 * port in use is a clear error: SO_REUSEADDR only lets a restart bind over
 * connections in TIME_WAIT; two servers never share a port (no
 * SO_REUSEPORT), so two processes cannot answer with different logs.
 */
static int
httpd_listen(struct httpd *h, const struct sockaddr_storage *ss, size_t slen, struct arm_err *e)
{
	struct sockaddr_storage got;
	socklen_t glen = sizeof(got);
	int fd, one = 1, err;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return arm_err_set(e, ARM_EIO, "%s: cannot listen on %s: %s", h->o.name,
		                   h->o.listen, strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)ss, (socklen_t)slen) != 0 || listen(fd, 1024) != 0 ||
	    getsockname(fd, (struct sockaddr *)&got, &glen) != 0 ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
		err = errno;
		close(fd);
		return arm_err_set(e, ARM_EIO, "%s: cannot listen on %s: %s%s", h->o.name,
		                   h->o.listen, strerror(err),
		                   err == EADDRINUSE ? " (another server is listening there)" : "");
	}
	h->port = ntohs(got.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&got)->sin6_port
	                                          : ((struct sockaddr_in *)&got)->sin_port);
	h->lfd = fd;
	return ARM_OK;
}

/*
 * Every connection takes a descriptor: raise the soft limit to the hard
 * one, keep 64 for the log, tiles and witness requests, and cap max_conns
 * to what is left. Also sizes httpd_fdmap (once per process).
 */
static int
httpd_fd_limits(struct httpd *h, struct arm_err *e)
{
	struct rlimit rl;
	struct httpd_fdmap *m;
	size_t n = 1024;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		if (rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
			getrlimit(RLIMIT_NOFILE, &rl);
		}
		n = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (1u << 20) ? (1u << 20)
		                                                             : (size_t)rl.rlim_cur;
	}
	if (n < 128)
		return arm_err_set(e, ARM_EIO, "%s: only %zu file descriptors (ulimit -n)",
		                   h->o.name, n);
	if (h->o.max_conns > n - 64) {
		fprintf(stderr, "armistice %s: --max-conns %u lowered to %zu (ulimit -n %zu)\n",
		        h->o.name, h->o.max_conns, n - 64, n);
		h->o.max_conns = (unsigned)(n - 64);
	}
	if (atomic_load(&httpd_fdmap) != NULL)
		return ARM_OK;
	if ((m = calloc(1, sizeof(*m))) == NULL || (m->c = calloc(n, sizeof(*m->c))) == NULL) {
		free(m);
		return arm_err_set(e, ARM_ENOMEM, "out of memory");
	}
	m->n = n;
	atomic_store(&httpd_fdmap, m);
	return ARM_OK;
}

/* The slow lane's threads (pool mode); 0, or -1 if none could start. */
static int
httpd_workers_start(struct httpd *h)
{
	unsigned i, n = h->o.workers ? h->o.workers : 4;

	if ((h->workers = calloc(n, sizeof(*h->workers))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (pthread_create(&h->workers[i], NULL, httpd_worker, h) != 0)
			break;
	h->nworkers = i;
	if (i == 0) {
		free(h->workers);
		h->workers = NULL;
		return -1;
	}
	return 0;
}

/* Lets the workers finish the requests handed over, then joins them. */
static void
httpd_workers_stop(struct httpd *h)
{
	unsigned i;

	pthread_mutex_lock(&h->jobmu);
	h->jobs_stop = true;
	pthread_cond_broadcast(&h->jobcv);
	pthread_mutex_unlock(&h->jobmu);
	for (i = 0; i < h->nworkers; i++)
		pthread_join(h->workers[i], NULL);
	free(h->workers);
	h->workers = NULL;
	h->nworkers = 0;
}

int
httpd_start(struct httpd **out, const struct httpd_opts *o, struct arm_err *e)
{
	struct httpd *h;
	struct sockaddr_storage ss;
	size_t slen;
	sigset_t set;
	unsigned flags;
	int rc;

	*out = NULL;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	ARM_TRY(httpd_parse_listen(o->listen, &ss, &slen, e));
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return arm_err_set(e, ARM_ENOMEM, "out of memory");
	h->o = *o;
	h->lfd = -1;
	if (h->o.max_conns == 0)
		h->o.max_conns = 1024;
	if (h->o.max_per_ip == 0)
		h->o.max_per_ip = 64;
	if (h->o.idle_s == 0)
		h->o.idle_s = 10;
	if (h->o.head_s == 0)
		h->o.head_s = 10;
	if (h->o.body_s == 0)
		h->o.body_s = 30;
	if (h->o.drain_s == 0)
		h->o.drain_s = 30;
	if (o->listen_fd > 0) {
		/* Bound before privileges were dropped (sandbox_listen()); ours now. */
		struct sockaddr_storage got;
		socklen_t glen = sizeof(got);
		h->lfd = o->listen_fd;
		if (getsockname(h->lfd, (struct sockaddr *)&got, &glen) != 0 ||
		    fcntl(h->lfd, F_SETFL, fcntl(h->lfd, F_GETFL) | O_NONBLOCK) != 0) {
			rc = arm_err_set(e, ARM_EIO, "%s: the listening socket for %s: %s", o->name,
			                 o->listen, strerror(errno));
			close(h->lfd);
			free(h);
			return rc;
		}
		h->port = ntohs(got.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&got)->sin6_port
		                                          : ((struct sockaddr_in *)&got)->sin_port);
	}
	if ((rc = httpd_fd_limits(h, e)) != ARM_OK ||
	    (h->lfd < 0 && (rc = httpd_listen(h, &ss, slen, e)) != ARM_OK)) {
		if (h->lfd >= 0)
			close(h->lfd);
		free(h);
		return rc;
	}
	atomic_init(&h->inflight, 0);
	pthread_mutex_init(&h->logmu, NULL);
	pthread_mutex_init(&h->connmu, NULL);
	pthread_cond_init(&h->reapcv, NULL);
	/*
	 * pool == 0: one thread per connection, a handler may block without
	 * holding up reads on any other connection. pool > 0: event loops
	 * (epoll), each connection pinned to one, and the slow lane's workers
	 * for handlers that may block (httpd.h). Slow clients are bounded by
	 * the deadlines (reaper), the per-address cap and max_conns in both.
	 */
	if (h->o.pool == 0)
		flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
		        MHD_USE_POLL | MHD_USE_ITC;
	else
		flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	pthread_mutex_init(&h->jobmu, NULL);
	pthread_cond_init(&h->jobcv, NULL);
	if (h->o.pool > 0 && httpd_workers_start(h) != 0) {
		rc = arm_err_set(e, ARM_EIO, "%s: cannot start a thread", o->name);
		goto fail;
	}
	if (pthread_create(&h->reaper, NULL, httpd_reaper, h) != 0) {
		rc = arm_err_set(e, ARM_EIO, "%s: cannot start a thread", o->name);
		httpd_workers_stop(h);
		goto fail;
	}
	h->d = MHD_start_daemon(
	    flags, 0, NULL, NULL, httpd_access, h, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)h->lfd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)h->o.max_conns,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)h->o.max_per_ip,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)h->o.idle_s,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024), MHD_OPTION_THREAD_STACK_SIZE,
	    (size_t)(512 * 1024), MHD_OPTION_NOTIFY_CONNECTION, httpd_notify, h,
	    MHD_OPTION_URI_LOG_CALLBACK, httpd_uri_log, h, MHD_OPTION_NOTIFY_COMPLETED,
	    httpd_completed, h, MHD_OPTION_SIGPIPE_HANDLED_BY_APP, 1,
	    h->o.pool > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, (unsigned)h->o.pool,
	    MHD_OPTION_END);
	if (h->d == NULL) {
		rc = arm_err_set(e, ARM_EIO, "%s: cannot start the HTTP server on %s", o->name,
		                 o->listen);
		pthread_mutex_lock(&h->connmu);
		h->reaper_stop = true;
		pthread_cond_signal(&h->reapcv);
		pthread_mutex_unlock(&h->connmu);
		pthread_join(h->reaper, NULL);
		httpd_workers_stop(h);
		goto fail;
	}
	snprintf(h->host, sizeof(h->host), "%.*s", (int)(strrchr(o->listen, ':') - o->listen),
	         o->listen);
	*out = h;
	return ARM_OK;
fail:
	close(h->lfd);
	pthread_cond_destroy(&h->jobcv);
	pthread_mutex_destroy(&h->jobmu);
	pthread_cond_destroy(&h->reapcv);
	pthread_mutex_destroy(&h->connmu);
	pthread_mutex_destroy(&h->logmu);
	free(h);
	return rc;
}

unsigned
httpd_port(const struct httpd *h)
{
	return h->port;
}

void
httpd_base_url(const struct httpd *h, char *out, size_t cap)
{
	snprintf(out, cap, "http://%s:%u", h->host, h->port);
}

int
httpd_wait_signal(void)
{
	sigset_t set;
	int sig = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	while (sigwait(&set, &sig) != 0)
		;
	return sig;
}

void
httpd_stop(struct httpd *h)
{
	MHD_socket ls;
	unsigned waited = 0;

	if (h == NULL)
		return;
	/* Stop accepting; requests already read run to their answer. */
	ls = MHD_quiesce_daemon(h->d);
	if (ls != MHD_INVALID_SOCKET)
		close(ls);
	/* Deferred answers are given now, and sent in the drain below. */
	if (h->o.drain != NULL)
		h->o.drain(h->o.ctx);
	while (atomic_load(&h->inflight) > 0 && waited < h->o.drain_s * 10) {
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
		waited++;
	}
	httpd_workers_stop(h);
	MHD_stop_daemon(h->d);
	pthread_mutex_lock(&h->connmu);
	h->reaper_stop = true;
	pthread_cond_signal(&h->reapcv);
	pthread_mutex_unlock(&h->connmu);
	pthread_join(h->reaper, NULL);
	pthread_cond_destroy(&h->jobcv);
	pthread_mutex_destroy(&h->jobmu);
	pthread_cond_destroy(&h->reapcv);
	pthread_mutex_destroy(&h->connmu);
	pthread_mutex_destroy(&h->logmu);
	free(h);
}

int
httpd_peer(const struct httpd_req *r, uint8_t out[16], size_t *len)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa;

	*len = 0;
	if (ci == NULL || (sa = ci->client_addr) == NULL)
		return -1;
	if (sa->sa_family == AF_INET) {
		memcpy(out, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		*len = 4;
	} else if (sa->sa_family == AF_INET6) {
		const uint8_t *a6 = (const uint8_t *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
		static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		/* An IPv4 client on a dual-stack socket is an IPv4 client. */
		if (memcmp(a6, v4mapped, 12) == 0) {
			memcpy(out, a6 + 12, 4);
			*len = 4;
		} else {
			memcpy(out, a6, 16);
			*len = 16;
		}
	} else {
		return -1;
	}
	return 0;
}
