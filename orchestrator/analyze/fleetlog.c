/* Line formats of the fleet logs (docs/FORMATS.md, "Fleet logs"; each format's source is
 * named there and in tests/data/real/README.md). */
#include "orchestrator/analyze/fleetlog.h"

#include "orchestrator/analyze/flatjson.h"
#include "orchestrator/analyze/kvscan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const struct {
	const char *name;
	enum fleetlog_format f;
} fleetlog_names[] = {
    {"auto", FLEETLOG_AUTO},
    {"nwaku", FLEETLOG_NWAKU},
    {"nwaku-json", FLEETLOG_NWAKU_JSON},
    {"go-waku", FLEETLOG_GOWAKU},
    {"go-waku-json", FLEETLOG_GOWAKU_JSON},
    {"labnode", FLEETLOG_LABNODE},
    {"status-go", FLEETLOG_GETH},
};

int fleetlog_format_parse(const char *s, enum fleetlog_format *out)
{
	for (size_t i = 0; i < sizeof(fleetlog_names) / sizeof(fleetlog_names[0]); i++) {
		if (strcmp(s, fleetlog_names[i].name) == 0) {
			*out = fleetlog_names[i].f;
			return 0;
		}
	}
	return -1;
}

const char *fleetlog_format_names(void)
{
	static char names[160];
	size_t off = 0;

	if (names[0])
		return names;
	for (size_t i = 0; i < sizeof(fleetlog_names) / sizeof(fleetlog_names[0]); i++)
		off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s", i ? ", " : "",
					fleetlog_names[i].name);
	return names;
}

const char *fleetlog_format_name(enum fleetlog_format f)
{
	for (size_t i = 0; i < sizeof(fleetlog_names) / sizeof(fleetlog_names[0]); i++)
		if (fleetlog_names[i].f == f)
			return fleetlog_names[i].name;
	return "auto";
}

/* "NTC 2025-11-20 13:06:16.015+00:00 …": a chronicles level and an ISO time. */
static int fleetlog_is_chronicles(const char *p, size_t n)
{
	uint64_t ns;

	return n > 24 && p[0] >= 'A' && p[0] <= 'Z' && p[1] >= 'A' && p[1] <= 'Z' && p[2] >= 'A' &&
	       p[2] <= 'Z' && p[3] == ' ' && kvscan_iso_ns(p + 4, n - 4, &ns);
}

/* go-ethereum's TerminalFormat (status-im/go-ethereum v1.10.25-status.18 log/format.go, used
 * by status-go's logutils): the level aligned to five ("INFO ", "DEBUG"), then
 * "[01-02|15:04:05.000" in UTC, "|" and the caller when PrintOrigins is on, "]". */
static int fleetlog_is_geth(const char *p, size_t n)
{
	static const char *const lv[] = {"TRACE", "DEBUG", "INFO ", "WARN ", "ERROR", "CRIT "};

	if (n < 25 || p[5] != '[' || p[8] != '-' || p[11] != '|' || p[14] != ':')
		return 0;
	for (size_t i = 0; i < sizeof(lv) / sizeof(lv[0]); i++)
		if (memcmp(p, lv[i], 5) == 0)
			return 1;
	return 0;
}

/* zap console: a JSON object after the last tab, and at least three tabs in all. */
static const char *fleetlog_zap_fields(const char *p, size_t n)
{
	const char *tab = memrchr(p, '\t', n), *q = p;
	int tabs = 0;

	if (!tab || tab + 1 >= p + n || tab[1] != '{')
		return NULL;
	while (tabs < 3 && (q = memchr(q, '\t', (size_t)(tab + 1 - q)))) {
		tabs++;
		q++;
	}
	return tabs >= 3 ? tab + 1 : NULL;
}

enum fleetlog_format fleetlog_detect(const char *p, size_t n)
{
	while (n && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	if (n && p[0] == '{') {
		if (memmem(p, n, "\"lvl\"", 5))
			return FLEETLOG_NWAKU_JSON;
		if (memmem(p, n, "\"logger\"", 8) || memmem(p, n, "\"level\"", 7))
			return FLEETLOG_GOWAKU_JSON;
		return FLEETLOG_AUTO;
	}
	if (fleetlog_zap_fields(p, n))
		return FLEETLOG_GOWAKU;
	if (fleetlog_is_geth(p, n))
		return FLEETLOG_GETH;
	if (fleetlog_is_chronicles(p, n))
		return FLEETLOG_NWAKU;
	if (memmem(p, n, "msg_hash=", 9))
		return FLEETLOG_LABNODE;
	return FLEETLOG_AUTO;
}

static int fleetlog_u64(const char *p, size_t n, uint64_t *out)
{
	uint64_t x = 0;

	if (n == 0 || n > 20)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return 0;
		x = x * 10 + (uint64_t)(p[i] - '0');
	}
	*out = x;
	return 1;
}

