/* A job's command: how its expanded recipe is run. */
#ifndef BATON_COMMAND_H
#define BATON_COMMAND_H

#include <stdbool.h>

/* How a script is run: argv for os_spawn, and a temporary script file. */
struct command {
	char *argv[5];    /* for a script run by an interpreter */
	char **words;     /* for a command run directly: argv, NULL-terminated */
	char *tmp;        /* a script file written for it, to remove afterwards */
	char *line;       /* storage */
};

/* Decide how to run script: directly when it is one simple command (no shell
 * syntax, no builtin), else by /bin/sh -e (or its #! interpreter), through a
 * temporary file when it is long. The argv to spawn; NULL with errno set if
 * the temporary file cannot be written. */
char **command_build(const char *script, struct command *c);
/* Free what command_build made, removing its temporary file. */
void command_free(struct command *c);

#endif
