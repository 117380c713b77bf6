/* One line of the state log as text: written from a record, and read back a
 * field at a time. Fields are separated by tabs; paths and scripts have their
 * backslashes, tabs and newlines escaped. */
#ifndef BATON_LOGLINE_H
#define BATON_LOGLINE_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "os.h"
#include "util.h"

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

/* Fold a file's path and stat data into a digest of a record's files (start at 0). */
uint64_t logline_digest(uint64_t h, const char *path, size_t len, const struct filestat *st);
/* The hash of an expanded recipe, as kept in a record. */
uint64_t logline_scripthash(const char *script);
/* Append one record as a log line: checksum, header, script, files. */
void logline_format(struct buf *b, const struct record *r);

/* A cursor over the tab-separated fields of a line; p > end once the last field
 * was taken. The text is never changed: fields are copied out when needed. */
struct scan {
	const char *p, *end;
};

/* The next field, as a start and a length; false if there is none. */
bool scan_field(struct scan *c, const char **s, size_t *len);
/* The next field as a decimal number, unsigned or signed. */
bool scan_u64(struct scan *c, uint64_t *v);
bool scan_i64(struct scan *c, int64_t *v);
/* The next field as a hexadecimal number (lower case). */
bool scan_hex(struct scan *c, uint64_t *v);
/* A copy of an escaped field with its escapes undone. */
char *scan_unesc(struct arena *a, const char *s, size_t len);
/* The next four or five fields as a file: path, mtime, size, inode, hash or '-'. */
bool scan_file(struct arena *a, struct scan *c, struct recfile *rf);

#endif
