/* run_main: the phases of a run, in order, with one teardown path for every exit. */
#include "orchestrator/run/run_int.h"
#include "common/xalloc.h"
#include "orchestrator/run/rundir.h"
#include "orchestrator/run/planbytes.h"

#include "orchestrator/analyze/analyze.h"
#include "orchestrator/cli/cli.h"
#include "orchestrator/doctor/doctor.h"
#include "orchestrator/runtime/sweep.h"

#include "common/cleanup.h"
#include "common/fltime.h"
#include "common/log.h"

#include <curl/curl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

/* A send waits this long for its node: a frozen or suspended sender answers after it wakes,
 * like an app that queued the message while asleep. */
#define RUN_SEND_TIMEOUT_MS 30000

enum fl_exit run_plan_dir(struct run_opts *o, struct fl_error *err)
{
	struct planbytes pf = {0};
	char path[PATH_MAX + 32], abs[PATH_MAX];
	enum fl_exit rc;

	/* every file of the run (ours, the nodes', the agents') private to root unless --share */
	umask(o->share ? 022 : 077);
	if (planbytes_make(o->scenario_path, o->has_seed, o->seed, &pf, &rc, err) < 0) {
		o->errs = pf.errs;
		pf.errs = NULL;
		planbytes_free(&pf);
		return rc;
	}
	o->seed_used = pf.seed;
	o->seed_drawn = pf.seed_drawn;
	rc = FL_EXIT_INVALID;
	if (o->expect_plan && planbytes_compare(&pf, o->expect_plan, err) < 0)
		goto out;
	rc = FL_EXIT_ENV;
	if (rundir_create(o->out_dir, o->runs_dir ? o->runs_dir : getenv("FL_RUNS_DIR"), pf.name,
			  pf.seed, fltime_real_ns(), abs, sizeof(abs), err) < 0)
		goto out;
	/* absolute: nodes run elsewhere (their cwd, a container) and get it through @DATA@ */
	snprintf(o->run_dir, sizeof(o->run_dir), "%s", abs);
	snprintf(path, sizeof(path), "%s/plan.json", o->run_dir);
	if (access(path, F_OK) == 0) {
		fl_err(err, "%s already holds a run; choose another --out", o->run_dir);
		rc = FL_EXIT_INVALID;
		goto out;
	}
	snprintf(path, sizeof(path), "%s/scenario.yaml", o->run_dir);
	if (rundir_copy(o->scenario_path, path, err) < 0)
		goto out;
	snprintf(path, sizeof(path), "%s/plan.json", o->run_dir);
	if (rundir_write(path, pf.json, pf.len, err) < 0)
		goto out;
	rc = FL_EXIT_OK;
out:
	planbytes_free(&pf);
	return rc;
}

void run_opts_free(struct run_opts *opts)
{
	free(opts->errs);
	opts->errs = NULL;
	free(opts->summary);
	opts->summary = NULL;
}

static int run_signals(struct run_ctx *c)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	c->tl.sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return c->tl.sigfd;
}

/* Connects the links of nodes whose driver needs it (labnode dials its --peer list); errs[l]
 * gets link l's error ("" ok), done[l] whether it was attempted. */
static void run_connect(struct run_ctx *c, char (*errs)[256], unsigned char *done)
{
	for (size_t l = 0; l < c->plan.n_links; l++) {
		struct run_node *a = &c->nt.rn[c->plan.links[l][0]];
		struct run_node *b = &c->nt.rn[c->plan.links[l][1]];
		struct fl_error err = {0};

		if (a->drv == &driver_labnode_ops)
			continue;
		done[l] = 1;
		if (a->drv->connect(&a->dn, &b->dn, &err) < 0)
			snprintf(errs[l], sizeof(errs[l]), "%.250s", err.msg);
	}
}

