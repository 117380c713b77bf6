#include "plan/plan.h"

#include <stdlib.h>
#include <string.h>

#include "graph/graph.h"
#include "lang/diag.h"
#include "os/fs.h"
#include "os/os.h"
#include "plan/internal.h"
#include "state/statelog.h"

/* a + b, or UINT32_MAX if that is more: weights of paths in milliseconds */
static uint32_t addsat(uint32_t a, uint32_t b)
{
	return a > UINT32_MAX - b ? UINT32_MAX : a + b;
}

bool edge_hasjob(const struct edge *e)
{
	return e->rule->recipe != NULL;
}

const struct filestat *plan_statnow(const struct plan *p, struct node *n)
{
	p->o.fs->stat(p->o.fs->ctx, n->path, &n->st);
	n->flags |= NODE_STATED;
	return &n->st;
}

const char **plan_byid(const char ***v, size_t *n, size_t *cap, uint32_t id)
{
	xgrow_to((void **)v, cap, (size_t)id + 1, sizeof(**v));
	while (*n <= id)
		(*v)[(*n)++] = NULL;
	return &(*v)[id];
}

void plan_room(struct plan *p, uint32_t id)
{
	size_t cap = p->nst;

	if (id < p->nst)
		return;
	xgrow_to((void **)&p->st, &cap, (size_t)id + 1, sizeof(*p->st));
	memset(p->st + p->nst, 0, (cap - p->nst) * sizeof(*p->st));
	p->nst = cap;
}

void plan_init(struct plan *p, struct graph *g, const struct plan_opts *o)
{
	memset(p, 0, sizeof(*p));
	p->g = g;
	p->o = *o;
	recipes_init(&p->rx, o->vars);
	p->nst = g->nedges;
	p->st = xcalloc(p->nst + 1, sizeof(*p->st));
}

struct edge *plan_rdep(const struct plan *p, const struct edge *e, uint32_t i)
{
	const struct estate *s = plan_st(p, e);

	return s->caprdeps == 1 ? s->rdep : s->rdeps[i];
}

/* Record that e must wait for dep. */
void plan_addrdep(struct plan *p, struct edge *dep, struct edge *e)
{
	struct estate *s = plan_st(p, dep);
	struct edge **v;

	/* most edges feed one other: that one is held in the state itself; more
	 * get room from the arena, doubled as needed (what a doubling leaves
	 * behind is smaller than what it takes) */
	if (s->nrdeps == 0) {
		s->caprdeps = 1;
		s->rdep = e;
		s->nrdeps = 1;
		return;
	}
	if (s->nrdeps == s->caprdeps) {
		if (s->caprdeps > UINT32_MAX / 2)
			nomem();
		v = arena_alloc(&p->a, s->caprdeps * 2 * sizeof(*v));
		if (s->caprdeps == 1)
			v[0] = s->rdep;
		else
			memcpy(v, s->rdeps, s->nrdeps * sizeof(*v));
		s->caprdeps *= 2;
		s->rdeps = v;
	}
	s->rdeps[s->nrdeps++] = e;
}

bool plan_makeable(struct plan *p, struct node *n)
{
	if (!n->gen && !(n->flags & NODE_TASK))
		pattern_resolve(p, n);
	return n->gen || plan_mtime(p, n) != MTIME_MISSING;
}

struct loc plan_wordloc(struct loc l, const char *path)
{
	const struct source *s = source_get(l.src);
	const char *line, *end, *hit;
	size_t n = strlen(path);

	if (l.off > s->len)
		return l; /* the file changed after it was read (source_shed_all) */
	line = s->text + l.off;
	end = strchr(line, '\n');
	if (!end)
		end = s->text + s->len;
	for (hit = line; (hit = memmem(hit, (size_t)(end - hit), path, n)); hit++) {
		bool startok = hit == s->text || strchr(" \t:|\"'", hit[-1]);
		bool endok = hit + n == end || strchr(" \t|\"'\r\n#", hit[n]);
		if (startok && endok) {
			l.off = (uint32_t)(hit - s->text);
			l.end = (uint32_t)(l.off + n);
			return l;
		}
	}
	return l;
}

/* " (did you mean 'x'?)" for an unknown target: among the tasks and the
 * files rules make. */
