/* `faultlab run`: scenario → plan → run directory → network + nodes → readiness → agents →
 * the timeline (sends through the drivers, faults through the agents and the runtime) →
 * drain → receipts → teardown → analyzer → verdict exit code (cli.h).
 *
 * While a run is alive it serves a control socket, /run/faultlab/<run_id>.sock, that
 * `faultlab inject` uses (one JSON request line, one reply line; see run_ctl.c). With --keep
 * the run stays alive after its report (network, nodes, agents and socket up) until SIGINT or
 * SIGTERM, then tears down and exits with the verdict. */
#ifndef FL_RUN_H
#define FL_RUN_H

#include "common/error.h"
#include "orchestrator/run/exit.h"

#include <stddef.h>
#include <stdint.h>

struct scenario_errors;

struct run_opts {
	const char *scenario_path;
	int has_seed;
	uint64_t seed;
	const char *runtime;  /* NULL: the plan's */
	const char *out_dir;  /* NULL: <runs_dir>/<name>-<utc>-<seed>/ */
	const char *runs_dir; /* NULL: $FL_RUNS_DIR, else reports/runs */
	int keep;
	int quiet;
	int share;     /* --share: artefacts readable by group and others (umask 022), else 077 */
	int telemetry; /* --telemetry: as the scenario's telemetry: on */
	/* replay */
	const char *expect_plan;  /* plan.json the regenerated plan must equal byte for byte */
	const char *pause_before; /* event id */
	char **keep_running;	  /* nodes left running during the pause (NULL-terminated) */
	const char *replay_of;	  /* the original run directory (journal "replay" line) */
	char **only;		  /* NULL-terminated node names, NULL = all */
	/* filled by run_plan_dir */
	char run_dir[4096];
	uint64_t seed_used;
	int seed_drawn;		      /* no seed given nor in the scenario: seed_used was drawn */
	struct scenario_errors *errs; /* an invalid scenario's errors; run_opts_free */
	/* filled by run_main: the analyzer's summary for the caller to print (NULL with --quiet,
	 * or when a --keep run printed it before staying up); run_opts_free */
	char *summary;
};

/* Plans the scenario into a new run directory (plan.json + scenario.yaml). FL_EXIT_OK, or
 * FL_EXIT_INVALID / FL_EXIT_ENV + err (an invalid scenario: opts->errs holds its errors). */
enum fl_exit run_plan_dir(struct run_opts *opts, struct fl_error *err);
/* Runs the planned run directory: returns the verdict (FL_EXIT_OK / FL_EXIT_FAILED), or
 * FL_EXIT_ENV / FL_EXIT_INTERRUPTED with err saying why. Prints only the run's progress (and,
 * with --keep, the run directory and how to reach the kept run). */
enum fl_exit run_main(struct run_opts *opts, struct fl_error *err);
void run_opts_free(struct run_opts *opts);

/* Builds a message text: the plan message id, a space, then filler up to size bytes (never
 * shorter than "<id> "). Returns the length written (buf holds at least cap bytes). */
size_t run_text(const char *msg_id, uint64_t size, uint64_t seed, char *buf, size_t cap);

#endif
