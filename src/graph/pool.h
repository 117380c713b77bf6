/* Pools: "pool NAME = N [ordered]" declares a pool of N slots, and a rule's or
 * task's "[pool: NAME K]" lines put its jobs in pools, taking K slots (1 if not
 * said) of each. At most N slots of a pool are in use at once; the members of
 * an ordered pool start in the order they were declared. The pool "console"
 * (1 slot) is built in: its jobs have the terminal. */
#ifndef BATON_POOL_H
#define BATON_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include "lang/source.h"

struct graph;
struct stmt;
struct vars;

enum { POOL_CONSOLE = 0, POOL_NONE = UINT32_MAX };

struct pool {
	const char *name;
	uint32_t size;
	bool ordered;
	struct loc loc; /* its declaration (none for console) */
};

struct poolref {
	uint32_t pool, slots;
};

/* The pools a rule's or task's jobs are in. */
struct rulepools {
	const struct stmt *rule; /* the key */
	uint32_t n;
	struct poolref v[];
};

/* Declare the pool of statement s (ST_POOL); false after reporting. */
bool pool_declare(struct graph *g, struct vars *vars, const struct stmt *s);
/* Note the pools of rule (its [pool: ...] lines); false after reporting. */
bool pool_rule(struct graph *g, struct vars *vars, const struct stmt *rule);
/* The pools of rule, or NULL if it is in none. */
const struct rulepools *pool_of(const struct graph *g, const struct stmt *rule);
/* The pool called name, or POOL_NONE. */
uint32_t pool_find(const struct graph *g, const char *name);

#endif
