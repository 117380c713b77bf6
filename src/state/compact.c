/* Compacting the state log: its live records written to a new file, with the
 * paths they name numbered anew and their heads together, which then takes the
 * old one's place. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "os/os.h"
#include "state/logfile.h"

struct moved {
	struct logentry *e;
};

/* Oldest first. */
static int byoffset(const void *a, const void *b)
{
	int64_t p = ((const struct moved *)a)->e->off, q = ((const struct moved *)b)->e->off;

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
	struct moved *v = xcalloc(s->nbyslot + s->firsts.n + k + 1, sizeof(*v));

	for (i = j = 0; i < s->nslots && s->byslot; i++) {
		if (s->byslot[i])
			v[j++].e = s->byslot[i];
	}
	for (i = 0; i < s->firsts.cap; i++) {
		if (s->firsts.v[i])
			v[j++].e = s->firsts.v[i];
	}
	memcpy(v + j, o, k * sizeof(*v));
	free(o);
	qsort(v, j + k, sizeof(*v), byoffset);
	*n = j + k;
	return v;
}

/* The file being written: what is held, and how much was written before it. */
struct out {
	int fd;
	struct buf b;
	uint64_t written;
	bool ok;
};

/* Write what is held once it is LOG_CHUNK or more (or at all: limit 0). */
static void flush(struct out *o, size_t limit)
{
	if (o->ok && o->b.len >= limit && o->b.len) {
		o->ok = os_write_all(o->fd, o->b.s, o->b.len);
		o->written += o->b.len;
		o->b.len = 0;
	}
}

/* The live records read back one at a time, in order, from the file t maps
 * whole, its pages let go of behind the one read last: behind its entry, and
 * for a head apart, behind its body (bodies are in the order of their heads). */
struct walk {
	const struct statelog *t;
	struct moved *v;
	size_t n, i;
	const char *gone, *bodies; /* (bodies: NULL until the first body apart) */
};

/* Let go of the pages from *gone to end once they are LOG_CHUNK or more. */
static void behind(const char **gone, const char *end)
{
	if (!*gone)
		*gone = end;
	if (end - *gone >= LOG_CHUNK) {
		log_letgo(*gone, end);
		*gone = end;
	}
}

/* The next record, whole and naming only paths t numbers, into *e; NULL at the
 * end. A record damaged since it was loaded is left out (it is rebuilt). */
static struct logentry *next(struct walk *w, struct entry *e)
{
	const struct statelog *t = w->t;
	struct logentry *le;
	char *tmp;
	uint64_t k, n;
	bool ok;

	while (w->i < w->n) {
		le = w->v[w->i++].e;
		ok = log_rawentry(t, le, &tmp, e) && logline_bodyok(e->body, e->h.bodylen);
		n = (uint64_t)e->h.nout + e->h.nin + e->h.ndep;
		for (k = 0; ok && k < n; k++)
			ok = logpaths_get(&t->paths, logline_fileid(e, k)) != NULL;
		free(tmp); /* (none: t->whole is the file) */
		if (ok) {
			if (le->split)
				behind(&w->bodies, e->body + e->h.bodylen);
			behind(&w->gone, t->whole + le->off + e->size);
			return le;
		}
	}
	return NULL;
}

/* Start walking the live records again. */
static void rewind_walk(struct walk *w)
{
	log_letgo(w->t->whole, w->t->whole + w->t->wholelen);
	w->i = 0;
	w->gone = w->t->whole;
	w->bodies = NULL;
}

/* A batch of paths being made at the end of o->b. */
struct batch {
	char kind;
	size_t start;
	uint32_t first, n;
};

/* End the batch, if it holds a path, and write what is held. */
static void endbatch(struct out *o, struct batch *bt)
{
	if (bt->n) {
		logline_batchend(&o->b, bt->start, bt->kind, bt->first, bt->n);
		bt->n = 0;
	}
	flush(o, LOG_CHUNK);
}

/* Number the path of t numbered id anew, next after the others, unless it is
 * already: in the batch being made (one ends at LINE_PIECE bytes or so, so
 * that damage loses no more). */
static void number(const struct statelog *t, uint32_t id, uint32_t *renum, uint32_t *next_id,
		   struct out *o, struct batch *bt)
{
	const char *path;

	if (renum[id] != UINT32_MAX)
		return;
	path = logpaths_get(&t->paths, id);
	if (!bt->n) {
		bt->start = logline_batchstart(&o->b);
		bt->first = *next_id;
	}
	renum[id] = (*next_id)++;
	logline_batchadd(&o->b, path, strlen(path));
	bt->n++;
	if (o->b.len - bt->start >= LINE_PIECE)
		endbatch(o, bt);
}

