/* The state log's file, as reading, appending and compacting it share it
 * (statelog.c, logread.c, logappend.c, compact.c): not for use elsewhere. */
#ifndef BATON_LOGFILE_H
#define BATON_LOGFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "state/statelog.h"
#include "base/util.h"

extern const char LOG_HEADER[]; /* the first line of a log of this version */
enum { LOG_CHUNK = 256 << 10 }; /* the most of the file read in held at once, roughly */
enum { LINE_PIECE = 64 << 10 }; /* the most of an entry written held at once, roughly */
enum { LOG_COMPACT_MIN = 64 << 10 }; /* a smaller log is never compacted for its size */

/* All of the file behind fd, size bytes: mapped (*mapped), or read into memory
 * if it cannot be; NULL if it cannot be read. */
char *log_wholefile(int fd, size_t size, bool *mapped);
/* Let go of the whole pages in [from, to) of a read-only mapping of the file:
 * they are read again from the file if touched again. */
void log_letgo(const char *from, const char *to);
/* Read the log at path into s, keeping only the records' heads; *header tells
 * whether it starts with this version's header. Returns the damaged stretches. */
size_t log_readlog(struct statelog *s, const char *path, bool *header, bool *empty);
/* An entry's bytes as they were read, into *e: in memory, in the file mapped
 * whole (s->whole), or read again into *tmp (to be freed); NULL if they cannot
 * be read or are not the entry's any more. The body is not checked. */
const char *log_rawentry(const struct statelog *s, const struct logentry *le, char **tmp,
			 struct entry *e);
/* The path numbered id, read now if it was left for later: a record appended
 * whole may make what only inputs named when the log was compacted. */
const char *log_path(struct statelog *s, uint32_t id);
/* Read the batches of paths a lazy load left for later (s->later). */
void log_readlater(struct statelog *s);
/* Free what s holds but its file descriptors and path. */
void log_forget(struct statelog *s);
/* A copy of path that lasts as long as s: the caller's, or one of its own;
 * *slot gets the caller's slot for it (UINT32_MAX: none). */
const char *log_keep(struct statelog *s, const char *path, size_t len, uint32_t *slot);
/* Where the newest record of the first output key (len bytes, its slot given)
 * is kept: its place in s->byslot, or in s->firsts (hset_slot); the caller
 * puts a record there. A path's number gives the slot (none for a path first
 * numbered in this run), so a key is kept in one of the two, always the same.
 * With a slot, len is not looked at (it may be 0: not known). */
void **log_place(struct statelog *s, const char *key, size_t len, uint32_t slot);
/* The newest record whose first output is key, or NULL: by its slot, else by
 * its path (len 0: not known yet). */
struct logentry *log_firstof(const struct statelog *s, const char *key, size_t len,
			     uint32_t slot);
/* The numbers of a record's n depfile inputs as an entry keeps them, from its
 * raw bytes or from ids; *ok false if one names no path. */
const uint32_t *log_depids(struct statelog *s, uint32_t n, const char *raw, const uint32_t *ids,
			   bool *ok);
/* Keep h, whose n outputs have the keys, their lengths (0 for one not known
 * yet, with a slot) and their slots given, as the newest record of each. */
void log_keepentry(struct statelog *s, struct logentry *h, const char *const *keys,
		   const size_t *lens, const uint32_t *slots, uint64_t n);
/* Take the entries that another baton appended to the log from from to to. */
void log_foreign(struct statelog *s, int64_t from, int64_t to);

/* Write the live records of the log at s->path, read again, to a new file
 * that then takes its place, with the paths they name numbered anew. */
void statelog_compact(struct statelog *s);
/* The bytes the live records take in the file, and the paths (its size once
 * compacted, or a little more). */
uint64_t statelog_livebytes(const struct statelog *s);

#endif
