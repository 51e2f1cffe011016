/*
 * agreement_query.c - questions asked of a loaded agreement: lookups by
 * id, parties and keys, finders and arbiters, witness quorums, names of
 * methods, sides and roles, and its calendar (days, deadlines, dates).
 */
#include "agreement_int.h"

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

size_t
agr_witness_index(const struct agreement *a, const char *id)
{
	FIND(a->log.witnesses, a->log.nwitnesses, id);
}

size_t
agr_group_index(const struct agreement *a, const char *id)
{
	FIND(a->log.groups, a->log.ngroups, id);
}

size_t
agr_together_index(const struct agreement *a, const char *id)
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
