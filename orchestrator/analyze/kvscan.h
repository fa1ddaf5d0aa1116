/* key=value scanning for trace lines (nwaku's chronicles text form, labnode's traces):
 * memmem/memchr only, no copies. A value is either "quoted" (returned without the quotes) or
 * runs to the next blank. */
#ifndef FL_KVSCAN_H
#define FL_KVSCAN_H

#include <stddef.h>
#include <stdint.h>

/* Finds `key=` where key starts the line or follows a blank. 1 with the value, or 0. */
int kvscan_get(const char *line, size_t len, const char *key, const char **val, size_t *vlen);
/* As kvscan_get, parsed as a non-negative integer (nanosecond times). 1, or 0 if absent/bad. */
int kvscan_get_u64(const char *line, size_t len, const char *key, uint64_t *out);
/* Parses "YYYY-mm-dd[ T]HH:MM:SS[.fff][Z|±hh:mm]" at s into ns since the epoch. 1 or 0. */
int kvscan_iso_ns(const char *s, size_t len, uint64_t *ns);

#endif
