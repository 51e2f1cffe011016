/*
 * agreement_text.c - see agreement_text.h and docs/agreement.md "Texts in
 * several languages".
 *
 * The tag syntax is the common shape of BCP 47 (RFC 5646 2.1): a primary
 * language subtag of 2-3 letters, then subtags of 1-8 letters or digits
 * (script, region, variant). Private-use and grandfathered tags, and
 * extlang chains, are not needed for the names of an agreement and are
 * refused, so a tag means the same to every reader. The primary subtag
 * must be lowercase so that "KO" and "ko" are not two spellings of one
 * key in signed bytes; later subtags keep their conventional case
 * ("zh-Hant", "en-GB").
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "armistice/csv.h"
#include "agreement_text.h"

static bool
is_alpha(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static bool
is_alnum(char ch)
{
	return is_alpha(ch) || (ch >= '0' && ch <= '9');
}

bool
agreement_lang_valid(const char *s, size_t len)
{
	size_t i = 0, start;

	if (s == NULL || len < 2 || len > AGREEMENT_LANG_MAX)
		return false;
	while (i < len && s[i] >= 'a' && s[i] <= 'z')
		i++;
	if (i < 2 || i > 3)
		return false;
	while (i < len) {
		if (s[i] != '-')
			return false;
		start = ++i;
		while (i < len && is_alnum(s[i]))
			i++;
		if (i == start || i - start > 8)
			return false;
	}
	return true;
}

const char *
agreement_text_in(const struct agreement_texts *t, const char *dflt, const char *lang)
{
	size_t i;

	for (i = 0; t != NULL && lang != NULL && i < t->n; i++)
		if (strcasecmp(t->v[i].tag, lang) == 0)
			return t->v[i].text;
	return dflt;
}

bool
agreement_texts_same(const struct agreement_texts *a, const struct agreement_texts *b)
{
	size_t i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++) {
		const char *o = agreement_text_in(b, NULL, a->v[i].tag);
		if (o == NULL || strcmp(o, a->v[i].text) != 0)
			return false;
	}
	return true;
}

void
agreement_texts_release(struct agreement_texts *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; t->v != NULL && i < t->n; i++)
		free(t->v[i].text);
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

static void say(const struct agreement_text_sink *s, struct agreement_mark m, enum arm_rc rc,
                const char *rule, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
say(const struct agreement_text_sink *s, struct agreement_mark m, enum arm_rc rc, const char *rule,
    const char *fmt, ...)
{
	char msg[ARM_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->problem(s->ctx, m, rc, rule, msg);
}

/*
 * The text of one language: a non-empty scalar of at most
 * AGREEMENT_TEXT_MAX bytes of UTF-8, no control character but tab and
 * line feed (a name is shown, not interpreted). false with a problem.
 */
static bool
text_ok(struct fy_node *n, struct agreement_mark m, const char *what, const char *tag,
        const struct agreement_text_sink *s)
{
	const uint8_t *p;
	size_t len, i, k;

	if (fy_node_get_type(n) != FYNT_SCALAR || fy_node_is_alias(n)) {
		say(s, m, ARM_ESYNTAX, "wrong-type", "%s in \"%s\" must be a string", what, tag);
		return false;
	}
	p = (const uint8_t *)fy_node_get_scalar(n, &len);
	if (p == NULL || len == 0) {
		say(s, m, ARM_ESYNTAX, "bad-value", "%s in \"%s\" is empty", what, tag);
		return false;
	}
	if (len > AGREEMENT_TEXT_MAX) {
		say(s, m, ARM_ELIMIT, "limit", "%s in \"%s\" has %zu bytes, at most %u", what, tag,
		    len, AGREEMENT_TEXT_MAX);
		return false;
	}
	for (i = 0; i < len; i += k) {
		k = csv_utf8_len(p + i, len - i);
		if (k == 0) {
			say(s, m, ARM_ESYNTAX, "text-utf8",
			    "%s in \"%s\": byte %zu is not valid UTF-8", what, tag, i + 1);
			return false;
		}
		if (k == 1 && (p[i] < 0x20 || p[i] == 0x7f) && p[i] != '\t' && p[i] != '\n') {
			say(s, m, ARM_ESYNTAX, "text-control",
			    "%s in \"%s\": control character 0x%02x at byte %zu", what, tag, p[i],
			    i + 1);
			return false;
		}
	}
	return true;
}