/* Links, settling, then run-start: the timeline's 0 is when the network is ready. */
static void run_begin(struct run_ctx *c)
{
	char(*errs)[256] = fl_xcalloc(c->plan.n_links + 1, sizeof(*errs));
	unsigned char *done = fl_xcalloc(c->plan.n_links + 1, 1);
	double t0 = fltime_mono_ms();
	struct doctor_report env;

	doctor_run(&env);
	run_fault_boot(c); /* at: boot faults: in force before any link the run makes */
	run_connect(c, errs, done);
	run_settle(c);
	log_debug("phase links+settle: %.1f ms", fltime_mono_ms() - t0);
	runjournal_run_start(&c->j, c->run_name, c->run_id, c->plan.seed, c->nt.runtime_name,
			     c->started_at, c->subnet);
	runjournal_environment(&c->j, &env);
	for (size_t i = 0; i < c->nt.n; i++)
		runjournal_node_up(&c->j, c->nt.rn[i].dn.name, c->nt.rn[i].dn.address,
				   c->nt.rn[i].dn.key, c->nt.rn[i].ready_ms);
	run_fault_boot_journal(c);
	for (size_t l = 0; l < c->plan.n_links; l++)
		if (done[l])
			runjournal_link(&c->j, c->plan.nodes[c->plan.links[l][0]].name,
					c->plan.nodes[c->plan.links[l][1]].name,
					errs[l][0] ? errs[l] : NULL);
	free(errs);
	free(done);
}

/* The timeline proper, from run-start to run-end. */
static int run_live(struct run_ctx *c)
{
	char jpath[PATH_MAX + 16];
	struct fl_error err = {0};

	snprintf(jpath, sizeof(jpath), "%s/events.jsonl", c->opts->run_dir);
	if (runjournal_open(&c->j, jpath, &err) < 0) {
		log_error("%s", err.msg);
		return -1;
	}
	c->runjournal_open = 1;
	run_begin(c);
	for (size_t i = 0; i < c->nt.n; i++)
		c->nt.rn[i].dn.timeout_ms = RUN_SEND_TIMEOUT_MS;
	run_sendq_start(c);
	run_gate_init(c);
	return run_timeline(c);
}

/* --keep: stay up (agents, control socket) until a signal. */
static void run_keep(struct run_ctx *c)
{
	progress_note(
	    &c->tl.prog,
	    "faultlab: run %s kept alive; enter a node with `faultlab shell %s NODE`, inject "
	    "with `faultlab inject %s NODE SPEC`; Ctrl-C (or kill %d) tears it down",
	    c->run_id, c->run_id, c->run_id, (int)getpid());
	c->tl.interrupted = 0;
	while (run_wait_until(c, 1e18, "kept") == 0)
		;
}

static enum fl_exit run_analyze(struct run_ctx *c)
{
	struct analyze_opts ao = {.quiet = c->opts->quiet};
	struct fl_error err = {0};
	int verdict = FL_EXIT_FAILED;

	free(c->opts->summary);
	c->opts->summary = NULL;
	if (analyze_run_dir(c->opts->run_dir, &ao, &verdict, &c->opts->summary, &err) < 0) {
		log_error("analyze %s: %s", c->opts->run_dir, err.msg);
		return FL_EXIT_FAILED;
	}
	return verdict;
}

/* Logs (debug) how long a setup phase took. */
static int run_timed(const char *what, double *t, int rc)
{
	double now = fltime_mono_ms();

	log_debug("phase %s: %.1f ms", what, now - *t);
	*t = now;
	return rc;
}

static enum fl_exit run_phases(struct run_ctx *c, struct fl_error *err)
{
	double t = fltime_mono_ms();

