/* The fault-kind table. */
#include "orchestrator/scenario/fault_kind.h"
#include "orchestrator/scenario/parse.h"

#include "common/limits_faults.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIELD(key, type, member, plan, agent, inject, limit)                                       \
	{                                                                                          \
		key, type, offsetof(struct fault_params, member), plan, agent, inject, limit       \
	}
#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct fault_field netem_fields[] = {
    FIELD("delay_ms", FAULT_FIELD_MS, delay_ms, 1, 1, "delay", FL_LIMIT_DELAY),
    FIELD("jitter_ms", FAULT_FIELD_MS, jitter_ms, 1, 1, "jitter", FL_LIMIT_JITTER),
    FIELD("distribution", FAULT_FIELD_TEXT, distribution, 1, 1, "distribution", -1),
    FIELD("correlation", FAULT_FIELD_FRAC, correlation, 1, 1, "correlation", FL_LIMIT_FRACTION),
    FIELD("loss", FAULT_FIELD_FRAC, loss, 1, 1, "loss", FL_LIMIT_FRACTION),
    FIELD("duplicate", FAULT_FIELD_FRAC, duplicate, 1, 1, "duplicate", FL_LIMIT_FRACTION),
    FIELD("reorder", FAULT_FIELD_FRAC, reorder, 1, 1, "reorder", FL_LIMIT_FRACTION),
    FIELD("corrupt", FAULT_FIELD_FRAC, corrupt, 1, 1, "corrupt", FL_LIMIT_FRACTION),
    FIELD("rate_bps", FAULT_FIELD_BPS, rate_bps, 0, 1, "rate", FL_LIMIT_RATE),
    FIELD("direction", FAULT_FIELD_TEXT, direction, 1, 1, "direction", -1),
};

static const struct fault_field bandwidth_fields[] = {
    FIELD("rate_bps", FAULT_FIELD_BPS, rate_bps, 1, 1, "rate", FL_LIMIT_RATE),
    FIELD("burst_bytes", FAULT_FIELD_BYTES, burst_bytes, 1, 1, "burst", FL_LIMIT_BURST),
    FIELD("direction", FAULT_FIELD_TEXT, direction, 1, 1, "direction", -1),
};

/* The agent gets the addresses this node drops (drop_from), worked out per node by the run
 * from the groups and the direction. */
static const struct fault_field partition_fields[] = {
    FIELD("groups", FAULT_FIELD_GROUPS, group_of, 1, 1, "from", -1),
    FIELD("direction", FAULT_FIELD_TEXT, direction, 1, 0, NULL, -1),
};

static const struct fault_field suspend_fields[] = {
    FIELD("wake_network_after_ms", FAULT_FIELD_MS, wake_network_after_ms, 1, 1,
	  "wake-network-after", FL_LIMIT_WAKE),
};

static const struct fault_field kill_fields[] = {
    FIELD("signal", FAULT_FIELD_SIGNAL, signal, 1, 0, NULL, -1),
};

/* connection-drop (agents/conndrop.c): the TCP connections established at apply time are
 * blackholed (new ones pass) or reset; ports narrows them (none: every non-loopback one). */
static const struct fault_field conndrop_fields[] = {
    FIELD("mode", FAULT_FIELD_TEXT, mode, 1, 1, "mode", -1),
    FIELD("ports", FAULT_FIELD_PORTS, ports, 1, 1, "ports", -1),
};

static const char *netem_sense(const struct fault_params *p)
{
	if (!(p->delay_ms > 0 || p->loss > 0 || p->duplicate > 0 || p->reorder > 0 ||
	      p->corrupt > 0 || p->rate_bps > 0))
		return "netem changes nothing: give at least one of delay, loss, duplicate, "
		       "reorder, corrupt above zero";
	if (p->jitter_ms > 0 && !(p->delay_ms > 0))
		return "netem jitter needs a delay";
	if (p->reorder > 0 && !(p->delay_ms > 0))
		return "netem reorder needs a delay (reordered packets are the ones sent without "
		       "it)";
	return NULL;
}

static const char *bandwidth_sense(const struct fault_params *p)
{
	return p->rate_bps ? NULL : "bandwidth needs a rate";
}

#define FIELDS(a) .fields = (a), .n_fields = N(a)

