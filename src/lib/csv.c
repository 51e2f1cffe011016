/* csv.c - see csv.h. RFC 4180 §2, widened only where csv.h says. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "armistice/csv.h"
#include "armistice/common.h"

int
csv_reader_init(struct csv_reader *r, const uint8_t *in, size_t len, struct arm_err *e)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->store, CSV_RECORD_MAX + CSV_MAX_FIELDS);
	if (len > CSV_INPUT_MAX)
		return arm_err_set(e, ARM_ELIMIT,
		                   "csv: input of %zu bytes is over the %u-byte limit", len,
		                   CSV_INPUT_MAX);
	r->in = in;
	r->in_len = len;
	r->line = 1;
	return ARM_OK;
}

void
csv_reader_release(struct csv_reader *r)
{
	if (r == NULL)
		return;
	buf_release(&r->store);
}

static size_t
col(const struct csv_reader *r)
{
	return r->off - r->line_start + 1;
}

static bool
at_eol(const struct csv_reader *r)
{
	return r->off < r->in_len && (r->in[r->off] == '\r' || r->in[r->off] == '\n');
}

/* Consumes one record end: CRLF, LF or a bare CR. */
static void
eat_eol(struct csv_reader *r)
{
	if (r->in[r->off] == '\r' && r->off + 1 < r->in_len && r->in[r->off + 1] == '\n')
		r->off++;
	r->off++;
	r->line++;
	r->line_start = r->off;
}

static int
put(struct csv_reader *r, const uint8_t *p, size_t n, size_t field_start, struct arm_err *e)
{
	if (r->store.len - field_start + n > CSV_FIELD_MAX)
		return arm_err_set(e, ARM_ELIMIT,
		                   "csv: field longer than %d bytes at line %zu col %zu",
		                   CSV_FIELD_MAX, r->line, col(r));
	if (r->store.len + n > CSV_RECORD_MAX)
		return arm_err_set(e, ARM_ELIMIT,
		                   "csv: record longer than %u bytes at line %zu col %zu",
		                   CSV_RECORD_MAX, r->line, col(r));
	return buf_append(&r->store, p, n, e);
}

/* RFC 4180 §2 rules 5-7: a quoted field; r->off is on the opening quote. */
static int
quoted_field(struct csv_reader *r, size_t start, struct arm_err *e)
{
	size_t oline = r->line, ocol = col(r);

	r->off++;
	for (;;) {
		uint8_t c;

		if (r->off >= r->in_len)
			return arm_err_set(
			    e, ARM_ESYNTAX,
			    "csv: quoted field opened at line %zu col %zu is never closed", oline,
			    ocol);
		c = r->in[r->off];
		if (c == '"') {
			if (r->off + 1 < r->in_len && r->in[r->off + 1] == '"') {
				ARM_TRY(put(r, &c, 1, start, e));
				r->off += 2;
				continue;
			}
			r->off++;
			break;
		}
		if (c == '\0')
			return arm_err_set(e, ARM_ESYNTAX, "csv: NUL byte at line %zu col %zu",
			                   r->line, col(r));
		if (c == '\r' || c == '\n') {
			/* Line breaks inside quotes are data (rule 6); keep them as written. */
			size_t from = r->off;

			eat_eol(r);
			ARM_TRY(put(r, r->in + from, r->off - from, start, e));
			continue;
		}
		ARM_TRY(put(r, &c, 1, start, e));
		r->off++;
	}
	if (r->off < r->in_len && r->in[r->off] != ',' && !at_eol(r))
		return arm_err_set(
		    e, ARM_ESYNTAX,
		    "csv: '%c' after the closing quote at line %zu col %zu (want a comma "
		    "or a line end)",
		    r->in[r->off] >= 0x20 && r->in[r->off] < 0x7f ? r->in[r->off] : '?', r->line,
		    col(r));
	return ARM_OK;
}

