#include "base/arena.h"

#include <stdalign.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "os/os.h"
#include "base/util.h"

struct arena_block {
	struct arena_block *next;
	size_t size; /* of data */
	bool big;    /* from os_alloc_big or os_alloc_pages: size + the header in all */
	alignas(max_align_t) char data[];
};

enum { BLOCK_SIZE = 64 * 1024, PAGES_BLOCK = 256 * 1024 };

/* Blocks double from BLOCK_SIZE up to OS_BIG: an arena that grows big gets
 * blocks that huge pages can back, a small one stays small. An arena of pages
 * gets blocks of PAGES_BLOCK, mapped for it alone. */
static struct arena_block *newblock(struct arena *a)
{
	struct arena_block *b = NULL;
	size_t size = a->grow ? a->grow : BLOCK_SIZE;

	if (a->pages && (b = os_alloc_pages(PAGES_BLOCK, false))) {
		b->big = true;
		b->size = PAGES_BLOCK - sizeof(*b);
		return b;
	}
	if (size >= OS_BIG) {
		size = OS_BIG;
		b = os_alloc_big(OS_BIG);
		if (b) {
			b->big = true;
			b->size = OS_BIG - sizeof(*b);
			return b;
		}
	}
	a->grow = size * 2;
	b = xcalloc(1, sizeof(*b) + size);
	b->big = false;
	b->size = size;
	return b;
}

static void freeblock(struct arena_block *b)
{
	if (b->big)
		os_free_big(b, sizeof(*b) + b->size);
	else
		free(b);
}

/* An arena of pages has its block's pages made a few at a time as it fills,
 * FILL_STEP at once (cheaper than a fault for each, and little made ahead of
 * need): a->end is where they are made up to. False if the block is full. */
enum { FILL_STEP = 16 * 1024 };
static bool fillmore(struct arena *a, size_t need)
{
	char *blockend = a->head->data + a->head->size, *to;

	if ((size_t)(blockend - a->cur) < need)
		return false;
	to = a->cur + need + FILL_STEP - 1;
	to -= (uintptr_t)to & (FILL_STEP - 1);
	if (to > blockend)
		to = blockend;
	os_fill(a->end, (size_t)(to - a->end));
	a->end = to;
	return true;
}

/* n bytes aligned to align (a power of two), zeroed if zero is set. Blocks are
 * zeroed when they are made (or reset) and each byte is handed out once, so
 * only a large object of its own needs a choice. */
static void *alloc(struct arena *a, size_t n, size_t align, bool zero)
{
	struct arena_block *b;
	size_t pad;
	bool room;
	void *p;

	if (n == 0)
		n = 1;
	pad = a->cur ? (size_t)(-(uintptr_t)a->cur & (align - 1)) : 0;
	room = a->cur && ((size_t)(a->end - a->cur) >= n + pad || (a->pages && fillmore(a, n + pad)));
	if (!room) {
		if (n > SIZE_MAX - sizeof(*b) - BLOCK_SIZE)
			nomem();
		if (n > BLOCK_SIZE / 4) {
			/* a large object gets a block of its own */
			b = zero ? xcalloc(1, sizeof(*b) + n) : xmalloc(sizeof(*b) + n);
			b->big = false;
			b->size = n;
			if (a->head) {
				/* keep the current block */
				b->next = a->head->next;
				a->head->next = b;
				return b->data;
			}
		} else {
			b = newblock(a);
		}
		b->next = a->head;
		a->head = b;
		a->cur = b->data;
		a->end = b->data + b->size;
		pad = 0;
		if (a->pages && b->big) {
			/* its pages are made as it fills, from the first n bytes on
			 * (n fits: it is at most BLOCK_SIZE / 4) */
			a->end = a->cur;
			fillmore(a, n);
		}
	}
	p = a->cur + pad;
	a->cur += pad + n;
	return p;
}

void *arena_alloc(struct arena *a, size_t n)
{
	/* 8, not max_align_t's 16: nothing baton keeps needs more, and the
	 * difference is a sixth of a syntax tree */
	return alloc(a, n, alignof(uint64_t) > alignof(void *) ? alignof(uint64_t) : alignof(void *),
		     true);
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = alloc(a, n + 1, 1, false);

	if (n)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

void arena_reset(struct arena *a)
{
	struct arena_block *b, *next;

	if (!a->head)
		return;
	for (b = a->head->next; b; b = next) {
		next = b->next;
		freeblock(b);
	}
	a->head->next = NULL;
	if (a->cur) /* what was handed out, zeroed again */
		memset(a->head->data, 0, (size_t)(a->cur - a->head->data));
	a->cur = a->head->data;
	a->end = a->head->data + a->head->size;
}

void arena_free(struct arena *a)
{
	struct arena_block *b, *next;

	for (b = a->head; b; b = next) {
		next = b->next;
		freeblock(b);
	}
	a->head = NULL;
	a->grow = 0;
	a->cur = a->end = NULL;
}
