/*
 * entry.c - see entry.h and docs/entries.md.
 *
 * One table says, for every header key, its place in the global order and
 * which kinds require or allow it; the parser walks the lines once against
 * that table, so "keys in a fixed order" is one comparison per line. Every
 * value has exactly one accepted spelling (canonical numbers and times),
 * which is what makes format(parse(b)) == b hold.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "armistice/entry.h"
#include "armistice/common.h"
#include "armistice/note.h"

enum key {
	K_KIND,
	K_AGREEMENT,
	K_AUTHOR,
	K_SEQ,
	K_TIME,
	K_COMMITMENT,
	K_INCIDENT,
	K_VERDICT,
	K_METHOD,
	K_TYPE,
	K_OCCURRED,
	K_LAT,
	K_LON,
	K_ACTOR,
	K_QUANTITY,
	K_VALUE,
	K_UNIT,
	K_ZONE,
	K_REASON,
	K_EVIDENCE,
	K_TEXT,
	K_COUNT
};

static const char *const key_names[K_COUNT] = {
    "kind",     "agreement", "author", "seq",      "time",   "commitment", "incident",
    "verdict",  "method",    "type",   "occurred", "lat",    "lon",        "actor",
    "quantity", "value",     "unit",   "zone",     "reason", "evidence",   "text",
};

/* strlen(key_names[k]), for the lookup of every line's key. */
static const unsigned char key_lens[K_COUNT] = {4, 9, 6, 3, 4, 10, 8, 7, 6, 4, 8,
                                                3, 3, 5, 8, 5, 4,  4, 6, 8, 4};
_Static_assert(sizeof(key_lens) == K_COUNT, "one length per key");

#define BIT(k) (1u << (k))
#define REPEATABLE (BIT(K_ZONE) | BIT(K_REASON) | BIT(K_EVIDENCE))
#define BASE (BIT(K_KIND) | BIT(K_AGREEMENT) | BIT(K_AUTHOR) | BIT(K_SEQ) | BIT(K_TIME))

struct kind_rule {
	const char *name;
	unsigned required;
	unsigned allowed; /* includes required */
	bool body;
};

static const struct kind_rule kinds[] = {
    [ENTRY_NONE] = {NULL, 0, 0, false},
    [ENTRY_AGREEMENT] = {"agreement", BIT(K_KIND) | BIT(K_AGREEMENT),
                         BIT(K_KIND) | BIT(K_AGREEMENT) | BIT(K_ZONE) | BIT(K_TEXT), true},
    [ENTRY_AMEND] = {"amend", BIT(K_KIND) | BIT(K_AGREEMENT) | BIT(K_TIME),
                     BIT(K_KIND) | BIT(K_AGREEMENT) | BIT(K_TIME) | BIT(K_ZONE) | BIT(K_TEXT),
                     true},
    [ENTRY_CLAIM] = {"claim", BASE | BIT(K_COMMITMENT),
                     BASE | BIT(K_COMMITMENT) | BIT(K_EVIDENCE) | BIT(K_TEXT), false},
    [ENTRY_ATTEST] = {"attest", BASE | BIT(K_COMMITMENT) | BIT(K_VERDICT) | BIT(K_METHOD),
                      BASE | BIT(K_COMMITMENT) | BIT(K_VERDICT) | BIT(K_METHOD) | BIT(K_REASON) |
                          BIT(K_EVIDENCE) | BIT(K_TEXT),
                      false},
    [ENTRY_INCIDENT] = {"incident", BASE | BIT(K_TYPE) | BIT(K_OCCURRED) | BIT(K_TEXT),
                        BASE | BIT(K_TYPE) | BIT(K_OCCURRED) | BIT(K_LAT) | BIT(K_LON) |
                            BIT(K_ACTOR) | BIT(K_EVIDENCE) | BIT(K_TEXT),
                        false},
    [ENTRY_FINDING] = {"finding", BASE | BIT(K_INCIDENT) | BIT(K_VERDICT) | BIT(K_METHOD),
                       BASE | BIT(K_INCIDENT) | BIT(K_VERDICT) | BIT(K_METHOD) | BIT(K_ACTOR) |
                           BIT(K_REASON) | BIT(K_EVIDENCE) | BIT(K_TEXT),
                       false},
    [ENTRY_PROGRESS] = {"progress",
                        BASE | BIT(K_COMMITMENT) | BIT(K_QUANTITY) | BIT(K_VALUE) | BIT(K_UNIT),
                        BASE | BIT(K_COMMITMENT) | BIT(K_QUANTITY) | BIT(K_VALUE) | BIT(K_UNIT) |
                            BIT(K_EVIDENCE) | BIT(K_TEXT),
                        false},
    [ENTRY_WITHDRAW] = {"withdraw", BASE | BIT(K_COMMITMENT),
                        BASE | BIT(K_COMMITMENT) | BIT(K_REASON) | BIT(K_EVIDENCE) | BIT(K_TEXT),
                        false},
    [ENTRY_STATEMENT] = {"statement", BASE | BIT(K_TEXT),
                         BASE | BIT(K_COMMITMENT) | BIT(K_EVIDENCE) | BIT(K_TEXT), false},
};

static const char *const verdict_names[] = {NULL, "verified", "refuted", "confirmed", "dismissed"};

const char *
entry_kind_name(enum entry_kind k)
{
	if ((size_t)k >= ARM_ARRAY_LEN(kinds))
		return NULL;
	return kinds[k].name;
}

enum entry_kind
entry_kind_parse(const char *s)
{
	size_t i;

	for (i = 1; i < ARM_ARRAY_LEN(kinds); i++)
		if (strcmp(s, kinds[i].name) == 0)
			return (enum entry_kind)i;
	return ENTRY_NONE;
}

const char *
entry_verdict_name(enum entry_verdict v)
{
	if ((size_t)v >= ARM_ARRAY_LEN(verdict_names))
		return NULL;
	return verdict_names[v];
}

double
entry_lat(const struct entry *en)
{
	return (double)en->lat_e7 / 1e7;
}

double
entry_lon(const struct entry *en)
{
	return (double)en->lon_e7 / 1e7;
}

/* ------------------------------------------------------------------ */
/* Lifecycle                                                           */

void
entry_init(struct entry *en)
{
	memset(en, 0, sizeof(*en));
}

void
entry_release(struct entry *en)
{
	size_t i;

	if (en == NULL)
		return;
	free(en->author);
	free(en->commitment);
	free(en->type);
	free(en->actor);
	free(en->quantity);
	free(en->value);
	free(en->unit);
	free(en->zones);
	for (i = 0; en->reasons != NULL && i < en->nreasons; i++)
		free(en->reasons[i]);
	free(en->reasons);
	for (i = 0; en->evidence != NULL && i < en->nevidence; i++)
		free(en->evidence[i].uri);
	free(en->evidence);
	free(en->text);
	free(en->body);
	entry_init(en);
}

