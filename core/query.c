/* query.c — list, show, dependencies, search, similar and validation over the data of
 * context.json, and their renderings for people.  Everything reads the context as JSON,
 * so an answer is the same whether it comes from a context.json on disk or one built in
 * memory from the registry. */
#include "query.h"

#include "context.h"
#include "sha256.h"
#include "sync.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- the context ---- */

json_t *mr_query_build(const char *root, const char *stats_dir, json_t *previous, mr_buf *text)
{
	mr_registry reg;
	if (mr_registry_load(&reg, root, stats_dir) < 0) {
		int e = errno;
		mr_registry_release(&reg); /* what the failed load had set up */
		errno = e;
		return NULL;
	}
	mr_analysis an;
	mr_analyse(&reg, &an);
	mr_context_in in = {&reg, &an, previous, mr_sync_now()};
	mr_buf b = MR_BUF_INIT;
	mr_context_render(&in, &b);
	json_error_t je;
	json_t *ctx = json_loadb(mr_buf_str(&b), b.len, 0, &je);
	if (text) mr_buf_add(text, mr_buf_str(&b), b.len);
	mr_buf_release(&b);
	mr_analysis_release(&an);
	mr_registry_release(&reg);
	if (!ctx) errno = EINVAL;
	return ctx;
}

json_t *mr_query_context(const char *out_dir, const char *root, const char *stats_dir, bool *from_file, char **err)
{
	char *path = mr_path_join(out_dir, "context.json");
	struct stat st;
	json_t *ctx = NULL;
	*err = NULL;
	if (from_file) *from_file = false;
	if (stat(path, &st) == 0) {
		json_error_t je;
		ctx = json_load_file(path, 0, &je);
		if (!ctx) *err = mr_xasprintf("cannot read %s: %s (line %d)", path, je.text, je.line);
		else if (!json_is_array(json_object_get(ctx, "modules"))) {
			*err = mr_xasprintf("%s is not a modreg context (no modules list)", path);
			json_decref(ctx);
			ctx = NULL;
		} else if (from_file) *from_file = true;
	} else {
		ctx = mr_query_build(root, stats_dir, NULL, NULL);
		if (!ctx) *err = mr_xasprintf("no %s, and the registry '%s' cannot be read: %s", path, root, strerror(errno));
	}
	free(path);
	return ctx;
}

static json_t *modules_of(json_t *ctx)
{
	json_t *m = json_object_get(ctx, "modules");
	return json_is_array(m) ? m : NULL;
}

static const char *sget(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

json_t *mr_query_module(json_t *ctx, const char *id)
{
	json_t *mods = modules_of(ctx), *m;
	size_t i;
	if (!mods || !id) return NULL;
	json_array_foreach(mods, i, m)
	{
		const char *mid = sget(m, "id");
		if (mid && !strcmp(mid, id)) return m;
	}
	return NULL;
}

/* id -> module object (new object holding references) */
static json_t *module_map(json_t *ctx)
{
	json_t *map = json_object(), *mods = modules_of(ctx), *m;
	size_t i;
	if (mods) json_array_foreach(mods, i, m)
	{
		const char *id = sget(m, "id");
		if (id) json_object_set(map, id, m);
	}
	return map;
}

size_t mr_query_count(json_t *res)
{
	json_t *c = json_object_get(res, "count");
	return json_is_integer(c) && json_integer_value(c) > 0 ? (size_t)json_integer_value(c) : 0;
}

static void copy_member(json_t *dst, json_t *src, const char *key)
{
	json_t *v = json_object_get(src, key);
	json_object_set_new(dst, key, v ? json_incref(v) : json_null());
}

static json_t *summary(json_t *m)
{
	json_t *s = json_object();
	copy_member(s, m, "id");
	copy_member(s, m, "name");
	copy_member(s, m, "type");
	copy_member(s, m, "version");
	copy_member(s, m, "status");
	copy_member(s, m, "valid");
	json_t *h = json_object_get(m, "health");
	json_t *hs = json_is_object(h) ? json_object_get(h, "status") : NULL;
	json_object_set_new(s, "health", hs ? json_incref(hs) : json_null());
	copy_member(s, m, "owner");
	copy_member(s, m, "description");
	json_t *tags = json_object_get(m, "tags");
	json_object_set_new(s, "tags", json_is_array(tags) ? json_incref(tags) : json_array());
	return s;
}

/* ---- text helpers ---- */

static char *lower_dup(const char *s)
{
	char *r = mr_xstrdup(s ? s : "");
	for (char *p = r; *p; p++) *p = (char)tolower((unsigned char)*p);
	return r;
}

static void add_str(mr_buf *b, const char *s)
{
	if (!s) return;
	mr_buf_puts(b, s);
	mr_buf_putc(b, '\n');
}

static void add_strings(mr_buf *b, json_t *arr, const char *member)
{
	size_t i;
	json_t *x;
	if (!json_is_array(arr)) return;
	json_array_foreach(arr, i, x)
	{
		if (json_is_string(x)) add_str(b, json_string_value(x));
		else if (member && json_is_object(x)) add_str(b, sget(x, member));
	}
}

/* the words of text, lowercase (heap array of heap strings, NULL-terminated) */
static char **words_of(const char *text, size_t *n)
{
	char **v = NULL;
	size_t cap = 0;
	*n = 0;
	const char *p = text ? text : "";
	while (*p) {
		while (*p && (isspace((unsigned char)*p) || *p == ',' || *p == ';')) p++;
		const char *s = p;
		while (*p && !isspace((unsigned char)*p) && *p != ',' && *p != ';') p++;
		if (p > s) {
			MR_GROW(v, cap, *n + 2);
			char *w = mr_xstrndup(s, (size_t)(p - s));
			for (char *q = w; *q; q++) *q = (char)tolower((unsigned char)*q);
			v[(*n)++] = w;
		}
	}
	if (v) v[*n] = NULL;
	return v;
}

static void free_words(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++) free(v[i]);
	free(v);
}

