/* site.c — renders the site: which pages exist, what each one needs, what a
 * change makes stale, and who renders what.  A full render forks worker
 * processes (Graphviz is not thread-safe; processes use every core without
 * sharing it) that take module pages and graphs from a shared counter, while
 * this process renders the pages about the whole registry and then joins them;
 * a render after a change stays in this process.  Every file goes through
 * mr_write_file_atomic, so only files whose bytes change are rewritten. */
#include "site.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "markdown.h"
#include "mustache.h"
#include "sha256.h"
#include "sitepriv.h"

/* README and docs pages larger than this are not even read */
#define MAX_DOC_READ ((size_t)16 << 20)
/* images copied into the site */
#define MAX_IMAGE ((size_t)16 << 20)
/* below this many modules a full render stays in one process */
#define MIN_PARALLEL 48
/* past this many modules the overview graph groups them */
#define GROUP_THRESHOLD 300
/* grouping by owner needs between 2 and this many owners (else: by type) */
#define MAX_OWNER_GROUPS 100
/* the overview keeps this many of the strongest links between groups, per group */
#define MAX_GROUP_EDGES_PER_GROUP 3
/* groups with more modules show only their inner relationships in their graph */
#define GROUP_EXTERNAL_MAX 60
/* a smaller group's graph shows this many of the groups it relates to most */
#define GROUP_NEIGHBOURS_SHOWN 12

static const char *const required_templates[] = {"index", "module", "doc", "graph", "group", "status", NULL};

struct mr_site {
	char *out_dir, *templates_dir, *registry_root, *repo_url;
	mr_site_opts opts;     /* points at the copies above */
	mr_template_set *tpl;
	mr_graphs *gv;         /* created on first use (in each worker) */
	bool rendered;         /* a full render has been made: incremental renders are possible */
	json_t *rdeps;         /* id -> [ids of modules whose pages show it], from the last render */
	json_t *group_counts;  /* group key -> module count, from the last render */
	json_t *group_of;      /* module id -> group key, from the last render */
	json_t *graph_sigs;    /* module id -> graph_sig text, from the last render */
	json_t *subscribers;   /* event name -> [ids of the modules subscribed], while the
	                        * graph signatures (which hold the events) stay the same */
	json_t *index_rows;    /* the index page's rows of the last render (mr_view_index) */
	mr_site_entry_fn entry; /* whole entries, when the context's are abridged */
	void *entry_ctx;
};

/* ------------------------------------------------------------ small helpers */


static int fail(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(char **err, const char *fmt, ...)
{
	if (err && !*err) {
		mr_buf b = MR_BUF_INIT;
		va_list ap;
		va_start(ap, fmt);
		mr_buf_vprintf(&b, fmt, ap);
		va_end(ap);
		*err = mr_buf_detach(&b);
	}
	return -1;
}

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

char *mr_site_find_templates(const char *option)
{
	if (option) return is_dir(option) ? mr_xstrdup(option) : NULL;
	if (is_dir("templates")) return mr_xstrdup("templates");
	const char *env = getenv("MODREG_TEMPLATES");
	if (env && *env && is_dir(env)) return mr_xstrdup(env);
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0) return NULL;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (!slash) return NULL;
	*slash = '\0';
	const char *rel[] = {"templates", "../templates", "../share/modreg/templates", NULL};
	for (int i = 0; rel[i]; i++) {
		char *p = mr_xasprintf("%s/%s", exe, rel[i]);
		if (is_dir(p)) return p;
		free(p);
	}
	return NULL;
}

/* Replace what HTML forbids (invalid UTF-8, NUL, C0 controls other than
 * whitespace, C1 controls, noncharacters) with U+FFFD.  Manifests and
 * Markdown are hostile; the validator and browsers must see clean text. */
void mr_site_sanitize(mr_buf *b)
{
	const unsigned char *p = (const unsigned char *)b->data;
	size_t n = b->len, i = 0;
	mr_buf out = MR_BUF_INIT;
	size_t copied = 0;
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
	while (i < n) {
		/* the common case, 8 bytes at a time: none at or past 0x80, below 0x20 or 0x7f
		 * (exact tests for a byte below n: (w - n*ones) & ~w & highs, n <= 0x80) */
		for (uint64_t w, d; i + 8 <= n; i += 8) {
			memcpy(&w, p + i, 8);
			d = w ^ (0x7f * ones);
			if ((w & highs) | ((w - 0x20 * ones) & ~w & highs) | ((d - ones) & ~d & highs)) break;
		}
		if (i >= n) break;
		unsigned c = p[i];
		size_t k = 0;
		bool bad = false;
		if (c < 0x80) {
			bad = (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') || c == 0x7f;
			k = 1;
		} else {
			unsigned cp, min;
			if ((c & 0xe0) == 0xc0) k = 2, cp = c & 0x1f, min = 0x80;
			else if ((c & 0xf0) == 0xe0) k = 3, cp = c & 0x0f, min = 0x800;
			else if ((c & 0xf8) == 0xf0) k = 4, cp = c & 0x07, min = 0x10000;
			else k = 1, cp = 0, min = 1, bad = true;
			if (!bad) {
				if (i + k > n) bad = true;
				for (size_t q = 1; !bad && q < k; q++) {
					if ((p[i + q] & 0xc0) != 0x80) bad = true;
					else cp = (cp << 6) | (p[i + q] & 0x3f);
				}
				if (bad) k = 1;
				else if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f) ||
				         (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe)
					bad = true;
			}
		}
		if (bad) {
			mr_buf_add(&out, p + copied, i - copied);
			mr_buf_puts(&out, "\xef\xbf\xbd");
			copied = i + k;
		}
		i += k;
	}
	if (!out.data) return;
	mr_buf_add(&out, p + copied, n - copied);
	mr_buf_release(b);
	*b = out;
}

/* write <out>/<rel>; creates missing directories; counts rewritten files */
static int write_out(mr_site *s, const char *rel, mr_buf *b, size_t *written, char **err)
{
	char *path = mr_path_join(s->out_dir, rel);
	bool changed = false;
	int rc = mr_write_file_atomic(path, mr_buf_str(b), b->len, &changed);
	if (rc < 0 && errno == ENOENT) {
		char *dir = mr_xstrdup(path);
		char *sl = strrchr(dir, '/');
		if (sl) {
			*sl = '\0';
			if (mr_mkdirs(dir, 0755) == 0) rc = mr_write_file_atomic(path, mr_buf_str(b), b->len, &changed);
		}
		free(dir);
	}
	if (rc < 0) fail(err, "cannot write %s: %s", path, strerror(errno));
	else if (changed && written) (*written)++;
	free(path);
	return rc;
}

static int render_page(mr_site *s, const char *tpl, json_t *view, const char *rel, size_t *written, char **err)
{
	mr_buf b = MR_BUF_INIT;
	char *terr = NULL;
	int rc = mr_template_set_render(s->tpl, tpl, view, &b, &terr);
	if (rc < 0) {
		fail(err, "%s", terr ? terr : "template failed");
		free(terr);
	} else {
		mr_site_sanitize(&b);
		rc = write_out(s, rel, &b, written, err);
	}
	mr_buf_release(&b);
	return rc;
}

/* remove a file or a directory tree under the output directory (never follows links) */
static void remove_tree(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0) return;
	if (!S_ISDIR(st.st_mode)) {
		unlink(path);
		return;
	}
	DIR *d = opendir(path);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
			char *p = mr_path_join(path, e->d_name);
			remove_tree(p);
			free(p);
		}
		closedir(d);
	}
	rmdir(path);
}

/* Remove from dir (recursively) whatever keep (relative paths -> true) does not
 * hold.  prefix: dir's path relative to the pruning root ("" at the top). */
static void prune_dir(const char *dir, const char *prefix, json_t *keep)
{
	DIR *d = opendir(dir);
	if (!d) return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
		char *p = mr_path_join(dir, e->d_name);
		char *rel = *prefix ? mr_xasprintf("%s/%s", prefix, e->d_name) : mr_xstrdup(e->d_name);
		struct stat st;
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			prune_dir(p, rel, keep);
			rmdir(p); /* fails, as it should, unless empty */
		} else if (!json_object_get(keep, rel)) unlink(p);
		free(rel);
		free(p);
	}
	closedir(d);
}

/* ------------------------------------------------------------ the registry as pages see it */

static void sreg_release(mr_sreg *r)
{
	free(r->mods);
	mr_strmap_free(r->by_id);
	for (size_t g = 0; g < r->ngroups; g++) {
		free(r->groups[g].key);
		free(r->groups[g].slug);
		free(r->groups[g].mods);
	}
	free(r->groups);
	free(r->group_of);
	memset(r, 0, sizeof *r);
}

static char *slug_of(const char *key)
{
	mr_buf b = MR_BUF_INIT;
	bool dash = false;
	for (const char *p = key; *p && b.len < 48; p++) {
		char c = *p;
		if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			mr_buf_putc(&b, c);
			dash = false;
		} else if (!dash && b.len) {
			mr_buf_putc(&b, '-');
			dash = true;
		}
	}
	while (b.len && b.data[b.len - 1] == '-') b.data[--b.len] = '\0';
	if (!b.len) mr_buf_puts(&b, "group");
	return mr_buf_detach(&b);
}

