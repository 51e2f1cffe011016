/* witness.c - see witness.h. C2SP tlog-witness v1.0.0. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "armistice/b64.h"
#include "armistice/cosig.h"
#include "armistice/httpc.h"
#include "armistice/witness.h"
#include "armistice/common.h"

#define WITNESS_STATE_MAX (256u * 1024u)

/* Strict decimal: digits only, no leading zeros, at most 2^63-1. */
static int
witness_parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 19 || (len > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > (uint64_t)INT64_MAX)
		return -1;
	*out = v;
	return 0;
}

int
witness_req_parse(struct witness_req *r, const uint8_t *body, size_t len, struct arm_err *e)
{
	const char *s = (const char *)body;
	const char *nl;
	size_t off, ll;
	size_t got;

	memset(r, 0, sizeof(*r));
	if (len > WITNESS_MAX_BODY)
		return arm_err_set(e, ARM_ELIMIT, "add-checkpoint: request of %zu bytes exceeds %u",
		                   len, WITNESS_MAX_BODY);
	/* tlog-witness v1.0.0: the first line is "old <size>". */
	if (len < 4 || memcmp(s, "old ", 4) != 0)
		return arm_err_set(
		    e, ARM_ESYNTAX,
		    "add-checkpoint: request must start with \"old <size>\" at byte 0");
	nl = memchr(s + 4, '\n', len - 4);
	if (nl == NULL || witness_parse_u64(s + 4, (size_t)(nl - s) - 4, &r->old) != 0)
		return arm_err_set(e, ARM_ESYNTAX,
		                   "add-checkpoint: old size at byte 4 is not a canonical decimal");
	off = (size_t)(nl - s) + 1;
	for (;;) {
		if (off >= len)
			return arm_err_set(e, ARM_ESYNTAX,
			                   "add-checkpoint: no blank line before the checkpoint "
			                   "(byte %zu)",
			                   off);
		nl = memchr(s + off, '\n', len - off);
		if (nl == NULL)
			return arm_err_set(e, ARM_ESYNTAX,
			                   "add-checkpoint: unterminated proof line at byte %zu",
			                   off);
		ll = (size_t)(nl - (s + off));
		if (ll == 0) {
			off++;
			break;
		}
		if (r->nproof == WITNESS_MAX_PROOF)
			return arm_err_set(e, ARM_ESYNTAX,
			                   "add-checkpoint: more than %d consistency-proof lines "
			                   "(byte %zu)",
			                   WITNESS_MAX_PROOF, off);
		if (ll != B64_ENCLEN(HASH_SIZE) ||
		    b64_decode(s + off, ll, r->proof[r->nproof], HASH_SIZE, &got, NULL) != ARM_OK ||
		    got != HASH_SIZE)
			return arm_err_set(
			    e, ARM_ESYNTAX,
			    "add-checkpoint: proof line %zu at byte %zu is not a base64 "
			    "32-byte hash",
			    r->nproof + 1, off);
		r->nproof++;
		off += ll + 1;
	}
	if (r->old == 0 && r->nproof != 0)
		return arm_err_set(e, ARM_ESYNTAX,
		                   "add-checkpoint: old size 0 with %zu proof lines (must be none)",
		                   r->nproof);
	if (off >= len)
		return arm_err_set(e, ARM_ESYNTAX,
		                   "add-checkpoint: no checkpoint after the blank line");
	r->ckpt = body + off;
	r->ckpt_len = len - off;
	return ARM_OK;
}

int
witness_req_format(uint64_t old, const uint8_t (*proof)[HASH_SIZE], size_t nproof,
                   const uint8_t *ckpt, size_t len, struct buf *out, struct arm_err *e)
{
	size_t i;

	if (nproof > WITNESS_MAX_PROOF || (old == 0 && nproof != 0))
		return arm_err_set(e, ARM_EUSAGE,
		                   "add-checkpoint: %zu proof hashes for old size %" PRIu64, nproof,
		                   old);
	ARM_TRY(buf_printf(out, e, "old %" PRIu64 "\n", old));
	for (i = 0; i < nproof; i++) {
		ARM_TRY(b64_encode(out, proof[i], HASH_SIZE, e));
		ARM_TRY(buf_append(out, "\n", 1, e));
	}
	ARM_TRY(buf_append(out, "\n", 1, e));
	return buf_append(out, ckpt, len, e);
}

