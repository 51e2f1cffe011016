/*
 * cmd_key.c - armistice key: encrypt, decrypt or re-encrypt a signer key
 * file in place (format armistice/encrypted-key/v1, keyfile.h), and show
 * the verifier key of any signer key (file, encrypted file, PKCS#11 URI).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "cli/cli.h"
#include "cli/cli_key.h"
#include "armistice/keyfile.h"
#include "armistice/note.h"
#include "armistice/common.h"

static const char key_usage[] =
    "usage: armistice key encrypt FILE\n"
    "       armistice key decrypt FILE\n"
    "       armistice key passwd FILE\n"
    "       armistice key show KEY [--json]\n"
    "\n"
    "encrypt seals the plain signer key in FILE with a new passphrase\n"
    "(Argon2id, then XSalsa20-Poly1305: format armistice/encrypted-key/v1);\n"
    "decrypt writes it back in clear; passwd changes the passphrase. FILE is\n"
    "replaced atomically (mode 0600) only once everything has succeeded: a\n"
    "wrong passphrase writes nothing. show prints the verifier key of KEY (a\n"
    "key file, an encrypted key file or a pkcs11: URI).\n"
    "\n"
    "Passphrases: armistice --passphrase-fd N key ... reads them from\n"
    "descriptor N, one a line (passwd: the current one, then the new one);\n"
    "else $ARMISTICE_PASSPHRASE (and, for passwd, $ARMISTICE_NEW_PASSPHRASE);\n"
    "else the terminal, with echo off. A new passphrase has at least 8 bytes.\n"
    "\n"
    "  --json   show: print the result as JSON\n"
    "\n"
    "exit status: 0 ok, 1 wrong passphrase or altered file, 2 usage, 3 input\n"
    "refused (not private, wrong format, already encrypted), 4 system error,\n"
    "5 not found.\n";

/* Replaces path with data: a private temporary file beside it, fsync, rename. */
static int
replace_file(const char *path, const void *data, size_t len, struct arm_err *e)
{
	char tmp[4200], dirbuf[4200];
	size_t off = 0;
	int fd, dfd, rc = ARM_OK;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path) >= (int)sizeof(tmp))
		return arm_err_set(e, ARM_EUSAGE, "key: path '%s' is too long", path);
	fd = mkstemp(tmp); /* mode 0600, O_EXCL */
	if (fd < 0)
		return arm_err_set(e, ARM_EIO, "cannot create a file beside '%s': %s", path,
		                   strerror(errno));
	while (rc == ARM_OK && off < len) {
		ssize_t w = write(fd, (const char *)data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			rc = arm_err_set(e, ARM_EIO, "cannot write '%s': %s", tmp, strerror(errno));
		else
			off += (size_t)w;
	}
	if (rc == ARM_OK && (fchmod(fd, 0600) != 0 || fsync(fd) != 0))
		rc = arm_err_set(e, ARM_EIO, "cannot write '%s': %s", tmp, strerror(errno));
	if (close(fd) != 0 && rc == ARM_OK)
		rc = arm_err_set(e, ARM_EIO, "cannot write '%s': %s", tmp, strerror(errno));
	if (rc == ARM_OK && rename(tmp, path) != 0)
		rc = arm_err_set(e, ARM_EIO, "cannot replace '%s': %s", path, strerror(errno));
	if (rc != ARM_OK) {
		unlink(tmp);
		return rc;
	}
	snprintf(dirbuf, sizeof(dirbuf), "%s", path);
	dfd = open(dirname(dirbuf), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		if (fsync(dfd) != 0)
			rc = arm_err_set(e, ARM_EIO, "cannot sync the directory of '%s'", path);
		close(dfd);
	}
	return rc;
}

/* Seals s under a new passphrase and replaces path with the result. */
static int
write_sealed(const char *path, const struct note_signer *s, struct arm_err *e)
{
	struct keyfile kf;
	struct buf out = BUF_INIT(KEYFILE_MAX);
	char what[NOTE_NAME_MAX + 4200], *pass = NULL;
	size_t pl = 0;
	int rc;

	snprintf(what, sizeof(what), "key %s (%s)", s->name, path);
	ARM_TRY(cli_key_passphrase(1, what, &pass, &pl, e));
	rc = keyfile_seal(&kf, s, pass, pl, 0, 0, e);
	sodium_free(pass);
	if (rc == ARM_OK)
		rc = keyfile_format(&kf, &out, e);
	if (rc == ARM_OK)
		rc = replace_file(path, out.data, out.len, e);
	buf_release(&out);
	return rc;
}

