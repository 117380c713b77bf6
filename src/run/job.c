#include "run/job.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "graph/graph.h"
#include "graph/pool.h"
#include "os/os.h"
#include "plan/plan.h"
#include "run/command.h"
#include "run/exec.h"
#include "run/loop.h"
#include "run/outlog.h"
#include "run/status.h"

struct job {
	struct edge *e;
	struct exec_job *h;
	struct command cmd;
	struct jobrec rec;
	struct jobview v; /* what the status shows of it */
	char *script;  /* its expanded recipe if the plan did not keep it: freed at the end */
	bool told;     /* the status knows it started */
};

/* A job's record, zeroed: one that ended, or a new one. */
static struct job *newjob(struct jobs *js)
{
	struct job *j = js->spare;

	if (!j) {
		j = xcalloc(1, sizeof(*j));
		output_init(&j->v.out);
		return j;
	}
	js->spare = (struct job *)j->e;
	j->e = NULL;
	return j;
}

/* j ended: keep it for the next job (as many are kept as ran at once). */
static void oldjob(struct jobs *js, struct job *j)
{
	struct output out = j->v.out;

	output_clear(&out);
	buf_free(&j->v.part);
	if (j->rec.ins)
		record_free(&j->rec);
	if (j->cmd.line || j->cmd.words || j->cmd.tmp)
		command_free(&j->cmd);
	free(j->script);
	memset(j, 0, sizeof(*j));
	j->v.out = out; /* its memory, for the next job's output */
	j->e = (struct edge *)js->spare;
	js->spare = j;
}

/* The job ended: print its output and its failure, record it. */
static void ended(void *ctx, void *job, int status, uint64_t rss_kb, const char *why)
{
	struct jobs *js = ctx;
	struct job *j = job;
	struct edge *e = j->e;
	int64_t now = js->x->simulated ? 0 : loop_now(js->loop);
	char what[128];
	bool ok = false, changed = true;
	size_t i;

	for (i = 0; i < js->nrun && js->run[i] != j; i++)
		;
	js->run[i] = js->run[--js->nrun];
	if (why)
		snprintf(what, sizeof(what), "%s", why);
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		ok = true;
	else if (WIFEXITED(status))
		snprintf(what, sizeof(what), "exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(what, sizeof(what), "killed by signal %d (%s)", WTERMSIG(status),
			 os_signame(WTERMSIG(status)));
	else
		snprintf(what, sizeof(what), "unknown status %d", status);
	outlog_add(js->outlog, edge_name(e), &j->v.out);
	/* (what is set only for a failure) */
	status_ended(js->status, &j->v, ok, ok || js->stopping ? NULL : what);
	if (js->x->simulated)
		changed = true; /* as far as a dry run can tell */
	else if (ok)
		ok = record_success(&js->rec, &j->rec, e, now, rss_kb, &changed);
	else
		record_failure(&js->rec, &j->rec, e, now, rss_kb);
	oldjob(js, j);
	sched_done(js->sched, e, ok, changed);
}

static void output(void *ctx, void *job, const char *p, size_t n)
{
	struct jobs *js = ctx;
	struct job *j = job;

	status_output(js->status, &j->v, p, n);
}

struct exec_events jobs_events(struct jobs *js)
{
	struct exec_events ev = {js, output, ended};
	return ev;
}

/* Whether e's job has the terminal: it is in the console pool. */
static bool inconsole(const struct jobs *js, const struct edge *e)
{
	const struct rulepools *rp = pool_of(js->plan->g, e->rule);
	uint32_t i;

	for (i = 0; rp && i < rp->n; i++) {
		if (rp->v[i].pool == POOL_CONSOLE)
			return true;
	}
	return false;
}

/* j's job could not start: it is shown as started, and as failed for what
 * (a printf format of one string, arg) and the error err (0: none). */
static void cannot(struct jobs *js, struct job *j, const char *what, const char *arg, int err)
{
	struct buf msg = {0};

	buf_printf(&msg, what, arg);
	if (err)
		buf_printf(&msg, ": %s", strerror(err));
	if (!j->told)
		status_started(js->status, &j->v, j->v.script);
	status_ended(js->status, &j->v, false, msg.s);
	buf_free(&msg);
}

/* Make the directories of e's outputs; false after reporting. */
static bool mkdirs(struct jobs *js, struct job *j, const struct edge *e)
{
	uint32_t i;

	for (i = 0; i < e->nout && e->rule->kind != ST_TASK; i++) {
		if (!os_mkdir_parents(edge_out(e)[i]->path)) {
			cannot(js, j, "cannot create the directory for '%s'", edge_out(e)[i]->path,
			       errno);
			return false;
		}
	}
	return true;
}

extern char **environ;

/* The length of the name of "NAME=value". */
static size_t namelen(const char *kv)
{
	const char *eq = strchr(kv, '=');

	return eq ? (size_t)(eq - kv) : strlen(kv);
}

void jobs_env(struct jobs *js, const struct list *set, const int *keep, size_t nkeep)
{
	size_t n = 0, i, k, len;
	char **v;

	js->keep = keep;
	js->nkeep = nkeep;
	if (!set->n)
		return;
	for (i = 0; environ[i]; i++)
		n++;
	v = arena_alloc(&js->envmem, (n + set->n + 1) * sizeof(*v));
	n = 0;
	for (i = 0; environ[i]; i++) {
		len = namelen(environ[i]);
		for (k = 0; k < set->n; k++) {
			if (namelen(set->v[k]) == len && !memcmp(set->v[k], environ[i], len))
				break;
		}
		if (k == set->n)
			v[n++] = arena_strdup(&js->envmem, environ[i]);
	}
	for (k = 0; k < set->n; k++) {
		len = namelen(set->v[k]);
		for (i = k + 1; i < set->n; i++) {
			if (namelen(set->v[i]) == len && !memcmp(set->v[i], set->v[k], len))
				break;
		}
		if (i == set->n) /* not set again later */
			v[n++] = arena_strdup(&js->envmem, set->v[k]);
	}
	v[n] = NULL;
	js->env = v;
}