/* ---- durable state ---- */

int
witness_write_atomic(const char *dir, const char *name, const uint8_t *data, size_t len,
                     struct arm_err *e)
{
	char tmp[4096], dst[4096];
	int fd = -1, dfd = -1, rc = ARM_OK;
	size_t done = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name) >= sizeof(tmp) ||
	    (size_t)snprintf(dst, sizeof(dst), "%s/%s", dir, name) >= sizeof(dst))
		return arm_err_set(e, ARM_EUSAGE, "path too long: '%s/%s'", dir, name);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return arm_err_set(e, ARM_EIO, "cannot create '%s': %s", tmp, strerror(errno));
	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = arm_err_set(e, ARM_EIO, "cannot write '%s': %s", tmp, strerror(errno));
			goto out;
		}
		done += (size_t)n;
	}
	if (fsync(fd) != 0) {
		rc = arm_err_set(e, ARM_EIO, "cannot fsync '%s': %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		rc = arm_err_set(e, ARM_EIO, "cannot close '%s': %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, dst) != 0) {
		rc = arm_err_set(e, ARM_EIO, "cannot rename '%s' to '%s': %s", tmp, dst,
		                 strerror(errno));
		goto out;
	}
	/* The rename is durable only once the directory itself is synced. */
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || fsync(dfd) != 0)
		rc = arm_err_set(e, ARM_EIO, "cannot fsync directory '%s': %s", dir,
		                 strerror(errno));
out:
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	if (dfd >= 0)
		close(dfd);
	return rc;
}

static void
witness_origin_file(const char *origin, char out[2 * HASH_SIZE + 1])
{
	uint8_t h[HASH_SIZE];

	hash_sha256(h, origin, strlen(origin));
	hash_hex(out, h);
}

static int
witness_read_file(const char *path, struct buf *out, struct arm_err *e)
{
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return arm_err_set(e, errno == ENOENT ? ARM_ENOTFOUND : ARM_EIO,
		                   "cannot open '%s': %s", path, strerror(errno));
	rc = buf_read_fd(out, fd, path, e);
	close(fd);
	return rc;
}

int
witness_state_get(struct witness *w, const char *origin, bool *have, uint64_t *size,
                  uint8_t root[HASH_SIZE], struct buf *note, struct arm_err *e)
{
	char hex[2 * HASH_SIZE + 1], path[4096];
	struct buf b = BUF_INIT(WITNESS_STATE_MAX);
	struct note n = {0};
	struct ckpt c;
	int rc;

	*have = false;
	*size = 0;
	hash_sha256(root, "", 0);
	witness_origin_file(origin, hex);
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", w->dir, hex) >= sizeof(path))
		return arm_err_set(e, ARM_EUSAGE, "state path too long in '%s'", w->dir);
	rc = witness_read_file(path, &b, e);
	if (rc == ARM_ENOTFOUND) {
		arm_err_clear(e);
		rc = ARM_OK;
		goto out;
	}
	if (rc != ARM_OK)
		goto out;
	if ((rc = note_parse(&n, b.data, b.len, WITNESS_STATE_MAX, e)) != ARM_OK ||
	    (rc = ckpt_parse(&c, n.text, n.text_len, e)) != ARM_OK) {
		arm_err_prefix(e, "witness state '%s'", path);
		goto out;
	}
	if (strcmp(c.origin, origin) != 0) {
		rc = arm_err_set(e, ARM_ESYNTAX, "witness state '%s' holds origin '%s', not '%s'",
		                 path, c.origin, origin);
		goto out;
	}
	*have = true;
	*size = c.size;
	memcpy(root, c.root, HASH_SIZE);
	if (note != NULL)
		rc = buf_append(note, b.data, b.len, e);
out:
	note_release(&n);
	buf_release(&b);
	return rc;
}

static int
witness_mkdir(const char *dir, struct arm_err *e)
{
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return arm_err_set(e, ARM_EIO, "cannot create '%s': %s", dir, strerror(errno));
	return ARM_OK;
}

