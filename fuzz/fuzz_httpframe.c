/*
 * fuzz_httpframe.c - the RFC 9112 framing check (httpframe.h).
 * Properties: the result does not depend on how the stream is split into
 * reads (whole, at a point taken from the input, and byte by byte give the
 * same accepted length, phase and request count); the accepted length is
 * never more than was fed; a refusal always names a rule; a refused
 * stream accepts nothing more.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "armistice/httpframe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t
feed_split(struct httpframe *f, const uint8_t *p, size_t n, size_t cut)
{
	size_t a;

	httpframe_init(f);
	if (cut > n)
		cut = n;
	a = httpframe_feed(f, p, cut);
	if (a < cut)
		return a;
	return a + httpframe_feed(f, p + cut, n - cut);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct httpframe whole, split, bytes;
	size_t a, b, c = 0, i, cut;

	if (size < 2)
		return 0;
	cut = ((size_t)data[0] << 8 | data[1]) % size;
	data += 2;
	size -= 2;
	httpframe_init(&whole);
	a = httpframe_feed(&whole, data, size);
	if (a > size)
		abort();
	b = feed_split(&split, data, size, cut);
	httpframe_init(&bytes);
	for (i = 0; i < size; i++) {
		if (httpframe_feed(&bytes, data + i, 1) != 1)
			break;
		c++;
	}
	if (a != b || a != c || whole.phase != split.phase || whole.phase != bytes.phase ||
	    whole.requests != split.requests || whole.requests != bytes.requests)
		abort();
	if (whole.phase == HTTPFRAME_BAD) {
		if (whole.why[0] == '\0')
			abort();
		if (httpframe_feed(&whole, (const uint8_t *)"GET / HTTP/1.1\r\n\r\n", 18) != 0)
			abort();
	} else if (a != size) {
		abort();
	}
	return 0;
}
