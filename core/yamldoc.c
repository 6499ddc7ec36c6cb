/* yamldoc.c — libyaml's event API turned into an mr_ynode tree.
 * The event API (not yaml_parser_load) gives every alias its own position and
 * lets us count expansion and depth while streaming, with an explicit stack. */
#include "yamldoc.h"

#include "secret.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* Aliases multiply text as well as nodes: a 500 KB string aliased 90,000 times is
 * under the node limit but 45 GB of text for every check that reads it.  So the
 * expanded text is bounded too, at a size no honest manifest comes near. */
#define MAX_EXPANDED_TEXT (4 * (size_t)MR_MANIFEST_MAX_BYTES)

/* Every node is allocated as this, so the loader can keep the expanded text size
 * next to the public fields without widening mr_ynode. */
typedef struct xnode {
	mr_ynode nd; /* first member: a mr_ynode * converts back to xnode * */
	size_t text; /* bytes of scalar text in the expanded subtree */
} xnode;

#define TEXT_OF(n) (((xnode *)(n))->text)

typedef struct frame {
	mr_ynode *node;
	mr_ynode **kids;
	size_t nkids, cap;
	long anchor; /* index in loader.anchors, completed when the node completes; -1 none */
} frame;

typedef struct anchor_ent {
	char *name;
	mr_ynode *node; /* NULL while the anchored node is still open */
	unsigned line, col;
} anchor_ent;

typedef struct loader {
	mr_ydoc *doc;
	mr_diags *d;
	const char *file, *module;
	frame *stack;
	size_t depth, cap;
	anchor_ent *anchors;
	size_t nanchors, acap;
	/* name -> index of its latest definition: open addressing, indices + 1, 0 = empty.
	 * A list searched from the end made 40,000 aliases cost seconds. */
	size_t *slots;
	size_t nslots;
	size_t naliases;
} loader;

const char *mr_ykind_name(mr_ykind k)
{
	switch (k) {
	case MR_Y_NULL: return "null";
	case MR_Y_BOOL: return "boolean";
	case MR_Y_INT: return "integer";
	case MR_Y_FLOAT: return "number";
	case MR_Y_STR: return "string";
	case MR_Y_SEQ: return "list";
	case MR_Y_MAP: return "mapping";
	}
	return "?";
}

static bool all_digits(const char *s, size_t n, int base)
{
	if (n == 0) return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool ok = base == 8    ? (c >= '0' && c <= '7')
		          : base == 16 ? ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))
		                       : (c >= '0' && c <= '9');
		if (!ok) return false;
	}
	return true;
}

static bool is_float_text(const char *s, size_t n)
{
	size_t i = 0;
	if (i < n && (s[i] == '-' || s[i] == '+')) i++;
	size_t digits = 0;
	while (i < n && s[i] >= '0' && s[i] <= '9') i++, digits++;
	if (i < n && s[i] == '.') {
		i++;
		while (i < n && s[i] >= '0' && s[i] <= '9') i++, digits++;
	}
	if (digits == 0) return false;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '-' || s[i] == '+')) i++;
		size_t ed = 0;
		while (i < n && s[i] >= '0' && s[i] <= '9') i++, ed++;
		if (!ed) return false;
	}
	return i == n;
}

