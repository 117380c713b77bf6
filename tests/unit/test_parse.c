/* The parser: statements built from text, and syntax errors worded for people. */
#include "lang/ast.h"
#include "common.h"

static char *parse(const char *text, char **diag)
{
	struct arena a = {0};
	struct stmt *s;
	struct buf b = {0};

	capture_start();
	parse_source(&a, NULL, src_of(text), &s, NULL);
	ast_dump(&b, s);
	*diag = capture_end();
	arena_free(&a);
	if (!b.s)
		buf_add(&b, "", 0);
	return b.s;
}

#define PARSE_EQ(text, want)                                                                       \
	do {                                                                                       \
		char *d, *got = parse(text, &d);                                                   \
		ck_assert_str_eq(d, "");                                                           \
		ck_assert_str_eq(got, want);                                                       \
		free(got);                                                                         \
		free(d);                                                                           \
	} while (0)

#define PARSE_ERR(text, want)                                                                      \
	do {                                                                                       \
		char *d, *got = parse(text, &d);                                                   \
		ck_assert_str_eq(d, want);                                                         \
		free(got);                                                                         \
		free(d);                                                                           \
	} while (0)

START_TEST(statements)
{
	PARSE_EQ("cc = cc\ncflags += -g \"a b\"\nx ?= {{y}}\n",
		 "assign cc = [cc]\nassign cflags += [-g] [\"a b\"]\nassign x ?= [{{y}}]\n");
	PARSE_EQ("include more.tf\n", "include [more.tf]\n");
	PARSE_EQ("out/app: a.o b.o | out\n    cc -o {{out}} {{in}}\n",
		 "rule [out/app] : [a.o] [b.o] | [out]\n\t0+4|cc -o {{out}} {{in}}\n");
	PARSE_EQ("out/%.o: src/%.c\n\tcc\n", "pattern [out/%.o] : [src/%.c]\n\t0+1|cc\n");
}
END_TEST

START_TEST(tasks_and_docs)
{
	PARSE_EQ("## Deploy it\n## somewhere\ntask deploy env=\"staging\" *args: test\n\t./d {{env}}\n",
		 "task deploy env=[\"staging\"] *args : [test] ## Deploy it\nsomewhere\n"
		 "\t0+1|./d {{env}}\n");
	/* a doc comment is only for the rule right below it */
	PARSE_EQ("## lost\nx = 1\na:\n", "assign x = [1]\nrule [a] :\n");
}
END_TEST

START_TEST(expressions)
{
	PARSE_EQ("x = pre{{patsubst(\"%.c\", '%.o', glob(\"*.c\"))}}post {{in[-1]}} {{f(1)}}\n",
		 "assign x = [pre{{patsubst(\"%.c\", \"%.o\", glob(\"*.c\"))}}post] [{{in[-1]}}] "
		 "[{{f(\"1\")}}]\n");
}
END_TEST

/* Operators bind as in C: ! before == and !=, before &&, before ||; a chain of
 * && (or ||) is one operator. Slices and strings with {{ }} in them. */
START_TEST(conditions_slices_and_strings)
{
	PARSE_EQ("x = {{!a == b && c != d && e || f || g}}\n",
		 "assign x = [{{(((!a == b) && (c != d) && e) || f || g)}}]\n");
	PARSE_EQ("x = {{(a || b) && !(c)}}\n", "assign x = [{{((a || b) && !c)}}]\n");
	PARSE_EQ("x = {{a[1:]}} {{a[:-1]}} {{a[ 2 : 4 ]}} {{a[:]}} {{a[0][1:][-1]}}\n",
		 "assign x = [{{a[1:]}}] [{{a[0:-1]}}] [{{a[2:4]}}] [{{a[0:]}}] [{{a[0][1:][-1]}}]\n");
	PARSE_EQ("x = {{if(a, \"{{d}}/%.o\", \"plain\\\"\")}}\n",
		 "assign x = [{{if(a, \"{{d}}/%.o\", \"plain\"\")}}]\n");
}
END_TEST

/* A conditional block is its lines, each "if" and "else" knowing how far on
 * the block's next line is. */
