/* The docker runtime: one container per node on NetworkMode "none", created, started and
 * inspected in parallel over the Engine API, each container's namespace then joined to the
 * run's hub namespace by faultlab itself (docker_net.h: no NAT, no route out, no ARP).
 * argv[0] of a node spec is ignored: the image's entrypoint gets argv[1..] ("@DATA@" → /data,
 * where host_data_dir is bind-mounted). Names and labels: see runtime.h. */
#include "orchestrator/runtime/cgroup.h"
#include "common/xalloc.h"
#include "orchestrator/runtime/docker_api.h"
#include "orchestrator/runtime/docker_image.h"
#include "orchestrator/runtime/docker_logs.h"
#include "orchestrator/runtime/docker_net.h"
#include "orchestrator/runtime/runlock.h"
#include "orchestrator/runtime/runtime_internal.h"

#include "common/cleanup.h"
#include "common/fltime.h"
#include "common/log.h"

#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct docker_node {
	char name[64];
	char id[80];
	char log_path[PATH_MAX];
	char cgroup[PATH_MAX]; /* the running container's (docker_cgroup_of), "" if unknown */
};

struct docker_rt {
	struct docker_api api;
	struct docker_logs *logs;
	int lock_fd;
	struct docker_net net;
	int net_made;
	int interrupted; /* a deploy was cut short: containers may exist we have no id of */
	struct docker_node *nodes;
	size_t n, cap;
};

static struct docker_rt *docker_priv(struct runtime *rt)
{
	return rt->priv;
}

/* Requests in flight at once for create/start/inspect: FL_DOCKER_PARALLEL, default 16. */
static int docker_parallel(void)
{
	const char *v = getenv("FL_DOCKER_PARALLEL");
	int n = v ? atoi(v) : 0;

	return n > 0 ? n : 16;
}

static int docker_init(struct runtime *rt, struct fl_error *err)
{
	struct docker_rt *p = fl_xcalloc(1, sizeof(*p));

	p->lock_fd = -1;
	if (docker_api_open(&p->api, err) < 0 || docker_net_init(&p->net, err) < 0) {
		free(p);
		return fl_wrap(err, "docker runtime");
	}
	rt->priv = p;
	return 0;
}

/* Checks the HTTP status of a request; err quotes Docker's message. */
static int docker_expect(const struct docker_api_req *r, long ok1, long ok2, struct fl_error *err)
{
	char msg[512];

	if (r->status == ok1 || r->status == ok2)
		return 0;
	if (r->error[0])
		return fl_err(err, "%s %s: %s", r->method, r->path, r->error);
	return fl_err(err, "%s %s: HTTP %ld: %s", r->method, r->path, r->status,
		      docker_api_message(r->resp, msg, sizeof(msg)));
}

static int docker_request(struct docker_rt *p, const char *method, const char *path, json_t *body,
			  long ok1, long ok2, char **resp, struct fl_error *err)
{
	struct docker_api_req r = {.method = method};
	int rc;

	snprintf(r.path, sizeof(r.path), "%s", path);
	r.body = body ? json_dumps(body, JSON_COMPACT) : NULL;
	r.timeout_ms = 30000;
	rc = docker_api_batch(&p->api, &r, 1, 1, err);
	if (rc == 0)
		rc = docker_expect(&r, ok1, ok2, err);
	if (resp && rc == 0)
		*resp = steal_ptr(&r.resp);
	docker_api_req_clear(&r);
	return rc;
}

static int docker_net_create(struct runtime *rt, const struct runtime_net_spec *spec,
			     struct fl_error *err)
{
	struct docker_rt *p = docker_priv(rt);

	p->lock_fd = runlock_hold(spec->run_id, ".rt.lock", err);
	if (p->lock_fd < 0)
		return -1;
	snprintf(rt->run_id, sizeof(rt->run_id), "%s", spec->run_id);
	p->net_made = 1; /* teardown removes what part of it exists */
	if (netns_hub_create(&p->net.hub, spec->run_id, spec->subnet, err) < 0)
		return fl_wrap(err, "docker runtime");
	return 0;
}

