/* Built-in node images: the names a scenario's `image:` may use without an `images:` entry.
 * One entry per image carries everything about it: which driver talks to it, what a runtime
 * starts (on a runtime with images (docker) its image reference, elsewhere (netns) its
 * driver's host program) and how the docker image is built locally, with no registry (a
 * tools/image-<name> script, whose --fingerprint the image's faultlab.fingerprint label must
 * match; runtime/docker_image.c). A new built-in image is one entry of image_table (image.c)
 * plus its build script; its driver one entry of the driver table. */
#ifndef FL_IMAGE_H
#define FL_IMAGE_H

#include <stddef.h>

struct image_desc {
	const char *name;	/* what a scenario writes: "labnode" */
	const char *driver;	/* a name of the driver table */
	const char *docker_ref; /* the image on a runtime with images */
	/* Building docker_ref: tools/<tool> (build tree) or faultlab-<tool> beside faultlab,
	 * given its input: $input_env when set, else `input` beside faultlab. */
	const char *tool;      /* "image-labnode" */
	const char *input;     /* "labnode" */
	const char *input_env; /* "FL_LABNODE" */
};

/* The built-in image by name; NULL when the name is not one (a scenario `images:` key, or an
 * image reference of a plan). */
const struct image_desc *image_find(const char *name);
/* The i-th built-in image, NULL past the end. */
const struct image_desc *image_at(size_t i);
/* The image of a node that names none (labnode). */
const struct image_desc *image_default(void);
/* "labnode" (or "a, b or c"), for messages. */
const char *image_names(void);

#endif
