/* Link-free opens beneath directory fds (safefile.h). */
#include "common/safefile.h"

#include "common/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* path made absolute and lexically normal ("/a/b"), into out; -1 + err when too long. */
static int safefile_abs(const char *path, char *out, size_t len, struct fl_error *err)
{
	char tmp[PATH_MAX * 2];
	size_t n = 0;

	if (path[0] == '/') {
		snprintf(tmp, sizeof(tmp), "%s", path);
	} else {
		char cwd[PATH_MAX];

		if (!getcwd(cwd, sizeof(cwd)))
			return fl_err_errno(err, "working directory");
		snprintf(tmp, sizeof(tmp), "%s/%s", cwd, path);
	}
	for (char *save = NULL, *c = strtok_r(tmp, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			while (n > 0 && out[n - 1] != '/')
				n--;
			n = n > 0 ? n - 1 : 0;
			continue;
		}
		if (n + strlen(c) + 2 > len)
			return fl_err(err, "path too long: %.200s", path);
		out[n++] = '/';
		memcpy(out + n, c, strlen(c));
		n += strlen(c);
	}
	out[n] = '\0';
	return 0;
}

/* The directory fd's owner and mode are ones a non-root user cannot subvert. */
static int safefile_trusted(int fd, const char *shown, struct fl_error *err)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return fl_err_errno(err, "stat %s", shown);
	if (st.st_uid != 0 && st.st_uid != geteuid())
		return fl_err(err,
			      "refusing %s: owned by uid %u, not root (another user could place "
			      "links there); use a directory root owns",
			      shown, (unsigned)st.st_uid);
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
		return fl_err(err,
			      "refusing %s: writable by group or others (mode %04o) and not sticky",
			      shown, (unsigned)(st.st_mode & 07777));
	return 0;
}

/* openat of one directory component, naming a link or non-directory in the error. */
static int safefile_step(int dfd, const char *comp, const char *shown, struct fl_error *err)
{
	int fd = openat(dfd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (fd >= 0)
		return fd;
	if ((errno == ELOOP || errno == ENOTDIR) &&
	    fstatat(dfd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
		errno = ELOOP;
		return fl_err(err, "refusing %s: it is a symbolic link", shown);
	}
	return fl_err_errno(err, "open %s", shown);
}

static int safefile_walk(const char *path, int flags, mode_t mode, int *created,
			 struct fl_error *err)
{
	char abs[PATH_MAX], shown[PATH_MAX];
	cleanup_close int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	char *save = NULL;

	if (fd < 0 || safefile_abs(path, abs, sizeof(abs), err) < 0)
		return fd < 0 ? fl_err_errno(err, "open /") : -1;
	if ((flags & SAFEFILE_TRUST) && safefile_trusted(fd, "/", err) < 0)
		return -1;
	shown[0] = '\0';
	*created = 0;
	for (char *c = strtok_r(abs, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		int next;

		snprintf(shown + strlen(shown), sizeof(shown) - strlen(shown), "/%s", c);
		*created = 0;
		if ((flags & SAFEFILE_MKDIR) && mkdirat(fd, c, mode) == 0)
			*created = 1;
		else if ((flags & SAFEFILE_MKDIR) && errno != EEXIST)
			return fl_err_errno(err, "create %s", shown);
		next = safefile_step(fd, c, shown, err);
		if (next < 0)
			return -1;
		close(fd);
		fd = next;
		if ((flags & SAFEFILE_TRUST) && !*created && safefile_trusted(fd, shown, err) < 0)
			return -1;
	}
	return steal_fd(&fd);
}

int safefile_dir(const char *path, int flags, mode_t mode, struct fl_error *err)
{
	int created;

	return safefile_walk(path, flags, mode, &created, err);
}

int safefile_mkdir(const char *path, int flags, mode_t mode, struct fl_error *err)
{
	int created;
	cleanup_close int fd = safefile_walk(path, flags | SAFEFILE_MKDIR, mode, &created, err);

	if (fd < 0)
		return -1;
	if ((flags & SAFEFILE_EXCL) && !created) {
		fl_err(err, "%s already exists", path);
		errno = EEXIST;
		return -1;
	}
	return 0;
}

int safefile_open(const char *path, int oflags, mode_t mode, struct fl_error *err)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	cleanup_close int dfd = -1;
	int fd;

	if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
		return fl_err(err, "not a file name: %s", path);
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	dfd = safefile_dir(dir, 0, 0, err);
	if (dfd < 0)
		return -1;
	fd = openat(dfd, base, oflags | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0 && errno == ELOOP)
		return fl_err(err, "refusing %s: it is a symbolic link", path);
	if (fd < 0 && errno == EEXIST)
		return fl_err_errno(err, "create %s (it must not exist yet)", path);
	if (fd < 0)
		return fl_err_errno(err, "open %s", path);
	return fd;
}

FILE *safefile_fopen(const char *path, const char *how, struct fl_error *err)
{
	int oflags = O_RDONLY;
	FILE *f;
	int fd;

	if (how[0] == 'w')
		oflags = O_WRONLY | O_CREAT | (how[1] == 'x' ? O_EXCL : O_TRUNC);
	else if (how[0] == 'a')
		oflags = O_WRONLY | O_CREAT | O_APPEND;
	fd = safefile_open(path, oflags, 0666, err);
	if (fd < 0)
		return NULL;
	f = fdopen(fd, how[0] == 'r' ? "r" : how[0] == 'a' ? "a" : "w");
	if (!f) {
		fl_err_errno(err, "fdopen %s", path);
		close(fd);
	}
	return f;
}
