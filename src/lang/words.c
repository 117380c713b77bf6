/* The words, pieces and expressions of the syntax tree, as the parser builds
 * them: small, in the tree's arena for words, read once into statements (see
 * ast.c, which keeps what a statement needs). */
#include "lang/ast.h"

#include <stdlib.h>
#include <string.h>

#include "base/htab.h"
#include "lang/diag.h"
#include "lang/source.h"

/* Append to a list of the tree's nodes, each linked by its next: one body for
 * the five kinds the grammar builds. */
#define LIST_ADD(fn, list, node)                   \
	struct list fn(struct list l, struct node *n) \
	{                                             \
		if (l.tail)                           \
			l.tail->next = n;             \
		else                                  \
			l.head = n;                   \
		l.tail = n;                           \
		return l;                             \
	}

LIST_ADD(plist_add, plist, piece)
LIST_ADD(wlist_add, wlist, word)
LIST_ADD(elist_add, elist, expr)
LIST_ADD(rlist_add, rlist, rline)
LIST_ADD(parlist_add, parlist, param)

struct piece *ast_text(struct ast *t, const char *s, size_t len, struct loc loc)
{
	struct piece *p = arena_alloc(t->words, sizeof(*p));

	p->kind = PC_TEXT;
	p->text = s;
	p->len = (uint32_t)len; /* a source is under 4 GiB */
	p->loc = loc;
	return p;
}

struct piece *ast_interp(struct ast *t, struct expr *e, struct loc loc)
{
	struct piece *p = arena_alloc(t->words, sizeof(*p));

	p->kind = PC_EXPR;
	p->expr = e;
	p->loc = loc;
	return p;
}

struct piece *ast_quoted(struct ast *t, struct plist sub, struct loc loc)
{
	struct piece *p = arena_alloc(t->words, sizeof(*p));

	p->kind = PC_QUOTED;
	p->sub = sub.head;
	p->loc = loc;
	return p;
}

struct word *ast_word(struct ast *t, struct plist pieces, struct loc loc)
{
	struct word *w = arena_alloc(t->words, sizeof(*w));

	w->pieces = pieces.head;
	w->loc = loc;
	return w;
}

struct word *ast_plainword(struct ast *t, const char *s, size_t len, struct loc loc)
{
	struct word *w;
	struct piece *p;

	if (len & WORD_VAR) { /* 2 GiB of one word: held as a piece, like any other */
		p = ast_text(t, s, len, loc);
		return ast_word(t, (struct plist){p, p}, loc);
	}
	w = arena_alloc(t->words, sizeof(*w));
	w->text = s;
	w->len = (uint32_t)len; /* a source is under 4 GiB */
	w->loc = loc;
	return w;
}

struct word *ast_varword(struct ast *t, const char *s, size_t len, struct loc loc)
{
	struct word *w;
	struct htab_entry *e;
	struct piece *p;
	size_t lead = (size_t)(s - source_get(loc.src)->text) - loc.off - 2;

	if (len > WORD_VARLEN || lead >= 128) { /* held as the pieces would be */
		struct loc nl = {loc.src, (uint32_t)(loc.off + 2 + lead),
				 (uint32_t)(loc.off + 2 + lead + len)};
		p = ast_interp(t, ast_var(t, s, len, nl), nl);
		return ast_word(t, (struct plist){p, p}, loc);
	}
	w = arena_alloc(t->words, sizeof(*w));
	e = htab_slot(&t->names, s, len); /* keyed by the source */
	if (!e->val)
		e->val = arena_strndup(t->arena, s, len); /* outlives the words */
	w->var = e->val;
	w->len = WORD_VAR | (uint32_t)lead << WORD_VARLEAD | (uint32_t)len;
	w->loc = loc;
	return w;
}

struct expr ast_wordexpr(const struct word *w)
{
	uint32_t len = word_varlen(w), off = w->loc.off + 2 + (w->len >> WORD_VARLEAD & 127);

	return (struct expr){.kind = EX_VAR,
			     .loc = {w->loc.src, off, off + len},
			     .len = len,
			     .name = w->var};
}