static const char *nearest_target(const struct graph *g, const char *name)
{
	static struct nearest near;
	size_t i;

	nearest_init(&near, name);
	for (i = 0; i < g->nodes.cap; i++) {
		const struct node *n = g->nodes.v[i];
		if (n && (n->gen || (n->flags & NODE_TASK)))
			nearest_try(&near, n->path);
	}
	return nearest_hint(&near);
}

/* Where in a rule's header a word naming path is, for a caret under it. */
static struct loc wordloc(const struct edge *e, const char *path)
{
	return plan_wordloc(e->loc, path);
}

struct frame {
	struct edge *e;
	uint32_t i;
};

static void cycle(struct frame *st, size_t top, struct edge *to, struct node *n)
{
	struct buf b = {0};
	size_t k = top, j;

	while (st[k].e != to)
		k--;
	buf_puts(&b, n->path);
	for (j = k; j <= top; j++)
		buf_printf(&b, " -> %s", st[j].e->in[st[j].i - 1]->path);
	diag_error(wordloc(st[top].e, st[top].e->in[st[top].i - 1]->path), "dependency cycle: %s",
		   b.s);
	for (j = k; j <= top; j++) {
		const char *from = edge_name(st[j].e), *need = st[j].e->in[st[j].i - 1]->path;
		diag_note(wordloc(st[j].e, need), "'%s' needs '%s'", from, need);
	}
	buf_free(&b);
}

/* A node of the plan's own for the file n names, which no rule makes: what a
 * depfile lists is a file, even one named like a task or like a file made
 * from the rule's own outputs. */
static struct node *standin(struct plan *p, const struct node *n, uint32_t flags)
{
	struct node *s = arena_alloc(&p->a, sizeof(*s));

	*s = (struct node){n->path, n->len, NODE_STANDIN | NODE_RESOLVED | flags, NULL, {0}};
	if ((n->flags & (NODE_STATED | NODE_TASK)) == NODE_STATED) {
		s->st = n->st;
		s->flags |= NODE_STATED;
	}
	return s;
}

/* The highest frame from k to top whose edge reached the next by an input its
 * depfile named, or top + 1 if none did: such a cycle is the depfile's. */
static size_t depfileframe(const struct frame *st, size_t k, size_t top)
{
	size_t j;

	for (j = top + 1; j-- > k;) {
		uint32_t i = st[j].i - 1;
		if (i >= st[j].e->nin && i < st[j].e->nimp)
			return j;
	}
	return top + 1;
}

/* Leave out the input of frame j's edge that its depfile named and that closes
 * a cycle: what a job once wrote in its depfile never makes the Taskfile
 * unbuildable. The frames above j go back to be walked again, as if they
 * had not been reached from there. */
static void dropdep(struct plan *p, struct frame *st, size_t j, size_t top)
{
	struct edge *e = st[j].e;
	struct node *n = e->in[st[j].i - 1];
	const char *d = recipe_attr(&p->rx, e, "depfile", &p->a);
	size_t k;

	if (n->gen == e)
		warn("the depfile '%s' of '%s' names '%s', which it makes: left out", d ? d : "?",
		     edge_name(e), n->path);
	else
		warn("the depfile '%s' of '%s' names '%s', which needs '%s': left out, as it "
		     "would close a dependency cycle", d ? d : "?", edge_name(e), n->path,
		     edge_name(e));
	e->in[st[j].i - 1] = standin(p, n, NODE_DROPPED);
	for (k = j + 1; k <= top; k++)
		plan_st(p, st[k].e)->walk = WALK_NEW;
}

static void future(const struct plan *p, struct node *n)
{
	if (p->o.now && n->st.mtime > p->o.now + 1000000000 && !(n->flags & NODE_WARNED)) {
		n->flags |= NODE_WARNED;
		warn("'%s' has a modification time in the future", n->path);
	}
}

/* List e in p->refresh. */
static void addrefresh(struct plan *p, const struct edge *e)
{
	if (plan_st(p, e)->refresh)
		return;
	plan_st(p, e)->refresh = true;
	xgrow((void **)&p->refresh, &p->caprefresh, p->nrefresh + 1, sizeof(*p->refresh));
	p->refresh[p->nrefresh++] = (struct edge *)(uintptr_t)e;
}

