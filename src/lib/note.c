/*
 * note.c - see note.h. C2SP signed-note v1.0.0 (tag signed-note/v1.0.0),
 * with the key formats that golang.org/x/mod/sumdb/note reads and writes.
 *
 * Strictness beyond the spec is deliberate and listed in docs/formats.md:
 * every encoding has exactly one accepted form (canonical base64, lowercase
 * fixed-length hex), so that two parties hashing a note hash the same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "armistice/b64.h"
#include "armistice/cosig.h"
#include "armistice/hash.h"
#include "armistice/note.h"
#include "armistice/sigmemo.h"
#include "armistice/common.h"

/* U+2014 EM DASH, U+0020: signed-note §"Format", the signature line prefix. */
static const char sig_prefix[] = "\xe2\x80\x94 ";
#define SIG_PREFIX_LEN 4

/* Decoded key material: one type byte then a 32-byte key or seed. */
#define KEY_BLOB_LEN 33
#define KEY_B64_LEN B64_ENCLEN(KEY_BLOB_LEN)

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * Decodes one UTF-8 sequence at p[0..n). Returns its length, or 0 with *why
 * set. Refuses what Go's utf8.Valid refuses: overlong forms (C0, C1, E0
 * 80-9F, F0 80-8F), UTF-16 surrogates (ED A0-BF), code points above
 * U+10FFFF (F4 90+, F5-FF), stray continuation bytes and truncation.
 */
static size_t
utf8_step(const uint8_t *p, size_t n, uint32_t *cp, const char **why)
{
	uint8_t b = p[0];
	size_t need, i;
	uint8_t lo = 0x80, hi = 0xbf;

	if (b < 0x80) {
		*cp = b;
		return 1;
	}
	if (b < 0xc0) {
		*why = "unexpected continuation byte";
		return 0;
	}
	if (b < 0xc2) {
		*why = "overlong encoding";
		return 0;
	}
	if (b < 0xe0) {
		need = 2;
		*cp = b & 0x1f;
	} else if (b < 0xf0) {
		need = 3;
		*cp = b & 0x0f;
		if (b == 0xe0)
			lo = 0xa0;
		if (b == 0xed)
			hi = 0x9f;
	} else if (b < 0xf5) {
		need = 4;
		*cp = b & 0x07;
		if (b == 0xf0)
			lo = 0x90;
		if (b == 0xf4)
			hi = 0x8f;
	} else {
		*why = "code point above U+10FFFF";
		return 0;
	}
	if (n < need) {
		*why = "truncated sequence";
		return 0;
	}
	for (i = 1; i < need; i++) {
		uint8_t c = p[i];
		if (c < 0x80 || c > 0xbf) {
			*why = "truncated sequence";
			return 0;
		}
		if (i == 1 && (c < lo || c > hi)) {
			if (b == 0xed)
				*why = "utf-16 surrogate";
			else if (b == 0xf4)
				*why = "code point above U+10FFFF";
			else
				*why = "overlong encoding";
			return 0;
		}
		*cp = *cp << 6 | (c & 0x3f);
	}
	return need;
}

/*
 * Checks p[0..n) for valid UTF-8 and no control character below U+0020
 * other than newline (signed-note §"Format"). what names the subject in
 * the error ("signed note", "note text").
 */
/* Printable ASCII and newline: the bytes of nearly every note (fast path). */
static const uint8_t text_plain[256] = {
    ['\n'] = 1,
#define R4(c) [c] = 1, [c + 1] = 1, [c + 2] = 1, [c + 3] = 1
#define R16(c) R4(c), R4(c + 4), R4(c + 8), R4(c + 12)
    R16(0x20),  R16(0x30), R16(0x40), R16(0x50), R16(0x60), R16(0x70),
#undef R16
#undef R4
};

/* Line and column (from 1) of byte i, for messages only. */
static void
text_place(const uint8_t *p, size_t i, size_t *line, size_t *col)
{
	size_t j;

	*line = 1;
	*col = 1;
	for (j = 0; j < i; j++) {
		if (p[j] == '\n') {
			++*line;
			*col = 1;
		} else if ((p[j] & 0xc0) != 0x80) {
			++*col; /* a column per code point */
		}
	}
}

/*
 * Eight bytes at once: true if each is printable ASCII (0x20 to 0x7f) or
 * a newline, the same bytes as text_plain[]. Per byte b below 0x80,
 * (b & 0x7f) + 0x60 carries into the top bit exactly when b >= 0x20, and
 * ((b ^ 0x0a) & 0x7f) + 0x7f exactly when b is not a newline.
 */
