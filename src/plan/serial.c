/* What orders the jobs beyond their inputs: [serial] chains, and the walk
 * of the jobs an edge needs (ordered pools check their members by it). */
#include "plan/plan.h"

#include <stdlib.h>
#include <string.h>

#include "graph/graph.h"
#include "plan/internal.h"

void plan_inputs(struct plan *p, const struct edge *from,
		 bool (*fn)(void *ctx, const struct edge *e), void *ctx)
{
	const struct edge **stack = NULL;
	size_t n = 0, cap = 0;
	bool more = true;
	uint32_t i, mark;

	/* an edge is seen by this walk when it has this walk's mark: no array
	 * to clear for each walk (walks are many for the pools' check) */
	if (p->nseen < p->nst) {
		free(p->seen);
		p->seen = xcalloc(p->nst, sizeof(*p->seen));
		p->nseen = p->nst;
		p->mark = 0;
	}
	mark = ++p->mark;
	xgrow((void **)&stack, &cap, 1, sizeof(*stack));
	stack[n++] = from;
	while (n && more) {
		const struct edge *e = stack[--n];
		for (i = 0; i < e->nall && more; i++) {
			const struct edge *d = e->in[i]->gen;
			if (!d || p->seen[d->id] == mark || !plan_st(p, d)->dirty)
				continue;
			p->seen[d->id] = mark;
			more = fn(ctx, d);
			xgrow((void **)&stack, &cap, n + 1, sizeof(*stack));
			stack[n++] = d;
		}
	}
	free(stack);
}

/* Mark with stamp, in mark (by edge id), the edges that wait for d so far,
 * directly or not: those that need it, and those a [serial] put after it.
 * Whether one of them is in the chain (in, by edge id). */
static bool waiting(const struct plan *p, struct edge *d, uint32_t *mark, uint32_t stamp,
		    const uint8_t *in)
{
	struct edge **stack = NULL;
	size_t n = 0, cap = 0;
	bool found = false;
	uint32_t i;

	xgrow((void **)&stack, &cap, 1, sizeof(*stack));
	stack[n++] = d;
	while (n) {
		struct edge *e = stack[--n];
		for (i = 0; i < plan_st(p, e)->nrdeps; i++) {
			struct edge *r = plan_rdep(p, e, i);
			if (mark[r->id] == stamp)
				continue;
			mark[r->id] = stamp;
			found = found || in[r->id];
			xgrow((void **)&stack, &cap, n + 1, sizeof(*stack));
			stack[n++] = r;
		}
	}
	free(stack);
	return found;
}

/* [serial]: the jobs of e's inputs that run, one after another in the order
 * they are listed, but an input needed by one listed before it goes just
 * before the first one that needs it (so a chain never waits for itself);
 * then each waits for the one before it. */
void plan_serialise(struct plan *p, struct edge *e)
{
	struct edge **chain = NULL, *d;
	uint32_t *mark = xcalloc(p->nst + 1, sizeof(*mark)), i;
	uint8_t *in = xcalloc(p->nst + 1, 1);
	size_t n = 0, cap = 0, k;

	for (i = 0; i < e->nin; i++) {
		d = e->in[i]->gen;
		if (!d || in[d->id] || !plan_st(p, d)->dirty)
			continue; /* listed twice: its first place counts */
		xgrow((void **)&chain, &cap, n + 1, sizeof(*chain));
		k = n;
		if (waiting(p, d, mark, i + 1, in)) {
			for (k = 0; mark[chain[k]->id] != i + 1; k++)
				;
			memmove(chain + k + 1, chain + k, (n - k) * sizeof(*chain));
		}
		chain[k] = d;
		in[d->id] = 1;
		n++;
	}
	for (k = 1; k < n; k++) {
		plan_st(p, chain[k])->pending++;
		plan_addrdep(p, chain[k - 1], chain[k]);
	}
	free(chain);
	free(mark);
	free(in);
}
