/*
 * tproof.c - see tproof.h. c2sp.org/tlog-proof@v1 ("Format" and
 * "Verifying a tlog proof"), parsed strictly: one spelling per proof, so a
 * proof that parses formats back to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "armistice/b64.h"
#include "armistice/tproof.h"
#include "armistice/common.h"

static const char tproof_magic[] = "c2sp.org/tlog-proof@v1";

/* The next line of msg from *off: its start and length, without the "\n". */
static int
next_line(const uint8_t *msg, size_t len, size_t *off, const char **line, size_t *llen,
          unsigned lineno, struct arm_err *e)
{
	const uint8_t *nl;

	if (*off >= len)
		return arm_err_set(e, ARM_ESYNTAX,
		                   "tlog-proof: line %u: missing (proof ends at byte %zu)", lineno,
		                   len);
	nl = memchr(msg + *off, '\n', len - *off);
	if (nl == NULL)
		return arm_err_set(
		    e, ARM_ESYNTAX,
		    "tlog-proof: line %u: no newline after byte %zu (lines end in \"\\n\")", lineno,
		    *off);
	*line = (const char *)msg + *off;
	*llen = (size_t)(nl - (msg + *off));
	*off += *llen + 1;
	return ARM_OK;
}

/* A printable copy of at most 40 bytes of a line, for error messages. */
static void
quote_line(char out[41], const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && i < 40; i++)
		out[i] = (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"') ? s[i] : '?';
	out[i] = '\0';
}

