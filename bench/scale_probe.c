/*
 * scale_probe.c - the in-process measures of bench/bench_scale.sh on a log
 * of a given size, each with the raw limit measured in the same run:
 *
 *   scale_probe appends DIR LOGKEY K B   durable appends of K entries in
 *       batches of B (log_append_many, no rules: the log is a copy made
 *       for this), against writing the same bytes to one file with one
 *       fsync per batch; prints "appends_per_s raw_per_s".
 *   scale_probe proofs DIR M             median latency of M log_prove()
 *       calls at random indices, against reading one level-0 tile file;
 *       prints "proof_us tile_us".
 *   scale_probe verify-rate              Ed25519 verifies per second of
 *       one thread (libsodium), the limit of a replay with signatures.
 *
 * Wall time for disk work, CPU time for the verify rate (bench.h).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "armistice/buf.h"
#include "armistice/log.h"
#include "armistice/note.h"
#include "armistice/tproof.h"
#include "bench.h"
#include "armistice/common.h"

static void
die(const char *what, const struct arm_err *e)
{
	fprintf(stderr, "scale_probe: %s%s%s\n", what, e ? ": " : "", e ? e->msg : "");
	exit(1);
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Appends: entries of 330 bytes (about a signed statement), distinct. */
static void
appends(const char *dir, const char *keypath, size_t k, size_t b)
{
	enum { LEN = 330 };
	struct note_signer key;
	struct log_opts o;
	struct log *l = NULL;
	struct arm_err e;
	uint8_t *arena = malloc(b * LEN);
	const uint8_t **ents = calloc(b, sizeof(*ents));
	size_t *lens = calloc(b, sizeof(*lens)), done = 0, i;
	struct log_result *res = calloc(b, sizeof(*res));
	double t = 0, t0, raw;
	char rawp[4200];
	int fd;

	if (arena == NULL || ents == NULL || lens == NULL || res == NULL)
		die("out of memory", NULL);
	bench_read_signer(keypath, &key);
	memset(&o, 0, sizeof(o));
	o.writer = true;
	o.key = &key;
	if (log_open(&l, dir, &o, &e) != ARM_OK)
		die("log_open", &e);
	/* The log was just built: its own dirty pages are not the appends' cost. */
	sync();
	while (done < k) {
		randombytes_buf(arena, b * LEN);
		for (i = 0; i < b; i++) {
			ents[i] = arena + i * LEN;
			lens[i] = LEN;
		}
		t0 = bench_wall_now();
		if (log_append_many(l, ents, lens, b, res, &e) != ARM_OK)
			die("log_append_many", &e);
		t += bench_wall_now() - t0;
		done += b;
	}
	log_close(l);
	/* The limit: the same bytes to one file, one fsync per batch. */
	snprintf(rawp, sizeof(rawp), "%s.raw", dir);
	if ((fd = open(rawp, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
		die(rawp, NULL);
	t0 = bench_wall_now();
	for (i = 0; i < k; i += b)
		if (write(fd, arena, b * LEN) != (ssize_t)(b * LEN) || fsync(fd) != 0)
			die("raw write", NULL);
	raw = (double)k / (bench_wall_now() - t0);
	close(fd);
	unlink(rawp);
	printf("%.0f %.0f\n", (double)done / t, raw);
	note_signer_release(&key);
	free(arena);
	free(ents);
	free(lens);
	free(res);
}

static void
proofs(const char *dir, size_t m)
{
	struct log *l = NULL;
	struct arm_err e;
	double *lat = calloc(m, sizeof(*lat)), *tl = calloc(m, sizeof(*tl)), t0;
	uint64_t size;
	size_t i;

	if (lat == NULL || tl == NULL)
		die("out of memory", NULL);
	if (log_open(&l, dir, NULL, &e) != ARM_OK)
		die("log_open", &e);
	size = log_published_size(l);
	for (i = 0; i < m; i++) {
		struct tproof p;
		struct buf b = BUF_INIT(1 << 20);
		uint64_t idx =
		    randombytes_uniform((uint32_t)(size < UINT32_MAX ? size : UINT32_MAX));
		char path[64];
		unsigned tn = (unsigned)(idx / 256 < 1000 ? idx / 256 : idx / 256 % 1000);

		t0 = bench_wall_now();
		if (log_prove(l, idx, 0, &p, &e) != ARM_OK)
			die("log_prove", &e);
		lat[i] = bench_wall_now() - t0;
		tproof_release(&p);
		snprintf(path, sizeof(path), "tile/0/%03u", size >= 256 * 1000 ? tn : 0);
		t0 = bench_wall_now();
		if (log_read_file(l, path, &b, &e) != ARM_OK && size >= 256)
			die("read tile", &e);
		tl[i] = bench_wall_now() - t0;
		buf_release(&b);
	}
	qsort(lat, m, sizeof(*lat), cmp_d);
	qsort(tl, m, sizeof(*tl), cmp_d);
	printf("%.1f %.1f\n", lat[m / 2] * 1e6, tl[m / 2] * 1e6);
	log_close(l);
	free(lat);
	free(tl);
}

static void
verify_rate(void)
{
	unsigned char pk[32], sk[64], sig[64], msg[300];
	double t0 = bench_cpu_now(), t;
	unsigned long n = 0;

	randombytes_buf(msg, sizeof(msg));
	crypto_sign_keypair(pk, sk);
	crypto_sign_detached(sig, NULL, msg, sizeof(msg), sk);
	do {
		if (crypto_sign_verify_detached(sig, msg, sizeof(msg), pk) != 0)
			die("verify", NULL);
		n++;
		t = bench_cpu_now() - t0;
	} while (t < 1.0);
	printf("%.0f\n", (double)n / t);
}

int
main(int argc, char **argv)
{
	if (sodium_init() < 0)
		die("sodium_init", NULL);
	if (argc == 6 && strcmp(argv[1], "appends") == 0)
		appends(argv[2], argv[3], strtoul(argv[4], NULL, 10), strtoul(argv[5], NULL, 10));
	else if (argc == 4 && strcmp(argv[1], "proofs") == 0)
		proofs(argv[2], strtoul(argv[3], NULL, 10));
	else if (argc == 2 && strcmp(argv[1], "verify-rate") == 0)
		verify_rate();
	else {
		fprintf(stderr, "usage: scale_probe appends DIR LOGKEY K B | proofs DIR M | "
		                "verify-rate\n");
		return 2;
	}
	return 0;
}