START_TEST(conditional_blocks)
{
	PARSE_EQ("if a == \"1\"\nx = 1\nelse if b\nif c\nend\nelse\ny = 2\nend\nz = 3\n",
		 "if (a == \"1\") ->+2\nassign x = [1]\nelse if b ->+3\nif c ->+1\nend\n"
		 "else ->+2\nassign y = [2]\nend\nassign z = [3]\n");
	PARSE_EQ("## doc\nif 1\na:\n\tx\nend\n", "if \"1\" ->+2\nrule [a] :\n\t0+1|x\nend\n");
	PARSE_ERR("if 1\nx = 1\n", "Taskfile:1:1: error: 'if' without 'end' (the file ends first)\n"
				   "    if 1\n"
				   "    ^~~~\n");
	PARSE_ERR("x = 1\nend\n", "Taskfile:2:1: error: 'end' without 'if'\n"
				  "    end\n"
				  "    ^~~\n");
	PARSE_ERR("else if 1\n", "Taskfile:1:1: error: 'else if' without 'if'\n"
				"    else if 1\n"
				"    ^~~~~~~~~\n");
	PARSE_ERR("if 1\nelse\nelse if 2\nend\n",
		  "Taskfile:3:1: error: 'else if' after 'else'\n"
		  "    else if 2\n"
		  "    ^~~~~~~~~\n"
		  "Taskfile:2:1: note: the 'else' of this block is here\n"
		  "    else\n"
		  "    ^~~~\n");
	PARSE_ERR("if a ==\nend\n",
		  "Taskfile:1:8: error: unexpected end of line, expected a name, a string, a number, "
		  "an expression or '!'\n"
		  "    if a ==\n"
		  "           ^\n");
	PARSE_ERR("if 1\n  x = 1\nend\n",
		  "Taskfile:2:1: error: indented line outside a recipe (the lines inside 'if' start "
		  "at the start of the line, as elsewhere)\n"
		  "      x = 1\n"
		  "    ^~\n");
	PARSE_ERR("if a == b == c\nend\n", "Taskfile:1:11: error: unexpected '==' (comparisons do "
					    "not chain: join them with && or ||)\n"
					    "    if a == b == c\n"
					    "              ^~\n");
}
END_TEST

START_TEST(static_pattern_rules)
{
	PARSE_EQ("a b: %: obj/%.o lib.a | dir\n\tcc\n",
		 "rule [a] [b] : [%] : [obj/%.o] [lib.a] | [dir]\n\t0+1|cc\n");
	PARSE_ERR("a: %.x %.y: %.c\n", "Taskfile:1:8: error: a static pattern rule has one target "
					"pattern (outputs: pattern: inputs)\n"
					"    a: %.x %.y: %.c\n"
					"           ^~~\n");
	PARSE_ERR("%.o: %.o: %.c\n", "Taskfile:1:1: error: the outputs of a static pattern rule have "
				      "no '%': its pattern after the first ':' has\n"
				      "    %.o: %.o: %.c\n"
				      "    ^~~\n");
}
END_TEST

START_TEST(attributes)
{
	PARSE_EQ("## doc\n[depfile: out/{{stem}}.d]\n[precious]\nout/%.o: %.c\n\tcc\n",
		 "pattern [out/%.o] : [%.c] ## doc [depfile: out/{{stem}}.d] [precious]\n\t0+1|cc\n");
	PARSE_EQ("[ content ]\nout:\n", "rule [out] : [content]\n");
	PARSE_ERR("[ content ]\ntask t:\n", "Taskfile:1:1: error: the content attribute is for "
					  "rules that make files, not tasks\n"
					  "    [ content ]\n"
					  "    ^~~~~~~~~~~\n");
	PARSE_ERR("[nosuch]\na:\n", "Taskfile:1:1: error: unknown attribute 'nosuch' (there are "
				    "depfile, precious, content, pool, quiet, serial, dir, private "
				    "and alias)\n"
				    "    [nosuch]\n"
				    "    ^~~~~~~~\n");
	PARSE_ERR("[precious]\nx = 1\n", "Taskfile:1:1: error: an attribute must be followed by a "
					  "rule or a task\n"
					  "    [precious]\n"
					  "    ^~~~~~~~~~\n");
}
END_TEST

