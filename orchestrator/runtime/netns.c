/* The netns runtime (docs/ARCHITECTURE.md decision 1): per run a hub namespace holding a bridge
 * with the subnet's .1, one namespace per node joined to it by a veth, node processes forked
 * into their namespace and a cgroup of their own. The host's root namespace is never
 * changed. Names: see runtime.h. */
#include "orchestrator/runtime/cgroup.h"
#include "common/xalloc.h"
#include "orchestrator/runtime/netns_hub.h"
#include "orchestrator/runtime/netns_link.h"
#include "orchestrator/runtime/netns_proc.h"
#include "orchestrator/runtime/netns_site.h"
#include "orchestrator/runtime/runlock.h"
#include "orchestrator/runtime/runtime_internal.h"

#include "common/cleanup.h"
#include "common/fltime.h"
#include "common/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct netns_node {
	char name[64];
	char ns_name[80];
	int ns_fd;
	char cgroup[PATH_MAX];
	pid_t pid;
	int status; /* waitpid status of the last exit, valid when exited */
	int exited;
};

struct netns_rt {
	int orig_fd, lock_fd;
	struct netns_hub hub;
	char cg_root[PATH_MAX];
	enum hostprobe_freezer cg_kind;
	struct netns_node *nodes;
	size_t n, cap;
	struct netns_site *sites; /* made as their first node comes (netns_site.h) */
	size_t n_sites;
	double ms_net, ms_cgroup; /* where nodes_start's time went (debug log) */
};

static struct netns_rt *netns_priv(struct runtime *rt)
{
	return rt->priv;
}

static int netns_init(struct runtime *rt, struct fl_error *err)
{
	struct netns_rt *p = fl_xcalloc(1, sizeof(*p));

	p->lock_fd = -1;
	p->orig_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (p->orig_fd < 0) {
		fl_err_errno(err, "netns runtime: open /proc/thread-self/ns/net");
		free(p);
		return -1;
	}
	netns_hub_init(&p->hub, p->orig_fd);
	p->cg_kind = cgroup_detect(p->cg_root, sizeof(p->cg_root));
	rt->priv = p;
	return 0;
}

static int netns_net_create(struct runtime *rt, const struct runtime_net_spec *spec,
			    struct fl_error *err)
{
	struct netns_rt *p = netns_priv(rt);

	if (p->hub.fd >= 0)
		return fl_err(err, "netns runtime: network already created");
	p->lock_fd = runlock_hold(spec->run_id, ".rt.lock", err);
	if (p->lock_fd < 0)
		return -1;
	snprintf(rt->run_id, sizeof(rt->run_id), "%s", spec->run_id);
	return netns_hub_create(&p->hub, spec->run_id, spec->subnet, err);
}

static struct netns_node *netns_find(struct netns_rt *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->nodes[i].name, name) == 0)
			return &p->nodes[i];
	return NULL;
}

/* The site called name, made on first use; NULL + err when it cannot be made. */
static struct netns_site *netns_site_get(struct runtime *rt, const char *name, struct fl_error *err)
{
	struct netns_rt *p = netns_priv(rt);
	struct netns_site *s;

	for (size_t i = 0; i < p->n_sites; i++)
		if (strcmp(p->sites[i].name, name) == 0)
			return &p->sites[i];
	p->sites = fl_xreallocarray(p->sites, p->n_sites + 1, sizeof(*p->sites));
	s = &p->sites[p->n_sites++];
	if (netns_site_create(s, rt->run_id, name, p->n_sites - 1, p->hub.sk, p->hub.br_ifindex,
			      p->orig_fd, err) < 0)
		return NULL;
	return s;
}

/* The node's namespace, linked to the hub (netns_hub_link) through its site's bridge when it
 * has one, else the hub's own. */