static bool
text_plain8(const uint8_t *p)
{
	const uint64_t hi = 0x8080808080808080ull, lo7 = 0x7f7f7f7f7f7f7f7full;
	uint64_t w, ge20, notnl, z;

	memcpy(&w, p, sizeof(w));
	if (w & hi)
		return false; /* a byte of a multibyte sequence: the slow path */
	ge20 = ((w & lo7) + 0x6060606060606060ull) & hi;
	z = w ^ 0x0a0a0a0a0a0a0a0aull;
	notnl = ((z & lo7) + lo7) & hi;
	return (ge20 | (~notnl & hi)) == hi;
}

static int
text_check(const uint8_t *p, size_t n, const char *what, struct arm_err *e)
{
	size_t i = 0, line, col;

	/*
	 * Printable ASCII and newlines (nearly every byte of a note) need no
	 * decoding; the place of a bad byte is computed only for the message.
	 */
	while (i < n) {
		uint32_t cp;
		const char *why = "";
		size_t k;

		if (i + 8 <= n && text_plain8(p + i)) {
			i += 8;
			continue;
		}
		if (text_plain[p[i]]) {
			i++;
			continue;
		}
		k = utf8_step(p + i, n - i, &cp, &why);
		if (k == 0) {
			text_place(p, i, &line, &col);
			return arm_err_set(
			    e, ARM_ESYNTAX,
			    "%s: invalid utf-8 (%s) at byte %zu (line %zu, column %zu), "
			    "byte 0x%02x (signed-note v1.0.0 format: must be valid utf-8)",
			    what, why, i, line, col, p[i]);
		}
		if (cp < 0x20 && cp != '\n') {
			text_place(p, i, &line, &col);
			return arm_err_set(
			    e, ARM_ESYNTAX,
			    "%s: control character 0x%02x at byte %zu (line %zu, column %zu) "
			    "(signed-note v1.0.0 format: only newline is allowed below U+0020)",
			    what, (unsigned)cp, i, line, col);
		}
		i += k;
	}
	return ARM_OK;
}

/*
 * Unicode White_Space, the set Go's unicode.IsSpace uses: the spec forbids
 * "any Unicode spaces" in key names.
 */
static bool
is_unicode_space(uint32_t cp)
{
	switch (cp) {
	case 0x09:
	case 0x0a:
	case 0x0b:
	case 0x0c:
	case 0x0d:
	case 0x20:
	case 0x85:
	case 0xa0:
	case 0x1680:
	case 0x2028:
	case 0x2029:
	case 0x202f:
	case 0x205f:
	case 0x3000: return true;
	default: return cp >= 0x2000 && cp <= 0x200a;
	}
}

bool
note_name_valid(const char *name, size_t len)
{
	const uint8_t *p = (const uint8_t *)name;
	size_t i = 0;

	if (name == NULL || len == 0 || len > NOTE_NAME_MAX)
		return false;
	while (i < len) {
		uint32_t cp;
		const char *why;
		size_t k = utf8_step(p + i, len - i, &cp, &why);

		if (k == 0 || cp < 0x20 || cp == '+' || is_unicode_space(cp))
			return false;
		i += k;
	}
	return true;
}

/* Why a name is invalid, for error text; name must be invalid. */
static const char *
name_rule(const char *name, size_t len)
{
	if (len == 0)
		return "key name is empty";
	if (len > NOTE_NAME_MAX)
		return "key name longer than 255 bytes";
	if (memchr(name, '+', len) != NULL)
		return "key name contains '+'";
	return "key name contains a space, a control character or invalid utf-8";
}

uint32_t
note_key_id(const char *name, uint8_t type, const uint8_t pk[32])
{
	/* signed-note §"Signatures": SHA-256(name || 0x0A || type || key)[:4] */
	uint8_t stackbuf[NOTE_NAME_MAX + 2 + 32];
	uint8_t *m = stackbuf;
	uint8_t h[HASH_SIZE];
	size_t nl = strlen(name);

	if (nl > NOTE_NAME_MAX) {
		m = malloc(nl + 2 + 32);
		if (m == NULL)
			return 0; /* documented: names this long are refused everywhere */
	}
	memcpy(m, name, nl);
	m[nl] = '\n';
	m[nl + 1] = type;
	memcpy(m + nl + 2, pk, 32);
	hash_sha256(h, m, nl + 2 + 32);
	if (m != stackbuf)
		free(m);
	return get_be32(h);
}

int
note_text_valid(const char *text, size_t len, struct arm_err *e)
{
	if (len == 0 || text[len - 1] != '\n')
		return arm_err_set(e, ARM_ESYNTAX,
		                   "note text: does not end in a newline at byte %zu "
		                   "(signed-note v1.0.0 format: text ends in U+000A)",
		                   len);
	return text_check((const uint8_t *)text, len, "note text", e);
}

void
note_release(struct note *n)
{
	if (n == NULL)
		return;
	free(n->text);
	free(n->sigs);
	memset(n, 0, sizeof(*n));
}

