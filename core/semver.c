/* semver.c — SemVer 2.0.0 versions and node-semver 7 ranges (see semver.h).
 *
 * node-semver decides what a range means through a pipeline of text rewrites
 * (strip build metadata, hyphen ranges, glue operators to versions, caret,
 * tilde and x-range desugaring, star removal) before it reads each comparator;
 * its acceptance of odd inputs comes from those rewrites, not from a grammar.
 * So a range is parsed here by replaying the same rewrites, each one a
 * hand-written linear scan, and node-semver's regex length caps (256 digits,
 * 250 identifier characters) are kept where they change the outcome.
 */
#include "semver.h"

#include <stdlib.h>
#include <string.h>

#include "semver_oracle.h"
#include "util.h"

/* node-semver's regexes cap a run of digits at MAX_LENGTH (256) and the tail
 * of an identifier at MAX_SAFE_BUILD_LENGTH (250) to avoid regex blowups. */
#define NODE_MAX_DIGITS 256
#define NODE_MAX_IDENT 250

/* ---- characters and spans ---- */

typedef struct span {
	const char *p;
	size_t n;
} span;

static span mkspan(const char *p, size_t n)
{
	span s = {p, n};
	return s;
}

static span sub(span s, size_t from, size_t n)
{
	return mkspan(s.p + from, n);
}

static span buf_span(const mr_buf *b)
{
	return mkspan(mr_buf_str(b), b->len);
}

/* The byte at i as 0..255, or -1 past the end. */
static int at(span s, size_t i)
{
	return i < s.n ? (unsigned char)s.p[i] : -1;
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool is_letter(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* [A-Za-z0-9-]: what pre-release and build identifiers are made of */
static bool is_ident(int c)
{
	return is_digit(c) || is_letter(c) || c == '-';
}

/* what may start a version part in a range: a digit or a wildcard */
static bool is_vstart(int c)
{
	return is_digit(c) || c == 'x' || c == 'X' || c == '*';
}

/* node-semver's [v=\s]: tolerated before a version in a range.  Ranges are
 * whitespace-normalised first, so ' ' is the only space left. */
static bool is_vprefix(int c)
{
	return c == 'v' || c == '=' || c == ' ';
}

static bool span_eq(span s, const char *lit)
{
	size_t n = strlen(lit);
	return s.n == n && (n == 0 || memcmp(s.p, lit, n) == 0);
}

static span trim_spaces(span s)
{
	while (s.n && s.p[0] == ' ') s.p++, s.n--;
	while (s.n && s.p[s.n - 1] == ' ') s.n--;
	return s;
}

static void put(mr_buf *b, span s)
{
	if (s.n) mr_buf_add(b, s.p, s.n);
}

/* Byte length of the JavaScript whitespace character (\s: ASCII spaces, NBSP,
 * the Unicode space separators, LS, PS, BOM) at s[i], in UTF-8; 0 if none. */
static size_t js_space_at(const char *s, size_t n, size_t i)
{
	unsigned char c = (unsigned char)s[i], c1, c2;
	if (c == ' ' || (c >= 0x09 && c <= 0x0d)) return 1;
	if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] == 0xa0) return 2;
	if (i + 2 >= n) return 0;
	c1 = (unsigned char)s[i + 1];
	c2 = (unsigned char)s[i + 2];
	if (c == 0xe1 && c1 == 0x9a && c2 == 0x80) return 3;        /* U+1680 */
	if (c == 0xe2 && c1 == 0x80 &&
	    ((c2 >= 0x80 && c2 <= 0x8a) || c2 == 0xa8 || c2 == 0xa9 || c2 == 0xaf))
		return 3;                                            /* U+2000-200A, 2028, 2029, 202F */
	if (c == 0xe2 && c1 == 0x81 && c2 == 0x9f) return 3;        /* U+205F */
	if (c == 0xe3 && c1 == 0x80 && c2 == 0x80) return 3;        /* U+3000 */
	if (c == 0xef && c1 == 0xbb && c2 == 0xbf) return 3;        /* U+FEFF */
	return 0;
}

/* Byte length of a JavaScript whitespace character ending at s[end - 1]. */
static size_t js_space_before(const char *s, size_t end)
{
	for (size_t k = 1; k <= 3 && k <= end; k++)
		if (js_space_at(s, end, end - k) == k) return k;
	return 0;
}

/* JavaScript String.prototype.trim */
static span js_trim(span s)
{
	size_t w;
	while (s.n && (w = js_space_at(s.p, s.n, 0)) != 0) s.p += w, s.n -= w;
	while (s.n && (w = js_space_before(s.p, s.n)) != 0) s.n -= w;
	return s;
}

/* Length in UTF-16 code units, which is what JavaScript's .length counts. */
static size_t utf16_length(const char *s, size_t n)
{
	size_t units = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c & 0xc0) != 0x80) units++;
		if (c >= 0xf0) units++;
	}
	return units;
}

/* ---- anchored pieces of node-semver's strict grammar ---- */

static size_t digit_run(span s, size_t i)
{
	size_t j = i;
	while (j < s.n && is_digit((unsigned char)s.p[j])) j++;
	return j - i;
}

static size_t ident_run(span s, size_t i)
{
	size_t j = i;
	while (j < s.n && is_ident((unsigned char)s.p[j])) j++;
	return j - i;
}

/* Length of a strict numeric part at i ("0", or 1-9 then at most 256 more
 * digits) that is not followed by another digit; 0 if there is none. */
static size_t number_len(span s, size_t i)
{
	size_t r = digit_run(s, i);
	if (r == 0) return 0;
	if (s.p[i] == '0') return r == 1 ? 1 : 0;
	return r <= NODE_MAX_DIGITS + 1 ? r : 0;
}

/* An x-range part: a number, or one of x X *. */
static size_t xpart_len(span s, size_t i)
{
	int c = at(s, i);
	if (c == 'x' || c == 'X' || c == '*') return 1;
	return number_len(s, i);
}

