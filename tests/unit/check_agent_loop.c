/* The agent's event loop without a kernel fault: a fake kind, requests through a real pipe
 * from a writer process, a real timerfd for the leases. What comes out is what the
 * orchestrator would read. */
#include "agents/agent_loop.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char calls[512];

static int loopfake_apply(const struct agent_node *node, struct fault *f, json_t *params,
			  struct fl_error *err)
{
	snprintf(calls + strlen(calls), sizeof(calls) - strlen(calls), "apply:%s ", f->id);
	snprintf(f->engine, sizeof(f->engine), "fake");
	return 0;
}

static int loopfake_revert(const struct agent_node *node, struct fault *f, struct fl_error *err)
{
	snprintf(calls + strlen(calls), sizeof(calls) - strlen(calls), "revert:%s ", f->id);
	return 0;
}

static const struct fault_kind loopfake_kind = {"fake", loopfake_apply, loopfake_revert, NULL,
						NULL};
static const struct fault_kind *const loopfake_kinds[] = {&loopfake_kind, NULL};

/* Runs the loop on what `script` writes: each step is a chunk of bytes, then a pause in ms.
 * Returns the agent's whole output. */
struct step {
	const char *bytes;
	int pause_ms;
};

static const char *run_loop(const struct step *steps, size_t n, int *failed)
{
	static struct agent ag;
	static char got[8192];
	struct agent_node node = {.run_id = "t1", .node = "n1"};
	struct fl_error err = {0};
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	int p[2];
	pid_t w;

	calls[0] = '\0';
	ck_assert_int_eq(pipe(p), 0);
	w = fork();
	if (w == 0) {
		close(p[0]);
		for (size_t i = 0; i < n; i++) {
			if (write(p[1], steps[i].bytes, strlen(steps[i].bytes)) < 0)
				_exit(1);
			usleep((useconds_t)steps[i].pause_ms * 1000);
		}
		_exit(0);
	}
	close(p[1]);
	agent_init(&ag, &node, loopfake_kinds, out);
	*failed = agent_loop_run(&ag, p[0], &err);
	close(p[0]);
	waitpid(w, NULL, 0);
	fclose(out);
	snprintf(got, sizeof(got), "%s", buf);
	free(buf);
	return got;
}

START_TEST(test_lines_split_anywhere)
{
	static const struct step steps[] = {
	    {"{\"op\":\"pi", 20},
	    {"ng\"}\r\n\n{\"op\":\"ping\"}\n{\"op\":", 20},
	    {"\"list\"}", 0}, /* the last line has no newline */
	};
	int failed;
	const char *out = run_loop(steps, 3, &failed);

	ck_assert_int_eq(failed, 0);
	ck_assert_str_eq(out, "{\"ok\":true,\"op\":\"ping\"}\n{\"ok\":true,\"op\":\"ping\"}\n"
			      "{\"ok\":true,\"op\":\"list\",\"faults\":[]}\n");
}
END_TEST

START_TEST(test_lease_expires_then_eof_reverts_rest)
{
	static const struct step steps[] = {
	    {"{\"op\":\"apply\",\"id\":\"f1\",\"kind\":\"fake\",\"lease_ms\":50}\n"
	     "{\"op\":\"apply\",\"id\":\"f2\",\"kind\":\"fake\",\"lease_ms\":60000}\n",
	     400},
	};
	int failed;
	const char *out = run_loop(steps, 1, &failed);

	ck_assert_int_eq(failed, 0);
	ck_assert_str_eq(calls, "apply:f1 apply:f2 revert:f1 revert:f2 ");
	ck_assert_msg(strstr(out, "{\"event\":\"expired\",\"id\":\"f1\",\"result\":\"ok\"}\n"
				  "{\"event\":\"reverted\",\"id\":\"f2\",\"result\":\"ok\","
				  "\"reason\":\"eof\"}\n"),
		      "%s", out);
}
END_TEST

START_TEST(test_overlong_line_is_refused)
{
	static char big[AGENT_LOOP_LINE_MAX + 100];
	struct step steps[] = {{"{\"op\":\"ping\"}\n", 0}, {big, 0}, {"\n{\"op\":\"ping\"}\n", 0}};
	int failed;
	const char *out;

	memset(big, ' ', sizeof(big) - 1);
	big[0] = '{';
	out = run_loop(steps, 3, &failed);
	ck_assert_str_eq(out, "{\"ok\":true,\"op\":\"ping\"}\n"
			      "{\"ok\":false,\"error\":\"request: longer than 65536 bytes\","
			      "\"field\":\"request\"}\n"
			      "{\"ok\":true,\"op\":\"ping\"}\n");
}
END_TEST

Suite *agent_loop_suite(void)
{
	Suite *s = suite_create("agent_loop");
	TCase *tc = tcase_create("loop");

	tcase_add_test(tc, test_lines_split_anywhere);
	tcase_add_test(tc, test_lease_expires_then_eof_reverts_rest);
	tcase_add_test(tc, test_overlong_line_is_refused);
	suite_add_tcase(s, tc);
	return s;
}
