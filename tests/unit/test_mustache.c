/* test_mustache.c — the official Mustache spec's required sections, run as
 * tests from tests/data/mustache-spec/, plus the engine's own behaviour:
 * escaping, numbers, errors, template sets, name checks and recursion limits.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mustache.h"
#include "util.h"

#define SPEC_DIR "tests/data/mustache-spec"

static char *partials_from_json(void *ctx, const char *name)
{
	json_t *p = json_object_get(ctx, name);
	return json_is_string(p) ? mr_xstrdup(json_string_value(p)) : NULL;
}

/* Runs every test of one spec file; fails listing the names of those that fail. */
static void run_spec(const char *file)
{
	char *path = mr_xasprintf("%s/%s.json", SPEC_DIR, file);
	json_error_t jerr;
	json_t *doc = json_load_file(path, 0, &jerr);
	cr_assert_not_null(doc, "%s: %s", path, jerr.text);
	json_t *tests = json_object_get(doc, "tests");
	cr_assert(json_array_size(tests) > 0, "%s: no tests", path);

	mr_buf failures = MR_BUF_INIT;
	size_t nfail = 0, i;
	json_t *test;
	json_array_foreach(tests, i, test) {
		const char *name = json_string_value(json_object_get(test, "name"));
		json_t *tpl = json_object_get(test, "template");
		const char *expected = json_string_value(json_object_get(test, "expected"));
		char *err = NULL;
		mr_buf out = MR_BUF_INIT;
		mr_template *t = mr_template_compile(json_string_value(tpl), json_string_length(tpl), &err);
		int rc = t ? mr_template_render(t, json_object_get(test, "data"), partials_from_json,
						json_object_get(test, "partials"), &out, &err)
			   : -1;
		if (rc < 0 || strcmp(mr_buf_str(&out), expected) != 0) {
			mr_buf_printf(&failures, "\n  %s: %s: got \"%s\" want \"%s\"", file, name,
				      rc < 0 ? err : mr_buf_str(&out), expected);
			nfail++;
		}
		free(err);
		mr_buf_release(&out);
		mr_template_free(t);
	}
	cr_expect(nfail == 0, "%zu of %zu spec tests failed:%s", nfail, json_array_size(tests),
		  mr_buf_str(&failures));
	mr_buf_release(&failures);
	json_decref(doc);
	free(path);
}

Test(mustache_spec, interpolation) { run_spec("interpolation"); }
Test(mustache_spec, sections) { run_spec("sections"); }
Test(mustache_spec, inverted) { run_spec("inverted"); }
Test(mustache_spec, comments) { run_spec("comments"); }
Test(mustache_spec, partials) { run_spec("partials"); }
Test(mustache_spec, delimiters) { run_spec("delimiters"); }

/* Renders text with data given as JSON; returns the output (heap) or the error. */
static char *render(const char *text, const char *data_json)
{
	json_t *data = json_loads(data_json, JSON_DECODE_ANY, NULL);
	cr_assert_not_null(data, "bad test data %s", data_json);
	char *err = NULL;
	mr_buf out = MR_BUF_INIT;
	mr_template *t = mr_template_compile(text, strlen(text), &err);
	char *res;
	if (!t)
		res = mr_xasprintf("compile error: %s", err);
	else if (mr_template_render(t, data, NULL, NULL, &out, &err) < 0)
		res = mr_xasprintf("render error: %s", err);
	else
		res = mr_buf_detach(&out);
	free(err);
	mr_buf_release(&out);
	mr_template_free(t);
	json_decref(data);
	return res;
}

static void expect_render(const char *text, const char *data, const char *want)
{
	char *got = render(text, data);
	cr_expect_str_eq(got, want, "template %s", text);
	free(got);
}

