/* libstrutil: a few functions on strings, for the example. */
#ifndef STRUTIL_H
#define STRUTIL_H

#include <stddef.h>

/* The number of words in s, separated by blanks. */
size_t su_words(const char *s);
/* Reverse s in place; returns s. */
char *su_reverse(char *s);
/* Whether s reads the same backwards, ignoring case and blanks. */
int su_palindrome(const char *s);

#endif
