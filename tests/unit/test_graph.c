/* test_graph.c — cycles, dependency order and roots on small shapes, and a
 * 100,000-node chain that would overflow a recursive implementation.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "graph.h"
#include "util.h"

static mr_digraph *make(size_t n, const size_t (*edges)[2], size_t m)
{
	mr_digraph *g = mr_digraph_new(n);
	for (size_t i = 0; i < m; i++)
		mr_digraph_add_edge(g, edges[i][0], edges[i][1]);
	return g;
}

static void expect_order(const mr_digraph *g, const size_t *want)
{
	size_t n = mr_digraph_node_count(g);
	size_t *got = mr_xmalloc(n * sizeof *got);
	mr_digraph_dependency_order(g, got);
	for (size_t i = 0; i < n; i++)
		cr_expect_eq(got[i], want[i], "position %zu: got %zu, want %zu", i, got[i], want[i]);
	free(got);
}

static void expect_cycle(const mr_cycle *c, const size_t *want, size_t len)
{
	cr_assert_eq(c->len, len, "cycle length %zu, want %zu", c->len, len);
	for (size_t i = 0; i < len; i++)
		cr_expect_eq(c->nodes[i], want[i], "node %zu: got %zu, want %zu", i, c->nodes[i], want[i]);
}

/* Every edge outside a cycle has its target earlier in the order. */
static void check_edges_respected(const mr_digraph *g, const size_t (*edges)[2], size_t m)
{
	size_t n = mr_digraph_node_count(g);
	size_t *order = mr_xmalloc(n * sizeof *order), *pos = mr_xmalloc(n * sizeof *pos);
	mr_digraph_dependency_order(g, order);
	for (size_t i = 0; i < n; i++)
		pos[order[i]] = i;
	for (size_t i = 0; i < m; i++)
		cr_expect_lt(pos[edges[i][1]], pos[edges[i][0]], "edge %zu -> %zu", edges[i][0], edges[i][1]);
	free(order);
	free(pos);
}

Test(graph, dag_order_and_roots)
{
	/* 0 depends on 1 and 2; 1 on 3; 2 on 3; 4 alone; 5 on 0 */
	static const size_t e[][2] = {{0, 1}, {0, 2}, {1, 3}, {2, 3}, {5, 0}, {0, 1}};
	mr_digraph *g = make(6, e, 6);
	static const size_t want[] = {3, 1, 2, 0, 4, 5};
	expect_order(g, want);
	check_edges_respected(g, e, 6);

	mr_cycle *c;
	size_t nc;
	cr_assert_eq(mr_digraph_cycles(g, &c, &nc), 0);
	cr_expect_eq(nc, 0);
	cr_expect_null(c);
	mr_cycles_free(c, nc);

	size_t roots[6];
	cr_assert_eq(mr_digraph_roots(g, roots), 2);
	cr_expect_eq(roots[0], 4);
	cr_expect_eq(roots[1], 5);
	mr_digraph_free(g);
}

Test(graph, ties_by_smallest_id)
{
	/* 3 -> 0 and 2 -> 1: both 0 and 1 are free, 0 first; then 1 (smaller than 3); */
	static const size_t e[][2] = {{3, 0}, {2, 1}};
	mr_digraph *g = make(4, e, 2);
	static const size_t want[] = {0, 1, 2, 3};
	expect_order(g, want);
	mr_digraph_free(g);

	static const size_t f[][2] = {{0, 3}, {1, 2}};
	g = make(4, f, 2);
	static const size_t want2[] = {2, 1, 3, 0};
	expect_order(g, want2);
	mr_digraph_free(g);
}

