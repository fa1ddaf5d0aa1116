/* `faultlab clean`'s engine: runtime_sweep() in runtime.h, plus what the CLI needs to say
 * which runs were skipped. */
#ifndef FL_RUNTIME_SWEEP_H
#define FL_RUNTIME_SWEEP_H

#include "common/error.h"

#include <stddef.h>

struct sweep_result {
	int removed;	  /* objects removed: namespaces, cgroups, containers, networks, files */
	int runs_swept;	  /* dead runs that had leftovers */
	int runs_live;	  /* live runs refused */
	char live[8][16]; /* the first live run ids refused */
};

/* As runtime_sweep(); fills res. A live run named by run_id is an error (-1, err says so). */
int sweep_runs(const char *run_id, int include_docker, struct sweep_result *res,
	       struct fl_error *err);
/* Run ids that have anything on this host (namespaces, cgroups, run files; containers and
 * networks when include_docker): calls fn(id, ctx) once per id. */
void sweep_list_ids(int include_docker, void (*fn)(const char *id, void *ctx), void *ctx);
/* Where faultlab-agent keeps what a sweep needs (agents/linkdown.c: link-down's saved routes,
 * `<RUNID>-<netns inode>-<IF>.routes`). */
#define SWEEP_AGENT_STATE_DIR "/run/faultlab-agent"
/* Removes the run's files there (after its namespaces are gone they restore nothing).
 * Returns how many. */
int sweep_agent_files(const char *run_id);
/* SIGKILLs every process whose network namespace is the one bind-mounted at ns_path. */
int sweep_kill_ns_pids(const char *ns_path);

#endif