/* ASCII decimal with no leading zeroes (unless "0"), at most 2^64 - 1. */
static int
parse_index(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int
tproof_parse(struct tproof *p, const uint8_t *msg, size_t len, size_t max, struct arm_err *e)
{
	const char *line;
	size_t llen, off = 0;
	unsigned lineno = 1;
	struct note n = {0};
	struct ckpt c;
	int rc;

	memset(p, 0, sizeof(*p));
	if (len > max || len > TPROOF_MAX_SIZE)
		return arm_err_set(e, ARM_ELIMIT, "tlog-proof: %zu bytes, over the limit of %zu",
		                   len, max < TPROOF_MAX_SIZE ? max : (size_t)TPROOF_MAX_SIZE);
	/* The first line MUST be the string c2sp.org/tlog-proof@v1. */
	if ((rc = next_line(msg, len, &off, &line, &llen, lineno, e)) != ARM_OK)
		goto fail;
	if (llen != sizeof(tproof_magic) - 1 || memcmp(line, tproof_magic, llen) != 0) {
		rc = arm_err_set(e, ARM_ESYNTAX, "tlog-proof: line 1 is not \"%s\"", tproof_magic);
		goto fail;
	}
	/* The second line MAY be "extra " and base64 opaque data. */
	if ((rc = next_line(msg, len, &off, &line, &llen, ++lineno, e)) != ARM_OK)
		goto fail;
	if (llen >= 6 && memcmp(line, "extra ", 6) == 0) {
		size_t cap = (llen - 6) / 4 * 3 + 3;

		p->extra = malloc(cap);
		if (p->extra == NULL) {
			rc = arm_err_set(e, ARM_ENOMEM, "tlog-proof: out of memory for extra data");
			goto fail;
		}
		if ((rc = b64_decode(line + 6, llen - 6, p->extra, cap, &p->extra_len, e)) !=
		    ARM_OK) {
			arm_err_prefix(e, "tlog-proof: line %u: extra data", lineno);
			goto fail;
		}
		if ((rc = next_line(msg, len, &off, &line, &llen, ++lineno, e)) != ARM_OK)
			goto fail;
	}
	/* "index " and the zero-based index, no leading zeroes. */
	if (llen < 6 || memcmp(line, "index ", 6) != 0 ||
	    parse_index(line + 6, llen - 6, &p->index)) {
		char q[41];

		quote_line(q, line, llen);
		rc = arm_err_set(e, ARM_ESYNTAX,
		                 "tlog-proof: line %u: \"%s\" is not \"index <decimal>\" with no "
		                 "leading zeroes",
		                 lineno, q);
		goto fail;
	}
	/* Zero or more base64 hashes, sibling first, then an empty line. */
	for (;;) {
		size_t hl = 0;

		if ((rc = next_line(msg, len, &off, &line, &llen, ++lineno, e)) != ARM_OK)
			goto fail;
		if (llen == 0)
			break;
		if (p->npath == MERKLE_MAX_PROOF) {
			rc = arm_err_set(e, ARM_ESYNTAX,
			                 "tlog-proof: line %u: more than %d inclusion-path hashes",
			                 lineno, MERKLE_MAX_PROOF);
			goto fail;
		}
		if (llen != 44 ||
		    b64_decode(line, llen, p->path[p->npath], HASH_SIZE, &hl, e) != ARM_OK ||
		    hl != HASH_SIZE) {
			rc = arm_err_set(
			    e, ARM_ESYNTAX,
			    "tlog-proof: line %u: inclusion-path hash is not 44 characters of "
			    "base64 for 32 bytes",
			    lineno);
			goto fail;
		}
		p->npath++;
	}
	/* The rest is the checkpoint, verbatim: a signed note with a checkpoint body. */
	if (off == len) {
		rc = arm_err_set(e, ARM_ESYNTAX,
		                 "tlog-proof: no checkpoint after the empty line %u", lineno);
		goto fail;
	}
	if ((rc = note_parse(&n, msg + off, len - off, len - off, e)) != ARM_OK ||
	    (rc = ckpt_parse(&c, n.text, n.text_len, e)) != ARM_OK) {
		arm_err_prefix(e, "tlog-proof: checkpoint at line %u", lineno + 1);
		goto fail;
	}
	note_release(&n);
	p->checkpoint = malloc(len - off);
	if (p->checkpoint == NULL) {
		rc = arm_err_set(e, ARM_ENOMEM, "tlog-proof: out of memory for the checkpoint");
		goto fail;
	}
	memcpy(p->checkpoint, msg + off, len - off);
	p->checkpoint_len = len - off;
	return ARM_OK;
fail:
	note_release(&n);
	tproof_release(p);
	return rc;
}

int
tproof_format(const struct tproof *p, struct buf *out, struct arm_err *e)
{
	size_t old = out->len;
	int rc;

	if (p->npath > MERKLE_MAX_PROOF || p->checkpoint == NULL || p->checkpoint_len == 0)
		return arm_err_set(
		    e, ARM_EUSAGE,
		    "tlog-proof: nothing to format (%zu path hashes, %zu checkpoint bytes)",
		    p->npath, p->checkpoint_len);
	rc = buf_puts(out, tproof_magic, e);
	if (rc == ARM_OK)
		rc = buf_puts(out, "\n", e);
	if (rc == ARM_OK && p->extra_len > 0) {
		rc = buf_puts(out, "extra ", e);
		if (rc == ARM_OK)
			rc = b64_encode(out, p->extra, p->extra_len, e);
		if (rc == ARM_OK)
			rc = buf_puts(out, "\n", e);
	}
	if (rc == ARM_OK)
		rc = buf_printf(out, e, "index %llu\n", (unsigned long long)p->index);
	for (size_t i = 0; rc == ARM_OK && i < p->npath; i++) {
		rc = b64_encode(out, p->path[i], HASH_SIZE, e);
		if (rc == ARM_OK)
			rc = buf_puts(out, "\n", e);
	}
	if (rc == ARM_OK)
		rc = buf_puts(out, "\n", e);
	if (rc == ARM_OK)
		rc = buf_append(out, p->checkpoint, p->checkpoint_len, e);
	if (rc != ARM_OK && out->data != NULL) {
		out->len = old;
		out->data[old] = '\0';
	}
	return rc;
}

/* tlog-proof "Verifying a tlog proof", steps 1, 2 and 4; step 3 is the caller's policy. */
int
tproof_verify(const struct tproof *p, const uint8_t *entry, size_t len,
              const struct note_verifier *logkey, struct ckpt *c, struct note *n, struct arm_err *e)
{
	uint8_t leaf[HASH_SIZE];
	int rc;

	ARM_TRY(ckpt_open(p->checkpoint, p->checkpoint_len, logkey, NULL, c, n, e));
	hash_leaf(leaf, entry, len);
	rc = merkle_verify_inclusion(leaf, p->index, c->size, c->root,
	                             (const uint8_t(*)[HASH_SIZE])p->path, p->npath, e);
	if (rc != ARM_OK) {
		arm_err_prefix(e, "tlog-proof: entry %llu in \"%.100s\" size %llu",
		               (unsigned long long)p->index, c->origin,
		               (unsigned long long)c->size);
		note_release(n);
		memset(c, 0, sizeof(*c));
	}
	return rc;
}

void
tproof_release(struct tproof *p)
{
	if (p == NULL)
		return;
	free(p->extra);
	free(p->checkpoint);
	p->extra = NULL;
	p->extra_len = 0;
	p->checkpoint = NULL;
	p->checkpoint_len = 0;
}
