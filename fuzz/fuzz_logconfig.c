/*
 * fuzz_logconfig.c - log_config_parse() (DIR/.armistice/config).
 * Properties: an accepted config has a valid origin and a verifier key
 * whose formatted form parses back to the same key; written out again it
 * parses to the same config.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "armistice/log.h"
#include "armistice/note.h"
#include "armistice/common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct log_config c, d;
	struct buf b = BUF_INIT(1 << 16);
	struct arm_err e;

	if (size > 16384)
		return 0;
	if (log_config_parse((const char *)data, size, &c, &e) != ARM_OK)
		return 0;
	if (c.origin[0] == '\0' || strchr(c.origin, ' ') != NULL || strchr(c.origin, '+') != NULL)
		abort();
	if (buf_printf(&b, &e, "origin %s\nvkey ", c.origin) != ARM_OK ||
	    note_verifier_format(&c.vkey, &b, &e) != ARM_OK ||
	    buf_printf(&b, &e, "\n%s%s%s", c.key_path[0] ? "key " : "", c.key_path,
	               c.key_path[0] ? "\n" : "") != ARM_OK)
		abort();
	if (log_config_parse((const char *)b.data, b.len, &d, &e) != ARM_OK)
		abort();
	if (strcmp(c.origin, d.origin) != 0 || strcmp(c.key_path, d.key_path) != 0 ||
	    memcmp(&c.vkey, &d.vkey, sizeof(c.vkey)) != 0)
		abort();
	buf_release(&b);
	return 0;
}
