/* How a job's script is run: one simple command directly, without a shell;
 * anything else by /bin/sh -ec, through a temporary file when it is long or
 * names its interpreter on a #! line. */
#include <dirent.h>
#include <errno.h>
#include <unistd.h>

#include "common.h"
#include "run/command.h"

/* The argv command_build makes for script, words joined by '|' ("NULL" and
 * the errno's name if it made none); a temporary file shows as "TMP". */
static char *argv_of(const char *script)
{
	struct command c;
	struct buf b = {0};
	char **argv = command_build(script, NULL, &c);
	char **a;

	if (!argv) {
		buf_printf(&b, "NULL %s", strerror(errno));
	} else {
		for (a = argv; *a; a++) {
			if (a != argv)
				buf_putc(&b, '|');
			buf_puts(&b, c.tmp && !strcmp(*a, c.tmp) ? "TMP" : *a);
		}
	}
	command_free(&c);
	buf_add(&b, "", 0);
	return b.s;
}

#define ARGV_EQ(script, want)                                                                      \
	do {                                                                                       \
		char *got_ = argv_of(script);                                                      \
		ck_assert_str_eq(got_, want);                                                      \
		free(got_);                                                                        \
	} while (0)

/* What a file holds, NUL-terminated; the caller frees it. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *text;
	long n;

	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	text = malloc((size_t)n + 1);
	ck_assert_uint_eq(fread(text, 1, (size_t)n, f), (size_t)n);
	text[n] = '\0';
	fclose(f);
	return text;
}

/* Each test that writes a script file does so in a directory of its own. */
static char tmpdir[64];
static char *oldtmp;

static void tmp_setup(void)
{
	const char *t = getenv("TMPDIR");

	oldtmp = t ? strdup(t) : NULL;
	strcpy(tmpdir, "/tmp/baton-test-command-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	setenv("TMPDIR", tmpdir, 1);
}

/* How many entries the directory has besides . and .. */
static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n;
}

static void tmp_teardown(void)
{
	if (oldtmp)
		setenv("TMPDIR", oldtmp, 1);
	else
		unsetenv("TMPDIR");
	free(oldtmp);
	oldtmp = NULL;
	rmdir(tmpdir);
}

START_TEST(a_simple_command_runs_without_a_shell)
{
	ARGV_EQ("cc -c a.c -o a.o\n", "cc|-c|a.c|-o|a.o");
	/* blanks and tabs around the words count for nothing */
	ARGV_EQ("  cc\t-o   x \t\n", "cc|-o|x");
	ARGV_EQ("./tool\n", "./tool");
	/* '=' after the first word is an argument like any other */
	ARGV_EQ("env A=1 cmd --opt=x,y:z%@+\n", "env|A=1|cmd|--opt=x,y:z%@+");
}
END_TEST

START_TEST(single_quoted_words)
{
	/* as shell_quote writes them: no shell needed to take the quotes off */
	ARGV_EQ("ls 'hello world' x'a b'y ''\n", "ls|hello world|xa by|");
	ARGV_EQ("cat '%s\\n' '$HOME' '*' \"\"x\n",
		"/bin/sh|-ec|cat '%s\\n' '$HOME' '*' \"\"x\n");
	ARGV_EQ("cat '%s\\n' '$HOME' '*;|&'\n", "cat|%s\\n|$HOME|*;|&");
	/* an unterminated quote is the shell's to report */
	ARGV_EQ("ls 'oops\n", "/bin/sh|-ec|ls 'oops\n");
}
END_TEST

