#include "state/statelog.h"

#include "base/out.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lang/diag.h"
#include "state/logfile.h"

#define XXH_INLINE_ALL /* as in htab.c: log checksums are htab_hash */
#include <xxhash.h>

static_assert(offsetof(struct logentry, first) == offsetof(struct hkey, s) &&
		      offsetof(struct logentry, firstlen) == offsetof(struct hkey, len),
	      "a log entry starts with its key");
static_assert(sizeof(struct logentry) <= 48, "a log entry takes 48 bytes");

const char LOG_HEADER[] = "baton-log 5\n";
enum { LINE_PIECE = 64 << 10 }; /* the most of a line written held at once, roughly */

bool log_writeall(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = ENOSPC;
			return false;
		}
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* Whether line, a checksum and a tab before e->bodylen bytes, is e's: whole (its
 * checksum right) and with e's header (its hashes), as the log was loaded. */
static bool isentry(const struct logentry *e, const char *line)
{
	struct scan c = {line + SUMLEN, line + SUMLEN + e->bodylen};
	struct linehead h;
	char sum[SUMLEN];

	logline_sum(sum, htab_hash(line + SUMLEN, e->bodylen));
	return !memcmp(sum, line, SUMLEN) && logline_head(&c, &h, e->bodylen) &&
	       h.script_hash == e->script_hash && h.files_hash == e->files_hash;
}

/* The line of an entry from its checksum on (its body SUMLEN bytes in): in memory,
 * or read again from the log file into *tmp (to be freed); NULL if it cannot be
 * read. */
static const char *rawline(const struct statelog *s, const struct logentry *e, char **tmp)
{
	const char *line = NULL;
	int fd = s->rfd > 0 ? s->rfd : s->fd;
	size_t got = 0, len = SUMLEN + (size_t)e->bodylen;
	ssize_t n;

	*tmp = NULL;
	if (e->inmem)
		return e->body - SUMLEN;
	if (s->whole && (uint64_t)e->off + e->bodylen <= s->wholelen) {
		line = s->whole + e->off - SUMLEN;
	} else if (fd > 0) {
		*tmp = xmalloc(len + 1);
		while (got < len) {
			n = pread(fd, *tmp + got, len - got, (off_t)(e->off - SUMLEN + (int64_t)got));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			got += (size_t)n;
		}
		line = got == len ? *tmp : NULL;
	}
	/* the line read again must be the one checked when the log was loaded */
	if (line && !isentry(e, line))
		line = NULL;
	if (!line) {
		free(*tmp);
		*tmp = NULL;
	}
	return line;
}

/* An entry's line as it was read; false if it cannot be read again. */
bool log_rawformat(struct buf *b, const struct statelog *s, const struct logentry *e)
{
	char *tmp;
	const char *line = rawline(s, e, &tmp);

	if (!line)
		return false;
	buf_add(b, line, SUMLEN + (size_t)e->bodylen);
	buf_putc(b, '\n');
	free(tmp);
	return true;
}

/* Read the script and the files of an entry whose header was read. */
static bool parsefiles(struct statelog *s, struct logentry *le)
{
	char *tmp;
	const char *line = rawline(s, le, &tmp), *script;
	struct scan c;
	struct record *r = arena_alloc(&s->recs, sizeof(*r));
	struct linehead h = {0};
	size_t len;
	uint64_t i;
	struct recfile *f;
	bool ok = line != NULL;

	if (ok) {
		/* the header once more, for what the entry does not keep */
		c = (struct scan){line + SUMLEN, line + SUMLEN + le->bodylen};
		ok = logline_head(&c, &h, le->bodylen) && scan_field(&c, &script, &len);
	}
	f = ok ? arena_alloc(&s->recs, (h.nout + h.nin + h.ndep) * sizeof(*f)) : NULL;
	for (i = 0; ok && i < h.nout + h.nin + h.ndep; i++)
		ok = scan_file(&s->recs, &c, &f[i]);
	ok = ok && c.p > c.end; /* and no more fields than said */
	if (ok)
		r->script = scan_unesc(&s->recs, script, len);
	free(tmp);
	if (!ok)
		return false;
	r->ok = le->ok;
	r->duration_ms = le->duration_ms;
	r->rss_kb = h.rss_kb;
	r->nout = (uint32_t)h.nout;
	r->nin = (uint32_t)h.nin;
	r->ndep = (uint32_t)h.ndep;
	r->outs = f;
	r->ins = f + r->nout;
	r->deps = r->ins + r->nin;
	s->r = r;
	le->parsed = true;
	return true;
}

