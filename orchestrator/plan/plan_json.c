/* plan.json with a tiny printer: keys in the order of docs/FORMATS.md, integers for every ms, the
 * shortest exact form for fractions, so the bytes depend on nothing but the plan. */
#include "orchestrator/plan/plan.h"
#include "orchestrator/scenario/fault_kind.h"
#include "orchestrator/drivers/driver.h"

#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p == '\t')
			fputs("\\t", f);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* The shortest %g form that reads back as the same double. */
static void json_fraction(FILE *f, double v)
{
	char buf[40];

	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	fputs(buf, f);
}

static void json_strv(FILE *f, const struct scenario_strv *v)
{
	fputc('[', f);
	for (size_t i = 0; i < v->n; i++) {
		fputs(i ? ", " : "", f);
		json_str(f, v->v[i]);
	}
	fputc(']', f);
}

static void json_nodes(FILE *f, const struct plan *plan, const uint32_t *idx, size_t n)
{
	fputc('[', f);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? ", " : "", f);
		json_str(f, plan->nodes[idx[i]].src->name);
	}
	fputc(']', f);
}

static void json_plan_node(FILE *f, const struct plan *plan, const struct plan_node *n)
{
	static const struct scenario_strv none = {0};
	const struct driver_ops *drv = driver_find(n->driver);
	int reliability = drv && drv->reliability;

	fputs("{\"name\": ", f);
	json_str(f, n->src->name);
	fprintf(f, ", \"role\": \"%s\", \"image\": ", scenario_role_name(n->src->role));
	json_str(f, n->image);
	fprintf(f, ", \"driver\": \"%s\", \"reliability\": ", n->driver);
	json_strv(f, reliability ? &n->src->reliability : &none);
	fputs(", \"args\": ", f);
	json_strv(f, &n->src->args);
	fprintf(f, ", \"address\": \"%s\"", n->address);
	if (n->src->site) /* only then: plans without sites stay as they were */
		fprintf(f, ", \"site\": \"%s\"", plan->sc->sites[n->src->site - 1].name);
	fputc('}', f);
}

static void json_traffic(FILE *f, const struct plan *plan, const struct plan_traffic *t)
{
	fputs("{\"name\": ", f);
	json_str(f, t->src->name);
	fprintf(f, ", \"kind\": \"%s\", \"from\": ", scenario_traffic_kind_name(t->src->kind));
	json_nodes(f, plan, t->from, t->n_from);
	fputs(", \"to\": ", f);
	json_nodes(f, plan, t->to, t->n_to);
	fprintf(f, ", \"count\": %" PRIu64, t->src->count);
	if (t->src->of) {
		fputs(", \"of\": ", f);
		json_str(f, t->src->of);
	}
	if (t->src->after) { /* only then: plans without it stay as they were */
		fputs(", \"after\": ", f);
		json_str(f, t->src->after);
		fprintf(f, ", \"within_ms\": %" PRId64, t->src->within_ms);
	}
	fputc('}', f);
}

static void json_fault_groups(FILE *f, const struct plan *plan, const struct plan_fault *pf)
{
	size_t off = 0;

	fputc('[', f);
	for (size_t g = 0; g < pf->n_groups; g++) {
		fputs(g ? ", " : "", f);
		json_nodes(f, plan, pf->targets + off, pf->group_len[g]);
		off += pf->group_len[g];
	}
	fputc(']', f);
}

