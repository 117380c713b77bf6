#include "source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static struct source *sources;
static size_t nsources, capsources;

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

uint32_t source_add(const char *name, const char *text, size_t len)
{
	struct source *s;

	if (nsources >= UINT32_MAX - 1)
		fatal("too many source files");
	xgrow((void **)&sources, &capsources, nsources + 1, sizeof(*sources));
	s = &sources[nsources++];
	s->name = strcpy(xmalloc(strlen(name) + 1), name);
	s->text = xmalloc(len + 1);
	if (len)
		memcpy(s->text, text, len);
	s->text[len] = '\0';
	s->len = len;
	s->dir = dirof(name);
	return (uint32_t)nsources;
}

uint32_t source_load(const char *path)
{
	struct stat st;
	char *text;
	size_t len = 0, cap;
	ssize_t n;
	uint32_t id;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
		err = S_ISDIR(st.st_mode) ? EISDIR : errno;
		close(fd);
		errno = err;
		return 0;
	}
	if (st.st_size >= (off_t)UINT32_MAX) {
		close(fd);
		errno = EFBIG;
		return 0;
	}
	cap = (size_t)st.st_size + 1;
	text = xmalloc(cap);
	for (;;) {
		if (len + 1 >= cap)
			xgrow((void **)&text, &cap, len + 4096, 1);
		n = read(fd, text + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len >= UINT32_MAX - 1) {
			n = -1;
			errno = EFBIG;
			break;
		}
	}
	err = errno;
	close(fd);
	if (n < 0) {
		free(text);
		errno = err;
		return 0;
	}
	id = source_add(path, text, len);
	free(text);
	return id;
}

const struct source *source_get(uint32_t id)
{
	if (id == 0 || id > nsources)
		return NULL;
	return &sources[id - 1];
}

void source_linecol(const struct source *s, uint32_t off, unsigned *line, unsigned *col)
{
	unsigned l = 1, c = 1;
	size_t i;

	if (off > s->len)
		off = (uint32_t)s->len;
	for (i = 0; i < off; i++) {
		unsigned char ch = (unsigned char)s->text[i];
		if (ch == '\n') {
			l++;
			c = 1;
		} else if ((ch & 0xc0) != 0x80) {
			c++;
		}
	}
	*line = l;
	*col = c;
}

void source_free_all(void)
{
	size_t i;

	for (i = 0; i < nsources; i++) {
		free(sources[i].name);
		free(sources[i].text);
		free(sources[i].dir);
	}
	free(sources);
	sources = NULL;
	nsources = capsources = 0;
}
