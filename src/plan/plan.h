/* Planning: from the goals, find every edge needed, resolve pattern rules, check
 * for missing inputs and cycles, and decide which edges must run. */
#ifndef BATON_PLAN_H
#define BATON_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "graph/graph.h"

struct statelog;
struct vars;

/* How the planner sees files: an interface so tests can use a fake. */
struct fs {
	void *ctx;
	/* the file's stat data; mtime MTIME_MISSING if it does not exist */
	void (*stat)(void *ctx, const char *path, struct filestat *st);
	/* a hash of the file's content; false if it cannot be read */
	bool (*hash)(void *ctx, const char *path, uint64_t *h);
};

struct plan_opts {
	const struct fs *fs;
	bool always;           /* -B */
	bool explain;          /* record in each edge why it runs */
	bool content;          /* compare content hashes for every rule */
	struct statelog *log;  /* what the last runs did, or NULL */
	struct vars *vars;     /* to expand recipes and compare them with the log */
	int64_t now;           /* warn about inputs newer than this (0: never) */
	int statjobs;          /* with fs_os: stat the graph's files with this many threads
	                        * at once before walking it (0 or 1: one by one, as needed) */
};

/* The real filesystem. */
extern const struct fs fs_os;

struct plan {
	struct edge **work;  /* edges that must run, inputs before the edges needing them */
	size_t nwork, capwork;
	size_t njobs;        /* those of them with a recipe */
	const char **why;    /* --explain: by edge id, the reasons it runs (or NULL) */
	size_t nwhy, capwhy;
	const char **scripts; /* by edge id, the expanded recipe of a job that runs for
			       * it, when planning had to expand it (or NULL) */
	size_t nscripts, capscripts;
	struct buf scratch;  /* plan_build's buffer for each expanded recipe */
};

/* Plan the build of goals. False after reporting errors (missing inputs, cycles,
 * unknown goals). */
bool plan_build(struct plan *p, struct graph *g, struct node **goals, size_t ngoals,
		const struct plan_opts *o);
/* Whether n exists or a rule (explicit or pattern) makes it. */
bool plan_makeable(struct graph *g, struct node *n, const struct fs *fs);
/* Whether e, whose inputs' jobs are done, must still run: for its own sake, or
 * because a job it depends on changed an output. */
bool plan_stillneeded(const struct edge *e);
/* Whether an edge has a recipe to run. */
bool edge_hasjob(const struct edge *e);
/* Print the edges to run with their pending counts (for tests and --dump=plan). */
void plan_dump(struct buf *b, const struct plan *p);
/* The reasons e runs, one per line, as --explain prints them; NULL if none. */
const char *plan_why(const struct plan *p, const struct edge *e);
/* The expanded recipe of e if planning kept it (it changed), else NULL. */
const char *plan_script(const struct plan *p, const struct edge *e);
/* Free the plan (not the graph). */
void plan_free(struct plan *p);

#endif