static bool eq(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

mr_ykind mr_yaml_resolve_plain(const char *s, size_t n)
{
	if (n == 0 || eq(s, n, "~") || eq(s, n, "null") || eq(s, n, "Null") || eq(s, n, "NULL")) return MR_Y_NULL;
	if (eq(s, n, "true") || eq(s, n, "True") || eq(s, n, "TRUE") || eq(s, n, "false") || eq(s, n, "False") ||
	    eq(s, n, "FALSE"))
		return MR_Y_BOOL;
	size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
	if (all_digits(s + i, n - i, 10)) return MR_Y_INT;
	if (n > 2 && s[0] == '0' && s[1] == 'o' && all_digits(s + 2, n - 2, 8)) return MR_Y_INT;
	if (n > 2 && s[0] == '0' && s[1] == 'x' && all_digits(s + 2, n - 2, 16)) return MR_Y_INT;
	if (is_float_text(s, n)) return MR_Y_FLOAT;
	const char *t = s + i;
	size_t tn = n - i;
	if (eq(t, tn, ".inf") || eq(t, tn, ".Inf") || eq(t, tn, ".INF")) return MR_Y_FLOAT;
	if (eq(s, n, ".nan") || eq(s, n, ".NaN") || eq(s, n, ".NAN")) return MR_Y_FLOAT;
	return MR_Y_STR;
}

/* The value of integer text (decimal, 0o octal or 0x hex) as a double: for integers too
 * big for long long, and for !!float given integer text (strtod knows no 0o). */
static double int_text_as_double(const char *s, size_t n)
{
	if (n > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'x')) {
		double v = 0, base = s[1] == 'o' ? 8 : 16;
		for (size_t i = 2; i < n; i++) {
			char c = s[i];
			int dgt = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c - 'A' + 10;
			v = v * base + dgt;
		}
		return v;
	}
	return strtod(s, NULL);
}

static void set_scalar_value(mr_ynode *nd)
{
	const char *s = nd->str;
	size_t n = nd->len;
	switch (nd->kind) {
	case MR_Y_BOOL: nd->v.b = s[0] == 't' || s[0] == 'T'; break;
	case MR_Y_INT: {
		errno = 0;
		long long v;
		if (n > 2 && s[0] == '0' && s[1] == 'o') v = strtoll(s + 2, NULL, 8);
		else if (n > 2 && s[0] == '0' && s[1] == 'x') v = strtoll(s + 2, NULL, 16);
		else v = strtoll(s, NULL, 10);
		if (errno == ERANGE) { /* too big for an integer: keep it as a number */
			nd->kind = MR_Y_FLOAT;
			nd->v.f = int_text_as_double(s, n);
		} else nd->v.i = v;
		break;
	}
	case MR_Y_FLOAT: {
		const char *t = s + ((s[0] == '-' || s[0] == '+') ? 1 : 0);
		if (t[0] == '.' && (t[1] == 'i' || t[1] == 'I')) nd->v.f = s[0] == '-' ? -INFINITY : INFINITY;
		else if (s[0] == '.' && (s[1] == 'n' || s[1] == 'N')) nd->v.f = NAN;
		else nd->v.f = int_text_as_double(s, n);
		break;
	}
	default: break;
	}
}

/* Text from the document, fit for a one-line message: control characters escaped,
 * cut at 80 characters (on a character boundary), and never a credential.  Heap. */
static char *shown(const char *s, size_t n)
{
	return mr_secret_shown(s, n, 80);
}

