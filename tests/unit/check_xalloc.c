/* common/xalloc: allocation never returns NULL, and failure is fatal (abort with a message). */
#include "common/xalloc.h"

#include <check.h>
#include <jansson.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

START_TEST(test_xalloc_zero_sizes)
{
	void *a = fl_xmalloc(0), *b = fl_xcalloc(0, 8), *c = fl_xrealloc(NULL, 0);

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_nonnull(c);
	free(a);
	free(b);
	free(c);
}
END_TEST

START_TEST(test_xalloc_strings)
{
	char *s = fl_xasprintf("%s-%d", "node", 7), *d = fl_xstrdup(s), *n = fl_xstrndup(s, 4);

	ck_assert_str_eq(s, "node-7");
	ck_assert_str_eq(d, "node-7");
	ck_assert_str_eq(n, "node");
	free(s);
	free(d);
	free(n);
}
END_TEST

START_TEST(test_xalloc_calloc_zeroed)
{
	uint32_t *v = fl_xcalloc(1000, sizeof(*v));

	for (size_t i = 0; i < 1000; i++)
		ck_assert_uint_eq(v[i], 0);
	v = fl_xreallocarray(v, 2000, sizeof(*v));
	v[1999] = 7;
	ck_assert_uint_eq(v[1999], 7);
	free(v);
}
END_TEST

/* jansson allocates through fl_xmalloc, so its NULLs are never out of memory */
START_TEST(test_xalloc_jansson_hooked)
{
	json_malloc_t m = NULL;
	json_free_t f = NULL;

	json_get_alloc_funcs(&m, &f);
	ck_assert_ptr_eq((void *)m, (void *)fl_xmalloc);
	ck_assert_ptr_eq((void *)f, (void *)free);
}
END_TEST

/* An impossible size: the process dies with SIGABRT (Check forks each test). */
START_TEST(test_xalloc_overflow_aborts)
{
	fl_xreallocarray(NULL, SIZE_MAX / 2, 4);
}
END_TEST

/* AddressSanitizer reports an impossible malloc itself instead of returning NULL. */
#ifndef __SANITIZE_ADDRESS__
START_TEST(test_xalloc_huge_aborts)
{
	fl_xmalloc(SIZE_MAX - 4096);
}
END_TEST
#endif

START_TEST(test_xalloc_nonnull_aborts)
{
	fl_xnonnull(NULL);
}
END_TEST

Suite *xalloc_suite(void)
{
	Suite *s = suite_create("xalloc");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_xalloc_zero_sizes);
	tcase_add_test(tc, test_xalloc_strings);
	tcase_add_test(tc, test_xalloc_calloc_zeroed);
	tcase_add_test(tc, test_xalloc_jansson_hooked);
	tcase_add_test_raise_signal(tc, test_xalloc_overflow_aborts, SIGABRT);
#ifndef __SANITIZE_ADDRESS__
	tcase_add_test_raise_signal(tc, test_xalloc_huge_aborts, SIGABRT);
#endif
	tcase_add_test_raise_signal(tc, test_xalloc_nonnull_aborts, SIGABRT);
	suite_add_tcase(s, tc);
	return s;
}
