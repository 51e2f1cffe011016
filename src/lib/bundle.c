/*
 * bundle.c - see bundle.h. C2SP tlog-tiles v0.1.0 "Log entries": an entry
 * bundle is a sequence of big-endian uint16 length-prefixed entries, one
 * per slot of the matching level-0 tile.
 */
#include <stdint.h>
#include <string.h>

#include "armistice/bundle.h"
#include "armistice/common.h"

int
bundle_append(struct buf *b, const uint8_t *entry, size_t len, struct arm_err *e)
{
	uint8_t hdr[2];

	if (len > BUNDLE_ENTRY_MAX)
		return arm_err_set(e, ARM_ELIMIT,
		                   "bundle: entry of %zu bytes is over the %u-byte limit of a u16 "
		                   "length prefix (tlog-tiles)",
		                   len, BUNDLE_ENTRY_MAX);
	hdr[0] = (uint8_t)(len >> 8);
	hdr[1] = (uint8_t)len;
	ARM_TRY(buf_reserve(b, 2 + len, e));
	ARM_TRY(buf_append(b, hdr, 2, e));
	return buf_append(b, entry, len, e);
}

int
bundle_parse(const uint8_t *data, size_t len, unsigned count, struct bundle_entry out[256],
             struct arm_err *e)
{
	size_t off = 0;
	unsigned i;

	if (count < 1 || count > 256)
		return arm_err_set(e, ARM_EUSAGE, "bundle: %u entries asked for, want 1..256",
		                   count);
	for (i = 0; i < count; i++) {
		size_t n;

		if (len - off < 2)
			return arm_err_set(e, ARM_ESYNTAX,
			                   "bundle: entry %u: truncated length prefix at byte %zu "
			                   "(%zu entries expected)",
			                   i, off, (size_t)count);
		n = (size_t)data[off] << 8 | data[off + 1];
		if (len - off - 2 < n)
			return arm_err_set(
			    e, ARM_ESYNTAX,
			    "bundle: entry %u: %zu bytes declared at byte %zu, only %zu left", i, n,
			    off, len - off - 2);
		out[i].data = data + off + 2;
		out[i].len = n;
		off += 2 + n;
	}
	if (off != len)
		return arm_err_set(e, ARM_ESYNTAX,
		                   "bundle: %zu trailing bytes at byte %zu after %u entries",
		                   len - off, off, count);
	return ARM_OK;
}
