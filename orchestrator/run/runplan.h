/* The plan as the run executes it, read back from plan.json (docs/FORMATS.md) so the run depends on
 * the file contract only, exactly like replay and the analyzer. */
#ifndef FL_RUNPLAN_H
#define FL_RUNPLAN_H

#include "common/error.h"
#include "orchestrator/scenario/fault_kind.h"

#include <stddef.h>
#include <stdint.h>

struct json_t;

enum runplan_event_type { RUNPLAN_SEND, RUNPLAN_FAULT_APPLY, RUNPLAN_FAULT_REVERT };

struct runplan_node {
	char name[64];
	char role[16];
	char image[128];
	char driver[32];
	char reliability[128]; /* comma list, "" = none */
	char **args;	       /* NULL-terminated */
	char address[16];      /* nominal address */
	char site[24];	       /* its site ("site"), "" when in none */
};

struct runplan_fault {
	char id[32];
	char name[64];
	const struct fault_kind *kind; /* its entry of the fault-kind table */
	uint32_t *targets;
	size_t n_targets;
	int64_t start_ms, end_ms;
	int until_delivered; /* "until": "delivered": end_ms is the cap */
	int at_boot;	     /* "at": "boot": applied before the links, not by the timeline */
	char site[24];	     /* "site": the site whose shared uplink it shapes (its site's
			      * agent applies it); "" = each target's own agent */
	uint64_t engine_seed;
	struct fault_params params; /* typed, parsed once here */
};

struct runplan_event {
	char id[16];
	int64_t t_ms;
	enum runplan_event_type type;
	/* send */
	char msg[16];
	char traffic[64];
	char kind[24];
	int accept; /* a request whose receiver is to accept it (scenario accept: true) */
	uint32_t from;
	uint32_t *to;
	size_t n_to;
	uint64_t size;
	/* fault events */
	uint32_t fault;
};

struct runplan {
	char scenario[128];
	uint64_t seed;
	char runtime[16];
	int64_t duration_ms, drain_ms;
	int drain_exact;	/* always wait the whole drain */
	int64_t drain_quiet_ms; /* -1: the run's default */
	int telemetry;		/* the run starts a collector (docs/TELEMETRY.md) */
	char subnet[32];
	struct runplan_node *nodes;
	size_t n_nodes;
	uint32_t (*links)[2];
	size_t n_links;
	struct runplan_fault *faults;
	size_t n_faults;
	struct runplan_event *events;
	size_t n_events;
};

/* Reads plan.json. 0, or -1 + err naming the file and what is wrong (an unknown fault kind or
 * a parameter of the wrong type is "malformed faults"). */
int runplan_load(const char *path, struct runplan *p, struct fl_error *err);
void runplan_free(struct runplan *p);
long runplan_node_find(const struct runplan *p, const char *name);
long runplan_event_find(const struct runplan *p, const char *id);

/* Shifts a nominal address into the run's real subnet: the offset of `addr` inside `nominal`
 * ("10.213.0.0/24") added to the base of `real` ("10.213.7.0/24"). */
/* A fault's params object (plan.json, or a `faultlab inject` request) → out, through the
 * kind's fields: 0, or -1 when a field has the wrong type or names an unknown node. */
int runplan_fault_params(const struct runplan *p, const struct fault_kind *k,
			 const struct json_t *obj, struct fault_params *out);

int runplan_address_shift(const char *nominal, const char *real, const char *addr, char *out,
			  size_t len, struct fl_error *err);

#endif
