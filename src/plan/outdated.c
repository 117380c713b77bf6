/* Whether an edge is out of date by what it did last time: its record in the
 * state log against the files and the recipe now, with the reasons for
 * --explain. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "graph/graph.h"
#include "os/fs.h"
#include "os/os.h"
#include "plan/internal.h"
#include "plan/recipe.h"
#include "state/statelog.h"

void outdated_why(const struct plan *p, struct buf *w, const char *fmt, ...)
{
	va_list ap;
	char line[4096];

	if (!p->o.explain)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	buf_printf(w, "%s\n", line);
}

/* A time in ns as seconds since the epoch, to the ns: -1.500000000 for
 * -1500000000 ns. */
static void putns(struct buf *b, int64_t ns)
{
	uint64_t abs = ns < 0 ? 0 - (uint64_t)ns : (uint64_t)ns;

	buf_printf(b, "%s%llu.%09llu", ns < 0 ? "-" : "", (unsigned long long)(abs / 1000000000),
		   (unsigned long long)(abs % 1000000000));
}

/* How a file's stat data (and content hash, when both hashes are given) changed. */
static void statdiff(struct buf *b, const struct filestat *old, const struct filestat *now,
		     const uint64_t *oldhash, const uint64_t *newhash)
{
	const char *sep = " (";

	if (now->mtime == MTIME_MISSING) {
		buf_puts(b, " (it is missing now)");
		return;
	}
	if (old->mtime == MTIME_MISSING) {
		buf_puts(b, " (it was missing)");
		return;
	}
	if (old->mtime != now->mtime) {
		buf_printf(b, "%smtime ", sep);
		putns(b, old->mtime);
		buf_puts(b, " -> ");
		putns(b, now->mtime);
		sep = ", ";
	}
	if (old->size != now->size) {
		buf_printf(b, "%ssize %lld -> %lld", sep, (long long)old->size, (long long)now->size);
		sep = ", ";
	}
	if (old->ino != now->ino) {
		buf_printf(b, "%sinode %llu -> %llu", sep, (unsigned long long)old->ino,
			   (unsigned long long)now->ino);
		sep = ", ";
	}
	if (old->ctime != now->ctime && !filestat_written(old, now)) {
		buf_printf(b, "%sctime %lld.%09lld -> %lld.%09lld", sep,
			   (long long)(old->ctime / 1000000000), (long long)(old->ctime % 1000000000),
			   (long long)(now->ctime / 1000000000), (long long)(now->ctime % 1000000000));
		sep = ", ";
	}
	if (oldhash && newhash && *oldhash != *newhash) {
		buf_printf(b, "%shash %016llx -> %016llx", sep, (unsigned long long)*oldhash,
			   (unsigned long long)*newhash);
		sep = ", ";
	}
	if (*sep == ',')
		buf_putc(b, ')');
}

/* The lines of a and b that differ, as "  -old" and "  +new" lines. */
static void textdiff(struct buf *b, const char *a, const char *c)
{
	const char *ae = a + strlen(a), *ce = c + strlen(c), *p;

	/* skip the lines both start and end with */
	for (;;) {
		const char *an = strchr(a, '\n'), *cn = strchr(c, '\n');
		if (!an || !cn || an - a != cn - c || memcmp(a, c, (size_t)(an - a)))
			break;
		a = an + 1;
		c = cn + 1;
	}
	while (ae > a && ce > c) {
		const char *as = ae - 1, *cs = ce - 1;
		while (as > a && as[-1] != '\n')
			as--;
		while (cs > c && cs[-1] != '\n')
			cs--;
		if (ae - as != ce - cs || memcmp(as, cs, (size_t)(ae - as)))
			break;
		ae = as;
		ce = cs;
	}
	for (p = a; p < ae;) {
		const char *n = memchr(p, '\n', (size_t)(ae - p));
		size_t len = n ? (size_t)(n - p) : (size_t)(ae - p);
		buf_printf(b, "  -%.*s\n", (int)len, p);
		p += len + 1;
	}
	for (p = c; p < ce;) {
		const char *n = memchr(p, '\n', (size_t)(ce - p));
		size_t len = n ? (size_t)(n - p) : (size_t)(ce - p);
		buf_printf(b, "  +%.*s\n", (int)len, p);
		p += len + 1;
	}
}

/* Whether a file that e reads changed since its record (was): in any field for
 * a source file, but not in its ctime alone for one a rule makes (a hard link
 * made to it, as ln does, changes that, and one job's link must not make
 * another that linked the same file run again). */
static bool inchanged(const struct node *n, const struct filestat *now,
		      const struct filestat *was)
{
	return n->gen ? filestat_written(now, was) : filestat_differ(now, was);
}

/* Whether an input whose stat changed since the record still has the same content;
 * *hashed says whether *h holds its hash now. */
static bool samecontent(const struct plan_opts *o, const struct edge *e, const struct recfile *rf,
			const char *path, uint64_t *h, bool *hashed)
{
	*hashed = false;
	if (!rf->hashed || !(o->content || ast_getattr(e->rule, "content")))
		return false;
	*hashed = o->fs->hash && o->fs->hash(o->fs->ctx, path, h);
	return *hashed && *h == rf->hash;
}

/* Whether e's outputs, inputs and depfile inputs are those of record r, with the
 * same stat data: one digest instead of reading the record's file list. */
