/* test_witness.c - C2SP tlog-witness v1.0.0: request parsing, every status
 * of add-checkpoint, durable state across a restart, evidence files. */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "armistice/b64.h"
#include "armistice/ckpt.h"
#include "armistice/cosig.h"
#include "armistice/merkle.h"
#include "armistice/note.h"
#include "armistice/witness.h"
#include "harness.h"
#include "armistice/common.h"

#define ORIGIN "example.org/armistice-test-log"
#define NLEAVES 40

static struct note_signer logkey, otherkey, wkey;
static struct note_verifier logv, wv;
static uint8_t leaves[NLEAVES][HASH_SIZE];
static uint8_t forked[NLEAVES][HASH_SIZE];
static char dir[256];

static void
root_of(const uint8_t (*l)[HASH_SIZE], uint64_t n, uint8_t out[HASH_SIZE])
{
	struct merkle_mem m;
	struct merkle_src src;
	struct arm_err e;

	merkle_mem_src(&m, l, n, &src);
	if (merkle_root(&src, n, out, &e) != ARM_OK)
		memset(out, 0, HASH_SIZE);
}

/* A log-signed checkpoint note for the first n leaves of l, signed by k. */
static void
signed_ckpt(const struct note_signer *k, const uint8_t (*l)[HASH_SIZE], uint64_t n, struct buf *out)
{
	struct ckpt c;
	struct buf text = BUF_INIT(4096);
	struct arm_err e;
	const struct note_signer *ks[1] = {k};

	memset(&c, 0, sizeof(c));
	snprintf(c.origin, sizeof(c.origin), "%s", ORIGIN);
	c.size = n;
	root_of(l, n, c.root);
	buf_reset(out);
	if (ckpt_format(&c, &text, &e) != ARM_OK ||
	    note_sign((const char *)text.data, text.len, ks, 1, out, &e) != ARM_OK)
		printf("not ok - setup: %s\n", e.msg);
	buf_release(&text);
}

/* The request body "old <old>", proof from old to n, blank, checkpoint. */
static void
request(uint64_t old, uint64_t n, const struct buf *ck, struct buf *out)
{
	struct merkle_mem m;
	struct merkle_src src;
	uint8_t proof[MERKLE_MAX_PROOF][HASH_SIZE];
	size_t np = 0;
	struct arm_err e;

	merkle_mem_src(&m, (const uint8_t(*)[HASH_SIZE])leaves, n, &src);
	if (old > 0 && old < n && merkle_prove_consistency(&src, old, n, proof, &np, &e) != ARM_OK)
		printf("not ok - proof: %s\n", e.msg);
	buf_reset(out);
	if (witness_req_format(old, (const uint8_t(*)[HASH_SIZE])proof, np, ck->data, ck->len, out,
	                       &e) != ARM_OK)
		printf("not ok - format: %s\n", e.msg);
}

static int
post(struct witness *w, const struct buf *body, struct witness_reply *rep, struct arm_err *e)
{
	buf_reset(&rep->body);
	rep->status = 0;
	if (witness_add_checkpoint(w, body->data, body->len, 1700000000, rep, e) != ARM_OK)
		return -1;
	return rep->status;
}