START_TEST(recipe_blank_lines)
{
	PARSE_EQ("a:\n\tone\n\n\t\ttwo\n", "rule [a] :\n\t0+1|one\n\t1+2|two\n");
}
END_TEST

START_TEST(syntax_errors)
{
	PARSE_ERR("foo bar\n", "Taskfile:1:8: error: unexpected end of line, expected ':' or '='\n"
			       "    foo bar\n"
			       "           ^\n");
	PARSE_ERR("a: b\n  x = 1\nc d\n",
		  "Taskfile:3:4: error: unexpected end of line, expected ':' or '='\n"
		  "    c d\n"
		  "       ^\n"
		  "baton: note: recipe lines are indented (with spaces or a tab): if this line "
		  "belongs to the recipe above, indent it\n");
	PARSE_ERR("x = 1\n  y\n", "Taskfile:2:1: error: indented line outside a recipe (a recipe "
				  "follows a rule or task header)\n"
				  "      y\n"
				  "    ^~\n");
	PARSE_ERR("x = {{f(}}\n", "Taskfile:1:9: error: unexpected '}}', expected ')'\n"
				  "    x = {{f(}}\n"
				  "            ^~\n");
	PARSE_ERR("a b = 1\n", "Taskfile:1:1: error: expected a variable name before '=' (letters, "
			       "digits and '_')\n"
			       "    a b = 1\n"
			       "    ^\n");
	PARSE_ERR("task d *a b:\n", "Taskfile:1:8: error: only the last parameter can be variadic "
				    "('*a')\n"
				    "    task d *a b:\n"
				    "           ^~\n");
}
END_TEST

START_TEST(several_errors_in_one_run)
{
	char *d, *got = parse("a b\nc d\n\te\nx = 1\n", &d);

	ck_assert_ptr_nonnull(strstr(d, "Taskfile:1:4: error"));
	ck_assert_ptr_nonnull(strstr(d, "Taskfile:2:4: error"));
	/* the recipe line after a broken header is not another error */
	ck_assert_ptr_null(strstr(d, "Taskfile:3:"));
	ck_assert_str_eq(got, "assign x = [1]\n");
	free(got);
	free(d);
}
END_TEST

START_TEST(deep_nesting_is_an_error_not_a_crash)
{
	struct buf b = {0};
	char *d, *got;
	int i;

	buf_puts(&b, "x = {{");
	for (i = 0; i < 100000; i++)
		buf_puts(&b, "(");
	buf_puts(&b, "y");
	for (i = 0; i < 100000; i++)
		buf_puts(&b, ")");
	buf_puts(&b, "}}\n");
	got = parse(b.s, &d);
	ck_assert_ptr_nonnull(strstr(d, "error: nesting too deep"));
	free(got);
	free(d);
	buf_free(&b);
}
END_TEST

START_TEST(index_chains_stay_shallow)
{
	struct buf b = {0};
	char *d, *got;
	int i;

	/* an index is one word: [0] and [-1] after it change nothing, and
	 * nothing after an index that fails on one word changes the failure */
	PARSE_EQ("x = {{y[1][0][-1]}} {{y[0][2][0][7]}} {{y[-1][-1][1]}}\n",
		 "assign x = [{{y[1]}}] [{{y[0][2]}}] [{{y[-1][1]}}]\n");
	/* 100,000 indexes, as deep as a stack overflow would need */
	buf_puts(&b, "x = {{y");
	for (i = 0; i < 100000; i++)
		buf_puts(&b, i % 2 ? "[0]" : "[-1]");
	buf_puts(&b, "}}\n");
	got = parse(b.s, &d);
	ck_assert_str_eq(d, "");
	ck_assert_str_eq(got, "assign x = [{{y[-1]}}]\n");
	free(got);
	free(d);
	buf_free(&b);
}
END_TEST

