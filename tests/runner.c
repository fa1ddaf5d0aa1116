/* One Check runner per test folder; the suite list is generated from the file names
 * (tests/<folder>/check_<module>.c exports Suite *<module>_suite(void)). CK_RUN_SUITE and
 * CK_RUN_CASE narrow a run as usual. Skips are counted (tests/util_test.h): "N skipped" follows
 * Check's own summary line, and with CI=true an unexpected skip fails the run. A privileged
 * runner without root skips every suite, as one skip of class "root". */
#include "tests/util_test.h"

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
	int failed, unexpected;

	test_skip_begin();
#ifdef RUNNER_NEEDS_ROOT
	if (geteuid() != 0) {
		printf("SKIP: %s/*: these suites need root [root]\n", RUNNER_NAME);
		fflush(stdout);
		{
			FILE *f = fopen(getenv("FL_SKIP_LOG"), "a");

			if (f) {
				fprintf(f, "%s/*\troot\tthese suites need root\n", RUNNER_NAME);
				fclose(f);
			}
		}
		srunner_free(sr);
		return test_skip_end(RUNNER_NAME) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	}
#endif
#define SUITE(name) srunner_add_suite(sr, name##_suite());
#include SUITES_H
#undef SUITE
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	unexpected = test_skip_end(RUNNER_NAME);
	return failed == 0 && unexpected == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
