/* spdx.h — SPDX license expressions for the manifest's `license` field
 * (SPDX specification 2.3, annex D).
 *
 * Known ids come from an embedded list of commonly used SPDX license ids
 * (including deprecated ones such as GPL-2.0) and license exceptions; ids are
 * matched case-insensitively.  Also accepted: `LicenseRef-<idstring>`,
 * `DocumentRef-<idstring>:LicenseRef-<idstring>`, `AdditionRef-<idstring>`
 * after WITH, a `+` suffix on a license id, WITH, AND, OR (all upper or all
 * lower case) and parentheses.
 */
#ifndef MR_SPDX_H
#define MR_SPDX_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

/* True when expr is a valid expression ("MIT", "Apache-2.0 OR MIT",
 * "GPL-2.0-or-later WITH Classpath-exception-2.0", "(MIT AND BSD-3-Clause)").
 * NULL and "" are false. */
bool mr_spdx_valid(const char *expr);

/* Like mr_spdx_valid, returning 0 / -1.  On failure a short lowercase reason is
 * appended to why (when not NULL), with a suggestion when an unknown id is
 * close to a known one: "unknown license id 'Apache2' (did you mean
 * 'Apache-2.0'?)".  User text in the reason is shortened and made printable. */
int mr_spdx_check(const char *expr, mr_buf *why);

/* The known license id closest to id, in its canonical spelling (a static
 * string), or NULL when nothing is close.  A known id in another case gives
 * its canonical form ("apache-2.0" -> "Apache-2.0"); a few common informal
 * names are recognised ("GPLv3" -> "GPL-3.0-only", "Apache 2" -> "Apache-2.0");
 * otherwise mr_suggest's rule applies, ignoring case. */
const char *mr_spdx_suggest(const char *id);

/* The i-th embedded license id (deprecated ones last) or exception id, for
 * listing them; NULL past the end.  Static strings. */
const char *mr_spdx_known_license(size_t i);
const char *mr_spdx_known_exception(size_t i);

#endif
