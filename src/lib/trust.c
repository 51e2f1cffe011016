/* trust.c - see trust.h: an auditor's pinned roots for one log. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "armistice/trust.h"
#include "armistice/witness.h"
#include "armistice/common.h"

static const char trust_magic[] = "armistice/trust/v1";

/* ---- small strict pieces ---- */

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1; /* uppercase is refused: one value, one spelling */
}

static bool
hex32_parse(const char *s, size_t len, uint8_t out[HASH_SIZE])
{
	size_t i;

	if (len != 2 * HASH_SIZE)
		return false;
	for (i = 0; i < HASH_SIZE; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

/* "YYYY-MM-DDTHH:MM:SSZ" <-> POSIX seconds (UTC only, years 1970..9999). */
static void
time_fmt(int64_t t, char out[64])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || tm.tm_year + 1900 > 9999 || t < 0) {
		snprintf(out, 64, "1970-01-01T00:00:00Z");
		return;
	}
	snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static bool
time_parse(const char *s, size_t len, int64_t *t)
{
	int32_t y, m, d;
	int hh, mi, ss;

	if (len != 20 || s[10] != 'T' || s[19] != 'Z' ||
	    agreement_date_parse(s, 10, &y, &m, &d) != 0 || y < 1970 ||
	    agreement_clock_parse(s + 11, 8, &hh, &mi, &ss) != 0)
		return false;
	*t = agreement_days_from_civil(y, m, d) * 86400 + hh * 3600 + mi * 60 + ss;
	return true;
}

static bool
printable(const char *s, size_t len, bool spaces)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x21 || c == 0x7f) {
			if (!(spaces && c == ' '))
				return false;
		}
	}
	return true;
}

/* ---- the record ---- */

struct rd {
	const char *p, *end;
	unsigned line;
	const char *field; /* rest of the current line after "<key> " */
	size_t flen;
};

/* Takes the next line if it starts with "key "; false otherwise. */
static bool
rd_take(struct rd *r, const char *key)
{
	size_t kl = strlen(key);
	const char *nl = memchr(r->p, '\n', (size_t)(r->end - r->p));

	if (nl == NULL || (size_t)(nl - r->p) < kl + 2 || memcmp(r->p, key, kl) != 0 ||
	    r->p[kl] != ' ')
		return false;
	r->field = r->p + kl + 1;
	r->flen = (size_t)(nl - r->field);
	r->p = nl + 1;
	r->line++;
	return true;
}

static int
rd_bad(struct rd *r, struct arm_err *e, const char *rule, const char *what)
{
	return arm_err_set(e, ARM_ESYNTAX, "trust record line %u: %s: %s", r->line + 1, rule, what);
}

static int
vkey_field(struct rd *r, const char *s, size_t len, uint8_t type, struct note_verifier *v,
           struct arm_err *e)
{
	struct arm_err ke;

	if (note_verifier_parse(v, s, len, &ke) != ARM_OK)
		return arm_err_set(e, ARM_ESYNTAX, "trust record line %u: key: %s", r->line,
		                   ke.msg);
	if (v->type != type)
		return arm_err_set(e, ARM_ESYNTAX, "trust record line %u: key: key type %u, not %u",
		                   r->line, v->type, type);
	return ARM_OK;
}

