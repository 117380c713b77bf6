#include "lang/source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/htab.h"
#include "os/os.h"
#include "base/util.h"

/* A file's text is let go of only from this size on: for a smaller one, what it
 * saves is not worth a file descriptor held open */
enum { SHED_MIN = 256 << 10 };

static struct source *sources;
static size_t nsources, capsources;
static size_t loaded; /* bytes that source_load read, against SOURCE_MAX_TOTAL */

static char *dirof(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t n;
	char *d;

	if (!slash)
		return strcpy(xmalloc(1), "");
	n = (size_t)(slash - path) + 1; /* keep the slash */
	d = xmalloc(n + 1);
	memcpy(d, path, n);
	d[n] = '\0';
	return d;
}

/* Register text (len bytes and a NUL) that the source now owns. */
static uint32_t adopt(const char *name, char *text, size_t len)
{
	struct source *s;

	if (nsources >= UINT32_MAX - 1)
		fatal("too many source files");
	xgrow((void **)&sources, &capsources, nsources + 1, sizeof(*sources));
	s = &sources[nsources++];
	s->name = strcpy(xmalloc(strlen(name) + 1), name);
	s->text = text;
	s->text[len] = '\0';
	s->len = len;
	s->dir = dirof(name);
	s->lines = NULL;
	s->nlines = 0;
	s->fd = -1;
	s->hash = 0;
	s->changed = false;
	s->map = NULL;
	s->maplen = s->released = 0;
	return (uint32_t)nsources;
}

uint32_t source_add(const char *name, const char *text, size_t len)
{
	char *copy = xmalloc(len + 1);

	if (len)
		memcpy(copy, text, len);
	return adopt(name, copy, len);
}

static size_t pagesize(void)
{
	static size_t size;
	long n;

	if (!size) {
		n = sysconf(_SC_PAGESIZE);
		size = n > 0 ? (size_t)n : 4096;
	}
	return size;
}

/* Read up to size bytes of fd into text (which has room for them), then, if
 * grow, the rest of the file into room that grows, up to max bytes in all;
 * returns the length read and the buffer in *text, or -1 with errno set
 * (EFBIG: there is more than max). */
static ssize_t readall(int fd, char **text, size_t size, bool grow, size_t max)
{
	size_t len = 0, cap = size + 1;
	ssize_t n;

	for (;;) {
		if (len + 1 >= cap) {
			if (!grow)
				break;
			xgrow((void **)text, &cap, len + 4096, 1);
		}
		n = read(fd, *text + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max || len >= UINT32_MAX - 1) {
			errno = EFBIG;
			return -1;
		}
	}
	return (ssize_t)len;
}

uint32_t source_load(const char *path)
{
	struct stat st;
	size_t size, page = pagesize(), maplen = 0;
	char *text = NULL;
	ssize_t len;
	uint32_t id;
	int fd, err;

	if (nsources >= SOURCE_MAX_FILES) {
		errno = EMFILE;
		return 0;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
		err = S_ISDIR(st.st_mode) ? EISDIR : errno;
		close(fd);
		errno = err;
		return 0;
	}
	if (st.st_size >= (off_t)UINT32_MAX || (size_t)st.st_size > SOURCE_MAX_TOTAL - loaded) {
		close(fd);
		errno = EFBIG;
		return 0;
	}
	size = (size_t)st.st_size;
	/* a big file is read straight onto pages of its own, which can be let go
	 * of a part at a time (what it holds past the size it had is not read) */
	if (size >= SHED_MIN) {
		maplen = (size + 1 + page - 1) & ~(page - 1);
		text = os_alloc_pages(maplen, true);
	}
	if (!text) {
		maplen = 0;
		text = xmalloc(size + 1);
	}
	len = readall(fd, &text, size, !maplen, SOURCE_MAX_TOTAL - loaded);
	if (len < 0) {
		err = errno;
		close(fd);
		if (maplen)
			os_free_big(text, maplen);
		else
			free(text);
		errno = err;
		return 0;
	}
	loaded += (size_t)len;
	id = adopt(path, text, (size_t)len);
	if (maplen) {
		struct source *s = &sources[id - 1];
		s->fd = fd;
		s->hash = htab_hash(text, (size_t)len);
		s->map = text;
		s->maplen = maplen;
	} else {
		close(fd);
	}
	return id;
}

