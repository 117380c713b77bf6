/* The state log's file, as reading, appending and compacting it share it
 * (statelog.c, compact.c): not for use elsewhere. */
#ifndef BATON_LOGFILE_H
#define BATON_LOGFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "state/statelog.h"
#include "base/util.h"

extern const char LOG_HEADER[]; /* the first line of a log of this version */
enum { LOG_CHUNK = 256 << 10 }; /* the most of the file read in held at once, roughly */
enum { LOG_COMPACT_MIN = 64 << 10 }; /* a smaller log is never compacted for its size */

/* Write all n bytes; false with errno set if that fails. */
bool log_writeall(int fd, const char *p, size_t n);
/* All of the file behind fd, size bytes: mapped (*mapped), or read into memory
 * if it cannot be; NULL if it cannot be read. */
char *log_wholefile(int fd, size_t size, bool *mapped);
/* Let go of the whole pages in [from, to) of a read-only mapping of the file:
 * they are read again from the file if touched again. */
void log_letgo(const char *from, const char *to);
/* Read the log at path into s, keeping only the records' headers; *header tells
 * whether it starts with this version's header. Returns the lines damaged. */
size_t log_readlog(struct statelog *s, const char *path, bool *header, bool *empty);
/* Append an entry's line as it was read; false if it cannot be read again. */
bool log_rawformat(struct buf *b, const struct statelog *s, const struct logentry *e);

/* Write the live records to a new file and put it in place of the log. */
void statelog_compact(struct statelog *s);
/* The same from the file itself, read again: for records appended and not kept. */
void statelog_recompact(struct statelog *s);
/* The bytes the live records take in the file (its size once compacted). */
uint64_t statelog_livebytes(const struct statelog *s);

#endif
