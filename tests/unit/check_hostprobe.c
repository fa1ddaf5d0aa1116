/* common/hostprobe: the cgroup layout read from mountinfo texts of real hosts (a hybrid
 * Debian 11 host like this CI's, pure-v2 Debian 12, a v1-only host, a container). */
#include "common/hostprobe.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char hybrid[] =
    "22 1 0:21 / /sys rw,nosuid - sysfs sysfs rw\n"
    "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "36 30 0:33 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
    "39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
static const char unified[] =
    "24 1 0:22 / /sys rw,nosuid shared:7 - sysfs sysfs rw\n"
    "26 24 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
    "rw,nsdelegate,memory_recursiveprot\n";
static const char legacy[] =
    "30 22 0:27 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755\n"
    "31 30 0:28 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n"
    "33 30 0:30 / /sys/fs/cgroup/freezer rw - cgroup cgroup rw,freezer\n"
    "34 30 0:31 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n";
/* the hybrid host after a private namespace mounted cgroup2 over /sys/fs/cgroup: the old
 * hierarchies are still listed, hidden under the new mount */
static const char shadowed[] =
    "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "36 30 0:33 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
    "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
    "90 30 0:37 / /sys/fs/cgroup rw,relatime - cgroup2 cgroup2 rw\n";
/* optional fields, an escaped space, a v1 freezer co-mounted with another controller */
static const char odd[] = "51 30 0:44 / /mnt/my\\040cgroups rw shared:9 master:2 - cgroup none "
			  "rw,cpuset,freezer\n"
			  "52 30 0:45 / /run/lab rw - tmpfs tmpfs rw\n";
static const char none[] = "22 1 0:21 / /sys rw,nosuid - sysfs sysfs rw\n";

static void read_text(const char *text, struct hostprobe_cgroups *cg)
{
	char path[] = "/tmp/fl-mountinfo-XXXXXX";
	struct fl_error err = {0};
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	ck_assert_msg(hostprobe_cgroups_read(path, cg, &err) == 0, "%s", err.msg);
	unlink(path);
}

static const struct {
	const char *name, *text, *layout, *v2, *v1;
} cases[] = {
    {"hybrid", hybrid, "hybrid", "/sys/fs/cgroup/unified", "/sys/fs/cgroup/freezer"},
    {"unified", unified, "unified", "/sys/fs/cgroup", ""},
    {"legacy", legacy, "legacy", "", "/sys/fs/cgroup/freezer"},
    {"shadowed", shadowed, "unified", "/sys/fs/cgroup", ""},
    {"odd", odd, "legacy", "", "/mnt/my cgroups"},
    {"none", none, "none", "", ""},
};

START_TEST(test_hostprobe_layouts)
{
	struct hostprobe_cgroups cg;

	read_text(cases[_i].text, &cg);
	ck_assert_msg(strcmp(hostprobe_layout_name(cg.layout), cases[_i].layout) == 0,
		      "%s: layout %s", cases[_i].name, hostprobe_layout_name(cg.layout));
	ck_assert_str_eq(cg.v2, cases[_i].v2);
	ck_assert_str_eq(cg.v1_freezer, cases[_i].v1);
}
END_TEST

START_TEST(test_hostprobe_names)
{
	/* the agent's engine names, which reports and doctor print */
	ck_assert_str_eq(hostprobe_freezer_name(HOSTPROBE_FREEZER_CGROUP2), "cgroup2");
	ck_assert_str_eq(hostprobe_freezer_name(HOSTPROBE_FREEZER_V1), "freezer-v1");
	ck_assert_str_eq(hostprobe_freezer_name(HOSTPROBE_FREEZER_SIGSTOP), "sigstop");
	ck_assert_str_eq(hostprobe_freezer_name(HOSTPROBE_FREEZER_NONE), "none");
	ck_assert_str_eq(hostprobe_layout_name(HOSTPROBE_CG_UNIFIED), "unified");
}
END_TEST

START_TEST(test_hostprobe_missing_file)
{
	struct hostprobe_cgroups cg;
	struct fl_error err = {0};

	ck_assert_int_eq(hostprobe_cgroups_read("/nonexistent/mountinfo", &cg, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/mountinfo"));
}
END_TEST

/* A plain directory has neither cgroup.freeze nor freezer.state: no freezer. */
START_TEST(test_hostprobe_dir_without_freezer)
{
	char dir[] = "/tmp/fl-cg-XXXXXX";

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(hostprobe_cgroup_dir_freezer(dir), HOSTPROBE_FREEZER_NONE);
	ck_assert_int_eq(hostprobe_cgroup_dir_freezer(""), HOSTPROBE_FREEZER_NONE);
	rmdir(dir);
}
END_TEST

Suite *hostprobe_suite(void)
{
	Suite *s = suite_create("hostprobe");
	TCase *tc = tcase_create("cgroups");

	tcase_add_loop_test(tc, test_hostprobe_layouts, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_hostprobe_names);
	tcase_add_test(tc, test_hostprobe_missing_file);
	tcase_add_test(tc, test_hostprobe_dir_without_freezer);
	suite_add_tcase(s, tc);
	return s;
}
