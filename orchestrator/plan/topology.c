/* Links: the generated ones (full, mesh, ring, star, line, none) plus the scenario's extra
 * links, sorted and unique. mesh is a random connected d-regular graph. */
#include "orchestrator/plan/plan.h"

#include "common/rng.h"
#include "common/xalloc.h"

#include <stdlib.h>
#include <string.h>

#define MESH_ATTEMPTS 500
#define MESH_TRIES 64

struct topo {
	struct plan_link *links;
	size_t n, cap;
};

static void topo_add(struct topo *t, uint32_t a, uint32_t b)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->links = fl_xreallocarray(t->links, t->cap, sizeof(*t->links));
	}
	t->links[t->n].a = a < b ? a : b;
	t->links[t->n].b = a < b ? b : a;
	t->n++;
}

struct mesh {
	size_t n;
	unsigned d;
	uint32_t *adj; /* n × d */
	unsigned *deg;
	uint32_t *points; /* free stubs */
	size_t n_points;
};

static int mesh_can_link(const struct mesh *m, uint32_t a, uint32_t b)
{
	if (a == b)
		return 0;
	for (unsigned k = 0; k < m->deg[a]; k++)
		if (m->adj[a * m->d + k] == b)
			return 0;
	return 1;
}

static void mesh_link(struct mesh *m, size_t i, size_t j)
{
	uint32_t a = m->points[i], b = m->points[j];
	size_t hi = i > j ? i : j, lo = i > j ? j : i;

	m->adj[a * m->d + m->deg[a]++] = b;
	m->adj[b * m->d + m->deg[b]++] = a;
	m->points[hi] = m->points[--m->n_points];
	m->points[lo] = m->points[--m->n_points];
}

/* Pairs one stub with another: random tries, then a full scan. 0 when none can pair. */
static int mesh_pair_one(struct mesh *m, struct rng *r)
{
	for (int t = 0; t < MESH_TRIES; t++) {
		size_t i = rng_below(r, m->n_points), j = rng_below(r, m->n_points);

		if (i != j && mesh_can_link(m, m->points[i], m->points[j])) {
			mesh_link(m, i, j);
			return 1;
		}
	}
	for (size_t i = 0; i < m->n_points; i++) {
		for (size_t j = i + 1; j < m->n_points; j++) {
			if (mesh_can_link(m, m->points[i], m->points[j])) {
				mesh_link(m, i, j);
				return 1;
			}
		}
	}
	return 0;
}

static int mesh_connected(const struct mesh *m)
{
	uint32_t *queue = fl_xreallocarray(NULL, m->n, sizeof(*queue));
	uint8_t *seen = fl_xcalloc(m->n, 1);
	size_t head = 0, tail = 0;

	seen[0] = 1;
	queue[tail++] = 0;
	while (head < tail) {
		uint32_t a = queue[head++];

		for (unsigned k = 0; k < m->deg[a]; k++) {
			uint32_t b = m->adj[a * m->d + k];

			if (!seen[b]) {
				seen[b] = 1;
				queue[tail++] = b;
			}
		}
	}
	free(queue);
	free(seen);
	return tail == m->n;
}

/* One attempt of the stub-pairing model with rejection of loops and double links. */
static int mesh_attempt(struct mesh *m, struct rng *r, int connected)
{
	memset(m->deg, 0, m->n * sizeof(*m->deg));
	m->n_points = 0;
	for (size_t i = 0; i < m->n; i++)
		for (unsigned k = 0; k < m->d; k++)
			m->points[m->n_points++] = (uint32_t)i;
	while (m->n_points)
		if (!mesh_pair_one(m, r))
			return 0;
	return !connected || mesh_connected(m);
}

/* Adds the links of m (or of its complement), each once. */
static void mesh_links(struct topo *t, const struct mesh *m, int complement)
{
	for (size_t i = 0; i < m->n; i++) {
		if (!complement) {
			for (unsigned k = 0; k < m->d; k++)
				if (i < m->adj[i * m->d + k])
					topo_add(t, (uint32_t)i, m->adj[i * m->d + k]);
			continue;
		}
		for (size_t j = i + 1; j < m->n; j++)
			if (mesh_can_link(m, (uint32_t)i, (uint32_t)j))
				topo_add(t, (uint32_t)i, (uint32_t)j);
	}
}

/* A random connected d-regular graph. Dense ones (2d >= n) are the complement of a random
 * (n-1-d)-regular graph: stub pairing stalls near completeness, and a d-regular graph with
 * 2d >= n is always connected (two non-neighbours share a neighbour). */