static int group_cmp(const void *a, const void *b)
{
	return strcmp(((const mr_sgroup *)a)->key, ((const mr_sgroup *)b)->key);
}

static void make_groups(mr_sreg *r)
{
	if (r->n <= GROUP_THRESHOLD) return;
	mr_strmap *owners = mr_strmap_new();
	for (size_t i = 0; i < r->n; i++) {
		const char *o = mr_js(r->mods[i], "owner");
		mr_strmap_put(owners, o ? o : "(no owner)", 1);
	}
	size_t nown = mr_strmap_count(owners);
	mr_strmap_free(owners);
	r->group_by = nown >= 2 && nown <= MAX_OWNER_GROUPS ? "owner" : "type";
	mr_strmap *idx = mr_strmap_new();
	size_t cap = 0;
	for (size_t i = 0; i < r->n; i++) {
		const char *k = mr_js(r->mods[i], r->group_by);
		if (!k) k = !strcmp(r->group_by, "owner") ? "(no owner)" : "(invalid)";
		size_t g;
		if (!mr_strmap_get(idx, k, &g)) {
			MR_GROW(r->groups, cap, r->ngroups + 1);
			memset(&r->groups[r->ngroups], 0, sizeof *r->groups);
			r->groups[r->ngroups].key = mr_xstrdup(k);
			g = r->ngroups++;
			mr_strmap_put(idx, k, g);
		}
	}
	mr_strmap_free(idx);
	qsort(r->groups, r->ngroups, sizeof *r->groups, group_cmp);
	idx = mr_strmap_new();
	mr_strmap *slugs = mr_strmap_new();
	for (size_t g = 0; g < r->ngroups; g++) {
		mr_strmap_put(idx, r->groups[g].key, g);
		char *sl = slug_of(r->groups[g].key);
		for (size_t k = 2; mr_strmap_get(slugs, sl, NULL); k++) {
			char *base = slug_of(r->groups[g].key);
			free(sl);
			sl = mr_xasprintf("%s-%zu", base, k);
			free(base);
		}
		mr_strmap_put(slugs, sl, g);
		r->groups[g].slug = sl;
	}
	mr_strmap_free(slugs);
	r->group_of = mr_xcalloc(r->n, sizeof *r->group_of);
	for (size_t i = 0; i < r->n; i++) {
		const char *k = mr_js(r->mods[i], r->group_by);
		if (!k) k = !strcmp(r->group_by, "owner") ? "(no owner)" : "(invalid)";
		size_t g = 0;
		mr_strmap_get(idx, k, &g);
		mr_sgroup *gr = &r->groups[g];
		MR_GROW(gr->mods, gr->cap, gr->n + 1);
		gr->mods[gr->n++] = i;
		r->group_of[i] = g;
	}
	mr_strmap_free(idx);
}

static int sreg_build(mr_sreg *r, json_t *ctx, const mr_site_opts *opts, char **err)
{
	memset(r, 0, sizeof *r);
	r->ctx = ctx;
	r->opts = opts;
	json_t *mods = json_object_get(ctx, "modules");
	if (!json_is_array(mods)) return fail(err, "context has no module list");
	r->mods = mr_xcalloc(json_array_size(mods) + 1, sizeof *r->mods);
	r->by_id = mr_strmap_new();
	size_t i;
	json_t *m;
	json_array_foreach(mods, i, m)
	{
		const char *id = mr_js(m, "id");
		/* ids become file names: only what the registry accepts as an id */
		bool ok = id && *id && strlen(id) <= 63 && id[0] >= 'a' && id[0] <= 'z';
		for (const char *p = id; ok && *p; p++) ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-';
		if (!ok || mr_strmap_get(r->by_id, id, NULL)) continue;
		mr_strmap_put(r->by_id, id, r->n);
		r->mods[r->n++] = m;
	}
	make_groups(r);
	return 0;
}

/* ------------------------------------------------------------ graphs */

static mr_graphs *graphs_of(mr_site *s, char **err)
{
	if (!s->gv) s->gv = mr_graphs_new(err);
	return s->gv;
}

static void node_for_module(const mr_sreg *r, size_t i, enum mr_gnode_kind kind, mr_gnode *n, mr_buf *href)
{
	json_t *m = r->mods[i];
	const char *id = mr_sreg_id(r, i);
	memset(n, 0, sizeof *n);
	n->name = id;
	n->label = mr_js(m, "name") ? mr_js(m, "name") : id;
	n->tooltip = id;
	n->status = mr_js(m, "status");
	n->invalid = !json_is_true(json_object_get(m, "valid"));
	n->kind = kind;
	if (kind != MR_GNODE_CURRENT && href) {
		mr_buf_reset(href);
		mr_buf_printf(href, MR_GRAPH_ROOT "modules/%s.html", id);
		n->href = mr_buf_str(href);
	}
}

/* find or add the node for name (modules by id, missing targets by text) */
typedef struct gbuilder {
	mr_graph g;
	mr_strmap *nodes;
	mr_arena *strings; /* hrefs and labels made for this graph */
} gbuilder;

static void gb_init(gbuilder *b)
{
	mr_graph_init(&b->g);
	b->nodes = mr_strmap_new();
	b->strings = mr_arena_new();
}

static void gb_release(gbuilder *b)
{
	mr_graph_release(&b->g);
	mr_strmap_free(b->nodes);
	mr_arena_free(b->strings);
}

static size_t gb_module(gbuilder *b, const mr_sreg *r, size_t i, enum mr_gnode_kind kind)
{
	const char *id = mr_sreg_id(r, i);
	char *key = mr_xasprintf("m:%s", id);
	size_t k;
	if (!mr_strmap_get(b->nodes, key, &k)) {
		mr_gnode n;
		mr_buf href = MR_BUF_INIT;
		node_for_module(r, i, kind, &n, &href);
		if (n.href) n.href = mr_arena_strdup(b->strings, n.href);
		mr_buf_release(&href);
		k = mr_graph_add_node(&b->g, &n);
		mr_strmap_put(b->nodes, key, k);
	}
	free(key);
	return k;
}

static size_t gb_missing(gbuilder *b, const char *target)
{
	char *key = mr_xasprintf("x:%s", target);
	size_t k;
	if (!mr_strmap_get(b->nodes, key, &k)) {
		mr_gnode n = {0};
		n.name = mr_arena_strdup(b->strings, target);
		n.label = n.name;
		n.tooltip = mr_arena_strdup(b->strings, key + 2);
		n.kind = MR_GNODE_MISSING;
		char *tip = mr_xasprintf("%s (missing)", target);
		n.tooltip = mr_arena_strdup(b->strings, tip);
		free(tip);
		k = mr_graph_add_node(&b->g, &n);
		mr_strmap_put(b->nodes, key, k);
	}
	free(key);
	return k;
}

static size_t gb_group(gbuilder *b, const mr_sreg *r, size_t g)
{
	char *key = mr_xasprintf("g:%zu", g);
	size_t k;
	if (!mr_strmap_get(b->nodes, key, &k)) {
		mr_gnode n = {0};
		char *label = mr_xasprintf("%s (%zu)", r->groups[g].key, r->groups[g].n);
		char *href = mr_xasprintf(MR_GRAPH_ROOT "graphs/registry/group-%s.html", r->groups[g].slug);
		n.name = mr_arena_strdup(b->strings, r->groups[g].key);
		n.label = mr_arena_strdup(b->strings, label);
		n.href = mr_arena_strdup(b->strings, href);
		char *tip = mr_xasprintf("%s %s: %zu modules", r->group_by, r->groups[g].key, r->groups[g].n);
		n.tooltip = mr_arena_strdup(b->strings, tip);
		free(tip);
		n.kind = MR_GNODE_GROUP;
		free(label);
		free(href);
		k = mr_graph_add_node(&b->g, &n);
		mr_strmap_put(b->nodes, key, k);
	}
	free(key);
	return k;
}

static const char *arena_tip(gbuilder *b, const char *from, const char *type, const char *to, const char *desc)
{
	char *t = desc && *desc ? mr_xasprintf("%s %s %s: %s", from, type ? type : "", to, desc)
	                        : mr_xasprintf("%s %s %s", from, type ? type : "", to);
	const char *r = mr_arena_strdup(b->strings, t);
	free(t);
	return r;
}

