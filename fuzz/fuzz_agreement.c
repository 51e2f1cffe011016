/*
 * fuzz_agreement.c - agreement_parse() (agreement/v1 YAML via libfyaml).
 * Zone files come from a reader that serves the same small polygon for
 * any path. Properties: a refused agreement leaves the struct empty; an
 * accepted one has every index in range, an acyclic requires graph in
 * topological order, quorums within their lists, a reference line on
 * one of its zones with a party on its positive side, and a well-formed
 * agreement entry that parses back with the agreement's id.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "armistice/agreement.h"
#include "armistice/entry.h"
#include "armistice/common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
read_zone(void *ctx, const char *rel, struct buf *out, struct arm_err *e)
{
	/* A polygon, so that standing commitments may name file zones (geo_check_zone). */
	static const char z[] = "{\"type\": \"Polygon\", \"coordinates\": [[[126.6, 37.9], "
	                        "[126.8, 37.9], [126.8, 38.0], [126.6, 37.9]]]}\n";

	(void)ctx;
	if (strcmp(rel, "missing.geojson") == 0)
		return arm_err_set(e, ARM_ENOTFOUND, "no file");
	return buf_append(out, z, sizeof(z) - 1, e);
}

static void
check(const struct agreement *a)
{
	size_t i, k, *pos;

	for (i = 0; i < a->ncommitments; i++) {
		const struct agreement_commitment *c = &a->commitments[i];
		if (c->id == NULL || c->phase >= a->nphases || c->nowners == 0)
			abort();
		for (k = 0; k < c->nowners; k++)
			if (c->owners[k] >= a->nactors) /* any actor may own */
				abort();
		if (c->due.kind == AGREEMENT_DUE_DDAY && !a->has_effective)
			abort();
		if (c->due.kind == AGREEMENT_DUE_AFTER &&
		    (c->due.after >= a->ncommitments || (c->due.days < 0) == (c->due.hours < 0)))
			abort();
		for (k = 0; k < c->nrequires; k++)
			if (c->requires[k] >= a->ncommitments)
				abort();
		if (c->verify.kind == AGREEMENT_VERIFY_BY &&
		    (c->verify.quorum == 0 || c->verify.quorum > c->verify.nby))
			abort();
		if (c->verify.kind == AGREEMENT_VERIFY_MUTUAL && c->nowners < 2)
			abort();
		if (c->together != AGREEMENT_NONE &&
		    (c->together >= a->ntogethers || a->togethers[c->together].nmembers < 2))
			abort();
	}
	if (a->topo == NULL)
		abort();
	/* reference_line: a zone of the agreement, its party a party (docs/agreement.md "Places").
	 */
	if (a->line.positive != AGREEMENT_SIDE_NONE &&
	    (a->line.positive > AGREEMENT_SIDE_WEST || a->line.zone >= a->nzones ||
	     a->line.name == NULL ||
	     (a->line.party != AGREEMENT_NONE &&
	      (a->line.party >= a->nactors || a->actors[a->line.party].role != AGREEMENT_PARTY))))
		abort();
	if (a->arbiter.nby > 0 && (a->arbiter.quorum == 0 || a->arbiter.quorum > a->arbiter.nby))
		abort();
	for (k = 0; k < a->arbiter.nby; k++)
		if (a->arbiter.by[k] >= a->nactors)
			abort();
	for (k = 0; k < a->nfinders; k++)
		if (a->finders[k] >= a->nactors)
			abort();
	pos = calloc(a->ncommitments + 1, sizeof(size_t));
	if (pos == NULL)
		return;
	for (i = 0; i < a->ncommitments; i++)
		pos[a->topo[i]] = i;
	for (i = 0; i < a->ncommitments; i++)
		for (k = 0; k < a->commitments[i].nrequires; k++)
			if (pos[a->commitments[i].requires[k]] >= pos[i])
				abort();
	free(pos);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct agreement a;
	struct arm_err e;
	struct buf text = BUF_INIT(ENTRY_MAX_SIZE);
	struct entry en;

	if (agreement_parse(&a, data, size, "fuzz.yaml", read_zone, NULL, NULL, &e) != ARM_OK) {
		if (a.yaml != NULL || a.commitments != NULL || a.actors != NULL)
			abort();
		return 0;
	}
	check(&a);
	if (entry_agreement_text(&a, &text, &e) == ARM_OK) {
		if (entry_parse(&en, text.data, text.len, &e) != ARM_OK)
			abort();
		if (memcmp(en.agreement, a.id, HASH_SIZE) != 0)
			abort();
		entry_release(&en);
	}
	buf_release(&text);
	agreement_release(&a);
	return 0;
}