static struct docker_node *docker_find(struct docker_rt *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->nodes[i].name, name) == 0)
			return &p->nodes[i];
	return NULL;
}

/* Every distinct image on this host: shipped ones built when missing or stale. */
static int docker_images_check(struct docker_rt *p, const struct runtime_node_spec *specs, size_t n,
			       struct fl_error *err)
{
	for (size_t i = 0; i < n; i++) {
		int seen = 0;
		for (size_t j = 0; j < i && !seen; j++)
			seen = specs[j].image && strcmp(specs[j].image, specs[i].image) == 0;
		if (seen)
			continue;
		if (!specs[i].image || !specs[i].image[0])
			return fl_err(err, "node %s has no image", specs[i].name);
		if (docker_image_ensure(&p->api, specs[i].image, err) < 0)
			return -1;
	}
	return 0;
}

static json_t *docker_create_body(const char *rid, const struct runtime_node_spec *s,
				  struct fl_error *err)
{
	char **argv = runtime_argv_expand(s->argv, "/data", err);
	json_t *cmd = json_array(), *binds = json_array(), *body;
	char bind[PATH_MAX + 16];

	if (!argv) {
		json_decref(cmd);
		json_decref(binds);
		return NULL;
	}
	for (size_t i = 1; argv[i]; i++)
		json_array_append_new(cmd, json_string(argv[i]));
	runtime_argv_free(argv);
	if (s->host_data_dir && s->host_data_dir[0]) {
		snprintf(bind, sizeof(bind), "%s:/data", s->host_data_dir);
		json_array_append_new(binds, json_string(bind));
	}
	/* NetworkMode none: a namespace of its own holding lo only, docker_net_attach adds
	 * eth0. NetworkDisabled: dockerd then also leaves out its libnetwork-setkey prestart
	 * hook (a re-exec of dockerd per start: 289 against 606 ms for one start here) */
	body = json_pack("{s:s, s:s, s:o, s:b, s:{s:s, s:s}, s:{s:s, s:o}}", "Image", s->image,
			 "Hostname", s->name, "Cmd", cmd, "NetworkDisabled", 1, "Labels",
			 "faultlab.run", rid, "faultlab.node", s->name, "HostConfig", "NetworkMode",
			 "none", "Binds", binds);
	if (!body)
		fl_err(err, "node %s: cannot build the container request", s->name);
	return body;
}

/* The container's cgroup dir on the host: its cgroup2 dir when it has one of its own, else
 * its v1 freezer dir (Docker on a hybrid host puts containers in v1 hierarchies only). */
static void docker_cgroup_of(pid_t pid, char *out, size_t len)
{
	char path[64], line[1024], v2[1024] = "", fz[1024] = "";
	struct hostprobe_cgroups cg;
	struct fl_error ignored;
	FILE *f;

	out[0] = '\0';
	if (hostprobe_cgroups_read(NULL, &cg, &ignored) < 0)
		return;
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "0::", 3) == 0)
			snprintf(v2, sizeof(v2), "%s", line + 3);
		else if (strstr(line, ":freezer:"))
			snprintf(fz, sizeof(fz), "%s", strstr(line, ":freezer:") + 9);
	}
	fclose(f);
	if (cg.v2[0] && v2[0] && strcmp(v2, "/") != 0 &&
	    hostprobe_cgroup_root_freezer(cg.v2) == HOSTPROBE_FREEZER_CGROUP2)
		snprintf(out, len, "%s%s", cg.v2, v2);
	else if (cg.v1_freezer[0] && fz[0] && strcmp(fz, "/") != 0)
		snprintf(out, len, "%s%s", cg.v1_freezer, fz);
}

