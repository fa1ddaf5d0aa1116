/* Typed readers of scalar and list values, with the unit parsers of common/units.h. */
#include "orchestrator/scenario/parse.h"

#include "common/units.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *scenario_strdup(const char *s)
{
	return fl_xstrdup(s ? s : "");
}

void *scenario_array_push(void *arrp, size_t *n, size_t elem)
{
	void **arr = arrp;
	char *item;

	if (*n == 0 || (*n >= 4 && (*n & (*n - 1)) == 0)) { /* capacities 4, 8, 16, ... */
		size_t cap = *n ? *n * 2 : 4;
		*arr = fl_xreallocarray(*arr, cap, elem);
	}
	item = (char *)*arr + (*n)++ * elem;
	memset(item, 0, elem);
	return item;
}

const char *scenario_value_scalar(struct sparse *p, const struct ytree *v, const char *what)
{
	if (v->type == YTREE_SCALAR)
		return v->value;
	scenario_error_at(p, v->mark, "expected %s, got %s", what, ytree_type_name(v));
	return NULL;
}

int scenario_value_string(struct sparse *p, const struct ytree *v, char **out)
{
	const char *s = scenario_value_scalar(p, v, "a string");

	if (!s)
		return -1;
	free(*out);
	*out = scenario_strdup(s);
	return 0;
}

int scenario_value_uint(struct sparse *p, const struct ytree *v, uint64_t min, uint64_t max,
			uint64_t *out)
{
	const char *s = scenario_value_scalar(p, v, "an integer");
	unsigned long long x;
	char *end;

	if (!s)
		return -1;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end || errno || x < min || x > max) {
		scenario_error_at(p, v->mark, "expected an integer from %llu to %llu, got \"%s\"",
				  (unsigned long long)min, (unsigned long long)max, s);
		return -1;
	}
	*out = x;
	return 0;
}

int scenario_value_bool(struct sparse *p, const struct ytree *v, int *out)
{
	const char *s = scenario_value_scalar(p, v, "true or false");

	if (!s)
		return -1;
	if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0) {
		*out = s[0] == 't';
		return 0;
	}
	scenario_error_at(p, v->mark, "expected true or false, got \"%s\"", s);
	return -1;
}

int scenario_value_enum(struct sparse *p, const struct ytree *v, const char *const *names, int *out)
{
	char list[256] = "";
	const char *s;
	size_t used = 0;

	for (int i = 0; names[i]; i++)
		used += snprintf(list + used, used < sizeof(list) ? sizeof(list) - used : 0, "%s%s",
				 i ? ", " : "", names[i]);
	if (v->type != YTREE_SCALAR) {
		scenario_error_at(p, v->mark, "expected one of: %s, got %s", list,
				  ytree_type_name(v));
		return -1;
	}
	s = v->value;
	for (int i = 0; names[i]; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	scenario_error_at(p, v->mark, "expected one of: %s, got \"%s\"", list, s);
	return -1;
}

/* Runs a common/units.h parser on a scalar; its message becomes the positioned error. */
#define VALUE_UNITS(fn, what, out)                                                                 \
	do {                                                                                       \
		struct fl_error err_ = {0};                                                        \
		const char *s_ = scenario_value_scalar(p, v, what);                                \
		if (!s_)                                                                           \
			return -1;                                                                 \
		if (fn(s_, out, &err_) < 0) {                                                      \
			scenario_error_at(p, v->mark, "%s", err_.msg);                             \
			return -1;                                                                 \
		}                                                                                  \
		return 0;                                                                          \
	} while (0)

int scenario_value_duration(struct sparse *p, const struct ytree *v, int64_t *ms)
{
	VALUE_UNITS(units_parse_duration_ms, "a duration such as 250ms, 2s, 1.5s, 3m or 1h", ms);
}

int scenario_value_fraction(struct sparse *p, const struct ytree *v, double *frac)
{
	VALUE_UNITS(units_parse_fraction, "a fraction such as 20% or 0.2", frac);
}

int scenario_value_bandwidth(struct sparse *p, const struct ytree *v, uint64_t *bps)
{
	VALUE_UNITS(units_parse_bandwidth, "a bandwidth such as 512bit, 1kbit, 2mbit or 1gbit",
		    bps);
}

int scenario_value_size(struct sparse *p, const struct ytree *v, uint64_t *bytes)
{
	VALUE_UNITS(units_parse_size, "a size such as 200B, 2KiB or 1MiB", bytes);
}

int scenario_value_rate(struct sparse *p, const struct ytree *v, double *per_s)
{
	VALUE_UNITS(units_parse_rate, "a rate such as 5/s, 30/m or 2/h", per_s);
}

void scenario_strv_free(struct scenario_strv *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	v->v = NULL;
	v->n = 0;
}

int scenario_value_strv(struct sparse *p, const struct ytree *v, struct scenario_strv *out)
{
	int rc = 0;

	if (v->type != YTREE_SEQ) {
		scenario_error_at(p, v->mark, "expected a list such as [a, b], got %s",
				  ytree_type_name(v));
		return -1;
	}
	scenario_strv_free(out);
	for (size_t i = 0; i < v->n; i++) {
		const char *s = scenario_value_scalar(p, v->items[i], "a string");
		char **slot;

		if (!s) {
			rc = -1;
			continue;
		}
		slot = scenario_array_push(&out->v, &out->n, sizeof(*out->v));
		*slot = scenario_strdup(s);
	}
	return rc;
}

int scenario_value_is_null(const struct ytree *v)
{
	return v->type == YTREE_SCALAR && v->plain &&
	       (!v->value[0] || strcmp(v->value, "~") == 0 || strcmp(v->value, "null") == 0);
}
