/* Evaluation: variables, list splicing, functions, recipes and their quoting. */
#include "common.h"
#include "lang/eval.h"
#include "graph/taskfile.h"

static struct taskfile L;

/* Load a Taskfile from text; the value of variable name, words joined by '|'. */
static char *value(const char *text, const char *name, char **diag)
{
	struct buf b = {0};
	struct var *v;
	const struct list *l;

	taskfile_init(&L);
	capture_start();
	if (taskfile_source(&L, src_of(text)) && (v = vars_find(&L.vars, name)) &&
	    (l = vars_value(&L.vars, v, (struct loc){0})))
		list_join(&b, l, "|");
	*diag = capture_end();
	taskfile_free(&L);
	buf_add(&b, "", 0);
	return b.s;
}

#define VALUE_EQ(text, name, want)                                                                 \
	do {                                                                                       \
		char *d, *got = value(text, name, &d);                                             \
		ck_assert_str_eq(d, "");                                                           \
		ck_assert_str_eq(got, want);                                                       \
		free(got);                                                                         \
		free(d);                                                                           \
	} while (0)

/* The value of expr with the variables defs defined. */
#define EXPR_EQ(defs, expr, want)                                                                  \
	do {                                                                                       \
		char text_[512];                                                                   \
		snprintf(text_, sizeof(text_), "%sx = {{%s}}\n", defs, expr);                      \
		VALUE_EQ(text_, "x", want);                                                        \
	} while (0)

#define VALUE_ERR(text, name, want)                                                                \
	do {                                                                                       \
		char *d, *got = value(text, name, &d);                                             \
		ck_assert_msg(strstr(d, want), "want '%s' in '%s'", want, d);                      \
		free(got);                                                                         \
		free(d);                                                                           \
	} while (0)

START_TEST(lists_and_quoting)
{
	VALUE_EQ("x = a \"b c\" 'd $e' \"\"\n", "x", "a|b c|d $e|");
	VALUE_EQ("x = a\nx += b\nx += c\n", "x", "a|b|c");
	VALUE_EQ("x = a\nx = b\n", "x", "b");
	VALUE_EQ("x ?= a\n", "x", "a");
	VALUE_EQ("x ?= a\nx = b\n", "x", "b");
	VALUE_EQ("x ?= a\nx += b\n", "x", "a|b");
}
END_TEST

START_TEST(splicing)
{
	VALUE_EQ("d = a b\nx = -I{{d}}.h {{d}}\n", "x", "-Ia.h|-Ib.h|a|b");
	VALUE_EQ("d = a b\nx = \"-I{{d}}\"\n", "x", "-Ia b");
	VALUE_EQ("e =\nx = pre{{e}}post z\n", "x", "z");
	VALUE_EQ("a = 1 2\nb = x y\nx = {{a}}{{b}}\n", "x", "1x|1y|2x|2y");
	/* order of definition does not matter: evaluation is lazy */
	VALUE_EQ("x = {{y}}!\ny = late\n", "x", "late!");
}
END_TEST

START_TEST(functions)
{
	VALUE_EQ("x = {{patsubst(\"src/%.c\", \"out/%.o\", \"src/a.c src/b.c other\")}}\n", "x",
		 "src/a.c src/b.c other");
	VALUE_EQ("s = src/a.c src/b.c other\nx = {{patsubst(\"src/%.c\", \"out/%.o\", s)}}\n", "x",
		 "out/a.o|out/b.o|other");
	VALUE_EQ("f = a/b.c c.tar.gz /x .profile\nx = {{dir(f)}}\n", "x", "a|.|/|.");
	VALUE_EQ("f = a/b.c c.tar.gz /x .profile\nx = {{base(f)}}\n", "x", "b.c|c.tar.gz|x|.profile");
	VALUE_EQ("f = a/b.c c.tar.gz /x .profile\nx = {{ext(f)}}\n", "x", ".c|.gz||");
	VALUE_EQ("f = a/b.c c.tar.gz /x .profile\nx = {{noext(f)}}\n", "x",
		 "a/b|c.tar|/x|.profile");
	VALUE_EQ("f = a b c\nx = {{join(f, \",\")}} {{join(f)}}\n", "x", "a,b,c|a b c");
	VALUE_EQ("x = {{shell(\"printf 'one two\\\\nthree'\")}}\n", "x", "one|two|three");
	VALUE_EQ("x = {{env(\"BATON_TEST_UNSET_VAR\", \"dflt\")}}\n", "x", "dflt");
	VALUE_EQ("x = {{f[1]}} {{f[-1]}}\nf = a b c\n", "x", "b|c");
	VALUE_EQ("x = {{f[1][0][-1]}}\nf = a b c\n", "x", "b");
	/* '%' matches one character or more, as in pattern rules */
	VALUE_EQ("s = .c a.c\nx = {{patsubst(\"%.c\", \"%.o\", s)}}\n", "x", ".c|a.o");
}
END_TEST

