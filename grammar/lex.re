/* The Taskfile lexer. Each line starts in LINE, which decides what kind of line it
 * is; HEAD is a rule or assignment header, TASK a task header, VALUE the words
 * after '=' or 'include', RECIPE an indented recipe line, DQ a "string", EXPR
 * the inside of {{ }} and COND the condition of an "if" line, an expression up
 * to the end of the line. Blanks between words become SEP tokens only where they
 * separate two words, which keeps the grammar free of optional blanks. */
#include "lang/lex.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/match.h"
#include "lang/diag.h"
#include "lang/plainheader.h"

/*!types:re2c*/

void lex_init(struct lexer *lx, uint32_t src)
{
	const struct source *s = source_get(src);

	memset(lx, 0, sizeof(*lx));
	lx->buf = (const unsigned char *)s->text;
	lx->cur = lx->buf;
	/* a UTF-8 byte-order mark, as some editors write first, is no text */
	if (s->len >= 3 && !memcmp(lx->cur, "\xef\xbb\xbf", 3))
		lx->cur += 3;
	lx->lim = lx->buf + s->len;
	lx->src = src;
	lx->cond = yycLINE;
	lx->loose = UINT32_MAX;
}

static struct loc here(const struct lexer *lx)
{
	struct loc l = {lx->src, (uint32_t)(lx->tok - lx->buf), (uint32_t)(lx->cur - lx->buf)};
	return l;
}

/* Blanks before these do not separate words: they end the list of words. */
static bool ends_words(const struct lexer *lx)
{
	unsigned char c = lx->cur[0];

	if (c == '\n' || c == '\r' || c == '#' || (c == '\0' && lx->cur >= lx->lim))
		return true;
	if (lx->cond == yycVALUE)
		return false;
	if (c == ':' || c == '=' || (c == '|' && lx->cond == yycHEAD))
		return true;
	return (c == '+' || c == '?') && lx->cur[1] == '=' && lx->cond == yycHEAD;
}

static int text(struct lexer *lx, YYSTYPE *val, const unsigned char *s, size_t len)
{
	val->text.s = (const char *)s;
	val->text.len = len;
	lx->piece_last = true;
	return TEXT;
}

/* A piece of text that is a whole word by itself (nothing of the word before it,
 * and what follows ends the word) is a WORD: the parser takes it in one step. */
static int textpiece(struct lexer *lx, YYSTYPE *val)
{
	bool first = !lx->piece_last;
	unsigned char c = lx->cur[0];
	int tok = text(lx, val, lx->tok, (size_t)(lx->cur - lx->tok));

	if (!first)
		return tok;
	if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '#' || c == '\0')
		return WORD;
	if (lx->cond == yycVALUE)
		return tok;
	if (c == ':' || c == '=' || (c == '|' && lx->cond == yycHEAD))
		return WORD;
	if ((c == '+' || c == '?') && lx->cur[1] == '=' && lx->cond == yycHEAD)
		return WORD;
	return tok;
}

/* "{{ name }}" or "{{ name[N] }}", the commonest interpolations, as one token
 * whose value is the piece the parser would have built from their tokens; or,
 * "{{ name }}" that is a whole word of a header or value, a VARWORD whose value is
 * the name: the parser makes a word of it in one step. */
static int var(struct lexer *lx, YYSTYPE *val, struct ast *t)
{
	const unsigned char *n = lx->tok + 2, *e, *p;
	struct loc nl, il;
	struct expr *x;
	long index = 0;
	bool neg;

	while (*n == ' ' || *n == '\t')
		n++;
	e = n + ident_len((const char *)n);
	if (*e != '[' && (lx->cond == yycHEAD || lx->cond == yycTASK || lx->cond == yycVALUE) &&
	    textpiece(lx, val) == WORD) {
		val->text.s = (const char *)n;
		val->text.len = (size_t)(e - n);
		return VARWORD;
	}
	nl = (struct loc){lx->src, (uint32_t)(n - lx->buf), (uint32_t)(e - lx->buf)};
	x = ast_var(t, (const char *)n, (size_t)(e - n), nl);
	if (*e == '[') {
		p = e + 1;
		neg = *p == '-';
		for (p += neg; *p != ']'; p++)
			index = index * 10 + (*p - '0'); /* at most 9 digits */
		il = (struct loc){lx->src, nl.off, (uint32_t)(p + 1 - lx->buf)};
		x = ast_index(t, x, neg ? -index : index, il);
	}
	val->piece = ast_interp(t, x, x->loc);
	lx->piece_last = true;
	return VAR;
}