/* The dump, places and messages of text, parsed with headers lexed whole or not. */
static char *parseall(const char *text, size_t len, bool whole)
{
	struct arena a = {0};
	struct stmt *s = NULL;
	struct buf b = {0};
	char *d;

	parse_headers = whole;
	capture_start();
	parse_source(&a, NULL, source_add("Taskfile", text, len), &s, NULL);
	d = capture_end();
	parse_headers = true;
	ast_dump(&b, s);
	ast_dump_places(&b, s);
	buf_printf(&b, "--\n%s", d);
	free(d);
	arena_free(&a);
	return b.s;
}

START_TEST(headers_lexed_whole_parse_as_token_by_token)
{
#define T(s) {s, sizeof(s) - 1}
	static const struct {
		const char *s;
		size_t len;
	} texts[] = {
	    T("a: b\n\ttouch {{out}}\n"),
	    T("a b: c d | e f\n    cp {{in}} {{out}}\n"),
	    T("a:b|c\n"),
	    T("a :b |c\n"),
	    T("  a: b\n"),
	    T("a:   \n"),
	    T("a: b   \n\tx\n"),
	    T("a: b # a comment\n"),
	    T("a: b\r\n\tx\r\n"),
	    T("a: b\r\n"),
	    T("a: b"),
	    T("a: b | c | d\n"),
	    T("a | b: c\n"),
	    T(": b\n"),
	    T("a := b\n"),
	    T("a: b = c\n"),
	    T("a+b: c\n"),
	    T("a: b+c d?\n"),
	    T("a: {{x}}\nx = 1\n"),
	    T("a{{x}}: b c\n"),
	    T("a: b 'c d' e\n"),
	    T("a: b \"c\" e\n"),
	    T("a: b \\\n  c\n"),
	    T("%.o: %.c\n\tcc\n"),
	    T("a %.o: b\n"),
	    T("task: x\n"),
	    T("include: x\n"),
	    T("## doc\n[precious]\na: b\n\tx\n"),
	    T("x = 1\na: b\n\ty\nc: d\n\ty\n"),
	    T("a: b\n\tx\n  # not a comment in a recipe\nc: d\n"),
	    T("a: b\n= oops\nc: d\n\tx\n( more\ne: f\n"),
	    T("a: b\n    x\n\n    y\nc: d\n    x\n\n    y\n"),
	    T("a: b\nindented: no\n  x\n"),
	    T("a\x01: b\n"),
	    T("a: b c\0" "d\n"),
	    T("a {{x}}: b {{ y }} c | {{z  }}\n"),
	    T("{{x}}:{{y}}|{{z}}\n"),
	    T("a: {{x}}y\n"),
	    T("a: y{{x}}\n"),
	    T("a: {{x[0]}}\n"),
	    T("a: {{x}}{{y}}\n"),
	    T("a: {{ 9x }}\n"),
	    T("a: {{ }}\n"),
	    T("a: {{x}\n"),
	    T("a: {{{{x}}\n"),
	    T("a: {{x}}'q'\n"),
	    T("a: {{ x y }}\n"),
	    T("a: {{\tx\t}}\n"),
	    T("a: {{x-y}}\n"),
	    /* 16 words, as many as a header's first look notes, and more */
	    T("a: b c d e f g h i j k l m n o p\n"),
	    T("a b c d e f g h: i j k l m n o p | q {{ r }}\n"),
	    T("o0 o1 o2 o3 o4 o5 o6 o7 o8 o9 o10 o11 o12 o13 o14 o15: {{x}}\r\n\ty\n"),
	    /* NUL bytes at the start of a line, and the rest of it a header */
	    T("a: b\n\0\0x: y\nc: d\n\tz\n"),
	    T("\0a: b\n"),
	    T("a: b\n\0\0x: y\n\tz\n"),
	    T("x = 1\n\0a: b | c\n  \0d: e\nf: g\n"),
	    /* static pattern rules, and headers inside conditional blocks */
	    T("a b: %: %.o\n\tcc\n"),
	    T("a b: %.x: %.o | c\n"),
	    T("if 1\na: b\n\tx\nelse\nc: d\nend\n"),
	    T("if a: b\nend: c\nelse: d\n"),
	};
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		char *whole = parseall(texts[i].s, texts[i].len, true);
		char *bytoken = parseall(texts[i].s, texts[i].len, false);
		ck_assert_msg(!strcmp(whole, bytoken), "%s\nwhole:\n%s\ntoken by token:\n%s",
			      texts[i].s, whole, bytoken);
		free(whole);
		free(bytoken);
	}