Test(mustache, escaping)
{
	expect_render("{{x}}", "{\"x\": \"<a href=\\\"u\\\">'&'</a>\"}",
		      "&lt;a href=&quot;u&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
	expect_render("{{{x}}}|{{&x}}", "{\"x\": \"<b>&'\"}", "<b>&'|<b>&'");
	expect_render("{{x}}", "{\"x\": [1, \"<\"]}", "[1,&quot;&lt;&quot;]");
}

Test(mustache, values)
{
	expect_render("{{a}} {{b}} {{c}} {{d}} {{e}} {{f}}",
		      "{\"a\": 1.210, \"b\": 42, \"c\": -7, \"d\": 0.1, \"e\": true, \"f\": null}",
		      "1.21 42 -7 0.1 true ");
	expect_render("{{#s}}yes{{/s}}{{^s}}empty{{/s}} {{#z}}zero{{/z}}", "{\"s\": \"\", \"z\": 0}",
		      "empty zero");
	expect_render("{{#a}}{{b.c}}{{/a}}", "{\"a\": {\"b\": {}}, \"b\": {\"c\": \"no\"}}", "");
}

static void expect_compile_error(const char *text, const char *want)
{
	char *err = NULL;
	mr_template *t = mr_template_compile(text, strlen(text), &err);
	cr_expect_null(t, "%s compiled", text);
	cr_expect_str_eq(err ? err : "(none)", want);
	mr_template_free(t);
	free(err);
}

Test(mustache, compile_errors)
{
	expect_compile_error("a\nb\n{{#items}}\n{{x}}\n", "line 3: unclosed section 'items'");
	expect_compile_error("{{#a}}\n{{/b}}",
			     "line 2: closing tag 'b' does not match section 'a' opened on line 1");
	expect_compile_error("x {{/a}}", "line 1: closing tag 'a' without an open section");
	expect_compile_error("\n{{x", "line 2: unclosed tag");
	expect_compile_error("{{=<% =}}", "line 1: invalid set-delimiter tag");
	expect_compile_error("{{ }}", "line 1: empty tag name");
	expect_compile_error("{{a..b}}", "line 1: invalid name 'a..b'");
	expect_compile_error("{{<layout}}{{/layout}}",
			     "line 1: template inheritance tags are not supported (use partials)");
}

static char *self_loader(void *ctx, const char *name)
{
	(*(int *)ctx)++;
	return strcmp(name, "self") == 0 ? mr_xstrdup("x{{>self}}{{>self}}") : NULL;
}

Test(mustache, recursion_limit)
{
	int calls = 0;
	char *err = NULL;
	mr_buf out = MR_BUF_INIT;
	mr_buf_puts(&out, "kept");
	mr_template *t = mr_template_compile("{{>self}}", 9, &err);
	cr_assert_not_null(t);
	cr_expect_eq(mr_template_render(t, NULL, self_loader, &calls, &out, &err), -1);
	cr_expect_str_eq(err ? err : "(none)",
			 "partial 'self': partials nested deeper than 64 (recursive partial?)");
	cr_expect_str_eq(mr_buf_str(&out), "kept", "a failed render must leave out as it was");
	cr_expect_eq(calls, 1, "the partial is fetched once per render, not %d times", calls);
	free(err);
	mr_buf_release(&out);
	mr_template_free(t);
}

static char *counting_loader(void *ctx, const char *name)
{
	(*(int *)ctx)++;
	return strcmp(name, "row") == 0 ? mr_xstrdup("<{{.}}>") : NULL;
}

Test(mustache, partials_compiled_once_per_render)
{
	int calls = 0;
	json_t *data = json_pack("{s:[iii]}", "items", 1, 2, 3);
	mr_buf out = MR_BUF_INIT;
	mr_template *t = mr_template_compile("{{#items}}{{>row}}{{>nope}}{{/items}}", 37, NULL);
	cr_assert_not_null(t);
	cr_expect_eq(mr_template_render(t, data, counting_loader, &calls, &out, NULL), 0);
	cr_expect_str_eq(mr_buf_str(&out), "<1><2><3>");
	cr_expect_eq(calls, 2, "loader called %d times for two names", calls);
	mr_buf_release(&out);
	mr_template_free(t);
	json_decref(data);
}

/* ---- template sets, in a temporary directory ---- */

static void write_file(const char *dir, const char *name, const char *text)
{
	char *path = mr_path_join(dir, name);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "cannot write %s", path);
	fputs(text, f);
	fclose(f);
	free(path);
}

