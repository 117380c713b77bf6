#include "run/capacity.h"

#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "run/exec.h"

void cap_init(struct capacity *c, size_t jobs, const struct executor *x)
{
	memset(c, 0, sizeof(*c));
	c->jobs = jobs;
	c->x = x;
}

void cap_add(struct capacity *c, const struct limit *l)
{
	xgrow((void **)&c->limits, &c->caplimits, c->nlimits + 1, sizeof(*c->limits));
	c->limits[c->nlimits++] = *l;
}

enum cap_answer cap_take(struct capacity *c, const struct edge *e)
{
	enum cap_answer a;
	size_t i, k;

	if (c->jobs && c->used >= c->jobs)
		return CAP_FULL;
	/* out of file descriptors for another job: wait for one to give one back
	 * (with none running, try: the job says why it cannot start) */
	if (c->used > 0 && c->x && c->x->ops->room(c->x) == 0)
		return CAP_FULL;
	for (i = 0; i < c->nlimits; i++) {
		a = c->limits[i].take(c->limits[i].ctx, e, c->used);
		if (a != CAP_YES) {
			for (k = i; k-- > 0;)
				c->limits[k].give(c->limits[k].ctx, e);
			return a;
		}
	}
	c->used++;
	return CAP_YES;
}

void cap_give(struct capacity *c, const struct edge *e)
{
	size_t i;

	c->used--;
	for (i = c->nlimits; i-- > 0;)
		c->limits[i].give(c->limits[i].ctx, e);
}

void cap_pass(struct capacity *c, const struct edge *e)
{
	size_t i;

	for (i = 0; i < c->nlimits; i++) {
		if (c->limits[i].pass)
			c->limits[i].pass(c->limits[i].ctx, e);
	}
}

void cap_woken(struct capacity *c)
{
	if (c->wake)
		c->wake(c->wakectx);
}

void cap_free(struct capacity *c)
{
	size_t i;

	for (i = 0; i < c->nlimits; i++) {
		if (c->limits[i].free)
			c->limits[i].free(c->limits[i].ctx);
	}
	free(c->limits);
	c->limits = NULL;
	c->nlimits = c->caplimits = 0;
}
