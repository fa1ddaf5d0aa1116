/* lite-protocol-tester's shape end to end, as root: a lightpush publisher and a filter
 * receiver, both light nodes on one service node, through the real binaries. A light node
 * answers its first filter subscription 503 until it has a service peer; the labnode driver
 * must subscribe again on its next poll, so every filter receipt is counted. */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char lr_dir[PATH_MAX]; /* the binaries' folder */
static char lr_tmp[128];

static void lr_setup(void)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	ck_assert(n > 0);
	self[n] = '\0';
	*strrchr(self, '/') = '\0';
	snprintf(lr_dir, sizeof(lr_dir), "%s",
		 getenv("FL_BUILD_DIR") ? getenv("FL_BUILD_DIR") : self);
	snprintf(lr_tmp, sizeof(lr_tmp), "/tmp/fl-light-rcpt-%d", (int)getpid());
	mkdir(lr_tmp, 0755);
}

static void lr_teardown(void)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", lr_tmp);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", lr_tmp);
}

START_TEST(filter_receiver_counts_every_lightpush)
{
	static char out[65536];
	char path[PATH_MAX], cmd[3 * PATH_MAX];
	FILE *f;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/lpt.yaml", lr_tmp);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f,
		"version: 1\nname: e2e-light-rcpt-%d\nseed: 3\nduration: 5s\ndrain: 5s\n"
		"nodes:\n  - {name: svc, role: service}\n  - {name: pub, role: light}\n"
		"  - {name: sub, role: light}\n"
		"topology:\n  kind: star\n"
		"traffic:\n  - {kind: lightpush, from: pub, to: sub, count: 8, interval: 500ms, "
		"start: 1s, size: 1KiB..64KiB}\n",
		(int)getpid());
	fclose(f);
	snprintf(cmd, sizeof(cmd), "%s/faultlab run %s --out %s/run 2>&1; echo rc=$?", lr_dir, path,
		 lr_tmp);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	pclose(f);
	out[n] = '\0';
	ck_assert_msg(strstr(out, "8 sent, 8 delivered, 0 lost"), "%s", out);
	ck_assert_msg(strstr(out, "rc=0"), "%s", out);
}
END_TEST

Suite *light_receipts_suite(void)
{
	Suite *s = suite_create("light_receipts");
	TCase *t = tcase_create("run");

	tcase_add_checked_fixture(t, lr_setup, lr_teardown);
	tcase_set_timeout(t, 90);
	tcase_add_test(t, filter_receiver_counts_every_lightpush);
	suite_add_tcase(s, t);
	return s;
}