static int
key_encrypt(const char *path, int mode, struct arm_err *e)
{
	struct note_signer s;
	char *raw = NULL, *line = NULL;
	size_t len = 0, ll = 0;
	int rc, enc;

	memset(&s, 0, sizeof(s));
	ARM_TRY(cli_key_read_private("signer key", path, KEYFILE_MAX, &raw, &len, e));
	enc = keyfile_is_encrypted(raw, len);
	sodium_free(raw);
	if (mode == 'e' && enc)
		return arm_err_set(
		    e, ARM_ECONFLICT,
		    "'%s' is already encrypted: use 'armistice key passwd' to change "
		    "its passphrase",
		    path);
	if (mode != 'e' && !enc)
		return arm_err_set(e, ARM_ECONFLICT, "'%s' is not an encrypted key file", path);
	if ((rc = cli_key_signer(path, &s, e)) != ARM_OK)
		return rc;
	if (mode == 'd') {
		/* The key line, and its newline, in sodium_malloc memory only. */
		rc = note_signer_format_secret(&s, &line, &ll, e);
		if (rc == ARM_OK) {
			char *nl = sodium_malloc(ll + 1);
			if (nl == NULL) {
				rc = arm_err_set(e, ARM_ENOMEM, "key: sodium_malloc failed");
			} else {
				memcpy(nl, line, ll);
				nl[ll] = '\n';
				rc = replace_file(path, nl, ll + 1, e);
				sodium_free(nl);
			}
		}
		sodium_free(line);
	} else {
		rc = write_sealed(path, &s, e);
	}
	note_signer_release(&s);
	return rc;
}

static int
key_show(const char *arg, int json, struct arm_err *e)
{
	struct note_signer s;
	struct note_verifier v;
	struct buf out = BUF_INIT(1024);
	int rc;

	if ((rc = cli_key_signer(arg, &s, e)) != ARM_OK)
		return rc;
	note_signer_verifier(&s, &v);
	rc = note_verifier_format(&v, &out, e);
	if (rc == ARM_OK) {
		if (json) {
			printf("{\"name\":");
			cli_json_str(stdout, v.name, strlen(v.name));
			printf(",\"type\":\"%s\",\"storage\":\"%s\",\"vkey\":",
			       v.type == NOTE_KEY_ED25519 ? "log" : "cosigner",
			       s.ops != NULL ? s.ops->kind : "memory");
			cli_json_str(stdout, (const char *)out.data, out.len);
			printf("}\n");
		} else {
			printf("%s\n", (const char *)out.data);
		}
	}
	buf_release(&out);
	note_signer_release(&s);
	return rc;
}

int
cmd_key(int argc, char **argv)
{
	struct arm_err e = {0};
	const char *sub, *arg = NULL;
	int i, json = 0, rc;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(key_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	sub = argv[1];
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(key_usage, stdout);
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0')
			return cli_usage_error("key", "unknown option '%s'", argv[i]);
		else if (arg == NULL)
			arg = argv[i];
		else
			return cli_usage_error("key", "want exactly one FILE");
	}
	if (arg == NULL)
		return cli_usage_error("key", "%s wants a FILE", sub);
	if (json && strcmp(sub, "show") != 0)
		return cli_usage_error("key", "--json goes with show");
	if (strcmp(sub, "encrypt") == 0)
		rc = key_encrypt(arg, 'e', &e);
	else if (strcmp(sub, "decrypt") == 0)
		rc = key_encrypt(arg, 'd', &e);
	else if (strcmp(sub, "passwd") == 0)
		rc = key_encrypt(arg, 'p', &e);
	else if (strcmp(sub, "show") == 0)
		rc = key_show(arg, json, &e);
	else
		return cli_usage_error(
		    "key", "unknown subcommand '%s' (encrypt, decrypt, passwd, show)", sub);
	if (rc != ARM_OK)
		return cli_fail_json(&e, json);
	if (strcmp(sub, "show") != 0)
		fprintf(stderr, "%s '%s'\n",
		        strcmp(sub, "encrypt") == 0   ? "encrypted"
		        : strcmp(sub, "decrypt") == 0 ? "decrypted (now a plain secret key)"
		                                      : "changed the passphrase of",
		        arg);
	return 0;
}
