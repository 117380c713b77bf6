#include "statelog.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"

static const char HEADER[] = "baton-log 3\n";

static void esc(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			buf_puts(b, "\\\\");
		else if (*s == '\t')
			buf_puts(b, "\\t");
		else if (*s == '\n')
			buf_puts(b, "\\n");
		else
			buf_putc(b, *s);
	}
}

static void putfile(struct buf *b, const struct recfile *f)
{
	buf_putc(b, '\t');
	esc(b, f->path);
	buf_printf(b, "\t%" PRId64 "\t%" PRId64 "\t%" PRIu64 "\t", f->st.mtime, f->st.size,
		   f->st.ino);
	if (f->hashed)
		buf_printf(b, "%016" PRIx64, f->hash);
	else
		buf_putc(b, '-');
}

void statelog_format(struct buf *b, const struct record *r)
{
	struct buf body = {0};
	uint32_t i;

	buf_printf(&body, "%d\t%" PRIu32 "\t%" PRIu64 "\t%" PRIu32 "\t%" PRIu32 "\t%" PRIu32 "\t",
		   r->ok, r->duration_ms, r->rss_kb, r->nout, r->nin, r->ndep);
	esc(&body, r->script ? r->script : "");
	for (i = 0; i < r->nout; i++)
		putfile(&body, &r->outs[i]);
	for (i = 0; i < r->nin; i++)
		putfile(&body, &r->ins[i]);
	for (i = 0; i < r->ndep; i++)
		putfile(&body, &r->deps[i]);
	buf_printf(b, "%016" PRIx64 "\t", htab_hash(body.s, body.len));
	buf_add(b, body.s, body.len);
	buf_putc(b, '\n');
	buf_free(&body);
}

/* Fields of a line, split at tabs and unescaped in place. */
struct fields {
	char *p, *end;
};

static char *field(struct fields *f)
{
	char *start = f->p, *tab, *r, *w;

	if (!f->p || f->p > f->end)
		return NULL;
	tab = memchr(f->p, '\t', (size_t)(f->end - f->p));
	if (!tab)
		tab = f->end;
	if (memchr(start, '\\', (size_t)(tab - start))) {
		for (r = w = start; r < tab; r++) {
			if (*r == '\\' && r + 1 < tab) {
				r++;
				*w++ = *r == 't' ? '\t' : *r == 'n' ? '\n' : *r;
			} else {
				*w++ = *r;
			}
		}
		*w = '\0';
	} else {
		*tab = '\0';
	}
	f->p = tab < f->end ? tab + 1 : f->end + 1;
	return start;
}

/* A decimal number (with base 16 a hex one) filling the whole field. */
static bool parsenum(const char *s, int base, bool sign, uint64_t *v, bool *neg)
{
	uint64_t n = 0, d;

	*neg = sign && *s == '-';
	if (*neg)
		s++;
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s >= '0' && *s <= '9')
			d = (uint64_t)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (uint64_t)(*s - 'a' + 10);
		else
			return false;
		if (__builtin_mul_overflow(n, (uint64_t)base, &n) || __builtin_add_overflow(n, d, &n))
			return false;
	}
	*v = n;
	return true;
}

static bool number(struct fields *f, int64_t *v)
{
	char *s = field(f);
	uint64_t n;
	bool neg;

	if (!s || !parsenum(s, 10, true, &n, &neg) || n > (uint64_t)INT64_MAX + neg)
		return false;
	*v = neg ? (int64_t)(0 - n) : (int64_t)n;
	return true;
}

static bool unumber(struct fields *f, uint64_t *v, int base)
{
	char *s = field(f);
	bool neg;

	return s && parsenum(s, base, false, v, &neg);
}

static bool getfile(struct statelog *s, struct fields *f, struct recfile *rf)
{
	char *path = field(f), *h;
	uint64_t ino;

	if (!path || !*path || !number(f, &rf->st.mtime) || !number(f, &rf->st.size) ||
	    !unumber(f, &ino, 10) || !(h = field(f)))
		return false;
	rf->st.ino = ino;
	rf->path = arena_strdup(&s->a, path);
	if (strcmp(h, "-") != 0) {
		bool neg;
		if (!parsenum(h, 16, false, &rf->hash, &neg))
			return false;
		rf->hashed = true;
	}
	return true;
}

/* Keep r as the newest record of its first output.  Its other outputs find it
 * too, unless they have a record of their own: a rule whose outputs were
 * reordered or split off is then not taken for one baton never ran. */
