/* Files root writes for a run, opened without following links.
 *
 * Every directory component of a path is opened with openat(O_NOFOLLOW) beneath the previous
 * one, so a symbolic link anywhere in the path (planted by another user, or swapped in during
 * the walk) makes the open fail instead of being followed; the file itself is opened with
 * O_NOFOLLOW | O_CLOEXEC (and O_EXCL where the caller creates it). With SAFEFILE_TRUST (used
 * for the run directory when running as root), every existing directory of the path must also
 * be owned by root (or the effective user) and, when group- or world-writable, sticky (/tmp):
 * a directory another user could rename or fill is refused. */
#ifndef FL_SAFEFILE_H
#define FL_SAFEFILE_H

#include "common/error.h"

#include <stdio.h>
#include <sys/types.h>

enum {
	SAFEFILE_MKDIR = 1, /* create missing directories (mode given) */
	SAFEFILE_TRUST = 2, /* refuse directories another user owns or may write */
	SAFEFILE_EXCL = 4,  /* safefile_mkdir: the last directory must not exist yet */
};

/* Opens (creating with `mode` under SAFEFILE_MKDIR) the directory `path`; an O_PATH fd, or
 * -1 + err ("refusing symbolic link …", "refusing … owned by uid N …", errno). A relative
 * path is taken from the (canonical) working directory; "." and ".." are resolved lexically,
 * which is exact since no component may be a link. */
int safefile_dir(const char *path, int flags, mode_t mode, struct fl_error *err);
/* mkdir -p through safefile_dir; 0 or -1 + err (EEXIST under SAFEFILE_EXCL: err says so and
 * errno is EEXIST). */
int safefile_mkdir(const char *path, int flags, mode_t mode, struct fl_error *err);
/* open(2) of a file without following links anywhere in its path; oflags get O_NOFOLLOW |
 * O_CLOEXEC added. The fd or -1 + err. */
int safefile_open(const char *path, int oflags, mode_t mode, struct fl_error *err);
/* fopen(3) on safefile_open: how is "r", "w" (truncate), "wx" (must not exist) or "a". */
FILE *safefile_fopen(const char *path, const char *how, struct fl_error *err);

#endif
