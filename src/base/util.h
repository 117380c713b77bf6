/* Small helpers used everywhere: fatal errors, checked allocation, byte buffers. */
#ifndef BATON_UTIL_H
#define BATON_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#if defined(__GNUC__)
#define PRINTF(a, b) __attribute__((format(printf, a, b)))
#define NORETURN __attribute__((noreturn))
#else
#define PRINTF(a, b)
#define NORETURN
#endif

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Print "baton: fatal: ..." and exit 2; for broken invariants. */
NORETURN void fatal(const char *fmt, ...) PRINTF(1, 2);
/* Memory ran out: print "baton: fatal: out of memory", call the function
 * set by nomem_call (once, and from the thread that set it), and exit 1. */
NORETURN void nomem(void);
/* Have nomem call fn(ctx) before baton exits (NULL: nothing), with a
 * little memory given back for it to use: to stop the jobs gracefully. */
void nomem_call(void (*fn)(void *ctx), void *ctx);
/* Whether memory ran out and baton is stopping: what would need more (the
 * output of a job) is dropped. */
bool nomem_stopping(void);
/* Print "baton: warning: ..." on stderr. */
void warn(const char *fmt, ...) PRINTF(1, 2);

/* malloc/realloc/calloc that never return NULL. */
void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
void *xcalloc(size_t n, size_t size);
/* Grow *p (an array of *cap elements of size sz) so that it holds at least need;
 * inline, since it mostly finds room already. */
void xgrow_to(void **p, size_t *cap, size_t need, size_t sz);
static inline void xgrow(void **p, size_t *cap, size_t need, size_t sz)
{
	if (need > *cap)
		xgrow_to(p, cap, need, sz);
}

/* A growable byte buffer, always NUL-terminated once anything was added. */
struct buf {
	char *s;
	size_t len, cap;
};

/* Append n bytes; inline, as it mostly finds room already. */
static inline void buf_add(struct buf *b, const void *p, size_t n)
{
	xgrow((void **)&b->s, &b->cap, b->len + n + 1, 1);
	if (n)
		memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}
/* Append a NUL-terminated string. */
void buf_puts(struct buf *b, const char *s);
/* Append one byte. */
static inline void buf_putc(struct buf *b, int c)
{
	xgrow((void **)&b->s, &b->cap, b->len + 2, 1);
	b->s[b->len++] = (char)c;
	b->s[b->len] = '\0';
}
/* Append a number in decimal. */
void buf_num(struct buf *b, size_t n);
/* Append formatted text. */
void buf_printf(struct buf *b, const char *fmt, ...) PRINTF(2, 3);
/* Release the buffer's memory and reset it. */
void buf_free(struct buf *b);

#endif