static size_t
count_evidence(void)
{
	char p[300];
	DIR *d;
	struct dirent *de;
	size_t n = 0;

	snprintf(p, sizeof(p), "%s/evidence", dir);
	if ((d = opendir(p)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
		if (strstr(de->d_name, ".req") != NULL && de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void
test_req_parse(void)
{
	struct witness_req r;
	struct arm_err e;
	struct buf b = BUF_INIT(WITNESS_MAX_BODY * 2);
	const char *ck =
	    "o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\xe2\x80\x94 o AAAA\n";
	const char *h = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
	char msg[512];
	int i;

	snprintf(msg, sizeof(msg), "old 5\n%s%s\n%s", h, h, ck);
	CHECKM(witness_req_parse(&r, (const uint8_t *)msg, strlen(msg), &e) == ARM_OK, e.msg);
	CHECK(r.old == 5 && r.nproof == 2 && r.ckpt_len == strlen(ck));
	snprintf(msg, sizeof(msg), "old 0\n\n%s", ck);
	CHECK(witness_req_parse(&r, (const uint8_t *)msg, strlen(msg), &e) == ARM_OK && r.old == 0);
	/* Each of these is malformed: 400. */
	const char *bad[] = {
	    "old 05\n\nx",                                                 /* leading zero */
	    "old -1\n\nx",                                                 /* sign */
	    "old 1 \n\nx",                                                 /* trailing space */
	    "Old 1\n\nx",                                                  /* keyword case */
	    "old 99999999999999999999\n\nx",                               /* overflow */
	    "old 0\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\nx",    /* proof with old 0 */
	    "old 3\nAAAA\n\nx",                                            /* short hash */
	    "old 3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=\n\nx",    /* non-canonical b64 */
	    "old 3\nAAAA\222AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\nx", /* byte outside the
	                                                                      alphabet */
	    "old 3\n",                                                     /* no blank line */
	    "old 3\n\n",                                                   /* no checkpoint */
	    "old 3",                                                       /* unterminated */
	    "",
	};
	for (i = 0; i < (int)ARM_ARRAY_LEN(bad); i++)
		CHECKM(witness_req_parse(&r, (const uint8_t *)bad[i], strlen(bad[i]), &e) ==
		           ARM_ESYNTAX,
		       bad[i]);
	/* 63 proof lines are allowed, 64 are not. */
	CHECK(buf_puts(&b, "old 7\n", NULL) == ARM_OK);
	for (i = 0; i < 63; i++)
		CHECK(buf_puts(&b, h, NULL) == ARM_OK);
	CHECK(buf_puts(&b, "\nx", NULL) == ARM_OK);
	CHECK(witness_req_parse(&r, b.data, b.len, &e) == ARM_OK && r.nproof == 63);
	buf_reset(&b);
	CHECK(buf_puts(&b, "old 7\n", NULL) == ARM_OK);
	for (i = 0; i < 64; i++)
		CHECK(buf_puts(&b, h, NULL) == ARM_OK);
	CHECK(buf_puts(&b, "\nx", NULL) == ARM_OK);
	CHECK(witness_req_parse(&r, b.data, b.len, &e) == ARM_ESYNTAX);
	buf_release(&b);
}

static void
test_statuses(void)
{
	struct witness w;
	struct witness_reply rep;
	struct arm_err e;
	struct buf ck = BUF_INIT(1 << 16), req = BUF_INIT(1 << 17), full = BUF_INIT(1 << 17);
	struct note n = {0};
	size_t cnt = 0;
	bool have;
	uint64_t sz;
	uint8_t root[HASH_SIZE];

	witness_reply_init(&rep);
	CHECKM(witness_open(&w, dir, &wkey, &logv, NULL, 1, &e) == ARM_OK, e.msg);

	/* First checkpoint, size 10, from old 0: cosigned. */
	signed_ckpt(&logkey, (const uint8_t(*)[HASH_SIZE])leaves, 10, &ck);
	request(0, 10, &ck, &req);
	CHECKM(post(&w, &req, &rep, &e) == 200, e.msg);
	/* The cosignature line verifies over the checkpoint with the witness key. */
	CHECK(buf_append(&full, ck.data, ck.len, NULL) == ARM_OK &&
	      buf_append(&full, rep.body.data, rep.body.len, NULL) == ARM_OK);
	CHECKM(note_parse(&n, full.data, full.len, 1 << 17, &e) == ARM_OK, e.msg);
	CHECKM(witness_count_cosigs(&n, &wv, 1, &cnt, &e) == ARM_OK && cnt == 1, e.msg);
	note_release(&n);
	CHECK(witness_state_get(&w, ORIGIN, &have, &sz, root, NULL, &e) == ARM_OK && have &&
	      sz == 10);

	/* Stale old size: 409 with the witness's size as text/x.tlog.size. */
	signed_ckpt(&logkey, (const uint8_t(*)[HASH_SIZE])leaves, 20, &ck);
	request(0, 20, &ck, &req);
	CHECK(post(&w, &req, &rep, &e) == 409);
	CHECK(strcmp(rep.ctype, WITNESS_CTYPE_SIZE) == 0);
	CHECK(rep.body.len == 3 && memcmp(rep.body.data, "10\n", 3) == 0);

	/* Proper consistency proof 10 -> 20: cosigned. */
	request(10, 20, &ck, &req);
	CHECKM(post(&w, &req, &rep, &e) == 200, e.msg);

	/* Unknown origin: 404. */
	{
		struct buf t = BUF_INIT(4096), o = BUF_INIT(4096);
		const struct note_signer *ks[1] = {&logkey};
		char h[64];
		uint8_t r0[HASH_SIZE];
		struct buf b64 = BUF_INIT(64);
		root_of((const uint8_t(*)[HASH_SIZE])leaves, 1, r0);
		CHECK(b64_encode(&b64, r0, HASH_SIZE, NULL) == ARM_OK);
		snprintf(h, sizeof(h), "%s", (const char *)b64.data);
		CHECK(buf_printf(&t, NULL, "example.org/other\n1\n%s\n", h) == ARM_OK);
		CHECK(note_sign((const char *)t.data, t.len, ks, 1, &o, &e) == ARM_OK);
		request(0, 1, &o, &req);
		CHECK(post(&w, &req, &rep, &e) == 404);
		buf_release(&t);
		buf_release(&o);
		buf_release(&b64);
	}

	/* Signed by a key the witness does not trust for the origin: 403. */
	signed_ckpt(&otherkey, (const uint8_t(*)[HASH_SIZE])leaves, 30, &ck);
	request(20, 30, &ck, &req);
	CHECK(post(&w, &req, &rep, &e) == 403);

	/* A known key's signature that does not verify: 403. */
	signed_ckpt(&logkey, (const uint8_t(*)[HASH_SIZE])leaves, 30, &ck);
	ck.data[ck.len - 3] ^= 0x01; /* inside the base64 signature */
	request(20, 30, &ck, &req);
	CHECK(post(&w, &req, &rep, &e) == 403 || rep.status == 400);

	/* old larger than the checkpoint: 400. */
	signed_ckpt(&logkey, (const uint8_t(*)[HASH_SIZE])leaves, 30, &ck);
	{
		uint8_t p[1][HASH_SIZE];
		memset(p, 0, sizeof(p));
		buf_reset(&req);
		CHECK(witness_req_format(31, (const uint8_t(*)[HASH_SIZE])p, 1, ck.data, ck.len,
		                         &req, &e) == ARM_OK);
		CHECK(post(&w, &req, &rep, &e) == 400);
	}

	/* A bad consistency proof: 422, and the request is kept as evidence. */
	request(20, 30, &ck, &req);
	{
		/* Flip a byte of the first proof hash's base64 text. */
		char *p = strchr((char *)req.data, '\n') + 1;
		p[5] = p[5] == 'A' ? 'B' : 'A';
	}
	CHECK(post(&w, &req, &rep, &e) == 422);
	CHECK(count_evidence() == 1);

	/* A fork of the same size (20) with another root: 409, kept as evidence. */
	signed_ckpt(&logkey, (const uint8_t(*)[HASH_SIZE])forked, 20, &ck);
	request(20, 20, &ck, &req);
	CHECK(post(&w, &req, &rep, &e) == 409);
	CHECK(strcmp(rep.ctype, WITNESS_CTYPE_SIZE) != 0);
	CHECK(count_evidence() == 2);

	/* A fork that grows: consistency from 20 to a forked 30 fails: 422. */
	{
		struct merkle_mem m;
		struct merkle_src src;
		uint8_t proof[MERKLE_MAX_PROOF][HASH_SIZE];
		size_t np = 0;
		merkle_mem_src(&m, (const uint8_t(*)[HASH_SIZE])forked, 30, &src);
		CHECK(merkle_prove_consistency(&src, 20, 30, proof, &np, &e) == ARM_OK);
		signed_ckpt(&logkey, (const uint8_t(*)[HASH_SIZE])forked, 30, &ck);
		buf_reset(&req);
		CHECK(witness_req_format(20, (const uint8_t(*)[HASH_SIZE])proof, np, ck.data,
		                         ck.len, &req, &e) == ARM_OK);
		CHECK(post(&w, &req, &rep, &e) == 422);
	}

	/* The state is still the honest size 20. */
	CHECK(witness_state_get(&w, ORIGIN, &have, &sz, root, NULL, &e) == ARM_OK && sz == 20);

	/* A second process cannot hold the same state. */
	{
		struct witness w2;
		CHECK(witness_open(&w2, dir, &wkey, &logv, NULL, 1, &e) == ARM_EBUSY);
	}
	witness_close(&w);

	/* Restart: the witness remembers size 20 and refuses a rollback to 10. */
	CHECKM(witness_open(&w, dir, &wkey, &logv, NULL, 1, &e) == ARM_OK, e.msg);
	signed_ckpt(&logkey, (const uint8_t(*)[HASH_SIZE])leaves, 10, &ck);
	request(10, 10, &ck, &req);
	CHECK(post(&w, &req, &rep, &e) == 409);
	CHECK(rep.body.len == 3 && memcmp(rep.body.data, "20\n", 3) == 0);
	/* Same checkpoint again (old == size == 20, same root): cosigned again. */
	signed_ckpt(&logkey, (const uint8_t(*)[HASH_SIZE])leaves, 20, &ck);
	request(20, 20, &ck, &req);
	CHECKM(post(&w, &req, &rep, &e) == 200, e.msg);
	/* Zero timestamp is refused as a caller error. */
	CHECK(witness_add_checkpoint(&w, req.data, req.len, 0, &rep, &e) == ARM_EUSAGE);
	witness_close(&w);

	/* Not a cosigner key: refused at open. */
	CHECK(witness_open(&w, dir, &logkey, &logv, NULL, 1, &e) == ARM_EUSAGE);

	witness_reply_release(&rep);
	buf_release(&ck);
	buf_release(&req);
	buf_release(&full);
}

static void
test_empty_tree(void)
{
	struct witness w;
	struct witness_reply rep;
	struct arm_err e;
	struct buf ck = BUF_INIT(1 << 16), req = BUF_INIT(1 << 17), t = BUF_INIT(4096);
	const struct note_signer *ks[1] = {&logkey};
	char d2[300];

	snprintf(d2, sizeof(d2), "%s/empty", dir);
	witness_reply_init(&rep);
	CHECKM(witness_open(&w, d2, &wkey, &logv, NULL, 1, &e) == ARM_OK, e.msg);
	/* Size 0 with a root that is not SHA-256(""): refused by the parser, 400. */
	CHECK(buf_puts(&t, ORIGIN "\n0\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", NULL) ==
	      ARM_OK);
	CHECK(note_sign((const char *)t.data, t.len, ks, 1, &ck, &e) == ARM_OK);
	request(0, 0, &ck, &req);
	CHECK(post(&w, &req, &rep, &e) == 400);
	/* With the empty-tree root: 200. */
	signed_ckpt(&logkey, (const uint8_t(*)[HASH_SIZE])leaves, 0, &ck);
	request(0, 0, &ck, &req);
	CHECKM(post(&w, &req, &rep, &e) == 200, e.msg);
	witness_close(&w);
	witness_reply_release(&rep);
	buf_release(&ck);
	buf_release(&req);
	buf_release(&t);
}

static void
test_count_cosigs_tamper(void)
{
	struct arm_err e;
	struct buf ck = BUF_INIT(1 << 16), line = BUF_INIT(4096);
	struct note n = {0};
	size_t cnt = 9;
	struct note_verifier two[2];

	signed_ckpt(&logkey, (const uint8_t(*)[HASH_SIZE])leaves, 5, &ck);
	/* The note text is everything before the last "\n\n", plus its "\n". */
	CHECK(note_parse(&n, ck.data, ck.len, 1 << 16, &e) == ARM_OK);
	CHECK(cosig_sign(&wkey, 1700000000, n.text, n.text_len, &line, &e) == ARM_OK);
	note_release(&n);
	CHECK(buf_append(&ck, line.data, line.len, NULL) == ARM_OK);
	CHECK(note_parse(&n, ck.data, ck.len, 1 << 16, &e) == ARM_OK);
	two[0] = wv;
	two[1] = wv; /* listed twice, counted once */
	CHECK(witness_count_cosigs(&n, two, 2, &cnt, &e) == ARM_OK && cnt == 1);
	note_release(&n);
	/* Tampered twin: one flipped signature byte refuses the note. */
	ck.data[ck.len - 4] = ck.data[ck.len - 4] == 'A' ? 'B' : 'A';
	if (note_parse(&n, ck.data, ck.len, 1 << 16, &e) == ARM_OK) {
		CHECK(witness_count_cosigs(&n, &wv, 1, &cnt, &e) == ARM_EVERIFY);
		note_release(&n);
	} else {
		CHECK(1);
	}
	buf_release(&ck);
	buf_release(&line);
}

int
main(void)
{
	struct arm_err e;
	char cmd[300];
	size_t i;

	if (sodium_init() < 0)
		return 1;
	snprintf(dir, sizeof(dir), "/tmp/armistice-test-witness.%ld", (long)getpid());
	if (note_signer_generate(&logkey, ORIGIN, NOTE_KEY_ED25519, &e) != ARM_OK ||
	    note_signer_generate(&otherkey, ORIGIN, NOTE_KEY_ED25519, &e) != ARM_OK ||
	    note_signer_generate(&wkey, "witness.example/w1", NOTE_KEY_COSIG_V1, &e) != ARM_OK) {
		printf("not ok - keygen: %s\n", e.msg);
		return 1;
	}
	note_signer_verifier(&logkey, &logv);
	note_signer_verifier(&wkey, &wv);
	for (i = 0; i < NLEAVES; i++) {
		uint8_t d[8] = {(uint8_t)i, 1, 2, 3, 4, 5, 6, 7};
		hash_leaf(leaves[i], d, sizeof(d));
		d[1] = i >= 15 ? 9 : 1; /* the fork diverges at leaf 15 */
		hash_leaf(forked[i], d, sizeof(d));
	}
	RUN(test_req_parse);
	RUN(test_statuses);
	RUN(test_empty_tree);
	RUN(test_count_cosigs_tamper);
	note_signer_release(&logkey);
	note_signer_release(&otherkey);
	note_signer_release(&wkey);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("not ok - cleanup of %s\n", dir);
	return HARNESS_DONE();
}
