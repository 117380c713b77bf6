/* How a job is executed, behind one interface: local processes (run/local.c),
 * a dry run that runs nothing (run/dry.c), and a fake in the unit tests. An
 * executor starts what it is given, waits on it through the build's loop (its
 * file descriptors, deadlines and signals are the loop's), and reports what
 * happens through events: output, and the end. */
#ifndef BATON_EXEC_H
#define BATON_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;
struct exec_job; /* an executor's own record of a job it started */

/* What to run, all of it explicit. */
struct exec_spec {
	char *const *argv; /* argv[0] is searched in PATH if it has no '/' */
	char *const *env;  /* the environment; NULL: baton's own */
	const char *dir;   /* the working directory; NULL: baton's own */
	bool console;      /* it has the terminal: baton's stdin, stdout and stderr */
	const int *keep;   /* descriptors above 2 it inherits, ascending (a jobserver's) */
	size_t nkeep;
};

/* What an executor tells of the jobs it runs; job is the caller's handle. */
struct exec_events {
	void *ctx;
	/* n bytes of the job's output (stdout and stderr, as they came) */
	void (*output)(void *ctx, void *job, const char *p, size_t n);
	/* the job ended, after its last output: status as from waitpid, its
	 * peak memory (KiB, 0 if not known), and why the executor stopped it,
	 * if it did (else NULL) */
	void (*ended)(void *ctx, void *job, int status, uint64_t rss_kb, const char *why);
};

struct executor;

struct exec_ops {
	/* Start spec for job: 0 and *h, or an errno. With *step NULL it is
	 * running the program that failed (ENOENT: not found); else *step says
	 * what did ("cannot create a pipe"), and EMFILE or ENFILE there mean
	 * that it can once a job has ended. */
	int (*start)(struct executor *x, void *job, const struct exec_spec *spec,
		     struct exec_job **h, const char **step);
	/* Send sig to the job's processes: SIGINT, SIGTERM, SIGKILL to stop it,
	 * SIGSTOP and SIGCONT to pause and resume it. */
	void (*signal)(struct executor *x, struct exec_job *h, int sig);
	/* How many more jobs it could start now (SIZE_MAX: no limit of its own). */
	size_t (*room)(const struct executor *x);
	/* Free the executor; no job of it runs any more. */
	void (*free)(struct executor *x);
};

struct executor {
	const struct exec_ops *ops;
	struct loop *loop;
	struct exec_events ev;
	/* runs nothing: its jobs make no directories, no command, no record */
	bool simulated;
};

/* The executor of local processes: each job in a process group of its own,
 * stdin from /dev/null, stdout and stderr into one pipe. */
struct executor *exec_local(struct loop *l, const struct exec_events *ev);
/* The executor of a dry run: each job ends at once, in the order started,
 * having done nothing. */
struct executor *exec_dry(struct loop *l, const struct exec_events *ev);

#endif
