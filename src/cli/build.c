/* One invocation: load the Taskfile, take the goals and overrides from the
 * command line, plan, and run the jobs. */
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "base/out.h"
#include "base/path.h"
#include "cli/cli.h"
#include "cli/timing.h"
#include "graph/taskfile.h"
#include "lang/diag.h"
#include "lang/dotenv.h"
#include "os/fs.h"
#include "os/os.h"
#include "plan/plan.h"
#include "plan/task.h"
#include "run/capacity.h"
#include "run/exec.h"
#include "run/job.h"
#include "run/jobserver.h"
#include "run/loop.h"
#include "run/outlog.h"
#include "run/pools.h"
#include "run/record.h"
#include "run/sched.h"
#include "run/status.h"
#include "state/statelog.h"

/* A goal named on the command line. */
struct goal {
	const char *name;
	struct taskargs args;
	const struct stmt *task;
	const struct stmt *after; /* the task with parameters named just before it */
	struct node *node;
};

struct build {
	struct options *o;
	const char *path;
	struct taskfile l;
	struct statelog log;
	struct plan plan;
	struct plan_opts po; /* for a plan of each part of the goals (runparts) */
	size_t numbered, later; /* jobs of the parts before, foreseen after (runparts) */
	struct timing t;
	struct goal *goals;
	size_t ngoals;
	struct jobs *js; /* while it runs */
	struct list env; /* NAME=value for the jobs' environment beyond baton's own */
	struct list overrides; /* the names of the variables set on the command line */
};

/* Split a NAME=value or NAME+=value override into words and set it. */
static void override(struct build *b, const char *w)
{
	struct taskfile *l = &b->l;
	const char *eq = strchr(w, '='), *p = eq + 1, *start;
	bool append = eq > w && eq[-1] == '+';
	char *name = arena_strndup(&l->ast, w, (size_t)(eq - w) - append);
	struct list val = {0};

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		start = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n')
			p++;
		list_push(&val, arena_strndup(&l->ast, start, (size_t)(p - start)));
	}
	vars_override(&l->vars, name, &val, append);
	list_free(&val);
	list_push(&b->overrides, name);
}

/* A task of the Taskfile that has a parameter called name, if one has: its
 * name in *task, *len bytes of it. */
static bool paramof(const struct taskfile *l, const char *name, const char **task, size_t *len)
{
	const struct param *p;
	size_t i;

	for (i = 0; i < l->nrules; i++) {
		const struct stmt *s = l->rules[i];
		for (p = s->kind == ST_TASK ? s->params : NULL; p; p = p->next) {
			if (!strcmp(p->name, name))
				return (*task = word_text(s->hdr->outputs, len)) != NULL;
		}
	}
	return false;
}

/* An override of a variable that the Taskfile neither assigns nor reads
 * reaches only the jobs' environment: one whose name is near a variable of
 * the Taskfile, or is a task's parameter, is a mistake. False after saying so. */
static bool overrides_known(struct build *b)
{
	struct taskfile *l = &b->l;
	const char *near, *task;
	bool ok = true;
	size_t i, j, len;

	for (i = 0; i < b->overrides.n; i++) {
		const char *name = b->overrides.v[i];
		struct var *var = vars_find(&l->vars, name);
		for (j = 0; j < i && strcmp(b->overrides.v[j], name); j++)
			;
		if (j < i || vars_known(var))
			continue;
		if ((near = vars_nearest(&l->vars, name)))
			diag_error((struct loc){0}, "the command line sets '%s', which the Taskfile "
						    "never assigns or uses (did you mean '%s'?)",
				   name, near);
		else if (paramof(l, name, &task, &len))
			diag_error((struct loc){0}, "the command line sets '%s', which is a "
						    "parameter of task '%.*s': give %s=... after "
						    "the task's name", name, (int)len, task, name);
		else
			continue;
		ok = false;
	}
	return ok;
}

/* The NAME=value words before the first target: they hold while the Taskfile
 * is read, so that its conditions and includes see them. The number of them. */
static size_t early_overrides(struct build *b, int nops, char **ops)
{
	size_t k;

	for (k = 0; k < (size_t)nops && task_isassign(ops[k]); k++)
		override(b, ops[k]);
	return k;
}

