/* textout.c — the plain-text outputs of the site: llms.txt (llmstxt.org),
 * modules/<id>.md (a module as Markdown, for language models) and metrics.prom
 * (Prometheus text format, for node_exporter's textfile collector).
 * Manifest text is escaped for Markdown so that it stays text wherever the
 * files are rendered: no raw HTML, no links or emphasis it did not ask for. */
#include "sitepriv.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "context.h"

/* Markdown-safe inline text: punctuation that could start markup is escaped,
 * '<', '>' and '&' become entities, line breaks become spaces. */
static void md(mr_buf *out, const char *s)
{
	for (; s && *s; s++) {
		char c = *s;
		switch (c) {
		case '<': mr_buf_puts(out, "&lt;"); break;
		case '>': mr_buf_puts(out, "&gt;"); break;
		case '&': mr_buf_puts(out, "&amp;"); break;
		case '\\': case '`': case '*': case '_': case '[': case ']': case '|': case '~':
			mr_buf_putc(out, '\\');
			mr_buf_putc(out, c);
			break;
		case '\n': case '\r': case '\t': mr_buf_putc(out, ' '); break;
		default:
			if ((unsigned char)c >= 0x20 && c != 0x7f) mr_buf_putc(out, c);
			else mr_buf_putc(out, ' ');
		}
	}
}

/* "<lead><name>[<sep><desc>]\n": a list item, the separator only before a description */
static void md_item(mr_buf *out, const char *lead, const char *name, const char *sep, const char *desc)
{
	mr_buf_puts(out, lead);
	md(out, name);
	if (desc) {
		mr_buf_puts(out, sep);
		md(out, desc);
	}
	mr_buf_putc(out, '\n');
}

/* ids, versions, types: [a-z0-9-.] as validated, but escaped all the same */
#define md_id md

/* text that starts a line: a leading '#', '-', '+', '=' or "1." must not start a block */
static void md_para(mr_buf *out, const char *s)
{
	if (!s) return;
	size_t d = strspn(s, "0123456789");
	if (strchr("#-+=>", s[0]) && s[0]) mr_buf_putc(out, '\\');
	else if (d && (s[d] == '.' || s[d] == ')')) {
		mr_buf_add(out, s, d);
		mr_buf_putc(out, '\\');
		s += d;
	}
	md(out, s);
}

static void md_list(mr_buf *out, json_t *arr, const char *sep)
{
	size_t i;
	json_t *x;
	json_array_foreach(arr, i, x)
	{
		if (i) mr_buf_puts(out, sep);
		md(out, json_string_value(x));
	}
}

static void field(mr_buf *out, const char *label, const char *value)
{
	if (!value) return;
	mr_buf_printf(out, "- %s: ", label);
	md(out, value);
	mr_buf_putc(out, '\n');
}

void mr_text_llms(const mr_sreg *r, mr_buf *out)
{
	mr_buf_puts(out, "# Module registry\n\n");
	mr_buf_printf(out,
	              "> The %zu module%s of this modreg registry: what each one does, its entities, API, events and "
	              "configuration, how the modules depend on each other and whether they are healthy.\n\n",
	              r->n, r->n == 1 ? "" : "s");
	mr_buf_puts(out, "The whole registry is one JSON document: [context.json](context.json) (schema version "
	                 MR_SCHEMA_VERSION "). Read it before creating or changing a module, to reuse what exists and "
	                 "avoid duplicates. Each module is also available as JSON at `api/ai/modules/<id>.json`.\n\n");
	mr_buf_puts(out, "## Modules\n\n");
	for (size_t i = 0; i < r->n; i++) {
		json_t *m = r->mods[i];
		const char *id = mr_sreg_id(r, i);
		const char *name = mr_js(m, "name");
		mr_buf_puts(out, "- [");
		md(out, name ? name : id);
		mr_buf_printf(out, "](modules/%s.md)", id);
		const char *desc = mr_js(m, "description");
		if (desc || !name) {
			mr_buf_puts(out, ": ");
			if (desc) md(out, desc);
			else mr_buf_puts(out, "invalid manifest, see its diagnostics");
		}
		mr_buf_putc(out, '\n');
	}
	mr_buf_puts(out, "\n## Optional\n\n");
	mr_buf_puts(out, "- [Module list](api/ai/modules.json): id, name, description, type, version, status and health "
	                 "of every module\n");
	mr_buf_puts(out, "- [Health](api/ai/health.json): every module's health and the reasons for it\n");
	mr_buf_puts(out, "- [Status](status.json): the last sync\n");
}

