#include "run/record.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "state/depfile.h"
#include "lang/diag.h"
#include "base/path.h"
#include "plan/recipe.h"

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static bool wants_content(const struct outcome_ctx *c, const struct edge *e)
{
	return c->content || ast_getattr(e->rule, "content");
}

static void statfile(struct recfile *rf, const char *path, bool hash)
{
	rf->path = path;
	os_stat(path, &rf->st);
	rf->hashed = hash && rf->st.mtime != MTIME_MISSING && os_hash(path, &rf->hash);
}

void outcome_start(const struct outcome_ctx *c, struct outcome *o, const struct edge *e)
{
	bool hash = wants_content(c, e);
	uint32_t i;

	memset(o, 0, sizeof(*o));
	o->start_ns = now_ns();
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

void outcome_free(struct outcome *o)
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

static bool record(const struct outcome_ctx *c, struct outcome *o, struct edge *e, bool ok,
		   struct recfile *deps, uint32_t ndep, uint64_t rss_kb)
{
	struct recfile *outs = xcalloc(e->nout, sizeof(*outs));
	struct record r = {0};
	int64_t ms = (now_ns() - o->start_ns) / 1000000;
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
	r.in = nodein;
	r.inctx = e;
	r.deps = deps;
	r.ndep = ndep;
	done = statelog_append(c->log, &r);
	free(outs);
	return done;
}

/* Read the depfile named by e's attribute into deps; false after reporting. */
static bool readdeps(const struct outcome_ctx *c, struct edge *e, struct arena *a,
		     struct recfile **deps, uint32_t *ndep)
{
	const char *path = recipe_attr(c->vars, e, "depfile", a), *err = NULL;
	struct list l = {0};
	struct buf text = {0};
	char chunk[65536];
	ssize_t n = 0;
	uint32_t i;
	int fd;

	*deps = NULL;
	*ndep = 0;
	if (!path)
		return true;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		diag_error(e->loc, "'%s' failed: cannot read its depfile '%s': %s",
			   edge_name(e), path, strerror(errno));
		return false;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		buf_add(&text, chunk, (size_t)n);
	}
	close(fd);
	if (n < 0 || !depfile_parse(text.s ? text.s : "", text.len, a, &l, &err)) {
		diag_error(e->loc, "'%s' failed: its depfile '%s' %s%s", edge_name(e), path,
			   n < 0 ? "cannot be read: " : "is not valid: ",
			   n < 0 ? strerror(errno) : err);
		buf_free(&text);
		list_free(&l);
		return false;
	}
	*deps = xcalloc(l.n + 1, sizeof(**deps));
	for (i = 0; i < l.n; i++) {
		char *p = arena_strdup(a, l.v[i]);
		uint32_t k;
		path_canon(p, strlen(p));
		/* the explicit inputs are recorded already */
		for (k = 0; k < e->nin && strcmp(e->in[k]->path, p); k++)
			;
		if (k == e->nin)
			statfile(&(*deps)[(*ndep)++], p, wants_content(c, e));
	}
	buf_free(&text);
	list_free(&l);
	return true;
}

bool outcome_success(const struct outcome_ctx *c, struct outcome *o, struct edge *e,
		     uint64_t rss_kb)
{
	struct filestat st;
	struct recfile *deps = NULL;
	struct arena a = {0};
	uint32_t i, ndep = 0;
	bool ok = true;

	e->changed = false;
	for (i = 0; i < e->nout; i++) {
		os_stat(edge_out(e)[i]->path, &st);
		if (e->rule->kind == ST_TASK || filestat_differ(&st, &edge_out(e)[i]->st) ||
		    st.mtime == MTIME_MISSING)
			e->changed = true;
		edge_out(e)[i]->st = st;
	}
	if (!c->log || e->rule->kind == ST_TASK)
		return true;
	if (!readdeps(c, e, &a, &deps, &ndep))
		ok = false;
	if (!record(c, o, e, ok, deps, ndep, rss_kb)) {
		diag_error(e->loc, "'%s' ran, but baton could not record it", edge_name(e));
		ok = false;
	}
	free(deps);
	arena_free(&a);
	return ok;
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

void outcome_failure(const struct outcome_ctx *c, struct outcome *o, struct edge *e,
		     uint64_t rss_kb)
{
	struct filestat st;
	struct stat lst;
	uint32_t i;

	e->changed = true;
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
			fprintf(stderr, "baton: deleted '%s'\n", path);
		else
			fprintf(stderr, "baton: could not delete '%s': %s\n", path, strerror(errno));
		os_stat(path, &edge_out(e)[i]->st);
	}
	if (c->log && e->rule->kind != ST_TASK)
		record(c, o, e, false, NULL, 0, rss_kb);
}
