#include "agents/agent_node.h"

#include "common/cleanup.h"

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static int agent_node_run_id(const char *run_id, struct fl_error *err)
{
	size_t n = run_id ? strlen(run_id) : 0;

	if (n == 0 || n > AGENT_RUN_ID_MAX ||
	    strspn(run_id, "abcdefghijklmnopqrstuvwxyz0123456789") != n)
		return fl_err(err, "--run: \"%s\" must be 1 to %d characters of [a-z0-9]",
			      run_id ? run_id : "", AGENT_RUN_ID_MAX);
	return 0;
}

int agent_node_init(struct agent_node *node, const char *run_id, const char *name,
		    const char *ifname, const char *cgroup, long pgid, struct fl_error *err)
{
	struct stat st;

	memset(node, 0, sizeof(*node));
	if (agent_node_run_id(run_id, err) < 0)
		return -1;
	if (ifname &&
	    (strlen(ifname) == 0 || strlen(ifname) >= sizeof(node->ifname) || strchr(ifname, '/')))
		return fl_err(err, "--ifname: \"%s\" is not an interface name", ifname);
	if (cgroup && (strlen(cgroup) >= sizeof(node->cgroup) || cgroup[0] != '/'))
		return fl_err(err, "--cgroup: \"%s\" must be an absolute path under %zu bytes",
			      cgroup, sizeof(node->cgroup));
	if (cgroup && (stat(cgroup, &st) < 0 || !S_ISDIR(st.st_mode)))
		return fl_err(err, "--cgroup: \"%s\" is not a directory", cgroup);
	if (pgid < 0 || pgid == 1)
		return fl_err(err, "--pgid: %ld is not a node's process group", pgid);
	snprintf(node->run_id, sizeof(node->run_id), "%s", run_id);
	snprintf(node->node, sizeof(node->node), "%s", name ? name : "node");
	snprintf(node->ifname, sizeof(node->ifname), "%s", ifname ? ifname : "");
	snprintf(node->cgroup, sizeof(node->cgroup), "%s", cgroup ? cgroup : "");
	node->pgid = (pid_t)pgid;
	return 0;
}

int agent_node_enter(const char *netns_path, struct fl_error *err)
{
	cleanup_close int fd = open(netns_path, O_RDONLY | O_CLOEXEC);
	struct stat target, host;

	if (fd < 0)
		return fl_err_errno(err, "--netns: open %s", netns_path);
	if (fstat(fd, &target) < 0)
		return fl_err_errno(err, "--netns: stat %s", netns_path);
	if (stat("/proc/1/ns/net", &host) == 0 && host.st_dev == target.st_dev &&
	    host.st_ino == target.st_ino)
		return fl_err(err,
			      "--netns: %s is the host's root network namespace; the agent "
			      "only changes a node's",
			      netns_path);
	if (setns(fd, CLONE_NEWNET) < 0)
		return fl_err_errno(err, "--netns: setns %s", netns_path);
	return 0;
}
