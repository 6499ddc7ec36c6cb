/* mcp.c — JSON-RPC 2.0 messages in, replies out; the tools and resources answer through
 * query.h, so the MCP server, `modreg query` and `modreg validate` agree.
 *
 * Errors follow MCP 2025-11-25: a malformed request, an unknown method, tool or resource
 * is a JSON-RPC error; arguments that break a tool's input schema, and business failures
 * such as an unknown module id, are tool results with isError: true, so that the model
 * reads the message and can correct its call (SEP-1303). */
#include "mcp.h"

#include "context.h"
#include "query.h"
#include "suggest.h"

#include <jansson.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ID_PATTERN "^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
#define RESOURCE_PAGE 200

/* The tools as tools/list shows them; arguments are checked against the same schemas. */
static const char *const tool_defs[] = {
	"{\"name\":\"list_modules\",\"title\":\"List modules\","
	"\"description\":\"List the modules of the registry, one summary each (id, name, type, version, status, health, "
	"owner, description, tags). Call this first to learn what already exists before you design, build or change a "
	"module. Filter by status, by type, and by words that must all occur in a module's id, name, description, tags, "
	"keywords or entity names.\","
	"\"inputSchema\":{\"type\":\"object\",\"properties\":{"
	"\"status\":{\"type\":\"string\",\"enum\":[\"active\",\"inactive\",\"deprecated\",\"experimental\"],"
	"\"description\":\"Only modules with this status.\"},"
	"\"type\":{\"type\":\"string\",\"enum\":[\"crud\",\"workflow\",\"integration\",\"service\",\"ui\",\"library\"],"
	"\"description\":\"Only modules of this type.\"},"
	"\"text\":{\"type\":\"string\",\"maxLength\":1000,\"description\":\"Words that must all occur (case-insensitive).\"}"
	"},\"additionalProperties\":false},"
	"\"outputSchema\":{\"type\":\"object\",\"properties\":{\"count\":{\"type\":\"integer\"},"
	"\"modules\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}}},\"required\":[\"count\",\"modules\"]},"
	"\"annotations\":{\"readOnlyHint\":true,\"openWorldHint\":false}}",

	"{\"name\":\"get_module\",\"title\":\"Get one module\","
	"\"description\":\"Everything the registry knows about one module: entities with their fields, API routes with "
	"full paths, capabilities, actions, jobs, events, UI pages, relationships in both directions, configuration schema "
	"(never values), permissions, AI context, health, diagnostics and documentation paths. Call it before you use, "
	"call, extend or depend on a module.\","
	"\"inputSchema\":{\"type\":\"object\",\"properties\":{"
	"\"id\":{\"type\":\"string\",\"pattern\":\"" ID_PATTERN "\",\"maxLength\":63,\"description\":\"The module id.\"}"
	"},\"required\":[\"id\"],\"additionalProperties\":false},"
	"\"outputSchema\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\"}},\"required\":[\"id\"]},"
	"\"annotations\":{\"readOnlyHint\":true,\"openWorldHint\":false}}",

	"{\"name\":\"get_dependencies\",\"title\":\"Dependencies and dependents\","
	"\"description\":\"The relationships of a module (dependency, integration, data-flow, hierarchical). "
	"direction outgoing: what the module relies on. direction incoming: what relies on it; with transitive true this "
	"is the impact analysis to run before changing a module: every module that may break, each with the depth and the "
	"module it is reached through.\","
	"\"inputSchema\":{\"type\":\"object\",\"properties\":{"
	"\"id\":{\"type\":\"string\",\"pattern\":\"" ID_PATTERN "\",\"maxLength\":63,\"description\":\"The module id.\"},"
	"\"direction\":{\"type\":\"string\",\"enum\":[\"outgoing\",\"incoming\"],\"default\":\"outgoing\","
	"\"description\":\"outgoing: what id relies on; incoming: what relies on id.\"},"
	"\"transitive\":{\"type\":\"boolean\",\"default\":false,\"description\":\"Follow relationships through every "
	"module reached, not only direct ones.\"},"
	"\"types\":{\"type\":\"array\",\"items\":{\"type\":\"string\",\"enum\":[\"dependency\",\"integration\","
	"\"data-flow\",\"hierarchical\"]},\"maxItems\":4,\"description\":\"Relationship types to follow (default: "
	"all).\"}"
	"},\"required\":[\"id\"],\"additionalProperties\":false},"
	"\"outputSchema\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\"},\"direction\":{\"type\":"
	"\"string\"},\"transitive\":{\"type\":\"boolean\"},\"count\":{\"type\":\"integer\"},\"cycle\":{\"type\":"
	"\"boolean\"},\"modules\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}}},"
	"\"required\":[\"id\",\"direction\",\"transitive\",\"count\",\"cycle\",\"modules\"]},"
	"\"annotations\":{\"readOnlyHint\":true,\"openWorldHint\":false}}",

	"{\"name\":\"find_similar\",\"title\":\"Find similar modules\","
	"\"description\":\"Call find_similar before proposing or creating a new module. Describe what you plan: name, "
	"description, the entities it manages, its endpoints (\\\"GET /customers/{id}\\\") and keywords; give as much as "
	"you know. It ranks the existing modules by likeness (0-100) with the reasons (shared entities, endpoints, "
	"keywords, names, words). possibleDuplicate true (score at or above the threshold) means the module probably "
	"exists already: extend it or depend on it instead of building a new one.\","
	"\"inputSchema\":{\"type\":\"object\",\"properties\":{"
	"\"name\":{\"type\":\"string\",\"maxLength\":200,\"description\":\"Proposed module name.\"},"
	"\"description\":{\"type\":\"string\",\"maxLength\":4000,\"description\":\"What the module will do.\"},"
	"\"entities\":{\"type\":\"array\",\"items\":{\"type\":\"string\",\"maxLength\":200},\"maxItems\":200,"
	"\"description\":\"Entities it will manage, in any case or number (Customer, order_items).\"},"
	"\"endpoints\":{\"type\":\"array\",\"items\":{\"type\":\"string\",\"maxLength\":500},\"maxItems\":500,"
	"\"description\":\"Endpoints as METHOD PATH, parameters as {name} or :name (GET /customers/{id}).\"},"
	"\"keywords\":{\"type\":\"array\",\"items\":{\"type\":\"string\",\"maxLength\":200},\"maxItems\":200,"
	"\"description\":\"Keywords or tags.\"},"
	"\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100,\"default\":10,\"description\":\"At most this "
	"many modules.\"}"
	"},\"additionalProperties\":false},"
	"\"outputSchema\":{\"type\":\"object\",\"properties\":{\"threshold\":{\"type\":\"integer\"},\"count\":{\"type\":"
	"\"integer\"},\"modules\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":"
	"\"string\"},\"score\":{\"type\":\"integer\"},\"possibleDuplicate\":{\"type\":\"boolean\"},\"reasons\":{\"type\":"
	"\"string\"}},\"required\":[\"id\",\"score\",\"possibleDuplicate\",\"reasons\"]}}},"
	"\"required\":[\"threshold\",\"count\",\"modules\"]},"
	"\"annotations\":{\"readOnlyHint\":true,\"openWorldHint\":false}}",

	"{\"name\":\"validate_manifest\",\"title\":\"Validate a manifest\","
	"\"description\":\"Check the text of a module.yaml before you write or commit it, with the same rules as "
	"`modreg validate`: the manifest's own rules and the rules across modules against the registry as it is now "
	"(unknown relationship targets, unsatisfied version ranges, cycles, route and UI path conflicts, duplicate names, "
	"possible duplicates). Give id for a change to an existing module, or the id a new one will have. Returns every "
	"diagnostic with line and column; valid false means the manifest has errors of its own.\","
	"\"inputSchema\":{\"type\":\"object\",\"properties\":{"
	"\"manifest\":{\"type\":\"string\",\"maxLength\":1048576,\"description\":\"The YAML text of module.yaml.\"},"
	"\"id\":{\"type\":\"string\",\"pattern\":\"" ID_PATTERN "\",\"maxLength\":63,\"description\":\"The module id "
	"(its directory name). Default: the manifest's id key.\"}"
	"},\"required\":[\"manifest\"],\"additionalProperties\":false},"
	"\"outputSchema\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\"},\"valid\":{\"type\":"
	"\"boolean\"},\"errors\":{\"type\":\"integer\"},\"warnings\":{\"type\":\"integer\"},\"diagnostics\":{\"type\":"
	"\"array\",\"items\":{\"type\":\"object\"}}},\"required\":[\"id\",\"valid\",\"errors\",\"warnings\","
	"\"diagnostics\"]},"
	"\"annotations\":{\"readOnlyHint\":true,\"openWorldHint\":false}}",
	NULL};

