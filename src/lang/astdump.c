/* The syntax tree in a stable text form, for tests and --dump=ast. */
#include "lang/ast.h"

#include <limits.h>

static void dump_pieces(struct buf *b, const struct piece *p);

void ast_dump_expr(struct buf *b, const struct expr *e)
{
	static const char *const ops[] = {[EX_EQ] = " == ", [EX_NE] = " != ", [EX_AND] = " && ",
					  [EX_OR] = " || "};
	const struct expr *a;

	switch (e->kind) {
	case EX_VAR:
		buf_puts(b, e->name);
		break;
	case EX_STR:
		buf_putc(b, '"');
		buf_add(b, e->name, e->len);
		buf_putc(b, '"');
		break;
	case EX_CALL:
		buf_puts(b, e->name);
		buf_putc(b, '(');
		for (a = e->arg; a; a = a->next) {
			ast_dump_expr(b, a);
			if (a->next)
				buf_puts(b, ", ");
		}
		buf_putc(b, ')');
		break;
	case EX_INDEX:
		ast_dump_expr(b, e->arg);
		buf_printf(b, "[%ld]", e->index);
		break;
	case EX_SLICE:
		ast_dump_expr(b, e->arg);
		buf_printf(b, "[%ld:", e->index);
		if (e->to != LONG_MAX)
			buf_printf(b, "%ld", e->to);
		buf_putc(b, ']');
		break;
	case EX_QUOTED:
		buf_putc(b, '"');
		dump_pieces(b, e->pieces);
		buf_putc(b, '"');
		break;
	case EX_NOT:
		buf_puts(b, "!");
		ast_dump_expr(b, e->arg);
		break;
	case EX_EQ:
	case EX_NE:
	case EX_AND:
	case EX_OR:
		buf_putc(b, '(');
		for (a = e->arg; a; a = a->next) {
			ast_dump_expr(b, a);
			if (a->next)
				buf_puts(b, ops[e->kind]);
		}
		buf_putc(b, ')');
		break;
	}
}

static void dump_pieces(struct buf *b, const struct piece *p)
{
	for (; p; p = p->next) {
		switch (p->kind) {
		case PC_TEXT:
			buf_add(b, p->text, p->len);
			break;
		case PC_EXPR:
			buf_puts(b, "{{");
			ast_dump_expr(b, p->expr);
			buf_puts(b, "}}");
			break;
		case PC_QUOTED:
			buf_putc(b, '"');
			dump_pieces(b, p->sub);
			buf_putc(b, '"');
			break;
		}
	}
}

static void dump_wordtext(struct buf *b, const struct word *w)
{
	if (word_isvar(w))
		buf_printf(b, "{{%s}}", w->var);
	else if (w->len)
		buf_add(b, w->text, w->len);
	else
		dump_pieces(b, w->pieces);
}

void ast_dump_word(struct buf *b, const struct word *w)
{
	buf_putc(b, '[');
	dump_wordtext(b, w);
	buf_putc(b, ']');
}

static void dump_words(struct buf *b, const struct word *w)
{
	for (; w; w = w->next) {
		buf_putc(b, ' ');
		ast_dump_word(b, w);
	}
}

void ast_dump(struct buf *b, const struct stmt *s)
{
	static const char *const ops[] = {"=", "+=", "?="};
	const struct param *p;
	const struct rline *r;

	for (; s; s = s->next) {
		switch (s->kind) {
		case ST_EXPORT:
			buf_puts(b, "export");
			dump_words(b, s->value);
			break;
		case ST_DOTENV:
			buf_puts(b, "dotenv");
			dump_words(b, s->value);
			break;
		case ST_ASSIGN:
			buf_printf(b, "%sassign %s %s", s->exported ? "export " : "", s->name,
				   ops[s->op]);
			dump_words(b, s->value);
			break;
		case ST_INCLUDE:
			buf_puts(b, "include");
			dump_words(b, s->value);
			break;
		case ST_POOL:
			buf_puts(b, "pool");
			dump_words(b, s->value);
			break;
		case ST_RULE:
			buf_puts(b, s->pattern ? "pattern" : "rule");
			dump_words(b, s->hdr->outputs);
			buf_puts(b, " :");
			if (s->hdr->pat) {
				dump_words(b, s->hdr->pat);
				buf_puts(b, " :");
			}
			dump_words(b, s->hdr->inputs);
			if (s->hdr->orderonly) {
				buf_puts(b, " |");
				dump_words(b, s->hdr->orderonly);
			}
			break;
		case ST_IF:
		case ST_ELSE:
			buf_puts(b, s->kind == ST_IF ? "if" : s->op ? "else if" : "else");
			if (s->cond) {
				buf_putc(b, ' ');
				ast_dump_expr(b, s->cond);
			}
			buf_printf(b, " ->+%u", s->jump);
			break;
		case ST_END:
			buf_puts(b, "end");
			break;
		case ST_TASK:
			buf_puts(b, "task ");
			dump_wordtext(b, s->hdr->outputs);
			for (p = s->params; p; p = p->next) {
				buf_printf(b, " %s%s", p->variadic ? "*" : "", p->name);
				if (p->def) {
					buf_putc(b, '=');
					ast_dump_word(b, p->def);
				}
			}
			buf_puts(b, " :");
			dump_words(b, s->hdr->inputs);
			break;
		}
		if (s->doc)
			buf_printf(b, " ## %s", s->doc);
		for (const struct attr *a = s->attrs; a; a = a->next) {
			buf_printf(b, " [%s", a->name);
			if (a->hasvalue) {
				buf_puts(b, ": ");
				dump_pieces(b, a->value);
			}
			buf_putc(b, ']');
		}
		buf_putc(b, '\n');
		for (r = s->recipe; r; r = r->next) {
			buf_printf(b, "\t%u+%u|", r->blanks, r->indent);
			dump_pieces(b, r->pieces);
			buf_putc(b, '\n');
		}
	}
}

void ast_dump_places(struct buf *b, const struct stmt *s)
{
	const struct word *lists[3], *w;
	int i;

	for (; s; s = s->next) {
		buf_printf(b, "%u-%u", s->loc.off, s->loc.end);
		if (s->kind == ST_RULE && s->hdr) {
			lists[0] = s->hdr->outputs;
			lists[1] = s->hdr->inputs;
			lists[2] = s->hdr->orderonly;
			for (i = 0; i < 3; i++) {
				buf_puts(b, i ? " |" : " ");
				for (w = lists[i]; w; w = w->next)
					buf_printf(b, " %u-%u/%u", w->loc.off, w->loc.end, w->len);
			}
		}
		buf_putc(b, '\n');
	}
}
