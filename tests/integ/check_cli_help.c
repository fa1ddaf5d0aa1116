/* The command line explains itself: every verb answers --help and -h on stdout with its usage,
 * options and an example, exit 0; a bad option names the verb's valid ones, exit 2. */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const help_verbs[] = {"run",	    "validate", "plan",	 "replay",
					 "analyze", "suite",	"ps",	 "shell",
					 "inject",  "clean",	"image", "doctor"};

/* Runs build/faultlab with args; stdout and stderr into out; returns the exit status. */
static int help_run(const char *args, const char *streams, char *out, size_t len)
{
	char cmd[512];
	const char *dir = getenv("FL_BUILD_DIR") ? getenv("FL_BUILD_DIR") : "build";
	size_t n;
	FILE *f;
	int st;

	snprintf(cmd, sizeof(cmd), "%s/faultlab %s %s", dir, args, streams);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(out, 1, len - 1, f);
	out[n] = '\0';
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

START_TEST(every_verb_answers_help)
{
	const char *verb = help_verbs[_i];
	char args[64], out[8192], want[64];

	for (int form = 0; form < 2; form++) {
		snprintf(args, sizeof(args), "%s %s", verb, form ? "-h" : "--help");
		ck_assert_int_eq(help_run(args, "2>/dev/null", out, sizeof(out)), 0);
		snprintf(want, sizeof(want), "usage: faultlab %s ", verb);
		ck_assert_msg(strncmp(out, want, strlen(want)) == 0, "%s: %s", args, out);
		ck_assert_msg(strstr(out, "\nexample:\n  faultlab "), "%s: %s", args, out);
	}
	/* `faultlab help VERB` says the same */
	snprintf(args, sizeof(args), "help %s", verb);
	ck_assert_int_eq(help_run(args, "2>/dev/null", out, sizeof(out)), 0);
	ck_assert_msg(strncmp(out, want, strlen(want)) == 0, "%s: %s", args, out);
}
END_TEST

START_TEST(bad_option_names_the_valid_ones)
{
	char out[8192];

	ck_assert_int_eq(help_run("analyze --bogus", "2>&1 >/dev/null", out, sizeof(out)), 2);
	ck_assert_msg(strstr(out, "\"--bogus\"") && strstr(out, "--no-traces") &&
			  strstr(out, "--logs DIR"),
		      "%s", out);
	ck_assert_int_eq(help_run("run x.yaml --bogus", "2>&1 >/dev/null", out, sizeof(out)), 2);
	ck_assert_msg(strstr(out, "--runtime netns|docker") && strstr(out, "--keep"), "%s", out);
}
END_TEST

START_TEST(shell_command_keeps_its_own_help)
{
	char out[8192];

	/* -h after RUN NODE belongs to the command run inside the node: not faultlab's help */
	help_run("shell no-such-run a ls -h", "2>&1", out, sizeof(out));
	ck_assert_msg(!strstr(out, "usage: faultlab shell"), "%s", out);
}
END_TEST

Suite *cli_help_suite(void)
{
	Suite *s = suite_create("cli_help");
	TCase *t = tcase_create("help");

	tcase_add_loop_test(t, every_verb_answers_help, 0,
			    (int)(sizeof(help_verbs) / sizeof(help_verbs[0])));
	tcase_add_test(t, bad_option_names_the_valid_ones);
	tcase_add_test(t, shell_command_keeps_its_own_help);
	suite_add_tcase(s, t);
	return s;
}
