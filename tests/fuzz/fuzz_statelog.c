/* libFuzzer target: arbitrary bytes as the body of a state log (what follows its
 * header line). Each line is read twice: as it is, and with its checksum made right,
 * so that the fields behind the checksum are reached too. Every record read must
 * then survive being written and read back. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state/statelog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input with the checksum field of each line replaced by the right one. */
static void fixsums(struct buf *b, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *nl, *tab;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		tab = memchr(p, '\t', (size_t)(nl - p));
		if (tab) {
			buf_printf(b, "%016" PRIx64 "\t",
				   htab_hash(tab + 1, (size_t)(nl - tab - 1)));
			buf_add(b, tab + 1, (size_t)(nl - tab - 1));
		} else {
			buf_add(b, p, (size_t)(nl - p));
		}
		if (nl < end)
			buf_putc(b, '\n');
		p = nl + 1;
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

/* Write every record of s and read them back: none may be damaged or lost. */
static void roundtrip(struct statelog *s)
{
	struct statelog back = {.fd = -1, .lockfd = -1};
	struct buf b = {0};
	const struct logentry **v = calloc(s->firsts.cap + 1, sizeof(*v));
	size_t i, n = 0, m, bad;

	m = records(s, v);
	for (i = 0; i < m; i++) {
		const struct record *r = statelog_read(s, v[i]);
		if (r) {
			logline_format(&b, r);
			n++;
		}
	}
	bad = statelog_parse(&back, b.s ? b.s : "", b.len);
	if (bad || records(&back, NULL) != n) {
		fprintf(stderr, "%zu records written, %zu read back, %zu damaged:\n%s", n,
			records(&back, NULL), bad, b.s ? b.s : "");
		abort();
	}
	statelog_close(&back);
	buf_free(&b);
	free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct statelog s = {.fd = -1, .lockfd = -1};
	struct buf fixed = {0};

	statelog_parse(&s, (const char *)data, size);
	statelog_find(&s, "out/a.o");
	statelog_close(&s);

	s = (struct statelog){.fd = -1, .lockfd = -1};
	fixsums(&fixed, (const char *)data, size);
	statelog_parse(&s, fixed.s ? fixed.s : "", fixed.len);
	roundtrip(&s);
	statelog_close(&s);
	buf_free(&fixed);
	return 0;
}
