/* events.jsonl, the run journal: start/end, node addresses and keys, what each send returned,
 * when each fault was really applied and reverted, node exits, the environment. */
#include "orchestrator/analyze/ledger.h"
#include "orchestrator/analyze/linescan.h"

#include "common/cleanup.h"
#include "common/xalloc.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* The members of one journal line that the analyzer reads. */
struct journal_line {
	struct flatjson_val type, node, msg, fault, result, engine, node_msg_id, hash;
	struct flatjson_val address, key, signal, code, expected, started_at, run, runtime;
	struct flatjson_val status, kernel, netem, delay_engine, freezer, docker, text, error;
	struct flatjson_val event, kept_running, of, traffic, after;
	struct flatjson_val query, store, found, missing;
	double mono0_ms, real0_ms, issued_ms, done_ms, applied_ms, reverted_ms, t_ms, seed,
	    delivery;
	double planned_end_ms, duration_ms, frozen, within_ms;
	double cpu_ms, max_rss_bytes, rx_bytes, tx_bytes; /* node-resources */
	struct flatjson_val source;
};

struct journal_field {
	const char *name;
	size_t len; /* compared first: most keys differ in length */
	size_t off;
	int is_num;
};

/* clang-format off */
#define JF(f) {#f, sizeof(#f) - 1, offsetof(struct journal_line, f), 0}
#define JN(f) {#f, sizeof(#f) - 1, offsetof(struct journal_line, f), 1}
/* clang-format on */
static const struct journal_field journal_fields[] = {
    JF(type),		JF(node),	JF(msg),	 JF(fault),
    JF(result),		JF(engine),	JF(node_msg_id), JF(hash),
    JF(address),	JF(key),	JF(signal),	 JF(code),
    JF(expected),	JF(started_at), JF(run),	 JF(runtime),
    JF(status),		JF(kernel),	JF(netem),	 JF(delay_engine),
    JF(freezer),	JF(docker),	JF(text),	 JN(mono0_ms),
    JF(error),		JN(issued_ms),	JN(done_ms),	 JN(applied_ms),
    JN(reverted_ms),	JN(t_ms),	JN(seed),	 JN(delivery),
    JN(planned_end_ms), JN(real0_ms),	JN(cpu_ms),	 JN(max_rss_bytes),
    JN(rx_bytes),	JN(tx_bytes),	JF(source),	 JF(event),
    JF(kept_running),	JF(of),		JN(duration_ms), JN(frozen),
    JF(traffic),	JF(after),	JN(within_ms),	 JF(query),
    JF(store),		JF(found),	JF(missing),
};

static int journal_parse(const char *p, size_t n, struct journal_line *l)
{
	struct flatjson it;
	struct flatjson_val v;
	const char *k;
	size_t kl;
	int r;

	memset(l, 0, sizeof(*l));
	for (size_t i = 0; i < FL_ARRAY_SIZE(journal_fields); i++) {
		char *f = (char *)l + journal_fields[i].off;

		if (journal_fields[i].is_num)
			*(double *)f = NAN;
		else
			((struct flatjson_val *)f)->type = FLATJSON_NULL;
	}
	if (flatjson_begin(&it, p, n) < 0)
		return -1;
	while ((r = flatjson_next(&it, &k, &kl, &v)) > 0) {
		for (size_t i = 0; i < FL_ARRAY_SIZE(journal_fields); i++) {
			char *f = (char *)l + journal_fields[i].off;

			if (kl != journal_fields[i].len ||
			    memcmp(k, journal_fields[i].name, kl) != 0)
				continue;
			if (journal_fields[i].is_num)
				*(double *)f = v.type == FLATJSON_NUM ? v.num : NAN;
			else
				*(struct flatjson_val *)f = v;
			break;
		}
	}
	return r;
}

static int journal_is(const struct flatjson_val *v, const char *s)
{
	return v->type == FLATJSON_STR && flatjson_key_is(v->p, v->n, s);
}

static uint32_t journal_node(struct analyze_run *run, const struct flatjson_val *v)
{
	char name[256];
	size_t n = flatjson_str(v, name, sizeof(name));

	return n ? runload_node(run, name, n, 1) : ANALYZE_NONE;
}

