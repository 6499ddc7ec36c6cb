/* graphs.c — DOT text from mr_graph, and Graphviz in process to turn it into SVG.
 * Colours in the DOT text make the standalone SVG files readable; on pages the
 * stylesheet overrides them through the classes (and follows dark mode). */
#include "graphs.h"

#include <graphviz/gvc.h>
#include <graphviz/gvplugin.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const mr_rel_types[MR_NREL_TYPES + 1] = {"dependency", "integration", "data-flow", "hierarchical", NULL};

/* labels longer than this many code points are shortened with an ellipsis */
#define LABEL_MAX 30

void mr_graph_init(mr_graph *g)
{
	memset(g, 0, sizeof *g);
}

void mr_graph_release(mr_graph *g)
{
	free(g->nodes);
	free(g->edges);
	memset(g, 0, sizeof *g);
}

size_t mr_graph_add_node(mr_graph *g, const mr_gnode *n)
{
	MR_GROW(g->nodes, g->cnodes, g->nnodes + 1);
	g->nodes[g->nnodes] = *n;
	return g->nnodes++;
}

size_t mr_graph_add_edge(mr_graph *g, size_t from, size_t to, const char *type, const char *label, const char *tooltip)
{
	MR_GROW(g->edges, g->cedges, g->nedges + 1);
	mr_gedge *e = &g->edges[g->nedges++];
	e->width = 0;
	e->from = from;
	e->to = to;
	e->type = type;
	e->label = label;
	e->tooltip = tooltip;
	return g->nedges - 1;
}

/* A DOT double-quoted string of text to show.  Graphviz expands escapes such
 * as \N and \G in labels and tooltips even when the backslash is doubled, so
 * a backslash is shown as U+FF3C; '&' is written as an entity because Graphviz
 * passes entities through to the SVG unchanged.  Control characters become
 * spaces.  max_cp > 0 shortens the text to that many code points. */
static void dot_str(mr_buf *out, const char *s, size_t max_cp)
{
	mr_buf_putc(out, '"');
	size_t cp = 0;
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		if ((*p & 0xc0) != 0x80) {
			if (max_cp && cp == max_cp) {
				mr_buf_puts(out, "\xe2\x80\xa6"); /* … */
				break;
			}
			cp++;
		}
		if (*p == '"') mr_buf_puts(out, "\\\"");
		else if (*p == '\\') mr_buf_puts(out, "\xef\xbc\xbc");
		else if (*p == '&') mr_buf_puts(out, "&amp;");
		else if (*p < 0x20 || *p == 0x7f) mr_buf_putc(out, ' ');
		else mr_buf_putc(out, (char)*p);
	}
	mr_buf_putc(out, '"');
}

/* A DOT string for a link the generator made (ids and fixed paths only). */
static void dot_url(mr_buf *out, const char *s)
{
	mr_buf_putc(out, '"');
	for (const char *p = s; *p; p++)
		if (*p != '"' && *p != '\\' && (unsigned char)*p >= 0x20) mr_buf_putc(out, *p);
	mr_buf_putc(out, '"');
}

