/* Sites as root: two nodes of one site behind its shared uplink share one token bucket (UDP
 * from both at once to a node outside, measured at the receiver: the sum stays under the
 * site's rate and each gets a share of it, where per-node shaping would give each the whole
 * rate), and a site fault never outlives its run (kill -9 of faultlab: the site's agent
 * reverts the uplink's qdiscs, `faultlab clean` removes the site's namespace). */
#include "orchestrator/runtime/runlock.h"
#include "orchestrator/runtime/runtime.h"
#include "tests/priv/util_agent.h"
#include "tests/priv/util_netns.h"
#include "tests/util_test.h"

#include "common/fltime.h"

#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define NODES 3 /* n0, n1 in site "office"; n2 outside */
#define PORT 47311

struct st_run {
	char id[16], subnet[RUNTIME_SUBNET_LEN], dir[128];
	char names[NODES][16], addrs[NODES][16], logs[NODES][160];
	char *argv[4];
	struct runtime_node_spec specs[NODES];
	struct runtime_node nodes[NODES];
	struct runtime *rt;
};

static const char *st_site_of(void *ctx, const char *node)
{
	return strcmp(node, "n2") != 0 ? "office" : NULL;
}

static void st_up(struct st_run *r)
{
	struct fl_error err;
	unsigned a, b, c;

	snprintf(r->id, sizeof(r->id), "st%d", (int)(getpid() % 1000000));
	ck_assert_msg(runtime_subnet_pick(NULL, r->id, r->subnet, &err) == 0, "%s", err.msg);
	snprintf(r->dir, sizeof(r->dir), "/tmp/fl-%s", r->id);
	mkdir(r->dir, 0755);
	r->argv[0] = "/bin/sleep";
	r->argv[1] = "120";
	r->argv[2] = NULL;
	sscanf(r->subnet, "%u.%u.%u", &a, &b, &c);
	for (int i = 0; i < NODES; i++) {
		snprintf(r->names[i], sizeof(r->names[i]), "n%d", i);
		snprintf(r->addrs[i], sizeof(r->addrs[i]), "%u.%u.%u.%d", a, b, c, i + 2);
		snprintf(r->logs[i], sizeof(r->logs[i]), "%s/n%d.log", r->dir, i);
		r->specs[i] = (struct runtime_node_spec){.name = r->names[i],
							 .address = r->addrs[i],
							 .argv = r->argv,
							 .host_data_dir = r->dir,
							 .log_path = r->logs[i]};
	}
	r->rt = runtime_new("netns", &err);
	ck_assert_msg(r->rt != NULL, "%s", err.msg);
	r->rt->node_site = st_site_of;
	struct runtime_net_spec net = {r->id, r->subnet};
	ck_assert_msg(r->rt->ops->net_create(r->rt, &net, &err) == 0, "%s", err.msg);
	ck_assert_msg(r->rt->ops->nodes_start(r->rt, r->specs, NODES, r->nodes, &err) == 0, "%s",
		      err.msg);
}

static void st_down(struct st_run *r)
{
	struct fl_error err;

	if (r->rt) {
		ck_assert_msg(r->rt->ops->teardown(r->rt, &err) == 0, "%s", err.msg);
		r->rt->ops->free(r->rt);
		r->rt = NULL;
	}
	test_sh("rm -rf %s %s/%s.subnet", r->dir, RUNLOCK_DIR, r->id);
}

/* A UDP socket made inside the namespace at path, bound to addr:port (port 0: any). */
static int st_udp(const char *path, const char *addr, int port)
{
	int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	int ns = open(path, O_RDONLY | O_CLOEXEC), fd;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};

	ck_assert_int_ge(self, 0);
	ck_assert_msg(ns >= 0, "open %s", path);
	ck_assert_int_eq(setns(ns, CLONE_NEWNET), 0);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(setns(self, CLONE_NEWNET), 0);
	close(ns);
	close(self);
	ck_assert_int_ge(fd, 0);
	inet_pton(AF_INET, addr, &sa.sin_addr);
	ck_assert_msg(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "bind %s", addr);
	return fd;
}

