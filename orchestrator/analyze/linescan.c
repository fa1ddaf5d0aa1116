#include "orchestrator/analyze/linescan.h"

#include "common/cleanup.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LINESCAN_BUF (4u << 20)
#define LINESCAN_MAX_LINE (16u << 20)

/* Hands every complete line in buf[0..len) to fn; returns how many bytes were consumed. */
static ssize_t linescan_lines(char *buf, size_t len, linescan_fn fn, void *ctx, int *stop)
{
	char *p = buf, *end = buf + len;

	for (;;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n;
		int r;

		if (!nl)
			break;
		n = (size_t)(nl - p);
		if (n && p[n - 1] == '\r')
			n--;
		r = fn(ctx, p, n);
		if (r < 0) {
			*stop = r;
			break;
		}
		p = nl + 1;
	}
	return p - buf;
}

int linescan_file(const char *path, linescan_fn fn, void *ctx, struct fl_error *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = LINESCAN_BUF, have = 0;
	cleanup_free char *buf = NULL;
	int stop = 0;

	if (fd < 0)
		return fl_err_errno(err, "open %s", path);
	buf = fl_xmalloc(cap);
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	for (;;) {
		ssize_t n = read(fd, buf + have, cap - have);
		ssize_t used;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fl_err_errno(err, "read %s", path);
		if (n == 0)
			break;
		have += (size_t)n;
		used = linescan_lines(buf, have, fn, ctx, &stop);
		if (stop)
			return stop;
		if (used == 0 && have == cap) {
			if (cap >= LINESCAN_MAX_LINE) { /* cut an absurd line */
				buf[cap - 1] = '\n';
				used = linescan_lines(buf, cap, fn, ctx, &stop);
			} else {
				buf = fl_xrealloc(buf, cap * 2);
				cap *= 2;
			}
		}
		memmove(buf, buf + used, have - (size_t)used);
		have -= (size_t)used;
	}
	if (have && !stop) /* last line without a newline */
		stop = fn(ctx, buf, have);
	return stop < 0 ? stop : 0;
}

char *linescan_slurp(const char *path, size_t *len, struct fl_error *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	size_t have = 0;
	char *buf;

	if (fd < 0 || fstat(fd, &st) < 0) {
		fl_err_errno(err, "open %s", path);
		return NULL;
	}
	buf = fl_xmalloc((size_t)st.st_size + 1);
	while (have < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + have, (size_t)st.st_size - have);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				break;
			fl_err_errno(err, "read %s", path);
			free(buf);
			return NULL;
		}
		have += (size_t)n;
	}
	buf[have] = '\0';
	if (len)
		*len = have;
	return buf;
}
