/* The state log: what baton knows of each edge's last run, kept in .baton/log.
 * Append-only entries (logline.h), each with a checksum, so that a torn or
 * damaged log loses only the records it damaged; compacted by writing a new
 * file and renaming it. */
#ifndef BATON_STATELOG_H
#define BATON_STATELOG_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/htab.h"
#include "state/logline.h"
#include "state/logpath.h"
#include "os/os.h"

/* A record as the log keeps it: its entry's head, read with the file; its body
 * (the script and the files' stat data) only when asked for (statelog_read),
 * since a no-op build needs just the two hashes and the depfile inputs. One for
 * each live record: 56 bytes. */
struct logentry {
	/* first and firstlen first: they are the entry's key in the log's hset */
	const char *first;    /* the first output's path (not NUL-terminated) */
	uint32_t firstlen;    /* (0 if it is kept by its slot: not needed) */
	uint32_t len;         /* the bytes of its record in the log, body and all */
	uint64_t script_hash; /* logline_scripthash(script) */
	uint64_t files_hash;  /* logline_digest over outs, ins and deps in order */
	int64_t off;          /* where its entry starts in the log */
	/* the numbers of the paths of its depfile inputs: how many, then each;
	 * NULL for none */
	const uint32_t *deps;
	uint32_t duration_ms;
	/* the numbers of outputs and inputs, up to LOG_MANYOUT and LOG_MANYIN:
	 * beyond, only the whole record knows (see statelog_samecounts) */
	uint32_t nout : 8;
	uint32_t nin : 19;
	bool ok : 1;          /* the run succeeded */
	bool hidden : 1;      /* its first output has a newer record */
	bool split : 1;       /* its entry is a head apart: the body is elsewhere */
	bool parsed : 1;      /* the log's current record, read whole (its r) */
	bool damaged : 1;     /* reading the rest failed */
};

/* The most outputs and inputs an entry counts (nout and nin saturate there). */
enum { LOG_MANYOUT = (1 << 8) - 1, LOG_MANYIN = (1 << 19) - 1 };

/* Where the log's paths come from (the keys of its entries and the paths it
 * numbers): a NUL-terminated string equal to the len bytes of path that
 * outlives the log's use (not its close), or NULL for a copy. *slot gets the
 * caller's number for the path (UINT32_MAX: none), the same each time it is
 * asked: a record whose first output has one below nslots is kept in an array
 * by it, and found by it (statelog_getat), not by its path. */
typedef const char *statelog_intern(void *ctx, const char *path, size_t len, uint32_t *slot);
/* Bring into the cache what intern will look at for path, a few paths ahead
 * of asking it (a batch of paths is looked up in turn). */
typedef void statelog_prefetch(void *ctx, const char *path, size_t len);

struct statelog {
	struct arena a;
	struct arena recs;        /* the whole record read last, of current */
	struct logentry *current;
	struct record *r;         /* that record, if current->parsed */
	/* the paths read or appended, if it gives them (e.g. the build graph's);
	 * nothing but statelog_close may be called once they are gone, and it
	 * does not look at them */
	statelog_intern *intern;
	statelog_prefetch *prefetch; /* or NULL */
	void *intern_ctx;
	/* the newest record by its first output, and by each of its others that
	 * has none as a first output (NULL once it gets one): all live records.
	 * A first output with a slot below nslots has it kept there instead */
	struct logentry **byslot; /* nslots of them, NULL until one is kept */
	uint32_t nslots;
	size_t nbyslot;      /* those that are not NULL */
	struct hset firsts;  /* struct logentry by first */
	struct htab others;  /* an output's path -> struct logentry, or NULL */
	struct logpaths paths; /* the paths the records name, by number */
	/* with lazy set, a batch of paths that only inputs name (ENTRY_INPATHS)
	 * is read when first needed (statelog_read, statelog_append), not with
	 * the rest: a build that is up to date never needs them */
	bool lazy;
	struct {
		struct { int64_t off; uint32_t size; uint32_t first; } *v;
		size_t n, cap;
	} later;
	uint64_t pathbytes;    /* the bytes of the entries that number them */
	/* what a load reads: records whole (appended since the log was last
	 * compacted), and the rest (paths, heads apart) */
	uint64_t tail, heads;
	/* records appended for outputs that have none in the tables: only the
	 * hashes of their first outputs are kept, to count the live records (a
	 * build reads the log before it runs anything, never after) */
	struct {
		uint64_t *v; /* 0: empty */
		size_t cap, n;
		uint64_t bytes; /* the length of their entries */
	} added;
	int rfd;          /* the log file as it was read, or -1 (or 0, never a log) */
	/* all of the log, if it is held (read from a copy, or while compacting) */
	const char *whole;
	size_t wholelen;
	uint64_t base;    /* where its first entry is */
	char *path;
	int fd;           /* open for appending, or -1 */
	int64_t end;      /* the size of the file behind fd: where a record goes */
	int lockfd;
	/* the lock held: dir/lock (depth 0), or for a baton run by a job of a
	 * baton that holds the lock at depth d in the same directory,
	 * dir/lock.<d+1>: it shares the log with that one (nested) */
	int depth;
	bool nested;
	uint64_t dev, ino; /* the directory's, to tell it is the same */
	size_t lines;     /* records in the file, live or not */
	bool failed;      /* a write failed: reported once */
	bool foreign;     /* another baton (run by a job) appended to the file */
};

