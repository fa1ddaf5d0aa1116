/* plan.json byte for byte against the golden files in tests/data/plans/: `faultlab plan S
 * --seed N` of every scenario of scenarios/ (and tests/data/scenarios/) must print exactly
 * tests/data/plans/<S>-seed<N>.json, on any build and any machine (docs/FORMATS.md: the plan is
 * a pure function of scenario and seed). After a deliberate change of the plan, regenerate
 * them as tests/data/plans/README.md says and review the diff. */
#include "tests/util_test.h"

#include <check.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *golden_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	ck_assert_msg(f != NULL, "open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(fread(buf, 1, (size_t)n, f), n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* The scenario a golden file is of: scenarios/<name>.yaml, else tests/data/scenarios/. */
static int golden_scenario(const char *golden, char *scen, size_t len, unsigned *seed)
{
	const char *base = strrchr(golden, '/') + 1;
	const char *s = strstr(base, "-seed");
	FILE *f;

	ck_assert_msg(s && sscanf(s, "-seed%u.json", seed) == 1, "%s: not <scenario>-seed<N>.json",
		      golden);
	snprintf(scen, len, "scenarios/%.*s.yaml", (int)(s - base), base);
	if ((f = fopen(scen, "r")))
		return fclose(f), 0;
	snprintf(scen, len, "tests/data/scenarios/%.*s.yaml", (int)(s - base), base);
	if ((f = fopen(scen, "r")))
		return fclose(f), 0;
	return -1;
}

START_TEST(test_plans_match_golden)
{
	static char out[1 << 20];
	glob_t g;
	int checked = 0;

	ck_assert_int_eq(glob("tests/data/plans/*.json", 0, NULL, &g), 0);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		char scen[256];
		unsigned seed;
		size_t want_len, at = 0;
		char *want = golden_slurp(g.gl_pathv[i], &want_len);
		int rc;

		ck_assert_msg(golden_scenario(g.gl_pathv[i], scen, sizeof(scen), &seed) == 0,
			      "%s: no scenario of that name", g.gl_pathv[i]);
		rc = test_sh_out(out, sizeof(out), "build/faultlab plan %s --seed %u", scen, seed);
		ck_assert_msg(rc == 0, "faultlab plan %s --seed %u: exit %d", scen, seed, rc);
		while (at < want_len && out[at] == want[at])
			at++;
		if (at != want_len || out[at] != '\0') {
			size_t line = 1, bol = at; /* the line where they part */

			for (size_t k = 0; k < at; k++)
				line += want[k] == '\n';
			while (bol > 0 && want[bol - 1] != '\n')
				bol--;
			ck_abort_msg("faultlab plan %s --seed %u differs from %s at line %zu:\n"
				     "  got:  %.*s\n  want: %.*s",
				     scen, seed, g.gl_pathv[i], line, (int)strcspn(out + bol, "\n"),
				     out + bol, (int)strcspn(want + bol, "\n"), want + bol);
		}
		free(want);
		checked++;
	}
	globfree(&g);
	ck_assert_int_ge(checked, 6);
}
END_TEST

/* Every scenario of the library has its golden plan. */
START_TEST(test_every_scenario_has_a_golden_plan)
{
	glob_t g;

	ck_assert_int_eq(glob("scenarios/*.yaml", 0, NULL, &g), 0);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *base = strrchr(g.gl_pathv[i], '/') + 1;
		char path[256];
		FILE *f;

		snprintf(path, sizeof(path), "tests/data/plans/%.*s-seed7.json",
			 (int)(strlen(base) - 5), base);
		f = fopen(path, "r");
		ck_assert_msg(f != NULL, "%s has no golden plan %s", g.gl_pathv[i], path);
		fclose(f);
	}
	ck_assert_int_ge(g.gl_pathc, 5);
	globfree(&g);
}
END_TEST

Suite *plan_golden_suite(void)
{
	Suite *s = suite_create("plan_golden");
	TCase *tc = tcase_create("golden");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_plans_match_golden);
	tcase_add_test(tc, test_every_scenario_has_a_golden_plan);
	suite_add_tcase(s, tc);
	return s;
}
