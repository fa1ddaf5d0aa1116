/* Driver sockets inside the node's network namespace (issue 11): a node's control surfaces may
 * listen on its loopback only (status-go cmd/status-cli util.go hard-codes HTTPHost
 * "127.0.0.1"; nwaku's --rest-address defaults to 127.0.0.1), which no socket outside the node
 * reaches. Each request's socket is made by the calling thread: setns(2) into the node's
 * namespace, socket(2), setns back. setns only moves the calling thread, so the run's sender
 * threads and its main loop open sockets in parallel; a socket keeps the namespace it was
 * made in. The namespace fd stays open per node (one open per node, not per request). */
#include "orchestrator/drivers/driver.h"

#include "common/log.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

struct driver_netns {
	pthread_mutex_t mu; /* fd and path: replaced after a restart */
	int fd;
	char path[PATH_MAX];
};

static int nodesock_orig_fd = -1;
static pthread_once_t nodesock_once = PTHREAD_ONCE_INIT;

static void nodesock_orig_open(void)
{
	nodesock_orig_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
}

static void nodesock_back(void)
{
	if (setns(nodesock_orig_fd, CLONE_NEWNET) < 0) {
		/* the thread would stay in the node: never return in that state */
		log_error("nodesock: cannot return to the original namespace: %s", strerror(errno));
		abort();
	}
}

static int nodesock_socket(void *ctx, int domain, int type, int protocol)
{
	struct driver_netns *s = ctx;
	int fd = -1, e = EBADF;

	pthread_mutex_lock(&s->mu);
	if (s->fd >= 0 && setns(s->fd, CLONE_NEWNET) == 0) {
		fd = socket(domain, type | SOCK_CLOEXEC, protocol);
		e = errno;
		nodesock_back();
	} else if (s->fd >= 0) {
		e = errno;
	}
	pthread_mutex_unlock(&s->mu);
	errno = e;
	return fd;
}

/* Opens the namespace and proves the thread can enter it and come back. */
static int nodesock_open_ns(const char *path, struct fl_error *err)
{
	int fd;

	pthread_once(&nodesock_once, nodesock_orig_open);
	if (nodesock_orig_fd < 0)
		return fl_err_errno(err, "open /proc/self/ns/net");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fl_err_errno(err, "open the node namespace %s", path);
	if (setns(fd, CLONE_NEWNET) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return fl_err_errno(err, "enter the node namespace %s", path);
	}
	nodesock_back();
	return fd;
}

int driver_node_netns(struct driver_node *n, const char *ns_path, struct fl_error *err)
{
	struct driver_netns *s;
	int fd = nodesock_open_ns(ns_path, err);

	if (fd < 0)
		return -1;
	s = fl_xcalloc(1, sizeof(*s));
	pthread_mutex_init(&s->mu, NULL);
	s->fd = fd;
	snprintf(s->path, sizeof(s->path), "%s", ns_path);
	n->netns = s;
	n->open_socket = nodesock_socket;
	n->socket_ctx = s;
	snprintf(n->host, sizeof(n->host), "127.0.0.1");
	return 0;
}

void driver_node_restarted(struct driver_node *n, const char *ns_path)
{
	struct driver_netns *s = n->netns;
	struct stat st;

	n->log_from = n->log_path[0] && stat(n->log_path, &st) == 0 ? (long)st.st_size : 0;
	__atomic_store_n(&n->stale, 1, __ATOMIC_RELEASE);
	if (!s || !ns_path)
		return;
	pthread_mutex_lock(&s->mu);
	if (strcmp(s->path, ns_path) != 0 || s->fd < 0) {
		struct fl_error err = {0};
		int fd = nodesock_open_ns(ns_path, &err);

		if (fd < 0)
			log_warn("%s: %s", n->name, err.msg);
		if (s->fd >= 0)
			close(s->fd);
		s->fd = fd;
		snprintf(s->path, sizeof(s->path), "%s", ns_path);
	}
	pthread_mutex_unlock(&s->mu);
}

void driver_node_close(struct driver_node *n)
{
	struct driver_netns *s = n->netns;

	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	pthread_mutex_destroy(&s->mu);
	free(s);
	n->netns = NULL;
	if (n->socket_ctx == s) {
		n->open_socket = NULL;
		n->socket_ctx = NULL;
	}
}

void driver_node_key(struct driver_node *n, char *out, size_t len)
{
	pthread_mutex_lock(&n->key_mu);
	snprintf(out, len, "%s", n->key);
	pthread_mutex_unlock(&n->key_mu);
}

void driver_node_set_key(struct driver_node *n, const char *key)
{
	pthread_mutex_lock(&n->key_mu);
	snprintf(n->key, sizeof(n->key), "%s", key);
	pthread_mutex_unlock(&n->key_mu);
}
