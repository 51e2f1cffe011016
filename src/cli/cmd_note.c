/*
 * cmd_note.c - armistice note: sign any text as a C2SP signed note, and
 * verify a signed note against a set of keys (signed-note v1.0.0), so that
 * a party can check by hand what a log, a witness or another party signed.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/cli_key.h"
#include "armistice/note.h"
#include "armistice/common.h"

/* tlog-policy asks implementations to support at least 32 keys. */
#define NOTE_CLI_KEYS_MAX 64

static const char note_usage[] =
    "usage: armistice note sign --key KEY [--key KEY]... [FILE]\n"
    "       armistice note verify --key VKEY [--key VKEY]... [--json | --text] [FILE]\n"
    "\n"
    "sign    signs the text in FILE (or standard input) with each signer key\n"
    "        and prints the signed note (C2SP signed-note v1.0.0). The text\n"
    "        must be UTF-8 ending in a newline, with no control characters.\n"
    "verify  checks the signed note in FILE (or standard input) against the\n"
    "        verifier keys (a key string or a file holding one; Ed25519 0x01\n"
    "        and cosigner 0x04 keys) and lists which of them signed it.\n"
    "        Signatures by other keys are ignored; a bad signature by a\n"
    "        given key refuses the note; so does a note that none of them\n"
    "        signed.\n"
    "\n"
    "  --key KEY    signer key file (sign) or verifier key (verify); repeatable\n"
    "               (a key file, an encrypted key file or a pkcs11: URI;\n"
    "               armistice-key(1))\n"
    "  --json       verify: print the result as JSON\n"
    "  --text       verify: print only the signed text, once verified\n"
    "\n"
    "exit status: 0 ok, 1 verification failed, 2 usage, 3 input refused,\n"
    "4 system error, 5 not found.\n";

static const struct option note_opts[] = {
    {"key", required_argument, NULL, 'k'},
    {"json", no_argument, NULL, 'j'},
    {"text", no_argument, NULL, 't'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

struct note_args {
	const char *keys[NOTE_CLI_KEYS_MAX];
	size_t nkeys;
	const char *file;
	int json, text;
};

/* Returns -1 to go on, else the exit status. */
static int
note_parse_args(const char *verb, int argc, char **argv, struct note_args *a)
{
	int c;

	memset(a, 0, sizeof(*a));
	a->file = "-";
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "k:h", note_opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (a->nkeys == NOTE_CLI_KEYS_MAX)
				return cli_usage_error("note", "more than %d --key options",
				                       NOTE_CLI_KEYS_MAX);
			a->keys[a->nkeys++] = optarg;
			break;
		case 'j': a->json = 1; break;
		case 't': a->text = 1; break;
		case 'h': fputs(note_usage, stdout); return 0;
		default:
			return cli_usage_error("note", "unknown option or missing argument '%s'",
			                       argv[optind - 1]);
		}
	}
	if (argc - optind > 1)
		return cli_usage_error("note", "%s takes at most one FILE", verb);
	if (argc - optind == 1)
		a->file = argv[optind];
	if (a->nkeys == 0)
		return cli_usage_error("note", "%s needs at least one --key", verb);
	if (a->json && a->text)
		return cli_usage_error("note", "--json and --text exclude each other");
	return -1;
}

static int
note_sign_cmd(int argc, char **argv)
{
	struct note_signer signers[NOTE_CLI_KEYS_MAX];
	const struct note_signer *sp[NOTE_CLI_KEYS_MAX];
	struct buf text = BUF_INIT(NOTE_MAX_SIZE), out = BUF_INIT(2 * NOTE_MAX_SIZE);
	struct arm_err e = {ARM_OK, ""};
	struct note_args a;
	size_t i, loaded = 0;
	int rc, status;

	if ((status = note_parse_args("sign", argc, argv, &a)) >= 0)
		return status;
	if (a.json || a.text)
		return cli_usage_error("note", "sign takes no --json or --text");
	rc = cli_read_file(a.file, &text, &e);
	for (i = 0; rc == ARM_OK && i < a.nkeys; i++) {
		rc = cli_key_signer(a.keys[i], &signers[i], &e);
		if (rc != ARM_OK)
			break;
		sp[i] = &signers[i];
		loaded++;
		/* A cosignature states a checkpoint is consistent: a witness's job. */
		if (signers[i].type != NOTE_KEY_ED25519)
			rc = arm_err_set(
			    &e, ARM_EUSAGE,
			    "note sign: '%s' is a cosigner key (type 0x%02x); notes are "
			    "signed with Ed25519 (type 0x01) keys",
			    a.keys[i], signers[i].type);
	}
	if (rc == ARM_OK && text.len == 0)
		rc = arm_err_set(&e, ARM_ESYNTAX, "note sign: '%s' is empty; a note needs text",
		                 a.file);
	if (rc == ARM_OK) {
		rc = note_sign((const char *)text.data, text.len, sp, a.nkeys, &out, &e);
		if (rc != ARM_OK)
			arm_err_prefix(&e, "note sign '%s'", a.file);
	}
	if (rc == ARM_OK &&
	    (fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout) != 0))
		rc =
		    arm_err_set(&e, ARM_EIO, "note sign: cannot write the note to standard output");
	for (i = 0; i < loaded; i++)
		note_signer_release(&signers[i]);
	buf_release(&text);
	buf_release(&out);
	return rc == ARM_OK ? 0 : cli_fail(&e);
}

