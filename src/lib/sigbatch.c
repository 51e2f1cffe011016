/* sigbatch.c - see sigbatch.h. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "armistice/parfor.h"
#include "armistice/sigbatch.h"
#include "armistice/common.h"

/* The batch note_verify() consults on this thread (sigbatch_use()). */
static _Thread_local const struct sigbatch *current;

/* One thread's share: notes [lo, hi), its verified signatures in rec. */
struct part {
	struct sigbatch_rec *rec;
	size_t n, cap;
	bool oom;
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
		struct sigbatch_rec *r;

		if (k == NULL || s->sig_len != crypto_sign_BYTES ||
		    crypto_sign_verify_detached(s->sig, (const unsigned char *)nt.text, nt.text_len,
		                                k->pk) != 0)
			continue;
		if (p->n == p->cap) {
			size_t nc = p->cap ? p->cap * 2 : 256;
			struct sigbatch_rec *nr = realloc(p->rec, nc * sizeof(*nr));
			if (nr == NULL) {
				p->oom = true;
				break;
			}
			p->rec = nr;
			p->cap = nc;
		}
		r = &p->rec[p->n++];
		r->text = msg; /* the note's text is its first text_len bytes */
		r->len = nt.text_len;
		memcpy(r->pk, k->pk, sizeof(r->pk));
		memcpy(r->sig, s->sig, sizeof(r->sig));
	}
	note_release(&nt);
}

struct job {
	const struct sigbatch *sb;
	const uint8_t *const *notes;
	const size_t *lens;
	struct part parts[PARFOR_MAX_THREADS];
};

static void
share_run(void *ctx, size_t lo, size_t hi, unsigned t)
{
	struct job *j = ctx;
	size_t i;

	for (i = lo; i < hi && !j->parts[t].oom; i++)
		part_note(j->sb, &j->parts[t], j->notes[i], j->lens[i]);
}

static uint64_t
sig_hash(const uint8_t sig[64])
{
	uint64_t h;

	/* An Ed25519 signature's R is a curve point of a secret nonce: uniform enough. */
	memcpy(&h, sig, sizeof(h));
	return h ^ (h >> 29);
}

/* The lookup table over sb->rec: a power of two at least twice nrec. */
static int
build_slots(struct sigbatch *sb, struct arm_err *e)
{
	size_t want = 16, i;

	while (want < 2 * sb->nrec)
		want *= 2;
	if (want > sb->nslot) {
		uint32_t *ns = realloc(sb->slot, want * sizeof(*ns));
		if (ns == NULL)
			return arm_err_set(e, ARM_ENOMEM,
			                   "sigbatch: out of memory for %zu signatures", sb->nrec);
		sb->slot = ns;
		sb->nslot = want;
	}
	memset(sb->slot, 0, sb->nslot * sizeof(*sb->slot));
	for (i = 0; i < sb->nrec; i++) {
		size_t at = (size_t)sig_hash(sb->rec[i].sig) & (sb->nslot - 1);
		while (sb->slot[at] != 0)
			at = (at + 1) & (sb->nslot - 1);
		sb->slot[at] = (uint32_t)(i + 1);
	}
	return ARM_OK;
}

static int
gather(struct sigbatch *sb, struct part *parts, unsigned np, struct arm_err *e)
{
	size_t total = 0, i;
	unsigned t;

	for (t = 0; t < np; t++) {
		if (parts[t].oom)
			return arm_err_set(e, ARM_ENOMEM, "sigbatch: out of memory");
		total += parts[t].n;
	}
	if (total >= UINT32_MAX / 2)
		return arm_err_set(e, ARM_ELIMIT, "sigbatch: %zu signatures in one batch", total);
	if (total > sb->caprec) {
		struct sigbatch_rec *nr = realloc(sb->rec, total * sizeof(*nr));
		if (nr == NULL)
			return arm_err_set(e, ARM_ENOMEM,
			                   "sigbatch: out of memory for %zu signatures", total);
		sb->rec = nr;
		sb->caprec = total;
	}
	/* In note order, so the table is the same whatever the thread count. */
	sb->nrec = 0;
	for (t = 0; t < np; t++)
		for (i = 0; i < parts[t].n; i++)
			sb->rec[sb->nrec++] = parts[t].rec[i];
	return build_slots(sb, e);
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
		return build_slots(sb, e);
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return arm_err_set(e, ARM_ENOMEM, "sigbatch: out of memory");
	j->sb = sb;
	j->notes = notes;
	j->lens = lens;
	np = parfor(n, threads, share_run, j);
	rc = gather(sb, j->parts, np, e);
	for (t = 0; t < np; t++)
		free(j->parts[t].rec);
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
	sb->nrec = 0;
	if (sb->slot != NULL)
		memset(sb->slot, 0, sb->nslot * sizeof(*sb->slot));
}

void
sigbatch_release(struct sigbatch *sb)
{
	if (sb == NULL)
		return;
	if (current == sb)
		current = NULL;
	free(sb->rec);
	free(sb->slot);
	free(sb->keys);
	memset(sb, 0, sizeof(*sb));
}

const struct sigbatch *
sigbatch_use(const struct sigbatch *sb)
{
	const struct sigbatch *old = current;

	current = sb;
	return old;
}

bool
sigbatch_known(const uint8_t pk[32], const uint8_t sig[64], const char *text, size_t len)
{
	const struct sigbatch *sb = current;
	size_t at;

	if (sb == NULL || sb->nslot == 0 || sb->nrec == 0)
		return false;
	at = (size_t)sig_hash(sig) & (sb->nslot - 1);
	while (sb->slot[at] != 0) {
		const struct sigbatch_rec *r = &sb->rec[sb->slot[at] - 1];
		if (r->len == len && memcmp(r->sig, sig, 64) == 0 && memcmp(r->pk, pk, 32) == 0 &&
		    memcmp(r->text, text, len) == 0)
			return true;
		at = (at + 1) & (sb->nslot - 1);
	}
	return false;
}