static bool samefiles(const struct plan *p, struct edge *e, const struct logentry *le)
{
	uint64_t h = 0;
	uint32_t i;

	if (!statelog_samecounts(le, e->nout, e->nin))
		return false;
	for (i = 0; i < e->nout; i++)
		h = logline_digest(h, edge_out(e)[i]->path, edge_out(e)[i]->len, plan_stat(p, edge_out(e)[i]));
	for (i = 0; i < e->nin; i++)
		h = logline_digest(h, e->in[i]->path, e->in[i]->len, plan_stat(p, e->in[i]));
	for (; i < e->nimp; i++)
		h = logline_depdigest(h, plan_stat(p, e->in[i]));
	return h == le->files_hash;
}

bool outdated_samenow(struct plan *p, const struct edge *e, uint32_t i)
{
	const struct plan_opts *o = &p->o;
	const struct logentry *le;
	const struct record *r;
	const struct recfile *rf;
	uint64_t h;

	if (!(o->content || ast_getattr(e->rule, "content")) || !o->log || !o->fs->hash ||
	    !(le = plan_record(p, e)) || !(r = statelog_read(o->log, le)))
		return false;
	if (i < e->nin && r->nin == e->nin)
		rf = &r->ins[i];
	else if (i >= e->nin && i - e->nin < r->ndep)
		rf = &r->deps[i - e->nin];
	else
		return false;
	return rf->hashed && !strcmp(rf->path, e->in[i]->path) &&
	       o->fs->hash(o->fs->ctx, e->in[i]->path, &h) && h == rf->hash;
}

bool outdated_record(struct plan *p, struct edge *e, const struct logentry *le, struct buf *w,
		     bool *stale)
{
	const struct plan_opts *o = &p->o;
	const struct record *r;
	bool self = false, hashed;
	uint64_t h;
	uint32_t i;

	if (!le->ok) {
		self = true;
		outdated_why(p, w, "the last run failed");
	}
	if (o->vars) {
		/* kept only for a job that runs for it: the job of an edge that is up
		 * to date, or that runs for its inputs' sake, expands it again */
		const char *script = plan_script(p, e);
		p->scratch.len = 0;
		if (!script && recipe_expand(&p->rx, e, &p->scratch))
			script = p->scratch.s ? p->scratch.s : "";
		if (script && logline_scripthash(script) != le->script_hash) {
			if (!plan_script(p, e))
				*plan_byid(&p->scripts, &p->nscripts, &p->capscripts, e->id) = script =
					arena_strndup(&p->a, script, p->scratch.len);
			self = true;
			if (o->explain && (r = statelog_read(o->log, le))) {
				buf_puts(w, "recipe changed:\n");
				textdiff(w, r->script, script);
			}
		}
	}
	if (samefiles(p, e, le))
		return self;
	*stale = true; /* unless something below is a reason to run */
	if (!(r = statelog_read(o->log, le))) {
		outdated_why(p, w, "its record in the state log is damaged");
		return true;
	}
	if (r->nout != e->nout || r->nin != e->nin) {
		outdated_why(p, w, "its outputs or inputs are not those of the last run");
		return true;
	}
	for (i = 0; i < e->nout; i++) {
		const struct filestat *st = plan_stat(p, edge_out(e)[i]);
		if (strcmp(r->outs[i].path, edge_out(e)[i]->path)) {
			outdated_why(p, w, "its outputs are not those of the last run");
			return true;
		}
		/* an output changed since baton made it (edited, touched, put back from
		 * elsewhere) is not what the recipe makes: a clean build would differ.
		 * Not its ctime alone: a hard link made to it (ln) changes that */
		if (r->ok && st->mtime != MTIME_MISSING && filestat_written(st, &r->outs[i].st)) {
			self = true;
			if (o->explain) {
				buf_printf(w, "output '%s' changed since the last run",
					   edge_out(e)[i]->path);
				statdiff(w, &r->outs[i].st, st, NULL, NULL);
				buf_putc(w, '\n');
			}
		}
	}
	for (i = 0; i < e->nin; i++) {
		struct node *n = e->in[i];
		const struct filestat *st = plan_stat(p, n);
		if (strcmp(r->ins[i].path, n->path)) {
			outdated_why(p, w, "its inputs are not those of the last run");
			return true;
		}
		if (inchanged(n, st, &r->ins[i].st) &&
		    !samecontent(o, e, &r->ins[i], n->path, &h, &hashed)) {
			self = true;
			if (o->explain) {
				buf_printf(w, "input '%s' changed", n->path);
				statdiff(w, &r->ins[i].st, st, &r->ins[i].hash, hashed ? &h : NULL);
				buf_putc(w, '\n');
			}
		}
	}
	for (i = e->nin; i < e->nimp && i - e->nin < r->ndep; i++) {
		struct node *n = e->in[i];
		const struct filestat *st = plan_stat(p, n);
		const struct recfile *rf = &r->deps[i - e->nin];
		if (n->flags & NODE_DROPPED)
			continue; /* it closed a cycle: not an input */
		if (inchanged(n, st, &rf->st) && !samecontent(o, e, rf, n->path, &h, &hashed)) {
			self = true;
			if (o->explain) {
				buf_printf(w, "input '%s' (from the depfile) changed", n->path);
				statdiff(w, &rf->st, st, &rf->hash, hashed ? &h : NULL);
				buf_putc(w, '\n');
			}
		}
	}
	return self;
}

