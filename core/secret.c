/* secret.c — credential detectors.  Each detector is one left-to-right pass
 * whose inner scans either have a fixed bound or never overlap each other, so
 * the whole check stays linear even on adversarial input.
 */
#include "secret.h"

#include "util.h"

#include <stdint.h>
#include <string.h>

static bool is_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static bool is_lower(unsigned char c) { return c >= 'a' && c <= 'z'; }
static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static bool is_alnum(unsigned char c) { return is_upper(c) || is_lower(c) || is_digit(c); }
static bool is_b64url(unsigned char c) { return is_alnum(c) || c == '-' || c == '_'; }

static bool has_at(const char *s, size_t len, size_t i, const char *lit)
{
	size_t n = strlen(lit);
	return i <= len && len - i >= n && memcmp(s + i, lit, n) == 0;
}

/* Counts how many of s[i..] satisfy ok, stopping at max. */
static size_t run(const char *s, size_t len, size_t i, bool (*ok)(unsigned char), size_t max)
{
	size_t k = 0;
	while (i + k < len && k < max && ok((unsigned char)s[i + k]))
		k++;
	return k;
}

/* A token must not be glued to the end of a longer word. */
static bool starts_word(const char *s, size_t i)
{
	return i == 0 || !is_alnum((unsigned char)s[i - 1]);
}

static bool pem_char(unsigned char c) { return is_upper(c) || c == ' '; }

static bool find_pem(const char *s, size_t len)
{
	static const char head[] = "-----BEGIN ";
	static const char tail[] = "PRIVATE KEY-----";
	for (size_t i = 0; i + sizeof head - 1 <= len; i++) {
		if (!has_at(s, len, i, head))
			continue;
		/* "RSA ", "EC ", "OPENSSH ", "ENCRYPTED " ... before PRIVATE KEY: bounded. */
		size_t j = i + sizeof head - 1;
		size_t words = run(s, len, j, pem_char, 48);
		for (size_t k = 0; k <= words; k++)
			if ((k == 0 || s[j + k - 1] == ' ') && has_at(s, len, j + k, tail))
				return true;
	}
	return false;
}

static bool upper_or_digit(unsigned char c) { return is_upper(c) || is_digit(c); }

static bool find_aws(const char *s, size_t len)
{
	for (size_t i = 0; i + 20 <= len; i++) {
		if ((has_at(s, len, i, "AKIA") || has_at(s, len, i, "ASIA")) && starts_word(s, i) &&
		    run(s, len, i + 4, upper_or_digit, 16) == 16 &&
		    (i + 20 == len || !is_alnum((unsigned char)s[i + 20])))
			return true;
	}
	return false;
}

static bool pat_char(unsigned char c) { return is_alnum(c) || c == '_'; }
static bool alnum_u(unsigned char c) { return is_alnum(c); }

static bool find_github(const char *s, size_t len)
{
	for (size_t i = 0; i + 4 <= len; i++) {
		if (s[i] != 'g' || !starts_word(s, i))
			continue;
		if (s[i + 1] == 'h' && s[i + 2] && strchr("pousr", s[i + 2]) && s[i + 3] == '_' &&
		    run(s, len, i + 4, alnum_u, 36) == 36)
			return true;
		if (has_at(s, len, i, "github_pat_") && run(s, len, i + 11, pat_char, 22) == 22)
			return true;
	}
	return false;
}

static bool slack_char(unsigned char c) { return is_alnum(c) || c == '-'; }

static bool find_slack(const char *s, size_t len)
{
	for (size_t i = 0; i + 5 <= len; i++) {
		if (has_at(s, len, i, "xox") && s[i + 3] && strchr("abprs", s[i + 3]) && s[i + 4] == '-' &&
		    starts_word(s, i) && run(s, len, i + 5, slack_char, 10) == 10)
			return true;
	}
	return false;
}

static bool google_char(unsigned char c) { return is_b64url(c); }

static bool find_google(const char *s, size_t len)
{
	for (size_t i = 0; i + 39 <= len; i++) {
		if (has_at(s, len, i, "AIza") && starts_word(s, i) && run(s, len, i + 4, google_char, 35) == 35)
			return true;
	}
	return false;
}

static bool b64url_u(unsigned char c) { return is_b64url(c); }

static bool find_jwt(const char *s, size_t len)
{
	enum { MIN_PART = 10 };
	for (size_t i = 0; i + 3 <= len; i++) {
		if (!has_at(s, len, i, "eyJ") || (i > 0 && is_b64url((unsigned char)s[i - 1])))
			continue;
		size_t h = run(s, len, i, b64url_u, SIZE_MAX);
		size_t j = i + h;
		if (h >= MIN_PART && j < len && s[j] == '.') {
			size_t p = run(s, len, j + 1, b64url_u, SIZE_MAX);
			size_t k = j + 1 + p;
			if (p >= MIN_PART && k < len && s[k] == '.' && run(s, len, k + 1, b64url_u, 1) == 1)
				return true;
		}
		/* A later "eyJ" inside this header run would see the same dots and a
		 * shorter header, so it cannot match either: skip the run. */
		i = j - 1;
	}
	return false;
}

