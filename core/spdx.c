/* spdx.c — SPDX expression checking.  The grammar's precedence (WITH, AND,
 * OR) changes meaning but not validity, so a token state machine with a
 * parenthesis counter decides validity without recursion, whatever the depth.
 */
#include "spdx.h"

#include <stdlib.h>
#include <string.h>

#include "suggest.h"

/* Commonly used ids of the SPDX License List, verified against the list.
 * Each array is sorted case-insensitively: lookups use binary search (a unit
 * test looks every one of them up, which keeps the order honest). */
static const char *const licenses[] = {
	"0BSD", "AAL", "AFL-1.1", "AFL-1.2", "AFL-2.0", "AFL-2.1", "AFL-3.0", "AGPL-1.0-only",
	"AGPL-1.0-or-later", "AGPL-3.0-only", "AGPL-3.0-or-later", "Apache-1.0", "Apache-1.1",
	"Apache-2.0", "APSL-1.0", "APSL-2.0", "Artistic-1.0", "Artistic-1.0-Perl",
	"Artistic-2.0", "Beerware", "blessing", "BlueOak-1.0.0", "BSD-1-Clause",
	"BSD-2-Clause", "BSD-2-Clause-Patent", "BSD-2-Clause-Views", "BSD-3-Clause",
	"BSD-3-Clause-Attribution", "BSD-3-Clause-Clear", "BSD-3-Clause-LBNL",
	"BSD-3-Clause-No-Nuclear-License", "BSD-4-Clause", "BSD-4-Clause-UC",
	"BSD-Source-Code", "BSL-1.0", "BUSL-1.1", "bzip2-1.0.6", "CAL-1.0", "CATOSL-1.1",
	"CC-BY-1.0", "CC-BY-2.0", "CC-BY-2.5", "CC-BY-3.0", "CC-BY-4.0", "CC-BY-NC-3.0",
	"CC-BY-NC-4.0", "CC-BY-NC-ND-3.0", "CC-BY-NC-ND-4.0", "CC-BY-NC-SA-3.0",
	"CC-BY-NC-SA-4.0", "CC-BY-ND-3.0", "CC-BY-ND-4.0", "CC-BY-SA-2.0", "CC-BY-SA-2.5",
	"CC-BY-SA-3.0", "CC-BY-SA-4.0", "CC-PDDC", "CC0-1.0", "CDDL-1.0", "CDDL-1.1",
	"CDLA-Permissive-1.0", "CDLA-Permissive-2.0", "CDLA-Sharing-1.0", "CECILL-1.0",
	"CECILL-2.0", "CECILL-2.1", "CECILL-B", "CECILL-C", "CNRI-Python", "CPAL-1.0",
	"CPL-1.0", "curl", "ECL-1.0", "ECL-2.0", "EFL-1.0", "EFL-2.0", "Elastic-2.0",
	"Entessa", "EPL-1.0", "EPL-2.0", "ErlPL-1.1", "EUDatagrid", "EUPL-1.0", "EUPL-1.1",
	"EUPL-1.2", "Fair", "Frameworx-1.0", "FSFAP", "FSFUL", "FSFULLR", "FTL",
	"GFDL-1.1-only", "GFDL-1.1-or-later", "GFDL-1.2-only", "GFDL-1.2-or-later",
	"GFDL-1.3-only", "GFDL-1.3-or-later", "GPL-1.0-only", "GPL-1.0-or-later",
	"GPL-2.0-only", "GPL-2.0-or-later", "GPL-3.0-only", "GPL-3.0-or-later",
	"Hippocratic-2.1", "HPND", "ICU", "IJG", "ImageMagick", "Info-ZIP", "IPA", "IPL-1.0",
	"ISC", "JSON", "LAL-1.3", "LGPL-2.0-only", "LGPL-2.0-or-later", "LGPL-2.1-only",
	"LGPL-2.1-or-later", "LGPL-3.0-only", "LGPL-3.0-or-later", "LGPLLR", "Libpng",
	"libpng-2.0", "libtiff", "LiLiQ-P-1.1", "LiLiQ-R-1.1", "LiLiQ-Rplus-1.1", "LPL-1.0",
	"LPL-1.02", "LPPL-1.3c", "MirOS", "MIT", "MIT-0", "MIT-advertising", "MIT-CMU",
	"MIT-enna", "MIT-feh", "MIT-Modern-Variant", "MITNFA", "Motosoto", "MPL-1.0",
	"MPL-1.1", "MPL-2.0", "MPL-2.0-no-copyleft-exception", "MS-PL", "MS-RL",
	"MulanPSL-1.0", "MulanPSL-2.0", "Multics", "NASA-1.3", "Naumen", "NCSA", "NGPL",
	"Nokia", "NPL-1.0", "NPL-1.1", "NPOSL-3.0", "NTP", "OCLC-2.0", "ODbL-1.0",
	"ODC-By-1.0", "OFL-1.0", "OFL-1.1", "OGL-UK-3.0", "OGTSL", "OLDAP-2.8", "OpenSSL",
	"OSET-PL-2.1", "OSL-1.0", "OSL-1.1", "OSL-2.0", "OSL-2.1", "OSL-3.0", "PDDL-1.0",
	"PHP-3.0", "PHP-3.01", "PostgreSQL", "PSF-2.0", "Python-2.0", "Python-2.0.1",
	"QPL-1.0", "RPL-1.1", "RPL-1.5", "RPSL-1.0", "RSCPL", "Ruby", "SGI-B-2.0", "SimPL-2.0",
	"SISSL", "Sleepycat", "SMLNJ", "SPL-1.0", "SSPL-1.0", "TCL", "Unicode-3.0",
	"Unicode-DFS-2015", "Unicode-DFS-2016", "Unicode-TOU", "Unlicense", "UPL-1.0", "Vim",
	"VSL-1.0", "W3C", "W3C-19980720", "W3C-20150513", "Watcom-1.0", "WTFPL", "X11",
	"XFree86-1.1", "Xnet", "YPL-1.1", "Zend-2.0", "Zlib", "zlib-acknowledgement",
	"ZPL-1.1", "ZPL-2.0", "ZPL-2.1",
};

