/*
 * fuzz_csv.c - the CSV reader and the charset conversion on arbitrary
 * bytes. The first byte picks the charset; the rest is converted and read
 * record by record. Invariants checked: every record has 1..CSV_MAX_FIELDS
 * fields, each NUL-terminated at its length; line numbers never go back.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "armistice/csv.h"
#include "armistice/common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf text = BUF_INIT(1u << 20);
	struct csv_reader r;
	struct csv_record rec;
	struct arm_err e;
	enum csv_charset cs;
	size_t last_line = 0, i;
	bool done = false;

	if (size == 0)
		return 0;
	cs = (enum csv_charset)(data[0] % 3);
	if (csv_to_utf8(data + 1, size - 1, cs, &text, &e) != ARM_OK)
		goto out;
	if (csv_reader_init(&r, text.data, text.len, &e) != ARM_OK)
		goto out;
	while (csv_next(&r, &rec, &done, &e) == ARM_OK && !done) {
		if (rec.nfields < 1 || rec.nfields > CSV_MAX_FIELDS || rec.line < last_line)
			abort();
		for (i = 0; i < rec.nfields; i++)
			if (rec.field[i][rec.len[i]] != '\0' || rec.len[i] > CSV_FIELD_MAX)
				abort();
		last_line = rec.line;
	}
	csv_reader_release(&r);
out:
	buf_release(&text);
	return 0;
}
