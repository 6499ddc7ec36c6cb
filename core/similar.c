/* similar.c — token sets per module and a weighted overlap score. */
#include "similar.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

typedef struct tokset {
	char **v; /* sorted, unique */
	size_t n, cap;
} tokset;

struct mr_simprofile {
	tokset entities, endpoints, keywords, words;
	char **entity_display; /* entity names as written, parallel to nothing: for reasons */
	size_t nentity_display;
};

static void ts_add(tokset *t, char *s)
{
	if (!s || !*s) {
		free(s);
		return;
	}
	MR_GROW(t->v, t->cap, t->n + 1);
	t->v[t->n++] = s;
}

static void ts_finish(tokset *t)
{
	if (t->n < 2) return;
	qsort(t->v, t->n, sizeof *t->v, mr_strcmp_ptr);
	size_t w = 1;
	for (size_t i = 1; i < t->n; i++) {
		if (strcmp(t->v[i], t->v[w - 1]) == 0) free(t->v[i]);
		else t->v[w++] = t->v[i];
	}
	t->n = w;
}

static void ts_free(tokset *t)
{
	for (size_t i = 0; i < t->n; i++) free(t->v[i]);
	free(t->v);
}

static char *singular(const char *w, size_t n)
{
	if (n > 4 && !strncmp(w + n - 3, "ies", 3)) {
		char *r = mr_xstrndup(w, n - 2);
		r[n - 3] = 'y';
		return r;
	}
	if (n > 4 && (!strncmp(w + n - 4, "sses", 4) || !strncmp(w + n - 4, "shes", 4) || !strncmp(w + n - 4, "ches", 4) ||
	              !strncmp(w + n - 4, "xes", 3)))
		return mr_xstrndup(w, n - 2);
	if (n > 3 && w[n - 1] == 's' && w[n - 2] != 's' && w[n - 2] != 'u' && w[n - 2] != 'i') return mr_xstrndup(w, n - 1);
	return mr_xstrndup(w, n);
}

/* split an identifier or phrase into lowercase singular words */
static size_t split_words(const char *s, char ***out)
{
	char **words = NULL;
	size_t n = 0, cap = 0;
	mr_buf cur = MR_BUF_INIT;
	size_t len = strlen(s);
	for (size_t i = 0; i <= len; i++) {
		unsigned char c = (unsigned char)s[i];
		bool alnum = c && (isalnum(c) || c >= 0x80);
		bool boundary = !alnum || (i > 0 && isupper(c) && islower((unsigned char)s[i - 1])) ||
		                (i > 0 && isupper(c) && i + 1 < len && islower((unsigned char)s[i + 1]) &&
		                 isupper((unsigned char)s[i - 1]));
		if (boundary && cur.len) {
			MR_GROW(words, cap, n + 1);
			words[n++] = singular(cur.data, cur.len);
			mr_buf_reset(&cur);
		}
		if (alnum) mr_buf_putc(&cur, (char)tolower(c));
	}
	mr_buf_release(&cur);
	*out = words;
	return n;
}

char *mr_normalise_term(const char *s)
{
	char **w;
	size_t n = split_words(s, &w);
	mr_buf b = MR_BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		if (i) mr_buf_putc(&b, '-');
		mr_buf_puts(&b, w[i]);
		free(w[i]);
	}
	free(w);
	return mr_buf_detach(&b);
}

static const char *const stopwords[] = {"a", "an", "and", "the", "of", "for", "to", "in", "on", "with", "by", "it", "its",
                                        "is", "are", "be", "from", "as", "at", "or", "this", "that", "their", "them",
                                        "module", "modules", "service", "all", "each", "every", "one", "into", "can", NULL};

static bool stop(const char *w)
{
	for (size_t i = 0; stopwords[i]; i++)
		if (!strcmp(stopwords[i], w)) return true;
	return strlen(w) < 3;
}