static void journal_run_start(struct analyze_run *run, const struct journal_line *l)
{
	if (!isnan(l->mono0_ms))
		run->mono0_ms = l->mono0_ms;
	if (!isnan(l->real0_ms))
		run->real0_ms = l->real0_ms;
	run->started_at = runload_str(run, &l->started_at);
	run->run_name = runload_str(run, &l->run);
	/* what ran: `run --runtime` may override the plan's */
	if (l->runtime.type == FLATJSON_STR)
		run->runtime = runload_str(run, &l->runtime);
	if (!run->has_seed && !isnan(l->seed)) {
		run->seed = (uint64_t)l->seed;
		run->has_seed = 1;
	}
}

static void journal_node_up(struct analyze_run *run, const struct journal_line *l)
{
	uint32_t ni = journal_node(run, &l->node);
	struct analyze_node *node;

	if (ni == ANALYZE_NONE)
		return;
	node = &run->nodes[ni];
	node->ups++;
	if (l->address.type == FLATJSON_STR)
		node->address = runload_str(run, &l->address);
	if (l->key.type == FLATJSON_STR) {
		node->key = runload_str(run, &l->key);
		if (node->key)
			amap_put(&run->node_by_key, node->key, strlen(node->key), ni);
	}
}

static void journal_node_exit(struct analyze_run *run, const struct journal_line *l)
{
	uint32_t ni = journal_node(run, &l->node);
	struct analyze_node *node;

	if (ni == ANALYZE_NONE)
		return;
	node = &run->nodes[ni];
	node->exited = 1;
	node->exit_ms = l->t_ms;
	node->exit_code = l->code.type == FLATJSON_NUM ? (int)l->code.num : -1;
	node->exit_signal = runload_str(run, &l->signal);
	node->exit_expected = l->expected.type == FLATJSON_TRUE;
}

/* A node's resource figures at the end of the run (run_resources.c). */
static void journal_node_resources(struct analyze_run *run, const struct journal_line *l)
{
	uint32_t ni = journal_node(run, &l->node);
	struct analyze_node *node;

	if (ni == ANALYZE_NONE)
		return;
	node = &run->nodes[ni];
	node->has_resources = 1;
	node->cpu_ms = l->cpu_ms;
	node->max_rss_bytes = l->max_rss_bytes;
	node->rx_bytes = l->rx_bytes;
	node->tx_bytes = l->tx_bytes;
	node->resources_source = runload_str(run, &l->source);
}

/* A driver's note about what it could not see (e.g. an overflowed receipt cache). */
static void journal_driver_warning(struct analyze_run *run, const struct journal_line *l)
{
	uint32_t ni = journal_node(run, &l->node);

	if (ni == ANALYZE_NONE)
		return;
	run->nodes[ni].warnings++;
	run->nodes[ni].last_warning = runload_str(run, &l->text);
}

static void journal_node_restart(struct analyze_run *run, const struct journal_line *l)
{
	uint32_t ni = journal_node(run, &l->node);

	if (ni != ANALYZE_NONE)
		run->nodes[ni].restarts++;
}

/* Registers a message under its node id and hash (first one wins). */
static void journal_msg_keys(struct analyze_run *run, uint32_t mi, const struct flatjson_val *id,
			     const struct flatjson_val *hash)
{
	struct analyze_message *m = &run->msgs[mi];

	if (!m->node_id && id->type == FLATJSON_STR && id->n) {
		m->node_id = runload_str(run, id);
	}
	if (!m->hash && hash->type == FLATJSON_STR && hash->n) {
		m->hash = runload_str(run, hash);
		if (m->hash)
			amap_put_new(&run->msg_by_hash, m->hash, strlen(m->hash), mi);
	}
}

static void journal_send(struct analyze_run *run, const struct journal_line *l)
{
	uint32_t mi;

	if (l->msg.type != FLATJSON_STR ||
	    (mi = runload_msg_by_id(run, l->msg.p, l->msg.n)) == ANALYZE_NONE)
		return;
	if (journal_is(&l->result, "error")) {
		const char *e = runload_str(run, &l->error);

		run->msgs[mi].failed = 1;
		/* queued when the run stopped (run_sendq_stop): never left faultlab */
		run->msgs[mi].unsent = l->error.type == FLATJSON_STR && l->error.n >= 9 &&
				       memcmp(l->error.p, "not sent:", 9) == 0;
		if (!run->msgs[mi].unsent)
			analyze_send_failed(run, e, e ? strlen(e) : 0);
		return;
	}
	if (isnan(run->msgs[mi].sent_ms))
		run->msgs[mi].sent_ms = !isnan(l->issued_ms) ? l->issued_ms : l->done_ms;
	journal_msg_keys(run, mi, &l->node_msg_id, &l->hash);
}