static void md_table_row(mr_buf *out, const char *const *cells, size_t n)
{
	mr_buf_puts(out, "|");
	for (size_t i = 0; i < n; i++) {
		mr_buf_putc(out, ' ');
		md(out, cells[i] ? cells[i] : "");
		mr_buf_puts(out, " |");
	}
	mr_buf_putc(out, '\n');
}

#define text_of mr_json_text

static void section(mr_buf *out, const char *title)
{
	mr_buf_printf(out, "\n## %s\n\n", title);
}

void mr_text_module_md(const mr_sreg *r, size_t i, mr_buf *out)
{
	json_t *m = r->mods[i];
	const char *id = mr_sreg_id(r, i);
	const char *name = mr_js(m, "name");
	mr_buf_puts(out, "# ");
	md(out, name ? name : id);
	mr_buf_puts(out, " (");
	md_id(out, id);
	mr_buf_puts(out, ")\n\n");
	if (!name) {
		mr_buf_puts(out, "This module's manifest has never been valid; only its diagnostics are known.\n");
	} else {
		if (mr_js(m, "description")) {
			mr_buf_puts(out, "> ");
			md_para(out, mr_js(m, "description"));
			mr_buf_puts(out, "\n\n");
		}
		if (json_is_true(json_object_get(m, "stale")))
			mr_buf_puts(out, "**The manifest is invalid now; this is its last valid version.**\n\n");
		field(out, "Type", mr_js(m, "type"));
		field(out, "Version", mr_js(m, "version"));
		field(out, "Status", mr_js(m, "status"));
		json_t *h = json_object_get(m, "health");
		if (h) {
			mr_buf_puts(out, "- Health: ");
			md(out, mr_js(h, "status"));
			size_t k;
			json_t *x;
			json_array_foreach(json_object_get(h, "reasons"), k, x)
			{
				mr_buf_puts(out, k ? " " : " — ");
				md(out, json_string_value(x));
			}
			mr_buf_putc(out, '\n');
		}
		field(out, "Owner", mr_js(m, "owner"));
		field(out, "License", mr_js(m, "license"));
		if (json_array_size(json_object_get(m, "tags"))) {
			mr_buf_puts(out, "- Tags: ");
			md_list(out, json_object_get(m, "tags"), ", ");
			mr_buf_putc(out, '\n');
		}
		json_t *cr = json_object_get(m, "created");
		json_t *cai = json_object_get(cr, "ai");
		field(out, "Created at", mr_js(cr, "at"));
		field(out, "Created by", mr_js(cr, "by"));
		field(out, "AI model", mr_js(cai, "model"));
		field(out, "AI patch", mr_js(cai, "patch"));
		const char *lk;
		json_t *lv;
		json_object_foreach(json_object_get(m, "links"), lk, lv)
		{
			mr_buf_puts(out, "- Link (");
			md(out, lk);
			mr_buf_puts(out, "): ");
			md(out, json_string_value(lv));
			mr_buf_putc(out, '\n');
		}
	}
	mr_buf_printf(out, "- JSON: [../api/ai/modules/%s.json](../api/ai/modules/%s.json)\n", id, id);
	mr_buf_printf(out, "- Page: [%s.html](%s.html)\n", id, id);

	size_t k;
	json_t *x;
	if (json_array_size(json_object_get(m, "capabilities"))) {
		section(out, "Capabilities");
		json_array_foreach(json_object_get(m, "capabilities"), k, x)
		{
			mr_buf_puts(out, "- ");
			md(out, mr_js(x, "type"));
			if (mr_js(x, "entity")) {
				mr_buf_putc(out, ' ');
				md(out, mr_js(x, "entity"));
			}
			mr_buf_puts(out, ": ");
			md_list(out, json_object_get(x, "operations"), ", ");
			if (json_array_size(json_object_get(x, "endpoints"))) {
				mr_buf_puts(out, " at ");
				md_list(out, json_object_get(x, "endpoints"), ", ");
			}
			if (mr_js(x, "description")) {
				mr_buf_puts(out, " — ");
				md(out, mr_js(x, "description"));
			}
			mr_buf_puts(out, " (");
			md(out, mr_js(x, "source"));
			mr_buf_puts(out, ")\n");
		}
	}
	if (json_array_size(json_object_get(m, "entities"))) {
		section(out, "Entities");
		json_array_foreach(json_object_get(m, "entities"), k, x)
		{
			mr_buf_puts(out, "### ");
			md(out, mr_js(x, "name"));
			mr_buf_puts(out, "\n\n");
			if (mr_js(x, "description")) {
				md_para(out, mr_js(x, "description"));
				mr_buf_puts(out, "\n\n");
			}
			if (json_array_size(json_object_get(x, "fields"))) {
				mr_buf_puts(out, "| Field | Type | Required | Description |\n|---|---|---|---|\n");
				size_t q;
				json_t *f;
				json_array_foreach(json_object_get(x, "fields"), q, f)
				{
					char *type = mr_js(f, "format") ? mr_xasprintf("%s (%s)", mr_js(f, "type") ? mr_js(f, "type") : "",
					                                              mr_js(f, "format"))
					                                : mr_xstrdup(mr_js(f, "type") ? mr_js(f, "type") : "");
					const char *cells[] = {mr_js(f, "name"), type,
					                       json_is_true(json_object_get(f, "required")) ? "yes" : "no",
					                       mr_js(f, "description")};
					md_table_row(out, cells, 4);
					free(type);
				}
				mr_buf_putc(out, '\n');
			}
		}
	}
	json_t *routes = json_object_get(json_object_get(m, "api"), "routes");
	if (json_array_size(routes)) {
		section(out, "API");
		json_array_foreach(routes, k, x)
		{
			mr_buf_puts(out, "- ");
			md(out, mr_js(x, "method"));
			mr_buf_putc(out, ' ');
			md(out, mr_js(x, "fullPath"));
			if (mr_js(x, "entity") || mr_js(x, "operation")) {
				mr_buf_puts(out, ": ");
				md(out, mr_js(x, "entity"));
				mr_buf_putc(out, ' ');
				md(out, mr_js(x, "operation"));
			}
			if (json_array_size(json_object_get(x, "permissions"))) {
				mr_buf_puts(out, " (needs ");
				md_list(out, json_object_get(x, "permissions"), ", ");
				mr_buf_putc(out, ')');
			}
			mr_buf_putc(out, '\n');
		}
	}
	if (json_array_size(json_object_get(m, "actions"))) {
		section(out, "Actions");
		json_array_foreach(json_object_get(m, "actions"), k, x) md_item(out, "- ", mr_js(x, "name"), ": ", mr_js(x, "description"));
	}
	json_t *ev = json_object_get(m, "events");
	if (json_array_size(json_object_get(ev, "publishes")) || json_array_size(json_object_get(ev, "subscribes"))) {
		section(out, "Events");
		json_array_foreach(json_object_get(ev, "publishes"), k, x)
			md_item(out, "- publishes ", mr_js(x, "name"), ": ", mr_js(x, "description"));
		json_array_foreach(json_object_get(ev, "subscribes"), k, x)
			md_item(out, "- subscribes to ", json_string_value(x), NULL, NULL);
	}
	if (json_array_size(json_object_get(m, "jobs"))) {
		section(out, "Jobs");
		json_array_foreach(json_object_get(m, "jobs"), k, x)
		{
			mr_buf_puts(out, "- ");
			md(out, mr_js(x, "name"));
			md_item(out, ": ", mr_js(x, "schedule"), " — ", mr_js(x, "description"));
		}
	}
	json_t *rels = json_object_get(m, "relationships");
	if (json_array_size(json_object_get(rels, "outgoing")) || json_array_size(json_object_get(rels, "incoming"))) {
		section(out, "Relationships");
		json_array_foreach(json_object_get(rels, "outgoing"), k, x)
		{
			const char *t = mr_js(x, "target");
			mr_buf_puts(out, "- ");
			md(out, mr_js(x, "type"));
			mr_buf_puts(out, " → ");
			if (mr_sreg_find(r, t, NULL)) mr_buf_printf(out, "[%s](%s.md)", t, t);
			else {
				md(out, t);
				mr_buf_puts(out, " (missing)");
			}
			if (mr_js(x, "version")) {
				mr_buf_putc(out, ' ');
				md(out, mr_js(x, "version"));
			}
			if (json_is_false(json_object_get(x, "satisfied"))) mr_buf_puts(out, " (not satisfied)");
			if (mr_js(x, "description")) {
				mr_buf_puts(out, ": ");
				md(out, mr_js(x, "description"));
			}
			mr_buf_putc(out, '\n');
		}
		json_array_foreach(json_object_get(rels, "incoming"), k, x)
		{
			const char *s = mr_js(x, "source");
			mr_buf_puts(out, "- ");
			if (mr_sreg_find(r, s, NULL)) mr_buf_printf(out, "[%s](%s.md)", s, s);
			else md(out, s);
			mr_buf_puts(out, " → this module, ");
			md(out, mr_js(x, "type"));
			if (mr_js(x, "description")) {
				mr_buf_puts(out, ": ");
				md(out, mr_js(x, "description"));
			}
			mr_buf_putc(out, '\n');
		}
	}
	if (json_array_size(json_object_get(m, "config"))) {
		section(out, "Configuration");
		mr_buf_puts(out, "| Key | Type | Required | Default | Allowed | Description |\n|---|---|---|---|---|---|\n");
		json_array_foreach(json_object_get(m, "config"), k, x)
		{
			bool sensitive = json_is_true(json_object_get(x, "sensitive")) ||
			                 (mr_js(x, "type") && !strcmp(mr_js(x, "type"), "password"));
			char *def = sensitive ? NULL : text_of(json_object_get(x, "default"));
			mr_buf allowed = MR_BUF_INIT;
			char *mn = text_of(json_object_get(x, "min")), *mx = text_of(json_object_get(x, "max"));
			if (mn || mx) mr_buf_printf(&allowed, "%s to %s", mn ? mn : "…", mx ? mx : "…");
			free(mn);
			free(mx);
			size_t q;
			json_t *val;
			json_array_foreach(json_object_get(x, "values"), q, val)
			{
				char *t = text_of(val);
				mr_buf_puts(&allowed, q ? ", " : "");
				mr_buf_puts(&allowed, t ? t : "");
				free(t);
			}
			char *type = mr_xasprintf("%s%s", mr_js(x, "type") ? mr_js(x, "type") : "", sensitive ? ", sensitive" : "");
			const char *cells[] = {mr_js(x, "key"), type, json_is_true(json_object_get(x, "required")) ? "yes" : "no",
			                       def, mr_buf_str(&allowed),
			                       mr_js(x, "description") ? mr_js(x, "description") : mr_js(x, "label")};
			md_table_row(out, cells, 6);
			free(type);
			free(def);
			mr_buf_release(&allowed);
		}
	}
	if (json_array_size(json_object_get(m, "permissions"))) {
		section(out, "Permissions");
		md_list(out, json_object_get(m, "permissions"), ", ");
		mr_buf_putc(out, '\n');
	}
	json_t *req = json_object_get(m, "requires");
	if (json_object_size(json_object_get(req, "packages")) || json_object_size(json_object_get(req, "system"))) {
		section(out, "Requirements");
		const char *kinds[] = {"packages", "system"};
		for (int q = 0; q < 2; q++) {
			const char *key;
			json_t *val;
			json_object_foreach(json_object_get(req, kinds[q]), key, val)
			{
				mr_buf_printf(out, "- %s ", q ? "system" : "package");
				md(out, key);
				mr_buf_putc(out, ' ');
				md(out, json_string_value(val));
				mr_buf_putc(out, '\n');
			}
		}
	}
	json_t *ai = json_object_get(m, "ai");
	if (mr_js(ai, "purpose") || json_array_size(json_object_get(ai, "keywords"))) {
		section(out, "AI context");
		field(out, "Purpose", mr_js(ai, "purpose"));
		field(out, "Category", mr_js(ai, "category"));
		const char *lists[] = {"keywords", "patterns", "concepts"};
		const char *labels[] = {"Keywords", "Example requests", "Concepts"};
		for (int q = 0; q < 3; q++)
			if (json_array_size(json_object_get(ai, lists[q]))) {
				mr_buf_printf(out, "- %s: ", labels[q]);
				md_list(out, json_object_get(ai, lists[q]), "; ");
				mr_buf_putc(out, '\n');
			}
		json_array_foreach(json_object_get(ai, "contextProviders"), k, x)
		{
			mr_buf_puts(out, "- Context provider ");
			md(out, mr_js(x, "name"));
			mr_buf_puts(out, ": ");
			md(out, mr_js(x, "endpoint"));
			if (mr_js(x, "description")) {
				mr_buf_puts(out, " — ");
				md(out, mr_js(x, "description"));
			}
			mr_buf_putc(out, '\n');
		}
	}
	json_t *st = json_object_get(m, "statistics");
	if (json_is_object(st)) {
		section(out, "Statistics");
		const char *keys[] = {"collectedAt", "requests", "errors", "errorRate", "averageResponseMs"};
		for (int q = 0; q < 5; q++) {
			char *t = text_of(json_object_get(st, keys[q]));
			if (t) field(out, keys[q], t);
			free(t);
		}
		const char *key;
		json_t *val;
		json_object_foreach(json_object_get(st, "entities"), key, val)
		{
			char *rc = text_of(json_object_get(val, "recordCount"));
			char *lu = text_of(json_object_get(val, "lastUpdate"));
			mr_buf_puts(out, "- ");
			md(out, key);
			mr_buf_puts(out, ": ");
			md(out, rc ? rc : "?");
			mr_buf_puts(out, " records");
			if (lu) {
				mr_buf_puts(out, ", last update ");
				md(out, lu);
			}
			mr_buf_putc(out, '\n');
			free(rc);
			free(lu);
		}
	}
	json_t *dg = json_object_get(m, "diagnostics");
	if (json_array_size(dg)) {
		section(out, "Diagnostics");
		json_array_foreach(dg, k, x)
		{
			mr_buf_puts(out, "- ");
			md(out, mr_js(x, "file"));
			long long line = (long long)json_integer_value(json_object_get(x, "line"));
			long long col = (long long)json_integer_value(json_object_get(x, "column"));
			if (line > 0) mr_buf_printf(out, ":%lld", line);
			if (line > 0 && col > 0) mr_buf_printf(out, ":%lld", col);
			mr_buf_puts(out, ": ");
			md(out, mr_js(x, "severity"));
			mr_buf_puts(out, ": ");
			md(out, mr_js(x, "message"));
			mr_buf_puts(out, " \\[");
			md(out, mr_js(x, "code"));
			mr_buf_puts(out, "\\]\n");
		}
	}
	json_t *docs = json_object_get(json_object_get(m, "docs"), "pages");
	if (json_array_size(docs)) {
		section(out, "Documentation");
		json_array_foreach(docs, k, x)
		{
			const char *n = mr_js(x, "name");
			if (!n) continue;
			mr_buf_puts(out, "- [");
			md(out, n);
			mr_buf_printf(out, "](%s/", id);
			/* doc names are file names: percent-encode what a link cannot hold */
			for (const char *p = n; *p; p++) {
				unsigned char c = (unsigned char)*p;
				if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
				    c == '.')
					mr_buf_putc(out, (char)c);
				else mr_buf_printf(out, "%%%02X", c);
			}
			mr_buf_puts(out, ".html)\n");
		}
	}
}