/* Is p[0..n) a whole pre-release identifier: numeric without leading zeros,
 * or alphanumeric (within node's caps)? */
static bool pre_ident_ok(const char *p, size_t n)
{
	size_t d = 0;
	if (n == 0) return false;
	while (d < n && is_digit((unsigned char)p[d])) d++;
	if (d == n) return n == 1 || (p[0] != '0' && n <= NODE_MAX_DIGITS + 1);
	return d <= NODE_MAX_DIGITS && n - d - 1 <= NODE_MAX_IDENT;
}

/* Reads an optional "-pre" and then an optional "+build" at *i.  Returns
 * false when one is started but malformed; the caller checks what follows. */
static bool parse_suffix(span s, size_t *i, span *pre, span *build)
{
	size_t j = *i, start, r;
	*pre = mkspan(NULL, 0);
	*build = mkspan(NULL, 0);
	if (at(s, j) == '-') {
		start = ++j;
		for (;;) {
			r = ident_run(s, j);
			if (!pre_ident_ok(s.p + j, r)) return false;
			j += r;
			if (at(s, j) != '.') break;
			j++;
		}
		*pre = sub(s, start, j - start);
	}
	if (at(s, j) == '+') {
		start = ++j;
		for (;;) {
			r = ident_run(s, j);
			if (r == 0 || r > NODE_MAX_IDENT) return false;
			j += r;
			if (at(s, j) != '.') break;
			j++;
		}
		*build = sub(s, start, j - start);
	}
	*i = j;
	return true;
}

/* node-semver's XRANGEPLAIN matched against a whole string: [v= ]* then
 * M[.m[.p[-pre][+build]]] where each part may be a wildcard. */
struct xrange {
	span text;   /* all of it, prefix included */
	span M, m, p; /* .p NULL when the part is absent */
	span pre;    /* .p NULL when absent */
};

static bool xrange_parse(span s, struct xrange *x)
{
	size_t i = 0, k;
	span build;
	memset(x, 0, sizeof *x);
	x->text = s;
	while (i < s.n && is_vprefix((unsigned char)s.p[i])) i++;
	span *parts[3] = {&x->M, &x->m, &x->p};
	for (int n = 0; n < 3; n++) {
		if (n > 0) {
			if (i == s.n) return true;
			if (s.p[i] != '.') return false;
			i++;
		}
		if ((k = xpart_len(s, i)) == 0) return false;
		*parts[n] = sub(s, i, k);
		i += k;
	}
	if (!parse_suffix(s, &i, &x->pre, &build)) return false;
	return i == s.n;
}

/* node-semver's isX: absent, or x X * */
static bool is_x(span part)
{
	return part.p == NULL || part.n == 0 ||
	       (part.n == 1 && (part.p[0] == 'x' || part.p[0] == 'X' || part.p[0] == '*'));
}

/* node-semver's FULLPLAIN matched against a whole string. */
struct full {
	span M, m, p, pre, build;
};

static bool full_parse(span s, bool allow_v, struct full *f)
{
	size_t i = 0, k;
	span *parts[3] = {&f->M, &f->m, &f->p};
	memset(f, 0, sizeof *f);
	if (allow_v && at(s, 0) == 'v') i++;
	for (int n = 0; n < 3; n++) {
		if (n > 0) {
			if (at(s, i) != '.') return false;
			i++;
		}
		if ((k = number_len(s, i)) == 0) return false;
		*parts[n] = sub(s, i, k);
		i += k;
	}
	if (!parse_suffix(s, &i, &f->pre, &f->build)) return false;
	return i == s.n;
}

/* Value of a digit string, or UINT64_MAX when above MR_SEMVER_MAX_NUMBER. */
static uint64_t number_value(span d)
{
	uint64_t v = 0;
	if (d.n > 16) return UINT64_MAX;
	for (size_t i = 0; i < d.n; i++) v = v * 10 + (uint64_t)(d.p[i] - '0');
	return v > MR_SEMVER_MAX_NUMBER ? UINT64_MAX : v;
}

/* node-semver's SemVer constructor after its regex matched text. */
static int semver_from_full(const struct full *f, size_t text_len, mr_semver *out)
{
	memset(out, 0, sizeof *out);
	if (text_len > MR_SEMVER_MAX_LENGTH) return -1;
	out->major = number_value(f->M);
	out->minor = number_value(f->m);
	out->patch = number_value(f->p);
	if (out->major == UINT64_MAX || out->minor == UINT64_MAX || out->patch == UINT64_MAX) {
		memset(out, 0, sizeof *out);
		return -1;
	}
	if (f->pre.p) out->pre = mr_xstrndup(f->pre.p, f->pre.n);
	if (f->build.p) out->build = mr_xstrndup(f->build.p, f->build.n);
	return 0;
}

/* ---- versions ---- */

int mr_semver_parse(const char *s, size_t len, mr_semver *out)
{
	struct full f;
	memset(out, 0, sizeof *out);
	if (!s || len > MR_SEMVER_MAX_LENGTH) return -1;
	if (!full_parse(mkspan(s, len), false, &f)) return -1;
	return semver_from_full(&f, len, out);
}

int mr_semver_parse_node(const char *s, size_t len, mr_semver *out)
{
	struct full f;
	span t;
	memset(out, 0, sizeof *out);
	if (!s || utf16_length(s, len) > MR_SEMVER_MAX_LENGTH) return -1;
	t = js_trim(mkspan(s, len));
	if (!full_parse(t, true, &f)) return -1;
	return semver_from_full(&f, 0, out);
}

void mr_semver_release(mr_semver *v)
{
	if (!v) return;
	free(v->pre);
	free(v->build);
	memset(v, 0, sizeof *v);
}

char *mr_semver_format(const mr_semver *v)
{
	mr_buf b = MR_BUF_INIT;
	mr_buf_printf(&b, "%llu.%llu.%llu", (unsigned long long)v->major,
		      (unsigned long long)v->minor, (unsigned long long)v->patch);
	if (v->pre && *v->pre) mr_buf_printf(&b, "-%s", v->pre);
	if (v->build && *v->build) mr_buf_printf(&b, "+%s", v->build);
	return mr_buf_detach(&b);
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b ? 1 : 0;
}

