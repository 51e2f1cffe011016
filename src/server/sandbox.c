/*
 * sandbox.c - dropping privileges and restricting serve and witness
 * (sandbox.h). Linux: setgroups(2), setresgid(2), setresuid(2),
 * capabilities(7), prctl(2) PR_SET_NO_NEW_PRIVS, landlock(7).
 */
#include "server/sandbox.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "armistice/httpd.h"

/*
 * Landlock constants newer than the installed kernel headers (Debian 12
 * ships 6.1's): the values are the kernel's ABI and never change.
 */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14) /* ABI 3 */
#endif
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0) /* ABI 4 */
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0) /* ABI 6 */
#endif
#ifndef LANDLOCK_SCOPE_SIGNAL
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1) /* ABI 6 */
#endif

/* struct landlock_ruleset_attr as of ABI 6; older kernels take a prefix. */
struct sandbox_ll_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

#define LL_FS_ABI1                                                                                 \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |                              \
	 LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR |                              \
	 LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |                          \
	 LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR |                              \
	 LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |                              \
	 LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |                            \
	 LANDLOCK_ACCESS_FS_MAKE_SYM)
/* Rights that only mean something on a directory (landlock(7)). */
#define LL_FS_DIR_ONLY                                                                             \
	(LL_FS_ABI1 & ~(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |               \
	                LANDLOCK_ACCESS_FS_READ_FILE))

static int
sandbox_name_id(const char *s, unsigned long *out)
{
	char *end;

	errno = 0;
	if (*s < '0' || *s > '9')
		return -1;
	*out = strtoul(s, &end, 10);
	return (errno != 0 || *end != '\0' || *out >= (unsigned long)(uid_t)-1) ? -1 : 0;
}

int
sandbox_user(struct sandbox *sb, const char *name, const char *user, const char *group,
             struct arm_err *e)
{
	struct passwd *pw;
	struct group *gr;
	unsigned long id;
	int n = SANDBOX_MAX_GROUPS;

	memset(sb, 0, sizeof(*sb));
	sb->name = name;
	if (user == NULL) {
		if (group != NULL)
			return arm_err_set(e, ARM_EUSAGE, "%s: --group needs --user", name);
		return ARM_OK;
	}
	/* getpwnam() reads /etc/passwd or NSS: done now, before any restriction. */
	pw = getpwnam(user);
	if (pw == NULL && sandbox_name_id(user, &id) == 0)
		pw = getpwuid((uid_t)id);
	if (pw == NULL)
		return arm_err_set(e, ARM_ENOTFOUND, "%s: --user '%s': no such user", name, user);
	if (pw->pw_uid == 0)
		return arm_err_set(e, ARM_EUSAGE,
		                   "%s: --user '%s' is root; name an unprivileged user", name,
		                   user);
	sb->have_user = true;
	sb->uid = pw->pw_uid;
	sb->gid = pw->pw_gid;
	snprintf(sb->user, sizeof(sb->user), "%s", pw->pw_name);
	if (group != NULL) {
		gr = getgrnam(group);
		if (gr == NULL && sandbox_name_id(group, &id) == 0)
			gr = getgrgid((gid_t)id);
		if (gr == NULL)
			return arm_err_set(e, ARM_ENOTFOUND, "%s: --group '%s': no such group",
			                   name, group);
		if (gr->gr_gid == 0)
			return arm_err_set(e, ARM_EUSAGE,
			                   "%s: --group '%s' is root's group; name another", name,
			                   group);
		sb->gid = gr->gr_gid;
	}
	gr = getgrgid(sb->gid);
	if (gr != NULL)
		snprintf(sb->group, sizeof(sb->group), "%s", gr->gr_name);
	else
		snprintf(sb->group, sizeof(sb->group), "%lu", (unsigned long)sb->gid);
	/* The user's supplementary groups, as login would set them (initgroups). */
	if (getgrouplist(sb->user, sb->gid, sb->groups, &n) < 0)
		return arm_err_set(e, ARM_ELIMIT, "%s: --user '%s' is in more than %d groups", name,
		                   user, SANDBOX_MAX_GROUPS);
	for (int i = 0; i < n; i++)
		if (sb->groups[i] == 0)
			return arm_err_set(e, ARM_EUSAGE,
			                   "%s: --user '%s' is in root's group; name another user",
			                   name, user);
	sb->ngroups = n;
	if (geteuid() != 0 && geteuid() != sb->uid)
		return arm_err_set(e, ARM_EUSAGE,
		                   "%s: --user '%s' needs the server to be started as root "
		                   "(it binds, then drops to that user)",
		                   name, user);
	return ARM_OK;
}

