/* Built-in node images: the names a scenario's `image:` may use without an `images:` entry.
 * Each says which driver talks to it and what a runtime starts: on a runtime with images
 * (docker) its image reference, elsewhere (netns) its driver's host program. A new built-in
 * image is one entry of image_table (image.c), its driver one entry of the driver table. */
#ifndef FL_IMAGE_H
#define FL_IMAGE_H

#include <stddef.h>

struct image_desc {
	const char *name;	/* what a scenario writes: "labnode" */
	const char *driver;	/* a name of the driver table */
	const char *docker_ref; /* the image on a runtime with images */
};

/* The built-in image by name; NULL when the name is not one (a scenario `images:` key, or an
 * image reference of a plan). */
const struct image_desc *image_find(const char *name);
/* The image of a node that names none (labnode). */
const struct image_desc *image_default(void);
/* "labnode" (or "a, b or c"), for messages. */
const char *image_names(void);

#endif
