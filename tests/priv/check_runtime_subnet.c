/* runtime_subnet_pick as root (it records allocations in /run/faultlab): picks never overlap
 * a live run's subnet whatever the sizes, never the pool's nominal first /24 nor a docker
 * network's subnet, and a full pool is an error. Uses the pool 10.213.128.0/17 so other suites'
 * picks (from 10.213.1.0 up) do not meet these. */
#include "orchestrator/runtime/runlock.h"
#include "orchestrator/runtime/runtime.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define POOL "10.213.128.0/17"

static int rs_overlap(const char *a, const char *b)
{
	uint32_t na, nb;
	int pa, pb, m;
	struct fl_error err;

	ck_assert(runtime_subnet_parse(a, &na, &pa, &err) == 0);
	ck_assert(runtime_subnet_parse(b, &nb, &pb, &err) == 0);
	m = pa < pb ? pa : pb;
	return (na >> (32 - m)) == (nb >> (32 - m));
}

static void rs_rm(const char *id)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%.64s.subnet", RUNLOCK_DIR, id);
	unlink(p);
	snprintf(p, sizeof(p), "%s/%.64s.rt.lock", RUNLOCK_DIR, id);
	unlink(p);
}

START_TEST(picks_of_any_size_never_overlap)
{
	static const int sizes[] = {24, 26, 22, 25, 24, 28, 23};
	char ids[7][16], nets[7][RUNTIME_SUBNET_LEN], cmd[256];
	int locks[7], docker;
	struct fl_error err;

	/* a docker network on what would be the first pick (when a daemon answers) */
	snprintf(
	    cmd, sizeof(cmd),
	    "docker network create --subnet 10.213.129.0/24 --label faultlab.run=rsn%d fl-rsnet%d "
	    ">/dev/null 2>&1",
	    (int)getpid(), (int)getpid());
	docker = system(cmd) == 0;

	for (int i = 0; i < 7; i++) {
		snprintf(ids[i], sizeof(ids[i]), "rs%d%d", i, (int)(getpid() % 100000));
		locks[i] = runlock_hold(ids[i], ".rt.lock", &err); /* live while the test runs */
		ck_assert_msg(locks[i] >= 0, "%s", err.msg);
		ck_assert_msg(runtime_subnet_pick_prefix(POOL, sizes[i], ids[i], nets[i],
							 sizeof(nets[i]), &err) == 0,
			      "%s", err.msg);
		ck_assert(!rs_overlap(nets[i], "10.213.128.0/24")); /* the nominal block */
		ck_assert(rs_overlap(nets[i], POOL));
		for (int j = 0; j < i; j++)
			ck_assert_msg(!rs_overlap(nets[i], nets[j]), "%s overlaps %s", nets[i],
				      nets[j]);
		if (docker)
			ck_assert_msg(!rs_overlap(nets[i], "10.213.129.0/24"),
				      "%s overlaps a docker network", nets[i]);
	}
	if (docker) {
		snprintf(cmd, sizeof(cmd), "docker network rm fl-rsnet%d >/dev/null",
			 (int)getpid());
		ck_assert_int_eq(system(cmd), 0);
	}
	for (int i = 0; i < 7; i++) {
		close(locks[i]);
		rs_rm(ids[i]);
	}
}
END_TEST

START_TEST(a_full_pool_is_an_error)
{
	char id[16], net[RUNTIME_SUBNET_LEN];
	struct fl_error err;

	snprintf(id, sizeof(id), "rf%d", (int)(getpid() % 100000));
	/* a /24 pool: its nominal first /24 is the whole pool */
	ck_assert_int_eq(
	    runtime_subnet_pick_prefix("10.213.200.0/24", 26, id, net, sizeof(net), &err), -1);
	ck_assert_msg(strstr(err.msg, "no free /26"), "%s", err.msg);
	ck_assert_int_eq(runtime_subnet_pick("10.213.0.0/33", id, net, &err), -1);
	ck_assert_msg(strstr(err.msg, "10.213.0.0/33"), "%s", err.msg);
	rs_rm(id);
}
END_TEST

Suite *runtime_subnet_suite(void)
{
	Suite *s = suite_create("runtime_subnet");
	TCase *tc = tcase_create("subnet");

	tcase_add_test(tc, picks_of_any_size_never_overlap);
	tcase_add_test(tc, a_full_pool_is_an_error);
	suite_add_tcase(s, tc);
	return s;
}
