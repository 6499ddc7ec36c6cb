/* test_query.c — the answers of `modreg query` and the MCP server on a small registry
 * built in a temporary directory: list filters, dependencies and dependents with their
 * transitive closure through a cycle and a missing module, search ranking, similar,
 * validation of manifest text, where the context comes from, and the MCP message
 * handler (ids, notifications, errors, tools and resources).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mcp.h"
#include "query.h"
#include "util.h"

static char root[64];
static char out[64];

static void write_file(const char *dir, const char *name, const char *text)
{
	char *p = mr_path_join(dir, name);
	bool changed;
	cr_assert_eq(mr_write_file_atomic(p, text, strlen(text), &changed), 0, "write %s", p);
	free(p);
}

static void add_module(const char *id, const char *name, const char *type, const char *status, const char *description,
                       const char *rest)
{
	char *dir = mr_path_join(root, id);
	cr_assert_eq(mr_mkdirs(dir, 0755), 0);
	char *y = mr_xasprintf("apiVersion: modreg/v1\nname: %s\ndescription: %s\ntype: %s\nversion: 1.0.0\n"
	                       "status: %s\n%s",
	                       name, description, type, status, rest);
	write_file(dir, "module.yaml", y);
	write_file(dir, "README.md", "# readme\n");
	free(y);
	free(dir);
}

/* alpha -> beta -> gamma -> alpha (dependencies, a cycle); alpha -> ghost (missing);
 * delta -> alpha (integration); epsilon -> delta (data-flow); epsilon is a child of beta */
static void setup(void)
{
	strcpy(root, "/tmp/modreg-query-XXXXXX");
	cr_assert(mkdtemp(root));
	strcpy(out, "/tmp/modreg-query-out-XXXXXX");
	cr_assert(mkdtemp(out));
	add_module("alpha", "Alpha Customers", "crud", "active", "Customers and their orders.",
	           "tags: [sales]\nentities: [{name: Customer}, {name: Order}]\n"
	           "api: {basePath: /alpha, routes: [{method: GET, path: /customers, entity: Customer, operation: list},"
	           " {method: GET, path: \"/orders/{id}\", entity: Order, operation: read}]}\n"
	           "relationships:\n  - {target: beta, type: dependency}\n  - {target: ghost, type: integration}\n"
	           "ai: {keywords: [customer, order], purpose: Keep customers.}\n");
	add_module("beta", "Beta Billing", "service", "active", "Invoices.",
	           "entities: [{name: Invoice}]\nrelationships:\n  - {target: gamma, type: dependency, version: \"^1.0.0\"}\n");
	add_module("gamma", "Gamma Ledger", "library", "deprecated", "The ledger.", "relationships:\n  - {target: alpha, type: dependency}\n");
	add_module("delta", "Delta Reports", "service", "active", "Reports about customers.",
	           "relationships:\n  - {target: alpha, type: integration}\n");
	add_module("epsilon", "Epsilon Dashboards", "ui", "experimental", "Dashboards.",
	           "relationships:\n  - {target: delta, type: data-flow}\n  - {target: beta, type: hierarchical}\n");
}

static void teardown(void)
{
	char *cmd = mr_xasprintf("rm -rf '%s' '%s'", root, out);
	cr_expect_eq(system(cmd), 0);
	free(cmd);
}

static json_t *context(void)
{
	json_t *ctx = mr_query_build(root, NULL, NULL, NULL);
	cr_assert(ctx, "the test registry does not build");
	return ctx;
}

static const char *sget(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* the ids of result.modules, joined by spaces */
static char *ids_of(json_t *res)
{
	mr_buf b = MR_BUF_INIT;
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(res, "modules"), i, m)
	{
		if (b.len) mr_buf_putc(&b, ' ');
		mr_buf_puts(&b, sget(m, "id"));
	}
	return mr_buf_detach(&b);
}

static void expect_ids(json_t *res, const char *want)
{
	char *got = ids_of(res);
	cr_expect_str_eq(got, want);
	cr_expect_eq(mr_query_count(res), json_array_size(json_object_get(res, "modules")));
	free(got);
}

TestSuite(query, .init = setup, .fini = teardown);

