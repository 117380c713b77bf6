#include "graph/taskfile.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "base/match.h"
#include "graph/pool.h"
#include "lang/diag.h"
#include "lang/dotenv.h"
#include "lang/eval.h"

enum { MAX_INCLUDE_DEPTH = 64 };

/* The files being included, outermost first, to find include loops. */
struct incstack {
	const char *real[MAX_INCLUDE_DEPTH + 1];
	int n;
};

void taskfile_init(struct taskfile *l)
{
	memset(l, 0, sizeof(*l));
	vars_init(&l->vars, &l->ast);
	eval_reset(); /* the budget of words is per Taskfile */
}

static void freescratch(struct taskfile *l);

void taskfile_free(struct taskfile *l)
{
	vars_free(&l->vars);
	graph_free(&l->graph);
	free(l->rules);
	arena_free(&l->ast);
	segments_free(&l->hdr);
	freescratch(l);
}

static bool walk(struct taskfile *l, struct stmts *all, struct incstack *inc);

/* Parse and walk one file; from is the include statement (NULL for the main file). */
static bool readfile(struct taskfile *l, const char *path, const struct stmt *from,
		     struct incstack *inc)
{
	char *real;
	struct stmt *head;
	struct stmts all = {0};
	uint32_t src;
	bool ok;
	int i;

	src = source_load(path);
	if (!src) {
		struct loc at = from ? from->value->loc : (struct loc){0};
		if ((errno == EFBIG || errno == EMFILE) && l->full)
			return false; /* said once: the others are the same mistake */
		l->full = errno == EFBIG || errno == EMFILE;
		if (from && errno == ENOENT)
			diag_error(at, "include file '%s' not found", path);
		else if (errno == EFBIG)
			diag_error(at, "cannot read '%s': the Taskfile and what it includes are "
				       "over %d MiB in all", path, SOURCE_MAX_TOTAL >> 20);
		else if (errno == EMFILE && from)
			diag_error(at, "cannot read '%s': includes read over %d files in all", path,
				   SOURCE_MAX_FILES);
		else
			diag_error(at, "cannot read '%s': %s", path, strerror(errno));
		return false;
	}
	real = realpath(path, NULL);
	if (!real)
		real = strcpy(xmalloc(strlen(path) + 1), path);
	for (i = 0; i < inc->n; i++) {
		if (!strcmp(inc->real[i], real)) {
			diag_error(from->value->loc, "'%s' includes itself", path);
			free(real);
			return false;
		}
	}
	if (inc->n == MAX_INCLUDE_DEPTH) {
		diag_error(from->value->loc, "includes nested more than %d deep", MAX_INCLUDE_DEPTH);
		free(real);
		return false;
	}
	inc->real[inc->n++] = real;
	ok = parse_source(&l->ast, &l->hdr, src, &head, &all);
	ok = walk(l, &all, inc) && ok;
	free(real);
	inc->n--;
	return ok;
}

bool taskfile_source(struct taskfile *l, uint32_t src)
{
	struct incstack inc = {.n = 0};
	struct stmt *head;
	struct stmts all = {0};
	bool ok;

	ok = parse_source(&l->ast, &l->hdr, src, &head, &all);
	return walk(l, &all, &inc) && ok && diag_errors() == 0;
}

static bool include(struct taskfile *l, const struct stmt *s, struct incstack *inc)
{
	struct eval ev = {&l->vars, NULL, &l->ast, false};
	struct list paths = {0};
	struct buf b = {0};
	bool ok;
	size_t i;

	ok = eval_words(&ev, s->value, &paths);
	for (i = 0; ok && i < paths.n; i++) {
		const char *p = paths.v[i];
		b.len = 0;
		if (p[0] != '/')
			buf_puts(&b, source_get(s->loc.src)->dir);
		buf_puts(&b, p);
		ok = readfile(l, b.s, s, inc);
	}
	list_free(&paths);
	buf_free(&b);
	return ok;
}

/* "dotenv" loads .env beside the Taskfile if there is one; "dotenv PATH" the
 * file named, relative to the Taskfile, which must exist. */
static bool dotenv(struct taskfile *l, const struct stmt *s)
{
	struct eval ev = {&l->vars, NULL, &l->ast, false};
	struct list paths = {0};
	struct buf b = {0};
	const char *p = ".env";
	bool ok = true;

	if (s->value) {
		ok = eval_words(&ev, s->value, &paths);
		if (ok && paths.n != 1) {
			diag_error(s->value->loc, "'dotenv' takes one file name, got %zu", paths.n);
			ok = false;
		}
		p = ok ? paths.v[0] : p;
	}
	if (ok) {
		if (p[0] != '/')
			buf_puts(&b, source_get(s->loc.src)->dir);
		buf_puts(&b, p);
		ok = dotenv_load(b.s, s->value != NULL, s->value ? s->value->loc : s->loc);
	}
	list_free(&paths);
	buf_free(&b);
	return ok;
}

