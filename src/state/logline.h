/* The state log's entries as bytes: written from a record, and read back a part
 * at a time. The layout is written down here and in docs/taskfile.md only.
 *
 * An entry is a header of ENTRY_HEADER bytes, then its head:
 *
 *   tag      4 bytes: 0xb7, 'L', the kind (below), LOG_VERSION
 *   headlen  u32: the bytes of the head
 *   headsum  u64: XXH3 of the head, seeded with the tag and headlen (seed)
 *
 * A path's head ('p') is its number (u32), then its bytes (no NUL). A batch of
 * paths ('P', or 'I' for paths that only records' inputs name) numbers them
 * from its first number on: its head is that number (u32), how many (u32),
 * then each path's length (u32) and bytes; one sum checks them all. A record's
 * head ('r', REC_HEAD bytes, then numbers) is all a build that finds it up to
 * date reads:
 *
 *   script_hash u64, files_hash u64, duration_ms u32, flags u32 (1: ok),
 *   nout u32, nin u32, ndep u32, bodylen u32,
 *   the numbers of the nout outputs and of the ndep depfile inputs (u32 each)
 *
 * Its body follows, bodylen bytes, and XXH3 of them (u64), checked only when the
 * body is read: rss_kb u64, the numbers of the nin inputs, then for each file
 * (outputs, inputs, depfile inputs) its stat data and content hash (FILE_STAT
 * bytes: mtime i64, size i64, inode u64, ctime i64, hash u64, hashed u8), and
 * the script to the end. Numbers are little-endian.
 *
 * A compacted log holds the heads of its records together, so that a load reads
 * just them: a head apart ('h') has, after its first REC_HEAD bytes, where its
 * body is (u64: bytes after the log's first entry), then the numbers; the
 * bodies, each with its sum, follow them in one block ('b', whose head is the
 * length of the bodies after it), which a load skips. Its paths come first, in
 * batches: those a build that is up to date needs (records' outputs and depfile
 * inputs, 'P'), then the others ('I'), which a build reads only if it reads a
 * record whole or appends one. */
#ifndef BATON_LOGLINE_H
#define BATON_LOGLINE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "base/arena.h"
#include "base/util.h"
#include "os/os.h"
#include "state/logpath.h"

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

/* The version of the layout, in the log's first line and in each entry's tag. */
#define LOG_VERSION 6

enum { ENTRY_HEADER = 16, ENTRY_SUM = 8, REC_HEAD = 40, FILE_STAT = 41 };
enum { FILE_HASHED = FILE_STAT - 1 }; /* where in a file's stat data its hashed flag is */
enum { ENTRY_PATH = 'p', ENTRY_RECORD = 'r', ENTRY_HEAD = 'h', ENTRY_BODIES = 'b' };
enum { ENTRY_PATHS = 'P', ENTRY_INPATHS = 'I' }; /* batches of paths */
enum { ENTRY_MARK = 0xb7 }; /* an entry's first byte */

/* A record's head, read. */
struct rechead {
	uint64_t script_hash; /* logline_scripthash(script) */
	uint64_t files_hash;  /* logline_fileshash */
	uint32_t duration_ms;
	bool ok;
	uint32_t nout, nin, ndep;
	uint32_t bodylen;
	uint64_t bodyoff;        /* a head apart: where its body is (see above) */
	const char *outs, *deps; /* their numbers, as the head holds them (logline_id) */
};

/* An entry as logline_entry finds it. */
struct entry {
	char kind;            /* ENTRY_PATH, _PATHS, _INPATHS, _RECORD, _HEAD or _BODIES */
	uint64_t size;        /* all its bytes: header, head, and a record's body and
	                       * sum, or the bodies of a block */
	const char *body;     /* a record's body (not checked); for a head apart,
	                       * NULL until the caller finds it */
	uint32_t id;          /* a path's number (a batch's first) */
	const char *path;     /* its bytes (a batch's: each length and path) */
	uint32_t pathlen;
	uint32_t npaths;      /* in a batch */
	struct rechead h;     /* a record's head */
};

/* The n bytes at p as a little-endian number. */
static inline uint64_t logline_le(const char *p, int n)
{
	uint64_t v = 0;

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	memcpy(&v, p, (size_t)n); /* one load */
#else
	while (n-- > 0)
		v = v << 8 | (unsigned char)p[n];
#endif
	return v;
}

static inline uint32_t logline_u32(const char *p)
{
	return (uint32_t)logline_le(p, 4);
}

static inline uint64_t logline_u64(const char *p)
{
	return logline_le(p, 8);
}

/* The ith of the numbers at ids. */
static inline uint32_t logline_id(const char *ids, uint32_t i)
{
	return logline_u32(ids + 4 * (size_t)i);
}

