/* The four reports of a hand-built run, read back: report.json field by field (the names of
 * docs/CLI-AND-REPORT.md), junit.xml through a small XML reader, summary.md and report.html. */
#include "orchestrator/analyze/analyze.h"

#include "tests/util_test.h"

#include <check.h>
#include <ftw.h>
#include <glob.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char outdir[64];

static int rm_cb(const char *p, const struct stat *st, int type, struct FTW *ftw)
{
	return remove(p);
}

static void setup(void)
{
	snprintf(outdir, sizeof(outdir), "/tmp/fl-render-%d-XXXXXX", (int)getpid());
	ck_assert_ptr_nonnull(mkdtemp(outdir));
}

static void teardown(void)
{
	nftw(outdir, rm_cb, 8, FTW_DEPTH | FTW_PHYS);
}

static int run_dir(const char *name)
{
	struct analyze_opts o = {.quiet = 1, .out = outdir};
	struct fl_error err = {0};
	char dir[128];
	int verdict = -1;

	snprintf(dir, sizeof(dir), "tests/data/runs/%s", name);
	ck_assert_msg(analyze_run_dir(dir, &o, &verdict, NULL, &err) == 0, "%s", err.msg);
	return verdict;
}

static char *slurp(const char *file)
{
	char path[256];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", outdir, file);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	ck_assert_int_eq(fread(buf, 1, (size_t)n, f), n);
	fclose(f);
	return buf;
}

static json_t *obj(json_t *o, const char *key, int type)
{
	json_t *v = json_object_get(o, key);

	ck_assert_msg(v != NULL, "report.json: no \"%s\"", key);
	ck_assert_msg((int)json_typeof(v) == type, "report.json: \"%s\" has type %d", key,
		      json_typeof(v));
	return v;
}

static double num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	ck_assert_msg(json_is_number(v), "report.json: \"%s\" is not a number", key);
	return json_number_value(v);
}

/* A driver's warning (journal driver-warning) reaches report.json and summary.md. */
START_TEST(test_driver_warning)
{
	json_auto_t *root = NULL;
	json_t *nodes, *n;
	char *md, *js;
	size_t i;
	int seen = 0;

	run_dir("mixed");
	js = slurp("report.json");
	root = json_loads(js, 0, NULL);
	ck_assert_ptr_nonnull(root);
	nodes = obj(root, "nodes", JSON_ARRAY);
	json_array_foreach(nodes, i, n) {
		const char *name = json_string_value(json_object_get(n, "name"));

		ck_assert_int_eq(num(n, "warnings"), strcmp(name, "bob") == 0 ? 1 : 0);
		if (strcmp(name, "bob") == 0) {
			seen = 1;
			ck_assert_ptr_nonnull(strstr(
			    json_string_value(json_object_get(n, "last_warning")), "relay cache"));
		} else {
			ck_assert(json_is_null(json_object_get(n, "last_warning")));
		}
	}
	ck_assert(seen);
	md = slurp("summary.md");
	ck_assert_msg(strstr(md, "**Driver warnings**") &&
			  strstr(md, "- bob: 1× — bob: one receipt"),
		      "%s", md);
	free(md);
	free(js);
}
END_TEST

