/* pages.c — the data each template receives.  Templates are logic-less, so
 * everything they need to decide (is there a section to show, which badge,
 * which input type) is computed here; manifest text is passed as plain strings
 * and only ever escaped by the template ({{x}}).  The only raw HTML handed to
 * templates is what the generator made itself: rendered Markdown and SVG. */
#include "sitepriv.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "context.h"
#include "markdown.h"

const char *const mr_module_section_ids[] = {
	"top", "main", "content", "overview", "provenance", "relationships", "graph", "statistics", "capabilities",
	"entities", "api", "actions", "events", "jobs", "ui", "configuration", "config-form", "config-snippet",
	"permissions", "requirements", "ai-context", "documentation", "readme", "diagnostics", "extensions", "graph0",
	"toc", "site-nav", "search", NULL,
};

/* ---- json helpers ---- */

const char *mr_js(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

json_t *mr_jstr(const char *s)
{
	json_t *v = s ? json_string(s) : NULL;
	return v ? v : json_null();
}

static void set(json_t *o, const char *k, json_t *v)
{
	json_object_set_new(o, k, v ? v : json_null());
}

static void sets(json_t *o, const char *k, const char *s)
{
	set(o, k, mr_jstr(s));
}

static void setb(json_t *o, const char *k, bool b)
{
	set(o, k, json_boolean(b));
}

/* a borrowed value, or null, as a new reference */
static json_t *ref(json_t *v)
{
	return v ? json_incref(v) : json_null();
}

static void setown(json_t *o, const char *k, char *s)
{
	sets(o, k, s);
	free(s);
}

const char *mr_sreg_id(const mr_sreg *r, size_t i)
{
	return mr_js(r->mods[i], "id");
}

bool mr_sreg_find(const mr_sreg *r, const char *id, size_t *i)
{
	return id && mr_strmap_get(r->by_id, id, i);
}

size_t *mr_sreg_group_link_counts(const mr_sreg *r, size_t g)
{
	const mr_sgroup *gr = &r->groups[g];
	size_t *counts = mr_xcalloc(r->ngroups + 1, sizeof *counts);
	const char *dirs[2] = {"outgoing", "incoming"}, *keys[2] = {"target", "source"};
	for (size_t k = 0; k < gr->n; k++) {
		json_t *rels = json_object_get(r->mods[gr->mods[k]], "relationships");
		for (int d = 0; d < 2; d++) {
			size_t q;
			json_t *x;
			json_array_foreach(json_object_get(rels, dirs[d]), q, x)
			{
				size_t oi;
				if (mr_sreg_find(r, mr_js(x, keys[d]), &oi) && r->group_of[oi] != g) counts[r->group_of[oi]]++;
			}
		}
	}
	return counts;
}

/* an id attribute from manifest text: prefix, then [A-Za-z0-9_-] (others as '-') */
static char *safe_id(const char *prefix, const char *s)
{
	mr_buf b = MR_BUF_INIT;
	mr_buf_puts(&b, prefix);
	for (const char *p = s ? s : ""; *p; p++) {
		char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
		mr_buf_putc(&b, ok ? c : '-');
	}
	return mr_buf_detach(&b);
}

/* ---- formatting ---- */

static char *fmt_int(long long v)
{
	char digits[32];
	snprintf(digits, sizeof digits, "%lld", v < 0 ? -v : v);
	mr_buf b = MR_BUF_INIT;
	if (v < 0) mr_buf_putc(&b, '-');
	size_t n = strlen(digits);
	for (size_t i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0) mr_buf_putc(&b, ',');
		mr_buf_putc(&b, digits[i]);
	}
	return mr_buf_detach(&b);
}

/* a number for people: integers grouped, reals with up to two decimals; NULL for non-numbers */
static char *fmt_num(json_t *v)
{
	if (json_is_integer(v)) return fmt_int((long long)json_integer_value(v));
	if (!json_is_real(v)) return NULL;
	double d = json_real_value(v);
	if (!isfinite(d)) return NULL;
	if (fabs(d) < 1e15 && d == floor(d)) return fmt_int((long long)d);
	char *s = mr_xasprintf("%.2f", d);
	size_t n = strlen(s);
	while (n && s[n - 1] == '0') s[--n] = '\0';
	if (n && s[n - 1] == '.') s[--n] = '\0';
	return s;
}

/* a JSON value as text: strings as they are, numbers in their shortest form
 * (0.85, not 0.84999999999999998), the rest as compact JSON */
char *mr_json_text(json_t *v)
{
	if (!v || json_is_null(v)) return NULL;
	if (json_is_string(v)) return mr_xstrdup(json_string_value(v));
	if (json_is_real(v)) {
		double d = json_real_value(v);
		char num[40];
		for (int prec = 1; prec <= 17; prec++) {
			snprintf(num, sizeof num, "%.*g", prec, d);
			if (strtod(num, NULL) == d) break;
		}
		return mr_xstrdup(num);
	}
	char *d = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
	return d ? d : mr_xstrdup("");
}

/* a JSON value as JSON text, numbers as short as they can be */
static char *json_literal(json_t *v)
{
	if (json_is_real(v)) return mr_json_text(v);
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
}

#define value_text mr_json_text

static bool http_url(const char *u)
{
	return u && (!strncmp(u, "http://", 7) || !strncmp(u, "https://", 8)) && !strpbrk(u, " \t\r\n\"<>`");
}

/* ---- the base of every page ---- */

json_t *mr_view_base(const mr_sreg *r, const char *root, const char *title, const char *nav)
{
	json_t *v = json_object();
	sets(v, "root", root);
	sets(v, "title", title);
	json_t *site = json_object();
	sets(site, "name", "Module registry");
	sets(site, "generator", "modreg " MR_VERSION);
	set(site, "modules", json_integer((json_int_t)r->n));
	set(v, "site", site);
	json_t *n = json_object();
	if (nav) setb(n, nav, true);
	set(v, "nav", n);
	return v;
}

/* ---- module page ---- */

static json_t *string_list(json_t *arr)
{
	json_t *out = json_array();
	size_t i;
	json_t *x;
	json_array_foreach(arr, i, x) if (json_is_string(x)) json_array_append(out, x);
	return out;
}

