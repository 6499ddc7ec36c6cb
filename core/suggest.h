/* suggest.h — "did you mean" for unknown keys, relationship targets and
 * license ids: the closest candidate by edit distance, when it is close.
 */
#ifndef MR_SUGGEST_H
#define MR_SUGGEST_H

#include <stddef.h>

/* Distance counts insertions, deletions, substitutions and swaps of two
 * adjacent bytes (optimal string alignment), case-sensitive, on bytes.
 * Returns the candidate (one of the given pointers, not a copy) with the
 * smallest distance, the first one on ties, provided that distance is at most
 * max(1, strlen(word) / 3); otherwise NULL.  An exact match is returned too.
 * Words and candidates longer than MR_SUGGEST_MAX bytes are never matched,
 * which bounds the work per pair; NULL candidates are skipped.  No allocation. */
#define MR_SUGGEST_MAX 256
const char *mr_suggest(const char *word, const char *const *candidates, size_t n);

/* The optimal string alignment distance itself, or SIZE_MAX when either
 * string is longer than MR_SUGGEST_MAX bytes. */
size_t mr_edit_distance(const char *a, const char *b);

#endif