/* Tests give "true" or no word; && and || give their operands' values and
 * evaluate only what they need; a value is true if it has a non-empty word. */
START_TEST(conditions)
{
	const char *defs = "e =\nz = \"\"\nl = a b\nbad = {{nope}}\n";

	EXPR_EQ(defs, "l == \"a b\"", "");
	EXPR_EQ(defs, "l == l", "true");
	EXPR_EQ(defs, "l[0] == \"a\"", "true");
	EXPR_EQ(defs, "l != \"a\"", "true");
	EXPR_EQ(defs, "e == z", "");
	EXPR_EQ(defs, "!e", "true");
	EXPR_EQ(defs, "!z", "true");
	EXPR_EQ(defs, "!l", "");
	EXPR_EQ(defs, "!!l", "true");
	EXPR_EQ(defs, "l && \"y\"", "y");
	EXPR_EQ(defs, "e && bad", "");
	EXPR_EQ(defs, "l || bad", "a|b");
	EXPR_EQ(defs, "e || z || \"last\"", "last");
	EXPR_EQ(defs, "e || z", "");
	EXPR_EQ(defs, "if(l, \"yes\", bad)", "yes");
	EXPR_EQ(defs, "if(e, bad, \"no\")", "no");
	EXPR_EQ(defs, "if(e, bad)", "");
	EXPR_EQ(defs, "if(\"0\", \"zero is true\")", "zero is true");
	EXPR_EQ(defs, "if(l == \"x\" || l[1] == \"b\", l[1:], \"\")", "b");
	VALUE_ERR("x = {{e || nope}}\ne =\n", "x", "Taskfile:1:12: error: unknown variable 'nope'");
	VALUE_ERR("x = {{if(1, nope, 2)}}\n", "x", "Taskfile:1:13: error: unknown variable 'nope'");
	VALUE_ERR("x = {{if(1)}}\n", "x", "'if' takes at least 2 arguments, got 1");
	VALUE_ERR("x = {{if(1, 2, 3, 4)}}\n", "x", "'if' takes at most 3 arguments, got 4");
}
END_TEST

START_TEST(slices)
{
	const char *l = "l = a b c d\n";

	EXPR_EQ(l, "l[1:]", "b|c|d");
	EXPR_EQ(l, "l[:-1]", "a|b|c");
	EXPR_EQ(l, "l[1:3]", "b|c");
	EXPR_EQ(l, "l[-2:]", "c|d");
	EXPR_EQ(l, "l[:]", "a|b|c|d");
	EXPR_EQ(l, "l[3:1]", "");
	EXPR_EQ(l, "l[-100:100]", "a|b|c|d");
	EXPR_EQ(l, "l[9:]", "");
	EXPR_EQ(l, "l[1:][1:][0]", "c");
	VALUE_ERR("x = {{l[9:][0]}}\nl = a\n", "x",
		  "Taskfile:1:7: error: index 0 is out of range (the list has 0 words)");
}
END_TEST

/* Strings in expressions take {{ }}: the value is one word, lists joined by
 * spaces, as in a quoted word. */
START_TEST(strings_with_interpolation)
{
	VALUE_EQ("d = out\nx = {{patsubst(\"%.c\", \"{{d}}/%.o\", \"a.c\")}}\n", "x", "out/a.o");
	VALUE_EQ("l = a b\nx = {{\"<{{l}}>\"}}\n", "x", "<a b>");
	VALUE_EQ("l = a b\nx = {{\"{{\"{{l[1]}}\"}}{{{{\\{\"}}\n", "x", "b{{{");
	VALUE_ERR("x = {{\"a{{nope}}\"}}\n", "x", "Taskfile:1:11: error: unknown variable 'nope'");
}
END_TEST