/* A key for the table: key itself unless it has escapes; then a copy, unescaped. */
static const char *keyof(struct statelog *s, const char *key, size_t *len)
{
	if (memchr(key, '\\', *len)) {
		key = scan_unesc(&s->a, key, *len);
		*len = strlen(key);
	}
	return key;
}

/* The caller's own copy of a key (s->intern), or NULL. */
static const char *interned(const struct statelog *s, const char *key, size_t len)
{
	return s->intern ? s->intern(s->intern_ctx, key, len) : NULL;
}

/* Keep e as the newest record of its first output. Its other outputs find it too,
 * unless they have a record of their own: a rule whose outputs were reordered
 * or split off is then not taken for one baton never ran. The others table
 * holds only what the firsts do not hide, so that every record it holds is
 * live (statelog_compact keeps them). */
static void keepas(struct statelog *s, struct logentry *e, const char *key, size_t len)
{
	if (key == e->first) {
		*hset_slot(&s->firsts, key, len) = e;
		if (s->others.n && htab_get(&s->others, key, len))
			htab_slot(&s->others, key, len)->val = NULL;
	} else if (!hset_get(&s->firsts, key, len)) {
		htab_slot(&s->others, key, len)->val = e;
	}
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

/* The checksum of a line's body. In a mapping of the file (drop), the pages of a
 * long one are let go of as they are read: one line may list a hundred
 * thousand inputs. */
static uint64_t bodysum(const char *p, size_t n, bool drop)
{
	XXH3_state_t st;
	size_t done, k;

	if (!drop || n <= 2 * LOG_CHUNK)
		return htab_hash(p, n);
	XXH3_64bits_reset(&st);
	for (done = 0; done < n; done += k) {
		k = n - done < LOG_CHUNK ? n - done : LOG_CHUNK;
		XXH3_64bits_update(&st, p + done, k);
		log_letgo(p + done, p + done + k);
	}
	return XXH3_64bits_digest(&st);
}

/* The end of the line at p, or NULL; in a mapping (drop), a long line's pages
 * are let go of as they are searched. */
static const char *lineend(const char *p, const char *end, bool drop)
{
	const char *nl, *from;
	size_t k;

	if (!drop)
		return memchr(p, '\n', (size_t)(end - p));
	for (from = p;; from += k) {
		k = (size_t)(end - from) < LOG_CHUNK ? (size_t)(end - from) : LOG_CHUNK;
		if ((nl = memchr(from, '\n', k)) || from + k == end)
			return nl;
		if (from > p)
			log_letgo(from, from + k);
	}
}

/* Keep h, whose n outputs have the keys given, as the newest record of each. */
static void keepentry(struct statelog *s, struct logentry *h, struct logentry *old,
		      const char *const *keys, const size_t *lens, uint64_t n)
{
	struct logentry *e;
	uint64_t k;

	h->first = keys[0];
	h->firstlen = (uint32_t)lens[0];
	/* a newer record of a single output takes the older one's room: the log
	 * holds as many entries as live records, however many lines it has */
	e = old && old->nout == 1 ? old : arena_alloc(&s->a, sizeof(*e));
	if (old && e != old)
		old->hidden = true; /* the others may still reach it */
	*e = *h;
	for (k = 0; k < n; k++)
		keepas(s, e, keys[k], lens[k]);
	s->lines++;
}

/* Read the header of one line (without its newline); false if it is damaged. The
 * script and files are read when asked for: from the line itself if it outlives
 * the log (off < 0), else from the log file, where the line starts at off. Only
 * the output paths are read at once, to find the record by any of them. */
static bool parseline(struct statelog *s, const char *line, size_t len, int64_t off, bool drop)
{
	struct scan c = {line, line + len};
	struct logentry h = {0}, *old = NULL;
	struct linehead head;
	uint64_t sum, nout, k;
	const char *key, *skip, *held, *keybuf[8], **keys = keybuf;
	size_t keylen, skiplen, lenbuf[8], *lens = lenbuf;
	bool ret = false;
	int f;

	if (len < SUMLEN || line[SUMLEN - 1] != '\t' || len - SUMLEN > UINT32_MAX)
		return false;
	c.end = line + SUMLEN - 1; /* the checksum, as a number */
	if (!scan_hex(&c, &sum) || c.p != line + SUMLEN ||
	    sum != bodysum(line + SUMLEN, len - SUMLEN, drop))
		return false;
	c = (struct scan){line + SUMLEN, line + len};
	h.body = c.p;
	h.inmem = true;
	h.bodylen = (uint32_t)(c.end - c.p);
	if (!logline_head(&c, &head, h.bodylen))
		return false;
	h.script_hash = head.script_hash;
	h.files_hash = head.files_hash;
	nout = head.nout;
	if (!scan_field(&c, &skip, &skiplen))
		return false;
	if (nout > 8) {
		keys = xmalloc(nout * sizeof(*keys));
		lens = xmalloc(nout * sizeof(*lens));
	}
	for (k = 0; k < nout; k++) {
		for (f = 1; k > 0 && f < LINE_FILEFIELDS && scan_field(&c, &skip, &skiplen); f++)
			; /* the rest of the previous output's fields */
		if ((k > 0 && f < LINE_FILEFIELDS) || !scan_field(&c, &key, &keylen) || !keylen ||
		    memchr(key, '\0', keylen))
			goto out; /* (a path never holds a NUL) */
		keys[k] = keyof(s, key, &keylen);
		if (k == 0 && (old = hset_get(&s->firsts, keys[0], keylen)))
			keys[0] = old->first; /* its key is there already */
		else if ((held = interned(s, keys[k], keylen)))
			keys[k] = held;
		else if (off >= 0 && keys[k] == key)
			keys[k] = arena_strndup(&s->a, key, keylen);
		lens[k] = keylen;
	}
	if (off >= 0) {
		h.off = off + (h.body - line);
		h.inmem = false;
	}
	h.ok = head.ok == 1;
	h.duration_ms = head.duration_ms > UINT32_MAX ? UINT32_MAX : (uint32_t)head.duration_ms;
	h.nout = nout < LOG_MANYOUT ? (uint32_t)nout : LOG_MANYOUT;
	h.nin = head.nin < LOG_MANYIN ? (uint32_t)head.nin : LOG_MANYIN;
	keepentry(s, &h, old, keys, lens, nout);
	ret = true;
out:
	if (keys != keybuf) {
		free(keys);
		free(lens);
	}
	return ret;
}

/* Read every line of text, which must outlive s; returns the number damaged. */
static size_t parsetext(struct statelog *s, const char *text, size_t len)
{
	const char *p, *nl, *end = text + len;
	size_t bad = 0;

	for (p = text; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl) {
			bad++; /* a torn last line */
			break;
		}
		if (!parseline(s, p, (size_t)(nl - p), -1, false))
			bad++;
	}
	return bad;
}

