#include "base/htab.h"

#include <stdlib.h>
#include <string.h>

#include "os/os.h"
#include "base/util.h"

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

/* Bytes of the mapping for a big table of n bytes, or 0 if it is small. */
static size_t bigbytes(size_t n)
{
	return n < OS_BIG ? 0 : (n + OS_BIG - 1) / OS_BIG * OS_BIG;
}

static size_t bigsize(size_t cap)
{
	return bigbytes(cap * sizeof(struct htab_entry));
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
	if ((h->n + 1) * 8 > h->cap * 7)
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

/* Bytes of a set's mapping: the objects, then the hashes. */
static size_t setsize(size_t cap)
{
	return cap * (sizeof(void *) + sizeof(uint32_t));
}

static uint32_t sethash(const char *key, size_t len)
{
	uint32_t hash = (uint32_t)htab_hash(key, len);

	return hash ? hash : 1;
}

/* The slot of key, or the empty one where it would go: only the hashes are
 * looked at until one matches. */
static size_t setprobe(const struct hset *h, const char *key, size_t len, uint32_t hash)
{
	size_t mask = h->cap - 1, i = hash & mask;

	for (;; i = (i + 1) & mask) {
		const struct hkey *k;
		if (!h->hash[i])
			return i;
		if (h->hash[i] != hash)
			continue;
		k = h->v[i];
		if (k->len == len && memcmp(k->s, key, len) == 0)
			return i;
	}
}

void *hset_get(const struct hset *h, const char *key, size_t len)
{
	if (!h->cap)
		return NULL;
	return h->v[setprobe(h, key, len, sethash(key, len))];
}

static void setalloc(struct hset *h, size_t cap)
{
	size_t n = setsize(cap);
	void *p = bigbytes(n) ? os_alloc_big(bigbytes(n)) : NULL;

	h->big = p != NULL;
	h->cap = cap;
	h->v = p ? p : xcalloc(1, n);
	h->hash = (uint32_t *)(h->v + cap);
}

static void setunalloc(void **v, size_t cap, bool big)
{
	if (big)
		os_free_big(v, bigbytes(setsize(cap)));
	else
		free(v);
}

static void setgrow(struct hset *h)
{
	void **old = h->v;
	uint32_t *oldhash = h->hash;
	size_t oldcap = h->cap, i, j, mask;
	bool oldbig = h->big;

	setalloc(h, oldcap ? oldcap * 2 : 64);
	mask = h->cap - 1;
	for (i = 0; i < oldcap; i++) {
		if (!oldhash[i])
			continue;
		for (j = oldhash[i] & mask; h->hash[j]; j = (j + 1) & mask)
			;
		h->hash[j] = oldhash[i];
		h->v[j] = old[i];
	}
	if (old)
		setunalloc(old, oldcap, oldbig);
}

void **hset_slot(struct hset *h, const char *key, size_t len)
{
	uint32_t hash = sethash(key, len);
	size_t i;

	if (len > UINT32_MAX)
		fatal("a name of %zu bytes is too long", len);
	if ((h->n + 1) * 8 > h->cap * 7)
		setgrow(h);
	i = setprobe(h, key, len, hash);
	if (!h->hash[i]) {
		h->hash[i] = hash;
		h->v[i] = NULL;
		h->n++;
	}
	return &h->v[i];
}

void hset_prefetch(const struct hset *h, const char *key, size_t len)
{
	size_t i;

	if (!h->cap)
		return;
	i = sethash(key, len) & (h->cap - 1);
	__builtin_prefetch(&h->hash[i]);
	__builtin_prefetch(&h->v[i]);
}

void hset_free(struct hset *h)
{
	if (h->v)
		setunalloc(h->v, h->cap, h->big);
	memset(h, 0, sizeof(*h));
}
