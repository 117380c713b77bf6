#include "base/out.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { OUTBUF = 64 * 1024 };

static struct {
	bool ready;
	bool tty[2];
	bool buffered;      /* stdout is held in buf until it is full or stderr is used */
	char *buf;
	size_t len;
	int err[2];         /* by stream, the first failed write's errno */
	/* the status line: shown on stream statusat when shown is set */
	struct buf status;
	enum out_stream statusat;
	bool shown;
} o;

static const int fds[2] = {STDOUT_FILENO, STDERR_FILENO};

void out_init(void)
{
	o.tty[OUT_STDOUT] = isatty(STDOUT_FILENO) == 1;
	o.tty[OUT_STDERR] = isatty(STDERR_FILENO) == 1;
	o.buffered = !o.tty[OUT_STDOUT];
	o.ready = true;
}

bool out_isatty(enum out_stream s)
{
	if (!o.ready)
		out_init();
	return o.tty[s];
}

/* Write all of p to stream s, waiting while a non-blocking reader is full. */
static void writeall(enum out_stream s, const char *p, size_t n)
{
	int fd = fds[s], *err = &o.err[s];
	ssize_t w;

	while (n > 0 && !*err) {
		w = write(fd, p, n);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
		} else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd pfd = {fd, POLLOUT, 0};
			if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
				*err = errno;
		} else if (w < 0 && errno != EINTR) {
			*err = errno;
		} else if (w == 0) {
			*err = EIO;
		}
	}
}

static void flushbuf(void)
{
	if (o.len) {
		writeall(OUT_STDOUT, o.buf, o.len);
		o.len = 0;
	}
}

/* Erase the status line, if one is shown: the cursor goes back to its start. */
static void erase(void)
{
	if (o.shown) {
		writeall(o.statusat, "\r\033[K", 4);
		o.shown = false;
	}
}

static void draw(void)
{
	if (!o.shown && o.status.len) {
		writeall(o.statusat, o.status.s, o.status.len);
		o.shown = true;
	}
}

void out_write(enum out_stream s, const char *p, size_t n)
{
	if (!o.ready)
		out_init();
	if (n == 0)
		return;
	if (s == OUT_STDOUT && o.buffered) {
		if (o.len + n > OUTBUF)
			flushbuf();
		if (n >= OUTBUF) {
			writeall(OUT_STDOUT, p, n);
			return;
		}
		if (!o.buf)
			o.buf = xmalloc(OUTBUF);
		memcpy(o.buf + o.len, p, n);
		o.len += n;
		return;
	}
	flushbuf();
	erase();
	writeall(s, p, n);
	if (o.status.len && p[n - 1] == '\n')
		draw();
}

void out_puts(enum out_stream s, const char *p)
{
	out_write(s, p, strlen(p));
}

static void vprint(enum out_stream s, const char *prefix, const char *fmt, va_list ap)
{
	struct buf b = {0};
	va_list aq;
	int n;

	buf_puts(&b, prefix);
	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n > 0) {
		xgrow((void **)&b.s, &b.cap, b.len + (size_t)n + 2, 1);
		vsnprintf(b.s + b.len, (size_t)n + 1, fmt, ap);
		b.len += (size_t)n;
	}
	if (*prefix)
		buf_putc(&b, '\n');
	out_write(s, b.s, b.len);
	buf_free(&b);
}

void out_printf(enum out_stream s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint(s, "", fmt, ap);
	va_end(ap);
}

void out_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint(OUT_STDERR, "baton: ", fmt, ap);
	va_end(ap);
}

void out_flush(void)
{
	flushbuf();
}

int out_error(void)
{
	return o.err[OUT_STDOUT];
}

void out_status(enum out_stream s, const char *line)
{
	if (!o.ready)
		out_init();
	if (!o.tty[s])
		return;
	erase();
	o.status.len = 0;
	if (line)
		buf_puts(&o.status, line);
	else
		buf_free(&o.status);
	o.statusat = s;
	flushbuf();
	draw();
}
