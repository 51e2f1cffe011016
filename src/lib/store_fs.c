/*
 * store_fs.c - the directory store: the C2SP tlog-tiles layout as plain
 * files, so that nginx or a CDN can publish DIR as it is. See store.h.
 *
 * Durability follows the usual POSIX recipe (Tessera's POSIX driver,
 * Sunlight): write a temporary file, fsync it, rename it into place, then
 * fsync the directory that holds the new name. Temporary files live in
 * DIR/.armistice/tmp/ (same file system, so rename() is atomic), which
 * makes crash recovery one directory to empty instead of a tree to walk.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "armistice/store.h"
#include "armistice/common.h"

#define PRIV ".armistice"
#define TMPDIR PRIV "/tmp"
#define COMMIT PRIV "/commit"
#define LOCKFILE PRIV "/lock"
#define PATH_CAP 4096
/* Batches of more files than this are synced with syncfs() (see below). */
#ifndef STORE_FS_SYNCFS_FILES
#define STORE_FS_SYNCFS_FILES 8
#endif

struct store_fs {
	char *dir;  /* as given, for messages */
	int dirfd;  /* DIR */
	int tmpfd;  /* DIR/.armistice/tmp */
	int lockfd; /* -1 unless this store holds the writer lock */
	atomic_uint tmpseq;
};

/* ---- fault injection (tests only; disarmed unless a test arms it) ---- */

static atomic_int fault_kind;
static atomic_uint fault_nth;
static atomic_uint fault_seen[5];

void
store_fs_fault_inject(enum store_fault kind, unsigned nth)
{
	unsigned i;

	for (i = 0; i < ARM_ARRAY_LEN(fault_seen); i++)
		atomic_store(&fault_seen[i], 0);
	atomic_store(&fault_nth, nth);
	atomic_store(&fault_kind, (int)kind);
}

unsigned
store_fs_fault_count(enum store_fault kind)
{
	if ((unsigned)kind >= ARM_ARRAY_LEN(fault_seen))
		return 0;
	return atomic_load(&fault_seen[kind]);
}

/* True if this operation of kind is the one to fail; counts it. */
static int
fault_hit(enum store_fault kind)
{
	unsigned seen = atomic_fetch_add(&fault_seen[kind], 1) + 1;

	if (atomic_load(&fault_kind) != (int)kind)
		return 0;
	if (seen != atomic_load(&fault_nth))
		return 0;
	atomic_store(&fault_kind, STORE_FAULT_NONE);
	return 1;
}

static ssize_t
fs_write(int fd, const void *p, size_t n)
{
	if (fault_hit(STORE_FAULT_WRITE)) {
		errno = EIO;
		return -1;
	}
	/* The ENOSPC count shares the write counter's moments. */
	if (fault_hit(STORE_FAULT_ENOSPC)) {
		errno = ENOSPC;
		return -1;
	}
	return write(fd, p, n);
}

static int
fs_fsync(int fd)
{
	if (fault_hit(STORE_FAULT_FSYNC)) {
		errno = EIO;
		return -1;
	}
	return fsync(fd);
}

/* syncfs() shares the fsync fault counter: it is the same promise. */
static int
fs_syncfs(int fd)
{
	if (fault_hit(STORE_FAULT_FSYNC)) {
		errno = EIO;
		return -1;
	}
	return syncfs(fd);
}

static int
fs_rename(int ofd, const char *old, int nfd, const char *new_path)
{
	if (fault_hit(STORE_FAULT_RENAME)) {
		errno = EIO;
		return -1;
	}
	return renameat(ofd, old, nfd, new_path);
}

/* ---- helpers ---- */

static struct store_fs *
fs_of(struct store *s)
{
	return s->impl;
}

/*
 * Paths come from tile_path() or are the fixed names, but a store is an
 * API boundary: refuse anything that could leave DIR or reach .armistice.
 * Every store applies the same rule (store.h).
 */