/* n0 and n1 each send 2 Mbit/s (500 B every 2 ms) to n2 for ms milliseconds; got[i] gets the
 * bit rate n2 received from node i over that time. */
static void st_blast(struct st_run *r, int ms, double got[2])
{
	int rx = st_udp(r->nodes[2].netns_path, r->addrs[2], PORT), tx[2];
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(PORT)};
	double t0 = fltime_mono_ms(), next = t0, end = t0 + ms;
	uint64_t bytes[2] = {0, 0};
	unsigned tick = 0;
	char buf[2048] = {0};

	inet_pton(AF_INET, r->addrs[2], &to.sin_addr);
	for (int i = 0; i < 2; i++)
		tx[i] = st_udp(r->nodes[i].netns_path, r->addrs[i], 0);
	for (;;) {
		double now = fltime_mono_ms();
		struct pollfd p = {.fd = rx, .events = POLLIN};
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n;

		if (now >= end + 300) /* what was queued when sending stopped arrives */
			break;
		/* the two in turn, the first one changing each tick: lockstep senders behind a
		 * full bucket would otherwise always have the same one come second and drop */
		while (now < end && now >= next) {
			for (int k = 0; k < 2; k++)
				sendto(tx[(tick + k) % 2], buf, 500, 0, (struct sockaddr *)&to,
				       sizeof(to));
			next += 2;
			tick++;
		}
		poll(&p, 1, 1);
		while ((n = recvfrom(rx, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl)) > 0) {
			for (int i = 0; i < 2; i++)
				if (from.sin_addr.s_addr == inet_addr(r->addrs[i]))
					bytes[i] += (uint64_t)n;
			fl = sizeof(from);
		}
	}
	for (int i = 0; i < 2; i++) {
		got[i] = (double)bytes[i] * 8 * 1000 / ms;
		close(tx[i]);
	}
	close(rx);
}

static void st_agent(struct st_run *r, struct test_agent *ag)
{
	struct fl_error err;
	char path[PATH_MAX], ifname[16];
	const char *argv[12];

	ck_assert_msg(r->rt->ops->site_netns(r->rt, "office", path, sizeof(path), ifname,
					     sizeof(ifname), &err) == 0,
		      "%s", err.msg);
	ck_assert_str_eq(ifname, "up0");
	argv[0] = test_agent_bin();
	argv[1] = "--run", argv[2] = r->id, argv[3] = "--node", argv[4] = "@office";
	argv[5] = "--netns", argv[6] = path, argv[7] = "--ifname", argv[8] = ifname;
	argv[9] = NULL;
	ck_assert_msg(test_agent_start(ag, argv) == 0, "site agent did not start");
}

