/* cli_key.c - key arguments of the commands; see cli_key.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "cli/cli.h"
#include "cli/cli_key.h"
#include "cli/cli_p11.h"
#include "armistice/keyfile.h"
#include "armistice/p11uri.h"
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
		return arm_err_set(e, ARM_EIO, "cannot stat %s '%s': %s", what, path,
		                   strerror(errno));
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
		return arm_err_set(
		    e, ARM_ERULE,
		    "%s '%s' is %s by others (mode %04o): a secret key must be "
		    "private to its owner; run 'chmod 600 %s'",
		    what, path,
		    (st.st_mode & 022) != 0
		        ? ((st.st_mode & 044) != 0 ? "readable and writable" : "writable")
		        : "readable",
		    (unsigned)(st.st_mode & 07777), path);
	return ARM_OK;
}

int
cli_key_read_private(const char *what, const char *path, size_t max, char **data, size_t *len,
                     struct arm_err *e)
{
	char *raw;
	size_t n = 0;
	ssize_t got;
	int fd, rc = ARM_OK;

	*data = NULL;
	*len = 0;
	/*
	 * read(2) straight into sodium_malloc memory (guarded, mlocked, wiped
	 * on free): no stdio buffer or realloc leaves a copy of the secret.
	 */
	raw = sodium_malloc(max + 1);
	if (raw == NULL)
		return arm_err_set(e, ARM_ENOMEM, "%s '%s': sodium_malloc failed", what, path);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		rc = arm_err_set(e, errno == ENOENT ? ARM_ENOTFOUND : ARM_EIO,
		                 "cannot open %s '%s': %s", what, path, strerror(errno));
		goto out;
	}
	if ((rc = cli_key_private(fd, what, path, e)) != ARM_OK) {
		close(fd);
		goto out;
	}
	while (n <= max) {
		got = read(fd, raw + n, max + 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = arm_err_set(e, ARM_EIO, "cannot read %s '%s': %s", what, path,
			                 strerror(errno));
			break;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	if (rc == ARM_OK && n > max)
		rc = arm_err_set(e, ARM_ELIMIT, "%s '%s': file is larger than %zu bytes", what,
		                 path, max);
out:
	if (rc != ARM_OK) {
		sodium_free(raw); /* wipes */
		return rc;
	}
	raw[n] = '\0';
	*data = raw;
	*len = n;
	return ARM_OK;
}

/* ---- passphrases ---- */

static int pass_fd = -1;
static char *pass_cached; /* the current passphrase from the fd or the environment */
static size_t pass_cached_len;
static int pass_current_used; /* a current passphrase was asked for */

void
cli_key_set_passphrase_fd(int fd)
{
	pass_fd = fd;
}

void
cli_key_forget(void)
{
	sodium_free(pass_cached); /* wipes, NULL-safe */
	pass_cached = NULL;
	pass_cached_len = 0;
}

static int
pass_copy(const char *p, size_t n, char **out, size_t *len, struct arm_err *e)
{
	*out = sodium_malloc(n + 1);
	if (*out == NULL)
		return arm_err_set(e, ARM_ENOMEM, "passphrase: sodium_malloc failed");
	memcpy(*out, p, n);
	(*out)[n] = '\0';
	*len = n;
	return ARM_OK;
}

/* One line from fd, byte by byte so that the next line stays for a next read. */
static int
pass_read_fd(int fd, const char *src, char **out, size_t *len, struct arm_err *e)
{
	char *b = sodium_malloc(KEYFILE_PASS_MAX + 2);
	size_t n = 0;
	ssize_t got;

	if (b == NULL)
		return arm_err_set(e, ARM_ENOMEM, "passphrase: sodium_malloc failed");
	for (;;) {
		char c;
		got = read(fd, &c, 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int err = errno;
			sodium_free(b);
			return arm_err_set(e, ARM_EIO, "cannot read the passphrase from %s: %s",
			                   src, strerror(err));
		}
		if (got == 0 || c == '\n')
			break;
		if (n > KEYFILE_PASS_MAX) {
			sodium_free(b);
			return arm_err_set(e, ARM_ELIMIT,
			                   "passphrase from %s: longer than %d bytes", src,
			                   KEYFILE_PASS_MAX);
		}
		b[n++] = c;
	}
	if (n > 0 && b[n - 1] == '\r')
		n--;
	if (n == 0) {
		sodium_free(b);
		return arm_err_set(e, ARM_EUSAGE,
		                   "no passphrase on %s (an empty line or end of input)", src);
	}
	b[n] = '\0';
	*out = b;
	*len = n;
	return ARM_OK;
}

int
cli_key_prompt(const char *prompt, char **out, size_t *len, struct arm_err *e)
{
	struct termios old, quiet;
	int tty, rc, restore = 0;

	*out = NULL;
	tty = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (tty < 0)
		return arm_err_set(e, ARM_EUSAGE,
		                   "%sno terminal to ask on: give --passphrase-fd N (armistice "
		                   "--passphrase-fd N COMMAND ...) or set %s (docs/keys.md)",
		                   prompt, CLI_PASSPHRASE_ENV);
	if (write(tty, prompt, strlen(prompt)) < 0) { /* best effort */
	}
	/* No echo while the secret is typed, as getpass(3) did. */
	if (tcgetattr(tty, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
		restore = tcsetattr(tty, TCSAFLUSH, &quiet) == 0;
	}
	rc = pass_read_fd(tty, "the terminal", out, len, e);
	if (restore)
		tcsetattr(tty, TCSAFLUSH, &old);
	if (write(tty, "\n", 1) < 0) { /* best effort */
	}
	close(tty);
	return rc;
}

/* The environment variable name, its value wiped and removed once read. */
static int
pass_from_env(const char *name, char **out, size_t *len, struct arm_err *e)
{
	char *v = getenv(name);
	size_t n;
	int rc;

	if (v == NULL)
		return ARM_ENOTFOUND;
	n = strlen(v);
	if (n == 0 || n > KEYFILE_PASS_MAX)
		return arm_err_set(e, ARM_EUSAGE, "%s must hold 1..%d bytes", name,
		                   KEYFILE_PASS_MAX);
	rc = pass_copy(v, n, out, len, e);
	/* No copy stays in the environment (nor goes to a child process). */
	sodium_memzero(v, n);
	unsetenv(name);
	return rc;
}

int
cli_key_passphrase(int fresh, const char *what, char **out, size_t *len, struct arm_err *e)
{
	char prompt[600], *again = NULL;
	size_t al = 0;
	int rc;

	*out = NULL;
	if (!fresh) {
		pass_current_used = 1;
		if (pass_cached != NULL)
			return pass_copy(pass_cached, pass_cached_len, out, len, e);
		if (pass_fd >= 0) {
			char src[64];
			snprintf(src, sizeof(src), "file descriptor %d", pass_fd);
			ARM_TRY(pass_read_fd(pass_fd, src, &pass_cached, &pass_cached_len, e));
			return pass_copy(pass_cached, pass_cached_len, out, len, e);
		}
		rc = pass_from_env(CLI_PASSPHRASE_ENV, &pass_cached, &pass_cached_len, e);
		if (rc == ARM_OK)
			return pass_copy(pass_cached, pass_cached_len, out, len, e);
		if (rc != ARM_ENOTFOUND)
			return rc;
		snprintf(prompt, sizeof(prompt), "passphrase for %s: ", what);
		return cli_key_prompt(prompt, out, len, e);
	}
	/* A new passphrase: after a current one, the next line or the second variable. */
	if (pass_fd >= 0) {
		char src[64];
		snprintf(src, sizeof(src), "file descriptor %d", pass_fd);
		rc = pass_read_fd(pass_fd, src, out, len, e);
	} else {
		const char *var = pass_current_used ? CLI_NEW_PASSPHRASE_ENV : CLI_PASSPHRASE_ENV;
		rc = pass_from_env(var, out, len, e);
		if (rc == ARM_ENOTFOUND && getenv(CLI_PASSPHRASE_ENV) == NULL &&
		    getenv(CLI_NEW_PASSPHRASE_ENV) == NULL && pass_cached == NULL) {
			snprintf(prompt, sizeof(prompt), "new passphrase for %s: ", what);
			rc = cli_key_prompt(prompt, out, len, e);
			if (rc == ARM_OK)
				rc = cli_key_prompt("the same passphrase again: ", &again, &al, e);
			if (rc == ARM_OK && (al != *len || sodium_memcmp(again, *out, al) != 0))
				rc = arm_err_set(e, ARM_EUSAGE,
				                 "the two passphrases differ; nothing was written");
			sodium_free(again);
		} else if (rc == ARM_ENOTFOUND) {
			rc = arm_err_set(
			    e, ARM_EUSAGE,
			    "a new passphrase is needed: set %s (the current one is in %s) "
			    "or use --passphrase-fd",
			    CLI_NEW_PASSPHRASE_ENV, CLI_PASSPHRASE_ENV);
		}
	}
	if (rc == ARM_OK && *len < CLI_PASSPHRASE_MIN)
		rc = arm_err_set(e, ARM_ERULE,
		                 "a new passphrase must be at least %d bytes; nothing was written",
		                 CLI_PASSPHRASE_MIN);
	if (rc != ARM_OK) {
		sodium_free(*out);
		*out = NULL;
	}
	return rc;
}

/* ---- signer keys ---- */

int
cli_key_open_encrypted(const char *path, const char *text, size_t len, struct note_signer *s,
                       struct arm_err *e)
{
	struct keyfile kf;
	char what[NOTE_NAME_MAX + 4200], *pass = NULL;
	size_t pl = 0;
	int rc;

	memset(s, 0, sizeof(*s));
	if ((rc = keyfile_parse(&kf, text, len, e)) != ARM_OK) {
		arm_err_prefix(e, "'%s'", path);
		return rc;
	}
	snprintf(what, sizeof(what), "key %s (%s)", kf.verifier.name, path);
	if ((rc = cli_key_passphrase(0, what, &pass, &pl, e)) != ARM_OK)
		return rc;
	rc = keyfile_open(&kf, pass, pl, s, e);
	sodium_free(pass);
	if (rc != ARM_OK)
		arm_err_prefix(e, "'%s'", path);
	return rc;
}

int
cli_key_signer(const char *path, struct note_signer *s, struct arm_err *e)
{
	char *raw;
	size_t len = 0, line;
	int rc;

	memset(s, 0, sizeof(*s));
	if (p11uri_is(path))
		return cli_p11_signer(path, s, e);
	ARM_TRY(cli_key_read_private("signer key", path, KEYFILE_MAX, &raw, &len, e));
	if (keyfile_is_encrypted(raw, len)) {
		rc = cli_key_open_encrypted(path, raw, len, s, e);
		goto out;
	}
	if (len > KEY_FILE_MAX) {
		rc = arm_err_set(e, ARM_ELIMIT, "signer key '%s': file is larger than %d bytes",
		                 path, KEY_FILE_MAX);
		goto out;
	}
	line = first_line(raw, len);
	/* Only a final newline may follow the key line. */
	if (line + 1 < len) {
		rc =
		    arm_err_set(e, ARM_ESYNTAX,
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
		                   "verifier key '%s' is neither a readable file nor a key: %s",
		                   arg, strerror(errno));
	}
	rc = cli_read_file(arg, &b, e);
	if (rc == ARM_OK && b.len == 0)
		rc = arm_err_set(e, ARM_ESYNTAX, "verifier key '%s': the file is empty", arg);
	if (rc == ARM_OK) {
		rc = note_verifier_parse(v, (const char *)b.data,
		                         first_line((const char *)b.data, b.len), e);
		if (rc != ARM_OK)
			arm_err_prefix(e, "'%s'", arg);
	}
	buf_release(&b);
	return rc;
}
