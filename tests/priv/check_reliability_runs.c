/* Reliability of `faultlab run` as root, end to end: a report never passes over a fault that
 * did not happen, and nothing of a run outlives it.
 *
 * - a fault the agent refuses (node b's agent given an interface that does not exist) and a
 *   fault its agent dies under (kill -9 mid-fault) both fail the run, naming fault and node in
 *   report.json, summary.md, junit.xml and report.html; the dead agent is replaced within a
 *   second, its node swept (no doubled NFQUEUE rules), the fault applied again and reverted;
 * - SIGINT / SIGTERM / SIGHUP during deployment, the timeline and the drain: exit 4, nothing
 *   left, and (once the timeline ran) reports marked interrupted that `analyze` does not pass;
 * - kill -9 of faultlab at random moments: its agents revert and exit within 2 s, `clean`
 *   leaves nothing (namespaces, run files, link-down's saved routes);
 * - the root namespace (firewall, qdiscs, links, routes, sysctls) is read before and after:
 *   unchanged.
 *
 * FL_RELIABILITY_TRIALS sets the kill -9 trials (3 here; `make soak` runs more). Runs go into
 * /tmp/fl-rel-<pid>, removed afterwards; their report.json files are validated. */
#include "tests/util_test.h"

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char rel_bin[PATH_MAX], rel_agent[PATH_MAX];
static char rel_tmp[128];

static void rel_setup(void)
{
	test_bin("faultlab", rel_bin, sizeof(rel_bin));
	test_bin("faultlab-agent", rel_agent, sizeof(rel_agent));
	test_tmpdir("rel", rel_tmp, sizeof(rel_tmp));
}

static void rel_teardown(void)
{
	test_tmpdir_done(rel_tmp);
}

static const char *rel_scenario(const char *tag, const char *body)
{
	static char path[PATH_MAX + 64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.yaml", rel_tmp, tag);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "version: 1\nname: rel-%s-%d\nseed: 7\n%s", tag, (int)getpid(), body);
	fclose(f);
	return path;
}

/* `faultlab run SCENARIO --out DIR --quiet`, stdout/stderr in DIR.out/.err; agent: the
 * faultlab-agent to use (NULL: the default). */
static pid_t rel_start(const char *scenario, const char *out, const char *agent)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char o[PATH_MAX + 8], e[PATH_MAX + 8];

		snprintf(o, sizeof(o), "%s.out", out);
		snprintf(e, sizeof(e), "%s.err", out);
		dup2(open(o, O_WRONLY | O_CREAT | O_TRUNC, 0644), 1);
		dup2(open(e, O_WRONLY | O_CREAT | O_TRUNC, 0644), 2);
		if (agent)
			setenv("FL_AGENT", agent, 1);
		setpgid(0, 0);
		execl(rel_bin, "faultlab", "run", scenario, "--out", out, "--quiet", (char *)NULL);
		_exit(127);
	}
	return pid;
}

static void rel_run_id(const char *out, char *id, size_t len)
{
	const char *s = test_sh(
	    "head -1 %s/events.jsonl 2>/dev/null | sed 's/.*\"run_id\":\"\\([a-z0-9]*\\)\".*/\\1/'",
	    out);

	snprintf(id, len, "%.*s", (int)strcspn(s, "\n"), s);
}

/* Nothing of run id on the host: namespaces, run files, agents, link-down's saved routes. */
static void rel_assert_nothing_left(const char *id, const char *what)
{
	ck_assert_msg(id[0], "%s: no run id", what);
	ck_assert_str_eq(test_sh("ip netns list | grep -c 'fl-%s' ; true", id), "0\n");
	ck_assert_str_eq(test_sh("ls /run/faultlab/ 2>/dev/null | grep -c '^%s\\.' ; true", id),
			 "0\n");
	ck_assert_msg(!test_sh("ls /run/faultlab-agent/ 2>/dev/null | grep '^%s-'", id)[0],
		      "%s: saved routes of %s remain", what, id);
	ck_assert_msg(!test_sh("pgrep -af '[f]aultlab-agent --run %s ' ; true", id)[0],
		      "%s: agents of %s remain", what, id);
}

