/* libFuzzer target: arbitrary bytes as a Taskfile, through the lexer, the parser,
 * the evaluator and the planner (on a fake filesystem, with a small state log),
 * then the expansion of every recipe and attribute of the jobs the plan would run.
 * First the input is parsed alone twice, with rule headers of plain words lexed
 * whole and a token at a time, and the two must agree to the byte.
 *
 * Nothing here may touch the machine: shell() is never evaluated (inputs that
 * spell it are skipped), glob() sees only relative patterns, includes come from
 * memory, and starting a process aborts. The last three are link-time wraps
 * (-Wl,--wrap=..., see build.sh). */
#include <errno.h>
#include <glob.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/ast.h"
#include "lang/diag.h"
#include "lang/eval.h"
#include "graph/taskfile.h"
#include "os/os.h"
#include "base/path.h"
#include "os/fs.h"
#include "plan/plan.h"
#include "plan/recipe.h"
#include "lang/source.h"
#include "state/statelog.h"
#include "plan/task.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input is the Taskfile of a directory that exists only in memory, with a few
 * files it may include. */
#define INCDIR "/baton-fuzz/"
static const char taskfile[] = INCDIR "Taskfile";
static FILE *devnull;
static bool verbose; /* BATON_FUZZ_VERBOSE set: show diagnostics, graph, plan, scripts */

static const struct {
	const char *name, *text;
} incfiles[] = {
    {"vars.tf",
     "cc = cc\ncflags += -O2 -g\nsrcs = main.c util.c\nobjs = {{patsubst('%.c', '%.o', srcs)}}\n"},
    {"rules.tf", "%.o: %.c\n    {{cc}} {{cflags}} -c {{in}} -o {{out}}\n"},
    {"tasks.tf",
     "## Say hello.\ntask hello who=\"world\" *rest:\n    echo hello {{who}} {{rest}}\n"},
    {"self.tf", "include self.tf\n"},
    {"loop1.tf", "include loop2.tf\n"},
    {"loop2.tf", "include loop1.tf\n"},
    {"bad.tf", "= oops\n  indented\nx: {{nope\n"},
    {"sub/inc.tf", "include ../vars.tf\nsub = {{cc}} sub\n"},
};

/* Files the fake filesystem has; every other path is missing. */
static const struct {
	const char *path;
	int64_t mtime;
} files[] = {
    {"main.c", 2000}, {"main.o", 1000},	 {"util.c", 1000},	   {"util.o", 2000},
    {"util.h", 1500}, {"src/a.c", 3000}, {"in.txt", 1000},	   {"data/a.csv", 1000},
    {"x", 500},	      {"Taskfile", 100}, {"future.c", 9000000000}, /* newer than "now" */
};

static void fake_stat(void *ctx, const char *path, struct filestat *st)
{
	size_t i;

	(void)ctx;
	memset(st, 0, sizeof(*st));
	st->mtime = MTIME_MISSING;
	for (i = 0; i < LEN(files); i++) {
		if (!strcmp(files[i].path, path)) {
			st->mtime = files[i].mtime;
			st->size = (int64_t)strlen(path);
			st->ino = i + 1;
		}
	}
}

static bool fake_hash(void *ctx, const char *path, uint64_t *h)
{
	size_t i;

	(void)ctx;
	for (i = 0; i < LEN(files); i++) {
		if (!strcmp(files[i].path, path)) {
			*h = i % 2 ? 0xfeed : i;
			return true;
		}
	}
	return false;
}

static const struct fs fakefs = {NULL, fake_stat, fake_hash};

/* What the last runs did, for a few of the names the seeds use. */
static struct statelog lastrun = {.fd = -1, .lockfd = -1};

static void makelog(void)
{
	struct recfile mo[] = {{"main.o", {1000, 6, 2, 0}, 0, false}};
	struct recfile mi[] = {{"main.c", {2000, 6, 1, 0}, 0xfeed, true}};
	struct recfile md[] = {{"util.h", {1500, 6, 5, 0}, 1, true}, {"gone.h", {1, 1, 1, 0}, 0, false}};
	struct recfile uo[] = {{"util.o", {2000, 6, 4, 0}, 0, false}};
	struct recfile ui[] = {{"util.c", {900, 6, 3, 0}, 0, true}};
	struct recfile po[] = {{"prog", {5000, 4, 99, 0}, 0, false}};
	struct recfile pi[] = {{"main.o", {1000, 6, 2, 0}, 0, false},
			       {"util.o", {2000, 6, 4, 0}, 0, false}};
	struct record recs[] = {
	    {"cc -c main.c\n", true, 10, 100, mo, mi, md, 1, 1, 2, NULL, NULL},
	    {"cc -c util.c -o util.o\n", true, 10, 100, uo, ui, NULL, 1, 1, 0, NULL, NULL},
	    {"cc -o prog main.o util.o\n", false, 10, 100, po, pi, NULL, 1, 2, 0, NULL, NULL},
	};
	struct buf b = {0};
	size_t i;

	for (i = 0; i < LEN(recs); i++)
		logline_format(&b, &recs[i]);
	statelog_parse(&lastrun, b.s, b.len);
	buf_free(&b);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	makelog();
	/* a quarter of baton's budget of words: within baton's limits a 4 KB input
	 * can still make a million words, which under the sanitizers takes minutes */
	eval_set_budget(EVAL_MAX_TOTAL / 4);
	verbose = getenv("BATON_FUZZ_VERBOSE") != NULL;
	devnull = fopen("/dev/null", "w");
	if (!devnull) {
		fprintf(stderr, "fuzz_taskfile: cannot open /dev/null\n");
		exit(1);
	}
	return 0;
}

