/* report.json with exactly the field names of docs/CLI-AND-REPORT.md, plus a few extra fields
 * (totals.failed, totals.acked, messages[].last_seen, nodes[].exit as an object). */
#include "orchestrator/analyze/mesh.h"
#include "orchestrator/render/jsonw.h"
#include "orchestrator/render/render.h"
#include "orchestrator/render/render_telemetry.h"
#include "orchestrator/render/render_traffic.h"

#include "orchestrator/analyze/ledger.h"
#include "orchestrator/analyze/replay_compare.h"

#include <math.h>
#include <string.h>

static void render_json_where(struct jsonw *w, const struct analyze_where *wh)
{
	jsonw_key(w, "where");
	jsonw_obj(w, 1);
	if (wh->kind)
		jsonw_kstr(w, "kind", wh->kind);
	if (wh->traffic)
		jsonw_kstr(w, "traffic", wh->traffic);
	if (wh->from)
		jsonw_kstr(w, "from", wh->from);
	if (wh->to)
		jsonw_kstr(w, "to", wh->to);
	if (wh->fault)
		jsonw_kstr(w, "fault", wh->fault);
	jsonw_obj_end(w);
}

static void render_json_expects(struct jsonw *w, const struct analyze_run *run)
{
	jsonw_key(w, "expectations");
	jsonw_arr(w, 0);
	for (size_t i = 0; i < run->n_expects; i++) {
		const struct analyze_expect *e = &run->expects[i];

		jsonw_obj(w, 1);
		jsonw_kstr(w, "metric", e->metric);
		render_json_where(w, &e->where);
		if (e->has_min)
			jsonw_knum(w, "min", e->min);
		if (e->has_max)
			jsonw_knum(w, "max", e->max);
		jsonw_knum(w, "actual", e->actual);
		jsonw_key(w, "ok");
		jsonw_bool(w, e->ok);
		if (e->note)
			jsonw_kstr(w, "note", e->note);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
}

static void render_json_stats(struct jsonw *w, const struct analyze_stats *t)
{
	jsonw_ku64(w, "sent", t->sent);
	jsonw_ku64(w, "delivered", t->delivered);
	jsonw_ku64(w, "lost", t->lost);
	jsonw_ku64(w, "failed", t->failed);
	jsonw_ku64(w, "duplicates", t->duplicates);
	jsonw_ku64(w, "reordered", t->reordered);
	jsonw_ku64(w, "acked", t->acked);
	jsonw_key(w, "latency_ms");
	jsonw_obj(w, 1);
	jsonw_knum(w, "p50", t->p50);
	jsonw_knum(w, "p90", t->p90);
	jsonw_knum(w, "p95", t->p95);
	jsonw_knum(w, "p99", t->p99);
	jsonw_knum(w, "max", t->max);
	jsonw_obj_end(w);
}

static void render_json_totals(struct jsonw *w, const struct analyze_stats *t)
{
	jsonw_key(w, "totals");
	jsonw_obj(w, 0);
	render_json_stats(w, t);
	jsonw_obj_end(w);
}

/* "send_failures": {"count": N, "by_cause": [{"cause", "count", "example"}, …]} */
static void render_json_send_failures(struct jsonw *w, const struct analyze_run *run)
{
	jsonw_key(w, "send_failures");
	jsonw_obj(w, 0);
	jsonw_ku64(w, "count", run->send_failures);
	jsonw_key(w, "by_cause");
	jsonw_arr(w, 0);
	for (size_t i = 0; i < run->n_send_causes; i++) {
		jsonw_obj(w, 1);
		jsonw_kstr(w, "cause", run->send_causes[i].cause);
		jsonw_ku64(w, "count", run->send_causes[i].count);
		jsonw_kstr(w, "example", run->send_causes[i].example);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
	jsonw_obj_end(w);
}

/* "breakdowns": {"kind": [{"name": "dm", "sent": …, "latency_ms": {…}}, …], "traffic": …} */
static void render_json_breakdowns(struct jsonw *w, const struct analyze_run *run)
{
	jsonw_key(w, "breakdowns");
	jsonw_obj(w, 0);
	for (int d = 0; d < ANALYZE_N_DIMS; d++) {
		jsonw_key(w, analyze_dim_name(d));
		jsonw_arr(w, 0);
		for (size_t g = 0; g < run->by[d].n; g++) {
			jsonw_obj(w, 1);
			jsonw_kstr(w, "name", run->by[d].groups[g].name);
			render_json_stats(w, &run->by[d].groups[g].st);
			jsonw_obj_end(w);
		}
		jsonw_arr_end(w);
	}
	jsonw_obj_end(w);
}

static void render_json_faults(struct jsonw *w, const struct analyze_run *run)
{
	jsonw_key(w, "faults");
	jsonw_arr(w, 0);
	for (size_t i = 0; i < run->n_faults; i++) {
		const struct analyze_fault *f = &run->faults[i];

		jsonw_obj(w, 1);
		jsonw_kstr(w, "id", f->id);
		jsonw_kstr(w, "name", f->name);
		jsonw_kstr(w, "kind", f->kind);
		jsonw_key(w, "targets");
		jsonw_arr(w, 1);
		for (size_t t = 0; t < f->n_targets; t++)
			jsonw_str(w, analyze_node_name(run, f->targets[t]));
		jsonw_arr_end(w);
		if (f->site) /* its site's shared uplink, not each target's interface */
			jsonw_kstr(w, "site", f->site);
		jsonw_knum(w, "planned_ms", f->start_ms);
		jsonw_knum(w, "planned_end_ms", f->end_ms);
		jsonw_knum(w, "applied_ms", f->applied_ms);
		jsonw_knum(w, "reverted_ms", f->reverted_ms);
		if (f->until) { /* until: delivered: did it end before its cap? */
			jsonw_kstr(w, "until", f->until);
			jsonw_key(w, "ended_early");
			jsonw_bool(w, !isnan(f->reverted_ms) && f->reverted_ms < f->end_ms);
		}
		jsonw_kstr(w, "engine", f->engine);
		jsonw_ku64(w, "sent_during", f->sent_during);
		jsonw_ku64(w, "lost_during", f->lost_during);
		jsonw_knum(w, "recovery_ms", f->recovery_ms);
		jsonw_kstr(w, "status", f->n_errs ? "error" : "ok");
		jsonw_key(w, "errors");
		jsonw_arr(w, 0);
		for (size_t e = 0; e < f->n_errs; e++) {
			jsonw_obj(w, 1);
			jsonw_kstr(w, "node", analyze_node_name(run, f->errs[e].node));
			jsonw_kstr(w, "phase", analyze_fault_phase_name(f->errs[e].phase));
			jsonw_knum(w, "at_ms", f->errs[e].at_ms);
			jsonw_kstr(w, "error", f->errs[e].error);
			jsonw_obj_end(w);
		}
		jsonw_arr_end(w);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
}

static void render_json_nodes(struct jsonw *w, const struct analyze_run *run)
{
	jsonw_key(w, "nodes");
	jsonw_arr(w, 0);
	for (size_t i = 0; i < run->n_nodes; i++) {
		const struct analyze_node *n = &run->nodes[i];

		jsonw_obj(w, 1);
		jsonw_kstr(w, "name", n->name);
		jsonw_kstr(w, "role", n->role);
		jsonw_kstr(w, "image", n->image);
		jsonw_kstr(w, "address", n->address);
		jsonw_key(w, "exit");
		if (n->exited) {
			jsonw_obj(w, 1);
			jsonw_knum(w, "t_ms", n->exit_ms);
			jsonw_knum(w, "code", n->exit_code < 0 ? NAN : n->exit_code);
			jsonw_kstr(w, "signal", n->exit_signal);
			jsonw_key(w, "expected");
			jsonw_bool(w, n->exit_expected);
			jsonw_obj_end(w);
		} else {
			jsonw_null(w);
		}
		/* the journal's node-restart lines, else node-up lines beyond the first */
		jsonw_ku64(w, "restarts",
			   n->restarts	? (uint64_t)n->restarts
			   : n->ups > 1 ? (uint64_t)n->ups - 1
					: 0);
		jsonw_ku64(w, "fault_errors", (uint64_t)n->fault_errors);
		jsonw_ku64(w, "agent_restarts", (uint64_t)n->agent_restarts);
		jsonw_ku64(w, "warnings", (uint64_t)n->warnings);
		jsonw_kstr(w, "last_warning", n->last_warning);
		jsonw_key(w, "resources");
		if (n->has_resources) {
			jsonw_obj(w, 1);
			jsonw_knum(w, "cpu_ms", n->cpu_ms);
			jsonw_knum(w, "max_rss_bytes", n->max_rss_bytes);
			jsonw_knum(w, "rx_bytes", n->rx_bytes);
			jsonw_knum(w, "tx_bytes", n->tx_bytes);
			jsonw_kstr(w, "source", n->resources_source);
			jsonw_obj_end(w);
		} else {
			jsonw_null(w);
		}
		mesh_json(w, run, i);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
}

static void render_json_messages(struct jsonw *w, const struct analyze_run *run)
{
	jsonw_key(w, "messages");
	jsonw_arr(w, 0);
	for (size_t i = 0; i < run->n_dels; i++) {
		const struct analyze_delivery *d = &run->dels[i];
		const struct analyze_message *m = &run->msgs[d->msg];

		jsonw_obj(w, 1);
		jsonw_kstr(w, "id", m->id);
		jsonw_kstr(w, "traffic", m->traffic);
		jsonw_kstr(w, "kind", m->kind);
		jsonw_kstr(w, "from", analyze_node_name(run, m->from));
		jsonw_kstr(w, "to", analyze_node_name(run, d->to));
		jsonw_kstr(w, "hash", m->hash);
		jsonw_knum(w, "sent_ms", isnan(m->sent_ms) ? m->planned_ms : m->sent_ms);
		jsonw_knum(w, "received_ms", d->received_ms);
		jsonw_ku64(w, "copies", d->copies);
		jsonw_kstr(w, "status", analyze_status_name(d->status));
		jsonw_key(w, "acked");
		jsonw_bool(w, m->acked);
		if (m->want_accept)
			jsonw_knum(w, "accepted_ms", m->accepted_ms);
		if (d->status == ANALYZE_LOST)
			jsonw_kstr(w, "last_seen", analyze_node_name(run, m->trace_node));
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
}

static void render_json_env(struct jsonw *w, const struct analyze_run *run)
{
	jsonw_key(w, "environment");
	jsonw_obj(w, 1);
	jsonw_kstr(w, "kernel", run->kernel);
	jsonw_key(w, "netem");
	if (run->netem < 0)
		jsonw_null(w);
	else
		jsonw_bool(w, run->netem);
	jsonw_kstr(w, "delay_engine", run->delay_engine);
	jsonw_kstr(w, "freezer", run->freezer);
	jsonw_kstr(w, "docker", run->docker);
	jsonw_obj_end(w);
}

int render_json_write(const struct analyze_run *run, const char *path, struct fl_error *err)
{
	char *tmp;
	FILE *f = render_open(path, &tmp, err);
	struct jsonw w;

	if (!f)
		return -1;
	jsonw_init(&w, f);
	jsonw_obj(&w, 0);
	jsonw_kstr(&w, "faultlab_version", FL_VERSION);
	jsonw_kstr(&w, "scenario", run->scenario);
	jsonw_key(&w, "seed");
	if (run->has_seed)
		jsonw_u64(&w, run->seed);
	else
		jsonw_null(&w);
	jsonw_kstr(&w, "runtime", run->runtime);
	jsonw_kstr(&w, "started_at", run->started_at);
	jsonw_knum(&w, "wall_s", run->wall_s);
	jsonw_key(&w, "ended_early");
	if (isnan(run->ended_early_ms)) {
		jsonw_null(&w);
	} else {
		jsonw_obj(&w, 1);
		jsonw_knum(&w, "at_ms", run->ended_early_ms);
		jsonw_knum(&w, "planned_end_ms", run->planned_end_ms);
		jsonw_kstr(&w, "reason",
			   "every message received or given up, every fault reverted");
		jsonw_obj_end(&w);
	}
	jsonw_kstr(&w, "status", run->status);
	jsonw_key(&w, "interrupted");
	if (!run->interrupted) {
		jsonw_null(&w);
	} else {
		jsonw_obj(&w, 1);
		jsonw_knum(&w, "at_ms", run->interrupted_ms);
		jsonw_ku64(&w, "unsent_messages", run->unsent_msgs);
		jsonw_obj_end(&w);
	}
	jsonw_ku64(&w, "fault_errors", run->fault_errors);
	jsonw_kstr(&w, "verdict", run->verdict_ok ? "pass" : "fail");
	render_json_expects(&w, run);
	render_json_totals(&w, &run->totals);
	render_json_send_failures(&w, run);
	render_json_breakdowns(&w, run);
	render_json_faults(&w, run);
	render_json_traffic(&w, run);
	render_json_nodes(&w, run);
	render_json_messages(&w, run);
	render_json_env(&w, run);
	render_json_telemetry(&w, run);
	replay_compare_json(&w, run); /* "pauses", "replay" */
	jsonw_obj_end(&w);
	return render_close(f, tmp, path, err);
}
