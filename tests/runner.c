/* One Check runner per test folder; the suite list is generated from the file names
 * (tests/<folder>/check_<module>.c exports Suite *<module>_suite(void)). CK_RUN_SUITE and
 * CK_RUN_CASE narrow a run as usual. A privileged runner skips, and succeeds, without root. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define SUITE(name) Suite *name##_suite(void);
#include SUITES_H
#undef SUITE

int main(void)
{
	SRunner *sr = srunner_create(NULL);
	int failed;

#ifdef RUNNER_NEEDS_ROOT
	if (geteuid() != 0) {
		printf("%s: skipped, these suites need root\n", RUNNER_NAME);
		srunner_free(sr);
		return 0;
	}
#endif
#define SUITE(name) srunner_add_suite(sr, name##_suite());
#include SUITES_H
#undef SUITE
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
