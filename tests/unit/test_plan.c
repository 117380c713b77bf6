/* The planner against a fake filesystem: what is out of date, pattern rules,
 * missing inputs and cycles. */
#include "common.h"
#include "fakefs.h"
#include "graph/taskfile.h"

static const char *TF = "app: main.o util.o\n\tld\n"
			"%.o: %.c | obj\n\tcc\n"
			"obj:\n\tmkdir obj\n"
			"task test: app\n\t./app\n";

/* Plan goals (space-separated; "" for the default) and dump the plan. */
static char *plan(const char *text, struct fakefs *fs, const char *goals, bool always,
		  char **diag)
{
	struct fs f = {fs, fake_stat, NULL};
	struct plan_opts po = {.fs = &f, .always = always};
	struct node *nodes[8];
	struct plan p;
	struct taskfile l;
	struct buf b = {0};
	char words[256], *w, *save = NULL;
	size_t n = 0;

	taskfile_init(&l);
	capture_start();
	ck_assert(taskfile_source(&l, src_of(text)));
	ck_assert(taskfile_graph(&l));
	strcpy(words, goals);
	for (w = strtok_r(words, " ", &save); w; w = strtok_r(NULL, " ", &save))
		nodes[n++] = graph_node(&l.graph, w, strlen(w));
	if (n == 0)
		nodes[n++] = l.first;
	plan_init(&p, &l.graph, &po);
	if (!plan_build(&p, nodes, n))
		buf_puts(&b, "FAILED\n");
	plan_dump(&b, &p);
	*diag = capture_end();
	plan_free(&p);
	taskfile_free(&l);
	buf_add(&b, "", 0);
	return b.s;
}

#define PLAN_EQ(fs, goals, always, want)                                                           \
	do {                                                                                       \
		char *d, *got = plan(TF, fs, goals, always, &d);                                   \
		ck_assert_str_eq(d, "");                                                           \
		ck_assert_str_eq(got, want);                                                       \
		free(got);                                                                         \
		free(d);                                                                           \
	} while (0)

START_TEST(clean_build_runs_everything_in_order)
{
	struct fakefs fs = {0};

	fake_set(&fs, "main.c", 10);
	fake_set(&fs, "util.c", 10);
	PLAN_EQ(&fs, "", false,
		"obj pending=0\nmain.o pending=1\nutil.o pending=1\napp pending=2\n");
}
END_TEST

START_TEST(up_to_date_runs_nothing_and_stats_once)
{
	struct fakefs fs = {0};

	fake_set(&fs, "main.c", 10);
	fake_set(&fs, "util.c", 10);
	fake_set(&fs, "obj", 5);
	fake_set(&fs, "main.o", 20);
	fake_set(&fs, "util.o", 20);
	fake_set(&fs, "app", 30);
	PLAN_EQ(&fs, "", false, "");
	ck_assert_int_eq(fs.stats, 6); /* each file once */
	PLAN_EQ(&fs, "", true,
		"obj pending=0\nmain.o pending=1\nutil.o pending=1\napp pending=2\n");
}
END_TEST

START_TEST(newer_input_reruns_only_dependents)
{
	struct fakefs fs = {0};

	fake_set(&fs, "main.c", 10);
	fake_set(&fs, "util.c", 25);
	fake_set(&fs, "obj", 5);
	fake_set(&fs, "main.o", 20);
	fake_set(&fs, "util.o", 20);
	fake_set(&fs, "app", 30);
	PLAN_EQ(&fs, "", false, "util.o pending=0\napp pending=1\n");
	/* the order-only input being newer changes nothing */
	fake_set(&fs, "util.c", 10);
	fake_set(&fs, "obj", 99);
	PLAN_EQ(&fs, "", false, "");
	/* nanoseconds count */
	fake_set(&fs, "main.c", 20000000001);
	fake_set(&fs, "main.o", 20000000000);
	PLAN_EQ(&fs, "main.o", false, "main.o pending=0\n");
}
END_TEST

