/* plan.json read back (docs/FORMATS.md): the one reader of the file, shared by the run, replay and
 * the analyzer, so each depends on the file contract only. Names become indexes, fault params
 * typed struct fault_params (through the fault-kind table), thresholds numbers; nobody past
 * this reader sees JSON.
 *
 * Memory stays bounded for big plans (1 000 nodes, 100 000 messages): the file is mapped, the
 * header (everything but `events`) is parsed on its own, and the events are walked one object
 * at a time — collected into an array by planread_load (the run), or handed to a callback by
 * planread_each_event (the analyzer, which keeps its own ledger and no second copy). */
#ifndef FL_PLANREAD_H
#define FL_PLANREAD_H

#include "common/error.h"
#include "orchestrator/scenario/fault_kind.h"

#include <stddef.h>
#include <stdint.h>

struct json_t;

enum planread_event_type {
	PLANREAD_SEND,
	PLANREAD_FAULT_APPLY,
	PLANREAD_FAULT_REVERT,
	PLANREAD_STORE_QUERY, /* msg = query id (q<N>), traffic, of, from, to = the stores */
};

struct planread_node {
	char name[64];
	char role[16];
	char image[128];
	char driver[32];
	char reliability[128]; /* comma list, "" = none */
	char **args;	       /* NULL-terminated */
	char address[16];      /* nominal address */
	char site[24];	       /* its site ("site"), "" when in none */
};

struct planread_fault {
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

struct planread_event {
	char id[16];
	int64_t t_ms;
	enum planread_event_type type;
	/* send */
	char msg[16];
	char traffic[64];
	char kind[24];
	int accept;	   /* a request whose receiver is to accept it (scenario accept: true) */
	char after[64];	   /* after: the traffic whose delivery opens this one ("" none); t_ms
			    * then counts from that opening (run_gate.c) */
	int64_t within_ms; /* after: how long past that traffic's last send it may wait */
	char of[64];	   /* store-query: the traffic whose messages it asks for */
	int create;	   /* a group traffic's first send: create the group first */
	uint32_t from;
	uint32_t *to;
	size_t n_to;
	uint64_t size;
	/* fault events */
	uint32_t fault;
};

/* An expectation: a threshold given as "99%", "10s" or a number is read as a number (fractions
 * 0..1, ms); where.* NULL when absent. */
struct planread_expect {
	char *metric;
	int has_min, has_max;
	double min, max;
	struct {
		char *kind, *traffic, *from, *to, *fault, *node;
	} where;
};

struct planread {
	char scenario[128];
	uint64_t seed;
	char runtime[16];
	int64_t duration_ms, drain_ms;
	int drain_exact;	/* always wait the whole drain */
	int64_t drain_quiet_ms; /* -1: the run's default */
	int telemetry;		/* the run starts a collector (docs/TELEMETRY.md) */
	char subnet[32];
	struct planread_node *nodes;
	size_t n_nodes;
	uint32_t (*links)[2];
	size_t n_links;
	struct planread_fault *faults;
	size_t n_faults;
	struct planread_expect *expects;
	size_t n_expects;
	struct planread_event *events; /* planread_load only; planread_open leaves it empty */
	size_t n_events;
	size_t events_bytes;	  /* the size of plan.json's events array (a send takes ~150) */
	struct planread_src *src; /* the reader's own (planread.c): the mapped file, name tables;
				   * NULL in a plan built by hand (names then found by a scan) */
};

/* Reads plan.json: everything but the events (planread_open), or everything (planread_load).
 * 0, or -1 + err naming the file and what is wrong (an unknown fault kind or a parameter of
 * the wrong type is "malformed faults"). planread_free in both cases. */
int planread_open(const char *path, struct planread *p, struct fl_error *err);
int planread_load(const char *path, struct planread *p, struct fl_error *err);
/* After planread_open: each event in plan order, typed (e->to and the strings live until the
 * callback returns). A callback's -1 stops the walk and is returned (its err is its own). */
int planread_each_event(struct planread *p, int (*each)(void *ctx, const struct planread_event *e),
			void *ctx, struct fl_error *err);
void planread_free(struct planread *p);
long planread_node_find(const struct planread *p, const char *name);
long planread_event_find(const struct planread *p, const char *id);

/* A fault's params object (plan.json, or a `faultlab inject` request) → out, through the
 * kind's fields: 0, or -1 when a field has the wrong type or names an unknown node. */
int planread_fault_params(const struct planread *p, const struct fault_kind *k,
			  const struct json_t *obj, struct fault_params *out);

/* Shifts a nominal address into the run's real subnet: the offset of `addr` inside `nominal`
 * ("10.213.0.0/24") added to the base of `real` ("10.213.7.0/24"). */
int planread_address_shift(const char *nominal, const char *real, const char *addr, char *out,
			   size_t len, struct fl_error *err);

#endif
