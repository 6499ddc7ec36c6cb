/* sitepriv.h — what the parts of the site generator share: the registry as the
 * pages see it (built once per render from context.json), the data each
 * template receives (pages.c) and the plain-text outputs (textout.c).
 * Not a public interface: site.h is. */
#ifndef MR_SITEPRIV_H
#define MR_SITEPRIV_H

#include <jansson.h>
#include <stdbool.h>

#include "graphs.h"
#include "site.h"
#include "strmap.h"
#include "util.h"

/* a group of modules in the overview of a large registry */
typedef struct mr_sgroup {
	char *key;     /* owner or type as written */
	char *slug;    /* file name part: graphs/group-<slug>.html */
	size_t *mods;  /* module indexes, sorted by id */
	size_t n, cap;
} mr_sgroup;

typedef struct mr_sreg {
	json_t *ctx;          /* the parsed context.json (borrowed) */
	json_t **mods;        /* ctx.modules, in order (borrowed) */
	size_t n;
	mr_strmap *by_id;     /* id -> index */
	const mr_site_opts *opts;
	/* grouping for large registries (ngroups == 0: the overview shows every module) */
	const char *group_by; /* "owner" or "type" */
	mr_sgroup *groups;
	size_t ngroups;
	size_t *group_of;     /* module index -> group index */
} mr_sreg;

/* json helpers */
const char *mr_js(json_t *o, const char *key);            /* string value or NULL */
json_t *mr_jstr(const char *s);                            /* string, or null for NULL / bad UTF-8 */
/* a value as text for people: strings as they are, numbers in their shortest
 * form, the rest as compact JSON; NULL for null (heap) */
char *mr_json_text(json_t *v);
const char *mr_sreg_id(const mr_sreg *r, size_t i);
bool mr_sreg_find(const mr_sreg *r, const char *id, size_t *i);
/* For group g: how many relationships (either direction) link its modules to each
 * other group; an array of r->ngroups counts (g's own is 0), the caller frees it. */
size_t *mr_sreg_group_link_counts(const mr_sreg *r, size_t g);

/* Modules whose pages show module i's data (neighbours in both directions, and
 * the publishers of the events it subscribes to): ids into *out (borrowed
 * strings from the context), without duplicates and without i itself. */
void mr_sreg_page_deps(const mr_sreg *r, size_t i, const char ***out, size_t *n);

/* Replace in b what HTML forbids (invalid UTF-8, NUL, C0 controls but whitespace, DEL,
 * C1 controls, noncharacters) with U+FFFD (site.c: every page goes through it). */
void mr_site_sanitize(mr_buf *b);

/* ---- template data (pages.c); every function returns a new reference ---- */

/* the keys every page has: root, site, nav */
json_t *mr_view_base(const mr_sreg *r, const char *root, const char *title, const char *nav);
json_t *mr_view_module(const mr_sreg *r, size_t i, const char *readme_html, bool readme_too_large,
                       const char *graph_svg, json_t *docs);
json_t *mr_view_doc(const mr_sreg *r, size_t i, const char *title, const char *html, json_t *docs, size_t current);
/* rows_cache (may be NULL): the rows of the last call, kept to be reused for the modules
 * whose entries are the same objects; replaced by this call's */
json_t *mr_view_index(const mr_sreg *r, const char *intro_html, json_t **rows_cache);
json_t *mr_view_graph(const mr_sreg *r, const char *svg, bool grouped);
json_t *mr_view_group(const mr_sreg *r, size_t g, const char *svg);
json_t *mr_view_status(const mr_sreg *r, json_t *status);

/* section ids the module template uses, so that README anchors avoid them */
extern const char *const mr_module_section_ids[];

/* ---- plain-text outputs (textout.c), appended to out ---- */
void mr_text_llms(const mr_sreg *r, mr_buf *out);
void mr_text_module_md(const mr_sreg *r, size_t i, mr_buf *out);
void mr_text_metrics(const mr_sreg *r, json_t *status, mr_buf *out);

#endif