START_TEST(list_functions)
{
	const char *l = "l = b.c a.c b.c main.c x.h\ne =\n";

	EXPR_EQ(l, "filter(\"%.c\", l)", "b.c|a.c|b.c|main.c");
	EXPR_EQ(l, "filter(l[3:], l)", "main.c|x.h");
	EXPR_EQ(l, "filter_out(\"main.c\", filter(\"%.c\", l))", "b.c|a.c|b.c");
	EXPR_EQ(l, "filter-out(\"%.c\", l)", "x.h");
	EXPR_EQ(l, "filter(\"%\", \"\")", "");
	EXPR_EQ(l, "sort(l)", "a.c|b.c|main.c|x.h");
	EXPR_EQ(l, "uniq(l)", "b.c|a.c|main.c|x.h");
	EXPR_EQ(l, "words(l)", "5");
	EXPR_EQ(l, "words(e)", "0");
	EXPR_EQ(l, "first(l)", "b.c");
	EXPR_EQ(l, "last(l)", "x.h");
	EXPR_EQ(l, "first(e)", "");
	EXPR_EQ(l, "subst(\".c\", \".o\", l[:2])", "b.o|a.o");
	EXPR_EQ(l, "subst(\"b\", \"\", \"abcb\")", "ac");
	EXPR_EQ(l, "replace(l[:2], \".c\", \".cc\")", "b.cc|a.cc");
	EXPR_EQ(l, "strip(\" x \")}} {{strip(\"\")", "x");
	EXPR_EQ(l, "prefix(\"-I\", l[:2])", "-Ib.c|-Ia.c");
	EXPR_EQ(l, "suffix(\".o\", l[:2])", "b.c.o|a.c.o");
	EXPR_EQ(l, "upper(\"aB1\")}} {{lower(\"aB1\")", "AB1|ab1");
	EXPR_EQ(l, "quote(\"it's\")", "'it'\\''s'");
	EXPR_EQ(l, "path_join(\"src\", l[:2])", "src/b.c|src/a.c");
	EXPR_EQ(l, "path_join(\"a/\", \"b\", \"/c\", \"d\")", "/c/d");
	EXPR_EQ(l, "path_join(\"\", \"b\")}} {{path_join(\"a\", \"\")", "b|a");
}
END_TEST

START_TEST(errors)
{
	VALUE_ERR("x = {{nope}}\n", "x", "Taskfile:1:7: error: unknown variable 'nope'");
	VALUE_ERR("x = {{in}}\n", "x", "unknown variable 'in' ('in', 'out' and 'stem' exist only");
	VALUE_ERR("x = {{nope()}}\n", "x", "Taskfile:1:7: error: unknown function 'nope'");
	VALUE_ERR("x = {{patsubst(1)}}\n", "x", "'patsubst' takes 3 arguments, got 1");
	VALUE_ERR("x = {{base()}}\n", "x", "'base' takes at least 1 argument, got 0");
	VALUE_ERR("x = {{join(a, b, c)}}\na = 1\nb = 2\nc = 3\n", "x",
		  "'join' takes at most 2 arguments, got 3");
	VALUE_ERR("x = {{base(a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a)}}\na = 1\n", "x",
		  "Taskfile:1:7: error: 'base' takes at most 16 arguments, got 17");
	VALUE_ERR("x = {{y}}\ny = {{x}}\n", "x", "error: variable 'x' refers to itself");
	VALUE_ERR("f = a\nx = {{f[3]}}\n", "x", "index 3 is out of range (the list has 1 word)");
	/* the first index that fails is the one reported */
	VALUE_ERR("f = a b\nx = {{f[5][2]}}\n", "x",
		  "Taskfile:2:7: error: index 5 is out of range (the list has 2 words)");
	VALUE_ERR("f = a b\nx = {{f[1][2][3]}}\n", "x",
		  "Taskfile:2:7: error: index 2 is out of range (the list has 1 word)\n"
		  "    x = {{f[1][2][3]}}\n"
		  "          ^~~~~~~\n");
	/* {{name[N]}} is one token, located as the general form is */
	VALUE_ERR("f = a\nx = {{ f[3] }}\n", "x",
		  "Taskfile:2:8: error: index 3 is out of range (the list has 1 word)\n"
		  "    x = {{ f[3] }}\n"
		  "           ^~~~\n");
	VALUE_ERR("f = a\nx = {{ f [3] }}\n", "x",
		  "Taskfile:2:8: error: index 3 is out of range (the list has 1 word)\n"
		  "    x = {{ f [3] }}\n"
		  "           ^~~~~\n");
	VALUE_ERR("x = {{  nope }}\n", "x", "Taskfile:1:9: error: unknown variable 'nope'\n"
					 "    x = {{  nope }}\n"
					 "            ^~~~\n");
	VALUE_ERR("x = {{subst(\"\", \"a\", \"b\")}}\n", "x",
		  "Taskfile:1:7: error: 'subst' needs text to replace, got an empty word");
	VALUE_ERR("p = a b\nx = {{prefix(p, \"b\")}}\n", "x",
		  "Taskfile:2:7: error: 'prefix' needs exactly one word as the prefix, got 2");
	VALUE_ERR("x = {{read_file(\"/nonexistent/baton\")}}\n", "x",
		  "Taskfile:1:7: error: cannot read '/nonexistent/baton': No such file or directory");
	VALUE_ERR("x = {{filter(\"%.c\")}}\n", "x", "'filter' takes 2 arguments, got 1");
	VALUE_ERR("x = {{os(1)}}\n", "x", "'os' takes 0 arguments, got 1");
	VALUE_ERR("x = {{shell(\"exit 3\")}}\n", "x", "shell command failed with exit status 3");
	VALUE_ERR("x = {{env(\"BATON_TEST_UNSET_VAR\")}}\n", "x",
		  "environment variable 'BATON_TEST_UNSET_VAR' is not set");
}
END_TEST