START_TEST(shared_uplink_is_one_bottleneck)
{
	struct st_run r = {0};
	struct test_agent ag = {0};
	double base[2], shaped[2], after[2], rate = 1e6;
	const char *rep;
	char ns[64];

	if (!test_can_netns())
		TEST_SKIP("root", "needs root and network namespaces");
	st_up(&r);
	/* the site's nodes reach each other (through the hub, over the uplink) and the rest */
	snprintf(ns, sizeof(ns), "fl-%s-n0", r.id);
	ck_assert_msg(test_ns_sh(ns, "ping -c1 -w5 %s >/dev/null", r.addrs[1]) == 0, "n0 → n1");
	ck_assert_msg(test_ns_sh(ns, "ping -c1 -w5 %s >/dev/null", r.addrs[2]) == 0, "n0 → n2");
	st_agent(&r, &ag);
	st_blast(&r, 2000, base);
	fprintf(stderr, "sites: unshaped n0 %.2f Mbit/s, n1 %.2f Mbit/s\n", base[0] / 1e6,
		base[1] / 1e6);
	ck_assert_msg(base[0] + base[1] > 3 * rate, "unshaped: %.0f + %.0f bit/s", base[0],
		      base[1]);
	rep = test_agent_req(&ag, "{\"op\":\"apply\",\"id\":\"f1\",\"kind\":\"bandwidth\","
				  "\"lease_ms\":60000,\"seed\":1,\"params\":{\"rate_bps\":1000000,"
				  "\"direction\":\"egress\"}}");
	ck_assert_msg(rep && strstr(rep, "\"ok\":true"), "apply: %s", rep ? rep : "no reply");
	st_blast(&r, 4000, shaped);
	fprintf(stderr,
		"sites: 1 Mbit/s on the site's uplink: n0 %.3f Mbit/s, n1 %.3f Mbit/s, sum %.3f\n",
		shaped[0] / 1e6, shaped[1] / 1e6, (shaped[0] + shaped[1]) / 1e6);
	/* one bucket for both: the sum is the rate (per-node shaping would give ~2× it)... */
	ck_assert_msg(shaped[0] + shaped[1] < 1.15 * rate, "sum %.0f bit/s above the site's %.0f",
		      shaped[0] + shaped[1], rate);
	ck_assert_msg(shaped[0] + shaped[1] > 0.75 * rate, "sum %.0f bit/s: the uplink starves",
		      shaped[0] + shaped[1]);
	/* ... and each node gets a share of it, about half */
	for (int i = 0; i < 2; i++)
		ck_assert_msg(shaped[i] > 0.3 * rate && shaped[i] < 0.7 * rate,
			      "n%d got %.0f bit/s of the shared %.0f", i, shaped[i], rate);
	rep = test_agent_req(&ag, "{\"op\":\"revert\",\"id\":\"f1\"}");
	ck_assert_msg(rep && strstr(rep, "\"ok\":true"), "revert: %s", rep ? rep : "no reply");
	st_blast(&r, 2000, after);
	ck_assert_msg(after[0] + after[1] > 3 * rate, "after revert: %.0f + %.0f bit/s", after[0],
		      after[1]);
	ck_assert_int_eq(test_agent_stop(&ag), 0);
	st_down(&r);
	/* the site's namespace goes with the run */
	snprintf(ns, sizeof(ns), "/run/netns/fl-%s-@office", r.id);
	ck_assert_msg(access(ns, F_OK) != 0, "%s left after teardown", ns);
}
END_TEST

/* The run's site namespace fl-<run>-@<site> with this test's site name; 0 when found. */
static int st_find_site_ns(const char *site, char *run_id, size_t len)
{
	const char *out = test_sh("ls /run/netns | grep -- '-@%s$' | head -1", site);
	const char *at = strstr(out, "-@");

	if (strncmp(out, "fl-", 3) != 0 || !at)
		return -1;
	snprintf(run_id, len, "%.*s", (int)(at - out - 3), out + 3);
	return 0;
}

/* `faultlab run` (seed 7) of a scenario whose site fault is on `site`, into test_dir/run in the
 * background, waited for until the site's agent has applied the fault; run_id gets the run's
 * id, ns (64 bytes) the site's namespace. Returns faultlab's pid. */
static pid_t st_start_site_fault(const char *yaml, const char *site, char run_id[32], char ns[64])
{
	char out[PATH_MAX + 8];
	int applied = 0;
	pid_t pid;

	snprintf(out, sizeof(out), "%s/run", test_dir);
	pid = test_faultlab_start(out, NULL, yaml, "--seed", "7", (char *)NULL);
	for (int i = 0; i < 600 && !applied; i++) {
		applied = strstr(test_sh("grep '\"fault-apply\"' %s/events.jsonl 2>/dev/null", out),
				 "\"result\":\"ok\"") != NULL;
		if (!applied)
			usleep(100 * 1000);
	}
	ck_assert_msg(applied, "the site fault was never applied");
	ck_assert_int_eq(st_find_site_ns(site, run_id, 32), 0);
	snprintf(ns, 64, "fl-%s-@%s", run_id, site);
	return pid;
}

