#include "arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct arena_block {
	struct arena_block *next;
	alignas(max_align_t) char data[];
};

enum { BLOCK_SIZE = 64 * 1024 };

void *arena_alloc(struct arena *a, size_t n)
{
	const size_t align = alignof(max_align_t);
	struct arena_block *b;
	size_t size;
	void *p;

	n = (n + align - 1) & ~(align - 1);
	if (n == 0)
		n = align;
	if ((size_t)(a->end - a->cur) < n || !a->cur) {
		if (n > SIZE_MAX - sizeof(*b) - BLOCK_SIZE)
			fatal("out of memory");
		size = n > BLOCK_SIZE / 4 ? n : BLOCK_SIZE;
		b = xmalloc(sizeof(*b) + size);
		if (n > BLOCK_SIZE / 4 && a->head) {
			/* a large object gets its own block; keep the current one */
			b->next = a->head->next;
			a->head->next = b;
			memset(b->data, 0, n);
			return b->data;
		}
		b->next = a->head;
		a->head = b;
		a->cur = b->data;
		a->end = b->data + size;
	}
	p = a->cur;
	a->cur += n;
	memset(p, 0, n);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	if (n)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

void arena_free(struct arena *a)
{
	struct arena_block *b, *next;

	for (b = a->head; b; b = next) {
		next = b->next;
		free(b);
	}
	a->head = NULL;
	a->cur = a->end = NULL;
}
