/* The state log reader and writer, and the depfile parser: damaged input of every
 * kind loses only what it damaged. */
#include <inttypes.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "common.h"
#include "state/depfile.h"
#include "base/htab.h"
#include "state/statelog.h"
#include "state/logfile.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static struct recfile outs[2] = {{"out/a.o", {1700000000123456789, 10, 42, 1700000000987654321}, 0, false},
				 {"out/a tab\there", {5, 0, 1, 0}, 0, false}};
static struct recfile ins[2] = {{"src/a.c", {1600000000000000001, 99, 7, -2}, 0xfeedu, true},
				{"new\nline", {MTIME_MISSING, 0, 0, 0}, 0, false}};
static struct recfile deps[1] = {{"inc/a.h", {3, 4, 5, 0}, 0, false}};

static struct record rec(const char *script, bool ok)
{
	struct record r = {script, ok, 1234, 5678, outs, ins, deps, 2, 2, 1, NULL, NULL};
	return r;
}

/* Three records as a log body: a.o twice (the second wins) and b. */
static void body(struct buf *b)
{
	struct record r = rec("cc -c a.c\n", false);
	struct recfile bout = {"out/b", {1, 2, 3, 0}, 0, false};
	struct record rb = {"touch out/b\n", true, 0, 0, &bout, NULL, NULL, 1, 0, 0, NULL, NULL};

	logline_format(b, &r);
	r = rec("cc -O2 -c a.c\\ \\n \t\n", true);
	logline_format(b, &r);
	logline_format(b, &rb);
}

/* The ends of the entries of a log body, *n of them (at most max), and their
 * kinds; the bytes after the last are not one. */
static size_t entries_of(const char *p, size_t len, size_t *ends, char *kinds, size_t max)
{
	struct entry e;
	size_t off = 0, n = 0;

	while (off < len && n < max && logline_entry(p + off, len - off, len - off, &e)) {
		off += (size_t)e.size;
		ends[n] = off;
		kinds[n++] = e.kind;
	}
	return n;
}

/* Where the nth record's entry of a log body ends (from 1). */
static size_t record_end(const struct buf *b, int nth)
{
	size_t ends[64], i, n;
	char kinds[64];

	n = entries_of(b->s, b->len, ends, kinds, LEN(ends));
	for (i = 0; i < n; i++) {
		if (kinds[i] == ENTRY_RECORD && --nth == 0)
			return ends[i];
	}
	ck_abort_msg("no such record");
	return 0;
}

/* The bytes of a file, in b. */
static void read_file(const char *path, struct buf *b)
{
	FILE *f = fopen(path, "rb");
	char chunk[65536];
	size_t n;

	ck_assert_ptr_nonnull(f);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(b, chunk, n);
	fclose(f);
}

/* The kinds of the entries of the log at path, in order, as a string (at most
 * max - 1 of them: "pprh" for two paths, a record whole, a head apart). */
static void kinds_of(const char *path, char *kinds, size_t max)
{
	struct buf b = {0};
	size_t off = sizeof("baton-log 6\n") - 1, n = 0;
	struct entry e;

	read_file(path, &b);
	ck_assert_uint_ge(b.len, off);
	ck_assert(!memcmp(b.s, "baton-log 6\n", off));
	while (off < b.len) {
		ck_assert(logline_entry(b.s + off, b.len - off, b.len - off, &e));
		if (n + 1 < max)
			kinds[n++] = e.kind;
		off += (size_t)e.size;
	}
	kinds[n] = '\0';
	buf_free(&b);
}

/* The records in the log at path, whole or apart. */
static long records_of(const char *path)
{
	static char kinds[1 << 16];
	long n = 0;
	const char *k;

	kinds_of(path, kinds, sizeof(kinds));
	ck_assert_uint_lt(strlen(kinds), sizeof(kinds) - 1);
	for (k = kinds; *k; k++)
		n += *k == ENTRY_RECORD || *k == ENTRY_HEAD;
	return n;
}

START_TEST(roundtrip)
{
	struct statelog s;
	struct buf b = {0};
	const struct record *r;

	statelog_init(&s);
	body(&b);
	ck_assert_int_eq(statelog_parse(&s, b.s, b.len), 0);
	r = statelog_find(&s, "out/a.o");
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r->script, "cc -O2 -c a.c\\ \\n \t\n");
	ck_assert(r->ok);
	ck_assert_int_eq(r->duration_ms, 1234);
	ck_assert_int_eq(r->rss_kb, 5678);
	ck_assert_int_eq(r->nout, 2);
	ck_assert_int_eq(r->nin, 2);
	ck_assert_int_eq(r->ndep, 1);
	ck_assert_str_eq(r->outs[1].path, "out/a tab\there");
	ck_assert(r->outs[0].st.mtime == 1700000000123456789);
	ck_assert_int_eq(r->outs[0].st.size, 10);
	ck_assert_int_eq(r->outs[0].st.ino, 42);
	ck_assert(r->outs[0].st.ctime == 1700000000987654321);
	ck_assert(r->ins[0].st.ctime == -2);
	ck_assert_str_eq(r->ins[1].path, "new\nline");
	ck_assert(r->ins[1].st.mtime == MTIME_MISSING);
	ck_assert(r->ins[0].hashed && r->ins[0].hash == 0xfeedu);
	ck_assert(!r->ins[1].hashed);
	ck_assert_str_eq(r->deps[0].path, "inc/a.h");
	ck_assert_ptr_nonnull(statelog_find(&s, "out/b"));
	ck_assert_ptr_null(statelog_find(&s, "out/c"));
	/* the depfile inputs are known from the heads, by number */
	{
		uint32_t n;
		const uint32_t *d = statelog_depids(statelog_get(&s, "out/a.o"), &n);
		ck_assert_uint_eq(n, 1);
		ck_assert_str_eq(statelog_path(&s, d[0]), "inc/a.h");
		ck_assert_ptr_null(statelog_depids(statelog_get(&s, "out/b"), &n));
		ck_assert_uint_eq(n, 0);
	}
	statelog_close(&s);
	buf_free(&b);
}
END_TEST

/* Records are read one at a time: reading one lets go of the one before, which
 * reads again the same (a plan reading every record holds just one). */
START_TEST(one_record_read_at_a_time)
{
	struct statelog s;
	struct buf b = {0};
	const struct logentry *ea, *eb;
	const struct record *r;
	int i;

	statelog_init(&s);
	body(&b);
	ck_assert_int_eq(statelog_parse(&s, b.s, b.len), 0);
	ea = statelog_get(&s, "out/a.o");
	eb = statelog_get(&s, "out/b");
	for (i = 0; i < 3; i++) {
		r = statelog_read(&s, ea);
		ck_assert_str_eq(r->script, "cc -O2 -c a.c\\ \\n \t\n");
		ck_assert_str_eq(r->deps[0].path, "inc/a.h");
		ck_assert(ea->parsed && !eb->parsed);
		ck_assert_ptr_eq(statelog_read(&s, ea), r); /* the same, not read again */
		r = statelog_read(&s, eb);
		ck_assert_str_eq(r->script, "touch out/b\n");
		ck_assert_str_eq(r->outs[0].path, "out/b");
		ck_assert(eb->parsed && !ea->parsed);
	}
	statelog_close(&s);
	buf_free(&b);
}
END_TEST

START_TEST(truncated_at_every_byte)
{
	struct buf b = {0};
	size_t cut, first, second, ends[64], i, n;
	char kinds[64];

	body(&b);
	first = record_end(&b, 1);
	second = record_end(&b, 2);
	n = entries_of(b.s, b.len, ends, kinds, LEN(ends));
	ck_assert_uint_eq(ends[n - 1], b.len);
	for (cut = 0; cut <= b.len; cut++) {
		struct statelog s;
		const struct record *a, *rb;
		size_t bad;
		bool whole = cut == 0;
		for (i = 0; i < n; i++)
			whole = whole || cut == ends[i];
		statelog_init(&s);
		bad = statelog_parse(&s, b.s, cut);
		a = statelog_find(&s, "out/a.o");
		/* a torn entry is damaged, whole entries before it are intact */
		ck_assert_int_eq(bad, whole ? 0 : 1);
		ck_assert_int_eq(a != NULL, cut >= first);
		if (cut >= first && cut < second)
			ck_assert(!a->ok); /* the first record of a.o */
		if (cut >= second)
			ck_assert(a->ok);
		rb = statelog_find(&s, "out/b"); /* (a is read no more) */
		ck_assert_int_eq(rb != NULL, cut == b.len);
		statelog_close(&s);
	}
	buf_free(&b);
}
END_TEST

