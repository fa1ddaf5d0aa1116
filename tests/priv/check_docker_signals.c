/* Issue 13, Ctrl-C during a docker deploy: `faultlab run --runtime docker` of
 * FL_DOCKER_SIGNALS_NODES labnode containers (default 20) gets SIGINT while its containers are
 * being created and started — once as soon as the first container of the run exists, once at
 * a random moment of the deploy after that (FL_DOCKER_SIGNALS_SEED, default the time;
 * printed). Each time faultlab must read the signal within 2 s, exit 4 within
 * FL_DOCKER_SIGNALS_MAX_MS of it (default 10000; measured 1.7–7.2 s at load averages 10–40 on
 * this 2-core host, against 8.5–16 s before), and leave nothing of the run: containers,
 * docker networks, namespaces (the hub), cgroups, run files. Root and dockerd (skip class
 * docker); output under /tmp/fl-docker-sig-<pid>. */
#include "orchestrator/runtime/docker_api.h"

#include "tests/util_test.h"

#include <check.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void ds_setup(void)
{
	test_faultlab_setup("docker-sig");
}

static int ds_docker_ready(void)
{
	struct docker_api api;
	struct fl_error err;

	if (docker_api_open(&api, &err) < 0 &&
	    (system("tools/setup docker >/dev/null 2>&1") != 0 || docker_api_open(&api, &err) < 0))
		return 0;
	/* the image outside the timings (a stale one would be rebuilt inside the deploy) */
	return atoi(test_sh("%s image build labnode >/dev/null 2>&1; echo $?", test_faultlab)) == 0;
}

static const char *ds_scenario(long n)
{
	return test_scenario(
	    "docker-sig.yaml",
	    "version: 1\nname: docker-sig-%d\nseed: 5\nduration: 5s\ndrain: {exactly: 1s}\n"
	    "defaults: {image: labnode}\nnodes:\n  - name: n{1..%ld}\n    role: relay\n"
	    "topology: {kind: mesh, degree: 2}\n",
	    (int)getpid(), n);
}

static int ds_containers(const char *id)
{
	return atoi(test_sh("docker ps -aq --filter label=faultlab.run=%s | wc -l", id));
}

static void ds_assert_nothing_left(int round, const char *id)
{
	const char *o;

	ck_assert_msg(ds_containers(id) == 0, "round %d: %d containers of %s remain", round,
		      ds_containers(id), id);
	o = test_sh("docker network ls -q --filter label=faultlab.run=%s", id);
	ck_assert_msg(o[0] == '\0', "round %d: docker networks of %s remain: %s", round, id, o);
	o = test_sh("ls /run/netns 2>/dev/null | grep -- '^fl-%s'", id);
	ck_assert_msg(o[0] == '\0', "round %d: namespaces of %s remain: %s", round, id, o);
	o = test_sh("ls -d /sys/fs/cgroup/faultlab/%1$s /sys/fs/cgroup/unified/faultlab/%1$s "
		    "/sys/fs/cgroup/freezer/faultlab/%1$s 2>/dev/null",
		    id);
	ck_assert_msg(o[0] == '\0', "round %d: cgroups of %s remain: %s", round, id, o);
	o = test_sh("ls /run/faultlab 2>/dev/null | grep -- '^%s\\.'", id);
	ck_assert_msg(o[0] == '\0', "round %d: run files of %s remain: %s", round, id, o);
}

/* 1 when pid has ended (not reaped: its status is read later). */
static int ds_exited(pid_t pid)
{
	siginfo_t si = {0};

	return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid;
}

/* One run, interrupted delay_ms after its first container exists. */
static void ds_round(const char *sc, int round, long delay_ms, long max_ms)
{
	char out[256], err_path[300], id[32] = "";
	double waited, reacted;
	int status = 0, made = 0, deployed;
	pid_t pid;

	snprintf(out, sizeof(out), "%s/r%d", test_dir, round);
	snprintf(err_path, sizeof(err_path), "%s.err", out);
	pid = test_faultlab_start(out, "debug", sc, "--runtime", "docker", (char *)NULL);
	for (int i = 0; i < 1200 && !ds_exited(pid); i++) {
		if ((id[0] || test_run_id(out, id, sizeof(id))) && (made = ds_containers(id)) > 0)
			break;
		usleep(50000);
	}
	ck_assert_msg(made > 0, "round %d: no container of the run appeared: %s", round,
		      test_sh("tail -5 %s", err_path));
	usleep((useconds_t)delay_ms * 1000);
	deployed = test_file_has(err_path, "phase deploy:");
	made = ds_containers(id);
	waited = test_run_sigint(pid, err_path, &status, &reacted);
	fprintf(stderr,
		"docker_signals: round %d (first container +%ld ms, %d containers, deploy %s): "
		"exit %d, signal read after %.0f ms, exited after %.0f ms\n",
		round, delay_ms, made, deployed ? "over" : "under way",
		WIFEXITED(status) ? WEXITSTATUS(status) : -1, reacted, waited);
	ck_assert_msg(!deployed, "round %d: the deploy was over before the signal", round);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 4,
		      "round %d: status %#x; last lines: %s", round, status,
		      test_sh("tail -5 %s", err_path));
	ck_assert_msg(reacted >= 0 && reacted <= 2000, "round %d: signal read after %.0f ms", round,
		      reacted);
	ck_assert_msg(waited <= (double)max_ms, "round %d: exit %.0f ms after the signal (max %ld)",
		      round, waited, max_ms);
	ds_assert_nothing_left(round, id);
}

START_TEST(sigint_during_docker_deploy_exit4_nothing_left)
{
	long n = test_env_long("FL_DOCKER_SIGNALS_NODES", 20),
	     max_ms = test_env_long("FL_DOCKER_SIGNALS_MAX_MS", 10000);
	unsigned seed =
	    (unsigned)test_env_long("FL_DOCKER_SIGNALS_SEED", (long)time(NULL) % 100000 + 1);
	const char *sc;

	if (geteuid() != 0)
		TEST_SKIP("root", "needs root (a real run)");
	if (!ds_docker_ready())
		TEST_SKIP("docker", "no docker daemon, or the labnode image cannot be built");
	sc = ds_scenario(n);
	srand(seed);
	fprintf(stderr, "docker_signals: %ld containers, seed %u (FL_DOCKER_SIGNALS_SEED)\n", n,
		seed);
	ds_round(sc, 0, 0, max_ms);
	ds_round(sc, 1, 100 + rand() % (n * 40 + 1), max_ms);
}
END_TEST

Suite *docker_signals_suite(void)
{
	Suite *s = suite_create("docker_signals");
	TCase *t = tcase_create("signals");

	tcase_set_timeout(t, 300);
	tcase_add_checked_fixture(t, ds_setup, test_faultlab_teardown);
	tcase_add_test(t, sigint_during_docker_deploy_exit4_nothing_left);
	suite_add_tcase(s, t);
	return s;
}