static void add_words(tokset *t, const char *text)
{
	if (!text) return;
	char **w;
	size_t n = split_words(text, &w);
	for (size_t i = 0; i < n; i++) {
		if (stop(w[i])) free(w[i]);
		else ts_add(t, w[i]);
	}
	free(w);
}

/* "GET" + "/customers/{id}" -> "GET /customer/{}" (segments singular, parameters normalised) */
static char *endpoint_token(const char *method, const char *path)
{
	char *norm = mr_path_normalise(path);
	mr_buf b = MR_BUF_INIT;
	for (const char *p = method; *p; p++) mr_buf_putc(&b, (char)toupper((unsigned char)*p));
	mr_buf_putc(&b, ' ');
	const char *p = norm;
	while (*p) {
		if (*p == '/') {
			mr_buf_putc(&b, '/');
			p++;
			continue;
		}
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n == 2 && !strncmp(p, "{}", 2)) mr_buf_puts(&b, "{}");
		else {
			char *seg = mr_xstrndup(p, n);
			char *t = mr_normalise_term(seg);
			mr_buf_puts(&b, t);
			free(t);
			free(seg);
		}
		p += n;
	}
	free(norm);
	return mr_buf_detach(&b);
}

static void finish(mr_simprofile *p)
{
	ts_finish(&p->entities);
	ts_finish(&p->endpoints);
	ts_finish(&p->keywords);
	ts_finish(&p->words);
}

mr_simprofile *mr_simprofile_from_manifest(const mr_manifest *m)
{
	mr_simprofile *p = mr_xcalloc(1, sizeof *p);
	for (size_t i = 0; i < m->nentities; i++) ts_add(&p->entities, mr_normalise_term(m->entities[i].name.s));
	for (size_t i = 0; i < m->nroutes; i++) ts_add(&p->endpoints, endpoint_token(m->routes[i].method.s, m->routes[i].path.s));
	for (size_t i = 0; i < m->ai_keywords.n; i++) ts_add(&p->keywords, mr_normalise_term(m->ai_keywords.v[i].s));
	for (size_t i = 0; i < m->tags.n; i++) ts_add(&p->keywords, mr_normalise_term(m->tags.v[i].s));
	add_words(&p->words, m->name.s);
	add_words(&p->words, m->description.s);
	add_words(&p->words, m->ai_purpose.s);
	finish(p);
	return p;
}

static void json_terms(tokset *t, json_t *arr, const char *member)
{
	size_t i;
	json_t *x;
	if (!json_is_array(arr)) return;
	json_array_foreach(arr, i, x)
	{
		if (json_is_string(x)) ts_add(t, mr_normalise_term(json_string_value(x)));
		else if (json_is_object(x) && json_is_string(json_object_get(x, member)))
			ts_add(t, mr_normalise_term(json_string_value(json_object_get(x, member))));
	}
}