static int
parse_inner(struct trust_roots *t, const uint8_t *text, size_t len, struct arm_err *e)
{
	struct rd r = {(const char *)text, (const char *)text + len, 0, NULL, 0};
	const char *sp;
	uint64_t u;

	if (len > TRUST_MAX_SIZE)
		return arm_err_set(e, ARM_ELIMIT, "trust record: %zu bytes, more than %u", len,
		                   TRUST_MAX_SIZE);
	if (len < sizeof(trust_magic) || memcmp(text, trust_magic, sizeof(trust_magic) - 1) != 0 ||
	    text[sizeof(trust_magic) - 1] != '\n')
		return arm_err_set(e, ARM_ESYNTAX,
		                   "trust record line 1: magic: the first line must be "
		                   "'%s'",
		                   trust_magic);
	r.p += sizeof(trust_magic);
	r.line = 1;
	if (memchr(text, '\0', len) != NULL)
		return arm_err_set(e, ARM_ESYNTAX, "trust record: bytes: a NUL byte");

	if (!rd_take(&r, "url") || r.flen > TRUST_URL_MAX || !printable(r.field, r.flen, false))
		return rd_bad(&r, e, "url",
		              "expected 'url <URL or directory>' (no spaces, at most "
		              "1024 bytes)");
	memcpy(t->url, r.field, r.flen);
	t->url[r.flen] = '\0';
	if (!rd_take(&r, "pinned") || !time_parse(r.field, r.flen, &t->pinned))
		return rd_bad(&r, e, "pinned", "expected 'pinned YYYY-MM-DDTHH:MM:SSZ'");
	if (!rd_take(&r, "agreement") || !hex32_parse(r.field, r.flen, t->agreement))
		return rd_bad(&r, e, "agreement", "expected 'agreement <64 lowercase hex digits>'");
	if (!rd_take(&r, "in-force") || !hex32_parse(r.field, r.flen, t->in_force))
		return rd_bad(&r, e, "in-force", "expected 'in-force <64 lowercase hex digits>'");
	if (!rd_take(&r, "size") ||
	    !agreement_uint_parse(r.field, r.flen, (uint64_t)INT64_MAX, &t->size))
		return rd_bad(&r, e, "size", "expected 'size <decimal, no leading zeros>'");
	if (!rd_take(&r, "origin") || r.flen > CKPT_ORIGIN_MAX || !printable(r.field, r.flen, true))
		return rd_bad(&r, e, "origin", "expected 'origin <checkpoint origin>'");
	memcpy(t->origin, r.field, r.flen);
	t->origin[r.flen] = '\0';
	if (!rd_take(&r, "log-key"))
		return rd_bad(&r, e, "log-key", "expected 'log-key <verifier key>'");
	ARM_TRY(vkey_field(&r, r.field, r.flen, NOTE_KEY_ED25519, &t->log_key, e));
	while (rd_take(&r, "witness")) {
		struct trust_witness *w;
		size_t i;
		if (t->nwitnesses == TRUST_MAX_WITNESSES)
			return arm_err_set(e, ARM_ELIMIT,
			                   "trust record line %u: more than %d witnesses", r.line,
			                   TRUST_MAX_WITNESSES);
		w = &t->witnesses[t->nwitnesses];
		sp = memchr(r.field, ' ', r.flen);
		if (sp == NULL || !agreement_id_valid(r.field, (size_t)(sp - r.field)))
			return rd_bad(&r, e, "witness", "expected 'witness <id> <cosigner key>'");
		memcpy(w->id, r.field, (size_t)(sp - r.field));
		w->id[sp - r.field] = '\0';
		ARM_TRY(vkey_field(&r, sp + 1, r.flen - (size_t)(sp - r.field) - 1,
		                   NOTE_KEY_COSIG_V1, &w->key, e));
		for (i = 0; i < t->nwitnesses; i++)
			if (strcmp(t->witnesses[i].id, w->id) == 0)
				return rd_bad(&r, e, "witness", "a witness id appears twice");
		t->nwitnesses++;
	}
	while (rd_take(&r, "group")) {
		struct trust_group *g;
		size_t rest, i;
		if (t->ngroups == TRUST_MAX_GROUPS)
			return arm_err_set(e, ARM_ELIMIT,
			                   "trust record line %u: more than %d groups", r.line,
			                   TRUST_MAX_GROUPS);
		g = &t->groups[t->ngroups];
		sp = memchr(r.field, ' ', r.flen);
		if (sp == NULL || !agreement_id_valid(r.field, (size_t)(sp - r.field)))
			return rd_bad(&r, e, "group",
			              "expected 'group <id> <threshold> <member>...'");
		rest = r.flen - (size_t)(sp - r.field) - 1;
		if (rest == 0 || rest > TRUST_GROUP_MAX || !printable(sp + 1, rest, true) ||
		    sp[1] == ' ' || sp[rest] == ' ' || memmem(sp + 1, rest, "  ", 2) != NULL)
			return rd_bad(&r, e, "group",
			              "expected 'group <id> <threshold> <member>...'");
		memcpy(g->id, r.field, (size_t)(sp - r.field));
		g->id[sp - r.field] = '\0';
		for (i = 0; i < t->ngroups; i++)
			if (strcmp(t->groups[i].id, g->id) == 0)
				return rd_bad(&r, e, "group", "a group id appears twice");
		for (i = 0; i < t->nwitnesses; i++)
			if (strcmp(t->witnesses[i].id, g->id) == 0)
				return rd_bad(&r, e, "group", "a group has a witness's id");
		memcpy(g->spec, sp + 1, rest);
		g->spec[rest] = '\0';
		t->ngroups++;
	}
	if (!rd_take(&r, "quorum"))
		return rd_bad(&r, e, "quorum", "expected 'quorum none|<N>|group <id>'");
	if (!((r.flen == 4 && memcmp(r.field, "none", 4) == 0) ||
	      agreement_uint_parse(r.field, r.flen, TRUST_MAX_WITNESSES, &u) ||
	      (r.flen > 6 && memcmp(r.field, "group ", 6) == 0 &&
	       agreement_id_valid(r.field + 6, r.flen - 6))) ||
	    r.flen > TRUST_QUORUM_MAX)
		return rd_bad(&r, e, "quorum", "expected 'quorum none|<N>|group <id>'");
	memcpy(t->quorum, r.field, r.flen);
	t->quorum[r.flen] = '\0';
	if (r.p != r.end)
		return rd_bad(&r, e, "trailing", "an unknown, repeated or misplaced line");
	return ARM_OK;
}

