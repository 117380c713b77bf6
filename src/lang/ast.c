#include "lang/ast.h"

#include <stdlib.h>
#include <string.h>

#include "base/htab.h"
#include "base/match.h"
#include "lang/diag.h"
#include "lang/source.h"

static struct piece *keeppieces(struct ast *t, const struct piece *p);

struct rline *ast_rline(struct ast *t, uint32_t indent, uint32_t blanks, struct plist p,
			struct loc loc)
{
	struct rline *r = arena_alloc(t->arena, sizeof(*r));

	r->lead = arena_strndup(t->arena, source_get(loc.src)->text + loc.off, indent);
	r->indent = indent;
	r->blanks = blanks;
	r->pieces = keeppieces(t, p.head);
	r->loc = loc;
	return r;
}

/* Copies in t->arena of what the parser made in t->words, for what is kept after
 * the graph is built: recipes, attributes, values, include paths, defaults. Their
 * text is copied too, so that the source can be let go of (source_shed_all). */
static struct expr *keepexpr(struct ast *t, const struct expr *e)
{
	struct expr *head = NULL, **tail = &head, *c;

	/* a call's arguments are a list: copied in a loop, the rest recursively
	 * (the parser bounds how deep an expression nests) */
	for (; e; e = e->next) {
		c = arena_alloc(t->arena, sizeof(*c));
		*c = *e;
		if (e->kind == EX_QUOTED)
			c->pieces = keeppieces(t, e->pieces);
		else if (e->name)
			c->name = arena_strndup(t->arena, e->name, strlen(e->name));
		c->arg = keepexpr(t, e->arg);
		if (e->kind == EX_AND || e->kind == EX_OR)
			c->last = NULL; /* only the parser needs it */
		*tail = c;
		tail = &c->next;
	}
	return head;
}

static struct piece *keeppieces(struct ast *t, const struct piece *p)
{
	struct piece *head = NULL, **tail = &head, *c;

	if (t->words == t->arena)
		return (struct piece *)p;
	for (; p; p = p->next) {
		c = arena_alloc(t->arena, sizeof(*c));
		*c = *p;
		if (p->kind == PC_TEXT)
			c->text = arena_strndup(t->arena, p->text, p->len);
		else if (p->kind == PC_EXPR)
			c->expr = keepexpr(t, p->expr);
		else if (p->kind == PC_QUOTED)
			c->sub = keeppieces(t, p->sub);
		*tail = c;
		tail = &c->next;
	}
	return head;
}

static struct word *keepwords(struct ast *t, const struct word *w)
{
	struct word *head = NULL, **tail = &head, *c;

	if (t->words == t->arena)
		return (struct word *)w;
	for (; w; w = w->next) {
		c = arena_alloc(t->arena, sizeof(*c));
		*c = *w; /* a variable's name is in t->arena already */
		if (!w->len)
			c->pieces = keeppieces(t, w->pieces);
		else if (word_isplain(w))
			c->text = arena_strndup(t->arena, w->text, w->len);
		*tail = c;
		tail = &c->next;
	}
	return head;
}

/* The text of a word made of one plain piece, or NULL. */
static const char *plainword(struct ast *t, const struct word *w)
{
	const struct piece *p;
	struct buf b = {0};
	const char *s;

	if (word_isvar(w))
		return NULL;
	if (w->len)
		return arena_strndup(t->arena, w->text, w->len);
	for (p = w->pieces; p; p = p->next) {
		if (p->kind != PC_TEXT) {
			buf_free(&b);
			return NULL;
		}
		buf_add(&b, p->text, p->len);
	}
	if (!b.s)
		return NULL;
	s = arena_strndup(t->arena, b.s, b.len);
	buf_free(&b);
	return s;
}

/* Whether s is a whole name (letters, digits and '_', not first a digit). */
static bool isident(const char *s)
{
	size_t n = s ? ident_len(s) : 0;

	return n && !s[n];
}

/* The header of a rule or task about to be made, in a (the words' arena for a
 * rule), counted in the words' segment. */
static struct header *newheader(struct ast *t, struct arena *a)
{
	struct header *h = arena_alloc(a, sizeof(*h));

