/*
 * httpd.h - the thin HTTP layer under `armistice serve` and
 * `armistice witness` (libmicrohttpd, src/server/httpd.c).
 *
 * What it adds to libmicrohttpd, so that each server states only its
 * routes: request bodies collected into a bounded buffer (413 past the
 * limit, refused from Content-Length before the body is read); a strict
 * RFC 9112 framing check of every byte before libmicrohttpd parses it
 * (httpframe.h: smuggling, bare LF, obs-fold, ... get 400 and the
 * connection closed, nothing behind them is served); slow clients bounded
 * by a deadline on the whole request head and one on the whole body that
 * bytes do not reset (a reaper thread), a cap per client address and a
 * cap on connections; one access-log line per request in the Combined Log Format
 * (the Apache/nginx default, so standard log tools read it), and a clean
 * stop on SIGTERM or SIGINT: stop accepting, let requests in flight finish
 * (bounded), then stop.
 *
 * Threads, two modes (httpd_opts.pool):
 *  - pool == 0: one thread per connection, so a handler may block without
 *    holding up other clients (the witness);
 *  - pool > 0: that many event-loop threads (epoll), each serving many
 *    connections, plus a few worker threads (slow lane). A request the
 *    server's fast() says is cheap (a tile from memory, a file sent with
 *    sendfile) is answered on its event-loop thread; every other one is
 *    handed to a worker with its connection suspended, so a handler that
 *    blocks (replaying /state) holds up no connection but its own. A
 *    handler may also answer later from any thread (httpd_defer(),
 *    httpd_finish()): POST /add waits for its batch to be durable and
 *    cosigned without holding any thread.
 * Handlers run concurrently and must be thread-safe. Every hardening
 * property (framing check, deadlines, caps, body limit) holds in both.
 *
 * Ownership: struct httpd is returned by httpd_start() and freed by
 * httpd_stop(). A struct httpd_req and everything it points to is borrowed
 * for the handler call only. The handler fills the struct httpd_resp it is
 * given; its body buffer and fd belong to the layer afterwards.
 */
#ifndef ARMISTICE_HTTPD_H
#define ARMISTICE_HTTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"
#include "err.h"

struct httpd;

struct httpd_req {
	const char *method;  /* "GET", "POST", ... */
	const char *path;    /* percent-decoded by libmicrohttpd, without the query */
	const char *raw_uri; /* as the client sent it, for logs and strict parsers */
	const uint8_t *body; /* NUL-terminated; body_len bytes */
	size_t body_len;
	void *conn; /* private (struct MHD_Connection) */
	void *priv; /* private (the request's context) */
};

/* The value of query argument key (percent-decoded), or NULL. */
const char *httpd_query(const struct httpd_req *r, const char *key);
/* The value of request header name, or NULL. */
const char *httpd_header(const struct httpd_req *r, const char *name);

/* The client's address: 4 bytes (IPv4, also when IPv4-mapped) or 16 (IPv6); -1 if unknown. */
int httpd_peer(const struct httpd_req *r, uint8_t out[16], size_t *len);

struct httpd_resp {
	int status;
	const char *ctype; /* static string; default "text/plain; charset=utf-8" */
	const char *cache; /* Cache-Control value (static), or NULL */
	struct buf body;   /* the body, unless fd >= 0 */
	int fd;            /* a file to send instead (consumed), or -1 */
	uint64_t fd_len;
	unsigned retry_after;            /* seconds: a Retry-After header when > 0 (429, 503) */
	const struct httpd_fixed *fixed; /* a prepared answer to send instead (borrowed) */
};

/*
 * A prepared answer (status 200): the bytes (copied) with their
 * Content-Type and Cache-Control, its headers built once, sent to any
 * number of requests at once with one send per request. For what never
 * changes (a full tile). Freed by httpd_fixed_free() only once no request
 * can use it any more (after httpd_stop()).
 */
struct httpd_fixed;
struct httpd_fixed *httpd_fixed_new(const void *bytes, size_t len, const char *ctype,
                                    const char *cache);
size_t httpd_fixed_size(const struct httpd_fixed *f);
void httpd_fixed_free(struct httpd_fixed *f);

/*
 * Answering later. Called in a handler, httpd_defer() returns a handle
 * and the handler returns without an answer (rs is ignored); the
 * connection is suspended (no thread waits for it) until httpd_finish()
 * gives the answer, from any thread, exactly once. rq (its body, path,
 * query and headers) stays valid until then. NULL if the request cannot
 * be deferred (out of memory): answer at once.
 */