/* ---- list ---- */

static void text_of_module(json_t *m, mr_buf *b)
{
	add_str(b, sget(m, "id"));
	add_str(b, sget(m, "name"));
	add_str(b, sget(m, "description"));
	add_strings(b, json_object_get(m, "tags"), NULL);
	add_strings(b, json_object_get(m, "entities"), "name");
	json_t *ai = json_object_get(m, "ai");
	if (json_is_object(ai)) {
		add_strings(b, json_object_get(ai, "keywords"), NULL);
		add_str(b, sget(ai, "purpose"));
	}
}

json_t *mr_query_list(json_t *ctx, const mr_query_filter *f)
{
	json_t *out = json_array(), *mods = modules_of(ctx), *m;
	size_t nw = 0, i;
	char **words = words_of(f ? f->text : NULL, &nw);
	if (mods) json_array_foreach(mods, i, m)
	{
		if (f && f->status && (!sget(m, "status") || strcmp(sget(m, "status"), f->status))) continue;
		if (f && f->type && (!sget(m, "type") || strcmp(sget(m, "type"), f->type))) continue;
		if (nw) {
			mr_buf b = MR_BUF_INIT;
			text_of_module(m, &b);
			char *hay = lower_dup(mr_buf_str(&b));
			bool all = true;
			for (size_t k = 0; k < nw && all; k++) all = strstr(hay, words[k]) != NULL;
			free(hay);
			mr_buf_release(&b);
			if (!all) continue;
		}
		json_array_append_new(out, summary(m));
	}
	free_words(words, nw);
	return json_pack("{s:I, s:o}", "count", (json_int_t)json_array_size(out), "modules", out);
}

/* ---- dependencies ---- */

static bool type_allowed(const char *type, const char *const *types)
{
	if (!types) return true;
	for (size_t i = 0; types[i]; i++)
		if (type && !strcmp(types[i], type)) return true;
	return false;
}

static int entry_cmp(const void *pa, const void *pb)
{
	json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
	return strcmp(sget(a, "id"), sget(b, "id"));
}

