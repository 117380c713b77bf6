/* One line of the state log as text: written from a record, and read back a
 * field at a time. Fields are separated by tabs; paths and scripts have their
 * backslashes, tabs and newlines escaped. */
#ifndef BATON_LOGLINE_H
#define BATON_LOGLINE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "os/os.h"
#include "base/util.h"

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
	/* with ins NULL, each input as it is needed: in(inctx, i, tmp) fills tmp
	 * or returns a file of its own (a job with a hundred thousand inputs
	 * needs no copy of them all) */
	const struct recfile *(*in)(const void *inctx, uint32_t i, struct recfile *tmp);
	const void *inctx;
};

/* A record's line: a checksum of the rest (16 hex digits and a tab, SUMLEN
 * bytes), then its body: the header below, the script, and the outputs, inputs
 * and depfile inputs, each as scan_file reads it. Fields are tab-separated.
 * logline_body writes it; logline_head and scan_file read it: the layout is
 * written down only there. */
enum { SUMLEN = 17 };
enum { LINE_FILEFIELDS = 6 }; /* a file's fields: path, mtime, size, inode, ctime, hash or '-' */

/* The header of a record's body, in the order of its fields. */
struct linehead {
	uint64_t ok;          /* 1 if the run succeeded, else 0 */
	uint64_t duration_ms;
	uint64_t rss_kb;
	uint64_t nout, nin, ndep;
	uint64_t script_hash; /* logline_scripthash(script) */
	uint64_t files_hash;  /* logline_fileshash */
};

/* Fold a file's path and stat data into a digest of a record's files (start at 0). */
uint64_t logline_digest(uint64_t h, const char *path, size_t len, const struct filestat *st);
/* The hash of an expanded recipe, as kept in a record. */
uint64_t logline_scripthash(const char *script);
/* The digest of a record's files, as its line keeps it. */
uint64_t logline_fileshash(const struct record *r);
/* Append one record as a log line: checksum, header, script, files. */
void logline_format(struct buf *b, const struct record *r);

/* Where a line's body is, as it is made a piece at a time: a record of a job
 * with a hundred thousand inputs is not held whole (start with {r}). */
struct linecursor {
	const struct record *r;
	uint32_t part, i;
};
/* Append more of the body of c's line (the line without its checksum and
 * newline) to b, until b holds limit bytes or more; false once the body has
 * all been appended. */
bool logline_body(struct linecursor *c, struct buf *b, size_t limit);

/* A cursor over the tab-separated fields of a line; p > end once the last field
 * was taken. The text is never changed: fields are copied out when needed. */
struct scan {
	const char *p, *end;
};

/* The next field, as a start and a length; false if there is none. */
bool scan_field(struct scan *c, const char **s, size_t *len);
/* Skip the next n fields; false if there are not as many. */
bool scan_skip(struct scan *c, size_t n);
/* The next field as a decimal number, unsigned or signed. */
bool scan_u64(struct scan *c, uint64_t *v);
bool scan_i64(struct scan *c, int64_t *v);
/* The next field as a hexadecimal number (lower case). */
bool scan_hex(struct scan *c, uint64_t *v);
/* A copy of an escaped field with its escapes undone. */
char *scan_unesc(struct arena *a, const char *s, size_t len);
/* The header of a record's body at c, checked: false if it is not one. The
 * numbers of files are no more than the body's length (limit) could hold. */
bool logline_head(struct scan *c, struct linehead *h, size_t limit);
/* Write a line's checksum field, for a body whose htab_hash is sum, to out. */
void logline_sum(char out[SUMLEN], uint64_t sum);
/* The next six fields as a file: path, mtime, size, inode, ctime, hash or '-'. */
bool scan_file(struct arena *a, struct scan *c, struct recfile *rf);

#endif
