/*
 * fuzz_note.c - signed-note parser (C2SP signed-note v1.0.0).
 * Properties: anything note_parse() accepts formats back to the identical
 * bytes (one encoding per note), its text passes note_text_valid(), and
 * note_verify() against fixed Ed25519 and cosigner keys never crashes and
 * only ever returns ok or verify.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "armistice/note.h"
#include "armistice/common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The spec's example vkey and the self-derived cosigner of tlog-formats.md §1.3. */
static const char *const vkeys[] = {
    "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
    "witness.example/w1+cc9a7044+BBpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct note_verifier keys[2];
	static int ready;
	struct note_check chk[2];
	struct arm_err e;
	struct note n;
	struct buf b = BUF_INIT(NOTE_MAX_SIZE + 16);
	size_t i;
	int rc;

	if (!ready) {
		for (i = 0; i < 2; i++)
			if (note_verifier_parse(&keys[i], vkeys[i], strlen(vkeys[i]), &e) != ARM_OK)
				abort();
		ready = 1;
	}
	if (note_parse(&n, data, size, 0, &e) != ARM_OK) {
		if (n.text != NULL || n.sigs != NULL || n.nsigs != 0)
			abort(); /* a refused note leaves nothing behind */
		return 0;
	}
	if (note_text_valid(n.text, n.text_len, &e) != ARM_OK || n.nsigs == 0 ||
	    n.nsigs > NOTE_MAX_SIGS)
		abort();
	if (note_format(&n, &b, &e) != ARM_OK || b.len != size || memcmp(b.data, data, size) != 0)
		abort();
	rc = note_verify(&n, keys, 2, chk, &e);
	if (rc != ARM_OK && rc != ARM_EVERIFY)
		abort();
	if (rc == ARM_OK && !chk[0].ok && !chk[1].ok)
		abort(); /* ok means some known key verified */
	buf_release(&b);
	note_release(&n);
	return 0;
}
