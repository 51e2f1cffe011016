/*
 * fuzz_logclock.c - clock leaf text (logclock.h) and signed clock leaves
 * through logclock_open().
 * Properties: accepted text formats back to the identical bytes; an
 * opened clock leaf's text parses to the same clock.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "armistice/logclock.h"
#include "armistice/common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Go's sumdb/note example key, PeterNeumann (a public demo key). */
static const char vkey[] = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct note_verifier key;
	static int ready;
	struct arm_err e;
	struct logclock c, c2;
	struct buf b = BUF_INIT(LOGCLOCK_TEXT_MAX);

	if (!ready) {
		if (note_verifier_parse(&key, vkey, strlen(vkey), &e) != ARM_OK)
			abort();
		ready = 1;
	}
	if (logclock_parse(&c, (const char *)data, size, &e) == ARM_OK) {
		if (logclock_format(&c, &b, &e) != ARM_OK || b.len != size ||
		    memcmp(b.data, data, size) != 0)
			abort();
		if (!logclock_is(data, size))
			abort();
	}
	if (logclock_open(&c, data, size, NULL, &e) == ARM_OK) {
		buf_reset(&b);
		if (logclock_format(&c, &b, &e) != ARM_OK ||
		    logclock_parse(&c2, (const char *)b.data, b.len, &e) != ARM_OK ||
		    memcmp(&c, &c2, sizeof(c)) != 0)
			abort();
	}
	(void)logclock_open(&c, data, size, &key, &e);
	buf_release(&b);
	return 0;
}
