#include "run/exec.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lang/diag.h"
#include "os/os.h"
#include "plan/recipe.h"

struct job {
	struct edge *e;
	pid_t pid;
	int fd;      /* read end of its output pipe, -1 once closed */
	bool exited;
	int status;
	struct buf out;
	struct command cmd;
	struct outcome oc;
	uint64_t rss_kb;
	char *script; /* its expanded recipe, if the plan did not keep it: freed at the end */
};

/* File descriptors kept free of job pipes, for baton's own files. */
enum { FD_RESERVE = 16 };

static int selfpipe[2] = {-1, -1};
static volatile sig_atomic_t caught;

static volatile sig_atomic_t stopping;

static void onsignal(int sig)
{
	int saved = errno;

	if (sig == SIGTSTP)
		stopping = 1;
	else if (sig != SIGCHLD && !caught)
		caught = sig;
	if (write(selfpipe[1], "x", 1) < 0) {
		/* the pipe is full: poll will wake up anyway */
	}
	errno = saved;
}

static void setfl(int fd, int fdflag, int flflag)
{
	fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | fdflag);
	if (flflag)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | flflag);
}

void exec_init(struct exec *x, struct vars *vars)
{
	struct sigaction sa;
	long lim;

	memset(x, 0, sizeof(*x));
	x->vars = vars;
	/* one pipe per running job, and a few for ourselves: the state log, its
	 * lock, depfiles, hashes, the self-pipe, stdio */
	lim = os_fd_limit();
	x->maxjobs = lim > 2 * FD_RESERVE ? (size_t)(lim - FD_RESERVE) : FD_RESERVE;
	if (selfpipe[0] < 0) {
		if (pipe(selfpipe) < 0)
			fatal("pipe: %s", strerror(errno));
		setfl(selfpipe[0], FD_CLOEXEC, O_NONBLOCK);
		setfl(selfpipe[1], FD_CLOEXEC, O_NONBLOCK);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = onsignal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTSTP, &sa, NULL);
}

/* Ctrl-Z: the jobs are in process groups of their own, so the terminal does not
 * stop them; stop them, then ourselves, and continue them when we are. */
static void suspend(struct exec *x)
{
	size_t i;

	stopping = 0;
	for (i = 0; i < x->njobs; i++)
		kill(-x->jobs[i].pid, SIGSTOP);
	/* SIGSTOP, as SIGTSTP would be dropped if our process group is orphaned */
	raise(SIGSTOP);
	for (i = 0; i < x->njobs; i++)
		kill(-x->jobs[i].pid, SIGCONT);
}

void exec_free(struct exec *x)
{
	free(x->jobs);
	free(x->dry);
	buf_free(&x->line);
	buf_free(&x->expand);
}

static void report(const struct edge *e, const char *what)
{
	diag_error(e->loc, "'%s' failed: %s", edge_name(e), what);
}

static void status_line(struct exec *x, const struct edge *e, const char *script)
{
	const char *p, *nl, *why = x->explain && x->plan ? plan_why(x->plan, e) : NULL;

	if (why) {
		out_flush();
		for (p = why; *p; p = nl + 1) {
			nl = strchr(p, '\n');
			if (p[0] == ' ' && p[1] == ' ')
				fprintf(stderr, "%.*s\n", (int)(nl - p), p);
			else
				fprintf(stderr, "baton: explain: '%s': %.*s\n", edge_name(e),
					(int)(nl - p), p);
		}
	}
	x->started++;
	/* one write per job, and no printf: a dry run of many jobs is mostly this */
	x->line.len = 0;
	buf_putc(&x->line, '[');
	buf_num(&x->line, x->started);
	buf_putc(&x->line, '/');
	buf_num(&x->line, x->total);
	buf_add(&x->line, "] ", 2);
	buf_puts(&x->line, edge_name(e));
	buf_putc(&x->line, '\n');
	if (x->verbose || x->dry_run) {
		for (p = script; *p; p = nl + 1) {
			nl = strchr(p, '\n'); /* every line of a script ends with one */
			if (nl != p)
				buf_add(&x->line, "    ", 4);
			buf_add(&x->line, p, (size_t)(nl + 1 - p));
		}
	}
	fwrite(x->line.s, 1, x->line.len, stdout);
	if (!x->dry_run) /* a dry run writes nothing else in between: let stdio buffer it */
		out_flush();
}

