/* test_yamldoc.c — the YAML loader: YAML 1.2 core-schema resolution of scalars and
 * tags, positions of keys and values, and every limit (size, depth, alias expansion,
 * alias cycles, duplicate keys, encoding, documents).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "yamldoc.h"

/* Load text; the caller releases doc and d. */
static int load(const char *text, mr_ydoc *doc, mr_diags *d)
{
	mr_diags_init(d);
	return mr_yaml_load(text, strlen(text), "m/module.yaml", "m", d, doc);
}

/* The value of key in a one-document mapping, loaded from text (doc kept in *doc). */
static const mr_ynode *value_of(const char *text, const char *key, mr_ydoc *doc, mr_diags *d)
{
	cr_assert_eq(load(text, doc, d), 0, "'%s' did not load", text);
	const mr_ynode *v = mr_ymap_get(doc->root, key);
	cr_assert_not_null(v, "no key '%s' in '%s'", key, text);
	return v;
}

static void expect_plain(const char *s, mr_ykind want)
{
	mr_ykind got = mr_yaml_resolve_plain(s, strlen(s));
	cr_expect_eq(got, want, "'%s' resolves to %s, want %s", s, mr_ykind_name(got), mr_ykind_name(want));
}

/* the only diagnostic code of a failed or diagnosed load */
static void expect_code(const char *text, int want_rc, const char *code)
{
	mr_ydoc doc;
	mr_diags d;
	int rc = load(text, &doc, &d);
	cr_expect_eq(rc, want_rc, "rc %d, want %d", rc, want_rc);
	cr_expect_geq(d.len, 1, "no diagnostic for a %s case", code);
	bool found = false;
	for (size_t i = 0; i < d.len; i++) found = found || !strcmp(d.items[i].code, code);
	cr_expect(found, "no %s diagnostic (first: %s %s)", code, d.len ? d.items[0].code : "-",
	          d.len ? d.items[0].message : "");
	if (rc < 0) cr_expect_null(doc.root, "a failed load leaves no root");
	mr_ydoc_release(&doc);
	mr_diags_release(&d);
}

Test(yamldoc, core_schema_null_bool)
{
	expect_plain("", MR_Y_NULL);
	expect_plain("~", MR_Y_NULL);
	expect_plain("null", MR_Y_NULL);
	expect_plain("Null", MR_Y_NULL);
	expect_plain("NULL", MR_Y_NULL);
	expect_plain("nULL", MR_Y_STR);
	expect_plain("true", MR_Y_BOOL);
	expect_plain("True", MR_Y_BOOL);
	expect_plain("FALSE", MR_Y_BOOL);
	expect_plain("tRUE", MR_Y_STR);
	/* YAML 1.1 booleans are strings in 1.2 */
	expect_plain("yes", MR_Y_STR);
	expect_plain("No", MR_Y_STR);
	expect_plain("on", MR_Y_STR);
	expect_plain("OFF", MR_Y_STR);
	expect_plain("y", MR_Y_STR);
}

Test(yamldoc, core_schema_numbers)
{
	expect_plain("0", MR_Y_INT);
	expect_plain("-17", MR_Y_INT);
	expect_plain("+17", MR_Y_INT);
	expect_plain("007", MR_Y_INT);
	expect_plain("0o17", MR_Y_INT);
	expect_plain("0x1F", MR_Y_INT);
	expect_plain("0x1f", MR_Y_INT);
	expect_plain("0o18", MR_Y_STR);
	expect_plain("0xG", MR_Y_STR);
	expect_plain("-0x1F", MR_Y_STR); /* no sign on hex in the core schema */
	expect_plain("1_000", MR_Y_STR); /* no YAML 1.1 underscores */
	expect_plain("0b101", MR_Y_STR);
	expect_plain("1.5", MR_Y_FLOAT);
	expect_plain("-.5", MR_Y_FLOAT);
	expect_plain("1.", MR_Y_FLOAT);
	expect_plain("1e3", MR_Y_FLOAT);
	expect_plain("1.5E-3", MR_Y_FLOAT);
	expect_plain("1e", MR_Y_STR);
	expect_plain(".", MR_Y_STR);
	expect_plain("-", MR_Y_STR);
	expect_plain(".inf", MR_Y_FLOAT);
	expect_plain("-.Inf", MR_Y_FLOAT);
	expect_plain("+.INF", MR_Y_FLOAT);
	expect_plain(".nan", MR_Y_FLOAT);
	expect_plain(".NaN", MR_Y_FLOAT);
	expect_plain("-.nan", MR_Y_STR);
	expect_plain("1.0.0", MR_Y_STR);
	expect_plain("12:30", MR_Y_STR); /* no sexagesimal numbers */
	expect_plain("2026-02-16", MR_Y_STR); /* no timestamps */
}