/* GET /containers/{id}/json → State.Pid, State.Running, State.ExitCode. */
static int docker_state(const char *resp, pid_t *pid, int *running, int *code)
{
	json_t *j = resp ? json_loads(resp, 0, NULL) : NULL;
	json_t *st = j ? json_object_get(j, "State") : NULL;

	if (!st) {
		json_decref(j);
		return -1;
	}
	*pid = (pid_t)json_integer_value(json_object_get(st, "Pid"));
	*running = json_is_true(json_object_get(st, "Running"));
	*code = (int)json_integer_value(json_object_get(st, "ExitCode"));
	json_decref(j);
	return 0;
}

/* Joins a container that the inspect answer shows running to the hub as node idx. One that
 * is no longer there (it exited at once) is left to the run's status checks, which report its
 * exit as for any node. With hold, the container is then frozen (its cgroup) until
 * docker_release: see docker_nodes_start. */
static int docker_attach(struct docker_rt *p, size_t idx, const char *address, const char *inspect,
			 int hold, struct fl_error *err)
{
	struct docker_node *dn = &p->nodes[idx];
	int running = 0, code;
	struct fl_error ignored;
	pid_t pid = 0;

	if (docker_state(inspect, &pid, &running, &code) < 0 || !running || pid <= 0)
		return 0;
	if (docker_net_attach(&p->net, idx, pid, address, err) < 0) {
		if (kill(pid, 0) < 0 && errno == ESRCH) {
			log_debug("docker: node %s exited before its network was made", dn->name);
			return 0;
		}
		return fl_wrap(err, "network of node %s", dn->name);
	}
	docker_cgroup_of(pid, dn->cgroup, sizeof(dn->cgroup));
	if (hold && dn->cgroup[0])
		cgroup_freeze(dn->cgroup, 1, 0, &ignored); /* not waited for: see docker_release */
	return 0;
}

/* Thaws the nodes first..first+n-1 that docker_attach held, all at once. */
static void docker_release(struct docker_rt *p, size_t first, size_t n)
{
	struct fl_error e;

	for (size_t i = first; i < first + n; i++)
		if (p->nodes[i].cgroup[0])
			cgroup_freeze(p->nodes[i].cgroup, 0, 0, &e);
	for (size_t i = first; i < first + n; i++)
		if (p->nodes[i].cgroup[0] && cgroup_freeze_state(p->nodes[i].cgroup) == 1 &&
		    cgroup_freeze(p->nodes[i].cgroup, 0, 1000, &e) < 0)
			log_warn("docker: node %s: %s", p->nodes[i].name, e.msg);
}

/* One deploy: every node's chain create → start → inspect runs on its own as soon as the
 * previous step of that node is answered, up to docker_parallel() requests in flight. */
struct docker_deploy {
	struct docker_rt *p;
	const struct runtime_node_spec *specs;
	size_t first;
	int *stage; /* 0 create, 1 start, 2 inspect */
	char **inspect;
	struct fl_error *err;
	int rc;
};

static int docker_deploy_fail(struct docker_deploy *d, const struct docker_api_req *r, long ok1,
			      long ok2, const char *what, const char *node)
{
	if (d->rc == 0 && docker_expect(r, ok1, ok2, d->err) < 0)
		d->rc = fl_wrap(d->err, "%s node %s", what, node);
	else if (d->rc == 0)
		d->rc = fl_err(d->err, "%s node %s: no answer", what, node);
	return 0;
}

