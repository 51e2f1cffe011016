/*
 * witness.h - C2SP tlog-witness v1.0.0 (tag 2026-03-31): the witness that
 * cosigns a log's checkpoints only after checking that they extend the last
 * one it cosigned, and the log-side client that asks witnesses to cosign.
 *
 * The request (tlog-witness §"add-checkpoint"), every line ending "\n":
 *
 *   old <size>\n            the size the client believes the witness has
 *   <base64 hash>\n ...     0..63 consistency-proof hashes (RFC 9162
 *                           §2.1.4.1); none when old is 0
 *   \n
 *   <checkpoint note>       C2SP tlog-checkpoint with >= 1 log signature
 *
 * The answers (tlog-formats.md §1.4, the v1.0.0 column):
 *   404 unknown origin; 403 no trusted log signature verifies (or a known
 *   key's signature is bad); 400 malformed, or old > checkpoint size;
 *   409 old is not the witness's size, body "<size>\n" as
 *   text/x.tlog.size; 409 same size but a different root; 422 the
 *   consistency proof fails; 200 with one cosignature line
 *   (tlog-cosignature v1.0.1, type 0x04) as text/plain; charset=utf-8.
 * Stricter than v1.0.0, as HEAD is: a size-0 checkpoint must carry the
 * empty-tree root SHA-256(""); ckpt_parse() refuses any other, so it gets
 * 400 (HEAD says 422).
 *
 * State (tlog-witness §"Witness state"): per origin, the latest cosigned
 * checkpoint note, in DIR/<hex SHA-256(origin)>, replaced by temp file,
 * fsync, rename, fsync of DIR before the reply is formed, so a crash can
 * never let the witness cosign an older or forked tree (the rollback race
 * the spec warns of). A checkpoint refused as inconsistent (409 on a root
 * mismatch, 422) is kept as evidence of log misbehaviour in
 * DIR/evidence/<time>-<hex16 of SHA-256(request)>.req, the request as
 * received. One process at a time holds DIR (flock on DIR/lock).
 */
#ifndef ARMISTICE_WITNESS_H
#define ARMISTICE_WITNESS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "ckpt.h"
#include "err.h"
#include "hash.h"
#include "merkle.h"
#include "note.h"

#define WITNESS_MAX_PROOF 63
#define WITNESS_MAX_BODY (64u * 1024u) /* 63 proof lines + a checkpoint with 100 sigs fit */
#define WITNESS_MAX_LOGS 64
#define WITNESS_CTYPE_SIZE "text/x.tlog.size"

/* A parsed add-checkpoint request; ckpt points into the caller's body. */
struct witness_req {
	uint64_t old;
	uint8_t proof[WITNESS_MAX_PROOF][HASH_SIZE];
	size_t nproof;
	const uint8_t *ckpt; /* borrowed: the checkpoint note bytes */
	size_t ckpt_len;
};

/*
 * Parses body[0..len) strictly: "old " and a decimal with no leading zeros,
 * each proof line exactly 44 base64 characters decoding to 32 bytes, at
 * most 63 of them and none when old is 0, a blank line, then a non-empty
 * checkpoint. ARM_ESYNTAX (naming the rule and the byte offset) or
 * ARM_ELIMIT past WITNESS_MAX_BODY. Pure; fuzzed by fuzz/fuzz_witness.c.
 */
int witness_req_parse(struct witness_req *r, const uint8_t *body, size_t len,
                      struct arm_err *e) ARM_MUST_CHECK;

/* Appends the request for checkpoint note ckpt[0..len) to out. */
int witness_req_format(uint64_t old, const uint8_t (*proof)[HASH_SIZE], size_t nproof,
                       const uint8_t *ckpt, size_t len, struct buf *out,
                       struct arm_err *e) ARM_MUST_CHECK;

/* The witness. Open with witness_open(), free with witness_close(). */
struct witness {
	const struct note_signer *signer;                    /* borrowed: type 0x04 cosigner key */
	struct note_verifier logs[WITNESS_MAX_LOGS];         /* log keys */
	char origins[WITNESS_MAX_LOGS][CKPT_ORIGIN_MAX + 1]; /* the origin each key signs for */
	size_t nlogs;
	char *dir;          /* owned */
	int lockfd;         /* flock'ed DIR/lock */
	pthread_mutex_t mu; /* one add-checkpoint at a time: check and store are one step */
};