/* Whether the condition of an "if" or "else if" line holds. */
static bool holds(struct taskfile *l, const struct expr *cond, bool *ok)
{
	struct eval ev = {&l->vars, NULL, &l->ast, false};
	struct list val = {0};
	bool truth = false;

	if (eval_expr(&ev, cond, &val))
		truth = eval_true(&val);
	else
		*ok = false;
	list_free(&val);
	return truth;
}

/* The "end" of the block whose line is at i, or the end of the file for a
 * block left open (reported already). */
static size_t blockend(const struct stmts *all, size_t i)
{
	while (all->v[i]->kind != ST_END) {
		if (!all->v[i]->jump)
			return all->n;
		i += all->v[i]->jump;
	}
	return i;
}

/* At the "if" line at i: the line whose statements are the ones to read (the
 * first whose condition holds, or the "else"), or the block's "end". */
static size_t branch(struct taskfile *l, const struct stmts *all, size_t i, bool *ok)
{
	for (;;) {
		const struct stmt *s = all->v[i];
		if (s->kind == ST_END || (s->kind == ST_ELSE && !s->op))
			return i;
		if (!s->cond) /* a condition in error: the whole block is left out */
			return blockend(all, i);
		if (holds(l, s->cond, ok))
			return i;
		if (!s->jump)
			return all->n;
		i += s->jump;
	}
}

/* The assignments among the statements [from, to) of a branch not read: the
 * variables they name are the Taskfile's all the same (an override of one is
 * not a mistake). */
static void declare(struct taskfile *l, const struct stmts *all, size_t from, size_t to)
{
	for (; from < to && from < all->n; from++) {
		if (all->v[from]->kind == ST_ASSIGN)
			vars_declare(&l->vars, all->v[from]->name);
	}
}

/* Go through the statements of a file, then free the array of them. Those
 * of a conditional block are read only in the branch whose condition holds,
 * evaluated when its line is reached. */
static bool walk(struct taskfile *l, struct stmts *all, struct incstack *inc)
{
	bool ok = true;
	size_t i, j;

	for (i = 0; i < all->n; i++) {
		struct stmt *s = all->v[i];
		if (i + 16 < all->n)
			__builtin_prefetch(all->v[i + 16]);
		switch (s->kind) {
		case ST_ASSIGN:
			ok = vars_define(&l->vars, s) && ok;
			break;
		case ST_IF:
			j = branch(l, all, i, &ok);
			declare(l, all, i + 1, j);
			i = j;
			break;
		case ST_ELSE: /* the end of the branch read: on after the block */
			j = blockend(all, i);
			declare(l, all, i + 1, j);
			i = j;
			break;
		case ST_END:
			break;
		case ST_INCLUDE:
			ok = include(l, s, inc) && ok;
			break;
		case ST_POOL:
			ok = pool_declare(&l->graph, &l->vars, s) && ok;
			break;
		case ST_EXPORT:
			for (const struct word *w = s->value; w; w = w->next) {
				size_t len = 0;
				const char *name = word_text(w, &len);
				if (name)
					vars_export(&l->vars, arena_strndup(&l->ast, name, len),
						    w->loc);
			}
			break;
		case ST_DOTENV:
			ok = dotenv(l, s) && ok;
			break;
		case ST_RULE:
		case ST_TASK:
			xgrow((void **)&l->rules, &l->caprules, l->nrules + 1, sizeof(*l->rules));
			l->rules[l->nrules++] = s;
			break;
		}
	}
	free(all->v);
	*all = (struct stmts){0};
	return ok;
}

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

static void freescratch(struct taskfile *l)
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

bool taskfile_parse(struct taskfile *l, const char *path)
{
	struct incstack inc = {.n = 0};

	return readfile(l, path, NULL, &inc) && diag_errors() == 0;
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
	freescratch(l);
	segments_free(&l->hdr);
	return ok && diag_errors() == 0;
}

void taskfile_shed(struct taskfile *l)
{
	free(l->rules);
	l->rules = NULL;
	l->nrules = l->caprules = 0;
	source_shed_all();
}

/* Whether name is one of the words of a's value, as written (no {{ }}). */
static bool hasword(const struct attr *a, const char *name)
{
	const struct piece *p;
	size_t n = strlen(name);
	const char *t, *end;

	for (p = a ? a->value : NULL; p; p = p->next) {
		if (p->kind != PC_TEXT)
			continue;
		for (t = p->text, end = t + p->len; (t = memmem(t, (size_t)(end - t), name, n));
		     t++) {
			if ((t == p->text || t[-1] == ' ' || t[-1] == '\t') &&
			    (t + n == end || t[n] == ' ' || t[n] == '\t'))
				return true;
		}
	}
	return false;
}

const struct stmt *taskfile_task(const struct taskfile *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->nrules; i++) {
		const struct stmt *s = l->rules[i];
		size_t len;
		const char *text = s->kind == ST_TASK ? word_text(s->hdr->outputs, &len) : NULL;
		if (text && len == strlen(name) && !memcmp(text, name, len))
			return s;
	}
	for (i = 0; i < l->nrules; i++) {
		const struct stmt *s = l->rules[i];
		if (s->kind == ST_TASK && s->attrs && hasword(ast_getattr(s, "alias"), name))
			return s;
	}
	return NULL;
}
