/*
 * b64.c - see b64.h. Encoding and decoding are libsodium's
 * (sodium_bin2base64, sodium_base642bin, ORIGINAL variant = RFC 4648 §4);
 * this file adds the strictness that signed notes need: one encoding per
 * value, so that two parties hashing a note always hash the same bytes.
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
	sodium_bin2base64((char *)out->data + out->len, need, p, n,
	                  sodium_base64_VARIANT_ORIGINAL);
	out->len += need - 1; /* need counts the NUL */
	return ARM_OK;
}

int
b64_decode(const char *s, size_t slen, uint8_t *out, size_t outcap,
           size_t *outlen, struct arm_err *e)
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
			return arm_err_set(e, ARM_ESYNTAX,
			                   "base64: byte 0x%02x at offset %zu is not in the RFC 4648 "
			                   "§4 alphabet",
			                   (unsigned)c, i);
	}
	if (slen == 0 || slen % 4 != 0)
		return arm_err_set(e, ARM_ESYNTAX,
		                   "base64: length %zu is not a positive multiple of 4", slen);
	if (sodium_base642bin(out, outcap, s, slen, NULL, &n, &end,
	                      sodium_base64_VARIANT_ORIGINAL) != 0)
		return arm_err_set(e, ARM_ESYNTAX,
		                   "base64: invalid character, padding or length");
	if (end != s + slen)
		return arm_err_set(e, ARM_ESYNTAX,
		                   "base64: trailing characters at offset %zu", (size_t)(end - s));
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