	if (t->segs) {
		h->seg = (uint32_t)(t->segs->n - 1);
		t->segs->v[h->seg]->pending++;
	}
	return h;
}

static struct stmt *newstmt(struct ast *t, enum stmt_kind kind, struct loc loc)
{
	/* a rule's statement goes with its words: the graph keeps a copy, or one
	 * statement for all the rules written alike (struct edge) */
	struct stmt *s = arena_alloc(kind == ST_RULE ? t->words : t->arena, sizeof(*s));

	s->kind = kind;
	s->loc = loc;
	t->nstmts++;
	if (t->tail)
		t->tail->next = s;
	else
		t->head = s;
	t->tail = s;
	if (t->all) {
		xgrow((void **)&t->all->v, &t->all->cap, t->all->n + 1, sizeof(*t->all->v));
		t->all->v[t->all->n++] = s;
	}
	/* the words of the statements after this one go in a new segment */
	if (t->segs && ++t->segs->stmts >= SEGMENT_STMTS)
		t->words = segments_next(t->segs);
	return s;
}

/* The attributes, and what value each needs ([name: value]), or NULL: none. */
static const struct {
	const char *name, *needs;
	bool files; /* only for rules that make files: says nothing of a task */
} known_attrs[] = {
    {"depfile", "a path: [depfile: PATH]", true},
    {"precious", NULL, true},
    {"content", NULL, true},
    {"pool", "a pool: [pool: NAME] or [pool: NAME SLOTS]", false},
    {"quiet", NULL, false},
    {"serial", NULL, false},
    {"dir", "a directory: [dir: PATH]", false},
    {"private", NULL, false},
    {"alias", "a name: [alias: NAME...]", false},
};

static bool filesonly(const char *name)
{
	size_t i;

	for (i = 0; i < LEN(known_attrs); i++) {
		if (!strcmp(known_attrs[i].name, name))
			return known_attrs[i].files;
	}
	return false;
}

void ast_attr(struct ast *t, const char *name, size_t len, bool hasvalue, struct plist value,
	      struct loc loc)
{
	struct attr *a = arena_alloc(t->arena, sizeof(*a));
	const char *hint;
	size_t i;

	a->name = arena_strndup(t->arena, name, len);
	a->hasvalue = hasvalue;
	a->value = keeppieces(t, value.head);
	a->loc = loc;
	for (i = 0; i < LEN(known_attrs) && strcmp(known_attrs[i].name, a->name); i++)
		;
	if (i == LEN(known_attrs)) {
		const char *names[LEN(known_attrs)];
		for (i = 0; i < LEN(known_attrs); i++)
			names[i] = known_attrs[i].name;
		hint = diag_suggest(a->name, names, LEN(known_attrs));
		diag_error(loc, "unknown attribute '%s'%s", a->name,
			   *hint ? hint
				 : " (there are depfile, precious, content, pool, quiet, serial, "
				   "dir, private and alias)");
		return;
	}
	if (known_attrs[i].needs && !hasvalue) {
		diag_error(loc, "the %s attribute needs %s", a->name, known_attrs[i].needs);
		return;
	}
	if (!known_attrs[i].needs && hasvalue) {
		diag_error(loc, "the %s attribute takes no value", a->name);
		return;
	}
	if (t->hasdoc && t->docend == loc.off)
		t->docend = loc.end + 1; /* a doc comment may stand above the attributes */
	if (t->attrtail)
		t->attrtail->next = a;
	else
		t->attrs = a;
	t->attrtail = a;
}

const struct attr *ast_getattr(const struct stmt *s, const char *name)
{
	const struct attr *a;

	for (a = s->attrs; a; a = a->next) {
		if (!strcmp(a->name, name))
			return a;
	}
	return NULL;
}

void ast_endattrs(struct ast *t)
{
	if (t->attrs)
		diag_error(t->attrs->loc, "an attribute must be followed by a rule or a task");
	t->attrs = t->attrtail = NULL;
}

/* Attribute lines waiting, for the rule being made. */
static struct attr *takeattrs(struct ast *t)
{
	struct attr *a = t->attrs;

	t->attrs = t->attrtail = NULL;
	return a;
}

