/* witset.c - see witset.h. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "armistice/entry.h"
#include "armistice/note.h"
#include "server/witset.h"

void
witset_init(struct witset *w)
{
	memset(w, 0, sizeof(*w));
	agreement_init(&w->a);
	w->scanned = 1; /* entry 0 is the agreement itself */
}

void
witset_release(struct witset *w)
{
	agreement_release(&w->a);
	witset_init(w);
}

const struct agreement *
witset_agreement(const struct witset *w, const struct agreement *a0)
{
	return w->have ? &w->a : a0;
}

bool
witset_same(const struct agreement *a, const struct agreement *b)
{
	char qa[256], qb[256];
	size_t i;

	if (a->log.nwitnesses != b->log.nwitnesses)
		return false;
	for (i = 0; i < a->log.nwitnesses; i++) {
		const struct agreement_witness *x = &a->log.witnesses[i], *y = &b->log.witnesses[i];
		if (strcmp(x->id, y->id) != 0 || strcmp(x->key.name, y->key.name) != 0 ||
		    x->key.key_id != y->key.key_id)
			return false;
	}
	agreement_quorum_describe(a, qa, sizeof(qa));
	agreement_quorum_describe(b, qb, sizeof(qb));
	return strcmp(qa, qb) == 0;
}

/* "[w-north, w-nnsc], 2 of the 2 witnesses" into out. */
static void
describe(const struct agreement *a, char *out, size_t cap)
{
	char q[256];
	size_t i, n = 0;

	n += (size_t)snprintf(out, cap, "[");
	for (i = 0; i < a->log.nwitnesses && n < cap; i++)
		n += (size_t)snprintf(out + n, cap - n, "%s%s", i ? ", " : "",
		                      a->log.witnesses[i].id);
	agreement_quorum_describe(a, q, sizeof(q));
	if (n < cap)
		snprintf(out + n, cap - n, "] quorum %s", q);
}

struct witset_scan {
	struct witset *w;
	const struct agreement *a0;
	agreement_read_fn read_file;
	void *rctx;
	bool changed;
	char *what;
	size_t cap;
};

/* One amendment: opened against the agreement in force, its agreement parsed. */
static int
witset_amend(struct witset_scan *sc, uint64_t index, const uint8_t *note, size_t len,
             struct arm_err *e)
{
	const struct agreement *cur = witset_agreement(sc->w, sc->a0);
	struct entry en;
	struct agreement na;
	char from[300], to[300];
	int rc;

	entry_init(&en);
	agreement_init(&na);
	if ((rc = entry_open(&en, note, len, cur, e)) != ARM_OK)
		goto out;
	if (en.kind != ENTRY_AMEND)
		goto out;
	if ((rc = agreement_parse(&na, en.body, en.body_len, "amendment", sc->read_file, sc->rctx,
	                          NULL, e)) != ARM_OK ||
	    (rc = entry_check_zones(&en, &na, e)) != ARM_OK)
		goto out;
	if (!witset_same(cur, &na)) {
		describe(cur, from, sizeof(from));
		describe(&na, to, sizeof(to));
		snprintf(sc->what, sc->cap,
		         "the amendment at entry %" PRIu64 " changes the witnesses from %s to %s",
		         index, from, to);
		sc->changed = true;
	}
	agreement_release(&sc->w->a);
	sc->w->a = na;
	agreement_init(&na);
	sc->w->have = true;
	sc->w->index = index;
out:
	if (rc != ARM_OK)
		arm_err_prefix(e, "entry %" PRIu64 " (amend)", index);
	agreement_release(&na);
	entry_release(&en);
	return rc;
}

static int
witset_scan_one(void *ctx, uint64_t index, const uint8_t *note, size_t len, struct arm_err *e)
{
	static const char kind[] = "\nkind: amend\n";
	struct witset_scan *sc = ctx;
	size_t head = len < 64 ? len : 64;

	/* Only amendments matter; the kind is the entry's second line (docs/entries.md). */
	if (memmem(note, head, kind, sizeof(kind) - 1) != NULL)
		ARM_TRY(witset_amend(sc, index, note, len, e));
	sc->w->scanned = index + 1;
	return ARM_OK;
}

int
witset_advance(struct witset *w, struct log *l, const struct agreement *a0, uint64_t size,
               agreement_read_fn read_file, void *rctx, bool *changed, char *what, size_t cap,
               struct arm_err *e)
{
	struct witset_scan sc = {w, a0, read_file, rctx, false, what, cap};

	*changed = false;
	if (cap > 0)
		what[0] = '\0';
	if (size <= w->scanned)
		return ARM_OK;
	ARM_TRY(log_scan(l, w->scanned, size, witset_scan_one, &sc, e));
	*changed = sc.changed;
	return ARM_OK;
}
