/* The rules of a Taskfile made into the graph's edges: plain rules, static
 * pattern rules and pattern rules, their outputs claimed, their header words
 * evaluated (or looked up at once when they are plain), and the statement each
 * edge keeps once the header's words are let go of. */
#include "graph/taskfile.h"

#include <stdlib.h>
#include <string.h>

#include "base/match.h"
#include "graph/internal.h"
#include "graph/pool.h"
#include "lang/diag.h"
#include "lang/eval.h"

/* The location of a node's producing rule, for messages. */
static struct loc genloc(const struct node *n)
{
	return n->gen->loc;
}

static bool setgen(struct node *n, struct edge *e)
{
	char where[4096];

	/* the same rule: the same edge, or a static pattern rule's other one */
	if (n->gen && n->gen->loc.src == e->loc.src && n->gen->loc.off == e->loc.off) {
		diag_error(e->loc, "'%s' is named twice among the outputs of this rule", n->path);
		return false;
	}
	if (n->gen) {
		diag_where(genloc(n), where, sizeof(where));
		if ((n->flags & NODE_TASK) && e->rule->kind == ST_TASK &&
		    n->gen->rule->kind == ST_TASK) {
			diag_error(e->loc, "task '%s' is defined twice (first at %s)", n->path, where);
			diag_note(genloc(n), "the first task '%s' is here", n->path);
			return false;
		}
		if ((n->flags & NODE_TASK) || e->rule->kind == ST_TASK)
			diag_error(e->loc, "'%s' is both a task and a file made by a rule (see %s)",
				   n->path, where);
		else
			diag_error(e->loc, "'%s' is already made by the rule at %s", n->path,
				   where);
		diag_note(genloc(n), "the first rule that makes '%s' is here", n->path);
		return false;
	}
	n->gen = e;
	return true;
}

static bool pattern(struct taskfile *l, const struct stmt *s)
{
	struct eval ev = {&l->vars, NULL, &l->ast, false};
	struct graph *g = &l->graph;
	struct pattern p = {.rule = s, .after = (uint32_t)g->nedges};
	bool ok;
	size_t i;

	ok = eval_words(&ev, s->hdr->outputs, &p.outs);
	ok = eval_words(&ev, s->hdr->inputs, &p.ins) && ok;
	ok = eval_words(&ev, s->hdr->orderonly, &p.order) && ok;
	for (i = 0; ok && i < p.outs.n; i++) {
		const char *pct = strchr(p.outs.v[i], '%');
		if (!pct || strchr(pct + 1, '%')) {
			diag_error(s->hdr->outputs->loc, "a pattern output needs exactly one '%%': '%s'",
				   p.outs.v[i]);
			ok = false;
		}
	}
	if (!ok) {
		list_free(&p.outs);
		list_free(&p.ins);
		list_free(&p.order);
		return false;
	}
	xgrow((void **)&g->pats, &g->cappats, g->npats + 1, sizeof(*g->pats));
	g->pats[g->npats++] = p;
	return true;
}

void taskfile_freescratch(struct taskfile *l)
{
	list_free(&l->outs);
	list_free(&l->ins);
	list_free(&l->order);
	arena_free(&l->words);
	htab_free(&l->varnodes);
	arena_free(&l->varmem);
	htab_free(&l->kept);
	free(l->newvars);
	l->newvars = NULL;
	l->nnewvars = l->capnewvars = 0;
}

static void clearlist(struct list *l)
{
	l->n = l->bytes = 0;
	l->raw = false;
}

/* Whether every word of a list is plain text, counting them. */
static bool plainwords(const struct word *w, size_t *n)
{
	for (*n = 0; w; w = w->next, ++*n) {
		if (!word_isplain(w))
			return false;
	}
	return true;
}

/* The text of an attribute's value, its {{ }} evaluated (words joined by
 * spaces), into b; false after reporting a mistake. */
static bool attrtext(struct taskfile *l, const struct attr *a, struct buf *b)
{
	struct eval ev = {&l->vars, NULL, &l->words, false};
	struct list val = {0};
	const struct piece *p;
	bool ok = true;

	for (p = a->value; p && ok; p = p->next) {
		if (p->kind == PC_TEXT) {
			buf_add(b, p->text, p->len);
			continue;
		}
		val.n = val.bytes = 0;
		if ((ok = eval_expr(&ev, p->expr, &val)))
			list_join(b, &val, " ");
	}
	list_free(&val);
	buf_add(b, "", 0);
	return ok;
}