/* The doc comment for a rule starting at loc: only one right above it. */
static const char *takedoc(struct ast *t, struct loc loc)
{
	const char *d = NULL;

	if (t->hasdoc && t->docend == loc.off)
		d = arena_strndup(t->arena, t->doc.s, t->doc.len);
	ast_nodoc(t);
	return d;
}

void ast_nodoc(struct ast *t)
{
	t->doc.len = 0;
	t->hasdoc = false;
}

void ast_doc(struct ast *t, const char *s, size_t len, struct loc loc)
{
	if (t->hasdoc && t->docend != loc.off)
		ast_nodoc(t); /* something came between: start again */
	t->docend = loc.end;
	if (t->hasdoc)
		buf_putc(&t->doc, '\n');
	buf_add(&t->doc, s, len);
	t->hasdoc = true;
}

void ast_assign(struct ast *t, struct wlist lhs, enum assign_op op, struct wlist value,
		struct loc loc)
{
	const char *name;
	struct stmt *s;

	ast_nodoc(t);
	ast_endattrs(t);
	if (!lhs.head) {
		diag_error(loc, "unexpected '=', expected a variable name before it");
		return;
	}
	name = plainword(t, lhs.head);
	if (lhs.head->next || !isident(name)) {
		diag_error(lhs.head->loc,
			   "expected a variable name before '=' (letters, digits and '_')");
		return;
	}
	s = newstmt(t, ST_ASSIGN, loc);
	s->name = name;
	s->op = op;
	s->value = keepwords(t, value.head);
}

/* Whether pieces written in the Taskfile hold a '%', quoted or not: quotes
 * keep blanks and specials together, they do not make '%' a plain character
 * (as in the inputs, and in the patterns of patsubst and filter). */
static bool piecespercent(const struct piece *p)
{
	for (; p; p = p->next) {
		if (p->kind == PC_TEXT && memchr(p->text, '%', p->len))
			return true;
		if (p->kind == PC_QUOTED && piecespercent(p->sub))
			return true;
	}
	return false;
}

static bool haspercent(const struct word *w)
{
	if (word_isvar(w))
		return false;
	if (w->len)
		return memchr(w->text, '%', w->len) != NULL;
	return piecespercent(w->pieces);
}

/* A rule's recipe: share the lines of the same text seen before (the lexer
 * found it), or offer these lines to later recipes if they are all that the
 * lexer took to be this recipe and none of them was in error. */
static void keeprecipe(struct ast *t, struct stmt *s, struct rlist r)
{
	struct recipe_at at = t->at;
	const char *text = source_get(t->src)->text;
	struct htab_entry *e;
	uint32_t end;

	t->at = (struct recipe_at){0};
	s->recipe = r.head;
	if (!r.head || at.end == 0)
		return;
	if (at.shared) {
		if (at.shared == r.head) {
			s->shift = at.off - r.head->loc.off;
			s->len = at.end - at.off;
		}
		return;
	}
	end = r.tail->loc.end;
	if (end < at.end && text[end] == '\r')
		end++;
	if (end < at.end && text[end] == '\n')
		end++;
	if (r.head->loc.off != at.off || end != at.end || diag_errors() != at.errors)
		return;
	e = htab_slot(&t->recipes, text + at.off, at.end - at.off);
	if (!e->val)
		e->val = r.head;
}

void ast_locate_recipe(const struct stmt *s, uint32_t shift)
{
	if (s && shift)
		diag_move(s->loc.src, s->recipe->loc.off, s->len, shift);
	else
		diag_move(0, 0, 0, 0);
}

void ast_rule(struct ast *t, struct wlist outs, struct wlist ins, struct wlist order,
	      struct rlist recipe, struct loc loc)
{
	const struct word *w;
	struct stmt *s;
	struct header *hdr;
	int npct = 0, nout = 0;

	if (!outs.head) {
		ast_nodoc(t);
		diag_error(loc, "expected an output before ':'");
		return;
	}
	for (w = outs.head; w; w = w->next) {
		nout++;
		npct += haspercent(w);
	}
	if (npct && npct != nout) {
		ast_nodoc(t);
		diag_error(outs.head->loc, "either every output of a rule has a '%%' or none has");
		return;
	}
	hdr = newheader(t, t->words); /* before newstmt, which may change segment */
	s = newstmt(t, ST_RULE, loc);
	s->doc = takedoc(t, loc);
	s->attrs = takeattrs(t);
	s->hdr = hdr;
	s->hdr->outputs = outs.head;
	s->hdr->inputs = ins.head;
	s->hdr->orderonly = order.head;
	keeprecipe(t, s, recipe);
	s->pattern = npct > 0;
}

