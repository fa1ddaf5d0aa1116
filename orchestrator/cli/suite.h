/* faultlab suite: many scenarios, reruns, flaky classification, JUnit, history.
 *
 * A scenario whose run fails an expectation (exit 1) is run again, up to --reruns more times,
 * with the seed of its first attempt (the same timeline: what changes between attempts is
 * timing, as in status-cli-tests' flaky(reruns=2)). It is *flaky* when a later attempt passes,
 * *fail* when every attempt failed. Exit 2 (invalid) and 3 (host) are not rerun: they are
 * errors; 4 stops the suite. */
#ifndef FL_CLI_SUITE_H
#define FL_CLI_SUITE_H

#include "common/error.h"
#include "orchestrator/run/run.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

enum suite_outcome { SUITE_PASS, SUITE_FAIL, SUITE_FLAKY, SUITE_ERROR, SUITE_INTERRUPTED };

struct suite_attempt {
	int rc;
	uint64_t seed;
	char run_dir[4096];
};

struct suite_entry {
	const char *scenario;
	struct suite_attempt *at; /* n_at attempts, the last one decides */
	size_t n_at;
	double wall_s;
};

/* How one attempt is run: cli_run_one in the program, a fake in the unit tests. */
typedef int (*suite_runner)(struct run_opts *o, void *ctx);

/* Runs e->scenario once, then again while it fails an expectation, at most `reruns` more
 * times; fills e->at. Returns the last attempt's exit code. */
int suite_run_entry(struct suite_entry *e, const struct run_opts *base, int reruns,
		    suite_runner run, void *ctx);
enum suite_outcome suite_outcome_of(const struct suite_entry *e);
const char *suite_outcome_name(enum suite_outcome o);
/* The exit code a suite ends with: 4 if interrupted, else the worst of 2/3 errors, else 1
 * when a scenario failed; flaky and passing scenarios count as 0. */
int suite_exit_code(const struct suite_entry *v, size_t n);

/* JUnit (suite_junit.c): the <testsuite> of e's last attempt with Surefire's flakyFailure
 * (a flaky scenario) or rerunFailure (a failing one) elements for the earlier attempts'
 * failures of the same testcase, and properties attempts/outcome; an errored testsuite when
 * no junit.xml was written. */
void suite_junit_entry(FILE *out, const struct suite_entry *e);

/* Markdown table of the suite (suite.c): scenario, outcome, attempts, run dir. */
void suite_summary_md(FILE *out, const struct suite_entry *v, size_t n);

/* History (suite_history.c): records this suite run as DIR/suite-<UTC>.json, then rewrites
 * DIR/history.md and DIR/history.html, a trend table of every recorded suite run
 * (pass/fail/flaky/error per scenario per run). 0 or -1 + err. */
int suite_history_update(const char *dir, const struct suite_entry *v, size_t n, time_t started,
			 struct fl_error *err);

#endif
