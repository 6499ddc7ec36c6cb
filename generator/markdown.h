/* markdown.h — README and docs pages to HTML with cmark, for the site (SPEC §6).
 *
 * cmark runs in its safe mode: raw HTML and unsafe links are dropped.  On top of
 * that every heading gets an anchor, and relative links and images are resolved
 * against the registry and handed to a resolver that maps them to generated
 * pages and copied files; whatever it cannot map is unlinked (the text stays),
 * so that the site never holds a broken link.  Images from other hosts become
 * plain links: the site loads nothing from another host.
 *
 * Status convention: 0 success / -1 failure.
 */
#ifndef MR_MARKDOWN_H
#define MR_MARKDOWN_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

/* Larger documents are not parsed: cmark 0.30.2 is quadratic on some inputs
 * (CVE-2023-22486).  They are shown as escaped plain text instead. */
#define MR_MD_MAX_BYTES ((size_t)128 << 10)

/* Maps a registry-relative path (normalised: no ".", "..", empty or leading
 * "/" segments; e.g. "crm/docs/api.md") to a site-relative path (e.g.
 * "modules/crm/api.html"), or returns NULL when nothing in the site stands
 * for it.  image: the reference is an image.  The result is a heap string the
 * caller frees. */
typedef char *(*mr_md_resolver)(void *ctx, const char *registry_path, bool image);

typedef struct mr_md_opts {
	const char *base_dir;         /* the document's directory, registry-relative ("" for the root, "crm/docs") */
	const char *page_dir;         /* the directory of the page it is rendered into, site-relative ("", "modules") */
	mr_md_resolver resolve;       /* NULL: every relative link is unlinked */
	void *resolve_ctx;
	const char *const *reserved_ids; /* ids already used on the page (NULL-terminated, or NULL) */
	size_t max_bytes;             /* 0: MR_MD_MAX_BYTES */
	int heading_shift;            /* added to every heading level (capped at 6): 1 under a page's own h1 */
} mr_md_opts;

typedef struct mr_md_result {
	char *title;    /* text of the first level-1 heading, or of the first heading; NULL when none (heap) */
	bool too_large; /* shown as plain text, not parsed */
} mr_md_result;

/* Renders len bytes of Markdown (any bytes: invalid UTF-8 becomes U+FFFD) and
 * appends the HTML to out.  res (may be NULL) receives the title, which the
 * caller frees with mr_md_result_release(). */
int mr_markdown_render(const char *text, size_t len, const mr_md_opts *opts, mr_buf *out, mr_md_result *res);
void mr_md_result_release(mr_md_result *res);

/* The anchor id a heading with this text gets (before de-duplication): lowercase
 * ASCII letters and digits, '-' for spaces, '_' and '-' kept, other ASCII
 * dropped, non-ASCII kept; "section" when nothing is left.  Appends to out. */
void mr_md_slugify(const char *text, size_t len, mr_buf *out);

/* out gets the relative href from site directory `from_dir` ("" = the root) to
 * site path `to` ("modules/crm.html"), each byte outside [A-Za-z0-9-._~/]
 * percent-encoded. */
void mr_md_relative_href(const char *from_dir, const char *to, mr_buf *out);

#endif