static struct analyze_fault *journal_fault(struct analyze_run *run, const struct flatjson_val *v)
{
	if (v->type != FLATJSON_STR)
		return NULL;
	for (size_t i = 0; i < run->n_faults; i++)
		if (flatjson_key_is(v->p, v->n, run->faults[i].id))
			return &run->faults[i];
	return NULL;
}

static void journal_fault_error(struct analyze_run *run, struct analyze_fault *f,
				const struct journal_line *l, int phase, double at_ms)
{
	struct analyze_fault_error *e;

	if (f->n_errs % 16 == 0)
		f->errs = fl_xreallocarray(f->errs, f->n_errs + 16, sizeof(*f->errs));
	e = &f->errs[f->n_errs++];
	e->node = journal_node(run, &l->node);
	e->phase = (uint8_t)phase;
	e->at_ms = at_ms;
	e->error = runload_str(run, &l->error);
	f->errors++;
	if (e->node != ANALYZE_NONE)
		run->nodes[e->node].fault_errors++;
}

/* Per node: what it holds (applied, not reverted since). */
static uint8_t *journal_held(struct analyze_run *run, struct analyze_fault *f, uint32_t ni)
{
	if (ni == ANALYZE_NONE)
		return NULL;
	if (!f->held) {
		f->n_held = run->n_nodes;
		f->held = fl_xcalloc(f->n_held + 1, 1);
	}
	return ni < f->n_held ? &f->held[ni] : NULL;
}

/* A fault on several nodes has one line per node: it is applied when the first node has it
 * and reverted when the last one is clean. A line with result error is an error of the fault
 * on that node; so is a fault-lost line (its agent died while it was in force). */
static void journal_fault_line(struct analyze_run *run, const struct journal_line *l, int phase)
{
	struct analyze_fault *f = journal_fault(run, &l->fault);
	uint8_t *held;

	if (!f)
		return;
	held = journal_held(run, f, journal_node(run, &l->node));
	if (phase == ANALYZE_PH_LOST) {
		journal_fault_error(run, f, l, phase, l->t_ms);
		if (held)
			*held = 0;
		return;
	}
	if (journal_is(&l->result, "error")) {
		journal_fault_error(run, f, l, phase, l->issued_ms);
		if (held && phase == ANALYZE_PH_REVERT)
			*held = 0; /* an error already says so; not also "never reverted" */
		return;
	}
	if (phase == ANALYZE_PH_APPLY) {
		/* a process fault (kill, restart) holds nothing to revert */
		if (held && !journal_is(&l->engine, "runtime"))
			*held = 1;
		if (!isnan(l->applied_ms) &&
		    (isnan(f->applied_ms) || l->applied_ms < f->applied_ms))
			f->applied_ms = l->applied_ms;
		if (!f->engine && l->engine.type == FLATJSON_STR && l->engine.n)
			f->engine = runload_str(run, &l->engine);
	} else {
		if (held)
			*held = 0;
		if (!isnan(l->reverted_ms) &&
		    (isnan(f->reverted_ms) || l->reverted_ms > f->reverted_ms))
			f->reverted_ms = l->reverted_ms;
	}
}

/* A node still holding a fault when the journal ends: no revert was ever journalled. */
static void journal_unreverted(struct analyze_run *run)
{
	static const char msg[] = "never reverted (no fault-revert line for this node)";

	for (size_t i = 0; i < run->n_faults; i++) {
		struct analyze_fault *f = &run->faults[i];

		for (uint32_t ni = 0; f->held && ni < f->n_held; ni++) {
			struct analyze_fault_error *e;

			if (!f->held[ni])
				continue;
			if (f->n_errs % 16 == 0)
				f->errs =
				    fl_xreallocarray(f->errs, f->n_errs + 16, sizeof(*f->errs));
			e = &f->errs[f->n_errs++];
			*e = (struct analyze_fault_error){
			    .node = ni, .phase = ANALYZE_PH_REVERT, .at_ms = NAN, .error = msg};
			f->errors++;
			run->nodes[ni].fault_errors++;
		}
	}
}

static void journal_store_query(struct analyze_run *run, const struct journal_line *l)
{
	struct analyze_store_query q = {
	    .query = runload_str(run, &l->query),
	    .traffic = runload_str(run, &l->traffic),
	    .of = runload_str(run, &l->of),
	    .node = runload_str(run, &l->node),
	    .store = runload_str(run, &l->store),
	    .found = runload_str(run, &l->found),
	    .missing = runload_str(run, &l->missing),
	    .error = journal_is(&l->result, "error") ? runload_str(run, &l->error) : NULL,
	    .asked_ms = l->issued_ms,
	    .answered_ms = l->done_ms,
	};

	store_query_line(run, &q);
}