size_t statelog_parse(struct statelog *s, const char *text, size_t len)
{
	char *copy = arena_alloc(&s->a, len + 1);

	memcpy(copy, text, len);
	return parsetext(s, copy, len);
}

const struct logentry *statelog_get(const struct statelog *s, const char *path)
{
	size_t len = strlen(path);
	const struct logentry *e = hset_get(&s->firsts, path, len);

	return e ? e : htab_get(&s->others, path, len);
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

const struct logpath *statelog_deps(struct statelog *s, const struct logentry *e, uint32_t *n)
{
	struct logpath *v = NULL;
	struct linehead h;
	struct scan c;
	const char *line, *path, *skip;
	char *tmp;
	size_t len, i, files;
	bool ok;

	*n = 0;
	if (e->parsed && s->r) { /* read whole already */
		if (!s->r->ndep)
			return NULL;
		v = arena_alloc(&s->recs, s->r->ndep * sizeof(*v));
		for (i = 0; i < s->r->ndep; i++)
			v[i] = (struct logpath){s->r->deps[i].path, strlen(s->r->deps[i].path)};
		*n = s->r->ndep;
		return v;
	}
	if (e->damaged || !(line = rawline(s, e, &tmp)))
		return NULL;
	forget(s);
	c = (struct scan){line + SUMLEN, line + SUMLEN + e->bodylen};
	ok = logline_head(&c, &h, e->bodylen) && h.ndep && scan_field(&c, &skip, &len);
	/* past the outputs and inputs, a field at a time, to the depfile's */
	files = ok ? (size_t)(h.nout + h.nin) * LINE_FILEFIELDS : 0;
	ok = ok && scan_skip(&c, files);
	if (ok)
		v = arena_alloc(&s->recs, h.ndep * sizeof(*v));
	for (i = 0; ok && i < h.ndep; i++) {
		size_t plen;
		ok = scan_field(&c, &path, &plen) && plen && !memchr(path, '\0', plen) &&
		     scan_skip(&c, LINE_FILEFIELDS - 1);
		if (ok) {
			v[i].path = scan_unesc(&s->recs, path, plen);
			v[i].len = strlen(v[i].path);
		}
	}
	free(tmp);
	if (!ok)
		return NULL;
	*n = (uint32_t)h.ndep;
	return v;
}

const struct record *statelog_find(struct statelog *s, const char *path)
{
	const struct logentry *e = statelog_get(s, path);

	return e ? statelog_read(s, e) : NULL;
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

/* Read the log at path, keeping only the records' headers (the rest is read
 * again from s->rfd when needed). The file is mapped and the pages read are let
 * go of as it goes, so that reading it costs no more than a megabyte or so, and
 * the longest line. *header tells whether it starts with this version's
 * header; returns the number of damaged lines. */
size_t log_readlog(struct statelog *s, const char *path, bool *header, bool *empty)
{
	struct stat st;
	size_t bad = 0, size;
	char *text;
	const char *p, *nl, *end, *dropped;
	bool mapped;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	*header = false;
	*empty = true;
	if (fd < 0)
		return 0;
	/* another baton may be appending (one run by a job of this one's): read
	 * whole lines, none half written */
	flock(fd, LOCK_SH);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0 ||
	    !(text = log_wholefile(fd, (size_t)st.st_size, &mapped))) {
		close(fd); /* not a log baton wrote, or nothing to read: start a new one */
		return 0;
	}
	flock(fd, LOCK_UN);
	*empty = false;
	size = (size_t)st.st_size;
	end = text + size;
	dropped = text;
	nl = memchr(text, '\n', size);
	*header = nl && (size_t)(nl + 1 - text) == sizeof(LOG_HEADER) - 1 &&
		  !memcmp(text, LOG_HEADER, sizeof(LOG_HEADER) - 1);
	for (p = *header ? nl + 1 : end; p < end; p = nl + 1) {
		if (!(nl = lineend(p, end, mapped))) {
			bad++; /* a torn last line */
			break;
		}
		if (!parseline(s, p, (size_t)(nl - p), p - text, mapped))
			bad++;
		if (mapped && nl - dropped >= LOG_CHUNK) {
			log_letgo(dropped, nl);
			dropped = nl;
		}
	}
	if (mapped)
		munmap(text, size);
	else
		free(text);
	if (*header) {
		if (fd == 0) { /* baton was started without stdin: keep 0 free for "none" */
			s->rfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
			close(fd);
		} else {
			s->rfd = fd;
		}
	} else {
		close(fd);
	}
	return bad;
}

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

void statelog_init(struct statelog *s)
{
	memset(s, 0, sizeof(*s));
	s->fd = s->lockfd = s->rfd = -1;
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
	/* read-write: the records left in the file are read back through it */
	s->fd = open(s->path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | (fresh ? O_TRUNC : 0),
		     0666);
	if (s->fd < 0 || (fresh && !log_writeall(s->fd, LOG_HEADER, sizeof(LOG_HEADER) - 1))) {
		out_note("error: cannot write the state log '%s': %s", s->path,
			strerror(errno));
		return false;
	}
	if (s->nested && empty && !header) {
		flock(s->fd, LOCK_EX);
		if (lseek(s->fd, 0, SEEK_END) == 0 &&
		    !log_writeall(s->fd, LOG_HEADER, sizeof(LOG_HEADER) - 1))
			out_note("error: cannot write the state log '%s': %s", s->path,
				 strerror(errno));
		flock(s->fd, LOCK_UN);
	}
	if (bad && !s->nested) {
		/* rewrite it without the damage, so it is reported once */
		close(s->fd);
		s->fd = -1;
		statelog_compact(s);
		s->fd = open(s->path, O_RDWR | O_APPEND | O_CLOEXEC);
		if (s->fd < 0) {
			out_note("error: cannot write the state log '%s': %s",
				s->path, strerror(errno));
			return false;
		}
	}
	s->end = lseek(s->fd, 0, SEEK_END); /* where the next record goes */
	if (s->rfd > 0) { /* one descriptor for the log is enough from now on */
		close(s->rfd);
		s->rfd = -1;
	}
	return true;
}

/* Count the first output of a record appended but not kept, by its hash. */
static void addkey(struct statelog *s, uint64_t h)
{
	size_t i, mask, cap;
	uint64_t *old = s->added.v;

	h = h ? h : 1;
	if ((s->added.n + 1) * 2 > s->added.cap) {
		cap = s->added.cap ? s->added.cap * 2 : 64;
		s->added.v = xcalloc(cap, sizeof(*s->added.v));
		for (i = 0; i < s->added.cap; i++) {
			size_t j;
			if (!old[i])
				continue;
			for (j = old[i] & (cap - 1); s->added.v[j]; j = (j + 1) & (cap - 1))
				;
			s->added.v[j] = old[i];
		}
		free(old);
		s->added.cap = cap;
	}
	mask = s->added.cap - 1;
	for (i = h & mask; s->added.v[i]; i = (i + 1) & mask) {
		if (s->added.v[i] == h)
			return;
	}
	s->added.v[i] = h;
	s->added.n++;
}

/* Write r as a line at the end of the log; sets the length of its body. A line
 * too long to hold whole is made twice, a piece at a time: once for its
 * checksum, which comes first, and once to write it. */
static bool writeline(struct statelog *s, const struct record *r, size_t *bodylen)
{
	struct linecursor c = {r, 0, 0};
	struct buf b = {0};
	XXH3_state_t st;
	uint64_t sum;
	bool more, ok = true;

	buf_add(&b, "0000000000000000\t", SUMLEN);
	more = logline_body(&c, &b, LINE_PIECE);
	if (!more) {
		*bodylen = b.len - SUMLEN;
		logline_sum(b.s, htab_hash(b.s + SUMLEN, b.len - SUMLEN));
		buf_putc(&b, '\n');
		ok = log_writeall(s->fd, b.s, b.len);
		buf_free(&b);
		return ok;
	}
	XXH3_64bits_reset(&st);
	XXH3_64bits_update(&st, b.s + SUMLEN, b.len - SUMLEN);
	*bodylen = b.len - SUMLEN;
	while (more) {
		b.len = 0;
		more = logline_body(&c, &b, LINE_PIECE);
		XXH3_64bits_update(&st, b.s, b.len);
		*bodylen += b.len;
	}
	sum = XXH3_64bits_digest(&st);
	b.len = SUMLEN;
	logline_sum(b.s, sum);
	c = (struct linecursor){r, 0, 0};
	do {
		more = logline_body(&c, &b, LINE_PIECE);
		if (!more)
			buf_putc(&b, '\n');
		ok = log_writeall(s->fd, b.s, b.len);
		b.len = 0;
	} while (more && ok);
	buf_free(&b);
	return ok;
}

/* Keep r, just written at off, as the newest record of its outputs. */
static void keeprecord(struct statelog *s, const struct record *r, struct logentry *old,
		       size_t bodylen, int64_t off)
{
	struct logentry h = {0};
	const char *keybuf[8], **keys = keybuf;
	size_t lenbuf[8], *lens = lenbuf;
	uint32_t k;

	h.bodylen = (uint32_t)bodylen;
	h.off = off;
	h.script_hash = logline_scripthash(r->script ? r->script : "");
	h.files_hash = logline_fileshash(r);
	h.ok = r->ok;
	h.duration_ms = r->duration_ms;
	h.nout = r->nout < LOG_MANYOUT ? r->nout : LOG_MANYOUT;
	h.nin = r->nin < LOG_MANYIN ? r->nin : LOG_MANYIN;
	if (r->nout > 8) {
		keys = xmalloc(r->nout * sizeof(*keys));
		lens = xmalloc(r->nout * sizeof(*lens));
	}
	for (k = 0; k < r->nout; k++) {
		lens[k] = strlen(r->outs[k].path);
		keys[k] = k == 0 ? old->first : interned(s, r->outs[k].path, lens[k]);
		if (!keys[k])
			keys[k] = arena_strndup(&s->a, r->outs[k].path, lens[k]);
	}
	keepentry(s, &h, old, keys, lens, r->nout);
	if (keys != keybuf) {
		free(keys);
		free(lens);
	}
}

bool statelog_append(struct statelog *s, const struct record *r)
{
	struct logentry *old;
	size_t keylen, bodylen = 0;
	bool ok;

	/* a baton run by a job may append to the same file: each line is written
	 * whole under the file's lock, and where it goes is found there */
	ok = s->fd >= 0 && s->end >= 0 && flock(s->fd, LOCK_EX) == 0;
	if (ok) {
		int64_t end = lseek(s->fd, 0, SEEK_END);
		s->foreign |= end != s->end;
		s->end = end;
		ok = end >= 0 && writeline(s, r, &bodylen);
		flock(s->fd, LOCK_UN);
	}
	if (!ok) {
		if (!s->failed)
			out_note("error: cannot write the state log '%s': %s",
				s->path, s->fd < 0 ? "not open" : strerror(errno));
		s->failed = true;
		/* part of the line may be there: find the end again */
		if (s->fd >= 0)
			s->end = lseek(s->fd, 0, SEEK_END);
		return false;
	}
	/* an output that had a record gets this one as its newest, kept like the
	 * records loaded with it; the others only count: a full build of many jobs
	 * keeps no record of them in memory */
	keylen = strlen(r->outs[0].path);
	if (bodylen > UINT32_MAX) {
		s->failed = true; /* a line the log does not read: leave the file as it is */
	} else if ((old = hset_get(&s->firsts, r->outs[0].path, keylen))) {
		keeprecord(s, r, old, bodylen, s->end + SUMLEN);
	} else {
		addkey(s, htab_hash(r->outs[0].path, keylen));
		s->added.bytes += SUMLEN + bodylen + 1;
		s->lines++;
	}
	s->end += (int64_t)(SUMLEN + bodylen + 1);
	return true;
}

void statelog_close(struct statelog *s)
{
	size_t live = s->firsts.n + s->others.n + s->added.n;
	struct stat st;

	/* records that a baton run by a job appended are in the file, not in s */
	if (s->fd >= 0 && fstat(s->fd, &st) == 0 && st.st_size != s->end && s->end >= 0) {
		s->foreign = true;
		s->end = st.st_size;
	}
	if (s->fd >= 0 && !s->nested) {
		/* compacted when more of the file is records no longer live than live
		 * ones, by their size (full rebuilds, one after another, never make it
		 * more than twice as long to read), or by their number */
		if (!s->failed && s->end >= 0 &&
		    (s->lines > 3 * live + 1000 ||
		     ((uint64_t)s->end > LOG_COMPACT_MIN &&
		      (uint64_t)s->end > 2 * statelog_livebytes(s)))) {
			if (s->added.n || s->foreign)
				statelog_recompact(s);
			else
				statelog_compact(s);
		}
	}
	if (s->fd >= 0)
		close(s->fd);
	if (s->lockfd >= 0) {
		if (ftruncate(s->lockfd, 0) < 0) {
			/* the pid is only a courtesy for the waiting message */
		}
		close(s->lockfd);
	}
	hset_free(&s->firsts);
	htab_free(&s->others);
	free(s->added.v);
	arena_free(&s->a);
	arena_free(&s->recs);
	if (s->rfd > 0) /* 0: a log set up by hand, not read from a file */
		close(s->rfd);
	free(s->path);
	statelog_init(s);
}