Test(query, list_and_filters)
{
	json_t *ctx = context();
	mr_query_filter none = {0};
	json_t *r = mr_query_list(ctx, &none);
	expect_ids(r, "alpha beta delta epsilon gamma");
	json_t *first = json_array_get(json_object_get(r, "modules"), 0);
	cr_expect_str_eq(sget(first, "name"), "Alpha Customers");
	cr_expect_str_eq(sget(first, "health"), "warning", "alpha is in a cycle");
	cr_expect(json_is_true(json_object_get(first, "valid")));
	json_decref(r);

	mr_query_filter st = {"deprecated", NULL, NULL};
	r = mr_query_list(ctx, &st);
	expect_ids(r, "gamma");
	json_decref(r);
	mr_query_filter ty = {NULL, "service", NULL};
	r = mr_query_list(ctx, &ty);
	expect_ids(r, "beta delta");
	json_decref(r);
	mr_query_filter tx = {NULL, NULL, "CUSTOMER"};
	r = mr_query_list(ctx, &tx);
	expect_ids(r, "alpha delta");
	json_decref(r);
	mr_query_filter all = {"active", "service", "reports customers"};
	r = mr_query_list(ctx, &all);
	expect_ids(r, "delta");
	json_decref(r);
	mr_query_filter nothing = {"inactive", NULL, NULL};
	r = mr_query_list(ctx, &nothing);
	cr_expect_eq(mr_query_count(r), 0);
	mr_buf b = MR_BUF_INIT;
	mr_query_list_text(r, &b);
	cr_expect_str_eq(mr_buf_str(&b), "no module matches\n");
	mr_buf_release(&b);
	json_decref(r);
	json_decref(ctx);
}

Test(query, show_text)
{
	json_t *ctx = context();
	cr_expect_null(mr_query_module(ctx, "nope"));
	json_t *m = mr_query_module(ctx, "alpha");
	cr_assert(m);
	mr_buf b = MR_BUF_INIT;
	mr_query_module_text(m, &b);
	const char *t = mr_buf_str(&b);
	cr_expect(strstr(t, "alpha — Alpha Customers\n"), "%s", t);
	cr_expect(strstr(t, "entities: Customer, Order\n"), "%s", t);
	cr_expect(strstr(t, "GET     /alpha/orders/{id}  (Order read)"), "%s", t);
	cr_expect(strstr(t, "ghost") && strstr(t, "(no such module)"), "%s", t);
	cr_expect(strstr(t, "used by:\n  delta"), "%s", t);
	mr_buf_release(&b);
	json_decref(ctx);
}

static json_t *entry(json_t *res, const char *id)
{
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(res, "modules"), i, e) if (!strcmp(sget(e, "id"), id)) return e;
	return NULL;
}

Test(query, dependencies_direct_and_transitive)
{
	json_t *ctx = context();
	cr_expect_null(mr_query_deps(ctx, "nope", MR_QUERY_OUTGOING, false, NULL));

	json_t *r = mr_query_deps(ctx, "alpha", MR_QUERY_OUTGOING, false, NULL);
	expect_ids(r, "beta ghost");
	cr_expect(json_is_false(json_object_get(r, "cycle")), "the cycle is not visible one step away");
	json_t *g = entry(r, "ghost");
	cr_expect(json_is_false(json_object_get(g, "resolved")));
	cr_expect_str_eq(sget(json_array_get(json_object_get(g, "relationships"), 0), "type"), "integration");
	json_decref(r);

	/* through the cycle alpha -> beta -> gamma -> alpha, which ends the walk */
	r = mr_query_deps(ctx, "alpha", MR_QUERY_OUTGOING, true, NULL);
	expect_ids(r, "beta ghost gamma");
	cr_expect(json_is_true(json_object_get(r, "cycle")));
	json_t *ga = entry(r, "gamma");
	cr_expect_eq(json_integer_value(json_object_get(ga, "depth")), 2);
	cr_expect_str_eq(sget(ga, "via"), "beta");
	cr_expect_str_eq(sget(json_array_get(json_object_get(ga, "relationships"), 0), "version"), "^1.0.0");
	json_decref(r);
	json_decref(ctx);
}

