/*
 * fuzz_tproof.c - tproof_parse() (c2sp.org/tlog-proof@v1).
 * Properties: an accepted proof formats back to the identical bytes;
 * verifying it (entry "demo entry <index>", the demo log key) succeeds only
 * with the index inside the checkpoint, or refuses with a message and an
 * empty note; a refused parse leaves the struct empty.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "armistice/tproof.h"
#include "armistice/common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Go's sumdb/note example key, PeterNeumann (a public demo key). */
static const char vkey[] = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct note_verifier logkey;
	static int ready;
	struct buf b = BUF_INIT(TPROOF_MAX_SIZE * 2);
	struct arm_err e;
	struct tproof p;
	struct ckpt c;
	struct note n;

	if (!ready) {
		if (note_verifier_parse(&logkey, vkey, strlen(vkey), &e) != ARM_OK)
			abort();
		ready = 1;
	}
	if (tproof_parse(&p, data, size, TPROOF_MAX_SIZE, &e) != ARM_OK) {
		if (p.checkpoint != NULL || p.extra != NULL || e.msg[0] == '\0')
			abort();
		return 0;
	}
	if (tproof_format(&p, &b, &e) != ARM_OK || b.len != size || memcmp(b.data, data, size) != 0)
		abort();
	/* The seeds prove "demo entry <index>" under the demo key, so verify succeeds on them. */
	{
		char entry[64];
		int k =
		    snprintf(entry, sizeof(entry), "demo entry %llu", (unsigned long long)p.index);

		if (tproof_verify(&p, (const uint8_t *)entry, (size_t)k, &logkey, &c, &n, &e) ==
		    ARM_OK) {
			if (c.size <= p.index)
				abort();
			note_release(&n);
		} else if (e.msg[0] == '\0' || n.text != NULL) {
			abort();
		}
	}
	tproof_release(&p);
	buf_release(&b);
	return 0;
}