START_TEST(test_report_json)
{
	json_error_t jerr;
	json_t *root, *t, *lat, *e, *f, *n, *m, *env;
	char path[128];

	ck_assert_int_eq(run_dir("mixed"), 1);
	snprintf(path, sizeof(path), "%s/report.json", outdir);
	root = json_load_file(path, 0, &jerr);
	ck_assert_msg(root != NULL, "report.json: %s", jerr.text);
	ck_assert_str_eq(json_string_value(obj(root, "faultlab_version", JSON_STRING)), FL_VERSION);
	ck_assert_str_eq(json_string_value(obj(root, "scenario", JSON_STRING)), "mixed");
	ck_assert_int_eq(json_integer_value(obj(root, "seed", JSON_INTEGER)), 42);
	ck_assert_str_eq(json_string_value(obj(root, "runtime", JSON_STRING)), "netns");
	ck_assert_str_eq(json_string_value(obj(root, "started_at", JSON_STRING)),
			 "2026-11-24T01:00:00Z");
	ck_assert_double_eq_tol(num(root, "wall_s"), 70, 1e-9);
	ck_assert_str_eq(json_string_value(obj(root, "verdict", JSON_STRING)), "fail");
	e = json_array_get(obj(root, "expectations", JSON_ARRAY), 0);
	ck_assert_str_eq(json_string_value(obj(e, "metric", JSON_STRING)), "delivery");
	obj(e, "where", JSON_OBJECT);
	ck_assert_double_eq_tol(num(e, "min"), 0.99, 1e-12);
	ck_assert_double_eq_tol(num(e, "actual"), 8.0 / 11, 1e-9);
	ck_assert(json_is_false(json_object_get(e, "ok")));
	e = json_array_get(json_object_get(root, "expectations"), 5); /* never recovered */
	ck_assert(json_is_null(json_object_get(e, "actual")));
	t = obj(root, "totals", JSON_OBJECT);
	ck_assert_int_eq(num(t, "sent"), 11);
	ck_assert_int_eq(num(t, "delivered"), 8);
	ck_assert_int_eq(num(t, "lost"), 2);
	ck_assert_int_eq(num(t, "duplicates"), 1);
	ck_assert_int_eq(num(t, "reordered"), 2);
	lat = obj(t, "latency_ms", JSON_OBJECT);
	ck_assert_double_eq_tol(num(lat, "p50"), 150, 1e-9);
	ck_assert_double_eq_tol(num(lat, "p95"), 8250, 1e-9);
	ck_assert_double_eq_tol(num(lat, "max"), 10000, 1e-9);
	num(lat, "p90");
	num(lat, "p99");
	f = json_array_get(obj(root, "faults", JSON_ARRAY), 0);
	ck_assert_str_eq(json_string_value(obj(f, "id", JSON_STRING)), "f1");
	ck_assert_str_eq(json_string_value(obj(f, "name", JSON_STRING)), "cut");
	ck_assert_str_eq(json_string_value(obj(f, "kind", JSON_STRING)), "partition");
	ck_assert_int_eq(json_array_size(obj(f, "targets", JSON_ARRAY)), 2);
	ck_assert_double_eq_tol(num(f, "planned_ms"), 10000, 1e-9);
	ck_assert_double_eq_tol(num(f, "applied_ms"), 10001, 1e-9);
	ck_assert_double_eq_tol(num(f, "reverted_ms"), 20002, 1e-9);
	ck_assert_str_eq(json_string_value(obj(f, "engine", JSON_STRING)), "iptables");
	ck_assert_int_eq(num(f, "sent_during"), 2);
	ck_assert_int_eq(num(f, "lost_during"), 0);
	ck_assert_double_eq_tol(num(f, "recovery_ms"), 1998, 1e-9);
	n = json_array_get(obj(root, "nodes", JSON_ARRAY), 3);
	ck_assert_str_eq(json_string_value(obj(n, "name", JSON_STRING)), "dave");
	ck_assert_str_eq(json_string_value(obj(n, "role", JSON_STRING)), "light");
	ck_assert_str_eq(json_string_value(obj(n, "image", JSON_STRING)), "labnode");
	ck_assert_str_eq(json_string_value(obj(n, "address", JSON_STRING)), "10.213.7.5");
	ck_assert_int_eq(num(obj(n, "exit", JSON_OBJECT), "code"), 1);
	ck_assert_int_eq(num(n, "restarts"), 0);
	n = json_array_get(json_object_get(root, "nodes"), 2); /* killed, then restarted */
	ck_assert_int_eq(num(n, "restarts"), 1);
	ck_assert_str_eq(json_string_value(obj(obj(n, "exit", JSON_OBJECT), "signal", JSON_STRING)),
			 "KILL");
	ck_assert(json_is_null(
	    json_object_get(json_array_get(json_object_get(root, "nodes"), 0), "exit")));
	ck_assert_int_eq(json_array_size(obj(root, "messages", JSON_ARRAY)), 11);
	m = json_array_get(json_object_get(root, "messages"), 1);
	ck_assert_str_eq(json_string_value(obj(m, "id", JSON_STRING)), "m2");
	ck_assert_str_eq(json_string_value(obj(m, "traffic", JSON_STRING)), "chat");
	ck_assert_str_eq(json_string_value(obj(m, "kind", JSON_STRING)), "dm");
	ck_assert_str_eq(json_string_value(obj(m, "from", JSON_STRING)), "alice");
	ck_assert_str_eq(json_string_value(obj(m, "to", JSON_STRING)), "bob");
	ck_assert_str_eq(json_string_value(obj(m, "hash", JSON_STRING)), "0xaa02");
	ck_assert_double_eq_tol(num(m, "sent_ms"), 2000, 1e-9);
	ck_assert_double_eq_tol(num(m, "received_ms"), 2100, 1e-9);
	ck_assert_int_eq(num(m, "copies"), 2);
	ck_assert_str_eq(json_string_value(obj(m, "status", JSON_STRING)), "delivered");
	m = json_array_get(json_object_get(root, "messages"), 8);
	ck_assert_str_eq(json_string_value(obj(m, "status", JSON_STRING)), "lost");
	ck_assert_str_eq(json_string_value(obj(m, "last_seen", JSON_STRING)), "bob");
	m = json_array_get(obj(obj(root, "breakdowns", JSON_OBJECT), "traffic", JSON_ARRAY), 2);
	ck_assert_str_eq(json_string_value(obj(m, "name", JSON_STRING)), "side");
	ck_assert_int_eq(num(m, "lost"), 2);
	ck_assert(json_is_null(json_object_get(obj(m, "latency_ms", JSON_OBJECT), "p95")));
	env = obj(root, "environment", JSON_OBJECT);
	ck_assert_str_eq(json_string_value(obj(env, "kernel", JSON_STRING)), "6.1.0-test");
	ck_assert(json_is_false(json_object_get(env, "netem")));
	ck_assert_str_eq(json_string_value(obj(env, "delay_engine", JSON_STRING)), "nfqueue");
	ck_assert_str_eq(json_string_value(obj(env, "freezer", JSON_STRING)), "cgroup2");
	ck_assert(json_is_null(json_object_get(env, "docker")));
	json_decref(root);
}
END_TEST