/* class names hold [a-z0-9-] only */
static void class_word(mr_buf *out, const char *prefix, const char *s)
{
	mr_buf_puts(out, prefix);
	for (const char *p = s ? s : "none"; *p; p++) {
		char c = *p;
		if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
		mr_buf_putc(out, (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ? c : '-');
	}
}

/* a node's classes, the same in the DOT text and in the SVG */
static void node_classes(mr_buf *out, const mr_gnode *n)
{
	switch (n->kind) {
	case MR_GNODE_CURRENT: mr_buf_puts(out, "module current"); break;
	case MR_GNODE_MISSING: mr_buf_puts(out, "missing"); break;
	case MR_GNODE_GROUP: mr_buf_puts(out, "group"); break;
	default: mr_buf_puts(out, "module"); break;
	}
	if (n->status) class_word(out, " st-", n->status);
	if (n->invalid) mr_buf_puts(out, " invalid");
}

struct rel_style {
	const char *type, *color, *style, *arrowhead, *penwidth;
};

static const struct rel_style rel_styles[] = {
	{"dependency", "#2563eb", "solid", "normal", "1.2"},
	{"integration", "#0f766e", "solid", "odiamond", "1.2"},
	{"data-flow", "#c2410c", "solid", "vee", "2"},
	{"hierarchical", "#7c3aed", "dotted", "onormal", "1.4"},
};

static const struct rel_style *style_of(const char *type)
{
	for (size_t i = 0; i < sizeof rel_styles / sizeof rel_styles[0]; i++)
		if (type && !strcmp(rel_styles[i].type, type)) return &rel_styles[i];
	return NULL;
}

static const char *fill_of(const mr_gnode *n)
{
	if (n->kind == MR_GNODE_CURRENT) return "#dbeafe";
	if (n->kind == MR_GNODE_MISSING) return "#fff1f2";
	if (n->kind == MR_GNODE_GROUP) return "#f1f5f9";
	if (n->invalid) return "#fee2e2";
	if (n->status && !strcmp(n->status, "deprecated")) return "#f3f4f6";
	if (n->status && !strcmp(n->status, "inactive")) return "#e5e7eb";
	if (n->status && !strcmp(n->status, "experimental")) return "#fef9c3";
	return "#ffffff";
}

void mr_graph_dot(const mr_graph *g, mr_buf *out)
{
	mr_buf_puts(out, "digraph \"modreg\" {\n");
	mr_buf_puts(out, "graph [bgcolor=\"transparent\", fontname=\"Helvetica\", fontsize=10, pad=\"0.1\"");
	if (!g->engine || !strcmp(g->engine, "dot")) {
		mr_buf_puts(out, ", rankdir=\"LR\", nodesep=\"0.2\", ranksep=\"0.6\"");
		if (g->fast) mr_buf_puts(out, ", mclimit=\"0.1\", nslimit=\"1\", nslimit1=\"1\", searchsize=\"10\"");
		if (g->pack) mr_buf_puts(out, ", pack=\"true\", packmode=\"array\"");
	} else {
		/* curved edges around the boxes cost seconds per hundred edges: past that, straight lines */
		mr_buf_printf(out, ", overlap=\"prism\", sep=\"+10\", splines=\"%s\", outputorder=\"edgesfirst\"",
		              g->nedges <= 150 ? "true" : "false");
	}
	mr_buf_puts(out, "];\n");
	mr_buf_puts(out, "node [shape=\"box\", style=\"rounded,filled\", color=\"#64748b\", fontcolor=\"#0f172a\", "
	                 "fontname=\"Helvetica\", fontsize=11, height=\"0.3\", margin=\"0.12,0.05\"];\n");
	mr_buf_puts(out, "edge [fontname=\"Helvetica\", fontsize=9, fontcolor=\"#475569\", arrowsize=\"0.7\"];\n");
	for (size_t i = 0; i < g->nnodes; i++) {
		const mr_gnode *n = &g->nodes[i];
		mr_buf_printf(out, "n%zu [label=", i);
		dot_str(out, n->label ? n->label : n->name, LABEL_MAX);
		mr_buf_puts(out, ", tooltip=");
		dot_str(out, n->tooltip ? n->tooltip : n->label ? n->label : n->name, 200);
		mr_buf_printf(out, ", id=\"gv:n%zu\", fillcolor=\"%s\"", i, fill_of(n));
		if (n->href) {
			mr_buf_puts(out, ", URL=");
			dot_url(out, n->href);
		}
		mr_buf_puts(out, ", class=\"");
		node_classes(out, n);
		mr_buf_putc(out, '"');
		if (n->kind == MR_GNODE_MISSING) mr_buf_puts(out, ", style=\"rounded,dashed,filled\", color=\"#e11d48\"");
		else if (n->kind == MR_GNODE_CURRENT) mr_buf_puts(out, ", penwidth=\"2\", color=\"#1d4ed8\"");
		else if (n->kind == MR_GNODE_GROUP) mr_buf_puts(out, ", shape=\"folder\", style=\"filled\"");
		if (n->invalid) mr_buf_puts(out, ", color=\"#dc2626\"");
		mr_buf_puts(out, "];\n");
	}
	for (size_t i = 0; i < g->nedges; i++) {
		const mr_gedge *e = &g->edges[i];
		const struct rel_style *st = style_of(e->type);
		bool missing = g->nodes[e->to].kind == MR_GNODE_MISSING;
		mr_buf_printf(out, "n%zu -> n%zu [id=\"gv:e%zu\", class=\"rel", e->from, e->to, i);
		const char *t = e->type ? e->type : "other";
		while (*t) {
			size_t wl = strcspn(t, " ");
			char *word = mr_xstrndup(t, wl);
			class_word(out, " rel-", word);
			free(word);
			t += wl;
			while (*t == ' ') t++;
		}
		if (missing) mr_buf_puts(out, " missing");
		mr_buf_printf(out, "\", color=\"%s\", style=\"%s\", arrowhead=\"%s\"", st ? st->color : "#64748b",
		              missing ? "dashed" : st ? st->style : "solid", st ? st->arrowhead : "normal");
		if (e->width > 0) mr_buf_printf(out, ", penwidth=\"%.1f\"", e->width);
		else mr_buf_printf(out, ", penwidth=\"%s\"", st ? st->penwidth : "1");
		if (e->label) {
			mr_buf_puts(out, ", label=");
			dot_str(out, e->label, LABEL_MAX);
		}
		if (e->tooltip) {
			mr_buf_puts(out, ", tooltip=");
			dot_str(out, e->tooltip, 200);
		}
		mr_buf_puts(out, "];\n");
	}
	mr_buf_puts(out, "}\n");
}

/* ---- Graphviz ---- */

extern gvplugin_library_t gvplugin_dot_layout_LTX_library, gvplugin_neato_layout_LTX_library,
	gvplugin_core_LTX_library;

static lt_symlist_t builtins[] = {
	{"gvplugin_dot_layout_LTX_library", &gvplugin_dot_layout_LTX_library},
	{"gvplugin_neato_layout_LTX_library", &gvplugin_neato_layout_LTX_library},
	{"gvplugin_core_LTX_library", &gvplugin_core_LTX_library},
	{0, 0},
};

struct mr_graphs {
	GVC_t *gvc;
};

/* Graphviz reports through a process-wide callback; keep the last message for
 * our own error, and print nothing (library code never prints). */
static mr_buf gv_errors;

static int collect_error(char *msg)
{
	if (gv_errors.len < 4096) mr_buf_puts(&gv_errors, msg);
	return 0;
}

mr_graphs *mr_graphs_new(char **err)
{
	agseterr(AGERR);
	agseterrf(collect_error);
	GVC_t *gvc = gvContextPlugins(builtins, 0);
	if (!gvc) {
		if (err) *err = mr_xstrdup("cannot set up Graphviz");
		return NULL;
	}
	mr_graphs *gv = mr_xcalloc(1, sizeof *gv);
	gv->gvc = gvc;
	return gv;
}

void mr_graphs_free(mr_graphs *gv)
{
	if (!gv) return;
	gvFreeContext(gv->gvc);
	free(gv);
	mr_buf_release(&gv_errors);
}

static char *take_error(const char *what)
{
	size_t n = gv_errors.len;
	while (n && (gv_errors.data[n - 1] == '\n' || gv_errors.data[n - 1] == ' ')) n--;
	char *e = n ? mr_xasprintf("%s: %.*s", what, (int)n, gv_errors.data) : mr_xstrdup(what);
	mr_buf_reset(&gv_errors);
	return e;
}

int mr_graphs_render(mr_graphs *gv, const char *dot, const char *engine, mr_buf *out, char **err)
{
	mr_buf_reset(&gv_errors);
	Agraph_t *g = agmemread(dot);
	if (!g) {
		if (err) *err = take_error("graphviz cannot read the graph");
		return -1;
	}
	if (gvLayout(gv->gvc, g, engine ? engine : "dot") != 0) {
		if (err) *err = take_error("graphviz layout failed");
		agclose(g);
		return -1;
	}
	char *data = NULL;
	unsigned int len = 0;
	int rc = gvRenderData(gv->gvc, g, "svg", &data, &len);
	if (rc != 0 || !data) {
		if (err) *err = take_error("graphviz cannot render SVG");
		rc = -1;
	} else {
		const char *s = memmem(data, len, "<svg", 4);
		const char *e = s ? memmem(s, len - (size_t)(s - data), "</svg>", 6) : NULL;
		if (!s || !e) {
			if (err) *err = mr_xstrdup("graphviz produced no SVG");
			rc = -1;
		} else {
			mr_buf_add(out, s, (size_t)(e + 6 - s));
			mr_buf_putc(out, '\n');
		}
	}
	if (data) gvFreeRenderData(data);
	gvFreeLayout(gv->gvc, g);
	agclose(g);
	mr_buf_reset(&gv_errors);
	return rc;
}

/* ---- layout by Graphviz, SVG by us ---- */

/* the text Graphviz measures: shortened like the DOT labels, backslashes shown as
 * U+FF3C (Graphviz expands \N and friends), control characters as spaces */
static void label_text(const char *s, size_t max_cp, mr_buf *out)
{
	size_t cp = 0;
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		if ((*p & 0xc0) != 0x80) {
			if (max_cp && cp == max_cp) {
				mr_buf_puts(out, "\xe2\x80\xa6");
				break;
			}
			cp++;
		}
		if (*p == '\\') mr_buf_puts(out, "\xef\xbc\xbc");
		else if (*p < 0x20 || *p == 0x7f) mr_buf_putc(out, ' ');
		else mr_buf_putc(out, (char)*p);
	}
}