static void addf(loader *L, unsigned line, unsigned col, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void addf(loader *L, unsigned line, unsigned col, const char *code, const char *fmt, ...)
{
	mr_buf b = MR_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	mr_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	mr_diag_add(L->d, L->file, line, col, code, L->module, "%s", mr_buf_str(&b));
	mr_buf_release(&b);
}

static mr_ynode *new_node(loader *L, mr_ykind kind, yaml_mark_t m)
{
	xnode *x = mr_arena_alloc(L->doc->nodes, sizeof *x);
	mr_ynode *nd = &x->nd;
	nd->kind = kind;
	nd->line = (unsigned)m.line + 1;
	nd->col = (unsigned)m.column + 1;
	nd->weight = 1;
	nd->height = 1;
	return nd;
}

/* The slot that holds name, or the empty slot where it belongs. */
static size_t *anchor_slot(loader *L, const char *name)
{
	size_t mask = L->nslots - 1, i = (size_t)mr_str_hash(name) & mask;
	while (L->slots[i] && strcmp(L->anchors[L->slots[i] - 1].name, name) != 0) i = (i + 1) & mask;
	return &L->slots[i];
}

/* Registers a definition of name; it becomes the one later aliases refer to (YAML
 * allows redefinition).  Returns its index. */
static long register_anchor(loader *L, const char *name, yaml_mark_t m)
{
	if (2 * (L->nanchors + 1) > L->nslots) { /* keep the table at most half full */
		size_t ns = L->nslots ? 2 * L->nslots : 64;
		free(L->slots);
		L->slots = mr_xcalloc(ns, sizeof *L->slots);
		L->nslots = ns;
		for (size_t i = 0; i < L->nanchors; i++) *anchor_slot(L, L->anchors[i].name) = i + 1;
	}
	MR_GROW(L->anchors, L->acap, L->nanchors + 1);
	anchor_ent *a = &L->anchors[L->nanchors++];
	a->name = mr_xstrdup(name);
	a->node = NULL;
	a->line = (unsigned)m.line + 1;
	a->col = (unsigned)m.column + 1;
	*anchor_slot(L, name) = L->nanchors;
	return (long)L->nanchors - 1;
}

static anchor_ent *find_anchor(loader *L, const char *name)
{
	if (!L->nslots) return NULL;
	size_t i = *anchor_slot(L, name);
	return i ? &L->anchors[i - 1] : NULL;
}

/* A subtree (weight nodes, text bytes) got too big.  Without aliases that is just a
 * big document (too-large); with them it is what an alias bomb looks like. */
static int over_limit(loader *L, const mr_ynode *at, size_t weight, size_t text)
{
	if (weight > MR_YAML_MAX_NODES) {
		if (L->naliases)
			addf(L, at->line, at->col, "alias-limit",
			     "aliases expand the document to more than %d nodes (an alias bomb?)", MR_YAML_MAX_NODES);
		else
			addf(L, at->line, at->col, "too-large", "the document has more than %d nodes", MR_YAML_MAX_NODES);
		return -1;
	}
	if (text > MAX_EXPANDED_TEXT) {
		addf(L, at->line, at->col, "alias-limit", "aliases expand the document to more than %zu bytes of text",
		     MAX_EXPANDED_TEXT);
		return -1;
	}
	return 0;
}

/* Attach a finished node to its parent (or make it the root).  Returns -1 on a limit. */
static int attach(loader *L, mr_ynode *nd)
{
	size_t depth_here = L->depth; /* levels above this node */
	if (depth_here + nd->height > MR_YAML_MAX_DEPTH) {
		addf(L, nd->line, nd->col, "too-deep", "document nests deeper than %d levels", MR_YAML_MAX_DEPTH);
		return -1;
	}
	if (L->depth == 0) {
		L->doc->root = nd;
		return over_limit(L, nd, nd->weight, TEXT_OF(nd));
	}
	frame *f = &L->stack[L->depth - 1];
	MR_GROW(f->kids, f->cap, f->nkids + 1);
	f->kids[f->nkids++] = nd;
	f->node->weight += nd->weight;
	TEXT_OF(f->node) += TEXT_OF(nd);
	if (nd->height + 1 > f->node->height) f->node->height = nd->height + 1;
	return over_limit(L, nd, f->node->weight, TEXT_OF(f->node));
}

typedef struct keyref {
	const mr_ynode *key;
	size_t index;
} keyref;

static int keyref_cmp(const void *pa, const void *pb)
{
	const keyref *a = pa, *b = pb;
	size_t n = a->key->len < b->key->len ? a->key->len : b->key->len;
	int c = memcmp(a->key->str, b->key->str, n);
	if (c) return c;
	if (a->key->len != b->key->len) return a->key->len < b->key->len ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

/* Mapping finished: report duplicate scalar keys (sort, then compare neighbours:
 * O(n log n) even for hostile 100,000-key mappings) and drop the later pairs. */
static void finish_mapping(loader *L, mr_ynode *map)
{
	size_t n = map->n;
	if (n < 2) return;
	keyref *refs = mr_xcalloc(n, sizeof *refs);
	size_t nr = 0;
	for (size_t i = 0; i < n; i++) {
		const mr_ynode *k = map->items[2 * i];
		if (k->kind == MR_Y_SEQ || k->kind == MR_Y_MAP) continue;
		refs[nr].key = k;
		refs[nr].index = i;
		nr++;
	}
	qsort(refs, nr, sizeof *refs, keyref_cmp);
	bool *drop = NULL;
	size_t first = 0; /* the first occurrence of the current run of equal keys */
	for (size_t i = 1; i < nr; i++) {
		const mr_ynode *a = refs[i - 1].key, *b = refs[i].key;
		if (a->len != b->len || memcmp(a->str, b->str, a->len) != 0) {
			first = i;
			continue;
		}
		const mr_ynode *fk = refs[first].key;
		char *k = shown(b->str, b->len);
		mr_diag *dg = mr_diag_add(L->d, L->file, b->line, b->col, "duplicate-key", L->module,
		                          "duplicate key '%s'", k);
		free(k);
		mr_diag_note(dg, L->file, fk->line, fk->col, "first defined here");
		if (!drop) drop = mr_xcalloc(n, sizeof *drop);
		drop[refs[i].index] = true;
	}
	if (drop) {
		size_t w = 0;
		for (size_t i = 0; i < n; i++) {
			if (drop[i]) continue;
			map->items[2 * w] = map->items[2 * i];
			map->items[2 * w + 1] = map->items[2 * i + 1];
			w++;
		}
		map->n = w;
		free(drop);
	}
	free(refs);
}

static int push(loader *L, mr_ynode *nd, long anchor)
{
	if (L->depth >= MR_YAML_MAX_DEPTH) {
		addf(L, nd->line, nd->col, "too-deep", "document nests deeper than %d levels", MR_YAML_MAX_DEPTH);
		return -1;
	}
	MR_GROW(L->stack, L->cap, L->depth + 1);
	frame *f = &L->stack[L->depth++];
	memset(f, 0, sizeof *f);
	f->node = nd;
	f->anchor = anchor;
	return 0;
}

static int pop(loader *L)
{
	frame *f = &L->stack[--L->depth];
	mr_ynode *nd = f->node;
	nd->items = mr_arena_alloc(L->doc->nodes, (f->nkids ? f->nkids : 1) * sizeof *nd->items);
	if (f->nkids) memcpy(nd->items, f->kids, f->nkids * sizeof *nd->items);
	if (nd->kind == MR_Y_MAP) {
		nd->n = f->nkids / 2;
		finish_mapping(L, nd);
	} else nd->n = f->nkids;
	free(f->kids);
	if (f->anchor >= 0) L->anchors[f->anchor].node = nd;
	return attach(L, nd);
}

static const char *tag_name(const yaml_char_t *tag)
{
	return tag ? (const char *)tag : NULL;
}

/* A tag as the author wrote it: libyaml expands !!int to tag:yaml.org,2002:int.  Heap. */
static char *tag_shown(const char *tag)
{
	static const char prefix[] = "tag:yaml.org,2002:";
	if (strncmp(tag, prefix, sizeof prefix - 1) == 0) {
		char *rest = shown(tag + sizeof prefix - 1, strlen(tag + sizeof prefix - 1));
		char *r = mr_xasprintf("!!%s", rest);
		free(rest);
		return r;
	}
	return shown(tag, strlen(tag));
}

/* Tags outside the core schema are errors of the manifest, not of its YAML: they are
 * reported and the node is kept (a scalar as its text), so the rest of the file is
 * still checked, as with duplicate keys. */
static void unsupported_tag(loader *L, const mr_ynode *nd, const char *tag)
{
	char *t = tag_shown(tag);
	addf(L, nd->line, nd->col, "bad-value",
	     "unsupported tag '%s' (a manifest may use only !!str, !!int, !!float, !!bool, !!null, !!seq and !!map)", t);
	free(t);
}

static void check_collection_tag(loader *L, const mr_ynode *nd, const yaml_char_t *utag)
{
	const char *tag = (const char *)utag;
	if (!tag || !strcmp(tag, "!")) return;
	if (!strcmp(tag, nd->kind == MR_Y_SEQ ? YAML_SEQ_TAG : YAML_MAP_TAG)) return;
	unsupported_tag(L, nd, tag);
}

/* The manifest format's keys and its common values, sorted by length then bytes: a
 * scalar with one of these texts points here instead of taking a copy (on the bench's
 * manifests, 18% of a loaded manifest's texts and model). */
static const char *const vocabulary[] = {
	"ai", "at", "by", "id", "ui", "GET", "PUT", "api", "max", "min", "url", "HEAD", "POST", "crud",
	"enum", "icon", "jobs", "list", "name", "path", "read", "tags", "true", "type", "PATCH", "false",
	"label", "links", "model", "order", "owner", "pages", "patch", "query", "title", "DELETE",
	"action", "active", "config", "create", "delete", "entity", "events", "health", "method",
	"number", "plural", "routes", "schema", "status", "string", "system", "target", "update",
	"values", "OPTIONS", "actions", "boolean", "created", "default", "handler", "integer", "library",
	"license", "purpose", "retries", "service", "timeout", "version", "basePath", "category",
	"concepts", "endpoint", "entities", "homepage", "inactive", "keywords", "packages", "password",
	"patterns", "required", "requires", "schedule", "workflow", "data-flow", "endpoints", "modreg/v1",
	"operation", "publishes", "sensitive", "apiVersion", "dependency", "deprecated", "navigation",
	"operations", "repository", "staleAfter", "subscribes", "description", "integration",
	"permissions", "cacheSeconds", "capabilities", "experimental", "hierarchical", "maxErrorRate",
	"maxResponseMs", "relationships", "contextProviders",
};

static int vocab_cmp(const char *s, size_t n, const char *w)
{
	size_t wn = strlen(w);
	if (n != wn) return n < wn ? -1 : 1;
	return memcmp(s, w, n);
}

/* the shared copy of s[0..n), or NULL */
static const char *vocabulary_word(const char *s, size_t n)
{
	size_t lo = 0, hi = sizeof vocabulary / sizeof *vocabulary;
	if (n > 16) return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = vocab_cmp(s, n, vocabulary[mid]);
		if (c == 0) return vocabulary[mid];
		if (c < 0) hi = mid;
		else lo = mid + 1;
	}
	return NULL;
}

static int scalar(loader *L, yaml_event_t *ev)
{
	mr_ynode *nd = new_node(L, MR_Y_STR, ev->start_mark);
	size_t n = ev->data.scalar.length;
	const char *text = (const char *)ev->data.scalar.value;
	nd->str = vocabulary_word(text, n);
	if (!nd->str) nd->str = mr_arena_strndup(L->doc->arena, text, n);
	nd->len = n;
	const char *tag = tag_name(ev->data.scalar.tag);
	bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	if (tag && strcmp(tag, "!") != 0) {
		mr_ykind want = MR_Y_STR;
		if (strcmp(tag, YAML_STR_TAG) == 0) want = MR_Y_STR;
		else if (strcmp(tag, YAML_INT_TAG) == 0) want = MR_Y_INT;
		else if (strcmp(tag, YAML_FLOAT_TAG) == 0) want = MR_Y_FLOAT;
		else if (strcmp(tag, YAML_BOOL_TAG) == 0) want = MR_Y_BOOL;
		else if (strcmp(tag, YAML_NULL_TAG) == 0) want = MR_Y_NULL;
		else {
			unsupported_tag(L, nd, tag);
			want = MR_Y_STR;
		}
		if (want != MR_Y_STR) {
			mr_ykind got = mr_yaml_resolve_plain(nd->str, n);
			if (got != want && !(want == MR_Y_FLOAT && got == MR_Y_INT)) {
				char *t = shown(nd->str, n), *tg = tag_shown(tag);
				addf(L, nd->line, nd->col, "bad-value", "'%s' is not a valid %s (tagged %s)", t, mr_ykind_name(want), tg);
				free(t);
				free(tg);
				want = MR_Y_STR;
			}
		}
		nd->kind = want;
	} else if (plain && !tag) {
		nd->kind = mr_yaml_resolve_plain(nd->str, n);
		nd->plain = true;
	}
	if (nd->kind == MR_Y_FLOAT && mr_yaml_resolve_plain(nd->str, n) == MR_Y_INT) {
		nd->v.f = int_text_as_double(nd->str, n);
	} else set_scalar_value(nd);
	TEXT_OF(nd) = n;
	if (ev->data.scalar.anchor) {
		long a = register_anchor(L, (const char *)ev->data.scalar.anchor, ev->start_mark);
		L->anchors[a].node = nd;
	}
	return attach(L, nd);
}

static int alias(loader *L, yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	unsigned line = (unsigned)ev->start_mark.line + 1, col = (unsigned)ev->start_mark.column + 1;
	anchor_ent *a = find_anchor(L, name);
	L->naliases++;
	if (!a) {
		char *t = shown(name, strlen(name));
		addf(L, line, col, "yaml-syntax", "found undefined alias '%s'", t);
		free(t);
		return -1;
	}
	if (!a->node) {
		char *t = shown(name, strlen(name));
		mr_diag *dg = mr_diag_add(L->d, L->file, line, col, "alias-limit", L->module,
		                          "alias '*%s' refers to a node that contains it (an alias cycle)", t);
		mr_diag_note(dg, L->file, a->line, a->col, "anchor '&%s' is defined here", t);
		free(t);
		return -1;
	}
	return attach(L, a->node);
}

static void offset_to_pos(const char *data, size_t len, size_t off, unsigned *line, unsigned *col)
{
	unsigned l = 1, c = 1;
	for (size_t i = 0; i < off && i < len; i++) {
		if (data[i] == '\n') l++, c = 1;
		else if (((unsigned char)data[i] & 0xC0) != 0x80) c++;
	}
	*line = l;
	*col = c;
}

/* Check the bytes before libyaml sees them: it reports bad UTF-8 without a usable position.
 * data has no BOM any more; bom is its length, added back to the offsets shown. */
static int check_encoding(loader *L, const char *data, size_t len, size_t bom)
{
	const char *nul = memchr(data, '\0', len);
	if (nul) {
		unsigned line, col;
		offset_to_pos(data, len, (size_t)(nul - data), &line, &col);
		addf(L, line, col, "not-utf8", "file contains a NUL byte at offset %zu", (size_t)(nul - data) + bom);
		return -1;
	}
	if (mr_utf8_valid(data, len)) return 0;
	/* find the first bad byte */
	size_t lo = 0, hi = len;
	while (lo < hi) { /* smallest prefix end that is invalid */
		size_t mid = lo + (hi - lo) / 2;
		/* a prefix may cut a character; widen to a character boundary */
		size_t end = mid + 1;
		while (end < len && ((unsigned char)data[end] & 0xC0) == 0x80) end++;
		if (mr_utf8_valid(data, end)) lo = mid + 1;
		else hi = mid;
	}
	unsigned line, col;
	offset_to_pos(data, len, lo, &line, &col);
	addf(L, line, col, "not-utf8", "invalid UTF-8 at byte offset %zu", lo + bom);
	return -1;
}

int mr_yaml_load(const char *data, size_t len, const char *file, const char *module, mr_diags *d,
                 mr_ydoc *doc)
{
	loader L = {0};
	yaml_parser_t parser;
	yaml_event_t ev;
	int rc = -1, docs = 0;
	bool parser_ok = false, done = false;

	/* the texts and the model built on them take about 1.7 times the manifest's size */
	doc->arena = mr_arena_new_sized(len < MR_MANIFEST_MAX_BYTES ? len + len * 7 / 10 + 256 : 16384);
	doc->nodes = mr_arena_new();
	doc->root = NULL;
	L.doc = doc;
	L.d = d;
	L.file = file;
	L.module = module;

	if (len > MR_MANIFEST_MAX_BYTES) {
		addf(&L, 0, 0, "too-large", "file is %zu bytes; a manifest is at most %d bytes", len,
		     MR_MANIFEST_MAX_BYTES);
		goto out;
	}
	/* libyaml skips a BOM but counts it as a column when the encoding is given, which
	 * puts the first key at column 1 and breaks the block mapping: drop it here */
	size_t bom = len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
	data += bom;
	len -= bom;
	if (check_encoding(&L, data, len, bom) < 0) goto out;
	if (!yaml_parser_initialize(&parser)) {
		addf(&L, 0, 0, "yaml-syntax", "cannot initialise the YAML parser");
		goto out;
	}
	parser_ok = true;
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);

	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			unsigned line = (unsigned)parser.problem_mark.line + 1;
			unsigned col = (unsigned)parser.problem_mark.column + 1;
			if (parser.error == YAML_READER_ERROR)
				offset_to_pos(data, len, parser.problem_offset, &line, &col);
			mr_buf msg = MR_BUF_INIT;
			mr_buf_puts(&msg, parser.problem ? parser.problem : "syntax error");
			if (parser.context)
				mr_buf_printf(&msg, " (%s at %u:%u)", parser.context,
				              (unsigned)parser.context_mark.line + 1,
				              (unsigned)parser.context_mark.column + 1);
			addf(&L, line, col, "yaml-syntax", "%s", mr_buf_str(&msg));
			mr_buf_release(&msg);
			goto out;
		}
		int r = 0;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT: done = true; break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				addf(&L, (unsigned)ev.start_mark.line + 1, (unsigned)ev.start_mark.column + 1,
				     "multi-document", "a manifest holds one YAML document; a second one starts here");
				r = -1;
			}
			break;
		case YAML_SCALAR_EVENT: r = scalar(&L, &ev); break;
		case YAML_ALIAS_EVENT: r = alias(&L, &ev); break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT: {
			bool seq = ev.type == YAML_SEQUENCE_START_EVENT;
			mr_ynode *nd = new_node(&L, seq ? MR_Y_SEQ : MR_Y_MAP, ev.start_mark);
			check_collection_tag(&L, nd, seq ? ev.data.sequence_start.tag : ev.data.mapping_start.tag);
			const yaml_char_t *anchor = seq ? ev.data.sequence_start.anchor : ev.data.mapping_start.anchor;
			long a = anchor ? register_anchor(&L, (const char *)anchor, ev.start_mark) : -1;
			r = push(&L, nd, a);
			break;
		}
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT: r = pop(&L); break;
		default: break;
		}
		yaml_event_delete(&ev);
		if (r < 0) goto out;
	}
	if (!doc->root) {
		addf(&L, 1, 1, "not-a-mapping", "the file is empty; a manifest is a YAML mapping");
		goto out;
	}
	rc = 0;
