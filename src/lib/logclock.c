/*
 * logclock.c - see logclock.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "armistice/b64.h"
#include "armistice/entry.h"
#include "armistice/hash.h"
#include "armistice/merkle.h"
#include "armistice/logclock.h"
#include "armistice/common.h"

/* 9999-12-31T23:59:59Z: RFC 3339 has four-digit years. */
#define LOGCLOCK_TIME_MAX 253402300799LL

bool
logclock_is(const uint8_t *note, size_t len)
{
	static const char m[] = LOGCLOCK_MAGIC "\n";

	return len >= sizeof(m) - 1 && memcmp(note, m, sizeof(m) - 1) == 0;
}

/* The value of "key: value\n" at text[*off], or NULL; advances *off past the line. */
static const char *
field(const char *text, size_t len, size_t *off, const char *key, size_t *vlen)
{
	size_t kl = strlen(key), start = *off, i;

	if (len - start < kl + 2 || memcmp(text + start, key, kl) != 0 || text[start + kl] != ':' ||
	    text[start + kl + 1] != ' ')
		return NULL;
	for (i = start + kl + 2; i < len && text[i] != '\n'; i++)
		;
	if (i == len)
		return NULL;
	*vlen = i - (start + kl + 2);
	*off = i + 1;
	return text + start + kl + 2;
}

int
logclock_parse(struct logclock *c, const char *text, size_t len, struct arm_err *e)
{
	static const char magic[] = LOGCLOCK_MAGIC "\n";
	struct entry_time t;
	const char *v;
	size_t off = sizeof(magic) - 1, vl, i;

	memset(c, 0, sizeof(*c));
	if (len > LOGCLOCK_TEXT_MAX)
		return arm_err_set(e, ARM_ELIMIT, "clock: text is %zu bytes, at most %d", len,
		                   LOGCLOCK_TEXT_MAX);
	if (len < off || memcmp(text, magic, off) != 0)
		return arm_err_set(e, ARM_ESYNTAX, "clock line 1: the first line must be \"%s\"",
		                   LOGCLOCK_MAGIC);
	if ((v = field(text, len, &off, "origin", &vl)) == NULL)
		return arm_err_set(e, ARM_ESYNTAX, "clock line 2: expected \"origin: <origin>\"");
	if (vl == 0 || vl > NOTE_NAME_MAX || !note_name_valid(v, vl))
		return arm_err_set(
		    e, ARM_ESYNTAX,
		    "clock line 2: the origin must be 1..%d characters without spaces "
		    "or '+'",
		    NOTE_NAME_MAX);
	memcpy(c->origin, v, vl);
	c->origin[vl] = '\0';
	if ((v = field(text, len, &off, "index", &vl)) == NULL)
		return arm_err_set(e, ARM_ESYNTAX, "clock line 3: expected \"index: <n>\"");
	if (vl == 0 || vl > 19 || (vl > 1 && v[0] == '0'))
		return arm_err_set(e, ARM_ESYNTAX,
		                   "clock line 3: the index must be a canonical decimal number");
	for (i = 0; i < vl; i++) {
		if (v[i] < '0' || v[i] > '9')
			return arm_err_set(
			    e, ARM_ESYNTAX,
			    "clock line 3: the index must be a canonical decimal number");
		c->index = c->index * 10 + (uint64_t)(v[i] - '0');
	}
	if (c->index > (uint64_t)INT64_MAX)
		return arm_err_set(e, ARM_ESYNTAX, "clock line 3: index out of range");
	if ((v = field(text, len, &off, "time", &vl)) == NULL)
		return arm_err_set(e, ARM_ESYNTAX,
		                   "clock line 4: expected \"time: <RFC 3339 UTC>\"");
	if (vl == 0 || v[vl - 1] != 'Z')
		return arm_err_set(e, ARM_ESYNTAX,
		                   "clock line 4: the log's time is written in UTC, ending in 'Z'");
	if (entry_time_parse(&t, v, vl, e) != ARM_OK) {
		arm_err_prefix(e, "clock line 4");
		return ARM_ESYNTAX;
	}
	if (t.t < 0 || t.t > LOGCLOCK_TIME_MAX)
		return arm_err_set(e, ARM_ESYNTAX, "clock line 4: time outside 1970..9999");
	c->time = t.t;
	if (off != len)
		return arm_err_set(e, ARM_ESYNTAX, "clock line 5: unexpected text after the time");
	return ARM_OK;
}

int
logclock_format(const struct logclock *c, struct buf *out, struct arm_err *e)
{
	char line[NOTE_NAME_MAX + 64];
	struct tm tm;
	time_t tt = (time_t)c->time;
	int n;

	if (c->time < 0 || c->time > LOGCLOCK_TIME_MAX || gmtime_r(&tt, &tm) == NULL)
		return arm_err_set(e, ARM_EUSAGE, "clock: time %lld out of range",
		                   (long long)c->time);
	if (!note_name_valid(c->origin, strlen(c->origin)))
		return arm_err_set(e, ARM_EUSAGE, "clock: origin \"%.60s\" is not a valid name",
		                   c->origin);
	ARM_TRY(buf_append(out, LOGCLOCK_MAGIC "\n", sizeof(LOGCLOCK_MAGIC), e));
	n = snprintf(line, sizeof(line), "origin: %s\nindex: %" PRIu64 "\n", c->origin, c->index);
	ARM_TRY(buf_append(out, line, (size_t)n, e));
	n = snprintf(line, sizeof(line), "time: %04d-%02d-%02dT%02d:%02d:%02dZ\n",
	             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	             tm.tm_sec);
	return buf_append(out, line, (size_t)n, e);
}

