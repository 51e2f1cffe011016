/*
 * cmd_witness.c - armistice witness: a C2SP tlog-witness v1.0.0 server.
 * Each party runs one so that no log operator can show it a history that
 * is not a prefix of what every other party was shown (witness.h).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_key.h"
#include "server/sandbox.h"
#include "armistice/httpd.h"
#include "armistice/witness.h"
#include "armistice/common.h"

static const char witness_usage[] =
    "usage: armistice witness --key KEY --state DIR --log [ORIGIN=]VKEY...\n"
    "                         [--listen ADDR:PORT] [--user USER [--group GROUP]]\n"
    "                         [--listen ADDR:PORT] [--max-conns N] [--max-conns-per-ip N]\n"
    "                         [--head-timeout S] [--body-timeout S] [--idle-timeout S]\n"
    "\n"
    "Runs a C2SP tlog-witness v1.0.0 server: POST /add-checkpoint cosigns a\n"
    "log's checkpoint (tlog-cosignature v1.0.1) only if a log key signed it\n"
    "and it is consistent with the last checkpoint this witness cosigned for\n"
    "that origin. The state is written to DIR (fsynced) before each answer;\n"
    "refused inconsistent checkpoints are kept in DIR/evidence/.\n"
    "\n"
    "  --key KEY          cosigner key file (type 0x04, keygen --type cosigner)\n"
    "                     (a key file, an encrypted key file or a pkcs11: URI;\n"
    "                     armistice-key(1))\n"
    "  --state DIR        state directory (created if missing)\n"
    "  --log [ORIGIN=]VKEY  a log's verifier key, or a file holding one, and\n"
    "                     the checkpoint origin it signs for (default: the\n"
    "                     key's name); repeatable\n"
    "  --listen ADDR:PORT where to listen (default 127.0.0.1:8081; port 0 picks one)\n"
    "  --user USER        started as root: after binding and reading the key, run\n"
    "                     as USER (DIR must belong to it), no capabilities, no new\n"
    "                     privileges, files limited to DIR (Landlock)\n"
    "  --group GROUP      with --user: the group (default: the user's)\n"
    "%s"
    "\n"
    "Stops on SIGTERM or SIGINT after the requests in flight. One access-log\n"
    "line per request (Combined Log Format) on standard error.\n"
    "\n"
    "exit status: 0 stopped cleanly, 2 usage, 3 input refused,\n"
    "4 system error (state locked, cannot listen), 5 not found.\n";

static const struct option witness_opts[] = {
    {"key", required_argument, NULL, 'k'},
    {"state", required_argument, NULL, 's'},
    {"log", required_argument, NULL, 'l'},
    {"listen", required_argument, NULL, 'L'},
    {"user", required_argument, NULL, 'u'},
    {"group", required_argument, NULL, 'g'},
    HTTPD_LIMIT_OPTIONS,
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static void
witness_handle(void *ctx, const struct httpd_req *rq, struct httpd_resp *rs)
{
	struct witness *w = ctx;
	struct witness_reply rep;
	struct arm_err e;
	time_t now = time(NULL);

	arm_err_clear(&e);
	if (strcmp(rq->path, "/add-checkpoint") != 0) {
		if (strcmp(rq->path, "/") == 0 && strcmp(rq->method, "GET") == 0)
			httpd_text(rs, 200,
			           "armistice witness (C2SP tlog-witness v1.0.0): "
			           "POST /add-checkpoint");
		else
			httpd_text(rs, 404, "no such endpoint; POST /add-checkpoint");
		return;
	}
	if (strcmp(rq->method, "POST") != 0) {
		httpd_text(rs, 405, "add-checkpoint takes POST");
		return;
	}
	witness_reply_init(&rep);
	if (witness_add_checkpoint(w, rq->body, rq->body_len, (uint64_t)now, &rep, &e) != ARM_OK) {
		fprintf(stderr, "armistice witness: %s\n", e.msg);
		httpd_text(rs, 500, "witness error: %s", e.msg);
		witness_reply_release(&rep);
		return;
	}
	if (rep.status != 200)
		fprintf(stderr, "armistice witness: %d: %s\n", rep.status, e.msg);
	rs->status = rep.status;
	rs->ctype = rep.ctype;
	rs->cache = "no-store";
	buf_release(&rs->body);
	rs->body = rep.body; /* moved */
}

/* What the command line asks for. */
struct witness_args {
	const char *keyf, *state, *listen, *user, *group;
	struct note_verifier logs[WITNESS_MAX_LOGS];
	char origin_buf[WITNESS_MAX_LOGS][CKPT_ORIGIN_MAX + 1];
	const char *origins[WITNESS_MAX_LOGS];
	size_t nlogs;
};

/*
 * --log [ORIGIN=]VKEY: a vkey has a '+' before any '=' (base64 padding).
 * -1 to go on, else the exit code.
 */
