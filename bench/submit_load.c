/*
 * submit_load.c - the load of bench/bench_submit.sh: many authors
 * submitting signed entries to `armistice serve` at once.
 *
 *   submit_load keys DIR N
 *       makes N author keys DIR/author-K.key and prints their actor lines
 *       for the agreement (YAML, role monitor).
 *   submit_load verify SECONDS
 *       the raw limit: Ed25519 verifies per second of a 1 KiB entry on
 *       every core at once (one thread per core, wall time).
 *   submit_load run HOST:PORT DIR FIRST N CONNS M AID
 *       signs M statements for each of N authors from FIRST on (before the
 *       clock starts: signing is the authors' cost, not the server's),
 *       then sends them over N x CONNS keep-alive connections, each
 *       connection of an author taking every CONNS-th seq and waiting for
 *       each answer before its next (an epoll loop, one thread), and
 *       prints: ok 202 other seconds rate p50_ms p99_ms.
 * Latency is from the request's first byte to the end of its answer, a
 * receipt pinned to a checkpoint the witnesses cosigned.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "armistice/buf.h"
#include "armistice/note.h"
#include "bench.h"

static void
die(const char *what, const struct arm_err *e)
{
	fprintf(stderr, "submit_load: %s%s%s\n", what, e ? ": " : "", e ? e->msg : "");
	exit(1);
}

static int
load_keys(const char *dir, int n)
{
	struct note_signer s;
	struct note_verifier v;
	struct arm_err e;
	struct buf b;
	char name[64], path[4096];
	FILE *f;
	int k;

	for (k = 0; k < n; k++) {
		snprintf(name, sizeof(name), "bench-author-%03d", k);
		if (note_signer_generate(&s, name, NOTE_KEY_ED25519, &e) != ARM_OK)
			die("keygen", &e);
		buf_init(&b, 4096);
		if (note_signer_format(&s, &b, &e) != ARM_OK)
			die("format", &e);
		snprintf(path, sizeof(path), "%s/author-%03d.key", dir, k);
		if ((f = fopen(path, "w")) == NULL || fwrite(b.data, 1, b.len, f) != b.len ||
		    fclose(f) != 0)
			die(path, NULL);
		buf_release(&b);
		buf_init(&b, 4096);
		note_signer_verifier(&s, &v);
		if (note_verifier_format(&v, &b, &e) != ARM_OK)
			die("format", &e);
		printf(
		    "  - id: a%03d\n    name: Monitor %03d\n    role: monitor\n    keys: [%.*s]\n",
		    k, k, (int)strcspn((const char *)b.data, "\n"), (const char *)b.data);
		buf_release(&b);
		note_signer_release(&s);
	}
	return 0;
}

/* ---- the raw limit: verifies per second on every core ---- */

struct vjob {
	double secs;
	unsigned long n;
};

static void *
verify_thread(void *arg)
{
	struct vjob *j = arg;
	unsigned char pk[32], sk[64], sig[64], msg[1024];
	double t0;
	int i;

	memset(msg, 'x', sizeof(msg));
	crypto_sign_keypair(pk, sk);
	crypto_sign_detached(sig, NULL, msg, sizeof(msg), sk);
	t0 = bench_wall_now();
	while (bench_wall_now() - t0 < j->secs)
		for (i = 0; i < 100; i++, j->n++)
			if (crypto_sign_verify_detached(sig, msg, sizeof(msg), pk) != 0)
				die("verify", NULL);
	return NULL;
}

static int
load_verify(double secs)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct vjob j[64];
	pthread_t t[64];
	unsigned long sum = 0;
	long i;

	if (ncpu < 1 || ncpu > 64)
		ncpu = ncpu < 1 ? 1 : 64;
	for (i = 0; i < ncpu; i++) {
		j[i].secs = secs;
		j[i].n = 0;
		pthread_create(&t[i], NULL, verify_thread, &j[i]);
	}
	for (i = 0; i < ncpu; i++) {
		pthread_join(t[i], NULL);
		sum += j[i].n;
	}
	printf("%.0f %ld\n", (double)sum / secs, ncpu);
	return 0;
}

