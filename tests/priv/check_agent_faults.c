/* faultlab-agent end to end, as root: the real binary in one of two namespaces joined by a
 * veth, real UDP traffic between them, and every check made from outside the agent
 * (iptables-legacy, ip route, the cgroup files, a worker process's progress). */
#include "tests/priv/util_agent.h"
#include "tests/priv/util_netns.h"

#include "common/fltime.h"
#include "common/hostprobe.h"
#include "orchestrator/runtime/cgroup.h"

#include <arpa/inet.h>
#include "tests/util_test.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static struct test_pair pair;
static char run_id[16];
/* Test cgroups on this host's hierarchies, wherever common/hostprobe finds them mounted ("" when
 * the host lacks one): cgroup2, the v1 freezer, and the one the runtime would put a node in
 * (cgnode, of engine cgnode_engine). check_cgroup_layouts covers the layouts this host lacks. */
static char cg2[PATH_MAX + 32], cgv1[PATH_MAX + 32], cgnode[PATH_MAX + 32], work_file[128];
static enum hostprobe_freezer cgnode_engine;
static pid_t worker = -1;
/* The janitor: a process forked per test that cleans up once the test process is gone,
 * however it ended (a failed check _exit()s the test process, skipping teardown). */
static pid_t janitor = -1, *shared_worker;
static int janitor_fd = -1;

static void faults_cleanup(void);

static void ns_path(const char *ns, char *out, size_t len)
{
	snprintf(out, len, "/run/netns/%s", ns);
}

/* Starts the agent in namespace `ns` with the extra arguments (NULL-terminated). Retries
 * a failed start: others relink build/faultlab-agent in the shared tree while tests run. */
static void agent_start(struct test_agent *p, const char *ns, const char *ifname, ...)
{
	char path[64];
	const char *argv[24] = {test_agent_bin(), "--run", run_id,     "--node", "a",
				"--netns",	  path,	   "--ifname", ifname};
	int argc = 9;
	va_list ap;

	ns_path(ns, path, sizeof(path));
	va_start(ap, ifname);
	while (argc < 22 && (argv[argc] = va_arg(ap, const char *)))
		argc++;
	va_end(ap);
	ck_assert_msg(test_agent_start(p, argv) == 0, "agent %s did not start", argv[0]);
}

/* A request's reply (util_agent.h); no reply in 5 s fails the test. */
static const char *agent_reply(const char *reply)
{
	ck_assert_msg(reply != NULL, "no reply from the agent");
	return reply;
}
#define agent_req(p, ...) agent_reply(test_agent_req(p, __VA_ARGS__))

static void apply_ok(struct test_agent *p, const char *id, const char *kind, int lease_ms,
		     const char *params)
{
	const char *r = agent_req(p,
				  "{\"op\":\"apply\",\"id\":\"%s\",\"kind\":\"%s\",\"lease_ms\":%d,"
				  "\"params\":%s}",
				  id, kind, lease_ms, params);

	ck_assert_msg(strncmp(r, "{\"ok\":true", 10) == 0, "apply %s: %s", id, r);
}

static void revert_ok(struct test_agent *p, const char *id)
{
	const char *r = agent_req(p, "{\"op\":\"revert\",\"id\":\"%s\"}", id);

	ck_assert_msg(strncmp(r, "{\"ok\":true", 10) == 0, "revert %s: %s", id, r);
}

/* Opens a UDP socket inside namespace ns (sockets keep the namespace they were made in). */
static int udp_socket_in(const char *ns)
{
	char path[64];
	int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), fd, s;

	ns_path(ns, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(setns(fd, CLONE_NEWNET), 0);
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(setns(home, CLONE_NEWNET), 0);
	close(fd);
	close(home);
	return s;
}

/* Whether a datagram sent from ns `from` reaches `to_addr` in ns `to` within timeout_ms,
 * sending one every 130 ms (a first packet waiting on ARP does not count as lost). Checks
 * that expect traffic to pass use a long timeout (they return at the first datagram), the
 * ones that expect it blocked a short one. */
