/* suggest.c — optimal string alignment (restricted Damerau-Levenshtein)
 * distance with three rolling rows, and an early stop once a row shows the
 * pair cannot beat the best distance so far.
 */
#include "suggest.h"

#include <stdint.h>
#include <string.h>

static size_t min2(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* Distance of a[0..la) and b[0..lb), or limit + 1 as soon as it must exceed limit. */
static size_t osa(const char *a, size_t la, const char *b, size_t lb, size_t limit)
{
	size_t rows[3][MR_SUGGEST_MAX + 1];
	size_t *pp = rows[0], *prev = rows[1], *cur = rows[2];

	if ((la > lb ? la - lb : lb - la) > limit)
		return limit + 1;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	size_t prev_best = 0;
	for (size_t i = 1; i <= la; i++) {
		size_t best = cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t d = min2(min2(prev[j] + 1, cur[j - 1] + 1), prev[j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
				d = min2(d, pp[j - 2] + 1);
			cur[j] = d;
			best = min2(best, d);
		}
		/* Every later cell descends from some cell of this row or the one
		 * before (through a swap), so both rows above the limit end it. */
		if (best > limit && prev_best > limit)
			return limit + 1;
		prev_best = best;
		size_t *t = pp;
		pp = prev;
		prev = cur;
		cur = t;
	}
	return min2(prev[lb], limit + 1);
}

size_t mr_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > MR_SUGGEST_MAX || lb > MR_SUGGEST_MAX)
		return SIZE_MAX;
	return osa(a, la, b, lb, MR_SUGGEST_MAX);
}

const char *mr_suggest(const char *word, const char *const *candidates, size_t n)
{
	const char *best = NULL;
	size_t lw, limit;

	if (!word || !candidates)
		return NULL;
	lw = strnlen(word, MR_SUGGEST_MAX + 1);
	if (lw > MR_SUGGEST_MAX)
		return NULL;
	limit = lw / 3 > 1 ? lw / 3 : 1;
	for (size_t k = 0; k < n; k++) {
		const char *c = candidates[k];
		if (!c)
			continue;
		size_t lc = strnlen(c, MR_SUGGEST_MAX + 1);
		if (lc > MR_SUGGEST_MAX)
			continue;
		size_t d = osa(word, lw, c, lc, limit);
		if (d <= limit) {
			best = c;
			if (d == 0)
				break;
			limit = d - 1;   /* ties keep the first: only strictly better replaces it */
		}
	}
	return best;
}