static void esc(mr_buf *out, const char *s)
{
	mr_buf_html_escape(out, s, strlen(s));
}

static void class_list(mr_buf *out, const char *prefix, const char *words)
{
	const char *t = words ? words : "other";
	while (*t) {
		size_t wl = strcspn(t, " ");
		char *word = mr_xstrndup(t, wl);
		class_word(out, prefix, word);
		free(word);
		t += wl;
		while (*t == ' ') t++;
	}
}

struct frame {
	double llx, ury, pad;
};

static double fx(const struct frame *f, double x)
{
	return x - f->llx + f->pad;
}

static double fy(const struct frame *f, double y)
{
	return f->ury - y + f->pad;
}

/* sep, then the point (x, y) of the frame as "x,y" with two decimals */
static void put_point(mr_buf *out, const char *sep, const struct frame *f, double x, double y)
{
	mr_buf_puts(out, sep);
	mr_buf_fixed2(out, fx(f, x));
	mr_buf_putc(out, ',');
	mr_buf_fixed2(out, fy(f, y));
}

static void arrowhead(mr_buf *out, const struct frame *f, pointf base, pointf tip, const char *shape, const char *color,
                      bool open)
{
	double dx = tip.x - base.x, dy = tip.y - base.y;
	double len = sqrt(dx * dx + dy * dy);
	if (len < 0.01) return;
	double px = -dy / len * len * 0.38, py = dx / len * len * 0.38;
	pointf pts[4];
	int n = 3;
	if (!strcmp(shape, "odiamond")) {
		pointf mid = {(tip.x + base.x) / 2, (tip.y + base.y) / 2};
		pts[0] = tip;
		pts[1] = (pointf){mid.x + px * 0.8, mid.y + py * 0.8};
		pts[2] = base;
		pts[3] = (pointf){mid.x - px * 0.8, mid.y - py * 0.8};
		n = 4;
	} else if (!strcmp(shape, "vee")) {
		pts[0] = tip;
		pts[1] = (pointf){base.x + px, base.y + py};
		pts[2] = (pointf){base.x + dx * 0.35, base.y + dy * 0.35};
		pts[3] = (pointf){base.x - px, base.y - py};
		n = 4;
	} else {
		pts[0] = tip;
		pts[1] = (pointf){base.x + px, base.y + py};
		pts[2] = (pointf){base.x - px, base.y - py};
	}
	mr_buf_printf(out, "<polygon fill=\"%s\" stroke=\"%s\" points=\"", open ? "#ffffff" : color, color);
	for (int k = 0; k < n; k++) put_point(out, k ? " " : "", f, pts[k].x, pts[k].y);
	mr_buf_puts(out, "\"/>\n");
}

