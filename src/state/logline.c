#include "state/logline.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* xxHash compiled in: no library to load at start, and hashing inlined */
#define XXH_INLINE_ALL
#include <xxhash.h>

/* Store the n low bytes of v at p, little-endian. */
static void store(char *p, uint64_t v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		p[i] = (char)(v >> 8 * i);
}

/* Append the n low bytes of v, little-endian. */
static void put(struct buf *b, uint64_t v, int n)
{
	char bytes[8];

	store(bytes, v, n);
	buf_add(b, bytes, (size_t)n);
}

static void put32(struct buf *b, uint32_t v)
{
	put(b, v, 4);
}

static void put64(struct buf *b, uint64_t v)
{
	put(b, v, 8);
}

uint64_t logline_depdigest(uint64_t h, const struct filestat *st)
{
	const uint64_t v[4] = {(uint64_t)st->mtime, (uint64_t)st->size, st->ino,
			       (uint64_t)st->ctime};

	return XXH3_64bits_withSeed(v, sizeof(v), h);
}

uint64_t logline_digest(uint64_t h, const char *path, size_t len, const struct filestat *st)
{
	return logline_depdigest(XXH3_64bits_withSeed(path, len, h), st);
}

uint64_t logline_scripthash(const char *script)
{
	return XXH3_64bits(script, strlen(script));
}

/* The ith of a record's outputs (part 0), inputs (1) or depfile inputs (2). */
static const struct recfile *file(const struct record *r, uint32_t part, uint32_t i,
				  struct recfile *tmp)
{
	if (part == 0)
		return &r->outs[i];
	if (part == 2)
		return &r->deps[i];
	return r->ins ? &r->ins[i] : r->in(r->inctx, i, tmp);
}

static uint32_t files(const struct record *r, uint32_t part)
{
	return part == 0 ? r->nout : part == 1 ? r->nin : r->ndep;
}

const struct recfile *logline_file(const struct record *r, uint64_t k, struct recfile *tmp)
{
	if (k < r->nout)
		return file(r, 0, (uint32_t)k, tmp);
	k -= r->nout;
	return k < r->nin ? file(r, 1, (uint32_t)k, tmp) : file(r, 2, (uint32_t)(k - r->nin), tmp);
}

uint64_t logline_fileshash(const struct record *r)
{
	struct recfile tmp;
	uint64_t h = 0;
	uint32_t part, i;

	for (part = 0; part < 3; part++) {
		for (i = 0; i < files(r, part); i++) {
			const struct recfile *f = file(r, part, i, &tmp);
			h = part == 2 ? logline_depdigest(h, &f->st)
				      : logline_digest(h, f->path, strlen(f->path), &f->st);
		}
	}
	return h;
}

/* What an entry's head sum is seeded with: its tag and the head's length, so
 * that neither can change unseen. */
static uint64_t seed(const char *entry, uint32_t headlen)
{
	return (uint64_t)logline_u32(entry) | (uint64_t)headlen << 32;
}

/* The tag of an entry of this kind. */
static void tag(char out[4], char kind)
{
	out[0] = (char)ENTRY_MARK;
	out[1] = 'L';
	out[2] = kind;
	out[3] = LOG_VERSION;
}

/* The bytes a record's body takes for its files and input numbers, at least. */
static uint64_t bodymin(uint64_t nout, uint64_t nin, uint64_t ndep)
{
	return 8 + 4 * nin + FILE_STAT * (nout + nin + ndep);
}

/* Read a record's head (apart, if split); false if it is not one. */
static bool rechead(const char *head, uint32_t headlen, bool split, struct rechead *h)
{
	uint32_t flags, fixed = REC_HEAD + (split ? 8 : 0);

	if (headlen < fixed)
		return false;
	h->script_hash = logline_u64(head);
	h->files_hash = logline_u64(head + 8);
	h->duration_ms = logline_u32(head + 16);
	flags = logline_u32(head + 20);
	h->nout = logline_u32(head + 24);
	h->nin = logline_u32(head + 28);
	h->ndep = logline_u32(head + 32);
	h->bodylen = logline_u32(head + 36);
	h->ok = flags == 1;
	h->bodyoff = split ? logline_u64(head + REC_HEAD) : 0;
	h->outs = head + fixed;
	h->deps = h->outs + 4 * (size_t)h->nout;
	return flags <= 1 && h->nout >= 1 &&
	       headlen == fixed + 4 * ((uint64_t)h->nout + h->ndep) &&
	       h->bodylen >= bodymin(h->nout, h->nin, h->ndep);
}

