/* Hash tables from byte strings to pointers (open addressing, linear probing). */
#ifndef BATON_HTAB_H
#define BATON_HTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct htab_entry {
	const char *key; /* not copied: the caller keeps it alive */
	void *val;
	uint32_t len;
	uint32_t hash;   /* the low half of htab_hash: enough to place and compare */
};

struct htab {
	struct htab_entry *e;
	size_t cap, n; /* cap is 0 or a power of two */
	bool big;      /* e is from os_alloc_big */
};

/* Hash sets of objects that carry their own key: an object kept in one starts
 * with the key's address and length, as struct hkey, so a slot holds only a
 * pointer and the key's hash (12 bytes, where an htab entry takes 24). */
struct hkey {
	const char *s;
	uint32_t len;
};

struct hset {
	void **v;       /* the objects, NULL for an empty slot */
	uint32_t *hash; /* their keys' hashes (never 0: 0 marks an empty slot) */
	size_t cap, n;  /* cap is 0 or a power of two */
	bool big;       /* v and hash are from os_alloc_big */
};

/* Hash n bytes. */
uint64_t htab_hash(const char *s, size_t n);
/* Find the value for key, or NULL. */
void *htab_get(const struct htab *h, const char *key, size_t len);
/* Find the slot for key, adding an empty one (val NULL) with this key if missing. */
struct htab_entry *htab_slot(struct htab *h, const char *key, size_t len);
/* Free the table's memory (not the keys or values). */
void htab_free(struct htab *h);

/* The object whose key is key, or NULL. */
void *hset_get(const struct hset *h, const char *key, size_t len);
/* The slot for key: it holds the object with that key, or NULL; then the caller
 * must store one there before the set is used again. */
void **hset_slot(struct hset *h, const char *key, size_t len);
/* Bring the slot where key would be into the cache, ahead of a lookup. */
void hset_prefetch(const struct hset *h, const char *key, size_t len);
/* Free the set's memory (not the objects). */
void hset_free(struct hset *h);

#endif
