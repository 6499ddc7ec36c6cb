/* markdown.c — cmark in safe mode, plus heading anchors and link resolution.
 * Links and images are collected during one walk and rewritten afterwards, so
 * that the tree is never restructured under the iterator. */
#include "markdown.h"

#include <cmark.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "strmap.h"

void mr_md_result_release(mr_md_result *res)
{
	if (!res) return;
	free(res->title);
	res->title = NULL;
}

void mr_md_slugify(const char *text, size_t len, mr_buf *out)
{
	/* GitHub's rule, so that links written for GitHub keep working */
	size_t start = out->len;
	while (len && (*text == ' ' || *text == '\t' || *text == '\n')) text++, len--;
	while (len && (text[len - 1] == ' ' || text[len - 1] == '\t' || text[len - 1] == '\n')) len--;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c >= 'A' && c <= 'Z') c = (unsigned char)(c - 'A' + 'a');
		/* Latin-1 capitals (U+00C0-U+00DE but U+00D7) lowercase too */
		if (c == 0xc3 && i + 1 < len && (unsigned char)text[i + 1] >= 0x80 && (unsigned char)text[i + 1] <= 0x9e &&
		    (unsigned char)text[i + 1] != 0x97) {
			mr_buf_putc(out, (char)c);
			mr_buf_putc(out, (char)((unsigned char)text[++i] + 0x20));
			continue;
		}
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c >= 0x80)
			mr_buf_putc(out, (char)c);
		else if (c == ' ' || c == '\t' || c == '\n')
			mr_buf_putc(out, '-');
	}
	if (out->len == start) mr_buf_puts(out, "section");
}

static bool href_byte_plain(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
	       c == '_' || c == '~' || c == '/';
}

void mr_md_relative_href(const char *from_dir, const char *to, mr_buf *out)
{
	/* skip the directories both paths share */
	const char *f = from_dir ? from_dir : "";
	const char *t = to;
	for (;;) {
		const char *fs = strchr(f, '/');
		size_t fl = fs ? (size_t)(fs - f) : strlen(f);
		const char *ts = strchr(t, '/');
		if (!fl || !ts) break;
		size_t tl = (size_t)(ts - t);
		if (fl != tl || memcmp(f, t, fl)) break;
		f += fl + (fs ? 1 : 0);
		t = ts + 1;
		if (!fs) {
			f += strlen(f);
			break;
		}
	}
	/* one "../" per directory of from that is left */
	while (*f) {
		mr_buf_puts(out, "../");
		const char *fs = strchr(f, '/');
		if (!fs) break;
		f = fs + 1;
	}
	for (; *t; t++) {
		unsigned char c = (unsigned char)*t;
		if (href_byte_plain(c)) mr_buf_putc(out, (char)c);
		else mr_buf_printf(out, "%%%02X", c);
	}
}

/* ---- URL classification ---- */

enum url_kind { URL_FRAGMENT, URL_EXTERNAL, URL_RELATIVE, URL_DROP };