static int udp_reaches(const char *from, const char *to, const char *to_addr, int timeout_ms)
{
	static int port = 40000;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)++port)};
	int rx = udp_socket_in(to), tx = udp_socket_in(from), got = 0;
	char buf[16];

	inet_pton(AF_INET, to_addr, &sa.sin_addr);
	ck_assert_int_eq(bind(rx, (struct sockaddr *)&sa, sizeof(sa)), 0);
	for (int waited = 0; waited < timeout_ms && !got; waited += 130) {
		struct pollfd pf = {.fd = rx, .events = POLLIN};

		sendto(tx, "hi", 2, 0, (struct sockaddr *)&sa, sizeof(sa)); /* EPERM when blocked */
		got = poll(&pf, 1, 130) == 1 && recv(rx, buf, sizeof(buf), 0) == 2;
	}
	close(rx);
	close(tx);
	return got;
}

#define OPEN_MS 3000
#define BLOCKED_MS 400

static int a_to_b(int timeout_ms)
{
	return udp_reaches(pair.ns_a, pair.ns_b, pair.addr_b, timeout_ms);
}

static int b_to_a(int timeout_ms)
{
	return udp_reaches(pair.ns_b, pair.ns_a, pair.addr_a, timeout_ms);
}

/* Output of a shell command run in ns a. */
static const char *sh_out(const char *fmt, ...)
{
	static char out[8192];
	char inner[512], cmd[700];
	va_list ap;
	size_t n;
	FILE *f;

	va_start(ap, fmt);
	vsnprintf(inner, sizeof(inner), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "ip netns exec %s sh -c '%s' 2>&1", pair.ns_a, inner);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	pclose(f);
	return out;
}

/* Contents of a host file (cgroup files: `ip netns exec` hides /sys/fs/cgroup). */
static const char *file_text(const char *fmt, ...)
{
	static char out[1024];
	char path[256];
	va_list ap;
	ssize_t n = 0;
	int fd;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, out, sizeof(out) - 1);
		close(fd);
	}
	out[n > 0 ? n : 0] = '\0';
	return out;
}

/* How many link-down snapshots of this run are saved for a sweep. */
static int saved_snapshots(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "ls /run/faultlab-agent/%s-*.routes 2>/dev/null | wc -l",
		 run_id);
	return atoi(sh_out("%s", cmd));
}

static int fl_chains(void)
{
	const char *s = sh_out("iptables-legacy -S");
	int n = 0;

	/* every listing has the policies: without them, a count of 0 would mean nothing */
	ck_assert_msg(strstr(s, "-P INPUT") != NULL, "iptables-legacy -S failed: %s", s);
	for (const char *p = s; (p = strstr(p, "-N FL")); p++)
		n++;
	return n;
}

static void faults_setup(void)
{
	struct hostprobe_cgroups host;
	struct fl_error err = {0};
	char root[PATH_MAX], c;
	int p[2];

	snprintf(run_id, sizeof(run_id), "t%d", (int)(getpid() % 100000));

	ck_assert_msg(hostprobe_cgroups_read(NULL, &host, &err) == 0, "%s", err.msg);
	cg2[0] = cgv1[0] = cgnode[0] = '\0';
	if (host.v2[0])
		snprintf(cg2, sizeof(cg2), "%s/fltest-%d", host.v2, (int)getpid());
	if (host.v1_freezer[0])
		snprintf(cgv1, sizeof(cgv1), "%s/fltest-%d", host.v1_freezer, (int)getpid());
	cgnode_engine = cgroup_detect(root, sizeof(root));
	ck_assert_msg(cgnode_engine != HOSTPROBE_FREEZER_NONE, "no cgroup freezer on this host");
	snprintf(cgnode, sizeof(cgnode), "%s/fltest-%d", root, (int)getpid());
	snprintf(work_file, sizeof(work_file), "/tmp/fltest-work-%d", (int)getpid());
	worker = -1;
	shared_worker = mmap(NULL, sizeof(*shared_worker), PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(shared_worker, MAP_FAILED);
	*shared_worker = -1;
	ck_assert_int_eq(test_pair_up(&pair, 41), 0);
	/* no ARP: the checks must not depend on the host's shared neighbour table */
	ck_assert_int_eq(test_pair_pin_neigh(&pair), 0);
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	janitor = fork();
	ck_assert_int_ge(janitor, 0);
	if (janitor == 0) {
		setsid(); /* Check kills the test's process group when a test fails */
		close(p[1]);
		for (ssize_t n = 1; n != 0;) /* until EOF: the test process is gone */
			if ((n = read(p[0], &c, 1)) < 0 && errno != EINTR)
				break;
		worker = *shared_worker;
		faults_cleanup();
		_exit(0);
	}
	close(p[0]);
	janitor_fd = p[1];
}

static void write_file(const char *dir, const char *file, const char *value)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, value, strlen(value)) < 0)
			fprintf(stderr, "write %s: %s\n", path, strerror(errno));
		close(fd);
	}
}

