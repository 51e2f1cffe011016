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

int
cmd_keygen(int argc, char **argv)
{
	const char *dir = ".", *out = NULL, *name, *p11 = NULL;
	char base[NOTE_NAME_MAX + 1], keypath[4200], pubpath[4200];
	struct note_signer s;
	struct note_verifier v;
	struct buf sk = BUF_INIT(KEYFILE_MAX), pk = BUF_INIT(1024), uri = BUF_INIT(P11URI_MAX * 3);
	struct arm_err e = {0};
	uint8_t type = NOTE_KEY_ED25519;
	int c, json = 0, rc, encrypt = 0, sk_secure = 0;
	size_t i;

	memset(&s, 0, sizeof(s));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "d:t:o:jh", keygen_opts, NULL)) != -1) {
		switch (c) {
		case 'E': encrypt = 1; break;
		case 'P': p11 = optarg; break;
		case 'd': dir = optarg; break;
		case 'o': out = optarg; break;
		case 'j': json = 1; break;
		case 't':
			if (strcmp(optarg, "log") == 0 || strcmp(optarg, "ed25519") == 0)
				type = NOTE_KEY_ED25519;
			else if (strcmp(optarg, "cosigner") == 0 || strcmp(optarg, "witness") == 0)
				type = NOTE_KEY_COSIG_V1;
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
	name = argv[optind];
	if (!note_name_valid(name, strlen(name))) {
		arm_err_set(&e, ARM_ESYNTAX,
		            "key name '%.300s' is not valid (signed-note: non-empty, no spaces, "
		            "no '+', at most %d bytes)",
		            name, NOTE_NAME_MAX);
		return cli_fail(&e);
	}
	if (out == NULL) {
		snprintf(base, sizeof(base), "%s", name);
		for (i = 0; base[i]; i++)
			if (!((base[i] >= 'a' && base[i] <= 'z') ||
			      (base[i] >= 'A' && base[i] <= 'Z') ||
			      (base[i] >= '0' && base[i] <= '9') || base[i] == '.' ||
			      base[i] == '_' || base[i] == '-'))
				base[i] = '_';
		out = base;
	}
	snprintf(keypath, sizeof(keypath), "%s/%s.key", dir, out);
	snprintf(pubpath, sizeof(pubpath), "%s/%s.pub", dir, out);
	if (access(pubpath, F_OK) == 0) {
		arm_err_set(&e, ARM_ECONFLICT, "'%s' exists: keygen never overwrites a key",
		            pubpath);
		return cli_fail(&e);
	}
	if (encrypt && p11 != NULL)
		return cli_usage_error("keygen", "--encrypt and --pkcs11 exclude each other");
	if (p11 == NULL && access(keypath, F_OK) == 0) {
		arm_err_set(&e, ARM_ECONFLICT, "'%s' exists: keygen never overwrites a key",
		            keypath);
		return cli_fail(&e);
	}
	if (p11 != NULL)
		rc = cli_p11_keygen(p11, name, type, &s, &uri, &e);
	else
		rc = note_signer_generate(&s, name, type, &e);
	if (rc != ARM_OK)
		goto out;
	note_signer_verifier(&s, &v);
	if ((rc = note_verifier_format(&v, &pk, &e)) != ARM_OK ||
	    (rc = buf_puts(&pk, "\n", &e)) != ARM_OK)
		goto out;
	if (encrypt) {
		struct keyfile kf;
		char *pass = NULL;
		size_t pl = 0;
		char what[NOTE_NAME_MAX + 4300];

		snprintf(what, sizeof(what), "key %s (%s)", name, keypath);
		if ((rc = cli_key_passphrase(1, what, &pass, &pl, &e)) != ARM_OK)
			goto out;
		rc = keyfile_seal(&kf, &s, pass, pl, 0, 0, &e);
		sodium_free(pass);
		if (rc == ARM_OK)
			rc = keyfile_format(&kf, &sk, &e);
		if (rc != ARM_OK)
			goto out;
	} else if (p11 == NULL) {
		/*
		 * The key line goes from sodium_malloc memory into sk, whose
		 * buffer is sodium_malloc memory too (max keeps it from growing).
		 */
		char *line = NULL;
		size_t ll = 0;

		if ((rc = note_signer_format_secret(&s, &line, &ll, &e)) != ARM_OK)
			goto out;
		sk.data = sodium_malloc(ll + 2);
		if (sk.data == NULL) {
			sodium_free(line);
			rc = arm_err_set(&e, ARM_ENOMEM, "keygen: sodium_malloc failed");
			goto out;
		}
		sk_secure = 1;
		memcpy(sk.data, line, ll);
		sk.data[ll] = '\n';
		sk.data[ll + 1] = '\0';
		sk.len = ll + 1;
		sk.cap = ll + 2;
		sk.max = ll + 1;
		sodium_free(line);
	}
	if (p11 == NULL && (rc = write_new(keypath, sk.data, sk.len, 0600, &e)) != ARM_OK)
		goto out;
	if ((rc = write_new(pubpath, pk.data, pk.len, 0644, &e)) != ARM_OK) {
		if (p11 == NULL)
			unlink(keypath);
		goto out;
	}
	if (json) {
		printf("{\"name\":");
		cli_json_str(stdout, name, strlen(name));
		printf(",\"type\":\"%s\",\"key_file\":",
		       type == NOTE_KEY_ED25519 ? "log" : "cosigner");
		if (p11 != NULL)
			cli_json_str(stdout, (const char *)uri.data, uri.len);
		else
			cli_json_str(stdout, keypath, strlen(keypath));
		printf(",\"encrypted\":%s,\"storage\":\"%s\"", encrypt ? "true" : "false",
		       p11 != NULL ? "pkcs11" : "file");
		printf(",\"pub_file\":");
		cli_json_str(stdout, pubpath, strlen(pubpath));
		printf(",\"vkey\":");
		cli_json_str(stdout, (const char *)pk.data, pk.len - 1);
		printf("}\n");
	} else {
		printf("%s", (const char *)pk.data);
		if (p11 != NULL)
			fprintf(stderr, "made the key in the token; wrote %s\nkey: %s\n", pubpath,
			        (const char *)uri.data);
		else
			fprintf(stderr, "wrote %s (secret%s, mode 0600) and %s\n", keypath,
			        encrypt ? ", encrypted" : "", pubpath);
	}
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
