/* test_spdx.c — SPDX license expressions, reasons and suggestions. */
#include <criterion/criterion.h>
#include <string.h>

#include "spdx.h"
#include "util.h"

static void reason(const char *expr, const char *want)
{
	mr_buf why = MR_BUF_INIT;
	cr_expect_eq(mr_spdx_check(expr, &why), -1, "'%s' should be invalid", expr);
	cr_expect_str_eq(mr_buf_str(&why), want, "reason for '%s'", expr);
	mr_buf_release(&why);
}

Test(spdx, valid_expressions)
{
	static const char *const ok[] = {
		"MIT", "Apache-2.0", "mit", "APACHE-2.0", "GPL-2.0-only", "GPL-3.0-or-later",
		"LGPL-2.1-only", "AGPL-3.0-only", "BSD-2-Clause", "BSD-3-Clause", "ISC", "MPL-2.0",
		"Unlicense", "CC0-1.0", "CC-BY-4.0", "EPL-2.0", "Zlib", "BSL-1.0", "0BSD", "Artistic-2.0",
		"GPL-2.0", "GPL-3.0", "LGPL-2.1", "AGPL-3.0", "GPL-2.0+", "LGPL-2.1+",
		"Apache-2.0 OR MIT", "MIT AND BSD-3-Clause", "mit or apache-2.0", "MIT and ISC",
		"GPL-2.0-or-later WITH Classpath-exception-2.0", "Apache-2.0 WITH LLVM-exception",
		"GPL-3.0-only with GCC-exception-3.1", "(MIT OR Apache-2.0) AND BSD-2-Clause",
		"((MIT))", " ( MIT OR (ISC AND Zlib) ) ", "LicenseRef-acme-internal",
		"LicenseRef-1.0", "DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2",
		"LicenseRef-x WITH Classpath-exception-2.0", "MIT WITH AdditionRef-my-exception",
		"(GPL-2.0-only WITH Linux-syscall-note) OR MIT",
	};
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
		cr_expect(mr_spdx_valid(ok[i]), "'%s' should be valid", ok[i]);
}

Test(spdx, invalid_expressions)
{
	static const char *const bad[] = {
		"", "   ", "Apache 2", "Apache2", "GPLv3", "MIT OR", "OR MIT", "MIT ISC", "MIT AND AND ISC",
		"(MIT", "MIT)", "()", "(MIT OR)", "MIT WITH", "MIT WITH MIT", "MIT WITH Bogus-exception",
		"(MIT) WITH LLVM-exception", "MIT WITH LLVM-exception WITH LLVM-exception",
		"MIT And ISC", "LicenseRef-", "LicenseRef-a_b", "licenseref-x", "MIT+ +", "+",
		"DocumentRef-a:MIT", "MIT,ISC", "Classpath-exception-2.0", "WITH",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		cr_expect(!mr_spdx_valid(bad[i]), "'%s' should be invalid", bad[i]);
	cr_expect(!mr_spdx_valid(NULL));
}

Test(spdx, reasons)
{
	reason("Apache2", "unknown license id 'Apache2' (did you mean 'Apache-2.0'?)");
	reason("MIT OR apache-2", "unknown license id 'apache-2' (did you mean 'Apache-2.0'?)");
	reason("Bogus-License-Name", "unknown license id 'Bogus-License-Name'");
	reason("", "empty license expression");
	reason("MIT OR", "expected a license id at the end");
	reason("MIT ISC", "expected AND, OR or WITH before 'ISC'");
	reason("(MIT", "unbalanced '(': missing ')'");
	reason("MIT)", "unbalanced ')'");
	reason("MIT WITH", "expected an exception id after WITH");
	reason("MIT WITH Nope-exception", "unknown license exception id 'Nope-exception'");
	reason("(MIT OR ISC) WITH LLVM-exception", "WITH must follow a single license id, not 'WITH'");
	reason("OR MIT", "expected a license id before 'OR'");
}

Test(spdx, suggestions)
{
	cr_expect_str_eq(mr_spdx_suggest("apache-2.0"), "Apache-2.0");
	cr_expect_str_eq(mr_spdx_suggest("Apache 2"), "Apache-2.0");
	cr_expect_str_eq(mr_spdx_suggest("GPLv3"), "GPL-3.0-only");
	cr_expect_str_eq(mr_spdx_suggest("gpl-3.0-or-latr"), "GPL-3.0-or-later");
	cr_expect_str_eq(mr_spdx_suggest("BSD-3-Clase"), "BSD-3-Clause");
	cr_expect_str_eq(mr_spdx_suggest("MPL2.0"), "MPL-2.0");
	cr_expect_str_eq(mr_spdx_suggest("MTI"), "MIT");
	cr_expect_str_eq(mr_spdx_suggest("zlb"), "Zlib");
	cr_expect_null(mr_spdx_suggest("proprietary"));
	cr_expect_null(mr_spdx_suggest(NULL));
}

/* Every embedded id is found by the binary search: fails if a list is unsorted. */
Test(spdx, every_known_id_is_found)
{
	size_t n = 0;
	for (const char *id; (id = mr_spdx_known_license(n)); n++) {
		cr_expect(mr_spdx_valid(id), "license '%s' not found", id);
		cr_expect_str_eq(mr_spdx_suggest(id), id);
		mr_buf lowered = MR_BUF_INIT;
		for (const char *c = id; *c; c++)
			mr_buf_putc(&lowered, (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c));
		cr_expect(mr_spdx_valid(mr_buf_str(&lowered)), "'%s' in lower case", id);
		mr_buf_release(&lowered);
	}
	cr_expect_geq(n, 200);
	size_t e = 0;
	for (const char *id; (id = mr_spdx_known_exception(e)); e++) {
		char *expr = mr_xasprintf("GPL-2.0-only WITH %s", id);
		cr_expect(mr_spdx_valid(expr), "exception '%s' not found", id);
		free(expr);
	}
	cr_expect_geq(e, 40);
}

Test(spdx, deep_nesting_and_long_input)
{
	size_t depth = 200000;
	mr_buf b = MR_BUF_INIT;
	for (size_t i = 0; i < depth; i++)
		mr_buf_putc(&b, '(');
	mr_buf_puts(&b, "MIT");
	for (size_t i = 0; i < depth; i++)
		mr_buf_putc(&b, ')');
	cr_expect(mr_spdx_valid(mr_buf_str(&b)));
	mr_buf_putc(&b, ')');
	cr_expect(!mr_spdx_valid(mr_buf_str(&b)));
	mr_buf_reset(&b);
	for (size_t i = 0; i < 100000; i++)
		mr_buf_puts(&b, "MIT OR ");
	mr_buf_puts(&b, "ISC");
	cr_expect(mr_spdx_valid(mr_buf_str(&b)));
	mr_buf_release(&b);

	mr_buf why = MR_BUF_INIT;
	char *junk = mr_xmalloc(5001);
	memset(junk, 'x', 5000);
	junk[5000] = '\0';
	junk[3] = '\x1b';
	cr_expect_eq(mr_spdx_check(junk, &why), -1);
	cr_expect_lt(why.len, 120, "reason too long: %zu", why.len);
	cr_expect_null(strchr(mr_buf_str(&why), '\x1b'));
	free(junk);
	mr_buf_release(&why);
}