/* A record's head with its counts, its body's length, and numbers 0 for its
 * outputs and depfile inputs, as an entry with its sum right: whole ('r'), or
 * apart ('h', its body said to be at the log's start). */
static void made_record(struct buf *b, uint32_t nout, uint32_t nin, uint32_t ndep, uint32_t bodylen,
			uint32_t flags, char kind)
{
	uint32_t head[12 + 4] = {0}, fixed = kind == 'h' ? 48 : 40, v;
	uint32_t len = fixed + 4 * (nout + ndep < 4 ? nout + ndep : 4);
	char tag[4] = {(char)0xb7, 'L', kind, 5};
	uint64_t sum, seed;

	head[4] = 7;
	head[5] = flags;
	head[6] = nout;
	head[7] = nin;
	head[8] = ndep;
	head[9] = bodylen;
	memcpy(&v, tag, 4);
	seed = v | (uint64_t)len << 32; /* the tag, then len */
	buf_add(b, tag, 4);
	buf_add(b, &len, 4);
	sum = XXH3_64bits_withSeed(head, len, seed);
	buf_add(b, &sum, 8);
	buf_add(b, head, len);
}

START_TEST(damaged_lines_are_skipped)
{
	struct buf b = {0}, bad = {0};
	struct statelog s;
	size_t i, first, second, headend;

	body(&b);
	first = record_end(&b, 1);
	second = record_end(&b, 2);
	/* the second record of a.o: its head (it needs no new path entry) ends
	 * with the numbers of its two outputs and its depfile input */
	headend = first + 16 + 40 + 3 * 4;
	/* flip each byte of the middle record in turn: a damaged head loses the
	 * record, the others are kept; a damaged body is found when it is read */
	for (i = first; i < second; i++) {
		bad.len = 0;
		buf_add(&bad, b.s, b.len);
		bad.s[i] ^= 0x5a;
		statelog_init(&s);
		ck_assert_int_eq(statelog_parse(&s, bad.s, bad.len), i < headend ? 1 : 0);
		ck_assert_ptr_nonnull(statelog_find(&s, "out/b"));
		if (i < headend) {
			ck_assert(!statelog_find(&s, "out/a.o")->ok); /* the older record stands */
		} else {
			ck_assert(statelog_get(&s, "out/a.o")->ok);
			ck_assert_ptr_null(statelog_find(&s, "out/a.o"));
		}
		statelog_close(&s);
	}
	/* garbage between entries is one damaged stretch; the entries after it count */
	bad.len = 0;
	buf_add(&bad, b.s, first);
	buf_puts(&bad, "garbage\n\xb7\n\t\xb7L");
	buf_add(&bad, b.s + first, b.len - first);
	statelog_init(&s);
	ck_assert_int_eq(statelog_parse(&s, bad.s, bad.len), 1);
	ck_assert(statelog_find(&s, "out/a.o")->ok);
	ck_assert_ptr_nonnull(statelog_find(&s, "out/b"));
	statelog_close(&s);
	statelog_init(&s);
	ck_assert_int_eq(statelog_parse(&s, "garbage\n\n\t\t\n0000000000000000\tx\n", 30), 1);
	statelog_close(&s);
	/* counts that overflow when added up, or a body too short for them, or flags
	 * this version does not know, with the head's sum right (some found by fuzzing) */
	{
		const uint32_t heads[][5] = {
		    {1, UINT32_MAX, 0, UINT32_MAX, 0}, {1, 0, UINT32_MAX, 64, 0},
		    {UINT32_MAX, UINT32_MAX, 2, UINT32_MAX, 0}, {1, 1, 0, 8 + 4 + 2 * 33 - 1, 0},
		    {1, 0, 0, 100, 2}, {0, 0, 0, 100, 0}};
		for (i = 0; i < LEN(heads); i++) {
			bad.len = 0;
			made_record(&bad, heads[i][0], heads[i][1], heads[i][2], heads[i][3], heads[i][4],
				    'r');
			for (size_t k = 0; k < 200; k++)
				buf_putc(&bad, 0);
			statelog_init(&s);
			ck_assert_int_eq(statelog_parse(&s, bad.s, bad.len), 1);
			statelog_close(&s);
		}
	}
	/* a head apart whose body's length, and its sum, pass 4 GiB (found by
	 * fuzzing: regressions/statelog/head-apart-body-length-wraps) */
	bad.len = 0;
	logline_path(&bad, 0, "out", 3);
	made_record(&bad, 1, 0, 0, UINT32_MAX - 3, 1, 'h');
	statelog_init(&s);
	ck_assert_int_eq(statelog_parse(&s, bad.s, bad.len), 1);
	ck_assert_ptr_null(statelog_get(&s, "out"));
	statelog_close(&s);
	/* a record that names a number no entry gave */
	bad.len = 0;
	made_record(&bad, 1, 0, 0, 8 + 33, 1, 'r');
	for (i = 0; i < 8 + 33 + 8; i++)
		buf_putc(&bad, 0);
	statelog_init(&s);
	ck_assert_int_eq(statelog_parse(&s, bad.s, bad.len), 1);
	statelog_close(&s);
	/* a number given twice, or bigger than the log could give */
	bad.len = 0;
	logline_path(&bad, 0, "a", 1);
	logline_path(&bad, 0, "b", 1);
	logline_path(&bad, 1000, "c", 1);
	statelog_init(&s);
	ck_assert_int_eq(statelog_parse(&s, bad.s, bad.len), 2);
	ck_assert_str_eq(statelog_path(&s, 0), "a");
	ck_assert_uint_eq(statelog_npaths(&s), 1);
	statelog_close(&s);
	statelog_init(&s);
	statelog_close(&s);
	buf_free(&b);
	buf_free(&bad);
}
END_TEST

START_TEST(found_through_any_output)
{
	struct recfile ab[2] = {{"a", {1, 1, 1, 0}, 0, false}, {"b", {2, 2, 2, 0}, 0, false}};
	struct recfile bc[2] = {{"c", {3, 3, 3, 0}, 0, false}, {"b", {4, 4, 4, 0}, 0, false}};
	struct recfile b1 = {"b", {5, 5, 5, 0}, 0, false};
	struct record rab = {"ab\n", true, 0, 0, ab, NULL, NULL, 2, 0, 0, NULL, NULL};
	struct record rcb = {"cb\n", true, 0, 0, bc, NULL, NULL, 2, 0, 0, NULL, NULL};
	struct record rb = {"b\n", true, 0, 0, &b1, NULL, NULL, 1, 0, 0, NULL, NULL};
	struct statelog s;
	struct buf b = {0};

	/* b is found through the job that made it with a */
	logline_format(&b, &rab);
	statelog_init(&s);
	ck_assert_int_eq(statelog_parse(&s, b.s, b.len), 0);
	ck_assert_str_eq(statelog_find(&s, "b")->script, "ab\n");
	statelog_close(&s);
	/* b's own record wins over one where it is another output, older or newer */
	logline_format(&b, &rb);
	logline_format(&b, &rcb);
	statelog_init(&s);
	ck_assert_int_eq(statelog_parse(&s, b.s, b.len), 0);
	ck_assert_str_eq(statelog_find(&s, "b")->script, "b\n");
	ck_assert_str_eq(statelog_find(&s, "a")->script, "ab\n");
	ck_assert_str_eq(statelog_find(&s, "c")->script, "cb\n");
	statelog_close(&s);
	buf_free(&b);
}
END_TEST