/* {name: value} -> [{name, value}] */
static json_t *pairs(json_t *obj, const char *kname, const char *vname, bool urls_only)
{
	json_t *out = json_array();
	const char *k;
	json_t *x;
	json_object_foreach(obj, k, x)
	{
		char *t = value_text(x);
		if (urls_only && !http_url(t)) {
			free(t);
			continue;
		}
		json_t *p = json_object();
		sets(p, kname, k);
		setown(p, vname, t);
		json_array_append_new(out, p);
	}
	return out;
}

static void add_toc(json_t *toc, const char *id, const char *label)
{
	json_t *t = json_object();
	sets(t, "id", id);
	sets(t, "label", label);
	json_array_append_new(toc, t);
}

static json_t *health_view(json_t *h)
{
	json_t *v = json_object();
	const char *st = mr_js(h, "status");
	sets(v, "status", st ? st : "unknown");
	set(v, "reasons", string_list(json_object_get(h, "reasons")));
	return v;
}

static json_t *rel_view(const mr_sreg *r, json_t *rel, bool outgoing)
{
	json_t *v = json_object();
	const char *other = mr_js(rel, outgoing ? "target" : "source");
	sets(v, "other", other);
	size_t oi;
	bool found = mr_sreg_find(r, other, &oi);
	setown(v, "href", found ? mr_xasprintf("%s.html", other) : NULL);
	sets(v, "otherName", found ? mr_js(r->mods[oi], "name") : NULL);
	setb(v, "missing", !found);
	sets(v, "type", mr_js(rel, "type"));
	sets(v, "version", mr_js(rel, "version"));
	json_t *sat = json_object_get(rel, "satisfied");
	sets(v, "satisfied", json_is_true(sat) ? "satisfied" : json_is_false(sat) ? "not satisfied" : NULL);
	setb(v, "unsatisfied", json_is_false(sat));
	set(v, "entities", string_list(json_object_get(rel, "entities")));
	sets(v, "description", mr_js(rel, "description"));
	sets(v, "declaredAt", mr_js(rel, "declaredAt"));
	json_t *cfg = json_object_get(rel, "config");
	setown(v, "config", json_object_size(cfg) ? value_text(cfg) : NULL);
	return v;
}

/* "file:line:col", or just the file when the problem has no position */
static char *location(json_t *d)
{
	const char *f = mr_js(d, "file");
	long long line = (long long)json_integer_value(json_object_get(d, "line"));
	long long col = (long long)json_integer_value(json_object_get(d, "column"));
	if (line <= 0) return mr_xstrdup(f ? f : "?");
	if (col <= 0) return mr_xasprintf("%s:%lld", f ? f : "?", line);
	return mr_xasprintf("%s:%lld:%lld", f ? f : "?", line, col);
}

static json_t *diag_view(json_t *d)
{
	json_t *v = json_object();
	sets(v, "severity", mr_js(d, "severity"));
	sets(v, "code", mr_js(d, "code"));
	sets(v, "message", mr_js(d, "message"));
	sets(v, "module", mr_js(d, "module"));
	setown(v, "location", location(d));
	json_t *notes = json_array();
	size_t i;
	json_t *n;
	json_array_foreach(json_object_get(d, "notes"), i, n)
	{
		json_t *nv = json_object();
		setown(nv, "location", location(n));
		sets(nv, "message", mr_js(n, "message"));
		json_array_append_new(notes, nv);
	}
	set(v, "notes", notes);
	return v;
}

static json_t *diags_view(json_t *arr, size_t *errors, size_t *warnings)
{
	json_t *out = json_array();
	size_t i;
	json_t *d;
	json_array_foreach(arr, i, d)
	{
		const char *sev = mr_js(d, "severity");
		if (sev && !strcmp(sev, "error")) (*errors)++;
		else (*warnings)++;
		json_array_append_new(out, diag_view(d));
	}
	return out;
}

static json_t *config_view(json_t *arr)
{
	json_t *out = json_array();
	size_t i;
	json_t *c;
	json_array_foreach(arr, i, c)
	{
		json_t *v = json_object();
		const char *key = mr_js(c, "key");
		const char *type = mr_js(c, "type");
		if (!key || !type) {
			json_decref(v);
			continue;
		}
		bool sensitive = json_is_true(json_object_get(c, "sensitive")) || !strcmp(type, "password");
		sets(v, "key", key);
		setown(v, "inputId", safe_id("cfg:", key));
		sets(v, "type", type);
		sets(v, "label", mr_js(c, "label") ? mr_js(c, "label") : key);
		sets(v, "description", mr_js(c, "description"));
		setb(v, "required", json_is_true(json_object_get(c, "required")));
		setb(v, "sensitive", sensitive);
		/* a secret's default is never shown, whatever the file says */
		json_t *def = sensitive ? NULL : json_object_get(c, "default");
		bool has_def = def && !json_is_null(def);
		setb(v, "hasDefault", has_def);
		setown(v, "defaultText", has_def ? value_text(def) : NULL);
		setown(v, "defaultJson", has_def ? json_literal(def) : NULL);
		char *mn = fmt_num(json_object_get(c, "min")), *mx = fmt_num(json_object_get(c, "max"));
		char *range = mn && mx ? mr_xasprintf("%s to %s", mn, mx)
		              : mn     ? mr_xasprintf("at least %s", mn)
		              : mx     ? mr_xasprintf("at most %s", mx)
		                       : NULL;
		setown(v, "range", range);
		free(mn);
		free(mx);
		/* raw numbers for the input's min/max attributes */
		json_t *jmin = json_object_get(c, "min"), *jmax = json_object_get(c, "max");
		setown(v, "min", json_is_number(jmin) ? json_literal(jmin) : NULL);
		setown(v, "max", json_is_number(jmax) ? json_literal(jmax) : NULL);
		json_t *vals = json_array();
		size_t k;
		json_t *x;
		json_array_foreach(json_object_get(c, "values"), k, x)
		{
			json_t *o = json_object();
			setown(o, "text", value_text(x));
			setown(o, "json", json_literal(x));
			setb(o, "selected", has_def && json_equal(x, def));
			json_array_append_new(vals, o);
		}
		setb(v, "hasValues", json_array_size(vals) > 0);
		set(v, "values", vals);
		bool is_enum = !strcmp(type, "enum"), is_bool = !strcmp(type, "boolean");
		bool is_num = !strcmp(type, "integer") || !strcmp(type, "number");
		setb(v, "isEnum", is_enum);
		setb(v, "isBoolean", is_bool);
		setb(v, "isInput", !is_enum && !is_bool);
		setb(v, "defaultTrue", has_def && json_is_true(def));
		setb(v, "defaultFalse", has_def && json_is_false(def));
		sets(v, "inputType", is_num                      ? "number"
		                     : !strcmp(type, "url")      ? "url"
		                     : sensitive                 ? "password"
		                                                 : "text");
		setb(v, "isNumber", is_num);
		sets(v, "step", !strcmp(type, "integer") ? "1" : is_num ? "any" : NULL);
		json_array_append_new(out, v);
	}
	return out;
}

