#include "run/capacity.h"

#include <string.h>

#include "run/exec.h"

void cap_init(struct capacity *c, size_t jobs, const struct executor *x)
{
	memset(c, 0, sizeof(*c));
	c->jobs = jobs;
	c->x = x;
}

enum cap_answer cap_take(struct capacity *c, const struct edge *e)
{
	(void)e;
	if (c->jobs && c->used >= c->jobs)
		return CAP_FULL;
	/* out of file descriptors for another job: wait for one to give one back
	 * (with none running, try: the job says why it cannot start) */
	if (c->used > 0 && c->x && c->x->ops->room(c->x) == 0)
		return CAP_FULL;
	c->used++;
	return CAP_YES;
}

void cap_give(struct capacity *c, const struct edge *e)
{
	(void)e;
	c->used--;
}
