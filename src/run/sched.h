/* The scheduler: starts edges whose inputs are done, as capacity allows, and
 * stops or keeps going on failure. It owns the build's loop: jobs end, signals
 * come and timers fire as events of it. Jobs are run through struct runner
 * (run/job.c, or a fake in the unit tests), which tells of each end with
 * sched_done. */
#ifndef BATON_SCHED_H
#define BATON_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct capacity;
struct edge;
struct loop;
struct plan;

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
	/* Pass signal sig on to every running job. */
	void (*signal)(void *ctx, int sig);
	/* The build is being stopped by signal sig: failures are not reported. */
	void (*stopping)(void *ctx, int sig);
	/* e, which has a job, will not run in this build: it is up to date after
	 * all, or an input's job failed (with -k). May be NULL. */
	void (*passed)(void *ctx, struct edge *e);
};

struct sched_opts {
	bool keep_going; /* after a failure, go on with what does not depend on it */
};

struct sched_result {
	size_t started, failed;
	size_t skipped;    /* jobs not run: the jobs they waited for changed nothing */
	size_t blocked;    /* edges not run because an input failed */
	int signal;        /* the signal that interrupted the build, or 0 */
};

/* Edges ready to start, the longest remaining path first (see sched.c): those
 * ready at the start sorted in a run, taken from its head, and those that
 * become ready later in a heap. */
struct ready {
	struct qent *v; /* the heap */
	size_t n, cap;
	struct qent *run;
	size_t head, nrun;
};

struct sched {
	struct plan *p;
	struct sched_opts o;
	struct capacity *cap;
	const struct runner *r;
	struct loop *loop;
	struct ready q;
	struct edge **held; /* ready, but capacity said CAP_WAIT: tried again when it frees */
	size_t nheld, capheld;
	size_t running, finished;
	bool stop;  /* start nothing more */
	bool full;  /* the runner said START_LATER: until a job ends */
	int escalated; /* stopping signals after the first */
	struct sched_result res;
};

/* Set up a run of the plan's work. */
void sched_init(struct sched *s, struct plan *p, const struct sched_opts *o,
		struct capacity *cap, const struct runner *r, struct loop *loop);
/* Run it to the end: until every job that could run has, or it was
 * interrupted; catches SIGINT, SIGTERM, SIGHUP, SIGQUIT and SIGTSTP meanwhile. */
void sched_run(struct sched *s, struct sched_result *res);
/* The runner's report that e's job ended: ok, and whether it changed an output. */
void sched_done(struct sched *s, struct edge *e, bool ok, bool changed);
/* Free what the run holds. */
void sched_free(struct sched *s);

#endif
