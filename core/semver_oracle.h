/* semver_oracle.h — runs a node-semver conformance table against semver.h.
 *
 * The table is tab-separated text, one case per line (see
 * tests/data/semver/SOURCE):
 *   satisfies VERSION RANGE true|false   semver.satisfies(VERSION, RANGE)
 *   range     RANGE   valid|invalid      semver.validRange(RANGE) !== null
 *   version   VERSION valid|invalid      strict SemVer 2.0.0 (mr_semver_parse)
 *   compare   A B     -1|0|1             semver.compare(A, B)
 * Empty lines and lines starting with '#' are skipped.  A line of any other
 * shape counts as a failure.
 */
#ifndef MR_SEMVER_ORACLE_H
#define MR_SEMVER_ORACLE_H

#include <stddef.h>

#include "util.h"

/* Runs every case of the table at path.  *passed and *failed get the counts;
 * report (when not NULL) gets one line per failing case, of the form
 * "LINE: CASE: expected E, got G\n" where CASE is the line with tabs shown as
 * " | " and non-printable bytes as '?'.  Returns 0 when the table was read
 * (whatever the failures), -1 with errno set when it could not be. */
int mr_semver_oracle_run(const char *path, size_t *passed, size_t *failed, mr_buf *report);

#endif
