/* A real js-waku network through `faultlab run`, end to end as root: the shortened smoke
 * scenario (tests/data/scenarios/jswaku-short.yaml: three `image: jswaku` nodes, DMs both
 * ways, relay messages, a netem delay) on netns and, at the same time, on docker (which builds
 * faultlab/jswaku:latest when missing or stale). Each must pass with every delivery made
 * once, and each node's relay mesh must reach report.json (nodes[].mesh). Skips, saying why,
 * without images/jswaku/node_modules (class npm) or, for the docker half only, a docker
 * daemon (class docker) or room in the host's shared neighbour table (class host-full). */
#include "tests/util_test.h"

#include <check.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define JR_SCENARIO "tests/data/scenarios/jswaku-short.yaml"
#define JR_DELIVERIES 18 /* 8 + 4 DMs, 3 relay messages × 2 receivers */

static void jr_setup(void)
{
	test_faultlab_setup("jswrun");
}

/* `faultlab run JR_SCENARIO --runtime RT --out TMP/RT --quiet`, output in TMP/RT.err. */
static pid_t jr_start(const char *rt)
{
	char out[256];

	snprintf(out, sizeof(out), "%s/%s", test_dir, rt);
	return test_faultlab_start(out, NULL, JR_SCENARIO, "--runtime", rt, (char *)NULL);
}

/* The whole file TMP/<rt><sep><name>, "" when missing. */
static char *jr_read(const char *rt, const char *sep, const char *name)
{
	static char buf[1 << 20];
	char path[512];
	FILE *f;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/%s%s%s", test_dir, rt, sep, name);
	f = fopen(path, "r");
	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

static long jr_total(const char *report, const char *key)
{
	char k[64];
	const char *t = strstr(report, "\"totals\"");
	const char *p;

	snprintf(k, sizeof(k), "\"%s\":", key);
	p = t ? strstr(t, k) : NULL;
	return p ? strtol(p + strlen(k), NULL, 10) : -1;
}

/* What the user sees: exit 0, pass, every delivery once, a mesh of 1+ at each node. */
static void jr_check(const char *rt, int rc)
{
	char *rep;
	const char *p;
	int meshes = 0;

	ck_assert_msg(rc == 0, "%s: exit %d, expected 0 (pass): %s\n%s", rt, rc,
		      jr_read(rt, ".", "err"), jr_read(rt, "/", "summary.md"));
	rep = jr_read(rt, "/", "report.json");
	ck_assert_ptr_nonnull(strstr(rep, "\"verdict\": \"pass\""));
	ck_assert_ptr_nonnull(strstr(rep, "\"image\": \"jswaku\""));
	ck_assert_int_eq(jr_total(rep, "sent"), JR_DELIVERIES);
	ck_assert_int_eq(jr_total(rep, "delivered"), JR_DELIVERIES);
	ck_assert_int_eq(jr_total(rep, "duplicates"), 0);
	/* the nodes journalled their gossipsub mesh: each topic entry ends at 1 or 2 peers */
	for (p = rep; (p = strstr(p, "\"topic\": \"/waku/2/default-waku/proto\"")); p++) {
		const char *last = strstr(p, "\"last\": ");

		ck_assert_ptr_nonnull(last);
		ck_assert_int_ge(strtol(last + 8, NULL, 10), 1);
		meshes++;
	}
	ck_assert_int_eq(meshes, 3);
}

START_TEST(smoke_passes_on_netns_and_docker)
{
	char err_path[PATH_MAX];
	pid_t netns, docker = -1;
	int rc;

	if (access("images/jswaku/node_modules/@waku/sdk/package.json", R_OK) != 0)
		TEST_SKIP("npm", "images/jswaku/node_modules is absent (tools/setup)");
	netns = jr_start("netns");
	if (test_docker_up())
		docker = jr_start("docker");
	else
		test_skip_at(__FILE__, "docker",
			     "no docker daemon (tools/setup docker starts one): the docker half "
			     "did not run");
	rc = test_faultlab_wait(netns, 120);
	jr_check("netns", rc);
	if (docker > 0) {
		rc = test_faultlab_wait(docker, 240);
		/* the preflight's refusal (exit 3) when other runs hold the host's shared neighbour
		 * table: nothing this test can change */
		snprintf(err_path, sizeof(err_path), "%s/docker.err", test_dir);
		if (test_host_full(rc, err_path))
			TEST_SKIP("host-full", "the docker half did not run: %s",
				  jr_read("docker", ".", "err"));
		jr_check("docker", rc);
	}
}
END_TEST

Suite *jswaku_run_suite(void)
{
	Suite *s = suite_create("jswaku_run");
	TCase *t = tcase_create("run");

	tcase_add_checked_fixture(t, jr_setup, test_faultlab_teardown);
	tcase_set_timeout(t, 400);
	tcase_add_test(t, smoke_passes_on_netns_and_docker);
	suite_add_tcase(s, t);
	return s;
}
