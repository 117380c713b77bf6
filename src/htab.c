#include "htab.h"

#include <stdlib.h>
#include <string.h>

#include "os.h"
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

/* Bytes of a big table's mapping, or 0 if a table of cap entries is small. */
static size_t bigsize(size_t cap)
{
	size_t n = cap * sizeof(struct htab_entry);

	return n < OS_BIG ? 0 : (n + OS_BIG - 1) / OS_BIG * OS_BIG;
}

/* Zeroed room for cap entries; a big table goes on huge pages, since every
 * probe lands on a page of its own and would miss the TLB on small ones. */
static struct htab_entry *table(size_t cap, bool *big)
{
	struct htab_entry *e = bigsize(cap) ? os_alloc_big(bigsize(cap)) : NULL;

	*big = e != NULL;
	return e ? e : xcalloc(cap, sizeof(*e));
}

static void untable(struct htab_entry *e, size_t cap, bool big)
{
	if (big)
		os_free_big(e, bigsize(cap));
	else
		free(e);
}

static void grow(struct htab *h)
{
	struct htab_entry *old = h->e;
	size_t oldcap = h->cap, i;
	bool oldbig = h->big;

	h->cap = oldcap ? oldcap * 2 : 64;
	h->e = table(h->cap, &h->big);
	for (i = 0; i < oldcap; i++) {
		if (old[i].key)
			*probe(h, old[i].key, old[i].len, old[i].hash) = old[i];
	}
	untable(old, oldcap, oldbig);
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
	untable(h->e, h->cap, h->big);
	h->e = NULL;
	h->cap = h->n = 0;
	h->big = false;
}
