/* test_jsonw.c — the layout of every JSON file modreg writes: 2-space indentation, a
 * record (an object of at most 16 members holding no non-empty object and no list of
 * lists) or a list of at most 16 scalars on one line, everything else one member per
 * line; and a container that stops qualifying half-way is laid out again correctly,
 * whatever its strings hold.  Every output must also read back as the same JSON.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

#include "jsonw.h"
#include "util.h"

/* the writer's layout of a JSON text (read with jansson, keys in their order) */
static char *layout(const char *json)
{
	json_error_t e;
	json_t *v = json_loads(json, JSON_DECODE_ANY, &e);
	cr_assert_not_null(v, "test input does not parse: %s", e.text);
	mr_buf b = MR_BUF_INIT;
	mr_jw w;
	mr_jw_init(&w, &b, 0, true);
	mr_jw_json(&w, v);
	/* what was written reads back as the same value */
	json_t *back = json_loads(mr_buf_str(&b), JSON_DECODE_ANY, &e);
	cr_assert_not_null(back, "output does not parse (%s): %s", e.text, mr_buf_str(&b));
	cr_assert(json_equal(v, back), "output is another value: %s", mr_buf_str(&b));
	json_decref(back);
	json_decref(v);
	return mr_buf_detach(&b);
}

static void expect(const char *json, const char *want)
{
	char *got = layout(json);
	cr_assert_str_eq(got, want, "layout of %s", json);
	free(got);
}

Test(jsonw, scalars_and_empty_containers)
{
	expect("1", "1");
	expect("\"a\"", "\"a\"");
	expect("[]", "[]");
	expect("{}", "{}");
	expect("{\"a\": [], \"b\": {}}", "{\"a\": [], \"b\": {}}");
}

Test(jsonw, a_record_is_one_line)
{
	expect("{\"method\": \"GET\", \"path\": \"/x\", \"permissions\": [\"r\", \"w\"], \"handler\": null}",
	       "{\"method\": \"GET\", \"path\": \"/x\", \"permissions\": [\"r\", \"w\"], \"handler\": null}");
}

Test(jsonw, a_list_of_records_one_per_line)
{
	expect("{\"routes\": [{\"a\": 1}, {\"a\": 2}]}", "{\n"
	                                               "  \"routes\": [\n"
	                                               "    {\"a\": 1},\n"
	                                               "    {\"a\": 2}\n"
	                                               "  ]\n"
	                                               "}");
}

Test(jsonw, a_non_empty_object_inside_is_no_record)
{
	expect("{\"a\": 1, \"b\": {\"c\": 2}}", "{\n"
	                                        "  \"a\": 1,\n"
	                                        "  \"b\": {\"c\": 2}\n"
	                                        "}");
}

Test(jsonw, a_list_of_lists_is_laid_out)
{
	expect("[[1, 2], [3]]", "[\n"
	                        "  [1, 2],\n"
	                        "  [3]\n"
	                        "]");
}

Test(jsonw, more_than_sixteen_members)
{
	expect("[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]",
	       "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]");
	char *got = layout("[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17]");
	cr_assert(strncmp(got, "[\n  1,\n  2,\n", 11) == 0, "17 scalars, one per line: %s", got);
	cr_assert(strstr(got, "\n  17\n]") != NULL, "%s", got);
	free(got);
	mr_buf b = MR_BUF_INIT;
	mr_buf_puts(&b, "{");
	for (int k = 0; k < 17; k++) mr_buf_printf(&b, "%s\"k%02d\": %d", k ? ", " : "", k, k);
	mr_buf_puts(&b, "}");
	got = layout(mr_buf_str(&b));
	cr_assert(strncmp(got, "{\n  \"k00\": 0,\n  \"k01\": 1,\n", 26) == 0, "17 members, one per line: %s", got);
	free(got);
	mr_buf_release(&b);
}

/* a container laid out again after members whose strings hold the separators, brackets,
 * quotes and backslashes that the re-layout must not take for structure */
Test(jsonw, relayout_is_not_fooled_by_strings)
{
	expect("{\"a\": \"x, y\", \"b\": \"[{\\\"q\\\\\", \"c\": [\"], [\", \"\\\\\"], \"d\": {\"e\": 1}}",
	       "{\n"
	       "  \"a\": \"x, y\",\n"
	       "  \"b\": \"[{\\\"q\\\\\",\n"
	       "  \"c\": [\"], [\", \"\\\\\"],\n"
	       "  \"d\": {\"e\": 1}\n"
	       "}");
}

/* a deep container laid out late moves the containers open inside it */
Test(jsonw, nested_relayout)
{
	expect("{\"m\": [{\"x\": [1, 2], \"y\": \"s\"}, {\"x\": [3], \"z\": {\"w\": [4]}}]}",
	       "{\n"
	       "  \"m\": [\n"
	       "    {\"x\": [1, 2], \"y\": \"s\"},\n"
	       "    {\n"
	       "      \"x\": [3],\n"
	       "      \"z\": {\"w\": [4]}\n"
	       "    }\n"
	       "  ]\n"
	       "}");
}

Test(jsonw, base_indentation)
{
	mr_buf b = MR_BUF_INIT;
	mr_jw w;
	mr_jw_init(&w, &b, 2, true);
	mr_jw_obj(&w);
	mr_jw_kint(&w, "a", 1);
	mr_jw_key(&w, "b");
	mr_jw_obj(&w);
	mr_jw_kstr(&w, "c", "d");
	mr_jw_end(&w);
	mr_jw_end(&w);
	cr_assert_str_eq(mr_buf_str(&b), "{\n      \"a\": 1,\n      \"b\": {\"c\": \"d\"}\n    }");
	mr_buf_release(&b);
}

Test(jsonw, compact_mode)
{
	mr_buf b = MR_BUF_INIT;
	mr_jw w;
	mr_jw_init(&w, &b, 0, false);
	mr_jw_obj(&w);
	mr_jw_key(&w, "a");
	mr_jw_arr(&w);
	mr_jw_obj(&w);
	mr_jw_kbool(&w, "b", true);
	mr_jw_end(&w);
	mr_jw_end(&w);
	mr_jw_end(&w);
	cr_assert_str_eq(mr_buf_str(&b), "{\"a\":[{\"b\":true}]}");
	mr_buf_release(&b);
}
