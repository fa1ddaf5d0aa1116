/* Internal to orchestrator/scenario/: the parse context, the key-table walker and the typed
 * value readers shared by the parse_*.c files. Every reader records its own positioned error
 * and returns -1, so a caller can simply go on to the next key: one pass finds many errors. */
#ifndef FL_SCENARIO_PARSE_H
#define FL_SCENARIO_PARSE_H

#include "common/error.h"
#include "orchestrator/scenario/scenario.h"
#include "orchestrator/scenario/ytree.h"

#include <stdint.h>

struct sparse {
	struct scenario *sc;
	struct scenario_errors *errs;
	struct scenario_node dflt;		    /* defaults: (image, role, reliability, args) */
	int dflt_role, dflt_reliability, dflt_args; /* which of them defaults: set */
	const struct ytree *fault_map;		    /* the fault mapping being read */
};

/* The node keys, shared by nodes: entries and defaults: (parse_nodes.c). */
int scenario_parse_defaults(struct sparse *p, const struct ytree *v);
void scenario_node_free(struct scenario_node *node);

/* Records "message" at the given position (kept in file order of discovery). */
void scenario_error_at(struct sparse *p, struct scenario_mark at, const char *fmt, ...)
    FL_PRINTF(3, 4);
void scenario_errors_init(struct scenario_errors *errs, const char *file);

/* One key of a mapping: its reader gets the value and the object being filled. */
struct scenario_key {
	const char *key;
	int required;
	int (*read)(struct sparse *p, const struct ytree *value, void *obj);
};

/* Checks that map is a mapping (else "expected <what>, got a sequence"), refuses unknown and
 * repeated keys ("unknown key "degre" in topology (expected one of: kind, degree, links)"),
 * reports missing required keys, and calls each key's reader. `where` names the mapping in
 * messages. Returns -1 when map is not a mapping, else 0 (errors are recorded). */
int scenario_keys_walk(struct sparse *p, const struct ytree *map, const char *what,
		       const char *where, const struct scenario_key *keys, void *obj);

/* Typed readers. `what` describes the expected value ("a string", "a node name"). */
const char *scenario_value_scalar(struct sparse *p, const struct ytree *v, const char *what);
int scenario_value_string(struct sparse *p, const struct ytree *v, char **out);
int scenario_value_uint(struct sparse *p, const struct ytree *v, uint64_t min, uint64_t max,
			uint64_t *out);
int scenario_value_bool(struct sparse *p, const struct ytree *v, int *out);
/* names is NULL-terminated; *out gets the index. */
int scenario_value_enum(struct sparse *p, const struct ytree *v, const char *const *names,
			int *out);
int scenario_value_duration(struct sparse *p, const struct ytree *v, int64_t *ms);
int scenario_value_fraction(struct sparse *p, const struct ytree *v, double *frac);
int scenario_value_bandwidth(struct sparse *p, const struct ytree *v, uint64_t *bps);
int scenario_value_size(struct sparse *p, const struct ytree *v, uint64_t *bytes);
int scenario_value_rate(struct sparse *p, const struct ytree *v, double *per_s);
/* A sequence of scalars (an empty one is fine). */
int scenario_value_strv(struct sparse *p, const struct ytree *v, struct scenario_strv *out);
int scenario_value_selector(struct sparse *p, const struct ytree *v, struct scenario_selector *out);
void scenario_selector_free(struct scenario_selector *sel);
void scenario_strv_free(struct scenario_strv *v);
char *scenario_strdup(const char *s);
/* arrp points at an array pointer (of elem-sized items, *n used): grows it by one zeroed
 * item and returns that item. Aborts on out-of-memory. */
void *scenario_array_push(void *arrp, size_t *n, size_t elem);

/* Is v an empty value (`key:` alone, ~ or null)? List sections treat it as empty. */
int scenario_value_is_null(const struct ytree *v);

/* The sections (parse_*.c). */
int scenario_parse_top(struct sparse *p, const struct ytree *root);
int scenario_parse_images(struct sparse *p, const struct ytree *v, void *obj);
int scenario_parse_nodes(struct sparse *p, const struct ytree *v, void *obj);
int scenario_parse_topology(struct sparse *p, const struct ytree *v, void *obj);
int scenario_parse_traffic(struct sparse *p, const struct ytree *v, void *obj);
int scenario_parse_faults(struct sparse *p, const struct ytree *v, void *obj);
int scenario_parse_expect(struct sparse *p, const struct ytree *v, void *obj);
int scenario_parse_sites(struct sparse *p, const struct ytree *v, void *obj);
/* Semantic checks on a fully parsed scenario (validate.c, validate_*.c). */
void scenario_validate(struct sparse *p);
void scenario_validate_traffic(struct sparse *p);
void scenario_validate_faults(struct sparse *p);
/* The per-kind parts of the fault-kind table (scenario/fault_kind.h): each kind's keys
 * (parse_faults.c) and own checks (validate_faults.c). */
extern const struct scenario_key scenario_netem_keys[], scenario_bandwidth_keys[],
    scenario_partition_keys[], scenario_target_keys[], scenario_suspend_keys[],
    scenario_kill_keys[], scenario_conndrop_keys[];
void scenario_validate_partition(struct sparse *p, const struct scenario_fault *f);
void scenario_validate_expect(struct sparse *p);
/* Edit distance of two names, capped at 4 (validate.c: the "did you mean" hints). */
size_t scenario_name_distance(const char *a, const char *b);
/* validate_after.c: after/within — names, self, cycles, and each gated traffic's latest
 * opening (latest_ms) with its count checked against the time left after it. */
void scenario_validate_after(struct sparse *p);
/* validate_store_query.c: store-query's `of` (a traffic, did you mean), its store nodes
 * (service, labnode), and `of` refused on other kinds. */
void scenario_validate_store_query(struct sparse *p, struct scenario_traffic *t);
/* "no traffic named "x"" for key `key` of t at `at`, with a "did you mean" when one is close. */
void scenario_validate_unknown_traffic(struct sparse *p, const struct scenario_traffic *t,
				       const char *key, const char *name, struct scenario_mark at);
long scenario_traffic_find(const struct scenario *sc, const char *name);
/* validate_traffic.c: start and count of t against the duration, counted from open_ms. */
void scenario_validate_traffic_time(struct sparse *p, struct scenario_traffic *t, int64_t open_ms);
/* The latest plan time of t's last send, its first one coming no later than t->latest_ms. */
int64_t scenario_traffic_last_ms(const struct scenario *sc, const struct scenario_traffic *t);
/* sites: each node in at most one, the runtime has shared uplinks, {site: X} names a site
 * (parse_sites.c); run first: it sets every node's site. */
void scenario_validate_sites(struct sparse *p);
/* Records "no site named "x" (sites: a, b)". */
void scenario_validate_unknown_site(struct sparse *p, struct scenario_mark at, const char *name);
/* Frees the sites of sc (load.c's scenario_free). */
void scenario_sites_free(struct scenario *sc);
/* Reads {site: NAME} into out (kind SCENARIO_SEL_SITE); the selector reader calls it for a
 * mapping with a site key. */
int scenario_value_site_selector(struct sparse *p, const struct ytree *v,
				 struct scenario_selector *out);
/* Records "no node named "x"", with a "did you mean" when a node name is close. */
void scenario_validate_unknown_node(struct sparse *p, struct scenario_mark at, const char *name);
/* Records "no node named..." / "matches no node" errors; returns how many nodes matched. */
size_t scenario_validate_selector(struct sparse *p, const struct scenario_selector *sel);

#endif