START_TEST(shell_syntax_goes_to_the_shell)
{
	static const char *const scripts[] = {
	    "echo a > b\n",
	    "a && b\n",
	    "a || b\n",
	    "a | b\n",
	    "a; b\n",
	    "a &\n",
	    "echo $HOME\n",
	    "echo `date`\n",
	    "echo *.c\n",
	    "echo a?\n",
	    "echo [ab]\n",
	    "echo ~\n",
	    "echo {a,b}\n",
	    "echo \"x\"\n",
	    "echo a\\ b\n",
	    "(a)\n",
	    "echo a # note\n",
	    "! a\n",
	    "echo a^b\n",
	    "echo caf\xc3\xa9\n",
	    /* an assignment first, and more than one line */
	    "CC=gcc make\n",
	    "a=1\n",
	    "a\nb\n",
	    /* without its newline, empty, or blank */
	    "cc -c a.c",
	    "",
	    "\n",
	    "  \t\n",
	};
	size_t i;

	for (i = 0; i < sizeof(scripts) / sizeof(*scripts); i++) {
		struct command c;
		char **argv = command_build(scripts[i], NULL, &c);
		ck_assert_ptr_nonnull(argv);
		ck_assert_str_eq(argv[0], "/bin/sh");
		ck_assert_str_eq(argv[1], "-ec");
		ck_assert_ptr_eq(argv[2], scripts[i]); /* the script itself, not a copy */
		ck_assert_ptr_null(argv[3]);
		ck_assert_ptr_null(c.tmp);
		command_free(&c);
	}
}
END_TEST

START_TEST(builtins_go_to_the_shell)
{
	static const char *const words[] = {
	    ".",	":",	   "[",	       "[[",	 "alias", "bg",	   "break", "case",
	    "cd",	"command", "continue", "do",	 "done",  "elif",  "else",  "esac",
	    "eval",	"exec",	   "exit",     "export", "fc",	  "fg",	   "fi",    "for",
	    "function", "getopts", "hash",     "if",	 "jobs",  "local", "read",  "readonly",
	    "return",	"set",	   "shift",    "source", "then",  "times", "trap",  "type",
	    "ulimit",	"umask",   "unalias",  "unset",	 "until", "wait",  "while",
	    /* builtins that differ from the programs of the same name (dash's
	     * echo reads escapes, pwd prints $PWD), or that the shell runs
	     * faster itself */
	    "echo",	"printf",  "test",     "pwd",	 "true",  "false", "kill",  "let",
	    "declare",	"typeset", "chdir",
	};
	char script[64], want[96];
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(*words); i++) {
		snprintf(script, sizeof(script), "%s x\n", words[i]);
		snprintf(want, sizeof(want), "/bin/sh|-ec|%s x\n", words[i]);
		ARGV_EQ(script, want);
	}
	/* the same word later on, or as part of a longer one, is a plain word */
	ARGV_EQ("ls cd exit echo\n", "ls|cd|exit|echo");
	ARGV_EQ("cdrecord x\n", "cdrecord|x");
	ARGV_EQ("/bin/test x\n", "/bin/test|x");
}
END_TEST

/* A script of n bytes that needs the shell: "echo x;" lines and a newline. */
static char *long_script(size_t n)
{
	char *s = malloc(n + 1);
	size_t i;

	for (i = 0; i < n; i++)
		s[i] = "echo x;\n"[i % 8];
	s[n - 1] = '\n';
	s[n] = '\0';
	return s;
}