static const char *
key_type_name(uint8_t type)
{
	switch (type) {
	case NOTE_KEY_ED25519: return "ed25519";
	case NOTE_KEY_COSIG_V1: return "cosignature";
	default: return "unknown";
	}
}

/* RFC 3339 UTC time of a cosignature timestamp into out. */
static void
format_time(uint64_t ts, char out[32])
{
	struct tm tm;
	time_t t = (time_t)ts;

	if (ts > (uint64_t)INT32_MAX * 1000 || gmtime_r(&t, &tm) == NULL ||
	    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "unrepresentable");
}

static void
note_print_json(const struct note *n, const struct note_verifier *keys, size_t nkeys,
                const struct note_check *checks)
{
	size_t i, j, first = 1;
	char t[32];

	printf("{\"ok\":true,\"keys\":[");
	for (i = 0; i < nkeys; i++) {
		printf("%s{\"name\":", i ? "," : "");
		cli_json_str(stdout, keys[i].name, strlen(keys[i].name));
		printf(",\"key_id\":\"%08x\",\"type\":\"%s\",\"verified\":%s",
		       (unsigned)keys[i].key_id, key_type_name(keys[i].type),
		       checks[i].ok ? "true" : "false");
		if (checks[i].ok && keys[i].type == NOTE_KEY_COSIG_V1) {
			format_time(checks[i].timestamp, t);
			printf(",\"time\":%" PRIu64 ",\"time_utc\":\"%s\"", checks[i].timestamp, t);
		}
		printf("}");
	}
	printf("],\"unknown\":[");
	for (i = 0; i < n->nsigs; i++) {
		for (j = 0; j < nkeys; j++)
			if (keys[j].key_id == n->sigs[i].key_id &&
			    strcmp(keys[j].name, n->sigs[i].name) == 0)
				break;
		if (j < nkeys)
			continue;
		printf("%s{\"name\":", first ? "" : ",");
		first = 0;
		cli_json_str(stdout, n->sigs[i].name, strlen(n->sigs[i].name));
		printf(",\"key_id\":\"%08x\"}", (unsigned)n->sigs[i].key_id);
	}
	printf("],\"text\":");
	cli_json_str(stdout, n->text, n->text_len);
	printf("}\n");
}

static void
note_print_text(const struct note *n, const struct note_verifier *keys, size_t nkeys,
                const struct note_check *checks)
{
	size_t i, j;
	char t[32];

	for (i = 0; i < nkeys; i++) {
		printf("%s %s+%08x %s", checks[i].ok ? "verified" : "absent  ", keys[i].name,
		       (unsigned)keys[i].key_id, key_type_name(keys[i].type));
		if (checks[i].ok && keys[i].type == NOTE_KEY_COSIG_V1) {
			format_time(checks[i].timestamp, t);
			printf(" time %" PRIu64 " (%s)", checks[i].timestamp, t);
		}
		printf("\n");
	}
	for (i = 0; i < n->nsigs; i++) {
		for (j = 0; j < nkeys; j++)
			if (keys[j].key_id == n->sigs[i].key_id &&
			    strcmp(keys[j].name, n->sigs[i].name) == 0)
				break;
		if (j == nkeys)
			printf("unknown  %s+%08x (not checked)\n", n->sigs[i].name,
			       (unsigned)n->sigs[i].key_id);
	}
}

static int
note_verify_cmd(int argc, char **argv)
{
	struct note_verifier keys[NOTE_CLI_KEYS_MAX];
	struct note_check checks[NOTE_CLI_KEYS_MAX];
	struct buf msg = BUF_INIT(NOTE_MAX_SIZE);
	struct arm_err e = {ARM_OK, ""};
	struct note n = {NULL, 0, NULL, 0};
	struct note_args a;
	size_t i;
	int rc, status;

	if ((status = note_parse_args("verify", argc, argv, &a)) >= 0)
		return status;
	rc = ARM_OK;
	for (i = 0; rc == ARM_OK && i < a.nkeys; i++)
		rc = cli_key_verifier(a.keys[i], &keys[i], &e);
	if (rc == ARM_OK)
		rc = cli_read_file(a.file, &msg, &e);
	if (rc == ARM_OK) {
		rc = note_parse(&n, msg.data, msg.len, NOTE_MAX_SIZE, &e);
		if (rc == ARM_OK)
			rc = note_verify(&n, keys, a.nkeys, checks, &e);
		if (rc != ARM_OK)
			arm_err_prefix(&e, "'%s'", a.file);
	}
	if (rc != ARM_OK) {
		status = cli_fail_json(&e, a.json);
	} else {
		if (a.json)
			note_print_json(&n, keys, a.nkeys, checks);
		else if (a.text)
			fwrite(n.text, 1, n.text_len, stdout);
		else
			note_print_text(&n, keys, a.nkeys, checks);
		status = fflush(stdout) == 0 ? 0 : 4;
	}
	note_release(&n);
	buf_release(&msg);
	return status;
}

int
cmd_note(int argc, char **argv)
{
	if (argc < 2) {
		fputs(note_usage, stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(note_usage, stdout);
		return 0;
	}
	if (strcmp(argv[1], "sign") == 0)
		return note_sign_cmd(argc - 1, argv + 1);
	if (strcmp(argv[1], "verify") == 0)
		return note_verify_cmd(argc - 1, argv + 1);
	return cli_usage_error("note", "unknown subcommand '%s' (sign, verify)", argv[1]);
}
