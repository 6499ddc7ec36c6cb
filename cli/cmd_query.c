/* cmd_query.c — `modreg query list|show|deps|rdeps|search|similar`: what is already in the
 * registry, for people (text) and machines (--json).  Answers come from <out>/context.json
 * when it exists, else from the registry indexed in memory (nothing is written).
 * Exit status: 0 found, 1 nothing found (or no such module), 2 failure. */
#include "commands.h"
#include "jsonw.h"
#include "query.h"
#include "registry.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char query_usage[] =
	"usage: modreg query list [--status S] [--type T] [TEXT...]\n"
	"       modreg query show ID\n"
	"       modreg query deps ID [--transitive] [--direction outgoing|incoming]\n"
	"       modreg query rdeps ID [--transitive]\n"
	"       modreg query search TEXT...\n"
	"       modreg query similar ID | --manifest FILE\n"
	"options: --json (or --format json), --out DIR, --registry DIR, --stats DIR\n";

static int usage_error(const char *fmt, const char *arg)
{
	if (fmt) {
		fputs("modreg: ", stderr);
		fprintf(stderr, fmt, arg);
		fputc('\n', stderr);
	}
	fputs(query_usage, stderr);
	return MR_EXIT_FAILURE;
}

/* print a result as JSON or as text; exit status from found */
static int emit(const mr_opts *o, json_t *res, void (*text)(json_t *, mr_buf *), bool found)
{
	mr_buf b = MR_BUF_INIT;
	if (mr_opts_json(o)) {
		mr_jw w;
		mr_jw_init(&w, &b, 0, true);
		mr_jw_json(&w, res);
		mr_buf_putc(&b, '\n');
	} else text(res, &b);
	fwrite(mr_buf_str(&b), 1, b.len, stdout);
	mr_buf_release(&b);
	return found ? MR_EXIT_OK : MR_EXIT_FOUND_ERRORS;
}

static char *joined_args(const mr_opts *o, int from)
{
	mr_buf b = MR_BUF_INIT;
	for (int i = from; i < o->nargs; i++) {
		if (b.len) mr_buf_putc(&b, ' ');
		mr_buf_puts(&b, o->args[i]);
	}
	return mr_buf_detach(&b);
}

static void error_text(json_t *res, mr_buf *b)
{
	(void)res;
	(void)b; /* people read the message on stderr */
}

static int unknown_module(const mr_opts *o, const char *id)
{
	mr_errorf("no module '%s' in the registry", id);
	if (mr_opts_json(o)) {
		json_t *res = json_pack("{s:s, s:s}", "error", "no such module", "id", id);
		emit(o, res, error_text, false);
		json_decref(res);
	}
	return MR_EXIT_FOUND_ERRORS;
}

static int do_list(const mr_opts *o, json_t *ctx)
{
	mr_query_filter f = {0};
	mr_buf text = MR_BUF_INIT;
	f.status = o->status;
	f.type = o->type;
	for (int i = 1; i < o->nargs; i++) {
		const char *a = o->args[i];
		if (!strncmp(a, "status=", 7)) f.status = a + 7;
		else if (!strncmp(a, "type=", 5)) f.type = a + 5;
		else {
			if (text.len) mr_buf_putc(&text, ' ');
			mr_buf_puts(&text, a);
		}
	}
	f.text = mr_buf_str(&text);
	json_t *res = mr_query_list(ctx, &f);
	int rc = emit(o, res, mr_query_list_text, mr_query_count(res) > 0);
	json_decref(res);
	mr_buf_release(&text);
	return rc;
}

static void module_text(json_t *m, mr_buf *b)
{
	mr_query_module_text(m, b);
}

static int do_show(const mr_opts *o, json_t *ctx)
{
	if (o->nargs != 2) return usage_error("query show takes one module id", NULL);
	json_t *m = mr_query_module(ctx, o->args[1]);
	if (!m) return unknown_module(o, o->args[1]);
	return emit(o, m, module_text, true);
}

static int do_deps(const mr_opts *o, json_t *ctx, bool reverse)
{
	if (o->nargs != 2) return usage_error("query %s takes one module id", reverse ? "rdeps" : "deps");
	mr_query_direction dir = reverse ? MR_QUERY_INCOMING : MR_QUERY_OUTGOING;
	if (o->direction) {
		if (!strcmp(o->direction, "incoming")) dir = MR_QUERY_INCOMING;
		else if (!strcmp(o->direction, "outgoing")) dir = MR_QUERY_OUTGOING;
		else return usage_error("--direction takes outgoing or incoming, not '%s'", o->direction);
	}
	json_t *res = mr_query_deps(ctx, o->args[1], dir, o->transitive, NULL);
	if (!res) return unknown_module(o, o->args[1]);
	int rc = emit(o, res, mr_query_deps_text, mr_query_count(res) > 0);
	json_decref(res);
	return rc;
}

static int do_search(const mr_opts *o, json_t *ctx)
{
	if (o->nargs < 2) return usage_error("query search needs some text", NULL);
	char *text = joined_args(o, 1);
	json_t *res = mr_query_search(ctx, text, 0);
	int rc = emit(o, res, mr_query_search_text, mr_query_count(res) > 0);
	json_decref(res);
	free(text);
	return rc;
}

