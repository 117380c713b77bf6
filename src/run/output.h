/* A job's output as baton keeps it while the job runs: in memory up to
 * OUTPUT_MEM, then in a temporary file, so that gigabytes of output never
 * exhaust memory. It is printed from here, in whole or line by line, and its
 * last lines are read back for a failure's summary. */
#ifndef BATON_OUTPUT_H
#define BATON_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/out.h"
#include "base/util.h"

enum { OUTPUT_MEM = 1 << 20 };

struct output {
	struct buf mem;  /* the first OUTPUT_MEM bytes, or all of it */
	int fd;          /* the rest, in a file of its own (already unlinked); -1: none */
	uint64_t size;   /* all of it */
	char last;       /* its last byte */
};

/* An empty output. */
void output_init(struct output *o);
/* Append n bytes. */
void output_add(struct output *o, const char *p, size_t n);
/* Write it all to stream s, ending with a newline if it does not. */
void output_print(const struct output *o, enum out_stream s);
/* Call fn with every piece of it from byte from on, in order. */
void output_each(const struct output *o, uint64_t from,
		 void (*fn)(void *ctx, const char *p, size_t n), void *ctx);
/* Its last n lines (or fewer) into b. */
void output_tail(const struct output *o, size_t n, struct buf *b);
/* Forget what it holds, keeping its memory for the next job. */
void output_clear(struct output *o);
/* Free it. */
void output_free(struct output *o);

#endif
