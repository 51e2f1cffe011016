/*
 * csv.h - a pure, bounded CSV reader (RFC 4180) for incident imports.
 *
 * RFC 4180 §2 with three deliberate widenings, because real exports break
 * the letter of the RFC and the importer must read them as they are:
 *   - a record may end in CRLF (the RFC), a bare LF, or a bare CR (old Mac
 *     exports such as the CSIS provocations table end every record in CR);
 *   - the last record may lack its terminator (RFC 4180 §2 rule 2);
 *   - blank physical lines between records are skipped: they carry no data.
 * Everything else is strict: a double quote inside an unquoted field, text
 * after a closing quote other than a comma or a record end, an unterminated
 * quoted field and a NUL byte are refused with ARM_ESYNTAX naming
 * "line L col C". Inside quotes, commas and line breaks are data and a
 * doubled quote ("") is one quote (RFC 4180 §2 rules 6 and 7).
 *
 * Line numbers are physical: every CRLF, LF or CR counts one line, also
 * inside a quoted field, so "line 12" is what an editor shows.
 *
 * Bytes are not interpreted: the reader works on any ASCII-compatible
 * encoding. csv_to_utf8() turns a Latin-1 or Mac Roman export into UTF-8
 * (and validates UTF-8) first, because signed notes must be UTF-8
 * (C2SP signed-note v1.0.0).
 *
 * Ownership: struct csv_reader borrows the input bytes (they must outlive
 * it) and owns the storage of the current record; the pointers in a
 * struct csv_record stay valid until the next csv_next() or
 * csv_reader_release(). No I/O anywhere in this module.
 */
#ifndef ARMISTICE_CSV_H
#define ARMISTICE_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

#define CSV_MAX_FIELDS 64           /* fields per record */
#define CSV_FIELD_MAX 65536         /* bytes in one field after unquoting */
#define CSV_RECORD_MAX (256u << 10) /* bytes in one record after unquoting */
#define CSV_INPUT_MAX (64u << 20)   /* bytes of input the reader accepts */

struct csv_record {
	size_t line;                       /* physical line (1-based) on which the record starts */
	size_t nfields;                    /* >= 1 for every record returned */
	const char *field[CSV_MAX_FIELDS]; /* NUL-terminated, unquoted */
	size_t len[CSV_MAX_FIELDS];
};

struct csv_reader {
	const uint8_t *in; /* borrowed */
	size_t in_len;
	size_t off;        /* next byte to read */
	size_t line;       /* physical line of in[off] */
	size_t line_start; /* offset where that line starts, for columns */
	struct buf store;  /* owned: the current record's fields, NUL-separated */
	size_t nrecords;
};

/* Prepares r to read in[0..len). Refuses input past CSV_INPUT_MAX. */
int csv_reader_init(struct csv_reader *r, const uint8_t *in, size_t len,
                    struct arm_err *e) ARM_MUST_CHECK;

/*
 * Reads the next record into *rec. At the end of input sets *done = true
 * and leaves rec empty. On ARM_ESYNTAX or ARM_ELIMIT the message names the
 * rule and "line L col C"; the reader then stays at the error.
 */
int csv_next(struct csv_reader *r, struct csv_record *rec, bool *done,
             struct arm_err *e) ARM_MUST_CHECK;

/* Frees the record storage. NULL-safe; the input is not touched. */
void csv_reader_release(struct csv_reader *r);

/* Index of the field equal to name in a header record, or -1. */
int csv_find(const struct csv_record *header, const char *name);

enum csv_charset {
	CSV_UTF8,     /* validated, passed through (a leading BOM is dropped) */
	CSV_LATIN1,   /* ISO 8859-1: byte = code point */
	CSV_MACROMAN, /* Apple Mac OS Roman (the 1998 table with the euro) */
};

/* Parses "utf-8", "latin-1" or "mac-roman" (case-sensitive). */
int csv_charset_parse(const char *name, enum csv_charset *cs, struct arm_err *e) ARM_MUST_CHECK;

/*
 * Appends in[0..len) converted to UTF-8 to out. For CSV_UTF8 invalid
 * sequences (overlong forms, surrogates, > U+10FFFF, truncation) are refused
 * with ARM_ESYNTAX naming "line L col C" and the offending byte, so that an
 * export in another encoding is reported rather than mangled.
 */
int csv_to_utf8(const uint8_t *in, size_t len, enum csv_charset cs, struct buf *out,
                struct arm_err *e) ARM_MUST_CHECK;

/*
 * Length (1-4) of the valid UTF-8 sequence at p[0..n), n >= 1, or 0 if it
 * is not one (RFC 3629 §4: no overlong forms, no surrogates, nothing past
 * U+10FFFF). Shared with the GeoJSON reader (geo.c).
 */
size_t csv_utf8_len(const uint8_t *p, size_t n);

#endif