int
trust_parse(struct trust_roots *r, const uint8_t *text, size_t len, struct arm_err *e)
{
	int rc;

	memset(r, 0, sizeof(*r));
	rc = parse_inner(r, text, len, e);
	if (rc != ARM_OK)
		memset(r, 0, sizeof(*r));
	return rc;
}

int
trust_format(const struct trust_roots *r, struct buf *out, struct arm_err *e)
{
	char ts[64], ha[2 * HASH_SIZE + 1], hf[2 * HASH_SIZE + 1];
	struct buf k = BUF_INIT(NOTE_NAME_MAX + 128);
	size_t i, start = out->len;
	int rc;

	time_fmt(r->pinned, ts);
	hash_hex(ha, r->agreement);
	hash_hex(hf, r->in_force);
	if ((rc = note_verifier_format(&r->log_key, &k, e)) != ARM_OK ||
	    (rc = buf_printf(out, e,
	                     "%s\nurl %s\npinned %s\nagreement %s\nin-force %s\nsize %" PRIu64
	                     "\norigin %s\nlog-key %.*s\n",
	                     trust_magic, r->url, ts, ha, hf, r->size, r->origin, (int)k.len,
	                     (const char *)k.data)) != ARM_OK)
		goto out;
	for (i = 0; i < r->nwitnesses; i++) {
		buf_reset(&k);
		if ((rc = note_verifier_format(&r->witnesses[i].key, &k, e)) != ARM_OK ||
		    (rc = buf_printf(out, e, "witness %s %.*s\n", r->witnesses[i].id, (int)k.len,
		                     (const char *)k.data)) != ARM_OK)
			goto out;
	}
	for (i = 0; i < r->ngroups; i++)
		if ((rc = buf_printf(out, e, "group %s %s\n", r->groups[i].id,
		                     r->groups[i].spec)) != ARM_OK)
			goto out;
	rc = buf_printf(out, e, "quorum %s\n", r->quorum);
out:
	buf_release(&k);
	if (rc != ARM_OK)
		out->len = start;
	return rc;
}

