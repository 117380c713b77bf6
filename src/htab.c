#include "htab.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* xxHash compiled in: no library to load at start, and hashing inlined */
#define XXH_INLINE_ALL
#include <xxhash.h>

uint64_t htab_hash(const char *s, size_t n)
{
	return XXH3_64bits(s, n);
}

static struct htab_entry *probe(const struct htab *h, const char *key, size_t len, uint32_t hash)
{
	size_t mask = h->cap - 1, i = hash & mask;

	for (;; i = (i + 1) & mask) {
		struct htab_entry *e = &h->e[i];
		if (!e->key)
			return e;
		if (e->hash == hash && e->len == len && memcmp(e->key, key, len) == 0)
			return e;
	}
}

void *htab_get(const struct htab *h, const char *key, size_t len)
{
	struct htab_entry *e;

	if (!h->cap)
		return NULL;
	e = probe(h, key, len, (uint32_t)htab_hash(key, len));
	return e->key ? e->val : NULL;
}

static void grow(struct htab *h)
{
	struct htab_entry *old = h->e;
	size_t oldcap = h->cap, i;

	h->cap = oldcap ? oldcap * 2 : 64;
	h->e = xcalloc(h->cap, sizeof(*h->e));
	for (i = 0; i < oldcap; i++) {
		if (old[i].key)
			*probe(h, old[i].key, old[i].len, old[i].hash) = old[i];
	}
	free(old);
}

struct htab_entry *htab_slot(struct htab *h, const char *key, size_t len)
{
	struct htab_entry *e;
	uint32_t hash = (uint32_t)htab_hash(key, len);

	if (len > UINT32_MAX)
		fatal("a name of %zu bytes is too long", len);
	if ((h->n + 1) * 4 > h->cap * 3)
		grow(h);
	e = probe(h, key, len, hash);
	if (!e->key) {
		e->key = key;
		e->len = (uint32_t)len;
		e->hash = hash;
		e->val = NULL;
		h->n++;
	}
	return e;
}

void htab_free(struct htab *h)
{
	free(h->e);
	h->e = NULL;
	h->cap = h->n = 0;
}
