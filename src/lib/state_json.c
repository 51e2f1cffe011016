/*
 * state_json.c - engine_state_json(): the state as JSON for `status --json`
 * and the server's GET /state (schema in docs/state-json.md).
 *
 * Determinism: keys in a fixed order, arrays in agreement order (actors,
 * phases, commitments) or log order (incidents, reversals), integers
 * only (no floating point is ever formatted), times as RFC 3339 UTC from
 * gmtime_r, and no clock: `now` is the caller's.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "armistice/engine.h"
#include "armistice/common.h"

/* Appends s as a JSON string literal (RFC 8259 §7). */
static int
jstr(struct buf *b, const char *s, struct arm_err *e)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	ARM_TRY(buf_append(b, "\"", 1, e));
	for (; *p; p++) {
		switch (*p) {
		case '"': ARM_TRY(buf_append(b, "\\\"", 2, e)); break;
		case '\\': ARM_TRY(buf_append(b, "\\\\", 2, e)); break;
		case '\n': ARM_TRY(buf_append(b, "\\n", 2, e)); break;
		case '\t': ARM_TRY(buf_append(b, "\\t", 2, e)); break;
		case '\r': ARM_TRY(buf_append(b, "\\r", 2, e)); break;
		default:
			if (*p < 0x20)
				ARM_TRY(buf_printf(b, e, "\\u%04x", *p));
			else
				ARM_TRY(buf_append(b, p, 1, e));
		}
	}
	return buf_append(b, "\"", 1, e);
}

static int
jtime(struct buf *b, int64_t t, struct arm_err *e)
{
	char s[21];

	if (t == ENGINE_NO_TIME)
		return buf_puts(b, "null", e);
	engine_time_utc(t, s);
	return jstr(b, s, e);
}

static int
jbool(struct buf *b, bool v, struct arm_err *e)
{
	return buf_puts(b, v ? "true" : "false", e);
}

/* A canonical decimal (digits, optional '.' digits) is a valid JSON number. */
/*
 * ,"<key>":{"en":"...","ko":"..."} for a text given in several languages
 * (agreement.h struct agreement_texts); nothing for a plain string, so
 * the state of an agreement without them is the same bytes as before.
 */
static int
jtexts(struct buf *b, const char *key, const struct agreement_texts *t, struct arm_err *e)
{
	size_t i;

	if (t->n == 0)
		return ARM_OK;
	ARM_TRY(buf_printf(b, e, ",\"%s\":{", key));
	for (i = 0; i < t->n; i++) {
		if (i)
			ARM_TRY(buf_puts(b, ",", e));
		ARM_TRY(jstr(b, t->v[i].tag, e));
		ARM_TRY(buf_puts(b, ":", e));
		ARM_TRY(jstr(b, t->v[i].text, e));
	}
	return buf_puts(b, "}", e);
}

static bool
json_number(const char *s)
{
	size_t i = 0, d = 0;

	if (s == NULL || s[0] == '\0')
		return false;
	if (s[0] == '0' && s[1] != '\0' && s[1] != '.')
		return false;
	while (s[i] >= '0' && s[i] <= '9')
		i++, d++;
	if (d == 0)
		return false;
	if (s[i] == '.') {
		i++;
		d = 0;
		while (s[i] >= '0' && s[i] <= '9')
			i++, d++;
		if (d == 0)
			return false;
	}
	return s[i] == '\0';
}

static int
jids(struct buf *b, const struct agreement *a, const size_t *idx, size_t n, bool actors,
     struct arm_err *e)
{
	size_t i;

	ARM_TRY(buf_puts(b, "[", e));
	for (i = 0; i < n; i++) {
		if (i)
			ARM_TRY(buf_puts(b, ",", e));
		ARM_TRY(jstr(b, actors ? a->actors[idx[i]].id : a->commitments[idx[i]].id, e));
	}
	return buf_puts(b, "]", e);
}

static const char *
tz_text(int32_t off, char out[16])
{
	int32_t a = off < 0 ? -off : off;

	snprintf(out, 16, "%c%02d:%02d", off < 0 ? '-' : '+', (int)(a / 3600),
	         (int)(a % 3600 / 60));
	return out;
}