/* The id of member m of the policy: a witness, or a group after them. */
static const char *
member_id(const struct agreement_log *l, size_t m)
{
	if (m < l->nwitnesses)
		return l->witnesses[m].id;
	if (m - l->nwitnesses < l->ngroups)
		return l->groups[m - l->nwitnesses].id;
	return "?";
}

int
trust_from_agreement(struct trust_roots *r, const struct agreement *a0,
                     const struct agreement *in_force, uint64_t size, struct arm_err *e)
{
	const struct agreement_log *l = &in_force->log;
	size_t i, j, n;

	if (l->nwitnesses > TRUST_MAX_WITNESSES || l->ngroups > TRUST_MAX_GROUPS)
		return arm_err_set(e, ARM_ELIMIT,
		                   "trust: the agreement names %zu witnesses and %zu "
		                   "groups; a record holds %d of each",
		                   l->nwitnesses, l->ngroups, TRUST_MAX_WITNESSES);
	memcpy(r->agreement, a0->id, HASH_SIZE);
	memcpy(r->in_force, in_force->id, HASH_SIZE);
	r->size = size;
	snprintf(r->origin, sizeof(r->origin), "%s", l->origin);
	r->log_key = l->key;
	r->nwitnesses = l->nwitnesses;
	for (i = 0; i < l->nwitnesses; i++) {
		snprintf(r->witnesses[i].id, sizeof(r->witnesses[i].id), "%s", l->witnesses[i].id);
		r->witnesses[i].key = l->witnesses[i].key;
	}
	r->ngroups = l->ngroups;
	for (i = 0; i < l->ngroups; i++) {
		const struct agreement_group *g = &l->groups[i];
		snprintf(r->groups[i].id, sizeof(r->groups[i].id), "%s", g->id);
		n = (size_t)snprintf(r->groups[i].spec, sizeof(r->groups[i].spec), "%zu",
		                     g->threshold);
		for (j = 0; j < g->nmembers && n < sizeof(r->groups[i].spec); j++)
			n += (size_t)snprintf(r->groups[i].spec + n, sizeof(r->groups[i].spec) - n,
			                      " %s", member_id(l, g->members[j]));
		if (n >= sizeof(r->groups[i].spec))
			return arm_err_set(e, ARM_ELIMIT,
			                   "trust: group '%s' has too many members for a "
			                   "record",
			                   g->id);
	}
	if (l->quorum_group != AGREEMENT_NONE)
		snprintf(r->quorum, sizeof(r->quorum), "group %s", l->groups[l->quorum_group].id);
	else if (l->quorum_n == 0)
		snprintf(r->quorum, sizeof(r->quorum), "none");
	else
		snprintf(r->quorum, sizeof(r->quorum), "%zu", l->quorum_n);
	return ARM_OK;
}

