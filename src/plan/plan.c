#include "plan/plan.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/diag.h"
#include "os/os.h"
#include "base/path.h"
#include "plan/recipe.h"
#include "state/statelog.h"

enum {
	MAX_PATTERN_CHAIN = 4,       /* pattern rules chained to make one file */
	MAX_PATTERN_TRIES = 10000,   /* inputs looked at to resolve one file */
};

/* a + b, or UINT32_MAX if that is more: weights of paths in milliseconds */
static uint32_t addsat(uint32_t a, uint32_t b)
{
	return a > UINT32_MAX - b ? UINT32_MAX : a + b;
}

/* The search for a pattern rule: how much of it is left, and the rules in the
 * chain being tried (a rule is not used twice in one chain, as in make). */
static struct {
	int tries;
	size_t chain[MAX_PATTERN_CHAIN + 1];
} search;

static void os_fs_stat(void *ctx, const char *path, struct filestat *st)
{
	(void)ctx;
	os_stat(path, st);
}

static bool os_fs_hash(void *ctx, const char *path, uint64_t *h)
{
	(void)ctx;
	return os_hash(path, h);
}

const struct fs fs_os = {NULL, os_fs_stat, os_fs_hash};

bool edge_hasjob(const struct edge *e)
{
	return e->rule->recipe != NULL;
}

static const struct filestat *nodestat(const struct fs *fs, struct node *n)
{
	if (!(n->flags & NODE_STATED)) {
		fs->stat(fs->ctx, n->path, &n->st);
		n->flags |= NODE_STATED;
	}
	return &n->st;
}

static int64_t mtime(const struct fs *fs, struct node *n)
{
	return nodestat(fs, n)->mtime;
}