/* Parses one signature line p[0..n) (without its newline) into s. */
static int
parse_sig_line(struct note_sig *s, const char *p, size_t n, size_t lineno, size_t off,
               struct arm_err *e)
{
	uint8_t raw[4 + NOTE_SIG_MAX];
	const char *sp;
	size_t nl, bl, rl = 0;
	struct arm_err be;

	if (n < SIG_PREFIX_LEN || memcmp(p, sig_prefix, SIG_PREFIX_LEN) != 0)
		return arm_err_set(
		    e, ARM_ESYNTAX,
		    "signed note: signature line %zu at byte %zu does not start "
		    "with an em dash and a space (signed-note v1.0.0 format): \"%.*s\"",
		    lineno, off, (int)(n > 40 ? 40 : n), p);
	p += SIG_PREFIX_LEN;
	n -= SIG_PREFIX_LEN;
	sp = memchr(p, ' ', n);
	if (sp == NULL)
		return arm_err_set(
		    e, ARM_ESYNTAX,
		    "signed note: signature line %zu at byte %zu has no space between "
		    "key name and signature (signed-note v1.0.0 format)",
		    lineno, off);
	nl = (size_t)(sp - p);
	if (!note_name_valid(p, nl))
		return arm_err_set(e, ARM_ESYNTAX,
		                   "signed note: signature line %zu at byte %zu: %s "
		                   "(signed-note v1.0.0 format): \"%.*s\"",
		                   lineno, off, name_rule(p, nl), (int)(nl > 64 ? 64 : nl), p);
	bl = n - nl - 1;
	if (bl > B64_ENCLEN(sizeof(raw)))
		return arm_err_set(e, ARM_ESYNTAX,
		                   "signed note: signature line %zu at byte %zu: signature longer "
		                   "than %d bytes",
		                   lineno, off, NOTE_SIG_MAX);
	if (b64_decode(sp + 1, bl, raw, sizeof(raw), &rl, &be) != ARM_OK)
		return arm_err_set(e, ARM_ESYNTAX,
		                   "signed note: signature line %zu at byte %zu, key \"%.*s\": %s",
		                   lineno, off, (int)nl, p, be.msg);
	if (rl < 5)
		return arm_err_set(e, ARM_ESYNTAX,
		                   "signed note: signature line %zu at byte %zu, key \"%.*s\": "
		                   "%zu bytes is too short for a key id and a signature",
		                   lineno, off, (int)nl, p, rl);
	memcpy(s->name, p, nl);
	s->name[nl] = '\0';
	s->key_id = get_be32(raw);
	s->sig_len = rl - 4;
	memcpy(s->sig, raw + 4, s->sig_len);
	return ARM_OK;
}

int
note_parse(struct note *n, const uint8_t *msg, size_t len, size_t max, struct arm_err *e)
{
	size_t split, i, nlines = 0, lineno, start;
	const uint8_t *sigs;
	size_t siglen;
	int rc;

	memset(n, 0, sizeof(*n));
	if (max == 0)
		max = NOTE_MAX_SIZE;
	if (len > max)
		return arm_err_set(e, ARM_ELIMIT,
		                   "signed note: %zu bytes is more than the limit of %zu", len,
		                   max);
	ARM_TRY(text_check(msg, len, "signed note", e));
	/* signed-note §"Format": the text ends at the LAST empty line. */
	split = len;
	for (i = len; i >= 2; i--) {
		if (msg[i - 1] == '\n' && msg[i - 2] == '\n') {
			split = i - 2;
			break;
		}
	}
	if (split == len)
		return arm_err_set(e, ARM_ESYNTAX,
		                   "signed note: no blank line between text and signatures "
		                   "(signed-note v1.0.0 format), %zu bytes",
		                   len);
	sigs = msg + split + 2;
	siglen = len - split - 2;
	if (siglen == 0)
		return arm_err_set(
		    e, ARM_ESYNTAX,
		    "signed note: no signature line after the blank line at byte %zu "
		    "(signed-note v1.0.0 format: one or more signature lines)",
		    split + 1);
	if (sigs[siglen - 1] != '\n')
		return arm_err_set(e, ARM_ESYNTAX,
		                   "signed note: last signature line does not end in a newline at "
		                   "byte %zu (signed-note v1.0.0 format)",
		                   len);
	for (i = 0; i < siglen; i++)
		nlines += sigs[i] == '\n';
	if (nlines > NOTE_MAX_SIGS)
		return arm_err_set(e, ARM_ESYNTAX,
		                   "signed note: %zu signature lines, more than the limit of %d "
		                   "(Go's note.Open has the same cap)",
		                   nlines, NOTE_MAX_SIGS);
	n->text = malloc(split + 2);
	n->sigs = calloc(nlines, sizeof(*n->sigs));
	if (n->text == NULL || n->sigs == NULL) {
		note_release(n);
		return arm_err_set(e, ARM_ENOMEM, "signed note: out of memory for %zu signatures",
		                   nlines);
	}
	memcpy(n->text, msg, split + 1);
	n->text[split + 1] = '\0';
	n->text_len = split + 1;
	start = 0;
	for (i = 0; i < siglen; i++) {
		if (sigs[i] != '\n')
			continue;
		rc = parse_sig_line(&n->sigs[n->nsigs], (const char *)sigs + start, i - start, 0,
		                    split + 2 + start, NULL);
		if (rc != ARM_OK) {
			/* Line numbers count from the note's first line, for the error only. */
			size_t j;
			lineno = 1;
			for (j = 0; j < split + 2 + start; j++)
				lineno += msg[j] == '\n';
			rc = parse_sig_line(&n->sigs[n->nsigs], (const char *)sigs + start,
			                    i - start, lineno, split + 2 + start, e);
			note_release(n);
			return rc;
		}
		n->nsigs++;
		start = i + 1;
	}
	return ARM_OK;
}