Test(yamldoc, scalar_values)
{
	mr_ydoc doc;
	mr_diags d;
	cr_assert_eq(load("a: 42\nb: -0x10\nc: 0o17\nd: 0x1F\ne: 2.5\nf: .inf\ng: -.inf\nh: .nan\ni: false\n"
	                  "j: 99999999999999999999\nk: 1e3\n",
	                  &doc, &d),
	             0);
	const mr_ynode *r = doc.root;
	cr_expect_eq(mr_ymap_get(r, "a")->v.i, 42);
	cr_expect_eq(mr_ymap_get(r, "b")->kind, MR_Y_STR);
	cr_expect_eq(mr_ymap_get(r, "c")->v.i, 15);
	cr_expect_eq(mr_ymap_get(r, "d")->v.i, 31);
	cr_expect_float_eq(mr_ymap_get(r, "e")->v.f, 2.5, 1e-12);
	cr_expect(isinf(mr_ymap_get(r, "f")->v.f) && mr_ymap_get(r, "f")->v.f > 0);
	cr_expect(isinf(mr_ymap_get(r, "g")->v.f) && mr_ymap_get(r, "g")->v.f < 0);
	cr_expect(isnan(mr_ymap_get(r, "h")->v.f));
	cr_expect_eq(mr_ymap_get(r, "i")->kind, MR_Y_BOOL);
	cr_expect_not(mr_ymap_get(r, "i")->v.b);
	/* an integer too big for long long stays a number */
	cr_expect_eq(mr_ymap_get(r, "j")->kind, MR_Y_FLOAT);
	cr_expect_float_eq(mr_ymap_get(r, "j")->v.f, 1e20, 1e6);
	cr_expect_float_eq(mr_ymap_get(r, "k")->v.f, 1000.0, 1e-9);
	cr_expect_eq(d.len, 0);
	mr_ydoc_release(&doc);
	mr_diags_release(&d);
}

Test(yamldoc, quoted_and_block_scalars_are_strings)
{
	mr_ydoc doc;
	mr_diags d;
	cr_assert_eq(load("a: \"true\"\nb: '42'\nc: \"~\"\nd: |\n  1.5\ne: >-\n  null\nf: \"\"\ng:\n", &doc, &d), 0);
	const char *keys[] = {"a", "b", "c", "d", "e", "f"};
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
		const mr_ynode *v = mr_ymap_get(doc.root, keys[i]);
		cr_expect_eq(v->kind, MR_Y_STR, "%s is %s", keys[i], mr_ykind_name(v->kind));
		cr_expect_not(v->plain, "%s is not plain", keys[i]);
	}
	cr_expect_str_eq(mr_ymap_get(doc.root, "d")->str, "1.5\n");
	cr_expect_str_eq(mr_ymap_get(doc.root, "e")->str, "null");
	cr_expect_eq(mr_ymap_get(doc.root, "f")->len, 0);
	/* an absent value is a plain empty scalar: null */
	cr_expect_eq(mr_ymap_get(doc.root, "g")->kind, MR_Y_NULL);
	cr_expect(mr_ymap_get(doc.root, "g")->plain);
	mr_ydoc_release(&doc);
	mr_diags_release(&d);
}

