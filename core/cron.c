/* cron.c — validation (not evaluation) of five-field cron schedules.
 * The checker walks the string once and never allocates except to write the
 * reason, so hostile input costs linear time.
 */
#include "cron.h"

#include <string.h>

struct field {
	const char *name;
	int min, max;
	const char *const *names;   /* three-letter aliases for min.., or NULL */
	int nnames;
};

static const char *const months[] = {"jan", "feb", "mar", "apr", "may", "jun",
				     "jul", "aug", "sep", "oct", "nov", "dec"};
static const char *const weekdays[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

static const struct field fields[5] = {
	{"minute", 0, 59, NULL, 0},
	{"hour", 0, 23, NULL, 0},
	{"day-of-month", 1, 31, NULL, 0},
	{"month", 1, 12, months, 12},
	{"weekday", 0, 7, weekdays, 7},
};

/* A length-capped, printable copy of user text for a message. */
static void put_text(mr_buf *b, const char *s, size_t n)
{
	enum { MAX_SHOWN = 24 };
	for (size_t i = 0; i < n && i < MAX_SHOWN; i++) {
		unsigned char c = (unsigned char)s[i];
		mr_buf_putc(b, c >= 0x20 && c < 0x7f ? (char)c : '?');
	}
	if (n > MAX_SHOWN)
		mr_buf_puts(b, "...");
}

static void put_token(mr_buf *b, const char *s, size_t n)
{
	mr_buf_putc(b, '\'');
	put_text(b, s, n);
	mr_buf_putc(b, '\'');
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

struct ctx {
	mr_buf *why;
	int index;                 /* 0-based field number */
	const struct field *f;
};

static int fail_start(struct ctx *c)
{
	if (c->why)
		mr_buf_printf(c->why, "field %d (%s): ", c->index + 1, c->f->name);
	return -1;
}

/* Reads a number or (where the field has them) a name at s[*i..n). */
static int read_value(struct ctx *c, const char *s, size_t n, size_t *i, int *out)
{
	size_t start = *i;
	if (*i < n && is_digit(s[*i])) {
		long v = 0;
		while (*i < n && is_digit(s[*i])) {
			if (v < 1000000)
				v = v * 10 + (s[*i] - '0');
			(*i)++;
		}
		if (v < c->f->min || v > c->f->max) {
			fail_start(c);
			if (c->why) {
				put_text(c->why, s + start, *i - start);
				mr_buf_printf(c->why, " is out of range %d-%d", c->f->min, c->f->max);
			}
			return -1;
		}
		*out = (int)v;
		return 0;
	}
	while (*i < n && is_alpha(s[*i]))
		(*i)++;
	size_t len = *i - start;
	if (len == 3 && c->f->names) {
		for (int k = 0; k < c->f->nnames; k++) {
			const char *nm = c->f->names[k];
			if (lower(s[start]) == nm[0] && lower(s[start + 1]) == nm[1] &&
			    lower(s[start + 2]) == nm[2]) {
				*out = c->f->min + k;
				return 0;
			}
		}
	}
	fail_start(c);
	if (c->why) {
		if (len == 0) {
			/* Not a letter or digit: show what is there, up to the next separator. */
			size_t e = start;
			while (e < n && s[e] != '-' && s[e] != '/')
				e++;
			if (e == start)
				e = start + (start < n);
			if (e == start) {
				mr_buf_puts(c->why, "a value is missing");
				return -1;
			}
			len = e - start;
		}
		put_token(c->why, s + start, len);
		mr_buf_puts(c->why, c->f->names == months     ? " is not a number or month name (jan-dec)"
				    : c->f->names == weekdays ? " is not a number or weekday name (sun-sat)"
							      : " is not a number");
	}
	return -1;
}

/* One comma-separated item: `*`, `a`, `a-b`, each optionally followed by `/step`. */
static int check_item(struct ctx *c, const char *s, size_t n)
{
	size_t i = 0;
	int lo = c->f->min, hi = c->f->max;

	if (n == 0) {
		fail_start(c);
		if (c->why)
			mr_buf_puts(c->why, "empty list item");
		return -1;
	}
	if (s[0] == '*') {
		i = 1;
	} else {
		if (read_value(c, s, n, &i, &lo) == -1)
			return -1;
		if (i < n && s[i] == '-') {
			i++;
			if (read_value(c, s, n, &i, &hi) == -1)
				return -1;
			if (hi < lo) {
				fail_start(c);
				if (c->why) {
					mr_buf_puts(c->why, "range ");
					put_token(c->why, s, i);
					mr_buf_puts(c->why, " goes backwards");
				}
				return -1;
			}
		}
	}
	if (i < n && s[i] == '/') {
		size_t st = ++i;
		long step = 0;
		while (i < n && is_digit(s[i])) {
			if (step < 1000000)
				step = step * 10 + (s[i] - '0');
			i++;
		}
		if (i == st) {
			fail_start(c);
			if (c->why)
				mr_buf_puts(c->why, "'/' must be followed by a step number");
			return -1;
		}
		long span = (long)c->f->max - c->f->min + 1;
		if (step < 1 || step > span) {
			fail_start(c);
			if (c->why) {
				mr_buf_puts(c->why, "step ");
				put_text(c->why, s + st, i - st);
				mr_buf_printf(c->why, " is out of range 1-%ld", span);
			}
			return -1;
		}
	}
	if (i < n) {
		fail_start(c);
		if (c->why) {
			mr_buf_puts(c->why, "unexpected ");
			put_token(c->why, s + i, 1);
			mr_buf_puts(c->why, " in ");
			put_token(c->why, s, n);
		}
		return -1;
	}
	return 0;
}

static int check_field(struct ctx *c, const char *s, size_t n)
{
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == ',') {
			if (check_item(c, s + start, i - start) == -1)
				return -1;
			start = i + 1;
		}
	}
	return 0;
}

int mr_cron_check(const char *expr, mr_buf *why)
{
	const char *start[5];
	size_t len[5];
	size_t count = 0;

	if (!expr) {
		if (why)
			mr_buf_puts(why, "expected five fields, found none");
		return -1;
	}
	for (const char *p = expr; *p;) {
		while (*p && is_space(*p))
			p++;
		if (!*p)
			break;
		const char *b = p;
		while (*p && !is_space(*p))
			p++;
		if (count < 5) {
			start[count] = b;
			len[count] = (size_t)(p - b);
		}
		count++;
	}
	if (count != 5) {
		if (why) {
			mr_buf_printf(why, "expected five fields (minute hour day-of-month month weekday), found %zu", count);
			if (count >= 1 && start[0][0] == '@')
				mr_buf_puts(why, "; macros like @daily are not supported");
		}
		return -1;
	}
	for (int k = 0; k < 5; k++) {
		struct ctx c = {why, k, &fields[k]};
		if (check_field(&c, start[k], len[k]) == -1)
			return -1;
	}
	return 0;
}
