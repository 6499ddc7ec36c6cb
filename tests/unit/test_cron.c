/* test_cron.c — five-field cron schedules: what is accepted, and the exact
 * reasons given for what is not.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "cron.h"
#include "util.h"

static void ok(const char *expr)
{
	mr_buf why = MR_BUF_INIT;
	int r = mr_cron_check(expr, &why);
	cr_expect_eq(r, 0, "'%s' should be valid, got: %s", expr, mr_buf_str(&why));
	cr_expect_eq(why.len, 0, "no reason expected for '%s'", expr);
	mr_buf_release(&why);
}

static void bad(const char *expr, const char *reason)
{
	mr_buf why = MR_BUF_INIT;
	int r = mr_cron_check(expr, &why);
	cr_expect_eq(r, -1, "'%s' should be invalid", expr);
	cr_expect_str_eq(mr_buf_str(&why), reason, "reason for '%s'", expr);
	mr_buf_release(&why);
}

Test(cron, valid_forms)
{
	ok("0 3 * * *");
	ok("* * * * *");
	ok("*/15 * * * *");
	ok("0,15,30,45 0-23/2 1-31 1-12 0-7");
	ok("5/10 * * * *");
	ok("0 9-17 * * MON-FRI");
	ok("0 9-17 * * mon-fri");
	ok("0 0 1 JAN,jul *");
	ok("0 0 1 Jan-Jun/2 Sun");
	ok("59 23 31 12 7");
	ok("0 0 * * 0");
	ok("  0\t3  *  *  *  ");
	ok("*/60 * * * *");
	ok("0 0 1-1 * *");
}

Test(cron, field_count)
{
	bad("", "expected five fields (minute hour day-of-month month weekday), found 0");
	bad("0 3 * *", "expected five fields (minute hour day-of-month month weekday), found 4");
	bad("0 0 3 * * *", "expected five fields (minute hour day-of-month month weekday), found 6");
	bad("@daily",
	    "expected five fields (minute hour day-of-month month weekday), found 1; macros like @daily are not supported");
	bad(NULL, "expected five fields, found none");
}

Test(cron, out_of_range)
{
	bad("0 24 * * *", "field 2 (hour): 24 is out of range 0-23");
	bad("60 * * * *", "field 1 (minute): 60 is out of range 0-59");
	bad("0 0 0 * *", "field 3 (day-of-month): 0 is out of range 1-31");
	bad("0 0 32 * *", "field 3 (day-of-month): 32 is out of range 1-31");
	bad("0 0 * 13 *", "field 4 (month): 13 is out of range 1-12");
	bad("0 0 * 0 *", "field 4 (month): 0 is out of range 1-12");
	bad("0 0 * * 8", "field 5 (weekday): 8 is out of range 0-7");
	bad("0 0 * * 1-9", "field 5 (weekday): 9 is out of range 0-7");
	bad("99999999999999999999999999999999 * * * *",
	    "field 1 (minute): 999999999999999999999999... is out of range 0-59");
}

Test(cron, steps_and_ranges)
{
	bad("*/0 * * * *", "field 1 (minute): step 0 is out of range 1-60");
	bad("* */25 * * *", "field 2 (hour): step 25 is out of range 1-24");
	bad("*/ * * * *", "field 1 (minute): '/' must be followed by a step number");
	bad("30-10 * * * *", "field 1 (minute): range '30-10' goes backwards");
	bad("* * * * FRI-MON", "field 5 (weekday): range 'FRI-MON' goes backwards");
	bad("1- * * * *", "field 1 (minute): a value is missing");
	bad("-1 * * * *", "field 1 (minute): '-' is not a number");
	bad("1-2-3 * * * *", "field 1 (minute): unexpected '-' in '1-2-3'");
	bad("*/5/2 * * * *", "field 1 (minute): unexpected '/' in '*/5/2'");
	bad("** * * * *", "field 1 (minute): unexpected '*' in '**'");
}

Test(cron, lists)
{
	bad("1,,2 * * * *", "field 1 (minute): empty list item");
	bad("1, * * * *", "field 1 (minute): empty list item");
	bad(",1 * * * *", "field 1 (minute): empty list item");
	bad("0 0 1,32 * *", "field 3 (day-of-month): 32 is out of range 1-31");
}

Test(cron, names)
{
	bad("0 0 * JANUARY *", "field 4 (month): 'JANUARY' is not a number or month name (jan-dec)");
	bad("0 0 * * SUNDAY", "field 5 (weekday): 'SUNDAY' is not a number or weekday name (sun-sat)");
	bad("0 0 * * JAN", "field 5 (weekday): 'JAN' is not a number or weekday name (sun-sat)");
	bad("0 MON * * *", "field 2 (hour): 'MON' is not a number");
	bad("0 0 ? * *", "field 3 (day-of-month): '?' is not a number");
	bad("0 0 L * *", "field 3 (day-of-month): 'L' is not a number");
	bad("0 0 * * 5#3", "field 5 (weekday): unexpected '#' in '5#3'");
}

Test(cron, hostile_bytes_are_not_echoed_raw)
{
	mr_buf why = MR_BUF_INIT;
	cr_assert_eq(mr_cron_check("0 \x1b[31m\xff * * *", &why), -1);
	const char *r = mr_buf_str(&why);
	for (const char *p = r; *p; p++)
		cr_assert((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f, "raw byte in '%s'", r);
	cr_assert(strstr(r, "field 2 (hour)") == r, "got '%s'", r);
	mr_buf_release(&why);
}

Test(cron, very_long_input)
{
	size_t n = 1 << 20;
	char *s = mr_xmalloc(n + 16);
	/* one huge list: "1,1,1,...,1 * * * *" is valid */
	size_t i = 0;
	while (i + 2 < n) {
		s[i++] = '1';
		s[i++] = ',';
	}
	s[i++] = '1';
	memcpy(s + i, " * * * *", 9);
	cr_assert_eq(mr_cron_check(s, NULL), 0);
	s[0] = 'x';
	mr_buf why = MR_BUF_INIT;
	cr_assert_eq(mr_cron_check(s, &why), -1);
	cr_assert_str_eq(mr_buf_str(&why), "field 1 (minute): 'x' is not a number");
	mr_buf_release(&why);
	/* a million fields */
	memset(s, ' ', n);
	for (size_t k = 0; k < n; k += 2)
		s[k] = '*';
	s[n] = '\0';
	cr_assert_eq(mr_cron_check(s, NULL), -1);
	free(s);
}

Test(cron, why_is_appended_only_on_failure)
{
	mr_buf why = MR_BUF_INIT;
	mr_buf_puts(&why, "schedule: ");
	cr_assert_eq(mr_cron_check("0 3 * * *", &why), 0);
	cr_assert_str_eq(mr_buf_str(&why), "schedule: ");
	cr_assert_eq(mr_cron_check("0 3 * * 9", &why), -1);
	cr_assert_str_eq(mr_buf_str(&why), "schedule: field 5 (weekday): 9 is out of range 0-7");
	mr_buf_release(&why);
}