/* Verifies one signature by a known key k; fills *chk. */
static int
verify_one(const struct note *n, const struct note_verifier *k, const struct note_sig *s,
           struct note_check *chk, struct arm_err *e)
{
	uint64_t ts = 0;

	switch (k->type) {
	case NOTE_KEY_ED25519:
		/* Checked already on another core (sigmemo.h): the same key, bytes and text. */
		if (s->sig_len != crypto_sign_BYTES ||
		    (!sigmemo_known(k->pk, s->sig, s->sig_len, n->text, n->text_len) &&
		     crypto_sign_verify_detached(s->sig, (const unsigned char *)n->text,
		                                 n->text_len, k->pk) != 0))
			return arm_err_set(
			    e, ARM_EVERIFY,
			    "signed note: signature by known key \"%s+%08x\" does not "
			    "verify; the whole note is refused (signed-note v1.0.0 "
			    "signatures)",
			    k->name, (unsigned)k->key_id);
		break;
	case NOTE_KEY_COSIG_V1:
		if (cosig_verify(k, s, n->text, n->text_len, &ts, e) != ARM_OK) {
			arm_err_prefix(e,
			               "signed note: cosignature by known key \"%s+%08x\" does not "
			               "verify; the whole note is refused",
			               k->name, (unsigned)k->key_id);
			if (e != NULL)
				e->rc = ARM_EVERIFY;
			return ARM_EVERIFY;
		}
		break;
	default:
		return arm_err_set(e, ARM_EUSAGE,
		                   "signed note: key \"%s\" has unsupported type 0x%02x", k->name,
		                   k->type);
	}
	chk->ok = true;
	chk->timestamp = ts;
	return ARM_OK;
}

int
note_verify(const struct note *n, const struct note_verifier *keys, size_t nkeys,
            struct note_check *checks, struct arm_err *e)
{
	size_t i, j, k, nok = 0;
	int rc;

	if (checks != NULL)
		memset(checks, 0, nkeys * sizeof(*checks));
	/* Go's VerifierList refuses the same way: a (name, id) pair must be unique. */
	for (i = 0; i < nkeys; i++)
		for (j = i + 1; j < nkeys; j++)
			if (keys[i].key_id == keys[j].key_id &&
			    strcmp(keys[i].name, keys[j].name) == 0)
				return arm_err_set(e, ARM_EUSAGE,
				                   "signed note: key \"%s+%08x\" given twice",
				                   keys[i].name, (unsigned)keys[i].key_id);
	for (i = 0; i < n->nsigs; i++) {
		const struct note_sig *s = &n->sigs[i];
		struct note_check one = {false, 0};

		/* Unknown (name, id) pairs are ignored, even if one half matches. */
		for (j = 0; j < nkeys; j++)
			if (keys[j].key_id == s->key_id && strcmp(keys[j].name, s->name) == 0)
				break;
		if (j == nkeys)
			continue;
		for (k = 0; k < i; k++)
			if (n->sigs[k].key_id == s->key_id && strcmp(n->sigs[k].name, s->name) == 0)
				break;
		if (k < i)
			return arm_err_set(e, ARM_EVERIFY,
			                   "signed note: two signatures by known key \"%s+%08x\" "
			                   "(signature line %zu); the whole note is refused",
			                   s->name, (unsigned)s->key_id, i + 1);
		rc = verify_one(n, &keys[j], s, &one, e);
		if (rc != ARM_OK)
			return rc;
		if (checks != NULL)
			checks[j] = one;
		nok++;
	}
	if (nok == 0)
		return arm_err_set(e, ARM_EVERIFY,
		                   "signed note: no signature by any of the %zu known keys "
		                   "(signed-note v1.0.0: a note without one MUST be rejected)",
		                   nkeys);
	return ARM_OK;
}