static int docker_deploy_next(struct docker_api_req *r, void *ctx)
{
	struct docker_deploy *d = ctx;
	struct docker_node *dn = &d->p->nodes[d->first + r->index];
	const char *name = d->specs[r->index].name;

	if (d->stage[r->index] == 0) {
		json_t *j = r->status == 201 && r->resp ? json_loads(r->resp, 0, NULL) : NULL;
		const char *id = j ? json_string_value(json_object_get(j, "Id")) : NULL;
		if (id)
			snprintf(dn->id, sizeof(dn->id), "%s", id);
		json_decref(j);
		if (!id)
			return docker_deploy_fail(d, r, 201, 201, "create", name);
		if (d->rc < 0 || d->p->api.draining) /* interrupted: created, never started */
			return 0;
		docker_api_req_clear(r);
		r->method = "POST";
		snprintf(r->path, sizeof(r->path), "/containers/%s/start", dn->id);
	} else if (d->stage[r->index] == 1) {
		if (r->status != 204 && r->status != 304)
			return docker_deploy_fail(d, r, 204, 304, "start", name);
		docker_api_req_clear(r);
		r->method = "GET";
		snprintf(r->path, sizeof(r->path), "/containers/%s/json", dn->id);
	} else {
		struct fl_error e;
		d->inspect[r->index] = steal_ptr(&r->resp);
		if (d->rc == 0 && !d->p->api.draining &&
		    docker_attach(d->p, d->first + r->index, d->specs[r->index].address,
				  d->inspect[r->index], 1, &e) < 0) {
			*d->err = e;
			d->rc = -1;
		}
		return 0;
	}
	d->stage[r->index]++;
	return 1;
}

/* Adds the nodes to p (ids filled in as their containers are created) and the create
 * requests to reqs. */
static int docker_deploy_prepare(struct runtime *rt, const struct runtime_node_spec *specs,
				 size_t n, struct docker_api_req *reqs, struct fl_error *err)
{
	struct docker_rt *p = docker_priv(rt);

	for (size_t i = 0; i < n; i++)
		if (!runtime_node_name_ok(specs[i].name) || docker_find(p, specs[i].name))
			return fl_err(err, "node name \"%s\" is invalid or used twice",
				      specs[i].name ? specs[i].name : "");
	if (p->n + n > p->cap) {
		p->nodes = fl_xreallocarray(p->nodes, p->n + n, sizeof(*p->nodes));
		p->cap = p->n + n;
	}
	for (size_t i = 0; i < n; i++) {
		struct docker_node *dn = &p->nodes[p->n + i];
		json_t *body = docker_create_body(rt->run_id, &specs[i], err);
		if (!body)
			return -1;
		memset(dn, 0, sizeof(*dn));
		snprintf(dn->name, sizeof(dn->name), "%s", specs[i].name);
		snprintf(dn->log_path, sizeof(dn->log_path), "%s",
			 specs[i].log_path ? specs[i].log_path : "/dev/null");
		reqs[i].method = "POST";
		snprintf(reqs[i].path, sizeof(reqs[i].path), "/containers/create?name=fl-%s-%s",
			 rt->run_id, specs[i].name);
		reqs[i].body = json_dumps(body, JSON_COMPACT);
		json_decref(body);
	}
	p->n += n;
	return 0;
}

static void docker_fill(struct docker_node *dn, const char *address, const char *inspect,
			struct runtime_node *out)
{
	int running = 0, code;
	pid_t pid = 0;

	memset(out, 0, sizeof(*out));
	dn->cgroup[0] = '\0';
	snprintf(out->name, sizeof(out->name), "%s", dn->name);
	snprintf(out->address, sizeof(out->address), "%s", address ? address : "");
	snprintf(out->container_id, sizeof(out->container_id), "%s", dn->id);
	snprintf(out->ifname, sizeof(out->ifname), "eth0");
	if (docker_state(inspect, &pid, &running, &code) == 0 && running && pid > 0) {
		out->pid = out->pgid = pid;
		snprintf(out->netns_path, sizeof(out->netns_path), "/proc/%d/ns/net", (int)pid);
		docker_cgroup_of(pid, out->cgroup, sizeof(out->cgroup));
		snprintf(dn->cgroup, sizeof(dn->cgroup), "%s", out->cgroup);
	}
}

/* Starts the containers first..first+n-1 of p->nodes in parallel, then inspects them. */
static int docker_start_all(struct docker_rt *p, size_t first,
			    const struct runtime_node_spec *specs, size_t n,
			    struct runtime_node *out, struct fl_error *err)
{
	struct docker_api_req *reqs = fl_xcalloc(n, sizeof(*reqs));
	struct fl_error ignored;
	int rc;

