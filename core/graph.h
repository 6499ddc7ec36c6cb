/* graph.h — directed graphs over node ids 0..n-1: cycles, a dependency order
 * and roots, for the relationship graph of context.json (`graph`).
 *
 * Every result is deterministic: ties are broken by the smallest node id.
 * Nothing recurses, so graphs of any size and depth are safe.  Allocation
 * failure aborts (util.h), so these functions have no failure to report.
 */
#ifndef MR_GRAPH_H
#define MR_GRAPH_H

#include <stddef.h>

typedef struct mr_digraph mr_digraph;

/* A graph with n nodes and no edges.  Free with mr_digraph_free. */
mr_digraph *mr_digraph_new(size_t n);
void mr_digraph_free(mr_digraph *g);   /* NULL is a no-op */
size_t mr_digraph_node_count(const mr_digraph *g);

/* An edge from -> to.  Duplicate edges are kept but ignored by the algorithms;
 * an edge naming a node >= n is ignored. */
void mr_digraph_add_edge(mr_digraph *g, size_t from, size_t to);

/* One elementary cycle: nodes[0] -> nodes[1] -> ... -> nodes[len-1] -> nodes[0]
 * (the first node is not repeated at the end). */
typedef struct {
	size_t *nodes;
	size_t len;
} mr_cycle;

/* One cycle for each strongly connected component that has one (more than one
 * node, or a single node with an edge to itself), sorted by first node.  Each
 * starts at the component's smallest id and is what a depth-first search from
 * there finds when it tries successors in ascending order, so it is
 * deterministic; self-loops are only reported as cycles of a component of one.
 * *out gets a new array of *count cycles (NULL when there are none); the
 * caller frees it with mr_cycles_free.  Returns 0, or -1 when g is NULL. */
int mr_digraph_cycles(const mr_digraph *g, mr_cycle **out, size_t *count);
void mr_cycles_free(mr_cycle *c, size_t count);

/* Writes all n node ids to out (room for n) so that, when edges point from a
 * dependent to its dependency, dependencies come before dependents.  Nodes
 * that are not on a cycle and reach none come first, smallest available id
 * first.  Then the rest (nodes on cycles and nodes that depend on them), in
 * the same order over strongly connected components, each component's nodes
 * together in ascending order.  O((n + e) log n). */
void mr_digraph_dependency_order(const mr_digraph *g, size_t *out);

/* Writes the ids of nodes with no incoming edge from another node (a self
 * loop does not count) to out (room for n), ascending; returns how many. */
size_t mr_digraph_roots(const mr_digraph *g, size_t *out);

#endif
