/* agents/conndrop.c (fault kind connection-drop) against real TCP connections between two
 * namespaces joined by a veth pair: the test process enters the node's namespace (a) as the
 * agent does, makes connections from a to a listener in b, and applies the kind there. */
#include "agents/fault.h"
#include "tests/priv/util_netns.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static struct test_pair pair;
static int pair_ok;

static void conndrop_pair_up(void)
{
	pair_ok = test_can_netns() && test_pair_up(&pair, 0) == 0;
}

static void conndrop_pair_down(void)
{
	if (pair_ok)
		test_pair_down(&pair);
}

static void enter(const char *ns)
{
	char path[96];
	int fd;

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(setns(fd, CLONE_NEWNET), 0);
	close(fd);
}

static struct sockaddr_in sin_of(const char *addr, int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};

	inet_pton(AF_INET, addr, &sa.sin_addr);
	return sa;
}

/* A listener in b on addr_b:port (the test stays in a afterwards). */
static int listener(int port)
{
	struct sockaddr_in sa = sin_of(pair.addr_b, port);
	int fd, one = 1;

	enter(pair.ns_b);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, 8), 0);
	enter(pair.ns_a);
	return fd;
}

static int readable(int fd, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, timeout_ms) == 1;
}

/* Connects from a; fills *server with the accepted end. 0 on success, -1 if it failed. */
static int connect_pair(int lfd, int port, int *client, int *server)
{
	struct sockaddr_in sa = sin_of(pair.addr_b, port);
	struct timeval tv = {.tv_sec = 3};

	*client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(*client, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(*client, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		printf("agent_conndrop: connect %s:%d: %s\n", pair.addr_b, port, strerror(errno));
		fflush(stdout);
		return -1;
	}
	if (!readable(lfd, 3000))
		return -1;
	*server = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	return *server < 0 ? -1 : 0;
}

/* Sends one byte on `from` and says whether `to` got it within timeout_ms. */
static int carries(int from, int to, char c, int timeout_ms)
{
	char got = 0;

	ck_assert_int_eq(send(from, &c, 1, MSG_NOSIGNAL), 1);
	return readable(to, timeout_ms) && recv(to, &got, 1, 0) == 1 && got == c;
}

static int fl_chains(void)
{
	char cmd[160], out[32] = "";
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ip netns exec %s iptables-legacy -S | grep -c '^-N FL'",
		 pair.ns_a);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	if (!fgets(out, sizeof(out), p))
		out[0] = '\0';
	pclose(p);
	return atoi(out);
}

static void setup_node(struct agent_node *node, struct fault *f)
{
	memset(node, 0, sizeof(*node));
	memset(f, 0, sizeof(*f));
	snprintf(node->run_id, sizeof(node->run_id), "cd%d", (int)(getpid() % 100000));
	snprintf(node->node, sizeof(node->node), "a");
	snprintf(node->ifname, sizeof(node->ifname), "%s", pair.if_a);
	snprintf(f->id, sizeof(f->id), "f1");
	f->kind = &conndrop_fault_kind;
}

static int apply(struct agent_node *node, struct fault *f, const char *params, struct fl_error *err)
{
	json_t *j = json_loads(params, 0, NULL);
	int r;

	ck_assert_ptr_nonnull(j);
	r = f->kind->apply(node, f, j, err);
	json_decref(j);
	return r;
}

#define SKIP_WITHOUT_NETNS()                                                                       \
	do {                                                                                       \
		if (!pair_ok) {                                                                    \
			printf("agent_conndrop: skipped, needs root and network namespaces\n");    \
			return;                                                                    \
		}                                                                                  \
	} while (0)

