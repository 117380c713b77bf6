/* GNU make's jobserver, both ways. A jobserver is a pipe (or a named pipe, a
 * fifo) holding one byte, a token, for each job that may run beside the
 * first: a process that wants to run another job reads a token, and writes it
 * back when that job ends; the first job of each process needs none (it has
 * the slot its parent gave it, the "implicit" token).
 *
 * baton takes part as a client when MAKEFLAGS names one (make 4.4's
 * --jobserver-auth=fifo:PATH, or the R,W file descriptors of older makes), and
 * otherwise offers one of its own to its jobs, with -j slots: it puts -j - 1
 * tokens in, and its own jobs take tokens from the same pool, as make does, so
 * that baton's jobs and all that they run share -j slots. Either way the
 * tokens are taken through a struct limit on the build's capacity. */
#ifndef BATON_JOBSERVER_H
#define BATON_JOBSERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "base/util.h"

struct capacity;
struct jobserver;
struct limit;
struct loop;

/* What MAKEFLAGS says of a jobserver: the last --jobserver-auth= (or the older
 * --jobserver-fds=) wins, as in make. */
struct jobserver_auth {
	bool named;         /* it names one (a usable form or not) */
	int rfd, wfd;       /* the R,W form, if the last is one; else -1 */
	const char *fifo;   /* the fifo form, if the last is one: its path (in
			     * the string parsed, fifolen bytes); else NULL */
	size_t fifolen;
	bool fds_too;       /* an R,W form appears, if not last (its fds: pipe_r, pipe_w) */
	int pipe_r, pipe_w;
};

/* Which forms baton's own jobserver names in its jobs' MAKEFLAGS. */
enum jobserver_style {
	JOBSERVER_BOTH, /* the fifo form, then the R,W form (the one older makes read) */
	JOBSERVER_FIFO, /* the fifo form alone (ninja 1.13 reads only this one) */
	JOBSERVER_PIPE, /* the R,W form alone */
};

/* Read a MAKEFLAGS value; whether it names a jobserver. */
bool jobserver_parse(const char *makeflags, struct jobserver_auth *a);
/* Append makeflags to b without the words that name a jobserver or set -j. */
void jobserver_strip(const char *makeflags, struct buf *b);
/* Join the jobserver that the MAKEFLAGS of baton's environment names: NULL if
 * it names none, or one that cannot be reached (*unusable is set, after a
 * warning: baton then runs one job at a time, as make does). Call before any
 * file is opened: a descriptor the parent closed would be taken by it. Takes
 * the jobserver out of baton's own MAKEFLAGS (a shell() command does not get
 * its descriptors): the jobs get it back through jobserver_env. */
struct jobserver *jobserver_join(bool *unusable);
/* A jobserver of baton's own with n slots (n - 1 tokens), naming the forms of
 * style; NULL after a warning if it cannot be made. */
struct jobserver *jobserver_serve(size_t n, enum jobserver_style style);
/* The limit of a build's capacity c that takes a token for each job beyond
 * the first, waiting for one on loop l. Its free gives back what it holds. */
struct limit jobserver_limit(struct jobserver *js, struct loop *l, struct capacity *c);
/* What a job gets: the value of MAKEFLAGS (into b), and the file descriptors
 * it must inherit (ascending; *nkeep of them, none for the fifo form alone). */
void jobserver_env(const struct jobserver *js, struct buf *makeflags, const int **keep,
		   size_t *nkeep);
/* Give back any token held, close it, and remove a server's fifo. */
void jobserver_free(struct jobserver *js);

#endif