static char *make_tmpdir(void)
{
	char *dir = mr_xstrdup("/tmp/modreg-mustache-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	return dir;
}

static void remove_tree(const char *dir)
{
	char *cmd = mr_xasprintf("rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
	free(cmd);
}

Test(mustache_set, renders_and_caches)
{
	char *dir = make_tmpdir();
	write_file(dir, "page.mustache", "{{>header}}\n<p>{{title}}</p>\n  {{>footer}}\n");
	write_file(dir, "header.mustache", "<h1>{{title}}</h1>\n");
	write_file(dir, "footer.mustache", "<footer>\n{{#links}}\n<a>{{.}}</a>\n{{/links}}\n</footer>\n");
	json_t *data = json_pack("{s:s, s:[ss]}", "title", "A & B", "links", "x", "y");
	mr_template_set *s = mr_template_set_new(dir);
	mr_buf out = MR_BUF_INIT;
	char *err = NULL;
	const char *want = "<h1>A &amp; B</h1>\n<p>A &amp; B</p>\n"
			   "  <footer>\n  <a>x</a>\n  <a>y</a>\n  </footer>\n";

	cr_assert_eq(mr_template_set_render(s, "page", data, &out, &err), 0, "%s", err);
	cr_expect_str_eq(mr_buf_str(&out), want);

	/* compiled templates are kept: an edit is not seen until the set is cleared */
	write_file(dir, "header.mustache", "<h2>{{title}}</h2>\n");
	mr_buf_reset(&out);
	cr_assert_eq(mr_template_set_render(s, "page", data, &out, &err), 0, "%s", err);
	cr_expect_str_eq(mr_buf_str(&out), want);
	mr_template_set_clear(s);
	mr_buf_reset(&out);
	cr_assert_eq(mr_template_set_render(s, "page", data, &out, &err), 0, "%s", err);
	cr_expect(strncmp(mr_buf_str(&out), "<h2>", 4) == 0, "got %s", mr_buf_str(&out));

	cr_expect_eq(mr_template_set_render(s, "absent", data, &out, &err), -1);
	cr_expect(err && strstr(err, "absent.mustache: no such template"), "err %s", err);
	free(err);

	mr_buf_release(&out);
	mr_template_set_free(s);
	json_decref(data);
	remove_tree(dir);
	free(dir);
}

Test(mustache_set, names_cannot_leave_dir)
{
	char *top = make_tmpdir();
	char *dir = mr_path_join(top, "templates");
	cr_assert_eq(mr_mkdirs(dir, 0755), 0);
	write_file(top, "secret.mustache", "SECRET");
	write_file(dir, "up.mustache", "a{{>../secret}}b");
	write_file(dir, "abs.mustache", "a{{>/etc/passwd}}b");
	mr_template_set *s = mr_template_set_new(dir);
	mr_buf out = MR_BUF_INIT;
	const char *names[] = {"up", "abs", "../secret", "..", ""};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		char *err = NULL;
		cr_expect_eq(mr_template_set_render(s, names[i], NULL, &out, &err), -1, "%s rendered",
			     names[i]);
		cr_expect(err && strstr(err, "is not allowed"), "%s: err %s", names[i], err);
		free(err);
	}
	cr_expect_eq(out.len, 0, "output %s", mr_buf_str(&out));
	mr_buf_release(&out);
	mr_template_set_free(s);
	remove_tree(top);
	free(dir);
	free(top);
}

Test(mustache_set, self_including_file_fails)
{
	char *dir = make_tmpdir();
	write_file(dir, "loop.mustache", "{{>loop}}{{>loop}}");
	write_file(dir, "bad.mustache", "{{>broken}}");
	write_file(dir, "broken.mustache", "\n{{#x}}");
	mr_template_set *s = mr_template_set_new(dir);
	mr_buf out = MR_BUF_INIT;
	char *err = NULL;
	cr_expect_eq(mr_template_set_render(s, "loop", NULL, &out, &err), -1);
	cr_expect(err && strstr(err, "nested deeper than 64"), "err %s", err);
	free(err);
	err = NULL;
	cr_expect_eq(mr_template_set_render(s, "bad", NULL, &out, &err), -1);
	char *want = mr_xasprintf("%s/broken.mustache: line 2: unclosed section 'x'", dir);
	cr_expect_str_eq(err ? err : "(none)", want);
	free(want);
	free(err);
	mr_buf_release(&out);
	mr_template_set_free(s);
	remove_tree(dir);
	free(dir);
}