struct expr *ast_var(struct ast *t, const char *s, size_t len, struct loc loc)
{
	struct expr *e = arena_alloc(t->words, sizeof(*e));

	e->kind = EX_VAR;
	e->name = arena_strndup(t->words, s, len);
	e->len = (uint32_t)len; /* a source is under 4 GiB */
	e->loc = loc;
	return e;
}

struct expr *ast_str(struct ast *t, const char *s, size_t len, struct loc loc)
{
	struct expr *e = ast_var(t, s, len, loc);

	e->kind = EX_STR;
	return e;
}

struct expr *ast_num(struct ast *t, struct loc loc)
{
	const struct source *s = source_get(loc.src);

	return ast_str(t, s->text + loc.off, loc.end - loc.off, loc);
}

struct expr *ast_call(struct ast *t, struct expr *fn, struct elist args, struct loc loc)
{
	(void)t;
	(void)loc; /* messages about a call point at its name */
	fn->kind = EX_CALL;
	fn->arg = args.head;
	return fn;
}

/* Whether index i of a list of one word is out of range. */
static bool onefails(long i)
{
	return i != 0 && i != -1;
}

struct expr *ast_index(struct ast *t, struct expr *base, long index, struct loc loc)
{
	struct expr *e;

	/* An index gives one word, so x[i][0] and x[i][-1] are x[i], and indexing
	 * an x[i][j] that always fails changes nothing: however long the input's
	 * chain of indexes, the tree stays two deep for the code that recurses. */
	if (base->kind == EX_INDEX &&
	    (!onefails(index) || (base->arg->kind == EX_INDEX && onefails(base->index))))
		return base;
	e = arena_alloc(t->words, sizeof(*e));
	e->kind = EX_INDEX;
	e->arg = base;
	e->index = index;
	e->loc = loc;
	return e;
}

/* The indexes and slices applied one after another that an expression ends
 * with, up to max of them. */
static int postfixes(const struct expr *e, int max)
{
	int n = 0;

	for (; n < max && (e->kind == EX_INDEX || e->kind == EX_SLICE); e = e->arg)
		n++;
	return n;
}

enum { MAX_POSTFIX = 64 }; /* evaluating them recurses, once for each */

struct expr *ast_slice(struct ast *t, struct expr *base, long from, long to, struct loc loc)
{
	struct expr *e;

	if (postfixes(base, MAX_POSTFIX) == MAX_POSTFIX) {
		diag_error(loc, "more than %d indexes and slices one after another", MAX_POSTFIX);
		return base;
	}
	e = arena_alloc(t->words, sizeof(*e));
	e->kind = EX_SLICE;
	e->arg = base;
	e->index = from;
	e->to = to;
	e->loc = loc;
	return e;
}

struct expr *ast_quotedexpr(struct ast *t, struct plist pieces, struct loc loc)
{
	struct expr *e;
	struct buf b = {0};
	const struct piece *p;

	for (p = pieces.head; p && p->kind == PC_TEXT; p = p->next)
		buf_add(&b, p->text, p->len);
	if (!p) { /* no interpolation: a plain string */
		e = ast_str(t, b.s ? b.s : "", b.len, loc);
		buf_free(&b);
		return e;
	}
	buf_free(&b);
	e = arena_alloc(t->words, sizeof(*e));
	e->kind = EX_QUOTED;
	e->pieces = pieces.head;
	e->loc = loc;
	return e;
}

struct expr *ast_op(struct ast *t, enum expr_kind op, struct expr *a, struct expr *b,
		    struct loc loc)
{
	struct expr *e;

	/* "a && b && c" is one operator with three operands, not two nested: a
	 * long chain does not make the code that goes through it recurse */
	if ((op == EX_AND || op == EX_OR) && a->kind == op) {
		a->last->next = b;
		a->last = b;
		a->loc.end = loc.end;
		return a;
	}
	e = arena_alloc(t->words, sizeof(*e));
	e->kind = op;
	e->arg = a;
	a->next = b;
	e->last = b;
	e->loc = loc;
	return e;
}