struct param *ast_param(struct ast *t, struct word *name, struct word *def, struct loc loc)
{
	struct param *p = arena_alloc(t->arena, sizeof(*p));

	p->name = plainword(t, name);
	p->def = def ? keepwords(t, def) : NULL;
	p->loc = loc;
	if (!p->name)
		p->name = "";
	if (p->name[0] == '*') {
		p->variadic = true;
		p->name++;
	}
	return p;
}

void ast_task(struct ast *t, struct parlist head, struct wlist deps, struct rlist recipe,
	      struct loc loc)
{
	struct param *p, *q;
	struct stmt *s;
	struct header *hdr;
	struct word *name;
	const struct attr *a;
	bool ok = true;

	if (!head.head || head.head->def || head.head->variadic || !head.head->name[0]) {
		ast_nodoc(t);
		diag_error(head.head ? head.head->loc : loc, "expected a task name after 'task'");
		return;
	}
	for (p = head.head->next; p; p = p->next) {
		if (!isident(p->name)) {
			diag_error(p->loc, "expected a parameter name (letters, digits and '_')");
			ok = false;
		} else if (!strcmp(p->name, "in") || !strcmp(p->name, "out") ||
			   !strcmp(p->name, "stem")) {
			diag_error(p->loc, "'%s' is reserved and cannot be a parameter", p->name);
			ok = false;
		} else if (p->variadic && p->next) {
			diag_error(p->loc, "only the last parameter can be variadic ('*%s')",
				   p->name);
			ok = false;
		} else if (p->variadic && p->def) {
			diag_error(p->loc, "a variadic parameter cannot have a default");
			ok = false;
		}
		for (q = head.head->next; q != p; q = q->next) {
			if (!strcmp(q->name, p->name)) {
				diag_error(p->loc, "parameter '%s' is declared twice", p->name);
				ok = false;
				break;
			}
		}
	}
	if (!ok) {
		ast_nodoc(t);
		return;
	}
	name = arena_alloc(t->arena, sizeof(*name));
	name->text = head.head->name;
	name->len = (uint32_t)strlen(head.head->name);
	name->loc = head.head->loc;
	hdr = newheader(t, t->arena); /* kept: it holds the name */
	s = newstmt(t, ST_TASK, loc);
	s->doc = takedoc(t, loc);
	s->attrs = takeattrs(t);
	/* a task makes no file: a depfile, say, would mean nothing */
	for (a = s->attrs; a; a = a->next) {
		if (filesonly(a->name))
			diag_error(a->loc,
				   "the %s attribute is for rules that make files, not tasks",
				   a->name);
	}
	s->hdr = hdr;
	s->hdr->outputs = name;
	s->params = head.head->next;
	s->hdr->inputs = deps.head;
	keeprecipe(t, s, recipe);
}

void ast_include(struct ast *t, struct wlist path, struct loc loc)
{
	struct stmt *s;

	ast_nodoc(t);
	ast_endattrs(t);
	if (!path.head) {
		diag_error(loc, "expected a file name after 'include'");
		return;
	}
	s = newstmt(t, ST_INCLUDE, loc);
	s->value = keepwords(t, path.head);
}

void ast_pool(struct ast *t, struct wlist words, struct loc loc)
{
	struct stmt *s;

	ast_nodoc(t);
	ast_endattrs(t);
	if (!words.head) {
		diag_error(loc, "expected 'NAME = N' after 'pool'");
		return;
	}
	s = newstmt(t, ST_POOL, loc);
	s->value = keepwords(t, words.head);
}

