/* File status for the build: stat one file, or many at once on several threads,
 * and a worker that states files beside the thread that builds the graph. */
#include "os/os.h"
#include "os/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void fs_os_stat(void *ctx, const char *path, struct filestat *st)
{
	(void)ctx;
	os_stat(path, st);
}

static bool fs_os_hash(void *ctx, const char *path, uint64_t *h)
{
	(void)ctx;
	return os_hash(path, h);
}

const struct fs fs_os = {NULL, fs_os_stat, fs_os_hash};

/* A file's mtime in ns: one of -1 ns (a second before 1970, to the last ns)
 * is taken as -2 ns, as MTIME_MISSING is -1 */
static int64_t mtimeof(const struct stat *sb)
{
	int64_t t = (int64_t)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec;

	return t == MTIME_MISSING ? t - 1 : t;
}

bool os_dangling(const char *path, struct buf *target)
{
	char to[PATH_MAX];
	struct stat sb;
	ssize_t n;

	if (lstat(path, &sb) < 0 || !S_ISLNK(sb.st_mode) || stat(path, &sb) == 0)
		return false;
	n = readlink(path, to, sizeof(to));
	if (n < 0)
		return false;
	buf_add(target, to, (size_t)n);
	return true;
}

static void missing(struct filestat *st)
{
	st->mtime = MTIME_MISSING;
	st->size = 0;
	st->ino = 0;
	st->ctime = 0;
}

static void fromstat(struct filestat *st, const struct stat *sb)
{
	st->mtime = mtimeof(sb);
	st->size = (int64_t)sb->st_size;
	st->ino = (uint64_t)sb->st_ino;
	st->ctime = (int64_t)sb->st_ctim.tv_sec * 1000000000 + sb->st_ctim.tv_nsec;
}

void os_stat(const char *path, struct filestat *st)
{
	struct stat sb;

	if (stat(path, &sb) < 0) {
		missing(st);
		return;
	}
	fromstat(st, &sb);
}

/* The work os_stat_many shares out: chunks of the arrays, taken in turn. */
struct statwork {
	const char *const *paths;
	struct filestat *const *sts;
	size_t n;
	atomic_size_t next;
};

enum { STAT_CHUNK = 256 };

/* Directories a stat worker has looked at, after a file in them was missing:
 * a file under a directory that is missing or empty is missing too, without a
 * stat (a dry run from clean has every output under a few missing directories,
 * or in empty ones when a clean left them), and a directory that holds files
 * is not looked at again. All is stated before any job runs. */
enum { DIRS_KNOWN = 8 };
struct dirs {
	struct {
		const char *path; /* the start of a path stated before, len bytes */
		size_t len;
		bool none;        /* missing or empty: no file is under it */
	} v[DIRS_KNOWN];
	unsigned n; /* how many were noted: the oldest goes when all are taken */
};

static bool under(const char *path, size_t plen, const char *dir, size_t dlen)
{
	return plen > dlen && path[dlen] == '/' && !memcmp(path, dir, dlen);
}

/* What is at a directory's path: nothing, an empty directory, or something else
 * (a directory with files in it, or one that cannot be read). */
enum dirlook { DIR_GONE, DIR_EMPTY, DIR_THERE };

static enum dirlook lookdir(const char *dir)
{
	char ents[1024];
	enum dirlook r = DIR_EMPTY;
	ssize_t n, off;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? DIR_GONE : DIR_THERE;
	while (r == DIR_EMPTY && (n = getdents64(fd, ents, sizeof(ents))) != 0) {
		if (n < 0) {
			r = DIR_THERE;
			break;
		}
		for (off = 0; off < n; off += ((struct dirent64 *)(ents + off))->d_reclen) {
			const char *name = ((struct dirent64 *)(ents + off))->d_name;
			if (strcmp(name, ".") && strcmp(name, "..")) {
				r = DIR_THERE;
				break;
			}
		}
	}
	close(fd);
	return r;
}

/* Stat path, knowing what d knows; a missing file has its directory looked at,
 * and the highest of its parents that is missing is noted, or the directory as
 * empty or not. */
static void statin(struct dirs *d, const char *path, struct filestat *st)
{
	char buf[PATH_MAX];
	size_t plen = strlen(path), len, gone = 0;
	enum dirlook look;
	struct stat sb;
	unsigned i;

	for (i = 0; i < d->n && i < DIRS_KNOWN; i++) {
		if (d->v[i].none && under(path, plen, d->v[i].path, d->v[i].len)) {
			missing(st);
			return;
		}
	}
	if (stat(path, &sb) == 0) {
		fromstat(st, &sb);
		return;
	}
	missing(st);
	if (errno != ENOENT)
		return;
	for (len = plen; len > 0 && path[len - 1] != '/'; len--)
		;
	if (len <= 1 || len > sizeof(buf))
		return; /* in the current or root directory, or too long to copy */
	len--; /* the directory, without the slash */
	for (i = 0; i < d->n && i < DIRS_KNOWN; i++) {
		if (d->v[i].len == len && !memcmp(d->v[i].path, path, len))
			return; /* there, as noted */
	}
	memcpy(buf, path, len);
	buf[len] = '\0';
	look = lookdir(buf);
	while (look == DIR_GONE) {
		gone = len;
		while (len > 0 && buf[len - 1] != '/')
			len--;
		if (len <= 1)
			break;
		buf[--len] = '\0';
		look = stat(buf, &sb) == 0 || errno != ENOENT ? DIR_THERE : DIR_GONE;
	}
	i = d->n++ % DIRS_KNOWN;
	d->v[i].path = path;
	d->v[i].len = gone ? gone : len;
	d->v[i].none = gone != 0 || look == DIR_EMPTY;
}

