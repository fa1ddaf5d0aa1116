/* Reads a file line by line in big chunks (no mmap, so a huge trace file does not count in
 * the resident set) and hands each line, without its newline, to a callback. */
#ifndef FL_LINESCAN_H
#define FL_LINESCAN_H

#include "common/error.h"

#include <stddef.h>

/* Returns 0 to go on, <0 to stop (the value is returned by linescan_file). */
typedef int (*linescan_fn)(void *ctx, const char *line, size_t len);

/* Calls fn for every line of path. Lines longer than 16 MiB are cut. Returns 0, the
 * callback's negative value, or -1 with err set when the file cannot be read. */
int linescan_file(const char *path, linescan_fn fn, void *ctx, struct fl_error *err);

/* Reads a whole file into a NUL-terminated malloc'd buffer. NULL + err on failure. */
char *linescan_slurp(const char *path, size_t *len, struct fl_error *err);

#endif
