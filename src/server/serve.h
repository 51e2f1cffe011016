/*
 * serve.h - the private state of `armistice serve`, shared by its files:
 *   cmd_serve.c      the command: options, start-up, the rules hooks,
 *                    front ends on a database log, takeover
 *   serve_publish.c  publishing: witnesses, cosignatures, the publisher
 *   serve_add.c      POST /add: the submission queue's callbacks, receipts,
 *                    the 202 answer and its advice
 *   serve_read.c     every read: tiles, entries, proofs, /agreement, /zone,
 *                    /state, the dashboard; the router and rate limits
 * Not installed. struct serve is one server; its locks are named where
 * each field is.
 */
#ifndef ARMISTICE_SERVE_H
#define ARMISTICE_SERVE_H

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "server/webasset.h"
#include "server/sandbox.h"
#include "cli/cli_key.h"
#include "cli/cli_replay.h"
#include "server/ratelimit.h"
#include "server/scores.h"
#include "server/statecache.h"
#include "server/tilecache.h"
#include "server/submitq.h"
#include "server/receipt.h"
#include "server/witset.h"
#include "server/frontend.h"
#include "armistice/store_pg.h"
#include "armistice/agreement.h"
#include "armistice/bundle.h"
#include "armistice/engine.h"
#include "armistice/entry.h"
#include "armistice/httpd.h"
#include "armistice/log.h"
#include "armistice/tiles.h"
#include "armistice/tproof.h"
#include "armistice/witness.h"
#include "armistice/common.h"

#define SERVE_MAX_WITNESSES 64
/* The largest body that can be an entry: a tlog-tiles bundle's u16 length. */
#define SERVE_MAX_BODY BUNDLE_ENTRY_MAX

struct serve_wurl {
	const char *id;
	size_t idlen;
	const char *url;
};

/* What entry 0 makes of the log (serve.h comment at the top). */
enum serve_kind {
	SERVE_EMPTY = 0, /* no entry 0 yet */
	SERVE_AGREEMENT,
	SERVE_PLAIN,
};

/*
 * One witness as the last publication attempt left it, for the 202
 * answer: copied out under pubmu so that POST /add never needs agrmu.
 */
enum serve_wstate {
	SERVE_W_UNASKED = 0, /* no attempt yet */
	SERVE_W_NO_URL,      /* the agreement names it, no --witness gives its URL */
	SERVE_W_COSIGNED,
	SERVE_W_NO_ANSWER, /* unreachable, or no answer in time */
	SERVE_W_REFUSED,   /* it answered, and refused (its message kept) */
};

struct serve_wstat {
	char id[AGREEMENT_ID_MAX + 1];
	char key[NOTE_NAME_MAX + 1];
	char url[512];
	enum serve_wstate st;
	char msg[300];
};

struct serve {
	const char *dir;
	bool db;             /* dir is a postgresql:// URI (store_pg.h) */
	struct frontend *fe; /* not the sequencer: reads verified, /add forwarded (frontend.h) */
	const char *zones;
	struct log *log;
	struct note_signer key;
	struct cli_replay *hook; /* the rules hook's engine (owned), used by the sequencer only */
	/*
	 * Every append holds this for reading; rebuilding a stale hook
	 * engine (after a batch failed to commit) holds it for writing, so
	 * no check() runs while the engine is replaced.
	 */
	pthread_rwlock_t hooklk;

	struct serve_wurl wurls[SERVE_MAX_WITNESSES];
	size_t nwurls;
	int argc; /* the command line, to say what to run */
	char **argv;

	/* Sequencer only (rules hook): what the entries checked so far make of the log. */
	enum serve_kind hook_kind;

