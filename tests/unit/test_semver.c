/* test_semver.c — SemVer 2.0.0 versions, node-semver ranges, and every line
 * of the node-semver conformance table (tests/data/semver/, run from the
 * repository root; MR_SEMVER_TABLE names another table of the same format).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "semver.h"
#include "semver_oracle.h"
#include "util.h"

#define DEFAULT_TABLE "tests/data/semver/node-semver-oracle.tsv"

static bool version_ok(const char *s)
{
	mr_semver v;
	int r = mr_semver_parse(s, strlen(s), &v);
	mr_semver_release(&v);
	return r == 0;
}

static bool range_ok(const char *s)
{
	mr_range *r = mr_range_parse(s, strlen(s));
	mr_range_free(r);
	return r != NULL;
}

/* satisfies(v, range) with v read strictly; the range must be valid */
static bool sat(const char *v, const char *range)
{
	mr_semver ver;
	mr_range *r = mr_range_parse(range, strlen(range));
	cr_assert_not_null(r, "range '%s' should be valid", range);
	cr_assert_eq(mr_semver_parse(v, strlen(v), &ver), 0, "version '%s' should be valid", v);
	bool res = mr_range_satisfies(r, &ver);
	mr_semver_release(&ver);
	mr_range_free(r);
	return res;
}

static int cmp(const char *a, const char *b)
{
	mr_semver x, y;
	cr_assert_eq(mr_semver_parse(a, strlen(a), &x), 0, "'%s'", a);
	cr_assert_eq(mr_semver_parse(b, strlen(b), &y), 0, "'%s'", b);
	int r = mr_semver_compare(&x, &y);
	mr_semver_release(&x);
	mr_semver_release(&y);
	return r;
}

Test(semver, parse_fields)
{
	mr_semver v;
	const char *s = "1.22.333-alpha.1+build.5";
	cr_assert_eq(mr_semver_parse(s, strlen(s), &v), 0);
	cr_expect_eq(v.major, 1);
	cr_expect_eq(v.minor, 22);
	cr_expect_eq(v.patch, 333);
	cr_expect_str_eq(v.pre, "alpha.1");
	cr_expect_str_eq(v.build, "build.5");
	char *f = mr_semver_format(&v);
	cr_expect_str_eq(f, s);
	free(f);
	mr_semver_release(&v);
	cr_expect_null(v.pre);

	cr_assert_eq(mr_semver_parse("0.0.0", 5, &v), 0);
	cr_expect_null(v.pre);
	cr_expect_null(v.build);
	mr_semver_release(&v);
	/* len bounds the text: "1.2.3" out of "1.2.3x" */
	cr_expect_eq(mr_semver_parse("1.2.3x", 5, &v), 0);
	mr_semver_release(&v);
}

Test(semver, strict_versions)
{
	const char *good[] = {"0.0.0", "1.2.3-0", "1.2.3-a-b.0.x1", "1.2.3+001", "1.2.3--",
			      "9007199254740991.9007199254740991.9007199254740991"};
	const char *bad[] = {"", "1", "1.2", "v1.2.3", "=1.2.3", " 1.2.3", "1.2.3 ", "01.2.3",
			     "1.02.3", "1.2.03", "1.2.3-", "1.2.3+", "1.2.3-01", "1.2.3-a..b",
			     "1.2.3.4", "1.2.x", "1.2.3-alpha_beta", "9007199254740992.0.0",
			     "99999999999999999999.0.0", "-1.2.3", "1.2.3-+"};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++)
		cr_expect(version_ok(good[i]), "'%s' should be valid", good[i]);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		cr_expect(!version_ok(bad[i]), "'%s' should be invalid", bad[i]);

	/* node-semver's 256-character limit */
	mr_buf b = MR_BUF_INIT;
	mr_buf_puts(&b, "1.2.3-");
	while (b.len < MR_SEMVER_MAX_LENGTH) mr_buf_putc(&b, 'a');
	cr_expect(version_ok(mr_buf_str(&b)));
	mr_buf_putc(&b, 'a');
	cr_expect(!version_ok(mr_buf_str(&b)));
	mr_buf_release(&b);
	cr_expect(mr_semver_parse(NULL, 0, &(mr_semver){0}) == -1);
}

Test(semver, node_versions)
{
	mr_semver v;
	const char *ok[] = {"v1.2.3", " 1.2.3\t", "\xc2\xa0v1.2.3-a\xe3\x80\x80"};
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
		cr_expect_eq(mr_semver_parse_node(ok[i], strlen(ok[i]), &v), 0, "'%s'", ok[i]);
		cr_expect_eq(v.patch, 3);
		mr_semver_release(&v);
	}
	cr_expect_eq(mr_semver_parse_node("=1.2.3", 6, &v), -1);
	cr_expect_eq(mr_semver_parse_node("vv1.2.3", 7, &v), -1);
}

