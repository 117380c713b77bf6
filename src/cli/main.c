/* baton: the command line. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lang/diag.h"
#include "run/exec.h"
#include "lang/lex.h"
#include "graph/taskfile.h"
#include "os/os.h"
#include "plan/plan.h"
#include "plan/recipe.h"
#include "run/sched.h"
#include "state/statelog.h"
#include "cli/timing.h"
#include "plan/task.h"

enum { EXIT_FAILED = 1, EXIT_USAGE = 2 };

struct options {
	long jobs;
	bool keep_going, dry_run, always, verbose, list, explain, content, stats;
	const char *dir, *file, *dump;
};

static const char usage[] =
    "usage: baton [options] [NAME=value...] [target|task [args...]...]\n"
    "\n"
    "Build targets and run tasks from a Taskfile, in parallel.\n"
    "\n"
    "options:\n"
    "  -j, --jobs=N         run N jobs at once (default: number of CPUs; 0: no limit)\n"
    "  -k, --keep-going     keep going with what does not depend on a failed job\n"
    "  -n, --dry-run        print what would run, run nothing\n"
    "  -B, --always-make    treat every target as out of date\n"
    "  -C, --directory=DIR  change to DIR first\n"
    "  -f, --file=FILE      use FILE as the Taskfile (default: ./Taskfile or a parent's)\n"
    "  -v, --verbose        print each job's expanded recipe\n"
    "  -d explain, --explain  say why each job runs\n"
    "  -d stats             print how long each phase took, to stderr, at the end\n"
    "      --content        when an input's time changed, compare its content too\n"
    "  -l, --list           list tasks and documented rules\n"
    "      --dump=WHAT      print tokens, ast, graph or plan, and exit\n"
    "  -h, --help           print this help\n"
    "      --version        print the version\n"
    "\n"
    "NAME=value sets a variable, overriding the Taskfile. Words after a task with\n"
    "parameters are its arguments (param=value names one). With no target, the first\n"
    "rule or task of the Taskfile is built.\n"
    "Exit status: 0 success, 1 a job failed, 2 a usage or Taskfile error.\n";

static void usage_error(const char *fmt, const char *arg)
{
	fputs("baton: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\nTry 'baton --help' for more information.\n", stderr);
	exit(EXIT_USAGE);
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
	    {"jobs", required_argument, NULL, 'j'},  {"keep-going", no_argument, NULL, 'k'},
	    {"dry-run", no_argument, NULL, 'n'},     {"always-make", no_argument, NULL, 'B'},
	    {"directory", required_argument, NULL, 'C'}, {"file", required_argument, NULL, 'f'},
	    {"verbose", no_argument, NULL, 'v'},     {"list", no_argument, NULL, 'l'},
	    {"dump", required_argument, NULL, 'D'},  {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},     {"explain", no_argument, NULL, 'E'},
	    {"content", no_argument, NULL, 'H'},     {NULL, 0, NULL, 0},
	};
	char *end;
	int c;

	o->jobs = os_ncpus();
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":j:knBC:f:vld:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			errno = 0;
			o->jobs = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || o->jobs < 0 || o->jobs > INT_MAX)
				usage_error("-j needs a number of jobs (0 or more), not '%s'", optarg);
			break;
		case 'k': o->keep_going = true; break;
		case 'n': o->dry_run = true; break;
		case 'B': o->always = true; break;
		case 'C': o->dir = optarg; break;
		case 'f': o->file = optarg; break;
		case 'v': o->verbose = true; break;
		case 'l': o->list = true; break;
		case 'E': o->explain = true; break;
		case 'H': o->content = true; break;
		case 'd':
			if (!strcmp(optarg, "explain"))
				o->explain = true;
			else if (!strcmp(optarg, "stats"))
				o->stats = true;
			else
				usage_error("-d takes 'explain' or 'stats', not '%s'", optarg);
			break;
		case 'D':
			if (strcmp(optarg, "tokens") && strcmp(optarg, "ast") &&
			    strcmp(optarg, "graph") && strcmp(optarg, "plan"))
				usage_error("--dump takes tokens, ast, graph or plan, not '%s'", optarg);
			o->dump = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			exit(0);
		case 'V':
			puts("baton " BATON_VERSION);
			exit(0);
		case ':':
			usage_error("option '%s' needs a value", argv[optind - 1]);
			break;
		default:
			usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	return optind;
}

/* Find the Taskfile: -f, or ./Taskfile or the nearest parent's; then change into
 * its directory. Returns the name to read it by from there. */