/* Decide whether e must run, once all its inputs have been visited. */
static void finish(struct plan *p, struct edge *e)
{
	const struct plan_opts *o = &p->o;
	const struct logentry *r = NULL;
	struct estate *s;
	struct buf w = {0};
	int64_t oldest = INT64_MAX, t;
	uint32_t i, weight;
	bool self = false, dirty, stale = false;

	if (e->rule->kind == ST_TASK) {
		self = true;
		outdated_why(p, &w, "it is a task");
	} else if (o->always) {
		self = true;
		outdated_why(p, &w, "-B was given");
	}
	for (i = 0; i < e->nout && e->rule->kind != ST_TASK; i++) {
		t = plan_mtime(p, edge_out(e)[i]);
		if (t == MTIME_MISSING) {
			self = true;
			outdated_why(p, &w, "output '%s' is missing", edge_out(e)[i]->path);
		} else if (t < oldest) {
			oldest = t;
		}
	}
	for (i = 0; i < e->nimp; i++) {
		plan_mtime(p, e->in[i]);
		future(p, e->in[i]);
	}
	/* a record found through another output is not this edge's: it reruns;
	 * a task's record says only how long it took */
	for (i = 0; i < e->nout && o->log && !r; i++)
		r = i ? statelog_get(o->log, edge_out(e)[i]->path) : plan_record(p, e);
	weight = !edge_hasjob(e) ? 0 : r ? addsat(r->duration_ms, 1) : 1;
	if (r && e->rule->kind != ST_TASK) {
		self = outdated_record(p, e, r, &w, &stale) || self;
	} else if (e->rule->kind != ST_TASK) {
		for (i = 0; i < e->nin; i++) {
			struct node *n = e->in[i];
			if (!(n->flags & NODE_TASK) && n->st.mtime > oldest && oldest != INT64_MAX) {
				self = true;
				outdated_why(p, &w, "input '%s' is newer than '%s'", n->path,
					     edge_out(e)[0]->path);
			}
		}
	}
	dirty = self;
	for (i = 0; i < e->nimp; i++) {
		struct node *n = e->in[i];
		if (n->gen && plan_st(p, n->gen)->dirty) {
			dirty = true;
			if (!self)
				outdated_why(p, &w, "'%s' is made by a job that runs first", n->path);
		}
	}
	s = plan_st(p, e);
	s->walk = WALK_VISITED;
	s->weight = weight;
	s->dirty = dirty;
	s->self = self;
	s->stale = stale;
	if (stale && !dirty)
		addrefresh(p, e);
	if (w.len && dirty)
		*plan_byid(&p->why, &p->nwhy, &p->capwhy, e->id) = arena_strndup(&p->a, w.s, w.len);
	buf_free(&w);
	if (!dirty)
		return;
	if (e->rule->attrs && ast_getattr(e->rule, "serial"))
		plan_serialise(p, e);
	for (i = 0; i < e->nall; i++) {
		struct edge *dep = e->in[i]->gen;
		if (dep && plan_st(p, dep)->dirty) {
			plan_st(p, e)->pending++;
			plan_addrdep(p, dep, e);
		}
	}
	xgrow((void **)&p->work, &p->capwork, p->nwork + 1, sizeof(*p->work));
	p->work[p->nwork++] = e;
	if (edge_hasjob(e))
		p->njobs++;
}

void plan_unchanged(struct plan *p, const struct node *n)
{
	htab_slot(&p->same, n->path, n->len)->val = (void *)(uintptr_t)n;
}

/* Whether the job that made n, which ended, changed it. */
static bool madechanged(const struct plan *p, const struct node *n)
{
	return plan_st(p, n->gen)->changed && !(p->same.n && htab_get(&p->same, n->path, n->len));
}

bool plan_stillneeded(struct plan *p, const struct edge *e)
{
	bool same = false;
	uint32_t i;

	if (plan_st(p, e)->self)
		return true;
	for (i = 0; i < e->nimp; i++) {
		if (!e->in[i]->gen || !madechanged(p, e->in[i]))
			continue;
		/* a generator that wrote the same bytes again changed nothing for a
		 * rule that compares contents (in a dry run, it wrote nothing) */
		if (p->o.dry || !outdated_samenow(p, e, i))
			return true;
		same = true;
	}
	if (same || plan_st(p, e)->stale)
		addrefresh(p, e);
	return false;
}

