/* events.jsonl writer (edge code: jansson, keys in the docs/FORMATS.md order). */
#include "orchestrator/run/runjournal.h"
#include "orchestrator/doctor/doctor.h"

#include "common/fltime.h"
#include "common/safefile.h"

#include <jansson.h>
#include <math.h>
#include <string.h>

int runjournal_open(struct runjournal *j, const char *path, struct fl_error *err)
{
	pthread_mutex_init(&j->mu, NULL);
	j->f = safefile_fopen(path, "a", err);
	j->mono0_ms = fltime_mono_ms();
	if (!j->f)
		return -1;
	return 0;
}

void runjournal_close(struct runjournal *j)
{
	if (j->f)
		fclose(j->f);
	j->f = NULL;
}

double runjournal_now(const struct runjournal *j)
{
	return fltime_mono_ms() - j->mono0_ms;
}

/* Rounds to 0.1 ms so lines stay short and readable. */
static json_t *runjournal_ms(double ms)
{
	return json_real((double)(long long)(ms * 10.0 + (ms >= 0 ? 0.5 : -0.5)) / 10.0);
}

/* A count that may be unknown (NAN): an integer or null. */
static json_t *runjournal_count(double v)
{
	return isnan(v) ? json_null() : json_integer((json_int_t)v);
}

static void runjournal_put(struct runjournal *j, json_t *o)
{
	pthread_mutex_lock(&j->mu);
	if (j->f && o) {
		json_dumpf(o, j->f, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
		fputc('\n', j->f);
		fflush(j->f);
	}
	pthread_mutex_unlock(&j->mu);
	json_decref(o);
}

static void runjournal_result(json_t *o, const char *error)
{
	json_object_set_new(o, "result", json_string(error ? "error" : "ok"));
	if (error)
		json_object_set_new(o, "error", json_string(error));
}

void runjournal_run_start(struct runjournal *j, const char *run, const char *run_id, uint64_t seed,
			  const char *runtime, const char *started_at, const char *subnet)
{
	double real0_ms;

	j->mono0_ms = fltime_mono_ms();
	real0_ms = (double)fltime_real_ns() / 1e6; /* the same moment on the wall clock, whole ms */
	runjournal_put(j, json_pack("{s:s,s:s,s:s,s:I,s:s,s:o,s:o,s:s,s:s}", "type", "run-start",
				    "run", run, "run_id", run_id, "seed", (json_int_t)seed,
				    "runtime", runtime, "mono0_ms", runjournal_ms(j->mono0_ms),
				    "real0_ms", json_integer((json_int_t)(real0_ms + 0.5)),
				    "started_at", started_at, "subnet", subnet));
}

void runjournal_environment(struct runjournal *j, const struct doctor_report *r)
{
	runjournal_put(j, json_pack("{s:s,s:s,s:b,s:s,s:s,s:o}", "type", "environment", "kernel",
				    r->kernel, "netem", r->netem, "delay_engine", r->delay_engine,
				    "freezer", r->freezer, "docker",
				    r->docker_api[0] ? json_string(r->docker_api) : json_null()));
}

void runjournal_node_up(struct runjournal *j, const char *node, const char *address,
			const char *key, double ready_ms)
{
	runjournal_put(j, json_pack("{s:s,s:s,s:s,s:s,s:o}", "type", "node-up", "node", node,
				    "address", address, "key", key, "ready_ms",
				    runjournal_ms(ready_ms)));
}

void runjournal_link(struct runjournal *j, const char *a, const char *b, const char *error)
{
	json_t *o = json_pack("{s:s,s:[s,s],s:o}", "type", "link", "nodes", a, b, "t_ms",
			      runjournal_ms(runjournal_now(j)));

	runjournal_result(o, error);
	runjournal_put(j, o);
}

void runjournal_send(struct runjournal *j, const struct runjournal_send *s)
{
	json_t *o =
	    json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:o}", "type", "send", "id", s->id, "msg", s->msg,
		      "node", s->node, "planned_ms", runjournal_ms(s->planned_ms), "issued_ms",
		      runjournal_ms(s->issued_ms), "done_ms", runjournal_ms(s->done_ms));

	runjournal_result(o, s->error);
	json_object_set_new(o, "node_msg_id", json_string(s->node_msg_id ? s->node_msg_id : ""));
	json_object_set_new(o, "hash", json_string(s->hash ? s->hash : ""));
	runjournal_put(j, o);
}