/*
 * Degrees x 1e7 as a JSON number without trailing zeros ("37.9558"), made
 * from the integer: no floating point is formatted, so every replay on
 * every machine gives the same bytes.
 */
static int
jdeg(struct buf *b, int64_t e7, struct arm_err *e)
{
	uint64_t a = e7 < 0 ? (uint64_t)0 - (uint64_t)e7 : (uint64_t)e7;
	char frac[8];
	int n = 7;

	snprintf(frac, sizeof(frac), "%07llu", (unsigned long long)(a % 10000000u));
	while (n > 0 && frac[n - 1] == '0')
		n--;
	frac[n] = '\0';
	return buf_printf(b, e, "%s%llu%s%s", e7 < 0 ? "-" : "",
	                  (unsigned long long)(a / 10000000u), n ? "." : "", frac);
}

/* Millionths as a JSON number without trailing zeros ("4280", "12.5"): no floating point. */
static int
jmicro(struct buf *b, int64_t v, struct arm_err *e)
{
	char frac[8];
	int n = 6;

	if (v < 0)
		v = 0;
	snprintf(frac, sizeof(frac), "%06lld", (long long)(v % 1000000));
	while (n > 0 && frac[n - 1] == '0')
		n--;
	frac[n] = '\0';
	return buf_printf(b, e, "%lld%s%s", (long long)(v / 1000000), n ? "." : "", frac);
}