static enum url_kind classify(const char *u)
{
	if (!u || !*u) return URL_DROP;
	if (u[0] == '#') return URL_FRAGMENT;
	if (u[0] == '/' && u[1] == '/') return URL_EXTERNAL;
	if (u[0] == '/' || u[0] == '\\') return URL_DROP;
	size_t i = 0;
	if ((u[0] >= 'a' && u[0] <= 'z') || (u[0] >= 'A' && u[0] <= 'Z')) {
		while ((u[i] >= 'a' && u[i] <= 'z') || (u[i] >= 'A' && u[i] <= 'Z') || (u[i] >= '0' && u[i] <= '9') ||
		       u[i] == '+' || u[i] == '.' || u[i] == '-')
			i++;
		if (u[i] == ':') {
			if ((i == 4 && !strncasecmp(u, "http", 4)) || (i == 5 && !strncasecmp(u, "https", 5)) ||
			    (i == 6 && !strncasecmp(u, "mailto", 6)))
				return URL_EXTERNAL;
			return URL_DROP;
		}
	}
	/* a ':' before the first '/' would make the browser see a scheme */
	for (i = 0; u[i] && u[i] != '/' && u[i] != '?' && u[i] != '#'; i++)
		if (u[i] == ':' || u[i] == '\\') return URL_DROP;
	return URL_RELATIVE;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* base_dir + "/" + rel (percent-decoded, without query and fragment), normalised.
 * NULL when it leaves the registry or holds NUL, control bytes or hidden names. */
static char *resolve_path(const char *base_dir, const char *rel, size_t rel_len)
{
	mr_buf dec = MR_BUF_INIT;
	if (base_dir && *base_dir) {
		mr_buf_puts(&dec, base_dir);
		mr_buf_putc(&dec, '/');
	}
	for (size_t i = 0; i < rel_len; i++) {
		char c = rel[i];
		if (c == '%' && i + 2 < rel_len && hexval(rel[i + 1]) >= 0 && hexval(rel[i + 2]) >= 0) {
			c = (char)(hexval(rel[i + 1]) * 16 + hexval(rel[i + 2]));
			i += 2;
		}
		if ((unsigned char)c < 0x20 || c == 0x7f || c == '\\') {
			mr_buf_release(&dec);
			return NULL;
		}
		mr_buf_putc(&dec, c);
	}
	const char *p = mr_buf_str(&dec);
	/* segments onto a stack of (start, len) */
	size_t nseg = 0, cap = 0;
	struct seg {
		const char *s;
		size_t n;
	} *segs = NULL;
	char *res = NULL;
	while (*p) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n == 0 || (n == 1 && p[0] == '.')) {
			/* skip */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (!nseg) goto out;
			nseg--;
		} else {
			if (p[0] == '.') goto out; /* hidden names are never part of the site */
			MR_GROW(segs, cap, nseg + 1);
			segs[nseg].s = p;
			segs[nseg].n = n;
			nseg++;
		}
		p += n;
		if (*p == '/') p++;
	}
	{
		mr_buf r = MR_BUF_INIT;
		for (size_t i = 0; i < nseg; i++) {
			if (i) mr_buf_putc(&r, '/');
			mr_buf_add(&r, segs[i].s, segs[i].n);
		}
		res = mr_buf_detach(&r);
	}
out:
	free(segs);
	mr_buf_release(&dec);
	return res;
}

/* ---- tree surgery ---- */

/* Replace node by its children (a link without its href). */
static void unwrap(cmark_node *n)
{
	cmark_node *c;
	while ((c = cmark_node_first_child(n))) cmark_node_insert_before(n, c);
	cmark_node_unlink(n);
	cmark_node_free(n);
}

/* An image becomes its alt text; with href, a link to it. */
static void image_to_text(cmark_node *img, const char *href)
{
	cmark_node *repl = href ? cmark_node_new(CMARK_NODE_LINK) : NULL;
	if (repl) cmark_node_set_url(repl, href);
	bool any = cmark_node_first_child(img) != NULL;
	cmark_node *c;
	while ((c = cmark_node_first_child(img))) {
		if (repl) cmark_node_append_child(repl, c);
		else cmark_node_insert_before(img, c);
	}
	if (repl) {
		if (!any) {
			cmark_node *t = cmark_node_new(CMARK_NODE_TEXT);
			cmark_node_set_literal(t, "image");
			cmark_node_append_child(repl, t);
		}
		cmark_node_insert_before(img, repl);
	}
	cmark_node_unlink(img);
	cmark_node_free(img);
}

static void plain_text(cmark_node *n, mr_buf *out)
{
	cmark_iter *it = cmark_iter_new(n);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *c = cmark_iter_get_node(it);
		if (ev != CMARK_EVENT_ENTER) continue;
		cmark_node_type t = cmark_node_get_type(c);
		if (t == CMARK_NODE_TEXT || t == CMARK_NODE_CODE) mr_buf_puts(out, cmark_node_get_literal(c));
		else if (t == CMARK_NODE_SOFTBREAK || t == CMARK_NODE_LINEBREAK) mr_buf_putc(out, ' ');
	}
	cmark_iter_free(it);
}

static bool inside_link(cmark_node *n)
{
	for (cmark_node *p = cmark_node_parent(n); p; p = cmark_node_parent(p))
		if (cmark_node_get_type(p) == CMARK_NODE_LINK) return true;
	return false;
}

