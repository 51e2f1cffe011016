/*
 * importmap.c - the dataset mapping file (importmap.h, docs/import.md).
 */
#include <stdlib.h>
#include <string.h>

#include "armistice/importmap.h"
#include "armistice/csv.h"

static const char arrow[] = " => ";

const char *
importmap_format_name(enum importmap_format f)
{
	switch (f) {
	case IMPORTMAP_ACLED: return "acled";
	case IMPORTMAP_UCDP: return "ucdp";
	case IMPORTMAP_NONE:
	default: return "none";
	}
}

void
importmap_release(struct importmap *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nrules; i++)
		free(m->rules[i].source);
	free(m->rules);
	memset(m, 0, sizeof(*m));
}

static int
cmp_key(enum importmap_what wa, const char *sa, size_t na, const struct importmap_rule *b)
{
	int c;

	if (wa != b->what)
		return wa < b->what ? -1 : 1;
	c = memcmp(sa, b->source, na < b->source_len ? na : b->source_len);
	if (c != 0)
		return c;
	return na < b->source_len ? -1 : na > b->source_len;
}

static int
rule_cmp(const void *x, const void *y)
{
	const struct importmap_rule *a = x;

	return cmp_key(a->what, a->source, a->source_len, y);
}

const struct importmap_rule *
importmap_find(const struct importmap *m, enum importmap_what what, const char *s, size_t n)
{
	size_t lo = 0, hi = m->nrules;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp_key(what, s, n, &m->rules[mid]);
		if (c == 0)
			return &m->rules[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static bool
id_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > IMPORTMAP_ID_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

/* One line (no terminator) into m. */
static int
parse_line(struct importmap *m, const char *name, size_t ln, const char *p, size_t n,
           struct arm_err *e)
{
	const char *kw_end = memchr(p, ' ', n);
	size_t kw = kw_end ? (size_t)(kw_end - p) : n, i;
	const char *src, *last = NULL;
	struct importmap_rule *r;
	enum importmap_what what;

	if (kw == 6 && memcmp(p, "format", 6) == 0) {
		if (m->format != IMPORTMAP_NONE)
			return arm_err_set(e, ARM_ESYNTAX,
			                   "%s:%zu: format-once: a second format line", name, ln);
		if (n - kw == 6 && memcmp(p + kw, " acled", 6) == 0)
			m->format = IMPORTMAP_ACLED;
		else if (n - kw == 5 && memcmp(p + kw, " ucdp", 5) == 0)
			m->format = IMPORTMAP_UCDP;
		else
			return arm_err_set(
			    e, ARM_ESYNTAX,
			    "%s:%zu: format-known: want 'format acled' or 'format ucdp'", name, ln);
		return ARM_OK;
	}
	if (kw == 4 && memcmp(p, "kind", 4) == 0)
		what = IMPORTMAP_KIND;
	else if (kw == 5 && memcmp(p, "actor", 5) == 0)
		what = IMPORTMAP_ACTOR;
	else
		return arm_err_set(e, ARM_ESYNTAX,
		                   "%s:%zu: directive: '%.*s' is not format, kind or actor", name,
		                   ln, (int)(kw > 32 ? 32 : kw), p);
	if (m->format == IMPORTMAP_NONE)
		return arm_err_set(e, ARM_ESYNTAX,
		                   "%s:%zu: format-first: the format line comes first", name, ln);
	src = p + kw + 1;
	if (kw == n)
		return arm_err_set(e, ARM_ESYNTAX, "%s:%zu: arrow: want '%.*s SOURCE => ID'", name,
		                   ln, (int)kw, p);
	for (i = 0; src + i + 4 <= p + n; i++)
		if (memcmp(src + i, arrow, 4) == 0)
			last = src + i;
	if (last == NULL)
		return arm_err_set(e, ARM_ESYNTAX, "%s:%zu: arrow: want '%.*s SOURCE => ID'", name,
		                   ln, (int)kw, p);
	if (last == src || src[0] == ' ' || last[-1] == ' ')
		return arm_err_set(e, ARM_ESYNTAX,
		                   "%s:%zu: source: SOURCE is empty or has spaces around it", name,
		                   ln);
	if (!id_ok(last + 4, (size_t)(p + n - last - 4)))
		return arm_err_set(e, ARM_ESYNTAX,
		                   "%s:%zu: id: the ID after '=>' is not [a-z0-9-]{1,%d}", name, ln,
		                   IMPORTMAP_ID_MAX);
	if (m->nrules == IMPORTMAP_RULES_MAX)
		return arm_err_set(e, ARM_ELIMIT, "%s:%zu: rules-max: more than %d rules", name, ln,
		                   IMPORTMAP_RULES_MAX);
	if (importmap_find(m, what, src, (size_t)(last - src)) != NULL)
		return arm_err_set(e, ARM_ESYNTAX,
		                   "%s:%zu: duplicate: this %s source is mapped above", name, ln,
		                   what == IMPORTMAP_KIND ? "kind" : "actor");
	r = realloc(m->rules, (m->nrules + 1) * sizeof(*r));
	if (r == NULL)
		return arm_err_set(e, ARM_ENOMEM, "%s:%zu: out of memory", name, ln);
	m->rules = r;
	r = &m->rules[m->nrules];
	memset(r, 0, sizeof(*r));
	r->what = what;
	r->source_len = (size_t)(last - src);
	r->line = ln;
	memcpy(r->id, last + 4, (size_t)(p + n - last - 4));
	if ((r->source = malloc(r->source_len + 1)) == NULL)
		return arm_err_set(e, ARM_ENOMEM, "%s:%zu: out of memory", name, ln);
	memcpy(r->source, src, r->source_len);
	r->source[r->source_len] = '\0';
	m->nrules++;
	/* Insertion keeps the rules sorted for the duplicate check and lookups. */
	{
		struct importmap_rule t = *r;
		size_t k = m->nrules - 1;
		while (k > 0 && rule_cmp(&t, &m->rules[k - 1]) < 0) {
			m->rules[k] = m->rules[k - 1];
			k--;
		}
		m->rules[k] = t;
	}
	return ARM_OK;
}

int
importmap_parse(struct importmap *m, const char *name, const uint8_t *text, size_t len,
                struct arm_err *e)
{
	size_t off = 0, ln = 0;
	int rc = ARM_OK;

	memset(m, 0, sizeof(*m));
	if (len > IMPORTMAP_FILE_MAX)
		return arm_err_set(e, ARM_ELIMIT, "%s: file-max: larger than %u bytes", name,
		                   IMPORTMAP_FILE_MAX);
	while (off < len && rc == ARM_OK) {
		size_t start = off, n, i;
		const char *p = (const char *)text + off;

		ln++;
		while (off < len && text[off] != '\n')
			off++;
		n = off - start;
		if (off < len)
			off++; /* the LF */
		if (n > 0 && p[n - 1] == '\r')
			n--; /* CRLF files from spreadsheets' editors */
		if (n > IMPORTMAP_LINE_MAX) {
			rc = arm_err_set(e, ARM_ELIMIT, "%s:%zu: line-max: longer than %d bytes",
			                 name, ln, IMPORTMAP_LINE_MAX);
			break;
		}
		for (i = 0; i < n;) {
			unsigned char c = (unsigned char)p[i];
			size_t u;
			if (c < 0x20 && c != '\t') {
				rc = arm_err_set(e, ARM_ESYNTAX,
				                 "%s:%zu:%zu: control: a control character", name,
				                 ln, i + 1);
				break;
			}
			if (c < 0x80) {
				i++;
				continue;
			}
			if ((u = csv_utf8_len((const uint8_t *)p + i, n - i)) == 0) {
				rc = arm_err_set(e, ARM_ESYNTAX, "%s:%zu:%zu: utf-8: not UTF-8",
				                 name, ln, i + 1);
				break;
			}
			i += u;
		}
		if (rc != ARM_OK)
			break;
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == 0 || p[0] == '#')
			continue;
		rc = parse_line(m, name, ln, p, n, e);
	}
	if (rc == ARM_OK && m->format == IMPORTMAP_NONE)
		rc = arm_err_set(e, ARM_ESYNTAX, "%s: format-first: no 'format acled|ucdp' line",
		                 name);
	if (rc != ARM_OK)
		importmap_release(m);
	return rc;
}

bool
importmap_deg_e7(const char *s, size_t n, bool lat, int64_t *out)
{
	size_t i = 0, nd = 0, nf = 0;
	int64_t v = 0, lim = lat ? 900000000 : 1800000000;
	bool neg = false;

	if (i < n && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, nd++) {
		if (nd >= 3)
			return false;
		v = v * 10 + (s[i] - '0');
	}
	if (nd == 0)
		return false;
	if (i < n && s[i] == '.') {
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, nf++) {
			if (nf >= 7)
				return false;
			v = v * 10 + (s[i] - '0');
		}
		if (nf == 0)
			return false;
	}
	if (i != n)
		return false;
	for (; nf < 7; nf++)
		v *= 10;
	if (v > lim)
		return false;
	*out = neg ? -v : v;
	return true;
}
