/* The lexer: which tokens each kind of line becomes. */
#include <unistd.h>

#include "common.h"
#include "lang/lex.h"

/* The tokens of text, a rule header of plain words lexed a token at a time
 * unless whole. */
static char *lexas(const char *text, bool whole)
{
	struct buf b = {0};

	parse_headers = whole;
	capture_start();
	lex_dump(&b, src_of(text));
	free(capture_end());
	parse_headers = true;
	return b.s;
}

static char *lex(const char *text)
{
	return lexas(text, false);
}

#define LEX_EQ(text, want)                                                                         \
	do {                                                                                       \
		char *got = lex(text);                                                             \
		ck_assert_str_eq(got, want);                                                       \
		free(got);                                                                         \
	} while (0)

START_TEST(assignment_words)
{
	LEX_EQ("cflags = -O2 -Wall \"-DNAME=a b\" # note\n",
	       "WORD(cflags) EQ WORD(-O2) SEP WORD(-Wall) SEP DQ TEXT(-DNAME=a b) DQ NEWLINE\nEND\n");
	LEX_EQ("x += a:b|c\n", "WORD(x) PLUSEQ WORD(a:b|c) NEWLINE\nEND\n");
	LEX_EQ("x ?= 'l i t'\n", "WORD(x) QEQ SQSTR(l i t) NEWLINE\nEND\n");
}
END_TEST

START_TEST(rule_header_and_recipe)
{
	LEX_EQ("out/%.o : src/%.c | out\n    cc -c {{in}}\n",
	       "WORD(out/%.o) COLON WORD(src/%.c) BAR WORD(out) NEWLINE\n"
	       "INDENT(4,0) TEXT(cc -c ) VAR(in) NEWLINE\nEND\n");
}
END_TEST

START_TEST(recipe_keeps_shell_syntax)
{
	LEX_EQ("a:\n\techo $HOME $(date) ${x} # not a comment | : =\n",
	       "WORD(a) COLON NEWLINE\nINDENT(1,0) TEXT(echo $HOME $(date) ${x} # not a comment | : =) "
	       "NEWLINE\nEND\n");
}
END_TEST

START_TEST(blank_lines_and_comments_in_recipe)
{
	LEX_EQ("a:\n\tone\n\n   \n# comment\n\ttwo\n",
	       "WORD(a) COLON NEWLINE\nINDENT(1,0) TEXT(one) NEWLINE\n"
	       "INDENT(1,2) TEXT(two) NEWLINE\nEND\n");
}
END_TEST

START_TEST(task_header)
{
	LEX_EQ("task deploy env=\"staging\" *args: test\n",
	       "TASK WORD(deploy) SEP WORD(env) EQ DQ TEXT(staging) DQ SEP WORD(*args) COLON "
	       "WORD(test) NEWLINE\nEND\n");
	/* "task" followed by '=' or ':' is an ordinary word */
	LEX_EQ("task = 1\n", "WORD(task) EQ WORD(1) NEWLINE\nEND\n");
}
END_TEST

START_TEST(doc_comment_and_include)
{
	LEX_EQ("## Build it\ninclude more.tf\n", "DOC(Build it) INCLUDE WORD(more.tf) NEWLINE\nEND\n");
}
END_TEST

START_TEST(expressions)
{
	LEX_EQ("x = {{ f(\"a\\\"b\", 'c', y[-1]) }}\n",
	       "WORD(x) EQ LINTERP IDENT(f) LPAREN DQ TEXT(a) TEXT(\") TEXT(b) DQ COMMA STRLIT(c) "
	       "COMMA IDENT(y) LBRACK NUMBER(-1) RBRACK RPAREN RINTERP NEWLINE\nEND\n");
	LEX_EQ("x = {{{{literal\n", "WORD(x) EQ TEXT({{) TEXT(literal) NEWLINE\nEND\n");
	LEX_EQ("x = {{!a == b && c != d || e[1:] x[:-1] filter-out(y)}}\n",
	       "WORD(x) EQ LINTERP NOT IDENT(a) EQEQ IDENT(b) ANDAND IDENT(c) NE IDENT(d) OROR "
	       "IDENT(e) LBRACK NUMBER(1) COLON RBRACK IDENT(x) LBRACK COLON NUMBER(-1) RBRACK "
	       "IDENT(filter-out) LPAREN IDENT(y) RPAREN RINTERP NEWLINE\nEND\n");
}
END_TEST

