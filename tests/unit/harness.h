/*
 * harness.h - the unit-test harness. Each check prints one TAP-like line,
 * "ok - ..." or "not ok - file:line: ...", which tests/run.sh counts.
 * A test binary exits 1 if any check failed.
 */
#ifndef ARMISTICE_TEST_HARNESS_H
#define ARMISTICE_TEST_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int harness_pass, harness_fail;
static const char *harness_test = "";

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (cond) {                                                                        \
			harness_pass++;                                                            \
		} else {                                                                           \
			harness_fail++;                                                            \
			printf("not ok - %s: %s:%d: %s\n", harness_test, __FILE__, __LINE__,       \
			       #cond);                                                             \
		}                                                                                  \
	} while (0)

/* CHECK with a message shown on failure (e.g. err.msg). */
#define CHECKM(cond, msg)                                                                          \
	do {                                                                                       \
		if (cond) {                                                                        \
			harness_pass++;                                                            \
		} else {                                                                           \
			harness_fail++;                                                            \
			printf("not ok - %s: %s:%d: %s (%s)\n", harness_test, __FILE__, __LINE__,  \
			       #cond, (msg));                                                      \
		}                                                                                  \
	} while (0)

#define CHECK_EQ_MEM(a, b, n) CHECK(memcmp((a), (b), (n)) == 0)

/* Runs one test function; prints "ok - name" if none of its checks failed. */
#define RUN(fn)                                                                                    \
	do {                                                                                       \
		int harness_before_ = harness_fail;                                                \
		harness_test = #fn;                                                                \
		fn();                                                                              \
		if (harness_fail == harness_before_)                                               \
			printf("ok - %s\n", #fn);                                                  \
	} while (0)

#define HARNESS_DONE() (harness_fail ? 1 : 0)

/*
 * A fresh directory "$TMPDIR/<name>.XXXXXX" (TMPDIR defaults to /tmp)
 * into dir; 0 on success, -1 if it cannot be made.
 */
static inline int
harness_tmpdir(char *dir, size_t cap, const char *name)
{
	const char *t = getenv("TMPDIR");

	snprintf(dir, cap, "%s/%s.XXXXXX", t ? t : "/tmp", name);
	return mkdtemp(dir) == NULL ? -1 : 0;
}

/* Removes the directory harness_tmpdir() made; 0 on success. */
static inline int
harness_rmtree(const char *dir)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Hex helper for vectors: decodes hex into out, returns bytes written. */
static inline size_t
harness_unhex(const char *hex, unsigned char *out, size_t cap)
{
	size_t n = 0;
	while (hex[0] && hex[1] && n < cap) {
		unsigned v;
		if (sscanf(hex, "%2x", &v) != 1)
			break;
		out[n++] = (unsigned char)v;
		hex += 2;
	}
	return n;
}

/* Reports one named case directly (table-driven tests). */
static inline void
case_result(const char *name, int good, const char *why)
{
	if (good) {
		harness_pass++;
		printf("ok - %s\n", name);
	} else {
		harness_fail++;
		printf("not ok - %s: %s\n", name, why);
	}
}

/* Reads a whole test-data file; NULL if it cannot. The caller frees it. */
static inline char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return NULL;
	}
	p = malloc((size_t)n + 1);
	if (p != NULL && fread(p, 1, (size_t)n, f) != (size_t)n) {
		free(p);
		p = NULL;
	}
	if (p != NULL) {
		p[n] = '\0';
		*len = (size_t)n;
	}
	fclose(f);
	return p;
}

#endif
