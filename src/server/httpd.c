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
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "armistice/httpd.h"
#include "armistice/common.h"

struct httpd {
	struct MHD_Daemon *d;
	struct httpd_opts o;
	atomic_uint inflight;   /* requests between first byte and completion */
	pthread_mutex_t logmu;  /* one access-log line at a time */
	unsigned port;
	char host[INET6_ADDRSTRLEN + 2]; /* as given, with brackets for IPv6 */
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
	                   "(e.g. 127.0.0.1:8080)", s);
}

/* Writes s into the log with quotes, backslashes and controls escaped. */
static void
httpd_log_str(FILE *f, const char *s)
{
	for (; s != NULL && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
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
	char addr[INET6_ADDRSTRLEN] = "-", when[64];
	const char *ref, *ua;
	struct timespec now;
	struct tm tm;
	time_t t;
	FILE *f = h->o.log ? h->o.log : stderr;
	long ms;

	if (rc == NULL)
		return;
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci != NULL && ci->client_addr != NULL) {
		const struct sockaddr *sa = ci->client_addr;
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, addr, sizeof(addr));
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, addr,
			          sizeof(addr));
	}
	t = time(NULL);
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%d/%b/%Y:%H:%M:%S +0000", &tm);
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long)((now.tv_sec - rc->start.tv_sec) * 1000 + (now.tv_nsec - rc->start.tv_nsec) / 1000000);
	ref = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_REFERER);
	ua = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_USER_AGENT);
	/* Combined Log Format, plus the duration in ms and how the request ended. */
	pthread_mutex_lock(&h->logmu);
	fprintf(f, "%s - - [%s] \"", addr, when);
	httpd_log_str(f, rc->method[0] ? rc->method : "-");
	fputc(' ', f);
	httpd_log_str(f, rc->raw_uri);
	fputc(' ', f);
	httpd_log_str(f, rc->version[0] ? rc->version : "-");
	fprintf(f, "\" %d %" PRIu64 " \"",
	        rc->status ? rc->status : (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? 200 : 499),
	        rc->bytes);
	httpd_log_str(f, ref ? ref : "-");
	fputs("\" \"", f);
	httpd_log_str(f, ua ? ua : "-");
	fprintf(f, "\" %ldms%s\n", ms, toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" :
	        toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ? " timeout" : " aborted");
	fflush(f);
	pthread_mutex_unlock(&h->logmu);
	if (rc->counted)
		atomic_fetch_sub(&h->inflight, 1);
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
	if (rs->fd >= 0) {
		r = MHD_create_response_from_fd64(rs->fd_len, rs->fd);
		if (r == NULL)
			close(rs->fd);
		rc->bytes = rs->fd_len;
	} else {
		r = MHD_create_response_from_buffer(rs->body.len, rs->body.data ? rs->body.data : (void *)"",
		                                    MHD_RESPMEM_MUST_COPY);
		rc->bytes = rs->body.len;
	}
	rs->fd = -1;
	if (r == NULL)
		return MHD_NO;
	if (strcmp(method, "HEAD") == 0)
		rc->bytes = 0;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, rs->ctype ? rs->ctype : HTTPD_TEXT);
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

