/* httpframe.c - see include/armistice/httpframe.h. RFC 9112. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "armistice/httpframe.h"

enum {
	S_START,    /* before a request */
	S_PRE_LF,   /* CR of an empty line before the request line */
	S_PRE,      /* after empty lines, before the request line */
	S_METHOD,   /* request line: method */
	S_TARGET,   /* request line: request-target */
	S_VERSION,  /* request line: HTTP-version */
	S_RL_LF,    /* CR that ends the request line */
	S_FSTART,   /* start of a field line, or the empty line that ends the section */
	S_FNAME,    /* field name */
	S_FVALUE,   /* field value, up to CR */
	S_FLF,      /* CR that ends a field line */
	S_END_LF,   /* CR of the empty line that ends the head or the trailers */
	S_BODY,     /* Content-Length body */
	S_CSIZE,    /* chunk size (hex) */
	S_CBWS,     /* whitespace after a chunk size, before ';' */
	S_CEXT,     /* chunk extensions, up to CR */
	S_CSIZE_LF, /* CR that ends a chunk-size line */
	S_CDATA,    /* chunk data */
	S_CDATA_CR, /* the CRLF after chunk data */
	S_CDATA_LF,
};

static size_t httpframe_bad(struct httpframe *f, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static size_t
httpframe_bad(struct httpframe *f, size_t at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->why, sizeof(f->why), fmt, ap);
	va_end(ap);
	f->phase = HTTPFRAME_BAD;
	return at;
}

void
httpframe_init(struct httpframe *f)
{
	memset(f, 0, sizeof(*f));
	f->st = S_START;
	f->phase = HTTPFRAME_IDLE;
}