/* Remove a directory a state log was opened in, with its log and lock. */
static void remove_logdir(const char *dir)
{
	char path[64];

	snprintf(path, sizeof(path), "%s/log", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock", dir);
	unlink(path);
	ck_assert_int_eq(rmdir(dir), 0);
}

/* The depfile inputs of a record are known from its head, as numbers of paths
 * read with the log: the same numbers for the same paths; reading the rest
 * of a record changed in the file since then fails, not them. */
START_TEST(depfile_inputs_by_number)
{
	char dir[] = "/tmp/baton-test-statelog-XXXXXX", path[64];
	struct recfile dd[2] = {{"inc/x\ty.h", {3, 4, 5, 0}, 0, false}, {"inc/z.h", {6, 7, 8, 0}, 9, true}};
	struct recfile bout = {"out/b.o", {1, 2, 3, 0}, 0, false};
	struct record r = rec("cc\n", true);
	struct record rb = {"cc b\n", true, 0, 0, &bout, NULL, dd + 1, 1, 0, 1, NULL, NULL};
	const uint32_t *d, *db;
	struct statelog s;
	uint32_t n, nb;
	FILE *f;

	r.deps = dd;
	r.ndep = 2;
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert(statelog_open(&s, dir, true));
	ck_assert(statelog_append(&s, &r));
	ck_assert(statelog_append(&s, &rb));
	statelog_close(&s);
	ck_assert(statelog_open(&s, dir, false));
	d = statelog_depids(statelog_get(&s, "out/a.o"), &n);
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(statelog_path(&s, d[0]), "inc/x\ty.h");
	ck_assert_str_eq(statelog_path(&s, d[1]), "inc/z.h");
	ck_assert_uint_lt(d[1], statelog_npaths(&s));
	db = statelog_depids(statelog_get(&s, "out/b.o"), &nb);
	ck_assert_uint_eq(nb, 1);
	ck_assert_uint_eq(db[0], d[1]); /* one number a path */
	ck_assert_ptr_null(statelog_path(&s, statelog_npaths(&s)));
	ck_assert_str_eq(statelog_find(&s, "out/a.o")->deps[0].path, "inc/x\ty.h");
	statelog_close(&s);
	/* a record changed in the file since it was loaded cannot be read whole */
	ck_assert(statelog_open(&s, dir, false));
	snprintf(path, sizeof(path), "%s/log", dir);
	f = fopen(path, "r+");
	ck_assert_ptr_nonnull(f);
	fseek(f, -3, SEEK_END);
	fputc('x', f);
	fclose(f);
	ck_assert_ptr_nonnull(statelog_find(&s, "out/a.o"));
	ck_assert_ptr_null(statelog_find(&s, "out/b.o"));
	ck_assert_ptr_nonnull(statelog_depids(statelog_get(&s, "out/b.o"), &nb));
	statelog_close(&s);
	remove_logdir(dir);
}
END_TEST

START_TEST(compacted_by_rename)
{
	char dir[] = "/tmp/baton-test-statelog-XXXXXX", path[64], tmp[64];
	struct recfile bout = {"out/b", {1, 2, 3, 0}, 0, false};
	struct record rb = {"v0\n", true, 0, 0, &bout, NULL, NULL, 1, 0, 0, NULL, NULL};
	struct statelog s;
	char script[32];
	int i;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/log", dir);
	ck_assert(statelog_open(&s, dir, true));
	for (i = 1; i <= 1200; i++) {
		snprintf(script, sizeof(script), "v%d\n", i);
		rb.script = script;
		bout.st.size = i;
		ck_assert(statelog_append(&s, &rb));
	}
	ck_assert_int_eq(records_of(path), 1200); /* appended, one a job */
	/* out/b had no record: what was appended is counted, not kept */
	ck_assert_ptr_null(statelog_get(&s, "out/b"));
	ck_assert_uint_eq(s.added.n, 1);
	statelog_close(&s);
	/* many stale records: rewritten to the header and one live record */
	ck_assert_int_eq(records_of(path), 1);
	ck_assert_int_eq(access(path, F_OK), 0);
	snprintf(tmp, sizeof(tmp), "%s/log.tmp", dir);
	ck_assert_int_ne(access(tmp, F_OK), 0);
	ck_assert(statelog_open(&s, dir, false));
	ck_assert_ptr_nonnull(statelog_find(&s, "out/b"));
	ck_assert_str_eq(statelog_find(&s, "out/b")->script, "v1200\n");
	ck_assert_int_eq(statelog_find(&s, "out/b")->outs[0].st.size, 1200);
	statelog_close(&s);
	/* a few stale records are left alone; a record appended for an output that
	 * had one is its newest at once */
	ck_assert(statelog_open(&s, dir, true));
	rb.script = "v1201\n";
	ck_assert(statelog_append(&s, &rb));
	ck_assert_str_eq(statelog_find(&s, "out/b")->script, "v1201\n");
	ck_assert_uint_eq(s.added.n, 0);
	statelog_close(&s);
	ck_assert_int_eq(records_of(path), 2);
	/* a record found through its other outputs is written once */
	{
		struct recfile ab[2] = {{"a", {1, 1, 1, 0}, 0, false}, {"b", {2, 2, 2, 0}, 0, false}};
		struct record rab = {"ab\n", true, 0, 0, ab, NULL, NULL, 2, 0, 0, NULL, NULL};
		ck_assert(statelog_open(&s, dir, true));
		for (i = 0; i < 1100; i++)
			ck_assert(statelog_append(&s, &rab));
		statelog_close(&s);
		ck_assert_int_eq(records_of(path), 2); /* out/b, a b */
		ck_assert(statelog_open(&s, dir, false));
		ck_assert_str_eq(statelog_find(&s, "b")->script, "ab\n");
		statelog_close(&s);
	}
	/* a b split in two and a run alone: b is still found through a b's record,
	 * which compacting keeps (b has none of its own to hide it) */
	{
		struct recfile a1 = {"a", {3, 3, 3, 0}, 0, false};
		struct record ra = {"a\n", true, 0, 0, &a1, NULL, NULL, 1, 0, 0, NULL, NULL};
		ck_assert(statelog_open(&s, dir, true));
		for (i = 0; i < 1100; i++)
			ck_assert(statelog_append(&s, &ra));
		ck_assert_str_eq(statelog_find(&s, "b")->script, "ab\n");
		statelog_close(&s);
		ck_assert_int_eq(records_of(path), 3); /* out/b, a b, a */
		ck_assert(statelog_open(&s, dir, false));
		ck_assert_str_eq(statelog_find(&s, "a")->script, "a\n");
		ck_assert_str_eq(statelog_find(&s, "b")->script, "ab\n");
		statelog_close(&s);
	}
	/* once b has a record of its own, the one of a b is reached no more */
	{
		struct recfile b1 = {"b", {4, 4, 4, 0}, 0, false};
		struct record rb1 = {"b\n", true, 0, 0, &b1, NULL, NULL, 1, 0, 0, NULL, NULL};
		ck_assert(statelog_open(&s, dir, true));
		for (i = 0; i < 1100; i++)
			ck_assert(statelog_append(&s, &rb1));
		statelog_close(&s);
		ck_assert_int_eq(records_of(path), 3); /* out/b, a, b */
		ck_assert(statelog_open(&s, dir, false));
		ck_assert_str_eq(statelog_find(&s, "a")->script, "a\n");
		ck_assert_str_eq(statelog_find(&s, "b")->script, "b\n");
		statelog_close(&s);
	}
	remove_logdir(dir);
}
END_TEST

/* A newer record of a single output takes the older one's entry: the log holds
 * as many entries as live records, however many lines it has. */
START_TEST(newer_record_reuses_the_entry)
{
	char dir[] = "/tmp/baton-test-statelog-XXXXXX", path[64], script[32];
	struct recfile bout = {"out/b", {1, 2, 3, 0}, 0, false};
	struct record rb = {"v0\n", true, 0, 0, &bout, NULL, NULL, 1, 0, 0, NULL, NULL};
	struct recfile ab[2] = {{"a", {1, 1, 1, 0}, 0, false}, {"b2", {2, 2, 2, 0}, 0, false}};
	struct record rab = {"ab\n", true, 0, 0, ab, NULL, NULL, 2, 0, 0, NULL, NULL};
	const struct logentry *e, *eab;
	struct statelog s;
	int i;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/log", dir);
	ck_assert(statelog_open(&s, dir, true));
	ck_assert(statelog_append(&s, &rb));
	ck_assert(statelog_append(&s, &rab));
	statelog_close(&s);
	ck_assert(statelog_open(&s, dir, true));
	e = statelog_get(&s, "out/b");
	eab = statelog_get(&s, "a");
	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_nonnull(eab);
	for (i = 1; i <= 50; i++) {
		snprintf(script, sizeof(script), "v%d\n", i);
		rb.script = script;
		ck_assert(statelog_append(&s, &rb));
		/* the same entry, holding the newest record, found by the same key */
		ck_assert_ptr_eq(statelog_get(&s, "out/b"), e);
		ck_assert_str_eq(statelog_find(&s, "out/b")->script, script);
		ck_assert_ptr_eq(e->first, statelog_get(&s, "out/b")->first);
	}
	/* a record of two outputs gets a new entry: its others still find it */
	rab.script = "ab2\n";
	ck_assert(statelog_append(&s, &rab));
	ck_assert_ptr_ne(statelog_get(&s, "a"), eab);
	ck_assert_ptr_eq(statelog_get(&s, "a"), statelog_get(&s, "b2"));
	ck_assert_str_eq(statelog_find(&s, "b2")->script, "ab2\n");
	statelog_close(&s);
	/* read back from the file, 50 lines of out/b: one entry, the newest */
	ck_assert(statelog_open(&s, dir, false));
	ck_assert_str_eq(statelog_find(&s, "out/b")->script, "v50\n");
	ck_assert_str_eq(statelog_find(&s, "a")->script, "ab2\n");
	ck_assert_uint_eq(s.firsts.n, 2);
	statelog_close(&s);
	remove_logdir(dir);
}
END_TEST

/* n inputs named out/K/I (K = I / 1000) with stats made from I; free the
 * names and the inputs after. */
static struct recfile *many_inputs(int n, char (**names)[24])
{
	struct recfile *in = calloc((size_t)n, sizeof(*in));
	int i;

	*names = calloc((size_t)n, sizeof(**names));
	ck_assert_ptr_nonnull(in);
	ck_assert_ptr_nonnull(*names);
	for (i = 0; i < n; i++) {
		snprintf((*names)[i], sizeof((*names)[i]), "out/%d/%d", i / 1000, i);
		in[i] = (struct recfile){(*names)[i], {1700000000000000000 + i, i, (uint64_t)i, 0},
					 0, false};
	}
	return in;
}

/* A line of several megabytes (one job with 200,000 inputs) is read through
 * the mapping of the file a piece at a time, and checked whole; torn, it is
 * damage. */
START_TEST(long_line_read_in_pieces)
{
	char dir[] = "/tmp/baton-test-statelog-XXXXXX", path[64];
	enum { N = 200000 };
	char (*names)[24];
	struct recfile *in = many_inputs(N, &names);
	struct recfile out = {"out/all", {1, 2, 3, 0}, 0, false};
	struct record r = {"touch out/all\n", true, 7, 0, &out, in, NULL, 1, N, 0, NULL, NULL};
	const struct record *got;
	struct statelog s;
	struct stat st;
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/log", dir);
	ck_assert(statelog_open(&s, dir, true));
	ck_assert(statelog_append(&s, &r));
	out.path = "out/other";
	r.nin = 1;
	ck_assert(statelog_append(&s, &r)); /* a short line after the long one */
	statelog_close(&s);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_gt(st.st_size, 4 << 20);
	ck_assert(statelog_open(&s, dir, false));
	got = statelog_find(&s, "out/all");
	ck_assert_ptr_nonnull(got);
	ck_assert_int_eq(got->nin, N);
	ck_assert_str_eq(got->ins[N - 1].path, "out/199/199999");
	ck_assert(got->ins[N - 1].st.mtime == 1700000000000000000 + N - 1);
	ck_assert_ptr_nonnull(statelog_find(&s, "out/other"));
	statelog_close(&s);
	/* cut in the middle of the long line: the short one after it is gone too,
	 * and the long one is damage, reported and dropped */
	fd = open(path, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, st.st_size / 2), 0);
	close(fd);
	ck_assert(statelog_open(&s, dir, false));
	ck_assert_ptr_null(statelog_find(&s, "out/all"));
	ck_assert_ptr_null(statelog_find(&s, "out/other"));
	statelog_close(&s);
	remove_logdir(dir);
	free(in);
	free(names);
}
END_TEST