static void keep(struct statelog *s, struct record *r)
{
	struct htab_entry *e;
	uint32_t i;

	htab_slot(&s->recs, r->outs[0].path, strlen(r->outs[0].path))->val = r;
	for (i = 1; i < r->nout; i++) {
		const struct record *old;
		e = htab_slot(&s->recs, r->outs[i].path, strlen(r->outs[i].path));
		old = e->val;
		if (!old || strcmp(old->outs[0].path, r->outs[i].path))
			e->val = r;
	}
}

/* Parse one line (without its newline); false if it is damaged. */
static bool parseline(struct statelog *s, char *line, size_t len)
{
	struct fields f = {line, line + len};
	struct record *r;
	int64_t ok, dur, nout, nin, ndep;
	uint64_t sum, rss;
	char *script, *sumfield;
	size_t bodylen;
	int64_t i;

	sumfield = field(&f);
	if (!sumfield || strlen(sumfield) != 16 || f.p > f.end)
		return false;
	bodylen = (size_t)(f.end - f.p);
	{
		bool neg;
		if (!parsenum(sumfield, 16, false, &sum, &neg) || sum != htab_hash(f.p, bodylen))
			return false;
	}
	r = arena_alloc(&s->a, sizeof(*r));
	if (!number(&f, &ok) || !number(&f, &dur) || !unumber(&f, &rss, 10) || !number(&f, &nout) ||
	    !number(&f, &nin) || !number(&f, &ndep) || nout < 1 || nin < 0 || ndep < 0 ||
	    nout > (int64_t)len || nin > (int64_t)len || ndep > (int64_t)len ||
	    nout + nin + ndep > (int64_t)len || dur < 0 || !(script = field(&f)))
		return false;
	r->ok = ok == 1;
	r->duration_ms = dur > UINT32_MAX ? UINT32_MAX : (uint32_t)dur;
	r->rss_kb = rss;
	r->script = arena_strdup(&s->a, script);
	r->nout = (uint32_t)nout;
	r->nin = (uint32_t)nin;
	r->ndep = (uint32_t)ndep;
	r->outs = arena_alloc(&s->a, (size_t)(nout + nin + ndep) * sizeof(*r->outs));
	r->ins = r->outs + nout;
	r->deps = r->ins + nin;
	for (i = 0; i < nout + nin + ndep; i++) {
		if (!getfile(s, &f, &r->outs[i]))
			return false;
	}
	if (f.p <= f.end)
		return false; /* more fields than said */
	keep(s, r);
	s->lines++;
	return true;
}

size_t statelog_parse(struct statelog *s, const char *text, size_t len)
{
	char *copy = xmalloc(len + 1), *p, *nl, *end;
	size_t bad = 0;

	memcpy(copy, text, len);
	copy[len] = '\0';
	end = copy + len;
	for (p = copy; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl) {
			bad++; /* a torn last line */
			break;
		}
		if (!parseline(s, p, (size_t)(nl - p)))
			bad++;
	}
	free(copy);
	return bad;
}

const struct record *statelog_find(const struct statelog *s, const char *path)
{
	return htab_get(&s->recs, path, strlen(path));
}

static bool readall(const char *path, struct buf *b)
{
	char chunk[65536];
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return false;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd); /* not a log baton wrote: start a new one */
		return false;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		buf_add(b, chunk, (size_t)n);
	}
	close(fd);
	return n == 0;
}

static bool writeall(int fd, const char *p, size_t n)
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

static void compact(struct statelog *s);

