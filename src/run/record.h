/* What a job leaves behind: before it starts, the stat of its inputs; when it ends,
 * its state log record, the inputs its depfile names, and, if it failed, the
 * removal of the outputs it half wrote. */
#ifndef BATON_RECORD_H
#define BATON_RECORD_H

#include <stdbool.h>
#include <stdint.h>

struct edge;
struct plan;
struct recfile;
struct statelog;
struct recipes;

struct recorder {
	struct statelog *log; /* NULL: record nothing */
	struct recipes *rx;   /* to expand the depfile attribute */
	const char *root;     /* real path of the project: nothing outside it is deleted */
	bool content;         /* hash every input (--content) */
	struct plan *plan;    /* told which outputs a job left as they were, or NULL */
};

struct jobrec {
	struct recfile *ins; /* inputs as they were when the job started */
	const char *script;  /* the job's expanded recipe (the caller's), to record */
	uint32_t nin;
	int64_t start_ns;
};

/* Take the stat (and, if wanted, the hash) of e's inputs as the job starts,
 * at time now (ns, monotonic). */
void record_start(const struct recorder *c, struct jobrec *r, const struct edge *e, int64_t now);
/* The job is about to start (r->script set): if its first output has no
 * record yet, a failed run of it is recorded now, so that if baton dies before
 * the job ends, the next run takes what it left for unfinished. */
void record_begun(const struct recorder *c, struct jobrec *r, struct edge *e, int64_t now);
/* The job succeeded: stat the outputs (*changed: whether any did; the plan is
 * told of those that did not, if others did), read the depfile, write the
 * record. False after reporting why the job must count as failed after all. */
bool record_success(const struct recorder *c, struct jobrec *r, struct edge *e, int64_t now,
		    uint64_t rss_kb, bool *changed);
/* The job failed or was interrupted: delete what it wrote (unless precious) and
 * record the failure. */
void record_failure(const struct recorder *c, struct jobrec *r, struct edge *e, int64_t now,
		    uint64_t rss_kb);
/* Free what record_start took. */
void record_free(struct jobrec *r);
/* Write again, with the stat data their files have now, the records of the
 * edges that plan found up to date though their files changed in ways that
 * count for nothing (plan->refresh). */
void record_refresh(struct statelog *log, const struct plan *plan);

#endif
