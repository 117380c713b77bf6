#include "base/out.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
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
	bool midline;     /* the terminal's last line is not ended: no status under it */
	int batch;        /* out_batch depth: the status line is drawn at its end */
	enum out_colour colour;
	bool coloured[2]; /* by stream: escape sequences for colour are written */
} o;

static const int fds[2] = {STDOUT_FILENO, STDERR_FILENO};

/* Whether TERM says the terminal takes no escape sequences. */
static bool dumb(void)
{
	const char *t = getenv("TERM");

	return t && !strcmp(t, "dumb");
}

static void decide_colour(void)
{
	const char *no = getenv("NO_COLOR");
	int s;

	for (s = 0; s < 2; s++) {
		if (o.colour == COLOUR_ALWAYS)
			o.coloured[s] = true;
		else if (o.colour == COLOUR_NEVER)
			o.coloured[s] = false;
		else
			o.coloured[s] = o.tty[s] && !dumb() && !(no && *no);
	}
}

void out_init(void)
{
	o.tty[OUT_STDOUT] = isatty(STDOUT_FILENO) == 1;
	o.tty[OUT_STDERR] = isatty(STDERR_FILENO) == 1;
	o.buffered = !o.tty[OUT_STDOUT];
	o.ready = true;
	decide_colour();
}

void out_set_colour(enum out_colour c)
{
	if (!o.ready)
		out_init();
	o.colour = c;
	decide_colour();
}

const char *out_style(enum out_stream s, enum out_style st)
{
	static const char *const seq[] = {"\033[0m", "\033[1m", "\033[31m", "\033[33m",
					  "\033[1;31m"};

	if (!o.ready)
		out_init();
	return o.coloured[s] ? seq[st] : "";
}

bool out_live(enum out_stream s)
{
	if (!o.ready)
		out_init();
	return o.tty[s] && !dumb();
}

unsigned out_width(enum out_stream s)
{
	struct winsize ws;

	if (ioctl(fds[s], TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
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

/* Draw the status line, unless a line is being written: it would go after
 * that line's text, and erasing it would erase that text. */
static void draw(void)
{
	if (!o.shown && o.status.len && !o.batch && !o.midline) {
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
	if (o.tty[s])
		o.midline = p[n - 1] != '\n';
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

void out_batch(bool on)
{
	if (on) {
		o.batch++;
		return;
	}
	if (--o.batch == 0) {
		flushbuf();
		draw();
	}
}

bool out_status_shown(void)
{
	return o.shown;
}

void out_status(enum out_stream s, const char *line)
{
	if (!out_live(s))
		return;
	if (line && o.shown && o.statusat == s && !strcmp(line, o.status.s))
		return; /* the same text is on the screen */
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