/* Strings inside {{ }} take {{ }} in turn, as deep as they go. */
START_TEST(strings_nest_in_expressions)
{
	LEX_EQ("x = {{f(\"{{d}}/%.o\", \"a{{g(\"{{{{\")}}\")}}\n",
	       "WORD(x) EQ LINTERP IDENT(f) LPAREN DQ VAR(d) TEXT(/%.o) DQ COMMA DQ TEXT(a) LINTERP "
	       "IDENT(g) LPAREN DQ TEXT({{) DQ RPAREN RINTERP DQ RPAREN RINTERP NEWLINE\nEND\n");
	LEX_EQ("a:\n\techo {{\"}}\"}}\n",
	       "WORD(a) COLON NEWLINE\nINDENT(1,0) TEXT(echo ) LINTERP DQ TEXT(}}) DQ RINTERP "
	       "NEWLINE\nEND\n");
}
END_TEST

/* "if", "else if", "else" and "end" start a line; the condition runs to the
 * end of the line. The same words elsewhere are names. */
START_TEST(conditional_lines)
{
	LEX_EQ("if os() == \"linux\" # linux only\nelse if !a \\\n  || b\nelse  \nend\n",
	       "IF IDENT(os) LPAREN RPAREN EQEQ DQ TEXT(linux) DQ NEWLINE\n"
	       "ELSEIF NOT IDENT(a) OROR IDENT(b) NEWLINE\nELSE NEWLINE\nENDIF NEWLINE\nEND\n");
	LEX_EQ("if = 1\nend: a\nelse:\nendx = 2\nifx y: z\nend",
	       "WORD(if) EQ WORD(1) NEWLINE\nWORD(end) COLON WORD(a) NEWLINE\n"
	       "WORD(else) COLON NEWLINE\nWORD(endx) EQ WORD(2) NEWLINE\n"
	       "WORD(ifx) SEP WORD(y) COLON WORD(z) NEWLINE\nENDIF NEWLINE\nEND\n");
}
END_TEST

/* A piece that is a whole word is a WORD, and {{name}} and {{name[N]}} are one
 * VAR; anything else keeps the general tokens. */
START_TEST(whole_words_and_simple_interpolations)
{
	LEX_EQ("a{{x}}b c+d e: f|g {{ x }}.o\n",
	       "TEXT(a) VAR(x) TEXT(b) SEP TEXT(c) TEXT(+) TEXT(d) SEP WORD(e) COLON WORD(f) BAR "
	       "WORD(g) SEP VAR(x) TEXT(.o) NEWLINE\nEND\n");
	LEX_EQ("x+=y\nz = a{b \"q\"r\n",
	       "WORD(x) PLUSEQ WORD(y) NEWLINE\nWORD(z) EQ TEXT(a) TEXT({) TEXT(b) SEP DQ TEXT(q) DQ "
	       "TEXT(r) NEWLINE\nEND\n");
	LEX_EQ("a:\n\tcp {{in[0]}} {{ out[-12] }} {{x [1]}} {{f(y)}} {{in[1234567890]}}\n",
	       "WORD(a) COLON NEWLINE\nINDENT(1,0) TEXT(cp ) VAR(in[0]) TEXT( ) VAR(out[-12]) TEXT( ) "
	       "LINTERP IDENT(x) LBRACK NUMBER(1) RBRACK RINTERP TEXT( ) LINTERP IDENT(f) LPAREN "
	       "IDENT(y) RPAREN RINTERP TEXT( ) LINTERP IDENT(in) LBRACK NUMBER(1234567890) RBRACK "
	       "RINTERP NEWLINE\nEND\n");
	LEX_EQ("x = \"{{y}}\" {{{{z}}\n",
	       "WORD(x) EQ DQ VAR(y) DQ SEP TEXT({{) TEXT(z}}) NEWLINE\nEND\n");
}
END_TEST

