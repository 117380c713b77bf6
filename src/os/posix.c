#include "os/os.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
/* xxHash compiled in: no library to load at start, and hashing inlined */
#define XXH_INLINE_ALL
#include <xxhash.h>

extern char **environ;

bool os_hash(const char *path, uint64_t *h)
{
	XXH64_state_t *st = XXH64_createState();
	char chunk[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || !st) {
		if (fd >= 0)
			close(fd);
		XXH64_freeState(st);
		return false;
	}
	XXH64_reset(st, 0);
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		XXH64_update(st, chunk, (size_t)n);
	}
	close(fd);
	*h = XXH64_digest(st);
	XXH64_freeState(st);
	return n == 0;
}

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

bool os_mkdir_parents(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *p, *s;
	struct stat st;

	if (!slash || slash == path)
		return true;
	p = strcpy(xmalloc(strlen(path) + 1), path);
	/* mostly the directory is there already: one stat says so */
	p[slash - path] = '\0';
	if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
		free(p);
		return true;
	}
	p[slash - path] = '/';
	s = p;

	while (*s == '/')
		s++;
	for (; (s = strchr(s, '/')); s++) {
		*s = '\0';
		if (mkdir(p, 0777) < 0 && errno != EEXIST) {
			int err = errno;
			free(p);
			errno = err;
			return false;
		}
		if (errno == EEXIST && stat(p, &st) == 0 && !S_ISDIR(st.st_mode)) {
			free(p);
			errno = ENOTDIR;
			return false;
		}
		*s = '/';
		errno = 0;
	}
	free(p);
	return true;
}

/* Where PATH finds a command, remembered for the run, as shells remember it:
 * the search tries every directory before the one that has it, and each try is
 * an exec that fails. Only what was found is kept. */
enum { CMD_CACHE = 64 };
static struct {
	char *name, *path;
} cmds[CMD_CACHE];
static unsigned ncmds;