/* Is the manifest at path the registry's own module id (so it is not compared with itself)? */
static bool is_registry_module(const char *root, const char *id, const char *path)
{
	char *dir = mr_path_join(root, id);
	char *rd = realpath(dir, NULL), *rp = realpath(path, NULL);
	bool same = false;
	if (rd && rp) {
		size_t n = strlen(rd);
		same = !strcmp(rd, rp) || (!strncmp(rd, rp, n) && rp[n] == '/' && !strchr(rp + n + 1, '/'));
	}
	free(dir);
	free(rd);
	free(rp);
	return same;
}

/* The proposal in --manifest FILE: a manifest (YAML) or a JSON proposal object. */
static mr_simprofile *load_proposal(const mr_opts *o, char **exclude)
{
	const char *path = o->manifest;
	struct stat st;
	*exclude = NULL;
	if (stat(path, &st) < 0) {
		mr_errorf("cannot read '%s': %s", path, strerror(errno));
		return NULL;
	}
	if (mr_str_has_suffix(path, ".json")) {
		json_error_t je;
		json_t *j = json_load_file(path, 0, &je);
		if (!j || !json_is_object(j)) {
			if (j) mr_errorf("%s: a proposal is a JSON object", path);
			else mr_errorf("%s:%d:%d: %s", path, je.line, je.column, je.text);
			json_decref(j);
			return NULL;
		}
		mr_simprofile *p = mr_simprofile_from_json(j);
		const char *id = json_string_value(json_object_get(j, "id"));
		if (id && is_registry_module(o->registry, id, path)) *exclude = mr_xstrdup(id);
		json_decref(j);
		return p;
	}
	mr_module *mod = mr_module_load_path(path);
	if (!mod->m) {
		char *prefix = mr_xstrdup("");
		mr_buf b = MR_BUF_INIT;
		for (size_t i = 0; i < mod->diags.len; i++)
			if (mod->diags.items[i].severity == MR_ERROR) mr_diag_format_text(&mod->diags.items[i], prefix, false, &b);
		fputs(mr_buf_str(&b), stderr);
		mr_errorf("cannot read the manifest '%s'", path);
		mr_buf_release(&b);
		free(prefix);
		mr_module_free(mod);
		return NULL;
	}
	mr_simprofile *p = mr_simprofile_from_manifest(mod->m);
	if (is_registry_module(o->registry, mod->id, path)) *exclude = mr_xstrdup(mod->id);
	mr_module_free(mod);
	return p;
}

static int do_similar(const mr_opts *o, json_t *ctx)
{
	mr_simprofile *p = NULL;
	char *exclude = NULL;
	if (o->manifest) {
		if (o->nargs != 1) return usage_error("query similar takes an id or --manifest FILE, not both", NULL);
		p = load_proposal(o, &exclude);
		if (!p) return MR_EXIT_FAILURE;
	} else {
		if (o->nargs != 2) return usage_error("query similar takes a module id or --manifest FILE", NULL);
		json_t *m = mr_query_module(ctx, o->args[1]);
		if (!m) return unknown_module(o, o->args[1]);
		p = mr_simprofile_from_json(m);
		exclude = mr_xstrdup(o->args[1]);
	}
	int rc;
	if (mr_simprofile_empty(p)) {
		mr_errorf("the proposal says nothing to compare (no name, description, entities, endpoints or keywords)");
		rc = MR_EXIT_FAILURE;
	} else {
		json_t *res = mr_query_similar(ctx, p, exclude, 0);
		rc = emit(o, res, mr_query_similar_text, mr_query_count(res) > 0);
		json_decref(res);
	}
	free(exclude);
	mr_simprofile_free(p);
	return rc;
}

int mr_cmd_query(const mr_opts *o)
{
	if (o->nargs < 1) return usage_error("query needs a subcommand", NULL);
	const char *sub = o->args[0];
	static const char *const subs[] = {"list", "show", "deps", "rdeps", "search", "similar", NULL};
	bool known = false;
	for (size_t i = 0; subs[i] && !known; i++) known = !strcmp(subs[i], sub);
	if (!known) return usage_error("unknown query '%s'", sub);
	bool from_file = false;
	char *err = NULL;
	json_t *ctx = mr_query_context(o->out, o->registry, o->stats, &from_file, &err);
	if (!ctx) {
		mr_errorf("%s", err);
		free(err);
		return MR_EXIT_FAILURE;
	}
	if (o->verbose)
		fprintf(stderr, "modreg: answering from %s%s\n", from_file ? o->out : o->registry,
		        from_file ? "/context.json" : " (indexed in memory)");
	int rc;
	if (!strcmp(sub, "list")) rc = do_list(o, ctx);
	else if (!strcmp(sub, "show")) rc = do_show(o, ctx);
	else if (!strcmp(sub, "deps")) rc = do_deps(o, ctx, false);
	else if (!strcmp(sub, "rdeps")) rc = do_deps(o, ctx, true);
	else if (!strcmp(sub, "search")) rc = do_search(o, ctx);
	else rc = do_similar(o, ctx);
	json_decref(ctx);
	return rc;
}
