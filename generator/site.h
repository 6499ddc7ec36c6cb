/* site.h — the static documentation site (SPEC §6): pages from Mustache templates
 * in templates/, Markdown with cmark, relationship graphs with Graphviz in process.
 * The site is rendered from the same data as context.json (the parsed document),
 * so the two can never disagree.  Only files whose bytes change are rewritten. */
#ifndef MR_SITE_H
#define MR_SITE_H

#include "sync.h"

#include <jansson.h>

typedef struct mr_site_opts {
	const char *out_dir;       /* where the site goes (the same directory as context.json) */
	const char *templates_dir; /* templates/ (Mustache, assets/) */
	const char *registry_root; /* to read README.md, docs/ and images */
	const char *repo_url;      /* base of "edit" links, or NULL */
	int jobs;                  /* processes for a full render, this one included (0 = number of CPUs) */
} mr_site_opts;

typedef struct mr_site mr_site; /* opaque: templates, the Graphviz context, caches */

/* Checks that every page template exists and compiles; the options are copied.
 * Returns NULL with *err (heap) when the templates cannot be used. */
mr_site *mr_site_new(const mr_site_opts *opts, char **err);
/* NULL is a no-op. */
void mr_site_free(mr_site *s);

/* When ctx's module entries are abridged (mr_sync_state_json), where a module's whole
 * entry comes from for its own pages: fn(ctx, id) returns a new reference, or NULL (the
 * abridged one is used then). */
typedef json_t *(*mr_site_entry_fn)(void *ctx, const char *id);
void mr_site_set_entries(mr_site *s, mr_site_entry_fn fn, void *ctx);

/* Render the site from ctx (a parsed context.json, borrowed).  changed: ids of modules whose
 * entry changed since the last render (removed ones included): their pages, the pages that
 * show them (relationship neighbours before and after, subscribers of their events), the index,
 * the graphs and the status page are rendered again, in this process; NULL (or a first call)
 * renders everything, in opts.jobs processes, and removes the pages of modules that are gone.
 * sync: the sync just made (may be NULL: the status page reads status.json, which the sync
 * wrote).  *written gets the number of files rewritten.  Returns 0, or -1 with *err (heap);
 * after a failure the next render is a full one. */
int mr_site_render(mr_site *s, json_t *ctx, const mr_sync_result *sync, const char *const *changed, size_t nchanged,
                   size_t *written, char **err);

/* The templates directory to use: option when given (NULL if it is not a
 * directory); else ./templates, $MODREG_TEMPLATES, or templates installed next
 * to the program (<bindir>/templates, <bindir>/../templates,
 * <bindir>/../share/modreg/templates).  Heap string, or NULL when none exists. */
char *mr_site_find_templates(const char *option);

#endif
