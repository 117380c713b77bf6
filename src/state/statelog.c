/* The state log's tables: the records by their first output (by the caller's
 * slot, else by path) and by their others, the record read whole last;
 * opening, loading, locking aside (loglock.c), and closing. The file is read
 * in logread.c, appended to in logappend.c, compacted in compact.c. */
#include "state/statelog.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/out.h"
#include "os/os.h"
#include "state/logfile.h"

static_assert(offsetof(struct logentry, first) == offsetof(struct hkey, s) &&
		      offsetof(struct logentry, firstlen) == offsetof(struct hkey, len),
	      "a log entry starts with its key");
static_assert(sizeof(struct logentry) <= 56, "a log entry takes 56 bytes");

#define STR_(x) #x
#define STR(x) STR_(x)
const char LOG_HEADER[] = "baton-log " STR(LOG_VERSION) "\n";

/* Read the script and the files of an entry whose head was read. */
static bool parsefiles(struct statelog *s, struct logentry *le)
{
	struct entry e;
	struct record *r = arena_alloc(&s->recs, sizeof(*r));
	char *tmp;
	bool ok;

	log_readlater(s);
	ok = log_rawentry(s, le, &tmp, &e) && logline_record(&s->recs, &e, &s->paths, r);

	free(tmp);
	if (!ok)
		return false;
	s->r = r;
	le->parsed = true;
	return true;
}

const char *log_path(struct statelog *s, uint32_t id)
{
	const char *path = logpaths_get(&s->paths, id);

	if (!path && s->later.n && id < logpaths_count(&s->paths)) {
		log_readlater(s);
		path = logpaths_get(&s->paths, id);
	}
	return path;
}

/* The caller's own copy of a path (s->intern), or NULL; *slot gets its slot. */
static const char *interned(const struct statelog *s, const char *path, size_t len,
			    uint32_t *slot)
{
	*slot = UINT32_MAX;
	return s->intern ? s->intern(s->intern_ctx, path, len, slot) : NULL;
}

const char *log_keep(struct statelog *s, const char *path, size_t len, uint32_t *slot)
{
	const char *held = interned(s, path, len, slot);

	return held ? held : arena_strndup(&s->a, path, len);
}

void **log_place(struct statelog *s, const char *key, size_t len, uint32_t slot)
{
	if (slot >= s->nslots)
		return hset_slot(&s->firsts, key, len);
	if (!s->byslot)
		s->byslot = xcalloc(s->nslots, sizeof(*s->byslot));
	s->nbyslot += !s->byslot[slot];
	return (void **)&s->byslot[slot];
}

struct logentry *log_firstof(const struct statelog *s, const char *key, size_t len,
			     uint32_t slot)
{
	struct logentry *e = slot < s->nslots && s->byslot ? s->byslot[slot] : NULL;

	/* one kept by path though it has a slot: its first output was a path
	 * appended in this run (logpaths_add) when another baton's record named
	 * it (log_foreign) */
	if (!e && s->firsts.n)
		e = hset_get(&s->firsts, key, len ? len : strlen(key));
	return e;
}

/* Key (len bytes, or 0 if not known yet) has a record as a first output now:
 * not as another output. */
static void unother(struct statelog *s, const char *key, size_t len)
{
	if (s->others.n && !len)
		len = strlen(key);
	if (s->others.n && htab_get(&s->others, key, len))
		htab_slot(&s->others, key, len)->val = NULL;
}

/* Keep e as the newest record of its first output. Its other outputs find it too,
 * unless they have a record of their own: a rule whose outputs were reordered
 * or split off is then not taken for one baton never ran. The others table
 * holds only what the firsts do not hide, so that every record it holds is
 * live (statelog_compact keeps them). */
static void keepas(struct statelog *s, struct logentry *e, const char *key, size_t len,
		   uint32_t slot)
{
	if (key == e->first) {
		*log_place(s, key, len, slot) = e;
		unother(s, key, len);
	} else if (!log_firstof(s, key, len, slot)) {
		htab_slot(&s->others, key, len ? len : strlen(key))->val = e;
	}
}