void runjournal_fault(struct runjournal *j, const struct runjournal_fault *f)
{
	int apply = strcmp(f->type, "fault-apply") == 0;
	json_t *o =
	    json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:o}", "type", f->type, "id", f->id, "fault",
		      f->fault, "node", f->node, "planned_ms", runjournal_ms(f->planned_ms),
		      "issued_ms", runjournal_ms(f->issued_ms),
		      apply ? "applied_ms" : "reverted_ms", runjournal_ms(f->done_ms));

	if (apply)
		json_object_set_new(o, "engine", json_string(f->engine ? f->engine : ""));
	runjournal_result(o, f->error);
	runjournal_put(j, o);
}

void runjournal_node_exit(struct runjournal *j, const char *node, int code, const char *sig,
			  int expected)
{
	runjournal_put(j, json_pack("{s:s,s:s,s:o,s:o,s:o,s:b}", "type", "node-exit", "node", node,
				    "t_ms", runjournal_ms(runjournal_now(j)), "code",
				    code < 0 ? json_null() : json_integer(code), "signal",
				    sig ? json_string(sig) : json_null(), "expected", expected));
}

void runjournal_node_restart(struct runjournal *j, const char *node, const char *error)
{
	json_t *o = json_pack("{s:s,s:s,s:o}", "type", "node-restart", "node", node, "t_ms",
			      runjournal_ms(runjournal_now(j)));

	runjournal_result(o, error);
	runjournal_put(j, o);
}

void runjournal_store_query(struct runjournal *j, const struct runjournal_store_query *q)
{
	json_t *o =
	    json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:o}", "type", "store-query", "id",
		      q->id, "query", q->query, "traffic", q->traffic, "of", q->of, "node", q->node,
		      "store", q->store, "planned_ms", runjournal_ms(q->planned_ms), "issued_ms",
		      runjournal_ms(q->issued_ms), "done_ms", runjournal_ms(q->done_ms));

	runjournal_result(o, q->error);
	if (!q->error) {
		json_object_set_new(o, "found", json_string(q->found ? q->found : ""));
		json_object_set_new(o, "missing", json_string(q->missing ? q->missing : ""));
	}
	runjournal_put(j, o);
}

void runjournal_group_create(struct runjournal *j, const char *id, const char *msg,
			     const char *traffic, const char *node, double issued_ms,
			     double done_ms, const char *error)
{
	json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:o}", "type", "group-create", "id", id,
			      "msg", msg, "traffic", traffic, "node", node, "issued_ms",
			      runjournal_ms(issued_ms), "done_ms", runjournal_ms(done_ms));

	runjournal_result(o, error);
	runjournal_put(j, o);
}

void runjournal_traffic_open(struct runjournal *j, const char *traffic, const char *after,
			     int64_t within_ms, double t_ms, const char *error)
{
	json_t *o =
	    json_pack("{s:s,s:s,s:s,s:I,s:o}", "type", "traffic-open", "traffic", traffic, "after",
		      after, "within_ms", (json_int_t)within_ms, "t_ms", runjournal_ms(t_ms));

	runjournal_result(o, error);
	runjournal_put(j, o);
}

void runjournal_drain_end(struct runjournal *j, double planned_end_ms, size_t messages)
{
	runjournal_put(j, json_pack("{s:s,s:o,s:s,s:o,s:I}", "type", "drain-end", "t_ms",
				    runjournal_ms(runjournal_now(j)), "reason", "settled",
				    "planned_end_ms", runjournal_ms(planned_end_ms), "messages",
				    (json_int_t)messages));
}

void runjournal_run_end(struct runjournal *j, const char *status)
{
	runjournal_put(j, json_pack("{s:s,s:o,s:s}", "type", "run-end", "t_ms",
				    runjournal_ms(runjournal_now(j)), "status", status));
}