static json_t *stats_view(json_t *st)
{
	if (!json_is_object(st)) return json_null();
	json_t *v = json_object();
	sets(v, "collectedAt", mr_js(st, "collectedAt"));
	setown(v, "requests", fmt_num(json_object_get(st, "requests")));
	setown(v, "errors", fmt_num(json_object_get(st, "errors")));
	json_t *rate = json_object_get(st, "errorRate");
	setown(v, "errorRate", json_is_number(rate) ? mr_xasprintf("%.2f %%", json_number_value(rate) * 100.0) : NULL);
	setown(v, "averageResponseMs", fmt_num(json_object_get(st, "averageResponseMs")));
	json_t *ents = json_array();
	double maxc = 0;
	const char *k;
	json_t *e;
	json_object_foreach(json_object_get(st, "entities"), k, e)
	{
		json_t *rc = json_object_get(e, "recordCount");
		if (json_is_number(rc) && json_number_value(rc) > maxc) maxc = json_number_value(rc);
	}
	json_object_foreach(json_object_get(st, "entities"), k, e)
	{
		json_t *o = json_object();
		sets(o, "name", k);
		json_t *rc = json_object_get(e, "recordCount");
		setown(o, "recordCount", fmt_num(rc));
		setown(o, "meterValue", json_is_number(rc) ? mr_xasprintf("%.0f", json_number_value(rc)) : NULL);
		setown(o, "meterMax", mr_xasprintf("%.0f", maxc > 0 ? maxc : 1));
		sets(o, "lastUpdate", mr_js(e, "lastUpdate"));
		setown(o, "errors", fmt_num(json_object_get(e, "errors")));
		setown(o, "averageResponseMs", fmt_num(json_object_get(e, "averageResponseMs")));
		json_array_append_new(ents, o);
	}
	setb(v, "hasEntities", json_array_size(ents) > 0);
	set(v, "entities", ents);
	return v;
}

void mr_sreg_page_deps(const mr_sreg *r, size_t i, const char ***out, size_t *n)
{
	json_t *m = r->mods[i];
	const char *self = mr_sreg_id(r, i);
	const char **ids = NULL;
	size_t cnt = 0, cap = 0;
	json_t *rels = json_object_get(m, "relationships");
	const char *dirs[2] = {"outgoing", "incoming"}, *keys[2] = {"target", "source"};
	for (int d = 0; d < 2; d++) {
		size_t k;
		json_t *rel;
		json_array_foreach(json_object_get(rels, dirs[d]), k, rel)
		{
			const char *o = mr_js(rel, keys[d]);
			if (!o || (self && !strcmp(o, self))) continue;
			MR_GROW(ids, cap, cnt + 1);
			ids[cnt++] = o;
		}
	}
	json_t *evidx = json_object_get(json_object_get(r->ctx, "index"), "events");
	size_t k;
	json_t *ev;
	json_array_foreach(json_object_get(json_object_get(m, "events"), "subscribes"), k, ev)
	{
		size_t q;
		json_t *p;
		json_array_foreach(json_object_get(evidx, json_string_value(ev) ? json_string_value(ev) : ""), q, p)
		{
			const char *o = json_string_value(p);
			if (!o || (self && !strcmp(o, self))) continue;
			MR_GROW(ids, cap, cnt + 1);
			ids[cnt++] = o;
		}
	}
	/* drop duplicates (lists are short) */
	size_t w = 0;
	for (size_t a = 0; a < cnt; a++) {
		bool dup = false;
		for (size_t b = 0; b < w && !dup; b++) dup = !strcmp(ids[a], ids[b]);
		if (!dup) ids[w++] = ids[a];
	}
	*out = ids;
	*n = w;
}

static json_t *events_view(const mr_sreg *r, json_t *m)
{
	json_t *ev = json_object_get(m, "events");
	json_t *v = json_object();
	json_t *pubs = json_array();
	size_t k;
	json_t *p;
	json_array_foreach(json_object_get(ev, "publishes"), k, p)
	{
		json_t *o = json_object();
		sets(o, "name", mr_js(p, "name"));
		sets(o, "entity", mr_js(p, "entity"));
		sets(o, "description", mr_js(p, "description"));
		json_array_append_new(pubs, o);
	}
	json_t *subs = json_array();
	json_t *evidx = json_object_get(json_object_get(r->ctx, "index"), "events");
	json_array_foreach(json_object_get(ev, "subscribes"), k, p)
	{
		const char *name = json_string_value(p);
		if (!name) continue;
		json_t *o = json_object();
		sets(o, "name", name);
		json_t *by = json_array();
		size_t q;
		json_t *id;
		json_array_foreach(json_object_get(evidx, name), q, id)
		{
			const char *s = json_string_value(id);
			if (!s || !mr_sreg_find(r, s, NULL)) continue;
			json_t *b = json_object();
			sets(b, "id", s);
			setown(b, "href", mr_xasprintf("%s.html", s));
			json_array_append_new(by, b);
		}
		setb(o, "unpublished", json_array_size(by) == 0);
		set(o, "publishers", by);
		json_array_append_new(subs, o);
	}
	setb(v, "any", json_array_size(pubs) || json_array_size(subs));
	setb(v, "hasPublishes", json_array_size(pubs) > 0);
	setb(v, "hasSubscribes", json_array_size(subs) > 0);
	set(v, "publishes", pubs);
	set(v, "subscribes", subs);
	return v;
}

