/* junit.xml: one testsuite per scenario, one testcase per expectation; a failed one carries
 * the measured value and the threshold in its failure message. */
#include "orchestrator/render/render.h"
#include "orchestrator/render/render_telemetry.h"

#include <math.h>

static void render_junit_case(FILE *f, const struct analyze_run *run,
			      const struct analyze_expect *e)
{
	char name[512], vals[256];

	render_expect_name(e, name, sizeof(name));
	render_expect_values(e, vals, sizeof(vals));
	fputs("    <testcase classname=\"faultlab.", f);
	render_xml_escape(f, run->scenario ? run->scenario : "run");
	fputs("\" name=\"", f);
	render_xml_escape(f, name);
	fputs("\" time=\"0\">", f);
	if (e->ok) {
		fputs("\n      <system-out>measured ", f);
		render_xml_escape(f, vals);
		fputs("</system-out>\n    </testcase>\n", f);
		return;
	}
	fputs("\n      <failure type=\"expectation\" message=\"", f);
	render_xml_escape(f, name);
	fputs(": measured ", f);
	render_xml_escape(f, vals);
	if (e->note) {
		fputs(" — ", f);
		render_xml_escape(f, e->note);
	}
	fputs("\">measured ", f);
	render_xml_escape(f, vals);
	fputs("</failure>\n    </testcase>\n", f);
}

/* A run error (interruption, a fault that failed on a node) is an <error> testcase. */
static void render_junit_problem(FILE *f, const struct analyze_run *run, size_t k)
{
	char msg[1024];

	render_problem(run, k, msg, sizeof(msg));
	fputs("    <testcase classname=\"faultlab.", f);
	render_xml_escape(f, run->scenario ? run->scenario : "run");
	fputs(run->interrupted && k == 0 ? "\" name=\"run completed\" time=\"0\">"
					 : "\" name=\"fault applied and reverted\" time=\"0\">",
	      f);
	fputs("\n      <error type=\"", f);
	fputs(run->interrupted && k == 0 ? "interrupted" : "fault", f);
	fputs("\" message=\"", f);
	render_xml_escape(f, msg);
	fputs("\">", f);
	render_xml_escape(f, msg);
	fputs("</error>\n    </testcase>\n", f);
}

int render_junit_write(const struct analyze_run *run, const char *path, struct fl_error *err)
{
	char *tmp;
	FILE *f = render_open(path, &tmp, err);
	size_t failures = 0, errors = render_problems_count(run);

	if (!f)
		return -1;
	for (size_t i = 0; i < run->n_expects; i++)
		failures += !run->expects[i].ok;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(f, "<testsuites name=\"faultlab\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\">\n",
		run->n_expects + errors, failures, errors);
	fputs("  <testsuite name=\"", f);
	render_xml_escape(f, run->scenario ? run->scenario : "run");
	fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" time=\"%.3f\"",
		run->n_expects + errors, failures, errors, isnan(run->wall_s) ? 0.0 : run->wall_s);
	if (run->started_at) {
		fputs(" timestamp=\"", f);
		render_xml_escape(f, run->started_at);
		fputc('"', f);
	}
	fputs(">\n    <properties>\n", f);
	if (run->has_seed)
		fprintf(f, "      <property name=\"seed\" value=\"%llu\"/>\n",
			(unsigned long long)run->seed);
	fputs("      <property name=\"run_dir\" value=\"", f);
	render_xml_escape(f, run->dir);
	fputs("\"/>\n", f);
	render_junit_telemetry(f, run);
	fputs("    </properties>\n", f);
	for (size_t k = 0; k < errors; k++)
		render_junit_problem(f, run, k);
	for (size_t i = 0; i < run->n_expects; i++)
		render_junit_case(f, run, &run->expects[i]);
	fputs("  </testsuite>\n</testsuites>\n", f);
	return render_close(f, tmp, path, err);
}