/* Becomes the user for good; the caller is single-threaded. */
static int
sandbox_become(const struct sandbox *sb, struct arm_err *e)
{
	uid_t r, ef, s;
	gid_t gr, ge, gs;

	if (getuid() == sb->uid && geteuid() == sb->uid)
		return ARM_OK; /* started as that user already */
	if (setgroups((size_t)sb->ngroups, sb->groups) != 0)
		return arm_err_set(e, ARM_EIO, "%s: setgroups for '%s': %s", sb->name, sb->user,
		                   strerror(errno));
	if (setresgid(sb->gid, sb->gid, sb->gid) != 0)
		return arm_err_set(e, ARM_EIO, "%s: setresgid(%lu): %s", sb->name,
		                   (unsigned long)sb->gid, strerror(errno));
	if (setresuid(sb->uid, sb->uid, sb->uid) != 0)
		return arm_err_set(e, ARM_EIO, "%s: setresuid(%lu): %s", sb->name,
		                   (unsigned long)sb->uid, strerror(errno));
	/* Verify: every id is the user's, and root cannot be had back. */
	if (getresuid(&r, &ef, &s) != 0 || r != sb->uid || ef != sb->uid || s != sb->uid ||
	    getresgid(&gr, &ge, &gs) != 0 || gr != sb->gid || ge != sb->gid || gs != sb->gid)
		return arm_err_set(e, ARM_EIO, "%s: the ids did not change to '%s'", sb->name,
		                   sb->user);
	if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0 || setegid(0) == 0)
		return arm_err_set(e, ARM_EIO, "%s: root could be regained after dropping to '%s'",
		                   sb->name, sb->user);
	return ARM_OK;
}

/* ---- the check, run as the user in a child process ---- */

static char check_bad[PATH_MAX + 64];

static int
sandbox_check_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	int want;

	(void)st;
	(void)ftw;
	if (flag == FTW_DNR || flag == FTW_NS) {
		snprintf(check_bad, sizeof(check_bad), "%s' (%s", path,
		         flag == FTW_DNR ? "cannot list it" : "cannot see it");
		return 1;
	}
	if (flag == FTW_SL)
		return 0; /* the log and state never hold symlinks; not followed */
	if (flag == FTW_D)
		want = R_OK | W_OK | X_OK;
	else
		want = R_OK | W_OK;
	if (access(path, want) != 0) {
		snprintf(check_bad, sizeof(check_bad), "%s' (%s", path, strerror(errno));
		return 1;
	}
	return 0;
}

int
sandbox_check(const struct sandbox *sb, const char *dir, enum sandbox_access access,
              struct arm_err *e)
{
	int p[2], status;
	pid_t pid;
	char msg[PATH_MAX + 128];
	ssize_t n;
	size_t got = 0;

