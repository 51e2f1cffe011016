/*
 * sandbox.h - least privilege for `armistice serve` and `armistice witness`.
 *
 * A server needs root (or CAP_NET_BIND_SERVICE) for one thing only: to
 * bind a port below 1024. Everything it does afterwards (read and write
 * its log or state directory, read zone files, talk HTTP) needs no
 * privilege, so a bug in the HTTP path, libmicrohttpd, libfyaml, GEOS or
 * SQLite should yield no more than what that directory holds. The order,
 * from cmd_serve.c and cmd_witness.c:
 *
 *   sandbox_user()     resolve --user/--group (before anything is opened)
 *   sandbox_check()    refuse to start if the user cannot write the log or
 *                      state directory (or read the zones), naming the fix
 *   ...                read the secret key as root (it may be 0600 root)
 *   sandbox_listen()   bind the listening socket (the privileged step)
 *   sandbox_allow()    the directories the process needs from now on
 *   sandbox_enter()    drop to the user (setgroups, setgid, setuid, then
 *                      check that root cannot be regained) or, started as
 *                      root without --user, drop every capability; then
 *                      PR_SET_NO_NEW_PRIVS, a Landlock ruleset limited
 *                      to the allowed directories and a seccomp filter
 *                      refusing exec, ptrace, mount, namespaces, modules,
 *                      bpf and the like (EPERM)
 *   ...                open the log/state as the user, start threads
 *
 * sandbox_enter() must run before the process starts any thread: no new
 * privileges, capability sets and Landlock domains are per thread and
 * only inherited by threads created afterwards (landlock(7)). Files are
 * therefore opened after the drop, as the user, so that nothing the
 * server creates is owned by root.
 *
 * Landlock (Linux >= 5.13) is used through its raw system calls; a kernel
 * without it, or with ABI 1 (which forbids the cross-directory renames
 * the log's commit makes), gets a note and runs without it.
 *
 * Ownership: struct sandbox is the caller's; it holds copies of names and
 * borrowed path strings that must outlive sandbox_enter().
 */
#ifndef ARMISTICE_SANDBOX_H
#define ARMISTICE_SANDBOX_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "armistice/err.h"

#define SANDBOX_MAX_PATHS 32
#define SANDBOX_MAX_GROUPS 64

enum sandbox_access {
	SANDBOX_RO, /* read files and list directories */
	SANDBOX_RX, /* and map libraries (NSS modules loaded by the resolver) */
	SANDBOX_RW, /* and create, write, rename and remove beneath */
};

struct sandbox_path {
	const char *path; /* borrowed */
	enum sandbox_access access;
	bool required; /* refuse to start if it cannot be opened */
};

struct sandbox {
	const char *name; /* "serve", "witness": used in messages */
	bool have_user;
	char user[64];
	char group[64];
	uid_t uid;
	gid_t gid;
	gid_t groups[SANDBOX_MAX_GROUPS];
	int ngroups;

	struct sandbox_path paths[SANDBOX_MAX_PATHS];
	size_t npaths;

	/*
	 * The secret key is in a token (a PKCS#11 module): set by
	 * sandbox_external_key(). The module opens its own files and devices
	 * whenever it signs (SoftHSM rereads its token directory, a hardware
	 * token needs its device or pcscd's socket), which a Landlock ruleset
	 * limited to the log would break, so file access is then not limited
	 * by Landlock; the user drop, no-new-privileges and seccomp still apply.
	 */
	bool external_key;

	/* Filled by sandbox_enter(), printed by sandbox_report(). */
	bool root_without_user;
	int landlock_abi; /* 0: not used */
	char landlock_note[160];
	char seccomp_note[160];
	char probe[300];
	char probe_exec[80];
};

/*
 * Starts sb for server name ("serve"). user (a name or a number) and
 * group (or NULL: the user's primary group) are the --user and --group
 * arguments, user may be NULL. Refuses a user or group that does not
 * exist and --user when not started as root (unless it names the current
 * user). No privilege is dropped yet.
 */
int sandbox_user(struct sandbox *sb, const char *name, const char *user, const char *group,
                 struct arm_err *e) ARM_MUST_CHECK;

/*
 * When a --user was given: checks, in a child process that has already
 * become that user, that every directory beneath dir and every file in
 * it can be read and written by it (access RW), or that dir can be read
 * (RO). The error names the first path that fails and the command that
 * fixes it. Without --user it checks nothing.
 */
int sandbox_check(const struct sandbox *sb, const char *dir, enum sandbox_access access,
                  struct arm_err *e) ARM_MUST_CHECK;

/* The signer key is external (a PKCS#11 token): see struct sandbox. */
void sandbox_external_key(struct sandbox *sb);

/* Adds a path the process may use after sandbox_enter() (Landlock). */
int sandbox_allow(struct sandbox *sb, const char *path, enum sandbox_access access, bool required,
                  struct arm_err *e) ARM_MUST_CHECK;

/*
 * Adds what an HTTP client (libcurl) needs to reach a named host over
 * https: the resolver's files and modules and the CA certificates.
 */
int sandbox_allow_http_client(struct sandbox *sb, struct arm_err *e) ARM_MUST_CHECK;

/*
 * Binds and listens on "HOST:PORT" (httpd_parse_listen()) and returns the
 * socket in *fd, for httpd_opts.listen_fd. Called before sandbox_enter():
 * binding a port below 1024 is the one thing that needs privilege.
 */
int sandbox_listen(const char *listen, int *fd, struct arm_err *e) ARM_MUST_CHECK;

/*
 * Drops privileges and restricts the process as described above. Must be
 * called while the process has one thread. Any failure to drop is an
 * error (the server must not run with more than it asked for); a kernel
 * without Landlock is a note, not an error.
 */
int sandbox_enter(struct sandbox *sb, struct arm_err *e) ARM_MUST_CHECK;

/*
 * Prints what sandbox_enter() did, one line each, "armistice NAME: ...":
 * the loud warning when root runs without --user, the user, and the
 * Landlock state. If the environment variable ARMISTICE_SANDBOX_PROBE
 * names a file, the line "sandbox probe 'FILE': opened|refused (...)"
 * shows whether the sandboxed process can open it, and the line
 * "sandbox probe exec: ..." whether a child of it can run /bin/true
 * (used by the tests).
 */
void sandbox_report(const struct sandbox *sb, FILE *f);

#endif
