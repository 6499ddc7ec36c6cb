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
	int jobs;                  /* worker processes for a full build (0 = number of CPUs) */
} mr_site_opts;

typedef struct mr_site mr_site; /* opaque: templates, the Graphviz context, caches */

/* Returns NULL with *err (heap) when the templates cannot be used. */
mr_site *mr_site_new(const mr_site_opts *opts, char **err);
void mr_site_free(mr_site *s);

/* Render the site from ctx (a parsed context.json).  changed: ids of modules whose entry
 * changed since the last render (their pages, their neighbours' pages, the index, the graphs
 * and the status page are rendered again); NULL renders everything.  sync: the sync just
 * made (for the status page; may be NULL).  *written gets the number of files rewritten.
 * Returns 0, or -1 with *err (heap). */
int mr_site_render(mr_site *s, json_t *ctx, const mr_sync_result *sync, const char *const *changed, size_t nchanged,
                   size_t *written, char **err);

#endif