static const char instructions[] =
	"modreg is the registry of the modules of this platform: what exists, what each module manages and exposes, how "
	"modules depend on each other and whether they are healthy. Before you create a module, call find_similar with "
	"what you plan and look at the modules it returns; a possible duplicate should be extended or reused, not rebuilt. "
	"Before you change a module, call get_dependencies with direction incoming and transitive true to see what may "
	"break. Before you write a module.yaml, check it with validate_manifest. The resource modreg://context holds the "
	"whole registry as one JSON document (context.json); modreg://modules/{id} holds one module.";

static const char *const supported_versions[] = {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05", NULL};

struct mr_mcp {
	mr_mcp_config cfg;
	json_t *tools;  /* the tool list */
	regex_t id_re;
};

mr_mcp *mr_mcp_new(const mr_mcp_config *cfg)
{
	mr_mcp *s = mr_xcalloc(1, sizeof *s);
	s->cfg = *cfg;
	s->tools = json_array();
	for (size_t i = 0; tool_defs[i]; i++) {
		json_error_t je;
		json_t *t = json_loads(tool_defs[i], 0, &je);
		if (!t) abort(); /* a bug in the table above, caught by any test */
		json_array_append_new(s->tools, t);
	}
	if (regcomp(&s->id_re, ID_PATTERN, REG_EXTENDED | REG_NOSUB) != 0) abort();
	return s;
}

void mr_mcp_free(mr_mcp *s)
{
	if (!s) return;
	json_decref(s->tools);
	regfree(&s->id_re);
	free(s);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void trace(mr_mcp *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void trace(mr_mcp *s, const char *fmt, ...)
{
	if (!s->cfg.log) return;
	mr_buf b = MR_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	mr_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	s->cfg.log(s->cfg.log_arg, mr_buf_str(&b));
	mr_buf_release(&b);
}

/* ---- replies ---- */

static char *dump(json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT);
	json_decref(v);
	return s ? s : mr_xstrdup("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32603,\"message\":\"out of memory\"}}");
}

static char *result_reply(json_t *id, json_t *result)
{
	return dump(json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", id, "result", result));
}

/* data is stolen (may be NULL) */
static char *error_reply(json_t *id, int code, const char *message, json_t *data)
{
	json_t *err = json_pack("{s:i, s:s}", "code", code, "message", message);
	if (data) json_object_set_new(err, "data", data);
	return dump(json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", id ? id : json_null(), "error", err));
}

/* ---- argument checking against the input schemas ---- */

static const char *type_name(json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "a value";
}

/* Check v against the subset of JSON Schema the tools use (type, enum, pattern, minimum,
 * maximum, maxLength, maxItems, items).  Returns 0, or -1 with a sentence in why. */
static int check_value(mr_mcp *s, json_t *schema, json_t *v, const char *where, mr_buf *why)
{
	const char *type = json_string_value(json_object_get(schema, "type"));
	bool ok = true;
	if (!strcmp(type, "string")) ok = json_is_string(v);
	else if (!strcmp(type, "boolean")) ok = json_is_boolean(v);
	else if (!strcmp(type, "integer")) ok = json_is_integer(v);
	else if (!strcmp(type, "array")) ok = json_is_array(v);
	else if (!strcmp(type, "object")) ok = json_is_object(v);
	if (!ok) {
		mr_buf_printf(why, "%s must be %s %s, not %s", where, type[0] == 'a' || type[0] == 'i' ? "an" : "a", type,
		              type_name(v));
		return -1;
	}
	json_t *en = json_object_get(schema, "enum");
	if (json_is_array(en)) {
		size_t i;
		json_t *x;
		bool found = false;
		json_array_foreach(en, i, x) found = found || json_equal(x, v);
		if (!found) {
			mr_buf_printf(why, "%s must be one of", where);
			json_array_foreach(en, i, x) mr_buf_printf(why, "%s %s", i ? "," : "", json_string_value(x));
			if (json_is_string(v)) mr_buf_printf(why, ", not '%s'", json_string_value(v));
			return -1;
		}
	}
	json_t *maxlen = json_object_get(schema, "maxLength");
	if (json_is_string(v) && maxlen && mr_utf8_length(json_string_value(v), json_string_length(v)) > (size_t)json_integer_value(maxlen)) {
		mr_buf_printf(why, "%s is longer than %lld characters", where, (long long)json_integer_value(maxlen));
		return -1;
	}
	if (json_is_string(v) && json_object_get(schema, "pattern")) {
		if (strlen(json_string_value(v)) != json_string_length(v) ||
		    regexec(&s->id_re, json_string_value(v), 0, NULL, 0) != 0) {
			mr_buf_printf(why, "%s '%s' is not a module id (lowercase letters and digits in words joined by '-', like "
			                   "order-fulfillment)",
			              where, json_string_value(v));
			return -1;
		}
	}
	json_t *mn = json_object_get(schema, "minimum"), *mx = json_object_get(schema, "maximum");
	if (json_is_integer(v) && mn && json_integer_value(v) < json_integer_value(mn)) {
		mr_buf_printf(why, "%s must be at least %lld", where, (long long)json_integer_value(mn));
		return -1;
	}
	if (json_is_integer(v) && mx && json_integer_value(v) > json_integer_value(mx)) {
		mr_buf_printf(why, "%s must be at most %lld", where, (long long)json_integer_value(mx));
		return -1;
	}
	if (json_is_array(v)) {
		json_t *maxi = json_object_get(schema, "maxItems"), *items = json_object_get(schema, "items");
		if (maxi && json_array_size(v) > (size_t)json_integer_value(maxi)) {
			mr_buf_printf(why, "%s has more than %lld items", where, (long long)json_integer_value(maxi));
			return -1;
		}
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x)
		{
			char *w = mr_xasprintf("%s[%zu]", where, i);
			int r = items ? check_value(s, items, x, w, why) : 0;
			free(w);
			if (r < 0) return -1;
		}
	}
	return 0;
}

static int check_arguments(mr_mcp *s, json_t *tool, json_t *args, mr_buf *why)
{
	json_t *schema = json_object_get(tool, "inputSchema");
	json_t *props = json_object_get(schema, "properties");
	const char *k;
	json_t *v;
	json_object_foreach(args, k, v)
	{
		json_t *ps = json_object_get(props, k);
		if (!ps) {
			mr_buf_printf(why, "unknown argument '%s'; %s takes", k, json_string_value(json_object_get(tool, "name")));
			const char *pk;
			json_t *pv;
			size_t n = 0;
			json_object_foreach(props, pk, pv) mr_buf_printf(why, "%s %s", n++ ? "," : "", pk);
			return -1;
		}
		if (check_value(s, ps, v, k, why) < 0) return -1;
	}
	size_t i;
	json_t *req;
	json_array_foreach(json_object_get(schema, "required"), i, req)
	{
		if (!json_object_get(args, json_string_value(req))) {
			mr_buf_printf(why, "missing required argument '%s'", json_string_value(req));
			return -1;
		}
	}
	return 0;
}

/* ---- the tools ---- */

/* a tool result: text for the model, structured content for programs (stolen, may be NULL) */
static json_t *tool_result(const char *text, json_t *structured, bool is_error)
{
	json_t *r = json_pack("{s:[{s:s, s:s}]}", "content", "type", "text", "text", text);
	if (structured) json_object_set_new(r, "structuredContent", structured);
	if (is_error) json_object_set_new(r, "isError", json_true());
	return r;
}

static json_t *tool_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static json_t *tool_error(const char *fmt, ...)
{
	mr_buf b = MR_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	mr_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	json_t *r = tool_result(mr_buf_str(&b), NULL, true);
	mr_buf_release(&b);
	return r;
}

static json_t *fresh_context(mr_mcp *s, mr_buf *text)
{
	json_t *prev = NULL;
	if (s->cfg.out) {
		char *p = mr_path_join(s->cfg.out, "context.json");
		json_error_t je;
		prev = json_load_file(p, 0, &je);
		free(p);
	}
	json_t *ctx = mr_query_build(s->cfg.registry, s->cfg.stats, prev, text);
	json_decref(prev);
	return ctx;
}

static json_t *unknown_module(json_t *ctx, const char *id)
{
	json_t *mods = json_object_get(ctx, "modules"), *m;
	size_t n = json_array_size(mods), i;
	const char **ids = mr_xcalloc(n + 1, sizeof *ids);
	json_array_foreach(mods, i, m) ids[i] = json_string_value(json_object_get(m, "id"));
	const char *near = mr_suggest(id, ids, n);
	free(ids);
	if (near) return tool_error("no module '%s' in the registry; did you mean '%s'?", id, near);
	return tool_error("no module '%s' in the registry; list_modules shows every module", id);
}

static json_t *with_text(json_t *res, void (*render)(json_t *, mr_buf *))
{
	mr_buf b = MR_BUF_INIT;
	render(res, &b);
	json_t *r = tool_result(mr_buf_str(&b), res, false);
	mr_buf_release(&b);
	return r;
}

static json_t *t_list_modules(json_t *ctx, json_t *args)
{
	mr_query_filter f = {json_string_value(json_object_get(args, "status")),
	                     json_string_value(json_object_get(args, "type")),
	                     json_string_value(json_object_get(args, "text"))};
	return with_text(mr_query_list(ctx, &f), mr_query_list_text);
}

static json_t *t_get_module(json_t *ctx, json_t *args)
{
	const char *id = json_string_value(json_object_get(args, "id"));
	json_t *m = mr_query_module(ctx, id);
	if (!m) return unknown_module(ctx, id);
	mr_buf b = MR_BUF_INIT;
	mr_query_module_text(m, &b);
	json_t *r = tool_result(mr_buf_str(&b), json_incref(m), false);
	mr_buf_release(&b);
	return r;
}

static json_t *t_get_dependencies(json_t *ctx, json_t *args)
{
	const char *id = json_string_value(json_object_get(args, "id"));
	const char *dir = json_string_value(json_object_get(args, "direction"));
	bool transitive = json_is_true(json_object_get(args, "transitive"));
	json_t *tl = json_object_get(args, "types");
	const char **types = NULL;
	if (json_is_array(tl)) {
		types = mr_xcalloc(json_array_size(tl) + 1, sizeof *types);
		size_t i;
		json_t *x;
		json_array_foreach(tl, i, x) types[i] = json_string_value(x);
	}
	json_t *res = mr_query_deps(ctx, id, dir && !strcmp(dir, "incoming") ? MR_QUERY_INCOMING : MR_QUERY_OUTGOING,
	                            transitive, types);
	free(types);
	if (!res) return unknown_module(ctx, id);
	return with_text(res, mr_query_deps_text);
}

static json_t *t_find_similar(json_t *ctx, json_t *args)
{
	json_t *proposal = json_object();
	static const char *const keys[] = {"name", "description", "entities", "endpoints", "keywords", NULL};
	for (size_t i = 0; keys[i]; i++)
		if (json_object_get(args, keys[i])) json_object_set(proposal, keys[i], json_object_get(args, keys[i]));
	mr_simprofile *p = mr_simprofile_from_json(proposal);
	json_decref(proposal);
	if (mr_simprofile_empty(p)) {
		mr_simprofile_free(p);
		return tool_error("describe the planned module: give at least one of name, description, entities, endpoints "
		                  "or keywords (with words that say something)");
	}
	json_t *lim = json_object_get(args, "limit");
	json_t *res = mr_query_similar(ctx, p, NULL, lim ? (size_t)json_integer_value(lim) : 10);
	mr_simprofile_free(p);
	mr_buf b = MR_BUF_INIT;
	if (mr_query_count(res) == 0) mr_buf_puts(&b, "No existing module is like this one: it looks new.\n");
	else {
		mr_buf_printf(&b, "Existing modules like the proposal (score 0-100; %d or more: possible duplicate):\n",
		              MR_DUPLICATE_THRESHOLD);
		mr_query_similar_text(res, &b);
	}
	json_t *r = tool_result(mr_buf_str(&b), res, false);
	mr_buf_release(&b);
	return r;
}

static json_t *t_validate_manifest(mr_mcp *s, json_t *args)
{
	json_t *text = json_object_get(args, "manifest");
	const char *id = json_string_value(json_object_get(args, "id"));
	json_t *res = mr_query_validate_text(s->cfg.registry, s->cfg.stats, json_string_value(text), json_string_length(text), id);
	if (!res) return tool_error("'%s' is not a module id", id ? id : "");
	return with_text(res, mr_query_validate_text_render);
}

static char *tools_call(mr_mcp *s, json_t *id, json_t *params)
{
	json_t *name = json_object_get(params, "name");
	if (!json_is_string(name)) return error_reply(id, MR_RPC_INVALID_PARAMS, "tools/call needs params.name, a string", NULL);
	json_t *tool = NULL, *t;
	size_t i;
	json_array_foreach(s->tools, i, t) if (json_equal(json_object_get(t, "name"), name)) tool = t;
	if (!tool) {
		mr_buf b = MR_BUF_INIT;
		mr_buf_printf(&b, "unknown tool: %s", json_string_value(name));
		char *r = error_reply(id, MR_RPC_INVALID_PARAMS, mr_buf_str(&b), NULL);
		mr_buf_release(&b);
		return r;
	}
	json_t *args = json_object_get(params, "arguments");
	if (args && json_is_null(args)) args = NULL;
	if (args && !json_is_object(args))
		return error_reply(id, MR_RPC_INVALID_PARAMS, "tools/call params.arguments must be an object", NULL);
	json_t *empty = json_object();
	if (!args) args = empty;
	const char *tn = json_string_value(name);
	json_t *result = NULL;
	mr_buf why = MR_BUF_INIT;
	if (check_arguments(s, tool, args, &why) < 0) {
		result = tool_error("invalid arguments for %s: %s", tn, mr_buf_str(&why));
	} else if (!strcmp(tn, "validate_manifest")) {
		result = t_validate_manifest(s, args);
	} else {
		json_t *ctx = fresh_context(s, NULL);
		if (!ctx) result = tool_error("the registry '%s' cannot be read", s->cfg.registry);
		else if (!strcmp(tn, "list_modules")) result = t_list_modules(ctx, args);
		else if (!strcmp(tn, "get_module")) result = t_get_module(ctx, args);
		else if (!strcmp(tn, "get_dependencies")) result = t_get_dependencies(ctx, args);
		else result = t_find_similar(ctx, args);
		json_decref(ctx);
	}
	mr_buf_release(&why);
	json_decref(empty);
	return result_reply(id, result);
}

/* ---- resources ---- */

#define MODULE_URI "modreg://modules/"

static char *resources_list(mr_mcp *s, json_t *id, json_t *params)
{
	size_t start = 0;
	json_t *cursor = json_object_get(params, "cursor");
	if (cursor) {
		char *end;
		const char *c = json_string_value(cursor);
		unsigned long v = c ? strtoul(c, &end, 10) : 0;
		if (!c || !*c || *end) return error_reply(id, MR_RPC_INVALID_PARAMS, "invalid cursor", NULL);
		start = (size_t)v;
	}
	json_t *ctx = fresh_context(s, NULL);
	if (!ctx) return error_reply(id, MR_RPC_INTERNAL_ERROR, "the registry cannot be read", NULL);
	json_t *list = json_array();
	if (start == 0)
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:s}", "uri", "modreg://context", "name", "context",
		                                      "title", "Registry context (context.json)", "description",
		                                      "Every module, relationship, the dependency graph, lookup indexes and "
		                                      "diagnostics, as one JSON document.",
		                                      "mimeType", "application/json"));
	json_t *mods = json_object_get(ctx, "modules"), *m;
	size_t n = json_array_size(mods), i;
	json_array_foreach(mods, i, m)
	{
		if (i < start) continue;
		if (i >= start + RESOURCE_PAGE) break;
		const char *mid = json_string_value(json_object_get(m, "id"));
		const char *nm = json_string_value(json_object_get(m, "name"));
		const char *desc = json_string_value(json_object_get(m, "description"));
		char *uri = mr_xasprintf(MODULE_URI "%s", mid ? mid : "");
		json_t *r = json_pack("{s:s, s:s, s:s}", "uri", uri, "name", mid ? mid : "", "mimeType", "application/json");
		if (nm) json_object_set_new(r, "title", json_string(nm));
		if (desc) json_object_set_new(r, "description", json_string(desc));
		json_array_append_new(list, r);
		free(uri);
	}
	json_t *res = json_pack("{s:o}", "resources", list);
	if (start + RESOURCE_PAGE < n) {
		char *next = mr_xasprintf("%zu", start + RESOURCE_PAGE);
		json_object_set_new(res, "nextCursor", json_string(next));
		free(next);
	}
	json_decref(ctx);
	return result_reply(id, res);
}

