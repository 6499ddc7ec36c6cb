/* graph.c — Tarjan's strongly connected components, cycle extraction and a
 * smallest-id-first topological order, all with explicit stacks: a chain of
 * 100,000 dependencies must not overflow the C stack.
 */
#include "graph.h"

#include <stdbool.h>
#include <stdlib.h>

#include "util.h"

struct mr_digraph {
	size_t n;
	size_t *from, *to;   /* edges in insertion order */
	size_t nedges, cap;
};

/* Compressed adjacency: successors of v are adj[off[v] .. off[v+1]),
 * ascending and without duplicates. */
struct adjacency {
	size_t *off;
	size_t *adj;
};

mr_digraph *mr_digraph_new(size_t n)
{
	mr_digraph *g = mr_xcalloc(1, sizeof *g);
	g->n = n;
	return g;
}

void mr_digraph_free(mr_digraph *g)
{
	if (!g)
		return;
	free(g->from);
	free(g->to);
	free(g);
}

size_t mr_digraph_node_count(const mr_digraph *g)
{
	return g ? g->n : 0;
}

void mr_digraph_add_edge(mr_digraph *g, size_t from, size_t to)
{
	if (!g || from >= g->n || to >= g->n)
		return;
	if (g->nedges == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 8;
		g->from = mr_xreallocarray(g->from, g->cap, sizeof *g->from);
		g->to = mr_xreallocarray(g->to, g->cap, sizeof *g->to);
	}
	g->from[g->nedges] = from;
	g->to[g->nedges] = to;
	g->nedges++;
}

/* Two stable counting sorts (by value, then by key) give rows sorted by
 * value in linear time; duplicates are then adjacent and dropped. */
static void build(size_t n, size_t m, const size_t *key, const size_t *val, struct adjacency *a)
{
	size_t *cnt = mr_xcalloc(n + 1, sizeof *cnt);
	size_t *by_val = mr_xmalloc((m ? m : 1) * sizeof *by_val);
	size_t *order = mr_xmalloc((m ? m : 1) * sizeof *order);

	for (size_t e = 0; e < m; e++)
		cnt[val[e] + 1]++;
	for (size_t v = 0; v < n; v++)
		cnt[v + 1] += cnt[v];
	for (size_t e = 0; e < m; e++)
		by_val[cnt[val[e]]++] = e;

	for (size_t v = 0; v <= n; v++)
		cnt[v] = 0;
	for (size_t e = 0; e < m; e++)
		cnt[key[e] + 1]++;
	for (size_t v = 0; v < n; v++)
		cnt[v + 1] += cnt[v];
	for (size_t i = 0; i < m; i++) {
		size_t e = by_val[i];
		order[cnt[key[e]]++] = e;
	}

	a->off = mr_xcalloc(n + 1, sizeof *a->off);
	a->adj = mr_xmalloc((m ? m : 1) * sizeof *a->adj);
	size_t k = 0, i = 0;
	for (size_t v = 0; v < n; v++) {
		a->off[v] = k;
		for (; i < m && key[order[i]] == v; i++) {
			size_t w = val[order[i]];
			if (k == a->off[v] || a->adj[k - 1] != w)
				a->adj[k++] = w;
		}
	}
	a->off[n] = k;
	free(cnt);
	free(by_val);
	free(order);
}

static void release(struct adjacency *a)
{
	free(a->off);
	free(a->adj);
}

static bool has_self_loop(const struct adjacency *a, size_t v)
{
	for (size_t i = a->off[v]; i < a->off[v + 1]; i++)
		if (a->adj[i] == v)
			return true;
	return false;
}

/* Tarjan's algorithm with an explicit call stack.  comp[v] gets a component
 * number; returns how many components there are. */
