/* util.h — memory, growable buffers and small string helpers used everywhere.
 *
 * Allocation: every allocation in modreg goes through mr_xmalloc() and friends.
 * They check the result once, here: on exhaustion they call abort() (as git's
 * xmalloc and redis' zmalloc do), so callers never see NULL from them.
 *
 * Status convention for the whole code base: functions that can fail return
 * 0 on success and -1 on failure; functions returning pointers return NULL.
 */
#ifndef MR_UTIL_H
#define MR_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void *mr_xmalloc(size_t n);
void *mr_xcalloc(size_t n, size_t size);
void *mr_xrealloc(void *p, size_t n);
/* reallocarray with overflow check; aborts on overflow or exhaustion */
void *mr_xreallocarray(void *p, size_t n, size_t size);
char *mr_xstrdup(const char *s);
/* FNV-1a of a NUL-terminated string: for hash tables, never for anything secret.
 * mr_str_hash_add continues a hash h with the bytes of s (MR_STR_HASH_BASIS to start). */
#define MR_STR_HASH_BASIS 1469598103934665603u
uint64_t mr_str_hash_add(uint64_t h, const char *s);
/* The same, for fingerprints of several texts: each one followed by a byte no text holds
 * (0xff: not UTF-8), so that "ab","c" differs from "a","bc"; NULL hashes as a byte of its
 * own.  mr_hash_u64 goes on with the 8 bytes of v. */
uint64_t mr_hash_str(uint64_t h, const char *s);
uint64_t mr_hash_u64(uint64_t h, uint64_t v);
uint64_t mr_str_hash(const char *s);
char *mr_xstrndup(const char *s, size_t n);
/* printf into a new heap string; the caller frees it */
char *mr_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Grow an array so it can hold at least `need` items (amortised doubling). */
#define MR_GROW(ptr, cap, need)                                                       \
	do {                                                                          \
		if ((size_t)(need) > (cap)) {                                         \
			size_t nc_ = (cap) ? (cap) * 2 : 8;                           \
			while (nc_ < (size_t)(need)) nc_ *= 2;                        \
			(ptr) = mr_xreallocarray((ptr), nc_, sizeof *(ptr));          \
			(cap) = nc_;                                                  \
		}                                                                     \
	} while (0)

/* A growable byte buffer, always NUL-terminated when len > 0 or after any append. */
typedef struct mr_buf {
	char *data;   /* bytes; NULL until the first append */
	size_t len;   /* bytes in use, not counting the terminating NUL */
	size_t cap;   /* bytes allocated */
} mr_buf;

#define MR_BUF_INIT {NULL, 0, 0}
void mr_buf_init(mr_buf *b);
void mr_buf_release(mr_buf *b);             /* frees the data; the buffer is empty again */
void mr_buf_reset(mr_buf *b);               /* len = 0, keeps the allocation */
void mr_buf_grow(mr_buf *b, size_t extra);  /* room for extra more bytes */
void mr_buf_add(mr_buf *b, const void *p, size_t n);
void mr_buf_puts(mr_buf *b, const char *s);
void mr_buf_putc(mr_buf *b, char c);
void mr_buf_printf(mr_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mr_buf_vprintf(mr_buf *b, const char *fmt, va_list ap);
/* v as printf's "%.2f" writes it, byte for byte, but without printf's slow path in the
 * common case (the site's graphs print tens of numbers per edge) */
void mr_buf_fixed2(mr_buf *b, double v);
/* Returns the data (never NULL: "" for an empty buffer) and gives up ownership. */
char *mr_buf_detach(mr_buf *b);
/* data as a C string, "" when empty; still owned by the buffer */
const char *mr_buf_str(const mr_buf *b);

/* HTML-escape &<>"' into b */
void mr_buf_html_escape(mr_buf *b, const char *s, size_t n);
/* JSON string literal with quotes */
void mr_buf_json_string(mr_buf *b, const char *s, size_t n);

/* An arena: many small allocations freed at once. */
typedef struct mr_arena mr_arena;
mr_arena *mr_arena_new(void); /* blocks of 16 KiB, doubling up to 1 MiB */
/* an arena whose first block holds first_block bytes, later ones a quarter of that (or
 * the allocation, when larger) */
mr_arena *mr_arena_new_sized(size_t first_block);
void mr_arena_free(mr_arena *a);            /* NULL is a no-op */
void *mr_arena_alloc(mr_arena *a, size_t n); /* zeroed, aligned to 16 */
char *mr_arena_strndup(mr_arena *a, const char *s, size_t n); /* unaligned */
char *mr_arena_strdup(mr_arena *a, const char *s);
size_t mr_arena_used(const mr_arena *a);

/* strings */
bool mr_str_has_prefix(const char *s, const char *prefix);
bool mr_str_has_suffix(const char *s, const char *suffix);
int mr_strcmp_ptr(const void *a, const void *b); /* qsort over char * arrays */
/* Valid UTF-8 without NUL bytes? */
bool mr_utf8_valid(const char *s, size_t n);
/* Number of code points (invalid bytes count as one each) */
size_t mr_utf8_length(const char *s, size_t n);

/* files */
/* Read a whole regular file without blocking on FIFOs/devices.  max: larger files fail
 * with errno = EFBIG.  *out is NUL-terminated, caller frees.  0 / -1 with errno set. */
int mr_read_file(const char *path, size_t max, char **out, size_t *len);
/* path's temporary name, path.tmp.PID, where a new version is written before it takes
 * path's place (heap; a killed process's are removed by the next sync) */
char *mr_temp_name(const char *path);
/* Write data atomically: temp file in the same directory, fsync-free rename.  When the
 * file already holds exactly these bytes, it is left alone and *changed = false. */
int mr_write_file_atomic(const char *path, const void *data, size_t len, bool *changed);
/* mkdir -p */
int mr_mkdirs(const char *path, unsigned mode);
/* Join two path parts with one '/' (new heap string) */
char *mr_path_join(const char *a, const char *b);
/* Run fn(arg) in a detached thread of its own, or here when none can be started: for
 * slow system calls off a hot path (freeing a large deleted file's blocks). */
void mr_in_background(void *(*fn)(void *), void *arg);
/* Editor leftovers and hidden names that are ignored everywhere (SPEC §1). */
bool mr_name_ignored(const char *name);

#endif