static void fix_link(cmark_node *n, const mr_md_opts *o)
{
	bool image = cmark_node_get_type(n) == CMARK_NODE_IMAGE;
	const char *url = cmark_node_get_url(n);
	switch (classify(url)) {
	case URL_FRAGMENT:
		if (image) image_to_text(n, NULL);
		return;
	case URL_EXTERNAL:
		if (image) {
			/* nothing is loaded from another host: show a link instead */
			char *u = url[0] == '/' ? mr_xasprintf("https:%s", url) : mr_xstrdup(url);
			image_to_text(n, inside_link(n) ? NULL : u);
			free(u);
		} else if (url[0] == '/') {
			char *u = mr_xasprintf("https:%s", url);
			cmark_node_set_url(n, u);
			free(u);
		}
		return;
	case URL_DROP:
		if (image) image_to_text(n, NULL);
		else unwrap(n);
		return;
	case URL_RELATIVE:
		break;
	}
	size_t plen = strcspn(url, "?#");
	const char *frag = strchr(url, '#');
	char *path = resolve_path(o->base_dir, url, plen);
	char *target = path && o->resolve ? o->resolve(o->resolve_ctx, path, image) : NULL;
	if (!target) {
		if (image) image_to_text(n, NULL);
		else unwrap(n);
	} else {
		mr_buf h = MR_BUF_INIT;
		mr_md_relative_href(o->page_dir, target, &h);
		if (frag && !image && frag[1]) mr_buf_puts(&h, frag);
		cmark_node_set_url(n, mr_buf_str(&h));
		mr_buf_release(&h);
	}
	free(target);
	free(path);
}

static void add_anchor(cmark_node *h, mr_strmap *used, mr_buf *scratch)
{
	mr_buf_reset(scratch);
	plain_text(h, scratch);
	mr_buf slug = MR_BUF_INIT;
	mr_md_slugify(mr_buf_str(scratch), scratch->len, &slug);
	char *id = mr_xstrdup(mr_buf_str(&slug));
	for (size_t k = 1; mr_strmap_get(used, id, NULL); k++) {
		free(id);
		id = mr_xasprintf("%s-%zu", mr_buf_str(&slug), k);
	}
	mr_strmap_put(used, id, 1);
	/* the slug holds only [a-z0-9_-] and non-ASCII bytes: nothing to escape */
	char *html = mr_xasprintf("<a class=\"anchor\" id=\"%s\" href=\"#%s\" aria-label=\"Link to this section\"></a>", id, id);
	cmark_node *a = cmark_node_new(CMARK_NODE_CUSTOM_INLINE);
	cmark_node_set_on_enter(a, html);
	cmark_node_prepend_child(h, a);
	free(html);
	free(id);
	mr_buf_release(&slug);
}

static void render_plain(const char *text, size_t len, size_t max, mr_buf *out)
{
	mr_buf_printf(out,
	              "<p class=\"notice\">This document is larger than %zu KiB, so it is shown as plain text.</p>\n"
	              "<pre class=\"md-plain\">",
	              max >> 10);
	mr_buf_html_escape(out, text, len < max ? len : max);
	mr_buf_puts(out, "</pre>\n");
}

/* ---- tables ----
 * cmark implements CommonMark, which has no tables, but READMEs are full of
 * GitHub's.  A top-level paragraph whose lines form a GFM table (a header row,
 * a delimiter row, body rows) becomes a table: each cell is rendered by cmark
 * on its own (safe mode, links resolved as everywhere else), and the result is
 * put in place of the paragraph as a custom block. */

struct span {
	const char *s;
	size_t n;
};

static struct span trim_span(const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t')) s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) n--;
	return (struct span){s, n};
}

/* split a row at unescaped pipes; "\|" becomes "|" in the cell */
static size_t split_row(struct span row, mr_buf *cells, size_t max)
{
	row = trim_span(row.s, row.n);
	if (row.n && row.s[0] == '|') row.s++, row.n--;
	if (row.n && row.s[row.n - 1] == '|' && !(row.n > 1 && row.s[row.n - 2] == '\\')) row.n--;
	size_t nc = 0;
	mr_buf cur = MR_BUF_INIT;
	for (size_t i = 0; i <= row.n; i++) {
		if (i == row.n || row.s[i] == '|') {
			if (nc < max) {
				struct span t = trim_span(mr_buf_str(&cur), cur.len);
				mr_buf_reset(&cells[nc]);
				mr_buf_add(&cells[nc], t.s, t.n);
			}
			nc++;
			mr_buf_reset(&cur);
		} else if (row.s[i] == '\\' && i + 1 < row.n && row.s[i + 1] == '|') {
			mr_buf_putc(&cur, '|');
			i++;
		} else mr_buf_putc(&cur, row.s[i]);
	}
	mr_buf_release(&cur);
	return nc;
}