/* Take the goals, their arguments, the overrides and the options that come
 * after a target from the command line, from ops[first] on. The words after a
 * task that takes parameters are its arguments, as many as it takes, whatever
 * they look like. */
static void goals(struct build *b, size_t first, int nops, char **ops)
{
	struct taskfile *l = &b->l;
	bool targets = false; /* after "--": only targets and arguments */
	size_t i, j, k;

	for (i = first; i < (size_t)nops; i++) {
		if (!targets && !strcmp(ops[i], "--")) {
			targets = true;
			continue;
		}
		if (!targets && ops[i][0] == '-' && ops[i][1]) {
			/* argv[0], the program's name for getopt, is the word before
			 * for cli_options' messages */
			char *argv[] = {i ? ops[i - 1] : "baton", ops[i],
					i + 1 < (size_t)nops ? ops[i + 1] : NULL, NULL};
			i += (size_t)cli_options(argv[2] ? 3 : 2, argv, b->o, true) - 2;
			continue;
		}
		if (task_isassign(ops[i])) {
			override(b, ops[i]);
			continue;
		}
		struct goal *g = &b->goals[b->ngoals++];
		g->name = ops[i];
		g->after = b->ngoals > 1 && g[-1].task && g[-1].task->params ? g[-1].task : NULL;
		g->task = taskfile_task(l, ops[i]);
		if (g->task && g->task->params) {
			/* "task -- args": the "--" only marks where they start */
			if (i + 1 < (size_t)nops && !strcmp(ops[i + 1], "--"))
				i++;
			k = task_argc(g->task, ops + i + 1, (size_t)nops - i - 1);
			g->args.words = ops + i + 1;
			g->args.n = k;
			for (j = 0; j < k; j++) {
				if (task_isassign(ops[i + 1 + j]) && !task_named(g->task, ops[i + 1 + j]))
					override(b, ops[i + 1 + j]);
			}
			i += k;
		}
	}
}

/* Whether two goals give a task the same arguments. */
static bool sameargs(const struct goal *a, const struct goal *b)
{
	size_t i;

	if (a->args.n != b->args.n)
		return false;
	for (i = 0; i < a->args.n && !strcmp(a->args.words[i], b->args.words[i]); i++)
		;
	return i == a->args.n;
}

/* The node of a goal that names a task named before it: the same, if with the
 * same arguments; else that of the task with these arguments ("greet b"), which
 * the plan makes. */
static struct node *again(struct build *b, const struct goal *gl, const struct goal *before)
{
	struct buf name = {0};
	struct node *n;

	if (sameargs(before, gl))
		return before->node;
	task_instance_name(&name, edge_name(before->node->gen), gl->task, &gl->args);
	n = graph_node(&b->l.graph, name.s, name.len);
	buf_free(&name);
	return n;
}

/* Find each goal's node and bind the arguments of the tasks named; false after
 * reporting a mistake. */
static bool bind(struct build *b)
{
	struct graph *g = &b->l.graph;
	bool ok = true;
	size_t i, k;

	for (i = 0; i < b->ngoals; i++) {
		struct goal *gl = &b->goals[i];
		if (!*gl->name) {
			/* it would be the directory "." */
			diag_error((struct loc){0}, "a target name cannot be empty ('')");
			ok = false;
			continue;
		}
		for (k = 0; k < i && (!gl->task || b->goals[k].task != gl->task); k++)
			;
		if (gl->task && gl->task->params && k < i) {
			/* named again: run again, with these arguments */
			graph_stat_stop(g);
			gl->node = again(b, gl, &b->goals[k]);
			if (!plan_makeable(&b->plan, gl->node))
				ok = false;
			continue;
		}
		gl->node = graph_node(g, gl->name, strlen(gl->name));
		if (gl->after)
			graph_stat_stop(g); /* plan_makeable states files */
		if (gl->after && !plan_makeable(&b->plan, gl->node)) {
			diag_error((struct loc){0}, "task '%s' takes at most %zu argument%s",
				   gl[-1].name, gl[-1].args.n, gl[-1].args.n == 1 ? "" : "s");
			diag_note((struct loc){0}, "'%s' is neither one of its arguments nor a target",
				  gl->name);
			ok = false;
			continue;
		}
		if (gl->task && !task_bind(&b->l.vars, &b->l.ast, gl->node->gen, &gl->args))
			ok = false;
	}
	if (b->ngoals == 0) {
		if (!b->l.first) {
			diag_error((struct loc){0}, "no rules or tasks in '%s'", b->path);
			return false;
		}
		b->goals[b->ngoals++].node = b->l.first;
	}
	return ok;
}

