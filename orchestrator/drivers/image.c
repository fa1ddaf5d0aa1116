/* The built-in image table. */
#include "orchestrator/drivers/image.h"

#include <stdio.h>
#include <string.h>

static const struct image_desc image_table[] = {
    {"labnode", "labnode", "faultlab/labnode:latest", "image-labnode", "labnode", "FL_LABNODE"},
    /* js-waku (images/jswaku): the host's node binary and the node program with its
     * node_modules; the input is the program (FL_JSWAKU) or its folder */
    {"jswaku", "jswaku", "faultlab/jswaku:latest", "image-jswaku", "../images/jswaku/jswaku.mjs",
     "FL_JSWAKU"},
};
#define IMAGE_N (sizeof(image_table) / sizeof(image_table[0]))

const struct image_desc *image_default(void)
{
	return &image_table[0];
}

const struct image_desc *image_at(size_t i)
{
	return i < IMAGE_N ? &image_table[i] : NULL;
}

const struct image_desc *image_find(const char *name)
{
	for (size_t i = 0; name && i < IMAGE_N; i++)
		if (strcmp(image_table[i].name, name) == 0)
			return &image_table[i];
	return NULL;
}

const char *image_names(void)
{
	static char names[256];

	if (!names[0])
		for (size_t i = 0, off = 0; i < IMAGE_N && off < sizeof(names); i++)
			off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s",
						i == 0		   ? ""
						: i + 1 == IMAGE_N ? " or "
								   : ", ",
						image_table[i].name);
	return names;
}
