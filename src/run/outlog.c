#include "run/outlog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/htab.h"
#include "base/out.h"
#include "base/util.h"
#include "run/output.h"

/* A block: "BATONOUT NAMELEN SIZE\n", the name, the output, "\n". */
static const char MAGIC[] = "BATONOUT ";

struct outlog {
	int fd;      /* -1 until the first block */
	bool failed; /* it could not be opened: said once */
	char *path;
	struct buf b;
};

struct outlog *outlog_open(const char *dir)
{
	struct outlog *l = xcalloc(1, sizeof(*l));
	struct buf path = {0};

	buf_printf(&path, "%s/output", dir);
	l->path = path.s;
	l->fd = -1;
	return l;
}

static void keep(void *ctx, const char *p, size_t n)
{
	buf_add(ctx, p, n);
}

void outlog_add(struct outlog *l, const char *name, const struct output *o)
{
	uint64_t size = o->size, skip = size > OUTLOG_BLOCK ? size - OUTLOG_BLOCK : 0;
	ssize_t w;

	if (!l || l->failed)
		return;
	/* opened when the first job ends: a run that starts none holds no fd */
	if (l->fd < 0 && (l->fd = open(l->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
				       0666)) < 0) {
		warn("cannot keep the jobs' output in '%s': %s", l->path, strerror(errno));
		l->failed = true;
		return;
	}
	l->b.len = 0;
	buf_printf(&l->b, "%s%zu %llu\n%s", MAGIC, strlen(name),
		   (unsigned long long)(size - skip), name);
	/* its end is what matters: what a job printed last, and why it failed */
	output_each(o, skip, keep, &l->b);
	buf_putc(&l->b, '\n');
	/* one write: a block is never torn by another baton appending */
	while ((w = write(l->fd, l->b.s, l->b.len)) < 0 && errno == EINTR)
		;
}

/* A block of the file: where its output is, and how long. */
struct block {
	const char *name;
	size_t namelen;
	const char *start; /* its header */
	size_t len;        /* header to the end of its newline */
	const char *out;
	size_t outlen;
};

/* Read the block at p (before end); false if the file is damaged there. */
static bool readblock(const char *p, const char *end, struct block *b)
{
	unsigned long long nl, sz;
	char *q;

	if ((size_t)(end - p) < sizeof(MAGIC) || memcmp(p, MAGIC, sizeof(MAGIC) - 1))
		return false;
	b->start = p;
	p += sizeof(MAGIC) - 1;
	errno = 0;
	nl = strtoull(p, &q, 10);
	if (errno || q == p || *q != ' ')
		return false;
	p = q + 1;
	sz = strtoull(p, &q, 10);
	if (errno || q == p || *q != '\n')
		return false;
	p = q + 1;
	if (nl > (size_t)(end - p) || sz > (size_t)(end - p) - nl || (size_t)(end - p) - nl - sz < 1)
		return false;
	b->name = p;
	b->namelen = nl;
	b->out = p + nl;
	b->outlen = sz;
	if (b->out[sz] != '\n')
		return false;
	b->len = (size_t)(b->out + sz + 1 - b->start);
	return true;
}

/* The whole file at path, mapped; NULL if it is empty or cannot be read. */
static char *mapfile(const char *path, size_t *len, int *err)
{
	struct stat st;
	char *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*err = 0;
	if (fd < 0) {
		*err = errno == ENOENT ? 0 : errno;
		return NULL;
	}
	if (fstat(fd, &st) < 0 || st.st_size == 0) {
		*err = st.st_size == 0 ? 0 : errno;
		close(fd);
		return NULL;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		*err = errno;
		return NULL;
	}
	*len = (size_t)st.st_size;
	return p;
}

/* Write the last block of each job to a new file and put it in place. */
static void compact(const char *path)
{
	struct htab last = {0};
	struct buf tmp = {0};
	struct block b;
	const char *p, *end;
	char *text;
	size_t len = 0, i;
	int err, fd;

	text = mapfile(path, &len, &err);
	if (!text)
		return;
	end = text + len;
	for (p = text; p < end && readblock(p, end, &b); p += b.len)
		htab_slot(&last, b.name, b.namelen)->val = (void *)b.start;
	buf_printf(&tmp, "%s.new", path);
	fd = open(tmp.s, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd >= 0) {
		bool ok = true;
		for (p = text; ok && p < end && readblock(p, end, &b); p += b.len) {
			if (htab_get(&last, b.name, b.namelen) != b.start)
				continue;
			for (i = 0; i < b.len;) {
				ssize_t w = write(fd, b.start + i, b.len - i);
				if (w < 0 && errno == EINTR)
					continue;
				if (w <= 0) {
					ok = false;
					break;
				}
				i += (size_t)w;
			}
		}
		if (close(fd) < 0)
			ok = false;
		if (!ok || rename(tmp.s, path) < 0)
			unlink(tmp.s);
	}
	munmap(text, len);
	htab_free(&last);
	buf_free(&tmp);
}

void outlog_close(struct outlog *l)
{
	struct stat st;

	if (!l)
		return;
	if (l->fd >= 0 && fstat(l->fd, &st) == 0 && (uint64_t)st.st_size > OUTLOG_MAX)
		compact(l->path);
	if (l->fd >= 0)
		close(l->fd);
	free(l->path);
	buf_free(&l->b);
	free(l);
}

int outlog_print(const char *dir, const char *name)
{
	struct buf path = {0};
	struct block b, found = {0};
	const char *p, *end;
	size_t len = 0, n = strlen(name);
	char *text;
	int err;

	buf_printf(&path, "%s/output", dir);
	text = mapfile(path.s, &len, &err);
	if (!text && err) {
		out_note("cannot read '%s': %s", path.s, strerror(err));
		buf_free(&path);
		return -1;
	}
	buf_free(&path);
	end = text + len;
	for (p = text; text && p < end && readblock(p, end, &b); p += b.len) {
		if (b.namelen == n && !memcmp(b.name, name, n))
			found = b;
	}
	if (found.out)
		out_write(OUT_STDOUT, found.out, found.outlen);
	if (text)
		munmap(text, len);
	return found.out ? 1 : 0;
}
