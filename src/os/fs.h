/* How the planner sees files: an interface, so that tests can plan against a
 * fake filesystem (tests/unit/fakefs.h) and count what is looked at. */
#ifndef BATON_FS_H
#define BATON_FS_H

#include <stdbool.h>
#include <stdint.h>

struct filestat;

struct fs {
	void *ctx;
	/* the file's stat data; mtime MTIME_MISSING if it does not exist */
	void (*stat)(void *ctx, const char *path, struct filestat *st);
	/* a hash of the file's content; false if it cannot be read */
	bool (*hash)(void *ctx, const char *path, uint64_t *h);
};

/* The real filesystem (os_stat and os_hash). */
extern const struct fs fs_os;

#endif
