/* report.html in a real browser: headless Chromium, no network, renders the inline SVG
 * charts. A counted SKIP (class chromium) when chromium is not installed. */
#include "orchestrator/analyze/analyze.h"

#include "tests/util_test.h"

#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char tmp[64];

static int html_rm(const char *p, const struct stat *st, int type, struct FTW *ftw)
{
	return remove(p);
}

static void html_setup(void)
{
	snprintf(tmp, sizeof(tmp), "/tmp/fl-html-%d-XXXXXX", (int)getpid());
	ck_assert_ptr_nonnull(mkdtemp(tmp));
}

static void html_teardown(void)
{
	nftw(tmp, html_rm, 8, FTW_DEPTH | FTW_PHYS);
}

static const char *chromium_path(void)
{
	static const char *const paths[] = {"/usr/bin/chromium", "/usr/bin/chromium-browser"};

	for (size_t i = 0; i < 2; i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

/* Runs chromium headless on url with one extra flag; stdout to out (or /dev/null). Kills it
 * after 60 s. Returns its exit status. */
static int chromium_run(const char *url, const char *flag, const char *out)
{
	char profile[128];
	pid_t pid;
	int status = -1;

	snprintf(profile, sizeof(profile), "--user-data-dir=%s/profile", tmp);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = open(out ? out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int nul = open("/dev/null", O_WRONLY);

		dup2(fd, 1);
		dup2(nul, 2);
		setpgid(0, 0);
		execl(chromium_path(), "chromium", "--headless", "--no-sandbox", "--disable-gpu",
		      "--disable-quic", "--no-first-run", "--disable-background-networking",
		      "--disable-component-update", "--disable-sync", "--window-size=1200,1600",
		      "--proxy-server=127.0.0.1:9", profile, flag, url, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 600; i++) {
		struct timespec ts = {0, 100000000};

		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		nanosleep(&ts, NULL);
	}
	kill(-pid, SIGKILL);
	waitpid(pid, &status, 0);
	ck_abort_msg("chromium did not finish in 60 s");
	return status;
}

static long file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* A PNG's width and height from its IHDR chunk. */
static void png_dims(const char *path, unsigned *w, unsigned *h)
{
	unsigned char b[24];
	FILE *f = fopen(path, "rb");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fread(b, 1, 24, f), 24);
	fclose(f);
	ck_assert(memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0 && memcmp(b + 12, "IHDR", 4) == 0);
	*w = (unsigned)b[16] << 24 | (unsigned)b[17] << 16 | (unsigned)b[18] << 8 | b[19];
	*h = (unsigned)b[20] << 24 | (unsigned)b[21] << 16 | (unsigned)b[22] << 8 | b[23];
}

static char *slurp(const char *path)
{
	long n = file_size(path);
	char *buf = calloc(1, n > 0 ? (size_t)n + 1 : 1);
	FILE *f = fopen(path, "r");

	ck_assert_ptr_nonnull(f);
	if (n > 0)
		ck_assert_int_eq(fread(buf, 1, (size_t)n, f), n);
	fclose(f);
	return buf;
}

static int count(const char *s, const char *needle)
{
	int c = 0;

	while ((s = strstr(s, needle))) {
		c++;
		s += strlen(needle);
	}
	return c;
}

START_TEST(test_chromium_renders_charts)
{
	struct analyze_opts o = {.quiet = 1, .out = tmp};
	struct fl_error err = {0};
	char url[160], dom[160], png[160], flag[200];
	unsigned w, h;
	int verdict;
	char *text;

	if (!chromium_path())
		TEST_SKIP("chromium", "chromium is not installed (tools/setup installs it)");
	ck_assert_msg(analyze_run_dir("tests/data/runs/mixed", &o, &verdict, NULL, &err) == 0, "%s",
		      err.msg);
	snprintf(url, sizeof(url), "file://%s/report.html", tmp);
	snprintf(dom, sizeof(dom), "%s/dom.html", tmp);
	snprintf(png, sizeof(png), "%s/report.png", tmp);
	/* the DOM chromium built holds the three charts and their shapes */
	chromium_run(url, "--dump-dom", dom);
	text = slurp(dom);
	ck_assert_msg(count(text, "<svg") == 4, "dump-dom:\n%.2000s", text);
	ck_assert_int_ge(count(text, "class=\"sent\""), 8);  /* send-time bars */
	ck_assert_int_ge(count(text, "class=\"fault\""), 3); /* fault bands */
	ck_assert_int_ge(count(text, "class=\"nf\""), 4);    /* node × time map */
	ck_assert_int_ge(count(text, "class=\"lat\""), 4);   /* latency bars */
	ck_assert_int_ge(count(text, "class=\"mesh\""), 2);  /* dave's relay mesh lines */
	free(text);

	/* the screenshot is full size and far from blank */
	snprintf(flag, sizeof(flag), "--screenshot=%s", png);
	chromium_run(url, flag, NULL);
	png_dims(png, &w, &h);
	ck_assert_uint_eq(w, 1200);
	ck_assert_uint_eq(h, 1600);
	/* a blank 1200×1600 page compresses to about 9 KB; the charts and tables to ~120 KB */
	ck_assert_msg(file_size(png) > 40000, "report.png is only %ld B", file_size(png));
}
END_TEST

/* Runs build/faultlab with args (NULL-terminated), output discarded; returns its exit code. */
static int faultlab(const char *const *args)
{
	char *argv[16];
	int n = 0, status;
	pid_t pid;

	argv[n++] = "build/faultlab";
	for (; args[n - 1] && n < 15; n++)
		argv[n] = (char *)args[n - 1];
	argv[n] = NULL;
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int nul = open("/dev/null", O_WRONLY);

		dup2(nul, 1);
		dup2(nul, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The verb's exit codes are the verdict (0 pass, 1 fail) or 2 for unreadable input. */
START_TEST(test_verb_exit_codes)
{
	char out[128], logs[160];

	snprintf(out, sizeof(out), "%s/reports", tmp);
	snprintf(logs, sizeof(logs), "%s/logs.json", tmp);
	ck_assert_int_eq(
	    faultlab((const char *[]){"analyze", "tests/data/runs/mixed", "--out", out, NULL}), 1);
	ck_assert_int_eq(faultlab((const char *[]){"analyze", "tests/data/runs/clean", "--out", out,
						   "--quiet", NULL}),
			 0);
	ck_assert_int_gt(file_size(strcat(out, "/report.html")), 1000);
	ck_assert_int_eq(
	    faultlab((const char *[]){"analyze", "tests/data/runs/nothing-here", NULL}), 2);
	ck_assert_int_eq(faultlab((const char *[]){"analyze", NULL}), 2);
	ck_assert_int_eq(faultlab((const char *[]){"analyze", "--logs", "tests/data/logs/fleet",
						   "--out", logs, NULL}),
			 0);
	ck_assert_int_gt(file_size(logs), 100);
	ck_assert_int_eq(faultlab((const char *[]){"analyze", "--logs", "tests/data/logs/fleet",
						   "--format", "syslog", NULL}),
			 2);
}
END_TEST

Suite *report_html_suite(void)
{
	Suite *s = suite_create("report_html");
	TCase *tc = tcase_create("chromium");

	tcase_add_checked_fixture(tc, html_setup, html_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_chromium_renders_charts);
	tcase_add_test(tc, test_verb_exit_codes);
	suite_add_tcase(s, tc);
	return s;
}