/* A run with one fault of every agent kind a netns run can hold, all at once: ~8 s. */
static const char rel_body[] =
    "duration: 5s\ndrain: {exactly: 1s}\n"
    "nodes:\n  - name: a\n  - name: b\n  - name: c\n"
    "topology:\n  kind: full\n"
    "traffic:\n  - {kind: dm, from: a, to: c, rate: 2/s, count: 8, start: 0.5s}\n"
    "faults:\n"
    "  - {name: slow, at: 1s, for: 3s, netem: {target: b, delay: 40ms}}\n"
    "  - {name: cut, at: 1s, for: 3s, partition: {groups: [[a], [c]]}}\n"
    "  - {name: thin, at: 1s, for: 3s, bandwidth: {target: c, rate: 1mbit}}\n"
    "  - {name: down, at: 1.5s, for: 1s, link-down: {target: a}}\n"
    "  - {name: ice, at: 2s, for: 1s, freeze: {target: c}}\n"
    "expect:\n  - metric: delivery\n    min: 0%\n";

/* The same with a 4 s drain, to be interrupted in it. */
static const char rel_body_drain[] =
    "duration: 5s\ndrain: {exactly: 4s}\n"
    "nodes:\n  - name: a\n  - name: b\n  - name: c\n"
    "topology:\n  kind: full\n"
    "traffic:\n  - {kind: dm, from: a, to: c, rate: 2/s, count: 8, start: 0.5s}\n"
    "faults:\n"
    "  - {name: slow, at: 1s, for: 3s, netem: {target: b, delay: 40ms}}\n"
    "  - {name: cut, at: 1s, for: 3s, partition: {groups: [[a], [c]]}}\n"
    "expect:\n  - metric: delivery\n    min: 0%\n";

/* netem on b for 4 s, nothing else: the fault the agent tests break. */
static const char rel_netem[] =
    "duration: 6s\ndrain: {exactly: 1s}\n"
    "nodes:\n  - name: a\n  - name: b\n"
    "topology:\n  kind: full\n"
    "traffic:\n  - {kind: dm, from: a, to: b, rate: 2/s, count: 8, start: 0.5s}\n"
    "faults:\n  - {name: slow, at: 1s, for: 4s, netem: {target: b, delay: 30ms}}\n"
    "expect:\n  - metric: delivery\n    min: 0%\n";

START_TEST(refused_fault_fails_the_run)
{
	char out[256], wrap[300];
	const char *sc;
	FILE *f;
	int rc;

	/* 2 h of delay: refused by validate now (the shared limits), before anything starts */
	sc = rel_scenario("2h", "duration: 2s\nnodes:\n  - name: a\n  - name: b\n"
				"topology:\n  kind: full\n"
				"faults:\n  - {at: 1s, for: 1s, netem: {target: b, delay: 2h}}\n");
	rc = atoi(test_sh("%s validate %s >/dev/null 2>&1; echo $?", rel_bin, sc));
	ck_assert_msg(rc == 2, "validate of a 2 h delay: exit %d", rc);
	/* an agent that refuses: b's agent is told an interface that does not exist */
	snprintf(wrap, sizeof(wrap), "%s/agent-noif.sh", rel_tmp);
	f = fopen(wrap, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f,
		"#!/bin/sh\ncase \" $* \" in *' --node b '*) set -- $(printf '%%s\\n' \"$@\" | "
		"sed 's/^eth0$/nope0/') ;; esac\nexec %s \"$@\"\n",
		rel_agent);
	fclose(f);
	chmod(wrap, 0755);
	sc = rel_scenario("refused", rel_netem);
	snprintf(out, sizeof(out), "%s/refused", rel_tmp);
	rc = test_faultlab_wait(rel_start(sc, out, wrap), 60);
	ck_assert_msg(rc == 1, "exit %d, expected 1: %s", rc, test_sh("cat %s.err", out));
	ck_assert_ptr_nonnull(strstr(test_sh("cat %s/report.json", out), "\"verdict\": \"fail\""));
	ck_assert_str_eq(
	    test_sh("python3 -c \"import json; r = json.load(open('%s/report.json')); "
		    "f = r['faults'][0]; e = f['errors'][0]; print(f['status'], e['node'], "
		    "e['phase'], 'nope0' in e['error'], r['fault_errors'])\"",
		    out),
	    "error b apply True 1\n");
	ck_assert_ptr_nonnull(strstr(test_sh("cat %s/summary.md", out), "fault f1 (slow) on b"));
	ck_assert_ptr_nonnull(strstr(test_sh("cat %s/junit.xml", out), "<error type=\"fault\""));
	ck_assert_ptr_nonnull(strstr(test_sh("cat %s/report.html", out), "id=\"run-errors\""));
}
END_TEST

