#include "plan/task.h"

#include <string.h>

#include "base/match.h"
#include "lang/diag.h"
#include "lang/eval.h"

static const struct param *findparam(const struct stmt *task, const char *name, size_t len)
{
	const struct param *p;

	for (p = task->params; p; p = p->next) {
		if (strlen(p->name) == len && !memcmp(p->name, name, len))
			return p;
	}
	return NULL;
}

bool task_named(const struct stmt *task, const char *word)
{
	const char *eq = strchr(word, '=');

	return eq && findparam(task, word, (size_t)(eq - word));
}

bool task_isassign(const char *word)
{
	size_t n = ident_len(word);

	return n && word[n] == '=';
}

size_t task_argc(const struct stmt *task, char **words, size_t n)
{
	const struct param *p;
	size_t npos = 0, i, used = 0;
	bool variadic = false;

	for (p = task->params; p; p = p->next) {
		if (p->variadic)
			variadic = true;
		else
			npos++;
	}
	for (i = 0; i < n; i++) {
		if (task_named(task, words[i])) {
			used = i + 1;
			continue;
		}
		if (task_isassign(words[i]))
			continue; /* a variable override, not ours */
		if (npos == 0 && !variadic)
			break;
		if (npos > 0)
			npos--;
		used = i + 1;
	}
	return used;
}

bool task_bind(struct vars *vars, struct arena *a, struct edge *e, const struct taskargs *args)
{
	const struct stmt *t = e->rule;
	const struct param *p;
	struct scope *head = NULL;
	struct list *vals;
	bool *set;
	size_t np = 0, i, k;
	bool ok = true;

	for (p = t->params; p; p = p->next)
		np++;
	vals = arena_alloc(a, (np ? np : 1) * sizeof(*vals));
	set = arena_alloc(a, (np ? np : 1) * sizeof(*set));
	for (i = 0; args && i < args->n; i++) {
		const char *w = args->words[i], *eq = strchr(w, '=');
		if (task_named(t, w)) {
			for (p = t->params, k = 0; strncmp(p->name, w, (size_t)(eq - w)) ||
						   p->name[eq - w];
			     p = p->next, k++)
				;
			list_free(&vals[k]);
			list_push(&vals[k], eq + 1);
			set[k] = true;
			continue;
		}
		if (task_isassign(w))
			continue;
		for (p = t->params, k = 0; p && (set[k] && !p->variadic); p = p->next, k++)
			;
		if (!p) {
			diag_error((struct loc){0}, "task '%s' takes at most %zu argument%s",
				   edge_name(e), np, np == 1 ? "" : "s");
			ok = false;
			break;
		}
		list_push(&vals[k], w);
		set[k] = true;
	}
	for (p = t->params, k = 0; p; p = p->next, k++) {
		if (!set[k] && p->def) {
			struct eval ev = {vars, NULL, a, false};
			ok = eval_word(&ev, p->def, &vals[k]) && ok;
		} else if (!set[k] && !p->variadic) {
			diag_error(p->loc, "task '%s' needs a value for parameter '%s'", edge_name(e),
				   p->name);
			ok = false;
		}
		struct scope *s = arena_alloc(a, sizeof(*s));
		struct list *keep = arena_alloc(a, sizeof(*keep));
		/* the value must outlive this call: move it into the arena */
		keep->v = arena_alloc(a, (vals[k].n ? vals[k].n : 1) * sizeof(*keep->v));
		for (i = 0; i < vals[k].n; i++)
			keep->v[i] = arena_strdup(a, vals[k].v[i]);
		keep->n = keep->cap = vals[k].n;
		keep->bytes = vals[k].bytes;
		list_free(&vals[k]);
		s->up = head;
		s->name = p->name;
		s->val = keep;
		head = s;
	}
	e->args = head;
	return ok;
}
