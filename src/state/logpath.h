/* The state log's paths by number. The log writes each path once, in an entry
 * of its own that gives it a number, and records name their files by number:
 * a build that is up to date looks each depfile input up once, not once for
 * every record that names it. */
#ifndef BATON_LOGPATH_H
#define BATON_LOGPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct logpaths {
	const char **v;  /* by number: the path (NUL-terminated), or NULL: no entry gives it */
	uint32_t n, cap; /* v holds the numbers below n */
	uint32_t next;   /* the next number to give, n or more (logpaths_reserve) */
	/* by number, below nuslot: the slot its user gave it (logpaths_setslot),
	 * UINT32_MAX for none (and at nuslot and past it) */
	uint32_t *uslot, nuslot, capuslot;
	/* number + 1 of each path by its hash (0: empty), made when a number is
	 * first looked for (a build that writes no record never needs it) */
	uint32_t *slots;
	uint32_t nslots;
};

/* The most numbers a log of size bytes gives: a path takes 5 bytes or more (in a
 * batch, its length and at least one byte). */
static inline uint64_t logpaths_most(uint64_t size)
{
	return size / 5 + 1;
}
/* Keep the numbers below n from being given (logpaths_add): paths that are
 * not read yet, which take no room until they are. */
void logpaths_reserve(struct logpaths *t, uint32_t n);
/* The numbers given or kept are below this. */
static inline uint32_t logpaths_count(const struct logpaths *t)
{
	return t->next > t->n ? t->next : t->n;
}

/* Give path (NUL-terminated, kept as long as the table) the number id, which
 * none has; false if one has. */
bool logpaths_set(struct logpaths *t, uint32_t id, const char *path);
/* The path numbered id, or NULL. */
static inline const char *logpaths_get(const struct logpaths *t, uint32_t id)
{
	return id < t->n ? t->v[id] : NULL;
}
/* Give the path numbered id the slot (a number of its user's: statelog_intern). */
void logpaths_setslot(struct logpaths *t, uint32_t id, uint32_t slot);
/* The slot of the path numbered id, or UINT32_MAX. */
static inline uint32_t logpaths_slot(const struct logpaths *t, uint32_t id)
{
	return id < t->nuslot ? t->uslot[id] : UINT32_MAX;
}
/* The number of the len bytes of path, or UINT32_MAX if it has none. */
uint32_t logpaths_find(struct logpaths *t, const char *path, size_t len);
/* Give path (kept as long as the table) the next number, and return it. */
uint32_t logpaths_add(struct logpaths *t, const char *path);
/* Forget the paths numbered from id on; their numbers are not given again (a
 * record that could not be written may have left their entries in the file). */
void logpaths_drop(struct logpaths *t, uint32_t id);
/* Free the table (not the paths). */
void logpaths_free(struct logpaths *t);

#endif
