/* Tasks' parameters: which command-line words are a task's arguments, and the
 * values its parameters get from them, from defaults, or the error saying what
 * is missing or too much. */
#include "common.h"
#include "graph/taskfile.h"
#include "lang/eval.h"
#include "plan/task.h"

static const char *TF = "region = eu-west\n"
			"task deploy env where=\"{{region}}\" *hosts:\n\techo {{env}}\n"
			"task two a b:\n\techo {{a}} {{b}}\n"
			"task one x='some thing':\n\techo {{x}}\n"
			"task rest *words:\n\techo {{words}}\n"
			"task plain:\n\techo plain\n";

static void load(struct taskfile *l)
{
	taskfile_init(l);
	ck_assert(taskfile_source(l, src_of(TF)));
	ck_assert(taskfile_graph(l));
}

static void unload(struct taskfile *l)
{
	taskfile_free(l);
	source_free_all();
	diag_reset(); /* the errors a test made are not the next one's */
}

static const struct stmt *task(const struct taskfile *l, const char *name)
{
	const struct stmt *t = taskfile_task(l, name);

	ck_assert_ptr_nonnull(t);
	return t;
}

/* Bind the words (space-separated) to task name's parameters: "a=1 b=(x y)"
 * in the order they are declared, a variadic one in parentheses, and
 * "FAILED" ahead if task_bind says so; *diag the diagnostics. */