out:
	if (parser_ok) yaml_parser_delete(&parser);
	for (size_t i = 0; i < L.depth; i++) free(L.stack[i].kids);
	free(L.stack);
	for (size_t i = 0; i < L.nanchors; i++) free(L.anchors[i].name);
	free(L.anchors);
	free(L.slots);
	if (rc < 0) doc->root = NULL;
	return rc;
}

void mr_ydoc_release(mr_ydoc *doc)
{
	mr_arena_free(doc->arena);
	mr_arena_free(doc->nodes);
	doc->arena = doc->nodes = NULL;
	doc->root = NULL;
}

void mr_ydoc_drop_nodes(mr_ydoc *doc)
{
	mr_arena_free(doc->nodes);
	doc->nodes = NULL;
	doc->root = NULL;
}

mr_ynode *mr_ynode_copy(mr_arena *a, const mr_ynode *n)
{
	if (!n) return NULL;
	mr_ynode *c = mr_arena_alloc(a, sizeof *c);
	*c = *n;
	if (n->kind == MR_Y_SEQ || n->kind == MR_Y_MAP) {
		size_t k = n->kind == MR_Y_MAP ? 2 * n->n : n->n;
		c->items = mr_arena_alloc(a, (k ? k : 1) * sizeof *c->items);
		for (size_t i = 0; i < k; i++) c->items[i] = mr_ynode_copy(a, n->items[i]);
	}
	return c;
}

mr_ynode *mr_ymap_get(const mr_ynode *map, const char *key)
{
	if (!map || map->kind != MR_Y_MAP) return NULL;
	size_t kl = strlen(key);
	for (size_t i = 0; i < map->n; i++) {
		const mr_ynode *k = map->items[2 * i];
		if (k->kind != MR_Y_SEQ && k->kind != MR_Y_MAP && k->len == kl && memcmp(k->str, key, kl) == 0)
			return map->items[2 * i + 1];
	}
	return NULL;
}