static int netns_node_net(struct runtime *rt, struct netns_node *nn, size_t idx,
			  const char *address, const char *site, struct fl_error *err)
{
	struct netns_rt *p = netns_priv(rt);
	char veth[IF_NAMESIZE];
	struct in_addr a;
	struct nl_sock *up_sk = p->hub.sk; /* where the node's veth end lives */
	int master = p->hub.br_ifindex;

	if (!address || inet_pton(AF_INET, address, &a) != 1)
		return fl_err(err, "address \"%s\" is not an IPv4 address", address ? address : "");
	if (site && *site) { /* behind the site's bridge and its one uplink */
		struct netns_site *s = netns_site_get(rt, site, err);

		if (!s)
			return -1;
		up_sk = s->sk;
		master = s->br_ifindex;
	}
	nn->ns_fd = netns_link_ns_create(nn->ns_name, p->orig_fd, err);
	if (nn->ns_fd < 0)
		return -1;
	snprintf(veth, sizeof(veth), "vn%zu", idx);
	return netns_hub_link(&p->hub, up_sk, master, veth, nn->ns_fd, ntohl(a.s_addr), err);
}

/* Forks the node's process. With report_fd the exec is not waited for: the caller finishes
 * with netns_proc_spawn_end(); without, this returns once the exec happened. */
static int netns_node_spawn(const struct netns_rt *p, struct netns_node *nn,
			    const struct runtime_node_spec *spec, int *report_fd,
			    struct fl_error *err)
{
	char **argv = runtime_argv_expand(spec->argv, spec->host_data_dir, err);
	cleanup_close int cg = -1, cg_dir = -1;
	struct netns_proc_spec ps = {.ns_fd = nn->ns_fd,
				     .cgroup_fd = -1,
				     .cgroup_dir_fd = -1,
				     .log_path = spec->log_path,
				     .cwd = spec->host_data_dir};
	int rc;

	if (!argv)
		return -1;
	if (nn->cgroup[0]) {
		cg = cgroup_procs_open(nn->cgroup, err);
		if (cg < 0) {
			runtime_argv_free(argv);
			return -1;
		}
		/* into the group at creation: first starts only. A restart right after the
		 * node's group was emptied (cgroup.kill) sometimes saw its new process die
		 * (runtime_netns stop_and_restart_a_node, 1 run in 3); it joins after the fork */
		if (report_fd && p->cg_kind == HOSTPROBE_FREEZER_CGROUP2)
			cg_dir = open(nn->cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	ps.argv = argv;
	ps.cgroup_fd = cg;
	ps.cgroup_dir_fd = cg_dir;
	if (!ps.log_path)
		ps.log_path = "/dev/null";
	if (report_fd)
		rc = netns_proc_spawn_begin(&ps, &nn->pid, report_fd, err);
	else
		rc = netns_proc_spawn(&ps, &nn->pid, err);
	runtime_argv_free(argv);
	if (rc == 0)
		nn->exited = 0;
	return rc;
}

static void netns_fill(const struct netns_rt *p, const struct netns_node *nn,
		       const struct runtime_node_spec *spec, struct runtime_node *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", nn->name);
	snprintf(out->address, sizeof(out->address), "%s", spec->address);
	out->pid = nn->pid;
	out->pgid = nn->pid;
	snprintf(out->netns_path, sizeof(out->netns_path), "%s/%s", NETNS_LINK_DIR, nn->ns_name);
	snprintf(out->ifname, sizeof(out->ifname), "eth0");
	snprintf(out->cgroup, sizeof(out->cgroup), "%s", nn->cgroup);
}

static struct netns_node *netns_add(struct netns_rt *p, const char *rid, const char *name,
				    struct fl_error *err)
{
	struct netns_node *nn;

	if (!runtime_node_name_ok(name)) {
		fl_err(err, "node name \"%s\" must be 1-48 characters of [A-Za-z0-9_.-]",
		       name ? name : "");
		return NULL;
	}
	if (netns_find(p, name)) {
		fl_err(err, "node %s exists already", name);
		return NULL;
	}
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		p->nodes = fl_xreallocarray(p->nodes, cap, sizeof(*p->nodes));
		p->cap = cap;
	}
	nn = &p->nodes[p->n++];
	memset(nn, 0, sizeof(*nn));
	nn->ns_fd = -1;
	snprintf(nn->name, sizeof(nn->name), "%s", name);
	snprintf(nn->ns_name, sizeof(nn->ns_name), "fl-%s-%s", rid, name);
	return nn;
}

/* Namespace, links, address and cgroup of a new node; its index in p->nodes in *idx. */
static int netns_node_prepare(struct runtime *rt, const struct runtime_node_spec *spec, size_t *idx,
			      struct fl_error *err)
{
	struct netns_rt *p = netns_priv(rt);
	struct netns_node *nn = netns_add(p, rt->run_id, spec->name, err);
	double t0 = fltime_mono_ms(), t1;

