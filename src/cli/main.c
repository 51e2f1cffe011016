/*
 * main.c - armistice(1): dispatches to a subcommand. Each subcommand parses
 * its own options, prints its own --help and returns its exit status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli/cli.h"
#include "cli/cli_key.h"
#include "armistice/common.h"

#define ARMISTICE_VERSION "0.1.0"

static const struct cli_cmd commands[] = {
    {"version", cmd_version, "print the version"},
    {"keygen", cmd_keygen, "make a signer key and its verifier key (log or cosigner)"},
    {"key", cmd_key, "encrypt, decrypt or re-encrypt a signer key file; show a key's verifier"},
    {"log", cmd_log, "create, append to, read, prove from and verify a log directory"},
    {"note", cmd_note, "sign text as a signed note, or verify one against keys"},
    {"proof", cmd_proof, "check a receipt or a consistency proof offline"},
    {"witness", cmd_witness, "run a C2SP tlog-witness that cosigns consistent checkpoints"},
    {"serve", cmd_serve, "serve a log over HTTP: tiles, submissions, state"},
    {"verify", cmd_verify, "audit a log (URL or directory): signatures, quorum, tree, state"},
    {"monitor", cmd_monitor,
     "follow a log, audit each new checkpoint, report what concerns a party"},
    {"submit", cmd_submit, "submit signed entries to a log server and keep the receipts"},
    {"sign", cmd_sign, "sign an entry, or the agreement entry, with the author's key"},
    {"init", cmd_init, "start a log with the agreement, signed by every party, as entry 0"},
    {"amend", cmd_amend,
     "build an amendment, say what it changes, combine the parties' signatures"},
    {"append", cmd_append, "append signed entries through the agreement's rules"},
    {"import", cmd_import, "turn a CSV of incidents into signed entries, all or nothing"},
    {"status", cmd_status, "what is done, open, overdue, who waits on whom, days of calm"},
    {"timeline", cmd_timeline, "every entry with the status changes it caused"},
    {"show", cmd_show, "one commitment (with its history) or one entry"},
    {"graph", cmd_graph, "the commitments and their requirements as Graphviz DOT"},
    {"export", cmd_export, "the log as CSV, NDJSON and GeoJSON tables; implementation scores"},
    {"report", cmd_report, "a period's report as one HTML file (map, chart, overdue); --pdf"},
};

int
cmd_version(int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("usage: armistice version\n");
		return 0;
	}
	printf("armistice %s (libsodium %s)\n", ARMISTICE_VERSION, sodium_version_string());
	return 0;
}

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: armistice [--passphrase-fd N] COMMAND [ARGS...]\n"
	           "       armistice COMMAND --help\n\n"
	           "A verifiable ledger for phased peace agreements.\n\ncommands:\n");
	for (i = 0; i < ARM_ARRAY_LEN(commands); i++)
		fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
	fprintf(f,
	        "\n--passphrase-fd N reads the passphrase of encrypted signer keys from\n"
	        "file descriptor N (docs/keys.md); else $ARMISTICE_PASSPHRASE, else a prompt.\n");
	fprintf(f, "\nexit status: 0 ok, 1 verification failed, 2 usage, 3 input refused,\n"
	           "4 system error, 5 not found. See armistice(1).\n");
}

int
main(int argc, char **argv)
{
	size_t i;

	if (sodium_init() < 0) {
		fprintf(stderr, "armistice: libsodium failed to initialise\n");
		return 4;
	}
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0)
		return cmd_version(argc - 1, argv + 1);
	/* armistice --passphrase-fd N COMMAND: for every encrypted key COMMAND opens. */
	if (strcmp(argv[1], "--passphrase-fd") == 0) {
		char *end = NULL;
		long fd = argc > 2 ? strtol(argv[2], &end, 10) : -1;
		if (argc < 4 || end == argv[2] || *end != '\0' || fd < 0 || fd > 65535) {
			fprintf(stderr,
			        "armistice: --passphrase-fd wants a descriptor number and a "
			        "COMMAND\nTry 'armistice --help'.\n");
			return 2;
		}
		cli_key_set_passphrase_fd((int)fd);
		argc -= 2;
		argv += 2;
	}
	atexit(cli_key_forget);
	for (i = 0; i < ARM_ARRAY_LEN(commands); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "armistice: unknown command '%s'\nTry 'armistice --help'.\n", argv[1]);
	return 2;
}
