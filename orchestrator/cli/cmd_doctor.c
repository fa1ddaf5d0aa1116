/* faultlab doctor [--json]: one line per capability, what faultlab will use, the fallback. */
#include "orchestrator/cli/cli.h"
#include "orchestrator/doctor/doctor.h"
#include "orchestrator/doctor/limits.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static const char *const state_words[] = {"ok", "missing", "skipped"};

static void doctor_print_text(const struct doctor_report *r, const struct host_limits *h)
{
	printf("faultlab doctor: what this host gives the lab\n");
	for (int i = 0; i < r->n; i++) {
		const struct doctor_probe *p = &r->probes[i];

		printf("  %-8s %-16s %s", state_words[p->state], p->name, p->detail);
		if (p->use[0])
			printf("  → %s", p->use);
		printf("\n");
		if (p->state == DOCTOR_MISSING && doctor_fix(p->name))
			printf("  %-8s %-16s fix: %s\n", "", "", doctor_fix(p->name));
	}
	printf("delay engine: %s; freezer: %s; docker: %s\n", r->delay_engine, r->freezer,
	       r->docker_api[0] ? r->docker_api : "none");
	printf("host limits: %.1f GiB memory available, %llu open files, %llu of %llu tasks, "
	       "%llu of %llu IPv4 neighbour entries (all namespaces; permanent ones included)\n",
	       (double)h->mem_available_kib / 1048576.0, (unsigned long long)h->nofile,
	       (unsigned long long)h->tasks_used, (unsigned long long)h->tasks_max,
	       (unsigned long long)h->neigh_used, (unsigned long long)h->neigh_max);
}

static void doctor_print_json(const struct doctor_report *r, const struct host_limits *h)
{
	json_t *o = json_object(), *probes = json_array();

	for (int i = 0; i < r->n; i++) {
		const struct doctor_probe *p = &r->probes[i];

		const char *fix = p->state == DOCTOR_MISSING ? doctor_fix(p->name) : NULL;

		json_array_append_new(probes, json_pack("{s:s, s:s, s:b, s:s, s:s, s:o}", "name",
							p->name, "state", state_words[p->state],
							"ok", p->state == DOCTOR_OK, "detail",
							p->detail, "use", p->use, "fix",
							fix ? json_string(fix) : json_null()));
	}
	json_object_set_new(o, "probes", probes);
	json_object_set_new(o, "kernel", json_string(r->kernel));
	json_object_set_new(o, "root", json_boolean(r->root));
	json_object_set_new(o, "netem", json_boolean(r->netem));
	json_object_set_new(o, "delay_engine", json_string(r->delay_engine));
	json_object_set_new(o, "freezer", json_string(r->freezer));
	json_object_set_new(o, "docker",
			    r->docker_api[0] ? json_string(r->docker_api) : json_null());
	json_object_set_new(
	    o, "limits",
	    json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "mem_available_kib",
		      (json_int_t)h->mem_available_kib, "nofile", (json_int_t)h->nofile,
		      "tasks_used", (json_int_t)h->tasks_used, "tasks_max",
		      (json_int_t)h->tasks_max, "neigh_used", (json_int_t)h->neigh_used,
		      "neigh_max", (json_int_t)h->neigh_max));
	json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	printf("\n");
	json_decref(o);
}

int cli_doctor(int argc, char **argv)
{
	struct doctor_report r;
	struct host_limits h;
	int json = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else
			return cli_usage("doctor");
	}
	doctor_run(&r);
	limits_read(&h);
	if (json)
		doctor_print_json(&r, &h);
	else
		doctor_print_text(&r, &h);
	return r.root && r.netns ? FL_EXIT_OK : FL_EXIT_ENV;
}
