/*
 * cli_audit.h - one audit of a log, shared by `armistice verify` (one
 * round) and `armistice monitor` (a round per new checkpoint), so both
 * check the same things in the same order (docs/audit.md):
 *
 *  1. parse the checkpoint (signed note, C2SP tlog-checkpoint v1.0.0);
 *  2. verify its log signature with the key already trusted: the pinned
 *     one (trust.h), else the one entry 0 names (fetched from /entry/0,
 *     which does not depend on the checkpoint's size), and only then use
 *     its size and root. A checkpoint with no signature by that key at
 *     all may come after an amendment that rotated the log key: its
 *     entries are read, and it must then verify with the key in force;
 *  3. refuse a rollback (a size below the last one verified);
 *  4. fetch the new entry bundles (a re-fetched entry that differs from
 *     the one seen before is a split view), recompute the root (RFC 9162)
 *     and the hash tiles (C2SP tlog-tiles v0.1.0), check consistency with
 *     the last checkpoint verified and with --since;
 *  5. replay the new entries through the rules (engine.h), entry 0 first
 *     checked against the pinned agreement;
 *  6. the witness quorum of the agreement in force (tlog-cosignature);
 *  7. compare the roots with the pinned ones: only an amendment (entry 0
 *     unchanged, the tree consistent) may change the log key or witnesses.
 * Zone files come from a local directory or, for a URL without one, from
 * the server's /zone/<id>, each checked against the digest the agreement
 * or amendment entry pins.
 *
 * The state (SDIR/logs/<hash of URL>/, trust.h): `trust`, `checkpoint`,
 * and `bundles/<N>`, full entry bundles already verified (immutable in
 * tlog-tiles), so a later round or a restart fetches only what is new.
 * Nothing is written unless the whole round passes.
 *
 * Ownership: struct cli_audit owns its buffers, leaves and engine;
 * cli_audit_release() frees them.
 */
#ifndef ARMISTICE_CLI_AUDIT_H
#define ARMISTICE_CLI_AUDIT_H

#include <stdbool.h>
#include <stdint.h>

#include "cli/cli_replay.h"
#include "armistice/agreement.h"
#include "armistice/buf.h"
#include "armistice/ckpt.h"
#include "armistice/hash.h"
#include "armistice/note.h"
#include "armistice/trust.h"

#define CLI_AUDIT_ZONE_LINES 64

struct cli_audit {
	/* set by the caller before cli_audit_open() */
	const char *base; /* URL or directory */
	bool http;
	const char *zones; /* local zone directory, or NULL (URL: /zone/<id>) */
	const char *since; /* a checkpoint file to be consistent with, or NULL */
	const char *sdir;  /* the state directory */
	bool pin_set;      /* --agreement / --trust: entry 0 must be pin_id */
	uint8_t pin_id[HASH_SIZE];
	bool have_pin_roots; /* --trust gave a whole record */
	struct trust_roots pin_roots;
	const char *pin_what; /* "--agreement", "--trust FILE" for messages */
	bool cache;           /* keep verified full bundles in the state */
	char sdir_buf[4096];  /* cli_audit_setup(): the state directory */
	char what_buf[4200];  /* cli_audit_setup(): "--trust FILE" */

	/* kept across rounds */
	char logdir[4096];
	struct trust_roots pinned; /* the record in the state */
	bool have_pinned;
	struct buf last; /* the last checkpoint verified (note bytes) */
	bool have_last;
	struct ckpt lastc;
	uint8_t (*leaves)[HASH_SIZE];
	uint64_t nleaves, capleaves;
	uint64_t applied; /* entries replayed into rp */
	struct cli_replay rp;
	bool rp_open;
	uint8_t a0_id[HASH_SIZE]; /* entry 0's agreement */
	char a0_desc[512];        /* its name and the parties that signed it */
	bool have_a0;
	bool broken; /* a round failed after changing the replay: no more rounds */
	/* full bundles fetched by the last round, kept by cli_audit_save() */
	struct buf *keep;
	uint64_t *keep_idx;
	size_t nkeep;

