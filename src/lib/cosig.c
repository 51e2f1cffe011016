/*
 * cosig.c - see cosig.h. C2SP tlog-cosignature v1.0.1 (tag
 * tlog-cosignature/v1.0.1), Ed25519 cosignatures, key type 0x04.
 */
#include <inttypes.h>
#include <string.h>

#include <sodium.h>

#include "armistice/ckpt.h"
#include "armistice/cosig.h"
#include "armistice/common.h"

/* tlog-cosignature §"Format": u64 timestamp || 64-byte Ed25519 signature. */
#define COSIG_LEN (8 + crypto_sign_BYTES)
/* "MUST NOT exceed 2^63 - 1" */
#define COSIG_TS_MAX ((uint64_t)INT64_MAX)

/*
 * tlog-cosignature §"Signed message": "cosignature/v1\n", "time <ts>\n"
 * (decimal, no leading zeros), then the whole checkpoint body.
 */
static int
cosig_message(struct buf *m, uint64_t ts, const char *body, size_t len, struct arm_err *e)
{
	ARM_TRY(buf_printf(m, e, "cosignature/v1\ntime %" PRIu64 "\n", ts));
	return buf_append(m, body, len, e);
}

int
cosig_sign(const struct note_signer *s, uint64_t ts, const char *body, size_t len, struct buf *line,
           struct arm_err *e)
{
	struct buf m = BUF_INIT(NOTE_MAX_SIZE + 64);
	struct note_sig sig;
	struct ckpt c;
	int rc, i;

	if (s->type != NOTE_KEY_COSIG_V1 || !note_signer_ready(s))
		return arm_err_set(
		    e, ARM_EUSAGE,
		    "cosign: key \"%s\" is not a cosigner key (type 0x%02x, want 0x04)", s->name,
		    s->type);
	if (ts > COSIG_TS_MAX)
		return arm_err_set(e, ARM_EUSAGE,
		                   "cosign: timestamp %" PRIu64 " exceeds 2^63-1 "
		                   "(tlog-cosignature v1.0.1 format)",
		                   ts);
	/* A cosignature states something about a checkpoint: refuse anything else. */
	ARM_TRY(ckpt_parse(&c, body, len, e));
	memset(&sig, 0, sizeof(sig));
	memcpy(sig.name, s->name, sizeof(sig.name));
	sig.key_id = s->key_id;
	for (i = 0; i < 8; i++)
		sig.sig[i] = (uint8_t)(ts >> (56 - 8 * i));
	sig.sig_len = COSIG_LEN;
	rc = cosig_message(&m, ts, body, len, e);
	if (rc == ARM_OK)
		rc = note_signer_sign(s, m.data, m.len, sig.sig + 8, e);
	if (rc == ARM_OK)
		rc = note_sig_format(&sig, line, e);
	buf_release(&m);
	return rc;
}

int
cosig_verify(const struct note_verifier *v, const struct note_sig *sig, const char *body,
             size_t len, uint64_t *ts, struct arm_err *e)
{
	struct buf m = BUF_INIT(NOTE_MAX_SIZE + 64);
	uint64_t t = 0;
	int rc, i;

	*ts = 0;
	if (v->type != NOTE_KEY_COSIG_V1)
		return arm_err_set(e, ARM_EUSAGE,
		                   "cosignature: key \"%s\" is not a cosigner key (type 0x%02x)",
		                   v->name, v->type);
	if (v->key_id != sig->key_id || strcmp(v->name, sig->name) != 0)
		return arm_err_set(
		    e, ARM_EUSAGE,
		    "cosignature: signature by \"%s+%08x\" checked against key \"%s+%08x\"",
		    sig->name, (unsigned)sig->key_id, v->name, (unsigned)v->key_id);
	if (sig->sig_len != COSIG_LEN)
		return arm_err_set(e, ARM_ESYNTAX,
		                   "cosignature by \"%s\": %zu bytes after the key id, want 72 "
		                   "(tlog-cosignature v1.0.1: u64 timestamp || 64-byte signature)",
		                   sig->name, sig->sig_len);
	for (i = 0; i < 8; i++)
		t = t << 8 | sig->sig[i];
	if (t > COSIG_TS_MAX)
		return arm_err_set(e, ARM_ESYNTAX,
		                   "cosignature by \"%s\": timestamp %" PRIu64 " exceeds 2^63-1 "
		                   "(tlog-cosignature v1.0.1 format)",
		                   sig->name, t);
	rc = cosig_message(&m, t, body, len, e);
	if (rc == ARM_OK && crypto_sign_verify_detached(sig->sig + 8, m.data, m.len, v->pk) != 0)
		rc = arm_err_set(e, ARM_EVERIFY,
		                 "cosignature by \"%s+%08x\" at time %" PRIu64 " does not verify",
		                 sig->name, (unsigned)sig->key_id, t);
	buf_release(&m);
	if (rc == ARM_OK)
		*ts = t;
	return rc;
}
