/* faultlab-agent control: spawn, JSON-lines request/reply, stop. The agent protocol's
 * encoder: typed faults become JSON here and nowhere else in the run. */
#include "orchestrator/run/agentctl.h"
#include "common/xalloc.h"
#include "orchestrator/run/rundir.h"

#include "common/cleanup.h"
#include "common/fltime.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

void agentctl_find_bin(char *out, size_t len)
{
	rundir_find_bin("FL_AGENT", "faultlab-agent", 1, out, len);
}

static void agentctl_child(const struct agentctl_spec *s, int in, int out)
{
	char pgid[32];
	const char *argv[16];
	int k = 0;

	sigset_t none;

	/* the run blocks its signals (signalfd) and ignores SIGPIPE: give the agent defaults */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	snprintf(pgid, sizeof(pgid), "%d", (int)s->pgid);
	dup2(in, 0);
	dup2(out, 1);
	if (s->log_path) {
		int fd =
		    open(s->log_path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);

		if (fd >= 0)
			dup2(fd, 2);
	}
	argv[k++] = s->agent_bin;
	argv[k++] = "--run", argv[k++] = s->run_id;
	argv[k++] = "--node", argv[k++] = s->node;
	argv[k++] = "--netns", argv[k++] = s->netns_path;
	argv[k++] = "--ifname", argv[k++] = s->ifname;
	if (s->cgroup && *s->cgroup)
		argv[k++] = "--cgroup", argv[k++] = s->cgroup;
	if (s->pgid > 0)
		argv[k++] = "--pgid", argv[k++] = pgid;
	argv[k] = NULL;
	setpgid(0, 0); /* a ^C on the terminal goes to faultlab, which reverts in order */
	execvp(s->agent_bin, (char *const *)argv);
	fprintf(stderr, "exec %s: %s\n", s->agent_bin, strerror(errno));
	_exit(127);
}

/* Reads one line (until deadline, fltime_mono_ms clock); returns a malloc'd line or NULL. */
static char *agentctl_line_until(struct agentctl *a, double deadline, struct fl_error *err)
{
	for (;;) {
		char *nl = memchr(a->buf, '\n', a->len);
		struct pollfd p = {.fd = a->out_fd, .events = POLLIN};
		double left;
		ssize_t r;

		if (nl) {
			char *line = fl_xstrndup(a->buf, (size_t)(nl - a->buf));

			a->len -= (size_t)(nl + 1 - a->buf);
			memmove(a->buf, nl + 1, a->len);
			return line;
		}
		left = deadline - fltime_mono_ms();
		/* past the deadline, what is already in the pipe still counts: a batch's replies
		 * are read one agent after the other */
		if (poll(&p, 1, left > 0 ? (int)left + 1 : 0) < 0 && errno != EINTR) {
			fl_err_errno(err, "poll agent of %s", a->node);
			return NULL;
		}
		if (!(p.revents & (POLLIN | POLLHUP))) {
			if (left > 0)
				continue;
			fl_err(err, "agent of %s: no answer in time", a->node);
			return NULL;
		}
		if (a->len >= sizeof(a->buf) - 1)
			a->len = 0; /* an absurd line: drop it */
		r = read(a->out_fd, a->buf + a->len, sizeof(a->buf) - 1 - a->len);
		if (r == 0) {
			fl_err(err, "agent of %s exited", a->node);
			return NULL;
		}
		if (r > 0)
			a->len += (size_t)r;
	}
}

static char *agentctl_line(struct agentctl *a, int timeout_ms, struct fl_error *err)
{
	char *line = agentctl_line_until(a, fltime_mono_ms() + timeout_ms, err);

	if (!line && strstr(err->msg, "no answer in time"))
		fl_err(err, "agent of %s: no answer within %d ms", a->node, timeout_ms);
	return line;
}

static void agentctl_save(struct agentctl_saved *sv, const struct agentctl_spec *s)
{
	snprintf(sv->bin, sizeof(sv->bin), "%s", s->agent_bin);
	snprintf(sv->run_id, sizeof(sv->run_id), "%s", s->run_id);
	snprintf(sv->netns, sizeof(sv->netns), "%s", s->netns_path);
	snprintf(sv->ifname, sizeof(sv->ifname), "%s", s->ifname);
	snprintf(sv->cgroup, sizeof(sv->cgroup), "%s", s->cgroup ? s->cgroup : "");
	snprintf(sv->log_path, sizeof(sv->log_path), "%s", s->log_path ? s->log_path : "");
	sv->pgid = s->pgid;
}