/* Where e's job runs: its environment (the build's), and its [dir: PATH];
 * false after reporting that the directory is not one. */
static bool place(struct jobs *js, struct job *j, struct exec_spec *spec)
{
	const char *dir;
	struct stat st;
	int err;

	spec->env = js->env;
	spec->keep = js->keep;
	spec->nkeep = js->nkeep;
	if (!ast_getattr(j->e->rule, "dir"))
		return true;
	arena_reset(&js->scratch);
	dir = recipe_attr(&js->rx, j->e, "dir", &js->scratch);
	if (!dir) {
		cannot(js, j, "its [dir] attribute could not be expanded%s", "", 0);
		return false;
	}
	err = !*dir ? 0 : stat(dir, &st) < 0 ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
	if (err) {
		cannot(js, j, "cannot change to the directory '%s'", dir, err);
		return false;
	}
	spec->dir = *dir ? dir : NULL;
	return true;
}

static enum start_result start(void *ctx, struct edge *e)
{
	struct jobs *js = ctx;
	struct job *j = newjob(js);
	struct exec_spec spec = {0};
	const char *script, *step = NULL;
	char **argv = NULL;
	int rc;

	j->e = e;
	j->v.e = e;
	j->v.quiet = ast_getattr(e->rule, "quiet") != NULL;
	j->v.console = inconsole(js, e);
	script = plan_script(js->plan, e);
	if (!script) {
		js->expand.len = 0;
		if (!recipe_expand(&js->rx, e, &js->expand)) {
			status_failed(js->status, e, "its recipe could not be expanded");
			oldjob(js, j);
			return START_FAILED;
		}
		script = js->expand.s;
	}
	j->v.script = script;
	if (!js->x->simulated) {
		/* the script lives as long as its job: a build of many jobs holds a few */
		if (script == js->expand.s)
			j->v.script = script = j->script = strcpy(xmalloc(js->expand.len + 1), script);
		if (!mkdirs(js, j, e))
			goto fail;
		if (!(argv = command_build(script, e, &j->cmd))) {
			cannot(js, j, "cannot write a temporary script file%s",
			       j->cmd.where ? j->cmd.where : "", errno);
			goto fail;
		}
		spec.argv = argv;
		spec.console = j->v.console;
		if (!place(js, j, &spec))
			goto fail;
		/* a #! script's own variables over the build's environment */
		spec.env = command_env(&j->cmd, spec.env);
	}
	if (!js->x->simulated) {
		record_start(&js->rec, &j->rec, e, loop_now(js->loop));
		j->rec.script = script;
		record_begun(&js->rec, &j->rec, e, loop_now(js->loop));
	}
	if (spec.console) {
		/* the terminal is the job's from its first byte: its line comes
		 * first, and the status line goes (it takes no pipe: no EMFILE) */
		status_started(js->status, &j->v, script);
		j->told = true;
	}
	rc = js->x->ops->start(js->x, j, &spec, &j->h, &step);
	if (rc && step && (rc == EMFILE || rc == ENFILE) && js->nrun > 0) {
		oldjob(js, j);
		return START_LATER;
	}
	if (rc) {
		if (step)
			cannot(js, j, "%s", step, rc);
		else if (rc == ENOENT && argv == j->cmd.words)
			cannot(js, j, "command '%s' not found", argv[0], 0);
		else
			cannot(js, j, "cannot run '%s'", argv[0], rc);
		goto fail;
	}
	j->v.ran = true;
	if (!j->told)
		status_started(js->status, &j->v, script);
	xgrow((void **)&js->run, &js->caprun, js->nrun + 1, sizeof(*js->run));
	js->run[js->nrun++] = j;
	return START_OK;
fail:
	oldjob(js, j);
	return START_FAILED;
}

static void sendsig(void *ctx, int sig)
{
	struct jobs *js = ctx;
	size_t i;

	for (i = 0; i < js->nrun; i++)
		js->x->ops->signal(js->x, js->run[i]->h, sig);
}

static void stopping(void *ctx, int sig)
{
	((struct jobs *)ctx)->stopping = sig;
}

static void passed(void *ctx, struct edge *e)
{
	status_passed(((struct jobs *)ctx)->status, e);
}

struct runner jobs_runner(struct jobs *js)
{
	struct runner r = {js, start, sendsig, stopping, passed};
	return r;
}

void jobs_init(struct jobs *js, struct executor *x, struct plan *plan, struct vars *vars,
	       struct statelog *log, struct status *status, struct sched *sched, struct loop *loop)
{
	memset(js, 0, sizeof(*js));
	js->x = x;
	js->plan = plan;
	js->status = status;
	js->sched = sched;
	js->loop = loop;
	recipes_init(&js->rx, vars);
	js->rec.log = log;
	js->rec.rx = &js->rx;
}

void jobs_free(struct jobs *js)
{
	struct job *j;

	while ((j = js->spare)) {
		js->spare = (struct job *)j->e;
		output_free(&j->v.out);
		free(j);
	}
	recipes_free(&js->rx);
	buf_free(&js->expand);
	arena_free(&js->envmem);
	arena_free(&js->scratch);
	free(js->run);
}
