/* faultlab image build [NAME...] | ls | rm [NAME...]: the Docker images faultlab ships
 * (labnode, …), built locally from this build's binaries with no registry. `ls` says whether
 * each is current, stale (built from other inputs) or missing; the docker runtime builds
 * missing and stale ones by itself before a run. */
#include "orchestrator/cli/cli.h"
#include "orchestrator/runtime/docker_image.h"

#include <stdio.h>
#include <string.h>

typedef int (*image_fn)(struct docker_api *api, const struct image_desc *k);

static int image_build(struct docker_api *api, const struct image_desc *k)
{
	struct fl_error err;

	fprintf(stderr, "faultlab image: building %s\n", k->docker_ref);
	if (docker_image_build(k, &err) < 0) {
		fprintf(stderr, "faultlab image: %s\n", err.msg);
		return FL_EXIT_ENV;
	}
	return FL_EXIT_OK;
}

static int image_rm(struct docker_api *api, const struct image_desc *k)
{
	struct fl_error err;

	if (docker_image_remove(api, k, &err) < 0) {
		fprintf(stderr, "faultlab image: %s\n", err.msg);
		return FL_EXIT_ENV;
	}
	printf("removed %s\n", k->docker_ref);
	return FL_EXIT_OK;
}

static int image_ls_one(struct docker_api *api, const struct image_desc *k)
{
	enum docker_image_state state;
	struct fl_error err;
	char fp[128];

	if (docker_image_state(api, k, &state, fp, sizeof(fp), &err) < 0) {
		fprintf(stderr, "faultlab image: %s\n", err.msg);
		return FL_EXIT_ENV;
	}
	printf("%-10s %-28s %-8s %s\n", k->name, k->docker_ref, docker_image_state_name(state), fp);
	return FL_EXIT_OK;
}

/* Applies fn to the named images (every shipped one when none is named). */
static int image_each(struct docker_api *api, int argc, char **argv, image_fn fn)
{
	int rc = FL_EXIT_OK, r;

	for (int i = 0; i < argc; i++)
		if (!docker_image_find(argv[i])) {
			fprintf(stderr, "faultlab image: \"%s\" is not an image faultlab ships (",
				argv[i]);
			for (size_t j = 0; image_at(j); j++)
				fprintf(stderr, "%s%s", j ? ", " : "", image_at(j)->name);
			fprintf(stderr, ")\n");
			return FL_EXIT_INVALID;
		}
	if (argc == 0)
		for (size_t j = 0; image_at(j); j++)
			rc = (r = fn(api, image_at(j))) > rc ? r : rc;
	for (int i = 0; i < argc; i++)
		rc = (r = fn(api, docker_image_find(argv[i]))) > rc ? r : rc;
	return rc;
}

int cli_image(int argc, char **argv)
{
	static const struct {
		const char *name;
		image_fn fn;
		int takes_names;
	} subs[] = {{"build", image_build, 1}, {"ls", image_ls_one, 0}, {"rm", image_rm, 1}};
	struct docker_api api;
	struct fl_error err;

	for (size_t i = 0; argc >= 2 && i < sizeof(subs) / sizeof(subs[0]); i++) {
		if (strcmp(argv[1], subs[i].name) != 0)
			continue;
		if (!subs[i].takes_names && argc > 2)
			return cli_usage("image");
		if (docker_api_open(&api, &err) < 0) {
			fprintf(stderr, "faultlab image: %s\n", err.msg);
			return FL_EXIT_ENV;
		}
		if (subs[i].fn == image_ls_one)
			printf("%-10s %-28s %-8s %s\n", "NAME", "REFERENCE", "STATE",
			       "FINGERPRINT");
		return image_each(&api, argc - 2, argv + 2, subs[i].fn);
	}
	return cli_usage("image");
}