/* the edges that close a cycle in a depth-first walk (nodes and edges in order) */
static bool *back_edges(const mr_graph *g)
{
	bool *back = mr_xcalloc(g->nedges + 1, sizeof *back);
	/* outgoing edges per node, in edge order */
	size_t *first = mr_xcalloc(g->nnodes + 1, sizeof *first), *next = mr_xcalloc(g->nedges + 1, sizeof *next);
	for (size_t v = 0; v < g->nnodes; v++) first[v] = (size_t)-1;
	for (size_t i = g->nedges; i-- > 0;) {
		next[i] = first[g->edges[i].from];
		first[g->edges[i].from] = i;
	}
	enum { WHITE, GREY, BLACK };
	unsigned char *colour = mr_xcalloc(g->nnodes + 1, 1);
	size_t *stack = mr_xcalloc(g->nnodes + 1, sizeof *stack), *edge = mr_xcalloc(g->nnodes + 1, sizeof *edge);
	for (size_t root = 0; root < g->nnodes; root++) {
		if (colour[root] != WHITE) continue;
		size_t depth = 0;
		stack[depth] = root;
		edge[depth] = first[root];
		colour[root] = GREY;
		depth++;
		while (depth) {
			size_t v = stack[depth - 1], e = edge[depth - 1];
			if (e == (size_t)-1) {
				colour[v] = BLACK;
				depth--;
				continue;
			}
			edge[depth - 1] = next[e];
			size_t w = g->edges[e].to;
			if (colour[w] == GREY) back[e] = true;
			else if (colour[w] == WHITE) {
				colour[w] = GREY;
				stack[depth] = w;
				edge[depth] = first[w];
				depth++;
			}
		}
	}
	free(first);
	free(next);
	free(colour);
	free(stack);
	free(edge);
	return back;
}

