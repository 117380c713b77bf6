/* A fake filesystem for the planner: paths with mtimes, and a count of stats. */
#ifndef BATON_TEST_FAKEFS_H
#define BATON_TEST_FAKEFS_H

#include <string.h>

#include "os.h"
#include "plan.h"

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

static inline int64_t fake_mtime(void *ctx, const char *path)
{
	struct fakefs *f = ctx;
	int i;

	f->stats++;
	for (i = 0; i < f->n; i++) {
		if (!strcmp(f->files[i].path, path))
			return f->files[i].mtime;
	}
	return MTIME_MISSING;
}

#endif
