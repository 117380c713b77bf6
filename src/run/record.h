/* What a job leaves behind: before it starts, the stat of its inputs; when it ends,
 * its state log record, the inputs its depfile names, and, if it failed, the
 * removal of the outputs it half wrote. */
#ifndef BATON_RECORD_H
#define BATON_RECORD_H

#include <stdbool.h>
#include <stdint.h>

#include "graph/graph.h"
#include "state/statelog.h"
#include "lang/vars.h"

struct outcome_ctx {
	struct statelog *log; /* NULL: record nothing */
	struct vars *vars;
	const char *root;     /* real path of the project: nothing outside it is deleted */
	bool content;         /* hash every input (--content) */
};

struct outcome {
	struct recfile *ins; /* inputs as they were when the job started */
	const char *script;  /* the job's expanded recipe (the caller's), to record */
	uint32_t nin;
	int64_t start_ns;
};

/* Take the stat (and, if wanted, the hash) of e's inputs as the job starts. */
void outcome_start(const struct outcome_ctx *c, struct outcome *o, const struct edge *e);
/* The job succeeded: stat the outputs (setting e->changed), read the depfile, write
 * the record. False after reporting why the job must count as failed after all. */
bool outcome_success(const struct outcome_ctx *c, struct outcome *o, struct edge *e,
		     uint64_t rss_kb);
/* The job failed or was interrupted: delete what it wrote (unless precious) and
 * record the failure. */
void outcome_failure(const struct outcome_ctx *c, struct outcome *o, struct edge *e,
		     uint64_t rss_kb);
/* Free what outcome_start took. */
void outcome_free(struct outcome *o);

#endif
