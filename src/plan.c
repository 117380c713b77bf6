#include "plan.h"

#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "os.h"
#include "path.h"

enum { MAX_PATTERN_CHAIN = 4 };

static int64_t os_fs_mtime(void *ctx, const char *path)
{
	(void)ctx;
	return os_mtime(path);
}

const struct fs fs_os = {NULL, os_fs_mtime};

bool edge_hasjob(const struct edge *e)
{
	return e->rule->recipe != NULL;
}

static int64_t mtime(const struct fs *fs, struct node *n)
{
	if (!(n->flags & NODE_STATED)) {
		n->mtime = fs->mtime(fs->ctx, n->path);
		n->flags |= NODE_STATED;
	}
	return n->mtime;
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
	return depth < MAX_PATTERN_CHAIN && trypatterns(g, n, fs, depth + 1);
}

/* Find a pattern rule that makes n and give n an edge from it. */
static bool trypatterns(struct graph *g, struct node *n, const struct fs *fs, int depth)
{
	struct buf stem = {0};
	size_t i, j;

	if (n->flags & NODE_RESOLVED)
		return n->gen != NULL;
	if (depth == 0)
		n->flags |= NODE_RESOLVED;
	for (i = 0; i < g->npats; i++) {
		struct pattern *p = &g->pats[i];
		struct node *ins[64], **in = ins;
		size_t nin = p->ins.n + p->order.n;
		bool ok = false;
		struct edge *e;

		for (j = 0; j < p->outs.n && !ok; j++)
			ok = match(p->outs.v[j], n->path, n->len, &stem);
		if (!ok)
			continue;
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
				e->out[j] = substnode(g, p->outs.v[j], &stem);
				e->out[j]->gen = e;
				e->out[j]->flags |= NODE_RESOLVED;
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
	const struct source *s = source_get(e->rule->loc.src);
	struct loc l = e->rule->loc;
	const char *line = s->text + l.off, *end = strchr(line, '\n'), *hit;
	size_t n = strlen(path);

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

/* Decide whether e must run, once all its inputs have been visited. */
static void finish(struct plan *p, struct edge *e, const struct fs *fs, bool always)
{
	int64_t oldest = INT64_MAX, t;
	uint32_t i;
	bool dirty = always || e->rule->kind == ST_TASK;

	for (i = 0; i < e->nout && !dirty; i++) {
		t = mtime(fs, e->out[i]);
		if (t == MTIME_MISSING)
			dirty = true;
		else if (t < oldest)
			oldest = t;
	}
	for (i = 0; i < e->nin && !dirty; i++) {
		struct node *n = e->in[i];
		if ((n->gen && n->gen->dirty) || (n->flags & NODE_TASK))
			dirty = true;
		else if (mtime(fs, n) > oldest)
			dirty = true;
	}
	e->state = ES_VISITED;
	e->dirty = dirty;
	if (!dirty) {
		e->done = true;
		return;
	}
	for (i = 0; i < e->nall; i++) {
		struct edge *dep = e->in[i]->gen;
		if (dep && dep->dirty) {
			e->pending++;
			graph_add_rdep(dep, e);
		}
	}
	xgrow((void **)&p->work, &p->capwork, p->nwork + 1, sizeof(*p->work));
	p->work[p->nwork++] = e;
	if (edge_hasjob(e))
		p->njobs++;
}

bool plan_build(struct plan *p, struct graph *g, struct node **goals, size_t ngoals,
		const struct fs *fs, bool always)
{
	struct frame *st = NULL;
	size_t cap = 0, top, gi;
	bool ok = true;

	memset(p, 0, sizeof(*p));
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
		top = 0;
		for (;;) {
			struct frame *f = &st[top];
			struct node *n;
			if (f->i == f->e->nall) {
				finish(p, f->e, fs, always);
				if (top == 0)
					break;
				top--;
				continue;
			}
			n = f->e->in[f->i++];
			if (!n->gen && !(n->flags & NODE_TASK))
				trypatterns(g, n, fs, 0);
			if (!n->gen) {
				if (mtime(fs, n) == MTIME_MISSING) {
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
			xgrow((void **)&st, &cap, top + 2, sizeof(*st));
			st[++top] = (struct frame){n->gen, 0};
		}
	}
	free(st);
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

void plan_free(struct plan *p)
{
	free(p->work);
	memset(p, 0, sizeof(*p));
}
