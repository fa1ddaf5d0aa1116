/* agents/iptc_rules against a real filter table, inside a namespace made for each test. */
#include "agents/iptc_rules.h"
#include "tests/priv/util_netns.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char ns[32];
static int home_fd = -1;

static pid_t janitor = -1;
static int janitor_fd = -1;

/* Deletes the namespace once the test process is gone, even when a failed check _exit()s
 * it before teardown (in its own session: Check kills the test's process group). */
static void iptc_janitor(void)
{
	char cmd[128], c;
	int p[2];

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	janitor = fork();
	ck_assert_int_ge(janitor, 0);
	if (janitor == 0) {
		setsid();
		close(p[1]);
		for (ssize_t n = 1; n != 0;)
			if ((n = read(p[0], &c, 1)) < 0 && errno != EINTR)
				break;
		snprintf(cmd, sizeof(cmd), "ip netns del %s 2>/dev/null", ns);
		_exit(system(cmd) == 0 ? 0 : 1);
	}
	close(p[0]);
	janitor_fd = p[1];
}

static void iptc_setup(void)
{
	char cmd[128], path[96];
	int fd;

	snprintf(ns, sizeof(ns), "fliptc-%d", (int)getpid());
	snprintf(cmd, sizeof(cmd), "ip netns add %s", ns);
	ck_assert_int_eq(system(cmd), 0);
	iptc_janitor();
	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	home_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(setns(fd, CLONE_NEWNET), 0);
	close(fd);
}

static void iptc_teardown(void)
{
	if (home_fd >= 0) {
		setns(home_fd, CLONE_NEWNET);
		close(home_fd);
		home_fd = -1;
	}
	close(janitor_fd);
	waitpid(janitor, NULL, 0);
}

/* The rules iptables-legacy -S prints for the namespace, one per line. */
static void iptc_dump(char *out, size_t len)
{
	char cmd[128];
	FILE *p;
	size_t n;

	snprintf(cmd, sizeof(cmd), "ip netns exec %s iptables-legacy -S", ns);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	n = fread(out, 1, len - 1, p);
	out[n] = '\0';
	pclose(p);
}

START_TEST(test_install_remove)
{
	struct iptc_rule_spec rules[] = {
	    {.kind = IPTC_RULE_DROP_SRC, .src_addr = inet_addr("10.213.7.3")},
	    {.kind = IPTC_RULE_DROP_SRC, .src_addr = inet_addr("10.213.7.4")},
	};
	struct iptc_rule_spec all[] = {{.kind = IPTC_RULE_DROP_ALL_BUT_LO}};
	struct iptc_rule_spec q[] = {{.kind = IPTC_RULE_NFQUEUE, .queue_num = 7}};
	struct fl_error err = {0};
	char dump[4096];

	ck_assert_msg(iptc_rules_install("FLr1-f1", "INPUT", rules, 2, &err) == 0, "%s", err.msg);
	ck_assert_msg(iptc_rules_install("FLr1-f2", "OUTPUT", all, 1, &err) == 0, "%s", err.msg);
	ck_assert_msg(iptc_rules_install("FLr1-f3", "INPUT", q, 1, &err) == 0, "%s", err.msg);
	iptc_dump(dump, sizeof(dump));
	ck_assert_ptr_nonnull(strstr(dump, "-A INPUT -j FLr1-f3\n-A INPUT -j FLr1-f1\n"));
	ck_assert_ptr_nonnull(strstr(dump, "-A OUTPUT -j FLr1-f2\n"));
	ck_assert_ptr_nonnull(strstr(dump, "-A FLr1-f1 -s 10.213.7.3/32 -j DROP\n"
					   "-A FLr1-f1 -s 10.213.7.4/32 -j DROP\n"));
	ck_assert_ptr_nonnull(strstr(dump, "-A FLr1-f2 ! -o lo -j DROP\n"));
	ck_assert_ptr_nonnull(strstr(dump, "-A FLr1-f3 -j NFQUEUE --queue-num 7 --queue-bypass\n"));

	ck_assert_int_eq(iptc_rules_install("FLr1-f1", "INPUT", rules, 1, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "already exists"));

	ck_assert_msg(iptc_rules_remove("FLr1-f1", "INPUT", &err) == 0, "%s", err.msg);
	ck_assert_msg(iptc_rules_remove("FLr1-f1", "INPUT", &err) == 0, "%s", err.msg);
	iptc_dump(dump, sizeof(dump));
	ck_assert_ptr_null(strstr(dump, "FLr1-f1"));
	ck_assert_ptr_nonnull(strstr(dump, "-A INPUT -j FLr1-f3\n"));
	ck_assert_ptr_nonnull(strstr(dump, "-A OUTPUT -j FLr1-f2\n"));
}
END_TEST