/* A task's other names ([alias: d dep]) are nodes made by its edge too. */
static bool aliases(struct taskfile *l, const struct stmt *s, struct edge *e)
{
	const struct attr *a = ast_getattr(s, "alias");
	struct buf b = {0};
	const char *p, *start;
	bool ok;

	if (!a)
		return true;
	if (s->kind != ST_TASK) {
		diag_error(a->loc, "only a task can have an alias");
		return false;
	}
	ok = attrtext(l, a, &b);
	for (p = b.s; ok && *p;) {
		while (*p == ' ' || *p == '\t')
			p++;
		for (start = p; *p && *p != ' ' && *p != '\t'; p++)
			;
		if (p > start) {
			struct node *n = graph_node(&l->graph, start, (size_t)(p - start));
			n->flags |= NODE_TASK;
			ok = setgen(n, e);
		}
	}
	buf_free(&b);
	return ok;
}

/* The outputs of a new edge are made by it; the first rule's is the default goal. */
static bool claim(struct taskfile *l, const struct stmt *s, struct edge *e)
{
	bool ok = true;
	uint32_t i;

	if (s->kind == ST_TASK && s->params)
		l->graph.nparamtasks++;
	for (i = 0; i < e->nout; i++) {
		if (s->kind == ST_TASK)
			edge_out(e)[i]->flags |= NODE_TASK;
		ok = setgen(edge_out(e)[i], e) && ok;
	}
	if (s->attrs)
		ok = aliases(l, s, e) && ok;
	if (ok && !l->first)
		l->first = edge_out(e)[0];
	return ok;
}

/* The nodes of the words of a variable named alone in headers ("{{ name }}"):
 * headers are evaluated without locals, so a name has the same words in every
 * one, and their nodes are found once. */
struct varnodes {
	struct node **v;
	size_t n, bytes; /* words, and bytes as a list counts them */
};

/* A variable word of the rule being evaluated, whose nodes are not known yet:
 * they are those made of list[start..start+n). */
struct newvar {
	const struct word *w;
	const struct list *list;
	size_t start, n, bytes;
};

static const struct varnodes *varnodes(const struct taskfile *l, const struct word *w)
{
	return htab_get(&l->varnodes, w->var, word_varlen(w));
}

/* Whether every word of a list is plain text or a variable whose nodes are
 * known, counting the nodes; and not more than evaluating could make. */
static bool knownwords(const struct taskfile *l, const struct word *w, size_t *n)
{
	const struct varnodes *vn;
	size_t bytes = 0;

	for (*n = 0; w; w = w->next) {
		if (word_isplain(w)) {
			++*n;
			bytes += w->len + 1;
		} else if (word_isvar(w) && (vn = varnodes(l, w))) {
			*n += vn->n;
			bytes += vn->bytes;
		} else {
			return false;
		}
	}
	return *n <= EVAL_MAX_WORDS && bytes <= EVAL_MAX_BYTES;
}

/* Count the words of the variables among w against the budget, as evaluating
 * them would; false after reporting that they make too many. */
static bool spendvars(const struct taskfile *l, const struct word *w)
{
	for (; w; w = w->next) {
		if (word_isvar(w) && !eval_spend(w, varnodes(l, w)->n, varnodes(l, w)->bytes))
			return false;
	}
	return true;
}

/* How far ahead of a lookup in the graph its slot is made ready: AHEAD words
 * in front, or RULES_AHEAD rules. A lookup in a big graph misses the cache,
 * and those made ready ahead wait together. */
enum { AHEAD = 8, RULES_AHEAD = 8 };

/* Make ready the lookups of the plain words among the first n from w on;
 * returns the word after them. */
static const struct word *prefetch(const struct taskfile *l, const struct word *w, int n)
{
	for (; w && n > 0; w = w->next, n--) {
		if (word_isplain(w))
			graph_prefetch(&l->graph, w->text, w->len);
	}
	return w;
}

