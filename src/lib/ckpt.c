/*
 * ckpt.c - see ckpt.h. C2SP tlog-checkpoint v1.0.0 (tag
 * tlog-checkpoint/v1.0.0), §"Note text".
 */
#include <inttypes.h>
#include <string.h>

#include "armistice/b64.h"
#include "armistice/ckpt.h"
#include "armistice/common.h"

/* Root hash line: base64 of 32 bytes is exactly 44 characters. */
#define ROOT_B64_LEN B64_ENCLEN(HASH_SIZE)

/* Go's tlog.Tree.N is an int64; a larger size could not be audited with it. */
#define CKPT_SIZE_MAX ((uint64_t)INT64_MAX)

/* Strict decimal: digits only, no sign, no leading zero unless "0", no overflow. */
static bool
parse_size(const char *p, size_t n, uint64_t *v)
{
	size_t i;

	if (n == 0 || n > 19 || (n > 1 && p[0] == '0'))
		return false;
	*v = 0;
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		*v = *v * 10 + (uint64_t)(p[i] - '0'); /* 19 digits cannot overflow u64 */
	}
	return *v <= CKPT_SIZE_MAX;
}

int
ckpt_parse(struct ckpt *c, const char *text, size_t len, struct arm_err *e)
{
	const char *line[3];
	size_t llen[3], off = 0, i;
	uint8_t empty[HASH_SIZE];
	size_t rl = 0;
	struct arm_err be;

	memset(c, 0, sizeof(*c));
	/* Same byte rules as any note text: UTF-8, no controls but newline. */
	ARM_TRY(note_text_valid(text, len, e));
	for (i = 0; i < 3; i++) {
		const char *nl = off < len ? memchr(text + off, '\n', len - off) : NULL;
		if (nl == NULL)
			return arm_err_set(
			    e, ARM_ESYNTAX,
			    "checkpoint: %zu lines, want at least 3 (origin, tree size, "
			    "root hash; tlog-checkpoint v1.0.0 note text)",
			    i);
		line[i] = text + off;
		llen[i] = (size_t)(nl - line[i]);
		if (llen[i] == 0)
			return arm_err_set(e, ARM_ESYNTAX,
			                   "checkpoint: line %zu at byte %zu is empty "
			                   "(tlog-checkpoint v1.0.0: lines MUST be non-empty)",
			                   i + 1, off);
		off += llen[i] + 1;
	}
	if (llen[0] > CKPT_ORIGIN_MAX)
		return arm_err_set(
		    e, ARM_ELIMIT,
		    "checkpoint: origin is %zu bytes, more than the limit of %d: \"%.64s\"",
		    llen[0], CKPT_ORIGIN_MAX, line[0]);
	memcpy(c->origin, line[0], llen[0]);
	c->origin[llen[0]] = '\0';
	if (!parse_size(line[1], llen[1], &c->size)) {
		memset(c, 0, sizeof(*c));
		return arm_err_set(e, ARM_ESYNTAX,
		                   "checkpoint: line 2, tree size \"%.*s\" is not a decimal number "
		                   "without leading zeros up to 2^63-1 (tlog-checkpoint v1.0.0)",
		                   (int)(llen[1] > 40 ? 40 : llen[1]), line[1]);
	}
	if (llen[2] != ROOT_B64_LEN ||
	    b64_decode(line[2], llen[2], c->root, sizeof(c->root), &rl, &be) != ARM_OK ||
	    rl != HASH_SIZE) {
		memset(c, 0, sizeof(*c));
		return arm_err_set(e, ARM_ESYNTAX,
		                   "checkpoint: line 3, root hash \"%.*s\" is not 44 characters of "
		                   "canonical base64 for 32 bytes (tlog-checkpoint v1.0.0)",
		                   (int)(llen[2] > 60 ? 60 : llen[2]), line[2]);
	}
	/* RFC 9162 §2.1.1: the empty tree's root is SHA-256 of the empty string. */
	hash_sha256(empty, "", 0);
	if (c->size == 0 && memcmp(c->root, empty, HASH_SIZE) != 0) {
		memset(c, 0, sizeof(*c));
		return arm_err_set(
		    e, ARM_ESYNTAX,
		    "checkpoint: tree size 0 with root \"%.44s\"; the empty tree's root "
		    "is SHA-256(\"\") (RFC 9162 §2.1.1)",
		    line[2]);
	}
	/* Extension lines: opaque, each MUST be non-empty. */
	for (i = off; i < len; i++) {
		if (text[i] == '\n' && (i == off || text[i - 1] == '\n')) {
			memset(c, 0, sizeof(*c));
			return arm_err_set(
			    e, ARM_ESYNTAX,
			    "checkpoint: empty extension line at byte %zu "
			    "(tlog-checkpoint v1.0.0: extension lines MUST be non-empty)",
			    i);
		}
	}
	if (len - off > CKPT_EXT_MAX) {
		memset(c, 0, sizeof(*c));
		return arm_err_set(
		    e, ARM_ELIMIT,
		    "checkpoint: %zu bytes of extension lines, more than the limit of %d",
		    len - off, CKPT_EXT_MAX);
	}
	memcpy(c->ext, text + off, len - off);
	c->ext[len - off] = '\0';
	c->ext_len = len - off;
	return ARM_OK;
}

