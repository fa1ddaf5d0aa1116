/* The status-cli driver's whole path end to end, as root, through the real binaries: `faultlab
 * run` of labnode in status-cli mode (status-cli's command line, JSON-RPC on 127.0.0.1 only,
 * no events file of its own) under the status-cli driver, with join requests whose owner
 * accepts them (accept: true), direct messages and a group chat. The driver sets up bob's
 * communities as status-cli-tests does (wakuext_createCommunity, one per request of the same
 * requester), fetches, asks to join, sees the request in bob's pending list, accepts it by id
 * and sees alice's joined community; dm and group receipts are the console's `message
 * received:` lines. Every delivery and every acceptance must be counted: exact totals in
 * report.json. The same scenario runs on netns and on docker (the driver's sockets inside the
 * container's namespace); the docker case builds a labnode image of its own (tools/image-
 * labnode, a tag private to the test) and skips (class docker) without a docker daemon. */
#include "tests/util_test.h"

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void sj_setup(void)
{
	test_faultlab_setup("scjoin");
}

/* alice asks twice to join bob's communities (accepted), carol once (not asked to be
 * accepted); bob messages alice and a group of alice and carol. Deliveries: 3 join requests,
 * 2 dm, 2 group messages × 2 members = 9; acceptances: 2. */
static const char sj_body[] =
    "nodes:\n  - name: alice\n  - name: bob\n  - name: carol\n"
    "topology:\n  kind: line\n"
    "traffic:\n"
    "  - {name: join, kind: join-request, from: alice, to: bob, count: 2, interval: 500ms, "
    "accept: true}\n"
    "  - {name: join2, kind: join-request, from: carol, to: bob, count: 1, interval: 1s}\n"
    "  - {name: dm, kind: dm, from: bob, to: alice, count: 2, interval: 300ms}\n"
    "  - {name: grp, kind: group, from: bob, to: [alice, carol], count: 2, interval: 300ms}\n"
    "expect:\n  - metric: delivery\n    min: 100%\n"
    "  - metric: accepted\n    min: 100%\n"
    "duration: 4s\ndrain: 6s\n";

/* Writes the scenario for runtime rt with image `image` and runs it; the exit code. The
 * run's folder is TMP/<rt>, its output TMP/<rt>.out. */
static int sj_run(const char *rt, const char *image)
{
	char name[64];
	const char *path;

	snprintf(name, sizeof(name), "%s.yaml", rt);
	path =
	    test_scenario(name,
			  "version: 1\nname: scjoin-%s-%d\nseed: 7\nimages:\n  sc:\n    image: %s\n"
			  "    driver: status-cli\ndefaults:\n  image: sc\n"
			  "  args: [\"--peer=@PEER@:60000\"]\n%s",
			  rt, (int)getpid(), image, sj_body);
	return test_faultlab_run(200, "%s --runtime %s --out %s/%s >%s/%s.out 2>&1", path, rt,
				 test_dir, rt, test_dir, rt);
}

