/* The run's control socket, /run/faultlab/<run_id>.sock (unix stream, root only), used by
 * `faultlab inject`. One request line, one reply line, then the server closes:
 *
 *   {"op":"apply","node":"bob","kind":"netem","lease_ms":30000,"params":{"delay_ms":200}}
 *   {"op":"apply","node":"bob","kind":"partition","lease_ms":10000,"drop_from_nodes":["alice"]}
 *   → {"ok":true,"id":"i1","engine":"nfqueue"}   |   {"ok":false,"error":"..."}
 *   {"op":"revert","node":"bob","id":"i1"}        → {"ok":true,"id":"i1"}
 *   {"op":"nodes"} → {"ok":true,"nodes":[{"name":..,"address":..,"up":true}]}
 *
 * The fault runs on the node's agent under the given lease, so it reverts by itself when the
 * lease ends; it is journalled like a planned fault (event id "inject", fault id "i<N>"). */
#include "orchestrator/run/run_int.h"

#include "common/cleanup.h"
#include "common/log.h"

#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int run_ctl_open(struct run_ctx *c, struct fl_error *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	mode_t old;
	int fd, rc;

	snprintf(c->ctl_path, sizeof(c->ctl_path), "%s/%s.sock", RUNLOCK_DIR, c->run_id);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%.100s", c->ctl_path);
	unlink(c->ctl_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return fl_err_errno(err, "control socket");
	/* born 0600: bind creates the socket file under the umask, so no other user can connect
	 * between bind and a chmod (no sender or node thread creates files at this point) */
	old = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc < 0 || listen(fd, 4) < 0) {
		close(fd);
		return fl_err_errno(err, "bind %s", c->ctl_path);
	}
	c->ctl_fd = fd;
	return 0;
}

void run_ctl_close(struct run_ctx *c)
{
	if (c->ctl_fd >= 0) {
		close(c->ctl_fd);
		unlink(c->ctl_path);
	}
	c->ctl_fd = -1;
}

static json_t *run_ctl_nodes(struct run_ctx *c)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < c->n; i++)
		json_array_append_new(arr,
				      json_pack("{s:s,s:s,s:b}", "name", c->rn[i].dn.name,
						"address", c->rn[i].dn.address, "up", c->rn[i].up));
	return json_pack("{s:b,s:o}", "ok", 1, "nodes", arr);
}

static char *run_ctl_params(struct run_ctx *c, json_t *req, struct fl_error *err)
{
	json_t *from = json_object_get(req, "drop_from_nodes"), *v;
	json_auto_t *p = NULL;
	size_t i;

	if (!from)
		return json_dumps(json_object_get(req, "params") ?: json_object(), JSON_COMPACT);
	p = json_pack("{s:[]}", "drop_from");
	json_array_foreach(from, i, v)
	{
		long k = runplan_node_find(&c->plan, json_string_value(v) ?: "");

		if (k < 0) {
			fl_err(err, "unknown node \"%s\"", json_string_value(v) ?: "?");
			return NULL;
		}
		json_array_append_new(json_object_get(p, "drop_from"),
				      json_string(c->rn[k].dn.address));
	}
	return json_dumps(p, JSON_COMPACT);
}

static json_t *run_ctl_apply(struct run_ctx *c, struct run_node *r, json_t *req,
			     struct fl_error *err)
{
	const char *kind = json_string_value(json_object_get(req, "kind"));
	json_int_t lease = json_integer_value(json_object_get(req, "lease_ms"));
	cleanup_free char *params = run_ctl_params(c, req, err);
	struct agentctl_reply rep = {0};
	char id[32];
	struct runjournal_fault jf = {
	    .type = "fault-apply", .id = "inject", .fault = id, .node = r->dn.name};

	if (!params)
		return NULL;
	if (!kind || lease <= 0) {
		fl_err(err, "apply needs kind and lease_ms > 0");
		return NULL;
	}
	snprintf(id, sizeof(id), "i%d", ++c->inject_seq);
	jf.planned_ms = jf.issued_ms = runjournal_now(&c->j);
	if (agentctl_apply(&r->ag, id, kind, lease, (uint64_t)c->inject_seq, params, &rep, err) < 0)
		return NULL;
	jf.done_ms = runjournal_now(&c->j);
	jf.engine = rep.engine;
	jf.error = rep.ok ? NULL : rep.error;
	runjournal_fault(&c->j, &jf);
	if (!rep.ok)
		return json_pack("{s:b,s:s}", "ok", 0, "error", rep.error);
	return json_pack("{s:b,s:s,s:s}", "ok", 1, "id", id, "engine", rep.engine);
}

static json_t *run_ctl_handle(struct run_ctx *c, json_t *req, struct fl_error *err)
{
	const char *op = json_string_value(json_object_get(req, "op"));
	const char *node = json_string_value(json_object_get(req, "node"));
	struct agentctl_reply rep = {0};
	long k;

	if (op && strcmp(op, "nodes") == 0)
		return run_ctl_nodes(c);
	k = node ? runplan_node_find(&c->plan, node) : -1;
	if (k < 0) {
		fl_err(err, "unknown node \"%s\"", node ? node : "");
		return NULL;
	}
	if (!c->rn[k].agent_up) {
		fl_err(err, "node %s has no agent", node);
		return NULL;
	}
	if (op && strcmp(op, "apply") == 0)
		return run_ctl_apply(c, &c->rn[k], req, err);
	if (op && strcmp(op, "revert") == 0) {
		const char *id = json_string_value(json_object_get(req, "id"));

		if (!id || agentctl_revert(&c->rn[k].ag, id, &rep, err) < 0)
			return id ? NULL : (fl_err(err, "revert needs id"), NULL);
		return json_pack("{s:b,s:s,s:s}", "ok", rep.ok, "id", id, "error", rep.error);
	}
	fl_err(err, "unknown op \"%s\" (expected apply, revert or nodes)", op ? op : "");
	return NULL;
}

void run_ctl_serve(struct run_ctx *c)
{
	cleanup_close int fd = accept4(c->ctl_fd, NULL, NULL, SOCK_CLOEXEC);
	struct pollfd p = {.fd = fd, .events = POLLIN};
	char buf[8192];
	ssize_t n;
	json_auto_t *req = NULL, *rep = NULL;
	cleanup_free char *out = NULL;
	struct fl_error err = {0};

	if (fd < 0 || poll(&p, 1, 2000) <= 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return;
	buf[n] = '\0';
	req = json_loads(buf, JSON_DISABLE_EOF_CHECK, NULL);
	if (!req)
		fl_err(&err, "request is not JSON");
	else
		rep = run_ctl_handle(c, req, &err);
	if (!rep)
		rep = json_pack("{s:b,s:s}", "ok", 0, "error", err.msg);
	out = json_dumps(rep, JSON_COMPACT);
	if (out && write(fd, out, strlen(out)) >= 0 && write(fd, "\n", 1) < 0)
		log_debug("control reply: %s", strerror(errno));
}
