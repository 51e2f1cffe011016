/*
 * alloc-probe.c - how the libraries under libarmistice take a failed
 * allocation (docs/deploy.md "Allocation failures"). Not part of make
 * check: it is expected to crash, in children, where a library does.
 *
 * tests/unit/test_alloc_fail.c fails only libarmistice's own allocations.
 * This program fails every allocation in the process, libraries included:
 * with ALLOC_PROBE_SHIM it builds as an LD_PRELOAD object replacing
 * malloc, calloc, realloc and the aligned allocators; without, as a
 * driver that for N = 1, 2, ... forks a child, arms the shim to fail the
 * Nth allocation and runs one operation, then counts clean errors, runs
 * that still succeeded and crashes (signals).
 *
 *   cc -O1 -g -DALLOC_PROBE_SHIM -shared -fPIC -o build/alloc-probe.so scripts/alloc-probe.c
 *   cc -std=c11 -D_GNU_SOURCE -Iinclude -O1 -g -o build/alloc-probe scripts/alloc-probe.c \
 *       build/libarmistice.a $(pkg-config --libs libsodium sqlite3 libcrypto libfyaml \
 *       libmicrohttpd libcurl) $(geos-config --clibs) -lpthread -lm -ldl
 *   build/armistice log init /tmp/p --origin x.example/p --key tests/data/keys/demo-log.key
 *   echo one | build/armistice log append /tmp/p
 *   for w in yaml geos sqlite; do
 *       LD_PRELOAD=build/alloc-probe.so build/alloc-probe $w /tmp/p; done
 */
#ifdef ALLOC_PROBE_SHIM
#include <stddef.h>

void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t m);
void *__libc_realloc(void *p, size_t n);
void *__libc_memalign(size_t a, size_t n);
void __libc_free(void *p);

int alloc_probe_armed;
long alloc_probe_n, alloc_probe_count;

static int
fails(void)
{
	return alloc_probe_armed && ++alloc_probe_count == alloc_probe_n;
}

void *
malloc(size_t n)
{
	return fails() ? NULL : __libc_malloc(n);
}
void *
calloc(size_t n, size_t m)
{
	return fails() ? NULL : __libc_calloc(n, m);
}
void *
realloc(void *p, size_t n)
{
	return fails() ? NULL : __libc_realloc(p, n);
}
void
free(void *p)
{
	__libc_free(p);
}
void *
aligned_alloc(size_t a, size_t n)
{
	return fails() ? NULL : __libc_memalign(a, n);
}
int
posix_memalign(void **r, size_t a, size_t n)
{
	if (fails())
		return 12; /* ENOMEM */
	*r = __libc_memalign(a, n);
	return *r ? 0 : 12;
}
#else
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "armistice/agreement.h"
#include "armistice/geo.h"
#include "armistice/hash.h"
#include "armistice/log.h"

static int *armed;
static long *fail_n, *count;
static struct buf yaml = BUF_INIT(1 << 20), zone = BUF_INIT(1 << 20);
static const char *logdir;

static void
slurp(const char *path, struct buf *b)
{
	FILE *f = fopen(path, "rb");
	char t[4096];
	size_t got;
	struct arm_err e;

	if (f == NULL) {
		perror(path);
		exit(2);
	}
	while ((got = fread(t, 1, sizeof(t), f)) > 0)
		if (buf_append(b, t, got, &e) != ARM_OK)
			exit(2);
	fclose(f);
}

static int
read_zone(void *ctx, const char *rel, struct buf *out, struct arm_err *e)
{
	(void)ctx;
	(void)rel;
	return buf_append(out, zone.data, zone.len, e);
}

static int
op_yaml(struct arm_err *e)
{
	struct agreement a;
	int rc;

	agreement_init(&a);
	rc = agreement_parse(&a, yaml.data, yaml.len, "pilot.yaml", read_zone, NULL, NULL, e);
	agreement_release(&a);
	return rc;
}

static int
op_geos(struct arm_err *e)
{
	struct geo_map *m;
	size_t i;
	bool in;
	int rc;

	if ((rc = geo_map_new(&m, e)) != ARM_OK)
		return rc;
	rc = geo_map_add_zone(m, "jsa", (const char *)zone.data, zone.len, &i, e);
	if (rc == ARM_OK)
		rc = geo_in_zone(m, i, 37.956, 126.677, &in, e);
	geo_map_free(m);
	return rc;
}

static int
op_sqlite(struct arm_err *e)
{
	struct log *l;
	struct buf b = BUF_INIT(1 << 20);
	uint64_t ix;
	int rc;

	if ((rc = log_open(&l, logdir, NULL, e)) != ARM_OK)
		return rc;
	rc = log_get(l, 0, &b, e);
	if (rc == ARM_OK)
		rc = log_find(l, b.data, b.len, &ix, e);
	buf_release(&b);
	log_close(l);
	return rc;
}

int
main(int argc, char **argv)
{
	int (*op)(struct arm_err *);
	long n, clean = 0, still = 0, crashes = 0;
	uint8_t h[HASH_SIZE];

	if (argc < 2)
		return 2;
	armed = dlsym(RTLD_DEFAULT, "alloc_probe_armed");
	fail_n = dlsym(RTLD_DEFAULT, "alloc_probe_n");
	count = dlsym(RTLD_DEFAULT, "alloc_probe_count");
	if (armed == NULL || fail_n == NULL || count == NULL) {
		fputs("alloc-probe: run with LD_PRELOAD=build/alloc-probe.so\n", stderr);
		return 2;
	}
	op = strcmp(argv[1], "yaml") == 0   ? op_yaml
	     : strcmp(argv[1], "geos") == 0 ? op_geos
	                                    : op_sqlite;
	logdir = argc > 2 ? argv[2] : "/tmp/p";
	slurp("tests/data/agreements/pilot.yaml", &yaml);
	slurp("tests/data/agreements/zones/jsa-buffer.geojson", &zone);
	/* OpenSSL 3 crashes if its lazy initialization is starved: do it first. */
	hash_sha256(h, (const uint8_t *)"", 0);
	if (op == op_sqlite) {
		/* The log must exist and hold an entry (see the commands above). */
		struct log *l;
		struct arm_err e;
		if (log_open(&l, logdir, NULL, &e) != ARM_OK) {
			fprintf(stderr, "alloc-probe: %s\n", e.msg);
			return 2;
		}
		log_close(l);
	}
	for (n = 1;; n++) {
		int st;
		pid_t pid = fork();
		if (pid == 0) {
			struct arm_err e;
			int rc;
			memset(&e, 0, sizeof(e));
			*fail_n = n;
			*count = 0;
			*armed = 1;
			rc = op(&e);
			*armed = 0;
			if (*count < n)
				_exit(100);
			_exit(rc == ARM_OK ? 0 : 1);
		}
		waitpid(pid, &st, 0);
		if (WIFEXITED(st) && WEXITSTATUS(st) == 100)
			break;
		if (WIFSIGNALED(st)) {
			if (crashes < 3)
				printf("  allocation %ld failing: signal %d\n", n, WTERMSIG(st));
			crashes++;
		} else if (WEXITSTATUS(st) == 0) {
			still++;
		} else {
			clean++;
		}
	}
	printf("%s: %ld allocations; failing each: %ld clean error, %ld still succeeded, %ld "
	       "crashed\n",
	       argv[1], n - 1, clean, still, crashes);
	return 0;
}
#endif
