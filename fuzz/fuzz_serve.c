/*
 * fuzz_serve.c - the HTTP request path of `armistice serve`: request line,
 * headers and body as bytes on a TCP connection to the real server,
 * running in this process (cmd_serve on a thread, libmicrohttpd, the
 * httpd.c glue and every handler: /add into the log and the rules engine,
 * /state replays, tiles, proofs, zones, the dashboard).
 *
 * Set up once (LLVMFuzzerInitialize): a temporary log whose entry 0 is a
 * small agreement (demo keys from tests/data/keys, found beside the fuzz
 * binary; no witnesses, so /add publishes at once) and a few entries with
 * positions (claims, an incident inside the zone, a finding), then
 * `serve --listen 127.0.0.1:PORT --wait-ms 0` on a thread. Each input is
 * sent on a new connection, the write side shut, and the answer read to
 * the end. Properties: no crash, leak or sanitizer report in the server;
 * every answer starts with an HTTP/1.x status line; the server still
 * answers a plain GET /checkpoint after every input (a request that
 * wedges or kills the server is a failure). The corpus (fuzz/corpus/serve)
 * holds requests for every route, pipelined and chunked requests, and a
 * signed entry for POST /add.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <sodium.h>

#include "cli/cli.h"
#include "armistice/common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
static void quiet_stderr(int *argc, char ***argv);

/* The agreement of fuzz_engine.c, with a zone the incidents fall in. */
static const char yaml[] =
    "armistice: agreement/v1\n"
    "name: fuzz-serve\n"
    "title: Fuzz agreement for serve (demo keys)\n"
    "timezone: \"+09:00\"\n"
    "log:\n"
    "  origin: demo.armistice.example/fuzz-serve\n"
    "  key: demo-log+93869de2+AY/mia9aa3v067qFtdKbI3eAoMsB7LpR9ygqXZBmEq2U\n"
    "  quorum: none\n"
    "actors:\n"
    "  - {id: south, name: South (demo key), role: party, keys: "
    "[demo-south+d1a43b68+AbIJX4YJHAfWZ9w8fOX/aVLxq97+do0RmiNIJTIga4My]}\n"
    "  - {id: north, name: North (demo key), role: party, keys: "
    "[demo-north+854bc0e4+Acq09B+QrHtZJBMdrNJHvA0ZodU2cC7sjDFtoUkVjtbj]}\n"
    "  - {id: nnsc, name: Commission (demo key), role: verifier, keys: "
    "[demo-nnsc+495bfc6f+AQISEgXUUa+u+s0KAAjo0bNO5rwqb+9fQhOR3KsWo98Q]}\n"
    "  - {id: press, name: Press (demo key), role: monitor, keys: "
    "[demo-press+11ca1042+AYyj6LRfhseogzVAWAU/mRxunSusRfWRB6nKM8xUd1IE]}\n"
    "phases:\n  - {id: p1, name: One}\n  - {id: p2, name: Two}\n"
    "incident_kinds:\n  - {id: gunfire, name: Gunfire, provocation: true}\n"
    "zones:\n  - id: jsa\n    name: JSA\n"
    "    geometry: {type: Polygon, coordinates: [[[126.0, 37.0], [127.0, 37.0], [127.0, 38.0], "
    "[126.0, 38.0], [126.0, 37.0]]]}\n"
    "  - {id: pmj, name: Panmunjom, geometry: {type: Point, coordinates: [126.677, 37.956]}}\n"
    "commitments:\n"
    "  - {id: gp-south, owner: south, phase: p1, text: GP south., verify: {by: [north, nnsc], "
    "quorum: 1}, due: 2018-12-31}\n"
    "  - {id: no-fire, owners: [south, north], phase: p1, text: No fire., standing: "
    "{breached_by: [gunfire], zones: [jsa]}}\n"
    "  - {id: jsa, owners: [south, north], phase: p2, text: JSA., requires: [gp-south], "
    "verify: {mutual: true}, area: {type: Point, coordinates: [126.677, 37.956]}}\n";

static char dir[256], keys[4096];
static unsigned short port;

static int report_fd = 2; /* the real stderr, kept when libFuzzer closes fd 2 */

static void
die(const char *what)
{
	dprintf(report_fd, "fuzz_serve: %s\n", what);
	abort();
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0)
		die(path);
}

