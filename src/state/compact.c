/* Compacting the state log: its live records written to a new file, with the
 * paths they name numbered anew, which then takes the old one's place. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state/logfile.h"

struct moved {
	struct logentry *e;
};

/* Where an entry is: in the file, or (read from a copy) in memory. */
static int64_t place(const struct logentry *e)
{
	return e->inmem ? (int64_t)(intptr_t)e->at : e->off;
}

/* Oldest first. */
static int byoffset(const void *a, const void *b)
{
	int64_t p = place(((const struct moved *)a)->e), q = place(((const struct moved *)b)->e);

	return (p > q) - (p < q);
}

static int bypointer(const void *a, const void *b)
{
	const struct logentry *x = ((const struct moved *)a)->e, *y = ((const struct moved *)b)->e;

	return (x > y) - (x < y);
}

/* The records that other outputs reach and their first output does not, each
 * once (a rule split in two is still judged by the record of the two), *n of
 * them. The keys are not looked at: the caller's may be gone (statelog_close). */
static struct moved *othersonly(const struct statelog *s, size_t *n)
{
	struct moved *v = xcalloc(s->others.n + 1, sizeof(*v));
	size_t i, k = 0, j;

	for (i = 0; i < s->others.cap; i++) {
		if (s->others.e[i].key && s->others.e[i].val)
			v[k++].e = s->others.e[i].val;
	}
	qsort(v, k, sizeof(*v), bypointer);
	for (i = j = 0; i < k; i++) {
		if ((!i || v[i - 1].e != v[i].e) && v[i].e->hidden)
			v[j++] = v[i];
	}
	*n = j;
	return v;
}

/* Every live entry once, oldest first, *n of them: the newest record of each
 * first output, and those of othersonly. */
static struct moved *liveentries(const struct statelog *s, size_t *n)
{
	size_t i, k, j;
	struct moved *o = othersonly(s, &k);
	struct moved *v = xcalloc(s->firsts.n + k + 1, sizeof(*v));

	for (i = j = 0; i < s->firsts.cap; i++) {
		if (s->firsts.v[i])
			v[j++].e = s->firsts.v[i];
	}
	memcpy(v + j, o, k * sizeof(*v));
	free(o);
	qsort(v, j + k, sizeof(*v), byoffset);
	*n = j + k;
	return v;
}

/* Append the entry of record e, read whole from t, to b, numbering its paths as
 * renum (by t's numbers; UINT32_MAX: none yet) says, and giving the next of
 * *next to each path it names that has none yet, with an entry of its own
 * first. False if the record is damaged: it is left out. */
static bool move(struct buf *b, const struct statelog *t, const struct entry *e,
		 uint32_t *renum, uint32_t *next)
{
	const struct rechead *h = &e->h;
	uint64_t k, n = (uint64_t)h->nout + h->nin + h->ndep;
	uint32_t id;

	if (!logline_bodyok(e->body, h->bodylen))
		return false;
	for (k = 0; k < n; k++) {
		if (!logpaths_get(&t->paths, logline_fileid(e, k)))
			return false;
	}
	for (k = 0; k < n; k++) {
		id = logline_fileid(e, k);
		if (renum[id] == UINT32_MAX) {
			const char *path = logpaths_get(&t->paths, id);
			renum[id] = (*next)++;
			logline_path(b, renum[id], path, strlen(path));
		}
	}
	logline_renumber(b, e, renum);
	return true;
}

/* Write the live records of t, read from its file (t->rfd), to a new file and put
 * it in place of the log. The old file is mapped and read in order, its pages
 * let go of as it goes, and the new one is written a megabyte at a time:
 * compacting a log of a hundred megabytes costs a few. */
static void compact(struct statelog *t)
{
	struct buf b = {0}, tmp = {0};
	struct stat st;
	struct moved *moved;
	struct entry e;
	size_t i, n = 0, size = 0;
	uint32_t *renum = xmalloc(((size_t)t->paths.n + 1) * sizeof(*renum)), next = 0;
	const char *gone = NULL;
	char *whole = NULL, *copy;
	bool mapped = false, ok;
	int fd = t->rfd;

	if (fd > 0 && fstat(fd, &st) == 0 && st.st_size > 0) {
		size = (size_t)st.st_size;
		if ((whole = log_wholefile(fd, size, &mapped))) {
			t->whole = gone = whole;
			t->wholelen = size;
		}
	}
	memset(renum, 0xff, ((size_t)t->paths.n + 1) * sizeof(*renum));
	moved = liveentries(t, &n);
	buf_printf(&tmp, "%s.tmp", t->path);
	fd = open(tmp.s, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	ok = fd >= 0 && whole;
	buf_puts(&b, LOG_HEADER);
	for (i = 0; ok && i < n; i++) {
		struct logentry *le = moved[i].e;
		/* (a record damaged since it was read is left out: it is rebuilt) */
		if (log_rawentry(t, le, &copy, &e))
			move(&b, t, &e, renum, &next);
		free(copy);
		if (b.len >= LOG_CHUNK) {
			ok = log_writeall(fd, b.s, b.len);
			b.len = 0;
		}
		if (mapped && le->off + le->len - (gone - whole) >= LOG_CHUNK) {
			log_letgo(gone, whole + le->off + le->len);
			gone = whole + le->off + le->len;
		}
	}
	ok = ok && log_writeall(fd, b.s, b.len);
	if (fd >= 0 && close(fd) != 0)
		ok = false;
	if (mapped)
		munmap(whole, size);
	else
		free(whole);
	t->whole = NULL;
	t->wholelen = 0;
	if (!ok || rename(tmp.s, t->path) != 0) {
		if (fd >= 0)
			unlink(tmp.s); /* keep the old log: it is still right */
	}
	buf_free(&b);
	buf_free(&tmp);
	free(moved);
	free(renum);
}

void statelog_compact(struct statelog *s)
{
	struct statelog t;
	bool header, empty;

	/* read again, keeping copies of the paths: the caller's may be gone */
	statelog_init(&t);
	t.path = s->path;
	log_readlog(&t, t.path, &header, &empty);
	if (header)
		compact(&t);
	log_forget(&t);
	if (t.rfd > 0)
		close(t.rfd);
}

uint64_t statelog_livebytes(const struct statelog *s)
{
	uint64_t bytes = strlen(LOG_HEADER) + s->added.bytes + s->pathbytes;
	size_t i, n;
	struct moved *o = othersonly(s, &n);

	for (i = 0; i < s->firsts.cap; i++) {
		if (s->firsts.v[i])
			bytes += ((struct logentry *)s->firsts.v[i])->len;
	}
	for (i = 0; i < n; i++)
		bytes += o[i].e->len;
	free(o);
	return bytes;
}
