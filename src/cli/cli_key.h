/*
 * cli_key.h - key arguments of the commands: signer key files and
 * verifier keys given as a file or as the key string itself.
 *
 * Formats are golang.org/x/mod/sumdb/note's, as C2SP signed-note v1.0.0
 * describes them: a signer key file holds one line
 * "PRIVATE+KEY+<name>+<hex8 key id>+<base64(type || seed)>", a verifier
 * key is "<name>+<hex8 key id>+<base64(type || public key)>".
 */
#ifndef ARMISTICE_CLI_KEY_H
#define ARMISTICE_CLI_KEY_H

#include "armistice/err.h"
#include "armistice/note.h"

/* Passphrase sources (docs/keys.md), besides --passphrase-fd and a terminal. */
#define CLI_PASSPHRASE_ENV "ARMISTICE_PASSPHRASE"
#define CLI_NEW_PASSPHRASE_ENV "ARMISTICE_NEW_PASSPHRASE"
#define CLI_PASSPHRASE_MIN 8 /* bytes, for a new passphrase */

/*
 * Makes *s the signer that path names, wherever a signer key is accepted:
 *   - "pkcs11:..." - a key in a PKCS#11 token (cli_p11.h);
 *   - a file of format armistice/encrypted-key/v1 (keyfile.h), opened with
 *     the passphrase from cli_key_passphrase();
 *   - a plain key file, one line "PRIVATE+KEY+..." (a final newline is
 *     allowed).
 * A file must be private to its owner (cli_key_private). Every copy of the
 * key text is wiped before return. On success *s holds the key in
 * sodium_malloc memory or a token handle; the caller releases it with
 * note_signer_release(). Errors name the file, never the key material.
 */
int cli_key_signer(const char *path, struct note_signer *s, struct arm_err *e) ARM_MUST_CHECK;

/*
 * Opens the encrypted key file text[0..len) read from path into *s.
 * A wrong passphrase is ARM_EVERIFY (exit 1).
 */
int cli_key_open_encrypted(const char *path, const char *text, size_t len, struct note_signer *s,
                           struct arm_err *e) ARM_MUST_CHECK;

/*
 * Reads the whole file at path (at most max bytes) into new sodium_malloc
 * memory (*data, NUL-terminated; the caller sodium_free()s it) after the
 * cli_key_private() check. what names the file in messages.
 */
int cli_key_read_private(const char *what, const char *path, size_t max, char **data, size_t *len,
                         struct arm_err *e) ARM_MUST_CHECK;

/*
 * A passphrase into new sodium_malloc memory (the caller sodium_free()s
 * it). The current passphrase of a key (fresh == 0) comes from, in order:
 * the descriptor set by cli_key_set_passphrase_fd (one line, read once and
 * kept for every key of the command), $ARMISTICE_PASSPHRASE (read once,
 * then wiped from the environment), or a prompt on the terminal naming
 * what. A new one (fresh != 0) comes from the next line of the descriptor,
 * else $ARMISTICE_NEW_PASSPHRASE if a current one was asked for and
 * otherwise $ARMISTICE_PASSPHRASE, else the terminal, typed twice; it must
 * be at least CLI_PASSPHRASE_MIN bytes.
 */
int cli_key_passphrase(int fresh, const char *what, char **out, size_t *len,
                       struct arm_err *e) ARM_MUST_CHECK;
void cli_key_set_passphrase_fd(int fd);
/* Wipes and frees the kept passphrase (main calls it before exit). */
void cli_key_forget(void);

/*
 * Prints prompt on /dev/tty and reads one line with echo off into new
 * sodium_malloc memory. ARM_EUSAGE if there is no terminal.
 */
int cli_key_prompt(const char *prompt, char **out, size_t *len, struct arm_err *e) ARM_MUST_CHECK;

/*
 * Refuses (ARM_ERULE, exit 3) the open file fd holding a secret (a signer
 * key, an encrypted key, a PIN) unless it is private to its owner, as ssh
 * does: no permission bit for group or others, and owned by the effective
 * user or root. The message names what and path and says the fix
 * ("chmod 600 FILE").
 */
int cli_key_private(int fd, const char *what, const char *path, struct arm_err *e) ARM_MUST_CHECK;

/*
 * Fills *v from arg: the name of a file holding a verifier key (first
 * line), or, if no such file exists and arg looks like one, the key string
 * itself. Errors name the file or quote the key.
 */
int cli_key_verifier(const char *arg, struct note_verifier *v, struct arm_err *e) ARM_MUST_CHECK;

#endif
