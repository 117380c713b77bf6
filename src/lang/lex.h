/* The lexer: turns a source's text into tokens for the parser (grammar/lex.re). */
#ifndef BATON_LEX_H
#define BATON_LEX_H

#include <stdbool.h>
#include <stdint.h>

#include "lang/ast.h"
#include "parse.h"

/* How deep '{{' and '"' may nest inside each other on one line. */
enum { LEX_NEST = 32 };

struct lexer {
	const unsigned char *buf, *cur, *tok, *lim;
	uint32_t src;
	int cond;        /* the re2c condition: what kind of text we are in */
	int base;        /* the condition of the line being lexed, for recovery */
	bool piece_last; /* the last token was part of a word */
	bool recipe;     /* indented lines here are recipe lines */
	bool colon;      /* the current line is a rule or task header */
	bool first;      /* an indented line here is the first of a recipe */
	bool headers;    /* a rule header of plain words is one token (HEADER) */
	uint32_t blanks; /* blank lines seen since the last token */
	/* where the line being lexed starts if an indented one there would have
	 * been a recipe line (right after a header or a recipe line), else
	 * UINT32_MAX: a mistake on it may be a recipe line not indented */
	uint32_t loose;
	/* the values of HEADER tokens, in turn: the parser holds at most two, the
	 * one whose recipe it reads and the next, read ahead */
	struct tok_header header[2];
	unsigned nheader;
	/* the '{{' and '"' open here, innermost last: where each started and the
	 * condition to go back to when it closes ("{{f("{{x}}")}}" nests) */
	struct lex_open {
		int ret;
		struct loc at;
	} open[LEX_NEST];
	unsigned nopen;
};

/* Every token the lexer makes: its name in --dump=tokens (the name the
 * grammar declares it by) and how messages about the Taskfile name it. */
#define LEX_TOKENS(X)                                                                              \
	X(END, "end of file")                                                                      \
	X(NEWLINE, "end of line")                                                                  \
	X(SEP, "space")                                                                            \
	X(TEXT, "text")                                                                            \
	X(WORD, "text")                                                                            \
	X(VAR, "'{{'")                                                                             \
	X(VARWORD, "'{{'")                                                                         \
	X(SQSTR, "string")                                                                         \
	X(DQ, "'\"'")                                                                              \
	X(LINTERP, "'{{'")                                                                         \
	X(RINTERP, "'}}'")                                                                         \
	X(IDENT, "a name")                                                                         \
	X(STRLIT, "a string")                                                                      \
	X(NUMBER, "a number")                                                                      \
	X(COLON, "':'")                                                                            \
	X(BAR, "'|'")                                                                              \
	X(EQ, "'='")                                                                               \
	X(PLUSEQ, "'+='")                                                                          \
	X(QEQ, "'?='")                                                                             \
	X(LPAREN, "'('")                                                                           \
	X(RPAREN, "')'")                                                                           \
	X(COMMA, "','")                                                                            \
	X(LBRACK, "'['")                                                                           \
	X(RBRACK, "']'")                                                                           \
	X(TASK, "'task'")                                                                          \
	X(INCLUDE, "'include'")                                                                    \
	X(POOL, "'pool'")                                                                          \
	X(DOC, "a doc comment")                                                                    \
	X(ATTR, "an attribute")                                                                    \
	X(INDENT, "an indented line")                                                              \
	X(SHARED, "an indented line")                                                              \
	X(HEADER, "a rule header")                                                                 \
	X(EQEQ, "'=='")                                                                            \
	X(NE, "'!='")                                                                              \
	X(ANDAND, "'&&'")                                                                          \
	X(OROR, "'||'")                                                                            \
	X(NOT, "'!'")                                                                              \
	X(IF, "'if'")                                                                              \
	X(ELSEIF, "'else if'")                                                                     \
	X(ELSE, "'else'")                                                                          \
	X(ENDIF, "'end'")                                                                          \
	X(EXPORT, "'export'")                                                                      \
	X(DOTENV, "'dotenv'")                                                                      \
	X(LEXERR, "invalid text")

/* Start lexing source number src. */
void lex_init(struct lexer *lx, uint32_t src);
/* The next token, its value and its location; errors are reported to diag. */
int lex_next(struct lexer *lx, YYSTYPE *val, struct loc *loc, struct ast *t);
/* Print every token of a source as the parser receives it, a line of them per
 * source line (--dump=tokens); errors are reported to diag. */
void lex_dump(struct buf *b, uint32_t src);
/* Print one token in that form. */
void lex_print(struct buf *b, int tok, const YYSTYPE *val);
/* The name of a token kind in the dump. */
const char *lex_name(int tok);

#endif
