/* FAULT-SPEC of `faultlab inject` → the run's control request (see run_ctl.c). */
#include "orchestrator/run/injectspec.h"
#include "orchestrator/plan/planread.h"
#include "orchestrator/scenario/fault_kind.h"

#include "common/cleanup.h"
#include "common/limits_faults.h"
#include "common/units.h"

#include <stdlib.h>
#include <string.h>

/* A FAULT-SPEC value in its field's unit → the request (base units, as plan.json has them). */
static int inject_value(const struct fault_kind *k, const struct fault_field *fd, json_t *v,
			json_t *req, json_t *params, struct fl_error *err)
{
	const char *s = json_string_value(v);
	int64_t ms;
	double frac;
	uint64_t u;

	if (fd->type == FAULT_FIELD_GROUPS) {
		if (!json_is_array(v))
			return fl_err(err, "%s.%s: expected a list of node names", k->name,
				      fd->inject_key);
		return json_object_set(req, "drop_from_nodes", v);
	}
	if (!s)
		return fl_err(err, "%s.%s: expected a scalar", k->name, fd->inject_key);
	if (fd->type == FAULT_FIELD_MS && units_parse_duration_ms(s, &ms, err) == 0)
		return json_object_set_new(params, fd->key, json_integer(ms));
	if (fd->type == FAULT_FIELD_FRAC && units_parse_fraction(s, &frac, err) == 0)
		return json_object_set_new(params, fd->key, json_real(frac));
	if (fd->type == FAULT_FIELD_BPS && units_parse_bandwidth(s, &u, err) == 0)
		return json_object_set_new(params, fd->key, json_integer((json_int_t)u));
	if (fd->type == FAULT_FIELD_BYTES) {
		if (units_parse_size(s, &u, err) == 0)
			return json_object_set_new(params, fd->key, json_integer((json_int_t)u));
		if (units_parse_bandwidth(s, &u, err) == 0)
			return json_object_set_new(params, fd->key,
						   json_integer((json_int_t)(u / 8)));
	}
	if (fd->type == FAULT_FIELD_TEXT)
		return json_object_set_new(params, fd->key, json_string(s));
	if (fd->type == FAULT_FIELD_PORTS) {
		json_t *ports = fault_ports_parse(s);

		if (ports)
			return json_object_set_new(params, fd->key, ports);
		fl_err(err, "expected TCP ports 1..65535, comma-separated, got \"%s\"", s);
	}
	return fl_wrap(err, "%s.%s", k->name, fd->inject_key);
}

/* A value against the shared limits table: refused here (exit 2), never by the agent. */
static int inject_limit(const struct fault_kind *k, const struct fault_field *fd, json_t *params,
			struct fl_error *err)
{
	json_t *v = json_object_get(params, fd->key);

	if (fd->limit < 0 || !json_is_number(v))
		return 0;
	if (fl_limit_check((enum fl_limit_kind)fd->limit, json_number_value(v), err) < 0)
		return fl_wrap(err, "%s", k->name);
	return 0;
}

static const struct fault_field *inject_field(const struct fault_kind *k, const char *key)
{
	for (size_t i = 0; i < k->n_fields; i++)
		if (k->fields[i].inject_key && strcmp(k->fields[i].inject_key, key) == 0)
			return &k->fields[i];
	return NULL;
}

static int inject_params(const struct fault_kind *k, json_t *spec, json_t *req,
			 struct fl_error *err)
{
	json_t *params = json_object(), *v;
	const char *key;

	json_object_set_new(req, "params", params);
	if (!json_is_object(spec))
		return fl_err(err, "%s: expected a mapping of parameters", k->name);
	json_object_foreach(spec, key, v) {
		const struct fault_field *fd = inject_field(k, key);

		if (!fd)
			return fl_err(err, "%s: unknown key \"%s\"", k->name, key);
		if (inject_value(k, fd, v, req, params, err) < 0 ||
		    inject_limit(k, fd, params, err) < 0)
			return -1;
	}
	return 0;
}

/* A text value among the names the agent reads (netem_params.c), or -1 + err. */
static int inject_enum(json_t *params, const char *kind, const char *key, const char *const *names,
		       struct fl_error *err)
{
	const char *v = json_string_value(json_object_get(params, key));

	if (!v)
		return 0;
	for (const char *const *n = names; *n; n++)
		if (!strcmp(v, *n))
			return 0;
	return fl_err(err, "%s.%s: expected %s, got \"%s\"", kind, key,
		      !strcmp(key, "direction") ? "egress, ingress or both"
						: "uniform, normal, pareto or paretonormal",
		      v);
}

/* What the agent would refuse or what would change nothing, refused before the run sees it:
 * a netem without any effect, jitter or reorder without a delay, a bandwidth without a rate,
 * a partition without sources or from the node itself. */
static int inject_sense(const struct fault_kind *k, const char *node, json_t *req,
			struct fl_error *err)
{
	static const char *const dirs[] = {"egress", "ingress", "both", NULL};
	static const char *const dists[] = {"uniform", "normal", "pareto", "paretonormal", NULL};
	json_t *params = json_object_get(req, "params"), *from, *v;
	size_t i;

