#include "run/pools.h"

#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "graph/graph.h"
#include "graph/pool.h"
#include "lang/diag.h"
#include "plan/plan.h"
#include "run/capacity.h"

struct pools {
	const struct plan *p;
	const struct graph *g;
	uint32_t *used; /* by pool: slots taken */
	/* by pool, for ordered ones: the members in declaration order, and the
	 * first that has not started */
	struct members {
		const struct edge **v;
		size_t n, cap, next;
	} *ord;
	uint8_t *gone; /* by edge id: started, or will not run */
};

static int byorder(const void *a, const void *b, void *p)
{
	uint64_t x = plan_order(p, *(const struct edge *const *)a);
	uint64_t y = plan_order(p, *(const struct edge *const *)b);

	return x < y ? -1 : x > y;
}

/* Move an ordered pool's cursor past members that started or will not run. */
static void skip(struct pools *ps, struct members *m)
{
	while (m->next < m->n && ps->gone[m->v[m->next]->id])
		m->next++;
}

static enum cap_answer take(void *ctx, const struct edge *e, size_t running)
{
	struct pools *ps = ctx;
	const struct rulepools *rp = pool_of(ps->g, e->rule);
	uint32_t i;

	(void)running;
	if (!rp)
		return CAP_YES;
	for (i = 0; i < rp->n; i++) {
		const struct pool *pl = &ps->g->pools[rp->v[i].pool];
		struct members *m = &ps->ord[rp->v[i].pool];
		if (ps->used[rp->v[i].pool] + rp->v[i].slots > pl->size)
			return CAP_WAIT;
		if (pl->ordered) {
			skip(ps, m);
			if (m->next < m->n && m->v[m->next] != e)
				return CAP_WAIT; /* not its turn */
		}
	}
	for (i = 0; i < rp->n; i++)
		ps->used[rp->v[i].pool] += rp->v[i].slots;
	ps->gone[e->id] = 1;
	return CAP_YES;
}

static void give(void *ctx, const struct edge *e)
{
	struct pools *ps = ctx;
	const struct rulepools *rp = pool_of(ps->g, e->rule);
	uint32_t i;

	for (i = 0; rp && i < rp->n; i++)
		ps->used[rp->v[i].pool] -= rp->v[i].slots;
}

static void pass(void *ctx, const struct edge *e)
{
	((struct pools *)ctx)->gone[e->id] = 1;
}

static void pfree(void *ctx)
{
	struct pools *ps = ctx;
	size_t i;

	for (i = 0; i < ps->g->npools; i++)
		free(ps->ord[i].v);
	free(ps->ord);
	free(ps->used);
	free(ps->gone);
	free(ps);
}

/* What latest looks for: the latest place among members of a pool. */
struct latest {
	const uint32_t *pos; /* by edge id, the member's place (1 on), or 0 */
	uint32_t most;
};

static bool later(void *ctx, const struct edge *e)
{
	struct latest *l = ctx;

	if (l->pos[e->id] > l->most)
		l->most = l->pos[e->id];
	return true;
}

/* The latest place among the members that edge from needs; 0 if none. */
static uint32_t latest(struct plan *p, const struct edge *from, const uint32_t *pos)
{
	struct latest l = {pos, 0};

	plan_inputs(p, from, later, &l);
	return l.most;
}

bool pools_add(struct capacity *c, struct plan *p)
{
	const struct graph *g = p->g;
	struct pools *ps;
	struct limit l;
	size_t i, j;
	uint32_t *pos, k;
	bool ok = true;

	if (!g->rulepools.n)
		return true;
	ps = xcalloc(1, sizeof(*ps));
	ps->p = p;
	ps->g = g;
	ps->used = xcalloc(g->npools + 1, sizeof(*ps->used));
	ps->ord = xcalloc(g->npools + 1, sizeof(*ps->ord));
	ps->gone = xcalloc(p->nst + 1, 1);
	for (i = 0; i < p->nwork; i++) {
		const struct edge *e = p->work[i];
		const struct rulepools *rp = edge_hasjob(e) ? pool_of(g, e->rule) : NULL;
		for (j = 0; rp && j < rp->n; j++) {
			struct members *m = &ps->ord[rp->v[j].pool];
			if (!g->pools[rp->v[j].pool].ordered)
				continue;
			xgrow((void **)&m->v, &m->cap, m->n + 1, sizeof(*m->v));
			m->v[m->n++] = e;
		}
	}
	/* an ordered pool's members in declaration order; one that needs a
	 * member declared after it would wait for ever */
	pos = xcalloc(p->nst + 1, sizeof(*pos));
	for (i = 0; i < g->npools && ok; i++) {
		struct members *m = &ps->ord[i];
		if (m->n < 2)
			continue;
		qsort_r(m->v, m->n, sizeof(*m->v), byorder, (void *)p);
		for (j = 0; j < m->n; j++)
			pos[m->v[j]->id] = (uint32_t)j + 1;
		for (j = 0; j < m->n && ok; j++) {
			k = latest(p, m->v[j], pos);
			if (k > j + 1) {
				diag_error(m->v[j]->loc,
					   "'%s' cannot start before '%s' in ordered pool '%s': it needs it",
					   edge_name(m->v[j]), edge_name(m->v[k - 1]), g->pools[i].name);
				diag_note(m->v[k - 1]->loc, "'%s' is declared after it, here",
					  edge_name(m->v[k - 1]));
				ok = false;
			}
		}
		for (j = 0; j < m->n; j++)
			pos[m->v[j]->id] = 0;
	}
	free(pos);
	l = (struct limit){ps, take, give, pfree, pass};
	cap_add(c, &l);
	return ok;
}
