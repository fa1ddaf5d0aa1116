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
#include "common/fltime.h"
#include "common/log.h"
#include "common/xalloc.h"

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

	snprintf(c->tl.ctl_path, sizeof(c->tl.ctl_path), "%s/%s.sock", RUNLOCK_DIR, c->run_id);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%.100s", c->tl.ctl_path);
	unlink(c->tl.ctl_path);
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
		return fl_err_errno(err, "bind %s", c->tl.ctl_path);
	}
	c->tl.ctl_fd = fd;
	return 0;
}

void run_ctl_close(struct run_ctx *c)
{
	if (c->tl.ctl_fd >= 0) {
		close(c->tl.ctl_fd);
		unlink(c->tl.ctl_path);
	}
	c->tl.ctl_fd = -1;
}

static json_t *run_ctl_nodes(struct run_ctx *c)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < c->nt.n; i++)
		json_array_append_new(arr, json_pack("{s:s,s:s,s:b}", "name", c->nt.rn[i].dn.name,
						     "address", c->nt.rn[i].dn.address, "up",
						     c->nt.rn[i].up));
	return json_pack("{s:b,s:o}", "ok", 1, "nodes", arr);
}

/* partition: the nodes whose packets the target drops, as groups of the typed params (the
 * others in group 0, the target in group 1, direction forward). */
static int run_ctl_drop_from(struct run_ctx *c, size_t target, json_t *from,
			     struct fault_params *fp, struct fl_error *err)
{
	json_t *v;
	size_t i;

	if (!json_is_array(from))
		return fl_err(err, "partition needs drop_from_nodes");
	fp->group_of = fl_xcalloc(c->nt.n + 1, sizeof(int));
	for (i = 0; i < c->nt.n; i++)
		fp->group_of[i] = -1;
	json_array_foreach(from, i, v) {
		long k = planread_node_find(&c->plan, json_string_value(v) ?: "");

		if (k < 0)
			return fl_err(err, "unknown node \"%s\"", json_string_value(v) ?: "?");
		fp->group_of[k] = 0;
	}
	fp->group_of[target] = 1;
	fp->n_groups = 2;
	snprintf(fp->direction, sizeof(fp->direction), "forward");
	return 0;
}

/* The request → a typed fault (this socket is the run's edge: JSON ends here). */
static int run_ctl_fault(struct run_ctx *c, size_t target, json_t *req, struct fault_params *fp,
			 const struct fault_kind **kind, struct fl_error *err)
{
	const struct fault_kind *k =
	    fault_kind_find(json_string_value(json_object_get(req, "kind")));

	*kind = k;
	memset(fp, 0, sizeof(*fp));
	if (!k || k->via != FAULT_VIA_AGENT)
		return fl_err(err, "apply needs the kind of an agent fault");
	if (planread_fault_params(&c->plan, k, json_object_get(req, "params"), fp) < 0)
		return fl_err(err, "malformed params for %s", k->name);
	if (!k->groups)
		return 0;
	for (size_t i = 0; i < k->n_fields; i++)
		if (k->fields[i].type == FAULT_FIELD_GROUPS)
			fp->given |= 1u << i;
	return run_ctl_drop_from(c, target, json_object_get(req, "drop_from_nodes"), fp, err);
}

static json_t *run_ctl_apply(struct run_ctx *c, size_t target, json_t *req, struct fl_error *err)
{
	struct run_node *r = &c->nt.rn[target];
	json_int_t lease = json_integer_value(json_object_get(req, "lease_ms"));
	struct fault_params fp;
	struct agentctl_reply rep = {0};
	struct agentctl_fault af = {.params = &fp};
	const char **drop = fl_xcalloc(c->nt.n + 1, sizeof(*drop));
	json_t *out = NULL;
	char id[32];
	struct runjournal_fault jf = {
	    .type = "fault-apply", .id = "inject", .fault = id, .node = r->dn.name};

	if (run_ctl_fault(c, target, req, &fp, &af.kind, err) < 0 || lease <= 0) {
		if (lease <= 0)
			fl_err(err, "apply needs kind and lease_ms > 0");
		goto done;
	}
	snprintf(id, sizeof(id), "i%d", ++c->tl.inject_seq);
	af.id = id;
	af.lease_ms = lease;
	af.seed = (uint64_t)c->tl.inject_seq;
	af.drop_from = drop;
	af.n_drop_from = af.kind->groups ? run_partition_drop_from(c, &fp, target, drop) : 0;
	jf.planned_ms = jf.issued_ms = runjournal_now(&c->j);
	if (agentctl_apply(&r->ag, &af, &rep, err) < 0)
		goto done;
	jf.done_ms = runjournal_now(&c->j);
	jf.engine = rep.engine;
	jf.error = rep.ok ? NULL : rep.error;
	runjournal_fault(&c->j, &jf);
	if (rep.ok && af.kind->stops_process) /* until its lease ends or its revert */
		r->inject_stop_until = fltime_mono_ms() + (double)lease;
	out = rep.ok ? json_pack("{s:b,s:s,s:s}", "ok", 1, "id", id, "engine", rep.engine)
		     : json_pack("{s:b,s:s}", "ok", 0, "error", rep.error);
done:
	fault_params_free(&fp);
	free(drop);
	return out;
}

static json_t *run_ctl_handle(struct run_ctx *c, json_t *req, struct fl_error *err)
{
	const char *op = json_string_value(json_object_get(req, "op"));
	const char *node = json_string_value(json_object_get(req, "node"));
	struct agentctl_reply rep = {0};
	long k;

	if (op && strcmp(op, "nodes") == 0)
		return run_ctl_nodes(c);
	k = node ? planread_node_find(&c->plan, node) : -1;
	if (k < 0) {
		fl_err(err, "unknown node \"%s\"", node ? node : "");
		return NULL;
	}
	if (!c->nt.rn[k].agent_up) {
		fl_err(err, "node %s has no agent", node);
		return NULL;
	}
	if (op && strcmp(op, "apply") == 0)
		return run_ctl_apply(c, (size_t)k, req, err);
	if (op && strcmp(op, "revert") == 0) {
		const char *id = json_string_value(json_object_get(req, "id"));

		if (!id || agentctl_revert(&c->nt.rn[k].ag, id, &rep, err) < 0)
			return id ? NULL : (fl_err(err, "revert needs id"), NULL);
		if (rep.ok)
			c->nt.rn[k].inject_stop_until = 0; /* (a second injected freeze: unseen) */
		return json_pack("{s:b,s:s,s:s}", "ok", rep.ok, "id", id, "error", rep.error);
	}
	fl_err(err, "unknown op \"%s\" (expected apply, revert or nodes)", op ? op : "");
	return NULL;
}

void run_ctl_serve(struct run_ctx *c)
{
	cleanup_close int fd = accept4(c->tl.ctl_fd, NULL, NULL, SOCK_CLOEXEC);
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
