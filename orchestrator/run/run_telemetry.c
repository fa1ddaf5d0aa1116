/* The run's telemetry collector (`telemetry: on`, `faultlab run --telemetry`;
 * docs/TELEMETRY.md): started once the run's network exists, on a socket the runtime makes in
 * its hub namespace (netns) or on the host (docker), bound to the hub's <subnet>.1:8090, so
 * every node reaches it and nothing outside the lab does; stopped at the end of the timeline
 * (after the nodes' last periodic push), its counters journalled. telemetry.db's times are
 * CLOCK_MONOTONIC ms, the nodes' own clock: the journal's run-start mono0_ms puts them on the
 * run's timeline, as it does for the nodes' events. */
#include "orchestrator/run/run_int.h"
#include "orchestrator/run/rundir.h"
#include "orchestrator/telemetry/collector.h"

#include "common/fltime.h"
#include "common/log.h"

#include <sys/socket.h>
#include <unistd.h>

/* labnode's --telemetry-period in a run (drivers/labnode.c) plus a margin: the last records
 * of the timeline reach the collector before it stops. */
#define RUN_TELEMETRY_GRACE_MS 3000

int run_telemetry_start(struct run_ctx *c, struct fl_error *err)
{
	char host[32];
	int fd;

	if (!c->plan.telemetry)
		return 0;
	rundir_telemetry_host(c->subnet, host, sizeof(host));
	snprintf(c->telemetry_addr, sizeof(c->telemetry_addr), "%.20s:%d", host,
		 RUNDIR_TELEMETRY_PORT);
	pthread_mutex_lock(&c->nt.sock_mu);
	fd = c->nt.rt->ops->socket(c->nt.rt, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	pthread_mutex_unlock(&c->nt.sock_mu);
	if (fd < 0)
		return fl_err_errno(err, "telemetry collector: a socket in the %s hub",
				    c->nt.runtime_name);
	if (collector_bind(fd, host, RUNDIR_TELEMETRY_PORT, err) < 0) {
		close(fd);
		return fl_wrap(err, "telemetry collector");
	}
	c->telemetry = collector_start(fd, c->opts->run_dir, NULL, err);
	if (!c->telemetry)
		return fl_wrap(err, "telemetry collector");
	log_info("telemetry collector on http://%s", c->telemetry_addr);
	return 0;
}

void run_telemetry_stop(struct run_ctx *c)
{
	struct collector_stats st;

	if (!c->telemetry)
		return;
	if (c->runjournal_open && !c->tl.interrupted)
		fltime_sleep_ms(RUN_TELEMETRY_GRACE_MS);
	collector_get_stats(c->telemetry, &st);
	collector_stop(c->telemetry);
	c->telemetry = NULL;
	if (c->runjournal_open)
		runjournal_collector(&c->j, c->telemetry_addr, st.requests, st.records, st.refused,
				     st.bad, st.record_errors);
}
