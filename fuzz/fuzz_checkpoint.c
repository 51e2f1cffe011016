/*
 * fuzz_checkpoint.c - checkpoint bodies (C2SP tlog-checkpoint v1.0.0) and
 * signed checkpoints through ckpt_open().
 * Properties: an accepted body formats back to the identical bytes, and
 * ckpt_open() either refuses or yields a checkpoint whose body is the
 * note's text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "armistice/ckpt.h"
#include "armistice/common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Go's sumdb/note example key, PeterNeumann (a public demo key). */
static const char vkey[] = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct note_verifier logkey;
	static int ready;
	struct arm_err e;
	struct ckpt c, c2;
	struct note n;
	struct buf b = BUF_INIT(1 << 16);

	if (!ready) {
		if (note_verifier_parse(&logkey, vkey, strlen(vkey), &e) != ARM_OK)
			abort();
		ready = 1;
	}
	if (ckpt_parse(&c, (const char *)data, size, &e) == ARM_OK) {
		if (ckpt_format(&c, &b, &e) != ARM_OK || b.len != size ||
		    memcmp(b.data, data, size) != 0)
			abort();
	}
	if (ckpt_open(data, size, &logkey, NULL, &c, &n, &e) == ARM_OK) {
		if (ckpt_parse(&c2, n.text, n.text_len, &e) != ARM_OK ||
		    memcmp(&c, &c2, sizeof(c)) != 0)
			abort();
		note_release(&n);
	} else if (n.text != NULL) {
		abort();
	}
	buf_release(&b);
	return 0;
}
