/* secret.h — recognise credentials in manifest values (`leaked-secret`) and
 * config keys named like secrets (`unmarked-secret`), and show a value in a message
 * without them.  No state, linear time in the input; only mr_secret_shown allocates.
 */
#ifndef MR_SECRET_H
#define MR_SECRET_H

#include <stdbool.h>
#include <stddef.h>

/* Looks for a credential anywhere in s[0..len) (s need not be NUL-terminated
 * and may contain NUL bytes).  Returns NULL when none is found, else a static
 * human-readable name of the first kind checked that matches:
 *   "private key"        -----BEGIN [...] PRIVATE KEY-----
 *   "AWS access key id"  AKIA or ASIA + 16 of [A-Z0-9], standing alone
 *   "GitHub token"       ghp_ gho_ ghu_ ghs_ ghr_ + 36 of [A-Za-z0-9]; github_pat_ + 22 of [A-Za-z0-9_]
 *   "Slack token"        xoxa- xoxb- xoxp- xoxr- xoxs- + 10 of [A-Za-z0-9-]
 *   "Google API key"     AIza + 35 of [A-Za-z0-9_-]
 *   "JSON web token"     eyJ... . ... . ... (three base64url segments)
 *   "password in a URL"  scheme://user:password@host (user may be empty)
 * The returned name never contains any of the matched text.  A URL password
 * that is a placeholder (starts with $, {, < or is all '*') is not reported. */
const char *mr_secret_kind(const char *s, size_t len);

/* s[0..len) fit for a one-line message (heap): control characters escaped as \xNN, cut
 * after max_chars characters (on a character boundary, so the text stays UTF-8) with
 * "...", and a value that looks like a credential replaced by a note that says so. */
char *mr_secret_shown(const char *s, size_t len, size_t max_chars);

/* True when a config key's name says it holds a secret.  The key is split into
 * words at every non-alphanumeric byte, lower-to-upper case changes (authToken),
 * acronym ends (APIKey) and letter/digit changes; a word must match whole, so
 * "tokenizerModel" is not a secret.  The name is secret-like when its last
 * word (digit-only words do not count) is password(s), passwd, secret(s),
 * token(s), credential(s), apikey or privatekey, or is key(s) with an
 * earlier word api, private or secret: "dbPassword", "API_KEY", "secretAccessKey" yes;
 * "tokenTtl", "passwordMinLength", "privateKeyPath" no.  NULL is false. */
bool mr_secret_key_name(const char *key);

#endif