Test(graph, one_cycle)
{
	/* 1 -> 2 -> 3 -> 1, 0 -> 1 (behind the cycle), 3 -> 4 (plain dependency) */
	static const size_t e[][2] = {{1, 2}, {2, 3}, {3, 1}, {0, 1}, {3, 4}};
	mr_digraph *g = make(5, e, 5);
	mr_cycle *c;
	size_t nc;
	cr_assert_eq(mr_digraph_cycles(g, &c, &nc), 0);
	cr_assert_eq(nc, 1);
	static const size_t want[] = {1, 2, 3};
	expect_cycle(&c[0], want, 3);
	mr_cycles_free(c, nc);

	static const size_t order[] = {4, 1, 2, 3, 0};
	expect_order(g, order);
	mr_digraph_free(g);
}

Test(graph, cycle_rotated_to_smallest)
{
	/* 5 -> 3 -> 4 -> 5: reported from 3 */
	static const size_t e[][2] = {{5, 3}, {3, 4}, {4, 5}};
	mr_digraph *g = make(6, e, 3);
	mr_cycle *c;
	size_t nc;
	mr_digraph_cycles(g, &c, &nc);
	cr_assert_eq(nc, 1);
	static const size_t want[] = {3, 4, 5};
	expect_cycle(&c[0], want, 3);
	mr_cycles_free(c, nc);
	mr_digraph_free(g);
}

Test(graph, two_disjoint_cycles)
{
	static const size_t e[][2] = {{6, 5}, {5, 6}, {0, 2}, {2, 1}, {1, 0}, {3, 0}};
	mr_digraph *g = make(7, e, 6);
	mr_cycle *c;
	size_t nc;
	mr_digraph_cycles(g, &c, &nc);
	cr_assert_eq(nc, 2);
	static const size_t a[] = {0, 2, 1}, b[] = {5, 6};
	expect_cycle(&c[0], a, 3);
	expect_cycle(&c[1], b, 2);
	mr_cycles_free(c, nc);

	/* 4 is free; then component {0,1,2}, then 3 (behind it), then {5,6} */
	static const size_t order[] = {4, 0, 1, 2, 3, 5, 6};
	expect_order(g, order);
	mr_digraph_free(g);
}

Test(graph, figure_eight_reported_once)
{
	/* two loops sharing node 0: 0 -> 1 -> 0 and 0 -> 2 -> 3 -> 0 */
	static const size_t e[][2] = {{0, 2}, {2, 3}, {3, 0}, {0, 1}, {1, 0}};
	mr_digraph *g = make(4, e, 5);
	mr_cycle *c;
	size_t nc;
	mr_digraph_cycles(g, &c, &nc);
	cr_assert_eq(nc, 1);
	static const size_t want[] = {0, 1};
	expect_cycle(&c[0], want, 2);
	mr_cycles_free(c, nc);
	mr_digraph_free(g);
}

Test(graph, search_backtracks_to_an_elementary_cycle)
{
	/* 0 -> 1, 1 -> 2, 2 -> 1, 2 -> 3, 3 -> 0: the walk 0 1 2 must not go back to 1 */
	static const size_t e[][2] = {{0, 1}, {1, 2}, {2, 1}, {2, 3}, {3, 0}};
	mr_digraph *g = make(4, e, 5);
	mr_cycle *c;
	size_t nc;
	mr_digraph_cycles(g, &c, &nc);
	cr_assert_eq(nc, 1);
	static const size_t want[] = {0, 1, 2, 3};
	expect_cycle(&c[0], want, 4);
	mr_cycles_free(c, nc);
	mr_digraph_free(g);

	/* dead end inside the component: 0 -> 1 -> 2 -> 1, 1 -> 3 -> 0; 2 leads nowhere new */
	static const size_t f[][2] = {{0, 1}, {1, 2}, {2, 1}, {1, 3}, {3, 0}};
	g = make(4, f, 5);
	mr_digraph_cycles(g, &c, &nc);
	cr_assert_eq(nc, 1);
	static const size_t want2[] = {0, 1, 3};
	expect_cycle(&c[0], want2, 3);
	mr_cycles_free(c, nc);
	mr_digraph_free(g);
}

