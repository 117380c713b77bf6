/* Capacity: how many jobs may run at once. The scheduler asks before it starts
 * a job and gives back when the job ends. -j and the executor's room (file
 * descriptors) are its own; other limits (pools, a jobserver's tokens) are
 * added to it, each behind struct limit. A limit may say "not this job, but
 * others may start" (a full pool), and may find room later by itself (a token
 * arrives): it tells the scheduler through the capacity's wake. */
#ifndef BATON_CAPACITY_H
#define BATON_CAPACITY_H

#include <stdbool.h>
#include <stddef.h>

struct edge;
struct executor;

/* The answer to "may e's job start now?" */
enum cap_answer {
	CAP_YES,  /* yes: its share is taken */
	CAP_FULL, /* no, nor any other: until a job ends or a limit wakes */
	CAP_WAIT, /* not this one (its pool is full, say): others may start */
};

struct limit {
	void *ctx;
	/* Take e's share (running: jobs running now, this one not counted). */
	enum cap_answer (*take)(void *ctx, const struct edge *e, size_t running);
	/* e's job ended, or did not start after all: give its share back. */
	void (*give)(void *ctx, const struct edge *e);
	/* Free what it holds, giving back anything it took from outside. */
	void (*free)(void *ctx);
	/* e will not run in this build (up to date after all, or an input
	 * failed). May be NULL. */
	void (*pass)(void *ctx, const struct edge *e);
};

struct capacity {
	size_t jobs;   /* -j: at most this many at once; 0: no limit */
	size_t used;   /* jobs running */
	const struct executor *x; /* its room, or NULL */
	struct limit *limits;
	size_t nlimits, caplimits;
	/* called by a limit that has room again: the scheduler tries again */
	void (*wake)(void *ctx);
	void *wakectx;
};

/* Start with -j jobs (0: no limit) on executor x (NULL: no limit of its own). */
void cap_init(struct capacity *c, size_t jobs, const struct executor *x);
/* Add a limit, asked after -j and the executor and before those added later. */
void cap_add(struct capacity *c, const struct limit *l);
/* May e's job start now? */
enum cap_answer cap_take(struct capacity *c, const struct edge *e);
/* Whether -j is used up: no job may start, whichever (cap_take says so too). */
static inline bool cap_full(const struct capacity *c)
{
	return c->jobs && c->used >= c->jobs;
}
/* e's job ended (or did not start after all): give its share back. */
void cap_give(struct capacity *c, const struct edge *e);
/* e will not run in this build: the limits are told. */
void cap_pass(struct capacity *c, const struct edge *e);
/* A limit found room again (for its own use). */
void cap_woken(struct capacity *c);
/* Free the limits. */
void cap_free(struct capacity *c);

#endif