/* If path matches the pattern (one '%'), copy the stem into *stem. */
static bool match(const char *pat, const char *path, size_t plen, struct buf *stem)
{
	const char *pct = strchr(pat, '%');
	size_t pre = (size_t)(pct - pat), suf = strlen(pct + 1);

	if (plen <= pre + suf || memcmp(path, pat, pre) || memcmp(path + plen - suf, pct + 1, suf))
		return false;
	stem->len = 0;
	buf_add(stem, path + pre, plen - pre - suf);
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

static bool trypatterns(struct graph *g, struct node *n, const struct fs *fs, int depth);

/* Whether n exists or can be made. */
static bool makeable(struct graph *g, struct node *n, const struct fs *fs, int depth)
{
	if (n->gen || (n->flags & NODE_TASK) || mtime(fs, n) != MTIME_MISSING)
		return true;
	return depth < MAX_PATTERN_CHAIN && search.tries < MAX_PATTERN_TRIES &&
	       !(n->flags & NODE_RESOLVED) && trypatterns(g, n, fs, depth + 1);
}

/* Find a pattern rule that makes n and give n an edge from it. */
static bool trypatterns(struct graph *g, struct node *n, const struct fs *fs, int depth)
{
	struct buf stem = {0};
	size_t i, j;

	if (n->flags & NODE_RESOLVED)
		return n->gen != NULL;
	if (depth == 0) {
		n->flags |= NODE_RESOLVED;
		search.tries = 0;
	}
	for (i = 0; i < g->npats; i++) {
		struct pattern *p = &g->pats[i];
		struct node *ins[64], **in = ins;
		size_t nin = p->ins.n + p->order.n;
		bool ok = false;
		struct edge *e;
		int d;

		for (d = 0; d < depth && search.chain[d] != i; d++)
			;
		if (d < depth)
			continue; /* already in this chain */
		search.chain[depth] = i;
		for (j = 0; j < p->outs.n && !ok; j++)
			ok = match(p->outs.v[j], n->path, n->len, &stem);
		if (!ok)
			continue;
		search.tries += (int)nin + 1;
		if (nin > LEN(ins))
			in = xmalloc(nin * sizeof(*in));
		for (j = 0; j < nin && ok; j++) {
			const char *w = j < p->ins.n ? p->ins.v[j] : p->order.v[j - p->ins.n];
			in[j] = substnode(g, w, &stem);
			ok = in[j] != n && makeable(g, in[j], fs, depth);
		}
		for (j = 0; j < p->outs.n && ok; j++) {
			struct node *o = substnode(g, p->outs.v[j], &stem);
			ok = o == n || (!o->gen && !(o->flags & NODE_TASK));
		}
		if (ok) {
			e = graph_edge(g, p->rule, (uint32_t)p->outs.n, (uint32_t)p->ins.n,
				       (uint32_t)p->order.n);
			memcpy(e->in, in, nin * sizeof(*in));
			e->stem = arena_strndup(&g->a, stem.s, stem.len);
			for (j = 0; j < p->outs.n; j++) {
				edge_out(e)[j] = substnode(g, p->outs.v[j], &stem);
				edge_out(e)[j]->gen = e;
				edge_out(e)[j]->flags |= NODE_RESOLVED;
			}
		}
		if (in != ins)
			free(in);
		if (ok) {
			buf_free(&stem);
			return true;
		}
	}
	buf_free(&stem);
	if (depth == 0)
		n->flags |= NODE_RESOLVED;
	return false;
}

bool plan_makeable(struct graph *g, struct node *n, const struct fs *fs)
{
	if (!n->gen && !(n->flags & NODE_TASK))
		trypatterns(g, n, fs, 0);
	return n->gen || mtime(fs, n) != MTIME_MISSING;
}

/* Where in a rule's header a word naming path is, for a caret under it. */
static struct loc wordloc(const struct edge *e, const char *path)
{
	const struct source *s = source_get(e->loc.src);
	struct loc l = e->loc;
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

/* A reason e runs, for --explain. */
/* The slot of edge id in an array of strings by edge id, grown (with NULLs) to
 * hold it. */
static const char **byid(const char ***v, size_t *n, size_t *cap, uint32_t id)
{
	xgrow_to((void **)v, cap, (size_t)id + 1, sizeof(**v));
	while (*n <= id)
		(*v)[(*n)++] = NULL;
	return &(*v)[id];
}

static void why(struct buf *b, bool explain, const char *fmt, ...) PRINTF(3, 4);
static void why(struct buf *b, bool explain, const char *fmt, ...)
{
	va_list ap;
	char line[4096];

	if (!explain)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	buf_printf(b, "%s\n", line);
}

/* How a file's stat data (and content hash, when both hashes are given) changed. */
static void statdiff(struct buf *b, const struct filestat *old, const struct filestat *now,
		     const uint64_t *oldhash, const uint64_t *newhash)
{
	const char *sep = " (";

	if (now->mtime == MTIME_MISSING) {
		buf_puts(b, " (it is missing now)");
		return;
	}
	if (old->mtime == MTIME_MISSING) {
		buf_puts(b, " (it was missing)");
		return;
	}
	if (old->mtime != now->mtime) {
		buf_printf(b, "%smtime %lld.%09lld -> %lld.%09lld", sep,
			   (long long)(old->mtime / 1000000000), (long long)(old->mtime % 1000000000),
			   (long long)(now->mtime / 1000000000), (long long)(now->mtime % 1000000000));
		sep = ", ";
	}
	if (old->size != now->size) {
		buf_printf(b, "%ssize %lld -> %lld", sep, (long long)old->size, (long long)now->size);
		sep = ", ";
	}
	if (old->ino != now->ino) {
		buf_printf(b, "%sinode %llu -> %llu", sep, (unsigned long long)old->ino,
			   (unsigned long long)now->ino);
		sep = ", ";
	}
	if (oldhash && newhash && *oldhash != *newhash) {
		buf_printf(b, "%shash %016llx -> %016llx", sep, (unsigned long long)*oldhash,
			   (unsigned long long)*newhash);
		sep = ", ";
	}
	if (*sep == ',')
		buf_putc(b, ')');
}

/* The lines of a and b that differ, as "  -old" and "  +new" lines. */
static void textdiff(struct buf *b, const char *a, const char *c)
{
	const char *ae = a + strlen(a), *ce = c + strlen(c), *p;

	/* skip the lines both start and end with */
	for (;;) {
		const char *an = strchr(a, '\n'), *cn = strchr(c, '\n');
		if (!an || !cn || an - a != cn - c || memcmp(a, c, (size_t)(an - a)))
			break;
		a = an + 1;
		c = cn + 1;
	}
	while (ae > a && ce > c) {
		const char *as = ae - 1, *cs = ce - 1;
		while (as > a && as[-1] != '\n')
			as--;
		while (cs > c && cs[-1] != '\n')
			cs--;
		if (ae - as != ce - cs || memcmp(as, cs, (size_t)(ae - as)))
			break;
		ae = as;
		ce = cs;
	}
	for (p = a; p < ae;) {
		const char *n = memchr(p, '\n', (size_t)(ae - p));
		size_t len = n ? (size_t)(n - p) : (size_t)(ae - p);
		buf_printf(b, "  -%.*s\n", (int)len, p);
		p += len + 1;
	}
	for (p = c; p < ce;) {
		const char *n = memchr(p, '\n', (size_t)(ce - p));
		size_t len = n ? (size_t)(n - p) : (size_t)(ce - p);
		buf_printf(b, "  +%.*s\n", (int)len, p);
		p += len + 1;
	}
}

/* Whether an input whose stat changed since the record still has the same content;
 * *hashed says whether *h holds its hash now. */
static bool samecontent(const struct plan_opts *o, const struct edge *e, const struct recfile *rf,
			const char *path, uint64_t *h, bool *hashed)
{
	*hashed = false;
	if (!rf->hashed || !(o->content || ast_getattr(e->rule, "content")))
		return false;
	*hashed = o->fs->hash && o->fs->hash(o->fs->ctx, path, h);
	return *hashed && *h == rf->hash;
}

/* Whether e's outputs, inputs and depfile inputs are those of record r, with the
 * same stat data: one digest instead of reading the record's file list. */
static bool samefiles(const struct fs *fs, struct edge *e, const struct logentry *le)
{
	uint64_t h = 0;
	uint32_t i;

	if (!statelog_samecounts(le, e->nout, e->nin))
		return false;
	for (i = 0; i < e->nout; i++)
		h = logline_digest(h, edge_out(e)[i]->path, edge_out(e)[i]->len, nodestat(fs, edge_out(e)[i]));
	for (i = 0; i < e->nimp; i++)
		h = logline_digest(h, e->in[i]->path, e->in[i]->len, nodestat(fs, e->in[i]));
	return h == le->files_hash;
}

/* The reasons e must run because of what it did last time (the log record r,
 * read as far as its header). */
static bool selfrecord(struct plan *p, struct graph *g, struct edge *e,
		       const struct logentry *le, const struct plan_opts *o, struct buf *w)
{
	const struct record *r;
	const struct fs *fs = o->fs;
	bool self = false, hashed;
	uint64_t h;
	uint32_t i;

	if (!le->ok) {
		self = true;
		why(w, o->explain, "the last run failed");
	}
	if (o->vars) {
		/* kept only for a job that runs for it: the job of an edge that is up
		 * to date, or that runs for its inputs' sake, expands it again */
		const char *script = plan_script(p, e);
		p->scratch.len = 0;
		if (!script && recipe_expand(o->vars, e, &p->scratch))
			script = p->scratch.s ? p->scratch.s : "";
		if (script && logline_scripthash(script) != le->script_hash) {
			if (!plan_script(p, e))
				*byid(&p->scripts, &p->nscripts, &p->capscripts, e->id) = script =
					arena_strndup(&g->a, script, p->scratch.len);
			self = true;
			if (o->explain && (r = statelog_read(o->log, le))) {
				buf_puts(w, "recipe changed:\n");
				textdiff(w, r->script, script);
			}
		}
	}
	if (samefiles(fs, e, le))
		return self;
	if (!(r = statelog_read(o->log, le))) {
		why(w, o->explain, "its record in the state log is damaged");
		return true;
	}
	if (r->nout != e->nout || r->nin != e->nin) {
		why(w, o->explain, "its outputs or inputs are not those of the last run");
		return true;
	}
	for (i = 0; i < e->nout; i++) {
		const struct filestat *st = nodestat(fs, edge_out(e)[i]);
		if (strcmp(r->outs[i].path, edge_out(e)[i]->path)) {
			why(w, o->explain, "its outputs are not those of the last run");
			return true;
		}
		/* an output changed since baton made it (edited, touched, put back from
		 * elsewhere) is not what the recipe makes: a clean build would differ */
		if (r->ok && st->mtime != MTIME_MISSING && filestat_differ(st, &r->outs[i].st)) {
			self = true;
			if (o->explain) {
				buf_printf(w, "output '%s' changed since the last run",
					   edge_out(e)[i]->path);
				statdiff(w, &r->outs[i].st, st, NULL, NULL);
				buf_putc(w, '\n');
			}
		}
	}
	for (i = 0; i < e->nin; i++) {
		struct node *n = e->in[i];
		const struct filestat *st = nodestat(fs, n);
		if (strcmp(r->ins[i].path, n->path)) {
			why(w, o->explain, "its inputs are not those of the last run");
			return true;
		}
		if (filestat_differ(st, &r->ins[i].st) &&
		    !samecontent(o, e, &r->ins[i], n->path, &h, &hashed)) {
			self = true;
			if (o->explain) {
				buf_printf(w, "input '%s' changed", n->path);
				statdiff(w, &r->ins[i].st, st, &r->ins[i].hash, hashed ? &h : NULL);
				buf_putc(w, '\n');
			}
		}
	}
	for (i = e->nin; i < e->nimp && i - e->nin < r->ndep; i++) {
		struct node *n = e->in[i];
		const struct filestat *st = nodestat(fs, n);
		const struct recfile *rf = &r->deps[i - e->nin];
		if (filestat_differ(st, &rf->st) && !samecontent(o, e, rf, n->path, &h, &hashed)) {
			self = true;
			if (o->explain) {
				buf_printf(w, "input '%s' (from the depfile) changed", n->path);
				statdiff(w, &rf->st, st, &rf->hash, hashed ? &h : NULL);
				buf_putc(w, '\n');
			}
		}
	}
	return self;
}

static void future(const struct plan_opts *o, struct node *n)
{
	if (o->now && n->st.mtime > o->now + 1000000000 && !(n->flags & NODE_WARNED)) {
		n->flags |= NODE_WARNED;
		warn("'%s' has a modification time in the future", n->path);
	}
}

/* Decide whether e must run, once all its inputs have been visited. */
static void finish(struct plan *p, struct graph *g, struct edge *e, const struct plan_opts *o)
{
	const struct logentry *r = NULL;
	struct buf w = {0};
	int64_t oldest = INT64_MAX, t;
	uint32_t i;
	bool self = false, dirty;

	if (e->rule->kind == ST_TASK) {
		self = true;
		why(&w, o->explain, "it is a task");
	} else if (o->always) {
		self = true;
		why(&w, o->explain, "-B was given");
	}
	for (i = 0; i < e->nout && e->rule->kind != ST_TASK; i++) {
		t = mtime(o->fs, edge_out(e)[i]);
		if (t == MTIME_MISSING) {
			self = true;
			why(&w, o->explain, "output '%s' is missing", edge_out(e)[i]->path);
		} else if (t < oldest) {
			oldest = t;
		}
	}
	for (i = 0; i < e->nimp; i++) {
		mtime(o->fs, e->in[i]);
		future(o, e->in[i]);
	}
	/* a record found through another output is not this edge's: it reruns */
	for (i = 0; i < e->nout && e->rule->kind != ST_TASK && o->log && !r; i++)
		r = statelog_get(o->log, edge_out(e)[i]->path);
	e->weight = !edge_hasjob(e) ? 0 : r ? addsat(r->duration_ms, 1) : 1;
	if (r) {
		self = selfrecord(p, g, e, r, o, &w) || self;
	} else if (e->rule->kind != ST_TASK) {
		for (i = 0; i < e->nin; i++) {
			struct node *n = e->in[i];
			if (!(n->flags & NODE_TASK) && n->st.mtime > oldest && oldest != INT64_MAX) {
				self = true;
				why(&w, o->explain, "input '%s' is newer than '%s'", n->path,
				    edge_out(e)[0]->path);
			}
		}
	}
	dirty = self;
	for (i = 0; i < e->nimp; i++) {
		struct node *n = e->in[i];
		if (n->gen && n->gen->dirty) {
			dirty = true;
			why(&w, o->explain && !self, "'%s' is made by a job that runs first", n->path);
		}
	}
	e->state = ES_VISITED;
	e->dirty = dirty;
	e->self = self;
	if (w.len && dirty)
		*byid(&p->why, &p->nwhy, &p->capwhy, e->id) = arena_strndup(&g->a, w.s, w.len);
	buf_free(&w);
	if (!dirty) {
		e->done = true;
		return;
	}
	for (i = 0; i < e->nall; i++) {
		struct edge *dep = e->in[i]->gen;
		if (dep && dep->dirty) {
			e->pending++;
			graph_add_rdep(g, dep, e);
		}
	}
	xgrow((void **)&p->work, &p->capwork, p->nwork + 1, sizeof(*p->work));
	p->work[p->nwork++] = e;
	if (edge_hasjob(e))
		p->njobs++;
}

bool plan_stillneeded(const struct edge *e)
{
	uint32_t i;

	if (e->self)
		return true;
	for (i = 0; i < e->nimp; i++) {
		const struct edge *dep = e->in[i]->gen;
		if (dep && dep->changed)
			return true;
	}
	return false;
}

/* Give e the inputs its depfile listed last time, so that it waits for them if
 * they are made and runs again if they change. */
static void adddeps(struct graph *g, struct edge *e, const struct plan_opts *o)
{
	const struct logentry *le;
	const struct logpath *deps;
	struct node **in;
	uint32_t i, n, ndep;

	if (!o->log || e->rule->kind == ST_TASK || !ast_getattr(e->rule, "depfile") ||
	    !(le = statelog_get(o->log, edge_out(e)[0]->path)) ||
	    !(deps = statelog_deps(o->log, le, &ndep)))
		return;
	n = e->nall + ndep;
	in = arena_alloc(&g->a, n * sizeof(*in));
	memcpy(in, e->in, e->nin * sizeof(*in));
	for (i = 0; i < ndep; i++)
		in[e->nin + i] = graph_node(g, deps[i].path, deps[i].len);
	memcpy(in + e->nin + ndep, e->in + e->nin, (e->nall - e->nin) * sizeof(*in));
	e->in = in;
	e->nimp = e->nin + ndep;
	e->nall = n;
}

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

/* Stat, several at a time, every file that the explicit rules reachable from the
 * goals name: the walk in plan_build then finds them stated. Most of a no-op
 * build of a large graph is spent waiting for stat, and the kernel answers
 * several at once. */
static void prestat(const struct graph *g, struct node **goals, size_t ngoals, int threads)
{
	struct statlist *l = xcalloc(1, sizeof(*l));
	size_t i;
	uint32_t k;

	l->threads = threads;
	l->g = g;
	l->seen = xcalloc(g->nedges + 1, 1);
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

bool plan_build(struct plan *p, struct graph *g, struct node **goals, size_t ngoals,
		const struct plan_opts *o)
{
	const struct fs *fs = o->fs;
	struct frame *st = NULL;
	size_t cap = 0, top, gi;
	bool ok = true;

	memset(p, 0, sizeof(*p));
	graph_stat_stop(g);
	if (o->statjobs > 1 && fs == &fs_os)
		prestat(g, goals, ngoals, o->statjobs);
	for (gi = 0; gi < ngoals; gi++) {
		struct node *goal = goals[gi];
		if (!plan_makeable(g, goal, fs)) {
			diag_error((struct loc){0}, "unknown target '%s'", goal->path);
			ok = false;
		}
		if (!goal->gen)
			continue;
		if (goal->gen->state != ES_NEW)
			continue;
		xgrow((void **)&st, &cap, 1, sizeof(*st));
		st[0].e = goal->gen;
		st[0].i = 0;
		goal->gen->state = ES_VISITING;
		adddeps(g, goal->gen, o);
		top = 0;
		for (;;) {
			struct frame *f = &st[top];
			struct node *n;
			if (f->i == f->e->nall) {
				finish(p, g, f->e, o);
				if (top == 0)
					break;
				top--;
				continue;
			}
			n = f->e->in[f->i++];
			if (!n->gen && !(n->flags & NODE_TASK))
				trypatterns(g, n, fs, 0);
			if (!n->gen) {
				bool fromdepfile = f->i - 1 >= f->e->nin && f->i - 1 < f->e->nimp;
				if (mtime(fs, n) == MTIME_MISSING && !fromdepfile) {
					diag_error(wordloc(f->e, n->path),
						   "no rule to make '%s', needed by '%s'", n->path,
						   edge_name(f->e));
					ok = false;
				}
				continue;
			}
			if (n->gen->state == ES_VISITED)
				continue;
			if (n->gen->state == ES_VISITING) {
				cycle(st, top, n->gen, n);
				ok = false;
				continue;
			}
			n->gen->state = ES_VISITING;
			adddeps(g, n->gen, o);
			xgrow((void **)&st, &cap, top + 2, sizeof(*st));
			st[++top] = (struct frame){n->gen, 0};
		}
	}
	free(st);
	/* the longest remaining path first: work is in dependency order, so walk it
	 * backwards to see every edge after all the edges that wait for it */
	for (gi = p->nwork; gi-- > 0;) {
		struct edge *e = p->work[gi];
		uint32_t most = 0, k;
		for (k = 0; k < e->nrdeps; k++) {
			if (edge_rdep(e, k)->prio > most)
				most = edge_rdep(e, k)->prio;
		}
		e->prio = addsat(e->weight, most);
	}
	/* and among equals, the one that the longest path of jobs led to: with no
	 * history every job weighs the same, and the tail of a long chain must not
	 * wait behind short jobs that happen to be as far from the goal */
	for (gi = 0; gi < p->nwork; gi++) {
		struct edge *e = p->work[gi];
		uint32_t through = addsat(e->after, e->weight), k;
		for (k = 0; k < e->nrdeps; k++) {
			if (edge_rdep(e, k)->after < through)
				edge_rdep(e, k)->after = through;
		}
	}
	buf_free(&p->scratch);
	return ok;
}

void plan_dump(struct buf *b, const struct plan *p)
{
	size_t i;

	for (i = 0; i < p->nwork; i++) {
		const struct edge *e = p->work[i];
		buf_printf(b, "%s pending=%u%s\n", edge_name(e), e->pending,
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
	free(p->work);
	free(p->why);
	free(p->scripts);
	memset(p, 0, sizeof(*p));
}
