/* Loading: a Taskfile and its includes become variables and a graph. */
#ifndef BATON_TASKFILE_H
#define BATON_TASKFILE_H

#include <stdbool.h>

#include "graph/graph.h"
#include "lang/wordsegments.h"
#include "base/list.h"
#include "lang/vars.h"

struct taskfile {
	struct arena ast;       /* syntax trees and values */
	struct segments hdr;    /* the words of rule headers, freed once in the graph */
	struct vars vars;
	struct graph graph;
	const struct stmt **rules; /* rules and tasks in file order */
	size_t nrules, caprules;
	struct node *first;     /* the default goal, or NULL if there is no rule */
	/* scratch for one rule's words, kept from rule to rule */
	struct arena words;
	struct list outs, ins, order;
	/* while building the graph: the nodes of each variable named alone in a
	 * header, found once (name -> struct varnodes, in varmem), and the
	 * variables of the rule being evaluated whose nodes are not known yet */
	struct htab varnodes;
	struct arena varmem;
	struct htab kept; /* the recipe of rules written alike -> their statement */
	struct stmt *lastkept;        /* the last of those looked up */
	const struct rline *checked;  /* the recipe of a rule last checked, and right */
	struct newvar *newvars;
	size_t nnewvars, capnewvars;
	bool full; /* the files read came to a limit of source.h (reported) */
};

/* Start an empty load; command-line overrides may be added to vars after this. */
void taskfile_init(struct taskfile *l);
/* Read and parse path and what it includes; false after reporting errors. */
bool taskfile_parse(struct taskfile *l, const char *path);
/* Parse a source already registered (tests); includes are read from files. */
bool taskfile_source(struct taskfile *l, uint32_t src);
/* Evaluate the rules into the graph (after any command-line overrides were set). */
bool taskfile_graph(struct taskfile *l);
/* Let go of what only listing the rules needs, once the graph is built: the list
 * of rules (taskfile_task finds nothing after this) and the text of big sources
 * (source_shed_all). */
void taskfile_shed(struct taskfile *l);
/* The task statement called name, or NULL. */
const struct stmt *taskfile_task(const struct taskfile *l, const char *name);
/* Free everything. */
void taskfile_free(struct taskfile *l);

#endif
