/* test_httpframe.c - the strict RFC 9112 framing check (httpframe.h). */
#include "harness.h"

#include "armistice/httpframe.h"

/*
 * Feeds s whole and byte by byte; both must agree. Returns the accepted
 * length (strlen(s) when all of it frames) and leaves the whole-feed state
 * in *out.
 */
static size_t
feed(const char *s, struct httpframe *out)
{
	struct httpframe a, b;
	size_t n = strlen(s), ra, rb = 0, i;

	httpframe_init(&a);
	ra = httpframe_feed(&a, (const uint8_t *)s, n);
	httpframe_init(&b);
	for (i = 0; i < n; i++) {
		if (httpframe_feed(&b, (const uint8_t *)s + i, 1) != 1)
			break;
		rb++;
	}
	CHECKM(ra == rb, s);
	CHECK(a.phase == b.phase);
	CHECK(a.requests == b.requests);
	*out = a;
	return ra;
}

static void
accepts(const char *s, enum httpframe_phase phase, uint64_t requests)
{
	struct httpframe f;

	CHECKM(feed(s, &f) == strlen(s), f.why);
	CHECKM(f.phase == phase, s);
	CHECKM(f.requests == requests, s);
}

/* The stream is refused at byte offset at, with a reason containing word. */
static void
refuses(const char *s, size_t at, const char *word)
{
	struct httpframe f;
	size_t got = feed(s, &f);

	if (got != at)
		printf("# got %zu want %zu why %s\n", got, at, f.why);
	CHECKM(got == at, s);
	CHECKM(f.phase == HTTPFRAME_BAD, s);
	CHECKM(strstr(f.why, word) != NULL, f.why);
	CHECK(httpframe_feed(&f, (const uint8_t *)"GET / HTTP/1.1\r\n\r\n", 18) == 0);
}

static void
test_valid(void)
{
	accepts("GET /tile/0/000 HTTP/1.1\r\nHost: x\r\n\r\n", HTTPFRAME_IDLE, 1);
	accepts("GET / HTTP/1.0\r\n\r\nGET /a HTTP/1.1\r\nHost: x\r\n\r\n", HTTPFRAME_IDLE, 2);
	accepts("\r\n\r\nGET / HTTP/1.1\r\n\r\n", HTTPFRAME_IDLE, 1);
	accepts("POST /add HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", HTTPFRAME_IDLE, 1);
	accepts("POST /add HTTP/1.1\r\ncontent-length:  5 \r\n\r\nhel", HTTPFRAME_BODY, 1);
	accepts("POST /add HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	        "5\r\nhello\r\n3;a=b\r\nabc\r\n0\r\nX-T: 1\r\n\r\nGET / HTTP/1.1\r\n\r\n",
	        HTTPFRAME_IDLE, 2);
	accepts("POST /add HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\nA ;x\r\n0123456789\r\n",
	        HTTPFRAME_BODY, 1);
	accepts("GET / HTTP/1.1\r\nX: caf\xc3\xa9\t1\r\n\r\nGE", HTTPFRAME_HEAD, 2);
	accepts("POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n", HTTPFRAME_IDLE, 1);
}

static void
test_smuggling(void)
{
	const char *cl_te = "POST /add HTTP/1.1\r\nContent-Length: 4\r\n"
	                    "Transfer-Encoding: chunked\r\n\r\n";
	const char *te_cl = "POST /add HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
	                    "Content-Length: 4\r\n\r\n";

	refuses(cl_te, strlen(cl_te) - 3, "both Content-Length and Transfer-Encoding");
	refuses(te_cl, strlen(te_cl) - 3, "both Content-Length and Transfer-Encoding");
	refuses("POST / HTTP/1.1\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\n", 54,
	        "more than one Content-Length");
	refuses("POST / HTTP/1.1\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\n", 54,
	        "more than one Content-Length");
	refuses("POST / HTTP/1.1\r\nContent-Length: 4, 4\r\n\r\n", 38, "not one decimal");
	refuses("POST / HTTP/1.1\r\nContent-Length: +4\r\n\r\n", 36, "not one decimal");
	refuses("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", 54,
	        "not one decimal");
	refuses("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 50,
	        "other than 'chunked'");
	refuses("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 44, "HTTP/1.0");
	refuses("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
	        72, "more than one Transfer-Encoding");
}

static void
test_lines(void)
{
	refuses("GET / HTTP/1.1\nHost: x\r\n\r\n", 14, "bare LF");
	refuses("GET / HTTP/1.1\r\nHost: x\n\r\n", 23, "bare LF");
	refuses("GET / HTTP/1.1\r\nHost: x\r\n\n", 25, "bare LF");
	refuses("\nGET / HTTP/1.1\r\n\r\n", 0, "bare LF");
	refuses("GET / HTTP/1.1\r\nHost: x\rY: z\r\n\r\n", 24, "CR not followed by LF");
	refuses("GET / HTTP/1.1\r\nX-A: 1\r\n 2\r\n\r\n", 24, "obsolete line folding");
	refuses("GET / HTTP/1.1\r\nX-A: 1\r\n\t2\r\n\r\n", 24, "obsolete line folding");
	refuses("GET / HTTP/1.1\r\nHost : x\r\n\r\n", 20, "whitespace between");
	refuses("GET / HTTP/1.1\r\nHost\r\n\r\n", 20, "field name");
	refuses("GET / HTTP/1.1\r\nX: a\x01z\r\n\r\n", 20, "control character");
	refuses("GET  / HTTP/1.1\r\n\r\n", 4, "request target");
	refuses("GET / HTTP/1.2\r\n\r\n", 14, "HTTP/1.1 or HTTP/1.0");
	refuses("GET / HTTP/1.1 \r\n\r\n", 14, "HTTP/1.1 or HTTP/1.0");
	refuses(" GET / HTTP/1.1\r\n\r\n", 0, "method");
}

static void
test_chunks(void)
{
	char big[600];
	size_t n;

	refuses("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nz\r\n", 47, "hex");
	refuses("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n", 52,
	        "not followed by CRLF");
	refuses("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2 x\r\n", 49,
	        "whitespace and ';'");
	refuses("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n11111111111111111\r\n", 63,
	        "16 hex digits");
	refuses(
	    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nContent-Length: 1\r\n\r\n",
	    68, "trailer");
	n = (size_t)snprintf(big, sizeof(big),
	                     "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;");
	memset(big + n, 'e', 300);
	big[n + 300] = '\0';
	/* "1;" and 254 more bytes make 256 bytes of size-line tail; the next is one too many. */
	refuses(big, n - 1 + HTTPFRAME_EXT_MAX, "chunk extensions over 256");
}

static void
test_limits(void)
{
	static char head[HTTPFRAME_HEAD_MAX + 200];
	size_t n = 0;
	int i;

	n += (size_t)snprintf(head, sizeof(head), "GET / HTTP/1.1\r\n");
	for (i = 0; n + 100 < sizeof(head) - 100; i++)
		n += (size_t)snprintf(head + n, sizeof(head) - n, "X-%05d: %080d\r\n", i, 0);
	refuses(head, HTTPFRAME_HEAD_MAX, "request head over");
	memset(head, 'a', HTTPFRAME_LINE_MAX + 10);
	memcpy(head, "GET /", 5);
	head[HTTPFRAME_LINE_MAX + 10] = '\0';
	refuses(head, HTTPFRAME_LINE_MAX, "line over");
}

int
main(void)
{
	RUN(test_valid);
	RUN(test_smuggling);
	RUN(test_lines);
	RUN(test_chunks);
	RUN(test_limits);
	return HARNESS_DONE();
}
