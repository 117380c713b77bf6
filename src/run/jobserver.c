#include "run/jobserver.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run/capacity.h"
#include "run/loop.h"

struct jobserver {
	int rfd;        /* where baton reads tokens: its own, non-blocking */
	int wfd;        /* where it writes them back */
	/* what its jobs get: MAKEFLAGS, and the descriptors it names */
	struct buf makeflags;
	int keep[2];
	size_t nkeep;
	char *fifo;     /* a server's fifo, removed at the end; else NULL */
	int child_r;    /* a server's read end for its jobs (blocking), or -1 */
	/* while it is a build's limit */
	struct loop *loop;
	struct capacity *cap;
	bool implicit;  /* the first job's slot is taken */
	bool watching;  /* rfd is watched for a token */
	bool broken;    /* reading or writing failed: reported once */
	char *held;     /* the tokens read, one for each job beyond the first */
	size_t nheld, capheld;
};

/* The words of MAKEFLAGS are separated by blanks; its variables come after a
 * word "--". */
static const char *nextword(const char *p, size_t *len)
{
	const char *s;

	while (*p == ' ' || *p == '\t')
		p++;
	for (s = p; *s && *s != ' ' && *s != '\t'; s++)
		;
	*len = (size_t)(s - p);
	return p;
}

static bool prefixed(const char *w, size_t len, const char *prefix, const char **val)
{
	size_t n = strlen(prefix);

	if (len < n || memcmp(w, prefix, n))
		return false;
	*val = w + n;
	return true;
}

/* "R,W": both numbers; false if it is not that form. */
static bool fdpair(const char *v, size_t len, int *r, int *w)
{
	char tmp[64], *end;
	long a, b;

	if (len == 0 || len >= sizeof(tmp))
		return false;
	memcpy(tmp, v, len);
	tmp[len] = '\0';
	errno = 0;
	a = strtol(tmp, &end, 10);
	if (end == tmp || *end != ',' || errno)
		return false;
	b = strtol(end + 1, &end, 10);
	if (*end || errno || a < INT_MIN || a > INT_MAX || b < INT_MIN || b > INT_MAX)
		return false;
	*r = (int)a;
	*w = (int)b;
	return true;
}

bool jobserver_parse(const char *makeflags, struct jobserver_auth *a)
{
	const char *p = makeflags ? makeflags : "", *w, *v;
	size_t len;
	int r, wr;

	*a = (struct jobserver_auth){.rfd = -1, .wfd = -1, .pipe_r = -1, .pipe_w = -1};
	for (; (w = nextword(p, &len)), len; p = w + len) {
		if (len == 2 && !memcmp(w, "--", 2))
			break;
		if (!prefixed(w, len, "--jobserver-auth=", &v) &&
		    !prefixed(w, len, "--jobserver-fds=", &v))
			continue;
		len -= (size_t)(v - w);
		a->named = true;
		a->rfd = a->wfd = -1;
		a->fifo = NULL;
		a->fifolen = 0;
		if (len > 5 && !memcmp(v, "fifo:", 5)) {
			a->fifo = v + 5;
			a->fifolen = len - 5;
		} else if (fdpair(v, len, &r, &wr) && r >= 0 && wr >= 0) {
			a->rfd = a->pipe_r = r;
			a->wfd = a->pipe_w = wr;
			a->fds_too = true;
		}
		/* else a negative pair (none) or a Windows semaphore: nothing usable */
	}
	return a->named;
}

void jobserver_strip(const char *makeflags, struct buf *b)
{
	const char *p = makeflags ? makeflags : "", *w, *v;
	size_t len, start = b->len;
	bool vars = false;

	for (; (w = nextword(p, &len)), len; p = w + len) {
		if (len == 2 && !memcmp(w, "--", 2))
			vars = true;
		if (!vars && (prefixed(w, len, "--jobserver-auth=", &v) ||
			      prefixed(w, len, "--jobserver-fds=", &v) ||
			      (len >= 2 && w[0] == '-' && w[1] == 'j' &&
			       strspn(w + 2, "0123456789") == len - 2)))
			continue;
		/* the first word of flag letters keeps its place: a space before
		 * the others, as make writes them */
		if (b->len > start || w != makeflags)
			buf_putc(b, ' ');
		buf_add(b, w, len);
	}
	if (!b->s)
		buf_add(b, "", 0);
}