static void faults_cleanup(void)
{
	char cmd[128];

	if (worker > 0) {
		write_file(cg2, "cgroup.freeze", "0");
		write_file(cgv1, "freezer.state", "THAWED");
		write_file(cgnode, "cgroup.freeze", "0");
		write_file(cgnode, "freezer.state", "THAWED");
		kill(-worker, SIGCONT);
		kill(-worker, SIGKILL);
	}
	for (int i = 0; i < 100 && (rmdir(cg2) < 0 && errno == EBUSY); i++)
		usleep(10000);
	for (int i = 0; i < 100 && (rmdir(cgv1) < 0 && errno == EBUSY); i++)
		usleep(10000);
	for (int i = 0; i < 100 && (rmdir(cgnode) < 0 && errno == EBUSY); i++)
		usleep(10000);
	unlink(work_file);
	snprintf(cmd, sizeof(cmd), "rm -f /run/faultlab-agent/%s-*.routes", run_id);
	if (system(cmd) != 0)
		fprintf(stderr, "%s failed\n", cmd);
	if (pair.ns_a[0])
		test_pair_down(&pair);
	pair.ns_a[0] = '\0';
}

static void faults_teardown(void)
{
	close(janitor_fd);
	waitpid(janitor, NULL, 0);
	if (worker > 0)
		waitpid(worker, NULL, 0);
}

/* --- partitions ------------------------------------------------------------------------- */

static void drop_from(char *params, size_t len, const char *addr)
{
	snprintf(params, len, "{\"drop_from\":[\"%s\"]}", addr);
}

/* Packet loss of 10 pings from ns b to a, in percent. */
static int ping_loss_b_to_a(void)
{
	char cmd[256], out[2048];
	FILE *f;
	size_t n;
	const char *p;

	snprintf(cmd, sizeof(cmd), "ip netns exec %s ping -n -q -c 10 -i 0.02 -W 1 %s 2>&1",
		 pair.ns_b, pair.addr_a);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	pclose(f);
	p = strstr(out, "% packet loss");
	ck_assert_msg(p, "%s", out);
	while (p > out && (p[-1] == '.' || (p[-1] >= '0' && p[-1] <= '9')))
		p--;
	return atoi(p);
}

START_TEST(test_partition_full_loss_heals)
{
	struct test_agent a, b;
	char params[128];

	ck_assert_int_eq(ping_loss_b_to_a(), 0);
	agent_start(&a, pair.ns_a, pair.if_a, NULL);
	agent_start(&b, pair.ns_b, pair.if_b, NULL);
	drop_from(params, sizeof(params), pair.addr_b);
	apply_ok(&a, "f1", "partition", 60000, params);
	drop_from(params, sizeof(params), pair.addr_a);
	apply_ok(&b, "f1", "partition", 60000, params);
	ck_assert_int_eq(ping_loss_b_to_a(), 100);
	ck_assert(!a_to_b(BLOCKED_MS) && !b_to_a(BLOCKED_MS));
	ck_assert_ptr_nonnull(strstr(sh_out("iptables-legacy -S"), "-s 10.213.41.2/32 -j DROP"));
	revert_ok(&a, "f1");
	revert_ok(&b, "f1");
	ck_assert_int_eq(ping_loss_b_to_a(), 0);
	ck_assert_int_eq(fl_chains(), 0);
	ck_assert_int_eq(test_agent_stop(&a), 0);
	ck_assert_int_eq(test_agent_stop(&b), 0);
}
END_TEST

