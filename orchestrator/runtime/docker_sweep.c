/* Docker objects of runs found without a runtime object: leftovers of dead runs (containers
 * and networks labelled faultlab.run; quiet when no daemon answers: a host without docker has
 * nothing to sweep), and a live node's namespace for `faultlab shell`. */
#include "orchestrator/runtime/docker_api.h"
#include "orchestrator/runtime/runtime_internal.h"

#include "common/log.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The netns path of a docker node: its container's main process's. */
int docker_node_netns(const char *run_id, const char *node, char *out, size_t len,
		      struct fl_error *err)
{
	struct docker_api api;
	char path[256], *resp = NULL;
	long status = 0;
	json_t *j;
	int pid;

	if (docker_api_open(&api, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "/containers/fl-%s-%s/json", run_id, node);
	if (docker_api_call(&api, "GET", path, NULL, &status, &resp, err) < 0)
		return -1;
	j = status == 200 && resp ? json_loads(resp, 0, NULL) : NULL;
	free(resp);
	pid = (int)json_integer_value(json_object_get(json_object_get(j, "State"), "Pid"));
	json_decref(j);
	if (status == 404)
		return fl_err(err, "run %s has no node %s (no container fl-%s-%s)", run_id, node,
			      run_id, node);
	if (pid <= 0)
		return fl_err(err, "node %s of run %s is not running", node, run_id);
	snprintf(out, len, "/proc/%d/ns/net", pid);
	return 0;
}

/* GET list (containers or networks) filtered by label; returns the parsed array or NULL. */
static json_t *docker_sweep_get(struct docker_api *api, const char *what, const char *run_id)
{
	char path[512], filt[128];
	struct fl_error err;
	char *resp = NULL;
	long status = 0;
	json_t *j;
	if (run_id)
		snprintf(filt, sizeof(filt),
			 "%%7B%%22label%%22%%3A%%5B%%22faultlab.run%%3D%s%%22%%5D%%7D", run_id);
	else
		snprintf(filt, sizeof(filt),
			 "%%7B%%22label%%22%%3A%%5B%%22faultlab.run%%22%%5D%%7D");
	/* GET /containers/json?all=1 but GET /networks */
	snprintf(path, sizeof(path), "/%s%sfilters=%s", what,
		 strcmp(what, "containers") == 0 ? "/json?all=1&" : "?", filt);
	if (docker_api_call(api, "GET", path, NULL, &status, &resp, &err) < 0 || status != 200) {
		free(resp);
		return NULL;
	}
	j = json_loads(resp, 0, NULL);
	free(resp);
	if (!json_is_array(j)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

static const char *docker_sweep_label(json_t *obj)
{
	return json_string_value(json_object_get(json_object_get(obj, "Labels"), "faultlab.run"));
}

void docker_sweep_list_ids(void (*fn)(const char *id, void *ctx), void *ctx)
{
	static const char *const kinds[] = {"containers", "networks"};
	struct docker_api api;
	struct fl_error err;
	size_t i;
	json_t *v;

	if (docker_api_open(&api, &err) < 0)
		return;
	for (size_t k = 0; k < 2; k++) {
		json_t *arr = docker_sweep_get(&api, kinds[k], NULL);
		json_array_foreach(arr, i, v) {
			const char *id = docker_sweep_label(v);
			if (id)
				fn(id, ctx);
		}
		json_decref(arr);
	}
}

int docker_sweep_run(const char *run_id)
{
	struct docker_api api;
	struct fl_error err;
	char path[512];
	int removed = 0;
	long status;
	size_t i;
	json_t *v, *arr;

	if (docker_api_open(&api, &err) < 0)
		return 0;
	arr = docker_sweep_get(&api, "containers", run_id);
	json_array_foreach(arr, i, v) {
		snprintf(path, sizeof(path), "/containers/%s?force=1&v=1",
			 json_string_value(json_object_get(v, "Id")));
		if (docker_api_call(&api, "DELETE", path, NULL, &status, NULL, &err) == 0 &&
		    status == 204)
			removed++;
	}
	json_decref(arr);
	arr = docker_sweep_get(&api, "networks", run_id);
	json_array_foreach(arr, i, v) {
		snprintf(path, sizeof(path), "/networks/%s",
			 json_string_value(json_object_get(v, "Id")));
		if (docker_api_call(&api, "DELETE", path, NULL, &status, NULL, &err) == 0 &&
		    (status == 204 || status == 200))
			removed++;
		else
			log_warn("clean: cannot remove docker network %s: HTTP %ld",
				 json_string_value(json_object_get(v, "Name")), status);
	}
	json_decref(arr);
	return removed;
}

void docker_sweep_list_subnets(void (*fn)(const char *cidr, void *ctx), void *ctx)
{
	struct docker_api api;
	struct fl_error err;
	char *resp = NULL;
	long status = 0;
	size_t i, k;
	json_t *arr, *net, *cfg;

	if (access(DOCKER_API_SOCK, F_OK) < 0 && !getenv("DOCKER_HOST"))
		return;
	if (docker_api_open(&api, &err) < 0 ||
	    docker_api_call(&api, "GET", "/networks", NULL, &status, &resp, &err) < 0 ||
	    status != 200) {
		free(resp);
		return;
	}
	arr = json_loads(resp, 0, NULL);
	free(resp);
	json_array_foreach(arr, i, net) {
		json_array_foreach(json_object_get(json_object_get(net, "IPAM"), "Config"), k,
				   cfg) {
			const char *sub = json_string_value(json_object_get(cfg, "Subnet"));
			if (sub && strchr(sub, '.'))
				fn(sub, ctx);
		}
	}
	json_decref(arr);
}
