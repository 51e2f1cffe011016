/* sigbatch.c - see sigbatch.h. */
#include <stdlib.h>
#include <string.h>

#include "armistice/parfor.h"
#include "armistice/sigbatch.h"
#include "armistice/common.h"

/* One thread's share: the triples that verified, in note order. */
struct part {
	struct sigmemo_item *v;
	size_t n, cap;
	bool oom;
};

struct job {
	const struct sigbatch *sb;
	const uint8_t *const *notes;
	const size_t *lens;
	struct part parts[PARFOR_MAX_THREADS];
};

static const struct note_verifier *
find_key(const struct sigbatch *sb, const struct note_sig *s)
{
	size_t j;

	for (j = 0; j < sb->nkeys; j++)
		if (sb->keys[j].key_id == s->key_id && sb->keys[j].type == NOTE_KEY_ED25519 &&
		    strcmp(sb->keys[j].name, s->name) == 0)
			return &sb->keys[j];
	return NULL;
}

static void
part_note(const struct sigbatch *sb, struct part *p, const uint8_t *msg, size_t len)
{
	struct note nt;
	size_t i;

	if (note_parse(&nt, msg, len, 0, NULL) != ARM_OK)
		return; /* the rules say why */
	for (i = 0; i < nt.nsigs && !p->oom; i++) {
		const struct note_sig *s = &nt.sigs[i];
		const struct note_verifier *k = find_key(sb, s);
		struct sigmemo_item it;

		/* The note's text is its first text_len bytes: point there, not at the copy. */
		if (k == NULL ||
		    !sigmemo_check(k->pk, s->sig, s->sig_len, (const char *)msg, nt.text_len, &it))
			continue;
		if (p->n == p->cap) {
			size_t nc = p->cap ? p->cap * 2 : 256;
			struct sigmemo_item *nv = realloc(p->v, nc * sizeof(*nv));
			if (nv == NULL) {
				p->oom = true;
				break;
			}
			p->v = nv;
			p->cap = nc;
		}
		p->v[p->n++] = it;
	}
	note_release(&nt);
}

static void
share_run(void *ctx, size_t lo, size_t hi, unsigned t)
{
	struct job *j = ctx;
	size_t i;

	for (i = lo; i < hi && !j->parts[t].oom; i++)
		part_note(j->sb, &j->parts[t], j->notes[i], j->lens[i]);
}

/* The shares into the memo in note order (the same for any thread count). */
static int
gather(struct sigbatch *sb, struct part *parts, unsigned np, struct arm_err *e)
{
	size_t i;
	unsigned t;

	for (t = 0; t < np; t++) {
		if (parts[t].oom)
			return arm_err_set(e, ARM_ENOMEM, "sigbatch: out of memory");
		for (i = 0; i < parts[t].n; i++)
			if (!sigmemo_add(&sb->memo, &parts[t].v[i]))
				return arm_err_set(e, ARM_ENOMEM, "sigbatch: out of memory");
	}
	if (!sigmemo_index(&sb->memo))
		return arm_err_set(e, ARM_ENOMEM, "sigbatch: out of memory indexing %zu signatures",
		                   sb->memo.n);
	return ARM_OK;
}

int
sigbatch_run(struct sigbatch *sb, const uint8_t *const *notes, const size_t *lens, size_t n,
             const struct note_verifier *keys, size_t nkeys, unsigned threads, struct arm_err *e)
{
	struct job *j;
	unsigned np, t;
	int rc;

	sigbatch_clear(sb);
	if (nkeys > sb->capkeys) {
		struct note_verifier *nk = realloc(sb->keys, nkeys * sizeof(*nk));
		if (nk == NULL)
			return arm_err_set(e, ARM_ENOMEM, "sigbatch: out of memory");
		sb->keys = nk;
		sb->capkeys = nkeys;
	}
	if (nkeys > 0)
		memcpy(sb->keys, keys, nkeys * sizeof(*keys));
	sb->nkeys = nkeys;
	if (n == 0 || nkeys == 0)
		return ARM_OK;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return arm_err_set(e, ARM_ENOMEM, "sigbatch: out of memory");
	j->sb = sb;
	j->notes = notes;
	j->lens = lens;
	np = parfor(n, threads, share_run, j);
	rc = gather(sb, j->parts, np, e);
	for (t = 0; t < np; t++)
		free(j->parts[t].v);
	free(j);
	if (rc != ARM_OK)
		sigbatch_clear(sb);
	return rc;
}

int
sigbatch_agreement_keys(const struct agreement *a, struct note_verifier **keys, size_t *n,
                        size_t *cap, struct arm_err *e)
{
	size_t want = *n + 1, i, k;

	for (i = 0; i < a->nactors; i++)
		want += a->actors[i].nkeys;
	if (want > *cap) {
		struct note_verifier *nk = realloc(*keys, want * sizeof(*nk));
		if (nk == NULL)
			return arm_err_set(e, ARM_ENOMEM, "sigbatch: out of memory");
		*keys = nk;
		*cap = want;
	}
	for (i = 0; i < a->nactors; i++)
		for (k = 0; k < a->actors[i].nkeys; k++)
			(*keys)[(*n)++] = a->actors[i].keys[k];
	(*keys)[(*n)++] = a->log.key;
	return ARM_OK;
}

void
sigbatch_clear(struct sigbatch *sb)
{
	sigmemo_clear(&sb->memo);
}

void
sigbatch_release(struct sigbatch *sb)
{
	if (sb == NULL)
		return;
	sigmemo_release(&sb->memo);
	free(sb->keys);
	memset(sb, 0, sizeof(*sb));
}