/* The node of the path numbered id in the log, looked up once for all the
 * records that name it (a header is read by hundreds of objects). */
static struct node *depnode(struct plan *p, uint32_t id)
{
	const char *path;

	if (!p->depnodes) {
		p->ndepnodes = statelog_npaths(p->o.log);
		p->depnodes = arena_alloc(&p->a, (p->ndepnodes + 1) * sizeof(*p->depnodes));
	}
	if (id < p->ndepnodes && p->depnodes[id])
		return p->depnodes[id];
	path = statelog_path(p->o.log, id);
	if (id >= p->ndepnodes)
		return graph_node(p->g, path, strlen(path));
	return p->depnodes[id] = graph_node(p->g, path, strlen(path));
}

/* Lend e the inputs its depfile listed last time, so that it waits for them if
 * they are made and runs again if they change; plan_free takes them back. */
static void adddeps(struct plan *p, struct edge *e)
{
	const struct logentry *le;
	const uint32_t *deps;
	struct node **in;
	struct lent *l;
	uint32_t i, n, ndep;

	if (plan_st(p, e)->lent)
		return; /* visited again after a cycle was broken (dropdep) */
	plan_st(p, e)->lent = true;
	if (!p->o.log || e->rule->kind == ST_TASK || !ast_getattr(e->rule, "depfile") ||
	    !(le = plan_record(p, e)) ||
	    !(deps = statelog_depids(le, &ndep)))
		return;
	n = e->nall + ndep;
	in = arena_alloc(&p->a, n * sizeof(*in));
	memcpy(in, e->in, e->nin * sizeof(*in));
	for (i = 0; i < ndep; i++) {
		struct node *d = depnode(p, deps[i]);
		/* a task of that name is not what the job read */
		in[e->nin + i] = d->flags & NODE_TASK ? standin(p, d, 0) : d;
	}
	memcpy(in + e->nin + ndep, e->in + e->nin, (e->nall - e->nin) * sizeof(*in));
	xgrow((void **)&p->lent, &p->caplent, p->nlent + 1, sizeof(*p->lent));
	l = &p->lent[p->nlent++];
	*l = (struct lent){e, e->in, e->nimp, e->nall};
	e->in = in;
	e->nimp = e->nin + ndep;
	e->nall = n;
}

/* The longest remaining path first: work is in dependency order, so walk it
 * backwards to see every edge after all the edges that wait for it. And among
 * equals, the one that the longest path of jobs led to: with no history every
 * job weighs the same, and the tail of a long chain must not wait behind short
 * jobs that happen to be as far from the goal. */
static void prioritise(struct plan *p)
{
	size_t i;
	uint32_t k;

	for (i = p->nwork; i-- > 0;) {
		struct edge *e = p->work[i];
		struct estate *s = plan_st(p, e);
		uint32_t most = 0;
		for (k = 0; k < s->nrdeps; k++) {
			if (plan_st(p, plan_rdep(p, e, k))->prio > most)
				most = plan_st(p, plan_rdep(p, e, k))->prio;
		}
		s->prio = addsat(s->weight, most);
	}
	for (i = 0; i < p->nwork; i++) {
		struct edge *e = p->work[i];
		struct estate *s = plan_st(p, e);
		uint32_t through = addsat(s->after, s->weight);
		for (k = 0; k < s->nrdeps; k++) {
			struct estate *r = plan_st(p, plan_rdep(p, e, k));
			if (r->after < through)
				r->after = through;
		}
	}
}

/* Start the walk at e: it is being visited. */
static void visit(struct plan *p, struct edge *e)
{
	plan_st(p, e)->walk = WALK_VISITING;
	adddeps(p, e);
}

/* After saying that path is missing: if it is a symbolic link to nothing,
 * say so, with what it points to. */
static void dangling(const char *path)
{
	struct buf to = {0};

	if (os_dangling(path, &to))
		diag_note((struct loc){0}, "'%s' is a symbolic link to '%s', which does not exist",
			  path, to.s);
	buf_free(&to);
}