/* A numeric identifier as the JavaScript number `+id`. */
static double ident_number(const char *p, size_t n)
{
	if (n <= 15) {
		uint64_t v = 0;
		for (size_t i = 0; i < n; i++) v = v * 10 + (uint64_t)(p[i] - '0');
		return (double)v;
	}
	char *copy = mr_xstrndup(p, n);
	double d = strtod(copy, NULL); /* correctly rounded, as Number() is */
	free(copy);
	return d;
}

static bool all_digits(const char *p, size_t n)
{
	if (n == 0) return false;
	for (size_t i = 0; i < n; i++)
		if (!is_digit((unsigned char)p[i])) return false;
	return true;
}

/* node-semver's compareIdentifiers for two different identifiers. */
static int compare_ident(const char *a, size_t an, const char *b, size_t bn)
{
	bool anum = all_digits(a, an), bnum = all_digits(b, bn);
	if (anum && bnum) {
		double x = ident_number(a, an), y = ident_number(b, bn);
		return x == y ? 0 : x < y ? -1 : 1;
	}
	if (anum) return -1;
	if (bnum) return 1;
	int r = memcmp(a, b, an < bn ? an : bn);
	if (r) return r < 0 ? -1 : 1;
	return an < bn ? -1 : an > bn ? 1 : 0;
}

/* node-semver's comparePre: the first differing identifier decides, even
 * when it compares equal as a number. */
static int compare_pre(const char *a, const char *b)
{
	bool ha = a && *a, hb = b && *b;
	if (ha != hb) return ha ? -1 : 1;
	if (!ha) return 0;
	for (;;) {
		if (!*a && !*b) return 0;
		if (!*b) return 1;
		if (!*a) return -1;
		size_t an = strcspn(a, "."), bn = strcspn(b, ".");
		if (an != bn || memcmp(a, b, an) != 0) return compare_ident(a, an, b, bn);
		a += an + (a[an] == '.');
		b += bn + (b[bn] == '.');
	}
}

int mr_semver_compare(const mr_semver *a, const mr_semver *b)
{
	int r = cmp_u64(a->major, b->major);
	if (!r) r = cmp_u64(a->minor, b->minor);
	if (!r) r = cmp_u64(a->patch, b->patch);
	if (!r) r = compare_pre(a->pre, b->pre);
	return r;
}

/* ---- ranges: data ---- */

enum op { OP_ANY, OP_EQ, OP_LT, OP_LE, OP_GT, OP_GE };

struct comparator {
	enum op op;
	mr_semver v; /* unused for OP_ANY */
};

/* One `||` alternative: comparators c[start .. start + n) of its range. */
struct cset {
	size_t start, n;
};

/* All comparators live in one array, so that a flood of tiny alternatives
 * costs a few dozen bytes each rather than an allocation each. */
struct mr_range {
	struct comparator *c;
	size_t nc, capc;
	struct cset *sets;
	size_t n, cap;
};

/* Releases and forgets comparators c[from ..]. */
static void drop_comparators(mr_range *r, size_t from)
{
	for (size_t i = from; i < r->nc; i++) mr_semver_release(&r->c[i].v);
	r->nc = from;
}

void mr_range_free(mr_range *r)
{
	if (!r) return;
	drop_comparators(r, 0);
	free(r->c);
	free(r->sets);
	free(r);
}

/* ---- ranges: the rewrites, in node-semver's order ---- */

/* Remove every "+build.ids" (node's unbounded global BUILD regex). */
static void strip_all_builds(span s, mr_buf *out)
{
	size_t i = 0;
	while (i < s.n) {
		if (s.p[i] == '+' && is_ident(at(s, i + 1))) {
			size_t j = i + 1 + ident_run(s, i + 1);
			while (at(s, j) == '.' && is_ident(at(s, j + 1))) j += 1 + ident_run(s, j + 1);
			i = j;
			continue;
		}
		mr_buf_putc(out, s.p[i++]);
	}
}

/* Remove the first "+build.ids", identifiers capped at 250 characters. */
static void strip_first_build(span s, mr_buf *out)
{
	for (size_t i = 0; i < s.n; i++) {
		if (s.p[i] != '+' || !is_ident(at(s, i + 1))) continue;
		size_t r = ident_run(s, i + 1), j;
		j = i + 1 + (r < NODE_MAX_IDENT ? r : NODE_MAX_IDENT);
		while (at(s, j) == '.' && is_ident(at(s, j + 1))) {
			r = ident_run(s, j + 1);
			j += 1 + (r < NODE_MAX_IDENT ? r : NODE_MAX_IDENT);
		}
		put(out, sub(s, 0, i));
		put(out, sub(s, j, s.n - j));
		return;
	}
	put(out, s);
}

/* JavaScript's `+digits + 1` for a number node-semver then re-reads: exact
 * decimal; results past 2^53 - 1 are rejected later, as they are in node. */
static void put_inc(mr_buf *b, span d)
{
	size_t k = d.n;
	while (k > 0 && d.p[k - 1] == '9') k--;
	if (k == 0) {
		mr_buf_putc(b, '1');
	} else {
		put(b, sub(d, 0, k - 1));
		mr_buf_putc(b, (char)(d.p[k - 1] + 1));
	}
	for (size_t i = k; i < d.n; i++) mr_buf_putc(b, '0');
}

/* Writes pieces of a desugared comparator: spans, literals and increments,
 * in order.  Keeps the desugaring tables below readable. */
enum piece_kind { P_END, P_LIT, P_SPAN, P_INC };
struct piece {
	enum piece_kind kind;
	const char *lit;
	span s;
};
#define LIT(x) ((struct piece){P_LIT, (x), {NULL, 0}})
#define SPAN(x) ((struct piece){P_SPAN, NULL, (x)})
#define INC(x) ((struct piece){P_INC, NULL, (x)})
#define END ((struct piece){P_END, NULL, {NULL, 0}})

