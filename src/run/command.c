/* How a job's script is run: one simple command directly, else by /bin/sh -e
 * or its #! interpreter. */
#include "run/command.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"

enum { MAX_INLINE_SCRIPT = 64 * 1024 };

/* Words that the shell runs itself: its keywords and builtins (dash's and
 * bash's). A builtin may differ from the program of the same name (dash's
 * echo reads backslash escapes, /bin/echo does not; pwd prints $PWD), so
 * these go to the shell, as they would if the recipe had a redirection. */
static const char *const shellwords[] = {
    "!",       ".",        ":",        "[",       "[[",       "alias",   "bg",      "bind",
    "break",   "builtin",  "caller",   "case",    "cd",       "chdir",   "command", "compgen",
    "complete", "compopt", "continue", "declare", "dirs",     "disown",  "do",      "done",
    "echo",    "elif",     "else",     "enable",  "esac",     "eval",    "exec",    "exit",
    "export",  "false",    "fc",       "fg",      "fi",       "for",     "function", "getopts",
    "hash",    "help",     "history",  "if",      "jobs",     "kill",    "let",     "local",
    "logout",  "mapfile",  "popd",     "printf",  "pushd",    "pwd",     "read",    "readarray",
    "readonly", "return",  "select",   "set",     "shift",    "shopt",   "source",  "suspend",
    "test",    "then",     "time",     "times",   "trap",     "true",    "type",    "typeset",
    "ulimit",  "umask",    "unalias",  "unset",   "until",    "wait",    "while",   "{",
    "}",
};

static bool plainchar(unsigned char c)
{
	return c > ' ' && c < 0x7f && !strchr(";&|<>()$`\\\"'*?[]{}~#!^", c);
}

/* Split a one-line script into words if the shell would do nothing but split it;
 * single-quoted parts (as shell_quote writes them) are allowed. */
static char **simple(const char *script, struct command *c)
{
	size_t len = strlen(script), n = 0, i;
	char *w, *p;
	const char *s;

	if (len == 0 || script[len - 1] != '\n' || memchr(script, '\n', len - 1))
		return NULL;
	c->line = xmalloc(len + 1);
	c->words = xmalloc((len / 2 + 2) * sizeof(*c->words));
	w = c->line;
	for (s = script; *s != '\n';) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\n')
			break;
		c->words[n++] = p = w;
		while (*s != ' ' && *s != '\t' && *s != '\n') {
			if (*s == '\'') {
				const char *end = strchr(s + 1, '\'');
				if (!end || memchr(s + 1, '\n', (size_t)(end - s - 1)))
					goto no;
				memcpy(p, s + 1, (size_t)(end - s - 1));
				p += end - s - 1;
				s = end + 1;
			} else if (plainchar((unsigned char)*s)) {
				*p++ = *s++;
			} else {
				goto no;
			}
		}
		*p++ = '\0';
		w = p;
	}
	if (n == 0 || strchr(c->words[0], '='))
		goto no;
	for (i = 0; i < LEN(shellwords); i++) {
		if (!strcmp(c->words[0], shellwords[i]))
			goto no;
	}
	c->words[n] = NULL;
	return c->words;
no:
	free(c->words);
	free(c->line);
	c->words = NULL;
	c->line = NULL;
	return NULL;
}

/* Write script to a temporary file; its name, or NULL with errno set. */
static char *tmpscript(const char *script, size_t len)
{
	const char *dir = getenv("TMPDIR");
	struct buf name = {0};
	size_t off = 0;
	ssize_t n;
	int fd;

	buf_printf(&name, "%s/baton-XXXXXX", dir && *dir ? dir : "/tmp");
	fd = mkstemp(name.s);
	while (fd >= 0 && off < len) {
		n = write(fd, script + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			unlink(name.s);
			fd = -1;
			break;
		}
		off += (size_t)n;
	}
	if (fd < 0) {
		if (!errno)
			errno = ENOSPC;
		buf_free(&name);
		return NULL;
	}
	close(fd);
	return name.s;
}

char **command_build(const char *script, struct command *c)
{
	size_t len = strlen(script);
	int n = 0;

	memset(c, 0, sizeof(*c));
	if (!strncmp(script, "#!", 2)) {
		char *p, *end;
		const char *nl = strchr(script, '\n');
		c->line = strndup(script, nl ? (size_t)(nl - script) : len);
		/* "#!interpreter arg": the rest of the line is one argument, as for the kernel */
		p = c->line + 2;
		while (*p == ' ' || *p == '\t')
			p++;
		c->argv[n++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p) {
			*p++ = '\0';
			while (*p == ' ' || *p == '\t')
				p++;
			end = p + strlen(p);
			while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
				*--end = '\0';
			if (*p)
				c->argv[n++] = p;
		}
	} else if (simple(script, c)) {
		return c->words;
	} else if (len > MAX_INLINE_SCRIPT) {
		c->argv[n++] = "/bin/sh";
		c->argv[n++] = "-e";
	} else {
		c->argv[n++] = "/bin/sh";
		c->argv[n++] = "-ec";
		c->argv[n++] = (char *)script;
		return c->argv;
	}
	c->tmp = tmpscript(script, len);
	if (!c->tmp) {
		int err = errno;
		command_free(c);
		errno = err;
		return NULL;
	}
	c->argv[n++] = c->tmp;
	c->argv[n] = NULL;
	return c->argv;
}

void command_free(struct command *c)
{
	if (c->tmp)
		unlink(c->tmp);
	free(c->tmp);
	free(c->line);
	free(c->words);
	memset(c, 0, sizeof(*c));
}