bool logline_tagged(const char *p)
{
	return (unsigned char)p[0] == ENTRY_MARK && p[1] == 'L' &&
	       (p[2] == ENTRY_PATH || p[2] == ENTRY_RECORD || p[2] == ENTRY_HEAD ||
		p[2] == ENTRY_BODIES || p[2] == ENTRY_PATHS || p[2] == ENTRY_INPATHS) &&
	       p[3] == LOG_VERSION;
}

bool logline_batchok(const struct entry *e)
{
	const char *p = e->path, *end = p + e->pathlen;
	uint32_t k, n;

	for (n = e->npaths; n > 0; n--) {
		if (end - p < 4 || (k = logline_u32(p)) == 0 || k > (size_t)(end - p) - 4 ||
		    memchr(p + 4, '\0', k))
			return false;
		p += 4 + (size_t)k;
	}
	return p == end;
}

bool logline_entry(const char *p, size_t have, uint64_t avail, struct entry *e)
{
	const char *head = p + ENTRY_HEADER;
	uint32_t headlen;

	if (have < ENTRY_HEADER || !logline_tagged(p))
		return false;
	headlen = logline_u32(p + 4);
	if (headlen > have - ENTRY_HEADER ||
	    XXH3_64bits_withSeed(head, headlen, seed(p, headlen)) != logline_u64(p + 8))
		return false;
	e->kind = p[2];
	e->size = ENTRY_HEADER + (uint64_t)headlen;
	if (e->kind == ENTRY_PATH) {
		/* its number, then a path: not empty, and never with a NUL */
		e->id = headlen > 4 ? logline_u32(head) : 0;
		e->path = head + 4;
		e->pathlen = headlen - 4;
		return headlen > 4 && !memchr(e->path, '\0', e->pathlen);
	}
	if (e->kind == ENTRY_PATHS || e->kind == ENTRY_INPATHS) {
		e->id = headlen >= 8 ? logline_u32(head) : 0;
		e->npaths = headlen >= 8 ? logline_u32(head + 4) : 0;
		e->path = head + 8;
		e->pathlen = headlen >= 8 ? headlen - 8 : 0;
		return headlen >= 8 && e->npaths > 0 && e->npaths <= e->pathlen / 5 &&
		       (uint64_t)e->id + e->npaths <= UINT32_MAX;
	}
	if (e->kind == ENTRY_BODIES) {
		/* the bodies of the heads apart before it, skipped */
		e->size += headlen == 8 ? logline_u64(head) : UINT64_MAX - e->size;
		return headlen == 8 && e->size <= avail;
	}
	if (!rechead(head, headlen, e->kind == ENTRY_HEAD, &e->h))
		return false;
	if (e->kind == ENTRY_HEAD) {
		e->body = NULL;
		return true;
	}
	e->body = head + headlen;
	e->size += (uint64_t)e->h.bodylen + ENTRY_SUM;
	return e->size <= avail;
}

uint32_t logline_fileid(const struct entry *e, uint64_t k)
{
	const struct rechead *h = &e->h;

	if (k < h->nout)
		return logline_id(h->outs, (uint32_t)k);
	k -= h->nout;
	if (k < h->nin)
		return logline_id(e->body + 8, (uint32_t)k);
	return logline_id(h->deps, (uint32_t)(k - h->nin));
}

bool logline_bodyok(const char *body, uint32_t bodylen)
{
	return XXH3_64bits(body, bodylen) == logline_u64(body + bodylen);
}

static void getstat(const char *p, struct recfile *f)
{
	f->st.mtime = (int64_t)logline_u64(p);
	f->st.size = (int64_t)logline_u64(p + 8);
	f->st.ino = logline_u64(p + 16);
	f->st.ctime = (int64_t)logline_u64(p + 24);
	f->hashed = p[FILE_HASHED] == 1;
	f->hash = f->hashed ? logline_u64(p + 32) : 0;
}