int
store_path_ok(const char *p, struct arm_err *e)
{
	const char *c = p;
	size_t seg = 0;

	if (*p == '\0' || *p == '/' || strlen(p) >= PATH_CAP)
		goto bad;
	for (; *c; c++) {
		if (*c == '/') {
			if (seg == 0)
				goto bad;
			seg = 0;
			continue;
		}
		if (seg == 0 && *c == '.')
			goto bad; /* no "..", no hidden names */
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '-'))
			goto bad;
		seg++;
	}
	if (seg == 0)
		goto bad;
	return ARM_OK;
bad:
	return arm_err_set(e, ARM_EUSAGE, "store path '%.200s' is not a tile-layout path", p);
}

static int
io_err(struct arm_err *e, int err, const char *what, const char *dir, const char *path)
{
	return arm_err_set(e, err == ENOENT ? ARM_ENOTFOUND : ARM_EIO, "cannot %s '%s/%s': %s",
	                   what, dir, path, strerror(err));
}

static int
fsync_dirat(struct store_fs *fs, const char *rel, struct arm_err *e)
{
	int fd = openat(fs->dirfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int err;

	if (fd < 0)
		return io_err(e, errno, "open directory", fs->dir, rel);
	if (fs_fsync(fd) != 0) {
		err = errno;
		close(fd);
		return io_err(e, err, "fsync directory", fs->dir, rel);
	}
	close(fd);
	return ARM_OK;
}

/* Creates the parents of path; each new directory's parent is synced. */
static int
mkparents(struct store_fs *fs, const char *path, struct arm_err *e)
{
	char tmp[PATH_CAP];
	char *slash;
	size_t n = strlen(path);

	memcpy(tmp, path, n + 1);
	for (slash = strchr(tmp, '/'); slash != NULL; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdirat(fs->dirfd, tmp, 0755) == 0) {
			char *up = strrchr(tmp, '/');
			int rc;
			if (up != NULL) {
				*up = '\0';
				rc = fsync_dirat(fs, tmp, e);
				*up = '/';
			} else {
				rc = fsync_dirat(fs, ".", e);
			}
			if (rc != ARM_OK)
				return rc;
		} else if (errno != EEXIST) {
			return io_err(e, errno, "create directory", fs->dir, tmp);
		}
		*slash = '/';
	}
	return ARM_OK;
}

/* Writes data to a fresh fsync'ed temporary file; its name goes to name. */
static int
write_tmp(struct store_fs *fs, const uint8_t *data, size_t len, bool sync, char name[64],
          struct arm_err *e)
{
	int fd, err;
	size_t off = 0;

	snprintf(name, 64, "%ld.%u", (long)getpid(), atomic_fetch_add(&fs->tmpseq, 1));
	fd = openat(fs->tmpfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return io_err(e, errno, "create", fs->dir, TMPDIR "/...");
	while (off < len) {
		ssize_t w = fs_write(fd, data + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)w;
	}
	if (sync && fs_fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		err = errno;
		unlinkat(fs->tmpfd, name, 0);
		return arm_err_set(e, ARM_EIO, "cannot write '%s/%s/%s': %s", fs->dir, TMPDIR, name,
		                   strerror(err));
	}
	return ARM_OK;
fail:
	err = errno;
	close(fd);
	unlinkat(fs->tmpfd, name, 0);
	return arm_err_set(e, ARM_EIO, "cannot write '%s/%s/%s': %s", fs->dir, TMPDIR, name,
	                   strerror(err));
}

/* The directory part of path ("." for a top-level name) into out. */
static void
parent_of(const char *path, char *out, size_t cap)
{
	const char *slash = strrchr(path, '/');
	size_t n;

	if (slash == NULL) {
		snprintf(out, cap, ".");
		return;
	}
	n = (size_t)(slash - path);
	if (n >= cap)
		n = cap - 1;
	memcpy(out, path, n);
	out[n] = '\0';
}

/* Temp, fsync, rename to dest (relative to DIR), fsync dest's directory. */
static int
replace_one(struct store_fs *fs, const char *dest, const uint8_t *data, size_t len,
            struct arm_err *e)
{
	char name[64], parent[PATH_CAP];
	int err;

