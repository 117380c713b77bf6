/* A job's recipe and attributes, expanded for one edge: its in, out and stem
 * and its task's parameters bound. */
#ifndef BATON_RECIPE_H
#define BATON_RECIPE_H

#include <stdbool.h>

#include "lang/eval.h"

struct arena;
struct edge;
struct vars;

/* Expanding the recipes of one build: the lists bound to in, out and stem are
 * kept from one edge to the next, so that binding them allocates nothing once
 * they are as long as the longest so far. */
struct recipes {
	struct vars *vars;
	struct list in, out, stem;
	struct scope sin, sout, sstem;
	const struct stmt *plain; /* the last rule found to index no in, out or stem */
};

/* Start expanding with variables vars. */
void recipes_init(struct recipes *r, struct vars *vars);
/* Free what expanding kept. */
void recipes_free(struct recipes *r);
/* Expand e's recipe into script, with in, out, stem and task parameters bound;
 * false after reporting an error. */
bool recipe_expand(struct recipes *r, const struct edge *e, struct buf *script);
/* Check, before anything runs, what e's recipe will need that e may lack: an
 * index of in, out or stem beyond e's ({{out[3]}}); false after reporting. */
bool recipe_check(struct recipes *r, const struct edge *e);
/* The value of e's attribute name as one string (words joined by spaces);
 * NULL if e has no such attribute, or after reporting an error. */
const char *recipe_attr(struct recipes *r, const struct edge *e, const char *name,
			struct arena *a);

#endif
