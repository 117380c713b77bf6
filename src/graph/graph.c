#include "lang/ast.h"
#include "graph/graph.h"

#include <assert.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "base/path.h"

static_assert(offsetof(struct node, path) == offsetof(struct hkey, s) &&
		      offsetof(struct node, len) == offsetof(struct hkey, len),
	      "a node starts with its key");

void graph_free(struct graph *g)
{
	size_t i;

	graph_stat_stop(g);

	for (i = 0; i < g->npats; i++) {
		list_free(&g->pats[i].outs);
		list_free(&g->pats[i].ins);
		list_free(&g->pats[i].order);
	}
	free(g->pats);
	free(g->pools);
	htab_free(&g->rulepools);
	free(g->edges);
	hset_free(&g->nodes);
	arena_free(&g->a);
	memset(g, 0, sizeof(*g));
}

void graph_stat_early(struct graph *g)
{
	/* a node starts with its path, as the worker expects (see the assert above) */
	g->statq = os_statq_start(offsetof(struct node, st));
}

void graph_stat_stop(struct graph *g)
{
	if (g->statq)
		g->early = os_statq_stop(g->statq) > 0;
	g->statq = NULL;
}

void graph_forget_files(struct graph *g)
{
	size_t i;

	graph_stat_stop(g);
	g->early = false;
	for (i = 0; i < g->nodes.cap; i++) {
		struct node *n = g->nodes.v[i];
		if (n)
			n->flags &= ~(uint32_t)(NODE_STATED | NODE_QUEUED);
	}
}

struct node *graph_find(struct graph *g, const char *path)
{
	return hset_get(&g->nodes, path, strlen(path));
}

struct node *graph_node(struct graph *g, const char *path, size_t len)
{
	char small[256], *s = NULL;
	void **slot;
	struct node *n;

	/* most paths are canonical as written: looked up where they are */
	if (!path_plain(path, len)) {
		s = len < sizeof(small) ? small : xmalloc(len + 1);
		memcpy(s, path, len);
		len = path_canon(s, len);
		path = s;
	}
	slot = hset_slot(&g->nodes, path, len);
	if (!*slot) {
		n = arena_alloc(&g->a, sizeof(*n));
		n->path = arena_strndup(&g->a, path, len);
		n->len = (uint32_t)len;
		*slot = n;
		if (g->statq)
			os_statq_push(g->statq, n);
	}
	if (s && s != small)
		free(s);
	return *slot;
}

void graph_prefetch(const struct graph *g, const char *path, size_t len)
{
	/* as if it were canonical, as most paths are: if not, this was for nothing */
	hset_prefetch(&g->nodes, path, len);
}

struct edge *graph_edge_in(struct arena *a, uint32_t id, const struct stmt *rule, uint32_t nout,
			   uint32_t nin, uint32_t norder)
{
	/* the edge and its outputs and inputs in one piece */
	size_t nodes = (size_t)nout + nin + norder;
	struct edge *e = arena_alloc(a, sizeof(*e) + sizeof(struct node *) * nodes);

	e->rule = rule;
	if (rule) {
		e->loc = rule->loc;
		e->shift = rule->shift;
	}
	e->in = edge_out(e) + nout;
	e->nout = nout;
	e->nin = e->nimp = nin;
	e->nall = nin + norder;
	e->id = id;
	return e;
}

struct edge *graph_edge(struct graph *g, const struct stmt *rule, uint32_t nout, uint32_t nin,
			uint32_t norder)
{
	struct edge *e = graph_edge_in(&g->a, (uint32_t)g->nedges, rule, nout, nin, norder);

	xgrow((void **)&g->edges, &g->capedges, g->nedges + 1, sizeof(*g->edges));
	g->edges[g->nedges++] = e;
	return e;
}

const char *edge_name(const struct edge *e)
{
	return edge_out(e)[0]->path;
}

void graph_dump(struct buf *b, const struct graph *g)
{
	size_t i, j;

	for (i = 0; i < g->nedges; i++) {
		const struct edge *e = g->edges[i];
		if (e->rule->kind == ST_TASK)
			buf_puts(b, "task ");
		for (j = 0; j < e->nout; j++)
			buf_printf(b, "%s%s", j ? " " : "", edge_out(e)[j]->path);
		buf_putc(b, ':');
		for (j = 0; j < e->nall; j++) {
			if (j == e->nin && e->nimp > e->nin)
				buf_puts(b, " ||");
			if (j == e->nimp)
				buf_puts(b, " |");
			buf_printf(b, " %s", e->in[j]->path);
		}
		if (e->rule->kind != ST_TASK && e->stem)
			buf_printf(b, " (stem %s)", e->stem);
		buf_putc(b, '\n');
	}
}
