/* manifest.c — decode module.yaml into mr_manifest, checking every rule of
 * SPEC §2 that concerns one module.  Each problem becomes one diagnostic at the
 * key or value it concerns; decoding goes on after a problem so that one save
 * shows every mistake at once. */
#include "manifest.h"

#include "cron.h"
#include "secret.h"
#include "spdx.h"
#include "suggest.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct ctx {
	mr_manifest *m;
	mr_diags *d;
	const char *file;
	const char *dir; /* module directory or NULL */
	mr_arena *a;
	size_t suggest_budget; /* edit-distance cells left for did-you-mean (hostile sizes) */
} ctx;

/* Did-you-mean costs up to len(word) x len(candidate) per candidate; a hostile manifest
 * with thousands of unknown names against thousands of entities must not make that
 * quadratic work.  Past the budget (about 20 ms) the suggestions stop, nothing else. */
#define SUGGEST_BUDGET ((size_t)20 * 1000 * 1000)
#define SUGGEST_MAX_CANDIDATES 256

/* ---------------------------------------------------------------- helpers */

static mr_pos pos_of(const mr_ynode *n)
{
	mr_pos p = {n ? n->line : 0, n ? n->col : 0};
	return p;
}

static mr_diag *vdiag(ctx *c, mr_pos p, const char *code, const char *fmt, va_list ap)
{
	mr_buf b = MR_BUF_INIT;
	mr_buf_vprintf(&b, fmt, ap);
	mr_diag *dg = mr_diag_add(c->d, c->file, p.line, p.col, code, c->m->id, "%s", mr_buf_str(&b));
	mr_buf_release(&b);
	if (dg->severity == MR_ERROR) c->m->errors++;
	else c->m->warnings++;
	return dg;
}

static mr_diag *diagp(ctx *c, mr_pos p, const char *code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static mr_diag *diagp(ctx *c, mr_pos p, const char *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	mr_diag *dg = vdiag(c, p, code, fmt, ap);
	va_end(ap);
	return dg;
}

static mr_diag *diagn(ctx *c, const mr_ynode *n, const char *code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static mr_diag *diagn(ctx *c, const mr_ynode *n, const char *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	mr_diag *dg = vdiag(c, pos_of(n), code, fmt, ap);
	va_end(ap);
	return dg;
}

/* A text from the manifest safe to show in a one-line message: control characters
 * escaped, long text cut at 120 characters (on a character boundary, so the message
 * stays UTF-8), and a value that looks like a credential never shown at all. */
static const char *shown(ctx *c, const char *s)
{
	char *t = mr_secret_shown(s, strlen(s), 120);
	const char *r = mr_arena_strdup(c->a, t);
	free(t);
	return r;
}

static const char *suggest(ctx *c, const char *word, const char *const *cands, size_t n)
{
	if (n > SUGGEST_MAX_CANDIDATES) return NULL;
	size_t lw = strnlen(word, MR_SUGGEST_MAX + 1), cost = 0;
	for (size_t i = 0; i < n; i++) cost += lw * (cands[i] ? strnlen(cands[i], MR_SUGGEST_MAX + 1) : 0);
	if (cost > c->suggest_budget) {
		c->suggest_budget = 0;
		return NULL;
	}
	c->suggest_budget -= cost;
	return mr_suggest(word, cands, n);
}

static bool is_scalar(const mr_ynode *n)
{
	return n && n->kind != MR_Y_SEQ && n->kind != MR_Y_MAP;
}

/* "a list", "an integer", "null": what a message says was found */
static const char *kind_desc(const mr_ynode *n)
{
	switch (n->kind) {
	case MR_Y_NULL: return "null";
	case MR_Y_BOOL: return "a boolean";
	case MR_Y_INT: return "an integer";
	case MR_Y_FLOAT: return "a number";
	case MR_Y_STR: return "a string";
	case MR_Y_SEQ: return "a list";
	case MR_Y_MAP: return "a mapping";
	}
	return "?";
}

static const char *key_str(const mr_ynode *map, size_t i)
{
	const mr_ynode *k = map->items[2 * i];
	return is_scalar(k) ? k->str : NULL;
}

/* key_str for mappings whose keys are names the author chooses (links, config,
 * requires): a list or mapping as a key is reported, not silently skipped. */
static const char *name_key(ctx *c, const mr_ynode *map, size_t i, const char *where)
{
	const char *k = key_str(map, i);
	if (!k)
		diagn(c, map->items[2 * i], "wrong-type", "keys of %s must be plain strings, found %s", where,
		      kind_desc(map->items[2 * i]));
	return k;
}

/* Report keys of map not in allowed (NULL-terminated); x- keys allowed when allow_x. */
static void check_keys(ctx *c, const mr_ynode *map, const char *const *allowed, const char *where, bool allow_x)
{
	size_t na = 0;
	while (allowed[na]) na++;
	for (size_t i = 0; i < map->n; i++) {
		const mr_ynode *k = map->items[2 * i];
		if (!is_scalar(k)) {
			diagn(c, k, "wrong-type", "keys of %s must be plain strings, found %s", where,
			      kind_desc(k));
			continue;
		}
		bool ok = false;
		for (size_t j = 0; j < na && !ok; j++) ok = strcmp(k->str, allowed[j]) == 0;
		if (ok || (allow_x && mr_str_has_prefix(k->str, "x-"))) continue;
		const char *sug = suggest(c, k->str, allowed, na);
		if (sug)
			diagn(c, k, "unknown-key", "unknown key '%s' in %s (did you mean '%s'?)", shown(c, k->str), where,
			      sug);
		else
			diagn(c, k, "unknown-key", "unknown key '%s' in %s", shown(c, k->str), where);
	}
}

static mr_ynode *require(ctx *c, const mr_ynode *map, const char *key, const char *where)
{
	mr_ynode *v = mr_ymap_get(map, key);
	if (!v) diagn(c, map, "missing-key", "missing required key '%s' in %s", key, where);
	return v;
}


/* Any scalar as text.  Null counts as absent (optional keys) unless required. */
static bool get_text(ctx *c, const mr_ynode *map, const char *key, mr_text *out, bool required, const char *where)
{
	memset(out, 0, sizeof *out);
	mr_ynode *v = required ? require(c, map, key, where) : mr_ymap_get(map, key);
	if (!v) return false;
	if (!is_scalar(v)) {
		diagn(c, v, "wrong-type", "'%s' must be a string, found %s", key, kind_desc(v));
		return false;
	}
	if (v->kind == MR_Y_NULL) {
		if (required) diagn(c, v, "wrong-type", "'%s' must be a string, found null", key);
		return false;
	}
	out->s = v->str;
	out->pos = pos_of(v);
	return true;
}

static bool text_of_item(ctx *c, const mr_ynode *v, mr_text *out, const char *what)
{
	memset(out, 0, sizeof *out);
	if (!is_scalar(v) || v->kind == MR_Y_NULL) {
		diagn(c, v, "wrong-type", "items of '%s' must be strings, found %s", what, kind_desc(v));
		return false;
	}
	out->s = v->str;
	out->pos = pos_of(v);
	return true;
}

static mr_ynode *get_kind(ctx *c, const mr_ynode *map, const char *key, mr_ykind kind, bool required,
                          const char *where)
{
	mr_ynode *v = required ? require(c, map, key, where) : mr_ymap_get(map, key);
	if (!v) return NULL;
	if (v->kind == MR_Y_NULL && !required) return NULL;
	if (v->kind != kind) {
		diagn(c, v, "wrong-type", "'%s' must be a %s, found %s", key, mr_ykind_name(kind), kind_desc(v));
		return NULL;
	}
	return v;
}

static bool yaml11_bool_word(const char *s)
{
	static const char *const w[] = {"yes", "no", "on", "off", "y", "n", "Yes", "No", "On", "Off", "YES", "NO", "ON", "OFF", NULL};
	for (size_t i = 0; w[i]; i++)
		if (strcmp(s, w[i]) == 0) return true;
	return false;
}

static bool check_bool(ctx *c, const mr_ynode *v, const char *key, bool *out)
{
	if (v->kind == MR_Y_BOOL) {
		*out = v->v.b;
		return true;
	}
	if (is_scalar(v) && yaml11_bool_word(v->str))
		diagn(c, v, "wrong-type",
		      "'%s' must be true or false; '%s' is a string in YAML 1.2 (yes/no/on/off are not booleans)",
		      key, shown(c, v->str));
	else
		diagn(c, v, "wrong-type", "'%s' must be true or false, found %s", key, kind_desc(v));
	return false;
}

static bool get_bool(ctx *c, const mr_ynode *map, const char *key, bool *out)
{
	mr_ynode *v = mr_ymap_get(map, key);
	if (!v || v->kind == MR_Y_NULL) return false;
	return check_bool(c, v, key, out);
}

static bool plain_decimal(const mr_ynode *v)
{
	const char *s = v->str;
	if (*s == '-' || *s == '+') s++;
	return !(s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) && !(s[0] == '.' && (s[1] == 'i' || s[1] == 'I' || s[1] == 'n' || s[1] == 'N'));
}

static bool check_int(ctx *c, const mr_ynode *v, const char *key, long long *out)
{
	if (v->kind == MR_Y_INT && plain_decimal(v)) {
		*out = v->v.i;
		return true;
	}
	if (v->kind == MR_Y_INT || (v->kind == MR_Y_FLOAT && !plain_decimal(v)))
		diagn(c, v, "bad-value", "'%s' must be a plain decimal number, found '%s'", key, shown(c, v->str));
	else
		diagn(c, v, "wrong-type", "'%s' must be an integer, found %s", key, kind_desc(v));
	return false;
}

static bool get_int(ctx *c, const mr_ynode *map, const char *key, long long *out)
{
	mr_ynode *v = mr_ymap_get(map, key);
	if (!v || v->kind == MR_Y_NULL) return false;
	return check_int(c, v, key, out);
}

static bool check_number(ctx *c, const mr_ynode *v, const char *key, double *out)
{
	if ((v->kind == MR_Y_INT || v->kind == MR_Y_FLOAT) && plain_decimal(v)) {
		*out = v->kind == MR_Y_INT ? (double)v->v.i : v->v.f;
		return true;
	}
	if (v->kind == MR_Y_INT || v->kind == MR_Y_FLOAT)
		diagn(c, v, "bad-value", "'%s' must be a plain decimal number, found '%s'", key, shown(c, v->str));
	else
		diagn(c, v, "wrong-type", "'%s' must be a number, found %s", key, kind_desc(v));
	return false;
}

typedef bool (*text_rule)(const char *s);

static void get_textlist(ctx *c, const mr_ynode *map, const char *key, mr_textlist *out, text_rule rule,
                         const char *rule_desc)
{
	memset(out, 0, sizeof *out);
	mr_ynode *v = get_kind(c, map, key, MR_Y_SEQ, false, NULL);
	if (!v) return;
	out->v = mr_arena_alloc(c->a, (v->n ? v->n : 1) * sizeof *out->v);
	for (size_t i = 0; i < v->n; i++) {
		mr_text t;
		if (!text_of_item(c, v->items[i], &t, key)) continue;
		if (rule && !rule(t.s)) {
			diagp(c, t.pos, "bad-value", "'%s' in '%s' must match %s", shown(c, t.s), key, rule_desc);
			continue;
		}
		out->v[out->n++] = t;
	}
}

static int text_cmp(const void *pa, const void *pb)
{
	const mr_text *a = pa, *b = pb;
	return strcmp(a->s, b->s);
}

static void sort_texts(mr_textlist *l)
{
	if (l->n > 1) qsort(l->v, l->n, sizeof *l->v, text_cmp);
}

/* ---------------------------------------------------------------- value rules */

bool mr_id_valid(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > 63 || !(id[0] >= 'a' && id[0] <= 'z')) return false;
	for (size_t i = 0; i < n; i++) {
		char ch = id[i];
		if (ch == '-') {
			if (i + 1 == n || id[i + 1] == '-') return false;
		} else if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')))
			return false;
	}
	return true;
}

static bool tag_ok(const char *s)
{
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9'))) return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-')) return false;
	return true;
}

