/* Processes: starting them, capturing their output, naming their signals;
 * and the clocks (cpus.c: the CPUs and file descriptors baton may use). */
#include "os/os.h"

#include "base/out.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int64_t nanoseconds(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t os_now(void)
{
	return nanoseconds(CLOCK_REALTIME);
}

int64_t os_clock(void)
{
	return nanoseconds(CLOCK_MONOTONIC);
}

/* Where PATH finds a command, remembered as shells remember it: the search
 * tries every directory before the one that has it, and each try is an exec
 * that fails. Only what was found is kept, for the PATH it was found in. */
enum { CMD_CACHE = 64 };
struct os_paths {
	char *path; /* the PATH searched */
	struct {
		char *name, *found;
	} v[CMD_CACHE];
	unsigned n;
};

struct os_paths *os_paths_new(void)
{
	return xcalloc(1, sizeof(struct os_paths));
}

static void forgetall(struct os_paths *c)
{
	unsigned i;

	for (i = 0; i < c->n; i++) {
		free(c->v[i].name);
		free(c->v[i].found);
	}
	c->n = 0;
	free(c->path);
	c->path = NULL;
}

void os_paths_free(struct os_paths *c)
{
	if (c)
		forgetall(c);
	free(c);
}

/* The PATH of an environment (NULL: ours). */
static const char *pathof(char *const *env)
{
	if (!env)
		return getenv("PATH");
	for (; *env; env++) {
		if (!strncmp(*env, "PATH=", 5))
			return *env + 5;
	}
	return NULL;
}

static const char *findcmd(struct os_paths *c, const char *name, const char *dirs)
{
	const char *d, *end;
	struct buf b = {0};
	struct stat st;
	unsigned i;

	if (!c || !*name || strchr(name, '/') || !dirs)
		return NULL;
	if (!c->path || strcmp(c->path, dirs)) {
		forgetall(c);
		c->path = strcpy(xmalloc(strlen(dirs) + 1), dirs);
	}
	for (i = 0; i < c->n; i++) {
		if (!strcmp(c->v[i].name, name))
			return c->v[i].found;
	}
	for (d = dirs;; d = end + 1) {
		end = strchr(d, ':');
		if (!end)
			end = d + strlen(d);
		b.len = 0;
		if (end == d)
			buf_putc(&b, '.'); /* an empty entry is the current directory */
		else
			buf_add(&b, d, (size_t)(end - d));
		buf_putc(&b, '/');
		buf_puts(&b, name);
		if (stat(b.s, &st) == 0 && S_ISREG(st.st_mode) && access(b.s, X_OK) == 0)
			break;
		if (!*end) {
			buf_free(&b);
			return NULL;
		}
	}
	if (c->n == CMD_CACHE) {
		free(c->v[0].name);
		free(c->v[0].found);
		memmove(c->v, c->v + 1, sizeof(c->v[0]) * (CMD_CACHE - 1));
		c->n--;
	}
	c->v[c->n].name = strcpy(xmalloc(strlen(name) + 1), name);
	c->v[c->n].found = b.s;
	return c->v[c->n++].found;
}

static void forgetcmd(struct os_paths *c, const char *found)
{
	unsigned i;

	for (i = 0; i < c->n; i++) {
		if (c->v[i].found == found) {
			free(c->v[i].name);
			free(c->v[i].found);
			c->v[i] = c->v[--c->n];
			return;
		}
	}
}