	ARM_TRY(write_tmp(fs, data, len, true, name, e));
	if (fs_rename(fs->tmpfd, name, fs->dirfd, dest) != 0) {
		err = errno;
		unlinkat(fs->tmpfd, name, 0);
		return io_err(e, err, "rename into", fs->dir, dest);
	}
	parent_of(dest, parent, sizeof(parent));
	return fsync_dirat(fs, parent, e);
}

/* ---- the vtable ---- */

/* Reads any path under DIR, private ones included: internal callers only. */
static int
read_rel(struct store_fs *fs, const char *path, struct buf *out, struct arm_err *e)
{
	uint8_t chunk[65536];
	int fd, err;
	ssize_t n;

	fd = openat(fs->dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return arm_err_set(e, ARM_ENOTFOUND, "'%s/%s' is missing", fs->dir, path);
		return io_err(e, errno, "open", fs->dir, path);
	}
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (buf_append(out, chunk, (size_t)n, e) != ARM_OK) {
			close(fd);
			arm_err_prefix(e, "'%s/%s'", fs->dir, path);
			return e ? e->rc : ARM_ELIMIT;
		}
	}
	err = errno;
	close(fd);
	if (n < 0)
		return io_err(e, err, "read", fs->dir, path);
	return ARM_OK;
}