/* Fold a file's path and stat data into a digest of a record's files (start at 0). */
uint64_t logline_digest(uint64_t h, const char *path, size_t len, const struct filestat *st);
/* Fold a depfile input's stat data alone: its path is the record's by
 * construction (the plan lends an edge the inputs its record names). */
uint64_t logline_depdigest(uint64_t h, const struct filestat *st);
/* The hash of an expanded recipe, as kept in a record. */
uint64_t logline_scripthash(const char *script);
/* The digest of a record's files, as its head keeps it. */
uint64_t logline_fileshash(const struct record *r);

/* The kth of r's files: its outputs, then its inputs, then its depfile inputs
 * (tmp may be filled and returned). */
const struct recfile *logline_file(const struct record *r, uint64_t k, struct recfile *tmp);

/* Whether p starts with the tag of an entry (4 bytes). */
bool logline_tagged(const char *p);
/* The entry at p, of which have bytes are held, and avail are left in the log:
 * false if there is none there (no tag, cut short, its head damaged or not one
 * of its kind). Its head must be held; a record's body must be in the log, but
 * is neither held nor checked. */
bool logline_entry(const char *p, size_t have, uint64_t avail, struct entry *e);
/* The number of the kth path of record e: its outputs, its inputs (in the body),
 * then its depfile inputs. */
uint32_t logline_fileid(const struct entry *e, uint64_t k);
/* Whether a record's body (with its sum after it) is whole. */
bool logline_bodyok(const char *body, uint32_t bodylen);
/* The record of a whole entry e, its body checked, with the paths numbered in
 * t; script and files allocated from a. False if the body is damaged or names
 * a number t does not have. */
bool logline_record(struct arena *a, const struct entry *e, const struct logpaths *t,
		    struct record *r);

/* Append an entry giving path (len bytes) the number id. */
void logline_path(struct buf *b, uint32_t id, const char *path, size_t len);
/* Whether batch e holds its paths as it should: each its length, then its
 * bytes (not empty, no NUL), and nothing after (logline_entry does not look:
 * a load need not read every batch). */
bool logline_batchok(const struct entry *e);
/* The next path of a batch e found good, from *at (start at e->path): its
 * bytes and their length. */
static inline const char *logline_nextpath(const char **at, uint32_t *len)
{
	const char *p = *at + 4;

	*len = logline_u32(*at);
	*at = p + *len;
	return p;
}
/* Start a batch of paths at the end of b; returns where it starts. */
size_t logline_batchstart(struct buf *b);
/* Append a path (len bytes) to the batch being made. */
void logline_batchadd(struct buf *b, const char *path, size_t len);
/* End the batch that starts at start, of kind ENTRY_PATHS or ENTRY_INPATHS,
 * numbering its n paths from first on. */
void logline_batchend(struct buf *b, size_t start, char kind, uint32_t first, uint32_t n);
/* The bytes of r's body; more than UINT32_MAX: it is not written. */
uint64_t logline_bodylen(const struct record *r);
/* Append the header and head of r's entry, with the numbers of its files
 * (outputs, inputs, depfile inputs in order, as ids holds them). */
void logline_head(struct buf *b, const struct record *r, const uint32_t *ids, uint32_t bodylen);
/* Where r's body is, as it is made a piece at a time: a record of a job with a
 * hundred thousand inputs is not held whole (start with {r, ids}). */
struct linecursor {
	const struct record *r;
	const uint32_t *ids; /* as for logline_head */
	uint32_t part, i;
};
/* Append more of the body to b, until b holds limit bytes or more; false once
 * it has all been appended (its sum is not: see logline_sum). */
bool logline_body(struct linecursor *c, struct buf *b, size_t limit);
/* Append the sum of a body that hashed to sum. */
void logline_sum(struct buf *b, uint64_t sum);
/* The bytes of the head apart of record e. */
uint64_t logline_headsize(const struct entry *e);
/* Append the head of record e (its body found) as a head apart whose body is
 * at bodyoff, with each number id of its paths made renum[id]. */
void logline_movehead(struct buf *b, const struct entry *e, const uint32_t *renum,
		      uint64_t bodyoff);
/* Append its body and sum so numbered. */
void logline_movebody(struct buf *b, const struct entry *e, const uint32_t *renum);
/* Append the header of a block of len bytes of bodies, which follow it. */
void logline_bodies(struct buf *b, uint64_t len);
/* Append r to b, which holds entries as this writes them: entries for the paths
 * it names that b does not number yet, then its own (for tests). */
void logline_format(struct buf *b, const struct record *r);

#endif