static char *templates_list(json_t *id)
{
	json_t *t = json_pack("{s:[{s:s, s:s, s:s, s:s, s:s}]}", "resourceTemplates", "uriTemplate", MODULE_URI "{id}", "name",
	                      "module", "title", "One module", "description",
	                      "One module of the registry as context.json describes it (id: the module id).", "mimeType",
	                      "application/json");
	return result_reply(id, t);
}

static char *not_found(json_t *id, const char *uri)
{
	return error_reply(id, MR_MCP_RESOURCE_NOT_FOUND, "resource not found", json_pack("{s:s}", "uri", uri));
}

static char *resources_read(mr_mcp *s, json_t *id, json_t *params)
{
	json_t *juri = json_object_get(params, "uri");
	if (!json_is_string(juri)) return error_reply(id, MR_RPC_INVALID_PARAMS, "resources/read needs params.uri, a string", NULL);
	const char *uri = json_string_value(juri);
	bool whole = !strcmp(uri, "modreg://context");
	const char *mid = mr_str_has_prefix(uri, MODULE_URI) ? uri + strlen(MODULE_URI) : NULL;
	if (!whole && (!mid || !mr_id_valid(mid))) return not_found(id, uri);
	mr_buf text = MR_BUF_INIT;
	json_t *ctx = fresh_context(s, whole ? &text : NULL);
	char *reply;
	if (!ctx) {
		reply = error_reply(id, MR_RPC_INTERNAL_ERROR, "the registry cannot be read", NULL);
	} else if (whole) {
		reply = result_reply(id, json_pack("{s:[{s:s, s:s, s:s}]}", "contents", "uri", uri, "mimeType", "application/json",
		                                   "text", mr_buf_str(&text)));
	} else {
		json_t *m = mr_query_module(ctx, mid);
		if (!m) reply = not_found(id, uri);
		else {
			mr_jw w;
			mr_jw_init(&w, &text, 0, true);
			mr_jw_json(&w, m);
			mr_buf_putc(&text, '\n');
			reply = result_reply(id, json_pack("{s:[{s:s, s:s, s:s}]}", "contents", "uri", uri, "mimeType",
			                                   "application/json", "text", mr_buf_str(&text)));
		}
	}
	json_decref(ctx);
	mr_buf_release(&text);
	return reply;
}