static int
commitment_json(const struct engine *eng, size_t c, int64_t now, struct buf *b, struct arm_err *e)
{
	const struct agreement *a = engine_agreement(eng);
	const struct agreement_commitment *cm = &a->commitments[c];
	const struct engine_progress_item *pi;
	struct engine_cview v;
	size_t i, n, *tmp;
	int rc = ARM_OK;

	ARM_TRY(engine_commitment_view(eng, c, now, &v));
	tmp = calloc(a->nactors + a->ncommitments + 1, sizeof(*tmp));
	if (tmp == NULL)
		return arm_err_set(e, ARM_ENOMEM, "out of memory writing the state");
#define J(call)                                                                                    \
	do {                                                                                       \
		if ((rc = (call)) != ARM_OK)                                                       \
			goto out;                                                                  \
	} while (0)
	J(buf_puts(b, "{\"id\":", e));
	J(jstr(b, cm->id, e));
	J(buf_puts(b, ",\"phase\":", e));
	J(jstr(b, a->phases[cm->phase].id, e));
	J(buf_puts(b, ",\"category\":", e));
	J(cm->category ? jstr(b, cm->category, e) : buf_puts(b, "null", e));
	J(buf_puts(b, ",\"text\":", e));
	J(jstr(b, cm->text ? cm->text : "", e));
	J(jtexts(b, "texts", &cm->texts, e));
	J(buf_puts(b, ",\"owners\":", e));
	J(jids(b, a, cm->owners, cm->nowners, true, e));
	J(buf_puts(b, ",\"standing\":", e));
	J(jbool(b, cm->standing.standing, e));
	J(buf_printf(b, e, ",\"status\":\"%s\",\"overdue\":", engine_status_name(v.status)));
	J(jbool(b, v.overdue, e));
	J(buf_puts(b, ",\"late\":", e));
	J(jbool(b, v.late, e));
	J(buf_puts(b, ",\"due\":", e));
	J(jtime(b, v.due, e));
	{
		/* the deadline history (amendments that moved it) */
		const struct engine_due_change *dh;
		size_t nd = engine_due_history(eng, c, &dh);
		J(buf_puts(b, ",\"due_history\":[", e));
		for (i = 0; i < nd; i++) {
			J(buf_printf(b, e, "%s{\"index\":%llu,\"from\":", i ? "," : "",
			             (unsigned long long)dh[i].index));
			J(jstr(b, dh[i].from, e));
			J(buf_puts(b, ",\"to\":", e));
			J(jstr(b, dh[i].to, e));
			J(buf_puts(b, "}", e));
		}
		J(buf_puts(b, "]", e));
	}
	J(buf_puts(b, ",\"due_rule\":", e));
	if (cm->due.kind == AGREEMENT_DUE_NONE) {
		J(buf_puts(b, "null", e));
	} else {
		char rule[AGREEMENT_ID_MAX + 48];
		agreement_due_describe(a, &cm->due, rule, sizeof(rule));
		J(jstr(b, rule, e));
	}
	J(buf_puts(b, ",\"effective\":", e));
	J(jtime(b, v.effective, e));
	J(buf_puts(b, ",\"claimed_by\":[", e));
	for (i = 0, n = 0; i < cm->nowners; i++)
		if (engine_claimed_by(eng, c, i)) {
			J(buf_puts(b, n++ ? "," : "", e));
			J(jstr(b, a->actors[cm->owners[i]].id, e));
		}
	J(buf_printf(b, e, "],\"verifications\":%zu,\"refutations\":%zu,\"method\":", v.nverified,
	             v.nrefuted));
	if (v.best == AGREEMENT_METHOD_NONE)
		J(buf_puts(b, "null", e));
	else
		J(jstr(b, agreement_method_name(v.best), e));
	J(buf_printf(b, e, ",\"strength\":%d,\"requires\":", v.strength));
	J(jids(b, a, cm->requires, cm->nrequires, false, e));
	J(buf_puts(b, ",\"together\":", e));
	if (cm->together == AGREEMENT_NONE)
		J(buf_puts(b, "null", e));
	else
		J(jstr(b, a->togethers[cm->together].id, e));
	/* who waits on whom */
	n = engine_wait_chain(eng, c, tmp, a->ncommitments + 1);
	J(buf_puts(b, ",\"waits\":", e));
	if (engine_status_done(v.status) || v.status == ENGINE_BREACHED) {
		J(buf_puts(b, "null", e));
	} else {
		J(buf_puts(b, "{\"chain\":", e));
		J(jids(b, a, tmp, n, false, e));
		n = engine_waiting_on(eng, c, tmp, a->nactors + 1);
		J(buf_puts(b, ",\"on\":", e));
		J(jids(b, a, tmp, n, true, e));
		J(buf_puts(b, "}", e));
	}
	J(buf_printf(b, e, ",\"reversals\":%zu,\"breaches\":%zu", v.nreversals, v.nbreaches));
	if (cm->standing.standing) {
		/* Violations counted and listed (docs/rules.md "Standing obligations"). */
		J(buf_printf(b, e,
		             ",\"violations\":{\"confirmed\":%zu,\"threshold\":", v.nviolations));
		if (cm->standing.violations > 0)
			J(buf_printf(b, e, "{\"violations\":%zu,\"days\":%lld}",
			             cm->standing.violations, (long long)cm->standing.days));
		else
			J(buf_puts(b, "null", e));
		J(buf_printf(b, e, ",\"protect\":%s,\"list\":[",
		             cm->standing.protect ? "true" : "false"));
		for (i = 0; i < v.nviolations_listed; i++) {
			struct engine_incident inc;
			engine_incident(eng, v.violations[i], &inc);
			J(buf_printf(b, e, "%s{\"index\":%llu,\"occurred\":", i ? "," : "",
			             (unsigned long long)inc.index));
			J(jtime(b, inc.occurred, e));
			J(buf_printf(b, e, ",\"confirmed\":%s}", inc.confirmed ? "true" : "false"));
		}
		J(buf_puts(b, "]}", e));
	} else {
		J(buf_puts(b, ",\"violations\":null", e));
	}
	/* Quantities and tranches (docs/rules.md). */
	if (cm->qty_target > 0) {
		int64_t rep, ver;
		engine_quantity(eng, c, &rep, &ver);
		J(buf_puts(b, ",\"quantity\":{\"target\":", e));
		J(jmicro(b, cm->qty_target, e));
		J(buf_puts(b, ",\"unit\":", e));
		J(jstr(b, cm->qty_unit, e));
		J(buf_puts(b, ",\"reported\":", e));
		J(jmicro(b, rep, e));
		J(buf_puts(b, ",\"verified\":", e));
		J(jmicro(b, ver, e));
		J(buf_puts(b, ",\"unverified\":", e));
		J(jmicro(b, rep > ver ? rep - ver : 0, e));
		J(buf_printf(b, e, ",\"percent\":%lld}",
		             (long long)((ver > cm->qty_target ? cm->qty_target : ver) /
		                         (cm->qty_target / 100 ? cm->qty_target / 100 : 1))));
	} else {
		J(buf_puts(b, ",\"quantity\":null", e));
	}
	if (cm->tranche_of != AGREEMENT_NONE) {
		J(buf_puts(b, ",\"tranche\":{\"of\":", e));
		J(jstr(b, a->commitments[cm->tranche_of].id, e));
		J(buf_printf(b, e, ",\"percent\":%lld}", (long long)cm->tranche_pct));
	} else {
		J(buf_puts(b, ",\"tranche\":null", e));
	}
	J(buf_puts(b, ",\"progress\":[", e));
	n = engine_progress_items(eng, c, &pi);
	for (i = 0; i < n; i++) {
		J(buf_puts(b, i ? ",{\"quantity\":" : "{\"quantity\":", e));
		J(jstr(b, pi[i].quantity, e));
		J(buf_puts(b, ",\"value\":", e));
		if (json_number(pi[i].value))
			J(buf_puts(b, pi[i].value, e));
		else
			J(jstr(b, pi[i].value, e));
		J(buf_puts(b, ",\"unit\":", e));
		J(jstr(b, pi[i].unit, e));
		J(buf_printf(b, e, ",\"index\":%llu}", (unsigned long long)pi[i].index));
	}
	J(buf_puts(b, "],\"history\":[", e));
	for (i = 0; i < v.nhistory; i++) {
		const struct engine_event *ev = &v.history[i];
		J(buf_printf(b, e, "%s{\"index\":%llu,\"time\":", i ? "," : "",
		             (unsigned long long)ev->index));
		J(jtime(b, ev->time, e));
		J(buf_printf(b, e, ",\"from\":\"%s\",\"to\":\"%s\",\"reversal\":%s,\"logged\":",
		             engine_status_name(ev->from), engine_status_name(ev->to),
		             ev->reversal ? "true" : "false"));
		J(jtime(b, ev->logged, e));
		J(buf_printf(b, e, ",\"backdated\":%s}", ev->backdated ? "true" : "false"));
	}
	J(buf_puts(b, "]}", e));
#undef J
out:
	free(tmp);
	return rc;
}