START_TEST(variable_alone_is_a_word)
{
	/* "{{ name }}" that is a whole word of a header or value is one VARWORD;
	 * with text next to it, indexed, quoted or in a recipe it is a VAR piece */
	LEX_EQ("{{o}}: {{ a }} b{{c}} {{d}}e {{f[1]}} | {{g}}\n\tcp {{in}}\nx = {{y}} \"{{z}}\"\n",
	       "VARWORD(o) COLON VARWORD(a) SEP TEXT(b) VAR(c) SEP VAR(d) TEXT(e) SEP VAR(f[1]) BAR "
	       "VARWORD(g) NEWLINE\nINDENT(1,0) TEXT(cp ) VAR(in) NEWLINE\nWORD(x) EQ VARWORD(y) SEP "
	       "DQ VAR(z) DQ NEWLINE\nEND\n");
}
END_TEST

START_TEST(crlf_continuation_and_no_final_newline)
{
	LEX_EQ("a: b \\\r\n   c\r\n\tx\r\n", "WORD(a) COLON WORD(b) SEP WORD(c) NEWLINE\n"
					       "INDENT(1,0) TEXT(x) NEWLINE\nEND\n");
	LEX_EQ("x = 1", "WORD(x) EQ WORD(1) NEWLINE\nEND\n");
}
END_TEST

/* --dump=tokens shows what the parser takes: a rule header of plain words is
 * one token, and so are the lines of a recipe written before. */
START_TEST(dump_shows_the_tokens_the_parser_takes)
{
	char *got = lexas("out/%.o : src/%.c {{x}} | out\n    cc -c {{in}}\n"
			  "a b:\n    cc -c {{in}}\n",
			  true);

	ck_assert_str_eq(got, "HEADER([out/%.o] : [src/%.c] [{{x}}] | [out])\n"
			      "INDENT(4,0) TEXT(cc -c ) VAR(in) NEWLINE\n"
			      "HEADER([a] [b] :)\nSHARED(1 line)\nEND\n");
	free(got);
}
END_TEST

START_TEST(errors_are_reported_with_location)
{
	struct buf b = {0};
	char *msg;

	capture_start();
	lex_dump(&b, src_of("x = \"abc\ny = {{a ; b}}\nif a }} b\nend\n"));
	msg = capture_end();
	ck_assert_ptr_nonnull(strstr(msg, "Taskfile:1:5: error: unterminated string"));
	ck_assert_ptr_nonnull(strstr(msg, "Taskfile:2:9: error: unexpected character in '{{ }}'"));
	ck_assert_ptr_nonnull(strstr(msg, "Taskfile:3:6: error: unexpected character in a condition"));
	free(msg);
	buf_free(&b);

	capture_start();
	lex_dump(&b, source_add("Taskfile", "a\0b: c\n", 7));
	msg = capture_end();
	ck_assert_ptr_nonnull(strstr(msg, "Taskfile:1:2: error: NUL byte in the file"));
	free(msg);
	buf_free(&b);
}
END_TEST

/* "line:col" of offset off in text. */
static char *linecol(uint32_t id, uint32_t off)
{
	unsigned line, col;
	struct buf b = {0};

	source_linecol(source_get(id), off, &line, &col);
	buf_printf(&b, "%u:%u", line, col);
	return b.s;
}

#define LINECOL_EQ(id, off, want)                                                                  \
	do {                                                                                       \
		char *got = linecol(id, off);                                                      \
		ck_assert_str_eq(got, want);                                                       \
		free(got);                                                                         \
	} while (0)

