/* The docker runtime as root: three containers of a small local image (built with
 * tools/image-labnode, no registry) on NetworkMode none, joined by faultlab to the run's hub
 * namespace (permanent neighbour entries, no route out), reachable from the hub and from each
 * other, logs streamed once per start, stop/restart (a new namespace, joined again), teardown
 * leaves no container, network or namespace; a missing image is a clear error. Skips (passes
 * with a note) when dockerd cannot be started. */
#include "orchestrator/runtime/docker_api.h"
#include "orchestrator/runtime/runlock.h"
#include "orchestrator/runtime/runtime.h"

#include "tests/util_test.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define RD_IMAGE "faultlab/rt-test:latest"

static int rd_docker_ready(void)
{
	struct docker_api api;
	struct fl_error err;

	if (docker_api_open(&api, &err) < 0) {
		if (system("tools/setup docker >/dev/null 2>&1") != 0 ||
		    docker_api_open(&api, &err) < 0) {
			test_skip_at(__FILE__, "docker", "no docker daemon: %s", err.msg);
			return 0;
		}
	}
	if (system("docker image inspect " RD_IMAGE " >/dev/null 2>&1") != 0)
		ck_assert_int_eq(
		    system("FL_IMAGE_EXTRA=/bin/sleep tools/image-labnode /bin/dash " RD_IMAGE
			   " /bin/sh >/dev/null"),
		    0);
	return 1;
}

static char *rd_sh(const char *cmd)
{
	static char buf[65536];
	FILE *f = popen(cmd, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		pclose(f);
	buf[n] = '\0';
	return buf;
}

static int rd_count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* Pings addr from the container of pid, or (pid 0) from the run's hub namespace. */
static int rd_ping_from(const char *id, pid_t pid, const char *addr)
{
	char cmd[256];

	if (pid > 0)
		snprintf(cmd, sizeof(cmd),
			 "nsenter --net=/proc/%d/ns/net ping -c1 -W2 %s >/dev/null 2>&1", (int)pid,
			 addr);
	else
		snprintf(cmd, sizeof(cmd), "ip netns exec fl-%s ping -c1 -W2 %s >/dev/null 2>&1",
			 id, addr);
	return system(cmd);
}

static void rd_wait_log(const char *path, const char *needle, int count)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "cat %s 2>/dev/null", path);
	for (int i = 0; i < 100 && rd_count(rd_sh(cmd), needle) < count; i++)
		usleep(30000);
	ck_assert_msg(rd_count(rd_sh(cmd), needle) == count, "%s: want %d x \"%s\", have: %s", path,
		      count, needle, rd_sh(cmd));
}

