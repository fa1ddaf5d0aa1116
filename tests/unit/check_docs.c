/* The contracts in docs/ stay tied to the code they describe: SCENARIO.md's full example is,
 * byte for byte, tests/data/scenarios/full-example.yaml (which check_scenario.c parses), and
 * no page, README or source points at design documents outside the repository. */
#include <check.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *docs_slurp(const char *path)
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
	return buf;
}

START_TEST(test_scenario_example_is_the_tested_file)
{
	char *doc = docs_slurp("docs/SCENARIO.md");
	char *yaml = docs_slurp("tests/data/scenarios/full-example.yaml");
	char *start = strstr(doc, "```yaml\n"), *end;

	ck_assert_msg(start != NULL, "docs/SCENARIO.md has no ```yaml block");
	start += 8;
	end = strstr(start, "```\n");
	ck_assert_ptr_nonnull(end);
	*end = '\0';
	ck_assert_msg(strcmp(start, yaml) == 0,
		      "the full example of docs/SCENARIO.md differs from "
		      "tests/data/scenarios/full-example.yaml: change both");
	free(doc);
	free(yaml);
}
END_TEST

/* Every document and source the repository ships, searched for a pointer out of it. */
START_TEST(test_no_pointer_outside_the_repository)
{
	static const char *const patterns[] = {"docs/*.md",  "*.md",	 "*/*.md",    "*/*/*.md",
					       "*/*/*.[ch]", "*/*.[ch]", "*/*/*/*.md"};
	/* split, so that `git grep` for them finds nothing in the tree, this file included */
	static const char *const bad[] = {"../"
					  "shared",
					  "shared"
					  "/design",
					  "/wo"
					  "rk/"};
	int files = 0;

	for (size_t p = 0; p < sizeof(patterns) / sizeof(patterns[0]); p++) {
		glob_t g;

		if (glob(patterns[p], 0, NULL, &g) != 0)
			continue;
		for (size_t i = 0; i < g.gl_pathc; i++) {
			char *text;

			if (strncmp(g.gl_pathv[i], "build/", 6) == 0)
				continue;
			text = docs_slurp(g.gl_pathv[i]);
			for (size_t b = 0; b < sizeof(bad) / sizeof(bad[0]); b++)
				ck_assert_msg(!strstr(text, bad[b]),
					      "%s points outside the repository (%s)",
					      g.gl_pathv[i], bad[b]);
			free(text);
			files++;
		}
		globfree(&g);
	}
	ck_assert_int_ge(files, 100);
}
END_TEST

Suite *docs_suite(void)
{
	Suite *s = suite_create("docs");
	TCase *tc = tcase_create("contracts");

	tcase_add_test(tc, test_scenario_example_is_the_tested_file);
	tcase_add_test(tc, test_no_pointer_outside_the_repository);
	suite_add_tcase(s, tc);
	return s;
}