static const char *find_taskfile(const struct options *o)
{
	static char name[PATH_MAX];
	char cwd[PATH_MAX], *slash;

	if (o->file) {
		if (strlen(o->file) >= sizeof(name))
			usage_error("file name too long: '%s'", o->file);
		strcpy(name, o->file);
		slash = strrchr(name, '/');
		if (!slash)
			return name;
		if (slash == name) {
			if (chdir("/") < 0)
				usage_error("cannot change to '/': %s", strerror(errno));
			return slash + 1;
		}
		*slash = '\0';
		if (chdir(name) < 0) {
			fprintf(stderr, "baton: cannot change to '%s': %s\n", name, strerror(errno));
			exit(EXIT_USAGE);
		}
		return slash + 1;
	}
	if (!getcwd(cwd, sizeof(cwd))) {
		fprintf(stderr, "baton: cannot find the current directory: %s\n", strerror(errno));
		exit(EXIT_USAGE);
	}
	for (;;) {
		if (access("Taskfile", F_OK) == 0)
			return "Taskfile";
		if (!strcmp(cwd, "/") || chdir("..") < 0)
			break;
		slash = strrchr(cwd, '/');
		slash[slash == cwd] = '\0';
	}
	fprintf(stderr, "baton: no Taskfile in this directory or any parent (use -f FILE)\n");
	exit(EXIT_USAGE);
}

static int dump_tokens(const char *path)
{
	uint32_t src = source_load(path);
	struct buf b = {0};

	if (!src) {
		fprintf(stderr, "baton: cannot read '%s': %s\n", path, strerror(errno));
		return EXIT_USAGE;
	}
	lex_dump(&b, src);
	fputs(b.s, stdout);
	buf_free(&b);
	source_free_all();
	return diag_errors() ? EXIT_USAGE : 0;
}

/* Print tasks and documented rules, with parameters and doc comments. */
static void list(const struct taskfile *l)
{
	struct buf *names = xcalloc(l->nrules + 1, sizeof(*names));
	size_t i, width = 0, n = 0;

	for (i = 0; i < l->nrules; i++) {
		const struct stmt *s = l->rules[i];
		const struct param *p;
		struct buf *b = &names[i];
		if (s->kind != ST_TASK && !s->doc)
			continue;
		if (s->kind == ST_TASK) {
			const struct source *src = source_get(s->loc.src);
			size_t len = 0;
			const char *name = word_text(s->hdr->outputs, &len);
			buf_add(b, name ? name : "", len);
			for (p = s->params; p; p = p->next)
				buf_printf(b, " %.*s", (int)(p->loc.end - p->loc.off),
					   src->text + p->loc.off);
		} else {
			const struct source *src = source_get(s->loc.src);
			buf_printf(b, "%.*s", (int)(s->loc.end - s->loc.off), src->text + s->loc.off);
		}
		if (b->len > width)
			width = b->len;
		n++;
	}
	if (n)
		puts("Tasks and documented rules:");
	for (i = 0; i < l->nrules; i++) {
		const struct stmt *s = l->rules[i];
		if (!names[i].s)
			continue;
		if (s->doc) {
			printf("    %-*s  # ", (int)width, names[i].s);
			for (const char *d = s->doc; *d; d++)
				putchar(*d == '\n' ? ' ' : *d);
			putchar('\n');
		} else {
			printf("    %s\n", names[i].s);
		}
		buf_free(&names[i]);
	}
	free(names);
}

/* Split a NAME=value override into words and set it. */
static void override(struct taskfile *l, const char *w)
{
	const char *eq = strchr(w, '='), *p = eq + 1, *start;
	char *name = arena_strndup(&l->ast, w, (size_t)(eq - w));
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
	vars_override(&l->vars, name, &val);
	list_free(&val);
}

struct goal {
	const char *name;
	struct taskargs args;
	const struct stmt *task;
	const struct stmt *after; /* the task with parameters named just before it */
};

/* The graph's copy of a path the state log keeps, if it has a node of that path:
 * the log keeps no copy of its own (statelog_intern). */
static const char *nodepath(void *g, const char *path, size_t len)
{
	const struct node *n = hset_get(&((struct graph *)g)->nodes, path, len);

	return n ? n->path : NULL;
}

