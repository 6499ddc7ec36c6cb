/* query.h — answers about the registry for people and AI tools, from the data of
 * context.json: module lists with filters, one module, dependencies and dependents
 * (transitive, cycle-safe: what breaks if X changes), text search, similar modules,
 * and validation of a proposed manifest.  `modreg query`, `modreg new` and the MCP
 * server all answer through here, so a person and a model get the same answer.
 *
 * Results are jansson values (new references, the caller json_decref()s them) in the
 * shapes documented below; the *_text functions render the same result for people.
 * Nothing here prints. */
#ifndef MR_QUERY_H
#define MR_QUERY_H

#include "similar.h"

#include <jansson.h>

/* ---- where the data comes from ---- */

/* Build the context (what context.json would hold) in memory from the registry at root,
 * writing nothing.  stats_dir may be NULL.  previous: an earlier context.json for the
 * last-known-good content of invalid modules (borrowed, may be NULL).  When text is not
 * NULL the JSON text is appended to it.  Returns a new reference, or NULL with errno set
 * when root cannot be read. */
json_t *mr_query_build(const char *root, const char *stats_dir, json_t *previous, mr_buf *text);

/* The context for a query: <out_dir>/context.json when it exists, else built from the
 * registry as mr_query_build does.  *from_file (may be NULL) tells which.  Returns a new
 * reference, or NULL with *err (heap) set. */
json_t *mr_query_context(const char *out_dir, const char *root, const char *stats_dir, bool *from_file, char **err);

/* A module object of ctx by id (borrowed), or NULL. */
json_t *mr_query_module(json_t *ctx, const char *id);

/* ---- list ---- */

typedef struct mr_query_filter {
	const char *status; /* exact status, or NULL for any */
	const char *type;   /* exact type, or NULL */
	const char *text;   /* words that must all occur (case-insensitive) in id, name, description,
	                       tags, keywords or entity names; NULL or "" for any */
} mr_query_filter;

/* {"count": N, "modules": [summary...]} in id order, where a summary is
 * {id, name, type, version, status, valid, health, owner, description, tags}. */
json_t *mr_query_list(json_t *ctx, const mr_query_filter *f);

/* ---- dependencies ---- */

typedef enum mr_query_direction {
	MR_QUERY_OUTGOING, /* what id depends on / relates to */
	MR_QUERY_INCOMING  /* what depends on / relates to id: the impact of changing it */
} mr_query_direction;

/* Relationships from (outgoing) or to (incoming) id, followed through every module reached
 * when transitive.  types: relationship types to follow (NULL-terminated), NULL for all.
 * Returns NULL when id is not a module of ctx, else
 * {"id", "direction": "outgoing"|"incoming", "transitive", "count", "cycle": bool (id reaches
 *  itself), "modules": [{id, name, status, resolved, depth, via, relationships: [{source,
 *  target, type, version, satisfied, entities, description}]}]} ordered by depth then id.
 * Each module appears once, at the depth where it is first reached. */
json_t *mr_query_deps(json_t *ctx, const char *id, mr_query_direction dir, bool transitive, const char *const *types);

/* ---- search ---- */

/* Modules matching the words of text in id, name, entities, keywords and tags, endpoints,
 * description, purpose and the rest of their AI context, best first (those matching every
 * word before the others).  limit 0: no limit.
 * {"query", "count", "modules": [summary + {score, matched: [field names]}]}. */
json_t *mr_query_search(json_t *ctx, const char *text, size_t limit);

/* ---- similar ---- */

/* Every module of ctx (except exclude_id, may be NULL) scoring at least MR_SIMILAR_MIN
 * against the proposal, best first, at most limit (0: no limit).
 * {"threshold": MR_DUPLICATE_THRESHOLD, "count", "modules": [{id, name, type, status,
 *  score, possibleDuplicate, reasons}]}. */
json_t *mr_query_similar(json_t *ctx, const mr_simprofile *proposal, const char *exclude_id, size_t limit);

/* ---- validation of a proposed manifest ---- */

/* Check manifest text as module `id` of the registry at root: its own rules and the rules
 * across modules (it replaces a module of that id, or joins the registry as a new one).
 * File references resolve in the existing module's directory, or are not checked for a
 * new module.  id NULL: the manifest's `id:`, else "proposed-module".  A registry that
 * cannot be read is treated as empty.
 * {"id", "valid": bool, "errors", "warnings", "diagnostics": [{file, line, column, severity,
 *  code, message, module, notes}]} with files as "<id>/module.yaml". */
json_t *mr_query_validate_text(const char *root, const char *stats_dir, const char *text, size_t len,
                               const char *id);

/* ---- text for people ---- */

void mr_query_list_text(json_t *res, mr_buf *out);
void mr_query_module_text(json_t *module, mr_buf *out);
void mr_query_deps_text(json_t *res, mr_buf *out);
void mr_query_search_text(json_t *res, mr_buf *out);
void mr_query_similar_text(json_t *res, mr_buf *out);
void mr_query_validate_text_render(json_t *res, mr_buf *out);

/* The count member of a result (0 when absent): 0 means "nothing found". */
size_t mr_query_count(json_t *res);

#endif