/* module i and every module it relates to, in both directions */
static void build_neighbourhood(const mr_sreg *r, size_t i, gbuilder *b)
{
	json_t *m = r->mods[i];
	const char *id = mr_sreg_id(r, i);
	size_t c = gb_module(b, r, i, MR_GNODE_CURRENT);
	json_t *rels = json_object_get(m, "relationships");
	size_t k;
	json_t *x;
	json_array_foreach(json_object_get(rels, "outgoing"), k, x)
	{
		const char *t = mr_js(x, "target");
		if (!t) continue;
		size_t ti;
		size_t node = mr_sreg_find(r, t, &ti) ? gb_module(b, r, ti, ti == i ? MR_GNODE_CURRENT : MR_GNODE_MODULE)
		                                      : gb_missing(b, t);
		const char *type = mr_js(x, "type");
		mr_graph_add_edge(&b->g, c, node, type, NULL, arena_tip(b, id, type, t, mr_js(x, "description")));
	}
	json_array_foreach(json_object_get(rels, "incoming"), k, x)
	{
		const char *src = mr_js(x, "source");
		size_t si;
		if (!src || !mr_sreg_find(r, src, &si)) continue;
		size_t node = gb_module(b, r, si, si == i ? MR_GNODE_CURRENT : MR_GNODE_MODULE);
		const char *type = mr_js(x, "type");
		mr_graph_add_edge(&b->g, node, c, type, NULL, arena_tip(b, src, type, id, mr_js(x, "description")));
	}
}

/* every relationship of the registry (type NULL: all types) */
static void build_whole(const mr_sreg *r, const char *type, gbuilder *b)
{
	if (!type)
		for (size_t i = 0; i < r->n; i++) gb_module(b, r, i, MR_GNODE_MODULE);
	size_t k;
	json_t *x;
	json_array_foreach(json_object_get(r->ctx, "relationships"), k, x)
	{
		const char *t = mr_js(x, "type");
		if (type && (!t || strcmp(t, type))) continue;
		size_t si, ti;
		if (!mr_sreg_find(r, mr_js(x, "source"), &si)) continue;
		const char *target = mr_js(x, "target");
		if (!target) continue;
		size_t from = gb_module(b, r, si, MR_GNODE_MODULE);
		size_t to = mr_sreg_find(r, target, &ti) ? gb_module(b, r, ti, MR_GNODE_MODULE) : gb_missing(b, target);
		mr_graph_add_edge(&b->g, from, to, t, NULL,
		                  arena_tip(b, mr_js(x, "source"), t, target, mr_js(x, "description")));
	}
}

typedef struct agg_edge {
	size_t from, to; /* node indexes */
	unsigned types;  /* bit per mr_rel_types entry */
	size_t count;
} agg_edge;

static int agg_cmp(const void *a, const void *b)
{
	const agg_edge *x = a, *y = b;
	if (x->count != y->count) return x->count > y->count ? -1 : 1;
	if (x->from != y->from) return x->from < y->from ? -1 : 1;
	return x->to < y->to ? -1 : x->to > y->to;
}

static unsigned type_bit(const char *t)
{
	for (unsigned q = 0; mr_rel_types[q]; q++)
		if (t && !strcmp(t, mr_rel_types[q])) return 1u << q;
	return 0;
}

/* the types of an aggregated edge, space-separated (graphs.c makes a class of each) */
static const char *agg_type(gbuilder *b, unsigned types, const char *sep)
{
	mr_buf t = MR_BUF_INIT;
	for (unsigned q = 0; mr_rel_types[q]; q++)
		if (types & (1u << q)) {
			if (t.len) mr_buf_puts(&t, sep);
			mr_buf_puts(&t, mr_rel_types[q]);
		}
	const char *r = mr_arena_strdup(b->strings, t.len ? mr_buf_str(&t) : "other");
	mr_buf_release(&t);
	return r;
}

/* aggregate edges between node pairs; keep the strongest max of them.  The
 * count shows as the line's width and in its tooltip: labels on hundreds of
 * edges make dot's layout take minutes. */
static void add_aggregated(gbuilder *b, agg_edge *v, size_t n, size_t max)
{
	if (n > 1) qsort(v, n, sizeof *v, agg_cmp);
	if (n > max) n = max;
	for (size_t k = 0; k < n; k++) {
		char *tip = mr_xasprintf("%zu relationship%s (%s)", v[k].count, v[k].count == 1 ? "" : "s",
		                         agg_type(b, v[k].types, ", "));
		size_t e = mr_graph_add_edge(&b->g, v[k].from, v[k].to, agg_type(b, v[k].types, " "), NULL,
		                             mr_arena_strdup(b->strings, tip));
		double w = 1;
		for (size_t c = v[k].count; c > 1 && w < 6; c /= 2) w += 0.8;
		b->g.edges[e].width = w;
		free(tip);
	}
}

static void agg_add(mr_strmap *idx, agg_edge **v, size_t *n, size_t *cap, size_t from, size_t to, unsigned bit)
{
	char key[64];
	snprintf(key, sizeof key, "%zu>%zu", from, to);
	size_t k;
	if (!mr_strmap_get(idx, key, &k)) {
		MR_GROW(*v, *cap, *n + 1);
		(*v)[*n] = (agg_edge){from, to, 0, 0};
		k = (*n)++;
		mr_strmap_put(idx, key, k);
	}
	(*v)[k].types |= bit;
	(*v)[k].count++;
}

/* the grouped overview: one node per group, links between groups counted */
static void build_overview(const mr_sreg *r, const char *type, gbuilder *b)
{
	for (size_t g = 0; g < r->ngroups; g++) gb_group(b, r, g);
	agg_edge *v = NULL;
	size_t n = 0, cap = 0;
	mr_strmap *idx = mr_strmap_new();
	size_t k;
	json_t *x;
	json_array_foreach(json_object_get(r->ctx, "relationships"), k, x)
	{
		const char *t = mr_js(x, "type");
		if (type && (!t || strcmp(t, type))) continue;
		size_t si, ti;
		if (!mr_sreg_find(r, mr_js(x, "source"), &si) || !mr_sreg_find(r, mr_js(x, "target"), &ti)) continue;
		size_t gs = r->group_of[si], gt = r->group_of[ti];
		if (gs == gt) continue;
		agg_add(idx, &v, &n, &cap, gb_group(b, r, gs), gb_group(b, r, gt), type_bit(t));
	}
	add_aggregated(b, v, n, MAX_GROUP_EDGES_PER_GROUP * r->ngroups);
	mr_strmap_free(idx);
	free(v);
	/* dot needs minutes for a few dozen densely linked boxes; neato does not */
	if (r->ngroups > 12) b->g.engine = "neato";
}

/* One group's modules and the relationships between them.  A group small
 * enough for dot to draw quickly also shows the groups its modules relate to
 * most, one node each; the rest, and for a larger group all of them, are left
 * to the list on its page (with hundreds of boxes and a thousand crossing edges
 * the picture would take seconds to lay out and say nothing), and a large
 * group's parts are packed in a grid. */
static void build_group(const mr_sreg *r, size_t g, bool external, gbuilder *b)
{
	const mr_sgroup *gr = &r->groups[g];
	/* the other groups drawn: those with the most relationships to this one */
	bool *shown = mr_xcalloc(r->ngroups + 1, sizeof *shown);
	if (external) {
		size_t *count = mr_sreg_group_link_counts(r, g);
		for (size_t pick = 0; pick < GROUP_NEIGHBOURS_SHOWN; pick++) {
			size_t best = r->ngroups;
			for (size_t o = 0; o < r->ngroups; o++)
				if (count[o] && !shown[o] && (best == r->ngroups || count[o] > count[best])) best = o;
			if (best == r->ngroups) break;
			shown[best] = true;
		}
		free(count);
	}
	for (size_t k = 0; k < gr->n; k++) gb_module(b, r, gr->mods[k], MR_GNODE_MODULE);
	agg_edge *v = NULL;
	size_t n = 0, cap = 0;
	mr_strmap *idx = mr_strmap_new();
	for (size_t k = 0; k < gr->n; k++) {
		size_t i = gr->mods[k];
		json_t *rels = json_object_get(r->mods[i], "relationships");
		size_t q;
		json_t *x;
		json_array_foreach(json_object_get(rels, "outgoing"), q, x)
		{
			const char *t = mr_js(x, "target");
			const char *type = mr_js(x, "type");
			size_t ti;
			if (!t) continue;
			size_t from = gb_module(b, r, i, MR_GNODE_MODULE);
			if (!mr_sreg_find(r, t, &ti))
				mr_graph_add_edge(&b->g, from, gb_missing(b, t), type, NULL, NULL);
			else if (r->group_of[ti] == g)
				mr_graph_add_edge(&b->g, from, gb_module(b, r, ti, MR_GNODE_MODULE), type, NULL,
				                  arena_tip(b, mr_sreg_id(r, i), type, t, mr_js(x, "description")));
			else if (shown[r->group_of[ti]])
				agg_add(idx, &v, &n, &cap, from, gb_group(b, r, r->group_of[ti]), type_bit(type));
		}
		json_array_foreach(json_object_get(rels, "incoming"), q, x)
		{
			const char *src = mr_js(x, "source");
			size_t si;
			if (!mr_sreg_find(r, src, &si) || r->group_of[si] == g || !shown[r->group_of[si]]) continue;
			agg_add(idx, &v, &n, &cap, gb_group(b, r, r->group_of[si]), gb_module(b, r, i, MR_GNODE_MODULE),
			        type_bit(mr_js(x, "type")));
		}
	}
	add_aggregated(b, v, n, (size_t)-1);
	mr_strmap_free(idx);
	free(v);
	free(shown);
	if (!external) b->g.pack = true;
	if (b->g.nnodes > 60) b->g.fast = true;
}

