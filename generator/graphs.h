/* graphs.h — relationship diagrams with Graphviz in process (cgraph + gvc).
 *
 * A graph is described as plain data (mr_graph).  Its DOT text identifies it
 * (callers hash it to reuse an SVG laid out before).  mr_graphs_render_direct
 * builds it through the cgraph API, has Graphviz lay it out, and writes the SVG
 * itself from the layout — several times faster than Graphviz's SVG renderer,
 * which mr_graphs_render uses on DOT text.  The plugins are linked in
 * (gvContextPlugins), so a missing or broken plugin configuration on the
 * machine cannot break the site.
 *
 * Graphviz keeps global state and is not thread-safe: one mr_graphs per
 * process, used from one thread.  Status convention: 0 success / -1 failure.
 */
#ifndef MR_GRAPHS_H
#define MR_GRAPHS_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

/* Written in place of the path to the site's root in node links; callers
 * replace it (mr_graph_fix_root) with the prefix that fits the page. */
#define MR_GRAPH_ROOT "@ROOT@"

enum mr_gnode_kind {
	MR_GNODE_MODULE,  /* a module of the registry */
	MR_GNODE_CURRENT, /* the module whose neighbourhood is drawn */
	MR_GNODE_MISSING, /* a relationship target that does not exist: dashed */
	MR_GNODE_GROUP,   /* a group of modules (owner or type) in a large registry */
};

typedef struct mr_gnode {
	const char *name;    /* unique within the graph; any text */
	const char *label;   /* shown (shortened when long); NULL: name */
	const char *href;    /* link or NULL; may start with MR_GRAPH_ROOT */
	const char *tooltip; /* NULL: the label */
	const char *status;  /* module status (active, deprecated, ...) or NULL */
	bool invalid;        /* the module's manifest is invalid */
	enum mr_gnode_kind kind;
} mr_gnode;

typedef struct mr_gedge {
	size_t from, to;     /* node indexes */
	const char *type;    /* relationship type (dependency, integration, data-flow, hierarchical); an
	                      * aggregated edge lists several, separated by spaces */
	const char *label;   /* or NULL */
	const char *tooltip; /* or NULL */
	double width;        /* line width; 0: the type's own */
} mr_gedge;

typedef struct mr_graph {
	mr_gnode *nodes;
	size_t nnodes, cnodes;
	mr_gedge *edges;
	size_t nedges, cedges;
	const char *engine;  /* "dot" (default), "neato" or "sfdp" */
	bool fast;           /* limit dot's crossing minimisation, for large graphs */
	bool pack;           /* dot: lay out each connected part alone and pack them in a grid */
} mr_graph;

/* The relationship types, in the order pages list them. */
extern const char *const mr_rel_types[];
#define MR_NREL_TYPES 4

void mr_graph_init(mr_graph *g);
void mr_graph_release(mr_graph *g);
/* Appends a node (the strings are borrowed until the graph is released or
 * written) and returns its index. */
size_t mr_graph_add_node(mr_graph *g, const mr_gnode *n);
/* Appends an edge and returns its index (to set its width). */
size_t mr_graph_add_edge(mr_graph *g, size_t from, size_t to, const char *type, const char *label, const char *tooltip);

/* The graph as DOT text, appended to out.  Every string is quoted and escaped:
 * manifest text cannot change the graph's structure or attributes. */
void mr_graph_dot(const mr_graph *g, mr_buf *out);

typedef struct mr_graphs mr_graphs;

/* One Graphviz context for the process.  NULL with *err when it cannot be set up. */
mr_graphs *mr_graphs_new(char **err);
void mr_graphs_free(mr_graphs *gv);

/* Lays out DOT text (NUL-terminated) with the engine and appends the SVG,
 * from "<svg" to "</svg>" (no XML prolog), to out.  Returns 0, or -1 with *err
 * (heap); out is unchanged on failure. */
int mr_graphs_render(mr_graphs *gv, const char *dot, const char *engine, mr_buf *out, char **err);

/* Lays out g with its engine (built through the cgraph API, without DOT text) and
 * writes the SVG itself: boxes, splines and arrowheads with the same classes
 * as mr_graphs_render, a <title> per node and edge for its tooltip.  Several
 * times faster than the two steps above, for the many small neighbourhood
 * graphs of a site.  Returns 0, or -1 with *err; out is unchanged on failure. */
int mr_graphs_render_direct(mr_graphs *gv, const mr_graph *g, mr_buf *out, char **err);

/* Copies svg to out with MR_GRAPH_ROOT in links replaced by root ("", "../"). */
void mr_graph_fix_root(const char *svg, size_t len, const char *root, mr_buf *out);

#endif
