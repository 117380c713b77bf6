/* Pattern rules: which one makes a file, and its edge for this build. */
#include <stdlib.h>
#include <string.h>

#include "base/match.h"
#include "graph/graph.h"
#include "lang/diag.h"
#include "plan/internal.h"
#include "state/statelog.h"

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
	return depth < p->search.maxdepth && p->search.tries < MAX_PATTERN_TRIES &&
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

/* Whether pattern rule pat makes n (the stem into *stem): by an output other
 * than '%' alone in a chain, where a rule that matches anything would be
 * tried for every name the chain makes up (as in make, such a rule makes only
 * what is needed by name). */
static bool matches(const struct pattern *pat, const struct node *n, int depth, struct buf *stem)
{
	size_t j;

	for (j = 0; j < pat->outs.n; j++) {
		if ((depth == 0 || strcmp(pat->outs.v[j], "%")) &&
		    match(pat->outs.v[j], n->path, n->len, stem))
			return true;
	}
	return false;
}

/* The node of pat's jth input (its order-only ones after the others). */
static struct node *patin(struct plan *p, const struct pattern *pat, size_t j,
			  const struct buf *stem)
{
	const char *w = j < pat->ins.n ? pat->ins.v[j] : pat->order.v[j - pat->ins.n];

	return substnode(p->g, w, stem);
}

/* Find a pattern rule that makes n and give n an edge from it. */
static bool trypatterns(struct plan *p, struct node *n, int depth)
{
	struct graph *g = p->g;
	struct buf stem = {0};
	size_t i, j;

	if (n->flags & NODE_RESOLVED)
		return n->gen != NULL;
	if (depth == 0)
		resolved(p, n);
	for (i = 0; i < g->npats; i++) {
		struct pattern *pat = &g->pats[i];
		struct node *ins[64], **in = ins;
		size_t nin = pat->ins.n + pat->order.n;
		bool ok;
		int d;

		for (d = 0; d < depth && p->search.chain[d] != i; d++)
			;
		if (d < depth)
			continue; /* already in this chain */
		p->search.chain[depth] = i;
		if (!matches(pat, n, depth, &stem))
			continue;
		p->search.tries += (int)nin + 1;
		if (nin > LEN(ins))
			in = xmalloc(nin * sizeof(*in));
		for (j = 0, ok = true; j < nin && ok; j++) {
			in[j] = patin(p, pat, j, &stem);
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
	return false;
}

/* Start a search for n: a file that exists and that baton did not make (a
 * source: the state log has no record of it) is made by a pattern rule only
 * from inputs that exist or that explicit rules make, not through a chain of
 * pattern rules; else every file of a project would be sent through every
 * chain the patterns allow. */
static void startsearch(struct plan *p, struct node *n)
{
	p->search.tries = 0;
	p->search.maxdepth = MAX_PATTERN_CHAIN;
	if (plan_mtime(p, n) != MTIME_MISSING &&
	    !(p->o.log && statelog_get(p->o.log, n->path)))
		p->search.maxdepth = 0;
}

bool pattern_resolve(struct plan *p, struct node *n)
{
	bool ok;

	if (n->flags & NODE_RESOLVED)
		return n->gen != NULL;
	if (!p->g->npats && !p->g->nparamtasks)
		return false; /* nothing to search, or to remember */
	/* a task called with arguments ("deploy prod") before any pattern */
	if (p->g->nparamtasks && strchr(n->path, ' ') && task_resolve(p, n)) {
		resolved(p, n);
		return true;
	}
	if (!p->g->npats)
		return false;
	startsearch(p, n);
	ok = trypatterns(p, n, 0);
	if (!ok && p->search.tries >= MAX_PATTERN_TRIES) {
		/* a file that is missing gets an error, and a note says why */
		if (plan_mtime(p, n) != MTIME_MISSING)
			warn("stopped looking for pattern rules to make '%s' after %d tries: it "
			     "counts as a source", n->path, MAX_PATTERN_TRIES);
		p->search.capped = n;
	}
	return ok;
}

void pattern_why(struct plan *p, struct node *n)
{
	struct graph *g = p->g;
	struct buf stem = {0};
	size_t i, j, shown = 0, more = 0;
	bool capped = p->search.capped == n;

	startsearch(p, n);
	for (i = 0; i < g->npats; i++) {
		const struct pattern *pat = &g->pats[i];
		size_t nin = pat->ins.n + pat->order.n;
		if (!matches(pat, n, 0, &stem))
			continue;
		if (shown == 3) {
			more++;
			continue;
		}
		p->search.chain[0] = i;
		for (j = 0; j < nin; j++) {
			struct node *in = patin(p, pat, j, &stem);
			const char *w = j < pat->ins.n ? pat->ins.v[j] : pat->order.v[j - pat->ins.n];
			if (in == n || makeable(p, in, 0))
				continue;
			diag_note(plan_wordloc(pat->rule->loc, w),
				  "the pattern rule for '%s' matches, but its input '%s' is missing "
				  "and no rule makes it", pat->outs.v[0], in->path);
			shown++;
			break;
		}
	}
	if (more)
		diag_note((struct loc){0}, "and %zu more pattern rule%s", more, more == 1 ? "" : "s");
	if (capped)
		diag_note((struct loc){0}, "the search for a chain of pattern rules to make '%s' "
			  "stopped after %d tries", n->path, MAX_PATTERN_TRIES);
	buf_free(&stem);
}
