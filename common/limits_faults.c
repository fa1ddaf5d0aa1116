/* The fault limits table (limits_faults.h). */
#include "common/limits_faults.h"

#include "common/cleanup.h"
#include "common/units.h"

#include <inttypes.h>
#include <stdio.h>

static const struct fl_limit fl_limits[] = {
    [FL_LIMIT_DELAY] = {"delay", 'd', 0, FL_LIMIT_DELAY_MAX_MS},
    [FL_LIMIT_JITTER] = {"jitter", 'd', 0, FL_LIMIT_JITTER_MAX_MS},
    [FL_LIMIT_WAKE] = {"wake-network-after", 'd', 0, FL_LIMIT_WAKE_MAX_MS},
    [FL_LIMIT_RATE] = {"rate", 'b', FL_LIMIT_RATE_MIN_BPS, (double)FL_LIMIT_RATE_MAX_BPS},
    [FL_LIMIT_BURST] = {"burst", 's', 0, (double)FL_LIMIT_BURST_MAX_BYTES},
    [FL_LIMIT_FRACTION] = {"fraction", 'f', 0, 1},
    [FL_LIMIT_LEASE] = {"for", 'd', 1, FL_LIMIT_LEASE_MAX_MS},
};

const struct fl_limit *fl_limit_get(enum fl_limit_kind kind)
{
	return &fl_limits[kind];
}

/* v in the row's unit, as a scenario would write it. */
static void fl_limit_format(const struct fl_limit *l, double v, char *buf, size_t len)
{
	if (l->unit == 'd' && v < 9e18)
		units_format_duration((int64_t)v, buf, len);
	else if (l->unit == 'd')
		snprintf(buf, len, "%.3g ms", v);
	else if (l->unit == 'b' && v >= 1e9)
		snprintf(buf, len, "%.3g Gbit/s", v / 1e9);
	else if (l->unit == 'b' && v >= 1e6)
		snprintf(buf, len, "%.3g Mbit/s", v / 1e6);
	else if (l->unit == 'b')
		snprintf(buf, len, "%.0f bit/s", v);
	else if (l->unit == 's' && v >= 1024 * 1024)
		snprintf(buf, len, "%.4g MiB", v / (1024 * 1024));
	else if (l->unit == 's')
		snprintf(buf, len, "%.0f bytes", v);
	else
		snprintf(buf, len, "%g", v);
}

int fl_limit_check(enum fl_limit_kind kind, double v, struct fl_error *err)
{
	const struct fl_limit *l = fl_limit_get(kind);
	char vs[48], ls[48];

	if (v >= l->min && v <= l->max)
		return 0;
	fl_limit_format(l, v, vs, sizeof(vs));
	fl_limit_format(l, v > l->max ? l->max : l->min, ls, sizeof(ls));
	return fl_err(err, "%s %s is %s the limit of %s", l->name, vs,
		      v > l->max ? "above" : "below", ls);
}