START_TEST(a_long_script_goes_through_a_file)
{
	char *inline_max = long_script(64 * 1024), *over = long_script(64 * 1024 + 1), *text, *path;
	struct command c;
	char **argv;

	/* up to 64 KiB: in sh's argv */
	argv = command_build(inline_max, NULL, &c);
	ck_assert_ptr_eq(argv[2], inline_max);
	ck_assert_ptr_null(c.tmp);
	command_free(&c);
	ck_assert_int_eq(entries(tmpdir), 0);
	/* beyond: "sh -e FILE", the file in TMPDIR holding the script */
	argv = command_build(over, NULL, &c);
	ck_assert_ptr_nonnull(argv);
	ck_assert_str_eq(argv[0], "/bin/sh");
	ck_assert_str_eq(argv[1], "-e");
	ck_assert_ptr_eq(argv[2], c.tmp);
	ck_assert_ptr_null(argv[3]);
	ck_assert_int_eq(strncmp(c.tmp, tmpdir, strlen(tmpdir)), 0);
	ck_assert_int_eq(strncmp(c.tmp + strlen(tmpdir), "/baton-", 7), 0);
	text = slurp(c.tmp);
	ck_assert_str_eq(text, over);
	ck_assert_int_eq(entries(tmpdir), 1);
	path = strdup(c.tmp);
	/* command_free removes it */
	command_free(&c);
	ck_assert_int_eq(access(path, F_OK), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(entries(tmpdir), 0);
	free(path);
	free(text);
	free(inline_max);
	free(over);
}
END_TEST

START_TEST(without_tmpdir_the_file_goes_to_tmp)
{
	char *over = long_script(64 * 1024 + 1);
	struct command c;

	setenv("TMPDIR", "", 1);
	ck_assert_ptr_nonnull(command_build(over, NULL, &c));
	ck_assert_int_eq(strncmp(c.tmp, "/tmp/baton-", 11), 0);
	command_free(&c);
	free(over);
}
END_TEST

/* command_build's argv for script, which must go through a file holding all of
 * it, #! line included. */
static char *shebang(const char *script)
{
	struct command c;
	char *text, *got = argv_of(script);

	ck_assert_ptr_nonnull(command_build(script, NULL, &c));
	ck_assert_ptr_nonnull(c.tmp);
	text = slurp(c.tmp);
	ck_assert_str_eq(text, script);
	free(text);
	command_free(&c);
	ck_assert_int_eq(entries(tmpdir), 0);
	return got;
}

#define SHEBANG_EQ(script, want)                                                                   \
	do {                                                                                       \
		char *got_ = shebang(script);                                                      \
		ck_assert_str_eq(got_, want);                                                      \
		free(got_);                                                                        \
	} while (0)

START_TEST(a_shebang_line_names_the_interpreter)
{
	/* however short the script: the interpreter reads a file */
	SHEBANG_EQ("#!/usr/bin/python3\nprint(1)\n", "/usr/bin/python3|TMP");
	/* one argument: the rest of the line, as the kernel passes it */
	SHEBANG_EQ("#!/usr/bin/env python3\nprint(1)\n", "/usr/bin/env|python3|TMP");
	SHEBANG_EQ("#!/usr/bin/env python3 -u -B\nprint(1)\n", "/usr/bin/env|python3 -u -B|TMP");
	/* blanks around them, and a Windows line end, are dropped */
	SHEBANG_EQ("#! \t/usr/bin/perl\t -w \t\r\nprint 1;\n", "/usr/bin/perl|-w|TMP");
	SHEBANG_EQ("#!/bin/bash   \nexit 0\n", "/bin/bash|TMP");
	/* a script that is only its #! line */
	SHEBANG_EQ("#!/bin/sh", "/bin/sh|TMP");
	/* "#!" not at the start is a comment for the shell */
	ARGV_EQ(" #!/bin/bash\n", "/bin/sh|-ec| #!/bin/bash\n");
}
END_TEST

START_TEST(a_file_that_cannot_be_written_is_an_error)
{
	char *over = long_script(64 * 1024 + 1);
	struct command c;

	setenv("TMPDIR", "/nonexistent-baton-dir", 1);
	ck_assert_ptr_null(command_build("#!/bin/bash\necho\n", NULL, &c));
	ck_assert_int_eq(errno, ENOENT);
	/* nothing is left to free */
	ck_assert_ptr_null(c.tmp);
	ck_assert_ptr_null(c.line);
	ck_assert_ptr_null(c.words);
	command_free(&c);
	ARGV_EQ(over, "NULL No such file or directory");
	/* a simple command or a short script needs no file */
	ARGV_EQ("cc x\n", "cc|x");
	ARGV_EQ("cc x >y\n", "/bin/sh|-ec|cc x >y\n");
	free(over);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("command");
	TCase *tc = tcase_create("command");

	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, a_simple_command_runs_without_a_shell);
	tcase_add_test(tc, single_quoted_words);
	tcase_add_test(tc, shell_syntax_goes_to_the_shell);
	tcase_add_test(tc, builtins_go_to_the_shell);
	tcase_add_test(tc, a_long_script_goes_through_a_file);
	tcase_add_test(tc, without_tmpdir_the_file_goes_to_tmp);
	tcase_add_test(tc, a_shebang_line_names_the_interpreter);
	tcase_add_test(tc, a_file_that_cannot_be_written_is_an_error);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
