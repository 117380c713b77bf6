/* The names of the lexer's tokens, for messages and --dump=tokens. */
#include "lang/lex.h"

#include "lang/ast.h"

const char *lex_name(int tok)
{
	switch (tok) {
#define NAME(tok, msg) case tok: return #tok;
	LEX_TOKENS(NAME)
#undef NAME
	default: return "LEXERR";
	}
}

const char *lex_msgname(int tok)
{
	switch (tok) {
#define MSG(tok, msg) case tok: return msg;
	LEX_TOKENS(MSG)
#undef MSG
	default: return "invalid text";
	}
}

static void printwords(struct buf *b, const struct word *w, const char *before)
{
	if (w)
		buf_puts(b, before);
	for (; w; w = w->next) {
		ast_dump_word(b, w);
		if (w->next)
			buf_putc(b, ' ');
	}
}

void lex_print(struct buf *b, int tok, const YYSTYPE *val)
{
	const struct rline *r;
	unsigned n = 0;

	buf_puts(b, lex_name(tok));
	switch (tok) {
	case TEXT: case WORD: case SQSTR: case IDENT: case STRLIT: case DOC: case VARWORD:
		buf_printf(b, "(%.*s)", (int)val->text.len, val->text.s);
		break;
	case VAR:
		buf_putc(b, '(');
		ast_dump_expr(b, val->piece->expr);
		buf_putc(b, ')');
		break;
	case NUMBER:
		buf_printf(b, "(%ld)", val->num);
		break;
	case INDENT:
		buf_printf(b, "(%u,%u)", val->indent.indent, val->indent.blanks);
		break;
	case SHARED:
		for (r = val->rlist.head; r; r = r->next)
			n++;
		buf_printf(b, "(%u line%s)", n, n == 1 ? "" : "s");
		break;
	case HEADER:
		buf_putc(b, '(');
		printwords(b, val->header->outs.head, "");
		buf_puts(b, " :");
		printwords(b, val->header->ins.head, " ");
		printwords(b, val->header->order.head, " | ");
		buf_putc(b, ')');
		break;
	}
	buf_putc(b, tok == NEWLINE || tok == END || tok == HEADER || tok == SHARED ? '\n' : ' ');
}
