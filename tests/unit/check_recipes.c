/* The real-node recipes (images/nwaku, images/go-waku, images/status-cli): each scenario of
 * scenarios/real/ is valid, runs its image under the driver its recipe documents, and gives
 * the flags the recipe says the node needs; each recipe names its sources and its scenario. */
#include "orchestrator/scenario/scenario.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *scenario, *recipe, *driver;
	const char *flags[6]; /* each must be an argument of every node */
	const char *cites[3]; /* the recipe names these sources */
} recipes[] = {
    {"scenarios/real/nwaku-smoke.yaml",
     "images/nwaku/README.md",
     "waku-rest",
     {"--rest=true", "--rest-address=0.0.0.0", "--rest-admin=true", "--cluster-id=42",
      "--num-shards-in-network=1", "--shard=0"},
     {"external_config.nim", "v0.36.0", "message_cache.nim"}},
    {"scenarios/real/go-waku-smoke.yaml",
     "images/go-waku/README.md",
     "waku-rest",
     {"--rest=true", "--rest-address=0.0.0.0", "--rest-admin=true", "--cluster-id=1",
      "--relay=true", "--ext-ip=@ADDR@"},
     {"cmd/waku/flags.go", "v0.9.0", "shard.go"}},
    {"scenarios/real/status-cli-smoke.yaml",
     "images/status-cli/README.md",
     "status-cli",
     {"-f", "status.staging"},
     {"c72f491", "status-cli-tests", "util.go"}},
};

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	ck_assert_msg(f != NULL, "%s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	ck_assert_int_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

static int has_arg(const struct scenario_node *n, const char *flag)
{
	for (size_t i = 0; i < n->args.n; i++)
		if (strcmp(n->args.v[i], flag) == 0)
			return 1;
	return 0;
}

START_TEST(recipe)
{
	struct scenario_errors errs;
	struct scenario sc;
	char line[1024] = "";
	char *readme = slurp(recipes[_i].recipe);
	const char *base = strrchr(recipes[_i].scenario, '/') + 1;

	if (scenario_load(recipes[_i].scenario, &sc, &errs) < 0)
		scenario_errors_format(&errs, 0, line, sizeof(line));
	ck_assert_msg(errs.n == 0, "%s", line);
	ck_assert_uint_eq(sc.n_images, 1);
	ck_assert_str_eq(sc.images[0].driver, recipes[_i].driver);
	ck_assert_ptr_nonnull(sc.images[0].image);
	for (size_t k = 0; k < sc.n_nodes; k++) {
		ck_assert_str_eq(sc.nodes[k].image, sc.images[0].name);
		for (size_t f = 0; f < 6 && recipes[_i].flags[f]; f++) {
			ck_assert_msg(has_arg(&sc.nodes[k], recipes[_i].flags[f]),
				      "%s: %s lacks %s", recipes[_i].scenario, sc.nodes[k].name,
				      recipes[_i].flags[f]);
			ck_assert_msg(strstr(readme, recipes[_i].flags[f]),
				      "%s does not explain %s", recipes[_i].recipe,
				      recipes[_i].flags[f]);
		}
	}
	for (size_t c = 0; c < 3; c++)
		ck_assert_msg(strstr(readme, recipes[_i].cites[c]), "%s does not cite %s",
			      recipes[_i].recipe, recipes[_i].cites[c]);
	ck_assert_msg(strstr(readme, base), "%s does not name %s", recipes[_i].recipe, base);
	scenario_free(&sc);
	free(readme);
}
END_TEST

Suite *recipes_suite(void)
{
	Suite *s = suite_create("recipes");
	TCase *t = tcase_create("real");

	tcase_add_loop_test(t, recipe, 0, sizeof(recipes) / sizeof(recipes[0]));
	suite_add_tcase(s, t);
	return s;
}