int
note_sig_format(const struct note_sig *s, struct buf *out, struct arm_err *e)
{
	uint8_t raw[4 + NOTE_SIG_MAX];
	size_t nl = strnlen(s->name, sizeof(s->name));
	size_t old = out->len;
	int rc;

	if (!note_name_valid(s->name, nl))
		return arm_err_set(e, ARM_EUSAGE, "signature: %s: \"%.*s\"", name_rule(s->name, nl),
		                   (int)nl, s->name);
	if (s->sig_len == 0 || s->sig_len > NOTE_SIG_MAX)
		return arm_err_set(e, ARM_EUSAGE, "signature by \"%s\": length %zu out of range",
		                   s->name, s->sig_len);
	put_be32(raw, s->key_id);
	memcpy(raw + 4, s->sig, s->sig_len);
	rc = buf_append(out, sig_prefix, SIG_PREFIX_LEN, e);
	if (rc == ARM_OK)
		rc = buf_append(out, s->name, nl, e);
	if (rc == ARM_OK)
		rc = buf_append(out, " ", 1, e);
	if (rc == ARM_OK)
		rc = b64_encode(out, raw, 4 + s->sig_len, e);
	if (rc == ARM_OK)
		rc = buf_append(out, "\n", 1, e);
	if (rc != ARM_OK && out->data != NULL) {
		out->len = old;
		out->data[old] = '\0';
	}
	return rc;
}

int
note_format(const struct note *n, struct buf *out, struct arm_err *e)
{
	size_t old = out->len, i;
	int rc;

	if (n->nsigs == 0)
		return arm_err_set(e, ARM_EUSAGE,
		                   "signed note: nothing to format without a signature");
	ARM_TRY(note_text_valid(n->text, n->text_len, e));
	rc = buf_append(out, n->text, n->text_len, e);
	if (rc == ARM_OK)
		rc = buf_append(out, "\n", 1, e);
	for (i = 0; rc == ARM_OK && i < n->nsigs; i++)
		rc = note_sig_format(&n->sigs[i], out, e);
	if (rc != ARM_OK && out->data != NULL) {
		out->len = old;
		out->data[old] = '\0';
	}
	return rc;
}

int
note_sign_line(const struct note_signer *s, const char *text, size_t len, struct buf *line,
               struct arm_err *e)
{
	struct note_sig sig;

	if (s->type != NOTE_KEY_ED25519 || !note_signer_ready(s))
		return arm_err_set(e, ARM_EUSAGE,
		                   "sign: key \"%s\" is not an Ed25519 note key (type 0x%02x); "
		                   "cosigner keys sign with cosig_sign",
		                   s->name, s->type);
	ARM_TRY(note_text_valid(text, len, e));
	memset(&sig, 0, sizeof(sig));
	memcpy(sig.name, s->name, sizeof(sig.name));
	sig.key_id = s->key_id;
	ARM_TRY(note_signer_sign(s, (const uint8_t *)text, len, sig.sig, e));
	sig.sig_len = crypto_sign_BYTES;
	return note_sig_format(&sig, line, e);
}

int
note_sign(const char *text, size_t len, const struct note_signer *const *signers, size_t nsigners,
          struct buf *out, struct arm_err *e)
{
	size_t old = out->len, i;
	int rc;

	if (nsigners == 0)
		return arm_err_set(e, ARM_EUSAGE, "sign: no signer key given");
	ARM_TRY(note_text_valid(text, len, e));
	rc = buf_append(out, text, len, e);
	if (rc == ARM_OK)
		rc = buf_append(out, "\n", 1, e);
	for (i = 0; rc == ARM_OK && i < nsigners; i++)
		rc = note_sign_line(signers[i], text, len, out, e);
	if (rc != ARM_OK && out->data != NULL) {
		out->len = old;
		out->data[old] = '\0';
	}
	return rc;
}

/* Parses exactly 8 lowercase hex digits (signed-note conventions: fixed-length lowercase). */
static bool
parse_hex8(const char *p, size_t n, uint32_t *v)
{
	size_t i;

	if (n != 8)
		return false;
	*v = 0;
	for (i = 0; i < 8; i++) {
		char c = p[i];
		unsigned d;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else
			return false;
		*v = *v << 4 | d;
	}
	return true;
}

/*
 * Splits "name+hex8+base64" (what) into its parts, the base64 part running
 * to the end (it may itself contain '+'), and checks the name and the hex.
 */
