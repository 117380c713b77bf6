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
	uint32_t n, cap; /* the numbers given are below n */
	/* number + 1 of each path by its hash (0: empty), made when a number is
	 * first looked for (a build that writes no record never needs it) */
	uint32_t *slots;
	uint32_t nslots;
};

/* The most numbers a log of size bytes gives: an entry of a path takes more than 16. */
static inline uint64_t logpaths_most(uint64_t size)
{
	return size / 16 + 1;
}

/* Give path (NUL-terminated, kept as long as the table) the number id, which
 * none has; false if one has. */
bool logpaths_set(struct logpaths *t, uint32_t id, const char *path);
/* The path numbered id, or NULL. */
static inline const char *logpaths_get(const struct logpaths *t, uint32_t id)
{
	return id < t->n ? t->v[id] : NULL;
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