static const char *const deprecated_licenses[] = {
	"AGPL-1.0", "AGPL-3.0", "BSD-2-Clause-FreeBSD", "BSD-2-Clause-NetBSD", "bzip2-1.0.5",
	"eCos-2.0", "GFDL-1.1", "GFDL-1.2", "GFDL-1.3", "GPL-1.0", "GPL-2.0",
	"GPL-2.0-with-autoconf-exception", "GPL-2.0-with-bison-exception",
	"GPL-2.0-with-classpath-exception", "GPL-2.0-with-font-exception",
	"GPL-2.0-with-GCC-exception", "GPL-3.0", "GPL-3.0-with-autoconf-exception",
	"GPL-3.0-with-GCC-exception", "LGPL-2.0", "LGPL-2.1", "LGPL-3.0", "Net-SNMP", "Nunit",
	"StandardML-NJ", "wxWindows",
};

static const char *const exceptions[] = {
	"389-exception", "Autoconf-exception-2.0", "Autoconf-exception-3.0",
	"Bison-exception-2.2", "Bootloader-exception", "Classpath-exception-2.0",
	"CLISP-exception-2.0", "eCos-exception-2.0", "Fawkes-Runtime-exception",
	"FLTK-exception", "fmt-exception", "Font-exception-2.0", "freertos-exception-2.0",
	"GCC-exception-2.0", "GCC-exception-3.1", "GNAT-exception", "gnu-javamail-exception",
	"GPL-3.0-linking-exception", "GPL-3.0-linking-source-exception", "GPL-CC-1.0",
	"GStreamer-exception-2005", "GStreamer-exception-2008", "i2p-gpl-java-exception",
	"LGPL-3.0-linking-exception", "Libtool-exception", "Linux-syscall-note",
	"LLVM-exception", "LZMA-exception", "mif-exception", "OCaml-LGPL-linking-exception",
	"OCCT-exception-1.0", "OpenJDK-assembly-exception-1.0", "openvpn-openssl-exception",
	"PS-or-PDF-font-exception-20170817", "Qt-GPL-exception-1.0", "Qt-LGPL-exception-1.1",
	"Qwt-exception-1.0", "SANE-exception", "SHL-2.0", "SHL-2.1", "Swift-exception",
	"Texinfo-exception", "u-boot-exception-2.0", "Universal-FOSS-exception-1.0",
	"WxWindows-exception-3.1",
};

