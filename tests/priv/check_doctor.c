/* faultlab doctor tells the truth: its netem verdict matches what tc itself gets in a scratch
 * namespace, and the engine it names follows from its findings. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static json_t *doctor_json(void)
{
	FILE *p = popen("build/faultlab doctor --json", "r");
	json_error_t jerr;
	json_t *o;

	ck_assert_ptr_nonnull(p);
	o = json_loadf(p, 0, &jerr);
	pclose(p);
	ck_assert_msg(o != NULL, "doctor --json is not JSON: %s", jerr.text);
	return o;
}

/* Does tc manage to add a netem qdisc in a fresh namespace? */
static int tc_has_netem(void)
{
	char cmd[256];
	int st;

	snprintf(cmd, sizeof(cmd),
		 "ip netns add fldoc%d && ip netns exec fldoc%d tc qdisc add dev lo root netem "
		 "delay 1ms >/dev/null 2>&1; r=$?; ip netns del fldoc%d; exit $r",
		 (int)getpid(), (int)getpid(), (int)getpid());
	st = system(cmd);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

START_TEST(test_doctor_netem_truth)
{
	json_t *o = doctor_json();
	int netem = json_is_true(json_object_get(o, "netem"));
	const char *engine = json_string_value(json_object_get(o, "delay_engine"));

	ck_assert_int_eq(netem, tc_has_netem());
	ck_assert_str_eq(engine, netem ? "netem" : "nfqueue");
	json_decref(o);
}
END_TEST

START_TEST(test_doctor_lists_every_probe)
{
	static const char *const names[] = {
	    "privileges", "netns",     "netem",	     "tbf",	"ifb",	  "iptables-legacy", "nft",
	    "nfqueue",	  "sock-diag", "freezer-v1", "cgroup2", "docker", "kernel"};
	json_t *o = doctor_json(), *probes = json_object_get(o, "probes");

	ck_assert_int_eq(json_array_size(probes), sizeof(names) / sizeof(names[0]));
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		json_t *p = json_array_get(probes, i);
		ck_assert_str_eq(json_string_value(json_object_get(p, "name")), names[i]);
		ck_assert(strlen(json_string_value(json_object_get(p, "detail"))) > 0);
		/* a missing capability says how to fix it */
		if (strcmp(json_string_value(json_object_get(p, "state")), "missing") == 0 &&
		    strcmp(names[i], "kernel") != 0)
			ck_assert(json_is_string(json_object_get(p, "fix")));
	}
	ck_assert(json_integer_value(
		      json_object_get(json_object_get(o, "limits"), "mem_available_kib")) > 0);
	ck_assert(json_is_true(json_object_get(o, "root")));
	json_decref(o);
}
END_TEST

START_TEST(test_doctor_text_names_the_fallback)
{
	FILE *p = popen("build/faultlab doctor", "r");
	char buf[8192];
	size_t n;

	ck_assert_ptr_nonnull(p);
	n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = '\0';
	ck_assert_int_eq(WEXITSTATUS(pclose(p)), 0);
	ck_assert_ptr_nonnull(strstr(buf, "delay engine: "));
	if (!tc_has_netem()) {
		ck_assert_ptr_nonnull(strstr(buf, "the NFQUEUE engine serves delay"));
		ck_assert_ptr_nonnull(strstr(buf, "fix: modprobe sch_netem"));
	}
	ck_assert_ptr_nonnull(strstr(buf, "host limits: "));
	ck_assert_ptr_nonnull(strstr(buf, " IPv4 neighbour entries (all namespaces"));
}
END_TEST

Suite *doctor_suite(void)
{
	Suite *s = suite_create("doctor");
	TCase *tc = tcase_create("probes");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_doctor_netem_truth);
	tcase_add_test(tc, test_doctor_lists_every_probe);
	tcase_add_test(tc, test_doctor_text_names_the_fallback);
	suite_add_tcase(s, tc);
	return s;
}
