/* The lexer's fast path: a rule header of plain words alone ("out: a b"),
 * found with a table of bytes and handed to the parser as one token. */
#include "lang/plainheader.h"

#include <stdbool.h>

#include "base/match.h"

/* The bytes that end a plain piece of a header's text (as <HEAD> reads it), or
 * make a word more than plain text. */
static const bool notplain[256] = {
	[' '] = true, ['\t'] = true, ['\r'] = true, ['\n'] = true, ['\0'] = true,
	['#'] = true, [':'] = true, ['|'] = true, ['='] = true, ['"'] = true,
	['\''] = true, ['{'] = true, ['\\'] = true, ['+'] = true, ['?'] = true,
};

const unsigned char *lex_varword(const unsigned char *p, const unsigned char **name,
				    size_t *len)
{
	const unsigned char *e;

	p += 2;
	while (*p == ' ' || *p == '\t')
		p++;
	*len = ident_len((const char *)p);
	if (!*len)
		return NULL;
	*name = p;
	e = p + *len;
	while (*e == ' ' || *e == '\t')
		e++;
	return e[0] == '}' && e[1] == '}' ? e + 2 : NULL;
}

const unsigned char *lex_headword(const unsigned char *p)
{
	const unsigned char *name;
	size_t len;

	if (p[0] == '{' && p[1] == '{')
		p = lex_varword(p, &name, &len);
	else
		while (!notplain[*p])
			p++;
	/* the word must end here, not go on with a quote or a {{ }} */
	if (!p || (*p != ' ' && *p != '\t' && *p != ':' && *p != '|' && *p != '\n' && *p != '\r'))
		return NULL;
	return p;
}

/* Where a rule header of plain words alone, from p, ends (after its newline),
 * or NULL if the line is anything else: then it is lexed a token at a time.
 * A word is plain text, or "{{ name }}" alone, as the parser takes them in one
 * step (WORD, VARWORD). The words are noted in *hw. */
const unsigned char *lex_plainheader(const unsigned char *p, struct headwords *hw)
{
	const unsigned char *s;
	int part = 0; /* outputs, inputs, order-only inputs */
	bool any = false;

	hw->n = 0;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!notplain[*p] || (p[0] == '{' && p[1] == '{')) {
			s = p;
			if (!(p = lex_headword(p)))
				return NULL;
			if (hw->n >= 0 && hw->n < HEAD_WORDS) {
				hw->s[hw->n] = s;
				hw->e[hw->n] = p;
				hw->part[hw->n++] = (unsigned char)part;
			} else {
				hw->n = -1;
			}
			any = true;
		} else if (*p == ':' && part == 0 && any) {
			part = 1;
			p++;
		} else if (*p == '|' && part == 1) {
			part = 2;
			p++;
		} else if (part > 0 && (*p == '\n' || (*p == '\r' && p[1] == '\n'))) {
			return p + (*p == '\r') + 1;
		} else {
			return NULL;
		}
	}
}
