/*
 * agreement.c - see agreement.h and docs/agreement.md.
 *
 * Two passes over the libfyaml document: the first collects every list and
 * its ids (so that references may point forward), the second resolves
 * references to indices; then the requires graph is checked. Problems are
 * collected, never returned early, so that the staff who wrote the file
 * get every problem in one run; the struct is emptied if there was any.
 */
#include "agreement_int.h"

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

static void
parse_actors(struct ctx *c, struct fy_node *n, struct agreement_mark at)
{
	static const char *const keys[] = {"id", "name", "role", "keys"};
	struct agreement *a = c->a;
	struct fy_node *item;
	void *it = NULL;
	size_t count, i = 0;

	if (!agr_get_seq(c, n, at, "actors", &count))
		return;
	if (count == 0)
		agr_problem(c, at, ARM_ERULE, "missing-key", "actors must name at least one party");
	a->actors = agr_xcalloc(c, count, sizeof(*a->actors), at);
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

		if (!agr_get_map(c, item, at, "an actor", keys, 4, v, m))
			continue;
		ac->mark = agr_node_mark(item, at);
		agr_need(c, v[0], ac->mark, "actor id");
		agr_need(c, v[1], ac->mark, "actor name");
		agr_need(c, v[2], ac->mark, "actor role");
		agr_need(c, v[3], ac->mark, "actor keys");
		if (agr_has(v[0]))
			ac->id = agr_id_dup(c, v[0], m[0], "actor id");
		if (agr_has(v[1]))
			ac->name = agr_text_dup(c, v[1], m[1], "actor name", &ac->names);
		if (agr_has(v[2])) {
			if (agr_scalar_is(v[2], "party"))
				ac->role = AGREEMENT_PARTY;
			else if (agr_scalar_is(v[2], "verifier"))
				ac->role = AGREEMENT_VERIFIER;
			else if (agr_scalar_is(v[2], "monitor"))
				ac->role = AGREEMENT_MONITOR;
			else
				agr_problem(
				    c, agr_node_mark(v[2], m[2]), ARM_ESYNTAX, "bad-value",
				    "actor \"%s\": role \"%.40s\" must be party, verifier or "
				    "monitor",
				    ac->id ? ac->id : "?",
				    agr_is_scalar(v[2]) ? fy_node_get_scalar(v[2], &nk) : "?");
		}
		if (!agr_has(v[3]) || !agr_get_seq(c, v[3], m[3], "actor keys", &nk))
			continue;
		if (nk == 0 || nk > AGREEMENT_MAX_KEYS) {
			agr_problem(c, agr_node_mark(v[3], m[3]), ARM_ERULE, "limit",
			            "an actor needs 1 to %d keys, not %zu", AGREEMENT_MAX_KEYS, nk);
			continue;
		}
		for (k = 0; (kn = fy_node_sequence_iterate(v[3], &kit)) != NULL; k++)
			if (agr_get_key(c, kn, m[3], "actor key", NOTE_KEY_ED25519,
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
						agr_problem(c, a->actors[i].mark, ARM_ERULE,
						            "duplicate-key",
						            "key \"%s\" of actor \"%s\" is already "
						            "listed for \"%s\"",
						            a->actors[i].keys[k].name,
						            a->actors[i].id ? a->actors[i].id : "?",
						            a->actors[j].id ? a->actors[j].id
						                            : "?");
	}
	if (a->actors != NULL && agreement_parties(a, NULL, 0) == 0 && count > 0)
		agr_problem(c, at, ARM_ERULE, "no-party", "actors must include at least one party");
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

	if (!agr_get_seq(c, n, at, what, &count))
		return;
	if (kinds) {
		a->kinds = agr_xcalloc(c, count, sizeof(*a->kinds), at);
		if (a->kinds == NULL)
			return;
		a->nkinds = count;
	} else {
		if (count == 0)
			agr_problem(c, at, ARM_ERULE, "missing-key",
			            "phases must list at least one phase");
		a->phases = agr_xcalloc(c, count, sizeof(*a->phases), at);
		if (a->phases == NULL)
			return;
		a->nphases = count;
	}
	while ((item = fy_node_sequence_iterate(n, &it)) != NULL && i < count) {
		struct fy_node *v[3];
		struct agreement_mark m[3];
		struct agreement_mark im = agr_node_mark(item, at);
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
		if (!agr_get_map(c, item, at, kinds ? "an incident kind" : "a phase",
		                 kinds ? kkeys : pkeys, kinds ? 3 : 2, v, m)) {
			i++;
			continue;
		}
		agr_need(c, v[0], im, "id");
		agr_need(c, v[1], im, "name");
		if (agr_has(v[0]))
			*id = agr_id_dup(c, v[0], m[0], kinds ? "incident kind id" : "phase id");
		if (agr_has(v[1]))
			*name = agr_text_dup(c, v[1], m[1], "name", names);
		if (kinds) {
			agr_need(c, v[2], im, "provocation (true or false)");
			if (agr_has(v[2]))
				(void)agr_get_bool(c, v[2], m[2], "provocation",
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

	if (none_ok && agr_scalar_is(n, "none")) {
		*out = -1;
		return true;
	}
	if (!agr_is_scalar(n) || agr_is_null(n) || (s = fy_node_get_scalar(n, &len)) == NULL ||
	    len < 2)
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
	agr_problem(c, agr_node_mark(n, at), ARM_ESYNTAX, "bad-value",
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

	if (!agr_get_map(c, n, at, "log clock", keys, 3, v, m))
		return;
	l->clock = true;
	if (agr_has(v[0]))
		(void)get_duration(c, v[0], m[0], "log clock future", false, &l->clock_future);
	if (agr_has(v[1]))
		(void)get_duration(c, v[1], m[1], "log clock backdate", true, &l->clock_backdate);
	if (agr_has(v[2])) {
		if (agr_scalar_is(v[2], "log"))
			l->clock_deadlines = true;
		else if (agr_scalar_is(v[2], "claimed"))
			l->clock_deadlines = false;
		else
			agr_problem(
			    c, agr_node_mark(v[2], m[2]), ARM_ESYNTAX, "bad-value",
			    "log clock deadlines must be \"log\" (judge deadlines on the log's "
			    "time) or \"claimed\" (on the time each entry states)");
	}
}

/* log.witnesses: ids and cosigner keys (C2SP tlog-cosignature). */
static void
parse_witnesses(struct ctx *c, struct fy_node *n, struct agreement_mark at, struct agreement_mark m)
{
	static const char *const wkeys[] = {"id", "key"};
	struct agreement_log *l = &c->a->log;
	struct fy_node *item;
	void *it = NULL;
	size_t count, i;

	if (!agr_get_seq(c, n, m, "witnesses", &count))
		return;
	l->witnesses = agr_xcalloc(c, count, sizeof(*l->witnesses), at);
	if (l->witnesses == NULL)
		return;
	l->nwitnesses = count;
	for (i = 0; (item = fy_node_sequence_iterate(n, &it)) != NULL && i < count; i++) {
		struct fy_node *w[2];
		struct agreement_mark wm[2];
		l->witnesses[i].mark = agr_node_mark(item, m);
		if (!agr_get_map(c, item, m, "a witness", wkeys, 2, w, wm))
			continue;
		agr_need(c, w[0], l->witnesses[i].mark, "witness id");
		agr_need(c, w[1], l->witnesses[i].mark, "witness key");
		if (agr_has(w[0]))
			l->witnesses[i].id = agr_id_dup(c, w[0], wm[0], "witness id");
		if (agr_has(w[1]))
			(void)agr_get_key(c, w[1], wm[1], "witness key", NOTE_KEY_COSIG_V1,
			                  &l->witnesses[i].key);
	}
	CHECK_DUPS(c, l->witnesses, l->nwitnesses, "witness");
}

/* One member of group i: a witness or an earlier group (C2SP tlog-policy). */
static size_t
quorum_group_member(struct ctx *c, size_t i, struct fy_node *mn, struct agreement_mark gm)
{
	struct agreement_log *l = &c->a->log;
	const struct agreement_group *g = &l->groups[i];
	char *id = agr_id_dup(c, mn, gm, "group member");
	size_t wi, gi = AGREEMENT_NONE, r = AGREEMENT_NONE;

	if (id == NULL)
		return AGREEMENT_NONE;
	wi = agr_witness_index(c->a, id);
	/* tlog-policy: names must be defined before use */
	for (size_t j = 0; j < i; j++)
		if (l->groups[j].id != NULL && strcmp(l->groups[j].id, id) == 0)
			gi = j;
	if (wi != AGREEMENT_NONE)
		r = wi;
	else if (gi != AGREEMENT_NONE)
		r = l->nwitnesses + gi;
	else if (agr_group_index(c->a, id) != AGREEMENT_NONE)
		agr_problem(
		    c, agr_node_mark(mn, gm), ARM_ERULE, "group-order",
		    "group \"%s\" names group \"%s\" before it is defined (C2SP tlog-policy)",
		    g->id ? g->id : "?", id);
	else
		agr_problem(c, agr_node_mark(mn, gm), ARM_ERULE, "unknown-id",
		            "group member \"%s\" is not a witness or an earlier group", id);
	free(id);
	return r;
}

/* Group i's members and threshold ("all", "any" or a count). */
static void
parse_group(struct ctx *c, size_t i, struct fy_node *item, struct agreement_mark m)
{
	static const char *const gkeys[] = {"id", "threshold", "members"};
	struct agreement_group *g = &c->a->log.groups[i];
	struct fy_node *gv[3], *mn;
	struct agreement_mark gm[3];
	void *mit = NULL;
	size_t nm, k;
	uint64_t t;

	if (!agr_get_map(c, item, m, "a group", gkeys, 3, gv, gm))
		return;
	agr_need(c, gv[0], g->mark, "group id");
	agr_need(c, gv[1], g->mark, "group threshold");
	agr_need(c, gv[2], g->mark, "group members");
	if (!agr_has(gv[2]) || !agr_get_seq(c, gv[2], gm[2], "group members", &nm))
		return;
	g->members = agr_xcalloc(c, nm, sizeof(size_t), g->mark);
	if (g->members == NULL)
		return;
	g->nmembers = nm;
	for (k = 0; (mn = fy_node_sequence_iterate(gv[2], &mit)) != NULL && k < nm; k++)
		g->members[k] = quorum_group_member(c, i, mn, gm[2]);
	if (!agr_has(gv[1]))
		return;
	if (agr_scalar_is(gv[1], "all"))
		g->threshold = nm;
	else if (agr_scalar_is(gv[1], "any"))
		g->threshold = 1;
	else if (agr_get_uint(c, gv[1], gm[1], "group threshold", AGREEMENT_MAX_ITEMS, &t)) {
		if (t == 0)
			agr_problem(c, agr_node_mark(gv[1], gm[1]), ARM_ERULE, "quorum-zero",
			            "group threshold must be at least 1");
		else if (t > nm)
			agr_problem(c, agr_node_mark(gv[1], gm[1]), ARM_ERULE, "quorum-too-large",
			            "group threshold %llu exceeds its %zu members",
			            (unsigned long long)t, nm);
		g->threshold = (size_t)t;
	}
	if (nm == 0)
		agr_problem(c, g->mark, ARM_ERULE, "quorum-zero", "group has no members");
}

/* log.groups: every id first (so a reference to a later group is named as such), then each. */
static void
parse_groups(struct ctx *c, struct fy_node *n, struct agreement_mark at, struct agreement_mark m)
{
	struct agreement_log *l = &c->a->log;
	struct fy_node *item;
	void *it = NULL;
	size_t count, i;

	if (!agr_get_seq(c, n, m, "groups", &count))
		return;
	l->groups = agr_xcalloc(c, count, sizeof(*l->groups), at);
	if (l->groups == NULL)
		return;
	l->ngroups = count;
	for (i = 0; (item = fy_node_sequence_iterate(n, &it)) != NULL && i < count; i++) {
		struct fy_node *idn = NULL;
		struct agreement_group *g = &l->groups[i];
		g->mark = agr_node_mark(item, m);
		if (fy_node_get_type(item) == FYNT_MAPPING)
			idn = fy_node_mapping_lookup_by_string(item, "id", 2);
		if (!agr_has(idn))
			continue;
		g->id = agr_id_dup(c, idn, g->mark, "group id");
		if (g->id != NULL && agr_witness_index(c->a, g->id) != AGREEMENT_NONE)
			agr_problem(c, g->mark, ARM_ERULE, "duplicate-id",
			            "group id \"%s\" is also a witness id", g->id);
	}
	it = NULL;
	for (i = 0; (item = fy_node_sequence_iterate(n, &it)) != NULL && i < count; i++)
		parse_group(c, i, item, m);
	CHECK_DUPS(c, l->groups, l->ngroups, "group");
}

/* log.quorum: none, a number of witnesses, or a group's id. */
static void
parse_quorum(struct ctx *c, struct fy_node *n, struct agreement_mark m)
{
	struct agreement_log *l = &c->a->log;
	size_t len;
	const char *sc;

	if (agr_scalar_is(n, "none")) {
		l->quorum_n = 0;
		return;
	}
	sc = agr_is_scalar(n) ? fy_node_get_scalar(n, &len) : NULL;
	if (sc != NULL && len > 0 && sc[0] >= '0' && sc[0] <= '9') {
		uint64_t q;
		if (!agr_get_uint(c, n, m, "log quorum", AGREEMENT_MAX_ITEMS, &q))
			return;
		if (q == 0)
			agr_problem(c, agr_node_mark(n, m), ARM_ERULE, "quorum-zero",
			            "log quorum 0: write quorum: none if no witness is needed");
		else if (q > l->nwitnesses)
			agr_problem(c, agr_node_mark(n, m), ARM_ERULE, "quorum-too-large",
			            "log quorum %llu exceeds the %zu witnesses",
			            (unsigned long long)q, l->nwitnesses);
		l->quorum_n = (size_t)q;
	} else {
		char *id = agr_id_dup(c, n, m, "log quorum");
		if (id == NULL)
			return;
		l->quorum_group = agr_group_index(c->a, id);
		if (l->quorum_group == AGREEMENT_NONE)
			agr_problem(c, agr_node_mark(n, m), ARM_ERULE, "unknown-id",
			            "log quorum \"%s\" is not a number, none, or a group id", id);
		free(id);
	}
}

static void
parse_log(struct ctx *c, struct fy_node *n, struct agreement_mark at)
{
	static const char *const keys[] = {"origin", "key",    "witnesses",
	                                   "groups", "quorum", "clock"};
	struct agreement_log *l = &c->a->log;
	struct fy_node *v[6];
	struct agreement_mark m[6];

	if (!agr_get_map(c, n, at, "log", keys, 6, v, m))
		return;
	if (agr_has(v[5]))
		parse_clock(c, v[5], m[5]);
	agr_need(c, v[0], at, "log origin");
	agr_need(c, v[1], at, "log key");
	agr_need(c, v[4], at, "log quorum");
	if (agr_has(v[0])) {
		l->origin = agr_scalar_dup(c, v[0], m[0], "log origin");
		if (l->origin != NULL && (strchr(l->origin, ' ') || strchr(l->origin, '\n')))
			agr_problem(c, agr_node_mark(v[0], m[0]), ARM_ESYNTAX, "bad-value",
			            "log origin \"%.60s\" must be one line without spaces "
			            "(C2SP tlog-checkpoint)",
			            l->origin);
	}
	if (agr_has(v[1]))
		(void)agr_get_key(c, v[1], m[1], "log key", NOTE_KEY_ED25519, &l->key);
	if (agr_has(v[2]))
		parse_witnesses(c, v[2], at, m[2]);
	if (agr_has(v[3]))
		parse_groups(c, v[3], at, m[3]);
	if (agr_has(v[4]))
		parse_quorum(c, v[4], m[4]);
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
		agr_problem(c, m, ARM_ESYNTAX, "yaml-syntax", "%.200s", de->msg);
		return;
	}
	if (hit == NULL) {
		agr_problem(c, m, ARM_ESYNTAX, "yaml-syntax", "the document is not valid YAML");
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
		agr_problem(c, m, ARM_ESYNTAX, "yaml-syntax", "%.*s", mlen > 200 ? 200 : mlen,
		            hit + 9);
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
	const char *s = agr_is_scalar(n) ? fy_node_get_scalar(n, &len) : NULL;
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
	agr_problem(c, agr_node_mark(n, at), ARM_ESYNTAX, "effective-invalid",
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

	if (agr_is_scalar(n)) {
		ar->by = agr_xcalloc(c, 1, sizeof(size_t), at);
		if (ar->by == NULL)
			return;
		ar->by[0] = agr_ref(c, n, at, "arbiter", agreement_actor_index, "(arbiter)");
		ar->nby = ar->by[0] != AGREEMENT_NONE;
		ar->quorum = 1;
		return;
	}
	if (!agr_get_map(c, n, at, "arbiter (an actor or {by, quorum})", keys, 2, v, m))
		return;
	agr_need(c, v[0], at, "arbiter by");
	if (agr_has(v[0])) {
		ar->by = agr_ref_list(c, v[0], m[0], "arbiter", agreement_actor_index, "(arbiter)",
		                      &ar->nby);
		if (ar->nby == 0 && fy_node_get_type(v[0]) == FYNT_SEQUENCE)
			agr_problem(c, m[0], ARM_ERULE, "quorum-zero", "arbiter by is empty");
	}
	ar->quorum = ar->nby;
	if (agr_has(v[1])) {
		uint64_t q;
		if (agr_get_uint(c, v[1], m[1], "arbiter quorum", AGREEMENT_MAX_ITEMS, &q)) {
			if (q == 0)
				agr_problem(c, agr_node_mark(v[1], m[1]), ARM_ERULE, "quorum-zero",
				            "arbiter quorum must be at least 1");
			else if (q > ar->nby)
				agr_problem(c, agr_node_mark(v[1], m[1]), ARM_ERULE,
				            "quorum-too-large",
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

	if (!agr_get_map(c, n, at, "findings ({by: [actors]})", keys, 1, v, m))
		return;
	agr_need(c, v[0], at, "findings by");
	if (!agr_has(v[0]))
		return;
	c->a->finders = agr_ref_list(c, v[0], m[0], "findings by", agreement_actor_index,
	                             "(findings)", &c->a->nfinders);
	c->a->has_finders = true;
	if (fy_node_get_type(v[0]) == FYNT_SEQUENCE && fy_node_sequence_item_count(v[0]) == 0)
		agr_problem(
		    c, m[0], ARM_ERULE, "missing-key",
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

	l->mark = agr_node_mark(n, at);
	if (!agr_get_map(c, n, at, "reference_line", keys, 4, v, m))
		return;
	agr_need(c, v[0], l->mark, "reference_line name");
	agr_need(c, v[1], l->mark, "reference_line zone");
	agr_need(c, v[2], l->mark, "reference_line positive");
	if (agr_has(v[0]))
		l->name = agr_scalar_dup(c, v[0], m[0], "reference_line name");
	if (agr_has(v[1]))
		l->zone = agr_ref(c, v[1], m[1], "reference_line zone", agreement_zone_index,
		                  "(reference_line)");
	for (i = AGREEMENT_SIDE_NORTH; agr_has(v[2]) && i <= AGREEMENT_SIDE_WEST; i++)
		if (agr_scalar_is(v[2], agreement_side_name((enum agreement_side)i)))
			l->positive = (enum agreement_side)i;
	if (agr_has(v[2]) && l->positive == AGREEMENT_SIDE_NONE)
		agr_problem(c, agr_node_mark(v[2], m[2]), ARM_ESYNTAX, "reference-line-side",
		            "reference_line positive must be north, south, east or west");
	if (agr_has(v[3])) {
		l->party = agr_ref(c, v[3], m[3], "reference_line party", agreement_actor_index,
		                   "(reference_line)");
		if (l->party != AGREEMENT_NONE && c->a->actors[l->party].role != AGREEMENT_PARTY)
			agr_problem(c, agr_node_mark(v[3], m[3]), ARM_ERULE, "reference-line-party",
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
		agr_problem(c, l->mark, err.rc, "reference-line", "%s", err.msg);
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

	if (!agr_get_map(c, root, top, "the agreement", keys, K_N, v, m))
		return;
	if (!agr_scalar_is(v[K_V], "agreement/v1"))
		agr_problem(c, v[K_V] ? agr_node_mark(v[K_V], m[K_V]) : top, ARM_ESYNTAX,
		            v[K_V] ? "bad-value" : "missing-key",
		            "the document must start with armistice: agreement/v1");
	agr_need(c, v[K_NAME], top, "name");
	agr_need(c, v[K_TITLE], top, "title");
	agr_need(c, v[K_TZ], top, "timezone");
	agr_need(c, v[K_LOG], top, "log");
	agr_need(c, v[K_ACTORS], top, "actors");
	agr_need(c, v[K_PHASES], top, "phases");
	agr_need(c, v[K_COMMIT], top, "commitments");
	if (agr_has(v[K_NAME]))
		a->name = agr_id_dup(c, v[K_NAME], m[K_NAME], "agreement name");
	if (agr_has(v[K_LANG])) {
		const char *s = agr_is_scalar(v[K_LANG]) ? fy_node_get_scalar(v[K_LANG], &n) : NULL;
		if (s == NULL || !agreement_lang_valid(s, n))
			agr_problem(
			    c, agr_node_mark(v[K_LANG], m[K_LANG]), ARM_ESYNTAX, "text-lang",
			    "language must be a language tag such as \"en\" or \"ko\" (BCP 47)");
		else
			memcpy(a->lang, s, n), a->lang[n] = '\0';
	}
	if (agr_has(v[K_TITLE]))
		a->title = agr_text_dup(c, v[K_TITLE], m[K_TITLE], "title", &a->titles);
	if (agr_has(v[K_TZ])) {
		const char *s = agr_is_scalar(v[K_TZ]) ? fy_node_get_scalar(v[K_TZ], &n) : NULL;
		if (s == NULL || agreement_offset_parse(s, n, &a->tz_offset) != 0)
			agr_problem(
			    c, agr_node_mark(v[K_TZ], m[K_TZ]), ARM_ESYNTAX, "timezone-invalid",
			    "timezone must be a fixed UTC offset such as \"+09:00\" or \"Z\" "
			    "(quote it)");
	}
	if (agr_has(v[K_COUNT])) {
		static const char *const ckeys[] = {"inclusive"};
		struct fy_node *cv[1];
		struct agreement_mark cmk[1];
		if (agr_get_map(c, v[K_COUNT], m[K_COUNT], "counting", ckeys, 1, cv, cmk) &&
		    agr_has(cv[0]))
			(void)agr_get_bool(c, cv[0], cmk[0], "counting inclusive", &a->inclusive);
	}
	if (agr_has(v[K_EFF]))
		parse_effective(c, v[K_EFF], m[K_EFF]);
	if (agr_has(v[K_LOG]))
		parse_log(c, v[K_LOG], m[K_LOG]);
	if (agr_has(v[K_ACTORS]))
		parse_actors(c, v[K_ACTORS], m[K_ACTORS]);
	if (agr_has(v[K_PHASES]))
		parse_named(c, v[K_PHASES], m[K_PHASES], "phases", false);
	if (agr_has(v[K_KINDS]))
		parse_named(c, v[K_KINDS], m[K_KINDS], "incident_kinds", true);
	if (agr_has(v[K_ZONES]))
		agr_parse_zones(c, v[K_ZONES], m[K_ZONES]);
	if (agr_has(v[K_ARB]))
		parse_arbiter(c, v[K_ARB], m[K_ARB]);
	if (agr_has(v[K_FIND]))
		parse_findings(c, v[K_FIND], m[K_FIND]);
	if (agr_has(v[K_LINE]))
		parse_line(c, v[K_LINE], m[K_LINE]);
	if (!agr_has(v[K_COMMIT]))
		return;
	n = agr_commitment_ids(c, v[K_COMMIT], m[K_COMMIT]);
	for (i = 0; i < n && (item = fy_node_sequence_iterate(v[K_COMMIT], &it)) != NULL; i++)
		agr_parse_commitment(c, i, item, m[K_COMMIT]);
	/* A tranche counts another commitment's quantity (forward references allowed). */
	for (i = 0; a->commitments != NULL && i < n; i++) {
		const struct agreement_commitment *cm = &a->commitments[i];
		if (cm->tranche_of == AGREEMENT_NONE)
			continue;
		if (cm->tranche_of == i || a->commitments[cm->tranche_of].qty_target == 0)
			agr_problem(c, cm->tranche_mark, ARM_ERULE, "tranche-invalid",
			            "commitment \"%s\": a tranche of \"%s\", which has no quantity",
			            cm->id ? cm->id : "?", a->commitments[cm->tranche_of].id);
	}
	if (a->commitments != NULL)
		agr_check_graph(c);
	agr_check_zones(c);
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
		agr_problem(&c, top, ARM_ESYNTAX, "agreement-bytes", "%s", err.msg);
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
		agr_problem(&c, top, ARM_ENOMEM, "limit", "out of memory");
	} else if (c.nproblems > 0) {
		/*
		 * Bytes that are not note text are never a valid agreement, and
		 * libfyaml 0.7.12 can loop on some invalid UTF-8 after a '%'
		 * (found by fuzz_agreement): do not hand them to the parser.
		 */
	} else if (len == 0) {
		agr_problem(&c, top, ARM_ESYNTAX, "yaml-syntax", "the document is empty");
	} else {
		doc = fy_document_build_from_string(&cfg, (const char *)a->yaml, len);
		if (doc == NULL) {
			report_yaml_errors(&c, diag, &fyout);
		} else {
			size_t before = c.nproblems;
			agr_check_plain_yaml(&c, fy_document_root(doc), 0);
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

	if (!agr_relpath_ok(relpath))
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
