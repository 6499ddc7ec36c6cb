/* test_markdown.c — Markdown for the site: safe mode, heading anchors, link and
 * image resolution, tables, the size cap, and the helpers for slugs and
 * relative links. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "markdown.h"
#include "util.h"

/* a resolver that knows a few registry paths, and records what it was asked */
static mr_buf asked;

static char *resolver(void *ctx, const char *path, bool image)
{
	(void)ctx;
	mr_buf_printf(&asked, "%s%s;", image ? "img:" : "", path);
	if (!strcmp(path, "crm/docs/api.md")) return mr_xstrdup("modules/crm/api.html");
	if (!strcmp(path, "crm/README.md")) return mr_xstrdup("modules/crm.html");
	if (!strcmp(path, "billing/README.md")) return mr_xstrdup("modules/billing.html");
	if (!strcmp(path, "crm/docs/my notes.md")) return mr_xstrdup("modules/crm/my notes.html");
	if (image && !strcmp(path, "crm/img/logo.png")) return mr_xstrdup("modules/crm/files/img/logo.png");
	return NULL;
}

/* renders text as crm's README (page modules/crm.html) */
static char *render(const char *text, mr_md_result *res)
{
	mr_buf_reset(&asked);
	mr_md_opts o = {"crm", "modules", resolver, NULL, NULL, 0, 0};
	mr_buf out = MR_BUF_INIT;
	cr_assert_eq(mr_markdown_render(text, strlen(text), &o, &out, res), 0);
	return mr_buf_detach(&out);
}

#define HAS(html, s) cr_expect(strstr(html, s) != NULL, "expected %s in:\n%s", s, html)
#define HASNT(html, s) cr_expect(strstr(html, s) == NULL, "did not expect %s in:\n%s", s, html)

Test(markdown, raw_html_is_removed)
{
	char *h = render("<script>alert(1)</script>\n\nText <b onclick=\"x()\">bold</b> "
	                 "<img src=x onerror=alert(2)>\n\n<div onmouseover=\"y()\">block</div>\n",
	                 NULL);
	HASNT(h, "<script");
	HASNT(h, "onclick");
	HASNT(h, "onerror");
	HASNT(h, "onmouseover");
	HASNT(h, "<div");
	HAS(h, "raw HTML omitted");
	free(h);
}

Test(markdown, unsafe_links_are_unlinked)
{
	char *h = render("[a](javascript:alert(1)) [b](JavaScript:x) [c](vbscript:msgbox) [d](data:text/html,x) "
	                 "[e](file:///etc/passwd) ![f](javascript:alert(3)) <javascript:alert(4)>\n",
	                 NULL);
	/* the text stays, as text; no link or image is left */
	HAS(h, "<p>a b c d e f javascript:alert(4)</p>");
	HASNT(h, "<a");
	HASNT(h, "<img");
	free(h);
}

Test(markdown, headings_get_unique_anchors)
{
	mr_md_result res;
	char *h = render("# Install & Use\n\n## Setting up\n\n## Setting up\n\n## `code` *here*\n\n## !!!\n", &res);
	HAS(h, "<h1><a class=\"anchor\" id=\"install--use\" href=\"#install--use\"");
	HAS(h, "id=\"setting-up\"");
	HAS(h, "id=\"setting-up-1\"");
	HAS(h, "id=\"code-here\"");
	HAS(h, "id=\"section\"");
	cr_expect_str_eq(res.title, "Install & Use");
	mr_md_result_release(&res);
	free(h);
}

Test(markdown, reserved_ids_are_avoided)
{
	const char *reserved[] = {"entities", "api", NULL};
	mr_md_opts o = {"crm", "modules", resolver, NULL, reserved, 0, 0};
	mr_buf out = MR_BUF_INIT;
	const char *text = "## Entities\n\n## API\n";
	cr_assert_eq(mr_markdown_render(text, strlen(text), &o, &out, NULL), 0);
	HAS(out.data, "id=\"entities-1\"");
	HAS(out.data, "id=\"api-1\"");
	HASNT(out.data, "id=\"entities\"");
	mr_buf_release(&out);
}

Test(markdown, headings_shift_under_a_page_title)
{
	mr_md_opts o = {"crm", "modules", resolver, NULL, NULL, 0, 1};
	mr_buf out = MR_BUF_INIT;
	const char *text = "# Title\n\n## Part\n\n###### Deep\n";
	cr_assert_eq(mr_markdown_render(text, strlen(text), &o, &out, NULL), 0);
	HAS(out.data, "<h2><a class=\"anchor\" id=\"title\"");
	HAS(out.data, "<h3><a class=\"anchor\" id=\"part\"");
	HAS(out.data, "<h6><a class=\"anchor\" id=\"deep\"");
	HASNT(out.data, "<h1");
	mr_buf_release(&out);
}

Test(markdown, relative_links_are_rewritten)
{
	char *h = render("[api](docs/api.md#routes) [billing](../billing/README.md) [self](README.md) "
	                 "[notes](docs/my%20notes.md) [frag](#x) [web](https://example.org/a:b) [mail](mailto:a@b.c)\n",
	                 NULL);
	HAS(h, "href=\"crm/api.html#routes\"");
	HAS(h, "href=\"billing.html\"");
	HAS(h, "href=\"crm.html\"");
	HAS(h, "href=\"crm/my%20notes.html\"");
	HAS(h, "href=\"#x\"");
	HAS(h, "href=\"https://example.org/a:b\"");
	HAS(h, "href=\"mailto:a@b.c\"");
	HAS(asked.data, "crm/docs/api.md;");
	HAS(asked.data, "billing/README.md;");
	free(h);
}

