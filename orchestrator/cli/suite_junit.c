/* The suite's JUnit file: one <testsuite> per scenario, copied from the last attempt's
 * junit.xml (the analyzer's, render_junit.c), with the earlier attempts' failures added the
 * way Maven Surefire reports reruns: <flakyFailure> inside a testcase that failed before and
 * passes in the last attempt, <rerunFailure> inside one that fails in the last attempt too. CI
 * servers that read Surefire's elements (Jenkins, GitLab) then show the scenario as flaky rather
 * than as a plain pass. */
#include "orchestrator/cli/suite.h"
#include "orchestrator/render/render.h"
#include "orchestrator/run/rundir.h"

#include "common/cleanup.h"

#include <stdlib.h>
#include <string.h>

/* An attribute's raw (still XML-escaped) value inside [p, end): its length and start. */
static const char *junit_attr(const char *p, const char *end, const char *name, size_t *len)
{
	size_t nl = strlen(name);

	for (const char *a = p; a && a < end; a = strstr(a + 1, name)) {
		const char *q;

		a = strstr(a, name);
		if (!a || a >= end)
			return NULL;
		if (a[nl] != '=' || a[nl + 1] != '"' || (a > p && a[-1] != ' '))
			continue;
		q = strchr(a + nl + 2, '"');
		if (!q || q > end)
			return NULL;
		*len = (size_t)(q - (a + nl + 2));
		return a + nl + 2;
	}
	return NULL;
}

static char *junit_read(const struct suite_attempt *a)
{
	char path[4200];
	struct fl_error err = {0};

	snprintf(path, sizeof(path), "%.4000s/junit.xml", a->run_dir);
	return a->run_dir[0] ? rundir_read(path, NULL, &err) : NULL;
}

/* The earlier attempts' failures of testcase `name` (escaped, len n), as `tag` elements. */
static void junit_earlier(FILE *out, const struct suite_entry *e, const char *tag, const char *name,
			  size_t n)
{
	for (size_t k = 0; k + 1 < e->n_at; k++) {
		cleanup_free char *x = junit_read(&e->at[k]);

		for (const char *c = x ? strstr(x, "<testcase ") : NULL; c;
		     c = strstr(c + 1, "<testcase ")) {
			const char *end = strstr(c, "</testcase>"), *f, *cn, *msg;
			size_t cl, ml = 0;

			if (!end)
				break;
			cn = junit_attr(c, strchr(c, '>'), "name", &cl);
			f = strstr(c, "<failure ");
			if (!cn || cl != n || memcmp(cn, name, n) || !f || f > end)
				continue;
			msg = junit_attr(f, strchr(f, '>'), "message", &ml);
			fprintf(out, "\n      <%s type=\"expectation\" message=\"%.*s\">", tag,
				(int)ml, msg ? msg : "");
			fprintf(out, "<system-out>attempt %zu, seed %llu, %s</system-out></%s>",
				k + 1, (unsigned long long)e->at[k].seed, e->at[k].run_dir, tag);
		}
	}
}

static void junit_error_suite(FILE *out, const struct suite_entry *e, int rc)
{
	fputs("  <testsuite name=\"", out);
	render_xml_escape(out, e->scenario);
	fprintf(out,
		"\" tests=\"1\" failures=\"0\" errors=\"1\">\n    <testcase name=\"run\" "
		"classname=\"faultlab\"><error message=\"faultlab run exited %d (%s)\"/>"
		"</testcase>\n  </testsuite>\n",
		rc,
		rc == FL_EXIT_INVALID	    ? "invalid scenario"
		: rc == FL_EXIT_INTERRUPTED ? "interrupted"
					    : "environment");
}

void suite_junit_entry(FILE *out, const struct suite_entry *e)
{
	enum suite_outcome o = suite_outcome_of(e);
	const struct suite_attempt *last = e->n_at ? &e->at[e->n_at - 1] : NULL;
	cleanup_free char *x = last && last->rc <= FL_EXIT_FAILED ? junit_read(last) : NULL;
	const char *a = x ? strstr(x, "<testsuite ") : NULL,
		   *b = a ? strstr(a, "</testsuite>") : NULL;
	const char *p, *props;

	if (!b) {
		junit_error_suite(out, e, last ? last->rc : FL_EXIT_ENV);
		return;
	}
	props = strstr(a, "<properties>");
	fputs("  ", out);
	p = a;
	if (props && props < b) {
		props += strlen("<properties>");
		fprintf(out, "%.*s", (int)(props - p), p);
		fprintf(out,
			"\n      <property name=\"outcome\" value=\"%s\"/>"
			"\n      <property name=\"attempts\" value=\"%zu\"/>",
			suite_outcome_name(o), e->n_at);
		p = props;
	}
	for (const char *c; (c = strstr(p, "<testcase ")) && c < b;) {
		const char *close = strstr(c, "</testcase>"), *name;
		size_t nl = 0;

		if (!close || close > b)
			break;
		name = junit_attr(c, strchr(c, '>'), "name", &nl);
		while (close > c && (close[-1] == ' ' || close[-1] == '\n'))
			close--; /* the elements go before the testcase's closing indentation */
		fprintf(out, "%.*s", (int)(close - p), p);
		/* Surefire: a testcase failing now lists the earlier failures as reruns; one
		 * passing now, after failing before, is flaky. */
		if (name && e->n_at > 1) {
			const char *f = strstr(c, "<failure ");

			junit_earlier(out, e, f && f < close ? "rerunFailure" : "flakyFailure",
				      name, nl);
		}
		p = close;
	}
	fprintf(out, "%.*s\n", (int)(b + strlen("</testsuite>") - p), p);
}
