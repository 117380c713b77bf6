#include "base/util.h"

#include "base/out.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "baton: KIND: message" on stderr, through the one writer; made in a fixed
 * buffer, as fatal may be reporting that memory ran out. */
static void say(const char *kind, const char *fmt, va_list ap)
{
	char line[4096];
	int n = snprintf(line, sizeof(line), "baton: %s%s:%s ",
			 out_style(OUT_STDERR, *kind == 'w' ? STYLE_YELLOW : STYLE_BOLDRED), kind,
			 out_style(OUT_STDERR, STYLE_RESET)), m;

	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	if (m < 0)
		m = 0;
	n += m < (int)(sizeof(line) - (size_t)n - 1) ? m : (int)(sizeof(line) - (size_t)n - 2);
	line[n++] = '\n';
	out_write(OUT_STDERR, line, (size_t)n);
}

void fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say("fatal", fmt, ap);
	va_end(ap);
	out_flush();
	exit(2);
}

/* What nomem calls, the thread that set it, and memory held back for it:
 * freed first, so that it can run where a small allocation failed. */
enum { NOMEM_RESERVE = 4 << 20 };
static void (*nomem_fn)(void *ctx);
static void *nomem_ctx, *reserve;
static pthread_t nomem_thread;

void nomem_call(void (*fn)(void *ctx), void *ctx)
{
	nomem_fn = fn;
	nomem_ctx = ctx;
	nomem_thread = pthread_self();
	if (fn && !reserve)
		reserve = malloc(NOMEM_RESERVE);
	if (!fn) {
		free(reserve);
		reserve = NULL;
	}
}

static atomic_int entered; /* nomem was called */

bool nomem_stopping(void)
{
	return atomic_load(&entered) > 0;
}

void nomem(void)
{
	void (*fn)(void *ctx) = nomem_fn;

	/* once: memory may run out again on the way */
	if (atomic_fetch_add(&entered, 1) == 0) {
		free(reserve);
		reserve = NULL;
		nomem_fn = NULL;
		out_puts(OUT_STDERR, "baton: fatal: out of memory\n"); /* allocates nothing */
		out_flush();
		if (fn && pthread_equal(pthread_self(), nomem_thread))
			fn(nomem_ctx);
	}
	out_flush();
	exit(1);
}

void warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say("warning", fmt, ap);
	va_end(ap);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		nomem();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		nomem();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		nomem();
	return p;
}

void xgrow_to(void **p, size_t *cap, size_t need, size_t sz)
{
	size_t c = *cap ? *cap : 8;

	if (need <= *cap)
		return;
	while (c < need) {
		if (c > SIZE_MAX / 2 / sz)
			nomem();
		c *= 2;
	}
	*p = xrealloc(*p, c * sz);
	*cap = c;
}

void buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_num(struct buf *b, size_t n)
{
	/* two digits at a time: "[i/N]" is written for every job */
	static const char pairs[] =
	    "000102030405060708091011121314151617181920212223242526272829"
	    "303132333435363738394041424344454647484950515253545556575859"
	    "606162636465666768697071727374757677787980818283848586878889"
	    "90919293949596979899";
	char d[24];
	size_t i = sizeof(d);

	for (; n >= 100; n /= 100) {
		i -= 2;
		memcpy(d + i, pairs + 2 * (n % 100), 2);
	}
	if (n >= 10) {
		i -= 2;
		memcpy(d + i, pairs + 2 * n, 2);
	} else {
		d[--i] = (char)('0' + n);
	}
	buf_add(b, d + i, sizeof(d) - i);
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatal("bad format");
	xgrow((void **)&b->s, &b->cap, b->len + (size_t)n + 1, 1);
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void buf_free(struct buf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}