Test(query, dependents_are_the_impact_of_a_change)
{
	json_t *ctx = context();
	json_t *r = mr_query_deps(ctx, "alpha", MR_QUERY_INCOMING, false, NULL);
	expect_ids(r, "delta gamma");
	cr_expect_str_eq(sget(r, "direction"), "incoming");
	json_decref(r);

	r = mr_query_deps(ctx, "alpha", MR_QUERY_INCOMING, true, NULL);
	expect_ids(r, "delta gamma beta epsilon");
	cr_expect(json_is_true(json_object_get(r, "cycle")));
	cr_expect_str_eq(sget(entry(r, "beta"), "via"), "gamma");
	json_t *ep = entry(r, "epsilon");
	cr_expect_eq(json_integer_value(json_object_get(ep, "depth")), 2);
	cr_expect_str_eq(sget(ep, "via"), "delta", "breadth first: epsilon is reached through delta before beta");
	mr_buf b = MR_BUF_INIT;
	mr_query_deps_text(r, &b);
	cr_expect(strstr(mr_buf_str(&b), "    beta via gamma: dependency ^1.0.0\n"), "%s", mr_buf_str(&b));
	cr_expect(strstr(mr_buf_str(&b), "  gamma (deprecated): dependency *\n"), "%s", mr_buf_str(&b));
	cr_expect(strstr(mr_buf_str(&b), "note: alpha is part of a cycle"), "%s", mr_buf_str(&b));
	mr_buf_release(&b);
	json_decref(r);

	/* only the hard dependencies */
	const char *deps_only[] = {"dependency", NULL};
	r = mr_query_deps(ctx, "alpha", MR_QUERY_INCOMING, true, deps_only);
	expect_ids(r, "gamma beta");
	json_decref(r);

	/* nothing depends on epsilon */
	r = mr_query_deps(ctx, "epsilon", MR_QUERY_INCOMING, true, NULL);
	cr_expect_eq(mr_query_count(r), 0);
	mr_query_deps_text(r, &b);
	cr_expect_str_eq(mr_buf_str(&b), "nothing depends on epsilon\n");
	mr_buf_release(&b);
	json_decref(r);
	json_decref(ctx);
}

Test(query, search_ranks_and_explains)
{
	json_t *ctx = context();
	json_t *r = mr_query_search(ctx, "customers", 0);
	char *ids = ids_of(r);
	cr_expect(!strncmp(ids, "alpha delta", 11), "alpha (entities, keywords, name) before delta (description): %s", ids);
	free(ids);
	json_t *top = json_array_get(json_object_get(r, "modules"), 0);
	json_t *matched = json_object_get(top, "matched");
	bool ent = false;
	size_t i;
	json_t *x;
	json_array_foreach(matched, i, x) ent = ent || !strcmp(json_string_value(x), "entities");
	cr_expect(ent);
	json_decref(r);
	/* every word matched comes first */
	r = mr_query_search(ctx, "billing invoice", 0);
	cr_expect_str_eq(sget(json_array_get(json_object_get(r, "modules"), 0), "id"), "beta");
	json_decref(r);
	r = mr_query_search(ctx, "gamma", 0);
	cr_expect_str_eq(sget(json_array_get(json_object_get(r, "modules"), 0), "id"), "gamma");
	json_decref(r);
	r = mr_query_search(ctx, "zzzz", 0);
	cr_expect_eq(mr_query_count(r), 0);
	json_decref(r);
	r = mr_query_search(ctx, "the module", 0); /* only little words: searched after all */
	cr_expect_gt(mr_query_count(r), 0);
	json_decref(r);
	r = mr_query_search(ctx, "", 0);
	cr_expect_eq(mr_query_count(r), 0);
	json_decref(r);
	r = mr_query_search(ctx, "e", 2);
	cr_expect_eq(mr_query_count(r), 2, "limit");
	json_decref(r);
	json_decref(ctx);
}

