/*
 * agreement_yaml.c - reading the agreement's YAML: problems reported at
 * file:line:col with the rule's name, scalars, ids, numbers, mappings,
 * lists and keys, all bounded; the walk that refuses aliases, anchors and
 * tags. Shared by the agreement reader's files (agreement_int.h).
 */
#include "agreement_int.h"

/* ------------------------------------------------------------------ */
/* Problems                                                            */

void
agr_problem(struct ctx *c, struct agreement_mark m, enum arm_rc rc, const char *rule,
            const char *fmt, ...)
{
	char msg[ARM_ERR_MAX];
	char line[ARM_ERR_MAX + 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(line, sizeof(line), "%s:%u:%u: %s: %s", c->fname, m.line, m.col, rule, msg);
	if (c->nproblems == 0) {
		c->first_rc = rc;
		snprintf(c->first, sizeof(c->first), "%s", line);
	}
	c->nproblems++;
	if (c->diags != NULL) {
		/* A full diags buffer loses later lines, never the verdict. */
		if (buf_puts(c->diags, line, NULL) != ARM_OK ||
		    buf_puts(c->diags, "\n", NULL) != ARM_OK)
			return;
	}
}

void
agr_oom(struct ctx *c, struct agreement_mark m)
{
	agr_problem(c, m, ARM_ENOMEM, "limit", "out of memory");
}

static struct agreement_mark
token_mark(struct fy_token *t)
{
	struct agreement_mark m = {0, 0};
	const struct fy_mark *fm;

	if (t == NULL)
		return m;
	fm = fy_token_start_mark(t);
	if (fm == NULL)
		return m;
	m.line = (uint32_t)fm->line + 1;
	m.col = (uint32_t)fm->column + 1;
	return m;
}

/*
 * libfyaml 0.7 gives marks for tokens, not for collections; a collection is
 * placed at its first scalar, or at the fallback (its key) when empty.
 */
struct agreement_mark
agr_node_mark(struct fy_node *n, struct agreement_mark fallback)
{
	void *it = NULL;
	int depth;

	for (depth = 0; n != NULL && depth < MAX_DEPTH; depth++) {
		switch (fy_node_get_type(n)) {
		case FYNT_SCALAR:
			if (fy_node_is_alias(n))
				return fallback;
			return token_mark(fy_node_get_scalar_token(n));
		case FYNT_SEQUENCE:
			it = NULL;
			n = fy_node_sequence_iterate(n, &it);
			break;
		case FYNT_MAPPING: {
			struct fy_node_pair *p;
			it = NULL;
			p = fy_node_mapping_iterate(n, &it);
			n = p != NULL ? fy_node_pair_key(p) : NULL;
			break;
		}
		default: return fallback;
		}
	}
	return fallback;
}

/* ------------------------------------------------------------------ */
/* Scalars                                                             */

bool
agr_is_scalar(struct fy_node *n)
{
	return n != NULL && fy_node_get_type(n) == FYNT_SCALAR && !fy_node_is_alias(n);
}

/* An empty plain scalar (`key:` or `key: ~`, `null`) is YAML's null. */
bool
agr_is_null(struct fy_node *n)
{
	size_t len;
	const char *s;

	if (n == NULL)
		return true;
	if (!agr_is_scalar(n) || fy_node_get_style(n) != FYNS_PLAIN)
		return false;
	s = fy_node_get_scalar(n, &len);
	return len == 0 || (len == 1 && s[0] == '~') || (len == 4 && memcmp(s, "null", 4) == 0);
}

static const char *
type_name(struct fy_node *n)
{
	if (n == NULL)
		return "nothing";
	switch (fy_node_get_type(n)) {
	case FYNT_SCALAR: return "a scalar";
	case FYNT_SEQUENCE: return "a list";
	case FYNT_MAPPING: return "a mapping";
	default: return "an unknown node";
	}
}

/* Copies the scalar text of n into a fresh string; NULL with a problem. */
char *
agr_scalar_dup(struct ctx *c, struct fy_node *n, struct agreement_mark at, const char *what)
{
	const char *s;
	size_t len;
	char *out;

	if (!agr_is_scalar(n) || agr_is_null(n)) {
		agr_problem(c, agr_node_mark(n, at), ARM_ESYNTAX,
		            agr_is_null(n) ? "missing-key" : "wrong-type",
		            "%s must be a non-empty scalar, not %s", what,
		            agr_is_null(n) ? "empty" : type_name(n));
		return NULL;
	}
	s = fy_node_get_scalar(n, &len);
	if (s == NULL || len == 0) {
		agr_problem(c, agr_node_mark(n, at), ARM_ESYNTAX, "bad-value", "%s is empty", what);
		return NULL;
	}
	if (memchr(s, '\0', len) != NULL) {
		agr_problem(c, agr_node_mark(n, at), ARM_ESYNTAX, "bad-value",
		            "%s holds a NUL byte", what);
		return NULL;
	}
	out = malloc(len + 1);
	if (out == NULL) {
		agr_oom(c, at);
		return NULL;
	}
	memcpy(out, s, len);
	out[len] = '\0';
	return out;
}

static void
text_problem(void *ctx, struct agreement_mark m, enum arm_rc rc, const char *rule, const char *msg)
{
	agr_problem(ctx, m, rc, rule, "%s", msg);
}

/* A human text: a string, or a map of language tags (agreement_text.h). */
char *
agr_text_dup(struct ctx *c, struct fy_node *n, struct agreement_mark at, const char *what,
             struct agreement_texts *t)
{
	const struct agreement_text_sink s = {text_problem, agr_node_mark, c};

	if (n != NULL && fy_node_get_type(n) == FYNT_MAPPING)
		return agreement_text_parse(n, at, what, c->a->lang, t, &s);
	return agr_scalar_dup(c, n, at, what);
}

bool
agreement_id_valid(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > AGREEMENT_ID_MAX || s[0] == '-')
		return false;
	for (i = 0; i < len; i++) {
		char ch = s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-'))
			return false;
	}
	return true;
}