int agentctl_spawn(struct agentctl *a, const struct agentctl_spec *spec, struct fl_error *err)
{
	int in[2], out[2];

	memset(a, 0, sizeof(*a));
	a->in_fd = a->out_fd = -1;
	snprintf(a->node, sizeof(a->node), "%s", spec->node);
	agentctl_save(&a->saved, spec);
	if (pipe2(in, O_CLOEXEC) < 0)
		return fl_err_errno(err, "pipe");
	if (pipe2(out, O_CLOEXEC) < 0) {
		close(in[0]), close(in[1]);
		return fl_err_errno(err, "pipe");
	}
	a->pid = fork();
	if (a->pid < 0) {
		close(in[0]), close(in[1]), close(out[0]), close(out[1]);
		return fl_err_errno(err, "fork");
	}
	if (a->pid == 0)
		agentctl_child(spec, in[0], out[1]);
	close(in[0]);
	close(out[1]);
	a->in_fd = in[1];
	a->out_fd = out[0];
	return 0;
}

int agentctl_await(struct agentctl *a, int timeout_ms, struct fl_error *err)
{
	cleanup_free char *line = agentctl_line(a, timeout_ms, err);

	if (!line || !strstr(line, "\"ready\"")) {
		if (line)
			fl_err(err, "agent of %s: unexpected first line: %.200s", a->node, line);
		agentctl_stop(a);
		return fl_wrap(err, "start faultlab-agent for %s", a->node);
	}
	return 0;
}

int agentctl_start(struct agentctl *a, const struct agentctl_spec *spec, struct fl_error *err)
{
	if (agentctl_spawn(a, spec, err) < 0)
		return fl_wrap(err, "start faultlab-agent for %s", spec->node);
	return agentctl_await(a, 5000, err);
}

static void agentctl_parse(const char *line, struct agentctl_reply *r)
{
	json_auto_t *j = json_loads(line, 0, NULL);

	memset(r, 0, sizeof(*r));
	r->ok = json_is_true(json_object_get(j, "ok"));
	snprintf(r->engine, sizeof(r->engine), "%s",
		 json_string_value(json_object_get(j, "engine")) ?: "");
	snprintf(r->error, sizeof(r->error), "%s",
		 json_string_value(json_object_get(j, "error")) ?: (j ? "" : line));
	r->ack_us = (long)json_integer_value(json_object_get(j, "ack_us"));
}

