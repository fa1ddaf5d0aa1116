/* Runtimes: where nodes live. Two backends behind one small vtable (docs/ARCHITECTURE.md
 * decision 1): `netns` (default; a process tree per node in its own network namespace, all
 * joined by a bridge that lives in a per-run hub namespace, so the host's root namespace is
 * never touched) and `docker` (Docker Engine API over /var/run/docker.sock with libcurl).
 *
 * Every object a runtime makes carries the run id (namespace names, bridge/veth names,
 * container labels, network names) so `faultlab clean` can find leftovers of dead runs. */
#ifndef FL_RUNTIME_H
#define FL_RUNTIME_H

#include "common/error.h"

#include <limits.h>
#include <net/if.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct runtime;

struct runtime_net_spec {
	const char *run_id; /* ≤ 10 chars [a-z0-9]: goes into kernel object names */
	const char *subnet; /* "10.213.7.0/24": the run's subnet, chosen by the caller */
};

struct runtime_node_spec {
	const char *name;	   /* node name */
	const char *image;	   /* netns: ignored (argv[0] is a host path); docker: image ref */
	const char *address;	   /* the node's address inside the run subnet */
	char *const *argv;	   /* NULL-terminated; the token "@DATA@" inside any argument is
				    * replaced by the node's data dir as seen from inside the node */
	const char *host_data_dir; /* host dir for the node's files (events, db); netns uses it
				    * as is, docker bind-mounts it at /data */
	const char *log_path;	   /* host file that receives the node's stdout and stderr */
};

/* What a started node exposes to the agent and the drivers. */
struct runtime_node {
	char name[64];
	char address[16];
	pid_t pid;		   /* host pid of the node's main process (0 when not running) */
	pid_t pgid;		   /* its process group (SIGSTOP fallback of freeze) */
	char netns_path[PATH_MAX]; /* /proc/PID/ns/net or /run/netns/NAME, for the agent */
	char ifname[IF_NAMESIZE];  /* the node's interface inside its namespace */
	char cgroup[PATH_MAX];	   /* the node's cgroup dir (cgroup2 or v1 freezer), "" if none */
	char container_id[80];	   /* docker only */
};

/* One backend: everything that differs between runtimes is a field here, so callers never
 * compare runtime names (a new runtime is one entry of runtime_table in runtime.c and its own
 * files). */
struct runtime_ops {
	const char *name; /* "netns" | "docker" */
	/* Costs the preflight counts (doctor/limits.h): memory each node adds besides its own
	 * processes (docker: a containerd shim), tasks each node adds, and whether the runtime
	 * installs permanent neighbour entries (which the host's gc_thresh3 does not count). */
	uint64_t node_overhead_kib;
	int node_extra_tasks;
	int neigh_permanent;
	/* How long a run waits for its nodes to become ready (docker creates containers and may
	 * pull images: longer). FL_READY_TIMEOUT_MS overrides it. */
	long ready_timeout_ms;
	/* The least time between two node_status sweeps of a run (netns: a waitpid per node, so
	 * every check; docker: an inspect request per node, so less often). */
	long status_interval_ms;
	/* 1: a node runs from an image (spec.image is an image reference, argv[0] is ignored and
	 * the image's entrypoint gets argv[1..]); 0: argv[0] is a program on the host. */
	int runs_images;
	/* Makes the backend's private state in rt->priv; 0 or -1 + err (e.g. no docker daemon). */
	int (*init)(struct runtime *rt, struct fl_error *err);
	/* The network namespace of node `node` of the live run `run_id`, without a runtime
	 * object (`faultlab shell`): 0 and out set, or -1 + err (no such node, not running). */
	int (*node_netns)(const char *run_id, const char *node, char *out, size_t len,
			  struct fl_error *err);
	/* Sites (docs/SCENARIO.md, sites:): NULL when the runtime has none (docker, for now),
	 * else the network namespace (path) and uplink interface of site `site` of this run,
	 * once nodes_start placed a node there: what the site's agent shapes. 0 or -1 + err. */
	int (*site_netns)(struct runtime *rt, const char *site, char *path, size_t len,
			  char *ifname, size_t iflen, struct fl_error *err);
	/* Creates the run's network: a hub namespace + bridge on the subnet (both runtimes;
	 * docker joins each container's namespace to it, see docker_net.h). */
	int (*net_create)(struct runtime *rt, const struct runtime_net_spec *spec,
			  struct fl_error *err);
	/* Starts n nodes (docker creates and starts them in parallel). On error, nodes already
	 * started stay in `out` with pid != 0 so the caller can stop them. */
	int (*nodes_start)(struct runtime *rt, const struct runtime_node_spec *specs, size_t n,
			   struct runtime_node *out, struct fl_error *err);
	/* Sends `sig` (netns) or stops/kills the container; waits until the process is gone. */
	int (*node_stop)(struct runtime *rt, struct runtime_node *node, int sig,
			 struct fl_error *err);
	/* Starts a stopped node again with the same spec, address and data dir. */
	int (*node_restart)(struct runtime *rt, const struct runtime_node_spec *spec,
			    struct runtime_node *node, struct fl_error *err);
	/* Freezes (frozen 1) or thaws every process of the node, for a paused replay (netns: the
	 * node's cgroup, else SIGSTOP/SIGCONT of its process group; docker: pause/unpause).
	 * 0 done; 1 it already was in that state and was left alone (a freeze fault holds it:
	 * do not undo it); -1 + err. */
	int (*node_freeze)(struct runtime *rt, struct runtime_node *node, int frozen,
			   struct fl_error *err);
	/* 1 running, 0 exited (then *exit_code / *signal say how; -1 unknown). */
	int (*node_status)(struct runtime *rt, struct runtime_node *node, int *exit_code,
			   int *signal, struct fl_error *err);
	/* A socket (socket(2) arguments) from which node addresses are reachable: created
	 * inside the run's hub namespace (both runtimes). */
	int (*socket)(struct runtime *rt, int domain, int type, int protocol);
	/* Stops every node still running and removes the network and everything the run made. */
	int (*teardown)(struct runtime *rt, struct fl_error *err);
	void (*free)(struct runtime *rt);
};

