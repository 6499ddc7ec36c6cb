/* similar.h — how alike two modules are, for people and AI tools deciding whether
 * something already exists.  One scoring serves the possible-duplicate warning of
 * `modreg validate`, `modreg query similar`, `modreg new` and the MCP find_similar tool.
 *
 * A profile holds what identifies a module, each part normalised so that wording,
 * case and grammatical number do not matter:
 *   entities   "OrderTracking", "order_tracking", "order-trackings" are one entity;
 *   endpoints  method + path, parameters normalised ("{id}", ":key" -> "{}"), resource
 *              segments singular; compared with and without the module's basePath;
 *   keywords   ai.keywords (and a proposal's keywords);
 *   names      name and id words, their acronym ("Customer Relationship Management"
 *              matches "crm");
 *   words      stemmed content words of name, description, purpose, concepts and tags.
 * The score (0..100) is a weighted mean of the parts both sides have, raised by a
 * name match, lowered when both declare entities and endpoints yet share none.
 * At most 256 entities and 512 endpoints of a module take part, which bounds the
 * work for hostile manifests. */
#ifndef MR_SIMILAR_H
#define MR_SIMILAR_H

#include "manifest.h"

#include <jansson.h>

typedef struct mr_simprofile mr_simprofile;

/* Profile of a loaded manifest.  Never NULL; free with mr_simprofile_free. */
mr_simprofile *mr_simprofile_from_manifest(const mr_manifest *m);

/* Profile of a JSON object: a module object of context.json, or a proposal
 *   {id?, name?, description?, purpose?, basePath?, entities?: ["Customer" | {name}],
 *    endpoints?: ["GET /customers/{id}" | {method, path}], keywords?: [...], tags?: [...]}.
 * Members of the wrong type are ignored.  Never NULL (an empty profile for a non-object). */
mr_simprofile *mr_simprofile_from_json(json_t *obj);

void mr_simprofile_free(mr_simprofile *p); /* NULL is a no-op */
/* Is w (lower case) a word that says nothing about a module ("the", "service")?  And the
 * list of them, NULL-terminated (static; for the tests, which check its order). */
bool mr_sim_stopword(const char *w);
const char *const *mr_sim_stopwords(void);

/* true when the profile holds nothing to compare (no entity, endpoint, keyword, name or word) */
bool mr_simprofile_empty(const mr_simprofile *p);

/* Score 0..100 of a against b.  When reasons is not NULL, a sentence is appended, such as
 * "both manage Customer and Order; 6 shared endpoints (GET /customers, ...); shared
 * keywords: crm"; entity names are shown as b writes them.  Nothing is appended when
 * nothing is shared. */
int mr_similarity(const mr_simprofile *a, const mr_simprofile *b, mr_buf *reasons);

/* Score at or above which two modules are reported as possible duplicates. */
#define MR_DUPLICATE_THRESHOLD 40
/* Score below which a module is not worth listing as similar at all. */
#define MR_SIMILAR_MIN 15

/* All pairs i<j of profiles scoring at least threshold, found through an inverted
 * index of entity, endpoint, keyword and name tokens (never a pass over all pairs).
 * NULL profiles are skipped.  fn is called in (i, j) order. */
typedef void (*mr_similar_pair_fn)(void *ctx, size_t i, size_t j, int score);
void mr_similar_pairs(mr_simprofile *const *profiles, size_t n, int threshold, mr_similar_pair_fn fn, void *ctx);

/* The tokens of a profile that mr_similar_pairs indexes, as hashes, and how many modules
 * may share one before it says nothing: two profiles are a candidate pair when they share
 * a token that at most MR_COMMON_TOKEN profiles hold.  mr_similar_pairs keeps a profile's
 * tokens with it; take_tokens hands them over (exactly as many as *n; NULL for none) to
 * one that keeps them itself, and the profile makes them again when next asked. */
#define MR_COMMON_TOKEN 32
uint64_t *mr_simprofile_take_tokens(mr_simprofile *p, size_t *n);
/* mr_similarity(a, b, NULL), from the scores the last mr_similar_pairs call kept when
 * it scored these two profiles */
int mr_similarity_cached(const mr_simprofile *a, const mr_simprofile *b);

/* Normalise one word or identifier: lowercase, words joined by '-', each singular
 * ("OrderTrackings" -> "order-tracking").  The keys of context.json's index tables.
 * Returns a heap string. */
char *mr_normalise_term(const char *s);

#endif