START_TEST(test_partition_one_way)
{
	struct test_agent a;
	char params[128];

	agent_start(&a, pair.ns_a, pair.if_a, NULL);
	drop_from(params, sizeof(params), pair.addr_b);
	apply_ok(&a, "f1", "partition", 60000, params);
	ck_assert_msg(!b_to_a(BLOCKED_MS), "b reaches a through the partition");
	ck_assert_msg(a_to_b(OPEN_MS), "a no longer reaches b: the partition is not one-way");
	ck_assert_int_eq(test_agent_stop(&a), 0); /* EOF reverts */
	ck_assert(b_to_a(OPEN_MS));
	ck_assert_int_eq(fl_chains(), 0);
}
END_TEST

START_TEST(test_two_partitions_overlap)
{
	struct test_agent a;
	char params[128];

	agent_start(&a, pair.ns_a, pair.if_a, NULL);
	drop_from(params, sizeof(params), pair.addr_b);
	apply_ok(&a, "f1", "partition", 60000, params);
	apply_ok(&a, "f2", "partition", 60000, params);
	ck_assert_int_eq(fl_chains(), 2);
	revert_ok(&a, "f1");
	ck_assert_msg(!b_to_a(BLOCKED_MS), "reverting f1 undid f2");
	ck_assert_ptr_nonnull(strstr(sh_out("iptables-legacy -S"), "-A INPUT -j FL"));
	revert_ok(&a, "f2");
	ck_assert(b_to_a(OPEN_MS));
	ck_assert_int_eq(fl_chains(), 0);
	ck_assert_int_eq(test_agent_stop(&a), 0);
}
END_TEST

START_TEST(test_lease_expires_by_itself)
{
	struct test_agent a;
	char params[128];
	uint64_t t0 = fltime_mono_ns();

	agent_start(&a, pair.ns_a, pair.if_a, NULL);
	drop_from(params, sizeof(params), pair.addr_b);
	apply_ok(&a, "f1", "partition", 1500, params);
	ck_assert(!b_to_a(BLOCKED_MS));
	ck_assert(
	    test_agent_event(&a, "{\"event\":\"expired\",\"id\":\"f1\",\"result\":\"ok\"}", 3000));
	ck_assert_uint_ge(fltime_mono_ns() - t0, 1500000000u);
	ck_assert(b_to_a(OPEN_MS));
	ck_assert_int_eq(fl_chains(), 0);
	ck_assert_str_eq(agent_req(&a, "{\"op\":\"list\"}"),
			 "{\"ok\":true,\"op\":\"list\",\"faults\":[]}");
	ck_assert_int_eq(test_agent_stop(&a), 0);
}
END_TEST