START_TEST(test_sweep_only_prefix)
{
	struct iptc_rule_spec all[] = {{.kind = IPTC_RULE_DROP_ALL_BUT_LO}};
	struct fl_error err = {0};
	char dump[4096];

	ck_assert_int_eq(iptc_rules_install("FLrun1-f1", "INPUT", all, 1, &err), 0);
	ck_assert_int_eq(iptc_rules_install("FLrun1-f2", "OUTPUT", all, 1, &err), 0);
	ck_assert_int_eq(iptc_rules_install("FLrun2-f1", "INPUT", all, 1, &err), 0);
	ck_assert_int_eq(iptc_rules_sweep("FLrun1-", &err), 2);
	iptc_dump(dump, sizeof(dump));
	ck_assert_ptr_null(strstr(dump, "FLrun1"));
	ck_assert_ptr_nonnull(strstr(dump, "-A INPUT -j FLrun2-f1\n"));
	ck_assert_int_eq(iptc_rules_sweep("FLrun1-", &err), 0);
}
END_TEST

START_TEST(test_many_is_all_or_nothing)
{
	struct iptc_rule_spec all[] = {{.kind = IPTC_RULE_DROP_ALL_BUT_LO}};
	struct iptc_rules_chain two[] = {{"FLr1-s1", "INPUT", all, 1},
					 {"FLr1-s1_o", "OUTPUT", all, 1}};
	struct fl_error err = {0};
	char dump[4096];

	ck_assert_int_eq(iptc_rules_install("FLr1-s1_o", "OUTPUT", all, 1, &err), 0);
	ck_assert_int_eq(iptc_rules_install_many(two, 2, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "FLr1-s1_o already exists"));
	iptc_dump(dump, sizeof(dump));
	ck_assert_ptr_null(strstr(dump, "FLr1-s1 ")); /* the first chain was not left behind */
	ck_assert_ptr_null(strstr(dump, "-A INPUT"));
	ck_assert_int_eq(iptc_rules_remove_many(two, 2, &err), 0);
	ck_assert_int_eq(iptc_rules_install_many(two, 2, &err), 0);
	iptc_dump(dump, sizeof(dump));
	ck_assert_ptr_nonnull(strstr(dump, "-A INPUT -j FLr1-s1\n"));
	ck_assert_ptr_nonnull(strstr(dump, "-A OUTPUT -j FLr1-s1_o\n"));
	ck_assert_ptr_nonnull(strstr(dump, "-A FLr1-s1 ! -i lo -j DROP\n"));
	ck_assert_int_eq(iptc_rules_remove_many(two, 2, &err), 0);
	iptc_dump(dump, sizeof(dump));
	ck_assert_ptr_null(strstr(dump, "FLr1"));
}
END_TEST

START_TEST(test_bad_names)
{
	struct fl_error err = {0};

	ck_assert_int_eq(
	    iptc_rules_install("FL0123456789-f1234567890123456", "INPUT", NULL, 0, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "1 to 28 characters"));
	ck_assert_int_eq(iptc_rules_remove("FLx-f1", "FORWARD", &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "INPUT or OUTPUT"));
}
END_TEST

Suite *agent_iptc_suite(void)
{
	Suite *s = suite_create("agent_iptc");
	TCase *tc = tcase_create("iptc");

	tcase_add_checked_fixture(tc, iptc_setup, iptc_teardown);
	tcase_add_test(tc, test_install_remove);
	tcase_add_test(tc, test_sweep_only_prefix);
	tcase_add_test(tc, test_many_is_all_or_nothing);
	tcase_add_test(tc, test_bad_names);
	suite_add_tcase(s, tc);
	return s;
}
