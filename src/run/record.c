#include "run/record.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/htab.h"
#include "base/out.h"
#include "base/path.h"
#include "graph/graph.h"
#include "lang/diag.h"
#include "plan/plan.h"
#include "plan/recipe.h"
#include "state/depfile.h"
#include "state/statelog.h"

static bool wants_content(const struct recorder *c, const struct edge *e)
{
	return c->content || ast_getattr(e->rule, "content");
}

static void statfile(struct recfile *rf, const char *path, bool hash)
{
	rf->path = path;
	os_stat(path, &rf->st);
	rf->hashed = hash && rf->st.mtime != MTIME_MISSING && os_hash(path, &rf->hash);
}

void record_start(const struct recorder *c, struct jobrec *o, const struct edge *e, int64_t now)
{
	bool hash = wants_content(c, e);
	uint32_t i;

	memset(o, 0, sizeof(*o));
	o->start_ns = now;
	if (!c->log || e->rule->kind == ST_TASK)
		return;
	o->nin = e->nin;
	/* inputs the planner stated, or whose jobs ended, keep that stat while the
	 * job runs (what made them is done): the record reads them from the nodes */
	for (i = 0; !hash && i < e->nin && (e->in[i]->flags & NODE_STATED); i++)
		;
	if (!hash && i == e->nin)
		return;
	o->ins = xcalloc(e->nin + 1, sizeof(*o->ins));
	for (i = 0; i < e->nin; i++) {
		const struct node *n = e->in[i];
		struct recfile *rf = &o->ins[i];
		if (!(n->flags & NODE_STATED)) {
			statfile(rf, n->path, hash);
			continue;
		}
		/* the planner's stat, or the one taken when the job making it ended:
		 * no older than what the job is about to read */
		rf->path = n->path;
		rf->st = n->st;
		rf->hashed = hash && rf->st.mtime != MTIME_MISSING && os_hash(n->path, &rf->hash);
	}
}

static bool append(const struct recorder *c, struct jobrec *o, struct edge *e, bool ok,
		   struct recfile *deps, uint32_t ndep, int64_t now, uint64_t rss_kb);

void record_begun(const struct recorder *c, struct jobrec *o, struct edge *e, int64_t now)
{
	/* with a record, a job killed halfway leaves outputs unlike the record's,
	 * and runs again; without one, a half-written output newer than its
	 * inputs would pass for made: a failed run is noted first */
	struct jobrec none = *o;

	/* it says only that a run failed: no input is needed for that (a job
	 * of 10,000 inputs would write them all twice) */
	none.ins = NULL;
	none.nin = 0;
	if (c->log && e->rule->kind != ST_TASK && !statelog_get(c->log, edge_out(e)[0]->path))
		append(c, &none, e, false, NULL, 0, now, 0);
}

void record_free(struct jobrec *o)
{
	free(o->ins);
	o->ins = NULL;
}

/* An input of the edge at ctx as its node has it. */
static const struct recfile *nodein(const void *ctx, uint32_t i, struct recfile *tmp)
{
	const struct node *n = ((const struct edge *)ctx)->in[i];

	tmp->path = n->path;
	tmp->st = n->st;
	tmp->hash = 0;
	tmp->hashed = false;
	return tmp;
}

static bool append(const struct recorder *c, struct jobrec *o, struct edge *e, bool ok,
		   struct recfile *deps, uint32_t ndep, int64_t now, uint64_t rss_kb)
{
	struct recfile *outs = xcalloc(e->nout, sizeof(*outs));
	struct record r = {0};
	int64_t ms = (now - o->start_ns) / 1000000;
	uint32_t i;
	bool done;

	for (i = 0; i < e->nout; i++) {
		outs[i].path = edge_out(e)[i]->path;
		outs[i].st = edge_out(e)[i]->st;
	}
	r.script = o->script;
	r.ok = ok;
	r.duration_ms = ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
	r.rss_kb = rss_kb;
	r.outs = outs;
	r.nout = e->nout;
	r.ins = o->ins;
	r.nin = o->nin;
	r.in = o->nin ? nodein : NULL;
	r.inctx = e;
	r.deps = deps;
	r.ndep = ndep;
	done = statelog_append(c->log, &r);
	free(outs);
	return done;
}