/* A record too long to hold whole is written a piece at a time, the same bytes
 * as the entry made whole; when it replaces an older record in the same run,
 * that run finds the new one, and so does the next. */
START_TEST(long_record_written_in_pieces)
{
	char dir[] = "/tmp/baton-test-statelog-XXXXXX", path[64];
	enum { N = 30000 };
	char (*names)[24];
	struct recfile *in = many_inputs(N, &names);
	struct recfile out[2] = {{"out/all", {1, 2, 3, 0}, 0, false}, {"out/all.map", {4, 5, 6, 0}, 0, false}};
	struct record r = {"touch out/all\n", true, 7, 0, out, in, NULL, 2, 1, 0, NULL, NULL};
	struct buf want = {0};
	const struct record *got;
	struct statelog s;
	struct stat st;
	size_t ends[3], tail;
	char kinds[3], *text;
	int i, fd;

	for (i = 0; i < N; i++) {
		in[i].hash = (uint64_t)i * 7;
		in[i].hashed = i % 3 == 0;
	}
	ck_assert(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/log", dir);
	ck_assert(statelog_open(&s, dir, true));
	ck_assert(statelog_append(&s, &r)); /* one input: a short entry */
	statelog_close(&s);
	ck_assert(statelog_open(&s, dir, true));
	ck_assert_int_eq(statelog_find(&s, "out/all")->nin, 1);
	r.nin = N;
	r.script = "touch out/all\t# again\n";
	ck_assert(statelog_append(&s, &r));
	got = statelog_find(&s, "out/all.map");
	ck_assert_ptr_nonnull(got);
	ck_assert_int_eq(got->nin, N);
	ck_assert_str_eq(got->script, "touch out/all\t# again\n");
	ck_assert_str_eq(got->ins[N - 1].path, "out/29/29999");
	ck_assert(!got->ins[N - 1].hashed && got->ins[N - 3].hashed);
	ck_assert(got->ins[N - 3].hash == 7u * (N - 3));
	ck_assert_ptr_eq(statelog_get(&s, "out/all"), statelog_get(&s, "out/all.map"));
	statelog_close(&s);
	/* the file ends with what logline_format makes whole, but for the entries
	 * of the three paths the first record numbered (the outputs and the input
	 * they named, numbered in the same order) */
	logline_format(&want, &r);
	ck_assert_uint_eq(entries_of(want.s, want.len, ends, kinds, 3), 3);
	ck_assert(kinds[0] == ENTRY_PATH && kinds[2] == ENTRY_PATH);
	tail = want.len - ends[2];
	ck_assert_uint_gt(tail, 16 * 64 * 1024);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_gt(st.st_size, (off_t)tail);
	text = malloc(tail);
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, text, tail, st.st_size - (off_t)tail), (ssize_t)tail);
	close(fd);
	ck_assert(memcmp(text, want.s + ends[2], tail) == 0);
	ck_assert(statelog_open(&s, dir, false));
	got = statelog_find(&s, "out/all");
	ck_assert_ptr_nonnull(got);
	ck_assert_int_eq(got->nin, N);
	ck_assert_str_eq(got->ins[1234].path, "out/1/1234");
	statelog_close(&s);
	remove_logdir(dir);
	buf_free(&want);
	free(text);
	free(in);
	free(names);
}
END_TEST

/* A job of many inputs run again and again leaves few records but many bytes
 * that are no longer live: the log is compacted by their size too, once they
 * are more than the live records' (the file twice as long as they need). */