static void *statworker(void *arg)
{
	struct statwork *w = arg;
	struct dirs d = {.n = 0};
	size_t i, start;

	while ((start = atomic_fetch_add(&w->next, STAT_CHUNK)) < w->n) {
		for (i = start; i < w->n && i < start + STAT_CHUNK; i++)
			statin(&d, w->paths[i], w->sts[i]);
	}
	return NULL;
}

void os_stat_many(const char *const *paths, struct filestat *const *sts, size_t n, int threads)
{
	struct statwork w = {paths, sts, n, 0};
	pthread_t tid[16];
	int i, started = 0;

	if (threads > 16)
		threads = 16;
	if ((size_t)threads > n / STAT_CHUNK)
		threads = (int)(n / STAT_CHUNK);
	for (i = 1; i < threads; i++) {
		if (pthread_create(&tid[started], NULL, statworker, &w) == 0)
			started++;
	}
	statworker(&w); /* this thread works too, and alone if none could start */
	for (i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
}

bool filestat_written(const struct filestat *a, const struct filestat *b)
{
	return a->mtime != b->mtime || a->size != b->size || a->ino != b->ino;
}

bool filestat_differ(const struct filestat *a, const struct filestat *b)
{
	return filestat_written(a, b) || a->ctime != b->ctime;
}

/* The items handed to an os_statq, in blocks: the worker reads one while the
 * caller fills the next, and frees each when done with it. */
enum { STATQ_BLOCK = 8192, STATQ_HAND = 32 };
struct statq_block {
	struct statq_block *next;
	void *v[STATQ_BLOCK];
};

struct os_statq {
	pthread_t tid;
	size_t stoff;              /* where an item holds its struct filestat */
	struct statq_block *tail;  /* the caller fills it */
	struct statq_block *cur;   /* the worker reads it; all before it are freed */
	size_t n;                  /* handed over, as only the caller knows */
	atomic_size_t ready;       /* handed over, as the worker may read */
	atomic_bool stop;
	size_t stated;             /* by the worker, when it stopped */
	uint64_t started;          /* os_started() when the worker began */
};

static void *statqworker(void *arg)
{
	struct os_statq *q = arg;
	struct statq_block *b = q->cur, *next;
	struct dirs d = {.n = 0};
	struct timespec nap = {0, 50000};
	size_t i = 0, ready;
	char *item;

	while (!atomic_load_explicit(&q->stop, memory_order_relaxed)) {
		ready = atomic_load_explicit(&q->ready, memory_order_acquire);
		if (i == ready) {
			nanosleep(&nap, NULL); /* the caller is slower to start */
			continue;
		}
		for (; i < ready && !atomic_load_explicit(&q->stop, memory_order_relaxed); i++) {
			if (i > 0 && i % STATQ_BLOCK == 0) {
				next = b->next; /* made before item i was handed over */
				free(b);
				b = next;
			}
			item = b->v[i % STATQ_BLOCK];
			statin(&d, *(const char **)(void *)item, (struct filestat *)(void *)(item + q->stoff));
		}
	}
	q->stated = i;
	q->cur = b;
	return NULL;
}

struct os_statq *os_statq_start(size_t stoff)
{
	struct os_statq *q = xcalloc(1, sizeof(*q));
	sigset_t all, old;
	int rc;

	q->stoff = stoff;
	q->tail = q->cur = xmalloc(sizeof(*q->tail));
	q->tail->next = NULL;
	q->started = os_started();
	/* signals are for the thread that builds: the worker starts with them blocked */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&q->tid, NULL, statqworker, q);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		free(q->tail);
		free(q);
		return NULL;
	}
	return q;
}

void os_statq_push(struct os_statq *q, void *item)
{
	struct statq_block *b;

	if (q->n > 0 && q->n % STATQ_BLOCK == 0) {
		b = xmalloc(sizeof(*b));
		b->next = NULL;
		q->tail->next = b;
		q->tail = b;
	}
	q->tail->v[q->n % STATQ_BLOCK] = item;
	/* handed over a few at a time: each store to ready takes its line from the
	 * worker's core */
	if (++q->n % STATQ_HAND == 0)
		atomic_store_explicit(&q->ready, q->n, memory_order_release);
}

size_t os_statq_stop(struct os_statq *q)
{
	struct statq_block *b, *next;
	size_t n;

	atomic_store_explicit(&q->stop, true, memory_order_relaxed);
	pthread_join(q->tid, NULL);
	/* a process started meanwhile may have changed any file: what the worker
	 * found is stale */
	n = os_started() == q->started ? q->stated : 0;
	for (b = q->cur; b; b = next) {
		next = b->next;
		free(b);
	}
	free(q);
	return n;
}