	for (size_t i = 0; i < n; i++) {
		reqs[i].method = "POST";
		snprintf(reqs[i].path, sizeof(reqs[i].path), "/containers/%s/start",
			 p->nodes[first + i].id);
	}
	rc = docker_api_batch(&p->api, reqs, n, docker_parallel(), err);
	for (size_t i = 0; i < n && rc == 0; i++)
		if (docker_expect(&reqs[i], 204, 304, err) < 0)
			rc = fl_wrap(err, "start node %s", specs[i].name);
	for (size_t i = 0; i < n; i++) {
		docker_api_req_clear(&reqs[i]);
		reqs[i].method = "GET";
		snprintf(reqs[i].path, sizeof(reqs[i].path), "/containers/%s/json",
			 p->nodes[first + i].id);
	}
	if (docker_api_batch(&p->api, reqs, n, docker_parallel(), rc < 0 ? &ignored : err) < 0 &&
	    rc == 0)
		rc = -1;
	for (size_t i = 0; i < n && rc == 0; i++)
		if (docker_attach(p, first + i, specs[i].address, reqs[i].resp, 0, err) < 0)
			rc = -1;
	for (size_t i = 0; i < n; i++) {
		docker_fill(&p->nodes[first + i], specs[i].address, reqs[i].resp, &out[i]);
		if (rc == 0 && docker_logs_add(p->logs, p->nodes[first + i].id,
					       p->nodes[first + i].log_path, err) < 0)
			rc = -1;
		docker_api_req_clear(&reqs[i]);
	}
	free(reqs);
	return rc;
}

/* Ctrl-C during a deploy: nothing new is sent, but the starts dockerd already has in hand are
 * waited for (at most this long) and inspected, so teardown can SIGKILL those containers
 * through their cgroups instead of leaving the kill to a forced DELETE that first waits for
 * the same starts and then kills through containerd (≈2 s from kill to exit per container
 * under load here). */
#define DOCKER_CANCEL_DRAIN_MS 10000

/* A container's process starts before its network exists and before the containers after it
 * in the deploy: a labnode dials its peers at once, fails and backs off (1, 2, 4, … s), and a
 * deploy of 200 containers takes a minute, so early nodes were still backing off after the
 * settle (177 of 200 short of links). Each container is therefore frozen once its network is
 * made and all are thawed together at the end: their redial timers are due by then and every
 * peer is up, as on netns, where every node starts after the whole network exists (200
 * containers: 125–155 nodes short of links after the settle before, none after). */
static int docker_nodes_start(struct runtime *rt, const struct runtime_node_spec *specs, size_t n,
			      struct runtime_node *out, struct fl_error *err)
{
	struct docker_rt *p = docker_priv(rt);
	struct docker_deploy d = {.p = p, .specs = specs, .first = p->n, .err = err};
	struct docker_api_req *reqs;
	double t0 = fltime_mono_ms();
	int rc;

	memset(out, 0, n * sizeof(*out));
	if (!p->net_made)
		return fl_err(err, "docker runtime: nodes_start before net_create");
	if (docker_images_check(p, specs, n, err) < 0)
		return -1;
	if (!p->logs && !(p->logs = docker_logs_new(&p->api, err)))
		return -1;
	reqs = fl_xcalloc(n, sizeof(*reqs));
	d.stage = fl_xcalloc(n, sizeof(*d.stage));
	d.inspect = fl_xcalloc(n, sizeof(*d.inspect));
	rc = docker_deploy_prepare(rt, specs, n, reqs, err);
	if (rc == 0) {
		p->api.cancelled = rt->cancelled;
		p->api.cancel_ctx = rt->cancel_ctx;
		p->api.cancel_drain_ms = DOCKER_CANCEL_DRAIN_MS;
		p->interrupted = 0;
		rc = docker_api_pipeline(&p->api, reqs, n, docker_parallel(), docker_deploy_next,
					 &d, err);
		p->api.cancelled = NULL;
		p->api.cancel_drain_ms = 0;
		docker_release(p, d.first, n);
		if (rc < 0 && runtime_cancelled(rt))
			p->interrupted = 1;
		if (rc == 0)
			rc = d.rc;
	}
	log_debug("docker: %zu containers created, started and inspected in %.1f ms", n,
		  fltime_mono_ms() - t0);
	for (size_t i = 0; i < n; i++) {
		struct docker_node *dn = &p->nodes[d.first + i];
		docker_fill(dn, specs[i].address, d.inspect[i], &out[i]);
		if (rc == 0 && docker_logs_add(p->logs, dn->id, dn->log_path, err) < 0)
			rc = -1;
		docker_api_req_clear(&reqs[i]);
		free(d.inspect[i]);
	}
	free(d.inspect);
	free(d.stage);
	free(reqs);
	return rc;
}

