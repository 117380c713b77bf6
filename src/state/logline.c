#include "state/logline.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* xxHash compiled in: no library to load at start, and hashing inlined */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "base/htab.h"

static void esc(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			buf_puts(b, "\\\\");
		else if (*s == '\t')
			buf_puts(b, "\\t");
		else if (*s == '\n')
			buf_puts(b, "\\n");
		else
			buf_putc(b, *s);
	}
}

static void putfile(struct buf *b, const struct recfile *f)
{
	buf_putc(b, '\t');
	esc(b, f->path);
	buf_printf(b, "\t%" PRId64 "\t%" PRId64 "\t%" PRIu64 "\t%" PRId64 "\t", f->st.mtime,
		   f->st.size, f->st.ino, f->st.ctime);
	if (f->hashed)
		buf_printf(b, "%016" PRIx64, f->hash);
	else
		buf_putc(b, '-');
}

uint64_t logline_digest(uint64_t h, const char *path, size_t len, const struct filestat *st)
{
	const uint64_t v[4] = {(uint64_t)st->mtime, (uint64_t)st->size, st->ino,
			       (uint64_t)st->ctime};

	h = XXH3_64bits_withSeed(path, len, h);
	return XXH3_64bits_withSeed(v, sizeof(v), h);
}

uint64_t logline_scripthash(const char *script)
{
	return XXH3_64bits(script, strlen(script));
}

/* The ith of a record's outputs (part 1), inputs (2) or depfile's (3). */
static const struct recfile *file(const struct record *r, uint32_t part, uint32_t i,
				  struct recfile *tmp)
{
	if (part == 1)
		return &r->outs[i];
	if (part == 3)
		return &r->deps[i];
	return r->ins ? &r->ins[i] : r->in(r->inctx, i, tmp);
}

static uint32_t files(const struct record *r, uint32_t part)
{
	return part == 1 ? r->nout : part == 2 ? r->nin : r->ndep;
}

uint64_t logline_fileshash(const struct record *r)
{
	struct recfile tmp;
	uint64_t h = 0;
	uint32_t part, i;

	for (part = 1; part <= 3; part++) {
		for (i = 0; i < files(r, part); i++) {
			const struct recfile *f = file(r, part, i, &tmp);
			h = logline_digest(h, f->path, strlen(f->path), &f->st);
		}
	}
	return h;
}

bool logline_head(struct scan *c, struct linehead *h, size_t limit)
{
	return scan_u64(c, &h->ok) && h->ok <= 1 && scan_u64(c, &h->duration_ms) &&
	       scan_u64(c, &h->rss_kb) && scan_u64(c, &h->nout) && scan_u64(c, &h->nin) &&
	       scan_u64(c, &h->ndep) && h->nout >= 1 && h->nout <= limit && h->nin <= limit &&
	       h->ndep <= limit && h->nout + h->nin + h->ndep <= limit &&
	       scan_hex(c, &h->script_hash) && scan_hex(c, &h->files_hash);
}

static void puthead(struct buf *b, const struct linehead *h)
{
	buf_printf(b,
		   "%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64
		   "\t%016" PRIx64 "\t%016" PRIx64 "\t",
		   h->ok, h->duration_ms, h->rss_kb, h->nout, h->nin, h->ndep, h->script_hash,
		   h->files_hash);
}

void logline_sum(char out[SUMLEN], uint64_t sum)
{
	char hex[SUMLEN + 1];

	snprintf(hex, sizeof(hex), "%016" PRIx64 "\t", sum);
	memcpy(out, hex, SUMLEN);
}

bool logline_body(struct linecursor *c, struct buf *b, size_t limit)
{
	const struct record *r = c->r;

	if (c->part == 0) {
		struct linehead h = {r->ok, r->duration_ms, r->rss_kb, r->nout, r->nin, r->ndep,
				     logline_scripthash(r->script ? r->script : ""),
				     logline_fileshash(r)};
		puthead(b, &h);
		esc(b, r->script ? r->script : "");
		c->part = 1;
		c->i = 0;
	}
	for (; c->part <= 3; c->part++, c->i = 0) {
		while (c->i < files(r, c->part)) {
			struct recfile tmp;
			if (b->len >= limit)
				return true;
			putfile(b, file(r, c->part, c->i++, &tmp));
		}
	}
	return false;
}

