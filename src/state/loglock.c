/* The state log's lock: one baton at a time in a directory, and a baton run
 * by a job of another (same directory, BATON_LOCKED) takes a lock of its own
 * one level deeper, .baton/lock.N, rather than waiting for its parent. */
#include "state/statelog.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/out.h"
#include "base/util.h"

/* The lock file of depth d, into b. */
static void lockname(struct buf *b, const char *dir, int d)
{
	b->len = 0;
	if (d)
		buf_printf(b, "%s/lock.%d", dir, d);
	else
		buf_printf(b, "%s/lock", dir);
}

/* The depth of the lock that the baton which runs this one (as a job, or
 * further down) holds on this directory, or -1 if none does: BATON_LOCKED
 * names the directory and the depth, and that lock must still be held (a
 * process left over from a baton that ended does not count). */
static int parentdepth(const struct statelog *s, const char *dir)
{
	const char *v = getenv("BATON_LOCKED");
	unsigned long long dev, ino;
	struct buf path = {0};
	int d, fd, held = 0;

	if (!v || sscanf(v, "%llu:%llu:%d", &dev, &ino, &d) != 3 || d < 0 || d > 1000 ||
	    dev != s->dev || ino != s->ino)
		return -1;
	lockname(&path, dir, d);
	fd = open(path.s, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		held = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
		close(fd);
	}
	buf_free(&path);
	return held ? d : -1;
}

static bool lock(struct statelog *s, const char *dir)
{
	struct buf path = {0};
	struct stat st;
	char pid[32] = "";
	ssize_t n = 0;
	int tries;

	if (stat(dir, &st) == 0) {
		s->dev = (uint64_t)st.st_dev;
		s->ino = (uint64_t)st.st_ino;
	}
	s->depth = parentdepth(s, dir) + 1;
	s->nested = s->depth > 0;
	lockname(&path, dir, s->depth);
	s->lockfd = open(path.s, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (s->lockfd < 0) {
		out_note("error: cannot create '%s': %s", path.s, strerror(errno));
		buf_free(&path);
		return false;
	}
	if (flock(s->lockfd, LOCK_EX | LOCK_NB) < 0) {
		/* the holder writes its pid just after taking the lock and empties the
		 * file before letting go: give it a moment to write */
		for (tries = 0; tries < 50; tries++) {
			n = pread(s->lockfd, pid, sizeof(pid) - 1, 0);
			if (n > 0 && pid[n - 1] == '\n')
				break;
			n = 0;
			nanosleep(&(struct timespec){0, 2000000}, NULL);
		}
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		/* what is there may be the pid of a baton killed before it could clear it */
		if (*pid && kill((pid_t)atol(pid), 0) < 0 && errno == ESRCH)
			*pid = '\0';
		out_note("waiting for another baton in this directory%s%s%s",
			*pid ? " (pid " : "", pid, *pid ? ")" : "");
		while (flock(s->lockfd, LOCK_EX) < 0) {
			if (errno != EINTR) {
				out_note("error: cannot lock '%s': %s", path.s,
					strerror(errno));
				buf_free(&path);
				close(s->lockfd);
				s->lockfd = -1;
				return false;
			}
		}
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(s->lockfd, 0) < 0 || pwrite(s->lockfd, pid, (size_t)n, 0) != n) {
		/* the pid is only a courtesy for the message above */
	}
	buf_free(&path);
	return true;
}

bool statelog_nestvar(const struct statelog *s, struct buf *b)
{
	if (s->lockfd < 0)
		return false;
	buf_printf(b, "BATON_LOCKED=%llu:%llu:%d", (unsigned long long)s->dev,
		   (unsigned long long)s->ino, s->depth);
	return true;
}

bool statelog_lock(struct statelog *s, const char *dir)
{
	if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
		out_note("error: cannot create '%s' for the state log: %s", dir,
			strerror(errno));
		return false;
	}
	return lock(s, dir);
}