static int lexerr(struct lexer *lx, struct ast *t, struct loc l, const char *msg)
{
	(void)lx;
	diag_error(l, "%s", msg);
	t->lexerr = true;
	return LEXERR;
}

/* Back to the line's own condition after a mistake, nothing left open. */
static void recover(struct lexer *lx)
{
	lx->cond = lx->base;
	lx->nopen = 0;
}

/* At a '{{' or '"' that opens cond (EXPR or DQ): note where, and what it
 * returns to. */
static int open(struct lexer *lx, struct ast *t, int cond, int tok)
{
	if (lx->nopen == LEX_NEST) {
		recover(lx);
		return lexerr(lx, t, here(lx), "strings and '{{' nested too deep on one line");
	}
	lx->open[lx->nopen++] = (struct lex_open){lx->cond, here(lx)};
	lx->cond = cond;
	return tok;
}

/* At the '}}' or '"' that closes the innermost one. */
static int close(struct lexer *lx, int tok)
{
	lx->cond = lx->open[--lx->nopen].ret;
	lx->piece_last = true;
	return tok;
}

/* A string or {{ still open at the end of the line: the innermost is reported. */
static int unterminated(struct lexer *lx, struct ast *t)
{
	int cond = lx->cond;
	struct loc at = lx->open[lx->nopen - 1].at;

	recover(lx);
	if (cond == yycDQ)
		return lexerr(lx, t, at, "unterminated string (expected '\"' on the same line)");
	return lexerr(lx, t, at, "unterminated '{{' (expected '}}' on the same line)");
}

/* The start of a line that is "if", "else", "else if" or "end" (tok): the
 * condition of "if" and "else if" is an expression up to the end of the line. */
static int keyword(struct lexer *lx, int tok)
{
	lx->cond = lx->base = tok == IF || tok == ELSEIF ? yycCOND : yycHEAD;
	lx->recipe = false;
	lx->blanks = 0;
	return tok;
}

/* Where the recipe whose first line starts at p ends: after its last indented
 * line, taking in the blank lines and comment lines between its lines, as the
 * rules of LINE below read them. */
static const unsigned char *recipe_end(const struct lexer *lx, const unsigned char *p)
{
	const unsigned char *lim = lx->lim, *end, *q;

	for (;;) {
		q = memchr(p, '\n', (size_t)(lim - p));
		end = p = q ? q + 1 : lim;
		for (;;) {
			if (p >= lim)
				return end;
			for (q = p; q < lim && (*q == ' ' || *q == '\t'); q++)
				;
			if (q < lim && (*q == '\n' || (*q == '\r' && q[1] == '\n')))
				p = q + (*q == '\r') + 1; /* a blank line */
			else if (q == p && *p == '#' && p[1] != '#')
				p = (q = memchr(p, '\n', (size_t)(lim - p))) ? q + 1 : lim; /* a comment */
			else
				break;
		}
		if (q == p || q >= lim)
			return end; /* not indented: the recipe is over */
	}
}

/* At the first line of a recipe (after no blank line): if the same text came
 * before, skip it and hand over that recipe's lines as one token; if not,
 * keep where it is, for the parser to offer its lines to later recipes. */
static int recipe(struct lexer *lx, YYSTYPE *val, struct ast *t)
{
	const unsigned char *end = recipe_end(lx, lx->tok);
	struct rline *head, *tail;

	t->at = (struct recipe_at){(uint32_t)(lx->tok - lx->buf), (uint32_t)(end - lx->buf),
				   diag_errors(), NULL};
	head = htab_get(&t->recipes, (const char *)lx->tok, (size_t)(end - lx->tok));
	if (!head)
		return INDENT;
	for (tail = head; tail->next; tail = tail->next)
		;
	t->at.shared = head;
	val->rlist = (struct rlist){head, tail};
	lx->cur = end;
	/* as the newline that ends the last line leaves it */
	lx->cond = lx->base = yycLINE;
	lx->recipe = true;
	return SHARED;
}