/* Lay out the graph unless <out>/<rel> already holds the SVG of the same graph
 * (its DOT text is the key, kept in the file as a comment); write it there
 * (links for its own place: file_root) and give back the SVG with links for the
 * page that shows it (page_root).  svg_out may be NULL. */
static int graph_file(mr_site *s, gbuilder *b, const char *rel, const char *file_root, const char *page_root,
                      mr_buf *svg_out, size_t *written, char **err)
{
	mr_buf dot = MR_BUF_INIT, svg = MR_BUF_INIT, file = MR_BUF_INIT;
	int rc = -1;
	/* the version line changes the key whenever the SVG writer changes */
	mr_buf_puts(&dot, "// modreg svg 1\n");
	mr_graph_dot(&b->g, &dot);
	char hash[65];
	mr_sha256_hex(dot.data, dot.len, hash);
	char *path = mr_path_join(s->out_dir, rel);
	char *old = NULL;
	size_t oldlen = 0;
	char *marker = mr_xasprintf("<!-- modreg-graph %s -->\n", hash);
	if (mr_read_file(path, (size_t)64 << 20, &old, &oldlen) == 0 && strstr(old, marker)) {
		/* the same graph as before: take its SVG back to neutral links */
		const char *start = strstr(old, "<svg");
		if (start) {
			char *from = mr_xasprintf("xlink:href=\"%s", file_root);
			const char *p = start, *end = old + oldlen;
			while (p < end) {
				const char *h = *file_root ? memmem(p, (size_t)(end - p), from, strlen(from)) : NULL;
				if (!h) break;
				mr_buf_add(&svg, p, (size_t)(h - p));
				mr_buf_puts(&svg, "xlink:href=\"" MR_GRAPH_ROOT);
				p = h + strlen(from);
			}
			mr_buf_add(&svg, p, (size_t)(end - p));
			free(from);
		}
	}
	if (!svg.len) {
		mr_graphs *gv = graphs_of(s, err);
		if (!gv) goto out;
		char *gerr = NULL;
		if (mr_graphs_render_direct(gv, &b->g, &svg, &gerr) < 0) {
			fail(err, "%s: %s", rel, gerr ? gerr : "graphviz failed");
			free(gerr);
			goto out;
		}
	}
	mr_buf_puts(&file, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n");
	mr_buf_puts(&file, marker);
	mr_graph_fix_root(svg.data, svg.len, file_root, &file);
	mr_site_sanitize(&file);
	if (write_out(s, rel, &file, written, err) < 0) goto out;
	if (svg_out) {
		mr_graph_fix_root(svg.data, svg.len, page_root, svg_out);
		mr_site_sanitize(svg_out);
	}
	rc = 0;
out:
	free(marker);
	free(old);
	free(path);
	mr_buf_release(&dot);
	mr_buf_release(&svg);
	mr_buf_release(&file);
	return rc;
}

/* ------------------------------------------------------------ Markdown links */

static const char *const image_exts[] = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".bmp", ".ico", ".svg", NULL};

typedef struct link_ctx {
	mr_site *s;
	const mr_sreg *r;
	const char *module;   /* the module whose document is rendered, NULL for the registry README */
	json_t *copies;       /* site path -> registry path: images to copy */
} link_ctx;

static bool image_name(const char *p)
{
	const char *dot = strrchr(p, '.');
	if (!dot || strchr(dot, '/')) return false;
	for (int i = 0; image_exts[i]; i++)
		if (!strcasecmp(dot, image_exts[i])) return true;
	return false;
}

/* an existing regular file inside dir (after resolving links), small enough */
static bool file_inside(const char *root, const char *dir_rel, const char *path_rel)
{
	char *dir = dir_rel && *dir_rel ? mr_path_join(root, dir_rel) : mr_xstrdup(root);
	char *path = mr_path_join(root, path_rel);
	char *rdir = realpath(dir, NULL), *rpath = realpath(path, NULL);
	bool ok = false;
	if (rdir && rpath) {
		size_t n = strlen(rdir);
		struct stat st;
		ok = !strncmp(rpath, rdir, n) && rpath[n] == '/' && stat(rpath, &st) == 0 && S_ISREG(st.st_mode) &&
		     (size_t)st.st_size <= MAX_IMAGE;
	}
	free(rdir);
	free(rpath);
	free(dir);
	free(path);
	return ok;
}

/* An SVG runs scripts when opened on its own, so only plain drawings are
 * copied: no scripts, event handlers, links out, foreign content, entities,
 * animations (which can set attributes) or external style. */
static bool svg_is_plain(const char *root, const char *rel)
{
	char *path = mr_path_join(root, rel);
	char *data = NULL;
	size_t len = 0;
	bool ok = mr_read_file(path, MAX_IMAGE, &data, &len) == 0 && memchr(data, '\0', len) == NULL;
	free(path);
	if (!ok) {
		free(data);
		return false;
	}
	for (size_t i = 0; i < len; i++)
		if (data[i] >= 'A' && data[i] <= 'Z') data[i] = (char)(data[i] - 'A' + 'a');
	static const char *const banned[] = {"<script", "javascript:", "<foreignobject", "<iframe", "<embed", "<object",
	                                     "<!entity", "<!doctype", "<set", "<animate", "@import", "<a ", "<a>",
	                                     "<image", "<use", "data:", NULL};
	for (int k = 0; banned[k] && ok; k++)
		if (strstr(data, banned[k])) ok = false;
	for (const char *p = data; ok && (p = strstr(p, "href")); p += 4) ok = false;
	for (const char *p = data; ok && (p = strstr(p, "url(")); p += 4) {
		const char *q = p + 4;
		while (*q == ' ' || *q == '\'' || *q == '"') q++;
		if (*q != '#') ok = false;
	}
	/* event handler attributes: on<letters>= after whitespace */
	for (size_t i = 1; ok && i + 3 < len; i++) {
		if (data[i] != 'o' || data[i + 1] != 'n') continue;
		char b = data[i - 1];
		if (b != ' ' && b != '\t' && b != '\n' && b != '\r' && b != '/') continue;
		size_t j = i + 2;
		while (j < len && data[j] >= 'a' && data[j] <= 'z') j++;
		while (j < len && (data[j] == ' ' || data[j] == '\t' || data[j] == '\n' || data[j] == '\r')) j++;
		if (j > i + 2 && j < len && data[j] == '=') ok = false;
	}
	free(data);
	return ok;
}

static bool svg_name(const char *p)
{
	return mr_str_has_suffix(p, ".svg") || mr_str_has_suffix(p, ".SVG");
}

static bool ignored_path(const char *p)
{
	char *copy = mr_xstrdup(p);
	bool bad = false;
	for (char *seg = strtok(copy, "/"); seg && !bad; seg = strtok(NULL, "/")) bad = mr_name_ignored(seg);
	free(copy);
	return bad;
}

static char *resolve_link(void *vctx, const char *path, bool image)
{
	link_ctx *lc = vctx;
	const mr_sreg *r = lc->r;
	const char *slash = strchr(path, '/');
	char *first = slash ? mr_xstrndup(path, (size_t)(slash - path)) : mr_xstrdup(path);
	const char *rest = slash ? slash + 1 : "";
	char *res = NULL;
	size_t mi;
	if (!mr_sreg_find(r, first, &mi)) {
		if (!strcmp(path, "README.md") && !image) res = mr_xstrdup("index.html");
		else if (image && !lc->module && image_name(path) && !ignored_path(path) &&
		         file_inside(lc->s->registry_root, "", path) &&
		         (!svg_name(path) || svg_is_plain(lc->s->registry_root, path))) {
			/* the registry README's own images, outside any module */
			res = mr_xasprintf("files/%s", path);
			json_object_set_new(lc->copies, res, json_string(path));
		}
		goto out;
	}
	if (!image) {
		if (!*rest || !strcmp(rest, "module.yaml") || !strcmp(rest, "README.md")) {
			res = mr_xasprintf("modules/%s.html", first);
			goto out;
		}
		if (!strncmp(rest, "docs/", 5) && mr_str_has_suffix(rest, ".md") && !strchr(rest + 5, '/')) {
			char *name = mr_xstrndup(rest + 5, strlen(rest + 5) - 3);
			size_t k;
			json_t *d;
			json_array_foreach(json_object_get(json_object_get(r->mods[mi], "docs"), "pages"), k, d)
			{
				const char *dn = mr_js(d, "name");
				if (dn && !strcmp(dn, name)) {
					res = mr_xasprintf("modules/%s/%s.html", first, name);
					break;
				}
			}
			free(name);
			goto out;
		}
	}
	if (lc->module && !strcmp(first, lc->module) && *rest && image_name(rest) && !ignored_path(rest) &&
	    file_inside(lc->s->registry_root, first, path) &&
	    (!svg_name(rest) || svg_is_plain(lc->s->registry_root, path))) {
		res = mr_xasprintf("modules/%s/files/%s", first, rest);
		json_object_set_new(lc->copies, res, json_string(path));
	}
out:
	free(first);
	return res;
}