int
ckpt_format(const struct ckpt *c, struct buf *out, struct arm_err *e)
{
	size_t old = out->len;
	struct ckpt back;
	int rc;

	rc = buf_printf(out, e, "%s\n%" PRIu64 "\n", c->origin, c->size);
	if (rc == ARM_OK)
		rc = b64_encode(out, c->root, HASH_SIZE, e);
	if (rc == ARM_OK)
		rc = buf_append(out, "\n", 1, e);
	if (rc == ARM_OK && c->ext_len > 0)
		rc = c->ext_len <= CKPT_EXT_MAX
		         ? buf_append(out, c->ext, c->ext_len, e)
		         : arm_err_set(e, ARM_EUSAGE, "checkpoint: ext_len %zu out of range",
		                       c->ext_len);
	/*
	 * Whatever we write must parse back to the same checkpoint, so a bad
	 * origin or extension (newline, control character) fails here and not
	 * at every verifier.
	 */
	if (rc == ARM_OK)
		rc = ckpt_parse(&back, (const char *)out->data + old, out->len - old, e);
	if (rc == ARM_OK && (strcmp(back.origin, c->origin) != 0 || back.size != c->size ||
	                     back.ext_len != c->ext_len))
		rc = arm_err_set(e, ARM_EUSAGE,
		                 "checkpoint: origin \"%.64s\" or extension lines do not survive a "
		                 "round trip",
		                 c->origin);
	if (rc != ARM_OK && out->data != NULL) {
		out->len = old;
		out->data[old] = '\0';
	}
	return rc;
}

int
ckpt_open(const uint8_t *msg, size_t len, const struct note_verifier *logkey,
          const char *want_origin, struct ckpt *c, struct note *n, struct arm_err *e)
{
	struct note_check chk;
	int rc;

	memset(c, 0, sizeof(*c));
	memset(n, 0, sizeof(*n));
	/* tlog-tiles: a public log needs at least one Ed25519 log signature. */
	if (logkey->type != NOTE_KEY_ED25519)
		return arm_err_set(e, ARM_EUSAGE,
		                   "checkpoint: log key \"%s\" is not an Ed25519 key (type 0x%02x)",
		                   logkey->name, logkey->type);
	ARM_TRY(note_parse(n, msg, len, NOTE_MAX_SIZE, e));
	rc = note_verify(n, logkey, 1, &chk, e);
	if (rc == ARM_OK)
		rc = ckpt_parse(c, n->text, n->text_len, e);
	if (rc == ARM_OK && want_origin != NULL && strcmp(c->origin, want_origin) != 0)
		rc = arm_err_set(e, ARM_EVERIFY,
		                 "checkpoint: origin \"%.100s\" is not the expected \"%.100s\"",
		                 c->origin, want_origin);
	if (rc != ARM_OK) {
		note_release(n);
		memset(c, 0, sizeof(*c));
	}
	return rc;
}
