#include "base/list.h"

#include <stdlib.h>
#include <string.h>

void list_push(struct list *l, const char *s)
{
	xgrow((void **)&l->v, &l->cap, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = s;
	l->bytes += strlen(s) + 1;
}

void list_append(struct list *l, const struct list *src)
{
	size_t i;

	xgrow((void **)&l->v, &l->cap, l->n + src->n, sizeof(*l->v));
	for (i = 0; i < src->n; i++)
		l->v[l->n++] = src->v[i];
	l->bytes += src->bytes;
}

void list_free(struct list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = l->cap = l->bytes = 0;
	l->raw = false;
}

void list_join(struct buf *b, const struct list *l, const char *sep)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (i)
			buf_puts(b, sep);
		buf_puts(b, l->v[i]);
	}
}

/* The bytes a word may hold and still need no quotes in sh. */
static bool safe(unsigned char c)
{
	static bool table[256];
	static bool made;
	const char *p;
	int i;

	if (!made) {
		for (i = 0; i < 256; i++)
			table[i] = (i >= 'a' && i <= 'z') || (i >= 'A' && i <= 'Z') || (i >= '0' && i <= '9');
		for (p = "_@%+=:,./-"; *p; p++)
			table[(unsigned char)*p] = true;
		made = true;
	}
	return table[c];
}

void shell_quote(struct buf *b, const char *s)
{
	const char *p;

	for (p = s; *p && safe((unsigned char)*p); p++)
		;
	if (*s && !*p) {
		buf_add(b, s, (size_t)(p - s));
		return;
	}
	buf_putc(b, '\'');
	for (p = s; *p; p++) {
		if (*p == '\'')
			buf_puts(b, "'\\''");
		else
			buf_putc(b, *p);
	}
	buf_putc(b, '\'');
}