json_t *mr_query_deps(json_t *ctx, const char *id, mr_query_direction dir, bool transitive, const char *const *types)
{
	if (!mr_query_module(ctx, id)) return NULL;
	json_t *map = module_map(ctx);
	json_t *rels = json_object_get(ctx, "relationships");
	const char *from_key = dir == MR_QUERY_OUTGOING ? "source" : "target";
	const char *to_key = dir == MR_QUERY_OUTGOING ? "target" : "source";
	json_t *seen = json_object(); /* id -> its entry (or null for the start) */
	json_object_set_new(seen, id, json_null());
	json_t *result = json_array();
	bool cycle = false;
	/* the frontier: ids reached at the previous depth, in id order */
	char **frontier = mr_xcalloc(1, sizeof *frontier);
	size_t nfront = 1;
	frontier[0] = mr_xstrdup(id);
	for (int depth = 1; nfront && (depth == 1 || transitive); depth++) {
		json_t **level = NULL;
		size_t nlevel = 0, cap = 0;
		for (size_t f = 0; f < nfront; f++) {
			size_t i;
			json_t *r;
			if (!json_is_array(rels)) break;
			json_array_foreach(rels, i, r)
			{
				const char *from = sget(r, from_key), *to = sget(r, to_key);
				if (!from || !to || strcmp(from, frontier[f]) || !type_allowed(sget(r, "type"), types)) continue;
				if (!strcmp(to, id)) {
					cycle = true;
					continue;
				}
				json_t *e = json_object_get(seen, to);
				if (e) {
					/* reached before; another relationship between the same two modules joins it */
					json_t *via = json_object_get(e, "via");
					if (json_is_object(e) && json_integer_value(json_object_get(e, "depth")) == depth &&
					    json_is_string(via) && !strcmp(json_string_value(via), frontier[f]))
						json_array_append(json_object_get(e, "relationships"), r);
					continue;
				}
				json_t *m = json_object_get(map, to);
				e = json_object();
				json_object_set_new(e, "id", json_string(to));
				json_object_set_new(e, "name", m && sget(m, "name") ? json_string(sget(m, "name")) : json_null());
				json_object_set_new(e, "status", m && sget(m, "status") ? json_string(sget(m, "status")) : json_null());
				json_object_set_new(e, "resolved", json_boolean(m != NULL));
				json_object_set_new(e, "depth", json_integer(depth));
				json_object_set_new(e, "via", json_string(frontier[f]));
				json_object_set_new(e, "relationships", json_pack("[O]", r));
				json_object_set_new(seen, to, e); /* seen holds the reference; result borrows */
				MR_GROW(level, cap, nlevel + 1);
				level[nlevel++] = e;
			}
		}
		if (nlevel > 1) qsort(level, nlevel, sizeof *level, entry_cmp);
		for (size_t f = 0; f < nfront; f++) free(frontier[f]);
		free(frontier);
		frontier = mr_xcalloc(nlevel + 1, sizeof *frontier);
		nfront = 0;
		for (size_t k = 0; k < nlevel; k++) {
			json_array_append(result, level[k]);
			if (json_is_true(json_object_get(level[k], "resolved"))) frontier[nfront++] = mr_xstrdup(sget(level[k], "id"));
		}
		free(level);
	}
	for (size_t f = 0; f < nfront; f++) free(frontier[f]);
	free(frontier);
	json_decref(seen);
	json_decref(map);
	return json_pack("{s:s, s:s, s:b, s:I, s:b, s:o}", "id", id, "direction",
	                 dir == MR_QUERY_OUTGOING ? "outgoing" : "incoming", "transitive", transitive, "count",
	                 (json_int_t)json_array_size(result), "cycle", cycle, "modules", result);
}

/* ---- search ---- */

typedef struct field {
	const char *name;
	int weight; /* a word found at the start of a word; half inside one */
} field;

static const field search_fields[] = {
	{"id", 20}, {"name", 16}, {"entities", 12}, {"keywords", 10}, {"endpoints", 6},
	{"description", 4}, {"ai", 4}, {"capabilities", 4}, {"events", 4}, {"owner", 2},
};
#define NFIELDS (sizeof search_fields / sizeof search_fields[0])

static void field_text(json_t *m, size_t f, mr_buf *b)
{
	size_t i;
	json_t *x;
	json_t *ai = json_object_get(m, "ai");
	switch (f) {
	case 0: add_str(b, sget(m, "id")); break;
	case 1: add_str(b, sget(m, "name")); break;
	case 2:
		add_strings(b, json_object_get(m, "entities"), "name");
		add_strings(b, json_object_get(m, "entities"), "plural");
		break;
	case 3:
		add_strings(b, json_object_get(m, "tags"), NULL);
		if (json_is_object(ai)) add_strings(b, json_object_get(ai, "keywords"), NULL);
		break;
	case 4: {
		json_t *api = json_object_get(m, "api");
		add_strings(b, json_is_object(api) ? json_object_get(api, "routes") : NULL, "fullPath");
		break;
	}
	case 5: add_str(b, sget(m, "description")); break;
	case 6:
		if (!json_is_object(ai)) break;
		add_str(b, sget(ai, "purpose"));
		add_str(b, sget(ai, "category"));
		add_strings(b, json_object_get(ai, "patterns"), NULL);
		add_strings(b, json_object_get(ai, "concepts"), NULL);
		break;
	case 7:
		add_strings(b, json_object_get(m, "capabilities"), "description");
		add_strings(b, json_object_get(m, "actions"), "name");
		add_strings(b, json_object_get(m, "actions"), "description");
		json_array_foreach(json_object_get(m, "capabilities"), i, x) add_strings(b, json_object_get(x, "operations"), NULL);
		break;
	case 8: {
		json_t *ev = json_object_get(m, "events");
		if (!json_is_object(ev)) break;
		add_strings(b, json_object_get(ev, "publishes"), "name");
		add_strings(b, json_object_get(ev, "subscribes"), NULL);
		break;
	}
	case 9: add_str(b, sget(m, "owner")); break;
	}
}

static const char *const search_stop[] = {"a", "an", "and", "the", "of", "for", "to", "in", "on", "with", "by",
                                          "is", "are", "or", "that", "which", "what", "module", "modules", NULL};

/* the search form of a word: lowercase, a plural ending cut so that it matches either form */
static char *search_word(const char *w)
{
	size_t n = strlen(w);
	char *r = mr_xstrndup(w, n);
	if (n > 4 && !strcmp(r + n - 3, "ies")) r[n - 3] = '\0'; /* categories -> categor(y|ies) */
	else if (n > 3 && r[n - 1] == 's' && r[n - 2] != 's' && r[n - 2] != 'u' && r[n - 2] != 'i') r[n - 1] = '\0';
	return r;
}