static int newline(struct lexer *lx);

/* The header token being made, and where its words go. */
struct headtok {
	struct lexer *lx;
	struct ast *t;
	struct tok_header *h;
};

/* Add the word from s to e, in part, to the header token. */
static void headadd(struct headtok *ht, const unsigned char *s, const unsigned char *e, int part)
{
	struct lexer *lx = ht->lx;
	struct tok_header *h = ht->h;
	struct wlist *list = part == 0 ? &h->outs : part == 1 ? &h->ins : &h->order;
	struct loc loc = {lx->src, (uint32_t)(s - lx->buf), (uint32_t)(e - lx->buf)};
	const unsigned char *name;
	struct word *w;
	size_t len;

	if (*s == '{' && lex_varword(s, &name, &len))
		w = ast_varword(ht->t, (const char *)name, len, loc);
	else
		w = ast_plainword(ht->t, (const char *)s, (size_t)(e - s), loc);
	*list = wlist_add(*list, w);
	if (part == 0)
		h->loc = (struct loc){lx->src, h->outs.head->loc.off, loc.end};
}

/* Add the words of a header to its token when there were more than plainheader
 * could note: found again from p to end, each with its part, in order. */
static void headwords_again(struct headtok *ht, const unsigned char *p, const unsigned char *end)
{
	int part = 0;

	for (; p < end; p++) {
		if (*p == ':') {
			part = 1;
		} else if (*p == '|') {
			part = 2;
		} else if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n') {
			const unsigned char *s = p;
			p = lex_headword(s);
			headadd(ht, s, p, part);
			p--;
		}
	}
}

/* At the start of a line: a rule header of plain words alone becomes one
 * HEADER token, its words made as the parser would make them; 0 if it is not
 * one (nothing is read then). */
static int header(struct lexer *lx, YYSTYPE *val, struct ast *t)
{
	struct headwords hw;
	const unsigned char *end = lex_plainheader(lx->tok, &hw);
	struct headtok ht = {lx, t, NULL};
	int i;

	if (!end)
		return 0;
	ht.h = &lx->header[lx->nheader++ % 2];
	*ht.h = (struct tok_header){0};
	if (hw.n < 0)
		headwords_again(&ht, lx->tok, end);
	for (i = 0; i < hw.n; i++)
		headadd(&ht, hw.s[i], hw.e[i], hw.part[i]);
	val->header = ht.h;
	lx->cur = end;
	/* as the slow path would leave things after the newline */
	lx->base = yycHEAD;
	lx->colon = true;
	newline(lx);
	return HEADER;
}

/* A newline ends the line: the next one starts in LINE. */
static int newline(struct lexer *lx)
{
	lx->first = lx->colon;
	lx->recipe = lx->colon || (lx->cond == yycRECIPE && lx->recipe);
	lx->colon = false;
	lx->piece_last = false;
	lx->blanks = 0;
	lx->cond = yycLINE;
	return NEWLINE;
}

