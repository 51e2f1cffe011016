/* test_csv.c - the RFC 4180 reader and the charset conversion. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "armistice/csv.h"
#include "armistice/common.h"
#include "harness.h"

/* Reads all records of s; returns the count, or -1 on error (message in e). */
static int
count_records(const char *s, size_t len, struct arm_err *e)
{
	struct csv_reader r;
	struct csv_record rec;
	bool done = false;
	int n = 0;

	if (csv_reader_init(&r, (const uint8_t *)s, len, e) != ARM_OK)
		return -1;
	for (;;) {
		if (csv_next(&r, &rec, &done, e) != ARM_OK) {
			n = -1;
			break;
		}
		if (done)
			break;
		n++;
	}
	csv_reader_release(&r);
	return n;
}

static bool
field_is(const struct csv_record *rec, size_t i, const char *want)
{
	return i < rec->nfields && rec->len[i] == strlen(want) &&
	       memcmp(rec->field[i], want, rec->len[i]) == 0 && rec->field[i][rec->len[i]] == '\0';
}

static void
test_line_ends(void)
{
	struct arm_err e;

	CHECK(count_records("a,b\r\nc,d\r\n", 10, &e) == 2);
	CHECK(count_records("a,b\nc,d\n", 8, &e) == 2);
	CHECK(count_records("a,b\rc,d\r", 8, &e) == 2);
	CHECK(count_records("a,b\rc,d", 7, &e) == 2);         /* last record unterminated */
	CHECK(count_records("a\r\n\r\n\nb\r\r", 9, &e) == 2); /* blank lines skipped */
	CHECK(count_records("", 0, &e) == 0);
	CHECK(count_records("\r\n\r", 3, &e) == 0);
}

static void
test_quoted(void)
{
	static const char s[] = "id,text\r1,\"a, \"\"b\"\"\rand c\"\r2,\"\"\r3,x,\r";
	struct csv_reader r;
	struct csv_record rec;
	struct arm_err e;
	bool done;

	CHECK(csv_reader_init(&r, (const uint8_t *)s, sizeof(s) - 1, &e) == ARM_OK);
	CHECK(csv_next(&r, &rec, &done, &e) == ARM_OK && !done);
	CHECK(rec.line == 1 && rec.nfields == 2 && csv_find(&rec, "text") == 1);
	CHECK(csv_find(&rec, "nope") == -1);
	CHECK(csv_next(&r, &rec, &done, &e) == ARM_OK && !done);
	CHECK(rec.line == 2 && rec.nfields == 2);
	CHECK(field_is(&rec, 1, "a, \"b\"\rand c"));
	/* the CR inside the quotes counted one physical line */
	CHECK(csv_next(&r, &rec, &done, &e) == ARM_OK && !done);
	CHECK(rec.line == 4 && field_is(&rec, 0, "2") && field_is(&rec, 1, ""));
	CHECK(csv_next(&r, &rec, &done, &e) == ARM_OK && !done);
	CHECK(rec.line == 5 && rec.nfields == 3 && field_is(&rec, 2, ""));
	CHECK(csv_next(&r, &rec, &done, &e) == ARM_OK && done);
	CHECK(r.nrecords == 4);
	csv_reader_release(&r);
	csv_reader_release(&r); /* NULL-safe twice */
}

static void
expect_error(const char *s, size_t len, enum arm_rc rc, const char *where)
{
	struct arm_err e;

	arm_err_clear(&e);
	CHECKM(count_records(s, len, &e) == -1, s);
	CHECKM(e.rc == rc, e.msg);
	CHECKM(strstr(e.msg, where) != NULL, e.msg);
}

static void
test_refusals(void)
{
	char many[CSV_MAX_FIELDS * 2 + 4];
	size_t i;

	expect_error("a,b\nc,d\"e\n", 10, ARM_ESYNTAX, "line 2 col 4");
	expect_error("a,b\n\"c\"x,d\n", 11, ARM_ESYNTAX, "line 2 col 4");
	expect_error("a\n\"never closed,\n", 17, ARM_ESYNTAX, "opened at line 2 col 1");
	expect_error("a,b\rc\0d\r", 8, ARM_ESYNTAX, "NUL byte at line 2 col 2");
	for (i = 0; i <= CSV_MAX_FIELDS; i++) {
		many[2 * i] = 'x';
		many[2 * i + 1] = ',';
	}
	expect_error(many, 2 * CSV_MAX_FIELDS + 1, ARM_ELIMIT, "more than 64 fields");
}

static void
test_field_limit(void)
{
	size_t n = CSV_FIELD_MAX + 10;
	char *s = malloc(n);

	CHECK(s != NULL);
	if (s == NULL)
		return;
	memset(s, 'a', n);
	expect_error(s, n, ARM_ELIMIT, "field longer than");
	free(s);
}

