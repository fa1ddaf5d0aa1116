/* The scenario language of docs/SCENARIO.md as plain C structs.
 *
 *   struct scenario sc;
 *   struct scenario_errors errs;
 *   if (scenario_load("smoke.yaml", &sc, &errs) < 0) {
 *           scenario_errors_print(&errs, stderr);    // "smoke.yaml:12:5: unknown key ..."
 *           return FL_EXIT_INVALID;
 *   }
 *   ... use sc (nodes are expanded, units are in base units: ms, bits/s, bytes, fractions)
 *   scenario_free(&sc);
 *
 * Only the parser sees libyaml. Every value keeps the line:col of where it was written
 * (struct scenario_mark, 1-based), so later checks (and the run) can point at the file.
 * Defaults are filled in: drain 30s, runtime netns, role relay, image labnode, size 256B,
 * traffic names t<N>, fault names f<N>, topology full when the key is absent. */
#ifndef FL_SCENARIO_H
#define FL_SCENARIO_H

#include "orchestrator/analyze/metric.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SCENARIO_MAX_ERRORS 20
#define SCENARIO_MAX_NODES 16000

struct scenario_mark {
	int line; /* 1-based; 0 when unknown */
	int col;  /* 1-based */
};

/* Up to SCENARIO_MAX_ERRORS errors of one file, in file order of discovery. */
struct scenario_error {
	struct scenario_mark at;
	char msg[480];
};

struct scenario_errors {
	char file[256]; /* the path as given (or the buffer's name) */
	size_t n;	/* errors kept */
	size_t dropped; /* errors beyond the cap */
	struct scenario_error e[SCENARIO_MAX_ERRORS];
};

struct scenario_strv {
	char **v;
	size_t n;
};

enum scenario_role { SCENARIO_ROLE_RELAY, SCENARIO_ROLE_SERVICE, SCENARIO_ROLE_LIGHT };

struct scenario_image {
	char *name;   /* key under images: */
	char *image;  /* docker reference, NULL when not given */
	char *driver; /* labnode | waku-rest | status-cli */
	struct scenario_mark mark;
};

struct scenario_node {
	char *name; /* one node per entry: brace ranges are already expanded */
	enum scenario_role role;
	char *image; /* a key of images, or "labnode" */
	struct scenario_strv reliability;
	struct scenario_strv args;
	struct scenario_mark mark, role_mark, image_mark, reliability_mark;
	int reliability_set; /* given on the node itself (not inherited from defaults) */
	size_t site;	     /* 1 + the index of its site in sites, 0 when in none */
};

/* A selector: "alice", "svc*", "all", [a, b], {pick: 2, from: "svc*"}. */
enum scenario_sel_kind {
	SCENARIO_SEL_NAME,
	SCENARIO_SEL_GLOB,
	SCENARIO_SEL_ALL,
	SCENARIO_SEL_LIST,
	SCENARIO_SEL_PICK,
	SCENARIO_SEL_SITE, /* {site: NAME}: the nodes of that site (text = its name) */
};

struct scenario_selector {
	enum scenario_sel_kind kind;
	char *text;			 /* NAME, GLOB */
	struct scenario_selector *items; /* LIST */
	size_t n_items;
	unsigned pick;			/* PICK: how many */
	struct scenario_selector *from; /* PICK: drawn from */
	struct scenario_mark mark;
};

enum scenario_topology_kind {
	SCENARIO_TOPO_FULL,
	SCENARIO_TOPO_MESH,
	SCENARIO_TOPO_RING,
	SCENARIO_TOPO_STAR,
	SCENARIO_TOPO_LINE,
	SCENARIO_TOPO_NONE,
};

struct scenario_link {
	char *a, *b;
	struct scenario_mark mark_a, mark_b;
};

struct scenario_topology {
	enum scenario_topology_kind kind;
	unsigned degree; /* mesh only */
	struct scenario_link *links;
	size_t n_links;
	struct scenario_mark mark, degree_mark;
};

