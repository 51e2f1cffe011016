/*
 * fuzz_vkey.c - verifier keys "name+hex8+base64(type||pk)" and signer keys
 * "PRIVATE+KEY+name+hex8+base64(type||seed)" (golang.org/x/mod/sumdb/note).
 * Properties: an accepted key formats back to the identical bytes, its key
 * ID recomputes, and a parsed signer key's verifier verifies what it signs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "armistice/cosig.h"
#include "armistice/note.h"
#include "armistice/common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char body[] = "fuzz.example/log\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";

static void
check_signer(const struct note_signer *s)
{
	struct note_verifier v;
	struct note_check chk;
	struct arm_err e;
	struct buf b = BUF_INIT(4096);
	struct note n;

	note_signer_verifier(s, &v);
	if (buf_append(&b, body, strlen(body), &e) != ARM_OK ||
	    buf_append(&b, "\n", 1, &e) != ARM_OK)
		abort();
	if (s->type == NOTE_KEY_COSIG_V1) {
		if (cosig_sign(s, 42, body, strlen(body), &b, &e) != ARM_OK)
			abort();
	} else if (note_sign_line(s, body, strlen(body), &b, &e) != ARM_OK) {
		abort();
	}
	if (note_parse(&n, b.data, b.len, 0, &e) != ARM_OK)
		abort();
	if (note_verify(&n, &v, 1, &chk, &e) != ARM_OK || !chk.ok)
		abort();
	if (s->type == NOTE_KEY_COSIG_V1 && chk.timestamp != 42)
		abort();
	note_release(&n);
	buf_release(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct note_verifier v;
	struct note_signer s;
	struct arm_err e;
	struct buf b = BUF_INIT(4096);

	if (note_verifier_parse(&v, (const char *)data, size, &e) == ARM_OK) {
		if (note_key_id(v.name, v.type, v.pk) != v.key_id)
			abort();
		if (note_verifier_format(&v, &b, &e) != ARM_OK || b.len != size ||
		    memcmp(b.data, data, size) != 0)
			abort();
	}
	buf_reset(&b);
	if (note_signer_parse(&s, (const char *)data, size, &e) == ARM_OK) {
		if (note_signer_format(&s, &b, &e) != ARM_OK || b.len != size ||
		    memcmp(b.data, data, size) != 0)
			abort();
		check_signer(&s);
		note_signer_release(&s);
	} else if (s.sk != NULL) {
		abort(); /* a refused key leaves no secret behind */
	}
	buf_release(&b);
	return 0;
}