static int
split_key(const char *what, bool secret, const char *p, size_t len, const char **name, size_t *nl,
          uint32_t *id, const char **b64, size_t *bl, struct arm_err *e)
{
	const char *p1, *p2;

	p1 = memchr(p, '+', len);
	p2 = p1 ? memchr(p1 + 1, '+', len - (size_t)(p1 + 1 - p)) : NULL;
	/* A signer key's text is secret: never quote it. */
	if (p2 == NULL)
		return arm_err_set(
		    e, ARM_ESYNTAX,
		    "%s: expected name+keyid+key (signed-note v1.0.0 verifier keys), "
		    "got \"%.*s\"",
		    what, secret ? 0 : (int)(len > 80 ? 80 : len), p);
	*name = p;
	*nl = (size_t)(p1 - p);
	if (!note_name_valid(p, *nl))
		return arm_err_set(e, ARM_ESYNTAX, "%s: %s: \"%.*s\"", what, name_rule(p, *nl),
		                   (int)(*nl > 80 ? 80 : *nl), p);
	if (!parse_hex8(p1 + 1, (size_t)(p2 - p1 - 1), id))
		return arm_err_set(e, ARM_ESYNTAX,
		                   "%s for \"%.*s\": key id \"%.*s\" is not 8 lowercase hex digits",
		                   what, (int)*nl, p,
		                   (int)((p2 - p1 - 1) > 16 ? 16 : (p2 - p1 - 1)), p1 + 1);
	*b64 = p2 + 1;
	*bl = len - (size_t)(p2 + 1 - p);
	if (*bl != KEY_B64_LEN)
		return arm_err_set(e, ARM_ESYNTAX,
		                   "%s for \"%.*s\": key is %zu base64 characters, want %d "
		                   "(type byte and 32-byte key)",
		                   what, (int)*nl, p, *bl, KEY_B64_LEN);
	return ARM_OK;
}

static int
check_type(const char *what, const char *name, uint8_t type, struct arm_err *e)
{
	if (type != NOTE_KEY_ED25519 && type != NOTE_KEY_COSIG_V1)
		return arm_err_set(e, ARM_ESYNTAX,
		                   "%s for \"%s\": key type 0x%02x is not supported (0x01 Ed25519, "
		                   "0x04 Ed25519 cosignature)",
		                   what, name, type);
	return ARM_OK;
}

int
note_verifier_parse(struct note_verifier *v, const char *vkey, size_t len, struct arm_err *e)
{
	const char *name, *b64;
	size_t nl, bl, rl = 0;
	uint32_t id, want;
	uint8_t raw[KEY_BLOB_LEN];
	struct arm_err be;

	memset(v, 0, sizeof(*v));
	ARM_TRY(split_key("verifier key", false, vkey, len, &name, &nl, &id, &b64, &bl, e));
	memcpy(v->name, name, nl);
	v->name[nl] = '\0';
	if (b64_decode(b64, bl, raw, sizeof(raw), &rl, &be) != ARM_OK || rl != KEY_BLOB_LEN) {
		memset(v, 0, sizeof(*v));
		return arm_err_set(e, ARM_ESYNTAX, "verifier key for \"%.*s\": %s", (int)nl, name,
		                   rl != KEY_BLOB_LEN ? "key is not 33 bytes" : be.msg);
	}
	if (check_type("verifier key", v->name, raw[0], e) != ARM_OK) {
		memset(v, 0, sizeof(*v));
		return ARM_ESYNTAX;
	}
	v->type = raw[0];
	memcpy(v->pk, raw + 1, 32);
	want = note_key_id(v->name, v->type, v->pk);
	if (want != id) {
		memset(v, 0, sizeof(*v));
		return arm_err_set(e, ARM_ESYNTAX,
		                   "verifier key for \"%.*s\": key id %08x does not match the key "
		                   "(SHA-256(name || 0x0A || type || key)[:4] = %08x)",
		                   (int)nl, name, (unsigned)id, (unsigned)want);
	}
	v->key_id = id;
	return ARM_OK;
}

int
note_verifier_format(const struct note_verifier *v, struct buf *out, struct arm_err *e)
{
	uint8_t raw[KEY_BLOB_LEN];
	size_t old = out->len;
	int rc;

	if (!note_name_valid(v->name, strnlen(v->name, sizeof(v->name))))
		return arm_err_set(e, ARM_EUSAGE, "verifier key: invalid key name \"%s\"", v->name);
	ARM_TRY(check_type("verifier key", v->name, v->type, e));
	raw[0] = v->type;
	memcpy(raw + 1, v->pk, 32);
	rc = buf_printf(out, e, "%s+%08x+", v->name, (unsigned)v->key_id);
	if (rc == ARM_OK)
		rc = b64_encode(out, raw, sizeof(raw), e);
	if (rc != ARM_OK && out->data != NULL) {
		out->len = old;
		out->data[old] = '\0';
	}
	return rc;
}