/* Write the live records of t, read from its file mapped whole, to o: first the
 * paths they name, numbered anew in the order they are met, in batches: the
 * outputs and depfile inputs, then the paths that only inputs name (which a
 * build that is up to date does not read); then their heads apart, then their
 * bodies in one block. A walk over the file for each, its pages let go of as
 * each goes: compacting a log of a hundred megabytes holds a few. */
static void rewrite(struct statelog *t, struct moved *v, size_t n, struct out *o)
{
	struct walk w = {t, v, n, 0, t->whole, NULL};
	struct entry e;
	struct batch bt = {ENTRY_PATHS, 0, 0, 0};
	uint32_t *renum = xmalloc(((size_t)t->paths.n + 1) * sizeof(*renum)), next_id = 0;
	uint64_t k, deps, files, heads = 0, bodies = 0, at;

	memset(renum, 0xff, ((size_t)t->paths.n + 1) * sizeof(*renum));
	while (next(&w, &e)) {
		deps = (uint64_t)e.h.nout + e.h.nin;
		files = deps + e.h.ndep;
		for (k = 0; k < e.h.nout; k++)
			number(t, logline_fileid(&e, k), renum, &next_id, o, &bt);
		for (k = deps; k < files; k++)
			number(t, logline_fileid(&e, k), renum, &next_id, o, &bt);
		heads += logline_headsize(&e);
		bodies += (uint64_t)e.h.bodylen + ENTRY_SUM;
	}
	endbatch(o, &bt);
	bt.kind = ENTRY_INPATHS;
	rewind_walk(&w);
	while (next(&w, &e)) {
		for (k = e.h.nout; k < (uint64_t)e.h.nout + e.h.nin; k++)
			number(t, logline_fileid(&e, k), renum, &next_id, o, &bt);
	}
	endbatch(o, &bt);
	/* the first body, after the paths, the heads and the block's header */
	at = o->written + o->b.len + heads + ENTRY_HEADER + 8 - strlen(LOG_HEADER);
	rewind_walk(&w);
	while (next(&w, &e)) {
		logline_movehead(&o->b, &e, renum, at);
		at += (uint64_t)e.h.bodylen + ENTRY_SUM;
		flush(o, LOG_CHUNK);
	}
	logline_bodies(&o->b, bodies);
	rewind_walk(&w);
	while (next(&w, &e)) {
		logline_movebody(&o->b, &e, renum);
		flush(o, LOG_CHUNK);
	}
	flush(o, 0);
	free(renum);
}

/* Write the live records of t, read from its file (t->rfd), to a new file and put
 * it in place of the log. */
static void compact(struct statelog *t)
{
	struct out o = {-1, {0}, 0, true};
	struct buf tmp = {0};
	struct stat st;
	struct moved *moved;
	size_t n = 0, size = 0;
	char *whole = NULL;
	bool mapped = false;

	if (t->rfd > 0 && fstat(t->rfd, &st) == 0 && st.st_size > 0) {
		size = (size_t)st.st_size;
		whole = log_wholefile(t->rfd, size, &mapped);
	}
	if (!whole)
		return;
	t->whole = whole;
	t->wholelen = size;
	moved = liveentries(t, &n);
	buf_printf(&tmp, "%s.tmp", t->path);
	o.fd = open(tmp.s, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	o.ok = o.fd >= 0;
	buf_puts(&o.b, LOG_HEADER);
	o.written = 0;
	if (o.ok)
		rewrite(t, moved, n, &o);
	if (o.fd >= 0 && close(o.fd) != 0)
		o.ok = false;
	if (mapped)
		munmap(whole, size);
	else
		free(whole);
	t->whole = NULL;
	t->wholelen = 0;
	if (!o.ok || rename(tmp.s, t->path) != 0) {
		if (o.fd >= 0)
			unlink(tmp.s); /* keep the old log: it is still right */
	}
	buf_free(&o.b);
	buf_free(&tmp);
	free(moved);
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

	for (i = 0; i < s->nslots && s->byslot; i++) {
		if (s->byslot[i])
			bytes += s->byslot[i]->len;
	}
	for (i = 0; i < s->firsts.cap; i++) {
		if (s->firsts.v[i])
			bytes += ((struct logentry *)s->firsts.v[i])->len;
	}
	for (i = 0; i < n; i++)
		bytes += o[i].e->len;
	free(o);
	return bytes;
}
