/* Node processes of the netns runtime: fork (into the node's cgroup2 group when the kernel can,
 * else joining it after the fork), setsid, setns, redirect, exec. */
#ifndef FL_RUNTIME_NETNS_PROC_H
#define FL_RUNTIME_NETNS_PROC_H

#include "common/error.h"

#include <sys/types.h>

struct netns_proc_spec {
	char *const *argv; /* argv[0] resolved against PATH when it has no '/' */
	int ns_fd;	   /* the node's network namespace */
	int cgroup_fd;	   /* open <cgroup>/cgroup.procs, or -1 */
	/* the same group's directory (O_DIRECTORY) when it is a cgroup2 group, else -1: the
	 * child is then created in it (clone3 CLONE_INTO_CGROUP), cgroup_fd is the fallback */
	int cgroup_dir_fd;
	const char *log_path;
	const char *cwd; /* may be NULL */
};

/* Starts the process; returns 0 once it has exec'd (an exec failure is reported here, with
 * errno, and the child is reaped). */
int netns_proc_spawn(const struct netns_proc_spec *spec, pid_t *pid, struct fl_error *err);
/* The same in two steps, so many nodes can be forked before any exec is waited for:
 * begin forks (the child reports an exec failure on *report_fd), end reads the report and
 * closes it (reaping the child when its exec failed). */
int netns_proc_spawn_begin(const struct netns_proc_spec *spec, pid_t *pid, int *report_fd,
			   struct fl_error *err);
int netns_proc_spawn_end(pid_t pid, int report_fd, const char *what, struct fl_error *err);
/* Waits up to timeout_ms for pid (our child) to exit: 1 exited (*status as from waitpid),
 * 0 still running, -1 not our child / already reaped. timeout_ms 0 = just poll. */
int netns_proc_wait(pid_t pid, int timeout_ms, int *status);

#endif