static void putstat(struct buf *b, const struct recfile *f)
{
	put64(b, (uint64_t)f->st.mtime);
	put64(b, (uint64_t)f->st.size);
	put64(b, f->st.ino);
	put64(b, (uint64_t)f->st.ctime);
	put64(b, f->hashed ? f->hash : 0);
	buf_putc(b, f->hashed);
}

bool logline_record(struct arena *a, const struct entry *e, const struct logpaths *t,
		    struct record *r)
{
	const struct rechead *h = &e->h;
	const char *body = e->body, *ins = body + 8, *stats, *script;
	uint64_t n = (uint64_t)h->nout + h->nin + h->ndep, i;
	size_t scriptlen;
	struct recfile *f;

	if (!logline_bodyok(body, h->bodylen))
		return false;
	stats = ins + 4 * (size_t)h->nin;
	script = stats + FILE_STAT * n;
	scriptlen = (size_t)(body + h->bodylen - script);
	if (memchr(script, '\0', scriptlen))
		return false;
	f = arena_alloc(a, (n + 1) * sizeof(*f));
	for (i = 0; i < n; i++) {
		if (!(f[i].path = logpaths_get(t, logline_fileid(e, i))) ||
		    (unsigned char)stats[FILE_STAT * i + FILE_HASHED] > 1)
			return false;
		getstat(stats + FILE_STAT * i, &f[i]);
	}
	memset(r, 0, sizeof(*r));
	r->script = arena_strndup(a, script, scriptlen);
	r->ok = h->ok;
	r->duration_ms = h->duration_ms;
	r->rss_kb = logline_u64(body);
	r->nout = h->nout;
	r->nin = h->nin;
	r->ndep = h->ndep;
	r->outs = f;
	r->ins = f + r->nout;
	r->deps = r->ins + r->nin;
	return true;
}

/* Fill in the header of the entry at start of b, whose head follows. */
static void header(struct buf *b, size_t start, char kind)
{
	uint32_t headlen = (uint32_t)(b->len - start - ENTRY_HEADER);
	char *p = b->s + start;

	tag(p, kind);
	store(p + 4, headlen, 4);
	store(p + 8, XXH3_64bits_withSeed(p + ENTRY_HEADER, headlen, seed(p, headlen)), 8);
}

static const char nothing[ENTRY_HEADER];

void logline_path(struct buf *b, uint32_t id, const char *path, size_t len)
{
	size_t start = b->len;

	buf_add(b, nothing, ENTRY_HEADER);
	put32(b, id);
	buf_add(b, path, len);
	header(b, start, ENTRY_PATH);
}

size_t logline_batchstart(struct buf *b)
{
	size_t start = b->len;

	buf_add(b, nothing, ENTRY_HEADER);
	put32(b, 0); /* the first number and how many: at its end */
	put32(b, 0);
	return start;
}

void logline_batchadd(struct buf *b, const char *path, size_t len)
{
	put32(b, (uint32_t)len);
	buf_add(b, path, len);
}

void logline_batchend(struct buf *b, size_t start, char kind, uint32_t first, uint32_t n)
{
	store(b->s + start + ENTRY_HEADER, first, 4);
	store(b->s + start + ENTRY_HEADER + 4, n, 4);
	header(b, start, kind);
}

uint64_t logline_bodylen(const struct record *r)
{
	return bodymin(r->nout, r->nin, r->ndep) + strlen(r->script ? r->script : "");
}

void logline_head(struct buf *b, const struct record *r, const uint32_t *ids, uint32_t bodylen)
{
	size_t start = b->len;
	uint32_t i;

	buf_add(b, nothing, ENTRY_HEADER);
	put64(b, logline_scripthash(r->script ? r->script : ""));
	put64(b, logline_fileshash(r));
	put32(b, r->duration_ms);
	put32(b, r->ok);
	put32(b, r->nout);
	put32(b, r->nin);
	put32(b, r->ndep);
	put32(b, bodylen);
	for (i = 0; i < r->nout; i++)
		put32(b, ids[i]);
	for (i = 0; i < r->ndep; i++)
		put32(b, ids[r->nout + r->nin + i]);
	header(b, start, ENTRY_RECORD);
}