static size_t tarjan(size_t n, const struct adjacency *a, size_t *comp)
{
	const size_t NONE = (size_t)-1;
	size_t *index = mr_xmalloc((n ? n : 1) * sizeof *index);
	size_t *low = mr_xmalloc((n ? n : 1) * sizeof *low);
	size_t *stack = mr_xmalloc((n ? n : 1) * sizeof *stack);   /* Tarjan's node stack */
	size_t *call = mr_xmalloc((n ? n : 1) * sizeof *call);     /* DFS path */
	size_t *next = mr_xmalloc((n ? n : 1) * sizeof *next);     /* next edge to try, per node */
	bool *on_stack = mr_xcalloc(n ? n : 1, sizeof *on_stack);
	size_t counter = 0, sp = 0, ncomp = 0;

	for (size_t v = 0; v < n; v++)
		index[v] = NONE;
	for (size_t root = 0; root < n; root++) {
		if (index[root] != NONE)
			continue;
		size_t depth = 0;
		call[depth++] = root;
		index[root] = low[root] = counter++;
		next[root] = a->off[root];
		stack[sp++] = root;
		on_stack[root] = true;
		while (depth) {
			size_t v = call[depth - 1];
			if (next[v] < a->off[v + 1]) {
				size_t w = a->adj[next[v]++];
				if (index[w] == NONE) {
					index[w] = low[w] = counter++;
					next[w] = a->off[w];
					stack[sp++] = w;
					on_stack[w] = true;
					call[depth++] = w;
				} else if (on_stack[w] && index[w] < low[v]) {
					low[v] = index[w];
				}
				continue;
			}
			if (low[v] == index[v]) {
				size_t w;
				do {
					w = stack[--sp];
					on_stack[w] = false;
					comp[w] = ncomp;
				} while (w != v);
				ncomp++;
			}
			depth--;
			if (depth) {
				size_t parent = call[depth - 1];
				if (low[v] < low[parent])
					low[parent] = low[v];
			}
		}
	}
	free(index);
	free(low);
	free(stack);
	free(call);
	free(next);
	free(on_stack);
	return ncomp;
}

/* Members of each component, ascending: comp c holds members[start[c] .. start[c+1]). */
static void group(size_t n, size_t ncomp, const size_t *comp, size_t **start, size_t **members)
{
	*start = mr_xcalloc(ncomp + 1, sizeof **start);
	*members = mr_xmalloc((n ? n : 1) * sizeof **members);
	size_t *fill = mr_xcalloc(ncomp + 1, sizeof *fill);
	for (size_t v = 0; v < n; v++)
		(*start)[comp[v] + 1]++;
	for (size_t c = 0; c < ncomp; c++)
		(*start)[c + 1] += (*start)[c];
	for (size_t v = 0; v < n; v++)
		(*members)[(*start)[comp[v]] + fill[comp[v]]++] = v;
	free(fill);
}

int mr_digraph_cycles(const mr_digraph *g, mr_cycle **out, size_t *count)
{
	*out = NULL;
	*count = 0;
	if (!g)
		return -1;

	size_t n = g->n;
	struct adjacency a;
	build(n, g->nedges, g->from, g->to, &a);
	size_t *comp = mr_xmalloc((n ? n : 1) * sizeof *comp);
	size_t ncomp = tarjan(n, &a, comp);
	size_t *start, *members;
	group(n, ncomp, comp, &start, &members);

	bool *seen = mr_xcalloc(n ? n : 1, sizeof *seen);
	size_t *path = mr_xmalloc((n ? n : 1) * sizeof *path);
	size_t *next = mr_xmalloc((n ? n : 1) * sizeof *next);
	mr_cycle *cycles = NULL;
	size_t ncycles = 0, cap = 0;

	/* Visiting nodes in ascending order meets each component first at its smallest id. */
	bool *done = mr_xcalloc(ncomp ? ncomp : 1, sizeof *done);
	for (size_t s = 0; s < n; s++) {
		size_t c = comp[s];
		if (done[c])
			continue;
		done[c] = true;
		size_t size = start[c + 1] - start[c];
		if (size == 1 && !has_self_loop(&a, s))
			continue;

		/* Depth-first search inside the component until an edge returns to s. */
		size_t depth = 0;
		path[depth++] = s;
		seen[s] = true;
		next[s] = a.off[s];
		while (depth) {
			size_t u = path[depth - 1];
			if (next[u] == a.off[u + 1]) {
				depth--;
				continue;
			}
			size_t v = a.adj[next[u]++];
			if (v == s && (u != s || size == 1))
				break;
			if (comp[v] == c && !seen[v]) {
				seen[v] = true;
				next[v] = a.off[v];
				path[depth++] = v;
			}
		}
		/* A strongly connected component always leads back to s. */
		MR_GROW(cycles, cap, ncycles + 1);
		cycles[ncycles].len = depth;
		cycles[ncycles].nodes = mr_xmalloc(depth * sizeof(size_t));
		for (size_t i = 0; i < depth; i++)
			cycles[ncycles].nodes[i] = path[i];
		ncycles++;
	}

	free(done);
	free(seen);
	free(path);
	free(next);
	free(start);
	free(members);
	free(comp);
	release(&a);
	*out = cycles;
	*count = ncycles;
	return 0;
}