/* A descriptor of the same pipe as fd, of its own (so that making it
 * non-blocking does not change the parent's), or -1. */
static int ownfd(int fd)
{
	char path[64];
	int own;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	own = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (own >= 0)
		return own;
	/* no /proc: share it, as make itself does */
	own = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (own >= 0)
		fcntl(own, F_SETFL, fcntl(own, F_GETFL) | O_NONBLOCK);
	return own;
}

static bool isfifo(int fd)
{
	struct stat st;

	return fcntl(fd, F_GETFD) >= 0 && fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
}

static struct jobserver *newjs(void)
{
	struct jobserver *js = xcalloc(1, sizeof(*js));

	js->rfd = js->wfd = js->child_r = -1;
	return js;
}

/* Set baton's own MAKEFLAGS to what it says less the jobserver. */
static void forget(const char *mf)
{
	struct buf b = {0};

	jobserver_strip(mf, &b);
	if (strspn(b.s, " ") == b.len)
		unsetenv("MAKEFLAGS");
	else
		setenv("MAKEFLAGS", b.s, 1);
	buf_free(&b);
}

struct jobserver *jobserver_join(bool *unusable)
{
	const char *mf = getenv("MAKEFLAGS");
	struct jobserver_auth a;
	struct jobserver *js;
	char *path;

	*unusable = false;
	if (!mf || !jobserver_parse(mf, &a))
		return NULL;
	js = newjs();
	/* the jobs get MAKEFLAGS as it is, and the descriptors it names */
	buf_puts(&js->makeflags, mf);
	if (a.fds_too && isfifo(a.pipe_r) && isfifo(a.pipe_w)) {
		js->keep[0] = a.pipe_r < a.pipe_w ? a.pipe_r : a.pipe_w;
		js->keep[1] = a.pipe_r < a.pipe_w ? a.pipe_w : a.pipe_r;
		js->nkeep = a.pipe_r == a.pipe_w ? 1 : 2;
		fcntl(a.pipe_r, F_SETFD, FD_CLOEXEC);
		fcntl(a.pipe_w, F_SETFD, FD_CLOEXEC);
	}
	if (a.fifo) {
		path = xmalloc(a.fifolen + 1);
		memcpy(path, a.fifo, a.fifolen);
		path[a.fifolen] = '\0';
		js->rfd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (js->rfd >= 0)
			js->wfd = open(path, O_WRONLY | O_CLOEXEC);
		if (js->wfd < 0 || !isfifo(js->rfd))
			warn("jobserver unavailable: cannot open its fifo '%s': %s; running one "
			     "job at a time",
			     path, strerror(errno ? errno : EINVAL));
		free(path);
	} else if (a.rfd >= 0 && js->nkeep) {
		js->rfd = ownfd(a.rfd);
		js->wfd = fcntl(a.wfd, F_DUPFD_CLOEXEC, 3);
	} else if (a.rfd >= 0) {
		warn("jobserver unavailable: its file descriptors %d,%d are not open (a make "
		     "rule that runs baton needs a '+' in front, or $(MAKE)); running one job at "
		     "a time",
		     a.rfd, a.wfd);
	} else {
		warn("jobserver unavailable: MAKEFLAGS names none that baton can use; running "
		     "one job at a time");
	}
	forget(mf);
	if (js->rfd < 0 || js->wfd < 0) {
		*unusable = true;
		jobserver_free(js);
		return NULL;
	}
	return js;
}

/* A server's fifo is a file: it must go even if baton is stopped by a signal
 * before the build's loop catches the signals (in sched_run). Until the fifo
 * is removed, a signal that would end baton removes it first. */