/* Make ready the lookups of the first words of a rule's header. */
static void prefetchrule(const struct taskfile *l, const struct stmt *s)
{
	if (s->kind != ST_RULE || s->pattern || !s->hdr)
		return;
	prefetch(l, s->hdr->outputs, AHEAD);
	prefetch(l, s->hdr->inputs, AHEAD);
	prefetch(l, s->hdr->orderonly, AHEAD);
}

/* The nodes of the words w, each plain text or a variable whose nodes are known,
 * into v; the first AHEAD words were made ready with the rule. */
static void knownnodes(struct taskfile *l, const struct word *w, struct node **v)
{
	const struct varnodes *vn;
	const struct word *ahead = w;
	int k;

	for (k = 0; ahead && k < AHEAD; k++)
		ahead = ahead->next;
	for (; w; w = w->next) {
		if (ahead)
			ahead = prefetch(l, ahead, 1);
		if (word_isplain(w)) {
			*v++ = graph_node(&l->graph, w->text, w->len);
		} else {
			vn = varnodes(l, w);
			memcpy(v, vn->v, vn->n * sizeof(*v));
			v += vn->n;
		}
	}
}

/* A rule whose header words are all plain text or variables whose nodes are
 * known: no word is evaluated. */
static bool knownrule(struct taskfile *l, const struct stmt *s, size_t nout, size_t nin,
		      size_t norder)
{
	struct edge *e;
	bool ok = spendvars(l, s->hdr->outputs);

	ok = spendvars(l, s->hdr->inputs) && ok;
	ok = spendvars(l, s->hdr->orderonly) && ok;
	if (!ok)
		return false;
	e = graph_edge(&l->graph, s, (uint32_t)nout, (uint32_t)nin, (uint32_t)norder);
	knownnodes(l, s->hdr->outputs, edge_out(e));
	knownnodes(l, s->hdr->inputs, e->in);
	knownnodes(l, s->hdr->orderonly, e->in + nin);
	return claim(l, s, e);
}

/* Evaluate a list of header words into list, as eval_words does, noting the
 * variables among them whose nodes are not known yet. */
static bool evalwords(struct taskfile *l, struct eval *ev, const struct word *w, struct list *list)
{
	size_t before, bytes;

	for (; w; w = w->next) {
		before = list->n;
		bytes = list->bytes;
		if (!eval_word(ev, w, list))
			return false;
		if (word_isvar(w) && !varnodes(l, w)) {
			xgrow((void **)&l->newvars, &l->capnewvars, l->nnewvars + 1,
			      sizeof(*l->newvars));
			l->newvars[l->nnewvars++] = (struct newvar){w, list, before,
								   list->n - before,
								   list->bytes - bytes};
		}
	}
	return true;
}

/* Keep the nodes of the variables noted while evaluating e's header. */
static void keepvarnodes(struct taskfile *l, const struct edge *e)
{
	size_t i;

	for (i = 0; i < l->nnewvars; i++) {
		const struct newvar *nv = &l->newvars[i];
		struct node **from = nv->list == &l->outs ? edge_out(e)
				     : nv->list == &l->ins ? e->in
							  : e->in + l->ins.n;
		struct htab_entry *he = htab_slot(&l->varnodes, nv->w->var,
						  word_varlen(nv->w));
		struct varnodes *vn;
		if (he->val)
			continue; /* named twice in this header */
		vn = arena_alloc(&l->varmem, sizeof(*vn));
		vn->v = arena_alloc(&l->varmem, nv->n * sizeof(*vn->v));
		memcpy(vn->v, from + nv->start, nv->n * sizeof(*vn->v));
		vn->n = nv->n;
		vn->bytes = nv->bytes;
		he->val = vn;
	}
}

/* A rule whose header is all plain text: its words are the paths, as they are. */
static bool plainrule(struct taskfile *l, const struct stmt *s, size_t nout, size_t nin,
		      size_t norder)
{
	struct edge *e = graph_edge(&l->graph, s, (uint32_t)nout, (uint32_t)nin, (uint32_t)norder);

	knownnodes(l, s->hdr->outputs, edge_out(e));
	knownnodes(l, s->hdr->inputs, e->in);
	knownnodes(l, s->hdr->orderonly, e->in + nin);
	return claim(l, s, e);
}