static const char *findcmd(const char *name)
{
	const char *dirs = getenv("PATH"), *d, *end;
	struct buf b = {0};
	struct stat st;
	unsigned i;

	if (!*name || strchr(name, '/') || !dirs)
		return NULL;
	for (i = 0; i < ncmds; i++) {
		if (!strcmp(cmds[i].name, name))
			return cmds[i].path;
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
	if (ncmds == CMD_CACHE) {
		free(cmds[0].name);
		free(cmds[0].path);
		memmove(cmds, cmds + 1, sizeof(cmds[0]) * (CMD_CACHE - 1));
		ncmds--;
	}
	cmds[ncmds].name = strcpy(xmalloc(strlen(name) + 1), name);
	cmds[ncmds].path = b.s;
	return cmds[ncmds++].path;
}

static void forgetcmd(const char *path)
{
	unsigned i;

	for (i = 0; i < ncmds; i++) {
		if (cmds[i].path == path) {
			free(cmds[i].name);
			free(cmds[i].path);
			cmds[i] = cmds[--ncmds];
			return;
		}
	}
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
 * ignores (exec.c, main.c) and any found so when the first job starts.
 * A caught signal would be reset by execve anyway, but not before the child
 * unblocks signals; an ignored one would stay ignored. */
static sigset_t changed;
static int nullfd = -1;

static void spawn_init(void)
{
	static const int ours[] = {SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGTSTP, SIGPIPE, SIGXFSZ};
	struct sigaction sa;
	size_t i;
	int sig;

	sigemptyset(&changed);
	for (i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
		sigaddset(&changed, ours[i]);
	for (sig = 1; sig < NSIG; sig++) {
		if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler != SIG_DFL)
			sigaddset(&changed, sig);
	}
	nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

/* In the child of vfork: only calls that touch no memory of the parent's but
 * this frame and errno. path NULL searches PATH. Writes errno to *err if the
 * exec fails. */
static _Noreturn void spawn_child(const char *path, char *const argv[], int outfd, int errfd,
				  const sigset_t *mask, volatile int *err)
{
	struct sigaction dfl;
	int sig, in = nullfd;

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++) {
		if (sigismember(&changed, sig) == 1)
			sigaction(sig, &dfl, NULL);
	}
	if (setpgid(0, 0) < 0)
		goto fail;
	if (in < 0 && (in = open("/dev/null", O_RDONLY)) < 0)
		goto fail;
	/* none of these is 0-2 (os_std_fds) */
	if (dup2(in, 0) < 0 || (outfd >= 0 && dup2(outfd, 1) < 0) ||
	    (errfd >= 0 && dup2(errfd, 2) < 0))
		goto fail;
	syscall(SYS_close_range, 3U, ~0U, 0U); /* all else is close-on-exec anyway */
	sigprocmask(SIG_SETMASK, mask, NULL);
	if (path)
		execve(path, argv, environ);
	else
		execvpe(argv[0], argv, environ);
fail:
	*err = errno;
	_exit(127);
}

static int spawn(const char *path, char *const argv[], int outfd, int errfd, pid_t *pid)
{
	sigset_t all, old, none;
	volatile int err = 0;
	pid_t p;

	sigfillset(&all);
	sigemptyset(&none);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	p = vfork();
	if (p == 0)
		spawn_child(path, argv, outfd, errfd, &none, &err);
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

static atomic_uint_fast64_t started;

uint64_t os_started(void)
{
	return atomic_load(&started);
}

int os_spawn(char *const argv[], int outfd, int errfd, pid_t *pid)
{
	static bool ready;
	const char *found;
	int rc;

	if (!ready) {
		spawn_init();
		ready = true;
	}
	found = findcmd(argv[0]);
	atomic_fetch_add(&started, 1); /* before, so that no stat of what it does counts */
	rc = spawn(found, argv, outfd, errfd, pid);
	if (found && rc == ENOENT) {
		forgetcmd(found); /* it went away: search again */
		rc = spawn(NULL, argv, outfd, errfd, pid);
	}
	return rc;
}

bool os_capture(const char *cmd, struct buf *out, int *status)
{
	char *argv[] = {"/bin/sh", "-c", (char *)cmd, NULL};
	char chunk[65536];
	int fds[2], rc;
	ssize_t n;
	pid_t pid;

	if (pipe(fds) < 0)
		return false;
	fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	out_flush();
	rc = os_spawn(argv, fds[1], -1, &pid);
	close(fds[1]);
	if (rc) {
		close(fds[0]);
		errno = rc;
		return false;
	}
	for (;;) {
		n = read(fds[0], chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		buf_add(out, chunk, (size_t)n);
	}
	close(fds[0]);
	while (waitpid(pid, status, 0) < 0) {
		if (errno != EINTR)
			return false;
	}
	return true;
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

void *os_alloc_big(size_t n)
{
	char *p, *start;
	size_t head;

	/* aligned to OS_BIG, so that every OS_BIG of it can be one huge page */
	p = mmap(NULL, n + OS_BIG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	head = (size_t)(-(uintptr_t)p & (OS_BIG - 1));
	start = p + head;
	if (head)
		munmap(p, head);
	munmap(start + n, OS_BIG - head);
#ifdef MADV_HUGEPAGE
	madvise(start, n, MADV_HUGEPAGE);
#endif
	return start;
}

void *os_alloc_pages(size_t n, bool fill)
{
	/* to be filled at once: a fault for each page would cost more */
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | (fill ? MAP_POPULATE : 0), -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void os_fill(void *p, size_t n)
{
#ifdef MADV_POPULATE_WRITE
	uintptr_t start = (uintptr_t)p & ~(uintptr_t)(sysconf(_SC_PAGESIZE) - 1);

	if (n)
		madvise((void *)start, n + ((uintptr_t)p - start), MADV_POPULATE_WRITE);
#else
	(void)p;
	(void)n;
#endif
}

void os_free_big(void *p, size_t n)
{
	if (p)
		munmap(p, n);
}

int os_ncpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (int)n : 1;
}

long os_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 1024;
	if (rl.rlim_cur < rl.rlim_max) {
		rlim_t want = rl.rlim_max;
		rl.rlim_cur = want;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	return rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > LONG_MAX ? LONG_MAX : (long)rl.rlim_cur;
}
