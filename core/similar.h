/* similar.h — how alike two modules are: normalised entities (case, plurals,
 * camel/snake/kebab), endpoints (method + path relative to basePath with parameters
 * normalised), keywords and tags, and name/description words.  One scoring serves
 * the possible-duplicate warning, `modreg query similar` and the MCP find_similar tool. */
#ifndef MR_SIMILAR_H
#define MR_SIMILAR_H

#include "manifest.h"

#include <jansson.h>

typedef struct mr_simprofile mr_simprofile;

/* Profile of a loaded manifest / of a module object of context.json or a proposal
 * ({name, description, entities: [names or {name}], endpoints: ["GET /x/{id}" or
 * {method, path}], keywords: [...], tags: [...]}).  Free with mr_simprofile_free. */
mr_simprofile *mr_simprofile_from_manifest(const mr_manifest *m);
mr_simprofile *mr_simprofile_from_json(json_t *obj);
void mr_simprofile_free(mr_simprofile *p);

/* Score 0..100.  When reasons is not NULL it gets a sentence such as
 * "both manage Customer and Order; 6 shared endpoints; shared keywords: crm". */
int mr_similarity(const mr_simprofile *a, const mr_simprofile *b, mr_buf *reasons);

/* Score at or above which two modules are reported as possible duplicates. */
#define MR_DUPLICATE_THRESHOLD 60

/* All pairs i<j of profiles scoring at least threshold, found through an inverted
 * index of tokens (never a pass over all pairs).  NULL profiles are skipped. */
typedef void (*mr_similar_pair_fn)(void *ctx, size_t i, size_t j, int score);
void mr_similar_pairs(mr_simprofile *const *profiles, size_t n, int threshold, mr_similar_pair_fn fn, void *ctx);

/* normalise one word or identifier: lowercase, words joined by '-', each singular (heap) */
char *mr_normalise_term(const char *s);

#endif
