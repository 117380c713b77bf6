/* The event loop of a build. Everything that can happen while jobs run reaches
 * the scheduler through it: a file descriptor ready (a job's output, later a
 * jobserver's token or a file watcher's news), a deadline (a status line's
 * tick), a signal (written to a pipe by the handler, handled here), or a call
 * deferred to the next turn (a dry run's jobs ending). One turn handles one
 * deferred call, or else everything that one wait found ready. */
#ifndef BATON_LOOP_H
#define BATON_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct loop;

typedef void loop_fn(void *ctx);
typedef void loop_fdfn(void *ctx, int fd, short revents);
typedef void loop_sigfn(void *ctx, int sig);
typedef int64_t loop_clock(void *ctx);

/* A new loop, with the monotonic clock. */
struct loop *loop_new(void);
/* Free the loop; the signals it caught get their old actions back. */
void loop_free(struct loop *l);
/* Use clock(ctx) as the loop's clock (ns): a fake one in tests. */
void loop_set_clock(struct loop *l, loop_clock *clock, void *ctx);
/* The time now, by the loop's clock, in nanoseconds. */
int64_t loop_now(const struct loop *l);
/* Call fn when fd has any of events (poll's POLLIN, POLLOUT), until unwatched. */
void loop_watch(struct loop *l, int fd, short events, loop_fdfn *fn, void *ctx);
/* Stop watching fd (before closing it). */
void loop_unwatch(struct loop *l, int fd);
/* Call fn once, at time at or after; a number for loop_cancel (never 0). */
unsigned loop_timer(struct loop *l, int64_t at, loop_fn *fn, void *ctx);
/* Forget a timer that has not fired. */
void loop_cancel(struct loop *l, unsigned id);
/* Call fn on a coming turn, in the order deferred, before waiting for anything. */
void loop_defer(struct loop *l, loop_fn *fn, void *ctx);
/* Catch sig while the loop lives, and call fn for it from a turn of the loop. */
void loop_signal(struct loop *l, int sig, loop_sigfn *fn, void *ctx);
/* Whether sig was ignored when baton started: such a signal is meant to stay
 * ignored (nohup, a shell's background job), and is not to be caught. */
bool loop_ignored(int sig);
/* Call the catchers of the signals that came since the last turn, now,
 * without waiting for anything. */
void loop_signals(struct loop *l);
/* Whether any file descriptor is watched. */
bool loop_watching(const struct loop *l);
/* Whether a turn would have anything to wait for or to do. */
bool loop_busy(const struct loop *l);
/* One turn. */
void loop_turn(struct loop *l);

#endif