	/* the zone files of the entry being opened: "zone: <id> sha256:<hex>" */
	char zone_ids[CLI_AUDIT_ZONE_LINES][AGREEMENT_ID_MAX + 1];
	size_t nzone_ids, zone_next;

	/* the last round */
	struct buf ck;
	struct note n;
	struct ckpt c;
	uint64_t prev_size; /* size before this round (0 on a first visit) */
	uint64_t bundles, tiles;
	size_t cosigs;
	char cosigners[512];
	uint64_t since_size;
	bool first_visit, amended, unchanged;
	char amend_note[1024]; /* what an amendment changed, if anything */
};

/* Zeroes *au's kept state; the caller sets the configuration fields. */
void cli_audit_init(struct cli_audit *au);
void cli_audit_release(struct cli_audit *au);

/*
 * Reads a --trust FILE (trust_pin_parse()): sets pin_id, and pin_roots for
 * a record or for agreement YAML whose log section parses (zone files
 * beside it if there, else empty), so that the log key is known before
 * the first checkpoint is read. The caller sets pin_what.
 */
int cli_audit_pin_file(struct cli_audit *au, const char *path, struct arm_err *e) ARM_MUST_CHECK;

/*
 * The options `verify` and `export URL` share: base (a URL or directory),
 * --state SDIR (NULL: $ARMISTICE_STATE, else $HOME/.armistice/verify),
 * --agreement HEX or --trust FILE (NULL for none; not both). ARM_EUSAGE
 * with the reason for a bad option (the caller's usage error).
 */
int cli_audit_setup(struct cli_audit *au, const char *base, const char *sdir,
                    const char *agreement_hex, const char *trust_file,
                    struct arm_err *e) ARM_MUST_CHECK;

/* Reads the pinned record and the last checkpoint from the state. */
int cli_audit_open(struct cli_audit *au, struct arm_err *e) ARM_MUST_CHECK;

/*
 * One round: fetch the checkpoint and audit what is new since the last
 * round (everything on the first). ARM_EVERIFY: a signature, a root, a
 * tile, a rule, the quorum or the pinned roots fail; ARM_ECONFLICT: a
 * rollback or a split view; ARM_EIO/ARM_ENOTFOUND: the log could not be
 * read (nothing changed). On ARM_OK with au->unchanged the checkpoint was
 * the one already verified.
 */
int cli_audit_round(struct cli_audit *au, struct arm_err *e) ARM_MUST_CHECK;

/* Writes what the round verified into the state (atomically, file by file). */
int cli_audit_save(struct cli_audit *au, int64_t now, struct arm_err *e) ARM_MUST_CHECK;

/* The pinned-roots banner for a first visit, on f (after cli_audit_save()). */
void cli_audit_print_pinned(const struct cli_audit *au, FILE *f);

/* Fetches rel (a path under the log) into out. */
int cli_audit_fetch(const struct cli_audit *au, const char *rel, struct buf *out,
                    struct arm_err *e) ARM_MUST_CHECK;

/*
 * After a round that passed: calls fn on each entry [from, to) of the
 * audited checkpoint, in order, read from the state's bundles or the log
 * again and each checked against the leaf hash the round verified (an
 * entry that differs now is a split view, ARM_ECONFLICT; fn is not called
 * for it). Before fn, the entry's zone lines are noted for
 * cli_audit_zone_fetch().
 */
int cli_audit_scan(struct cli_audit *au, uint64_t from, uint64_t to,
                   int (*fn)(void *ctx, uint64_t index, const uint8_t *entry, size_t len,
                             struct arm_err *e),
                   void *ctx, struct arm_err *e) ARM_MUST_CHECK;

/*
 * An agreement_read_fn (ctx = struct cli_audit) for a replay of what
 * cli_audit_scan() hands out: the zone files of the entry being applied,
 * from the log's /zone/<id> (the engine checks each against the digest
 * the entry pins).
 */
int cli_audit_zone_fetch(void *ctx, const char *rel, struct buf *out, struct arm_err *e);

/* The engine (NULL before the first round). */
struct engine *cli_audit_engine(const struct cli_audit *au);

#endif
