#include "cli/timing.h"

#include <stdarg.h>
#include <stdio.h>

#include "base/out.h"

#include "os/os.h"

void timing_start(struct timing *s, bool on)
{
	s->on = on;
	s->start = s->last = on ? os_clock() : 0;
	s->lines = (struct buf){0};
}

void timing_phase(struct timing *s, const char *name, const char *fmt, ...)
{
	int64_t now;
	va_list ap;
	char what[256] = "";

	if (!s->on)
		return;
	now = os_clock();
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(what, sizeof(what), fmt, ap);
		va_end(ap);
	}
	buf_printf(&s->lines, "baton: stats: %-9s %9.1f ms%s%s\n", name, (double)(now - s->last) / 1e6,
		   *what ? "  " : "", what);
	s->last = now;
}

void timing_print(struct timing *s)
{
	if (!s->on)
		return;
	buf_printf(&s->lines, "baton: stats: %-9s %9.1f ms\n", "total",
		   (double)(os_clock() - s->start) / 1e6);
	out_write(OUT_STDERR, s->lines.s, s->lines.len);
	buf_free(&s->lines);
}
