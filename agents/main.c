/* faultlab-agent: one per node, inside the node's network namespace; applies faults on
 * leases and reverts them (agents/README.md has the protocol). */
#include "agents/agent.h"
#include "agents/agent_loop.h"
#include "agents/agent_node.h"
#include "agents/sweep.h"

#include "common/log.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct main_opts {
	const char *run, *node, *netns, *ifname, *cgroup;
	long pgid;
	int sweep;
};

static void main_usage(FILE *f)
{
	fputs(
	    "usage: faultlab-agent --run RUNID --node NAME --netns PATH --ifname IF\n"
	    "                      [--cgroup DIR] [--pgid N]\n"
	    "       faultlab-agent --sweep --run RUNID --netns PATH [--ifname IF] [--cgroup DIR]\n"
	    "Requests are JSON lines on stdin, replies JSON lines on stdout (agents/README.md).\n",
	    f);
}

static int main_parse(int argc, char **argv, struct main_opts *o)
{
	static const struct option longopts[] = {
	    {"run", required_argument, NULL, 'r'},    {"node", required_argument, NULL, 'n'},
	    {"netns", required_argument, NULL, 's'},  {"ifname", required_argument, NULL, 'i'},
	    {"cgroup", required_argument, NULL, 'c'}, {"pgid", required_argument, NULL, 'p'},
	    {"sweep", no_argument, NULL, 'S'},	      {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},      {0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			o->run = optarg;
			break;
		case 'n':
			o->node = optarg;
			break;
		case 's':
			o->netns = optarg;
			break;
		case 'i':
			o->ifname = optarg;
			break;
		case 'c':
			o->cgroup = optarg;
			break;
		case 'p':
			o->pgid = strtol(optarg, NULL, 10);
			break;
		case 'S':
			o->sweep = 1;
			break;
		case 'h':
			main_usage(stdout);
			exit(0);
		case 'V':
			puts("faultlab-agent " FL_VERSION);
			exit(0);
		default:
			return -1;
		}
	}
	if (optind < argc || !o->run || !o->netns || (!o->sweep && (!o->node || !o->ifname)))
		return -1;
	return 0;
}

static void main_ready(const struct agent_node *node)
{
	json_t *o =
	    json_pack("{s:s,s:i,s:s}", "event", "ready", "pid", (int)getpid(), "node", node->node);
	char *s = json_dumps(o, JSON_COMPACT);

	printf("%s\n", s);
	fflush(stdout);
	free(s);
	json_decref(o);
}

int main(int argc, char **argv)
{
	static struct agent a;
	struct main_opts o = {0};
	struct agent_node node;
	struct fl_error err = {0};
	int failed;

	log_init("agent", LOG_INFO, LOG_TEXT);
	if (agent_loop_prepare(&err) < 0 || main_parse(argc, argv, &o) < 0) {
		if (err.msg[0])
			log_error("%s", err.msg);
		main_usage(stderr);
		return 2;
	}
	if (agent_node_init(&node, o.run, o.node, o.ifname, o.cgroup, o.pgid, &err) < 0 ||
	    agent_node_enter(o.netns, &err) < 0) {
		log_error("%s", err.msg);
		return 2;
	}
	if (o.sweep)
		return sweep_run(&node, fault_kinds, stdout) == 0 ? 0 : 1;
	agent_init(&a, &node, fault_kinds, stdout);
	main_ready(&node);
	failed = agent_loop_run(&a, STDIN_FILENO, &err);
	if (failed < 0)
		log_error("%s", err.msg);
	return failed == 0 ? 0 : 1;
}