Test(query, similar_ranks_excludes_and_flags)
{
	json_t *ctx = context();
	json_t *pj = json_pack("{s:s, s:[s,s], s:[s]}", "name", "Client orders", "entities", "customers", "ORDER",
	                       "endpoints", "GET /customers");
	mr_simprofile *p = mr_simprofile_from_json(pj);
	json_t *r = mr_query_similar(ctx, p, NULL, 0);
	json_t *top = json_array_get(json_object_get(r, "modules"), 0);
	cr_expect_str_eq(sget(top, "id"), "alpha");
	cr_expect(json_is_true(json_object_get(top, "possibleDuplicate")));
	cr_expect(strstr(sget(top, "reasons"), "both manage Customer and Order"), "%s", sget(top, "reasons"));
	cr_expect_eq(json_integer_value(json_object_get(r, "threshold")), MR_DUPLICATE_THRESHOLD);
	json_decref(r);
	r = mr_query_similar(ctx, p, "alpha", 0);
	cr_expect_null(entry(r, "alpha"));
	json_decref(r);
	mr_simprofile_free(p);
	json_decref(pj);
	json_decref(ctx);
}

Test(query, validate_manifest_text)
{
	const char *ok = "apiVersion: modreg/v1\nname: Zeta\ndescription: Z.\ntype: service\nversion: 0.1.0\n";
	json_t *r = mr_query_validate_text(root, NULL, ok, strlen(ok), "zeta");
	cr_assert(r);
	cr_expect(json_is_true(json_object_get(r, "valid")));
	cr_expect_eq(json_integer_value(json_object_get(r, "errors")), 0);
	cr_expect_str_eq(sget(r, "id"), "zeta");
	json_decref(r);

	/* own errors make it invalid; the position and code are given */
	const char *bad = "apiVersion: modreg/v1\nname: Zeta\ndescripton: Z.\ntype: service\nversion: one\n";
	r = mr_query_validate_text(root, NULL, bad, strlen(bad), "zeta");
	cr_expect(json_is_false(json_object_get(r, "valid")));
	json_t *d0 = json_array_get(json_object_get(r, "diagnostics"), 0);
	cr_expect_str_eq(sget(d0, "file"), "zeta/module.yaml");
	bool unknown_key = false, bad_version = false;
	size_t i;
	json_t *d;
	json_array_foreach(json_object_get(r, "diagnostics"), i, d)
	{
		unknown_key |= !strcmp(sget(d, "code"), "unknown-key") && json_integer_value(json_object_get(d, "line")) == 3;
		bad_version |= !strcmp(sget(d, "code"), "bad-version");
	}
	cr_expect(unknown_key && bad_version);
	mr_buf b = MR_BUF_INIT;
	mr_query_validate_text_render(r, &b);
	cr_expect(strstr(mr_buf_str(&b), "zeta/module.yaml:3:1: error: unknown key 'descripton'"), "%s", mr_buf_str(&b));
	mr_buf_release(&b);
	json_decref(r);

	/* cross-module rules against the registry: a missing target, a name taken, a cycle */
	const char *cross = "apiVersion: modreg/v1\nname: alpha customers\ndescription: Z.\ntype: service\nversion: 0.1.0\n"
	                    "relationships: [{target: nowhere, type: dependency}]\n";
	r = mr_query_validate_text(root, NULL, cross, strlen(cross), "zeta");
	cr_expect(json_is_true(json_object_get(r, "valid")), "cross-module errors do not make a manifest invalid");
	bool target = false, name = false;
	json_array_foreach(json_object_get(r, "diagnostics"), i, d)
	{
		target |= !strcmp(sget(d, "code"), "unknown-target");
		name |= !strcmp(sget(d, "code"), "duplicate-name");
	}
	cr_expect(target && name);
	json_decref(r);

	/* a change to an existing module replaces it: gamma without its dependency breaks the cycle */
	const char *g = "apiVersion: modreg/v1\nid: gamma\nname: Gamma Ledger\ndescription: G.\ntype: library\nversion: 1.1.0\n";
	r = mr_query_validate_text(root, NULL, g, strlen(g), NULL);
	cr_expect_str_eq(sget(r, "id"), "gamma", "the id comes from the manifest");
	cr_expect_eq(json_integer_value(json_object_get(r, "errors")), 0);
	json_decref(r);

	/* broken YAML, and no id at all */
	r = mr_query_validate_text(root, NULL, "a: [", 4, NULL);
	cr_expect_str_eq(sget(r, "id"), "proposed-module");
	cr_expect(json_is_false(json_object_get(r, "valid")));
	cr_expect_str_eq(sget(json_array_get(json_object_get(r, "diagnostics"), 0), "code"), "yaml-syntax");
	json_decref(r);
	cr_expect_null(mr_query_validate_text(root, NULL, ok, strlen(ok), "Not An Id"));
	/* no registry: the manifest's own rules still apply */
	r = mr_query_validate_text("/nonexistent-registry", NULL, ok, strlen(ok), "zeta");
	cr_expect(json_is_true(json_object_get(r, "valid")));
	json_decref(r);
}