static int run(const struct options *o, int nops, char **ops)
{
	struct taskfile l;
	struct plan plan = {0};
	struct exec x;
	struct sched_result res;
	struct sched_opts so = {(size_t)o->jobs, o->keep_going};
	struct runner r;
	struct statelog log;
	struct plan_opts po = {0};
	char root[PATH_MAX];
	struct goal *goals = xcalloc((size_t)nops + 1, sizeof(*goals));
	struct node **nodes = xcalloc((size_t)nops + 1, sizeof(*nodes));
	size_t ngoals = 0, i, k;
	const char *path;
	struct timing st;
	size_t nbytes, nsrc;
	int rc = 0;

	statelog_init(&log);
	timing_start(&st, o->stats);
	path = find_taskfile(o);
	if (o->dump && !strcmp(o->dump, "tokens")) {
		free(goals);
		free(nodes);
		return dump_tokens(path);
	}
	taskfile_init(&l);
	/* the NAME=value words before the first target hold while the Taskfile is
	 * read: its conditions and includes see them */
	for (k = 0; k < (size_t)nops && task_isassign(ops[k]); k++)
		override(&l, ops[k]);
	if (!taskfile_parse(&l, path)) {
		rc = EXIT_USAGE;
		goto out;
	}
	if (st.on) {
		nbytes = source_bytes(&nsrc);
		timing_phase(&st, "parse", "%zu bytes in %zu file%s, %.1f MB/s", nbytes, nsrc,
			    nsrc == 1 ? "" : "s",
			    (double)nbytes * 1e3 / (double)(os_clock() - st.last + 1));
	}
	for (i = k; i < (size_t)nops; i++) {
		if (task_isassign(ops[i])) {
			override(&l, ops[i]);
			continue;
		}
		struct goal *g = &goals[ngoals++];
		g->name = ops[i];
		g->after = ngoals > 1 && g[-1].task && g[-1].task->params ? g[-1].task : NULL;
		g->task = taskfile_task(&l, ops[i]);
		if (g->task && g->task->params) {
			k = task_argc(g->task, ops + i + 1, (size_t)nops - i - 1);
			g->args.words = ops + i + 1;
			g->args.n = k;
			for (size_t j = 0; j < k; j++) {
				if (task_isassign(ops[i + 1 + j]) && !task_named(g->task, ops[i + 1 + j]))
					override(&l, ops[i + 1 + j]);
			}
			i += k;
		}
	}
	if (o->dump && !strcmp(o->dump, "ast")) {
		struct buf b = {0};
		for (i = 0; i < l.nrules; i++) {
			const struct stmt *s = l.rules[i], *next = s->next;
			((struct stmt *)s)->next = NULL;
			ast_dump(&b, s);
			((struct stmt *)s)->next = (struct stmt *)next;
		}
		fputs(b.s ? b.s : "", stdout);
		buf_free(&b);
		goto out;
	}
	/* files are stated as the graph names them, on a second core: the plan
	 * finds most of them done. A build takes the state log's lock first, so
	 * that what another baton in this directory builds is done before any
	 * file is stated. */
	if (!o->list && !o->dump && os_ncpus() > 1) {
		if (!o->dry_run && !statelog_lock(&log, ".baton")) {
			rc = EXIT_USAGE;
			goto out;
		}
		graph_stat_early(&l.graph);
	}
	if (!taskfile_graph(&l)) {
		rc = EXIT_USAGE;
		goto out;
	}
	timing_phase(&st, "graph", "%zu rule%s, %zu node%s, %zu edge%s", l.nrules,
		    l.nrules == 1 ? "" : "s", l.graph.nodes.n, l.graph.nodes.n == 1 ? "" : "s",
		    l.graph.nedges, l.graph.nedges == 1 ? "" : "s");
	if (o->list) {
		list(&l);
		goto out;
	}
	if (o->dump && !strcmp(o->dump, "graph")) {
		struct buf b = {0};
		graph_dump(&b, &l.graph);
		fputs(b.s ? b.s : "", stdout);
		buf_free(&b);
		goto out;
	}
	/* nothing reads the list of rules or the Taskfile's text from here on
	 * but a message */
	taskfile_shed(&l);
	for (i = 0; i < ngoals; i++) {
		nodes[i] = graph_node(&l.graph, goals[i].name, strlen(goals[i].name));
		if (goals[i].after)
			graph_stat_stop(&l.graph); /* plan_makeable states files */
		if (goals[i].after && !plan_makeable(&l.graph, nodes[i], &fs_os)) {
			diag_error((struct loc){0}, "task '%s' takes at most %zu argument%s",
				   goals[i - 1].name, goals[i - 1].args.n,
				   goals[i - 1].args.n == 1 ? "" : "s");
			diag_note((struct loc){0}, "'%s' is neither one of its arguments nor a target",
				  goals[i].name);
			rc = EXIT_USAGE;
			continue;
		}
		if (goals[i].task && !task_bind(&l.vars, &l.ast, nodes[i]->gen, &goals[i].args))
			rc = EXIT_USAGE;
	}
	if (ngoals == 0) {
		if (!l.first) {
			diag_error((struct loc){0}, "no rules or tasks in '%s'", path);
			rc = EXIT_USAGE;
			goto out;
		}
		nodes[ngoals++] = l.first;
	}
	if (rc)
		goto out;
	/* the graph outlives every use of the log but its close */
	log.intern = nodepath;
	log.intern_ctx = &l.graph;
	if (!statelog_load(&log, ".baton", !o->dry_run && !o->dump)) {
		rc = EXIT_USAGE;
		goto out;
	}
	timing_phase(&st, "state log", NULL);
	po.fs = &fs_os;
	po.always = o->always;
	po.explain = o->explain;
	po.content = o->content;
	po.log = &log;
	po.vars = &l.vars;
	po.now = os_now();
	po.statjobs = os_ncpus();
	if (!plan_build(&plan, &l.graph, nodes, ngoals, &po)) {
		rc = EXIT_USAGE;
		goto out;
	}
	timing_phase(&st, "plan", "%zu job%s to run", plan.njobs, plan.njobs == 1 ? "" : "s");
	for (i = 0; i < plan.nwork; i++) {
		struct edge *e = plan.work[i];
		if (e->rule->kind == ST_TASK && e->rule->params && !e->args &&
		    !task_bind(&l.vars, &l.ast, e, NULL))
			rc = EXIT_USAGE;
	}
	if (rc)
		goto out;
	if (o->dump && !strcmp(o->dump, "plan")) {
		struct buf b = {0};
		plan_dump(&b, &plan);
		fputs(b.s ? b.s : "", stdout);
		buf_free(&b);
		goto out;
	}
	if (plan.njobs == 0) {
		puts("baton: nothing to do");
		goto out;
	}
	exec_init(&x, &l.vars);
	if (!realpath(".", root))
		strcpy(root, "/nonexistent");
	x.oc.log = o->dry_run ? NULL : &log;
	x.oc.vars = &l.vars;
	x.oc.root = root;
	x.oc.content = o->content;
	x.explain = o->explain;
	x.plan = &plan;
	x.verbose = o->verbose;
	x.dry_run = o->dry_run;
	x.total = plan.njobs;
	r = exec_runner(&x);
	sched_run(&plan, &so, &r, &res);
	exec_free(&x);
	timing_phase(&st, o->dry_run ? "print" : "run", "%zu job%s %s", res.started,
		    res.started == 1 ? "" : "s", o->dry_run ? "printed" : "run");
	out_flush();
	if (res.interrupted) {
		fprintf(stderr, "baton: interrupted by %s\n", os_signame(x.signal));
		rc = 128 + x.signal;
	} else if (res.failed) {
		if (o->keep_going)
			fprintf(stderr, "baton: %zu job%s failed\n", res.failed,
				res.failed == 1 ? "" : "s");
		else
			fprintf(stderr, "baton: build stopped: %zu job%s failed\n", res.failed,
				res.failed == 1 ? "" : "s");
		rc = EXIT_FAILED;
	}
out:
	/* the graph first: compacting the log may read all of it again */
	plan_free(&plan);
	taskfile_free(&l);
	statelog_close(&log);
	recipe_free();
	source_free_all();
	free(goals);
	free(nodes);
	timing_phase(&st, "free", NULL);
	timing_print(&st);
	return rc;
}

int main(int argc, char **argv)
{
	static char outbuf[64 * 1024];
	struct options o = {0};
	int first, rc;

	/* a closed output pipe or a file size limit make writes fail (and are
	 * reported) rather than kill baton with its jobs unrecorded; the jobs get
	 * the default actions back (os_spawn) */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
	os_std_fds();
	/* to a file or a pipe, stdout goes out in big writes: every place that
	 * must be seen in order (a status line, a message on stderr) flushes it */
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	first = parse_options(argc, argv, &o);
	if (o.dir && chdir(o.dir) < 0) {
		fprintf(stderr, "baton: cannot change to '%s': %s\n", o.dir, strerror(errno));
		return EXIT_USAGE;
	}
	rc = run(&o, argc - first, argv + first);
	out_flush();
	if (out_error() || ferror(stdout)) {
		fprintf(stderr, "baton: error writing output: %s\n",
			strerror(out_error() ? out_error() : EIO));
		if (rc == 0)
			rc = EXIT_FAILED;
	}
	return rc;
}
