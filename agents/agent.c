#include "agents/agent.h"

#include "agents/agent_request.h"
#include "common/fltime.h"
#include "common/log.h"
#include "common/xalloc.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

void agent_init(struct agent *a, const struct agent_node *node,
		const struct fault_kind *const *kinds, FILE *out)
{
	memset(a, 0, sizeof(*a));
	a->node = *node;
	a->kinds = kinds;
	a->out = out;
}

/* Writes obj as one line and flushes (the orchestrator waits on it); takes obj. */
static void agent_emit(struct agent *a, json_t *obj)
{
	char *s = json_dumps(obj, JSON_COMPACT);

	if (s) {
		fprintf(a->out, "%s\n", s);
		fflush(a->out);
		free(s);
	}
	json_decref(obj);
}

static json_t *agent_ok(enum agent_op op, const char *id)
{
	json_t *o = json_pack("{s:b,s:s}", "ok", 1, "op", agent_request_op_name(op));

	if (id)
		json_object_set_new(o, "id", json_string(id));
	return o;
}

static void agent_emit_error(struct agent *a, const struct agent_request_error *e)
{
	json_t *o = json_pack("{s:b}", "ok", 0);

	if (e->op[0])
		json_object_set_new(o, "op", json_string(e->op));
	if (e->id[0])
		json_object_set_new(o, "id", json_string(e->id));
	json_object_set_new(o, "error", json_string(e->err.msg));
	if (e->field[0])
		json_object_set_new(o, "field", json_string(e->field));
	agent_emit(a, o);
}

static void agent_emit_event(struct agent *a, const char *event, const char *id, const char *reason,
			     int r, const struct fl_error *err)
{
	json_t *o =
	    json_pack("{s:s,s:s,s:s}", "event", event, "id", id, "result", r < 0 ? "error" : "ok");

	if (reason)
		json_object_set_new(o, "reason", json_string(reason));
	if (r < 0)
		json_object_set_new(o, "error", json_string(err->msg));
	agent_emit(a, o);
}

static long agent_find(const struct agent *a, const char *id)
{
	for (size_t i = 0; i < a->nfaults; i++)
		if (strcmp(a->faults[i]->f.id, id) == 0)
			return (long)i;
	return -1;
}

/* Forgets fault i (its kind already freed its state). */
static void agent_drop(struct agent *a, long i)
{
	lease_set_remove(&a->leases, a->faults[i]->f.id);
	free(a->faults[i]);
	memmove(&a->faults[i], &a->faults[i + 1],
		(a->nfaults - (size_t)i - 1) * sizeof(a->faults[0]));
	a->nfaults--;
}

/* Reverts fault i. A kind with finish stays, restoring, until its finish time. */
static int agent_undo(struct agent *a, long i, uint64_t now_ns, struct fl_error *err)
{
	struct agent_fault *af = a->faults[i];
	int r = af->f.kind->revert(&a->node, &af->f, err);

	if (!af->f.kind->finish) {
		agent_drop(a, i);
		return r;
	}
	af->restoring = 1;
	lease_set_put(&a->leases, af->f.id, now_ns + (uint64_t)af->f.finish_after_ms * 1000000u);
	return r;
}

static uint32_t agent_since_us(uint64_t t0_ns)
{
	return (uint32_t)((fltime_mono_ns() - t0_ns) / 1000u);
}

/* Errors about one fault id: reply naming the id field. */
static void agent_emit_id_error(struct agent *a, enum agent_op op, const char *id, const char *why)
{
	struct agent_request_error e = {0};

	snprintf(e.op, sizeof(e.op), "%s", agent_request_op_name(op));
	snprintf(e.id, sizeof(e.id), "%s", id);
	snprintf(e.field, sizeof(e.field), "id");
	fl_err(&e.err, "id: fault \"%s\" %s", id, why);
	agent_emit_error(a, &e);
}

static void agent_apply(struct agent *a, const struct agent_request *req, uint64_t t_read_ns)
{
	struct agent_request_error e = {0};
	struct agent_fault *af;
	json_t *o;

	if (agent_find(a, req->id) >= 0)
		return agent_emit_id_error(a, req->op, req->id, "is already in force");
	if (a->nfaults == AGENT_FAULTS_MAX)
		return agent_emit_id_error(a, req->op, req->id, "is one fault too many");
	af = fl_xcalloc(1, sizeof(*af));
	snprintf(af->f.id, sizeof(af->f.id), "%s", req->id);
	af->f.kind = req->kind;
	af->f.seed = req->seed;
	if (req->kind->apply(&a->node, &af->f, req->params, &e.err) < 0) {
		free(af);
		snprintf(e.op, sizeof(e.op), "apply");
		snprintf(e.id, sizeof(e.id), "%s", req->id);
		agent_request_field_from(&e, e.err.msg);
		log_warn("apply %s (%s): %s", req->id, req->kind->name, e.err.msg);
		return agent_emit_error(a, &e);
	}
	o = agent_ok(req->op, req->id);
	json_object_set_new(o, "engine", json_string(af->f.engine));
	json_object_set_new(o, "ack_us", json_integer(agent_since_us(t_read_ns)));
	a->faults[a->nfaults++] = af;
	lease_set_put(&a->leases, af->f.id, fltime_mono_ns() + (uint64_t)req->lease_ms * 1000000u);
	agent_emit(a, o);
}