	if (!sb->have_user)
		return ARM_OK;
	if (pipe2(p, O_CLOEXEC) != 0)
		return arm_err_set(e, ARM_EIO, "%s: pipe: %s", sb->name, strerror(errno));
	fflush(NULL);
	if ((pid = fork()) < 0) {
		close(p[0]);
		close(p[1]);
		return arm_err_set(e, ARM_EIO, "%s: fork: %s", sb->name, strerror(errno));
	}
	if (pid == 0) {
		struct arm_err ce;
		close(p[0]);
		check_bad[0] = '\0';
		if (sandbox_become(sb, &ce) != ARM_OK) {
			(void)!write(p[1], ce.msg, strlen(ce.msg));
			_exit(2);
		}
		/*
		 * A read-only directory (zones) is checked itself, not walked:
		 * the agreement names the files read from it, and an unrelated
		 * unreadable file there must not stop the server.
		 */
		if (access == SANDBOX_RO && faccessat(AT_FDCWD, dir, R_OK | X_OK, 0) != 0) {
			snprintf(check_bad, sizeof(check_bad), "%s' (%s", dir, strerror(errno));
			(void)!write(p[1], check_bad, strlen(check_bad));
			_exit(1);
		}
		if (access == SANDBOX_RW && nftw(dir, sandbox_check_one, 16, FTW_PHYS) != 0) {
			if (check_bad[0] == '\0')
				snprintf(check_bad, sizeof(check_bad), "%s' (%s", dir,
				         strerror(errno));
			(void)!write(p[1], check_bad, strlen(check_bad));
			_exit(1);
		}
		_exit(0);
	}
	close(p[1]);
	while (got + 1 < sizeof(msg) && (n = read(p[0], msg + got, sizeof(msg) - 1 - got)) > 0)
		got += (size_t)n;
	msg[got] = '\0';
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return ARM_OK;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 2)
		return arm_err_set(e, ARM_EIO, "%s", msg);
	if (access == SANDBOX_RW)
		return arm_err_set(e, ARM_EIO,
		                   "%s: --user %s cannot use '%s): the directory and everything in "
		                   "it must belong to that user: chown -R %s:%s '%s'",
		                   sb->name, sb->user, msg, sb->user, sb->group, dir);
	return arm_err_set(e, ARM_EIO,
	                   "%s: --user %s cannot read '%s): make it readable: chmod -R a+rX '%s' "
	                   "(or chown -R %s:%s '%s')",
	                   sb->name, sb->user, msg, dir, sb->user, sb->group, dir);
}

int
sandbox_allow(struct sandbox *sb, const char *path, enum sandbox_access access, bool required,
              struct arm_err *e)
{
	if (sb->npaths == SANDBOX_MAX_PATHS)
		return arm_err_set(e, ARM_ELIMIT, "%s: more than %d sandbox paths", sb->name,
		                   SANDBOX_MAX_PATHS);
	sb->paths[sb->npaths].path = path;
	sb->paths[sb->npaths].access = access;
	sb->paths[sb->npaths].required = required;
	sb->npaths++;
	return ARM_OK;
}

int
sandbox_allow_http_client(struct sandbox *sb, struct arm_err *e)
{
	/*
	 * getaddrinfo() reads these and loads libnss_* modules (RX); libcurl
	 * with OpenSSL reads its CA bundle or directory (curl_version_info()
	 * names the ones it was built with) and openssl.cnf under /etc/ssl.
	 */
	static const char *const ro[] = {
	    "/etc/hosts",    "/etc/resolv.conf", "/etc/nsswitch.conf", "/etc/host.conf",
	    "/etc/gai.conf", "/etc/services",    "/etc/ssl",           "/usr/share/ca-certificates",
	};
	static const char *const rx[] = {"/lib", "/usr/lib", "/lib64"};
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
	size_t i;

	for (i = 0; i < sizeof(ro) / sizeof(ro[0]); i++)
		ARM_TRY(sandbox_allow(sb, ro[i], SANDBOX_RO, false, e));
	for (i = 0; i < sizeof(rx) / sizeof(rx[0]); i++)
		ARM_TRY(sandbox_allow(sb, rx[i], SANDBOX_RX, false, e));
	if (v != NULL && v->age >= CURLVERSION_SEVENTH) {
		if (v->cainfo != NULL)
			ARM_TRY(sandbox_allow(sb, v->cainfo, SANDBOX_RO, false, e));
		if (v->capath != NULL)
			ARM_TRY(sandbox_allow(sb, v->capath, SANDBOX_RO, false, e));
	}
	return ARM_OK;
}