int lex_next(struct lexer *lx, YYSTYPE *val, struct loc *loc, struct ast *t)
{
	const unsigned char *YYMARKER = NULL, *YYCTXMARKER = NULL;
	int tok;

#define RET(x)                                                                                     \
	do {                                                                                       \
		tok = (x);                                                                         \
		goto out;                                                                          \
	} while (0)

loop:
	lx->tok = lx->cur;
	/*!re2c
	re2c:define:YYCTYPE = "unsigned char";
	re2c:define:YYCURSOR = "lx->cur";
	re2c:define:YYGETCONDITION = "lx->cond";
	re2c:define:YYGETCONDITION:naked = 1;
	re2c:define:YYSETCONDITION = "lx->cond = @@;";
	re2c:define:YYSETCONDITION:naked = 1;
	re2c:yyfill:enable = 0;
	re2c:indent:top = 1;

	nl = "\r"? "\n";
	ws = ([ \t] | "\\" nl)+;
	ident = [a-zA-Z_][a-zA-Z0-9_]*;

	<*> "\x00" {
		if (lx->cur - 1 < lx->lim) {
			lx->tok = lx->cur - 1;
			tok = lexerr(lx, t, here(lx), "NUL byte in the file");
			goto out;
		}
		lx->cur--;
		if (lx->cond == yycDQ || lx->cond == yycEXPR)
			RET(unterminated(lx, t));
		if (lx->cond != yycLINE)
			RET(newline(lx));
		RET(END);
	}

	<LINE> [ \t]* nl { lx->blanks++; goto loop; }
	<LINE> [ \t]+ {
		if (*lx->cur == '\0' && lx->cur >= lx->lim)
			goto loop;
		if (!lx->recipe && *lx->cur == '#') {
			while (*lx->cur != '\n' && lx->cur < lx->lim)
				lx->cur++;
			if (lx->cur < lx->lim)
				lx->cur++;
			goto loop;
		}
		val->indent.indent = (uint32_t)(lx->cur - lx->tok);
		val->indent.blanks = lx->blanks;
		lx->cond = lx->base = yycRECIPE;
		if (lx->recipe && lx->first && !lx->blanks) {
			lx->first = false;
			RET(recipe(lx, val, t));
		}
		lx->blanks = 0;
		RET(INDENT);
	}
	<LINE> "##" [^\r\n\x00]* nl? {
		const unsigned char *s = lx->tok + 2, *e = lx->cur;
		while (e > s && (e[-1] == '\n' || e[-1] == '\r'))
			e--;
		if (s < e && *s == ' ')
			s++;
		val->text.s = (const char *)s;
		val->text.len = (size_t)(e - s);
		lx->recipe = false;
		lx->blanks = 0;
		RET(DOC);
	}
	<LINE> "#" [^\r\n\x00]* nl? { goto loop; }
	<LINE> "[" [ \t]* [a-zA-Z_][a-zA-Z0-9_-]* [ \t]* {
		const unsigned char *n = lx->tok + 1, *e = lx->cur;
		while (*n == ' ' || *n == '\t')
			n++;
		while (e[-1] == ' ' || e[-1] == '\t')
			e--;
		val->text.s = (const char *)n;
		val->text.len = (size_t)(e - n);
		lx->cond = lx->base = yycATTR;
		lx->recipe = false;
		RET(ATTR);
	}
	<LINE> "task" [ \t]+ {
		if (strchr("=:+?\r\n", *lx->cur) || *lx->cur == '\0') {
			lx->cur = lx->tok;
			lx->cond = lx->base = yycHEAD;
			lx->recipe = false;
			goto loop;
		}
		lx->cond = lx->base = yycTASK;
		lx->recipe = false;
		lx->colon = true;
		RET(TASK);
	}
	<LINE> ("if" | "else" [ \t]+ "if") [ \t]+ {
		if (strchr("=:+?\r\n", *lx->cur) || *lx->cur == '\0') {
			lx->cur = lx->tok;
			lx->cond = lx->base = yycHEAD;
			lx->recipe = false;
			goto loop;
		}
		RET(keyword(lx, lx->tok[0] == 'i' ? IF : ELSEIF));
	}
	<LINE> "else" / [ \t]* ("#" | nl | "\x00") { RET(keyword(lx, ELSE)); }
	<LINE> "end" / [ \t]* ("#" | nl | "\x00") { RET(keyword(lx, ENDIF)); }
	<LINE> "export" [ \t]+ {
		if (strchr("=:+?\r\n", *lx->cur) || *lx->cur == '\0') {
			lx->cur = lx->tok;
			lx->cond = lx->base = yycHEAD;
			lx->recipe = false;
			goto loop;
		}
		lx->cond = lx->base = yycHEAD;
		lx->recipe = false;
		RET(EXPORT);
	}
	<LINE> "dotenv" / [ \t]* ("#" | nl | "\x00") {
		lx->cond = lx->base = yycVALUE;
		lx->recipe = false;
		RET(DOTENV);
	}
	<LINE> "dotenv" [ \t]+ {
		if (strchr("=:+?\r\n", *lx->cur) || *lx->cur == '\0') {
			lx->cur = lx->tok;
			lx->cond = lx->base = yycHEAD;
			lx->recipe = false;
			goto loop;
		}
		lx->cond = lx->base = yycVALUE;
		lx->recipe = false;
		RET(DOTENV);
	}
	<LINE> "pool" [ \t]+ {
		if (strchr("=:+?\r\n", *lx->cur) || *lx->cur == '\0') {
			lx->cur = lx->tok;
			lx->cond = lx->base = yycHEAD;
			lx->recipe = false;
			goto loop;
		}
		lx->cond = lx->base = yycVALUE;
		lx->recipe = false;
		RET(POOL);
	}
	<LINE> "include" [ \t]+ {
		if (strchr("=:+?\r\n", *lx->cur) || *lx->cur == '\0') {
			lx->cur = lx->tok;
			lx->cond = lx->base = yycHEAD;
			lx->recipe = false;
			goto loop;
		}
		lx->cond = lx->base = yycVALUE;
		lx->recipe = false;
		RET(INCLUDE);
	}
	<LINE> * {
		lx->cur = lx->tok;
		lx->loose = lx->recipe && !lx->blanks ? (uint32_t)(lx->tok - lx->buf) : UINT32_MAX;
		lx->recipe = false;
		lx->blanks = 0;
		if (lx->headers && (tok = header(lx, val, t)))
			goto out;
		lx->cond = lx->base = yycHEAD;
		goto loop;
	}

	<HEAD, TASK, VALUE> ws {
		if (!lx->piece_last || ends_words(lx))
			goto loop;
		lx->piece_last = false;
		RET(SEP);
	}
	<HEAD, TASK, VALUE> "#" [^\r\n\x00]* { goto loop; }
	<HEAD, TASK, VALUE, RECIPE> nl { RET(newline(lx)); }
	<HEAD, TASK, VALUE, RECIPE, DQ> "{{{{" { RET(text(lx, val, lx->tok, 2)); }
	<HEAD, TASK, VALUE, RECIPE, DQ> "{{" [ \t]* ident ("[" "-"? [0-9]{1,9} "]")? [ \t]* "}}" {
		RET(var(lx, val, t));
	}
	<HEAD, TASK, VALUE, RECIPE, DQ> "{{" { RET(open(lx, t, yycEXPR, LINTERP)); }
	<HEAD, TASK, VALUE, EXPR, COND> "\"" { RET(open(lx, t, yycDQ, DQ)); }
	<HEAD, TASK, VALUE> "'" [^'\r\n\x00]* "'" {
		val->text.s = (const char *)lx->tok + 1;
		val->text.len = (size_t)(lx->cur - lx->tok) - 2;
		lx->piece_last = true;
		RET(SQSTR);
	}
	<HEAD, TASK, VALUE, EXPR, COND> "'" {
		recover(lx);
		RET(lexerr(lx, t, here(lx), "unterminated string (expected \"'\")"));
	}
	<HEAD, TASK, VALUE> "\\" | "{" { RET(text(lx, val, lx->tok, 1)); }

	<HEAD> ":" { lx->piece_last = false; lx->colon = true; RET(COLON); }
	<HEAD> "|" { lx->piece_last = false; RET(BAR); }
	<HEAD> "=" => VALUE { lx->piece_last = false; RET(EQ); }
	<HEAD> "+=" => VALUE { lx->piece_last = false; RET(PLUSEQ); }
	<HEAD> "?=" => VALUE { lx->piece_last = false; RET(QEQ); }
	<HEAD> [^ \t\r\n\x00#:|="'{\\+?]+ | [+?] { RET(textpiece(lx, val)); }

	<TASK> ":" => VALUE { lx->piece_last = false; RET(COLON); }
	<TASK> "=" { lx->piece_last = false; RET(EQ); }
	<TASK> [^ \t\r\n\x00#:="'{\\]+ { RET(textpiece(lx, val)); }

	<VALUE> [^ \t\r\n\x00#"'{\\]+ { RET(textpiece(lx, val)); }

	<ATTR> [ \t]* ":" [ \t]* => ATTRV { RET(COLON); }
	<ATTR, ATTRV> [ \t]* "]" => VALUE { lx->piece_last = false; RET(RBRACK); }
	<ATTR, ATTRV> nl { RET(newline(lx)); }
	<ATTRV> "{{{{" { RET(text(lx, val, lx->tok, 2)); }
	<ATTRV> "{{" { RET(open(lx, t, yycEXPR, LINTERP)); }
	<ATTRV> ([^\]\r\n\x00{] | "{" [^{\]\r\n\x00])+ | "{" {
		RET(text(lx, val, lx->tok, (size_t)(lx->cur - lx->tok)));
	}
	<ATTRV> * { RET(lexerr(lx, t, here(lx), "unexpected character in an attribute")); }
	<ATTR> * { RET(lexerr(lx, t, here(lx), "unexpected character in an attribute")); }

	<RECIPE> ([^\r\n\x00{] | "{" [^{\r\n\x00])+ | "{" | "\r" {
		RET(text(lx, val, lx->tok, (size_t)(lx->cur - lx->tok)));
	}

	<DQ> "\"" { RET(close(lx, DQ)); }
	<DQ> [^"\\{\r\n\x00]+ | "{" {
		RET(text(lx, val, lx->tok, (size_t)(lx->cur - lx->tok)));
	}
	<DQ> "\\" [^\r\n\x00] {
		unsigned char c = lx->tok[1];
		static const unsigned char nl_[] = "\n", tab[] = "\t";
		if (c == 'n')
			RET(text(lx, val, nl_, 1));
		if (c == 't')
			RET(text(lx, val, tab, 1));
		if (c == '"' || c == '\\' || c == '{')
			RET(text(lx, val, lx->tok + 1, 1));
		RET(text(lx, val, lx->tok, 2));
	}
	<DQ, EXPR> "\\"? nl {
		lx->cur = lx->tok;
		if (*lx->cur == '\\')
			lx->cur++;
		RET(unterminated(lx, t));
	}
	<DQ> "\\" { RET(text(lx, val, lx->tok, 1)); }

	<EXPR, COND> [ \t]+ { goto loop; }
	<EXPR> "}}" { RET(close(lx, RINTERP)); }
	<COND> "#" [^\r\n\x00]* { goto loop; }
	<COND> "\\" nl { goto loop; }
	<COND> nl { RET(newline(lx)); }
	<EXPR, COND> "filter-out" / [ \t]* "(" {
		val->text.s = (const char *)lx->tok;
		val->text.len = (size_t)(lx->cur - lx->tok);
		RET(IDENT);
	}
	<EXPR, COND> ident {
		val->text.s = (const char *)lx->tok;
		val->text.len = (size_t)(lx->cur - lx->tok);
		RET(IDENT);
	}
	<EXPR, COND> "-"? [0-9]+ {
		char *end;
		errno = 0;
		val->num = strtol((const char *)lx->tok, &end, 10);
		if (errno)
			RET(lexerr(lx, t, here(lx), "number out of range"));
		RET(NUMBER);
	}
	<EXPR, COND> "'" [^'\r\n\x00]* "'" {
		val->text.s = (const char *)lx->tok + 1;
		val->text.len = (size_t)(lx->cur - lx->tok) - 2;
		RET(STRLIT);
	}
	<EXPR, COND> "(" { RET(LPAREN); }
	<EXPR, COND> ")" { RET(RPAREN); }
	<EXPR, COND> "," { RET(COMMA); }
	<EXPR, COND> "[" { RET(LBRACK); }
	<EXPR, COND> "]" { RET(RBRACK); }
	<EXPR, COND> ":" { RET(COLON); }
	<EXPR, COND> "==" { RET(EQEQ); }
	<EXPR, COND> "!=" { RET(NE); }
	<EXPR, COND> "&&" { RET(ANDAND); }
	<EXPR, COND> "||" { RET(OROR); }
	<EXPR, COND> "!" { RET(NOT); }
	<EXPR> * {
		RET(lexerr(lx, t, here(lx), "unexpected character in '{{ }}'"));
	}
	<COND> * {
		RET(lexerr(lx, t, here(lx), "unexpected character in a condition"));
	}

	<HEAD, TASK, VALUE, RECIPE, DQ> * {
		RET(lexerr(lx, t, here(lx), "unexpected character"));
	}
	*/
out:
	*loc = here(lx);
	return tok;
#undef RET
}