void runjournal_node_resources(struct runjournal *j, const char *node, double cpu_ms,
			       double max_rss_bytes, double rx_bytes, double tx_bytes,
			       const char *source)
{
	json_t *o = json_pack("{s:s,s:s,s:o}", "type", "node-resources", "node", node, "t_ms",
			      runjournal_ms(runjournal_now(j)));

	json_object_set_new(o, "cpu_ms", isnan(cpu_ms) ? json_null() : runjournal_ms(cpu_ms));
	json_object_set_new(o, "max_rss_bytes", runjournal_count(max_rss_bytes));
	json_object_set_new(o, "rx_bytes", runjournal_count(rx_bytes));
	json_object_set_new(o, "tx_bytes", runjournal_count(tx_bytes));
	json_object_set_new(o, "source", source ? json_string(source) : json_null());
	runjournal_put(j, o);
}

void runjournal_fault_lost(struct runjournal *j, const char *fault, const char *node,
			   const char *error)
{
	json_t *o =
	    json_pack("{s:s,s:s,s:s,s:s,s:o}", "type", "fault-lost", "id", "agent-exit", "fault",
		      fault, "node", node, "t_ms", runjournal_ms(runjournal_now(j)));

	runjournal_result(o, error);
	runjournal_put(j, o);
}

void runjournal_agent_restart(struct runjournal *j, const char *node, const char *why,
			      const char *sweep_error, const char *start_error)
{
	json_t *o = json_pack("{s:s,s:s,s:o,s:s,s:s}", "type", "agent-restart", "node", node,
			      "t_ms", runjournal_ms(runjournal_now(j)), "reason", why, "sweep",
			      sweep_error ? sweep_error : "ok");

	runjournal_result(o, start_error);
	runjournal_put(j, o);
}

void runjournal_driver_warning(struct runjournal *j, const char *node, const char *text)
{
	runjournal_put(j, json_pack("{s:s,s:s,s:o,s:s}", "type", "driver-warning", "node", node,
				    "t_ms", runjournal_ms(runjournal_now(j)), "text", text));
}

void runjournal_collector(struct runjournal *j, const char *address, uint64_t requests,
			  uint64_t records, uint64_t refused, uint64_t rejected,
			  uint64_t record_errors)
{
	runjournal_put(j,
		       json_pack("{s:s,s:o,s:s,s:I,s:I,s:I,s:I,s:I}", "type", "telemetry-collector",
				 "t_ms", runjournal_ms(runjournal_now(j)), "address", address,
				 "requests", (json_int_t)requests, "records", (json_int_t)records,
				 "refused", (json_int_t)refused, "rejected", (json_int_t)rejected,
				 "record_errors", (json_int_t)record_errors));
}

void runjournal_replay(struct runjournal *j, const char *of, const char *pause_before)
{
	runjournal_put(j, json_pack("{s:s,s:s,s:o}", "type", "replay", "of", of, "pause_before",
				    pause_before ? json_string(pause_before) : json_null()));
}

void runjournal_pause(struct runjournal *j, const char *event, double planned_ms, double t_ms,
		      double duration_ms, size_t frozen, const char *const *kept, size_t n_kept)
{
	json_t *k = json_array();

	for (size_t i = 0; k && i < n_kept; i++)
		json_array_append_new(k, json_string(kept[i]));
	runjournal_put(j, json_pack("{s:s,s:s,s:o,s:o,s:o,s:I,s:o}", "type", "pause", "event",
				    event, "planned_ms", runjournal_ms(planned_ms), "t_ms",
				    runjournal_ms(t_ms), "duration_ms", runjournal_ms(duration_ms),
				    "frozen", (json_int_t)frozen, "kept_running", k));
}

void runjournal_receipt(FILE *events, const char *event, const char *id, const char *hash,
			const char *kind, const char *peer, const char *text)
{
	json_t *o =
	    json_pack("{s:o,s:s,s:s,s:s,s:s,s:s,s:s}", "t_ms", runjournal_ms(fltime_mono_ms()),
		      "event", event, "id", id ? id : "", "hash", hash ? hash : "", "kind", kind,
		      "peer", peer ? peer : "", "text", text);

	if (o) {
		json_dumpf(o, events, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
		fputc('\n', events);
		fflush(events);
	}
	json_decref(o);
}
