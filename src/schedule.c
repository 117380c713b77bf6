#include "schedule.h"

#include <stdlib.h>
#include <string.h>

/* Edges ready to start, first in first out. */
struct queue {
	struct edge **v;
	size_t head, n, cap;
};

static void push(struct queue *q, struct edge *e)
{
	if (q->head > 0 && q->head == q->n) {
		q->head = q->n = 0;
	}
	xgrow((void **)&q->v, &q->cap, q->n + 1, sizeof(*q->v));
	q->v[q->n++] = e;
}

static struct edge *pop(struct queue *q)
{
	return q->head < q->n ? q->v[q->head++] : NULL;
}

/* e is finished: what waited only for it is ready now. */
static void release(struct queue *q, struct edge *e)
{
	uint32_t i;

	e->done = true;
	for (i = 0; i < e->nrdeps; i++) {
		if (--e->rdeps[i]->pending == 0)
			push(q, e->rdeps[i]);
	}
}

void sched_run(struct plan *p, const struct sched_opts *o, const struct runner *r,
	       struct sched_result *res)
{
	struct queue q = {0};
	size_t running = 0, i, finished = 0;
	bool stop = false, ok;
	struct edge *e;

	memset(res, 0, sizeof(*res));
	for (i = 0; i < p->nwork; i++) {
		if (p->work[i]->pending == 0)
			push(&q, p->work[i]);
	}
	for (;;) {
		while (!stop && (o->jobs == 0 || running < o->jobs) && (e = pop(&q))) {
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
			res->started++;
			if (!r->start(r->ctx, e)) {
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
