/* The command line: its options, and what one invocation of baton does. */
#ifndef BATON_CLI_H
#define BATON_CLI_H

#include <stdbool.h>

enum { EXIT_FAILED = 1, EXIT_USAGE = 2 };

struct jobserver;

struct options {
	long jobs;
	bool keep_going, dry_run, always, verbose, list, explain, content, stats, quiet;
	int output;     /* enum output_mode + 1, or 0 for the default */
	int colour;     /* enum out_colour */
	const char *dir, *file, *dump;
	const char *log; /* --log TARGET */
	const char *dotenv; /* --dotenv: the file, or NULL */
	/* the jobserver of MAKEFLAGS (NULL: none), and whether it named one that
	 * cannot be reached (then -j1); the forms of baton's own (enum
	 * jobserver_style, or -1: none) */
	struct jobserver *jobserver;
	bool jobserver_unusable;
	int jobserver_style;
};

struct taskfile;

/* Read the options in argv up to the first word that is not one (argv[0] is
 * not read); the index of that word. late: they come after a target, where
 * those that decide which Taskfile is read are a mistake. Exits after
 * reporting a mistake, or for --help and --version. */
int cli_options(int argc, char **argv, struct options *o, bool late);

/* Load the Taskfile named path (found by main) and build the goals named in
 * ops (targets, tasks with their arguments, NAME=value overrides); the exit
 * status. */
int build_main(struct options *o, const char *path, int nops, char **ops);

/* show.c: print the tasks and documented rules (--list). */
void show_list(const struct taskfile *l);
/* Print the tokens of the Taskfile at path (--dump=tokens); the exit status. */
int show_tokens(const char *path);
/* Print the syntax tree of the rules (--dump=ast). */
void show_ast(const struct taskfile *l);

#endif