/* Read again the text of a source let go of: what the file holds now, with a
 * warning (once) if that is not what was parsed; the users of a location clamp
 * it to the text's length. */
static void reread(struct source *s)
{
	struct stat st;
	size_t len = 0, size = 0;
	ssize_t n;

	if (fstat(s->fd, &st) == 0 && st.st_size > 0 && st.st_size < (off_t)UINT32_MAX)
		size = (size_t)st.st_size;
	s->text = xmalloc(size + 1);
	while (len < size) {
		n = pread(s->fd, s->text + len, size - len, (off_t)len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	s->text[len] = '\0';
	if (len == s->len && htab_hash(s->text, len) == s->hash)
		return;
	if (!s->changed)
		warn("'%s' changed after baton read it: lines shown from it may be wrong",
		     s->name);
	s->changed = true;
	s->len = len;
	free(s->lines);
	s->lines = NULL;
	s->nlines = 0;
}

void source_release(uint32_t id, uint32_t off)
{
	struct source *s = &sources[id - 1];
	size_t upto = off & ~(pagesize() - 1);

	if (!s->map || upto < s->released + (1 << 20))
		return;
	os_free_big(s->map + s->released, upto - s->released);
	s->released = upto;
	if (s->text == s->map)
		s->text = NULL; /* read again if asked for */
}

void source_shed_all(void)
{
	size_t i;

	for (i = 0; i < nsources; i++) {
		struct source *s = &sources[i];
		if (!s->map)
			continue;
		if (s->text != s->map)
			free(s->text);
		s->text = NULL;
		os_free_big(s->map + s->released, s->maplen - s->released);
		s->map = NULL;
	}
}

size_t source_bytes(size_t *count)
{
	size_t i, n = 0;

	for (i = 0; i < nsources; i++)
		n += sources[i].len;
	*count = nsources;
	return n;
}

const struct source *source_get(uint32_t id)
{
	if (id == 0 || id > nsources)
		return NULL;
	if (!sources[id - 1].text)
		reread(&sources[id - 1]);
	return &sources[id - 1];
}

/* The offsets where the lines of s start. */
static void index_lines(struct source *s)
{
	size_t cap = 0, i;

	xgrow((void **)&s->lines, &cap, 1, sizeof(*s->lines));
	s->lines[s->nlines++] = 0;
	for (i = 0; i < s->len; i++) {
		if (s->text[i] == '\n') {
			xgrow((void **)&s->lines, &cap, s->nlines + 1, sizeof(*s->lines));
			s->lines[s->nlines++] = (uint32_t)(i + 1);
		}
	}
}

void source_linecol(const struct source *cs, uint32_t off, unsigned *line, unsigned *col)
{
	struct source *s = &sources[cs - sources]; /* ours: the index is a cache */
	size_t lo = 0, hi, i;
	unsigned c = 1;

	if (!s->lines)
		index_lines(s);
	if (off > s->len)
		off = (uint32_t)s->len;
	/* the last line starting at or before off */
	for (hi = s->nlines; hi - lo > 1;) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->lines[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	for (i = s->lines[lo]; i < off; i++) {
		if (((unsigned char)s->text[i] & 0xc0) != 0x80)
			c++;
	}
	*line = (unsigned)lo + 1;
	*col = c;
}

void source_free_all(void)
{
	size_t i;

	for (i = 0; i < nsources; i++) {
		free(sources[i].name);
		if (sources[i].text != sources[i].map)
			free(sources[i].text);
		if (sources[i].map)
			os_free_big(sources[i].map + sources[i].released,
				    sources[i].maplen - sources[i].released);
		free(sources[i].dir);
		free(sources[i].lines);
		if (sources[i].fd >= 0)
			close(sources[i].fd);
	}
	free(sources);
	sources = NULL;
	nsources = capsources = loaded = 0;
}