/* The graph's copy of a path the state log keeps, if it has a node of that path:
 * the log keeps no copy of its own; and the edge it is the first output of
 * (statelog_intern). */
static const char *nodepath(void *g, const char *path, size_t len, uint32_t *slot)
{
	const struct node *n = hset_get(&((struct graph *)g)->nodes, path, len);

	*slot = n ? node_firstof(n) : UINT32_MAX;
	return n ? n->path : NULL;
}

static void nodeprefetch(void *g, const char *path, size_t len)
{
	graph_prefetch(g, path, len);
}

/* Plan the build of goals [from, to); false after reporting a mistake. */
static bool plangoals(struct build *b, size_t from, size_t to)
{
	struct node **nodes = xcalloc(to - from + 1, sizeof(*nodes));
	size_t i;
	bool ok;

	for (i = from; i < to; i++)
		nodes[i - from] = b->goals[i].node;
	ok = plan_build(&b->plan, nodes, to - from);
	free(nodes);
	if (!ok)
		return false;
	timing_phase(&b->t, "plan", "%zu job%s to run", b->plan.njobs,
		     b->plan.njobs == 1 ? "" : "s");
	for (i = 0; i < b->plan.nwork; i++) {
		struct edge *e = b->plan.work[i];
		if (e->rule->kind == ST_TASK && e->rule->params && !e->args &&
		    !task_bind(&b->l.vars, &b->l.ast, e, NULL))
			ok = false;
		if (edge_hasjob(e) && !recipe_check(&b->plan.rx, e))
			ok = false;
	}
	return ok;
}

/* Load the state log and plan the build of all the goals; false after
 * reporting a mistake. */
static bool plan(struct build *b)
{
	const struct options *o = b->o;
	bool ok;

	/* the graph outlives every use of the log but its close */
	b->log.intern = nodepath;
	b->log.prefetch = nodeprefetch;
	b->log.intern_ctx = &b->l.graph;
	/* the edges a plan makes (patterns', tasks' with arguments) come after */
	b->log.nslots = (uint32_t)b->l.graph.nedges;
	b->log.lazy = true; /* the paths only inputs name, when a record is read whole */
	ok = statelog_load(&b->log, ".baton", !o->dry_run && !o->dump);
	timing_phase(&b->t, "state log", NULL);
	return ok && plangoals(b, 0, b->ngoals);
}

/* How the jobs' output is shown: as asked, else as it comes when one job runs
 * at a time, else a block per job. */
static enum output_mode output_mode(const struct options *o)
{
	if (o->output)
		return (enum output_mode)(o->output - 1);
	return o->jobs == 1 ? OUTPUT_STREAM : OUTPUT_BUFFERED;
}

/* The jobserver the jobs share: the one baton joined, or one of its own with -j
 * slots (none with no limit, or for a dry run). */
static struct jobserver *jobserver(const struct options *o, bool *own)
{
	*own = false;
	if (o->dry_run)
		return NULL;
	if (o->jobserver)
		return o->jobserver;
	if (o->jobs == 0 || o->jobserver_style < 0)
		return NULL;
	*own = true;
	return jobserver_serve(o->jobserver_unusable ? 1 : (size_t)o->jobs,
			       (enum jobserver_style)o->jobserver_style);
}

/* What the jobs' environment has beyond baton's own: the exported variables
 * and the overrides (b->env), what tells a baton run by a job that this one
 * holds the state log, and MAKEFLAGS for the jobserver. */
