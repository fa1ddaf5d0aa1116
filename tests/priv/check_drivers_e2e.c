/* The real-node drivers end to end, as root, through the real binaries: `faultlab run` of a
 * scenario whose `images:` entry runs labnode under the status-cli driver (labnode in
 * status-cli mode: status-cli's command line, JSON-RPC on 127.0.0.1 only, no events file) and
 * under the waku-rest driver (nwaku's REST surface), each with a restart fault. Every
 * delivery must be counted: the status-cli receipts come from the nodes' console lines, the
 * waku-rest ones from the driver's polls, re-subscribed after the restart. */
#include <check.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char de_dir[PATH_MAX]; /* the binaries' folder */
static char de_tmp[128];

static void de_setup(void)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	ck_assert(n > 0);
	self[n] = '\0';
	*strrchr(self, '/') = '\0';
	snprintf(de_dir, sizeof(de_dir), "%s",
		 getenv("FL_BUILD_DIR") ? getenv("FL_BUILD_DIR") : self);
	snprintf(de_tmp, sizeof(de_tmp), "/tmp/fl-drv-e2e-%d", (int)getpid());
	mkdir(de_tmp, 0755);
}

static void de_teardown(void)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", getenv("DE_KEEP") ? "/nonexistent" : de_tmp);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", de_tmp);
}

static char *de_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *de_sh(const char *fmt, ...)
{
	static char buf[65536];
	char cmd[8192];
	va_list ap;
	size_t n = 0;
	FILE *f;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	f = popen(cmd, "r");
	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		pclose(f);
	}
	buf[n] = '\0';
	return buf;
}

/* Writes the scenario (name and the labnode image path filled in) and runs it; returns the
 * run's stdout + stderr with "rc=N" at the end. */
static const char *de_run(const char *tag, const char *driver, const char *body)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.yaml", de_tmp, tag);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f,
		"version: 1\nname: e2e-%s-%d\nseed: 7\nimages:\n  real:\n    image: %s/labnode\n"
		"    driver: %s\ndefaults:\n  image: real\n%s",
		tag, (int)getpid(), de_dir, driver, body);
	fclose(f);
	return de_sh("%s/faultlab run %s --out %s/%s 2>&1; echo rc=$?", de_dir, path, de_tmp, tag);
}

/* status-cli: dm, contact request and a group of two, alice restarted (a new account: its
 * key is read again) between two rounds of direct messages to her. */
START_TEST(status_cli_counts_every_delivery)
{
	const char *out = de_run("sc", "status-cli",
				 "  args: [\"--peer=@PEER@:60000\"]\n"
				 "nodes:\n  - name: alice\n  - name: bob\n  - name: carol\n"
				 "topology:\n  kind: line\n"
				 "traffic:\n"
				 "  - {kind: dm, from: bob, to: alice, count: 2, interval: 300ms}\n"
				 "  - {kind: contact-request, from: carol, to: bob, count: 1, "
				 "interval: 1s}\n"
				 "  - {kind: group, from: bob, to: [alice, carol], count: 2, "
				 "interval: 300ms}\n"
				 "  - {kind: dm, from: bob, to: alice, count: 2, interval: 300ms, "
				 "start: 5s}\n"
				 "  - {kind: group, from: bob, to: [alice, carol], count: 1, "
				 "interval: 1s, start: 5500ms}\n"
				 "faults:\n  - at: 2s\n    restart: {target: alice}\n"
				 "duration: 7s\ndrain: 3s\n");

	/* 2 + 1 + 2×2 + 2 + 2 deliveries (the last group: a new chat, alice's key changed) */
	ck_assert_msg(strstr(out, "11 sent, 11 delivered, 0 lost"), "%s", out);
	ck_assert_msg(strstr(out, "rc=0"), "%s", out);
	/* no events line: the receipts are status-cli's console lines (the file the run keeps
	 * for the driver's join receipts stays empty without join requests) */
	ck_assert_str_eq(de_sh("cat %s/sc/nodes/*/events.jsonl 2>/dev/null | wc -l", de_tmp),
			 "0\n");
	ck_assert_str_eq(
	    de_sh("grep -c 'retrieve messages...' %s/sc/nodes/alice/stdout.log", de_tmp), "2\n");
	/* two starts, two keys (serve makes a new account each time) */
	ck_assert_str_eq(de_sh("grep -o 'public key: 0x04[0-9a-f]*' %s/sc/nodes/alice/stdout.log "
			       "| sort -u | wc -l",
			       de_tmp),
			 "2\n");
	/* a group chat per member set (alice's new key makes a new one), messaged by chat id */
	ck_assert_str_eq(de_sh("grep -c 'created the group' %s/sc/nodes/carol/stdout.log", de_tmp),
			 "2\n");
}
END_TEST

/* waku-rest: relay to two nodes and a dm (a relay message on the recipient's topic), the
 * middle node restarted: its subscriptions are made again, so the later round counts. */
START_TEST(waku_rest_counts_every_delivery)
{
	const char *out =
	    de_run("wr", "waku-rest",
		   "  args: [\"--name\", \"@NAME@\", \"--peer=@PEER@:60000\"]\n"
		   "nodes:\n  - name: n1\n  - name: n2\n    role: service\n"
		   "    args: [\"--name\", \"@NAME@\", \"--role\", \"service\", "
		   "\"--peer=@PEER@:60000\"]\n  - name: n3\n"
		   "topology:\n  kind: line\n"
		   "traffic:\n"
		   "  - {kind: relay, from: n1, to: [n2, n3], count: 3, interval: 300ms}\n"
		   "  - {kind: dm, from: n3, to: n1, count: 2, interval: 300ms}\n"
		   "  - {kind: lightpush, from: n3, to: [n1, n2], count: 1, "
		   "interval: 1s, start: 5s}\n"
		   "  - {kind: relay, from: n1, to: [n2, n3], count: 3, interval: 300ms, "
		   "start: 5s}\n"
		   "faults:\n  - at: 2s\n    restart: {target: n2}\n"
		   "duration: 7s\ndrain: 3s\n");

	/* 3×2 + 2 + 1×2 + 3×2 */
	ck_assert_msg(strstr(out, "16 sent, 16 delivered, 0 lost"), "%s", out);
	ck_assert_msg(strstr(out, "rc=0"), "%s", out);
	/* n2 received the second round after its restart (the driver subscribed again) */
	ck_assert_int_ge(
	    atoi(de_sh("grep -c '\"event\":\"received\"' %s/wr/nodes/n2/events.jsonl", de_tmp)), 7);
}
END_TEST

Suite *drivers_e2e_suite(void)
{
	Suite *s = suite_create("drivers_e2e");
	TCase *t = tcase_create("run");

	tcase_add_checked_fixture(t, de_setup, de_teardown);
	tcase_set_timeout(t, 120);
	tcase_add_test(t, status_cli_counts_every_delivery);
	tcase_add_test(t, waku_rest_counts_every_delivery);
	suite_add_tcase(s, t);
	return s;
}