int agentctl_send(struct agentctl *a, const char *req, struct fl_error *err)
{
	size_t len = strlen(req), off = 0;

	if (a->in_fd < 0)
		return fl_err(err, "agent of %s is not running", a->node);
	while (off < len) {
		ssize_t w = write(a->in_fd, req + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return fl_err_errno(err, "write to agent of %s", a->node);
		off += (size_t)w;
	}
	return 0;
}

/* Waits for the reply; unsolicited event lines are logged. */
int agentctl_collect(struct agentctl *a, double deadline_ms, struct agentctl_reply *r,
		     struct fl_error *err)
{
	for (;;) {
		cleanup_free char *line = agentctl_line_until(a, deadline_ms, err);

		if (!line)
			return -1;
		if (strncmp(line, "{\"event\"", 8) == 0 || strstr(line, "\"ok\"") == NULL) {
			log_debug("agent %s: %s", a->node, line);
			continue;
		}
		agentctl_parse(line, r);
		return 0;
	}
}

/* Sends one request line and waits (≤ 5 s) for its reply. */
static int agentctl_call(struct agentctl *a, const char *req, struct agentctl_reply *r,
			 struct fl_error *err)
{
	if (agentctl_send(a, req, err) < 0)
		return -1;
	return agentctl_collect(a, fltime_mono_ms() + 5000, r, err);
}

static json_t *agentctl_field(const struct agentctl_fault *f, const struct fault_field *fd)
{
	const char *at = (const char *)f->params + fd->off;
	json_t *arr;

	switch (fd->type) {
	case FAULT_FIELD_MS:
		return json_integer((json_int_t) * (const int64_t *)at);
	case FAULT_FIELD_FRAC:
		return json_real(*(const double *)at);
	case FAULT_FIELD_BPS:
	case FAULT_FIELD_BYTES:
		return json_integer((json_int_t) * (const uint64_t *)at);
	case FAULT_FIELD_TEXT:
		return json_string(at);
	case FAULT_FIELD_SIGNAL:
		return json_integer(*(const int *)at);
	case FAULT_FIELD_GROUPS:
		arr = json_array();
		for (size_t i = 0; arr && i < f->n_drop_from; i++)
			json_array_append_new(arr, json_string(f->drop_from[i]));
		return arr;
	case FAULT_FIELD_PORTS:
		return fault_ports_to_json(f->params);
	}
	return NULL;
}

char *agentctl_apply_request(const struct agentctl_fault *f)
{
	json_auto_t *params = json_object();
	json_auto_t *req = NULL;
	cleanup_free char *line = NULL;

	for (size_t i = 0; params && i < f->kind->n_fields; i++) {
		const struct fault_field *fd = &f->kind->fields[i];

		if (fd->to_agent && (f->params->given & (1u << i)))
			json_object_set_new(params,
					    fd->type == FAULT_FIELD_GROUPS ? "drop_from" : fd->key,
					    agentctl_field(f, fd));
	}
	req = json_pack("{s:s,s:s,s:s,s:I,s:I,s:O}", "op", "apply", "id", f->id, "kind",
			f->kind->name, "lease_ms", (json_int_t)f->lease_ms, "seed",
			(json_int_t)(f->seed & ((1ULL << 53) - 1)), "params", params);
	if (!req || !(line = json_dumps(req, JSON_COMPACT | JSON_PRESERVE_ORDER)))
		return NULL;
	return fl_xasprintf("%s\n", line);
}

int agentctl_apply(struct agentctl *a, const struct agentctl_fault *f, struct agentctl_reply *reply,
		   struct fl_error *err)
{
	cleanup_free char *req = agentctl_apply_request(f);

	if (!req)
		return fl_err(err, "encode apply %s", f->id);
	return agentctl_call(a, req, reply, err);
}

int agentctl_revert(struct agentctl *a, const char *id, struct agentctl_reply *reply,
		    struct fl_error *err)
{
	char req[256];

	snprintf(req, sizeof(req), "{\"op\":\"revert\",\"id\":\"%s\"}\n", id);
	return agentctl_call(a, req, reply, err);
}

int agentctl_renew(struct agentctl *a, const char *id, int64_t lease_ms,
		   struct agentctl_reply *reply, struct fl_error *err)
{
	char req[256];

	snprintf(req, sizeof(req), "{\"op\":\"renew\",\"id\":\"%s\",\"lease_ms\":%lld}\n", id,
		 (long long)lease_ms);
	return agentctl_call(a, req, reply, err);
}

int agentctl_ping(struct agentctl *a, struct fl_error *err)
{
	struct agentctl_reply r;

	if (agentctl_call(a, "{\"op\":\"ping\"}\n", &r, err) < 0)
		return -1;
	return r.ok ? 0 : fl_err(err, "agent of %s: ping: %s", a->node, r.error);
}

void agentctl_stop(struct agentctl *a)
{
	double deadline = fltime_mono_ms() + 2000;
	int status;

	if (a->in_fd >= 0)
		close(a->in_fd);
	a->in_fd = -1;
	while (a->pid > 0) {
		pid_t r = waitpid(a->pid, &status, WNOHANG);

		if (r == a->pid || (r < 0 && errno != EINTR))
			break;
		if (fltime_mono_ms() > deadline) {
			kill(a->pid, SIGKILL);
			waitpid(a->pid, &status, 0);
			break;
		}
		fltime_sleep_ms(5);
	}
	a->pid = 0;
	if (a->out_fd >= 0)
		close(a->out_fd);
	a->out_fd = -1;
}

int agentctl_pump(struct agentctl *a)
{
	for (;;) {
		struct pollfd p = {.fd = a->out_fd, .events = POLLIN};
		char *nl;
		ssize_t r;

		if (a->out_fd < 0)
			return -1;
		if (poll(&p, 1, 0) <= 0 || !(p.revents & (POLLIN | POLLHUP | POLLERR)))
			return 0;
		if (a->len >= sizeof(a->buf) - 1)
			a->len = 0;
		r = read(a->out_fd, a->buf + a->len, sizeof(a->buf) - 1 - a->len);
		if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN))
			return -1;
		if (r > 0)
			a->len += (size_t)r;
		while ((nl = memchr(a->buf, '\n', a->len))) {
			log_debug("agent %s: %.*s", a->node, (int)(nl - a->buf), a->buf);
			a->len -= (size_t)(nl + 1 - a->buf);
			memmove(a->buf, nl + 1, a->len);
		}
	}
}

