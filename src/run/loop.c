#include "run/loop.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/out.h"
#include "base/util.h"
#include "os/os.h"

struct watch {
	int fd;
	short events;
	loop_fdfn *fn;
	void *ctx;
};

struct timer {
	unsigned id;
	int64_t at;
	loop_fn *fn;
	void *ctx;
};

struct deferred {
	loop_fn *fn;
	void *ctx;
};

struct catch {
	int sig;
	loop_sigfn *fn;
	void *ctx;
	struct sigaction old;
};

struct loop {
	loop_clock *clock;
	void *clockctx;
	struct watch *w;
	size_t nw, capw;
	struct timer *t;
	size_t nt, capt;
	unsigned nextid;
	struct deferred *d; /* a queue: [dhead, nd) are waiting */
	size_t dhead, nd, capd;
	struct catch *c;
	size_t nc, capc;
	struct pollfd *pfd;
	size_t cappfd;
};

/* A handler writes to this pipe, and the loop's poll sees it: the only state a
 * handler can reach is a static one, and it lives as long as a loop does. */
static int wake[2] = {-1, -1};
static volatile sig_atomic_t caught[NSIG];
static volatile sig_atomic_t anycaught;

static void onsignal(int sig)
{
	int saved = errno;

	caught[sig]++;
	anycaught = 1;
	if (write(wake[1], "", 1) < 0) {
		/* full: poll sees it readable anyway */
	}
	errno = saved;
}

static int64_t monotonic(void *ctx)
{
	(void)ctx;
	return os_clock();
}

struct loop *loop_new(void)
{
	struct loop *l = xcalloc(1, sizeof(*l));

	l->clock = monotonic;
	if (wake[0] < 0) {
		if (pipe2(wake, O_CLOEXEC | O_NONBLOCK) < 0)
			fatal("pipe: %s", strerror(errno));
	}
	return l;
}

void loop_free(struct loop *l)
{
	size_t i;

	if (!l)
		return;
	for (i = l->nc; i-- > 0;)
		sigaction(l->c[i].sig, &l->c[i].old, NULL);
	close(wake[0]);
	close(wake[1]);
	wake[0] = wake[1] = -1;
	memset((void *)caught, 0, sizeof(caught));
	anycaught = 0;
	free(l->w);
	free(l->t);
	free(l->d);
	free(l->c);
	free(l->pfd);
	free(l);
}

void loop_set_clock(struct loop *l, loop_clock *clock, void *ctx)
{
	l->clock = clock;
	l->clockctx = ctx;
}

int64_t loop_now(const struct loop *l)
{
	return l->clock(l->clockctx);
}

void loop_watch(struct loop *l, int fd, short events, loop_fdfn *fn, void *ctx)
{
	xgrow((void **)&l->w, &l->capw, l->nw + 1, sizeof(*l->w));
	l->w[l->nw++] = (struct watch){fd, events, fn, ctx};
}

void loop_unwatch(struct loop *l, int fd)
{
	size_t i;

	for (i = 0; i < l->nw; i++) {
		if (l->w[i].fd == fd) {
			/* in place, not swapped: a turn may be walking the list */
			l->w[i].fd = -1;
			return;
		}
	}
}

unsigned loop_timer(struct loop *l, int64_t at, loop_fn *fn, void *ctx)
{
	if (++l->nextid == 0)
		l->nextid = 1;
	xgrow((void **)&l->t, &l->capt, l->nt + 1, sizeof(*l->t));
	l->t[l->nt++] = (struct timer){l->nextid, at, fn, ctx};
	return l->nextid;
}

void loop_cancel(struct loop *l, unsigned id)
{
	size_t i;

	for (i = 0; i < l->nt; i++) {
		if (l->t[i].id == id) {
			l->t[i] = l->t[--l->nt];
			return;
		}
	}
}

void loop_defer(struct loop *l, loop_fn *fn, void *ctx)
{
	if (l->dhead > 0 && l->dhead == l->nd)
		l->dhead = l->nd = 0;
	xgrow((void **)&l->d, &l->capd, l->nd + 1, sizeof(*l->d));
	l->d[l->nd++] = (struct deferred){fn, ctx};
}