START_TEST(compacted_by_size)
{
	char dir[] = "/tmp/baton-test-statelog-XXXXXX", path[64], script[32];
	enum { N = 20000 };
	char (*names)[24];
	struct recfile *in = many_inputs(N, &names);
	struct recfile out = {"out/all", {1, 2, 3, 0}, 0, false};
	struct record r = {"v0\n", true, 7, 0, &out, in, NULL, 1, N, 0, NULL, NULL};
	struct statelog s;
	struct stat st;
	static char kinds[1024];
	off_t first;
	int i, batches;

	ck_assert(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/log", dir);
	ck_assert(statelog_open(&s, dir, true));
	ck_assert(statelog_append(&s, &r));
	statelog_close(&s);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_gt(st.st_size, 1000000); /* the paths, then the record */
	first = st.st_size;
	/* eleven more: a few records, but more than twice the live records' size */
	ck_assert(statelog_open(&s, dir, true));
	for (i = 1; i <= 11; i++) {
		snprintf(script, sizeof(script), "v%d\n", i);
		r.script = script;
		ck_assert(statelog_append(&s, &r));
	}
	statelog_close(&s);
	ck_assert_int_eq(stat(path, &st), 0);
	/* "v11" for "v0", and compacted: its head apart says where its body is,
	 * in a block of bodies with a header of its own; its paths in batches
	 * (a length of 4 bytes for each instead of an entry's header and number),
	 * the output's first */
	kinds_of(path, kinds, sizeof(kinds));
	for (i = 0, batches = 0; kinds[i]; i++)
		batches += kinds[i] == ENTRY_PATHS || kinds[i] == ENTRY_INPATHS;
	ck_assert_int_gt(batches, 1);
	ck_assert(kinds[0] == ENTRY_PATHS && kinds[1] == ENTRY_INPATHS);
	ck_assert_str_eq(kinds + batches, "hb");
	ck_assert_int_eq(st.st_size, first + 1 + 8 + ENTRY_HEADER + 8 -
					      (ENTRY_HEADER + 4 - 4) * (N + 1) +
					      batches * (ENTRY_HEADER + 8));
	ck_assert(statelog_open(&s, dir, false));
	ck_assert_str_eq(statelog_find(&s, "out/all")->script, "v11\n");
	ck_assert_int_eq(statelog_find(&s, "out/all")->nin, N);
	ck_assert_uint_eq(s.lines, 1);
	statelog_close(&s);
	/* one more: the file is less than twice the live records' size, but the
	 * record appended whole is more than twice the paths a load reads
	 * besides (its body would be read at each load): compacted */
	ck_assert(statelog_open(&s, dir, true));
	r.script = "v12\n";
	ck_assert(statelog_append(&s, &r));
	ck_assert_uint_lt((uint64_t)s.end, 2 * statelog_livebytes(&s));
	ck_assert_uint_gt(s.tail, 2 * s.heads);
	statelog_close(&s);
	ck_assert(statelog_open(&s, dir, false));
	ck_assert_str_eq(statelog_find(&s, "out/all")->script, "v12\n");
	ck_assert_uint_eq(s.lines, 1);
	statelog_close(&s);
	/* and one more: more stale than live, compacted */
	ck_assert(statelog_open(&s, dir, true));
	r.script = "v13\n";
	ck_assert(statelog_append(&s, &r));
	statelog_close(&s);
	ck_assert(statelog_open(&s, dir, false));
	ck_assert_str_eq(statelog_find(&s, "out/all")->script, "v13\n");
	ck_assert_uint_eq(s.lines, 1);
	statelog_close(&s);
	remove_logdir(dir);
	free(in);
	free(names);
}
END_TEST

/* Append n records of objects as r, whose output, input, depfile input (or
 * NULL) and script are the buffers out, src, dep and script (32, 32, 32 and 192
 * bytes): obj/K.o made from src/K.c, including inc/K.h, its size K. */
static void append_objects(struct statelog *s, struct record *r, long n, char *out, char *src,
			   char *dep, char *script)
{
	long k;

	for (k = 0; k < n; k++) {
		snprintf(out, 32, "obj/%ld.o", k);
		snprintf(src, 32, "src/%ld.c", k);
		if (dep)
			snprintf(dep, 32, "inc/%ld.h", k);
		snprintf(script, 192, "cc -c src/%ld.c -o obj/%ld.o # %0100d", k, k, 0);
		r->outs[0].st.size = k;
		ck_assert(statelog_append(s, r));
	}
}

/* A log of many records appended whole is compacted as it closes: a load would
 * read every body. The compacted log holds the paths, then the heads apart,
 * then the bodies in one block that a load skips; a body is read from there
 * when asked for, and one damaged there is found then, its head still good.
 * Records appended after it are whole again. */
START_TEST(compacted_heads_together)
{
	char dir[] = "/tmp/baton-test-statelog-XXXXXX", path[64], out[32], src[32], script[192];
	enum { N = 400 };
	struct recfile o = {out, {1, 2, 3, 0}, 0, false}, i[2] = {{src, {4, 5, 6, 0}, 0, false},
							      {"inc/common.h", {7, 8, 9, 0}, 0, false}};
	struct record r = {script, true, 3, 0, &o, i, i + 1, 1, 1, 1, NULL, NULL};
	static char kinds[4 * N];
	const struct record *got;
	struct statelog s;
	long body;
	uint32_t n;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/log", dir);
	ck_assert(statelog_open(&s, dir, true));
	append_objects(&s, &r, N, out, src, NULL, script);
	statelog_close(&s);
	/* the outputs and the depfile input in one batch, the inputs in another */
	kinds_of(path, kinds, sizeof(kinds));
	ck_assert_uint_eq(strlen(kinds), 2 + N + 1);
	ck_assert(kinds[0] == ENTRY_PATHS && kinds[1] == ENTRY_INPATHS);
	ck_assert(kinds[2] == ENTRY_HEAD && kinds[N + 1] == ENTRY_HEAD);
	ck_assert(kinds[N + 2] == ENTRY_BODIES);
	ck_assert(statelog_open(&s, dir, true));
	ck_assert_uint_eq(s.tail, 0); /* nothing whole to read */
	got = statelog_find(&s, "obj/123.o");
	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got->ins[0].path, "src/123.c");
	ck_assert_int_eq(got->outs[0].st.size, 123);
	ck_assert_str_eq(statelog_path(&s, statelog_depids(statelog_get(&s, "obj/7.o"), &n)[0]),
			 "inc/common.h");
	/* one more, whole, after the block */
	snprintf(out, sizeof(out), "obj/new.o");
	ck_assert(statelog_append(&s, &r));
	statelog_close(&s);
	kinds_of(path, kinds, sizeof(kinds));
	ck_assert_str_eq(kinds + N + 2, "bpr");
	ck_assert(statelog_open(&s, dir, false));
	ck_assert_ptr_nonnull(statelog_find(&s, "obj/new.o"));
	ck_assert_ptr_nonnull(statelog_find(&s, "obj/399.o"));
	statelog_close(&s);
	/* a byte of the last body in the block damaged (the block ends before the
	 * entry of the path obj/new.o, 29 bytes, and the body with its sum of 8):
	 * found when that body is read */
	ck_assert(statelog_open(&s, dir, false));
	body = (long)statelog_get(&s, "obj/new.o")->off - 29 - 8 - 10;
	statelog_close(&s);
	f = fopen(path, "r+");
	ck_assert_ptr_nonnull(f);
	fseek(f, body, SEEK_SET);
	ck_assert_int_eq(fgetc(f), '0'); /* the script's padding */
	fseek(f, body, SEEK_SET);
	fputc('#', f);
	fclose(f);
	ck_assert(statelog_open(&s, dir, false));
	ck_assert_ptr_nonnull(statelog_get(&s, "obj/399.o"));
	ck_assert_ptr_null(statelog_find(&s, "obj/399.o"));
	ck_assert_ptr_nonnull(statelog_find(&s, "obj/398.o"));
	ck_assert_ptr_nonnull(statelog_find(&s, "obj/new.o"));
	/* the block's header damaged (after the last head apart: 16 + 48 + 2
	 * numbers): the bodies in it are damage to skip, the records stand */
	body = (long)statelog_get(&s, "obj/399.o")->off + 16 + 48 + 8 + 9;
	statelog_close(&s);
	f = fopen(path, "r+");
	ck_assert_ptr_nonnull(f);
	fseek(f, body, SEEK_SET);
	fputc('#', f);
	fclose(f);
	ck_assert(statelog_open(&s, dir, false));
	ck_assert_uint_eq(s.lines, N + 1);
	ck_assert_str_eq(statelog_find(&s, "obj/5.o")->ins[0].path, "src/5.c");
	ck_assert_ptr_nonnull(statelog_find(&s, "obj/new.o"));
	statelog_close(&s);
	remove_logdir(dir);
}
END_TEST

static char *deps_of(const char *text, bool *ok)
{
	struct arena a = {0};
	struct list l = {0};
	struct buf b = {0};
	const char *err = NULL;

	*ok = depfile_parse(text, strlen(text), &a, &l, &err);
	list_join(&b, &l, "|");
	buf_add(&b, "", 0);
	list_free(&l);
	arena_free(&a);
	return b.s;
}

