/* The Docker images faultlab ships (labnode, jswaku): the built-in images of the image table
 * (drivers/image.c, one entry per image: its driver and how to build it), built locally, with
 * no registry, by a tools/image-<name> script, and labelled faultlab.fingerprint (a hash of
 * what went in, which the script prints with --fingerprint). The docker runtime builds a
 * shipped image that is missing or stale before it deploys; `faultlab image build|ls|rm` does
 * it by hand. */
#ifndef FL_RUNTIME_DOCKER_IMAGE_H
#define FL_RUNTIME_DOCKER_IMAGE_H

#include "orchestrator/drivers/image.h"
#include "orchestrator/runtime/docker_api.h"

#include "common/error.h"

#include <stddef.h>

enum docker_image_state {
	DOCKER_IMAGE_MISSING,
	DOCKER_IMAGE_STALE, /* present, but built from other inputs */
	DOCKER_IMAGE_CURRENT,
};

/* The shipped image with that name or reference, or NULL (every one: image_at). */
const struct image_desc *docker_image_find(const char *name_or_ref);
const char *docker_image_state_name(enum docker_image_state s);

/* Where k's image stands on this host; fp gets the fingerprint of today's inputs. */
int docker_image_state(struct docker_api *api, const struct image_desc *k,
		       enum docker_image_state *state, char *fp, size_t fp_len,
		       struct fl_error *err);
/* Builds k's image with its tool, whose progress goes to stderr. */
int docker_image_build(const struct image_desc *k, struct fl_error *err);
/* Removes k's image (0 when it was not there). */
int docker_image_remove(struct docker_api *api, const struct image_desc *k, struct fl_error *err);
/* A node's image before deployment: a shipped image is built when missing or stale (saying
 * so on the log); any other image must be on this host. */
int docker_image_ensure(struct docker_api *api, const char *ref, struct fl_error *err);

#endif