Test(yamldoc, core_tags)
{
	mr_ydoc doc;
	mr_diags d;
	cr_assert_eq(load("a: !!str 42\nb: !!int \"42\"\nc: !!float 1\nd: !!bool \"true\"\ne: !!null \"\"\n"
	                  "f: ! 12\ng: !!float 0o10\nh: !!seq [1]\ni: !!map {x: 1}\n",
	                  &doc, &d),
	             0);
	const mr_ynode *r = doc.root;
	cr_expect_eq(mr_ymap_get(r, "a")->kind, MR_Y_STR);
	cr_expect_str_eq(mr_ymap_get(r, "a")->str, "42");
	cr_expect_eq(mr_ymap_get(r, "b")->kind, MR_Y_INT);
	cr_expect_eq(mr_ymap_get(r, "b")->v.i, 42);
	cr_expect_eq(mr_ymap_get(r, "c")->kind, MR_Y_FLOAT);
	cr_expect_float_eq(mr_ymap_get(r, "c")->v.f, 1.0, 1e-12);
	cr_expect_eq(mr_ymap_get(r, "d")->kind, MR_Y_BOOL);
	cr_expect(mr_ymap_get(r, "d")->v.b);
	cr_expect_eq(mr_ymap_get(r, "e")->kind, MR_Y_NULL);
	cr_expect_eq(mr_ymap_get(r, "f")->kind, MR_Y_STR, "the non-specific tag ! makes a string");
	cr_expect_float_eq(mr_ymap_get(r, "g")->v.f, 8.0, 1e-12);
	cr_expect_eq(mr_ymap_get(r, "h")->kind, MR_Y_SEQ);
	cr_expect_eq(mr_ymap_get(r, "i")->kind, MR_Y_MAP);
	cr_expect_eq(d.len, 0, "core tags are fine, got %s", d.len ? d.items[0].message : "");
	mr_ydoc_release(&doc);
	mr_diags_release(&d);
}

Test(yamldoc, bad_tags_are_reported_but_do_not_stop_loading)
{
	mr_ydoc doc;
	mr_diags d;
	cr_assert_eq(load("a: !!int twelve\nb: !local x\nc: !!binary aGk=\nd: !!set {x}\ne: !!seq {x: 1}\nf: ok\n", &doc,
	                  &d),
	             0);
	cr_assert_eq(d.len, 5, "one diagnostic per bad tag, got %zu", d.len);
	for (size_t i = 0; i < d.len; i++) {
		cr_expect_str_eq(d.items[i].code, "bad-value");
		cr_expect_eq(d.items[i].line, i + 1);
	}
	cr_expect(strstr(d.items[0].message, "!!int"), "%s", d.items[0].message);
	cr_expect(strstr(d.items[2].message, "'!!binary'"), "%s", d.items[2].message);
	/* the value is kept as its text */
	cr_expect_eq(mr_ymap_get(doc.root, "a")->kind, MR_Y_STR);
	cr_expect_str_eq(mr_ymap_get(doc.root, "a")->str, "twelve");
	cr_expect_str_eq(mr_ymap_get(doc.root, "f")->str, "ok");
	mr_ydoc_release(&doc);
	mr_diags_release(&d);
}

Test(yamldoc, positions_of_keys_and_values)
{
	mr_ydoc doc;
	mr_diags d;
	const char *text = "# comment\n"
	                   "name: CRM\n"
	                   "api:\n"
	                   "  routes:\n"
	                   "    - { method: GET, path: \"/x\" }\n"
	                   "tags: [a,   b]\n"
	                   "key:   &anchor   value\n";
	cr_assert_eq(load(text, &doc, &d), 0);
	const mr_ynode *r = doc.root;
	cr_expect_eq(r->line, 2);
	cr_expect_eq(r->col, 1);
	/* keys: items[2i] */
	cr_expect_eq(r->items[0]->line, 2);
	cr_expect_eq(r->items[0]->col, 1);
	const mr_ynode *name = mr_ymap_get(r, "name");
	cr_expect_eq(name->line, 2);
	cr_expect_eq(name->col, 7);
	const mr_ynode *route = mr_ymap_get(mr_ymap_get(r, "api"), "routes")->items[0];
	cr_expect_eq(route->line, 5);
	cr_expect_eq(route->col, 7);
	const mr_ynode *path = mr_ymap_get(route, "path");
	cr_expect_eq(path->line, 5);
	cr_expect_eq(path->col, 28, "a quoted value starts at its quote");
	const mr_ynode *tags = mr_ymap_get(r, "tags");
	cr_expect_eq(tags->items[1]->col, 13);
	const mr_ynode *v = mr_ymap_get(r, "key");
	cr_expect_eq(v->line, 7);
	cr_expect_eq(v->col, 8, "a node with an anchor starts at the anchor");
	mr_ydoc_release(&doc);
	mr_diags_release(&d);
}

