/*
 * test_keyfile.c - encrypted signer key files (keyfile.h) and PKCS#11
 * URIs (p11uri.h): seal/open round trips with the PeterNeumann key of
 * Go's sumdb/note example, a wrong passphrase, every field bound, the
 * parser's refusals line by line, and URI parsing, decoding and
 * formatting; the external-signer interface of note.h with a fake token.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "armistice/cosig.h"
#include "armistice/keyfile.h"
#include "armistice/note.h"
#include "armistice/p11uri.h"
#include "armistice/common.h"
#include "harness.h"

static const char neumann_skey[] =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
static const char neumann_vkey[] =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
static const char pass[] = "correct horse battery staple";

/* The cheapest Argon2id the format allows keeps the tests fast. */
#define OPS 1
#define MEM 8192

/* A sealed file of the Neumann key, as text, in *out. */
static void
sealed(struct buf *out)
{
	struct note_signer s;
	struct keyfile kf;
	struct arm_err e;

	CHECKM(note_signer_parse(&s, neumann_skey, strlen(neumann_skey), &e) == ARM_OK, e.msg);
	CHECKM(keyfile_seal(&kf, &s, pass, strlen(pass), OPS, MEM, &e) == ARM_OK, e.msg);
	CHECKM(keyfile_format(&kf, out, &e) == ARM_OK, e.msg);
	note_signer_release(&s);
}

/* Parses and opens text with p; returns the rc and leaves e set. */
static int
open_text(const char *text, size_t len, const char *p, struct arm_err *e)
{
	struct keyfile kf;
	struct note_signer s;
	int rc = keyfile_parse(&kf, text, len, e);

	if (rc != ARM_OK)
		return rc;
	rc = keyfile_open(&kf, p, strlen(p), &s, e);
	if (rc == ARM_OK) {
		struct note_verifier v;
		struct buf vb = BUF_INIT(1024);
		note_signer_verifier(&s, &v);
		CHECK(note_verifier_format(&v, &vb, e) == ARM_OK);
		CHECK(strcmp((char *)vb.data, neumann_vkey) == 0);
		buf_release(&vb);
		note_signer_release(&s);
	}
	return rc;
}

static void
test_roundtrip(void)
{
	struct buf t = BUF_INIT(KEYFILE_MAX), again = BUF_INIT(KEYFILE_MAX);
	struct keyfile kf;
	struct arm_err e;

	sealed(&t);
	CHECK(keyfile_is_encrypted((char *)t.data, t.len));
	CHECK(strncmp((char *)t.data,
	              "armistice/encrypted-key/v1\nverifier: PeterNeumann+c74f20a3+", 59) == 0);
	CHECK(strstr((char *)t.data, "PRIVATE") == NULL);
	CHECK(strstr((char *)t.data, "\nopslimit: 1\nmemlimit: 8192\n") != NULL);
	CHECKM(open_text((char *)t.data, t.len, pass, &e) == ARM_OK, e.msg);
	/* parse then format gives the same bytes */
	CHECKM(keyfile_parse(&kf, (char *)t.data, t.len, &e) == ARM_OK, e.msg);
	CHECK(keyfile_format(&kf, &again, &e) == ARM_OK);
	CHECK(again.len == t.len && memcmp(again.data, t.data, t.len) == 0);
	/* two seals of the same key differ (fresh salt and nonce) */
	buf_reset(&again);
	sealed(&again);
	CHECK(again.len == t.len && memcmp(again.data, t.data, t.len) != 0);
	buf_release(&t);
	buf_release(&again);
}

static void
test_wrong_passphrase(void)
{
	struct buf t = BUF_INIT(KEYFILE_MAX);
	struct arm_err e;

	sealed(&t);
	CHECK(open_text((char *)t.data, t.len, "correct horse battery stapler", &e) == ARM_EVERIFY);
	CHECK(strstr(e.msg, "wrong passphrase") != NULL);
	CHECK(open_text((char *)t.data, t.len, "", &e) == ARM_EUSAGE);
	buf_release(&t);
}

/* Replaces the value of field name in t with v; returns the new text. */
static char *
with_field(const struct buf *t, const char *name, const char *v)
{
	const char *p = strstr((const char *)t->data, name), *nl;
	char *out;
	size_t head;

	if (p == NULL)
		return NULL;
	p += strlen(name);
	nl = strchr(p, '\n');
	head = (size_t)(p - (const char *)t->data);
	out = malloc(t->len + strlen(v) + 1);
	memcpy(out, t->data, head);
	memcpy(out + head, v, strlen(v));
	memcpy(out + head + strlen(v), nl, strlen(nl) + 1);
	return out;
}