int
witness_open(struct witness *w, const char *dir, const struct note_signer *signer,
             const struct note_verifier *logs, const char *const *origins, size_t nlogs,
             struct arm_err *e)
{
	char path[4096];
	size_t i;
	int rc;

	memset(w, 0, sizeof(*w));
	w->lockfd = -1;
	if (signer == NULL || signer->type != NOTE_KEY_COSIG_V1)
		return arm_err_set(
		    e, ARM_EUSAGE,
		    "witness key must be a cosigner key (type 0x04, tlog-cosignature)");
	if (nlogs == 0 || nlogs > WITNESS_MAX_LOGS)
		return arm_err_set(e, ARM_EUSAGE, "a witness needs 1 to %d log keys, not %zu",
		                   WITNESS_MAX_LOGS, nlogs);
	for (i = 0; i < nlogs; i++) {
		const char *o = origins && origins[i] ? origins[i] : logs[i].name;
		if (logs[i].type != NOTE_KEY_ED25519)
			return arm_err_set(e, ARM_EUSAGE,
			                   "log key '%s' is not an Ed25519 signing key (type 0x01)",
			                   logs[i].name);
		if (o[0] == '\0' || strlen(o) > CKPT_ORIGIN_MAX)
			return arm_err_set(e, ARM_EUSAGE, "log origin '%.80s' is empty or too long",
			                   o);
		snprintf(w->origins[i], sizeof(w->origins[i]), "%s", o);
	}
	ARM_TRY(witness_mkdir(dir, e));
	if ((size_t)snprintf(path, sizeof(path), "%s/evidence", dir) >= sizeof(path))
		return arm_err_set(e, ARM_EUSAGE, "path too long: '%s'", dir);
	ARM_TRY(witness_mkdir(path, e));
	snprintf(path, sizeof(path), "%s/lock", dir);
	if ((w->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
		return arm_err_set(e, ARM_EIO, "cannot open '%s': %s", path, strerror(errno));
	if (flock(w->lockfd, LOCK_EX | LOCK_NB) != 0) {
		rc = arm_err_set(e, errno == EWOULDBLOCK ? ARM_EBUSY : ARM_EIO,
		                 "witness state '%s' is held by another process: %s", dir,
		                 strerror(errno));
		close(w->lockfd);
		w->lockfd = -1;
		return rc;
	}
	if ((w->dir = strdup(dir)) == NULL) {
		witness_close(w);
		return arm_err_set(e, ARM_ENOMEM, "out of memory");
	}
	w->signer = signer;
	memcpy(w->logs, logs, nlogs * sizeof(*logs));
	w->nlogs = nlogs;
	pthread_mutex_init(&w->mu, NULL);
	return ARM_OK;
}

void
witness_close(struct witness *w)
{
	if (w == NULL)
		return;
	if (w->dir != NULL)
		pthread_mutex_destroy(&w->mu);
	if (w->lockfd >= 0)
		close(w->lockfd); /* releases the flock */
	free(w->dir);
	w->dir = NULL;
	w->lockfd = -1;
}

void
witness_reply_init(struct witness_reply *rep)
{
	rep->status = 0;
	rep->ctype = "text/plain; charset=utf-8";
	buf_init(&rep->body, 4096);
}

void
witness_reply_release(struct witness_reply *rep)
{
	if (rep != NULL)
		buf_release(&rep->body);
}

/* A 4xx answer whose body is the message in e, which is kept for the log. */
static int
witness_refuse(struct witness_reply *rep, int status, struct arm_err *e)
{
	rep->status = status;
	rep->ctype = "text/plain; charset=utf-8";
	buf_reset(&rep->body);
	ARM_TRY(buf_printf(&rep->body, NULL, "%s\n", e ? e->msg : "refused"));
	return ARM_OK;
}

/* Keeps a refused, inconsistent checkpoint: evidence of a misbehaving log. */
static int
witness_keep_evidence(struct witness *w, const uint8_t *body, size_t len, uint64_t now,
                      struct arm_err *e)
{
	char dir[4096], name[128], hex[2 * HASH_SIZE + 1];
	uint8_t h[HASH_SIZE];

	hash_sha256(h, body, len);
	hash_hex(hex, h);
	snprintf(dir, sizeof(dir), "%s/evidence", w->dir);
	snprintf(name, sizeof(name), "%" PRIu64 "-%.16s.req", now, hex);
	return witness_write_atomic(dir, name, body, len, e);
}

int
witness_add_checkpoint(struct witness *w, const uint8_t *body, size_t len, uint64_t now,
                       struct witness_reply *rep, struct arm_err *e)
{
	struct witness_req rq;
	struct note n = {0};
	struct ckpt c;
	struct note_verifier keys[WITNESS_MAX_LOGS];
	struct note_check checks[WITNESS_MAX_LOGS];
	size_t nkeys = 0, i;
	bool have;
	uint64_t st_size;
	uint8_t st_root[HASH_SIZE];
	char hex[2 * HASH_SIZE + 1];
	struct buf sig;
	int rc = ARM_OK, locked = 0;

	buf_init(&sig, rep->body.max);
	if (now == 0)
		return arm_err_set(e, ARM_EUSAGE, "cosignature timestamp must be non-zero");
	if (witness_req_parse(&rq, body, len, e) != ARM_OK ||
	    note_parse(&n, rq.ckpt, rq.ckpt_len, WITNESS_MAX_BODY, e) != ARM_OK ||
	    ckpt_parse(&c, n.text, n.text_len, e) != ARM_OK) {
		/* Out of memory is the witness's failure (500), not a bad request. */
		rc = e->rc == ARM_ENOMEM ? ARM_ENOMEM : witness_refuse(rep, 400, e);
		goto out;
	}
	for (i = 0; i < w->nlogs; i++)
		if (strcmp(w->origins[i], c.origin) == 0)
			keys[nkeys++] = w->logs[i];
	if (nkeys == 0) {
		arm_err_set(e, ARM_ENOTFOUND, "add-checkpoint: unknown log origin '%s'", c.origin);
		rc = witness_refuse(rep, 404, e);
		goto out;
	}
	if (note_verify(&n, keys, nkeys, checks, e) != ARM_OK) {
		arm_err_prefix(e, "add-checkpoint: log signature for '%s'", c.origin);
		rc = e->rc == ARM_ENOMEM ? ARM_ENOMEM : witness_refuse(rep, 403, e);
		goto out;
	}
	if (rq.old > c.size) {
		arm_err_set(e, ARM_ESYNTAX,
		            "add-checkpoint: old size %" PRIu64
		            " is larger than the checkpoint size %" PRIu64,
		            rq.old, c.size);
		rc = witness_refuse(rep, 400, e);
		goto out;
	}
	/* The check against the stored size and the store itself are one step. */
	pthread_mutex_lock(&w->mu);
	locked = 1;
	if ((rc = witness_state_get(w, c.origin, &have, &st_size, st_root, NULL, e)) != ARM_OK)
		goto out;
	if (rq.old != st_size) {
		/* tlog-witness v1.0.0: 409 with the witness's size as text/x.tlog.size. */
		arm_err_set(e, ARM_ECONFLICT,
		            "add-checkpoint: old size %" PRIu64
		            " is not the witness's size %" PRIu64 " for '%s'",
		            rq.old, st_size, c.origin);
		rep->status = 409;
		rep->ctype = WITNESS_CTYPE_SIZE;
		buf_reset(&rep->body);
		rc = buf_printf(&rep->body, e, "%" PRIu64 "\n", st_size);
		goto out;
	}
	if (rq.old == c.size && have && memcmp(st_root, c.root, HASH_SIZE) != 0) {
		hash_hex(hex, c.root);
		arm_err_set(e, ARM_ECONFLICT,
		            "add-checkpoint: fork: '%s' size %" PRIu64
		            " has root %s, not the root cosigned before",
		            c.origin, c.size, hex);
		if ((rc = witness_refuse(rep, 409, e)) == ARM_OK)
			rc = witness_keep_evidence(w, body, len, now, NULL);
		goto out;
	}
	if (rq.old > 0 && merkle_verify_consistency(rq.old, c.size, st_root, c.root,
	                                            (const uint8_t(*)[HASH_SIZE])rq.proof,
	                                            rq.nproof, e) != ARM_OK) {
		arm_err_prefix(e, "add-checkpoint: '%s' %" PRIu64 " -> %" PRIu64 " is inconsistent",
		               c.origin, rq.old, c.size);
		if ((rc = witness_refuse(rep, 422, e)) == ARM_OK)
			rc = witness_keep_evidence(w, body, len, now, NULL);
		goto out;
	}
	/*
	 * Persist before answering: the spec's guard against the rollback
	 * race. The cosignature is made first, so that nothing can fail
	 * between storing the new state and answering with it (a failure
	 * before the store leaves the state as it was).
	 */
	if ((rc = cosig_sign(w->signer, now, n.text, n.text_len, &sig, e)) != ARM_OK)
		goto out;
	witness_origin_file(c.origin, hex);
	if ((rc = witness_write_atomic(w->dir, hex, rq.ckpt, rq.ckpt_len, e)) != ARM_OK)
		goto out;
	rep->status = 200;
	rep->ctype = "text/plain; charset=utf-8";
	buf_release(&rep->body);
	rep->body = sig; /* moved */
	buf_init(&sig, sig.max);
out:
	buf_release(&sig);
	if (locked)
		pthread_mutex_unlock(&w->mu);
	note_release(&n);
	return rc;
}

/* ---- the log's side ---- */

int
witness_count_cosigs(const struct note *n, const struct note_verifier *wkeys, size_t nw,
                     size_t *count, struct arm_err *e)
{
	size_t i, j, k;
	uint64_t ts;

	*count = 0;
	for (j = 0; j < nw; j++) {
		int seen = 0;
		for (i = 0; i < n->nsigs; i++) {
			const struct note_sig *s = &n->sigs[i];
			if (s->key_id != wkeys[j].key_id || strcmp(s->name, wkeys[j].name) != 0)
				continue;
			/* signed-note: a known key's signature MUST verify. */
			if (cosig_verify(&wkeys[j], s, n->text, n->text_len, &ts, e) != ARM_OK) {
				arm_err_prefix(e, "cosignature %zu by witness '%s'", i + 1,
				               wkeys[j].name);
				return ARM_EVERIFY;
			}
			seen = 1;
		}
		/* Count a witness once, and one key listed twice once too. */
		for (k = 0; k < j && seen; k++)
			if (wkeys[k].key_id == wkeys[j].key_id &&
			    strcmp(wkeys[k].name, wkeys[j].name) == 0)
				seen = 0;
		*count += (size_t)seen;
	}
	return ARM_OK;
}

/* Checks the witness's reply lines against its key over the checkpoint text. */
static int
witness_peer_take(const struct witness_peer *p, const char *text, size_t tlen,
                  const struct buf *reply, struct buf *line, struct arm_err *e)
{
	struct buf nb = BUF_INIT(WITNESS_MAX_BODY * 2);
	struct note n = {0};
	size_t i, found = 0;
	uint64_t ts;
	int rc;

	/* Re-assemble text, blank line, reply lines and parse it as a note. */
	if ((rc = buf_append(&nb, text, tlen, e)) != ARM_OK ||
	    (rc = buf_append(&nb, "\n", 1, e)) != ARM_OK ||
	    (rc = buf_append(&nb, reply->data, reply->len, e)) != ARM_OK)
		goto out;
	if ((rc = note_parse(&n, nb.data, nb.len, nb.max, e)) != ARM_OK) {
		arm_err_prefix(e, "witness '%s' replied with malformed cosignature lines", p->url);
		goto out;
	}
	for (i = 0; i < n.nsigs; i++) {
		const struct note_sig *s = &n.sigs[i];
		if (s->key_id != p->key.key_id || strcmp(s->name, p->key.name) != 0)
			continue;
		if ((rc = cosig_verify(&p->key, s, n.text, n.text_len, &ts, e)) != ARM_OK) {
			arm_err_prefix(e, "witness '%s' cosignature", p->url);
			goto out;
		}
		if (ts == 0) {
			rc = arm_err_set(e, ARM_EVERIFY, "witness '%s' cosignature has timestamp 0",
			                 p->url);
			goto out;
		}
		if (found++ == 0) {
			/* Copy the line as the witness wrote it, re-encoded from the parse. */
			uint8_t raw[4 + NOTE_SIG_MAX];
			raw[0] = (uint8_t)(s->key_id >> 24);
			raw[1] = (uint8_t)(s->key_id >> 16);
			raw[2] = (uint8_t)(s->key_id >> 8);
			raw[3] = (uint8_t)s->key_id;
			memcpy(raw + 4, s->sig, s->sig_len);
			if ((rc = buf_printf(line, e, "\xe2\x80\x94 %s ", s->name)) != ARM_OK ||
			    (rc = b64_encode(line, raw, 4 + s->sig_len, e)) != ARM_OK ||
			    (rc = buf_append(line, "\n", 1, e)) != ARM_OK)
				goto out;
		}
	}
	if (found == 0)
		rc = arm_err_set(e, ARM_EVERIFY,
		                 "witness '%s' replied without a cosignature by '%s'", p->url,
		                 p->key.name);
out:
	note_release(&n);
	buf_release(&nb);
	return rc;
}

int
witness_peer_cosign(struct witness_peer *p, const uint8_t *ckpt, size_t len, const struct ckpt *c,
                    const struct merkle_src *src, long timeout_ms, struct buf *line,
                    struct arm_err *e)
{
	struct buf url = BUF_INIT(4096), req = BUF_INIT(WITNESS_MAX_BODY);
	struct httpc_resp r;
	struct note n = {0};
	uint8_t proof[MERKLE_MAX_PROOF][HASH_SIZE];
	size_t nproof = 0;
	uint64_t got;
	int attempt, rc;

	httpc_resp_init(&r, 64 * 1024);
	if ((rc = httpc_url(&url, p->url, "add-checkpoint", e)) != ARM_OK ||
	    (rc = note_parse(&n, ckpt, len, WITNESS_MAX_BODY, e)) != ARM_OK)
		goto out;
	for (attempt = 0; attempt < 2; attempt++) {
		nproof = 0;
		if (p->size > c->size) {
			rc = arm_err_set(e, ARM_ECONFLICT,
			                 "witness '%s' has cosigned size %" PRIu64
			                 ", larger than this checkpoint's %" PRIu64,
			                 p->url, p->size, c->size);
			goto out;
		}
		if (p->size > 0 && p->size < c->size &&
		    (rc = merkle_prove_consistency(src, p->size, c->size, proof, &nproof, e)) !=
		        ARM_OK)
			goto out;
		buf_reset(&req);
		if ((rc = witness_req_format(p->size, (const uint8_t(*)[HASH_SIZE])proof, nproof,
		                             ckpt, len, &req, e)) != ARM_OK)
			goto out;
		if ((rc = httpc_request("POST", (const char *)url.data, req.data, req.len,
		                        "text/plain; charset=utf-8", timeout_ms, &r, e)) != ARM_OK)
			goto out;
		if (r.status == 409 &&
		    strncmp(r.ctype, WITNESS_CTYPE_SIZE, strlen(WITNESS_CTYPE_SIZE)) == 0 &&
		    r.body.len >= 2 && r.body.data[r.body.len - 1] == '\n' &&
		    witness_parse_u64((const char *)r.body.data, r.body.len - 1, &got) == 0) {
			p->size = got;
			continue;
		}
		break;
	}
	if (r.status != 200) {
		size_t ml = r.body.len;
		while (ml > 0 && (r.body.data[ml - 1] == '\n' || r.body.data[ml - 1] == '\r'))
			ml--;
		rc = arm_err_set(e, ARM_ECONFLICT,
		                 "witness '%s' refused size %" PRIu64 " with %ld: %.*s", p->url,
		                 c->size, r.status, (int)(ml > 200 ? 200 : ml),
		                 r.body.data ? (const char *)r.body.data : "");
		goto out;
	}
	if ((rc = witness_peer_take(p, n.text, n.text_len, &r.body, line, e)) != ARM_OK)
		goto out;
	p->size = c->size;
out:
	note_release(&n);
	httpc_resp_release(&r);
	buf_release(&url);
	buf_release(&req);
	return rc;
}