/* RFC 4180 §2 rule 5: an unquoted field may not hold a double quote. */
static int
plain_field(struct csv_reader *r, size_t start, struct arm_err *e)
{
	size_t from = r->off;

	while (r->off < r->in_len && r->in[r->off] != ',' && !at_eol(r)) {
		if (r->in[r->off] == '"')
			return arm_err_set(
			    e, ARM_ESYNTAX,
			    "csv: double quote inside an unquoted field at line %zu col %zu",
			    r->line, col(r));
		if (r->in[r->off] == '\0')
			return arm_err_set(e, ARM_ESYNTAX, "csv: NUL byte at line %zu col %zu",
			                   r->line, col(r));
		r->off++;
	}
	return put(r, r->in + from, r->off - from, start, e);
}

int
csv_next(struct csv_reader *r, struct csv_record *rec, bool *done, struct arm_err *e)
{
	size_t offs[CSV_MAX_FIELDS];
	size_t n = 0, i;

	memset(rec, 0, sizeof(*rec));
	*done = false;
	buf_reset(&r->store);
	while (at_eol(r))
		eat_eol(r);
	if (r->off >= r->in_len) {
		*done = true;
		return ARM_OK;
	}
	rec->line = r->line;
	for (;;) {
		size_t start = r->store.len;

		if (n == CSV_MAX_FIELDS)
			return arm_err_set(e, ARM_ELIMIT,
			                   "csv: more than %d fields at line %zu col %zu",
			                   CSV_MAX_FIELDS, r->line, col(r));
		if (r->off < r->in_len && r->in[r->off] == '"')
			ARM_TRY(quoted_field(r, start, e));
		else
			ARM_TRY(plain_field(r, start, e));
		/* Each field ends in a NUL in the store, so it can be used as a string. */
		ARM_TRY(buf_append(&r->store, "", 1, e));
		offs[n] = start;
		rec->len[n] = r->store.len - 1 - start;
		n++;
		if (r->off < r->in_len && r->in[r->off] == ',') {
			r->off++;
			continue;
		}
		if (r->off < r->in_len)
			eat_eol(r);
		break;
	}
	/* The store no longer moves: hand out pointers into it. */
	for (i = 0; i < n; i++)
		rec->field[i] = (const char *)r->store.data + offs[i];
	rec->nfields = n;
	r->nrecords++;
	return ARM_OK;
}

int
csv_find(const struct csv_record *header, const char *name)
{
	size_t i, nl = strlen(name);

	for (i = 0; i < header->nfields; i++)
		if (header->len[i] == nl && memcmp(header->field[i], name, nl) == 0)
			return (int)i;
	return -1;
}

int
csv_charset_parse(const char *name, enum csv_charset *cs, struct arm_err *e)
{
	if (strcmp(name, "utf-8") == 0)
		*cs = CSV_UTF8;
	else if (strcmp(name, "latin-1") == 0)
		*cs = CSV_LATIN1;
	else if (strcmp(name, "mac-roman") == 0)
		*cs = CSV_MACROMAN;
	else
		return arm_err_set(e, ARM_EUSAGE,
		                   "unknown charset '%s' (want utf-8, latin-1 or mac-roman)", name);
	return ARM_OK;
}