static int copy_files(mr_site *s, json_t *copies, size_t *written, char **err)
{
	const char *dst;
	json_t *src;
	json_object_foreach(copies, dst, src)
	{
		char *path = mr_path_join(s->registry_root, json_string_value(src));
		char *data = NULL;
		size_t len = 0;
		if (mr_read_file(path, MAX_IMAGE, &data, &len) == 0) {
			mr_buf b = {data, len, len + 1};
			int rc = write_out(s, dst, &b, written, err);
			mr_buf_release(&b);
			if (rc < 0) {
				free(path);
				return -1;
			}
		}
		free(path);
	}
	return 0;
}

/* Renders a Markdown file of the registry (path relative to its root).  *html
 * gets the HTML or stays NULL when the file cannot be read. */
static void render_markdown_file(mr_site *s, link_ctx *lc, const char *path, const char *base_dir,
                                 const char *page_dir, const char *const *reserved, int shift, char **html,
                                 mr_md_result *res)
{
	char *full = mr_path_join(s->registry_root, path);
	char *text = NULL;
	size_t len = 0;
	*html = NULL;
	memset(res, 0, sizeof *res);
	if (mr_read_file(full, MAX_DOC_READ, &text, &len) == 0 || errno == EFBIG) {
		mr_buf out = MR_BUF_INIT;
		mr_md_opts o = {base_dir, page_dir, resolve_link, lc, reserved, 0, shift};
		if (!text) {
			/* too big even to read: say so */
			mr_buf_printf(&out, "<p class=\"notice\">This document is larger than %zu MiB and is not shown.</p>\n",
			              MAX_DOC_READ >> 20);
			res->too_large = true;
		} else if (mr_markdown_render(text, len, &o, &out, res) < 0) mr_buf_puts(&out, "<p class=\"notice\">This document could not be rendered.</p>\n");
		*html = mr_buf_detach(&out);
	}
	free(text);
	free(full);
}

/* ------------------------------------------------------------ one module */

static void reserve(const char ***ids, size_t *n, size_t *cap, const char *id)
{
	MR_GROW(*ids, *cap, *n + 2);
	(*ids)[(*n)++] = id;
	(*ids)[*n] = NULL;
}

static int render_module_pages(mr_site *s, const mr_sreg *r, size_t i, size_t *written, char **err)
{
	json_t *m = r->mods[i];
	const char *id = mr_sreg_id(r, i);
	int rc = -1;
	gbuilder gb;
	gb_init(&gb);
	mr_buf svg = MR_BUF_INIT, page = MR_BUF_INIT;
	json_t *keep = json_object(); /* files under modules/<id>/ */
	json_t *docs = json_array();
	json_t *copies = json_object();
	json_t *view = NULL;
	char **doc_html = NULL;
	size_t ndocs = 0;
	char *readme = NULL;
	const char **reserved = NULL;
	size_t nres = 0, cres = 0;
	mr_md_result res = {0};
	link_ctx lc = {s, r, id, copies};
	char *rel = NULL;

	/* the neighbourhood graph */
	build_neighbourhood(r, i, &gb);
	char *graph_rel = mr_xasprintf("graphs/%s.svg", id);
	int grc = graph_file(s, &gb, graph_rel, "../", "../", &svg, written, err);
	free(graph_rel);
	if (grc < 0) goto out;
	bool show_graph = gb.g.nedges > 0;

	/* docs pages first: their titles go into the module page */
	json_t *pages = json_object_get(json_object_get(m, "docs"), "pages");
	doc_html = mr_xcalloc(json_array_size(pages) + 1, sizeof *doc_html);
	size_t k;
	json_t *d;
	json_array_foreach(pages, k, d)
	{
		const char *name = mr_js(d, "name"), *path = mr_js(d, "path");
		if (!name || !path || strchr(name, '/') || !strcmp(name, "..") || !strcmp(name, ".")) continue;
		char *base = mr_xasprintf("%s/docs", id);
		char *pdir = mr_xasprintf("modules/%s", id);
		char *html = NULL;
		render_markdown_file(s, &lc, path, base, pdir, NULL, 0, &html, &res);
		free(base);
		free(pdir);
		if (!html) {
			mr_md_result_release(&res);
			continue;
		}
		json_t *o = json_object();
		json_object_set_new(o, "name", mr_jstr(name));
		json_object_set_new(o, "title", mr_jstr(res.title && *res.title ? res.title : name));
		mr_buf h = MR_BUF_INIT;
		char *target = mr_xasprintf("modules/%s/%s.html", id, name);
		mr_md_relative_href("modules", target, &h);
		free(target);
		json_object_set_new(o, "href", mr_jstr(mr_buf_str(&h)));
		mr_buf_release(&h);
		json_array_append_new(docs, o);
		doc_html[ndocs++] = html;
		mr_md_result_release(&res);
	}

	/* README, its anchors clear of the page's own ids */
	for (const char *const *p = mr_module_section_ids; *p; p++) reserve(&reserved, &nres, &cres, *p);
	const char *readme_path = mr_js(json_object_get(m, "docs"), "readme");
	if (readme_path) render_markdown_file(s, &lc, readme_path, id, "modules", reserved, 1, &readme, &res);
	view = mr_view_module(r, i, readme, res.too_large, show_graph ? mr_buf_str(&svg) : NULL, docs);
	mr_md_result_release(&res);
	rel = mr_xasprintf("modules/%s.html", id);
	if (render_page(s, "module", view, rel, written, err) < 0) goto out;
	free(rel);
	rel = mr_xasprintf("modules/%s.md", id);
	mr_text_module_md(r, i, &page);
	if (write_out(s, rel, &page, written, err) < 0) goto out;

	for (size_t q = 0; q < ndocs; q++) {
		json_t *dd = json_array_get(docs, q);
		json_t *dv = mr_view_doc(r, i, mr_js(dd, "title"), doc_html[q], docs, q);
		free(rel);
		rel = mr_xasprintf("modules/%s/%s.html", id, mr_js(dd, "name"));
		json_object_set_new(keep, rel + strlen("modules/") + strlen(id) + 1, json_true());
		int prc = render_page(s, "doc", dv, rel, written, err);
		json_decref(dv);
		if (prc < 0) goto out;
	}
	if (copy_files(s, copies, written, err) < 0) goto out;
	const char *dst;
	json_t *src;
	json_object_foreach(copies, dst, src) json_object_set_new(keep, dst + strlen("modules/") + strlen(id) + 1, json_true());
	free(rel);
	rel = mr_xasprintf("%s/modules/%s", s->out_dir, id);
	prune_dir(rel, "", keep);
	rmdir(rel);
	rc = 0;
out:
	free(rel);
	for (size_t q = 0; q < ndocs; q++) free(doc_html[q]);
	free(doc_html);
	free(readme);
	free(reserved);
	json_decref(view);
	json_decref(docs);
	json_decref(keep);
	json_decref(copies);
	mr_buf_release(&svg);
	mr_buf_release(&page);
	gb_release(&gb);
	return rc;
}

/* A module's pages, from its whole entry (the context's may be abridged) */
static int render_module(mr_site *s, const mr_sreg *r, size_t i, size_t *written, char **err)
{
	json_t *brief = r->mods[i], *whole = s->entry ? s->entry(s->entry_ctx, mr_sreg_id(r, i)) : NULL;
	if (whole) r->mods[i] = whole;
	int rc = render_module_pages(s, r, i, written, err);
	r->mods[i] = brief;
	json_decref(whole);
	return rc;
}

void mr_site_set_entries(mr_site *s, mr_site_entry_fn fn, void *ctx)
{
	s->entry = fn;
	s->entry_ctx = ctx;
}

static void remove_module_files(mr_site *s, const char *id)
{
	const char *fmts[] = {"%s/modules/%s.html", "%s/modules/%s.md", "%s/graphs/%s.svg", "%s/modules/%s", NULL};
	for (int k = 0; fmts[k]; k++) {
		char *p = mr_xasprintf(fmts[k], s->out_dir, id);
		remove_tree(p);
		free(p);
	}
}

/* ------------------------------------------------------------ pages about the whole registry */

static json_t *read_status(mr_site *s)
{
	char *path = mr_path_join(s->out_dir, "status.json");
	json_error_t je;
	json_t *st = json_load_file(path, 0, &je);
	free(path);
	if (st && !json_is_object(st)) {
		json_decref(st);
		st = NULL;
	}
	return st;
}

/* overview t: 0 the whole registry, 1.. one relationship type each */
static int render_overview(mr_site *s, const mr_sreg *r, size_t t, mr_buf *svg, size_t *written, char **err)
{
	const char *type = t ? mr_rel_types[t - 1] : NULL;
	gbuilder b;
	gb_init(&b);
	if (r->ngroups) build_overview(r, type, &b);
	else {
		build_whole(r, type, &b);
		if (b.g.nnodes > 100) b.g.fast = true;
	}
	char *rel = type ? mr_xasprintf("graphs/registry/type-%s.svg", type) : mr_xstrdup("graphs/registry/all.svg");
	int rc = graph_file(s, &b, rel, "../../", "", svg, written, err);
	free(rel);
	gb_release(&b);
	return rc;
}

