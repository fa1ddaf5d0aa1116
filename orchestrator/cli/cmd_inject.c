/* faultlab inject RUN NODE FAULT-SPEC
 *
 * Applies a fault by hand to a live run (one still running, or kept with --keep). RUN is the
 * run id (`faultlab ps`) or the run directory. FAULT-SPEC is a YAML/JSON flow mapping with one
 * fault kind, its parameters in scenario units (the target is NODE), and an optional `for`
 * (default 30s):
 *
 *   '{netem: {delay: 200ms, loss: 5%}, for: 30s}'
 *   '{partition: {from: [alice, svc1]}, for: 10s}'      NODE drops what those nodes send
 *   '{bandwidth: {rate: 1mbit, burst: 32KiB}}'  '{link-down: {}}'  '{freeze: {}}'
 *   '{suspend: {wake-network-after: 2s}, for: 20s}'
 *
 * inject talks to the run's control socket /run/faultlab/<run_id>.sock (run_ctl.c); the run's
 * agent for NODE holds the fault on a lease of `for`, so it reverts by itself. */
#include "orchestrator/cli/cli.h"
#include "orchestrator/run/injectspec.h"
#include "orchestrator/runtime/runlock.h"

#include "common/cleanup.h"

#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* RUN as a run id, or a run directory whose journal names it. */
static int inject_run_id(const char *run, char *id, size_t len, struct fl_error *err)
{
	char path[4096], line[4096];
	cleanup_fclose FILE *f = NULL;

	if (runlock_valid_id(run)) {
		snprintf(id, len, "%s", run);
		return 0;
	}
	snprintf(path, sizeof(path), "%.4000s/events.jsonl", run);
	f = fopen(path, "r");
	if (!f || !fgets(line, sizeof(line), f))
		return fl_err(err, "\"%s\" is neither a run id nor a run directory", run);
	{
		json_auto_t *j = json_loads(line, 0, NULL);
		const char *s = json_string_value(json_object_get(j, "run_id"));

		if (!s)
			return fl_err(err, "%s: no run_id in its run-start line", path);
		snprintf(id, len, "%s", s);
	}
	return 0;
}

/* Why connect(2) failed, in words: a permission error is not a dead run. */
static int inject_connect_error(const char *run_id, const char *path, struct fl_error *err)
{
	if (errno == EACCES || errno == EPERM)
		return fl_err_errno(err,
				    "not allowed to use the control socket %s of run %s (root's, "
				    "mode 0600): run faultlab inject as root",
				    path, run_id);
	if (errno == ENOENT || errno == ECONNREFUSED)
		return fl_err_errno(err, "run %s is not alive (no control socket %s)", run_id,
				    path);
	return fl_err_errno(err, "connect to %s", path);
}

/* Sends one request line to the run's control socket; *reply gets the answer. */
static int inject_call(const char *run_id, json_t *req, json_t **reply, struct fl_error *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	cleanup_close int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cleanup_free char *line = json_dumps(req, JSON_COMPACT);
	struct pollfd p;
	char buf[8192];
	ssize_t n;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%.40s.sock", RUNLOCK_DIR, run_id);
	if (fd < 0)
		return fl_err_errno(err, "socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return inject_connect_error(run_id, sa.sun_path, err);
	signal(SIGPIPE, SIG_IGN);
	if (!line || dprintf(fd, "%s\n", line) < 0)
		return fl_err_errno(err, "write to %s", sa.sun_path);
	p = (struct pollfd){.fd = fd, .events = POLLIN};
	if (poll(&p, 1, 15000) <= 0)
		return fl_err(err, "run %s did not answer", run_id);
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return fl_err(err, "run %s closed the control socket", run_id);
	buf[n] = '\0';
	*reply = json_loads(buf, JSON_DISABLE_EOF_CHECK, NULL);
	return *reply ? 0 : fl_err(err, "bad answer: %s", buf);
}

int cli_inject(int argc, char **argv)
{
	struct fl_error err = {0};
	json_auto_t *req = NULL, *rep = NULL;
	char run_id[64];

	if (argc != 4)
		return cli_usage("inject");
	if (injectspec_request(argv[2], argv[3], &req, &err) < 0) {
		fprintf(stderr, "faultlab inject: %s\n", err.msg);
		return FL_EXIT_INVALID;
	}
	if (inject_run_id(argv[1], run_id, sizeof(run_id), &err) < 0 ||
	    inject_call(run_id, req, &rep, &err) < 0) {
		fprintf(stderr, "faultlab inject: %s\n", err.msg);
		return FL_EXIT_ENV;
	}
	if (!json_is_true(json_object_get(rep, "ok"))) {
		fprintf(stderr, "faultlab inject: %s\n",
			json_string_value(json_object_get(rep, "error")) ?: "refused");
		return FL_EXIT_ENV;
	}
	printf("applied %s on %s (engine %s) for %lld ms; it reverts by itself\n",
	       json_string_value(json_object_get(rep, "id")) ?: "?", argv[2],
	       json_string_value(json_object_get(rep, "engine")) ?: "?",
	       (long long)json_integer_value(json_object_get(req, "lease_ms")));
	return FL_EXIT_OK;
}
