/* receipt.c - see receipt.h. */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "armistice/ckpt.h"
#include "armistice/note.h"
#include "armistice/sigmemo.h"
#include "armistice/tproof.h"
#include "server/receipt.h"

/* Clock leaves kept per checkpoint: one per batch it covers, usually a few. */
#define RCPT_CLOCKS 16

struct rcpt {
	struct log *log;
	pthread_rwlock_t lk; /* readers build receipts; the writer moves to a new checkpoint */
	uint64_t size;       /* of the checkpoint in note (0: none yet) */
	struct buf note;     /* the public checkpoint as read, its text checked in memo */
	struct sigmemo memo;
	struct buf clocks[RCPT_CLOCKS]; /* clock leaves whose signature is in memo */
	size_t nclocks;
};

int
rcpt_new(struct rcpt **out, struct log *l, struct arm_err *e)
{
	struct rcpt *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (r == NULL)
		return arm_err_set(e, ARM_ENOMEM, "out of memory for the receipts");
	r->log = l;
	pthread_rwlock_init(&r->lk, NULL);
	buf_init(&r->note, 1u << 16);
	sigmemo_init(&r->memo);
	for (size_t i = 0; i < RCPT_CLOCKS; i++)
		buf_init(&r->clocks[i], 1u << 16);
	*out = r;
	return ARM_OK;
}

void
rcpt_free(struct rcpt *r)
{
	if (r == NULL)
		return;
	pthread_rwlock_destroy(&r->lk);
	buf_release(&r->note);
	sigmemo_release(&r->memo);
	for (size_t i = 0; i < RCPT_CLOCKS; i++)
		buf_release(&r->clocks[i]);
	free(r);
}

/*
 * Reads the public checkpoint and checks its log signature once (lk held
 * for writing). A failure only leaves the memo empty: log_prove() then
 * checks the signature itself and reports what is wrong.
 */
static void
rcpt_refresh(struct rcpt *r)
{
	const struct note_verifier *k = log_vkey(r->log);
	struct sigmemo_item it;
	struct arm_err e;
	struct ckpt c;
	struct note n;
	size_t i;

	sigmemo_clear(&r->memo);
	r->nclocks = 0;
	r->size = 0;
	buf_reset(&r->note);
	if (log_read_file(r->log, "checkpoint", &r->note, &e) != ARM_OK ||
	    ckpt_open(r->note.data, r->note.len, k, NULL, &c, &n, &e) != ARM_OK)
		return;
	for (i = 0; i < n.nsigs; i++)
		if (n.sigs[i].key_id == k->key_id && strcmp(n.sigs[i].name, k->name) == 0 &&
		    n.text_len <= r->note.len && memcmp(r->note.data, n.text, n.text_len) == 0 &&
		    sigmemo_check(k->pk, n.sigs[i].sig, n.sigs[i].sig_len,
		                  (const char *)r->note.data, n.text_len, &it))
			(void)sigmemo_add(&r->memo, &it);
	r->size = c.size;
	note_release(&n);
}

/*
 * The clock leaf in a receipt's extra data (logclock_receipt_format():
 * two header lines, the path, an empty line, then the signed note), or
 * NULL.
 */
static const uint8_t *
rcpt_clock_note(const struct tproof *p, size_t *len)
{
	const uint8_t *nl;

	if (p->extra == NULL || (nl = memmem(p->extra, p->extra_len, "\n\n", 2)) == NULL)
		return NULL;
	nl += 2;
	*len = p->extra_len - (size_t)(nl - p->extra);
	return nl;
}

/* Is the clock leaf note[0..len) one whose signature the memo holds? (lk held) */
static bool
rcpt_has_clock(const struct rcpt *r, const uint8_t *note, size_t len)
{
	size_t i;

	for (i = 0; i < r->nclocks; i++)
		if (r->clocks[i].len == len && memcmp(r->clocks[i].data, note, len) == 0)
			return true;
	return false;
}

/*
 * Every receipt of a batch carries the same clock leaf, which
 * log_prove_sequenced() verifies each time: keep a copy with its log
 * signature checked once (lk held for writing; nothing kept on failure).
 */
static void
rcpt_learn_clock(struct rcpt *r, const uint8_t *note, size_t len)
{
	const struct note_verifier *k = log_vkey(r->log);
	struct buf *b = &r->clocks[r->nclocks];
	struct sigmemo_item it;
	struct note n;
	size_t i;
	bool kept = false;

	if (r->nclocks == RCPT_CLOCKS || rcpt_has_clock(r, note, len))
		return;
	buf_reset(b);
	if (buf_append(b, note, len, NULL) != ARM_OK ||
	    note_parse(&n, b->data, b->len, 1u << 16, NULL) != ARM_OK)
		return;
	for (i = 0; i < n.nsigs; i++)
		if (n.sigs[i].key_id == k->key_id && strcmp(n.sigs[i].name, k->name) == 0 &&
		    n.text_len <= b->len && memcmp(b->data, n.text, n.text_len) == 0 &&
		    sigmemo_check(k->pk, n.sigs[i].sig, n.sigs[i].sig_len, (const char *)b->data,
		                  n.text_len, &it))
			kept = sigmemo_add(&r->memo, &it) || kept;
	note_release(&n);
	if (kept)
		r->nclocks++;
}

int
rcpt_build(struct rcpt *r, uint64_t index, struct buf *out, struct arm_err *e)
{
	struct tproof p;
	uint64_t pub = log_published_size(r->log);
	const uint8_t *clock;
	size_t clen = 0;
	bool learn;
	int rc;

	pthread_rwlock_rdlock(&r->lk);
	if (r->size != pub) {
		pthread_rwlock_unlock(&r->lk);
		pthread_rwlock_wrlock(&r->lk);
		if (r->size != pub)
			rcpt_refresh(r);
	}
	memset(&p, 0, sizeof(p));
	sigmemo_use(&r->memo);
	rc = log_prove(r->log, index, 0, &p, e);
	if (rc == ARM_OK && (rc = log_prove_sequenced(r->log, &p, e)) == ARM_ENOTFOUND)
		rc = ARM_OK; /* no clock leaf before it: a receipt without a time */
	sigmemo_use(NULL);
	clock = rc == ARM_OK ? rcpt_clock_note(&p, &clen) : NULL;
	learn = clock != NULL && !rcpt_has_clock(r, clock, clen);
	pthread_rwlock_unlock(&r->lk);
	if (learn) {
		pthread_rwlock_wrlock(&r->lk);
		if (r->size == pub)
			rcpt_learn_clock(r, clock, clen);
		pthread_rwlock_unlock(&r->lk);
	}
	if (rc == ARM_OK)
		rc = tproof_format(&p, out, e);
	tproof_release(&p);
	return rc;
}
