/*
 * cmd_submit.c - armistice submit: sends signed entries to a log server
 * (POST /add) and keeps each receipt, a c2sp.org/tlog-proof@v1 inclusion
 * proof pinned to the cosigned checkpoint that first included the entry.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/cli_key.h"
#include "armistice/bundle.h"
#include "armistice/httpc.h"
#include "armistice/tproof.h"
#include "armistice/witness.h"
#include "armistice/common.h"

static const char submit_usage[] =
    "usage: armistice submit URL SIGNED... [--receipts DIR] [--log VKEY] [--json]\n"
    "\n"
    "Submits each signed entry file to the log server at URL (POST /add) and\n"
    "writes its receipt, a c2sp.org/tlog-proof@v1 inclusion proof pinned to a\n"
    "cosigned checkpoint, to SIGNED.tlog-proof (or DIR/<name>.tlog-proof).\n"
    "With --log the receipt is checked against the log's key before it is\n"
    "kept. Stops at the first entry the server refuses.\n"
    "\n"
    "  --receipts DIR  where to write the receipts (made if missing)\n"
    "  --log VKEY      the log's verifier key (or a file holding one)\n"
    "  --json          one JSON object per entry on standard output\n"
    "\n"
    "exit status: 0 every entry accepted, 1 a receipt does not verify,\n"
    "2 usage, 3 an entry was refused, 4 system error (server unreachable),\n"
    "5 file not found. An entry that is durable but not yet cosigned (202)\n"
    "is reported and exits 4: submit it again later to get its receipt.\n";

static const struct option submit_opts[] = {
    {"receipts", required_argument, NULL, 'r'},
    {"log", required_argument, NULL, 'l'},
    {"json", no_argument, NULL, 'j'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int
submit_one(const char *base, const char *file, const char *rdir, const struct note_verifier *logv,
           int json, struct arm_err *e)
{
	struct buf body = BUF_INIT(BUNDLE_ENTRY_MAX), url = BUF_INIT(4096), out = BUF_INIT(8192);
	struct httpc_resp r;
	struct tproof p;
	struct ckpt c;
	struct note n = {0};
	const char *slash;
	int rc;

	memset(&p, 0, sizeof(p));
	httpc_resp_init(&r, TPROOF_MAX_SIZE);
	if ((rc = cli_read_file(file, &body, e)) != ARM_OK ||
	    (rc = httpc_url(&url, base, "add", e)) != ARM_OK ||
	    (rc = httpc_request("POST", (const char *)url.data, body.data, body.len,
	                        "text/plain; charset=utf-8", 60000, &r, e)) != ARM_OK)
		goto out;
	if (r.status != 200) {
		size_t ml = r.body.len;
		while (ml > 0 && r.body.data[ml - 1] == '\n')
			ml--;
		rc = arm_err_set(e,
		                 r.status == 202   ? ARM_EIO
		                 : r.status >= 500 ? ARM_EIO
		                                   : ARM_ERULE,
		                 "'%s': server answered %ld: %.*s", file, r.status,
		                 (int)(ml > 400 ? 400 : ml),
		                 r.body.data ? (const char *)r.body.data : "");
		goto out;
	}
	if ((rc = tproof_parse(&p, r.body.data, r.body.len, TPROOF_MAX_SIZE, e)) != ARM_OK) {
		arm_err_prefix(e, "'%s': the server's receipt", file);
		goto out;
	}
	if (logv != NULL) {
		if ((rc = tproof_verify(&p, body.data, body.len, logv, &c, &n, e)) != ARM_OK) {
			arm_err_prefix(e, "'%s': the server's receipt", file);
			goto out;
		}
	}
	if (rdir != NULL) {
		slash = strrchr(file, '/');
		rc = buf_printf(&out, e, "%s/%s.tlog-proof", rdir, slash ? slash + 1 : file);
	} else {
		rc = buf_printf(&out, e, "%s.tlog-proof", file);
	}
	if (rc != ARM_OK)
		goto out;
	{
		/* Written whole or not at all: a receipt is evidence. */
		char dir[4096], *name;
		snprintf(dir, sizeof(dir), "%s", (const char *)out.data);
		name = strrchr(dir, '/');
		if (name != NULL) {
			*name++ = '\0';
			rc = witness_write_atomic(dir[0] ? dir : "/", name, r.body.data, r.body.len,
			                          e);
		} else {
			rc = witness_write_atomic(".", dir, r.body.data, r.body.len, e);
		}
		if (rc != ARM_OK)
			goto out;
	}
	if (json) {
		printf("{\"file\":");
		cli_json_str(stdout, file, strlen(file));
		printf(",\"index\":%" PRIu64 ",\"receipt\":", p.index);
		cli_json_str(stdout, (const char *)out.data, out.len);
		printf(",\"verified\":%s}\n", logv ? "true" : "false");
	} else {
		printf("%s: index %" PRIu64 ", receipt %s%s\n", file, p.index,
		       (const char *)out.data, logv ? " (verified)" : "");
	}
out:
	note_release(&n);
	tproof_release(&p);
	httpc_resp_release(&r);
	buf_release(&body);
	buf_release(&url);
	buf_release(&out);
	return rc;
}

int
cmd_submit(int argc, char **argv)
{
	const char *rdir = NULL;
	struct note_verifier logv;
	bool have_log = false;
	struct arm_err e;
	int c, json = 0, i;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", submit_opts, NULL)) != -1) {
		switch (c) {
		case 'r': rdir = optarg; break;
		case 'l':
			if (cli_key_verifier(optarg, &logv, &e) != ARM_OK)
				return cli_fail(&e);
			have_log = true;
			break;
		case 'j': json = 1; break;
		case 'h': fputs(submit_usage, stdout); return 0;
		default: return cli_usage_error("submit", "unknown option");
		}
	}
	if (argc - optind < 2)
		return cli_usage_error("submit",
		                       "a URL and at least one signed entry are required");
	/* The receipts directory is made if missing, so a first run just works. */
	if (rdir != NULL && mkdir(rdir, 0755) != 0 && errno != EEXIST) {
		arm_err_set(&e, ARM_EIO, "cannot create the receipts directory '%s': %s", rdir,
		            strerror(errno));
		return cli_fail(&e);
	}
	for (i = optind + 1; i < argc; i++) {
		fprintf(stderr, "armistice submit: %s (%d of %d)\n", argv[i], i - optind,
		        argc - optind - 1);
		if (submit_one(argv[optind], argv[i], rdir, have_log ? &logv : NULL, json, &e) !=
		    ARM_OK)
			return cli_fail(&e);
	}
	return 0;
}