static bool perm_ok(const char *s)
{
	const char *colon = strchr(s, ':');
	if (!colon || colon == s || !colon[1]) return false;
	for (const char *p = s; p < colon; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-')) return false;
	for (const char *p = colon + 1; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '*')) return false;
	return true;
}

static bool ident_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
}

bool mr_path_valid(const char *path)
{
	if (path[0] != '/') return false;
	for (const char *p = path; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch <= ' ' || ch == 0x7f) return false;
		if (ch == '{') {
			const char *q = p + 1;
			if (!(*q && ident_char(*q) && !(*q >= '0' && *q <= '9'))) return false;
			while (ident_char(*q)) q++;
			if (*q != '}') return false;
			p = q;
		} else if (ch == '}') {
			return false;
		} else if (ch == ':' && p[-1] == '/') {
			const char *q = p + 1;
			if (!(*q && ident_char(*q) && !(*q >= '0' && *q <= '9'))) return false;
			while (ident_char(q[1])) q++;
			p = q;
		}
	}
	return true;
}

char *mr_path_normalise(const char *path)
{
	mr_buf b = MR_BUF_INIT;
	for (const char *p = path; *p; p++) {
		if (*p == '{') {
			const char *q = strchr(p, '}');
			if (q) {
				mr_buf_puts(&b, "{}");
				p = q;
				continue;
			}
		} else if (*p == ':' && (p == path || p[-1] == '/')) {
			const char *q = p + 1;
			while (ident_char(*q)) q++;
			mr_buf_puts(&b, "{}");
			p = q - 1;
			continue;
		}
		mr_buf_putc(&b, *p);
	}
	/* a trailing slash does not make another route */
	while (b.len > 1 && b.data[b.len - 1] == '/') b.data[--b.len] = '\0';
	return mr_buf_detach(&b);
}

static bool one_line(const char *s)
{
	return !strchr(s, '\n') && !strchr(s, '\r');
}

static bool pascal_ok(const char *s)
{
	if (!(s[0] >= 'A' && s[0] <= 'Z')) return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'))) return false;
	return true;
}

static bool lower_camel_ok(const char *s)
{
	if (!(s[0] >= 'a' && s[0] <= 'z')) return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'))) return false;
	return true;
}

static bool http_url_ok(const char *s)
{
	const char *rest;
	if (mr_str_has_prefix(s, "https://")) rest = s + 8;
	else if (mr_str_has_prefix(s, "http://")) rest = s + 7;
	else return false;
	if (!*rest || *rest == '/') return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '"' || *p == '<' || *p == '>' || *p == '\\') return false;
	return true;
}

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!(s[i] >= '0' && s[i] <= '9')) return false;
	return true;
}

/* ISO 8601: YYYY-MM-DD, or with THH:MM[:SS[.fff]] and Z or ±HH:MM */
static bool iso8601_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 10 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' || !digits(s + 8, 2)) return false;
	int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	int mo = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1]) return false;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))) return false;
	if (n == 10) return true;
	const char *p = s + 10;
	if (*p != 'T' && *p != 't' && *p != ' ') return false;
	p++;
	if (!digits(p, 2) || p[2] != ':' || !digits(p + 3, 2)) return false;
	if ((p[0] - '0') * 10 + (p[1] - '0') > 23 || (p[3] - '0') * 10 + (p[4] - '0') > 59) return false;
	p += 5;
	if (*p == ':') {
		if (!digits(p + 1, 2) || (p[1] - '0') * 10 + (p[2] - '0') > 60) return false;
		p += 3;
		if (*p == '.') {
			p++;
			size_t k = 0;
			while (p[k] >= '0' && p[k] <= '9') k++;
			if (!k) return false;
			p += k;
		}
	}
	if (*p == 'Z' || *p == 'z') return p[1] == '\0';
	if (*p == '+' || *p == '-') return digits(p + 1, 2) && p[3] == ':' && digits(p + 4, 2) && p[6] == '\0';
	return *p == '\0';
}

/* NNs NNm NNh NNd -> seconds, -1 if malformed */
static long long duration_seconds(const char *s)
{
	size_t n = strlen(s);
	if (n < 2 || n > 12 || !digits(s, n - 1)) return -1;
	long long v = strtoll(s, NULL, 10);
	switch (s[n - 1]) {
	case 's': return v;
	case 'm': return v * 60;
	case 'h': return v * 3600;
	case 'd': return v * 86400;
	}
	return -1;
}

static const char *const types[] = {"crud", "workflow", "integration", "service", "ui", "library", NULL};
static const char *const statuses[] = {"active", "inactive", "deprecated", "experimental", NULL};
static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", NULL};
static const char *const crud_ops[] = {"create", "read", "update", "delete", "list", NULL};
static const char *const cap_types[] = {"crud", "query", "action", "workflow", NULL};
static const char *const rel_types[] = {"dependency", "integration", "data-flow", "hierarchical", NULL};
static const char *const config_types[] = {"string", "number", "integer", "boolean", "password", "url", "enum", NULL};

static size_t count_of(const char *const *list)
{
	size_t n = 0;
	while (list[n]) n++;
	return n;
}

static int one_of(const char *s, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(s, list[i]) == 0) return (int)i;
	return -1;
}

static void join_list(mr_buf *b, const char *const *list)
{
	for (size_t i = 0; list[i]; i++) mr_buf_printf(b, "%s%s", i ? ", " : "", list[i]);
}

/* value must be one of list; reports bad-value with the choices and a suggestion */
static bool check_enum(ctx *c, const mr_text *t, const char *key, const char *const *list)
{
	if (!t->s) return false;
	if (one_of(t->s, list) >= 0) return true;
	mr_buf b = MR_BUF_INIT;
	join_list(&b, list);
	const char *sug = suggest(c, t->s, list, count_of(list));
	if (sug)
		diagp(c, t->pos, "bad-value", "'%s' is not a valid %s (did you mean '%s'? expected one of: %s)",
		      shown(c, t->s), key, sug, mr_buf_str(&b));
	else
		diagp(c, t->pos, "bad-value", "'%s' is not a valid %s (expected one of: %s)", shown(c, t->s), key,
		      mr_buf_str(&b));
	mr_buf_release(&b);
	return false;
}

static void check_path_text(ctx *c, const mr_text *t, const char *key)
{
	if (t->s && !mr_path_valid(t->s))
		diagp(c, t->pos, "bad-value",
		      "'%s' is not a valid %s: a path starts with '/', has no whitespace and writes parameters as {name} or :name",
		      shown(c, t->s), key);
}

/* a list of mappings: returns the sequence node (or NULL) */
static mr_ynode *get_seq(ctx *c, const mr_ynode *map, const char *key)
{
	return get_kind(c, map, key, MR_Y_SEQ, false, NULL);
}