/* The kind's plan fields, in the order of its entry of the fault-kind table. */
static void json_fault_params(FILE *f, const struct plan *plan, const struct plan_fault *pf)
{
	const struct fault_kind *k = fault_kind_of(pf->src->kind);
	struct fault_params fp;
	int first = 1;

	fault_params_from_scenario(pf->src, &fp);
	fputc('{', f);
	for (size_t i = 0; i < k->n_fields; i++) {
		const struct fault_field *fd = &k->fields[i];
		const char *at = (const char *)&fp + fd->off;

		if (!fd->in_plan || (fd->type == FAULT_FIELD_PORTS && fp.n_ports == 0))
			continue; /* no ports: every port (the agent takes no empty list) */
		fprintf(f, "%s\"%s\": ", first ? "" : ", ", fd->key);
		first = 0;
		switch (fd->type) {
		case FAULT_FIELD_MS:
			fprintf(f, "%" PRId64, *(const int64_t *)at);
			break;
		case FAULT_FIELD_FRAC:
			json_fraction(f, *(const double *)at);
			break;
		case FAULT_FIELD_BPS:
		case FAULT_FIELD_BYTES:
			fprintf(f, "%" PRIu64, *(const uint64_t *)at);
			break;
		case FAULT_FIELD_TEXT:
			fprintf(f, "\"%s\"", at);
			break;
		case FAULT_FIELD_SIGNAL:
			fprintf(f, "\"%s\"", sigabbrev_np(*(const int *)at) ?: "KILL");
			break;
		case FAULT_FIELD_GROUPS:
			json_fault_groups(f, plan, pf);
			break;
		case FAULT_FIELD_PORTS:
			fputc('[', f);
			for (size_t j = 0; j < fp.n_ports; j++)
				fprintf(f, "%s%u", j ? ", " : "", (unsigned)fp.ports[j]);
			fputc(']', f);
			break;
		}
	}
	fputc('}', f);
}

static void json_fault(FILE *f, const struct plan *plan, const struct plan_fault *pf)
{
	fprintf(f, "{\"id\": \"%s\", \"name\": ", pf->id);
	json_str(f, pf->src->name);
	fprintf(f, ", \"kind\": \"%s\", \"targets\": ", scenario_fault_kind_name(pf->src->kind));
	json_nodes(f, plan, pf->targets, pf->n_targets);
	fprintf(f, ", \"start_ms\": %" PRId64 ", \"end_ms\": %" PRId64, pf->start_ms, pf->end_ms);
	if (pf->src->until) /* only then: plans without it stay as they were */
		fprintf(f, ", \"until\": \"%s\"", pf->src->until);
	if (pf->src->at_boot)
		fputs(", \"at\": \"boot\"", f);
	if (pf->src->site) /* the site's shared uplink, not each target's interface */
		fprintf(f, ", \"site\": \"%s\"", plan->sc->sites[pf->src->site - 1].name);
	fprintf(f, ", \"engine_seed\": %" PRIu64 ", \"params\": ", pf->engine_seed);
	json_fault_params(f, plan, pf);
	fputc('}', f);
}

static void json_threshold(FILE *f, const char *key, const struct scenario_expect *e, double v)
{
	fprintf(f, ", \"%s\": ", key);
	if (e->desc->unit == METRIC_FRACTION)
		json_fraction(f, v);
	else
		fprintf(f, "%lld", (long long)v);
}

static void json_expect(FILE *f, const struct scenario_expect *e)
{
	const char *keys[] = {"traffic", "from", "to", "fault", "node"};
	const char *vals[] = {e->where_traffic, e->where_from, e->where_to, e->where_fault,
			      e->where_node};
	int first = 1;

	fprintf(f, "{\"metric\": \"%s\", \"where\": {", e->metric);
	if (e->where_kind >= 0) {
		fprintf(f, "\"kind\": \"%s\"", scenario_traffic_kind_name(e->where_kind));
		first = 0;
	}
	for (size_t i = 0; i < 5; i++) {
		if (!vals[i])
			continue;
		fprintf(f, "%s\"%s\": ", first ? "" : ", ", keys[i]);
		json_str(f, vals[i]);
		first = 0;
	}
	fputc('}', f);
	if (e->has_min)
		json_threshold(f, "min", e, e->min);
	if (e->has_max)
		json_threshold(f, "max", e, e->max);
	fputc('}', f);
}