static void clause(struct buf *out, size_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
clause(struct buf *out, size_t *n, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	struct arm_err e;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (out != NULL && (*n == 0 || buf_puts(out, "; ", &e) == ARM_OK))
		(void)!buf_puts(out, tmp, &e);
	(*n)++;
}

static const struct trust_witness *
find_witness(const struct trust_roots *r, const char *id)
{
	size_t i;

	for (i = 0; i < r->nwitnesses; i++)
		if (strcmp(r->witnesses[i].id, id) == 0)
			return &r->witnesses[i];
	return NULL;
}

static const struct trust_group *
find_group(const struct trust_roots *r, const char *id)
{
	size_t i;

	for (i = 0; i < r->ngroups; i++)
		if (strcmp(r->groups[i].id, id) == 0)
			return &r->groups[i];
	return NULL;
}

static bool
same_key(const struct note_verifier *a, const struct note_verifier *b)
{
	return a->type == b->type && a->key_id == b->key_id && strcmp(a->name, b->name) == 0 &&
	       memcmp(a->pk, b->pk, sizeof(a->pk)) == 0;
}

size_t
trust_diff(const struct trust_roots *p, const struct trust_roots *s, struct buf *out)
{
	char hx[2 * HASH_SIZE + 1], hy[2 * HASH_SIZE + 1];
	size_t n = 0, i;

	if (memcmp(p->agreement, s->agreement, HASH_SIZE) != 0) {
		hash_hex(hx, s->agreement);
		hash_hex(hy, p->agreement);
		clause(out, &n, "agreement (entry 0) is %.16s..., pinned %.16s...", hx, hy);
	}
	if (strcmp(p->origin, s->origin) != 0)
		clause(out, &n, "log origin is '%.200s', pinned '%.200s'", s->origin, p->origin);
	if (!same_key(&p->log_key, &s->log_key))
		clause(out, &n, "log key is %.100s+%08x, pinned %.100s+%08x", s->log_key.name,
		       s->log_key.key_id, p->log_key.name, p->log_key.key_id);
	for (i = 0; i < p->nwitnesses; i++) {
		const struct trust_witness *w = find_witness(s, p->witnesses[i].id);
		if (w == NULL)
			clause(out, &n, "witness '%s' is gone", p->witnesses[i].id);
		else if (!same_key(&w->key, &p->witnesses[i].key))
			clause(out, &n, "witness '%s' key is %.100s+%08x, pinned %.100s+%08x",
			       w->id, w->key.name, w->key.key_id, p->witnesses[i].key.name,
			       p->witnesses[i].key.key_id);
	}
	for (i = 0; i < s->nwitnesses; i++)
		if (find_witness(p, s->witnesses[i].id) == NULL)
			clause(out, &n, "witness '%s' (%.100s+%08x) is new", s->witnesses[i].id,
			       s->witnesses[i].key.name, s->witnesses[i].key.key_id);
	for (i = 0; i < p->ngroups; i++) {
		const struct trust_group *g = find_group(s, p->groups[i].id);
		if (g == NULL)
			clause(out, &n, "witness group '%s' is gone", p->groups[i].id);
		else if (strcmp(g->spec, p->groups[i].spec) != 0)
			clause(out, &n, "witness group '%s' is '%.200s', pinned '%.200s'", g->id,
			       g->spec, p->groups[i].spec);
	}
	for (i = 0; i < s->ngroups; i++)
		if (find_group(p, s->groups[i].id) == NULL)
			clause(out, &n, "witness group '%s' is new", s->groups[i].id);
	if (strcmp(p->quorum, s->quorum) != 0)
		clause(out, &n, "witness quorum is '%s', pinned '%s'", s->quorum, p->quorum);
	return n;
}

int
trust_pin_parse(const uint8_t *data, size_t len, enum trust_pin_kind *kind, uint8_t id[HASH_SIZE],
                struct trust_roots *r, struct arm_err *e)
{
	struct trust_roots tmp;
	int rc;

	if (len == 0)
		return arm_err_set(e, ARM_ESYNTAX,
		                   "trust file: empty: give the agreement id, a trust "
		                   "record or the agreement YAML");
	if (len > TRUST_MAX_SIZE && len > AGREEMENT_MAX_SIZE)
		return arm_err_set(e, ARM_ELIMIT, "trust file: %zu bytes, more than %u", len,
		                   AGREEMENT_MAX_SIZE);
	if ((len == 2 * HASH_SIZE || (len == 2 * HASH_SIZE + 1 && data[len - 1] == '\n')) &&
	    hex32_parse((const char *)data, 2 * HASH_SIZE, id)) {
		*kind = TRUST_PIN_ID;
		return ARM_OK;
	}
	if (len >= sizeof(trust_magic) - 1 &&
	    memcmp(data, trust_magic, sizeof(trust_magic) - 1) == 0) {
		if ((rc = trust_parse(r != NULL ? r : &tmp, data, len, e)) != ARM_OK)
			return rc;
		memcpy(id, (r != NULL ? r : &tmp)->agreement, HASH_SIZE);
		*kind = TRUST_PIN_RECORD;
		return ARM_OK;
	}
	hash_sha256(id, data, len);
	*kind = TRUST_PIN_YAML;
	return ARM_OK;
}

/* ---- the state directory ---- */

int
trust_log_dir(const char *sdir, const char *url, char *out, size_t cap, struct arm_err *e)
{
	uint8_t h[HASH_SIZE];
	char hx[2 * HASH_SIZE + 1];
	size_t n = strlen(url);

	while (n > 1 && url[n - 1] == '/')
		n--;
	hash_sha256(h, url, n);
	hash_hex(hx, h);
	if ((size_t)snprintf(out, cap, "%s/logs/%s", sdir, hx) >= cap)
		return arm_err_set(e, ARM_EUSAGE, "state directory path too long: '%s'", sdir);
	return ARM_OK;
}

/* mkdir, and on creation fsync the parent so the new entry is durable. */
static int
mkdir_durable(char *p, struct arm_err *e)
{
	char *slash;
	int fd;

	if (mkdir(p, 0700) != 0) {
		if (errno == EEXIST)
			return ARM_OK;
		return arm_err_set(e, ARM_EIO, "cannot create '%s': %s", p, strerror(errno));
	}
	slash = strrchr(p, '/');
	if (slash == NULL || slash == p)
		return ARM_OK;
	*slash = '\0';
	fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0) {
		int err = errno;
		if (fd >= 0)
			close(fd);
		*slash = '/';
		return arm_err_set(e, ARM_EIO, "cannot fsync directory of '%s': %s", p,
		                   strerror(err));
	}
	close(fd);
	*slash = '/';
	return ARM_OK;
}