static bool item_is_map(ctx *c, const mr_ynode *item, const char *what)
{
	if (item->kind == MR_Y_MAP) return true;
	diagn(c, item, "wrong-type", "each item of '%s' must be a mapping, found %s", what, kind_desc(item));
	return false;
}

/* ---------------------------------------------------------------- sections */

static void load_entities(ctx *c, const mr_ynode *root);
static void load_api(ctx *c, const mr_ynode *root);
static void load_capabilities(ctx *c, const mr_ynode *root);
static void load_actions(ctx *c, const mr_ynode *root);
static void load_jobs(ctx *c, const mr_ynode *root);
static void load_events(ctx *c, const mr_ynode *root);
static void load_ui(ctx *c, const mr_ynode *root);
static void load_relationships(ctx *c, const mr_ynode *root);
static void load_config(ctx *c, const mr_ynode *root);
static void load_requires(ctx *c, const mr_ynode *root);
static void load_ai(ctx *c, const mr_ynode *root);
static void load_health(ctx *c, const mr_ynode *root);
typedef struct path_frame path_frame;
static void scan_secrets(ctx *c, const mr_ynode *n, const path_frame *up, unsigned depth);

static const char *const top_keys[] = {"apiVersion", "id", "name", "description", "type", "version", "status",
                                       "owner", "license", "tags", "created", "links", "entities", "api",
                                       "capabilities", "actions", "jobs", "events", "ui", "relationships",
                                       "config", "permissions", "requires", "ai", "health", NULL};

static void load_top(ctx *c, const mr_ynode *root)
{
	mr_manifest *m = c->m;
	check_keys(c, root, top_keys, "the manifest", true);

	if (get_text(c, root, "apiVersion", &m->api_version, true, "the manifest") &&
	    strcmp(m->api_version.s, "modreg/v1") != 0)
		diagp(c, m->api_version.pos, "bad-value", "apiVersion must be 'modreg/v1', found '%s'",
		      shown(c, m->api_version.s));
	if (get_text(c, root, "id", &m->declared_id, false, NULL) && strcmp(m->declared_id.s, m->id) != 0)
		diagp(c, m->declared_id.pos, "bad-id", "id '%s' differs from the directory name '%s'",
		      shown(c, m->declared_id.s), shown(c, m->id));
	if (get_text(c, root, "name", &m->name, true, "the manifest")) {
		if (!one_line(m->name.s))
			diagp(c, m->name.pos, "bad-value", "name must be one line");
		else if (mr_utf8_length(m->name.s, strlen(m->name.s)) > 100)
			diagp(c, m->name.pos, "bad-value", "name is %zu characters long; at most 100",
			      mr_utf8_length(m->name.s, strlen(m->name.s)));
		else if (!*m->name.s)
			diagp(c, m->name.pos, "bad-value", "name must not be empty");
	}
	if (get_text(c, root, "description", &m->description, true, "the manifest")) {
		size_t l = mr_utf8_length(m->description.s, strlen(m->description.s));
		if (l > 2000) diagp(c, m->description.pos, "bad-value", "description is %zu characters long; at most 2000", l);
	}
	if (get_text(c, root, "type", &m->type, true, "the manifest")) check_enum(c, &m->type, "type", types);
	if (get_text(c, root, "version", &m->version, true, "the manifest")) {
		if (mr_semver_parse(m->version.s, strlen(m->version.s), &m->semver) == 0) m->has_semver = true;
		else
			diagp(c, m->version.pos, "bad-version", "'%s' is not a SemVer 2.0.0 version (like 1.4.0)",
			      shown(c, m->version.s));
	}
	if (get_text(c, root, "status", &m->status, false, NULL)) check_enum(c, &m->status, "status", statuses);
	get_text(c, root, "owner", &m->owner, false, NULL);
	if (get_text(c, root, "license", &m->license, false, NULL) && !mr_spdx_valid(m->license.s)) {
		const char *sug = mr_spdx_suggest(m->license.s);
		if (sug)
			diagp(c, m->license.pos, "bad-value", "'%s' is not an SPDX license identifier or expression (did you mean '%s'?)",
			      shown(c, m->license.s), sug);
		else
			diagp(c, m->license.pos, "bad-value", "'%s' is not an SPDX license identifier or expression",
			      shown(c, m->license.s));
	}
	get_textlist(c, root, "tags", &m->tags, tag_ok, "^[a-z0-9][a-z0-9-]*$");
	sort_texts(&m->tags);
	get_textlist(c, root, "permissions", &m->permissions, perm_ok, "^[a-z0-9-]+:[a-z0-9*-]+$");
	sort_texts(&m->permissions);

	mr_ynode *created = get_kind(c, root, "created", MR_Y_MAP, false, NULL);
	if (created) {
		static const char *const ck[] = {"at", "by", "ai", NULL};
		check_keys(c, created, ck, "created", false);
		if (get_text(c, created, "at", &m->created_at, false, NULL) && !iso8601_ok(m->created_at.s))
			diagp(c, m->created_at.pos, "bad-value", "created.at '%s' is not an ISO 8601 date or date-time",
			      shown(c, m->created_at.s));
		get_text(c, created, "by", &m->created_by, false, NULL);
		mr_ynode *ai = get_kind(c, created, "ai", MR_Y_MAP, false, NULL);
		if (ai) {
			static const char *const ak[] = {"model", "patch", NULL};
			check_keys(c, ai, ak, "created.ai", false);
			get_text(c, ai, "model", &m->ai_model, false, NULL);
			get_text(c, ai, "patch", &m->ai_patch, false, NULL);
		}
	}
	mr_ynode *links = get_kind(c, root, "links", MR_Y_MAP, false, NULL);
	if (links) {
		m->links.v = mr_arena_alloc(c->a, (links->n ? links->n : 1) * sizeof *m->links.v);
		for (size_t i = 0; i < links->n; i++) {
			const char *k = name_key(c, links, i, "links");
			mr_ynode *v = links->items[2 * i + 1];
			if (!k) continue;
			if (!is_scalar(v) || v->kind == MR_Y_NULL) {
				diagn(c, v, "wrong-type", "links.%s must be a URL string, found %s", shown(c, k), kind_desc(v));
				continue;
			}
			if (!http_url_ok(v->str)) {
				diagn(c, v, "bad-value", "links.%s must be an http or https URL", shown(c, k));
				continue;
			}
			mr_kv *kv = &m->links.v[m->links.n++];
			kv->key.s = k;
			kv->key.pos = pos_of(links->items[2 * i]);
			kv->value.s = v->str;
			kv->value.pos = pos_of(v);
		}
	}
	/* extensions, as written */
	size_t next = 0;
	for (size_t i = 0; i < root->n; i++)
		if (key_str(root, i) && mr_str_has_prefix(key_str(root, i), "x-")) next++;
	m->extensions = mr_arena_alloc(c->a, (next ? next : 1) * sizeof *m->extensions);
	for (size_t i = 0; i < root->n; i++) {
		const char *k = key_str(root, i);
		if (!k || !mr_str_has_prefix(k, "x-")) continue;
		mr_extension *e = &m->extensions[m->nextensions++];
		e->key.s = k;
		e->key.pos = pos_of(root->items[2 * i]);
		e->value = root->items[2 * i + 1];
	}
}

static int entity_key_cmp(const void *key, const void *elem)
{
	return strcmp((const char *)key, ((const mr_entity *)elem)->name.s);
}

/* m->entities is sorted by name and free of duplicates once load_entities is done */
static const mr_entity *find_entity(const mr_manifest *m, const char *name)
{
	if (!m->nentities) return NULL;
	return bsearch(name, m->entities, m->nentities, sizeof *m->entities, entity_key_cmp);
}

/* Finding items declared twice without comparing all pairs (a hostile manifest has
 * tens of thousands): sort (key, index) pairs and compare neighbours.  For each
 * later duplicate, dup[i] is the index of the first item with its key; else (size_t)-1.
 * The caller frees the result. */
typedef struct keyed {
	const char *key;
	size_t index;
} keyed;

static int keyed_cmp(const void *pa, const void *pb)
{
	const keyed *a = pa, *b = pb;
	int r = strcmp(a->key, b->key);
	if (r) return r;
	return a->index < b->index ? -1 : a->index > b->index;
}

static size_t *find_duplicates(const char *const *keys, size_t n)
{
	size_t *dup = mr_xcalloc(n ? n : 1, sizeof *dup);
	keyed *k = mr_xcalloc(n ? n : 1, sizeof *k);
	for (size_t i = 0; i < n; i++) {
		k[i].key = keys[i];
		k[i].index = i;
		dup[i] = (size_t)-1;
	}
	if (n > 1) qsort(k, n, sizeof *k, keyed_cmp);
	size_t first = 0;
	for (size_t i = 1; i < n; i++) {
		if (strcmp(k[i].key, k[first].key) != 0) first = i;
		else dup[k[i].index] = k[first].index;
	}
	free(k);
	return dup;
}

static void check_entity_ref(ctx *c, const mr_text *t, const char *where)
{
	if (!t->s || find_entity(c->m, t->s)) return;
	size_t n = c->m->nentities <= SUGGEST_MAX_CANDIDATES ? c->m->nentities : 0;
	const char **names = mr_xcalloc(n + 1, sizeof *names);
	for (size_t i = 0; i < n; i++) names[i] = c->m->entities[i].name.s;
	const char *sug = suggest(c, t->s, names, n);
	if (sug)
		diagp(c, t->pos, "unknown-entity", "%s refers to entity '%s', which this module does not declare (did you mean '%s'?)",
		      where, shown(c, t->s), sug);
	else
		diagp(c, t->pos, "unknown-entity", "%s refers to entity '%s', which this module does not declare in 'entities'",
		      where, shown(c, t->s));
	free(names);
}

