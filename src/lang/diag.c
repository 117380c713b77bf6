#include "lang/diag.h"

#include "base/out.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { MAXERRORS = 20 };

static FILE *stream;
static int nerrors;
static struct {
	uint32_t src, from, len, by;
} moved;

void diag_move(uint32_t src, uint32_t from, uint32_t len, uint32_t by)
{
	moved.src = src;
	moved.from = from;
	moved.len = len;
	moved.by = by;
}

void diag_set_stream(FILE *f)
{
	stream = f;
}

int diag_errors(void)
{
	return nerrors;
}

void diag_reset(void)
{
	nerrors = 0;
}

void diag_where(struct loc loc, char *buf, size_t n)
{
	const struct source *s = source_get(loc.src);
	unsigned line, col;

	if (!s) {
		snprintf(buf, n, "baton");
		return;
	}
	source_linecol(s, loc.off, &line, &col);
	snprintf(buf, n, "%s:%u:%u", s->name, line, col);
}

static void putbyte(FILE *f, unsigned char c)
{
	/* keep the quoted line on one terminal line, whatever bytes it holds */
	if (c == '\t' || c >= 0x20)
		fputc(c, f);
	else
		fputc('?', f);
}

/* Print the source line holding loc, then a caret under loc. */
static void quote(FILE *f, struct loc loc)
{
	enum { BEFORE = 60, AFTER = 100 };
	const struct source *s = source_get(loc.src);
	size_t start, stop, from, to, i;

	if (!s)
		return;
	if (loc.off > s->len)
		loc.off = (uint32_t)s->len;
	start = loc.off;
	while (start > 0 && s->text[start - 1] != '\n')
		start--;
	stop = loc.off;
	while (stop < s->len && s->text[stop] != '\n' && s->text[stop] != '\r')
		stop++;
	if (start == stop && loc.off == s->len && start == s->len)
		return; /* error at the very end of the file: nothing to show */
	from = loc.off - start > BEFORE ? loc.off - BEFORE : start;
	to = stop - loc.off > AFTER ? loc.off + AFTER : stop;
	fputs("    ", f);
	if (from > start)
		fputs("...", f);
	for (i = from; i < to; i++)
		putbyte(f, (unsigned char)s->text[i]);
	if (to < stop)
		fputs("...", f);
	fputs("\n    ", f);
	if (from > start)
		fputs("   ", f);
	for (i = from; i < loc.off; i++) {
		unsigned char c = (unsigned char)s->text[i];
		if (c == '\t')
			fputc('\t', f);
		else if ((c & 0xc0) != 0x80)
			fputc(' ', f);
	}
	fputc('^', f);
	for (i = loc.off + 1; i < loc.end && i < to; i++) {
		if (((unsigned char)s->text[i] & 0xc0) != 0x80)
			fputc('~', f);
	}
	fputc('\n', f);
}

static void vreport(struct loc loc, const char *kind, const char *fmt, va_list ap)
{
	char where[4096], *text = NULL;
	size_t len = 0;
	FILE *f;

	if (loc.src && loc.src == moved.src && loc.off >= moved.from &&
	    loc.off - moved.from < moved.len) {
		loc.off += moved.by;
		loc.end += moved.by;
	}
	/* made in memory and written at once: a byte at a time would cost a
	 * system call each (100,000 notes of a cycle: seconds) */
	f = open_memstream(&text, &len);
	if (!f)
		nomem();
	diag_where(loc, where, sizeof(where));
	if (stream)
		fprintf(f, "%s: %s: ", where, kind);
	else
		fprintf(f, "%s%s:%s %s%s:%s ", out_style(OUT_STDERR, STYLE_BOLD), where,
			out_style(OUT_STDERR, STYLE_RESET),
			out_style(OUT_STDERR, *kind == 'e' ? STYLE_BOLDRED
					      : *kind == 'w' ? STYLE_YELLOW : STYLE_BOLD),
			kind, out_style(OUT_STDERR, STYLE_RESET));
	vfprintf(f, fmt, ap);
	fputc('\n', f);
	quote(f, loc);
	fclose(f);
	if (stream) {
		fwrite(text, 1, len, stream);
		fflush(stream);
	} else {
		out_write(OUT_STDERR, text, len);
	}
	free(text);
}