struct runtime {
	const struct runtime_ops *ops;
	char run_id[16];
	void *priv; /* backend state */
	/* Set by the caller (may stay NULL): nodes_start asks it between nodes and gives up
	 * ("interrupted", nodes already started in `out`) when it returns non-zero, so a run
	 * of 1 000 nodes honours Ctrl-C within a second of deploying. */
	int (*cancelled)(void *ctx);
	void *cancel_ctx;
	/* Set by the caller (may stay NULL: no sites): the site of a node (docs/SCENARIO.md,
	 * sites:), NULL or "" for none. nodes_start of a runtime with site_netns puts the node
	 * behind its site's shared uplink. */
	const char *(*node_site)(void *ctx, const char *node);
	void *site_ctx;
};

/* 1 when rt->cancelled says the caller wants to stop. */
static inline int runtime_cancelled(struct runtime *rt)
{
	return rt->cancelled && rt->cancelled(rt->cancel_ctx);
}

/* The backend by name; NULL when unknown. runtime_ops_at(i) walks the table (NULL past its
 * end); runtime_names() is "netns or docker", for messages. */
const struct runtime_ops *runtime_ops_find(const char *name);
const struct runtime_ops *runtime_ops_at(size_t i);
const char *runtime_names(void);

/* Makes a runtime by name (NULL: the first, netns). NULL + err when unknown or unusable (e.g.
 * docker unreachable: the message says so, and the caller exits 3). */
struct runtime *runtime_new(const char *name, struct fl_error *err);

/* Removes leftovers of dead runs on this host: run_id NULL = every dead run. A run is alive
 * while its lock file /run/faultlab/<run_id>.lock is held (flock) by a live orchestrator;
 * live runs are refused (skipped, with a message). Returns the number of objects removed. */
int runtime_sweep(const char *run_id, int include_docker, struct fl_error *err);

/* Names (all carry the run id, which has no '-', so names parse back unambiguously):
 *   netns:  hub namespace /run/netns/fl-<run_id> (bridge "br-<run_id>" with the subnet's .1),
 *           node namespaces /run/netns/fl-<run_id>-<node> (kept by bind mounts, as
 *           `ip netns add` does, so `ip netns exec fl-<run_id>-<node> ...` works); inside the
 *           hub the veth of node i is "vn<i>"; inside a node the interface is "eth0".
 *           Node processes are children of the caller: the runtime reaps them by pid
 *           (waitpid(pid, ...)), so callers must not waitpid(-1) / reap them themselves.
 *           Node processes start with an empty signal mask and default dispositions.
 *   docker: containers "fl-<run_id>-<node>" on NetworkMode none, labels faultlab.run and
 *           faultlab.node; the hub namespace /run/netns/fl-<run_id> and its bridge as netns,
 *           a veth "vn<i>" per container whose peer is "eth0" in the container's namespace.
 *           argv[0] of a node spec is ignored: the image's entrypoint gets argv[1..], so one
 *           argv serves both runtimes ("build/labnode" on netns, /labnode in the image).
 *           FL_DOCKER_PARALLEL (default 16) bounds the requests in flight.
 *   Both:   a runtime holds /run/faultlab/<run_id>.rt.lock from net_create to teardown, so
 *           `faultlab clean` never sweeps a run that is being set up or used by tests.
 *   netns socket(): creates the socket inside the hub (setns there and back in the calling
 *           thread); give it to libcurl with CURLOPT_OPENSOCKETFUNCTION to reach nodes.
 *   cgroups: <root>/faultlab/<run_id>/<node>, root = the cgroup2 mount, else the v1 freezer
 *           mount, as common/hostprobe reads them from mountinfo; see cgroup.h.
 * Run lock and run files: runlock.h (/run/faultlab/<run_id>.{lock,json,subnet}). Take the
 * run lock before picking a subnet. */

#define RUNTIME_SUBNET_POOL "10.213.0.0/16"
#define RUNTIME_SUBNET_LEN 20 /* "255.255.255.255/32" + NUL */

/* Picks a /24 inside pool (NULL = RUNTIME_SUBNET_POOL) used by no live run, never the pool's
 * first block (the plan's nominal 10.213.0.0/24), and records it in
 * /run/faultlab/<run_id>.subnet (removed by runlock_release / faultlab clean). out gets
 * "10.213.X.0/24" and must hold RUNTIME_SUBNET_LEN bytes. */
int runtime_subnet_pick(const char *pool, const char *run_id, char *out, struct fl_error *err);
/* The same for a /prefix (e.g. 22 for a run of 1000 nodes). */
int runtime_subnet_pick_prefix(const char *pool, int prefix, const char *run_id, char *out,
			       size_t len, struct fl_error *err);
/* "10.213.7.0/24" → host-order network and prefix length. */
int runtime_subnet_parse(const char *cidr, uint32_t *net, int *prefix, struct fl_error *err);
void runtime_subnet_format(uint32_t net, int prefix, char *out, size_t len);

/* Milliseconds a node gets after node_stop's signal before it is SIGKILLed (and teardown's
 * SIGTERM before SIGKILL). */
#define RUNTIME_STOP_TIMEOUT_MS 5000

#endif