static void environment(struct build *b, struct jobserver *js, struct list *set)
{
	struct buf v = {0};
	const int *keep = NULL;
	size_t nkeep = 0;

	list_append(set, &b->env);
	if (statelog_nestvar(&b->log, &v))
		list_push(set, arena_strndup(&b->l.ast, v.s, v.len));
	if (js) {
		v.len = 0;
		buf_puts(&v, "MAKEFLAGS=");
		jobserver_env(js, &v, &keep, &nkeep);
		list_push(set, arena_strndup(&b->l.ast, v.s, v.len));
	}
	buf_free(&v);
	jobs_env(b->js, set, keep, nkeep);
}

/* Run the plan's jobs; the exit status. */
static int run(struct build *b)
{
	const struct options *o = b->o;
	struct loop *loop = loop_new();
	struct sched_opts so = {o->keep_going};
	struct capacity cap;
	struct status st;
	struct sched s;
	struct jobs js;
	struct runner r;
	struct exec_events ev;
	struct sched_result res = {0};
	struct executor *x;
	struct jobserver *jsv;
	struct list set = {0};
	struct limit lim;
	char root[PATH_MAX];
	bool own;
	int rc = 0;

	status_init(&st, &b->plan, loop, output_mode(o));
	st.explain = o->explain;
	st.scripts = o->verbose || o->dry_run;
	st.quiet = o->quiet;
	st.keep_going = o->keep_going;
	st.live = !o->dry_run && !o->quiet && out_live(OUT_STDOUT);
	st.timed = !o->dry_run;
	status_number_from(&st, b->numbered, b->later);
	jobs_init(&js, NULL, &b->plan, &b->l.vars, o->dry_run ? NULL : &b->log, &st, &s, loop);
	b->js = &js;
	if (!realpath(".", root))
		strcpy(root, "/nonexistent");
	js.rec.root = root;
	js.rec.content = o->content;
	if (!o->dry_run)
		js.outlog = outlog_open(".baton");
	js.rec.plan = &b->plan;
	ev = jobs_events(&js);
	x = o->dry_run ? exec_dry(loop, &ev) : exec_local(loop, &ev);
	js.x = x;
	/* a jobserver that cannot be reached: one job at a time, as make does */
	cap_init(&cap, o->jobserver_unusable ? 1 : (size_t)o->jobs, x);
	jsv = jobserver(o, &own);
	if (jsv) {
		lim = jobserver_limit(jsv, loop, &cap);
		cap_add(&cap, &lim);
	}
	environment(b, jsv, &set);
	r = jobs_runner(&js);
	sched_init(&s, &b->plan, &so, &cap, &r, loop);
	if (!pools_add(&cap, &b->plan)) {
		rc = EXIT_USAGE;
	} else {
		status_begin(&st);
		sched_run(&s, &res);
		b->numbered += res.started;
		timing_phase(&b->t, o->dry_run ? "print" : "run", "%zu job%s %s", res.started,
			     res.started == 1 ? "" : "s", o->dry_run ? "printed" : "run");
		status_finish(&st, &res, res.signal);
		if (res.signal)
			rc = 128 + res.signal;
		else if (res.failed)
			rc = EXIT_FAILED;
	}
	sched_free(&s);
	cap_free(&cap);
	list_free(&set);
	x->ops->free(x);
	outlog_close(js.outlog);
	jobs_free(&js);
	status_free(&st);
	loop_free(loop);
	/* a build stopped by a signal ends with 128 + that signal: one more
	 * Ctrl-C while it finishes must not kill it half way */
	if (res.signal) {
		static const int stops[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
		size_t i;

		for (i = 0; i < LEN(stops); i++)
			signal(stops[i], SIG_IGN);
	}
	/* after the loop has given the signals their actions back */
	if (own)
		jobserver_free(jsv);
	return rc;
}

/* Whether goal n is a file, or a task that needs one (through others): what
 * a task named before it may change. */
static bool needsfiles(const struct plan *p, const struct node *n, uint8_t *seen)
{
	const struct edge **stack = NULL;
	size_t top = 0, cap = 0;
	bool files = !(n->flags & NODE_TASK);
	uint32_t i;

	if (!files && n->gen) {
		xgrow((void **)&stack, &cap, 1, sizeof(*stack));
		stack[top++] = n->gen;
		memset(seen, 0, p->nst);
	}
	while (top && !files) {
		const struct edge *e = stack[--top];
		for (i = 0; i < e->nall && !files; i++) {
			const struct node *in = e->in[i];
			files = !(in->flags & NODE_TASK);
			if (files || !in->gen || in->gen->id >= p->nst || seen[in->gen->id])
				continue;
			seen[in->gen->id] = 1;
			xgrow((void **)&stack, &cap, top + 1, sizeof(*stack));
			stack[top++] = in->gen;
		}
	}
	free(stack);
	return files;
}

/* Cut the goals into parts made one after the other, each planned once the
 * one before it has ended: a goal that needs files starts a new part after a
 * task (baton clean all: all sees what clean deleted), and a task starts one
 * after a goal that needs files (baton all clean). Files named together are
 * one part, and so are tasks that need no file (baton -j2 lint spell).
 * Each part's end goes in ends; how many parts. */
static size_t parts(struct build *b, size_t *ends)
{
	uint8_t *seen = xmalloc(b->plan.nst + 1);
	bool tasks = false, files = false;
	size_t i, n = 0;

	for (i = 0; i < b->ngoals; i++) {
		const struct node *g = b->goals[i].node;
		bool task = (g->flags & NODE_TASK) != 0, needs = needsfiles(&b->plan, g, seen);
		if (i > 0 && ((needs && tasks) || (task && files))) {
			ends[n++] = i;
			tasks = files = false;
		}
		tasks = tasks || task;
		files = files || needs;
	}
	ends[n++] = b->ngoals;
	free(seen);
	return n;
}

/* Run the build: at once if the goals are one part, else part by part, each
 * planned when the one before it has ended, with the files stated again; the
 * exit status of the first part that fails, or with -k of the last. */
static int runparts(struct build *b)
{
	const struct options *o = b->o;
	size_t *ends, *foreseen, nparts, k, from, i;
	int rc = 0, one;

	/* a dry run cannot tell what a part would change: one plan for all */
	if (o->dry_run || b->ngoals < 2)
		return run(b);
	ends = xmalloc(b->ngoals * sizeof(*ends));
	nparts = parts(b, ends);
	foreseen = xcalloc(nparts + 1, sizeof(*foreseen));
	/* the jobs each part will run, as things are now: for N in "[i/N]" */
	for (i = 0; nparts > 1 && i < b->plan.nwork; i++) {
		const struct edge *e = b->plan.work[i];
		for (k = 0; edge_hasjob(e) && plan_st(&b->plan, e)->goal >= ends[k]; k++)
			;
		if (edge_hasjob(e))
			foreseen[k]++;
	}
	for (k = 0, from = 0; nparts > 1 && k < nparts; from = ends[k++]) {
		for (b->later = 0, i = k + 1; i < nparts; i++)
			b->later += foreseen[i];
		if (k > 0)
			record_refresh(&b->log, &b->plan);
		plan_free(&b->plan);
		graph_forget_files(&b->l.graph);
		b->po.now = os_now();
		plan_init(&b->plan, &b->l.graph, &b->po);
		if (!plangoals(b, from, ends[k])) {
			rc = EXIT_USAGE;
			break;
		}
		if (b->plan.njobs == 0)
			continue;
		one = run(b);
		if (one && !rc)
			rc = one;
		if (one && !(o->keep_going && one == EXIT_FAILED))
			break;
	}
	free(ends);
	free(foreseen);
	return nparts > 1 ? rc : run(b);
}

/* Everything up to running: the exit status if it ends there, else -1. */
static int prepare(struct build *b, int nops, char **ops)
{
	const struct options *o = b->o;
	struct plan_opts *po = &b->po;
	size_t nbytes, nsrc, first;

	if (o->dump && !strcmp(o->dump, "tokens"))
		return show_tokens(b->path);
	/* a build takes the state log's lock before anything looks at the file
	 * system (an include, a glob, a shell() call, a stat), so that what
	 * another baton in this directory builds is done before */
	if (!o->list && !o->dump && !o->dry_run && !statelog_lock(&b->log, ".baton"))
		return EXIT_USAGE;
	first = early_overrides(b, nops, ops);
	/* --dotenv: before the Taskfile, whose env() calls see it */
	if (o->dotenv && !dotenv_load(*o->dotenv ? o->dotenv : ".env", *o->dotenv != '\0',
				      (struct loc){0}))
		return EXIT_USAGE;
	if (!taskfile_parse(&b->l, b->path))
		return EXIT_USAGE;
	if (b->t.on) {
		nbytes = source_bytes(&nsrc);
		timing_phase(&b->t, "parse", "%zu bytes in %zu file%s, %.1f MB/s", nbytes, nsrc,
			     nsrc == 1 ? "" : "s",
			     (double)nbytes * 1e3 / (double)(os_clock() - b->t.last + 1));
	}
	goals(b, first, nops, ops);
	if (o->dump && !strcmp(o->dump, "ast")) {
		show_ast(&b->l);
		return 0;
	}
	/* files are stated as the graph names them, on a second core: the plan
	 * finds most of them done */
	if (!o->list && !o->dump && os_ncpus() > 1)
		graph_stat_early(&b->l.graph);
	if (!taskfile_graph(&b->l) || !overrides_known(b))
		return EXIT_USAGE;
	timing_phase(&b->t, "graph", "%zu rule%s, %zu node%s, %zu edge%s", b->l.nrules,
		     b->l.nrules == 1 ? "" : "s", b->l.graph.nodes.n,
		     b->l.graph.nodes.n == 1 ? "" : "s", b->l.graph.nedges,
		     b->l.graph.nedges == 1 ? "" : "s");
	if (o->list) {
		show_list(&b->l);
		return 0;
	}
	if (o->dump && !strcmp(o->dump, "graph")) {
		struct buf d = {0};
		graph_dump(&d, &b->l.graph);
		out_write(OUT_STDOUT, d.s ? d.s : "", d.len);
		buf_free(&d);
		return 0;
	}
	/* nothing reads the list of rules or the Taskfile's text from here on
	 * but a message */
	taskfile_shed(&b->l);
	po->fs = &fs_os;
	po->always = o->always;
	po->explain = o->explain;
	po->content = o->content;
	po->dry = o->dry_run;
	po->log = &b->log;
	po->vars = &b->l.vars;
	po->now = os_now();
	po->statjobs = os_ncpus();
	plan_init(&b->plan, &b->l.graph, po);
	if (!bind(b) || !plan(b))
		return EXIT_USAGE;
	if (o->dump && !strcmp(o->dump, "plan")) {
		struct buf d = {0};
		plan_dump(&d, &b->plan);
		out_write(OUT_STDOUT, d.s ? d.s : "", d.len);
		buf_free(&d);
		return 0;
	}
	if (b->plan.njobs == 0) {
		status_nothing(o->quiet);
		return 0;
	}
	/* the exported variables are evaluated before anything runs: a mistake in
	 * one stops the build as a mistake in a recipe does */
	if (!o->dry_run && !vars_environ(&b->l.vars, &b->env))
		return EXIT_USAGE;
	return -1;
}

/* --log TARGET: the exit status. */
static int printlog(const char *target)
{
	char *name = strcpy(xmalloc(strlen(target) + 1), target);
	int found;

	path_canon(name, strlen(name));
	found = outlog_print(".baton", name);
	if (found == 0)
		out_note("no output of '%s' is kept here (it has not run since .baton was made)",
			 name);
	free(name);
	return found == 1 ? 0 : EXIT_FAILED;
}

int build_main(struct options *o, const char *path, int nops, char **ops)
{
	struct build b = {0};
	int rc;

	if (o->log)
		return printlog(o->log);

	b.o = o;
	b.path = path;
	b.goals = xcalloc((size_t)nops + 1, sizeof(*b.goals));
	statelog_init(&b.log);
	timing_start(&b.t, o->stats);
	taskfile_init(&b.l);
	rc = prepare(&b, nops, ops);
	if (rc < 0)
		rc = runparts(&b);
	/* what was found up to date, whatever became of the rest */
	if (rc != EXIT_USAGE && !o->dry_run && !o->dump)
		record_refresh(&b.log, &b.plan);
	/* the graph first: compacting the log may read all of it again */
	plan_free(&b.plan);
	taskfile_free(&b.l);
	statelog_close(&b.log);
	list_free(&b.env);
	source_free_all();
	free(b.goals);
	list_free(&b.overrides);
	timing_phase(&b.t, "free", NULL);
	timing_print(&b.t);
	return rc;
}