bool logline_body(struct linecursor *c, struct buf *b, size_t limit)
{
	const struct record *r = c->r;
	struct recfile tmp;

	if (c->part == 0) {
		put64(b, r->rss_kb);
		c->part = 1;
		c->i = 0;
	}
	for (; c->part == 1 && c->i < r->nin; c->i++) {
		if (b->len >= limit)
			return true;
		put32(b, c->ids[r->nout + c->i]);
	}
	if (c->part == 1) {
		c->part = 2;
		c->i = 0;
	}
	for (; c->part <= 4; c->part++, c->i = 0) {
		while (c->i < files(r, c->part - 2)) {
			if (b->len >= limit)
				return true;
			putstat(b, file(r, c->part - 2, c->i++, &tmp));
		}
	}
	if (c->part == 5) {
		buf_puts(b, r->script ? r->script : "");
		c->part = 6;
	}
	return false;
}

void logline_sum(struct buf *b, uint64_t sum)
{
	put64(b, sum);
}

uint64_t logline_headsize(const struct entry *e)
{
	return ENTRY_HEADER + REC_HEAD + 8 + 4 * ((uint64_t)e->h.nout + e->h.ndep);
}

void logline_movehead(struct buf *b, const struct entry *e, const uint32_t *renum,
		      uint64_t bodyoff)
{
	const struct rechead *h = &e->h;
	size_t start = b->len;
	uint32_t i;

	buf_add(b, nothing, ENTRY_HEADER);
	buf_add(b, h->outs - (e->kind == ENTRY_HEAD ? REC_HEAD + 8 : REC_HEAD), REC_HEAD);
	put64(b, bodyoff);
	for (i = 0; i < h->nout; i++)
		put32(b, renum[logline_id(h->outs, i)]);
	for (i = 0; i < h->ndep; i++)
		put32(b, renum[logline_id(h->deps, i)]);
	header(b, start, ENTRY_HEAD);
}

void logline_movebody(struct buf *b, const struct entry *e, const uint32_t *renum)
{
	const struct rechead *h = &e->h;
	const char *ins = e->body + 8;
	size_t start = b->len, nin = 4 * (size_t)h->nin;
	uint32_t i;

	buf_add(b, e->body, 8);
	for (i = 0; i < h->nin; i++)
		put32(b, renum[logline_id(ins, i)]);
	buf_add(b, ins + nin, h->bodylen - 8 - nin);
	put64(b, XXH3_64bits(b->s + start, b->len - start));
}

void logline_bodies(struct buf *b, uint64_t len)
{
	size_t start = b->len;

	buf_add(b, nothing, ENTRY_HEADER);
	put64(b, len);
	header(b, start, ENTRY_BODIES);
}

void logline_format(struct buf *b, const struct record *r)
{
	struct arena a = {0};
	struct logpaths t = {0};
	struct linecursor c = {r, NULL, 0, 0};
	struct entry e;
	struct recfile tmp;
	size_t off = 0, start;
	uint32_t *ids = xmalloc(((size_t)r->nout + r->nin + r->ndep + 1) * sizeof(*ids));
	uint32_t part, i, k = 0;

	/* the numbers b gives already */
	while (off < b->len && logline_entry(b->s + off, b->len - off, b->len - off, &e)) {
		const char *at = e.path, *path;
		uint32_t len;
		if (e.kind == ENTRY_PATH)
			logpaths_set(&t, e.id, arena_strndup(&a, e.path, e.pathlen));
		if ((e.kind == ENTRY_PATHS || e.kind == ENTRY_INPATHS) && logline_batchok(&e)) {
			for (i = 0; i < e.npaths; i++) {
				path = logline_nextpath(&at, &len);
				logpaths_set(&t, e.id + i, arena_strndup(&a, path, len));
			}
		}
		off += (size_t)e.size;
	}
	for (part = 0; part < 3; part++) {
		for (i = 0; i < files(r, part); i++) {
			const char *path = file(r, part, i, &tmp)->path;
			ids[k] = logpaths_find(&t, path, strlen(path));
			if (ids[k] == UINT32_MAX) {
				ids[k] = logpaths_add(&t, arena_strdup(&a, path));
				logline_path(b, ids[k], path, strlen(path));
			}
			k++;
		}
	}
	logline_head(b, r, ids, (uint32_t)logline_bodylen(r));
	start = b->len;
	c.ids = ids;
	while (logline_body(&c, b, SIZE_MAX))
		;
	logline_sum(b, XXH3_64bits(b->s + start, b->len - start));
	free(ids);
	logpaths_free(&t);
	arena_free(&a);
}
