/* Diagnostics for mistakes in a Taskfile or on the command line:
 * "file:line:col: error: message", the source line, and a caret. */
#ifndef BATON_DIAG_H
#define BATON_DIAG_H

#include <stdio.h>

#include "lang/source.h"
#include "base/util.h"

/* Report an error at loc (loc.src 0: no location); counts it. */
void diag_error(struct loc loc, const char *fmt, ...) PRINTF(2, 3);
/* Report a note that explains the previous error. */
void diag_note(struct loc loc, const char *fmt, ...) PRINTF(2, 3);
/* Number of errors reported so far. */
int diag_errors(void);
/* Forget the error count. */
void diag_reset(void);
/* Send diagnostics to f (tests) instead of the terminal (NULL restores it). */
void diag_set_stream(FILE *f);
/* Until called again with len 0, report a location in [from, from + len) of source
 * src as if it were by bytes further on: the lines of a recipe that shares those
 * of an identical one before it are evaluated with that one's locations. */
void diag_move(uint32_t src, uint32_t from, uint32_t len, uint32_t by);
/* "file:line:col" of loc, into buf of size n. */
void diag_where(struct loc loc, char *buf, size_t n);

/* "Did you mean": the name nearest to one that is unknown, among candidates
 * tried one by one, if it is near enough to be a likely typo (letters
 * compared without regard to case: a name that differs only in case is the
 * nearest). */
struct nearest {
	const char *name;   /* the unknown name */
	const char *best;   /* the nearest so far, or NULL */
	unsigned dist;      /* its distance (edits: insert, delete, replace, swap) */
	char hint[192];     /* nearest_hint's text */
};
/* Start looking for names near name. */
void nearest_init(struct nearest *n, const char *name);
/* Consider cand (kept by the caller until nearest_hint). */
void nearest_try(struct nearest *n, const char *cand);
/* " (did you mean 'best'?)", or "" if no candidate was near. */
const char *nearest_hint(struct nearest *n);
/* The same, for the candidates in an array. */
const char *diag_suggest(const char *name, const char *const *cands, size_t n);

#endif