START_TEST(agent_kill_mid_fault_fails_and_reverts)
{
	char out[256], ev[300], id[32], before[64], after[64];
	const char *sc = rel_scenario("agentkill", rel_netem);
	double lost_ms, restart_ms, kill_ms, mono0;
	struct timespec killed;
	pid_t pid, agent;
	int rc;

	snprintf(out, sizeof(out), "%s/agentkill", rel_tmp);
	snprintf(ev, sizeof(ev), "%s/events.jsonl", out);
	pid = rel_start(sc, out, NULL);
	ck_assert_msg(test_wait_file(ev, "\"fault-apply\",\"id\":\"e", 30), "never applied: %s",
		      test_sh("cat %s.err", out));
	rel_run_id(out, id, sizeof(id));
	snprintf(before, sizeof(before), "%s",
		 test_sh("ip netns exec fl-%s-b iptables-legacy-save 2>/dev/null | grep -c -- '-j "
			 "NFQUEUE'; ip netns exec fl-%s-b tc qdisc show dev eth0 | grep -c netem",
			 id, id));
	for (int i = 0; i < 40 && (agent = (pid_t)atoi(test_sh(
				       "pgrep -f '[f]aultlab-agent --run %s --node b '", id))) <= 0;
	     i++)
		usleep(50000);
	ck_assert_msg(agent > 0, "no agent of b in run %s: %s\n%s", id, test_sh("cat %s", ev),
		      test_sh("pgrep -af faultlab-agent"));
	clock_gettime(CLOCK_MONOTONIC, &killed);
	kill(agent, SIGKILL);
	ck_assert_msg(test_wait_file(ev, "\"agent-restart\"", 3), "no agent-restart: %s",
		      test_sh("cat %s.err", out));
	usleep(300000);
	/* the node was swept before the new agent applied again: the same rules, not twice */
	snprintf(after, sizeof(after), "%s",
		 test_sh("ip netns exec fl-%s-b iptables-legacy-save 2>/dev/null | grep -c -- '-j "
			 "NFQUEUE'; ip netns exec fl-%s-b tc qdisc show dev eth0 | grep -c netem",
			 id, id));
	ck_assert_str_eq(after, before);
	rc = test_faultlab_wait(pid, 60);
	ck_assert_msg(rc == 1, "exit %d, expected 1: %s", rc, test_sh("cat %s.err", out));
	/* seen within a second of the kill (the kill is after the apply line; 1 s bounds it) */
	lost_ms =
	    atof(test_sh("grep '\"fault-lost\"' %s | sed 's/.*\"t_ms\":\\([0-9.]*\\).*/\\1/'", ev));
	restart_ms = atof(
	    test_sh("grep '\"agent-restart\"' %s | sed 's/.*\"t_ms\":\\([0-9.]*\\).*/\\1/'", ev));
	/* the journal's times are CLOCK_MONOTONIC ms since run-start's mono0_ms */
	mono0 = atof(test_sh("head -1 %s | sed 's/.*\"mono0_ms\":\\([0-9.]*\\).*/\\1/'", ev));
	kill_ms = (double)killed.tv_sec * 1e3 + (double)killed.tv_nsec / 1e6 - mono0;
	ck_assert_msg(mono0 > 0 && lost_ms >= kill_ms && lost_ms - kill_ms < 1000 &&
			  restart_ms - lost_ms < 1000,
		      "killed at %.0f ms, seen (fault-lost) at %.0f, replaced at %.0f", kill_ms,
		      lost_ms, restart_ms);
	fprintf(stderr,
		"agent kill: seen after %.1f ms, node swept and agent replaced %.1f ms later\n",
		lost_ms - kill_ms, restart_ms - lost_ms);
	ck_assert_ptr_nonnull(strstr(test_sh("cat %s", ev), "\"sweep\":\"ok\",\"result\":\"ok\""));
	ck_assert_str_eq(
	    test_sh("grep -c '\"fault-apply\",\"id\":\"agent-restart\".*\"ok\"' %s", ev), "1\n");
	ck_assert_str_eq(
	    test_sh("grep -c '\"fault-revert\".*\"fault\":\"f1\".*\"result\":\"ok\"' %s", ev),
	    "1\n");
	ck_assert_str_eq(
	    test_sh("python3 -c \"import json; r = json.load(open('%s/report.json')); "
		    "e = r['faults'][0]['errors'][0]; print(r['verdict'], e['node'], "
		    "e['phase'], 'SIGKILL' in e['error'], r['nodes'][1]['agent_restarts'])\"",
		    out),
	    "fail b lost True 1\n");
	ck_assert_ptr_nonnull(strstr(test_sh("cat %s/summary.md", out), "fault f1 (slow) on b"));
	rel_assert_nothing_left(id, "agent kill");
}
END_TEST

