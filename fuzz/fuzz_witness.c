/* fuzz_witness.c - the C2SP tlog-witness v1.0.0 add-checkpoint request
 * parser: any bytes must parse or be refused, never crash, and a parsed
 * request must re-format to the same bytes (one request, one encoding). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "armistice/witness.h"
#include "armistice/common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct witness_req r;
	struct arm_err e;
	struct buf out = BUF_INIT(WITNESS_MAX_BODY + 16);

	if (witness_req_parse(&r, data, size, &e) != ARM_OK)
		return 0;
	if (r.ckpt < data || r.ckpt + r.ckpt_len != data + size || r.nproof > WITNESS_MAX_PROOF ||
	    (r.old == 0 && r.nproof != 0))
		abort();
	if (witness_req_format(r.old, (const uint8_t(*)[HASH_SIZE])r.proof, r.nproof, r.ckpt,
	                       r.ckpt_len, &out, &e) != ARM_OK)
		abort();
	if (out.len != size || memcmp(out.data, data, size) != 0)
		abort();
	buf_release(&out);
	return 0;
}