int
sandbox_listen(const char *listen_at, int *fd, struct arm_err *e)
{
	struct sockaddr_storage ss;
	size_t slen;
	int s, one = 1;

	*fd = -1;
	ARM_TRY(httpd_parse_listen(listen_at, &ss, &slen, e));
	s = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s < 0)
		return arm_err_set(e, ARM_EIO, "cannot listen on '%s': socket: %s", listen_at,
		                   strerror(errno));
	(void)setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		(void)setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	/*
	 * SO_REUSEADDR only lets a restart bind over connections in TIME_WAIT;
	 * no SO_REUSEPORT: two servers never answer on one port.
	 */
	if (bind(s, (struct sockaddr *)&ss, (socklen_t)slen) != 0 || listen(s, SOMAXCONN) != 0) {
		int err = errno;
		close(s);
		return arm_err_set(e, ARM_EIO, "cannot listen on %s: %s%s", listen_at,
		                   strerror(err),
		                   err == EADDRINUSE ? " (another server is listening there)" : "");
	}
	/* httpd_opts.listen_fd treats 0 as "none": keep the socket off 0..2. */
	if (s <= 2) {
		int d = fcntl(s, F_DUPFD_CLOEXEC, 3);
		close(s);
		if (d < 0)
			return arm_err_set(e, ARM_EIO, "cannot listen on '%s': %s", listen_at,
			                   strerror(errno));
		s = d;
	}
	*fd = s;
	return ARM_OK;
}

/* Empties every capability set of the calling (only) thread, becoming the user if any. */
static int
sandbox_drop_caps(const struct sandbox *sb, struct arm_err *e)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	int cap;

	/*
	 * The bounding set first: dropping it needs CAP_SETPCAP, which root
	 * still holds. A user started with a capability (systemd's
	 * AmbientCapabilities=CAP_NET_BIND_SERVICE) lacks it (EPERM): its
	 * bounding set only matters across execve, which no-new-privileges
	 * stops from adding anything.
	 */
	for (cap = 0; cap < 64; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL &&
		    !(errno == EPERM && geteuid() != 0))
			return arm_err_set(e, ARM_EIO,
			                   "%s: cannot drop capability %d from the bounding "
			                   "set: %s",
			                   sb->name, cap, strerror(errno));
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	/*
	 * setresuid() to a user empties the other sets (capabilities(7));
	 * root staying root empties them here. Either way after setgroups.
	 */
	if (sb->have_user)
		return sandbox_become(sb, e);
	memset(d, 0, sizeof(d));
	if (syscall(SYS_capset, &h, d) != 0)
		return arm_err_set(e, ARM_EIO, "%s: capset: %s", sb->name, strerror(errno));
	return ARM_OK;
}

static int
sandbox_caps_empty(void)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &h, d) != 0)
		return 0;
	for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		if (d[i].effective || d[i].permitted || d[i].inheritable)
			return 0;
	return 1;
}

static uint64_t
sandbox_ll_rights(enum sandbox_access a, uint64_t handled, bool is_dir)
{
	uint64_t r = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;

	if (a == SANDBOX_RX)
		r |= LANDLOCK_ACCESS_FS_EXECUTE;
	if (a == SANDBOX_RW)
		/* What the log's commit and SQLite do: no devices, fifos, sockets, links. */
		r |= LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |
		     LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_DIR |
		     LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_REFER |
		     LANDLOCK_ACCESS_FS_TRUNCATE;
	if (!is_dir)
		r &= ~(LL_FS_DIR_ONLY | LANDLOCK_ACCESS_FS_REFER);
	return r & handled;
}

void
sandbox_external_key(struct sandbox *sb)
{
	sb->external_key = true;
}