/* The run id of the live run writing into out, from its lock file (before the journal). */
static void rel_lock_id(const char *out, char *id, size_t len)
{
	const char *s = test_sh("grep -l '\"run_dir\":\"%s\"' /run/faultlab/*.json 2>/dev/null | "
				"head -1 | xargs -r basename | cut -d. -f1",
				out);

	snprintf(id, len, "%.*s", (int)strcspn(s, "\n"), s);
}

/* One signal at one phase: deploy (before run-start), run (faults in force), drain (after the
 * planned 5 s). */
static void rel_signal_in(const char *tag, int sig, const char *phase)
{
	char out[256], ev[300], id[32] = "";
	const char *sc = rel_scenario(tag, strcmp(phase, "drain") == 0 ? rel_body_drain : rel_body);
	int deploy = strcmp(phase, "deploy") == 0;
	pid_t pid;
	int rc;

	snprintf(out, sizeof(out), "%s/%s", rel_tmp, tag);
	snprintf(ev, sizeof(ev), "%s/events.jsonl", out);
	pid = rel_start(sc, out, NULL);
	if (deploy) {
		for (int i = 0; i < 200 && !id[0]; i++, usleep(20000))
			rel_lock_id(out, id, sizeof(id));
		ck_assert_msg(id[0], "%s: no lock file: %s", tag, test_sh("cat %s.err", out));
		usleep(50000);
	} else {
		ck_assert_msg(test_wait_file(ev, "\"fault-apply\"", 30), "%s: never applied: %s",
			      tag, test_sh("cat %s.err", out));
		rel_run_id(out, id, sizeof(id));
		/* the drain runs from 5 s to 9 s: 1.5 s after the plan's last revert (4 s) */
		if (strcmp(phase, "drain") == 0 &&
		    test_wait_file(ev, "\"fault-revert\",\"id\":\"e", 30))
			usleep(1500000);
	}
	kill(pid, sig);
	rc = test_faultlab_wait(pid, 30);
	ck_assert_msg(rc == 4, "%s: exit %d, expected 4: %s", tag, rc, test_sh("cat %s.err", out));
	if (!deploy || access(ev, F_OK) == 0) {
		ck_assert_ptr_nonnull(strstr(test_sh("tail -1 %s", ev), "\"interrupted\""));
		ck_assert_ptr_nonnull(
		    strstr(test_sh("cat %s/report.json", out), "\"status\": \"interrupted\""));
		rc = atoi(
		    test_sh("%s analyze %s --no-html > %s.an 2>&1; echo $?", rel_bin, out, out));
		ck_assert_msg(rc == 1, "%s: analyze exit %d", tag, rc);
		ck_assert_ptr_nonnull(strstr(test_sh("cat %s.an", out), "interrupted"));
	}
	rel_assert_nothing_left(id, tag);
}

START_TEST(signals_in_every_phase_exit4)
{
	rel_signal_in("sig-deploy", SIGTERM, "deploy");
	rel_signal_in("sig-run", SIGINT, "run");
	rel_signal_in("sig-drain", SIGHUP, "drain");
}
END_TEST

START_TEST(kill9_at_random_moments)
{
	const char *env = getenv("FL_RELIABILITY_TRIALS");
	int trials = env && atoi(env) > 0 ? atoi(env) : 3;
	const char *sc = rel_scenario("k9", rel_body);
	unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();

	fprintf(stderr, "kill9_at_random_moments: %d trials, seed %u\n", trials, seed);
	for (int t = 0; t < trials; t++) {
		char out[256], id[32];
		int at_ms = 300 + (int)(rand_r(&seed) % 6500);
		pid_t pid;
		int agents = -1;

		snprintf(out, sizeof(out), "%s/k9-%d", rel_tmp, t);
		pid = rel_start(sc, out, NULL);
		usleep((useconds_t)at_ms * 1000);
		rel_run_id(out, id, sizeof(id));
		kill(pid, SIGKILL);
		test_faultlab_wait(pid, 5);
		if (!id[0]) /* killed before the timeline: the lock file names the run */
			rel_lock_id(out, id, sizeof(id));
		/* the agents read EOF, revert and exit */
		for (int i = 0; id[0] && i < 40 && agents != 0; i++) {
			agents = atoi(test_sh("pgrep -cf '[f]aultlab-agent --run %s ' ; true", id));
			if (agents)
				usleep(50000);
		}
		ck_assert_msg(!id[0] || agents == 0,
			      "trial %d (kill at %d ms): agents of %s remain", t, at_ms, id);
		/* and what they held is gone from the nodes, which stay until clean */
		if (id[0]) {
			const char *held = test_sh(
			    "for ns in $(ip netns list | grep -o 'fl-%s-[a-z]*'); do "
			    "ip netns exec $ns iptables-legacy-save 2>/dev/null | grep 'FL%s'; "
			    "ip netns exec $ns tc qdisc show 2>/dev/null | grep -E 'netem|tbf'; "
			    "ip netns exec $ns ip -o link show eth0 2>/dev/null | grep -v ',UP'; "
			    "done",
			    id, id);

			ck_assert_msg(!held[0], "trial %d (kill at %d ms): left in force:\n%s", t,
				      at_ms, held);
		}
		if (id[0]) {
			test_sh("%s clean --run %s >/dev/null 2>&1", rel_bin, id);
			rel_assert_nothing_left(id, "kill -9");
		}
		ck_assert_str_eq(test_sh("pgrep -cf '[l]abnode.*%s/' ; true", out), "0\n");
	}
}
END_TEST