/* weight of the best occurrence of w in hay: full at the start of a word, half inside one */
static int occurrence(const char *hay, const char *w, int weight)
{
	int best = 0;
	size_t n = strlen(w);
	if (!n) return 0;
	for (const char *p = strstr(hay, w); p; p = strstr(p + 1, w)) {
		bool start = p == hay || !isalnum((unsigned char)p[-1]);
		int s = start ? weight : weight / 2;
		if (s > best) best = s;
		if (best == weight) break;
	}
	return best;
}

typedef struct hit {
	json_t *module;
	size_t matched_words;
	int score;
	unsigned fields; /* bit per search field */
} hit;

static int hit_cmp(const void *pa, const void *pb)
{
	const hit *a = pa, *b = pb;
	if (a->matched_words != b->matched_words) return a->matched_words > b->matched_words ? -1 : 1;
	if (a->score != b->score) return a->score > b->score ? -1 : 1;
	return strcmp(sget(a->module, "id"), sget(b->module, "id"));
}

json_t *mr_query_search(json_t *ctx, const char *text, size_t limit)
{
	size_t nraw = 0, nw = 0, i;
	char **raw = words_of(text, &nraw);
	char **words = mr_xcalloc(nraw + 1, sizeof *words);
	for (size_t k = 0; k < nraw; k++) {
		bool stop = false;
		for (size_t s = 0; search_stop[s] && !stop; s++) stop = !strcmp(search_stop[s], raw[k]);
		if (!stop) words[nw++] = search_word(raw[k]);
	}
	if (!nw) /* only little words: search for them after all */
		for (size_t k = 0; k < nraw; k++) words[nw++] = search_word(raw[k]);
	char *whole = lower_dup(text);
	hit *hits = NULL;
	size_t nhits = 0, cap = 0;
	json_t *mods = modules_of(ctx), *m;
	if (mods && nw) json_array_foreach(mods, i, m)
	{
		if (!sget(m, "id")) continue;
		char *hay[NFIELDS];
		for (size_t f = 0; f < NFIELDS; f++) {
			mr_buf b = MR_BUF_INIT;
			field_text(m, f, &b);
			hay[f] = lower_dup(mr_buf_str(&b));
			mr_buf_release(&b);
		}
		hit h = {m, 0, 0, 0};
		/* a word counts in every field it occurs in: a module whose entities, keywords and
		 * endpoints all say "customer" is more about customers than one that mentions them */
		for (size_t k = 0; k < nw; k++) {
			int sum = 0;
			for (size_t f = 0; f < NFIELDS; f++) {
				int s = occurrence(hay[f], words[k], search_fields[f].weight);
				if (s) h.fields |= 1u << f;
				sum += s;
			}
			if (sum) h.matched_words++, h.score += sum;
		}
		if (!strcmp(sget(m, "id"), whole)) h.score += 50; /* the query is this module's id */
		for (size_t f = 0; f < NFIELDS; f++) free(hay[f]);
		if (!h.matched_words) continue;
		MR_GROW(hits, cap, nhits + 1);
		hits[nhits++] = h;
	}
	if (nhits > 1) qsort(hits, nhits, sizeof *hits, hit_cmp);
	json_t *out = json_array();
	for (size_t k = 0; k < nhits && (!limit || k < limit); k++) {
		json_t *s = summary(hits[k].module);
		json_object_set_new(s, "score", json_integer(hits[k].score));
		json_object_set_new(s, "matchedWords", json_integer((json_int_t)hits[k].matched_words));
		json_t *fl = json_array();
		for (size_t f = 0; f < NFIELDS; f++)
			if (hits[k].fields & (1u << f)) json_array_append_new(fl, json_string(search_fields[f].name));
		json_object_set_new(s, "matched", fl);
		json_array_append_new(out, s);
	}
	free(hits);
	free(whole);
	free_words(words, nw);
	free_words(raw, nraw);
	return json_pack("{s:s, s:I, s:I, s:o}", "query", text ? text : "", "words", (json_int_t)nw, "count",
	                 (json_int_t)json_array_size(out), "modules", out);
}

/* ---- similar ---- */

typedef struct simhit {
	json_t *module;
	int score;
	char *reasons;
} simhit;

static int simhit_cmp(const void *pa, const void *pb)
{
	const simhit *a = pa, *b = pb;
	if (a->score != b->score) return a->score > b->score ? -1 : 1;
	return strcmp(sget(a->module, "id"), sget(b->module, "id"));
}

