/*
 * fuzz_bundle.c - bundle_parse() (tlog-tiles entry bundles). The first
 * byte chooses the entry count (1..256), the rest is the bundle.
 * Properties: entries lie inside the input, in order, back to back; an
 * accepted bundle rebuilt with bundle_append() is the identical bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "armistice/bundle.h"
#include "armistice/common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bundle_entry ent[256];
	struct buf b = BUF_INIT(1 << 20);
	struct arm_err e;
	unsigned count;
	uint8_t *copy;
	size_t n;

	if (size < 1)
		return 0;
	count = (unsigned)data[0] + 1;
	n = size - 1;
	copy = malloc(n ? n : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data + 1, n);
	if (bundle_parse(copy, n, count, ent, &e) == ARM_OK) {
		const uint8_t *at = copy;

		for (unsigned i = 0; i < count; i++) {
			if (ent[i].data != at + 2 || ent[i].len > BUNDLE_ENTRY_MAX)
				abort();
			if (bundle_append(&b, ent[i].data, ent[i].len, &e) != ARM_OK)
				abort();
			at += 2 + ent[i].len;
		}
		if (at != copy + n || b.len != n || (n > 0 && memcmp(b.data, copy, n) != 0))
			abort();
	} else if (e.rc != ARM_ESYNTAX) {
		abort();
	}
	buf_release(&b);
	free(copy);
	return 0;
}