/*
 * ,"log":{...}: the log the agreement names, its witnesses' cosigner keys
 * and the quorum (docs/state-json.md), so that a reader of the state can
 * check who cosigned a checkpoint without parsing the agreement's YAML.
 */
static int
jlog(struct buf *b, const struct agreement *a, struct arm_err *e)
{
	const struct agreement_log *l = &a->log;
	char rule[256];
	size_t i, j, m;

	ARM_TRY(buf_puts(b, ",\"log\":{\"origin\":", e));
	ARM_TRY(jstr(b, l->origin, e));
	ARM_TRY(buf_puts(b, ",\"key\":\"", e));
	ARM_TRY(note_verifier_format(&l->key, b, e));
	ARM_TRY(buf_puts(b, "\",\"witnesses\":[", e));
	for (i = 0; i < l->nwitnesses; i++) {
		ARM_TRY(buf_puts(b, i ? ",{\"id\":" : "{\"id\":", e));
		ARM_TRY(jstr(b, l->witnesses[i].id, e));
		ARM_TRY(buf_puts(b, ",\"key\":\"", e));
		ARM_TRY(note_verifier_format(&l->witnesses[i].key, b, e));
		ARM_TRY(buf_puts(b, "\"}", e));
	}
	ARM_TRY(buf_puts(b, "],\"groups\":[", e));
	for (i = 0; i < l->ngroups; i++) {
		ARM_TRY(buf_puts(b, i ? ",{\"id\":" : "{\"id\":", e));
		ARM_TRY(jstr(b, l->groups[i].id, e));
		ARM_TRY(
		    buf_printf(b, e, ",\"threshold\":%zu,\"members\":[", l->groups[i].threshold));
		for (j = 0; j < l->groups[i].nmembers; j++) {
			m = l->groups[i].members[j];
			if (j)
				ARM_TRY(buf_puts(b, ",", e));
			ARM_TRY(jstr(b,
			             m < l->nwitnesses ? l->witnesses[m].id
			                               : l->groups[m - l->nwitnesses].id,
			             e));
		}
		ARM_TRY(buf_puts(b, "]}", e));
	}
	ARM_TRY(buf_puts(b, "],\"quorum\":", e));
	if (l->quorum_group != AGREEMENT_NONE) {
		ARM_TRY(buf_puts(b, "{\"kind\":\"group\",\"group\":", e));
		ARM_TRY(jstr(b, l->groups[l->quorum_group].id, e));
	} else if (l->quorum_n > 0) {
		ARM_TRY(buf_printf(b, e, "{\"kind\":\"count\",\"n\":%zu", l->quorum_n));
	} else {
		ARM_TRY(buf_puts(b, "{\"kind\":\"none\"", e));
	}
	agreement_quorum_describe(a, rule, sizeof(rule));
	ARM_TRY(buf_puts(b, ",\"rule\":", e));
	ARM_TRY(jstr(b, rule, e));
	return buf_puts(b, "}}", e);
}

