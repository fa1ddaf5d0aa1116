#include "tests/util_test.h"

#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The skip log: one line per skip, "<suite>/<test>\t<class>\t<reason>", appended by the test
 * processes Check forks, read by the runner at the end. */
#define SKIP_ENV "FL_SKIP_LOG"
static char skip_path[64];

void test_skip_at(const char *file, const char *cls, const char *fmt, ...)
{
	const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	const char *log = getenv(SKIP_ENV);
	char suite[64], reason[512];
	va_list ap;
	FILE *f;

	if (strncmp(base, "check_", 6) == 0)
		base += 6;
	snprintf(suite, sizeof(suite), "%.*s", (int)strcspn(base, "."), base);
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	reason[strcspn(reason, "\t\n")] = '\0';
	printf("SKIP: %s/%s: %s [%s]\n", suite, tcase_name(), reason, cls);
	fflush(stdout);
	if (log && (f = fopen(log, "a"))) {
		fprintf(f, "%s/%s\t%s\t%s\n", suite, tcase_name(), cls, reason);
		fclose(f);
	}
}

void test_skip_begin(void)
{
	int fd;

	snprintf(skip_path, sizeof(skip_path), "/tmp/fl-skips-%d-XXXXXX", (int)getpid());
	fd = mkstemp(skip_path);
	if (fd < 0) {
		perror("skip log");
		exit(EXIT_FAILURE);
	}
	close(fd);
	setenv(SKIP_ENV, skip_path, 1);
}

/* A class is expected when FL_SKIP_OK lists it (or "all"). */
static int skip_expected(const char *cls)
{
	const char *ok = getenv("FL_SKIP_OK");
	size_t n = strlen(cls);

	for (const char *p = ok; p && *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] != '\0')) {
		size_t len = strcspn(p, ",");

		if ((len == n && strncmp(p, cls, n) == 0) ||
		    (len == 3 && strncmp(p, "all", 3) == 0))
			return 1;
	}
	return 0;
}

int test_skip_end(const char *runner)
{
	const char *ci = getenv("CI");
	int strict = ci && strcmp(ci, "true") == 0;
	int n = 0, bad = 0;
	char line[700];
	FILE *f = fopen(skip_path, "r");

	while (f && fgets(line, sizeof(line), f)) {
		char *name = strtok(line, "\t"), *cls = strtok(NULL, "\t");

		n++;
		if (strict && cls && !skip_expected(cls)) {
			printf("%s: unexpected skip under CI=true: %s [%s] (FL_SKIP_OK=%s)\n",
			       runner, name, cls, getenv("FL_SKIP_OK") ? getenv("FL_SKIP_OK") : "");
			bad++;
		}
	}
	if (f)
		fclose(f);
	unlink(skip_path);
	printf("%d skipped\n", n);
	return bad;
}

