/* The functions callable inside {{ }}. */
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "base/match.h"
#include "lang/diag.h"
#include "lang/eval.h"
#include "os/os.h"

/* The only word of an argument that must be one word. */
static const char *one(const struct expr *call, const struct list *arg, const char *what)
{
	if (arg->n == 1)
		return arg->v[0];
	diag_error(call->loc, "'%s' needs exactly one word as %s, got %zu", call->name, what,
		   arg->n);
	return NULL;
}

static bool fn_glob(struct eval *ev, const struct expr *call, struct list *args, int nargs,
		    struct list *out)
{
	int i, rc;
	size_t j, k;

	for (i = 0; i < nargs; i++) {
		for (j = 0; j < args[i].n; j++) {
			glob_t g;
			memset(&g, 0, sizeof(g));
			rc = glob(args[i].v[j], 0, NULL, &g);
			if (rc != 0 && rc != GLOB_NOMATCH) {
				globfree(&g);
				diag_error(call->loc, "glob('%s') failed", args[i].v[j]);
				return false;
			}
			for (k = 0; k < g.gl_pathc; k++)
				list_push(out, arena_strdup(ev->a, g.gl_pathv[k]));
			globfree(&g);
			if (out->n > EVAL_MAX_WORDS)
				return true; /* the caller reports the size */
		}
	}
	return true;
}

static bool fn_patsubst(struct eval *ev, const struct expr *call, struct list *args, int nargs,
			struct list *out)
{
	const char *pat = one(call, &args[0], "pattern"), *rep, *pct;
	struct buf b = {0};
	size_t i, stem, n;

	(void)nargs;
	if (!pat || !(rep = one(call, &args[1], "replacement")))
		return false;
	pct = strchr(rep, '%');
	for (i = 0; i < args[2].n; i++) {
		const char *w = args[2].v[i];
		if (!pattern_match(pat, w, strlen(w), &stem, &n)) {
			list_push(out, args[2].v[i]);
			continue;
		}
		b.len = 0;
		if (pct) {
			buf_add(&b, rep, (size_t)(pct - rep));
			buf_add(&b, w + stem, n);
			buf_puts(&b, pct + 1);
		} else {
			buf_puts(&b, rep);
		}
		list_push(out, arena_strndup(ev->a, b.s, b.len));
	}
	buf_free(&b);
	return true;
}

static bool fn_shell(struct eval *ev, const struct expr *call, struct list *args, int nargs,
		     struct list *out)
{
	struct buf cmd = {0}, res = {0};
	int status = 0, i;
	bool ok;
	char *p, *start;

	for (i = 0; i < nargs; i++) {
		if (i)
			buf_putc(&cmd, ' ');
		list_join(&cmd, &args[i], " ");
	}
	buf_add(&cmd, "", 0);
	ok = os_capture(cmd.s, &res, &status);
	if (!ok) {
		diag_error(call->loc, "cannot run the shell command");
	} else if (WIFSIGNALED(status)) {
		diag_error(call->loc, "shell command killed by signal %d (%s)", WTERMSIG(status),
			   os_signame(WTERMSIG(status)));
		ok = false;
	} else if (WEXITSTATUS(status) != 0) {
		diag_error(call->loc, "shell command failed with exit status %d",
			   WEXITSTATUS(status));
		ok = false;
	}
	buf_add(&res, "", 0);
	for (p = res.s; ok && *p;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!*p)
			break;
		start = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			p++;
		list_push(out, arena_strndup(ev->a, start, (size_t)(p - start)));
		if (out->n > EVAL_MAX_WORDS)
			break;
	}
	buf_free(&cmd);
	buf_free(&res);
	return ok;
}

static bool fn_env(struct eval *ev, const struct expr *call, struct list *args, int nargs,
		   struct list *out)
{
	const char *name = one(call, &args[0], "variable name"), *val;
	int i;

	if (!name)
		return false;
	val = getenv(name);
	if (val) {
		list_push(out, arena_strdup(ev->a, val));
		return true;
	}
	if (nargs == 1) {
		diag_error(call->loc, "environment variable '%s' is not set (give a default: env(\"%s\", \"...\"))",
			   name, name);
		return false;
	}
	for (i = 1; i < nargs; i++)
		list_append(out, &args[i]);
	return true;
}

enum part { DIR, BASE, EXT, NOEXT };

static bool pathpart(struct eval *ev, struct list *args, int nargs, struct list *out,
		     enum part part)
{
	int i;
	size_t j;

	for (i = 0; i < nargs; i++) {
		for (j = 0; j < args[i].n; j++) {
			const char *w = args[i].v[j], *slash = strrchr(w, '/');
			const char *base = slash ? slash + 1 : w, *dot = strrchr(base, '.');
			if (dot == base)
				dot = NULL; /* ".profile" has no extension */
			switch (part) {
			case DIR:
				if (!slash)
					list_push(out, ".");
				else if (slash == w)
					list_push(out, "/");
				else
					list_push(out, arena_strndup(ev->a, w, (size_t)(slash - w)));
				break;
			case BASE:
				list_push(out, base);
				break;
			case EXT:
				list_push(out, dot ? dot : "");
				break;
			case NOEXT:
				list_push(out, dot ? arena_strndup(ev->a, w, (size_t)(dot - w)) : w);
				break;
			}
		}
	}
	return true;
}

static bool fn_dir(struct eval *ev, const struct expr *call, struct list *args, int nargs,
		   struct list *out)
{
	(void)call;
	return pathpart(ev, args, nargs, out, DIR);
}

static bool fn_base(struct eval *ev, const struct expr *call, struct list *args, int nargs,
		    struct list *out)
{
	(void)call;
	return pathpart(ev, args, nargs, out, BASE);
}

static bool fn_ext(struct eval *ev, const struct expr *call, struct list *args, int nargs,
		   struct list *out)
{
	(void)call;
	return pathpart(ev, args, nargs, out, EXT);
}

static bool fn_noext(struct eval *ev, const struct expr *call, struct list *args, int nargs,
		     struct list *out)
{
	(void)call;
	return pathpart(ev, args, nargs, out, NOEXT);
}

static bool fn_join(struct eval *ev, const struct expr *call, struct list *args, int nargs,
		    struct list *out)
{
	const char *sep = " ";
	struct buf b = {0};

	if (nargs == 2 && !(sep = one(call, &args[1], "separator")))
		return false;
	list_join(&b, &args[0], sep);
	list_push(out, arena_strndup(ev->a, b.s ? b.s : "", b.len));
	buf_free(&b);
	return true;
}

static bool fn_raw(struct eval *ev, const struct expr *call, struct list *args, int nargs,
		   struct list *out)
{
	int i;

	(void)ev;
	(void)call;
	for (i = 0; i < nargs; i++)
		list_append(out, &args[i]);
	out->raw = true;
	return true;
}

static const struct func funcs[] = {
    {"base", 1, -1, fn_base},   {"dir", 1, -1, fn_dir},   {"env", 1, -1, fn_env},
    {"ext", 1, -1, fn_ext},     {"glob", 1, -1, fn_glob}, {"join", 1, 2, fn_join},
    {"noext", 1, -1, fn_noext}, {"patsubst", 3, 3, fn_patsubst},
    {"raw", 1, -1, fn_raw},     {"shell", 1, -1, fn_shell},
};

const struct func *func_find(const char *name)
{
	size_t i;

	for (i = 0; i < LEN(funcs); i++) {
		if (!strcmp(funcs[i].name, name))
			return &funcs[i];
	}
	return NULL;
}
