/* Lists of words: the value of every variable and expression. */
#ifndef BATON_LIST_H
#define BATON_LIST_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/util.h"

struct list {
	const char **v; /* the words; the array is malloc'd, the words live in an arena */
	size_t n, cap;
	size_t bytes; /* total length of the words */
	bool raw;     /* from raw(): goes into a recipe unquoted */
};

/* Append a word (not copied). */
void list_push(struct list *l, const char *s);
/* Append every word of src. */
void list_append(struct list *l, const struct list *src);
/* Free the array (not the words) and empty the list. */
void list_free(struct list *l);
/* Append the words of l joined by sep to b. */
void list_join(struct buf *b, const struct list *l, const char *sep);
/* Append s to b quoted for /bin/sh if it needs quoting. */
void shell_quote(struct buf *b, const char *s);

#endif
