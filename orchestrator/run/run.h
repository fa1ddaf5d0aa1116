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

#include <stddef.h>
#include <stdint.h>

struct run_opts {
	const char *scenario_path;
	int has_seed;
	uint64_t seed;
	const char *runtime;  /* NULL: the plan's */
	const char *out_dir;  /* NULL: <runs_dir>/<name>-<utc>-<seed>/ */
	const char *runs_dir; /* NULL: $FL_RUNS_DIR, else reports/runs */
	int keep;
	int quiet;
	int share; /* --share: artefacts readable by group and others (umask 022), else 077 */
	/* replay */
	const char *expect_plan;  /* plan.json the regenerated plan must equal byte for byte */
	const char *pause_before; /* event id */
	char **only;		  /* NULL-terminated node names, NULL = all */
	/* filled by run_main */
	char run_dir[4096];
};

/* Returns the process exit code (0 pass, 1 failed, 2 invalid, 3 environment, 4 interrupted);
 * errors are printed to stderr. */
int run_main(struct run_opts *opts);

/* Builds a message text: the plan message id, a space, then filler up to size bytes (never
 * shorter than "<id> "). Returns the length written (buf holds at least cap bytes). */
size_t run_text(const char *msg_id, uint64_t size, uint64_t seed, char *buf, size_t cap);

#endif
