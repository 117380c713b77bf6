/* Reading the state log's file: its entries taken into the tables of
 * statelog.c a part of the file at a time, the batches of paths a build
 * leaves for later, and an entry read again when it is needed. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state/logfile.h"

/* The n bytes at off in the log: where it is held, else read into buf; NULL if
 * they cannot be read. */
static const char *readat(const struct statelog *s, uint64_t off, size_t n, char *buf)
{
	int fd = s->rfd > 0 ? s->rfd : s->fd;
	size_t got = 0;
	ssize_t k;

	if (s->whole)
		return off <= s->wholelen && n <= s->wholelen - off ? s->whole + off : NULL;
	while (fd > 0 && got < n) {
		k = pread(fd, buf + got, n - got, (off_t)(off + got));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	return got == n ? buf : NULL;
}

const char *log_rawentry(const struct statelog *s, const struct logentry *le, char **tmp,
			 struct entry *e)
{
	char header[ENTRY_HEADER];
	const char *p;
	size_t head = le->len;

	*tmp = s->whole ? NULL : xmalloc((size_t)le->len + 1);
	/* a head apart says where its body is: the record's bytes are both */
	if (le->split && (p = readat(s, (uint64_t)le->off, ENTRY_HEADER, header)))
		head = ENTRY_HEADER + (size_t)logline_u32(p + 4);
	p = head <= le->len ? readat(s, (uint64_t)le->off, head, *tmp) : NULL;
	/* the entry read again must be the one read when the log was loaded */
	if (p && !(logline_entry(p, head, head, e) &&
		   e->kind == (le->split ? ENTRY_HEAD : ENTRY_RECORD) &&
		   e->size + (le->split ? (uint64_t)e->h.bodylen + ENTRY_SUM : 0) == le->len &&
		   e->h.script_hash == le->script_hash && e->h.files_hash == le->files_hash))
		p = NULL;
	if (p && le->split &&
	    !(e->body = readat(s, s->base + e->h.bodyoff, le->len - head, *tmp ? *tmp + head : NULL)))
		p = NULL;
	if (!p) {
		free(*tmp);
		*tmp = NULL;
	}
	return p;
}

/* Let go of the whole pages in [from, to) of a read-only mapping of the file:
 * they are read again from the file if touched again. */
void log_letgo(const char *from, const char *to)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t a = ((uintptr_t)from + page - 1) / page * page, b = (uintptr_t)to / page * page;

	if (b > a)
		madvise((void *)a, b - a, MADV_DONTNEED);
}

/* Take the record of entry e, at off in the log, as the newest of its outputs;
 * false if it names a path the log has not numbered. */
static bool takerecord(struct statelog *s, const struct entry *e, int64_t off)
{
	const struct rechead *rh = &e->h;
	struct logentry h = {0};
	const char *keybuf[8], **keys = keybuf;
	size_t lenbuf[8], *lens = lenbuf;
	uint32_t slotbuf[8], *slots = slotbuf;
	uint64_t len = e->size + (e->kind == ENTRY_HEAD ? (uint64_t)rh->bodylen + ENTRY_SUM : 0);
	uint32_t k, id;
	bool ok = len <= UINT32_MAX;

	if (ok && rh->nout > LEN(keybuf)) {
		keys = xmalloc(rh->nout * sizeof(*keys));
		lens = xmalloc(rh->nout * sizeof(*lens));
		slots = xmalloc(rh->nout * sizeof(*slots));
	}
	for (k = 0; ok && k < rh->nout; k++) {
		id = logline_id(rh->outs, k);
		ok = (keys[k] = log_path(s, id)) != NULL;
		if (ok) {
			/* a path the caller has a slot for is found by it: its
			 * string is not looked at (it is the caller's, not in
			 * the cache any more) */
			slots[k] = logpaths_slot(&s->paths, id);
			lens[k] = slots[k] < s->nslots ? 0 : strlen(keys[k]);
		}
	}
	if (ok)
		h.deps = log_depids(s, rh->ndep, rh->deps, NULL, &ok);
	if (ok) {
		h.len = (uint32_t)len;
		h.script_hash = rh->script_hash;
		h.files_hash = rh->files_hash;
		h.off = off;
		h.split = e->kind == ENTRY_HEAD;
		h.duration_ms = rh->duration_ms;
		h.ok = rh->ok;
		h.nout = rh->nout < LOG_MANYOUT ? rh->nout : LOG_MANYOUT;
		h.nin = rh->nin < LOG_MANYIN ? rh->nin : LOG_MANYIN;
		log_keepentry(s, &h, keys, lens, slots, rh->nout);
	}
	if (keys != keybuf) {
		free(keys);
		free(lens);
		free(slots);
	}
	return ok;
}

/* Take the paths of batch e, which starts pos bytes into the log; false if one
 * of its numbers is given already, or is more than a log of that size gives. */
