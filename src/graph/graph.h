/* The build graph: nodes are files (or tasks), edges are the rules that make them. */
#ifndef BATON_GRAPH_H
#define BATON_GRAPH_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "lang/source.h"
#include "base/htab.h"
#include "base/list.h"
#include "os/os.h"

struct edge;
struct pool;
struct scope;
struct stmt;

enum {
	NODE_TASK = 1 << 0,    /* a task's name, not a file */
	/* what is known of the file: the graph's view of the file system */
	NODE_STATED = 1 << 1,  /* st is known */
	NODE_WARNED = 1 << 3,   /* its future mtime was reported */
	NODE_QUEUED = 1 << 4,   /* listed to be stated (plan_build, briefly) */
	/* lent by the plan (struct plan): taken back by plan_free */
	NODE_RESOLVED = 1 << 2, /* pattern rules were tried for it */
	/* a plan's own node, in no graph: a file a depfile named, standing in
	 * for the graph's node of that path, which a rule makes that must not
	 * count (see plan.c, adddeps and dropdep) */
	NODE_STANDIN = 1 << 5,
	NODE_DROPPED = 1 << 6, /* a stand-in whose file is not compared either */
};

struct node {
	/* path and len first: they are the node's key in the graph's hset */
	const char *path; /* canonical, NUL-terminated */
	uint32_t len;
	uint32_t flags;
	struct edge *gen; /* the edge that makes it (the plan's, for a pattern's), or NULL */
	struct filestat st; /* valid with NODE_STATED */
};

struct edge {
	/* the rule or task: its recipe, attributes and kind, which rules written
	 * alike share, and where this one is (see struct stmt for shift) */
	const struct stmt *rule;
	struct loc loc;
	uint32_t shift;
	/* the outputs follow the edge in its allocation (edge_out), then the
	 * inputs: in[0..nin) inputs, in[nin..nimp) inputs found in the depfile
	 * last time (lent by the plan), in[nimp..nall) order-only inputs */
	struct node **in;
	uint32_t nout, nin, nimp, nall;
	union { /* by the rule's kind */
		const char *stem;          /* rules: the stem of a pattern's; else NULL */
		const struct scope *args;  /* tasks: the parameters' values */
	};
	uint32_t id; /* order of creation; what a build decided is by id (struct plan) */
};

/* A pattern rule with its words evaluated ('%' still in them). */
struct pattern {
	const struct stmt *rule;
	struct list outs, ins, order;
	uint32_t after; /* the edges made before it was declared: its place among them */
};

struct graph {
	struct arena a;
	struct hset nodes; /* struct node by path */
	struct edge **edges;
	size_t nedges, capedges;
	struct pattern *pats;
	size_t npats, cappats;
	size_t nparamtasks; /* tasks with parameters: "deploy prod" may name one */
	/* the pools (graph/pool.h): console first, and a rule's, by its statement */
	struct pool *pools;
	size_t npools, cappools;
	struct htab rulepools;
	/* if set, each new node is handed to it to be stated (graph_stat_early) */
	struct os_statq *statq;
	/* it stopped, and what it stated holds: see graph_stated_early */
	bool early;
};

/* Free everything the graph holds. */
void graph_free(struct graph *g);
/* Have each node made from now on stated by a worker thread, while the graph is
 * built on this one: plan_build takes what it found. */
void graph_stat_early(struct graph *g);
/* Stop that worker, before anything else states a node or runs. */
void graph_stat_stop(struct graph *g);
/* Whether the worker stated n, and what it found holds (n->st): a node it did
 * not get to has st all zero, which no file has (its inode number is not 0). */
static inline bool graph_stated_early(const struct graph *g, const struct node *n)
{
	return g->early && (n->st.mtime != 0 || n->st.ino != 0);
}
/* The node for a path, created if new; the path is canonicalised first. */
struct node *graph_node(struct graph *g, const char *path, size_t len);
/* Bring where the node for path is looked up into the cache: a lookup misses
 * it, for a big graph, and a few made ready ahead overlap their waits. */
void graph_prefetch(const struct graph *g, const char *path, size_t len);
/* The node for an already canonical path, or NULL. */
struct node *graph_find(struct graph *g, const char *path);
/* A new edge for rule, with room for the given numbers of outputs and inputs. */
struct edge *graph_edge(struct graph *g, const struct stmt *rule, uint32_t nout, uint32_t nin,
			uint32_t norder);
/* The same, made in arena a with id id and not listed in the graph: an edge of
 * a pattern rule that a plan made for its build. */
struct edge *graph_edge_in(struct arena *a, uint32_t id, const struct stmt *rule, uint32_t nout,
			   uint32_t nin, uint32_t norder);
/* Forget what is known of every file (its stat data), as if nothing had been
 * stated: before a build, when files may have changed since the last one. */
void graph_forget_files(struct graph *g);
/* The outputs of e, nout of them. */
static inline struct node **edge_out(const struct edge *e)
{
	return (struct node **)(uintptr_t)(e + 1);
}
/* The id of the edge whose first output n is, or UINT32_MAX: the state log
 * keeps that edge's record by it (statelog_intern). */
static inline uint32_t node_firstof(const struct node *n)
{
	return n->gen && edge_out(n->gen)[0] == n ? n->gen->id : UINT32_MAX;
}
/* The name a job is shown by: its first output, or the task's name. */
const char *edge_name(const struct edge *e);
/* Print every edge, in creation order ("out1 out2: in1 in2 | order"). */
void graph_dump(struct buf *b, const struct graph *g);

#endif
