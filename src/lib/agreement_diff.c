/*
 * agreement_diff.c - what an amendment changes: the semantic diff of two
 * agreements, one line per change (docs/agreement.md "Amendments").
 */
#include "agreement_int.h"

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
