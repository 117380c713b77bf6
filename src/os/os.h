/* The operating system, behind one small interface: file times, directories,
 * processes. What is above it is tested with fakes: the planner's view of files
 * (os/fs.h) and executors (run/exec.h). */
#ifndef BATON_OS_H
#define BATON_OS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/util.h"

/* Modification times are nanoseconds since the epoch. */
#define MTIME_MISSING ((int64_t)-1)

/* What baton remembers of a file to tell whether it changed. The ctime (when
 * its inode last changed) catches a file written again with its size, inode
 * and mtime put back (cp -p, rsync --inplace -t, touch -r), as git's index
 * does; it also changes with the file's mode and number of links. */
struct filestat {
	int64_t mtime; /* ns, or MTIME_MISSING */
	int64_t size;
	uint64_t ino;
	int64_t ctime; /* ns */
};

/* Whether path is a symbolic link to nothing: then what it points to is
 * appended to target (for a message that says why the file is missing). */
bool os_dangling(const char *path, struct buf *target);
/* Stat path (following symlinks); st->mtime is MTIME_MISSING if it does not exist. */
void os_stat(const char *path, struct filestat *st);
/* Stat paths[i] into *sts[i] for every i < n, with up to threads threads at once. */
void os_stat_many(const char *const *paths, struct filestat *const *sts, size_t n, int threads);
/* A worker thread that states files as they are handed to it, while the caller
 * goes on (building the graph): nothing runs before the files would be stated
 * anyway, so they are found as they would be then. An item handed to it starts
 * with its path (a const char *, NUL-terminated) and holds a struct filestat
 * stoff bytes in, which the worker fills; both stay until os_statq_stop. The
 * caller tells which it got to by what it set the filestat to (the worker only
 * writes mtimes of 0 and up, or MTIME_MISSING). NULL if no thread can start. */
struct os_statq;
struct os_statq *os_statq_start(size_t stoff);
void os_statq_push(struct os_statq *q, void *item);
/* Stop the worker and free q; the number of items it stated, in the order
 * handed over. That is 0 if os_spawn started a process since os_statq_start:
 * it may have changed the files, and what the worker wrote is stale. */
size_t os_statq_stop(struct os_statq *q);
/* Whether two stats differ in any field. */
bool filestat_differ(const struct filestat *a, const struct filestat *b);
/* Whether they differ in mtime, size or inode: a file written or replaced,
 * not one only linked to or given another mode (ctime alone). */
bool filestat_written(const struct filestat *a, const struct filestat *b);
/* Append everything fd gives until its end to b; false with errno set if a
 * read fails. */
bool os_read_all(int fd, struct buf *b);
/* Write all n bytes of p to fd, again after EINTR; false with errno set if it
 * cannot (ENOSPC if nothing more could be written). */
bool os_write_all(int fd, const char *p, size_t n);
/* A 64-bit hash of a file's content; false if it cannot be read. */
bool os_hash(const char *path, uint64_t *h);
/* The current time in ns, by the same clock as file times. */
int64_t os_now(void);
/* A monotonic clock, in nanoseconds: for durations. */
int64_t os_clock(void);
/* Create the directories leading to path (not path itself); false with errno set. */
bool os_mkdir_parents(const char *path);
/* Make sure fds 0-2 are open: one that was closed gets /dev/null, read-only, so
 * that no file opened later takes its number and writes to it still fail. */
void os_std_fds(void);
/* Set $PWD to the current directory, as a shell does when it starts: kept if
 * it names it already (by another path, through a symbolic link), else what
 * getcwd says. For what baton runs without a shell. */
void os_set_pwd(void);
/* Where PATH found commands, for os_spawn to look there first. */
struct os_paths;
struct os_paths *os_paths_new(void);
void os_paths_free(struct os_paths *c);
/* How to start a process: all of it explicit. */
struct os_spawn {
	char *const *argv;  /* argv[0] is searched in the PATH of env if it has no '/' */
	char *const *env;   /* NULL: baton's environment */
	const char *dir;    /* the working directory; NULL: baton's */
	int in, out, err;   /* -1: /dev/null for in, baton's own for out and err */
	const int *keep;    /* fds above 2 it keeps open, ascending; all others are closed */
	size_t nkeep;
	struct os_paths *paths; /* where commands were found, or NULL */
	bool pgroup;        /* in a process group of its own */
	bool dies_with_parent; /* killed (SIGKILL) if baton dies first */
};
/* Note which of the signals that stop or suspend baton (SIGHUP, SIGINT,
 * SIGQUIT, SIGTERM, SIGTSTP) are ignored as it starts, before it changes
 * any: those stay ignored, for baton and its jobs, as with nohup. SIGCHLD is
 * set back to its default action, which baton needs to wait for its jobs. */
void os_signals_start(void);
/* Whether sig is one of those, ignored when baton started. */
bool os_ignored_at_start(int sig);
/* Start a process, with default signal dispositions (but for those ignored
 * when baton started, which stay ignored) and an empty signal mask;
 * returns 0 or an errno. fds 0-2 must be open (os_std_fds). A file that is
 * executable but no program (a script without "#!") is run by /bin/sh, as a
 * shell would run it. */
int os_spawn(const struct os_spawn *s, pid_t *pid);
/* How many processes os_spawn has started so far, from any thread. */
uint64_t os_started(void);
/* Run "/bin/sh -c cmd" and collect its stdout; status as from waitpid. It is
 * in baton's process group: a Ctrl-C reaches it, as it reaches baton. A stop
 * signal (SIGINT, SIGTERM, SIGHUP, SIGQUIT) that comes meanwhile is passed on
 * to it and then raised again, for the handler baton had: the result is
 * false with errno EINTR, and what was read is not the command's output. */
bool os_capture(const char *cmd, struct buf *out, int *status);
/* From now on, a stop signal that nothing else catches ends baton at once,
 * with 128 + its number, after "baton: interrupted by SIGINT": for what
 * baton does before and after its jobs run (reading the Taskfile), when
 * nothing needs cleaning up. Not for those ignored at start. */
void os_stop_on_signals(void);
/* "SIGKILL" for 9, or "signal N" for one without a name. */
const char *os_signame(int sig);
/* n bytes of zeroed memory, n a multiple of OS_BIG, backed by huge pages where
 * the system allows (fewer page faults for the big arenas); NULL if it fails. */
#define OS_BIG ((size_t)2 << 20)
void *os_alloc_big(size_t n);
/* n bytes of zeroed memory on pages of their own, without huge pages: for
 * memory given back soon; with fill, its pages are all made at once (for memory
 * the caller fills right away); NULL if it fails. */
void *os_alloc_pages(size_t n, bool fill);
/* Make the pages that [p, p + n) lies on now, as a write to each would (all
 * at once is cheaper than a fault for each); nothing if the system cannot. */
void os_fill(void *p, size_t n);
/* Give back what os_alloc_big or os_alloc_pages gave. */
void os_free_big(void *p, size_t n);
/* The number of CPUs baton may use: those online, fewer if its affinity mask
 * allows fewer (taskset), or if its cgroup's CPU quota does (cgroup v2
 * cpu.max, v1 cpu.cfs_quota_us), rounded up. */
int os_ncpus(void);
/* The CPUs that the quotas of the cgroups in cgroups (the text of
 * /proc/self/cgroup) and of their parents allow, rounded up, with the cgroup
 * file system at fsroot; 0 for no limit. */
int os_cgroup_cpus(const char *fsroot, const char *cgroups);
/* Raise the soft limit on open files to the hard limit; the soft limit now. */
long os_fd_limit(void);

#endif