int mr_graphs_render_direct(mr_graphs *gv, const mr_graph *g, mr_buf *out, char **err)
{
	mr_buf_reset(&gv_errors);
	Agraph_t *ag = agopen("modreg", Agdirected, NULL);
	if (!ag) {
		if (err) *err = mr_xstrdup("cannot create a graph");
		return -1;
	}
	const char *engine = g->engine ? g->engine : "dot";
	bool dot = !strcmp(engine, "dot");
	if (dot) {
		agattr(ag, AGRAPH, "rankdir", "LR");
		agattr(ag, AGRAPH, "nodesep", "0.2");
		agattr(ag, AGRAPH, "ranksep", "0.6");
		if (g->fast) {
			agattr(ag, AGRAPH, "mclimit", "0.1");
			agattr(ag, AGRAPH, "nslimit", "1");
			agattr(ag, AGRAPH, "nslimit1", "1");
			agattr(ag, AGRAPH, "searchsize", "10");
		}
		if (g->pack) {
			agattr(ag, AGRAPH, "pack", "true");
			agattr(ag, AGRAPH, "packmode", "array");
		}
	} else {
		/* routing curved edges around boxes costs seconds per hundred edges: past a few dozen, straight lines */
		agattr(ag, AGRAPH, "overlap", g->nnodes > 150 ? "false" : "prism");
		agattr(ag, AGRAPH, "sep", "+10");
		agattr(ag, AGRAPH, "splines", g->nedges <= 40 ? "true" : "false");
	}
	agattr(ag, AGNODE, "shape", "box");
	agattr(ag, AGNODE, "fontname", "Helvetica");
	agattr(ag, AGNODE, "fontsize", "11");
	agattr(ag, AGNODE, "height", "0.3");
	agattr(ag, AGNODE, "margin", "0.12,0.05");
	Agsym_t *label = agattr(ag, AGNODE, "label", "");
	agattr(ag, AGEDGE, "arrowsize", "0.7");
	Agnode_t **nodes = mr_xcalloc(g->nnodes + 1, sizeof *nodes);
	Agedge_t **edges = mr_xcalloc(g->nedges + 1, sizeof *edges);
	mr_buf t = MR_BUF_INIT;
	char name[32];
	for (size_t i = 0; i < g->nnodes; i++) {
		snprintf(name, sizeof name, "n%zu", i);
		nodes[i] = agnode(ag, name, 1);
		mr_buf_reset(&t);
		label_text(g->nodes[i].label ? g->nodes[i].label : g->nodes[i].name, LABEL_MAX, &t);
		/* Graphviz reads entities in labels when it measures them */
		mr_buf lab = MR_BUF_INIT;
		for (const char *p = mr_buf_str(&t); *p; p++) {
			if (*p == '&') mr_buf_puts(&lab, "&amp;");
			else mr_buf_putc(&lab, *p);
		}
		agxset(nodes[i], label, (char *)mr_buf_str(&lab));
		mr_buf_release(&lab);
	}
	/* dot breaks cycles by reversing edges, and Graphviz 2.42 never frees the
	 * virtual edges it makes for them: give dot an acyclic graph, with the
	 * edges that close a cycle turned round and drawn backwards (dir=back) */
	bool *back = dot ? back_edges(g) : mr_xcalloc(g->nedges + 1, sizeof *back);
	Agsym_t *dir = agattr(ag, AGEDGE, "dir", "forward");
	for (size_t i = 0; i < g->nedges; i++) {
		snprintf(name, sizeof name, "e%zu", i);
		size_t from = g->edges[i].from, to = g->edges[i].to;
		if (from == to) continue; /* a module related to itself: an error, not drawn */
		if (back[i]) {
			edges[i] = agedge(ag, nodes[to], nodes[from], name, 1);
			agxset(edges[i], dir, "back");
		} else edges[i] = agedge(ag, nodes[from], nodes[to], name, 1);
	}
	free(back);
	int rc = gvLayout(gv->gvc, ag, engine);
	if (rc != 0) {
		if (err) *err = take_error("graphviz layout failed");
		goto out;
	}
	boxf bb = GD_bb(ag);
	struct frame f = {bb.LL.x, bb.UR.y, 4};
	double w = bb.UR.x - bb.LL.x + 2 * f.pad, h = bb.UR.y - bb.LL.y + 2 * f.pad;
	mr_buf_printf(out,
	              "<svg width=\"%.0fpt\" height=\"%.0fpt\" viewBox=\"0.00 0.00 %.2f %.2f\" "
	              "xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\">\n"
	              "<g id=\"graph0\" class=\"graph\">\n",
	              w, h, w, h);
	for (size_t i = 0; i < g->nedges; i++) {
		const mr_gedge *e = &g->edges[i];
		splines *spl = edges[i] ? ED_spl(edges[i]) : NULL;
		if (!spl || spl->size < 1 || spl->list[0].size < 1) continue;
		const struct rel_style *st = style_of(e->type);
		bool missing = g->nodes[e->to].kind == MR_GNODE_MISSING;
		const char *color = st ? st->color : "#64748b";
		mr_buf_printf(out, "<g id=\"gv:e%zu\" class=\"edge rel", i);
		class_list(out, " rel-", e->type);
		if (missing) mr_buf_puts(out, " missing");
		mr_buf_puts(out, "\">");
		if (e->tooltip) {
			mr_buf_puts(out, "<title>");
			esc(out, e->tooltip);
			mr_buf_puts(out, "</title>");
		}
		bezier *bz = &spl->list[0];
		if (e->width > 0) mr_buf_printf(out, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\"", color, e->width);
		else mr_buf_printf(out, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"%s\"", color, st ? st->penwidth : "1");
		if (missing) mr_buf_puts(out, " stroke-dasharray=\"5,2\"");
		else if (st && !strcmp(st->style, "dotted")) mr_buf_puts(out, " stroke-dasharray=\"1,3\"");
		put_point(out, " d=\"M", &f, bz->list[0].x, bz->list[0].y);
		for (int k = 1; k + 2 < bz->size; k += 3) {
			put_point(out, " C", &f, bz->list[k].x, bz->list[k].y);
			put_point(out, " ", &f, bz->list[k + 1].x, bz->list[k + 1].y);
			put_point(out, " ", &f, bz->list[k + 2].x, bz->list[k + 2].y);
		}
		mr_buf_puts(out, "\"/>\n");
		const char *shape = st ? st->arrowhead : "normal";
		if (bz->eflag) arrowhead(out, &f, bz->list[bz->size - 1], bz->ep, shape, color, shape[0] == 'o');
		if (bz->sflag) arrowhead(out, &f, bz->list[0], bz->sp, shape, color, shape[0] == 'o');
		mr_buf_puts(out, "</g>\n");
	}
	for (size_t i = 0; i < g->nnodes; i++) {
		const mr_gnode *n = &g->nodes[i];
		pointf c = ND_coord(nodes[i]);
		double nw = ND_width(nodes[i]) * 72, nh = ND_height(nodes[i]) * 72;
		mr_buf_printf(out, "<g id=\"gv:n%zu\" class=\"node ", i);
		node_classes(out, n);
		mr_buf_puts(out, "\"><title>");
		esc(out, n->tooltip ? n->tooltip : n->label ? n->label : n->name);
		mr_buf_puts(out, "</title>");
		if (n->href) {
			mr_buf_puts(out, "<a xlink:href=\"");
			esc(out, n->href);
			mr_buf_puts(out, "\">");
		}
		const char *stroke = n->invalid                     ? "#dc2626"
		                     : n->kind == MR_GNODE_MISSING ? "#e11d48"
		                     : n->kind == MR_GNODE_CURRENT ? "#1d4ed8"
		                                                   : "#64748b";
		mr_buf_printf(out,
		              "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" rx=\"4\" fill=\"%s\" stroke=\"%s\" "
		              "stroke-width=\"%s\"%s/>\n",
		              fx(&f, c.x - nw / 2), fy(&f, c.y + nh / 2), nw, nh, fill_of(n), stroke,
		              n->kind == MR_GNODE_CURRENT ? "2" : "1",
		              n->kind == MR_GNODE_MISSING ? " stroke-dasharray=\"5,2\"" : "");
		if (n->kind == MR_GNODE_GROUP)
			mr_buf_printf(out, "<polyline class=\"tab\" fill=\"none\" stroke=\"#64748b\" points=\"%.2f,%.2f %.2f,%.2f %.2f,%.2f %.2f,%.2f\"/>\n",
			              fx(&f, c.x - nw / 2 + 4), fy(&f, c.y + nh / 2), fx(&f, c.x - nw / 2 + 8), fy(&f, c.y + nh / 2) - 4,
			              fx(&f, c.x - nw / 2 + 28), fy(&f, c.y + nh / 2) - 4, fx(&f, c.x - nw / 2 + 32), fy(&f, c.y + nh / 2));
		mr_buf_reset(&t);
		label_text(n->label ? n->label : n->name, LABEL_MAX, &t);
		mr_buf_printf(out,
		              "<text text-anchor=\"middle\" x=\"%.2f\" y=\"%.2f\" font-family=\"Helvetica,sans-Serif\" "
		              "font-size=\"11.00\" fill=\"#0f172a\">",
		              fx(&f, c.x), fy(&f, c.y) + 3.8);
		esc(out, mr_buf_str(&t));
		mr_buf_puts(out, "</text>\n");
		if (n->href) mr_buf_puts(out, "</a>");
		mr_buf_puts(out, "</g>\n");
	}
	mr_buf_puts(out, "</g>\n</svg>\n");
	gvFreeLayout(gv->gvc, ag);
out:
	mr_buf_release(&t);
	free(nodes);
	free(edges);
	agclose(ag);
	mr_buf_reset(&gv_errors);
	return rc == 0 ? 0 : -1;
}

void mr_graph_fix_root(const char *svg, size_t len, const char *root, mr_buf *out)
{
	static const char tok[] = "xlink:href=\"" MR_GRAPH_ROOT;
	size_t tl = sizeof tok - 1;
	const char *p = svg, *end = svg + len;
	while (p < end) {
		const char *h = memmem(p, (size_t)(end - p), tok, tl);
		if (!h) break;
		mr_buf_add(out, p, (size_t)(h - p));
		mr_buf_puts(out, "xlink:href=\"");
		mr_buf_puts(out, root);
		p = h + tl;
	}
	mr_buf_add(out, p, (size_t)(end - p));
}
