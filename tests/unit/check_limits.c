/* The preflight's arithmetic: needs against host limits, refuse / warn / ok, and the lines
 * that say which figure does not fit. */
#include "orchestrator/doctor/limits.h"

#include <check.h>
#include <string.h>

static const struct host_limits roomy = {
    .mem_available_kib = 20ULL * 1024 * 1024,
    .nofile = 1048576,
    .tasks_max = 4194304,
    .tasks_used = 300,
    .neigh_max = 1024,
    .neigh_used = 10,
};

START_TEST(small_run_fits)
{
	struct limits_need n = {.nodes = 10, .links = 20};
	char msg[512];

	limits_estimate(&n);
	ck_assert_int_eq(limits_preflight(&roomy, &n, msg, sizeof(msg)), LIMITS_OK);
	ck_assert_str_eq(msg, "");
}
END_TEST

START_TEST(neighbour_table_refuses_a_large_mesh)
{
	/* 300 nodes, degree 4: the host's shared ARP table (1024) cannot hold their entries */
	struct limits_need n = {.nodes = 300, .links = 600};
	char msg[512];

	limits_estimate(&n);
	ck_assert_uint_eq(n.neigh, 1800);
	ck_assert_int_eq(limits_preflight(&roomy, &n, msg, sizeof(msg)), LIMITS_REFUSE);
	ck_assert_msg(strstr(msg, "IPv4 neighbour entries (all namespaces): ~1800.0 needed, "
				  "1014.0 available"),
		      "%s", msg);
	/* permanent entries are not counted against gc_thresh3 */
	n.neigh_permanent = 1;
	limits_estimate(&n);
	ck_assert_int_eq(limits_preflight(&roomy, &n, msg, sizeof(msg)), LIMITS_OK);
}
END_TEST

START_TEST(memory_and_files_name_their_figures)
{
	struct host_limits h = roomy;
	struct limits_need n = {.nodes = 1000, .links = 2000, .neigh_permanent = 1};
	char msg[512];

	h.mem_available_kib = 4ULL * 1024 * 1024; /* 4 GiB < 1000 × 9 MiB + 64 MiB */
	h.nofile = 1024;
	limits_estimate(&n);
	ck_assert_int_eq(limits_preflight(&h, &n, msg, sizeof(msg)), LIMITS_REFUSE);
	ck_assert_msg(strstr(msg, "memory: ~8.9 GiB needed, 4.0 GiB available\n"), "%s", msg);
	ck_assert_msg(strstr(msg, "open files: ~7064.0 needed, 1024.0 available — raise it with "
				  "ulimit -n\n"),
		      "%s", msg);
}
END_TEST

START_TEST(tight_is_a_warning)
{
	struct host_limits h = roomy;
	struct limits_need n = {.nodes = 100, .neigh_permanent = 1};
	char msg[512];

	limits_estimate(&n);
	h.mem_available_kib = n.mem_kib + n.mem_kib / 10; /* 91% of what is left */
	ck_assert_int_eq(limits_preflight(&h, &n, msg, sizeof(msg)), LIMITS_WARN);
	ck_assert_msg(strncmp(msg, "memory: ", 8) == 0, "%s", msg);
}
END_TEST

START_TEST(docker_costs_come_from_the_runtime)
{
	struct limits_need a = {.nodes = 10},
			   b = {.nodes = 10, .node_overhead_kib = 12 * 1024, .node_extra_tasks = 1};

	limits_estimate(&a);
	limits_estimate(&b);
	ck_assert_uint_eq(b.mem_kib - a.mem_kib, 10 * 12 * 1024);
	ck_assert_uint_eq(b.tasks - a.tasks, 10);
}
END_TEST

START_TEST(this_host_is_read)
{
	struct host_limits h;

	limits_read(&h);
	ck_assert_uint_gt(h.mem_available_kib, 0);
	ck_assert_uint_gt(h.nofile, 0);
	ck_assert_uint_gt(h.tasks_max, h.tasks_used);
	ck_assert_uint_gt(h.tasks_used, 0);
	ck_assert_uint_gt(h.neigh_max, 0);
}
END_TEST

Suite *limits_suite(void)
{
	Suite *s = suite_create("limits");
	TCase *t = tcase_create("preflight");

	tcase_add_test(t, small_run_fits);
	tcase_add_test(t, neighbour_table_refuses_a_large_mesh);
	tcase_add_test(t, memory_and_files_name_their_figures);
	tcase_add_test(t, tight_is_a_warning);
	tcase_add_test(t, docker_costs_come_from_the_runtime);
	tcase_add_test(t, this_host_is_read);
	suite_add_tcase(s, t);
	return s;
}