/* A small XML reader: checks nesting, quoting and entities, and lists the elements with
 * their `message` attribute. Returns the element count, or -1 when malformed. */
struct xml_el {
	char name[32];
	char message[512];
};

static int xml_entity_ok(const char *p)
{
	static const char *const ents[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"};

	for (size_t i = 0; i < 5; i++)
		if (strncmp(p, ents[i], strlen(ents[i])) == 0)
			return 1;
	return 0;
}

static int xml_text_ok(const char *p, const char *end)
{
	for (; p < end; p++)
		if (*p == '&' && !xml_entity_ok(p))
			return 0;
	return 1;
}

static const char *xml_attrs(const char *p, struct xml_el *el, int *self_close)
{
	for (;;) {
		char name[32];
		const char *q;
		size_t n = 0;

		while (*p == ' ' || *p == '\n')
			p++;
		if (*p == '>' || (p[0] == '/' && p[1] == '>')) {
			*self_close = *p == '/';
			return p + (*self_close ? 2 : 1);
		}
		while (*p && *p != '=' && n < sizeof(name) - 1)
			name[n++] = *p++;
		name[n] = '\0';
		if (p[0] != '=' || p[1] != '"')
			return NULL;
		q = strchr(p + 2, '"');
		if (!q || memchr(p + 2, '<', (size_t)(q - p - 2)) || !xml_text_ok(p + 2, q))
			return NULL;
		if (strcmp(name, "message") == 0)
			snprintf(el->message, sizeof(el->message), "%.*s", (int)(q - p - 2), p + 2);
		p = q + 1;
	}
}

static int xml_parse(const char *s, struct xml_el *els, int max)
{
	char stack[16][32];
	int depth = 0, n = 0;
	const char *p = s;

	if (strncmp(p, "<?xml", 5) == 0)
		p = strstr(p, "?>") + 2;
	while ((p = strchr(p, '<'))) {
		const char *e = strchr(p, '>'), *next;
		int self_close = 0;
		size_t nl;

		if (!e)
			return -1;
		if (p[1] == '/') {
			nl = strcspn(p + 2, ">");
			if (depth == 0 || strncmp(stack[depth - 1], p + 2, nl) != 0)
				return -1;
			depth--;
			p = e + 1;
		} else {
			if (n == max || depth == 16)
				return -1;
			memset(&els[n], 0, sizeof(els[n]));
			nl = strcspn(p + 1, " />");
			snprintf(els[n].name, sizeof(els[n].name), "%.*s", (int)nl, p + 1);
			p = xml_attrs(p + 1 + nl, &els[n], &self_close);
			if (!p)
				return -1;
			if (!self_close)
				snprintf(stack[depth++], sizeof(stack[0]), "%s", els[n].name);
			n++;
		}
		next = strchr(p, '<');
		if (!xml_text_ok(p, next ? next : p + strlen(p)))
			return -1;
	}
	return depth == 0 ? n : -1;
}

static int count(const char *s, const char *needle)
{
	int c = 0;

	while ((s = strstr(s, needle))) {
		c++;
		s += strlen(needle);
	}
	return c;
}

static int xml_count(const struct xml_el *els, int n, const char *name)
{
	int c = 0;

	for (int i = 0; i < n; i++)
		c += strcmp(els[i].name, name) == 0;
	return c;
}

START_TEST(test_junit)
{
	struct xml_el els[64];
	char *xml;
	int n, found = 0;

	ck_assert_int_eq(run_dir("mixed"), 1);
	xml = slurp("junit.xml");
	n = xml_parse(xml, els, 64);
	ck_assert_msg(n > 0, "junit.xml is not well-formed:\n%s", xml);
	ck_assert_int_eq(xml_count(els, n, "testsuite"), 1);
	ck_assert_int_eq(xml_count(els, n, "testcase"), 11);
	ck_assert_int_eq(xml_count(els, n, "failure"), 5);
	for (int i = 0; i < n; i++) {
		if (strcmp(els[i].name, "failure") || strncmp(els[i].message, "duplicates", 10))
			continue;
		/* the measured value and the threshold */
		ck_assert_str_eq(els[i].message, "duplicates: measured 1 (max 0)");
		found = 1;
	}
	ck_assert(found);
	ck_assert_ptr_nonnull(strstr(xml, "message=\"delivery: measured 72.73% (min 99%)\""));
	free(xml);
	ck_assert_int_eq(run_dir("clean"), 0);
	xml = slurp("junit.xml");
	n = xml_parse(xml, els, 64);
	ck_assert_int_eq(xml_count(els, n, "testcase"), 6);
	ck_assert_int_eq(xml_count(els, n, "failure"), 0);
	free(xml);
	xml = slurp("summary.md"); /* the resource table, busiest first, unknowns as — */
	ck_assert_ptr_nonnull(
	    strstr(xml, "| a | 1.2 s | 8.7 MiB | 2.2 KiB | 2.4 KiB |\n| b | — |"));
	free(xml);
}
END_TEST

START_TEST(test_summary_and_html)
{
	char *md, *html;

	ck_assert_int_eq(run_dir("mixed"), 1);
	md = slurp("summary.md");
	ck_assert_ptr_nonnull(strstr(md, "### faultlab: mixed — ❌ fail"));
	ck_assert_ptr_nonnull(strstr(md, "| ❌ | `duplicates` | 1 (max 0) |"));
	ck_assert_ptr_nonnull(strstr(md, "| m8 | alice → carol | 47.0 s | `0xaa08` | bob |"));
	ck_assert_ptr_nonnull(strstr(md, "dave at 55.0 s: exit code 1 (**unexpected**)"));
	/* the worst fault first: the kill that never recovered */
	ck_assert_ptr_nonnull(strstr(md, "| f3 (f3) | kill | carol | 0 | 0 | never |"));
	html = slurp("report.html");
	ck_assert_ptr_nonnull(strstr(html, "<svg id=\"timeline\""));
	ck_assert_ptr_nonnull(strstr(html, "<svg id=\"latency\""));
	ck_assert_ptr_nonnull(strstr(html, "<svg id=\"nodemap\""));
	ck_assert_ptr_null(strstr(html, "<script"));
	ck_assert_int_eq(count(html, "http"),
			 count(html, "http://www.w3.org/2000/svg")); /* offline */
	free(md);
	free(html);
}
END_TEST

START_TEST(test_empty_run)
{
	char *html;

	ck_assert_int_eq(run_dir("empty"), 0);
	html = slurp("report.html");
	ck_assert_ptr_nonnull(strstr(html, "<span id=\"verdict\" class=\"pass\">pass</span>"));
	free(html);
}
END_TEST

/* nodes[].mesh: dave journalled two topics' gossipsub mesh (the jswaku events lines); one came
 * back after the faults, the other stayed empty; the others journalled none. */
START_TEST(test_report_mesh)
{
	json_error_t jerr;
	json_t *root, *nodes, *dave = NULL, *a, *b;
	char path[128];
	char *html;

	ck_assert_int_eq(run_dir("mixed"), 1);
	snprintf(path, sizeof(path), "%s/report.json", outdir);
	root = json_load_file(path, 0, &jerr);
	ck_assert_msg(root != NULL, "report.json: %s", jerr.text);
	nodes = obj(root, "nodes", JSON_ARRAY);
	for (size_t i = 0; i < json_array_size(nodes); i++) {
		json_t *n = json_array_get(nodes, i);

		if (strcmp(json_string_value(obj(n, "name", JSON_STRING)), "dave") == 0)
			dave = n;
		else
			ck_assert(json_is_null(json_object_get(n, "mesh")));
	}
	ck_assert_ptr_nonnull(dave);
	ck_assert_int_eq(json_array_size(obj(dave, "mesh", JSON_ARRAY)), 2);
	a = json_array_get(json_object_get(dave, "mesh"), 0);
	b = json_array_get(json_object_get(dave, "mesh"), 1);
	ck_assert_str_eq(json_string_value(obj(a, "topic", JSON_STRING)),
			 "/waku/2/default-waku/proto");
	ck_assert_int_eq(json_integer_value(obj(a, "last", JSON_INTEGER)), 1);
	ck_assert_int_eq(json_integer_value(obj(a, "min_after_fault", JSON_INTEGER)), 0);
	ck_assert_int_eq(json_integer_value(obj(a, "max_after_fault_end", JSON_INTEGER)), 1);
	ck_assert(json_is_null(json_object_get(a, "empty_since_ms")));
	ck_assert_int_eq(json_array_size(obj(a, "timeline", JSON_ARRAY)), 5);
	ck_assert_int_eq(json_integer_value(obj(b, "last", JSON_INTEGER)), 0);
	ck_assert_int_eq(json_integer_value(obj(b, "max_after_fault_end", JSON_INTEGER)), 0);
	ck_assert_double_eq_tol(num(b, "empty_since_ms"), 12000, 1e-9);
	json_decref(root);
	html = slurp("report.html");
	ck_assert_ptr_nonnull(strstr(html, "<h2>Relay mesh</h2>"));
	ck_assert_ptr_nonnull(strstr(html, "<svg id=\"mesh\""));
	free(html);
}
END_TEST

/* report.json of every hand-built run under tests/data/runs/ validates against
 * reports/report.schema.json, and the validator does reject a report that breaks it (a
 * missing field, an unknown one). */
START_TEST(test_report_schema)
{
	char dir[160], msg[4096], *text, *p;
	glob_t g;
	FILE *f;

	ck_assert_int_eq(glob("tests/data/runs/*", GLOB_ONLYDIR, NULL, &g), 0);
	ck_assert_uint_ge(g.gl_pathc, 5);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct analyze_opts o = {.quiet = 1, .out = dir};
		struct fl_error err = {0};
		int verdict;

		snprintf(dir, sizeof(dir), "%s/%s", outdir, strrchr(g.gl_pathv[i], '/') + 1);
		ck_assert_msg(analyze_run_dir(g.gl_pathv[i], &o, &verdict, NULL, &err) == 0,
			      "%s: %s", g.gl_pathv[i], err.msg);
		ck_assert_int_eq(test_reports_valid(dir), 1);
	}
	globfree(&g);
	text = slurp("mixed/report.json");
	p = strstr(text, "\"verdict\": \"fail\"");
	ck_assert_ptr_nonnull(p);
	memcpy(p, "\"verdikt\"", 9); /* an unknown key, and "verdict" missing */
	snprintf(dir, sizeof(dir), "%s/broken", outdir);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	snprintf(dir, sizeof(dir), "%s/broken/report.json", outdir);
	f = fopen(dir, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	free(text);
	ck_assert_int_eq(test_reports_check(dir, msg, sizeof(msg)), -1);
	ck_assert_msg(strstr(msg, "'verdict' is a required property") &&
			  strstr(msg, "'verdikt' was unexpected"),
		      "%s", msg);
}
END_TEST

Suite *render_suite(void)
{
	Suite *s = suite_create("render");
	TCase *tc = tcase_create("reports");

	tcase_add_checked_fixture(tc, setup, teardown);
	/* test_report_schema runs the Python validator once per hand-built run (~0.3 s each when
	 * idle): Check's 4 s default was hit on a host loaded by other runs */
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_report_json);
	tcase_add_test(tc, test_driver_warning);
	tcase_add_test(tc, test_junit);
	tcase_add_test(tc, test_summary_and_html);
	tcase_add_test(tc, test_empty_run);
	tcase_add_test(tc, test_report_schema);
	tcase_add_test(tc, test_report_mesh);
	suite_add_tcase(s, tc);
	return s;
}