static int test_vsh_out(char *out, size_t len, const char *fmt, va_list ap)
{
	char cmd[8192];
	size_t n = 0;
	FILE *p;
	int st;

	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	out[0] = '\0';
	p = popen(cmd, "r");
	if (!p)
		return -1;
	for (size_t r; len > 1 && (r = fread(out + n, 1, len - 1 - n, p)) > 0;)
		n += r;
	out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int test_sh_out(char *out, size_t len, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = test_vsh_out(out, len, fmt, ap);
	va_end(ap);
	return rc;
}

const char *test_sh(const char *fmt, ...)
{
	static char buf[65536];
	va_list ap;

	va_start(ap, fmt);
	test_vsh_out(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return buf;
}

void test_bin(const char *prog, char *out, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	ck_assert(n > 0);
	self[n] = '\0';
	*strrchr(self, '/') = '\0';
	if (getenv("FL_BUILD_DIR"))
		snprintf(self, sizeof(self), "%s", getenv("FL_BUILD_DIR"));
	snprintf(out, len, "%.3900s/%s", self, prog);
}

void test_tmpdir(const char *tag, char *out, size_t len)
{
	snprintf(out, len, "/tmp/fl-%s-%d", tag, (int)getpid());
	mkdir(out, 0755);
}

void test_tmpdir_done(const char *dir)
{
	static char msg[16384];
	char out[64];
	int n = test_reports_check(dir, msg, sizeof(msg));

	if (test_sh_out(out, sizeof(out), "rm -rf '%s'", dir) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	ck_assert_msg(n >= 0, "report.json against reports/report.schema.json:\n%s", msg);
}

static char reports_list[16384];
static size_t reports_n;
static int reports_count;

static int report_cb(const char *p, const struct stat *st, int type, struct FTW *ftw)
{
	const char *base = p + ftw->base;

	if (type == FTW_F && strcmp(base, "report.json") == 0) {
		int w = snprintf(reports_list + reports_n, sizeof(reports_list) - reports_n,
				 " '%s'", p);

		if (w <= 0 || (size_t)w >= sizeof(reports_list) - reports_n)
			return 1; /* too many files for one command line */
		reports_n += (size_t)w;
		reports_count++;
	}
	return 0;
}

int test_reports_check(const char *root, char *msg, size_t len)
{
	int rc;

	reports_n = 0;
	reports_count = 0;
	reports_list[0] = '\0';
	msg[0] = '\0';
	if (access(root, F_OK) != 0)
		return 0;
	if (nftw(root, report_cb, 16, FTW_PHYS) != 0) {
		snprintf(msg, len, "cannot walk %s (or too many report.json files)", root);
		return -1;
	}
	if (reports_count == 0)
		return 0;
	/* the validator is found from the working directory (the repository's root) */
	rc = test_sh_out(msg, len, "tools/validate-report%s 2>&1", reports_list);
	if (rc != 0) {
		size_t n = strlen(msg);

		snprintf(msg + n, len - n, "(tools/validate-report: exit %d)", rc);
		return -1;
	}
	return reports_count;
}

int test_reports_valid(const char *root)
{
	static char msg[16384];
	int n = test_reports_check(root, msg, sizeof(msg));

	ck_assert_msg(n >= 0, "report.json against reports/report.schema.json:\n%s", msg);
	return n;
}

char test_faultlab[4096];
char test_dir[128];

void test_faultlab_setup(const char *tag)
{
	test_bin("faultlab", test_faultlab, sizeof(test_faultlab));
	test_tmpdir(tag, test_dir, sizeof(test_dir));
}

void test_faultlab_teardown(void)
{
	test_tmpdir_done(test_dir);
}

const char *test_scenario(const char *name, const char *fmt, ...)
{
	static char path[PATH_MAX];
	va_list ap;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", test_dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
	return path;
}

int test_faultlab_run(int timeout_s, const char *fmt, ...)
{
	char args[4 * PATH_MAX], cmd[5 * PATH_MAX + 64];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "timeout %d %s run %s", timeout_s, test_faultlab, args);
	rc = system(cmd);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

void test_run_expect(const char *prefix, const char *tag, const char *body, int want_exit,
		     char *out, size_t cap)
{
	char name[64];
	const char *path;
	int rc;

	snprintf(name, sizeof(name), "%s.yaml", tag);
	snprintf(out, cap, "%s/%s", test_dir, tag);
	path = test_scenario(name, "version: 1\nname: %s-%s-%d\nseed: 7\n%s", prefix, tag,
			     (int)getpid(), body);
	rc = test_faultlab_run(60, "%s --out %s --quiet >%s.out 2>%s.err", path, out, out, out);
	ck_assert_msg(rc == want_exit, "exit %d (see %s.err)", rc, out);
}

pid_t test_faultlab_start(const char *out, const char *log_level, ...)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		const char *argv[32] = {"faultlab", "run"};
		char e[PATH_MAX + 8];
		size_t n = 2;
		va_list ap;

		va_start(ap, log_level);
		for (const char *a; n < 28 && (a = va_arg(ap, const char *));)
			argv[n++] = a;
		va_end(ap);
		argv[n++] = "--out";
		argv[n++] = out;
		argv[n++] = "--quiet";
		argv[n] = NULL;
		snprintf(e, sizeof(e), "%s.err", out);
		dup2(open("/dev/null", O_WRONLY), 1);
		dup2(open(e, O_WRONLY | O_CREAT | O_TRUNC, 0644), 2);
		setpgid(0, 0);
		if (log_level)
			setenv("FL_LOG_LEVEL", log_level, 1);
		execv(test_faultlab, (char *const *)argv);
		_exit(127);
	}
	return pid;
}

int test_run_id(const char *out, char *id, size_t len)
{
	const char *o = test_sh("grep -l '\"run_dir\":\"%s\"' /run/faultlab/*.json 2>/dev/null | "
				"head -1 | sed 's|.*/||; s|\\.json$||'",
				out);

	snprintf(id, len, "%.*s", (int)strcspn(o, "\n"), o);
	return id[0] != '\0';
}

double test_run_sigint(pid_t pid, const char *err_path, int *status, double *reacted_ms)
{
	double t_sig = test_now_ms(), waited;

	*reacted_ms = -1;
	kill(pid, SIGINT);
	while (waitpid(pid, status, WNOHANG) == 0 && test_now_ms() - t_sig < 60000) {
		if (*reacted_ms < 0 && test_file_has(err_path, "signal 2:"))
			*reacted_ms = test_now_ms() - t_sig;
		usleep(10000);
	}
	waited = test_now_ms() - t_sig;
	if (*reacted_ms < 0 && test_file_has(err_path, "signal 2:"))
		*reacted_ms = waited;
	if (waitpid(pid, status, WNOHANG) == 0) {
		kill(-pid, SIGKILL);
		waitpid(pid, status, 0);
	}
	return waited;
}

int test_faultlab_wait(pid_t pid, int timeout_s)
{
	int status;

	for (int i = 0; i < timeout_s * 20; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		usleep(50000);
	}
	kill(pid, SIGINT);
	for (int i = 0; i < 400; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return -1;
		usleep(50000);
	}
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL); /* also when it has no group of its own */
	waitpid(pid, &status, 0);
	return -1;
}

int test_wait_file(const char *path, const char *needle, int timeout_s)
{
	for (int i = 0; i < timeout_s * 20; i++) {
		if (test_file_has(path, needle))
			return 1;
		usleep(50000);
	}
	return 0;
}

int test_docker_up(void)
{
	return system("docker version >/dev/null 2>&1") == 0;
}

int test_host_full(int rc, const char *out_path)
{
	return rc == 3 && test_file_has(out_path, "this host cannot fit");
}

int test_grep_count(const char *re, const char *path_fmt, ...)
{
	char path[PATH_MAX], cmd[PATH_MAX + 1024];
	va_list ap;
	FILE *f;
	int n = -1;

	va_start(ap, path_fmt);
	vsnprintf(path, sizeof(path), path_fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "grep -c -E '%s' %s", re, path);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	if (fscanf(f, "%d", &n) != 1)
		n = -1;
	pclose(f);
	return n;
}

int test_file_has(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	int found = 0;

	if (!f)
		return 0;
	while (!found && getline(&line, &cap, f) >= 0) /* a needle holds no newline */
		found = strstr(line, needle) != NULL;
	free(line);
	fclose(f);
	return found;
}

long test_env_long(const char *name, long def)
{
	const char *v = getenv(name);

	return v && atol(v) > 0 ? atol(v) : def;
}

double test_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}
