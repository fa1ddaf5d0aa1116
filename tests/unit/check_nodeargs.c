/* Node argument placeholders (orchestrator/drivers/nodeargs.h) and the status-cli command
 * line a plan gives (rundir_node_argv_shifted): peers' addresses shifted into the run's
 * subnet, @DATA@ left for the runtime. */
#include "orchestrator/drivers/driver.h"
#include "orchestrator/drivers/nodeargs.h"
#include "orchestrator/run/rundir.h"
#include "orchestrator/plan/planread.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

struct pushed {
	char v[8][128];
	int n;
};

static void push(void *ctx, const char *arg)
{
	struct pushed *p = ctx;

	ck_assert_int_lt(p->n, 8);
	snprintf(p->v[p->n++], sizeof(p->v[0]), "%s", arg);
}

static const char *addr_of(void *ctx, const char *name, size_t len, char *buf, size_t cap)
{
	if (len == 4 && memcmp(name, "svc1", 4) == 0)
		return "10.213.4.7";
	return NULL;
}

START_TEST(placeholders)
{
	static const char *peers[] = {"10.213.4.3", "10.213.4.4"};
	struct nodeargs x = {.name = "alice",
			     .address = "10.213.4.2",
			     .peers = peers,
			     .n_peers = 2,
			     .addr_of = addr_of};
	struct pushed p = {0};

	nodeargs_expand(&x, "--peer=@PEER@:60000", push, &p);
	ck_assert_int_eq(p.n, 2);
	ck_assert_str_eq(p.v[0], "--peer=10.213.4.3:60000");
	ck_assert_str_eq(p.v[1], "--peer=10.213.4.4:60000");
	nodeargs_expand(&x, "--staticnode=@PEERS@", push, &p);
	ck_assert_str_eq(p.v[2], "--staticnode=10.213.4.3,10.213.4.4");
	nodeargs_expand(&x, "--nat=extip:@ADDR@", push, &p);
	ck_assert_str_eq(p.v[3], "--nat=extip:10.213.4.2");
	nodeargs_expand(&x, "--storenode=/ip4/@ADDR:svc1@/tcp/60000", push, &p);
	ck_assert_str_eq(p.v[4], "--storenode=/ip4/10.213.4.7/tcp/60000");
	nodeargs_expand(&x, "@DATA@/@NAME@.db user@host @ADDR:nobody@", push, &p);
	ck_assert_str_eq(p.v[5], "@DATA@/alice.db user@host @ADDR:nobody@");
	x.n_peers = 0;
	nodeargs_expand(&x, "--peer=@PEER@", push, &p); /* no links: no argument */
	ck_assert_int_eq(p.n, 6);
}
END_TEST

/* A status-cli node linked to a labnode stand-in peer: status-cli's own flags, then the
 * scenario's args with the peer's address in the run's real subnet. */
START_TEST(status_cli_command_line)
{
	static char *args[] = {"--peer=@PEER@:60000", "--db=@DATA@/x", NULL};
	static char *none[] = {NULL};
	uint32_t links[1][2] = {{0, 1}};
	struct planread_node nodes[2];
	struct planread p;
	char **a;

	memset(&p, 0, sizeof(p));
	memset(nodes, 0, sizeof(nodes));
	snprintf(p.subnet, sizeof(p.subnet), "10.213.0.0/24");
	for (int i = 0; i < 2; i++) {
		snprintf(nodes[i].name, sizeof(nodes[i].name), i ? "bob" : "alice");
		snprintf(nodes[i].role, sizeof(nodes[i].role), "relay");
		snprintf(nodes[i].image, sizeof(nodes[i].image), "/opt/status-cli");
		snprintf(nodes[i].driver, sizeof(nodes[i].driver), "status-cli");
		snprintf(nodes[i].address, sizeof(nodes[i].address), "10.213.0.%d", 2 + i);
		nodes[i].args = i ? none : args;
	}
	p.nodes = nodes;
	p.n_nodes = 2;
	p.links = links;
	p.n_links = 1;
	a = rundir_node_argv_shifted(&p, 0, 0, 7, "10.213.9.0/24");
	ck_assert_str_eq(a[0], "/opt/status-cli");
	ck_assert_str_eq(a[1], "serve");
	ck_assert_str_eq(a[2], "-n");
	ck_assert_str_eq(a[3], "alice");
	ck_assert_str_eq(a[4], "-p");
	ck_assert_str_eq(a[5], "8545");
	ck_assert_str_eq(a[6], "--peer=10.213.9.3:60000");
	ck_assert_str_eq(a[7], "--db=@DATA@/x");
	ck_assert_ptr_null(a[8]);
	rundir_argv_free(a);
	snprintf(nodes[1].role, sizeof(nodes[1].role), "light");
	a = rundir_node_argv_shifted(&p, 1, 0, 7, "10.213.9.0/24");
	ck_assert_str_eq(a[3], "bob");
	ck_assert_str_eq(a[6], "-l"); /* light */
	ck_assert_ptr_null(a[7]);
	rundir_argv_free(a);
}
END_TEST

Suite *nodeargs_suite(void)
{
	Suite *s = suite_create("nodeargs");
	TCase *t = tcase_create("core");

	tcase_add_test(t, placeholders);
	tcase_add_test(t, status_cli_command_line);
	suite_add_tcase(s, t);
	return s;
}
