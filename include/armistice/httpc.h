/*
 * httpc.h - a small, bounded HTTP client (libcurl) for the parts of
 * armistice that talk to other servers: the log asking witnesses to cosign
 * (C2SP tlog-witness v1.0.0), `armistice verify` fetching a log's
 * checkpoint, tiles and state (C2SP tlog-tiles v0.1.0), and
 * `armistice submit`.
 *
 * Every request has a time limit and a cap on the response body, so a slow
 * or hostile server cannot hold a client or fill its memory. Redirects are
 * not followed: a log or witness answers at the URL it was configured with.
 * Only http and https URLs are accepted.
 *
 * Ownership: struct httpc_resp owns its body (httpc_resp_release()).
 * Request bodies and URLs are borrowed. Thread-safe: each call uses its own
 * curl handle; libcurl's global state is set up once on first use.
 */
#ifndef ARMISTICE_HTTPC_H
#define ARMISTICE_HTTPC_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

#define HTTPC_CTYPE_MAX 128

struct httpc_resp {
	long status;                 /* the HTTP status code */
	char ctype[HTTPC_CTYPE_MAX]; /* Content-Type, "" if none */
	struct buf body;             /* owned; capped at the max given at init */
};

void httpc_resp_init(struct httpc_resp *r, size_t max_body);
void httpc_resp_release(struct httpc_resp *r);

/*
 * Sends method ("GET" or "POST") to url with body[0..len) (POST only;
 * ctype names its type) and waits at most timeout_ms for the whole
 * exchange. ARM_OK means a response arrived, whatever its status: the
 * caller judges r->status. ARM_EIO (naming the URL and the transport
 * error) if no response arrived in time; ARM_ELIMIT if the response body
 * exceeds the cap; ARM_EUSAGE for a URL that is not http(s).
 */
int httpc_request(const char *method, const char *url, const uint8_t *body, size_t len,
                  const char *ctype, long timeout_ms, struct httpc_resp *r,
                  struct arm_err *e) ARM_MUST_CHECK;

/* Joins base (with or without a trailing "/") and path (no leading "/"). */
int httpc_url(struct buf *out, const char *base, const char *path,
              struct arm_err *e) ARM_MUST_CHECK;

#endif