static void
test_every_field_bound(void)
{
	struct buf t = BUF_INIT(KEYFILE_MAX);
	struct arm_err e;
	char *x, *box;
	size_t i;

	sealed(&t);
	/* each byte of the secretbox: flipping any is caught by the tag */
	box = strstr((char *)t.data, "secretbox: ") + 11;
	for (i = 0; box[i + 2] != '\n' && box[i + 2] != '='; i += 7) {
		char c = box[i];
		box[i] = c == 'A' ? 'B' : 'A';
		CHECK(open_text((char *)t.data, t.len, pass, &e) != ARM_OK);
		box[i] = c;
	}
	x = with_field(&t, "\nopslimit: ", "2");
	CHECK(open_text(x, strlen(x), pass, &e) == ARM_EVERIFY);
	free(x);
	x = with_field(&t, "\nmemlimit: ", "16384");
	CHECK(open_text(x, strlen(x), pass, &e) == ARM_EVERIFY);
	free(x);
	x = with_field(&t, "\nsalt: ", "AAAAAAAAAAAAAAAAAAAAAA==");
	CHECK(open_text(x, strlen(x), pass, &e) == ARM_EVERIFY);
	free(x);
	x = with_field(&t, "\nnonce: ", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
	CHECK(open_text(x, strlen(x), pass, &e) == ARM_EVERIFY);
	free(x);
	/* a verifier line naming another valid key: the key inside does not match */
	x = with_field(&t, "\nverifier: ",
	               "witness.example/w1+cc9a7044+BBpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
	CHECK(open_text(x, strlen(x), pass, &e) == ARM_EVERIFY);
	CHECK(strstr(e.msg, "verifier line") != NULL);
	free(x);
	buf_release(&t);
}

static void
test_parse_refusals(void)
{
	struct buf t = BUF_INIT(KEYFILE_MAX);
	struct keyfile kf;
	struct arm_err e;
	char *x, big[KEYFILE_MAX + 2];
	static const struct {
		const char *field, *value, *msg;
	} bad[] = {
	    {"\nkdf: ", "argon2i13", "line 3"},
	    {"\nopslimit: ", "0", "line 4"},
	    {"\nopslimit: ", "17", "line 4"},
	    {"\nopslimit: ", "02", "line 4"},
	    {"\nopslimit: ", "+2", "line 4"},
	    {"\nmemlimit: ", "8191", "line 5"},
	    {"\nmemlimit: ", "1073741825", "line 5"},
	    {"\nmemlimit: ", "99999999999999999999999", "line 5"},
	    {"\nsalt: ", "AAAAAAAAAAAAAAAAAAAAAA", "line 6"},   /* no padding */
	    {"\nsalt: ", "AAAAAAAAAAAAAAAAAAAAAB==", "line 6"}, /* non-canonical */
	    {"\nsalt: ", "AAAAAAAAAAAAAAAAAAAA", "line 6"},     /* 15 bytes */
	    {"\nnonce: ", "", "line 7"},
	    {"\nsecretbox: ", "AAAAAAAAAAAAAAAAAAAAAA==", "line 8"}, /* tag only */
	    {"\nverifier: ", "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
	     "line 2"},
	};
	size_t i;

	sealed(&t);
	for (i = 0; i < ARM_ARRAY_LEN(bad); i++) {
		x = with_field(&t, bad[i].field, bad[i].value);
		CHECKM(keyfile_parse(&kf, x, strlen(x), &e) == ARM_ESYNTAX, bad[i].value);
		CHECKM(strstr(e.msg, bad[i].msg) != NULL, e.msg);
		free(x);
	}
	/* trailing bytes, a missing final newline, CRLF, a reordered line */
	x = malloc(t.len + 2);
	memcpy(x, t.data, t.len);
	x[t.len] = '\n';
	CHECK(keyfile_parse(&kf, x, t.len + 1, &e) == ARM_ESYNTAX);
	CHECK(keyfile_parse(&kf, x, t.len - 1, &e) == ARM_ESYNTAX);
	free(x);
	x = with_field(&t, "\nkdf: ", "argon2id13\r");
	CHECK(keyfile_parse(&kf, x, strlen(x), &e) == ARM_ESYNTAX);
	free(x);
	x = with_field(&t, "\nkdf", "lim: 1\nkdf: argon2id13");
	CHECK(keyfile_parse(&kf, x, strlen(x), &e) == ARM_ESYNTAX);
	free(x);
	/* header */
	CHECK(keyfile_parse(&kf, neumann_skey, strlen(neumann_skey), &e) == ARM_ESYNTAX);
	CHECK(keyfile_parse(&kf, "armistice/encrypted-key/v2\n", 27, &e) == ARM_ESYNTAX);
	CHECK(keyfile_parse(&kf, "", 0, &e) == ARM_ESYNTAX);
	/* size limit before anything else */
	memset(big, 'a', sizeof(big));
	CHECK(keyfile_parse(&kf, big, sizeof(big), &e) == ARM_ELIMIT);
	/* every prefix of a valid file is refused without reading past it */
	for (i = 0; i < t.len; i++) {
		char *p = malloc(i ? i : 1);
		memcpy(p, t.data, i);
		CHECK(keyfile_parse(&kf, p, i, &e) != ARM_OK);
		free(p);
	}
	buf_release(&t);
}

static void
test_p11uri(void)
{
	static const char u1[] =
	    "pkcs11:token=my%20token;object=demo.hsm%2Flog;id=%01%02?module-path=/usr/lib/"
	    "softhsm/libsofthsm2.so&pin-source=file:/etc/pin&x-note-type=cosigner";
	struct p11uri u, v;
	struct buf b = BUF_INIT(P11URI_MAX * 3);
	struct arm_err e;
	static const char *const bad[] = {
	    "pkcs11:token=a;token=b?module-path=/x.so",      /* repeated */
	    "pkcs11:colour=red?module-path=/x.so",           /* unknown path attribute */
	    "pkcs11:object=k?module-path=/x.so&color=red",   /* unknown query attribute */
	    "pkcs11:object=k",                               /* no module */
	    "pkcs11:object=k?module-path=x.so",              /* relative module */
	    "pkcs11:object=k%2?module-path=/x.so",           /* short escape */
	    "pkcs11:object=k%zz?module-path=/x.so",          /* bad escape */
	    "pkcs11:object=k%00?module-path=/x.so",          /* NUL in text */
	    "pkcs11:object=a b?module-path=/x.so",           /* raw space */
	    "pkcs11:object=k;?module-path=/x.so",            /* trailing ';' */
	    "pkcs11:object?module-path=/x.so",               /* no '=' */
	    "pkcs11:type=public;object=k?module-path=/x.so", /* not a private key */
	    "pkcs11:token=123456789012345678901234567890123?module-path=/x.so", /* 33 > 32 */
	    "pkcs11:object=k?module-path=/x.so#frag",
	    "pkcs11:object=k?module-path=/x.so&pin-value=1&pin-source=/p",
	    "pkcs11:object=k?module-path=/x.so&x-note-type=rsa",
	    "pkcs11:slot-id=01;object=k?module-path=/x.so",
	    "pkcs11:object=k?module-path=/x.so&pin-source=https://example.org/pin",
	    "pkcs11:object=k?module-path=/x.so&pin-source=pin",             /* relative */
	    "pkcs11:object=k?module-path=/x.so&pin-source=file://host/pin", /* a host */
	    "pkcs11:object=k?module-path=/x.so&pin-source=file:////pin", /* found by fuzz_keyfile */
	    "https:object=k?module-path=/x.so",
	};
	size_t i;

	CHECK(p11uri_is("PKCS11:object=x"));
	CHECK(!p11uri_is("/etc/pkcs11:x"));
	CHECKM(p11uri_parse(&u, u1, strlen(u1), &e) == ARM_OK, e.msg);
	CHECK(strcmp(u.token, "my token") == 0);
	CHECK(strcmp(u.object, "demo.hsm/log") == 0);
	CHECK(u.id_len == 2 && u.id[0] == 1 && u.id[1] == 2);
	CHECK(strcmp(u.module_path, "/usr/lib/softhsm/libsofthsm2.so") == 0);
	CHECK(strcmp(u.pin_source, "/etc/pin") == 0);
	CHECK(u.note_type == NOTE_KEY_COSIG_V1);
	CHECKM(p11uri_format(&u, &b, &e) == ARM_OK, e.msg);
	CHECKM(p11uri_parse(&v, (char *)b.data, b.len, &e) == ARM_OK, e.msg);
	CHECK(memcmp(&u, &v, sizeof(u)) == 0);
	CHECK(p11uri_parse(&u, "pkcs11:object=k?module-path=/m.so&pin-source=file:///etc/pin", 60,
	                   &e) == ARM_OK);
	CHECK(strcmp(u.pin_source, "/etc/pin") == 0);
	CHECK(p11uri_parse(&u, "pkcs11:token=t?module-path=/m.so", 32, &e) == ARM_OK);
	CHECK(u.note_type == NOTE_KEY_ED25519 && !(u.have & P11URI_OBJECT));
	for (i = 0; i < ARM_ARRAY_LEN(bad); i++)
		CHECKM(p11uri_parse(&u, bad[i], strlen(bad[i]), &e) != ARM_OK, bad[i]);
	buf_release(&b);
}

/* A fake token: signs with a key it holds, or with another one (faulty). */
struct fake {
	uint8_t sk[64];
	int calls, released;
};

static int
fake_sign(void *ctx, const uint8_t *msg, size_t len, uint8_t sig[64], struct arm_err *e)
{
	struct fake *f = ctx;

	(void)e;
	f->calls++;
	crypto_sign_detached(sig, NULL, msg, len, f->sk);
	return ARM_OK;
}

static void
fake_release(void *ctx)
{
	((struct fake *)ctx)->released++;
}

static const struct note_signer_ops fake_ops = {"fake", fake_sign, fake_release};

static void
test_external_signer(void)
{
	struct note_signer mem, ext, bad, ext_probe;
	struct note_verifier v;
	struct fake f, g;
	struct buf a = BUF_INIT(4096), b = BUF_INIT(4096);
	struct arm_err e;
	uint8_t pk[32], other_pk[32];
	static const char text[] = "hello\n";
	const struct note_signer *sp[1];

	memset(&f, 0, sizeof(f));
	memset(&g, 0, sizeof(g));
	CHECK(note_signer_parse(&mem, neumann_skey, strlen(neumann_skey), &e) == ARM_OK);
	memcpy(f.sk, mem.sk, 64);
	memset(&ext_probe, 0, sizeof(ext_probe));
	memcpy(ext_probe.name, "PeterNeumann", 13);
	ext_probe.ops = &fake_ops;
	{
		char *line = NULL;
		size_t ll = 0;
		/* the secret-memory formatter writes the same line as the ordinary one */
		CHECK(note_signer_format_secret(&mem, &line, &ll, &e) == ARM_OK);
		CHECK(ll == strlen(neumann_skey) && strcmp(line, neumann_skey) == 0);
		sodium_free(line);
		/* an external signer has no secret to write out */
		CHECK(note_signer_format_secret(&ext_probe, &line, &ll, &e) == ARM_EUSAGE);
		CHECK(line == NULL);
	}
	CHECKM(note_signer_external(&ext, "PeterNeumann", NOTE_KEY_ED25519, mem.pk, &fake_ops, &f,
	                            &e) == ARM_OK,
	       e.msg);
	CHECK(ext.sk == NULL && ext.key_id == mem.key_id);
	/* the same signed note from memory and from the external signer */
	sp[0] = &mem;
	CHECK(note_sign(text, 6, sp, 1, &a, &e) == ARM_OK);
	sp[0] = &ext;
	CHECK(note_sign(text, 6, sp, 1, &b, &e) == ARM_OK);
	CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
	CHECK(f.calls == 1);
	note_signer_verifier(&ext, &v);
	CHECK(v.key_id == 0xc74f20a3);
	/* a token that signs with another key: refused, nothing appended */
	crypto_sign_keypair(other_pk, g.sk);
	memcpy(pk, mem.pk, 32);
	CHECK(note_signer_external(&bad, "PeterNeumann", NOTE_KEY_ED25519, pk, &fake_ops, &g, &e) ==
	      ARM_OK);
	buf_reset(&b);
	sp[0] = &bad;
	CHECK(note_sign(text, 6, sp, 1, &b, &e) == ARM_EVERIFY);
	CHECK(b.len == 0);
	/* a cosigner through the same interface */
	note_signer_release(&bad);
	CHECK(g.released == 1);
	note_signer_release(&ext);
	CHECK(f.released == 1);
	/* an invalid name releases the context too */
	CHECK(note_signer_external(&bad, "bad name", NOTE_KEY_ED25519, pk, &fake_ops, &g, &e) ==
	      ARM_EUSAGE);
	CHECK(g.released == 2);
	note_signer_release(&mem);
	buf_release(&a);
	buf_release(&b);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	RUN(test_roundtrip);
	RUN(test_wrong_passphrase);
	RUN(test_every_field_bound);
	RUN(test_parse_refusals);
	RUN(test_p11uri);
	RUN(test_external_signer);
	return HARNESS_DONE();
}