Test(graph, self_loop)
{
	static const size_t e[][2] = {{1, 1}, {2, 1}};
	mr_digraph *g = make(3, e, 2);
	mr_cycle *c;
	size_t nc;
	mr_digraph_cycles(g, &c, &nc);
	cr_assert_eq(nc, 1);
	static const size_t want[] = {1};
	expect_cycle(&c[0], want, 1);
	mr_cycles_free(c, nc);

	static const size_t order[] = {0, 1, 2};
	expect_order(g, order);
	size_t roots[3];
	cr_assert_eq(mr_digraph_roots(g, roots), 2);
	cr_expect_eq(roots[0], 0);
	cr_expect_eq(roots[1], 2);
	mr_digraph_free(g);

	/* a self loop on the smallest node of a larger component is not the cycle reported */
	static const size_t f[][2] = {{0, 0}, {0, 1}, {1, 0}};
	g = make(2, f, 3);
	mr_digraph_cycles(g, &c, &nc);
	cr_assert_eq(nc, 1);
	static const size_t want2[] = {0, 1};
	expect_cycle(&c[0], want2, 2);
	mr_cycles_free(c, nc);
	mr_digraph_free(g);
}

Test(graph, edges_out_of_range_and_empty)
{
	mr_digraph *g = mr_digraph_new(0);
	mr_digraph_add_edge(g, 0, 0);
	mr_cycle *c;
	size_t nc;
	cr_assert_eq(mr_digraph_cycles(g, &c, &nc), 0);
	cr_expect_eq(nc, 0);
	mr_digraph_dependency_order(g, NULL);
	cr_expect_eq(mr_digraph_roots(g, NULL), 0);
	mr_digraph_free(g);

	g = mr_digraph_new(2);
	mr_digraph_add_edge(g, 0, 7);
	mr_digraph_add_edge(g, 9, 1);
	size_t roots[2];
	cr_expect_eq(mr_digraph_roots(g, roots), 2);
	mr_digraph_free(g);
	cr_expect_eq(mr_digraph_cycles(NULL, &c, &nc), -1);
	mr_digraph_free(NULL);
}

Test(graph, long_chain_without_stack_overflow)
{
	size_t n = 100000;
	mr_digraph *g = mr_digraph_new(n);
	/* i depends on i+1, so n-1 comes first */
	for (size_t i = 0; i + 1 < n; i++)
		mr_digraph_add_edge(g, i, i + 1);
	size_t *order = mr_xmalloc(n * sizeof *order);
	mr_digraph_dependency_order(g, order);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(order[i], n - 1 - i, "position %zu", i);
	mr_cycle *c;
	size_t nc;
	mr_digraph_cycles(g, &c, &nc);
	cr_expect_eq(nc, 0);
	mr_cycles_free(c, nc);

	/* close the chain into one huge cycle: found, in order, from 0 */
	mr_digraph_add_edge(g, n - 1, 0);
	mr_digraph_cycles(g, &c, &nc);
	cr_assert_eq(nc, 1);
	cr_assert_eq(c[0].len, n);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(c[0].nodes[i], i);
	mr_cycles_free(c, nc);
	mr_digraph_dependency_order(g, order);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(order[i], i);
	free(order);
	mr_digraph_free(g);
}

/* Random graphs: the order is a permutation, respects every edge between
 * different components, and puts every node that reaches a cycle last. */