/* Resolve a file reference inside the module directory.  Returns the resolved path
 * (heap) or NULL after reporting bad-file-ref. */
static char *resolve_ref(ctx *c, const mr_text *ref, const char *what)
{
	const char *s = ref->s;
	if (!c->dir) return NULL;
	if (s[0] == '/' || strchr(s, '\\')) {
		diagp(c, ref->pos, "bad-file-ref", "%s '%s' must be a relative path inside the module's directory", what,
		      shown(c, s));
		return NULL;
	}
	char *joined = mr_path_join(c->dir, s);
	char *real = realpath(joined, NULL);
	int real_errno = errno;
	char *realdir = realpath(c->dir, NULL);
	char *result = NULL;
	if (!real) {
		if (real_errno == ENOENT || real_errno == ENOTDIR)
			diagp(c, ref->pos, "bad-file-ref", "%s '%s' does not exist", what, shown(c, s));
		else
			diagp(c, ref->pos, "bad-file-ref", "%s '%s' cannot be resolved: %s", what, shown(c, s), strerror(real_errno));
		goto out;
	}
	size_t dl = realdir ? strlen(realdir) : 0;
	/* the directory itself ("." or "") is inside; it fails below as not a regular file */
	if (!realdir || strncmp(real, realdir, dl) != 0 || (real[dl] != '/' && real[dl] != '\0')) {
		diagp(c, ref->pos, "bad-file-ref", "%s '%s' leads out of the module's directory", what, shown(c, s));
		goto out;
	}
	struct stat st;
	if (stat(real, &st) < 0 || !S_ISREG(st.st_mode)) {
		diagp(c, ref->pos, "bad-file-ref", "%s '%s' is not a regular file", what, shown(c, s));
		goto out;
	}
	result = real;
	real = NULL;
out:
	free(joined);
	free(real);
	free(realdir);
	return result;
}

static int field_cmp(const void *pa, const void *pb)
{
	return strcmp(((const mr_field *)pa)->name, ((const mr_field *)pb)->name);
}

static void load_schema_fields(ctx *c, mr_entity *e)
{
	char *path = resolve_ref(c, &e->schema, "schema");
	if (!path) return;
	char *data = NULL;
	size_t len = 0;
	if (mr_read_file(path, MR_MANIFEST_MAX_BYTES, &data, &len) < 0) {
		diagp(c, e->schema.pos, "bad-file-ref", "schema '%s' cannot be read: %s", shown(c, e->schema.s),
		      strerror(errno));
		free(path);
		return;
	}
	json_error_t jerr;
	json_t *js = NULL;
	const char *kind = mr_secret_kind(data, len);
	if (kind) {
		/* the schema's text reaches context.json and the site: it must not carry a credential */
		diagp(c, e->schema.pos, "leaked-secret",
		      "schema '%s' holds a value that looks like a credential (%s); secrets never belong in a registry — remove it and rotate it",
		      shown(c, e->schema.s), kind);
		goto out;
	}
	js = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!js || !json_is_object(js)) {
		diagp(c, e->schema.pos, "bad-file-ref", "schema '%s' is not a JSON Schema object%s%s", shown(c, e->schema.s),
		      js ? "" : ": ", js ? "" : shown(c, jerr.text));
		goto out;
	}
	json_t *props = json_object_get(js, "properties");
	json_t *req = json_object_get(js, "required");
	if (!json_is_object(props)) goto out;
	size_t n = json_object_size(props);
	e->fields = mr_arena_alloc(c->a, (n ? n : 1) * sizeof *e->fields);
	const char *k;
	json_t *v;
	json_object_foreach(props, k, v)
	{
		mr_field *f = &e->fields[e->nfields++];
		f->name = mr_arena_strdup(c->a, k);
		json_t *t = json_is_object(v) ? json_object_get(v, "type") : NULL;
		if (json_is_string(t)) f->type = mr_arena_strdup(c->a, json_string_value(t));
		else if (json_is_array(t)) {
			mr_buf b = MR_BUF_INIT;
			size_t i;
			json_t *x;
			json_array_foreach(t, i, x) if (json_is_string(x)) mr_buf_printf(&b, "%s%s", b.len ? "|" : "", json_string_value(x));
			f->type = mr_arena_strdup(c->a, mr_buf_str(&b));
			mr_buf_release(&b);
		} else if (json_is_object(v) && json_object_get(v, "$ref"))
			f->type = "object";
		json_t *fmt = json_is_object(v) ? json_object_get(v, "format") : NULL;
		if (json_is_string(fmt)) f->format = mr_arena_strdup(c->a, json_string_value(fmt));
		json_t *desc = json_is_object(v) ? json_object_get(v, "description") : NULL;
		if (json_is_string(desc)) f->description = mr_arena_strdup(c->a, json_string_value(desc));
		if (json_is_array(req)) {
			size_t i;
			json_t *x;
			json_array_foreach(req, i, x) if (json_is_string(x) && strcmp(json_string_value(x), k) == 0) f->required = true;
		}
	}
	qsort(e->fields, e->nfields, sizeof *e->fields, field_cmp);
out:
	json_decref(js);
	free(data);
	free(path);
}

static int entity_cmp(const void *pa, const void *pb)
{
	const mr_entity *a = pa, *b = pb;
	return strcmp(a->name.s ? a->name.s : "", b->name.s ? b->name.s : "");
}

static void load_entities(ctx *c, const mr_ynode *root)
{
	mr_manifest *m = c->m;
	mr_ynode *seq = get_seq(c, root, "entities");
	if (!seq) return;
	static const char *const keys[] = {"name", "plural", "description", "schema", NULL};
	m->entities = mr_arena_alloc(c->a, (seq->n ? seq->n : 1) * sizeof *m->entities);
	for (size_t i = 0; i < seq->n; i++) {
		mr_ynode *it = seq->items[i];
		if (!item_is_map(c, it, "entities")) continue;
		check_keys(c, it, keys, "an entity", false);
		mr_entity e = {0};
		e.pos = pos_of(it);
		/* every field is checked even when the name is wrong: one save shows every mistake */
		bool ok = get_text(c, it, "name", &e.name, true, "an entity");
		if (ok && !pascal_ok(e.name.s)) {
			diagp(c, e.name.pos, "bad-value", "entity name '%s' must be a PascalCase identifier (like OrderItem)",
			      shown(c, e.name.s));
			ok = false;
		}
		get_text(c, it, "plural", &e.plural, false, NULL);
		get_text(c, it, "description", &e.description, false, NULL);
		get_text(c, it, "schema", &e.schema, false, NULL);
		if (ok) m->entities[m->nentities++] = e;
	}
	const char **names = mr_xcalloc(m->nentities + 1, sizeof *names);
	for (size_t i = 0; i < m->nentities; i++) names[i] = m->entities[i].name.s;
	size_t *dup = find_duplicates(names, m->nentities);
	size_t w = 0;
	for (size_t i = 0; i < m->nentities; i++) {
		mr_entity *e = &m->entities[i];
		if (dup[i] != (size_t)-1) {
			const mr_entity *prev = &m->entities[dup[i]];
			mr_diag *dg = diagp(c, e->name.pos, "duplicate-entity", "entity '%s' is declared twice", shown(c, e->name.s));
			mr_diag_note(dg, c->file, prev->name.pos.line, prev->name.pos.col, "first declared here");
			continue;
		}
		if (e->schema.s) load_schema_fields(c, e);
		m->entities[w++] = *e;
	}
	m->nentities = w;
	free(dup);
	free(names);
	qsort(m->entities, m->nentities, sizeof *m->entities, entity_cmp);
}

static int route_cmp(const void *pa, const void *pb)
{
	const mr_route *a = pa, *b = pb;
	int r = strcmp(a->full_path, b->full_path);
	if (r) return r;
	return one_of(a->method.s, methods) - one_of(b->method.s, methods);
}

static bool action_declared(const mr_manifest *m, const char *name)
{
	for (size_t i = 0; i < m->nactions; i++)
		if (m->actions[i].name.s && strcmp(m->actions[i].name.s, name) == 0) return true;
	return false;
}