static void emit(mr_buf *b, const struct piece *p)
{
	for (; p->kind != P_END; p++) {
		if (p->kind == P_LIT) mr_buf_puts(b, p->lit);
		else if (p->kind == P_SPAN) put(b, p->s);
		else put_inc(b, p->s);
	}
}

/* `A - B` (node's HYPHENRANGE, anchored): true and the replacement in out,
 * or false when s is not a hyphen range. */
static bool hyphen_replace(span s, mr_buf *out)
{
	size_t i0 = at(s, 0) == ' ' ? 1 : 0, end = s.n, k;
	struct xrange a, b;
	mr_buf t = MR_BUF_INIT;

	if (end > i0 && s.p[end - 1] == ' ') end--;
	/* neither side can contain " - ", so the first one separates them */
	for (k = i0; k + 2 < end; k++)
		if (s.p[k] == ' ' && s.p[k + 1] == '-' && s.p[k + 2] == ' ') break;
	if (k + 2 >= end) return false;
	if (!xrange_parse(sub(s, i0, k - i0), &a) || !xrange_parse(sub(s, k + 3, end - k - 3), &b))
		return false;

	if (is_x(a.M))
		;
	else if (is_x(a.m))
		emit(&t, (struct piece[]){LIT(">="), SPAN(a.M), LIT(".0.0"), END});
	else if (is_x(a.p))
		emit(&t, (struct piece[]){LIT(">="), SPAN(a.M), LIT("."), SPAN(a.m), LIT(".0"), END});
	else
		emit(&t, (struct piece[]){LIT(">="), SPAN(a.text), END});
	mr_buf_putc(&t, ' ');
	if (is_x(b.M))
		;
	else if (is_x(b.m))
		emit(&t, (struct piece[]){LIT("<"), INC(b.M), LIT(".0.0-0"), END});
	else if (is_x(b.p))
		emit(&t, (struct piece[]){LIT("<"), SPAN(b.M), LIT("."), INC(b.m), LIT(".0-0"), END});
	else if (b.pre.p)
		emit(&t, (struct piece[]){LIT("<="), SPAN(b.M), LIT("."), SPAN(b.m), LIT("."),
					  SPAN(b.p), LIT("-"), SPAN(b.pre), END});
	else
		emit(&t, (struct piece[]){LIT("<="), SPAN(b.text), END});
	put(out, trim_spaces(buf_span(&t)));
	mr_buf_release(&t);
	return true;
}

/* Digit runs seen last, so that rescanning one long run stays linear (the
 * scan below may rewind from a version's second run to its first). */
struct digit_cache {
	size_t start, end, prev_start, prev_end;
};

static size_t digits_end(span s, size_t i, size_t limit, struct digit_cache *dc)
{
	size_t e;
	if (!is_digit(at(s, i))) return i;
	if (i >= dc->start && i < dc->end) {
		e = dc->end;
	} else if (i >= dc->prev_start && i < dc->prev_end) {
		e = dc->prev_end;
	} else {
		e = i + digit_run(s, i);
		dc->prev_start = dc->start;
		dc->prev_end = dc->end;
		dc->start = i;
		dc->end = e;
	}
	return e - i < limit ? e : i + limit;
}

static size_t number_end(span s, size_t i, bool loose, struct digit_cache *dc)
{
	if (!loose && at(s, i) == '0') return i + 1;
	return digits_end(s, i, loose ? NODE_MAX_DIGITS : NODE_MAX_DIGITS + 1, dc);
}

/* Unanchored matchers: where node's regex alternative would stop, or the
 * start when it does not match at all. */
static size_t pre_ident_end(span s, size_t i, bool loose, struct digit_cache *dc)
{
	size_t d = digits_end(s, i, NODE_MAX_DIGITS, dc);
	int c = at(s, d);
	if (is_letter(c) || c == '-') {
		size_t e = d + 1, limit = e + NODE_MAX_IDENT;
		while (e < limit && is_ident(at(s, e))) e++;
		return e;
	}
	return number_end(s, i, loose, dc);
}

static size_t pre_end(span s, size_t i, bool loose, struct digit_cache *dc)
{
	bool hyphen = at(s, i) == '-';
	size_t id, e, next;
	if (!loose && !hyphen) return i;
	id = i + (hyphen ? 1 : 0);
	e = pre_ident_end(s, id, loose, dc);
	if (e == id) {
		if (!loose || !hyphen) return i;
		e = pre_ident_end(s, i, loose, dc); /* loose: the hyphen is an identifier */
	}
	while (at(s, e) == '.') {
		next = pre_ident_end(s, e + 1, loose, dc);
		if (next == e + 1) break;
		e = next;
	}
	return e;
}

static size_t build_ident_end(span s, size_t i)
{
	size_t e = i;
	while (e - i < NODE_MAX_IDENT && is_ident(at(s, e))) e++;
	return e;
}

static size_t build_end(span s, size_t i)
{
	size_t e, next;
	if (at(s, i) != '+') return i;
	e = build_ident_end(s, i + 1);
	if (e == i + 1) return i;
	while (at(s, e) == '.') {
		next = build_ident_end(s, e + 1);
		if (next == e + 1) break;
		e = next;
	}
	return e;
}

/* node's LOOSEPLAIN after its prefix */
static size_t loose_version_end(span s, size_t i, struct digit_cache *dc)
{
	size_t e = i, next;
	for (int n = 0; n < 3; n++) {
		next = number_end(s, e, true, dc);
		if (next == e) return i;
		e = next;
		if (n < 2) {
			if (at(s, e) != '.') return i;
			e++;
		}
	}
	return build_end(s, pre_end(s, e, true, dc));
}

static size_t xpart_end(span s, size_t i, struct digit_cache *dc)
{
	if (is_digit(at(s, i))) return number_end(s, i, false, dc);
	return is_vstart(at(s, i)) ? i + 1 : i;
}

