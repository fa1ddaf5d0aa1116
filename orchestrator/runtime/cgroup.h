/* Per-node cgroups for the runtimes: cgroup2 (at /sys/fs/cgroup/unified on a hybrid host,
 * else /sys/fs/cgroup), else the v1 freezer hierarchy, else none. A node's cgroup is
 * <root>/faultlab/<run_id>/<node>; the agent freezes it, teardown and `faultlab clean` kill
 * everything in it and remove it. */
#ifndef FL_RUNTIME_CGROUP_H
#define FL_RUNTIME_CGROUP_H

#include "common/error.h"

#include <stddef.h>
#include <sys/types.h>

enum cgroup_kind { CGROUP_NONE, CGROUP_V2, CGROUP_V1_FREEZER };

/* Finds the hierarchy to use; root gets e.g. "/sys/fs/cgroup/unified". Never fails:
 * CGROUP_NONE (root "") when no usable hierarchy is mounted. */
enum cgroup_kind cgroup_detect(char *root, size_t len);
const char *cgroup_kind_name(enum cgroup_kind kind);
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

#endif
