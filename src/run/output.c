#include "run/output.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "os/os.h"

void output_init(struct output *o)
{
	memset(o, 0, sizeof(*o));
	o->fd = -1;
}

/* A file for what does not fit in memory: unlinked at once, so it goes away
 * with its descriptor whatever happens to baton. */
static int spill(void)
{
	const char *dir = getenv("TMPDIR");
	struct buf name = {0};
	int fd;

	buf_printf(&name, "%s/baton-out-XXXXXX", dir && *dir ? dir : "/tmp");
	fd = mkostemp(name.s, O_CLOEXEC);
	if (fd >= 0)
		unlink(name.s);
	buf_free(&name);
	return fd;
}

void output_add(struct output *o, const char *p, size_t n)
{
	size_t room;

	if (!n)
		return;
	o->size += n;
	o->last = p[n - 1];
	room = o->mem.len < OUTPUT_MEM ? OUTPUT_MEM - o->mem.len : 0;
	if (n <= room) {
		buf_add(&o->mem, p, n);
		return;
	}
	buf_add(&o->mem, p, room);
	p += room;
	n -= room;
	if (o->fd < 0 && (o->fd = spill()) < 0) {
		warn("cannot keep a job's output beyond %d MiB: %s", OUTPUT_MEM >> 20,
		     strerror(errno));
		o->fd = -2;
	}
	if (o->fd >= 0 && !os_write_all(o->fd, p, n)) {
		warn("cannot keep a job's output beyond %d MiB: %s", OUTPUT_MEM >> 20,
		     strerror(errno ? errno : ENOSPC));
		close(o->fd);
		o->fd = -2;
	}
	if (o->fd == -2)
		o->size -= n; /* lost */
}

void output_each(const struct output *o, uint64_t from,
		 void (*fn)(void *ctx, const char *p, size_t n), void *ctx)
{
	char chunk[65536];
	off_t off = from > o->mem.len ? (off_t)(from - o->mem.len) : 0;
	ssize_t r;

	if (from < o->mem.len)
		fn(ctx, o->mem.s + from, o->mem.len - (size_t)from);
	if (o->fd < 0)
		return;
	while ((r = pread(o->fd, chunk, sizeof(chunk), off)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		fn(ctx, chunk, (size_t)r);
		off += r;
	}
}

static void printpiece(void *ctx, const char *p, size_t n)
{
	out_write(*(enum out_stream *)ctx, p, n);
}

void output_print(const struct output *o, enum out_stream s)
{
	if (!o->size)
		return;
	output_each(o, 0, printpiece, &s);
	if (o->last != '\n')
		out_write(s, "\n", 1);
}

void output_tail(const struct output *o, size_t n, struct buf *b)
{
	char chunk[65536];
	const char *p, *start, *end;
	size_t have, lines = 0;
	off_t off;
	ssize_t r;

	/* the tail is in the file if there is one, else in memory */
	if (o->fd >= 0) {
		off = (off_t)(o->size - o->mem.len);
		off = off > (off_t)sizeof(chunk) ? off - (off_t)sizeof(chunk) : 0;
		r = pread(o->fd, chunk, sizeof(chunk), off);
		start = chunk;
		end = chunk + (r > 0 ? r : 0);
	} else {
		start = o->mem.s ? o->mem.s : "";
		end = start + o->mem.len;
	}
	have = (size_t)(end - start);
	p = end;
	if (have && end[-1] == '\n')
		p--;
	while (p > start) {
		if (p[-1] == '\n' && ++lines == n)
			break;
		p--;
	}
	buf_add(b, p, (size_t)(end - p));
	if (b->len && b->s[b->len - 1] != '\n')
		buf_putc(b, '\n');
}

void output_clear(struct output *o)
{
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	o->mem.len = 0;
	o->size = 0;
	o->last = 0;
}

void output_free(struct output *o)
{
	output_clear(o);
	buf_free(&o->mem);
}
