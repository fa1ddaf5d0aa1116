#include "orchestrator/analyze/kvscan.h"

#include <string.h>
#include <time.h>

int kvscan_get(const char *line, size_t len, const char *key, const char **val, size_t *vlen)
{
	size_t klen = strlen(key);
	const char *p = line, *end = line + len;

	while (p < end) {
		const char *q = memmem(p, (size_t)(end - p), key, klen);
		const char *v, *ve;

		if (!q)
			return 0;
		p = q + klen;
		if (p >= end || *p != '=' || (q > line && q[-1] != ' ' && q[-1] != '\t'))
			continue;
		v = p + 1;
		if (v < end && *v == '"') {
			v++;
			ve = memchr(v, '"', (size_t)(end - v));
			if (!ve)
				ve = end;
		} else {
			ve = v;
			while (ve < end && *ve != ' ' && *ve != '\t')
				ve++;
		}
		*val = v;
		*vlen = (size_t)(ve - v);
		return 1;
	}
	return 0;
}

int kvscan_get_u64(const char *line, size_t len, const char *key, uint64_t *out)
{
	const char *v;
	size_t n;
	uint64_t x = 0;

	if (!kvscan_get(line, len, key, &v, &n) || n == 0 || n > 20)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return 0;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	*out = x;
	return 1;
}

static int kvscan_digits(const char *s, size_t n, int *out)
{
	int x = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		x = x * 10 + (s[i] - '0');
	}
	*out = x;
	return 1;
}

/* The zone after the time: "Z", "+04:00" (chronicles, RFC 3339), "-0400" (Go's "Z0700"
 * layout: zap's ISO8601TimeEncoder, go-log v2.5 core.go) or "+04". Seconds east of UTC. */
static int kvscan_zone(const char *s, size_t len, int64_t *east)
{
	int zh = 0, zm = 0;

	*east = 0;
	if (len == 0 || s[0] == 'Z' || (s[0] != '+' && s[0] != '-'))
		return 1;
	if (len < 3 || !kvscan_digits(s + 1, 2, &zh))
		return 0;
	if (len >= 6 && s[3] == ':' && !kvscan_digits(s + 4, 2, &zm))
		return 0;
	if (len >= 5 && s[3] != ':' && s[3] >= '0' && s[3] <= '9' && !kvscan_digits(s + 3, 2, &zm))
		return 0;
	*east = ((int64_t)zh * 3600 + zm * 60) * (s[0] == '-' ? -1 : 1);
	return 1;
}

/* Fraction of a second and the zone after "HH:MM:SS"; adds them to *ns. */
static void kvscan_iso_tail(const char *s, size_t len, uint64_t *ns)
{
	size_t i = 0;
	uint64_t frac = 0, scale = 1000000000ull;
	int64_t east;

	if (i < len && (s[i] == '.' || s[i] == ',')) {
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			scale /= 10;
			frac += (uint64_t)(s[i] - '0') * scale;
		}
	}
	*ns += frac;
	if (kvscan_zone(s + i, len - i, &east))
		*ns = (uint64_t)((int64_t)*ns - east * 1000000000ll);
}

int kvscan_iso_ns(const char *s, size_t len, uint64_t *ns)
{
	struct tm tm = {0};
	int y, mo, d, h, mi, se;

	if (len < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') ||
	    s[13] != ':' || s[16] != ':')
		return 0;
	if (!kvscan_digits(s, 4, &y) || !kvscan_digits(s + 5, 2, &mo) ||
	    !kvscan_digits(s + 8, 2, &d) || !kvscan_digits(s + 11, 2, &h) ||
	    !kvscan_digits(s + 14, 2, &mi) || !kvscan_digits(s + 17, 2, &se))
		return 0;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	*ns = (uint64_t)timegm(&tm) * 1000000000ull;
	kvscan_iso_tail(s + 19, len - 19, ns);
	return 1;
}