START_TEST(tasks_always_run)
{
	struct fakefs fs = {0};

	fake_set(&fs, "main.c", 10);
	fake_set(&fs, "util.c", 10);
	fake_set(&fs, "obj", 5);
	fake_set(&fs, "main.o", 20);
	fake_set(&fs, "util.o", 20);
	fake_set(&fs, "app", 30);
	PLAN_EQ(&fs, "test", false, "test pending=0\n");
}
END_TEST

START_TEST(missing_input_and_unknown_goal)
{
	struct fakefs fs = {0};
	char *d, *got;

	fake_set(&fs, "main.c", 10);
	got = plan(TF, &fs, "", false, &d);
	ck_assert_str_eq(got, "FAILED\nobj pending=0\nmain.o pending=1\napp pending=1\n");
	ck_assert_str_eq(d, "Taskfile:1:13: error: no rule to make 'util.o', needed by 'app'\n"
			    "    app: main.o util.o\n"
			    "                ^~~~~~\n"
			    "Taskfile:3:6: note: the pattern rule for '%.o' matches, but its input "
			    "'util.c' is missing and no rule makes it\n"
			    "    %.o: %.c | obj\n"
			    "         ^~~\n");
	free(got);
	free(d);
	got = plan(TF, &fs, "nosuch", false, &d);
	ck_assert_str_eq(d, "baton: error: unknown target 'nosuch'\n");
	free(got);
	free(d);
}
END_TEST

START_TEST(cycle_is_reported_whole)
{
	struct fakefs fs = {0};
	char *d, *got;

	got = plan("a: b\n\tx\nb: c\n\tx\nc: a\n\tx\n", &fs, "", false, &d);
	ck_assert(!strncmp(got, "FAILED\n", 7));
	ck_assert_str_eq(d, "Taskfile:5:4: error: dependency cycle: a -> b -> c -> a\n"
			    "    c: a\n"
			    "       ^\n"
			    "Taskfile:1:4: note: 'a' needs 'b'\n"
			    "    a: b\n"
			    "       ^\n"
			    "Taskfile:3:4: note: 'b' needs 'c'\n"
			    "    b: c\n"
			    "       ^\n"
			    "Taskfile:5:4: note: 'c' needs 'a'\n"
			    "    c: a\n"
			    "       ^\n");
	free(got);
	free(d);
}
END_TEST

START_TEST(long_chain_needs_no_deep_recursion)
{
	struct fakefs fs = {0};
	struct buf b = {0};
	char *d, *got;
	int i, n = 100000;

	for (i = n; i > 0; i--)
		buf_printf(&b, "f%d: f%d\n\tx\n", i, i - 1);
	buf_puts(&b, "f0:\n\tx\n");
	got = plan(b.s, &fs, "", false, &d);
	ck_assert_str_eq(d, "");
	ck_assert(!strncmp(got, "f0 pending=0\nf1 pending=1\n", 26));
	free(got);
	free(d);
	buf_free(&b);
}
END_TEST

START_TEST(pattern_chains)
{
	struct fakefs fs = {0};
	char *d, *got;

	fake_set(&fs, "x.y", 10);
	got = plan("all: x.o\n%.o: %.c\n\tcc\n%.c: %.y\n\tyacc\n", &fs, "", false, &d);
	ck_assert_str_eq(d, "");
	ck_assert_str_eq(got, "x.c pending=0\nx.o pending=1\nall pending=1 (no recipe)\n");
	free(got);
	free(d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("plan");
	TCase *tc = tcase_create("plan");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, clean_build_runs_everything_in_order);
	tcase_add_test(tc, up_to_date_runs_nothing_and_stats_once);
	tcase_add_test(tc, newer_input_reruns_only_dependents);
	tcase_add_test(tc, tasks_always_run);
	tcase_add_test(tc, missing_input_and_unknown_goal);
	tcase_add_test(tc, cycle_is_reported_whole);
	tcase_add_test(tc, long_chain_needs_no_deep_recursion);
	tcase_add_test(tc, pattern_chains);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