/* ------------------------------------------------------------------ */
/* Values                                                              */

int
entry_time_parse(struct entry_time *t, const char *s, size_t len, struct arm_err *e)
{
	int32_t y, mo, d, off;
	int hh, mi, ss;

	/* RFC 3339 §5.6 date-time, restricted to one spelling per instant */
	if (len < 20 || s[10] != 'T' || agreement_date_parse(s, 10, &y, &mo, &d) != 0 ||
	    agreement_clock_parse(s + 11, 8, &hh, &mi, &ss) != 0)
		return arm_err_set(e, ARM_ESYNTAX,
		                   "time: \"%.*s\" is not an RFC 3339 time YYYY-MM-DDTHH:MM:SS"
		                   "(Z|+HH:MM) without fractions",
		                   (int)(len > 40 ? 40 : len), s);
	if (agreement_offset_parse(s + 19, len - 19, &off) != 0)
		return arm_err_set(e, ARM_ESYNTAX,
		                   "time: \"%.*s\" has no valid UTC offset (Z or +HH:MM)",
		                   (int)(len > 40 ? 40 : len), s);
	if (off == 0 && s[19] != 'Z')
		return arm_err_set(e, ARM_ESYNTAX,
		                   "time-canonical: \"%.*s\": write a zero UTC offset as Z",
		                   (int)(len > 40 ? 40 : len), s);
	t->offset = off;
	t->t = agreement_days_from_civil(y, mo, d) * 86400 + hh * 3600 + mi * 60 + ss - off;
	return ARM_OK;
}

/* Inverse of agreement_days_from_civil (Hinnant's civil_from_days). */
static void
civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

int
entry_time_format(const struct entry_time *t, struct buf *out, struct arm_err *e)
{
	int64_t local = t->t + t->offset, days, secs, y;
	int m, d, off;

	days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
	secs = local - days * 86400;
	civil_from_days(days, &y, &m, &d);
	if (y < 1900 || y > 9999 || t->offset <= -86400 || t->offset >= 86400 ||
	    t->offset % 60 != 0)
		return arm_err_set(e, ARM_EUSAGE, "time: %lld (offset %d) is out of range",
		                   (long long)t->t, (int)t->offset);
	ARM_TRY(buf_printf(out, e, "%04lld-%02d-%02dT%02d:%02d:%02d", (long long)y, m, d,
	                   (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60)));
	if (t->offset == 0)
		return buf_puts(out, "Z", e);
	off = t->offset < 0 ? -t->offset : t->offset;
	return buf_printf(out, e, "%c%02d:%02d", t->offset < 0 ? '-' : '+', off / 3600,
	                  off / 60 % 60);
}

static bool
parse_hex32(const char *s, size_t len, uint8_t out[HASH_SIZE])
{
	size_t i;

	if (len != 2 * HASH_SIZE)
		return false;
	for (i = 0; i < len; i++) {
		char ch = s[i];
		int v;
		if (ch >= '0' && ch <= '9')
			v = ch - '0';
		else if (ch >= 'a' && ch <= 'f')
			v = ch - 'a' + 10;
		else
			return false; /* lowercase only: one spelling */
		if (i % 2 == 0)
			out[i / 2] = (uint8_t)(v << 4);
		else
			out[i / 2] |= (uint8_t)v;
	}
	return true;
}

static bool
parse_seq(const char *s, size_t len, uint64_t *out)
{
	/* seq starts at 1 */
	return agreement_uint_parse(s, len, UINT64_MAX, out) && *out >= 1;
}

/*
 * A canonical decimal: optional '-', integer part without leading zeros,
 * optional '.' and 1..maxfrac digits not ending in 0; "-0" is refused.
 * Returns the value scaled by 10^scale in *out (scale >= maxfrac).
 */
static bool
parse_decimal(const char *s, size_t len, bool allow_neg, int maxint, int maxfrac, int scale,
              int64_t *out)
{
	size_t i = 0, ip = 0, fp = 0;
	int64_t v = 0;
	bool neg = false;
	int k;

	if (len > 0 && s[0] == '-') {
		if (!allow_neg)
			return false;
		neg = true;
		i++;
	}
	/* digit counts are bounded before each multiply: no overflow */
	while (i < len && s[i] >= '0' && s[i] <= '9') {
		if ((int)++ip > maxint)
			return false;
		v = v * 10 + (s[i] - '0');
		i++;
	}
	if (ip == 0 || (ip > 1 && s[neg ? 1 : 0] == '0'))
		return false;
	if (i < len) {
		if (s[i] != '.')
			return false;
		i++;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			if ((int)++fp > maxfrac)
				return false;
			v = v * 10 + (s[i] - '0');
			i++;
		}
		if (i != len || fp == 0 || s[len - 1] == '0')
			return false;
	}
	for (k = (int)fp; k < scale; k++)
		v *= 10;
	if (neg && v == 0)
		return false;
	*out = neg ? -v : v;
	return true;
}

static int
format_decimal(struct buf *out, int64_t v, int scale, struct arm_err *e)
{
	uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	uint64_t p = 1, ip, fp;
	char frac[24];
	int k, n;

	for (k = 0; k < scale; k++)
		p *= 10;
	ip = mag / p;
	fp = mag % p;
	ARM_TRY(buf_printf(out, e, "%s%llu", v < 0 ? "-" : "", (unsigned long long)ip));
	if (fp == 0)
		return ARM_OK;
	n = snprintf(frac, sizeof(frac), "%0*llu", scale, (unsigned long long)fp);
	while (n > 0 && frac[n - 1] == '0')
		n--;
	return buf_printf(out, e, ".%.*s", n, frac);
}

static bool
text_ok(const char *s, size_t len)
{
	/* one line, not empty, no padding spaces: the line is the value */
	return len > 0 && s[0] != ' ' && s[len - 1] != ' ';
}

/* ------------------------------------------------------------------ */
/* Parse                                                               */