	if (!nn)
		return -1;
	*idx = p->n - 1;
	const char *site = rt->node_site ? rt->node_site(rt->site_ctx, spec->name) : NULL;

	if (netns_node_net(rt, nn, *idx, spec->address, site, err) < 0)
		return -1;
	t1 = fltime_mono_ms();
	if (p->cg_kind != HOSTPROBE_FREEZER_NONE &&
	    cgroup_create(p->cg_root, rt->run_id, nn->name, nn->cgroup, sizeof(nn->cgroup), err) <
		0)
		return -1;
	p->ms_net += t1 - t0;
	p->ms_cgroup += fltime_mono_ms() - t1;
	return 0;
}

static void netns_record_exit(struct netns_node *nn, int status);

/* Waits for the execs of the nodes forked by nodes_start; a failed one gets pid 0. */
static int netns_nodes_collect(struct netns_rt *p, const struct runtime_node_spec *specs,
			       const size_t *idx, const int *fds, size_t forked,
			       struct runtime_node *out, int rc, struct fl_error *err)
{
	struct fl_error e2;

	for (size_t i = 0; i < forked; i++) {
		if (netns_proc_spawn_end(out[i].pid, fds[i], specs[i].argv[0],
					 rc == 0 ? err : &e2) == 0)
			continue;
		if (rc == 0)
			rc = fl_wrap(err, "node %s", specs[i].name);
		out[i].pid = out[i].pgid = 0;
		netns_record_exit(&p->nodes[idx[i]], -1);
	}
	return rc;
}

/* Three passes: every node's namespace and links, then every fork, then every exec's
 * outcome. Nodes start working only once the network is complete (their start-up CPU does
 * not slow the setup down), and exec latency on a loaded host does not add up node after
 * node. */
static int netns_nodes_start(struct runtime *rt, const struct runtime_node_spec *specs, size_t n,
			     struct runtime_node *out, struct fl_error *err)
{
	struct netns_rt *p = netns_priv(rt);
	double t0 = fltime_mono_ms(), t1, t2;
	int *fds = fl_xcalloc(n, sizeof(*fds)), rc = 0;
	size_t *idx = fl_xcalloc(n, sizeof(*idx)), i, forked = 0;