START_TEST(site_fault_does_not_outlive_a_killed_run)
{
	char site[16], run_id[32], ns[64], cmd[PATH_MAX * 3];
	const char *yaml;
	pid_t pid;
	int st;

	if (!test_can_netns())
		TEST_SKIP("root", "needs root and network namespaces");
	test_faultlab_setup("sitek");
	snprintf(site, sizeof(site), "k%d", (int)(getpid() % 100000));
	yaml = test_scenario(
	    "kill.yaml",
	    "version: 1\nname: site-kill\nduration: 60s\nnodes:\n  - name: a{1..2}\n"
	    "  - name: srv\nsites: {%s: [a1, a2]}\ntopology: {kind: star}\n"
	    "faults:\n  - {at: 1s, for: 50s, bandwidth: {target: {site: %s}, rate: 100kbit, "
	    "direction: both}}\n",
	    site, site);
	pid = st_start_site_fault(yaml, site, run_id, ns);
	ck_assert_msg(strstr(test_sh("ip netns exec %s tc qdisc show dev up0", ns), "tbf"),
		      "no tbf on the uplink while the fault holds: %s",
		      test_sh("ip netns exec %s tc qdisc show", ns));
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	/* the site's agent reads EOF on its stdin and reverts (< 1 s) */
	for (int i = 0; i < 50; i++) {
		const char *q = test_sh("ip netns exec %s tc qdisc show 2>&1", ns);

		if (!strstr(q, "tbf") && !strstr(q, "ingress") &&
		    !strstr(test_sh("ip netns exec %s ip -o link show 2>&1", ns), "ifb"))
			break;
		usleep(100 * 1000);
	}
	ck_assert_msg(!strstr(test_sh("ip netns exec %s tc qdisc show 2>&1", ns), "tbf"),
		      "tbf left on the uplink of a killed run: %s",
		      test_sh("ip netns exec %s tc qdisc show 2>&1", ns));
	ck_assert_msg(!strstr(test_sh("ip netns exec %s ip -o link show 2>&1", ns), "ifb"),
		      "IFB left in the site of a killed run: %s",
		      test_sh("ip netns exec %s ip -o link show 2>&1", ns));
	/* and `faultlab clean` removes the site's namespace with the rest of the dead run */
	ck_assert_int_eq(
	    test_sh_out(cmd, sizeof(cmd), "%s clean --run %s 2>&1", test_faultlab, run_id), 0);
	snprintf(cmd, sizeof(cmd), "/run/netns/%s", ns);
	ck_assert_msg(access(cmd, F_OK) != 0, "%s left after faultlab clean", cmd);
	test_sh("rm -rf %s", test_dir); /* an interrupted run has no report to validate */
}
END_TEST

/* A whole run with a site fault: applied once by the site's agent (tbf), the report shows its
 * site, and the run passes. */
START_TEST(site_fault_in_a_run_and_its_report)
{
	char out[PATH_MAX + 8], sink[256];
	const char *yaml;

	if (!test_can_netns())
		TEST_SKIP("root", "needs root and network namespaces");
	test_faultlab_setup("sitesr");
	yaml = test_scenario(
	    "run.yaml",
	    "version: 1\nname: site-run\nduration: 6s\ndrain: 10s\nnodes:\n"
	    "  - name: a{1..2}\n  - name: srv\nsites: {office: [a1, a2]}\n"
	    "traffic:\n  - {kind: dm, from: a1, to: srv, rate: 1/s, count: 4}\n"
	    "faults:\n  - {name: thin, at: 1s, for: 3s, bandwidth: {target: {site: office}, "
	    "rate: 200kbit, direction: both}}\n"
	    "expect:\n  - {metric: delivery, min: 100%%}\n");
	snprintf(out, sizeof(out), "%s/run", test_dir);
	ck_assert_int_eq(test_sh_out(sink, sizeof(sink),
				     "%s run %s --seed 7 --out %s --quiet >/dev/null 2>&1",
				     test_faultlab, yaml, out),
			 0);
	/* one apply and one revert, by the site's agent, under the site's first node */
	ck_assert_str_eq(
	    test_sh("grep -c '\"fault\":\"f1\".*\"result\":\"ok\"' %s/events.jsonl", out), "2\n");
	ck_assert_msg(strstr(test_sh("grep '\"fault-apply\"' %s/events.jsonl", out),
			     "\"node\":\"a1\",\"planned_ms\":1000.0"),
		      "%s", test_sh("cat %s/events.jsonl", out));
	ck_assert_msg(strstr(test_sh("cat %s/report.json", out),
			     "\"targets\": [\"a1\", \"a2\"], \"site\": \"office\""),
		      "no site in report.json");
	ck_assert_msg(strstr(test_sh("cat %s/report.json", out), "\"engine\": \"tbf\""),
		      "the uplink's engine is not tbf");
	ck_assert_msg(strstr(test_sh("cat %s/summary.md", out), "site office uplink: a1, a2"), "%s",
		      test_sh("cat %s/summary.md", out));
	ck_assert_msg(access(out, F_OK) == 0 &&
			  strstr(test_sh("ls %s", out), "site-office.agent.log"),
		      "no site agent log");
	test_tmpdir_done(test_dir);
}
END_TEST