/* node's XRANGEPLAIN after its prefix */
static size_t partial_version_end(span s, size_t i, struct digit_cache *dc)
{
	size_t e = xpart_end(s, i, dc), next;
	for (int n = 0; n < 2; n++) {
		if (at(s, e) != '.') return e;
		next = xpart_end(s, e + 1, dc);
		if (next == e + 1) return e;
		e = next;
	}
	return build_end(s, pre_end(s, e, false, dc));
}

static size_t version_end(span s, size_t i, struct digit_cache *dc)
{
	size_t e = loose_version_end(s, i, dc);
	return e != i ? e : partial_version_end(s, i, dc);
}

/* `> 1.2.3` -> `>1.2.3` (node's COMPARATORTRIM): drops the one space after
 * an operator that is followed by a version, scanning as node's regex does
 * so that the same spaces go. */
static void trim_comparator_spaces(span s, mr_buf *out)
{
	struct digit_cache dc = {0, 0, 0, 0};
	size_t cursor = 0, copy_from = 0;
	while (cursor < s.n) {
		size_t start = cursor, w;
		int c = (unsigned char)s.p[cursor];
		if (c == '<' || c == '>') {
			cursor++;
		} else if (!is_vprefix(c) && !is_vstart(c)) {
			cursor++;
			continue;
		}
		while (cursor < s.n && is_vprefix((unsigned char)s.p[cursor])) cursor++;
		if (!is_vstart(at(s, cursor))) continue;

		w = start;
		if (at(s, w) == ' ') w++;
		if (at(s, w) == '<' || at(s, w) == '>') w++;
		if (at(s, w) == '=') w++;
		if (at(s, w) == ' ') {
			put(out, sub(s, copy_from, w - copy_from));
			copy_from = w + 1;
		}
		cursor = version_end(s, cursor, &dc);
	}
	put(out, sub(s, copy_from, s.n - copy_from));
}

/* `~ 1`, `~> 1` -> `~1` and `^ 1` -> `^1` (TILDETRIM, CARETTRIM) */
static void trim_tilde_spaces(span s, mr_buf *out)
{
	size_t i = 0;
	while (i < s.n) {
		if (s.p[i] == '~') {
			if (at(s, i + 1) == '>' && at(s, i + 2) == ' ') {
				mr_buf_putc(out, '~');
				i += 3;
				continue;
			}
			if (at(s, i + 1) == ' ') {
				mr_buf_putc(out, '~');
				i += 2;
				continue;
			}
		}
		mr_buf_putc(out, s.p[i++]);
	}
}

static void trim_caret_spaces(span s, mr_buf *out)
{
	size_t i = 0;
	while (i < s.n) {
		if (s.p[i] == '^' && at(s, i + 1) == ' ') {
			mr_buf_putc(out, '^');
			i += 2;
			continue;
		}
		mr_buf_putc(out, s.p[i++]);
	}
}

/* JavaScript's split(/\s+/) over space-normalised text ("" gives [""], a
 * leading or trailing run gives an empty first or last piece). */
struct split {
	span s;
	size_t pos;
	bool done;
	bool single; /* split(" ") instead: every space separates */
};

static bool split_next(struct split *it, span *piece)
{
	size_t i = it->pos;
	if (it->done) return false;
	while (i < it->s.n && it->s.p[i] != ' ') i++;
	*piece = sub(it->s, it->pos, i - it->pos);
	if (i == it->s.n) {
		it->done = true;
		return true;
	}
	i++;
	if (!it->single)
		while (i < it->s.n && it->s.p[i] == ' ') i++;
	it->pos = i;
	return true;
}

static struct split split_ws(span s)
{
	struct split it = {s, 0, false, false};
	return it;
}

static struct split split_space(span s)
{
	struct split it = {s, 0, false, true};
	return it;
}

/* `^...` (node's CARET + replaceCaret) */
static void replace_caret(span c, mr_buf *out)
{
	struct xrange x;
	if (at(c, 0) != '^' || !xrange_parse(sub(c, 1, c.n - 1), &x)) {
		put(out, c);
		return;
	}
	bool zero = span_eq(x.M, "0"), zero_m = span_eq(x.m, "0");
	if (is_x(x.M))
		return;
	if (is_x(x.m)) {
		emit(out, (struct piece[]){LIT(">="), SPAN(x.M), LIT(".0.0 <"), INC(x.M), LIT(".0.0-0"), END});
	} else if (is_x(x.p)) {
		if (zero)
			emit(out, (struct piece[]){LIT(">="), SPAN(x.M), LIT("."), SPAN(x.m), LIT(".0 <"),
						   SPAN(x.M), LIT("."), INC(x.m), LIT(".0-0"), END});
		else
			emit(out, (struct piece[]){LIT(">="), SPAN(x.M), LIT("."), SPAN(x.m), LIT(".0 <"),
						   INC(x.M), LIT(".0.0-0"), END});
	} else {
		emit(out, (struct piece[]){LIT(">="), SPAN(x.M), LIT("."), SPAN(x.m), LIT("."), SPAN(x.p), END});
		if (x.pre.p) emit(out, (struct piece[]){LIT("-"), SPAN(x.pre), END});
		if (zero && zero_m)
			emit(out, (struct piece[]){LIT(" <"), SPAN(x.M), LIT("."), SPAN(x.m), LIT("."),
						   INC(x.p), LIT("-0"), END});
		else if (zero)
			emit(out, (struct piece[]){LIT(" <"), SPAN(x.M), LIT("."), INC(x.m), LIT(".0-0"), END});
		else
			emit(out, (struct piece[]){LIT(" <"), INC(x.M), LIT(".0.0-0"), END});
	}
}