Test(query, context_from_file_or_registry)
{
	bool from_file = true;
	char *err = NULL;
	json_t *ctx = mr_query_context(out, root, NULL, &from_file, &err);
	cr_assert(ctx, "%s", err ? err : "");
	cr_expect(!from_file, "no context.json yet: indexed in memory");
	cr_expect_eq(json_array_size(json_object_get(ctx, "modules")), 5);
	json_decref(ctx);

	mr_buf text = MR_BUF_INIT;
	ctx = mr_query_build(root, NULL, NULL, &text);
	cr_assert(ctx);
	cr_expect_str_eq(sget(ctx, "schemaVersion"), "1.0.0");
	json_decref(ctx);
	/* a context.json with one module less shows that the file is what is read */
	json_t *doc = json_loads(mr_buf_str(&text), 0, NULL);
	json_array_remove(json_object_get(doc, "modules"), 0);
	char *path = mr_path_join(out, "context.json");
	cr_assert_eq(json_dump_file(doc, path, 0), 0);
	json_decref(doc);
	ctx = mr_query_context(out, root, NULL, &from_file, &err);
	cr_assert(ctx);
	cr_expect(from_file);
	cr_expect_eq(json_array_size(json_object_get(ctx, "modules")), 4);
	json_decref(ctx);
	write_file(out, "context.json", "{broken");
	cr_expect_null(mr_query_context(out, root, NULL, &from_file, &err));
	cr_expect(err && strstr(err, "context.json"), "%s", err ? err : "");
	free(err);
	err = NULL;
	cr_expect_null(mr_query_context("/nonexistent-out", "/nonexistent-registry", NULL, NULL, &err));
	cr_expect(err && strstr(err, "cannot be read"), "%s", err ? err : "");
	free(err);
	free(path);
	mr_buf_release(&text);
}

/* ---- the MCP message handler ---- */

static mr_mcp *server(void)
{
	mr_mcp_config cfg = {root, NULL, NULL, NULL, NULL};
	return mr_mcp_new(&cfg);
}

static json_t *call(mr_mcp *s, const char *line)
{
	char *r = mr_mcp_handle(s, line, strlen(line));
	if (!r) return NULL;
	cr_expect_null(strchr(r, '\n'), "a reply is one line");
	json_t *j = json_loads(r, 0, NULL);
	cr_assert(j, "reply is not JSON: %s", r);
	free(r);
	return j;
}

static int error_code(json_t *reply)
{
	return (int)json_integer_value(json_object_get(json_object_get(reply, "error"), "code"));
}

