/*
 * test_tproof.c - c2sp.org/tlog-proof@v1: a proof built from a real tree
 * and a checkpoint signed with a demo key, formatted, parsed back byte for
 * byte and verified; a tampered twin for the index, every path element,
 * the checkpoint, the entry and the key; and one refusal per parse rule.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "armistice/b64.h"
#include "armistice/ckpt.h"
#include "armistice/merkle.h"
#include "armistice/note.h"
#include "armistice/tproof.h"
#include "armistice/common.h"
#include "harness.h"

#define NLEAVES 13
#define ORIGIN "demo.example/log"

static uint8_t leaves[NLEAVES][HASH_SIZE];
static char entries[NLEAVES][32];
static struct note_signer logsk, othersk;
static struct note_verifier logvk, othervk;

/* A proof for entry idx in a tree of `size`, pinned to a fresh signed checkpoint. */
static int
make_proof(struct tproof *p, uint64_t idx, uint64_t size, const char *extra)
{
	struct merkle_mem mm;
	struct merkle_src src;
	struct arm_err e;
	struct ckpt c;
	struct buf text = BUF_INIT(4096), signed_ = BUF_INIT(4096);
	const struct note_signer *signers[1] = {&logsk};
	size_t n;

	memset(p, 0, sizeof(*p));
	memset(&c, 0, sizeof(c));
	merkle_mem_src(&mm, (const uint8_t(*)[HASH_SIZE])leaves, size, &src);
	snprintf(c.origin, sizeof(c.origin), "%s", ORIGIN);
	c.size = size;
	if (merkle_root(&src, size, c.root, &e) != ARM_OK ||
	    merkle_prove_inclusion(&src, idx, size, p->path, &p->npath, &e) != ARM_OK ||
	    ckpt_format(&c, &text, &e) != ARM_OK ||
	    note_sign((const char *)text.data, text.len, signers, 1, &signed_, &e) != ARM_OK)
		return -1;
	p->index = idx;
	p->checkpoint = buf_detach(&signed_, &p->checkpoint_len);
	if (extra != NULL) {
		n = strlen(extra);
		p->extra = malloc(n);
		memcpy(p->extra, extra, n);
		p->extra_len = n;
	}
	buf_release(&text);
	return 0;
}

static int
verify(const struct tproof *p, uint64_t entry, const struct note_verifier *vk, struct arm_err *e)
{
	struct ckpt c;
	struct note n;
	int rc = tproof_verify(p, (const uint8_t *)entries[entry], strlen(entries[entry]), vk, &c,
	                       &n, e);

	if (rc == ARM_OK) {
		if (c.size == 0 || n.nsigs != 1 || strcmp(c.origin, ORIGIN) != 0)
			rc = ARM_EUSAGE;
		note_release(&n);
	} else if (n.text != NULL || n.sigs != NULL) {
		rc = ARM_EUSAGE; /* failure must leave *n empty */
	}
	return rc;
}

static void
test_round_trip(void)
{
	struct arm_err e;

	for (int with_extra = 0; with_extra < 2; with_extra++) {
		for (uint64_t size = 1; size <= NLEAVES; size += 3) {
			for (uint64_t i = 0; i < size; i++) {
				struct tproof p, q;
				struct buf a = BUF_INIT(1 << 16), b = BUF_INIT(1 << 16);

				CHECK(make_proof(&p, i, size,
				                 with_extra ? "opaque \x01 extra" : NULL) == 0);
				CHECK(tproof_format(&p, &a, &e) == ARM_OK);
				CHECKM(tproof_parse(&q, a.data, a.len, a.len, &e) == ARM_OK, e.msg);
				CHECK(q.index == i && q.npath == p.npath &&
				      memcmp(q.path, p.path, p.npath * HASH_SIZE) == 0);
				CHECK(q.extra_len == p.extra_len &&
				      (p.extra_len == 0 ||
				       memcmp(q.extra, p.extra, p.extra_len) == 0));
				CHECK(q.checkpoint_len == p.checkpoint_len &&
				      memcmp(q.checkpoint, p.checkpoint, p.checkpoint_len) == 0);
				CHECK(tproof_format(&q, &b, &e) == ARM_OK);
				CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
				CHECKM(verify(&q, i, &logvk, &e) == ARM_OK, e.msg);
				tproof_release(&p);
				tproof_release(&q);
				tproof_release(&q); /* NULL-safe twice */
				buf_release(&a);
				buf_release(&b);
			}
		}
	}
}