	if (inject_enum(params, k->name, "direction", dirs, err) < 0 ||
	    inject_enum(params, k->name, "distribution", dists, err) < 0)
		return -1;
	if (k->sense) {
		struct fault_params fp;
		const char *why;
		int rc = planread_fault_params(NULL, k, params, &fp);

		why = rc < 0 ? "malformed params" : k->sense(&fp);
		fault_params_free(&fp);
		if (why)
			return fl_err(err, "%s", why);
	}
	if (!k->groups)
		return 0;
	from = json_object_get(req, "drop_from_nodes");
	if (json_array_size(from) == 0)
		return fl_err(err, "partition needs from: [NODE, ...] (the nodes cut off)");
	json_array_foreach(from, i, v) {
		if (!json_is_string(v))
			return fl_err(err, "partition.from: expected node names");
		if (!strcmp(json_string_value(v), node))
			return fl_err(err, "partition.from: %s cannot be cut off from itself",
				      node);
	}
	return 0;
}

/* FAULT-SPEC → the control request. */
int injectspec_request(const char *node, const char *spec_text, json_t **out, struct fl_error *err)
{
	json_auto_t *spec = injectspec_flowmap(spec_text, err);
	json_auto_t *req = NULL;
	const struct fault_kind *kind = NULL;
	const char *key;
	int64_t lease = 30000;
	char kinds[160];
	json_t *v;

	if (!spec)
		return fl_wrap(err, "FAULT-SPEC");
	if (!json_is_object(spec))
		return fl_err(err,
			      "FAULT-SPEC: expected a mapping such as '{netem: {delay: 200ms}}'");
	req = json_pack("{s:s,s:s}", "op", "apply", "node", node);
	json_object_foreach(spec, key, v) {
		const struct fault_kind *k = fault_kind_find(key);
		int known = k && k->via == FAULT_VIA_AGENT;

		if (strcmp(key, "for") == 0) {
			if (!json_is_string(v) ||
			    units_parse_duration_ms(json_string_value(v), &lease, err) < 0)
				return fl_wrap(err, "for");
			continue;
		}
		fault_kind_names(1, kinds, sizeof(kinds));
		if (!known || kind)
			return fl_err(err,
				      "FAULT-SPEC: %s key \"%s\" (expected one of %s, and for)",
				      known ? "a second fault" : "unknown", key, kinds);
		kind = k;
		if (inject_params(kind, v, req, err) < 0)
			return -1;
	}
	if (!kind)
		return fl_err(err, "FAULT-SPEC names no fault kind");
	if (lease <= 0)
		return fl_err(err, "for: must be more than 0s");
	if (fl_limit_check(FL_LIMIT_LEASE, (double)lease, err) < 0 ||
	    inject_sense(kind, node, req, err) < 0)
		return -1;
	json_object_set_new(req, "kind", json_string(kind->name));
	json_object_set_new(req, "lease_ms", json_integer(lease));
	*out = json_incref(req);
	return 0;
}

/* --- a flow-collection parser: enough YAML for one command-line argument ------------------ */

struct injectspec_p {
	const char *s, *start;
	struct fl_error *err;
};

static json_t *injectspec_value(struct injectspec_p *p);

static void injectspec_ws(struct injectspec_p *p)
{
	while (*p->s == ' ' || *p->s == '\t' || *p->s == '\n')
		p->s++;
}

static json_t *injectspec_fail(struct injectspec_p *p, const char *what)
{
	fl_err(p->err, "column %d: %s", (int)(p->s - p->start) + 1, what);
	return NULL;
}

static json_t *injectspec_scalar(struct injectspec_p *p)
{
	char buf[512];
	size_t n = 0;

	if (*p->s == '"' || *p->s == '\'') {
		char q = *p->s++;

		while (*p->s && *p->s != q && n < sizeof(buf) - 1) {
			if (*p->s == '\\' && q == '"' && p->s[1])
				p->s++;
			buf[n++] = *p->s++;
		}
		if (*p->s != q)
			return injectspec_fail(p, "unterminated quoted string");
		p->s++;
	} else {
		while (*p->s && !strchr(",:{}[]", *p->s) && n < sizeof(buf) - 1)
			buf[n++] = *p->s++;
		while (n > 0 && (buf[n - 1] == ' ' || buf[n - 1] == '\t'))
			n--;
		if (n == 0)
			return injectspec_fail(p, "expected a value");
	}
	buf[n] = '\0';
	return json_string(buf);
}

static json_t *injectspec_seq(struct injectspec_p *p, char close)
{
	json_auto_t *c = close == '}' ? json_object() : json_array();

	p->s++;
	for (;;) {
		json_t *k = NULL, *v;

		injectspec_ws(p);
		if (*p->s == close) {
			p->s++;
			return json_incref(c);
		}
		if (close == '}') {
			k = injectspec_scalar(p);
			injectspec_ws(p);
			if (!k || *p->s != ':')
				return json_decref(k),
				       injectspec_fail(p, "expected \"key: value\"");
			p->s++;
		}
		v = injectspec_value(p);
		if (!v)
			return json_decref(k), NULL;
		if (k)
			json_object_set_new(c, json_string_value(k), v), json_decref(k);
		else
			json_array_append_new(c, v);
		injectspec_ws(p);
		if (*p->s == ',')
			p->s++;
		else if (*p->s != close)
			return injectspec_fail(p, close == '}' ? "expected , or }"
							       : "expected , or ]");
	}
}

static json_t *injectspec_value(struct injectspec_p *p)
{
	injectspec_ws(p);
	if (*p->s == '{')
		return injectspec_seq(p, '}');
	if (*p->s == '[')
		return injectspec_seq(p, ']');
	return injectspec_scalar(p);
}

json_t *injectspec_flowmap(const char *text, struct fl_error *err)
{
	struct injectspec_p p = {.s = text, .start = text, .err = err};
	json_t *v = injectspec_value(&p);

	if (!v)
		return NULL;
	injectspec_ws(&p);
	if (*p.s) {
		json_decref(v);
		return injectspec_fail(&p, "unexpected text after the value");
	}
	return v;
}
