/* similar.c — profiles of normalised tokens per module and a weighted overlap score.
 * Everything is compared in one normal form: lowercase words, split at camelCase,
 * snake_case and kebab-case, each reduced by a small suffix stemmer, so that
 * "OrderTrackings", "order_tracking" and "order-tracking" meet. */
#include "similar.h"

#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- token sets ---- */

typedef struct tokset {
	char **v; /* sorted, unique after ts_finish */
	size_t n, cap;
} tokset;

typedef struct sim_term {
	char *key;     /* squashed stem */
	char *display; /* as written */
	size_t ord;    /* order of insertion: the first display form of a key wins */
} sim_term;

typedef struct termset {
	sim_term *v; /* sorted by key, unique after terms_finish */
	size_t n, cap;
} termset;

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

/* number of shared items of two sorted sets; the first max of them go to list */
static size_t ts_shared(const tokset *a, const tokset *b, const char **list, size_t max)
{
	size_t i = 0, j = 0, n = 0;
	while (i < a->n && j < b->n) {
		int c = strcmp(a->v[i], b->v[j]);
		if (c == 0) {
			if (list && n < max) list[n] = b->v[j];
			n++, i++, j++;
		} else if (c < 0) i++;
		else j++;
	}
	return n;
}

/* ---- words ---- */

/* Length of the UTF-8 punctuation or space at s (general punctuation U+2000..U+206F,
 * Latin-1 punctuation U+00A0..U+00BF), 0 when s starts something else. */
static size_t utf8_punct(const unsigned char *s)
{
	if (s[0] == 0xE2 && s[1] == 0x80 && s[2] >= 0x80 && s[2] <= 0xBF) return 3;
	if (s[0] == 0xE2 && s[1] == 0x81 && s[2] >= 0x80 && s[2] <= 0xAF) return 3;
	if (s[0] == 0xC2 && s[1] >= 0xA0 && s[1] <= 0xBF) return 2;
	return 0;
}

typedef struct wordlist {
	char **v; /* lowercase, not yet stemmed */
	size_t n, cap;
} wordlist;

static void wl_free(wordlist *w)
{
	for (size_t i = 0; i < w->n; i++) free(w->v[i]);
	free(w->v);
	w->v = NULL;
	w->n = w->cap = 0;
}

/* Split an identifier or phrase into lowercase words: at anything that is not a letter
 * or digit, at a lower-to-upper change ("orderTracking") and before the last capital of
 * a run followed by lowercase ("HTTPServer" -> http, server). */
static void split_words(const char *s, wordlist *out)
{
	mr_buf cur = MR_BUF_INIT;
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0;; i++) {
		unsigned char c = p[i];
		size_t punct = c >= 0x80 ? utf8_punct(p + i) : 0;
		bool alnum = c && !punct && (isalnum(c) || c >= 0x80);
		bool boundary = !alnum || (i > 0 && isupper(c) && islower(p[i - 1])) ||
		                (i > 0 && isupper(c) && isupper(p[i - 1]) && islower(p[i + 1]));
		if (boundary && cur.len) {
			MR_GROW(out->v, out->cap, out->n + 1);
			out->v[out->n++] = mr_xstrndup(cur.data, cur.len);
			mr_buf_reset(&cur);
		}
		if (!c) break;
		if (punct) i += punct - 1;
		else if (alnum) mr_buf_putc(&cur, (char)tolower(c));
	}
	mr_buf_release(&cur);
}

static bool vowel(char c)
{
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
}

static bool has_vowel(const char *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (vowel(w[i])) return true;
	return false;
}

static bool ends(const char *w, size_t n, const char *suf)
{
	size_t k = strlen(suf);
	return n >= k && memcmp(w + n - k, suf, k) == 0;
}

/* A small suffix stemmer, in the spirit of Porter's first steps: plurals, -ing, -ed,
 * -ment, a doubled final consonant, a final e.  It need not produce words, only the same
 * stem for the forms people write: invoice/invoices/invoicing, ship/shipping/shipped,
 * fulfilment/fulfillment, manage/management. */
static char *stem(const char *word)
{
	size_t n = strlen(word);
	char *w = mr_xstrndup(word, n);
	if (n <= 3) return w;
	if (ends(w, n, "ies") && n > 4) {
		w[n - 3] = 'y';
		n -= 2;
	} else if (ends(w, n, "sses") || ends(w, n, "shes") || ends(w, n, "ches") || ends(w, n, "xes")) {
		n -= 2;
	} else if (w[n - 1] == 's' && w[n - 2] != 's' && w[n - 2] != 'u' && w[n - 2] != 'i') {
		n -= 1;
	}
	w[n] = '\0';
	if (n > 5 && ends(w, n, "ing") && has_vowel(w, n - 3)) n -= 3;
	else if (n > 4 && ends(w, n, "ed") && !ends(w, n, "eed") && has_vowel(w, n - 2)) n -= 2;
	else if (n > 6 && ends(w, n, "ment")) n -= 4;
	w[n] = '\0';
	if (n > 3 && w[n - 1] == w[n - 2] && !vowel(w[n - 1]) && isalpha((unsigned char)w[n - 1])) w[--n] = '\0';
	if (n > 4 && w[n - 1] == 'e') w[--n] = '\0';
	return w;
}

/* Words that say nothing about what a module does, in strcmp order (looked up by
 * binary search: a word is checked thousands of times a second at start-up). */