/* ---- metrics.prom ---- */

static void metric_head(mr_buf *out, const char *name, const char *help)
{
	mr_buf_printf(out, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

static bool parse_utc(const char *s, double *out)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	if (!s) return false;
	const char *e = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!e) return false;
	*out = (double)timegm(&tm);
	return true;
}

void mr_text_metrics(const mr_sreg *r, json_t *status, mr_buf *out)
{
	static const char *const statuses[] = {"active", "inactive", "deprecated", "experimental"};
	size_t counts[5] = {0};
	for (size_t i = 0; i < r->n; i++) {
		const char *s = mr_js(r->mods[i], "status");
		size_t k = 4;
		for (size_t q = 0; q < 4; q++)
			if (s && !strcmp(s, statuses[q])) k = q;
		counts[k]++;
	}
	metric_head(out, "modreg_modules", "Modules in the registry by status (unknown: never valid).");
	for (size_t q = 0; q < 4; q++) mr_buf_printf(out, "modreg_modules{status=\"%s\"} %zu\n", statuses[q], counts[q]);
	mr_buf_printf(out, "modreg_modules{status=\"unknown\"} %zu\n", counts[4]);
	json_t *reg = json_object_get(r->ctx, "registry");
	metric_head(out, "modreg_modules_health", "Modules by health.");
	const char *hk[] = {"healthy", "warning", "error", "unknown"};
	for (int q = 0; q < 4; q++)
		mr_buf_printf(out, "modreg_modules_health{health=\"%s\"} %lld\n", hk[q],
		              (long long)json_integer_value(json_object_get(json_object_get(reg, "health"), hk[q])));
	metric_head(out, "modreg_modules_invalid", "Modules whose manifest is invalid.");
	mr_buf_printf(out, "modreg_modules_invalid %lld\n", (long long)json_integer_value(json_object_get(reg, "invalid")));
	metric_head(out, "modreg_diagnostics", "Diagnostics in the registry by severity.");
	mr_buf_printf(out, "modreg_diagnostics{severity=\"error\"} %lld\n",
	              (long long)json_integer_value(json_object_get(reg, "errors")));
	mr_buf_printf(out, "modreg_diagnostics{severity=\"warning\"} %lld\n",
	              (long long)json_integer_value(json_object_get(reg, "warnings")));
	double t;
	if (parse_utc(mr_js(status, "time"), &t)) {
		metric_head(out, "modreg_last_sync_timestamp_seconds", "When the last sync ran, in seconds since the epoch.");
		mr_buf_printf(out, "modreg_last_sync_timestamp_seconds %.0f\n", t);
	}
	json_t *d = json_object_get(status, "durationMs");
	if (json_is_number(d)) {
		metric_head(out, "modreg_last_sync_duration_seconds", "How long the last sync took.");
		mr_buf_printf(out, "modreg_last_sync_duration_seconds %.6f\n", json_number_value(d) / 1000.0);
	}
}