/*
 * Opens (creating with mode 0700 if needed) the state directory dir and
 * takes its lock: ARM_EBUSY if another witness holds it. signer is
 * borrowed and must outlive w; it must be a cosigner key (type 0x04).
 * logs[0..nlogs) are copied. origins (may be NULL, and so may any
 * origins[i]) names the checkpoint origin each key signs for; by default
 * the key's name (tlog-checkpoint: the key name SHOULD be the origin).
 * Two keys may share an origin (key rotation).
 */
int witness_open(struct witness *w, const char *dir, const struct note_signer *signer,
                 const struct note_verifier *logs, const char *const *origins, size_t nlogs,
                 struct arm_err *e) ARM_MUST_CHECK;
void witness_close(struct witness *w);

/* What the witness answers; body is owned (witness_reply_release()). */
struct witness_reply {
	int status;        /* HTTP status */
	const char *ctype; /* static string */
	struct buf body;
};
void witness_reply_init(struct witness_reply *rep);
void witness_reply_release(struct witness_reply *rep);

/*
 * Handles one add-checkpoint request body at time now (POSIX seconds, the
 * cosignature timestamp; must be non-zero). ARM_OK means rep holds the
 * answer, whatever its status; for a 4xx, e also holds the one-line
 * reason (the same text is the body). Any other return is a failure of
 * the witness itself (state could not be read or written): answer 500 and
 * cosign nothing.
 */
int witness_add_checkpoint(struct witness *w, const uint8_t *body, size_t len, uint64_t now,
                           struct witness_reply *rep, struct arm_err *e) ARM_MUST_CHECK;

/*
 * The witness's latest cosigned checkpoint for origin: *size and root (the
 * empty tree when it has none, *have false), and the note bytes when note
 * is not NULL. ARM_EIO/ARM_ESYNTAX if the state file is unreadable.
 */
int witness_state_get(struct witness *w, const char *origin, bool *have, uint64_t *size,
                      uint8_t root[HASH_SIZE], struct buf *note, struct arm_err *e) ARM_MUST_CHECK;

/*
 * Writes data to dir/name atomically: dir/.name.tmp, fsync, rename, fsync
 * of dir. Shared with the other durable writers in the server.
 */
int witness_write_atomic(const char *dir, const char *name, const uint8_t *data, size_t len,
                         struct arm_err *e) ARM_MUST_CHECK;

/* ---- The log's side: asking witnesses to cosign. ---- */

/* One witness as the log sees it. */
struct witness_peer {
	char url[512];            /* submission prefix; "/add-checkpoint" is appended */
	struct note_verifier key; /* its cosigner key (type 0x04) */
	uint64_t size;            /* the size we believe it has cosigned (0 at first) */
};

/*
 * Asks peer p to cosign the log-signed checkpoint note ckpt[0..len) whose
 * parsed body is c. Consistency proofs from p->size are computed from src
 * (a merkle_src over the tree of size c->size). A 409 with a size teaches
 * p->size and the request is sent once more. On success appends p's
 * cosignature line, verified with p->key over the checkpoint text, to
 * line, and sets p->size. ARM_ECONFLICT if the witness refuses (its
 * message quoted), ARM_EIO if it cannot be reached within timeout_ms.
 */
int witness_peer_cosign(struct witness_peer *p, const uint8_t *ckpt, size_t len,
                        const struct ckpt *c, const struct merkle_src *src, long timeout_ms,
                        struct buf *line, struct arm_err *e) ARM_MUST_CHECK;

/*
 * Counts the cosignatures in note n that verify with witness keys
 * wkeys[0..nw) (type 0x04) over n's text; a known witness key whose
 * cosignature is bad refuses the note (ARM_EVERIFY). Sets *count.
 */
int witness_count_cosigs(const struct note *n, const struct note_verifier *wkeys, size_t nw,
                         size_t *count, struct arm_err *e) ARM_MUST_CHECK;

#endif