static char *bind(const char *name, const char *words, char **diag)
{
	struct taskfile l;
	struct buf b = {0};
	struct taskargs args = {0};
	char copy[256], *w, *save = NULL, *argv[16];
	const struct param *p;
	struct edge *e;

	load(&l);
	e = graph_node(&l.graph, name, strlen(name))->gen;
	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_eq(e->rule, task(&l, name));
	strcpy(copy, words);
	for (w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
		argv[args.n++] = w;
	args.words = argv;
	capture_start();
	if (!task_bind(&l.vars, &l.ast, e, &args))
		buf_puts(&b, "FAILED ");
	*diag = capture_end();
	for (p = e->rule->params; p; p = p->next) {
		const struct scope *s;
		for (s = e->args; s && strcmp(s->name, p->name); s = s->up)
			;
		ck_assert_ptr_nonnull(s);
		buf_printf(&b, "%s%s=%s", p == e->rule->params ? "" : " ", p->name,
			   p->variadic ? "(" : "");
		list_join(&b, s->val, " ");
		if (p->variadic)
			buf_putc(&b, ')');
	}
	buf_add(&b, "", 0);
	unload(&l);
	return b.s;
}

#define BIND_EQ(name, words, want, wantdiag)                                                       \
	do {                                                                                       \
		char *d_, *got_ = bind(name, words, &d_);                                          \
		ck_assert_str_eq(got_, want);                                                      \
		ck_assert_str_eq(d_, wantdiag);                                                    \
		free(got_);                                                                        \
		free(d_);                                                                          \
	} while (0)

START_TEST(assignments_on_the_command_line)
{
	ck_assert(task_isassign("a=b"));
	ck_assert(task_isassign("CC=gcc -O2"));
	ck_assert(task_isassign("_x1="));
	ck_assert(task_isassign("a==b"));
	ck_assert(!task_isassign("=b"));
	ck_assert(!task_isassign("1a=b"));
	ck_assert(!task_isassign("a.b=c"));
	ck_assert(!task_isassign("-Da=b"));
	ck_assert(!task_isassign("a"));
	ck_assert(!task_isassign(""));
}
END_TEST

START_TEST(named_arguments)
{
	struct taskfile l;
	const struct stmt *t;

	load(&l);
	t = task(&l, "deploy");
	ck_assert(task_named(t, "env=prod"));
	ck_assert(task_named(t, "where="));
	ck_assert(task_named(t, "hosts=a b"));
	ck_assert(!task_named(t, "env"));	/* no '=' */
	ck_assert(!task_named(t, "en=prod"));	/* a prefix of a name */
	ck_assert(!task_named(t, "envs=prod")); /* longer than it */
	ck_assert(!task_named(t, "region=x"));	/* a variable, not a parameter */
	ck_assert(!task_named(task(&l, "plain"), "env=prod"));
	unload(&l);
}
END_TEST

/* task_argc of name over words (space-separated). */
static size_t argc_of(const char *name, const char *words)
{
	struct taskfile l;
	char copy[256], *w, *save = NULL, *argv[16];
	size_t n = 0, k;

	load(&l);
	strcpy(copy, words);
	for (w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
		argv[n++] = w;
	k = task_argc(task(&l, name), argv, n);
	unload(&l);
	return k;
}

START_TEST(how_many_words_are_arguments)
{
	/* as many as it has parameters: the next word is another goal */
	ck_assert_uint_eq(argc_of("two", "1 2 other"), 2);
	ck_assert_uint_eq(argc_of("two", "1"), 1);
	ck_assert_uint_eq(argc_of("two", ""), 0);
	ck_assert_uint_eq(argc_of("one", "x other"), 1);
	ck_assert_uint_eq(argc_of("plain", "x"), 0);
	/* a variadic parameter takes every word after it */
	ck_assert_uint_eq(argc_of("deploy", "prod us-east w1 w2 w3"), 5);
	ck_assert_uint_eq(argc_of("rest", "a b c"), 3);
	/* NAME=value of another name is a variable override among them */
	ck_assert_uint_eq(argc_of("two", "CC=gcc 1 2 other"), 3);
	ck_assert_uint_eq(argc_of("two", "1 2 CC=gcc other"), 2);
	ck_assert_uint_eq(argc_of("plain", "CC=gcc"), 0);
	/* a parameter's name=value is its argument wherever it is */
	ck_assert_uint_eq(argc_of("two", "1 2 b=3"), 3);
	ck_assert_uint_eq(argc_of("plain", "a=1"), 0);
}
END_TEST

START_TEST(named_arguments_take_their_place)
{
	/* a parameter given by name leaves one place fewer for the words in
	 * order, whichever side of them it is: the word after is another goal */
	ck_assert_uint_eq(argc_of("two", "a=1 2 other"), 2);
	ck_assert_uint_eq(argc_of("two", "b=1 2 other"), 2);
	ck_assert_uint_eq(argc_of("two", "1 b=2 other"), 2);
	ck_assert_uint_eq(argc_of("two", "a=1 b=2 other"), 2);
	ck_assert_uint_eq(argc_of("one", "x=1 other"), 1);
	/* one given twice by name takes one place */
	ck_assert_uint_eq(argc_of("two", "a=1 a=2 3 other"), 3);
	/* one given in order, then by name, takes one place too */
	ck_assert_uint_eq(argc_of("two", "1 a=2 3 other"), 3);
	/* a variadic one named still takes every word in order after it */
	ck_assert_uint_eq(argc_of("rest", "words=a b c"), 3);
}
END_TEST

START_TEST(positional_arguments)
{
	BIND_EQ("two", "1 2", "a=1 b=2", "");
	BIND_EQ("deploy", "prod us-east web1 web2", "env=prod where=us-east hosts=(web1 web2)", "");
	BIND_EQ("rest", "a b c", "words=(a b c)", "");
}
END_TEST

START_TEST(named_and_positional_arguments)
{
	BIND_EQ("two", "b=2 a=1", "a=1 b=2", "");
	/* the words in order fill the parameters not named */
	BIND_EQ("two", "a=1 2", "a=1 b=2", "");
	BIND_EQ("two", "b=1 2", "a=2 b=1", "");
	/* the last value given for a name wins */
	BIND_EQ("two", "1 2 a=3", "a=3 b=2", "");
	BIND_EQ("two", "a=1 a=3 2", "a=3 b=2", "");
	/* a value may hold '=' and be empty */
	BIND_EQ("two", "a=x=y b=", "a=x=y b=", "");
	/* a variadic parameter by name gets one word; words in order join it
	 * once the others have theirs */
	BIND_EQ("deploy", "hosts=h1 prod us h2", "env=prod where=us hosts=(h1 h2)", "");
	BIND_EQ("deploy", "prod hosts=h1", "env=prod where=eu-west hosts=(h1)", "");
	/* overrides of other variables are not arguments */
	BIND_EQ("two", "CC=gcc 1 2", "a=1 b=2", "");
}
END_TEST

START_TEST(defaults)
{
	/* a default is a word evaluated with the Taskfile's variables */
	BIND_EQ("deploy", "prod", "env=prod where=eu-west hosts=()", "");
	BIND_EQ("one", "", "x=some thing", "");
	BIND_EQ("one", "given", "x=given", "");
	/* a variadic parameter without words is empty, not missing */
	BIND_EQ("rest", "", "words=()", "");
}
END_TEST

START_TEST(missing_arguments)
{
	BIND_EQ("deploy", "", "FAILED env= where=eu-west hosts=()",
		"Taskfile:2:13: error: task 'deploy' needs a value for parameter 'env'\n"
		"    task deploy env where=\"{{region}}\" *hosts:\n"
		"                ^~~\n");
	BIND_EQ("two", "b=2", "FAILED a= b=2",
		"Taskfile:4:10: error: task 'two' needs a value for parameter 'a'\n"
		"    task two a b:\n"
		"             ^\n");
	/* each missing one is reported */
	BIND_EQ("two", "", "FAILED a= b=",
		"Taskfile:4:10: error: task 'two' needs a value for parameter 'a'\n"
		"    task two a b:\n"
		"             ^\n"
		"Taskfile:4:12: error: task 'two' needs a value for parameter 'b'\n"
		"    task two a b:\n"
		"               ^\n");
}
END_TEST

START_TEST(surplus_arguments)
{
	BIND_EQ("two", "1 2 3", "FAILED a=1 b=2",
		"baton: error: task 'two' takes at most 2 arguments\n");
	BIND_EQ("one", "1 2", "FAILED x=1", "baton: error: task 'one' takes at most 1 argument\n");
	BIND_EQ("plain", "x", "FAILED ", "baton: error: task 'plain' takes at most 0 arguments\n");
	/* a word in order after both were named */
	BIND_EQ("two", "a=1 b=2 3", "FAILED a=1 b=2",
		"baton: error: task 'two' takes at most 2 arguments\n");
}
END_TEST

START_TEST(no_arguments_at_all)
{
	/* a task that the plan reaches as another's input gets no words */
	struct taskfile l;
	struct edge *e;
	char *d;

	load(&l);
	e = graph_node(&l.graph, "deploy", 6)->gen;
	capture_start();
	ck_assert(!task_bind(&l.vars, &l.ast, e, NULL));
	d = capture_end();
	ck_assert_str_eq(d,
			 "Taskfile:2:13: error: task 'deploy' needs a value for parameter 'env'\n"
			 "    task deploy env where=\"{{region}}\" *hosts:\n"
			 "                ^~~\n");
	free(d);
	e = graph_node(&l.graph, "one", 3)->gen;
	capture_start();
	ck_assert(task_bind(&l.vars, &l.ast, e, NULL));
	d = capture_end();
	ck_assert_str_eq(d, "");
	ck_assert_str_eq(e->args->name, "x");
	ck_assert_uint_eq(e->args->val->n, 1);
	ck_assert_str_eq(e->args->val->v[0], "some thing");
	ck_assert_ptr_null(e->args->up);
	free(d);
	unload(&l);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("task");
	TCase *tc = tcase_create("task");

	tcase_add_test(tc, assignments_on_the_command_line);
	tcase_add_test(tc, named_arguments);
	tcase_add_test(tc, how_many_words_are_arguments);
	tcase_add_test(tc, named_arguments_take_their_place);
	tcase_add_test(tc, positional_arguments);
	tcase_add_test(tc, named_and_positional_arguments);
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, missing_arguments);
	tcase_add_test(tc, surplus_arguments);
	tcase_add_test(tc, no_arguments_at_all);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
