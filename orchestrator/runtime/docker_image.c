/* Shipped images: find the tool and its input, compare fingerprints, build, remove. */
#include "orchestrator/runtime/docker_image.h"

#include "common/cleanup.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

const struct image_desc *docker_image_find(const char *name_or_ref)
{
	const struct image_desc *k;

	for (size_t i = 0; (k = image_at(i)); i++)
		if (k->tool &&
		    (strcmp(k->name, name_or_ref) == 0 || strcmp(k->docker_ref, name_or_ref) == 0))
			return k;
	return NULL;
}

const char *docker_image_state_name(enum docker_image_state s)
{
	static const char *const names[] = {"missing", "stale", "current"};

	return names[s];
}

/* The folder of our own executable. */
static int image_self_dir(char *out, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", out, len - 1);
	char *slash;

	if (n <= 0)
		return -1;
	out[n] = '\0';
	slash = strrchr(out, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	return 0;
}

/* The tool (installed: faultlab-<tool> beside us; build tree: ../tools/<tool>) and its input
 * ($env, else beside us). */
static int image_paths(const struct image_desc *k, char *tool, char *input, size_t len,
		       struct fl_error *err)
{
	char self[PATH_MAX];
	const char *env = getenv(k->input_env);

	if (image_self_dir(self, sizeof(self)) < 0)
		return fl_err(err, "cannot find faultlab's own folder: %s", strerror(errno));
	snprintf(tool, len, "%.3900s/faultlab-%s", self, k->tool);
	if (access(tool, X_OK) < 0)
		snprintf(tool, len, "%.3900s/../tools/%s", self, k->tool);
	if (access(tool, X_OK) < 0)
		return fl_err(err, "no %s beside %s/faultlab (nor in ../tools) to build image %s",
			      k->tool, self, k->docker_ref);
	if (env && *env)
		snprintf(input, len, "%s", env);
	else
		snprintf(input, len, "%.3900s/%s", self, k->input);
	if (access(input, R_OK) < 0)
		return fl_err(err, "cannot read %s to build image %s: %s", input, k->docker_ref,
			      strerror(errno));
	return 0;
}

/* Runs argv; its stdout goes to out (when out_len > 0, first line kept) or to our stderr. */
static int image_exec(char *const argv[], char *out, size_t out_len, struct fl_error *err)
{
	int pfd[2] = {-1, -1}, status;
	pid_t pid;

	if (out_len && pipe2(pfd, O_CLOEXEC) < 0)
		return fl_err(err, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		return fl_err(err, "fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(out_len ? pfd[1] : 2, 1);
		execv(argv[0], argv);
		_exit(127);
	}
	if (out_len) {
		FILE *f;

		close(pfd[1]);
		f = fdopen(pfd[0], "r");
		out[0] = '\0';
		if (f) {
			if (fgets(out, (int)out_len, f))
				out[strcspn(out, "\n")] = '\0';
			while (fgetc(f) != EOF)
				;
			fclose(f);
		} else {
			close(pfd[0]);
		}
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return fl_err(err, "%s failed (%s %d)", argv[0],
			      WIFEXITED(status) ? "exit" : "signal",
			      WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	return 0;
}

/* The image's faultlab.fingerprint label; "" when it has none; 404 → *missing. */
static int image_label(struct docker_api *api, const char *ref, int *missing, char *fp, size_t len,
		       struct fl_error *err)
{
	char path[512];
	cleanup_free char *resp = NULL;
	long status;
	json_t *root, *v;

	snprintf(path, sizeof(path), "/images/%s/json", ref);
	if (docker_api_call(api, "GET", path, NULL, &status, &resp, err) < 0)
		return -1;
	*missing = status == 404;
	fp[0] = '\0';
	if (*missing)
		return 0;
	if (status != 200)
		return fl_err(err, "inspect image %s: HTTP %ld", ref, status);
	root = json_loads(resp ? resp : "", 0, NULL);
	v = json_object_get(json_object_get(json_object_get(root, "Config"), "Labels"),
			    "faultlab.fingerprint");
	if (json_is_string(v))
		snprintf(fp, len, "%s", json_string_value(v));
	json_decref(root);
	return 0;
}

int docker_image_state(struct docker_api *api, const struct image_desc *k,
		       enum docker_image_state *state, char *fp, size_t fp_len,
		       struct fl_error *err)
{
	char tool[PATH_MAX], input[PATH_MAX], have[128];
	int missing;

	if (image_paths(k, tool, input, sizeof(tool), err) < 0)
		return -1;
	if (image_exec((char *[]){tool, "--fingerprint", input, NULL}, fp, fp_len, err) < 0)
		return fl_wrap(err, "fingerprint of image %s", k->docker_ref);
	if (image_label(api, k->docker_ref, &missing, have, sizeof(have), err) < 0)
		return -1;
	*state = missing		 ? DOCKER_IMAGE_MISSING
		 : strcmp(have, fp) == 0 ? DOCKER_IMAGE_CURRENT
					 : DOCKER_IMAGE_STALE;
	return 0;
}

int docker_image_build(const struct image_desc *k, struct fl_error *err)
{
	char tool[PATH_MAX], input[PATH_MAX];

	if (image_paths(k, tool, input, sizeof(tool), err) < 0)
		return -1;
	if (image_exec((char *[]){tool, input, (char *)k->docker_ref, NULL}, NULL, 0, err) < 0)
		return fl_wrap(err, "build image %s", k->docker_ref);
	return 0;
}

int docker_image_remove(struct docker_api *api, const struct image_desc *k, struct fl_error *err)
{
	char path[512], msg[256];
	cleanup_free char *resp = NULL;
	long status;

	snprintf(path, sizeof(path), "/images/%s", k->docker_ref);
	if (docker_api_call(api, "DELETE", path, NULL, &status, &resp, err) < 0)
		return -1;
	if (status != 200 && status != 404)
		return fl_err(err, "remove image %s: HTTP %ld: %s", k->docker_ref, status,
			      docker_api_message(resp, msg, sizeof(msg)));
	return 0;
}

int docker_image_ensure(struct docker_api *api, const char *ref, struct fl_error *err)
{
	const struct image_desc *k = docker_image_find(ref);
	enum docker_image_state state;
	char fp[128];
	int missing;

	if (!k) {
		if (image_label(api, ref, &missing, fp, sizeof(fp), err) < 0)
			return -1;
		if (missing)
			return fl_err(err,
				      "image %s is not on this host (docker pull or docker "
				      "load it first)",
				      ref);
		return 0;
	}
	if (docker_image_state(api, k, &state, fp, sizeof(fp), err) < 0)
		return -1;
	if (state == DOCKER_IMAGE_CURRENT)
		return 0;
	log_info("image %s is %s: building it (fingerprint %s)", k->docker_ref,
		 docker_image_state_name(state), fp);
	if (docker_image_build(k, err) < 0)
		return -1;
	if (docker_image_state(api, k, &state, fp, sizeof(fp), err) < 0)
		return -1;
	if (state != DOCKER_IMAGE_CURRENT)
		return fl_err(err, "image %s is still %s after building it", k->docker_ref,
			      docker_image_state_name(state));
	return 0;
}