static double
httpd_elapsed(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static enum MHD_Result
httpd_access(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
             const char *version, const char *upload_data, size_t *upload_data_size,
             void **con_cls)
{
	struct httpd *h = cls;
	struct httpd_rctx *rc = *con_cls;
	struct httpd_resp rs;
	struct httpd_req rq;
	enum MHD_Result ret;
	const char *cl;

	if (rc == NULL)
		return MHD_NO;
	if (rc->method[0] == '\0') {
		/* The first call brings only the headers; the body follows. */
		snprintf(rc->method, sizeof(rc->method), "%s", method);
		snprintf(rc->version, sizeof(rc->version), "%s", version);
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl == NULL || !httpd_too_long(cl, h->o.max_body))
			return MHD_YES;
		/* Refused from the header, before a byte of the body is read. */
		memset(&rs, 0, sizeof(rs));
		rs.fd = -1;
		buf_init(&rs.body, 4096);
		httpd_text(&rs, 413, "request body larger than %zu bytes", h->o.max_body);
		ret = httpd_queue(h, conn, rc, &rs, method);
		buf_release(&rs.body);
		return ret;
	}
	memset(&rs, 0, sizeof(rs));
	rs.fd = -1;
	buf_init(&rs.body, 1u << 24);
	if (httpd_elapsed(&rc->start) > (double)h->o.request_s) {
		/* A client trickling its body past the time limit is cut off. */
		buf_release(&rs.body);
		return MHD_NO;
	}
	if (*upload_data_size > 0) {
		if (!rc->too_big &&
		    buf_append(&rc->body, upload_data, *upload_data_size, NULL) != ARM_OK) {
			rc->too_big = true;
			buf_release(&rc->body);
		}
		*upload_data_size = 0;
		buf_release(&rs.body);
		return MHD_YES;
	}
	if (rc->answered) {
		buf_release(&rs.body);
		return MHD_YES;
	}
	if (rc->too_big) {
		httpd_text(&rs, 413, "request body larger than %zu bytes", h->o.max_body);
	} else {
		rq.method = method;
		rq.path = url;
		rq.raw_uri = rc->raw_uri;
		if (rc->body.data == NULL && buf_append(&rc->body, "", 0, NULL) != ARM_OK) {
			buf_release(&rs.body);
			return MHD_NO;
		}
		rq.body = rc->body.data;
		rq.body_len = rc->body.len;
		rq.conn = conn;
		rs.status = 500;
		h->o.handler(h->o.ctx, &rq, &rs);
	}
	ret = httpd_queue(h, conn, rc, &rs, method);
	buf_release(&rs.body);
	return ret;
}

int
httpd_start(struct httpd **out, const struct httpd_opts *o, struct arm_err *e)
{
	struct httpd *h;
	struct sockaddr_storage ss;
	size_t slen;
	sigset_t set;
	const union MHD_DaemonInfo *di;
	unsigned flags;

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
	if (h->o.max_conns == 0)
		h->o.max_conns = 256;
	if (h->o.idle_s == 0)
		h->o.idle_s = 10;
	if (h->o.request_s == 0)
		h->o.request_s = 30;
	if (h->o.drain_s == 0)
		h->o.drain_s = 30;
	atomic_init(&h->inflight, 0);
	pthread_mutex_init(&h->logmu, NULL);
	flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
	        MHD_USE_ITC;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h->d = MHD_start_daemon(
		flags, 0, NULL, NULL, httpd_access, h,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		/* MHD_INVALID_SOCKET (-1) leaves MHD to bind SOCK_ADDR itself. */
		MHD_OPTION_LISTEN_SOCKET, (MHD_socket)(o->listen_fd > 0 ? o->listen_fd : -1),
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)h->o.max_conns,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)h->o.idle_s,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
		MHD_OPTION_THREAD_STACK_SIZE, (size_t)(512 * 1024),
		MHD_OPTION_URI_LOG_CALLBACK, httpd_uri_log, h,
		MHD_OPTION_NOTIFY_COMPLETED, httpd_completed, h,
		MHD_OPTION_SIGPIPE_HANDLED_BY_APP, 1,
		MHD_OPTION_LISTENING_ADDRESS_REUSE, 1,
		MHD_OPTION_END);
	if (h->d == NULL) {
		pthread_mutex_destroy(&h->logmu);
		free(h);
		return arm_err_set(e, ARM_EIO, "%s: cannot listen on '%s' (in use, or not permitted)",
		                   o->name, o->listen);
	}
	di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	h->port = di ? di->port : 0;
	snprintf(h->host, sizeof(h->host), "%.*s", (int)(strrchr(o->listen, ':') - o->listen),
	         o->listen);
	*out = h;
	return ARM_OK;
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
	while (atomic_load(&h->inflight) > 0 && waited < h->o.drain_s * 10) {
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
		waited++;
	}
	MHD_stop_daemon(h->d);
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