struct httpd_later;
struct httpd_later *httpd_defer(const struct httpd_req *rq);
/* The request of a deferred answer (valid until httpd_finish()). */
const struct httpd_req *httpd_later_req(const struct httpd_later *l);
/* Gives the answer: rs is consumed (its body and fd belong to the layer). */
void httpd_finish(struct httpd_later *l, struct httpd_resp *rs);
/* An empty answer to fill: status 500, no body yet, no fd. */
void httpd_resp_init(struct httpd_resp *rs);

/* Fills rs with status and one line of text "msg\n"; returns nothing. */
void httpd_text(struct httpd_resp *rs, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The HTTP status that answers a library error code (400, 404, 409, 413, 422, 500, 503). */
int httpd_status_for(enum arm_rc rc);

typedef void (*httpd_handler_fn)(void *ctx, const struct httpd_req *rq, struct httpd_resp *rs);

struct httpd_opts {
	const char *name;    /* "serve", "witness": used in messages */
	const char *listen;  /* "127.0.0.1:8080", "[::1]:8080"; port 0 picks one */
	size_t max_body;     /* bytes; larger bodies get 413 */
	unsigned max_conns;  /* simultaneous connections; 0: 1024 */
	unsigned max_per_ip; /* simultaneous connections from one address; 0: 64 */
	unsigned idle_s;     /* idle connection timeout (reset by each byte); 0: 10 */
	unsigned head_s;     /* a request head, from its first byte; 0: 10 */
	unsigned body_s;     /* a request body, from the end of its head; 0: 30 */
	unsigned drain_s;    /* on stop, how long requests in flight may run; 0: 30 */
	FILE *log;           /* access log; NULL: stderr */
	int listen_fd;       /* > 0: a bound, listening socket to serve instead of
	                        binding 'listen' (sandbox_listen(), before privileges
	                        are dropped); the daemon owns it */
	unsigned pool;       /* 0: a thread per connection; N: N event-loop threads */
	unsigned workers;    /* pool mode: threads for requests that are not fast; 0: 4 */
	httpd_handler_fn handler;
	/* pool mode: may rq be answered on the event-loop thread? NULL: never */
	bool (*fast)(void *ctx, const struct httpd_req *rq);
	/* on stop, once no new connection is taken: answer every deferred request now */
	void (*drain)(void *ctx);
	void *ctx;
};

/*
 * The connection limits as command-line options, shared by serve and
 * witness: put HTTPD_LIMIT_OPTIONS in the getopt_long table, pass every
 * option code to httpd_limit_opt() (1: taken, 0: not one of these, -1: bad
 * value), and print httpd_limits_usage in --help.
 */
enum {
	HTTPD_OPT_MAX_CONNS = 0x1001,
	HTTPD_OPT_MAX_PER_IP,
	HTTPD_OPT_HEAD_TIMEOUT,
	HTTPD_OPT_BODY_TIMEOUT,
	HTTPD_OPT_IDLE_TIMEOUT,
};
#define HTTPD_LIMIT_OPTIONS                                                                        \
	{"max-conns", required_argument, NULL, HTTPD_OPT_MAX_CONNS},                               \
	    {"max-conns-per-ip", required_argument, NULL, HTTPD_OPT_MAX_PER_IP},                   \
	    {"head-timeout", required_argument, NULL, HTTPD_OPT_HEAD_TIMEOUT},                     \
	    {"body-timeout", required_argument, NULL, HTTPD_OPT_BODY_TIMEOUT},                     \
	{                                                                                          \
		"idle-timeout", required_argument, NULL, HTTPD_OPT_IDLE_TIMEOUT                    \
	}
extern const char httpd_limits_usage[];
int httpd_limit_opt(struct httpd_opts *o, int c, const char *arg);

/*
 * Blocks SIGTERM, SIGINT and SIGPIPE in the calling thread (and so in every
 * thread started afterwards: call it first, from main's thread), then
 * binds and starts serving. *h is returned to the caller.
 */
int httpd_start(struct httpd **h, const struct httpd_opts *o, struct arm_err *e) ARM_MUST_CHECK;

/* The bound port (useful with port 0). */
unsigned httpd_port(const struct httpd *h);

/* "http://HOST:PORT" as bound (with the real port when 0 was asked). */
void httpd_base_url(const struct httpd *h, char *out, size_t cap);

/* Waits for SIGTERM or SIGINT (blocked by httpd_start) and returns its number. */
int httpd_wait_signal(void);

/*
 * Stops accepting, waits (at most drain_s) for requests in flight to
 * finish, closes every connection and frees h. NULL-safe.
 */
void httpd_stop(struct httpd *h);

/*
 * Parses "HOST:PORT" or "[V6]:PORT" into a socket address (numeric hosts
 * only: a server binds where it is told, nothing is resolved).
 */
int httpd_parse_listen(const char *s, void *sockaddr_storage, size_t *slen,
                       struct arm_err *e) ARM_MUST_CHECK;

#endif