static void journal_environment(struct analyze_run *run, const struct journal_line *l)
{
	run->kernel = runload_str(run, &l->kernel);
	run->delay_engine = runload_str(run, &l->delay_engine);
	run->freezer = runload_str(run, &l->freezer);
	run->docker = runload_str(run, &l->docker);
	if (l->netem.type == FLATJSON_TRUE || l->netem.type == FLATJSON_FALSE)
		run->netem = l->netem.type == FLATJSON_TRUE;
}

static int journal_line_cb(void *ctx, const char *p, size_t n)
{
	struct analyze_run *run = ctx;
	struct journal_line l;

	if (n == 0 || journal_parse(p, n, &l) < 0)
		return 0; /* a torn last line of a crashed run is not fatal */
	if (journal_is(&l.type, "send"))
		journal_send(run, &l);
	else if (journal_is(&l.type, "fault-apply"))
		journal_fault_line(run, &l, ANALYZE_PH_APPLY);
	else if (journal_is(&l.type, "fault-revert"))
		journal_fault_line(run, &l, ANALYZE_PH_REVERT);
	else if (journal_is(&l.type, "fault-lost"))
		journal_fault_line(run, &l, ANALYZE_PH_LOST);
	else if (journal_is(&l.type, "agent-restart")) {
		uint32_t ni = journal_node(run, &l.node);

		if (ni != ANALYZE_NONE)
			run->nodes[ni].agent_restarts++;
	} else if (journal_is(&l.type, "run-start"))
		journal_run_start(run, &l);
	else if (journal_is(&l.type, "node-up"))
		journal_node_up(run, &l);
	else if (journal_is(&l.type, "node-exit"))
		journal_node_exit(run, &l);
	else if (journal_is(&l.type, "node-restart") && !journal_is(&l.result, "error"))
		journal_node_restart(run, &l);
	else if (journal_is(&l.type, "environment"))
		journal_environment(run, &l);
	else if (journal_is(&l.type, "telemetry") && !isnan(l.delivery))
		run->telemetry_delivery = l.delivery;
	else if (journal_is(&l.type, "node-resources"))
		journal_node_resources(run, &l);
	else if (journal_is(&l.type, "driver-warning"))
		journal_driver_warning(run, &l);
	else if (journal_is(&l.type, "pause"))
		pauses_line(run, &l.event, &l.kept_running, l.t_ms, l.duration_ms, l.frozen);
	else if (journal_is(&l.type, "group-create"))
		groups_journal(run, l.msg.type == FLATJSON_STR ? l.msg.p : NULL, l.msg.n,
			       l.issued_ms, l.done_ms,
			       journal_is(&l.result, "error") ? runload_str(run, &l.error) : NULL);
	else if (journal_is(&l.type, "store-query"))
		journal_store_query(run, &l);
	else if (journal_is(&l.type, "traffic-open"))
		opens_line(run, runload_str(run, &l.traffic), runload_str(run, &l.after),
			   l.within_ms, l.t_ms,
			   journal_is(&l.result, "error") ? runload_str(run, &l.error) : NULL);
	else if (journal_is(&l.type, "replay"))
		run->replay_of = runload_str(run, &l.of);
	else if (journal_is(&l.type, "drain-end")) {
		run->ended_early_ms = l.t_ms;
		run->planned_end_ms = l.planned_end_ms;
	} else if (journal_is(&l.type, "run-end")) {
		run->wall_s = l.t_ms / 1000.0;
		run->status = runload_str(run, &l.status);
		run->interrupted = journal_is(&l.status, "interrupted");
		run->interrupted_ms = l.t_ms;
	}
	return 0;
}

int journal_load(struct analyze_run *run, struct fl_error *err)
{
	char path[4096];
	struct fl_error e2 = {0};

	snprintf(path, sizeof(path), "%s/events.jsonl", run->dir);
	if (linescan_file(path, journal_line_cb, run, &e2) < 0) {
		if (e2.code == ENOENT)
			return 0;
		*err = e2;
		return -1;
	}
	journal_unreverted(run);
	if ((run->run_name || run->started_at) && !run->status) {
		/* a run-start and no run-end: faultlab died mid-run */
		run->interrupted = 1;
		run->status = "crashed";
		run->interrupted_ms = NAN;
	}
	for (size_t i = 0; i < run->n_faults; i++)
		run->fault_errors += run->faults[i].n_errs;
	return 0;
}
