/* A job's life: its script (the plan's, or expanded now), its outputs'
 * directories, its command, its start through an executor, its output
 * collected, and at its end the outcome recorded and, if it failed, its
 * partial outputs deleted. This is the scheduler's runner (struct runner). */
#ifndef BATON_JOB_H
#define BATON_JOB_H

#include <stdbool.h>
#include <stddef.h>

#include "plan/recipe.h"
#include "run/record.h"
#include "run/sched.h"

struct executor;
struct job;
struct loop;
struct plan;
struct status;

struct jobs {
	struct executor *x;
	struct plan *plan;
	struct status *status;
	struct sched *sched;   /* told of each job's end */
	struct loop *loop;     /* its clock times the jobs */
	struct recipes rx;
	struct recorder rec;   /* its rx is the one above */
	struct buf expand;     /* the recipe being expanded */
	int stopping;          /* the signal stopping the build, or 0 */
	char **env;            /* every job's environment (jobs_env), or NULL: baton's */
	struct arena envmem;   /* its strings */
	const int *keep;       /* descriptors every job inherits, ascending */
	size_t nkeep;
	struct arena scratch;  /* a job's directory, until it starts */
	struct job **run;      /* running */
	size_t nrun, caprun;
	struct job *spare;     /* ended, to be used again: a list through their e */
	struct outlog *outlog; /* where each job's output is kept, or NULL */
};

/* Run jobs through executor x (made with jobs_events' events), with the
 * plan's scripts and variables vars, recording in log (NULL: nothing), telling
 * status what happens and sched when a job ends. */
void jobs_init(struct jobs *js, struct executor *x, struct plan *plan, struct vars *vars,
	       struct statelog *log, struct status *status, struct sched *sched, struct loop *loop);
/* The environment of every job: baton's own with each "NAME=value" of set in
 * place of the variable of that name (a later one wins), built once for the
 * build; and the descriptors above 2 they inherit (ascending, kept by the
 * caller). */
void jobs_env(struct jobs *js, const struct list *set, const int *keep, size_t nkeep);
/* The events an executor of js reports to. */
struct exec_events jobs_events(struct jobs *js);
/* The runner for sched_init. */
struct runner jobs_runner(struct jobs *js);
/* Free what js holds (no job runs any more). */
void jobs_free(struct jobs *js);

#endif