/* In the order of enum scenario_fault_kind. */
static const struct fault_kind fault_kind_table[] = {
    {.name = "netem",
     .kind = SCENARIO_FAULT_NETEM,
     .via = FAULT_VIA_AGENT,
     .lasts = 1,
     FIELDS(netem_fields),
     .keys = scenario_netem_keys,
     .sense = netem_sense,
     .delay_engine = 1,
     .site_uplink = 1},
    {.name = "bandwidth",
     .kind = SCENARIO_FAULT_BANDWIDTH,
     .via = FAULT_VIA_AGENT,
     .lasts = 1,
     FIELDS(bandwidth_fields),
     .keys = scenario_bandwidth_keys,
     .sense = bandwidth_sense,
     .site_uplink = 1},
    {.name = "partition",
     .kind = SCENARIO_FAULT_PARTITION,
     .via = FAULT_VIA_AGENT,
     .lasts = 1,
     .groups = 1,
     FIELDS(partition_fields),
     .keys = scenario_partition_keys,
     .validate = scenario_validate_partition},
    {.name = "link-down",
     .kind = SCENARIO_FAULT_LINK_DOWN,
     .via = FAULT_VIA_AGENT,
     .lasts = 1,
     .keys = scenario_target_keys},
    {.name = "freeze",
     .kind = SCENARIO_FAULT_FREEZE,
     .via = FAULT_VIA_AGENT,
     .lasts = 1,
     .keys = scenario_target_keys,
     .stops_process = 1},
    {.name = "suspend",
     .kind = SCENARIO_FAULT_SUSPEND,
     .via = FAULT_VIA_AGENT,
     .lasts = 1,
     FIELDS(suspend_fields),
     .keys = scenario_suspend_keys,
     .stops_process = 1},
    {.name = "kill",
     .kind = SCENARIO_FAULT_KILL,
     .via = FAULT_VIA_RUNTIME_STOP,
     .moment_why = "the node stays down until a restart",
     FIELDS(kill_fields),
     .keys = scenario_kill_keys},
    {.name = "restart",
     .kind = SCENARIO_FAULT_RESTART,
     .via = FAULT_VIA_RUNTIME_RESTART,
     .moment_why = "it happens at one moment",
     .keys = scenario_target_keys},
    {.name = "connection-drop",
     .kind = SCENARIO_FAULT_CONNECTION_DROP,
     .via = FAULT_VIA_AGENT,
     .lasts = 1,
     FIELDS(conndrop_fields),
     .keys = scenario_conndrop_keys},
};

const struct fault_kind *fault_kind_at(size_t i)
{
	return i < N(fault_kind_table) ? &fault_kind_table[i] : NULL;
}

const struct fault_kind *fault_kind_of(enum scenario_fault_kind kind)
{
	return fault_kind_at((size_t)kind);
}

const struct fault_kind *fault_kind_find(const char *name)
{
	for (size_t i = 0; name && i < N(fault_kind_table); i++)
		if (strcmp(fault_kind_table[i].name, name) == 0)
			return &fault_kind_table[i];
	return NULL;
}

void fault_kind_names(int agent_only, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < N(fault_kind_table) && off < len; i++)
		if (!agent_only || fault_kind_table[i].via == FAULT_VIA_AGENT)
			off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? ", " : "",
						fault_kind_table[i].name);
}

int fault_signal_parse(const char *name)
{
	if (!name || !*name)
		return 0;
	if (strncmp(name, "SIG", 3) == 0)
		name += 3;
	for (int sig = 1; sig < 32; sig++) {
		const char *abbr = sigabbrev_np(sig);

		if (abbr && strcmp(abbr, name) == 0)
			return sig;
	}
	return atoi(name) > 0 ? atoi(name) : 0;
}

void fault_params_from_scenario(const struct scenario_fault *f, struct fault_params *out)
{
	const struct scenario_netem *ne = &f->netem;

	memset(out, 0, sizeof(*out));
	out->given = ~0u;
	out->delay_ms = ne->delay_ms;
	out->jitter_ms = ne->jitter_ms;
	snprintf(out->distribution, sizeof(out->distribution), "%s",
		 ne->distribution ? ne->distribution : "");
	out->correlation = ne->correlation;
	out->loss = ne->loss;
	out->duplicate = ne->duplicate;
	out->reorder = ne->reorder;
	out->corrupt = ne->corrupt;
	snprintf(out->direction, sizeof(out->direction), "%s", f->direction ? f->direction : "");
	out->rate_bps = f->rate_bps;
	out->burst_bytes = f->burst_bytes;
	out->wake_network_after_ms = f->wake_network_after_ms;
	out->signal = fault_signal_parse(f->signal);
	snprintf(out->mode, sizeof(out->mode), "%s", f->mode ? f->mode : "blackhole");
	memcpy(out->ports, f->ports, sizeof(out->ports));
	out->n_ports = f->n_ports;
}

void fault_params_free(struct fault_params *p)
{
	free(p->group_of);
	p->group_of = NULL;
	p->n_groups = 0;
}

int fault_ports_from_json(const json_t *v, struct fault_params *out)
{
	size_t i;
	json_t *x;

	if (!json_is_array(v) || json_array_size(v) > SCENARIO_PORTS_MAX)
		return -1;
	out->n_ports = 0;
	json_array_foreach(v, i, x) {
		if (!json_is_integer(x) || json_integer_value(x) < 1 ||
		    json_integer_value(x) > 65535)
			return -1;
		out->ports[out->n_ports++] = (uint16_t)json_integer_value(x);
	}
	return 0;
}

json_t *fault_ports_to_json(const struct fault_params *p)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < p->n_ports; i++)
		json_array_append_new(arr, json_integer(p->ports[i]));
	return arr;
}

json_t *fault_ports_parse(const char *s)
{
	json_t *arr = json_array();
	size_t len = strlen(s);
	char *end;

	if (len == 0 || s[len - 1] == ',') { /* "60000," names no last port */
		json_decref(arr);
		return NULL;
	}
	while (arr && *s) {
		long port = strtol(s, &end, 10);

		if (end == s || port < 1 || port > 65535 ||
		    json_array_size(arr) >= SCENARIO_PORTS_MAX || (*end && *end != ','))
			break;
		json_array_append_new(arr, json_integer(port));
		s = *end ? end + 1 : end;
	}
	if (*s || json_array_size(arr) == 0) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}