/* ---- the load ---- */

struct conn {
	int fd;
	int author, next_seq; /* the seq this connection sends next */
	struct buf *req;      /* the request being sent (owned by the table) */
	size_t sent;
	char in[32768];
	size_t inlen;
	double t0;
};

struct load {
	int first, nauthors, conns, m;
	struct buf **reqs; /* [author * m + seq - 1]: the whole HTTP request */
	double *lat;
	size_t nlat;
	unsigned long ok, accepted, other;
	int active;
};

/* Every request, signed before the clock starts. */
static void
load_sign(struct load *L, const char *dir, const char *aid)
{
	char path[4096], text[2048], x[901];
	struct note_signer s;
	const struct note_signer *sp = &s;
	struct arm_err e;
	struct buf note;
	int a, q, len;

	memset(x, 'x', 900);
	x[900] = '\0';
	L->reqs = calloc((size_t)L->nauthors * (size_t)L->m, sizeof(*L->reqs));
	for (a = 0; a < L->nauthors; a++) {
		snprintf(path, sizeof(path), "%s/author-%03d.key", dir, L->first + a);
		bench_read_signer(path, &s);
		for (q = 1; q <= L->m; q++) {
			struct buf *r = calloc(1, sizeof(*r));
			len =
			    snprintf(text, sizeof(text),
			             "armistice/entry/v1\nkind: statement\nagreement: %s\nauthor: "
			             "a%03d\nseq: %d\ntime: 2018-11-01T09:00:00+09:00\ntext: %s\n",
			             aid, L->first + a, q, x);
			buf_init(&note, 1 << 16);
			buf_init(r, 1 << 17);
			if (note_sign(text, (size_t)len, &sp, 1, &note, &e) != ARM_OK ||
			    buf_printf(
			        r, &e,
			        "POST /add HTTP/1.1\r\nHost: bench\r\nContent-Type: text/plain\r\n"
			        "Content-Length: %zu\r\n\r\n",
			        note.len) != ARM_OK ||
			    buf_append(r, note.data, note.len, &e) != ARM_OK)
				die("sign", &e);
			buf_release(&note);
			L->reqs[(size_t)a * (size_t)L->m + (size_t)q - 1] = r;
		}
		note_signer_release(&s);
	}
}

/* Starts c's next request, or closes it when its author's share is sent. */
static void
conn_next(struct load *L, struct conn *c, int ep)
{
	struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN, .data.ptr = c};

	if (c->next_seq > L->m) {
		epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
		c->fd = -1;
		L->active--;
		return;
	}
	c->req = L->reqs[(size_t)c->author * (size_t)L->m + (size_t)c->next_seq - 1];
	c->next_seq += L->conns;
	c->sent = 0;
	c->inlen = 0;
	c->t0 = bench_wall_now();
	epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* A whole answer in c->in? Returns its status, 0 if more is needed. */
static int
conn_answer(struct conn *c)
{
	char *end, *cl;
	int status;
	size_t head, blen;

	c->in[c->inlen < sizeof(c->in) ? c->inlen : sizeof(c->in) - 1] = '\0';
	if ((end = strstr(c->in, "\r\n\r\n")) == NULL)
		return 0;
	head = (size_t)(end - c->in) + 4;
	cl = strcasestr(c->in, "\r\ncontent-length:");
	blen = cl != NULL && cl < end ? strtoul(cl + 17, NULL, 10) : 0;
	if (c->inlen < head + blen)
		return 0;
	if (sscanf(c->in, "HTTP/1.1 %d", &status) != 1)
		die("bad answer", NULL);
	return status;
}