/* Runs a command with its standard output in out (NULL: discarded). */
static int
run(const char *out, int (*cmd)(int, char **), char **argv)
{
	int argc = 0, saved, fd, rc;

	while (argv[argc] != NULL)
		argc++;
	fflush(stdout);
	saved = dup(1);
	fd = open(out ? out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (saved < 0 || fd < 0 || dup2(fd, 1) < 0)
		die("redirecting stdout");
	close(fd);
	rc = cmd(argc, argv);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	return rc;
}

/* Writes DIR/NAME.txt (fmt with the agreement id for its %s) and signs it. */
static void sign_entry(const char *name, const char *author, const char *agid, const char *fmt)
    __attribute__((format(printf, 4, 0)));

static void
sign_entry(const char *name, const char *author, const char *agid, const char *fmt)
{
	char txt[512], sig[512], key[4200], body[1024], *text;
	char *argv[5];

	snprintf(txt, sizeof(txt), "%s/%s.txt", dir, name);
	snprintf(sig, sizeof(sig), "%s/%s.signed", dir, name);
	snprintf(key, sizeof(key), "%s/demo-%s.key", keys, author);
	snprintf(body, sizeof(body), fmt, agid);
	if (asprintf(&text, "armistice/entry/v1\n%s", body) < 0)
		die("asprintf");
	write_file(txt, text);
	free(text);
	argv[0] = "sign", argv[1] = "--key", argv[2] = key, argv[3] = txt, argv[4] = NULL;
	if (run(sig, cmd_sign, argv) != 0)
		die(name);
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	(void)remove(path);
	return 0; /* remove what can be removed */
}

/* At exit, the temporary log goes (a crash leaves it for inspection). */
static void
cleanup(void)
{
	if (dir[0] != '\0')
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void *
serve_thread(void *arg)
{
	char logdir[300], listen[64];
	/*
	 * --idle-timeout 2: the harness half-closes and reads to the end. The
	 * thread-pool server does not always see that half-close at once (a
	 * connection that was suspended for a worker may wait for its idle
	 * timeout before it is closed), so the end comes within 2 s, well
	 * inside the harness's 5 s receive timeout; a wedged server still
	 * fails it.
	 */
	char *argv[] = {"serve", logdir,           "--listen", listen, "--wait-ms",
	                "0",     "--idle-timeout", "2",        NULL};

	(void)arg;
	snprintf(logdir, sizeof(logdir), "%s/log", dir);
	snprintf(listen, sizeof(listen), "127.0.0.1:%u", port);
	fprintf(stderr, "fuzz_serve: serve %s exited %d\n", logdir, cmd_serve(8, argv));
	abort(); /* the server never stops on its own */
	return NULL;
}

static int
connect_server(void)
{
	struct sockaddr_in a;
	struct timeval tv = {5, 0};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		/* Interrupted (libFuzzer's alarm): the connection completes on its own. */
		struct pollfd p = {fd, POLLOUT, 0};
		int err = errno, r;
		socklen_t elen = sizeof(err);

		while (err == EINTR && (r = poll(&p, 1, 5000)) < 0 && errno == EINTR)
			;
		if (err == EINTR && p.revents != 0)
			err = getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) == 0 ? err : errno;
		if (err != 0) {
			close(fd);
			errno = err;
			return -1;
		}
	}
	return fd;
}

