#include "run/sched.h"

#include <stdlib.h>
#include <string.h>

/* Edges ready to start: a heap, the longest remaining path on top, then the
 * one with the longest path of jobs behind it, then the edge declared first.
 * Each entry carries its keys, so that ordering reads only the heap. */
struct qent {
	uint64_t prio, after;
	uint32_t id;
	struct edge *e;
};

struct queue {
	struct qent *v;
	size_t n, cap;
};

static bool before(const struct qent *a, const struct qent *b)
{
	if (a->prio != b->prio)
		return a->prio > b->prio;
	if (a->after != b->after)
		return a->after > b->after;
	return a->id < b->id;
}

static void push(struct queue *q, struct edge *e)
{
	struct qent x = {e->prio, e->after, e->id, e};
	size_t i, up;

	xgrow((void **)&q->v, &q->cap, q->n + 1, sizeof(*q->v));
	for (i = q->n++; i > 0 && before(&x, &q->v[up = (i - 1) / 2]); i = up)
		q->v[i] = q->v[up];
	q->v[i] = x;
}

static struct edge *pop(struct queue *q)
{
	struct qent last;
	struct edge *top;
	size_t i = 0, c, up;

	if (q->n == 0)
		return NULL;
	top = q->v[0].e;
	last = q->v[--q->n];
	/* the hole goes down to a leaf by the better child, one comparison a level;
	 * then the last entry, which came from a leaf, rises the little it must */
	for (; (c = 2 * i + 1) < q->n; i = c) {
		if (c + 1 < q->n && before(&q->v[c + 1], &q->v[c]))
			c++;
		q->v[i] = q->v[c];
	}
	for (; i > 0 && before(&last, &q->v[up = (i - 1) / 2]); i = up)
		q->v[i] = q->v[up];
	q->v[i] = last;
	return top;
}

/* e is finished: what waited only for it is ready now. */
static void release(struct queue *q, struct edge *e)
{
	uint32_t i;

	e->done = true;
	for (i = 0; i < e->nrdeps; i++) {
		if (--edge_rdep(e, i)->pending == 0)
			push(q, edge_rdep(e, i));
	}
}

void sched_run(struct plan *p, const struct sched_opts *o, const struct runner *r,
	       struct sched_result *res)
{
	struct queue q = {0};
	size_t running = 0, i, finished = 0;
	bool stop = false, full = false, ok;
	enum start_result sr;
	struct edge *e;

	memset(res, 0, sizeof(*res));
	for (i = 0; i < p->nwork; i++) {
		if (p->work[i]->pending == 0)
			push(&q, p->work[i]);
	}
	for (;;) {
		while (!stop && !full && (o->jobs == 0 || running < o->jobs) && (e = pop(&q))) {
			if (!plan_stillneeded(e)) {
				/* what it waited for changed nothing: it is up to date after all */
				finished++;
				res->skipped += edge_hasjob(e);
				e->changed = false;
				release(&q, e);
				continue;
			}
			if (!edge_hasjob(e)) {
				finished++;
				e->changed = true;
				release(&q, e);
				continue;
			}
			sr = r->start(r->ctx, e);
			if (sr == START_LATER && running > 0) {
				/* the runner is out of something a running job gives back */
				push(&q, e);
				full = true;
				continue;
			}
			res->started++;
			if (sr != START_OK) {
				finished++;
				e->failed = true;
				res->failed++;
				stop = !o->keep_going;
				continue;
			}
			running++;
		}
		if (running == 0)
			break;
		e = r->wait(r->ctx, &ok);
		if (!e) {
			res->interrupted = true;
			break;
		}
		running--;
		finished++;
		full = false;
		if (ok) {
			release(&q, e);
		} else {
			e->failed = true;
			res->failed++;
			stop = !o->keep_going;
		}
	}
	res->blocked = p->nwork - finished;
	free(q.v);
}
