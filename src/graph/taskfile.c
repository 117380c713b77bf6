#include "graph/taskfile.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "graph/internal.h"
#include "graph/pool.h"
#include "lang/diag.h"
#include "lang/dotenv.h"
#include "lang/eval.h"

enum { MAX_INCLUDE_DEPTH = 64 };

/* The files being included, outermost first, to find include loops. */
struct incstack {
	const char *real[MAX_INCLUDE_DEPTH + 1];
	int n;
};

void taskfile_init(struct taskfile *l)
{
	memset(l, 0, sizeof(*l));
	vars_init(&l->vars, &l->ast);
	eval_reset(); /* the budget of words is per Taskfile */
}

void taskfile_free(struct taskfile *l)
{
	vars_free(&l->vars);
	graph_free(&l->graph);
	free(l->rules);
	arena_free(&l->ast);
	segments_free(&l->hdr);
	taskfile_freescratch(l);
}

static bool walk(struct taskfile *l, struct stmts *all, struct incstack *inc);

/* Parse and walk one file; from is the include statement (NULL for the main file). */
static bool readfile(struct taskfile *l, const char *path, const struct stmt *from,
		     struct incstack *inc)
{
	char *real;
	struct stmt *head;
	struct stmts all = {0};
	uint32_t src;
	bool ok;
	int i;

	src = source_load(path);
	if (!src) {
		struct loc at = from ? from->value->loc : (struct loc){0};
		if ((errno == EFBIG || errno == EMFILE) && l->full)
			return false; /* said once: the others are the same mistake */
		l->full = errno == EFBIG || errno == EMFILE;
		if (from && errno == ENOENT)
			diag_error(at, "include file '%s' not found", path);
		else if (errno == EFBIG)
			diag_error(at, "cannot read '%s': the Taskfile and what it includes are "
				       "over %d MiB in all", path, SOURCE_MAX_TOTAL >> 20);
		else if (errno == EMFILE && from)
			diag_error(at, "cannot read '%s': includes read over %d files in all", path,
				   SOURCE_MAX_FILES);
		else
			diag_error(at, "cannot read '%s': %s", path, strerror(errno));
		return false;
	}
	real = realpath(path, NULL);
	if (!real)
		real = strcpy(xmalloc(strlen(path) + 1), path);
	for (i = 0; i < inc->n; i++) {
		if (!strcmp(inc->real[i], real)) {
			diag_error(from->value->loc, "'%s' includes itself", path);
			free(real);
			return false;
		}
	}
	if (inc->n == MAX_INCLUDE_DEPTH) {
		diag_error(from->value->loc, "includes nested more than %d deep", MAX_INCLUDE_DEPTH);
		free(real);
		return false;
	}
	inc->real[inc->n++] = real;
	ok = parse_source(&l->ast, &l->hdr, src, &head, &all);
	ok = walk(l, &all, inc) && ok;
	free(real);
	inc->n--;
	return ok;
}

bool taskfile_source(struct taskfile *l, uint32_t src)
{
	struct incstack inc = {.n = 0};
	struct stmt *head;
	struct stmts all = {0};
	bool ok;

	ok = parse_source(&l->ast, &l->hdr, src, &head, &all);
	return walk(l, &all, &inc) && ok && diag_errors() == 0;
}

static bool include(struct taskfile *l, const struct stmt *s, struct incstack *inc)
{
	struct eval ev = {&l->vars, NULL, &l->ast, false};
	struct list paths = {0};
	struct buf b = {0};
	bool ok;
	size_t i;

	ok = eval_words(&ev, s->value, &paths);
	for (i = 0; ok && i < paths.n; i++) {
		const char *p = paths.v[i];
		b.len = 0;
		if (p[0] != '/')
			buf_puts(&b, source_get(s->loc.src)->dir);
		buf_puts(&b, p);
		ok = readfile(l, b.s, s, inc);
	}
	list_free(&paths);
	buf_free(&b);
	return ok;
}

/* "dotenv" loads .env beside the Taskfile if there is one; "dotenv PATH" the
 * file named, relative to the Taskfile, which must exist. */
static bool dotenv(struct taskfile *l, const struct stmt *s)
{
	struct eval ev = {&l->vars, NULL, &l->ast, false};
	struct list paths = {0};
	struct buf b = {0};
	const char *p = ".env";
	bool ok = true;

	if (s->value) {
		ok = eval_words(&ev, s->value, &paths);
		if (ok && paths.n != 1) {
			diag_error(s->value->loc, "'dotenv' takes one file name, got %zu", paths.n);
			ok = false;
		}
		p = ok ? paths.v[0] : p;
	}
	if (ok) {
		if (p[0] != '/')
			buf_puts(&b, source_get(s->loc.src)->dir);
		buf_puts(&b, p);
		ok = dotenv_load(b.s, s->value != NULL, s->value ? s->value->loc : s->loc);
	}
	list_free(&paths);
	buf_free(&b);
	return ok;
}

