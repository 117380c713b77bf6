/* What the planner's files share (plan.c, pattern.c, outdated.c, prestat.c):
 * not for use outside src/plan. */
#ifndef BATON_PLAN_INTERNAL_H
#define BATON_PLAN_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "plan/plan.h"
#include "state/statelog.h"

/* Stat n now (plan_stat when it is not known yet). */
const struct filestat *plan_statnow(const struct plan *p, struct node *n);
/* The stat data of n, stated now if it is not known yet. */
static inline const struct filestat *plan_stat(const struct plan *p, struct node *n)
{
	return n->flags & NODE_STATED ? &n->st : plan_statnow(p, n);
}
/* Its mtime, or MTIME_MISSING. */
static inline int64_t plan_mtime(const struct plan *p, struct node *n)
{
	return plan_stat(p, n)->mtime;
}
/* The newest record of e's first output in the state log, or NULL: found by
 * e's id, which the log keeps it by (node_firstof), not by its path. */
static inline const struct logentry *plan_record(const struct plan *p, const struct edge *e)
{
	return statelog_getat(p->o.log, edge_out(e)[0]->path, node_firstof(edge_out(e)[0]));
}
/* Make room for the state of edge id. */
void plan_room(struct plan *p, uint32_t id);
/* e waits for dep: e is among the edges dep's end releases. */
void plan_addrdep(struct plan *p, struct edge *dep, struct edge *e);
/* [serial] on e: the jobs of its inputs that run, one after another in the
 * order they are listed (serial.c). */
void plan_serialise(struct plan *p, struct edge *e);
/* The slot of edge id in an array of strings by edge id, grown (with NULLs) to
 * hold it. */
const char **plan_byid(const char ***v, size_t *n, size_t *cap, uint32_t id);

/* pattern.c: give n an edge from the first pattern rule that can make it, if
 * any, chaining pattern rules for inputs that are missing. */
bool pattern_resolve(struct plan *p, struct node *n);
/* After n was found to have no rule: a note for each pattern rule that
 * matches it, naming the input it lacks. */
void pattern_why(struct plan *p, struct node *n);
/* Where in the header at l (a rule's) a word is, for a caret under it. */
struct loc plan_wordloc(struct loc l, const char *word);

/* task.c: if n's name is a task that takes parameters and its arguments
 * ("deploy prod", as task_instance_name writes it), give n an edge of that
 * task's with those arguments bound, made by the plan for this build; whether
 * it did (a mistake in the arguments is reported, and counts). */
bool task_resolve(struct plan *p, struct node *n);

/* outdated.c: whether e must run for its own sake, judged by what it did last
 * time (its record le, read as far as its header); the reasons go to w when
 * explaining. *stale: whether the record's stat data differ from the files'
 * in ways that counted for nothing. */
bool outdated_record(struct plan *p, struct edge *e, const struct logentry *le, struct buf *w,
		     bool *stale);
/* Whether input i of e, which a job of this build wrote again, has the content
 * e's record holds for it, e comparing contents ([content] or --content). */
bool outdated_samenow(struct plan *p, const struct edge *e, uint32_t i);
/* Append a reason to w, if explaining. */
void outdated_why(const struct plan *p, struct buf *w, const char *fmt, ...) PRINTF(3, 4);

/* prestat.c: stat, several at a time, every file the explicit rules reachable
 * from the goals name. */
void prestat(const struct plan *p, struct node **goals, size_t ngoals);

#endif