void loop_signal(struct loop *l, int sig, loop_sigfn *fn, void *ctx)
{
	struct sigaction sa;
	struct catch *c;

	xgrow((void **)&l->c, &l->capc, l->nc + 1, sizeof(*l->c));
	c = &l->c[l->nc++];
	c->sig = sig;
	c->fn = fn;
	c->ctx = ctx;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = onsignal;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, &c->old);
}

bool loop_ignored(int sig)
{
	return os_ignored_at_start(sig);
}

bool loop_watching(const struct loop *l)
{
	size_t i;

	for (i = 0; i < l->nw; i++) {
		if (l->w[i].fd >= 0)
			return true;
	}
	return false;
}

bool loop_busy(const struct loop *l)
{
	return l->dhead < l->nd || l->nt || loop_watching(l);
}

/* Call the catchers of the signals that came. */
static void signals(struct loop *l)
{
	char sink[256];
	ssize_t n;
	size_t i;

	/* a short read emptied the pipe: no second read to find that out */
	while ((n = read(wake[0], sink, sizeof(sink))) == (ssize_t)sizeof(sink))
		;
	anycaught = 0;
	for (i = 0; i < l->nc; i++) {
		int sig = l->c[i].sig;
		while (caught[sig] > 0) {
			caught[sig]--;
			l->c[i].fn(l->c[i].ctx, sig);
		}
	}
}

void loop_signals(struct loop *l)
{
	if (anycaught)
		signals(l);
}

/* Call the timers that are due. */
static void timers(struct loop *l)
{
	int64_t now = loop_now(l);
	size_t i;

	for (i = 0; i < l->nt;) {
		if (l->t[i].at <= now) {
			struct timer t = l->t[i];
			l->t[i] = l->t[--l->nt];
			t.fn(t.ctx);
			i = 0; /* it may have changed the list */
		} else {
			i++;
		}
	}
}

void loop_turn(struct loop *l)
{
	size_t i, n, nw;
	int timeout = -1;

	/* signals that came since the last wait are this turn's events */
	if (anycaught) {
		signals(l);
		return;
	}
	if (l->dhead < l->nd) {
		struct deferred d = l->d[l->dhead++];
		d.fn(d.ctx);
		return;
	}
	/* the watches, without the ones unwatched since the last turn */
	for (i = n = 0; i < l->nw; i++) {
		if (l->w[i].fd >= 0)
			l->w[n++] = l->w[i];
	}
	l->nw = nw = n;
	xgrow((void **)&l->pfd, &l->cappfd, nw + 1, sizeof(*l->pfd));
	l->pfd[0] = (struct pollfd){wake[0], POLLIN, 0};
	for (i = 0; i < nw; i++)
		l->pfd[i + 1] = (struct pollfd){l->w[i].fd, l->w[i].events, 0};
	if (l->nt) {
		int64_t first = l->t[0].at, wait;
		for (i = 1; i < l->nt; i++) {
			if (l->t[i].at < first)
				first = l->t[i].at;
		}
		wait = (first - loop_now(l) + 999999) / 1000000;
		timeout = wait < 0 ? 0 : wait > 60000 ? 60000 : (int)wait;
	}
	/* whatever was printed is seen while baton waits */
	out_flush();
	if (poll(l->pfd, nw + 1, timeout) < 0) {
		if (errno != EINTR)
			fatal("poll: %s", strerror(errno));
		return;
	}
	if (l->pfd[0].revents)
		signals(l);
	/* watches added during this turn are at nw and beyond: not polled yet */
	for (i = 0; i < nw; i++) {
		if (l->pfd[i + 1].revents && l->w[i].fd == l->pfd[i + 1].fd)
			l->w[i].fn(l->w[i].ctx, l->w[i].fd, l->pfd[i + 1].revents);
	}
	if (l->nt)
		timers(l);
}