static struct docker_node *docker_node_of(struct runtime *rt, const struct runtime_node *node,
					  struct fl_error *err)
{
	struct docker_node *dn = docker_find(docker_priv(rt), node->name);

	if (!dn)
		fl_err(err, "no node %s in this run", node->name);
	return dn;
}

/* Waits (bounded) for the container to stop running. */
static int docker_wait(struct docker_rt *p, struct docker_node *dn, long timeout_ms,
		       struct fl_error *err)
{
	struct docker_api_req r = {.method = "POST", .timeout_ms = timeout_ms};
	int rc;

	snprintf(r.path, sizeof(r.path), "/containers/%s/wait?condition=not-running", dn->id);
	rc = docker_api_batch(&p->api, &r, 1, 1, err);
	if (rc == 0)
		rc = docker_expect(&r, 200, 200, err);
	docker_api_req_clear(&r);
	return rc;
}

static int docker_node_stop(struct runtime *rt, struct runtime_node *node, int sig,
			    struct fl_error *err)
{
	struct docker_rt *p = docker_priv(rt);
	struct docker_node *dn = docker_node_of(rt, node, err);
	struct fl_error ignored;
	char path[256];

	if (!dn)
		return -1;
	snprintf(path, sizeof(path), "/containers/%s/kill?signal=%d", dn->id, sig);
	/* 409: not running any more, which is what we want */
	if (docker_request(p, "POST", path, NULL, 204, 409, NULL, err) < 0)
		return fl_wrap(err, "stop node %s", node->name);
	if (docker_wait(p, dn, RUNTIME_STOP_TIMEOUT_MS, &ignored) < 0) {
		snprintf(path, sizeof(path), "/containers/%s/kill?signal=KILL", dn->id);
		docker_request(p, "POST", path, NULL, 204, 409, NULL, &ignored);
		if (docker_wait(p, dn, 10000, err) < 0)
			return fl_wrap(err, "node %s did not stop", node->name);
	}
	node->pid = node->pgid = 0;
	node->netns_path[0] = '\0';
	dn->cgroup[0] = '\0';
	return 0;
}

static int docker_node_restart(struct runtime *rt, const struct runtime_node_spec *spec,
			       struct runtime_node *node, struct fl_error *err)
{
	struct docker_rt *p = docker_priv(rt);
	struct docker_node *dn = docker_node_of(rt, node, err);

	if (!dn)
		return -1;
	if (node->pid > 0 && docker_node_stop(rt, node, SIGTERM, err) < 0)
		return -1;
	return docker_start_all(p, (size_t)(dn - p->nodes), spec, 1, node, err);
}

/* pause/unpause (the engine's own freezer). A container whose cgroup a freeze fault of the
 * agent already holds is not paused (so not unpaused after: that would undo the fault). Only
 * the freeze asks the cgroup: on a hybrid host the engine pauses through the v1 freezer while
 * node->cgroup may be the container's cgroup2 dir, which then reads thawed while paused. */
static int docker_node_freeze(struct runtime *rt, struct runtime_node *node, int frozen,
			      struct fl_error *err)
{
	struct docker_node *dn = docker_node_of(rt, node, err);
	char path[256];