#define DEPS_EQ(text, want)                                                                        \
	do {                                                                                       \
		bool ok;                                                                           \
		char *got = deps_of(text, &ok);                                                    \
		ck_assert(ok);                                                                     \
		ck_assert_str_eq(got, want);                                                       \
		free(got);                                                                         \
	} while (0)

START_TEST(depfiles)
{
	bool ok;
	char *got;

	DEPS_EQ("out/a.o: src/a.c inc/a.h \\\n  inc/b.h\n", "src/a.c|inc/a.h|inc/b.h");
	DEPS_EQ("a.o: a.c\r\n", "a.c");
	DEPS_EQ("a.o b.o : x\\ y.h z$$.h\n", "x y.h|z$.h");
	DEPS_EQ("a.o: a.c a.h\na.h:\nb.o: a.h b.h\n", "a.c|a.h|b.h");
	DEPS_EQ("a.o: \\\r\n a.c \\\r\n b.h", "a.c|b.h");
	DEPS_EQ("a.o: c\\#d.h\n", "c#d.h");
	DEPS_EQ("", "");
	/* a NUL byte separates words; it never ends up inside a path (found by fuzzing) */
	{
		struct arena a = {0};
		struct list l = {0};
		const char *err;
		ck_assert(depfile_parse("o: a\0b a\0c\n", 12, &a, &l, &err));
		ck_assert_int_eq(l.n, 3);
		ck_assert_str_eq(l.v[0], "a");
		ck_assert_str_eq(l.v[1], "b");
		ck_assert_str_eq(l.v[2], "c");
		list_free(&l);
		arena_free(&a);
	}
	got = deps_of("just words\n", &ok);
	ck_assert(!ok);
	free(got);
}
END_TEST

/* The two hashes a record's header carries are those the planner computes from
 * the rule: the expanded recipe's, and the digest of the files' paths and stat
 * data in order (outputs, inputs, depfile inputs). */
START_TEST(header_hashes)
{
	struct statelog s;
	struct buf b = {0};
	struct record r = rec("cc -c a.c\n", true);
	const struct logentry *e;
	uint64_t h = 0;
	uint32_t i;

	statelog_init(&s);
	logline_format(&b, &r);
	ck_assert_int_eq(statelog_parse(&s, b.s, b.len), 0);
	e = statelog_get(&s, "out/a.o");
	ck_assert_ptr_nonnull(e);
	ck_assert(!e->parsed); /* the header only, until asked for more */
	ck_assert(e->script_hash == logline_scripthash("cc -c a.c\n"));
	for (i = 0; i < r.nout; i++)
		h = logline_digest(h, r.outs[i].path, strlen(r.outs[i].path), &r.outs[i].st);
	for (i = 0; i < r.nin; i++)
		h = logline_digest(h, r.ins[i].path, strlen(r.ins[i].path), &r.ins[i].st);
	for (i = 0; i < r.ndep; i++)
		h = logline_depdigest(h, &r.deps[i].st);
	ck_assert(e->files_hash == h);
	/* any change to one file's stat data changes the digest */
	ck_assert(logline_digest(0, "a", 1, &(struct filestat){1, 2, 3, 0}) !=
		  logline_digest(0, "a", 1, &(struct filestat){1, 2, 4, 0}));
	ck_assert(logline_digest(0, "a", 1, &(struct filestat){1, 2, 3, 0}) !=
		  logline_digest(0, "b", 1, &(struct filestat){1, 2, 3, 0}));
	ck_assert_ptr_nonnull(statelog_read(&s, e));
	ck_assert(e->parsed);
	statelog_close(&s);
	buf_free(&b);
}
END_TEST

/* A path never holds a NUL byte: a line with one is damaged, even with its
 * checksum right (tests/fuzz/regressions/statelog/nul-in-output-path). */
START_TEST(nul_in_a_path_is_damage)
{
	struct statelog s;
	struct recfile out = {"out/b", {1, 2, 3, 0}, 0, false};
	struct record r = {"touch out/b\n", true, 0, 0, &out, NULL, NULL, 1, 0, 0, NULL, NULL};
	struct buf b = {0}, fixed = {0};
	size_t ends[2];
	char kinds[2];

	logline_format(&b, &r);
	ck_assert_uint_eq(entries_of(b.s, b.len, ends, kinds, 2), 2);
	ck_assert(kinds[0] == ENTRY_PATH);
	logline_path(&fixed, 0, "out\0b", 5); /* its sum right */
	buf_add(&fixed, b.s + ends[0], b.len - ends[0]);
	statelog_init(&s);
	/* the path, and the record that names it */
	ck_assert_int_eq(statelog_parse(&s, fixed.s, fixed.len), 2);
	ck_assert_ptr_null(statelog_get(&s, "out"));
	ck_assert_ptr_null(statelog_get(&s, "out/b"));
	statelog_close(&s);
	buf_free(&b);
	buf_free(&fixed);
}
END_TEST

/* A stand-in for the build graph: the caller's own copy of each path it holds
 * (ctx, a NULL-terminated array), or NULL. */
static const char *held_path(void *ctx, const char *path, size_t len, uint32_t *slot)
{
	char **v;

	(void)slot; /* none: the records are kept by path */
	for (v = ctx; *v; v++) {
		if (strlen(*v) == len && !memcmp(*v, path, len))
			return *v;
	}
	return NULL;
}

/* The key under which the log keeps path as another output, or NULL. */
static const char *other_key(const struct statelog *s, const char *path)
{
	size_t i;

	for (i = 0; i < s->others.cap; i++) {
		const struct htab_entry *e = &s->others.e[i];
		if (e->key && e->len == strlen(path) && !memcmp(e->key, path, e->len))
			return e->key;
	}
	return NULL;
}

/* Whether got is want, as the entries they make. */
static void same_record(const struct record *got, const struct record *want)
{
	struct buf a = {0}, b = {0};

	ck_assert_ptr_nonnull(got);
	logline_format(&a, got);
	logline_format(&b, want);
	ck_assert_uint_eq(a.len, b.len);
	ck_assert(!memcmp(a.s, b.s, a.len));
	buf_free(&a);
	buf_free(&b);
}

/* With an intern hook, an entry's keys are the strings the caller holds, not
 * copies (a path it does not hold is copied); the records read back whole, and
 * compacting the log at its close needs no key: the caller's may be gone. */