#undef T
}
END_TEST

/* The statements of text, in an arena the caller frees. */
static struct stmt *stmts(struct arena *a, const char *text)
{
	struct stmt *s;

	capture_start();
	ck_assert(parse_source(a, NULL, src_of(text), &s, NULL));
	free(capture_end());
	return s;
}

START_TEST(identical_recipes_share_their_lines)
{
	struct arena a = {0};
	const char *text = "a: x\n    cp {{in}} {{out}}\n# note\n\n    ls\n"
			   "b: y\n    cp {{in}} {{out}}\n# note\n\n    ls\n\n"
			   "task c:\n    cp {{in}} {{out}}\n# note\n\n    ls\n"
			   "d: x\n\n    cp {{in}} {{out}}\n# note\n\n    ls\n"
			   "e: x\n    cp {{in}} {{out}}\n"
			   "f: x\n    cp {{in}} {{out}}\n# note\n\n    ls\n    ls\n"
			   "g: x\n    cp {{in}} {{out}}\n# note\n\n    ls";
	struct stmt *s = stmts(&a, text), *b = s->next, *c = b->next, *d = c->next, *e = d->next,
		    *f = e->next, *g = f->next;

	/* the same text after a header: the same lines, located where they are */
	ck_assert_ptr_eq(b->recipe, s->recipe);
	ck_assert_ptr_eq(c->recipe, s->recipe);
	ck_assert_uint_eq(s->shift, 0);
	ck_assert_uint_eq(b->shift, (uint32_t)(strstr(text, "b: y") - text) + 5 - s->recipe->loc.off);
	ck_assert_uint_eq(b->len, (uint32_t)strlen("    cp {{in}} {{out}}\n# note\n\n    ls\n"));
	/* a blank line first, fewer lines, more lines, no newline at the end: each its own */
	ck_assert_ptr_ne(d->recipe, s->recipe);
	ck_assert_uint_eq(d->recipe->blanks, 1);
	ck_assert_ptr_ne(e->recipe, s->recipe);
	ck_assert_ptr_null(e->recipe->next);
	ck_assert_ptr_ne(f->recipe, s->recipe);
	ck_assert_ptr_nonnull(f->recipe->next->next);
	ck_assert_ptr_ne(g->recipe, s->recipe);
	arena_free(&a);
	/* shared or not, the tree reads the same */
	PARSE_EQ("a: x\n    cp {{in}}\n\n    ls\nb: y\n    cp {{in}}\n\n    ls\n",
		 "rule [a] : [x]\n\t0+4|cp {{in}}\n\t1+4|ls\n"
		 "rule [b] : [y]\n\t0+4|cp {{in}}\n\t1+4|ls\n");
	/* one in error is not shared: each is read and reported */
	PARSE_ERR("a: x\n    cp {{in\nb: x\n    cp {{in\n",
		  "Taskfile:2:8: error: unterminated '{{' (expected '}}' on the same line)\n"
		  "        cp {{in\n"
		  "           ^~\n"
		  "Taskfile:4:8: error: unterminated '{{' (expected '}}' on the same line)\n"
		  "        cp {{in\n"
		  "           ^~\n");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("parse");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, statements);
	tcase_add_test(tc, tasks_and_docs);
	tcase_add_test(tc, expressions);
	tcase_add_test(tc, conditions_slices_and_strings);
	tcase_add_test(tc, conditional_blocks);
	tcase_add_test(tc, static_pattern_rules);
	tcase_add_test(tc, recipe_blank_lines);
	tcase_add_test(tc, attributes);
	tcase_add_test(tc, syntax_errors);
	tcase_add_test(tc, several_errors_in_one_run);
	tcase_add_test(tc, deep_nesting_is_an_error_not_a_crash);
	tcase_add_test(tc, index_chains_stay_shallow);
	tcase_add_test(tc, identical_recipes_share_their_lines);
	tcase_add_test(tc, headers_lexed_whole_parse_as_token_by_token);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