static bool lock(struct statelog *s, const char *dir)
{
	struct buf path = {0};
	char pid[32] = "";
	ssize_t n;

	buf_printf(&path, "%s/lock", dir);
	s->lockfd = open(path.s, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (s->lockfd < 0) {
		fprintf(stderr, "baton: error: cannot create '%s': %s\n", path.s, strerror(errno));
		buf_free(&path);
		return false;
	}
	if (flock(s->lockfd, LOCK_EX | LOCK_NB) < 0) {
		n = pread(s->lockfd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		/* the holder may not have written its pid yet: what is there may be
		 * that of a baton killed before it could clear it */
		if (*pid && kill((pid_t)atol(pid), 0) < 0 && errno == ESRCH)
			*pid = '\0';
		fprintf(stderr, "baton: waiting for another baton in this directory%s%s%s\n",
			*pid ? " (pid " : "", pid, *pid ? ")" : "");
		while (flock(s->lockfd, LOCK_EX) < 0) {
			if (errno != EINTR) {
				fprintf(stderr, "baton: error: cannot lock '%s': %s\n", path.s,
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

void statelog_init(struct statelog *s)
{
	memset(s, 0, sizeof(*s));
	s->fd = s->lockfd = -1;
}

bool statelog_open(struct statelog *s, const char *dir, bool write)
{
	struct buf text = {0};
	size_t bad = 0;
	bool fresh = true;

	statelog_init(s);
	s->path = xmalloc(strlen(dir) + 5);
	sprintf(s->path, "%s/log", dir);
	if (write) {
		if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
			fprintf(stderr, "baton: error: cannot create '%s' for the state log: %s\n", dir,
				strerror(errno));
			return false;
		}
		if (!lock(s, dir))
			return false;
	}
	if (readall(s->path, &text) && text.len > 0) {
		if (text.len >= sizeof(HEADER) - 1 && !memcmp(text.s, HEADER, sizeof(HEADER) - 1)) {
			fresh = false;
			bad = statelog_parse(s, text.s + sizeof(HEADER) - 1,
					     text.len - (sizeof(HEADER) - 1));
			if (bad)
				warn("%zu damaged record%s in '%s' ignored (those targets will be rebuilt)",
				     bad, bad == 1 ? "" : "s", s->path);
		} else {
			warn("'%s' was written by another version of baton: starting a new one",
			     s->path);
		}
	}
	buf_free(&text);
	if (!write)
		return true;
	s->fd = open(s->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (fresh ? O_TRUNC : 0),
		     0666);
	if (s->fd < 0 || (fresh && !writeall(s->fd, HEADER, sizeof(HEADER) - 1))) {
		fprintf(stderr, "baton: error: cannot write the state log '%s': %s\n", s->path,
			strerror(errno));
		return false;
	}
	if (bad) {
		/* rewrite it without the damage, so it is reported once */
		close(s->fd);
		compact(s);
		s->fd = open(s->path, O_WRONLY | O_APPEND | O_CLOEXEC);
		if (s->fd < 0) {
			fprintf(stderr, "baton: error: cannot write the state log '%s': %s\n",
				s->path, strerror(errno));
			return false;
		}
	}
	return true;
}

bool statelog_append(struct statelog *s, const struct record *r)
{
	struct buf line = {0};
	struct record *copy;
	uint32_t i, n = r->nout + r->nin + r->ndep;
	bool ok;

	statelog_format(&line, r);
	ok = s->fd >= 0 && writeall(s->fd, line.s, line.len);
	buf_free(&line);
	if (!ok) {
		if (!s->failed)
			fprintf(stderr, "baton: error: cannot write the state log '%s': %s\n",
				s->path, s->fd < 0 ? "not open" : strerror(errno));
		s->failed = true;
		return false;
	}
	s->lines++;
	copy = arena_alloc(&s->a, sizeof(*copy));
	*copy = *r;
	copy->script = arena_strdup(&s->a, r->script ? r->script : "");
	copy->outs = arena_alloc(&s->a, n * sizeof(*copy->outs));
	memcpy(copy->outs, r->outs, r->nout * sizeof(*r->outs));
	if (r->nin)
		memcpy(copy->outs + r->nout, r->ins, r->nin * sizeof(*r->ins));
	if (r->ndep)
		memcpy(copy->outs + r->nout + r->nin, r->deps, r->ndep * sizeof(*r->deps));
	copy->ins = copy->outs + r->nout;
	copy->deps = copy->ins + r->nin;
	for (i = 0; i < n; i++)
		copy->outs[i].path = arena_strdup(&s->a, copy->outs[i].path);
	keep(s, copy);
	return true;
}

/* Write the live records to a new file and put it in place of the log. */
static void compact(struct statelog *s)
{
	struct buf b = {0}, tmp = {0};
	size_t i;
	int fd;

	buf_puts(&b, HEADER);
	for (i = 0; i < s->recs.cap; i++) {
		const struct record *r = s->recs.e[i].val;
		/* each record once, where it is its first output's */
		if (r && !strcmp(r->outs[0].path, s->recs.e[i].key))
			statelog_format(&b, r);
	}
	buf_printf(&tmp, "%s.tmp", s->path);
	fd = open(tmp.s, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd >= 0 && writeall(fd, b.s, b.len) && close(fd) == 0) {
		if (rename(tmp.s, s->path) < 0)
			unlink(tmp.s);
	} else {
		if (fd >= 0)
			close(fd);
		unlink(tmp.s); /* keep the old log: it is still right */
	}
	buf_free(&b);
	buf_free(&tmp);
}

void statelog_close(struct statelog *s)
{
	if (s->fd >= 0) {
		if (!s->failed && s->lines > 3 * s->recs.n + 1000)
			compact(s);
		close(s->fd);
	}
	if (s->lockfd >= 0) {
		/* no pid left behind for the next baton to name while its holder
		 * has not written its own */
		if (ftruncate(s->lockfd, 0) < 0) {
			/* the pid is only a courtesy for the waiting message */
		}
		close(s->lockfd);
	}
	htab_free(&s->recs);
	arena_free(&s->a);
	free(s->path);
	statelog_init(s);
}