START_TEST(keys_held_by_the_caller)
{
	char dir[] = "/tmp/baton-test-statelog-XXXXXX", path[64];
	char *held[] = {strdup("out/a.o"), strdup("a"), strdup("b"), NULL};
	struct recfile ab[2] = {{"a", {1, 1, 1, 0}, 0, false}, {"b", {2, 2, 2, 0}, 0, false}};
	struct record rab = {"ab\n", true, 0, 0, ab, NULL, NULL, 2, 0, 0, NULL, NULL};
	struct record r = rec("cc -c a.c\n", true);
	struct buf b = {0};
	char kinds[16];
	const struct logentry *e;
	struct statelog s;
	size_t i;
	int n;

	logline_format(&b, &r);
	logline_format(&b, &rab);
	/* read from memory: copies without the hook, the caller's strings with it */
	statelog_init(&s);
	ck_assert_int_eq(statelog_parse(&s, b.s, b.len), 0);
	e = statelog_get(&s, "out/a.o");
	ck_assert_ptr_ne(e->first, held[0]);
	ck_assert(e->firstlen == 7 && !memcmp(e->first, "out/a.o", 7));
	ck_assert_ptr_ne(other_key(&s, "b"), held[2]);
	statelog_close(&s);
	statelog_init(&s);
	s.intern = held_path;
	s.intern_ctx = held;
	ck_assert_int_eq(statelog_parse(&s, b.s, b.len), 0);
	ck_assert_ptr_eq(statelog_get(&s, "out/a.o")->first, held[0]);
	ck_assert_ptr_eq(statelog_get(&s, "a")->first, held[1]);
	ck_assert_ptr_eq(other_key(&s, "b"), held[2]);
	statelog_close(&s);
	/* read from the file: the records read back whole */
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/log", dir);
	ck_assert(statelog_open(&s, dir, true));
	ck_assert(statelog_append(&s, &r));
	ck_assert(statelog_append(&s, &rab));
	statelog_close(&s);
	statelog_init(&s);
	s.intern = held_path;
	s.intern_ctx = held;
	ck_assert(statelog_load(&s, dir, true));
	e = statelog_get(&s, "out/a.o");
	ck_assert_ptr_eq(e->first, held[0]);
	ck_assert_ptr_eq(statelog_get(&s, "a")->first, held[1]);
	ck_assert_ptr_eq(other_key(&s, "b"), held[2]);
	ck_assert_ptr_nonnull(other_key(&s, "out/a tab\there")); /* not held: a copy */
	ck_assert_ptr_ne(other_key(&s, "out/a tab\there"), outs[1].path);
	same_record(statelog_read(&s, e), &r);
	same_record(statelog_find(&s, "b"), &rab);
	/* appended: the other output of a newer record is keyed by the caller's too */
	rab.script = "ab2\n";
	ck_assert(statelog_append(&s, &rab));
	ck_assert_ptr_eq(other_key(&s, "b"), held[2]);
	ck_assert_str_eq(statelog_find(&s, "b")->script, "ab2\n");
	/* stale lines enough to compact the log as it closes, once the keys are gone
	 * (baton frees its graph first) */
	for (n = 0; n < 1100; n++)
		ck_assert(statelog_append(&s, &r));
	for (i = 0; i < 3; i++)
		free(held[i]);
	statelog_close(&s);
	/* the paths first, numbered anew (those that only inputs name last),
	 * then the heads apart, then the bodies */
	kinds_of(path, kinds, sizeof(kinds));
	ck_assert_str_eq(kinds, "PIhhb");
	ck_assert(statelog_open(&s, dir, false));
	ck_assert_str_eq(statelog_path(&s, 0), "a");
	ck_assert_str_eq(statelog_path(&s, 3), "out/a tab\there");
	ck_assert_str_eq(statelog_path(&s, 4), "inc/a.h");
	ck_assert_str_eq(statelog_path(&s, 5), "src/a.c");
	ck_assert_str_eq(statelog_path(&s, 6), "new\nline");
	same_record(statelog_find(&s, "b"), &rab);
	same_record(statelog_find(&s, "out/a.o"), &r);
	ck_assert_str_eq(statelog_find(&s, "b")->script, "ab2\n");
	statelog_close(&s);
	remove_logdir(dir);
	buf_free(&b);
}
END_TEST

/* Where the first entry of kind is in the log at path, and its size. */
static long entry_at(const char *path, char kind, uint64_t *size)
{
	struct buf b = {0};
	size_t off = sizeof("baton-log 6\n") - 1;
	struct entry e;
	long at = -1;

	read_file(path, &b);
	while (at < 0 && off < b.len && logline_entry(b.s + off, b.len - off, b.len - off, &e)) {
		if (e.kind == kind) {
			at = (long)off;
			*size = e.size;
		}
		off += (size_t)e.size;
	}
	buf_free(&b);
	return at;
}

/* What a build's intern hook gives: the caller's copy of a path, and the
 * slot of the first outputs it knows (their index in held, below nslots). */
struct slotted {
	const char *const *held;
	uint32_t nslots;
};

static const char *slotted_path(void *ctx, const char *path, size_t len, uint32_t *slot)
{
	const struct slotted *t = ctx;
	uint32_t i;

	for (i = 0; t->held[i]; i++) {
		if (strlen(t->held[i]) == len && !memcmp(t->held[i], path, len)) {
			*slot = i < t->nslots ? i : UINT32_MAX;
			return t->held[i];
		}
	}
	return NULL;
}

/* The script of the record found for path, or "" for none. */
static const char *script_of(struct statelog *s, const char *path)
{
	const struct logentry *e = statelog_get(s, path);
	const struct record *r = e ? statelog_read(s, e) : NULL;

	return e ? (r ? r->script : "damaged") : "";
}

/* Records kept by their first output's slot are found as those kept by path
 * are: through other outputs, a rule split in two, a first output the caller
 * has no slot for, a newer record appended. */
START_TEST(slots_find_what_paths_find)
{
	char dir[] = "/tmp/baton-test-statelog-XXXXXX";
	const char *held[] = {"out/a", "out/c", "out/b", "out/d", "x", NULL};
	const char *paths[] = {"out/a", "out/b", "out/c", "out/d", "x", "y", "none"};
	struct slotted t = {held, 4};
	struct recfile f[3] = {{"out/a", {1, 1, 1, 0}, 0, false}, {"out/b", {2, 2, 2, 0}, 0, false},
			       {"x", {3, 3, 3, 0}, 0, false}};
	struct recfile g[2] = {{"y", {4, 4, 4, 0}, 0, false}, {"out/d", {5, 5, 5, 0}, 0, false}};
	struct record ab = {"ab\n", true, 0, 0, f, NULL, NULL, 2, 0, 0, NULL, NULL};
	struct record c = {"c\n", true, 0, 0, f, f + 2, NULL, 1, 1, 0, NULL, NULL};
	struct record b = {"b\n", true, 0, 0, f + 1, NULL, NULL, 1, 0, 0, NULL, NULL};
	struct record yd = {"yd\n", true, 0, 0, g, NULL, NULL, 2, 0, 0, NULL, NULL};
	struct record a2 = {"a2\n", true, 0, 0, f, NULL, NULL, 1, 0, 0, NULL, NULL};
	struct recfile cout = {"out/c", {6, 6, 6, 0}, 0, false};
	struct statelog s, bypath;
	size_t k, round;

	c.outs = &cout;
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert(statelog_open(&s, dir, true));
	ck_assert(statelog_append(&s, &ab));
	ck_assert(statelog_append(&s, &c));
	ck_assert(statelog_append(&s, &b));
	ck_assert(statelog_append(&s, &yd));
	statelog_close(&s);
	for (round = 0; round < 2; round++) {
		statelog_init(&s);
		s.intern = slotted_path;
		s.intern_ctx = &t;
		s.nslots = t.nslots;
		s.lazy = round == 1;
		ck_assert(statelog_load(&s, dir, true));
		ck_assert(statelog_open(&bypath, dir, false));
		ck_assert_uint_eq(s.nbyslot, 3); /* out/a, out/c, out/b; y has none */
		for (k = 0; k < LEN(paths); k++)
			ck_assert_str_eq(script_of(&s, paths[k]), script_of(&bypath, paths[k]));
		ck_assert_str_eq(script_of(&s, "out/b"), "b\n");
		ck_assert_str_eq(script_of(&s, "out/d"), "yd\n");
		ck_assert_ptr_eq(statelog_getat(&s, "out/c", 1), statelog_get(&s, "out/c"));
		ck_assert_ptr_eq(statelog_getat(&s, "out/d", 3), statelog_get(&s, "out/d"));
		ck_assert_ptr_null(statelog_getat(&s, "none", UINT32_MAX));
		statelog_close(&bypath);
		/* a newer record of out/a alone: out/b keeps its own */
		if (round == 0)
			ck_assert(statelog_append(&s, &a2));
		ck_assert_str_eq(script_of(&s, "out/a"), "a2\n");
		ck_assert_str_eq(script_of(&s, "out/b"), "b\n");
		statelog_close(&s);
	}
	remove_logdir(dir);
}
END_TEST

/* A path first numbered in this run has no slot kept: a record that another
 * baton (run by a job) appends for it is kept by path, and found by the slot
 * the caller knows all the same; a newer one of this baton's replaces it. */