static bool rule(struct taskfile *l, const struct stmt *s)
{
	/* the words are copied into the graph's nodes: evaluate them in a scratch
	 * arena (variables keep their values in their own) */
	struct eval ev = {&l->vars, NULL, &l->words, false};
	struct list *outs = &l->outs, *ins = &l->ins, *order = &l->order;
	struct edge *e;
	bool ok;
	size_t i, nout, nin, norder;

	if (plainwords(s->hdr->outputs, &nout) && nout && plainwords(s->hdr->inputs, &nin) &&
	    plainwords(s->hdr->orderonly, &norder))
		return plainrule(l, s, nout, nin, norder);
	if (knownwords(l, s->hdr->outputs, &nout) && nout && knownwords(l, s->hdr->inputs, &nin) &&
	    knownwords(l, s->hdr->orderonly, &norder))
		return knownrule(l, s, nout, nin, norder);
	arena_reset(&l->words);
	clearlist(outs);
	clearlist(ins);
	clearlist(order);
	l->nnewvars = 0;
	ok = evalwords(l, &ev, s->hdr->outputs, outs);
	ok = evalwords(l, &ev, s->hdr->inputs, ins) && ok;
	ok = evalwords(l, &ev, s->hdr->orderonly, order) && ok;
	if (ok && outs->n == 0) {
		diag_error(s->loc, "the rule has no outputs (its output words are empty)");
		ok = false;
	}
	if (ok) {
		e = graph_edge(&l->graph, s, (uint32_t)outs->n, (uint32_t)ins->n,
			       (uint32_t)order->n);
		for (i = 0; i < outs->n; i++)
			edge_out(e)[i] = graph_node(&l->graph, outs->v[i], strlen(outs->v[i]));
		for (i = 0; i < ins->n; i++)
			e->in[i] = graph_node(&l->graph, ins->v[i], strlen(ins->v[i]));
		for (i = 0; i < order->n; i++)
			e->in[ins->n + i] = graph_node(&l->graph, order->v[i], strlen(order->v[i]));
		keepvarnodes(l, e);
		ok = claim(l, s, e);
	}
	return ok;
}

/* The node for word w of a static pattern rule's inputs: its first '%', if
 * it has one, replaced by the stem s[0..n). */
static struct node *stemnode(struct taskfile *l, struct buf *b, const char *w, const char *s,
			     size_t n)
{
	const char *pct = strchr(w, '%');

	if (!pct)
		return graph_node(&l->graph, w, strlen(w));
	b->len = 0;
	buf_add(b, w, (size_t)(pct - w));
	buf_add(b, s, n);
	buf_puts(b, pct + 1);
	return graph_node(&l->graph, b->s, b->len);
}

/* A static pattern rule, "outs: pat: ins": an edge for each output, whose
 * stem is what the pattern's '%' matches in it, from the inputs with that
 * stem in place of their '%'. */
static bool staticrule(struct taskfile *l, const struct stmt *s)
{
	struct eval ev = {&l->vars, NULL, &l->words, false};
	struct list *outs = &l->outs, *ins = &l->ins, *order = &l->order, pat = {0};
	const char *p = NULL, *pct;
	struct buf b = {0};
	struct edge *e;
	size_t i, j, off, n;
	bool ok;

	arena_reset(&l->words);
	clearlist(outs);
	clearlist(ins);
	clearlist(order);
	ok = eval_words(&ev, s->hdr->outputs, outs);
	ok = eval_words(&ev, s->hdr->pat, &pat) && ok;
	ok = eval_words(&ev, s->hdr->inputs, ins) && ok;
	ok = eval_words(&ev, s->hdr->orderonly, order) && ok;
	if (ok) {
		p = pat.n == 1 ? pat.v[0] : NULL;
		pct = p ? strchr(p, '%') : NULL;
		if (!pct || strchr(pct + 1, '%')) {
			diag_error(s->hdr->pat->loc,
				   "a target pattern needs exactly one word with one '%%', got '%s'",
				   pat.n ? pat.v[0] : "");
			ok = false;
		}
	}
	if (ok && outs->n == 0) {
		diag_error(s->loc, "the rule has no outputs (its output words are empty)");
		ok = false;
	}
	for (i = 0; ok && i < outs->n; i++) {
		const char *out = outs->v[i];
		if (!pattern_match(p, out, strlen(out), &off, &n)) {
			diag_error(s->hdr->pat->loc, "'%s' does not match the target pattern '%s'", out,
				   p);
			ok = false;
			break;
		}
		e = graph_edge(&l->graph, s, 1, (uint32_t)ins->n, (uint32_t)order->n);
		edge_out(e)[0] = graph_node(&l->graph, out, strlen(out));
		for (j = 0; j < ins->n; j++)
			e->in[j] = stemnode(l, &b, ins->v[j], out + off, n);
		for (j = 0; j < order->n; j++)
			e->in[ins->n + j] = stemnode(l, &b, order->v[j], out + off, n);
		e->stem = arena_strndup(&l->graph.a, out + off, n);
		ok = claim(l, s, e) && ok;
	}
	list_free(&pat);
	buf_free(&b);
	return ok;
}

