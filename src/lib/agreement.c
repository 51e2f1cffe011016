/*
 * agreement.c - see agreement.h and docs/agreement.md.
 *
 * Two passes over the libfyaml document: the first collects every list and
 * its ids (so that references may point forward), the second resolves
 * references to indices; then the requires graph is checked. Problems are
 * collected, never returned early, so that the staff who wrote the file
 * get every problem in one run; the struct is emptied if there was any.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libfyaml.h>

#include "armistice/agreement.h"
#include "armistice/geo.h"
#include "armistice/common.h"
#include "agreement_text.h"

#define MAX_DEPTH 64 /* nesting of YAML collections we walk */

struct ctx {
	struct agreement *a;
	const char *fname;
	struct buf *diags;
	size_t nproblems;
	enum arm_rc first_rc;
	char first[ARM_ERR_MAX + 64];
	agreement_read_fn read_file;
	void *rctx;
};

/* ------------------------------------------------------------------ */
/* Problems                                                            */

static void problem(struct ctx *c, struct agreement_mark m, enum arm_rc rc, const char *rule,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
problem(struct ctx *c, struct agreement_mark m, enum arm_rc rc, const char *rule, const char *fmt,
        ...)
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

static void
oom(struct ctx *c, struct agreement_mark m)
{
	problem(c, m, ARM_ENOMEM, "limit", "out of memory");
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
static struct agreement_mark
node_mark(struct fy_node *n, struct agreement_mark fallback)
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

static bool
is_scalar(struct fy_node *n)
{
	return n != NULL && fy_node_get_type(n) == FYNT_SCALAR && !fy_node_is_alias(n);
}

/* An empty plain scalar (`key:` or `key: ~`, `null`) is YAML's null. */
static bool
is_null(struct fy_node *n)
{
	size_t len;
	const char *s;

	if (n == NULL)
		return true;
	if (!is_scalar(n) || fy_node_get_style(n) != FYNS_PLAIN)
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
static char *
scalar_dup(struct ctx *c, struct fy_node *n, struct agreement_mark at, const char *what)
{
	const char *s;
	size_t len;
	char *out;

	if (!is_scalar(n) || is_null(n)) {
		problem(c, node_mark(n, at), ARM_ESYNTAX, is_null(n) ? "missing-key" : "wrong-type",
		        "%s must be a non-empty scalar, not %s", what,
		        is_null(n) ? "empty" : type_name(n));
		return NULL;
	}
	s = fy_node_get_scalar(n, &len);
	if (s == NULL || len == 0) {
		problem(c, node_mark(n, at), ARM_ESYNTAX, "bad-value", "%s is empty", what);
		return NULL;
	}
	if (memchr(s, '\0', len) != NULL) {
		problem(c, node_mark(n, at), ARM_ESYNTAX, "bad-value", "%s holds a NUL byte", what);
		return NULL;
	}
	out = malloc(len + 1);
	if (out == NULL) {
		oom(c, at);
		return NULL;
	}
	memcpy(out, s, len);
	out[len] = '\0';
	return out;
}

static void
text_problem(void *ctx, struct agreement_mark m, enum arm_rc rc, const char *rule, const char *msg)
{
	problem(ctx, m, rc, rule, "%s", msg);
}

/* A human text: a string, or a map of language tags (agreement_text.h). */
static char *
text_dup(struct ctx *c, struct fy_node *n, struct agreement_mark at, const char *what,
         struct agreement_texts *t)
{
	const struct agreement_text_sink s = {text_problem, node_mark, c};

	if (n != NULL && fy_node_get_type(n) == FYNT_MAPPING)
		return agreement_text_parse(n, at, what, c->a->lang, t, &s);
	return scalar_dup(c, n, at, what);
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

static char *
id_dup(struct ctx *c, struct fy_node *n, struct agreement_mark at, const char *what)
{
	char *s = scalar_dup(c, n, at, what);

	if (s != NULL && !agreement_id_valid(s, strlen(s))) {
		problem(c, node_mark(n, at), ARM_ESYNTAX, "bad-id",
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

static bool
get_uint(struct ctx *c, struct fy_node *n, struct agreement_mark at, const char *what, uint64_t max,
         uint64_t *out)
{
	const char *s;
	size_t len;

	if (!is_scalar(n) || is_null(n)) {
		problem(c, node_mark(n, at), ARM_ESYNTAX, "wrong-type",
		        "%s must be a whole number, not %s", what,
		        is_null(n) ? "empty" : type_name(n));
		return false;
	}
	s = fy_node_get_scalar(n, &len);
	if (!agreement_uint_parse(s, len, max, out)) {
		problem(c, node_mark(n, at), ARM_ESYNTAX, "bad-value",
		        "%s \"%.*s\" must be a whole number from 0 to %llu without leading zeros",
		        what, (int)(len > 40 ? 40 : len), s, (unsigned long long)max);
		return false;
	}
	return true;
}

static bool
get_bool(struct ctx *c, struct fy_node *n, struct agreement_mark at, const char *what, bool *out)
{
	const char *s;
	size_t len;

	if (is_scalar(n) && fy_node_get_style(n) == FYNS_PLAIN) {
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
	problem(c, node_mark(n, at), ARM_ESYNTAX, "bad-value", "%s must be true or false", what);
	return false;
}

static bool
scalar_is(struct fy_node *n, const char *lit)
{
	const char *s;
	size_t len;

	if (!is_scalar(n))
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
static bool
get_map(struct ctx *c, struct fy_node *n, struct agreement_mark at, const char *what,
        const char *const *keys, size_t nkeys, struct fy_node **vals, struct agreement_mark *marks)
{
	struct fy_node_pair *p;
	void *it = NULL;
	size_t i;

	for (i = 0; i < nkeys; i++) {
		vals[i] = NULL;
		marks[i] = node_mark(n, at);
	}
	if (n == NULL || fy_node_get_type(n) != FYNT_MAPPING || fy_node_is_alias(n)) {
		problem(c, node_mark(n, at), ARM_ESYNTAX, "wrong-type",
		        "%s must be a mapping, not %s", what, type_name(n));
		return false;
	}
	while ((p = fy_node_mapping_iterate(n, &it)) != NULL) {
		struct fy_node *k = fy_node_pair_key(p);
		struct agreement_mark km = node_mark(k, at);
		const char *ks;
		size_t klen;

		if (!is_scalar(k)) {
			problem(c, km, ARM_ESYNTAX, "wrong-type", "a key in %s must be a scalar",
			        what);
			continue;
		}
		ks = fy_node_get_scalar(k, &klen);
		for (i = 0; i < nkeys; i++)
			if (strlen(keys[i]) == klen && memcmp(keys[i], ks, klen) == 0)
				break;
		if (i == nkeys) {
			problem(c, km, ARM_ESYNTAX, "unknown-key", "%s has no key \"%.*s\"", what,
			        (int)(klen > 60 ? 60 : klen), ks);
			continue;
		}
		vals[i] = fy_node_pair_value(p);
		marks[i] = km;
	}
	return true;
}

/* Present and not null. */
static bool
has(struct fy_node *n)
{
	return n != NULL && !is_null(n);
}

static void
need(struct ctx *c, struct fy_node *n, struct agreement_mark at, const char *what)
{
	if (!has(n))
		problem(c, at, ARM_ESYNTAX, "missing-key", "%s is required", what);
}

/* A sequence's item count, with a problem if n is not a sequence. */
static bool
get_seq(struct ctx *c, struct fy_node *n, struct agreement_mark at, const char *what, size_t *count)
{
	int k;

	if (n == NULL || fy_node_get_type(n) != FYNT_SEQUENCE || fy_node_is_alias(n)) {
		problem(c, node_mark(n, at), ARM_ESYNTAX, "wrong-type", "%s must be a list, not %s",
		        what, type_name(n));
		return false;
	}
	k = fy_node_sequence_item_count(n);
	if (k < 0 || (size_t)k > AGREEMENT_MAX_ITEMS) {
		problem(c, node_mark(n, at), ARM_ELIMIT, "limit", "%s has more than %d items", what,
		        AGREEMENT_MAX_ITEMS);
		return false;
	}
	*count = (size_t)k;
	return true;
}

static void *
xcalloc(struct ctx *c, size_t n, size_t size, struct agreement_mark at)
{
	void *p = calloc(n ? n : 1, size);

	if (p == NULL)
		oom(c, at);
	return p;
}

/* ------------------------------------------------------------------ */
/* Dates and times                                                     */

/* Proleptic Gregorian: days from 1970-01-01 to y-m-d (Hinnant's civil algorithm). */
int64_t
agreement_days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int
agreement_days_in_month(int64_t y, int64_t m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	if (m < 1 || m > 12)
		return 0;
	return m == 2 && leap ? 29 : days[m - 1];
}

/* "[north, nnsc] quorum 2", "none", "mutual" for a verification policy. */
static void
verify_text(const struct agreement *a, const struct agreement_verify *v, char *out, size_t cap)
{
	size_t i, o = 0;

	if (v->kind == AGREEMENT_VERIFY_NONE) {
		snprintf(out, cap, "none");
		return;
	}
	if (v->kind == AGREEMENT_VERIFY_MUTUAL) {
		snprintf(out, cap, "mutual%s%s", v->method ? ", method " : "",
		         v->method ? agreement_method_name(v->method) : "");
		return;
	}
	o += (size_t)snprintf(out + o, cap - o, "[");
	for (i = 0; i < v->nby && o < cap; i++)
		o += (size_t)snprintf(out + o, cap - o, "%s%s", i ? ", " : "",
		                      a->actors[v->by[i]].id);
	if (o < cap)
		snprintf(out + o, cap - o, "] quorum %zu%s%s", v->quorum,
		         v->method ? ", method " : "",
		         v->method ? agreement_method_name(v->method) : "");
}

/* Same verification policy, by actor id? */
static bool
verify_same(const struct agreement *fa, const struct agreement_verify *f,
            const struct agreement *ta, const struct agreement_verify *t)
{
	size_t i;

	if (f->kind != t->kind || f->quorum != t->quorum || f->method != t->method ||
	    f->nby != t->nby)
		return false;
	for (i = 0; i < f->nby; i++)
		if (strcmp(fa->actors[f->by[i]].id, ta->actors[t->by[i]].id) != 0)
			return false;
	return true;
}

/* The due rule and, where fixed, its deadline day, for people. */
static void
due_text(const struct agreement *a, const struct agreement_due *d, char *out, size_t cap)
{
	char rule[AGREEMENT_ID_MAX + 48];

	agreement_due_describe(a, d, rule, sizeof(rule));
	if (d->kind == AGREEMENT_DUE_DDAY) {
		int64_t t = d->deadline + a->tz_offset - (d->hours >= 0 ? 0 : 1);
		int64_t day = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
		int64_t z = day + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
		int64_t doe = z - era * 146097,
		        yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
		int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
		int64_t dd = doy - (153 * mp + 2) / 5 + 1, mm = mp < 10 ? mp + 3 : mp - 9;
		snprintf(out, cap, "%s (%04lld-%02lld-%02lld)", rule,
		         (long long)(yoe + era * 400 + (mm <= 2)), (long long)mm, (long long)dd);
		return;
	}
	snprintf(out, cap, "%s", rule);
}

static int diff_line(struct buf *out, size_t *n, struct arm_err *e, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
diff_line(struct buf *out, size_t *n, struct arm_err *e, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	(*n)++;
	ARM_TRY(buf_puts(out, line, e));
	return buf_puts(out, "\n", e);
}

/* Ids in f but not in t ("removed") and in t but not in f ("added"). */
_Static_assert(offsetof(struct agreement_commitment, id) == 0, "diff_ids reads ids first");
_Static_assert(offsetof(struct agreement_zone, id) == 0, "diff_ids reads ids first");
_Static_assert(offsetof(struct agreement_actor, id) == 0, "diff_ids reads ids first");
_Static_assert(offsetof(struct agreement_phase, id) == 0, "diff_ids reads ids first");
_Static_assert(offsetof(struct agreement_incident_kind, id) == 0, "diff_ids reads ids first");

static int
diff_ids(const char *what, const void *f, size_t nf, const void *t, size_t nt, size_t stride,
         struct buf *out, size_t *n, struct arm_err *e)
{
	size_t i, j;

	for (i = 0; i < nf; i++) {
		const char *id = *(char *const *)((const char *)f + i * stride);
		for (j = 0; j < nt; j++)
			if (strcmp(id, *(char *const *)((const char *)t + j * stride)) == 0)
				break;
		if (j == nt)
			ARM_TRY(diff_line(out, n, e, "%s %s removed", what, id));
	}
	for (j = 0; j < nt; j++) {
		const char *id = *(char *const *)((const char *)t + j * stride);
		for (i = 0; i < nf; i++)
			if (strcmp(id, *(char *const *)((const char *)f + i * stride)) == 0)
				break;
		if (i == nf)
			ARM_TRY(diff_line(out, n, e, "%s %s added", what, id));
	}
	return ARM_OK;
}

static int
diff_commitments(const struct agreement *f, const struct agreement *t, struct buf *out, size_t *n,
                 struct arm_err *e)
{
	char a1[512], a2[512];
	size_t i, j;

	for (i = 0; i < f->ncommitments; i++) {
		const struct agreement_commitment *fc = &f->commitments[i];
		const struct agreement_commitment *tc = agreement_commitment(t, fc->id);
		bool same;
		if (tc == NULL)
			continue; /* diff_ids says "removed" */
		due_text(f, &fc->due, a1, sizeof(a1));
		due_text(t, &tc->due, a2, sizeof(a2));
		if (strcmp(a1, a2) != 0)
			ARM_TRY(diff_line(out, n, e, "commitment %s: due moved from %s to %s",
			                  fc->id, a1, a2));
		if (!verify_same(f, &fc->verify, t, &tc->verify)) {
			verify_text(f, &fc->verify, a1, sizeof(a1));
			verify_text(t, &tc->verify, a2, sizeof(a2));
			ARM_TRY(diff_line(out, n, e,
			                  "commitment %s: verifiers changed from %s to %s", fc->id,
			                  a1, a2));
		}
		if (strcmp(fc->text ? fc->text : "", tc->text ? tc->text : "") != 0 ||
		    !agreement_texts_same(&fc->texts, &tc->texts))
			ARM_TRY(diff_line(out, n, e, "commitment %s: text changed", fc->id));
		same = fc->nowners == tc->nowners;
		for (j = 0; same && j < fc->nowners; j++)
			same =
			    strcmp(f->actors[fc->owners[j]].id, t->actors[tc->owners[j]].id) == 0;
		if (!same)
			ARM_TRY(diff_line(out, n, e, "commitment %s: owners changed", fc->id));
	}
	return diff_ids("commitment", f->commitments, f->ncommitments, t->commitments,
	                t->ncommitments, sizeof(*f->commitments), out, n, e);
}

static int
diff_zones(const struct agreement *f, const struct agreement *t, struct buf *out, size_t *n,
           struct arm_err *e)
{
	size_t i;

	for (i = 0; i < f->nzones; i++) {
		size_t k = agreement_zone_index(t, f->zones[i].id);
		if (k != AGREEMENT_NONE && (f->zones[i].geojson_len != t->zones[k].geojson_len ||
		                            memcmp(f->zones[i].geojson, t->zones[k].geojson,
		                                   f->zones[i].geojson_len) != 0))
			ARM_TRY(diff_line(out, n, e, "zone %s redrawn", f->zones[i].id));
	}
	return diff_ids("zone", f->zones, f->nzones, t->zones, t->nzones, sizeof(*f->zones), out, n,
	                e);
}

/* Is f's witness i in t's set with the same key? */
static bool
witness_kept(const struct agreement *f, size_t i, const struct agreement *t)
{
	size_t j;

	for (j = 0; j < t->log.nwitnesses; j++)
		if (strcmp(f->log.witnesses[i].id, t->log.witnesses[j].id) == 0 &&
		    f->log.witnesses[i].key.key_id == t->log.witnesses[j].key.key_id)
			return true;
	return false;
}

static int
diff_witnesses(const struct agreement *f, const struct agreement *t, struct buf *out, size_t *n,
               struct arm_err *e)
{
	char a1[512], a2[512];
	size_t i;

	for (i = 0; i < f->log.nwitnesses; i++)
		if (!witness_kept(f, i, t))
			ARM_TRY(diff_line(out, n, e, "witness %s removed or rekeyed",
			                  f->log.witnesses[i].id));
	for (i = 0; i < t->log.nwitnesses; i++)
		if (!witness_kept(t, i, f))
			ARM_TRY(diff_line(out, n, e, "witness %s added", t->log.witnesses[i].id));
	agreement_quorum_describe(f, a1, sizeof(a1));
	agreement_quorum_describe(t, a2, sizeof(a2));
	if (strcmp(a1, a2) != 0)
		ARM_TRY(diff_line(out, n, e, "witness quorum changed from %s to %s", a1, a2));
	return ARM_OK;
}

static int
diff_actors(const struct agreement *f, const struct agreement *t, struct buf *out, size_t *n,
            struct arm_err *e)
{
	size_t i, j, k;

	for (i = 0; i < f->nactors; i++) {
		const struct agreement_actor *fa = &f->actors[i], *ta = NULL;
		bool keys;
		for (j = 0; j < t->nactors && ta == NULL; j++)
			if (strcmp(fa->id, t->actors[j].id) == 0)
				ta = &t->actors[j];
		if (ta == NULL)
			continue; /* diff_ids says "removed" */
		if (fa->role != ta->role)
			ARM_TRY(diff_line(out, n, e, "actor %s: role changed from %s to %s", fa->id,
			                  agreement_role_name(fa->role),
			                  agreement_role_name(ta->role)));
		keys = fa->nkeys == ta->nkeys;
		for (k = 0; keys && k < fa->nkeys; k++)
			keys = fa->keys[k].key_id == ta->keys[k].key_id &&
			       memcmp(fa->keys[k].pk, ta->keys[k].pk, sizeof(fa->keys[k].pk)) == 0;
		if (!keys)
			ARM_TRY(diff_line(out, n, e, "actor %s: keys changed", fa->id));
	}
	return diff_ids("actor", f->actors, f->nactors, t->actors, t->nactors, sizeof(*f->actors),
	                out, n, e);
}

int
agreement_diff(const struct agreement *f, const struct agreement *t, struct buf *out,
               size_t *nchanges, struct arm_err *e)
{
	char a1[512], a2[512];
	size_t n = 0;

	*nchanges = 0;
	if (strcmp(f->title ? f->title : "", t->title ? t->title : "") != 0 ||
	    !agreement_texts_same(&f->titles, &t->titles))
		ARM_TRY(diff_line(out, &n, e, "title changed to \"%s\"", t->title ? t->title : ""));
	if (f->has_effective != t->has_effective || f->effective != t->effective) {
		char x[32] = "none", y[32] = "none";
		if (f->has_effective)
			snprintf(x, sizeof(x), "%lld", (long long)f->effective);
		if (t->has_effective)
			snprintf(y, sizeof(y), "%lld", (long long)t->effective);
		ARM_TRY(diff_line(out, &n, e, "effective moment moved (POSIX %s to %s)", x, y));
	}
	ARM_TRY(diff_ids("phase", f->phases, f->nphases, t->phases, t->nphases, sizeof(*f->phases),
	                 out, &n, e));
	ARM_TRY(diff_ids("incident kind", f->kinds, f->nkinds, t->kinds, t->nkinds,
	                 sizeof(*f->kinds), out, &n, e));
	ARM_TRY(diff_commitments(f, t, out, &n, e));
	ARM_TRY(diff_zones(f, t, out, &n, e));
	ARM_TRY(diff_witnesses(f, t, out, &n, e));
	{
		struct agreement_verify fa = {AGREEMENT_VERIFY_BY, f->arbiter.by, f->arbiter.nby,
		                              f->arbiter.quorum, AGREEMENT_METHOD_NONE};
		struct agreement_verify ta = {AGREEMENT_VERIFY_BY, t->arbiter.by, t->arbiter.nby,
		                              t->arbiter.quorum, AGREEMENT_METHOD_NONE};
		if (!verify_same(f, &fa, t, &ta)) {
			verify_text(f, &fa, a1, sizeof(a1));
			verify_text(t, &ta, a2, sizeof(a2));
			ARM_TRY(diff_line(out, &n, e, "arbiter changed from %s to %s",
			                  f->arbiter.nby ? a1 : "none",
			                  t->arbiter.nby ? a2 : "none"));
		}
	}
	ARM_TRY(diff_actors(f, t, out, &n, e));
	if (f->line.positive != t->line.positive ||
	    (t->line.positive != AGREEMENT_SIDE_NONE &&
	     strcmp(f->zones[f->line.zone].id, t->zones[t->line.zone].id) != 0))
		ARM_TRY(diff_line(out, &n, e, "reference line changed from %s to %s",
		                  f->line.positive ? f->zones[f->line.zone].id : "none",
		                  t->line.positive ? t->zones[t->line.zone].id : "none"));
	*nchanges = n;
	return ARM_OK;
}

bool
agreement_is_arbiter(const struct agreement *a, size_t actor)
{
	size_t i;

	for (i = 0; i < a->arbiter.nby; i++)
		if (a->arbiter.by[i] == actor)
			return true;
	return false;
}

bool
agreement_finds_by_role(const struct agreement *a, size_t actor)
{
	size_t i;

	if (actor >= a->nactors)
		return false;
	if (!a->has_finders)
		return a->actors[actor].role == AGREEMENT_VERIFIER;
	for (i = 0; i < a->nfinders; i++)
		if (a->finders[i] == actor)
			return true;
	return false;
}

bool
agreement_is_finder(const struct agreement *a, size_t actor)
{
	return agreement_finds_by_role(a, actor) || agreement_is_arbiter(a, actor);
}

int64_t
agreement_due_deadline(const struct agreement *a, const struct agreement_due *d, int64_t from)
{
	switch (d->kind) {
	case AGREEMENT_DUE_DATE:
	case AGREEMENT_DUE_DDAY: return d->deadline;
	case AGREEMENT_DUE_AFTER:
		if (from == INT64_MIN)
			return INT64_MIN;
		if (d->hours >= 0)
			return from + d->hours * 3600;
		/* by the end of day N, the day it took effect being day 0 */
		return (agreement_day(a, from) + d->days + 1) * 86400 - a->tz_offset;
	case AGREEMENT_DUE_NONE:
	default: return INT64_MIN;
	}
}

void
agreement_due_describe(const struct agreement *a, const struct agreement_due *d, char *out,
                       size_t cap)
{
	const char *after = d->kind == AGREEMENT_DUE_AFTER && d->after < a->ncommitments
	                        ? a->commitments[d->after].id
	                        : "?";

	switch (d->kind) {
	case AGREEMENT_DUE_DATE:
		snprintf(out, cap, "%04d-%02d-%02d", (int)d->year, (int)d->month, (int)d->day);
		break;
	case AGREEMENT_DUE_DDAY:
		if (d->hours >= 0)
			snprintf(out, cap, "D+%lldh", (long long)d->hours);
		else
			snprintf(out, cap, "D+%lld", (long long)d->days);
		break;
	case AGREEMENT_DUE_AFTER:
		if (d->hours >= 0)
			snprintf(out, cap, "%lld hours after %s", (long long)d->hours, after);
		else
			snprintf(out, cap, "%lld days after %s", (long long)d->days, after);
		break;
	case AGREEMENT_DUE_NONE:
	default: snprintf(out, cap, "none"); break;
	}
}

int64_t
agreement_day(const struct agreement *a, int64_t t)
{
	int64_t local = t + a->tz_offset;

	/* floor division: days before 1970 count downward too */
	return local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
}

static bool
digits(const char *s, size_t n, int *out)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

int
agreement_date_parse(const char *s, size_t len, int32_t *y, int32_t *m, int32_t *d)
{
	int yy, mm, dd;

	if (len != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4, &yy) ||
	    !digits(s + 5, 2, &mm) || !digits(s + 8, 2, &dd))
		return -1;
	if (yy < 1900 || mm < 1 || mm > 12 || dd < 1 || dd > agreement_days_in_month(yy, mm))
		return -1;
	*y = yy;
	*m = mm;
	*d = dd;
	return 0;
}

int
agreement_clock_parse(const char *s, size_t len, int *hh, int *mi, int *ss)
{
	if (len != 8 || s[2] != ':' || s[5] != ':' || !digits(s, 2, hh) || !digits(s + 3, 2, mi) ||
	    !digits(s + 6, 2, ss) || *hh > 23 || *mi > 59 || *ss > 59)
		return -1;
	return 0;
}

int
agreement_offset_parse(const char *s, size_t len, int32_t *offset)
{
	int hh, mi;

	if (len == 1 && s[0] == 'Z') {
		*offset = 0;
		return 0;
	}
	if (len != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' || !digits(s + 1, 2, &hh) ||
	    !digits(s + 4, 2, &mi) || hh > 23 || mi > 59)
		return -1;
	*offset = (hh * 3600 + mi * 60) * (s[0] == '-' ? -1 : 1);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Walk checks: no aliases, anchors or tags anywhere                    */

static void
check_plain_yaml(struct ctx *c, struct fy_node *n, int depth)
{
	struct agreement_mark m0 = {1, 1};
	void *it = NULL;
	size_t tlen = 0;

	if (n == NULL)
		return;
	if (depth > MAX_DEPTH) {
		problem(c, node_mark(n, m0), ARM_ELIMIT, "limit", "nesting deeper than %d",
		        MAX_DEPTH);
		return;
	}
	if (fy_node_is_alias(n)) {
		problem(c, node_mark(n, m0), ARM_ESYNTAX, "yaml-alias",
		        "aliases are not allowed: write the value out");
		return;
	}
	if (fy_node_get_anchor(n) != NULL)
		problem(c, node_mark(n, m0), ARM_ESYNTAX, "yaml-alias",
		        "anchors are not allowed: write each value out");
	if (fy_node_get_tag(n, &tlen) != NULL && tlen > 0)
		problem(c, node_mark(n, m0), ARM_ESYNTAX, "yaml-tag",
		        "explicit tags are not allowed");
	switch (fy_node_get_type(n)) {
	case FYNT_SEQUENCE: {
		struct fy_node *item;
		while ((item = fy_node_sequence_iterate(n, &it)) != NULL)
			check_plain_yaml(c, item, depth + 1);
		break;
	}
	case FYNT_MAPPING: {
		struct fy_node_pair *p;
		while ((p = fy_node_mapping_iterate(n, &it)) != NULL) {
			check_plain_yaml(c, fy_node_pair_key(p), depth + 1);
			check_plain_yaml(c, fy_node_pair_value(p), depth + 1);
		}
		break;
	}
	case FYNT_SCALAR:
	default: break;
	}
}

/* ------------------------------------------------------------------ */
/* Keys                                                                */

static bool
get_key(struct ctx *c, struct fy_node *n, struct agreement_mark at, const char *what, uint8_t type,
        struct note_verifier *out)
{
	struct arm_err err = {ARM_OK, ""};
	const char *s;
	size_t len;

	if (!is_scalar(n) || is_null(n)) {
		problem(c, node_mark(n, at), ARM_ESYNTAX, "wrong-type",
		        "%s must be a verifier key string", what);
		return false;
	}
	s = fy_node_get_scalar(n, &len);
	if (note_verifier_parse(out, s, len, &err) != ARM_OK) {
		problem(c, node_mark(n, at), ARM_ESYNTAX, "key-invalid", "%s \"%.*s\": %s", what,
		        (int)(len > 60 ? 60 : len), s, err.msg);
		return false;
	}
	if (out->type != type) {
		problem(c, node_mark(n, at), ARM_ESYNTAX, "key-type",
		        "%s \"%s\" has key type 0x%02x, wanted 0x%02x (%s)", what, out->name,
		        out->type, type,
		        type == NOTE_KEY_ED25519 ? "Ed25519" : "Ed25519 cosignature");
		return false;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* Lookups                                                             */

#define FIND(arr, n, id)                                                                           \
	do {                                                                                       \
		size_t i_;                                                                         \
		if ((id) == NULL)                                                                  \
			return AGREEMENT_NONE;                                                     \
		for (i_ = 0; i_ < (n); i_++)                                                       \
			if ((arr)[i_].id != NULL && strcmp((arr)[i_].id, (id)) == 0)               \
				return i_;                                                         \
		return AGREEMENT_NONE;                                                             \
	} while (0)

size_t
agreement_actor_index(const struct agreement *a, const char *id)
{
	FIND(a->actors, a->nactors, id);
}

size_t
agreement_commitment_index(const struct agreement *a, const char *id)
{
	FIND(a->commitments, a->ncommitments, id);
}

size_t
agreement_phase_index(const struct agreement *a, const char *id)
{
	FIND(a->phases, a->nphases, id);
}

size_t
agreement_kind_index(const struct agreement *a, const char *id)
{
	FIND(a->kinds, a->nkinds, id);
}

size_t
agreement_zone_index(const struct agreement *a, const char *id)
{
	FIND(a->zones, a->nzones, id);
}

static size_t
witness_index(const struct agreement *a, const char *id)
{
	FIND(a->log.witnesses, a->log.nwitnesses, id);
}

static size_t
group_index(const struct agreement *a, const char *id)
{
	FIND(a->log.groups, a->log.ngroups, id);
}

static size_t
together_index(const struct agreement *a, const char *id)
{
	FIND(a->togethers, a->ntogethers, id);
}

const struct agreement_actor *
agreement_actor(const struct agreement *a, const char *id)
{
	size_t i = agreement_actor_index(a, id);

	return i == AGREEMENT_NONE ? NULL : &a->actors[i];
}

const struct agreement_commitment *
agreement_commitment(const struct agreement *a, const char *id)
{
	size_t i = agreement_commitment_index(a, id);

	return i == AGREEMENT_NONE ? NULL : &a->commitments[i];
}

size_t
agreement_parties(const struct agreement *a, size_t *out, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < a->nactors; i++) {
		if (a->actors[i].role != AGREEMENT_PARTY)
			continue;
		if (n < max && out != NULL)
			out[n] = i;
		n++;
	}
	return n;
}

bool
agreement_is_party_key(const struct agreement *a, const char *name, uint32_t key_id)
{
	size_t i, k;

	for (i = 0; i < a->nactors; i++)
		for (k = 0; a->actors[i].role == AGREEMENT_PARTY && k < a->actors[i].nkeys; k++)
			if (a->actors[i].keys[k].key_id == key_id &&
			    strcmp(a->actors[i].keys[k].name, name) == 0)
				return true;
	return false;
}

bool
agreement_is_owner(const struct agreement_commitment *c, size_t actor)
{
	size_t i;

	for (i = 0; i < c->nowners; i++)
		if (c->owners[i] == actor)
			return true;
	return false;
}

/* Groups only name earlier groups (checked at load), so this terminates. */
static bool
member_met(const struct agreement_log *l, size_t m, const bool *witness_ok, int depth)
{
	const struct agreement_group *g;
	size_t i, got = 0;

	if (m < l->nwitnesses)
		return witness_ok[m];
	if (m - l->nwitnesses >= l->ngroups || depth > (int)AGREEMENT_MAX_ITEMS)
		return false;
	g = &l->groups[m - l->nwitnesses];
	for (i = 0; i < g->nmembers; i++)
		if (member_met(l, g->members[i], witness_ok, depth + 1))
			got++;
	return got >= g->threshold;
}

bool
agreement_quorum_met(const struct agreement *a, const bool *witness_ok)
{
	const struct agreement_log *l = &a->log;
	size_t i, got = 0;

	if (l->quorum_group != AGREEMENT_NONE)
		return member_met(l, l->nwitnesses + l->quorum_group, witness_ok, 0);
	for (i = 0; i < l->nwitnesses; i++)
		if (witness_ok[i])
			got++;
	return got >= l->quorum_n;
}

void
agreement_quorum_describe(const struct agreement *a, char *out, size_t cap)
{
	const struct agreement_log *l = &a->log;
	const struct agreement_group *g;
	size_t i, m, used;

	if (cap == 0)
		return;
	if (l->quorum_group == AGREEMENT_NONE) {
		if (l->quorum_n == 0)
			snprintf(out, cap, "none");
		else
			snprintf(out, cap, "%zu of the %zu witnesses", l->quorum_n, l->nwitnesses);
		return;
	}
	g = &l->groups[l->quorum_group];
	used = (size_t)snprintf(out, cap, "group %s = %zu of [", g->id, g->threshold);
	for (i = 0; i < g->nmembers && used < cap; i++) {
		m = g->members[i];
		used += (size_t)snprintf(out + used, cap - used, "%s%s", i ? ", " : "",
		                         m < l->nwitnesses ? l->witnesses[m].id
		                                           : l->groups[m - l->nwitnesses].id);
	}
	if (used < cap)
		snprintf(out + used, cap - used, "]");
}

static const char *const method_names[] = {
    "none",   "self",       "media",    "imagery",       "on-site",
    "mutual", "trilateral", "forensic", "investigation",
};

const char *
agreement_method_name(enum agreement_method m)
{
	if ((size_t)m >= ARM_ARRAY_LEN(method_names))
		return "unknown";
	return method_names[m];
}

int
agreement_method_parse(const char *s, enum agreement_method *m)
{
	size_t i;

	/* "none" is the absence of a method, never written. */
	for (i = 1; i < ARM_ARRAY_LEN(method_names); i++) {
		if (strcmp(s, method_names[i]) == 0) {
			*m = (enum agreement_method)i;
			return 0;
		}
	}
	return -1;
}

const char *
agreement_side_name(enum agreement_side s)
{
	static const char *const names[] = {"", "north", "south", "east", "west"};

	return (size_t)s < ARM_ARRAY_LEN(names) ? names[s] : "";
}

const char *
agreement_role_name(enum agreement_role r)
{
	switch (r) {
	case AGREEMENT_PARTY: return "party";
	case AGREEMENT_VERIFIER: return "verifier";
	case AGREEMENT_MONITOR: return "monitor";
	default: return "unknown";
	}
}

void
agreement_id_hex(const struct agreement *a, char out[2 * HASH_SIZE + 1])
{
	hash_hex(out, a->id);
}

/* ------------------------------------------------------------------ */
/* Lifecycle                                                           */

void
agreement_init(struct agreement *a)
{
	memset(a, 0, sizeof(*a));
	a->log.quorum_group = AGREEMENT_NONE;
	a->line.zone = AGREEMENT_NONE;
	a->line.party = AGREEMENT_NONE;
	a->log.clock_future = AGREEMENT_CLOCK_FUTURE;
	a->log.clock_backdate = AGREEMENT_CLOCK_BACKDATE;
	memcpy(a->lang, "en", 3);
}

void
agreement_release(struct agreement *a)
{
	size_t i;

	if (a == NULL)
		return;
	free(a->yaml);
	free(a->file);
	free(a->name);
	free(a->title);
	agreement_texts_release(&a->titles);
	free(a->log.origin);
	for (i = 0; a->log.witnesses != NULL && i < a->log.nwitnesses; i++)
		free(a->log.witnesses[i].id);
	free(a->log.witnesses);
	for (i = 0; a->log.groups != NULL && i < a->log.ngroups; i++) {
		free(a->log.groups[i].id);
		free(a->log.groups[i].members);
	}
	free(a->log.groups);
	for (i = 0; a->actors != NULL && i < a->nactors; i++) {
		free(a->actors[i].id);
		free(a->actors[i].name);
		agreement_texts_release(&a->actors[i].names);
	}
	free(a->actors);
	for (i = 0; a->phases != NULL && i < a->nphases; i++) {
		free(a->phases[i].id);
		free(a->phases[i].name);
		agreement_texts_release(&a->phases[i].names);
	}
	free(a->phases);
	for (i = 0; a->kinds != NULL && i < a->nkinds; i++) {
		free(a->kinds[i].id);
		free(a->kinds[i].name);
		agreement_texts_release(&a->kinds[i].names);
	}
	free(a->kinds);
	for (i = 0; a->zones != NULL && i < a->nzones; i++) {
		free(a->zones[i].id);
		free(a->zones[i].name);
		agreement_texts_release(&a->zones[i].names);
		free(a->zones[i].file);
		free(a->zones[i].geojson);
	}
	free(a->zones);
	for (i = 0; a->commitments != NULL && i < a->ncommitments; i++) {
		struct agreement_commitment *cm = &a->commitments[i];
		free(cm->id);
		free(cm->owners);
		free(cm->category);
		free(cm->text);
		agreement_texts_release(&cm->texts);
		free(cm->requires);
		free(cm->verify.by);
		free(cm->standing.breached_by);
		free(cm->standing.zones);
		free(cm->area);
		free(cm->qty_unit);
	}
	free(a->commitments);
	for (i = 0; a->togethers != NULL && i < a->ntogethers; i++) {
		free(a->togethers[i].id);
		free(a->togethers[i].members);
	}
	free(a->togethers);
	free(a->topo);
	free(a->arbiter.by);
	free(a->finders);
	free(a->line.name);
	agreement_init(a);
}

/* ------------------------------------------------------------------ */
/* Sections                                                            */

/* Reports duplicate ids within one list. */
#define CHECK_DUPS(c, arr, n, what)                                                                \
	do {                                                                                       \
		size_t di_, dj_;                                                                   \
		for (di_ = 0; di_ < (n); di_++)                                                    \
			for (dj_ = 0; (arr)[di_].id != NULL && dj_ < di_; dj_++)                   \
				if ((arr)[dj_].id != NULL &&                                       \
				    strcmp((arr)[di_].id, (arr)[dj_].id) == 0)                     \
					problem((c), (arr)[di_].mark, ARM_ERULE, "duplicate-id",   \
					        "%s id \"%s\" is already used at line %u", (what), \
					        (arr)[di_].id, (arr)[dj_].mark.line);              \
	} while (0)

static void
parse_actors(struct ctx *c, struct fy_node *n, struct agreement_mark at)
{
	static const char *const keys[] = {"id", "name", "role", "keys"};
	struct agreement *a = c->a;
	struct fy_node *item;
	void *it = NULL;
	size_t count, i = 0;

	if (!get_seq(c, n, at, "actors", &count))
		return;
	if (count == 0)
		problem(c, at, ARM_ERULE, "missing-key", "actors must name at least one party");
	a->actors = xcalloc(c, count, sizeof(*a->actors), at);
	if (a->actors == NULL)
		return;
	a->nactors = count;
	while ((item = fy_node_sequence_iterate(n, &it)) != NULL && i < count) {
		struct agreement_actor *ac = &a->actors[i++];
		struct fy_node *v[4];
		struct agreement_mark m[4];
		size_t nk, k;
		void *kit = NULL;
		struct fy_node *kn;

		if (!get_map(c, item, at, "an actor", keys, 4, v, m))
			continue;
		ac->mark = node_mark(item, at);
		need(c, v[0], ac->mark, "actor id");
		need(c, v[1], ac->mark, "actor name");
		need(c, v[2], ac->mark, "actor role");
		need(c, v[3], ac->mark, "actor keys");
		if (has(v[0]))
			ac->id = id_dup(c, v[0], m[0], "actor id");
		if (has(v[1]))
			ac->name = text_dup(c, v[1], m[1], "actor name", &ac->names);
		if (has(v[2])) {
			if (scalar_is(v[2], "party"))
				ac->role = AGREEMENT_PARTY;
			else if (scalar_is(v[2], "verifier"))
				ac->role = AGREEMENT_VERIFIER;
			else if (scalar_is(v[2], "monitor"))
				ac->role = AGREEMENT_MONITOR;
			else
				problem(c, node_mark(v[2], m[2]), ARM_ESYNTAX, "bad-value",
				        "actor \"%s\": role \"%.40s\" must be party, verifier or "
				        "monitor",
				        ac->id ? ac->id : "?",
				        is_scalar(v[2]) ? fy_node_get_scalar(v[2], &nk) : "?");
		}
		if (!has(v[3]) || !get_seq(c, v[3], m[3], "actor keys", &nk))
			continue;
		if (nk == 0 || nk > AGREEMENT_MAX_KEYS) {
			problem(c, node_mark(v[3], m[3]), ARM_ERULE, "limit",
			        "an actor needs 1 to %d keys, not %zu", AGREEMENT_MAX_KEYS, nk);
			continue;
		}
		for (k = 0; (kn = fy_node_sequence_iterate(v[3], &kit)) != NULL; k++)
			if (get_key(c, kn, m[3], "actor key", NOTE_KEY_ED25519,
			            &ac->keys[ac->nkeys]))
				ac->nkeys++;
	}
	CHECK_DUPS(c, a->actors, a->nactors, "actor");
	/* One key, one actor: otherwise a signature would not say who signed. */
	for (i = 0; i < a->nactors; i++) {
		size_t k, j, l;
		for (k = 0; k < a->actors[i].nkeys; k++)
			for (j = 0; j <= i; j++)
				for (l = 0; l < (j == i ? k : a->actors[j].nkeys); l++)
					if (a->actors[j].keys[l].key_id ==
					        a->actors[i].keys[k].key_id &&
					    strcmp(a->actors[j].keys[l].name,
					           a->actors[i].keys[k].name) == 0)
						problem(c, a->actors[i].mark, ARM_ERULE,
						        "duplicate-key",
						        "key \"%s\" of actor \"%s\" is already "
						        "listed for \"%s\"",
						        a->actors[i].keys[k].name,
						        a->actors[i].id ? a->actors[i].id : "?",
						        a->actors[j].id ? a->actors[j].id : "?");
	}
	if (a->actors != NULL && agreement_parties(a, NULL, 0) == 0 && count > 0)
		problem(c, at, ARM_ERULE, "no-party", "actors must include at least one party");
}

static void
parse_named(struct ctx *c, struct fy_node *n, struct agreement_mark at, const char *what,
            bool kinds)
{
	static const char *const pkeys[] = {"id", "name"};
	static const char *const kkeys[] = {"id", "name", "provocation"};
	struct agreement *a = c->a;
	struct fy_node *item;
	void *it = NULL;
	size_t count, i = 0;

	if (!get_seq(c, n, at, what, &count))
		return;
	if (kinds) {
		a->kinds = xcalloc(c, count, sizeof(*a->kinds), at);
		if (a->kinds == NULL)
			return;
		a->nkinds = count;
	} else {
		if (count == 0)
			problem(c, at, ARM_ERULE, "missing-key",
			        "phases must list at least one phase");
		a->phases = xcalloc(c, count, sizeof(*a->phases), at);
		if (a->phases == NULL)
			return;
		a->nphases = count;
	}
	while ((item = fy_node_sequence_iterate(n, &it)) != NULL && i < count) {
		struct fy_node *v[3];
		struct agreement_mark m[3];
		struct agreement_mark im = node_mark(item, at);
		char **id, **name;
		struct agreement_texts *names;

		if (kinds) {
			id = &a->kinds[i].id;
			name = &a->kinds[i].name;
			names = &a->kinds[i].names;
			a->kinds[i].mark = im;
		} else {
			id = &a->phases[i].id;
			name = &a->phases[i].name;
			names = &a->phases[i].names;
			a->phases[i].mark = im;
		}
		if (!get_map(c, item, at, kinds ? "an incident kind" : "a phase",
		             kinds ? kkeys : pkeys, kinds ? 3 : 2, v, m)) {
			i++;
			continue;
		}
		need(c, v[0], im, "id");
		need(c, v[1], im, "name");
		if (has(v[0]))
			*id = id_dup(c, v[0], m[0], kinds ? "incident kind id" : "phase id");
		if (has(v[1]))
			*name = text_dup(c, v[1], m[1], "name", names);
		if (kinds) {
			need(c, v[2], im, "provocation (true or false)");
			if (has(v[2]))
				(void)get_bool(c, v[2], m[2], "provocation",
				               &a->kinds[i].provocation);
		}
		i++;
	}
	if (kinds)
		CHECK_DUPS(c, a->kinds, a->nkinds, "incident kind");
	else
		CHECK_DUPS(c, a->phases, a->nphases, "phase");
}

/*
 * A duration "<n>s", "<n>m", "<n>h" or "<n>d" (at most 366 days) in
 * seconds; "none" gives -1 where allowed. false with a problem.
 */
static bool
get_duration(struct ctx *c, struct fy_node *n, struct agreement_mark at, const char *what,
             bool none_ok, int64_t *out)
{
	const char *s;
	size_t len;
	uint64_t v, mult;

	if (none_ok && scalar_is(n, "none")) {
		*out = -1;
		return true;
	}
	if (!is_scalar(n) || is_null(n) || (s = fy_node_get_scalar(n, &len)) == NULL || len < 2)
		goto bad;
	switch (s[len - 1]) {
	case 's': mult = 1; break;
	case 'm': mult = 60; break;
	case 'h': mult = 3600; break;
	case 'd': mult = 86400; break;
	default: goto bad;
	}
	if (!agreement_uint_parse(s, len - 1, 366 * 86400 / mult, &v))
		goto bad;
	*out = (int64_t)(v * mult);
	return true;
bad:
	problem(c, node_mark(n, at), ARM_ESYNTAX, "bad-value",
	        "%s must be a duration such as 90s, 10m, 12h or 3d (at most 366d)%s", what,
	        none_ok ? ", or none" : "");
	return false;
}

/*
 * log.clock (docs/agreement.md): the rules on the log's own time
 * (logclock.h). Writing the section at all makes the log's time
 * required for every entry after the agreement.
 */
static void
parse_clock(struct ctx *c, struct fy_node *n, struct agreement_mark at)
{
	static const char *const keys[] = {"future", "backdate", "deadlines"};
	struct agreement_log *l = &c->a->log;
	struct fy_node *v[3];
	struct agreement_mark m[3];

	if (!get_map(c, n, at, "log clock", keys, 3, v, m))
		return;
	l->clock = true;
	if (has(v[0]))
		(void)get_duration(c, v[0], m[0], "log clock future", false, &l->clock_future);
	if (has(v[1]))
		(void)get_duration(c, v[1], m[1], "log clock backdate", true, &l->clock_backdate);
	if (has(v[2])) {
		if (scalar_is(v[2], "log"))
			l->clock_deadlines = true;
		else if (scalar_is(v[2], "claimed"))
			l->clock_deadlines = false;
		else
			problem(c, node_mark(v[2], m[2]), ARM_ESYNTAX, "bad-value",
			        "log clock deadlines must be \"log\" (judge deadlines on the log's "
			        "time) or \"claimed\" (on the time each entry states)");
	}
}

static void
parse_log(struct ctx *c, struct fy_node *n, struct agreement_mark at)
{
	static const char *const keys[] = {"origin", "key",    "witnesses",
	                                   "groups", "quorum", "clock"};
	static const char *const wkeys[] = {"id", "key"};
	static const char *const gkeys[] = {"id", "threshold", "members"};
	struct agreement_log *l = &c->a->log;
	struct fy_node *v[6], *item;
	struct agreement_mark m[6];
	void *it = NULL;
	size_t count, i;

	if (!get_map(c, n, at, "log", keys, 6, v, m))
		return;
	if (has(v[5]))
		parse_clock(c, v[5], m[5]);
	need(c, v[0], at, "log origin");
	need(c, v[1], at, "log key");
	need(c, v[4], at, "log quorum");
	if (has(v[0])) {
		l->origin = scalar_dup(c, v[0], m[0], "log origin");
		if (l->origin != NULL && (strchr(l->origin, ' ') || strchr(l->origin, '\n')))
			problem(c, node_mark(v[0], m[0]), ARM_ESYNTAX, "bad-value",
			        "log origin \"%.60s\" must be one line without spaces "
			        "(C2SP tlog-checkpoint)",
			        l->origin);
	}
	if (has(v[1]))
		(void)get_key(c, v[1], m[1], "log key", NOTE_KEY_ED25519, &l->key);
	if (has(v[2]) && get_seq(c, v[2], m[2], "witnesses", &count)) {
		l->witnesses = xcalloc(c, count, sizeof(*l->witnesses), at);
		if (l->witnesses != NULL) {
			l->nwitnesses = count;
			for (i = 0;
			     (item = fy_node_sequence_iterate(v[2], &it)) != NULL && i < count;
			     i++) {
				struct fy_node *w[2];
				struct agreement_mark wm[2];
				l->witnesses[i].mark = node_mark(item, m[2]);
				if (!get_map(c, item, m[2], "a witness", wkeys, 2, w, wm))
					continue;
				need(c, w[0], l->witnesses[i].mark, "witness id");
				need(c, w[1], l->witnesses[i].mark, "witness key");
				if (has(w[0]))
					l->witnesses[i].id = id_dup(c, w[0], wm[0], "witness id");
				if (has(w[1]))
					(void)get_key(c, w[1], wm[1], "witness key",
					              NOTE_KEY_COSIG_V1, &l->witnesses[i].key);
			}
			CHECK_DUPS(c, l->witnesses, l->nwitnesses, "witness");
		}
	}
	if (has(v[3]) && get_seq(c, v[3], m[3], "groups", &count)) {
		l->groups = xcalloc(c, count, sizeof(*l->groups), at);
		if (l->groups != NULL) {
			l->ngroups = count;
			/* ids first, so a reference to a later group is named as such */
			it = NULL;
			for (i = 0;
			     (item = fy_node_sequence_iterate(v[3], &it)) != NULL && i < count;
			     i++) {
				struct fy_node *idn = NULL;
				struct agreement_group *g = &l->groups[i];
				g->mark = node_mark(item, m[3]);
				if (fy_node_get_type(item) == FYNT_MAPPING)
					idn = fy_node_mapping_lookup_by_string(item, "id", 2);
				if (!has(idn))
					continue;
				g->id = id_dup(c, idn, g->mark, "group id");
				if (g->id != NULL && witness_index(c->a, g->id) != AGREEMENT_NONE)
					problem(c, g->mark, ARM_ERULE, "duplicate-id",
					        "group id \"%s\" is also a witness id", g->id);
			}
			it = NULL;
			for (i = 0;
			     (item = fy_node_sequence_iterate(v[3], &it)) != NULL && i < count;
			     i++) {
				struct agreement_group *g = &l->groups[i];
				struct fy_node *gv[3], *mn;
				struct agreement_mark gm[3];
				void *mit = NULL;
				size_t nm, k;

				if (!get_map(c, item, m[3], "a group", gkeys, 3, gv, gm))
					continue;
				need(c, gv[0], g->mark, "group id");
				need(c, gv[1], g->mark, "group threshold");
				need(c, gv[2], g->mark, "group members");
				if (!has(gv[2]) || !get_seq(c, gv[2], gm[2], "group members", &nm))
					continue;
				g->members = xcalloc(c, nm, sizeof(size_t), g->mark);
				if (g->members == NULL)
					continue;
				g->nmembers = nm;
				for (k = 0;
				     (mn = fy_node_sequence_iterate(gv[2], &mit)) != NULL && k < nm;
				     k++) {
					char *id = id_dup(c, mn, gm[2], "group member");
					size_t wi, gi;
					g->members[k] = AGREEMENT_NONE;
					if (id == NULL)
						continue;
					wi = witness_index(c->a, id);
					/* tlog-policy: names must be defined before use */
					gi = AGREEMENT_NONE;
					for (size_t j = 0; j < i; j++)
						if (l->groups[j].id != NULL &&
						    strcmp(l->groups[j].id, id) == 0)
							gi = j;
					if (wi != AGREEMENT_NONE)
						g->members[k] = wi;
					else if (gi != AGREEMENT_NONE)
						g->members[k] = l->nwitnesses + gi;
					else if (group_index(c->a, id) != AGREEMENT_NONE)
						problem(c, node_mark(mn, gm[2]), ARM_ERULE,
						        "group-order",
						        "group \"%s\" names group \"%s\" before it "
						        "is defined "
						        "(C2SP tlog-policy)",
						        g->id ? g->id : "?", id);
					else
						problem(c, node_mark(mn, gm[2]), ARM_ERULE,
						        "unknown-id",
						        "group member \"%s\" is not a witness or "
						        "an earlier group",
						        id);
					free(id);
				}
				if (has(gv[1])) {
					uint64_t t;
					if (scalar_is(gv[1], "all"))
						g->threshold = nm;
					else if (scalar_is(gv[1], "any"))
						g->threshold = 1;
					else if (get_uint(c, gv[1], gm[1], "group threshold",
					                  AGREEMENT_MAX_ITEMS, &t)) {
						if (t == 0)
							problem(
							    c, node_mark(gv[1], gm[1]), ARM_ERULE,
							    "quorum-zero",
							    "group threshold must be at least 1");
						else if (t > nm)
							problem(c, node_mark(gv[1], gm[1]),
							        ARM_ERULE, "quorum-too-large",
							        "group threshold %llu exceeds its "
							        "%zu members",
							        (unsigned long long)t, nm);
						g->threshold = (size_t)t;
					}
					if (nm == 0)
						problem(c, g->mark, ARM_ERULE, "quorum-zero",
						        "group has no members");
				}
			}
			CHECK_DUPS(c, l->groups, l->ngroups, "group");
		}
	}
	if (!has(v[4]))
		return;
	if (scalar_is(v[4], "none")) {
		l->quorum_n = 0;
	} else if (is_scalar(v[4]) && fy_node_get_scalar(v[4], &count)[0] >= '0' &&
	           fy_node_get_scalar(v[4], &count)[0] <= '9') {
		uint64_t q;
		if (get_uint(c, v[4], m[4], "log quorum", AGREEMENT_MAX_ITEMS, &q)) {
			if (q == 0)
				problem(c, node_mark(v[4], m[4]), ARM_ERULE, "quorum-zero",
				        "log quorum 0: write quorum: none if no witness is needed");
			else if (q > l->nwitnesses)
				problem(c, node_mark(v[4], m[4]), ARM_ERULE, "quorum-too-large",
				        "log quorum %llu exceeds the %zu witnesses",
				        (unsigned long long)q, l->nwitnesses);
			l->quorum_n = (size_t)q;
		}
	} else {
		char *id = id_dup(c, v[4], m[4], "log quorum");
		if (id != NULL) {
			l->quorum_group = group_index(c->a, id);
			if (l->quorum_group == AGREEMENT_NONE)
				problem(c, node_mark(v[4], m[4]), ARM_ERULE, "unknown-id",
				        "log quorum \"%s\" is not a number, none, or a group id",
				        id);
			free(id);
		}
	}
}

/* GeoJSON: an object whose type is a geometry, Feature or FeatureCollection. */
static bool
geojson_ok(struct fy_node *n)
{
	static const char *const types[] = {
	    "Point",        "MultiPoint",         "LineString", "MultiLineString",   "Polygon",
	    "MultiPolygon", "GeometryCollection", "Feature",    "FeatureCollection",
	};
	struct fy_node *t;
	size_t i;

	if (n == NULL || fy_node_get_type(n) != FYNT_MAPPING)
		return false;
	t = fy_node_mapping_lookup_by_string(n, "type", 4);
	for (i = 0; i < ARM_ARRAY_LEN(types); i++)
		if (scalar_is(t, types[i]))
			return true;
	return false;
}

/* A JSON number (RFC 8259 §6), byte for byte. */
static bool
json_number(const char *s, size_t n)
{
	size_t i = 0, d;

	if (i < n && s[i] == '-')
		i++;
	for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		;
	if (i == d || (s[d] == '0' && i - d > 1))
		return false;
	if (i < n && s[i] == '.') {
		for (d = ++i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return false;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return false;
	}
	return i == n;
}

static int
json_string(struct buf *b, const char *s, size_t n)
{
	size_t i;
	int rc = buf_puts(b, "\"", NULL);

	for (i = 0; i < n && rc == ARM_OK; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '"' || ch == '\\')
			rc = buf_printf(b, NULL, "\\%c", ch);
		else if (ch < 0x20)
			rc = buf_printf(b, NULL, "\\u%04x", ch);
		else
			rc = buf_append(b, &s[i], 1, NULL);
	}
	return rc == ARM_OK ? buf_puts(b, "\"", NULL) : rc;
}

/*
 * An inline GeoJSON node as compact JSON. Written here rather than with
 * fy_emit_node_to_string(): libfyaml 0.7.12's emitter leaks the buffer of
 * a long escaped scalar it tests for a number (found by fuzz_session), and
 * the agreement is parsed again on every replay. A plain scalar that is a
 * JSON number or literal stays bare; anything else is a JSON string (so a
 * YAML ".nan" is the string ".nan", which geo_check_* then refuses).
 */
static int
json_emit(struct buf *b, struct fy_node *n)
{
	const char *s;
	size_t len;
	void *it = NULL;
	int rc = ARM_OK;
	bool first = true;

	if (n == NULL || fy_node_is_alias(n))
		return ARM_ESYNTAX;
	switch (fy_node_get_type(n)) {
	case FYNT_SCALAR:
		if ((s = fy_node_get_scalar(n, &len)) == NULL)
			return ARM_ENOMEM;
		if (fy_node_get_style(n) == FYNS_PLAIN &&
		    (json_number(s, len) || (len == 4 && memcmp(s, "null", 4) == 0) ||
		     (len == 4 && memcmp(s, "true", 4) == 0) ||
		     (len == 5 && memcmp(s, "false", 5) == 0)))
			return buf_append(b, s, len, NULL);
		return json_string(b, s, len);
	case FYNT_SEQUENCE: {
		struct fy_node *item;

		rc = buf_puts(b, "[", NULL);
		while (rc == ARM_OK && (item = fy_node_sequence_iterate(n, &it)) != NULL) {
			if (!first)
				rc = buf_puts(b, ",", NULL);
			if (rc == ARM_OK)
				rc = json_emit(b, item);
			first = false;
		}
		return rc == ARM_OK ? buf_puts(b, "]", NULL) : rc;
	}
	case FYNT_MAPPING: {
		struct fy_node_pair *p;

		rc = buf_puts(b, "{", NULL);
		while (rc == ARM_OK && (p = fy_node_mapping_iterate(n, &it)) != NULL) {
			struct fy_node *k = fy_node_pair_key(p);

			if (k == NULL || fy_node_get_type(k) != FYNT_SCALAR ||
			    fy_node_is_alias(k) || (s = fy_node_get_scalar(k, &len)) == NULL)
				return ARM_ESYNTAX; /* JSON keys are strings */
			if (!first)
				rc = buf_puts(b, ",", NULL);
			if (rc == ARM_OK)
				rc = json_string(b, s, len);
			if (rc == ARM_OK)
				rc = buf_puts(b, ":", NULL);
			if (rc == ARM_OK)
				rc = json_emit(b, fy_node_pair_value(p));
			first = false;
		}
		return rc == ARM_OK ? buf_puts(b, "}", NULL) : rc;
	}
	default: return ARM_ESYNTAX;
	}
}

static char *
geojson_text(struct ctx *c, struct fy_node *n, struct agreement_mark at, const char *what,
             size_t *len)
{
	struct buf b = BUF_INIT(AGREEMENT_MAX_SIZE * 2);
	int rc;

	if (!geojson_ok(n)) {
		problem(c, node_mark(n, at), ARM_ESYNTAX, "zone-geojson",
		        "%s must be a GeoJSON object with a geometry, Feature or FeatureCollection "
		        "type",
		        what);
		return NULL;
	}
	if ((rc = json_emit(&b, n)) != ARM_OK) { /* b's data stays NUL-terminated */
		buf_release(&b);
		if (rc == ARM_ESYNTAX)
			problem(c, node_mark(n, at), ARM_ESYNTAX, "zone-geojson",
			        "%s must be JSON: keys are strings, no aliases", what);
		else
			oom(c, at);
		return NULL;
	}
	return (char *)buf_detach(&b, len);
}

static bool
relpath_ok(const char *p)
{
	const char *s = p;

	if (p[0] == '\0' || p[0] == '/')
		return false;
	while (*s != '\0') {
		const char *e = strchr(s, '/');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
			return false;
		s += n;
		if (*s == '/')
			s++;
	}
	return true;
}

static void
fy_discard(struct fy_diag *d, void *user, const char *s, size_t len)
{
	(void)d;
	(void)user;
	(void)s;
	(void)len;
}

/* libfyaml prints to stderr unless given a sink; a library must not print. */
static struct fy_diag *
quiet_diag(void)
{
	struct fy_diag_cfg dcfg;
	struct fy_diag *d;

	fy_diag_cfg_default(&dcfg);
	dcfg.fp = NULL;
	dcfg.output_fn = fy_discard;
	dcfg.colorize = false;
	dcfg.show_source = false; /* libfyaml 0.7.12 can crash formatting the excerpt */
	d = fy_diag_create(&dcfg);
	/* ... and prints it whatever show_source says: collect errors instead. */
	if (d != NULL)
		fy_diag_set_collect_errors(d, true);
	return d;
}

static void
zone_file(struct ctx *c, struct agreement_zone *z, struct fy_node *digest, struct agreement_mark dm)
{
	struct arm_err err = {ARM_OK, ""};
	struct buf b = BUF_INIT(AGREEMENT_ZONE_FILE_MAX);
	struct fy_parse_cfg cfg;
	struct fy_document *d = NULL;

	if (!relpath_ok(z->file)) {
		problem(c, z->mark, ARM_ERULE, "zone-file-path",
		        "zone file \"%.80s\" must be a relative path without \"..\"", z->file);
		return;
	}
	if (c->read_file == NULL) {
		problem(c, z->mark, ARM_ENOTFOUND, "zone-file",
		        "zone file \"%.80s\" cannot be read here (no files were supplied)",
		        z->file);
		return;
	}
	if (c->read_file(c->rctx, z->file, &b, &err) != ARM_OK) {
		/* ARM_EVERIFY: the reader checked the bytes against a signed digest. */
		problem(c, z->mark, err.rc == ARM_OK ? ARM_EIO : err.rc,
		        err.rc == ARM_EVERIFY ? "zone-digest" : "zone-file",
		        "zone file \"%.80s\": %s", z->file, err.msg);
		buf_release(&b);
		return;
	}
	hash_sha256(z->digest, b.data, b.len);
	if (has(digest)) {
		char hex[2 * HASH_SIZE + 1];
		const char *s;
		size_t len;
		hash_hex(hex, z->digest);
		s = is_scalar(digest) ? fy_node_get_scalar(digest, &len) : NULL;
		if (s == NULL || len != 2 * HASH_SIZE || memcmp(s, hex, len) != 0)
			problem(c, node_mark(digest, dm), ARM_EVERIFY, "zone-digest",
			        "zone file \"%.80s\" has sha256 %s, not the digest the agreement "
			        "states",
			        z->file, hex);
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.flags = FYPCF_QUIET | FYPCF_JSON_FORCE;
	cfg.diag = quiet_diag();
	/*
	 * libfyaml 0.7.12 loops on a line starting with '%' and crashes on a
	 * tab inside a string: geo_json_check() refuses both before parsing.
	 */
	if (b.len > 0 && cfg.diag != NULL && geo_json_check(b.data, b.len, NULL) == ARM_OK)
		d = fy_document_build_from_string(&cfg, (const char *)b.data, b.len);
	if (d == NULL || !geojson_ok(fy_document_root(d))) {
		problem(c, z->mark, ARM_ESYNTAX, "zone-geojson",
		        "zone file \"%.80s\" is not a GeoJSON object with a geometry, Feature or "
		        "FeatureCollection type",
		        z->file);
	} else {
		z->geojson_len = b.len;
		z->geojson = (char *)buf_detach(&b, &z->geojson_len);
	}
	fy_document_destroy(d);
	fy_diag_destroy(cfg.diag);
	buf_release(&b);
}

static void
parse_zones(struct ctx *c, struct fy_node *n, struct agreement_mark at)
{
	static const char *const keys[] = {"id", "name", "file", "geometry", "sha256"};
	struct agreement *a = c->a;
	struct fy_node *item;
	void *it = NULL;
	size_t count, i = 0;

	if (!get_seq(c, n, at, "zones", &count))
		return;
	a->zones = xcalloc(c, count, sizeof(*a->zones), at);
	if (a->zones == NULL)
		return;
	a->nzones = count;
	while ((item = fy_node_sequence_iterate(n, &it)) != NULL && i < count) {
		struct agreement_zone *z = &a->zones[i++];
		struct fy_node *v[5];
		struct agreement_mark m[5];

		z->mark = node_mark(item, at);
		if (!get_map(c, item, at, "a zone", keys, 5, v, m))
			continue;
		need(c, v[0], z->mark, "zone id");
		need(c, v[1], z->mark, "zone name");
		if (has(v[0]))
			z->id = id_dup(c, v[0], m[0], "zone id");
		if (has(v[1]))
			z->name = text_dup(c, v[1], m[1], "zone name", &z->names);
		if (has(v[2]) == has(v[3])) {
			problem(c, z->mark, ARM_ESYNTAX, has(v[2]) ? "bad-value" : "missing-key",
			        "a zone needs exactly one of file and geometry");
			continue;
		}
		if (has(v[3])) {
			if (has(v[4]))
				problem(c, m[4], ARM_ESYNTAX, "bad-value",
				        "sha256 applies to file zones only");
			z->geojson = geojson_text(c, v[3], m[3], "zone geometry", &z->geojson_len);
			continue;
		}
		z->file = scalar_dup(c, v[2], m[2], "zone file");
		if (z->file != NULL)
			zone_file(c, z, v[4], m[4]);
	}
	CHECK_DUPS(c, a->zones, a->nzones, "zone");
}

/* Resolves a scalar id to an index with `find`, or reports unknown-id. */
static size_t
ref(struct ctx *c, struct fy_node *n, struct agreement_mark at, const char *what,
    size_t (*find)(const struct agreement *, const char *), const char *owner)
{
	char *id = id_dup(c, n, at, what);
	size_t i;

	if (id == NULL)
		return AGREEMENT_NONE;
	i = find(c->a, id);
	if (i == AGREEMENT_NONE)
		problem(c, node_mark(n, at), ARM_ERULE, "unknown-id",
		        "commitment \"%s\": %s \"%s\" is not defined", owner, what, id);
	free(id);
	return i;
}

/* A list of ids (or a single id where single_ok) resolved with find. */
static size_t *
ref_list(struct ctx *c, struct fy_node *n, struct agreement_mark at, const char *what,
         size_t (*find)(const struct agreement *, const char *), const char *owner, size_t *count)
{
	struct fy_node *item;
	void *it = NULL;
	size_t *out, k = 0, i, j;

	*count = 0;
	if (!get_seq(c, n, at, what, count))
		return NULL;
	out = xcalloc(c, *count, sizeof(size_t), at);
	if (out == NULL) {
		*count = 0;
		return NULL;
	}
	while ((item = fy_node_sequence_iterate(n, &it)) != NULL && k < *count) {
		out[k] = ref(c, item, at, what, find, owner);
		for (j = 0; out[k] != AGREEMENT_NONE && j < k; j++)
			if (out[j] == out[k])
				problem(c, node_mark(item, at), ARM_ERULE, "duplicate-id",
				        "commitment \"%s\": %s lists the same id twice", owner,
				        what);
		k++;
	}
	/* Drop unresolved entries; their problems are already reported. */
	for (i = 0, j = 0; i < k; i++)
		if (out[i] != AGREEMENT_NONE)
			out[j++] = out[i];
	*count = j;
	return out;
}

static void
parse_verify(struct ctx *c, struct agreement_commitment *cm, struct fy_node *n,
             struct agreement_mark at)
{
	static const char *const keys[] = {"by", "quorum", "mutual", "method"};
	struct fy_node *v[4];
	struct agreement_mark m[4];
	bool mutual = false;

	if (scalar_is(n, "none")) {
		cm->verify.kind = AGREEMENT_VERIFY_NONE;
		return;
	}
	if (!get_map(c, n, at, "verify (or verify: none)", keys, 4, v, m))
		return;
	if (has(v[3])) {
		char *s = scalar_dup(c, v[3], m[3], "verify method");
		if (s != NULL && agreement_method_parse(s, &cm->verify.method) != 0)
			problem(
			    c, node_mark(v[3], m[3]), ARM_ESYNTAX, "bad-value",
			    "method \"%.40s\" is not one of self, media, imagery, on-site, mutual, "
			    "trilateral, forensic, investigation",
			    s);
		free(s);
	}
	if (has(v[2]) && !get_bool(c, v[2], m[2], "verify mutual", &mutual))
		return;
	if (mutual) {
		cm->verify.kind = AGREEMENT_VERIFY_MUTUAL;
		if (has(v[0]) || has(v[1]))
			problem(c, m[2], ARM_ESYNTAX, "bad-value",
			        "commitment \"%s\": verify has mutual: true and by/quorum; use one",
			        cm->id ? cm->id : "?");
		if (cm->nowners < 2)
			problem(c, m[2], ARM_ERULE, "mutual-needs-owners",
			        "commitment \"%s\": mutual verification needs two or more owners, "
			        "each verified by the others; name the verifier with by: instead",
			        cm->id ? cm->id : "?");
		return;
	}
	cm->verify.kind = AGREEMENT_VERIFY_BY;
	if (!has(v[0])) {
		problem(c, at, ARM_ESYNTAX, "missing-key",
		        "commitment \"%s\": verify needs by: [actors] or mutual: true",
		        cm->id ? cm->id : "?");
		return;
	}
	cm->verify.by = ref_list(c, v[0], m[0], "verify by", agreement_actor_index,
	                         cm->id ? cm->id : "?", &cm->verify.nby);
	cm->verify.quorum = cm->verify.nby; /* default: all of them */
	if (has(v[1])) {
		uint64_t q;
		if (get_uint(c, v[1], m[1], "verify quorum", AGREEMENT_MAX_ITEMS, &q)) {
			size_t listed = (size_t)fy_node_sequence_item_count(v[0]);
			if (q == 0)
				problem(
				    c, node_mark(v[1], m[1]), ARM_ERULE, "quorum-zero",
				    "commitment \"%s\": verify quorum must be at least 1; write "
				    "verify: none for no verification",
				    cm->id ? cm->id : "?");
			else if (q > listed)
				problem(c, node_mark(v[1], m[1]), ARM_ERULE, "quorum-too-large",
				        "commitment \"%s\": verify quorum %llu exceeds the %zu "
				        "actors in by",
				        cm->id ? cm->id : "?", (unsigned long long)q, listed);
			cm->verify.quorum = (size_t)q;
		}
	}
	if (fy_node_get_type(v[0]) == FYNT_SEQUENCE && fy_node_sequence_item_count(v[0]) == 0)
		problem(c, m[0], ARM_ERULE, "quorum-zero", "commitment \"%s\": verify by is empty",
		        cm->id ? cm->id : "?");
}

/* Longest schedule: 100 years, in days or in hours. */
#define DUE_MAX_DAYS 36600u
#define DUE_MAX_HOURS (36600u * 24u)

/*
 * "D+N" or "D+Nh" (docs/agreement.md "Schedules"): 1 when s is one (and
 * *days / *hours set, the other -1), 0 when it does not start with "D+",
 * -1 when it does but is malformed.
 */
static int
dday_parse(const char *s, size_t len, int64_t *days, int64_t *hours)
{
	uint64_t v;
	bool h;

	if (len < 2 || s[0] != 'D' || s[1] != '+')
		return 0;
	s += 2;
	len -= 2;
	h = len > 0 && s[len - 1] == 'h';
	if (h)
		len--;
	if (!agreement_uint_parse(s, len, h ? DUE_MAX_HOURS : DUE_MAX_DAYS, &v))
		return -1;
	*days = h ? -1 : (int64_t)v;
	*hours = h ? (int64_t)v : -1;
	return 1;
}

static void
parse_due(struct ctx *c, struct agreement_commitment *cm, struct fy_node *n,
          struct agreement_mark at)
{
	static const char *const keys[] = {"after", "days", "hours"};
	struct fy_node *v[3];
	struct agreement_mark m[3];
	const char *s;
	size_t len;
	int dd;

	cm->due.days = cm->due.hours = -1;
	if (is_scalar(n)) {
		s = fy_node_get_scalar(n, &len);
		dd = dday_parse(s, len, &cm->due.days, &cm->due.hours);
		if (dd < 0) {
			problem(
			    c, node_mark(n, at), ARM_ESYNTAX, "due-dday",
			    "commitment \"%s\": due \"%.*s\" is not D+N (days, at most %u) or D+Nh "
			    "(hours, at most %u)",
			    cm->id ? cm->id : "?", (int)(len > 40 ? 40 : len), s, DUE_MAX_DAYS,
			    DUE_MAX_HOURS);
			return;
		}
		if (dd > 0) {
			cm->due.kind = AGREEMENT_DUE_DDAY;
			if (!c->a->has_effective) {
				problem(
				    c, node_mark(n, at), ARM_ERULE, "due-dday",
				    "commitment \"%s\": due \"%.*s\" counts from the agreement's "
				    "effective moment, and the agreement has no effective:",
				    cm->id ? cm->id : "?", (int)(len > 40 ? 40 : len), s);
				return;
			}
			cm->due.deadline =
			    cm->due.hours >= 0
			        ? c->a->effective + cm->due.hours * 3600
			        : (agreement_day(c->a, c->a->effective) + cm->due.days + 1) *
			                  86400 -
			              c->a->tz_offset;
			return;
		}
		if (agreement_date_parse(s, len, &cm->due.year, &cm->due.month, &cm->due.day) !=
		    0) {
			problem(
			    c, node_mark(n, at), ARM_ESYNTAX, "date-invalid",
			    "commitment \"%s\": due \"%.*s\" is not a date YYYY-MM-DD, D+N or D+Nh",
			    cm->id ? cm->id : "?", (int)(len > 40 ? 40 : len), s);
			return;
		}
		cm->due.kind = AGREEMENT_DUE_DATE;
		/* overdue once the day has ended in the counting zone */
		cm->due.deadline =
		    (agreement_days_from_civil(cm->due.year, cm->due.month, cm->due.day) + 1) *
		        86400 -
		    c->a->tz_offset;
		return;
	}
	if (!get_map(c, n, at, "due (a date, D+N, or {after, days|hours})", keys, 3, v, m))
		return;
	need(c, v[0], at, "due after");
	if (has(v[1]) == has(v[2]))
		problem(c, at, ARM_ERULE, "due-after-unit",
		        "commitment \"%s\": due after names exactly one of days or hours",
		        cm->id ? cm->id : "?");
	cm->due.kind = AGREEMENT_DUE_AFTER;
	cm->due.after = AGREEMENT_NONE;
	if (has(v[0]))
		cm->due.after = ref(c, v[0], m[0], "due after", agreement_commitment_index,
		                    cm->id ? cm->id : "?");
	if (cm->due.after != AGREEMENT_NONE && &c->a->commitments[cm->due.after] == cm)
		problem(c, node_mark(v[0], m[0]), ARM_ERULE, "requires-cycle",
		        "commitment \"%s\" is due after itself", cm->id ? cm->id : "?");
	if (has(v[1])) {
		uint64_t d;
		if (get_uint(c, v[1], m[1], "due days", DUE_MAX_DAYS, &d))
			cm->due.days = (int64_t)d;
	} else if (has(v[2])) {
		uint64_t h;
		if (get_uint(c, v[2], m[2], "due hours", DUE_MAX_HOURS, &h))
			cm->due.hours = (int64_t)h;
	}
}

static void
parse_standing(struct ctx *c, struct agreement_commitment *cm, struct fy_node *n,
               struct agreement_mark at)
{
	static const char *const keys[] = {"breached_by", "zones", "threshold", "protect"};
	struct fy_node *v[4];
	struct agreement_mark m[4];
	const char *who = cm->id ? cm->id : "?";

	if (!get_map(c, n, at, "standing", keys, 4, v, m))
		return;
	if (has(v[2])) {
		static const char *const tkeys[] = {"violations", "days"};
		struct fy_node *tv[2];
		struct agreement_mark tm[2];
		uint64_t nv = 0, nd = 0;
		if (get_map(c, v[2], m[2], "standing threshold ({violations, days})", tkeys, 2, tv,
		            tm)) {
			need(c, tv[0], m[2], "threshold violations");
			need(c, tv[1], m[2], "threshold days");
			if (has(tv[0]) &&
			    get_uint(c, tv[0], tm[0], "threshold violations", 1000000, &nv) &&
			    nv == 0)
				problem(
				    c, node_mark(tv[0], tm[0]), ARM_ERULE, "threshold-invalid",
				    "commitment \"%s\": a threshold counts at least 1 violation",
				    who);
			if (has(tv[1]) && get_uint(c, tv[1], tm[1], "threshold days", 36600, &nd) &&
			    nd == 0)
				problem(c, node_mark(tv[1], tm[1]), ARM_ERULE, "threshold-invalid",
				        "commitment \"%s\": a threshold window is at least 1 day",
				        who);
			cm->standing.violations = (size_t)nv;
			cm->standing.days = (int64_t)nd;
		}
	}
	if (has(v[3]))
		(void)get_bool(c, v[3], m[3], "standing protect", &cm->standing.protect);
	cm->standing.standing = true;
	need(c, v[0], at, "standing breached_by");
	if (has(v[0])) {
		cm->standing.breached_by =
		    ref_list(c, v[0], m[0], "breached_by incident kind", agreement_kind_index, who,
		             &cm->standing.nbreached_by);
		if (fy_node_get_type(v[0]) == FYNT_SEQUENCE &&
		    fy_node_sequence_item_count(v[0]) == 0)
			problem(
			    c, m[0], ARM_ERULE, "missing-key",
			    "commitment \"%s\": breached_by must name at least one incident kind",
			    who);
	}
	if (has(v[1]))
		cm->standing.zones = ref_list(c, v[1], m[1], "standing zone", agreement_zone_index,
		                              who, &cm->standing.nzones);
}

/* First pass over commitments: ids only, so references can point forward. */
static size_t
commitment_ids(struct ctx *c, struct fy_node *n, struct agreement_mark at)
{
	struct agreement *a = c->a;
	struct fy_node *item;
	void *it = NULL;
	size_t count, i = 0;

	if (!get_seq(c, n, at, "commitments", &count))
		return 0;
	if (count == 0)
		problem(c, at, ARM_ERULE, "missing-key",
		        "commitments must list at least one commitment");
	a->commitments = xcalloc(c, count, sizeof(*a->commitments), at);
	if (a->commitments == NULL)
		return 0;
	a->ncommitments = count;
	while ((item = fy_node_sequence_iterate(n, &it)) != NULL && i < count) {
		struct agreement_commitment *cm = &a->commitments[i++];
		struct fy_node *idn = NULL;

		cm->mark = node_mark(item, at);
		cm->phase = AGREEMENT_NONE;
		cm->together = AGREEMENT_NONE;
		cm->due.after = AGREEMENT_NONE;
		cm->tranche_of = AGREEMENT_NONE;
		if (fy_node_get_type(item) == FYNT_MAPPING)
			idn = fy_node_mapping_lookup_by_string(item, "id", 2);
		if (has(idn))
			cm->id = id_dup(c, idn, cm->mark, "commitment id");
		else
			problem(c, cm->mark, ARM_ESYNTAX, "missing-key",
			        "commitment id is required");
	}
	CHECK_DUPS(c, a->commitments, a->ncommitments, "commitment");
	return count;
}

static void
add_together(struct ctx *c, struct agreement_commitment *cm, size_t ci, struct fy_node *n,
             struct agreement_mark at)
{
	struct agreement *a = c->a;
	struct agreement_together *t, *grown;
	size_t *members;
	char *id = id_dup(c, n, at, "together group");
	size_t ti;

	if (id == NULL)
		return;
	if (agreement_commitment_index(a, id) != AGREEMENT_NONE)
		problem(c, node_mark(n, at), ARM_ERULE, "duplicate-id",
		        "together group \"%s\" has the name of a commitment", id);
	ti = together_index(a, id);
	if (ti == AGREEMENT_NONE) {
		grown = realloc(a->togethers, (a->ntogethers + 1) * sizeof(*a->togethers));
		if (grown == NULL) {
			free(id);
			oom(c, at);
			return;
		}
		a->togethers = grown;
		ti = a->ntogethers++;
		memset(&a->togethers[ti], 0, sizeof(a->togethers[ti]));
		a->togethers[ti].id = id;
	} else {
		free(id);
	}
	t = &a->togethers[ti];
	members = realloc(t->members, (t->nmembers + 1) * sizeof(size_t));
	if (members == NULL) {
		oom(c, at);
		return;
	}
	t->members = members;
	t->members[t->nmembers++] = ci;
	cm->together = ti;
}

/* quantity: {target: N, unit: ID} (docs/rules.md "Quantities and tranches"). */
static void
parse_quantity(struct ctx *c, struct agreement_commitment *cm, struct fy_node *n,
               struct agreement_mark at)
{
	static const char *const keys[] = {"target", "unit"};
	struct fy_node *v[2];
	struct agreement_mark m[2];
	uint64_t t;

	if (!get_map(c, n, at, "quantity ({target, unit})", keys, 2, v, m))
		return;
	need(c, v[0], at, "quantity target");
	need(c, v[1], at, "quantity unit");
	if (has(v[0]) && get_uint(c, v[0], m[0], "quantity target", 999999999999ull, &t)) {
		if (t == 0)
			problem(c, node_mark(v[0], m[0]), ARM_ERULE, "quantity-invalid",
			        "commitment \"%s\": a quantity target is at least 1",
			        cm->id ? cm->id : "?");
		cm->qty_target = (int64_t)t * 1000000;
	}
	if (has(v[1]))
		cm->qty_unit = id_dup(c, v[1], m[1], "quantity unit");
}

/* tranche: {of: commitment, percent: 1..100}; of's quantity is checked once all are read. */
static void
parse_tranche(struct ctx *c, struct agreement_commitment *cm, struct fy_node *n,
              struct agreement_mark at)
{
	static const char *const keys[] = {"of", "percent"};
	struct fy_node *v[2];
	struct agreement_mark m[2];
	uint64_t p;

	cm->tranche_mark = at;
	if (!get_map(c, n, at, "tranche ({of, percent})", keys, 2, v, m))
		return;
	need(c, v[0], at, "tranche of");
	need(c, v[1], at, "tranche percent");
	if (has(v[0]))
		cm->tranche_of = ref(c, v[0], m[0], "tranche of", agreement_commitment_index,
		                     cm->id ? cm->id : "?");
	if (has(v[1]) && get_uint(c, v[1], m[1], "tranche percent", 1000, &p)) {
		if (p == 0 || p > 100)
			problem(c, node_mark(v[1], m[1]), ARM_ERULE, "tranche-invalid",
			        "commitment \"%s\": a tranche is 1 to 100 percent",
			        cm->id ? cm->id : "?");
		cm->tranche_pct = (int64_t)p;
	}
}

static void
parse_commitment(struct ctx *c, size_t ci, struct fy_node *item, struct agreement_mark at)
{
	static const char *const keys[] = {"id",       "owner",    "owners",   "phase",  "category",
	                                   "text",     "requires", "together", "verify", "due",
	                                   "standing", "area",     "quantity", "tranche"};
	enum {
		K_ID,
		K_OWNER,
		K_OWNERS,
		K_PHASE,
		K_CATEGORY,
		K_TEXT,
		K_REQUIRES,
		K_TOGETHER,
		K_VERIFY,
		K_DUE,
		K_STANDING,
		K_AREA,
		K_QTY,
		K_TRANCHE,
		K_N
	};
	struct agreement *a = c->a;
	struct agreement_commitment *cm = &a->commitments[ci];
	struct fy_node *v[K_N];
	struct agreement_mark m[K_N];
	const char *who;
	size_t k;

	if (!get_map(c, item, at, "a commitment", keys, K_N, v, m))
		return;
	who = cm->id ? cm->id : "?";
	if (has(v[K_OWNER]) == has(v[K_OWNERS])) {
		problem(c, cm->mark, ARM_ESYNTAX, has(v[K_OWNER]) ? "bad-value" : "missing-key",
		        "commitment \"%s\" needs exactly one of owner and owners", who);
	} else if (has(v[K_OWNER])) {
		cm->owners = xcalloc(c, 1, sizeof(size_t), cm->mark);
		if (cm->owners != NULL) {
			cm->owners[0] =
			    ref(c, v[K_OWNER], m[K_OWNER], "owner", agreement_actor_index, who);
			cm->nowners = cm->owners[0] != AGREEMENT_NONE;
		}
	} else {
		cm->owners = ref_list(c, v[K_OWNERS], m[K_OWNERS], "owner", agreement_actor_index,
		                      who, &cm->nowners);
		if (fy_node_get_type(v[K_OWNERS]) == FYNT_SEQUENCE &&
		    fy_node_sequence_item_count(v[K_OWNERS]) == 0)
			problem(c, m[K_OWNERS], ARM_ERULE, "missing-key",
			        "commitment \"%s\": owners is empty", who);
	}
	/* Any actor may own a commitment: a mission's own tasks are tracked too. */
	(void)k;
	{
		char what[AGREEMENT_ID_MAX + 64];
		snprintf(what, sizeof(what), "commitment \"%s\": phase", who);
		need(c, v[K_PHASE], cm->mark, what);
		snprintf(what, sizeof(what), "commitment \"%s\": text", who);
		need(c, v[K_TEXT], cm->mark, what);
	}
	if (has(v[K_PHASE]))
		cm->phase = ref(c, v[K_PHASE], m[K_PHASE], "phase", agreement_phase_index, who);
	if (has(v[K_TEXT]))
		cm->text = text_dup(c, v[K_TEXT], m[K_TEXT], "commitment text", &cm->texts);
	if (has(v[K_CATEGORY]))
		cm->category = id_dup(c, v[K_CATEGORY], m[K_CATEGORY], "category");
	if (has(v[K_REQUIRES])) {
		cm->requires = ref_list(c, v[K_REQUIRES], m[K_REQUIRES], "requires",
		                        agreement_commitment_index, who, &cm->nrequires);
		for (k = 0; k < cm->nrequires; k++)
			if (cm->requires[k] == ci)
				problem(c, m[K_REQUIRES], ARM_ERULE, "requires-cycle",
				        "commitment \"%s\" requires itself", who);
	}
	if (has(v[K_TOGETHER]))
		add_together(c, cm, ci, v[K_TOGETHER], m[K_TOGETHER]);
	if (has(v[K_STANDING]))
		parse_standing(c, cm, v[K_STANDING], m[K_STANDING]);
	/* owners first: mutual verification depends on how many there are */
	if (has(v[K_QTY]))
		parse_quantity(c, cm, v[K_QTY], m[K_QTY]);
	if (has(v[K_TRANCHE]))
		parse_tranche(c, cm, v[K_TRANCHE], m[K_TRANCHE]);
	if (cm->tranche_of != AGREEMENT_NONE && cm->standing.standing)
		problem(c, m[K_TRANCHE], ARM_ERULE, "tranche-invalid",
		        "commitment \"%s\": a standing obligation is not a tranche", who);
	if (v[K_VERIFY] != NULL)
		parse_verify(c, cm, v[K_VERIFY], m[K_VERIFY]);
	else if (!cm->standing.standing && !has(v[K_TRANCHE]))
		problem(c, cm->mark, ARM_ERULE, "verify-missing",
		        "commitment \"%s\" has no verify: write verify: none if a claim is enough",
		        who);
	if (has(v[K_DUE]))
		parse_due(c, cm, v[K_DUE], m[K_DUE]);
	if (has(v[K_AREA]))
		cm->area = geojson_text(c, v[K_AREA], m[K_AREA], "commitment area", &cm->area_len);
	if (cm->area != NULL) {
		struct arm_err err = {ARM_OK, ""};
		char label[96];

		snprintf(label, sizeof(label), "area of commitment '%.64s'", who);
		if (geo_check_geojson(label, cm->area, cm->area_len, &err) != ARM_OK)
			problem(c, node_mark(v[K_AREA], m[K_AREA]), err.rc, "zone-geometry", "%s",
			        err.msg);
	}
}

/*
 * Every zone's geometry is checked as the engine will read it (geo.h
 * geo_check_zone), so that an agreement that signs and inits never fails
 * later inside GEOS, in append or serve: a zone that a standing commitment
 * names must be one the engine can test a point against; any other zone
 * must be well-formed, valid GeoJSON.
 */
static void
check_zones(struct ctx *c)
{
	const struct agreement *a = c->a;
	size_t i, k, j;

	for (i = 0; a->zones != NULL && i < a->nzones; i++) {
		const struct agreement_zone *z = &a->zones[i];
		struct arm_err err = {ARM_OK, ""};
		char label[96];
		bool standing = false;
		int rc;

		if (z->geojson == NULL || z->id == NULL)
			continue;
		for (k = 0; a->commitments != NULL && k < a->ncommitments && !standing; k++)
			for (j = 0; j < a->commitments[k].standing.nzones; j++)
				if (a->commitments[k].standing.zones != NULL &&
				    a->commitments[k].standing.zones[j] == i)
					standing = true;
		snprintf(label, sizeof(label), "zone '%.64s'", z->id);
		rc = standing ? geo_check_zone(z->id, z->geojson, z->geojson_len, &err)
		              : geo_check_geojson(label, z->geojson, z->geojson_len, &err);
		if (rc == ARM_OK)
			continue;
		if (z->file != NULL)
			problem(c, z->mark, err.rc, "zone-geometry", "zone file \"%.80s\": %s",
			        z->file, err.msg);
		else
			problem(c, z->mark, err.rc, "zone-geometry", "%s", err.msg);
	}
}

/* ------------------------------------------------------------------ */
/* The requires graph                                                  */

/*
 * Kahn's algorithm gives the topological order; whatever is left lies on or
 * behind a cycle. Each cycle is reported once, as a path, so the staff can
 * see which requires to drop.
 */
static void
check_graph(struct ctx *c)
{
	struct agreement *a = c->a;
	size_t n = a->ncommitments, i, k, head = 0, tail = 0, nedges = 0;
	size_t *indeg = NULL, *queue = NULL, *users = NULL, *ustart = NULL, *fill = NULL;
	size_t *next = NULL, *stack = NULL;
	unsigned char *state = NULL;
	struct agreement_mark m0 = {1, 1};

	if (n == 0)
		return;
	for (i = 0; i < n; i++)
		nedges += a->commitments[i].nrequires;
	indeg = calloc(n, sizeof(size_t));
	queue = calloc(n, sizeof(size_t));
	ustart = calloc(n + 1, sizeof(size_t));
	fill = calloc(n, sizeof(size_t));
	next = calloc(n, sizeof(size_t));
	stack = calloc(n, sizeof(size_t));
	state = calloc(n, 1);
	users = calloc(nedges ? nedges : 1, sizeof(size_t));
	if (!indeg || !queue || !ustart || !fill || !next || !stack || !state || !users) {
		oom(c, m0);
		goto out;
	}
	/* users of j = the commitments that require j, in CSR layout */
	for (i = 0; i < n; i++) {
		indeg[i] = a->commitments[i].nrequires;
		for (k = 0; k < a->commitments[i].nrequires; k++)
			ustart[a->commitments[i].requires[k] + 1]++;
	}
	for (i = 0; i < n; i++)
		ustart[i + 1] += ustart[i];
	for (i = 0; i < n; i++)
		for (k = 0; k < a->commitments[i].nrequires; k++) {
			size_t j = a->commitments[i].requires[k];
			users[ustart[j] + fill[j]++] = i;
		}
	for (i = 0; i < n; i++)
		if (indeg[i] == 0)
			queue[tail++] = i;
	while (head < tail) {
		size_t j = queue[head++];
		for (k = ustart[j]; k < ustart[j + 1]; k++)
			if (--indeg[users[k]] == 0)
				queue[tail++] = users[k];
	}
	if (tail == n) {
		a->topo = queue;
		queue = NULL;
	}
	/*
	 * What Kahn left has indeg > 0: each such node requires another such
	 * node, so following those edges must repeat a node. state: 0 unseen,
	 * 1 on this walk, 2 seen on an earlier walk (its cycle is reported).
	 */
	for (i = 0; tail < n && i < n; i++) {
		size_t cur = i, s;
		if (indeg[i] == 0 || state[i] != 0)
			continue;
		while (state[cur] == 0) {
			state[cur] = 1;
			for (k = 0; k < a->commitments[cur].nrequires; k++)
				if (indeg[a->commitments[cur].requires[k]] != 0)
					break;
			next[cur] = a->commitments[cur].requires[k];
			cur = next[cur];
		}
		if (state[cur] == 1) {
			char path[ARM_ERR_MAX];
			size_t plen = 0;
			s = cur;
			do {
				int w = snprintf(path + plen, sizeof(path) - plen, "%s -> ",
				                 a->commitments[s].id ? a->commitments[s].id : "?");
				if (w < 0 || (size_t)w >= sizeof(path) - plen)
					break;
				plen += (size_t)w;
				s = next[s];
			} while (s != cur);
			problem(c, a->commitments[cur].mark, ARM_ERULE, "requires-cycle",
			        "requires form a cycle: %s%s", path,
			        a->commitments[cur].id ? a->commitments[cur].id : "?");
		}
		for (s = 0; s < n; s++)
			if (state[s] == 1)
				state[s] = 2;
	}
	/*
	 * together: members take effect only when all are verified, so a member
	 * that requires another member (directly or not) could never take effect.
	 */
	for (i = 0; i < a->ntogethers; i++) {
		struct agreement_together *t = &a->togethers[i];
		if (t->nmembers < 2) {
			problem(c, a->commitments[t->members[0]].mark, ARM_ERULE, "together-single",
			        "together group \"%s\" has only commitment \"%s\"; a simultaneity "
			        "group "
			        "needs two or more",
			        t->id, a->commitments[t->members[0]].id);
			continue;
		}
		for (k = 0; k < t->nmembers; k++) {
			size_t top = 0, j, r;
			memset(state, 0, n);
			stack[top++] = t->members[k];
			state[t->members[k]] = 1;
			while (top > 0) {
				size_t cur = stack[--top];
				for (r = 0; r < a->commitments[cur].nrequires; r++) {
					size_t q = a->commitments[cur].requires[r];
					if (state[q])
						continue;
					state[q] = 1;
					stack[top++] = q;
				}
			}
			for (j = 0; j < t->nmembers; j++)
				if (j != k && state[t->members[j]])
					problem(c, a->commitments[t->members[k]].mark, ARM_ERULE,
					        "together-requires",
					        "commitment \"%s\" requires \"%s\" but both are in "
					        "together group "
					        "\"%s\": neither could ever take effect",
					        a->commitments[t->members[k]].id,
					        a->commitments[t->members[j]].id, t->id);
		}
	}
out:
	free(indeg);
	free(queue);
	free(ustart);
	free(fill);
	free(next);
	free(stack);
	free(state);
	free(users);
}

/* ------------------------------------------------------------------ */
/* The document                                                        */

/* Collects libfyaml's messages; the parser stops at its first error. */
static void
fy_collect(struct fy_diag *d, void *user, const char *s, size_t len)
{
	(void)d;
	/* past the cap the text is cut; the first error line is what we use */
	if (buf_append(user, s, len, NULL) != ARM_OK)
		return;
}

static void
report_yaml_errors(struct ctx *c, struct fy_diag *diag, const struct buf *out)
{
	const char *s = out->data ? (const char *)out->data : "";
	const char *hit = strstr(s, ": error: ");
	struct agreement_mark m = {1, 1};
	struct fy_diag_error *de;
	void *it = NULL;

	/*
	 * Errors on a token are collected (fy_diag_set_collect_errors) and the
	 * message built here: libfyaml 0.7.12 crashes formatting the source
	 * excerpt it prints with them (fy_diag_error_atom_display, reached by
	 * a hostile agreement: fuzz/regress/agreement/libfyaml-*).
	 */
	while ((de = fy_diag_errors_iterate(diag, &it)) != NULL) {
		if (de->type != FYET_ERROR || de->msg == NULL)
			continue;
		if (de->line > 0 && de->column > 0) {
			m.line = (uint32_t)de->line;
			m.col = (uint32_t)de->column;
		}
		problem(c, m, ARM_ESYNTAX, "yaml-syntax", "%.200s", de->msg);
		return;
	}
	if (hit == NULL) {
		problem(c, m, ARM_ESYNTAX, "yaml-syntax", "the document is not valid YAML");
		return;
	}
	{
		/* the position is "...:LINE:COL: error: msg" */
		const char *p = hit, *colon2, *colon1;
		unsigned long l = 0, col = 0;
		const char *end = strchr(hit + 9, '\n');
		int mlen = end ? (int)(end - (hit + 9)) : (int)strlen(hit + 9);
		colon2 = p;
		while (colon2 > s && colon2[-1] != ':')
			colon2--;
		if (colon2 > s + 1) {
			colon1 = colon2 - 1;
			while (colon1 > s && colon1[-1] != ':')
				colon1--;
			l = strtoul(colon1, NULL, 10);
			col = strtoul(colon2, NULL, 10);
		}
		if (l > 0 && l < UINT32_MAX && col < UINT32_MAX) {
			m.line = (uint32_t)l;
			m.col = (uint32_t)col;
		}
		problem(c, m, ARM_ESYNTAX, "yaml-syntax", "%.*s", mlen > 200 ? 200 : mlen, hit + 9);
	}
}

/*
 * effective: "YYYY-MM-DD" (the first second of that day in the agreement's
 * zone) or "YYYY-MM-DDTHH:MM:SS" with Z or an offset (the 1953 armistice
 * took effect at 22:00 KST, 12 hours after it was signed).
 */
static void
parse_effective(struct ctx *c, struct fy_node *n, struct agreement_mark at)
{
	struct agreement *a = c->a;
	size_t len = 0;
	const char *s = is_scalar(n) ? fy_node_get_scalar(n, &len) : NULL;
	int32_t y, mo, d, off;
	int hh, mi, ss;

	if (s != NULL && len == 10 && agreement_date_parse(s, 10, &y, &mo, &d) == 0) {
		a->effective = agreement_days_from_civil(y, mo, d) * 86400 - a->tz_offset;
		a->has_effective = true;
		return;
	}
	if (s != NULL && len >= 20 && s[10] == 'T' &&
	    agreement_date_parse(s, 10, &y, &mo, &d) == 0 &&
	    agreement_clock_parse(s + 11, 8, &hh, &mi, &ss) == 0 &&
	    agreement_offset_parse(s + 19, len - 19, &off) == 0) {
		a->effective =
		    agreement_days_from_civil(y, mo, d) * 86400 + hh * 3600 + mi * 60 + ss - off;
		a->has_effective = true;
		return;
	}
	problem(c, node_mark(n, at), ARM_ESYNTAX, "effective-invalid",
	        "effective must be a date YYYY-MM-DD or a time YYYY-MM-DDTHH:MM:SS with Z or "
	        "+HH:MM (quote it)");
}

/*
 * arbiter: an actor id, or {by: [actor ids], quorum: k} (quorum defaults
 * to all of by). docs/rules.md "Who decides".
 */
static void
parse_arbiter(struct ctx *c, struct fy_node *n, struct agreement_mark at)
{
	static const char *const keys[] = {"by", "quorum"};
	struct agreement_arbiter *ar = &c->a->arbiter;
	struct fy_node *v[2];
	struct agreement_mark m[2];

	if (is_scalar(n)) {
		ar->by = xcalloc(c, 1, sizeof(size_t), at);
		if (ar->by == NULL)
			return;
		ar->by[0] = ref(c, n, at, "arbiter", agreement_actor_index, "(arbiter)");
		ar->nby = ar->by[0] != AGREEMENT_NONE;
		ar->quorum = 1;
		return;
	}
	if (!get_map(c, n, at, "arbiter (an actor or {by, quorum})", keys, 2, v, m))
		return;
	need(c, v[0], at, "arbiter by");
	if (has(v[0])) {
		ar->by = ref_list(c, v[0], m[0], "arbiter", agreement_actor_index, "(arbiter)",
		                  &ar->nby);
		if (ar->nby == 0 && fy_node_get_type(v[0]) == FYNT_SEQUENCE)
			problem(c, m[0], ARM_ERULE, "quorum-zero", "arbiter by is empty");
	}
	ar->quorum = ar->nby;
	if (has(v[1])) {
		uint64_t q;
		if (get_uint(c, v[1], m[1], "arbiter quorum", AGREEMENT_MAX_ITEMS, &q)) {
			if (q == 0)
				problem(c, node_mark(v[1], m[1]), ARM_ERULE, "quorum-zero",
				        "arbiter quorum must be at least 1");
			else if (q > ar->nby)
				problem(c, node_mark(v[1], m[1]), ARM_ERULE, "quorum-too-large",
				        "arbiter quorum %llu exceeds the %zu actors in by",
				        (unsigned long long)q, ar->nby);
			ar->quorum = (size_t)q;
		}
	}
}

/* findings: {by: [actor ids]}: whose findings confirm an incident. */
static void
parse_findings(struct ctx *c, struct fy_node *n, struct agreement_mark at)
{
	static const char *const keys[] = {"by"};
	struct fy_node *v[1];
	struct agreement_mark m[1];

	if (!get_map(c, n, at, "findings ({by: [actors]})", keys, 1, v, m))
		return;
	need(c, v[0], at, "findings by");
	if (!has(v[0]))
		return;
	c->a->finders = ref_list(c, v[0], m[0], "findings by", agreement_actor_index, "(findings)",
	                         &c->a->nfinders);
	c->a->has_finders = true;
	if (fy_node_get_type(v[0]) == FYNT_SEQUENCE && fy_node_sequence_item_count(v[0]) == 0)
		problem(c, m[0], ARM_ERULE, "missing-key",
		        "findings by must name at least one actor (leave findings out for every "
		        "verifier)");
}

/*
 * reference_line: {name, zone, positive: north|south|east|west, party}
 * (docs/agreement.md "Places"); the line itself is checked with the zones.
 */
static void
parse_line(struct ctx *c, struct fy_node *n, struct agreement_mark at)
{
	static const char *const keys[] = {"name", "zone", "positive", "party"};
	struct agreement_line *l = &c->a->line;
	struct fy_node *v[4];
	struct agreement_mark m[4];
	int i;

	l->mark = node_mark(n, at);
	if (!get_map(c, n, at, "reference_line", keys, 4, v, m))
		return;
	need(c, v[0], l->mark, "reference_line name");
	need(c, v[1], l->mark, "reference_line zone");
	need(c, v[2], l->mark, "reference_line positive");
	if (has(v[0]))
		l->name = scalar_dup(c, v[0], m[0], "reference_line name");
	if (has(v[1]))
		l->zone = ref(c, v[1], m[1], "reference_line zone", agreement_zone_index,
		              "(reference_line)");
	for (i = AGREEMENT_SIDE_NORTH; has(v[2]) && i <= AGREEMENT_SIDE_WEST; i++)
		if (scalar_is(v[2], agreement_side_name((enum agreement_side)i)))
			l->positive = (enum agreement_side)i;
	if (has(v[2]) && l->positive == AGREEMENT_SIDE_NONE)
		problem(c, node_mark(v[2], m[2]), ARM_ESYNTAX, "reference-line-side",
		        "reference_line positive must be north, south, east or west");
	if (has(v[3])) {
		l->party = ref(c, v[3], m[3], "reference_line party", agreement_actor_index,
		               "(reference_line)");
		if (l->party != AGREEMENT_NONE && c->a->actors[l->party].role != AGREEMENT_PARTY)
			problem(c, node_mark(v[3], m[3]), ARM_ERULE, "reference-line-party",
			        "reference_line party \"%s\" is not a party",
			        c->a->actors[l->party].id);
	}
	if (l->zone == AGREEMENT_NONE)
		l->positive = AGREEMENT_SIDE_NONE;
}

/* The reference line reads as a line with the named side (geo_check_line). */
static void
check_line(struct ctx *c)
{
	const struct agreement_line *l = &c->a->line;
	const struct agreement_zone *z;
	struct arm_err err = {ARM_OK, ""};
	char label[96];

	if (l->positive == AGREEMENT_SIDE_NONE || c->a->zones == NULL || l->zone >= c->a->nzones ||
	    (z = &c->a->zones[l->zone])->geojson == NULL)
		return;
	snprintf(label, sizeof(label), "reference line (zone '%.64s')", z->id);
	if (geo_check_line(label, z->geojson, z->geojson_len, (int)l->positive, &err) != ARM_OK)
		problem(c, l->mark, err.rc, "reference-line", "%s", err.msg);
}

static void
parse_root(struct ctx *c, struct fy_node *root)
{
	static const char *const keys[] = {
	    "armistice", "name",     "title",          "timezone",      "counting",    "log",
	    "actors",    "phases",   "incident_kinds", "zones",         "commitments", "effective",
	    "arbiter",   "findings", "language",       "reference_line"};
	enum {
		K_V,
		K_NAME,
		K_TITLE,
		K_TZ,
		K_COUNT,
		K_LOG,
		K_ACTORS,
		K_PHASES,
		K_KINDS,
		K_ZONES,
		K_COMMIT,
		K_EFF,
		K_ARB,
		K_FIND,
		K_LANG,
		K_LINE,
		K_N
	};
	struct agreement *a = c->a;
	struct fy_node *v[K_N];
	struct agreement_mark m[K_N];
	struct agreement_mark top = {1, 1};
	struct fy_node *item;
	void *it = NULL;
	size_t i, n;

	if (!get_map(c, root, top, "the agreement", keys, K_N, v, m))
		return;
	if (!scalar_is(v[K_V], "agreement/v1"))
		problem(c, v[K_V] ? node_mark(v[K_V], m[K_V]) : top, ARM_ESYNTAX,
		        v[K_V] ? "bad-value" : "missing-key",
		        "the document must start with armistice: agreement/v1");
	need(c, v[K_NAME], top, "name");
	need(c, v[K_TITLE], top, "title");
	need(c, v[K_TZ], top, "timezone");
	need(c, v[K_LOG], top, "log");
	need(c, v[K_ACTORS], top, "actors");
	need(c, v[K_PHASES], top, "phases");
	need(c, v[K_COMMIT], top, "commitments");
	if (has(v[K_NAME]))
		a->name = id_dup(c, v[K_NAME], m[K_NAME], "agreement name");
	if (has(v[K_LANG])) {
		const char *s = is_scalar(v[K_LANG]) ? fy_node_get_scalar(v[K_LANG], &n) : NULL;
		if (s == NULL || !agreement_lang_valid(s, n))
			problem(
			    c, node_mark(v[K_LANG], m[K_LANG]), ARM_ESYNTAX, "text-lang",
			    "language must be a language tag such as \"en\" or \"ko\" (BCP 47)");
		else
			memcpy(a->lang, s, n), a->lang[n] = '\0';
	}
	if (has(v[K_TITLE]))
		a->title = text_dup(c, v[K_TITLE], m[K_TITLE], "title", &a->titles);
	if (has(v[K_TZ])) {
		const char *s = is_scalar(v[K_TZ]) ? fy_node_get_scalar(v[K_TZ], &n) : NULL;
		if (s == NULL || agreement_offset_parse(s, n, &a->tz_offset) != 0)
			problem(c, node_mark(v[K_TZ], m[K_TZ]), ARM_ESYNTAX, "timezone-invalid",
			        "timezone must be a fixed UTC offset such as \"+09:00\" or \"Z\" "
			        "(quote it)");
	}
	if (has(v[K_COUNT])) {
		static const char *const ckeys[] = {"inclusive"};
		struct fy_node *cv[1];
		struct agreement_mark cmk[1];
		if (get_map(c, v[K_COUNT], m[K_COUNT], "counting", ckeys, 1, cv, cmk) && has(cv[0]))
			(void)get_bool(c, cv[0], cmk[0], "counting inclusive", &a->inclusive);
	}
	if (has(v[K_EFF]))
		parse_effective(c, v[K_EFF], m[K_EFF]);
	if (has(v[K_LOG]))
		parse_log(c, v[K_LOG], m[K_LOG]);
	if (has(v[K_ACTORS]))
		parse_actors(c, v[K_ACTORS], m[K_ACTORS]);
	if (has(v[K_PHASES]))
		parse_named(c, v[K_PHASES], m[K_PHASES], "phases", false);
	if (has(v[K_KINDS]))
		parse_named(c, v[K_KINDS], m[K_KINDS], "incident_kinds", true);
	if (has(v[K_ZONES]))
		parse_zones(c, v[K_ZONES], m[K_ZONES]);
	if (has(v[K_ARB]))
		parse_arbiter(c, v[K_ARB], m[K_ARB]);
	if (has(v[K_FIND]))
		parse_findings(c, v[K_FIND], m[K_FIND]);
	if (has(v[K_LINE]))
		parse_line(c, v[K_LINE], m[K_LINE]);
	if (!has(v[K_COMMIT]))
		return;
	n = commitment_ids(c, v[K_COMMIT], m[K_COMMIT]);
	for (i = 0; i < n && (item = fy_node_sequence_iterate(v[K_COMMIT], &it)) != NULL; i++)
		parse_commitment(c, i, item, m[K_COMMIT]);
	/* A tranche counts another commitment's quantity (forward references allowed). */
	for (i = 0; a->commitments != NULL && i < n; i++) {
		const struct agreement_commitment *cm = &a->commitments[i];
		if (cm->tranche_of == AGREEMENT_NONE)
			continue;
		if (cm->tranche_of == i || a->commitments[cm->tranche_of].qty_target == 0)
			problem(c, cm->tranche_mark, ARM_ERULE, "tranche-invalid",
			        "commitment \"%s\": a tranche of \"%s\", which has no quantity",
			        cm->id ? cm->id : "?", a->commitments[cm->tranche_of].id);
	}
	if (a->commitments != NULL)
		check_graph(c);
	check_zones(c);
	check_line(c);
}

int
agreement_parse(struct agreement *a, const uint8_t *yaml, size_t len, const char *fname,
                agreement_read_fn read_file, void *rctx, struct buf *diags, struct arm_err *e)
{
	struct ctx c;
	struct arm_err err = {ARM_OK, ""};
	struct fy_parse_cfg cfg;
	struct fy_diag_cfg dcfg;
	struct fy_diag *diag = NULL;
	struct fy_document *doc = NULL;
	struct buf fyout = BUF_INIT(8192);
	struct agreement_mark top = {1, 1};

	agreement_init(a);
	memset(&c, 0, sizeof(c));
	c.a = a;
	c.fname = fname != NULL ? fname : "agreement";
	c.diags = diags;
	c.read_file = read_file;
	c.rctx = rctx;

	if (len > AGREEMENT_MAX_SIZE)
		return arm_err_set(
		    e, ARM_ELIMIT,
		    "%s: limit: the agreement is %zu bytes, more than %u (it must fit in "
		    "one log entry with its signatures)",
		    c.fname, len, AGREEMENT_MAX_SIZE);
	/* The agreement is signed-note text (signed-note v1.0.0 §"Format"). */
	if (note_text_valid((const char *)yaml, len, &err) != ARM_OK)
		problem(&c, top, ARM_ESYNTAX, "agreement-bytes", "%s", err.msg);
	a->yaml = malloc(len + 1);
	a->file = strdup(c.fname);
	if (a->yaml == NULL || a->file == NULL) {
		agreement_release(a);
		return arm_err_set(e, ARM_ENOMEM, "%s: out of memory", c.fname);
	}
	memcpy(a->yaml, yaml, len);
	a->yaml[len] = '\0';
	a->yaml_len = len;
	hash_sha256(a->id, yaml, len);

	fy_diag_cfg_default(&dcfg);
	dcfg.fp = NULL;
	dcfg.output_fn = fy_collect;
	dcfg.user = &fyout;
	dcfg.colorize = false;
	dcfg.show_source = false;
	dcfg.show_position = true;
	diag = fy_diag_create(&dcfg);
	if (diag != NULL)
		fy_diag_set_collect_errors(diag, true);
	memset(&cfg, 0, sizeof(cfg));
	cfg.flags = FYPCF_QUIET | FYPCF_JSON_NONE;
	cfg.diag = diag;
	if (diag == NULL) {
		problem(&c, top, ARM_ENOMEM, "limit", "out of memory");
	} else if (c.nproblems > 0) {
		/*
		 * Bytes that are not note text are never a valid agreement, and
		 * libfyaml 0.7.12 can loop on some invalid UTF-8 after a '%'
		 * (found by fuzz_agreement): do not hand them to the parser.
		 */
	} else if (len == 0) {
		problem(&c, top, ARM_ESYNTAX, "yaml-syntax", "the document is empty");
	} else {
		doc = fy_document_build_from_string(&cfg, (const char *)a->yaml, len);
		if (doc == NULL) {
			report_yaml_errors(&c, diag, &fyout);
		} else {
			size_t before = c.nproblems;
			check_plain_yaml(&c, fy_document_root(doc), 0);
			if (c.nproblems == before)
				parse_root(&c, fy_document_root(doc));
		}
	}
	fy_document_destroy(doc);
	fy_diag_destroy(diag);
	buf_release(&fyout);

	if (c.nproblems > 0) {
		agreement_release(a);
		if (c.nproblems == 1)
			return arm_err_set(e, c.first_rc, "%s", c.first);
		return arm_err_set(e, c.first_rc, "%zu problems; first: %s", c.nproblems, c.first);
	}
	return ARM_OK;
}

/* ------------------------------------------------------------------ */
/* Files                                                               */

static int
read_bounded(int dirfd, const char *path, int flags, struct buf *out, struct arm_err *e)
{
	int fd, rc;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | flags);
	if (fd < 0)
		return arm_err_set(e, errno == ENOENT ? ARM_ENOTFOUND : ARM_EIO,
		                   "cannot open \"%s\": %s", path, strerror(errno));
	rc = buf_read_fd(out, fd, path, e);
	close(fd);
	return rc;
}

int
agreement_read_dir(void *dir, const char *relpath, struct buf *out, struct arm_err *e)
{
	int dirfd, rc;

	if (!relpath_ok(relpath))
		return arm_err_set(
		    e, ARM_EUSAGE,
		    "zone-file-path: \"%.80s\" must be a relative path without \"..\"", relpath);
	dirfd = open((const char *)dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return arm_err_set(e, errno == ENOENT ? ARM_ENOTFOUND : ARM_EIO,
		                   "cannot open directory \"%s\": %s", (const char *)dir,
		                   strerror(errno));
	/* a zone file that is a symlink could point anywhere on the machine */
	rc = read_bounded(dirfd, relpath, O_NOFOLLOW, out, e);
	close(dirfd);
	return rc;
}

int
agreement_load(struct agreement *a, const char *path, struct buf *diags, struct arm_err *e)
{
	struct buf b = BUF_INIT(AGREEMENT_MAX_SIZE);
	char dir[4096];
	const char *slash = strrchr(path, '/');
	int rc;

	agreement_init(a);
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else if ((size_t)(slash - path) >= sizeof(dir))
		return arm_err_set(e, ARM_EUSAGE, "path \"%.80s...\" is too long", path);
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	rc = read_bounded(AT_FDCWD, path, 0, &b, e);
	if (rc == ARM_OK)
		rc = agreement_parse(a, b.data ? b.data : (const uint8_t *)"", b.len, path,
		                     agreement_read_dir, dir, diags, e);
	buf_release(&b);
	return rc;
}