/* The site's agent killed while its fault holds: the run journals the fault lost, sweeps the
 * site, starts a new agent, applies the fault again (the uplink shaped again), and passes on. */
START_TEST(site_agent_killed_is_replaced)
{
	char out[PATH_MAX + 8], site[16], run_id[32], ns[64], cmd[PATH_MAX * 2];
	const char *yaml;
	pid_t pid, agent;
	int st;

	if (!test_can_netns())
		TEST_SKIP("root", "needs root and network namespaces");
	test_faultlab_setup("sitesa");
	snprintf(site, sizeof(site), "g%d", (int)(getpid() % 100000));
	yaml = test_scenario(
	    "agent.yaml",
	    "version: 1\nname: site-agent\nduration: 14s\ndrain: 5s\nnodes:\n"
	    "  - name: a{1..2}\n  - name: srv\nsites: {%s: [a1, a2]}\n"
	    "faults:\n  - {at: 1s, for: 11s, bandwidth: {target: {site: %s}, rate: 100kbit}}\n",
	    site, site);
	snprintf(out, sizeof(out), "%s/run", test_dir);
	pid = st_start_site_fault(yaml, site, run_id, ns);
	/* the site's agent: the one faultlab-agent whose --netns is this site's namespace */
	agent =
	    (pid_t)atoi(test_sh("pgrep -f -- 'faultlab-agent.*--netns /run/netns/%s( |$)'", ns));
	ck_assert_msg(agent > 0, "no agent in %s", ns);
	kill(agent, SIGKILL);
	/* lost, replaced, applied again */
	for (int i = 0; i < 100; i++) {
		if (strstr(test_sh("grep '\"agent-restart\"' %s/events.jsonl", out),
			   "result\":\"ok"))
			break;
		usleep(100 * 1000);
	}
	snprintf(cmd, sizeof(cmd), "%s/events.jsonl", out);
	ck_assert_msg(strstr(test_sh("cat %s", cmd), "\"type\":\"fault-lost\""),
		      "no fault-lost: %s", test_sh("cat %s", cmd));
	ck_assert_msg(
	    strstr(test_sh("grep '\"id\":\"agent-restart\"' %s", cmd), "\"result\":\"ok\""),
	    "not applied again: %s", test_sh("cat %s", cmd));
	ck_assert_msg(strstr(test_sh("ip netns exec %s tc qdisc show dev up0", ns), "tbf"),
		      "the uplink is not shaped again");
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	/* the fault was lost for a moment: the run says so (exit 1) and tears down cleanly */
	ck_assert_msg(WIFEXITED(st), "faultlab died");
	snprintf(cmd, sizeof(cmd), "/run/netns/%s", ns);
	ck_assert_msg(access(cmd, F_OK) != 0, "%s left after the run", cmd);
	test_tmpdir_done(test_dir);
}
END_TEST

Suite *sites_suite(void)
{
	Suite *s = suite_create("sites");
	TCase *tc = tcase_create("uplink");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, shared_uplink_is_one_bottleneck);
	tcase_add_test(tc, site_fault_does_not_outlive_a_killed_run);
	tcase_add_test(tc, site_fault_in_a_run_and_its_report);
	tcase_add_test(tc, site_agent_killed_is_replaced);
	suite_add_tcase(s, tc);
	return s;
}
