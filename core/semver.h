/* semver.h — SemVer 2.0.0 versions and node-semver 7 version ranges.
 *
 * Versions are strict SemVer 2.0.0.  Ranges follow node-semver 7.8 (the npm
 * `semver` package) in its default, non-loose mode: `^ ~ ~> > >= < <= =`,
 * x-ranges (`1.x`, `1.2.*`, `*`, `X`, ""), hyphen ranges (`1.2 - 3`),
 * whitespace for "and", `||` for "or", partial versions and pre-release
 * tags, including npm's quirks about which odd strings are accepted and its
 * pre-release rule: a pre-release version satisfies a range only if some
 * comparator in the matching set carries a pre-release on the same
 * major.minor.patch.  tests/data/semver/node-semver-oracle.tsv records
 * node-semver's own answers; this module passes all of it.
 *
 * Any bytes are safe as input, of any length: parsing is linear in the input
 * and uses no fixed-size buffers.  Status: 0 success, -1 failure.
 */
#ifndef MR_SEMVER_H
#define MR_SEMVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Numeric parts never exceed MR_SEMVER_MAX_NUMBER (2^53 - 1, JavaScript's
 * Number.MAX_SAFE_INTEGER, the limit node-semver enforces); a version text is
 * at most MR_SEMVER_MAX_LENGTH bytes, node-semver's MAX_LENGTH. */
#define MR_SEMVER_MAX_NUMBER 9007199254740991ULL
#define MR_SEMVER_MAX_LENGTH 256

typedef struct mr_semver {
	uint64_t major, minor, patch;
	char *pre;   /* NULL, or the pre-release without its '-', e.g. "alpha.1" (heap) */
	char *build; /* NULL, or the build metadata without its '+' (heap) */
} mr_semver;

/* Parses exactly s[0..len) as a strict SemVer 2.0.0 version: no "v" or "="
 * prefix, no surrounding spaces, no leading zeros in numeric parts or numeric
 * pre-release identifiers, no empty identifiers, numeric parts at most
 * MR_SEMVER_MAX_NUMBER and at most MR_SEMVER_MAX_LENGTH bytes in all.
 * Returns 0 and fills *out (release it with mr_semver_release), or -1 and
 * leaves *out zeroed. */
int mr_semver_parse(const char *s, size_t len, mr_semver *out);

/* Parses like node-semver's `new SemVer(s)`: as mr_semver_parse, but
 * surrounding (JavaScript) whitespace and one leading "v" are accepted; the
 * length limit applies to the text before trimming.  Used to read versions
 * the way `semver.satisfies` and `semver.compare` do.  0 / -1 as above. */
int mr_semver_parse_node(const char *s, size_t len, mr_semver *out);

/* Frees v's strings and zeroes it; NULL and a zeroed struct are harmless. */
void mr_semver_release(mr_semver *v);

/* SemVer precedence as node-semver's `semver.compare(a, b)`: -1, 0 or 1.
 * Build metadata is ignored.  Like node-semver, numeric pre-release
 * identifiers at or above 2^53 - 1 are compared as JavaScript numbers (so
 * two such identifiers that round to the same double compare equal). */
int mr_semver_compare(const mr_semver *a, const mr_semver *b);

/* "1.2.3", "1.2.3-pre", "1.2.3+build" or "1.2.3-pre+build" as a new heap
 * string; the caller frees it. */
char *mr_semver_format(const mr_semver *v);

/* A parsed range: a union of sets of comparators (opaque). */
typedef struct mr_range mr_range;

/* Parses s[0..len) as node-semver's `semver.validRange(s)` (non-loose,
 * pre-releases not included) would.  Returns a new range to be freed with
 * mr_range_free, or NULL when node-semver would call it invalid. */
mr_range *mr_range_parse(const char *s, size_t len);

/* Whether v satisfies r, as `semver.satisfies(v, r)`. */
bool mr_range_satisfies(const mr_range *r, const mr_semver *v);

/* Frees r; NULL is a no-op. */
void mr_range_free(mr_range *r);

#endif
