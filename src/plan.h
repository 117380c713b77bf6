/* Planning: from the goals, find every edge needed, resolve pattern rules, check
 * for missing inputs and cycles, and decide which edges must run. */
#ifndef BATON_PLAN_H
#define BATON_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "graph.h"

/* How the planner sees files: an interface so tests can use a fake. */
struct fs {
	void *ctx;
	/* mtime in ns, or MTIME_MISSING */
	int64_t (*mtime)(void *ctx, const char *path);
};

/* The real filesystem. */
extern const struct fs fs_os;

struct plan {
	struct edge **work;  /* edges that must run, inputs before the edges needing them */
	size_t nwork, capwork;
	size_t njobs;        /* those of them with a recipe */
};

/* Plan the build of goals; always: treat everything as out of date. False after
 * reporting errors (missing inputs, cycles, unknown goals). */
bool plan_build(struct plan *p, struct graph *g, struct node **goals, size_t ngoals,
		const struct fs *fs, bool always);
/* Whether n exists or a rule (explicit or pattern) makes it. */
bool plan_makeable(struct graph *g, struct node *n, const struct fs *fs);
/* Whether an edge has a recipe to run. */
bool edge_hasjob(const struct edge *e);
/* Print the edges to run with their pending counts (for tests and --dump=plan). */
void plan_dump(struct buf *b, const struct plan *p);
/* Free the plan (not the graph). */
void plan_free(struct plan *p);

#endif
