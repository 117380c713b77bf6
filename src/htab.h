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

/* Hash n bytes. */
uint64_t htab_hash(const char *s, size_t n);
/* Find the value for key, or NULL. */
void *htab_get(const struct htab *h, const char *key, size_t len);
/* Find the slot for key, adding an empty one (val NULL) with this key if missing. */
struct htab_entry *htab_slot(struct htab *h, const char *key, size_t len);
/* Free the table's memory (not the keys or values). */
void htab_free(struct htab *h);

#endif
