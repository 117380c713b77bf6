/* Capacity: how many jobs may run at once. The scheduler asks before it starts
 * a job and gives back when the job ends. Today that is -j and what the
 * executor has room for (file descriptors); pools and jobserver tokens are
 * limits of the same kind. */
#ifndef BATON_CAPACITY_H
#define BATON_CAPACITY_H

#include <stdbool.h>
#include <stddef.h>

struct edge;
struct executor;

struct capacity {
	size_t jobs;   /* -j: at most this many at once; 0: no limit */
	size_t used;   /* jobs running */
	const struct executor *x; /* its room, or NULL */
};

/* The answer to "may e's job start now?" */
enum cap_answer {
	CAP_YES,  /* yes: its share is taken */
	CAP_FULL, /* no, nor any other: until a job ends */
};

/* Start with -j jobs (0: no limit) on executor x (NULL: no limit of its own). */
void cap_init(struct capacity *c, size_t jobs, const struct executor *x);
/* May e's job start now? */
enum cap_answer cap_take(struct capacity *c, const struct edge *e);
/* e's job ended (or did not start after all): give its share back. */
void cap_give(struct capacity *c, const struct edge *e);

#endif