	/* Entry 0, for the quorum policy and GET /agreement (publisher lock). */
	pthread_mutex_t agrmu;
	struct agreement agr;
	bool have_agr;
	/* The witnesses and quorum in force at the size being published (witset.h). */
	struct witset wset;
	enum serve_kind kind; /* known once entry 0 is committed (agrmu) */
	/*
	 * A copy of kind for requests, so that GET /state never waits on agrmu,
	 * which the publisher holds while it asks the witnesses (kindmu).
	 */
	pthread_mutex_t kindmu;
	enum serve_kind kind_seen;
	struct witness_peer peers[SERVE_MAX_WITNESSES];
	bool peer_has_url[SERVE_MAX_WITNESSES];

	/* The publisher thread. */
	pthread_mutex_t pubmu;
	pthread_cond_t pubcv; /* signalled on new commits and on publication */
	pthread_t pubthr;
	bool stop;
	bool want;
	char pub_err[ARM_ERR_MAX];
	long wait_ms;
	/* The witnesses as the last attempt left them (pubmu). */
	struct serve_wstat wstat[SERVE_MAX_WITNESSES];
	size_t nwstat;
	char rule[256];       /* the quorum rule in words */
	bool quorum_possible; /* can the configured witnesses meet it at all? */
	size_t last_got;      /* how many cosigned at the last attempt */
	uint64_t last_size;   /* the checkpoint size of the last attempt (0: none yet) */

	/*
	 * GET /state of the published tree (no ?index, no ?at), the question
	 * a dashboard asks every few seconds: an engine kept replayed to
	 * live_size and advanced by the entries published since, so a request
	 * costs the new entries plus the JSON, not a replay of the whole log.
	 * Only the entries and `now` decide the state, so the bytes are those
	 * of a fresh replay (t5050 compares them with status --json).
	 */
	pthread_mutex_t livemu;
	struct cli_replay live;
	bool have_live;
	uint64_t live_size;

	/* GET /state?index=, ?at=: from kept copies (statecache.h). */
	struct scache *sc;
	/* GET /scores: implementation scores over the same copies (scores.h). */
	struct scores *scores;
	/* Costly requests, and POST /add, per client address (ratelimit.h); NULL: no limit. */
	struct rlimit *rl, *rl_add;
	/* Full tiles of the published tree, kept as prepared answers (tilecache.h). */
	struct tcache *tc;
	/* POST /add: checks on every core, one sequencer, answers together (submitq.h). */
	struct submitq *sq;
	struct rcpt *rcpt; /* the receipts it answers with (receipt.h) */
};

/* serve_publish.c */
bool serve_is_armistice(const uint8_t *p, size_t n);
void serve_match_witnesses(struct serve *s, bool say);
int serve_load_agreement(struct serve *s, struct arm_err *e);
enum serve_kind serve_kind_of(struct serve *s);
void *serve_publisher(void *arg);

/* serve_add.c */
int serve_rebuild_hook(struct serve *s, struct arm_err *e);
int serve_sequenced(struct serve *s, struct tproof *p, struct arm_err *e);
void serve_add_202(struct serve *s, const struct httpd_req *rq, struct httpd_resp *rs,
                   uint64_t index);
void serve_receipt(void *ctx, uint64_t index, struct httpd_resp *rs);
void serve_add(struct serve *s, const struct httpd_req *rq, struct httpd_resp *rs);
int serve_sq_append(void *ctx, const uint8_t *const *entries, const size_t *lens, size_t n,
                    struct log_result *res, struct arm_err *e);
size_t serve_sq_keys(void *ctx, struct note_verifier *out, size_t cap);
void serve_sq_committed(void *ctx);
void serve_sq_late(void *ctx, const struct httpd_req *rq, uint64_t index, struct httpd_resp *rs);
long serve_sq_wait_ms(void *ctx);
void serve_drain(void *ctx);

/* serve_read.c */
void serve_fail(struct httpd_resp *rs, const struct arm_err *e);
bool serve_fast(void *ctx, const struct httpd_req *rq);
void serve_handle(void *ctx, const struct httpd_req *rq, struct httpd_resp *rs);

#endif /* ARMISTICE_SERVE_H */