Test(semver, precedence)
{
	const char *order[] = {"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
			       "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1",
			       "1.1.0", "2.0.0"};
	size_t n = sizeof order / sizeof *order;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			cr_expect_eq(cmp(order[i], order[j]), i < j ? -1 : i > j ? 1 : 0, "%s vs %s",
				     order[i], order[j]);
	cr_expect_eq(cmp("1.0.0+a", "1.0.0+b"), 0, "build metadata is ignored");
	cr_expect_eq(cmp("1.0.0-a", "1.0.0-A"), 1, "ASCII order for letters");
	/* node-semver compares numeric identifiers as JavaScript numbers */
	cr_expect_eq(cmp("1.0.0-9007199254740993", "1.0.0-9007199254740992"), 0);
	cr_expect_eq(cmp("1.0.0-9007199254740993", "1.0.0-9007199254740995"), -1);
}

Test(range, operators_and_sugar)
{
	cr_expect(sat("1.2.3", "1.2.3"));
	cr_expect(sat("1.2.3", "=1.2.3"));
	cr_expect(!sat("1.2.4", "1.2.3"));
	cr_expect(sat("1.2.4", ">1.2.3") && !sat("1.2.3", ">1.2.3"));
	cr_expect(sat("1.2.3", ">=1.2.3") && sat("1.2.2", "<1.2.3") && sat("1.2.3", "<=1.2.3"));
	cr_expect(sat("1.9.9", "^1.2.3") && !sat("2.0.0", "^1.2.3") && !sat("1.2.2", "^1.2.3"));
	cr_expect(sat("0.2.9", "^0.2.3") && !sat("0.3.0", "^0.2.3"));
	cr_expect(sat("0.0.3", "^0.0.3") && !sat("0.0.4", "^0.0.3"));
	cr_expect(sat("1.2.9", "~1.2.3") && !sat("1.3.0", "~1.2.3"));
	cr_expect(sat("1.2.9", "~> 1.2.3") && sat("1.9.0", "~1"));
	cr_expect(sat("1.4.0", "1.x") && sat("1.2.7", "1.2.*") && !sat("1.3.0", "1.2.X"));
	cr_expect(sat("7.0.0", "*") && sat("7.0.0", "") && sat("7.0.0", "x"));
	cr_expect(!sat("1.9.9", ">1") && sat("2.0.0", ">1") && sat("2.0.0", ">=2") && sat("1.9.9", "<=1.x"));
	cr_expect(sat("2.3.4", "1.2.3 - 2.3.4") && !sat("2.3.5", "1.2.3 - 2.3.4"));
	cr_expect(sat("2.3.9", "1.2 - 2.3") && !sat("2.4.0", "1.2 - 2.3") && !sat("1.1.9", "1.2 - 2.3"));
	cr_expect(sat("1.5.0", ">=1.2.3 <2.0.0") && !sat("2.0.0", ">= 1.2.3 < 2.0.0"));
	cr_expect(sat("3.0.0", "^1.0.0 || ^3.0.0") && !sat("2.0.0", "^1.0.0 || ^3.0.0"));
	cr_expect(sat("1.2.3", " \t1.2.3\n"));
	cr_expect(sat("1.2.3", "1.2.3+build"));
}

Test(range, prerelease_rule)
{
	cr_expect(sat("1.2.3-beta.2", ">=1.2.3-beta.1 <2.0.0"));
	cr_expect(!sat("1.2.4-beta.1", ">=1.2.3-beta.1 <2.0.0"), "other tuple");
	cr_expect(!sat("1.2.3-alpha", "*"));
	cr_expect(!sat("2.0.0-rc.1", "^1.0.0"));
	cr_expect(sat("1.0.0-rc.2", "^1.0.0-rc.1"));
	cr_expect(sat("1.0.0-a", "* || 1.0.0-a") == false, "a lone * alternative swallows the rest");
	cr_expect(sat("1.0.0-a", "1.0.0-a || >=2"));
}