/* The root namespace as a user would compare it — rules, qdiscs, links, routes, sysctls — into
 * file. The host is shared: other runs' own devices (docker's veths and fl-<id> bridges) come
 * and go, so they are left out here and this run's are looked for by name afterwards. */
static void rel_root_snapshot(const char *file)
{
	test_sh("{ iptables-legacy-save 2>/dev/null | grep -v '^#' | sed 's/\\[[0-9:]*\\]//g'; "
		"iptables-nft-save 2>/dev/null | grep -v '^#' | sed 's/\\[[0-9:]*\\]//g'; "
		"tc qdisc show; ip -o link show | sed 's/^[0-9]*: //; s/ state .*//'; "
		"ip route show table all; ip -6 route show table all; "
		"sysctl net.ipv4.ip_forward net.ipv4.conf.all.rp_filter "
		"net.ipv4.neigh.default.gc_thresh1 net.ipv4.neigh.default.gc_thresh2 "
		"net.ipv4.neigh.default.gc_thresh3 net.netfilter.nf_conntrack_max kernel.pid_max; "
		"} 2>&1 | grep -v -i -e veth -e docker -e 'fl-' -e 'br-' | sort > %s",
		file);
}

START_TEST(root_namespace_unchanged)
{
	char out[256], id[32], before[300], after[300];
	const char *sc = rel_scenario("root", rel_body);
	const char *diff;
	int rc;

	snprintf(before, sizeof(before), "%s/root-before", rel_tmp);
	snprintf(after, sizeof(after), "%s/root-after", rel_tmp);
	rel_root_snapshot(before);
	ck_assert_msg(atoi(test_sh("wc -l < %s", before)) > 10, "root snapshot: %s",
		      test_sh("head -c 2000 %s", before));
	snprintf(out, sizeof(out), "%s/root", rel_tmp);
	rc = test_faultlab_wait(rel_start(sc, out, NULL), 60);
	ck_assert_msg(rc == 0 || rc == 1, "exit %d: %s", rc, test_sh("cat %s.err", out));
	ck_assert_str_eq(
	    test_sh("grep -c '\"fault-revert\".*\"result\":\"ok\"' %s/events.jsonl", out), "6\n");
	rel_run_id(out, id, sizeof(id));
	rel_root_snapshot(after);
	diff = test_sh("diff %s %s | head -c 3000", before, after);
	ck_assert_msg(!diff[0], "root namespace changed:\n%s", diff);
	ck_assert_msg(!test_sh("{ ip -o link show; ip route show table all; iptables-legacy-save; "
			       "tc qdisc show; } 2>/dev/null | grep -- '%s' | head -c 2000",
			       id)[0],
		      "objects of run %s in the root namespace", id);
	rel_assert_nothing_left(id, "root snapshot");
}
END_TEST

Suite *reliability_runs_suite(void)
{
	Suite *s = suite_create("reliability_runs");
	TCase *t = tcase_create("netns");

	tcase_add_checked_fixture(t, rel_setup, rel_teardown);
	tcase_set_timeout(t, 600);
	tcase_add_test(t, refused_fault_fails_the_run);
	tcase_add_test(t, agent_kill_mid_fault_fails_and_reverts);
	tcase_add_test(t, signals_in_every_phase_exit4);
	tcase_add_test(t, kill9_at_random_moments);
	tcase_add_test(t, root_namespace_unchanged);
	suite_add_tcase(s, t);
	return s;
}