/* Fills s from a name, type and 32-byte seed; s->sk is new sodium_malloc memory. */
static int
signer_from_seed(struct note_signer *s, const char *name, size_t nl, uint8_t type,
                 const uint8_t seed[32], struct arm_err *e)
{
	memset(s, 0, sizeof(*s));
	if (sodium_init() < 0)
		return arm_err_set(e, ARM_EIO, "signer key: libsodium failed to initialise");
	s->sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
	if (s->sk == NULL)
		return arm_err_set(e, ARM_ENOMEM, "signer key: sodium_malloc failed");
	if (crypto_sign_seed_keypair(s->pk, s->sk, seed) != 0) {
		note_signer_release(s);
		return arm_err_set(e, ARM_EIO, "signer key: libsodium refused the seed");
	}
	memcpy(s->name, name, nl);
	s->name[nl] = '\0';
	s->type = type;
	s->key_id = note_key_id(s->name, type, s->pk);
	return ARM_OK;
}

int
note_signer_parse(struct note_signer *s, const char *skey, size_t len, struct arm_err *e)
{
	static const char head[] = "PRIVATE+KEY+";
	const char *name, *b64;
	size_t nl, bl, rl = 0;
	uint32_t id;
	uint8_t *raw;
	struct arm_err be;
	int rc;

	memset(s, 0, sizeof(*s));
	if (len < sizeof(head) - 1 || memcmp(skey, head, sizeof(head) - 1) != 0)
		return arm_err_set(e, ARM_ESYNTAX,
		                   "signer key: does not start with \"PRIVATE+KEY+\" "
		                   "(golang.org/x/mod/sumdb/note signer key format)");
	skey += sizeof(head) - 1;
	len -= sizeof(head) - 1;
	/* The error text never quotes the key material. */
	ARM_TRY(split_key("signer key", true, skey, len, &name, &nl, &id, &b64, &bl, e));
	if (sodium_init() < 0)
		return arm_err_set(e, ARM_EIO, "signer key: libsodium failed to initialise");
	raw = sodium_malloc(KEY_BLOB_LEN);
	if (raw == NULL)
		return arm_err_set(e, ARM_ENOMEM, "signer key: sodium_malloc failed");
	rc = b64_decode_secret(b64, bl, raw, KEY_BLOB_LEN, &rl, &be);
	if (rc != ARM_OK || rl != KEY_BLOB_LEN) {
		rc = arm_err_set(e, ARM_ESYNTAX, "signer key for \"%.*s\": %s", (int)nl, name,
		                 rc != ARM_OK ? be.msg : "key is not 33 bytes");
		goto out;
	}
	rc = check_type("signer key", "", raw[0], e);
	if (rc != ARM_OK)
		goto out;
	rc = signer_from_seed(s, name, nl, raw[0], raw + 1, e);
	if (rc != ARM_OK)
		goto out;
	if (s->key_id != id) {
		rc = arm_err_set(e, ARM_ESYNTAX,
		                 "signer key for \"%s\": key id %08x does not match the key (%08x)",
		                 s->name, (unsigned)id, (unsigned)s->key_id);
		note_signer_release(s);
	}
out:
	sodium_free(raw);
	return rc;
}

int
note_signer_format(const struct note_signer *s, struct buf *out, struct arm_err *e)
{
	size_t nl = strnlen(s->name, sizeof(s->name));
	size_t old = out->len;
	uint8_t *raw;
	int rc;

	if (s->sk == NULL || !note_name_valid(s->name, nl))
		return arm_err_set(e, ARM_EUSAGE, "signer key: no key or invalid name \"%s\"",
		                   s->name);
	ARM_TRY(check_type("signer key", s->name, s->type, e));
	/* Reserve first: no realloc may leave a copy of the secret behind. */
	ARM_TRY(buf_reserve(out, 12 + nl + 10 + KEY_B64_LEN + 1, e));
	raw = sodium_malloc(KEY_BLOB_LEN);
	if (raw == NULL)
		return arm_err_set(e, ARM_ENOMEM, "signer key: sodium_malloc failed");
	raw[0] = s->type;
	/* libsodium's Ed25519 secret key is seed || pk. */
	rc = crypto_sign_ed25519_sk_to_seed(raw + 1, s->sk) == 0
	         ? ARM_OK
	         : arm_err_set(e, ARM_EIO, "signer key: libsodium refused the key");
	if (rc == ARM_OK)
		rc = buf_printf(out, e, "PRIVATE+KEY+%s+%08x+", s->name, (unsigned)s->key_id);
	if (rc == ARM_OK)
		rc = b64_encode(out, raw, KEY_BLOB_LEN, e);
	sodium_free(raw);
	if (rc != ARM_OK && out->data != NULL) {
		sodium_memzero(out->data + old, out->len - old);
		out->len = old;
		out->data[old] = '\0';
	}
	return rc;
}

