/* .env files: lines of NAME=value that baton puts into its environment, and so
 * into every job's and env()'s, where the environment does not have that name
 * already (a variable set outside baton always wins). The syntax is the common
 * one: "# comments", blank lines, an optional "export " before the name, and a
 * value that is bare (trimmed, a " #" starts a comment), in single quotes (as
 * it is) or in double quotes (\n, \t, \", \\ and \$ are escapes, and it may
 * span lines). */
#ifndef BATON_DOTENV_H
#define BATON_DOTENV_H

#include <stdbool.h>

#include "lang/source.h"

/* Load the .env file at path. A missing file is an error if must (reported at
 * from, or without a place if from.src is 0), else nothing; false after
 * reporting a mistake (file:line:col). */
bool dotenv_load(const char *path, bool must, struct loc from);

#endif