Test(graph, random_graphs_keep_the_rules)
{
	unsigned seed = 7;
	size_t cycles_seen = 0;
	for (int round = 0; round < 300; round++) {
		size_t n = 1 + (size_t)round % 30, tries = (size_t)round % 45, m = 0;
		size_t (*e)[2] = mr_xmalloc((tries ? tries : 1) * sizeof *e);
		mr_digraph *g = mr_digraph_new(n);
		for (size_t i = 0; i < tries; i++) {
			seed = seed * 1103515245u + 12345u;
			size_t a = (seed >> 8) % n;
			seed = seed * 1103515245u + 12345u;
			size_t b = (seed >> 8) % n;
			if (round % 2 == 0) {   /* even rounds: acyclic, edges point to smaller ids */
				if (a == b)
					continue;
				if (a < b) {
					size_t t = a;
					a = b;
					b = t;
				}
			}
			e[m][0] = a;
			e[m][1] = b;
			m++;
			mr_digraph_add_edge(g, a, b);
		}
		size_t *order = mr_xmalloc(n * sizeof *order), *pos = mr_xmalloc(n * sizeof *pos);
		bool *hit = mr_xcalloc(n, sizeof *hit);
		mr_digraph_dependency_order(g, order);
		for (size_t i = 0; i < n; i++) {
			cr_assert_lt(order[i], n);
			cr_assert(!hit[order[i]], "round %d: %zu twice", round, order[i]);
			hit[order[i]] = true;
			pos[order[i]] = i;
		}
		mr_cycle *c;
		size_t nc;
		mr_digraph_cycles(g, &c, &nc);
		if (round % 2 == 0)
			cr_expect_eq(nc, 0, "round %d: acyclic graph has %zu cycles", round, nc);
		for (size_t k = 0; k < nc; k++) {
			/* each reported cycle is made of real edges and repeats no node */
			for (size_t i = 0; i < c[k].len; i++) {
				size_t a = c[k].nodes[i], b = c[k].nodes[(i + 1) % c[k].len];
				bool found = false;
				for (size_t j = 0; j < m && !found; j++)
					found = e[j][0] == a && e[j][1] == b;
				cr_assert(found, "round %d: %zu -> %zu is not an edge", round, a, b);
				for (size_t j = 0; j < i; j++)
					cr_assert_neq(c[k].nodes[j], a, "round %d: repeated node", round);
				cr_assert_geq(a, c[k].nodes[0], "round %d: not rotated", round);
			}
		}
		/* brute force reachability (n <= 30) */
		bool reach[30][30] = {{false}};
		for (size_t j = 0; j < m; j++)
			reach[e[j][0]][e[j][1]] = true;
		for (size_t k = 0; k < n; k++)
			for (size_t i = 0; i < n; i++)
				for (size_t j = 0; j < n; j++)
					if (reach[i][k] && reach[k][j])
						reach[i][j] = true;
		bool tainted[30] = {false};   /* on a cycle or reaching one */
		size_t cyclic_components = 0;
		for (size_t v = 0; v < n; v++) {
			bool first = reach[v][v];
			for (size_t u = 0; u < v && first; u++)
				first = !(reach[u][v] && reach[v][u]);
			cyclic_components += first;
			for (size_t u = 0; u < n; u++)
				if (reach[u][u] && (u == v || reach[v][u]))
					tainted[v] = true;
		}
		cr_expect_eq(nc, cyclic_components, "round %d", round);
		cycles_seen += nc;
		for (size_t j = 0; j < m; j++)
			if (!reach[e[j][1]][e[j][0]])
				cr_assert_lt(pos[e[j][1]], pos[e[j][0]], "round %d: edge %zu -> %zu", round,
					     e[j][0], e[j][1]);
		for (size_t x = 0; x < n; x++)
			for (size_t y = 0; y < n; y++)
				if (!tainted[x] && tainted[y])
					cr_assert_lt(pos[x], pos[y], "round %d: %zu after %zu", round, x, y);
		/* the clean prefix is the smallest-id-first topological order */
		for (size_t i = 0; i < n && !tainted[order[i]]; i++) {
			size_t best = n;
			for (size_t v = 0; v < n && best == n; v++) {
				if (tainted[v] || pos[v] < i)
					continue;
				bool ready = true;
				for (size_t j = 0; j < m; j++)
					if (e[j][0] == v && pos[e[j][1]] >= i)
						ready = false;
				if (ready)
					best = v;
			}
			cr_assert_eq(order[i], best, "round %d position %zu", round, i);
		}
		mr_cycles_free(c, nc);
		free(order);
		free(pos);
		free(hit);
		free(e);
		mr_digraph_free(g);
	}
	cr_expect_gt(cycles_seen, 100, "the random graphs should exercise cycles (%zu)", cycles_seen);
}