/* The statement that outlives a rule's, which is in a segment: one for all the
 * rules that share its recipe and have no doc comment or attribute (each edge
 * holds where its own rule is), else a copy of its own. */
static struct stmt *keeprule(struct taskfile *l, const struct stmt *s)
{
	struct htab_entry *he = NULL;
	struct stmt *k;

	if (!s->doc && !s->attrs && !s->pattern) {
		/* rules written alike come one after the other, mostly */
		if (l->lastkept && l->lastkept->recipe == s->recipe) {
			if (s->shift)
				l->lastkept->len = s->len;
			return l->lastkept;
		}
		he = htab_slot(&l->kept, (const char *)&s->recipe, sizeof(s->recipe));
		if (he->val) {
			k = l->lastkept = he->val;
			if (s->shift)
				k->len = s->len; /* the shared text's, the same for all */
			return k;
		}
	}
	k = arena_alloc(&l->ast, sizeof(*k));
	*k = *s;
	k->next = NULL;
	k->hdr = NULL;
	if (he) {
		he->key = (const char *)&k->recipe; /* what the key was read from goes */
		he->val = l->lastkept = k;
	}
	return k;
}

bool taskfile_graph(struct taskfile *l)
{
	bool ok = true;
	size_t i, j, nedges, npats;

	for (i = 0; i < l->nrules; i++) {
		struct stmt *s = (struct stmt *)l->rules[i];
		uint32_t seg = s->hdr->seg;
		struct loc at = s->loc;
		nedges = l->graph.nedges;
		npats = l->graph.npats;
		if (i + RULES_AHEAD < l->nrules)
			prefetchrule(l, l->rules[i + RULES_AHEAD]);
		ok = (s->pattern		 ? pattern(l, s)
		      : s->kind == ST_RULE && s->hdr->pat ? staticrule(l, s)
							 : rule(l, s)) &&
		     ok;
		/* a recipe that rules share reads the same in each: checked once */
		if (s->kind != ST_RULE || s->recipe != l->checked) {
			if (eval_check_recipe(&l->vars, s))
				l->checked = s->kind == ST_RULE ? s->recipe : l->checked;
			else
				ok = false;
		}
		if (s->attrs && !eval_check_attrs(&l->vars, s))
			ok = false;
		/* the header's words are in the graph now: nothing reads them again
		 * (a task keeps its name, which is not in a segment), and a rule's
		 * statement goes with them */
		if (s->kind == ST_RULE) {
			s->hdr = NULL;
			l->rules[i] = s = keeprule(l, s);
			for (j = nedges; j < l->graph.nedges; j++)
				l->graph.edges[j]->rule = s;
			for (j = npats; j < l->graph.npats; j++)
				l->graph.pats[j].rule = s;
		} else {
			s->hdr->inputs = NULL;
		}
		/* pools are checked once all are declared */
		if (s->attrs && ast_getattr(s, "pool"))
			ok = pool_rule(&l->graph, &l->vars, s) && ok;
		if (l->hdr.n)
			segments_done(&l->hdr, seg);
		/* the rules after this one in its file are further on */
		source_release(at.src, at.off);
	}
	taskfile_freescratch(l);
	segments_free(&l->hdr);
	return ok && diag_errors() == 0;
}
