/*
 * trust.h - what an auditor trusts about one log, written down and pinned
 * (docs/audit.md "Trust roots").
 *
 * An auditor that fetches a log from a URL must know which log it is
 * auditing: which agreement (entry 0), which log key signs the checkpoints,
 * which witness keys cosign them and what quorum counts. Go's sumdb ships
 * the log key with the client and CT clients ship log lists; armistice
 * pins them per URL on first use (as ssh pins a host key) or from an
 * identifier the parties exchanged out of band, and refuses any later
 * change that did not come through an amendment the parties signed.
 *
 * The pinned record, one file per log (trust_format() writes it,
 * trust_parse() reads it back, byte for byte):
 *
 *   armistice/trust/v1
 *   url <the URL or directory as the auditor named it>
 *   pinned <RFC 3339 UTC: when it was first pinned>
 *   agreement <hex SHA-256: the agreement of entry 0>
 *   in-force <hex SHA-256: the agreement in force at `size`>
 *   size <tree size the record was last confirmed at>
 *   origin <checkpoint origin line>
 *   log-key <Ed25519 verifier key, type 0x01>
 *   witness <id> <cosigner verifier key, type 0x04>     (0 or more)
 *   group <id> <threshold> <member id>...               (0 or more)
 *   quorum none | <N> | group <id>
 *
 * Every line ends in "\n", fields are separated by one space, and the
 * lines come in exactly this order. Unknown or repeated lines are refused.
 *
 * The state directory (trust_log_dir()):
 *
 *   SDIR/logs/<hex SHA-256 of the URL>/trust        the record above
 *   SDIR/logs/<hex SHA-256 of the URL>/checkpoint   the last checkpoint that
 *                                                    passed the whole audit
 *
 * Every file is written by temp file, fsync, rename, fsync of the
 * directory (witness_write_atomic()), so a crash leaves the old or the new
 * file, never half of one.
 *
 * Ownership: struct trust_roots is a plain value (no pointers). Parsers
 * take bytes and a limit and do no I/O; trust_load()/trust_save() and
 * trust_log_dir() touch the file system.
 */
#ifndef ARMISTICE_TRUST_H
#define ARMISTICE_TRUST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agreement.h"
#include "buf.h"
#include "ckpt.h"
#include "err.h"
#include "hash.h"
#include "note.h"

#define TRUST_MAX_SIZE (64u * 1024u)
#define TRUST_URL_MAX 1024
#define TRUST_MAX_WITNESSES 64
#define TRUST_MAX_GROUPS 64
#define TRUST_GROUP_MAX 1024 /* "<threshold> <member>..." of one group */
#define TRUST_QUORUM_MAX (AGREEMENT_ID_MAX + 8)

struct trust_witness {
	char id[AGREEMENT_ID_MAX + 1];
	struct note_verifier key;
};

struct trust_group {
	char id[AGREEMENT_ID_MAX + 1];
	char spec[TRUST_GROUP_MAX + 1]; /* "<threshold> <member> <member>..." */
};

struct trust_roots {
	char url[TRUST_URL_MAX + 1];
	int64_t pinned; /* POSIX seconds */
	uint8_t agreement[HASH_SIZE];
	uint8_t in_force[HASH_SIZE];
	uint64_t size;
	char origin[CKPT_ORIGIN_MAX + 1];
	struct note_verifier log_key;
	struct trust_witness witnesses[TRUST_MAX_WITNESSES];
	size_t nwitnesses;
	struct trust_group groups[TRUST_MAX_GROUPS];
	size_t ngroups;
	char quorum[TRUST_QUORUM_MAX + 1]; /* "none", "<N>" or "group <id>" */
};

/*
 * Parses a record (format above) strictly: ARM_ESYNTAX naming the line and
 * the rule, ARM_ELIMIT past TRUST_MAX_SIZE or the array limits. On failure
 * *r is zeroed. Pure; fuzzed by fuzz/fuzz_trust.c.
 */
int trust_parse(struct trust_roots *r, const uint8_t *text, size_t len,
                struct arm_err *e) ARM_MUST_CHECK;

/* Appends the record for *r; what it writes parses back to *r. */
int trust_format(const struct trust_roots *r, struct buf *out, struct arm_err *e) ARM_MUST_CHECK;

/*
 * Fills the roots of *r from the agreement of entry 0 (a0) and the
 * agreement in force at tree size `size` (in_force, which is a0 when there
 * was no amendment). url and pinned are left as they are. ARM_ELIMIT if
 * the agreement has more witnesses or groups than a record holds.
 */
int trust_from_agreement(struct trust_roots *r, const struct agreement *a0,
                         const struct agreement *in_force, uint64_t size,
                         struct arm_err *e) ARM_MUST_CHECK;

/*
 * Compares the roots a log shows now (seen) with the pinned ones: appends
 * to out one clause per difference, separated by "; " (agreement, log
 * origin, log key, each witness key added, removed or changed, groups,
 * quorum), and returns the number of differences. url, pinned and size
 * are not compared.
 */
size_t trust_diff(const struct trust_roots *pinned, const struct trust_roots *seen,
                  struct buf *out);

/* What a --trust file holds (trust_pin_parse()). */
enum trust_pin_kind {
	TRUST_PIN_ID = 1, /* 64 lowercase hex digits (and an optional "\n") */
	TRUST_PIN_RECORD, /* a record in the format above */
	TRUST_PIN_YAML,   /* anything else: the agreement YAML, id = SHA-256 of the bytes */
};

/*
 * Reads what parties exchange out of band to pin a log from the start: the
 * agreement id, a record, or the agreement YAML itself. Sets *kind and
 * id (for a record, its `agreement`); fills *r for a record (r may be NULL
 * otherwise). ARM_ESYNTAX for a record that does not parse or an empty
 * file; ARM_ELIMIT past TRUST_MAX_SIZE.
 */
int trust_pin_parse(const uint8_t *data, size_t len, enum trust_pin_kind *kind,
                    uint8_t id[HASH_SIZE], struct trust_roots *r, struct arm_err *e) ARM_MUST_CHECK;

/*
 * The directory of one log's files in state directory sdir:
 * sdir/logs/<hex SHA-256 of url without trailing '/'>. Pure.
 */
int trust_log_dir(const char *sdir, const char *url, char *out, size_t cap,
                  struct arm_err *e) ARM_MUST_CHECK;

/*
 * Creates dir and its parents, mode 0700 (an existing directory is fine),
 * each new one made durable by an fsync of its parent.
 */
int trust_mkdirs(const char *dir, struct arm_err *e) ARM_MUST_CHECK;

/*
 * Reads dir/trust into *r: ARM_ENOTFOUND if there is none (a first visit),
 * ARM_ESYNTAX/ARM_ELIMIT if it does not parse (naming the file), ARM_EIO.
 */
int trust_load(const char *dir, struct trust_roots *r, struct arm_err *e) ARM_MUST_CHECK;

/* Writes dir/trust atomically (creating dir). */
int trust_save(const char *dir, const struct trust_roots *r, struct arm_err *e) ARM_MUST_CHECK;

/* Reads dir/name into out (ARM_ENOTFOUND if absent, ARM_ELIMIT past out->max). */
int trust_read_file(const char *dir, const char *name, struct buf *out,
                    struct arm_err *e) ARM_MUST_CHECK;

#endif
