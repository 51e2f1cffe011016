/*
 * cmd_keygen.c - armistice keygen: a new signer key and its verifier key,
 * in the forms of C2SP signed-note v1.0.0 (Go's sumdb/note): NAME.key holds
 * "PRIVATE+KEY+name+id+base64(type || seed)" and NAME.pub the verifier key
 * "name+id+base64(type || pk)".
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "cli/cli.h"
#include "cli/cli_key.h"
#include "cli/cli_p11.h"
#include "armistice/keyfile.h"
#include "armistice/p11uri.h"
#include "armistice/note.h"
#include "armistice/common.h"

static const char keygen_usage[] =
    "usage: armistice keygen NAME [--dir DIR] [--type log|cosigner] [--out BASE]\n"
    "                        [--encrypt | --pkcs11 URI] [--json]\n"
    "\n"
    "Writes a new Ed25519 key named NAME: DIR/BASE.key, the signer key (mode\n"
    "0600, never overwritten), and DIR/BASE.pub, its verifier key. NAME is the\n"
    "key name that signatures carry; for a log key it should be the log's\n"
    "origin. BASE defaults to NAME with every character other than letters,\n"
    "digits, '.', '_' and '-' replaced by '_'.\n"
    "\n"
    "  --dir DIR        where to write the files (default: .)\n"
    "  --type TYPE      log (Ed25519, type 0x01; default), or cosigner (a\n"
    "                   witness's tlog-cosignature key, type 0x04)\n"
    "  --out BASE       file name base instead of the one made from NAME\n"
    "  --encrypt        seal BASE.key with a new passphrase (Argon2id +\n"
    "                   XSalsa20-Poly1305, armistice/encrypted-key/v1); the\n"
    "                   passphrase comes from armistice --passphrase-fd N,\n"
    "                   $ARMISTICE_PASSPHRASE or the terminal (twice)\n"
    "  --pkcs11 URI     make the key inside the PKCS#11 token URI names\n"
    "                   (pkcs11:token=T?module-path=LIB&pin-source=file:PIN);\n"
    "                   no BASE.key is written: the secret never leaves the\n"
    "                   token. Prints the key's URI (on stderr; in --json)\n"
    "  --json           print the result as JSON\n"
    "\n"
    "exit status: 0 ok, 2 usage, 3 input refused (bad name, file exists),\n"
    "4 system error.\n";

static const struct option keygen_opts[] = {
    {"dir", required_argument, NULL, 'd'}, {"type", required_argument, NULL, 't'},
    {"out", required_argument, NULL, 'o'}, {"json", no_argument, NULL, 'j'},
    {"encrypt", no_argument, NULL, 'E'},   {"pkcs11", required_argument, NULL, 'P'},
    {"help", no_argument, NULL, 'h'},      {NULL, 0, NULL, 0},
};

/* Writes data to a new file (O_EXCL: never replaces one) and syncs it. */
static int
write_new(const char *path, const void *data, size_t len, mode_t mode, struct arm_err *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	size_t off = 0;

	if (fd < 0) {
		if (errno == EEXIST)
			return arm_err_set(e, ARM_ECONFLICT,
			                   "'%s' exists: keygen never overwrites a key", path);
		return arm_err_set(e, ARM_EIO, "cannot create '%s': %s", path, strerror(errno));
	}
	while (off < len) {
		ssize_t w = write(fd, (const char *)data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			int err = errno;
			close(fd);
			unlink(path);
			return arm_err_set(e, ARM_EIO, "cannot write '%s': %s", path,
			                   strerror(err));
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		int err = errno;
		unlink(path);
		return arm_err_set(e, ARM_EIO, "cannot write '%s': %s", path, strerror(err));
	}
	return ARM_OK;
}

/* What the command line asks for. */
struct keygen {
	const char *dir, *out, *name, *p11;
	uint8_t type;
	int json, encrypt;
};

/* The options and NAME into kg: -1 to go on, else the exit code (0 after --help). */
static int
keygen_args(struct keygen *kg, int argc, char **argv)
{
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "d:t:o:jh", keygen_opts, NULL)) != -1) {
		switch (c) {
		case 'E': kg->encrypt = 1; break;
		case 'P': kg->p11 = optarg; break;
		case 'd': kg->dir = optarg; break;
		case 'o': kg->out = optarg; break;
		case 'j': kg->json = 1; break;
		case 't':
			if (strcmp(optarg, "log") == 0 || strcmp(optarg, "ed25519") == 0)
				kg->type = NOTE_KEY_ED25519;
			else if (strcmp(optarg, "cosigner") == 0 || strcmp(optarg, "witness") == 0)
				kg->type = NOTE_KEY_COSIG_V1;
			else
				return cli_usage_error(
				    "keygen", "--type is 'log' or 'cosigner', not '%s'", optarg);
			break;
		case 'h': fputs(keygen_usage, stdout); return 0;
		default:
			return cli_usage_error("keygen", "unknown option or missing argument '%s'",
			                       argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error("keygen", "want exactly one NAME");
	kg->name = argv[optind];
	return -1;
}

/* The files' base name for key name: any byte but [A-Za-z0-9._-] becomes '_'. */
static void
key_base(const char *name, char base[NOTE_NAME_MAX + 1])
{
	size_t i;

	snprintf(base, NOTE_NAME_MAX + 1, "%s", name);
	for (i = 0; base[i]; i++)
		if (!((base[i] >= 'a' && base[i] <= 'z') || (base[i] >= 'A' && base[i] <= 'Z') ||
		      (base[i] >= '0' && base[i] <= '9') || base[i] == '.' || base[i] == '_' ||
		      base[i] == '-'))
			base[i] = '_';
}

/* --encrypt: the signer key sealed with a passphrase asked for twice, as keyfile text in sk. */
static int
seal_secret(const struct keygen *kg, const struct note_signer *s, const char *keypath,
            struct buf *sk, struct arm_err *e)
{
	struct keyfile kf;
	char *pass = NULL;
	size_t pl = 0;
	char what[NOTE_NAME_MAX + 4300];
	int rc;

	snprintf(what, sizeof(what), "key %s (%s)", kg->name, keypath);
	if ((rc = cli_key_passphrase(1, what, &pass, &pl, e)) != ARM_OK)
		return rc;
	rc = keyfile_seal(&kf, s, pass, pl, 0, 0, e);
	sodium_free(pass);
	if (rc == ARM_OK)
		rc = keyfile_format(&kf, sk, e);
	return rc;
}

/*
 * The key line, from sodium_malloc memory into sk, whose buffer is
 * sodium_malloc memory too (max keeps it from growing); *secure says so.
 */
static int
plain_secret(const struct note_signer *s, struct buf *sk, int *secure, struct arm_err *e)
{
	char *line = NULL;
	size_t ll = 0;
	int rc;

	if ((rc = note_signer_format_secret(s, &line, &ll, e)) != ARM_OK)
		return rc;
	sk->data = sodium_malloc(ll + 2);
	if (sk->data == NULL) {
		sodium_free(line);
		return arm_err_set(e, ARM_ENOMEM, "keygen: sodium_malloc failed");
	}
	*secure = 1;
	memcpy(sk->data, line, ll);
	sk->data[ll] = '\n';
	sk->data[ll + 1] = '\0';
	sk->len = ll + 1;
	sk->cap = ll + 2;
	sk->max = ll + 1;
	sodium_free(line);
	return ARM_OK;
}

/* The verifier key on stdout (or the --json summary), and what was made on stderr. */
static void
keygen_report(const struct keygen *kg, const char *keypath, const char *pubpath,
              const struct buf *pk, const struct buf *uri)
{
	if (kg->json) {
		printf("{\"name\":");
		cli_json_str(stdout, kg->name, strlen(kg->name));
		printf(",\"type\":\"%s\",\"key_file\":",
		       kg->type == NOTE_KEY_ED25519 ? "log" : "cosigner");
		if (kg->p11 != NULL)
			cli_json_str(stdout, (const char *)uri->data, uri->len);
		else
			cli_json_str(stdout, keypath, strlen(keypath));
		printf(",\"encrypted\":%s,\"storage\":\"%s\"", kg->encrypt ? "true" : "false",
		       kg->p11 != NULL ? "pkcs11" : "file");
		printf(",\"pub_file\":");
		cli_json_str(stdout, pubpath, strlen(pubpath));
		printf(",\"vkey\":");
		cli_json_str(stdout, (const char *)pk->data, pk->len - 1);
		printf("}\n");
		return;
	}
	printf("%s", (const char *)pk->data);
	if (kg->p11 != NULL)
		fprintf(stderr, "made the key in the token; wrote %s\nkey: %s\n", pubpath,
		        (const char *)uri->data);
	else
		fprintf(stderr, "wrote %s (secret%s, mode 0600) and %s\n", keypath,
		        kg->encrypt ? ", encrypted" : "", pubpath);
}

int
cmd_keygen(int argc, char **argv)
{
	struct keygen kg = {".", NULL, NULL, NULL, NOTE_KEY_ED25519, 0, 0};
	char base[NOTE_NAME_MAX + 1], keypath[4200], pubpath[4200];
	struct note_signer s;
	struct note_verifier v;
	struct buf sk = BUF_INIT(KEYFILE_MAX), pk = BUF_INIT(1024), uri = BUF_INIT(P11URI_MAX * 3);
	struct arm_err e = {0};
	int rc, sk_secure = 0;

	memset(&s, 0, sizeof(s));
	if ((rc = keygen_args(&kg, argc, argv)) >= 0)
		return rc;
	if (!note_name_valid(kg.name, strlen(kg.name))) {
		arm_err_set(&e, ARM_ESYNTAX,
		            "key name '%.300s' is not valid (signed-note: non-empty, no spaces, "
		            "no '+', at most %d bytes)",
		            kg.name, NOTE_NAME_MAX);
		return cli_fail(&e);
	}
	if (kg.out == NULL) {
		key_base(kg.name, base);
		kg.out = base;
	}
	snprintf(keypath, sizeof(keypath), "%s/%s.key", kg.dir, kg.out);
	snprintf(pubpath, sizeof(pubpath), "%s/%s.pub", kg.dir, kg.out);
	if (access(pubpath, F_OK) == 0) {
		arm_err_set(&e, ARM_ECONFLICT, "'%s' exists: keygen never overwrites a key",
		            pubpath);
		return cli_fail(&e);
	}
	if (kg.encrypt && kg.p11 != NULL)
		return cli_usage_error("keygen", "--encrypt and --pkcs11 exclude each other");
	if (kg.p11 == NULL && access(keypath, F_OK) == 0) {
		arm_err_set(&e, ARM_ECONFLICT, "'%s' exists: keygen never overwrites a key",
		            keypath);
		return cli_fail(&e);
	}
	if (kg.p11 != NULL)
		rc = cli_p11_keygen(kg.p11, kg.name, kg.type, &s, &uri, &e);
	else
		rc = note_signer_generate(&s, kg.name, kg.type, &e);
	if (rc != ARM_OK)
		goto out;
	note_signer_verifier(&s, &v);
	if ((rc = note_verifier_format(&v, &pk, &e)) != ARM_OK ||
	    (rc = buf_puts(&pk, "\n", &e)) != ARM_OK)
		goto out;
	if (kg.encrypt)
		rc = seal_secret(&kg, &s, keypath, &sk, &e);
	else if (kg.p11 == NULL)
		rc = plain_secret(&s, &sk, &sk_secure, &e);
	if (rc != ARM_OK)
		goto out;
	if (kg.p11 == NULL && (rc = write_new(keypath, sk.data, sk.len, 0600, &e)) != ARM_OK)
		goto out;
	if ((rc = write_new(pubpath, pk.data, pk.len, 0644, &e)) != ARM_OK) {
		if (kg.p11 == NULL)
			unlink(keypath);
		goto out;
	}
	keygen_report(&kg, keypath, pubpath, &pk, &uri);
out:
	if (sk_secure) {
		sodium_free(sk.data); /* wipes */
	} else {
		if (sk.data != NULL)
			sodium_memzero(sk.data, sk.cap);
		buf_release(&sk);
	}
	buf_release(&pk);
	buf_release(&uri);
	note_signer_release(&s);
	return rc == ARM_OK ? 0 : cli_fail(&e);
}