	memset(out, 0, n * sizeof(*out));
	if (!p->hub.sk)
		rc = fl_err(err, "netns runtime: nodes_start before net_create");
	p->ms_net = p->ms_cgroup = 0;
	for (i = 0; i < n && rc == 0; i++) {
		if (runtime_cancelled(rt))
			rc = fl_err(err, "interrupted while creating the nodes' namespaces");
		else if (netns_node_prepare(rt, &specs[i], &idx[i], err) < 0)
			rc = fl_wrap(err, "node %s", specs[i].name ? specs[i].name : "?");
	}
	t1 = fltime_mono_ms();
	for (i = 0; i < n && rc == 0; i++) {
		struct netns_node *nn = &p->nodes[idx[i]];

		if (runtime_cancelled(rt)) {
			rc = fl_err(err, "interrupted while starting the nodes");
			break;
		}
		if (netns_node_spawn(p, nn, &specs[i], &fds[i], err) < 0) {
			rc = fl_wrap(err, "node %s", specs[i].name);
			break;
		}
		netns_fill(p, nn, &specs[i], &out[i]);
		forked++;
	}
	t2 = fltime_mono_ms();
	rc = netns_nodes_collect(p, specs, idx, fds, forked, out, rc, err);
	free(fds);
	free(idx);
	log_debug("netns: %zu nodes started in %.1f ms (namespace+links %.1f, cgroups %.1f, "
		  "fork %.1f, exec wait %.1f)",
		  n, fltime_mono_ms() - t0, p->ms_net, p->ms_cgroup, t2 - t1,
		  fltime_mono_ms() - t2);
	return rc;
}

static void netns_record_exit(struct netns_node *nn, int status)
{
	nn->status = status;
	nn->exited = 1;
	nn->pid = 0;
}

/* Signals the node's process group, waits for its main process, SIGKILLs after timeout. */
static int netns_node_kill(struct netns_node *nn, int sig, int timeout_ms)
{
	int st = 0, r;

	if (nn->pid <= 0)
		return 0;
	kill(-nn->pid, sig);
	kill(nn->pid, sig);
	if (sig == SIGTERM || sig == SIGINT || sig == SIGKILL || sig == SIGQUIT)
		kill(nn->pid, SIGCONT); /* a stopped (SIGSTOP-frozen) node must run to die */
	r = netns_proc_wait(nn->pid, timeout_ms, &st);
	if (r == 0) {
		kill(-nn->pid, SIGKILL);
		if (nn->cgroup[0])
			cgroup_kill(nn->cgroup, 0);
		r = netns_proc_wait(nn->pid, 5000, &st);
	}
	if (r != 0)
		netns_record_exit(nn, r == 1 ? st : -1);
	if (nn->cgroup[0])
		cgroup_kill(nn->cgroup, 1000); /* what the node forked goes with it */
	return r == 0 ? -1 : 0;
}

static int netns_node_stop(struct runtime *rt, struct runtime_node *node, int sig,
			   struct fl_error *err)
{
	struct netns_node *nn = netns_find(netns_priv(rt), node->name);

	if (!nn)
		return fl_err(err, "no node %s in this run", node->name);
	if (netns_node_kill(nn, sig, sig == SIGKILL ? 5000 : RUNTIME_STOP_TIMEOUT_MS) < 0)
		return fl_err(err, "node %s (pid %d) did not exit", nn->name, (int)nn->pid);
	node->pid = 0;
	node->pgid = 0;
	return 0;
}

static int netns_node_restart(struct runtime *rt, const struct runtime_node_spec *spec,
			      struct runtime_node *node, struct fl_error *err)
{
	struct netns_rt *p = netns_priv(rt);
	struct netns_node *nn = netns_find(p, node->name);

