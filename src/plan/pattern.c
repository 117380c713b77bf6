/* Pattern rules: which one makes a file, and its edge for this build. */
#include <stdlib.h>
#include <string.h>

#include "base/match.h"
#include "graph/graph.h"
#include "plan/internal.h"

/* If path matches the pattern (one '%'), copy the stem into *stem. */
static bool match(const char *pat, const char *path, size_t plen, struct buf *stem)
{
	size_t off, n;

	if (!pattern_match(pat, path, plen, &off, &n))
		return false;
	stem->len = 0;
	buf_add(stem, path + off, n);
	return true;
}

/* The node for a pattern word with the stem put in place of '%'. */
static struct node *substnode(struct graph *g, const char *w, const struct buf *stem)
{
	const char *pct = strchr(w, '%');
	struct buf b = {0};
	struct node *n;

	if (!pct)
		return graph_node(g, w, strlen(w));
	buf_add(&b, w, (size_t)(pct - w));
	buf_add(&b, stem->s, stem->len);
	buf_puts(&b, pct + 1);
	n = graph_node(g, b.s, b.len);
	buf_free(&b);
	return n;
}

/* Note that the pattern rules were tried for n, for plan_free to forget. */
static void resolved(struct plan *p, struct node *n)
{
	n->flags |= NODE_RESOLVED;
	xgrow((void **)&p->resolved, &p->capresolved, p->nresolved + 1, sizeof(*p->resolved));
	p->resolved[p->nresolved++] = n;
}

static bool trypatterns(struct plan *p, struct node *n, int depth);

/* Whether n exists or can be made. */
static bool makeable(struct plan *p, struct node *n, int depth)
{
	if (n->gen || (n->flags & NODE_TASK) || plan_mtime(p, n) != MTIME_MISSING)
		return true;
	return depth < MAX_PATTERN_CHAIN && p->search.tries < MAX_PATTERN_TRIES &&
	       !(n->flags & NODE_RESOLVED) && trypatterns(p, n, depth + 1);
}

/* The edge of pattern rule pat for n (stem), made by the plan for this build. */
static void instantiate(struct plan *p, const struct pattern *pat, struct node **in,
			const struct buf *stem)
{
	struct graph *g = p->g;
	uint32_t id = (uint32_t)(g->nedges + p->ninst), j;
	struct edge *e;

	plan_room(p, id);
	e = graph_edge_in(&p->a, id, pat->rule, (uint32_t)pat->outs.n,
				       (uint32_t)pat->ins.n, (uint32_t)pat->order.n);

	memcpy(e->in, in, (pat->ins.n + pat->order.n) * sizeof(*in));
	e->stem = arena_strndup(&p->a, stem->s, stem->len);
	for (j = 0; j < pat->outs.n; j++) {
		struct node *o = substnode(g, pat->outs.v[j], stem);
		edge_out(e)[j] = o;
		o->gen = e;
		if (!(o->flags & NODE_RESOLVED))
			resolved(p, o);
	}
	if (p->ninst == p->capinst) {
		size_t cap = p->capinst;
		xgrow((void **)&p->inst, &p->capinst, p->ninst + 1, sizeof(*p->inst));
		xgrow((void **)&p->instafter, &cap, p->ninst + 1, sizeof(*p->instafter));
	}
	p->instafter[p->ninst] = pat->after;
	p->inst[p->ninst++] = e;
}

/* Find a pattern rule that makes n and give n an edge from it. */
static bool trypatterns(struct plan *p, struct node *n, int depth)
{
	struct graph *g = p->g;
	struct buf stem = {0};
	size_t i, j;

	if (n->flags & NODE_RESOLVED)
		return n->gen != NULL;
	if (depth == 0) {
		resolved(p, n);
		p->search.tries = 0;
	}
	for (i = 0; i < g->npats; i++) {
		struct pattern *pat = &g->pats[i];
		struct node *ins[64], **in = ins;
		size_t nin = pat->ins.n + pat->order.n;
		bool ok = false;
		int d;

		for (d = 0; d < depth && p->search.chain[d] != i; d++)
			;
		if (d < depth)
			continue; /* already in this chain */
		p->search.chain[depth] = i;
		for (j = 0; j < pat->outs.n && !ok; j++)
			ok = match(pat->outs.v[j], n->path, n->len, &stem);
		if (!ok)
			continue;
		p->search.tries += (int)nin + 1;
		if (nin > LEN(ins))
			in = xmalloc(nin * sizeof(*in));
		for (j = 0; j < nin && ok; j++) {
			const char *w = j < pat->ins.n ? pat->ins.v[j] : pat->order.v[j - pat->ins.n];
			in[j] = substnode(g, w, &stem);
			ok = in[j] != n && makeable(p, in[j], depth);
		}
		for (j = 0; j < pat->outs.n && ok; j++) {
			struct node *o = substnode(g, pat->outs.v[j], &stem);
			ok = o == n || (!o->gen && !(o->flags & NODE_TASK));
		}
		if (ok)
			instantiate(p, pat, in, &stem);
		if (in != ins)
			free(in);
		if (ok) {
			buf_free(&stem);
			return true;
		}
	}
	buf_free(&stem);
	if (depth == 0 && !(n->flags & NODE_RESOLVED))
		resolved(p, n);
	return false;
}

bool pattern_resolve(struct plan *p, struct node *n)
{
	/* a task called with arguments ("deploy prod") before any pattern */
	if (!(n->flags & NODE_RESOLVED) && task_resolve(p, n)) {
		resolved(p, n);
		return true;
	}
	return trypatterns(p, n, 0);
}