static int
fs_read(struct store *s, const char *path, struct buf *out, struct arm_err *e)
{
	ARM_TRY(store_path_ok(path, e));
	return read_rel(fs_of(s), path, out, e);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
write_files(struct store_fs *fs, const struct store_file *files, size_t n, bool force_syncfs,
            struct arm_err *e)
{
	char(*names)[64] = NULL;
	char **parents = NULL;
	size_t i, done = 0, np = 0;
	bool many;
	int rc = ARM_OK, err;

	if (n == 0)
		return ARM_OK;
	names = calloc(n, sizeof(*names));
	parents = calloc(n, sizeof(*parents));
	if (names == NULL || parents == NULL) {
		rc = arm_err_set(e, ARM_ENOMEM, "out of memory writing a batch of %zu files", n);
		goto out;
	}
	for (i = 0; i < n; i++)
		if ((rc = store_path_ok(files[i].path, e)) != ARM_OK)
			goto out;
	/*
	 * 1. Every file's bytes under a temporary name. A batch of many files
	 * is made durable with one syncfs() instead of an fsync() per file: on
	 * a journaling file system each fsync() of a new file is a journal
	 * commit of its own, and a batch of 65,536 entries has over 500 files.
	 * That one syncfs() comes after the renames (step 3): every name a
	 * batch writes is new and beyond the commit record (tiles only grow,
	 * a partial tile's width is in its name), so until the commit record
	 * moves no reader looks at them and recovery removes them; the bytes
	 * and the names need to be durable only before the commit record.
	 */
	many = force_syncfs || n > STORE_FS_SYNCFS_FILES;
	for (done = 0; done < n; done++)
		if ((rc = write_tmp(fs, files[done].data, files[done].len, !many, names[done],
		                    e)) != ARM_OK)
			goto out;
	/* 2. Into place. A crash here leaves some files beyond the commit record. */
	for (i = 0; i < n; i++) {
		if ((rc = mkparents(fs, files[i].path, e)) != ARM_OK)
			goto out;
		if (fs_rename(fs->tmpfd, names[i], fs->dirfd, files[i].path) != 0) {
			err = errno;
			rc = io_err(e, err, "rename into", fs->dir, files[i].path);
			goto out;
		}
		names[i][0] = '\0';
	}
	/*
	 * 3. One syncfs() for the bytes and the names of the whole batch (and
	 * whatever the caller wrote to tmp/ before: the commit record's next
	 * version), or each destination directory once.
	 */
	if (many) {
		if (fs_syncfs(fs->dirfd) != 0)
			rc = io_err(e, errno, "sync the file system of", fs->dir, "tile");
		goto out;
	}
	for (i = 0; i < n; i++) {
		char parent[PATH_CAP];
		parent_of(files[i].path, parent, sizeof(parent));
		if ((parents[np] = strdup(parent)) == NULL) {
			rc = arm_err_set(e, ARM_ENOMEM, "out of memory writing a batch");
			goto out;
		}
		np++;
	}
	qsort(parents, np, sizeof(*parents), cmp_str);
	for (i = 0; i < np; i++) {
		if (i > 0 && strcmp(parents[i], parents[i - 1]) == 0)
			continue;
		if ((rc = fsync_dirat(fs, parents[i], e)) != ARM_OK)
			goto out;
	}
out:
	if (names != NULL)
		for (i = 0; i < done; i++)
			if (names[i][0] != '\0')
				unlinkat(fs->tmpfd, names[i], 0);
	if (parents != NULL)
		for (i = 0; i < np; i++)
			free(parents[i]);
	free(parents);
	free(names);
	return rc;
}

static int
fs_write_batch(struct store *s, const struct store_file *files, size_t n, struct arm_err *e)
{
	return write_files(fs_of(s), files, n, false, e);
}

/*
 * One append in two barriers: the batch's files, the commit record's
 * and the checkpoint's bytes written to temporary files, the batch's
 * files renamed into place (new names beyond the commit record), and all
 * of it made durable by one syncfs(); then the commit record renamed and
 * its directory synced (the commit point, the second barrier); then the
 * public checkpoint renamed into place, without a barrier of its own.
 * The checkpoint is never visible before the commit record is durable,
 * and it holds the same signed bytes as the commit record: should a
 * crash lose its rename, the checkpoint left is an older one of the same
 * log (still consistent), log_open() publishes the commit record again
 * (log_publish_auto), and the next append's syncfs() makes it durable.
 */
static int
fs_commit(struct store *s, const struct store_file *files, size_t n, const uint8_t *rec,
          size_t rec_len, const uint8_t *pub, size_t pub_len, enum store_stage *stage,
          struct arm_err *e)
{
	struct store_fs *fs = fs_of(s);
	char rname[64] = "", pname[64] = "";
	int rc;

	*stage = STORE_STAGE_NONE;
	if ((rc = write_tmp(fs, rec, rec_len, false, rname, e)) != ARM_OK)
		goto out;
	if (pub != NULL && (rc = write_tmp(fs, pub, pub_len, false, pname, e)) != ARM_OK)
		goto out;
	if (n == 0 && fs_syncfs(fs->tmpfd) != 0) {
		rc = io_err(e, errno, "sync the file system of", fs->dir, TMPDIR);
		goto out;
	}
	if ((rc = write_files(fs, files, n, true, e)) != ARM_OK)
		goto out;
	if (fs_rename(fs->tmpfd, rname, fs->dirfd, COMMIT) != 0) {
		rc = io_err(e, errno, "rename into", fs->dir, COMMIT);
		goto out;
	}
	rname[0] = '\0';
	*stage = STORE_STAGE_MAYBE;
	if ((rc = fsync_dirat(fs, PRIV, e)) != ARM_OK)
		goto out;
	*stage = STORE_STAGE_RECORD;
	if (pub != NULL) {
		if (fs_rename(fs->tmpfd, pname, fs->dirfd, "checkpoint") != 0) {
			rc = io_err(e, errno, "rename into", fs->dir, "checkpoint");
			goto out;
		}
		pname[0] = '\0';
	}
	*stage = STORE_STAGE_ALL;
out:
	if (rname[0] != '\0')
		unlinkat(fs->tmpfd, rname, 0);
	if (pname[0] != '\0')
		unlinkat(fs->tmpfd, pname, 0);
	return rc;
}

static int
fs_remove(struct store *s, const char *const *paths, size_t n, struct arm_err *e)
{
	struct store_fs *fs = fs_of(s);
	char parent[PATH_CAP];
	size_t i, pl;

	for (i = 0; i < n; i++) {
		ARM_TRY(store_path_ok(paths[i], e));
		if (unlinkat(fs->dirfd, paths[i], 0) != 0 && errno != ENOENT) {
			if (errno == EISDIR || errno == EPERM) {
				if (unlinkat(fs->dirfd, paths[i], AT_REMOVEDIR) == 0 ||
				    errno == ENOENT)
					continue;
			}
			return io_err(e, errno, "remove", fs->dir, paths[i]);
		}
		/* An emptied "<N>.p" directory of partial tiles goes too. */
		parent_of(paths[i], parent, sizeof(parent));
		pl = strlen(parent);
		if (pl > 2 && strcmp(parent + pl - 2, ".p") == 0)
			(void)unlinkat(fs->dirfd, parent, AT_REMOVEDIR);
	}
	return ARM_OK;
}

static int
fs_list(struct store *s, const char *dir, store_list_fn fn, void *ctx, struct arm_err *e)
{
	struct store_fs *fs = fs_of(s);
	struct dirent *de;
	DIR *d;
	int fd, rc = ARM_OK;

	ARM_TRY(store_path_ok(dir, e));
	fd = openat(fs->dirfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return ARM_OK;
		return io_err(e, errno, "open directory", fs->dir, dir);
	}
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return io_err(e, errno, "list", fs->dir, dir);
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if ((rc = fn(ctx, de->d_name)) != 0)
			break;
	}
	closedir(d);
	return rc;
}