static const char *const stopwords[] = {
	"a", "about", "across", "after", "against", "all", "allow", "allows", "also", "an", "and", "any", "api",
	"apis", "app", "application", "are", "as", "at", "based", "be", "been", "before", "being", "between", "both",
	"but", "by", "can", "data", "do", "does", "e", "each", "etc", "every", "for", "from", "get", "gets", "give",
	"gives", "handle", "handles", "has", "have", "how", "i", "if", "in", "into", "is", "it", "its", "just",
	"let", "lets", "like", "make", "makes", "manage", "managed", "management", "manages", "managing", "many",
	"may", "module", "modules", "more", "most", "much", "must", "new", "no", "not", "of", "on", "one", "only",
	"or", "other", "others", "our", "out", "over", "own", "per", "platform", "provide", "provides", "s",
	"service", "services", "should", "simple", "so", "some", "such", "support", "supports", "system", "systems",
	"than", "that", "the", "their", "them", "then", "there", "these", "they", "this", "those", "through", "to",
	"tool", "tools", "two", "up", "us", "use", "used", "uses", "using", "via", "was", "we", "were", "what",
	"when", "where", "which", "while", "who", "will", "with", "within", "without", "would", "you", "your", NULL};

/* Words of a name that do not tell one module from another. */
static const char *const generic_name_words[] = {"center", "centre", "console", "core", "engine", "hub", "integration",
                                                 "manager", "module", "platform", "portal", "service", "suite",
                                                 "system", "tool", NULL};

/* Entity head nouns too common to suggest the same entity on their own (stemmed). */
static const char *const generic_heads[] = {"config", "data", "detail", "entry", "event", "info", "item", "line",
                                            "link", "list", "log", "record", "request", "set", "sett", "status",
                                            "type", "view", NULL};

static bool in_list(const char *const *list, const char *w)
{
	for (size_t i = 0; list[i]; i++)
		if (!strcmp(list[i], w)) return true;
	return false;
}