/* 0 none, 1 left, 2 right, 3 center; -1: not a delimiter cell */
static int delim_cell(const mr_buf *c)
{
	const char *s = mr_buf_str(c);
	size_t n = c->len;
	bool left = n && s[0] == ':', right = n && s[n - 1] == ':';
	size_t dashes = 0;
	for (size_t i = left; i < n - (right && n > 1); i++) {
		if (s[i] != '-') return -1;
		dashes++;
	}
	if (!dashes) return -1;
	return left && right ? 3 : right ? 2 : left ? 1 : 0;
}

typedef struct node_list {
	cmark_node **v;
	size_t n, cap;
} node_list;

/* The links and images of doc in document order, and (heads not NULL) its headings. */
static void collect_nodes(cmark_node *doc, node_list *links, node_list *heads)
{
	cmark_iter *it = cmark_iter_new(doc);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		cmark_node_type t = cmark_node_get_type(n);
		node_list *l = ev == CMARK_EVENT_ENTER && (t == CMARK_NODE_LINK || t == CMARK_NODE_IMAGE) ? links
		               : ev == CMARK_EVENT_EXIT && t == CMARK_NODE_HEADING                         ? heads
		                                                                                          : NULL;
		if (!l) continue;
		MR_GROW(l->v, l->cap, l->n + 1);
		l->v[l->n++] = n;
	}
	cmark_iter_free(it);
}

static void render_cell(const char *text, size_t len, const mr_md_opts *o, mr_buf *out)
{
	int cmopts = CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8;
	cmark_node *doc = cmark_parse_document(text, len, cmopts);
	cmark_node *p = doc ? cmark_node_first_child(doc) : NULL;
	if (!p || cmark_node_get_type(p) != CMARK_NODE_PARAGRAPH || cmark_node_next(p)) {
		/* cells hold inline content only: anything else is shown as text */
		mr_buf_html_escape(out, text, len);
	} else {
		node_list links = {0};
		collect_nodes(doc, &links, NULL);
		for (size_t i = links.n; i-- > 0;) fix_link(links.v[i], o);
		free(links.v);
		char *html = cmark_render_html(doc, cmopts);
		size_t hl = html ? strlen(html) : 0;
		if (hl >= 8 && !strncmp(html, "<p>", 3) && !strcmp(html + hl - 5, "</p>\n")) mr_buf_add(out, html + 3, hl - 8);
		else if (html) mr_buf_puts(out, html);
		free(html);
	}
	if (doc) cmark_node_free(doc);
}

static const char *const align_class[] = {"", " class=\"align-left\"", " class=\"align-right\"", " class=\"align-center\""};

/* the table for lines [first, last] of text, or false when they are no table */
static bool table_html(struct span *lines, size_t first, size_t last, const mr_md_opts *o, mr_buf *out)
{
	enum { MAXC = 64 };
	if (last <= first) return false;
	mr_buf cells[MAXC];
	for (size_t i = 0; i < MAXC; i++) mr_buf_init(&cells[i]);
	bool ok = false;
	int align[MAXC];
	size_t ncols = split_row(lines[first + 1], cells, MAXC);
	if (ncols == 0 || ncols > MAXC || !memchr(lines[first + 1].s, '-', lines[first + 1].n)) goto out;
	for (size_t c = 0; c < ncols; c++)
		if ((align[c] = delim_cell(&cells[c])) < 0) goto out;
	/* the delimiter row must have a pipe, and the header as many cells */
	if (!memchr(lines[first + 1].s, '|', lines[first + 1].n) || split_row(lines[first], cells, MAXC) != ncols) goto out;
	mr_buf_puts(out, "<div class=\"table-wrap\"><table>\n<thead>\n<tr>\n");
	for (size_t c = 0; c < ncols; c++) {
		mr_buf_printf(out, "<th%s>", align_class[align[c]]);
		render_cell(mr_buf_str(&cells[c]), cells[c].len, o, out);
		mr_buf_puts(out, "</th>\n");
	}
	mr_buf_puts(out, "</tr>\n</thead>\n");
	if (last > first + 1) mr_buf_puts(out, "<tbody>\n");
	for (size_t l = first + 2; l <= last; l++) {
		size_t n = split_row(lines[l], cells, MAXC);
		mr_buf_puts(out, "<tr>\n");
		for (size_t c = 0; c < ncols; c++) {
			mr_buf_printf(out, "<td%s>", align_class[align[c]]);
			if (c < n) render_cell(mr_buf_str(&cells[c]), cells[c].len, o, out);
			mr_buf_puts(out, "</td>\n");
		}
		mr_buf_puts(out, "</tr>\n");
	}
	if (last > first + 1) mr_buf_puts(out, "</tbody>\n");
	mr_buf_puts(out, "</table></div>\n");
	ok = true;
out:
	for (size_t i = 0; i < MAXC; i++) mr_buf_release(&cells[i]);
	return ok;
}