static int render_group(mr_site *s, const mr_sreg *r, size_t g, size_t *written, char **err)
{
	gbuilder b;
	gb_init(&b);
	build_group(r, g, r->groups[g].n <= GROUP_EXTERNAL_MAX, &b);
	if (b.g.nnodes > 2 * GROUP_EXTERNAL_MAX) {
		/* too many other groups around a small one: its own modules only */
		gb_release(&b);
		gb_init(&b);
		build_group(r, g, false, &b);
	}
	mr_buf svg = MR_BUF_INIT;
	char *rel = mr_xasprintf("graphs/registry/group-%s.svg", r->groups[g].slug);
	int rc = graph_file(s, &b, rel, "../../", "../../", &svg, written, err);
	gb_release(&b);
	free(rel);
	if (rc == 0) {
		json_t *view = mr_view_group(r, g, mr_buf_str(&svg));
		rel = mr_xasprintf("graphs/registry/group-%s.html", r->groups[g].slug);
		rc = render_page(s, "group", view, rel, written, err);
		free(rel);
		json_decref(view);
	}
	mr_buf_release(&svg);
	return rc;
}

/* The units of work of a full render, in the order they are handed out: module
 * pages, group pages, the overview graphs. */
static size_t job_total(const mr_sreg *r)
{
	return r->n + r->ngroups + 1 + MR_NREL_TYPES;
}

static int run_job(mr_site *s, const mr_sreg *r, size_t j, size_t *written, char **err)
{
	if (j < r->n) return render_module(s, r, j, written, err);
	j -= r->n;
	if (j < r->ngroups) return render_group(s, r, j, written, err);
	return render_overview(s, r, j - r->ngroups, NULL, written, err);
}

/* graph.html (its overview was laid out as a job: this reads it back) and the
 * files of graphs/registry/ that no page needs any more */
static int finish_graphs(mr_site *s, const mr_sreg *r, size_t *written, char **err)
{
	mr_buf svg = MR_BUF_INIT;
	int rc = render_overview(s, r, 0, &svg, written, err);
	if (rc == 0) {
		json_t *view = mr_view_graph(r, mr_buf_str(&svg), r->ngroups > 0);
		rc = render_page(s, "graph", view, "graph.html", written, err);
		json_decref(view);
	}
	mr_buf_release(&svg);
	json_t *keep = json_object();
	json_object_set_new(keep, "all.svg", json_true());
	for (size_t t = 0; mr_rel_types[t]; t++) {
		char *name = mr_xasprintf("type-%s.svg", mr_rel_types[t]);
		json_object_set_new(keep, name, json_true());
		free(name);
	}
	for (size_t g = 0; g < r->ngroups; g++) {
		const char *ext[] = {"svg", "html"};
		for (int e = 0; e < 2; e++) {
			char *name = mr_xasprintf("group-%s.%s", r->groups[g].slug, ext[e]);
			json_object_set_new(keep, name, json_true());
			free(name);
		}
	}
	char *dir = mr_path_join(s->out_dir, "graphs/registry");
	prune_dir(dir, "", keep);
	free(dir);
	json_decref(keep);
	return rc;
}

static int copy_assets(mr_site *s, const char *src_dir, const char *rel, json_t *keep, size_t *written, char **err)
{
	DIR *d = opendir(src_dir);
	if (!d) return 0; /* no assets: nothing to copy */
	struct dirent *e;
	int rc = 0;
	while (rc == 0 && (e = readdir(d))) {
		if (e->d_name[0] == '.' || mr_name_ignored(e->d_name)) continue;
		char *p = mr_path_join(src_dir, e->d_name);
		char *r = *rel ? mr_xasprintf("%s/%s", rel, e->d_name) : mr_xstrdup(e->d_name);
		struct stat st;
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) rc = copy_assets(s, p, r, keep, written, err);
		else if (S_ISREG(st.st_mode)) {
			char *data = NULL;
			size_t len = 0;
			if (mr_read_file(p, MAX_IMAGE, &data, &len) < 0) rc = fail(err, "cannot read %s: %s", p, strerror(errno));
			else {
				mr_buf b = {data, len, len + 1};
				char *dst = mr_xasprintf("assets/%s", r);
				rc = write_out(s, dst, &b, written, err);
				free(dst);
				mr_buf_release(&b);
				json_object_set_new(keep, r, json_true());
			}
		}
		free(r);
		free(p);
	}
	closedir(d);
	return rc;
}

static int render_global(mr_site *s, const mr_sreg *r, bool full, size_t *written, char **err)
{
	int rc = -1;
	json_t *status = read_status(s);
	json_t *keep_files = json_object(), *keep_assets = json_object();
	mr_buf b = MR_BUF_INIT;
	char *intro = NULL;
	json_t *view = NULL;

	char *assets = mr_path_join(s->templates_dir, "assets");
	int arc = copy_assets(s, assets, "", keep_assets, written, err);
	free(assets);
	if (arc < 0) goto out;

	/* the registry README introduces the index */
	char *root_readme = mr_path_join(s->registry_root, "README.md");
	struct stat st;
	if (stat(root_readme, &st) == 0 && S_ISREG(st.st_mode)) {
		link_ctx lc = {s, r, NULL, keep_files};
		mr_md_result res;
		const char *reserved[] = {"modules", "filters", "search", "main", "top", "counts", "site-nav", NULL};
		render_markdown_file(s, &lc, "README.md", "", "", reserved, 1, &intro, &res);
		mr_md_result_release(&res);
	}
	free(root_readme);
	if (copy_files(s, keep_files, written, err) < 0) goto out;

	view = mr_view_index(r, intro, &s->index_rows);
	if (render_page(s, "index", view, "index.html", written, err) < 0) goto out;
	json_decref(view);
	view = mr_view_status(r, status);
	if (render_page(s, "status", view, "status.html", written, err) < 0) goto out;
	mr_text_llms(r, &b);
	if (write_out(s, "llms.txt", &b, written, err) < 0) goto out;
	mr_buf_reset(&b);
	mr_text_metrics(r, status, &b);
	if (write_out(s, "metrics.prom", &b, written, err) < 0) goto out;

	/* what the pages about the whole registry no longer need */
	char *dir;
	if (full) {
		dir = mr_path_join(s->out_dir, "assets");
		prune_dir(dir, "", keep_assets);
		free(dir);
	}
	json_t *files = json_object();
	const char *k;
	json_t *v;
	json_object_foreach(keep_files, k, v) json_object_set_new(files, k + strlen("files/"), json_true());
	dir = mr_path_join(s->out_dir, "files");
	prune_dir(dir, "", files);
	rmdir(dir);
	free(dir);
	json_decref(files);
	rc = 0;
out:
	free(intro);
	json_decref(view);
	json_decref(status);
	json_decref(keep_files);
	json_decref(keep_assets);
	mr_buf_release(&b);
	return rc;
}

/* ------------------------------------------------------------ workers
 * The jobs of a full render are handed out in small batches through a counter
 * in shared memory, so that the processes finish together however unequal the
 * jobs are (a group graph costs as much as hundreds of module pages). */

#define JOB_BATCH 8

typedef struct worker {
	pid_t pid;
	int fd; /* read end of its report pipe */
} worker;

static void write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR) continue;
		if (w <= 0) return;
		p += w;
		n -= (size_t)w;
	}
}

/* take jobs until none is left; NULL counter: all of them */
static int run_jobs(mr_site *s, const mr_sreg *r, atomic_size_t *next, size_t *written, char **err)
{
	size_t total = job_total(r);
	if (!next) {
		for (size_t j = 0; j < total; j++)
			if (run_job(s, r, j, written, err) < 0) return -1;
		return 0;
	}
	for (;;) {
		size_t from = atomic_fetch_add(next, JOB_BATCH);
		if (from >= total) return 0;
		size_t to = from + JOB_BATCH < total ? from + JOB_BATCH : total;
		for (size_t j = from; j < to; j++)
			if (run_job(s, r, j, written, err) < 0) {
				/* stop the others early too */
				atomic_store(next, total);
				return -1;
			}
	}
}

/* in the child: work, report, and leave without running the parent's exit
 * handlers or flushing its buffers */
static void __attribute__((noreturn)) worker_main(mr_site *s, const mr_sreg *r, atomic_size_t *next, int fd)
{
	size_t written = 0;
	char *err = NULL;
	int rc = run_jobs(s, r, next, &written, &err);
	char *msg = rc == 0 ? mr_xasprintf("ok %zu\n", written) : mr_xasprintf("error %s\n", err ? err : "failed");
	write_all(fd, msg, strlen(msg));
	close(fd);
	_exit(rc == 0 ? 0 : 1);
}

