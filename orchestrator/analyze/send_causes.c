/* Failed sends counted by cause (as lite-protocol-tester counts publish failures): the
 * journal's send error texts, which name nodes, addresses and numbers, are reduced to a cause
 * that is the same for every occurrence of one failure — "node down", "timeout", "connection
 * refused", "HTTP 503", "run ended first", or the error's last clause with every word
 * that holds a digit (numbers, ids, hashes) replaced by N. The first text of each cause is kept as
 * its example. */
#include "orchestrator/analyze/analyze.h"
#include "orchestrator/analyze/amap.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *needle, *cause;
} send_cause_table[] = {
    {" is down", "node down"},
    {"not sent: the run ended first", "run ended first"},
    {"Timeout was reached", "timeout"},
    {"timed out", "timeout"},
    {"Couldn't connect", "connection refused"},
    {"Connection refused", "connection refused"},
    {"Failure when receiving data", "connection lost"},
    {"Server returned nothing", "connection lost"},
    {"restarted and not ready yet", "node restarting"},
    {"has no identity yet", "no identity yet"},
};

static const char *send_cause_find(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle);

	for (size_t i = 0; k <= n && i + k <= n; i++)
		if (!memcmp(s + i, needle, k))
			return s + i;
	return NULL;
}

const char *analyze_send_cause(const char *err, size_t n, char *buf, size_t len)
{
	const char *h, *last = err;
	size_t o = 0;

	for (size_t i = 0; i < sizeof(send_cause_table) / sizeof(send_cause_table[0]); i++)
		if (send_cause_find(err, n, send_cause_table[i].needle))
			return send_cause_table[i].cause;
	if ((h = send_cause_find(err, n, ": HTTP ")) && h + 10 <= err + n) {
		snprintf(buf, len, "HTTP %.3s", h + 7);
		return buf;
	}
	for (const char *p = err; (p = send_cause_find(p, (size_t)(err + n - p), ": ")); p += 2)
		last = p + 2;
	for (const char *p = last, *end = err + n; p < end && o + 2 < len;) {
		const char *w = p;
		int digits = 0;

		while (w < end && isalnum((unsigned char)*w))
			digits |= isdigit((unsigned char)*w++) != 0;
		if (w == p) /* not a word: copied */
			buf[o++] = *p++;
		else if (digits) /* a word with a digit (a number, an id, a hash): N */
			buf[o++] = 'N', p = w;
		else
			while (p < w && o + 2 < len)
				buf[o++] = *p++;
	}
	buf[o] = '\0';
	return o ? buf : "unknown";
}

void analyze_send_failed(struct analyze_run *run, const char *err, size_t n)
{
	char buf[160];
	const char *cause = analyze_send_cause(err ? err : "", err ? n : 0, buf, sizeof(buf));
	struct analyze_send_cause *c = NULL;

	run->send_failures++;
	for (size_t i = 0; i < run->n_send_causes && !c; i++)
		if (!strcmp(run->send_causes[i].cause, cause))
			c = &run->send_causes[i];
	if (!c && run->n_send_causes == ANALYZE_MAX_CAUSES)
		c = &run->send_causes[ANALYZE_MAX_CAUSES - 1]; /* the last row takes the rest */
	if (!c) {
		c = &run->send_causes[run->n_send_causes++];
		c->cause = amap_arena_strdup(&run->arena, cause);
		c->example = amap_arena_strndup(&run->arena, err ? err : "", err ? n : 0);
	}
	c->count++;
}