/* RFC 9110 §5.6.2 tchar. */
static bool
httpframe_tchar(uint8_t c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* RFC 9110 §5.5 field-vchar / obs-text, and SP / HTAB. */
static bool
httpframe_vchar(uint8_t c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static int
httpframe_hex(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void
httpframe_message_done(struct httpframe *f)
{
	uint64_t requests = f->requests;

	httpframe_init(f);
	f->requests = requests;
}

/* The value of a framing field without leading and trailing OWS (§5.5). */
static const char *
httpframe_trim(struct httpframe *f, size_t *len)
{
	size_t a = 0, b = f->vallen;

	while (a < b && (f->val[a] == ' ' || f->val[a] == '\t'))
		a++;
	while (b > a && (f->val[b - 1] == ' ' || f->val[b - 1] == '\t'))
		b--;
	*len = b - a;
	return f->val + a;
}

/* A whole field line has been read: check the framing fields. */
static bool
httpframe_field(struct httpframe *f, size_t at, size_t *ret)
{
	bool cl = f->namelen == 14 && memcmp(f->name, "content-length", 14) == 0;
	bool te = f->namelen == 17 && memcmp(f->name, "transfer-encoding", 17) == 0;
	const char *v;
	size_t len, i;

	if (!cl && !te)
		return true;
	if (f->trailers) {
		*ret = httpframe_bad(f, at, "%s in a trailer section (RFC 9112 §7.1.2)",
		                     cl ? "Content-Length" : "Transfer-Encoding");
		return false;
	}
	v = httpframe_trim(f, &len);
	if (cl) {
		if (f->has_cl) {
			*ret = httpframe_bad(f, at,
			                     "more than one Content-Length field (RFC 9112 §6.3)");
			return false;
		}
		if (f->valover || len == 0 || len > 19) {
			*ret = httpframe_bad(
			    f, at, "Content-Length is not one decimal number (RFC 9112 §6.3)");
			return false;
		}
		f->cl = 0;
		for (i = 0; i < len; i++) {
			if (v[i] < '0' || v[i] > '9') {
				*ret =
				    httpframe_bad(f, at,
				                  "Content-Length '%.*s' is not one decimal number "
				                  "(RFC 9112 §6.3)",
				                  (int)len, v);
				return false;
			}
			f->cl = f->cl * 10 + (uint64_t)(v[i] - '0');
		}
		f->has_cl = true;
	} else {
		if (f->has_te) {
			*ret = httpframe_bad(f, at, "more than one Transfer-Encoding field");
			return false;
		}
		if (f->http10) {
			*ret = httpframe_bad(
			    f, at, "Transfer-Encoding in an HTTP/1.0 request (RFC 9112 §6.1)");
			return false;
		}
		if (f->valover || len != 7 || strncasecmp(v, "chunked", 7) != 0) {
			*ret = httpframe_bad(f, at,
			                     "Transfer-Encoding other than 'chunked' "
			                     "(RFC 9112 §6.1)");
			return false;
		}
		f->has_te = true;
	}
	if (f->has_cl && f->has_te) {
		*ret = httpframe_bad(f, at,
		                     "both Content-Length and Transfer-Encoding (RFC 9112 §6.1)");
		return false;
	}
	return true;
}

/* The empty line after the head or the trailers has been read. */
static void
httpframe_section_done(struct httpframe *f)
{
	if (f->trailers) {
		httpframe_message_done(f);
	} else if (f->has_te) {
		f->st = S_CSIZE;
		f->remaining = 0;
		f->ndigits = 0;
		f->extlen = 0;
	} else if (f->has_cl && f->cl > 0) {
		f->st = S_BODY;
		f->remaining = f->cl;
	} else {
		httpframe_message_done(f);
	}
}

static enum httpframe_phase
httpframe_phase_of(const struct httpframe *f)
{
	if (f->phase == HTTPFRAME_BAD)
		return HTTPFRAME_BAD;
	if (f->st == S_START)
		return HTTPFRAME_IDLE;
	if (f->st >= S_BODY || f->trailers)
		return HTTPFRAME_BODY;
	return HTTPFRAME_HEAD;
}

size_t
httpframe_feed(struct httpframe *f, const uint8_t *p, size_t n)
{
	size_t i = 0, ret;
	uint64_t take;
	int h;

	if (f->phase == HTTPFRAME_BAD)
		return 0;
	while (i < n) {
		uint8_t c = p[i];

		/* Bodies pass in bulk. */
		if (f->st == S_BODY || f->st == S_CDATA) {
			take = f->remaining < n - i ? f->remaining : n - i;
			i += (size_t)take;
			f->remaining -= take;
			if (f->remaining == 0) {
				if (f->st == S_BODY)
					httpframe_message_done(f);
				else
					f->st = S_CDATA_CR;
			}
			continue;
		}
		if (f->st < S_BODY) {
			/* Head, or trailers: bounded in size and line length. */
			if (f->st == S_START) {
				f->requests++;
				f->headlen = 0;
				f->linelen = 0;
			}
			if (++f->headlen > HTTPFRAME_HEAD_MAX)
				return httpframe_bad(f, i, "%s over %u bytes",
				                     f->trailers ? "trailer section"
				                                 : "request head",
				                     HTTPFRAME_HEAD_MAX);
			if (++f->linelen > HTTPFRAME_LINE_MAX)
				return httpframe_bad(f, i, "a line over %u bytes",
				                     HTTPFRAME_LINE_MAX);
			if (c == '\n' && f->st != S_PRE_LF && f->st != S_RL_LF && f->st != S_FLF &&
			    f->st != S_END_LF)
				return httpframe_bad(f, i,
				                     "a line ended by a bare LF, not CRLF "
				                     "(RFC 9112 §2.2)");
		}
		switch (f->st) {
		case S_START:
		case S_PRE:
			if (c == '\r') {
				f->st = S_PRE_LF;
			} else if (httpframe_tchar(c)) {
				f->st = S_METHOD;
			} else {
				return httpframe_bad(f, i,
				                     "a request line must start with a method "
				                     "(RFC 9112 §3)");
			}
			break;
		case S_PRE_LF:
		case S_RL_LF:
		case S_FLF:
		case S_END_LF:
			if (c != '\n')
				return httpframe_bad(f, i, "CR not followed by LF (RFC 9112 §2.2)");
			f->linelen = 0;
			if (f->st == S_PRE_LF) {
				f->st = S_PRE;
			} else if (f->st == S_RL_LF) {
				f->st = S_FSTART;
			} else if (f->st == S_FLF) {
				if (!httpframe_field(f, i, &ret))
					return ret;
				f->st = S_FSTART;
			} else {
				httpframe_section_done(f);
			}
			break;
		case S_METHOD:
			if (c == ' ') {
				f->st = S_TARGET;
				f->extlen = 0;
			} else if (!httpframe_tchar(c))
				return httpframe_bad(f, i,
				                     "a method is a token followed by one space "
				                     "(RFC 9112 §3)");
			break;
		case S_TARGET:
			if (c == ' ' && f->extlen == 0) {
				return httpframe_bad(f, i,
				                     "an empty request target (RFC 9112 §3.2)");
			} else if (c == ' ') {
				f->st = S_VERSION;
				f->verlen = 0;
			} else if (c < 0x21 || c > 0x7e) {
				return httpframe_bad(f, i,
				                     "a request target holds only visible ASCII "
				                     "(RFC 9112 §3.2)");
			} else {
				f->extlen++;
			}
			break;
		case S_VERSION:
			if (c == '\r') {
				if (f->verlen != 8 || (memcmp(f->ver, "HTTP/1.1", 8) != 0 &&
				                       memcmp(f->ver, "HTTP/1.0", 8) != 0))
					return httpframe_bad(
					    f, i,
					    "the request line does not end with "
					    "HTTP/1.1 or HTTP/1.0 (RFC 9112 §2.3)");
				f->http10 = f->ver[7] == '0';
				f->st = S_RL_LF;
			} else if (f->verlen == 8) {
				return httpframe_bad(f, i,
				                     "the request line does not end with "
				                     "HTTP/1.1 or HTTP/1.0 (RFC 9112 §2.3)");
			} else {
				f->ver[f->verlen++] = (char)c;
			}
			break;
		case S_FSTART:
			if (c == '\r') {
				f->st = S_END_LF;
			} else if (c == ' ' || c == '\t') {
				return httpframe_bad(f, i, "obsolete line folding (RFC 9112 §5.2)");
			} else if (httpframe_tchar(c)) {
				f->st = S_FNAME;
				f->name[0] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
				f->namelen = 1;
				f->vallen = 0;
				f->valover = false;
			} else {
				return httpframe_bad(f, i,
				                     "a field line must start with a field name "
				                     "(RFC 9112 §5)");
			}
			break;
		case S_FNAME:
			if (c == ':') {
				f->st = S_FVALUE;
			} else if (c == ' ' || c == '\t') {
				return httpframe_bad(f, i,
				                     "whitespace between a field name and its "
				                     "colon (RFC 9112 §5.1)");
			} else if (!httpframe_tchar(c)) {
				return httpframe_bad(f, i,
				                     "a field name is a token followed by a colon "
				                     "(RFC 9112 §5.1)");
			} else if (f->namelen < sizeof(f->name)) {
				f->name[f->namelen++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
			}
			break;
		case S_FVALUE:
			if (c == '\r') {
				f->st = S_FLF;
			} else if (!httpframe_vchar(c)) {
				return httpframe_bad(f, i,
				                     "a control character in a field value "
				                     "(RFC 9110 §5.5)");
			} else if (f->vallen < sizeof(f->val)) {
				f->val[f->vallen++] = (char)c;
			} else {
				f->valover = true;
			}
			break;
		case S_CSIZE:
			if ((h = httpframe_hex(c)) >= 0) {
				if (f->ndigits == 16)
					return httpframe_bad(f, i,
					                     "a chunk size over 16 hex digits");
				f->remaining = f->remaining * 16 + (uint64_t)h;
				f->ndigits++;
				break;
			}
			if (f->ndigits == 0)
				return httpframe_bad(f, i,
				                     "a chunk size must be hex digits "
				                     "(RFC 9112 §7.1)");
			f->extlen = 1;
			if (c == '\r')
				f->st = S_CSIZE_LF;
			else if (c == ';')
				f->st = S_CEXT;
			else if (c == ' ' || c == '\t')
				f->st = S_CBWS;
			else
				return httpframe_bad(f, i,
				                     "a chunk size must be hex digits "
				                     "(RFC 9112 §7.1)");
			break;
		case S_CBWS:
		case S_CEXT:
			if (c == '\r' && f->st == S_CEXT) {
				f->st = S_CSIZE_LF;
				break;
			}
			if (++f->extlen > HTTPFRAME_EXT_MAX)
				return httpframe_bad(f, i, "chunk extensions over %u bytes",
				                     HTTPFRAME_EXT_MAX);
			if (f->st == S_CBWS) {
				if (c == ';')
					f->st = S_CEXT;
				else if (c != ' ' && c != '\t')
					return httpframe_bad(f, i,
					                     "only whitespace and ';' may follow a "
					                     "chunk size (RFC 9112 §7.1.1)");
			} else if (!httpframe_vchar(c)) {
				return httpframe_bad(f, i,
				                     "a control character in a chunk extension "
				                     "(RFC 9112 §7.1.1)");
			}
			break;
		case S_CSIZE_LF:
			if (c != '\n')
				return httpframe_bad(f, i, "CR not followed by LF (RFC 9112 §2.2)");
			if (f->remaining == 0) {
				/* The last chunk: trailer fields follow, then an empty line. */
				f->trailers = true;
				f->st = S_FSTART;
				f->headlen = 0;
				f->linelen = 0;
			} else {
				f->st = S_CDATA;
			}
			break;
		case S_CDATA_CR:
			if (c != '\r')
				return httpframe_bad(f, i,
				                     "chunk data not followed by CRLF "
				                     "(RFC 9112 §7.1)");
			f->st = S_CDATA_LF;
			break;
		case S_CDATA_LF:
			if (c != '\n')
				return httpframe_bad(f, i, "CR not followed by LF (RFC 9112 §2.2)");
			f->st = S_CSIZE;
			f->remaining = 0;
			f->ndigits = 0;
			break;
		default: return httpframe_bad(f, i, "internal: unknown state");
		}
		i++;
	}
	f->phase = httpframe_phase_of(f);
	return n;
}