/* Report that e failed for a reason with an errno. */
static void report_errno(const struct edge *e, const char *what, const char *arg, int err)
{
	struct buf msg = {0};

	buf_printf(&msg, what, arg);
	buf_printf(&msg, ": %s", strerror(err));
	report(e, msg.s);
	buf_free(&msg);
}

static enum start_result start(void *ctx, struct edge *e)
{
	struct exec *x = ctx;
	struct command cmd;
	char **argv, *own = NULL;
	const char *script, *kept;
	int fds[2] = {-1, -1}, rc;
	struct job *j;
	uint32_t i;
	pid_t pid;

	/* out of file descriptors for another pipe: wait for a job to give one back */
	if (!x->dry_run && x->njobs > 0 && x->njobs >= x->maxjobs)
		return START_LATER;
	if (!x->dry_run && pipe2(fds, O_CLOEXEC) < 0) {
		if ((errno == EMFILE || errno == ENFILE) && x->njobs > 0)
			return START_LATER;
		report_errno(e, "cannot create a pipe%s", "", errno);
		return START_FAILED;
	}
	if (!x->dry_run)
		fcntl(fds[0], F_SETFL, O_NONBLOCK);
	script = kept = x->plan ? plan_script(x->plan, e) : NULL;
	if (!script) {
		x->expand.len = 0;
		if (!recipe_expand(x->vars, e, &x->expand)) {
			report(e, "its recipe could not be expanded");
			goto fail;
		}
		script = x->expand.s ? x->expand.s : "";
	}
	status_line(x, e, script);
	if (x->dry_run) {
		xgrow((void **)&x->dry, &x->capdry, x->ndry + 1, sizeof(*x->dry));
		x->dry[x->ndry++] = e;
		return START_OK;
	}
	/* the script lives as long as its job: a build of many jobs holds a few */
	if (!kept) {
		size_t n = strlen(script) + 1;
		script = own = memcpy(xmalloc(n), script, n);
	}
	if (e->rule->kind != ST_TASK) {
		for (i = 0; i < e->nout; i++) {
			if (!os_mkdir_parents(edge_out(e)[i]->path)) {
				report_errno(e, "cannot create the directory for '%s'",
					     edge_out(e)[i]->path, errno);
				goto fail;
			}
		}
	}
	argv = recipe_command(e, script, &cmd);
	if (!argv) {
		command_free(&cmd);
		goto fail;
	}
	out_flush();
	rc = os_spawn(argv, fds[1], fds[1], &pid);
	close(fds[1]);
	fds[1] = -1;
	if (rc) {
		if (rc == ENOENT && argv == cmd.words) {
			struct buf msg = {0};
			buf_printf(&msg, "command '%s' not found", argv[0]);
			report(e, msg.s);
			buf_free(&msg);
		} else {
			report_errno(e, "cannot run '%s'", argv[0], rc);
		}
		command_free(&cmd);
		goto fail;
	}
	xgrow((void **)&x->jobs, &x->capjobs, x->njobs + 1, sizeof(*x->jobs));
	j = &x->jobs[x->njobs++];
	memset(j, 0, sizeof(*j));
	j->e = e;
	j->pid = pid;
	j->fd = fds[0];
	j->cmd = cmd;
	j->script = own;
	outcome_start(&x->oc, &j->oc, e);
	j->oc.script = script;
	return START_OK;
fail:
	free(own);
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	return START_FAILED;
}

