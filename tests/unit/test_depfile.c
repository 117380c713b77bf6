/* Make-style depfiles as compilers write them (gcc -MD, clang, MSVC's
 * /sourceDependencies converted): which paths come out, once each, and which
 * text is refused with what message. tests/fuzz/fuzz_depfile.c checks only
 * that every path is non-empty and listed once; this pins what the paths are. */
#include "common.h"
#include "state/depfile.h"

/* The paths parsed from len bytes of text joined by '|', or "error: MESSAGE". */
static char *parse(const char *text, size_t len)
{
	struct arena a = {0};
	struct list deps = {0};
	struct buf b = {0};
	const char *err = NULL;

	if (depfile_parse(text, len, &a, &deps, &err)) {
		ck_assert_ptr_null(err);
		list_join(&b, &deps, "|");
	} else {
		ck_assert_ptr_nonnull(err);
		ck_assert_uint_eq(deps.n, 0);
		buf_printf(&b, "error: %s", err);
	}
	buf_add(&b, "", 0);
	list_free(&deps);
	arena_free(&a);
	return b.s;
}

#define DEPS_LEN_EQ(text, len, want)                                                               \
	do {                                                                                       \
		char *got_ = parse(text, len);                                                     \
		ck_assert_str_eq(got_, want);                                                      \
		free(got_);                                                                        \
	} while (0)
#define DEPS_EQ(text, want) DEPS_LEN_EQ(text, strlen(text), want)

START_TEST(gcc_output_with_continuations)
{
	/* gcc -MD: the object, then its source and headers, wrapped at 80 columns */
	DEPS_EQ("obj/main.o: src/main.c src/util.h \\\n /usr/include/stdio.h \\\n"
		" include/config.h\n",
		"src/main.c|src/util.h|/usr/include/stdio.h|include/config.h");
	/* a continuation right after the colon, and tabs for blanks */
	DEPS_EQ("a.o: \\\n\ta.c\t\\\n\tb.h\n", "a.c|b.h");
	/* the list of targets may be continued too */
	DEPS_EQ("a.o \\\n b.o: x.h\n", "x.h");
	/* no newline at the end */
	DEPS_EQ("a.o: a.c b.h", "a.c|b.h");
	/* a target without inputs */
	DEPS_EQ("a.o:\n", "");
}
END_TEST

START_TEST(escapes)
{
	/* gcc writes a space in a name as "\ ", '#' as "\#" and '$' as "$$" */
	DEPS_EQ("out\\ file.o: my\\ file.c dollar$$sign.h a\\#b.h\n",
		"my file.c|dollar$sign.h|a#b.h");
	DEPS_EQ("o: tab\\\tname.h\n", "tab\tname.h");
	/* a lone '$' and a backslash before anything else stay as written */
	DEPS_EQ("o: a$b c\\d e\\\\f\n", "a$b|c\\d|e\\\\f");
	/* "\\ " is a name ending in a backslash, then a space (ninja reads it so) */
	DEPS_EQ("o: back\\\\ slash.h\n", "back\\|slash.h");
	/* a name ending in "$$" */
	DEPS_EQ("o: end$$\n", "end$");
}
END_TEST

START_TEST(several_targets_and_rules)
{
	/* two objects on one line, then one more rule; x.h is listed once */
	DEPS_EQ("a.o b.o: x.h\nc.o: y.h x.h\n", "x.h|y.h");
	/* gcc -MP adds an empty rule for each header: they add nothing */
	DEPS_EQ("main.o: main.c util.h\n\nutil.h:\n", "main.c|util.h");
	/* the colon may stand apart, and a lone ':' among the inputs is skipped */
	DEPS_EQ("a.o : a.c a.c b.h\n", "a.c|b.h");
	DEPS_EQ("a.o: b.h : c.h\n", "b.h|c.h");
	/* a Windows drive's colon is part of a name, and "::" ends targets too */
	DEPS_EQ("C:/out/a.o: C:/src/a.c\n", "C:/src/a.c");
	DEPS_EQ("a.o:: a.c\n", "a.c");
}
END_TEST

START_TEST(duplicates_once_in_first_order)
{
	DEPS_EQ("a.o: z.h a.h z.h \\\n a.h m.h\nb.o: m.h a.h n.h\n", "z.h|a.h|m.h|n.h");
	/* the same path written two ways is two paths here: canonical paths are
	 * the caller's business (record.c canonicalises them) */
	DEPS_EQ("a.o: ./a.h a.h\n", "./a.h|a.h");
}
END_TEST

START_TEST(windows_line_endings)
{
	DEPS_EQ("a.o: a.c \\\r\n  b.h\r\nc.o : c.c\r\n", "a.c|b.h|c.c");
	DEPS_EQ("a.o: \\\r\n a.c \\\r\n b.h", "a.c|b.h");
	/* a "\r" ends a name: it never ends up inside one */
	DEPS_EQ("a.o: a.c\r\n", "a.c");
}
END_TEST

START_TEST(nul_bytes_separate_names)
{
	/* a NUL byte never ends up inside a path, so no path is cut short to an
	 * empty or a repeated one (tests/fuzz/regressions/depfile/nul-byte-empty-path) */
	DEPS_LEN_EQ("o: a\0b a\0c\n", 12, "a|b|c");
	DEPS_LEN_EQ(": \0", 3, "");
}
END_TEST

START_TEST(a_trailing_backslash_continues_to_nothing)
{
	/* as make and ninja read it: the text ends where a line would go on;
	 * no input named "\" */
	DEPS_EQ("a.o: a.c \\", "a.c");
	DEPS_EQ("a.o: a.c\\", "a.c");
	DEPS_EQ("a.o: \\", "");
}
END_TEST

START_TEST(empty_text_has_no_inputs)
{
	DEPS_LEN_EQ("", 0, "");
}
END_TEST

START_TEST(text_without_a_target_is_refused)
{
	DEPS_EQ("just words here\n", "error: no 'target:' found");
	/* a colon only on a later line that holds no target still counts */
	DEPS_EQ("a.o\nb.o: b.c\n", "b.c");
	/* only blanks and line ends */
	DEPS_EQ(" \n\t\r\n", "error: no 'target:' found");
	/* a name on a line of its own is not a target */
	DEPS_EQ("a.c b.h\n", "error: no 'target:' found");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("depfile");
	TCase *tc = tcase_create("depfile");

	tcase_add_test(tc, gcc_output_with_continuations);
	tcase_add_test(tc, escapes);
	tcase_add_test(tc, several_targets_and_rules);
	tcase_add_test(tc, duplicates_once_in_first_order);
	tcase_add_test(tc, windows_line_endings);
	tcase_add_test(tc, nul_bytes_separate_names);
	tcase_add_test(tc, a_trailing_backslash_continues_to_nothing);
	tcase_add_test(tc, empty_text_has_no_inputs);
	tcase_add_test(tc, text_without_a_target_is_refused);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
