/*
 * mklog_state.c - builds a large agreement log quickly for
 * bench/bench_state.sh: DIR must already hold entry 0 (`armistice init`
 * with tests/data/agreements/pilot.yaml and the demo keys); this appends
 * N more entries, each a real entry signed by its author's demo key, in
 * batches of LOG_BATCH_MAX through log_append_many(), the bulk path that
 * `armistice import` uses. Signing 100,000 notes in-process takes a few
 * seconds, where one `armistice note sign` per entry would take minutes.
 *
 * The entries: statements by the two parties and the neutral commission,
 * and every 50th an incident report by the press pool (a mine accident,
 * not a provocation, so nothing is breached), one every five minutes of
 * event time from 2019-01-01, so that ?at= has a time line to cut.
 *
 *   mklog_state DIR N KEYDIR AGREEMENT_ID
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "armistice/buf.h"
#include "armistice/log.h"
#include "armistice/note.h"
#include "armistice/common.h"

static void
die(const char *what, const struct arm_err *e)
{
	fprintf(stderr, "mklog_state: %s%s%s\n", what, e ? ": " : "", e ? e->msg : "");
	exit(1);
}

static void
read_signer(const char *keydir, const char *name, struct note_signer *s)
{
	char path[4096], text[1024];
	struct arm_err e;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/demo-%s.key", keydir, name);
	if ((f = fopen(path, "r")) == NULL)
		die(path, NULL);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' '))
		n--;
	text[n] = '\0';
	if (note_signer_parse(s, text, n, &e) != ARM_OK)
		die(path, &e);
}

int
main(int argc, char **argv)
{
	static const char *const who[] = {"south", "north", "nnsc", "press"};
	struct note_signer sig[4], logkey;
	struct log_opts lo;
	struct log *l = NULL;
	struct arm_err e;
	struct buf *notes;
	const uint8_t **ptrs;
	size_t *lens;
	struct log_result *res;
	uint64_t seq[4] = {0, 0, 0, 0}, n, done = 0;
	const int64_t t0 = 1546300800; /* 2019-01-01T00:00:00Z */
	size_t k;

	if (argc != 5 || (n = strtoull(argv[2], NULL, 10)) == 0) {
		fprintf(stderr, "usage: mklog_state DIR N KEYDIR AGREEMENT_ID\n");
		return 2;
	}
	if (sodium_init() < 0)
		die("sodium_init", NULL);
	for (k = 0; k < 4; k++)
		read_signer(argv[3], who[k], &sig[k]);
	read_signer(argv[3], "log", &logkey);
	memset(&lo, 0, sizeof(lo));
	lo.writer = true;
	lo.key = &logkey;
	if (log_open(&l, argv[1], &lo, &e) != ARM_OK)
		die("log_open", &e);
	if (log_size(l) != 1)
		die("the log must hold exactly entry 0", NULL);
	notes = calloc(LOG_BATCH_MAX, sizeof(*notes));
	ptrs = calloc(LOG_BATCH_MAX, sizeof(*ptrs));
	lens = calloc(LOG_BATCH_MAX, sizeof(*lens));
	res = calloc(LOG_BATCH_MAX, sizeof(*res));
	if (notes == NULL || ptrs == NULL || lens == NULL || res == NULL)
		die("out of memory", NULL);
	for (k = 0; k < LOG_BATCH_MAX; k++)
		buf_init(&notes[k], 4096);
	while (done < n) {
		size_t m = n - done < LOG_BATCH_MAX ? (size_t)(n - done) : LOG_BATCH_MAX;
		for (k = 0; k < m; k++) {
			uint64_t idx = 1 + done + k;
			size_t a = idx % 50 == 0 ? 3 : (size_t)(idx % 3);
			time_t tt = (time_t)(t0 + (int64_t)idx * 300);
			struct tm tm;
			char when[32], text[1024];
			int len;
			const struct note_signer *one = &sig[a];

			gmtime_r(&tt, &tm);
			strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
			seq[a]++;
			if (a == 3)
				len = snprintf(
				    text, sizeof(text),
				    "armistice/entry/v1\nkind: incident\nagreement: %s\nauthor: "
				    "%s\n"
				    "seq: %llu\ntime: %s\ntype: mine-accident\noccurred: %s\n"
				    "actor: north\ntext: mine accident report %llu\n",
				    argv[4], who[a], (unsigned long long)seq[a], when, when,
				    (unsigned long long)idx);
			else
				len = snprintf(
				    text, sizeof(text),
				    "armistice/entry/v1\nkind: statement\nagreement: %s\nauthor: "
				    "%s\n"
				    "seq: %llu\ntime: %s\ntext: statement %llu of the bench log\n",
				    argv[4], who[a], (unsigned long long)seq[a], when,
				    (unsigned long long)idx);
			buf_reset(&notes[k]);
			if (len <= 0 || (size_t)len >= sizeof(text) ||
			    note_sign(text, (size_t)len, &one, 1, &notes[k], &e) != ARM_OK)
				die("note_sign", &e);
			ptrs[k] = notes[k].data;
			lens[k] = notes[k].len;
		}
		if (log_append_many(l, ptrs, lens, m, res, &e) != ARM_OK)
			die("log_append_many", &e);
		for (k = 0; k < m; k++)
			if (res[k].err.rc != ARM_OK)
				die("entry refused", &res[k].err);
		done += m;
	}
	printf("%llu\n", (unsigned long long)log_size(l));
	log_close(l);
	for (k = 0; k < LOG_BATCH_MAX; k++)
		buf_release(&notes[k]);
	free(notes);
	free(ptrs);
	free(lens);
	free(res);
	for (k = 0; k < 4; k++)
		note_signer_release(&sig[k]);
	note_signer_release(&logkey);
	return 0;
}