Test(markdown, unresolved_links_keep_their_text)
{
	char *h = render("See [the missing page](docs/missing.md), [up](../../etc/passwd) and [abs](/etc/passwd).\n",
	                 NULL);
	HAS(h, "See the missing page, up and abs.");
	HASNT(h, "<a ");
	/* ".." past the root is never even asked about */
	HASNT(asked.data, "etc/passwd");
	free(h);
}

Test(markdown, images)
{
	char *h = render("![Logo](img/logo.png) ![gone](img/none.png) ![remote](https://example.org/x.png)\n", NULL);
	HAS(h, "<img src=\"crm/files/img/logo.png\" alt=\"Logo\"");
	HAS(asked.data, "img:crm/img/logo.png;");
	/* a missing image becomes its alt text; a remote one a link (nothing loads from another host) */
	HAS(h, "gone");
	HASNT(h, "none.png");
	HAS(h, "<a href=\"https://example.org/x.png\">remote</a>");
	HASNT(h, "<img src=\"https:");
	free(h);
}

Test(markdown, tables)
{
	char *h = render("| Name | Value |\n|:--|--:|\n| `a` | [api](docs/api.md) |\n| <script>x</script> | "
	                 "[js](javascript:alert(1)) |\n| pipe \\| inside | 2 |\n",
	                 NULL);
	HAS(h, "<table>");
	HAS(h, "<th class=\"align-left\">Name</th>");
	HAS(h, "<td class=\"align-right\"><a href=\"crm/api.html\">api</a></td>");
	HAS(h, "<code>a</code>");
	HAS(h, "pipe | inside");
	HASNT(h, "<script");
	HASNT(h, "javascript:");
	free(h);
}

Test(markdown, not_a_table)
{
	char *h = render("a | b\nno delimiter row\n", NULL);
	HASNT(h, "<table>");
	HAS(h, "<p>a | b");
	free(h);
}

Test(markdown, size_cap)
{
	/* a document over the cap is not parsed at all: shown as escaped text */
	size_t n = 4096;
	char *big = mr_xmalloc(n + 1);
	memset(big, '[', n);
	memcpy(big, "<script>", 8);
	big[n] = '\0';
	mr_md_opts o = {"crm", "modules", resolver, NULL, NULL, 1024, 0};
	mr_buf out = MR_BUF_INIT;
	mr_md_result res;
	cr_assert_eq(mr_markdown_render(big, n, &o, &out, &res), 0);
	cr_expect(res.too_large);
	HAS(out.data, "larger than 1 KiB");
	HAS(out.data, "&lt;script&gt;");
	HASNT(out.data, "<script");
	cr_expect(out.len < 2048, "only the first 1 KiB is shown, got %zu bytes", out.len);
	mr_md_result_release(&res);
	mr_buf_release(&out);
	free(big);
}

Test(markdown, quadratic_input_is_bounded, .timeout = 10)
{
	/* CVE-2023-22486: "![[]()" repeated is quadratic in cmark 0.30.2; the default cap bounds it */
	size_t reps = (MR_MD_MAX_BYTES + 4096) / 6;
	mr_buf in = MR_BUF_INIT;
	for (size_t i = 0; i < reps; i++) mr_buf_puts(&in, "![[]()");
	mr_buf out = MR_BUF_INIT;
	mr_md_result res;
	cr_assert_eq(mr_markdown_render(in.data, in.len, NULL, &out, &res), 0);
	cr_expect(res.too_large);
	mr_md_result_release(&res);
	mr_buf_release(&out);
	mr_buf_release(&in);
}

Test(markdown, invalid_utf8_and_nul)
{
	const char text[] = "bad \xff\xfe bytes \0 and more\n";
	mr_buf out = MR_BUF_INIT;
	cr_assert_eq(mr_markdown_render(text, sizeof text - 1, NULL, &out, NULL), 0);
	cr_expect(mr_utf8_valid(out.data, out.len), "output is valid UTF-8 without NUL");
	HAS(out.data, "and more");
	mr_buf_release(&out);
}

Test(markdown, slugify)
{
	const char *cases[][2] = {
		{"Hello World", "hello-world"}, {"  Trim  me ", "trim--me"}, {"a_b-c", "a_b-c"},
		{"Ünïcode Straße", "ünïcode-straße"}, {"!!!", "section"}, {"<script>", "script"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		mr_buf b = MR_BUF_INIT;
		mr_md_slugify(cases[i][0], strlen(cases[i][0]), &b);
		cr_expect_str_eq(mr_buf_str(&b), cases[i][1], "slug of '%s'", cases[i][0]);
		mr_buf_release(&b);
	}
}

Test(markdown, relative_href)
{
	const char *cases[][3] = {
		{"", "index.html", "index.html"},
		{"modules", "modules/crm.html", "crm.html"},
		{"modules", "index.html", "../index.html"},
		{"modules/crm", "modules/crm/api.html", "api.html"},
		{"modules/crm", "modules/billing.html", "../billing.html"},
		{"modules/crm", "index.html", "../../index.html"},
		{"graphs/registry", "modules/a b.html", "../../modules/a%20b.html"},
		{"modules", "modules/crm/x\"y.html", "crm/x%22y.html"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		mr_buf b = MR_BUF_INIT;
		mr_md_relative_href(cases[i][0], cases[i][1], &b);
		cr_expect_str_eq(mr_buf_str(&b), cases[i][2], "from '%s' to '%s'", cases[i][0], cases[i][1]);
		mr_buf_release(&b);
	}
}
