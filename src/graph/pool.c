#include "graph/pool.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "base/list.h"
#include "graph/graph.h"
#include "lang/diag.h"
#include "lang/eval.h"

/* The pools, with console first. */
static void builtin(struct graph *g)
{
	if (g->npools)
		return;
	xgrow((void **)&g->pools, &g->cappools, 1, sizeof(*g->pools));
	g->pools[g->npools++] = (struct pool){"console", 1, false, {0}};
}

uint32_t pool_find(const struct graph *g, const char *name)
{
	size_t i;

	if (!strcmp(name, "console"))
		return POOL_CONSOLE;
	for (i = 0; i < g->npools; i++) {
		if (!strcmp(g->pools[i].name, name))
			return (uint32_t)i;
	}
	return POOL_NONE;
}

/* The words of value, evaluated and joined by spaces, with a space on each side
 * of '=' (so that "n=4" reads as "n = 4"); NULL after reporting. */
static char *text(struct graph *g, struct vars *vars, const struct word *value)
{
	struct eval ev = {vars, NULL, &g->a, false};
	struct list l = {0};
	struct buf b = {0};
	const char *p;
	size_t i;
	char *res;

	if (!eval_words(&ev, value, &l)) {
		list_free(&l);
		return NULL;
	}
	for (i = 0; i < l.n; i++) {
		if (i)
			buf_putc(&b, ' ');
		for (p = l.v[i]; *p; p++) {
			if (*p == '=')
				buf_puts(&b, " = ");
			else
				buf_putc(&b, *p);
		}
	}
	list_free(&l);
	res = arena_strndup(&g->a, b.s ? b.s : "", b.len);
	buf_free(&b);
	return res;
}

/* The next word of *p (blanks skipped), NUL-terminated in place; NULL at the end. */
static char *word(char **p)
{
	char *w;

	while (**p == ' ')
		(*p)++;
	if (!**p)
		return NULL;
	w = *p;
	while (**p && **p != ' ')
		(*p)++;
	if (**p)
		*(*p)++ = '\0';
	return w;
}

/* A number of slots, 1 or more; 0 if w is not one. */
static uint32_t number(const char *w)
{
	unsigned long n;
	char *end;

	if (!w || *w < '0' || *w > '9')
		return 0;
	errno = 0;
	n = strtoul(w, &end, 10);
	return errno || *end || n > INT_MAX ? 0 : (uint32_t)n;
}

static bool isname(const char *w)
{
	if (!w || !(*w == '_' || (*w >= 'a' && *w <= 'z') || (*w >= 'A' && *w <= 'Z')))
		return false;
	for (; *w; w++) {
		if (!(*w == '_' || *w == '-' || (*w >= 'a' && *w <= 'z') || (*w >= 'A' && *w <= 'Z') ||
		      (*w >= '0' && *w <= '9')))
			return false;
	}
	return true;
}

bool pool_declare(struct graph *g, struct vars *vars, const struct stmt *s)
{
	char *t = text(g, vars, s->value), *p = t, *name, *eq, *n, *ord;
	uint32_t size, old;
	char where[4096];

	if (!t)
		return false;
	builtin(g);
	name = word(&p);
	eq = word(&p);
	n = word(&p);
	ord = word(&p);
	if (!isname(name) || !eq || strcmp(eq, "=") || !n || (ord && strcmp(ord, "ordered")) ||
	    word(&p)) {
		diag_error(s->loc, "a pool is declared as 'pool NAME = SLOTS' or "
				   "'pool NAME = SLOTS ordered'");
		return false;
	}
	size = number(n);
	if (!size) {
		diag_error(s->loc, "pool '%s' needs 1 slot or more, not '%s'", name, n);
		return false;
	}
	old = pool_find(g, name);
	if (old == POOL_CONSOLE) {
		diag_error(s->loc, "'console' is the pool of jobs that have the terminal: it cannot "
				   "be declared");
		return false;
	}
	if (old != POOL_NONE) {
		diag_where(g->pools[old].loc, where, sizeof(where));
		diag_error(s->loc, "pool '%s' is declared twice (first at %s)", name, where);
		diag_note(g->pools[old].loc, "it is first declared here");
		return false;
	}
	xgrow((void **)&g->pools, &g->cappools, g->npools + 1, sizeof(*g->pools));
	g->pools[g->npools++] = (struct pool){name, size, ord != NULL, s->loc};
	return true;
}

/* Note rule's pools, refs[0..n), under its key. */
static void keep(struct graph *g, const struct stmt *rule, const struct poolref *refs, uint32_t n)
{
	struct rulepools *rp = arena_alloc(&g->a, sizeof(*rp) + n * sizeof(*refs));

	rp->rule = rule;
	rp->n = n;
	memcpy(rp->v, refs, n * sizeof(*refs));
	htab_slot(&g->rulepools, (const char *)&rp->rule, sizeof(rp->rule))->val = rp;
}

bool pool_rule(struct graph *g, struct vars *vars, const struct stmt *rule)
{
	struct poolref refs[16];
	const struct attr *a;
	uint32_t n = 0, i;
	bool ok = true;

	builtin(g);
	for (a = rule->attrs; a; a = a->next) {
		struct word w = {0};
		char *t, *p, *name, *k;
		uint32_t pool, slots = 1;
		if (strcmp(a->name, "pool"))
			continue;
		/* the attribute's pieces, evaluated as one word is */
		w.pieces = (struct piece *)a->value;
		w.loc = a->loc;
		t = text(g, vars, &w);
		if (!t) {
			ok = false;
			continue;
		}
		p = t;
		name = word(&p);
		k = word(&p);
		if (!name || word(&p) || (k && !(slots = number(k)))) {
			diag_error(a->loc, "a pool attribute is [pool: NAME] or [pool: NAME SLOTS], with "
					   "SLOTS 1 or more");
			ok = false;
			continue;
		}
		pool = pool_find(g, name);
		if (pool == POOL_NONE) {
			diag_error(a->loc, "unknown pool '%s' (declare it: pool %s = SLOTS)", name, name);
			ok = false;
			continue;
		}
		if (slots > g->pools[pool].size) {
			diag_error(a->loc, "%u slots of pool '%s', which has %u", slots, name,
				   g->pools[pool].size);
			ok = false;
			continue;
		}
		for (i = 0; i < n && refs[i].pool != pool; i++)
			;
		if (i < n) {
			diag_error(a->loc, "pool '%s' is named twice for one rule", name);
			ok = false;
			continue;
		}
		if (n == LEN(refs)) {
			diag_error(a->loc, "a rule is in %zu pools at most", LEN(refs));
			ok = false;
			continue;
		}
		refs[n++] = (struct poolref){pool, slots};
	}
	if (n)
		keep(g, rule, refs, n);
	return ok;
}

const struct rulepools *pool_of(const struct graph *g, const struct stmt *rule)
{
	if (!rule->attrs || !g->rulepools.n)
		return NULL;
	return htab_get(&g->rulepools, (const char *)&rule, sizeof(rule));
}
