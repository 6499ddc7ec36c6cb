/* test_suggest.c — did-you-mean choices and the distance behind them. */
#include <criterion/criterion.h>
#include <string.h>

#include "suggest.h"
#include "util.h"

static const char *const manifest_keys[] = {
	"apiVersion", "id", "name", "description", "type", "version", "status", "owner",
	"license", "tags", "created", "links", "entities", "api", "capabilities", "actions",
	"jobs", "events", "ui", "relationships", "config", "permissions", "requires", "ai", "health",
};
#define NKEYS (sizeof manifest_keys / sizeof *manifest_keys)

static void expect(const char *word, const char *want)
{
	const char *got = mr_suggest(word, manifest_keys, NKEYS);
	if (want)
		cr_expect(got && strcmp(got, want) == 0, "'%s': want %s, got %s", word, want, got ? got : "NULL");
	else
		cr_expect_null(got, "'%s': got %s", word, got ? got : "");
}

Test(suggest, typos_of_keys)
{
	expect("descripton", "description");
	expect("verison", "version");
	expect("Version", "version");
	expect("lisence", "license");
	expect("relationship", "relationships");
	expect("permisions", "permissions");
	expect("capabilites", "capabilities");
	expect("tag", "tags");
	expect("apiversion", "apiVersion");
}

Test(suggest, too_far_gives_nothing)
{
	expect("xyz", NULL);
	expect("dependencies", NULL);
	expect("schedule", NULL);
	expect("", NULL);
	expect("q", NULL);
}

Test(suggest, module_ids)
{
	static const char *const ids[] = {"billing", "core-auth", "crm", "dependency", "sales-suite"};
	cr_assert_str_eq(mr_suggest("core-ath", ids, 5), "core-auth");
	cr_assert_str_eq(mr_suggest("dependncy", ids, 5), "dependency");
	cr_assert_str_eq(mr_suggest("crn", ids, 5), "crm");
	cr_assert_str_eq(mr_suggest("biling", ids, 5), "billing");
	cr_assert_null(mr_suggest("auth", ids, 5));
}

Test(suggest, ties_pick_the_first)
{
	static const char *const c[] = {"cat", "bat", "hat"};
	cr_assert_eq(mr_suggest("mat", c, 3), c[0]);
	static const char *const d[] = {"hat", "mat", "cat"};
	cr_assert_eq(mr_suggest("fat", d, 3), d[0]);
	/* a strictly better later candidate wins */
	static const char *const e[] = {"abcdef", "abcdxy", "abcdex"};
	cr_assert_eq(mr_suggest("abcdxx", e, 3), e[1]);
}

Test(suggest, exact_and_null_inputs)
{
	static const char *const c[] = {NULL, "name", "names"};
	cr_assert_eq(mr_suggest("name", c, 3), c[1]);
	cr_assert_null(mr_suggest(NULL, c, 3));
	cr_assert_null(mr_suggest("name", NULL, 0));
	cr_assert_null(mr_suggest("name", c, 0));
}

Test(suggest, distance)
{
	cr_assert_eq(mr_edit_distance("", ""), 0);
	cr_assert_eq(mr_edit_distance("", "abc"), 3);
	cr_assert_eq(mr_edit_distance("kitten", "sitting"), 3);
	cr_assert_eq(mr_edit_distance("verison", "version"), 1);   /* one swap */
	cr_assert_eq(mr_edit_distance("ca", "abc"), 3);            /* OSA, not full Damerau (2) */
	cr_assert_eq(mr_edit_distance("abcdef", "badcfe"), 3);
	cr_assert_eq(mr_edit_distance("flaw", "lawn"), 2);
}

Test(suggest, long_words_are_bounded)
{
	size_t n = MR_SUGGEST_MAX + 1;
	char *a = mr_xmalloc(n + 1), *b = mr_xmalloc(n + 1);
	memset(a, 'a', n);
	a[n] = '\0';
	memset(b, 'a', n);
	b[n] = '\0';
	const char *c[] = {b};
	cr_expect_null(mr_suggest(a, c, 1));
	cr_expect_eq(mr_edit_distance(a, b), SIZE_MAX);
	/* exactly at the limit still works */
	a[MR_SUGGEST_MAX] = '\0';
	b[MR_SUGGEST_MAX] = '\0';
	b[10] = 'b';
	cr_expect_eq(mr_suggest(a, c, 1), b);
	cr_expect_eq(mr_edit_distance(a, b), 1);
	/* a long word among short candidates and vice versa */
	const char *d[] = {"a", "aa"};
	cr_expect_null(mr_suggest(a, d, 2));
	free(a);
	free(b);
}

/* The early cut-off in mr_suggest must never change its answer. */
Test(suggest, agrees_with_brute_force)
{
	unsigned seed = 12345;
	char words[8][12];
	const char *c[8];
	for (int round = 0; round < 3000; round++) {
		for (int k = 0; k < 9; k++) {
			char *w = k < 8 ? words[k] : NULL;
			char tmp[12];
			if (!w)
				w = tmp;
			seed = seed * 1103515245u + 12345u;
			int len = (int)(seed >> 16) % 11;
			for (int i = 0; i < len; i++) {
				seed = seed * 1103515245u + 12345u;
				w[i] = "abc"[(seed >> 16) % 3];
			}
			w[len] = '\0';
			if (k < 8) {
				c[k] = words[k];
				continue;
			}
			size_t lw = strlen(w), limit = lw / 3 > 1 ? lw / 3 : 1;
			const char *want = NULL;
			size_t best = SIZE_MAX;
			for (int j = 0; j < 8; j++) {
				size_t d = mr_edit_distance(w, c[j]);
				if (d <= limit && d < best) {
					best = d;
					want = c[j];
				}
			}
			cr_assert_eq(mr_suggest(w, c, 8), want, "round %d word '%s'", round, w);
		}
	}
}