START_TEST(slots_and_records_of_a_nested_baton)
{
	char dir[] = "/tmp/baton-test-statelog-XXXXXX";
	const char *held[] = {"out/new", "out/old", NULL};
	struct slotted t = {held, 2};
	struct recfile f[2] = {{"out/new", {1, 1, 1, 0}, 0, false}, {"out/old", {2, 2, 2, 0}, 0, false}};
	struct record r1 = {"r1\n", true, 0, 0, f, NULL, NULL, 1, 0, 0, NULL, NULL};
	struct record r2 = {"r2\n", true, 0, 0, f, NULL, NULL, 1, 0, 0, NULL, NULL};
	struct record r3 = {"r3\n", true, 0, 0, f + 1, NULL, NULL, 1, 0, 0, NULL, NULL};
	struct record r4 = {"r4\n", true, 0, 0, f, NULL, NULL, 1, 0, 0, NULL, NULL};
	struct statelog s, inner;
	struct buf var = {0};

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert(statelog_open(&s, dir, true));
	ck_assert(statelog_append(&s, &r3));
	statelog_close(&s);
	statelog_init(&s);
	s.intern = slotted_path;
	s.intern_ctx = &t;
	s.nslots = t.nslots;
	s.lazy = true;
	ck_assert(statelog_load(&s, dir, true));
	ck_assert_str_eq(script_of(&s, "out/new"), "");
	ck_assert(statelog_append(&s, &r1)); /* numbers out/new */
	/* a baton run by a job appends its record of out/new */
	ck_assert(statelog_nestvar(&s, &var));
	ck_assert_int_eq(putenv(var.s), 0);
	ck_assert(statelog_open(&inner, dir, true));
	ck_assert(inner.nested);
	ck_assert(statelog_append(&inner, &r2));
	statelog_close(&inner);
	ck_assert_int_eq(unsetenv("BATON_LOCKED"), 0);
	ck_assert(statelog_append(&s, &r3)); /* reads what the other appended */
	ck_assert_str_eq(script_of(&s, "out/new"), "r2\n");
	ck_assert_ptr_eq(statelog_getat(&s, "out/new", 0), statelog_get(&s, "out/new"));
	ck_assert(statelog_append(&s, &r4));
	ck_assert_str_eq(script_of(&s, "out/new"), "r4\n");
	ck_assert_str_eq(script_of(&s, "out/old"), "r3\n");
	statelog_close(&s);
	ck_assert(statelog_open(&s, dir, false));
	ck_assert_str_eq(script_of(&s, "out/new"), "r4\n");
	statelog_close(&s);
	buf_free(&var);
	buf_printf(&var, "%s/lock.1", dir); /* the inner baton's */
	ck_assert_int_eq(unlink(var.s), 0);
	buf_free(&var);
	remove_logdir(dir);
}
END_TEST

/* Load the log in dir as a build does: what only inputs name, later. */
static void lazyload(struct statelog *s, const char *dir, bool write)
{
	statelog_init(s);
	s->lazy = true;
	ck_assert(statelog_load(s, dir, write));
}

/* A lazy load (a build's) reads the batch of paths that only inputs name when
 * a record is read whole or appended, not before: a build that is up to date
 * needs only the outputs and the depfile inputs. Its numbers are kept from
 * being given again meanwhile; a batch damaged since the load leaves the
 * records that name its paths damaged, nothing else. */
START_TEST(lazy_inputs_read_when_needed)
{
	char dir[] = "/tmp/baton-test-statelog-XXXXXX", path[64], out[32], src[32], dep[32];
	char script[192], was[1];
	enum { N = 400 };
	struct recfile o = {out, {1, 2, 3, 0}, 0, false};
	struct recfile i[2] = {{src, {4, 5, 6, 0}, 0, false}, {"lib/shared.c", {7, 8, 9, 0}, 0, false}};
	struct recfile d = {dep, {10, 11, 12, 0}, 0, false};
	struct record r = {script, true, 3, 0, &o, i, &d, 1, 2, 1, NULL, NULL};
	static char kinds[4 * N];
	const struct record *got;
	struct statelog s;
	uint64_t size = 0;
	uint32_t n, inputs;
	long at;
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/log", dir);
	ck_assert(statelog_open(&s, dir, true));
	append_objects(&s, &r, N, out, src, dep, script);
	statelog_close(&s);
	kinds_of(path, kinds, sizeof(kinds));
	ck_assert(kinds[0] == ENTRY_PATHS && kinds[1] == ENTRY_INPATHS && kinds[2] == ENTRY_HEAD);
	/* numbered: the outputs and depfile inputs first, the inputs after */
	lazyload(&s, dir, true);
	inputs = 2 * N;
	ck_assert_uint_eq(statelog_npaths(&s), 3 * N + 1);
	ck_assert_str_eq(statelog_path(&s, statelog_depids(statelog_get(&s, "obj/7.o"), &n)[0]),
			 "inc/7.h");
	ck_assert_ptr_null(statelog_path(&s, inputs));
	ck_assert_ptr_null(statelog_path(&s, 3 * N));
	ck_assert_uint_eq(s.later.n, 1);
	got = statelog_find(&s, "obj/123.o");
	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got->ins[0].path, "src/123.c");
	ck_assert_str_eq(got->ins[1].path, "lib/shared.c");
	ck_assert_ptr_nonnull(statelog_path(&s, inputs));
	ck_assert_uint_eq(s.later.n, 0);
	statelog_close(&s);
	/* appended: the inputs it names have their numbers already */
	lazyload(&s, dir, true);
	ck_assert_ptr_null(statelog_path(&s, inputs));
	snprintf(out, sizeof(out), "obj/new.o");
	snprintf(src, sizeof(src), "src/5.c");
	snprintf(dep, sizeof(dep), "inc/5.h");
	ck_assert(statelog_append(&s, &r));
	ck_assert_uint_eq(statelog_npaths(&s), 3 * N + 2);
	statelog_close(&s);
	kinds_of(path, kinds, sizeof(kinds));
	ck_assert_str_eq(kinds + N + 2, "bpr");
	/* the batch damaged after the load: the records that name its paths are */
	lazyload(&s, dir, false);
	at = entry_at(path, ENTRY_INPATHS, &size);
	ck_assert_int_gt(at, 0);
	fd = open(path, O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, was, 1, at + (long)size - 1), 1);
	ck_assert_int_eq(pwrite(fd, was[0] == 'X' ? "Y" : "X", 1, at + (long)size - 1), 1);
	ck_assert_ptr_nonnull(statelog_get(&s, "obj/9.o"));
	ck_assert_ptr_null(statelog_find(&s, "obj/9.o"));
	ck_assert_ptr_null(statelog_path(&s, inputs));
	ck_assert_str_eq(statelog_path(&s, statelog_depids(statelog_get(&s, "obj/9.o"), &n)[0]),
			 "inc/9.h");
	statelog_close(&s);
	ck_assert_int_eq(pwrite(fd, was, 1, at + (long)size - 1), 1); /* as it was */
	close(fd);
	/* a path only inputs named made by a record appended whole: its number
	 * is read when that record is, not taken for damage */
	lazyload(&s, dir, true);
	r.outs = &i[1];
	ck_assert(statelog_append(&s, &r));
	statelog_close(&s);
	kinds_of(path, kinds, sizeof(kinds));
	ck_assert_str_eq(kinds + N + 2, "bprr");
	lazyload(&s, dir, false);
	ck_assert_uint_eq(s.later.n, 0);
	ck_assert_uint_eq(s.lines, N + 2);
	ck_assert_ptr_nonnull(statelog_get(&s, "lib/shared.c"));
	ck_assert_str_eq(statelog_find(&s, "lib/shared.c")->script, script);
	statelog_close(&s);
	r.outs = &o;
	remove_logdir(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("statelog");
	TCase *tc = tcase_create("statelog");

	tcase_add_test(tc, roundtrip);
	tcase_add_test(tc, lazy_inputs_read_when_needed);
	tcase_add_test(tc, slots_find_what_paths_find);
	tcase_add_test(tc, slots_and_records_of_a_nested_baton);
	tcase_add_test(tc, truncated_at_every_byte);
	tcase_add_test(tc, one_record_read_at_a_time);
	tcase_add_test(tc, damaged_lines_are_skipped);
	tcase_add_test(tc, depfiles);
	tcase_add_test(tc, depfile_inputs_by_number);
	tcase_add_test(tc, compacted_by_rename);
	tcase_add_test(tc, compacted_by_size);
	tcase_add_test(tc, compacted_heads_together);
	tcase_add_test(tc, newer_record_reuses_the_entry);
	tcase_add_test(tc, long_line_read_in_pieces);
	tcase_add_test(tc, long_record_written_in_pieces);
	tcase_add_test(tc, found_through_any_output);
	tcase_add_test(tc, header_hashes);
	tcase_add_test(tc, nul_in_a_path_is_damage);
	tcase_add_test(tc, keys_held_by_the_caller);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
