/* The runner that really runs jobs: expands recipes, spawns processes, collects
 * their output, and reports what ran and what failed. */
#ifndef BATON_EXEC_H
#define BATON_EXEC_H

#include <stdbool.h>
#include <stddef.h>

#include "run/record.h"
#include "run/sched.h"
#include "lang/vars.h"

struct job;

struct exec {
	struct vars *vars;
	struct outcome_ctx oc; /* the state log, and what to delete on failure */
	bool verbose;
	bool dry_run;
	bool explain;
	const struct plan *plan; /* for --explain: why each job runs */
	size_t total;   /* jobs in the plan, for "[i/N]" */
	size_t started;
	struct job *jobs; /* running */
	size_t njobs, capjobs;
	struct edge **dry; /* dry run: jobs "started" and not yet "waited" */
	size_t ndry, capdry, drynext;
	int signal;     /* the signal that interrupted us, or 0 */
	size_t maxjobs; /* jobs that may run at once with the file descriptors we may open */
	struct buf line;      /* the status line being written */
	struct buf expand;    /* the recipe being expanded */
};

/* Prepare: install signal handlers. */
void exec_init(struct exec *x, struct vars *vars);
/* The runner interface for sched_run. */
struct runner exec_runner(struct exec *x);
/* Free what exec_init and the jobs left. */
void exec_free(struct exec *x);

#endif
