/* What baton says about a build as it runs: each job as it starts ("[i/N]
 * name", with its script when asked, and why it runs), its output in the mode
 * asked for, its failure, a status line kept at the bottom of a terminal, and
 * at the end a summary of what failed. All of it goes to the terminal through
 * the one writer (base/out.h). */
#ifndef BATON_STATUS_H
#define BATON_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/util.h"
#include "run/output.h"

struct edge;
struct loop;
struct plan;
struct sched_result;

/* How the jobs' output is shown (--output). */
enum output_mode {
	OUTPUT_BUFFERED, /* each job's output as one block when it ends */
	OUTPUT_STREAM,   /* live, as it comes */
	OUTPUT_PREFIXED, /* live, each line prefixed with its job's name */
	OUTPUT_ORDERED,  /* blocks in the order the jobs were declared */
};

/* What the status knows of a job while it runs. */
struct jobview {
	const struct edge *e;
	size_t index;       /* its i in "[i/N]" */
	struct output out;  /* all of its output so far */
	struct buf part;    /* --output=prefixed: its line not ended yet */
	int64_t start;      /* when it started, by the loop's clock */
	const char *script; /* its expanded recipe */
	char *copy;         /* --output=ordered, -v, -n: a copy of it, kept for its turn */
	uint64_t shown;     /* how much of out was shown as it came */
	bool quiet;         /* [quiet] or -q: no line of its own */
	bool lined;         /* its line was printed */
	bool console;       /* it has the terminal ([pool: console]) */
	bool explained;     /* why it runs was said (--explain) */
	bool ran;           /* it started (else it failed to) */
};

/* The end of a job, kept to be shown when the console job has ended. */
struct later {
	struct jobview v;
	bool ok, started;
	char *what;
};

/* --output=ordered: a job's line and output, waiting for their turn. */
struct block {
	struct output out;
	char *script; /* -v, -n: its script */
};
#define NOBLOCK ((struct block *)1)

/* A failed job, for the summary at the end. */
struct failure {
	const struct edge *e;
	char *what;    /* "exit status 1" */
	char *script;  /* the command that failed */
	int64_t ms;    /* how long it ran */
	bool ran;      /* it started: its output is kept (baton --log) */
	struct buf tail; /* its last lines */
};

struct status {
	const struct plan *plan;
	struct loop *loop;
	enum output_mode mode;
	bool explain;  /* say why each job runs (--explain) */
	bool scripts;  /* print each job's script under its line (-v, -n) */
	bool quiet;    /* -q: no [i/N] lines, no status line */
	bool live;     /* a status line at the bottom of the terminal */
	bool keep_going;
	bool timed;    /* jobs really run: their durations are shown */
	const char *bold, *reset; /* the escape sequences of names, or "" */
	size_t total;  /* jobs in the plan, for "[i/N]" */
	char of[32];   /* "/N] ", written once */
	size_t oflen;
	size_t before; /* jobs numbered by the builds of the goals named before */
	size_t started, ended;
	struct buf line;
	const struct jobview *last; /* the job whose line was printed last */
	bool midline;          /* the output printed last did not end its line */
	/* the status line */
	struct jobview **running;
	size_t nrunning, caprunning;
	int64_t begin;         /* when the run began */
	int64_t drawn;         /* when the status line was drawn last */
	uint64_t known_ms;     /* the recorded durations of the jobs not ended yet */
	bool estimate;         /* some job has a recorded duration */
	unsigned timer;
	unsigned soon;         /* the timer that draws what came too soon after a draw */
	int held;              /* console jobs running: the others' output waits */
	struct later *later;   /* and the ends they had meanwhile */
	size_t nlater, caplater;
	/* --output=ordered: the jobs in declaration order, and the blocks of
	 * those that ended before their turn, by edge id */
	const struct edge **order;
	size_t norder, next;
	struct block **blocks; /* (NOBLOCK: none to print) */
	uint32_t *place;       /* by edge id: its place in the order, 1 on */
	size_t nblocks;
	struct failure *fails;
	size_t nfails, capfails;
};

/* Start saying things about a build of the plan's jobs, on loop. */
void status_init(struct status *s, const struct plan *p, struct loop *loop,
		 enum output_mode mode);
/* The run begins: the status line, if there is one, is drawn. */
void status_begin(struct status *s);
/* v's job starts with script (v->e, v->quiet and v->console set). */
void status_started(struct status *s, struct jobview *v, const char *script);
/* v's job printed this. */
void status_output(struct status *s, struct jobview *v, const char *p, size_t n);
/* v's job ended: ok (what is NULL), or what happened ("exit status 1"), NULL
 * when baton is stopping; its output is taken. */
void status_ended(struct status *s, struct jobview *v, bool ok, const char *what);
/* e will not run in this build (up to date after all, or an input failed). */
void status_passed(struct status *s, const struct edge *e);
/* e's job failed before it had a script: what happened. */
void status_failed(struct status *s, const struct edge *e, const char *what);
/* The goals are built in parts (baton clean all): before jobs were numbered
 * by the parts before this one, and later jobs are foreseen for the parts
 * after it, which count in N of "[i/N]". */
void status_number_from(struct status *s, size_t before, size_t later);
/* How the build ended: what is held is printed, the failures summed up, and
 * interrupted by signal sig (0 if not), or failed jobs. */
void status_finish(struct status *s, const struct sched_result *r, int sig);
/* status_finish's summary of the failures (summary.c): each failed job with
 * what happened, how long it ran, its command and its last lines; then what
 * was not built. */
void status_summary(struct status *s, const struct sched_result *r);
/* Nothing had to run (quiet: say nothing). */
void status_nothing(bool quiet);
/* Free what it holds. */
void status_free(struct status *s);

#endif
