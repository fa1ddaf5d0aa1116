/* connection-drop: the node's TCP connections that are ESTABLISHED at apply time stop working,
 * while new connections pass — a NAT mapping that expired, a Wi-Fi roam, a middlebox restart.
 *
 * The connections are listed through sock_diag (agents/sockdiag.c), conntrack-free; loopback
 * ones are left alone (they never cross the node's link). params.ports narrows the list to
 * connections whose local or remote port is one of them (the orchestrator passes the node's
 * wire port, so its REST connections survive).
 *   mode blackhole (default): DROP rules matching exactly those 4-tuples, in the fault's
 *     chains FL<run>-<id> (INPUT, packets from the peer) and FL<run>-<id>_o (OUTPUT), held
 *     until revert. Neither end is told: both keep the connection until their own timers
 *     (keep-alives, TCP retransmission timeouts) notice.
 *   mode reset: SOCK_DESTROY on each one (CONFIG_INET_DIAG_DESTROY): the kernel sends the
 *     peer a RST (its reads fail with ECONNRESET) and fails the node's socket with
 *     ECONNABORTED, at once. Nothing is held; revert has nothing to undo.
 * Sweep: the run's chains go with every other chain of the run (partition's sweep). */
#include "agents/fault.h"
#include "agents/iptc_rules.h"
#include "agents/sockdiag.h"

#include "common/cleanup.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONNDROP_MAX 256
#define CONNDROP_PORTS_MAX 16

/* f->state of a blackhole: its chains are to be removed on revert (a reset holds nothing). */
static const int conndrop_held = 1;

struct conndrop_params {
	int reset;
	uint16_t ports[CONNDROP_PORTS_MAX];
	int nports;
};

static int conndrop_parse(json_t *params, struct conndrop_params *p, struct fl_error *err)
{
	static const char *const known[] = {"mode", "ports", NULL};
	json_t *mode = json_object_get(params, "mode"), *ports = json_object_get(params, "ports");
	json_t *v;
	size_t i;

	memset(p, 0, sizeof(*p));
	if (fault_params_only(params, known, err) < 0)
		return -1;
	if (mode && (!json_is_string(mode) || (strcmp(json_string_value(mode), "blackhole") != 0 &&
					       strcmp(json_string_value(mode), "reset") != 0)))
		return fl_err(err, "params.mode: expected \"blackhole\" or \"reset\"");
	p->reset = mode && strcmp(json_string_value(mode), "reset") == 0;
	if (!ports)
		return 0;
	if (!json_is_array(ports) || json_array_size(ports) == 0 ||
	    json_array_size(ports) > CONNDROP_PORTS_MAX)
		return fl_err(err, "params.ports: expected a list of 1 to %d TCP ports",
			      CONNDROP_PORTS_MAX);
	json_array_foreach(ports, i, v) {
		json_int_t n = json_integer_value(v);

		if (!json_is_integer(v) || n < 1 || n > 65535)
			return fl_err(err, "params.ports[%zu]: expected a port 1..65535", i);
		p->ports[p->nports++] = (uint16_t)n;
	}
	return 0;
}

/* Whether the connection is one to drop: not loopback, and on one of the ports if given. */
static int conndrop_wanted(const struct conndrop_params *p, const struct sockdiag_tcp *s)
{
	if ((ntohl(s->remote_addr) >> 24) == 127 || (ntohl(s->local_addr) >> 24) == 127)
		return 0;
	if (p->nports == 0)
		return 1;
	for (int i = 0; i < p->nports; i++)
		if (ntohs(s->local_port) == p->ports[i] || ntohs(s->remote_port) == p->ports[i])
			return 1;
	return 0;
}

/* The snapshot: the wanted established connections; returns how many. */
static int conndrop_snapshot(const struct conndrop_params *p, struct sockdiag_tcp *conns,
			     struct fl_error *err)
{
	int n = sockdiag_tcp_established(conns, CONNDROP_MAX, err), kept = 0;

	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++)
		if (conndrop_wanted(p, &conns[i]))
			conns[kept++] = conns[i];
	return kept;
}

