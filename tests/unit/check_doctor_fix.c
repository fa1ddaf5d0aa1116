/* doctor tells how to fix what is missing: every probe that can be missing has a command. */
#include "orchestrator/doctor/doctor.h"

#include <check.h>
#include <string.h>

START_TEST(every_capability_has_a_fix)
{
	static const char *const probes[] = {
	    "privileges", "netns",   "netem",	   "tbf",     "ifb",	"iptables-legacy",
	    "nft",	  "nfqueue", "freezer-v1", "cgroup2", "docker", "sock-diag"};

	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		ck_assert_msg(doctor_fix(probes[i]) && strlen(doctor_fix(probes[i])) > 8, "%s",
			      probes[i]);
	ck_assert_str_eq(doctor_fix("nfqueue"), "modprobe nfnetlink_queue xt_NFQUEUE");
	ck_assert_ptr_null(doctor_fix("kernel"));
}
END_TEST

Suite *doctor_fix_suite(void)
{
	Suite *s = suite_create("doctor_fix");
	TCase *t = tcase_create("fix");

	tcase_add_test(t, every_capability_has_a_fix);
	suite_add_tcase(s, t);
	return s;
}
