/*
 * cli.h - the armistice command line: one cmd_<name>() per subcommand,
 * each in its own src/cli/cmd_<name>.c (or src/server/ for serve/witness),
 * registered in the table in main.c. A command returns the process exit
 * status (see arm_rc_exit() in err.h and armistice(1)); only the command
 * functions and main() print.
 */
#ifndef ARMISTICE_CLI_H
#define ARMISTICE_CLI_H

#include <stdio.h>

#include "armistice/err.h"
#include "armistice/buf.h"

struct cli_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

/* Prints "armistice: <msg>" on stderr and returns the exit code for e->rc. */
int cli_fail(const struct arm_err *e);

/*
 * cli_fail(), and first, when json is set, the error as one JSON object on
 * standard output ({"ok":false,"error":"<rc name>","message":"..."}) so a
 * script reading --json output always gets a document.
 */
int cli_fail_json(const struct arm_err *e, int json);

/* Prints a usage error on stderr with a hint to --help; returns 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Reads a whole file (or standard input for "-") into out, failing with
 * ARM_ELIMIT past out->max bytes. The message names the path.
 */
int cli_read_file(const char *path, struct buf *out, struct arm_err *e) ARM_MUST_CHECK;

struct agreement;

/*
 * The party signatures of every SIGNED copy of text merged into one note
 * (text, a blank line, the signature lines), as init and amend combine
 * what each party signed on its own machine. Each file must carry exactly
 * text (else ARM_EVERIFY: "CMD: 'FILE' is not a signature of WHAT", where
 * what says which text and how to sign it); a signature by a key that is not a party's is dropped
 * with one line on stderr; the same key twice is kept once (Ed25519 is deterministic). *nsigs gets
 * how many were kept. cmd names the command in messages.
 */
int cli_merge_party_sigs(const char *cmd, const char *what, char *const *files, size_t nfiles,
                         const struct agreement *a, const struct buf *text, struct buf *merged,
                         size_t *nsigs, struct arm_err *e) ARM_MUST_CHECK;

/* Writes a JSON string literal (quotes and escapes) for s[0..n). */
void cli_json_str(FILE *f, const char *s, size_t n);

/* Subcommands. */
int cmd_version(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_key(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_note(int argc, char **argv);
int cmd_proof(int argc, char **argv);
int cmd_witness(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_monitor(int argc, char **argv);
int cmd_submit(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_amend(int argc, char **argv);
/* DIR/zones (where init copies zone files) into buf if it exists, else NULL. */
const char *cli_zones_default(const char *dir, char *buf, size_t cap);
int cmd_append(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_timeline(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_graph(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_report(int argc, char **argv);

#endif