mr_simprofile *mr_simprofile_from_json(json_t *obj)
{
	mr_simprofile *p = mr_xcalloc(1, sizeof *p);
	if (!json_is_object(obj)) return p;
	json_terms(&p->entities, json_object_get(obj, "entities"), "name");
	json_t *eps = json_object_get(obj, "endpoints");
	json_t *api = json_object_get(obj, "api");
	json_t *routes = json_is_object(api) ? json_object_get(api, "routes") : NULL;
	size_t i;
	json_t *x;
	if (json_is_array(eps)) json_array_foreach(eps, i, x)
	{
		if (json_is_string(x)) {
			const char *s = json_string_value(x), *sp = strchr(s, ' ');
			if (sp) {
				char *m = mr_xstrndup(s, (size_t)(sp - s));
				ts_add(&p->endpoints, endpoint_token(m, sp + 1));
				free(m);
			}
		} else if (json_is_object(x) && json_is_string(json_object_get(x, "method")) && json_is_string(json_object_get(x, "path")))
			ts_add(&p->endpoints, endpoint_token(json_string_value(json_object_get(x, "method")),
			                                     json_string_value(json_object_get(x, "path"))));
	}
	if (json_is_array(routes)) json_array_foreach(routes, i, x)
	{
		if (json_is_object(x) && json_is_string(json_object_get(x, "method")) && json_is_string(json_object_get(x, "path")))
			ts_add(&p->endpoints, endpoint_token(json_string_value(json_object_get(x, "method")),
			                                     json_string_value(json_object_get(x, "path"))));
	}
	json_terms(&p->keywords, json_object_get(obj, "keywords"), "name");
	json_terms(&p->keywords, json_object_get(obj, "tags"), "name");
	json_t *ai = json_object_get(obj, "ai");
	if (json_is_object(ai)) json_terms(&p->keywords, json_object_get(ai, "keywords"), "name");
	const char *textk[] = {"name", "description", "purpose"};
	for (int k = 0; k < 3; k++) {
		json_t *v = json_object_get(obj, textk[k]);
		if (json_is_string(v)) add_words(&p->words, json_string_value(v));
	}
	if (json_is_object(ai) && json_is_string(json_object_get(ai, "purpose")))
		add_words(&p->words, json_string_value(json_object_get(ai, "purpose")));
	finish(p);
	return p;
}

void mr_simprofile_free(mr_simprofile *p)
{
	if (!p) return;
	ts_free(&p->entities);
	ts_free(&p->endpoints);
	ts_free(&p->keywords);
	ts_free(&p->words);
	free(p);
}

/* shared items of two sorted sets; names of the shared ones go to list (up to max) */
static size_t shared(const tokset *a, const tokset *b, const char **list, size_t max)
{
	size_t i = 0, j = 0, n = 0;
	while (i < a->n && j < b->n) {
		int c = strcmp(a->v[i], b->v[j]);
		if (c == 0) {
			if (list && n < max) list[n] = a->v[i];
			n++, i++, j++;
		} else if (c < 0) i++;
		else j++;
	}
	return n;
}

static double jaccard(size_t s, size_t a, size_t b)
{
	return a + b - s ? (double)s / (double)(a + b - s) : 0.0;
}

/* overlap relative to the smaller set: a proposal with 2 of an existing module's 5 entities */
static double overlap(size_t s, size_t a, size_t b)
{
	size_t m = a < b ? a : b;
	return m ? (double)s / (double)m : 0.0;
}

int mr_similarity(const mr_simprofile *a, const mr_simprofile *b, mr_buf *reasons)
{
	const char *ents[8];
	const char *kws[8];
	size_t se = shared(&a->entities, &b->entities, ents, 8);
	size_t sp = shared(&a->endpoints, &b->endpoints, NULL, 0);
	size_t sk = shared(&a->keywords, &b->keywords, kws, 8);
	size_t sw = shared(&a->words, &b->words, NULL, 0);
	double e = 0.5 * jaccard(se, a->entities.n, b->entities.n) + 0.5 * overlap(se, a->entities.n, b->entities.n);
	double p = 0.5 * jaccard(sp, a->endpoints.n, b->endpoints.n) + 0.5 * overlap(sp, a->endpoints.n, b->endpoints.n);
	double k = overlap(sk, a->keywords.n, b->keywords.n);
	double w = jaccard(sw, a->words.n, b->words.n);
	double wsum = 0, score = 0;
	if (a->entities.n && b->entities.n) wsum += 40, score += 40 * e;
	if (a->endpoints.n && b->endpoints.n) wsum += 25, score += 25 * p;
	if (a->keywords.n && b->keywords.n) wsum += 15, score += 15 * k;
	if (a->words.n && b->words.n) wsum += 20, score += 20 * w;
	int result = wsum > 0 ? (int)(100.0 * score / wsum + 0.5) : 0;
	/* little evidence is not a duplicate: scale down when only words overlap */
	if (se == 0 && sp == 0) result = result / 2;
	if (reasons) {
		bool any = false;
		if (se) {
			mr_buf_puts(reasons, "both manage ");
			for (size_t i = 0; i < se && i < 8; i++)
				mr_buf_printf(reasons, "%s%s", i == 0 ? "" : i + 1 == se || i == 7 ? " and " : ", ", ents[i]);
			if (se > 8) mr_buf_printf(reasons, " (%zu in all)", se);
			any = true;
		}
		if (sp) {
			mr_buf_printf(reasons, "%s%zu shared endpoint%s", any ? "; " : "", sp, sp == 1 ? "" : "s");
			any = true;
		}
		if (sk) {
			mr_buf_printf(reasons, "%sshared keywords: ", any ? "; " : "");
			for (size_t i = 0; i < sk && i < 8; i++) mr_buf_printf(reasons, "%s%s", i ? ", " : "", kws[i]);
			any = true;
		}
		if (sw) mr_buf_printf(reasons, "%s%zu words in common in name and description", any ? "; " : "", sw);
	}
	return result;
}

