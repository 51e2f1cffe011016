/*
 * fuzz_entry.c - entry_parse() (armistice/entry/v1). Properties: an
 * accepted entry formats back to the identical bytes (the format is
 * canonical: one spelling per value), and that text parses again.
 * Inputs are copied so that reads past the end are caught by ASan.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "armistice/entry.h"
#include "armistice/common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct entry en, again;
	struct buf out = BUF_INIT(ENTRY_MAX_SIZE);
	struct arm_err e;
	uint8_t *copy = malloc(size ? size : 1);

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	if (entry_parse(&en, copy, size, &e) == ARM_OK) {
		if (entry_format(&en, &out, &e) != ARM_OK)
			abort();
		if (out.len != size || memcmp(out.data, data, size) != 0)
			abort();
		if (entry_parse(&again, out.data, out.len, &e) != ARM_OK)
			abort();
		if (again.kind != en.kind || again.seq != en.seq || again.time.t != en.time.t ||
		    again.lat_e7 != en.lat_e7 || again.nevidence != en.nevidence)
			abort();
		entry_release(&again);
		entry_release(&en);
	} else if (en.author != NULL || en.body != NULL || en.evidence != NULL) {
		abort(); /* a refused entry leaves nothing behind */
	}
	buf_release(&out);
	free(copy);
	return 0;
}