static int
sandbox_landlock(struct sandbox *sb, struct arm_err *e)
{
	struct sandbox_ll_attr attr;
	size_t attr_size;
	long abi;
	int rfd;
	size_t added = 0;

	if (sb->external_key) {
		snprintf(
		    sb->landlock_note, sizeof(sb->landlock_note),
		    "landlock: not used: the key is in a PKCS#11 token, whose module opens its "
		    "own files when it signs; file access is limited by the user's permissions");
		return ARM_OK;
	}
	abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 0) {
		snprintf(
		    sb->landlock_note, sizeof(sb->landlock_note),
		    "landlock: not used (%s): file access is limited by the user's permissions "
		    "only",
		    errno == EOPNOTSUPP ? "disabled in this kernel"
		                        : "this kernel has no Landlock (Linux >= 5.13)");
		return ARM_OK;
	}
	if (abi < 2) {
		/* ABI 1 refuses every rename across directories, which a commit makes. */
		snprintf(
		    sb->landlock_note, sizeof(sb->landlock_note),
		    "landlock: not used (ABI 1 cannot allow the log's renames; Linux >= 5.19 can)");
		return ARM_OK;
	}
	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = LL_FS_ABI1 | LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		attr.handled_access_fs |= LANDLOCK_ACCESS_FS_TRUNCATE;
	attr_size = sizeof(attr.handled_access_fs);
	if (abi >= 4) {
		/* No new listening port once ours is bound; outgoing connections stay. */
		attr.handled_access_net = LANDLOCK_ACCESS_NET_BIND_TCP;
		attr_size += sizeof(attr.handled_access_net);
	}
	if (abi >= 6) {
		attr.scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL;
		attr_size += sizeof(attr.scoped);
	}
	rfd = (int)syscall(SYS_landlock_create_ruleset, &attr, attr_size, 0);
	if (rfd < 0)
		return arm_err_set(e, ARM_EIO, "%s: landlock_create_ruleset: %s", sb->name,
		                   strerror(errno));
	for (size_t i = 0; i < sb->npaths; i++) {
		struct landlock_path_beneath_attr pb;
		struct stat st;
		int fd = open(sb->paths[i].path, O_PATH | O_CLOEXEC);

		if (fd < 0 || fstat(fd, &st) != 0) {
			int err = errno;
			if (fd >= 0)
				close(fd);
			if (!sb->paths[i].required)
				continue;
			close(rfd);
			return arm_err_set(e, ARM_EIO, "%s: sandbox: cannot open '%s': %s",
			                   sb->name, sb->paths[i].path, strerror(err));
		}
		memset(&pb, 0, sizeof(pb));
		pb.parent_fd = fd;
		pb.allowed_access = sandbox_ll_rights(sb->paths[i].access, attr.handled_access_fs,
		                                      S_ISDIR(st.st_mode));
		if (syscall(SYS_landlock_add_rule, rfd, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) != 0) {
			int err = errno;
			close(fd);
			close(rfd);
			return arm_err_set(e, ARM_EIO, "%s: landlock_add_rule '%s': %s", sb->name,
			                   sb->paths[i].path, strerror(err));
		}
		close(fd);
		added++;
	}
	if (syscall(SYS_landlock_restrict_self, rfd, 0) != 0) {
		int err = errno;
		close(rfd);
		return arm_err_set(e, ARM_EIO, "%s: landlock_restrict_self: %s", sb->name,
		                   strerror(err));
	}
	close(rfd);
	sb->landlock_abi = (int)abi;
	snprintf(sb->landlock_note, sizeof(sb->landlock_note),
	         "landlock: on (ABI %ld): files only beneath the %zu allowed paths%s", abi, added,
	         abi >= 4 ? ", no new listening port" : "");
	return ARM_OK;
}