static void conndrop_chains(const struct agent_node *node, const char *id,
			    struct iptc_rules_chain c[2], char names[2][32])
{
	fault_chain_name(node, id, "", names[0], sizeof(names[0]));
	fault_chain_name(node, id, "_o", names[1], sizeof(names[1]));
	c[0] = (struct iptc_rules_chain){.chain = names[0], .hook = "INPUT"};
	c[1] = (struct iptc_rules_chain){.chain = names[1], .hook = "OUTPUT"};
}

/* One commit: per connection, a DROP of the peer's packets on INPUT and of ours on OUTPUT. */
static int conndrop_blackhole(const struct agent_node *node, const struct fault *f,
			      const struct sockdiag_tcp *conns, int n, struct fl_error *err)
{
	cleanup_free struct iptc_rule_spec *in = calloc((size_t)n + 1, sizeof(*in));
	cleanup_free struct iptc_rule_spec *out = calloc((size_t)n + 1, sizeof(*out));
	struct iptc_rules_chain c[2];
	char names[2][32];

	if (!in || !out)
		return fl_err(err, "out of memory");
	for (int i = 0; i < n; i++) {
		const struct sockdiag_tcp *s = &conns[i];

		in[i] = (struct iptc_rule_spec){
		    IPTC_RULE_DROP_TCP4, .src_addr = s->remote_addr, .dst_addr = s->local_addr,
		    .sport = ntohs(s->remote_port), .dport = ntohs(s->local_port)};
		out[i] = (struct iptc_rule_spec){
		    IPTC_RULE_DROP_TCP4, .src_addr = s->local_addr, .dst_addr = s->remote_addr,
		    .sport = ntohs(s->local_port), .dport = ntohs(s->remote_port)};
	}
	conndrop_chains(node, f->id, c, names);
	c[0].rules = in;
	c[0].n = (size_t)n;
	c[1].rules = out;
	c[1].n = (size_t)n;
	return iptc_rules_install_many(c, 2, err);
}

static int conndrop_reset(const struct sockdiag_tcp *conns, int n, struct fl_error *err)
{
	for (int i = 0; i < n; i++) {
		char a[INET_ADDRSTRLEN] = "";
		int gone;

		if (sockdiag_tcp_destroy(&conns[i], &gone, err) < 0) {
			inet_ntop(AF_INET, &conns[i].remote_addr, a, sizeof(a));
			return fl_wrap(err, "reset the connection to %s:%u (%d of %d)", a,
				       ntohs(conns[i].remote_port), i + 1, n);
		}
	}
	return 0;
}

static int conndrop_apply(const struct agent_node *node, struct fault *f, json_t *params,
			  struct fl_error *err)
{
	cleanup_free struct sockdiag_tcp *conns = calloc(CONNDROP_MAX, sizeof(*conns));
	struct conndrop_params p;
	int n;

	if (!conns)
		return fl_err(err, "out of memory");
	if (conndrop_parse(params, &p, err) < 0)
		return -1;
	n = conndrop_snapshot(&p, conns, err);
	if (n < 0)
		return fl_wrap(err, "connection-drop: list connections");
	snprintf(f->engine, sizeof(f->engine), p.reset ? "sock_destroy" : "iptables");
	f->state = p.reset ? NULL : (void *)&conndrop_held;
	if (p.reset)
		return conndrop_reset(conns, n, err) < 0 ? fl_wrap(err, "connection-drop") : 0;
	/* Chains even when n is 0: revert stays uniform, and `iptables -S` shows the fault. */
	return conndrop_blackhole(node, f, conns, n, err) < 0 ? fl_wrap(err, "connection-drop") : 0;
}

static int conndrop_revert(const struct agent_node *node, struct fault *f, struct fl_error *err)
{
	struct iptc_rules_chain c[2];
	char names[2][32];

	if (!f->state)
		return 0;
	f->state = NULL;
	conndrop_chains(node, f->id, c, names);
	return iptc_rules_remove_many(c, 2, err);
}

const struct fault_kind conndrop_fault_kind = {
    .name = "connection-drop",
    .apply = conndrop_apply,
    .revert = conndrop_revert,
};
