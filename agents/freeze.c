/* freeze/thaw: cgroup2 cgroup.freeze, else the v1 freezer, else SIGSTOP/SIGCONT of the
 * node's process group. Which interface the node's cgroup offers, and the engine names, come
 * from common/hostprobe (the same words doctor and the runtime use). */
#include "agents/freeze.h"

#include "common/cleanup.h"
#include "common/fltime.h"
#include "common/hostprobe.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define FREEZE_WAIT_MS 2000

/* The node's freeze depth: one agent serves one node. */
static int freeze_depth;
static enum hostprobe_freezer freeze_engine_used;

static enum hostprobe_freezer freeze_pick(const struct agent_node *node)
{
	enum hostprobe_freezer e = hostprobe_cgroup_dir_freezer(node->cgroup);

	if (e != HOSTPROBE_FREEZER_NONE)
		return e;
	return node->pgid > 0 ? HOSTPROBE_FREEZER_SIGSTOP : HOSTPROBE_FREEZER_NONE;
}

static int freeze_write(const struct agent_node *node, const char *file, const char *value,
			struct fl_error *err)
{
	char path[512];
	cleanup_close int fd = -1;

	snprintf(path, sizeof(path), "%s/%s", node->cgroup, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, value, strlen(value)) < 0)
		return fl_err_errno(err, "write %s to %s", value, path);
	return 0;
}

/* Reads file and reports whether it contains `want`. */
static int freeze_reads(const struct agent_node *node, const char *file, const char *want)
{
	char path[512], buf[512];
	cleanup_close int fd = -1;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", node->cgroup, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strstr(buf, want) != NULL;
}

/* Freezing is asynchronous: waits until the kernel reports every task frozen. */
static int freeze_wait(const struct agent_node *node, const char *file, const char *want,
		       struct fl_error *err)
{
	uint64_t deadline = fltime_mono_ns() + (uint64_t)FREEZE_WAIT_MS * 1000000u;
	unsigned polls = 0;

	while (!freeze_reads(node, file, want)) {
		if (fltime_mono_ns() > deadline)
			return fl_err(err, "%s/%s: no \"%s\" after %d ms", node->cgroup, file, want,
				      FREEZE_WAIT_MS);
		/* A v1 freeze that met a busy task stays FREEZING until FROZEN is written again
		 * (Documentation/admin-guide/cgroup-v1/freezer-subsystem.rst): retry every 10 ms.
		 * Without it, one v1 freeze in three agent_faults runs on this loaded CI host
		 * missed the 2 s deadline. */
		if (++polls % 100 == 0 && strcmp(want, "FROZEN") == 0 &&
		    freeze_reads(node, file, "FREEZING")) {
			struct fl_error ignored;

			freeze_write(node, file, "FROZEN", &ignored);
		}
		usleep(100);
	}
	return 0;
}

/* The group leader's state letter in /proc/PID/stat ('T' when stopped); 0 when gone. */
static char freeze_proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	cleanup_close int fd = -1;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || (n = read(fd, buf, sizeof(buf) - 1)) <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/* SIGSTOP lands asynchronously: the ack is the group leader seen stopped (or gone). The
 * signal goes to the group again every 50 ms while waiting: a member forked while the first
 * one was being delivered escapes it, and a second SIGSTOP is harmless. */
static int freeze_wait_stopped(pid_t pgid, struct fl_error *err)
{
	uint64_t start = fltime_mono_ns(), resent = start;
	uint64_t deadline = start + (uint64_t)FREEZE_WAIT_MS * 1000000u;
	char st;

	while ((st = freeze_proc_state(pgid)) != 'T' && st != 0) {
		uint64_t now = fltime_mono_ns();

		if (now > deadline)
			return fl_err(err, "process group %d not stopped after %d ms (state %c)",
				      (int)pgid, FREEZE_WAIT_MS, st);
		if (now - resent >= 50000000u) {
			kill(-pgid, SIGSTOP);
			resent = now;
		}
		usleep(100);
	}
	return 0;
}

static int freeze_set(const struct agent_node *node, enum hostprobe_freezer e, int frozen,
		      struct fl_error *err)
{
	switch (e) {
	case HOSTPROBE_FREEZER_CGROUP2:
		if (freeze_write(node, "cgroup.freeze", frozen ? "1" : "0", err) < 0)
			return -1;
		return frozen ? freeze_wait(node, "cgroup.events", "frozen 1", err) : 0;
	case HOSTPROBE_FREEZER_V1:
		if (freeze_write(node, "freezer.state", frozen ? "FROZEN" : "THAWED", err) < 0)
			return -1;
		return freeze_wait(node, "freezer.state", frozen ? "FROZEN" : "THAWED", err);
	case HOSTPROBE_FREEZER_SIGSTOP:
		if (kill(-node->pgid, frozen ? SIGSTOP : SIGCONT) < 0)
			return fl_err_errno(err, "kill(-%d, %s)", (int)node->pgid,
					    frozen ? "SIGSTOP" : "SIGCONT");
		return frozen ? freeze_wait_stopped(node->pgid, err) : 0;
	case HOSTPROBE_FREEZER_NONE:
		break;
	}
	return fl_err(err, "node %s has no cgroup freezer and no process group to stop",
		      node->node);
}

int freeze_node(const struct agent_node *node, char *engine, size_t len, struct fl_error *err)
{
	enum hostprobe_freezer e = freeze_depth ? freeze_engine_used : freeze_pick(node);

	if (!freeze_depth && freeze_set(node, e, 1, err) < 0) {
		struct fl_error ignored;

		freeze_set(node, e, 0, &ignored); /* a half-done freeze must not stay */
		return fl_wrap(err, "freeze");
	}
	freeze_engine_used = e;
	freeze_depth++;
	snprintf(engine, len, "%s", hostprobe_freezer_name(e));
	return 0;
}

int freeze_thaw(const struct agent_node *node, struct fl_error *err)
{
	if (freeze_depth == 0)
		return fl_err(err, "thaw: node is not frozen");
	if (--freeze_depth > 0)
		return 0;
	if (freeze_set(node, freeze_engine_used, 0, err) < 0)
		return fl_wrap(err, "thaw");
	return 0;
}

int freeze_sweep(const struct agent_node *node, struct fl_error *err)
{
	enum hostprobe_freezer e = freeze_pick(node);

	if (e == HOSTPROBE_FREEZER_NONE)
		return 0;
	if (freeze_set(node, e, 0, err) < 0)
		return fl_wrap(err, "sweep: thaw");
	return 0;
}

static int freeze_apply(const struct agent_node *node, struct fault *f, json_t *params,
			struct fl_error *err)
{
	static const char *const known[] = {NULL};

	if (fault_params_only(params, known, err) < 0)
		return -1;
	return freeze_node(node, f->engine, sizeof(f->engine), err);
}

static int freeze_revert(const struct agent_node *node, struct fault *f, struct fl_error *err)
{
	return freeze_thaw(node, err);
}

static int freeze_kind_sweep(const struct agent_node *node, struct fl_error *err)
{
	return freeze_sweep(node, err);
}

const struct fault_kind freeze_fault_kind = {
    .name = "freeze",
    .apply = freeze_apply,
    .revert = freeze_revert,
    .sweep = freeze_kind_sweep,
};