enum scenario_traffic_kind {
	SCENARIO_TRAFFIC_DM,
	SCENARIO_TRAFFIC_CONTACT_REQUEST,
	SCENARIO_TRAFFIC_JOIN_REQUEST,
	SCENARIO_TRAFFIC_GROUP,
	SCENARIO_TRAFFIC_RELAY,
	SCENARIO_TRAFFIC_LIGHTPUSH,
	SCENARIO_TRAFFIC_STORE_QUERY,
};

struct scenario_traffic {
	char *name;
	enum scenario_traffic_kind kind;
	struct scenario_selector from, to;
	double rate_per_s;   /* 0 when interval is given */
	int64_t interval_ms; /* 0 when rate is given */
	int poisson;
	uint64_t count; /* 0 in the file means: as many as fit after start */
	int64_t start_ms;
	uint64_t size_min, size_max; /* equal for a fixed size */
	int accept;		     /* contact-request / join-request: the receiver accepts */
	struct scenario_mark mark, count_mark, start_mark, size_mark, accept_mark;
	char *after;	   /* after: the traffic whose delivery opens this one; NULL none */
	int64_t within_ms; /* within: how long after that traffic's last send it may wait */
	long after_index;  /* sc->traffic index of `after` (validate), -1 none */
	int64_t latest_ms; /* validate: the latest time this traffic's first send can come */
	struct scenario_mark after_mark, within_mark;
	char *of;      /* store-query: the traffic whose messages it asks the store for */
	long of_index; /* sc->traffic index of `of` (validate), -1 none */
	struct scenario_mark of_mark;
};

enum scenario_fault_kind {
	SCENARIO_FAULT_NETEM,
	SCENARIO_FAULT_BANDWIDTH,
	SCENARIO_FAULT_PARTITION,
	SCENARIO_FAULT_LINK_DOWN,
	SCENARIO_FAULT_FREEZE,
	SCENARIO_FAULT_SUSPEND,
	SCENARIO_FAULT_KILL,
	SCENARIO_FAULT_RESTART,
	SCENARIO_FAULT_CONNECTION_DROP,
};

#define SCENARIO_PORTS_MAX 16 /* connection-drop ports: (the agent's limit) */

struct scenario_netem {
	int64_t delay_ms, jitter_ms;
	const char *distribution; /* uniform | normal | pareto | paretonormal */
	double correlation, loss, duplicate, reorder, corrupt; /* fractions 0..1 */
};

struct scenario_fault {
	char *name;
	enum scenario_fault_kind kind;
	int64_t at_ms;
	int64_t for_ms; /* 0 for kill/restart */
	int has_for;
	int64_t every_ms;		  /* repeat: 0 without */
	unsigned times;			  /* 1 without repeat */
	struct scenario_selector target;  /* every kind but partition */
	struct scenario_selector *groups; /* partition */
	size_t n_groups;
	size_t rest_group; /* partition: 1 + the index of the group written `rest`, else 0 */
	const char
	    *direction; /* netem/bandwidth: egress|ingress|both; partition: both|forward|backward */
	struct scenario_netem netem;
	uint64_t rate_bps, burst_bytes;	    /* bandwidth */
	int64_t wake_network_after_ms;	    /* suspend */
	const char *signal;		    /* kill: KILL, TERM, ... */
	const char *mode;		    /* connection-drop: blackhole | reset */
	uint16_t ports[SCENARIO_PORTS_MAX]; /* connection-drop: 0 of them = every port */
	size_t n_ports;
	const char
	    *until;  /* "delivered": revert once the messages sent during it arrived; or NULL */
	int at_boot; /* at: boot — applied before the nodes are connected; at_ms is 0 */
	size_t site; /* netem/bandwidth with target {site: X}: 1 + X's index (its shared uplink is
		      * shaped, once for all its nodes); 0: each target node's own interface */
	struct scenario_mark mark, at_mark, for_mark, repeat_mark, kind_mark, until_mark;
};

/* Thresholds are fractions for delivery, acked, telemetry-drift; ms for latency.* and
 * recovery; counts (integers) for lost, duplicates, reordered. where.from / where.to are node
 * names, where.traffic a traffic name, where.fault a fault name (every occurrence of it). */
