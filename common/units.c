#include "common/units.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct unit {
	const char *suffix;
	double scale;
};

/* Splits s into a non-negative decimal number and a suffix. Returns -1 when s does not start
 * with a digit (or '.'), e.g. on "", "-1", "fast". */
static int split_number(const char *s, double *num, const char **suffix)
{
	char *end;

	if (!s || !(isdigit((unsigned char)s[0]) || (s[0] == '.' && isdigit((unsigned char)s[1]))))
		return -1;
	errno = 0;
	*num = strtod(s, &end);
	if (errno || !isfinite(*num))
		return -1;
	*suffix = end;
	return 0;
}

static const struct unit *find_unit(const struct unit *units, const char *suffix)
{
	for (; units->suffix; units++)
		if (strcmp(units->suffix, suffix) == 0)
			return units;
	return NULL;
}

static int parse_with_units(const char *s, const struct unit *units, const char *what, double *out,
			    struct fl_error *err)
{
	const struct unit *u;
	const char *suffix;
	double num;

	if (split_number(s, &num, &suffix) < 0)
		return fl_err(err, "expected %s, got \"%s\"", what, s ? s : "");
	if (*suffix == '\0')
		return fl_err(err, "expected %s, got \"%s\" (a bare number has no unit)", what, s);
	u = find_unit(units, suffix);
	if (!u)
		return fl_err(err, "expected %s, got \"%s\" (unknown unit \"%s\")", what, s,
			      suffix);
	*out = num * u->scale;
	return 0;
}

int units_parse_duration_ms(const char *s, int64_t *ms, struct fl_error *err)
{
	static const struct unit units[] = {
	    {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {NULL, 0}};
	double v;

	if (parse_with_units(s, units, "a duration such as 250ms, 2s, 1.5s, 3m or 1h", &v, err) < 0)
		return -1;
	if (v > 9.0e15)
		return fl_err(err, "duration \"%s\" is too long", s);
	*ms = (int64_t)llround(v);
	return 0;
}

int units_parse_rate(const char *s, double *per_s, struct fl_error *err)
{
	static const struct unit units[] = {
	    {"/s", 1}, {"/m", 1.0 / 60}, {"/h", 1.0 / 3600}, {NULL, 0}};
	double v;

	if (parse_with_units(s, units, "a rate such as 5/s, 30/m or 2/h", &v, err) < 0)
		return -1;
	if (v <= 0)
		return fl_err(err, "rate \"%s\" must be greater than zero", s);
	*per_s = v;
	return 0;
}

int units_parse_bandwidth(const char *s, uint64_t *bits_per_s, struct fl_error *err)
{
	static const struct unit units[] = {
	    {"bit", 1}, {"kbit", 1e3}, {"mbit", 1e6}, {"gbit", 1e9}, {NULL, 0}};
	double v;

	if (parse_with_units(s, units, "a bandwidth such as 512bit, 1kbit, 2mbit or 1gbit", &v,
			     err) < 0)
		return -1;
	if (v < 1)
		return fl_err(err, "bandwidth \"%s\" must be at least 1bit", s);
	if (v > 1e13)
		return fl_err(err, "bandwidth \"%s\" is too large (at most 10000gbit)", s);
	*bits_per_s = (uint64_t)llround(v);
	return 0;
}

int units_parse_size(const char *s, uint64_t *bytes, struct fl_error *err)
{
	static const struct unit units[] = {{"B", 1},	      {"KiB", 1024}, {"MiB", 1048576},
					    {"GiB", 1 << 30}, {"kB", 1000},  {"KB", 1000},
					    {"MB", 1e6},      {"GB", 1e9},   {NULL, 0}};
	double v;

	if (parse_with_units(s, units, "a size such as 200B, 2KiB or 1MiB", &v, err) < 0)
		return -1;
	if (v > 1e12)
		return fl_err(err, "size \"%s\" is too large", s);
	*bytes = (uint64_t)llround(v);
	return 0;
}

int units_parse_fraction(const char *s, double *frac, struct fl_error *err)
{
	const char *suffix;
	double v;

	if (s && s[0] == '-')
		return fl_err(err, "fraction \"%s\" must lie between 0%% and 100%%", s);
	if (split_number(s, &v, &suffix) < 0)
		return fl_err(err, "expected a fraction such as 20%% or 0.2, got \"%s\"",
			      s ? s : "");
	if (strcmp(suffix, "%") == 0)
		v /= 100;
	else if (*suffix != '\0')
		return fl_err(err, "expected a fraction such as 20%% or 0.2, got \"%s\"", s);
	if (v < 0 || v > 1)
		return fl_err(err, "fraction \"%s\" must lie between 0%% and 100%%", s);
	*frac = v;
	return 0;
}

void units_format_duration(int64_t ms, char *buf, unsigned len)
{
	static const struct unit units[] = {{"h", 3600000}, {"m", 60000}, {"s", 1000}, {NULL, 0}};

	for (const struct unit *u = units; u->suffix; u++) {
		if (ms != 0 && ms % (int64_t)u->scale == 0) {
			snprintf(buf, len, "%lld%s", (long long)(ms / (int64_t)u->scale),
				 u->suffix);
			return;
		}
	}
	if (ms >= 1000 && ms % 100 == 0)
		snprintf(buf, len, "%gs", (double)ms / 1000);
	else
		snprintf(buf, len, "%lldms", (long long)ms);
}
