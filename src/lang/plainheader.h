/* The lexer's fast path for rule headers of plain words alone. */
#ifndef BATON_LANG_PLAINHEADER_H
#define BATON_LANG_PLAINHEADER_H

#include <stddef.h>

/* The words of a rule header as lex_plainheader found them: where each starts and
 * ends, and in which part (outputs, inputs, order-only inputs) it is; n is -1
 * if there were more than fit, to be found again. */
enum { HEAD_WORDS = 16 };
struct headwords {
	const unsigned char *s[HEAD_WORDS], *e[HEAD_WORDS];
	unsigned char part[HEAD_WORDS];
	int n;
};

/* Where a rule header of plain words alone, from p, ends (after its newline),
 * or NULL if the line is anything else: then it is lexed a token at a time.
 * A word is plain text, or "{{ name }}" alone, as the parser takes them in one
 * step (WORD, VARWORD). The words are noted in *hw. */
const unsigned char *lex_plainheader(const unsigned char *p, struct headwords *hw);

/* If p starts "{{ name }}", where its name is in *name and *len; then the end. */
const unsigned char *lex_varword(const unsigned char *p, const unsigned char **name,
				 size_t *len);
/* The end of the word of a header at p, plain text or "{{ name }}" alone, or
 * NULL if the word is anything else. */
const unsigned char *lex_headword(const unsigned char *p);

#endif