int
logclock_open(struct logclock *c, const uint8_t *note, size_t len, const struct note_verifier *key,
              struct arm_err *e)
{
	struct note n;
	int rc;

	memset(c, 0, sizeof(*c));
	if ((rc = note_parse(&n, note, len, LOGCLOCK_NOTE_MAX, e)) != ARM_OK) {
		arm_err_prefix(e, "clock");
		return rc;
	}
	/*
	 * Parse the note, verify the signature, then read the contents: an
	 * edited clock reads as a bad signature, whatever the edit made of it.
	 */
	rc = ARM_OK;
	if (key != NULL && (rc = note_verify(&n, key, 1, NULL, e)) != ARM_OK)
		arm_err_prefix(e, "clock: not signed by the log key %s", key->name);
	if (rc == ARM_OK)
		rc = logclock_parse(c, n.text, n.text_len, e);
	note_release(&n);
	if (rc != ARM_OK)
		memset(c, 0, sizeof(*c));
	return rc;
}

int
logclock_receipt_format(uint64_t index, const uint8_t (*path)[32], size_t npath,
                        const uint8_t *note, size_t len, struct buf *out, struct arm_err *e)
{
	size_t i;

	ARM_TRY(buf_printf(out, e, LOGCLOCK_RECEIPT_MAGIC "\nindex %" PRIu64 "\n", index));
	for (i = 0; i < npath; i++) {
		ARM_TRY(b64_encode(out, path[i], HASH_SIZE, e));
		ARM_TRY(buf_append(out, "\n", 1, e));
	}
	ARM_TRY(buf_append(out, "\n", 1, e));
	return buf_append(out, note, len, e);
}

int
logclock_receipt_verify(const uint8_t *extra, size_t len, uint64_t entry_index, uint64_t tree_size,
                        const uint8_t root[32], const struct note_verifier *key, struct logclock *c,
                        struct arm_err *e)
{
	static const char magic[] = LOGCLOCK_RECEIPT_MAGIC "\n";
	uint8_t path[MERKLE_MAX_PROOF][HASH_SIZE], leaf[HASH_SIZE];
	size_t off = sizeof(magic) - 1, npath = 0, end, dl;
	uint64_t index = 0;
	const char *p = (const char *)extra;

	memset(c, 0, sizeof(*c));
	if (len < off || memcmp(extra, magic, off) != 0)
		return arm_err_set(e, ARM_ESYNTAX, "receipt clock: the extra data is not \"%s\"",
		                   LOGCLOCK_RECEIPT_MAGIC);
	/* "index <n>\n", canonical decimal */
	if (len - off < 8 || memcmp(p + off, "index ", 6) != 0)
		return arm_err_set(e, ARM_ESYNTAX, "receipt clock line 2: expected \"index <n>\"");
	off += 6;
	for (end = off; end < len && p[end] >= '0' && p[end] <= '9'; end++)
		;
	if (end == off || end - off > 19 || end >= len || p[end] != '\n' ||
	    (end - off > 1 && p[off] == '0'))
		return arm_err_set(e, ARM_ESYNTAX,
		                   "receipt clock line 2: the index must be a canonical decimal");
	for (; off < end; off++)
		index = index * 10 + (uint64_t)(p[off] - '0');
	off = end + 1;
	/* inclusion path, then a blank line */
	while (off < len && p[off] != '\n') {
		if (npath == MERKLE_MAX_PROOF)
			return arm_err_set(e, ARM_ESYNTAX,
			                   "receipt clock: more than %d path hashes",
			                   MERKLE_MAX_PROOF);
		if (len - off < 45 || p[off + 44] != '\n' ||
		    b64_decode(p + off, 44, path[npath], HASH_SIZE, &dl, e) != ARM_OK ||
		    dl != HASH_SIZE)
			return arm_err_set(e, ARM_ESYNTAX,
			                   "receipt clock line %zu: expected a base64 SHA-256 hash",
			                   npath + 3);
		npath++;
		off += 45;
	}
	if (off >= len)
		return arm_err_set(e, ARM_ESYNTAX,
		                   "receipt clock: no blank line before the clock leaf");
	off++;
	if (index >= entry_index)
		return arm_err_set(e, ARM_EVERIFY,
		                   "receipt clock: clock leaf %" PRIu64
		                   " does not come before entry %" PRIu64,
		                   index, entry_index);
	hash_leaf(leaf, extra + off, len - off);
	if (merkle_verify_inclusion(leaf, index, tree_size, root, (const uint8_t(*)[HASH_SIZE])path,
	                            npath, e) != ARM_OK) {
		arm_err_prefix(e, "receipt clock: leaf %" PRIu64 " is not in the checkpoint's tree",
		               index);
		return ARM_EVERIFY;
	}
	ARM_TRY(logclock_open(c, extra + off, len - off, key, e));
	if (c->index != index) {
		memset(c, 0, sizeof(*c));
		return arm_err_set(e, ARM_EVERIFY,
		                   "receipt clock: the clock leaf names index %" PRIu64
		                   ", not %" PRIu64,
		                   c->index, index);
	}
	return ARM_OK;
}
