/* Per-node cgroups for the runtimes: in the cgroup2 hierarchy when a group there can freeze,
 * else in the v1 freezer hierarchy, else none — wherever common/hostprobe finds them mounted
 * (/sys/fs/cgroup on a unified host, /sys/fs/cgroup/unified on a hybrid one, …). A node's
 * cgroup is <root>/faultlab/<run_id>/<node>; the agent freezes it, teardown and
 * `faultlab clean` kill everything in it and remove it. */
#ifndef FL_RUNTIME_CGROUP_H
#define FL_RUNTIME_CGROUP_H

#include "common/error.h"
#include "common/hostprobe.h"

#include <stddef.h>
#include <sys/types.h>

struct runtime;
struct runtime_node;

/* Finds the hierarchy to use (hostprobe_cgroup_pick); root gets its mount point. Never
 * fails: HOSTPROBE_FREEZER_NONE (root "") when no usable hierarchy is mounted. */
enum hostprobe_freezer cgroup_detect(char *root, size_t len);
/* The mount points faultlab's groups can live under (cgroup2, v1 freezer): returns how many
 * of roots[0..1] it filled. */
size_t cgroup_roots(char roots[2][PATH_MAX]);
/* mkdir -p <root>/faultlab/<run_id>/<node>; out gets the path. */
int cgroup_create(const char *root, const char *run_id, const char *node, char *out, size_t len,
		  struct fl_error *err);
/* Opens <dir>/cgroup.procs for writing (O_CLOEXEC): a forked child writes its pid into it. */
int cgroup_procs_open(const char *dir, struct fl_error *err);
/* Fills pids with the processes in dir (up to max); returns how many, -1 if unreadable. */
int cgroup_pids(const char *dir, pid_t *pids, int max);
/* SIGKILLs every process in dir (thawing a frozen cgroup so they can die) and waits up to
 * wait_ms for it to empty. Returns the number of processes still there. */
int cgroup_kill(const char *dir, int wait_ms);
/* Kills what is left and removes dir, then its parent (the run's dir) when empty.
 * Returns 1 when dir was removed, 0 when it did not exist, -1 (err) otherwise. */
int cgroup_remove(const char *dir, struct fl_error *err);
/* 1 frozen (or freezing), 0 thawed, -1 no freezer in dir (or dir ""). */
int cgroup_freeze_state(const char *dir);
/* Freezes (frozen 1) or thaws dir through cgroup.freeze or freezer.state and waits up to
 * wait_ms for the kernel to report it done. */
int cgroup_freeze(const char *dir, int frozen, int wait_ms, struct fl_error *err);
/* runtime_ops.node_freeze of the netns runtime: the node's cgroup, else SIGSTOP/SIGCONT of its
 * process group. 1 when it already was in that state (nothing done, so the caller must not
 * undo it: a freeze fault holds it), 0 done, -1 + err. */
int cgroup_node_freeze(struct runtime *rt, struct runtime_node *node, int frozen,
		       struct fl_error *err);

#endif