static json_t *entities_view(json_t *arr)
{
	json_t *out = json_array();
	size_t k;
	json_t *e;
	json_array_foreach(arr, k, e)
	{
		json_t *o = json_object();
		const char *name = mr_js(e, "name");
		sets(o, "name", name);
		setown(o, "anchor", safe_id("entity:", name));
		sets(o, "plural", mr_js(e, "plural"));
		sets(o, "description", mr_js(e, "description"));
		sets(o, "schema", mr_js(e, "schema"));
		json_t *fields = json_array();
		size_t q;
		json_t *f;
		json_array_foreach(json_object_get(e, "fields"), q, f)
		{
			json_t *fo = json_object();
			sets(fo, "name", mr_js(f, "name"));
			sets(fo, "type", mr_js(f, "type"));
			sets(fo, "format", mr_js(f, "format"));
			setb(fo, "required", json_is_true(json_object_get(f, "required")));
			sets(fo, "description", mr_js(f, "description"));
			json_array_append_new(fields, fo);
		}
		setb(o, "hasFields", json_array_size(fields) > 0);
		set(o, "fields", fields);
		json_array_append_new(out, o);
	}
	return out;
}

/* list items that are objects: copied with every key the template names present */
static json_t *objects(json_t *arr, const char *const *keys)
{
	json_t *out = json_array();
	size_t k;
	json_t *x;
	json_array_foreach(arr, k, x)
	{
		if (!json_is_object(x)) continue;
		json_t *o = json_object();
		for (const char *const *key = keys; *key; key++) {
			json_t *val = json_object_get(x, *key);
			if (json_is_array(val)) set(o, *key, string_list(val));
			else if (json_is_string(val) || json_is_null(val) || !val) set(o, *key, ref(val));
			else setown(o, *key, value_text(val));
		}
		json_array_append_new(out, o);
	}
	return out;
}