static void json_event(FILE *f, const struct plan *plan, size_t i)
{
	const struct plan_event *ev = &plan->events[i];
	const struct plan_traffic *t;

	fprintf(f, "{\"id\": \"e%zu\", \"t_ms\": %" PRId64 ", ", i + 1, ev->t_ms);
	if (ev->type == PLAN_EVENT_STORE_QUERY) {
		t = &plan->traffic[ev->traffic];
		fprintf(f, "\"type\": \"store-query\", \"query\": \"q%u\", \"traffic\": ", ev->msg);
		json_str(f, t->src->name);
		fputs(", \"of\": ", f);
		json_str(f, t->src->of);
		fputs(", \"from\": ", f);
		json_str(f, plan->nodes[ev->from].src->name);
		fputs(", \"to\": ", f);
		json_nodes(f, plan, ev->to, ev->n_to);
		fputc('}', f);
		return;
	}
	if (ev->type != PLAN_EVENT_SEND) {
		fprintf(f, "\"type\": \"%s\", \"fault\": \"%s\"}",
			ev->type == PLAN_EVENT_FAULT_APPLY ? "fault-apply" : "fault-revert",
			plan->faults[ev->fault].id);
		return;
	}
	t = &plan->traffic[ev->traffic];
	fprintf(f, "\"type\": \"send\", \"msg\": \"m%u\", \"traffic\": ", ev->msg);
	json_str(f, t->src->name);
	fprintf(f, ", \"kind\": \"%s\", \"from\": ", scenario_traffic_kind_name(t->src->kind));
	json_str(f, plan->nodes[ev->from].src->name);
	fputs(", \"to\": ", f);
	json_nodes(f, plan, ev->to, ev->n_to);
	fprintf(f, ", \"size\": %u%s%s", ev->size, t->src->accept ? ", \"accept\": true" : "",
		ev->create ? ", \"create\": true" : "");
	if (t->src->after) { /* t_ms counts from the moment the named traffic is delivered */
		fputs(", \"after\": ", f);
		json_str(f, t->src->after);
		fprintf(f, ", \"within_ms\": %" PRId64, t->src->within_ms);
	}
	fputc('}', f);
}

/* Writes "  "key": [" then each item on its own line, then "  ]". */
#define JSON_LIST(f, key, n, last, print_item)                                                     \
	do {                                                                                       \
		fprintf(f, "  \"%s\": [", key);                                                    \
		for (size_t i_ = 0; i_ < (n); i_++) {                                              \
			fputs(i_ ? ",\n    " : "\n    ", f);                                       \
			print_item(i_);                                                            \
		}                                                                                  \
		fputs((n) ? "\n  ]" : "]", f);                                                     \
		fputs((last) ? "\n" : ",\n", f);                                                   \
	} while (0)

int plan_write_json(const struct plan *plan, FILE *f)
{
	const struct scenario *sc = plan->sc;

	fputs("{\n  \"faultlab_plan\": 1,\n  \"scenario\": ", f);
	json_str(f, sc->name);
	fprintf(f, ", \"seed\": %" PRIu64 ", \"runtime\": \"%s\",\n", plan->seed, sc->runtime);
	fprintf(f, "  \"duration_ms\": %" PRId64 ", \"drain_ms\": %" PRId64, sc->duration_ms,
		sc->drain_ms);
	/* written only when set, so plans of scenarios without them keep their bytes */
	if (sc->drain_exact)
		fputs(", \"drain_exact\": true", f);
	if (sc->drain_quiet_ms >= 0)
		fprintf(f, ", \"drain_quiet_ms\": %" PRId64, sc->drain_quiet_ms);
	if (sc->telemetry)
		fputs(", \"telemetry\": true", f);
	fputs(",\n", f);
	fprintf(f, "  \"subnet\": \"%s\",\n", plan->subnet);
#define NODE(i) json_plan_node(f, plan, &plan->nodes[i])
	JSON_LIST(f, "nodes", plan->n_nodes, 0, NODE);
#define LINK(i)                                                                                    \
	fprintf(f, "[\"%s\", \"%s\"]", plan->nodes[plan->links[i].a].src->name,                    \
		plan->nodes[plan->links[i].b].src->name)
	JSON_LIST(f, "links", plan->n_links, 0, LINK);
#define TRAFFIC(i) json_traffic(f, plan, &plan->traffic[i])
	JSON_LIST(f, "traffic", plan->n_traffic, 0, TRAFFIC);
#define FAULT(i) json_fault(f, plan, &plan->faults[i])
	JSON_LIST(f, "faults", plan->n_faults, 0, FAULT);
#define EXPECT(i) json_expect(f, &sc->expect[i])
	JSON_LIST(f, "expect", sc->n_expect, 0, EXPECT);
#define EVENT(i) json_event(f, plan, i)
	JSON_LIST(f, "events", plan->n_events, 1, EVENT);
	fputs("}\n", f);
	return ferror(f) ? -1 : 0;
}