/* What the user sees, in report.json and the run's folder. */
static void sj_check(const char *rt, int rc)
{
	const char *d = test_dir;
	char report[PATH_MAX];

	ck_assert_msg(rc == 0, "%s: exit %d: %s", rt, rc,
		      test_sh("tail -20 %s/%s.out; cat %s/%s/summary.md", d, rt, d, rt));
	ck_assert_str_eq(test_sh("grep -c '9 sent, 9 delivered, 0 lost' %s/%s.out", d, rt), "1\n");
	/* exact totals, the verdict and both expectations met */
	ck_assert_str_eq(
	    test_sh("python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); "
		    "t=r[\"totals\"]; print(t[\"sent\"], t[\"delivered\"], t[\"lost\"], "
		    "t[\"duplicates\"], r[\"verdict\"], "
		    "[e[\"metric\"] + \"=\" + str(e[\"ok\"]) + \"@\" + str(e[\"actual\"]) for e in "
		    "r[\"expectations\"]])' %s/%s/report.json",
		    d, rt),
	    "9 9 0 0 pass ['delivery=True@1', 'accepted=True@1']\n");
	/* both of alice's requests have their acceptance, carol's (accept not asked) none */
	ck_assert_str_eq(
	    test_sh("python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); "
		    "print(sorted((m[\"id\"], m.get(\"accepted_ms\") is not None) for m in "
		    "r[\"messages\"] if m[\"kind\"] == \"join-request\"))' %s/%s/report.json",
		    d, rt),
	    "[('m1', True), ('m2', False), ('m7', True)]\n");
	/* status-cli prints no line for a join request or its acceptance: the driver's receipts
	 * file holds them (3 requests at bob, 2 acceptances at alice), the console the chats */
	ck_assert_str_eq(
	    test_sh("grep -c '\"kind\":\"join-request\"' %s/%s/nodes/bob/events.jsonl", d, rt),
	    "3\n");
	ck_assert_str_eq(test_sh("grep -c '\\.accept\"' %s/%s/nodes/alice/events.jsonl", d, rt),
			 "2\n");
	ck_assert_str_eq(test_sh("grep -c 'message received: ' %s/%s/nodes/bob/stdout.log", d, rt),
			 "0\n");
	ck_assert_str_eq(
	    test_sh("grep -c 'message received: m[0-9]' %s/%s/nodes/alice/stdout.log", d, rt),
	    "4\n");
	/* the real calls, in status-go's shapes, on the node's loopback */
	ck_assert_str_eq(test_sh("grep -c '\"event\":\"sent\"' %s/%s/nodes/*/events.jsonl | "
				 "awk -F: '{s+=$2} END {print s}'",
				 d, rt),
			 "0\n");
	snprintf(report, sizeof(report), "%s/%s/report.json", d, rt);
	test_reports_valid(report);
}

/* The image of this build's labnode under a tag of the test's own (no other run's image is
 * replaced); "" when it cannot be built. */
static const char *sj_image(void)
{
	static char tag[64];
	char cmd[3 * PATH_MAX], dir[PATH_MAX];

	snprintf(tag, sizeof(tag), "faultlab/labnode-scjoin:%d", (int)getpid());
	snprintf(dir, sizeof(dir), "%s", test_faultlab);
	*strrchr(dir, '/') = '\0';
	snprintf(cmd, sizeof(cmd), "tools/image-labnode %s/labnode %s >%s/image.out 2>&1", dir, tag,
		 test_dir);
	return system(cmd) == 0 ? tag : "";
}

START_TEST(join_accept_dm_group_on_netns)
{
	char image[PATH_MAX];

	snprintf(image, sizeof(image), "%s", test_faultlab);
	snprintf(strrchr(image, '/') + 1, sizeof(image) - (size_t)(strrchr(image, '/') + 1 - image),
		 "labnode");
	sj_check("netns", sj_run("netns", image));
}
END_TEST

START_TEST(join_accept_dm_group_on_docker)
{
	char out_path[PATH_MAX];
	const char *image;
	int rc;

	if (!test_docker_up())
		TEST_SKIP("docker", "no docker daemon (tools/setup docker starts one)");
	image = sj_image();
	ck_assert_msg(image[0], "tools/image-labnode failed: %s",
		      test_sh("cat %s/image.out", test_dir));
	rc = sj_run("docker", image);
	snprintf(out_path, sizeof(out_path), "%s/docker.out", test_dir);
	if (test_host_full(rc, out_path)) {
		test_sh("docker rmi -f %s >/dev/null 2>&1", image);
		TEST_SKIP("host-full", "the docker run did not start: %s",
			  test_sh("tail -3 %s/docker.out", test_dir));
	}
	test_sh("docker rmi -f %s >/dev/null 2>&1", image);
	sj_check("docker", rc);
}
END_TEST

Suite *statuscli_join_suite(void)
{
	Suite *s = suite_create("statuscli_join");
	TCase *t = tcase_create("run");

	tcase_add_checked_fixture(t, sj_setup, test_faultlab_teardown);
	tcase_set_timeout(t, 240);
	tcase_add_test(t, join_accept_dm_group_on_netns);
	tcase_add_test(t, join_accept_dm_group_on_docker);
	suite_add_tcase(s, t);
	return s;
}