/* Start an empty log that is not backed by a file. */
void statelog_init(struct statelog *s);
/* Read dir/log if it exists (warning about damage or another version). With write,
 * first create dir and take dir/lock (waiting for another baton), then open the
 * log for appending. False after reporting why it cannot. */
bool statelog_open(struct statelog *s, const char *dir, bool write);
/* The same for a log set up by statelog_init, with its intern hook set; the lock
 * is not taken again if statelog_lock took it. */
bool statelog_load(struct statelog *s, const char *dir, bool write);
/* Create dir and take dir/lock, waiting for another baton that holds it: before
 * statelog_load, for a build that states files early. False after reporting
 * why it cannot. */
bool statelog_lock(struct statelog *s, const char *dir);
/* "BATON_LOCKED=..." into b: what tells a baton that a job runs in this
 * directory that this one holds the lock, so that it takes the next one of the
 * chain instead of waiting for this one's (which would wait for that job);
 * false if no lock is held. */
bool statelog_nestvar(const struct statelog *s, struct buf *b);
/* Load records from a copy of the entries of a log (what follows its first line:
 * tests); returns the number of damaged stretches. An entry is judged by its
 * head; a record's body is read when statelog_find asks for it. */
size_t statelog_parse(struct statelog *s, const char *text, size_t len);
/* The newest record of the edge whose first output is path; else the newest one
 * that made path as another output; else NULL. Its header only. */
const struct logentry *statelog_get(const struct statelog *s, const char *path);
/* The same for a path whose slot the caller knows (what its intern hook gives
 * it), without looking the path up. */
const struct logentry *statelog_getat(const struct statelog *s, const char *path, uint32_t slot);
/* Whether e's record has nout outputs and nin inputs; false if it has more than
 * e counts. (The rest are depfile inputs: as many as an equal files_hash says.) */
bool statelog_samecounts(const struct logentry *e, uint32_t nout, uint32_t nin);
/* The whole record of an entry, its script and files read; NULL if they are
 * damaged. It lasts until the next statelog_read or statelog_find: one record
 * is read at a time (a plan that reads every record holds just one). */
const struct record *statelog_read(struct statelog *s, const struct logentry *e);
/* The numbers of the paths of the depfile inputs in an entry's record, *n of
 * them: all a build that is up to date needs of it besides its head. NULL if
 * there are none. */
const uint32_t *statelog_depids(const struct logentry *e, uint32_t *n);
/* The path numbered id (NUL-terminated), or NULL if none is (or, with lazy,
 * if only inputs name it and no record was read whole or appended yet). A
 * number names the same path as long as the log is open. */
const char *statelog_path(const struct statelog *s, uint32_t id);
/* The numbers given so far are below this. */
uint32_t statelog_npaths(const struct statelog *s);
/* The whole record that statelog_get finds for path, or NULL; as long as
 * statelog_read's. */
const struct record *statelog_find(struct statelog *s, const char *path);
/* Append a record; false after reporting a write error. It replaces the record
 * statelog_get finds for its first output, if there is one, and is not kept in
 * memory otherwise: the log is read whole the next time. */
bool statelog_append(struct statelog *s, const struct record *r);
/* Compact the log if it holds many stale records, release the lock, free. */
void statelog_close(struct statelog *s);

#endif