/* Read the depfile named by e's attribute into deps; false after reporting. */
static bool readdeps(const struct recorder *c, struct edge *e, struct arena *a,
		     struct recfile **deps, uint32_t *ndep)
{
	const char *path = recipe_attr(c->rx, e, "depfile", a), *err = NULL;
	struct list l = {0};
	struct buf text = {0};
	struct htab seen = {0};
	uint32_t i;
	bool read;
	int fd;

	*deps = NULL;
	*ndep = 0;
	if (!path && ast_getattr(e->rule, "depfile")) {
		diag_error(e->loc, "'%s' failed: its depfile attribute could not be expanded",
			   edge_name(e));
		return false;
	}
	if (!path)
		return true;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		diag_error(e->loc, "'%s' failed: cannot read its depfile '%s': %s",
			   edge_name(e), path, strerror(errno));
		return false;
	}
	read = os_read_all(fd, &text);
	if (!read)
		err = strerror(errno);
	close(fd);
	if (!read || !depfile_parse(text.s ? text.s : "", text.len, a, &l, &err)) {
		diag_error(e->loc, "'%s' failed: its depfile '%s' %s%s", edge_name(e), path,
			   !read ? "cannot be read: " : "is not valid: ", err);
		buf_free(&text);
		list_free(&l);
		return false;
	}
	/* the explicit inputs are recorded already, and two paths the depfile
	 * writes apart may be one once canonical ("./a.h", "a.h") */
	for (i = 0; i < e->nin; i++)
		htab_slot(&seen, e->in[i]->path, e->in[i]->len)->val = e->in[i];
	*deps = xcalloc(l.n + 1, sizeof(**deps));
	for (i = 0; i < l.n; i++) {
		char *p = arena_strdup(a, l.v[i]);
		struct htab_entry *he = htab_slot(&seen, p, path_canon(p, strlen(p)));
		if (he->val)
			continue;
		he->val = p;
		statfile(&(*deps)[(*ndep)++], p, wants_content(c, e));
	}
	htab_free(&seen);
	buf_free(&text);
	list_free(&l);
	return true;
}

/* One file of a record written again: its path and hash as recorded, the stat
 * data of node n if it stands for that file. */
static void refreshed(struct recfile *to, const struct recfile *from, const struct node *n)
{
	*to = *from;
	if (n && !(n->flags & NODE_DROPPED) && (n->flags & NODE_STATED) &&
	    !strcmp(n->path, from->path))
		to->st = n->st;
}

void record_refresh(struct statelog *log, const struct plan *p)
{
	size_t k;
	uint32_t i;

	for (k = 0; k < p->nrefresh; k++) {
		const struct edge *e = p->refresh[k];
		const struct logentry *le = statelog_get(log, edge_out(e)[0]->path);
		const struct record *r = le ? statelog_read(log, le) : NULL;
		struct record n;
		struct recfile *f;
		if (!r || !r->ok || r->nout != e->nout || r->nin != e->nin ||
		    strcmp(r->outs[0].path, edge_out(e)[0]->path))
			continue;
		n = *r;
		f = xcalloc((size_t)r->nout + r->nin + r->ndep, sizeof(*f));
		n.outs = f;
		n.ins = f + r->nout;
		n.deps = n.ins + r->nin;
		for (i = 0; i < r->nout; i++)
			refreshed(&n.outs[i], &r->outs[i], edge_out(e)[i]);
		for (i = 0; i < r->nin; i++)
			refreshed(&n.ins[i], &r->ins[i], e->in[i]);
		for (i = 0; i < r->ndep; i++)
			refreshed(&n.deps[i], &r->deps[i],
				  e->nin + i < e->nimp ? e->in[e->nin + i] : NULL);
		statelog_append(log, &n);
		free(f);
	}
}