/* Includes: read from incfiles, never from the disk, so that no input can read a
 * device or a huge file. Anything else does not exist. */
uint32_t __wrap_source_load(const char *path);
uint32_t __wrap_source_load(const char *path)
{
	char canon[4096];
	size_t n = strlen(path), i;

	if (n < sizeof(canon)) {
		memcpy(canon, path, n);
		path_canon(canon, n);
		for (i = 0; i < LEN(incfiles); i++) {
			if (!strncmp(canon, INCDIR, strlen(INCDIR)) &&
			    !strcmp(canon + strlen(INCDIR), incfiles[i].name))
				return source_add(path, incfiles[i].text, strlen(incfiles[i].text));
		}
	}
	errno = ENOENT;
	return 0;
}

/* glob(): only relative patterns without "..", so only the run directory is read. */
int __real_glob(const char *pat, int flags, int (*errfn)(const char *, int), glob_t *g);
int __wrap_glob(const char *pat, int flags, int (*errfn)(const char *, int), glob_t *g);
int __wrap_glob(const char *pat, int flags, int (*errfn)(const char *, int), glob_t *g)
{
	if (pat[0] == '/' || pat[0] == '~' || strstr(pat, ".."))
		return GLOB_NOMATCH;
	return __real_glob(pat, flags, errfn, g);
}

/* Starting a process would mean that the "shell" filter of LLVMFuzzerTestOneInput
 * missed a way in. */
bool __wrap_os_capture(const char *cmd, struct buf *out, int *status);
bool __wrap_os_capture(const char *cmd, struct buf *out, int *status)
{
	(void)out;
	(void)status;
	fprintf(stderr, "fuzz_taskfile: the input would run a command: %s\n", cmd);
	abort();
}

int __wrap_os_spawn(const struct os_spawn *s, pid_t *pid);
int __wrap_os_spawn(const struct os_spawn *s, pid_t *pid)
{
	(void)pid;
	fprintf(stderr, "fuzz_taskfile: the input would start %s\n", s->argv[0]);
	abort();
}

/* Bind the parameters of the tasks to run, then expand every recipe and
 * attribute, as a dry run does. */
static void expand(struct taskfile *l, struct plan *p)
{
	static const char *const attrs[] = {"depfile", "precious", "content", "dir", "alias"};
	struct buf script = {0};
	struct arena a = {0};
	struct recipes rx;
	bool ok = true;
	size_t i, j;

	for (i = 0; i < p->nwork; i++) {
		struct edge *e = p->work[i];
		if (e->rule->kind == ST_TASK && e->rule->params && !e->args)
			ok = task_bind(&l->vars, &l->ast, e, NULL) && ok;
	}
	recipes_init(&rx, &l->vars);
	for (i = 0; ok && i < p->nwork; i++) {
		struct edge *e = p->work[i];
		for (j = 0; j < LEN(attrs); j++)
			recipe_attr(&rx, e, attrs[j], &a);
		if (!edge_hasjob(e) || !recipe_check(&rx, e))
			continue;
		script.len = 0;
		if (recipe_expand(&rx, e, &script) && verbose)
			fprintf(stderr, "script of %s:\n%s", edge_name(e),
				script.s ? script.s : "");
	}
	recipes_free(&rx);
	arena_free(&a);
	buf_free(&script);
}

/* The syntax tree, the places of its words and the messages of parsing source
 * src, with rule headers of plain words lexed whole or a token at a time. */
static char *parsed(uint32_t src, bool whole)
{
	struct arena a = {0};
	struct stmt *s = NULL;
	struct buf b = {0};
	char *msgs = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&msgs, &n);

	if (!f)
		abort();
	diag_set_stream(f);
	parse_headers = whole;
	parse_source(&a, NULL, src, &s, NULL);
	parse_headers = true;
	fclose(f);
	ast_dump(&b, s);
	ast_dump_places(&b, s);
	buf_printf(&b, "--\n%s", msgs);
	free(msgs);
	arena_free(&a);
	diag_reset();
	return b.s;
}

/* Both ways of lexing a header must give the parser the same thing. */
static void same_both_ways(uint32_t src)
{
	char *whole = parsed(src, true), *bytoken = parsed(src, false);

	if (strcmp(whole ? whole : "", bytoken ? bytoken : "")) {
		fprintf(stderr, "headers lexed whole:\n%s\ntoken by token:\n%s\n", whole, bytoken);
		abort();
	}
	free(whole);
	free(bytoken);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct taskfile l;
	struct plan p = {0};
	struct plan_opts po = {.fs = &fakefs, .explain = true, .log = &lastrun, .now = 1};
	struct buf dump = {0};
	uint32_t src;

	if (memmem(data, size, "shell", 5))
		return 0;
	diag_set_stream(verbose ? stderr : devnull);
	eval_reset();
	src = source_add(taskfile, (const char *)data, size);
	same_both_ways(src);
	diag_set_stream(verbose ? stderr : devnull);
	taskfile_init(&l);
	if (taskfile_source(&l, src) && taskfile_graph(&l)) {
		graph_dump(&dump, &l.graph);
		po.vars = &l.vars;
		plan_init(&p, &l.graph, &po);
		if (l.first && plan_build(&p, &l.first, 1)) {
			plan_dump(&dump, &p);
			expand(&l, &p);
		}
	}
	if (verbose && dump.s)
		fprintf(stderr, "graph and plan:\n%s", dump.s);
	buf_free(&dump);
	plan_free(&p);
	taskfile_free(&l);
	source_free_all();
	diag_reset();
	return 0;
}
