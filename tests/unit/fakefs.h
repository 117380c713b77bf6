/* A fake filesystem for the planner: paths with mtimes, and a count of stats. */
#ifndef BATON_TEST_FAKEFS_H
#define BATON_TEST_FAKEFS_H

#include <string.h>

#include "os/os.h"
#include "os/fs.h"
#include "plan/plan.h"

struct fakefile {
	const char *path;
	int64_t mtime;
};

struct fakefs {
	struct fakefile files[64];
	int n;
	int stats;
};

static inline void fake_set(struct fakefs *f, const char *path, int64_t mtime)
{
	int i;

	for (i = 0; i < f->n; i++) {
		if (!strcmp(f->files[i].path, path)) {
			f->files[i].mtime = mtime;
			return;
		}
	}
	f->files[f->n].path = path;
	f->files[f->n++].mtime = mtime;
}

static inline void fake_stat(void *ctx, const char *path, struct filestat *st)
{
	struct fakefs *f = ctx;
	int i;

	f->stats++;
	st->mtime = MTIME_MISSING;
	st->size = 0;
	st->ino = 0;
	st->ctime = 0;
	for (i = 0; i < f->n; i++) {
		if (!strcmp(f->files[i].path, path)) {
			st->mtime = f->files[i].mtime;
			st->ino = (uint64_t)i + 1;
		}
	}
}

#endif
