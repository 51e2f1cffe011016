/*
 * cmd_verify.c - armistice verify: what a party runs to audit a log, over
 * HTTP (a server's tlog-tiles read API, or any static copy of the log
 * directory) or on a directory. The checks and their order are
 * cli_audit.h's (docs/audit.md): the checkpoint's signature with a key
 * already trusted before its size is used; every entry bundle and hash
 * tile recomputed; consistency with the last checkpoint verified and
 * --since; the rules replayed; the witness quorum of the agreement in
 * force; the pinned trust roots (agreement, log key, witnesses, quorum)
 * unchanged but by an amendment. For a URL, the state is then compared
 * with the server's GET /state.
 *
 * Trust on first use: the first audit of a URL pins what it found and
 * says so loudly, as ssh does; --agreement ID and --trust FILE pin the
 * agreement before the first visit.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/cli_audit.h"
#include "cli/cli_replay.h"
#include "armistice/agreement.h"
#include "armistice/engine.h"
#include "armistice/trust.h"
#include "armistice/common.h"

static const char verify_usage[] =
    "usage: armistice verify URL|DIR [--state SDIR] [--agreement ID | --trust FILE]\n"
    "                        [--since CHECKPOINT] [--now TIME] [--zones ZDIR] [--json]\n"
    "\n"
    "Audits a log: checks the checkpoint's log signature before using it,\n"
    "fetches every new entry bundle and hash tile and recomputes the tree,\n"
    "checks consistency with the last checkpoint verified (kept in SDIR) and\n"
    "with --since, replays every entry through the rules, checks the witness\n"
    "quorum of the agreement in force and, for a URL, compares the state with\n"
    "the server's /state. Nothing local is needed: zone files come from the\n"
    "server's /zone/<id>, checked against the digests the agreement entry pins.\n"
    "\n"
    "The first audit of a URL pins its agreement, log key, witness keys and\n"
    "quorum in SDIR (trust on first use, printed on standard error); a later\n"
    "audit that finds others fails unless an amendment signed by the parties\n"
    "made the change. The state is written only if all of it passes.\n"
    "\n"
    "  --state SDIR     the auditor's state (default $ARMISTICE_STATE, else\n"
    "                   $HOME/.armistice/verify); layout in docs/audit.md\n"
    "  --agreement ID   pin the agreement (hex SHA-256) before the first visit\n"
    "  --trust FILE     pin from a file the parties exchanged: the agreement id,\n"
    "                   the agreement YAML, or a trust record from SDIR\n"
    "  --since FILE     a checkpoint seen before (signed note) to check against\n"
    "  --now TIME       the time for overdue flags (RFC 3339 or POSIX seconds)\n"
    "  --zones ZDIR     read zone files here instead of fetching them\n"
    "                   (default for a directory: DIR/zones if it exists)\n"
    "  --json           print the result as JSON\n"
    "\n"
    "exit status: 0 the log checks out, 1 verification failed (a signature,\n"
    "root, tile, rule, quorum or pinned root; what and where on standard\n"
    "error), 2 usage, 3 a rollback or split view (inconsistent with a\n"
    "checkpoint verified before), 4 system error, 5 not found.\n";

static const struct option verify_opts[] = {
    {"since", required_argument, NULL, 's'},
    {"state", required_argument, NULL, 'S'},
    {"agreement", required_argument, NULL, 'a'},
    {"trust", required_argument, NULL, 't'},
    {"now", required_argument, NULL, 'n'},
    {"zones", required_argument, NULL, 'z'},
    {"json", no_argument, NULL, 'j'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int
verify_state_json(struct cli_audit *au, int64_t now, bool *checked, struct arm_err *e)
{
	struct buf mine = BUF_INIT(64u << 20), theirs = BUF_INIT(64u << 20);
	char rel[128];
	size_t i;
	int rc;

	*checked = false;
	if ((rc = engine_state_json(cli_audit_engine(au), now, &mine, e)) != ARM_OK)
		goto out;
	if (!au->http)
		goto out;
	snprintf(rel, sizeof(rel), "state?index=%" PRIu64 "&now=%" PRId64, au->c.size, now);
	rc = cli_audit_fetch(au, rel, &theirs, e);
	if (rc == ARM_ENOTFOUND) {
		/* A static copy of the log has no /state: nothing to compare. */
		arm_err_clear(e);
		rc = ARM_OK;
		goto out;
	}
	if (rc != ARM_OK)
		goto out;
	*checked = true;
	if (mine.len != theirs.len || memcmp(mine.data, theirs.data, mine.len) != 0) {
		for (i = 0; i < mine.len && i < theirs.len && mine.data[i] == theirs.data[i]; i++)
			;
		rc = arm_err_set(e, ARM_EVERIFY,
		                 "the server's /state for size %" PRIu64
		                 " differs from the replay at "
		                 "byte %zu (server %zu bytes, replay %zu)",
		                 au->c.size, i, theirs.len, mine.len);
	}
