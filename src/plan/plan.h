/* Planning: from the goals, find every edge needed, resolve pattern rules, check
 * for missing inputs and cycles, and decide which edges must run.
 *
 * What one build decides lives here, by edge id, not in the graph: the graph is
 * what the Taskfile says, and a second build in the same process (watch mode)
 * starts from it clean. While a plan lives it lends the graph two overlays,
 * which plan_free takes back: the edges of pattern rules it instantiated (the
 * nodes they make point at them) and the inputs that edges' depfiles named last
 * time. Files' stat data is the graph's view of the file system (struct node),
 * not a decision: graph_forget_files drops it when files may have changed. */
#ifndef BATON_PLAN_H
#define BATON_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/util.h"
#include "graph/graph.h"
#include "plan/recipe.h"

struct fs;
struct statelog;
struct vars;

struct plan_opts {
	const struct fs *fs;
	bool always;           /* -B */
	bool explain;          /* record in each edge why it runs */
	bool content;          /* compare content hashes for every rule */
	struct statelog *log;  /* what the last runs did, or NULL */
	struct vars *vars;     /* to expand recipes and compare them with the log */
	int64_t now;           /* warn about inputs newer than this (0: never) */
	bool dry;              /* a dry run: a job that "ran" wrote nothing to compare */
	int statjobs;          /* with fs_os: stat the graph's files with this many threads
	                        * at once before walking it (0 or 1: one by one, as needed) */
};

enum walk { WALK_NEW, WALK_VISITING, WALK_VISITED };

/* What the build decided about one edge, and where its job stands. */
struct estate {
	union { /* edges waiting for this one: see plan_rdep */
		struct edge *rdep;   /* caprdeps 1: the one */
		struct edge **rdeps; /* else room for caprdeps */
	};
	uint32_t nrdeps, caprdeps;
	uint32_t pending; /* inputs still to be made before it can start */
	/* in milliseconds, at most UINT32_MAX (49 days) */
	uint32_t weight;  /* its job's expected duration (ms + 1), from the log */
	uint32_t prio;    /* weight of the longest path from it to a goal */
	uint32_t after;   /* weight of the longest path of jobs that lead to it */
	uint32_t goal;    /* the first goal (by its place on the command line)
			   * that needs it: goals are made in their order */
	uint8_t walk;     /* enum walk, for the walk from the goals */
	bool dirty : 1;   /* must run, or may have to (see self) */
	bool self : 1;    /* must run for its own sake, whatever its inputs' jobs do */
	bool changed : 1; /* running it changed an output (or, planned, may) */
	bool blocked : 1; /* it will not run: an input's job failed */
	bool lent : 1;    /* it was given its depfile's inputs (adddeps) */
	bool stale : 1;   /* its record's stat data are not the files' now, though
			   * the changes count for nothing (see plan->refresh) */
	bool refresh : 1; /* listed in plan->refresh */
};

/* The pattern search under way: how much of it is left, how long a chain it
 * may make, and the rules in the chain being tried (a rule is not used twice
 * in one chain, as in make). */
enum { MAX_PATTERN_CHAIN = 4, MAX_PATTERN_TRIES = 10000 };
struct search {
	int tries;
	int maxdepth;
	size_t chain[MAX_PATTERN_CHAIN + 1];
	const struct node *capped; /* the last node whose search ran out of tries */
};

struct plan {
	struct graph *g;
	struct plan_opts o;
	struct estate *st;   /* by edge id */
	size_t nst;
	struct edge **work;  /* edges that must run, inputs before the edges needing them */
	size_t nwork, capwork;
	size_t njobs;        /* those of them with a recipe */
	const char **why;    /* --explain: by edge id, the reasons it runs (or NULL) */
	size_t nwhy, capwhy;
	const char **scripts; /* by edge id, the expanded recipe of a job that runs for
			       * it, when planning had to expand it (or NULL) */
	size_t nscripts, capscripts;
	struct recipes rx;   /* expanding recipes, to compare them with the log's */
	struct buf scratch;  /* the buffer for each expanded recipe */
	struct arena a;      /* what the plan made: instances, reasons, scripts, lists */
	/* the overlays: edges of pattern rules made for this build, nodes it
	 * resolved, and edges given their depfile's inputs (with the old ones) */
	struct edge **inst;
	uint32_t *instafter; /* each one's pattern's place among the graph's edges */
	size_t ninst, capinst;
	struct node **resolved;
	size_t nresolved, capresolved;
	struct lent { struct edge *e; struct node **in; uint32_t nimp, nall; } *lent;
	size_t nlent, caplent;
	/* outputs that a job which changed another left as they were, by path */
	struct htab same;
	/* edges that do not run, though their files' stat data are not those their
	 * records hold, as the changes count for nothing (content the same, a
	 * ctime that is not compared, an input left out): their records are to be
	 * written again with the stat data the files have now (record_refresh),
	 * so that the next build need not look again */
	struct edge **refresh;
	size_t nrefresh, caprefresh;
	struct node **depnodes; /* by the number of a path in the log: its node, once looked up */
	uint32_t ndepnodes;
	struct search search;
	uint32_t *seen;      /* plan_inputs: by edge id, the last walk that saw it */
	size_t nseen;
	uint32_t mark;
};

/* Start a plan for graph g. */
void plan_init(struct plan *p, struct graph *g, const struct plan_opts *o);
/* Plan the build of goals. False after reporting errors (missing inputs, cycles,
 * unknown goals). */
bool plan_build(struct plan *p, struct node **goals, size_t ngoals);
/* Whether n exists or a rule (explicit or pattern) makes it. */
bool plan_makeable(struct plan *p, struct node *n);
/* The build's state of e. */
static inline struct estate *plan_st(const struct plan *p, const struct edge *e)
{
	return &p->st[e->id];
}
/* The ith of the edges waiting for e. */
struct edge *plan_rdep(const struct plan *p, const struct edge *e, uint32_t i);
/* Whether e, whose inputs' jobs are done, must still run: for its own sake, or
 * because a job it depends on changed one of its inputs. */
bool plan_stillneeded(struct plan *p, const struct edge *e);
/* Where e was declared, as a key that sorts edges in the order of the Taskfile:
 * a rule's place in it, and for the edges of one pattern rule, the order in
 * which their targets were named. */
uint64_t plan_order(const struct plan *p, const struct edge *e);
/* Call fn for each edge that must run and that from needs, directly or
 * through others, once each, until fn returns false. */
void plan_inputs(struct plan *p, const struct edge *from,
		 bool (*fn)(void *ctx, const struct edge *e), void *ctx);
/* The job that makes n ended and changed another of its outputs, but left n as
 * it was: what needs n need not run for n's sake (restat, per output). */
void plan_unchanged(struct plan *p, const struct node *n);
/* The jobs that run (p->njobs of them) into v, in the order they are
 * declared, but each after the jobs it needs; how many. */
size_t plan_in_order(const struct plan *p, const struct edge **v);
/* Whether an edge has a recipe to run. */
bool edge_hasjob(const struct edge *e);
/* Print the edges to run with their pending counts (for tests and --dump=plan). */
void plan_dump(struct buf *b, const struct plan *p);
/* The reasons e runs, one per line, as --explain prints them; NULL if none. */
const char *plan_why(const struct plan *p, const struct edge *e);
/* The expanded recipe of e if planning kept it (it changed), else NULL. */
const char *plan_script(const struct plan *p, const struct edge *e);
/* Take back what the plan lent the graph, and free the plan. */
void plan_free(struct plan *p);

#endif
