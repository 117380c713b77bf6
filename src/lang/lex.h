/* The lexer: turns a source's text into tokens for the parser (grammar/lex.re). */
#ifndef BATON_LEX_H
#define BATON_LEX_H

#include <stdbool.h>
#include <stdint.h>

#include "lang/ast.h"
#include "parse.h"

struct lexer {
	const unsigned char *buf, *cur, *tok, *lim;
	uint32_t src;
	int cond;        /* the re2c condition: what kind of text we are in */
	int base;        /* the condition of the line being lexed, for recovery */
	int dq_ret;      /* condition to go back to after a closing '"' */
	int expr_ret;    /* condition to go back to after '}}' */
	bool piece_last; /* the last token was part of a word */
	bool recipe;     /* indented lines here are recipe lines */
	bool colon;      /* the current line is a rule or task header */
	bool first;      /* an indented line here is the first of a recipe */
	bool headers;    /* a rule header of plain words is one token (HEADER) */
	uint32_t blanks; /* blank lines seen since the last token */
	/* the values of HEADER tokens, in turn: the parser holds at most two, the
	 * one whose recipe it reads and the next, read ahead */
	struct tok_header header[2];
	unsigned nheader;
	struct loc open_dq, open_expr; /* where the open '"' and '{{' started */
	struct loc open; /* where the '"' or '{{' being lexed started */
};

/* Start lexing source number src. */
void lex_init(struct lexer *lx, uint32_t src);
/* The next token, its value and its location; errors are reported to diag. */
int lex_next(struct lexer *lx, YYSTYPE *val, struct loc *loc, struct ast *t);
/* Print every token of a source, a line of them per source line (--dump=tokens). */
void lex_dump(struct buf *b, uint32_t src);
/* The name of a token kind. */
const char *lex_name(int tok);

#endif
