/* Tasks' parameters: binding the words given on the command line, and defaults. */
#ifndef BATON_TASK_H
#define BATON_TASK_H

#include <stdbool.h>
#include <stddef.h>

struct arena;
struct edge;
struct stmt;
struct vars;

/* Arguments for a task: positional words and NAME=value words, in order. */
struct taskargs {
	char **words;
	size_t n;
};

/* Whether a command-line word is a variable assignment (NAME=value, NAME+=value). */
bool task_isassign(const char *word);
/* Whether word is NAME=value with NAME one of the task's parameters. */
bool task_named(const struct stmt *task, const char *word);
/* How many of the words that follow a task on the command line are its arguments. */
size_t task_argc(const struct stmt *task, char **words, size_t n);
/* Give e (a task's edge) its parameters' values from args, defaults for the rest;
 * false after reporting a missing or surplus argument. */
bool task_bind(struct vars *vars, struct arena *a, struct edge *e, const struct taskargs *args);

/* The name of task t's instance with arguments args (words and NAME=value
 * words of its parameters; other NAME=value words are left out): its name and
 * the arguments, each quoted as the shell would need, into b. */
void task_instance_name(struct buf *b, const char *task, const struct stmt *t,
			const struct taskargs *args);

#endif
