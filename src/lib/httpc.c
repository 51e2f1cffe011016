/* httpc.c - see httpc.h. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "armistice/httpc.h"
#include "armistice/common.h"

static pthread_once_t httpc_once = PTHREAD_ONCE_INIT;
static CURLcode httpc_global_rc = CURLE_FAILED_INIT;

static void
httpc_global_init(void)
{
	httpc_global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

void
httpc_resp_init(struct httpc_resp *r, size_t max_body)
{
	r->status = 0;
	r->ctype[0] = '\0';
	buf_init(&r->body, max_body);
}

void
httpc_resp_release(struct httpc_resp *r)
{
	if (r == NULL)
		return;
	buf_release(&r->body);
}

struct httpc_sink {
	struct buf *b;
	int over; /* the body passed its cap: abort the transfer */
};

static size_t
httpc_write(char *p, size_t size, size_t nmemb, void *ctx)
{
	struct httpc_sink *s = ctx;
	size_t n = size * nmemb;

	if (buf_append(s->b, p, n, NULL) != ARM_OK) {
		s->over = 1;
		return 0; /* makes libcurl stop with CURLE_WRITE_ERROR */
	}
	return n;
}

int
httpc_url(struct buf *out, const char *base, const char *path, struct arm_err *e)
{
	size_t bl = strlen(base);

	while (bl > 0 && base[bl - 1] == '/')
		bl--;
	while (*path == '/')
		path++;
	return buf_printf(out, e, "%.*s/%s", (int)bl, base, path);
}

int
httpc_request(const char *method, const char *url, const uint8_t *body, size_t len,
              const char *ctype, long timeout_ms, struct httpc_resp *r, struct arm_err *e)
{
	CURL *c = NULL;
	CURLcode cc;
	struct curl_slist *hdrs = NULL;
	struct httpc_sink sink = {&r->body, 0};
	char ctbuf[HTTPC_CTYPE_MAX + 16];
	char *ct = NULL;
	int rc = ARM_OK;

	if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0)
		return arm_err_set(e, ARM_EUSAGE,
		                   "url '%s': only http:// and https:// are supported", url);
	pthread_once(&httpc_once, httpc_global_init);
	if (httpc_global_rc != CURLE_OK)
		return arm_err_set(e, ARM_EIO, "libcurl failed to initialise: %s",
		                   curl_easy_strerror(httpc_global_rc));
	if ((c = curl_easy_init()) == NULL)
		return arm_err_set(e, ARM_ENOMEM, "cannot create an http client handle");
	buf_reset(&r->body);
	r->status = 0;
	r->ctype[0] = '\0';
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, httpc_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "armistice/0.1");
	/* Identity encoding only: a compressed reply could expand past the cap. */
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, NULL);
	if (strcmp(method, "POST") == 0) {
		snprintf(ctbuf, sizeof(ctbuf), "Content-Type: %s", ctype ? ctype : "text/plain");
		hdrs = curl_slist_append(hdrs, ctbuf);
		/* No "Expect: 100-continue" round trip for small bodies. */
		hdrs = curl_slist_append(hdrs, "Expect:");
		if (hdrs == NULL) {
			rc = arm_err_set(e, ARM_ENOMEM, "out of memory building request headers");
			goto out;
		}
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? (const char *)body : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	} else if (strcmp(method, "GET") != 0) {
		rc = arm_err_set(e, ARM_EUSAGE, "http method '%s' is not supported", method);
		goto out;
	}
	cc = curl_easy_perform(c);
	if (sink.over) {
		rc = arm_err_set(e, ARM_ELIMIT, "%s %s: response larger than %zu bytes", method,
		                 url, r->body.max);
		goto out;
	}
	if (cc != CURLE_OK) {
		rc = arm_err_set(e, ARM_EIO, "%s %s: %s", method, url, curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct != NULL)
		snprintf(r->ctype, sizeof(r->ctype), "%s", ct);
	if (r->body.data == NULL && (rc = buf_append(&r->body, "", 0, e)) != ARM_OK)
		goto out;
out:
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	return rc;
}