START_TEST(test_blackhole_stalls_old_passes_new)
{
	struct agent_node node;
	struct fault f;
	struct fl_error err = {0};
	char params[64];
	int lfd, c1, s1, c2, s2;

	SKIP_WITHOUT_NETNS();
	setup_node(&node, &f);
	lfd = listener(7101);
	ck_assert_int_eq(connect_pair(lfd, 7101, &c1, &s1), 0);
	ck_assert_msg(carries(c1, s1, 'x', 2000), "the connection does not work before the fault");
	snprintf(params, sizeof(params), "{\"mode\":\"blackhole\",\"ports\":[7101]}");
	ck_assert_msg(apply(&node, &f, params, &err) == 0, "apply: %s", err.msg);
	ck_assert_str_eq(f.engine, "iptables");
	ck_assert_int_eq(fl_chains(), 2);
	ck_assert_msg(!carries(c1, s1, 'y', 1500), "a -> b still flows on the old connection");
	ck_assert_msg(!carries(s1, c1, 'z', 1500), "b -> a still flows on the old connection");
	ck_assert_msg(connect_pair(lfd, 7101, &c2, &s2) == 0, "a new connection is blocked");
	ck_assert_msg(carries(c2, s2, 'n', 2000) && carries(s2, c2, 'm', 2000),
		      "a new connection does not carry data");
	ck_assert_msg(f.kind->revert(&node, &f, &err) == 0, "revert: %s", err.msg);
	ck_assert_int_eq(fl_chains(), 0);
	/* the old connection survived: TCP retransmits what was held back */
	ck_assert_msg(readable(s1, 10000), "the old connection did not resume after revert");
}
END_TEST

START_TEST(test_reset_tells_both_ends)
{
	struct agent_node node;
	struct fault f;
	struct fl_error err = {0};
	int lfd, c1, s1, c2, s2;
	char b;

	SKIP_WITHOUT_NETNS();
	setup_node(&node, &f);
	lfd = listener(7102);
	ck_assert_int_eq(connect_pair(lfd, 7102, &c1, &s1), 0);
	ck_assert(carries(c1, s1, 'x', 2000));
	ck_assert_msg(apply(&node, &f, "{\"mode\":\"reset\"}", &err) == 0, "apply: %s", err.msg);
	ck_assert_str_eq(f.engine, "sock_destroy");
	ck_assert_int_eq(fl_chains(), 0);
	/* the node's end fails at once; the peer got a RST */
	ck_assert_msg(readable(c1, 2000), "the node's socket was not told");
	errno = 0;
	ck_assert_int_lt(recv(c1, &b, 1, 0), 1);
	ck_assert_msg(errno == ECONNABORTED || errno == ECONNRESET || errno == 0, "node end: %s",
		      strerror(errno));
	ck_assert_msg(readable(s1, 2000), "the peer's socket was not told");
	errno = 0;
	ck_assert_int_eq(recv(s1, &b, 1, 0), -1);
	ck_assert_msg(errno == ECONNRESET, "peer end: %s (expected ECONNRESET)", strerror(errno));
	ck_assert_msg(connect_pair(lfd, 7102, &c2, &s2) == 0 && carries(c2, s2, 'n', 2000),
		      "a new connection fails after the reset");
	ck_assert_msg(f.kind->revert(&node, &f, &err) == 0, "revert: %s", err.msg);
	ck_assert_int_eq(fl_chains(), 0);
}
END_TEST

START_TEST(test_bad_params_name_the_field)
{
	static const struct {
		const char *params, *field;
	} t[] = {
	    {"{\"mode\":\"drop\"}", "params.mode"},
	    {"{\"ports\":[0]}", "params.ports[0]"},
	    {"{\"ports\":\"60000\"}", "params.ports"},
	    {"{\"port\":1}", "port"},
	};
	struct agent_node node;
	struct fault f;

	SKIP_WITHOUT_NETNS();
	setup_node(&node, &f);
	enter(pair.ns_a);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct fl_error err = {0};

		ck_assert_int_lt(apply(&node, &f, t[i].params, &err), 0);
		ck_assert_msg(strstr(err.msg, t[i].field), "%s: error \"%s\" names no %s",
			      t[i].params, err.msg, t[i].field);
	}
	ck_assert_int_eq(fl_chains(), 0);
}
END_TEST

Suite *agent_conndrop_suite(void)
{
	Suite *s = suite_create("agent_conndrop");
	TCase *tc = tcase_create("conndrop");

	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, conndrop_pair_up, conndrop_pair_down);
	tcase_add_test(tc, test_blackhole_stalls_old_passes_new);
	tcase_add_test(tc, test_reset_tells_both_ends);
	tcase_add_test(tc, test_bad_params_name_the_field);
	suite_add_tcase(s, tc);
	return s;
}
