/* A job's recipe: the script expanded for one edge, and how to run it. */
#ifndef BATON_RECIPE_H
#define BATON_RECIPE_H

#include <stdbool.h>

#include "graph/graph.h"
#include "lang/vars.h"

/* Expand e's recipe into script, with in, out, stem and task parameters bound;
 * false after reporting an error. */
bool recipe_expand(struct vars *vars, const struct edge *e, struct buf *script);
/* The value of e's attribute name as one string (words joined by spaces);
 * NULL if e has no such attribute, or after reporting an error. */
const char *recipe_attr(struct vars *vars, const struct edge *e, const char *name,
			struct arena *a);

/* Free what expanding recipes kept for the next one. */
void recipe_free(void);

/* How a script is run: argv for os_spawn, and a temporary script file. */
struct command {
	char *argv[5];    /* for a script run by an interpreter */
	char **words;     /* for a command run directly: argv, NULL-terminated */
	char *tmp;        /* a script file written for it, to remove afterwards */
	char *line;       /* storage */
};

/* Decide how to run script: directly when it is one simple command (no shell
 * syntax, no builtin), else by /bin/sh -e (or its #! interpreter), through a
 * temporary file when it is long. The argv to spawn; NULL after reporting. */
char **recipe_command(const struct edge *e, const char *script, struct command *c);
/* Free what recipe_command made, removing its temporary file. */
void command_free(struct command *c);

#endif