json_t *mr_query_similar(json_t *ctx, const mr_simprofile *proposal, const char *exclude_id, size_t limit)
{
	simhit *hits = NULL;
	size_t n = 0, cap = 0, i;
	json_t *mods = modules_of(ctx), *m;
	if (mods) json_array_foreach(mods, i, m)
	{
		const char *id = sget(m, "id");
		if (!id || (exclude_id && !strcmp(id, exclude_id))) continue;
		mr_simprofile *p = mr_simprofile_from_json(m);
		mr_buf why = MR_BUF_INIT;
		int score = mr_similarity(proposal, p, &why);
		mr_simprofile_free(p);
		if (score < MR_SIMILAR_MIN) {
			mr_buf_release(&why);
			continue;
		}
		MR_GROW(hits, cap, n + 1);
		hits[n++] = (simhit){m, score, mr_buf_detach(&why)};
	}
	if (n > 1) qsort(hits, n, sizeof *hits, simhit_cmp);
	json_t *out = json_array();
	for (size_t k = 0; k < n; k++) {
		if (!limit || k < limit) {
			json_t *s = json_object();
			copy_member(s, hits[k].module, "id");
			copy_member(s, hits[k].module, "name");
			copy_member(s, hits[k].module, "type");
			copy_member(s, hits[k].module, "status");
			json_object_set_new(s, "score", json_integer(hits[k].score));
			json_object_set_new(s, "possibleDuplicate", json_boolean(hits[k].score >= MR_DUPLICATE_THRESHOLD));
			json_object_set_new(s, "reasons", json_string(hits[k].reasons));
			json_array_append_new(out, s);
		}
		free(hits[k].reasons);
	}
	free(hits);
	return json_pack("{s:i, s:I, s:o}", "threshold", MR_DUPLICATE_THRESHOLD, "count", (json_int_t)json_array_size(out),
	                 "modules", out);
}

/* ---- validation of manifest text ---- */

static char *declared_id(const char *text, size_t len)
{
	mr_diags tmp;
	mr_diags_init(&tmp);
	mr_ydoc doc;
	char *id = NULL;
	if (mr_yaml_load(text, len, "module.yaml", NULL, &tmp, &doc) == 0) {
		mr_ynode *v = mr_ymap_get(doc.root, "id");
		if (v && v->kind == MR_Y_STR && mr_id_valid(v->str)) id = mr_xstrdup(v->str);
	}
	mr_ydoc_release(&doc);
	mr_diags_release(&tmp);
	return id;
}

json_t *mr_query_validate_text(const char *root, const char *stats_dir, const char *text, size_t len,
                               const char *id_arg)
{
	if (id_arg && !mr_id_valid(id_arg)) return NULL;
	mr_registry reg;
	if (mr_registry_load(&reg, root, stats_dir) < 0) {
		mr_registry_release(&reg);
		reg.root = mr_xstrdup(root);
		mr_diags_init(&reg.diags);
	}
	char *id = id_arg ? mr_xstrdup(id_arg) : declared_id(text, len);
	if (!id) id = mr_xstrdup("proposed-module");
	const mr_module *existing = mr_registry_find(&reg, id);

	mr_module *mod = mr_xcalloc(1, sizeof *mod);
	mod->id = mr_xstrdup(id);
	mod->dir = existing ? mr_xstrdup(existing->dir) : mr_path_join(root, id);
	mod->file = mr_xasprintf("%s/module.yaml", id);
	mr_diags_init(&mod->diags);
	mr_diags_init(&mod->stats_diags);
	mod->stats.collected_at = NAN;
	mod->stats.avg_response_ms = NAN;
	mod->stats.requests = mod->stats.errors = -1;
	mod->has_readme = true; /* a proposal is judged by its manifest alone */
	mr_sha256_hex(text, len, mod->sha256);
	if (len > MR_MANIFEST_MAX_BYTES)
		mr_diag_add(&mod->diags, mod->file, 0, 0, "too-large", id, "the manifest is %zu bytes; a manifest is at most %d bytes",
		            len, MR_MANIFEST_MAX_BYTES);
	else
		mod->m = mr_manifest_load(text, len, existing ? existing->dir : NULL, id, mod->file, &mod->diags);
	mod->valid = mod->m && mod->m->errors == 0 && mr_diags_count(&mod->diags, MR_ERROR) == 0;
	bool valid = mod->valid;
	mr_registry_put(&reg, mod);

	mr_analysis an;
	mr_analyse(&reg, &an);
	long idx = mr_registry_index(&reg, id);
	mr_diags all;
	mr_diags_init(&all);
	for (size_t k = 0; k < mod->diags.len; k++) mr_diags_append_copy(&all, &mod->diags.items[k]);
	if (idx >= 0)
		for (size_t k = 0; k < an.info[idx].diags.len; k++) mr_diags_append_copy(&all, &an.info[idx].diags.items[k]);
	mr_diags_sort(&all);
	mr_buf b = MR_BUF_INIT;
	mr_jw w;
	mr_jw_init(&w, &b, 0, false);
	mr_jw_arr(&w);
	for (size_t k = 0; k < all.len; k++) mr_context_diag(&w, &all.items[k], NULL);
	mr_jw_end(&w);
	json_error_t je;
	json_t *diags = json_loadb(mr_buf_str(&b), b.len, 0, &je);
	if (!diags) diags = json_array();
	json_t *res = json_pack("{s:s, s:b, s:I, s:I, s:o}", "id", id, "valid", valid, "errors",
	                        (json_int_t)mr_diags_count(&all, MR_ERROR), "warnings",
	                        (json_int_t)mr_diags_count(&all, MR_WARNING), "diagnostics", diags);
	mr_buf_release(&b);
	mr_diags_release(&all);
	mr_analysis_release(&an);
	mr_registry_release(&reg);
	free(id);
	return res;
}

