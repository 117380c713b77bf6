/* Recognising words: names (identifiers) and patterns with one '%'. */
#ifndef BATON_MATCH_H
#define BATON_MATCH_H

#include <stdbool.h>
#include <stddef.h>

/* Whether c may be in a name: a letter, a digit or '_'. */
static inline bool ident_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* The length of the name at the start of s: a letter or '_', then letters,
 * digits and '_' (0 if s does not start with one). The names of variables,
 * functions and task parameters are all of this form. */
size_t ident_len(const char *s);

/* Whether the word s[0..len) matches the pattern pat (NUL-terminated): with no
 * '%', when they are equal (the stem is empty); with one, when the word starts
 * with the text before the '%' and ends with the text after it, and the part
 * between, the stem, is not empty. The stem is s[*stem, *stem + *stemlen).
 * Pattern rules, patsubst(), filter() and static pattern rules all match so. */
bool pattern_match(const char *pat, const char *s, size_t len, size_t *stem, size_t *stemlen);

#endif
