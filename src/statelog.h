/* The state log: what baton knows of each edge's last run, kept in .baton/log.
 * Append-only lines, each with a checksum, so that a torn or damaged log loses
 * only the records it damaged; compacted by writing a new file and renaming it. */
#ifndef BATON_STATELOG_H
#define BATON_STATELOG_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "htab.h"
#include "os.h"

struct recfile {
	const char *path;
	struct filestat st;
	uint64_t hash; /* content hash, valid if hashed */
	bool hashed;
};

struct record {
	const char *script; /* the expanded recipe */
	bool ok;            /* the run succeeded */
	uint32_t duration_ms;
	uint64_t rss_kb;    /* peak memory of the job */
	struct recfile *outs, *ins, *deps;
	uint32_t nout, nin, ndep;
};

struct statelog {
	struct arena a;
	struct htab recs; /* output's path -> struct record (see statelog_find) */
	char *path;
	int fd;           /* open for appending, or -1 */
	int lockfd;
	size_t lines;     /* records in the file, live or not */
	bool failed;      /* a write failed: reported once */
};

/* Start an empty log that is not backed by a file. */
void statelog_init(struct statelog *s);
/* Read dir/log if it exists (warning about damage or another version). With write,
 * first create dir and take dir/lock (waiting for another baton), then open the
 * log for appending. False after reporting why it cannot. */
bool statelog_open(struct statelog *s, const char *dir, bool write);
/* Load records from text (used by statelog_open and by tests); returns the number of
 * lines that were damaged. */
size_t statelog_parse(struct statelog *s, const char *text, size_t len);
/* The newest record of the edge whose first output is path; else the newest
 * one that made path as another output; else NULL. */
const struct record *statelog_find(const struct statelog *s, const char *path);
/* Append a record (and keep it as the newest); false after reporting a write error. */
bool statelog_append(struct statelog *s, const struct record *r);
/* Format one record as a log line (for tests). */
void statelog_format(struct buf *b, const struct record *r);
/* Compact the log if it holds many stale records, release the lock, free. */
void statelog_close(struct statelog *s);

#endif