/* Whether a child of the sandboxed process can run a program (it should not). */
static void
sandbox_probe_exec(struct sandbox *sb)
{
	pid_t pid;
	int status;

	fflush(NULL);
	if ((pid = fork()) == 0) {
		char *const argv[] = {(char *)"true", NULL};
		execv("/bin/true", argv);
		_exit(errno == EPERM ? 3 : errno == EACCES ? 4 : 5);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return;
	snprintf(sb->probe_exec, sizeof(sb->probe_exec), "sandbox probe exec: %s",
	         WEXITSTATUS(status) == 0   ? "ran /bin/true"
	         : WEXITSTATUS(status) == 3 ? "refused (Operation not permitted)"
	         : WEXITSTATUS(status) == 4 ? "refused (Permission denied)"
	                                    : "failed");
}

/*
 * The system calls a server never makes once it serves, refused with
 * EPERM by a seccomp filter (seccomp(2)): running programs, debugging
 * other processes or itself, namespaces and mounts, kernel modules and
 * keyrings, BPF and perf, the clock and the host name. A denylist, not an
 * allowlist: libmicrohttpd, libcurl, SQLite, GEOS and glibc choose their
 * own calls across versions, and a missing one in an allowlist would
 * take the log down; the systemd units add @system-service on top.
 */
static const long sandbox_denied[] = {
    SYS_execve,
    SYS_execveat,
    SYS_ptrace,
    SYS_process_vm_readv,
    SYS_process_vm_writev,
    SYS_mount,
    SYS_umount2,
    SYS_pivot_root,
    SYS_chroot,
    SYS_unshare,
    SYS_setns,
    SYS_init_module,
    SYS_finit_module,
    SYS_delete_module,
    SYS_kexec_load,
    SYS_reboot,
    SYS_swapon,
    SYS_swapoff,
    SYS_bpf,
    SYS_perf_event_open,
    SYS_userfaultfd,
    SYS_keyctl,
    SYS_add_key,
    SYS_request_key,
    SYS_acct,
    SYS_settimeofday,
    SYS_clock_settime,
    SYS_clock_adjtime,
    SYS_adjtimex,
    SYS_sethostname,
    SYS_setdomainname,
    SYS_open_by_handle_at,
    SYS_name_to_handle_at,
    SYS_quotactl,
    SYS_fanotify_init,
    SYS_vhangup,
    SYS_personality,
    SYS_syslog,
    SYS_mknodat,
#ifdef SYS_kexec_file_load
    SYS_kexec_file_load,
#endif
#ifdef SYS_iopl
    SYS_iopl,
    SYS_ioperm,
#endif
#ifdef SYS_mknod
    SYS_mknod,
#endif
#ifdef SYS_uselib
    SYS_uselib,
#endif
#ifdef SYS_fsopen
    SYS_fsopen,
    SYS_fsmount,
    SYS_move_mount,
    SYS_open_tree,
#endif
};

#if defined(__x86_64__)
#define SANDBOX_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SANDBOX_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

/* LeakSanitizer stops the process's threads with ptrace at exit. */
#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_ASAN 1
#endif
#endif

static int
sandbox_seccomp(struct sandbox *sb, struct arm_err *e)
{
#ifdef SANDBOX_AUDIT_ARCH
	enum { N = sizeof(sandbox_denied) / sizeof(sandbox_denied[0]) };
	struct sock_filter f[N + 8];
	struct sock_fprog prog;
	size_t n = 0, deny, i;

	/* Another ABI (i386 through int 0x80) would get around the numbers: kill. */
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	                                      offsetof(struct seccomp_data, arch));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SANDBOX_AUDIT_ARCH, 1, 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	                                      offsetof(struct seccomp_data, nr));
	deny = n + 1 + N + 1; /* after the x32 check, the list and the allow */
#if defined(__x86_64__)
	/* x32 system calls carry bit 30; none is used. */
	f[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u,
	                                    (uint8_t)(deny - n - 1), 0);
#else
	f[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA, 0, 0, 0);
#endif
	n++;
	for (i = 0; i < N; i++, n++) {
		long nr = sandbox_denied[i];
#ifdef SANDBOX_ASAN
		if (nr == SYS_ptrace)
			nr = -1; /* never matches */
#endif
		f[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr,
		                                    (uint8_t)(deny - n - 1), 0);
	}
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[n++] =
	    (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & 0xffff));
	prog.len = (unsigned short)n;
	prog.filter = f;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0) {
		if (errno == EINVAL) {
			snprintf(sb->seccomp_note, sizeof(sb->seccomp_note),
			         "seccomp: not used (this kernel has no seccomp filters)");
			return ARM_OK;
		}
		return arm_err_set(e, ARM_EIO, "%s: seccomp filter: %s", sb->name, strerror(errno));
	}
	snprintf(
	    sb->seccomp_note, sizeof(sb->seccomp_note),
	    "seccomp: on: %d system calls refused (no exec, ptrace, mount, namespaces, modules, "
	    "bpf)",
	    (int)N);
	return ARM_OK;