/* Read what is in a job's pipe now; close it at end of file. */
static void drain(struct job *j)
{
	char chunk[65536];
	ssize_t n;

	while (j->fd >= 0) {
		n = read(j->fd, chunk, sizeof(chunk));
		if (n > 0) {
			buf_add(&j->out, chunk, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		close(j->fd);
		j->fd = -1;
	}
}

/* Print a finished job's output and its failure, if any (unless quiet, when we
 * stopped it ourselves); true if it succeeded. */
static bool finish(struct exec *x, struct job *j, bool quiet)
{
	char what[128];
	bool ok = false;
	int st = j->status;

	if (j->fd >= 0) {
		drain(j); /* a background process may still hold the pipe: take what is there */
		if (j->fd >= 0) {
			close(j->fd);
			j->fd = -1;
		}
	}
	if (j->out.len) {
		fwrite(j->out.s, 1, j->out.len, stdout);
		if (j->out.s[j->out.len - 1] != '\n')
			fputc('\n', stdout);
	}
	out_flush();
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		ok = true;
	} else if (WIFEXITED(st)) {
		snprintf(what, sizeof(what), "exit status %d", WEXITSTATUS(st));
	} else if (WIFSIGNALED(st)) {
		snprintf(what, sizeof(what), "killed by signal %d (%s)", WTERMSIG(st),
			 os_signame(WTERMSIG(st)));
	} else {
		snprintf(what, sizeof(what), "unknown status %d", st);
	}
	if (!ok && !quiet)
		report(j->e, what);
	if (ok)
		ok = outcome_success(&x->oc, &j->oc, j->e, j->rss_kb);
	else
		outcome_failure(&x->oc, &j->oc, j->e, j->rss_kb);
	outcome_free(&j->oc);
	command_free(&j->cmd);
	buf_free(&j->out);
	free(j->script);
	return ok;
}

/* Mark children that have exited. */
static void reap(struct exec *x)
{
	size_t i;
	pid_t pid;
	int st;

	struct rusage ru;

	while ((pid = wait4(-1, &st, WNOHANG, &ru)) > 0) {
		for (i = 0; i < x->njobs; i++) {
			if (x->jobs[i].pid == pid) {
				x->jobs[i].exited = true;
				x->jobs[i].status = st;
				x->jobs[i].rss_kb = (uint64_t)ru.ru_maxrss;
			}
		}
	}
}

/* Forward the signal to every job, wait for all of them, print their output. */
static void interrupt(struct exec *x)
{
	size_t i;
	int st;

	for (i = 0; i < x->njobs; i++) {
		if (!x->jobs[i].exited)
			kill(-x->jobs[i].pid, caught);
	}
	for (i = 0; i < x->njobs; i++) {
		struct job *j = &x->jobs[i];
		while (!j->exited) {
			struct rusage ru;
			if (wait4(j->pid, &st, 0, &ru) == j->pid) {
				j->rss_kb = (uint64_t)ru.ru_maxrss;
				j->exited = true;
				j->status = st;
			} else if (errno != EINTR) {
				j->exited = true;
			}
		}
		finish(x, j, true);
	}
	x->njobs = 0;
	x->signal = caught;
}

static struct edge *wait_job(void *ctx, bool *ok)
{
	struct exec *x = ctx;
	struct pollfd *pfd;
	char sink[256];
	size_t i, n;

	if (x->dry_run) {
		*ok = true;
		if (x->drynext == x->ndry)
			return NULL;
		x->dry[x->drynext]->changed = true; /* as far as a dry run can tell */
		return x->dry[x->drynext++];
	}
	pfd = xmalloc((x->njobs + 1) * sizeof(*pfd));
	for (;;) {
		reap(x);
		if (stopping)
			suspend(x);
		if (caught) {
			free(pfd);
			interrupt(x);
			return NULL;
		}
		for (i = 0; i < x->njobs; i++) {
			if (x->jobs[i].exited) {
				struct job j = x->jobs[i];
				x->jobs[i] = x->jobs[--x->njobs];
				free(pfd);
				*ok = finish(x, &j, false);
				return j.e;
			}
		}
		pfd[0].fd = selfpipe[0];
		pfd[0].events = POLLIN;
		pfd[0].revents = 0;
		for (i = 0, n = 1; i < x->njobs; i++) {
			if (x->jobs[i].fd >= 0) {
				pfd[n].fd = x->jobs[i].fd;
				pfd[n].events = POLLIN;
				pfd[n].revents = 0;
				n++;
			}
		}
		if (poll(pfd, n, -1) < 0) {
			if (errno != EINTR)
				fatal("poll: %s", strerror(errno));
			continue; /* a signal: see what it was about */
		}
		if (pfd[0].revents)
			while (read(selfpipe[0], sink, sizeof(sink)) > 0)
				;
		for (i = 0, n = 1; i < x->njobs; i++) {
			if (x->jobs[i].fd < 0)
				continue;
			if (pfd[n++].revents)
				drain(&x->jobs[i]);
		}
	}
}

struct runner exec_runner(struct exec *x)
{
	struct runner r = {x, start, wait_job};
	return r;
}
