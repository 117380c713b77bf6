#include "run/sched.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "base/out.h"
#include "base/util.h"
#include "plan/plan.h"
#include "run/capacity.h"
#include "run/loop.h"

/* An edge ready to start, with its keys: ordering reads only the heap. What
 * the first goal named needs is on top (baton -j1 clean build cleans first,
 * as make does), then the longest remaining path, then the one with the
 * longest path of jobs behind it, then the edge declared first: packed in two
 * numbers, the greater first, so that a comparison is one or two. */
struct qent {
	uint64_t hi; /* UINT32_MAX - goal, prio */
	uint64_t lo; /* after, UINT32_MAX - id */
	struct edge *e;
};

static bool before(const struct qent *a, const struct qent *b)
{
	return a->hi != b->hi ? a->hi > b->hi : a->lo > b->lo;
}

static struct qent keyed(const struct sched *s, struct edge *e)
{
	const struct estate *st = plan_st(s->p, e);

	return (struct qent){(uint64_t)(UINT32_MAX - st->goal) << 32 | st->prio,
			     (uint64_t)st->after << 32 | (UINT32_MAX - e->id), e};
}

static int cmpqent(const void *a, const void *b)
{
	return before(a, b) ? -1 : before(b, a) ? 1 : 0;
}

/* The edges ready at the start, first first. They are mostly in that order
 * already (the work is listed in dependency order, and edges alike are
 * listed in the order they were declared): then sorting is one look. */
static void startrun(struct sched *s)
{
	struct ready *q = &s->q;
	bool sorted = true;
	size_t i, n = 0;

	free(q->run);
	q->run = xmalloc((s->p->nwork + 1) * sizeof(*q->run));
	for (i = 0; i < s->p->nwork; i++) {
		if (plan_st(s->p, s->p->work[i])->pending)
			continue;
		q->run[n] = keyed(s, s->p->work[i]);
		sorted = sorted && (n == 0 || !before(&q->run[n], &q->run[n - 1]));
		n++;
	}
	if (!sorted)
		qsort(q->run, n, sizeof(*q->run), cmpqent);
	q->head = 0;
	q->nrun = n;
}

/* Whether the head of the run comes before the top of the heap. */
static bool fromrun(const struct ready *q)
{
	return q->head < q->nrun && (q->n == 0 || before(&q->run[q->head], &q->v[0]));
}

static size_t nready(const struct ready *q)
{
	return q->n + (q->nrun - q->head);
}

static struct edge *top(const struct sched *s)
{
	return fromrun(&s->q) ? s->q.run[s->q.head].e : s->q.v[0].e;
}

static void push(struct sched *s, struct edge *e)
{
	struct qent x = keyed(s, e);
	struct ready *q = &s->q;
	size_t i, up;

	xgrow((void **)&q->v, &q->cap, q->n + 1, sizeof(*q->v));
	for (i = q->n++; i > 0 && before(&x, &q->v[up = (i - 1) / 2]); i = up)
		q->v[i] = q->v[up];
	q->v[i] = x;
}

static struct edge *pop(struct sched *s)
{
	struct ready *q = &s->q;
	struct qent last;
	struct edge *first;
	size_t i = 0, c, up;

	if (fromrun(q))
		return q->run[q->head++].e;
	if (q->n == 0)
		return NULL;
	first = q->v[0].e;
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
	return first;
}

/* e is finished: what waited only for it is ready now. */
static void release(struct sched *s, struct edge *e)
{
	uint32_t i, n = plan_st(s->p, e)->nrdeps;

	for (i = 0; i < n; i++) {
		struct edge *r = plan_rdep(s->p, e, i);
		if (--plan_st(s->p, r)->pending == 0)
			push(s, r);
	}
}

/* e counts as done without a job: released, changed or not. */
static void pass(struct sched *s, struct edge *e, bool changed)
{
	s->finished++;
	plan_st(s->p, e)->changed = changed;
	if (!changed && edge_hasjob(e)) {
		cap_pass(s->cap, e);
		if (s->r->passed)
			s->r->passed(s->r->ctx, e);
	}
	release(s, e);
}

/* e's job failed: with -k, what waits for it will not run, and is told so. */
static void failed(struct sched *s, struct edge *e)
{
	struct edge **stack = NULL;
	size_t n = 0, cap = 0;
	uint32_t i;

	s->res.failed++;
	s->stop = s->stop || !s->o.keep_going;
	if (s->stop)
		return;
	xgrow((void **)&stack, &cap, 1, sizeof(*stack));
	stack[n++] = e;
	while (n) {
		struct edge *d = stack[--n];
		struct estate *st = plan_st(s->p, d);
		for (i = 0; i < st->nrdeps; i++) {
			struct edge *r = plan_rdep(s->p, d, i);
			if (plan_st(s->p, r)->blocked)
				continue;
			plan_st(s->p, r)->blocked = true;
			if (edge_hasjob(r)) {
				cap_pass(s->cap, r);
				if (s->r->passed)
					s->r->passed(s->r->ctx, r);
			}
			xgrow((void **)&stack, &cap, n + 1, sizeof(*stack));
			stack[n++] = r;
		}
	}
	free(stack);
}

/* Start what is ready, as far as capacity allows. The top of the heap is
 * looked at before it is taken: with capacity full, it stays where it is. */