#define COUNT(a) (sizeof(a) / sizeof *(a))

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive order of s[0..n) against the NUL-terminated id. */
static int ci_cmp(const char *s, size_t n, const char *id)
{
	size_t i = 0;
	for (; i < n && id[i]; i++) {
		char a = lower(s[i]), b = lower(id[i]);
		if (a != b)
			return (unsigned char)a < (unsigned char)b ? -1 : 1;
	}
	if (i < n)
		return 1;
	return id[i] ? -1 : 0;
}

static const char *find(const char *const *list, size_t count, const char *s, size_t n)
{
	size_t lo = 0, hi = count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = ci_cmp(s, n, list[mid]);
		if (c == 0)
			return list[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static const char *find_license(const char *s, size_t n)
{
	const char *id = find(licenses, COUNT(licenses), s, n);
	return id ? id : find(deprecated_licenses, COUNT(deprecated_licenses), s, n);
}

static bool idstring(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '-'))
			return false;
	}
	return true;
}

/* `<prefix><idstring>` with the prefix matched case-sensitively, as SPDX writes it. */
static bool ref(const char *s, size_t n, const char *prefix)
{
	size_t p = strlen(prefix);
	return n > p && memcmp(s, prefix, p) == 0 && idstring(s + p, n - p);
}

static bool license_ref(const char *s, size_t n)
{
	if (ref(s, n, "LicenseRef-"))
		return true;
	const char *colon = memchr(s, ':', n);
	if (!colon)
		return false;
	size_t d = (size_t)(colon - s);
	return ref(s, d, "DocumentRef-") && ref(colon + 1, n - d - 1, "LicenseRef-");
}

static bool word_is(const char *s, size_t n, const char *upper)
{
	size_t k = strlen(upper);
	if (n != k)
		return false;
	if (memcmp(s, upper, k) == 0)
		return true;
	for (size_t i = 0; i < k; i++)
		if (s[i] != (char)(upper[i] - 'A' + 'a'))
			return false;
	return true;
}

