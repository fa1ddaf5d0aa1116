/* safefile (common/safefile.h) and the run directory built on it (rundir_create, run ids,
 * the node secret): links are refused wherever they sit, new files are exclusive, and
 * simultaneous identical runs get distinct directories (issue 15 findings 2, 3, 8). */
#include "common/safefile.h"
#include "orchestrator/run/rundir.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char base[64];

static void setup(void)
{
	snprintf(base, sizeof(base), "/tmp/fl-safefile-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(base));
}

static void teardown(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	ck_assert_int_eq(system(cmd), 0);
}

static void slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* A link as the file, or as any directory of the path, is refused; its target is untouched. */
START_TEST(links_refused)
{
	char target[PATH_MAX], p[PATH_MAX], buf[64];
	struct fl_error err = {0};

	snprintf(target, sizeof(target), "%s/target", base);
	FILE *f = fopen(target, "w");
	fputs("precious\n", f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/run/nodes/a", base);
	ck_assert_int_eq(safefile_mkdir(p, 0, 0755, &err), 0);
	snprintf(p, sizeof(p), "%s/run/nodes/a/stdout.log", base);
	ck_assert_int_eq(symlink(target, p), 0);
	ck_assert_int_eq(safefile_open(p, O_WRONLY | O_CREAT | O_APPEND, 0600, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "it is a symbolic link"));
	/* a directory of the path swapped for a link */
	snprintf(p, sizeof(p), "%s/run/nodes/b", base);
	ck_assert_int_eq(symlink(base, p), 0);
	snprintf(p, sizeof(p), "%s/run/nodes/b/target", base);
	ck_assert_ptr_null(safefile_fopen(p, "w", &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "nodes/b: it is a symbolic link"));
	snprintf(p, sizeof(p), "%s/run/nodes/b/x", base);
	ck_assert_int_eq(safefile_mkdir(p, 0, 0755, &err), -1);
	slurp(target, buf, sizeof(buf));
	ck_assert_str_eq(buf, "precious\n");
}
END_TEST

/* rundir_write creates: an existing file (or a link in its place) is never written through. */
START_TEST(write_is_exclusive)
{
	char p[PATH_MAX], buf[64];
	struct fl_error err = {0};

	snprintf(p, sizeof(p), "%s/plan.json", base);
	ck_assert_int_eq(rundir_write(p, "{}\n", 3, &err), 0);
	ck_assert_int_eq(rundir_write(p, "xx\n", 3, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "it must not exist yet"));
	slurp(p, buf, sizeof(buf));
	ck_assert_str_eq(buf, "{}\n");
}
END_TEST

/* Two runs of one scenario, seed and second: two directories (-2), each made exclusively. */
START_TEST(run_dirs_unique)
{
	char a[PATH_MAX], b[PATH_MAX], c[PATH_MAX];
	struct fl_error err = {0};
	uint64_t t = 1764820800ull * 1000000000ull;

	ck_assert_int_eq(rundir_create(NULL, base, "smoke", 7, t, a, sizeof(a), &err), 0);
	ck_assert_int_eq(rundir_create(NULL, base, "smoke", 7, t, b, sizeof(b), &err), 0);
	ck_assert_int_eq(rundir_create(NULL, base, "smoke", 7, t, c, sizeof(c), &err), 0);
	ck_assert_str_ne(a, b);
	ck_assert_ptr_nonnull(strstr(a, "/smoke-20251204T040000Z-7"));
	ck_assert_str_eq(b + strlen(a), "-2");
	ck_assert_str_eq(c + strlen(a), "-3");
}
END_TEST

START_TEST(run_ids_differ)
{
	char seen[64][16];

	for (int i = 0; i < 64; i++) {
		rundir_run_id(seen[i], sizeof(seen[i]));
		ck_assert_uint_eq(strlen(seen[i]), 10);
		ck_assert(seen[i][0] >= 'a' && seen[i][0] <= 'z');
		for (int j = 0; j < i; j++)
			ck_assert_str_ne(seen[i], seen[j]);
	}
}
END_TEST

/* The node's identity seed: a new 0600 file, whatever the umask. */
START_TEST(node_secret_private)
{
	char p[PATH_MAX], buf[64];
	struct fl_error err = {0};
	struct stat st;
	mode_t old = umask(0);

	ck_assert_int_eq(rundir_node_secret(base, 123456789, &err), 0);
	umask(old);
	snprintf(p, sizeof(p), "%s/identity.seed", base);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	slurp(p, buf, sizeof(buf));
	ck_assert_str_eq(buf, "123456789\n");
	ck_assert_int_eq(rundir_node_secret(base, 1, &err), -1); /* never rewritten */
}
END_TEST

/* As root: a directory another user owns (or may write without the sticky bit) is refused
 * with its name and owner; /tmp itself (sticky, root's) is fine. */
START_TEST(untrusted_dirs_refused)
{
	char p[PATH_MAX];
	struct fl_error err = {0};

	if (geteuid() != 0) {
		fprintf(stderr, "safefile untrusted_dirs_refused: skipped, needs root\n");
		return;
	}
	snprintf(p, sizeof(p), "%s/user", base);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	ck_assert_int_eq(chown(p, 65534, 65534), 0);
	snprintf(p, sizeof(p), "%s/user/run", base);
	ck_assert_int_eq(safefile_mkdir(p, SAFEFILE_TRUST, 0755, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "owned by uid 65534, not root"));
	snprintf(p, sizeof(p), "%s/user/run", base);
	ck_assert_int_eq(access(p, F_OK), -1); /* nothing made beneath it */
	snprintf(p, sizeof(p), "%s/open", base);
	ck_assert_int_eq(mkdir(p, 0777), 0);
	ck_assert_int_eq(chmod(p, 0777), 0);
	snprintf(p, sizeof(p), "%s/open/run", base);
	ck_assert_int_eq(safefile_mkdir(p, SAFEFILE_TRUST, 0755, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "writable by group or others"));
	snprintf(p, sizeof(p), "%s/mine/run", base);
	ck_assert_int_eq(safefile_mkdir(p, SAFEFILE_TRUST, 0755, &err), 0);
}
END_TEST

Suite *safefile_suite(void)
{
	Suite *s = suite_create("safefile");
	TCase *tc = tcase_create("safefile");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, links_refused);
	tcase_add_test(tc, write_is_exclusive);
	tcase_add_test(tc, run_dirs_unique);
	tcase_add_test(tc, run_ids_differ);
	tcase_add_test(tc, node_secret_private);
	tcase_add_test(tc, untrusted_dirs_refused);
	suite_add_tcase(s, tc);
	return s;
}