static void load_api(ctx *c, const mr_ynode *root)
{
	mr_manifest *m = c->m;
	mr_ynode *api = get_kind(c, root, "api", MR_Y_MAP, false, NULL);
	if (!api) return;
	static const char *const ak[] = {"basePath", "routes", NULL};
	check_keys(c, api, ak, "api", false);
	if (get_text(c, api, "basePath", &m->base_path, false, NULL)) {
		check_path_text(c, &m->base_path, "api.basePath");
		if (!mr_path_valid(m->base_path.s)) m->base_path.s = NULL;
	}
	mr_ynode *seq = get_seq(c, api, "routes");
	if (!seq) return;
	static const char *const keys[] = {"method", "path", "entity", "operation", "permissions", "handler", "description", NULL};
	m->routes = mr_arena_alloc(c->a, (seq->n ? seq->n : 1) * sizeof *m->routes);
	for (size_t i = 0; i < seq->n; i++) {
		mr_ynode *it = seq->items[i];
		if (!item_is_map(c, it, "api.routes")) continue;
		check_keys(c, it, keys, "a route", false);
		mr_route r = {0};
		r.pos = pos_of(it);
		bool ok = get_text(c, it, "method", &r.method, true, "a route");
		if (ok && one_of(r.method.s, methods) < 0) {
			/* a lower-case method is a common slip: say so */
			char *up = mr_xstrdup(r.method.s);
			for (char *p = up; *p; p++)
				if (*p >= 'a' && *p <= 'z') *p = (char)(*p - 'a' + 'A');
			int k = one_of(up, methods);
			free(up);
			if (k >= 0)
				diagp(c, r.method.pos, "bad-value", "'%s' is not a valid HTTP method: methods are upper case (did you mean '%s'?)",
				      shown(c, r.method.s), methods[k]);
			else
				check_enum(c, &r.method, "HTTP method", methods);
			ok = false;
		}
		if (get_text(c, it, "path", &r.path, true, "a route")) {
			check_path_text(c, &r.path, "route path");
			if (!mr_path_valid(r.path.s)) ok = false;
		} else ok = false;
		if (get_text(c, it, "entity", &r.entity, false, NULL)) check_entity_ref(c, &r.entity, "route");
		if (get_text(c, it, "operation", &r.operation, false, NULL) && one_of(r.operation.s, crud_ops) < 0 &&
		    !action_declared(m, r.operation.s))
			diagp(c, r.operation.pos, "bad-value",
			      "operation '%s' is neither create, read, update, delete, list nor a declared action",
			      shown(c, r.operation.s));
		get_textlist(c, it, "permissions", &r.permissions, perm_ok, "^[a-z0-9-]+:[a-z0-9*-]+$");
		sort_texts(&r.permissions);
		get_text(c, it, "handler", &r.handler, false, NULL);
		get_text(c, it, "description", &r.description, false, NULL);
		if (!ok) continue;
		const char *base = m->base_path.s ? m->base_path.s : "";
		size_t bl = strlen(base);
		while (bl && base[bl - 1] == '/') bl--;
		mr_buf fp = MR_BUF_INIT;
		mr_buf_add(&fp, base, bl);
		mr_buf_puts(&fp, r.path.s);
		r.full_path = mr_arena_strdup(c->a, mr_buf_str(&fp));
		char *norm = mr_path_normalise(r.full_path);
		mr_buf_reset(&fp);
		mr_buf_printf(&fp, "%s %s", r.method.s, norm);
		r.key = mr_arena_strdup(c->a, mr_buf_str(&fp));
		r.key_hash = mr_str_hash(r.key);
		free(norm);
		mr_buf_release(&fp);
		m->routes[m->nroutes++] = r;
	}
	const char **dkeys = mr_xcalloc(m->nroutes + 1, sizeof *dkeys);
	for (size_t i = 0; i < m->nroutes; i++) dkeys[i] = m->routes[i].key;
	size_t *dup = find_duplicates(dkeys, m->nroutes);
	size_t w = 0;
	for (size_t i = 0; i < m->nroutes; i++) {
		const mr_route *r = &m->routes[i];
		if (dup[i] != (size_t)-1) {
			const mr_route *first = &m->routes[dup[i]];
			mr_diag *dg = diagp(c, r->path.pos, "duplicate-route", "route %s %s is declared twice in this module",
			                    r->method.s, shown(c, r->full_path));
			mr_diag_note(dg, c->file, first->path.pos.line, first->path.pos.col, "first declared here");
			continue;
		}
		m->routes[w++] = *r;
	}
	m->nroutes = w;
	free(dup);
	free(dkeys);
	qsort(m->routes, m->nroutes, sizeof *m->routes, route_cmp);
}

static int op_rank(const char *op)
{
	int r = one_of(op, crud_ops);
	return r < 0 ? 100 : r;
}

static int optext_cmp(const void *pa, const void *pb)
{
	const mr_text *a = pa, *b = pb;
	int ra = op_rank(a->s), rb = op_rank(b->s);
	if (ra != rb) return ra - rb;
	return strcmp(a->s, b->s);
}

static int cap_cmp(const void *pa, const void *pb)
{
	const mr_capability *a = pa, *b = pb;
	int r = strcmp(a->type.s, b->type.s);
	if (r) return r;
	r = strcmp(a->entity.s ? a->entity.s : "", b->entity.s ? b->entity.s : "");
	if (r) return r;
	r = strcmp(a->description.s ? a->description.s : "", b->description.s ? b->description.s : "");
	if (r) return r;
	return a->pos.line < b->pos.line ? -1 : a->pos.line > b->pos.line;
}

static void load_capabilities(ctx *c, const mr_ynode *root)
{
	mr_manifest *m = c->m;
	mr_ynode *seq = get_seq(c, root, "capabilities");
	if (!seq) return;
	static const char *const keys[] = {"type", "entity", "operations", "endpoints", "description", NULL};
	m->capabilities = mr_arena_alloc(c->a, (seq->n ? seq->n : 1) * sizeof *m->capabilities);
	for (size_t i = 0; i < seq->n; i++) {
		mr_ynode *it = seq->items[i];
		if (!item_is_map(c, it, "capabilities")) continue;
		check_keys(c, it, keys, "a capability", false);
		mr_capability cp = {0};
		cp.pos = pos_of(it);
		bool ok = get_text(c, it, "type", &cp.type, true, "a capability") && check_enum(c, &cp.type, "capability type", cap_types);
		bool crud = ok && strcmp(cp.type.s, "crud") == 0;
		if (get_text(c, it, "entity", &cp.entity, crud, "a crud capability")) check_entity_ref(c, &cp.entity, "capability");
		else if (crud) ok = false;
		mr_ynode *ops = require(c, it, "operations", "a capability");
		if (!ops) ok = false;
		else if (ops->kind == MR_Y_NULL) {
			/* get_textlist takes null for absent; here the list is required */
			diagn(c, ops, "wrong-type", "'operations' must be a list, found null");
			ok = false;
		} else if (ops->kind != MR_Y_SEQ) ok = false;
		get_textlist(c, it, "operations", &cp.operations, NULL, NULL);
		if (crud)
			for (size_t j = 0; j < cp.operations.n; j++)
				if (one_of(cp.operations.v[j].s, crud_ops) < 0)
					check_enum(c, &cp.operations.v[j], "crud operation", crud_ops);
		if (cp.operations.n > 1) qsort(cp.operations.v, cp.operations.n, sizeof *cp.operations.v, optext_cmp);
		get_textlist(c, it, "endpoints", &cp.endpoints, NULL, NULL);
		for (size_t j = 0; j < cp.endpoints.n; j++) check_path_text(c, &cp.endpoints.v[j], "endpoint");
		sort_texts(&cp.endpoints);
		get_text(c, it, "description", &cp.description, false, NULL);
		if (ok) m->capabilities[m->ncapabilities++] = cp;
	}
	qsort(m->capabilities, m->ncapabilities, sizeof *m->capabilities, cap_cmp);
}

static int action_cmp(const void *pa, const void *pb)
{
	return strcmp(((const mr_action *)pa)->name.s, ((const mr_action *)pb)->name.s);
}

static void load_actions(ctx *c, const mr_ynode *root)
{
	mr_manifest *m = c->m;
	mr_ynode *seq = get_seq(c, root, "actions");
	if (!seq) return;
	static const char *const keys[] = {"name", "description", "permissions", NULL};
	m->actions = mr_arena_alloc(c->a, (seq->n ? seq->n : 1) * sizeof *m->actions);
	for (size_t i = 0; i < seq->n; i++) {
		mr_ynode *it = seq->items[i];
		if (!item_is_map(c, it, "actions")) continue;
		check_keys(c, it, keys, "an action", false);
		mr_action a = {0};
		a.pos = pos_of(it);
		bool ok = get_text(c, it, "name", &a.name, true, "an action");
		get_text(c, it, "description", &a.description, false, NULL);
		get_textlist(c, it, "permissions", &a.permissions, perm_ok, "^[a-z0-9-]+:[a-z0-9*-]+$");
		sort_texts(&a.permissions);
		if (ok) m->actions[m->nactions++] = a;
	}
	qsort(m->actions, m->nactions, sizeof *m->actions, action_cmp);
}

static int job_cmp(const void *pa, const void *pb)
{
	return strcmp(((const mr_job *)pa)->name.s, ((const mr_job *)pb)->name.s);
}

static void load_jobs(ctx *c, const mr_ynode *root)
{
	mr_manifest *m = c->m;
	mr_ynode *seq = get_seq(c, root, "jobs");
	if (!seq) return;
	static const char *const keys[] = {"name", "schedule", "timeout", "retries", "description", NULL};
	m->jobs = mr_arena_alloc(c->a, (seq->n ? seq->n : 1) * sizeof *m->jobs);
	for (size_t i = 0; i < seq->n; i++) {
		mr_ynode *it = seq->items[i];
		if (!item_is_map(c, it, "jobs")) continue;
		check_keys(c, it, keys, "a job", false);
		mr_job j = {0};
		j.pos = pos_of(it);
		j.timeout = j.retries = -1;
		bool ok = get_text(c, it, "name", &j.name, true, "a job");
		if (get_text(c, it, "schedule", &j.schedule, true, "a job")) {
			mr_buf why = MR_BUF_INIT;
			if (mr_cron_check(j.schedule.s, &why) < 0)
				diagp(c, j.schedule.pos, "bad-value", "schedule '%s' is not a five-field cron expression: %s",
				      shown(c, j.schedule.s), mr_buf_str(&why));
			mr_buf_release(&why);
		}
		if (get_int(c, it, "timeout", &j.timeout) && j.timeout < 0) {
			diagn(c, mr_ymap_get(it, "timeout"), "bad-value", "timeout must not be negative");
			j.timeout = -1;
		}
		if (get_int(c, it, "retries", &j.retries) && j.retries < 0) {
			diagn(c, mr_ymap_get(it, "retries"), "bad-value", "retries must not be negative");
			j.retries = -1;
		}
		get_text(c, it, "description", &j.description, false, NULL);
		if (ok) m->jobs[m->njobs++] = j;
	}
	qsort(m->jobs, m->njobs, sizeof *m->jobs, job_cmp);
}