/* Sends req, shuts the write side, reads the answer; returns its length or -1. */
static ssize_t
exchange(const uint8_t *req, size_t len, char *head, size_t cap)
{
	int fd = connect_server();
	size_t off = 0, got = 0;
	char sink[4096];
	int err;
	ssize_t n;

	if (fd < 0) {
		dprintf(report_fd, "fuzz_serve: connect: %s\n", strerror(errno));
		return -1;
	}
	while (off < len) {
		n = send(fd, req + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR) /* libFuzzer's -timeout alarm */
			continue;
		if (n <= 0)
			break; /* the server may answer 413 and close before the end */
		off += (size_t)n;
	}
	shutdown(fd, SHUT_WR);
	for (;;) {
		n = recv(fd, sink, sizeof(sink), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (got < cap) {
			size_t k = (size_t)n < cap - got ? (size_t)n : cap - got;
			memcpy(head + got, sink, k);
			got += k;
		}
	}
	err = n < 0 ? errno : 0;
	/*
	 * Close with a reset (linger 0): no TIME_WAIT on either end of the
	 * loopback connection, so a long run at a thousand connections a
	 * second does not run out of ports.
	 */
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &(struct linger){1, 0}, sizeof(struct linger));
	close(fd);
	errno = err;
	return err != 0 && err != ECONNRESET ? -1 : (ssize_t)got;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[4096], agid[65], logdir[300], ag[300], s_sig[300], n_sig[300], lkey[4200];
	char self[4096];
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	pthread_t thr;
	int fd, i;

	if (sodium_init() < 0) /* as main() does: keys live in sodium_malloc memory */
		die("sodium_init");
	/* tests/data/keys beside the binary: BUILD-fuzz/fuzz_serve -> ../tests/data/keys. */
	snprintf(self, sizeof(self), "%s", (*argc > 0 && (*argv)[0]) ? (*argv)[0] : ".");
	if (realpath(self, path) == NULL)
		die("cannot resolve the binary's path");
	snprintf(keys, sizeof(keys), "%s/../tests/data/keys", dirname(path));
	snprintf(dir, sizeof(dir), "%s/armistice-fuzz-serve.XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(dir) == NULL)
		die("mkdtemp");
	atexit(cleanup);
	/*
	 * Private copies (0600) of the shipped demo keys: a checkout leaves
	 * them 0644, and a signer key others can read is refused.
	 */
	{
		static const char *const names[] = {"south", "north", "nnsc", "press", "log"};
		char priv[sizeof(dir) + 16];
		size_t k;

		snprintf(priv, sizeof(priv), "%s/keys", dir);
		if (mkdir(priv, 0700) != 0)
			die("mkdir keys");
		for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
			char from[4400], to[4400], kb[4096];
			ssize_t n;
			int in, out;

			snprintf(from, sizeof(from), "%s/demo-%s.key", keys, names[k]);
			snprintf(to, sizeof(to), "%s/demo-%s.key", priv, names[k]);
			if ((in = open(from, O_RDONLY | O_CLOEXEC)) < 0)
				die("setup: cannot read the demo keys (are tests/data/keys beside "
				    "the "
				    "build directory?)");
			n = read(in, kb, sizeof(kb));
			close(in);
			out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
			if (n <= 0 || out < 0 || write(out, kb, (size_t)n) != n)
				die("setup: copying a demo key");
			close(out);
		}
		snprintf(keys, sizeof(keys), "%s", priv);
	}
	snprintf(ag, sizeof(ag), "%s/agreement.yaml", dir);
	write_file(ag, yaml);
	{
		char sk[4200], nk[4200];
		char *sa[] = {"sign", "--key", sk, "--agreement", ag, NULL};
		char *na[] = {"sign", "--key", nk, "--agreement", ag, NULL};

		snprintf(sk, sizeof(sk), "%s/demo-south.key", keys);
		snprintf(nk, sizeof(nk), "%s/demo-north.key", keys);
		snprintf(s_sig, sizeof(s_sig), "%s/s.signed", dir);
		snprintf(n_sig, sizeof(n_sig), "%s/n.signed", dir);
		if (run(s_sig, cmd_sign, sa) != 0 || run(n_sig, cmd_sign, na) != 0)
			die("setup: signing the agreement (are tests/data/keys beside the build "
			    "directory?)");
	}
	snprintf(logdir, sizeof(logdir), "%s/log", dir);
	snprintf(lkey, sizeof(lkey), "%s/demo-log.key", keys);
	{
		char *ia[] = {"init", logdir, "--agreement", ag,  "--log-key",
		              lkey,   s_sig,  n_sig,         NULL};
		if (run(NULL, cmd_init, ia) != 0)
			die("init");
	}
	/* The agreement id: sha256 of the YAML, as entry 0 states it. */
	{
		char cmd[400];
		FILE *p;

		snprintf(cmd, sizeof(cmd), "sha256sum '%s'", ag);
		p = popen(cmd, "r");
		if (p == NULL || fread(agid, 1, 64, p) != 64)
			die("sha256sum");
		pclose(p);
		agid[64] = '\0';
	}
	sign_entry("c1", "south", agid,
	           "kind: claim\nagreement: %s\nauthor: south\nseq: 1\n"
	           "time: 2019-01-01T00:00:00Z\ncommitment: no-fire\n");
	sign_entry("c2", "north", agid,
	           "kind: claim\nagreement: %s\nauthor: north\nseq: 1\n"
	           "time: 2019-01-01T00:00:00Z\ncommitment: no-fire\n");
	sign_entry("i1", "press", agid,
	           "kind: incident\nagreement: %s\nauthor: press\nseq: 1\n"
	           "time: 2019-05-04T12:00:00+09:00\ntype: gunfire\n"
	           "occurred: 2019-05-04T09:00:00+09:00\nlat: 37.5\nlon: 126.5\nactor: north\n"
	           "text: shots\n");
	sign_entry("f1", "nnsc", agid,
	           "kind: finding\nagreement: %s\nauthor: nnsc\nseq: 1\n"
	           "time: 2019-05-05T00:00:00Z\nincident: press/1\nverdict: confirmed\n"
	           "method: imagery\n");
	{
		char f[4][300];
		char *aa[] = {"append", logdir, f[0], f[1], f[2], f[3], NULL};
		const char *names[] = {"c1", "c2", "i1", "f1"};

		for (i = 0; i < 4; i++)
			snprintf(f[i], sizeof(f[i]), "%s/%s.signed", dir, names[i]);
		if (run(NULL, cmd_append, aa) != 0)
			die("append");
	}
	/* A free port: bind port 0, read it, release it for the server. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &alen) != 0)
		die("finding a free port");
	port = ntohs(a.sin_port);
	close(fd);
	if (pthread_create(&thr, NULL, serve_thread, NULL) != 0)
		die("starting serve");
	pthread_detach(thr);
	for (i = 0; i < 200; i++) {
		if ((fd = connect_server()) >= 0) {
			close(fd);
			fprintf(stderr, "fuzz_serve: serving %s/log on 127.0.0.1:%u\n", dir, port);
			quiet_stderr(argc, argv);
			return 0;
		}
		usleep(50 * 1000);
	}
	die("serve did not start");
	return 0;
}

/*
 * The server writes an access-log line per request on stderr: millions
 * in a long run. libFuzzer's -close_fd_mask=2 points stderr at /dev/null
 * for the target while keeping its own output and sanitizer reports on
 * the real stderr; it is added here (flags are parsed after this runs),
 * with -detect_leaks=0 (below).
 */
static void
quiet_stderr(int *argc, char ***argv)
{
	char **nv;
	int i;

	for (i = 0; i < *argc; i++)
		if (strncmp((*argv)[i], "-close_fd_mask=", 15) == 0)
			return;
	if ((report_fd = dup(2)) < 0)
		report_fd = 2;
	if ((nv = calloc((size_t)*argc + 3, sizeof(*nv))) == NULL)
		die("out of memory");
	for (i = 0; i < *argc; i++)
		nv[i] = (*argv)[i];
	nv[i++] = "-close_fd_mask=2";
	/*
	 * libFuzzer's leak check after each input races with the server's
	 * connection threads exiting: memory a thread frees in its exit
	 * destructor (hash.c's per-thread OpenSSL digest context) is reported
	 * as leaked while the thread is half gone. Leaks on the serve path are
	 * caught by the test suite under ASan/LSan (t50xx) and by the
	 * single-threaded fuzz_session and fuzz_engine.
	 */
	nv[i++] = "-detect_leaks=0";
	nv[i] = NULL;
	*argc = i;
	*argv = nv;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char probe[] =
	    "GET /checkpoint HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	char head[16];
	ssize_t n;

	n = exchange(data, size, head, sizeof(head));
	if (n < 0) {
		dprintf(report_fd, "fuzz_serve: errno %d (%s) with %zu bytes\n", errno,
		        strerror(errno), size);
		die("the connection failed: is the server wedged?");
	}
	if (n > 0 && (n < 8 || memcmp(head, "HTTP/1.", 7) != 0))
		die("an answer that is not HTTP/1.x");
	/* The server still answers, and answers 200 with the checkpoint. */
	n = exchange((const uint8_t *)probe, sizeof(probe) - 1, head, sizeof(head));
	if (n < 12 || memcmp(head + 9, "200", 3) != 0) {
		dprintf(report_fd, "fuzz_serve: the answer was %zd bytes: %.*s\n", n,
		        (int)(n > 0 ? n : 0), head);
		die("GET /checkpoint after the input is not answered 200");
	}
	return 0;
}