static bool takepaths(struct statelog *s, const struct entry *e, uint64_t pos)
{
	enum { AHEAD = 8 }; /* paths prefetched ahead of the one looked up */
	const char *at = e->path, *ahead = e->path, *path;
	uint32_t i, len, slot;

	if (e->id >= logpaths_most(pos) || !logline_batchok(e))
		return false;
	for (i = 0; i < e->npaths; i++) {
		if (logpaths_get(&s->paths, e->id + i))
			return false;
	}
	for (i = 0; i < e->npaths + AHEAD; i++) {
		if (s->prefetch && i < e->npaths) {
			path = logline_nextpath(&ahead, &len);
			s->prefetch(s->intern_ctx, path, len);
		}
		if (i >= AHEAD) {
			path = logline_nextpath(&at, &len);
			logpaths_set(&s->paths, e->id + i - AHEAD, log_keep(s, path, len, &slot));
			logpaths_setslot(&s->paths, e->id + i - AHEAD, slot);
		}
	}
	return true;
}

/* Keep where batch e (at pos) is, to read it when its paths are needed. */
static bool takelater(struct statelog *s, const struct entry *e, uint64_t pos)
{
	if (e->id >= logpaths_most(pos) || e->size > UINT32_MAX)
		return false;
	xgrow((void **)&s->later.v, &s->later.cap, s->later.n + 1, sizeof(*s->later.v));
	s->later.v[s->later.n].off = (int64_t)pos;
	s->later.v[s->later.n].size = (uint32_t)e->size;
	s->later.v[s->later.n++].first = e->id;
	logpaths_reserve(&s->paths, e->id + e->npaths);
	return true;
}

void log_readlater(struct statelog *s)
{
	struct entry e;
	char *buf;
	const char *p;
	size_t i, n = s->later.n;

	s->later.n = 0;
	for (i = 0; i < n; i++) {
		buf = s->whole ? NULL : xmalloc(s->later.v[i].size);
		p = readat(s, (uint64_t)s->later.v[i].off, s->later.v[i].size, buf);
		/* the batch read again must be the one found when the log was
		 * loaded; if it is not, the records that name its paths are
		 * damaged (they run again) */
		if (p && logline_entry(p, s->later.v[i].size, s->later.v[i].size, &e) &&
		    e.kind == ENTRY_INPATHS && e.id == s->later.v[i].first &&
		    e.size == s->later.v[i].size)
			takepaths(s, &e, (uint64_t)s->later.v[i].off);
		free(buf);
	}
}

/* Take entry e, which starts pos bytes into the log; false if it is damaged. */
static bool takeentry(struct statelog *s, const struct entry *e, uint64_t pos)
{
	uint32_t slot;

	if (e->kind == ENTRY_BODIES)
		return true; /* skipped */
	if (e->kind == ENTRY_RECORD)
		s->tail += e->size;
	else
		s->heads += e->size;
	if (e->kind == ENTRY_PATHS || e->kind == ENTRY_INPATHS) {
		s->pathbytes += e->size;
		if (e->kind == ENTRY_INPATHS && s->lazy)
			return takelater(s, e, pos);
		return takepaths(s, e, pos);
	}
	if (e->kind != ENTRY_PATH)
		return takerecord(s, e, (int64_t)pos);
	/* a number given once, and no bigger than a log of this size gives */
	if (e->id >= logpaths_most(pos) || logpaths_get(&s->paths, e->id))
		return false;
	logpaths_set(&s->paths, e->id, log_keep(s, e->path, e->pathlen, &slot));
	logpaths_setslot(&s->paths, e->id, slot);
	s->pathbytes += e->size;
	return true;
}

/* The log as it is read: the bytes held from p to end, which start pos bytes
 * into it, and more read from fd as they are needed (-1: all of it is held). */
struct reader {
	int fd;
	char *buf;   /* what was read from fd, cap bytes */
	size_t cap;
	const char *p, *end;
	uint64_t pos, size; /* (size: of the log) */
};

/* Read more for hold. */
static bool refill(struct reader *r, uint64_t n)
{
	size_t held = (size_t)(r->end - r->p), want;
	ssize_t got;
	char *to;

	if (r->fd < 0 || n > r->size - r->pos)
		return false;
	want = (size_t)(r->size - r->pos < LOG_CHUNK ? r->size - r->pos : LOG_CHUNK);
	want = n > want ? (size_t)n : want;
	to = want > r->cap ? xmalloc(want) : r->buf;
	if (held) /* (nothing held yet: r->p may be NULL) */
		memmove(to, r->p, held);
	if (to != r->buf) {
		free(r->buf);
		r->buf = to;
		r->cap = want;
	}
	while (held < want) {
		got = pread(r->fd, to + held, want - held, (off_t)(r->pos + held));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		held += (size_t)got;
	}
	r->p = to;
	r->end = to + held;
	return held >= n;
}

