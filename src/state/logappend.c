/* Appending a record to the state log: an entry for each path it names
 * that has no number yet, then the record; what another baton appended
 * meanwhile is read first, as it numbers paths too. */
#include "state/statelog.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "base/out.h"
#include "os/os.h"
#include "state/logfile.h"

#define XXH_INLINE_ALL /* as in htab.c: log checksums are htab_hash */
#include <xxhash.h>

/* Count the first output of a record appended but not kept, by its hash. */
static void addkey(struct statelog *s, uint64_t h)
{
	size_t i, mask, cap;
	uint64_t *old = s->added.v;

	h = h ? h : 1;
	if ((s->added.n + 1) * 2 > s->added.cap) {
		cap = s->added.cap ? s->added.cap * 2 : 64;
		s->added.v = xcalloc(cap, sizeof(*s->added.v));
		for (i = 0; i < s->added.cap; i++) {
			size_t j;
			if (!old[i])
				continue;
			for (j = old[i] & (cap - 1); s->added.v[j]; j = (j + 1) & (cap - 1))
				;
			s->added.v[j] = old[i];
		}
		free(old);
		s->added.cap = cap;
	}
	mask = s->added.cap - 1;
	for (i = h & mask; s->added.v[i]; i = (i + 1) & mask) {
		if (s->added.v[i] == h)
			return;
	}
	s->added.v[i] = h;
	s->added.n++;
}

/* Write b to the log once it holds limit bytes or more; false if that fails. */
static bool flush(struct statelog *s, struct buf *b, size_t limit, uint64_t *written)
{
	if (b->len < limit)
		return true;
	if (!os_write_all(s->fd, b->s, b->len))
		return false;
	*written += b->len;
	b->len = 0;
	return true;
}

/* Write r at the end of the log, after an entry for each path it names that has
 * no number yet: ids gets the numbers of its files, *paths the bytes of those
 * entries, *len its own. An entry too long to hold whole is written a piece at
 * a time, its body's sum last. */
static bool writerecord(struct statelog *s, const struct record *r, uint32_t *ids,
			uint64_t *paths, uint64_t *len)
{
	struct linecursor c = {r, ids, 0, 0};
	struct buf b = {0};
	struct recfile tmp;
	XXH3_state_t st;
	uint64_t k, n = (uint64_t)r->nout + r->nin + r->ndep, written = 0, body;
	size_t from;
	uint32_t slot;
	bool ok = true, more;

	for (k = 0; ok && k < n; k++) {
		const char *path = logline_file(r, k, &tmp)->path;
		size_t plen = strlen(path);
		ids[k] = logpaths_find(&s->paths, path, plen);
		if (ids[k] == UINT32_MAX) {
			/* (no record is kept by its slot: a new path has none) */
			ids[k] = logpaths_add(&s->paths, log_keep(s, path, plen, &slot));
			logline_path(&b, ids[k], path, plen);
			ok = flush(s, &b, LINE_PIECE, &written);
		}
	}
	*paths = written + b.len;
	body = logline_bodylen(r);
	if (ok && body + ENTRY_HEADER + REC_HEAD + 4 * n + ENTRY_SUM > UINT32_MAX) {
		errno = EFBIG; /* an entry the log does not read */
		ok = false;
	}
	if (ok)
		logline_head(&b, r, ids, (uint32_t)body);
	XXH3_64bits_reset(&st);
	for (more = ok; more && ok;) {
		from = b.len;
		more = logline_body(&c, &b, from + LINE_PIECE);
		XXH3_64bits_update(&st, b.s + from, b.len - from);
		ok = flush(s, &b, LINE_PIECE, &written);
	}
	if (ok) {
		logline_sum(&b, XXH3_64bits_digest(&st));
		ok = flush(s, &b, 0, &written);
	}
	*len = written - *paths;
	buf_free(&b);
	return ok;
}

