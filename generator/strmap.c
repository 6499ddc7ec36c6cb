/* strmap.c — open addressing with linear probing; keys live in an arena, so
 * the map is freed in one go and never shrinks (the generator's maps only grow). */
#include "strmap.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

struct slot {
	const char *key; /* NULL: empty */
	size_t hash;
	size_t value;
};

struct mr_strmap {
	struct slot *slots;
	size_t cap; /* a power of two */
	size_t n;
	mr_arena *keys;
};

mr_strmap *mr_strmap_new(void)
{
	mr_strmap *m = mr_xcalloc(1, sizeof *m);
	m->cap = 16;
	m->slots = mr_xcalloc(m->cap, sizeof *m->slots);
	m->keys = mr_arena_new();
	return m;
}

void mr_strmap_free(mr_strmap *m)
{
	if (!m) return;
	free(m->slots);
	mr_arena_free(m->keys);
	free(m);
}

static struct slot *find(const mr_strmap *m, const char *key, size_t h)
{
	size_t i = h & (m->cap - 1);
	for (;;) {
		struct slot *s = &m->slots[i];
		if (!s->key || (s->hash == h && !strcmp(s->key, key))) return s;
		i = (i + 1) & (m->cap - 1);
	}
}

static void grow(mr_strmap *m)
{
	struct slot *old = m->slots;
	size_t oldcap = m->cap;
	m->cap *= 2;
	m->slots = mr_xcalloc(m->cap, sizeof *m->slots);
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].key) *find(m, old[i].key, old[i].hash) = old[i];
	free(old);
}

void mr_strmap_put(mr_strmap *m, const char *key, size_t value)
{
	size_t h = (size_t)mr_str_hash(key);
	struct slot *s = find(m, key, h);
	if (s->key) {
		s->value = value;
		return;
	}
	if ((m->n + 1) * 4 > m->cap * 3) {
		grow(m);
		s = find(m, key, h);
	}
	s->key = mr_arena_strdup(m->keys, key);
	s->hash = h;
	s->value = value;
	m->n++;
}

bool mr_strmap_get(const mr_strmap *m, const char *key, size_t *value)
{
	const struct slot *s = find(m, key, (size_t)mr_str_hash(key));
	if (!s->key) return false;
	if (value) *value = s->value;
	return true;
}

size_t mr_strmap_count(const mr_strmap *m)
{
	return m->n;
}
