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

int main(void)
{
	Suite *s = suite_create("eval");
	TCase *tc = tcase_create("eval");

	tcase_add_test(tc, lists_and_quoting);
	tcase_add_test(tc, splicing);
	tcase_add_test(tc, functions);
	tcase_add_test(tc, errors);
	tcase_add_test(tc, exponential_expansion_is_bounded);
	tcase_add_test(tc, deep_variable_chain_is_an_error_not_a_crash);
	tcase_add_test(tc, word_budget_for_the_whole_taskfile);
	tcase_add_test(tc, recipe_quoting);
	tcase_add_test(tc, recipe_indentation);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
