/* The operating system, behind one small interface: file times, directories,
 * processes. Everything above it can be tested with a fake (see fs in plan.h and
 * runner in sched.h). */
#ifndef BATON_OS_H
#define BATON_OS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "util.h"

/* Modification times are nanoseconds since the epoch. */
#define MTIME_MISSING ((int64_t)-1)
#define MTIME_UNKNOWN ((int64_t)-2)

/* What baton remembers of a file to tell whether it changed. */
struct filestat {
	int64_t mtime; /* ns, or MTIME_MISSING */
	int64_t size;
	uint64_t ino;
};

/* The mtime of path, MTIME_MISSING if it does not exist (errno set on other errors). */
int64_t os_mtime(const char *path);
/* Stat path (following symlinks); st->mtime is MTIME_MISSING if it does not exist. */
void os_stat(const char *path, struct filestat *st);
/* Stat paths[i] into *sts[i] for every i < n, with up to threads threads at once. */
void os_stat_many(const char *const *paths, struct filestat *const *sts, size_t n, int threads);
/* Whether two stats differ in any field. */
bool filestat_differ(const struct filestat *a, const struct filestat *b);
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
/* Start argv[0] (searched in PATH) with argv, stdin from /dev/null, stdout to outfd and stderr to
 * errfd (-1: inherited), in a process group of its own, with only fds 0-2 open,
 * default signal dispositions and an empty signal mask; returns 0 or an errno.
 * fds 0-2 must be open (os_std_fds). */
int os_spawn(char *const argv[], int outfd, int errfd, pid_t *pid);
/* Run "/bin/sh -c cmd" and collect its stdout; status as from waitpid. */
bool os_capture(const char *cmd, struct buf *out, int *status);
/* "SIGKILL" for 9, or "signal N" for one without a name. */
const char *os_signame(int sig);
/* n bytes of zeroed memory, n a multiple of OS_BIG, backed by huge pages where
 * the system allows (fewer page faults for the big arenas); NULL if it fails. */
#define OS_BIG ((size_t)2 << 20)
void *os_alloc_big(size_t n);
/* n bytes of zeroed memory on pages of their own, without huge pages: for
 * memory given back soon; NULL if it fails. */
void *os_alloc_pages(size_t n);
/* Give back what os_alloc_big or os_alloc_pages gave. */
void os_free_big(void *p, size_t n);
/* Number of CPUs online. */
int os_ncpus(void);
/* Raise the soft limit on open files to the hard limit; the soft limit now. */
long os_fd_limit(void);

#endif
