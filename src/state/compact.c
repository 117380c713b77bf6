/* Compacting the state log: its live records written to a new file, which
 * then takes the old one's place. */
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
	int64_t off; /* where its body is in the new file */
};

/* Where an entry's line is: in the file, or (read from a copy) in memory. */
static int64_t place(const struct logentry *e)
{
	return e->inmem ? (int64_t)(intptr_t)e->body : e->off;
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

/* Write the live records to a new file and put it in place of the log. The old
 * file is mapped and read in order, its pages let go of as it goes, and the new
 * one is written a megabyte at a time: compacting a log of a hundred megabytes
 * costs a few. */
void statelog_compact(struct statelog *s)
{
	struct buf b = {0}, tmp = {0};
	struct stat st;
	struct moved *moved;
	size_t i, n = 0, size = 0;
	int64_t written = 0;
	const char *gone = NULL;
	char *whole = NULL;
	bool mapped = false, ok;
	int fd;

	/* the records still in the file: one pass over all of it, not one read a record */
	fd = s->rfd > 0 ? s->rfd : s->fd;
	if (fd > 0 && fstat(fd, &st) == 0 && st.st_size > 0) {
		size = (size_t)st.st_size;
		if ((whole = log_wholefile(fd, size, &mapped))) {
			s->whole = gone = whole;
			s->wholelen = size;
		}
	}
	moved = liveentries(s, &n);
	buf_printf(&tmp, "%s.tmp", s->path);
	fd = open(tmp.s, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	ok = fd >= 0;
	buf_puts(&b, LOG_HEADER);
	for (i = 0; ok && i < n; i++) {
		struct logentry *e = moved[i].e;
		moved[i].off = written + (int64_t)b.len + SUMLEN;
		/* (a record that cannot be read again keeps the old log: it is still right) */
		ok = log_rawformat(&b, s, e);
		if (ok && b.len >= LOG_CHUNK) {
			ok = log_writeall(fd, b.s, b.len);
			written += (int64_t)b.len;
			b.len = 0;
		}
		if (mapped && !e->inmem && e->off + e->bodylen - (gone - whole) >= LOG_CHUNK) {
			log_letgo(gone, whole + e->off + e->bodylen);
			gone = whole + e->off + e->bodylen;
		}
	}
	ok = ok && log_writeall(fd, b.s, b.len);
	if (fd >= 0 && close(fd) != 0)
		ok = false;
	if (mapped)
		munmap(whole, size);
	else
		free(whole);
	s->whole = NULL;
	s->wholelen = 0;
	if (ok && rename(tmp.s, s->path) == 0) {
		/* the records still in the file are now where this wrote them */
		for (i = 0; i < n; i++) {
			if (!moved[i].e->inmem)
				moved[i].e->off = moved[i].off;
		}
	} else if (fd >= 0) {
		unlink(tmp.s); /* keep the old log: it is still right */
	}
	buf_free(&b);
	buf_free(&tmp);
	free(moved);
}

/* Compact the log from the file itself, read again: for records appended and
 * not kept in memory. */
void statelog_recompact(struct statelog *s)
{
	struct statelog t;
	bool header, empty;

	statelog_init(&t);
	t.path = s->path;
	log_readlog(&t, t.path, &header, &empty);
	if (header)
		statelog_compact(&t);
	hset_free(&t.firsts);
	htab_free(&t.others);
	arena_free(&t.a);
	arena_free(&t.recs);
	if (t.rfd > 0)
		close(t.rfd);
}

/* The bytes the live records take in the file (its size once compacted). */
uint64_t statelog_livebytes(const struct statelog *s)
{
	uint64_t bytes = strlen(LOG_HEADER) + s->added.bytes;
	size_t i, n;
	struct moved *o = othersonly(s, &n);

	for (i = 0; i < s->firsts.cap; i++) {
		if (s->firsts.v[i])
			bytes += SUMLEN + (uint64_t)((struct logentry *)s->firsts.v[i])->bodylen + 1;
	}
	for (i = 0; i < n; i++)
		bytes += SUMLEN + (uint64_t)o[i].e->bodylen + 1;
	free(o);
	return bytes;
}

