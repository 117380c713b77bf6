/* A job's recipe: the script expanded for one edge, and how to run it. */
#ifndef BATON_RECIPE_H
#define BATON_RECIPE_H

#include <stdbool.h>

#include "graph.h"
#include "vars.h"

/* Expand e's recipe into script, with in, out, stem and task parameters bound;
 * false after reporting an error. */
bool recipe_expand(struct vars *vars, const struct edge *e, struct buf *script);
/* The value of e's attribute name as one string (words joined by spaces);
 * NULL if e has no such attribute, or after reporting an error. */
const char *recipe_attr(struct vars *vars, const struct edge *e, const char *name,
			struct arena *a);

#endif