	if (!dn)
		return -1;
	if (frozen && cgroup_freeze_state(node->cgroup) == 1)
		return 1;
	snprintf(path, sizeof(path), "/containers/%s/%s", dn->id, frozen ? "pause" : "unpause");
	if (docker_request(docker_priv(rt), "POST", path, NULL, 204, 204, NULL, err) < 0)
		return fl_wrap(err, "%s node %s", frozen ? "pause" : "unpause", node->name);
	return 0;
}

static int docker_node_status(struct runtime *rt, struct runtime_node *node, int *exit_code,
			      int *signal, struct fl_error *err)
{
	struct docker_rt *p = docker_priv(rt);
	struct docker_node *dn = docker_node_of(rt, node, err);
	cleanup_free char *resp = NULL;
	char path[256];
	int running, code;
	pid_t pid;

	*exit_code = *signal = -1;
	if (!dn)
		return -1;
	snprintf(path, sizeof(path), "/containers/%s/json", dn->id);
	if (docker_request(p, "GET", path, NULL, 200, 200, &resp, err) < 0)
		return fl_wrap(err, "status of node %s", node->name);
	if (docker_state(resp, &pid, &running, &code) < 0)
		return fl_err(err, "status of node %s: the inspect answer has no State",
			      node->name);
	if (running)
		return 1;
	/* Docker reports a death by signal N as exit code 128 + N */
	if (code > 128 && code < 128 + 65)
		*signal = code - 128;
	else
		*exit_code = code;
	return 0;
}

static int docker_socket(struct runtime *rt, int domain, int type, int protocol)
{
	return netns_hub_socket(&docker_priv(rt)->net.hub, domain, type, protocol);
}

/* Removes the containers ids[0..n-1] in parallel (force: running ones are killed). dockerd
 * under load sometimes answers 500 "unable to remove filesystem … directory not empty" and
 * leaves the container "Removal In Progress" (once in 200 here); a second DELETE a moment
 * later removes it, so those are retried (3 rounds, 500 ms apart). */
static int docker_remove_ids(struct docker_rt *p, char (*ids)[80], size_t n, struct fl_error *err)
{
	struct docker_api_req *reqs = fl_xcalloc(n + 1, sizeof(*reqs));
	size_t *todo = fl_xcalloc(n + 1, sizeof(*todo)), k = n;
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		todo[i] = i;
	for (int round = 0; round < 4 && k > 0 && rc == 0; round++) {
		size_t again = 0;

		if (round > 0)
			fltime_sleep_ms(500);
		for (size_t i = 0; i < k; i++) {
			docker_api_req_clear(&reqs[i]);
			memset(&reqs[i], 0, sizeof(reqs[i]));
			reqs[i].method = "DELETE";
			snprintf(reqs[i].path, sizeof(reqs[i].path), "/containers/%s?force=1&v=1",
				 ids[todo[i]]);
		}
		rc = docker_api_batch(&p->api, reqs, k, docker_parallel(), err);
		for (size_t i = 0; i < k && rc == 0; i++) {
			if (reqs[i].status == 500 && round < 3)
				todo[again++] = todo[i];
			else if (docker_expect(&reqs[i], 204, 404, err) < 0)
				rc = -1;
		}
		if (again)
			log_debug("docker: %zu containers not removed yet, again", again);
		k = again;
	}
	for (size_t i = 0; i < n; i++)
		docker_api_req_clear(&reqs[i]);
	free(todo);
	free(reqs);
	return rc;
}

/* An interrupted create may have made a container whose id never reached us: the run's
 * label finds it (this run's containers only). */