/* The reference line (docs/state-json.md), or null. */
static int
line_json(const struct agreement *a, struct buf *b, struct arm_err *e)
{
	const struct agreement_line *l = &a->line;

	if (l->positive == AGREEMENT_SIDE_NONE)
		return buf_puts(b, ",\"reference_line\":null", e);
	ARM_TRY(buf_puts(b, ",\"reference_line\":{\"name\":", e));
	ARM_TRY(jstr(b, l->name, e));
	ARM_TRY(buf_puts(b, ",\"zone\":", e));
	ARM_TRY(jstr(b, a->zones[l->zone].id, e));
	ARM_TRY(
	    buf_printf(b, e, ",\"positive\":\"%s\",\"party\":", agreement_side_name(l->positive)));
	if (l->party != AGREEMENT_NONE)
		ARM_TRY(jstr(b, a->actors[l->party].id, e));
	else
		ARM_TRY(buf_puts(b, "null", e));
	return buf_puts(b, "}", e);
}

/*
 * An incident's places: the zones it falls in and its signed distance to
 * the reference line in km with three decimals (whole metres, formatted
 * from the integer: no floating point is formatted here).
 */
static int
place_json(const struct agreement *a, const struct engine_incident *inc, struct buf *b,
           struct arm_err *e)
{
	char km[24];
	size_t i;

	ARM_TRY(buf_puts(b, ",\"zones\":[", e));
	for (i = 0; i < inc->nzones; i++) {
		if (i)
			ARM_TRY(buf_puts(b, ",", e));
		ARM_TRY(jstr(b, inc->zones[i] < a->nzones ? a->zones[inc->zones[i]].id : "", e));
	}
	ARM_TRY(buf_puts(b, "],\"line_km\":", e));
	if (!inc->has_line)
		return buf_puts(b, "null", e);
	engine_km_text(inc->line_m, km);
	return buf_puts(b, km, e);
}