Test(yamldoc, columns_count_characters_and_skip_a_bom)
{
	mr_ydoc doc;
	mr_diags d;
	cr_assert_eq(load("\xEF\xBB\xBFkey: v\nü: x\n\xC3\xA9t\xC3\xA9: [a, b]\n", &doc, &d), 0);
	cr_expect_eq(doc.root->items[0]->col, 1, "the BOM is not a column");
	cr_expect_eq(mr_ymap_get(doc.root, "ü")->col, 4);
	cr_expect_eq(mr_ymap_get(doc.root, "été")->items[1]->col, 10, "columns count characters, not bytes");
	mr_ydoc_release(&doc);
	mr_diags_release(&d);
	/* CRLF line ends */
	cr_assert_eq(load("a: 1\r\nb: 2\r\n", &doc, &d), 0);
	cr_expect_eq(mr_ymap_get(doc.root, "b")->line, 2);
	cr_expect_eq(mr_ymap_get(doc.root, "b")->v.i, 2);
	mr_ydoc_release(&doc);
	mr_diags_release(&d);
}

Test(yamldoc, duplicate_keys_first_wins_with_note)
{
	mr_ydoc doc;
	mr_diags d;
	cr_assert_eq(load("a: 1\nb: 2\na: 3\nc: {x: 1, x: 2}\na: 4\n", &doc, &d), 0, "duplicates do not fail the load");
	cr_assert_eq(d.len, 3);
	mr_diags_sort(&d);
	cr_expect_str_eq(d.items[0].code, "duplicate-key");
	cr_expect_eq(d.items[0].line, 3);
	cr_expect_eq(d.items[0].col, 1);
	cr_assert_eq(d.items[0].nnotes, 1);
	cr_expect_eq(d.items[0].notes[0].line, 1, "the note points at the first occurrence");
	cr_expect_eq(d.items[1].line, 4);
	cr_expect_eq(d.items[1].col, 11);
	cr_expect_eq(d.items[2].line, 5);
	cr_expect_eq(d.items[2].notes[0].line, 1);
	cr_expect_eq(doc.root->n, 3, "the later pairs are dropped");
	cr_expect_eq(mr_ymap_get(doc.root, "a")->v.i, 1);
	cr_expect_eq(mr_ymap_get(mr_ymap_get(doc.root, "c"), "x")->v.i, 1);
	mr_ydoc_release(&doc);
	mr_diags_release(&d);
}

Test(yamldoc, many_duplicate_keys_are_linear)
{
	/* 40,000 copies of one key: each reported once, without a quadratic search */
	mr_buf b = MR_BUF_INIT;
	for (int i = 0; i < 40000; i++) mr_buf_puts(&b, "k: 1\n");
	mr_ydoc doc;
	mr_diags d;
	mr_diags_init(&d);
	cr_assert_eq(mr_yaml_load(b.data, b.len, "f", NULL, &d, &doc), 0);
	cr_expect_eq(d.len, 39999);
	cr_expect_eq(d.items[d.len - 1].notes[0].line, 1);
	cr_expect_eq(doc.root->n, 1);
	mr_ydoc_release(&doc);
	mr_diags_release(&d);
	mr_buf_release(&b);
}

Test(yamldoc, aliases_are_shared)
{
	mr_ydoc doc;
	mr_diags d;
	const mr_ynode *v = value_of("base: &b {x: 1}\nuse: *b\nlist: [&s one, *s, &s two, *s]\n", "use", &doc, &d);
	cr_expect_eq(v, mr_ymap_get(doc.root, "base"), "an alias is the anchored node itself");
	const mr_ynode *list = mr_ymap_get(doc.root, "list");
	cr_expect_str_eq(list->items[1]->str, "one");
	cr_expect_str_eq(list->items[3]->str, "two", "a redefined anchor refers to the latest definition");
	cr_expect_eq(d.len, 0);
	mr_ydoc_release(&doc);
	mr_diags_release(&d);
}