/* Whether path's directory is inside root. */
static bool inside(const char *root, const char *path)
{
	char dir[PATH_MAX], real[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t n = strlen(root);

	if (!slash)
		strcpy(dir, ".");
	else if (slash == path)
		strcpy(dir, "/");
	else if ((size_t)(slash - path) < sizeof(dir))
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	else
		return false;
	if (!realpath(dir, real))
		return false;
	return !strncmp(real, root, n) && (real[n] == '\0' || real[n] == '/' || n == 1);
}

/* Take the ctime of e's inputs as they are now, for those that changed only in
 * that while the job ran: most likely the job itself made a hard link to one
 * (ln), which is no reason to run it again next time. */
static void inputs_linked(struct jobrec *o, struct edge *e)
{
	struct filestat st;
	uint32_t i;

	for (i = 0; i < o->nin && i < e->nin; i++) {
		struct filestat *was = o->ins ? &o->ins[i].st : &e->in[i]->st;
		if (e->in[i]->gen)
			continue; /* its ctime is not compared (outdated.c) */
		os_stat(e->in[i]->path, &st);
		if (st.mtime == MTIME_MISSING || filestat_written(&st, was) || st.ctime == was->ctime)
			continue;
		was->ctime = st.ctime;
		if (!filestat_written(&st, &e->in[i]->st))
			e->in[i]->st = st; /* the graph's view of the file */
	}
}

/* Delete what e's job, which failed, wrote (unless precious). */
static void removeouts(const struct recorder *c, struct edge *e)
{
	struct filestat st;
	struct stat lst;
	uint32_t i;

	for (i = 0; i < e->nout && e->rule->kind != ST_TASK; i++) {
		const char *path = edge_out(e)[i]->path;
		os_stat(path, &st);
		if (lstat(path, &lst) < 0)
			continue;
		if (st.mtime != MTIME_MISSING && !filestat_differ(&st, &edge_out(e)[i]->st))
			continue; /* the job did not touch it */
		if (ast_getattr(e->rule, "precious") || S_ISDIR(lst.st_mode) ||
		    !inside(c->root, path))
			continue;
		if (unlink(path) == 0)
			out_note("deleted '%s'", path);
		else
			out_note("could not delete '%s': %s", path, strerror(errno));
		os_stat(path, &edge_out(e)[i]->st);
	}
}

bool record_success(const struct recorder *c, struct jobrec *o, struct edge *e, int64_t now,
		    uint64_t rss_kb, bool *changed)
{
	struct filestat st;
	struct recfile *deps = NULL;
	struct arena a = {0};
	uint32_t i, ndep = 0;
	bool ok = true, *same;

	*changed = e->rule->kind == ST_TASK;
	if (c->log && e->rule->kind != ST_TASK && !readdeps(c, e, &a, &deps, &ndep)) {
		/* the job counts as failed: what it wrote goes, as for any other */
		arena_free(&a);
		record_failure(c, o, e, now, rss_kb);
		return false;
	}
	inputs_linked(o, e);
	same = xcalloc(e->nout, sizeof(*same));
	for (i = 0; i < e->nout; i++) {
		struct node *n = edge_out(e)[i];
		os_stat(n->path, &st);
		same[i] = !filestat_differ(&st, &n->st) && st.mtime != MTIME_MISSING;
		*changed = *changed || !same[i];
		if (st.mtime == MTIME_MISSING && e->rule->kind != ST_TASK)
			warn("'%s' succeeded without making '%s' (it will run again on every "
			     "build)", edge_name(e), n->path);
		n->st = st;
	}
	for (i = 0; i < e->nout && *changed && c->plan && e->rule->kind != ST_TASK; i++) {
		if (same[i])
			plan_unchanged(c->plan, edge_out(e)[i]);
	}
	free(same);
	if (!c->log)
		return true;
	if (e->rule->kind == ST_TASK) {
		/* a task's record is only its duration, to weigh it next time */
		append(c, o, e, true, NULL, 0, now, rss_kb);
		return true;
	}
	if (!append(c, o, e, true, deps, ndep, now, rss_kb)) {
		diag_error(e->loc, "'%s' ran, but baton could not record it", edge_name(e));
		ok = false;
	}
	free(deps);
	arena_free(&a);
	return ok;
}

void record_failure(const struct recorder *c, struct jobrec *o, struct edge *e, int64_t now,
		    uint64_t rss_kb)
{
	removeouts(c, e);
	if (c->log)
		append(c, o, e, false, NULL, 0, now, rss_kb);
}
