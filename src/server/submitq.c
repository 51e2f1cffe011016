/* submitq.c - see submitq.h. */
#include <pthread.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "armistice/entry.h"
#include "armistice/sigmemo.h"
#include "server/submitq.h"

/* What an answer job says (sq_item.ans). */
enum sq_answer {
	SQ_RECEIPT, /* published: the receipt */
	SQ_LATE,    /* durable, not published in time: 202 */
	SQ_REFUSED, /* err */
};

struct sq_item {
	struct httpd_later *l;
	const uint8_t *body;
	size_t len;
	bool parsed; /* author and seq known */
	char author[AGREEMENT_ID_MAX + 1];
	uint64_t seq;
	uint64_t arrival; /* order of arrival */
	size_t pos;       /* place in the batch (sq_order) */
	struct sigmemo_item memo[4];
	size_t nmemo;
	long long held_until; /* ms; 0: not held */
	uint64_t index;
	long long deadline; /* ms: the 202 answer after this */
	enum sq_answer ans;
	struct arm_err err;
	struct sq_item *next;
};

/* A FIFO of items. */
struct sq_list {
	struct sq_item *head, *tail;
	size_t n;
};

struct submitq {
	struct submitq_ops ops;
	pthread_mutex_t mu;
	pthread_cond_t workcv; /* check workers: something to check or answer */
	pthread_cond_t seqcv;  /* sequencer: something checked */
	struct sq_list check, ready, held, waiting, answer;
	uint64_t published, arrivals;
	bool stop;
	bool seq_started;
	pthread_t seq;
	pthread_t *workers;
	unsigned nworkers;
	/* The keys entries may be signed with (sequencer writes, workers read). */
	pthread_rwlock_t keylk;
	struct note_verifier keys[SUBMITQ_KEYS_MAX];
	size_t nkeys;
};

static long long
sq_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sq_put(struct sq_list *l, struct sq_item *it)
{
	it->next = NULL;
	if (l->tail != NULL)
		l->tail->next = it;
	else
		l->head = it;
	l->tail = it;
	l->n++;
}

static struct sq_item *
sq_take(struct sq_list *l)
{
	struct sq_item *it = l->head;

	if (it != NULL) {
		if ((l->head = it->next) == NULL)
			l->tail = NULL;
		l->n--;
		it->next = NULL;
	}
	return it;
}

/* Queues an answer job (mu held). */
static void
sq_answer(struct submitq *q, struct sq_item *it, enum sq_answer a)
{
	it->ans = a;
	sq_put(&q->answer, it);
	pthread_cond_signal(&q->workcv);
}

/*
 * The check before the sequencer: parse, and check each signature by a
 * key named now. Whatever fails here is left to the rules, which refuse
 * it with their own message.
 */
static void
sq_check(struct submitq *q, struct sq_item *it)
{
	struct note n;
	struct entry en;
	size_t i, j;

	if (note_parse(&n, it->body, it->len, ENTRY_MAX_SIZE, NULL) != ARM_OK)
		return;
	entry_init(&en);
	if (entry_parse(&en, (const uint8_t *)n.text, n.text_len, NULL) == ARM_OK &&
	    en.author != NULL && strlen(en.author) < sizeof(it->author)) {
		memcpy(it->author, en.author, strlen(en.author) + 1);
		it->seq = en.seq;
		it->parsed = true;
	}
	entry_release(&en);
	/* The memo points into the body, which outlives the append. */
	if (n.text_len <= it->len && memcmp(it->body, n.text, n.text_len) == 0) {
		pthread_rwlock_rdlock(&q->keylk);
		for (i = 0; i < n.nsigs && it->nmemo < 4; i++)
			for (j = 0; j < q->nkeys; j++) {
				const struct note_verifier *k = &q->keys[j];
				if (k->key_id != n.sigs[i].key_id ||
				    strcmp(k->name, n.sigs[i].name) != 0)
					continue;
				if (sigmemo_check(k->pk, n.sigs[i].sig, n.sigs[i].sig_len,
				                  (const char *)it->body, n.text_len,
				                  &it->memo[it->nmemo]))
					it->nmemo++;
				break;
			}
		pthread_rwlock_unlock(&q->keylk);
	}
	note_release(&n);
}