static int str_key_cmp(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

bool mr_sim_stopword(const char *w)
{
	return strlen(w) < 2 ||
	       bsearch(w, stopwords, sizeof stopwords / sizeof *stopwords - 1, sizeof *stopwords, str_key_cmp) != NULL;
}

const char *const *mr_sim_stopwords(void)
{
	return stopwords;
}

/* stemmed content words of text into t */
static void add_words(tokset *t, const char *text)
{
	if (!text) return;
	wordlist wl = {0};
	split_words(text, &wl);
	for (size_t i = 0; i < wl.n; i++)
		if (!mr_sim_stopword(wl.v[i])) ts_add(t, stem(wl.v[i]));
	wl_free(&wl);
}

/* The words of s, each stemmed, joined without separator: "order_trackings" -> "ordertrack".
 * head (optional) gets the last word's stem; first and rest (optional) the first word's
 * stem and the others joined, when there are several words (else NULL). */
static char *squash3(const char *s, char **head, char **first, char **rest)
{
	wordlist wl = {0};
	split_words(s, &wl);
	mr_buf b = MR_BUF_INIT;
	size_t first_len = 0;
	if (head) *head = NULL;
	if (first) *first = NULL;
	if (rest) *rest = NULL;
	for (size_t i = 0; i < wl.n; i++) {
		char *st = stem(wl.v[i]);
		mr_buf_puts(&b, st);
		if (i == 0) first_len = b.len;
		if (i == 0 && wl.n > 1 && first) *first = mr_xstrdup(st);
		if (head && i + 1 == wl.n) *head = st;
		else free(st);
	}
	if (rest && wl.n > 1) *rest = mr_xstrdup(mr_buf_str(&b) + first_len);
	wl_free(&wl);
	return mr_buf_detach(&b);
}

static char *squash(const char *s, char **head)
{
	return squash3(s, head, NULL, NULL);
}

static int term_cmp(const void *pa, const void *pb)
{
	const sim_term *a = pa, *b = pb;
	int c = strcmp(a->key, b->key);
	return c ? c : a->ord < b->ord ? -1 : a->ord > b->ord;
}

static void terms_add(termset *t, char *key, const char *display)
{
	if (!*key) {
		free(key);
		return;
	}
	MR_GROW(t->v, t->cap, t->n + 1);
	t->v[t->n] = (sim_term){key, mr_xstrdup(display), t->n};
	t->n++;
}

static void terms_finish(termset *t)
{
	if (t->n < 2) return;
	qsort(t->v, t->n, sizeof *t->v, term_cmp);
	size_t w = 1;
	for (size_t i = 1; i < t->n; i++) {
		if (strcmp(t->v[i].key, t->v[w - 1].key) == 0) {
			free(t->v[i].key);
			free(t->v[i].display);
		} else t->v[w++] = t->v[i];
	}
	t->n = w;
}

/* shared terms of two sets; the first max of b's display forms go to list */
static size_t terms_shared(const termset *a, const termset *b, const char **list, size_t max)
{
	size_t i = 0, j = 0, n = 0;
	while (i < a->n && j < b->n) {
		int c = strcmp(a->v[i].key, b->v[j].key);
		if (c == 0) {
			if (list && n < max) list[n] = b->v[j].display;
			n++, i++, j++;
		} else if (c < 0) i++;
		else j++;
	}
	return n;
}

char *mr_normalise_term(const char *s)
{
	/* the index keys of context.json: plural stripped, words kept apart */
	wordlist wl = {0};
	split_words(s, &wl);
	mr_buf b = MR_BUF_INIT;
	for (size_t i = 0; i < wl.n; i++) {
		char *w = wl.v[i];
		size_t n = strlen(w);
		if (i) mr_buf_putc(&b, '-');
		if (n > 4 && ends(w, n, "ies")) {
			mr_buf_add(&b, w, n - 3);
			mr_buf_putc(&b, 'y');
		} else if (n > 4 && (ends(w, n, "sses") || ends(w, n, "shes") || ends(w, n, "ches") || ends(w, n, "xes")))
			mr_buf_add(&b, w, n - 2);
		else if (n > 3 && w[n - 1] == 's' && w[n - 2] != 's' && w[n - 2] != 'u' && w[n - 2] != 'i')
			mr_buf_add(&b, w, n - 1);
		else mr_buf_add(&b, w, n);
	}
	wl_free(&wl);
	return mr_buf_detach(&b);
}

/* ---- profiles ---- */

typedef struct sim_entity {
	char *key;     /* squashed stem of the whole name */
	char *head;    /* stem of its last word (may be NULL) */
	char *first;   /* stem of its first word when it has several, else NULL */
	char *rest;    /* key without the first word when it has several, else NULL */
	char *display; /* as written */
} sim_entity;


typedef struct sim_endpoint {
	char *rel;     /* "GET /customer/{}": relative to the module's basePath */
	char *full;    /* with the basePath; equal to rel when there is none */
	char *display; /* "GET /crm/customers/{id}" as written */
} sim_endpoint;

struct mr_simprofile {
	sim_entity *ents;
	size_t nents, capents;
	sim_endpoint *eps;
	size_t neps, capeps;
	termset keywords; /* ai keywords */
	tokset names;    /* significant stemmed words of name and id */
	tokset forms;    /* the whole name, the id and their acronyms, squashed */
	tokset words;    /* stemmed content words */
	char *display_name;
	uint64_t serial;  /* unique to this profile in the process: the key of cached scores */
	uint64_t *tok;    /* hashes of the tokens the inverted index files it under (lazily) */
	size_t ntok;
	bool tok_done;
	char *strings;    /* once finished, every string above is in this one block */
};

/* Matching entities and endpoints is quadratic in their numbers; real modules have tens.
 * Beyond these, a (hostile) manifest's extra items take no part in the comparison. */
#define MAX_ENTITIES 256
#define MAX_ENDPOINTS 512

static void add_entity(mr_simprofile *p, const char *name)
{
	if (!name || !*name || p->nents >= MAX_ENTITIES) return;
	char *head, *first, *rest;
	char *key = squash3(name, &head, &first, &rest);
	bool seen = !*key;
	for (size_t i = 0; i < p->nents && !seen; i++) seen = !strcmp(p->ents[i].key, key);
	if (seen) {
		free(key);
		free(head);
		free(first);
		free(rest);
		return;
	}
	MR_GROW(p->ents, p->capents, p->nents + 1);
	p->ents[p->nents++] = (sim_entity){key, head, first, rest, mr_xstrdup(name)};
}

/* "GET" + "/customers/{id}" -> "GET /customer/{}" */
static char *endpoint_key(const char *method, const char *path)
{
	char *norm = mr_path_normalise(path);
	mr_buf b = MR_BUF_INIT;
	for (const char *m = method; *m; m++)
		if (!isspace((unsigned char)*m)) mr_buf_putc(&b, (char)toupper((unsigned char)*m));
	mr_buf_putc(&b, ' ');
	const char *s = norm;
	bool any = false;
	while (*s) {
		while (*s == '/') s++;
		if (!*s) break;
		const char *e = strchr(s, '/');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		char *seg = mr_xstrndup(s, n);
		char *sq = strcmp(seg, "{}") ? squash(seg, NULL) : mr_xstrdup("{}");
		mr_buf_putc(&b, '/');
		mr_buf_puts(&b, *sq ? sq : seg);
		any = true;
		free(sq);
		free(seg);
		s += n;
	}
	if (!any) mr_buf_putc(&b, '/');
	free(norm);
	return mr_buf_detach(&b);
}

static void add_endpoint(mr_simprofile *p, const char *method, const char *path, const char *full_path)
{
	if (!method || !path || !*method || p->neps >= MAX_ENDPOINTS) return;
	char *rel = endpoint_key(method, path);
	char *full = full_path ? endpoint_key(method, full_path) : mr_xstrdup(rel);
	for (size_t i = 0; i < p->neps; i++)
		if (!strcmp(p->eps[i].rel, rel) && !strcmp(p->eps[i].full, full)) {
			free(rel);
			free(full);
			return;
		}
	MR_GROW(p->eps, p->capeps, p->neps + 1);
	p->eps[p->neps++] = (sim_endpoint){rel, full, mr_xasprintf("%s %s", method, full_path ? full_path : path)};
}

static void add_keyword(mr_simprofile *p, const char *kw)
{
	if (!kw) return;
	terms_add(&p->keywords, squash(kw, NULL), kw);
	add_words(&p->words, kw);
}

/* name and id: significant words, the squashed whole, and an acronym of three or more letters */
static void add_name(mr_simprofile *p, const char *name)
{
	if (!name || !*name) return;
	wordlist wl = {0};
	split_words(name, &wl);
	mr_buf acro = MR_BUF_INIT;
	for (size_t i = 0; i < wl.n; i++) {
		const char *w = wl.v[i];
		if (!strcmp(w, "and") || !strcmp(w, "of") || !strcmp(w, "the") || !strcmp(w, "for")) continue;
		mr_buf_putc(&acro, w[0]);
		if (mr_sim_stopword(w) || in_list(generic_name_words, w)) continue;
		ts_add(&p->names, stem(w));
	}
	if (acro.len >= 3) ts_add(&p->forms, mr_buf_detach(&acro));
	mr_buf_release(&acro);
	wl_free(&wl);
	ts_add(&p->forms, squash(name, NULL));
}

static void slot_add(char ***v, size_t *n, char **s)
{
	if (*s) v[(*n)++] = s;
}

/* every string of the profile (the address of each pointer to one), in v (room for
 * all); how many */
static size_t string_slots(mr_simprofile *p, char ***v)
{
	size_t n = 0;
	for (size_t i = 0; i < p->nents; i++) {
		slot_add(v, &n, &p->ents[i].key);
		slot_add(v, &n, &p->ents[i].head);
		slot_add(v, &n, &p->ents[i].first);
		slot_add(v, &n, &p->ents[i].rest);
		slot_add(v, &n, &p->ents[i].display);
	}
	for (size_t i = 0; i < p->neps; i++) {
		slot_add(v, &n, &p->eps[i].rel);
		slot_add(v, &n, &p->eps[i].full);
		slot_add(v, &n, &p->eps[i].display);
	}
	for (size_t i = 0; i < p->keywords.n; i++) {
		slot_add(v, &n, &p->keywords.v[i].key);
		slot_add(v, &n, &p->keywords.v[i].display);
	}
	tokset *sets[] = {&p->names, &p->forms, &p->words};
	for (int k = 0; k < 3; k++)
		for (size_t i = 0; i < sets[k]->n; i++) slot_add(v, &n, &sets[k]->v[i]);
	slot_add(v, &n, &p->display_name);
	return n;
}

static int slot_cmp(const void *a, const void *b)
{
	return strcmp(**(char **const *)a, **(char **const *)b);
}

/* A watcher keeps a profile per module for as long as it runs: its hundreds of small
 * strings go into one block, each text once (an endpoint's path is often also its
 * display, an entity's name its key), and its lists lose their spare room. */
static void compact(mr_simprofile *p)
{
	size_t room = 5 * p->nents + 3 * p->neps + 2 * p->keywords.n + p->names.n + p->forms.n + p->words.n + 1;
	char ***slots = mr_xcalloc(room, sizeof *slots);
	size_t n = string_slots(p, slots);
	qsort(slots, n, sizeof *slots, slot_cmp);
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		if (!i || strcmp(*slots[i], *slots[i - 1])) total += strlen(*slots[i]) + 1;
	p->strings = mr_xmalloc(total ? total : 1);
	char *at = p->strings, *last = NULL;
	for (size_t i = 0; i < n; i++) {
		char *s = *slots[i];
		if (!last || strcmp(s, last)) {
			size_t len = strlen(s) + 1;
			memcpy(at, s, len);
			last = at;
			at += len;
		}
		*slots[i] = last;
		free(s);
	}
	free(slots);
	if (p->nents) p->ents = mr_xreallocarray(p->ents, p->nents, sizeof *p->ents), p->capents = p->nents;
	if (p->neps) p->eps = mr_xreallocarray(p->eps, p->neps, sizeof *p->eps), p->capeps = p->neps;
	if (p->keywords.n)
		p->keywords.v = mr_xreallocarray(p->keywords.v, p->keywords.n, sizeof *p->keywords.v), p->keywords.cap = p->keywords.n;
	tokset *sets[] = {&p->names, &p->forms, &p->words};
	for (int k = 0; k < 3; k++)
		if (sets[k]->n) sets[k]->v = mr_xreallocarray(sets[k]->v, sets[k]->n, sizeof *sets[k]->v), sets[k]->cap = sets[k]->n;
}

static void finish(mr_simprofile *p)
{
	terms_finish(&p->keywords);
	ts_finish(&p->names);
	ts_finish(&p->forms);
	ts_finish(&p->words);
	compact(p);
}

static atomic_uint_fast64_t profile_serial;

mr_simprofile *mr_simprofile_from_manifest(const mr_manifest *m)
{
	mr_simprofile *p = mr_xcalloc(1, sizeof *p);
	p->serial = atomic_fetch_add(&profile_serial, 1) + 1;
	for (size_t i = 0; i < m->nentities; i++) add_entity(p, m->entities[i].name.s);
	for (size_t i = 0; i < m->nroutes; i++)
		add_endpoint(p, m->routes[i].method.s, m->routes[i].path.s, m->routes[i].full_path);
	for (size_t i = 0; i < m->ai_keywords.n; i++) add_keyword(p, m->ai_keywords.v[i].s);
	for (size_t i = 0; i < m->tags.n; i++) add_words(&p->words, m->tags.v[i].s);
	for (size_t i = 0; i < m->ai_concepts.n; i++) add_words(&p->words, m->ai_concepts.v[i].s);
	add_name(p, m->name.s);
	add_name(p, m->id);
	if (m->declared_id.s && (!m->id || strcmp(m->declared_id.s, m->id))) add_name(p, m->declared_id.s);
	add_words(&p->words, m->name.s);
	add_words(&p->words, m->description.s);
	add_words(&p->words, m->ai_purpose.s);
	p->display_name = mr_xstrdup(m->name.s ? m->name.s : m->id ? m->id : "");
	finish(p);
	return p;
}

static const char *str_member(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* each string of arr, or member `member` of each object in it */
typedef void (*str_fn)(mr_simprofile *p, const char *s);
static void each_string(mr_simprofile *p, json_t *arr, const char *member, str_fn fn)
{
	size_t i;
	json_t *x;
	if (!json_is_array(arr)) return;
	json_array_foreach(arr, i, x)
	{
		if (json_is_string(x)) fn(p, json_string_value(x));
		else if (member && json_is_object(x) && str_member(x, member)) fn(p, str_member(x, member));
	}
}

static void word_fn(mr_simprofile *p, const char *s)
{
	add_words(&p->words, s);
}

static void entity_fn(mr_simprofile *p, const char *s)
{
	add_entity(p, s);
}

/* "GET /customers/{id}", "get /customers", or a bare path (taken as GET) */
static void endpoint_text(mr_simprofile *p, const char *s, const char *base)
{
	while (isspace((unsigned char)*s)) s++;
	const char *sp = s;
	while (*sp && !isspace((unsigned char)*sp)) sp++;
	char *method = NULL;
	const char *path = s;
	if (*s != '/') {
		method = mr_xstrndup(s, (size_t)(sp - s));
		path = sp;
		while (isspace((unsigned char)*path)) path++;
	}
	if (*path == '/') {
		char *full = base && *base ? mr_xasprintf("%s%s", base, path) : NULL;
		add_endpoint(p, method ? method : "GET", path, full);
		free(full);
	}
	free(method);
}

mr_simprofile *mr_simprofile_from_json(json_t *obj)
{
	mr_simprofile *p = mr_xcalloc(1, sizeof *p);
	p->serial = atomic_fetch_add(&profile_serial, 1) + 1;
	if (!json_is_object(obj)) {
		p->display_name = mr_xstrdup("");
		finish(p);
		return p;
	}
	size_t i;
	json_t *x;
	each_string(p, json_object_get(obj, "entities"), "name", entity_fn);

	json_t *api = json_object_get(obj, "api");
	const char *base = str_member(obj, "basePath");
	if (json_is_object(api) && str_member(api, "basePath")) base = str_member(api, "basePath");
	json_t *eps = json_object_get(obj, "endpoints");
	if (json_is_array(eps)) json_array_foreach(eps, i, x)
	{
		if (json_is_string(x)) endpoint_text(p, json_string_value(x), base);
		else if (json_is_object(x) && str_member(x, "path")) {
			const char *method = str_member(x, "method") ? str_member(x, "method") : "GET";
			char *full = base && *base ? mr_xasprintf("%s%s", base, str_member(x, "path")) : NULL;
			add_endpoint(p, method, str_member(x, "path"), full);
			free(full);
		}
	}
	json_t *routes = json_is_object(api) ? json_object_get(api, "routes") : NULL;
	if (json_is_array(routes)) json_array_foreach(routes, i, x)
	{
		const char *method = str_member(x, "method"), *path = str_member(x, "path");
		if (method && path) add_endpoint(p, method, path, str_member(x, "fullPath"));
	}

	json_t *ai = json_object_get(obj, "ai");
	json_t *kw = json_object_get(obj, "keywords");
	if (json_is_array(kw)) json_array_foreach(kw, i, x) if (json_is_string(x)) add_keyword(p, json_string_value(x));
	if (json_is_object(ai)) {
		kw = json_object_get(ai, "keywords");
		if (json_is_array(kw))
			json_array_foreach(kw, i, x) if (json_is_string(x)) add_keyword(p, json_string_value(x));
		each_string(p, json_object_get(ai, "concepts"), NULL, word_fn);
		add_words(&p->words, str_member(ai, "purpose"));
	}
	each_string(p, json_object_get(obj, "tags"), NULL, word_fn);
	each_string(p, json_object_get(obj, "concepts"), NULL, word_fn);
	add_name(p, str_member(obj, "name"));
	add_name(p, str_member(obj, "id"));
	add_words(&p->words, str_member(obj, "name"));
	add_words(&p->words, str_member(obj, "description"));
	add_words(&p->words, str_member(obj, "purpose"));
	const char *dn = str_member(obj, "name") ? str_member(obj, "name") : str_member(obj, "id");
	p->display_name = mr_xstrdup(dn ? dn : "");
	finish(p);
	return p;
}

void mr_simprofile_free(mr_simprofile *p)
{
	if (!p) return;
	/* every profile is finished: its strings are in one block (see compact) */
	free(p->tok);
	free(p->ents);
	free(p->eps);
	free(p->keywords.v);
	free(p->names.v);
	free(p->forms.v);
	free(p->words.v);
	free(p->strings);
	free(p);
}

bool mr_simprofile_empty(const mr_simprofile *p)
{
	return !p->nents && !p->neps && !p->keywords.n && !p->names.n && !p->forms.n && !p->words.n;
}

/* ---- scoring ---- */

static bool named(const mr_simprofile *a, const mr_simprofile *b, const char *w)
{
	const char *k = w;
	return (a->names.n && bsearch(&k, a->names.v, a->names.n, sizeof *a->names.v, mr_strcmp_ptr)) ||
	       (b->names.n && bsearch(&k, b->names.v, b->names.n, sizeof *b->names.v, mr_strcmp_ptr));
}

/* Match a's entities to b's, each used once.  The same entity counts 1: equal after
 * normalisation, or equal once a leading word that names one of the modules is dropped
 * ("ChatChannel" in a chat module and "Channel").  The same specific head noun
 * ("ComputeCluster" and "Cluster") counts 0.5.  matched[j] is 2 or 1 for b's entity j. */
static double match_entities(const mr_simprofile *a, const mr_simprofile *b, char *matched)
{
	double s = 0;
	char *used_a = mr_xcalloc(a->nents + 1, 1);
	for (int pass = 0; pass < 3; pass++)
		for (size_t i = 0; i < a->nents; i++) {
			const sim_entity *x = &a->ents[i];
			if (used_a[i]) continue;
			if (pass == 2 && (!x->head || in_list(generic_heads, x->head) || strlen(x->head) < 3)) continue;
			for (size_t j = 0; j < b->nents; j++) {
				const sim_entity *y = &b->ents[j];
				if (matched[j]) continue;
				bool hit;
				if (pass == 0) hit = !strcmp(x->key, y->key);
				else if (pass == 1)
					hit = (x->rest && !strcmp(x->rest, y->key) && named(a, b, x->first)) ||
					      (y->rest && !strcmp(y->rest, x->key) && named(a, b, y->first));
				else
					hit = y->head && (!strcmp(x->head, y->key) || !strcmp(y->head, x->key));
				if (hit) {
					matched[j] = pass < 2 ? 2 : 1;
					used_a[i] = 1;
					s += pass < 2 ? 1.0 : 0.5;
					break;
				}
			}
		}
	free(used_a);
	return s;
}

static bool endpoint_eq(const sim_endpoint *x, const sim_endpoint *y)
{
	return !strcmp(x->rel, y->rel) || !strcmp(x->full, y->full) || !strcmp(x->rel, y->full) ||
	       !strcmp(x->full, y->rel);
}

static size_t match_endpoints(const mr_simprofile *a, const mr_simprofile *b, char *matched)
{
	size_t n = 0;
	for (size_t i = 0; i < a->neps; i++)
		for (size_t j = 0; j < b->neps; j++)
			if (!matched[j] && endpoint_eq(&a->eps[i], &b->eps[j])) {
				matched[j] = 1, n++;
				break;
			}
	return n;
}

/* A blend of Jaccard (how much of both is shared) and the overlap coefficient (how much
 * of the smaller is shared: a proposal that is a part of an existing module).  The smaller
 * side counts as at least min_small items, so that one shared word out of one is not
 * taken for certainty. */
static double likeness(double shared, size_t na, size_t nb, double w_overlap, size_t min_small)
{
	if (!na || !nb || shared <= 0) return 0.0;
	size_t sm = na < nb ? na : nb;
	double uni = (double)na + (double)nb - shared, small = (double)(sm > min_small ? sm : min_small);
	double j = uni > 0 ? shared / uni : 0.0, o = shared / small;
	if (o > 1) o = 1;
	return (1 - w_overlap) * j + w_overlap * o;
}

static void list_join(mr_buf *r, const char **items, size_t n, size_t shown_max, const char *last_sep)
{
	size_t shown = n < shown_max ? n : shown_max;
	for (size_t i = 0; i < shown; i++)
		mr_buf_printf(r, "%s%s", i == 0 ? "" : (i + 1 == shown && shown == n) ? last_sep : ", ", items[i]);
	if (n > shown) mr_buf_printf(r, " and %zu more", n - shown);
}

int mr_similarity(const mr_simprofile *a, const mr_simprofile *b, mr_buf *reasons)
{
	char *ematch = mr_xcalloc(b->nents + 1, 1), *pmatch = mr_xcalloc(b->neps + 1, 1);
	double se = match_entities(a, b, ematch);
	{
		/* the same both ways round: the greedy matching may differ */
		char *back = mr_xcalloc(a->nents + 1, 1);
		double se2 = match_entities(b, a, back);
		free(back);
		if (se2 > se) se = se2;
	}
	size_t sp = match_endpoints(a, b, pmatch);
	const char *kws[8];
	size_t sk = terms_shared(&a->keywords, &b->keywords, kws, 8);
	size_t sn = ts_shared(&a->names, &b->names, NULL, 0);
	size_t sf = ts_shared(&a->forms, &b->forms, NULL, 0);
	/* an acronym of one is the other's name or id: "Customer Relationship Management" and "crm" */
	size_t sw = ts_shared(&a->words, &b->words, NULL, 0);

	double e = likeness(se, a->nents, b->nents, 0.7, 1);
	double pt = likeness((double)sp, a->neps, b->neps, 0.7, 2);
	double k = likeness((double)sk, a->keywords.n, b->keywords.n, 0.7, 3);
	double w = likeness((double)sw, a->words.n, b->words.n, 0.6, 6);
	/* the same name, id or acronym counts much; a shared word of two names, less */
	double nm = sf ? 0.5 : 0.3 * likeness((double)sn, a->names.n, b->names.n, 0.5, 2);

	double wsum = 0, sum = 0;
	if (a->nents && b->nents) wsum += 40, sum += 40 * e;
	if (a->neps && b->neps) wsum += 25, sum += 25 * pt;
	if (a->keywords.n && b->keywords.n) wsum += 20, sum += 20 * k;
	if (a->words.n && b->words.n) wsum += 15, sum += 15 * w;
	double base = wsum > 0 ? sum / wsum : 0.0;
	/* the same data reached the same way is a duplicate whatever the words around it */
	double swsum = 0, ssum = 0;
	if (a->nents && b->nents) swsum += 40, ssum += 40 * e;
	if (a->neps && b->neps) swsum += 25, ssum += 25 * pt;
	if (swsum > 0 && 0.95 * ssum / swsum > base) base = 0.95 * ssum / swsum;
	double score = 1.0 - (1.0 - base) * (1.0 - nm);
	/* both say which data they hold and how it is reached, and none of it is shared:
	 * alike words alone do not make a duplicate */
	if (a->nents && b->nents && a->neps && b->neps && se == 0 && sp == 0) score *= 0.6;
	int result = (int)(100.0 * score + 0.5);
	if (result > 100) result = 100;

	if (reasons) {
		size_t start = reasons->len;
#define SEP() (reasons->len > start ? "; " : "")
		if (se > 0) {
			const char **ents = mr_xcalloc(b->nents + 1, sizeof *ents);
			size_t ne = 0;
			for (size_t j = 0; j < b->nents; j++)
				if (ematch[j] == 2) ents[ne++] = b->ents[j].display;
			if (ne) {
				mr_buf_printf(reasons, "%sboth manage ", SEP());
				list_join(reasons, ents, ne, 6, " and ");
			}
			ne = 0;
			for (size_t j = 0; j < b->nents; j++)
				if (ematch[j] == 1) ents[ne++] = b->ents[j].display;
			if (ne) {
				mr_buf_printf(reasons, "%sentities of the same kind as ", SEP());
				list_join(reasons, ents, ne, 4, " and ");
			}
			free(ents);
		}
		if (sp) {
			const char *eps[3];
			size_t ne = 0;
			for (size_t j = 0; j < b->neps && ne < 3; j++)
				if (pmatch[j]) eps[ne++] = b->eps[j].display;
			mr_buf_printf(reasons, "%s%zu shared endpoint%s (", SEP(), sp, sp == 1 ? "" : "s");
			list_join(reasons, eps, ne, 3, ", ");
			if (sp > ne) mr_buf_puts(reasons, ", ...");
			mr_buf_putc(reasons, ')');
		}
		if (sk) {
			mr_buf_printf(reasons, "%sshared keywords: ", SEP());
			list_join(reasons, kws, sk < 8 ? sk : 8, 8, ", ");
			if (sk > 8) mr_buf_printf(reasons, " and %zu more", sk - 8);
		}
		if (sf || sn) mr_buf_printf(reasons, "%salike names (%s, %s)", SEP(), a->display_name, b->display_name);
		if (sw) mr_buf_printf(reasons, "%s%zu word%s in common", SEP(), sw, sw == 1 ? "" : "s");
#undef SEP
	}
	free(ematch);
	free(pmatch);
	return result;
}

/* ---- candidate pairs through an inverted index ---- */

typedef struct pairk {
	uint32_t i, j; /* a registry stays far below 2^32 modules (checked below) */
} pairk;

static int pair_cmp(const void *pa, const void *pb)
{
	const pairk *a = pa, *b = pb;
	if (a->i != b->i) return a->i < b->i ? -1 : 1;
	return a->j < b->j ? -1 : a->j > b->j;
}

static uint64_t tok_hash(char kind, const char *tok)
{
	const char prefix[3] = {kind, ':', '\0'}; /* the hash of "kind:tok" */
	return mr_str_hash_add(mr_str_hash_add(MR_STR_HASH_BASIS, prefix), tok);
}

static void tok_add(mr_simprofile *p, size_t *cap, char kind, const char *tok)
{
	MR_GROW(p->tok, *cap, p->ntok + 1);
	p->tok[p->ntok++] = tok_hash(kind, tok);
}

/* The tokens of a profile, hashed once: a profile is made when its manifest loads, and the
 * index is built again on every analysis. */
static void profile_tokens(mr_simprofile *p)
{
	if (p->tok_done) return;
	size_t cap = 0;
	for (size_t i = 0; i < p->nents; i++) {
		tok_add(p, &cap, 'e', p->ents[i].key);
		if (p->ents[i].head && strcmp(p->ents[i].head, p->ents[i].key)) tok_add(p, &cap, 'e', p->ents[i].head);
	}
	for (size_t i = 0; i < p->neps; i++) tok_add(p, &cap, 'p', p->eps[i].rel);
	for (size_t i = 0; i < p->keywords.n; i++) tok_add(p, &cap, 'k', p->keywords.v[i].key);
	for (size_t i = 0; i < p->forms.n; i++) tok_add(p, &cap, 'n', p->forms.v[i]);
	p->tok_done = true;
}

/* Scores of the last call's candidate pairs, by the two profiles' serials: a profile does
 * not change once made (a module that loads again gets a new one), so the watcher's next
 * analysis scores only the pairs that involve a changed module. */
typedef struct score_entry {
	uint64_t a, b; /* serials, a < b; a == 0: empty slot */
	int score;
} score_entry;

typedef struct score_cache {
	score_entry *v;
	size_t size; /* a power of two, or 0 */
} score_cache;

static score_cache scores;
static pthread_mutex_t scores_lock = PTHREAD_MUTEX_INITIALIZER;

static score_entry *score_slot(score_cache *c, uint64_t a, uint64_t b)
{
	size_t h = (size_t)((a * 0x9e3779b97f4a7c15u) ^ (b * 0xc2b2ae3d27d4eb4fu));
	for (size_t i = h & (c->size - 1);; i = (i + 1) & (c->size - 1))
		if (!c->v[i].a || (c->v[i].a == a && c->v[i].b == b)) return &c->v[i];
}

static void score_put(score_cache *c, uint64_t a, uint64_t b, int score)
{
	*score_slot(c, a, b) = (score_entry){a, b, score};
}

uint64_t *mr_simprofile_take_tokens(mr_simprofile *p, size_t *n)
{
	profile_tokens(p);
	uint64_t *t = p->ntok ? mr_xreallocarray(p->tok, p->ntok, sizeof *t) : (free(p->tok), NULL);
	*n = p->ntok;
	p->tok = NULL;
	p->ntok = 0;
	p->tok_done = false;
	return t;
}

int mr_similarity_cached(const mr_simprofile *pa, const mr_simprofile *pb)
{
	uint64_t a = pa->serial < pb->serial ? pa->serial : pb->serial, b = pa->serial ^ pb->serial ^ a;
	int sc = -1;
	pthread_mutex_lock(&scores_lock);
	if (a && scores.size) {
		const score_entry *e = score_slot(&scores, a, b);
		if (e->a) sc = e->score;
	}
	pthread_mutex_unlock(&scores_lock);
	return sc >= 0 ? sc : mr_similarity(pa, pb, NULL);
}

void mr_similar_pairs(mr_simprofile *const *profiles, size_t n, int threshold, mr_similar_pair_fn fn, void *ctx)
{
	/* the inverted index: a hash table from token hash to its postings (modules), linear
	 * in the number of tokens.  Two tokens that look alike to the table (the same upper
	 * 32 bits of their hash, met on one probe path) share postings: that adds candidates,
	 * which are scored exactly below — or, should the two together pass MR_COMMON_TOKEN,
	 * drops theirs, a chance of the order of one in four billion per pair of tokens. */
	size_t total = 0;
	for (size_t m = 0; m < n; m++)
		if (profiles[m]) {
			profile_tokens(profiles[m]);
			total += profiles[m]->ntok;
		}
	/* 32-bit indices keep the tables small (they are made on every analysis): a profile
	 * has at most a few hundred tokens, so a registry stays far below 2^32 */
	if (total >= UINT32_MAX / 2 || n >= UINT32_MAX) return;
	size_t size = 16;
	while (size < total + total / 2) size <<= 1;
	/* a slot: the token hash's upper half (its lower bits chose the slot) and its postings,
	 * newest first; 8 bytes, as this table is made on every analysis */
	typedef struct slot {
		uint32_t tag, head; /* head: posting index + 1 */
	} slot;
	slot *tab = mr_xcalloc(size, sizeof *tab);
	uint32_t *pmod = mr_xcalloc(total + 1, sizeof *pmod), *pnext = mr_xcalloc(total + 1, sizeof *pnext);
	uint32_t np = 0;
	for (size_t m = 0; m < n; m++) {
		const mr_simprofile *p = profiles[m];
		if (!p) continue;
		for (size_t t = 0; t < p->ntok; t++) {
			uint32_t tag = (uint32_t)(p->tok[t] >> 32);
			size_t h = (size_t)p->tok[t] & (size - 1);
			while (tab[h].head && tab[h].tag != tag) h = (h + 1) & (size - 1);
			pmod[np] = (uint32_t)m;
			pnext[np] = tab[h].head;
			tab[h].tag = tag;
			tab[h].head = np + 1;
			np++;
		}
	}
	/* candidate pairs: modules sharing a token that is not too common */
	pairk *pairs = NULL;
	size_t npairs = 0, pcap = 0;
	for (size_t h = 0; h < size; h++) {
		size_t count = 0;
		for (size_t a = tab[h].head; a && count <= MR_COMMON_TOKEN; a = pnext[a - 1]) count++;
		if (count < 2 || count > MR_COMMON_TOKEN) continue;
		for (size_t a = tab[h].head; a; a = pnext[a - 1])
			for (size_t b = pnext[a - 1]; b; b = pnext[b - 1]) {
				size_t ma = pmod[a - 1], mb = pmod[b - 1];
				if (ma == mb) continue;
				MR_GROW(pairs, pcap, npairs + 1);
				pairs[npairs].i = (uint32_t)(ma < mb ? ma : mb);
				pairs[npairs].j = (uint32_t)(ma < mb ? mb : ma);
				npairs++;
			}
	}
	free(tab);
	free(pmod);
	free(pnext);
	if (npairs > 1) qsort(pairs, npairs, sizeof *pairs, pair_cmp);
	/* this call's scores become the cache: it holds no more than the current pairs */
	score_cache now = {NULL, 16};
	while (now.size < 2 * npairs) now.size <<= 1;
	now.v = mr_xcalloc(now.size, sizeof *now.v);
	pthread_mutex_lock(&scores_lock);
	for (size_t k = 0; k < npairs; k++) {
		if (k && pairs[k].i == pairs[k - 1].i && pairs[k].j == pairs[k - 1].j) continue;
		const mr_simprofile *pa = profiles[pairs[k].i], *pb = profiles[pairs[k].j];
		uint64_t a = pa->serial < pb->serial ? pa->serial : pb->serial, b = pa->serial ^ pb->serial ^ a;
		score_entry *e = a && scores.size ? score_slot(&scores, a, b) : NULL;
		int sc = e && e->a ? e->score : mr_similarity(pa, pb, NULL);
		if (a) score_put(&now, a, b, sc);
		if (sc >= threshold) fn(ctx, pairs[k].i, pairs[k].j, sc);
	}
	free(scores.v);
	scores = now;
	pthread_mutex_unlock(&scores_lock);
	free(pairs);
}
