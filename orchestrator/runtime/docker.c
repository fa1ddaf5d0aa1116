/* The docker runtime: placeholder until docker_api lands (returns a clear error). */
#include "orchestrator/runtime/runtime_internal.h"

int docker_init(struct runtime *rt, struct fl_error *err)
{
	return fl_err(err, "docker runtime: not built yet");
}

const struct runtime_ops docker_ops = {.name = "docker"};
