/* faultlab shell RUN NODE|@SITE [CMD [ARG...]]: a shell (or CMD) inside a live node's (or
 * site's) network namespace: netns runs enter /run/netns/fl-<run>-<node> (fl-<run>-@<site>); docker
 * runs enter the container's /proc/<pid>/ns/net (the host's shell and tools, the container's
 * network, as nsenter -n does: node images carry no shell). RUN is a run id, a run directory or a
 * scenario name. */
#include "orchestrator/cli/cli.h"
#include "orchestrator/runtime/runlock.h"
#include "orchestrator/runtime/runtime.h"

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The node's namespace: through its run's runtime; a run without run files (started by a
 * test) names no runtime: the first runtime that has the node. */
static int shell_node_netns(const struct runlock_entry *e, const char *node, char *out, size_t len,
			    struct fl_error *err)
{
	const struct runtime_ops *ops = e->runtime[0] ? runtime_ops_find(e->runtime) : NULL;

	if (ops)
		return ops->node_netns(e->run_id, node, out, len, err);
	if (e->runtime[0])
		return fl_err(err, "run %s has an unknown runtime \"%s\"", e->run_id, e->runtime);
	for (size_t i = 0; (ops = runtime_ops_at(i)); i++)
		if (ops->node_netns(e->run_id, node, out, len, err) == 0)
			return 0;
	return -1;
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
	if (shell_node_netns(&e, argv[2], ns, sizeof(ns), &err) < 0) {
		fprintf(stderr, "faultlab shell: %s\n", err.msg);
		return FL_EXIT_ENV;
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
