/* Word segments: arenas taken in turn by the parser for the words of headers, each
 * freed as soon as the graph has the rules whose words it holds. */
#ifndef BATON_WORDSEGMENTS_H
#define BATON_WORDSEGMENTS_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"

/* Where the parser puts the words of headers: arenas taken in turn, a new one
 * every SEGMENT_STMTS statements, so that each can be freed as soon as the graph
 * has every rule and task whose words it holds. A statement's first word may be
 * in the segment before its own (read ahead by the parser). */
enum { SEGMENT_STMTS = 2048 };
struct segment {
	struct arena a;
	uint32_t pending; /* rules and tasks whose words it holds, not in the graph yet */
};
struct segments {
	struct segment **v; /* NULL once freed */
	size_t n, cap;
	uint32_t stmts;     /* statements begun in the last one */
};

/* The arena of the last segment, made if there is none. */
struct arena *segments_last(struct segments *g);
/* The arena of a new segment, now the last. */
struct arena *segments_next(struct segments *g);
/* Say that the rule or task whose words are in segment k is in the graph, and
 * free the segments nothing needs any more. */
void segments_done(struct segments *g, uint32_t k);
/* Free every segment. */
void segments_free(struct segments *g);

#endif