static bool event_name_ok(const char *s)
{
	if (!*s) return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= ' ') return false;
	return true;
}

static int event_cmp(const void *pa, const void *pb)
{
	return strcmp(((const mr_event *)pa)->name.s, ((const mr_event *)pb)->name.s);
}

static void load_events(ctx *c, const mr_ynode *root)
{
	mr_manifest *m = c->m;
	mr_ynode *ev = get_kind(c, root, "events", MR_Y_MAP, false, NULL);
	if (!ev) return;
	static const char *const ek[] = {"publishes", "subscribes", NULL};
	check_keys(c, ev, ek, "events", false);
	mr_ynode *seq = get_seq(c, ev, "publishes");
	if (seq) {
		static const char *const keys[] = {"name", "entity", "description", NULL};
		m->publishes = mr_arena_alloc(c->a, (seq->n ? seq->n : 1) * sizeof *m->publishes);
		for (size_t i = 0; i < seq->n; i++) {
			mr_ynode *it = seq->items[i];
			if (!item_is_map(c, it, "events.publishes")) continue;
			check_keys(c, it, keys, "a published event", false);
			mr_event e = {0};
			e.pos = pos_of(it);
			bool ok = get_text(c, it, "name", &e.name, true, "a published event");
			if (ok && !event_name_ok(e.name.s)) {
				diagp(c, e.name.pos, "bad-value", "event name '%s' must not be empty or hold whitespace", shown(c, e.name.s));
				ok = false;
			}
			if (get_text(c, it, "entity", &e.entity, false, NULL)) check_entity_ref(c, &e.entity, "event");
			get_text(c, it, "description", &e.description, false, NULL);
			if (ok) m->publishes[m->npublishes++] = e;
		}
		qsort(m->publishes, m->npublishes, sizeof *m->publishes, event_cmp);
	}
	get_textlist(c, ev, "subscribes", &m->subscribes, event_name_ok, "an event name without whitespace");
	sort_texts(&m->subscribes);
}

static int page_cmp(const void *pa, const void *pb)
{
	return strcmp(((const mr_uipage *)pa)->path.s, ((const mr_uipage *)pb)->path.s);
}

static int nav_cmp(const void *pa, const void *pb)
{
	const mr_navitem *a = pa, *b = pb;
	if (a->order != b->order) return a->order < b->order ? -1 : 1;
	int r = strcmp(a->label.s ? a->label.s : "", b->label.s ? b->label.s : "");
	if (r) return r;
	return strcmp(a->path.s ? a->path.s : "", b->path.s ? b->path.s : "");
}

static void load_ui(ctx *c, const mr_ynode *root)
{
	mr_manifest *m = c->m;
	mr_ynode *ui = get_kind(c, root, "ui", MR_Y_MAP, false, NULL);
	if (!ui) return;
	static const char *const uk[] = {"pages", "navigation", NULL};
	check_keys(c, ui, uk, "ui", false);
	mr_ynode *seq = get_seq(c, ui, "pages");
	if (seq) {
		static const char *const keys[] = {"path", "title", "icon", "permissions", "description", NULL};
		m->pages = mr_arena_alloc(c->a, (seq->n ? seq->n : 1) * sizeof *m->pages);
		for (size_t i = 0; i < seq->n; i++) {
			mr_ynode *it = seq->items[i];
			if (!item_is_map(c, it, "ui.pages")) continue;
			check_keys(c, it, keys, "a UI page", false);
			mr_uipage p = {0};
			p.pos = pos_of(it);
			bool ok = get_text(c, it, "path", &p.path, true, "a UI page");
			if (ok) check_path_text(c, &p.path, "UI page path");
			get_text(c, it, "title", &p.title, false, NULL);
			get_text(c, it, "icon", &p.icon, false, NULL);
			get_text(c, it, "description", &p.description, false, NULL);
			get_textlist(c, it, "permissions", &p.permissions, perm_ok, "^[a-z0-9-]+:[a-z0-9*-]+$");
			sort_texts(&p.permissions);
			if (ok && mr_path_valid(p.path.s)) m->pages[m->npages++] = p;
		}
		qsort(m->pages, m->npages, sizeof *m->pages, page_cmp);
	}
	seq = get_seq(c, ui, "navigation");
	if (seq) {
		static const char *const keys[] = {"label", "path", "icon", "order", NULL};
		m->navigation = mr_arena_alloc(c->a, (seq->n ? seq->n : 1) * sizeof *m->navigation);
		for (size_t i = 0; i < seq->n; i++) {
			mr_ynode *it = seq->items[i];
			if (!item_is_map(c, it, "ui.navigation")) continue;
			check_keys(c, it, keys, "a navigation item", false);
			mr_navitem nv = {0};
			nv.pos = pos_of(it);
			nv.order = -1;
			get_text(c, it, "label", &nv.label, false, NULL);
			if (get_text(c, it, "path", &nv.path, false, NULL)) check_path_text(c, &nv.path, "navigation path");
			get_text(c, it, "icon", &nv.icon, false, NULL);
			get_int(c, it, "order", &nv.order);
			m->navigation[m->nnavigation++] = nv;
		}
		qsort(m->navigation, m->nnavigation, sizeof *m->navigation, nav_cmp);
	}
}

const char *mr_reltype_name(mr_reltype t)
{
	return rel_types[t];
}

/* by type name, then target: the order of context.json's relationships list */
static int rel_cmp(const void *pa, const void *pb)
{
	const mr_relation *a = pa, *b = pb;
	int r = strcmp(a->type.s, b->type.s);
	return r ? r : strcmp(a->target.s, b->target.s);
}

static void load_relationships(ctx *c, const mr_ynode *root)
{
	mr_manifest *m = c->m;
	mr_ynode *seq = get_seq(c, root, "relationships");
	if (!seq) return;
	static const char *const keys[] = {"target", "type", "version", "description", "entities", "config", NULL};
	m->relations = mr_arena_alloc(c->a, (seq->n ? seq->n : 1) * sizeof *m->relations);
	for (size_t i = 0; i < seq->n; i++) {
		mr_ynode *it = seq->items[i];
		if (!item_is_map(c, it, "relationships")) continue;
		check_keys(c, it, keys, "a relationship", false);
		mr_relation r = {0};
		r.pos = pos_of(it);
		bool ok = get_text(c, it, "target", &r.target, true, "a relationship");
		if (ok && !mr_id_valid(r.target.s)) {
			diagp(c, r.target.pos, "bad-value", "target '%s' is not a valid module id", shown(c, r.target.s));
			ok = false;
		}
		if (get_text(c, it, "type", &r.type, true, "a relationship") &&
		    check_enum(c, &r.type, "relationship type", rel_types))
			r.rtype = (mr_reltype)one_of(r.type.s, rel_types);
		else ok = false;
		if (get_text(c, it, "version", &r.version, false, NULL)) {
			if (ok && r.rtype != MR_REL_DEPENDENCY)
				diagp(c, r.version.pos, "bad-value", "'version' applies only to relationships of type dependency");
			else if (ok) {
				r.range = mr_range_parse(r.version.s, strlen(r.version.s));
				if (!r.range) {
					diagp(c, r.version.pos, "bad-range", "'%s' is not a valid version range", shown(c, r.version.s));
					ok = false;
				}
				r.range_text = r.version.s;
			}
		} else if (ok && r.rtype == MR_REL_DEPENDENCY) {
			r.range = mr_range_parse("*", 1);
			r.range_text = "*";
		}
		get_text(c, it, "description", &r.description, false, NULL);
		get_textlist(c, it, "entities", &r.entities, NULL, NULL);
		sort_texts(&r.entities);
		mr_ynode *cfg = mr_ymap_get(it, "config");
		if (cfg && cfg->kind != MR_Y_NULL) {
			if (cfg->kind != MR_Y_MAP) diagn(c, cfg, "wrong-type", "'config' must be a mapping, found %s", kind_desc(cfg));
			else r.config = cfg;
		}
		if (ok && strcmp(r.target.s, m->id) == 0) {
			diagp(c, r.target.pos, "self-relationship", "module '%s' cannot have a relationship to itself", shown(c, m->id));
			ok = false;
		}
		if (ok) m->relations[m->nrelations++] = r;
		else mr_range_free(r.range);
	}
	/* the same type and target twice; the type's name and a valid id cannot hold a space */
	const char **dkeys = mr_xcalloc(m->nrelations + 1, sizeof *dkeys);
	mr_buf kb = MR_BUF_INIT;
	for (size_t i = 0; i < m->nrelations; i++) {
		mr_buf_reset(&kb);
		mr_buf_printf(&kb, "%s %s", rel_types[m->relations[i].rtype], m->relations[i].target.s);
		dkeys[i] = mr_arena_strdup(c->a, mr_buf_str(&kb));
	}
	mr_buf_release(&kb);
	size_t *dup = find_duplicates(dkeys, m->nrelations);
	size_t w = 0;
	for (size_t i = 0; i < m->nrelations; i++) {
		mr_relation *r = &m->relations[i];
		if (dup[i] != (size_t)-1) {
			const mr_relation *first = &m->relations[dup[i]];
			mr_diag *dg = diagp(c, r->target.pos, "duplicate-relationship", "%s relationship to '%s' is declared twice",
			                    rel_types[r->rtype], r->target.s);
			mr_diag_note(dg, c->file, first->target.pos.line, first->target.pos.col, "first declared here");
			mr_range_free(r->range);
			continue;
		}
		m->relations[w++] = *r;
	}
	m->nrelations = w;
	free(dup);
	free(dkeys);
	qsort(m->relations, m->nrelations, sizeof *m->relations, rel_cmp);
}