static void
conn_io(struct load *L, struct conn *c, int ep, uint32_t evs)
{
	ssize_t r;
	int status;

	if ((evs & EPOLLOUT) && c->sent < c->req->len) {
		r = send(c->fd, c->req->data + c->sent, c->req->len - c->sent, MSG_NOSIGNAL);
		if (r < 0 && errno != EAGAIN)
			die("send", NULL);
		c->sent += r > 0 ? (size_t)r : 0;
		if (c->sent == c->req->len) {
			struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
			epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
		}
	}
	if (!(evs & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	r = recv(c->fd, c->in + c->inlen, sizeof(c->in) - 1 - c->inlen, 0);
	if (r == 0 || (r < 0 && errno != EAGAIN))
		die("the server closed a connection", NULL);
	c->inlen += r > 0 ? (size_t)r : 0;
	if ((status = conn_answer(c)) == 0) {
		if (c->inlen >= sizeof(c->in) - 1)
			die("answer too large", NULL);
		return;
	}
	if (status == 200) {
		L->ok++;
		L->lat[L->nlat++] = (bench_wall_now() - c->t0) * 1000;
	} else if (status == 202) {
		L->accepted++;
	} else {
		if (L->other++ < 3)
			fprintf(stderr, "submit_load: status %d: %.300s\n", status, c->in);
	}
	conn_next(L, c, ep);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
load_run(const char *hostport, const char *dir, int first, int n, int conns, int m, const char *aid)
{
	struct load L = {.first = first, .nauthors = n, .conns = conns, .m = m};
	struct sockaddr_in sa = {.sin_family = AF_INET};
	struct epoll_event evs[256];
	struct conn *cs;
	const char *colon = strrchr(hostport, ':');
	int ep, i, k, one = 1;
	double t0, t1;

	if (colon == NULL || inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr) != 1)
		die("HOST:PORT", NULL);
	sa.sin_port = htons((uint16_t)atoi(colon + 1));
	load_sign(&L, dir, aid);
	L.lat = calloc((size_t)n * (size_t)m, sizeof(double));
	cs = calloc((size_t)n * (size_t)conns, sizeof(*cs));
	if ((ep = epoll_create1(0)) < 0 || L.lat == NULL || cs == NULL)
		die("epoll", NULL);
	for (i = 0; i < n * conns; i++) {
		struct conn *c = &cs[i];
		struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
		c->author = i / conns;
		c->next_seq = i % conns + 1;
		if ((c->fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
		    connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
			die("connect", NULL);
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		fcntl(c->fd, F_SETFL, O_NONBLOCK);
		epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
		L.active++;
	}
	t0 = bench_wall_now();
	for (i = 0; i < n * conns; i++) {
		cs[i].next_seq = i % conns + 1;
		L.active++; /* conn_next() counts the close */
		conn_next(&L, &cs[i], ep);
		L.active--;
	}
	while (L.active > 0) {
		k = epoll_wait(ep, evs, 256, 30000);
		if (k <= 0)
			die("no answer for 30 s", NULL);
		for (i = 0; i < k; i++)
			conn_io(&L, evs[i].data.ptr, ep, evs[i].events);
	}
	t1 = bench_wall_now();
	qsort(L.lat, L.nlat, sizeof(double), cmp_double);
	printf("%lu %lu %lu %.3f %.0f %.1f %.1f\n", L.ok, L.accepted, L.other, t1 - t0,
	       (double)(L.ok + L.accepted) / (t1 - t0), L.nlat ? L.lat[L.nlat / 2] : 0.0,
	       L.nlat ? L.lat[L.nlat * 99 / 100] : 0.0);
	return L.other > 0 ? 1 : 0;
}

int
main(int argc, char **argv)
{
	if (sodium_init() < 0)
		die("sodium_init", NULL);
	if (argc == 4 && strcmp(argv[1], "keys") == 0)
		return load_keys(argv[2], atoi(argv[3]));
	if (argc == 3 && strcmp(argv[1], "verify") == 0)
		return load_verify(atof(argv[2]));
	if (argc == 9 && strcmp(argv[1], "run") == 0)
		return load_run(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]), atoi(argv[6]),
		                atoi(argv[7]), argv[8]);
	fprintf(stderr, "usage: submit_load keys DIR N | verify SECONDS | run HOST:PORT DIR FIRST "
	                "N CONNS M AID\n");
	return 2;
}