/* ---- text for people ---- */

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

static void pad(mr_buf *out, const char *s, size_t width)
{
	s = or_dash(s);
	size_t n = mr_utf8_length(s, strlen(s));
	mr_buf_puts(out, s);
	do mr_buf_putc(out, ' ');
	while (++n < width + 2);
}

static size_t width_of(json_t *arr, const char *key, size_t min)
{
	size_t w = min, i;
	json_t *x;
	json_array_foreach(arr, i, x)
	{
		const char *s = or_dash(sget(x, key));
		size_t n = mr_utf8_length(s, strlen(s));
		if (n > w) w = n;
	}
	return w;
}

void mr_query_list_text(json_t *res, mr_buf *out)
{
	json_t *mods = json_object_get(res, "modules"), *m;
	size_t i;
	if (!json_array_size(mods)) {
		mr_buf_puts(out, "no module matches\n");
		return;
	}
	size_t wid = width_of(mods, "id", 2), wtype = width_of(mods, "type", 4), wver = width_of(mods, "version", 7),
	       wst = width_of(mods, "status", 6), wh = width_of(mods, "health", 6);
	pad(out, "ID", wid);
	pad(out, "TYPE", wtype);
	pad(out, "VERSION", wver);
	pad(out, "STATUS", wst);
	pad(out, "HEALTH", wh);
	mr_buf_puts(out, "NAME\n");
	json_array_foreach(mods, i, m)
	{
		pad(out, sget(m, "id"), wid);
		pad(out, sget(m, "type"), wtype);
		pad(out, sget(m, "version"), wver);
		pad(out, sget(m, "status"), wst);
		pad(out, sget(m, "health"), wh);
		mr_buf_puts(out, or_dash(sget(m, "name")));
		if (json_is_false(json_object_get(m, "valid"))) mr_buf_puts(out, "  (invalid)");
		mr_buf_putc(out, '\n');
	}
	mr_buf_printf(out, "%zu module%s\n", json_array_size(mods), json_array_size(mods) == 1 ? "" : "s");
}

static void join_strings(mr_buf *out, json_t *arr, const char *member, const char *sep)
{
	size_t i, n = 0;
	json_t *x;
	json_array_foreach(arr, i, x)
	{
		const char *s = json_is_string(x) ? json_string_value(x) : sget(x, member);
		if (!s) continue;
		mr_buf_printf(out, "%s%s", n++ ? sep : "", s);
	}
	if (!n) mr_buf_puts(out, "-");
}

static void relationship_line(mr_buf *out, json_t *r, const char *other_key)
{
	mr_buf_printf(out, "  %-20s %s", or_dash(sget(r, other_key)), or_dash(sget(r, "type")));
	if (sget(r, "version")) mr_buf_printf(out, " %s", sget(r, "version"));
	json_t *sat = json_object_get(r, "satisfied");
	if (json_is_true(sat)) mr_buf_puts(out, " (satisfied)");
	else if (json_is_false(sat)) mr_buf_puts(out, " (NOT satisfied)");
	if (json_is_false(json_object_get(r, "resolved"))) mr_buf_puts(out, " (no such module)");
	json_t *ents = json_object_get(r, "entities");
	if (json_array_size(ents)) {
		mr_buf_puts(out, " [");
		join_strings(out, ents, NULL, ", ");
		mr_buf_putc(out, ']');
	}
	if (sget(r, "description")) mr_buf_printf(out, " — %s", sget(r, "description"));
	mr_buf_putc(out, '\n');
}

