/* Files: their content's hash, the directories that hold them, reading them. */
#include "os/os.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
/* xxHash compiled in: no library to load at start, and hashing inlined */
#define XXH_INLINE_ALL
#include <xxhash.h>

bool os_read_all(int fd, struct buf *b)
{
	char chunk[65536];
	ssize_t n;

	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return false;
		buf_add(b, chunk, (size_t)n);
	}
	return true;
}

bool os_hash(const char *path, uint64_t *h)
{
	XXH64_state_t *st = XXH64_createState();
	char chunk[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || !st) {
		if (fd >= 0)
			close(fd);
		XXH64_freeState(st);
		return false;
	}
	XXH64_reset(st, 0);
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		XXH64_update(st, chunk, (size_t)n);
	}
	close(fd);
	*h = XXH64_digest(st);
	XXH64_freeState(st);
	return n == 0;
}

bool os_mkdir_parents(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *p, *s;
	struct stat st;

	if (!slash || slash == path)
		return true;
	p = strcpy(xmalloc(strlen(path) + 1), path);
	/* mostly the directory is there already: one stat says so */
	p[slash - path] = '\0';
	if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
		free(p);
		return true;
	}
	p[slash - path] = '/';
	s = p;

	while (*s == '/')
		s++;
	for (; (s = strchr(s, '/')); s++) {
		*s = '\0';
		if (mkdir(p, 0777) < 0 && errno != EEXIST) {
			int err = errno;
			free(p);
			errno = err;
			return false;
		}
		if (errno == EEXIST && stat(p, &st) == 0 && !S_ISDIR(st.st_mode)) {
			free(p);
			errno = ENOTDIR;
			return false;
		}
		*s = '/';
		errno = 0;
	}
	free(p);
	return true;
}

bool os_write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
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
