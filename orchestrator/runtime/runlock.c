/* Run lock and run files (see runlock.h). */
#include "orchestrator/runtime/runlock.h"

#include "common/cleanup.h"
#include "common/fltime.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

int runlock_valid_id(const char *run_id)
{
	size_t n = run_id ? strlen(run_id) : 0;

	if (n == 0 || n > 10)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((run_id[i] >= 'a' && run_id[i] <= 'z') ||
		      (run_id[i] >= '0' && run_id[i] <= '9')))
			return 0;
	return 1;
}

int runlock_dir_ensure(struct fl_error *err)
{
	if (mkdir(RUNLOCK_DIR, 0755) < 0 && errno != EEXIST)
		return fl_err_errno(err, "mkdir %s", RUNLOCK_DIR);
	return 0;
}

int runlock_hold(const char *run_id, const char *suffix, struct fl_error *err)
{
	char p[PATH_MAX];
	cleanup_close int fd = -1;

	if (!runlock_valid_id(run_id))
		return fl_err(err, "run id \"%s\" must be 1-10 characters of [a-z0-9]", run_id);
	if (runlock_dir_ensure(err) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s/%s%s", RUNLOCK_DIR, run_id, suffix);
	fd = open(p, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return fl_err_errno(err, "open %s", p);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			return fl_err(err, "run %s is already live (%s is locked)", run_id, p);
		return fl_err_errno(err, "flock %s", p);
	}
	return steal_fd(&fd);
}

void runlock_unhold(const char *run_id, const char *suffix, int *fd)
{
	char p[PATH_MAX];

	if (*fd < 0)
		return;
	/* unlink while still holding the lock, so nobody sees the file as a dead run's */
	snprintf(p, sizeof(p), "%s/%s%s", RUNLOCK_DIR, run_id, suffix);
	unlink(p);
	close(*fd);
	*fd = -1;
}

static int runlock_write_json(const char *run_id, const struct runlock_info *info,
			      struct fl_error *err)
{
	char p[PATH_MAX], tmp[PATH_MAX + 8], when[32];
	cleanup_fclose FILE *f = NULL;
	int fd;

	fltime_utc_string(fltime_real_ns(), 0, when, sizeof(when));
	snprintf(p, sizeof(p), "%s/%s.json", RUNLOCK_DIR, run_id);
	snprintf(tmp, sizeof(tmp), "%s.tmp", p);
	/* 0600 whatever the umask: it names the run directory and the scenario */
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0 && fchmod(fd, 0600) == 0)
		f = fdopen(fd, "w");
	if (!f) {
		fl_err_errno(err, "open %s", tmp);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	fprintf(f, "{\"run\":\"%s\",\"scenario\":\"", run_id);
	log_json_escape(f, info && info->scenario ? info->scenario : "");
	fprintf(f,
		"\",\"pid\":%d,\"started_at\":\"%s\",\"runtime\":\"%s\",\"nodes\":%d,"
		"\"run_dir\":\"",
		(int)getpid(), when, info && info->runtime ? info->runtime : "netns",
		info ? info->nodes : 0);
	log_json_escape(f, info && info->run_dir ? info->run_dir : "");
	fprintf(f, "\"}\n");
	if (fflush(f) != 0)
		return fl_err_errno(err, "write %s", tmp);
	if (rename(tmp, p) < 0)
		return fl_err_errno(err, "rename %s", tmp);
	return 0;
}

int runlock_acquire(const char *run_id, const struct runlock_info *info, struct runlock *lk,
		    struct fl_error *err)
{
	lk->fd = -1;
	snprintf(lk->run_id, sizeof(lk->run_id), "%s", run_id ? run_id : "");
	lk->fd = runlock_hold(run_id, ".lock", err);
	if (lk->fd < 0)
		return fl_wrap(err, "run lock");
	if (runlock_write_json(run_id, info, err) < 0) {
		runlock_release(lk);
		return fl_wrap(err, "run lock");
	}
	return 0;
}

void runlock_release(struct runlock *lk)
{
	static const char *const files[] = {".json", ".subnet", ".lock"};
	char p[PATH_MAX];

	if (lk->fd < 0)
		return;
	/* unlink while still holding the lock, so nobody sees these files as a dead run */
	for (size_t i = 0; i < FL_ARRAY_SIZE(files); i++) {
		snprintf(p, sizeof(p), "%s/%s%s", RUNLOCK_DIR, lk->run_id, files[i]);
		unlink(p);
	}
	close(lk->fd);
	lk->fd = -1;
}

static int runlock_file_held(const char *run_id, const char *suffix)
{
	char p[PATH_MAX];
	cleanup_close int fd = -1;

	snprintf(p, sizeof(p), "%s/%s%s", RUNLOCK_DIR, run_id, suffix);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		return errno == EWOULDBLOCK;
	flock(fd, LOCK_UN);
	return 0;
}

int runlock_is_live(const char *run_id)
{
	return runlock_file_held(run_id, ".lock") || runlock_file_held(run_id, ".rt.lock");
}
