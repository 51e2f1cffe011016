/*
 * fuzz_keyfile.c - the two key-naming parsers a signer key goes through
 * before any secret is touched: encrypted key files
 * (armistice/encrypted-key/v1, keyfile.h) and PKCS#11 URIs (RFC 7512,
 * p11uri.h). Properties: an accepted key file formats back to the
 * identical bytes (the format has one spelling); a file with a small
 * Argon2 cost is opened with a wrong passphrase and must be refused with
 * no key left behind; an accepted URI formats to a URI that parses to the
 * same value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "armistice/keyfile.h"
#include "armistice/note.h"
#include "armistice/p11uri.h"
#include "armistice/common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct keyfile kf;
	struct note_signer s;
	struct p11uri u, v;
	struct arm_err e;
	struct buf b = BUF_INIT(P11URI_MAX * 3);

	if (keyfile_parse(&kf, (const char *)data, size, &e) == ARM_OK) {
		if (keyfile_format(&kf, &b, &e) != ARM_OK || b.len != size ||
		    memcmp(b.data, data, size) != 0)
			abort();
		/* Cheap enough to try: nobody's passphrase is "fuzz". */
		if (kf.memlimit <= 65536 && kf.opslimit <= 2) {
			if (keyfile_open(&kf, "fuzz", 4, &s, &e) == ARM_OK)
				note_signer_release(&s);
			else if (s.sk != NULL)
				abort();
		}
	}
	buf_reset(&b);
	if (p11uri_parse(&u, (const char *)data, size, &e) == ARM_OK) {
		if (p11uri_format(&u, &b, &e) != ARM_OK)
			abort();
		if (p11uri_parse(&v, (const char *)b.data, b.len, &e) != ARM_OK ||
		    memcmp(&u, &v, sizeof(u)) != 0)
			abort();
	}
	buf_release(&b);
	return 0;
}