static int topo_mesh(struct topo *t, size_t n, unsigned d, uint64_t seed, struct fl_error *err)
{
	int complement = 2 * (size_t)d >= n;
	struct mesh m = {.n = n, .d = complement ? (unsigned)(n - 1 - d) : d};
	struct rng r;
	int ok = 0;

	rng_seed(&r, rng_derive(seed, "topology", 0));
	m.adj = fl_xcalloc(n * m.d + 1, sizeof(*m.adj));
	m.deg = fl_xcalloc(n + 1, sizeof(*m.deg));
	m.points = fl_xcalloc(n * m.d + 1, sizeof(*m.points));
	for (int a = 0; a < MESH_ATTEMPTS && !ok; a++)
		ok = mesh_attempt(&m, &r, !complement);
	if (ok)
		mesh_links(t, &m, complement);
	free(m.adj);
	free(m.deg);
	free(m.points);
	if (!ok)
		return fl_err(err,
			      "no connected mesh of degree %u on %zu nodes found in %d attempts", d,
			      n, MESH_ATTEMPTS);
	return 0;
}

/* A random Hamiltonian cycle: the only connected 2-regular graphs. */
static void topo_cycle(struct topo *t, size_t n, uint64_t seed)
{
	uint32_t *perm = fl_xreallocarray(NULL, n, sizeof(*perm));
	struct rng r;

	rng_seed(&r, rng_derive(seed, "topology", 0));
	for (size_t i = 0; i < n; i++)
		perm[i] = (uint32_t)i;
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = rng_below(&r, i + 1);
		uint32_t x = perm[i];

		perm[i] = perm[j];
		perm[j] = x;
	}
	for (size_t i = 0; i < n; i++)
		topo_add(t, perm[i], perm[(i + 1) % n]);
	free(perm);
}

static int topo_generated(struct plan *plan, struct topo *t, struct fl_error *err)
{
	const struct scenario_topology *st = &plan->sc->topology;
	size_t n = plan->n_nodes;

	switch (st->kind) {
	case SCENARIO_TOPO_FULL:
		for (size_t i = 0; i < n; i++)
			for (size_t j = i + 1; j < n; j++)
				topo_add(t, (uint32_t)i, (uint32_t)j);
		return 0;
	case SCENARIO_TOPO_MESH:
		if (n == 2 && st->degree == 1) {
			topo_add(t, 0, 1);
			return 0;
		}
		if (st->degree == 2) {
			topo_cycle(t, n, plan->seed);
			return 0;
		}
		return topo_mesh(t, n, st->degree, plan->seed, err);
	case SCENARIO_TOPO_RING:
	case SCENARIO_TOPO_LINE:
		for (size_t i = 0; i + 1 < n; i++)
			topo_add(t, (uint32_t)i, (uint32_t)(i + 1));
		if (st->kind == SCENARIO_TOPO_RING && n > 2)
			topo_add(t, 0, (uint32_t)(n - 1));
		return 0;
	case SCENARIO_TOPO_STAR:
		for (size_t i = 1; i < n; i++)
			topo_add(t, 0, (uint32_t)i);
		return 0;
	default:
		return 0;
	}
}

static int topo_cmp(const void *x, const void *y)
{
	const struct plan_link *a = x, *b = y;

	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	return a->b < b->b ? -1 : a->b > b->b;
}

int plan_topology_build(struct plan *plan, struct fl_error *err)
{
	const struct scenario_topology *st = &plan->sc->topology;
	struct topo t = {0};
	size_t w = 0;

	if (topo_generated(plan, &t, err) < 0) {
		free(t.links);
		return -1;
	}
	for (size_t i = 0; i < st->n_links; i++) {
		long a = scenario_node_find(plan->sc, st->links[i].a);
		long b = scenario_node_find(plan->sc, st->links[i].b);

		if (a < 0 || b < 0 || a == b) {
			free(t.links);
			return fl_err(err, "link [%s, %s] is not between two nodes", st->links[i].a,
				      st->links[i].b);
		}
		topo_add(&t, (uint32_t)a, (uint32_t)b);
	}
	if (t.n)
		qsort(t.links, t.n, sizeof(*t.links), topo_cmp);
	for (size_t i = 0; i < t.n; i++)
		if (w == 0 || topo_cmp(&t.links[w - 1], &t.links[i]) != 0)
			t.links[w++] = t.links[i];
	plan->links = t.links;
	plan->n_links = w;
	return 0;
}