static int docker_remove_labelled(struct runtime *rt, struct fl_error *err)
{
	struct docker_rt *p = docker_priv(rt);
	cleanup_free char *resp = NULL;
	char path[256], (*ids)[80];
	json_t *arr, *v;
	size_t i, k = 0;
	int rc;

	snprintf(path, sizeof(path),
		 "/containers/json?all=1&filters=%%7B%%22label%%22%%3A%%5B%%22faultlab.run%%3D%s%%"
		 "22%%5D%%7D",
		 rt->run_id);
	if (docker_request(p, "GET", path, NULL, 200, 200, &resp, err) < 0)
		return -1;
	arr = json_loads(resp, 0, NULL);
	ids = fl_xcalloc(json_array_size(arr) + 1, sizeof(*ids));
	json_array_foreach(arr, i, v) {
		const char *id = json_string_value(json_object_get(v, "Id"));
		if (id)
			snprintf(ids[k++], sizeof(ids[0]), "%s", id);
	}
	json_decref(arr);
	if (k)
		log_debug("docker: removing %zu containers of an interrupted deploy by label", k);
	rc = docker_remove_ids(p, ids, k, err);
	free(ids);
	return rc;
}

static int docker_teardown(struct runtime *rt, struct fl_error *err)
{
	struct docker_rt *p = docker_priv(rt);
	char(*ids)[80] = fl_xcalloc(p->n + 1, sizeof(*ids));
	double t0 = fltime_mono_ms(), t1, t2, t3;
	size_t k = 0, n = p->n;
	int rc;

	/* SIGKILL to every container's processes at once through its cgroup first: a forced
	 * DELETE of a running container kills it through containerd and waits, one container
	 * at a time in effect (20 labnodes here: 6.0–6.5 s that way, 3.6–4.0 s after the kill) */
	for (size_t i = 0; i < p->n; i++)
		if (p->nodes[i].cgroup[0])
			cgroup_kill(p->nodes[i].cgroup, 0);
	for (size_t i = 0; i < p->n; i++)
		if (p->nodes[i].id[0])
			snprintf(ids[k++], sizeof(ids[0]), "%s", p->nodes[i].id);
	rc = docker_remove_ids(p, ids, k, err);
	free(ids);
	p->n = 0;
	t1 = fltime_mono_ms();
	if (p->interrupted && docker_remove_labelled(rt, rc < 0 ? &(struct fl_error){0} : err) < 0)
		rc = -1;
	p->interrupted = 0;
	t2 = fltime_mono_ms();
	docker_logs_free(p->logs, 2000);
	p->logs = NULL;
	t3 = fltime_mono_ms();
	if (p->net_made && netns_hub_destroy(&p->net.hub, rc < 0 ? &(struct fl_error){0} : err) < 0)
		rc = -1;
	p->net_made = 0;
	runlock_unhold(rt->run_id, ".rt.lock", &p->lock_fd);
	log_debug("docker: teardown of %zu nodes in %.1f ms (containers %.1f, by label %.1f, logs "
		  "%.1f, hub %.1f)",
		  n, fltime_mono_ms() - t0, t1 - t0, t2 - t1, t3 - t2, fltime_mono_ms() - t3);
	return rc < 0 ? fl_wrap(err, "docker teardown") : 0;
}

static void docker_free(struct runtime *rt)
{
	struct docker_rt *p;
	struct fl_error err;

	if (!rt)
		return;
	p = docker_priv(rt);
	if (p) {
		if (p->net_made || p->n)
			docker_teardown(rt, &err);
		docker_logs_free(p->logs, 0);
		docker_net_free(&p->net);
		free(p->nodes);
		free(p);
	}
	free(rt);
}

const struct runtime_ops docker_ops = {
    .name = "docker",
    .node_overhead_kib = 12 * 1024, /* containerd-shim-runc-v2, measured ~10 MiB */
    .node_extra_tasks = 1,
    .neigh_permanent = 1, /* no ARP: docker_net.c's permanent entries, as netns */
    .ready_timeout_ms = 90000,
    .status_interval_ms = 1000,
    .runs_images = 1,
    .init = docker_init,
    .node_netns = docker_node_netns,
    .net_create = docker_net_create,
    .nodes_start = docker_nodes_start,
    .node_stop = docker_node_stop,
    .node_restart = docker_node_restart,
    .node_freeze = docker_node_freeze,
    .node_status = docker_node_status,
    .socket = docker_socket,
    .teardown = docker_teardown,
    .free = docker_free,
};
