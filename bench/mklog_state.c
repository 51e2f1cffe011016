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
 *   mklog_state DIR N KEYDIR AGREEMENT_ID [nosign]
 *
 * Entries are signed on every core (parfor.h). With "nosign" (the
 * 10,000,000-entry point of bench_scale.sh), each author's first entry is
 * signed and the others carry a copy of its signature line: well formed,
 * not valid, for replays that do not check signatures (serve's /state).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "armistice/buf.h"
#include "armistice/log.h"
#include "armistice/note.h"
#include "armistice/parfor.h"
#include "bench.h"
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
	char path[4096];

	snprintf(path, sizeof(path), "%s/demo-%s.key", keydir, name);
	bench_read_signer(path, s);
}

struct signjob {
	const struct note_signer *const *who; /* per note */
	char (*text)[1024];
	const int *tlen;
	const bool *copy; /* a copied signature line: nothing to sign */
	struct buf *notes;
	bool failed;
};

static void
sign_share(void *ctx, size_t lo, size_t hi, unsigned t)
{
	struct signjob *j = ctx;
	struct arm_err e;
	size_t k;

	(void)t;
	for (k = lo; k < hi; k++) {
		if (j->copy[k])
			continue;
		buf_reset(&j->notes[k]);
		if (note_sign(j->text[k], (size_t)j->tlen[k], &j->who[k], 1, &j->notes[k], &e) !=
		    ARM_OK)
			j->failed = true;
	}
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

	static char text[LOG_BATCH_MAX][1024], sigline[4][256];
	static int tlen[LOG_BATCH_MAX];
	static bool copy[LOG_BATCH_MAX];
	static const struct note_signer *whov[LOG_BATCH_MAX];
	bool nosign = argc == 6 && strcmp(argv[5], "nosign") == 0;
	struct signjob job;

	if ((argc != 5 && !nosign) || (n = strtoull(argv[2], NULL, 10)) == 0) {
		fprintf(stderr, "usage: mklog_state DIR N KEYDIR AGREEMENT_ID [nosign]\n");
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
			char when[32];
			int len;

			gmtime_r(&tt, &tm);
			strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
			seq[a]++;
			if (a == 3)
				len = snprintf(
				    text[k], sizeof(text[k]),
				    "armistice/entry/v1\nkind: incident\nagreement: %s\nauthor: "
				    "%s\n"
				    "seq: %llu\ntime: %s\ntype: mine-accident\noccurred: %s\n"
				    "actor: north\ntext: mine accident report %llu\n",
				    argv[4], who[a], (unsigned long long)seq[a], when, when,
				    (unsigned long long)idx);
			else
				len = snprintf(
				    text[k], sizeof(text[k]),
				    "armistice/entry/v1\nkind: statement\nagreement: %s\nauthor: "
				    "%s\n"
				    "seq: %llu\ntime: %s\ntext: statement %llu of the bench log\n",
				    argv[4], who[a], (unsigned long long)seq[a], when,
				    (unsigned long long)idx);
			if (len <= 0 || (size_t)len >= sizeof(text[k]))
				die("entry text", NULL);
			tlen[k] = len;
			whov[k] = &sig[a];
			copy[k] = nosign && sigline[a][0] != '\0';
			if (copy[k]) {
				/* The author's signature line of an earlier entry (see above). */
				buf_reset(&notes[k]);
				if (buf_append(&notes[k], text[k], (size_t)len, &e) != ARM_OK ||
				    buf_append(&notes[k], "\n", 1, &e) != ARM_OK ||
				    buf_append(&notes[k], sigline[a], strlen(sigline[a]), &e) !=
				        ARM_OK)
					die("note", &e);
			}
		}
		job = (struct signjob){whov, text, tlen, copy, notes, false};
		parfor(m, 0, sign_share, &job);
		if (job.failed)
			die("note_sign", NULL);
		for (k = 0; k < m; k++) {
			ptrs[k] = notes[k].data;
			lens[k] = notes[k].len;
			if (nosign && !copy[k]) {
				size_t a = (size_t)(whov[k] - sig);
				size_t sl = notes[k].len - (size_t)tlen[k] - 1;
				if (sigline[a][0] == '\0' && sl < sizeof(sigline[a])) {
					memcpy(sigline[a], notes[k].data + tlen[k] + 1, sl);
					sigline[a][sl] = '\0';
				}
			}
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