/* One "tag: text" pair into t->v[t->n]; false with a problem. */
static bool
add_pair(struct fy_node_pair *pr, struct agreement_mark at, const char *what,
         struct agreement_texts *t, const struct agreement_text_sink *s)
{
	struct fy_node *k = fy_node_pair_key(pr), *v = fy_node_pair_value(pr);
	struct agreement_mark km = s->mark(k, at), vm = s->mark(v, km);
	const char *tag = NULL;
	size_t tlen = 0, i;

	if (k != NULL && fy_node_get_type(k) == FYNT_SCALAR && !fy_node_is_alias(k))
		tag = fy_node_get_scalar(k, &tlen);
	if (tag == NULL || !agreement_lang_valid(tag, tlen)) {
		say(s, km, ARM_ESYNTAX, "text-lang",
		    "%s: \"%.*s\" is not a language tag (BCP 47: \"en\", \"ko\", \"zh-Hant\")",
		    what, tag != NULL ? (int)(tlen > 40 ? 40 : tlen) : 1, tag != NULL ? tag : "?");
		return false;
	}
	for (i = 0; i < t->n; i++)
		if (strlen(t->v[i].tag) == tlen && strncasecmp(t->v[i].tag, tag, tlen) == 0) {
			say(s, km, ARM_ERULE, "text-duplicate-lang",
			    "%s: language \"%s\" is given twice", what, t->v[i].tag);
			return false;
		}
	memcpy(t->v[t->n].tag, tag, tlen);
	t->v[t->n].tag[tlen] = '\0';
	if (v == NULL || !text_ok(v, vm, what, t->v[t->n].tag, s))
		return false;
	{
		size_t len;
		const char *p = fy_node_get_scalar(v, &len);
		if ((t->v[t->n].text = malloc(len + 1)) == NULL) {
			say(s, vm, ARM_ENOMEM, "limit", "out of memory");
			return false;
		}
		memcpy(t->v[t->n].text, p, len);
		t->v[t->n].text[len] = '\0';
	}
	t->n++;
	return true;
}

char *
agreement_text_parse(struct fy_node *n, struct agreement_mark at, const char *what,
                     const char *deflang, struct agreement_texts *out,
                     const struct agreement_text_sink *s)
{
	struct agreement_texts t = {NULL, 0};
	struct agreement_mark m = s->mark(n, at);
	struct fy_node_pair *pr;
	void *it = NULL;
	int count = fy_node_mapping_item_count(n);
	bool ok = true;
	const char *d;
	char *dup = NULL;

	if (count <= 0 || count > AGREEMENT_TEXT_LANGS) {
		say(s, m, ARM_ELIMIT, count <= 0 ? "bad-value" : "limit",
		    "%s gives %d languages: 1 to %d", what, count, AGREEMENT_TEXT_LANGS);
		return NULL;
	}
	if ((t.v = calloc((size_t)count, sizeof(*t.v))) == NULL) {
		say(s, m, ARM_ENOMEM, "limit", "out of memory");
		return NULL;
	}
	while (ok && (pr = fy_node_mapping_iterate(n, &it)) != NULL && t.n < (size_t)count)
		ok = add_pair(pr, m, what, &t, s);
	d = ok ? agreement_text_in(&t, NULL, deflang) : NULL;
	if (ok && d == NULL)
		say(s, m, ARM_ERULE, "text-default-missing",
		    "%s has no text in the default language \"%s\" (set language: or add it)", what,
		    deflang);
	if (d != NULL && (dup = strdup(d)) == NULL)
		say(s, m, ARM_ENOMEM, "limit", "out of memory");
	if (dup == NULL) {
		agreement_texts_release(&t);
		return NULL;
	}
	*out = t;
	return dup;
}