static int collect(worker *w, size_t *written, char **err)
{
	mr_buf b = MR_BUF_INIT;
	char chunk[512];
	for (;;) {
		ssize_t n = read(w->fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR) continue;
		if (n <= 0) break;
		mr_buf_add(&b, chunk, (size_t)n);
	}
	close(w->fd);
	int status = 0;
	while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR) {
	}
	int rc = 0;
	const char *msg = mr_buf_str(&b);
	if (!strncmp(msg, "ok ", 3) && WIFEXITED(status) && WEXITSTATUS(status) == 0) *written += strtoul(msg + 3, NULL, 10);
	else if (!strncmp(msg, "error ", 6)) {
		size_t n = strcspn(msg + 6, "\n");
		rc = fail(err, "%.*s", (int)n, msg + 6);
	} else if (WIFSIGNALED(status)) rc = fail(err, "a page worker was killed by signal %d", WTERMSIG(status));
	else rc = fail(err, "a page worker failed");
	mr_buf_release(&b);
	return rc;
}

static size_t job_count(const mr_site *s)
{
	if (s->opts.jobs > 0) return (size_t)s->opts.jobs;
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (size_t)n : 1;
}

/* ------------------------------------------------------------ the public interface */

mr_site *mr_site_new(const mr_site_opts *opts, char **err)
{
	if (!opts || !opts->out_dir || !opts->templates_dir || !opts->registry_root) {
		fail(err, "the site needs an output, a templates and a registry directory");
		return NULL;
	}
	if (!is_dir(opts->templates_dir)) {
		fail(err, "templates directory %s does not exist", opts->templates_dir);
		return NULL;
	}
	/* every page template must be there and compile before anything is written */
	for (int i = 0; required_templates[i]; i++) {
		char *file = mr_xasprintf("%s/%s.mustache", opts->templates_dir, required_templates[i]);
		char *text = NULL, *terr = NULL;
		size_t len = 0;
		if (mr_read_file(file, (size_t)16 << 20, &text, &len) < 0) {
			fail(err, "cannot read template %s: %s", file, strerror(errno));
			free(file);
			return NULL;
		}
		mr_template *t = mr_template_compile(text, len, &terr);
		free(text);
		if (!t) {
			fail(err, "%s: %s", file, terr ? terr : "syntax error");
			free(terr);
			free(file);
			return NULL;
		}
		mr_template_free(t);
		free(file);
	}
	mr_site *s = mr_xcalloc(1, sizeof *s);
	s->out_dir = mr_xstrdup(opts->out_dir);
	s->templates_dir = mr_xstrdup(opts->templates_dir);
	s->registry_root = mr_xstrdup(opts->registry_root);
	s->repo_url = opts->repo_url ? mr_xstrdup(opts->repo_url) : NULL;
	s->opts.out_dir = s->out_dir;
	s->opts.templates_dir = s->templates_dir;
	s->opts.registry_root = s->registry_root;
	s->opts.repo_url = s->repo_url;
	s->opts.jobs = opts->jobs;
	s->tpl = mr_template_set_new(s->templates_dir);
	s->rdeps = json_object();
	return s;
}

void mr_site_free(mr_site *s)
{
	if (!s) return;
	mr_template_set_free(s->tpl);
	mr_graphs_free(s->gv);
	json_decref(s->rdeps);
	json_decref(s->group_counts);
	json_decref(s->group_of);
	json_decref(s->graph_sigs);
	json_decref(s->subscribers);
	json_decref(s->index_rows);
	free(s->out_dir);
	free(s->templates_dir);
	free(s->registry_root);
	free(s->repo_url);
	free(s);
}

/* id -> [modules whose pages show it] for the whole registry */
static json_t *compute_rdeps(const mr_sreg *r)
{
	json_t *map = json_object();
	for (size_t i = 0; i < r->n; i++) {
		const char **ids = NULL;
		size_t n = 0;
		mr_sreg_page_deps(r, i, &ids, &n);
		for (size_t k = 0; k < n; k++) {
			json_t *list = json_object_get(map, ids[k]);
			if (!list) {
				list = json_array();
				json_object_set_new(map, ids[k], list);
			}
			json_array_append_new(list, json_string(mr_sreg_id(r, i)));
		}
		free(ids);
	}
	return map;
}