static bool url_placeholder(const char *p, size_t n)
{
	if (p[0] == '$' || p[0] == '{' || p[0] == '<')
		return true;
	for (size_t i = 0; i < n; i++)
		if (p[i] != '*')
			return false;
	return true;
}

static bool url_stop(unsigned char c)
{
	return c == '/' || c == '?' || c == '#' || c == '@' || c <= ' ' || c == 0x7f;
}

static bool find_url_password(const char *s, size_t len)
{
	for (size_t i = 1; i + 3 <= len; i++) {
		if (!has_at(s, len, i, "://") || !is_alnum((unsigned char)s[i - 1]))
			continue;
		/* The userinfo scan stops at '/', so it never reaches the next "://". */
		size_t u = i + 3, e = u, colon = 0;
		while (e < len && !url_stop((unsigned char)s[e])) {
			if (s[e] == ':' && !colon)
				colon = e;
			e++;
		}
		if (e < len && s[e] == '@' && colon && e > colon + 1 && e + 1 < len &&
		    !url_stop((unsigned char)s[e + 1]) && !url_placeholder(s + colon + 1, e - colon - 1))
			return true;
		i = e > i ? e - 1 : i;
	}
	return false;
}

const char *mr_secret_kind(const char *s, size_t len)
{
	if (!s)
		return NULL;
	if (find_pem(s, len))
		return "private key";
	if (find_aws(s, len))
		return "AWS access key id";
	if (find_github(s, len))
		return "GitHub token";
	if (find_slack(s, len))
		return "Slack token";
	if (find_google(s, len))
		return "Google API key";
	if (find_jwt(s, len))
		return "JSON web token";
	if (find_url_password(s, len))
		return "password in a URL";
	return NULL;
}

/* ---- key names ---- */

/* Case-insensitive comparison of the word s[0..n) with a lowercase literal. */
static bool word_is(const char *s, size_t n, const char *lit)
{
	if (strlen(lit) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (is_upper(c))
			c = (unsigned char)(c - 'A' + 'a');
		if (c != (unsigned char)lit[i])
			return false;
	}
	return true;
}

static bool word_in(const char *s, size_t n, const char *const *list)
{
	for (; *list; list++)
		if (word_is(s, n, *list))
			return true;
	return false;
}

/* Is there a word boundary between s[i-1] and s[i]? */
static bool boundary(const char *s, size_t i)
{
	unsigned char a = (unsigned char)s[i - 1], b = (unsigned char)s[i];
	if (is_lower(a) && is_upper(b))
		return true;                         /* authToken */
	if (is_upper(a) && is_upper(b) && is_lower((unsigned char)s[i + 1]))
		return true;                         /* APIKey: API | Key */
	if (is_digit(a) != is_digit(b) && is_alnum(a) && is_alnum(b))
		return true;                         /* token2 */
	return false;
}

static bool separator(unsigned char c)
{
	return !is_alnum(c);
}

bool mr_secret_key_name(const char *key)
{
	static const char *const heads[] = {"password", "passwords", "passwd", "secret", "secrets",
					    "token", "tokens", "credential", "credentials",
					    "apikey", "apikeys", "privatekey", "privatekeys", NULL};
	static const char *const key_words[] = {"key", "keys", NULL};
	static const char *const key_qualifiers[] = {"api", "private", "secret", NULL};
	const char *last = NULL;
	size_t last_n = 0;
	bool qualified = false;      /* an api/private/secret word before the last word */
	bool pending_qualifier = false;

	if (!key)
		return false;
	for (size_t i = 0; key[i];) {
		while (key[i] && separator((unsigned char)key[i]))
			i++;
		if (!key[i])
			break;
		size_t b = i++;
		while (key[i] && !separator((unsigned char)key[i]) && !boundary(key, i))
			i++;
		size_t n = i - b;
		bool digits = true;
		for (size_t k = b; k < i; k++)
			digits = digits && is_digit((unsigned char)key[k]);
		if (digits)
			continue;
		if (last)
			qualified = qualified || pending_qualifier;
		pending_qualifier = word_in(key + b, n, key_qualifiers);
		last = key + b;
		last_n = n;
	}
	if (!last)
		return false;
	return word_in(last, last_n, heads) || (qualified && word_in(last, last_n, key_words));
}

char *mr_secret_shown(const char *s, size_t n, size_t max_chars)
{
	mr_buf b = MR_BUF_INIT;
	if (mr_secret_kind(s, n)) {
		mr_buf_puts(&b, "(a value that looks like a credential, not shown)");
		return mr_buf_detach(&b);
	}
	size_t i = 0;
	for (size_t chars = 0; i < n && chars < max_chars; chars++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch < 0x20 || ch == 0x7f) {
			mr_buf_printf(&b, "\\x%02x", ch);
			i++;
			continue;
		}
		size_t k = 1;
		while (i + k < n && ((unsigned char)s[i + k] & 0xC0) == 0x80) k++;
		mr_buf_add(&b, s + i, k);
		i += k;
	}
	if (i < n) mr_buf_puts(&b, "...");
	return mr_buf_detach(&b);
}
