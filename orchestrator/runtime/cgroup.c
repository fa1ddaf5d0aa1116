/* Per-node cgroups (see cgroup.h). Only plain file operations on cgroupfs. */
#include "orchestrator/runtime/cgroup.h"

#include "common/cleanup.h"
#include "common/fltime.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int cgroup_has(const char *root, const char *file)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", root, file);
	return access(p, F_OK) == 0;
}

enum cgroup_kind cgroup_detect(char *root, size_t len)
{
	static const struct {
		const char *dir, *probe;
		enum cgroup_kind kind;
	} cands[] = {
	    {"/sys/fs/cgroup/unified", "cgroup.procs", CGROUP_V2},
	    {"/sys/fs/cgroup", "cgroup.controllers", CGROUP_V2},
	    {"/sys/fs/cgroup/freezer", "freezer.self_freezing", CGROUP_V1_FREEZER},
	    {"/sys/fs/cgroup/freezer", "cgroup.procs", CGROUP_V1_FREEZER},
	};

	for (size_t i = 0; i < FL_ARRAY_SIZE(cands); i++) {
		if (cgroup_has(cands[i].dir, cands[i].probe) && access(cands[i].dir, W_OK) == 0) {
			snprintf(root, len, "%s", cands[i].dir);
			return cands[i].kind;
		}
	}
	if (len)
		root[0] = '\0';
	return CGROUP_NONE;
}

const char *cgroup_kind_name(enum cgroup_kind kind)
{
	switch (kind) {
	case CGROUP_V2:
		return "cgroup2";
	case CGROUP_V1_FREEZER:
		return "freezer-v1";
	default:
		return "none";
	}
}

static int cgroup_mkdir(const char *path, struct fl_error *err)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return fl_err_errno(err, "mkdir %s", path);
	return 0;
}

int cgroup_create(const char *root, const char *run_id, const char *node, char *out, size_t len,
		  struct fl_error *err)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/faultlab", root);
	if (cgroup_mkdir(p, err) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s/faultlab/%s", root, run_id);
	if (cgroup_mkdir(p, err) < 0)
		return -1;
	if ((size_t)snprintf(out, len, "%s/faultlab/%s/%s", root, run_id, node) >= len)
		return fl_err(err, "cgroup path too long for node %s", node);
	return cgroup_mkdir(out, err);
}

int cgroup_procs_open(const char *dir, struct fl_error *err)
{
	char p[512];
	int fd;

	snprintf(p, sizeof(p), "%s/cgroup.procs", dir);
	fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return fl_err_errno(err, "open %s", p);
	return fd;
}

int cgroup_pids(const char *dir, pid_t *pids, int max)
{
	char p[512];
	int n = 0, v;

	snprintf(p, sizeof(p), "%s/cgroup.procs", dir);
	cleanup_fclose FILE *f = fopen(p, "re");
	if (!f)
		return -1;
	while (n < max && fscanf(f, "%d", &v) == 1)
		pids[n++] = v;
	return n;
}

static void cgroup_write(const char *dir, const char *file, const char *val)
{
	char p[512];
	cleanup_close int fd = -1;

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd >= 0 && write(fd, val, strlen(val)) < 0) {
		/* best effort: the caller checks what is left */
	}
}

int cgroup_kill(const char *dir, int wait_ms)
{
	pid_t pids[1024];
	double until = fltime_mono_ms() + wait_ms;
	int n;

	/* Frozen tasks only die once thawed (v1); cgroup.kill handles a frozen v2 group. */
	cgroup_write(dir, "freezer.state", "THAWED");
	cgroup_write(dir, "cgroup.kill", "1");
	for (;;) {
		n = cgroup_pids(dir, pids, (int)FL_ARRAY_SIZE(pids));
		if (n <= 0)
			return 0;
		for (int i = 0; i < n; i++)
			kill(pids[i], SIGKILL);
		if (fltime_mono_ms() >= until)
			return n;
		fltime_sleep_ms(2);
	}
}

int cgroup_remove(const char *dir, struct fl_error *err)
{
	char p[512];
	char *slash;

	if (access(dir, F_OK) < 0)
		return 0;
	cgroup_kill(dir, 2000);
	if (rmdir(dir) < 0 && errno != ENOENT)
		return fl_err_errno(err, "rmdir %s", dir);
	/* the run's dir when it is empty; <root>/faultlab stays (other runs race to use it) */
	snprintf(p, sizeof(p), "%s", dir);
	slash = strrchr(p, '/');
	if (slash) {
		*slash = '\0';
		rmdir(p);
	}
	return 1;
}