void os_set_pwd(void)
{
	const char *pwd = getenv("PWD");
	struct stat a, b;
	char cwd[PATH_MAX];

	if (pwd && pwd[0] == '/' && stat(pwd, &a) == 0 && stat(".", &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		return;
	if (getcwd(cwd, sizeof(cwd)))
		setenv("PWD", cwd, 1);
}

void os_std_fds(void)
{
	int fd;

	for (fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF && open("/dev/null", O_RDONLY) != fd)
			fatal("cannot open /dev/null in place of closed fd %d: %s", fd, strerror(errno));
	}
}

/* Starting a job: vfork and execve, as a shell does. The child borrows our
 * memory and stack until it execs, so it makes no copy of the page tables and
 * needs no stack of its own (glibc's posix_spawn maps, then unmaps, one per
 * child), and it resets only the signals that need it, where posix_spawn sets
 * every one of the 64. All signals are blocked from before vfork until the
 * child has reset them, so no handler of ours runs in it. */

/* Signals that may not be at their default action: the ones baton catches or
 * ignores and any found so when the first process starts. A caught signal
 * would be reset by execve anyway, but not before the child unblocks signals;
 * an ignored one would stay ignored. */
static sigset_t changed;
static int nullfd = -1;

/* The signals that stop or suspend baton that were ignored when it started
 * (os_signals_start). Others ignored then (SIGPIPE, say) are not meant for
 * the jobs: they get the default action back. */
static sigset_t ignored;

void os_signals_start(void)
{
	static const int stopping[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGTSTP};
	struct sigaction sa;
	size_t i;

	sigemptyset(&ignored);
	for (i = 0; i < LEN(stopping); i++) {
		if (sigaction(stopping[i], NULL, &sa) == 0 && !(sa.sa_flags & SA_SIGINFO) &&
		    sa.sa_handler == SIG_IGN)
			sigaddset(&ignored, stopping[i]);
	}
	/* ignored, it would take the exit status of the jobs with it */
	if (sigaction(SIGCHLD, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
		signal(SIGCHLD, SIG_DFL);
}

bool os_ignored_at_start(int sig)
{
	return sigismember(&ignored, sig) == 1;
}

static void spawn_init(void)
{
	static const int ours[] = {SIGCHLD, SIGINT,  SIGTERM, SIGHUP,  SIGQUIT,
				   SIGTSTP, SIGPIPE, SIGXFSZ, SIGWINCH, SIGTTIN, SIGTTOU};
	struct sigaction sa;
	size_t i;
	int sig;

	sigemptyset(&changed);
	for (i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
		sigaddset(&changed, ours[i]);
	for (sig = 1; sig < NSIG; sig++) {
		if (sigaction(sig, NULL, &sa) < 0)
			continue;
		if (sa.sa_handler != SIG_DFL)
			sigaddset(&changed, sig);
		/* one ignored when baton started stays ignored in its jobs, as
		 * with nohup and make, unless baton catches it after all */
		if (os_ignored_at_start(sig) && sa.sa_handler == SIG_IGN)
			sigdelset(&changed, sig);
	}
	nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

/* Close every fd from lo up but those in keep (sorted), and let those be
 * inherited. */
static void closefrom_but(int lo, const int *keep, size_t nkeep)
{
	size_t i;

	for (i = 0; i < nkeep; i++) {
		if (keep[i] < lo)
			continue;
		if (keep[i] > lo)
			syscall(SYS_close_range, (unsigned)lo, (unsigned)keep[i] - 1, 0U);
		fcntl(keep[i], F_SETFD, 0);
		lo = keep[i] + 1;
	}
	syscall(SYS_close_range, (unsigned)lo, ~0U, 0U); /* all else is close-on-exec anyway */
}

/* In the child of vfork: only calls that touch no memory of the parent's but
 * this frame and errno. path NULL searches PATH. Writes errno to *err if the
 * exec fails. */
static _Noreturn void spawn_child(const char *path, const struct os_spawn *s, pid_t parent,
				  const sigset_t *mask, volatile int *err)
{
	struct sigaction dfl;
	int sig, in = s->in >= 0 ? s->in : nullfd;
	char *const *env = s->env ? s->env : environ;

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++) {
		if (sigismember(&changed, sig) == 1)
			sigaction(sig, &dfl, NULL);
	}
	/* a job does not outlive baton: if baton is killed, so is the job (and
	 * if it was killed already, the job does not start) */
	if (s->dies_with_parent &&
	    (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)) {
		errno = ESRCH;
		goto fail;
	}
	if (s->pgroup && setpgid(0, 0) < 0)
		goto fail;
	if (s->dir && chdir(s->dir) < 0)
		goto fail;
	if (in < 0 && (in = open("/dev/null", O_RDONLY)) < 0)
		goto fail;
	/* none of these is 0-2 (os_std_fds) */
	if ((in != 0 && dup2(in, 0) < 0) || (s->out >= 0 && dup2(s->out, 1) < 0) ||
	    (s->err >= 0 && dup2(s->err, 2) < 0))
		goto fail;
	closefrom_but(3, s->keep, s->nkeep);
	sigprocmask(SIG_SETMASK, mask, NULL);
	if (path)
		execve(path, s->argv, env);
	else
		execvpe(s->argv[0], s->argv, env);
fail:
	*err = errno;
	_exit(127);
}

static int spawn(const char *path, const struct os_spawn *s, pid_t *pid)
{
	sigset_t all, old, none;
	static pid_t parent;
	volatile int err = 0;
	pid_t p;

	if (!parent)
		parent = getpid(); /* baton's, in the child: it never forks itself */
	sigfillset(&all);
	sigemptyset(&none);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	p = vfork();
	if (p == 0)
		spawn_child(path, s, parent, &none, &err);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (p < 0)
		return errno;
	if (err) {
		/* the child has exited: reap it */
		while (waitpid(p, NULL, 0) < 0 && errno == EINTR)
			;
		return err;
	}
	*pid = p;
	return 0;
}

/* The file at path is executable but not a program the kernel can start: a
 * script without "#!", which a shell runs as a shell script, with the file
 * as $0 (as execvp does, and as a shell does with a command it found). */
static int spawn_script(const char *path, const struct os_spawn *s, pid_t *pid)
{
	struct os_spawn sh = *s;
	size_t n = 0;
	char **argv;
	int rc;

	while (s->argv[n])
		n++;
	argv = xmalloc((n + 2) * sizeof(*argv));
	argv[0] = "/bin/sh";
	argv[1] = (char *)path;
	memcpy(argv + 2, s->argv + 1, n * sizeof(*argv)); /* with the NULL */
	sh.argv = argv;
	rc = spawn("/bin/sh", &sh, pid);
	free(argv);
	return rc;
}

static atomic_uint_fast64_t started;

uint64_t os_started(void)
{
	return atomic_load(&started);
}

int os_spawn(const struct os_spawn *s, pid_t *pid)
{
	static bool ready;
	const char *found;
	int rc;

	if (!ready) {
		spawn_init();
		ready = true;
	}
	found = findcmd(s->paths, s->argv[0], pathof(s->env));
	atomic_fetch_add(&started, 1); /* before, so that no stat of what it does counts */
	rc = spawn(found, s, pid);
	if (found && rc == ENOENT) {
		forgetcmd(s->paths, found); /* it went away: search again */
		rc = spawn(NULL, s, pid);
	}
	if (found && rc == ENOEXEC)
		rc = spawn_script(found, s, pid);
	return rc;
}

/* The signals that stop baton (as they stop a build: sched_run). */
static const int stops[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

/* Stop now: nothing needs cleaning up (the Taskfile is being read). A
 * handler cannot use the one writer (base/out.h): this writes on its own. */
static void stopnow(int sig)
{
	static const char pre[] = "baton: interrupted by ";
	const char *name = os_signame(sig); /* one of stops: in the table */
	char msg[64];
	size_t n = sizeof(pre) - 1, k = strlen(name);

	memcpy(msg, pre, n);
	memcpy(msg + n, name, k);
	msg[n + k] = '\n';
	if (write(2, msg, n + k + 1) < 0) {
		/* nowhere to say it */
	}
	_exit(128 + sig);
}

void os_stop_on_signals(void)
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = stopnow;
	sigfillset(&sa.sa_mask);
	for (i = 0; i < LEN(stops); i++) {
		if (!os_ignored_at_start(stops[i]))
			sigaction(stops[i], &sa, NULL);
	}
}

/* The stop signal that came while os_capture ran, or 0. */
static volatile sig_atomic_t capture_stop;

static void oncapture(int sig)
{
	capture_stop = sig;
}

/* Read the output of a capture from fd until its end, then wait for the
 * process pid, while each of the signals blocked in the mask of the caller
 * may come: false with errno set (EINTR: a stop signal came). */
static bool collect(int fd, pid_t pid, struct buf *out, int *status, const sigset_t *unblocked)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	struct pollfd pfd[2] = {{fd, POLLIN, 0}, {-1, POLLIN, 0}};
	char chunk[65536];
	ssize_t n;
	bool ok = true;

	while (ok) {
		if (capture_stop) {
			errno = EINTR;
			ok = false;
			break;
		}
		/* the output to its end (a process left in the background may hold
		 * it after the command ended), then the end of the command */
		if (pfd[0].fd < 0 && pidfd < 0) {
			/* no pidfd (Linux before 5.3): wait with the signals let in */
			sigset_t blocked;
			pid_t got;
			int e;
			sigprocmask(SIG_SETMASK, unblocked, &blocked);
			got = waitpid(pid, status, 0);
			e = errno;
			sigprocmask(SIG_SETMASK, &blocked, NULL);
			if (got == pid)
				break;
			errno = e;
			ok = e == EINTR;
			continue;
		}
		pfd[1].fd = pfd[0].fd < 0 ? pidfd : -1;
		if (ppoll(pfd, 2, NULL, unblocked) < 0) {
			ok = errno == EINTR;
			continue;
		}
		if (pfd[0].revents) {
			n = read(fd, chunk, sizeof(chunk));
			if (n > 0)
				buf_add(out, chunk, (size_t)n);
			else if (n == 0)
				pfd[0].fd = -1;
			else
				ok = errno == EINTR || errno == EAGAIN;
		}
		if (pfd[1].revents) {
			ok = waitpid(pid, status, 0) == pid;
			break;
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	return ok;
}

bool os_capture(const char *cmd, struct buf *out, int *status)
{
	char *argv[] = {"/bin/sh", "-c", (char *)cmd, NULL};
	struct os_spawn s = {.argv = argv, .in = -1, .err = -1, .dies_with_parent = true};
	struct sigaction sa, old[LEN(stops)];
	sigset_t block, mask;
	int fds[2], rc, err, sig;
	bool ok, caught[LEN(stops)];
	pid_t pid;
	size_t i;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return false;
	/* its stderr is baton's: what baton printed comes first */
	out_flush();
	/* a stop signal waits until the command is told of it and the handler
	 * baton had is back: it comes between two polls, never lost */
	sigemptyset(&block);
	for (i = 0; i < LEN(stops); i++)
		sigaddset(&block, stops[i]);
	sigprocmask(SIG_BLOCK, &block, &mask);
	capture_stop = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = oncapture;
	sigfillset(&sa.sa_mask);
	for (i = 0; i < LEN(stops); i++) {
		caught[i] = !os_ignored_at_start(stops[i]);
		if (caught[i])
			sigaction(stops[i], &sa, &old[i]);
	}
	s.out = fds[1];
	rc = os_spawn(&s, &pid);
	close(fds[1]);
	ok = !rc && collect(fds[0], pid, out, status, &mask);
	err = rc ? rc : errno;
	close(fds[0]);
	sig = capture_stop;
	if (sig && !rc)
		kill(pid, sig); /* it may not have had it: it was sent to baton alone */
	for (i = 0; i < LEN(stops); i++) {
		if (caught[i])
			sigaction(stops[i], &old[i], NULL);
	}
	sigprocmask(SIG_SETMASK, &mask, NULL);
	/* the signal acts as it would have: at load, baton stops; in a build,
	 * the scheduler is told */
	if (sig)
		raise(sig);
	errno = sig ? EINTR : err;
	return ok && !sig;
}

const char *os_signame(int sig)
{
	static const struct {
		int sig;
		const char *name;
	} names[] = {
	    {SIGHUP, "SIGHUP"},   {SIGINT, "SIGINT"},   {SIGQUIT, "SIGQUIT"}, {SIGILL, "SIGILL"},
	    {SIGTRAP, "SIGTRAP"}, {SIGABRT, "SIGABRT"}, {SIGBUS, "SIGBUS"},   {SIGFPE, "SIGFPE"},
	    {SIGKILL, "SIGKILL"}, {SIGUSR1, "SIGUSR1"}, {SIGSEGV, "SIGSEGV"}, {SIGUSR2, "SIGUSR2"},
	    {SIGPIPE, "SIGPIPE"}, {SIGALRM, "SIGALRM"}, {SIGTERM, "SIGTERM"}, {SIGCHLD, "SIGCHLD"},
	    {SIGCONT, "SIGCONT"}, {SIGSTOP, "SIGSTOP"}, {SIGTSTP, "SIGTSTP"}, {SIGTTIN, "SIGTTIN"},
	    {SIGTTOU, "SIGTTOU"}, {SIGURG, "SIGURG"},   {SIGXCPU, "SIGXCPU"}, {SIGXFSZ, "SIGXFSZ"},
	    {SIGVTALRM, "SIGVTALRM"}, {SIGPROF, "SIGPROF"}, {SIGWINCH, "SIGWINCH"},
	    {SIGSYS, "SIGSYS"},
	};
	static char other[32];
	size_t i;

	for (i = 0; i < LEN(names); i++) {
		if (names[i].sig == sig)
			return names[i].name;
	}
	snprintf(other, sizeof(other), "signal %d", sig);
	return other;
}
