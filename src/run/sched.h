/* The scheduler: starts edges whose inputs are done, up to a number of jobs at once,
 * and stops or keeps going on failure. Processes are behind struct runner, so the
 * decisions can be tested with a fake. */
#ifndef BATON_SCHED_H
#define BATON_SCHED_H

#include <stdbool.h>
#include <stddef.h>

#include "plan/plan.h"

/* What starting a job did. */
enum start_result {
	START_OK,
	START_FAILED, /* it could not start: reported, and counts as failed */
	START_LATER,  /* not now (no file descriptor left): again once a job has ended */
};

struct runner {
	void *ctx;
	/* Start e's job. START_LATER only while other jobs run. */
	enum start_result (*start)(void *ctx, struct edge *e);
	/* Wait for a started job to end; sets *ok. NULL: interrupted, stop now. */
	struct edge *(*wait)(void *ctx, bool *ok);
};

struct sched_opts {
	size_t jobs;     /* at most this many at once; 0: no limit */
	bool keep_going; /* after a failure, go on with what does not depend on it */
};

struct sched_result {
	size_t started, failed;
	size_t skipped;    /* jobs not run: the jobs they waited for changed nothing */
	size_t blocked;    /* edges not run because an input failed */
	bool interrupted;
};

/* Run the plan's work. */
void sched_run(struct plan *p, const struct sched_opts *o, const struct runner *r,
	       struct sched_result *res);

#endif