void ast_export(struct ast *t, struct wlist lhs, enum assign_op op, struct wlist value,
		bool assign, struct loc loc)
{
	const struct word *w;
	struct stmt *s;

	if (assign) {
		s = t->tail;
		ast_assign(t, lhs, op, value, loc);
		if (t->tail != s)
			t->tail->exported = true;
		return;
	}
	ast_nodoc(t);
	ast_endattrs(t);
	if (!lhs.head) {
		diag_error(loc, "expected a variable name after 'export'");
		return;
	}
	for (w = lhs.head; w; w = w->next) {
		if (!isident(plainword(t, w))) {
			diag_error(w->loc, "expected a variable name after 'export' (letters, digits "
					   "and '_')");
			return;
		}
	}
	s = newstmt(t, ST_EXPORT, loc);
	s->value = keepwords(t, lhs.head);
}

void ast_dotenv(struct ast *t, struct wlist path, struct loc loc)
{
	struct stmt *s;

	ast_nodoc(t);
	ast_endattrs(t);
	if (path.head && path.head->next) {
		diag_error(path.head->next->loc, "'dotenv' takes one file name");
		return;
	}
	s = newstmt(t, ST_DOTENV, loc);
	s->value = path.head ? keepwords(t, path.head) : NULL;
}

void ast_static(struct ast *t, struct wlist outs, struct wlist pat, struct wlist ins,
		struct wlist order, struct rlist recipe, struct loc loc)
{
	const struct word *w;

	if (!pat.head || pat.head->next) {
		ast_nodoc(t);
		diag_error(pat.head ? pat.head->next->loc : loc,
			   "a static pattern rule has one target pattern (outputs: pattern: inputs)");
		return;
	}
	for (w = outs.head; w; w = w->next) {
		if (haspercent(w)) {
			ast_nodoc(t);
			diag_error(w->loc, "the outputs of a static pattern rule have no '%%': "
					   "its pattern after the first ':' has");
			return;
		}
	}
	ast_rule(t, outs, ins, order, recipe, loc);
	if (t->tail && t->tail->kind == ST_RULE && t->tail->hdr->outputs == outs.head)
		t->tail->hdr->pat = pat.head;
}

/* A line of a conditional block: a statement whose jump is set when the next
 * line of the block comes. */
static struct stmt *blockline(struct ast *t, enum stmt_kind kind, struct expr *cond,
			      struct loc loc)
{
	struct stmt *s;

	ast_nodoc(t);
	ast_endattrs(t);
	s = newstmt(t, kind, loc);
	s->cond = cond ? keepexpr(t, cond) : NULL;
	return s;
}

void ast_if(struct ast *t, struct expr *cond, struct loc loc)
{
	struct stmt *s = blockline(t, ST_IF, cond, loc);

	xgrow((void **)&t->ifs, &t->capifs, t->nifs + 1, sizeof(*t->ifs));
	t->ifs[t->nifs++] = (struct openif){s, t->nstmts - 1, loc};
}

/* The next line of the innermost block, s: the one before jumps to it. */
static bool nextline(struct ast *t, struct stmt *s, const char *what)
{
	struct openif *o;

	if (!t->nifs) {
		diag_error(s->loc, "'%s' without 'if'", what);
		s->kind = ST_END; /* does nothing */
		return false;
	}
	o = &t->ifs[t->nifs - 1];
	if (o->s->kind == ST_ELSE && !o->s->op && s->kind == ST_ELSE) {
		diag_error(s->loc, "'%s' after 'else'", what);
		diag_note(o->s->loc, "the 'else' of this block is here");
	}
	o->s->jump = t->nstmts - 1 - o->n;
	o->s = s;
	o->n = t->nstmts - 1;
	return true;
}

void ast_elseif(struct ast *t, struct expr *cond, struct loc loc)
{
	struct stmt *s = blockline(t, ST_ELSE, cond, loc);

	s->op = 1;
	nextline(t, s, "else if");
}

void ast_else(struct ast *t, struct loc loc)
{
	nextline(t, blockline(t, ST_ELSE, NULL, loc), "else");
}

void ast_end(struct ast *t, struct loc loc)
{
	if (nextline(t, blockline(t, ST_END, NULL, loc), "end"))
		t->nifs--;
}

void ast_endifs(struct ast *t)
{
	size_t i;

	for (i = 0; i < t->nifs; i++)
		diag_error(t->ifs[i].at, "'if' without 'end' (the file ends first)");
	free(t->ifs);
	t->ifs = NULL;
	t->nifs = t->capifs = 0;
}