Test(range, node_validity)
{
	const char *good[] = {"*", "", "x", "1", "1.2", ">= 1.2", "~> 1.2.3", "^ 1.2.3", "1.2.3*",
			      "1.2.3 ||", "v1.2.3", "=v1.2.3", "1.2.3 - v2", "<0.0.0-0", "x.x.x",
			      "1.2.3+a+b", "\xe3\x80\x80^1.2.3\xef\xbb\xbf"};
	const char *bad[] = {">=1.2.3 <", "^", "1.2.3 -", "=^1.0.0", "01.2.3", "1.02.3", "1.2.3-",
			     "1.2.3.4", ">=>1.0.0", "^1.2.3 ||| 2", "abc", "1.x.5", "x.1", "x.x.1",
			     "9007199254740992", ">9007199254740991.x", "1.2.3 | 2", "1.2.3\x01",
			     "\xff", "1.2.3\xc2\xa1"};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++)
		cr_expect(range_ok(good[i]), "'%s' should be valid", good[i]);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		cr_expect(!range_ok(bad[i]), "'%s' should be invalid", bad[i]);
	cr_expect_null(mr_range_parse(NULL, 0));
	cr_expect_null(mr_range_parse("1.2.3\0", 6), "a NUL byte is not whitespace");
	mr_range_free(NULL);
}

static char *repeat(const char *unit, size_t total, const char *tail)
{
	mr_buf b = MR_BUF_INIT;
	size_t ul = strlen(unit);
	while (b.len + ul <= total) mr_buf_add(&b, unit, ul);
	mr_buf_puts(&b, tail);
	return mr_buf_detach(&b);
}

/* Megabytes of pathological input parse in linear time.  alarm() rather
 * than Criterion's .timeout, which leaks in its runner when several tests
 * of one binary use it; each test runs in its own process. */
Test(range, hostile_input)
{
	struct {
		const char *unit, *tail;
		bool valid;
	} cases[] = {
		{"||", "", true},        {"1.2.3 || ", "1", true}, {"v ", "x", false},
		{"> ", "1", false},      {"1", "", false},         {"1 - ", "2", false},
		{"1.2.3-0.", "a", false}, {"+a", "", true},         {"^1.x ", "", true},
		{"= ", "1", false},      {"*", "", false},         {"1.", "1", false},
	};
	const size_t size = 2u << 20;
	alarm(60);
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *s = repeat(cases[i].unit, size, cases[i].tail);
		clock_t t = clock();
		mr_range *r = mr_range_parse(s, strlen(s));
		double secs = (double)(clock() - t) / CLOCKS_PER_SEC;
		cr_expect_eq(r != NULL, cases[i].valid, "'%s'...: validity", cases[i].unit);
		cr_expect_lt(secs, 10.0, "'%s'...: %.2fs", cases[i].unit, secs);
		mr_range_free(r);
		free(s);
	}
	alarm(0);
}

Test(oracle, whole_table)
{
	const char *path = getenv("MR_SEMVER_TABLE");
	size_t passed = 0, failed = 0;
	mr_buf report = MR_BUF_INIT;
	if (!path || !*path) path = DEFAULT_TABLE;
	cr_assert_eq(mr_semver_oracle_run(path, &passed, &failed, &report), 0,
		     "cannot read %s (tests run from the repository root)", path);
	cr_expect_gt(passed, 0, "no case in %s", path);
	cr_expect_eq(failed, 0, "%zu passed, %zu failed:\n%s", passed, failed, mr_buf_str(&report));
	mr_buf_release(&report);
}

/* The runner itself notices wrong answers and malformed lines. */
Test(oracle, reports_failures)
{
	char dir[] = "/tmp/mr-semver-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char *path = mr_path_join(dir, "t.tsv");
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("# comment\n"
	      "satisfies\t1.2.3\t^1.0.0\ttrue\n"
	      "satisfies\t1.2.3\t^2.0.0\ttrue\n"
	      "\n"
	      "range\t1.2.3 -\tinvalid\r\n"
	      "version\tv1.2.3\tvalid\n"
	      "compare\t1.0.0\t2.0.0\t-1\n"
	      "compare\t1.0.0\t2.0.0\t-2\n"
	      "bogus\tline\n",
	      f);
	fclose(f);

	size_t passed = 0, failed = 0;
	mr_buf report = MR_BUF_INIT;
	cr_assert_eq(mr_semver_oracle_run(path, &passed, &failed, &report), 0);
	cr_expect_eq(passed, 3);
	cr_expect_eq(failed, 4);
	const char *r = mr_buf_str(&report);
	cr_expect(strstr(r, "3: satisfies | 1.2.3 | ^2.0.0 | true: expected true, got false\n") != NULL, "%s", r);
	cr_expect(strstr(r, "6: version | v1.2.3 | valid: expected valid, got invalid\n") != NULL, "%s", r);
	cr_expect(strstr(r, "\n8: ") != NULL && strstr(r, "\n9: bogus | line") != NULL, "%s", r);
	mr_buf_release(&report);

	cr_expect_eq(mr_semver_oracle_run("/nonexistent/table.tsv", &passed, &failed, NULL), -1);
	unlink(path);
	rmdir(dir);
	free(path);
}