/* ---- candidate pairs through an inverted index ---- */

typedef struct posting {
	const char *tok; /* prefixed token */
	size_t mod;
} posting;

static int posting_cmp(const void *pa, const void *pb)
{
	const posting *a = pa, *b = pb;
	int c = strcmp(a->tok, b->tok);
	if (c) return c;
	return a->mod < b->mod ? -1 : a->mod > b->mod;
}

typedef struct pairk {
	size_t i, j;
} pairk;

static int pair_cmp(const void *pa, const void *pb)
{
	const pairk *a = pa, *b = pb;
	if (a->i != b->i) return a->i < b->i ? -1 : 1;
	return a->j < b->j ? -1 : a->j > b->j;
}

void mr_similar_pairs(mr_simprofile *const *profiles, size_t n, int threshold, mr_similar_pair_fn fn, void *ctx)
{
	posting *post = NULL;
	size_t np = 0, cap = 0;
	for (size_t m = 0; m < n; m++) {
		const mr_simprofile *p = profiles[m];
		if (!p) continue;
		const tokset *sets[] = {&p->entities, &p->endpoints};
		for (int s = 0; s < 2; s++)
			for (size_t i = 0; i < sets[s]->n; i++) {
				MR_GROW(post, cap, np + 1);
				post[np].tok = sets[s]->v[i];
				post[np].mod = m;
				np++;
			}
	}
	if (np > 1) qsort(post, np, sizeof *post, posting_cmp);
	/* candidate pairs: modules sharing an entity or endpoint token; tokens shared by more
	 * than 32 modules are too common to tell anything and are skipped, which keeps this linear */
	pairk *pairs = NULL;
	size_t npairs = 0, pcap = 0;
	for (size_t s = 0; s < np;) {
		size_t e = s + 1;
		while (e < np && !strcmp(post[e].tok, post[s].tok)) e++;
		if (e - s > 1 && e - s <= 32)
			for (size_t a = s; a < e; a++)
				for (size_t b = a + 1; b < e; b++) {
					if (post[a].mod == post[b].mod) continue;
					MR_GROW(pairs, pcap, npairs + 1);
					pairs[npairs].i = post[a].mod;
					pairs[npairs].j = post[b].mod;
					npairs++;
				}
		s = e;
	}
	if (npairs > 1) qsort(pairs, npairs, sizeof *pairs, pair_cmp);
	for (size_t k = 0; k < npairs; k++) {
		if (k && pairs[k].i == pairs[k - 1].i && pairs[k].j == pairs[k - 1].j) continue;
		int sc = mr_similarity(profiles[pairs[k].i], profiles[pairs[k].j], NULL);
		if (sc >= threshold) fn(ctx, pairs[k].i, pairs[k].j, sc);
	}
	free(pairs);
	free(post);
}