char *
agr_id_dup(struct ctx *c, struct fy_node *n, struct agreement_mark at, const char *what)
{
	char *s = agr_scalar_dup(c, n, at, what);

	if (s != NULL && !agreement_id_valid(s, strlen(s))) {
		agr_problem(
		    c, agr_node_mark(n, at), ARM_ESYNTAX, "bad-id",
		    "%s \"%.80s\" must be 1-%d characters of [a-z0-9-], not starting with '-'",
		    what, s, AGREEMENT_ID_MAX);
		free(s);
		return NULL;
	}
	return s;
}

bool
agreement_uint_parse(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 19 || (len > 1 && s[0] == '0'))
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

bool
agr_get_uint(struct ctx *c, struct fy_node *n, struct agreement_mark at, const char *what,
             uint64_t max, uint64_t *out)
{
	const char *s;
	size_t len;

	if (!agr_is_scalar(n) || agr_is_null(n)) {
		agr_problem(c, agr_node_mark(n, at), ARM_ESYNTAX, "wrong-type",
		            "%s must be a whole number, not %s", what,
		            agr_is_null(n) ? "empty" : type_name(n));
		return false;
	}
	s = fy_node_get_scalar(n, &len);
	if (!agreement_uint_parse(s, len, max, out)) {
		agr_problem(
		    c, agr_node_mark(n, at), ARM_ESYNTAX, "bad-value",
		    "%s \"%.*s\" must be a whole number from 0 to %llu without leading zeros", what,
		    (int)(len > 40 ? 40 : len), s, (unsigned long long)max);
		return false;
	}
	return true;
}

bool
agr_get_bool(struct ctx *c, struct fy_node *n, struct agreement_mark at, const char *what,
             bool *out)
{
	const char *s;
	size_t len;

	if (agr_is_scalar(n) && fy_node_get_style(n) == FYNS_PLAIN) {
		s = fy_node_get_scalar(n, &len);
		if (len == 4 && memcmp(s, "true", 4) == 0) {
			*out = true;
			return true;
		}
		if (len == 5 && memcmp(s, "false", 5) == 0) {
			*out = false;
			return true;
		}
	}
	agr_problem(c, agr_node_mark(n, at), ARM_ESYNTAX, "bad-value", "%s must be true or false",
	            what);
	return false;
}

bool
agr_scalar_is(struct fy_node *n, const char *lit)
{
	const char *s;
	size_t len;

	if (!agr_is_scalar(n))
		return false;
	s = fy_node_get_scalar(n, &len);
	return len == strlen(lit) && memcmp(s, lit, len) == 0;
}

/* ------------------------------------------------------------------ */
/* Mappings and lists                                                  */

/*
 * Fills vals[i] with the value of keys[i] in mapping n (NULL if absent)
 * and reports any key not in keys. Returns false if n is not a mapping.
 */
bool
agr_get_map(struct ctx *c, struct fy_node *n, struct agreement_mark at, const char *what,
            const char *const *keys, size_t nkeys, struct fy_node **vals,
            struct agreement_mark *marks)
{
	struct fy_node_pair *p;
	void *it = NULL;
	size_t i;

	for (i = 0; i < nkeys; i++) {
		vals[i] = NULL;
		marks[i] = agr_node_mark(n, at);
	}
	if (n == NULL || fy_node_get_type(n) != FYNT_MAPPING || fy_node_is_alias(n)) {
		agr_problem(c, agr_node_mark(n, at), ARM_ESYNTAX, "wrong-type",
		            "%s must be a mapping, not %s", what, type_name(n));
		return false;
	}
	while ((p = fy_node_mapping_iterate(n, &it)) != NULL) {
		struct fy_node *k = fy_node_pair_key(p);
		struct agreement_mark km = agr_node_mark(k, at);
		const char *ks;
		size_t klen;

		if (!agr_is_scalar(k)) {
			agr_problem(c, km, ARM_ESYNTAX, "wrong-type",
			            "a key in %s must be a scalar", what);
			continue;
		}
		ks = fy_node_get_scalar(k, &klen);
		for (i = 0; i < nkeys; i++)
			if (strlen(keys[i]) == klen && memcmp(keys[i], ks, klen) == 0)
				break;
		if (i == nkeys) {
			agr_problem(c, km, ARM_ESYNTAX, "unknown-key", "%s has no key \"%.*s\"",
			            what, (int)(klen > 60 ? 60 : klen), ks);
			continue;
		}
		vals[i] = fy_node_pair_value(p);
		marks[i] = km;
	}
	return true;
}