static void
test_shape(void)
{
	struct tproof p;
	struct buf a = BUF_INIT(1 << 16);
	struct arm_err e;
	char want[128];

	CHECK(make_proof(&p, 6, 13, "x") == 0);
	CHECK(tproof_format(&p, &a, &e) == ARM_OK);
	snprintf(want, sizeof(want), "c2sp.org/tlog-proof@v1\nextra eA==\nindex 6\n");
	CHECK(a.len > strlen(want) && memcmp(a.data, want, strlen(want)) == 0);
	/* 13 leaves: index 6 has a 4-hash path, then an empty line, then the note. */
	CHECK(p.npath == 4);
	CHECK(memcmp(a.data + strlen(want) + 4 * 45, "\n" ORIGIN "\n13\n", strlen(ORIGIN) + 5) ==
	      0);
	tproof_release(&p);
	buf_release(&a);
}

static void
test_tampered(void)
{
	struct tproof p;
	struct arm_err e;

	CHECK(make_proof(&p, 6, 13, NULL) == 0);
	CHECKM(verify(&p, 6, &logvk, &e) == ARM_OK, e.msg);
	/* The entry. */
	CHECK(verify(&p, 7, &logvk, &e) == ARM_EVERIFY);
	CHECKM(strstr(e.msg, "tlog-proof: entry 6 in \"" ORIGIN "\" size 13") == e.msg, e.msg);
	/* The index. */
	p.index = 7;
	CHECK(verify(&p, 6, &logvk, &e) == ARM_EVERIFY);
	p.index = 13;
	CHECK(verify(&p, 6, &logvk, &e) == ARM_EVERIFY);
	p.index = 6;
	/* Each path element, and the path's length. */
	for (size_t i = 0; i < p.npath; i++) {
		p.path[i][i] ^= 0x01;
		CHECK(verify(&p, 6, &logvk, &e) == ARM_EVERIFY);
		p.path[i][i] ^= 0x01;
	}
	p.npath--;
	CHECK(verify(&p, 6, &logvk, &e) == ARM_EVERIFY);
	p.npath += 2;
	CHECK(verify(&p, 6, &logvk, &e) == ARM_EVERIFY);
	p.npath--;
	CHECKM(verify(&p, 6, &logvk, &e) == ARM_OK, e.msg);
	/* The checkpoint: its size line, a signature byte, and the key. */
	{
		char *sz = strstr((char *)p.checkpoint, "\n13\n");

		CHECK(sz != NULL);
		if (sz != NULL) {
			sz[2] = '4';
			CHECK(verify(&p, 6, &logvk, &e) == ARM_EVERIFY);
			sz[2] = '3';
		}
		p.checkpoint[p.checkpoint_len - 3] ^= 0x01;
		CHECK(verify(&p, 6, &logvk, &e) != ARM_OK);
		p.checkpoint[p.checkpoint_len - 3] ^= 0x01;
		CHECK(verify(&p, 6, &othervk, &e) == ARM_EVERIFY);
		CHECKM(verify(&p, 6, &logvk, &e) == ARM_OK, e.msg);
	}
	tproof_release(&p);
	/* A proof for a size-13 tree pinned to another (honestly signed) size-12 checkpoint. */
	{
		struct tproof q;

		CHECK(make_proof(&p, 6, 13, NULL) == 0);
		CHECK(make_proof(&q, 6, 12, NULL) == 0);
		memcpy(q.path, p.path, sizeof(q.path));
		q.npath = p.npath;
		CHECK(verify(&q, 6, &logvk, &e) == ARM_EVERIFY);
		tproof_release(&p);
		tproof_release(&q);
	}
}

