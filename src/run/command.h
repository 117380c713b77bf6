/* A job's command: how its expanded recipe is run. */
#ifndef BATON_COMMAND_H
#define BATON_COMMAND_H

#include <stdbool.h>
#include <stddef.h>

/* How a script is run: argv for os_spawn, and a temporary script file. */
struct command {
	char *argv[5];    /* for a script run by an interpreter */
	char **words;     /* for a command run directly: argv, NULL-terminated */
	char **args;      /* for a #! script: argv, then its arguments */
	size_t nargs, capargs;
	char *tmp;        /* a script file written for it, to remove afterwards */
	char *tmpdir;     /* the directory made for that file */
	const char *where; /* when that failed, where it was to go: " in '/x' ($TMPDIR)" */
	char *line;       /* storage */
	char **vars;      /* variables for a #! script ("NAME=value", its own) */
	size_t nvars, capvars;
	char **env;       /* the environment made by command_env */
};

struct edge;

/* Decide how to run script, the recipe of e: directly when it is one simple
 * command (no shell syntax, no builtin), else by /bin/sh -e (or its #!
 * interpreter), through a temporary file when it is long or has #!. That
 * file is named after e's first output or task, and its lines have the
 * numbers of the recipe's lines in the Taskfile. A #! script's arguments,
 * after the file, are e's outputs then its inputs (a rule), or the task's
 * arguments. The argv to spawn; NULL with errno set if the temporary file
 * cannot be written. */
char **command_build(const char *script, const struct edge *e, struct command *c);
/* The environment to run the command in, given the one it would have (NULL:
 * baton's): for a #! script, with BATON_IN, BATON_OUT and BATON_STEM (a
 * rule's), or the task's parameters by their names, each the words joined by
 * spaces. */
char *const *command_env(struct command *c, char *const *env);
/* Free what command_build made, removing its temporary file. */
void command_free(struct command *c);

#endif
