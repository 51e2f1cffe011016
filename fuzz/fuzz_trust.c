/* fuzz_trust.c - the auditor's trust record (trust.h) and the --trust file
 * reader: any bytes must parse or be refused, never crash, and a parsed
 * record must format back to the same bytes (one record, one encoding). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "armistice/trust.h"
#include "armistice/common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct trust_roots r, r2;
	struct arm_err e;
	struct buf out = BUF_INIT(TRUST_MAX_SIZE + 1024);
	enum trust_pin_kind k;
	uint8_t id[HASH_SIZE];

	if (trust_pin_parse(data, size, &k, id, &r2, &e) == ARM_OK &&
	    (k < TRUST_PIN_ID || k > TRUST_PIN_YAML))
		abort();
	if (trust_parse(&r, data, size, &e) != ARM_OK)
		return 0;
	if (trust_format(&r, &out, &e) != ARM_OK)
		abort();
	if (out.len != size || memcmp(out.data, data, size) != 0)
		abort();
	if (trust_diff(&r, &r, NULL) != 0)
		abort();
	buf_release(&out);
	return 0;
}
