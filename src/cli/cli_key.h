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

/*
 * Reads the signer key in the file at path (one line; a final newline is
 * allowed). Every copy of the key text is wiped before return. On success
 * *s holds the key in sodium_malloc memory; the caller releases it with
 * note_signer_release(). Errors name the file, never the key material.
 */
int cli_key_signer(const char *path, struct note_signer *s, struct arm_err *e) ARM_MUST_CHECK;

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
