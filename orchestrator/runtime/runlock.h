/* Run lock and run files in /run/faultlab (RUNLOCK_DIR):
 *   <run_id>.lock    flock'd (LOCK_EX) by the orchestrator for the run's whole life
 *   <run_id>.json    {"run","scenario","pid","started_at","runtime","nodes","run_dir"} for ps
 *   <run_id>.subnet  the subnet runtime_subnet_pick() gave the run
 *   <run_id>.rt.lock flock'd by a runtime between net_create and teardown/free, so a runtime
 *                    used without a run lock (tests, benches) is also seen as live
 * A run is live while any of its locks is held; the kernel drops them when the process dies,
 * so a kill -9'd orchestrator's run reads as dead and `faultlab clean` may sweep it. */
#ifndef FL_RUNTIME_RUNLOCK_H
#define FL_RUNTIME_RUNLOCK_H

#include "common/error.h"

#include <limits.h>
#include <stddef.h>

#define RUNLOCK_DIR "/run/faultlab"

struct runlock {
	int fd; /* -1 when not held */
	char run_id[16];
};

struct runlock_info {
	const char *scenario; /* may be NULL */
	const char *runtime;  /* "netns" | "docker" */
	int nodes;
	const char *run_dir; /* may be NULL */
};

/* Takes <run_id>.lock (never blocks: a held lock is an error naming the holder's pid) and
 * writes <run_id>.json. */
int runlock_acquire(const char *run_id, const struct runlock_info *info, struct runlock *lk,
		    struct fl_error *err);
/* Removes the run's files (.json .subnet .lock) and drops the lock. Idempotent. */
void runlock_release(struct runlock *lk);
/* 1 when the run's .lock or .rt.lock is held by some process, else 0. */
int runlock_is_live(const char *run_id);
/* Takes <run_id><suffix> as an exclusive lock held through the returned fd (-1 + err when
 * held elsewhere). Used by the runtimes for ".rt.lock". */
int runlock_hold(const char *run_id, const char *suffix, struct fl_error *err);
/* Gives up what runlock_hold took: removes <run_id><suffix>, closes *fd and sets it to -1.
 * Does nothing when *fd < 0. */
void runlock_unhold(const char *run_id, const char *suffix, int *fd);
/* mkdir -p RUNLOCK_DIR */
int runlock_dir_ensure(struct fl_error *err);
/* 1 when run_id is 1..10 chars of [a-z0-9]. */
int runlock_valid_id(const char *run_id);

/* What ps and shell read back: one run's /run/faultlab/<run_id>.json (fields "" / 0 when the
 * run has only a runtime lock) and whether it is live. */
struct runlock_entry {
	char run_id[16];
	char scenario[128];
	int pid;
	char started_at[32];
	char runtime[16];
	int nodes;
	char run_dir[PATH_MAX];
	int live;
};

/* Every run with files in RUNLOCK_DIR, sorted by run id; *out is malloc'd (free it). */
int runlock_list(struct runlock_entry **out, size_t *n, struct fl_error *err);
/* Finds a run by id, by its run directory (path or basename) or by its scenario name when
 * only one live run has it. -1 + err when none matches. */
int runlock_resolve(const char *arg, struct runlock_entry *out, struct fl_error *err);

#endif
