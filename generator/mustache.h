/* mustache.h — a logic-less Mustache template engine over jansson values.
 *
 * It implements the required parts of the Mustache spec (interpolation,
 * sections, inverted sections, comments, partials, set delimiters); the page
 * layouts of the site are ordinary partials.  Lambdas and template
 * inheritance ({{<parent}}, {{$block}}) are not supported.
 *
 * Data: a name is looked up through the context stack (innermost first);
 * "a.b.c" resolves "a" through the stack and "b", "c" strictly inside it; "."
 * is the current context.  Falsey for sections: missing, null, false, an
 * empty array and (as in mustache.js) an empty string; numbers, including 0,
 * are truthy.  Interpolation prints strings as they are, integers in decimal,
 * reals in their shortest round-trip form (1.210 -> "1.21"), true/false as
 * words, null and missing names as nothing, arrays and objects as compact
 * JSON.  {{x}} is HTML-escaped (& < > " '), {{{x}}} and {{&x}} are not.
 *
 * Status convention: 0 success / -1 failure.  Error messages are heap strings
 * the caller frees, lowercase, e.g. "line 3: unclosed section 'items'".
 */
#ifndef MR_MUSTACHE_H
#define MR_MUSTACHE_H

#include <stddef.h>

#include <jansson.h>

#include "util.h"

/* Partials nested deeper than this fail the render (a self-including
 * partial must not hang or overflow the stack). */
#define MR_MUSTACHE_MAX_PARTIAL_DEPTH 64
/* Sections nested deeper than this fail the compilation. */
#define MR_MUSTACHE_MAX_SECTION_DEPTH 256

/* A compiled template; opaque and immutable once compiled. */
typedef struct mr_template mr_template;

/* Partial loader: returns the template text for `name` as a NUL-terminated
 * heap string, which the engine frees with free(), or NULL when there is no
 * such partial (it then renders as nothing, as the spec asks). */
typedef char *(*mr_partial_loader)(void *ctx, const char *name);

/* Compiles `len` bytes of `text`.  Returns a template to release with
 * mr_template_free(), or NULL on a syntax error with *err (when err is not
 * NULL) set to a heap message such as "line 3: unclosed section 'items'". */
mr_template *mr_template_compile(const char *text, size_t len, char **err);

/* Frees a template; NULL is a no-op. */
void mr_template_free(mr_template *t);

/* Renders t with `data` as the root context (NULL: empty context), appending
 * to out.  Partials are fetched through loader (NULL: every partial is
 * missing) and compiled once per render.  Returns 0, or -1 with *err set (a
 * partial that does not compile, partials nested deeper than
 * MR_MUSTACHE_MAX_PARTIAL_DEPTH); on failure out is left as it was. */
int mr_template_render(const mr_template *t, json_t *data, mr_partial_loader loader,
		       void *loader_ctx, mr_buf *out, char **err);

/* A set of templates read on demand from one directory as <dir>/<name>.mustache
 * and kept compiled, so that a site of many pages compiles every template and
 * partial once.  Partials are looked up in the same directory. */
typedef struct mr_template_set mr_template_set;

/* Creates an empty set over dir (copied; nothing is read yet).  Never NULL. */
mr_template_set *mr_template_set_new(const char *dir);

/* Frees the set and every template it holds; NULL is a no-op. */
void mr_template_set_free(mr_template_set *s);

/* Forgets every cached template, so that edited files are read again. */
void mr_template_set_clear(mr_template_set *s);

/* Renders the template `name` with data, appending to out.  Names (of the
 * template and of its partials) must be non-empty and contain neither '/' nor
 * '\\' nor ".."; such a name fails the render rather than leave dir.  A
 * missing partial renders as nothing; a missing top-level template, an
 * unreadable file or a syntax error fails.  Returns 0, or -1 with *err set to
 * a heap message naming the file; on failure out is left as it was. */
int mr_template_set_render(mr_template_set *s, const char *name, json_t *data, mr_buf *out,
			   char **err);

#endif