/* Keep r, whose entry of len bytes was just written at off, as the newest
 * record of its outputs; ids are the numbers of its files. */
static void keeprecord(struct statelog *s, const struct record *r, const uint32_t *ids,
		       uint64_t len, int64_t off)
{
	struct logentry h = {0};
	bool known = true;
	const char *keybuf[8], **keys = keybuf;
	size_t lenbuf[8], *lens = lenbuf;
	uint32_t slotbuf[8], *slots = slotbuf, k;

	h.len = (uint32_t)len;
	h.off = off;
	h.script_hash = logline_scripthash(r->script ? r->script : "");
	h.files_hash = logline_fileshash(r);
	h.deps = log_depids(s, r->ndep, NULL, ids + r->nout + r->nin, &known);
	h.ok = r->ok;
	h.duration_ms = r->duration_ms;
	h.nout = r->nout < LOG_MANYOUT ? r->nout : LOG_MANYOUT;
	h.nin = r->nin < LOG_MANYIN ? r->nin : LOG_MANYIN;
	if (r->nout > LEN(keybuf)) {
		keys = xmalloc(r->nout * sizeof(*keys));
		lens = xmalloc(r->nout * sizeof(*lens));
		slots = xmalloc(r->nout * sizeof(*slots));
	}
	for (k = 0; k < r->nout; k++) {
		keys[k] = statelog_path(s, ids[k]);
		lens[k] = strlen(r->outs[k].path);
		slots[k] = logpaths_slot(&s->paths, ids[k]);
	}
	log_keepentry(s, &h, keys, lens, slots, r->nout);
	if (keys != keybuf) {
		free(keys);
		free(lens);
		free(slots);
	}
}

bool statelog_append(struct statelog *s, const struct record *r)
{
	uint32_t *ids = xmalloc(((size_t)r->nout + r->nin + r->ndep + 1) * sizeof(*ids));
	uint32_t numbered = logpaths_count(&s->paths);
	uint64_t paths = 0, len = 0;
	size_t keylen;
	bool ok;

	/* a baton run by a job may append to the same file: each record is
	 * written whole under the file's lock, and where it goes is found there */
	ok = s->fd >= 0 && s->end >= 0 && flock(s->fd, LOCK_EX) == 0;
	if (ok) {
		int64_t end = lseek(s->fd, 0, SEEK_END);
		/* what it appended numbers paths: those numbers are taken first */
		if (end > s->end)
			log_foreign(s, s->end, end);
		s->end = end;
		/* the paths it names may have numbers already */
		log_readlater(s);
		numbered = logpaths_count(&s->paths);
		ok = end >= 0 && writerecord(s, r, ids, &paths, &len);
		flock(s->fd, LOCK_UN);
	}
	if (!ok) {
		if (!s->failed)
			out_note("error: cannot write the state log '%s': %s",
				s->path, s->fd < 0 ? "not open" : strerror(errno));
		s->failed = true;
		/* part of it may be there: find the end again, and give the paths
		 * numbered for it numbers of their own next time */
		logpaths_drop(&s->paths, numbered);
		if (s->fd >= 0)
			s->end = lseek(s->fd, 0, SEEK_END);
		free(ids);
		return false;
	}
	/* an output that had a record gets this one as its newest, kept like the
	 * records loaded with it; the others only count: a full build of many jobs
	 * keeps no record of them in memory */
	s->pathbytes += paths;
	s->heads += paths;
	s->tail += len;
	keylen = strlen(r->outs[0].path);
	if (log_firstof(s, r->outs[0].path, keylen, logpaths_slot(&s->paths, ids[0]))) {
		keeprecord(s, r, ids, len, s->end + (int64_t)paths);
	} else {
		addkey(s, htab_hash(r->outs[0].path, keylen));
		s->added.bytes += len;
		s->lines++;
	}
	s->end += (int64_t)(paths + len);
	free(ids);
	return true;
}
