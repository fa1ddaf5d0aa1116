/* faultlab shell RUN NODE [CMD [ARG...]]: a shell (or CMD) inside a live node's network
 * namespace: netns runs enter /run/netns/fl-<run>-<node>; docker runs enter the container's
 * /proc/<pid>/ns/net (the host's shell and tools, the container's network, as nsenter -n
 * does: node images carry no shell). RUN is a run id, a run directory or a scenario name. */
#include "orchestrator/cli/cli.h"
#include "orchestrator/runtime/docker_api.h"
#include "orchestrator/runtime/netns_link.h"
#include "orchestrator/runtime/runlock.h"

#include <fcntl.h>
#include <jansson.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The netns path of a docker node: its container's main process's. */
static int shell_docker_ns(const char *run, const char *node, char *out, size_t len,
			   struct fl_error *err)
{
	struct docker_api api;
	char path[256], *resp = NULL;
	long status = 0;
	json_t *j;
	int pid;

	if (docker_api_open(&api, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "/containers/fl-%s-%s/json", run, node);
	if (docker_api_call(&api, "GET", path, NULL, &status, &resp, err) < 0)
		return -1;
	j = status == 200 && resp ? json_loads(resp, 0, NULL) : NULL;
	free(resp);
	pid = (int)json_integer_value(json_object_get(json_object_get(j, "State"), "Pid"));
	json_decref(j);
	if (status == 404)
		return fl_err(err, "run %s has no node %s (no container fl-%s-%s)", run, node, run,
			      node);
	if (pid <= 0)
		return fl_err(err, "node %s of run %s is not running", node, run);
	snprintf(out, len, "/proc/%d/ns/net", pid);
	return 0;
}

static int shell_enter(const char *ns_path, const char *run, const char *node, struct fl_error *err)
{
	int fd = open(ns_path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return fl_err_errno(err, "node %s of run %s: open %s", node, run, ns_path);
	if (setns(fd, CLONE_NEWNET) < 0) {
		close(fd);
		return fl_err_errno(err, "setns into %s", ns_path);
	}
	close(fd);
	return 0;
}

int cli_shell(int argc, char **argv)
{
	struct runlock_entry e;
	struct fl_error err;
	char ns[PATH_MAX], ps1[256];
	const char *sh = getenv("SHELL");

	if (argc < 3)
		return cli_usage("shell");
	if (runlock_resolve(argv[1], &e, &err) < 0) {
		fprintf(stderr, "faultlab shell: %s\n", err.msg);
		return FL_EXIT_INVALID;
	}
	snprintf(ns, sizeof(ns), "%s/fl-%s-%s", NETNS_LINK_DIR, e.run_id, argv[2]);
	/* a run without run files (started by a test) says no runtime: netns if it has the
	 * namespace, else docker */
	if (strcmp(e.runtime, "docker") == 0 || (!e.runtime[0] && access(ns, F_OK) != 0)) {
		if (shell_docker_ns(e.run_id, argv[2], ns, sizeof(ns), &err) < 0) {
			fprintf(stderr, "faultlab shell: %s\n", err.msg);
			return FL_EXIT_ENV;
		}
	}
	if (shell_enter(ns, e.run_id, argv[2], &err) < 0) {
		fprintf(stderr, "faultlab shell: %s\n", err.msg);
		return FL_EXIT_ENV;
	}
	setenv("FL_RUN", e.run_id, 1);
	setenv("FL_NODE", argv[2], 1);
	snprintf(ps1, sizeof(ps1), "[%s/%s] \\w\\$ ", e.run_id, argv[2]);
	setenv("PS1", ps1, 1);
	if (argc > 3) {
		execvp(argv[3], argv + 3);
		fprintf(stderr, "faultlab shell: %s: %m\n", argv[3]);
		return FL_EXIT_ENV;
	}
	if (!sh || !*sh || access(sh, X_OK) < 0)
		sh = "/bin/sh";
	execl(sh, sh, "-i", (char *)NULL);
	fprintf(stderr, "faultlab shell: %s: %m\n", sh);
	return FL_EXIT_ENV;
}