void diag_error(struct loc loc, const char *fmt, ...)
{
	va_list ap;

	if (++nerrors > MAXERRORS) {
		if (nerrors == MAXERRORS + 1 && stream)
			fputs("baton: too many errors, giving up\n", stream);
		else if (nerrors == MAXERRORS + 1)
			out_note("too many errors, giving up");
		return;
	}
	va_start(ap, fmt);
	vreport(loc, "error", fmt, ap);
	va_end(ap);
}

void diag_note(struct loc loc, const char *fmt, ...)
{
	va_list ap;

	if (nerrors > MAXERRORS)
		return;
	va_start(ap, fmt);
	vreport(loc, "note", fmt, ap);
	va_end(ap);
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* The edit distance of a and b (optimal string alignment: a swap of two
 * neighbours is one edit; letters compared without regard to case), or more
 * than limit if it is. */
static unsigned distance(const char *a, size_t la, const char *b, size_t lb, unsigned limit)
{
	unsigned row[3][65], *prev2 = row[0], *prev = row[1], *cur = row[2], *t, best;
	size_t i, j;

	if (la > 64 || lb > 64 || (la > lb ? la - lb : lb - la) > limit)
		return limit + 1;
	for (j = 0; j <= lb; j++)
		prev[j] = (unsigned)j;
	for (i = 1; i <= la; i++) {
		cur[0] = (unsigned)i;
		best = cur[0];
		for (j = 1; j <= lb; j++) {
			unsigned cost = lower(a[i - 1]) != lower(b[j - 1]), v = prev[j - 1] + cost;
			if (prev[j] + 1 < v)
				v = prev[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
			    lower(a[i - 2]) == lower(b[j - 1]) &&
			    prev2[j - 2] + 1 < v)
				v = prev2[j - 2] + 1;
			cur[j] = v;
			if (v < best)
				best = v;
		}
		if (best > limit)
			return limit + 1;
		t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb];
}

void nearest_init(struct nearest *n, const char *name)
{
	memset(n, 0, sizeof(*n));
	n->name = name;
}

void nearest_try(struct nearest *n, const char *cand)
{
	size_t len = strlen(n->name);
	/* a third of the name's letters may be wrong, at least one; a name of one
	 * or two letters is near too much */
	unsigned limit = len < 3 ? 0 : len < 6 ? 1 : (unsigned)(len / 3), d;

	if (!cand || !strcmp(cand, n->name))
		return;
	/* the same but for case (CFLAGS, cflags), however short: none is nearer */
	if (!strcasecmp(cand, n->name)) {
		if (!n->best || n->dist > 0) {
			n->best = cand;
			n->dist = 0;
		}
		return;
	}
	if (!limit)
		return;
	if (n->best) {
		if (n->dist <= 1)
			return; /* nothing is nearer */
		limit = n->dist - 1;
	}
	d = distance(n->name, len, cand, strlen(cand), limit);
	if (d <= limit) {
		n->best = cand;
		n->dist = d;
	}
}

const char *nearest_hint(struct nearest *n)
{
	if (!n->best)
		return "";
	snprintf(n->hint, sizeof(n->hint), " (did you mean '%.160s'?)", n->best);
	return n->hint;
}

const char *diag_suggest(const char *name, const char *const *cands, size_t n)
{
	static struct nearest near;
	size_t i;

	nearest_init(&near, name);
	for (i = 0; i < n; i++)
		nearest_try(&near, cands[i]);
	return nearest_hint(&near);
}