static void fill(struct sched *s)
{
	enum start_result sr;
	struct edge *e;

	/* (-j used up: said once, not asked of the top edge after each start) */
	while (!s->stop && !s->full && nready(&s->q) && !cap_full(s->cap)) {
		e = top(s);
		if (!plan_stillneeded(s->p, e)) {
			/* what it waited for changed nothing: it is up to date after all */
			pop(s);
			s->res.skipped += edge_hasjob(e);
			pass(s, e, false);
			continue;
		}
		if (!edge_hasjob(e)) {
			pop(s);
			pass(s, e, true);
			continue;
		}
		switch (cap_take(s->cap, e)) {
		case CAP_YES:
			pop(s);
			break;
		case CAP_WAIT:
			pop(s);
			xgrow((void **)&s->held, &s->capheld, s->nheld + 1, sizeof(*s->held));
			s->held[s->nheld++] = e;
			continue;
		case CAP_FULL:
			return;
		}
		sr = s->r->start(s->r->ctx, e);
		if (sr == START_LATER && s->running > 0) {
			/* the runner is out of something a running job gives back */
			cap_give(s->cap, e);
			push(s, e);
			s->full = true;
			return;
		}
		s->res.started++;
		if (sr != START_OK) {
			cap_give(s->cap, e);
			s->finished++;
			failed(s, e);
			continue;
		}
		s->running++;
	}
}

/* Capacity may have freed: what it held back is ready again. */
static void unhold(struct sched *s)
{
	while (s->nheld)
		push(s, s->held[--s->nheld]);
}

static void woken(void *ctx)
{
	unhold(ctx);
}

void sched_done(struct sched *s, struct edge *e, bool ok, bool changed)
{
	s->running--;
	s->finished++;
	s->full = false;
	cap_give(s->cap, e);
	unhold(s);
	plan_st(s->p, e)->changed = changed;
	if (ok)
		release(s, e);
	else
		failed(s, e);
}

/* Ctrl-C, SIGTERM, SIGHUP, SIGQUIT: start nothing more, pass the signal on to
 * the jobs (SIGTERM for SIGQUIT, which would make them dump core), and wait
 * for them to end. A job may ignore it: the second such signal sends the jobs
 * SIGTERM, the third SIGKILL. */
static void onstop(void *ctx, int sig)
{
	struct sched *s = ctx;

	if (!s->res.signal) {
		s->res.signal = sig;
		s->stop = true;
		s->r->stopping(s->r->ctx, sig);
		s->r->signal(s->r->ctx, sig == SIGQUIT ? SIGTERM : sig);
		return;
	}
	if (!s->running)
		return;
	if (++s->escalated == 1) {
		out_note("stopping the jobs still running with SIGTERM");
		s->r->signal(s->r->ctx, SIGTERM);
		s->r->signal(s->r->ctx, SIGCONT);
	} else {
		out_note("killing the jobs still running (SIGKILL)");
		s->r->signal(s->r->ctx, SIGKILL);
	}
}

/* Jobs still running ten seconds after memory ran out. */
static void killjobs(void *ctx)
{
	struct sched *s = ctx;

	s->r->signal(s->r->ctx, SIGKILL);
}

static void setflag(void *ctx)
{
	*(bool *)ctx = true;
}

/* Memory ran out (nomem): stop the jobs as for SIGTERM, and wait for them
 * (SIGKILL for those left after ten seconds), so that each is recorded as
 * interrupted and what it half wrote is deleted, before baton exits. A job
 * whose end was being recorded when memory ran out never reports it: once
 * no job has output left to read, the others have a second to end. */
static void onnomem(void *ctx)
{
	struct sched *s = ctx;
	bool late = false, grace = false;

	onstop(s, SIGTERM);
	loop_timer(s->loop, loop_now(s->loop) + (int64_t)10000000000, killjobs, s);
	while (s->running > 0 && !late) {
		if (!grace && !loop_watching(s->loop)) {
			loop_timer(s->loop, loop_now(s->loop) + 1000000000, setflag, &late);
			grace = true;
		}
		loop_turn(s->loop);
	}
}

/* Ctrl-Z: the jobs are in process groups of their own, so the terminal does
 * not stop them; stop them, then ourselves, and continue them when we are. */
static void onsuspend(void *ctx, int sig)
{
	struct sched *s = ctx;

	(void)sig;
	s->r->signal(s->r->ctx, SIGSTOP);
	/* SIGSTOP, as SIGTSTP would be dropped if our process group is orphaned */
	raise(SIGSTOP);
	s->r->signal(s->r->ctx, SIGCONT);
}

void sched_init(struct sched *s, struct plan *p, const struct sched_opts *o,
		struct capacity *cap, const struct runner *r, struct loop *loop)
{
	memset(s, 0, sizeof(*s));
	s->p = p;
	s->o = *o;
	s->cap = cap;
	s->r = r;
	s->loop = loop;
	cap->wake = woken;
	cap->wakectx = s;
}

void sched_run(struct sched *s, struct sched_result *res)
{
	static const int stops[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
	size_t i;

	/* a signal ignored when baton started stays ignored (nohup baton &) */
	for (i = 0; i < LEN(stops); i++) {
		if (!loop_ignored(stops[i]))
			loop_signal(s->loop, stops[i], onstop, s);
	}
	if (!loop_ignored(SIGTSTP))
		loop_signal(s->loop, SIGTSTP, onsuspend, s);
	nomem_call(onnomem, s);
	startrun(s);
	for (;;) {
		fill(s);
		if (s->running == 0)
			break;
		loop_turn(s->loop);
	}
	/* a signal that came as the last job ended, or as one failed to start
	 * (a shell() call it interrupted), is not lost */
	loop_signals(s->loop);
	nomem_call(NULL, NULL);
	/* what capacity held back with nothing running would wait for ever: it
	 * counts as not run */
	s->res.blocked = s->p->nwork - s->finished;
	*res = s->res;
}

void sched_free(struct sched *s)
{
	free(s->held);
	free(s->q.v);
	free(s->q.run);
	s->q = (struct ready){0};
}