/* Present and not null. */
bool
agr_has(struct fy_node *n)
{
	return n != NULL && !agr_is_null(n);
}

void
agr_need(struct ctx *c, struct fy_node *n, struct agreement_mark at, const char *what)
{
	if (!agr_has(n))
		agr_problem(c, at, ARM_ESYNTAX, "missing-key", "%s is required", what);
}

/* A sequence's item count, with a problem if n is not a sequence. */
bool
agr_get_seq(struct ctx *c, struct fy_node *n, struct agreement_mark at, const char *what,
            size_t *count)
{
	int k;

	if (n == NULL || fy_node_get_type(n) != FYNT_SEQUENCE || fy_node_is_alias(n)) {
		agr_problem(c, agr_node_mark(n, at), ARM_ESYNTAX, "wrong-type",
		            "%s must be a list, not %s", what, type_name(n));
		return false;
	}
	k = fy_node_sequence_item_count(n);
	if (k < 0 || (size_t)k > AGREEMENT_MAX_ITEMS) {
		agr_problem(c, agr_node_mark(n, at), ARM_ELIMIT, "limit",
		            "%s has more than %d items", what, AGREEMENT_MAX_ITEMS);
		return false;
	}
	*count = (size_t)k;
	return true;
}

void *
agr_xcalloc(struct ctx *c, size_t n, size_t size, struct agreement_mark at)
{
	void *p = calloc(n ? n : 1, size);

	if (p == NULL)
		agr_oom(c, at);
	return p;
}

/* ------------------------------------------------------------------ */
/* Walk checks: no aliases, anchors or tags anywhere                    */

void
agr_check_plain_yaml(struct ctx *c, struct fy_node *n, int depth)
{
	struct agreement_mark m0 = {1, 1};
	void *it = NULL;
	size_t tlen = 0;

	if (n == NULL)
		return;
	if (depth > MAX_DEPTH) {
		agr_problem(c, agr_node_mark(n, m0), ARM_ELIMIT, "limit", "nesting deeper than %d",
		            MAX_DEPTH);
		return;
	}
	if (fy_node_is_alias(n)) {
		agr_problem(c, agr_node_mark(n, m0), ARM_ESYNTAX, "yaml-alias",
		            "aliases are not allowed: write the value out");
		return;
	}
	if (fy_node_get_anchor(n) != NULL)
		agr_problem(c, agr_node_mark(n, m0), ARM_ESYNTAX, "yaml-alias",
		            "anchors are not allowed: write each value out");
	if (fy_node_get_tag(n, &tlen) != NULL && tlen > 0)
		agr_problem(c, agr_node_mark(n, m0), ARM_ESYNTAX, "yaml-tag",
		            "explicit tags are not allowed");
	switch (fy_node_get_type(n)) {
	case FYNT_SEQUENCE: {
		struct fy_node *item;
		while ((item = fy_node_sequence_iterate(n, &it)) != NULL)
			agr_check_plain_yaml(c, item, depth + 1);
		break;
	}
	case FYNT_MAPPING: {
		struct fy_node_pair *p;
		while ((p = fy_node_mapping_iterate(n, &it)) != NULL) {
			agr_check_plain_yaml(c, fy_node_pair_key(p), depth + 1);
			agr_check_plain_yaml(c, fy_node_pair_value(p), depth + 1);
		}
		break;
	}
	case FYNT_SCALAR:
	default: break;
	}
}

/* ------------------------------------------------------------------ */
/* Keys                                                                */

bool
agr_get_key(struct ctx *c, struct fy_node *n, struct agreement_mark at, const char *what,
            uint8_t type, struct note_verifier *out)
{
	struct arm_err err = {ARM_OK, ""};
	const char *s;
	size_t len;

	if (!agr_is_scalar(n) || agr_is_null(n)) {
		agr_problem(c, agr_node_mark(n, at), ARM_ESYNTAX, "wrong-type",
		            "%s must be a verifier key string", what);
		return false;
	}
	s = fy_node_get_scalar(n, &len);
	if (note_verifier_parse(out, s, len, &err) != ARM_OK) {
		agr_problem(c, agr_node_mark(n, at), ARM_ESYNTAX, "key-invalid", "%s \"%.*s\": %s",
		            what, (int)(len > 60 ? 60 : len), s, err.msg);
		return false;
	}
	if (out->type != type) {
		agr_problem(c, agr_node_mark(n, at), ARM_ESYNTAX, "key-type",
		            "%s \"%s\" has key type 0x%02x, wanted 0x%02x (%s)", what, out->name,
		            out->type, type,
		            type == NOTE_KEY_ED25519 ? "Ed25519" : "Ed25519 cosignature");
		return false;
	}
	return true;
}
