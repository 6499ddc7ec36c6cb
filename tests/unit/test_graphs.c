/* test_graphs.c — relationship diagrams: the DOT text keeps hostile text
 * inside its strings, Graphviz lays out and renders in process, the SVG has
 * classes per relationship type, dashed missing targets, escaped labels and
 * links that can be rebased for the page that shows them. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include <graphviz/cgraph.h>

#include "graphs.h"
#include "util.h"

#define HAS(s, x) cr_expect(strstr(s, x) != NULL, "expected %s in:\n%s", x, s)
#define HASNT(s, x) cr_expect(strstr(s, x) == NULL, "did not expect %s in:\n%s", x, s)

static const char hostile[] = "<script>alert(\"x\")</script> & \\N \\G \"]; evil [URL=\"javascript:alert(1)\"]; x [label=\"";

static void sample(mr_graph *g)
{
	mr_graph_init(g);
	mr_gnode a = {.name = "crm", .label = "CRM", .kind = MR_GNODE_CURRENT, .status = "active"};
	mr_gnode b = {.name = "billing", .label = hostile, .href = MR_GRAPH_ROOT "modules/billing.html",
	              .kind = MR_GNODE_MODULE, .status = "deprecated"};
	mr_gnode c = {.name = "ghost", .kind = MR_GNODE_MISSING};
	size_t ia = mr_graph_add_node(g, &a), ib = mr_graph_add_node(g, &b), ic = mr_graph_add_node(g, &c);
	mr_graph_add_edge(g, ia, ib, "data-flow", NULL, hostile);
	mr_graph_add_edge(g, ib, ia, "dependency", NULL, NULL);
	mr_graph_add_edge(g, ia, ic, "integration", NULL, NULL);
}

Test(graphs, dot_keeps_text_in_strings)
{
	mr_graph g;
	sample(&g);
	mr_buf dot = MR_BUF_INIT;
	mr_graph_dot(&g, &dot);
	/* read back by Graphviz itself: the hostile label made no node, edge or attribute */
	Agraph_t *ag = agmemread(dot.data);
	cr_assert_not_null(ag, "DOT does not parse:\n%s", dot.data);
	cr_expect_eq(agnnodes(ag), 3, "nodes in:\n%s", dot.data);
	cr_expect_eq(agnedges(ag), 3, "edges in:\n%s", dot.data);
	cr_expect_null(agnode(ag, "evil", 0));
	cr_expect_null(agnode(ag, "x", 0));
	Agnode_t *n1 = agnode(ag, "n1", 0);
	cr_assert_not_null(n1);
	cr_expect_str_eq(agget(n1, "URL"), MR_GRAPH_ROOT "modules/billing.html");
	const char *tip = agget(n1, "tooltip");
	cr_expect(strstr(tip, "evil [URL=\"javascript:alert(1)\"]") != NULL, "tooltip keeps the text: %s", tip);
	/* Graphviz expands \N and \G even when doubled: no backslash is passed through */
	cr_expect(strchr(tip, '\\') == NULL, "tooltip has a backslash: %s", tip);
	agclose(ag);
	mr_graph_release(&g);
	mr_buf_release(&dot);
}

Test(graphs, renders_svg_in_process)
{
	char *err = NULL;
	mr_graphs *gv = mr_graphs_new(&err);
	cr_assert_not_null(gv, "%s", err ? err : "");
	mr_graph g;
	sample(&g);
	mr_buf dot = MR_BUF_INIT, svg = MR_BUF_INIT;
	mr_graph_dot(&g, &dot);
	cr_assert_eq(mr_graphs_render(gv, dot.data, "dot", &svg, &err), 0, "%s", err ? err : "");
	const char *s = svg.data;
	cr_expect(!strncmp(s, "<svg", 4), "starts at <svg, without the XML prolog: %.40s", s);
	HASNT(s, "<?xml");
	HASNT(s, "<!DOCTYPE");
	HAS(s, "</svg>");
	/* classes per relationship type and per node kind */
	HAS(s, "class=\"edge rel rel&#45;data&#45;flow\"");
	HAS(s, "class=\"edge rel rel&#45;dependency\"");
	HAS(s, "rel&#45;integration missing");
	HAS(s, "class=\"node missing\"");
	HAS(s, "class=\"node module current st&#45;active\"");
	/* the missing target is dashed */
	HAS(s, "stroke-dasharray");
	/* hostile text is escaped, never markup */
	HASNT(s, "<script");
	HAS(s, "&lt;script&gt;");
	HASNT(s, "javascript:alert(1)\"");
	/* links carry the placeholder until rebased */
	HAS(s, "xlink:href=\"" MR_GRAPH_ROOT "modules/billing.html\"");
	mr_buf fixed = MR_BUF_INIT;
	mr_graph_fix_root(svg.data, svg.len, "../", &fixed);
	HAS(fixed.data, "xlink:href=\"../modules/billing.html\"");
	HASNT(fixed.data, MR_GRAPH_ROOT);
	mr_buf_release(&fixed);
	mr_graph_release(&g);
	mr_buf_release(&dot);
	mr_buf_release(&svg);
	mr_graphs_free(gv);
}

