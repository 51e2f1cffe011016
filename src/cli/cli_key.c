/* cli_key.c - key arguments of the commands; see cli_key.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "cli/cli.h"
#include "cli/cli_key.h"
#include "armistice/common.h"

/* A key line is at most "PRIVATE+KEY+" + 255-byte name + id + 44 base64. */
#define KEY_FILE_MAX 512

/* Length of the first line of p[0..n), without its "\n" (a "\r" stays and is refused). */
static size_t
first_line(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && p[i] != '\n'; i++)
		;
	return i;
}

int
cli_key_private(int fd, const char *what, const char *path, struct arm_err *e)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return arm_err_set(e, ARM_EIO, "cannot stat %s '%s': %s", what, path, strerror(errno));
	/*
	 * As ssh refuses an identity file (sshkey_perm_ok) or a config file
	 * (secure_filename): a secret anyone else can read is no longer
	 * secret, and one anyone else can write is theirs to swap. The owner
	 * must be the running user, or root (a key root provisioned for a
	 * service it starts, as /etc/ssh/ssh_host_*_key).
	 */
	if (st.st_uid != geteuid() && st.st_uid != 0)
		return arm_err_set(e, ARM_ERULE,
		                   "%s '%s' is owned by uid %u, not by the running user (uid %u) "
		                   "or root: a secret key must belong to whoever uses it "
		                   "(chown %u '%s')",
		                   what, path, (unsigned)st.st_uid, (unsigned)geteuid(),
		                   (unsigned)geteuid(), path);
	if ((st.st_mode & 077) != 0)
		return arm_err_set(e, ARM_ERULE,
		                   "%s '%s' is %s by others (mode %04o): a secret key must be "
		                   "private to its owner; run 'chmod 600 %s'",
		                   what, path,
		                   (st.st_mode & 022) != 0 ? ((st.st_mode & 044) != 0 ? "readable and writable" : "writable")
		                                           : "readable",
		                   (unsigned)(st.st_mode & 07777), path);
	return ARM_OK;
}

int
cli_key_signer(const char *path, struct note_signer *s, struct arm_err *e)
{
	char *raw;
	size_t len = 0, line;
	ssize_t got;
	int fd, rc = ARM_OK;

	memset(s, 0, sizeof(*s));
	/*
	 * read(2) straight into sodium_malloc memory: no stdio buffer or
	 * realloc leaves a copy of the secret behind.
	 */
	raw = sodium_malloc(KEY_FILE_MAX + 1);
	if (raw == NULL)
		return arm_err_set(e, ARM_ENOMEM, "signer key '%s': sodium_malloc failed", path);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		rc = arm_err_set(e, errno == ENOENT ? ARM_ENOTFOUND : ARM_EIO,
		                 "cannot open signer key '%s': %s", path, strerror(errno));
		goto out;
	}
	if ((rc = cli_key_private(fd, "signer key", path, e)) != ARM_OK) {
		close(fd);
		goto out;
	}
	while (len <= KEY_FILE_MAX) {
		got = read(fd, raw + len, KEY_FILE_MAX + 1 - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = arm_err_set(e, ARM_EIO, "cannot read signer key '%s': %s", path,
			                 strerror(errno));
			break;
		}
		if (got == 0)
			break;
		len += (size_t)got;
	}
	close(fd);
	if (rc != ARM_OK)
		goto out;
	if (len > KEY_FILE_MAX) {
		rc = arm_err_set(e, ARM_ELIMIT, "signer key '%s': file is larger than %d bytes",
		                 path, KEY_FILE_MAX);
		goto out;
	}
	line = first_line(raw, len);
	/* Only a final newline may follow the key line. */
	if (line + 1 < len) {
		rc = arm_err_set(e, ARM_ESYNTAX,
		                 "signer key '%s': more than one line (want exactly one key)", path);
		goto out;
	}
	rc = note_signer_parse(s, raw, line, e);
	if (rc != ARM_OK)
		arm_err_prefix(e, "'%s'", path);
out:
	sodium_free(raw); /* wipes */
	return rc;
}

int
cli_key_verifier(const char *arg, struct note_verifier *v, struct arm_err *e)
{
	struct buf b = BUF_INIT(KEY_FILE_MAX);
	struct stat st;
	int rc;

	memset(v, 0, sizeof(*v));
	if (stat(arg, &st) != 0) {
		/* Not a file: a key string has two '+' (name+id+key). */
		if (errno == ENOENT && strchr(arg, '+') != NULL)
			return note_verifier_parse(v, arg, strlen(arg), e);
		return arm_err_set(e, errno == ENOENT ? ARM_ENOTFOUND : ARM_EIO,
		                   "verifier key '%s' is neither a readable file nor a key: %s", arg,
		                   strerror(errno));
	}
	rc = cli_read_file(arg, &b, e);
	if (rc == ARM_OK && b.len == 0)
		rc = arm_err_set(e, ARM_ESYNTAX, "verifier key '%s': the file is empty", arg);
	if (rc == ARM_OK) {
		rc = note_verifier_parse(v, (const char *)b.data, first_line((const char *)b.data, b.len), e);
		if (rc != ARM_OK)
			arm_err_prefix(e, "'%s'", arg);
	}
	buf_release(&b);
	return rc;
}