START_TEST(line_and_column_of_offsets)
{
	/* columns count characters, not bytes: \xc3\xa9 is one */
	uint32_t id = src_of("ab\n\n\xc3\xa9x\r\nlast");

	LINECOL_EQ(id, 0, "1:1");
	LINECOL_EQ(id, 2, "1:3");  /* the newline ending line 1 */
	LINECOL_EQ(id, 3, "2:1");  /* an empty line */
	LINECOL_EQ(id, 4, "3:1");
	LINECOL_EQ(id, 6, "3:2");  /* after the two bytes of one character */
	LINECOL_EQ(id, 7, "3:3");  /* the \r of a CRLF */
	LINECOL_EQ(id, 9, "4:1");
	LINECOL_EQ(id, 13, "4:5"); /* the end of a file without a final newline */
	LINECOL_EQ(id, 99, "4:5"); /* past the end: the end */
	id = src_of("");
	LINECOL_EQ(id, 0, "1:1");
	id = src_of("\n");
	LINECOL_EQ(id, 1, "2:1");
}
END_TEST

/* A big file's text is let go of a megabyte at a time as the graph is built,
 * then all at once; asking for it reads the file again, the same text. */
START_TEST(big_source_let_go_of_and_read_again)
{
	char path[] = "/tmp/baton-test-source-XXXXXX";
	int fd = mkstemp(path);
	struct buf want = {0};
	const struct source *s, *t;
	uint32_t id, i;
	char last[32];
	FILE *f;

	ck_assert_int_ge(fd, 0);
	for (i = 0; want.len < (3u << 20); i++)
		buf_printf(&want, "out/%u: in/%u\n    touch {{out}}\n", i, i);
	f = fdopen(fd, "w");
	ck_assert_uint_eq(fwrite(want.s, 1, want.len, f), want.len);
	fclose(f);
	id = source_load(path);
	ck_assert_uint_gt(id, 0);
	s = source_get(id);
	ck_assert_ptr_nonnull(s->map);
	ck_assert_ptr_eq(s->text, s->map);
	ck_assert_int_ge(s->fd, 0);
	source_release(id, 100000); /* under a megabyte: kept */
	ck_assert_uint_eq(s->released, 0);
	ck_assert_ptr_eq(s->text, s->map);
	source_release(id, (2u << 20) + 5);
	ck_assert_uint_eq(s->released, 2u << 20);
	ck_assert_ptr_null(s->text);
	t = source_get(id);
	ck_assert_ptr_eq(t, s);
	ck_assert_uint_eq(t->len, want.len);
	ck_assert_int_eq(memcmp(t->text, want.s, want.len), 0);
	snprintf(last, sizeof(last), "%u:18", 2 * i); /* the last line's newline */
	LINECOL_EQ(id, (uint32_t)want.len - 1, last);
	source_shed_all();
	ck_assert_ptr_null(s->map);
	ck_assert_ptr_null(s->text);
	t = source_get(id);
	ck_assert_int_eq(memcmp(t->text, want.s, want.len), 0);
	ck_assert(!t->changed);
	unlink(path);
	buf_free(&want);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lex");
	TCase *tc = tcase_create("lex");

	tcase_add_test(tc, assignment_words);
	tcase_add_test(tc, rule_header_and_recipe);
	tcase_add_test(tc, recipe_keeps_shell_syntax);
	tcase_add_test(tc, blank_lines_and_comments_in_recipe);
	tcase_add_test(tc, task_header);
	tcase_add_test(tc, doc_comment_and_include);
	tcase_add_test(tc, expressions);
	tcase_add_test(tc, whole_words_and_simple_interpolations);
	tcase_add_test(tc, variable_alone_is_a_word);
	tcase_add_test(tc, crlf_continuation_and_no_final_newline);
	tcase_add_test(tc, strings_nest_in_expressions);
	tcase_add_test(tc, conditional_lines);
	tcase_add_test(tc, dump_shows_the_tokens_the_parser_takes);
	tcase_add_test(tc, errors_are_reported_with_location);
	tcase_add_test(tc, line_and_column_of_offsets);
	tcase_add_test(tc, big_source_let_go_of_and_read_again);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
