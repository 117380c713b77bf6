/* Stating the files of a build up front, several at a time: most of a no-op
 * build of a large graph is spent waiting for stat, and the kernel answers
 * several at once. */
#include <stdlib.h>

#include "graph/graph.h"
#include "os/os.h"
#include "plan/internal.h"

/* The files prestat will stat next, and the edges whose files are still to be
 * listed. Files are stated a batch at a time, so that the lists stay small
 * however big the graph is. */
enum { STAT_BATCH = 8192 };

struct statlist {
	const char *paths[STAT_BATCH];
	struct node *nodes[STAT_BATCH];
	struct filestat *sts[STAT_BATCH];
	size_t nn;
	int threads;
	struct edge **stack;
	size_t top, cap;
	uint8_t *seen; /* by edge id: listed on the stack once */
	const struct graph *g;
};

static void flush(struct statlist *l)
{
	size_t i;

	os_stat_many(l->paths, l->sts, l->nn, l->threads);
	for (i = 0; i < l->nn; i++)
		l->nodes[i]->flags = (l->nodes[i]->flags & ~(uint32_t)NODE_QUEUED) | NODE_STATED;
	l->nn = 0;
}

/* List n to be stated, unless it is already, and the edge that makes it to be
 * walked: the graph's stat worker may have stated a file whose inputs it did
 * not get to. */
static void queue(struct statlist *l, struct node *n)
{
	/* what the worker found is what a stat now would find: nothing has run */
	if (!(n->flags & (NODE_STATED | NODE_TASK)) && graph_stated_early(l->g, n))
		n->flags |= NODE_STATED;
	if (!(n->flags & (NODE_QUEUED | NODE_STATED | NODE_TASK))) {
		n->flags |= NODE_QUEUED;
		if (l->nn == STAT_BATCH)
			flush(l);
		l->paths[l->nn] = n->path;
		l->sts[l->nn] = &n->st;
		l->nodes[l->nn++] = n;
	}
	if (n->gen && !l->seen[n->gen->id]) {
		l->seen[n->gen->id] = 1;
		xgrow((void **)&l->stack, &l->cap, l->top + 1, sizeof(*l->stack));
		l->stack[l->top++] = n->gen;
	}
}

/* The walk in plan_build then finds them stated. */
void prestat(const struct plan *p, struct node **goals, size_t ngoals)
{
	const struct graph *g = p->g;
	int threads = p->o.statjobs;
	struct statlist *l = xcalloc(1, sizeof(*l));
	size_t i;
	uint32_t k;

	l->threads = threads;
	l->g = g;
	l->seen = xcalloc(g->nedges + p->ninst + 1, 1);
	for (i = 0; i < ngoals; i++)
		queue(l, goals[i]);
	while (l->top) {
		struct edge *e = l->stack[--l->top];
		for (k = 0; k < e->nout; k++)
			queue(l, edge_out(e)[k]);
		for (k = 0; k < e->nall; k++)
			queue(l, e->in[k]);
	}
	flush(l);
	free(l->seen);
	free(l->stack);
	free(l);
}

