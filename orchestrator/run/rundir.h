/* The run directory and what the run writes or builds around it (pure helpers, no runtime). */
#ifndef FL_RUNDIR_H
#define FL_RUNDIR_H

#include "orchestrator/plan/planread.h"

#include <stddef.h>
#include <stdint.h>

/* A fresh run id: 10 chars of [a-z0-9]. */
void rundir_run_id(char *out, size_t len);
/* mkdir -p without following links (safefile.h); 0 or -1 + err. */
int rundir_mkdirs(const char *path, struct fl_error *err);
/* Creates the run directory into run_dir (absolute, PATH_MAX): out_dir when given (it may
 * exist), else a new "<base>/<name>-<UTC second>-<seed>[-N]" (base: reports/runs) made with an
 * exclusive mkdir, so simultaneous identical runs get distinct directories. As root, every
 * directory of the path must be root-owned and not writable by others unless sticky, and no
 * component may be a symbolic link (safefile.h). -1 + err. */
int rundir_create(const char *out_dir, const char *base, const char *name, uint64_t seed,
		  uint64_t real_ns, char *run_dir, size_t len, struct fl_error *err);
/* "<base>/<name>-<YYYYmmddTHHMMSSZ>-<seed>" with base = reports/runs unless given. */
void rundir_path(const char *base, const char *name, uint64_t seed, uint64_t real_ns, char *out,
		 size_t len);
int rundir_copy(const char *from, const char *to, struct fl_error *err);
/* Creates path (it must not exist; no links followed) with data. */
int rundir_write(const char *path, const char *data, size_t len, struct fl_error *err);
/* Reads a whole file (NUL-terminated, caller frees); NULL + err. */
char *rundir_read(const char *path, size_t *len, struct fl_error *err);
/* The last `lines` lines of a file into buf ("" when unreadable). */
void rundir_log_tail(const char *path, int lines, char *buf, size_t len);

/* The command line of node i (NULL-terminated, caller frees with rundir_argv_free): argv[0]
 * (runs_images: ignored by the runtime; else the driver's host program, or the image string
 * for a driver without one), then what the driver's launch_args pushes (labnode:
 * drivers/labnode.c) with the peers from the plan's links (a light node lists its services;
 * otherwise the first node of a link dials the second) at nominal addresses shifted into
 * real_subnet (NULL: nominal), then the plan's args. */
char **rundir_node_argv(const struct planread *p, size_t i, int runs_images, uint64_t seed);
char **rundir_node_argv_shifted(const struct planread *p, size_t i, int runs_images, uint64_t seed,
				const char *real_subnet);
void rundir_argv_free(char **argv);
/* The run's telemetry collector (plan "telemetry": true): the hub's address, <subnet>.1, on
 * this port; rundir_telemetry_host writes "a.b.c.1" of a CIDR ("" when malformed). */
#define RUNDIR_TELEMETRY_PORT 8090
void rundir_telemetry_host(const char *subnet, char *out, size_t cap);
/* Writes the node's identity seed to data_dir/DRIVER_IDENTITY_FILE, mode 0600 (new file, no
 * links followed). */
int rundir_node_secret(const char *data_dir, uint64_t identity_seed, struct fl_error *err);
/* What the runtime starts for node n: a built-in image's reference (runs_images) or name,
 * else the plan's image string. */
const char *rundir_node_image(const struct planread_node *n, int runs_images);
/* A helper binary: $env_name when set and not empty, else `name` next to the running binary
 * (when need_exec, only if it is executable there), else `name` (looked up in PATH). */
void rundir_find_bin(const char *env_name, const char *name, int need_exec, char *out, size_t len);

#endif
