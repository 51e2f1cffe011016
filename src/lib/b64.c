/*
 * b64.c - see b64.h. Encoding is libsodium's (sodium_bin2base64, ORIGINAL
 * variant = RFC 4648 §4). Decoding of secret keys is libsodium's too
 * (constant time); public data (signatures, hashes, proofs: every note a
 * replay reads) goes through a table, which costs a tenth as much. Both
 * add the strictness that signed notes need: one encoding per value, so
 * that two parties hashing a note always hash the same bytes.
 */
#include <string.h>

#include <sodium.h>

#include "armistice/b64.h"
#include "armistice/common.h"

int
b64_encode(struct buf *out, const void *p, size_t n, struct arm_err *e)
{
	size_t need = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);

	ARM_TRY(buf_reserve(out, need, e));
	sodium_bin2base64((char *)out->data + out->len, need, p, n, sodium_base64_VARIANT_ORIGINAL);
	out->len += need - 1; /* need counts the NUL */
	return ARM_OK;
}

/* RFC 4648 §4 alphabet: value + 1, or 0 for a byte outside it. */
static const uint8_t b64_val[256] = {
    ['A'] = 1,  ['B'] = 2,  ['C'] = 3,  ['D'] = 4,  ['E'] = 5,  ['F'] = 6,  ['G'] = 7,  ['H'] = 8,
    ['I'] = 9,  ['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16,
    ['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24,
    ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32,
    ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36, ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40,
    ['o'] = 41, ['p'] = 42, ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48,
    ['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56,
    ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62, ['+'] = 63, ['/'] = 64,
};

int
b64_decode(const char *s, size_t slen, uint8_t *out, size_t outcap, size_t *outlen,
           struct arm_err *e)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, n, pad = 0, full;

	for (i = 0; i < slen; i++)
		if (b64_val[u[i]] == 0 && u[i] != '=')
			return arm_err_set(
			    e, ARM_ESYNTAX,
			    "base64: byte 0x%02x at offset %zu is not in the RFC 4648 "
			    "§4 alphabet",
			    (unsigned)u[i], i);
	if (slen == 0 || slen % 4 != 0)
		return arm_err_set(e, ARM_ESYNTAX,
		                   "base64: length %zu is not a positive multiple of 4", slen);
	/* '=' only as the last one or two characters of the last group. */
	if (u[slen - 1] == '=')
		pad = u[slen - 2] == '=' ? 2 : 1;
	for (i = 0; i < slen - pad; i++)
		if (u[i] == '=')
			return arm_err_set(e, ARM_ESYNTAX,
			                   "base64: invalid character, padding or length");
	n = slen / 4 * 3 - pad;
	if (n > outcap)
		return arm_err_set(e, ARM_ESYNTAX, "base64: invalid character, padding or length");
	full = pad ? slen - 4 : slen;
	for (i = 0; i < full; i += 4) {
		uint32_t v =
		    (uint32_t)(b64_val[u[i]] - 1) << 18 | (uint32_t)(b64_val[u[i + 1]] - 1) << 12 |
		    (uint32_t)(b64_val[u[i + 2]] - 1) << 6 | (uint32_t)(b64_val[u[i + 3]] - 1);
		*out++ = (uint8_t)(v >> 16);
		*out++ = (uint8_t)(v >> 8);
		*out++ = (uint8_t)v;
	}
	if (pad) {
		uint32_t a = b64_val[u[full]] - 1u, b = b64_val[u[full + 1]] - 1u;
		uint32_t c = pad == 1 ? b64_val[u[full + 2]] - 1u : 0;
		/* The unused low bits must be zero: one spelling per value. */
		if ((pad == 2 && (b & 0x0f) != 0) || (pad == 1 && (c & 0x03) != 0))
			return arm_err_set(e, ARM_ESYNTAX, "base64: non-canonical padding bits");
		*out++ = (uint8_t)(a << 2 | b >> 4);
		if (pad == 1)
			*out++ = (uint8_t)(b << 4 | c >> 2);
	}
	*outlen = n;
	return ARM_OK;
}

int
b64_decode_secret(const char *s, size_t slen, uint8_t *out, size_t outcap, size_t *outlen,
                  struct arm_err *e)
{
	const char *end = NULL;
	size_t n = 0;
	size_t i;

	/*
	 * libsodium 1.0.18's decoder maps some bytes >= 0x80 to values instead
	 * of refusing them, which would give one value more than one spelling.
	 * RFC 4648 §4: only the 64 letters and '=' belong to the encoding.
	 */
	for (i = 0; i < slen; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '+' || c == '/' || c == '='))
			return arm_err_set(
			    e, ARM_ESYNTAX,
			    "base64: byte 0x%02x at offset %zu is not in the RFC 4648 "
			    "§4 alphabet",
			    (unsigned)c, i);
	}
	if (slen == 0 || slen % 4 != 0)
		return arm_err_set(e, ARM_ESYNTAX,
		                   "base64: length %zu is not a positive multiple of 4", slen);
	if (sodium_base642bin(out, outcap, s, slen, NULL, &n, &end,
	                      sodium_base64_VARIANT_ORIGINAL) != 0)
		return arm_err_set(e, ARM_ESYNTAX, "base64: invalid character, padding or length");
	if (end != s + slen)
		return arm_err_set(e, ARM_ESYNTAX, "base64: trailing characters at offset %zu",
		                   (size_t)(end - s));
	/*
	 * libsodium accepts non-zero bits in the last character's unused low
	 * bits; re-encoding and comparing rejects them (canonical form).
	 */
	{
		char re[4];
		size_t tail = n % 3;
		if (tail != 0) {
			char full[8];
			sodium_bin2base64(full, sizeof(full), out + n - tail, tail,
			                  sodium_base64_VARIANT_ORIGINAL);
			memcpy(re, full, 4);
			if (memcmp(re, s + slen - 4, 4) != 0)
				return arm_err_set(e, ARM_ESYNTAX,
				                   "base64: non-canonical padding bits");
		}
	}
	*outlen = n;
	return ARM_OK;
}
