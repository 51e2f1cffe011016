/*
 * fuzz_cosignature.c - C2SP tlog-cosignature v1.0.1 (type 0x04).
 * The input is read two ways:
 *  - as a signed note, verified against a fixed cosigner key: never a
 *    crash, only ok or verify;
 *  - as u64 big-endian timestamp || checkpoint body: if the body is a
 *    checkpoint and the time fits in 63 bits, a fresh cosignature over it
 *    must verify through note_verify() and report exactly that time.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "armistice/ckpt.h"
#include "armistice/cosig.h"
#include "armistice/common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The self-derived cosigner of tlog-formats.md §1.3 (Go's public example seed). */
static const char skey[] =
    "PRIVATE+KEY+witness.example/w1+cc9a7044+BIEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct note_signer s;
	static struct note_verifier v;
	static int ready;
	struct note_check chk;
	struct arm_err e;
	struct note n;
	struct ckpt c;
	struct buf b = BUF_INIT(1 << 17);
	uint64_t ts = 0;
	size_t i;
	int rc;

	if (!ready) {
		if (note_signer_parse(&s, skey, strlen(skey), &e) != ARM_OK)
			abort();
		note_signer_verifier(&s, &v);
		ready = 1;
	}
	if (note_parse(&n, data, size, 0, &e) == ARM_OK) {
		rc = note_verify(&n, &v, 1, &chk, &e);
		if (rc != ARM_OK && rc != ARM_EVERIFY)
			abort();
		note_release(&n);
	}
	if (size < 8)
		return 0;
	for (i = 0; i < 8; i++)
		ts = ts << 8 | data[i];
	if (ckpt_parse(&c, (const char *)data + 8, size - 8, &e) != ARM_OK)
		return 0;
	rc = buf_append(&b, data + 8, size - 8, &e);
	if (rc == ARM_OK)
		rc = buf_append(&b, "\n", 1, &e);
	if (rc != ARM_OK)
		abort();
	rc = cosig_sign(&s, ts, (const char *)data + 8, size - 8, &b, &e);
	if (ts > (uint64_t)INT64_MAX) {
		if (rc != ARM_EUSAGE)
			abort();
		buf_release(&b);
		return 0;
	}
	if (rc != ARM_OK || note_parse(&n, b.data, b.len, 0, &e) != ARM_OK)
		abort();
	if (note_verify(&n, &v, 1, &chk, &e) != ARM_OK || !chk.ok || chk.timestamp != ts)
		abort();
	note_release(&n);
	buf_release(&b);
	return 0;
}