void agentctl_reap(struct agentctl *a, char *why, size_t len)
{
	double deadline = fltime_mono_ms() + 1000;
	int status = 0;
	pid_t r = 0;

	if (a->in_fd >= 0)
		close(a->in_fd);
	if (a->out_fd >= 0)
		close(a->out_fd);
	a->in_fd = a->out_fd = -1;
	while (a->pid > 0 && (r = waitpid(a->pid, &status, WNOHANG)) == 0 &&
	       fltime_mono_ms() < deadline)
		fltime_sleep_ms(5);
	if (a->pid > 0 && r == 0) {
		kill(a->pid, SIGKILL);
		r = waitpid(a->pid, &status, 0);
	}
	if (r == a->pid && WIFSIGNALED(status))
		snprintf(why, len, "killed by SIG%s", sigabbrev_np(WTERMSIG(status)) ?: "?");
	else if (r == a->pid && WIFEXITED(status))
		snprintf(why, len, "exited with code %d", WEXITSTATUS(status));
	else
		snprintf(why, len, "gone");
	a->pid = 0;
}

int agentctl_sweep(const struct agentctl *a, struct fl_error *err)
{
	const struct agentctl_saved *s = &a->saved;
	char pgid[32];
	const char *argv[16];
	double deadline = fltime_mono_ms() + 10000;
	int k = 0, status = 0;
	pid_t pid, r;

	snprintf(pgid, sizeof(pgid), "%d", (int)s->pgid);
	argv[k++] = s->bin;
	argv[k++] = "--sweep";
	argv[k++] = "--run", argv[k++] = s->run_id;
	argv[k++] = "--netns", argv[k++] = s->netns;
	argv[k++] = "--ifname", argv[k++] = s->ifname;
	if (s->cgroup[0])
		argv[k++] = "--cgroup", argv[k++] = s->cgroup;
	if (s->pgid > 0)
		argv[k++] = "--pgid", argv[k++] = pgid;
	argv[k] = NULL;
	pid = fork();
	if (pid < 0)
		return fl_err_errno(err, "fork");
	if (pid == 0) {
		sigset_t none;
		int fd = s->log_path[0]
			     ? open(s->log_path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW, 0600)
			     : open("/dev/null", O_WRONLY);

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (fd >= 0)
			dup2(fd, 1), dup2(fd, 2);
		setpgid(0, 0);
		execvp(s->bin, (char *const *)argv);
		_exit(127);
	}
	while ((r = waitpid(pid, &status, WNOHANG)) == 0 && fltime_mono_ms() < deadline)
		fltime_sleep_ms(10);
	if (r == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return fl_err(err, "sweep of %s: no end within 10 s", a->node);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return fl_err(err, "sweep of %s failed (status %d, see its agent.log)", a->node,
			      WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}

int agentctl_restart(struct agentctl *a, int timeout_ms, struct fl_error *err)
{
	struct agentctl_saved sv = a->saved;
	char node[64];
	struct agentctl_spec spec = {.agent_bin = sv.bin,
				     .run_id = sv.run_id,
				     .node = node,
				     .netns_path = sv.netns,
				     .ifname = sv.ifname,
				     .cgroup = sv.cgroup,
				     .pgid = sv.pgid,
				     .log_path = sv.log_path[0] ? sv.log_path : NULL};

	snprintf(node, sizeof(node), "%s", a->node);
	if (agentctl_spawn(a, &spec, err) < 0)
		return fl_wrap(err, "start faultlab-agent for %s", node);
	return agentctl_await(a, timeout_ms, err);
}
