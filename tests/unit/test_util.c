/* test_util.c — the buffer's number writer must print exactly what printf's "%.2f"
 * prints: the graphs' SVG is compared byte for byte with golden files and with the
 * graphs of earlier builds.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

static void expect_as_printf(double v)
{
	char want[400]; /* "%.2f" of the largest double has 312 characters */
	snprintf(want, sizeof want, "%.2f", v);
	mr_buf b = MR_BUF_INIT;
	mr_buf_puts(&b, "x"); /* appends to what is there */
	mr_buf_fixed2(&b, v);
	cr_assert_str_eq(mr_buf_str(&b) + 1, want, "%.17g", v);
	cr_assert_eq(b.data[0], 'x');
	mr_buf_release(&b);
}

Test(util, fixed2_as_printf_on_chosen_values)
{
	const double v[] = {0,       -0.0,    0.001,   -0.001,   0.004999, 0.005,   0.015,      0.125,     -0.125,
	                    0.375,   1.005,   2.675,   27.125,   27.375,   99.995,  99.994999,  100,       -100.5,
	                    0.285,   1e8 + 0.125, 999999999.99, 1e9,   1e12,     -1e12,   123456.785, 1.0 / 3, NAN,
	                    INFINITY, -INFINITY, 5e-324, 4503599627370496.5};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) expect_as_printf(v[i]);
}

Test(util, fixed2_as_printf_on_random_values)
{
	uint64_t x = 0x9e3779b97f4a7c15u;
	for (int i = 0; i < 400000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		double v;
		switch (i % 4) {
		case 0: /* coordinates as a layout makes them: quarters and eighths of points */
			v = (double)(int64_t)(x % 2000000) / 8.0 - 50000;
			break;
		case 1: /* hundredths and their halves, which lie on ties */
			v = (double)(int64_t)(x % 20000000) / 200.0 - 20000;
			break;
		case 2: /* anything of any size */
			memcpy(&v, &x, sizeof v);
			if (isnan(v)) v = 0.5;
			break;
		default: /* fractions of every kind */
			v = (double)(x >> 11) / (double)(1ull << 53) * 2000 - 1000;
		}
		expect_as_printf(v);
	}
}
