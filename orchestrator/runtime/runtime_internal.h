/* Shared by the runtime backends; not for callers outside orchestrator/runtime/. */
#ifndef FL_RUNTIME_INTERNAL_H
#define FL_RUNTIME_INTERNAL_H

#include "orchestrator/runtime/runtime.h"

extern const struct runtime_ops netns_ops;
extern const struct runtime_ops docker_ops;

/* runtime_ops.node_netns of each backend (netns.c, docker_sweep.c). */
int netns_node_netns(const char *run_id, const char *node, char *out, size_t len,
		     struct fl_error *err);
int docker_node_netns(const char *run_id, const char *node, char *out, size_t len,
		      struct fl_error *err);

/* A copy of argv with every "@DATA@" replaced by data_dir; free with runtime_argv_free. */
char **runtime_argv_expand(char *const *argv, const char *data_dir, struct fl_error *err);
void runtime_argv_free(char **argv);
/* 1 when a node name can go into namespace/container names: 1..48 of [A-Za-z0-9_.-]. */
int runtime_node_name_ok(const char *name);

#endif