int
trust_mkdirs(const char *p, struct arm_err *e)
{
	char tmp[4096];
	size_t i;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s", p) >= sizeof(tmp))
		return arm_err_set(e, ARM_EUSAGE, "path too long: '%s'", p);
	for (i = 1; tmp[i]; i++) {
		if (tmp[i] != '/')
			continue;
		tmp[i] = '\0';
		ARM_TRY(mkdir_durable(tmp, e));
		tmp[i] = '/';
	}
	return mkdir_durable(tmp, e);
}

int
trust_read_file(const char *dir, const char *name, struct buf *out, struct arm_err *e)
{
	char path[4096];
	int fd, rc;

	buf_reset(out);
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return arm_err_set(e, ARM_EUSAGE, "path too long: '%s/%s'", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return arm_err_set(e, errno == ENOENT ? ARM_ENOTFOUND : ARM_EIO,
		                   "cannot open '%s': %s", path, strerror(errno));
	rc = buf_read_fd(out, fd, path, e);
	close(fd);
	return rc;
}

int
trust_load(const char *dir, struct trust_roots *r, struct arm_err *e)
{
	struct buf b = BUF_INIT(TRUST_MAX_SIZE);
	int rc;

	if ((rc = trust_read_file(dir, "trust", &b, e)) == ARM_OK &&
	    (rc = trust_parse(r, b.data, b.len, e)) != ARM_OK)
		arm_err_prefix(e, "%s/trust", dir);
	buf_release(&b);
	return rc;
}

int
trust_save(const char *dir, const struct trust_roots *r, struct arm_err *e)
{
	struct buf b = BUF_INIT(TRUST_MAX_SIZE);
	int rc;

	if ((rc = trust_format(r, &b, e)) == ARM_OK && (rc = trust_mkdirs(dir, e)) == ARM_OK)
		rc = witness_write_atomic(dir, "trust", b.data, b.len, e);
	buf_release(&b);
	return rc;
}
