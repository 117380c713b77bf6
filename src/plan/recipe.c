#include "graph/graph.h"
#include "lang/ast.h"
#include "plan/recipe.h"

#include <stdlib.h>
#include <string.h>

#include "lang/diag.h"
#include "lang/eval.h"

void recipes_init(struct recipes *r, struct vars *vars)
{
	memset(r, 0, sizeof(*r));
	r->vars = vars;
}

static void bind(struct recipes *l, const struct edge *e)
{
	uint32_t i;

	l->in.n = l->out.n = l->stem.n = 0;
	l->in.bytes = l->out.bytes = l->stem.bytes = 0;
	xgrow((void **)&l->in.v, &l->in.cap, e->nin, sizeof(*l->in.v));
	for (i = 0; i < e->nin; i++) {
		l->in.v[l->in.n++] = e->in[i]->path;
		l->in.bytes += e->in[i]->len + 1;
	}
	for (i = 0; i < e->nout && e->rule->kind != ST_TASK; i++)
		list_push(&l->out, edge_out(e)[i]->path);
	if (e->rule->kind != ST_TASK && e->stem)
		list_push(&l->stem, e->stem);
	l->sin = (struct scope){e->rule->kind == ST_TASK ? e->args : NULL, "in", &l->in};
	l->sout = (struct scope){&l->sin, "out", &l->out};
	l->sstem = (struct scope){&l->sout, "stem", &l->stem};
}

void recipes_free(struct recipes *r)
{
	list_free(&r->in);
	list_free(&r->out);
	list_free(&r->stem);
}

bool recipe_expand(struct recipes *l, const struct edge *e, struct buf *script)
{
	struct arena a = {0};
	struct eval ev = {l->vars, &l->sstem, &a, true};
	bool ok;

	bind(l, e);
	ast_locate_recipe(e->rule, e->shift);
	ok = eval_recipe(&ev, e->rule->recipe, script);
	ast_locate_recipe(NULL, 0);
	if (!script->s)
		buf_add(script, "", 0);
	arena_free(&a);
	return ok;
}

/* Whether x's value is the same wherever it is evaluated, and evaluating it
 * runs nothing: text, and variables that are not locals of rule. */
static bool closed(const struct stmt *rule, const struct expr *x)
{
	const struct param *p;
	const struct piece *pc;

	switch (x->kind) {
	case EX_STR:
		return true;
	case EX_VAR:
		for (p = rule->params; p; p = p->next) {
			if (!strcmp(p->name, x->name))
				return false;
		}
		return strcmp(x->name, "in") && strcmp(x->name, "out") && strcmp(x->name, "stem");
	case EX_QUOTED:
		for (pc = x->pieces; pc; pc = pc->next) {
			if (pc->kind == PC_EXPR && !closed(rule, pc->expr))
				return false;
		}
		return true;
	default:
		return false;
	}
}

/* env("NAME") with no default: NAME must be set before anything runs (baton's
 * environment does not change while it runs); false after reporting. */
static bool checkenv(struct recipes *l, const struct edge *e, const struct expr *call)
{
	struct arena a = {0};
	struct eval ev = {l->vars, NULL, &a, false};
	struct list name = {0};
	bool ok = true;

	if (closed(e->rule, call->arg) && eval_expr(&ev, call->arg, &name) && name.n == 1 &&
	    !getenv(name.v[0])) {
		diag_error(call->loc, "environment variable '%s' is not set (give a default: "
				      "env(\"%s\", \"...\"))",
			   name.v[0], name.v[0]);
		ok = false;
	}
	list_free(&name);
	arena_free(&a);
	return ok;
}

/* Whether x, evaluated as e's recipe would, needs what e lacks: an index of
 * in, out or stem beyond e's, or an environment variable that is not set
 * (reported, *ok false); whether it needs either at all (*any). */
static void checkexpr(struct recipes *l, const struct edge *e, const struct expr *x, bool eager,
		      bool *any, bool *ok)
{
	const struct expr *a;
	const struct piece *p;
	const struct func *f;
	size_t n;
	long i;

	switch (x->kind) {
	case EX_INDEX:
		if (x->arg->kind == EX_VAR && (!strcmp(x->arg->name, "in") ||
					      !strcmp(x->arg->name, "out") ||
					      !strcmp(x->arg->name, "stem"))) {
			*any = true;
			n = x->arg->name[0] == 'i' ? e->nin
			    : e->rule->kind == ST_TASK ? 0
			    : x->arg->name[0] == 'o' ? e->nout : e->stem != NULL;
			i = x->index < 0 ? (long)n + x->index : x->index;
			if (eager && (i < 0 || (size_t)i >= n)) {
				diag_error(x->loc, "index %ld is out of range (the list has %zu "
						   "word%s)",
					   x->index, n, n == 1 ? "" : "s");
				diag_note(e->loc, "'%s' of '%s', made by this rule", x->arg->name,
					  edge_name(e));
				*ok = false;
			}
			return;
		}
		checkexpr(l, e, x->arg, eager, any, ok);
		return;
	case EX_SLICE:
	case EX_NOT:
		checkexpr(l, e, x->arg, eager, any, ok);
		return;
	case EX_QUOTED:
		for (p = x->pieces; p; p = p->next) {
			if (p->kind == PC_EXPR)
				checkexpr(l, e, p->expr, eager, any, ok);
		}
		return;
	case EX_EQ:
	case EX_NE:
	case EX_AND:
	case EX_OR:
		for (a = x->arg; a; a = a->next)
			checkexpr(l, e, a,
				   eager && (a == x->arg || x->kind == EX_EQ || x->kind == EX_NE),
				   any, ok);
		return;
	case EX_CALL:
		f = func_find(x->name);
		for (a = x->arg; a; a = a->next)
			checkexpr(l, e, a, eager && f && (!f->lazy || a == x->arg), any, ok);
		if (f && !strcmp(f->name, "env") && x->arg && !x->arg->next) {
			*any = true;
			if (eager && *ok && !checkenv(l, e, x))
				*ok = false;
		}
		return;
	case EX_VAR:
	case EX_STR:
		return;
	}
}

bool recipe_check(struct recipes *l, const struct edge *e)
{
	const struct rline *r;
	const struct piece *p;
	bool any = false, ok = true;

	if (e->rule == l->plain)
		return true;
	ast_locate_recipe(e->rule, e->shift);
	for (r = e->rule->recipe; r; r = r->next) {
		for (p = r->pieces; p; p = p->next) {
			if (p->kind == PC_EXPR)
				checkexpr(l, e, p->expr, true, &any, &ok);
		}
	}
	ast_locate_recipe(NULL, 0);
	if (!any)
		l->plain = e->rule;
	return ok;
}

const char *recipe_attr(struct recipes *l, const struct edge *e, const char *name,
			struct arena *a)
{
	const struct attr *at = ast_getattr(e->rule, name);
	const struct piece *p;
	struct eval ev;
	struct list val = {0};
	struct buf b = {0};
	const char *res = NULL;
	bool ok = true;

	if (!at)
		return NULL;
	bind(l, e);
	ev = (struct eval){l->vars, &l->sstem, a, true};
	for (p = at->value; p && ok; p = p->next) {
		if (p->kind == PC_TEXT) {
			buf_add(&b, p->text, p->len);
			continue;
		}
		val.n = val.bytes = 0;
		ok = eval_expr(&ev, p->expr, &val);
		if (ok)
			list_join(&b, &val, " ");
	}
	if (ok)
		res = arena_strndup(a, b.s ? b.s : "", b.len);
	list_free(&val);
	buf_free(&b);
	return res;
}
