/* The agent's lease timers: which fault is reverted first, and what a renewal changes. */
#include "agents/lease.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

static void pop_all(struct lease_set *s, uint64_t now, char *order, size_t len)
{
	char id[LEASE_ID_MAX];

	order[0] = '\0';
	while (lease_set_pop_due(s, now, id, sizeof(id)))
		snprintf(order + strlen(order), len - strlen(order), "%s ", id);
}

START_TEST(test_expiry_order)
{
	static struct lease_set s;
	char order[128];

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(lease_set_put(&s, "f3", 300), 0);
	ck_assert_int_eq(lease_set_put(&s, "f1", 100), 0);
	ck_assert_int_eq(lease_set_put(&s, "f2", 200), 0);
	ck_assert_int_eq(lease_set_put(&s, "f2b", 200), 0);
	ck_assert_str_eq(lease_set_first(&s)->id, "f1");
	pop_all(&s, 99, order, sizeof(order));
	ck_assert_str_eq(order, "");
	pop_all(&s, 200, order, sizeof(order));
	ck_assert_str_eq(order, "f1 f2 f2b ");
	ck_assert_uint_eq(s.n, 1);
	pop_all(&s, 1000, order, sizeof(order));
	ck_assert_str_eq(order, "f3 ");
	ck_assert_ptr_null(lease_set_first(&s));
}
END_TEST

START_TEST(test_renew_moves_deadline)
{
	static struct lease_set s;
	char order[128];

	memset(&s, 0, sizeof(s));
	lease_set_put(&s, "a", 100);
	lease_set_put(&s, "b", 200);
	lease_set_put(&s, "a", 500); /* renewed past b */
	ck_assert_uint_eq(s.n, 2);
	ck_assert_uint_eq(lease_set_find(&s, "a")->due_ns, 500);
	pop_all(&s, 300, order, sizeof(order));
	ck_assert_str_eq(order, "b ");
	lease_set_put(&s, "c", 500); /* same deadline as a, set later: pops after a */
	pop_all(&s, 500, order, sizeof(order));
	ck_assert_str_eq(order, "a c ");
}
END_TEST

START_TEST(test_remove_and_limits)
{
	static struct lease_set s;
	char id[LEASE_ID_MAX], big[LEASE_ID_MAX + 8];

	memset(&s, 0, sizeof(s));
	lease_set_put(&s, "a", 10);
	lease_set_put(&s, "b", 20);
	ck_assert_int_eq(lease_set_remove(&s, "a"), 0);
	ck_assert_int_eq(lease_set_remove(&s, "a"), -1);
	ck_assert_ptr_null(lease_set_find(&s, "a"));
	ck_assert_int_eq(lease_set_pop_due(&s, 100, id, sizeof(id)), 1);
	ck_assert_str_eq(id, "b");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(lease_set_put(&s, big, 1), -1);
	for (int i = 0; i < LEASE_SET_MAX; i++) {
		snprintf(id, sizeof(id), "f%d", i);
		ck_assert_int_eq(lease_set_put(&s, id, (uint64_t)(LEASE_SET_MAX - i)), 0);
	}
	ck_assert_int_eq(lease_set_put(&s, "one-too-many", 1), -1);
	ck_assert_int_eq(lease_set_put(&s, "f0", 0), 0); /* a renewal still fits */
	ck_assert_str_eq(lease_set_first(&s)->id, "f0");
}
END_TEST

Suite *agent_lease_suite(void)
{
	Suite *s = suite_create("agent_lease");
	TCase *tc = tcase_create("lease");

	tcase_add_test(tc, test_expiry_order);
	tcase_add_test(tc, test_renew_moves_deadline);
	tcase_add_test(tc, test_remove_and_limits);
	suite_add_tcase(s, tc);
	return s;
}