static int
fs_read_commit(struct store *s, struct buf *out, struct arm_err *e)
{
	return read_rel(fs_of(s), COMMIT, out, e);
}

static int
fs_write_commit(struct store *s, const uint8_t *data, size_t len, struct arm_err *e)
{
	return replace_one(fs_of(s), COMMIT, data, len, e);
}

static int
meta_path(const char *name, char out[64], struct arm_err *e)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > 32 || strcmp(name, "commit") == 0 || strcmp(name, "lock") == 0 ||
	    strcmp(name, "tmp") == 0)
		goto bad;
	for (i = 0; i < n; i++)
		if (name[i] < 'a' || name[i] > 'z')
			goto bad;
	snprintf(out, 64, PRIV "/%s", name);
	return ARM_OK;
bad:
	return arm_err_set(e, ARM_EUSAGE, "'%.40s' is not a store record name", name);
}

static int
fs_read_meta(struct store *s, const char *name, struct buf *out, struct arm_err *e)
{
	char p[64];

	ARM_TRY(meta_path(name, p, e));
	return read_rel(fs_of(s), p, out, e);
}

static int
fs_write_meta(struct store *s, const char *name, const uint8_t *data, size_t len, struct arm_err *e)
{
	char p[64];

	ARM_TRY(meta_path(name, p, e));
	return replace_one(fs_of(s), p, data, len, e);
}

static int
fs_publish(struct store *s, const uint8_t *data, size_t len, struct arm_err *e)
{
	return replace_one(fs_of(s), "checkpoint", data, len, e);
}

static int
fs_lock(struct store *s, struct arm_err *e)
{
	struct store_fs *fs = fs_of(s);
	char pid[32];
	int fd, len;
	ssize_t n;

	if (fs->lockfd >= 0)
		return ARM_OK;
	fd = openat(fs->dirfd, LOCKFILE, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return io_err(e, errno, "open", fs->dir, LOCKFILE);
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int err = errno;
		if (err == EWOULDBLOCK) {
			n = pread(fd, pid, sizeof(pid) - 1, 0);
			pid[n > 0 ? n : 0] = '\0';
			pid[strcspn(pid, "\n")] = '\0';
			close(fd);
			return arm_err_set(e, ARM_EBUSY,
			                   "log '%s' is locked by another writer (pid %s)", fs->dir,
			                   pid[0] ? pid : "unknown");
		}
		close(fd);
		return io_err(e, err, "lock", fs->dir, LOCKFILE);
	}
	/* The pid is only for the message above; the flock is the lock. */
	len = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)len, 0) != len) {
		int err = errno;
		close(fd);
		return io_err(e, err, "write", fs->dir, LOCKFILE);
	}
	fs->lockfd = fd;
	return ARM_OK;
}

static int mkdir_synced(int dirfd, const char *name, const char *dir, struct arm_err *e);

