#include "graph/graph.h"
#include "lang/ast.h"
#include "plan/recipe.h"

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