static void make_tables(cmark_node *doc, const char *text, size_t len, const mr_md_opts *o)
{
	/* candidates: top-level paragraphs with a pipe on their second line */
	struct span *lines = NULL;
	size_t nlines = 0, cap = 0;
	for (size_t i = 0; i <= len;) {
		size_t e = i;
		while (e < len && text[e] != '\n' && text[e] != '\r') e++;
		MR_GROW(lines, cap, nlines + 1);
		lines[nlines++] = (struct span){text + i, e - i};
		if (e < len && text[e] == '\r' && e + 1 < len && text[e + 1] == '\n') e++;
		i = e + 1;
	}
	mr_buf html = MR_BUF_INIT;
	cmark_node *n = cmark_node_first_child(doc);
	while (n) {
		cmark_node *next = cmark_node_next(n);
		if (cmark_node_get_type(n) == CMARK_NODE_PARAGRAPH) {
			int first = cmark_node_get_start_line(n), last = cmark_node_get_end_line(n);
			mr_buf_reset(&html);
			if (first >= 1 && last > first && (size_t)last <= nlines &&
			    memchr(lines[first].s, '|', lines[first].n) &&
			    table_html(lines, (size_t)first - 1, (size_t)last - 1, o, &html)) {
				cmark_node *b = cmark_node_new(CMARK_NODE_CUSTOM_BLOCK);
				cmark_node_set_on_enter(b, mr_buf_str(&html));
				cmark_node_insert_before(n, b);
				cmark_node_unlink(n);
				cmark_node_free(n);
			}
		}
		n = next;
	}
	mr_buf_release(&html);
	free(lines);
}

int mr_markdown_render(const char *text, size_t len, const mr_md_opts *opts, mr_buf *out, mr_md_result *res)
{
	mr_md_opts dflt = {0};
	const mr_md_opts *o = opts ? opts : &dflt;
	size_t max = o->max_bytes ? o->max_bytes : MR_MD_MAX_BYTES;
	if (res) memset(res, 0, sizeof *res);
	if (len > max) {
		if (res) res->too_large = true;
		render_plain(text, len, max, out);
		return 0;
	}
	int cmopts = CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8;
	cmark_node *doc = cmark_parse_document(text ? text : "", text ? len : 0, cmopts | CMARK_OPT_SOURCEPOS);
	if (!doc) return -1;
	if (text) make_tables(doc, text, len, o);
	node_list linkl = {0}, headl = {0};
	collect_nodes(doc, &linkl, &headl);
	cmark_node **links = linkl.v, **heads = headl.v;
	size_t nlinks = linkl.n, nheads = headl.n;

	mr_buf scratch = MR_BUF_INIT;
	if (res) {
		cmark_node *best = NULL;
		for (size_t i = 0; i < nheads && !best; i++)
			if (cmark_node_get_heading_level(heads[i]) == 1) best = heads[i];
		if (!best && nheads) best = heads[0];
		if (best) {
			plain_text(best, &scratch);
			res->title = mr_xstrdup(mr_buf_str(&scratch));
		}
	}
	/* links inside a link are impossible in CommonMark, but an image may sit in a
	 * link: handle innermost first (they come later in document order) */
	for (size_t i = nlinks; i-- > 0;) fix_link(links[i], o);
	mr_strmap *used = mr_strmap_new();
	if (o->reserved_ids)
		for (const char *const *r = o->reserved_ids; *r; r++) mr_strmap_put(used, *r, 1);
	for (size_t i = 0; i < nheads; i++) {
		add_anchor(heads[i], used, &scratch);
		if (o->heading_shift > 0) {
			int level = cmark_node_get_heading_level(heads[i]) + o->heading_shift;
			cmark_node_set_heading_level(heads[i], level > 6 ? 6 : level);
		}
	}
	mr_strmap_free(used);
	mr_buf_release(&scratch);
	free(links);
	free(heads);

	char *html = cmark_render_html(doc, cmopts);
	cmark_node_free(doc);
	if (!html) return -1;
	mr_buf_puts(out, html);
	free(html);
	return 0;
}