#else
	(void)e;
	snprintf(sb->seccomp_note, sizeof(sb->seccomp_note),
	         "seccomp: not used (no filter for this architecture)");
	return ARM_OK;
#endif
}

int
sandbox_enter(struct sandbox *sb, struct arm_err *e)
{
	const char *probe;

	/* Device files and time zone data every process may touch. */
	ARM_TRY(sandbox_allow(sb, "/dev/urandom", SANDBOX_RO, false, e));
	ARM_TRY(sandbox_allow(sb, "/dev/null", SANDBOX_RO, false, e));
	/* glibc and the sanitizers read the process's own /proc and the CPU list. */
	ARM_TRY(sandbox_allow(sb, "/proc/self", SANDBOX_RO, false, e));
	ARM_TRY(sandbox_allow(sb, "/sys/devices/system/cpu", SANDBOX_RO, false, e));
	tzset(); /* reads /etc/localtime once, now */

	if (geteuid() == 0) {
		sb->root_without_user = !sb->have_user;
		ARM_TRY(sandbox_drop_caps(sb, e));
	} else {
		if (sb->have_user)
			ARM_TRY(sandbox_become(sb, e));
		if (!sandbox_caps_empty()) {
			/* Started with a capability, e.g. to bind port 443 under systemd. */
			struct sandbox plain = *sb;
			plain.have_user = false;
			ARM_TRY(sandbox_drop_caps(&plain, e));
		}
	}
	if (!sandbox_caps_empty())
		return arm_err_set(e, ARM_EIO, "%s: capabilities remain after dropping them",
		                   sb->name);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return arm_err_set(e, ARM_EIO, "%s: PR_SET_NO_NEW_PRIVS: %s", sb->name,
		                   strerror(errno));
	ARM_TRY(sandbox_landlock(sb, e));
	ARM_TRY(sandbox_seccomp(sb, e));

	if ((probe = getenv("ARMISTICE_SANDBOX_PROBE")) != NULL && probe[0] != '\0') {
		int fd = open(probe, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			close(fd);
			snprintf(sb->probe, sizeof(sb->probe), "sandbox probe '%.200s': opened",
			         probe);
		} else {
			snprintf(sb->probe, sizeof(sb->probe),
			         "sandbox probe '%.200s': refused (%s)", probe, strerror(errno));
		}
		sandbox_probe_exec(sb);
	}
	return ARM_OK;
}

void
sandbox_report(const struct sandbox *sb, FILE *f)
{
	if (sb->root_without_user)
		fprintf(f,
		        "armistice %s: WARNING: running as root without --user; every capability "
		        "is dropped but files are still root's: use --user (see docs/deploy.md)\n",
		        sb->name);
	if (sb->have_user)
		fprintf(f,
		        "armistice %s: running as user %s (uid %lu) group %s (gid %lu), no new "
		        "privileges\n",
		        sb->name, sb->user, (unsigned long)sb->uid, sb->group,
		        (unsigned long)sb->gid);
	if (sb->landlock_note[0] != '\0')
		fprintf(f, "armistice %s: %s\n", sb->name, sb->landlock_note);
	if (sb->seccomp_note[0] != '\0')
		fprintf(f, "armistice %s: %s\n", sb->name, sb->seccomp_note);
	if (sb->probe[0] != '\0')
		fprintf(f, "armistice %s: %s\n", sb->name, sb->probe);
	if (sb->probe_exec[0] != '\0')
		fprintf(f, "armistice %s: %s\n", sb->name, sb->probe_exec);
}