Test(graphs, direct_svg)
{
	char *err = NULL;
	mr_graphs *gv = mr_graphs_new(&err);
	cr_assert_not_null(gv, "%s", err ? err : "");
	mr_graph g;
	sample(&g);
	mr_buf svg = MR_BUF_INIT;
	cr_assert_eq(mr_graphs_render_direct(gv, &g, &svg, &err), 0, "%s", err ? err : "");
	const char *s = svg.data;
	cr_expect(!strncmp(s, "<svg", 4), "starts at <svg: %.40s", s);
	HAS(s, "</svg>");
	HAS(s, "class=\"edge rel rel-data-flow\"");
	HAS(s, "class=\"edge rel rel-dependency\"");
	HAS(s, "class=\"edge rel rel-integration missing\"");
	HAS(s, "class=\"node missing\"");
	HAS(s, "class=\"node module current st-active\"");
	HAS(s, "class=\"node module st-deprecated\"");
	/* three boxes, three edges each with a path and an arrowhead */
	size_t rects = 0, paths = 0, heads = 0;
	for (const char *p = s; (p = strstr(p, "<rect")); p++) rects++;
	for (const char *p = s; (p = strstr(p, "<path")); p++) paths++;
	for (const char *p = s; (p = strstr(p, "<polygon")); p++) heads++;
	cr_expect_eq(rects, 3);
	cr_expect_eq(paths, 3);
	cr_expect_eq(heads, 3);
	HAS(s, "stroke-dasharray=\"5,2\"");
	/* hostile text is escaped: in the label, shortened, and whole in the tooltip */
	HASNT(s, "<script");
	/* tooltips are ours, not Graphviz's: text exactly as written, backslashes included */
	HAS(s, "<title>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; \\N \\G &quot;]; evil");
	HAS(s, "xlink:href=\"" MR_GRAPH_ROOT "modules/billing.html\"");
	/* the same graph twice gives the same bytes */
	mr_buf again = MR_BUF_INIT;
	cr_assert_eq(mr_graphs_render_direct(gv, &g, &again, &err), 0);
	cr_expect(again.len == svg.len && !memcmp(again.data, svg.data, svg.len), "two renders differ");
	/* other engines and aggregated edges with widths */
	g.engine = "sfdp";
	g.edges[0].type = "dependency data-flow";
	g.edges[0].width = 3.5;
	mr_buf_reset(&again);
	cr_assert_eq(mr_graphs_render_direct(gv, &g, &again, &err), 0, "%s", err ? err : "");
	HAS(again.data, "class=\"edge rel rel-dependency rel-data-flow\"");
	HAS(again.data, "stroke-width=\"3.5\"");
	mr_buf_release(&again);
	mr_buf_release(&svg);
	mr_graph_release(&g);
	mr_graphs_free(gv);
}

Test(graphs, other_engines_and_errors)
{
	char *err = NULL;
	mr_graphs *gv = mr_graphs_new(&err);
	cr_assert_not_null(gv);
	mr_graph g;
	sample(&g);
	g.engine = "sfdp";
	mr_buf dot = MR_BUF_INIT, svg = MR_BUF_INIT;
	mr_graph_dot(&g, &dot);
	HAS(dot.data, "overlap=");
	cr_expect_eq(mr_graphs_render(gv, dot.data, "sfdp", &svg, &err), 0, "%s", err ? err : "");
	HAS(svg.data, "<svg");
	/* a syntax error is reported, nothing is printed, the context stays usable */
	mr_buf_reset(&svg);
	cr_expect_eq(mr_graphs_render(gv, "digraph { a -> ", "dot", &svg, &err), -1);
	cr_expect_not_null(err);
	cr_expect_eq(svg.len, 0);
	free(err);
	err = NULL;
	cr_expect_eq(mr_graphs_render(gv, dot.data, "dot", &svg, &err), 0, "%s", err ? err : "");
	mr_graph_release(&g);
	mr_buf_release(&dot);
	mr_buf_release(&svg);
	mr_graphs_free(gv);
}

Test(graphs, deterministic)
{
	char *err = NULL;
	mr_graphs *gv = mr_graphs_new(&err);
	cr_assert_not_null(gv);
	mr_graph g;
	sample(&g);
	mr_buf dot = MR_BUF_INIT, a = MR_BUF_INIT, b = MR_BUF_INIT;
	mr_graph_dot(&g, &dot);
	cr_assert_eq(mr_graphs_render(gv, dot.data, "dot", &a, &err), 0);
	cr_assert_eq(mr_graphs_render(gv, dot.data, "dot", &b, &err), 0);
	cr_expect_eq(a.len, b.len);
	cr_expect(a.len == b.len && !memcmp(a.data, b.data, a.len), "two renders differ");
	mr_graph_release(&g);
	mr_buf_release(&dot);
	mr_buf_release(&a);
	mr_buf_release(&b);
	mr_graphs_free(gv);
}
