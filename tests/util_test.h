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
#include <sys/types.h>

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

/* A fixture for suites of whole faultlab runs: test_faultlab_setup sets test_faultlab (the
 * faultlab binary, test_bin) and test_dir (test_tmpdir(tag)); test_faultlab_teardown is
 * test_tmpdir_done(test_dir). */
extern char test_faultlab[4096];
extern char test_dir[128];
void test_faultlab_setup(const char *tag);
void test_faultlab_teardown(void);

/* Writes test_dir/<name> from fmt (a scenario) and returns its path (a static buffer: the next
 * call overwrites it). */
const char *test_scenario(const char *name, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Runs `timeout <timeout_s> <faultlab> run <args>` (args: the rest of a shell command line,
 * with its redirections) and returns its exit code (-1 when it did not exit). */
int test_faultlab_run(int timeout_s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A short run in the foreground: writes test_dir/<tag>.yaml (version 1, name <prefix>-<tag>-<pid>,
 * seed 7, then body), runs it (`faultlab run … --out test_dir/<tag> --quiet`, at most 60 s,
 * stdout and stderr in <out>.out and <out>.err) and asserts that it exits with want_exit. out
 * gets the run directory. */
void test_run_expect(const char *prefix, const char *tag, const char *body, int want_exit,
		     char *out, size_t cap);
/* Starts `faultlab run <args...> --out <out> --quiet` (args: NULL-terminated) in the background,
 * in a process group of its own, stdout to /dev/null, stderr to <out>.err, with FL_LOG_LEVEL
 * set to log_level unless NULL. Returns its pid. */
pid_t test_faultlab_start(const char *out, const char *log_level, ...) __attribute__((sentinel));
/* The id of the run whose directory is out, from /run/faultlab/<id>.json (written before the
 * run makes anything); 1 when found, 0 (id "") when not yet. */
int test_run_id(const char *out, char *id, size_t len);
/* SIGINT to a run started by test_faultlab_start and its reaction: waits up to 60 s for it to
 * exit, timing when its stderr (err_path) first says "signal 2:" (faultlab read the signal;
 * *reacted_ms, -1 when never), then kills its process group if it is still up. *status gets its
 * wait status; returns the ms from the signal to its exit. */
double test_run_sigint(pid_t pid, const char *err_path, int *status, double *reacted_ms);

/* Waits up to timeout_s for a faultlab child to exit and returns its exit code (128 + signal
 * when killed). Past timeout_s: SIGINT (faultlab tears its run down), up to 20 s more, then
 * SIGKILL to it and its process group; returns -1. */
int test_faultlab_wait(pid_t pid, int timeout_s);
/* 1 once the file holds needle, 0 when timeout_s passed first. */
int test_wait_file(const char *path, const char *needle, int timeout_s);

/* 1 when a docker daemon answers (`docker version`). */
int test_docker_up(void);
/* 1 when a run that exited with rc was refused by the docker runtime's preflight because other
 * runs hold the host's shared limits (exit 3, "this host cannot fit" in its output at
 * out_path): the skip class host-full. */
int test_host_full(int rc, const char *out_path);

/* The number of lines of the file that match the extended regex re (grep -c -E), -1 when grep
 * printed no count. */
int test_grep_count(const char *re, const char *path_fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* 1 when the file holds needle (0 also when it cannot be read). */
int test_file_has(const char *path, const char *needle);
/* The positive whole number in the environment variable name, else def. */
long test_env_long(const char *name, long def);
/* CLOCK_MONOTONIC in ms. */
double test_now_ms(void);

#endif
