#include "list.h"

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

static bool safe(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("_@%+=:,./-", c);
}

void shell_quote(struct buf *b, const char *s)
{
	const char *p;

	for (p = s; *p && safe((unsigned char)*p); p++)
		;
	if (*s && !*p) {
		buf_puts(b, s);
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