void mr_query_module_text(json_t *m, mr_buf *out)
{
	size_t i;
	json_t *x;
	json_t *h = json_object_get(m, "health");
	mr_buf_printf(out, "%s — %s\n", or_dash(sget(m, "id")), or_dash(sget(m, "name")));
	mr_buf_printf(out, "  %s %s, %s, health %s%s%s\n", or_dash(sget(m, "type")), or_dash(sget(m, "version")),
	              or_dash(sget(m, "status")), or_dash(sget(h, "status")),
	              json_is_false(json_object_get(m, "valid")) ? ", INVALID" : "",
	              json_is_true(json_object_get(m, "stale")) ? " (last valid content shown)" : "");
	if (sget(m, "description")) mr_buf_printf(out, "  %s\n", sget(m, "description"));
	mr_buf_printf(out, "owner: %s   license: %s   tags: ", or_dash(sget(m, "owner")), or_dash(sget(m, "license")));
	join_strings(out, json_object_get(m, "tags"), NULL, ", ");
	mr_buf_putc(out, '\n');
	json_t *ents = json_object_get(m, "entities");
	mr_buf_puts(out, "entities: ");
	join_strings(out, ents, "name", ", ");
	mr_buf_putc(out, '\n');
	json_t *api = json_object_get(m, "api");
	json_t *routes = json_is_object(api) ? json_object_get(api, "routes") : NULL;
	if (json_array_size(routes)) {
		mr_buf_printf(out, "endpoints (%zu):\n", json_array_size(routes));
		json_array_foreach(routes, i, x)
		{
			mr_buf_printf(out, "  %-7s %s", or_dash(sget(x, "method")), or_dash(sget(x, "fullPath")));
			if (sget(x, "entity") || sget(x, "operation"))
				mr_buf_printf(out, "  (%s%s%s)", sget(x, "entity") ? sget(x, "entity") : "",
				              sget(x, "entity") && sget(x, "operation") ? " " : "",
				              sget(x, "operation") ? sget(x, "operation") : "");
			mr_buf_putc(out, '\n');
		}
	}
	json_t *caps = json_object_get(m, "capabilities");
	if (json_array_size(caps)) {
		mr_buf_puts(out, "capabilities:\n");
		json_array_foreach(caps, i, x)
		{
			mr_buf_printf(out, "  %s%s%s [", or_dash(sget(x, "type")), sget(x, "entity") ? " " : "",
			              sget(x, "entity") ? sget(x, "entity") : "");
			join_strings(out, json_object_get(x, "operations"), NULL, " ");
			mr_buf_printf(out, "] %s\n", or_dash(sget(x, "source")));
		}
	}
	json_t *ev = json_object_get(m, "events");
	if (json_is_object(ev) && (json_array_size(json_object_get(ev, "publishes")) ||
	                           json_array_size(json_object_get(ev, "subscribes")))) {
		mr_buf_puts(out, "events: publishes ");
		join_strings(out, json_object_get(ev, "publishes"), "name", ", ");
		mr_buf_puts(out, "; subscribes ");
		join_strings(out, json_object_get(ev, "subscribes"), NULL, ", ");
		mr_buf_putc(out, '\n');
	}
	json_t *rel = json_object_get(m, "relationships");
	if (json_is_object(rel)) {
		json_t *o = json_object_get(rel, "outgoing"), *in = json_object_get(rel, "incoming");
		if (json_array_size(o)) {
			mr_buf_puts(out, "relates to:\n");
			json_array_foreach(o, i, x) relationship_line(out, x, "target");
		}
		if (json_array_size(in)) {
			mr_buf_puts(out, "used by:\n");
			json_array_foreach(in, i, x) relationship_line(out, x, "source");
		}
	}
	json_t *cfg = json_object_get(m, "config");
	if (json_array_size(cfg)) {
		mr_buf_puts(out, "config: ");
		join_strings(out, cfg, "key", ", ");
		mr_buf_putc(out, '\n');
	}
	json_t *ai = json_object_get(m, "ai");
	if (json_is_object(ai)) {
		if (sget(ai, "purpose")) mr_buf_printf(out, "purpose: %s\n", sget(ai, "purpose"));
		if (json_array_size(json_object_get(ai, "keywords"))) {
			mr_buf_puts(out, "keywords: ");
			join_strings(out, json_object_get(ai, "keywords"), NULL, ", ");
			mr_buf_putc(out, '\n');
		}
	}
	json_t *reasons = json_is_object(h) ? json_object_get(h, "reasons") : NULL;
	if (json_array_size(reasons)) {
		mr_buf_puts(out, "health:\n");
		json_array_foreach(reasons, i, x) if (json_is_string(x)) mr_buf_printf(out, "  %s\n", json_string_value(x));
	}
	json_t *dg = json_object_get(m, "diagnostics");
	if (json_array_size(dg)) {
		mr_buf_printf(out, "diagnostics (%zu):\n", json_array_size(dg));
		json_array_foreach(dg, i, x)
		{
			mr_buf_printf(out, "  %s:%lld:%lld: %s: %s [%s]\n", or_dash(sget(x, "file")),
			              (long long)json_integer_value(json_object_get(x, "line")),
			              (long long)json_integer_value(json_object_get(x, "column")), or_dash(sget(x, "severity")),
			              or_dash(sget(x, "message")), or_dash(sget(x, "code")));
		}
	}
	json_t *docs = json_object_get(m, "docs");
	if (json_is_object(docs) && sget(docs, "page")) mr_buf_printf(out, "page: %s\n", sget(docs, "page"));
}

