#include "recipe.h"

#include <string.h>

#include "eval.h"

/* The local bindings of a job: in, out, stem, then its task's parameters. */
struct locals {
	struct list in, out, stem;
	struct scope sin, sout, sstem;
};

static void bind(struct locals *l, const struct edge *e)
{
	uint32_t i;

	memset(l, 0, sizeof(*l));
	for (i = 0; i < e->nin; i++)
		list_push(&l->in, e->in[i]->path);
	for (i = 0; i < e->nout && e->rule->kind != ST_TASK; i++)
		list_push(&l->out, e->out[i]->path);
	if (e->stem)
		list_push(&l->stem, e->stem);
	l->sin = (struct scope){e->args, "in", &l->in};
	l->sout = (struct scope){&l->sin, "out", &l->out};
	l->sstem = (struct scope){&l->sout, "stem", &l->stem};
}

static void unbind(struct locals *l)
{
	list_free(&l->in);
	list_free(&l->out);
	list_free(&l->stem);
}

bool recipe_expand(struct vars *vars, const struct edge *e, struct buf *script)
{
	struct locals l;
	struct arena a = {0};
	struct eval ev = {vars, &l.sstem, &a, true};
	bool ok;

	bind(&l, e);
	ok = eval_recipe(&ev, e->rule->recipe, script);
	if (!script->s)
		buf_add(script, "", 0);
	unbind(&l);
	arena_free(&a);
	return ok;
}

const char *recipe_attr(struct vars *vars, const struct edge *e, const char *name,
			struct arena *a)
{
	const struct attr *at = ast_getattr(e->rule, name);
	const struct piece *p;
	struct locals l;
	struct eval ev;
	struct list val = {0};
	struct buf b = {0};
	const char *res = NULL;
	bool ok = true;

	if (!at)
		return NULL;
	bind(&l, e);
	ev = (struct eval){vars, &l.sstem, a, true};
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
	unbind(&l);
	return res;
}
