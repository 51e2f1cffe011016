/*
 * httpframe.h - a strict check of HTTP/1.1 request framing (RFC 9112),
 * run on the raw bytes a server reads, before its HTTP parser sees them.
 *
 * Why: libmicrohttpd 0.9.75 (Debian 12) parses leniently. It takes bare LF
 * as a line end, joins obsolete folded lines, reads a body by
 * Transfer-Encoding and ignores a Content-Length beside it, takes the first
 * of two Content-Length fields, and skips chunk extensions of any length.
 * A front end that frames the same bytes differently (request smuggling)
 * or a client that hides a second request behind the first then gets an
 * answer. This checker sees every byte first, in order, and stops the
 * stream at the first byte that does not frame as RFC 9112 says; nothing
 * from that byte on reaches the parser, so no request behind it is served
 * (RFC 9112 §6.1, §6.3: such a message is an error and the connection is
 * closed).
 *
 * What it refuses, each with one line naming the rule:
 *   - a line not ended by CRLF (bare LF, or CR not followed by LF; §2.2);
 *   - a request line that is not METHOD SP TARGET SP HTTP/1.0|1.1 (§3);
 *   - obsolete line folding (a field line starting with SP or HTAB; §5.2);
 *   - whitespace between a field name and its colon (§5.1), a field line
 *     without a colon, control characters in a field value (§5.5);
 *   - Content-Length together with Transfer-Encoding (§6.1), more than one
 *     Content-Length field or a list in one (§6.3: duplicates and
 *     conflicts are both refused), a Content-Length that is not digits;
 *   - a Transfer-Encoding other than exactly "chunked", more than one, or
 *     one in an HTTP/1.0 request (§6.1);
 *   - in a chunked body: a chunk size that is not hex or over 16 digits,
 *     chunk extensions over HTTPFRAME_EXT_MAX bytes, chunk data not
 *     followed by CRLF, malformed trailer fields (§7.1);
 *   - a request head (or trailer section) over HTTPFRAME_HEAD_MAX bytes or
 *     a line over HTTPFRAME_LINE_MAX bytes.
 * Empty lines before a request line are skipped (§2.2 allows it).
 *
 * It does not interpret anything else (methods, targets, other fields are
 * the parser's and the handlers' business) and it does not bound a body's
 * size (the server's body limit does).
 *
 * The phase (idle between requests, reading a head, reading a body) and a
 * count of requests started let the caller put deadlines on a head and on
 * a body that bytes do not reset (httpd.c).
 *
 * Ownership: struct httpframe is plain memory owned by the caller; no
 * allocation. Not thread-safe: one per connection, fed by one thread.
 */
#ifndef ARMISTICE_HTTPFRAME_H
#define ARMISTICE_HTTPFRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTPFRAME_HEAD_MAX (32u * 1024u) /* bytes of one request head or trailer section */
#define HTTPFRAME_LINE_MAX (8u * 1024u)  /* bytes of one request or field line */
#define HTTPFRAME_EXT_MAX 256u           /* bytes of chunk extensions on one chunk-size line */

enum httpframe_phase {
	HTTPFRAME_IDLE, /* between requests: nothing of the next one read yet */
	HTTPFRAME_HEAD, /* inside a request line and its fields */
	HTTPFRAME_BODY, /* inside a body (Content-Length or chunked, and trailers) */
	HTTPFRAME_BAD,  /* refused: why says which rule; nothing more is accepted */
};

struct httpframe {
	enum httpframe_phase phase;
	int st;              /* private: parser state */
	uint64_t requests;   /* requests whose first byte has been seen */
	uint64_t remaining;  /* private: bytes left in a Content-Length body or chunk */
	uint32_t headlen;    /* private: bytes of the current head or trailers */
	uint32_t linelen;    /* private: bytes of the current line */
	uint32_t extlen;     /* private: bytes of chunk extensions on this line */
	uint8_t ndigits;     /* private: hex digits of this chunk size */
	bool http10;         /* private */
	bool trailers;       /* private: fields are trailers, not the head */
	bool has_cl, has_te; /* private */
	uint64_t cl;         /* private */
	char name[24];       /* private: field name, lower case, truncated */
	uint8_t namelen;     /* private */
	char val[40];        /* private: value of a framing field, truncated */
	uint8_t vallen;      /* private */
	bool valover;        /* private: the framing field value did not fit */
	char ver[9];         /* private */
	uint8_t verlen;      /* private */
	char why[120];       /* after HTTPFRAME_BAD: the rule broken, one line */
};

void httpframe_init(struct httpframe *f);

/*
 * Feeds the next n bytes of the stream. Returns how many of them frame
 * correctly: n, or, once the stream breaks a rule, the offset of the first
 * byte that breaks it (f->phase is then HTTPFRAME_BAD and f->why set). A
 * stream refused once stays refused: later calls return 0.
 */
size_t httpframe_feed(struct httpframe *f, const uint8_t *p, size_t n);

#endif