bool plan_build(struct plan *p, struct node **goals, size_t ngoals)
{
	struct graph *g = p->g;
	struct frame *st = NULL;
	size_t cap = 0, top, gi;
	int errors = diag_errors();
	bool ok = true;

	graph_stat_stop(g);
	if (p->o.statjobs > 1 && p->o.fs == &fs_os)
		prestat(p, goals, ngoals);
	for (gi = 0; gi < ngoals; gi++) {
		struct node *goal = goals[gi];
		if (!plan_makeable(p, goal)) {
			diag_error((struct loc){0}, "unknown target '%s'%s", goal->path,
				   nearest_target(p->g, goal->path));
			dangling(goal->path);
			pattern_why(p, goal);
			ok = false;
		}
		if (!goal->gen || plan_st(p, goal->gen)->walk != WALK_NEW)
			continue;
		xgrow((void **)&st, &cap, 1, sizeof(*st));
		st[0] = (struct frame){goal->gen, 0};
		visit(p, goal->gen);
		plan_st(p, goal->gen)->goal = (uint32_t)gi;
		top = 0;
		for (;;) {
			struct frame *f = &st[top];
			struct node *n;
			enum walk w;
			if (f->i == f->e->nall) {
				finish(p, f->e);
				if (top == 0)
					break;
				top--;
				continue;
			}
			n = f->e->in[f->i++];
			if (!n->gen && !(n->flags & NODE_TASK))
				pattern_resolve(p, n);
			if (!n->gen) {
				bool fromdepfile = f->i - 1 >= f->e->nin && f->i - 1 < f->e->nimp;
				if (plan_mtime(p, n) == MTIME_MISSING && !fromdepfile) {
					diag_error(wordloc(f->e, n->path),
						   "no rule to make '%s', needed by '%s'", n->path,
						   edge_name(f->e));
					dangling(n->path);
					pattern_why(p, n);
					ok = false;
				}
				continue;
			}
			w = plan_st(p, n->gen)->walk;
			if (w == WALK_VISITED)
				continue;
			if (w == WALK_VISITING) {
				size_t k = top, j;
				while (st[k].e != n->gen)
					k--;
				if ((j = depfileframe(st, k, top)) <= top) {
					dropdep(p, st, j, top);
					top = j;
					continue;
				}
				cycle(st, top, n->gen, n);
				ok = false;
				continue;
			}
			visit(p, n->gen);
			plan_st(p, n->gen)->goal = (uint32_t)gi;
			xgrow((void **)&st, &cap, top + 2, sizeof(*st));
			st[++top] = (struct frame){n->gen, 0};
		}
	}
	free(st);
	prioritise(p);
	buf_free(&p->scratch);
	return ok && diag_errors() == errors;
}

void plan_dump(struct buf *b, const struct plan *p)
{
	size_t i;

	for (i = 0; i < p->nwork; i++) {
		const struct edge *e = p->work[i];
		buf_printf(b, "%s pending=%u%s\n", edge_name(e), plan_st(p, e)->pending,
			   edge_hasjob(e) ? "" : " (no recipe)");
	}
}

const char *plan_why(const struct plan *p, const struct edge *e)
{
	return e->id < p->nwhy ? p->why[e->id] : NULL;
}

const char *plan_script(const struct plan *p, const struct edge *e)
{
	return e->id < p->nscripts ? p->scripts[e->id] : NULL;
}

void plan_free(struct plan *p)
{
	size_t i;
	uint32_t k;

	/* what was lent, taken back in the opposite order */
	for (i = p->nlent; i-- > 0;) {
		struct lent *l = &p->lent[i];
		l->e->in = l->in;
		l->e->nimp = l->nimp;
		l->e->nall = l->nall;
	}
	for (i = 0; i < p->ninst; i++) {
		for (k = 0; k < p->inst[i]->nout; k++) {
			edge_out(p->inst[i])[k]->gen = NULL;
			if (p->inst[i]->rule->kind == ST_TASK)
				edge_out(p->inst[i])[k]->flags &= ~(uint32_t)NODE_TASK;
		}
	}
	for (i = 0; i < p->nresolved; i++)
		p->resolved[i]->flags &= ~(uint32_t)NODE_RESOLVED;
	free(p->lent);
	htab_free(&p->same);
	free(p->refresh);
	free(p->inst);
	free(p->instafter);
	free(p->resolved);
	free(p->st);
	free(p->seen);
	free(p->work);
	free(p->why);
	free(p->scripts);
	buf_free(&p->scratch);
	recipes_free(&p->rx);
	arena_free(&p->a);
	memset(p, 0, sizeof(*p));
}