int
note_signer_format_secret(const struct note_signer *s, char **line, size_t *len, struct arm_err *e)
{
	/* "PRIVATE+KEY+" name "+" hex8 "+" base64(33) and a NUL. */
	size_t cap = 12 + NOTE_NAME_MAX + 1 + 8 + 1 + KEY_B64_LEN + 1;
	struct buf b;
	int rc;

	*line = NULL;
	*len = 0;
	if (sodium_init() < 0)
		return arm_err_set(e, ARM_EIO, "signer key: libsodium failed to initialise");
	/*
	 * A buf over sodium_malloc memory whose max keeps buf_reserve from
	 * ever reallocating: every byte of the line is written there only.
	 */
	b.data = sodium_malloc(cap);
	if (b.data == NULL)
		return arm_err_set(e, ARM_ENOMEM, "signer key: sodium_malloc failed");
	b.len = 0;
	b.cap = cap;
	b.max = cap - 1;
	b.data[0] = '\0';
	rc = note_signer_format(s, &b, e);
	if (rc != ARM_OK) {
		sodium_free(b.data);
		return rc;
	}
	*line = (char *)b.data;
	*len = b.len;
	return ARM_OK;
}

int
note_signer_generate(struct note_signer *s, const char *name, uint8_t type, struct arm_err *e)
{
	size_t nl = strlen(name);
	uint8_t *seed;
	int rc;

	memset(s, 0, sizeof(*s));
	if (!note_name_valid(name, nl))
		return arm_err_set(e, ARM_EUSAGE, "key generation: %s: \"%.64s\"",
		                   name_rule(name, nl), name);
	ARM_TRY(check_type("key generation", name, type, e));
	if (sodium_init() < 0)
		return arm_err_set(e, ARM_EIO, "key generation: libsodium failed to initialise");
	seed = sodium_malloc(32);
	if (seed == NULL)
		return arm_err_set(e, ARM_ENOMEM, "key generation: sodium_malloc failed");
	randombytes_buf(seed, 32);
	rc = signer_from_seed(s, name, nl, type, seed, e);
	sodium_free(seed);
	return rc;
}

void
note_signer_verifier(const struct note_signer *s, struct note_verifier *v)
{
	memset(v, 0, sizeof(*v));
	memcpy(v->name, s->name, sizeof(v->name));
	v->key_id = s->key_id;
	v->type = s->type;
	memcpy(v->pk, s->pk, sizeof(v->pk));
}

int
note_signer_external(struct note_signer *s, const char *name, uint8_t type, const uint8_t pk[32],
                     const struct note_signer_ops *ops, void *ctx, struct arm_err *e)
{
	size_t nl = strlen(name);

	memset(s, 0, sizeof(*s));
	if (!note_name_valid(name, nl) || ops == NULL || ops->sign == NULL) {
		if (ops != NULL && ops->release != NULL)
			ops->release(ctx);
		return arm_err_set(e, ARM_EUSAGE, "external signer: %s: \"%.64s\"",
		                   ops == NULL || ops->sign == NULL ? "no sign operation"
		                                                    : name_rule(name, nl),
		                   name);
	}
	if (type != NOTE_KEY_ED25519 && type != NOTE_KEY_COSIG_V1) {
		if (ops->release != NULL)
			ops->release(ctx);
		return check_type("external signer", name, type, e);
	}
	memcpy(s->name, name, nl + 1);
	s->type = type;
	memcpy(s->pk, pk, sizeof(s->pk));
	s->key_id = note_key_id(s->name, type, s->pk);
	s->ops = ops;
	s->ctx = ctx;
	return ARM_OK;
}

bool
note_signer_ready(const struct note_signer *s)
{
	return s->sk != NULL || (s->ops != NULL && s->ops->sign != NULL);
}

int
note_signer_sign(const struct note_signer *s, const uint8_t *msg, size_t len, uint8_t sig[64],
                 struct arm_err *e)
{
	if (s->sk != NULL) {
		if (crypto_sign_detached(sig, NULL, msg, len, s->sk) != 0)
			return arm_err_set(
			    e, ARM_EIO, "sign: libsodium refused to sign with key \"%s\"", s->name);
		return ARM_OK;
	}
	if (s->ops == NULL || s->ops->sign == NULL)
		return arm_err_set(e, ARM_EUSAGE, "sign: key \"%s\" holds no secret", s->name);
	ARM_TRY(s->ops->sign(s->ctx, msg, len, sig, e));
	if (crypto_sign_verify_detached(sig, msg, len, s->pk) != 0)
		return arm_err_set(e, ARM_EVERIFY,
		                   "sign: the %s signer for \"%s\" returned a signature that does "
		                   "not verify under its public key (wrong key object or a faulty "
		                   "token)",
		                   s->ops->kind, s->name);
	return ARM_OK;
}

void
note_signer_release(struct note_signer *s)
{
	if (s == NULL)
		return;
	if (s->ops != NULL && s->ops->release != NULL)
		s->ops->release(s->ctx);
	sodium_free(s->sk); /* wipes, NULL-safe */
	sodium_memzero(s, sizeof(*s));
}