void logline_format(struct buf *b, const struct record *r)
{
	struct linecursor c = {r, 0, 0};
	size_t start = b->len;

	buf_add(b, "0000000000000000\t", SUMLEN);
	logline_body(&c, b, SIZE_MAX);
	logline_sum(b->s + start, htab_hash(b->s + start + SUMLEN, b->len - start - SUMLEN));
	buf_putc(b, '\n');
}

/* The next field, as a start and a length; false if there is none. */
bool scan_field(struct scan *c, const char **s, size_t *len)
{
	const char *tab;

	if (c->p > c->end)
		return false;
	tab = memchr(c->p, '\t', (size_t)(c->end - c->p));
	if (!tab)
		tab = c->end;
	*s = c->p;
	*len = (size_t)(tab - c->p);
	c->p = tab + 1;
	return true;
}

bool scan_skip(struct scan *c, size_t n)
{
	const char *p = c->p;

	if (!n)
		return true;
	if (p > c->end)
		return false;
	/* a byte at a time: the fields skipped are short (numbers, hashes) */
	for (; p < c->end; p++) {
		if (*p == '\t' && !--n) {
			c->p = p + 1;
			return true;
		}
	}
	c->p = c->end + 1; /* the last field, with no tab after it */
	return n == 1;
}

/* A number (base 10 or 16) filling the next field, optionally with a '-'. */
static bool number(struct scan *c, int base, bool sign, uint64_t *v, bool *neg)
{
	const char *s, *e;
	uint64_t n = 0, d;
	size_t len;

	if (!scan_field(c, &s, &len))
		return false;
	e = s + len;
	*neg = sign && s < e && *s == '-';
	s += *neg;
	if (s == e)
		return false;
	for (; s < e; s++) {
		if (*s >= '0' && *s <= '9')
			d = (uint64_t)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (uint64_t)(*s - 'a' + 10);
		else
			return false;
		if (__builtin_mul_overflow(n, (uint64_t)base, &n) || __builtin_add_overflow(n, d, &n))
			return false;
	}
	*v = n;
	return true;
}

bool scan_u64(struct scan *c, uint64_t *v)
{
	bool neg;

	return number(c, 10, false, v, &neg);
}

bool scan_i64(struct scan *c, int64_t *v)
{
	uint64_t n;
	bool neg;

	if (!number(c, 10, true, &n, &neg) || n > (uint64_t)INT64_MAX + neg)
		return false;
	*v = neg ? (int64_t)(0 - n) : (int64_t)n;
	return true;
}

bool scan_hex(struct scan *c, uint64_t *v)
{
	static const signed char digit[256] = {
	    ['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,  ['5'] = 6,  ['6'] = 7,  ['7'] = 8,
	    ['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
	};
	const unsigned char *p = (const unsigned char *)c->p;
	uint64_t n = 0;
	bool neg;
	int i;

	/* the hashes are 16 digits: read them without the general loop */
	if (c->end - c->p >= 16 && (c->end - c->p == 16 || p[16] == '\t')) {
		for (i = 0; i < 16 && digit[p[i]]; i++)
			n = n << 4 | (uint64_t)(digit[p[i]] - 1);
		if (i == 16) {
			c->p += 17;
			*v = n;
			return true;
		}
	}
	return number(c, 16, false, v, &neg);
}

/* A copy of an escaped field with its escapes undone. */
char *scan_unesc(struct arena *a, const char *s, size_t len)
{
	char *copy, *w;
	const char *r, *end = s + len;

	if (!memchr(s, '\\', len))
		return arena_strndup(a, s, len);
	copy = w = arena_alloc(a, len + 1);
	for (r = s; r < end; r++) {
		if (*r == '\\' && r + 1 < end) {
			r++;
			*w++ = *r == 't' ? '\t' : *r == 'n' ? '\n' : *r;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
	return copy;
}

bool scan_file(struct arena *a, struct scan *c, struct recfile *rf)
{
	const char *path, *h;
	size_t len, hlen;

	if (!scan_field(c, &path, &len) || !len || memchr(path, '\0', len) ||
	    !scan_i64(c, &rf->st.mtime) || !scan_i64(c, &rf->st.size) || !scan_u64(c, &rf->st.ino) ||
	    !scan_i64(c, &rf->st.ctime))
		return false;
	rf->path = scan_unesc(a, path, len);
	if (c->p <= c->end && *c->p == '-') {
		if (!scan_field(c, &h, &hlen) || hlen != 1)
			return false;
		rf->hashed = false;
		return true;
	}
	return (rf->hashed = scan_hex(c, &rf->hash));
}
