/*
 * fuzz_importmap.c - importmap_parse() (the ACLED/UCDP mapping file an
 * importer reads from whoever prepared it) and importmap_deg_e7().
 * Properties: a refused file leaves the map empty; an accepted one has a
 * format, rules sorted and unique by (what, source), every id
 * [a-z0-9-]+ and every source findable; degrees stay in range.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "armistice/importmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct importmap m;
	struct arm_err e;
	int64_t v;
	size_t i;

	if (importmap_parse(&m, "fuzz", data, size, &e) != ARM_OK) {
		if (m.rules != NULL || m.nrules != 0)
			abort();
	} else {
		if (m.format == IMPORTMAP_NONE)
			abort();
		for (i = 0; i < m.nrules; i++) {
			const struct importmap_rule *r = &m.rules[i];
			if (r->id[0] == '\0' ||
			    strspn(r->id, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(r->id))
				abort();
			if (importmap_find(&m, r->what, r->source, r->source_len) != r)
				abort();
		}
		importmap_release(&m);
	}
	if (importmap_deg_e7((const char *)data, size, true, &v) &&
	    (v < -900000000 || v > 900000000))
		abort();
	if (importmap_deg_e7((const char *)data, size, false, &v) &&
	    (v < -1800000000 || v > 1800000000))
		abort();
	return 0;
}
