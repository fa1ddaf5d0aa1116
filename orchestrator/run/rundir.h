/* The run directory and what the run writes or builds around it (pure helpers, no runtime). */
#ifndef FL_RUNDIR_H
#define FL_RUNDIR_H

#include "orchestrator/run/runplan.h"

#include <stddef.h>
#include <stdint.h>

/* A fresh run id: 10 chars of [a-z0-9]. */
void rundir_run_id(char *out, size_t len);
/* mkdir -p; 0 or -1 (errno). */
int rundir_mkdirs(const char *path);
/* "<base>/<name>-<YYYYmmddTHHMMSSZ>-<seed>" with base = reports/runs unless given. */
void rundir_path(const char *base, const char *name, uint64_t seed, uint64_t real_ns, char *out,
		 size_t len);
int rundir_copy(const char *from, const char *to, struct fl_error *err);
int rundir_write(const char *path, const char *data, size_t len, struct fl_error *err);
/* Reads a whole file (NUL-terminated, caller frees); NULL + err. */
char *rundir_read(const char *path, size_t *len, struct fl_error *err);
/* The last `lines` lines of a file into buf ("" when unreadable). */
void rundir_log_tail(const char *path, int lines, char *buf, size_t len);

/* The command line of node i (NULL-terminated, caller frees with rundir_argv_free). labnode:
 *   <labnode> --name N --role R --listen 0.0.0.0:60000 --rest 0.0.0.0:8645
 *   --events @DATA@/events.jsonl [--db @DATA@/store.db (service)] --identity-seed S
 *   --reliability LIST [--peer ADDR:60000 ...] <args of the plan>
 * with peers from the plan's links (a light node lists its services; otherwise the first node
 * of a link dials the second) at nominal addresses shifted by shift_* (NULL: nominal).
 * Other drivers: the image's own command, then the plan's args. */
char **rundir_node_argv(const struct runplan *p, size_t i, const char *runtime, uint64_t seed);
char **rundir_node_argv_shifted(const struct runplan *p, size_t i, const char *runtime,
				uint64_t seed, const char *real_subnet);
void rundir_argv_free(char **argv);
/* The image reference for the runtime (labnode on docker: faultlab/labnode:latest). */
const char *rundir_node_image(const struct runplan_node *n, const char *runtime);
/* A helper binary: $env_name when set and not empty, else `name` next to the running binary
 * (when need_exec, only if it is executable there), else `name` (looked up in PATH). */
void rundir_find_bin(const char *env_name, const char *name, int need_exec, char *out, size_t len);
/* The labnode binary on the host: $FL_LABNODE, else next to the running faultlab. */
void rundir_labnode_bin(char *out, size_t len);

#endif