static int
fs_recover(struct store *s, struct arm_err *e)
{
	struct store_fs *fs = fs_of(s);
	struct dirent *de;
	DIR *d;
	int fd;

	if (fs->lockfd < 0)
		return arm_err_set(e, ARM_EUSAGE, "recovery of '%s' needs the writer lock",
		                   fs->dir);
	if (fs->tmpfd < 0) {
		/*
		 * A log copied by a tool that keeps no empty directory (git, some
		 * archivers) has .armistice/ without tmp/: the writer makes it.
		 */
		ARM_TRY(mkdir_synced(fs->dirfd, TMPDIR, fs->dir, e));
		fs->tmpfd = openat(fs->dirfd, TMPDIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fs->tmpfd < 0)
			return io_err(e, errno, "open", fs->dir, TMPDIR);
	}
	fd = dup(fs->tmpfd);
	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return io_err(e, errno, "list", fs->dir, TMPDIR);
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (unlinkat(fs->tmpfd, de->d_name, 0) != 0 && errno != ENOENT) {
			int err = errno;
			closedir(d);
			return arm_err_set(e, ARM_EIO, "cannot remove '%s/%s/%s': %s", fs->dir,
			                   TMPDIR, de->d_name, strerror(err));
		}
	}
	closedir(d);
	return ARM_OK;
}

static void
fs_close(struct store *s)
{
	struct store_fs *fs = fs_of(s);

	if (fs->lockfd >= 0)
		close(fs->lockfd); /* releases the flock */
	if (fs->tmpfd >= 0)
		close(fs->tmpfd);
	if (fs->dirfd >= 0)
		close(fs->dirfd);
	free(fs->dir);
	free(fs);
	free(s);
}

static const struct store_ops fs_ops = {
    .name = "fs",
    .read = fs_read,
    .write_batch = fs_write_batch,
    .remove = fs_remove,
    .list = fs_list,
    .read_commit = fs_read_commit,
    .write_commit = fs_write_commit,
    .read_meta = fs_read_meta,
    .write_meta = fs_write_meta,
    .commit = fs_commit,
    .publish = fs_publish,
    .lock = fs_lock,
    .recover = fs_recover,
    .close = fs_close,
};

void
store_close(struct store *s)
{
	if (s != NULL)
		s->ops->close(s);
}

const char *
store_fs_dir(const struct store *s)
{
	if (s == NULL || s->ops != &fs_ops)
		return NULL;
	return ((const struct store_fs *)s->impl)->dir;
}

static int
mkdir_synced(int dirfd, const char *name, const char *dir, struct arm_err *e)
{
	int fd;

	if (mkdirat(dirfd, name, 0755) != 0) {
		if (errno == EEXIST)
			return ARM_OK;
		return io_err(e, errno, "create directory", dir, name);
	}
	if ((fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		int r = fs_fsync(fd);
		int err = errno;
		close(fd);
		if (r != 0)
			return io_err(e, err, "fsync directory", dir, ".");
	}
	return ARM_OK;
}

int
store_fs_open(struct store **out, const char *dir, bool create, struct arm_err *e)
{
	struct store *s = NULL;
	struct store_fs *fs = NULL;
	int rc = ARM_OK;

	*out = NULL;
	if (create && mkdir(dir, 0755) != 0 && errno != EEXIST)
		return arm_err_set(e, ARM_EIO, "cannot create log directory '%s': %s", dir,
		                   strerror(errno));
	s = calloc(1, sizeof(*s));
	fs = calloc(1, sizeof(*fs));
	if (s == NULL || fs == NULL || (fs->dir = strdup(dir)) == NULL) {
		free(s);
		if (fs != NULL)
			free(fs->dir);
		free(fs);
		return arm_err_set(e, ARM_ENOMEM, "out of memory opening '%s'", dir);
	}
	s->ops = &fs_ops;
	s->impl = fs;
	fs->tmpfd = -1;
	fs->lockfd = -1;
	fs->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fs->dirfd < 0) {
		rc = arm_err_set(e, errno == ENOENT ? ARM_ENOTFOUND : ARM_EIO,
		                 "cannot open log directory '%s': %s", dir, strerror(errno));
		goto out;
	}
	if (create) {
		if ((rc = mkdir_synced(fs->dirfd, PRIV, dir, e)) != ARM_OK ||
		    (rc = mkdir_synced(fs->dirfd, TMPDIR, dir, e)) != ARM_OK ||
		    (rc = mkdir_synced(fs->dirfd, "tile", dir, e)) != ARM_OK)
			goto out;
	}
	/* Readers of a mirrored copy have no .armistice/: no tmp dir then. */
	fs->tmpfd = openat(fs->dirfd, TMPDIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
out:
	if (rc != ARM_OK) {
		store_close(s);
		return rc;
	}
	*out = s;
	return ARM_OK;
}