START_TEST(test_bad_requests_keep_serving)
{
	struct test_agent a;
	const char *r;

	agent_start(&a, pair.ns_a, pair.if_a, NULL);
	r = agent_req(&a,
		      "{\"op\":\"apply\",\"id\":\"f1\",\"kind\":\"partition\",\"lease_ms\":1000,"
		      "\"params\":{\"drop_from\":[\"10.213.41.2\",\"nope\"]}}");
	ck_assert_str_eq(r, "{\"ok\":false,\"op\":\"apply\",\"id\":\"f1\",\"error\":"
			    "\"params.drop_from[1]: expected an IPv4 address\",\"field\":"
			    "\"params.drop_from[1]\"}");
	r = agent_req(&a, "this is not json");
	ck_assert_ptr_nonnull(strstr(r, "\"field\":\"request\""));
	r = agent_req(&a,
		      "{\"op\":\"apply\",\"id\":\"f1\",\"kind\":\"partition\",\"lease_ms\":1000,"
		      "\"params\":{\"drop_from\":[\"10.213.41.2\"],\"typo\":1}}");
	ck_assert_ptr_nonnull(strstr(r, "\"field\":\"params.typo\""));
	r = agent_req(&a, "{\"op\":\"apply\",\"id\":\"f1\",\"kind\":\"suspend\",\"lease_ms\":1000,"
			  "\"params\":{\"wake_network_after_ms\":-4}}");
	ck_assert_ptr_nonnull(strstr(r, "\"field\":\"params.wake_network_after_ms\""));
	ck_assert_int_eq(fl_chains(), 0); /* nothing of the failed applies remains */
	ck_assert_str_eq(agent_req(&a, "{\"op\":\"ping\"}"), "{\"ok\":true,\"op\":\"ping\"}");
	ck_assert_int_eq(test_agent_stop(&a), 0);
}
END_TEST

/* --- link-down -------------------------------------------------------------------------- */

START_TEST(test_link_down_restores_routes)
{
	struct test_agent a;
	const char *r;

	ck_assert_int_eq(test_ns_sh(pair.ns_a, "ip route add 10.213.99.0/24 via %s dev %s",
				    pair.addr_b, pair.if_a),
			 0);
	agent_start(&a, pair.ns_a, pair.if_a, NULL);
	r = agent_req(&a, "{\"op\":\"apply\",\"id\":\"l1\",\"kind\":\"link-down\",\"lease_ms\":"
			  "60000}");
	ck_assert_msg(strstr(r, "\"engine\":\"netlink\""), "%s", r);
	ck_assert(!a_to_b(BLOCKED_MS) && !b_to_a(BLOCKED_MS));
	ck_assert_ptr_nonnull(strstr(sh_out("ip link show %s", pair.if_a), "state DOWN"));
	ck_assert_ptr_null(strstr(sh_out("ip route"), "10.213.99.0/24"));
	ck_assert_int_eq(saved_snapshots(), 1);
	revert_ok(&a, "l1");
	ck_assert(a_to_b(OPEN_MS) && b_to_a(OPEN_MS));
	ck_assert_ptr_nonnull(strstr(sh_out("ip route"), "10.213.99.0/24 via 10.213.41.2"));
	ck_assert_ptr_nonnull(strstr(sh_out("ip route"), "10.213.41.0/24 dev"));
	ck_assert_int_eq(saved_snapshots(), 0);
	ck_assert_int_eq(test_agent_stop(&a), 0);
}
END_TEST

/* --- freeze and suspend ----------------------------------------------------------------- */

/* Starts a shell loop that appends to work_file every 20 ms, in its own process group, in
 * cgroup dir (NULL: none). */
