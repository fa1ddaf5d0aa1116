/* The collector in a run's hub namespace, as the run will start it: a socket from the netns
 * runtime's socket op bound to the bridge address; two labnodes in their own namespaces push
 * to it over the lab network, and the host's root namespace cannot reach it. */
#include "orchestrator/analyze/telemetry_view.h"
#include "orchestrator/runtime/runlock.h"
#include "orchestrator/runtime/runtime.h"
#include "orchestrator/telemetry/collector.h"
#include "tests/priv/util_netns.h"

#include "common/fltime.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#define TH_PORT 8090

struct th_run {
	char id[16], subnet[RUNTIME_SUBNET_LEN], dir[128], hub[20], url[48], bin[PATH_MAX];
	char names[2][8], addrs[2][16], logs[2][160], listen[2][32], rest[2][32], peer[32];
	char *argv[2][24];
	struct runtime_node_spec specs[2];
	struct runtime_node nodes[2];
	struct runtime *rt;
	struct collector *col;
};

/* Output of a shell command run inside node i's namespace. */
static char *th_ns_out(struct th_run *r, int i, const char *cmd)
{
	static char buf[8192];
	char line[1024];

	snprintf(line, sizeof(line), "ip netns exec fl-%s-%s %s", r->id, r->names[i], cmd);
	FILE *f = popen(line, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	if (f)
		pclose(f);
	buf[n] = '\0';
	return buf;
}

static void th_node_argv(struct th_run *r, int i)
{
	char **a = r->argv[i];
	int k = 0;

	snprintf(r->listen[i], sizeof(r->listen[i]), "%s:60000", r->addrs[i]);
	snprintf(r->rest[i], sizeof(r->rest[i]), "%s:8645", r->addrs[i]);
	a[k++] = r->bin;
	a[k++] = "--name";
	a[k++] = r->names[i];
	a[k++] = "--listen";
	a[k++] = r->listen[i];
	a[k++] = "--rest";
	a[k++] = r->rest[i];
	a[k++] = "--reliability";
	a[k++] = "";
	a[k++] = "--telemetry-url";
	a[k++] = r->url;
	a[k++] = "--telemetry-period";
	a[k++] = "500ms";
	if (i == 1) {
		a[k++] = "--peer";
		a[k++] = r->peer;
	}
	a[k] = NULL;
}

static void th_up(struct th_run *r)
{
	struct fl_error err = {0};
	unsigned a, b, c;

	snprintf(r->id, sizeof(r->id), "th%d", (int)(getpid() % 1000000));
	ck_assert_msg(runtime_subnet_pick(NULL, r->id, r->subnet, &err) == 0, "%s", err.msg);
	ck_assert_ptr_nonnull(realpath("build/labnode", r->bin));
	snprintf(r->dir, sizeof(r->dir), "/tmp/fl-%s", r->id);
	mkdir(r->dir, 0755);
	sscanf(r->subnet, "%u.%u.%u", &a, &b, &c);
	snprintf(r->hub, sizeof(r->hub), "%u.%u.%u.1", a, b, c);
	snprintf(r->url, sizeof(r->url), "http://%s:%d", r->hub, TH_PORT);
	r->rt = runtime_new("netns", &err);
	ck_assert_msg(r->rt != NULL, "%s", err.msg);
	struct runtime_net_spec net = {r->id, r->subnet};
	ck_assert_msg(r->rt->ops->net_create(r->rt, &net, &err) == 0, "%s", err.msg);
	/* the hook the run will use: the hub's socket, the bridge address, our thread */
	int fd = r->rt->ops->socket(r->rt, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_msg(collector_bind(fd, r->hub, TH_PORT, &err) == 0, "%s", err.msg);
	r->col = collector_start(fd, r->dir, NULL, &err);
	ck_assert_msg(r->col != NULL, "%s", err.msg);
	for (int i = 0; i < 2; i++) {
		snprintf(r->names[i], sizeof(r->names[i]), "n%d", i);
		snprintf(r->addrs[i], sizeof(r->addrs[i]), "%u.%u.%u.%d", a, b, c, i + 2);
		snprintf(r->logs[i], sizeof(r->logs[i]), "%s/n%d.log", r->dir, i);
	}
	snprintf(r->peer, sizeof(r->peer), "%s:60000", r->addrs[0]);
	for (int i = 0; i < 2; i++) {
		th_node_argv(r, i);
		r->specs[i] = (struct runtime_node_spec){r->names[i], NULL,   r->addrs[i],
							 r->argv[i],  r->dir, r->logs[i]};
	}
	ck_assert_msg(r->rt->ops->nodes_start(r->rt, r->specs, 2, r->nodes, &err) == 0, "%s",
		      err.msg);
}

static void th_down(struct th_run *r)
{
	struct fl_error err;
	char cmd[256];

	collector_stop(r->col);
	if (r->rt) {
		ck_assert_msg(r->rt->ops->teardown(r->rt, &err) == 0, "%s", err.msg);
		r->rt->ops->free(r->rt);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s/%s.subnet", r->dir, RUNLOCK_DIR, r->id);
	ck_assert_int_eq(system(cmd), 0);
}

static long long th_count(struct th_run *r, const char *sql)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "sqlite3 %s/telemetry.db \"%s\" 2>/dev/null", r->dir, sql);
	FILE *f = popen(cmd, "r");
	long long v = -1;
	if (f) {
		if (fscanf(f, "%lld", &v) != 1)
			v = -1;
		pclose(f);
	}
	return v;
}

START_TEST(nodes_push_to_the_hub_collector)
{
	struct th_run r = {0};
	char cmd[768], key[160] = "", *out = "";
	long long rm = -1, se = -1, from_n1 = -1;
	int reached = 0, sent = 0;

	ck_assert_msg(test_can_netns(), "no network namespaces here");
	th_up(&r);
	/* no assertion until th_down: a failed one would leave the run's namespaces behind */
	for (int i = 0; i < 100 && !strstr(key, "0x04"); i++) {
		snprintf(cmd, sizeof(cmd),
			 "sh -c \"curl -s http://%s:8645/admin/v1/peers | grep -q "
			 "'connected.:true' && curl -s http://%s:8645/debug/v1/info\"",
			 r.addrs[1], r.addrs[1]);
		char *p = strstr(th_ns_out(&r, 1, cmd), "\"publicKey\":\"");
		if (p)
			sscanf(p + 13, "%150[0-9a-fx]", key);
		fltime_sleep_ms(100);
	}
	if (strstr(key, "0x04")) {
		snprintf(cmd, sizeof(cmd),
			 "curl -s -X POST http://%s:8645/ -d '{\"jsonrpc\":\"2.0\",\"id\":1,"
			 "\"method\":\"wakuext_sendOneToOneMessage\",\"params\":[{\"id\":\"%s\","
			 "\"message\":\"hub\"}]}'",
			 r.addrs[0], key);
		out = th_ns_out(&r, 0, cmd);
		sent = strstr(out, "\"hash\"") != NULL;
	}
	for (int i = 0; sent && i < 80 && (rm < 1 || se < 1); i++) {
		fltime_sleep_ms(100);
		rm = th_count(&r, "SELECT COUNT(*) FROM received_messages WHERE node_name='n1'");
		se = th_count(&r, "SELECT COUNT(*) FROM sent_envelopes WHERE node_name='n0'");
	}
	/* the pushes came from the nodes' lab addresses, through the bridge */
	snprintf(cmd, sizeof(cmd),
		 "SELECT COUNT(*) FROM pushes WHERE remote LIKE '%s:%%%%' AND status = 201",
		 r.addrs[1]);
	from_n1 = th_count(&r, cmd);
	/* nothing outside the lab reaches it: from the root namespace a request to the hub's
	 * address never arrives (the address is not local there; a connect may still succeed
	 * through the host's default route, so the collector's own count is the evidence) */
	struct collector_stats before, after;
	collector_get_stats(r.col, &before);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(TH_PORT)};
	inet_pton(AF_INET, r.hub, &sin.sin_addr);
	struct timeval tv = {.tv_sec = 2};
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0) {
		static const char get[] = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
		if (write(fd, get, sizeof(get) - 1) < 0)
			fprintf(stderr, "root-namespace write: %s\n", strerror(errno));
		fltime_sleep_ms(500);
	}
	close(fd);
	collector_get_stats(r.col, &after);
	reached = after.requests != before.requests;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	int bound_on_host = bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0;
	close(fd);
	th_down(&r);
	ck_assert_msg(strstr(key, "0x04"), "n1 never came up");
	ck_assert_msg(sent, "send answered %s", out);
	ck_assert_int_eq(rm, 1);
	ck_assert_int_ge(se, 1);
	ck_assert_int_ge(from_n1, 1);
	ck_assert_msg(!reached, "the root namespace reached the hub collector");
	ck_assert_msg(!bound_on_host, "the hub address is local in the root namespace");
}
END_TEST

Suite *telemetry_hub_suite(void)
{
	Suite *s = suite_create("telemetry_hub");
	TCase *t = tcase_create("netns");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, nodes_push_to_the_hub_collector);
	suite_add_tcase(s, t);
	return s;
}