/* Serialized twins: the bytes are tampered, then parsed and verified. */
static void
test_tampered_bytes(void)
{
	struct tproof p, q;
	struct buf a = BUF_INIT(1 << 16);
	struct arm_err e;
	char *hashline;

	CHECK(make_proof(&p, 2, 13, NULL) == 0);
	CHECK(tproof_format(&p, &a, &e) == ARM_OK);
	tproof_release(&p);
	CHECK(tproof_parse(&q, a.data, a.len, a.len, &e) == ARM_OK);
	CHECK(verify(&q, 2, &logvk, &e) == ARM_OK);
	tproof_release(&q);
	/* "index 2" -> "index 3". */
	a.data[29] = '3';
	CHECK(tproof_parse(&q, a.data, a.len, a.len, &e) == ARM_OK && q.index == 3);
	CHECK(verify(&q, 2, &logvk, &e) == ARM_EVERIFY);
	tproof_release(&q);
	a.data[29] = '2';
	/* One base64 character of the first path hash. */
	hashline = (char *)a.data + strlen("c2sp.org/tlog-proof@v1\nindex 2\n");
	hashline[10] = hashline[10] == 'A' ? 'B' : 'A';
	CHECK(tproof_parse(&q, a.data, a.len, a.len, &e) == ARM_OK);
	CHECK(verify(&q, 2, &logvk, &e) == ARM_EVERIFY);
	tproof_release(&q);
	buf_release(&a);
}

