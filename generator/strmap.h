/* strmap.h — a string-keyed hash map with size_t values, for the generator's
 * lookups (module id -> index, used anchor ids, group names).  Keys are copied. */
#ifndef MR_STRMAP_H
#define MR_STRMAP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct mr_strmap mr_strmap;

/* Never NULL (allocation failure aborts). */
mr_strmap *mr_strmap_new(void);
/* NULL is a no-op. */
void mr_strmap_free(mr_strmap *m);
/* Sets key to value (replacing an existing value). */
void mr_strmap_put(mr_strmap *m, const char *key, size_t value);
/* true and *value (when value is not NULL) if key is present. */
bool mr_strmap_get(const mr_strmap *m, const char *key, size_t *value);
size_t mr_strmap_count(const mr_strmap *m);

#endif