/* Whether the condition of an "if" or "else if" line holds. */
static bool holds(struct taskfile *l, const struct expr *cond, bool *ok)
{
	struct eval ev = {&l->vars, NULL, &l->ast, false};
	struct list val = {0};
	bool truth = false;

	if (eval_expr(&ev, cond, &val))
		truth = eval_true(&val);
	else
		*ok = false;
	list_free(&val);
	return truth;
}

/* The "end" of the block whose line is at i, or the end of the file for a
 * block left open (reported already). */
static size_t blockend(const struct stmts *all, size_t i)
{
	while (all->v[i]->kind != ST_END) {
		if (!all->v[i]->jump)
			return all->n;
		i += all->v[i]->jump;
	}
	return i;
}

/* At the "if" line at i: the line whose statements are the ones to read (the
 * first whose condition holds, or the "else"), or the block's "end". */
static size_t branch(struct taskfile *l, const struct stmts *all, size_t i, bool *ok)
{
	for (;;) {
		const struct stmt *s = all->v[i];
		if (s->kind == ST_END || (s->kind == ST_ELSE && !s->op))
			return i;
		if (!s->cond) /* a condition in error: the whole block is left out */
			return blockend(all, i);
		if (holds(l, s->cond, ok))
			return i;
		if (!s->jump)
			return all->n;
		i += s->jump;
	}
}

/* The assignments among the statements [from, to) of a branch not read: the
 * variables they name are the Taskfile's all the same (an override of one is
 * not a mistake). */
static void declare(struct taskfile *l, const struct stmts *all, size_t from, size_t to)
{
	for (; from < to && from < all->n; from++) {
		if (all->v[from]->kind == ST_ASSIGN)
			vars_declare(&l->vars, all->v[from]->name);
	}
}

/* Go through the statements of a file, then free the array of them. Those
 * of a conditional block are read only in the branch whose condition holds,
 * evaluated when its line is reached. */
static bool walk(struct taskfile *l, struct stmts *all, struct incstack *inc)
{
	bool ok = true;
	size_t i, j;

	for (i = 0; i < all->n; i++) {
		struct stmt *s = all->v[i];
		if (i + 16 < all->n)
			__builtin_prefetch(all->v[i + 16]);
		switch (s->kind) {
		case ST_ASSIGN:
			ok = vars_define(&l->vars, s) && ok;
			break;
		case ST_IF:
			j = branch(l, all, i, &ok);
			declare(l, all, i + 1, j);
			i = j;
			break;
		case ST_ELSE: /* the end of the branch read: on after the block */
			j = blockend(all, i);
			declare(l, all, i + 1, j);
			i = j;
			break;
		case ST_END:
			break;
		case ST_INCLUDE:
			ok = include(l, s, inc) && ok;
			break;
		case ST_POOL:
			ok = pool_declare(&l->graph, &l->vars, s) && ok;
			break;
		case ST_EXPORT:
			for (const struct word *w = s->value; w; w = w->next) {
				size_t len = 0;
				const char *name = word_text(w, &len);
				if (name)
					vars_export(&l->vars, arena_strndup(&l->ast, name, len),
						    w->loc);
			}
			break;
		case ST_DOTENV:
			ok = dotenv(l, s) && ok;
			break;
		case ST_RULE:
		case ST_TASK:
			xgrow((void **)&l->rules, &l->caprules, l->nrules + 1, sizeof(*l->rules));
			l->rules[l->nrules++] = s;
			break;
		}
	}
	free(all->v);
	*all = (struct stmts){0};
	return ok;
}

bool taskfile_parse(struct taskfile *l, const char *path)
{
	struct incstack inc = {.n = 0};

	return readfile(l, path, NULL, &inc) && diag_errors() == 0;
}

void taskfile_shed(struct taskfile *l)
{
	free(l->rules);
	l->rules = NULL;
	l->nrules = l->caprules = 0;
	source_shed_all();
}

/* Whether name is one of the words of a's value, as written (no {{ }}). */
static bool hasword(const struct attr *a, const char *name)
{
	const struct piece *p;
	size_t n = strlen(name);
	const char *t, *end;

	for (p = a ? a->value : NULL; p; p = p->next) {
		if (p->kind != PC_TEXT)
			continue;
		for (t = p->text, end = t + p->len; (t = memmem(t, (size_t)(end - t), name, n));
		     t++) {
			if ((t == p->text || t[-1] == ' ' || t[-1] == '\t') &&
			    (t + n == end || t[n] == ' ' || t[n] == '\t'))
				return true;
		}
	}
	return false;
}

const struct stmt *taskfile_task(const struct taskfile *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->nrules; i++) {
		const struct stmt *s = l->rules[i];
		size_t len;
		const char *text = s->kind == ST_TASK ? word_text(s->hdr->outputs, &len) : NULL;
		if (text && len == strlen(name) && !memcmp(text, name, len))
			return s;
	}
	for (i = 0; i < l->nrules; i++) {
		const struct stmt *s = l->rules[i];
		if (s->kind == ST_TASK && s->attrs && hasword(ast_getattr(s, "alias"), name))
			return s;
	}
	return NULL;
}