/* A time field: ISO string, integer ns, or zap's float epoch seconds. */
static int fleetlog_time(const struct flatjson_val *v, int is_ts, uint64_t *ns)
{
	if (v->type == FLATJSON_STR && kvscan_iso_ns(v->p, v->n, ns))
		return 1;
	if (v->type != FLATJSON_NUM && v->type != FLATJSON_STR)
		return 0;
	if (fleetlog_u64(v->p, v->n, ns))
		return is_ts && *ns < 100000000000ull ? (*ns *= 1000000000ull, 1) : 1;
	if (v->type == FLATJSON_NUM && is_ts && v->num > 0) { /* 1732111576.015 */
		*ns = (uint64_t)(v->num * 1e9);
		return 1;
	}
	return 0;
}

static int fleetlog_is_hash_key(const char *k, size_t kl)
{
	return flatjson_key_is(k, kl, "msg_hash") || flatjson_key_is(k, kl, "hash") ||
	       flatjson_key_is(k, kl, "messageHash") || flatjson_key_is(k, kl, "envelopeHash");
}

static int fleetlog_is_time_key(const char *k, size_t kl)
{
	return flatjson_key_is(k, kl, "receivedTime") || flatjson_key_is(k, kl, "sentTime") ||
	       flatjson_key_is(k, kl, "publishTime");
}

/* A JSON object's fields (a whole JSON line, or zap console's trailing object). */
static int fleetlog_json(const char *p, size_t n, struct fleetlog_line *l)
{
	struct flatjson it;
	struct flatjson_val v;
	const char *k;
	size_t kl;
	uint64_t ts = 0, t = 0;

	if (flatjson_begin(&it, p, n) < 0)
		return 0;
	while (flatjson_next(&it, &k, &kl, &v) > 0) {
		if (fleetlog_is_hash_key(k, kl) && v.type == FLATJSON_STR && v.n > 2) {
			l->hash = v.p;
			l->hash_len = v.n;
		} else if (fleetlog_is_time_key(k, kl)) {
			fleetlog_time(&v, 0, &t);
		} else if (flatjson_key_is(k, kl, "ts")) {
			fleetlog_time(&v, 1, &ts);
		} else if ((flatjson_key_is(k, kl, "msg")) && v.type == FLATJSON_STR) {
			l->event = v.p;
			l->event_len = v.n;
		}
	}
	l->t_ns = t ? t : ts;
	l->has_t = l->t_ns != 0;
	return l->hash != NULL;
}

/* zap console: time, level, [logger,] [caller,] message, {fields}, tab-separated. go-log
 * v2.5 (core.go newCore: production encoder config + zap.AddCaller) writes the caller
 * column; the message is the field just before the JSON object, whatever came before it. */
static int fleetlog_zap(const char *p, size_t n, const char *fields, struct fleetlog_line *l)
{
	const char *t1 = memchr(p, '\t', n), *msg_end = fields - 1, *msg = msg_end;
	uint64_t ts = 0;
	struct flatjson_val v = {.type = FLATJSON_STR};

	if (!fleetlog_json(fields, (size_t)(p + n - fields), l))
		return 0;
	while (msg > p && msg[-1] != '\t')
		msg--;
	if (msg > t1) {
		l->event = msg;
		l->event_len = (size_t)(msg_end - msg);
	}
	if (!l->has_t && t1) {
		v.p = p;
		v.n = (size_t)(t1 - p);
		if (v.n && (p[0] < '0' || p[0] > '9' || memchr(p, '-', v.n))) {
			fleetlog_time(&v, 1, &ts);
		} else { /* zap's epoch float "1732111576.015" */
			char num[40];

			snprintf(num, sizeof(num), "%.*s", (int)v.n, p);
			ts = (uint64_t)(strtod(num, NULL) * 1e9);
		}
		l->t_ns = ts;
		l->has_t = ts != 0;
	}
	return 1;
}

/* The message text of a key=value line: from `from` to the first token holding '='. */
static void fleetlog_text_event(const char *from, const char *end, struct fleetlog_line *l)
{
	const char *eq = memchr(from, '=', (size_t)(end - from)), *e;

	e = eq ? eq : end;
	while (e > from && e[-1] != ' ' && eq) /* back to the start of the key */
		e--;
	while (e > from && e[-1] == ' ')
		e--;
	l->event = from;
	l->event_len = (size_t)(e - from);
}

