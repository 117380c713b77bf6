/* The executor of local processes. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/out.h"
#include "base/util.h"
#include "os/os.h"
#include "run/exec.h"
#include "run/loop.h"

struct local;

struct exec_job {
	struct local *lx;
	void *job;  /* the caller's */
	pid_t pid;
	int fd;     /* the read end of its output pipe, -1 once closed */
	bool exited;
	bool console; /* in baton's process group, with the terminal */
	int status;
	uint64_t rss_kb;
	const char *why; /* why baton stopped it, or NULL */
};

struct local {
	struct executor x;
	struct exec_job **jobs; /* running, or ended with their pipe still open */
	size_t njobs, capjobs;
	size_t maxjobs;          /* jobs that may run with the fds we may open */
	struct os_paths *paths;
};

/* File descriptors kept free of job pipes, for baton's own files: the state
 * log, its lock, depfiles, hashes, the loop's pipe, stdio. */
enum { FD_RESERVE = 16 };

/* The job is over, its output all read: say so, and forget it. */
static void end(struct local *lx, struct exec_job *h)
{
	size_t i;

	for (i = 0; i < lx->njobs && lx->jobs[i] != h; i++)
		;
	lx->jobs[i] = lx->jobs[--lx->njobs];
	lx->x.ev.ended(lx->x.ev.ctx, h->job, h->status, h->rss_kb, h->why);
	free(h);
}

static void closepipe(struct local *lx, struct exec_job *h)
{
	loop_unwatch(lx->x.loop, h->fd);
	close(h->fd);
	h->fd = -1;
}

/* Read what the pipe holds now; close it at its end. */
static void drain(struct local *lx, struct exec_job *h)
{
	char chunk[65536];
	ssize_t n;

	while (h->fd >= 0) {
		n = read(h->fd, chunk, sizeof(chunk));
		if (n > 0) {
			/* once memory ran out, holding more would fail again */
			if (!nomem_stopping())
				lx->x.ev.output(lx->x.ev.ctx, h->job, chunk, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		closepipe(lx, h);
	}
}

static void onoutput(void *ctx, int fd, short revents)
{
	struct exec_job *h = ctx;
	struct local *lx = h->lx;

	(void)fd;
	(void)revents;
	drain(lx, h);
	if (h->fd < 0 && h->exited)
		end(lx, h);
}

/* A job stopped. By the terminal, as one in the background does that reads
 * from it or sets it up: it would wait for ever, so it is killed, and says
 * why. Stopped by Ctrl-Z (baton stops its jobs itself), it waits. */
static void stopped(struct exec_job *h, int sig)
{
	if (sig != SIGTTIN && sig != SIGTTOU)
		return;
	h->why = sig == SIGTTIN ? "it stopped to read from the terminal (SIGTTIN): a job that "
				  "reads from the terminal goes in [pool: console]"
				: "it stopped to use the terminal (SIGTTOU): a job that uses the "
				  "terminal goes in [pool: console]";
	kill(-h->pid, SIGKILL);
	kill(-h->pid, SIGCONT);
}

/* Children have exited: each job whose process ended ends, with what its pipe
 * holds (a process it left in the background may keep the pipe open: what it
 * writes later is not the job's). */
static void onchild(void *ctx, int sig)
{
	struct local *lx = ctx;
	struct rusage ru;
	pid_t pid;
	size_t i;
	int st;

	(void)sig;
	while ((pid = wait4(-1, &st, WNOHANG | WUNTRACED, &ru)) > 0) {
		for (i = 0; i < lx->njobs; i++) {
			struct exec_job *h = lx->jobs[i];
			if (h->pid != pid || h->exited)
				continue;
			if (WIFSTOPPED(st)) {
				stopped(h, WSTOPSIG(st));
				break;
			}
			h->exited = true;
			h->status = st;
			h->rss_kb = (uint64_t)ru.ru_maxrss;
			drain(lx, h);
			if (h->fd >= 0)
				closepipe(lx, h);
			end(lx, h);
			break;
		}
	}
}

static int start(struct executor *x, void *job, const struct exec_spec *spec,
		 struct exec_job **hp, const char **step)
{
	struct local *lx = (struct local *)x;
	struct os_spawn s = {0};
	struct exec_job *h;
	int fds[2], rc;
	pid_t pid;

	s.argv = spec->argv;
	s.env = spec->env;
	s.dir = spec->dir;
	s.keep = spec->keep;
	s.nkeep = spec->nkeep;
	s.paths = lx->paths;
	s.dies_with_parent = true;
	if (spec->console) {
		/* baton's own stdin, stdout and stderr, and its process group, so
		 * that the terminal's keys and signals reach the job */
		fds[0] = fds[1] = -1;
		s.in = 0;
		s.out = s.err = -1;
		out_flush();
	} else {
		*step = "cannot create a pipe";
		if (pipe2(fds, O_CLOEXEC) < 0)
			return errno;
		*step = NULL;
		fcntl(fds[0], F_SETFL, O_NONBLOCK);
		s.in = -1;
		s.out = s.err = fds[1];
		s.pgroup = true;
	}
	rc = os_spawn(&s, &pid);
	if (fds[1] >= 0)
		close(fds[1]);
	if (rc) {
		if (fds[0] >= 0)
			close(fds[0]);
		return rc;
	}
	h = xcalloc(1, sizeof(*h));
	h->lx = lx;
	h->job = job;
	h->pid = pid;
	h->fd = fds[0];
	h->console = spec->console;
	xgrow((void **)&lx->jobs, &lx->capjobs, lx->njobs + 1, sizeof(*lx->jobs));
	lx->jobs[lx->njobs++] = h;
	if (h->fd >= 0)
		loop_watch(x->loop, h->fd, POLLIN, onoutput, h);
	*hp = h;
	return 0;
}

static void sendsig(struct executor *x, struct exec_job *h, int sig)
{
	(void)x;
	if (!h->exited)
		kill(h->console ? h->pid : -h->pid, sig);
}

static size_t room(const struct executor *x)
{
	const struct local *lx = (const struct local *)x;

	return lx->njobs >= lx->maxjobs ? 0 : lx->maxjobs - lx->njobs;
}

static void lfree(struct executor *x)
{
	struct local *lx = (struct local *)x;

	os_paths_free(lx->paths);
	free(lx->jobs);
	free(lx);
}

static const struct exec_ops ops = {start, sendsig, room, lfree};

struct executor *exec_local(struct loop *l, const struct exec_events *ev)
{
	struct local *lx = xcalloc(1, sizeof(*lx));
	long lim = os_fd_limit();

	lx->x.ops = &ops;
	lx->x.loop = l;
	lx->x.ev = *ev;
	/* one pipe per running job, and a few for ourselves */
	lx->maxjobs = lim > 2 * FD_RESERVE ? (size_t)(lim - FD_RESERVE) : FD_RESERVE;
	lx->paths = os_paths_new();
	loop_signal(l, SIGCHLD, onchild, lx);
	return &lx->x;
}