out:
	buf_release(&mine);
	buf_release(&theirs);
	return rc;
}

int
cmd_verify(int argc, char **argv)
{
	static struct cli_audit au;
	struct arm_err e;
	char hx[2 * HASH_SIZE + 1], idhex[2 * HASH_SIZE + 1], zd[4096], what[4200];
	const char *trust = NULL, *agr = NULL;
	int64_t now = (int64_t)time(NULL);
	bool checked = false;
	int c, rc, json = 0;

	cli_audit_init(&au);
	au.cache = true;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", verify_opts, NULL)) != -1) {
		switch (c) {
		case 's': au.since = optarg; break;
		case 'S': au.sdir = optarg; break;
		case 'a': agr = optarg; break;
		case 't': trust = optarg; break;
		case 'n':
			if (cli_replay_time(optarg, &now, &e) != ARM_OK)
				return cli_usage_error("verify", "--now: %s", e.msg);
			break;
		case 'z': au.zones = optarg; break;
		case 'j': json = 1; break;
		case 'h': fputs(verify_usage, stdout); return 0;
		default: return cli_usage_error("verify", "unknown option");
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error("verify", "one URL or log directory is required");
	if (cli_audit_setup(&au, argv[optind], au.sdir, agr, trust, &e) != ARM_OK) {
		cli_audit_release(&au);
		return e.rc == ARM_EUSAGE ? cli_usage_error("verify", "%s", e.msg)
		                          : cli_fail_json(&e, json);
	}
	if (!au.http && au.zones == NULL)
		au.zones = cli_zones_default(au.base, zd, sizeof(zd));
	if ((rc = cli_audit_open(&au, &e)) == ARM_OK && (rc = cli_audit_round(&au, &e)) == ARM_OK &&
	    !au.unchanged && (rc = verify_state_json(&au, now, &checked, &e)) == ARM_OK)
		rc = cli_audit_save(&au, now, &e);
	if (rc == ARM_OK && au.unchanged) {
		/* The checkpoint verified last time: its signature and quorum again. */
		checked = false;
	}
	if (rc == ARM_OK) {
		hash_hex(hx, au.c.root);
		hash_hex(idhex, au.pinned.agreement);
		if (au.first_visit)
			cli_audit_print_pinned(&au, stderr);
		if (au.amended)
			fprintf(stderr,
			        "armistice verify: the agreement in force changed by amendment "
			        "since the last audit: %s\n",
			        au.amend_note);
		if (json) {
			printf("{\"ok\":true,\"origin\":");
			cli_json_str(stdout, au.c.origin, strlen(au.c.origin));
			printf(",\"size\":%" PRIu64 ",\"root\":\"%s\",\"agreement\":\"%s\","
			       "\"cosignatures\":%zu,\"cosigners\":",
			       au.c.size, hx, idhex, au.cosigs);
			cli_json_str(stdout, au.cosigners, strlen(au.cosigners));
			printf(",\"bundles\":%" PRIu64 ",\"tiles\":%" PRIu64 ",\"since\":%" PRIu64
			       ",\"state_compared\":%s,\"first_visit\":%s,\"amended\":%s,"
			       "\"unchanged\":%s,\"trust\":",
			       au.bundles, au.tiles, au.since_size, checked ? "true" : "false",
			       au.first_visit ? "true" : "false", au.amended ? "true" : "false",
			       au.unchanged ? "true" : "false");
			snprintf(what, sizeof(what), "%s/trust", au.logdir);
			cli_json_str(stdout, what, strlen(what));
			printf("}\n");
		} else {
			printf("ok: %s size %" PRIu64 " root %s\n", au.c.origin, au.c.size, hx);
			if (au.unchanged) {
				printf("the checkpoint verified last time (state %s)\n", au.logdir);
			} else {
				printf(
				    "agreement %s; %zu witness cosignatures meet the quorum (%s)\n",
				    idhex, au.cosigs,
				    au.cosigners[0] ? au.cosigners : "none needed");
				printf("%" PRIu64 " bundles and %" PRIu64 " hash tiles fetched and "
				       "recomputed; ",
				       au.bundles, au.tiles);
				if (au.first_visit && au.since_size == 0)
					printf("first visit; ");
				else
					printf("consistent with size %" PRIu64 "; ",
					       au.prev_size > au.since_size ? au.prev_size
					                                    : au.since_size);
				printf("state %s\n",
				       checked ? "equals the server's /state" : "replayed");
			}
		}
	}
	cli_audit_release(&au);
	if (rc != ARM_OK)
		return cli_fail_json(&e, json);
	return 0;
}
