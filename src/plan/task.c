#include "graph/graph.h"
#include "lang/ast.h"
#include "plan/task.h"

#include <stdlib.h>
#include <string.h>

#include "base/match.h"
#include "lang/diag.h"
#include "lang/eval.h"
#include "plan/internal.h"

/* The index of task's parameter called name (len bytes), or -1. */
static long findparam(const struct stmt *task, const char *name, size_t len)
{
	const struct param *p;
	long k = 0;

	for (p = task->params; p; p = p->next, k++) {
		if (strlen(p->name) == len && !memcmp(p->name, name, len))
			return k;
	}
	return -1;
}

/* The index of the parameter a word given in order goes to: the first one
 * without a value (set[k] false), or the variadic one; -1 if there is none. */
static long nextplace(const struct stmt *task, const bool *set)
{
	const struct param *p;
	long k = 0;

	for (p = task->params; p && set[k] && !p->variadic; p = p->next, k++)
		;
	return p ? k : -1;
}

static size_t nparams(const struct stmt *task)
{
	const struct param *p;
	size_t n = 0;

	for (p = task->params; p; p = p->next)
		n++;
	return n;
}

bool task_named(const struct stmt *task, const char *word)
{
	const char *eq = strchr(word, '=');

	return eq && findparam(task, word, (size_t)(eq - word)) >= 0;
}

bool task_isassign(const char *word)
{
	size_t n = ident_len(word);

	return n && (word[n] == '=' || (word[n] == '+' && word[n + 1] == '='));
}

size_t task_argc(const struct stmt *task, char **words, size_t n)
{
	/* the words task_bind takes: which parameters have a value, as it sees them */
	bool *set = xcalloc(nparams(task) + 1, sizeof(*set));
	size_t i, used = 0;
	long k;

	for (i = 0; i < n; i++) {
		const char *eq = strchr(words[i], '=');
		if (task_named(task, words[i])) {
			set[findparam(task, words[i], (size_t)(eq - words[i]))] = true;
			used = i + 1;
			continue;
		}
		if (task_isassign(words[i]))
			continue; /* a variable override, not ours */
		k = nextplace(task, set);
		if (k < 0)
			break;
		set[k] = true;
		used = i + 1;
	}
	free(set);
	return used;
}

/* The name of e's task (an edge of a task called with arguments is named for
 * them too). */
static const char *taskname(const struct edge *e)
{
	static char name[256];
	size_t len = 0;
	const char *t = e->rule->hdr ? word_text(e->rule->hdr->outputs, &len) : NULL;

	if (!t || len >= sizeof(name))
		return edge_name(e);
	memcpy(name, t, len);
	name[len] = '\0';
	return name;
}

bool task_bind(struct vars *vars, struct arena *a, struct edge *e, const struct taskargs *args)
{
	const struct stmt *t = e->rule;
	const struct param *p;
	struct scope *head = NULL;
	struct list *vals;
	bool *set;
	size_t np = nparams(t), i, k;
	long at;
	bool ok = true;

	vals = arena_alloc(a, (np ? np : 1) * sizeof(*vals));
	set = arena_alloc(a, (np ? np : 1) * sizeof(*set));
	for (i = 0; args && i < args->n; i++) {
		const char *w = args->words[i], *eq = strchr(w, '=');
		if (task_named(t, w)) {
			k = (size_t)findparam(t, w, (size_t)(eq - w));
			list_free(&vals[k]);
			list_push(&vals[k], eq + 1);
			set[k] = true;
			continue;
		}
		if (task_isassign(w))
			continue;
		at = nextplace(t, set);
		if (at < 0) {
			diag_error((struct loc){0}, "task '%s' takes at most %zu argument%s",
				   taskname(e), np, np == 1 ? "" : "s");
			ok = false;
			break;
		}
		list_push(&vals[at], w);
		set[at] = true;
	}
	for (p = t->params, k = 0; p; p = p->next, k++) {
		if (!set[k] && p->def) {
			struct eval ev = {vars, NULL, a, false};
			ok = eval_word(&ev, p->def, &vals[k]) && ok;
		} else if (!set[k] && !p->variadic) {
			diag_error(p->loc, "task '%s' needs a value for parameter '%s'", taskname(e),
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

void task_instance_name(struct buf *b, const char *task, const struct stmt *t,
			const struct taskargs *args)
{
	size_t i;

	buf_puts(b, task);
	for (i = 0; i < args->n; i++) {
		if (task_isassign(args->words[i]) && !task_named(t, args->words[i]))
			continue;
		buf_putc(b, ' ');
		shell_quote(b, args->words[i]);
	}
}

/* Split an instance's name into words as the shell would ('...', "...", and
 * backslashes quote), into a; false if a quote is left open. */
static bool splitname(const char *s, struct arena *a, struct list *words)
{
	struct buf w = {0};
	bool ok = true;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		w.len = 0;
		buf_add(&w, "", 0);
		while (*s && *s != ' ' && *s != '\t' && ok) {
			if (*s == '\'') {
				const char *end = strchr(s + 1, '\'');
				ok = end != NULL;
				if (ok)
					buf_add(&w, s + 1, (size_t)(end - s - 1));
				s = ok ? end + 1 : s;
			} else if (*s == '"') {
				for (s++; *s && *s != '"'; s++) {
					if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
						s++;
					buf_putc(&w, *s);
				}
				ok = *s == '"';
				s += ok;
			} else if (*s == '\\' && s[1]) {
				buf_putc(&w, s[1]);
				s += 2;
			} else {
				buf_putc(&w, *s++);
			}
		}
		if (!ok)
			break;
		list_push(words, arena_strndup(a, w.s, w.len));
	}
	buf_free(&w);
	return ok;
}

bool task_resolve(struct plan *p, struct node *n)
{
	struct list words = {0};
	struct taskargs args;
	struct node *tn;
	struct edge *base, *e;
	uint32_t id = (uint32_t)(p->g->nedges + p->ninst);
	bool ok;

	if (!strchr(n->path, ' ') || !splitname(n->path, &p->a, &words) || words.n < 2 ||
	    !(tn = graph_find(p->g, words.v[0])) || !(tn->flags & NODE_TASK) || !tn->gen ||
	    !tn->gen->rule->params) {
		list_free(&words);
		return false;
	}
	base = tn->gen;
	plan_room(p, id);
	e = graph_edge_in(&p->a, id, base->rule, 1, base->nin, base->nall - base->nin);
	memcpy(e->in, base->in, base->nall * sizeof(*e->in));
	e->loc = base->loc;
	e->shift = base->shift;
	edge_out(e)[0] = n;
	n->gen = e;
	n->flags |= NODE_TASK;
	xgrow((void **)&p->inst, &p->capinst, p->ninst + 1, sizeof(*p->inst));
	p->inst[p->ninst++] = e;
	args.words = (char **)words.v + 1;
	args.n = words.n - 1;
	ok = task_bind(p->o.vars, &p->a, e, &args);
	list_free(&words);
	if (!ok)
		diag_note(base->loc, "'%s' is task '%s' with arguments", n->path, tn->path);
	return true;
}
