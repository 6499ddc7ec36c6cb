/* test_sha256.c — FIPS 180-4 / NIST example vectors, and the incremental
 * interface fed in awkward pieces must agree with the one-shot one.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "sha256.h"
#include "util.h"

static void expect_hex(const char *msg, size_t len, const char *want)
{
	char hex[65];
	mr_sha256_hex(msg, len, hex);
	cr_assert_str_eq(hex, want, "sha256 of %zu bytes", len);
}

Test(sha256, empty)
{
	expect_hex("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

Test(sha256, abc)
{
	expect_hex("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

Test(sha256, two_blocks_448_bits)
{
	const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	expect_hex(m, strlen(m), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

Test(sha256, vector_896_bits)
{
	const char *m = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
			"ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	expect_hex(m, strlen(m), "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

Test(sha256, million_a)
{
	size_t n = 1000000;
	char *m = mr_xmalloc(n);
	memset(m, 'a', n);
	expect_hex(m, n, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(m);
}

Test(sha256, million_a_incremental_odd_chunks)
{
	static const char want[] = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
	char chunk[997];
	memset(chunk, 'a', sizeof chunk);
	mr_sha256_ctx c;
	mr_sha256_init(&c);
	size_t left = 1000000;
	while (left) {
		size_t n = left < sizeof chunk ? left : sizeof chunk;
		mr_sha256_update(&c, chunk, n);
		left -= n;
	}
	uint8_t d[32];
	mr_sha256_final(&c, d);
	char hex[65];
	for (int i = 0; i < 32; i++) {
		hex[2 * i] = "0123456789abcdef"[d[i] >> 4];
		hex[2 * i + 1] = "0123456789abcdef"[d[i] & 15];
	}
	hex[64] = '\0';
	cr_assert_str_eq(hex, want);
}

/* Every split point and every length around the padding boundaries (55, 56, 63, 64). */
Test(sha256, split_anywhere_matches_one_shot)
{
	uint8_t msg[200];
	for (size_t i = 0; i < sizeof msg; i++)
		msg[i] = (uint8_t)(i * 7 + 3);
	for (size_t len = 0; len <= sizeof msg; len++) {
		uint8_t whole[32];
		mr_sha256(msg, len, whole);
		for (size_t cut = 0; cut <= len; cut++) {
			mr_sha256_ctx c;
			uint8_t part[32];
			mr_sha256_init(&c);
			mr_sha256_update(&c, msg, cut);
			mr_sha256_update(&c, NULL, 0);
			mr_sha256_update(&c, msg + cut, len - cut);
			mr_sha256_final(&c, part);
			cr_assert(memcmp(whole, part, 32) == 0, "len %zu cut %zu", len, cut);
		}
	}
}

Test(sha256, boundary_lengths_differ)
{
	/* 55 and 56 bytes straddle the one-block/two-block padding split. */
	char a[65], b[65];
	mr_sha256_hex("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 55, a);
	mr_sha256_hex("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 56, b);
	cr_assert_str_eq(a, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
	cr_assert_str_eq(b, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
}
