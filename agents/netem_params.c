#include "agents/netem_params.h"

#include "agents/fault.h"

#include "common/units.h"

#include <string.h>

int netem_params_frac(json_t *params, const char *key, double *out, struct fl_error *err)
{
	json_t *v = json_object_get(params, key);

	if (!v)
		return 0;
	if (json_is_number(v)) {
		double f = json_number_value(v);

		if (!(f >= 0 && f <= 1))
			return fl_err(err, "params.%s: fraction %g must lie between 0 and 1", key,
				      f);
		*out = f;
		return 0;
	}
	if (!json_is_string(v) || units_parse_fraction(json_string_value(v), out, err) < 0)
		return json_is_string(v) ? fl_wrap(err, "params.%s", key)
					 : fl_err(err, "params.%s: expected a fraction", key);
	return 0;
}

int netem_params_ms(json_t *params, const char *key, double *out, struct fl_error *err)
{
	json_t *v = json_object_get(params, key);
	int64_t ms;

	if (!v)
		return 0;
	if (json_is_number(v) && json_number_value(v) >= 0) {
		*out = json_number_value(v);
		return 0;
	}
	if (!json_is_string(v))
		return fl_err(err, "params.%s: expected milliseconds (a number >= 0)", key);
	if (units_parse_duration_ms(json_string_value(v), &ms, err) < 0)
		return fl_wrap(err, "params.%s", key);
	*out = (double)ms;
	return 0;
}

int netem_params_bps(json_t *params, const char *key, uint64_t *out, struct fl_error *err)
{
	json_t *v = json_object_get(params, key);

	if (!v)
		return 0;
	if (json_is_integer(v) && json_integer_value(v) > 0) {
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	if (!json_is_string(v))
		return fl_err(err, "params.%s: expected bits per second (an integer > 0)", key);
	if (units_parse_bandwidth(json_string_value(v), out, err) < 0)
		return fl_wrap(err, "params.%s", key);
	return 0;
}

int netem_params_bytes(json_t *params, const char *key, uint64_t *out, struct fl_error *err)
{
	json_t *v = json_object_get(params, key);

	if (!v)
		return 0;
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	if (!json_is_string(v))
		return fl_err(err, "params.%s: expected bytes (an integer >= 0)", key);
	if (units_parse_size(json_string_value(v), out, err) < 0)
		return fl_wrap(err, "params.%s", key);
	return 0;
}

int netem_params_dir(json_t *params, enum netem_dir *out, struct fl_error *err)
{
	static const char *const names[] = {"egress", "ingress", "both"};
	json_t *v = json_object_get(params, "direction");

	if (!v)
		return 0;
	for (int i = 0; i < 3; i++)
		if (json_is_string(v) && strcmp(json_string_value(v), names[i]) == 0) {
			*out = (enum netem_dir)(i + 1);
			return 0;
		}
	return fl_err(err, "params.direction: expected egress, ingress or both");
}

static int netem_params_model(json_t *params, struct netem_params *p, struct fl_error *err)
{
	json_t *v = json_object_get(params, "distribution");
	int d;

	if (v) {
		d = json_is_string(v) ? netem_plan_dist_parse(json_string_value(v)) : -1;
		if (d < 0)
			return fl_err(err, "params.distribution: expected uniform, normal, pareto "
					   "or paretonormal");
		p->distribution = (enum netem_dist)d;
	}
	v = json_object_get(params, "loss_model");
	if (v && json_is_string(v) && strcmp(json_string_value(v), "gemodel") == 0)
		p->loss_model = NETEM_LOSS_GEMODEL;
	else if (v && !(json_is_string(v) && strcmp(json_string_value(v), "random") == 0))
		return fl_err(err, "params.loss_model: expected random or gemodel");
	return 0;
}

int netem_params_parse(json_t *params, uint64_t seed, struct netem_params *p, struct fl_error *err)
{
	static const char *const known[] = {"delay_ms", "jitter_ms",  "distribution", "correlation",
					    "loss",	"loss_model", "ge_p",	      "ge_r",
					    "ge_h",	"ge_k",	      "duplicate",    "reorder",
					    "corrupt",	"rate_bps",   "direction",    NULL};
	double *fracs[] = {&p->correlation, &p->loss,	   &p->ge_p,	&p->ge_r,   &p->ge_h,
			   &p->ge_k,	    &p->duplicate, &p->reorder, &p->corrupt};
	const char *frac_keys[] = {"correlation", "loss",      "ge_p",	  "ge_r",   "ge_h",
				   "ge_k",	  "duplicate", "reorder", "corrupt"};

	netem_plan_params_init(p);
	p->seed = seed;
	if (params && !json_is_object(params))
		return fl_err(err, "params: expected an object");
	if (fault_params_only(params, known, err) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(fracs) / sizeof(fracs[0]); i++)
		if (netem_params_frac(params, frac_keys[i], fracs[i], err) < 0)
			return -1;
	if (netem_params_ms(params, "delay_ms", &p->delay_ms, err) < 0 ||
	    netem_params_ms(params, "jitter_ms", &p->jitter_ms, err) < 0 ||
	    netem_params_bps(params, "rate_bps", &p->rate_bps, err) < 0 ||
	    netem_params_dir(params, &p->direction, err) < 0 ||
	    netem_params_model(params, p, err) < 0)
		return -1;
	return 0;
}