START_TEST(three_containers_on_the_runs_hub)
{
	char id[16], subnet[RUNTIME_SUBNET_LEN], dir[64], names[3][8], addrs[3][16], logs[3][96];
	char *argv[] = {"ignored", "-c", "echo hello @DATA@; exec /bin/sleep 60", NULL};
	struct runtime_node_spec specs[3];
	struct runtime_node nodes[3];
	struct fl_error err;
	struct runtime *rt;
	char cmd[256];
	int code, sig;
	unsigned a, b, c;

	if (!rd_docker_ready())
		return;
	snprintf(id, sizeof(id), "rd%d", (int)(getpid() % 1000000));
	ck_assert_msg(runtime_subnet_pick(NULL, id, subnet, &err) == 0, "%s", err.msg);
	snprintf(dir, sizeof(dir), "/tmp/fl-%s", id);
	mkdir(dir, 0755);
	sscanf(subnet, "%u.%u.%u", &a, &b, &c);
	for (int i = 0; i < 3; i++) {
		snprintf(names[i], sizeof(names[i]), "d%d", i);
		snprintf(addrs[i], sizeof(addrs[i]), "%u.%u.%u.%d", a, b, c, i + 2);
		snprintf(logs[i], sizeof(logs[i]), "%s/d%d.log", dir, i);
		specs[i] =
		    (struct runtime_node_spec){names[i], RD_IMAGE, addrs[i], argv, dir, logs[i]};
	}
	rt = runtime_new("docker", &err);
	ck_assert_msg(rt != NULL, "%s", err.msg);
	struct runtime_net_spec net = {id, subnet};
	ck_assert_msg(rt->ops->net_create(rt, &net, &err) == 0, "%s", err.msg);
	ck_assert_msg(rt->ops->nodes_start(rt, specs, 3, nodes, &err) == 0, "%s", err.msg);
	/* dockerd made no network: the containers are on none, the hub is faultlab's */
	snprintf(cmd, sizeof(cmd),
		 "docker inspect -f '{{.HostConfig.NetworkMode}}' fl-%s-d0; docker network ls -q "
		 "--filter label=faultlab.run=%s",
		 id, id);
	ck_assert_str_eq(rd_sh(cmd), "none\n");
	snprintf(cmd, sizeof(cmd), "/run/netns/fl-%s", id);
	ck_assert_int_eq(access(cmd, F_OK), 0);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_gt(nodes[i].pid, 0);
		ck_assert_int_eq(access(nodes[i].netns_path, F_OK), 0);
		ck_assert_str_eq(nodes[i].ifname, "eth0");
		ck_assert_int_eq(rd_ping_from(id, 0, addrs[i]), 0);
	}
	ck_assert_int_eq(rd_ping_from(id, nodes[0].pid, addrs[2]), 0);
	/* no ARP: the hub's .1 is a permanent entry with faultlab's MAC; no route out */
	snprintf(cmd, sizeof(cmd), "nsenter --net=/proc/%d/ns/net ip -4 neigh show %u.%u.%u.1",
		 (int)nodes[0].pid, a, b, c);
	ck_assert_msg(strstr(rd_sh(cmd), "lladdr 02:66:") && strstr(rd_sh(cmd), "PERMANENT"),
		      "neighbour .1: %s", rd_sh(cmd));
	snprintf(cmd, sizeof(cmd), "nsenter --net=/proc/%d/ns/net ip -4 route show default",
		 (int)nodes[0].pid);
	ck_assert_str_eq(rd_sh(cmd), "");
	rd_wait_log(logs[1], "hello /data", 1);
	/* stop, status, restart: the log holds each start's line once */
	ck_assert_int_eq(rt->ops->node_stop(rt, &nodes[1], SIGKILL, &err), 0);
	ck_assert_int_eq(rt->ops->node_status(rt, &nodes[1], &code, &sig, &err), 0);
	ck_assert_int_eq(sig, SIGKILL);
	ck_assert_msg(rt->ops->node_restart(rt, &specs[1], &nodes[1], &err) == 0, "%s", err.msg);
	ck_assert_int_eq(rt->ops->node_status(rt, &nodes[1], &code, &sig, &err), 1);
	ck_assert_int_eq(rd_ping_from(id, nodes[1].pid, addrs[0]), 0);
	ck_assert_int_eq(rd_ping_from(id, nodes[0].pid, addrs[1]), 0);
	rd_wait_log(logs[1], "hello /data", 2);
	ck_assert_msg(rt->ops->teardown(rt, &err) == 0, "%s", err.msg);
	rt->ops->free(rt);
	snprintf(cmd, sizeof(cmd),
		 "docker ps -aq --filter label=faultlab.run=%s; ls /run/netns | grep -- '^fl-%s'",
		 id, id);
	ck_assert_str_eq(rd_sh(cmd), "");
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s/%s.subnet", dir, RUNLOCK_DIR, id);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(a_missing_image_is_named)
{
	char id[16], subnet[RUNTIME_SUBNET_LEN], cmd[128];
	char *argv[] = {"x", NULL};
	struct runtime_node_spec spec = {
	    "m0", "faultlab/no-such-image:never", "10.213.250.2", argv, NULL, NULL};
	struct runtime_node node;
	struct fl_error err;
	struct runtime *rt;

	if (!rd_docker_ready())
		return;
	snprintf(id, sizeof(id), "rm%d", (int)(getpid() % 1000000));
	ck_assert_msg(runtime_subnet_pick(NULL, id, subnet, &err) == 0, "%s", err.msg);
	rt = runtime_new("docker", &err);
	ck_assert_msg(rt != NULL, "%s", err.msg);
	struct runtime_net_spec net = {id, subnet};
	ck_assert_msg(rt->ops->net_create(rt, &net, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(rt->ops->nodes_start(rt, &spec, 1, &node, &err), -1);
	ck_assert_msg(strstr(err.msg, "faultlab/no-such-image:never"), "%s", err.msg);
	ck_assert_msg(rt->ops->teardown(rt, &err) == 0, "%s", err.msg);
	rt->ops->free(rt);
	snprintf(cmd, sizeof(cmd), "rm -f %s/%s.subnet", RUNLOCK_DIR, id);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* A killed orchestrator's containers and hub namespace are removed by `faultlab clean --run`. */
START_TEST(clean_removes_a_killed_runs_containers)
{
	char id[16], subnet[RUNTIME_SUBNET_LEN], cmd[256], out[4096];
	char *argv[] = {"ignored", "-c", "exec /bin/sleep 120", NULL};
	int p[2];
	pid_t child;
	FILE *f;

	if (!rd_docker_ready())
		return;
	snprintf(id, sizeof(id), "rk%d", (int)(getpid() % 1000000));
	ck_assert_int_eq(pipe(p), 0);
	child = fork();
	if (child == 0) {
		struct runtime_node_spec specs[2] = {{"k0", RD_IMAGE, NULL, argv, NULL, NULL},
						     {"k1", RD_IMAGE, NULL, argv, NULL, NULL}};
		struct runtime_node nodes[2];
		struct fl_error err;
		struct runtime *rt;
		char a0[16], a1[16];
		unsigned a, b, c;

		if (runtime_subnet_pick(NULL, id, subnet, &err) < 0 ||
		    !(rt = runtime_new("docker", &err)))
			_exit(2);
		sscanf(subnet, "%u.%u.%u", &a, &b, &c);
		snprintf(a0, sizeof(a0), "%u.%u.%u.2", a, b, c);
		snprintf(a1, sizeof(a1), "%u.%u.%u.3", a, b, c);
		specs[0].address = a0;
		specs[1].address = a1;
		struct runtime_net_spec net = {id, subnet};
		if (rt->ops->net_create(rt, &net, &err) < 0 ||
		    rt->ops->nodes_start(rt, specs, 2, nodes, &err) < 0)
			_exit(3);
		if (write(p[1], "k", 1) != 1)
			_exit(4);
		for (;;)
			pause();
	}
	close(p[1]);
	ck_assert_int_eq(read(p[0], cmd, 1), 1);
	close(p[0]);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	snprintf(cmd, sizeof(cmd), "docker ps -q --filter label=faultlab.run=%s | wc -l", id);
	ck_assert_str_eq(rd_sh(cmd), "2\n");
	snprintf(cmd, sizeof(cmd), "ls /run/netns | grep -c -- '^fl-%s$'", id);
	ck_assert_str_eq(rd_sh(cmd), "1\n");
	snprintf(cmd, sizeof(cmd), "build/faultlab clean --run %s 2>&1", id);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	out[fread(out, 1, sizeof(out) - 1, f)] = '\0';
	ck_assert_int_eq(pclose(f), 0);
	ck_assert_msg(strstr(out, "removed"), "clean: %s", out);
	snprintf(cmd, sizeof(cmd),
		 "docker ps -aq --filter label=faultlab.run=%s; docker network ls -q --filter "
		 "label=faultlab.run=%s; ls %s/%s.* 2>/dev/null; ls /run/netns | grep -- '^fl-%s'",
		 id, id, RUNLOCK_DIR, id, id);
	ck_assert_str_eq(rd_sh(cmd), "");
}
END_TEST

Suite *runtime_docker_suite(void)
{
	Suite *s = suite_create("runtime_docker");
	TCase *tc = tcase_create("docker");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, three_containers_on_the_runs_hub);
	tcase_add_test(tc, a_missing_image_is_named);
	tcase_add_test(tc, clean_removes_a_killed_runs_containers);
	suite_add_tcase(s, tc);
	return s;
}
