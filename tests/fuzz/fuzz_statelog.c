/* libFuzzer target: arbitrary bytes as the entries of a state log (what follows
 * its first line). They are read twice: as they are, and with the sums of each
 * entry made right, so that what is behind the sums is reached too, and
 * those once more as a build reads them (lazy). Every record read must then
 * survive being written and read back. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "state/statelog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put64(char *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (char)(v >> 8 * i);
}

/* The input in b with the sums of each entry (as its lengths frame it) made
 * right, as logline.h lays them out: the head's, seeded with the tag and the
 * head's length, and a record's body's, after it or, for a head apart, where
 * it says. */
static void fixsums(struct buf *b, const char *data, size_t len)
{
	size_t off = 0, headlen, bodylen, size, at;
	char *p;

	buf_add(b, data, len);
	while (off + ENTRY_HEADER <= len) {
		p = b->s + off;
		headlen = logline_u32(p + 4);
		if ((unsigned char)p[0] != ENTRY_MARK || headlen > len - off - ENTRY_HEADER) {
			off++;
			continue;
		}
		size = ENTRY_HEADER + headlen;
		bodylen = headlen >= REC_HEAD ? logline_u32(p + ENTRY_HEADER + 36) : 0;
		if (p[2] == ENTRY_RECORD && headlen >= REC_HEAD &&
		    bodylen + ENTRY_SUM <= len - off - size) {
			put64(p + size + bodylen, XXH3_64bits(p + size, bodylen));
			size += bodylen + ENTRY_SUM;
		} else if (p[2] == ENTRY_HEAD && headlen >= REC_HEAD + 8) {
			at = (size_t)logline_u64(p + ENTRY_HEADER + REC_HEAD);
			if (at <= len && bodylen + ENTRY_SUM <= len - at)
				put64(b->s + at + bodylen, XXH3_64bits(b->s + at, bodylen));
		}
		/* (after the body's: a head apart may name its own bytes) */
		put64(p + 8, XXH3_64bits_withSeed(p + ENTRY_HEADER, headlen,
						  logline_u32(p) | (uint64_t)headlen << 32));
		off += size;
	}
}

/* The records of s, each once: those found under their first output (a record
 * is also found under its other outputs). */
static size_t records(const struct statelog *s, const struct logentry **v)
{
	size_t i, n = 0;

	for (i = 0; i < s->firsts.cap; i++) {
		const struct logentry *le = s->firsts.v[i];
		if (le) {
			if (v)
				v[n] = le;
			n++;
		}
	}
	return n;
}

/* Write every record of s and read them back: none may be damaged or lost, and
 * each depfile input is found by its number. */
static void roundtrip(struct statelog *s)
{
	struct statelog back;
	struct buf b = {0};
	const struct logentry **v = calloc(s->firsts.cap + 1, sizeof(*v));
	size_t i, n = 0, m, bad;
	uint32_t k, ndep;

	m = records(s, v);
	for (i = 0; i < m; i++) {
		const uint32_t *deps = statelog_depids(v[i], &ndep);
		const struct record *r = statelog_read(s, v[i]);
		for (k = 0; k < ndep; k++) {
			if (!statelog_path(s, deps[k]) ||
			    (r && (ndep != r->ndep || strcmp(statelog_path(s, deps[k]), r->deps[k].path))))
				abort();
		}
		if (r) {
			logline_format(&b, r);
			n++;
		}
	}
	statelog_init(&back);
	bad = statelog_parse(&back, b.s ? b.s : "", b.len);
	if (bad || records(&back, NULL) != n) {
		fprintf(stderr, "%zu records written, %zu read back, %zu damaged\n", n,
			records(&back, NULL), bad);
		abort();
	}
	statelog_close(&back);
	buf_free(&b);
	free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct statelog s;
	struct buf fixed = {0};

	statelog_init(&s);
	statelog_parse(&s, (const char *)data, size);
	statelog_find(&s, "out/a.o");
	statelog_close(&s);

	statelog_init(&s);
	fixsums(&fixed, (const char *)data, size);
	statelog_parse(&s, fixed.s ? fixed.s : "", fixed.len);
	roundtrip(&s);
	statelog_close(&s);

	/* as a build reads them: the paths only inputs name when first needed */
	statelog_init(&s);
	s.lazy = true;
	statelog_parse(&s, fixed.s ? fixed.s : "", fixed.len);
	roundtrip(&s);
	statelog_close(&s);
	buf_free(&fixed);
	return 0;
}
