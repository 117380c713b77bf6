#include "lang/wordsegments.h"

#include <stdlib.h>
#include <string.h>

#include "base/util.h"

struct arena *segments_next(struct segments *g)
{
	struct segment *seg = xcalloc(1, sizeof(*seg));

	if (g->n >= UINT32_MAX)
		fatal("too many statements");
	seg->a.pages = true; /* given back to the system as soon as it is freed */
	xgrow((void **)&g->v, &g->cap, g->n + 1, sizeof(*g->v));
	g->v[g->n++] = seg;
	g->stmts = 0;
	return &seg->a;
}

struct arena *segments_last(struct segments *g)
{
	return g->n ? &g->v[g->n - 1]->a : segments_next(g);
}

/* Free segment j if nothing needs it: no rule of its own, and none of the next
 * one, whose first word it may hold. */
static void release(struct segments *g, size_t j)
{
	if (!g->v[j] || g->v[j]->pending || (j + 1 < g->n && g->v[j + 1] && g->v[j + 1]->pending))
		return;
	arena_free(&g->v[j]->a);
	free(g->v[j]);
	g->v[j] = NULL;
}

void segments_done(struct segments *g, uint32_t k)
{
	g->v[k]->pending--;
	if (k > 0)
		release(g, k - 1);
	release(g, k);
}

void segments_free(struct segments *g)
{
	size_t i;

	for (i = 0; i < g->n; i++) {
		if (g->v[i]) {
			arena_free(&g->v[i]->a);
			free(g->v[i]);
		}
	}
	free(g->v);
	memset(g, 0, sizeof(*g));
}