int
engine_state_json(const struct engine *eng, int64_t now, struct buf *b, struct arm_err *e)
{
	const struct agreement *a = engine_agreement(eng);
	char hex[2 * HASH_SIZE + 1], tz[16];
	struct engine_calm calm;
	struct engine_cview v;
	size_t i, c, done, total, n;

	if (a == NULL)
		return arm_err_set(e, ARM_ENOTFOUND, "no agreement: the log is empty");
	agreement_id_hex(a, hex);
	ARM_TRY(buf_puts(b, "{\"schema\":\"armistice/state/v1\",\"agreement\":{\"id\":", e));
	ARM_TRY(jstr(b, hex, e));
	ARM_TRY(buf_puts(b, ",\"name\":", e));
	ARM_TRY(jstr(b, a->name, e));
	ARM_TRY(buf_puts(b, ",\"title\":", e));
	ARM_TRY(jstr(b, a->title, e));
	ARM_TRY(jtexts(b, "titles", &a->titles, e));
	ARM_TRY(buf_puts(b, ",\"language\":", e));
	ARM_TRY(jstr(b, a->lang, e));
	ARM_TRY(jlog(b, a, e));
	ARM_TRY(
	    buf_printf(b, e, "},\"entries\":%llu,\"now\":", (unsigned long long)engine_size(eng)));
	ARM_TRY(jtime(b, now, e));
	/* As of a moment: which, and how many entries count by then. */
	ARM_TRY(buf_puts(b, ",\"asof\":{\"at\":", e));
	ARM_TRY(jtime(b, engine_asof(eng), e));
	ARM_TRY(buf_printf(b, e, ",\"entries\":%llu}", (unsigned long long)engine_counted(eng)));
	{
		uint64_t ci;
		size_t nclocks;
		int64_t lt = engine_log_time(eng, &ci, &nclocks);
		ARM_TRY(buf_puts(b, ",\"clock\":{\"log_time\":", e));
		ARM_TRY(jtime(b, lt, e));
		ARM_TRY(buf_puts(b, ",\"index\":", e));
		if (lt == ENGINE_NO_TIME)
			ARM_TRY(buf_puts(b, "null", e));
		else
			ARM_TRY(buf_printf(b, e, "%llu", (unsigned long long)ci));
		ARM_TRY(buf_printf(b, e, ",\"leaves\":%zu,\"backdated\":%zu}", nclocks,
		                   engine_nbackdated(eng)));
	}
	ARM_TRY(buf_printf(b, e, ",\"counting\":{\"timezone\":\"%s\",\"inclusive\":%s}",
	                   tz_text(a->tz_offset, tz), a->inclusive ? "true" : "false"));
	/* D-day and the day number of now (D-day is day 0; docs/rules.md "Schedules"). */
	ARM_TRY(buf_puts(b, ",\"schedule\":{\"effective\":", e));
	if (a->has_effective) {
		ARM_TRY(jtime(b, a->effective, e));
		ARM_TRY(buf_printf(
		    b, e, ",\"day\":%lld}",
		    (long long)(agreement_day(a, now) - agreement_day(a, a->effective))));
	} else {
		ARM_TRY(buf_puts(b, "null,\"day\":null}", e));
	}
	ARM_TRY(buf_puts(b, ",\"zones\":[", e));
	for (i = 0; i < a->nzones; i++) {
		ARM_TRY(buf_puts(b, i ? ",{\"id\":" : "{\"id\":", e));
		ARM_TRY(jstr(b, a->zones[i].id, e));
		ARM_TRY(buf_puts(b, ",\"name\":", e));
		ARM_TRY(jstr(b, a->zones[i].name ? a->zones[i].name : "", e));
		ARM_TRY(jtexts(b, "names", &a->zones[i].names, e));
		ARM_TRY(buf_puts(b, "}", e));
	}
	ARM_TRY(buf_puts(b, "],\"incident_kinds\":[", e));
	for (i = 0; i < a->nkinds; i++) {
		ARM_TRY(buf_puts(b, i ? ",{\"id\":" : "{\"id\":", e));
		ARM_TRY(jstr(b, a->kinds[i].id, e));
		ARM_TRY(buf_puts(b, ",\"name\":", e));
		ARM_TRY(jstr(b, a->kinds[i].name ? a->kinds[i].name : "", e));
		ARM_TRY(jtexts(b, "names", &a->kinds[i].names, e));
		ARM_TRY(buf_printf(b, e, ",\"provocation\":%s}",
		                   a->kinds[i].provocation ? "true" : "false"));
	}
	ARM_TRY(buf_puts(b, "]", e));
	ARM_TRY(line_json(a, b, e));

	engine_progress(eng, AGREEMENT_NONE, &done, &total);
	ARM_TRY(buf_printf(b, e, ",\"progress\":{\"done\":%zu,\"total\":%zu,\"phases\":[", done,
	                   total));
	for (i = 0; i < a->nphases; i++) {
		engine_progress(eng, i, &done, &total);
		ARM_TRY(buf_puts(b, i ? ",{\"id\":" : "{\"id\":", e));
		ARM_TRY(jstr(b, a->phases[i].id, e));
		ARM_TRY(buf_puts(b, ",\"name\":", e));
		ARM_TRY(jstr(b, a->phases[i].name, e));
		ARM_TRY(jtexts(b, "names", &a->phases[i].names, e));
		ARM_TRY(buf_printf(b, e, ",\"done\":%zu,\"total\":%zu}", done, total));
	}
	ARM_TRY(buf_puts(b, "]}", e));

	ARM_TRY(engine_calm(eng, now, &calm, e));
	ARM_TRY(buf_puts(b, ",\"calm\":{\"rule\":", e));
	{
		char rule[160];
		snprintf(rule, sizeof(rule),
		         "calendar days in UTC%s, %s, since the last provocation confirmed by a "
		         "verifier",
		         tz_text(a->tz_offset, tz), a->inclusive ? "inclusive" : "exclusive");
		ARM_TRY(jstr(b, rule, e));
	}
	if (calm.found) {
		ARM_TRY(buf_printf(b, e, ",\"days\":%lld,\"since\":{\"index\":%llu,\"occurred\":",
		                   (long long)calm.days, (unsigned long long)calm.index));
		ARM_TRY(jtime(b, calm.occurred, e));
		ARM_TRY(buf_puts(b, ",\"type\":", e));
		ARM_TRY(jstr(b, calm.type, e));
		ARM_TRY(buf_puts(b, "}", e));
	} else {
		ARM_TRY(buf_puts(b, ",\"days\":null,\"since\":null", e));
	}
	ARM_TRY(buf_printf(b, e, ",\"confirmed\":%zu,\"longest_gap\":", calm.confirmed));
	if (calm.longest_gap < 0)
		ARM_TRY(buf_puts(b, "null}", e));
	else
		ARM_TRY(buf_printf(b, e, "%lld}", (long long)calm.longest_gap));

	/* Summary lists, agreement order. */
	{
		static const char *const lists[] = {"open", "overdue", "disputed", "withdrawn",
		                                    "breached"};
		size_t l;
		for (l = 0; l < ARM_ARRAY_LEN(lists); l++) {
			ARM_TRY(buf_printf(b, e, ",\"%s\":[", lists[l]));
			for (c = 0, n = 0; c < a->ncommitments; c++) {
				bool in;
				ARM_TRY(engine_commitment_view(eng, c, now, &v));
				switch (l) {
				case 0: in = v.status == ENGINE_OPEN; break;
				case 1: in = v.overdue; break;
				case 2: in = v.status == ENGINE_DISPUTED; break;
				case 3: in = v.status == ENGINE_WITHDRAWN; break;
				case 4: in = v.status == ENGINE_BREACHED; break;
				default: in = false; break;
				}
				if (!in)
					continue;
				ARM_TRY(buf_puts(b, n++ ? "," : "", e));
				ARM_TRY(jstr(b, a->commitments[c].id, e));
			}
			ARM_TRY(buf_puts(b, "]", e));
		}
	}

	ARM_TRY(buf_puts(b, ",\"reversals\":[", e));
	for (c = 0, n = 0; c < a->ncommitments; c++) {
		ARM_TRY(engine_commitment_view(eng, c, now, &v));
		for (i = 0; i < v.nhistory; i++) {
			if (!v.history[i].reversal)
				continue;
			ARM_TRY(buf_puts(b, n++ ? ",{\"commitment\":" : "{\"commitment\":", e));
			ARM_TRY(jstr(b, a->commitments[c].id, e));
			ARM_TRY(buf_printf(b, e, ",\"index\":%llu,\"time\":",
			                   (unsigned long long)v.history[i].index));
			ARM_TRY(jtime(b, v.history[i].time, e));
			ARM_TRY(buf_printf(b, e, ",\"from\":\"%s\",\"to\":\"%s\"}",
			                   engine_status_name(v.history[i].from),
			                   engine_status_name(v.history[i].to)));
		}
	}
	ARM_TRY(buf_puts(b, "]", e));

	/* What each amendment changed (agreement_diff), log order. */
	{
		const struct engine_amendment *am;
		size_t na = engine_amendments(eng, &am), k;
		ARM_TRY(buf_puts(b, ",\"amendments\":[", e));
		for (k = 0; k < na; k++) {
			const char *p = am[k].changes, *q, *end = p ? p + am[k].len : NULL;
			bool first = true;
			ARM_TRY(buf_printf(b, e, "%s{\"index\":%llu,\"time\":", k ? "," : "",
			                   (unsigned long long)am[k].index));
			ARM_TRY(jtime(b, am[k].time, e));
			ARM_TRY(buf_puts(b, ",\"changes\":[", e));
			while (p != NULL && p < end &&
			       (q = memchr(p, '\n', (size_t)(end - p))) != NULL) {
				char line[1100];
				size_t ln = (size_t)(q - p) < sizeof(line) - 1 ? (size_t)(q - p)
				                                               : sizeof(line) - 1;
				memcpy(line, p, ln);
				line[ln] = '\0';
				ARM_TRY(buf_puts(b, first ? "" : ",", e));
				ARM_TRY(jstr(b, line, e));
				first = false;
				p = q + 1;
			}
			ARM_TRY(buf_puts(b, "]}", e));
		}
		ARM_TRY(buf_puts(b, "]", e));
	}
	ARM_TRY(buf_puts(b, ",\"actors\":[", e));
	for (i = 0; i < a->nactors; i++) {
		struct engine_record r;
		engine_record(eng, i, now, &r);
		ARM_TRY(buf_puts(b, i ? ",{\"id\":" : "{\"id\":", e));
		ARM_TRY(jstr(b, a->actors[i].id, e));
		ARM_TRY(buf_puts(b, ",\"name\":", e));
		ARM_TRY(jstr(b, a->actors[i].name ? a->actors[i].name : "", e));
		ARM_TRY(jtexts(b, "names", &a->actors[i].names, e));
		ARM_TRY(
		    buf_printf(b, e, ",\"role\":\"%s\"", agreement_role_name(a->actors[i].role)));
		ARM_TRY(buf_printf(
		    b, e,
		    ",\"owned\":%zu,\"done\":%zu,\"claims\":%zu,\"disputed\":%zu,"
		    "\"withdrawn\":%zu,\"overdue\":%zu,\"breaches\":%zu,\"reversals\":%zu,"
		    "\"attestations\":%zu,\"incidents_alleged\":%zu,\"entries\":%zu}",
		    r.owned, r.done, r.claims, r.disputed, r.withdrawn, r.overdue, r.breaches,
		    r.reversals, r.attests, r.incidents_alleged, r.entries));
	}
	ARM_TRY(buf_puts(b, "]", e));

	ARM_TRY(buf_puts(b, ",\"commitments\":[", e));
	for (c = 0; c < a->ncommitments; c++) {
		if (c)
			ARM_TRY(buf_puts(b, ",", e));
		ARM_TRY(commitment_json(eng, c, now, b, e));
	}
	ARM_TRY(buf_puts(b, "],\"incidents\":[", e));
	for (i = 0; i < engine_nincidents(eng); i++) {
		struct engine_incident inc;
		engine_incident(eng, i, &inc);
		ARM_TRY(buf_printf(b, e, "%s{\"index\":%llu,\"author\":", i ? "," : "",
		                   (unsigned long long)inc.index));
		ARM_TRY(jstr(b, inc.author < a->nactors ? a->actors[inc.author].id : "", e));
		ARM_TRY(buf_printf(b, e, ",\"seq\":%llu,\"type\":", (unsigned long long)inc.seq));
		ARM_TRY(jstr(b, inc.kind < a->nkinds ? a->kinds[inc.kind].id : "", e));
		ARM_TRY(buf_puts(b, ",\"provocation\":", e));
		ARM_TRY(jbool(b, inc.kind < a->nkinds && a->kinds[inc.kind].provocation, e));
		ARM_TRY(buf_puts(b, ",\"actor\":", e));
		if (inc.actor < a->nactors)
			ARM_TRY(jstr(b, a->actors[inc.actor].id, e));
		else
			ARM_TRY(buf_puts(b, "null", e));
		ARM_TRY(buf_puts(b, ",\"occurred\":", e));
		ARM_TRY(jtime(b, inc.occurred, e));
		ARM_TRY(buf_puts(b, ",\"lat\":", e));
		ARM_TRY(inc.has_pos ? jdeg(b, inc.lat_e7, e) : buf_puts(b, "null", e));
		ARM_TRY(buf_puts(b, ",\"lon\":", e));
		ARM_TRY(inc.has_pos ? jdeg(b, inc.lon_e7, e) : buf_puts(b, "null", e));
		ARM_TRY(place_json(a, &inc, b, e));
		ARM_TRY(buf_printf(b, e, ",\"confirmed\":%s,\"dismissed\":%s,\"breached\":%zu",
		                   inc.confirmed ? "true" : "false",
		                   inc.dismissed ? "true" : "false", inc.nbreached));
		ARM_TRY(buf_puts(b, ",\"logged\":", e));
		ARM_TRY(jtime(b, inc.logged, e));
		ARM_TRY(buf_printf(b, e, ",\"backdated\":%s}", inc.backdated ? "true" : "false"));
	}
	return buf_puts(b, "]}\n", e);
}