/* does a scalar node have the config field's type? */
static bool value_has_type(const mr_ynode *v, const char *type)
{
	if (!is_scalar(v) || v->kind == MR_Y_NULL) return false;
	/* a string field's default is a string: `default: 6` would reach context.json as the
	 * number 6; an enum's values are compared as text, so any scalar may name one */
	if (!strcmp(type, "string") || !strcmp(type, "password")) return v->kind == MR_Y_STR;
	if (!strcmp(type, "enum")) return true;
	if (!strcmp(type, "url")) return http_url_ok(v->str);
	if (!strcmp(type, "integer")) return v->kind == MR_Y_INT && plain_decimal(v);
	if (!strcmp(type, "number")) return (v->kind == MR_Y_INT || v->kind == MR_Y_FLOAT) && plain_decimal(v);
	if (!strcmp(type, "boolean")) return v->kind == MR_Y_BOOL;
	return false;
}

static double num_of(const mr_ynode *v)
{
	return v->kind == MR_Y_INT ? (double)v->v.i : v->v.f;
}

static int config_cmp(const void *pa, const void *pb)
{
	return strcmp(((const mr_configfield *)pa)->key.s, ((const mr_configfield *)pb)->key.s);
}

static void load_config(ctx *c, const mr_ynode *root)
{
	mr_manifest *m = c->m;
	mr_ynode *map = get_kind(c, root, "config", MR_Y_MAP, false, NULL);
	if (!map) return;
	static const char *const keys[] = {"type", "label", "description", "required", "default", "min", "max", "values", "sensitive", NULL};
	m->config = mr_arena_alloc(c->a, (map->n ? map->n : 1) * sizeof *m->config);
	for (size_t i = 0; i < map->n; i++) {
		const char *k = name_key(c, map, i, "config");
		mr_ynode *kn = map->items[2 * i], *it = map->items[2 * i + 1];
		if (!k) continue;
		mr_configfield f = {0};
		f.key.s = k;
		f.key.pos = pos_of(kn);
		f.pos = pos_of(it);
		/* a bad key name does not hide the field's other problems: ok is whether to
		 * keep the field, checks below need only a valid type */
		bool key_ok = true, ok = true;
		if (!lower_camel_ok(k)) {
			diagn(c, kn, "bad-config", "config key '%s' must be a lowerCamelCase identifier (like syncInterval)", shown(c, k));
			key_ok = false;
		}
		const char *ks = shown(c, k); /* k as shown in messages */
		if (it->kind != MR_Y_MAP) {
			diagn(c, it, "wrong-type", "config.%s must be a mapping with at least 'type', found %s", ks, kind_desc(it));
			continue;
		}
		check_keys(c, it, keys, "a config field", false);
		if (get_text(c, it, "type", &f.type, true, "a config field")) {
			if (one_of(f.type.s, config_types) < 0) {
				mr_buf b = MR_BUF_INIT;
				join_list(&b, config_types);
				diagp(c, f.type.pos, "bad-config", "config.%s: type '%s' is not one of: %s", ks, shown(c, f.type.s), mr_buf_str(&b));
				mr_buf_release(&b);
				ok = false;
			}
		} else ok = false;
		get_text(c, it, "label", &f.label, false, NULL);
		get_text(c, it, "description", &f.description, false, NULL);
		get_bool(c, it, "required", &f.required);
		get_bool(c, it, "sensitive", &f.sensitive);
		if (ok && !strcmp(f.type.s, "password")) f.sensitive = true;
		mr_ynode *vals = mr_ymap_get(it, "values");
		if (vals && vals->kind != MR_Y_NULL) {
			if (vals->kind != MR_Y_SEQ) diagn(c, vals, "wrong-type", "config.%s.values must be a list, found %s", ks, kind_desc(vals));
			else get_textlist(c, it, "values", &f.values, NULL, NULL);
		}
		f.def = mr_ymap_get(it, "default");
		if (f.def && f.def->kind == MR_Y_NULL) f.def = NULL;
		f.min = mr_ymap_get(it, "min");
		f.max = mr_ymap_get(it, "max");
		if (f.min && f.min->kind == MR_Y_NULL) f.min = NULL;
		if (f.max && f.max->kind == MR_Y_NULL) f.max = NULL;
		if (ok) {
			const char *t = f.type.s;
			bool numeric = !strcmp(t, "integer") || !strcmp(t, "number");
			if (!strcmp(t, "enum") && f.values.n == 0) {
				diagn(c, vals ? vals : it, "bad-config", "config.%s is an enum and needs a non-empty 'values' list", ks);
				ok = false;
			}
			if (f.values.n && strcmp(t, "enum") != 0) {
				diagn(c, vals, "bad-config", "config.%s: 'values' applies only to type enum", ks);
				ok = false;
			}
			if ((f.min || f.max) && !numeric) {
				diagn(c, f.min ? f.min : f.max, "bad-config", "config.%s: 'min' and 'max' apply only to integer and number", ks);
				ok = false;
			}
			if (numeric) {
				if (f.min && !value_has_type(f.min, t)) {
					diagn(c, f.min, "bad-config", "config.%s: min must be a plain decimal %s", ks, t);
					ok = false;
					f.min = NULL;
				}
				if (f.max && !value_has_type(f.max, t)) {
					diagn(c, f.max, "bad-config", "config.%s: max must be a plain decimal %s", ks, t);
					ok = false;
					f.max = NULL;
				}
				if (f.min && f.max && num_of(f.min) > num_of(f.max)) {
					diagn(c, f.min, "bad-config", "config.%s: min %s is greater than max %s", ks, f.min->str, f.max->str);
					ok = false;
				}
			}
			if (f.def && f.sensitive) {
				diagn(c, f.def, "sensitive-default",
				      "config.%s is a secret (%s) and must not have a default: secrets never belong in a manifest", ks,
				      !strcmp(t, "password") ? "type password" : "sensitive: true");
				ok = false;
			} else if (f.def) {
				if (!value_has_type(f.def, t)) {
					diagn(c, f.def, "bad-config", "config.%s: default must be %s", ks,
					      !strcmp(t, "integer")   ? "a plain decimal integer"
					      : !strcmp(t, "number")  ? "a plain decimal number"
					      : !strcmp(t, "boolean") ? "true or false"
					      : !strcmp(t, "url")     ? "an http or https URL"
					                              : "a string (quote it: \"6\")");
					ok = false;
				} else if (numeric && ((f.min && num_of(f.def) < num_of(f.min)) || (f.max && num_of(f.def) > num_of(f.max)))) {
					diagn(c, f.def, "bad-config", "config.%s: default %s lies outside min/max", ks, f.def->str);
					ok = false;
				} else if (!strcmp(t, "enum")) {
					bool found = false;
					for (size_t j = 0; j < f.values.n && !found; j++) found = !strcmp(f.values.v[j].s, f.def->str);
					if (!found && f.values.n) {
						diagn(c, f.def, "bad-config", "config.%s: default '%s' is not one of its values", ks, shown(c, f.def->str));
						ok = false;
					}
				}
			}
			if (!f.sensitive && mr_secret_key_name(k))
				diagp(c, f.key.pos, "unmarked-secret",
				      "config key '%s' looks like a secret but is neither type password nor sensitive: true", ks);
		}
		if (ok && key_ok) m->config[m->nconfig++] = f;
	}
	qsort(m->config, m->nconfig, sizeof *m->config, config_cmp);
}

static int kv_cmp(const void *pa, const void *pb)
{
	return strcmp(((const mr_kv *)pa)->key.s, ((const mr_kv *)pb)->key.s);
}

static void load_ranges(ctx *c, const mr_ynode *req, const char *key, mr_kvlist *out)
{
	mr_ynode *map = get_kind(c, req, key, MR_Y_MAP, false, NULL);
	if (!map) return;
	out->v = mr_arena_alloc(c->a, (map->n ? map->n : 1) * sizeof *out->v);
	for (size_t i = 0; i < map->n; i++) {
		const char *k = name_key(c, map, i, key);
		mr_ynode *v = map->items[2 * i + 1];
		if (!k) continue;
		if (!is_scalar(v) || v->kind == MR_Y_NULL) {
			diagn(c, v, "wrong-type", "requires.%s.%s must be a version range string, found %s", key, shown(c, k), kind_desc(v));
			continue;
		}
		mr_range *r = mr_range_parse(v->str, v->len);
		if (!r) {
			diagn(c, v, "bad-range", "requires.%s.%s: '%s' is not a valid version range", key, shown(c, k), shown(c, v->str));
			continue;
		}
		mr_range_free(r);
		mr_kv *kv = &out->v[out->n++];
		kv->key.s = k;
		kv->key.pos = pos_of(map->items[2 * i]);
		kv->value.s = v->str;
		kv->value.pos = pos_of(v);
	}
	qsort(out->v, out->n, sizeof *out->v, kv_cmp);
}