Test(query, mcp_envelope)
{
	mr_mcp *s = server();
	json_t *r = call(s, "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
	                    "\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}");
	cr_expect(json_is_integer(json_object_get(r, "id")) && json_integer_value(json_object_get(r, "id")) == 0,
	          "id 0 is echoed");
	json_t *res = json_object_get(r, "result");
	cr_expect_str_eq(sget(res, "protocolVersion"), "2025-06-18", "a supported version is echoed");
	cr_expect_str_eq(sget(json_object_get(res, "serverInfo"), "name"), "modreg");
	cr_expect(json_is_object(json_object_get(json_object_get(res, "capabilities"), "tools")));
	cr_expect(json_is_object(json_object_get(json_object_get(res, "capabilities"), "resources")));
	json_decref(r);
	r = call(s, "{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"1999-01-01\"}}");
	cr_expect_str_eq(sget(json_object_get(r, "result"), "protocolVersion"), MR_MCP_PROTOCOL_VERSION);
	cr_expect_str_eq(sget(r, "id"), "x");
	json_decref(r);

	cr_expect_null(call(s, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"));
	cr_expect_null(call(s, "{\"jsonrpc\":\"2.0\",\"method\":\"tools/list\"}"), "a notification is never answered");
	cr_expect_null(call(s, "{\"jsonrpc\":\"2.0\",\"id\":5,\"result\":{}}"), "a response is not answered");
	cr_expect_null(call(s, "   \r"));

	r = call(s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":");
	cr_expect_eq(error_code(r), MR_RPC_PARSE_ERROR);
	cr_expect(json_is_null(json_object_get(r, "id")));
	json_decref(r);
	r = call(s, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]");
	cr_expect_eq(error_code(r), MR_RPC_INVALID_REQUEST);
	json_decref(r);
	r = call(s, "{\"jsonrpc\":\"2.0\",\"id\":{\"a\":1},\"method\":\"ping\"}");
	cr_expect_eq(error_code(r), MR_RPC_INVALID_REQUEST);
	json_decref(r);
	r = call(s, "{\"jsonrpc\":\"1.0\",\"id\":9,\"method\":\"ping\"}");
	cr_expect_eq(error_code(r), MR_RPC_INVALID_REQUEST);
	cr_expect_eq(json_integer_value(json_object_get(r, "id")), 9);
	json_decref(r);
	r = call(s, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"prompts/list\"}");
	cr_expect_eq(error_code(r), MR_RPC_METHOD_NOT_FOUND);
	json_decref(r);
	r = call(s, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\",\"params\":[1]}");
	cr_expect_eq(error_code(r), MR_RPC_INVALID_PARAMS);
	json_decref(r);
	r = call(s, "{\"method\":\"ping\",\"jsonrpc\":\"2.0\",\"id\":\"z\"}");
	cr_expect(json_is_object(json_object_get(r, "result")));
	json_decref(r);
	mr_mcp_free(s);
}

Test(query, mcp_tools)
{
	mr_mcp *s = server();
	json_t *r = call(s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
	json_t *tools = json_object_get(json_object_get(r, "result"), "tools");
	cr_expect_eq(json_array_size(tools), 5);
	size_t i;
	json_t *t;
	json_array_foreach(tools, i, t)
	{
		json_t *in = json_object_get(t, "inputSchema");
		cr_expect_str_eq(sget(in, "type"), "object", "%s", sget(t, "name"));
		cr_expect(json_is_false(json_object_get(in, "additionalProperties")), "%s", sget(t, "name"));
		cr_expect_gt(strlen(sget(t, "description")), 80, "%s needs a useful description", sget(t, "name"));
	}
	json_decref(r);

	r = call(s, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"get_dependencies\","
	            "\"arguments\":{\"id\":\"alpha\",\"direction\":\"incoming\",\"transitive\":true}}}");
	json_t *res = json_object_get(r, "result");
	cr_expect(!json_is_true(json_object_get(res, "isError")));
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(res, "structuredContent"), "count")), 4);
	cr_expect(strstr(sget(json_array_get(json_object_get(res, "content"), 0), "text"), "epsilon"));
	json_decref(r);

	/* business failure and bad arguments: results the model can read */
	const char *bad[] = {
		"{\"name\":\"get_module\",\"arguments\":{\"id\":\"alpah\"}}",
		"{\"name\":\"get_module\",\"arguments\":{}}",
		"{\"name\":\"get_module\",\"arguments\":{\"id\":7}}",
		"{\"name\":\"get_module\",\"arguments\":{\"id\":\"alpha\",\"extra\":1}}",
		"{\"name\":\"get_module\",\"arguments\":{\"id\":\"../etc\"}}",
		"{\"name\":\"list_modules\",\"arguments\":{\"status\":\"gone\"}}",
		"{\"name\":\"find_similar\",\"arguments\":{}}",
		"{\"name\":\"find_similar\",\"arguments\":{\"entities\":[\"A\",3]}}",
		"{\"name\":\"find_similar\",\"arguments\":{\"name\":\"x\",\"limit\":0}}",
		"{\"name\":\"validate_manifest\",\"arguments\":{\"id\":\"zeta\"}}",
	};
	const char *why[] = {"did you mean 'alpha'", "missing required argument 'id'", "id must be a string",
	                     "unknown argument 'extra'", "not a module id", "status must be one of",
	                     "at least one of", "entities[1] must be a string", "limit must be at least 1",
	                     "missing required argument 'manifest'"};
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		char *line = mr_xasprintf("{\"jsonrpc\":\"2.0\",\"id\":%zu,\"method\":\"tools/call\",\"params\":%s}", k + 10, bad[k]);
		r = call(s, line);
		res = json_object_get(r, "result");
		cr_expect(json_is_true(json_object_get(res, "isError")), "%s", bad[k]);
		const char *text = sget(json_array_get(json_object_get(res, "content"), 0), "text");
		cr_expect(text && strstr(text, why[k]), "%s: %s", bad[k], text ? text : "(no text)");
		json_decref(r);
		free(line);
	}
	/* malformed calls are protocol errors */
	const char *proto[] = {"{\"name\":\"nope\",\"arguments\":{}}", "{\"arguments\":{}}",
	                       "{\"name\":\"get_module\",\"arguments\":[1]}"};
	for (size_t k = 0; k < sizeof proto / sizeof proto[0]; k++) {
		char *line = mr_xasprintf("{\"jsonrpc\":\"2.0\",\"id\":%zu,\"method\":\"tools/call\",\"params\":%s}", k + 50, proto[k]);
		r = call(s, line);
		cr_expect_eq(error_code(r), MR_RPC_INVALID_PARAMS, "%s", proto[k]);
		json_decref(r);
		free(line);
	}
	mr_mcp_free(s);
}

