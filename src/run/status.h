/* What baton says about a build as it runs: each job as it starts ("[i/N]
 * name", with its script when asked, and why it runs), its output, its
 * failure, and how the build ended. All of it goes to the terminal through the
 * one writer (base/out.h). */
#ifndef BATON_STATUS_H
#define BATON_STATUS_H

#include <stdbool.h>
#include <stddef.h>

#include "base/util.h"

struct edge;
struct plan;
struct sched_result;

struct status {
	const struct plan *plan; /* for --explain: why each job runs */
	bool explain;
	bool scripts;  /* print each job's script under its line (-v, -n) */
	size_t total;  /* jobs in the plan, for "[i/N]" */
	size_t started;
	struct buf line;
};

/* Start saying things about a build of total jobs. */
void status_init(struct status *s, const struct plan *p, size_t total);
/* e's job starts with script. */
void status_started(struct status *s, const struct edge *e, const char *script);
/* e's job printed this (all of its output, when it ended). */
void status_output(struct status *s, const struct edge *e, const char *p, size_t n);
/* e's job failed: what happened ("exit status 1"). */
void status_failed(struct status *s, const struct edge *e, const char *what);
/* e's job failed for a reason with an errno: what (a printf format of one
 * string, arg) and the error. */
void status_failed_errno(struct status *s, const struct edge *e, const char *what,
			 const char *arg, int err);
/* How the build ended: interrupted by signal sig (0 if not), or failed jobs. */
void status_ended(struct status *s, const struct sched_result *r, bool keep_going, int sig);
/* Nothing had to run. */
void status_nothing(void);
/* Free what it holds. */
void status_free(struct status *s);

#endif