static void worker_start(const char *dir)
{
	ck_assert(dir == NULL || mkdir(dir, 0755) == 0);
	worker = fork();
	ck_assert_int_ge(worker, 0);
	if (worker == 0) {
		int null = open("/dev/null", O_RDWR);

		setpgid(0, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (dir)
			write_file(dir, "cgroup.procs", "0");
		execl("/bin/sh", "sh", "-c", "while :; do echo x >> \"$0\"; sleep 0.02; done",
		      work_file, (char *)NULL);
		_exit(127);
	}
	*shared_worker = worker; /* for the janitor */
	setpgid(worker, worker);
	usleep(100000);
}

static long work_size(void)
{
	struct stat st;

	return stat(work_file, &st) == 0 ? (long)st.st_size : -1;
}

/* Whether the worker appends within 2 s (it returns at the first append). */
static int worker_runs(void)
{
	long before = work_size();

	for (int i = 0; i < 100; i++) {
		usleep(20000);
		if (work_size() > before)
			return 1;
	}
	return 0;
}

/* Whether the worker stays still for 300 ms. */
static int worker_still(void)
{
	long before = work_size();

	usleep(300000);
	return work_size() == before;
}

/* What the kernel says about the frozen worker, per engine. */
static const char *frozen_state(const char *dir)
{
	const char *st;

	if (!dir) { /* SIGSTOP: the state letter after "(sh) " in /proc/PID/stat */
		st = strchr(file_text("/proc/%d/stat", (int)worker), ')');
		return st && st[2] == 'T' ? "stopped" : "running";
	}
	if (hostprobe_cgroup_dir_freezer(dir) == HOSTPROBE_FREEZER_CGROUP2)
		return strstr(file_text("%s/cgroup.events", dir), "frozen 1") ? "frozen" : "thawed";
	return strstr(file_text("%s/freezer.state", dir), "FROZEN") ? "frozen" : "thawed";
}

static void freeze_case(const char *dir, const char *engine, const char *frozen)
{
	struct test_agent a;
	char pgid[16];
	const char *r;

	worker_start(dir);
	ck_assert(worker_runs());
	snprintf(pgid, sizeof(pgid), "%d", (int)worker);
	if (dir)
		agent_start(&a, pair.ns_a, pair.if_a, "--cgroup", dir, NULL);
	else
		agent_start(&a, pair.ns_a, pair.if_a, "--pgid", pgid, NULL);
	r = agent_req(&a,
		      "{\"op\":\"apply\",\"id\":\"z1\",\"kind\":\"freeze\",\"lease_ms\":60000}");
	ck_assert_msg(strstr(r, engine), "%s", r);
	ck_assert_str_eq(frozen_state(dir), frozen);
	ck_assert_msg(worker_still(), "the worker still runs while frozen");
	revert_ok(&a, "z1");
	ck_assert_msg(worker_runs(), "the worker did not resume after the thaw");
	ck_assert_str_ne(frozen_state(dir), frozen);
	ck_assert_int_eq(test_agent_stop(&a), 0);
}

START_TEST(test_freeze_cgroup2)
{
	if (!cg2[0])
		TEST_SKIP("cgroup2",
			  "no cgroup2 mount on this host (check_cgroup_layouts mounts one)");
	freeze_case(cg2, "\"engine\":\"cgroup2\"", "frozen");
}
END_TEST

START_TEST(test_freeze_v1)
{
	if (!cgv1[0])
		TEST_SKIP("cgroup-v1",
			  "no v1 freezer hierarchy on this host (check_cgroup_layouts mounts one)");
	freeze_case(cgv1, "\"engine\":\"freezer-v1\"", "frozen");
}
END_TEST

START_TEST(test_freeze_sigstop)
{
	freeze_case(NULL, "\"engine\":\"sigstop\"", "stopped");
}
END_TEST

START_TEST(test_suspend_blackholes_then_restores)
{
	struct test_agent a;
	char engine[64];
	const char *r;
	uint64_t t_revert;

	worker_start(cgnode);
	agent_start(&a, pair.ns_a, pair.if_a, "--cgroup", cgnode, NULL);
	r = agent_req(&a, "{\"op\":\"apply\",\"id\":\"s1\",\"kind\":\"suspend\",\"lease_ms\":60000,"
			  "\"params\":{\"wake_network_after_ms\":1500}}");
	snprintf(engine, sizeof(engine), "\"engine\":\"%s+iptables\"",
		 hostprobe_freezer_name(cgnode_engine));
	ck_assert_msg(strstr(r, engine), "%s", r);
	ck_assert(worker_still());
	ck_assert(!a_to_b(BLOCKED_MS) && !b_to_a(BLOCKED_MS));
	ck_assert_ptr_nonnull(strstr(sh_out("ping -c1 -W1 127.0.0.1"), "1 received"));
	t_revert = fltime_mono_ns();
	revert_ok(&a, "s1");
	ck_assert_msg(!b_to_a(BLOCKED_MS), "the network came back with the thaw, not after it");
	ck_assert_msg(worker_runs(), "not thawed at once");
	ck_assert(
	    test_agent_event(&a, "{\"event\":\"restored\",\"id\":\"s1\",\"result\":\"ok\"}", 3000));
	ck_assert_uint_ge(fltime_mono_ns() - t_revert, 1500000000u);
	ck_assert(a_to_b(OPEN_MS) && b_to_a(OPEN_MS));
	ck_assert_int_eq(fl_chains(), 0);
	ck_assert_int_eq(test_agent_stop(&a), 0);
}
END_TEST

START_TEST(test_partition_and_suspend_overlap)
{
	struct test_agent a;
	char params[128];

	worker_start(cgnode);
	agent_start(&a, pair.ns_a, pair.if_a, "--cgroup", cgnode, NULL);
	drop_from(params, sizeof(params), pair.addr_b);
	apply_ok(&a, "p1", "partition", 60000, params);
	apply_ok(&a, "s1", "suspend", 60000, "{\"wake_network_after_ms\":0}");
	apply_ok(&a, "z1", "freeze", 60000, "{}");
	ck_assert_int_eq(fl_chains(), 3);
	revert_ok(&a, "s1");
	ck_assert(test_agent_event(&a, "\"restored\",\"id\":\"s1\"", 3000));
	ck_assert_msg(worker_still(), "reverting the suspend thawed the freeze still in force");
	ck_assert_int_eq(fl_chains(), 1);
	ck_assert_msg(a_to_b(OPEN_MS), "the suspend's OUTPUT drop stayed");
	ck_assert_msg(!b_to_a(BLOCKED_MS), "reverting the suspend undid the partition");
	revert_ok(&a, "z1");
	ck_assert(worker_runs());
	revert_ok(&a, "p1");
	ck_assert(b_to_a(OPEN_MS));
	ck_assert_int_eq(fl_chains(), 0);
	ck_assert_int_eq(test_agent_stop(&a), 0);
}
END_TEST

/* --- the agent's own end ---------------------------------------------------------------- */

static void apply_everything(struct test_agent *a)
{
	char params[128];

	drop_from(params, sizeof(params), pair.addr_b);
	apply_ok(a, "p1", "partition", 60000, params);
	apply_ok(a, "s1", "suspend", 60000, "{\"wake_network_after_ms\":30000}");
	apply_ok(a, "l1", "link-down", 60000, "{}");
	ck_assert_int_eq(fl_chains(), 3);
	ck_assert(worker_still());
}

/* Polls from outside until the node is clean or timeout_ms passes; returns elapsed ms. */
static double wait_clean(int timeout_ms)
{
	uint64_t t0 = fltime_mono_ns();

	while ((fltime_mono_ns() - t0) / 1000000u < (uint64_t)timeout_ms) {
		if (fl_chains() == 0 &&
		    !strstr(sh_out("ip link show %s", pair.if_a), "state DOWN") &&
		    strcmp(frozen_state(cgnode), "frozen") != 0)
			break;
		usleep(20000);
	}
	return (double)(fltime_mono_ns() - t0) / 1e6;
}

START_TEST(test_parent_kill9_leaves_nothing)
{
	int ready[2];
	pid_t parent;
	char c;

	worker_start(cgnode);
	ck_assert_int_eq(pipe(ready), 0);
	parent = fork();
	ck_assert_int_ge(parent, 0);
	if (parent == 0) {
		/* The orchestrator stand-in. Its stdin pipe for the agent is inherited by the
		 * test process too, so the agent never sees EOF: only the parent's death. */
		static struct test_agent a;

		agent_start(&a, pair.ns_a, pair.if_a, "--cgroup", cgnode, NULL);
		apply_everything(&a);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	ck_assert_int_eq(kill(parent, SIGKILL), 0);
	waitpid(parent, NULL, 0);
	ck_assert_double_lt(wait_clean(3000), 1000);
	ck_assert_int_eq(fl_chains(), 0);
	ck_assert(worker_runs());
}
END_TEST

START_TEST(test_signal_reverts_all)
{
	struct test_agent a;
	int st;

	worker_start(cgnode);
	agent_start(&a, pair.ns_a, pair.if_a, "--cgroup", cgnode, NULL);
	apply_everything(&a);
	kill(a.pid, SIGTERM);
	ck_assert(test_agent_event(
	    &a, "\"reverted\",\"id\":\"p1\",\"result\":\"ok\",\"reason\":\"sigterm\"", 2000));
	waitpid(a.pid, &st, 0);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_double_lt(wait_clean(0), 50);
	close(a.in);
	close(a.out);
}
END_TEST

START_TEST(test_sweep_after_crash)
{
	struct test_agent a;
	char cmd[PATH_MAX + 512], path[64];
	FILE *f;
	char out[1024] = "";

	ck_assert_int_eq(test_ns_sh(pair.ns_a, "ip route add 10.213.99.0/24 via %s dev %s",
				    pair.addr_b, pair.if_a),
			 0);
	worker_start(cgnode);
	agent_start(&a, pair.ns_a, pair.if_a, "--cgroup", cgnode, NULL);
	apply_everything(&a);
	ck_assert_int_eq(saved_snapshots(), 1);
	kill(a.pid, SIGKILL);
	waitpid(a.pid, NULL, 0);
	close(a.in);
	close(a.out);
	ck_assert_int_eq(fl_chains(), 3);
	ck_assert(worker_still());
	ns_path(pair.ns_a, path, sizeof(path));
	snprintf(cmd, sizeof(cmd), "%s --sweep --run %s --netns %s --ifname %s --cgroup %s",
		 test_agent_bin(), run_id, path, pair.if_a, cgnode);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(fgets(out, sizeof(out), f));
	ck_assert_int_eq(pclose(f), 0);
	ck_assert_msg(strncmp(out, "{\"ok\":true,\"op\":\"sweep\"", 23) == 0, "%s", out);
	ck_assert_double_lt(wait_clean(0), 50);
	ck_assert(worker_runs());
	ck_assert(a_to_b(OPEN_MS)); /* the link is up, with the routes of its address */
	ck_assert_ptr_nonnull(strstr(sh_out("ip route"), "10.213.99.0/24 via 10.213.41.2"));
	ck_assert_int_eq(saved_snapshots(), 0);
}
END_TEST

START_TEST(test_refuses_host_netns)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd),
		 "%s --run %s --node x --netns /proc/1/ns/net --ifname lo "
		 "</dev/null 2>/dev/null",
		 test_agent_bin(), run_id);
	ck_assert_int_eq(WEXITSTATUS(system(cmd)), 2);
}
END_TEST

Suite *agent_faults_suite(void)
{
	Suite *s = suite_create("agent_faults");
	TCase *tc = tcase_create("faults");

	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, faults_setup, faults_teardown);
	tcase_add_test(tc, test_partition_full_loss_heals);
	tcase_add_test(tc, test_partition_one_way);
	tcase_add_test(tc, test_two_partitions_overlap);
	tcase_add_test(tc, test_lease_expires_by_itself);
	tcase_add_test(tc, test_bad_requests_keep_serving);
	tcase_add_test(tc, test_link_down_restores_routes);
	tcase_add_test(tc, test_freeze_cgroup2);
	tcase_add_test(tc, test_freeze_v1);
	tcase_add_test(tc, test_freeze_sigstop);
	tcase_add_test(tc, test_suspend_blackholes_then_restores);
	tcase_add_test(tc, test_partition_and_suspend_overlap);
	tcase_add_test(tc, test_parent_kill9_leaves_nothing);
	tcase_add_test(tc, test_signal_reverts_all);
	tcase_add_test(tc, test_sweep_after_crash);
	tcase_add_test(tc, test_refuses_host_netns);
	suite_add_tcase(s, tc);
	return s;
}