static void
test_parse_refusals(void)
{
	struct tproof p;
	struct buf a = BUF_INIT(1 << 16);
	struct arm_err e;
	const char *cp;
	const char *path0;
	char body[8192];
	size_t hdr;

	/* A good proof to cut up: its first path line and its checkpoint. */
	CHECK(make_proof(&p, 6, 13, NULL) == 0);
	CHECK(tproof_format(&p, &a, &e) == ARM_OK);
	tproof_release(&p);
	hdr = strlen("c2sp.org/tlog-proof@v1\nindex 6\n");
	path0 = (const char *)a.data + hdr;
	cp = (const char *)a.data + hdr + 4 * 45 + 1;
	{
		static const char *heads[] = {
		    "c2sp.org/tlog-proof@v1\nindex 6\n%P\n%C", /* the control: parses */
		    "c2sp.org/tlog-proof@v2\nindex 6\n%P\n%C",
		    "c2sp.org/tlog-proof@v1\r\nindex 6\n%P\n%C",
		    "c2sp.org/tlog-proof@v1 \nindex 6\n%P\n%C",
		    "\nc2sp.org/tlog-proof@v1\nindex 6\n%P\n%C",
		    "c2sp.org/tlog-proof@v1\nindex 06\n%P\n%C",
		    "c2sp.org/tlog-proof@v1\nindex -6\n%P\n%C",
		    "c2sp.org/tlog-proof@v1\nindex +6\n%P\n%C",
		    "c2sp.org/tlog-proof@v1\nindex 6 \n%P\n%C",
		    "c2sp.org/tlog-proof@v1\nindex  6\n%P\n%C",
		    "c2sp.org/tlog-proof@v1\nindex\n%P\n%C",
		    "c2sp.org/tlog-proof@v1\nindex 18446744073709551616\n%P\n%C",
		    "c2sp.org/tlog-proof@v1\nIndex 6\n%P\n%C",
		    "c2sp.org/tlog-proof@v1\n%P\n%C",
		    "c2sp.org/tlog-proof@v1\nextra \nindex 6\n%P\n%C",
		    "c2sp.org/tlog-proof@v1\nextra eA=\nindex 6\n%P\n%C",
		    "c2sp.org/tlog-proof@v1\nextra eB==\nindex 6\n%P\n%C",
		    "c2sp.org/tlog-proof@v1\nextra eA==\nextra eA==\nindex 6\n%P\n%C",
		    "c2sp.org/tlog-proof@v1\nindex 6\nextra eA==\n%P\n%C",
		    "c2sp.org/tlog-proof@v1\nindex 6\n%P%C",
		    "c2sp.org/tlog-proof@v1\nindex 6\n%P\n",
		    "c2sp.org/tlog-proof@v1\nindex 6\n%P\n\n%C",
		    "c2sp.org/tlog-proof@v1\nindex 6\n %P\n%C",
		    "c2sp.org/tlog-proof@v1\nindex 6\nAAAA\n%P\n%C",
		    /* 44 bytes, one of them outside the alphabet (libsodium lets 0xb5 through). */
		    "c2sp.org/tlog-proof@v1\nindex "
		    "6\nneD36/uFaNuSMGo8hACBToOv89Vy0/k77\xb5LUVOiW1H4=\n%P\n%C",
		    "c2sp.org/tlog-proof@v1\nextra ZGVt\xb5\xb5\xb5\xb5\nindex 6\n%P\n%C",
		    "c2sp.org/tlog-proof@v1\nindex 6\n%P\nnot a note\n",
		    "c2sp.org/tlog-proof@v1\nindex 6\n%P\n" ORIGIN "\n13\n",
		    "c2sp.org/tlog-proof@v1\nindex 6",
		    "c2sp.org/tlog-proof@v1",
		    "",
		};
		for (size_t i = 0; i < ARM_ARRAY_LEN(heads); i++) {
			size_t n = 0;
			int rc;

			/* %P: the four path lines; %C: the checkpoint. */
			for (const char *h = heads[i]; *h && n < sizeof(body) - 4096; h++) {
				if (h[0] == '%' && h[1] == 'P') {
					memcpy(body + n, path0, 4 * 45);
					n += 4 * 45;
					h++;
				} else if (h[0] == '%' && h[1] == 'C') {
					size_t cl = a.len - (size_t)(cp - (const char *)a.data);

					memcpy(body + n, cp, cl);
					n += cl;
					h++;
				} else {
					body[n++] = *h;
				}
			}
			rc = tproof_parse(&p, (const uint8_t *)body, n, sizeof(body), &e);
			if (i == 0) {
				CHECKM(rc == ARM_OK, e.msg);
				CHECK(n == a.len && memcmp(body, a.data, n) == 0);
				tproof_release(&p);
				continue;
			}
			CHECKM(rc == ARM_ESYNTAX, heads[i]);
			CHECK(p.checkpoint == NULL && p.extra == NULL);
			if (rc == ARM_ESYNTAX)
				CHECKM(strstr(e.msg, "tlog-proof: ") == e.msg, e.msg);
		}
	}
	/* Limits: the caller's max, and 65 path hashes. */
	CHECK(tproof_parse(&p, a.data, a.len, a.len - 1, &e) == ARM_ELIMIT);
	{
		struct buf big = BUF_INIT(1 << 16);

		CHECK(buf_puts(&big, "c2sp.org/tlog-proof@v1\nindex 6\n", &e) == ARM_OK);
		for (int i = 0; i < MERKLE_MAX_PROOF + 1; i++)
			CHECK(buf_append(&big, path0, 45, &e) == ARM_OK);
		CHECK(buf_puts(&big, "\n", &e) == ARM_OK);
		CHECK(buf_puts(&big, cp, &e) == ARM_OK);
		CHECK(tproof_parse(&p, big.data, big.len, big.len, &e) == ARM_ESYNTAX);
		CHECKM(strstr(e.msg, "more than 64") != NULL, e.msg);
		buf_release(&big);
	}
	/* Nothing to format. */
	memset(&p, 0, sizeof(p));
	CHECK(tproof_format(&p, &a, &e) == ARM_EUSAGE);
	buf_release(&a);
}

int
main(void)
{
	struct arm_err e;

	if (sodium_init() < 0)
		return 1;
	for (int i = 0; i < NLEAVES; i++) {
		snprintf(entries[i], sizeof(entries[i]), "demo entry %d", i);
		hash_leaf(leaves[i], entries[i], strlen(entries[i]));
	}
	if (note_signer_generate(&logsk, ORIGIN, NOTE_KEY_ED25519, &e) != ARM_OK ||
	    note_signer_generate(&othersk, ORIGIN, NOTE_KEY_ED25519, &e) != ARM_OK) {
		printf("not ok - demo keys: %s\n", e.msg);
		return 1;
	}
	note_signer_verifier(&logsk, &logvk);
	note_signer_verifier(&othersk, &othervk);
	RUN(test_round_trip);
	RUN(test_shape);
	RUN(test_tampered);
	RUN(test_tampered_bytes);
	RUN(test_parse_refusals);
	note_signer_release(&logsk);
	note_signer_release(&othersk);
	return HARNESS_DONE();
}