static int
witness_log_opt(struct witness_args *a, const char *arg, struct arm_err *e)
{
	const char *eq = strchr(arg, '='), *plus = strchr(arg, '+');
	const char *vk = arg;

	if (a->nlogs == WITNESS_MAX_LOGS)
		return cli_usage_error("witness", "more than %d --log keys", WITNESS_MAX_LOGS);
	a->origins[a->nlogs] = NULL;
	if (eq != NULL && (plus == NULL || eq < plus)) {
		if ((size_t)(eq - arg) > CKPT_ORIGIN_MAX || eq == arg)
			return cli_usage_error("witness", "--log: bad origin in '%s'", arg);
		snprintf(a->origin_buf[a->nlogs], sizeof(a->origin_buf[a->nlogs]), "%.*s",
		         (int)(eq - arg), arg);
		a->origins[a->nlogs] = a->origin_buf[a->nlogs];
		vk = eq + 1;
	}
	if (cli_key_verifier(vk, &a->logs[a->nlogs], e) != ARM_OK)
		return cli_fail(e);
	a->nlogs++;
	return -1;
}

/* The options into a and o: -1 to go on, else the exit code (0 after --help). */
static int
witness_args(struct witness_args *a, struct httpd_opts *o, int argc, char **argv, struct arm_err *e)
{
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", witness_opts, NULL)) != -1) {
		switch (c) {
		case 'k': a->keyf = optarg; break;
		case 's': a->state = optarg; break;
		case 'L': a->listen = optarg; break;
		case 'u': a->user = optarg; break;
		case 'g': a->group = optarg; break;
		case 'l':
			if ((rc = witness_log_opt(a, optarg, e)) >= 0)
				return rc;
			break;
		case 'h': printf(witness_usage, httpd_limits_usage); return 0;
		default:
			if ((rc = httpd_limit_opt(o, c, optarg)) < 0)
				return cli_usage_error("witness",
				                       "bad value '%s' for a connection limit "
				                       "(see --help)",
				                       optarg);
			if (rc == 0)
				return cli_usage_error("witness", "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage_error("witness", "unexpected argument '%s'", argv[optind]);
	if (a->keyf == NULL || a->state == NULL || a->nlogs == 0)
		return cli_usage_error("witness",
		                       "--key, --state and at least one --log are required");
	return -1;
}

/*
 * Into the sandbox: the state directory (made before the sandbox, which
 * allows only what exists; --user's own), the signer key, the listening
 * socket (*lfd). -1 to go on, else the exit code.
 */
static int
witness_enter(struct sandbox *sb, const struct witness_args *a, struct note_signer *key, int *lfd,
              struct arm_err *e)
{
	if (sandbox_user(sb, "witness", a->user, a->group, e) != ARM_OK)
		return cli_fail(e);
	if (mkdir(a->state, 0700) == 0 && sb->have_user && chown(a->state, sb->uid, sb->gid) != 0) {
		arm_err_set(e, ARM_EIO, "witness: chown '%s': %s", a->state, strerror(errno));
		return cli_fail(e);
	}
	if (sandbox_check(sb, a->state, SANDBOX_RW, e) != ARM_OK)
		return cli_fail(e);
	if (cli_key_signer(a->keyf, key, e) != ARM_OK)
		return cli_fail(e);
	if (key->ops != NULL)
		sandbox_external_key(sb);
	if (sandbox_listen(a->listen, lfd, e) != ARM_OK ||
	    sandbox_allow(sb, a->state, SANDBOX_RW, true, e) != ARM_OK ||
	    sandbox_enter(sb, e) != ARM_OK) {
		if (*lfd >= 0)
			close(*lfd);
		note_signer_release(key);
		return cli_fail(e);
	}
	return -1;
}

int
cmd_witness(int argc, char **argv)
{
	static struct sandbox sb;
	struct witness_args a;
	int lfd = -1;
	struct note_signer key;
	struct witness w;
	struct httpd *h = NULL;
	struct httpd_opts o;
	struct arm_err e;
	int rc, sig;

	memset(&key, 0, sizeof(key));
	memset(&o, 0, sizeof(o));
	memset(&a, 0, sizeof(a));
	a.listen = "127.0.0.1:8081";
	if ((rc = witness_args(&a, &o, argc, argv, &e)) >= 0 ||
	    (rc = witness_enter(&sb, &a, &key, &lfd, &e)) >= 0)
		return rc;
	sandbox_report(&sb, stderr);
	if (witness_open(&w, a.state, &key, a.logs, a.origins, a.nlogs, &e) != ARM_OK) {
		close(lfd);
		note_signer_release(&key);
		return cli_fail(&e);
	}
	o.name = "witness";
	o.listen = a.listen;
	o.max_body = WITNESS_MAX_BODY;
	o.handler = witness_handle;
	o.ctx = &w;
	o.listen_fd = lfd;
	lfd = -1; /* the daemon's now, even if it does not start */
	if ((rc = httpd_start(&h, &o, &e)) != ARM_OK) {
		witness_close(&w);
		note_signer_release(&key);
		return cli_fail(&e);
	}
	{
		char url[128];
		httpd_base_url(h, url, sizeof(url));
		fprintf(stderr, "armistice witness: %s listening on %s/ for %zu log key(s)\n",
		        key.name, url, a.nlogs);
	}
	sig = httpd_wait_signal();
	fprintf(stderr, "armistice witness: signal %d, draining\n", sig);
	httpd_stop(h);
	witness_close(&w);
	note_signer_release(&key);
	return 0;
}
