/* test_context.c — the index section written a table at a time is, byte for byte, the
 * section written whole: for registries whose tables are all empty, some empty, small
 * (a table short enough to be a one-line record) and large. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "context.h"
#include "registry.h"
#include "util.h"

static size_t nchunks;

static void add(void *ctx, const mr_buf *text)
{
	mr_buf_add(ctx, text->data, text->len);
	nchunks++;
}

static void write_module(const char *root, const char *id, const char *yaml)
{
	char *dir = mr_path_join(root, id);
	cr_assert_eq(mr_mkdirs(dir, 0755), 0);
	char *p = mr_path_join(dir, "module.yaml");
	char *text = mr_xasprintf("apiVersion: modreg/v1\nname: %s\ndescription: The %s module.\ntype: service\n"
	                          "version: 1.0.0\n%s",
	                          id, id, yaml);
	cr_assert_eq(mr_write_file_atomic(p, text, strlen(text), NULL), 0);
	free(text);
	free(p);
	free(dir);
}

/* chunks of the registry at root, concatenated, equal the whole section; how many */
static size_t check_registry(const char *root)
{
	nchunks = 0;
	mr_registry reg;
	cr_assert_eq(mr_registry_load(&reg, root, NULL), 0);
	mr_analysis an;
	mr_analyse(&reg, &an);
	mr_context_in in = {&reg, &an, NULL, 0};
	mr_buf whole = MR_BUF_INIT, parts = MR_BUF_INIT, scratch = MR_BUF_INIT;
	mr_context_index_text(&in, &whole);
	mr_context_index_chunks(&in, &scratch, add, &parts);
	cr_assert_str_eq(mr_buf_str(&parts), mr_buf_str(&whole), "registry %s", root);
	mr_buf_release(&whole);
	mr_buf_release(&parts);
	mr_buf_release(&scratch);
	mr_analysis_release(&an);
	mr_registry_release(&reg);
	return nchunks;
}

static char *temp_registry(void)
{
	char tmpl[] = "/tmp/modreg-context-XXXXXX";
	cr_assert_not_null(mkdtemp(tmpl));
	return mr_xstrdup(tmpl);
}

static void remove_tree(char *root)
{
	char *cmd = mr_xasprintf("rm -rf '%s'", root);
	cr_assert_eq(system(cmd), 0);
	free(cmd);
	free(root);
}

Test(context, index_chunks_of_the_example_registry)
{
	check_registry("registry");
	check_registry("tests/data/site-registry");
}

Test(context, index_chunks_with_empty_and_small_tables)
{
	char *root = temp_registry();
	/* no module: every table empty */
	check_registry(root);
	/* a module that adds nothing to the index */
	write_module(root, "plain", "");
	check_registry(root);
	/* a module whose only keys are empty: they are left out, so every table is empty */
	write_module(root, "blank", "ai: {keywords: [\"\"]}\ntags: []\n");
	check_registry(root);
	/* one small table (a record on one line), the others empty */
	write_module(root, "tagged", "tags: [alpha, beta]\n");
	check_registry(root);
	/* every table, some small, one past 16 keys */
	mr_buf routes = MR_BUF_INIT;
	mr_buf_puts(&routes, "entities: [{name: Order}]\npermissions: [\"shop:read\"]\n"
	                     "events: {publishes: [{name: order.created}]}\napi:\n  basePath: /shop\n  routes:\n");
	for (int i = 0; i < 20; i++) mr_buf_printf(&routes, "    - {method: GET, path: /r%d}\n", i);
	write_module(root, "shop", mr_buf_str(&routes));
	mr_buf_release(&routes);
	check_registry(root);
	remove_tree(root);
}

/* a large table is handed on in parts (as soon as a part passes the size), and they
 * still add up to the section, wherever the cuts fall */
Test(context, index_chunks_cut_inside_tables)
{
	size_t saved = mr_context_index_chunk_bytes;
	size_t tables = check_registry("registry");
	for (size_t size = 1; size <= 4096; size *= 4) {
		mr_context_index_chunk_bytes = size;
		size_t n = check_registry("registry");
		cr_assert_gt(n, tables, "chunk size %zu: %zu chunks, no more than one per table", size, n);
		check_registry("tests/data/site-registry");
	}
	mr_context_index_chunk_bytes = saved;
}