struct scenario_expect {
	const char *metric;		/* delivery, lost, duplicates, latency.p95, recovery, ... */
	const struct metric_desc *desc; /* its entry of the metric table (analyze/metric.h) */
	int where_kind;			/* enum scenario_traffic_kind, -1 when not given */
	char *where_traffic, *where_from, *where_to, *where_fault; /* NULL when not given */
	char *where_node; /* per-node metrics (cpu, rss, bytes): the node, NULL = the largest */
	double min, max;  /* fractions, ms or counts */
	int has_min, has_max;
	struct scenario_mark mark, traffic_mark, from_mark, to_mark, fault_mark, node_mark;
};

/* sites: {NAME: selector}: named groups of nodes behind one shared uplink (docs/SCENARIO.md). */
struct scenario_site {
	char *name;
	struct scenario_selector nodes; /* names, globs, lists, all (no picks, no sites) */
	struct scenario_mark mark;
};

struct scenario {
	int version;
	char *name;
	char *description;
	int has_seed;
	uint64_t seed;
	const char *runtime; /* netns | docker */
	int64_t duration_ms, drain_ms;
	int drain_exact;	/* drain: {exactly: …}: always the whole wait */
	int64_t drain_quiet_ms; /* drain: {quiet: …}; -1 = the run's default */
	int telemetry;		/* telemetry: on: the run's collector, nodes push to it */
	struct scenario_image *images;
	size_t n_images;
	struct scenario_node *nodes;
	size_t n_nodes;
	struct scenario_topology topology;
	struct scenario_traffic *traffic;
	size_t n_traffic;
	struct scenario_fault *faults;
	size_t n_faults;
	struct scenario_expect *expect;
	size_t n_expect;
	struct scenario_site *sites;
	size_t n_sites;
	struct scenario_mark duration_mark, drain_mark, sites_mark;
	uint32_t *node_order; /* node indices sorted by (name, index): scenario_node_find */
};

/* Reads, parses and checks a scenario file. Returns 0 with *sc filled (free it with
 * scenario_free), or -1 with every error found (up to SCENARIO_MAX_ERRORS) in *errs and
 * *sc zeroed. */
int scenario_load(const char *path, struct scenario *sc, struct scenario_errors *errs);
/* The same on a buffer; `name` stands for the file in messages. */
int scenario_load_buffer(const char *name, const char *data, size_t len, struct scenario *sc,
			 struct scenario_errors *errs);
void scenario_free(struct scenario *sc);

/* Prints each error as "file:line:col: message", one per line. */
void scenario_errors_print(const struct scenario_errors *errs, FILE *f);
/* Formats error i as "file:line:col: message" into buf. */
void scenario_errors_format(const struct scenario_errors *errs, size_t i, char *buf, size_t len);

/* Index of the (first) node called name, or -1. O(log n). */
long scenario_node_find(const struct scenario *sc, const char *name);
/* Index of the site called name, or -1. */
long scenario_site_find(const struct scenario *sc, const char *name);
/* Index of the image called name, or -1. */
long scenario_image_find(const struct scenario *sc, const char *name);
/* The driver of a node: its image's driver, "labnode" for the built-in image. */
const char *scenario_node_driver(const struct scenario *sc, const struct scenario_node *node);

struct rng;
/* Resolves a selector to node indices (0..n_nodes-1), without duplicates, into out (room for
 * sc->n_nodes). Names and lists keep their written order, globs and `all` file order, picks
 * draw from rng (a NULL rng takes the first ones, which is what validation uses). Returns
 * how many matched. */
size_t scenario_selector_resolve(const struct scenario *sc, const struct scenario_selector *sel,
				 struct rng *rng, uint32_t *out);

const char *scenario_role_name(enum scenario_role role);
const char *scenario_traffic_kind_name(enum scenario_traffic_kind kind);
const char *scenario_fault_kind_name(enum scenario_fault_kind kind);
const char *scenario_topology_kind_name(enum scenario_topology_kind kind);
/* The last moment a fault's occurrences (and a suspend's network wake) reach, in ms. */
int64_t scenario_fault_end_ms(const struct scenario_fault *f);

#endif
