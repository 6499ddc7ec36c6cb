/* util.c — checked allocation, growable buffers, arenas and file helpers.
 * Everything that allocates aborts on exhaustion, so no caller handles NULL. */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void oom(void)
{
	static const char msg[] = "modreg: out of memory\n";
	ssize_t r = write(2, msg, sizeof msg - 1);
	(void)r;
	abort();
}

void *mr_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p) oom();
	return p;
}

void *mr_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p) oom();
	return p;
}

void *mr_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q) oom();
	return q;
}

void *mr_xreallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size) oom();
	return mr_xrealloc(p, n * size);
}

char *mr_xstrdup(const char *s)
{
	return mr_xstrndup(s, strlen(s));
}

char *mr_xstrndup(const char *s, size_t n)
{
	char *p = mr_xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *mr_xasprintf(const char *fmt, ...)
{
	mr_buf b = MR_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	mr_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	return mr_buf_detach(&b);
}

/* ---- buffers ---- */

void mr_buf_init(mr_buf *b)
{
	b->data = NULL;
	b->len = b->cap = 0;
}

void mr_buf_release(mr_buf *b)
{
	free(b->data);
	mr_buf_init(b);
}

void mr_buf_reset(mr_buf *b)
{
	b->len = 0;
	if (b->data) b->data[0] = '\0';
}

void mr_buf_grow(mr_buf *b, size_t extra)
{
	if (extra > SIZE_MAX - b->len - 1) oom();
	size_t need = b->len + extra + 1;
	if (need <= b->cap) return;
	size_t nc = b->cap ? b->cap : 64;
	while (nc < need) {
		if (nc > SIZE_MAX / 2) { nc = need; break; }
		nc *= 2;
	}
	b->data = mr_xrealloc(b->data, nc);
	b->cap = nc;
}

void mr_buf_add(mr_buf *b, const void *p, size_t n)
{
	mr_buf_grow(b, n);
	if (n) memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void mr_buf_puts(mr_buf *b, const char *s)
{
	mr_buf_add(b, s, strlen(s));
}

void mr_buf_putc(mr_buf *b, char c)
{
	mr_buf_grow(b, 1);
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
}

void mr_buf_vprintf(mr_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	mr_buf_grow(b, 64);
	int n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	if (n < 0) { va_end(ap2); b->data[b->len] = '\0'; return; }
	if ((size_t)n >= b->cap - b->len) {
		mr_buf_grow(b, (size_t)n);
		vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap2);
	}
	va_end(ap2);
	b->len += (size_t)n;
}

void mr_buf_printf(mr_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	mr_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void mr_buf_fixed2(mr_buf *b, double v)
{
	double h = v * 100, r = nearbyint(h);
	/* the product is within a ten-millionth of v * 100 below 1e9, so it rounds as printf
	 * rounds v unless it lies that close to a tie (or is not finite): printf decides then */
	if (!(fabs(h) < 1e9) || fabs(fabs(h - r) - 0.5) < 1e-6) {
		mr_buf_printf(b, "%.2f", v);
		return;
	}
	unsigned long long q = (unsigned long long)fabs(r);
	char tmp[32];
	size_t i = sizeof tmp;
	tmp[--i] = (char)('0' + q % 10);
	tmp[--i] = (char)('0' + q / 10 % 10);
	tmp[--i] = '.';
	q /= 100;
	do tmp[--i] = (char)('0' + q % 10);
	while ((q /= 10) > 0);
	if (signbit(v)) tmp[--i] = '-';
	mr_buf_add(b, tmp + i, sizeof tmp - i);
}

char *mr_buf_detach(mr_buf *b)
{
	char *p = b->data ? b->data : mr_xstrdup("");
	/* a string kept for long should not keep the buffer's spare room (more than malloc
	 * would round it up by; a watcher keeps some paths and texts per module) */
	if (b->data && b->cap - b->len > 16 && b->cap - b->len > b->len / 8) p = mr_xrealloc(p, b->len + 1);
	mr_buf_init(b);
	return p;
}

const char *mr_buf_str(const mr_buf *b)
{
	return b->data ? b->data : "";
}

void mr_buf_html_escape(mr_buf *b, const char *s, size_t n)
{
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		const char *rep = NULL;
		switch (s[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		mr_buf_add(b, s + start, i - start);
		mr_buf_puts(b, rep);
		start = i + 1;
	}
	mr_buf_add(b, s + start, n - start);
}

void mr_buf_json_string(mr_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	mr_buf_grow(b, n + 2);
	mr_buf_putc(b, '"');
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\') continue;
		mr_buf_add(b, s + start, i - start);
		start = i + 1;
		switch (c) {
		case '"': mr_buf_puts(b, "\\\""); break;
		case '\\': mr_buf_puts(b, "\\\\"); break;
		case '\n': mr_buf_puts(b, "\\n"); break;
		case '\t': mr_buf_puts(b, "\\t"); break;
		case '\r': mr_buf_puts(b, "\\r"); break;
		case '\b': mr_buf_puts(b, "\\b"); break;
		case '\f': mr_buf_puts(b, "\\f"); break;
		default: {
			char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			mr_buf_add(b, u, 6);
		}
		}
	}
	mr_buf_add(b, s + start, n - start);
	mr_buf_putc(b, '"');
}

/* ---- arena ---- */

struct arena_block {
	struct arena_block *next;
	size_t used, tail, size; /* used from the start (aligned), tail from the end (texts) */
	_Alignas(16) unsigned char data[];
};

struct mr_arena {
	struct arena_block *head;
	size_t total;
	size_t first; /* size of the first block */
	bool grow;    /* later blocks double (up to 1 MiB); else a quarter of the first */
};

mr_arena *mr_arena_new(void)
{
	mr_arena *a = mr_arena_new_sized(16384);
	a->grow = true;
	return a;
}

mr_arena *mr_arena_new_sized(size_t first_block)
{
	mr_arena *a = mr_xcalloc(1, sizeof(mr_arena));
	a->first = first_block < 256 ? 256 : first_block > ((size_t)1 << 20) ? (size_t)1 << 20 : first_block;
	return a;
}

void mr_arena_free(mr_arena *a)
{
	if (!a) return;
	struct arena_block *b = a->head;
	while (b) {
		struct arena_block *n = b->next;
		free(b);
		b = n;
	}
	free(a);
}

/* A block with room for n more bytes (a new one when the head has none). */
static struct arena_block *arena_room(mr_arena *a, size_t n)
{
	struct arena_block *b = a->head;
	if (b && b->size - b->used - b->tail >= n) return b;
	size_t want = a->first;
	if (a->head && a->grow) want = a->head->size < (1u << 20) ? a->head->size * 2 : a->head->size;
	else if (a->head) want = a->first / 4; /* a sized arena's estimate fell short: waste little */
	size_t sz = n > want ? n : want;
	b = mr_xmalloc(sizeof *b + sz);
	b->used = b->tail = 0;
	b->size = sz;
	b->next = a->head;
	a->head = b;
	return b;
}

void *mr_arena_alloc(mr_arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	if (n == 0) n = 16;
	struct arena_block *b = arena_room(a, n);
	void *p = b->data + b->used;
	b->used += n;
	a->total += n;
	memset(p, 0, n);
	return p;
}

/* Texts need no alignment: they are taken from the end of a block, the aligned
 * allocations from its start, so neither pads the other. */
char *mr_arena_strndup(mr_arena *a, const char *s, size_t n)
{
	struct arena_block *b = arena_room(a, n + 1);
	b->tail += n + 1;
	a->total += n + 1;
	char *p = (char *)b->data + b->size - b->tail;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *mr_arena_strdup(mr_arena *a, const char *s)
{
	return mr_arena_strndup(a, s, strlen(s));
}

size_t mr_arena_used(const mr_arena *a)
{
	return a->total;
}

/* ---- strings ---- */

uint64_t mr_str_hash_add(uint64_t h, const char *s)
{
	for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

static uint64_t hash_byte(uint64_t h, unsigned char b)
{
	return (h ^ b) * 1099511628211u;
}

uint64_t mr_hash_str(uint64_t h, const char *s)
{
	return s ? hash_byte(mr_str_hash_add(h, s), 0xff) : hash_byte(h, 0xfe);
}

uint64_t mr_hash_u64(uint64_t h, uint64_t v)
{
	for (int k = 0; k < 8; k++) h = hash_byte(h, (unsigned char)(v >> (8 * k)));
	return h;
}

uint64_t mr_str_hash(const char *s)
{
	return mr_str_hash_add(MR_STR_HASH_BASIS, s);
}

bool mr_str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool mr_str_has_suffix(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

int mr_strcmp_ptr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

bool mr_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + n;
	while (p < e) {
		unsigned c = *p;
		if (c == 0) return false;
		if (c < 0x80) { p++; continue; }
		size_t k;
		unsigned min;
		if ((c & 0xE0) == 0xC0) { k = 1; c &= 0x1F; min = 0x80; }
		else if ((c & 0xF0) == 0xE0) { k = 2; c &= 0x0F; min = 0x800; }
		else if ((c & 0xF8) == 0xF0) { k = 3; c &= 0x07; min = 0x10000; }
		else return false;
		if ((size_t)(e - p) <= k) return false;
		for (size_t i = 1; i <= k; i++) {
			if ((p[i] & 0xC0) != 0x80) return false;
			c = (c << 6) | (p[i] & 0x3F);
		}
		if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return false;
		p += k + 1;
	}
	return true;
}

size_t mr_utf8_length(const char *s, size_t n)
{
	size_t count = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80) count++;
	return count;
}

/* ---- files ---- */

int mr_read_file(const char *path, size_t max, char **out, size_t *len)
{
	int fd = -1, saved;
	char *data = NULL;
	struct stat st;
	*out = NULL;
	if (len) *len = 0;
	/* O_NONBLOCK: a FIFO named like a manifest must never block us */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) return -1;
	if (fstat(fd, &st) < 0) goto err;
	if (!S_ISREG(st.st_mode)) {
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		goto err;
	}
	if ((uint64_t)st.st_size > max) {
		errno = EFBIG;
		goto err;
	}
	size_t cap = (size_t)st.st_size + 1, n = 0;
	data = mr_xmalloc(cap + 1);
	for (;;) {
		if (n == cap) {
			if (n > max) {
				errno = EFBIG;
				goto err;
			}
			cap *= 2;
			data = mr_xrealloc(data, cap + 1);
		}
		ssize_t r = read(fd, data + n, cap - n);
		if (r < 0) {
			if (errno == EINTR) continue;
			goto err;
		}
		if (r == 0) break;
		n += (size_t)r;
	}
	if (n > max) {
		errno = EFBIG;
		goto err;
	}
	data[n] = '\0';
	close(fd);
	*out = data;
	if (len) *len = n;
	return 0;
err:
	saved = errno;
	free(data);
	if (fd >= 0) close(fd);
	errno = saved;
	return -1;
}

static bool same_content(const char *path, const void *data, size_t len)
{
	char *old = NULL;
	size_t n = 0;
	if (mr_read_file(path, len, &old, &n) < 0) return false;
	bool same = n == len && memcmp(old, data, len) == 0;
	free(old);
	return same;
}

char *mr_temp_name(const char *path)
{
	return mr_xasprintf("%s.tmp.%ld", path, (long)getpid());
}

int mr_write_file_atomic(const char *path, const void *data, size_t len, bool *changed)
{
	if (changed) *changed = false;
	if (same_content(path, data, len)) return 0;
	char *tmp = mr_temp_name(path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) goto err;
	const char *p = data;
	size_t left = len;
	while (left) {
		ssize_t w = write(fd, p, left);
		if (w < 0) {
			if (errno == EINTR) continue;
			goto err;
		}
		p += w;
		left -= (size_t)w;
	}
	if (close(fd) < 0) {
		fd = -1;
		goto err;
	}
	fd = -1;
	if (rename(tmp, path) < 0) goto err;
	free(tmp);
	if (changed) *changed = true;
	return 0;
err: {
	int saved = errno;
	if (fd >= 0) close(fd);
	unlink(tmp);
	free(tmp);
	errno = saved;
	return -1;
}
}

int mr_mkdirs(const char *path, unsigned mode)
{
	/* the common cases in one call: the parent exists */
	if (mkdir(path, (mode_t)mode) == 0 || errno == EEXIST) return 0;
	if (errno != ENOENT) return -1;
	char *p = mr_xstrdup(path);
	size_t n = strlen(p);
	for (size_t i = 1; i <= n; i++) {
		if (p[i] == '/' || p[i] == '\0') {
			char c = p[i];
			p[i] = '\0';
			if (mkdir(p, (mode_t)mode) < 0 && errno != EEXIST) {
				int saved = errno;
				free(p);
				errno = saved;
				return -1;
			}
			p[i] = c;
		}
	}
	free(p);
	return 0;
}

char *mr_path_join(const char *a, const char *b)
{
	size_t la = strlen(a);
	while (la > 1 && a[la - 1] == '/') la--;
	while (*b == '/') b++;
	if (la == 0) return mr_xstrdup(b);
	mr_buf out = MR_BUF_INIT;
	mr_buf_add(&out, a, la);
	if (*b) {
		mr_buf_putc(&out, '/');
		mr_buf_puts(&out, b);
	}
	return mr_buf_detach(&out);
}

bool mr_name_ignored(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || name[0] == '.') return true;
	if (name[n - 1] == '~') return true;
	if (mr_str_has_suffix(name, ".swp") || mr_str_has_suffix(name, ".swx")) return true;
	if (name[0] == '#' && n > 1 && name[n - 1] == '#') return true;
	if (strcmp(name, "4913") == 0) return true;
	return false;
}

void mr_in_background(void *(*fn)(void *), void *arg)
{
	pthread_t t;
	pthread_attr_t at;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &at, fn, arg) != 0) fn(arg);
	pthread_attr_destroy(&at);
}
