/* The order in which the jobs are declared: of the edges of rules, then of
 * the instances of pattern rules where their rules stand among the others;
 * for ordered pools and --output=ordered, which print or start in that order. */
#include "plan/plan.h"

#include <stdlib.h>

#include "graph/graph.h"
#include "plan/internal.h"

uint64_t plan_order(const struct plan *p, const struct edge *e)
{
	uint32_t n = (uint32_t)p->g->nedges;

	/* a pattern rule declared when the graph had k edges comes before the
	 * rule of edge k */
	if (e->id < n)
		return (uint64_t)e->id << 32 | UINT32_MAX;
	return (uint64_t)p->instafter[e->id - n] << 32 | (e->id - n);
}

/* A heap of edges, the one declared first on top. */
struct byorder {
	const struct plan *p;
	const struct edge **v;
	size_t n;
};

static bool before(const struct byorder *h, size_t i, size_t j)
{
	return plan_order(h->p, h->v[i]) < plan_order(h->p, h->v[j]);
}

static void swap(struct byorder *h, size_t i, size_t j)
{
	const struct edge *e = h->v[i];

	h->v[i] = h->v[j];
	h->v[j] = e;
}

static void push(struct byorder *h, const struct edge *e)
{
	size_t i = h->n++;

	h->v[i] = e;
	for (; i > 0 && before(h, i, (i - 1) / 2); i = (i - 1) / 2)
		swap(h, i, (i - 1) / 2);
}

static const struct edge *pop(struct byorder *h)
{
	const struct edge *top = h->v[0];
	size_t i = 0, c;

	h->v[0] = h->v[--h->n];
	while ((c = 2 * i + 1) < h->n) {
		if (c + 1 < h->n && before(h, c + 1, c))
			c++;
		if (!before(h, c, i))
			break;
		swap(h, i, c);
		i = c;
	}
	return top;
}

size_t plan_in_order(const struct plan *p, const struct edge **v)
{
	struct byorder h = {p, xcalloc(p->nwork + 1, sizeof(*h.v)), 0};
	uint32_t *wait = xcalloc(p->nst + 1, sizeof(*wait)), i;
	size_t k, n = 0;

	/* each edge that runs waits for 1 + the edges it needs that run: the
	 * one declared first of those that wait for none comes next */
	for (k = 0; k < p->nwork; k++)
		wait[p->work[k]->id]++;
	for (k = 0; k < p->nwork; k++) {
		for (i = 0; i < plan_st(p, p->work[k])->nrdeps; i++) {
			const struct edge *r = plan_rdep(p, p->work[k], i);
			if (wait[r->id])
				wait[r->id]++;
		}
	}
	for (k = 0; k < p->nwork; k++) {
		if (wait[p->work[k]->id] == 1)
			push(&h, p->work[k]);
	}
	while (h.n) {
		const struct edge *e = pop(&h);
		if (edge_hasjob(e))
			v[n++] = e;
		for (i = 0; i < plan_st(p, e)->nrdeps; i++) {
			const struct edge *r = plan_rdep(p, e, i);
			if (wait[r->id] > 1 && --wait[r->id] == 1)
				push(&h, r);
		}
	}
	free(wait);
	free(h.v);
	return n;
}