static void agent_revert(struct agent *a, const struct agent_request *req, uint64_t t_read_ns)
{
	struct agent_request_error e = {0};
	long i = agent_find(a, req->id);
	json_t *o;

	if (i < 0)
		return agent_emit_id_error(a, req->op, req->id, "is not in force");
	if (a->faults[i]->restoring)
		return agent_emit_id_error(a, req->op, req->id,
					   "is already reverted (its network is returning)");
	if (agent_undo(a, i, fltime_mono_ns(), &e.err) < 0) {
		snprintf(e.op, sizeof(e.op), "revert");
		snprintf(e.id, sizeof(e.id), "%s", req->id);
		return agent_emit_error(a, &e);
	}
	o = agent_ok(req->op, req->id);
	json_object_set_new(o, "ack_us", json_integer(agent_since_us(t_read_ns)));
	agent_emit(a, o);
}

static void agent_renew(struct agent *a, const struct agent_request *req)
{
	long i = agent_find(a, req->id);
	json_t *o;

	if (i < 0)
		return agent_emit_id_error(a, req->op, req->id, "is not in force");
	if (a->faults[i]->restoring)
		return agent_emit_id_error(a, req->op, req->id, "is already reverted");
	lease_set_put(&a->leases, req->id, fltime_mono_ns() + (uint64_t)req->lease_ms * 1000000u);
	o = agent_ok(req->op, req->id);
	json_object_set_new(o, "expires_in_ms", json_integer(req->lease_ms));
	agent_emit(a, o);
}

static void agent_list(struct agent *a)
{
	json_t *o = agent_ok(AGENT_OP_LIST, NULL), *list = json_array();
	uint64_t now = fltime_mono_ns();

	for (size_t i = 0; i < a->nfaults; i++) {
		const struct fault *f = &a->faults[i]->f;
		const struct lease *l = lease_set_find(&a->leases, f->id);
		int64_t left = l && l->due_ns > now ? (int64_t)((l->due_ns - now) / 1000000u) : 0;

		json_array_append_new(
		    list, json_pack("{s:s,s:s,s:s,s:I,s:s}", "id", f->id, "kind", f->kind->name,
				    "engine", f->engine, "expires_in_ms", (json_int_t)left, "state",
				    a->faults[i]->restoring ? "restoring" : "active"));
	}
	json_object_set_new(o, "faults", list);
	agent_emit(a, o);
}

void agent_handle_line(struct agent *a, const char *line, size_t len, uint64_t t_read_ns)
{
	struct agent_request req;
	struct agent_request_error e;

	if (agent_request_parse(line, len, a->kinds, &req, &e) < 0)
		return agent_emit_error(a, &e);
	switch (req.op) {
	case AGENT_OP_APPLY:
		agent_apply(a, &req, t_read_ns);
		break;
	case AGENT_OP_REVERT:
		agent_revert(a, &req, t_read_ns);
		break;
	case AGENT_OP_RENEW:
		agent_renew(a, &req);
		break;
	case AGENT_OP_LIST:
		agent_list(a);
		break;
	case AGENT_OP_PING:
		agent_emit(a, agent_ok(req.op, NULL));
		break;
	}
	agent_request_free(&req);
}

/* The late half of a revert: fault i's kind finishes and the fault goes. */
static int agent_finish(struct agent *a, long i, struct fl_error *err)
{
	struct agent_fault *af = a->faults[i];
	int r = af->f.kind->finish(&a->node, &af->f, err);

	agent_drop(a, i);
	return r;
}

void agent_run_due(struct agent *a, uint64_t now_ns)
{
	char id[LEASE_ID_MAX];

	while (lease_set_pop_due(&a->leases, now_ns, id, sizeof(id))) {
		struct fl_error err = {0};
		long i = agent_find(a, id);
		int r;

		if (i < 0)
			continue;
		if (a->faults[i]->restoring) {
			r = agent_finish(a, i, &err);
			agent_emit_event(a, "restored", id, NULL, r, &err);
		} else {
			r = agent_undo(a, i, now_ns, &err);
			agent_emit_event(a, "expired", id, NULL, r, &err);
		}
		if (r < 0)
			log_error("fault %s: %s", id, err.msg);
	}
}

int agent_next_due(const struct agent *a, uint64_t *due_ns)
{
	const struct lease *l = lease_set_first(&a->leases);

	if (!l)
		return 0;
	*due_ns = l->due_ns;
	return 1;
}

int agent_revert_all(struct agent *a, const char *reason)
{
	int failed = 0;

	while (a->nfaults > 0) {
		long i = (long)a->nfaults - 1;
		struct agent_fault *af = a->faults[i];
		char id[sizeof(af->f.id)];
		struct fl_error err = {0};
		int r = 0;

		snprintf(id, sizeof(id), "%s", af->f.id);
		if (!af->restoring) {
			r = af->f.kind->revert(&a->node, &af->f, &err);
			agent_emit_event(a, "reverted", id, reason, r, &err);
			failed += r < 0;
		}
		if (!af->f.kind->finish) {
			agent_drop(a, i);
			continue;
		}
		r = agent_finish(a, i, &err);
		agent_emit_event(a, "restored", id, NULL, r, &err);
		failed += r < 0;
	}
	return failed;
}
