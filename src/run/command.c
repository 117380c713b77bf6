/* How a job's script is run: one simple command directly, else by /bin/sh -e
 * or its #! interpreter. */
#include "run/command.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "graph/graph.h"
#include "lang/eval.h"
#include "os/os.h"
#include "lang/source.h"

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

/* n newlines to fd. */
static bool newlines(int fd, size_t n)
{
	static char nl[4096];
	size_t k;

	if (!nl[0])
		memset(nl, '\n', sizeof(nl));
	for (; n > 0; n -= k) {
		k = n < sizeof(nl) ? n : sizeof(nl);
		if (!os_write_all(fd, nl, k))
			return false;
	}
	return true;
}

/* The line of the Taskfile where e's recipe starts (1 if not known). */
static unsigned recipeline(const struct edge *e)
{
	const struct rline *r = e ? e->rule->recipe : NULL;
	const struct source *src = r ? source_get(r->loc.src) : NULL;
	unsigned line = 1, col;

	if (src)
		source_linecol(src, r->loc.off + e->shift, &line, &col);
	return line;
}

/* Write script to a file named after the job (the last part of its name) in
 * a directory of its own in $TMPDIR, with blank lines put in so that its
 * lines have the numbers they have in the Taskfile: after the #! line if it
 * has one (an interpreter takes that one from line 1 only), else before it.
 * The file's name, or NULL with errno set, and c->where what failed. */
static char *tmpscript(struct command *c, const char *script, size_t len, const struct edge *e)
{
	const char *env = getenv("TMPDIR"), *name = e ? edge_name(e) : "script", *slash;
	const char *dir = env && *env ? env : "/tmp";
	size_t pad = recipeline(e) - 1, first = 0;
	struct buf path = {0};
	int fd, err;

	if (!strncmp(script, "#!", 2))
		first = strcspn(script, "\n") + (script[strcspn(script, "\n")] == '\n');
	buf_printf(&path, "%s/baton-XXXXXX", dir);
	if (!mkdtemp(path.s)) {
		/* for the message, printed before the next job starts */
		static char where[PATH_MAX + 32];
		err = errno;
		snprintf(where, sizeof(where), " in '%s'%s", dir, env && *env ? " ($TMPDIR)" : "");
		c->where = where;
		buf_free(&path);
		errno = err;
		return NULL;
	}
	c->tmpdir = strcpy(xmalloc(path.len + 1), path.s);
	slash = strrchr(name, '/');
	name = slash && slash[1] ? slash + 1 : name;
	buf_printf(&path, "/%.200s", name);
	fd = open(path.s, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || !os_write_all(fd, script, first) || !newlines(fd, pad) ||
	    !os_write_all(fd, script + first, len - first)) {
		err = errno;
		if (fd >= 0) {
			close(fd);
			unlink(path.s);
		}
		buf_free(&path);
		errno = err;
		return NULL;
	}
	close(fd);
	return path.s;
}

/* Words joined by spaces, "NAME=" before them, into a string of its own. */
static char *envvar(const char *name, char *const *words, size_t n)
{
	struct buf b = {0};
	size_t i;

	buf_printf(&b, "%s=", name);
	for (i = 0; i < n; i++) {
		if (i)
			buf_putc(&b, ' ');
		buf_puts(&b, words[i]);
	}
	return b.s;
}

/* Add word to the arguments of a #! script. */
static void addarg(struct command *c, const char *word)
{
	xgrow((void **)&c->args, &c->capargs, c->nargs + 2, sizeof(*c->args));
	c->args[c->nargs++] = (char *)word;
	c->args[c->nargs] = NULL;
}

/* Add the variable "name=value" (made by envvar) to those of a #! script. */
static void addenv(struct command *c, char *var)
{
	xgrow((void **)&c->vars, &c->capvars, c->nvars + 1, sizeof(*c->vars));
	c->vars[c->nvars++] = var;
}

/* The arguments of a #! script of e, and its variables: a rule's outputs and
 * inputs, or a task's arguments, parameter by parameter. */
static void scriptargs(struct command *c, const struct edge *e)
{
	const struct param *p;
	const struct scope *sc;
	uint32_t i;
	char **w;

	w = xmalloc((e->nout + e->nin + 1) * sizeof(*w));
	for (i = 0; i < e->nin; i++)
		w[i] = (char *)e->in[i]->path;
	addenv(c, envvar("BATON_IN", w, e->nin));
	if (e->rule->kind != ST_TASK) {
		for (i = 0; i < e->nout; i++) {
			w[i] = (char *)edge_out(e)[i]->path;
			addarg(c, w[i]);
		}
		addenv(c, envvar("BATON_OUT", w, e->nout));
		for (i = 0; i < e->nin; i++)
			addarg(c, e->in[i]->path);
		if (e->stem)
			addenv(c, envvar("BATON_STEM", (char *const[]){(char *)e->stem}, 1));
	}
	free(w);
	if (e->rule->kind != ST_TASK)
		return;
	for (p = e->rule->params; p; p = p->next) {
		for (sc = e->args; sc && strcmp(sc->name, p->name); sc = sc->up)
			;
		if (!sc)
			continue;
		for (i = 0; i < sc->val->n; i++)
			addarg(c, sc->val->v[i]);
		addenv(c, envvar(p->name, (char *const *)sc->val->v, sc->val->n));
	}
}

char **command_build(const char *script, const struct edge *e, struct command *c)
{
	size_t len = strlen(script), i;
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
	c->tmp = tmpscript(c, script, len, e);
	if (!c->tmp) {
		int err = errno;
		const char *where = c->where;
		command_free(c);
		c->where = where;
		errno = err;
		return NULL;
	}
	c->argv[n++] = c->tmp;
	c->argv[n] = NULL;
	if (!c->line || !e)
		return c->argv;
	/* a #! script: the job's files or arguments are its arguments too */
	for (i = 0; c->argv[i]; i++)
		addarg(c, c->argv[i]);
	scriptargs(c, e);
	return c->args;
}

char *const *command_env(struct command *c, char *const *env)
{
	size_t n = 0, i, k, len;

	if (!c->nvars)
		return env;
	if (!env)
		env = environ;
	while (env[n])
		n++;
	c->env = xmalloc((n + c->nvars + 1) * sizeof(*c->env));
	/* baton's variables of these names give way */
	for (i = k = 0; i < n; i++) {
		size_t j;
		for (j = 0; j < c->nvars; j++) {
			len = strcspn(c->vars[j], "=") + 1;
			if (!strncmp(env[i], c->vars[j], len))
				break;
		}
		if (j == c->nvars)
			c->env[k++] = env[i];
	}
	memcpy(c->env + k, c->vars, c->nvars * sizeof(*c->env));
	c->env[k + c->nvars] = NULL;
	return c->env;
}

void command_free(struct command *c)
{
	size_t i;

	if (c->tmp)
		unlink(c->tmp);
	if (c->tmpdir)
		rmdir(c->tmpdir);
	free(c->tmp);
	free(c->tmpdir);
	free(c->line);
	free(c->words);
	free(c->args);
	for (i = 0; i < c->nvars; i++)
		free(c->vars[i]);
	free(c->vars);
	free(c->env);
	memset(c, 0, sizeof(*c));
}