void mr_cycles_free(mr_cycle *c, size_t count)
{
	if (!c)
		return;
	for (size_t i = 0; i < count; i++)
		free(c[i].nodes);
	free(c);
}

/* A binary min-heap of ids. */
struct heap {
	size_t *v;
	size_t len;
};

static void heap_push(struct heap *h, size_t x)
{
	size_t i = h->len++;
	while (i && h->v[(i - 1) / 2] > x) {
		h->v[i] = h->v[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h->v[i] = x;
}

static size_t heap_pop(struct heap *h)
{
	size_t top = h->v[0], x = h->v[--h->len], i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->len)
			break;
		if (c + 1 < h->len && h->v[c + 1] < h->v[c])
			c++;
		if (h->v[c] >= x)
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	if (h->len)
		h->v[i] = x;
	return top;
}

void mr_digraph_dependency_order(const mr_digraph *g, size_t *out)
{
	if (!g)
		return;
	size_t n = g->n, k = 0;
	struct adjacency fwd, rev;
	build(n, g->nedges, g->from, g->to, &fwd);
	build(n, g->nedges, g->to, g->from, &rev);
	size_t *waiting = mr_xmalloc((n ? n : 1) * sizeof *waiting);   /* dependencies not yet placed */
	bool *placed = mr_xcalloc(n ? n : 1, sizeof *placed);
	struct heap h = {mr_xmalloc((n ? n : 1) * sizeof(size_t)), 0};

	/* Kahn's algorithm; a self loop keeps its node waiting for ever. */
	for (size_t v = 0; v < n; v++) {
		waiting[v] = fwd.off[v + 1] - fwd.off[v];
		if (!waiting[v])
			heap_push(&h, v);
	}
	while (h.len) {
		size_t v = heap_pop(&h);
		out[k++] = v;
		placed[v] = true;
		for (size_t i = rev.off[v]; i < rev.off[v + 1]; i++)
			if (--waiting[rev.adj[i]] == 0)
				heap_push(&h, rev.adj[i]);
	}

	if (k < n) {
		/* The rest: the same over components, edges inside a component ignored.
		 * A component's heap key is its smallest id (its first member). */
		size_t *comp = mr_xmalloc(n * sizeof *comp);
		size_t ncomp = tarjan(n, &fwd, comp);
		size_t *start, *members;
		group(n, ncomp, comp, &start, &members);
		size_t *cwait = mr_xcalloc(ncomp, sizeof *cwait);
		for (size_t u = 0; u < n; u++) {
			if (placed[u])
				continue;
			for (size_t i = fwd.off[u]; i < fwd.off[u + 1]; i++) {
				size_t v = fwd.adj[i];
				if (!placed[v] && comp[v] != comp[u])
					cwait[comp[u]]++;
			}
		}
		bool *queued = mr_xcalloc(ncomp, sizeof *queued);
		for (size_t u = 0; u < n; u++) {
			size_t c = comp[u];
			if (!placed[u] && !queued[c] && cwait[c] == 0) {
				queued[c] = true;
				heap_push(&h, u);
			}
		}
		while (h.len) {
			size_t c = comp[heap_pop(&h)];
			for (size_t m = start[c]; m < start[c + 1]; m++)
				out[k++] = members[m];
			for (size_t m = start[c]; m < start[c + 1]; m++) {
				size_t v = members[m];
				for (size_t i = rev.off[v]; i < rev.off[v + 1]; i++) {
					size_t u = rev.adj[i], cu = comp[u];
					if (cu != c && !placed[u] && --cwait[cu] == 0 && !queued[cu]) {
						queued[cu] = true;
						heap_push(&h, members[start[cu]]);
					}
				}
			}
		}
		free(queued);
		free(cwait);
		free(start);
		free(members);
		free(comp);
	}

	free(h.v);
	free(placed);
	free(waiting);
	release(&fwd);
	release(&rev);
}

size_t mr_digraph_roots(const mr_digraph *g, size_t *out)
{
	if (!g)
		return 0;
	bool *has_in = mr_xcalloc(g->n ? g->n : 1, sizeof *has_in);
	for (size_t e = 0; e < g->nedges; e++)
		if (g->from[e] != g->to[e])
			has_in[g->to[e]] = true;
	size_t k = 0;
	for (size_t v = 0; v < g->n; v++)
		if (!has_in[v])
			out[k++] = v;
	free(has_in);
	return k;
}
