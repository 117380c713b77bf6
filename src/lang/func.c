/* The functions callable inside {{ }}: those that read the file system, the
 * environment or the machine, and those on paths (funclist.c has the others). */
#include <errno.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/match.h"
#include "base/path.h"
#include "lang/diag.h"
#include "lang/eval.h"
#include "os/os.h"

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
	const char *pat = func_one(call, &args[0], "pattern"), *rep, *pct;
	struct buf b = {0};
	size_t i, stem, n;

	(void)nargs;
	if (!pat || !(rep = func_one(call, &args[1], "replacement")))
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

/* Append the words of text s, split at blanks and line ends. */
static void splitwords(struct eval *ev, const char *s, struct list *out)
{
	const char *start;

	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			s++;
		if (!*s)
			break;
		start = s;
		while (*s && *s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			s++;
		list_push(out, arena_strndup(ev->a, start, (size_t)(s - start)));
		if (out->n > EVAL_MAX_WORDS)
			break; /* the caller reports the size */
	}
}

static bool fn_shell(struct eval *ev, const struct expr *call, struct list *args, int nargs,
		     struct list *out)
{
	struct buf cmd = {0}, res = {0};
	int status = 0, i;
	bool ok;

	for (i = 0; i < nargs; i++) {
		if (i)
			buf_putc(&cmd, ' ');
		list_join(&cmd, &args[i], " ");
	}
	buf_add(&cmd, "", 0);
	ok = os_capture(cmd.s, &res, &status);
	if (!ok && errno == EINTR) {
		diag_error(call->loc, "the shell command was interrupted");
	} else if (!ok) {
		diag_error(call->loc, "cannot run the shell command: %s", strerror(errno));
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
	if (ok)
		splitwords(ev, res.s, out);
	buf_free(&cmd);
	buf_free(&res);
	return ok;
}

static bool fn_env(struct eval *ev, const struct expr *call, struct list *args, int nargs,
		   struct list *out)
{
	const char *name = func_one(call, &args[0], "variable name"), *val;
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

	if (nargs == 2 && !(sep = func_one(call, &args[1], "separator")))
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

/* The words of each argument joined with '/', one word for each way of
 * taking one word from each; a word that starts with '/' starts the path
 * again, and an empty one adds nothing. */
static bool fn_path_join(struct eval *ev, const struct expr *call, struct list *args, int nargs,
			 struct list *out)
{
	struct list cur = {0}, next = {0};
	struct buf b = {0};
	size_t i, j;
	int k;

	list_push(&cur, "");
	for (k = 0; k < nargs; k++) {
		if ((double)cur.n * (double)args[k].n > EVAL_MAX_WORDS) {
			diag_error(call->loc, "value too large (over %d words)", EVAL_MAX_WORDS);
			list_free(&cur);
			return false;
		}
		next.n = next.bytes = 0;
		for (i = 0; i < cur.n; i++) {
			for (j = 0; j < args[k].n; j++) {
				const char *a = cur.v[i], *w = args[k].v[j];
				size_t alen = strlen(a);
				b.len = 0;
				if (w[0] != '/' && alen) {
					buf_add(&b, a, alen);
					if (*w && a[alen - 1] != '/')
						buf_putc(&b, '/');
				}
				buf_puts(&b, w);
				list_push(&next, arena_strndup(ev->a, b.s ? b.s : "", b.len));
			}
		}
		list_free(&cur);
		cur = next;
		next = (struct list){0};
	}
	list_append(out, &cur);
	list_free(&cur);
	buf_free(&b);
	return true;
}

/* Each word as an absolute path, from the Taskfile's directory, with no "."
 * or ".." left in it; symbolic links are not followed. */
static bool fn_abspath(struct eval *ev, const struct expr *call, struct list *args, int nargs,
		       struct list *out)
{
	char cwd[4096];
	struct buf b = {0};
	size_t i, n;

	(void)nargs;
	if (!getcwd(cwd, sizeof(cwd))) {
		diag_error(call->loc, "cannot find the current directory: %s", strerror(errno));
		return false;
	}
	for (i = 0; i < args[0].n; i++) {
		b.len = 0;
		if (args[0].v[i][0] != '/') {
			buf_puts(&b, cwd);
			buf_putc(&b, '/');
		}
		buf_puts(&b, args[0].v[i]);
		n = path_canon(b.s, b.len);
		while (n >= 3 && !memcmp(b.s, "/..", 3) && (n == 3 || b.s[3] == '/')) {
			memmove(b.s, b.s + 3, n - 3); /* "/.." is "/" */
			n -= 3;
		}
		list_push(out, n ? arena_strndup(ev->a, b.s, n) : "/");
	}
	buf_free(&b);
	return true;
}

/* true if every word names a file or directory that exists (and there is a
 * word), else no word. */
static bool fn_exists(struct eval *ev, const struct expr *call, struct list *args, int nargs,
		      struct list *out)
{
	struct stat st;
	size_t i;

