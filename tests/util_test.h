/* What every test runner shares: counted skips and report.json validation.
 *
 * Check has no skip: a test that cannot run here calls TEST_SKIP(class, reason...), which
 * prints "SKIP: <suite>/<test>: <reason> [<class>]", records the skip for the runner and
 * returns from the test. The runner prints "N skipped" after Check's summary line; with
 * CI=true a skip whose class is not listed in FL_SKIP_OK (comma-separated, e.g.
 * FL_SKIP_OK=docker,netem) fails the run. The classes are listed in tests/README.md. */
#ifndef FL_TESTS_UTIL_TEST_H
#define FL_TESTS_UTIL_TEST_H

#include <stddef.h>

/* Records and prints one skip of the running test (file names the suite: check_<suite>.c). */
void test_skip_at(const char *file, const char *cls, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define TEST_SKIP(cls, ...)                                                                        \
	do {                                                                                       \
		test_skip_at(__FILE__, cls, __VA_ARGS__);                                          \
		return;                                                                            \
	} while (0)

/* For the runner: before the run, where skips are recorded; after it, prints "N skipped" and
 * returns how many of them were unexpected (CI=true and class not in FL_SKIP_OK). */
void test_skip_begin(void);
int test_skip_end(const char *runner);

/* Validates every report.json under root (a file or a directory, searched recursively)
 * against reports/report.schema.json with tools/validate-report; a failed check names the
 * file and the field. Returns the number of files validated. */
int test_reports_valid(const char *root);
/* The same without asserting (for a teardown that must clean up first): the number of files,
 * or -1 with the validator's findings in msg. */
int test_reports_check(const char *root, char *msg, size_t len);

/* Runs a shell command; its stdout (up to len-1 bytes) goes to out; returns its exit status
 * (-1 when it did not exit). */
int test_sh_out(char *out, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The same, its stdout in a static buffer (the next call overwrites it); for assertions on
 * what a command printed. */
const char *test_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Where the runner's programs are: beside the runner, or FL_BUILD_DIR when set. out gets
 * DIR/prog. */
void test_bin(const char *prog, char *out, size_t len);
/* A fresh /tmp/fl-<tag>-<pid> for a test's runs (a fixture's setup)... */
void test_tmpdir(const char *tag, char *out, size_t len);
/* ... and its teardown: every report.json under it validated against the schema, then the
 * directory removed (also when they do not validate, which then fails the test). */
void test_tmpdir_done(const char *dir);

#endif