/* ---- dispatch ---- */

static char *initialize(json_t *id, json_t *params)
{
	const char *asked = json_string_value(json_object_get(params, "protocolVersion"));
	const char *version = MR_MCP_PROTOCOL_VERSION;
	for (size_t i = 0; asked && supported_versions[i]; i++)
		if (!strcmp(asked, supported_versions[i])) version = supported_versions[i];
	json_t *res = json_pack("{s:s, s:{s:{}, s:{}}, s:{s:s, s:s, s:s}, s:s}", "protocolVersion", version, "capabilities",
	                        "tools", "resources", "serverInfo", "name", "modreg", "title", "modreg module registry",
	                        "version", MR_VERSION, "instructions", instructions);
	return result_reply(id, res);
}

char *mr_mcp_handle(mr_mcp *s, const char *line, size_t len)
{
	while (len && (line[len - 1] == '\r' || line[len - 1] == '\n')) len--;
	size_t blank = 0;
	while (blank < len && (line[blank] == ' ' || line[blank] == '\t')) blank++;
	if (blank == len) return NULL;
	json_error_t je;
	json_t *msg = json_loadb(line, len, JSON_DECODE_ANY, &je);
	if (!msg) {
		mr_buf b = MR_BUF_INIT;
		mr_buf_printf(&b, "parse error: %s at column %d", je.text, je.column);
		char *r = error_reply(NULL, MR_RPC_PARSE_ERROR, mr_buf_str(&b), NULL);
		mr_buf_release(&b);
		trace(s, "parse error");
		return r;
	}
	char *reply = NULL;
	json_t *id = json_object_get(msg, "id"), *method = json_object_get(msg, "method");
	json_t *params = json_object_get(msg, "params");
	bool id_ok = json_is_string(id) || json_is_integer(id);
	if (!json_is_object(msg)) {
		reply = error_reply(NULL, MR_RPC_INVALID_REQUEST,
		                    "invalid request: a message is one JSON object (batches are not supported)", NULL);
		goto out;
	}
	if (!method) {
		/* a response to a request of ours (we send none), or not a message at all */
		if (!json_object_get(msg, "result") && !json_object_get(msg, "error"))
			reply = error_reply(id_ok ? id : NULL, MR_RPC_INVALID_REQUEST, "invalid request: no method", NULL);
		goto out;
	}
	if (!id) goto out; /* a notification: never answered */
	if (!id_ok) {
		reply = error_reply(NULL, MR_RPC_INVALID_REQUEST, "invalid request: id must be a string or an integer", NULL);
		goto out;
	}
	if (!json_is_string(json_object_get(msg, "jsonrpc")) || strcmp(json_string_value(json_object_get(msg, "jsonrpc")), "2.0")) {
		reply = error_reply(id, MR_RPC_INVALID_REQUEST, "invalid request: jsonrpc must be \"2.0\"", NULL);
		goto out;
	}
	if (!json_is_string(method)) {
		reply = error_reply(id, MR_RPC_INVALID_REQUEST, "invalid request: method must be a string", NULL);
		goto out;
	}
	if (params && !json_is_object(params)) {
		reply = error_reply(id, MR_RPC_INVALID_PARAMS, "params must be an object", NULL);
		goto out;
	}
	json_t *empty = json_object();
	if (!params) params = empty;
	const char *m = json_string_value(method);
	double t0 = now_ms();
	if (!strcmp(m, "initialize")) reply = initialize(id, params);
	else if (!strcmp(m, "ping")) reply = result_reply(id, json_object());
	else if (!strcmp(m, "tools/list")) reply = result_reply(id, json_pack("{s:O}", "tools", s->tools));
	else if (!strcmp(m, "tools/call")) reply = tools_call(s, id, params);
	else if (!strcmp(m, "resources/list")) reply = resources_list(s, id, params);
	else if (!strcmp(m, "resources/templates/list")) reply = templates_list(id);
	else if (!strcmp(m, "resources/read")) reply = resources_read(s, id, params);
	else {
		mr_buf b = MR_BUF_INIT;
		mr_buf_printf(&b, "method not found: %s", m);
		reply = error_reply(id, MR_RPC_METHOD_NOT_FOUND, mr_buf_str(&b), NULL);
		mr_buf_release(&b);
	}
	json_t *tn = json_object_get(params, "name");
	trace(s, "%s%s%s %.0f ms", m, json_is_string(tn) && !strcmp(m, "tools/call") ? " " : "",
	      json_is_string(tn) && !strcmp(m, "tools/call") ? json_string_value(tn) : "", now_ms() - t0);
	json_decref(empty);
out:
	json_decref(msg);
	return reply;
}