Test(yamldoc, limits_alias_bomb)
{
	mr_buf b = MR_BUF_INIT;
	mr_buf_puts(&b, "a: &a [x, x, x, x, x, x, x, x, x, x]\n");
	for (char c = 'b'; c <= 'j'; c++) {
		mr_buf_printf(&b, "%c: &%c [", c, c);
		for (int i = 0; i < 10; i++) mr_buf_printf(&b, "%s*%c", i ? ", " : "", c - 1);
		mr_buf_puts(&b, "]\n");
	}
	expect_code(b.data, -1, "alias-limit");
	mr_buf_release(&b);
}

Test(yamldoc, limits_alias_text)
{
	/* few nodes, but each alias repeats 200 KB of text: 25 of them pass 4 MiB */
	mr_buf b = MR_BUF_INIT;
	mr_buf_puts(&b, "s: &s ");
	for (int i = 0; i < 200000; i++) mr_buf_putc(&b, 'a');
	mr_buf_puts(&b, "\nl: [");
	for (int i = 0; i < 30; i++) mr_buf_puts(&b, "*s, ");
	mr_buf_puts(&b, "*s]\n");
	expect_code(b.data, -1, "alias-limit");
	mr_buf_release(&b);
}

Test(yamldoc, limits_alias_cycle)
{
	expect_code("a: &a [1, *a]\n", -1, "alias-limit");
	expect_code("a: &m {k: {j: *m}}\n", -1, "alias-limit");
	expect_code("a: *nowhere\n", -1, "yaml-syntax");
}

Test(yamldoc, limits_depth)
{
	mr_buf b = MR_BUF_INIT;
	mr_buf_puts(&b, "a: ");
	for (int i = 0; i < 10000; i++) mr_buf_putc(&b, '[');
	expect_code(b.data, -1, "too-deep");
	mr_buf_reset(&b);
	/* 63 levels under the root mapping: 64 in all, the limit */
	mr_buf_puts(&b, "a: ");
	for (int i = 0; i < 62; i++) mr_buf_putc(&b, '[');
	mr_buf_putc(&b, '1');
	for (int i = 0; i < 62; i++) mr_buf_putc(&b, ']');
	mr_ydoc doc;
	mr_diags d;
	cr_expect_eq(load(b.data, &doc, &d), 0, "64 levels are allowed: %s", d.len ? d.items[0].message : "");
	mr_ydoc_release(&doc);
	mr_diags_release(&d);
	/* depth reached through an alias counts too */
	expect_code("a: &a [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n"
	            "b: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[*a]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n",
	            -1, "too-deep");
	mr_buf_release(&b);
}

Test(yamldoc, limits_nodes_and_size)
{
	mr_buf b = MR_BUF_INIT;
	mr_buf_puts(&b, "t: [");
	for (int i = 0; i < 100000; i++) mr_buf_puts(&b, "1,");
	mr_buf_puts(&b, "1]\n");
	expect_code(b.data, -1, "too-large");
	mr_buf_reset(&b);
	mr_buf_puts(&b, "a: 1\n");
	while (b.len <= MR_MANIFEST_MAX_BYTES) mr_buf_puts(&b, "# padding padding padding padding padding\n");
	expect_code(b.data, -1, "too-large");
	mr_buf_release(&b);
}