Test(query, mcp_resources_are_fresh)
{
	mr_mcp *s = server();
	json_t *r = call(s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/read\",\"params\":{\"uri\":\"modreg://context\"}}");
	json_t *c = json_array_get(json_object_get(json_object_get(r, "result"), "contents"), 0);
	cr_expect_str_eq(sget(c, "mimeType"), "application/json");
	json_t *doc = json_loads(sget(c, "text"), 0, NULL);
	cr_assert(doc);
	cr_expect_eq(json_array_size(json_object_get(doc, "modules")), 5);
	json_decref(doc);
	json_decref(r);

	/* a module added on disk is there on the next call */
	add_module("zeta", "Zeta", "service", "active", "Z.", "");
	r = call(s, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"resources/read\",\"params\":{\"uri\":\"modreg://modules/zeta\"}}");
	c = json_array_get(json_object_get(json_object_get(r, "result"), "contents"), 0);
	cr_expect_str_eq(sget(c, "uri"), "modreg://modules/zeta");
	doc = json_loads(sget(c, "text"), 0, NULL);
	cr_expect_str_eq(sget(doc, "name"), "Zeta");
	json_decref(doc);
	json_decref(r);

	const char *missing[] = {"modreg://modules/nope", "modreg://modules/", "modreg://other", "file:///etc/passwd",
	                         "modreg://modules/../../etc"};
	for (size_t k = 0; k < sizeof missing / sizeof missing[0]; k++) {
		char *line = mr_xasprintf("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"resources/read\",\"params\":{\"uri\":\"%s\"}}",
		                          missing[k]);
		r = call(s, line);
		cr_expect_eq(error_code(r), MR_MCP_RESOURCE_NOT_FOUND, "%s", missing[k]);
		cr_expect_str_eq(sget(json_object_get(json_object_get(r, "error"), "data"), "uri"), missing[k]);
		json_decref(r);
		free(line);
	}
	r = call(s, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"resources/list\"}");
	json_t *list = json_object_get(json_object_get(r, "result"), "resources");
	cr_expect_eq(json_array_size(list), 7, "the context and one resource per module");
	cr_expect_str_eq(sget(json_array_get(list, 0), "uri"), "modreg://context");
	json_decref(r);
	r = call(s, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"resources/templates/list\"}");
	cr_expect_str_eq(sget(json_array_get(json_object_get(json_object_get(r, "result"), "resourceTemplates"), 0), "uriTemplate"),
	                 "modreg://modules/{id}");
	json_decref(r);
	mr_mcp_free(s);
}