void log_keepentry(struct statelog *s, struct logentry *h, const char *const *keys,
		   const size_t *lens, const uint32_t *slots, uint64_t n)
{
	void **slot = log_place(s, keys[0], lens[0], slots[0]);
	struct logentry *old = *slot, *e;
	uint64_t k;

	h->first = old ? old->first : keys[0];
	h->firstlen = (uint32_t)lens[0]; /* (not known, 0, for one kept by its slot) */
	/* a newer record of a single output takes the older one's room: the log
	 * holds as many entries as live records, however many it has read */
	e = old && old->nout == 1 ? old : arena_alloc(&s->a, sizeof(*e));
	if (old && e != old)
		old->hidden = true; /* the others may still reach it */
	*e = *h;
	*slot = e;
	unother(s, keys[0], lens[0]);
	for (k = 1; k < n; k++)
		keepas(s, e, keys[k], lens[k], slots[k]);
	s->lines++;
}

/* The numbers of a record's depfile inputs as an entry keeps them: how many,
 * then each (from raw as a head holds them, else from ids); NULL if there are
 * none. *ok is made false if one names no path. */
const uint32_t *log_depids(struct statelog *s, uint32_t n, const char *raw, const uint32_t *ids,
			   bool *ok)
{
	uint32_t *v, i;

	if (!n)
		return NULL;
	v = arena_alloc(&s->a, ((size_t)n + 1) * sizeof(*v));
	v[0] = n;
	for (i = 0; i < n; i++) {
		v[i + 1] = raw ? logline_id(raw, i) : ids[i];
		if (!log_path(s, v[i + 1]))
			*ok = false;
	}
	return v;
}

const struct logentry *statelog_get(const struct statelog *s, const char *path)
{
	uint32_t slot = UINT32_MAX;

	/* (with none kept by slot, none is looked for by slot) */
	if (s->nbyslot)
		interned(s, path, strlen(path), &slot);
	return statelog_getat(s, path, slot);
}

const struct logentry *statelog_getat(const struct statelog *s, const char *path, uint32_t slot)
{
	const struct logentry *e = log_firstof(s, path, 0, slot);

	return e || !s->others.n ? e : htab_get(&s->others, path, strlen(path));
}

bool statelog_samecounts(const struct logentry *e, uint32_t nout, uint32_t nin)
{
	return e->nout == nout && nout < LOG_MANYOUT && e->nin == nin && nin < LOG_MANYIN;
}

/* Let go of the record read last: the arena is used again. */
static void forget(struct statelog *s)
{
	if (s->current)
		s->current->parsed = false;
	arena_reset(&s->recs);
	s->r = NULL;
	s->current = NULL;
}

const struct record *statelog_read(struct statelog *s, const struct logentry *e)
{
	struct logentry *le = (struct logentry *)e; /* reading the rest only fills it in */

	if (!le->parsed && !le->damaged) {
		forget(s);
		s->current = le;
		le->damaged = !parsefiles(s, le);
	}
	return le->parsed ? s->r : NULL;
}

const uint32_t *statelog_depids(const struct logentry *e, uint32_t *n)
{
	*n = e->deps ? e->deps[0] : 0;
	return e->deps ? e->deps + 1 : NULL;
}

const char *statelog_path(const struct statelog *s, uint32_t id)
{
	return logpaths_get(&s->paths, id);
}

uint32_t statelog_npaths(const struct statelog *s)
{
	return logpaths_count(&s->paths);
}

const struct record *statelog_find(struct statelog *s, const char *path)
{
	const struct logentry *e = statelog_get(s, path);

	return e ? statelog_read(s, e) : NULL;
}

void statelog_init(struct statelog *s)
{
	memset(s, 0, sizeof(*s));
	s->fd = s->lockfd = s->rfd = -1;
}

bool statelog_open(struct statelog *s, const char *dir, bool write)
{
	statelog_init(s);
	return statelog_load(s, dir, write);
}

/* Whether the log at path starts with the header of a log of some version
 * (another than this one's, which it was looked for first). */
static bool otherversion(const char *path)
{
	char head[16];
	ssize_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd >= 0) {
		n = read(fd, head, sizeof(head));
		close(fd);
	}
	return n >= 10 && !memcmp(head, "baton-log ", 10);
}

