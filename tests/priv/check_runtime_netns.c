/* The netns runtime as root: nodes reach each other over the hub's bridge, the host's root
 * namespace is left exactly as it was, stop/restart, teardown leaves nothing, two runs at
 * once get different subnets and names. Names carry the test's pid. */
#include "orchestrator/runtime/runlock.h"
#include "orchestrator/runtime/runtime.h"
#include "tests/priv/util_netns.h"

#include "common/fltime.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define NODES 3

struct rn_run {
	char id[16], subnet[RUNTIME_SUBNET_LEN], dir[128];
	char names[NODES][16], addrs[NODES][16], logs[NODES][160];
	char *argv[5];
	struct runtime_node_spec specs[NODES];
	struct runtime_node nodes[NODES];
	struct runtime *rt;
};

static char *rn_sh(const char *cmd)
{
	static char buf[65536];
	FILE *f = popen(cmd, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		pclose(f);
	buf[n] = '\0';
	return strdup(buf);
}

/* The root namespace's links, addresses and routes, without counters or changing flags.
 * Docker's devices (vethXXXX, br-<12 hex>, docker0, and the docker runtime's fl-<run>
 * bridges) come and go with other suites running at the same time, so they are left out:
 * the netns runtime would leak vn<i>, br-<run> or eth0-like names, which are kept. */
static char *rn_root_state(void)
{
	return rn_sh("{ ip -o link show | sed 's/state [A-Z]*//' | cut -d' ' -f1-3; "
		     "ip -o addr show; ip route show; ip -6 route show; } | "
		     "grep -vE '(veth[0-9a-f]+|br-[0-9a-f]{12}|docker0|fl-[a-z0-9]+)([@: ]|$)'");
}

static void rn_up(struct rn_run *r, char tag)
{
	struct fl_error err;

	snprintf(r->id, sizeof(r->id), "rn%c%d", tag, (int)(getpid() % 1000000));
	ck_assert_msg(runtime_subnet_pick(NULL, r->id, r->subnet, &err) == 0, "%s", err.msg);
	snprintf(r->dir, sizeof(r->dir), "/tmp/fl-%s", r->id);
	mkdir(r->dir, 0755);
	r->argv[0] = "/bin/sh";
	r->argv[1] = "-c";
	r->argv[2] = "echo hello from @DATA@; echo x > @DATA@/marker-$$; exec sleep 60";
	r->argv[3] = NULL;
	for (int i = 0; i < NODES; i++) {
		unsigned a, b, c;
		sscanf(r->subnet, "%u.%u.%u", &a, &b, &c);
		snprintf(r->names[i], sizeof(r->names[i]), "n%d", i);
		snprintf(r->addrs[i], sizeof(r->addrs[i]), "%u.%u.%u.%d", a, b, c, i + 2);
		snprintf(r->logs[i], sizeof(r->logs[i]), "%s/n%d.log", r->dir, i);
		r->specs[i] = (struct runtime_node_spec){r->names[i], NULL,   r->addrs[i],
							 r->argv,     r->dir, r->logs[i]};
	}
	r->rt = runtime_new("netns", &err);
	ck_assert_msg(r->rt != NULL, "%s", err.msg);
	struct runtime_net_spec net = {r->id, r->subnet};
	ck_assert_msg(r->rt->ops->net_create(r->rt, &net, &err) == 0, "%s", err.msg);
	ck_assert_msg(r->rt->ops->nodes_start(r->rt, r->specs, NODES, r->nodes, &err) == 0, "%s",
		      err.msg);
}

static void rn_down(struct rn_run *r)
{
	struct fl_error err;
	char cmd[256];

	if (r->rt) {
		ck_assert_msg(r->rt->ops->teardown(r->rt, &err) == 0, "%s", err.msg);
		r->rt->ops->free(r->rt);
		r->rt = NULL;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s/%s.subnet", r->dir, RUNLOCK_DIR, r->id);
	ck_assert_int_eq(system(cmd), 0);
}

static int rn_ping(const char *run, const char *node, const char *addr)
{
	char ns[64];

	snprintf(ns, sizeof(ns), "fl-%s-%s", run, node);
	return test_ns_sh(ns, "ping -c1 -W2 %s >/dev/null 2>&1", addr);
}

static int rn_file_has(const char *path, const char *needle)
{
	char cmd[4400], *s;

	snprintf(cmd, sizeof(cmd), "cat %s 2>/dev/null", path);
	s = rn_sh(cmd);
	int hit = strstr(s, needle) != NULL;
	free(s);
	return hit;
}

START_TEST(nodes_reach_each_other_and_root_ns_untouched)
{
	struct rn_run r = {0};
	char *before = rn_root_state(), *during, *after, hub_ip[20], want[4200];
	unsigned a, b, c;

	rn_up(&r, 'a');
	during = rn_root_state();
	ck_assert_str_eq(before, during);
	ck_assert_int_eq(rn_ping(r.id, "n0", r.addrs[1]), 0);
	ck_assert_int_eq(rn_ping(r.id, "n2", r.addrs[0]), 0);
	/* a socket from runtime_ops.socket lives in the hub: the subnet's .1 is local there */
	sscanf(r.subnet, "%u.%u.%u", &a, &b, &c);
	snprintf(hub_ip, sizeof(hub_ip), "%u.%u.%u.1", a, b, c);
	int fd = r.rt->ops->socket(r.rt, AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sin = {.sin_family = AF_INET};
	inet_pton(AF_INET, hub_ip, &sin.sin_addr);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	close(fd);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ne(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0); /* not on the host */
	close(fd);
	/* output captured, @DATA@ replaced, a cgroup of its own holding the node */
	snprintf(want, sizeof(want), "hello from %s", r.dir);
	for (int i = 0; i < 50 && !rn_file_has(r.logs[2], want); i++)
		usleep(20000);
	ck_assert_msg(rn_file_has(r.logs[2], want), "log %s lacks \"%s\"", r.logs[2], want);
	ck_assert_str_ne(r.nodes[1].cgroup, "");
	snprintf(want, sizeof(want), "%s/cgroup.procs", r.nodes[1].cgroup);
	char pid[16];
	snprintf(pid, sizeof(pid), "%d", (int)r.nodes[1].pid);
	ck_assert_msg(rn_file_has(want, pid), "pid %s not in %s", pid, want);
	ck_assert_str_eq(r.nodes[0].ifname, "eth0");
	ck_assert_int_eq(access(r.nodes[0].netns_path, F_OK), 0);
	rn_down(&r);
	after = rn_root_state();
	ck_assert_str_eq(before, after);
	free(before);
	free(during);
	free(after);
}
END_TEST

START_TEST(stop_and_restart_a_node)
{
	struct rn_run r = {0};
	struct fl_error err;
	int code, sig;
	pid_t old;

	rn_up(&r, 'b');
	old = r.nodes[1].pid;
	ck_assert_int_eq(r.rt->ops->node_status(r.rt, &r.nodes[1], &code, &sig, &err), 1);
	ck_assert_int_eq(r.rt->ops->node_stop(r.rt, &r.nodes[1], SIGTERM, &err), 0);
	ck_assert_int_eq(r.nodes[1].pid, 0);
	ck_assert_int_eq(kill(old, 0), -1);
	ck_assert_int_eq(r.rt->ops->node_status(r.rt, &r.nodes[1], &code, &sig, &err), 0);
	ck_assert_int_eq(sig, SIGTERM);
	ck_assert_int_eq(r.rt->ops->node_restart(r.rt, &r.specs[1], &r.nodes[1], &err), 0);
	ck_assert_int_gt(r.nodes[1].pid, 0);
	ck_assert_int_ne(r.nodes[1].pid, old);
	ck_assert_int_eq(r.rt->ops->node_status(r.rt, &r.nodes[1], &code, &sig, &err), 1);
	ck_assert_int_eq(rn_ping(r.id, "n0", r.addrs[1]), 0);
	/* a node that exits by itself reports its code */
	ck_assert_int_eq(r.rt->ops->node_stop(r.rt, &r.nodes[2], SIGKILL, &err), 0);
	ck_assert_int_eq(r.rt->ops->node_status(r.rt, &r.nodes[2], &code, &sig, &err), 0);
	ck_assert_int_eq(sig, SIGKILL);
	rn_down(&r);
}
END_TEST

START_TEST(teardown_leaves_nothing)
{
	struct rn_run r = {0};
	pid_t pids[NODES];
	char path[512], cg[NODES][4096];

	rn_up(&r, 'c');
	for (int i = 0; i < NODES; i++) {
		pids[i] = r.nodes[i].pid;
		snprintf(cg[i], sizeof(cg[i]), "%s", r.nodes[i].cgroup);
	}
	rn_down(&r);
	for (int i = 0; i < NODES; i++) {
		ck_assert_int_eq(kill(pids[i], 0), -1);
		ck_assert_int_eq(access(cg[i], F_OK), -1);
		snprintf(path, sizeof(path), "/run/netns/fl-%s-n%d", r.id, i);
		ck_assert_int_eq(access(path, F_OK), -1);
	}
	snprintf(path, sizeof(path), "/run/netns/fl-%s", r.id);
	ck_assert_int_eq(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/%s.rt.lock", RUNLOCK_DIR, r.id);
	ck_assert_int_eq(access(path, F_OK), -1);
	ck_assert_int_eq(runlock_is_live(r.id), 0);
}
END_TEST

/* Nodes that ignore SIGTERM are SIGKILLed after one shared grace period. */
START_TEST(teardown_kills_nodes_that_ignore_sigterm)
{
	struct rn_run r = {0};
	pid_t pids[NODES];
	double t0;

	rn_up(&r, 'f');
	r.argv[2] = "trap '' TERM; exec sleep 60";
	for (int i = 0; i < NODES; i++) {
		struct fl_error err;
		ck_assert_int_eq(r.rt->ops->node_stop(r.rt, &r.nodes[i], SIGKILL, &err), 0);
		ck_assert_msg(r.rt->ops->node_restart(r.rt, &r.specs[i], &r.nodes[i], &err) == 0,
			      "%s", err.msg);
		pids[i] = r.nodes[i].pid;
	}
	usleep(200000); /* let the shells set their trap */
	t0 = fltime_mono_ms();
	rn_down(&r);
	for (int i = 0; i < NODES; i++)
		ck_assert_int_eq(kill(pids[i], 0), -1);
	/* one grace period for all, not one per node */
	ck_assert_double_lt(fltime_mono_ms() - t0, (NODES + 1) * RUNTIME_STOP_TIMEOUT_MS * 0.75);
}
END_TEST

START_TEST(two_runs_at_once_do_not_collide)
{
	struct rn_run a = {0}, b = {0};

	rn_up(&a, 'd');
	rn_up(&b, 'e');
	ck_assert_str_ne(a.subnet, b.subnet);
	ck_assert_str_ne(a.nodes[0].netns_path, b.nodes[0].netns_path);
	ck_assert_str_ne(a.nodes[0].cgroup, b.nodes[0].cgroup);
	ck_assert_int_eq(runlock_is_live(a.id), 1);
	ck_assert_int_eq(rn_ping(a.id, "n0", a.addrs[2]), 0);
	ck_assert_int_eq(rn_ping(b.id, "n0", b.addrs[2]), 0);
	/* separate L2 domains: a's node cannot reach b's addresses */
	ck_assert_int_ne(rn_ping(a.id, "n0", b.addrs[1]), 0);
	rn_down(&a);
	ck_assert_int_eq(rn_ping(b.id, "n1", b.addrs[0]), 0);
	rn_down(&b);
}
END_TEST

/* Issue 13: the lab never needs ARP, so the host's neighbour-table limits (gc_thresh3, shared
 * by every namespace) cannot break it. Each node holds one permanent entry (the hub's .1) and
 * the hub one per node, with the MACs faultlab chose; with ARP made impossible (arp_ignore=8
 * in every lab namespace: no request is ever answered) nodes and the hub still reach each
 * other, and no other entry appears. Then the fallback: a link down/up drops the node's
 * permanent entry and routes (kernel), the routes come back (as the link-down agent's revert
 * does), and the node resolves .1 once by ARP. */
static char *rn_neigh(const char *ns)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "ip netns exec %s ip -4 neigh show nud all", ns);
	return rn_sh(cmd);
}

/* Entries resolved by ARP: lines that are neither PERMANENT nor NOARP (multicast, e.g. the
 * IGMP group 224.0.0.22, needs no resolution). */
static int rn_learnt(const char *s)
{
	int n = 0;

	for (const char *l = s; *l;) {
		const char *e = strchr(l, '\n');
		size_t len = e ? (size_t)(e - l) : strlen(l);
		char line[256];
		snprintf(line, sizeof(line), "%.*s", (int)(len < 255 ? len : 255), l);
		n += !strstr(line, " PERMANENT") && !strstr(line, " NOARP");
		l = e ? e + 1 : l + len;
	}
	return n;
}

static void rn_arp_ignore(const char *ns, const char *dev, int v)
{
	ck_assert_int_eq(test_ns_sh(ns,
				    "sysctl -qw net.ipv4.conf.all.arp_ignore=%d "
				    "net.ipv4.conf.%s.arp_ignore=%d",
				    v, dev, v),
			 0);
}

START_TEST(lab_needs_no_arp)
{
	struct rn_run r = {0};
	char ns[NODES][64], hub[64], br[32], want[128], *out;
	unsigned a, b, c;

	rn_up(&r, 'g');
	sscanf(r.subnet, "%u.%u.%u", &a, &b, &c);
	snprintf(hub, sizeof(hub), "fl-%s", r.id);
	snprintf(br, sizeof(br), "br-%s", r.id);
	rn_arp_ignore(hub, br, 8);
	for (int i = 0; i < NODES; i++) {
		snprintf(ns[i], sizeof(ns[i]), "fl-%s-n%d", r.id, i);
		rn_arp_ignore(ns[i], "eth0", 8);
	}
	ck_assert_int_eq(rn_ping(r.id, "n0", r.addrs[1]), 0);
	ck_assert_int_eq(rn_ping(r.id, "n2", r.addrs[0]), 0);
	ck_assert_int_eq(test_ns_sh(hub, "ping -c1 -W2 %s >/dev/null", r.addrs[2]), 0);
	for (int i = 0; i < NODES; i++) {
		out = rn_neigh(ns[i]);
		snprintf(want, sizeof(want),
			 "%u.%u.%u.1 dev eth0 lladdr 02:66:%02x:%02x:%02x:01 PERMANENT", a, b, c, a,
			 b, c);
		ck_assert_msg(strstr(out, want) != NULL, "%s lacks \"%s\": %s", ns[i], want, out);
		ck_assert_msg(rn_learnt(out) == 0, "%s: a learnt entry: %s", ns[i], out);
		free(out);
	}
	out = rn_neigh(hub);
	for (int i = 0; i < NODES; i++) {
		snprintf(want, sizeof(want), "%s dev %s lladdr 02:66:%02x:%02x:%02x:%02x PERMANENT",
			 r.addrs[i], br, a, b, c, i + 2);
		ck_assert_msg(strstr(out, want) != NULL, "hub lacks \"%s\": %s", want, out);
	}
	ck_assert_msg(rn_learnt(out) == 0, "a learnt entry in the hub: %s", out);
	free(out);
	/* the fallback after a link-down */
	rn_arp_ignore(hub, br, 0);
	ck_assert_int_eq(test_ns_sh(ns[0],
				    "ip link set eth0 down && ip link set eth0 up && "
				    "ip route add %u.%u.%u.1/32 dev eth0 scope link && "
				    "ip route add %s via %u.%u.%u.1 dev eth0",
				    a, b, c, r.subnet, a, b, c),
			 0);
	ck_assert_int_eq(rn_ping(r.id, "n0", r.addrs[1]), 0);
	out = rn_neigh(ns[0]);
	ck_assert_msg(rn_learnt(out) == 1 && strstr(out, "PERMANENT") == NULL, "%s: %s", ns[0],
		      out);
	free(out);
	rn_down(&r);
}
END_TEST

Suite *runtime_netns_suite(void)
{
	Suite *s = suite_create("runtime_netns");
	TCase *tc = tcase_create("netns");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, nodes_reach_each_other_and_root_ns_untouched);
	tcase_add_test(tc, stop_and_restart_a_node);
	tcase_add_test(tc, teardown_leaves_nothing);
	tcase_add_test(tc, teardown_kills_nodes_that_ignore_sigterm);
	tcase_add_test(tc, two_runs_at_once_do_not_collide);
	tcase_add_test(tc, lab_needs_no_arp);
	suite_add_tcase(s, tc);
	return s;
}