	(void)ev, (void)call, (void)nargs;
	for (i = 0; i < args[0].n; i++) {
		if (stat(args[0].v[i], &st) != 0)
			return true;
	}
	if (args[0].n)
		list_push(out, "true");
	return true;
}

/* The words of a file, read while the Taskfile is loaded. */
static bool fn_read_file(struct eval *ev, const struct expr *call, struct list *args,
			 int nargs, struct list *out)
{
	const char *path = func_one(call, &args[0], "the file's path");
	uint32_t src;

	(void)nargs;
	if (!path)
		return false;
	src = source_load(path);
	if (!src) {
		diag_error(call->loc, "cannot read '%s': %s", path, strerror(errno));
		return false;
	}
	splitwords(ev, source_get(src)->text, out);
	return true;
}

/* The operating system and the processor baton was built for, as just names
 * them, or NULL to ask uname. */
static const char *const os_name =
#if defined(__linux__)
    "linux";
#elif defined(__APPLE__)
    "macos";
#elif defined(__FreeBSD__)
    "freebsd";
#elif defined(__NetBSD__)
    "netbsd";
#elif defined(__OpenBSD__)
    "openbsd";
#else
    NULL;
#endif
static const char *const arch_name =
#if defined(__x86_64__)
    "x86_64";
#elif defined(__aarch64__)
    "aarch64";
#elif defined(__i386__)
    "x86";
#elif defined(__arm__)
    "arm";
#elif defined(__riscv) && __riscv_xlen == 64
    "riscv64";
#elif defined(__powerpc64__)
    "powerpc64";
#elif defined(__s390x__)
    "s390x";
#else
    NULL;
#endif

/* The name of the machine's system (os) or processor, in lower case. */
static bool machine(struct eval *ev, struct list *out, const char *known, bool os)
{
	struct utsname u;
	char *s, *p;

	if (known) {
		list_push(out, known);
		return true;
	}
	if (uname(&u) != 0) {
		list_push(out, "unknown");
		return true;
	}
	s = arena_strdup(ev->a, os ? u.sysname : u.machine);
	for (p = s; *p; p++)
		*p = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
	list_push(out, s);
	return true;
}

static bool fn_os(struct eval *ev, const struct expr *call, struct list *args, int nargs,
		  struct list *out)
{
	(void)call, (void)args, (void)nargs;
	return machine(ev, out, os_name, true);
}

static bool fn_arch(struct eval *ev, const struct expr *call, struct list *args, int nargs,
		    struct list *out)
{
	(void)call, (void)args, (void)nargs;
	return machine(ev, out, arch_name, false);
}

/* if(cond, then, else): evaluates cond, then only the branch it chooses. */
static bool fn_if(struct eval *ev, const struct expr *call, struct list *args, int nargs,
		  struct list *out)
{
	struct list c = {0};
	const struct expr *a = call->arg;
	bool ok = eval_expr(ev, a, &c), truth = eval_true(&c);

	(void)args, (void)nargs;
	list_free(&c);
	if (!ok)
		return false;
	a = truth ? a->next : a->next->next;
	return !a || eval_expr(ev, a, out);
}

/* The directory baton was started in (before it went to the Taskfile's). */
static char *invoked;

void func_set_invocation_dir(const char *dir)
{
	free(invoked);
	invoked = dir ? strcpy(xmalloc(strlen(dir) + 1), dir) : NULL;
}

static bool fn_invocation_dir(struct eval *ev, const struct expr *call, struct list *args,
			      int nargs, struct list *out)
{
	char cwd[4096];

	(void)call;
	(void)args;
	(void)nargs;
	if (!invoked && !getcwd(cwd, sizeof(cwd)))
		strcpy(cwd, ".");
	list_push(out, arena_strdup(ev->a, invoked ? invoked : cwd));
	return true;
}

static const struct func funcs[] = {
    {"abspath", 1, 1, fn_abspath, false},
    {"arch", 0, 0, fn_arch, false},
    {"base", 1, -1, fn_base, false},
    {"dir", 1, -1, fn_dir, false},
    {"env", 1, -1, fn_env, false},
    {"exists", 1, 1, fn_exists, false},
    {"ext", 1, -1, fn_ext, false},
    {"glob", 1, -1, fn_glob, false},
    {"if", 2, 3, fn_if, true},
    {"invocation_dir", 0, 0, fn_invocation_dir, false},
    {"join", 1, 2, fn_join, false},
    {"noext", 1, -1, fn_noext, false},
    {"os", 0, 0, fn_os, false},
    {"path_join", 1, -1, fn_path_join, false},
    {"patsubst", 3, 3, fn_patsubst, false},
    {"raw", 1, -1, fn_raw, false},
    {"read_file", 1, 1, fn_read_file, false},
    {"shell", 1, -1, fn_shell, false},
};

void func_names(struct nearest *n)
{
	const struct func *f;
	size_t i;

	for (i = 0; i < LEN(funcs); i++)
		nearest_try(n, funcs[i].name);
	for (f = func_lists; f->name; f++)
		nearest_try(n, f->name);
}

const struct func *func_find(const char *name)
{
	const struct func *f;
	size_t i;

	for (i = 0; i < LEN(funcs); i++) {
		if (!strcmp(funcs[i].name, name))
			return &funcs[i];
	}
	for (f = func_lists; f->name; f++) {
		if (!strcmp(f->name, name))
			return f;
	}
	return NULL;
}