/* `~...`, `~>...` (node's TILDE + replaceTilde) */
static void replace_tilde(span c, mr_buf *out)
{
	struct xrange x;
	size_t off = at(c, 1) == '>' ? 2 : 1;
	if (at(c, 0) != '~' || !xrange_parse(sub(c, off, c.n - off), &x)) {
		put(out, c);
		return;
	}
	if (is_x(x.M))
		return;
	if (is_x(x.m)) {
		emit(out, (struct piece[]){LIT(">="), SPAN(x.M), LIT(".0.0 <"), INC(x.M), LIT(".0.0-0"), END});
	} else if (is_x(x.p)) {
		emit(out, (struct piece[]){LIT(">="), SPAN(x.M), LIT("."), SPAN(x.m), LIT(".0 <"),
					   SPAN(x.M), LIT("."), INC(x.m), LIT(".0-0"), END});
	} else {
		emit(out, (struct piece[]){LIT(">="), SPAN(x.M), LIT("."), SPAN(x.m), LIT("."), SPAN(x.p), END});
		if (x.pre.p) emit(out, (struct piece[]){LIT("-"), SPAN(x.pre), END});
		emit(out, (struct piece[]){LIT(" <"), SPAN(x.M), LIT("."), INC(x.m), LIT(".0-0"), END});
	}
}

/* `[<>]?=?` followed by an x-range (node's XRANGE + replaceXRange) */
static void replace_xrange(span c, mr_buf *out)
{
	struct xrange x;
	size_t g = 0;
	c = trim_spaces(c);
	if (at(c, 0) == '<' || at(c, 0) == '>') g++;
	if (at(c, g) == '=') g++;
	size_t v = g + (at(c, g) == ' ');
	if (!xrange_parse(sub(c, v, c.n - v), &x)) {
		put(out, c);
		return;
	}
	/* 1.x.5 and x.1 stay as they are, and fail as comparators */
	if ((is_x(x.M) && !is_x(x.m)) || (is_x(x.m) && x.p.p && !is_x(x.p))) {
		put(out, c);
		return;
	}
	bool xM = is_x(x.M), xm = xM || is_x(x.m), anyx = xm || is_x(x.p);
	span op = sub(c, 0, g);
	if (span_eq(op, "=") && anyx) op.n = 0;
	if (xM) {
		mr_buf_puts(out, span_eq(op, ">") || span_eq(op, "<") ? "<0.0.0-0" : "*");
	} else if (op.n && anyx) {
		struct piece M = SPAN(x.M), m = xm ? LIT("0") : SPAN(x.m);
		const char *o = NULL;
		if (span_eq(op, ">")) {
			o = ">=";
			if (xm) M = INC(x.M), m = LIT("0");
			else m = INC(x.m);
		} else if (span_eq(op, "<=")) {
			o = "<";
			if (xm) M = INC(x.M);
			else m = INC(x.m);
		}
		if (o) mr_buf_puts(out, o);
		else put(out, op);
		emit(out, (struct piece[]){M, LIT("."), m, LIT(".0"), END});
		if ((o && !strcmp(o, "<")) || (!o && span_eq(op, "<"))) mr_buf_puts(out, "-0");
	} else if (xm) {
		emit(out, (struct piece[]){LIT(">="), SPAN(x.M), LIT(".0.0 <"), INC(x.M), LIT(".0.0-0"), END});
	} else if (anyx) {
		emit(out, (struct piece[]){LIT(">="), SPAN(x.M), LIT("."), SPAN(x.m), LIT(".0 <"),
					   SPAN(x.M), LIT("."), INC(x.m), LIT(".0-0"), END});
	} else {
		put(out, c);
	}
}

/* Remove the first `[<>]?=? ?*` (node's STAR). */
static void remove_first_star(span s, mr_buf *out)
{
	const char *star = s.n ? memchr(s.p, '*', s.n) : NULL;
	size_t k, p;
	if (!star) {
		put(out, s);
		return;
	}
	k = (size_t)(star - s.p);
	for (p = k > 3 ? k - 3 : 0; p < k; p++) {
		size_t i = p;
		if (i < k && (s.p[i] == '<' || s.p[i] == '>')) i++;
		if (i < k && s.p[i] == '=') i++;
		if (i < k && s.p[i] == ' ') i++;
		if (i == k) break;
	}
	put(out, sub(s, 0, p));
	put(out, sub(s, k + 1, s.n - k - 1));
}

/* Buffers reused by every alternative and token of one range. */
struct scratch {
	mr_buf a, b, c, d; /* per token */
	mr_buf x, y, joined; /* per alternative */
};

typedef void (*piece_fn)(span piece, mr_buf *out);

/* split(/\s+/), rewrite each piece, join(" ") */
static void map_pieces(span s, piece_fn fn, mr_buf *out)
{
	struct split it = split_ws(s);
	span piece;
	bool first = true;
	while (split_next(&it, &piece)) {
		if (!first) mr_buf_putc(out, ' ');
		first = false;
		fn(piece, out);
	}
}

/* node-semver's parseComparator for one space-free token of a range. */
static void desugar_token(span tok, struct scratch *sc, mr_buf *out)
{
	mr_buf_reset(&sc->a);
	strip_first_build(tok, &sc->a);
	mr_buf_reset(&sc->b);
	map_pieces(trim_spaces(buf_span(&sc->a)), replace_caret, &sc->b);
	mr_buf_reset(&sc->c);
	map_pieces(trim_spaces(buf_span(&sc->b)), replace_tilde, &sc->c);
	mr_buf_reset(&sc->d);
	map_pieces(buf_span(&sc->c), replace_xrange, &sc->d);
	remove_first_star(trim_spaces(buf_span(&sc->d)), out);
}

static bool is_null_set(const struct comparator *c)
{
	return c->op == OP_LT && c->v.major == 0 && c->v.minor == 0 && c->v.patch == 0 &&
	       c->v.pre && !strcmp(c->v.pre, "0");
}

/* node-semver's Comparator: "" is any version, else [<>]?=? and a version. */
static int comparator_parse(span s, struct comparator *out)
{
	struct full f;
	size_t g = 0;
	memset(out, 0, sizeof *out);
	if (s.n == 0) {
		out->op = OP_ANY;
		return 0;
	}
	if (s.p[0] == '<' || s.p[0] == '>') g++;
	if (at(s, g) == '=') g++;
	if (g == 0 || (g == 1 && s.p[0] == '=')) out->op = OP_EQ;
	else if (s.p[0] == '<') out->op = g == 2 ? OP_LE : OP_LT;
	else out->op = g == 2 ? OP_GE : OP_GT;
	span v = sub(s, g, s.n - g);
	if (!full_parse(v, true, &f)) return -1;
	if (semver_from_full(&f, v.n, &out->v) < 0) return -1;
	free(out->v.build); /* comparators ignore build metadata */
	out->v.build = NULL;
	return 0;
}

