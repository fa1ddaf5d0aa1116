/* `make install` into a scratch PREFIX: the binaries run from there, `man faultlab` and
 * `man 5 faultlab-scenario` render the installed pages, and the installed bash completion
 * offers verbs, options and their values. (Run ids and node names of a live run are checked
 * by run_e2e's keep_then_inject, which has a live run.) */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char prefix[64];

static void inst_setup(void)
{
	snprintf(prefix, sizeof(prefix), "/tmp/fl-install-%d-XXXXXX", (int)getpid());
	ck_assert_ptr_nonnull(mkdtemp(prefix));
}

static void inst_teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", prefix);
	ck_assert_int_eq(system(cmd), 0);
}

/* Runs a shell command; returns its output (stdout and stderr) and "rc=N" at the end. */
static char *inst_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *inst_sh(const char *fmt, ...)
{
	static char buf[65536];
	char cmd[4096];
	va_list ap;
	size_t n = 0;
	FILE *f;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	strncat(cmd, " 2>&1; echo rc=$?", sizeof(cmd) - strlen(cmd) - 1);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	pclose(f);
	buf[n] = '\0';
	return buf;
}

/* COMPREPLY of the installed completion for the words given (the last one is the cursor). */
static char *inst_complete(const char *words)
{
	return inst_sh("bash -c '. %s/share/bash-completion/completions/faultlab; "
		       "COMP_WORDS=(%s); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _faultlab; "
		       "printf \"%%s \" \"${COMPREPLY[@]}\"'",
		       prefix, words);
}

START_TEST(install_binaries_and_man_pages)
{
	const char *o = inst_sh("make -s --no-print-directory install PREFIX=%s", prefix);

	ck_assert_msg(strstr(o, "rc=0"), "%s", o);
	o = inst_sh("%s/bin/faultlab --version", prefix);
	ck_assert_msg(strstr(o, "faultlab ") && strstr(o, "rc=0"), "%s", o);
	o = inst_sh("cd %s/bin && test -x faultlab-agent && test -x labnode && "
		    "test -x faultlab-image-labnode",
		    prefix);
	ck_assert_msg(strstr(o, "rc=0"), "%s", o);
	o = inst_sh("MANPATH=%s/share/man MANWIDTH=80 man -P cat faultlab", prefix);
	ck_assert_msg(strstr(o, "a fault-injection lab for messaging reliability") &&
			  strstr(o, "EXIT STATUS") && strstr(o, "rc=0"),
		      "%s", o);
	o = inst_sh("MANPATH=%s/share/man MANWIDTH=80 man -P cat 5 faultlab-scenario", prefix);
	ck_assert_msg(strstr(o, "the faultlab scenario format") && strstr(o, "rc=0"), "%s", o);
	o = inst_sh("make -s --no-print-directory uninstall PREFIX=%s && ls -A %s/bin", prefix,
		    prefix);
	ck_assert_msg(strstr(o, "rc=0") && !strstr(o, "faultlab"), "%s", o);
}
END_TEST

START_TEST(completion_verbs_options_values)
{
	const char *o = inst_sh("make -s --no-print-directory install PREFIX=%s", prefix);

	ck_assert_msg(strstr(o, "rc=0"), "%s", o);
	o = inst_complete("faultlab \"\"");
	ck_assert_msg(strstr(o, "run ") && strstr(o, "replay ") && strstr(o, "doctor ") &&
			  strstr(o, "inject "),
		      "%s", o);
	ck_assert_str_eq(inst_complete("faultlab re"), "replay rc=0\n");
	o = inst_complete("faultlab run x.yaml --r");
	ck_assert_str_eq(o, "--runtime rc=0\n");
	ck_assert_str_eq(inst_complete("faultlab run x.yaml --runtime d"), "docker rc=0\n");
	ck_assert_str_eq(inst_complete("faultlab analyze --logs d --format go"),
			 "go-waku go-waku-json rc=0\n");
	ck_assert_str_eq(inst_complete("faultlab image b"), "build rc=0\n");
	ck_assert_str_eq(inst_complete("faultlab suite scenarios --o"), "--out rc=0\n");
	o = inst_complete("faultlab run scenarios/sm");
	ck_assert_msg(strstr(o, "scenarios/smoke.yaml"), "%s", o);
}
END_TEST

Suite *install_suite(void)
{
	Suite *s = suite_create("install");
	TCase *t = tcase_create("install");

	tcase_add_checked_fixture(t, inst_setup, inst_teardown);
	tcase_set_timeout(t, 60);
	tcase_add_test(t, install_binaries_and_man_pages);
	tcase_add_test(t, completion_verbs_options_values);
	suite_add_tcase(s, t);
	return s;
}