/* Hold at least n bytes at r->p; false if fewer are left in the log, or they
 * cannot be read. The bytes held before may move. */
static inline bool hold(struct reader *r, uint64_t n)
{
	return (uint64_t)(r->end - r->p) >= n || refill(r, n);
}

/* Go on n bytes, which need not be held. */
static void skip(struct reader *r, uint64_t n)
{
	if (n <= (uint64_t)(r->end - r->p))
		r->p += n;
	else
		r->p = r->end; /* let go of what is held */
	r->pos += n;
}

/* Go on to the next mark, after damage; false if there is none. */
static bool resync(struct reader *r)
{
	const char *mark;

	skip(r, 1);
	while (hold(r, 1)) {
		if ((mark = memchr(r->p, ENTRY_MARK, (size_t)(r->end - r->p)))) {
			skip(r, (uint64_t)(mark - r->p));
			return true;
		}
		skip(r, (uint64_t)(r->end - r->p));
	}
	return false;
}

/* Read the entries of the log, reading only the heads of the records; returns
 * the number of damaged stretches. After damage, the next entry is looked for
 * at each mark that follows. */
static size_t readentries(struct statelog *s, struct reader *r)
{
	struct entry e;
	size_t bad = 0;
	bool lost = false;

	while (r->pos < r->size) {
		if (hold(r, ENTRY_HEADER) && logline_tagged(r->p) &&
		    hold(r, ENTRY_HEADER + (uint64_t)logline_u32(r->p + 4)) &&
		    logline_entry(r->p, (size_t)(r->end - r->p), r->size - r->pos, &e)) {
			if (!takeentry(s, &e, r->pos))
				bad++;
			lost = false;
			skip(r, e.size);
		} else {
			bad += !lost;
			lost = true;
			if (!resync(r))
				break;
		}
	}
	return bad;
}

size_t statelog_parse(struct statelog *s, const char *text, size_t len)
{
	char *copy = arena_alloc(&s->a, len + 1);
	struct reader r = {-1, NULL, 0, copy, copy + len, 0, len};

	memcpy(copy, text, len);
	s->whole = copy;
	s->wholelen = len;
	return readentries(s, &r);
}

/* All of the file behind fd, st_size bytes: mapped (*mapped), or read into
 * memory if it cannot be; NULL if it cannot be read. */
char *log_wholefile(int fd, size_t size, bool *mapped)
{
	char *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	size_t got = 0;
	ssize_t n;

	*mapped = p != MAP_FAILED;
	if (*mapped) {
		/* pages of the file, not huge ones: it is let go of a part at a time */
		madvise(p, size, MADV_NOHUGEPAGE);
		return p;
	}
	p = xmalloc(size);
	while (got < size) {
		n = pread(fd, p + got, size - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got < size) {
		free(p);
		return NULL;
	}
	return p;
}

/* Read the log at path, keeping only the records' heads (the rest is read again
 * from s->rfd when needed). It is read a part at a time, the bodies of long
 * records skipped, so that reading it holds no more than LOG_CHUNK bytes or so
 * (and the longest head) and changes no mapping while the files are stated on
 * other threads. *header tells whether it starts with this version's header;
 * returns the number of damaged stretches. */
size_t log_readlog(struct statelog *s, const char *path, bool *header, bool *empty)
{
	struct stat st;
	struct reader r = {-1, NULL, 0, NULL, NULL, 0, 0};
	size_t bad = 0, hlen = strlen(LOG_HEADER);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	*header = false;
	*empty = true;
	if (fd == 0) { /* baton was started without stdin: keep 0 free for "none" */
		fd = fcntl(0, F_DUPFD_CLOEXEC, 3);
		close(0);
	}
	if (fd < 0)
		return 0;
	/* another baton may be appending (one run by a job of this one's): read
	 * whole records, none half written, up to the size it has now */
	flock(fd, LOCK_SH);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
		close(fd); /* not a log baton wrote, or nothing to read: start a new one */
		return 0;
	}
	flock(fd, LOCK_UN);
	*empty = false;
	r.fd = fd;
	r.size = (uint64_t)st.st_size;
	*header = hold(&r, hlen) && !memcmp(r.p, LOG_HEADER, hlen);
	if (*header) {
		/* (what is left for later is read from it) */
		s->rfd = fd;
		skip(&r, hlen);
		s->base = hlen;
		bad = readentries(s, &r);
		s->end = (int64_t)r.size;
	} else {
		close(fd);
	}
	free(r.buf);
	return bad;
}

/* Take the entries that another baton (run by a job of this one, or running
 * this one) appended to the log from from to to. */
void log_foreign(struct statelog *s, int64_t from, int64_t to)
{
	struct reader r = {s->fd, NULL, 0, NULL, NULL, (uint64_t)from, (uint64_t)to};

	s->foreign = true;
	readentries(s, &r);
	free(r.buf);
}