/* One `||` alternative: node-semver's parseRange, appending its comparators
 * to r, then its clean-up of the list (a null set wins, `*` goes when
 * anything else is there).  On failure the caller frees r. */
static int parse_alternative(span part, struct scratch *sc, mr_range *r, struct cset *set)
{
	struct split it;
	span tok;
	bool first = true;
	size_t start = r->nc, keep = start, any = 0;

	mr_buf_reset(&sc->x);
	strip_all_builds(part, &sc->x);
	mr_buf_reset(&sc->y);
	if (!hyphen_replace(buf_span(&sc->x), &sc->y)) put(&sc->y, buf_span(&sc->x));
	mr_buf_reset(&sc->x);
	trim_comparator_spaces(buf_span(&sc->y), &sc->x);
	mr_buf_reset(&sc->y);
	trim_tilde_spaces(buf_span(&sc->x), &sc->y);
	mr_buf_reset(&sc->x);
	trim_caret_spaces(buf_span(&sc->y), &sc->x);

	mr_buf_reset(&sc->joined);
	it = split_space(buf_span(&sc->x));
	while (split_next(&it, &tok)) {
		if (!first) mr_buf_putc(&sc->joined, ' ');
		first = false;
		desugar_token(tok, sc, &sc->joined);
	}

	it = split_ws(buf_span(&sc->joined));
	while (split_next(&it, &tok)) {
		struct comparator c;
		if (span_eq(tok, ">=0.0.0")) tok.n = 0;
		if (comparator_parse(tok, &c) < 0) return -1;
		MR_GROW(r->c, r->capc, r->nc + 1);
		r->c[r->nc++] = c;
	}

	set->start = start;
	set->n = 1;
	for (size_t i = start; i < r->nc; i++) {
		if (is_null_set(&r->c[i])) {
			struct comparator null = r->c[i];
			r->c[i].v.pre = NULL; /* now owned by null */
			drop_comparators(r, start);
			r->c[r->nc++] = null;
			return 0;
		}
		if (r->c[i].op == OP_ANY) any++;
	}
	if (any == r->nc - start) {
		r->nc = start + 1; /* all `*`: they own nothing */
		return 0;
	}
	for (size_t i = start; i < r->nc; i++)
		if (r->c[i].op != OP_ANY) r->c[keep++] = r->c[i];
	r->nc = keep;
	set->n = keep - start;
	return 0;
}

/* Bytes that can survive node-semver's rewrites into a valid range; any
 * other byte, once whitespace is normalised, makes the range invalid. */
static bool range_byte_ok(unsigned char c)
{
	return is_ident(c) || (c != 0 && strchr(" .+=<>~^*|", c) != NULL);
}

static bool set_is_null(const mr_range *r, const struct cset *set)
{
	return is_null_set(&r->c[set->start]);
}

static bool set_is_any(const mr_range *r, const struct cset *set)
{
	return set->n == 1 && r->c[set->start].op == OP_ANY;
}

mr_range *mr_range_parse(const char *s, size_t len)
{
	mr_range *r = NULL;
	mr_buf norm = MR_BUF_INIT;
	struct scratch sc;
	size_t i = 0, start = 0, live = 0;
	bool pending = false, saw_any = false, collapsed = false;

	if (!s) return NULL;
	memset(&sc, 0, sizeof sc);
	/* trim, and every run of whitespace becomes one space */
	while (i < len) {
		size_t w = js_space_at(s, len, i);
		if (w) {
			pending = true;
			i += w;
			continue;
		}
		if (!range_byte_ok((unsigned char)s[i])) goto fail;
		if (pending && norm.len) mr_buf_putc(&norm, ' ');
		pending = false;
		mr_buf_putc(&norm, s[i++]);
	}

	r = mr_xcalloc(1, sizeof *r);
	span n = buf_span(&norm);
	for (i = 0;; i++) {
		bool last = i + 1 >= n.n;
		struct cset set;
		if (!last && !(n.p[i] == '|' && n.p[i + 1] == '|')) continue;
		size_t end = last ? n.n : i;
		if (parse_alternative(trim_spaces(sub(n, start, end - start)), &sc, r, &set) < 0)
			goto fail;
		if (collapsed) {
			drop_comparators(r, set.start); /* checked for validity only */
		} else {
			MR_GROW(r->sets, r->cap, r->n + 1);
			r->sets[r->n++] = set;
			if (!set_is_null(r, &set)) {
				live++;
				saw_any = saw_any || set_is_any(r, &set);
			}
			/* node-semver: with two or more non-null alternatives, one
			 * that is just `*` makes the whole range `*`, whatever the
			 * rest say, so there is no need to keep them */
			if (live >= 2 && saw_any) {
				drop_comparators(r, 0);
				r->c[r->nc++].op = OP_ANY;
				r->sets[0].start = 0;
				r->sets[0].n = 1;
				r->n = 1;
				collapsed = true;
			}
		}
		if (last) break;
		i++;
		start = i + 1;
	}

	/* node-semver drops null alternatives unless all of them are */
	if (!collapsed && r->n > 1 && live > 0) {
		size_t keep = 0;
		for (i = 0; i < r->n; i++)
			if (!set_is_null(r, &r->sets[i])) r->sets[keep++] = r->sets[i];
		r->n = keep;
	} else if (!collapsed && r->n > 1) {
		r->n = 1;
	}
	/* a manifest keeps its ranges as long as it lives: no room to spare (a watcher holds
	 * some thousands) */
	if (r->nc && r->capc > r->nc) {
		r->c = mr_xreallocarray(r->c, r->nc, sizeof *r->c);
		r->capc = r->nc;
	}
	if (r->n && r->cap > r->n) {
		r->sets = mr_xreallocarray(r->sets, r->n, sizeof *r->sets);
		r->cap = r->n;
	}
	goto done;
fail:
	mr_range_free(r);
	r = NULL;
done:
	mr_buf_release(&norm);
	mr_buf_release(&sc.a);
	mr_buf_release(&sc.b);
	mr_buf_release(&sc.c);
	mr_buf_release(&sc.d);
	mr_buf_release(&sc.x);
	mr_buf_release(&sc.y);
	mr_buf_release(&sc.joined);
	return r;
}