static void
sq_give(struct submitq *q, struct sq_item *it)
{
	struct httpd_resp rs;

	httpd_resp_init(&rs);
	switch (it->ans) {
	case SQ_RECEIPT: q->ops.receipt(q->ops.ctx, it->index, &rs); break;
	case SQ_LATE: q->ops.late(q->ops.ctx, httpd_later_req(it->l), it->index, &rs); break;
	case SQ_REFUSED:
		httpd_text(&rs, httpd_status_for(it->err.rc), "%s", it->err.msg);
		if (it->err.rc == ARM_EBUSY)
			rs.retry_after = 1;
		break;
	}
	httpd_finish(it->l, &rs);
	free(it);
}

/* Refuses an entry not appended because the server stops (mu held). */
static void
sq_refuse_stopping(struct submitq *q, struct sq_item *it)
{
	it->err.rc = ARM_EBUSY;
	snprintf(it->err.msg, sizeof(it->err.msg),
	         "the server is stopping: the entry was not appended; send it again");
	sq_answer(q, it, SQ_REFUSED);
}

/* Check workers: answers first (they free connections), then checks. */
static void *
sq_worker(void *arg)
{
	struct submitq *q = arg;
	struct sq_item *it;

	pthread_mutex_lock(&q->mu);
	for (;;) {
		if ((it = sq_take(&q->answer)) != NULL) {
			pthread_mutex_unlock(&q->mu);
			sq_give(q, it);
			pthread_mutex_lock(&q->mu);
			continue;
		}
		if ((it = sq_take(&q->check)) != NULL) {
			pthread_mutex_unlock(&q->mu);
			sq_check(q, it);
			pthread_mutex_lock(&q->mu);
			if (q->stop) {
				sq_refuse_stopping(q, it);
				continue;
			}
			sq_put(&q->ready, it);
			pthread_cond_signal(&q->seqcv);
			continue;
		}
		if (q->stop)
			break;
		pthread_cond_wait(&q->workcv, &q->mu);
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

void
submitq_push(struct submitq *q, struct httpd_later *l)
{
	const struct httpd_req *rq = httpd_later_req(l);
	struct sq_item *it = calloc(1, sizeof(*it));
	struct httpd_resp rs;

	if (it == NULL) {
		httpd_resp_init(&rs);
		httpd_text(&rs, 503, "out of memory: try again");
		rs.retry_after = 1;
		httpd_finish(l, &rs);
		return;
	}
	it->l = l;
	it->body = rq->body;
	it->len = rq->body_len;
	pthread_mutex_lock(&q->mu);
	it->arrival = q->arrivals++;
	if (q->stop) {
		sq_refuse_stopping(q, it);
	} else {
		sq_put(&q->check, it);
		pthread_cond_signal(&q->workcv);
	}
	pthread_mutex_unlock(&q->mu);
}

/* Entries below size are published: release them (mu held). */
static void
sq_release(struct submitq *q)
{
	struct sq_list keep = {NULL, NULL, 0};
	struct sq_item *it;
	long long now = sq_now_ms();

	while ((it = sq_take(&q->waiting)) != NULL) {
		if (it->index < q->published)
			sq_answer(q, it, SQ_RECEIPT);
		else if (now >= it->deadline || q->stop)
			sq_answer(q, it, SQ_LATE);
		else
			sq_put(&keep, it);
	}
	q->waiting = keep;
	pthread_cond_broadcast(&q->workcv);
}

void
submitq_published(struct submitq *q, uint64_t size)
{
	pthread_mutex_lock(&q->mu);
	if (size > q->published)
		q->published = size;
	sq_release(q);
	pthread_mutex_unlock(&q->mu);
}

static int
sq_by_arrival(const void *a, const void *b)
{
	const struct sq_item *x = *(struct sq_item *const *)a, *y = *(struct sq_item *const *)b;

	return x->arrival < y->arrival ? -1 : x->arrival > y->arrival;
}

/* Parsed items by author, then arrival: each author's slots together, in order. */
static int
sq_by_author(const void *a, const void *b)
{
	const struct sq_item *x = *(struct sq_item *const *)a, *y = *(struct sq_item *const *)b;
	int c = strcmp(x->author, y->author);

	return c != 0 ? c : sq_by_arrival(a, b);
}

static int
sq_by_seq(const void *a, const void *b)
{
	const struct sq_item *x = *(struct sq_item *const *)a, *y = *(struct sq_item *const *)b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * The batch in order of arrival, except that each author's entries take
 * that author's places in seq order: they may have raced each other on
 * separate connections, and only that order can pass rule seq-order.
 * Deterministic for a given batch; slot[] has room for n.
 */
static void
sq_order(struct sq_item **v, size_t n, struct sq_item **by, size_t *slot)
{
	size_t i, j, k, m = 0;

	qsort(v, n, sizeof(*v), sq_by_arrival);
	for (i = 0; i < n; i++) {
		v[i]->pos = i;
		if (v[i]->parsed)
			by[m++] = v[i];
	}
	qsort(by, m, sizeof(*by), sq_by_author);
	for (i = 0; i < m; i = j) {
		for (j = i + 1; j < m && strcmp(by[j]->author, by[i]->author) == 0; j++)
			;
		if (j - i < 2)
			continue;
		/* The group's places, in arrival order, then its items by seq into them. */
		for (k = i; k < j; k++)
			slot[k - i] = by[k]->pos;
		qsort(by + i, j - i, sizeof(*by), sq_by_seq);
		for (k = i; k < j; k++)
			v[slot[k - i]] = by[k];
	}
}

/* Is err the refusal of an entry that may only be early (rule seq-order, skips ahead)? */
static bool
sq_early(const struct arm_err *err)
{
	return err->rc == ARM_ERULE && strstr(err->msg, "seq-order") != NULL &&
	       strstr(err->msg, "skips ahead") != NULL;
}

/* The sequencer's arrays, one batch's worth each. */
struct sq_seqbuf {
	struct sq_item **v, **by;
	size_t *slot;
	const uint8_t **entries;
	size_t *lens;
	struct log_result *res;
	struct sigmemo memo;
};

static void
sq_seqbuf_free(struct sq_seqbuf *b)
{
	free(b->v);
	free(b->by);
	free(b->slot);
	free(b->entries);
	free(b->lens);
	free(b->res);
	sigmemo_release(&b->memo);
}

static int
sq_seqbuf_init(struct sq_seqbuf *b)
{
	size_t n = SUBMITQ_BATCH_MAX;

	memset(b, 0, sizeof(*b));
	sigmemo_init(&b->memo);
	b->v = calloc(n, sizeof(*b->v));
	b->by = calloc(n, sizeof(*b->by));
	b->slot = calloc(n, sizeof(*b->slot));
	b->entries = calloc(n, sizeof(*b->entries));
	b->lens = calloc(n, sizeof(*b->lens));
	b->res = calloc(n, sizeof(*b->res));
	if (b->v == NULL || b->by == NULL || b->slot == NULL || b->entries == NULL ||
	    b->lens == NULL || b->res == NULL) {
		sq_seqbuf_free(b);
		return -1;
	}
	return 0;
}

static void
sq_refresh_keys(struct submitq *q)
{
	static struct note_verifier k[SUBMITQ_KEYS_MAX]; /* the sequencer's only */
	size_t n = q->ops.keys(q->ops.ctx, k, SUBMITQ_KEYS_MAX);

	pthread_rwlock_wrlock(&q->keylk);
	memcpy(q->keys, k, n * sizeof(*k));
	q->nkeys = n;
	pthread_rwlock_unlock(&q->keylk);
}

/* Appends v[0..n) as one batch with the memo of their checked signatures. */
static int
sq_append(struct submitq *q, struct sq_seqbuf *b, size_t n)
{
	struct arm_err e;
	size_t i, j;
	int rc;

	sq_order(b->v, n, b->by, b->slot);
	sigmemo_clear(&b->memo);
	for (i = 0; i < n; i++) {
		b->entries[i] = b->v[i]->body;
		b->lens[i] = b->v[i]->len;
		memset(&b->res[i], 0, sizeof(b->res[i]));
		for (j = 0; j < b->v[i]->nmemo; j++)
			(void)sigmemo_add(&b->memo, &b->v[i]->memo[j]);
	}
	sigmemo_use(&b->memo);
	rc = q->ops.append(q->ops.ctx, b->entries, b->lens, n, b->res, &e);
	sigmemo_use(NULL);
	sq_refresh_keys(q);
	return rc;
}

/* Where each entry of the batch goes now (mu held). */
static bool
sq_sort_out(struct submitq *q, struct sq_seqbuf *b, size_t n, long wait_ms)
{
	long long now = sq_now_ms();
	bool any = false;
	size_t i;

	for (i = 0; i < n; i++) {
		struct sq_item *it = b->v[i];
		it->err = b->res[i].err;
		if (it->err.rc == ARM_OK) {
			it->index = b->res[i].index;
			it->deadline = now + wait_ms;
			any = any || !b->res[i].dup;
			sq_put(&q->waiting, it);
		} else if (sq_early(&it->err) && (it->held_until == 0 || now < it->held_until)) {
			if (it->held_until == 0)
				it->held_until = now + SUBMITQ_HOLD_MS;
			sq_put(&q->held, it);
		} else {
			sq_answer(q, it, SQ_REFUSED);
		}
	}
	return any;
}

/* Held entries whose time is up get their refusal (mu held). */
static void
sq_expire_held(struct submitq *q)
{
	struct sq_list keep = {NULL, NULL, 0};
	struct sq_item *it;
	long long now = sq_now_ms();

	while ((it = sq_take(&q->held)) != NULL) {
		if (now >= it->held_until || q->stop)
			sq_answer(q, it, SQ_REFUSED);
		else
			sq_put(&keep, it);
	}
	q->held = keep;
}

static void *
sq_sequencer(void *arg)
{
	struct submitq *q = arg;
	struct sq_seqbuf sb, *b = &sb;
	struct timespec ts;
	struct sq_item *it;
	size_t n;
	long wait_ms;
	bool any;

	if (sq_seqbuf_init(b) != 0)
		return NULL; /* submitq_stop() refuses what waits */
	sq_refresh_keys(q);
	pthread_mutex_lock(&q->mu);
	while (!q->stop) {
		sq_expire_held(q);
		sq_release(q);
		if (q->ready.n == 0) {
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 50 * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&q->seqcv, &q->mu, &ts);
			continue;
		}
		/* The held ones first: they may be what the new ones were waiting behind. */
		for (n = 0; n < SUBMITQ_BATCH_MAX && (it = sq_take(&q->held)) != NULL; n++)
			b->v[n] = it;
		for (; n < SUBMITQ_BATCH_MAX && (it = sq_take(&q->ready)) != NULL; n++)
			b->v[n] = it;
		pthread_mutex_unlock(&q->mu);
		(void)sq_append(q, b, n);
		wait_ms = q->ops.wait_ms(q->ops.ctx);
		pthread_mutex_lock(&q->mu);
		any = sq_sort_out(q, b, n, wait_ms);
		pthread_mutex_unlock(&q->mu);
		if (any)
			q->ops.committed(q->ops.ctx);
		pthread_mutex_lock(&q->mu);
	}
	pthread_mutex_unlock(&q->mu);
	sq_seqbuf_free(b);
	return NULL;
}

int
submitq_new(struct submitq **out, const struct submitq_ops *ops, unsigned workers,
            struct arm_err *e)
{
	struct submitq *q;
	unsigned i;

	*out = NULL;
	if ((q = calloc(1, sizeof(*q))) == NULL ||
	    (q->workers = calloc(workers ? workers : 1, sizeof(*q->workers))) == NULL) {
		free(q);
		return arm_err_set(e, ARM_ENOMEM, "out of memory for the submission queue");
	}
	q->ops = *ops;
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->workcv, NULL);
	pthread_cond_init(&q->seqcv, NULL);
	pthread_rwlock_init(&q->keylk, NULL);
	for (i = 0; i < (workers ? workers : 1); i++)
		if (pthread_create(&q->workers[i], NULL, sq_worker, q) != 0)
			break;
	q->nworkers = i;
	if (i > 0 && pthread_create(&q->seq, NULL, sq_sequencer, q) == 0)
		q->seq_started = true;
	if (!q->seq_started) {
		submitq_stop(q);
		submitq_free(q);
		return arm_err_set(e, ARM_EIO, "cannot start the submission threads");
	}
	*out = q;
	return ARM_OK;
}

void
submitq_stop(struct submitq *q)
{
	struct sq_item *it;
	unsigned i;

	if (q == NULL)
		return;
	pthread_mutex_lock(&q->mu);
	q->stop = true;
	pthread_cond_broadcast(&q->seqcv);
	pthread_mutex_unlock(&q->mu);
	if (q->seq_started)
		pthread_join(q->seq, NULL);
	q->seq_started = false;
	/* Nothing more is appended: what was not is refused, what was gets its 202. */
	pthread_mutex_lock(&q->mu);
	while ((it = sq_take(&q->check)) != NULL || (it = sq_take(&q->ready)) != NULL)
		sq_refuse_stopping(q, it);
	sq_expire_held(q);
	sq_release(q);
	pthread_cond_broadcast(&q->workcv);
	pthread_mutex_unlock(&q->mu);
	for (i = 0; i < q->nworkers; i++)
		pthread_join(q->workers[i], NULL);
	q->nworkers = 0;
}

void
submitq_free(struct submitq *q)
{
	if (q == NULL)
		return;
	submitq_stop(q);
	pthread_rwlock_destroy(&q->keylk);
	pthread_cond_destroy(&q->seqcv);
	pthread_cond_destroy(&q->workcv);
	pthread_mutex_destroy(&q->mu);
	free(q->workers);
	free(q);
}