void mr_query_deps_text(json_t *res, mr_buf *out)
{
	bool in = !strcmp(or_dash(sget(res, "direction")), "incoming");
	bool trans = json_is_true(json_object_get(res, "transitive"));
	json_t *mods = json_object_get(res, "modules"), *e;
	size_t i;
	const char *id = or_dash(sget(res, "id"));
	if (!json_array_size(mods)) {
		mr_buf_printf(out, in ? "nothing depends on %s\n" : "%s depends on nothing\n", id);
		return;
	}
	if (in) mr_buf_printf(out, "%s %s used by (what a change to it can affect):\n", id, trans ? "is, directly or not," : "is");
	else mr_buf_printf(out, "%s %s:\n", id, trans ? "relies on, directly or not" : "relies on");
	json_array_foreach(mods, i, e)
	{
		long long depth = json_integer_value(json_object_get(e, "depth"));
		mr_buf_printf(out, "%*s%s", (int)(2 * depth), "", or_dash(sget(e, "id")));
		if (json_is_false(json_object_get(e, "resolved"))) mr_buf_puts(out, " (no such module)");
		else if (sget(e, "status") && strcmp(sget(e, "status"), "active")) mr_buf_printf(out, " (%s)", sget(e, "status"));
		if (depth > 1) mr_buf_printf(out, " via %s", or_dash(sget(e, "via")));
		mr_buf_puts(out, ":");
		json_t *rs = json_object_get(e, "relationships"), *r;
		size_t k;
		json_array_foreach(rs, k, r)
		{
			mr_buf_printf(out, "%s %s", k ? "," : "", or_dash(sget(r, "type")));
			if (sget(r, "version")) mr_buf_printf(out, " %s", sget(r, "version"));
			if (json_is_false(json_object_get(r, "satisfied"))) mr_buf_puts(out, " (NOT satisfied)");
		}
		mr_buf_putc(out, '\n');
	}
	if (json_is_true(json_object_get(res, "cycle"))) mr_buf_printf(out, "note: %s is part of a cycle\n", id);
	mr_buf_printf(out, "%zu module%s\n", json_array_size(mods), json_array_size(mods) == 1 ? "" : "s");
}

void mr_query_search_text(json_t *res, mr_buf *out)
{
	json_t *mods = json_object_get(res, "modules"), *m;
	size_t i;
	if (!json_array_size(mods)) {
		mr_buf_printf(out, "nothing matches '%s'\n", or_dash(sget(res, "query")));
		return;
	}
	size_t wid = width_of(mods, "id", 2);
	long long words = json_integer_value(json_object_get(res, "words"));
	json_array_foreach(mods, i, m)
	{
		pad(out, sget(m, "id"), wid);
		mr_buf_printf(out, "%4lld  %s (", (long long)json_integer_value(json_object_get(m, "score")), or_dash(sget(m, "name")));
		join_strings(out, json_object_get(m, "matched"), NULL, ", ");
		long long mw = json_integer_value(json_object_get(m, "matchedWords"));
		if (mw < words) mr_buf_printf(out, "; %lld of %lld words", mw, words);
		mr_buf_puts(out, ")\n");
	}
}

void mr_query_similar_text(json_t *res, mr_buf *out)
{
	json_t *mods = json_object_get(res, "modules"), *m;
	size_t i;
	if (!json_array_size(mods)) {
		mr_buf_puts(out, "no similar module\n");
		return;
	}
	size_t wid = width_of(mods, "id", 2);
	json_array_foreach(mods, i, m)
	{
		pad(out, sget(m, "id"), wid);
		mr_buf_printf(out, "%3lld/100%s  %s\n", (long long)json_integer_value(json_object_get(m, "score")),
		              json_is_true(json_object_get(m, "possibleDuplicate")) ? "  possible duplicate" : "",
		              or_dash(sget(m, "reasons")));
	}
}

void mr_query_validate_text_render(json_t *res, mr_buf *out)
{
	json_t *dg = json_object_get(res, "diagnostics"), *x, *n;
	size_t i, k;
	json_array_foreach(dg, i, x)
	{
		mr_buf_printf(out, "%s:%lld:%lld: %s: %s [%s]\n", or_dash(sget(x, "file")),
		              (long long)json_integer_value(json_object_get(x, "line")),
		              (long long)json_integer_value(json_object_get(x, "column")), or_dash(sget(x, "severity")),
		              or_dash(sget(x, "message")), or_dash(sget(x, "code")));
		json_array_foreach(json_object_get(x, "notes"), k, n)
		mr_buf_printf(out, "%s:%lld:%lld: note: %s\n", or_dash(sget(n, "file")),
		              (long long)json_integer_value(json_object_get(n, "line")),
		              (long long)json_integer_value(json_object_get(n, "column")), or_dash(sget(n, "message")));
	}
	long long e = json_integer_value(json_object_get(res, "errors")), w = json_integer_value(json_object_get(res, "warnings"));
	mr_buf_printf(out, "%s: %s; %lld error%s, %lld warning%s\n", or_dash(sget(res, "id")),
	              json_is_true(json_object_get(res, "valid")) ? "valid" : "invalid", e, e == 1 ? "" : "s", w,
	              w == 1 ? "" : "s");
}