START_TEST(exponential_expansion_is_bounded)
{
	struct buf b = {0};
	char *d, *got;
	int i;

	buf_puts(&b, "a0 = x y\n");
	for (i = 1; i <= 60; i++)
		buf_printf(&b, "a%d = {{a%d}} {{a%d}}\n", i, i - 1, i - 1);
	got = value(b.s, "a60", &d);
	/* a20 would be 2^21 words: before that, all the values together pass
	 * EVAL_MAX_TOTAL */
	ck_assert_str_eq(d, "Taskfile:21:7: error: the Taskfile expands to too many words (over "
			    "2097152 in all)\n"
			    "    a20 = {{a19}} {{a19}}\n"
			    "          ^~~~~~~\n");
	free(got);
	free(d);
	buf_free(&b);
}
END_TEST

START_TEST(word_budget_for_the_whole_taskfile)
{
	/* fuzz regression timeout-word-budget-under-asan: each value is under
	 * EVAL_MAX_WORDS (c is 7^7 = 823,543 words), but every rule naming c
	 * makes that many again; the run stops at the rule that passes
	 * EVAL_MAX_TOTAL, 2,097,152 words in all (c, x, then y) */
	const char *text = "a = 0 1 2 3 4 5 6$7\n"
			   "c = {{a}}{{a}}{{a}}{{a}}{{a}}{{a}}{{a}}\n"
			   "x: {{c}}\ny: {{c}}\nz: {{c}}\n";
	char *d;

	taskfile_init(&L);
	capture_start();
	ck_assert(taskfile_source(&L, src_of(text)));
	ck_assert(!taskfile_graph(&L));
	d = capture_end();
	taskfile_free(&L);
	ck_assert_str_eq(d, "Taskfile:4:4: error: the Taskfile expands to too many words (over "
			    "2097152 in all)\n"
			    "    y: {{c}}\n"
			    "       ^~~~~\n");
	free(d);
}
END_TEST

/* A chain of n variables, each the one before it: a1 = {{a0}} ... */
static char *chain(int n)
{
	struct buf b = {0};
	int i;

	buf_puts(&b, "a0 = x\n");
	for (i = 1; i < n; i++)
		buf_printf(&b, "a%d = {{a%d}}\n", i, i - 1);
	return b.s;
}

/* A chain of && as long as a file can hold is one operator: evaluating it does
 * not recurse once for each. */
START_TEST(long_chains_of_operators)
{
	struct buf b = {0};
	int i;

	buf_puts(&b, "l = a\nx = {{l");
	for (i = 0; i < 200000; i++)
		buf_puts(&b, " && l");
	buf_puts(&b, " || l}}\n");
	VALUE_EQ(b.s, "x", "a");
	buf_free(&b);
}
END_TEST

START_TEST(deep_variable_chain_is_an_error_not_a_crash)
{
	char *text = chain(VARS_MAX_DEPTH), name[32], *d, *got;

	snprintf(name, sizeof(name), "a%d", VARS_MAX_DEPTH - 1);
	VALUE_EQ(text, name, "x");
	free(text);
	/* one more is refused where it is reached, whatever the order of definition */
	text = chain(VARS_MAX_DEPTH + 1);
	snprintf(name, sizeof(name), "a%d", VARS_MAX_DEPTH);
	got = value(text, name, &d);
	ck_assert_str_eq(got, "");
	ck_assert_msg(strstr(d, "Taskfile:2:8: error: variables nested more than 1000 deep\n"
				"    a1 = {{a0}}\n"
				"           ^~\n"),
		      "got '%s'", d);
	free(got);
	free(d);
	free(text);
	/* a chain as long as a stack overflow needs (100,000) is only an error */
	text = chain(100000);
	got = value(text, "a99999", &d);
	ck_assert_ptr_nonnull(strstr(d, "error: variables nested more than 1000 deep"));
	free(got);
	free(d);
	free(text);
}
END_TEST