void log_forget(struct statelog *s)
{
	free(s->byslot);
	s->byslot = NULL;
	s->nbyslot = 0;
	hset_free(&s->firsts);
	htab_free(&s->others);
	logpaths_free(&s->paths);
	free(s->later.v);
	memset(&s->later, 0, sizeof(s->later));
	free(s->added.v);
	memset(&s->added, 0, sizeof(s->added));
	arena_free(&s->a);
	arena_free(&s->recs);
	s->current = NULL;
	s->r = NULL;
	s->whole = NULL;
	s->wholelen = 0;
	s->pathbytes = s->tail = s->heads = 0;
	s->lines = 0;
}

bool statelog_load(struct statelog *s, const char *dir, bool write)
{
	size_t bad;
	bool fresh, header, empty;

	s->path = xmalloc(strlen(dir) + 5);
	sprintf(s->path, "%s/log", dir);
	if (write && s->lockfd < 0 && !statelog_lock(s, dir))
		return false;
	bad = log_readlog(s, s->path, &header, &empty);
	/* a nested baton shares the file with the one that runs it: it never
	 * starts it anew nor rewrites it */
	fresh = !header && !s->nested;
	if (bad)
		warn("%zu damaged record%s in '%s' ignored (those targets will be rebuilt)", bad,
		     bad == 1 ? "" : "s", s->path);
	if (!header && !empty && otherversion(s->path))
		warn("'%s' was written by another version of baton: starting a new one", s->path);
	else if (!header && !empty)
		warn("'%s' has lost its first line (it is damaged): starting a new one", s->path);
	if (!write)
		return true;
	if (bad && !s->nested) {
		/* rewrite it without the damage, so it is reported once, and read
		 * what is left of it again */
		statelog_compact(s);
		log_forget(s);
		if (s->rfd > 0)
			close(s->rfd);
		s->rfd = -1;
		log_readlog(s, s->path, &header, &empty);
		fresh = !header;
	}
	/* read-write: the records left in the file are read back through it */
	s->fd = open(s->path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | (fresh ? O_TRUNC : 0),
		     0666);
	if (s->fd < 0 || (fresh && !os_write_all(s->fd, LOG_HEADER, sizeof(LOG_HEADER) - 1))) {
		out_note("error: cannot write the state log '%s': %s", s->path,
			strerror(errno));
		return false;
	}
	if (s->nested && empty && !header) {
		flock(s->fd, LOCK_EX);
		if (lseek(s->fd, 0, SEEK_END) == 0 &&
		    !os_write_all(s->fd, LOG_HEADER, sizeof(LOG_HEADER) - 1))
			out_note("error: cannot write the state log '%s': %s", s->path,
				 strerror(errno));
		flock(s->fd, LOCK_UN);
	}
	/* where the next record goes, and up to where the file was read: what
	 * another baton appended after that is read before a record is written */
	s->end = header ? s->end : lseek(s->fd, 0, SEEK_END);
	if (s->rfd > 0) { /* one descriptor for the log is enough from now on */
		close(s->rfd);
		s->rfd = -1;
	}
	return true;
}

void statelog_close(struct statelog *s)
{
	size_t live = s->nbyslot + s->firsts.n + s->others.n + s->added.n;
	struct stat st;

	/* records that a baton run by a job appended are in the file, not in s */
	if (s->fd >= 0 && fstat(s->fd, &st) == 0 && st.st_size != s->end && s->end >= 0) {
		s->foreign = true;
		s->end = st.st_size;
	}
	if (s->fd >= 0 && !s->nested) {
		/* compacted when more of the file is records no longer live than live
		 * ones, by their size (full rebuilds, one after another, never make it
		 * more than twice as long to read), or by their number; or when the
		 * records appended whole (a load reads their bodies too) are more than
		 * twice the heads and paths a load reads besides */
		if (!s->failed && s->end >= 0 &&
		    (s->lines > 3 * live + 1000 ||
		     ((uint64_t)s->end > LOG_COMPACT_MIN &&
		      (uint64_t)s->end > 2 * statelog_livebytes(s)) ||
		     (s->tail > LOG_COMPACT_MIN && s->tail > 2 * s->heads)))
			statelog_compact(s);
	}
	if (s->fd >= 0)
		close(s->fd);
	if (s->lockfd >= 0) {
		if (ftruncate(s->lockfd, 0) < 0) {
			/* the pid is only a courtesy for the waiting message */
		}
		close(s->lockfd);
	}
	log_forget(s);
	if (s->rfd > 0) /* 0: a log set up by hand, not read from a file */
		close(s->rfd);
	free(s->path);
	statelog_init(s);
}