/* Mac OS Roman 0x80..0xFF as Unicode code points (Apple's ROMAN.TXT, 1998). */
static const uint16_t macroman_hi[128] = {
    0x00C4, 0x00C5, 0x00C7, 0x00C9, 0x00D1, 0x00D6, 0x00DC, 0x00E1, 0x00E0, 0x00E2, 0x00E4, 0x00E3,
    0x00E5, 0x00E7, 0x00E9, 0x00E8, 0x00EA, 0x00EB, 0x00ED, 0x00EC, 0x00EE, 0x00EF, 0x00F1, 0x00F3,
    0x00F2, 0x00F4, 0x00F6, 0x00F5, 0x00FA, 0x00F9, 0x00FB, 0x00FC, 0x2020, 0x00B0, 0x00A2, 0x00A3,
    0x00A7, 0x2022, 0x00B6, 0x00DF, 0x00AE, 0x00A9, 0x2122, 0x00B4, 0x00A8, 0x2260, 0x00C6, 0x00D8,
    0x221E, 0x00B1, 0x2264, 0x2265, 0x00A5, 0x00B5, 0x2202, 0x2211, 0x220F, 0x03C0, 0x222B, 0x00AA,
    0x00BA, 0x03A9, 0x00E6, 0x00F8, 0x00BF, 0x00A1, 0x00AC, 0x221A, 0x0192, 0x2248, 0x2206, 0x00AB,
    0x00BB, 0x2026, 0x00A0, 0x00C0, 0x00C3, 0x00D5, 0x0152, 0x0153, 0x2013, 0x2014, 0x201C, 0x201D,
    0x2018, 0x2019, 0x00F7, 0x25CA, 0x00FF, 0x0178, 0x2044, 0x20AC, 0x2039, 0x203A, 0xFB01, 0xFB02,
    0x2021, 0x00B7, 0x201A, 0x201E, 0x2030, 0x00C2, 0x00CA, 0x00C1, 0x00CB, 0x00C8, 0x00CD, 0x00CE,
    0x00CF, 0x00CC, 0x00D3, 0x00D4, 0xF8FF, 0x00D2, 0x00DA, 0x00DB, 0x00D9, 0x0131, 0x02C6, 0x02DC,
    0x00AF, 0x02D8, 0x02D9, 0x02DA, 0x00B8, 0x02DD, 0x02DB, 0x02C7,
};

static int
put_utf8(struct buf *out, uint32_t cp, struct arm_err *e)
{
	uint8_t u[3];

	if (cp < 0x80) {
		u[0] = (uint8_t)cp;
		return buf_append(out, u, 1, e);
	}
	if (cp < 0x800) {
		u[0] = (uint8_t)(0xC0 | (cp >> 6));
		u[1] = (uint8_t)(0x80 | (cp & 0x3F));
		return buf_append(out, u, 2, e);
	}
	/* Both single-byte tables stay inside the Basic Multilingual Plane. */
	u[0] = (uint8_t)(0xE0 | (cp >> 12));
	u[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
	u[2] = (uint8_t)(0x80 | (cp & 0x3F));
	return buf_append(out, u, 3, e);
}

size_t
csv_utf8_len(const uint8_t *p, size_t n)
{
	uint8_t c = p[0];
	size_t need, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		need = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 3;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < need)
		return 0;
	for (i = 1; i < need; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	if ((need == 3 && cp < 0x800) || (need == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return need;
}

int
csv_to_utf8(const uint8_t *in, size_t len, enum csv_charset cs, struct buf *out, struct arm_err *e)
{
	size_t i = 0, line = 1, line_start = 0;

	if (len > CSV_INPUT_MAX)
		return arm_err_set(e, ARM_ELIMIT,
		                   "csv: input of %zu bytes is over the %u-byte limit", len,
		                   CSV_INPUT_MAX);
	if (cs == CSV_UTF8 && len >= 3 && in[0] == 0xEF && in[1] == 0xBB && in[2] == 0xBF)
		i = line_start = 3;
	while (i < len) {
		uint8_t c = in[i];

		if (c == '\n' || (c == '\r' && !(i + 1 < len && in[i + 1] == '\n'))) {
			line++;
			line_start = i + 1;
		}
		if (c < 0x80) {
			ARM_TRY(buf_append(out, &c, 1, e));
			i++;
			continue;
		}
		switch (cs) {
		case CSV_UTF8: {
			size_t k = csv_utf8_len(in + i, len - i);

			if (k == 0)
				return arm_err_set(
				    e, ARM_ESYNTAX,
				    "csv: byte 0x%02x at line %zu col %zu is not valid "
				    "UTF-8 (try --charset mac-roman or latin-1)",
				    c, line, i - line_start + 1);
			ARM_TRY(buf_append(out, in + i, k, e));
			i += k;
			continue;
		}
		case CSV_LATIN1: ARM_TRY(put_utf8(out, c, e)); break;
		case CSV_MACROMAN: ARM_TRY(put_utf8(out, macroman_hi[c - 0x80], e)); break;
		default: return arm_err_set(e, ARM_EUSAGE, "csv: unknown charset %d", (int)cs);
		}
		i++;
	}
	/* Keep the result a string even when the input was empty. */
	return buf_append(out, "", 0, e);
}
