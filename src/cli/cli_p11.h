/*
 * cli_p11.h - signer keys kept in a PKCS#11 token (a hardware security
 * module, a smart card, SoftHSM), named by a PKCS#11 URI (p11uri.h).
 *
 * The module is loaded with dlopen and driven by direct PKCS#11 v2.40/3.0
 * calls (CKK_EC_EDWARDS keys, CKM_EDDSA signatures over the whole
 * message, Ed25519 of RFC 8032 "pure" mode, which is what signed notes
 * use). The secret never leaves the token; the process holds a logged-in
 * session and the key's handle. docs/keys.md says why no libp11.
 *
 * Ownership: a signer from here is a note_signer with ops set
 * (note_signer_external); note_signer_release() logs out, closes the
 * session and finalizes the module when its last signer goes. Signing is
 * serialized per signer by a mutex (a PKCS#11 session is single-threaded).
 */
#ifndef ARMISTICE_CLI_P11_H
#define ARMISTICE_CLI_P11_H

#include "armistice/buf.h"
#include "armistice/err.h"
#include "armistice/note.h"

/*
 * Opens the key uri names (exactly one token and one private
 * CKK_EC_EDWARDS key must match) and makes *s sign with it. The signed-note
 * key name is the key's CKA_LABEL; the type is the URI's x-note-type. The
 * PIN comes from pin-source (a file that must be private, as a key file)
 * or pin-value, else a terminal prompt. ARM_ENOTFOUND if nothing matches,
 * ARM_ECONFLICT if several do, ARM_EVERIFY if the PIN is refused.
 */
int cli_p11_signer(const char *uri, struct note_signer *s, struct arm_err *e) ARM_MUST_CHECK;

/*
 * Generates a new Ed25519 key pair in the token uri names (object= is the
 * label and must equal name, or is absent and becomes name), private,
 * sensitive and not extractable, and opens it into *s. Refuses
 * (ARM_ECONFLICT) if a key with that label is already there. Appends to
 * uri_out the URI that names the new key.
 */
int cli_p11_keygen(const char *uri, const char *name, uint8_t type, struct note_signer *s,
                   struct buf *uri_out, struct arm_err *e) ARM_MUST_CHECK;

#endif
