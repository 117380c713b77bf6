/* The one writer to the terminal. Every byte baton prints goes through here:
 * job output and status lines on stdout, messages on stderr. So the two come out
 * in the order they were written (stdout is flushed before anything goes to
 * stderr), a write to a slow or non-blocking reader is finished rather than cut
 * short, and a status line kept at the bottom of a terminal is erased before
 * anything else is printed and drawn again after it. */
#ifndef BATON_OUT_H
#define BATON_OUT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/util.h"

enum out_stream { OUT_STDOUT, OUT_STDERR };

/* Set up the streams: stdout to a file or a pipe is written 64 KiB at a time. */
void out_init(void);
/* Write n bytes to a stream. */
void out_write(enum out_stream s, const char *p, size_t n);
/* Write a NUL-terminated string. */
void out_puts(enum out_stream s, const char *p);
/* Write formatted text. */
void out_printf(enum out_stream s, const char *fmt, ...) PRINTF(2, 3);
/* A message of baton's own on stderr: "baton: " and the text and a newline. */
void out_note(const char *fmt, ...) PRINTF(1, 2);
/* Write what stdout holds; before handing the terminal to another program. */
void out_flush(void);
/* The errno of the first write to stdout that failed, or 0. */
int out_error(void);
/* Keep line (one line, no newline; NULL for none) at the bottom of the terminal
 * that stream s is: it is drawn now, erased before any other output and drawn
 * again after it. Nothing happens unless s is a terminal. */
void out_status(enum out_stream s, const char *line);
/* Whether the status line is on the screen now (not erased for other output). */
bool out_status_shown(void);
/* Between out_batch(true) and out_batch(false), the status line is not drawn
 * again after each line: once, at the end (calls may nest). */
void out_batch(bool on);
/* Whether stream s is a terminal. */
bool out_isatty(enum out_stream s);
/* Whether a status line can be kept on stream s: a terminal, and TERM is not
 * "dumb" (which gets no escape sequences at all). */
bool out_live(enum out_stream s);
/* The width of the terminal that stream s is, in columns (80 if unknown). */
unsigned out_width(enum out_stream s);

/* Colour: --color=auto (on a terminal, unless NO_COLOR is set or TERM is
 * dumb), always, or never. */
enum out_colour { COLOUR_AUTO, COLOUR_ALWAYS, COLOUR_NEVER };
void out_set_colour(enum out_colour c);
/* Styles of text, and the escape sequence that starts one on stream s ("" when
 * s gets no colour). */
enum out_style { STYLE_RESET, STYLE_BOLD, STYLE_RED, STYLE_YELLOW, STYLE_BOLDRED };
const char *out_style(enum out_stream s, enum out_style st);

#endif
