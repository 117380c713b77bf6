/* The pools of a build as a limit on what runs at once (run/capacity.h): a
 * job starts when each of its pools has its slots free and, in an ordered pool,
 * when the members before it (in the order they were declared) have started. */
#ifndef BATON_POOLS_H
#define BATON_POOLS_H

#include <stdbool.h>

struct capacity;
struct plan;

/* Add the pools of the plan's graph to c, if any job is in one. False after
 * reporting an ordered pool whose members need each other the wrong way
 * round (one declared first needs one declared after it). */
bool pools_add(struct capacity *c, struct plan *p);

#endif