static void put_token(mr_buf *b, const char *s, size_t n)
{
	enum { MAX_SHOWN = 40 };
	mr_buf_putc(b, '\'');
	for (size_t i = 0; i < n && i < MAX_SHOWN; i++) {
		unsigned char c = (unsigned char)s[i];
		mr_buf_putc(b, c >= 0x20 && c < 0x7f ? (char)c : '?');
	}
	if (n > MAX_SHOWN)
		mr_buf_puts(b, "...");
	mr_buf_putc(b, '\'');
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

enum state { OPERAND, AFTER, EXCEPTION };

static int fail(mr_buf *why, const char *msg, const char *tok, size_t n)
{
	if (why) {
		mr_buf_puts(why, msg);
		if (tok) {
			mr_buf_putc(why, ' ');
			put_token(why, tok, n);
		}
	}
	return -1;
}

static int unknown_license(mr_buf *why, const char *s, size_t n)
{
	if (!why)
		return -1;
	fail(why, "unknown license id", s, n);
	char *copy = mr_xstrndup(s, n);
	const char *hint = mr_spdx_suggest(copy);
	free(copy);
	if (hint)
		mr_buf_printf(why, " (did you mean '%s'?)", hint);
	return -1;
}

int mr_spdx_check(const char *expr, mr_buf *why)
{
	enum state st = OPERAND;
	bool can_with = false;
	size_t depth = 0;
	const char *p = expr;

	if (!expr)
		return fail(why, "empty license expression", NULL, 0);
	for (;;) {
		while (is_space(*p))
			p++;
		if (!*p)
			break;
		if (*p == '(') {
			if (st != OPERAND)
				return fail(why, "expected AND, OR or WITH before", "(", 1);
			depth++;
			p++;
			continue;
		}
		if (*p == ')') {
			if (st != AFTER)
				return fail(why, st == EXCEPTION ? "expected an exception id before"
								 : "expected a license id before",
					    ")", 1);
			if (depth == 0)
				return fail(why, "unbalanced", ")", 1);
			depth--;
			can_with = false;
			p++;
			continue;
		}
		const char *w = p;
		while (*p && !is_space(*p) && *p != '(' && *p != ')')
			p++;
		size_t n = (size_t)(p - w);
		switch (st) {
		case AFTER:
			if (word_is(w, n, "AND") || word_is(w, n, "OR")) {
				st = OPERAND;
			} else if (word_is(w, n, "WITH")) {
				if (!can_with)
					return fail(why, "WITH must follow a single license id, not", w, n);
				st = EXCEPTION;
			} else {
				return fail(why, "expected AND, OR or WITH before", w, n);
			}
			break;
		case OPERAND:
			if (word_is(w, n, "AND") || word_is(w, n, "OR") || word_is(w, n, "WITH"))
				return fail(why, "expected a license id before", w, n);
			if (!license_ref(w, n)) {
				size_t k = n > 1 && w[n - 1] == '+' ? n - 1 : n;
				if (!find_license(w, k))
					return unknown_license(why, w, n);
			}
			st = AFTER;
			can_with = true;
			break;
		case EXCEPTION:
			if (!find(exceptions, COUNT(exceptions), w, n) && !ref(w, n, "AdditionRef-"))
				return fail(why, "unknown license exception id", w, n);
			st = AFTER;
			can_with = false;
			break;
		}
	}
	if (st == OPERAND) {
		bool blank = true;
		for (const char *q = expr; *q && blank; q++)
			blank = is_space(*q);
		return fail(why, blank ? "empty license expression" : "expected a license id at the end", NULL, 0);
	}
	if (st == EXCEPTION)
		return fail(why, "expected an exception id after WITH", NULL, 0);
	if (depth)
		return fail(why, "unbalanced '(': missing ')'", NULL, 0);
	return 0;
}

bool mr_spdx_valid(const char *expr)
{
	return mr_spdx_check(expr, NULL) == 0;
}

/* Informal names people write for licenses, lowercase, mapped to SPDX ids. */
static const struct {
	const char *name, *id;
} informal[] = {
	{"agplv3", "AGPL-3.0-only"},   {"apache", "Apache-2.0"},     {"apache 2", "Apache-2.0"},
	{"apache 2.0", "Apache-2.0"},  {"apache-2", "Apache-2.0"},   {"apache2", "Apache-2.0"},
	{"apache2.0", "Apache-2.0"},   {"boost", "BSL-1.0"},         {"bsd-2", "BSD-2-Clause"},
	{"bsd-3", "BSD-3-Clause"},     {"cc0", "CC0-1.0"},           {"gpl-2", "GPL-2.0-only"},
	{"gpl-3", "GPL-3.0-only"},     {"gplv2", "GPL-2.0-only"},    {"gplv2+", "GPL-2.0-or-later"},
	{"gplv3", "GPL-3.0-only"},     {"gplv3+", "GPL-3.0-or-later"}, {"lgplv2.1", "LGPL-2.1-only"},
	{"lgplv3", "LGPL-3.0-only"},   {"mit license", "MIT"},       {"mpl2", "MPL-2.0"},
	{"public domain", "Unlicense"},
};

const char *mr_spdx_suggest(const char *id)
{
	if (!id)
		return NULL;
	size_t n = strlen(id);
	const char *known = find_license(id, n);
	if (known)
		return known;
	for (size_t i = 0; i < COUNT(informal); i++)
		if (ci_cmp(id, n, informal[i].name) == 0)
			return informal[i].id;
	if (n > MR_SUGGEST_MAX)
		return NULL;

	/* Compare in lower case, then map the winner back to its canonical spelling. */
	const size_t total = COUNT(licenses) + COUNT(deprecated_licenses);
	char **low = mr_xcalloc(total, sizeof *low);
	const char **canon = mr_xcalloc(total, sizeof *canon);
	for (size_t i = 0; i < total; i++) {
		canon[i] = i < COUNT(licenses) ? licenses[i] : deprecated_licenses[i - COUNT(licenses)];
		low[i] = mr_xstrdup(canon[i]);
		for (char *c = low[i]; *c; c++)
			*c = lower(*c);
	}
	char *word = mr_xstrdup(id);
	for (char *c = word; *c; c++)
		*c = lower(*c);
	const char *best = mr_suggest(word, (const char *const *)low, total);
	const char *result = NULL;
	for (size_t i = 0; i < total; i++) {
		if (low[i] == best)
			result = canon[i];
		free(low[i]);
	}
	free(low);
	free(canon);
	free(word);
	return result;
}

const char *mr_spdx_known_license(size_t i)
{
	if (i < COUNT(licenses))
		return licenses[i];
	i -= COUNT(licenses);
	return i < COUNT(deprecated_licenses) ? deprecated_licenses[i] : NULL;
}

const char *mr_spdx_known_exception(size_t i)
{
	return i < COUNT(exceptions) ? exceptions[i] : NULL;
}
