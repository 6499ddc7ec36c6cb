/* cron.h — checks `jobs[].schedule`: a classic five-field cron expression.
 *
 * Fields: minute 0-59, hour 0-23, day-of-month 1-31, month 1-12 or JAN-DEC,
 * weekday 0-7 (0 and 7 are Sunday) or SUN-SAT; names are case-insensitive.
 * Each field is a comma list of `*`, `*\/step`, `n`, `n/step` (n to the end of
 * the field's range), `a-b` and `a-b/step`.  Macros such as @daily, `?`, `L`,
 * `W` and `#` are not accepted.
 */
#ifndef MR_CRON_H
#define MR_CRON_H

#include "util.h"

/* Returns 0 when expr is a valid schedule, -1 otherwise.  On failure, and only
 * then, a short lowercase reason without a full stop is appended to why (when
 * why is not NULL), e.g. "field 2 (hour): 24 is out of range 0-23".  Any bytes
 * are safe as input; a NULL expr is invalid.  Quoted parts of the reason are
 * shortened and have non-printable bytes replaced, so it is safe to print. */
int mr_cron_check(const char *expr, mr_buf *why);

#endif