static int render_full(mr_site *s, const mr_sreg *r, size_t *written, char **err)
{
	/* this process is one of the workers: it starts with the pages about the
	 * whole registry while the others start on the jobs */
	size_t nproc = job_count(s);
	if (r->n < MIN_PARALLEL) nproc = 1;
	atomic_size_t *next = NULL;
	worker *ws = NULL;
	size_t started = 0;
	int rc = 0;
	if (nproc > 1) {
		void *shm = mmap(NULL, sizeof *next, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (shm != MAP_FAILED) {
			next = shm;
			atomic_init(next, 0);
			ws = mr_xcalloc(nproc, sizeof *ws);
			fflush(NULL); /* a child must not write the parent's buffered output again */
			for (size_t k = 0; k + 1 < nproc; k++) {
				int p[2];
				if (pipe(p) < 0) break;
				pid_t pid = fork();
				if (pid < 0) {
					close(p[0]);
					close(p[1]);
					break;
				}
				if (pid == 0) {
					close(p[0]);
					for (size_t q = 0; q < started; q++) close(ws[q].fd);
					worker_main(s, r, next, p[1]);
				}
				close(p[1]);
				ws[started].pid = pid;
				ws[started].fd = p[0];
				started++;
			}
		}
	}
	rc = render_global(s, r, true, written, err);
	if (rc == 0) rc = run_jobs(s, r, started ? next : NULL, written, err);
	else if (next) atomic_store(next, job_total(r));
	for (size_t k = 0; k < started; k++)
		if (collect(&ws[k], written, err) < 0) rc = -1;
	free(ws);
	if (next) munmap(next, sizeof *next);
	if (rc == 0) rc = finish_graphs(s, r, written, err);
	if (rc < 0) return -1;

	/* pages of modules that are gone */
	json_t *keep = json_object();
	for (size_t i = 0; i < r->n; i++) {
		const char *id = mr_sreg_id(r, i);
		char *a = mr_xasprintf("%s.html", id), *b = mr_xasprintf("%s.md", id), *c = mr_xasprintf("%s.svg", id);
		json_object_set_new(keep, a, json_true());
		json_object_set_new(keep, b, json_true());
		json_object_set_new(keep, c, json_true());
		json_object_set_new(keep, id, json_true());
		free(a);
		free(b);
		free(c);
	}
	const char *dirs[] = {"modules", "graphs", NULL};
	for (int d = 0; dirs[d]; d++) {
		char *dir = mr_path_join(s->out_dir, dirs[d]);
		DIR *dh = opendir(dir);
		struct dirent *e;
		while (dh && (e = readdir(dh))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
			if (!strcmp(dirs[d], "graphs") && !strcmp(e->d_name, "registry")) continue;
			bool ok = json_object_get(keep, e->d_name) != NULL;
			/* graphs/ holds no module directories */
			if (ok && !strcmp(dirs[d], "graphs") && !strchr(e->d_name, '.')) ok = false;
			if (!ok) {
				char *p = mr_path_join(dir, e->d_name);
				remove_tree(p);
				free(p);
			}
		}
		if (dh) closedir(dh);
		free(dir);
	}
	json_decref(keep);
	return 0;
}

/* the pages that show module id in the new registry: its neighbours in both
 * directions and the subscribers of the events it publishes */
/* event name -> ids of its subscribers */
static json_t *subscriber_map(const mr_sreg *r)
{
	json_t *map = json_object();
	for (size_t q = 0; q < r->n; q++) {
		size_t k;
		json_t *ev;
		json_array_foreach(json_object_get(json_object_get(r->mods[q], "events"), "subscribes"), k, ev)
		{
			const char *name = json_string_value(ev);
			if (!name) continue;
			json_t *list = json_object_get(map, name);
			if (!list) json_object_set_new(map, name, list = json_array());
			json_array_append_new(list, json_string(mr_sreg_id(r, q)));
		}
	}
	return map;
}

static void direct_rdeps(mr_site *s, const mr_sreg *r, const char *id, json_t *into)
{
	size_t i;
	if (!mr_sreg_find(r, id, &i)) return;
	json_t *m = r->mods[i];
	/* the modules its own page shows show it: relationships go both ways */
	const char **ids = NULL;
	size_t nids = 0;
	mr_sreg_page_deps(r, i, &ids, &nids);
	for (size_t k = 0; k < nids; k++)
		if (mr_sreg_find(r, ids[k], NULL)) json_object_set_new(into, ids[k], json_true());
	free(ids);
	/* and the subscribers of its events show who publishes them */
	json_t *pubs = json_object_get(json_object_get(m, "events"), "publishes");
	if (!json_array_size(pubs)) return;
	if (!s->subscribers) s->subscribers = subscriber_map(r);
	size_t z;
	json_t *p;
	json_array_foreach(pubs, z, p)
	{
		size_t k;
		json_t *sub;
		json_array_foreach(json_object_get(s->subscribers, mr_js(p, "name") ? mr_js(p, "name") : ""), k, sub)
			json_object_set_new(into, json_string_value(sub), json_true());
	}
}

static void sig_add(mr_buf *b, const char *s)
{
	mr_buf_puts(b, s ? s : "");
	mr_buf_putc(b, '\x1f');
}

/* What the registry's graphs and the page dependencies (compute_rdeps) take from module i:
 * its name, status, validity and group, its relationships and its events.  A change after
 * which no changed module's signature differs leaves both as they were. */
static char *graph_sig(const mr_sreg *r, size_t i)
{
	json_t *m = r->mods[i];
	mr_buf b = MR_BUF_INIT;
	sig_add(&b, mr_js(m, "name"));
	sig_add(&b, mr_js(m, "status"));
	sig_add(&b, json_is_true(json_object_get(m, "valid")) ? "v" : "i");
	sig_add(&b, r->ngroups && r->group_of ? r->groups[r->group_of[i]].key : NULL);
	size_t k;
	json_t *x;
	json_array_foreach(json_object_get(json_object_get(m, "relationships"), "outgoing"), k, x)
	{
		sig_add(&b, mr_js(x, "type"));
		sig_add(&b, mr_js(x, "target"));
		sig_add(&b, mr_js(x, "description"));
	}
	mr_buf_putc(&b, '\x1e');
	json_t *ev = json_object_get(m, "events");
	json_array_foreach(json_object_get(ev, "publishes"), k, x) sig_add(&b, mr_js(x, "name"));
	mr_buf_putc(&b, '\x1e');
	json_array_foreach(json_object_get(ev, "subscribes"), k, x) sig_add(&b, json_string_value(x));
	return mr_buf_detach(&b);
}

/* Record the signatures of the given modules (all of them when ids is NULL); true when one
 * of them differs from the last render's. */
static bool update_sigs(mr_site *s, const mr_sreg *r, const char *const *ids, size_t n)
{
	if (!s->graph_sigs || !ids) {
		json_decref(s->graph_sigs);
		s->graph_sigs = json_object();
		for (size_t i = 0; i < r->n; i++) {
			char *sig = graph_sig(r, i);
			json_object_set_new(s->graph_sigs, mr_sreg_id(r, i), json_string(sig));
			free(sig);
		}
		return true;
	}
	bool differ = false;
	for (size_t q = 0; q < n; q++) {
		size_t i;
		char *sig = ids[q] && mr_sreg_find(r, ids[q], &i) ? graph_sig(r, i) : NULL;
		const char *old = ids[q] ? json_string_value(json_object_get(s->graph_sigs, ids[q])) : NULL;
		if (!sig != !old || (sig && strcmp(sig, old))) differ = true;
		if (sig) json_object_set_new(s->graph_sigs, ids[q], json_string(sig));
		else if (ids[q]) json_object_del(s->graph_sigs, ids[q]);
		free(sig);
	}
	return differ;
}

/* the groups of the last render: key -> member count, and module id -> key */
static void remember_groups(mr_site *s, const mr_sreg *r)
{
	json_decref(s->group_counts);
	json_decref(s->group_of);
	s->group_counts = json_object();
	s->group_of = json_object();
	for (size_t g = 0; g < r->ngroups; g++) {
		json_object_set_new(s->group_counts, r->groups[g].key, json_integer((json_int_t)r->groups[g].n));
		for (size_t k = 0; k < r->groups[g].n; k++)
			json_object_set_new(s->group_of, mr_sreg_id(r, r->groups[g].mods[k]), json_string(r->groups[g].key));
	}
}

/* After a change: the module pages that show a changed module, then the pages
 * about the whole registry, then the group pages that can differ. */
static int render_changes(mr_site *s, const mr_sreg *r, const char *const *changed, size_t nchanged, size_t *count,
                          bool *graphs_changed, char **err)
{
	int rc = 0;
	*graphs_changed = update_sigs(s, r, changed, nchanged);
	if (*graphs_changed) {
		/* a module's events may be others now: who subscribes to what, from this render */
		json_decref(s->subscribers);
		s->subscribers = NULL;
	}
	json_t *todo = json_object();
	for (size_t c = 0; c < nchanged; c++) {
		const char *id = changed[c];
		if (!id) continue;
		json_object_set_new(todo, id, json_true());
		size_t k;
		json_t *x;
		json_array_foreach(json_object_get(s->rdeps, id), k, x) json_object_set_new(todo, json_string_value(x), json_true());
		direct_rdeps(s, r, id, todo);
	}
	/* the changed modules' own pages first (what the person who saved is waiting for),
	 * then those that show them; each part in id order, so that the pages come out in a
	 * predictable order */
	size_t n = json_object_size(todo), q = 0, nfirst = 0;
	const char **ids = mr_xcalloc(n + 1, sizeof *ids);
	const char *key;
	json_t *v;
	json_object_foreach(todo, key, v) ids[q++] = key;
	qsort(ids, n, sizeof *ids, mr_strcmp_ptr);
	json_t *own = json_object();
	for (size_t c = 0; c < nchanged; c++)
		if (changed[c]) json_object_set_new(own, changed[c], json_true());
	const char **rest = mr_xcalloc(n + 1, sizeof *rest);
	size_t nrest = 0;
	for (q = 0; q < n; q++) {
		if (json_object_get(own, ids[q])) ids[nfirst++] = ids[q];
		else rest[nrest++] = ids[q];
	}
	memcpy(ids + nfirst, rest, nrest * sizeof *ids);
	free(rest);
	json_decref(own);
	for (q = 0; q < n && rc == 0; q++) {
		size_t i;
		if (mr_sreg_find(r, ids[q], &i)) rc = render_module(s, r, i, count, err);
		else {
			bool valid_id = true;
			for (const char *p = ids[q]; *p; p++)
				valid_id = valid_id && ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-');
			if (valid_id && *ids[q]) remove_module_files(s, ids[q]);
		}
	}
	if (rc == 0) rc = render_global(s, r, false, count, err);

	/* groups: all of them when the groups or their sizes changed (every group graph
	 * shows the others with their sizes), else those of the modules rendered above,
	 * where they are now and where they were */
	bool all = json_object_size(s->group_counts) != r->ngroups;
	for (size_t g = 0; g < r->ngroups && !all; g++)
		all = json_integer_value(json_object_get(s->group_counts, r->groups[g].key)) != (json_int_t)r->groups[g].n;
	mr_strmap *gidx = mr_strmap_new();
	for (size_t g = 0; g < r->ngroups; g++) mr_strmap_put(gidx, r->groups[g].key, g);
	bool *touched = mr_xcalloc(r->ngroups + 1, sizeof *touched);
	for (q = 0; q < n; q++) {
		size_t i, g;
		if (mr_sreg_find(r, ids[q], &i) && r->group_of) touched[r->group_of[i]] = true;
		const char *old = json_string_value(json_object_get(s->group_of, ids[q]));
		if (old && mr_strmap_get(gidx, old, &g)) touched[g] = true;
	}
	for (size_t g = 0; g < r->ngroups && rc == 0; g++)
		if (all || touched[g]) rc = render_group(s, r, g, count, err);
	/* the overviews: built again only when a module's part in them changed, and laid out
	 * again only when their DOT text changed */
	*graphs_changed = *graphs_changed || all;
	for (size_t t = 0; t <= MR_NREL_TYPES && rc == 0 && *graphs_changed; t++)
		rc = render_overview(s, r, t, NULL, count, err);
	if (rc == 0 && *graphs_changed) rc = finish_graphs(s, r, count, err);
	free(touched);
	mr_strmap_free(gidx);
	free(ids);
	json_decref(todo);
	return rc;
}

int mr_site_render(mr_site *s, json_t *ctx, const mr_sync_result *sync, const char *const *changed, size_t nchanged,
                   size_t *written, char **err)
{
	(void)sync; /* the status page reads status.json, which the sync wrote */
	size_t count = 0;
	if (written) *written = 0;
	if (err) *err = NULL;
	mr_sreg r;
	if (sreg_build(&r, ctx, &s->opts, err) < 0) {
		sreg_release(&r);
		return -1;
	}
	int rc = 0;
	const char *dirs[] = {"modules", "graphs/registry", "assets", NULL};
	for (int d = 0; dirs[d] && rc == 0; d++) {
		char *p = mr_path_join(s->out_dir, dirs[d]);
		if (mr_mkdirs(p, 0755) < 0) rc = fail(err, "cannot create %s: %s", p, strerror(errno));
		free(p);
	}
	bool graphs_changed = true;
	if (rc == 0 && (!changed || !s->rendered)) {
		json_decref(s->subscribers);
		s->subscribers = NULL;
		rc = render_full(s, &r, &count, err);
		if (rc == 0) s->rendered = true;
		if (rc == 0) update_sigs(s, &r, NULL, 0);
		/* made now rather than on the first save, which waits for it otherwise */
		if (rc == 0) s->subscribers = subscriber_map(&r);
	} else if (rc == 0) rc = render_changes(s, &r, changed, nchanged, &count, &graphs_changed, err);
	if (rc == 0) {
		/* what the next render after a change compares with */
		if (graphs_changed || !s->rdeps) {
			json_decref(s->rdeps);
			s->rdeps = compute_rdeps(&r);
		}
		remember_groups(s, &r);
	} else {
		s->rendered = false; /* a failed render leaves pages behind: the next one is complete */
		json_decref(s->graph_sigs);
		s->graph_sigs = NULL;
		json_decref(s->subscribers);
		s->subscribers = NULL;
	}
	sreg_release(&r);
	if (written) *written = count;
	return rc;
}