/* The script of the first rule of a Taskfile, for a node with these inputs. */
static char *script(const char *text)
{
	struct buf b = {0};
	struct arena a = {0};
	struct list in = {0}, out = {0};
	struct scope sin = {NULL, "in", &in}, sout = {&sin, "out", &out};
	struct eval ev = {&L.vars, &sout, &a, true};

	list_push(&in, "my file.c");
	list_push(&in, "a;touch pwned");
	list_push(&in, "it's");
	list_push(&out, "out/x.o");
	taskfile_init(&L);
	capture_start();
	ck_assert(taskfile_source(&L, src_of(text)));
	ck_assert(eval_recipe(&ev, L.rules[0]->recipe, &b));
	free(capture_end());
	taskfile_free(&L);
	list_free(&in);
	list_free(&out);
	arena_free(&a);
	return b.s;
}

START_TEST(recipe_quoting)
{
	char *s = script("cc = cc -O2\na:\n    {{cc}} -c {{in}} -o {{out}} $HOME\n");

	ck_assert_str_eq(s, "cc -O2 -c 'my file.c' 'a;touch pwned' 'it'\\''s' -o out/x.o $HOME\n");
	free(s);
	s = script("p = | grep x\na:\n    echo {{raw(p)}} {{in[0]}} {{\"\"}}\n");
	ck_assert_str_eq(s, "echo | grep x 'my file.c' ''\n");
	free(s);
}
END_TEST

START_TEST(recipe_indentation)
{
	char *s = script("a:\n    #!/usr/bin/env python3\n    if 1:\n\n        print(1)\n");

	ck_assert_str_eq(s, "#!/usr/bin/env python3\nif 1:\n\n    print(1)\n");
	free(s);
}
END_TEST

/* The nearest name to a typo, without regard to case; of the variables of a
 * Taskfile, among those it assigns, in a branch taken or not. */
START_TEST(nearest_names)
{
	static const char *const names[] = {"cflags", "ldflags", "cc", "objs", "CFLAGS2"};
	struct nearest n;
	size_t i;

	nearest_init(&n, "CFLAGS");
	for (i = 0; i < LEN(names); i++)
		nearest_try(&n, names[i]);
	ck_assert_str_eq(n.best, "cflags");
	ck_assert_str_eq(diag_suggest("CC", names, LEN(names)), " (did you mean 'cc'?)");
	ck_assert_str_eq(diag_suggest("ojbs", names, LEN(names)), " (did you mean 'objs'?)");
	ck_assert_str_eq(diag_suggest("Cflag", names, LEN(names)), " (did you mean 'cflags'?)");
	ck_assert_str_eq(diag_suggest("zzzzzz", names, LEN(names)), "");
	taskfile_init(&L);
	capture_start();
	ck_assert(taskfile_source(&L, src_of("cflags = -O2\nif 1 == 2\nldflags = -s\nend\n")));
	free(capture_end());
	ck_assert_str_eq(vars_nearest(&L.vars, "CFLAGS"), "cflags");
	ck_assert_str_eq(vars_nearest(&L.vars, "ldflag"), "ldflags");
	ck_assert(vars_known(vars_find(&L.vars, "ldflags")));
	ck_assert_ptr_null(vars_nearest(&L.vars, "objects"));
	taskfile_free(&L);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("eval");
	TCase *tc = tcase_create("eval");

	tcase_add_test(tc, lists_and_quoting);
	tcase_add_test(tc, splicing);
	tcase_add_test(tc, functions);
	tcase_add_test(tc, conditions);
	tcase_add_test(tc, slices);
	tcase_add_test(tc, strings_with_interpolation);
	tcase_add_test(tc, list_functions);
	tcase_add_test(tc, errors);
	tcase_add_test(tc, exponential_expansion_is_bounded);
	tcase_add_test(tc, deep_variable_chain_is_an_error_not_a_crash);
	tcase_add_test(tc, long_chains_of_operators);
	tcase_add_test(tc, word_budget_for_the_whole_taskfile);
	tcase_add_test(tc, recipe_quoting);
	tcase_add_test(tc, recipe_indentation);
	tcase_add_test(tc, nearest_names);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