static void
test_charsets(void)
{
	static const uint8_t mac[] = {'i', 't', 0xD5, 's', '\r', 0xCA, 0xD2, 'x', 0xD3};
	static const uint8_t bad[] = {'o', 'k', '\r', 'a', 0xD5, 's'};
	static const uint8_t overlong[] = {0xC0, 0xAF};
	static const uint8_t surrogate[] = {0xED, 0xA0, 0x80};
	static const uint8_t good[] = {0xEF, 0xBB, 0xBF, 'a',  0xE2, 0x80,
	                               0x99, 0xF0, 0x9F, 0x98, 0x80};
	struct buf out = BUF_INIT(1024);
	struct arm_err e;
	enum csv_charset cs;

	CHECK(csv_charset_parse("mac-roman", &cs, &e) == ARM_OK && cs == CSV_MACROMAN);
	CHECK(csv_charset_parse("MacRoman", &cs, &e) == ARM_EUSAGE);
	CHECK(csv_to_utf8(mac, sizeof(mac), CSV_MACROMAN, &out, &e) == ARM_OK);
	CHECK(out.len == 16 &&
	      memcmp(out.data, "it\xE2\x80\x99s\r\xC2\xA0\xE2\x80\x9Cx\xE2\x80\x9D", 16) == 0);
	buf_reset(&out);
	CHECK(csv_to_utf8(mac, 4, CSV_LATIN1, &out, &e) == ARM_OK);
	CHECK(out.len == 5 && memcmp(out.data, "it\xC3\x95s", 5) == 0);
	buf_reset(&out);
	CHECK(csv_to_utf8(bad, sizeof(bad), CSV_UTF8, &out, &e) == ARM_ESYNTAX);
	CHECKM(strstr(e.msg, "byte 0xd5 at line 2 col 2") != NULL, e.msg);
	buf_reset(&out);
	CHECK(csv_to_utf8(overlong, sizeof(overlong), CSV_UTF8, &out, &e) == ARM_ESYNTAX);
	buf_reset(&out);
	CHECK(csv_to_utf8(surrogate, sizeof(surrogate), CSV_UTF8, &out, &e) == ARM_ESYNTAX);
	buf_reset(&out);
	CHECK(csv_to_utf8(good, sizeof(good) - 1, CSV_UTF8, &out, &e) == ARM_ESYNTAX); /* cut */
	buf_reset(&out);
	CHECK(csv_to_utf8(good, sizeof(good), CSV_UTF8, &out, &e) == ARM_OK);
	CHECK(out.len == 8 && out.data[0] == 'a'); /* BOM dropped */
	buf_release(&out);
}

/* The CSIS table as it is: Mac Roman, bare CR record ends, quoted commas. */
static void
test_provocations_file(void)
{
	const char *path = "examples/korea-2018/data/nk-provocations-1958-2017.csv";
	struct buf raw = BUF_INIT(CSV_INPUT_MAX), text = BUF_INIT(CSV_INPUT_MAX);
	struct csv_reader r;
	struct csv_record rec;
	struct arm_err e;
	bool done = false;
	int rows = 0, wrong_width = 0, first2017 = 0;
	FILE *f = fopen(path, "rb");
	char chunk[8192];
	size_t n;

	CHECKM(f != NULL, path);
	if (f == NULL)
		return;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		CHECK(buf_append(&raw, chunk, n, &e) == ARM_OK);
	fclose(f);
	CHECK(csv_to_utf8(raw.data, raw.len, CSV_UTF8, &text, &e) == ARM_ESYNTAX);
	buf_reset(&text);
	CHECK(csv_to_utf8(raw.data, raw.len, CSV_MACROMAN, &text, &e) == ARM_OK);
	CHECK(csv_reader_init(&r, text.data, text.len, &e) == ARM_OK);
	CHECK(csv_next(&r, &rec, &done, &e) == ARM_OK && !done);
	CHECK(rec.nfields == 8 && csv_find(&rec, "date") == 0 && csv_find(&rec, "media") == 7);
	for (;;) {
		if (csv_next(&r, &rec, &done, &e) != ARM_OK) {
			CHECKM(0, e.msg);
			break;
		}
		if (done)
			break;
		rows++;
		if (rec.nfields != 8)
			wrong_width++;
		if (rows == 1)
			first2017 = field_is(&rec, 0, "2017-11-29") && rec.line == 2;
	}
	CHECK(rows == 275);
	CHECK(wrong_width == 0);
	CHECK(first2017);
	csv_reader_release(&r);
	buf_release(&raw);
	buf_release(&text);
}

int
main(void)
{
	RUN(test_line_ends);
	RUN(test_quoted);
	RUN(test_refusals);
	RUN(test_field_limit);
	RUN(test_charsets);
	RUN(test_provocations_file);
	return HARNESS_DONE();
}