static void load_requires(ctx *c, const mr_ynode *root)
{
	mr_ynode *req = get_kind(c, root, "requires", MR_Y_MAP, false, NULL);
	if (!req) return;
	static const char *const keys[] = {"packages", "system", NULL};
	check_keys(c, req, keys, "requires", false);
	load_ranges(c, req, "packages", &c->m->req_packages);
	load_ranges(c, req, "system", &c->m->req_system);
}

static int provider_cmp(const void *pa, const void *pb)
{
	return strcmp(((const mr_provider *)pa)->name.s, ((const mr_provider *)pb)->name.s);
}

static void load_ai(ctx *c, const mr_ynode *root)
{
	mr_manifest *m = c->m;
	mr_ynode *ai = get_kind(c, root, "ai", MR_Y_MAP, false, NULL);
	if (!ai) return;
	static const char *const keys[] = {"purpose", "category", "keywords", "patterns", "concepts", "contextProviders", NULL};
	check_keys(c, ai, keys, "ai", false);
	get_text(c, ai, "purpose", &m->ai_purpose, false, NULL);
	get_text(c, ai, "category", &m->ai_category, false, NULL);
	get_textlist(c, ai, "keywords", &m->ai_keywords, NULL, NULL);
	sort_texts(&m->ai_keywords);
	get_textlist(c, ai, "patterns", &m->ai_patterns, NULL, NULL);
	get_textlist(c, ai, "concepts", &m->ai_concepts, NULL, NULL);
	sort_texts(&m->ai_concepts);
	mr_ynode *seq = get_seq(c, ai, "contextProviders");
	if (!seq) return;
	static const char *const pk[] = {"name", "endpoint", "cacheSeconds", "description", NULL};
	m->providers = mr_arena_alloc(c->a, (seq->n ? seq->n : 1) * sizeof *m->providers);
	for (size_t i = 0; i < seq->n; i++) {
		mr_ynode *it = seq->items[i];
		if (!item_is_map(c, it, "ai.contextProviders")) continue;
		check_keys(c, it, pk, "a context provider", false);
		mr_provider p = {0};
		p.pos = pos_of(it);
		p.cache_seconds = -1;
		bool ok = get_text(c, it, "name", &p.name, true, "a context provider");
		if (get_text(c, it, "endpoint", &p.endpoint, true, "a context provider")) check_path_text(c, &p.endpoint, "endpoint");
		else ok = false;
		if (get_int(c, it, "cacheSeconds", &p.cache_seconds) && p.cache_seconds < 0) {
			diagn(c, mr_ymap_get(it, "cacheSeconds"), "bad-value", "cacheSeconds must not be negative");
			p.cache_seconds = -1;
		}
		get_text(c, it, "description", &p.description, false, NULL);
		if (ok) m->providers[m->nproviders++] = p;
	}
	qsort(m->providers, m->nproviders, sizeof *m->providers, provider_cmp);
}

static void load_health(ctx *c, const mr_ynode *root)
{
	mr_manifest *m = c->m;
	mr_ynode *h = get_kind(c, root, "health", MR_Y_MAP, false, NULL);
	if (!h) return;
	static const char *const keys[] = {"maxErrorRate", "maxResponseMs", "staleAfter", NULL};
	check_keys(c, h, keys, "health", false);
	mr_ynode *v = mr_ymap_get(h, "maxErrorRate");
	double d;
	if (v && v->kind != MR_Y_NULL && check_number(c, v, "maxErrorRate", &d)) {
		if (d < 0 || d > 1) diagn(c, v, "bad-value", "maxErrorRate must lie between 0 and 1 (a fraction of requests)");
		else m->max_error_rate = d;
	}
	v = mr_ymap_get(h, "maxResponseMs");
	if (v && v->kind != MR_Y_NULL && check_number(c, v, "maxResponseMs", &d)) {
		if (d <= 0) diagn(c, v, "bad-value", "maxResponseMs must be greater than 0");
		else m->max_response_ms = d;
	}
	if (get_text(c, h, "staleAfter", &m->stale_after_text, false, NULL)) {
		long long s = duration_seconds(m->stale_after_text.s);
		if (s <= 0) {
			diagp(c, m->stale_after_text.pos, "bad-value", "staleAfter '%s' must be a duration like 90s, 30m, 24h or 7d",
			      shown(c, m->stale_after_text.s));
			m->stale_after_text.s = NULL;
		} else m->stale_after = s;
	}
}

/* Every string value in the manifest is checked for credentials; the message names
 * the key, never the value.  The key path is kept as a chain of frames on the stack
 * and written out only when something is found. */
typedef struct path_frame {
	const struct path_frame *up;
	const char *key; /* NULL: a list item */
	size_t index;
} path_frame;

static void path_text(const path_frame *f, mr_buf *out)
{
	if (!f) return;
	path_text(f->up, out);
	if (f->key) mr_buf_printf(out, "%s%s", out->len ? "." : "", f->key);
	else mr_buf_printf(out, "[%zu]", f->index);
}

static const char *path_shown(ctx *c, const path_frame *f)
{
	if (!f) return "(document)";
	mr_buf b = MR_BUF_INIT;
	path_text(f, &b);
	const char *r = shown(c, mr_buf_str(&b));
	mr_buf_release(&b);
	return r;
}

static void scan_secrets(ctx *c, const mr_ynode *n, const path_frame *up, unsigned depth)
{
	if (depth > MR_YAML_MAX_DEPTH) return;
	if (is_scalar(n)) {
		if (n->kind != MR_Y_STR) return;
		const char *kind = mr_secret_kind(n->str, n->len);
		if (kind)
			diagn(c, n, "leaked-secret",
			      "the value of '%s' looks like a credential (%s); secrets never belong in a manifest — remove it and rotate it",
			      path_shown(c, up), kind);
		return;
	}
	path_frame f = {up, NULL, 0};
	if (n->kind == MR_Y_SEQ) {
		for (size_t i = 0; i < n->n; i++) {
			f.index = i;
			scan_secrets(c, n->items[i], &f, depth + 1);
		}
		return;
	}
	for (size_t i = 0; i < n->n; i++) {
		const char *k = key_str(n, i);
		const char *kkind = k ? mr_secret_kind(k, strlen(k)) : NULL;
		if (kkind) {
			/* a credential used as a key: name the place, never the key */
			diagn(c, n->items[2 * i], "leaked-secret",
			      "a key in '%s' looks like a credential (%s); secrets never belong in a manifest — remove it and rotate it",
			      path_shown(c, up), kkind);
			k = "(key withheld)";
		}
		f.key = k ? k : "?";
		scan_secrets(c, n->items[2 * i + 1], &f, depth + 1);
	}
}

/* ---------------------------------------------------------------- entry points */

/* The model keeps the manifest's texts but only a few of its subtrees (free-form values):
 * copy those out of the tree and free the tree, most of a loaded manifest's memory. */
static void keep_subtrees(mr_manifest *m)
{
	mr_arena *a = m->doc.arena;
	for (size_t i = 0; i < m->nrelations; i++) m->relations[i].config = mr_ynode_copy(a, m->relations[i].config);
	for (size_t i = 0; i < m->nconfig; i++) {
		m->config[i].def = mr_ynode_copy(a, m->config[i].def);
		m->config[i].min = mr_ynode_copy(a, m->config[i].min);
		m->config[i].max = mr_ynode_copy(a, m->config[i].max);
	}
	for (size_t i = 0; i < m->nextensions; i++) m->extensions[i].value = mr_ynode_copy(a, m->extensions[i].value);
	mr_ydoc_drop_nodes(&m->doc);
}

mr_manifest *mr_manifest_load(const char *data, size_t len, const char *module_dir, const char *id,
                              const char *file, mr_diags *d)
{
	mr_manifest *m = mr_xcalloc(1, sizeof *m);
	size_t before = d->len;
	if (mr_yaml_load(data, len, file, id, d, &m->doc) < 0) {
		mr_ydoc_release(&m->doc);
		free(m);
		return NULL;
	}
	ctx c = {m, d, file, module_dir, m->doc.arena, SUGGEST_BUDGET};
	m->id = mr_arena_strdup(c.a, id);
	m->file = mr_arena_strdup(c.a, file);
	m->max_error_rate = 0.05;
	m->max_response_ms = 1000;
	m->stale_after = 86400;
	/* duplicate keys found by the loader are this manifest's errors */
	for (size_t i = before; i < d->len; i++) {
		if (d->items[i].severity == MR_ERROR) m->errors++;
		else m->warnings++;
	}
	const mr_ynode *root = m->doc.root;
	if (root->kind != MR_Y_MAP) {
		diagn(&c, root, "not-a-mapping", "a manifest is a YAML mapping of keys to values, found %s", kind_desc(root));
		mr_ydoc_drop_nodes(&m->doc);
		return m;
	}
	load_top(&c, root);
	load_entities(&c, root);
	load_actions(&c, root); /* before api: routes may name actions */
	load_api(&c, root);
	load_capabilities(&c, root);
	load_jobs(&c, root);
	load_events(&c, root);
	load_ui(&c, root);
	load_relationships(&c, root);
	load_config(&c, root);
	load_requires(&c, root);
	load_ai(&c, root);
	load_health(&c, root);
	scan_secrets(&c, root, NULL, 0);
	keep_subtrees(m);
	return m;
}

void mr_manifest_free(mr_manifest *m)
{
	if (!m) return;
	for (size_t i = 0; i < m->nrelations; i++) mr_range_free(m->relations[i].range);
	if (m->has_semver) mr_semver_release(&m->semver);
	mr_ydoc_release(&m->doc);
	free(m);
}
