/* The executor of a dry run: nothing runs, and each job ends at once, in the
 * order started, on a turn of the loop of its own (so the scheduler sees the
 * ends one at a time, as it would real ones). */
#include <stdint.h>
#include <stdlib.h>

#include "base/util.h"
#include "run/exec.h"
#include "run/loop.h"

struct dry {
	struct executor x;
	void **jobs; /* a queue of the jobs started: [head, n) have not ended */
	size_t head, n, cap;
};

static void finish(void *ctx)
{
	struct dry *d = ctx;
	void *job = d->jobs[d->head++];

	if (d->head == d->n)
		d->head = d->n = 0;
	d->x.ev.ended(d->x.ev.ctx, job, 0, 0, NULL);
}

static int start(struct executor *x, void *job, const struct exec_spec *spec,
		 struct exec_job **h, const char **step)
{
	struct dry *d = (struct dry *)x;

	(void)spec;
	*step = NULL;
	xgrow((void **)&d->jobs, &d->cap, d->n + 1, sizeof(*d->jobs));
	d->jobs[d->n++] = job;
	loop_defer(x->loop, finish, d);
	*h = NULL;
	return 0;
}

static void sendsig(struct executor *x, struct exec_job *h, int sig)
{
	(void)x;
	(void)h;
	(void)sig;
}

static size_t room(const struct executor *x)
{
	(void)x;
	return SIZE_MAX;
}

static void dfree(struct executor *x)
{
	struct dry *d = (struct dry *)x;

	free(d->jobs);
	free(d);
}

static const struct exec_ops ops = {start, sendsig, room, dfree};

struct executor *exec_dry(struct loop *l, const struct exec_events *ev)
{
	struct dry *d = xcalloc(1, sizeof(*d));

	d->x.ops = &ops;
	d->x.loop = l;
	d->x.ev = *ev;
	d->x.simulated = true;
	return &d->x;
}
