#include "state/logpath.h"

#include <stdlib.h>
#include <string.h>

#include "base/htab.h"
#include "base/util.h"

/* Make room for numbers below n, the new ones given to no path. */
static void room(struct logpaths *t, uint32_t n)
{
	size_t cap = t->cap;

	if (n > cap) {
		xgrow((void **)&t->v, &cap, n, sizeof(*t->v));
		t->cap = (uint32_t)cap;
	}
	if (n == t->n + 1) { /* the common case: the next number */
		t->v[t->n] = NULL;
		t->n = n;
	} else if (n > t->n) {
		memset(t->v + t->n, 0, (n - t->n) * sizeof(*t->v));
		t->n = n;
	}
}

void logpaths_reserve(struct logpaths *t, uint32_t n)
{
	if (n > t->next)
		t->next = n;
}

void logpaths_setslot(struct logpaths *t, uint32_t id, uint32_t slot)
{
	size_t cap = t->capuslot;

	if (id >= t->nuslot && slot == UINT32_MAX)
		return;
	if (id >= t->nuslot) {
		xgrow((void **)&t->uslot, &cap, (size_t)id + 1, sizeof(*t->uslot));
		t->capuslot = (uint32_t)cap;
		memset(t->uslot + t->nuslot, 0xff, (id + 1 - t->nuslot) * sizeof(*t->uslot));
		t->nuslot = id + 1;
	}
	t->uslot[id] = slot;
}

/* Whether held is the len bytes of path (which hold no NUL). */
static bool same(const char *held, const char *path, size_t len)
{
	return !strncmp(held, path, len) && held[len] == '\0';
}

/* Put number id in the slots by its path's hash. */
static void place(struct logpaths *t, uint32_t id)
{
	const char *path = t->v[id];
	uint32_t mask = t->nslots - 1, i = (uint32_t)htab_hash(path, strlen(path)) & mask;

	while (t->slots[i])
		i = (i + 1) & mask;
	t->slots[i] = id + 1;
}

/* The slots made again for all the numbers given, with room for one more. */
static void reslot(struct logpaths *t)
{
	uint32_t id, n = t->nslots ? t->nslots : 64;

	while (n / 2 <= t->n)
		n *= 2;
	free(t->slots);
	t->slots = xcalloc(n, sizeof(*t->slots));
	t->nslots = n;
	for (id = 0; id < t->n; id++) {
		if (t->v[id])
			place(t, id);
	}
}

bool logpaths_set(struct logpaths *t, uint32_t id, const char *path)
{
	if (id == UINT32_MAX || logpaths_get(t, id))
		return false;
	room(t, id + 1);
	t->v[id] = path;
	if (t->slots) {
		if (t->n > t->nslots / 2)
			reslot(t);
		else
			place(t, id);
	}
	return true;
}

uint32_t logpaths_find(struct logpaths *t, const char *path, size_t len)
{
	uint32_t mask, i, id;

	if (!t->slots)
		reslot(t);
	mask = t->nslots - 1;
	for (i = (uint32_t)htab_hash(path, len) & mask; (id = t->slots[i]); i = (i + 1) & mask) {
		if (same(t->v[id - 1], path, len))
			return id - 1;
	}
	return UINT32_MAX;
}

uint32_t logpaths_add(struct logpaths *t, const char *path)
{
	uint32_t id = logpaths_count(t);

	logpaths_set(t, id, path);
	return id;
}

void logpaths_drop(struct logpaths *t, uint32_t id)
{
	for (; id < t->n; id++) {
		t->v[id] = NULL;
		if (id < t->nuslot)
			t->uslot[id] = UINT32_MAX;
	}
	free(t->slots); /* made again without them when next needed */
	t->slots = NULL;
	t->nslots = 0;
}

void logpaths_free(struct logpaths *t)
{
	free(t->v);
	free(t->uslot);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}
