/* test_secret.c — credential detection in values and secret-like key names.
 * All credentials below are made up (the AWS one is AWS's documented example).
 */
#include <criterion/criterion.h>
#include <string.h>
#include <time.h>

#include "secret.h"
#include "util.h"

static void kind(const char *s, const char *want)
{
	const char *got = mr_secret_kind(s, strlen(s));
	if (!want)
		cr_expect_null(got, "'%s' flagged as %s", s, got ? got : "");
	else
		cr_expect(got && strcmp(got, want) == 0, "'%s': want %s, got %s", s, want, got ? got : "NULL");
}

Test(secret, pem_private_keys)
{
	kind("-----BEGIN RSA PRIVATE KEY-----\nMIIEow...", "private key");
	kind("-----BEGIN PRIVATE KEY-----", "private key");
	kind("x: -----BEGIN OPENSSH PRIVATE KEY-----", "private key");
	kind("-----BEGIN ENCRYPTED PRIVATE KEY-----", "private key");
	kind("-----BEGIN EC PRIVATE KEY-----", "private key");
	kind("-----BEGIN PUBLIC KEY-----", NULL);
	kind("-----BEGIN CERTIFICATE-----", NULL);
	kind("-----BEGIN RSA PRIVATE KEY", NULL);
	kind("BEGIN RSA PRIVATE KEY-----", NULL);
}

Test(secret, aws)
{
	kind("AKIAIOSFODNN7EXAMPLE", "AWS access key id");
	kind("key=ASIAIOSFODNN7EXAMPLE;", "AWS access key id");
	kind("AKIAIOSFODNN7EXAMPL", NULL);        /* 15 after the prefix */
	kind("AKIAIOSFODNN7EXAMPLEX", NULL);      /* part of a longer word */
	kind("XAKIAIOSFODNN7EXAMPLE", NULL);
	kind("AKIAiosfodnn7example", NULL);
}

Test(secret, github)
{
	kind("ghp_0123456789abcdefghijABCDEFGHIJ012345", "GitHub token");
	kind("token: gho_0123456789abcdefghijABCDEFGHIJ012345xyz", "GitHub token");
	kind("ghu_0123456789abcdefghijABCDEFGHIJ012345", "GitHub token");
	kind("ghs_0123456789abcdefghijABCDEFGHIJ012345", "GitHub token");
	kind("ghr_0123456789abcdefghijABCDEFGHIJ012345", "GitHub token");
	kind("github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", "GitHub token");
	kind("ghp_0123456789abcdefghijABCDEFGHIJ01234", NULL);   /* 35 */
	kind("ghx_0123456789abcdefghijABCDEFGHIJ012345", NULL);
	kind("ghp_", NULL);
	kind("github_pat_short", NULL);
	kind("see github_pat docs", NULL);
}

Test(secret, slack)
{
	kind("xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "Slack token");
	kind("xoxp-1234567890", "Slack token");
	kind("xoxz-1234567890", NULL);
	kind("xoxb-123", NULL);
	kind("xoxb", NULL);
}

Test(secret, google)
{
	kind("AIzaSyA1234567890abcdefghijklmnopqrstuv", "Google API key");
	kind("AIzaSyA1234567890abcdefghijklmnopqrst", NULL);   /* 34 */
	kind("AIza is a prefix", NULL);
}

Test(secret, jwt)
{
	kind("Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
	     "JSON web token");
	kind("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0", NULL);     /* two segments */
	kind("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.", NULL);    /* empty signature */
	kind("eyJ.eyJ.sig", NULL);
	kind("keyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abc", NULL); /* not at a boundary */
	kind("version 1.2.3", NULL);
}

Test(secret, url_credentials)
{
	kind("postgres://app:hunter2@db.example.org:5432/crm", "password in a URL");
	kind("redis://:s3cr3t@cache:6379", "password in a URL");
	kind("https://user:pa%40ss@example.org", "password in a URL");
	kind("https://user@example.org", NULL);
	kind("ssh://git@example.org:22/repo.git", NULL);
	kind("https://example.org:8443/path", NULL);
	kind("https://example.org/a:b@c", NULL);
	kind("https://user:@example.org", NULL);
	kind("postgres://app:${DB_PASSWORD}@db/crm", NULL);
	kind("postgres://app:****@db/crm", NULL);
	kind("git@github.com:org/repo.git", NULL);
	kind("user:pass@host", NULL);
	kind("https://user:pass@", NULL);
}

Test(secret, plain_values)
{
	kind("", NULL);
	kind("Customer Relationship Management", NULL);
	kind("https://example.org/crm", NULL);
	kind("0 3 * * *", NULL);
	cr_assert_null(mr_secret_kind(NULL, 0));
}

Test(secret, respects_length_and_nul_bytes)
{
	const char s[] = "xx\0AKIAIOSFODNN7EXAMPLE";
	cr_assert_str_eq(mr_secret_kind(s, sizeof s - 1), "AWS access key id");
	cr_assert_null(mr_secret_kind(s, 2));
	/* the key cut short by len */
	cr_assert_null(mr_secret_kind(s, sizeof s - 2));
}

/* Inputs built to make a naive scanner quadratic must stay fast. */
Test(secret, adversarial_input_is_linear)
{
	static const char *const units[] = {"eyJ", "://a", "ghp_", "-----BEGIN ", "xoxb-!", "AKIA", "a:b"};
	size_t n = 1u << 20;
	char *s = mr_xmalloc(n);
	clock_t t0 = clock();
	for (size_t u = 0; u < sizeof units / sizeof *units; u++) {
		size_t ul = strlen(units[u]);
		for (size_t i = 0; i < n; i++)
			s[i] = units[u][i % ul];
		cr_expect_null(mr_secret_kind(s, n), "unit %s", units[u]);
	}
	/* one JWT header run of 1 MiB followed by the rest of a token */
	memset(s, 'A', n);
	memcpy(s, "eyJ", 3);
	cr_expect_null(mr_secret_kind(s, n));
	double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	free(s);
	cr_assert(secs < 5.0, "took %.1fs", secs);
}

Test(secret, key_names_positive)
{
	static const char *const yes[] = {
		"password", "dbPassword", "DB_PASSWORD", "adminPasswd", "clientSecret", "secret",
		"authToken", "accessToken", "github-token", "apiKey", "API_KEY", "apikey", "stripeApiKey",
		"APIKey", "privateKey", "private_key", "sshPrivateKey", "credentials", "awsCredential",
		"secretAccessKey", "secretKey", "token2", "OAuthToken", "config.api.key", "userPasswords",
	};
	for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
		cr_expect(mr_secret_key_name(yes[i]), "%s should look secret", yes[i]);
}

Test(secret, key_names_negative)
{
	static const char *const no[] = {
		"tokenizerModel", "tokenizer", "passwordMinLength", "tokenTtl", "privateKeyPath",
		"publicKey", "accessKey", "apiUrl", "keyboardLayout", "secretary", "apiKeyId",
		"syncInterval", "region", "", "___", "123", "keys", "key", "secretName",
	};
	for (size_t i = 0; i < sizeof no / sizeof *no; i++)
		cr_expect(!mr_secret_key_name(no[i]), "%s should not look secret", no[i]);
	cr_expect(!mr_secret_key_name(NULL));
}
