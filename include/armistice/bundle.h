/*
 * bundle.h - C2SP tlog-tiles entry bundles: a sequence of
 * u16 big-endian length || entry bytes. An entry is at most 65,535 bytes.
 * Pure; bundle_parse() points into the caller's bytes (borrowed).
 */
#ifndef ARMISTICE_BUNDLE_H
#define ARMISTICE_BUNDLE_H

#include <stdint.h>

#include "buf.h"
#include "err.h"

#define BUNDLE_ENTRY_MAX 65535u

struct bundle_entry {
	const uint8_t *data; /* into the parsed bundle */
	size_t len;
};

/* Appends one length-prefixed entry; ARM_ELIMIT past 65,535 bytes. */
int bundle_append(struct buf *b, const uint8_t *entry, size_t len,
                  struct arm_err *e) ARM_MUST_CHECK;

/*
 * Splits data[0..len) into exactly `count` entries (1..256). ARM_ESYNTAX
 * naming the entry and byte offset if the bundle is truncated, holds more
 * or fewer entries than count, or has trailing bytes.
 */
int bundle_parse(const uint8_t *data, size_t len, unsigned count, struct bundle_entry out[256],
                 struct arm_err *e) ARM_MUST_CHECK;

#endif