static const int stops[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
static struct sigaction before[sizeof(stops) / sizeof(stops[0])];
static char fifopath[PATH_MAX];
static pid_t fifoowner;

/* exit() on a fatal error, or when memory runs out, goes past
 * jobserver_free: the fifo goes then too (not in a child that exits) */
static void onexit(void)
{
	if (fifopath[0] && getpid() == fifoowner)
		unlink(fifopath);
}

static void onstop(int sig)
{
	size_t i;

	unlink(fifopath);
	/* then what the signal did before: baton's own stop at load time
	 * (os_stop_on_signals: a message and 128 + sig), or its default */
	for (i = 0; i < LEN(stops) && stops[i] != sig; i++)
		;
	if (i < LEN(stops) && before[i].sa_handler != SIG_DFL &&
	    before[i].sa_handler != SIG_IGN && !(before[i].sa_flags & SA_SIGINFO)) {
		before[i].sa_handler(sig);
		return;
	}
	signal(sig, SIG_DFL);
	raise(sig); /* delivered as the handler returns */
}

static void guard(const char *path)
{
	static bool registered;
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = onstop;
	sigfillset(&sa.sa_mask);
	if (!registered)
		registered = atexit(onexit) == 0;
	fifoowner = getpid();
	snprintf(fifopath, sizeof(fifopath), "%s", path);
	for (i = 0; i < LEN(stops); i++) {
		sigaction(stops[i], NULL, &before[i]);
		if (before[i].sa_handler != SIG_IGN) /* an ignored one stays ignored */
			sigaction(stops[i], &sa, NULL);
	}
}

static void unguard(void)
{
	struct sigaction now;
	size_t i;

	for (i = 0; i < LEN(stops); i++) {
		if (sigaction(stops[i], NULL, &now) == 0 && now.sa_handler == onstop)
			sigaction(stops[i], &before[i], NULL);
	}
	fifopath[0] = '\0';
}

/* Up to this many tokens go in the pipe: more than any machine runs jobs. */
enum { MAX_TOKENS = 4096 };

/* The pipe, or a fifo, that a server keeps its tokens in: false if it cannot. */
static bool makepool(struct jobserver *js, enum jobserver_style style)
{
	const char *tmp = getenv("TMPDIR");
	struct buf path = {0};
	int fds[2], i;

	if (!tmp || !*tmp)
		tmp = "/tmp";
	for (i = 0; style != JOBSERVER_PIPE && i < 100; i++) {
		path.len = 0;
		buf_printf(&path, "%s/baton-jobs-%ld-%d", tmp, (long)getpid(), i);
		if (path.len >= sizeof(fifopath)) {
			i = 100;
			break;
		}
		guard(path.s);
		if (mkfifo(path.s, 0600) == 0)
			break;
		unguard();
		if (errno != EEXIST) {
			i = 100;
			break;
		}
	}
	if (style != JOBSERVER_PIPE && i < 100) {
		js->fifo = path.s;
		js->rfd = open(js->fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		js->wfd = open(js->fifo, O_WRONLY | O_CLOEXEC);
		js->child_r = open(js->fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (js->child_r >= 0)
			fcntl(js->child_r, F_SETFL, fcntl(js->child_r, F_GETFL) & ~O_NONBLOCK);
		return js->rfd >= 0 && js->wfd >= 0 && js->child_r >= 0;
	}
	buf_free(&path);
	if (style == JOBSERVER_FIFO)
		return false;
	/* a pipe alone: the R,W form */
	if (pipe2(fds, O_CLOEXEC) < 0)
		return false;
	js->child_r = fds[0];
	js->wfd = fds[1];
	js->rfd = ownfd(fds[0]);
	return js->rfd >= 0;
}

struct jobserver *jobserver_serve(size_t n, enum jobserver_style style)
{
	struct jobserver *js = newjs();
	const char *mf = getenv("MAKEFLAGS");
	size_t i, tokens = n - 1 < MAX_TOKENS ? n - 1 : MAX_TOKENS;
	struct buf stripped = {0};
	const char *vars;
	bool fifo, pipe;

	if (!makepool(js, style)) {
		/* out of descriptors: the jobs will say so */
		if (errno != EMFILE && errno != ENFILE)
			warn("cannot make a jobserver for the jobs: %s", strerror(errno));
		jobserver_free(js);
		return NULL;
	}
	for (i = 0; i < tokens; i++) {
		if (write(js->wfd, "+", 1) != 1) {
			warn("cannot fill the jobserver: %s", strerror(errno));
			jobserver_free(js);
			return NULL;
		}
	}
	fifo = js->fifo && style != JOBSERVER_PIPE;
	pipe = style != JOBSERVER_FIFO;
	/* make's form: flag letters (or nothing), options, then "--" and the
	 * variables; the options go before those */
	jobserver_strip(mf, &stripped);
	vars = strstr(stripped.s, " -- ");
	if (!vars && stripped.len >= 3 && !strcmp(stripped.s + stripped.len - 3, " --"))
		vars = stripped.s + stripped.len - 3;
	if (!strncmp(stripped.s, "-- ", 3) || !strcmp(stripped.s, "--"))
		vars = stripped.s;
	buf_add(&js->makeflags, stripped.s, vars ? (size_t)(vars - stripped.s) : stripped.len);
	buf_printf(&js->makeflags, " -j%zu", n);
	/* the R,W form last: makes before 4.4 take the last and know no other */
	if (fifo)
		buf_printf(&js->makeflags, " --jobserver-auth=fifo:%s", js->fifo);
	if (pipe) {
		buf_printf(&js->makeflags, " --jobserver-auth=%d,%d", js->child_r, js->wfd);
		js->keep[0] = js->child_r < js->wfd ? js->child_r : js->wfd;
		js->keep[1] = js->child_r < js->wfd ? js->wfd : js->child_r;
		js->nkeep = 2;
	}
	if (vars)
		buf_printf(&js->makeflags, "%s%s", *vars == ' ' ? "" : " ", vars);
	buf_free(&stripped);
	return js;
}

void jobserver_env(const struct jobserver *js, struct buf *makeflags, const int **keep,
		   size_t *nkeep)
{
	buf_add(makeflags, js->makeflags.s, js->makeflags.len);
	*keep = js->keep;
	*nkeep = js->nkeep;
}

/* Reading or writing a token failed: say so once. */
static void broken(struct jobserver *js, const char *what)
{
	if (!js->broken)
		warn("jobserver: cannot %s a token: %s", what, errno ? strerror(errno)
								: "it is closed");
	js->broken = true;
}

/* A token came: the scheduler tries again (and reads it, if no other process
 * took it first). */
static void ready(void *ctx, int fd, short revents)
{
	struct jobserver *js = ctx;

	(void)revents;
	loop_unwatch(js->loop, fd);
	js->watching = false;
	cap_woken(js->cap);
}

static enum cap_answer take(void *ctx, const struct edge *e, size_t running)
{
	struct jobserver *js = ctx;
	ssize_t n;
	char c;

	(void)e;
	(void)running;
	if (!js->implicit) {
		js->implicit = true;
		return CAP_YES;
	}
	do
		n = read(js->rfd, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n == 1) {
		xgrow((void **)&js->held, &js->capheld, js->nheld + 1, 1);
		js->held[js->nheld++] = c;
		return CAP_YES;
	}
	if (n < 0 && errno == EAGAIN) {
		if (!js->watching)
			loop_watch(js->loop, js->rfd, POLLIN, ready, js);
		js->watching = true;
	} else {
		errno = n < 0 ? errno : 0;
		broken(js, "read"); /* no more than one job at a time from now on */
	}
	return CAP_FULL;
}

/* Write a token back. */
static void putback(struct jobserver *js, char c)
{
	ssize_t n;

	do
		n = write(js->wfd, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		broken(js, "give back");
}

static void give(void *ctx, const struct edge *e)
{
	struct jobserver *js = ctx;

	(void)e;
	/* which job had which token does not matter: as many go back as came */
	if (js->nheld)
		putback(js, js->held[--js->nheld]);
	else
		js->implicit = false;
}

static void limitfree(void *ctx)
{
	struct jobserver *js = ctx;

	while (js->nheld)
		putback(js, js->held[--js->nheld]);
	js->implicit = false;
	if (js->watching)
		loop_unwatch(js->loop, js->rfd);
	js->watching = false;
	js->loop = NULL;
	js->cap = NULL;
}

struct limit jobserver_limit(struct jobserver *js, struct loop *l, struct capacity *c)
{
	struct limit lim = {js, take, give, limitfree, NULL};

	js->loop = l;
	js->cap = c;
	return lim;
}

void jobserver_free(struct jobserver *js)
{
	if (!js)
		return;
	if (js->loop)
		limitfree(js);
	if (js->rfd >= 0)
		close(js->rfd);
	if (js->wfd >= 0)
		close(js->wfd);
	if (js->child_r >= 0)
		close(js->child_r);
	if (js->fifo) {
		unlink(js->fifo);
		unguard();
	}
	free(js->fifo);
	free(js->held);
	buf_free(&js->makeflags);
	free(js);
}