/* ---- satisfies ---- */

static bool comparator_test(const struct comparator *c, const mr_semver *v)
{
	int r;
	if (c->op == OP_ANY) return true;
	r = mr_semver_compare(v, &c->v);
	switch (c->op) {
	case OP_EQ: return r == 0;
	case OP_LT: return r < 0;
	case OP_LE: return r <= 0;
	case OP_GT: return r > 0;
	case OP_GE: return r >= 0;
	default: return true;
	}
}

static bool set_test(const mr_range *r, const struct cset *set, const mr_semver *v)
{
	const struct comparator *c = r->c + set->start;
	for (size_t i = 0; i < set->n; i++)
		if (!comparator_test(&c[i], v)) return false;
	if (!v->pre || !*v->pre) return true;
	/* a pre-release only matches next to a comparator that names a
	 * pre-release of the same major.minor.patch */
	for (size_t i = 0; i < set->n; i++) {
		if (c[i].op == OP_ANY || !c[i].v.pre || !*c[i].v.pre) continue;
		if (c[i].v.major == v->major && c[i].v.minor == v->minor && c[i].v.patch == v->patch)
			return true;
	}
	return false;
}

bool mr_range_satisfies(const mr_range *r, const mr_semver *v)
{
	if (!r || !v) return false;
	for (size_t i = 0; i < r->n; i++)
		if (set_test(r, &r->sets[i], v)) return true;
	return false;
}

/* ---- the conformance table runner (semver_oracle.h) ---- */

static void show_case(mr_buf *b, span line)
{
	for (size_t i = 0; i < line.n; i++) {
		unsigned char c = (unsigned char)line.p[i];
		if (c == '\t') mr_buf_puts(b, " | ");
		else mr_buf_putc(b, (c >= 0x20 && c < 0x7f) || c >= 0x80 ? (char)c : '?');
	}
}

/* Runs one case; returns 1 pass, 0 fail, with what was expected and got. */
static int oracle_case(span *f, size_t nf, const char **want, const char **got)
{
	static const char *cmp_names[] = {"-1", "0", "1"};
	mr_semver a, b;
	mr_range *r;

	*want = "a known case";
	*got = "a malformed line";
	if (nf == 4 && span_eq(f[0], "satisfies")) {
		bool expect = span_eq(f[3], "true"), res = false;
		if (!expect && !span_eq(f[3], "false")) return 0;
		r = mr_range_parse(f[2].p, f[2].n);
		if (r && mr_semver_parse_node(f[1].p, f[1].n, &a) == 0) {
			res = mr_range_satisfies(r, &a);
			mr_semver_release(&a);
		}
		mr_range_free(r);
		*want = expect ? "true" : "false";
		*got = res ? "true" : "false";
		return res == expect;
	}
	if (nf == 3 && (span_eq(f[0], "range") || span_eq(f[0], "version"))) {
		bool expect = span_eq(f[2], "valid"), res;
		if (!expect && !span_eq(f[2], "invalid")) return 0;
		if (span_eq(f[0], "range")) {
			r = mr_range_parse(f[1].p, f[1].n);
			res = r != NULL;
			mr_range_free(r);
		} else {
			res = mr_semver_parse(f[1].p, f[1].n, &a) == 0;
			mr_semver_release(&a);
		}
		*want = expect ? "valid" : "invalid";
		*got = res ? "valid" : "invalid";
		return res == expect;
	}
	if (nf == 4 && span_eq(f[0], "compare")) {
		int expect = -2;
		for (int k = 0; k < 3; k++)
			if (span_eq(f[3], cmp_names[k])) expect = k - 1;
		if (expect == -2) return 0;
		*want = cmp_names[expect + 1];
		if (mr_semver_parse_node(f[1].p, f[1].n, &a) < 0) {
			*got = "an invalid first version";
			return 0;
		}
		if (mr_semver_parse_node(f[2].p, f[2].n, &b) < 0) {
			mr_semver_release(&a);
			*got = "an invalid second version";
			return 0;
		}
		int res = mr_semver_compare(&a, &b);
		mr_semver_release(&a);
		mr_semver_release(&b);
		*got = cmp_names[res + 1];
		return res == expect;
	}
	return 0;
}

int mr_semver_oracle_run(const char *path, size_t *passed, size_t *failed, mr_buf *report)
{
	char *data = NULL;
	size_t len = 0, pos = 0, lineno = 0;

	*passed = *failed = 0;
	if (mr_read_file(path, (size_t)1 << 30, &data, &len) < 0) return -1;
	while (pos < len) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - data) : len, nf = 0;
		span line = mkspan(data + pos, end - pos), f[5];
		const char *want, *got;

		pos = nl ? end + 1 : len;
		lineno++;
		if (line.n && line.p[line.n - 1] == '\r') line.n--;
		if (line.n == 0 || line.p[0] == '#') continue;
		for (size_t i = 0, start = 0; i <= line.n; i++) {
			if (i < line.n && line.p[i] != '\t') continue;
			if (nf < 5) f[nf] = sub(line, start, i - start);
			nf++;
			start = i + 1;
		}
		if (oracle_case(f, nf, &want, &got)) {
			(*passed)++;
			continue;
		}
		(*failed)++;
		if (report) {
			mr_buf_printf(report, "%zu: ", lineno);
			show_case(report, line);
			mr_buf_printf(report, ": expected %s, got %s\n", want, got);
		}
	}
	free(data);
	return 0;
}