static char *
dup_n(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (p != NULL) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

#define FAIL(rule, ...)                                                                            \
	do {                                                                                       \
		rc = arm_err_set(e, ARM_ESYNTAX, "entry line %zu: " rule ": " __VA_ARGS__);        \
		goto out;                                                                          \
	} while (0)
#define NOMEM()                                                                                    \
	do {                                                                                       \
		rc = arm_err_set(e, ARM_ENOMEM, "entry line %zu: out of memory", lineno);          \
		goto out;                                                                          \
	} while (0)

static int
grow(void **arr, size_t n, size_t size)
{
	void *p = realloc(*arr, (n + 1) * size);

	if (p == NULL)
		return -1;
	*arr = p;
	return 0;
}

/* Sets an id-valued field, refusing a bad id. */
static int
set_id(char **field, const char *v, size_t vlen, const char *key, size_t lineno, struct arm_err *e)
{
	if (!agreement_id_valid(v, vlen))
		return arm_err_set(e, ARM_ESYNTAX,
		                   "entry line %zu: bad-id: %s \"%.*s\" must be 1-%d characters of "
		                   "[a-z0-9-], not starting with '-'",
		                   lineno, key, (int)(vlen > 64 ? 64 : vlen), v, AGREEMENT_ID_MAX);
	*field = dup_n(v, vlen);
	if (*field == NULL)
		return arm_err_set(e, ARM_ENOMEM, "entry line %zu: out of memory", lineno);
	return ARM_OK;
}

/* incident: <author>/<seq> of the incident entry a finding is about. */
static int
parse_incident(struct entry *en, const char *v, size_t vlen, size_t lineno, struct arm_err *e)
{
	const char *slash = memchr(v, '/', vlen);
	size_t alen = slash ? (size_t)(slash - v) : 0;
	int rc = ARM_OK, q = (int)(vlen > 64 ? 64 : vlen);

	if (slash == NULL || !agreement_id_valid(v, alen) ||
	    !parse_seq(slash + 1, vlen - alen - 1, &en->incident.seq))
		FAIL("bad-value", "incident \"%.*s\" must be <author>/<seq> of the incident entry",
		     lineno, q, v);
	memcpy(en->incident.author, v, alen);
	en->incident.author[alen] = '\0';
	en->has_incident = true;
out:
	return rc;
}

/* verdict: attest takes verified or refuted, finding confirmed or dismissed. */
static int
parse_verdict(struct entry *en, const char *v, size_t vlen, size_t lineno, struct arm_err *e)
{
	int rc = ARM_OK, q = (int)(vlen > 64 ? 64 : vlen);
	size_t i;

	for (i = 1; i < ARM_ARRAY_LEN(verdict_names); i++)
		if (strlen(verdict_names[i]) == vlen && memcmp(verdict_names[i], v, vlen) == 0)
			en->verdict = (enum entry_verdict)i;
	if (en->verdict == ENTRY_VERDICT_NONE ||
	    (en->kind == ENTRY_ATTEST && en->verdict != ENTRY_VERIFIED &&
	     en->verdict != ENTRY_REFUTED) ||
	    (en->kind == ENTRY_FINDING && en->verdict != ENTRY_CONFIRMED &&
	     en->verdict != ENTRY_DISMISSED))
		FAIL("bad-value", "verdict \"%.*s\" must be %s", lineno, q, v,
		     en->kind == ENTRY_ATTEST ? "verified or refuted" : "confirmed or dismissed");
out:
	return rc;
}

/* method: a verification method's name (agreement_method_parse). */
static int
parse_method(struct entry *en, const char *v, size_t vlen, size_t lineno, struct arm_err *e)
{
	int rc = ARM_OK, q = (int)(vlen > 64 ? 64 : vlen);
	char tmp[32];

	if (vlen >= sizeof(tmp))
		FAIL("bad-value", "method \"%.*s\" is not a verification method", lineno, q, v);
	memcpy(tmp, v, vlen);
	tmp[vlen] = '\0';
	if (agreement_method_parse(tmp, &en->method) != 0)
		FAIL("bad-value",
		     "method \"%s\" is not one of self, media, imagery, on-site, mutual, "
		     "trilateral, forensic, investigation",
		     lineno, tmp);
out:
	return rc;
}

/* value: a canonical non-negative decimal, kept as text and as a number. */
static int
parse_amount(struct entry *en, const char *v, size_t vlen, size_t lineno, struct arm_err *e)
{
	int rc = ARM_OK, q = (int)(vlen > 64 ? 64 : vlen);
	int64_t scaled;

	if (!parse_decimal(v, vlen, false, 12, 6, 6, &scaled))
		FAIL("bad-value",
		     "value \"%.*s\" must be a canonical non-negative decimal (at most 12 "
		     "integer "
		     "digits and 6 decimals, no trailing zeros)",
		     lineno, q, v);
	en->value_num = (double)scaled / 1e6;
	en->value = dup_n(v, vlen);
	if (en->value == NULL)
		NOMEM();
out:
	return rc;
}

/* zone: <zone id> sha256:<hex>, one more of at most ENTRY_MAX_REPEAT. */
static int
parse_zone(struct entry *en, const char *v, size_t vlen, size_t lineno, struct arm_err *e)
{
	const char *sp = memchr(v, ' ', vlen);
	size_t ilen = sp ? (size_t)(sp - v) : 0;
	struct entry_zone *z;
	int rc = ARM_OK, q = (int)(vlen > 64 ? 64 : vlen);

	if (en->nzones >= ENTRY_MAX_REPEAT)
		FAIL("limit", "more than %d zone lines", lineno, ENTRY_MAX_REPEAT);
	if (grow((void **)&en->zones, en->nzones, sizeof(*en->zones)) != 0)
		NOMEM();
	z = &en->zones[en->nzones];
	memset(z, 0, sizeof(*z));
	if (sp == NULL || !agreement_id_valid(v, ilen) || vlen - ilen - 1 < 7 ||
	    memcmp(sp + 1, "sha256:", 7) != 0 || !parse_hex32(sp + 8, vlen - ilen - 8, z->sha256))
		FAIL("bad-value", "zone \"%.*s\" must be <zone id> sha256:<64 lowercase hex>",
		     lineno, q, v);
	memcpy(z->id, v, ilen);
	z->id[ilen] = '\0';
	en->nzones++;
out:
	return rc;
}

/* reason: one more line of text, of at most ENTRY_MAX_REPEAT. */
static int
parse_reason(struct entry *en, const char *v, size_t vlen, size_t lineno, struct arm_err *e)
{
	int rc = ARM_OK;

	if (en->nreasons >= ENTRY_MAX_REPEAT)
		FAIL("limit", "more than %d reason lines", lineno, ENTRY_MAX_REPEAT);
	if (!text_ok(v, vlen))
		FAIL("bad-value", "reason must not start or end with a space", lineno);
	if (grow((void **)&en->reasons, en->nreasons, sizeof(char *)) != 0)
		NOMEM();
	en->reasons[en->nreasons] = dup_n(v, vlen);
	if (en->reasons[en->nreasons] == NULL)
		NOMEM();
	en->nreasons++;
out:
	return rc;
}

/* evidence: sha256:<hex> [uri], one more of at most ENTRY_MAX_REPEAT. */
static int
parse_evidence(struct entry *en, const char *v, size_t vlen, size_t lineno, struct arm_err *e)
{
	const char *sp = memchr(v, ' ', vlen);
	size_t hlen = sp ? (size_t)(sp - v) : vlen;
	struct entry_evidence *ev;
	int rc = ARM_OK, q = (int)(vlen > 64 ? 64 : vlen);

	if (en->nevidence >= ENTRY_MAX_REPEAT)
		FAIL("limit", "more than %d evidence lines", lineno, ENTRY_MAX_REPEAT);
	if (grow((void **)&en->evidence, en->nevidence, sizeof(*en->evidence)) != 0)
		NOMEM();
	ev = &en->evidence[en->nevidence];
	memset(ev, 0, sizeof(*ev));
	if (hlen < 7 || memcmp(v, "sha256:", 7) != 0 || !parse_hex32(v + 7, hlen - 7, ev->sha256))
		FAIL("bad-value", "evidence \"%.*s\" must be sha256:<64 lowercase hex> [uri]",
		     lineno, q, v);
	if (sp != NULL) {
		size_t ulen = vlen - hlen - 1;
		if (ulen == 0 || memchr(sp + 1, ' ', ulen) != NULL)
			FAIL("bad-value", "evidence uri must be one word after one space", lineno);
		ev->uri = dup_n(sp + 1, ulen);
		if (ev->uri == NULL)
			NOMEM();
	}
	en->nevidence++;
out:
	return rc;
}

static int
parse_value(struct entry *en, enum key k, const char *v, size_t vlen, size_t lineno,
            struct arm_err *e)
{
	int rc = ARM_OK;
	int q = (int)(vlen > 64 ? 64 : vlen);

	switch (k) {
	case K_KIND: break; /* handled by the caller: it selects the rules */
	case K_AGREEMENT:
		if (!parse_hex32(v, vlen, en->agreement))
			FAIL("bad-value", "agreement \"%.*s\" must be 64 lowercase hex digits",
			     lineno, q, v);
		break;
	case K_AUTHOR: return set_id(&en->author, v, vlen, "author", lineno, e);
	case K_SEQ:
		if (!parse_seq(v, vlen, &en->seq))
			FAIL("bad-value",
			     "seq \"%.*s\" must be a whole number from 1, without leading zeros",
			     lineno, q, v);
		break;
	case K_TIME:
	case K_OCCURRED: {
		struct entry_time *t = k == K_TIME ? &en->time : &en->occurred;
		if (entry_time_parse(t, v, vlen, e) != ARM_OK) {
			arm_err_prefix(e, "entry line %zu: %s", lineno, key_names[k]);
			return e != NULL ? e->rc : ARM_ESYNTAX;
		}
		if (k == K_TIME)
			en->has_time = true;
		else
			en->has_occurred = true;
		break;
	}
	case K_COMMITMENT: return set_id(&en->commitment, v, vlen, "commitment", lineno, e);
	case K_INCIDENT: return parse_incident(en, v, vlen, lineno, e);
	case K_VERDICT: return parse_verdict(en, v, vlen, lineno, e);
	case K_METHOD: return parse_method(en, v, vlen, lineno, e);
	case K_TYPE: return set_id(&en->type, v, vlen, "type", lineno, e);
	case K_LAT:
		if (!parse_decimal(v, vlen, true, 2, 7, 7, &en->lat_e7) || en->lat_e7 > 900000000 ||
		    en->lat_e7 < -900000000)
			FAIL("bad-value",
			     "lat \"%.*s\" must be canonical decimal degrees in [-90, 90], at most "
			     "7 "
			     "decimals, no trailing zeros",
			     lineno, q, v);
		break;
	case K_LON:
		if (!parse_decimal(v, vlen, true, 3, 7, 7, &en->lon_e7) ||
		    en->lon_e7 > 1800000000 || en->lon_e7 < -1800000000)
			FAIL("bad-value",
			     "lon \"%.*s\" must be canonical decimal degrees in [-180, 180], at "
			     "most 7 "
			     "decimals, no trailing zeros",
			     lineno, q, v);
		en->has_position = true;
		break;
	case K_ACTOR: return set_id(&en->actor, v, vlen, "actor", lineno, e);
	case K_QUANTITY: return set_id(&en->quantity, v, vlen, "quantity", lineno, e);
	case K_VALUE: return parse_amount(en, v, vlen, lineno, e);
	case K_UNIT: return set_id(&en->unit, v, vlen, "unit", lineno, e);
	case K_ZONE: return parse_zone(en, v, vlen, lineno, e);
	case K_REASON: return parse_reason(en, v, vlen, lineno, e);
	case K_EVIDENCE: return parse_evidence(en, v, vlen, lineno, e);
	case K_TEXT:
		if (!text_ok(v, vlen))
			FAIL("bad-value", "text must not start or end with a space", lineno);
		en->text = dup_n(v, vlen);
		if (en->text == NULL)
			NOMEM();
		break;
	case K_COUNT:
	default: FAIL("unknown-key", "internal key %d", lineno, (int)k);
	}
out:
	return rc;
}

/* What entry_parse knows so far: the kind's rules, the keys seen, the last key. */
struct lines {
	const struct kind_rule *rule; /* NULL until the kind line */
	unsigned seen;
	int last;
};

/* kind (line 2 only): the entry's kind, which selects the rules for the rest. */
static int
parse_kind(struct entry *en, const char *v, size_t vlen, size_t lineno, struct lines *ls,
           struct arm_err *e)
{
	char tmp[16];
	int rc = ARM_OK;

	if (lineno != 2)
		FAIL("duplicate-key", "kind given twice", lineno);
	if (vlen >= sizeof(tmp))
		FAIL("bad-value", "kind \"%.*s\" is not an entry kind", lineno,
		     (int)(vlen > 40 ? 40 : vlen), v);
	memcpy(tmp, v, vlen);
	tmp[vlen] = '\0';
	en->kind = entry_kind_parse(tmp);
	if (en->kind == ENTRY_NONE)
		FAIL("bad-value",
		     "kind \"%s\" is not agreement, amend, claim, attest, "
		     "incident, finding, progress, withdraw or statement",
		     lineno, tmp);
	ls->rule = &kinds[en->kind];
out:
	return rc;
}

/*
 * Key k with a value of vlen bytes: allowed by the kind, in the order of
 * key_names, repeated only if it may be and then on consecutive lines, and
 * not too long.
 */
static int
check_key(const struct lines *ls, int k, size_t vlen, size_t lineno, struct arm_err *e)
{
	int rc = ARM_OK, last = ls->last;

	if (!(ls->rule->allowed & BIT(k)))
		FAIL("key-not-allowed", "a %s entry has no %s", lineno, ls->rule->name,
		     key_names[k]);
	if (k == last && !(REPEATABLE & BIT(k)))
		FAIL("duplicate-key", "%s given twice", lineno, key_names[k]);
	if (k < last)
		FAIL("key-order",
		     "%s must come before %s (order: kind, agreement, author, "
		     "seq, time, commitment, incident, verdict, method, type, "
		     "occurred, lat, "
		     "lon, actor, quantity, value, unit, zone, reason, evidence, "
		     "text)",
		     lineno, key_names[k], key_names[last]);
	if ((ls->seen & BIT(k)) && k != last)
		FAIL("duplicate-key", "%s lines must be consecutive", lineno, key_names[k]);
	if (vlen > ENTRY_VALUE_MAX)
		FAIL("limit", "%s is longer than %u bytes", lineno, key_names[k], ENTRY_VALUE_MAX);
out:
	return rc;
}

/* One "key: value" line after the first, from p to its newline nl. */
static int
parse_line(struct entry *en, const char *p, const char *nl, size_t lineno, struct lines *ls,
           struct arm_err *e)
{
	size_t llen = (size_t)(nl - p), klen;
	const char *colon;
	int rc = ARM_OK, k;

	if (llen > ENTRY_VALUE_MAX + 16)
		FAIL("limit", "line longer than %u bytes", lineno, ENTRY_VALUE_MAX + 16);
	if (p[llen - 1] == ' ')
		FAIL("trailing-space", "line ends in a space", lineno);
	colon = memchr(p, ':', llen);
	if (colon == NULL || colon + 1 >= nl || colon[1] != ' ')
		FAIL("syntax", "line is not \"key: value\"", lineno);
	klen = (size_t)(colon - p);
	for (k = 0; k < K_COUNT; k++)
		if (key_lens[k] == klen && key_names[k][0] == p[0] &&
		    memcmp(key_names[k], p, klen) == 0)
			break;
	if (k == K_COUNT)
		FAIL("unknown-key", "\"%.*s\" is not an entry key", lineno,
		     (int)(klen > 40 ? 40 : klen), p);
	if (colon + 2 >= nl || colon[2] == ' ')
		FAIL("empty-value", "%s has an empty value or more than one space after the colon",
		     lineno, key_names[k]);
	if (lineno == 2 && k != K_KIND)
		FAIL("key-order", "the first key must be kind, not %s", lineno, key_names[k]);
	if (k == K_KIND)
		rc = parse_kind(en, colon + 2, (size_t)(nl - (colon + 2)), lineno, ls, e);
	else if ((rc = check_key(ls, k, (size_t)(nl - (colon + 2)), lineno, e)) == ARM_OK)
		rc = parse_value(en, (enum key)k, colon + 2, (size_t)(nl - (colon + 2)), lineno, e);
	if (rc != ARM_OK)
		goto out;
	ls->seen |= BIT(k);
	ls->last = k;
out:
	return rc;
}

/* After the last key line: the kind, every key it needs, lat with lon, a refutation's reason. */
static int
check_complete(const struct entry *en, const struct lines *ls, size_t lineno, struct arm_err *e)
{
	int rc = ARM_OK;
	size_t i;

	if (ls->rule == NULL)
		FAIL("missing-key", "the entry has no kind", lineno);
	for (i = 0; i < K_COUNT; i++)
		if ((ls->rule->required & BIT(i)) && !(ls->seen & BIT(i)))
			FAIL("missing-key", "a %s entry needs %s", lineno, ls->rule->name,
			     key_names[i]);
	if ((ls->seen & BIT(K_LAT)) != ((ls->seen & BIT(K_LON)) >> (K_LON - K_LAT)))
		FAIL("missing-key", "lat and lon go together", lineno);
	if (en->kind == ENTRY_ATTEST && en->verdict == ENTRY_REFUTED && en->nreasons == 0)
		FAIL("missing-key", "a refuted attestation needs at least one reason", lineno);
out:
	return rc;
}

/*
 * The body after the blank line (agreement and amend entries), from p to
 * end, and its digest; the agreement's own entry names itself: its id is
 * its body's hash.
 */
static int
take_body(struct entry *en, const char *p, const char *end, size_t lineno, struct arm_err *e)
{
	int rc = ARM_OK;

	if (p >= end)
		FAIL("missing-body", "a %s entry needs a blank line and the agreement as its body",
		     lineno, kinds[en->kind].name);
	en->body_len = (size_t)(end - p);
	en->body = malloc(en->body_len + 1);
	if (en->body == NULL)
		NOMEM();
	memcpy(en->body, p, en->body_len);
	en->body[en->body_len] = '\0';
	hash_sha256(en->body_id, en->body, en->body_len);
	if (en->kind == ENTRY_AGREEMENT && memcmp(en->body_id, en->agreement, HASH_SIZE) != 0) {
		char hex[2 * HASH_SIZE + 1];
		hash_hex(hex, en->body_id);
		rc = arm_err_set(e, ARM_EVERIFY,
		                 "entry: agreement-id: the agreement line does not match the "
		                 "body, whose sha256 is %s",
		                 hex);
	}
out:
	return rc;
}

int
entry_parse(struct entry *en, const uint8_t *text, size_t len, struct arm_err *e)
{
	const char *s = (const char *)text;
	const char *end = s + len, *p;
	size_t lineno = 0;
	struct lines ls = {NULL, 0, -1};
	int rc = ARM_OK;

	entry_init(en);
	if (len > ENTRY_MAX_SIZE)
		return arm_err_set(e, ARM_ELIMIT,
		                   "entry: %zu bytes, more than the %u of one log entry", len,
		                   ENTRY_MAX_SIZE);
	/* UTF-8, no control characters, final newline: signed-note text rules */
	ARM_TRY(note_text_valid(s, len, e));
	p = s;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t llen = (size_t)(nl - p);

		lineno++;
		if (lineno == 1) {
			if (llen != strlen(ENTRY_MAGIC) || memcmp(p, ENTRY_MAGIC, llen) != 0)
				FAIL("magic", "the first line must be \"%s\"", lineno, ENTRY_MAGIC);
			p = nl + 1;
			continue;
		}
		if (llen == 0) {
			/* the blank line before the body */
			if (ls.rule == NULL || !ls.rule->body)
				FAIL("blank-line",
				     "a blank line is allowed only before the body of an "
				     "agreement or amend entry",
				     lineno);
			p = nl + 1;
			break;
		}
		if ((rc = parse_line(en, p, nl, lineno, &ls, e)) != ARM_OK)
			goto out;
		p = nl + 1;
	}
	if ((rc = check_complete(en, &ls, lineno, e)) != ARM_OK)
		goto out;
	if (ls.rule->body)
		rc = take_body(en, p, end, lineno, e);
out:
	if (rc != ARM_OK)
		entry_release(en);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Format                                                              */

static int
put_kv(struct buf *out, const char *k, const char *v, struct arm_err *e)
{
	return buf_printf(out, e, "%s: %s\n", k, v);
}

static int
put_hex(struct buf *out, const char *k, const uint8_t h[HASH_SIZE], struct arm_err *e)
{
	char hex[2 * HASH_SIZE + 1];

	hash_hex(hex, h);
	return put_kv(out, k, hex, e);
}

static int
put_time(struct buf *out, const char *k, const struct entry_time *t, struct arm_err *e)
{
	ARM_TRY(buf_printf(out, e, "%s: ", k));
	ARM_TRY(entry_time_format(t, out, e));
	return buf_puts(out, "\n", e);
}

/*
 * WANT(k, present) ... END_WANT: a key the entry has must be allowed by its
 * kind (rule), a key it lacks must not be required; the block between writes
 * the key when present.
 */
#define WANT(k, present)                                                                           \
	do {                                                                                       \
		bool p_ = (present);                                                               \
		if (p_ && !(rule->allowed & BIT(k)))                                               \
			return arm_err_set(e, ARM_EUSAGE, "entry: a %s entry has no %s",           \
			                   rule->name, key_names[k]);                              \
		if (!p_ && (rule->required & BIT(k)))                                              \
			return arm_err_set(e, ARM_EUSAGE, "entry: a %s entry needs %s",            \
			                   rule->name, key_names[k]);                              \
		if (!p_)                                                                           \
			break;

#define END_WANT                                                                                   \
	}                                                                                          \
	while (0)

/* The keys from author to occurred: who, when, and what the entry is about. */
static int
format_subject(const struct entry *en, const struct kind_rule *rule, struct buf *out,
               struct arm_err *e)
{
	WANT(K_AUTHOR, en->author != NULL)
	ARM_TRY(put_kv(out, "author", en->author, e));
	END_WANT;
	WANT(K_SEQ, en->seq != 0)
	ARM_TRY(buf_printf(out, e, "seq: %llu\n", (unsigned long long)en->seq));
	END_WANT;
	WANT(K_TIME, en->has_time)
	ARM_TRY(put_time(out, "time", &en->time, e));
	END_WANT;
	WANT(K_COMMITMENT, en->commitment != NULL)
	ARM_TRY(put_kv(out, "commitment", en->commitment, e));
	END_WANT;
	WANT(K_INCIDENT, en->has_incident)
	ARM_TRY(buf_printf(out, e, "incident: %s/%llu\n", en->incident.author,
	                   (unsigned long long)en->incident.seq));
	END_WANT;
	WANT(K_VERDICT, en->verdict != ENTRY_VERDICT_NONE)
	ARM_TRY(put_kv(out, "verdict", entry_verdict_name(en->verdict), e));
	END_WANT;
	WANT(K_METHOD, en->method != AGREEMENT_METHOD_NONE)
	ARM_TRY(put_kv(out, "method", agreement_method_name(en->method), e));
	END_WANT;
	WANT(K_TYPE, en->type != NULL)
	ARM_TRY(put_kv(out, "type", en->type, e));
	END_WANT;
	WANT(K_OCCURRED, en->has_occurred)
	ARM_TRY(put_time(out, "occurred", &en->occurred, e));
	END_WANT;
	return ARM_OK;
}

/* The keys from lat to zone: where, who did it, and how much. */
static int
format_facts(const struct entry *en, const struct kind_rule *rule, struct buf *out,
             struct arm_err *e)
{
	size_t i;

	WANT(K_LAT, en->has_position)
	ARM_TRY(buf_puts(out, "lat: ", e));
	ARM_TRY(format_decimal(out, en->lat_e7, 7, e));
	ARM_TRY(buf_puts(out, "\nlon: ", e));
	ARM_TRY(format_decimal(out, en->lon_e7, 7, e));
	ARM_TRY(buf_puts(out, "\n", e));
	END_WANT;
	WANT(K_ACTOR, en->actor != NULL)
	ARM_TRY(put_kv(out, "actor", en->actor, e));
	END_WANT;
	WANT(K_QUANTITY, en->quantity != NULL)
	ARM_TRY(put_kv(out, "quantity", en->quantity, e));
	END_WANT;
	WANT(K_VALUE, en->value != NULL)
	ARM_TRY(put_kv(out, "value", en->value, e));
	END_WANT;
	WANT(K_UNIT, en->unit != NULL)
	ARM_TRY(put_kv(out, "unit", en->unit, e));
	END_WANT;
	WANT(K_ZONE, en->nzones > 0)
	for (i = 0; i < en->nzones; i++) {
		char hex[2 * HASH_SIZE + 1];
		hash_hex(hex, en->zones[i].sha256);
		ARM_TRY(buf_printf(out, e, "zone: %s sha256:%s\n", en->zones[i].id, hex));
	}
	END_WANT;
	return ARM_OK;
}

/* The keys from reason to text: why, the evidence, and the words. */
static int
format_words(const struct entry *en, const struct kind_rule *rule, struct buf *out,
             struct arm_err *e)
{
	size_t i;

	WANT(K_REASON, en->nreasons > 0)
	for (i = 0; i < en->nreasons; i++)
		ARM_TRY(put_kv(out, "reason", en->reasons[i], e));
	END_WANT;
	WANT(K_EVIDENCE, en->nevidence > 0)
	for (i = 0; i < en->nevidence; i++) {
		char hex[2 * HASH_SIZE + 1];
		hash_hex(hex, en->evidence[i].sha256);
		ARM_TRY(buf_printf(out, e, "evidence: sha256:%s%s%s\n", hex,
		                   en->evidence[i].uri ? " " : "",
		                   en->evidence[i].uri ? en->evidence[i].uri : ""));
	}
	END_WANT;
	WANT(K_TEXT, en->text != NULL)
	ARM_TRY(put_kv(out, "text", en->text, e));
	END_WANT;
	return ARM_OK;
}

#undef WANT
#undef END_WANT

static int
format_body(const struct entry *en, struct buf *out, struct arm_err *e)
{
	const struct kind_rule *rule = &kinds[en->kind];

	ARM_TRY(buf_puts(out, ENTRY_MAGIC "\n", e));
	ARM_TRY(put_kv(out, "kind", rule->name, e));
	ARM_TRY(put_hex(out, "agreement", en->agreement, e));
	ARM_TRY(format_subject(en, rule, out, e));
	ARM_TRY(format_facts(en, rule, out, e));
	ARM_TRY(format_words(en, rule, out, e));
	if (rule->body) {
		if (en->body == NULL || en->body_len == 0)
			return arm_err_set(e, ARM_EUSAGE, "entry: a %s entry needs a body",
			                   rule->name);
		ARM_TRY(buf_puts(out, "\n", e));
		ARM_TRY(buf_append(out, en->body, en->body_len, e));
	}
	return ARM_OK;
}

int
entry_format(const struct entry *en, struct buf *out, struct arm_err *e)
{
	struct buf tmp = BUF_INIT(ENTRY_MAX_SIZE);
	struct entry back;
	int rc;

	if (en->kind <= ENTRY_NONE || (size_t)en->kind >= ARM_ARRAY_LEN(kinds))
		return arm_err_set(e, ARM_EUSAGE, "entry: no such kind %d", (int)en->kind);
	rc = format_body(en, &tmp, e);
	/*
	 * Whatever we emit must parse back to the same bytes; checking here
	 * catches a struct with a value that has no canonical spelling (a
	 * reason with a newline, an id with capitals) before anyone signs it.
	 */
	if (rc == ARM_OK) {
		rc = entry_parse(&back, tmp.data, tmp.len, e);
		if (rc != ARM_OK)
			arm_err_prefix(e, "entry: the struct has no canonical form");
		entry_release(&back);
	}
	if (rc == ARM_OK)
		rc = buf_append(out, tmp.data, tmp.len, e);
	buf_release(&tmp);
	return rc;
}

/* ------------------------------------------------------------------ */
/* References and signatures                                           */

int
entry_check_refs(const struct entry *en, const struct agreement *a, struct arm_err *e)
{
	size_t i;

	if (en->author != NULL && agreement_actor_index(a, en->author) == AGREEMENT_NONE)
		return arm_err_set(e, ARM_ERULE,
		                   "entry: unknown-actor: author \"%s\" is not an actor "
		                   "of the agreement",
		                   en->author);
	if (en->commitment != NULL &&
	    agreement_commitment_index(a, en->commitment) == AGREEMENT_NONE)
		return arm_err_set(e, ARM_ERULE,
		                   "entry: unknown-commitment: \"%s\" is not a "
		                   "commitment of the agreement",
		                   en->commitment);
	if (en->type != NULL && agreement_kind_index(a, en->type) == AGREEMENT_NONE)
		return arm_err_set(e, ARM_ERULE,
		                   "entry: unknown-incident-kind: \"%s\" is not an "
		                   "incident kind of the agreement",
		                   en->type);
	if (en->actor != NULL && agreement_actor_index(a, en->actor) == AGREEMENT_NONE)
		return arm_err_set(e, ARM_ERULE,
		                   "entry: unknown-actor: actor \"%s\" is not an actor "
		                   "of the agreement",
		                   en->actor);
	if (en->has_incident && agreement_actor_index(a, en->incident.author) == AGREEMENT_NONE)
		return arm_err_set(e, ARM_ERULE,
		                   "entry: unknown-actor: incident \"%s/%llu\" names no "
		                   "actor of the agreement",
		                   en->incident.author, (unsigned long long)en->incident.seq);
	for (i = 0; i < en->nzones; i++) {
		size_t z = agreement_zone_index(a, en->zones[i].id);
		if (z == AGREEMENT_NONE || a->zones[z].file == NULL)
			return arm_err_set(e, ARM_ERULE,
			                   "entry: unknown-zone: \"%s\" is not a file zone "
			                   "of the agreement",
			                   en->zones[i].id);
	}
	return ARM_OK;
}

/* Every party of a must have a verified signature; the note is already verified. */
static int
check_parties(const struct note *n, const struct agreement *a, struct arm_err *e)
{
	struct note_verifier *keys;
	struct note_check *checks;
	size_t *owner, nkeys = 0, i, k;
	int rc;

	for (i = 0; i < a->nactors; i++)
		if (a->actors[i].role == AGREEMENT_PARTY)
			nkeys += a->actors[i].nkeys;
	if (nkeys == 0)
		return arm_err_set(e, ARM_ERULE, "entry: the agreement names no party to sign it");
	keys = calloc(nkeys, sizeof(*keys));
	checks = calloc(nkeys, sizeof(*checks));
	owner = calloc(nkeys, sizeof(*owner));
	if (keys == NULL || checks == NULL || owner == NULL) {
		rc = arm_err_set(e, ARM_ENOMEM, "entry: out of memory");
		goto out;
	}
	nkeys = 0;
	for (i = 0; i < a->nactors; i++)
		for (k = 0; a->actors[i].role == AGREEMENT_PARTY && k < a->actors[i].nkeys; k++) {
			keys[nkeys] = a->actors[i].keys[k];
			owner[nkeys++] = i;
		}
	rc = note_verify(n, keys, nkeys, checks, e);
	if (rc != ARM_OK) {
		arm_err_prefix(e, "entry");
		goto out;
	}
	for (i = 0; i < a->nactors; i++) {
		bool ok = a->actors[i].role != AGREEMENT_PARTY;
		for (k = 0; k < nkeys; k++)
			if (owner[k] == i && checks[k].ok)
				ok = true;
		if (!ok) {
			rc = arm_err_set(
			    e, ARM_EVERIFY,
			    "entry: party-signature: party \"%s\" has not signed (no valid "
			    "signature by any of its %zu keys)",
			    a->actors[i].id, a->actors[i].nkeys);
			goto out;
		}
	}
out:
	free(keys);
	free(checks);
	free(owner);
	return rc;
}

static int
open_note(struct note *n, struct entry *en, const uint8_t *msg, size_t len, struct arm_err *e)
{
	int rc;

	rc = note_parse(n, msg, len, ENTRY_MAX_SIZE, e);
	if (rc != ARM_OK)
		return rc;
	rc = entry_parse(en, (const uint8_t *)n->text, n->text_len, e);
	if (rc != ARM_OK)
		note_release(n);
	return rc;
}

int
entry_open(struct entry *en, const uint8_t *msg, size_t len, const struct agreement *a,
           struct arm_err *e)
{
	struct note n;
	char want[2 * HASH_SIZE + 1], got[2 * HASH_SIZE + 1];
	int rc;

	entry_init(en);
	ARM_TRY(open_note(&n, en, msg, len, e));
	if (memcmp(en->agreement, a->id, HASH_SIZE) != 0) {
		hash_hex(want, a->id);
		hash_hex(got, en->agreement);
		rc = arm_err_set(e, ARM_ERULE,
		                 "entry: wrong-agreement: the entry names agreement %.16s..., the "
		                 "agreement in force is %.16s...",
		                 got, want);
		goto out;
	}
	if (en->kind == ENTRY_AGREEMENT || en->kind == ENTRY_AMEND) {
		rc = check_parties(&n, a, e);
		goto out;
	}
	{
		const struct agreement_actor *ac = agreement_actor(a, en->author);
		struct note_check checks[AGREEMENT_MAX_KEYS];
		size_t k;
		bool ok = false;

		if (ac == NULL) {
			rc = arm_err_set(e, ARM_ERULE,
			                 "entry: unknown-actor: author \"%s\" is not an "
			                 "actor of the agreement",
			                 en->author);
			goto out;
		}
		rc = note_verify(&n, ac->keys, ac->nkeys, checks, e);
		if (rc != ARM_OK) {
			arm_err_prefix(e, "entry by \"%s\" seq %llu", en->author,
			               (unsigned long long)en->seq);
			goto out;
		}
		for (k = 0; k < ac->nkeys; k++)
			ok = ok || checks[k].ok;
		if (!ok)
			rc = arm_err_set(e, ARM_EVERIFY,
			                 "entry by \"%s\" seq %llu: no signature by the "
			                 "author's keys",
			                 en->author, (unsigned long long)en->seq);
	}
out:
	note_release(&n);
	if (rc != ARM_OK)
		entry_release(en);
	return rc;
}

int
entry_check_zones(const struct entry *en, const struct agreement *a, struct arm_err *e)
{
	size_t i, j, nfile = 0;

	for (i = 0; i < a->nzones; i++) {
		const struct agreement_zone *z = &a->zones[i];
		size_t found = 0;
		if (z->file == NULL)
			continue;
		nfile++;
		for (j = 0; j < en->nzones; j++) {
			if (strcmp(en->zones[j].id, z->id) != 0)
				continue;
			found++;
			if (memcmp(en->zones[j].sha256, z->digest, HASH_SIZE) != 0) {
				char hex[2 * HASH_SIZE + 1];
				hash_hex(hex, z->digest);
				return arm_err_set(
				    e, ARM_EVERIFY,
				    "entry: zone-digest: zone \"%s\" file "
				    "\"%s\" has sha256 %s, not the digest the parties signed",
				    z->id, z->file, hex);
			}
		}
		if (found != 1)
			return arm_err_set(e, ARM_ERULE,
			                   "entry: zone-digest: zone \"%s\" is listed %zu "
			                   "times in the entry's zone lines; once is required",
			                   z->id, found);
	}
	if (nfile != en->nzones)
		return arm_err_set(e, ARM_ERULE,
		                   "entry: zone-digest: the entry lists %zu zone lines "
		                   "for %zu file zones",
		                   en->nzones, nfile);
	return ARM_OK;
}

/*
 * Zone files read while entry 0's agreement is parsed: each must have one
 * of the digests the parties signed in the entry's zone lines before its
 * contents are used (parse, verify, then use): a substituted file is
 * named as such, not by whatever its geometry would fail.
 * entry_check_zones() then matches every zone to its own line.
 */
struct zone_gate {
	const struct entry *en;
	agreement_read_fn read_file;
	void *ctx;
};

static int
zone_gate_read(void *ctx, const char *rel, struct buf *out, struct arm_err *e)
{
	struct zone_gate *g = ctx;
	uint8_t d[HASH_SIZE];
	char hex[2 * HASH_SIZE + 1];
	size_t i;

	ARM_TRY(g->read_file(g->ctx, rel, out, e));
	hash_sha256(d, out->data, out->len);
	for (i = 0; i < g->en->nzones; i++)
		if (memcmp(d, g->en->zones[i].sha256, HASH_SIZE) == 0)
			return ARM_OK;
	hash_hex(hex, d);
	return arm_err_set(e, ARM_EVERIFY,
	                   "sha256 %s is not the digest the parties signed for any zone of "
	                   "entry 0 (a substituted or edited zone file)",
	                   hex);
}

int
entry_open_agreement(struct entry *en, struct agreement *a, const uint8_t *msg, size_t len,
                     const char *fname, agreement_read_fn read_file, void *ctx, struct buf *diags,
                     struct arm_err *e)
{
	struct note n;
	int rc;

	entry_init(en);
	agreement_init(a);
	ARM_TRY(open_note(&n, en, msg, len, e));
	if (en->kind != ENTRY_AGREEMENT) {
		rc = arm_err_set(e, ARM_ERULE,
		                 "entry: first-entry: the log's first entry must be of "
		                 "kind agreement, not %s",
		                 entry_kind_name(en->kind));
		goto out;
	}
	{
		struct zone_gate g = {en, read_file, ctx};
		rc = agreement_parse(a, en->body, en->body_len, fname,
		                     read_file != NULL ? zone_gate_read : NULL, &g, diags, e);
	}
	if (rc != ARM_OK)
		goto out;
	rc = entry_check_zones(en, a, e);
	if (rc != ARM_OK)
		goto out;
	rc = check_parties(&n, a, e);
out:
	note_release(&n);
	if (rc != ARM_OK) {
		entry_release(en);
		agreement_release(a);
	}
	return rc;
}

/* The agreement entry (in_force NULL) or an amendment of in_force dated t. */
static int
body_entry_text(const struct agreement *a, const uint8_t *in_force, const struct entry_time *t,
                struct buf *out, struct arm_err *e)
{
	struct entry en;
	size_t i, nz = 0;
	int rc;

	entry_init(&en);
	en.kind = in_force != NULL ? ENTRY_AMEND : ENTRY_AGREEMENT;
	memcpy(en.agreement, in_force != NULL ? in_force : a->id, HASH_SIZE);
	if (in_force != NULL) {
		en.has_time = true;
		en.time = *t;
	}
	en.zones = calloc(a->nzones ? a->nzones : 1, sizeof(*en.zones));
	if (en.zones == NULL)
		return arm_err_set(e, ARM_ENOMEM, "entry: out of memory");
	for (i = 0; i < a->nzones; i++) {
		if (a->zones[i].file == NULL)
			continue;
		snprintf(en.zones[nz].id, sizeof(en.zones[nz].id), "%s", a->zones[i].id);
		memcpy(en.zones[nz].sha256, a->zones[i].digest, HASH_SIZE);
		nz++;
	}
	en.nzones = nz;
	/* borrowed for formatting only; entry_release must not free it */
	en.body = a->yaml;
	en.body_len = a->yaml_len;
	rc = entry_format(&en, out, e);
	en.body = NULL;
	entry_release(&en);
	return rc;
}

int
entry_agreement_text(const struct agreement *a, struct buf *out, struct arm_err *e)
{
	return body_entry_text(a, NULL, NULL, out, e);
}

int
entry_amend_text(const struct agreement *na, const uint8_t in_force[HASH_SIZE],
                 const struct entry_time *t, struct buf *out, struct arm_err *e)
{
	return body_entry_text(na, in_force, t, out, e);
}

int
entry_parse_note(struct entry *en, const uint8_t *note, size_t len, struct arm_err *e)
{
	struct note n;
	int rc;

	entry_init(en);
	ARM_TRY(note_parse(&n, note, len, ENTRY_MAX_SIZE, e));
	rc = entry_parse(en, (const uint8_t *)n.text, n.text_len, e);
	note_release(&n);
	return rc;
}
