/* Per-node cgroups (see cgroup.h). Only plain file operations on cgroupfs. */
#include "orchestrator/runtime/cgroup.h"
#include "orchestrator/runtime/runtime.h"

#include "common/cleanup.h"
#include "common/fltime.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum hostprobe_freezer cgroup_detect(char *root, size_t len)
{
	struct hostprobe_cgroups cg;
	struct fl_error ignored;

	if (hostprobe_cgroups_read(NULL, &cg, &ignored) < 0) {
		if (len)
			root[0] = '\0';
		return HOSTPROBE_FREEZER_NONE;
	}
	return hostprobe_cgroup_pick(&cg, root, len);
}

size_t cgroup_roots(char roots[2][PATH_MAX])
{
	struct hostprobe_cgroups cg;
	struct fl_error ignored;
	size_t n = 0;

	if (hostprobe_cgroups_read(NULL, &cg, &ignored) < 0)
		return 0;
	if (cg.v2[0])
		snprintf(roots[n++], PATH_MAX, "%s", cg.v2);
	if (cg.v1_freezer[0])
		snprintf(roots[n++], PATH_MAX, "%s", cg.v1_freezer);
	return n;
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

/* Reads dir/file into buf; 0 when it cannot. */
static int cgroup_read(const char *dir, const char *file, char *buf, size_t len)
{
	char p[512];
	cleanup_close int fd = -1;
	ssize_t n;

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || (n = read(fd, buf, len - 1)) <= 0)
		return 0;
	buf[n] = '\0';
	return 1;
}

int cgroup_freeze_state(const char *dir)
{
	char buf[512];

	if (!dir[0])
		return -1;
	if (cgroup_read(dir, "cgroup.events", buf, sizeof(buf)) && strstr(buf, "frozen "))
		return strstr(buf, "frozen 1") != NULL;
	if (cgroup_read(dir, "freezer.state", buf, sizeof(buf)))
		return strncmp(buf, "THAWED", 6) != 0; /* FROZEN or FREEZING */
	return -1;
}

int cgroup_freeze(const char *dir, int frozen, int wait_ms, struct fl_error *err)
{
	enum hostprobe_freezer e = hostprobe_cgroup_dir_freezer(dir);
	const char *file = e == HOSTPROBE_FREEZER_CGROUP2 ? "cgroup.freeze" : "freezer.state";
	const char *val =
	    e == HOSTPROBE_FREEZER_CGROUP2 ? (frozen ? "1" : "0") : (frozen ? "FROZEN" : "THAWED");
	double until = fltime_mono_ms() + wait_ms;
	char p[512], buf[512];
	cleanup_close int fd = -1;

	if (e != HOSTPROBE_FREEZER_CGROUP2 && e != HOSTPROBE_FREEZER_V1)
		return fl_err(err, "%s: no freezer", dir);
	snprintf(p, sizeof(p), "%s/%s", dir, file);
	fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, val, strlen(val)) < 0)
		return fl_err_errno(err, "write %s to %s", val, p);
	/* freezing is asynchronous: wait until the kernel reports every task frozen (a v1
	 * group that met a busy task stays FREEZING until FROZEN is written again) */
	while (cgroup_freeze_state(dir) != frozen ||
	       (e == HOSTPROBE_FREEZER_V1 && frozen &&
		cgroup_read(dir, "freezer.state", buf, sizeof(buf)) &&
		strncmp(buf, "FROZEN", 6) != 0)) {
		if (fltime_mono_ms() >= until)
			return fl_err(err, "%s: not %s after %d ms", dir,
				      frozen ? "frozen" : "thawed", wait_ms);
		if (e == HOSTPROBE_FREEZER_V1 && write(fd, val, strlen(val)) < 0) {
			/* retried at the next poll */
		}
		fltime_sleep_ms(2);
	}
	return 0;
}

/* The SIGSTOP fallback's evidence: the group leader's state letter ('T' stopped, 0 gone). */
static char cgroup_proc_state(pid_t pid)
{
	char p[64], buf[512], *s;

	snprintf(p, sizeof(p), "/proc/%d", (int)pid);
	if (!cgroup_read(p, "stat", buf, sizeof(buf)) || !(s = strrchr(buf, ')')) || s[1] != ' ')
		return 0;
	return s[2];
}

int cgroup_node_freeze(struct runtime *rt, struct runtime_node *node, int frozen,
		       struct fl_error *err)
{
	int now = cgroup_freeze_state(node->cgroup);

	(void)rt;
	if (now >= 0) {
		if (now == frozen)
			return 1; /* e.g. a freeze fault holds it: left as it is */
		return cgroup_freeze(node->cgroup, frozen, 2000, err) < 0
			   ? fl_wrap(err, "%s node %s", frozen ? "freeze" : "thaw", node->name)
			   : 0;
	}
	if (node->pgid <= 0)
		return fl_err(err, "node %s: no cgroup and no process group to stop", node->name);
	if (frozen && cgroup_proc_state(node->pgid) == 'T')
		return 1;
	if (kill(-node->pgid, frozen ? SIGSTOP : SIGCONT) < 0)
		return fl_err_errno(err, "%s node %s", frozen ? "stop" : "continue", node->name);
	return 0;
}