Test(yamldoc, many_anchors_are_fast)
{
	/* 40,000 anchors and 40,000 aliases: a linear anchor search took seconds */
	mr_buf b = MR_BUF_INIT;
	mr_buf_puts(&b, "a: [");
	for (int i = 0; i < 40000; i++) mr_buf_printf(&b, "&a%d 1, ", i);
	mr_buf_puts(&b, "0]\nb: [");
	for (int i = 0; i < 40000; i++) mr_buf_printf(&b, "*a%d, ", i);
	mr_buf_puts(&b, "0]\n");
	mr_ydoc doc;
	mr_diags d;
	mr_diags_init(&d);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(mr_yaml_load(b.data, b.len, "f", NULL, &d, &doc), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	cr_expect_lt(s, 2.0, "took %.2f s", s);
	cr_expect_eq(mr_ymap_get(doc.root, "b")->items[39999], mr_ymap_get(doc.root, "a")->items[39999]);
	mr_ydoc_release(&doc);
	mr_diags_release(&d);
	mr_buf_release(&b);
}

Test(yamldoc, encoding)
{
	mr_ydoc doc;
	mr_diags d;
	const char nul[] = "a: 1\nb: x\0y\n";
	mr_diags_init(&d);
	cr_expect_eq(mr_yaml_load(nul, sizeof nul - 1, "f", NULL, &d, &doc), -1);
	cr_assert_eq(d.len, 1);
	cr_expect_str_eq(d.items[0].code, "not-utf8");
	cr_expect_eq(d.items[0].line, 2);
	cr_expect_eq(d.items[0].col, 5);
	mr_ydoc_release(&doc);
	mr_diags_release(&d);

	const char *bad[] = {"a: caf\xe9\n", "a: \xc0\xaf\n", "a: \xed\xa0\x80\n", "a: \xf4\x90\x80\x80\n", "a: \xe2\x82"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		cr_expect_eq(load(bad[i], &doc, &d), -1, "case %zu", i);
		cr_expect(d.len == 1 && !strcmp(d.items[0].code, "not-utf8"), "case %zu", i);
		cr_expect(d.len == 1 && d.items[0].line == 1 && d.items[0].col >= 4, "case %zu at %u:%u", i,
		          d.len ? d.items[0].line : 0, d.len ? d.items[0].col : 0);
		mr_ydoc_release(&doc);
		mr_diags_release(&d);
	}
}

Test(yamldoc, documents)
{
	expect_code("a: 1\n---\nb: 2\n", -1, "multi-document");
	expect_code("", -1, "not-a-mapping");
	expect_code("# only a comment\n", -1, "not-a-mapping");
	expect_code("a: [1, 2\n", -1, "yaml-syntax");
	expect_code("a: 1\n b: 2\n", -1, "yaml-syntax");
	expect_code("a: \"\x01\"\n", -1, "yaml-syntax");
	mr_ydoc doc;
	mr_diags d;
	cr_expect_eq(load("--- \na: 1\n...\n", &doc, &d), 0, "one document with markers is fine");
	mr_ydoc_release(&doc);
	mr_diags_release(&d);
	/* a non-mapping root loads: whether it may be is the manifest's business */
	cr_expect_eq(load("- 1\n- 2\n", &doc, &d), 0);
	cr_expect_eq(doc.root->kind, MR_Y_SEQ);
	cr_expect_eq(doc.root->n, 2);
	mr_ydoc_release(&doc);
	mr_diags_release(&d);
}

Test(yamldoc, messages_never_quote_credentials)
{
	/* a duplicate key or a bad tag that holds a token must not put it in a message */
	const char *tok = "ghp_Xq7Lm2Np9Rs4Tv6Wy8Za1Bc3De5Fg7Hj9K0m";
	mr_buf b = MR_BUF_INIT;
	mr_buf_printf(&b, "%s: 1\n%s: 2\nx: !!int %s\n", tok, tok, tok);
	mr_ydoc doc;
	mr_diags d;
	mr_diags_init(&d);
	cr_assert_eq(mr_yaml_load(b.data, b.len, "f", NULL, &d, &doc), 0);
	cr_assert_eq(d.len, 2);
	for (size_t i = 0; i < d.len; i++) cr_expect_null(strstr(d.items[i].message, "Xq7Lm2"), "%s", d.items[i].message);
	mr_ydoc_release(&doc);
	mr_diags_release(&d);
	mr_buf_release(&b);
}

Test(yamldoc, ymap_get)
{
	mr_ydoc doc;
	mr_diags d;
	cr_assert_eq(load("a: 1\n? [x]\n: 2\n3: three\n", &doc, &d), 0);
	cr_expect_not_null(mr_ymap_get(doc.root, "a"));
	cr_expect_null(mr_ymap_get(doc.root, "b"));
	cr_expect_str_eq(mr_ymap_get(doc.root, "3")->str, "three", "keys are compared as text");
	cr_expect_null(mr_ymap_get(mr_ymap_get(doc.root, "a"), "a"), "not a mapping");
	cr_expect_null(mr_ymap_get(NULL, "a"));
	mr_ydoc_release(&doc);
	mr_diags_release(&d);
}