	if (!nn)
		return fl_err(err, "no node %s in this run", node->name);
	if (nn->pid > 0 && netns_node_kill(nn, SIGTERM, RUNTIME_STOP_TIMEOUT_MS) < 0)
		return fl_err(err, "node %s (pid %d) did not exit", nn->name, (int)nn->pid);
	if (netns_node_spawn(p, nn, spec, NULL, err) < 0)
		return fl_wrap(err, "restart node %s", nn->name);
	netns_fill(p, nn, spec, node);
	return 0;
}

static int netns_node_status(struct runtime *rt, struct runtime_node *node, int *exit_code,
			     int *signal, struct fl_error *err)
{
	struct netns_node *nn = netns_find(netns_priv(rt), node->name);
	int st, r;

	*exit_code = *signal = -1;
	if (!nn)
		return fl_err(err, "no node %s in this run", node->name);
	if (nn->pid > 0) {
		r = netns_proc_wait(nn->pid, 0, &st);
		if (r == 0)
			return 1;
		netns_record_exit(nn, r == 1 ? st : -1);
		node->pid = node->pgid = 0;
	}
	if (nn->exited && nn->status != -1) {
		if (WIFEXITED(nn->status))
			*exit_code = WEXITSTATUS(nn->status);
		else if (WIFSIGNALED(nn->status))
			*signal = WTERMSIG(nn->status);
	}
	return 0;
}

static int netns_socket(struct runtime *rt, int domain, int type, int protocol)
{
	return netns_hub_socket(&netns_priv(rt)->hub, domain, type, protocol);
}

/* SIGTERM to every node at once, then one shared grace period (not one per node). */
static void netns_stop_all(struct netns_rt *p)
{
	double until = fltime_mono_ms() + RUNTIME_STOP_TIMEOUT_MS;
	size_t left = 0;
	int st;

	for (size_t i = 0; i < p->n; i++)
		if (p->nodes[i].pid > 0) {
			kill(-p->nodes[i].pid, SIGTERM);
			kill(p->nodes[i].pid, SIGCONT);
			left++;
		}
	while (left > 0 && fltime_mono_ms() < until) {
		left = 0;
		for (size_t i = 0; i < p->n; i++) {
			struct netns_node *nn = &p->nodes[i];
			if (nn->pid <= 0)
				continue;
			int r = netns_proc_wait(nn->pid, 0, &st);
			if (r != 0)
				netns_record_exit(nn, r == 1 ? st : -1);
			else
				left++;
		}
		if (left)
			fltime_sleep_ms(5);
	}
	/* the ones that ignored SIGTERM: SIGKILL at once too, not one by one with a wait each */
	for (size_t i = 0; i < p->n; i++)
		if (p->nodes[i].pid > 0) {
			kill(-p->nodes[i].pid, SIGKILL);
			if (p->nodes[i].cgroup[0])
				cgroup_kill(p->nodes[i].cgroup, 0);
		}
}

/* Removing what the nodes leave (cgroup, namespace mount): most of it waits in the kernel
 * (cgroup offlining, the nsfs unmount), so a few threads share the nodes. */
#define NETNS_TEARDOWN_THREADS 4

struct netns_remove_job {
	struct netns_rt *p;
	size_t from, step;
	int failed;
	struct fl_error err;
};

static void *netns_remove_some(void *arg)
{
	struct netns_remove_job *j = arg;

	for (size_t i = j->from; i < j->p->n; i += j->step) {
		struct netns_node *nn = &j->p->nodes[i];
		struct fl_error e = {0};

		netns_node_kill(nn, SIGKILL, 2000);
		if (nn->cgroup[0] && cgroup_remove(nn->cgroup, &e) < 0 && !j->failed)
			j->failed = 1, j->err = e;
		if (nn->ns_fd >= 0)
			close(nn->ns_fd);
		nn->ns_fd = -1;
		if (netns_link_ns_delete(nn->ns_name, &e) < 0 && !j->failed)
			j->failed = 1, j->err = e;
	}
	return NULL;
}

/* Every node's leftovers, NETNS_TEARDOWN_THREADS at a time; 1 when one failed (err). */
static int netns_remove_all(struct netns_rt *p, struct fl_error *err)
{
	struct netns_remove_job jobs[NETNS_TEARDOWN_THREADS];
	pthread_t th[NETNS_TEARDOWN_THREADS];
	int started[NETNS_TEARDOWN_THREADS] = {0}, failed = 0;
	size_t k = p->n < NETNS_TEARDOWN_THREADS ? (p->n ? p->n : 1) : NETNS_TEARDOWN_THREADS;

	for (size_t t = 0; t < k; t++) {
		jobs[t] = (struct netns_remove_job){.p = p, .from = t, .step = k};
		started[t] =
		    t > 0 && pthread_create(&th[t], NULL, netns_remove_some, &jobs[t]) == 0;
	}
	/* this thread does share 0, and the share of any thread that could not start */
	for (size_t t = 0; t < k; t++)
		if (!started[t])
			netns_remove_some(&jobs[t]);
	for (size_t t = 0; t < k; t++) {
		if (started[t])
			pthread_join(th[t], NULL);
		if (jobs[t].failed && !failed)
			failed = 1, *err = jobs[t].err;
	}
	return failed;
}

static int netns_teardown(struct runtime *rt, struct fl_error *err)
{
	struct netns_rt *p = netns_priv(rt);
	double t0 = fltime_mono_ms(), t1, t2;
	int failed = 0;

	netns_stop_all(p);
	t1 = fltime_mono_ms();
	failed = netns_remove_all(p, err);
	t2 = fltime_mono_ms();
	p->n = 0;
	for (size_t i = 0; i < p->n_sites; i++) /* after their nodes: no veth is left in them */
		if (netns_site_remove(&p->sites[i], failed ? NULL : err) < 0)
			failed = 1;
	free(p->sites);
	p->sites = NULL;
	p->n_sites = 0;
	if (netns_hub_destroy(&p->hub, err) < 0)
		failed = 1;
	runlock_unhold(rt->run_id, ".rt.lock", &p->lock_fd);
	log_debug("netns: teardown in %.1f ms (stop %.1f, cgroups+namespaces %.1f, hub %.1f)",
		  fltime_mono_ms() - t0, t1 - t0, t2 - t1, fltime_mono_ms() - t2);
	return failed ? fl_wrap(err, "netns teardown") : 0;
}

static void netns_free(struct runtime *rt)
{
	struct netns_rt *p;
	struct fl_error err;

	if (!rt)
		return;
	p = netns_priv(rt);
	if (p) {
		if (p->hub.fd >= 0 || p->n)
			netns_teardown(rt, &err);
		if (p->orig_fd >= 0)
			close(p->orig_fd);
		free(p->nodes);
		free(p->sites);
		free(p);
	}
	free(rt);
}

int netns_node_netns(const char *run_id, const char *node, char *out, size_t len,
		     struct fl_error *err)
{
	snprintf(out, len, "%s/fl-%s-%s", NETNS_LINK_DIR, run_id, node);
	if (access(out, F_OK) != 0)
		return fl_err_errno(err, "run %s has no node %s (no %s)", run_id, node, out);
	return 0;
}

static int netns_site_netns(struct runtime *rt, const char *site, char *path, size_t len,
			    char *ifname, size_t iflen, struct fl_error *err)
{
	struct netns_rt *p = netns_priv(rt);

	for (size_t i = 0; i < p->n_sites; i++)
		if (strcmp(p->sites[i].name, site) == 0) {
			snprintf(path, len, "%s/%s", NETNS_LINK_DIR, p->sites[i].ns_name);
			snprintf(ifname, iflen, "%s", NETNS_SITE_UPLINK);
			return 0;
		}
	return fl_err(err, "run %s has no site %s", rt->run_id, site);
}

const struct runtime_ops netns_ops = {
    .name = "netns",
    .ready_timeout_ms = 20000,
    .status_interval_ms = 0,
    .runs_images = 0,
    .init = netns_init,
    .node_netns = netns_node_netns,
    .site_netns = netns_site_netns,
    .neigh_permanent = 1, /* no ARP: 2 permanent entries per node (netns_node_net) */
    .net_create = netns_net_create,
    .nodes_start = netns_nodes_start,
    .node_stop = netns_node_stop,
    .node_restart = netns_node_restart,
    .node_freeze = cgroup_node_freeze,
    .node_status = netns_node_status,
    .socket = netns_socket,
    .teardown = netns_teardown,
    .free = netns_free,
};
