/* mustache.c — compiles Mustache text into a flat node list and renders it
 * against jansson values.  Standalone-line rules are settled at compile time,
 * so rendering is a plain walk; partials are compiled once per indentation
 * and kept in a cache (per render, or for the life of a template set).
 */
#include "mustache.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Template files larger than this are refused rather than read. */
#define MAX_TEMPLATE_FILE ((size_t)16 << 20)

enum kind { N_TEXT, N_VAR, N_RAW, N_SECTION, N_INVERTED, N_PARTIAL };

struct node {
	enum kind kind;
	unsigned line;      /* line of the tag, for messages */
	const char *text;   /* N_TEXT: the bytes (not NUL-terminated); else the tag's name */
	size_t len;         /* N_TEXT: byte count */
	const char **path;  /* name split at '.'; NULL for the implicit iterator "." */
	size_t npath;
	const char *indent; /* N_PARTIAL: whitespace before a standalone tag, else "" */
	size_t end;         /* N_SECTION, N_INVERTED: index of the first node past the body */
};

struct mr_template {
	mr_arena *arena;    /* source copy, names, paths */
	struct node *nodes;
	size_t n, cap;
};

static void set_error(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void set_error(char **err, const char *fmt, ...)
{
	if (!err) return;
	mr_buf b = MR_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	mr_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	*err = mr_buf_detach(&b);
}

/* ---- compiling ---- */

struct parser {
	const char *src;   /* the template's own copy of the text */
	size_t len;
	mr_template *t;
	const char *otag, *ctag;      /* current delimiters */
	const char *ctag_brace;       /* "}" + ctag, closes {{{ */
	const char *ctag_eq;          /* "=" + ctag, closes {{= */
	size_t counted;               /* newlines are counted up to here */
	unsigned line;                /* line number at `counted` */
	size_t line_start;            /* offset of the line holding `counted` */
	size_t *open;                 /* node indexes of open sections */
	size_t nopen, open_cap;
	char **err;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void count_lines_to(struct parser *p, size_t pos)
{
	for (; p->counted < pos; p->counted++) {
		if (p->src[p->counted] == '\n') {
			p->line++;
			p->line_start = p->counted + 1;
		}
	}
}

static void set_delimiters(struct parser *p, const char *o, size_t olen, const char *c, size_t clen)
{
	mr_arena *a = p->t->arena;
	char *brace = mr_arena_alloc(a, clen + 2), *eq = mr_arena_alloc(a, clen + 2);
	p->otag = mr_arena_strndup(a, o, olen);
	p->ctag = mr_arena_strndup(a, c, clen);
	brace[0] = '}';
	eq[0] = '=';
	memcpy(brace + 1, c, clen);
	memcpy(eq + 1, c, clen);
	p->ctag_brace = brace;
	p->ctag_eq = eq;
}

static struct node *add_node(mr_template *t, enum kind kind, unsigned line)
{
	MR_GROW(t->nodes, t->cap, t->n + 1);
	struct node *n = &t->nodes[t->n++];
	memset(n, 0, sizeof *n);
	n->kind = kind;
	n->line = line;
	n->indent = "";
	return n;
}

static void trim(const char **s, size_t *n)
{
	while (*n && is_space(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && is_space((*s)[*n - 1])) (*n)--;
}

/* Stores the trimmed name s[0..n) in node and splits it at dots. */
static int set_name(struct parser *p, struct node *node, const char *s, size_t n)
{
	mr_arena *a = p->t->arena;
	trim(&s, &n);
	if (n == 0) {
		set_error(p->err, "line %u: empty tag name", node->line);
		return -1;
	}
	node->text = mr_arena_strndup(a, s, n);
	if (node->kind == N_PARTIAL || (n == 1 && s[0] == '.')) return 0;

	size_t parts = 1;
	for (size_t i = 0; i < n; i++) parts += s[i] == '.';
	node->path = mr_arena_alloc(a, parts * sizeof *node->path);
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.') continue;
		if (i == start) {
			set_error(p->err, "line %u: invalid name '%s'", node->line, node->text);
			return -1;
		}
		node->path[node->npath++] = mr_arena_strndup(a, s + start, i - start);
		start = i + 1;
	}
	return 0;
}

/* {{=<% %>=}}: body is the text between the two '='. */
static int parse_delimiters(struct parser *p, const char *s, size_t n, unsigned line)
{
	trim(&s, &n);
	size_t olen = 0;
	while (olen < n && !is_space(s[olen])) olen++;
	const char *c = s + olen;
	size_t clen = n - olen;
	trim(&c, &clen);
	bool ok = olen > 0 && clen > 0 && !memchr(s, '=', olen) && !memchr(c, '=', clen);
	for (size_t i = 0; ok && i < clen; i++) ok = !is_space(c[i]);
	if (!ok) {
		set_error(p->err, "line %u: invalid set-delimiter tag", line);
		return -1;
	}
	set_delimiters(p, s, olen, c, clen);
	return 0;
}

static void add_text(mr_template *t, const char *src, size_t from, size_t to, unsigned line)
{
	if (to <= from) return;
	struct node *n = add_node(t, N_TEXT, line);
	n->text = src + from;
	n->len = to - from;
}

/* Handles one tag: body[0..blen) is what lies between the sigil and the closer. */
static int parse_tag(struct parser *p, char sigil, const char *body, size_t blen, unsigned line,
		     const char *indent)
{
	mr_template *t = p->t;
	struct node *n;
	switch (sigil) {
	case '!':
		return 0;
	case '=':
		return parse_delimiters(p, body, blen, line);
	case '{':
	case '&':
		return set_name(p, add_node(t, N_RAW, line), body, blen);
	case '>':
		n = add_node(t, N_PARTIAL, line);
		n->indent = indent;
		return set_name(p, n, body, blen);
	case '#':
	case '^':
		if (p->nopen >= MR_MUSTACHE_MAX_SECTION_DEPTH) {
			set_error(p->err, "line %u: sections nested deeper than %d", line,
				  MR_MUSTACHE_MAX_SECTION_DEPTH);
			return -1;
		}
		MR_GROW(p->open, p->open_cap, p->nopen + 1);
		p->open[p->nopen++] = t->n;
		return set_name(p, add_node(t, sigil == '#' ? N_SECTION : N_INVERTED, line), body, blen);
	case '/': {
		trim(&body, &blen);
		if (p->nopen == 0) {
			set_error(p->err, "line %u: closing tag '%.*s' without an open section", line,
				  (int)blen, body);
			return -1;
		}
		n = &t->nodes[p->open[p->nopen - 1]];
		if (strlen(n->text) != blen || memcmp(n->text, body, blen) != 0) {
			set_error(p->err, "line %u: closing tag '%.*s' does not match section '%s' opened on line %u",
				  line, (int)blen, body, n->text, n->line);
			return -1;
		}
		n->end = t->n;
		p->nopen--;
		return 0;
	}
	case '<':
	case '$':
		set_error(p->err, "line %u: template inheritance tags are not supported (use partials)", line);
		return -1;
	default:
		return set_name(p, add_node(t, N_VAR, line), body, blen);
	}
}

static int parse(struct parser *p)
{
	const char *src = p->src;
	size_t len = p->len, pos = 0, text_start = 0;

	for (;;) {
		size_t olen = strlen(p->otag);
		const char *o = memmem(src + pos, len - pos, p->otag, olen);
		if (!o) break;
		size_t tag_start = (size_t)(o - src), c = tag_start + olen;
		count_lines_to(p, tag_start);
		unsigned line = p->line;
		size_t line_start = p->line_start;

		char sigil = c < len ? src[c] : '\0';
		bool has_sigil = sigil && strchr("{=#^/!>&<$", sigil);
		bool may_stand = sigil && strchr("#^/!>=", sigil);
		const char *closer = p->ctag;
		size_t body = has_sigil ? c + 1 : c;
		if (sigil == '{') closer = p->ctag_brace;
		if (sigil == '=') closer = p->ctag_eq;
		size_t closer_len = strlen(closer);
		const char *e = body <= len ? memmem(src + body, len - body, closer, closer_len) : NULL;
		if (!e) {
			set_error(p->err, "line %u: unclosed tag", line);
			return -1;
		}
		size_t body_end = (size_t)(e - src), tag_end = body_end + closer_len;

		/* A line holding only whitespace and one non-interpolating tag vanishes. */
		bool standalone = may_stand && line_start >= text_start;
		for (size_t i = line_start; i < tag_start && standalone; i++)
			standalone = is_blank(src[i]);
		size_t after = tag_end;
		if (standalone) {
			size_t q = tag_end;
			while (q < len && is_blank(src[q])) q++;
			if (q < len && src[q] == '\r' && q + 1 < len && src[q + 1] == '\n') q++;
			if (q == len)
				after = q;
			else if (src[q] == '\n')
				after = q + 1;
			else
				standalone = false;
		}

		add_text(p->t, src, text_start, standalone ? line_start : tag_start, line);
		const char *indent = "";
		if (standalone && sigil == '>')
			indent = mr_arena_strndup(p->t->arena, src + line_start, tag_start - line_start);
		if (parse_tag(p, sigil, src + body, body_end - body, line, indent) < 0) return -1;
		pos = text_start = after;
	}
	add_text(p->t, src, text_start, len, p->line);
	if (p->nopen) {
		const struct node *n = &p->t->nodes[p->open[p->nopen - 1]];
		set_error(p->err, "line %u: unclosed section '%s'", n->line, n->text);
		return -1;
	}
	return 0;
}

mr_template *mr_template_compile(const char *text, size_t len, char **err)
{
	mr_template *t = mr_xcalloc(1, sizeof *t);
	t->arena = mr_arena_new();
	struct parser p = {0};
	p.src = mr_arena_strndup(t->arena, text ? text : "", text ? len : 0);
	p.len = text ? len : 0;
	p.t = t;
	p.line = 1;
	p.err = err;
	set_delimiters(&p, "{{", 2, "}}", 2);
	int rc = parse(&p);
	free(p.open);
	if (rc < 0) {
		mr_template_free(t);
		return NULL;
	}
	return t;
}

void mr_template_free(mr_template *t)
{
	if (!t) return;
	mr_arena_free(t->arena);
	free(t->nodes);
	free(t);
}

/* ---- the partial cache ---- */

/* Returns the text of `name` (heap, NUL-terminated) in *text, or NULL there
 * when there is no such template; -1 with *err on a real failure. */
typedef int (*fetch_fn)(void *ctx, const char *name, char **text, size_t *len, char **err);

struct variant {
	char *indent;
	mr_template *t;
};

struct entry {
	char *name;
	char *text;            /* source; NULL when there is no such template */
	size_t len;
	struct variant *v;     /* compiled once per indentation it is used with */
	size_t nv, vcap;
	struct entry *next;    /* hash chain */
};

struct cache {
	struct entry **buckets;
	size_t nbuckets, count;
	fetch_fn fetch;
	void *ctx;
	const char *dir;       /* template set: names files in messages; NULL for a loader */
};

static size_t hash_name(const char *s)
{
	size_t h = 2166136261u;
	for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static void cache_clear(struct cache *c)
{
	for (size_t i = 0; i < c->nbuckets; i++) {
		struct entry *e = c->buckets[i];
		while (e) {
			struct entry *next = e->next;
			for (size_t k = 0; k < e->nv; k++) {
				free(e->v[k].indent);
				mr_template_free(e->v[k].t);
			}
			free(e->v);
			free(e->name);
			free(e->text);
			free(e);
			e = next;
		}
	}
	free(c->buckets);
	c->buckets = NULL;
	c->nbuckets = c->count = 0;
}

static void cache_grow(struct cache *c)
{
	size_t nb = c->nbuckets ? c->nbuckets * 2 : 32;
	struct entry **b = mr_xcalloc(nb, sizeof *b);
	for (size_t i = 0; i < c->nbuckets; i++) {
		for (struct entry *e = c->buckets[i], *next; e; e = next) {
			next = e->next;
			size_t h = hash_name(e->name) % nb;
			e->next = b[h];
			b[h] = e;
		}
	}
	free(c->buckets);
	c->buckets = b;
	c->nbuckets = nb;
}

static char *describe(const struct cache *c, const char *name)
{
	if (c->dir) return mr_xasprintf("%s/%s.mustache", c->dir, name);
	return mr_xasprintf("partial '%s'", name);
}

/* The spec indents every line of a standalone partial before it is compiled. */
static char *indent_text(const char *text, size_t len, const char *indent, size_t *out_len)
{
	mr_buf b = MR_BUF_INIT;
	for (size_t i = 0; i < len; i++) {
		if (i == 0 || text[i - 1] == '\n') mr_buf_puts(&b, indent);
		mr_buf_putc(&b, text[i]);
	}
	*out_len = b.len;
	return mr_buf_detach(&b);
}

/* *out = the template `name` compiled for `indent`, or NULL if it does not
 * exist.  0, or -1 with *err. */
static int cache_get(struct cache *c, const char *name, const char *indent, mr_template **out,
		     char **err)
{
	*out = NULL;
	if (c->count >= c->nbuckets) cache_grow(c);
	size_t h = hash_name(name) % c->nbuckets;
	struct entry *e = c->buckets[h];
	while (e && strcmp(e->name, name) != 0) e = e->next;
	if (!e) {
		char *text = NULL;
		size_t len = 0;
		if (c->fetch(c->ctx, name, &text, &len, err) < 0) return -1;
		e = mr_xcalloc(1, sizeof *e);
		e->name = mr_xstrdup(name);
		e->text = text;
		e->len = len;
		e->next = c->buckets[h];
		c->buckets[h] = e;
		c->count++;
	}
	if (!e->text) return 0;
	for (size_t i = 0; i < e->nv; i++) {
		if (strcmp(e->v[i].indent, indent) == 0) {
			*out = e->v[i].t;
			return 0;
		}
	}

	char *msg = NULL, *indented = NULL;
	size_t ilen = 0;
	if (*indent) indented = indent_text(e->text, e->len, indent, &ilen);
	mr_template *t = mr_template_compile(indented ? indented : e->text, indented ? ilen : e->len,
					     &msg);
	free(indented);
	if (!t) {
		char *what = describe(c, name);
		set_error(err, "%s: %s", what, msg);
		free(what);
		free(msg);
		return -1;
	}
	MR_GROW(e->v, e->vcap, e->nv + 1);
	e->v[e->nv].indent = mr_xstrdup(indent);
	e->v[e->nv].t = t;
	e->nv++;
	*out = t;
	return 0;
}

/* ---- rendering ---- */

struct render {
	json_t **stack;        /* context stack, innermost last; borrowed references */
	size_t depth, cap;
	mr_buf *out;
	struct cache *cache;
	int partial_depth;
	char **err;
};

static json_t *lookup(const struct render *r, const struct node *n)
{
	if (!n->path) return r->depth ? r->stack[r->depth - 1] : NULL;
	json_t *v = NULL;
	for (size_t i = r->depth; i-- > 0 && !v;)
		if (json_is_object(r->stack[i])) v = json_object_get(r->stack[i], n->path[0]);
	/* once the first part is found, the rest must resolve inside it */
	for (size_t k = 1; v && k < n->npath; k++)
		v = json_is_object(v) ? json_object_get(v, n->path[k]) : NULL;
	return v;
}

static bool truthy(const json_t *v)
{
	if (!v || json_is_null(v) || json_is_false(v)) return false;
	if (json_is_array(v)) return json_array_size(v) > 0;
	if (json_is_string(v)) return json_string_length(v) > 0;
	return true;
}

/* Shortest text that reads back as the same double, as JSON writers print it. */
static void put_real(mr_buf *out, double d)
{
	char num[40];
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(num, sizeof num, "%.*g", prec, d);
		if (strtod(num, NULL) == d) break;
	}
	mr_buf_puts(out, num);
}

static void put_value(mr_buf *out, json_t *v, bool escape)
{
	const char *s = NULL;
	size_t n = 0;
	char *dump = NULL;
	switch (json_typeof(v)) {
	case JSON_STRING:
		s = json_string_value(v);
		n = json_string_length(v);
		break;
	case JSON_INTEGER:
		mr_buf_printf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return;
	case JSON_REAL:
		put_real(out, json_real_value(v));
		return;
	case JSON_TRUE:
		s = "true";
		n = 4;
		break;
	case JSON_FALSE:
		s = "false";
		n = 5;
		break;
	case JSON_NULL:
		return;
	case JSON_OBJECT:
	case JSON_ARRAY:
		dump = json_dumps(v, JSON_COMPACT);
		if (!dump) return;
		s = dump;
		n = strlen(dump);
		break;
	}
	if (escape)
		mr_buf_html_escape(out, s, n);
	else
		mr_buf_add(out, s, n);
	free(dump);
}

static void push(struct render *r, json_t *v)
{
	MR_GROW(r->stack, r->cap, r->depth + 1);
	r->stack[r->depth++] = v;
}

static int render_range(struct render *r, const mr_template *t, size_t from, size_t to);

static int render_section(struct render *r, const mr_template *t, size_t i)
{
	const struct node *n = &t->nodes[i];
	json_t *v = lookup(r, n);
	if (n->kind == N_INVERTED) return truthy(v) ? 0 : render_range(r, t, i + 1, n->end);
	if (!truthy(v)) return 0;
	if (!json_is_array(v)) {
		push(r, v);
		int rc = render_range(r, t, i + 1, n->end);
		r->depth--;
		return rc;
	}
	for (size_t k = 0; k < json_array_size(v); k++) {
		push(r, json_array_get(v, k));
		int rc = render_range(r, t, i + 1, n->end);
		r->depth--;
		if (rc < 0) return -1;
	}
	return 0;
}

static int render_partial(struct render *r, const struct node *n)
{
	mr_template *p = NULL;
	if (cache_get(r->cache, n->text, n->indent, &p, r->err) < 0) return -1;
	if (!p) return 0;
	if (r->partial_depth >= MR_MUSTACHE_MAX_PARTIAL_DEPTH) {
		set_error(r->err, "partial '%s': partials nested deeper than %d (recursive partial?)",
			  n->text, MR_MUSTACHE_MAX_PARTIAL_DEPTH);
		return -1;
	}
	r->partial_depth++;
	int rc = render_range(r, p, 0, p->n);
	r->partial_depth--;
	return rc;
}

static int render_range(struct render *r, const mr_template *t, size_t from, size_t to)
{
	for (size_t i = from; i < to;) {
		const struct node *n = &t->nodes[i];
		switch (n->kind) {
		case N_TEXT:
			mr_buf_add(r->out, n->text, n->len);
			break;
		case N_VAR:
		case N_RAW: {
			json_t *v = lookup(r, n);
			if (v) put_value(r->out, v, n->kind == N_VAR);
			break;
		}
		case N_SECTION:
		case N_INVERTED:
			if (render_section(r, t, i) < 0) return -1;
			i = n->end;
			continue;
		case N_PARTIAL:
			if (render_partial(r, n) < 0) return -1;
			break;
		}
		i++;
	}
	return 0;
}

static int render_with(const mr_template *t, json_t *data, struct cache *c, mr_buf *out, char **err)
{
	size_t start = out->len;
	struct render r = {0};
	r.out = out;
	r.cache = c;
	r.err = err;
	if (data) push(&r, data);
	int rc = render_range(&r, t, 0, t->n);
	free(r.stack);
	if (rc < 0) {
		out->len = start;
		if (out->data) out->data[start] = '\0';
	}
	return rc;
}

struct loader_ctx {
	mr_partial_loader loader;
	void *ctx;
};

static int fetch_from_loader(void *ctx, const char *name, char **text, size_t *len, char **err)
{
	const struct loader_ctx *l = ctx;
	(void)err;
	*text = l->loader ? l->loader(l->ctx, name) : NULL;
	*len = *text ? strlen(*text) : 0;
	return 0;
}

int mr_template_render(const mr_template *t, json_t *data, mr_partial_loader loader,
		       void *loader_ctx, mr_buf *out, char **err)
{
	struct loader_ctx l = {loader, loader_ctx};
	struct cache c = {0};
	c.fetch = fetch_from_loader;
	c.ctx = &l;
	int rc = render_with(t, data, &c, out, err);
	cache_clear(&c);
	return rc;
}

/* ---- template sets ---- */

struct mr_template_set {
	char *dir;
	struct cache cache;
};

static bool name_allowed(const char *name)
{
	return *name && !strchr(name, '/') && !strchr(name, '\\') && !strstr(name, "..");
}

static int fetch_from_dir(void *ctx, const char *name, char **text, size_t *len, char **err)
{
	const mr_template_set *s = ctx;
	*text = NULL;
	*len = 0;
	if (!name_allowed(name)) {
		set_error(err, "%s: template name '%s' is not allowed (no '/', '\\' or '..')", s->dir, name);
		return -1;
	}
	char *path = mr_xasprintf("%s/%s.mustache", s->dir, name);
	int rc = 0;
	if (mr_read_file(path, MAX_TEMPLATE_FILE, text, len) < 0) {
		*text = NULL;
		if (errno != ENOENT && errno != ENOTDIR) {
			set_error(err, "%s: %s", path, strerror(errno));
			rc = -1;
		}
	}
	free(path);
	return rc;
}

mr_template_set *mr_template_set_new(const char *dir)
{
	mr_template_set *s = mr_xcalloc(1, sizeof *s);
	s->dir = mr_xstrdup(dir);
	s->cache.fetch = fetch_from_dir;
	s->cache.ctx = s;
	s->cache.dir = s->dir;
	return s;
}

void mr_template_set_clear(mr_template_set *s)
{
	if (s) cache_clear(&s->cache);
}

void mr_template_set_free(mr_template_set *s)
{
	if (!s) return;
	cache_clear(&s->cache);
	free(s->dir);
	free(s);
}

int mr_template_set_render(mr_template_set *s, const char *name, json_t *data, mr_buf *out,
			   char **err)
{
	mr_template *t = NULL;
	if (cache_get(&s->cache, name, "", &t, err) < 0) return -1;
	if (!t) {
		set_error(err, "%s/%s.mustache: no such template", s->dir, name);
		return -1;
	}
	return render_with(t, data, &s->cache, out, err);
}
