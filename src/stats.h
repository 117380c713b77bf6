/* -d stats: how long each phase of a run took and how much it went through,
 * printed to stderr when baton ends. */
#ifndef BATON_STATS_H
#define BATON_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "util.h"

struct stats {
	bool on;
	int64_t start, last; /* os_clock() at the start and at the end of the last phase */
	struct buf lines;
};

/* Start timing (nothing is recorded unless on is set). */
void stats_start(struct stats *s, bool on);
/* A phase ended now: its name and what it went through (printf format, may be NULL). */
void stats_phase(struct stats *s, const char *name, const char *fmt, ...) PRINTF(3, 4);
/* Print what was recorded, with the total, and free it. */
void stats_print(struct stats *s);

#endif
