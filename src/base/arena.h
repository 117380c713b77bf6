/* Arenas: memory with one lifetime (a parse, a graph), freed all at once. */
#ifndef BATON_ARENA_H
#define BATON_ARENA_H

#include <stdbool.h>
#include <stddef.h>

struct arena_block;

struct arena {
	struct arena_block *head;
	char *cur, *end;
	size_t grow; /* the size of the next block */
	bool pages;  /* blocks on pages of their own, given back to the system when freed */
};

/* Allocate n bytes aligned for any object, zeroed. */
void *arena_alloc(struct arena *a, size_t n);
/* Copy n bytes into the arena and NUL-terminate them. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
/* Copy a NUL-terminated string into the arena. */
char *arena_strdup(struct arena *a, const char *s);
/* Forget everything allocated, keeping one block for what comes next. */
void arena_reset(struct arena *a);
/* Free every block of the arena; the arena can be reused afterwards. */
void arena_free(struct arena *a);

#endif
