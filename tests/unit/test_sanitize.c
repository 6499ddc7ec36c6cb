/* test_sanitize.c — what every page goes through before it is written: text HTML
 * forbids becomes U+FFFD, the rest is left alone.  Known cases, then random buffers
 * (seeded from the pid, printed on failure) against a reference that looks at one
 * character at a time, at every alignment (the filter skips clean text 8 bytes at a
 * time). */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sitepriv.h"
#include "util.h"

static char *sanitized(const char *in, size_t n, size_t *out_n)
{
	mr_buf b = MR_BUF_INIT;
	mr_buf_add(&b, in, n);
	mr_site_sanitize(&b);
	*out_n = b.len;
	return mr_buf_detach(&b);
}

/* n: the input's length (it may hold NUL); 0: strlen */
static void expect(const char *in, size_t n, const char *want)
{
	if (!n) n = strlen(in);
	size_t got_n;
	char *got = sanitized(in, n, &got_n);
	cr_assert_eq(got_n, strlen(want), "\"%s\": length %zu, expected %zu", in, got_n, strlen(want));
	cr_assert(!memcmp(got, want, got_n), "got \"%s\", expected \"%s\"", got, want);
	free(got);
}

#define R "\xef\xbf\xbd"

Test(sanitize, known_cases)
{
	expect("plain text, <b>&amp;</b>\n\ttabs\r\n", 0, "plain text, <b>&amp;</b>\n\ttabs\r\n");
	expect("a\0b", 3, "a" R "b");
	expect("bell\a here", 0, "bell" R " here");
	expect("del\x7f!", 0, "del" R "!");
	expect("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 0, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	expect("c1 \xc2\x85 end", 0, "c1 " R " end");
	expect("lone \xff byte", 0, "lone " R " byte");
	expect("overlong \xc0\xaf!", 0, "overlong " R "!"); /* one sequence, one replacement */
	expect("surrogate \xed\xa0\x80.", 0, "surrogate " R ".");
	expect("nonchar \xef\xbf\xbe.", 0, "nonchar " R ".");
	expect("cut \xe2\x82", 0, "cut " R R);
	/* past the first 8 bytes too, and right at the end */
	expect("0123456789abcdef\x01", 0, "0123456789abcdef" R);
	expect("0123456789abcdef\x01" "0123456789abcdef", 0, "0123456789abcdef" R "0123456789abcdef");
}

/* the reference: one character at a time */
static void reference(const unsigned char *p, size_t n, mr_buf *out)
{
	for (size_t i = 0; i < n;) {
		unsigned c = p[i], cp = 0, min = 0;
		size_t k = 1;
		bool bad;
		if (c < 0x80) bad = (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') || c == 0x7f;
		else {
			if ((c & 0xe0) == 0xc0) k = 2, cp = c & 0x1f, min = 0x80;
			else if ((c & 0xf0) == 0xe0) k = 3, cp = c & 0x0f, min = 0x800;
			else if ((c & 0xf8) == 0xf0) k = 4, cp = c & 0x07, min = 0x10000;
			bad = k == 1 || i + k > n;
			for (size_t q = 1; !bad && q < k; q++) {
				bad = (p[i + q] & 0xc0) != 0x80;
				cp = (cp << 6) | (p[i + q] & 0x3f);
			}
			if (bad) k = 1;
			else bad = cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f) ||
			           (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe;
		}
		if (bad) mr_buf_puts(out, R);
		else mr_buf_add(out, (const char *)p + i, k);
		i += k;
	}
}

Test(sanitize, random_buffers_equal_the_reference)
{
	unsigned seed = (unsigned)getpid();
	srand(seed);
	static const char *const pieces[] = {"a", "<p>", " ", "\n", "\t", "\r", "\x01", "\x1f", "\x7f", "\x80", "\xc3\xa9",
	                                     "\xc2\x9f", "\xe2\x82\xac", "\xed\xa0\x80", "\xef\xbf\xbf", "\xf0\x9f\x98\x80",
	                                     "\xf4\x90\x80\x80", "\xe2\x82", "\xff", "0123456789abcdef"};
	size_t np = sizeof pieces / sizeof *pieces;
	for (int round = 0; round < 3000; round++) {
		mr_buf in = MR_BUF_INIT, want = MR_BUF_INIT;
		/* mostly clean text, now and then something else, at any offset */
		int len = rand() % 40;
		for (int k = 0; k < len; k++) mr_buf_puts(&in, rand() % 4 ? pieces[rand() % 3] : pieces[rand() % np]);
		reference((const unsigned char *)in.data, in.len, &want);
		size_t got_n;
		char *got = sanitized(in.data ? in.data : "", in.len, &got_n);
		cr_assert(got_n == want.len && !memcmp(got, want.data ? want.data : "", got_n),
		          "seed %u, round %d: a buffer of %zu bytes sanitized differently from the reference", seed, round,
		          in.len);
		free(got);
		mr_buf_release(&in);
		mr_buf_release(&want);
	}
}
