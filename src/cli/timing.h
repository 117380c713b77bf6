/* -d stats: how long each phase of a run took and how much it went through,
 * printed to stderr when baton ends. */
#ifndef BATON_TIMING_H
#define BATON_TIMING_H

#include <stdbool.h>
#include <stdint.h>

#include "base/util.h"

struct timing {
	bool on;
	int64_t start, last; /* os_clock() at the start and at the end of the last phase */
	struct buf lines;
};

/* Start timing (nothing is recorded unless on is set). */
void timing_start(struct timing *s, bool on);
/* A phase ended now: its name and what it went through (printf format, may be NULL). */
void timing_phase(struct timing *s, const char *name, const char *fmt, ...) PRINTF(3, 4);
/* Print what was recorded, with the total, and free it. */
void timing_print(struct timing *s);

#endif