json_t *mr_view_module(const mr_sreg *r, size_t i, const char *readme_html, bool readme_too_large,
                       const char *graph_svg, json_t *docs)
{
	json_t *m = r->mods[i];
	const char *id = mr_sreg_id(r, i);
	const char *name = mr_js(m, "name");
	json_t *v = mr_view_base(r, "../", name ? name : id, NULL);
	json_t *toc = json_array();
	bool never_valid = !name;
	sets(v, "id", id);
	sets(v, "name", name ? name : id);
	sets(v, "description", mr_js(m, "description"));
	sets(v, "type", mr_js(m, "type"));
	sets(v, "version", mr_js(m, "version"));
	sets(v, "status", mr_js(m, "status"));
	setb(v, "valid", json_is_true(json_object_get(m, "valid")));
	setb(v, "stale", json_is_true(json_object_get(m, "stale")));
	setb(v, "neverValid", never_valid);
	json_t *h = json_object_get(m, "health");
	if (never_valid && !h) {
		json_t *hv = json_object();
		sets(hv, "status", "error");
		json_t *rs = json_array();
		json_array_append_new(rs, json_string("The manifest has never been valid."));
		set(hv, "reasons", rs);
		set(v, "health", hv);
	} else set(v, "health", health_view(h));
	sets(v, "owner", mr_js(m, "owner"));
	sets(v, "license", mr_js(m, "license"));
	set(v, "tags", string_list(json_object_get(m, "tags")));
	setb(v, "hasTags", json_array_size(json_object_get(v, "tags")) > 0);
	json_t *created = json_object_get(m, "created");
	json_t *ai_created = json_object_get(created, "ai");
	json_t *prov = json_object();
	sets(prov, "at", mr_js(created, "at"));
	sets(prov, "by", mr_js(created, "by"));
	sets(prov, "model", mr_js(ai_created, "model"));
	sets(prov, "patch", mr_js(ai_created, "patch"));
	bool has_prov = mr_js(created, "at") || mr_js(created, "by") || mr_js(ai_created, "model") || mr_js(ai_created, "patch");
	setb(prov, "any", has_prov);
	set(v, "provenance", prov);
	set(v, "links", pairs(json_object_get(m, "links"), "name", "url", true));
	setb(v, "hasLinks", json_array_size(json_object_get(v, "links")) > 0);
	json_t *src = json_object_get(m, "source");
	sets(v, "sourcePath", mr_js(src, "path"));
	sets(v, "sha256", mr_js(src, "sha256"));
	const char *repo = r->opts->repo_url;
	const char *sp = mr_js(src, "path");
	if (repo && http_url(repo) && sp) {
		size_t rl = strlen(repo);
		while (rl && repo[rl - 1] == '/') rl--;
		setown(v, "editUrl", mr_xasprintf("%.*s/%s", (int)rl, repo, sp));
	} else sets(v, "editUrl", NULL);
	setown(v, "jsonHref", mr_xasprintf("../api/ai/modules/%s.json", id));
	setown(v, "mdHref", mr_xasprintf("%s.md", id));
	add_toc(toc, "overview", "Overview");

	/* relationships and graph */
	json_t *rels = json_object_get(m, "relationships");
	json_t *out_rels = json_array(), *in_rels = json_array();
	size_t k;
	json_t *x;
	json_array_foreach(json_object_get(rels, "outgoing"), k, x) json_array_append_new(out_rels, rel_view(r, x, true));
	json_array_foreach(json_object_get(rels, "incoming"), k, x) json_array_append_new(in_rels, rel_view(r, x, false));
	bool has_rels = json_array_size(out_rels) || json_array_size(in_rels);
	setb(v, "hasRelationships", has_rels);
	setb(v, "hasOutgoing", json_array_size(out_rels) > 0);
	setb(v, "hasIncoming", json_array_size(in_rels) > 0);
	set(v, "outgoing", out_rels);
	set(v, "incoming", in_rels);
	sets(v, "graphSvg", graph_svg);
	setown(v, "graphHref", graph_svg ? mr_xasprintf("../graphs/%s.svg", id) : NULL);
	if (has_rels || graph_svg) add_toc(toc, "relationships", "Relationships");

	/* statistics and health */
	json_t *st = stats_view(json_object_get(m, "statistics"));
	setb(v, "hasStatistics", !json_is_null(st));
	set(v, "statistics", st);
	if (!never_valid) add_toc(toc, "statistics", "Health & statistics");

	json_t *caps = json_array();
	json_array_foreach(json_object_get(m, "capabilities"), k, x)
	{
		json_t *o = json_object();
		sets(o, "type", mr_js(x, "type"));
		sets(o, "entity", mr_js(x, "entity"));
		set(o, "operations", string_list(json_object_get(x, "operations")));
		set(o, "endpoints", string_list(json_object_get(x, "endpoints")));
		sets(o, "description", mr_js(x, "description"));
		const char *source = mr_js(x, "source");
		sets(o, "source", source);
		setb(o, "detected", source && !strcmp(source, "detected"));
		json_array_append_new(caps, o);
	}
	setb(v, "hasCapabilities", json_array_size(caps) > 0);
	set(v, "capabilities", caps);
	if (json_array_size(caps)) add_toc(toc, "capabilities", "Capabilities");

	json_t *ents = entities_view(json_object_get(m, "entities"));
	setb(v, "hasEntities", json_array_size(ents) > 0);
	set(v, "entities", ents);
	if (json_array_size(ents)) add_toc(toc, "entities", "Entities");

	json_t *api = json_object_get(m, "api");
	static const char *const route_keys[] = {"method", "path", "fullPath", "entity", "operation", "permissions",
	                                         "handler", "description", NULL};
	json_t *routes = objects(json_object_get(api, "routes"), route_keys);
	json_array_foreach(routes, k, x)
	{
		const char *meth = mr_js(x, "method");
		mr_buf lc = MR_BUF_INIT;
		for (const char *p = meth ? meth : ""; *p; p++)
			mr_buf_putc(&lc, (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : (*p >= 'a' && *p <= 'z') ? *p : '-');
		sets(x, "methodClass", mr_buf_str(&lc));
		mr_buf_release(&lc);
	}
	sets(v, "basePath", mr_js(api, "basePath"));
	setb(v, "hasRoutes", json_array_size(routes) > 0);
	set(v, "routes", routes);
	if (json_array_size(routes)) add_toc(toc, "api", "API");

	static const char *const action_keys[] = {"name", "description", "permissions", NULL};
	json_t *actions = objects(json_object_get(m, "actions"), action_keys);
	setb(v, "hasActions", json_array_size(actions) > 0);
	set(v, "actions", actions);
	if (json_array_size(actions)) add_toc(toc, "actions", "Actions");

	json_t *ev = events_view(r, m);
	bool has_ev = json_is_true(json_object_get(ev, "any"));
	set(v, "events", ev);
	if (has_ev) add_toc(toc, "events", "Events");

	static const char *const job_keys[] = {"name", "schedule", "timeout", "retries", "description", NULL};
	json_t *jobs = objects(json_object_get(m, "jobs"), job_keys);
	setb(v, "hasJobs", json_array_size(jobs) > 0);
	set(v, "jobs", jobs);
	if (json_array_size(jobs)) add_toc(toc, "jobs", "Jobs");

	json_t *ui = json_object_get(m, "ui");
	static const char *const page_keys[] = {"path", "title", "icon", "permissions", "description", NULL};
	static const char *const navi_keys[] = {"label", "path", "icon", "order", NULL};
	json_t *uip = objects(json_object_get(ui, "pages"), page_keys);
	json_t *uin = objects(json_object_get(ui, "navigation"), navi_keys);
	setb(v, "hasUi", json_array_size(uip) || json_array_size(uin));
	setb(v, "hasUiPages", json_array_size(uip) > 0);
	setb(v, "hasUiNavigation", json_array_size(uin) > 0);
	if (json_array_size(uip) || json_array_size(uin)) add_toc(toc, "ui", "User interface");
	set(v, "uiPages", uip);
	set(v, "uiNavigation", uin);

	json_t *cfg = config_view(json_object_get(m, "config"));
	setb(v, "hasConfig", json_array_size(cfg) > 0);
	set(v, "config", cfg);
	if (json_array_size(cfg)) add_toc(toc, "configuration", "Configuration");

	json_t *perms = string_list(json_object_get(m, "permissions"));
	setb(v, "hasPermissions", json_array_size(perms) > 0);
	set(v, "permissions", perms);
	if (json_array_size(perms)) add_toc(toc, "permissions", "Permissions");

	json_t *req = json_object_get(m, "requires");
	json_t *rp = pairs(json_object_get(req, "packages"), "name", "range", false);
	json_t *rs = pairs(json_object_get(req, "system"), "name", "range", false);
	setb(v, "hasRequires", json_array_size(rp) || json_array_size(rs));
	setb(v, "hasPackages", json_array_size(rp) > 0);
	setb(v, "hasSystem", json_array_size(rs) > 0);
	if (json_array_size(rp) || json_array_size(rs)) add_toc(toc, "requirements", "Requirements");
	set(v, "packages", rp);
	set(v, "system", rs);

	json_t *ai = json_object_get(m, "ai");
	json_t *aiv = json_object();
	sets(aiv, "purpose", mr_js(ai, "purpose"));
	sets(aiv, "category", mr_js(ai, "category"));
	set(aiv, "keywords", string_list(json_object_get(ai, "keywords")));
	set(aiv, "patterns", string_list(json_object_get(ai, "patterns")));
	set(aiv, "concepts", string_list(json_object_get(ai, "concepts")));
	const char *lists[] = {"keywords", "patterns", "concepts"}, *flags[] = {"hasKeywords", "hasPatterns", "hasConcepts"};
	for (int q = 0; q < 3; q++) setb(aiv, flags[q], json_array_size(json_object_get(aiv, lists[q])) > 0);
	static const char *const cp_keys[] = {"name", "endpoint", "cacheSeconds", "description", NULL};
	json_t *cps = objects(json_object_get(ai, "contextProviders"), cp_keys);
	setb(aiv, "hasProviders", json_array_size(cps) > 0);
	set(aiv, "contextProviders", cps);
	bool has_ai = mr_js(ai, "purpose") || mr_js(ai, "category") || json_array_size(json_object_get(aiv, "keywords")) ||
	              json_array_size(json_object_get(aiv, "patterns")) ||
	              json_array_size(json_object_get(aiv, "concepts")) || json_array_size(cps);
	setb(aiv, "any", has_ai);
	set(v, "ai", aiv);
	if (!never_valid) add_toc(toc, "ai-context", "AI context");

	sets(v, "readmeHtml", readme_html);
	setb(v, "readmeTooLarge", readme_too_large);
	if (readme_html) add_toc(toc, "readme", "README");
	setb(v, "hasDocs", json_array_size(docs) > 0);
	set(v, "docs", ref(docs));
	if (json_array_size(docs)) add_toc(toc, "documentation", "Documentation");

	size_t errors = 0, warnings = 0;
	json_t *dg = diags_view(json_object_get(m, "diagnostics"), &errors, &warnings);
	setb(v, "hasDiagnostics", json_array_size(dg) > 0);
	set(v, "diagnostics", dg);
	set(v, "errorCount", json_integer((json_int_t)errors));
	set(v, "warningCount", json_integer((json_int_t)warnings));
	add_toc(toc, "diagnostics", "Diagnostics");

	json_t *ext = pairs(json_object_get(m, "extensions"), "key", "value", false);
	setb(v, "hasExtensions", json_array_size(ext) > 0);
	set(v, "extensions", ext);
	set(v, "toc", toc);
	return v;
}

json_t *mr_view_doc(const mr_sreg *r, size_t i, const char *title, const char *html, json_t *docs, size_t current)
{
	json_t *m = r->mods[i];
	const char *id = mr_sreg_id(r, i);
	const char *name = mr_js(m, "name");
	char *full = mr_xasprintf("%s — %s", title, name ? name : id);
	json_t *v = mr_view_base(r, "../../", full, NULL);
	free(full);
	sets(v, "id", id);
	sets(v, "name", name ? name : id);
	sets(v, "docTitle", title);
	sets(v, "html", html);
	json_t *list = json_array();
	size_t k;
	json_t *d;
	json_array_foreach(docs, k, d)
	{
		json_t *o = json_object();
		sets(o, "title", mr_js(d, "title"));
		char *from = mr_xasprintf("modules/%s", id);
		char *to = mr_xasprintf("modules/%s/%s.html", id, mr_js(d, "name") ? mr_js(d, "name") : "");
		mr_buf h = MR_BUF_INIT;
		mr_md_relative_href(from, to, &h);
		sets(o, "href", mr_buf_str(&h));
		mr_buf_release(&h);
		free(from);
		free(to);
		setb(o, "current", k == current);
		json_array_append_new(list, o);
	}
	set(v, "docs", list);
	return v;
}

/* ---- index ---- */

static void count_value(json_t *counts, const char *key)
{
	json_t *c = json_object_get(counts, key);
	json_object_set_new(counts, key, json_integer(json_integer_value(c) + 1));
}

static json_t *options(json_t *counts, const char *none_label)
{
	json_t *out = json_array();
	const char *k;
	json_t *c;
	/* jansson keeps insertion order; sort the keys for a stable page */
	size_t n = json_object_size(counts), q = 0;
	const char **keys = mr_xcalloc(n + 1, sizeof *keys);
	json_object_foreach(counts, k, c) keys[q++] = k;
	qsort(keys, n, sizeof *keys, mr_strcmp_ptr);
	for (q = 0; q < n; q++) {
		json_t *o = json_object();
		bool none = !strcmp(keys[q], "");
		sets(o, "value", none ? "-" : keys[q]);
		sets(o, "label", none ? none_label : keys[q]);
		set(o, "count", json_incref(json_object_get(counts, keys[q])));
		json_array_append_new(out, o);
	}
	free(keys);
	return out;
}

static void lower_into(mr_buf *b, const char *s)
{
	for (; s && *s; s++) mr_buf_putc(b, (*s >= 'A' && *s <= 'Z') ? (char)(*s - 'A' + 'a') : *s);
}

json_t *mr_view_index(const mr_sreg *r, const char *intro_html, json_t **rows_cache)
{
	json_t *v = mr_view_base(r, "", "Modules", "index");
	json_t *rows = json_array();
	json_t *st_counts = json_object(), *ty_counts = json_object(), *ai_counts = json_object();
	json_t *old = rows_cache ? *rows_cache : NULL, *cache = rows_cache ? json_object() : NULL;
	mr_buf search = MR_BUF_INIT;
	for (size_t i = 0; i < r->n; i++) {
		json_t *m = r->mods[i];
		const char *id = mr_sreg_id(r, i);
		const char *name = mr_js(m, "name");
		const char *status = mr_js(m, "status");
		const char *type = mr_js(m, "type");
		const char *model = mr_js(json_object_get(json_object_get(m, "created"), "ai"), "model");
		count_value(st_counts, status ? status : "");
		count_value(ty_counts, type ? type : "");
		count_value(ai_counts, model ? model : "");
		/* a row is a function of its module's entry: the same entry (the watcher keeps an
		 * unchanged module's parsed entry from sync to sync), the same row */
		json_t *hit = old && id ? json_object_get(old, id) : NULL;
		if (hit && json_array_get(hit, 0) == m) {
			json_array_append(rows, json_array_get(hit, 1));
			json_object_set(cache, id, hit);
			continue;
		}
		json_t *o = json_object();
		sets(o, "id", id);
		sets(o, "name", name ? name : id);
		sets(o, "description", mr_js(m, "description"));
		sets(o, "type", type);
		sets(o, "version", mr_js(m, "version"));
		sets(o, "status", status);
		sets(o, "health", mr_js(json_object_get(m, "health"), "status") ? mr_js(json_object_get(m, "health"), "status")
		                                                                 : "error");
		sets(o, "owner", mr_js(m, "owner"));
		sets(o, "model", model);
		setb(o, "stale", json_is_true(json_object_get(m, "stale")));
		setb(o, "invalid", !json_is_true(json_object_get(m, "valid")));
		setown(o, "href", mr_xasprintf("modules/%s.html", id));
		/* filter keys: "-" stands for "none" */
		sets(o, "fStatus", status ? status : "-");
		sets(o, "fType", type ? type : "-");
		sets(o, "fModel", model ? model : "-");
		mr_buf_reset(&search);
		lower_into(&search, id);
		mr_buf_putc(&search, ' ');
		lower_into(&search, name);
		mr_buf_putc(&search, ' ');
		lower_into(&search, mr_js(m, "description"));
		json_t *ai = json_object_get(m, "ai");
		size_t k;
		json_t *kw;
		json_array_foreach(json_object_get(ai, "keywords"), k, kw)
		{
			mr_buf_putc(&search, ' ');
			lower_into(&search, json_string_value(kw));
		}
		json_array_foreach(json_object_get(m, "tags"), k, kw)
		{
			mr_buf_putc(&search, ' ');
			lower_into(&search, json_string_value(kw));
		}
		for (size_t q = 0; q < search.len; q++)
			if (search.data[q] == '\n' || search.data[q] == '\t' || search.data[q] == '\r') search.data[q] = ' ';
		sets(o, "search", mr_buf_str(&search));
		if (cache && id) json_object_set_new(cache, id, json_pack("[OO]", m, o));
		json_array_append_new(rows, o);
	}
	mr_buf_release(&search);
	if (rows_cache) {
		json_decref(old);
		*rows_cache = cache;
	}
	set(v, "modules", rows);
	setb(v, "hasModules", r->n > 0);
	set(v, "statuses", options(st_counts, "(none)"));
	set(v, "types", options(ty_counts, "(none)"));
	set(v, "models", options(ai_counts, "(no AI model)"));
	json_decref(st_counts);
	json_decref(ty_counts);
	json_decref(ai_counts);
	json_t *reg = json_object_get(r->ctx, "registry");
	json_t *counts = json_object();
	const char *ck[] = {"modules", "valid", "invalid", "errors", "warnings"};
	for (int q = 0; q < 5; q++) set(counts, ck[q], json_integer(json_integer_value(json_object_get(reg, ck[q]))));
	json_t *hc = json_object_get(reg, "health");
	const char *hk[] = {"healthy", "warning", "error", "unknown"};
	for (int q = 0; q < 4; q++) set(counts, hk[q], json_integer(json_integer_value(json_object_get(hc, hk[q]))));
	setb(counts, "hasInvalid", json_integer_value(json_object_get(reg, "invalid")) > 0);
	setb(counts, "hasErrors", json_integer_value(json_object_get(reg, "errors")) > 0);
	set(v, "counts", counts);
	sets(v, "introHtml", intro_html);
	return v;
}

/* ---- graph pages ---- */

static json_t *type_links(const char *root)
{
	json_t *types = json_array();
	for (size_t t = 0; mr_rel_types[t]; t++) {
		json_t *o = json_object();
		sets(o, "type", mr_rel_types[t]);
		setown(o, "svgHref", mr_xasprintf("%sgraphs/registry/type-%s.svg", root, mr_rel_types[t]));
		json_array_append_new(types, o);
	}
	return types;
}

json_t *mr_view_graph(const mr_sreg *r, const char *svg, bool grouped)
{
	json_t *v = mr_view_base(r, "", "Relationship graph", "graph");
	sets(v, "svg", svg);
	setb(v, "grouped", grouped);
	sets(v, "groupBy", r->group_by);
	set(v, "types", type_links(""));
	json_t *groups = json_array();
	for (size_t g = 0; g < r->ngroups; g++) {
		json_t *o = json_object();
		sets(o, "name", r->groups[g].key);
		setown(o, "href", mr_xasprintf("graphs/registry/group-%s.html", r->groups[g].slug));
		set(o, "count", json_integer((json_int_t)r->groups[g].n));
		json_array_append_new(groups, o);
	}
	set(v, "groups", groups);
	return v;
}

json_t *mr_view_group(const mr_sreg *r, size_t g, const char *svg)
{
	const mr_sgroup *gr = &r->groups[g];
	char *title = mr_xasprintf("%s: %s", r->group_by, gr->key);
	json_t *v = mr_view_base(r, "../../", title, "graph");
	free(title);
	sets(v, "groupBy", r->group_by);
	sets(v, "group", gr->key);
	sets(v, "svg", svg);
	set(v, "types", type_links("../../"));
	json_t *mods = json_array();
	for (size_t k = 0; k < gr->n; k++) {
		json_t *m = r->mods[gr->mods[k]];
		json_t *o = json_object();
		const char *id = mr_js(m, "id");
		sets(o, "id", id);
		sets(o, "name", mr_js(m, "name") ? mr_js(m, "name") : id);
		sets(o, "status", mr_js(m, "status"));
		setown(o, "href", mr_xasprintf("../../modules/%s.html", id));
		json_array_append_new(mods, o);
	}
	set(v, "modules", mods);
	set(v, "count", json_integer((json_int_t)gr->n));
	/* the other groups its modules relate to, most relationships first */
	size_t *counts = mr_sreg_group_link_counts(r, g);
	json_t *links = json_array();
	for (;;) {
		size_t best = r->ngroups;
		for (size_t o = 0; o < r->ngroups; o++)
			if (counts[o] && (best == r->ngroups || counts[o] > counts[best])) best = o;
		if (best == r->ngroups) break;
		json_t *o = json_object();
		sets(o, "name", r->groups[best].key);
		setown(o, "href", mr_xasprintf("group-%s.html", r->groups[best].slug));
		set(o, "count", json_integer((json_int_t)counts[best]));
		json_array_append_new(links, o);
		counts[best] = 0;
	}
	free(counts);
	setb(v, "hasLinks", json_array_size(links) > 0);
	set(v, "links", links);
	return v;
}

/* ---- status page ---- */

json_t *mr_view_status(const mr_sreg *r, json_t *status)
{
	json_t *v = mr_view_base(r, "", "Status", "status");
	setb(v, "hasSync", json_is_object(status));
	if (json_is_object(status)) {
		json_t *s = json_object();
		sets(s, "time", mr_js(status, "time"));
		sets(s, "reason", mr_js(status, "reason"));
		json_t *dur = json_object_get(status, "durationMs");
		setown(s, "duration", json_is_number(dur) ? mr_xasprintf("%.0f ms", json_number_value(dur)) : NULL);
		const char *ck[] = {"added", "updated", "removed", "unchanged", "invalid", "errors", "warnings"};
		for (int q = 0; q < 7; q++) set(s, ck[q], json_integer(json_integer_value(json_object_get(status, ck[q]))));
		static const char *const ch_keys[] = {"id", "action", "oldVersion", "newVersion", NULL};
		json_t *changes = objects(json_object_get(status, "changes"), ch_keys);
		size_t k;
		json_t *c;
		json_array_foreach(changes, k, c)
		{
			const char *id = mr_js(c, "id");
			setown(c, "href", mr_sreg_find(r, id, NULL) ? mr_xasprintf("modules/%s.html", id) : NULL);
		}
		setb(s, "hasChanges", json_array_size(changes) > 0);
		set(s, "changes", changes);
		json_t *noai = json_array();
		json_array_foreach(json_object_get(status, "modulesWithoutAiContext"), k, c)
		{
			const char *id = json_string_value(c);
			if (!id) continue;
			json_t *o = json_object();
			sets(o, "id", id);
			setown(o, "href", mr_sreg_find(r, id, NULL) ? mr_xasprintf("modules/%s.html", id) : NULL);
			json_array_append_new(noai, o);
		}
		setb(s, "hasNoAi", json_array_size(noai) > 0);
		set(s, "noAi", noai);
		size_t e = 0, w = 0;
		json_t *events = diags_view(json_object_get(status, "events"), &e, &w);
		setb(s, "hasEvents", json_array_size(events) > 0);
		set(s, "events", events);
		set(v, "sync", s);
	}
	/* every diagnostic, grouped by module (in module order; registry-wide ones first) */
	json_t *all = json_object_get(r->ctx, "diagnostics");
	json_t *groups = json_array();
	json_t *by_mod = json_object();
	size_t errors = 0, warnings = 0;
	size_t k;
	json_t *d;
	json_t *general = json_array();
	json_array_foreach(all, k, d)
	{
		const char *mod = mr_js(d, "module");
		const char *sev = mr_js(d, "severity");
		if (sev && !strcmp(sev, "error")) errors++;
		else warnings++;
		if (!mod) {
			json_array_append_new(general, diag_view(d));
			continue;
		}
		json_t *list = json_object_get(by_mod, mod);
		if (!list) {
			list = json_array();
			json_object_set_new(by_mod, mod, list);
		}
		json_array_append_new(list, diag_view(d));
	}
	if (json_array_size(general)) {
		json_t *g = json_object();
		size_t e = 0, w = 0;
		json_t *item;
		size_t z;
		json_array_foreach(general, z, item)
		{
			const char *sev = mr_js(item, "severity");
			if (sev && !strcmp(sev, "error")) e++;
			else w++;
		}
		sets(g, "title", "Registry");
		sets(g, "href", NULL);
		set(g, "errors", json_integer((json_int_t)e));
		set(g, "warnings", json_integer((json_int_t)w));
		set(g, "diagnostics", json_incref(general));
		json_array_append_new(groups, g);
	}
	json_decref(general);
	size_t n = json_object_size(by_mod), q = 0;
	const char **keys = mr_xcalloc(n + 1, sizeof *keys);
	const char *key;
	json_t *x;
	json_object_foreach(by_mod, key, x) keys[q++] = key;
	qsort(keys, n, sizeof *keys, mr_strcmp_ptr);
	for (q = 0; q < n; q++) {
		json_t *g = json_object();
		json_t *list = json_object_get(by_mod, keys[q]);
		size_t e = 0, w = 0;
		json_t *item;
		size_t z;
		json_array_foreach(list, z, item)
		{
			const char *sev = mr_js(item, "severity");
			if (sev && !strcmp(sev, "error")) e++;
			else w++;
		}
		sets(g, "title", keys[q]);
		setown(g, "href", mr_sreg_find(r, keys[q], NULL) ? mr_xasprintf("modules/%s.html", keys[q]) : NULL);
		set(g, "errors", json_integer((json_int_t)e));
		set(g, "warnings", json_integer((json_int_t)w));
		set(g, "diagnostics", json_incref(list));
		json_array_append_new(groups, g);
	}
	free(keys);
	json_decref(by_mod);
	setb(v, "hasDiagnostics", json_array_size(groups) > 0);
	set(v, "groups", groups);
	set(v, "errors", json_integer((json_int_t)errors));
	set(v, "warnings", json_integer((json_int_t)warnings));
	/* modules in trouble at a glance (unknown health is only counted) */
	json_t *health = json_array();
	for (size_t i = 0; i < r->n; i++) {
		json_t *m = r->mods[i];
		json_t *h = json_object_get(m, "health");
		const char *hs = mr_js(h, "status");
		if (hs && (!strcmp(hs, "healthy") || !strcmp(hs, "unknown"))) continue;
		json_t *o = json_object();
		const char *id = mr_sreg_id(r, i);
		sets(o, "id", id);
		setown(o, "href", mr_xasprintf("modules/%s.html", id));
		sets(o, "status", hs ? hs : "error");
		set(o, "reasons", h ? string_list(json_object_get(h, "reasons")) : json_array());
		json_array_append_new(health, o);
	}
	setb(v, "hasHealth", json_array_size(health) > 0);
	json_t *hc = json_object_get(json_object_get(r->ctx, "registry"), "health");
	json_t *counts = json_object();
	const char *hk[] = {"healthy", "warning", "error", "unknown"};
	for (int hq = 0; hq < 4; hq++) set(counts, hk[hq], json_integer(json_integer_value(json_object_get(hc, hk[hq]))));
	set(v, "healthCounts", counts);
	set(v, "health", health);
	return v;
}
