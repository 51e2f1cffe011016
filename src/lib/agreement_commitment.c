/*
 * agreement_commitment.c - commitments: references to actors, phases and
 * other commitments, verification policies, due rules (dates, D+N,
 * after another), standing obligations, quantities and tranches, and the
 * requires graph (no cycles, no dangling or contradictory edges).
 */
#include "agreement_int.h"

/* Resolves a scalar id to an index with `find`, or reports unknown-id. */
size_t
agr_ref(struct ctx *c, struct fy_node *n, struct agreement_mark at, const char *what,
        size_t (*find)(const struct agreement *, const char *), const char *owner)
{
	char *id = agr_id_dup(c, n, at, what);
	size_t i;

	if (id == NULL)
		return AGREEMENT_NONE;
	i = find(c->a, id);
	if (i == AGREEMENT_NONE)
		agr_problem(c, agr_node_mark(n, at), ARM_ERULE, "unknown-id",
		            "commitment \"%s\": %s \"%s\" is not defined", owner, what, id);
	free(id);
	return i;
}

/* A list of ids (or a single id where single_ok) resolved with find. */
size_t *
agr_ref_list(struct ctx *c, struct fy_node *n, struct agreement_mark at, const char *what,
             size_t (*find)(const struct agreement *, const char *), const char *owner,
             size_t *count)
{
	struct fy_node *item;
	void *it = NULL;
	size_t *out, k = 0, i, j;

	*count = 0;
	if (!agr_get_seq(c, n, at, what, count))
		return NULL;
	out = agr_xcalloc(c, *count, sizeof(size_t), at);
	if (out == NULL) {
		*count = 0;
		return NULL;
	}
	while ((item = fy_node_sequence_iterate(n, &it)) != NULL && k < *count) {
		out[k] = agr_ref(c, item, at, what, find, owner);
		for (j = 0; out[k] != AGREEMENT_NONE && j < k; j++)
			if (out[j] == out[k])
				agr_problem(c, agr_node_mark(item, at), ARM_ERULE, "duplicate-id",
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

	if (agr_scalar_is(n, "none")) {
		cm->verify.kind = AGREEMENT_VERIFY_NONE;
		return;
	}
	if (!agr_get_map(c, n, at, "verify (or verify: none)", keys, 4, v, m))
		return;
	if (agr_has(v[3])) {
		char *s = agr_scalar_dup(c, v[3], m[3], "verify method");
		if (s != NULL && agreement_method_parse(s, &cm->verify.method) != 0)
			agr_problem(
			    c, agr_node_mark(v[3], m[3]), ARM_ESYNTAX, "bad-value",
			    "method \"%.40s\" is not one of self, media, imagery, on-site, mutual, "
			    "trilateral, forensic, investigation",
			    s);
		free(s);
	}
	if (agr_has(v[2]) && !agr_get_bool(c, v[2], m[2], "verify mutual", &mutual))
		return;
	if (mutual) {
		cm->verify.kind = AGREEMENT_VERIFY_MUTUAL;
		if (agr_has(v[0]) || agr_has(v[1]))
			agr_problem(
			    c, m[2], ARM_ESYNTAX, "bad-value",
			    "commitment \"%s\": verify has mutual: true and by/quorum; use one",
			    cm->id ? cm->id : "?");
		if (cm->nowners < 2)
			agr_problem(
			    c, m[2], ARM_ERULE, "mutual-needs-owners",
			    "commitment \"%s\": mutual verification needs two or more owners, "
			    "each verified by the others; name the verifier with by: instead",
			    cm->id ? cm->id : "?");
		return;
	}
	cm->verify.kind = AGREEMENT_VERIFY_BY;
	if (!agr_has(v[0])) {
		agr_problem(c, at, ARM_ESYNTAX, "missing-key",
		            "commitment \"%s\": verify needs by: [actors] or mutual: true",
		            cm->id ? cm->id : "?");
		return;
	}
	cm->verify.by = agr_ref_list(c, v[0], m[0], "verify by", agreement_actor_index,
	                             cm->id ? cm->id : "?", &cm->verify.nby);
	cm->verify.quorum = cm->verify.nby; /* default: all of them */
	if (agr_has(v[1])) {
		uint64_t q;
		if (agr_get_uint(c, v[1], m[1], "verify quorum", AGREEMENT_MAX_ITEMS, &q)) {
			size_t listed = (size_t)fy_node_sequence_item_count(v[0]);
			if (q == 0)
				agr_problem(
				    c, agr_node_mark(v[1], m[1]), ARM_ERULE, "quorum-zero",
				    "commitment \"%s\": verify quorum must be at least 1; write "
				    "verify: none for no verification",
				    cm->id ? cm->id : "?");
			else if (q > listed)
				agr_problem(c, agr_node_mark(v[1], m[1]), ARM_ERULE,
				            "quorum-too-large",
				            "commitment \"%s\": verify quorum %llu exceeds the %zu "
				            "actors in by",
				            cm->id ? cm->id : "?", (unsigned long long)q, listed);
			cm->verify.quorum = (size_t)q;
		}
	}
	if (fy_node_get_type(v[0]) == FYNT_SEQUENCE && fy_node_sequence_item_count(v[0]) == 0)
		agr_problem(c, m[0], ARM_ERULE, "quorum-zero",
		            "commitment \"%s\": verify by is empty", cm->id ? cm->id : "?");
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
	if (agr_is_scalar(n)) {
		s = fy_node_get_scalar(n, &len);
		dd = dday_parse(s, len, &cm->due.days, &cm->due.hours);
		if (dd < 0) {
			agr_problem(
			    c, agr_node_mark(n, at), ARM_ESYNTAX, "due-dday",
			    "commitment \"%s\": due \"%.*s\" is not D+N (days, at most %u) or D+Nh "
			    "(hours, at most %u)",
			    cm->id ? cm->id : "?", (int)(len > 40 ? 40 : len), s, DUE_MAX_DAYS,
			    DUE_MAX_HOURS);
			return;
		}
		if (dd > 0) {
			cm->due.kind = AGREEMENT_DUE_DDAY;
			if (!c->a->has_effective) {
				agr_problem(
				    c, agr_node_mark(n, at), ARM_ERULE, "due-dday",
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
			agr_problem(
			    c, agr_node_mark(n, at), ARM_ESYNTAX, "date-invalid",
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
	if (!agr_get_map(c, n, at, "due (a date, D+N, or {after, days|hours})", keys, 3, v, m))
		return;
	agr_need(c, v[0], at, "due after");
	if (agr_has(v[1]) == agr_has(v[2]))
		agr_problem(c, at, ARM_ERULE, "due-after-unit",
		            "commitment \"%s\": due after names exactly one of days or hours",
		            cm->id ? cm->id : "?");
	cm->due.kind = AGREEMENT_DUE_AFTER;
	cm->due.after = AGREEMENT_NONE;
	if (agr_has(v[0]))
		cm->due.after = agr_ref(c, v[0], m[0], "due after", agreement_commitment_index,
		                        cm->id ? cm->id : "?");
	if (cm->due.after != AGREEMENT_NONE && &c->a->commitments[cm->due.after] == cm)
		agr_problem(c, agr_node_mark(v[0], m[0]), ARM_ERULE, "requires-cycle",
		            "commitment \"%s\" is due after itself", cm->id ? cm->id : "?");
	if (agr_has(v[1])) {
		uint64_t d;
		if (agr_get_uint(c, v[1], m[1], "due days", DUE_MAX_DAYS, &d))
			cm->due.days = (int64_t)d;
	} else if (agr_has(v[2])) {
		uint64_t h;
		if (agr_get_uint(c, v[2], m[2], "due hours", DUE_MAX_HOURS, &h))
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

	if (!agr_get_map(c, n, at, "standing", keys, 4, v, m))
		return;
	if (agr_has(v[2])) {
		static const char *const tkeys[] = {"violations", "days"};
		struct fy_node *tv[2];
		struct agreement_mark tm[2];
		uint64_t nv = 0, nd = 0;
		if (agr_get_map(c, v[2], m[2], "standing threshold ({violations, days})", tkeys, 2,
		                tv, tm)) {
			agr_need(c, tv[0], m[2], "threshold violations");
			agr_need(c, tv[1], m[2], "threshold days");
			if (agr_has(tv[0]) &&
			    agr_get_uint(c, tv[0], tm[0], "threshold violations", 1000000, &nv) &&
			    nv == 0)
				agr_problem(
				    c, agr_node_mark(tv[0], tm[0]), ARM_ERULE, "threshold-invalid",
				    "commitment \"%s\": a threshold counts at least 1 violation",
				    who);
			if (agr_has(tv[1]) &&
			    agr_get_uint(c, tv[1], tm[1], "threshold days", 36600, &nd) && nd == 0)
				agr_problem(
				    c, agr_node_mark(tv[1], tm[1]), ARM_ERULE, "threshold-invalid",
				    "commitment \"%s\": a threshold window is at least 1 day", who);
			cm->standing.violations = (size_t)nv;
			cm->standing.days = (int64_t)nd;
		}
	}
	if (agr_has(v[3]))
		(void)agr_get_bool(c, v[3], m[3], "standing protect", &cm->standing.protect);
	cm->standing.standing = true;
	agr_need(c, v[0], at, "standing breached_by");
	if (agr_has(v[0])) {
		cm->standing.breached_by =
		    agr_ref_list(c, v[0], m[0], "breached_by incident kind", agreement_kind_index,
		                 who, &cm->standing.nbreached_by);
		if (fy_node_get_type(v[0]) == FYNT_SEQUENCE &&
		    fy_node_sequence_item_count(v[0]) == 0)
			agr_problem(
			    c, m[0], ARM_ERULE, "missing-key",
			    "commitment \"%s\": breached_by must name at least one incident kind",
			    who);
	}
	if (agr_has(v[1]))
		cm->standing.zones = agr_ref_list(c, v[1], m[1], "standing zone",
		                                  agreement_zone_index, who, &cm->standing.nzones);
}

/* First pass over commitments: ids only, so references can point forward. */
size_t
agr_commitment_ids(struct ctx *c, struct fy_node *n, struct agreement_mark at)
{
	struct agreement *a = c->a;
	struct fy_node *item;
	void *it = NULL;
	size_t count, i = 0;

	if (!agr_get_seq(c, n, at, "commitments", &count))
		return 0;
	if (count == 0)
		agr_problem(c, at, ARM_ERULE, "missing-key",
		            "commitments must list at least one commitment");
	a->commitments = agr_xcalloc(c, count, sizeof(*a->commitments), at);
	if (a->commitments == NULL)
		return 0;
	a->ncommitments = count;
	while ((item = fy_node_sequence_iterate(n, &it)) != NULL && i < count) {
		struct agreement_commitment *cm = &a->commitments[i++];
		struct fy_node *idn = NULL;

		cm->mark = agr_node_mark(item, at);
		cm->phase = AGREEMENT_NONE;
		cm->together = AGREEMENT_NONE;
		cm->due.after = AGREEMENT_NONE;
		cm->tranche_of = AGREEMENT_NONE;
		if (fy_node_get_type(item) == FYNT_MAPPING)
			idn = fy_node_mapping_lookup_by_string(item, "id", 2);
		if (agr_has(idn))
			cm->id = agr_id_dup(c, idn, cm->mark, "commitment id");
		else
			agr_problem(c, cm->mark, ARM_ESYNTAX, "missing-key",
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
	char *id = agr_id_dup(c, n, at, "together group");
	size_t ti;

	if (id == NULL)
		return;
	if (agreement_commitment_index(a, id) != AGREEMENT_NONE)
		agr_problem(c, agr_node_mark(n, at), ARM_ERULE, "duplicate-id",
		            "together group \"%s\" has the name of a commitment", id);
	ti = agr_together_index(a, id);
	if (ti == AGREEMENT_NONE) {
		grown = realloc(a->togethers, (a->ntogethers + 1) * sizeof(*a->togethers));
		if (grown == NULL) {
			free(id);
			agr_oom(c, at);
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
		agr_oom(c, at);
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

	if (!agr_get_map(c, n, at, "quantity ({target, unit})", keys, 2, v, m))
		return;
	agr_need(c, v[0], at, "quantity target");
	agr_need(c, v[1], at, "quantity unit");
	if (agr_has(v[0]) && agr_get_uint(c, v[0], m[0], "quantity target", 999999999999ull, &t)) {
		if (t == 0)
			agr_problem(c, agr_node_mark(v[0], m[0]), ARM_ERULE, "quantity-invalid",
			            "commitment \"%s\": a quantity target is at least 1",
			            cm->id ? cm->id : "?");
		cm->qty_target = (int64_t)t * 1000000;
	}
	if (agr_has(v[1]))
		cm->qty_unit = agr_id_dup(c, v[1], m[1], "quantity unit");
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
	if (!agr_get_map(c, n, at, "tranche ({of, percent})", keys, 2, v, m))
		return;
	agr_need(c, v[0], at, "tranche of");
	agr_need(c, v[1], at, "tranche percent");
	if (agr_has(v[0]))
		cm->tranche_of = agr_ref(c, v[0], m[0], "tranche of", agreement_commitment_index,
		                         cm->id ? cm->id : "?");
	if (agr_has(v[1]) && agr_get_uint(c, v[1], m[1], "tranche percent", 1000, &p)) {
		if (p == 0 || p > 100)
			agr_problem(c, agr_node_mark(v[1], m[1]), ARM_ERULE, "tranche-invalid",
			            "commitment \"%s\": a tranche is 1 to 100 percent",
			            cm->id ? cm->id : "?");
		cm->tranche_pct = (int64_t)p;
	}
}

void
agr_parse_commitment(struct ctx *c, size_t ci, struct fy_node *item, struct agreement_mark at)
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

	if (!agr_get_map(c, item, at, "a commitment", keys, K_N, v, m))
		return;
	who = cm->id ? cm->id : "?";
	if (agr_has(v[K_OWNER]) == agr_has(v[K_OWNERS])) {
		agr_problem(c, cm->mark, ARM_ESYNTAX,
		            agr_has(v[K_OWNER]) ? "bad-value" : "missing-key",
		            "commitment \"%s\" needs exactly one of owner and owners", who);
	} else if (agr_has(v[K_OWNER])) {
		cm->owners = agr_xcalloc(c, 1, sizeof(size_t), cm->mark);
		if (cm->owners != NULL) {
			cm->owners[0] =
			    agr_ref(c, v[K_OWNER], m[K_OWNER], "owner", agreement_actor_index, who);
			cm->nowners = cm->owners[0] != AGREEMENT_NONE;
		}
	} else {
		cm->owners = agr_ref_list(c, v[K_OWNERS], m[K_OWNERS], "owner",
		                          agreement_actor_index, who, &cm->nowners);
		if (fy_node_get_type(v[K_OWNERS]) == FYNT_SEQUENCE &&
		    fy_node_sequence_item_count(v[K_OWNERS]) == 0)
			agr_problem(c, m[K_OWNERS], ARM_ERULE, "missing-key",
			            "commitment \"%s\": owners is empty", who);
	}
	/* Any actor may own a commitment: a mission's own tasks are tracked too. */
	(void)k;
	{
		char what[AGREEMENT_ID_MAX + 64];
		snprintf(what, sizeof(what), "commitment \"%s\": phase", who);
		agr_need(c, v[K_PHASE], cm->mark, what);
		snprintf(what, sizeof(what), "commitment \"%s\": text", who);
		agr_need(c, v[K_TEXT], cm->mark, what);
	}
	if (agr_has(v[K_PHASE]))
		cm->phase = agr_ref(c, v[K_PHASE], m[K_PHASE], "phase", agreement_phase_index, who);
	if (agr_has(v[K_TEXT]))
		cm->text = agr_text_dup(c, v[K_TEXT], m[K_TEXT], "commitment text", &cm->texts);
	if (agr_has(v[K_CATEGORY]))
		cm->category = agr_id_dup(c, v[K_CATEGORY], m[K_CATEGORY], "category");
	if (agr_has(v[K_REQUIRES])) {
		cm->requires = agr_ref_list(c, v[K_REQUIRES], m[K_REQUIRES], "requires",
		                            agreement_commitment_index, who, &cm->nrequires);
		for (k = 0; k < cm->nrequires; k++)
			if (cm->requires[k] == ci)
				agr_problem(c, m[K_REQUIRES], ARM_ERULE, "requires-cycle",
				            "commitment \"%s\" requires itself", who);
	}
	if (agr_has(v[K_TOGETHER]))
		add_together(c, cm, ci, v[K_TOGETHER], m[K_TOGETHER]);
	if (agr_has(v[K_STANDING]))
		parse_standing(c, cm, v[K_STANDING], m[K_STANDING]);
	/* owners first: mutual verification depends on how many there are */
	if (agr_has(v[K_QTY]))
		parse_quantity(c, cm, v[K_QTY], m[K_QTY]);
	if (agr_has(v[K_TRANCHE]))
		parse_tranche(c, cm, v[K_TRANCHE], m[K_TRANCHE]);
	if (cm->tranche_of != AGREEMENT_NONE && cm->standing.standing)
		agr_problem(c, m[K_TRANCHE], ARM_ERULE, "tranche-invalid",
		            "commitment \"%s\": a standing obligation is not a tranche", who);
	if (v[K_VERIFY] != NULL)
		parse_verify(c, cm, v[K_VERIFY], m[K_VERIFY]);
	else if (!cm->standing.standing && !agr_has(v[K_TRANCHE]))
		agr_problem(
		    c, cm->mark, ARM_ERULE, "verify-missing",
		    "commitment \"%s\" has no verify: write verify: none if a claim is enough",
		    who);
	if (agr_has(v[K_DUE]))
		parse_due(c, cm, v[K_DUE], m[K_DUE]);
	if (agr_has(v[K_AREA]))
		cm->area =
		    agr_geojson_text(c, v[K_AREA], m[K_AREA], "commitment area", &cm->area_len);
	if (cm->area != NULL) {
		struct arm_err err = {ARM_OK, ""};
		char label[96];

		snprintf(label, sizeof(label), "area of commitment '%.64s'", who);
		if (geo_check_geojson(label, cm->area, cm->area_len, &err) != ARM_OK)
			agr_problem(c, agr_node_mark(v[K_AREA], m[K_AREA]), err.rc, "zone-geometry",
			            "%s", err.msg);
	}
}

/*
 * Every zone's geometry is checked as the engine will read it (geo.h
 * geo_check_zone), so that an agreement that signs and inits never fails
 * later inside GEOS, in append or serve: a zone that a standing commitment
 * names must be one the engine can test a point against; any other zone
 * must be well-formed, valid GeoJSON.
 */
void
agr_check_zones(struct ctx *c)
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
			agr_problem(c, z->mark, err.rc, "zone-geometry", "zone file \"%.80s\": %s",
			            z->file, err.msg);
		else
			agr_problem(c, z->mark, err.rc, "zone-geometry", "%s", err.msg);
	}
}

/* ------------------------------------------------------------------ */
/* The requires graph                                                  */

/*
 * Kahn's algorithm gives the topological order; whatever is left lies on or
 * behind a cycle. Each cycle is reported once, as a path, so the staff can
 * see which requires to drop.
 */
void
agr_check_graph(struct ctx *c)
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
		agr_oom(c, m0);
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
			agr_problem(c, a->commitments[cur].mark, ARM_ERULE, "requires-cycle",
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
			agr_problem(
			    c, a->commitments[t->members[0]].mark, ARM_ERULE, "together-single",
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
					agr_problem(
					    c, a->commitments[t->members[k]].mark, ARM_ERULE,
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