	if (run_timed("prepare", &t, run_prepare(c, err)) < 0 ||
	    run_timed("preflight", &t, run_preflight(c, err)) < 0 ||
	    run_timed("deploy", &t, run_deploy(c, err)) < 0 ||
	    run_timed("ready", &t, run_wait_ready(c, err)) < 0 ||
	    run_timed("agents", &t, run_agents_start(c, err)) < 0)
		return c->tl.interrupted ? FL_EXIT_INTERRUPTED : FL_EXIT_ENV;
	if (run_ctl_open(c, err) < 0)
		log_warn("no control socket: %s", err->msg);
	if (run_live(c) < 0 && c->tl.interrupted)
		return FL_EXIT_INTERRUPTED;
	return FL_EXIT_OK;
}

static void run_free(struct run_ctx *c)
{
	for (size_t i = 0; c->nt.rn && i < c->nt.n; i++)
		rundir_argv_free(c->nt.rn[i].argv);
	free(c->nt.rn);
	free(c->nt.specs);
	free(c->nt.nodes);
	run_fault_free(c);
	free(c->msg_event);
	drain_free(c->tl.drain);
	run_gate_free(c);
	free(c->sq.send_failed);
	planread_free(&c->plan);
	if (c->tl.sigfd >= 0)
		close(c->tl.sigfd);
	if (c->tl.epfd >= 0)
		close(c->tl.epfd);
	if (c->tl.tfd >= 0)
		close(c->tl.tfd);
	if (c->tl.tickfd >= 0)
		close(c->tl.tickfd);
}

enum fl_exit run_main(struct run_opts *opts, struct fl_error *err)
{
	struct run_ctx c = {.opts = opts,
			    .tl = {.sigfd = -1, .epfd = -1, .tfd = -1, .tickfd = -1, .ctl_fd = -1},
			    .lock = {.fd = -1},
			    .sq = {.mu = PTHREAD_MUTEX_INITIALIZER},
			    .nt = {.sock_mu = PTHREAD_MUTEX_INITIALIZER}};
	double t_end;
	enum fl_exit rc;

	curl_global_init(CURL_GLOBAL_DEFAULT); /* before any thread */
	snprintf(c.run_name, sizeof(c.run_name), "%.250s",
		 strrchr(opts->run_dir, '/') ? strrchr(opts->run_dir, '/') + 1 : opts->run_dir);
	fltime_utc_string(fltime_real_ns(), 0, c.started_at, sizeof(c.started_at));
	progress_init(&c.tl.prog, opts->quiet);
	run_signals(&c);
	rc = run_phases(&c, err);
	run_sendq_stop(&c);
	progress_done(&c.tl.prog);
	if (rc == FL_EXIT_OK && opts->keep) {
		/* the report first, while everything is still up; then stay until a signal */
		rc = run_analyze(&c);
		fputs(opts->summary ? opts->summary : "", stdout);
		free(opts->summary);
		opts->summary = NULL;
		printf("%s\n", opts->run_dir);
		fflush(stdout);
		run_keep(&c);
	}
	if (c.runjournal_open) {
		run_resources_journal(&c);
		run_fault_revert_all(&c);
		run_telemetry_stop(&c);
		runjournal_run_end(&c.j, rc == FL_EXIT_INTERRUPTED ? "interrupted" : "completed");
	}
	t_end = fltime_mono_ms();
	run_teardown(&c);
	/* what agents kept for a sweep (link-down's routes) means nothing once the namespaces
	 * are gone */
	if (c.run_id[0])
		sweep_agent_files(c.run_id);
	log_debug("phase teardown: %.1f ms", fltime_mono_ms() - t_end);
	if (c.runjournal_open)
		runjournal_close(&c.j);
	if (rc == FL_EXIT_INTERRUPTED && !err->msg[0])
		fl_err(err, "interrupted");
	if (rc == FL_EXIT_OK && !opts->keep)
		rc = run_analyze(&c);
	else if (rc == FL_EXIT_INTERRUPTED && c.runjournal_open && !opts->keep)
		run_analyze(&c); /* the reports, marked interrupted; the exit code stays 4 */
	run_free(&c);
	return rc;
}