/* The hash of a key=value line: nwaku's msg_hash, status-go's envelopeHash, go-waku's hash. */
static int fleetlog_text_hash(const char *p, size_t n, struct fleetlog_line *l)
{
	static const char *const keys[] = {"msg_hash", "envelopeHash", "messageHash", "hash"};
	const char *v;
	size_t vn;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (kvscan_get(p, n, keys[i], &v, &vn) && vn >= 3) {
			l->hash = v;
			l->hash_len = vn;
			return 1;
		}
	}
	return 0;
}

static uint64_t fleetlog_absdiff(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

/* receivedTime=, sentTime= or publishTime= (integer ns): one memmem for "Time=". */
static int fleetlog_text_time(const char *p, size_t n, uint64_t *ns)
{
	static const char *const keys[] = {"receivedTime", "sentTime", "publishTime"};
	const char *q = p, *end = p + n;

	while ((q = memmem(q, (size_t)(end - q), "Time=", 5))) {
		const char *k = q;

		while (k > p && k[-1] != ' ' && k[-1] != '\t')
			k--;
		q += 5;
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if ((size_t)(q - k) == strlen(keys[i]) + 1 &&
			    !memcmp(k, keys[i], q - k - 1))
				return kvscan_get_u64(k, (size_t)(end - k), keys[i], ns);
	}
	return 0;
}

/* "MM-DD|HH:MM:SS.mmm" (UTC) with the year that puts it nearest ref_ns (a run's start, a
 * file's mtime): a log that crosses New Year keeps its order. */
static int fleetlog_geth_time(const char *s, uint64_t ref_ns, uint64_t *ns)
{
	char iso[40];
	uint64_t best = 0, t, ref = ref_ns ? ref_ns : (uint64_t)time(NULL) * 1000000000ull;
	time_t ref_s = (time_t)(ref / 1000000000ull);
	struct tm tm;

	gmtime_r(&ref_s, &tm);
	for (int y = tm.tm_year + 1900 - 1; y <= tm.tm_year + 1900 + 1; y++) {
		snprintf(iso, sizeof(iso), "%04d-%.2s-%.2sT%.12sZ", y, s, s + 3, s + 6);
		if (!kvscan_iso_ns(iso, strlen(iso), &t))
			return 0;
		if (!best || fleetlog_absdiff(t, ref) < fleetlog_absdiff(best, ref))
			best = t;
	}
	*ns = best;
	return 1;
}

/* Where the message of a prefixed text line starts, and the line's own time. */
static const char *fleetlog_text_head(const char *p, size_t n, uint64_t ref_ns,
				      struct fleetlog_line *l)
{
	const char *from = p, *end = p + n;

	if (fleetlog_is_chronicles(p, n)) {
		kvscan_iso_ns(p + 4, n - 4, &l->t_ns);
		from = memchr(p + 4 + 19, ' ', n - 23); /* after the time and its zone */
		from = from ? from + 1 : end;
	} else if (fleetlog_is_geth(p, n)) {
		fleetlog_geth_time(p + 6, ref_ns, &l->t_ns);
		from = memchr(p, ']', n);
		from = from ? from + 1 : end;
		while (from < end && *from == ' ')
			from++;
	}
	return from;
}

static int fleetlog_text(const char *p, size_t n, uint64_t ref_ns, struct fleetlog_line *l)
{
	const char *from;
	uint64_t ns;

	if (!fleetlog_text_hash(p, n, l))
		return 0;
	from = fleetlog_text_head(p, n, ref_ns, l);
	l->has_t = l->t_ns != 0;
	if (fleetlog_text_time(p, n, &ns)) {
		l->t_ns = ns;
		l->has_t = 1;
	}
	fleetlog_text_event(from, p + n, l);
	return 1;
}

int fleetlog_parse_line(enum fleetlog_format f, const char *p, size_t n, uint64_t ref_ns,
			struct fleetlog_line *l)
{
	const char *fields;

	memset(l, 0, sizeof(*l));
	while (n && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	if (n == 0)
		return 0;
	if (p[0] == '{')
		return fleetlog_json(p, n, l);
	if (f != FLEETLOG_NWAKU && f != FLEETLOG_LABNODE && (fields = fleetlog_zap_fields(p, n)))
		return fleetlog_zap(p, n, fields, l);
	return fleetlog_text(p, n, ref_ns, l);
}
